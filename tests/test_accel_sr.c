/* The accelerator as an SR backend: the fast fixed-point forward pass against
 * the plain reference (bit-exact), 16-bit results against a float conv, the
 * frame cost against the model, and the transfer cost against hand counts. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/bicubic.h"
#include "accel_internal.h"
#include "cpu.h"
#include "fixed.h"
#include "sr_internal.h"

/* The fixed-point model of an architecture's datapath, as the accelerator
 * backend builds it. */
/* eyeriss-v1 in the relative units of the hand counts (MAC 1, RF 1, array
 * 2, GLB 6, DRAM 200), transfers not overlapped, no zero features. */
static void v1_units(FsrAccelArch *a)
{
    fsr_accel_arch_eyeriss_v1(a);
    accel_relative_energies(a);
    a->dram_overlap = FSR_ACCEL_OVERLAP_NONE;
    a->rlc = a->zero_gating = 0;
}

static int qbuild(FixedModel *q, const FsrModel *m, const FsrAccelArch *a)
{
    FsrSRSettings s;
    accel_sr_settings(&s, a);
    return fixed_model_build(q, m, &s);
}

/* A random SRCNN-like stack 1 -> c1 -> c2 -> 1 with weights of SRCNN's
 * magnitudes (first layer larger, later ones small). */
typedef struct TestModel {
    FsrModel m;
    FsrConvLayer layers[3];
} TestModel;

static float frand(uint32_t *s, float amp)
{
    return amp * ((float)(tu_rand(s) & 0xffffff) / 8388608.0f - 1.0f);
}

static void make_model(TestModel *t, int c1, int c2, int k1, int k2, int k3, int padding, uint32_t seed)
{
    memset(t, 0, sizeof(*t));
    const int ch[4] = { 1, c1, c2, 1 }, k[3] = { k1, k2, k3 };
    const float amp[3] = { 0.3f, 0.15f, 0.1f };
    for (int i = 0; i < 3; i++) {
        FsrConvLayer *l = &t->layers[i];
        l->in_ch = ch[i], l->out_ch = ch[i + 1], l->kh = l->kw = k[i];
        const int n = l->out_ch * l->in_ch * k[i] * k[i];
        l->weight = malloc(n * sizeof(float));
        l->bias = malloc(l->out_ch * sizeof(float));
        for (int j = 0; j < n; j++)
            l->weight[j] = frand(&seed, amp[i]);
        for (int j = 0; j < l->out_ch; j++)
            l->bias[j] = frand(&seed, 0.05f);
    }
    /* The last layer should roughly reproduce its input: a centre tap. */
    FsrConvLayer *last = &t->layers[2];
    for (int c = 0; c < last->in_ch; c++)
        last->weight[(c * k3 + k3 / 2) * k3 + k3 / 2] += 0.05f;
    snprintf(t->m.arch, sizeof(t->m.arch), "srcnn");
    snprintf(t->m.name, sizeof(t->m.name), "%d-%d-%d", k1, k2, k3);
    t->m.scale = 2;
    t->m.padding = padding;
    t->m.n_layers = 3;
    t->m.layers = t->layers;
}

/* SRCNN's own shape, 9-5-5 with 64 and 32 channels, as the cost tests
 * price it. */
static void make_srcnn_955(TestModel *t)
{
    make_model(t, 64, 32, 9, 5, 5, FSR_PAD_REPLICATE, 3u);
}

static void free_model(TestModel *t)
{
    for (int i = 0; i < 3; i++) {
        free(t->layers[i].weight);
        free(t->layers[i].bias);
    }
}

static uint8_t *make_image(int h, ptrdiff_t stride, uint32_t seed)
{
    uint8_t *p = malloc((size_t)stride * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < stride; x++)
            /* smooth ramps plus noise: both flat and busy areas */
            p[y * stride + x] = (uint8_t)((x * 5 + y * 3 + (tu_rand(&seed) & 31)) & 255);
    return p;
}

static void compare_ref_fast(unsigned cpu_flags, int word_bits, int acc_bits, int rounding, int padding, int w, int h)
{
    TestModel t;
    make_model(&t, 8, 4, 5, 3, 3, padding, 1234u + word_bits + acc_bits + padding);
    FsrAccelArch a;
    fsr_accel_arch_eyeriss_v1(&a);
    a.word_bits = word_bits;
    a.acc_bits = acc_bits;
    a.rounding = rounding;
    FixedModel q;
    assert_int_equal(qbuild(&q, &t.m, &a), 0);
    const ptrdiff_t ss = w + 7, ds = w + 3;
    uint8_t *src = make_image(h, ss, 99u + w);
    uint8_t *r = malloc((size_t)ds * h), *f = malloc((size_t)ds * h);
    int64_t zr[3], zf[3];
    assert_int_equal(fixed_sr_luma_ref(r, ds, src, ss, w, h, &q, zr), 0);
    /* cpu_flags 0: the C kernels; else the CPU's best (AVX2 pairs) */
    FsrFixedDSP dsp;
    fixed_dsp_init(&dsp, cpu_flags);
    memset(f, 0, (size_t)ds * h);
    assert_int_equal(fixed_sr_luma(&dsp, f, ds, src, ss, w, h, &q, zf), 0);
    for (int y = 0; y < h; y++)
        assert_memory_equal(r + y * ds, f + y * ds, w);
    assert_memory_equal(zr, zf, sizeof(zr));
    /* The public entry point is the fast path. */
    memset(f, 0, (size_t)ds * h);
    assert_int_equal(accel_sr_luma(f, ds, src, ss, w, h, &t.m, &a, NULL), 0);
    for (int y = 0; y < h; y++)
        assert_memory_equal(r + y * ds, f + y * ds, w);
    fixed_model_close(&q);
    free(src);
    free(r);
    free(f);
    free_model(&t);
}

