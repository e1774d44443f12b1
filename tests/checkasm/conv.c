/* The SR engine's convolution kernels.  The SIMD versions contract
 * multiply-adds (FMA), so they are compared with C within a relative error
 * of 1e-4, like the engine's tests; the interleaving copy and PReLU are
 * exact.  The SIMD levels sum in the same order (one FMA per tap, in the
 * packed order), so a level above another SIMD level must give its bits
 * exactly (AVX-512 = AVX2): checked too. */
#include "checkasm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"

static FsrConvLayer random_layer(int in_ch, int out_ch, int kh, int kw)
{
    FsrConvLayer l = { .in_ch = in_ch, .out_ch = out_ch, .kh = kh, .kw = kw };
    const int nw = in_ch * out_ch * kh * kw;
    l.weight = malloc(nw * sizeof(float));
    l.bias = malloc(out_ch * sizeof(float));
    for (int i = 0; i < nw; i++)
        l.weight[i] = checkasm_rand_float(-0.5f, 0.5f);
    for (int i = 0; i < out_ch; i++)
        l.bias[i] = checkasm_rand_float(-0.5f, 0.5f);
    return l;
}

static void free_layer(FsrConvLayer *l)
{
    free(l->weight);
    free(l->bias);
}

static float *random_floats(size_t n)
{
    float *p = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        p[i] = checkasm_rand_float(-1.f, 1.f);
    return p;
}

/* channels rows of n floats (stride cs) within 1e-4 of each other, relative */
static int close(const float *a, const float *b, int channels, ptrdiff_t cs, int n)
{
    for (int c = 0; c < channels; c++)
        for (int x = 0; x < n; x++) {
            const double r = a[c * cs + x], d = fabs((double)b[c * cs + x] - r) / fmax(1.0, fabs(r));
            if (!(d <= 1e-4))
                return 0;
        }
    return 1;
}

/* When the level below has a SIMD version of its own (not C's), this
 * level must give the same bits: out: its result (n floats), run: the
 * lower version's call into buffer `lo`. */
#define SAME_AS_LOWER(entry, lo, out, n, run, ...)                                                                 \
    do {                                                                                                           \
        if (lower->entry != c->entry) {                                                                            \
            run;                                                                                                   \
            if (memcmp(lo, out, (n) * sizeof(float)))                                                              \
                checkasm_fail("not the bits of the level below: " __VA_ARGS__);                                   \
        }                                                                                                          \
    } while (0)

/* planar rows (kh of in_ch channels) and the same rows interleaved by 8 */
typedef struct Rows {
    float *planar, *c8;
    const float *row[FSR_MODEL_MAX_KERNEL], *row8[FSR_MODEL_MAX_KERNEL];
    ptrdiff_t cs, blk_cs;
} Rows;

static void make_rows(Rows *r, const FsrConvDSP *c, const FsrConvLayer *l, int width)
{
    /* the optimised kernels read a few columns past the n they use, which
     * the engine's rows have */
    const int n = width + l->kw - 1;
    r->cs = n + 6;
    r->blk_cs = 8 * (n + 1);
    const size_t row = (size_t)l->in_ch * r->cs, row8 = (size_t)(l->in_ch + 7) / 8 * r->blk_cs;
    r->planar = random_floats(l->kh * row + 16);
    r->c8 = calloc(l->kh * row8, sizeof(float));
    for (int ky = 0; ky < l->kh; ky++) {
        r->row[ky] = r->planar + ky * row;
        r->row8[ky] = r->c8 + ky * row8;
        if (l->in_ch % 8 == 0)
            c->to_c8(r->c8 + ky * row8, r->blk_cs, r->row[ky], r->cs, l->in_ch, n);
    }
}

static void free_rows(Rows *r)
{
    free(r->planar);
    free(r->c8);
}

/* One layer packed one way, its input rows and two output buffers. */
typedef struct Case {
    FsrConvLayer l;
    FsrPackedConv p;
    Rows r;
    float *a, *b;
} Case;

/* pack: fsr_conv_pack or fsr_conv_pack_c8; out: floats per output buffer */
static void case_open(Case *k, const FsrConvDSP *c, int in_ch, int out_ch, int kh, int kw, int width, int relu,
                      int (*pack)(FsrPackedConv *, const FsrConvLayer *, int), size_t out)
{
    k->l = random_layer(in_ch, out_ch, kh, kw);
    pack(&k->p, &k->l, relu);
    make_rows(&k->r, c, &k->l, width);
    k->a = calloc(out, sizeof(float));
    k->b = calloc(out, sizeof(float));
}

static void case_close(Case *k)
{
    free(k->a);
    free(k->b);
    free_rows(&k->r);
    fsr_conv_pack_close(&k->p);
    free_layer(&k->l);
}

