/* The accelerator model's fixed-point row kernels: exact integer sums. */
#include "checkasm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/model.h"
#include "fixed.h"

static void check_row32(const FsrFixedDSP *c, const FsrFixedDSP *lower, const FsrFixedDSP *cur)
{
    if (!checkasm_func(c->conv_row32, lower->conv_row32, cur->conv_row32, "conv_row32"))
        return;
    /* no SIMD version yet: a future one would be checked here like pairs */
    checkasm_report();
}

static void check_pairs(const FsrFixedDSP *c, const FsrFixedDSP *lower, const FsrFixedDSP *cur)
{
    if (!checkasm_func(c->conv_row_pairs, lower->conv_row_pairs, cur->conv_row_pairs, "conv_row_pairs"))
        return;
    static const int shapes[][3] = { { 1, 9, 9 }, { 8, 5, 5 }, { 3, 3, 3 }, { 2, 1, 7 }, { 4, 3, 1 }, { 1, 1, 2 } };
    enum { W = 300 };
    int benched = 0; /* the first case of width >= 128 */
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
        for (int w = 1; w <= W; w += 1 + w / 5) {
            const FixedLayer l = { .in_ch = shapes[s][0], .out_ch = 1, .kh = shapes[s][1], .kw = shapes[s][2] };
            const int pw = w + 2 * (l.kw / 2), nr = l.in_ch * l.kh, np = (l.kw + 1) / 2;
            int32_t *rows = malloc((size_t)nr * pw * sizeof(*rows)), *pairs = malloc((size_t)nr * pw * sizeof(*pairs));
            int32_t *wp = malloc((size_t)nr * np * sizeof(*wp));
            int32_t a[W + 8], b[W + 8];
            /* 12-bit activations (>= 0, as after ReLU) and weights: every
             * partial sum fits in 32 bits */
            /* The last shape is the accumulator's worst case: one pair of
             * the widest words (activations 2^15 - 1, weights +-(2^15 - 1))
             * and a bias that takes the sum to INT32_MAX or INT32_MIN. */
            const int edge = l.in_ch * l.kh * l.kw == 2, neg = edge && w % 2;
            for (int i = 0; i < nr * pw; i++)
                rows[i] = edge ? 32767 : checkasm_rand_int(0, 4095);
            fixed_make_pairs(pairs, rows, nr, pw);
            for (int i = 0; i < nr * np; i++)
                wp[i] = edge ? (int32_t)((uint32_t)(uint16_t)(neg ? -32767 : 32767) * 0x10001u)
                             : (int32_t)((uint32_t)(uint16_t)checkasm_rand_int(-2048, 2047) |
                                         (uint32_t)(uint16_t)checkasm_rand_int(-2048, 2047) << 16);
            /* 2 * 32767^2 = 2147352578 */
            const int64_t bias = edge ? (neg ? INT32_MIN + 2147352578LL : INT32_MAX - 2147352578LL)
                                      : checkasm_rand_int(-100000, 100000);
            memset(a, 0, sizeof(a));
            memset(b, 0, sizeof(b));
            c->conv_row_pairs(a, pairs, wp, bias, &l, w);
            cur->conv_row_pairs(b, pairs, wp, bias, &l, w);
            if (memcmp(a, b, sizeof(a)))
                checkasm_fail("%d channels %dx%d width %d", l.in_ch, l.kh, l.kw, w);
            if (s == 1 && !benched && w >= 128 && (benched = 1))
                checkasm_bench(c->conv_row_pairs(a, pairs, wp, bias, &l, w),
                               cur->conv_row_pairs(b, pairs, wp, bias, &l, w));
            free(rows);
            free(pairs);
            free(wp);
        }
    checkasm_report();
}

/* A random SRCNN-shaped model 1 -> c1 -> c2 -> 1 in the channel scheme of
 * fastsr --precision (8- or 16-bit words); 0 when it cannot be built. */