static void compare_all(unsigned cpu_flags)
{
    /* int32 path (acc <= 32 bits) and int64 path, both roundings, both
     * paddings, 16- and 8-bit words, odd sizes including 1-pixel planes. */
    compare_ref_fast(cpu_flags, 16, 32, FSR_ROUND_NEAREST, FSR_PAD_REPLICATE, 37, 23);
    compare_ref_fast(cpu_flags, 16, 48, FSR_ROUND_NEAREST, FSR_PAD_ZERO, 31, 17);
    compare_ref_fast(cpu_flags, 16, 32, FSR_ROUND_TRUNCATE, FSR_PAD_ZERO, 19, 29);
    compare_ref_fast(cpu_flags, 8, 24, FSR_ROUND_NEAREST, FSR_PAD_REPLICATE, 33, 13);
    compare_ref_fast(cpu_flags, 8, 32, FSR_ROUND_TRUNCATE, FSR_PAD_REPLICATE, 1, 9);
    compare_ref_fast(cpu_flags, 12, 40, FSR_ROUND_NEAREST, FSR_PAD_ZERO, 8, 1);
    /* Widths around the 32- and 8-pixel blocks of the vector kernel. */
    compare_ref_fast(cpu_flags, 16, 32, FSR_ROUND_NEAREST, FSR_PAD_ZERO, 64, 5);
    compare_ref_fast(cpu_flags, 16, 32, FSR_ROUND_TRUNCATE, FSR_PAD_REPLICATE, 71, 4);
    compare_ref_fast(cpu_flags, 12, 32, FSR_ROUND_NEAREST, FSR_PAD_REPLICATE, 33, 6);
}

static void test_fast_matches_reference(void **state)
{
    (void)state;
    compare_all(0);
}

/* Without AVX2 (or with FASTSR_CPU=c) the fast path is the C one just
 * checked: comparing it again would pass without testing anything. */
static void test_fast_simd_matches_reference(void **state)
{
    (void)state;
    if (!(fsr_cpu_flags() & FSR_CPU_AVX2_FMA))
        tu_skip("no AVX2/FMA kernels here (CPU without them, or FASTSR_CPU=c): the C path is checked by "
                "test_fast_matches_reference");
    compare_all(fsr_cpu_flags());
}