static void check_conv_row(const FsrConvDSP *c, const FsrConvDSP *lower, const FsrConvDSP *cur)
{
    if (!checkasm_func(c->conv_row, lower->conv_row, cur->conv_row, "conv_row"))
        return;
    static const int shapes[][4] = { { 1, 64, 9, 9 }, { 64, 32, 5, 5 }, { 32, 1, 5, 5 }, { 3, 5, 3, 3 },
                                     { 2, 3, 1, 7 },  { 7, 4, 3, 1 },   { 48, 2, 3, 3 }, { 40, 1, 5, 5 } };
    int benched = 0; /* the first case of width >= 128 */
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
        for (int width = 8; width <= 264; width += 8 * (1 + width / 40)) {
            const ptrdiff_t out_cs = width + 3;
            Case k;
            case_open(&k, c, shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3], width, (int)(s & 1),
                      fsr_conv_pack, (size_t)shapes[s][1] * out_cs);
            c->conv_row(k.a, out_cs, k.r.row, k.r.cs, &k.p, width);
            cur->conv_row(k.b, out_cs, k.r.row, k.r.cs, &k.p, width);
            if (!close(k.a, k.b, k.l.out_ch, out_cs, (int)out_cs))
                checkasm_fail("%dx%d %dx%d width %d", k.l.in_ch, k.l.out_ch, k.l.kh, k.l.kw, width);
            SAME_AS_LOWER(conv_row, k.a, k.b, (size_t)k.l.out_ch * out_cs,
                          lower->conv_row(k.a, out_cs, k.r.row, k.r.cs, &k.p, width), "%dx%d %dx%d width %d",
                          k.l.in_ch, k.l.out_ch, k.l.kh, k.l.kw, width);
            if (s == 1 && !benched && width >= 128 && (benched = 1))
                checkasm_bench(c->conv_row(k.a, out_cs, k.r.row, k.r.cs, &k.p, width),
                               cur->conv_row(k.b, out_cs, k.r.row, k.r.cs, &k.p, width));
            case_close(&k);
        }
    /* The phases of transposed convolutions (fsr_conv_deconv_phases): the
     * taps that are zero for some channels of a block are skipped
     * (FsrPackedConv.tapmask: x2 and x4 have such taps, x3 has none), which
     * must not change a bit. */
    for (int scale = 2; scale <= 4; scale++) {
        FsrConvLayer d = random_layer(12, 1, 9, 9), l;
        int shift;
        if (fsr_conv_deconv_phases(&l, &d, scale, &shift) < 0)
            checkasm_fail("phases of a 9x9 transposed convolution at x%d", scale);
        FsrPackedConv p;
        fsr_conv_pack(&p, &l, 0);
        if (!p.tapmask != (scale == 3))
            checkasm_fail("x%d phases: tap mask %s", scale, p.tapmask ? "where no tap is zero" : "missing");
        for (int width = 8; width <= 264; width += 8 * (1 + width / 40)) {
            const ptrdiff_t out_cs = width + 3;
            Rows r;
            make_rows(&r, c, &l, width);
            float *a = calloc((size_t)l.out_ch * out_cs, sizeof(float));
            float *b = calloc((size_t)l.out_ch * out_cs, sizeof(float));
            c->conv_row(a, out_cs, r.row, r.cs, &p, width);
            cur->conv_row(b, out_cs, r.row, r.cs, &p, width);
            if (!close(a, b, l.out_ch, out_cs, (int)out_cs))
                checkasm_fail("x%d phases (%dx%d %dx%d) width %d", scale, l.in_ch, l.out_ch, l.kh, l.kw, width);
            SAME_AS_LOWER(conv_row, a, b, (size_t)l.out_ch * out_cs,
                          lower->conv_row(a, out_cs, r.row, r.cs, &p, width), "x%d phases width %d", scale, width);
            free(a);
            free(b);
            free_rows(&r);
        }
        fsr_conv_pack_close(&p);
        free_layer(&l);
        free_layer(&d);
    }
    /* PReLU in the store (fsr_conv_pack_prelu; FSRCNN's shapes): each
     * version gives the bits of its own kernel without it followed by its
     * prelu_row, and matches C as above. */
    static const int prelu_shapes[][4] = { { 1, 56, 5, 5 }, { 56, 12, 1, 1 }, { 12, 12, 3, 3 }, { 12, 56, 1, 1 },
                                           { 5, 6, 3, 3 } };
    for (size_t s = 0; s < sizeof(prelu_shapes) / sizeof(prelu_shapes[0]); s++)
        for (int width = 8; width <= 264; width += 8 * (1 + width / 40)) {
            const ptrdiff_t out_cs = width + 3;
            const int out_ch = prelu_shapes[s][1];
            Case k;
            case_open(&k, c, prelu_shapes[s][0], out_ch, prelu_shapes[s][2], prelu_shapes[s][3], width, 0,
                      fsr_conv_pack, (size_t)out_ch * out_cs);
            float *slope = random_floats((size_t)out_ch);
            float *sep = calloc((size_t)out_ch * out_cs, sizeof(float));
            const FsrConvDSP *v[2] = { c, cur };
            float *o[2] = { k.a, k.b };
            for (int i = 0; i < 2; i++) {
                /* without the slope, then prelu_row */
                memset(sep, 0, (size_t)out_ch * out_cs * sizeof(float));
                v[i]->conv_row(sep, out_cs, k.r.row, k.r.cs, &k.p, width);
                v[i]->prelu_row(sep, out_cs, out_ch, slope, width, 0);
                if (fsr_conv_pack_prelu(&k.p, slope) != 1)
                    checkasm_fail("%dx%d %dx%d: PReLU not taken", k.l.in_ch, out_ch, k.l.kh, k.l.kw);
                v[i]->conv_row(o[i], out_cs, k.r.row, k.r.cs, &k.p, width);
                free(k.p.slope);
                k.p.slope = NULL;
                for (int co = 0; co < out_ch; co++)
                    if (memcmp(sep + co * out_cs, o[i] + co * out_cs, (size_t)width * sizeof(float)))
                        checkasm_fail("%s: PReLU in the store is not prelu_row after it: %dx%d %dx%d width %d",
                                      i ? "SIMD" : "C", k.l.in_ch, out_ch, k.l.kh, k.l.kw, width);
            }
            if (!close(k.a, k.b, out_ch, out_cs, width))
                checkasm_fail("PReLU %dx%d %dx%d width %d", k.l.in_ch, out_ch, k.l.kh, k.l.kw, width);
            if (lower->conv_row != c->conv_row) {
                fsr_conv_pack_prelu(&k.p, slope);
                lower->conv_row(k.a, out_cs, k.r.row, k.r.cs, &k.p, width);
                for (int co = 0; co < out_ch; co++)
                    if (memcmp(k.a + co * out_cs, k.b + co * out_cs, (size_t)width * sizeof(float)))
                        checkasm_fail("not the bits of the level below: PReLU %dx%d %dx%d width %d", k.l.in_ch,
                                      out_ch, k.l.kh, k.l.kw, width);
            }
            free(sep);
            free(slope);
            case_close(&k);
        }
    checkasm_report();
}