static int words_model(FixedModel *q, FsrModel *m, FsrConvLayer *layers, const int *shape, int bits, int padding)
{
    memset(m, 0, sizeof(*m));
    const int ch[4] = { 1, shape[0], shape[1], 1 };
    const float amp[3] = { 0.3f, 0.15f, 0.1f };
    for (int i = 0; i < 3; i++) {
        FsrConvLayer *l = &layers[i];
        memset(l, 0, sizeof(*l));
        l->in_ch = ch[i], l->out_ch = ch[i + 1], l->kh = l->kw = shape[2 + i];
        const int n = l->out_ch * l->in_ch * l->kh * l->kw;
        l->weight = malloc(n * sizeof(float));
        l->bias = malloc(l->out_ch * sizeof(float));
        for (int j = 0; j < n; j++)
            l->weight[j] = checkasm_rand_float(-amp[i], amp[i]);
        for (int j = 0; j < l->out_ch; j++)
            l->bias[j] = checkasm_rand_float(-0.05f, 0.05f);
    }
    snprintf(m->arch, sizeof(m->arch), "srcnn");
    snprintf(m->name, sizeof(m->name), "checkasm");
    m->scale = 2;
    m->padding = padding;
    m->n_layers = 3;
    m->layers = layers;
    FsrSRSettings s;
    fsr_sr_defaults(&s);
    fsr_sr_set_precision(&s, bits == 8 ? FSR_PRECISION_INT8 : FSR_PRECISION_INT16);
    s.threads = 1;
    return fixed_model_build(q, m, &s) == 0;
}

/* The whole-network integer engines (fastsr --precision int8/int16) against
 * the plain reference: the same bits for every shape, size and padding. */
static void check_words(const FsrFixedDSP *c, const FsrFixedDSP *lower, const FsrFixedDSP *cur, int bits)
{
    const FsrWordsDSP *k = bits == 8 ? cur->words8 : cur->words16;
    if (!checkasm_func(bits == 8 ? c->words8 : c->words16, bits == 8 ? lower->words8 : lower->words16, k,
                       bits == 8 ? "words8" : "words16"))
        return;
    /* channels c1, c2, kernels k1..k3: blocks of 16 channels and their
     * remainders, 1x1, the widest single-channel first layer */
    static const int shapes[][5] = { { 16, 8, 9, 1, 5 }, { 64, 32, 3, 1, 3 }, { 20, 3, 1, 3, 1 }, { 5, 36, 5, 3, 5 } };
    static const int sizes[][2] = { { 1, 1 }, { 7, 3 }, { 33, 9 }, { 61, 17 } };
    for (size_t si = 0; si < sizeof(shapes) / sizeof(shapes[0]); si++)
            for (size_t zi = 0; zi < sizeof(sizes) / sizeof(sizes[0]); zi++) {
                const int w = sizes[zi][0], h = sizes[zi][1], padding = zi % 2 ? FSR_PAD_ZERO : FSR_PAD_REPLICATE;
                FixedModel q;
                FsrModel m;
                FsrConvLayer layers[3];
                const int built = words_model(&q, &m, layers, shapes[si], bits, padding);
                uint8_t *src = malloc((size_t)w * h), *a = malloc((size_t)w * h), *b = malloc((size_t)w * h);
                checkasm_fill_u8(src, (size_t)w * h);
                /* every other case: requantisation scales 8x too large, so
                 * that activations and pixels saturate (the clamps of both
                 * versions are compared) */
                for (int li = 0; built && zi % 2 && li < q.n_layers; li++)
                    for (int o = 0; o < q.layers[li].out_ch; o++)
                        q.layers[li].mult[o] *= 8;
                if (!built) {
                    checkasm_fail("%d-bit model %zu not built", bits, si);
                } else if (fixed_sr_luma_ref(a, w, src, w, w, h, &q, NULL) < 0 ||
                           fixed_sr_luma_words(k, b, w, src, w, w, h, &q) != 0) {
                    checkasm_fail("%d-bit words, shape %zu, %dx%d: an error", bits, si, w, h);
                } else if (memcmp(a, b, (size_t)w * h)) {
                    checkasm_fail("%d-bit words, shape %zu, %dx%d", bits, si, w, h);
                }
                if (built && si == 0 && zi == 3)
                    checkasm_bench(fixed_sr_luma_ref(a, w, src, w, w, h, &q, NULL),
                                   fixed_sr_luma_words(k, b, w, src, w, w, h, &q));
                if (built)
                    fixed_model_close(&q);
                for (int i = 0; i < 3; i++) {
                    free(layers[i].weight);
                    free(layers[i].bias);
                }
                free(src);
                free(a);
                free(b);
            }
    checkasm_report();
}

void checkasm_check_accel_sr(void)
{
    FsrFixedDSP c, lower, cur;
    fixed_dsp_init(&c, 0);
    fixed_dsp_init(&lower, checkasm_lower_flags());
    fixed_dsp_init(&cur, checkasm_flags());
    check_row32(&c, &lower, &cur);
    check_pairs(&c, &lower, &cur);
    check_words(&c, &lower, &cur, 8);
    check_words(&c, &lower, &cur, 16);
}