/* Float reference, written here from the model's definition. */
static void float_forward(uint8_t *dst, const uint8_t *src, ptrdiff_t ss, int w, int h, const FsrModel *m)
{
    const size_t plane = (size_t)w * h;
    double *in = malloc(plane * sizeof(double));
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            in[(size_t)y * w + x] = src[y * ss + x] / 255.0;
    for (int li = 0; li < m->n_layers; li++) {
        const FsrConvLayer *l = &m->layers[li];
        double *out = malloc(plane * l->out_ch * sizeof(double));
        for (int o = 0; o < l->out_ch; o++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    double s = l->bias[o];
                    for (int c = 0; c < l->in_ch; c++)
                        for (int i = 0; i < l->kh; i++)
                            for (int j = 0; j < l->kw; j++) {
                                int yy = y + i - l->kh / 2, xx = x + j - l->kw / 2;
                                double v;
                                if (m->padding == FSR_PAD_REPLICATE) {
                                    yy = yy < 0 ? 0 : yy >= h ? h - 1 : yy;
                                    xx = xx < 0 ? 0 : xx >= w ? w - 1 : xx;
                                    v = in[c * plane + (size_t)yy * w + xx];
                                } else
                                    v = yy < 0 || yy >= h || xx < 0 || xx >= w ? 0 : in[c * plane + (size_t)yy * w + xx];
                                s += l->weight[((o * l->in_ch + c) * l->kh + i) * l->kw + j] * v;
                            }
                    if (li + 1 < m->n_layers && s < 0)
                        s = 0;
                    out[o * plane + (size_t)y * w + x] = s;
                }
        free(in);
        in = out;
    }
    for (size_t i = 0; i < plane; i++) {
        double v = floor(in[i] * 255 + 0.5);
        dst[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
    free(in);
}

/* Runs the model in fixed point and in float; returns the mean |difference|
 * in grey levels and the largest in *maxd_out. */
static double float_closeness(int padding, int word_bits, int acc_bits, double max_tol, double mean_tol, int *maxd_out)
{
    TestModel t;
    make_model(&t, 16, 8, 9, 3, 5, padding, 777u);
    FsrAccelArch a;
    fsr_accel_arch_eyeriss_v1(&a);
    a.word_bits = word_bits;
    a.acc_bits = acc_bits;
    const int w = 48, h = 40;
    uint8_t *src = make_image(h, w, 5u);
    uint8_t *fx = malloc((size_t)w * h), *fl = malloc((size_t)w * h);
    assert_int_equal(accel_sr_luma(fx, w, src, w, w, h, &t.m, &a, NULL), 0);
    float_forward(fl, src, w, w, h, &t.m);
    int maxd = 0, spread = 0;
    double sum = 0;
    for (int i = 0; i < w * h; i++) {
        int d = abs(fx[i] - fl[i]);
        maxd = d > maxd ? d : maxd;
        sum += d;
        spread |= fl[i] != fl[0];
    }
    print_message("%d-bit words, %d-bit accumulator: max |fixed - float| %d, mean %.4f\n", word_bits, acc_bits,
                  maxd, sum / (w * h));
    assert_true(spread); /* the output is not a constant image */
    assert_true(maxd <= max_tol);
    assert_true(sum / (w * h) <= mean_tol);
    free(src);
    free(fx);
    free(fl);
    free_model(&t);
    if (maxd_out)
        *maxd_out = maxd;
    return sum / (w * h);
}

static void test_16bit_close_to_float(void **state)
{
    (void)state;
    float_closeness(FSR_PAD_REPLICATE, 16, 32, 1, 0.05, NULL);
    float_closeness(FSR_PAD_ZERO, 16, 48, 1, 0.05, NULL);
}

static void test_8bit_is_coarser(void **state)
{
    (void)state;
    /* Same model, image and accumulator in both widths.  8-bit words keep
     * only 6 fractional bits of the [0, 1] output (steps of 4 grey levels,
     * so a mean error near 1 from the last rounding alone): measured mean
     * 1.66 and max 10 against 0.029 and 1 for 16-bit words.  Coarser by far,
     * but still the same picture. */
    int max16, max8;
    const double mean16 = float_closeness(FSR_PAD_REPLICATE, 16, 32, 1, 0.05, &max16);
    const double mean8 = float_closeness(FSR_PAD_REPLICATE, 8, 32, 16, 3.0, &max8);
    assert_true(mean8 >= 0.5);
    assert_true(mean8 >= 10 * mean16);
    assert_true(max8 >= 4 * max16 && max8 > max16);
}

/* The --precision paths (the channel scheme of fixed.c): the fast path and
 * the public entry point give the reference's bits, C and SIMD. */
static void compare_precision_model(unsigned cpu_flags, int precision, int padding, int w, int h, const int *shape)
{
    TestModel t;
    make_model(&t, shape[0], shape[1], shape[2], shape[3], shape[4], padding, 4321u + precision + padding + w);
    FsrSRSettings s;
    fsr_sr_defaults(&s);
    assert_int_equal(fsr_sr_set_precision(&s, precision), 0);
    FixedModel q;
    assert_int_equal(fixed_model_build(&q, &t.m, &s), 0);
    assert_int_equal(q.channel_scales, 1);
    const ptrdiff_t ss = w + 5, ds = w + 2;
    uint8_t *src = make_image(h, ss, 17u + w);
    uint8_t *r = malloc((size_t)ds * h), *f = malloc((size_t)ds * h);
    assert_int_equal(fixed_sr_luma_ref(r, ds, src, ss, w, h, &q, NULL), 0);
    FsrFixedDSP dsp;
    fixed_dsp_init(&dsp, cpu_flags);
    memset(f, 0, (size_t)ds * h);
    assert_int_equal(fixed_sr_luma(&dsp, f, ds, src, ss, w, h, &q, NULL), 0);
    for (int y = 0; y < h; y++)
        assert_memory_equal(r + y * ds, f + y * ds, w);
    if (cpu_flags == fsr_cpu_flags()) /* the library's own choice, at 1 and 3 threads */
        for (int threads = 1; threads <= 3; threads += 2) {
            FsrSR *sr = NULL;
            s.threads = threads;
            assert_int_equal(fsr_sr_open(&sr, &t.m, &s), 0);
            memset(f, 0, (size_t)ds * h);
            assert_int_equal(fsr_sr_luma(sr, f, ds, src, ss, w, h), 0);
            for (int y = 0; y < h; y++)
                assert_memory_equal(r + y * ds, f + y * ds, w);
            fsr_sr_close(&sr);
        }
    fixed_model_close(&q);
    free(src);
    free(r);
    free(f);
    free_model(&t);
}

static void compare_precision(unsigned cpu_flags, int precision, int padding, int w, int h)
{
    /* channels c1, c2 and kernels k1, k2, k3: blocks of 16 channels and
     * their remainders (the int8 engine keeps 1, 2 or 4 blocks in
     * registers), 1x1 and one-tap-wide kernels */
    static const int shapes[][5] = { { 8, 4, 5, 3, 3 }, { 64, 32, 9, 1, 5 }, { 27, 12, 3, 3, 1 }, { 40, 1, 1, 7, 3 } };
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
        compare_precision_model(cpu_flags, precision, padding, w, h, shapes[i]);
}

static void test_precision_fast_matches_reference(void **state)
{
    (void)state;
    const unsigned levels[2] = { 0, fsr_cpu_flags() };
    if (!(levels[1] & FSR_CPU_AVX2_FMA))
        print_message("no AVX2/FMA kernels here: the C path only\n");
    for (int k = 0; k < 2; k++)
        for (int p = FSR_PRECISION_INT16; p <= FSR_PRECISION_INT8; p++) {
            compare_precision(levels[k], p, FSR_PAD_REPLICATE, 37, 23);
            compare_precision(levels[k], p, FSR_PAD_ZERO, 1, 9);
            compare_precision(levels[k], p, FSR_PAD_ZERO, 71, 4);
        }
}

/* What the channel scheme is for: 8-bit words close to the float network,
 * where the accelerator's per-layer power-of-two scheme is 4 grey levels
 * coarse (test_8bit_is_coarser); 16-bit words within a grey level. */
static void test_precision_close_to_float(void **state)
{
    (void)state;
    TestModel t;
    make_model(&t, 16, 8, 9, 3, 5, FSR_PAD_REPLICATE, 777u);
    const int w = 48, h = 40;
    uint8_t *src = make_image(h, w, 5u);
    uint8_t *fx = malloc((size_t)w * h), *fl = malloc((size_t)w * h);
    float_forward(fl, src, w, w, h, &t.m);
    const double mean_tol[3] = { 0, 0.05, 0.5 };
    const int max_tol[3] = { 0, 1, 3 };
    for (int p = FSR_PRECISION_INT16; p <= FSR_PRECISION_INT8; p++) {
        FsrSRSettings s;
        fsr_sr_defaults(&s);
        fsr_sr_set_precision(&s, p);
        FsrSR *sr = NULL;
        assert_int_equal(fsr_sr_open(&sr, &t.m, &s), 0);
        assert_int_equal(fsr_sr_luma(sr, fx, w, src, w, w, h), 0);
        fsr_sr_close(&sr);
        int maxd = 0;
        double sum = 0;
        for (int i = 0; i < w * h; i++) {
            const int d = abs(fx[i] - fl[i]);
            maxd = d > maxd ? d : maxd;
            sum += d;
        }
        print_message("%s: max |fixed - float| %d, mean %.4f\n", fsr_sr_precision_name(p), maxd, sum / (w * h));
        assert_true(maxd <= max_tol[p]);
        assert_true(sum / (w * h) <= mean_tol[p]);
    }
    free(src);
    free(fx);
    free(fl);
    free_model(&t);
}

static void test_precision_names_and_errors(void **state)
{
    (void)state;
    assert_int_equal(fsr_sr_precision_parse("fp32"), FSR_PRECISION_FP32);
    assert_int_equal(fsr_sr_precision_parse("int16"), FSR_PRECISION_INT16);
    assert_int_equal(fsr_sr_precision_parse("int8"), FSR_PRECISION_INT8);
    assert_int_equal(fsr_sr_precision_parse("int4"), -1);
    assert_int_equal(fsr_sr_precision_parse("INT8"), -1);
    assert_int_equal(fsr_sr_precision_parse(NULL), -1);
    assert_string_equal(fsr_sr_precision_name(FSR_PRECISION_INT8), "int8");
    FsrSRSettings s;
    fsr_sr_defaults(&s);
    assert_true(fsr_sr_set_precision(&s, 3) < 0);
    assert_int_equal(fsr_sr_set_precision(&s, FSR_PRECISION_FP32), 0);
    assert_int_equal(s.backend, FSR_SR_FLOAT);
    assert_int_equal(fsr_sr_set_precision(&s, FSR_PRECISION_INT8), 0);
    assert_int_equal(s.backend, FSR_SR_FIXED);
    assert_int_equal(s.word_bits, 8);
    assert_int_equal(s.channel_scales, 1);
    /* per-channel scales below 8-bit words, and a bad flag, are refused */
    TestModel t;
    make_model(&t, 8, 4, 5, 3, 3, FSR_PAD_ZERO, 1u);
    FsrSR *sr = NULL;
    s.word_bits = 6;
    assert_true(fsr_sr_open(&sr, &t.m, &s) < 0);
    assert_non_null(strstr(fsr_last_error(), "8 bits"));
    s.word_bits = 8;
    s.channel_scales = 2;
    assert_true(fsr_sr_open(&sr, &t.m, &s) < 0);
    assert_null(sr);
    free_model(&t);
}

static void test_quantiser_errors(void **state)
{
    (void)state;
    TestModel t;
    make_model(&t, 8, 4, 5, 3, 3, FSR_PAD_ZERO, 1u);
    FsrAccelArch a;
    fsr_accel_arch_eyeriss_v1(&a);
    FixedModel q;
    /* A 16-bit accumulator cannot hold 8 x 25 products of 16-bit words. */
    a.acc_bits = 16;
    assert_true(qbuild(&q, &t.m, &a) < 0);
    assert_non_null(strstr(fsr_last_error(), "accumulator"));
    fsr_accel_arch_eyeriss_v1(&a);
    t.layers[1].in_ch = 7; /* chain broken */
    assert_true(qbuild(&q, &t.m, &a) < 0);
    assert_non_null(strstr(fsr_last_error(), "layer 2"));
    t.layers[1].in_ch = 8;
    /* Found by fuzzing (tests/fuzz/crashes/model/huge-weight.safetensors): a
     * weight beyond 2^24 words was converted to int32 (undefined); now a
     * clear refusal, with a 64-bit accumulator so that only the word fails. */
    const float w0 = t.layers[0].weight[0];
    t.layers[0].weight[0] = 1.65e13f;
    a.acc_bits = 64;
    assert_true(qbuild(&q, &t.m, &a) < 0);
    if (!strstr(fsr_last_error(), "layer 1 has weights up to 1.65e+13, beyond what 16-bit words hold"))
        fail_msg("error line: %s", fsr_last_error());
    t.layers[0].weight[0] = w0;
    assert_int_equal(qbuild(&q, &t.m, &a), 0);
    fixed_model_close(&q);
    fsr_accel_arch_eyeriss_v1(&a);
    uint8_t px[4] = { 0 };
    assert_true(accel_sr_luma(px, 2, px, 2, 3, 2, &t.m, &a, NULL) < 0); /* stride < width */
    free_model(&t);
}

/* ---- the frame cost, from first principles of the documented model ----
 * (README "Accelerator model: the model"): every MAC reads an ifmap and a
 * filter word and reads and writes a psum in the RF; each layer must bring
 * its weights and input from DRAM and write its output there at least once;
 * DRAM cycles are bytes / bandwidth, added to compute on Eyeriss v1 (no
 * overlap); compute cannot beat all 168 PEs busy; energy is MACs x E_mac
 * plus accesses x E_level. */

/* MACs of a same-size conv stack on a w x h plane, by hand. */
static int64_t hand_macs(const FsrModel *m, int w, int h)
{
    int64_t per_px = 0;
    for (int i = 0; i < m->n_layers; i++) {
        const FsrConvLayer *l = &m->layers[i];
        per_px += (int64_t)l->in_ch * l->out_ch * l->kh * l->kw;
    }
    return per_px * w * h;
}

/* Words every layer must move to or from DRAM at least once: its weights,
 * its input and its output. */
static int64_t min_dram_words(const FsrModel *m, int w, int h)
{
    int64_t words = 0;
    for (int i = 0; i < m->n_layers; i++) {
        const FsrConvLayer *l = &m->layers[i];
        words += (int64_t)l->in_ch * l->out_ch * l->kh * l->kw + (int64_t)l->in_ch * w * h + (int64_t)l->out_ch * w * h;
    }
    return words;
}

/* The per-layer evaluation of the model's net, for its access counts. */
static FsrAccelReport *layer_report(const FsrAccelArch *a, const FsrModel *m, int w, int h)
{
    FsrAccelNet *net = NULL;
    assert_int_equal(fsr_accel_net_from_model(&net, m, w, h), 0);
    FsrAccelReport *rep = NULL;
    assert_int_equal(fsr_accel_eval_net(&rep, a, net, 1, NULL), 0);
    fsr_accel_net_close(&net);
    return rep;
}

static void check_cost(const FsrAccelArch *a, const FsrModel *m, int w, int h, int64_t macs_per_px)
{
    FsrAccelFrameCost c;
    assert_int_equal(fsr_accel_frame_cost(&c, a, m, w, h), 0);
    /* MACs = H x W x sum of Cin x Cout x kh x kw */
    assert_int_equal(c.macs, hand_macs(m, w, h));
    assert_int_equal(c.macs, macs_per_px * w * h);
    assert_true(fabs(c.seconds - (double)c.cycles / 200e6) <= 1e-12 * c.seconds);
    assert_string_equal(c.energy_unit, "mac");
    /* 16-bit words: 2 bytes each; at least weights + input + output once */
    const int64_t min_words = min_dram_words(m, w, h);
    assert_true(c.dram_bytes % 2 == 0);
    assert_true(c.dram_bytes >= 2 * min_words);
    /* all PEs busy at best, then the DRAM time (64 bits at 60 MHz = 2.4 B
     * per 200 MHz cycle) on top */
    const int64_t min_cycles = (c.macs + 167) / 168 + (int64_t)ceil(c.dram_bytes / 2.4);
    assert_true(c.cycles >= min_cycles);
    /* energy: MAC 1, RF 1 per access (4 per MAC at least), DRAM 200 */
    const double min_energy = (double)c.macs * (1 + 4) + 200.0 * (double)(c.dram_bytes / 2);
    assert_true(c.energy >= min_energy);

    /* layer by layer, against the documented counts */
    FsrAccelReport *rep = layer_report(a, m, w, h);
    assert_int_equal(rep->n_layers, m->n_layers);
    int64_t dram_words = 0, cycles = 0;
    double energy = 0;
    for (int i = 0; i < m->n_layers; i++) {
        const FsrAccelResult *r = &rep->layers[i];
        const FsrConvLayer *l = &m->layers[i];
        const int64_t macs = (int64_t)l->in_ch * l->out_ch * l->kh * l->kw * w * h;
        assert_int_equal(r->macs, macs);
        assert_true(r->accesses[FSR_ACCEL_RF][FSR_ACCEL_IFMAP] >= macs);
        assert_true(r->accesses[FSR_ACCEL_RF][FSR_ACCEL_FILTER] >= macs);
        assert_true(r->accesses[FSR_ACCEL_RF][FSR_ACCEL_PSUM] >= 2 * macs);
        assert_true(r->accesses[FSR_ACCEL_DRAM][FSR_ACCEL_FILTER] >= (int64_t)l->in_ch * l->out_ch * l->kh * l->kw);
        assert_true(r->accesses[FSR_ACCEL_DRAM][FSR_ACCEL_IFMAP] >= (int64_t)l->in_ch * w * h);
        assert_true(r->accesses[FSR_ACCEL_DRAM][FSR_ACCEL_PSUM] >= (int64_t)l->out_ch * w * h);
        /* Eyeriss v1 keeps filters out of the GLB: DRAM to the spads */
        assert_int_equal(r->accesses[FSR_ACCEL_GLB][FSR_ACCEL_FILTER], 0);
        const int64_t words = r->accesses[FSR_ACCEL_DRAM][FSR_ACCEL_IFMAP] +
                              r->accesses[FSR_ACCEL_DRAM][FSR_ACCEL_FILTER] + r->accesses[FSR_ACCEL_DRAM][FSR_ACCEL_PSUM];
        assert_int_equal(r->dram_bytes, 2 * words);
        assert_true(r->compute_cycles >= (macs + 167) / 168);
        assert_int_equal(r->cycles, r->compute_cycles + (int64_t)ceil(2.0 * words / 2.4));
        double e = (double)macs * a->e_mac;
        for (int lv = 0; lv < FSR_ACCEL_NLEVELS; lv++)
            for (int d = 0; d < FSR_ACCEL_NDATA; d++)
                e += a->e_level[lv] * (double)r->accesses[lv][d];
        assert_true(fabs(r->energy_total - e) <= 1e-9 * e);
        dram_words += words;
        cycles += r->cycles;
        energy += e;
    }
    /* the frame is the sum of its layers */
    assert_int_equal(c.dram_bytes, 2 * dram_words);
    assert_int_equal(c.cycles, cycles);
    assert_true(fabs(c.energy - energy) <= 1e-9 * energy);
    print_message("%dx%d: %lld MACs, %lld cycles, %lld DRAM bytes (minimum %lld), energy %.4g (lower bound %.4g)\n", w,
                  h, (long long)c.macs, (long long)c.cycles, (long long)c.dram_bytes, (long long)(2 * min_words),
                  c.energy, min_energy);
    fsr_accel_report_close(&rep);
}

static void test_frame_cost_hand_count(void **state)
{
    (void)state;
    FsrAccelArch a;
    v1_units(&a);
    /* SRCNN 9-5-5: 1*64*81 + 64*32*25 + 32*1*25 = 57,184 MACs per pixel */
    TestModel t;
    make_srcnn_955(&t);
    check_cost(&a, &t.m, 24, 16, 57184);
    check_cost(&a, &t.m, 320, 180, 57184);
    free_model(&t);
    /* 1-4-2-1 with 3x3, 1x1, 3x3: 36 + 8 + 18 = 62 */
    make_model(&t, 4, 2, 3, 1, 3, FSR_PAD_ZERO, 4u);
    check_cost(&a, &t.m, 24, 16, 62);
    free_model(&t);
}

static void test_frame_cost_scales_with_pixels(void **state)
{
    (void)state;
    FsrAccelArch a;
    v1_units(&a);
    TestModel t;
    make_srcnn_955(&t);
    /* The pure energy search (the free set rule; the chip's rule puts the
     * fewest cycles first, which may buy speed with traffic on the larger
     * frame).  Twice the rows: twice the MACs exactly; twice the time,
     * energy and DRAM traffic less the weights read once per frame (measured
     * 2.000, 2.000, 1.9995).  Not twice the columns: untiled rows cost more
     * than linearly once the psums of a row outgrow the buffer. */
    a.set_rule = FSR_ACCEL_SETS_FREE;
    FsrAccelFrameCost c1, c2;
    assert_int_equal(fsr_accel_frame_cost(&c1, &a, &t.m, 96, 64), 0);
    assert_int_equal(fsr_accel_frame_cost(&c2, &a, &t.m, 96, 128), 0);
    assert_int_equal(c2.macs, 2 * c1.macs);
    const double rc = (double)c2.cycles / c1.cycles, re = c2.energy / c1.energy,
                 rd = (double)c2.dram_bytes / c1.dram_bytes;
    print_message("96x64 -> 96x128: cycles x%.4f, energy x%.4f, DRAM x%.4f\n", rc, re, rd);
    assert_true(rc > 1.9 && rc < 2.02);
    assert_true(re > 1.9 && re < 2.02);
    assert_true(rd > 1.9 && rd < 2.02);
    free_model(&t);
}

/* What the tests of the SR calls' costs run: SRCNN 9-5-5 (57,184 MACs a
 * pixel) on Eyeriss v1 over a small picture, with room for two outputs. */
typedef struct CostRun {
    TestModel t;
    FsrAccelArch a;
    int w, h;
    uint8_t *src, *dst, *dst2;
} CostRun;

static void cost_run_open(CostRun *r)
{
    make_srcnn_955(&r->t);
    v1_units(&r->a);
    r->w = 24;
    r->h = 16;
    r->src = make_image(r->h, r->w, 8u);
    r->dst = malloc((size_t)r->w * r->h);
    r->dst2 = malloc((size_t)r->w * r->h);
}

static void cost_run_close(CostRun *r)
{
    free(r->src);
    free(r->dst);
    free(r->dst2);
    free_model(&r->t);
}

/* The SR calls report the frame cost of their size. */
static void test_sr_reports_frame_cost(void **state)
{
    (void)state;
    CostRun r;
    cost_run_open(&r);
    const int w = r.w, h = r.h;
    FsrAccelFrameCost c2, c3;
    assert_int_equal(accel_sr_luma(r.dst, w, r.src, w, w, h, &r.t.m, &r.a, &c2), 0);
    assert_int_equal(fsr_accel_frame_cost(&c3, &r.a, &r.t.m, w, h), 0);
    assert_int_equal(c2.cycles, c3.cycles);
    assert_int_equal(c2.dram_bytes, c3.dram_bytes);
    assert_int_equal(c2.macs, (int64_t)57184 * w * h);
    /* A prepared context gives the same pixels and cost, frame after frame
     * and across sizes. */
    AccelSr *ctx = NULL;
    assert_int_equal(accel_sr_open(&ctx, &r.t.m, &r.a), 0);
    for (int k = 0; k < 2; k++) {
        FsrAccelFrameCost c4;
        assert_int_equal(accel_sr_run(ctx, r.dst2, w, r.src, w, w, h, &c4), 0);
        assert_memory_equal(r.dst, r.dst2, w * h);
        assert_int_equal(c4.cycles, c2.cycles);
        assert_int_equal(accel_sr_run(ctx, r.dst2, w / 2, r.src, w, w / 2, h / 2, &c4), 0);
        assert_int_equal(c4.macs, (int64_t)57184 * (w / 2) * (h / 2));
    }
    assert_true(accel_sr_run(ctx, r.dst2, w, r.src, w, 0, h, NULL) < 0);
    accel_sr_close(&ctx);
    assert_null(ctx);
    cost_run_close(&r);
}

/* The fraction of zeros in layer i's input, from zeros[i] counted over a
 * w x h frame. */
static double input_zeros(const int64_t *zeros, const TestModel *t, int i, int w, int h)
{
    return (double)zeros[i] / ((double)w * h * t->layers[i].in_ch);
}

/* DRAM traffic of run-length coded activations with a fraction z of zeros,
 * against raw: (1 - z) x (5 + 16) / 16 x 64 / 63, never above raw. */
static double rlc_ratio(double z)
{
    const double ratio = z > 0 ? (1 - z) * 21.0 / 16.0 * 64.0 / 63.0 : 1;
    return ratio < 1 ? ratio : 1;
}

/* Zero gating and run-length coding price this frame's measured zeros, as
 * accel.h documents them: a zero ifmap value skips its MACs and their
 * filter spad reads (energy only: E_mac + E_RF each); activations cross
 * DRAM run-length coded, (1 - zeros) x (5 + 16) / 16 x 64 / 63 of raw. */
static void test_sparse_cost_hand_count(void **state)
{
    (void)state;
    CostRun r;
    cost_run_open(&r);
    const FsrAccelArch a = r.a;
    const int w = r.w, h = r.h;
    /* the zeros of each layer's input, from the plain reference */
    FixedModel q;
    assert_int_equal(qbuild(&q, &r.t.m, &a), 0);
    int64_t zeros[3];
    assert_int_equal(fixed_sr_luma_ref(r.dst, w, r.src, w, w, h, &q, zeros), 0);
    fixed_model_close(&q);
    assert_true(zeros[1] > 0 && zeros[2] > 0); /* the hidden ReLUs leave some */
    FsrAccelFrameCost dense, gated, coded;
    assert_int_equal(fsr_accel_frame_cost(&dense, &a, &r.t.m, w, h), 0);
    FsrAccelReport *rep = layer_report(&a, &r.t.m, w, h);

    FsrAccelArch g = a;
    g.zero_gating = 1;
    assert_int_equal(accel_sr_luma(r.dst2, w, r.src, w, w, h, &r.t.m, &g, &gated), 0);
    assert_memory_equal(r.dst, r.dst2, w * h); /* the pixels do not change */
    double saved = 0;
    for (int i = 0; i < 3; i++)
        saved += (double)llround(input_zeros(zeros, &r.t, i, w, h) * (double)rep->layers[i].macs) *
                 (a.e_mac + a.e_level[FSR_ACCEL_RF]);
    assert_true(saved > 0);
    assert_true(fabs((dense.energy - gated.energy) - saved) <= 1e-9 * dense.energy);
    assert_int_equal(gated.cycles, dense.cycles);
    assert_int_equal(gated.dram_bytes, dense.dram_bytes);
    assert_int_equal(gated.macs, dense.macs);

    FsrAccelArch coding = a;
    coding.rlc = 1;
    assert_int_equal(accel_sr_luma(r.dst2, w, r.src, w, w, h, &r.t.m, &coding, &coded), 0);
    assert_memory_equal(r.dst, r.dst2, w * h);
    int64_t words = 0;
    for (int i = 0; i < 3; i++) {
        const FsrAccelResult *lr = &rep->layers[i];
        const double zin = input_zeros(zeros, &r.t, i, w, h), zout = i < 2 ? input_zeros(zeros, &r.t, i + 1, w, h) : 0;
        const double rin = rlc_ratio(zin), rout = rlc_ratio(zout);
        words += lr->accesses[FSR_ACCEL_DRAM][FSR_ACCEL_FILTER] +
                 llround((double)lr->accesses[FSR_ACCEL_DRAM][FSR_ACCEL_IFMAP] * rin) +
                 llround((double)lr->accesses[FSR_ACCEL_DRAM][FSR_ACCEL_PSUM] * rout);
    }
    print_message("dense %lld DRAM bytes, energy %.6g; zero gating saves %.6g; RLC: %lld bytes (expected %lld)\n",
                  (long long)dense.dram_bytes, dense.energy, saved, (long long)coded.dram_bytes, (long long)(2 * words));
    assert_int_equal(coded.dram_bytes, 2 * words);
    assert_true(coded.dram_bytes < dense.dram_bytes);
    assert_int_equal(coded.macs, dense.macs);
    fsr_accel_report_close(&rep);
    cost_run_close(&r);
}

/* The SR engine samples the zeros the accelerator model prices (fsr_run's
 * data-driven path): on a small generated network and picture, the float
 * backend with sampling gives its own pixels and, per layer, exactly the
 * zeros of the fixed-point reference on the same bicubic input; the second
 * picture is not sampled at every = 2, the third is. */
static void test_sr_samples_zeros(void **state)
{
    (void)state;
    TestModel t;
    make_model(&t, 16, 8, 5, 3, 3, FSR_PAD_REPLICATE, 11u);
    FsrAccelArch a;
    fsr_accel_arch_eyeriss_v1(&a);
    assert_true(a.rlc && a.zero_gating); /* the chip's defaults */
    FsrPicture lr, hr, bic;
    assert_int_equal(fsr_picture_open(&lr, 20, 14), 0);
    assert_int_equal(fsr_picture_open(&hr, 40, 28), 0);
    assert_int_equal(fsr_picture_open(&bic, 40, 28), 0);
    uint32_t seed = 5;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < (c ? 7 : 14); y++)
            for (int x = 0; x < (c ? 10 : 20); x++)
                lr.data[c][y * lr.stride[c] + x] = (uint8_t)tu_rand(&seed);
    assert_int_equal(fsr_bicubic_picture(&bic, &lr, 2), 0);
    uint8_t *ref = malloc(40 * 28);
    FixedModel q;
    assert_int_equal(qbuild(&q, &t.m, &a), 0);
    int64_t want[3];
    assert_int_equal(fixed_sr_luma_ref(ref, 40, bic.data[0], bic.stride[0], 40, 28, &q, want), 0);
    fixed_model_close(&q);
    FsrSRSettings dp;
    accel_sr_settings(&dp, &a);
    for (int backend = FSR_SR_FLOAT; backend <= FSR_SR_FIXED; backend++) {
        FsrSRSettings ss;
        fsr_sr_defaults(&ss);
        if (backend == FSR_SR_FIXED)
            ss = dp;
        ss.threads = 1;
        FsrSR *sr = NULL;
        assert_int_equal(fsr_sr_open(&sr, &t.m, &ss), 0);
        int64_t z[3], v[3];
        assert_int_equal(fsr_sr_zero_counts(sr, z, v, 3), 0); /* not enabled */
        assert_int_equal(fsr_sr_sample_zeros(sr, &t.m, &dp, 2), 0);
        for (int k = 0; k < 3; k++)
            assert_int_equal(fsr_sr_picture(sr, &hr, &lr), 0);
        assert_int_equal(fsr_sr_zero_counts(sr, z, v, 3), 2);
        for (int i = 0; i < 3; i++) {
            assert_int_equal(z[i], 2 * want[i]);
            assert_int_equal(v[i], 2 * (int64_t)40 * 28 * t.layers[i].in_ch);
        }
        if (backend == FSR_SR_FIXED) /* sampling is the run itself */
            for (int y = 0; y < 28; y++)
                assert_memory_equal(hr.data[0] + y * hr.stride[0], ref + y * 40, 40);
        print_message("backend %d: zeros per layer input %.3f %.3f %.3f\n", backend, (double)z[0] / v[0],
                      (double)z[1] / v[1], (double)z[2] / v[2]);
        assert_true(z[1] > 0 && z[2] > 0); /* ReLUs leave zeros */
        assert_true(fsr_sr_sample_zeros(sr, &t.m, &dp, 0) < 0);
        fsr_sr_close(&sr);
    }
    free(ref);
    fsr_picture_close(&lr);
    fsr_picture_close(&hr);
    fsr_picture_close(&bic);
    free_model(&t);
}

static void test_transfer_cost_hand_count(void **state)
{
    (void)state;
    FsrAccelArch a;
    v1_units(&a);
    FsrAccelTransferParams p;
    fsr_accel_transfer_defaults(&p, 2);
    assert_true(fabs(p.frac_mv - 0.75) < 1e-12); /* x2: 1 - (1/2)^2 */
    p.frac_mv = 1.0;
    p.block = 16;
    FsrAccelFrameCost c;
    const int w = 64, h = 32;
    assert_int_equal(fsr_accel_transfer_cost(&c, &a, &p, w, h), 0);
    /* Per pixel: 8-tap H + V = 16, residual bicubic 4 * (1 + 1/2) + 1 add = 7. */
    assert_int_equal(c.macs, (int64_t)23 * w * h);
    /* Bytes per pixel: reference (32 + 7)^2 / 32^2, residual 2 / 4, output 1. */
    const double bytes = w * h * (39.0 * 39.0 / 1024.0 + 0.5 + 1.0);
    assert_true(llabs(c.dram_bytes - llround(bytes)) <= 1);
    /* No overlap on Eyeriss v1: compute + DRAM cycles. */
    const int64_t cyc = (int64_t)ceil(23.0 * w * h / 168) + (int64_t)ceil(bytes / a.dram_bytes_per_cycle);
    assert_true(llabs(c.cycles - cyc) <= 1);
    /* x4: vectors land on integer HR positions, no interpolation at all. */
    fsr_accel_transfer_defaults(&p, 4);
    assert_int_equal(fsr_accel_transfer_cost(&c, &a, &p, w, h), 0);
    assert_int_equal(c.macs, (int64_t)llround((4 * 1.25 + 1) * w * h));
    p.frac_mv = 2; /* out of range */
    assert_true(fsr_accel_transfer_cost(&c, &a, &p, w, h) < 0);
}

/* The fixed-point backend behind the SR interface (fastsr/sr.h): the same
 * pixels as the accelerator backend on the whole plane, and every rectangle
 * (inside, at each border, the whole plane) equal to the same region of the
 * whole-plane result, for both padding rules. */
static void test_fixed_backend_rectangles(void **state)
{
    (void)state;
    for (int padding = FSR_PAD_ZERO; padding <= FSR_PAD_REPLICATE; padding++) {
        TestModel t;
        make_model(&t, 16, 8, 9, 3, 5, padding, 99u + padding);
        FsrAccelArch a;
        fsr_accel_arch_eyeriss_v1(&a);
        FsrSRSettings ss;
        accel_sr_settings(&ss, &a);
        FsrSR *sr = NULL;
        assert_int_equal(fsr_sr_open(&sr, &t.m, &ss), 0);
        int mx, my;
        assert_int_equal(fsr_sr_margin(sr, &mx, &my), 0);
        assert_int_equal(mx, 4 + 1 + 2);
        const int w = 61, h = 47;
        uint8_t *src = make_image(h, w, 21u + padding);
        uint8_t *whole = malloc((size_t)w * h), *ref = malloc((size_t)w * h), *rect = malloc((size_t)w * h);
        assert_int_equal(accel_sr_luma(ref, w, src, w, w, h, &t.m, &a, NULL), 0);
        assert_int_equal(fsr_sr_luma(sr, whole, w, src, w, w, h), 0);
        assert_memory_equal(whole, ref, (size_t)w * h);
        const int rects[][4] = { { 20, 15, 9, 7 }, { 0, 0, 5, 4 }, { w - 13, h - 3, 13, 3 }, { 0, 10, w, 11 },
                                 { 30, 0, 1, h }, { 0, 0, w, h } };
        for (size_t k = 0; k < sizeof(rects) / sizeof(rects[0]); k++) {
            const int x = rects[k][0], y = rects[k][1], rw = rects[k][2], rh = rects[k][3];
            memset(rect, 0, (size_t)w * h);
            assert_int_equal(fsr_sr_luma_rect(sr, rect, rw, src, w, w, h, x, y, rw, rh), 0);
            for (int r = 0; r < rh; r++)
                assert_memory_equal(rect + (size_t)r * rw, whole + (size_t)(y + r) * w + x, (size_t)rw);
        }
        free(whole);
        free(ref);
        free(rect);
        free(src);
        fsr_sr_close(&sr);
        free_model(&t);
    }
}

/* FSR_SR_BICUBIC: the SR step leaves the bicubic plane as it is, and a
 * picture is exactly fsr_bicubic_picture's. */
static void test_bicubic_backend(void **state)
{
    (void)state;
    FsrSR *sr = NULL;
    assert_true(fsr_sr_open(&sr, NULL, &(FsrSRSettings){ .backend = FSR_SR_BICUBIC, .scale = 5 }) < 0);
    assert_true(fsr_sr_open(&sr, NULL, &(FsrSRSettings){ .backend = FSR_SR_FIXED, .scale = 2 }) < 0);
    assert_int_equal(fsr_sr_open(&sr, NULL, &(FsrSRSettings){ .backend = FSR_SR_BICUBIC, .scale = 3 }), 0);
    assert_int_equal(fsr_sr_scale(sr), 3);
    FsrPicture lr = { 0 }, hr = { 0 }, bic = { 0 };
    assert_int_equal(fsr_picture_open(&lr, 21, 13), 0);
    for (int p = 0; p < 3; p++) {
        const int pw = p ? fsr_chroma_w(21) : 21, ph = p ? fsr_chroma_h(13) : 13;
        for (int y = 0; y < ph; y++)
            for (int x = 0; x < pw; x++)
                lr.data[p][y * lr.stride[p] + x] = (uint8_t)(x * 37 + y * 11 + p * 50);
    }
    assert_int_equal(fsr_picture_open(&hr, 63, 39), 0);
    assert_int_equal(fsr_picture_open(&bic, 63, 39), 0);
    assert_int_equal(fsr_sr_picture(sr, &hr, &lr), 0);
    assert_int_equal(fsr_bicubic_picture(&bic, &lr, 3), 0);
    for (int p = 0; p < 3; p++) {
        const int pw = p ? fsr_chroma_w(63) : 63, ph = p ? fsr_chroma_h(39) : 39;
        for (int y = 0; y < ph; y++)
            assert_memory_equal(hr.data[p] + y * hr.stride[p], bic.data[p] + y * bic.stride[p], (size_t)pw);
    }
    uint8_t out[63];
    assert_int_equal(fsr_sr_luma_rect(sr, out, 63, bic.data[0], bic.stride[0], 63, 39, 0, 5, 63, 1), 0);
    assert_memory_equal(out, bic.data[0] + 5 * bic.stride[0], 63);
    fsr_picture_close(&lr);
    fsr_picture_close(&hr);
    fsr_picture_close(&bic);
    fsr_sr_close(&sr);
}

/* LR-input models: the layers run at LR size, a transposed convolution
 * maps as the convolution giving its scale^2 phases, and the fixed-point
 * backend refuses them with a message. */
static void test_lr_model_shapes(void **state)
{
    (void)state;
    const int ch[6] = { 1, 8, 4, 4, 8, 1 }, k[5] = { 5, 1, 3, 1, 9 };
    for (int s = 2; s <= 4; s++) {
        FsrModel *m = NULL;
        assert_int_equal(fsr_model_open_empty_lr(&m, "fsrcnn", s, FSR_PAD_REPLICATE, FSR_UP_DECONV, 5, ch, k,
                                             FSR_ACT_PRELU), 0);
        FsrAccelNet *net = NULL;
        assert_int_equal(fsr_accel_net_from_model(&net, m, 48 * s, 24 * s), 0);
        assert_int_equal(net->n_layers, 5);
        for (int i = 0; i < 5; i++) {
            assert_int_equal(net->layers[i].W, 48);
            assert_int_equal(net->layers[i].H, 24);
        }
        assert_int_equal(net->layers[4].M, s * s);
        assert_int_equal(net->layers[4].C, 8);
        assert_int_equal(net->layers[4].R, s == 2 ? 5 : 3);
        fsr_accel_net_close(&net);
        /* an output size that is not a multiple of the scale */
        assert_true(fsr_accel_net_from_model(&net, m, 48 * s + 1, 24 * s) < 0);
        FsrAccelArch a;
        fsr_accel_arch_eyeriss_v1(&a);
        AccelSr *asr = NULL;
        assert_true(accel_sr_open(&asr, m, &a) < 0);
        assert_non_null(strstr(fsr_last_error(), "bicubic-input"));
        fsr_model_close(&m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_matches_reference),
        cmocka_unit_test(test_fast_simd_matches_reference),
        cmocka_unit_test(test_16bit_close_to_float),
        cmocka_unit_test(test_8bit_is_coarser),
        cmocka_unit_test(test_quantiser_errors),
        cmocka_unit_test(test_precision_fast_matches_reference),
        cmocka_unit_test(test_precision_close_to_float),
        cmocka_unit_test(test_precision_names_and_errors),
        cmocka_unit_test(test_frame_cost_hand_count),
        cmocka_unit_test(test_frame_cost_scales_with_pixels),
        cmocka_unit_test(test_sr_reports_frame_cost),
        cmocka_unit_test(test_sparse_cost_hand_count),
        cmocka_unit_test(test_sr_samples_zeros),
        cmocka_unit_test(test_transfer_cost_hand_count),
        cmocka_unit_test(test_fixed_backend_rectangles),
        cmocka_unit_test(test_bicubic_backend),
        cmocka_unit_test(test_lr_model_shapes),
    };
    return tu_result(cmocka_run_group_tests(tests, NULL, NULL));
}