static void check_to_c8(const FsrConvDSP *c, const FsrConvDSP *lower, const FsrConvDSP *cur)
{
    if (!checkasm_func(c->to_c8, lower->to_c8, cur->to_c8, "to_c8"))
        return;
    enum { N = 300, CH = 64 };
    float *planar = random_floats((size_t)CH * (N + 3));
    float *a = calloc((size_t)CH / 8 * 8 * (N + 1), sizeof(float)), *b = calloc((size_t)CH / 8 * 8 * (N + 1), sizeof(float));
    for (int ch = 8; ch <= CH; ch += 8)
        for (int n = 1; n <= N; n += 1 + n / 3) {
            memset(a, 0, (size_t)CH * (N + 1) * sizeof(float));
            memset(b, 0, (size_t)CH * (N + 1) * sizeof(float));
            c->to_c8(a, 8 * (N + 1), planar, N + 3, ch, n);
            cur->to_c8(b, 8 * (N + 1), planar, N + 3, ch, n);
            if (memcmp(a, b, (size_t)CH * (N + 1) * sizeof(float)))
                checkasm_fail("%d channels, %d columns", ch, n);
        }
    checkasm_bench(c->to_c8(a, 8 * (N + 1), planar, N + 3, CH, 256), cur->to_c8(b, 8 * (N + 1), planar, N + 3, CH, 256));
    free(planar);
    free(a);
    free(b);
    checkasm_report();
}

static void check_conv_row_c8(const FsrConvDSP *c, const FsrConvDSP *lower, const FsrConvDSP *cur)
{
    if (!checkasm_func(c->conv_row_c8, lower->conv_row_c8, cur->conv_row_c8, "conv_row_c8"))
        return;
    static const int shapes[][4] = { { 64, 32, 5, 5 }, { 8, 32, 3, 3 }, { 16, 64, 3, 5 }, { 24, 32, 1, 1 } };
    int benched = 0; /* the first case of width >= 128 */
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
        for (int width = 1; width <= 200; width += 1 + width / 3) {
            const ptrdiff_t out_cs = width + 5;
            Case k;
            case_open(&k, c, shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3], width, (int)(s & 1) || width % 2,
                      fsr_conv_pack_c8, (size_t)shapes[s][1] * out_cs);
            float *acc = malloc((size_t)width * 32 * sizeof(float));
            c->conv_row_c8(k.a, out_cs, k.r.row8, k.r.blk_cs, &k.p, width, acc);
            cur->conv_row_c8(k.b, out_cs, k.r.row8, k.r.blk_cs, &k.p, width, acc);
            if (!close(k.a, k.b, k.l.out_ch, out_cs, (int)out_cs))
                checkasm_fail("%dx%d %dx%d width %d", k.l.in_ch, k.l.out_ch, k.l.kh, k.l.kw, width);
            SAME_AS_LOWER(conv_row_c8, k.a, k.b, (size_t)k.l.out_ch * out_cs,
                          lower->conv_row_c8(k.a, out_cs, k.r.row8, k.r.blk_cs, &k.p, width, acc),
                          "%dx%d %dx%d width %d", k.l.in_ch, k.l.out_ch, k.l.kh, k.l.kw, width);
            if (s == 0 && !benched && width >= 128 && (benched = 1))
                checkasm_bench(c->conv_row_c8(k.a, out_cs, k.r.row8, k.r.blk_cs, &k.p, width, acc),
                               cur->conv_row_c8(k.b, out_cs, k.r.row8, k.r.blk_cs, &k.p, width, acc));
            free(acc);
            case_close(&k);
        }
    checkasm_report();
}

static void check_conv_row_1_to_c8(const FsrConvDSP *c, const FsrConvDSP *lower, const FsrConvDSP *cur)
{
    if (!checkasm_func(c->conv_row_1_to_c8, lower->conv_row_1_to_c8, cur->conv_row_1_to_c8, "conv_row_1_to_c8"))
        return;
    static const int shapes[][3] = { { 32, 9, 9 }, { 64, 3, 3 }, { 32, 1, 5 } };
    int benched = 0; /* the first case of width >= 128 */
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
        for (int width = 1; width <= 200; width += 1 + width / 4) {
            const ptrdiff_t blk = 8 * (width + 2);
            const size_t n = (size_t)shapes[s][0] / 8 * blk;
            Case k;
            case_open(&k, c, 1, shapes[s][0], shapes[s][1], shapes[s][2], width, 1, fsr_conv_pack_c8, n);
            c->conv_row_1_to_c8(k.a, blk, k.r.row, k.r.cs, &k.p, width);
            cur->conv_row_1_to_c8(k.b, blk, k.r.row, k.r.cs, &k.p, width);
            if (!close(k.a, k.b, 1, 0, (int)n))
                checkasm_fail("1x%d %dx%d width %d", k.l.out_ch, k.l.kh, k.l.kw, width);
            SAME_AS_LOWER(conv_row_1_to_c8, k.a, k.b, n, lower->conv_row_1_to_c8(k.a, blk, k.r.row, k.r.cs, &k.p, width),
                          "1x%d %dx%d width %d", k.l.out_ch, k.l.kh, k.l.kw, width);
            if (s == 0 && !benched && width >= 128 && (benched = 1))
                checkasm_bench(c->conv_row_1_to_c8(k.a, blk, k.r.row, k.r.cs, &k.p, width),
                               cur->conv_row_1_to_c8(k.b, blk, k.r.row, k.r.cs, &k.p, width));
            case_close(&k);
        }
    checkasm_report();
}

static void check_conv_parts(const FsrConvDSP *c, const FsrConvDSP *lower, const FsrConvDSP *cur)
{
    if (!checkasm_func(c->conv_parts, lower->conv_parts, cur->conv_parts, "conv_parts"))
        return;
    static const int shapes[][3] = { { 32, 5, 5 }, { 1, 5, 5 }, { 7, 3, 3 }, { 16, 9, 9 }, { 3, 7, 1 }, { 40, 6, 5 } };
    int benched = 0; /* the first case of width >= 128 */
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
        for (int width = 8; width <= 264; width += 8 * (1 + width / 40)) {
            FsrConvLayer l = random_layer(shapes[s][0], 1, shapes[s][1], shapes[s][2]);
            FsrPackedConv p;
            fsr_conv_pack_parts(&p, &l, 0);
            const ptrdiff_t in_cs = width + l.kw + 5, out_cs = width + 3;
            float *in = random_floats((size_t)l.in_ch * in_cs);
            float *a = calloc((size_t)l.kh * out_cs, sizeof(float)), *b = calloc((size_t)l.kh * out_cs, sizeof(float));
            c->conv_parts(a, out_cs, in, in_cs, &p, width);
            cur->conv_parts(b, out_cs, in, in_cs, &p, width);
            if (!close(a, b, l.kh, out_cs, (int)out_cs))
                checkasm_fail("%d channels %dx%d width %d", l.in_ch, l.kh, l.kw, width);
            SAME_AS_LOWER(conv_parts, a, b, (size_t)l.kh * out_cs, lower->conv_parts(a, out_cs, in, in_cs, &p, width),
                          "%d channels %dx%d width %d", l.in_ch, l.kh, l.kw, width);
            if (s == 0 && !benched && width >= 128 && (benched = 1))
                checkasm_bench(c->conv_parts(a, out_cs, in, in_cs, &p, width),
                               cur->conv_parts(b, out_cs, in, in_cs, &p, width));
            free(in);
            free(a);
            free(b);
            fsr_conv_pack_close(&p);
            free_layer(&l);
        }
    checkasm_report();
}

static void check_prelu_row(const FsrConvDSP *c, const FsrConvDSP *lower, const FsrConvDSP *cur)
{
    if (!checkasm_func(c->prelu_row, lower->prelu_row, cur->prelu_row, "prelu_row"))
        return;
    enum { W = 270, CH = 60 };
    const ptrdiff_t cs_planar = W + 3, cs_c8 = 8 * (W + 1);
    const size_t n = (size_t)(CH + 7) / 8 * cs_c8 + (size_t)CH * cs_planar;
    float *in = random_floats(n), *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
    float *slope = random_floats(CH);
    in[5] = NAN, in[17] = -0.f, in[40] = INFINITY, in[41] = -INFINITY;
    for (int c8 = 0; c8 <= 1; c8++)
        for (int ch = 1; ch <= CH; ch += 1 + ch / 4)
            for (int w = 1; w <= W; w += 1 + w / 3) {
                if (c8 && ch % 8) /* the engine interleaves multiples of 8 */
                    continue;
                const ptrdiff_t cs = c8 ? cs_c8 : cs_planar;
                memcpy(a, in, n * sizeof(float));
                memcpy(b, in, n * sizeof(float));
                c->prelu_row(a, cs, ch, slope, w, c8);
                cur->prelu_row(b, cs, ch, slope, w, c8);
                if (memcmp(a, b, n * sizeof(float)))
                    checkasm_fail("%s %d channels width %d", c8 ? "c8" : "planar", ch, w);
            }
    checkasm_bench(c->prelu_row(a, cs_planar, CH, slope, 256, 0), cur->prelu_row(b, cs_planar, CH, slope, 256, 0));
    free(in);
    free(a);
    free(b);
    free(slope);
    checkasm_report();
}

/* The output bytes: every phase count the engine uses (1..4), widths around
 * the 16-column blocks, values outside [0, 1], NaN, infinities and values
 * that land exactly between two bytes (x.5 / 255, rounded up). */
static void check_phases_to_u8(const FsrConvDSP *c, const FsrConvDSP *lower, const FsrConvDSP *cur)
{
    (void)lower;
    if (!checkasm_func(c->phases_to_u8, lower->phases_to_u8, cur->phases_to_u8, "phases_to_u8"))
        return;
    enum { W = 200, PH = 4 };
    const ptrdiff_t cs = W + 5;
    float *src = malloc((size_t)PH * cs * sizeof(float));
    uint8_t *a = malloc((size_t)PH * W + 16), *b = malloc((size_t)PH * W + 16);
    for (ptrdiff_t i = 0; i < PH * cs; i++)
        src[i] = i % 7 == 3 ? ((float)(i % 256) + 0.5f) / 255.f : checkasm_rand_float(-0.25f, 1.25f);
    src[2] = NAN, src[9] = INFINITY, src[cs + 4] = -INFINITY, src[2 * cs + 1] = -0.f, src[3 * cs + 7] = 1.f;
    for (int sc = 1; sc <= PH; sc++)
        for (int n = 0; n <= W; n += 1 + n / 5) {
            memset(a, 0xaa, (size_t)PH * W + 16);
            memset(b, 0xaa, (size_t)PH * W + 16);
            c->phases_to_u8(a, src, cs, sc, n);
            cur->phases_to_u8(b, src, cs, sc, n);
            if (memcmp(a, b, (size_t)PH * W + 16)) /* past sc * n too: nothing written there */
                checkasm_fail("%d phases, %d columns", sc, n);
        }
    checkasm_bench(c->phases_to_u8(a, src, cs, 2, 192), cur->phases_to_u8(b, src, cs, 2, 192));
    free(src);
    free(a);
    free(b);
    checkasm_report();
}

/* Winograd transforms: the same operations in every version (wino.h), so
 * bit for bit, on values in [-1, 1] and on large ones (1e30: the
 * transforms overflow to inf at the same places); odd tile counts and
 * channel blocks, the output with and without the ReLU; nothing written
 * outside the tiles. */
static void check_wino(const FsrConvDSP *c, const FsrConvDSP *lower, const FsrConvDSP *cur)
{
    (void)lower;
    if (checkasm_func(c->wino_in, lower->wino_in, cur->wino_in, "wino_in")) {
        enum { T = 70, CH = 24 };
        const ptrdiff_t blk_cs = 8 * (4 * T + 5), vcs = 8 * T + 8;
        float *row = malloc((size_t)CH / 8 * blk_cs * sizeof(float));
        float *a = malloc((size_t)CH * vcs * sizeof(float)), *b = malloc((size_t)CH * vcs * sizeof(float));
        for (int big = 0; big < 2; big++) {
            for (ptrdiff_t i = 0; i < CH / 8 * blk_cs; i++)
                row[i] = checkasm_rand_float(-1.f, 1.f) * (big && i % 5 == 0 ? 1e30f : 1.f);
            for (int ch = 8; ch <= CH; ch += 8)
                for (int tiles = 1; tiles <= T; tiles += 1 + tiles / 3) {
                    memset(a, 0x55, (size_t)CH * vcs * sizeof(float));
                    memset(b, 0x55, (size_t)CH * vcs * sizeof(float));
                    c->wino_in(a, vcs, row, blk_cs, ch, tiles);
                    cur->wino_in(b, vcs, row, blk_cs, ch, tiles);
                    if (memcmp(a, b, (size_t)CH * vcs * sizeof(float)))
                        checkasm_fail("%d channels, %d tiles%s", ch, tiles, big ? ", large values" : "");
                }
        }
        checkasm_bench(c->wino_in(a, vcs, row, blk_cs, CH, 64), cur->wino_in(b, vcs, row, blk_cs, CH, 64));
        free(row);
        free(a);
        free(b);
        checkasm_report();
    }
    if (checkasm_func(c->wino_out, lower->wino_out, cur->wino_out, "wino_out")) {
        enum { T = 70 };
        const ptrdiff_t pcs = T * 32 + 8, out_cs = 4 * T + 7;
        float *m = malloc((size_t)8 * pcs * sizeof(float)), bias[32];
        float *a = malloc((size_t)32 * out_cs * sizeof(float)), *b = malloc((size_t)32 * out_cs * sizeof(float));
        for (int i = 0; i < 32; i++)
            bias[i] = checkasm_rand_float(-0.5f, 0.5f);
        for (int big = 0; big < 2; big++) {
            for (ptrdiff_t i = 0; i < 8 * pcs; i++)
                m[i] = checkasm_rand_float(-1.f, 1.f) * (big && i % 7 == 0 ? 1e30f : 1.f);
            for (int relu = 0; relu < 2; relu++)
                for (int tiles = 1; tiles <= T; tiles += 1 + tiles / 4) {
                    memset(a, 0x55, (size_t)32 * out_cs * sizeof(float));
                    memset(b, 0x55, (size_t)32 * out_cs * sizeof(float));
                    c->wino_out(a, out_cs, m, pcs, bias, tiles, relu);
                    cur->wino_out(b, out_cs, m, pcs, bias, tiles, relu);
                    if (memcmp(a, b, (size_t)32 * out_cs * sizeof(float)))
                        checkasm_fail("%d tiles, relu %d%s", tiles, relu, big ? ", large values" : "");
                }
        }
        checkasm_bench(c->wino_out(a, out_cs, m, pcs, bias, 64, 1), cur->wino_out(b, out_cs, m, pcs, bias, 64, 1));
        free(m);
        free(a);
        free(b);
        checkasm_report();
    }
}

/* The F(8,9) transforms (wino16.h) as wino_in_1 and wino_out: bit for
 * bit, large values too, tile counts across the SIMD steps, the output
 * with and without the ReLU, nothing written outside the tiles. */
static void check_wino16(const FsrConvDSP *c, const FsrConvDSP *lower, const FsrConvDSP *cur)
{
    enum { T = 70 };
    if (checkasm_func(c->wino16_in_1, lower->wino16_in_1, cur->wino16_in_1, "wino16_in_1")) {
        const ptrdiff_t vcs = T + 3;
        float *row = malloc((8 * T + 8) * sizeof(float));
        float *a = malloc(16 * vcs * sizeof(float)), *b = malloc(16 * vcs * sizeof(float));
        for (int big = 0; big < 2; big++) {
            for (int i = 0; i < 8 * T + 8; i++)
                row[i] = checkasm_rand_float(-1.f, 1.f) * (big && i % 5 == 0 ? 1e30f : 1.f);
            for (int tiles = 1; tiles <= T; tiles += 1 + tiles / 4) {
                memset(a, 0x55, 16 * vcs * sizeof(float));
                memset(b, 0x55, 16 * vcs * sizeof(float));
                c->wino16_in_1(a, vcs, row, tiles);
                cur->wino16_in_1(b, vcs, row, tiles);
                if (memcmp(a, b, 16 * vcs * sizeof(float)))
                    checkasm_fail("%d tiles%s", tiles, big ? ", large values" : "");
            }
        }
        checkasm_bench(c->wino16_in_1(a, vcs, row, 64), cur->wino16_in_1(b, vcs, row, 64));
        free(row);
        free(a);
        free(b);
        checkasm_report();
    }
    if (checkasm_func(c->wino16_acc, lower->wino16_acc, cur->wino16_acc, "wino16_acc")) {
        /* 9 and 5 kernel rows, tile counts across the block kernels' tails */
        const ptrdiff_t vcs = T + 5, wks = 9 * 32 * 2 + 32, msize = FSR_W16_M(T + 1, 0);
        float *v = malloc(9 * 16 * vcs * sizeof(float));
        float *w = aligned_alloc(64, 16 * wks * sizeof(float));
        float *a = malloc(msize * sizeof(float)), *b = malloc(msize * sizeof(float));
        const float *rows[9];
        for (ptrdiff_t i = 0; i < 9 * 16 * vcs; i++)
            v[i] = checkasm_rand_float(-4.f, 4.f);
        for (ptrdiff_t i = 0; i < 16 * wks; i++)
            w[i] = checkasm_rand_float(-0.5f, 0.5f);
        for (int ky = 0; ky < 9; ky++)
            rows[ky] = v + ky * 16 * vcs;
        for (int kh = 5; kh <= 9; kh += 4)
            for (int tiles = 1; tiles <= T; tiles += 1 + tiles / 5) {
                memset(a, 0x55, msize * sizeof(float));
                memset(b, 0x55, msize * sizeof(float));
                c->wino16_acc(a, rows, vcs, w, wks, kh, tiles);
                cur->wino16_acc(b, rows, vcs, w, wks, kh, tiles);
                if (memcmp(a, b, msize * sizeof(float)))
                    checkasm_fail("%d rows, %d tiles", kh, tiles);
            }
        checkasm_bench(c->wino16_acc(a, rows, vcs, w, wks, 9, 12), cur->wino16_acc(b, rows, vcs, w, wks, 9, 12));
        free(v);
        free(w);
        free(a);
        free(b);
        checkasm_report();
    }
    if (checkasm_func(c->wino16_out, lower->wino16_out, cur->wino16_out, "wino16_out")) {
        const ptrdiff_t out_cs = 8 * T + 7, msize = FSR_W16_M(T, 0);
        float *m = malloc(msize * sizeof(float)), bias[32];
        float *a = malloc((size_t)32 * out_cs * sizeof(float)), *b = malloc((size_t)32 * out_cs * sizeof(float));
        for (int i = 0; i < 32; i++)
            bias[i] = checkasm_rand_float(-0.5f, 0.5f);
        for (int big = 0; big < 2; big++) {
            for (ptrdiff_t i = 0; i < msize; i++)
                m[i] = checkasm_rand_float(-1.f, 1.f) * (big && i % 7 == 0 ? 1e30f : 1.f);
            for (int relu = 0; relu < 2; relu++)
                for (int tiles = 1; tiles <= T; tiles += 1 + tiles / 4) {
                    memset(a, 0x55, (size_t)32 * out_cs * sizeof(float));
                    memset(b, 0x55, (size_t)32 * out_cs * sizeof(float));
                    c->wino16_out(a, out_cs, m, bias, tiles, relu);
                    cur->wino16_out(b, out_cs, m, bias, tiles, relu);
                    if (memcmp(a, b, (size_t)32 * out_cs * sizeof(float)))
                        checkasm_fail("%d tiles, relu %d%s", tiles, relu, big ? ", large values" : "");
                }
        }
        checkasm_bench(c->wino16_out(a, out_cs, m, bias, 12, 1), cur->wino16_out(b, out_cs, m, bias, 12, 1));
        free(m);
        free(a);
        free(b);
        checkasm_report();
    }
}

/* The single-channel Winograd kernels: wino_in_1 as wino_in (bit for bit,
 * large values too); wino_acc_1 bit for bit as well (every version sums
 * by one FMA per product from 0 in the same order), for 9-wide (2 pieces),
 * 5-wide (1) and 13-wide (3) kernels over 9 or 5 rows, across the block
 * kernels' tails; nothing written past the tiles. */
static void check_wino_1(const FsrConvDSP *c, const FsrConvDSP *lower, const FsrConvDSP *cur)
{
    enum { T = 100 };
    if (checkasm_func(c->wino_in_1, lower->wino_in_1, cur->wino_in_1, "wino_in_1")) {
        const ptrdiff_t vcs = T + 3;
        float *row = malloc((4 * T + 8) * sizeof(float));
        float *a = malloc(8 * vcs * sizeof(float)), *b = malloc(8 * vcs * sizeof(float));
        for (int big = 0; big < 2; big++) {
            for (int i = 0; i < 4 * T + 8; i++)
                row[i] = checkasm_rand_float(-1.f, 1.f) * (big && i % 5 == 0 ? 1e30f : 1.f);
            for (int tiles = 1; tiles <= T; tiles += 1 + tiles / 4) {
                memset(a, 0x55, 8 * vcs * sizeof(float));
                memset(b, 0x55, 8 * vcs * sizeof(float));
                c->wino_in_1(a, vcs, row, tiles);
                cur->wino_in_1(b, vcs, row, tiles);
                if (memcmp(a, b, 8 * vcs * sizeof(float)))
                    checkasm_fail("%d tiles%s", tiles, big ? ", large values" : "");
            }
        }
        checkasm_bench(c->wino_in_1(a, vcs, row, 64), cur->wino_in_1(b, vcs, row, 64));
        free(row);
        free(a);
        free(b);
        checkasm_report();
    }
    if (checkasm_func(c->wino_acc_1, lower->wino_acc_1, cur->wino_acc_1, "wino_acc_1")) {
        static const int shapes[][2] = { { 9, 2 }, { 5, 1 }, { 9, 3 }, { 1, 2 } }; /* kh, pieces */
        float *v = malloc(9 * (T + 4) * sizeof(float));
        float *w = aligned_alloc(64, 9 * 3 * 32 * sizeof(float));
        float *a = malloc((T + 1) * 32 * sizeof(float)), *b = malloc((T + 1) * 32 * sizeof(float));
        const float *rows[9];
        for (int i = 0; i < 9 * (T + 4); i++)
            v[i] = checkasm_rand_float(-4.f, 4.f);
        for (int i = 0; i < 9 * 3 * 32; i++)
            w[i] = checkasm_rand_float(-0.5f, 0.5f);
        for (int ky = 0; ky < 9; ky++)
            rows[ky] = v + ky * (T + 4);
        for (size_t sh = 0; sh < sizeof(shapes) / sizeof(shapes[0]); sh++)
            for (int tiles = 1; tiles <= T; tiles += 1 + tiles / 5) {
                memset(a, 0x55, (T + 1) * 32 * sizeof(float));
                memset(b, 0x55, (T + 1) * 32 * sizeof(float));
                c->wino_acc_1(a, rows, w, shapes[sh][0], shapes[sh][1], tiles);
                cur->wino_acc_1(b, rows, w, shapes[sh][0], shapes[sh][1], tiles);
                if (memcmp(a, b, (T + 1) * 32 * sizeof(float)))
                    checkasm_fail("%d rows, %d pieces, %d tiles", shapes[sh][0], shapes[sh][1], tiles);
            }
        checkasm_bench(c->wino_acc_1(a, rows, w, 9, 2, 64), cur->wino_acc_1(b, rows, w, 9, 2, 64));
        free(v);
        free(w);
        free(a);
        free(b);
        checkasm_report();
    }
}

/* conv_acc_c8: the sums of one output block, within 1e-4 of C (and the bits
 * of the level below), for kh x 1 layers as the Winograd layers run them
 * and for wider kernels; widths across the block kernels' tails. */
static void check_conv_acc_c8(const FsrConvDSP *c, const FsrConvDSP *lower, const FsrConvDSP *cur)
{
    if (!checkasm_func(c->conv_acc_c8, lower->conv_acc_c8, cur->conv_acc_c8, "conv_acc_c8"))
        return;
    static const int shapes[][4] = { { 64, 32, 5, 1 }, { 8, 64, 3, 1 }, { 16, 64, 3, 3 } };
    int benched = 0;
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
        for (int width = 1; width <= 100; width += 1 + width / 3) {
            Case k;
            case_open(&k, c, shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3], width, 0, fsr_conv_pack_c8,
                      (size_t)width * 32);
            const int ob = k.l.out_ch / 32 - 1;
            c->conv_acc_c8(k.a, k.r.row8, k.r.blk_cs, &k.p, ob, width);
            cur->conv_acc_c8(k.b, k.r.row8, k.r.blk_cs, &k.p, ob, width);
            if (!close(k.a, k.b, 1, 0, width * 32))
                checkasm_fail("%dx%d %dx%d block %d width %d", k.l.in_ch, k.l.out_ch, k.l.kh, k.l.kw, ob, width);
            SAME_AS_LOWER(conv_acc_c8, k.a, k.b, (size_t)width * 32,
                          lower->conv_acc_c8(k.a, k.r.row8, k.r.blk_cs, &k.p, ob, width), "%dx%d %dx%d width %d",
                          k.l.in_ch, k.l.out_ch, k.l.kh, k.l.kw, width);
            if (s == 0 && !benched && width >= 64 && (benched = 1))
                checkasm_bench(c->conv_acc_c8(k.a, k.r.row8, k.r.blk_cs, &k.p, ob, width),
                               cur->conv_acc_c8(k.b, k.r.row8, k.r.blk_cs, &k.p, ob, width));
            case_close(&k);
        }
    checkasm_report();
}

void checkasm_check_conv(void)
{
    FsrConvDSP c, lower, cur;
    fsr_conv_dsp_init(&c, 0);
    fsr_conv_dsp_init(&lower, checkasm_lower_flags());
    fsr_conv_dsp_init(&cur, checkasm_flags());
    check_conv_row(&c, &lower, &cur);
    check_to_c8(&c, &lower, &cur);
    check_conv_row_c8(&c, &lower, &cur);
    check_conv_row_1_to_c8(&c, &lower, &cur);
    check_conv_parts(&c, &lower, &cur);
    check_prelu_row(&c, &lower, &cur);
    check_phases_to_u8(&c, &lower, &cur);
    check_wino(&c, &lower, &cur);
    check_conv_acc_c8(&c, &lower, &cur);
    check_wino_1(&c, &lower, &cur);
    check_wino16(&c, &lower, &cur);
}
