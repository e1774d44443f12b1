/* SR engine: the optimised row kernels against the C ones (skipped, with the
 * reason, where only C exists), the C kernels against independent
 * definitions, the whole tiled engine with either kernels against the plain
 * reference convolution (odd sizes, borders, both paddings, 1 and many
 * channels), thread-count and tiling invariance, the
 * rectangle API, and argument checks. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "cpu.h"
#include "fastsr/bicubic.h"
#include "net_ref.h"
#include "sr_internal.h"

static float frand(uint32_t *s, float lo, float hi)
{
    return lo + (hi - lo) * (float)(tu_rand(s) >> 8) / 16777216.f;
}

/* Random weights and biases (and PReLU slopes, when the layer has them),
 * scaled so activations stay around 1 whatever the fan-in. */
static void randomise_layer(FsrConvLayer *l, uint32_t *seed)
{
    const float a = 1.5f / sqrtf((float)(l->in_ch * l->kh * l->kw));
    for (int j = 0; j < l->out_ch * l->in_ch * l->kh * l->kw; j++)
        l->weight[j] = frand(seed, -a, a);
    for (int j = 0; j < l->out_ch; j++)
        l->bias[j] = frand(seed, -0.2f, 0.3f);
    for (int j = 0; l->slope && j < l->out_ch; j++)
        l->slope[j] = frand(seed, -0.3f, 0.6f);
}

static FsrModel *random_model(int n, const int *ch, const int *k, int padding, uint32_t seed)
{
    FsrModel *m = NULL;
    assert_int_equal(fsr_model_open_empty(&m, "srcnn", 2, padding, n, ch, k), 0);
    for (int i = 0; i < n; i++)
        randomise_layer(&m->layers[i], &seed);
    return m;
}

/* The reference layer by layer, each layer's output rounded to float as
 * the engine stores it. */
static float *reference_forward(const FsrModel *m, const float *in, int w, int h)
{
    const size_t plane = (size_t)w * h;
    double *cur = malloc(plane * sizeof(double));
    for (size_t i = 0; i < plane; i++)
        cur[i] = in[i];
    for (int i = 0; i < m->n_layers; i++) {
        const FsrConvLayer *l = &m->layers[i];
        double *next = malloc(plane * l->out_ch * sizeof(double));
        fsr_conv_ref_layer(next, cur, w, h, l, m->padding, i + 1 < m->n_layers);
        for (size_t k = 0; k < plane * l->out_ch; k++)
            next[k] = (float)next[k];
        free(cur);
        cur = next;
    }
    float *out = malloc(plane * m->layers[m->n_layers - 1].out_ch * sizeof(float));
    for (size_t k = 0; k < plane * m->layers[m->n_layers - 1].out_ch; k++)
        out[k] = (float)cur[k];
    free(cur);
    return out;
}

/* max |a-b| / max(1, |ref|) over the plane */
static double rel_error(const float *a, const float *ref, size_t n)
{
    double e = 0;
    for (size_t i = 0; i < n; i++) {
        const double d = fabs((double)a[i] - ref[i]) / fmax(1.0, fabs((double)ref[i]));
        if (d > e || isnan(d))
            e = isnan(d) ? INFINITY : d;
    }
    return e;
}

static void check_engine(int n, const int *ch, const int *k, int w, int h, int padding, unsigned flags,
                         int tile_w, int tile_h, uint32_t seed)
{
    FsrModel *m = random_model(n, ch, k, padding, seed);
    float *in = malloc((size_t)w * h * sizeof(float)), *out = malloc((size_t)w * h * sizeof(float));
    for (int i = 0; i < w * h; i++)
        in[i] = frand(&seed, 0.f, 1.f);
    float *ref = reference_forward(m, in, w, h);
    FsrSR *sr = NULL;
    assert_int_equal(fsr_sr_open_flags(&sr, m, 2, flags), 0);
    if (tile_w)
        assert_int_equal(fsr_sr_set_tile(sr, tile_w, tile_h), 0);
    assert_int_equal(fsr_sr_run_float(sr, out, w, in, w, w, h, 0, 0, w, h), 0);
    const double e = rel_error(out, ref, (size_t)w * h);
    if (e > 1e-4)
        fail_msg("%s %dx%d padding %d flags %u: relative error %g", m->name, w, h, padding, flags, e);
    fsr_sr_close(&sr);
    assert_null(sr);
    fsr_model_close(&m);
    free(in);
    free(out);
    free(ref);
}

static const struct { int n, ch[5], k[4]; } nets[] = {
    { 1, { 1, 1 }, { 3 } },
    { 1, { 1, 1 }, { 1 } },
    { 2, { 1, 5, 1 }, { 3, 5 } },
    { 3, { 1, 8, 4, 1 }, { 9, 1, 5 } },
    { 3, { 1, 7, 3, 1 }, { 5, 3, 3 } },      /* channel counts not multiples of 4 */
    { 3, { 1, 16, 8, 1 }, { 9, 5, 5 } },
    { 4, { 1, 6, 2, 9, 1 }, { 3, 1, 7, 3 } },
    { 4, { 1, 8, 32, 4, 1 }, { 3, 3, 3, 3 } }, /* channel-interleaved layer 2 */
    { 3, { 1, 16, 64, 1 }, { 3, 5, 3 } },      /* two 32-channel output blocks */
    { 3, { 1, 32, 32, 1 }, { 5, 3, 3 } },      /* layer 1 writes layer 2's interleaved input */
    { 4, { 1, 8, 32, 32, 1 }, { 3, 3, 3, 3 } }, /* two interleaved layers in a row */
    { 3, { 1, 8, 32, 1 }, { 3, 5, 5 } },       /* Winograd layer 2 on a planar layer's output */
    { 4, { 1, 32, 32, 32, 1 }, { 3, 5, 5, 3 } }, /* Winograd, then a direct layer reading at an offset */
    { 3, { 1, 32, 8, 1 }, { 9, 1, 5 } },       /* single-channel Winograd layer 1, planar layer 2 */
    { 3, { 1, 32, 32, 1 }, { 9, 5, 5 } },      /* both Winograd */
    { 3, { 1, 32, 32, 1 }, { 9, 3, 3 } },      /* single-channel Winograd, interleaved layer 2 */
    { 2, { 1, 32, 1 }, { 13, 3 } },            /* 13-wide single-channel Winograd: three pieces */
};
static const int sizes[][2] = { { 1, 1 }, { 5, 3 }, { 13, 11 }, { 37, 23 }, { 64, 17 }, { 141, 29 } };

/* Every net, size and padding through the engine with the given kernels,
 * whole and in small tiles (many tiles, tile edges inside the picture),
 * against the plain reference convolution. */
static void engine_matches_reference(unsigned flags, uint32_t seed)
{
    for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++)
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
            for (int pad = 0; pad < 2; pad++) {
                check_engine(nets[i].n, nets[i].ch, nets[i].k, sizes[s][0], sizes[s][1], pad, flags, 0, 0, seed++);
                check_engine(nets[i].n, nets[i].ch, nets[i].k, sizes[s][0], sizes[s][1], pad, flags, 8, 3, seed++);
            }
}

/* The C kernels: on every machine, whatever FASTSR_CPU says. */
static void test_engine_c_matches_reference(void **state)
{
    (void)state;
    engine_matches_reference(0, 1);
}

static void test_engine_simd_matches_reference(void **state)
{
    (void)state;
    engine_matches_reference(tu_require_simd(), 1001);
}

/* The SIMD levels below the CPU's best (AVX2 on an AVX-512 machine), which
 * the test above does not reach, and the same bits from every SIMD level:
 * the AVX-512 kernels sum each pixel in the AVX2 kernels' order. */
static void test_engine_simd_levels(void **state)
{
    (void)state;
    const unsigned top = tu_require_simd();
    /* the float engine has two SIMD kernel sets, AVX2 and AVX-512 (VNNI
     * adds none) */
    if (!(top & FSR_CPU_AVX512)) {
        /* not a skip: on an AVX2 machine the test above covers the one SIMD
         * engine, and a skip would mark this whole program skipped */
        print_message("test_engine_simd_levels: no AVX-512 on this CPU (or FASTSR_CPU caps it below): the AVX2 "
                      "engine is the only SIMD one, nothing to compare\n");
        return;
    }
    engine_matches_reference(FSR_CPU_SSE2 | FSR_CPU_AVX2_FMA, 2001);
    static const int net_ids[] = { 3, 5, 7, 9, 10 };
    enum { W = 141, H = 29 };
    for (size_t i = 0; i < sizeof(net_ids) / sizeof(net_ids[0]); i++) {
        const int n = net_ids[i];
        uint32_t seed = 77 + (uint32_t)n;
        FsrModel *m = random_model(nets[n].n, nets[n].ch, nets[n].k, FSR_PAD_ZERO, seed);
        float *in = malloc(sizeof(float) * W * H), *first = NULL, *out = malloc(sizeof(float) * W * H);
        for (int j = 0; j < W * H; j++)
            in[j] = frand(&seed, 0.f, 1.f);
        for (int l = 0; l < FSR_CPU_NB_LEVELS; l++) {
            const unsigned f = fsr_cpu_levels[l].flags;
            if (!(f & FSR_CPU_AVX2_FMA) || (top & f) != f)
                continue;
            FsrSR *sr = NULL;
            assert_int_equal(fsr_sr_open_flags(&sr, m, 2, f), 0);
            assert_int_equal(fsr_sr_run_float(sr, out, W, in, W, W, H, 0, 0, W, H), 0);
            fsr_sr_close(&sr);
            if (!first) {
                first = out;
                out = malloc(sizeof(float) * W * H);
            } else if (memcmp(first, out, sizeof(float) * W * H))
                fail_msg("%s: level %s differs from the lowest SIMD level", m->name, fsr_cpu_levels[l].name);
        }
        fsr_model_close(&m);
        free(in);
        free(first);
        free(out);
    }
}

/* SRCNN's own shape (64 and 32 channels) on a picture a bit larger than
 * one tile. */
static void test_srcnn_size_c_matches_reference(void **state)
{
    (void)state;
    const int ch[4] = { 1, 64, 32, 1 }, k[3] = { 9, 5, 5 };
    check_engine(3, ch, k, 150, 131, FSR_PAD_REPLICATE, 0, 0, 0, 76);
    check_engine(3, ch, k, 45, 39, FSR_PAD_ZERO, 0, 0, 0, 79);
}

static void test_srcnn_size_simd_matches_reference(void **state)
{
    (void)state;
    const unsigned simd = tu_require_simd();
    const int ch[4] = { 1, 64, 32, 1 }, k[3] = { 9, 5, 5 };
    check_engine(3, ch, k, 150, 131, FSR_PAD_REPLICATE, simd, 0, 0, 77);
    check_engine(3, ch, k, 150, 131, FSR_PAD_ZERO, simd, 0, 0, 78);
}

/* A layer with random weights in [-0.5, 0.5); free with free_layer. */
static FsrConvLayer random_layer(int in_ch, int out_ch, int kh, int kw, uint32_t *seed)
{
    FsrConvLayer l = { .in_ch = in_ch, .out_ch = out_ch, .kh = kh, .kw = kw };
    const int nw = in_ch * out_ch * kh * kw;
    l.weight = malloc(nw * sizeof(float));
    l.bias = malloc(out_ch * sizeof(float));
    for (int i = 0; i < nw; i++)
        l.weight[i] = frand(seed, -0.5f, 0.5f);
    for (int i = 0; i < out_ch; i++)
        l.bias[i] = frand(seed, -0.5f, 0.5f);
    return l;
}

static void free_layer(FsrConvLayer *l)
{
    free(l->weight);
    free(l->bias);
}

/* The C kernels into c and, with simd_flags, the CPU's SIMD ones into simd,
 * checked to be really the ones under test, not C a second time (without
 * flags simd is C again, unused).  Returns whether SIMD is under test. */
static int init_c_and_simd(FsrConvDSP *c, FsrConvDSP *simd, unsigned simd_flags)
{
    fsr_conv_dsp_init(c, 0);
    if (!simd_flags) {
        *simd = *c;
        return 0;
    }
    fsr_conv_dsp_init(simd, simd_flags);
    assert_true(simd->conv_row != c->conv_row && simd->conv_row_c8 != c->conv_row_c8 &&
                simd->conv_row_1_to_c8 != c->conv_row_1_to_c8 && simd->conv_parts != c->conv_parts &&
                simd->to_c8 != c->to_c8);
    return 1;
}

/* The row kernel alone: AVX2 against C on random rows (the C row kernel is
 * checked against the reference convolution by the engine tests). */
static void test_row_kernel_simd_vs_c(void **state)
{
    (void)state;
    FsrConvDSP c, simd;
    init_c_and_simd(&c, &simd, tu_require_simd());
    static const int shapes[][4] = { { 1, 64, 9, 9 }, { 64, 32, 5, 5 }, { 64, 32, 1, 1 }, { 32, 1, 5, 5 },
                                     { 3, 5, 3, 3 }, { 2, 3, 1, 7 }, { 7, 4, 3, 1 },
                                     { 64, 6, 5, 5 }, { 48, 2, 3, 3 }, { 40, 1, 5, 5 } };
    uint32_t seed = 5;
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
        for (int width = 8; width <= 600; width += 8 * (1 + width / 40)) {
            FsrConvLayer l = random_layer(shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3], &seed);
            FsrPackedConv p;
            assert_int_equal(fsr_conv_pack(&p, &l, (int)(s & 1)), 0);
            const ptrdiff_t in_cs = width + l.kw + 5, out_cs = width + 3;
            float *in = malloc((size_t)l.kh * l.in_ch * in_cs * sizeof(float));
            for (ptrdiff_t i = 0; i < l.kh * l.in_ch * in_cs; i++)
                in[i] = frand(&seed, -1.f, 1.f);
            const float *rows[FSR_MODEL_MAX_KERNEL];
            for (int ky = 0; ky < l.kh; ky++)
                rows[ky] = in + (size_t)ky * l.in_ch * in_cs;
            float *a = calloc((size_t)l.out_ch * out_cs, sizeof(float));
            float *b = calloc((size_t)l.out_ch * out_cs, sizeof(float));
            c.conv_row(a, out_cs, rows, in_cs, &p, width);
            simd.conv_row(b, out_cs, rows, in_cs, &p, width);
            for (int co = 0; co < l.out_ch; co++) {
                const double e = rel_error(b + co * out_cs, a + co * out_cs, (size_t)width);
                if (e > 1e-4)
                    fail_msg("shape %zu width %d channel %d: error %g", s, width, co, e);
            }
            fsr_conv_pack_close(&p);
            free(in);
            free(a);
            free(b);
            free_layer(&l);
        }
}

/* The channel-interleaved row kernel: C against the planar C kernel (an
 * independent packing and loop order), or with simd_flags, AVX2 against C; the
 * interleaving copy is exact in both versions. */
static void c8_kernel(unsigned simd_flags)
{
    FsrConvDSP c, simd;
    const int with_simd = init_c_and_simd(&c, &simd, simd_flags);
    static const int shapes[][4] = { { 64, 32, 5, 5 }, { 8, 32, 3, 3 }, { 16, 64, 3, 5 }, { 24, 32, 1, 1 } };
    uint32_t seed = 9;
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
        for (int width = 1; width <= 260; width += 1 + width / 3) {
            FsrConvLayer l = random_layer(shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3], &seed);
            const int relu = (int)(s & 1) || width % 2;
            FsrPackedConv p, p8;
            assert_int_equal(fsr_conv_pack(&p, &l, relu), 0);
            assert_int_equal(fsr_conv_pack_c8(&p8, &l, relu), 0);
            const int n = width + l.kw - 1;
            const ptrdiff_t in_cs = n + 3, blk_cs = 8 * (n + 1), out_cs = width + 5;
            const size_t row = (size_t)l.in_ch * in_cs, row8 = (size_t)l.in_ch / 8 * blk_cs;
            float *in = malloc(l.kh * row * sizeof(float));
            float *in8 = calloc(l.kh * row8, sizeof(float)), *in8s = calloc(l.kh * row8, sizeof(float));
            for (size_t i = 0; i < l.kh * row; i++)
                in[i] = frand(&seed, -1.f, 1.f);
            const float *rows[FSR_MODEL_MAX_KERNEL], *rows8[FSR_MODEL_MAX_KERNEL];
            for (int ky = 0; ky < l.kh; ky++) {
                rows[ky] = in + ky * row;
                rows8[ky] = in8 + ky * row8;
                c.to_c8(in8 + ky * row8, blk_cs, rows[ky], in_cs, l.in_ch, n);
                if (with_simd)
                    simd.to_c8(in8s + ky * row8, blk_cs, rows[ky], in_cs, l.in_ch, n);
            }
            if (with_simd)
                assert_memory_equal(in8, in8s, l.kh * row8 * sizeof(float));
            float *ref = calloc((size_t)l.out_ch * out_cs, sizeof(float));
            float *a = calloc((size_t)l.out_ch * out_cs, sizeof(float));
            float *b = calloc((size_t)l.out_ch * out_cs, sizeof(float));
            float *acc = malloc((size_t)width * 32 * sizeof(float));
            c.conv_row(ref, out_cs, rows, in_cs, &p, width);
            c.conv_row_c8(a, out_cs, rows8, blk_cs, &p8, width, acc);
            if (with_simd)
                simd.conv_row_c8(b, out_cs, rows8, blk_cs, &p8, width, acc);
            for (int co = 0; co < l.out_ch; co++) {
                const double ea = with_simd ? 0 : rel_error(a + co * out_cs, ref + co * out_cs, (size_t)width);
                const double eb = with_simd ? rel_error(b + co * out_cs, a + co * out_cs, (size_t)width) : 0;
                if (ea > 1e-4 || eb > 1e-4)
                    fail_msg("shape %zu width %d channel %d: C %g, AVX2 %g", s, width, co, ea, eb);
            }
            fsr_conv_pack_close(&p);
            fsr_conv_pack_close(&p8);
            free(in);
            free(in8);
            free(in8s);
            free(ref);
            free(a);
            free(b);
            free(acc);
            free_layer(&l);
        }
    /* Single-channel input written interleaved: against the planar kernel
     * whose output is then interleaved. */
    static const int shapes1[][3] = { { 32, 9, 9 }, { 64, 3, 3 }, { 32, 1, 5 } };
    for (size_t s = 0; s < sizeof(shapes1) / sizeof(shapes1[0]); s++)
        for (int width = 1; width <= 200; width += 1 + width / 4) {
            FsrConvLayer l = random_layer(1, shapes1[s][0], shapes1[s][1], shapes1[s][2], &seed);
            FsrPackedConv p, p8;
            assert_int_equal(fsr_conv_pack(&p, &l, 1), 0);
            assert_int_equal(fsr_conv_pack_c8(&p8, &l, 1), 0);
            const ptrdiff_t in_cs = width + l.kw + 2, out_cs = width + 1, blk = 8 * (width + 2);
            float *in = malloc((size_t)l.kh * in_cs * sizeof(float));
            for (ptrdiff_t i = 0; i < l.kh * in_cs; i++)
                in[i] = frand(&seed, -1.f, 1.f);
            const float *rows[FSR_MODEL_MAX_KERNEL];
            for (int ky = 0; ky < l.kh; ky++)
                rows[ky] = in + ky * in_cs;
            const size_t n8 = (size_t)l.out_ch / 8 * blk;
            float *plane = calloc((size_t)l.out_ch * out_cs, sizeof(float));
            float *ref = calloc(n8, sizeof(float)), *a = calloc(n8, sizeof(float)), *b = calloc(n8, sizeof(float));
            c.conv_row(plane, out_cs, rows, in_cs, &p, width);
            c.to_c8(ref, blk, plane, out_cs, l.out_ch, width);
            c.conv_row_1_to_c8(a, blk, rows, in_cs, &p8, width);
            if (with_simd)
                simd.conv_row_1_to_c8(b, blk, rows, in_cs, &p8, width);
            for (int bl = 0; bl < l.out_ch / 8; bl++) {
                const double ea = with_simd ? 0 : rel_error(a + bl * blk, ref + bl * blk, (size_t)width * 8);
                const double eb = with_simd ? rel_error(b + bl * blk, a + bl * blk, (size_t)width * 8) : 0;
                if (ea > 1e-4 || eb > 1e-4)
                    fail_msg("1-channel shape %zu width %d block %d: C %g, AVX2 %g", s, width, bl, ea, eb);
            }
            fsr_conv_pack_close(&p);
            fsr_conv_pack_close(&p8);
            free(in);
            free(plane);
            free(ref);
            free(a);
            free(b);
            free_layer(&l);
        }
    /* Shapes it cannot take are refused. */
    FsrConvLayer bad = { .in_ch = 12, .out_ch = 32, .kh = 3, .kw = 3 };
    FsrPackedConv p;
    assert_true(fsr_conv_pack_c8(&p, &bad, 1) < 0);
    bad.in_ch = 16;
    bad.out_ch = 16;
    assert_true(fsr_conv_pack_c8(&p, &bad, 1) < 0);
}

TU_C_AND_SIMD_TESTS(c8_kernel, test_c8_kernel_c, test_c8_kernel_simd_vs_c)

/* The row-partials kernel of single-channel last layers: the C one against
 * a direct sum over the layer's own weights or, with simd_flags, AVX2 against C. */
static void parts_kernel(unsigned simd_flags)
{
    FsrConvDSP c, simd;
    const int with_simd = init_c_and_simd(&c, &simd, simd_flags);
    static const int shapes[][3] = { { 32, 5, 5 }, { 1, 5, 5 }, { 7, 3, 3 }, { 16, 9, 9 }, { 5, 1, 1 },
                                     { 3, 7, 1 }, { 40, 6, 5 } };
    uint32_t seed = 15;
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
        for (int width = 8; width <= 600; width += 8 * (1 + width / 40)) {
            FsrConvLayer l = random_layer(shapes[s][0], 1, shapes[s][1], shapes[s][2], &seed);
            FsrPackedConv p;
            assert_int_equal(fsr_conv_pack_parts(&p, &l, 0), 0);
            const ptrdiff_t in_cs = width + l.kw + 5, out_cs = width + 3;
            float *in = malloc((size_t)l.in_ch * in_cs * sizeof(float));
            for (ptrdiff_t i = 0; i < l.in_ch * in_cs; i++)
                in[i] = frand(&seed, -1.f, 1.f);
            float *a = calloc((size_t)l.kh * out_cs, sizeof(float));
            float *b = calloc((size_t)l.kh * out_cs, sizeof(float));
            c.conv_parts(a, out_cs, in, in_cs, &p, width);
            if (with_simd)
                simd.conv_parts(b, out_cs, in, in_cs, &p, width);
            for (int ky = 0; ky < l.kh; ky++) {
                /* C against the definition at a few columns. */
                for (int x = 0; x < width; x += 7) {
                    double d = 0;
                    for (int ci = 0; ci < l.in_ch; ci++)
                        for (int kx = 0; kx < l.kw; kx++)
                            d += (double)l.weight[(ci * l.kh + ky) * l.kw + kx] * in[ci * in_cs + x + kx];
                    if (fabs(a[ky * out_cs + x] - d) > 1e-4 * fmax(1.0, fabs(d)))
                        fail_msg("parts shape %zu width %d ky %d x %d: C %g, expected %g", s, width, ky, x,
                                 a[ky * out_cs + x], d);
                }
                const double e = with_simd ? rel_error(b + ky * out_cs, a + ky * out_cs, (size_t)width) : 0;
                if (e > 1e-4)
                    fail_msg("parts shape %zu width %d ky %d: error %g", s, width, ky, e);
            }
            /* Summing the partials of kh rows in ky order. */
            const float *parts[FSR_MODEL_MAX_KERNEL];
            for (int ky = 0; ky < l.kh; ky++)
                parts[ky] = ky == 1 ? NULL : a + ky * out_cs;
            float *o = malloc((size_t)width * sizeof(float));
            fsr_conv_sum_parts(o, parts, &p, width);
            for (int x = 0; x < width; x++) {
                float v = l.bias[0];
                for (int ky = 0; ky < l.kh; ky++)
                    if (ky != 1)
                        v = v + a[ky * out_cs + x];
                assert_true(o[x] == v);
            }
            fsr_conv_pack_close(&p);
            free(o);
            free(in);
            free(a);
            free(b);
            free_layer(&l);
        }
}

TU_C_AND_SIMD_TESTS(parts_kernel, test_parts_kernel_c, test_parts_kernel_simd_vs_c)

static uint8_t *random_plane(int w, int h, uint32_t seed)
{
    uint8_t *p = malloc((size_t)w * h);
    /* Smooth content plus noise, like an upscaled picture. */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            p[y * w + x] = (uint8_t)(128 + 90 * sin(x * 0.07 + y * 0.05) + (int)(tu_rand(&seed) % 31) - 15);
    return p;
}

/* The luma of in (w x h; an LR-input model's output is W x H, else W x H
 * = w x h) with 1 thread, with 2 threads, and with 2 threads and tiles of
 * tw x th: the same bytes every time.  Returns the result (free() it). */
static uint8_t *luma_same_for_threads_and_tiles(const FsrModel *m, const uint8_t *in, int w, int h, int W, int H,
                                               int tw, int th)
{
    uint8_t *a = malloc((size_t)W * H), *b = malloc((size_t)W * H), *c = malloc((size_t)W * H);
    FsrSR *one = NULL, *two = NULL;
    assert_int_equal(fsr_sr_open(&one, m, &(FsrSRSettings){ .threads = 1 }), 0);
    assert_int_equal(fsr_sr_open(&two, m, &(FsrSRSettings){ .threads = 2 }), 0);
    assert_int_equal(fsr_sr_luma(one, a, W, in, w, w, h), 0);
    assert_int_equal(fsr_sr_luma(two, b, W, in, w, w, h), 0);
    assert_memory_equal(a, b, (size_t)W * H);
    /* A different tiling must not change a single pixel either. */
    assert_int_equal(fsr_sr_set_tile(two, tw, th), 0);
    assert_int_equal(fsr_sr_luma(two, c, W, in, w, w, h), 0);
    assert_memory_equal(a, c, (size_t)W * H);
    fsr_sr_close(&one);
    fsr_sr_close(&two);
    free(b);
    free(c);
    return a;
}

static void test_threads_and_tiles_identical(void **state)
{
    (void)state;
    /* Planar and channel-interleaved (32 outputs) layer 2. */
    const int chs[2][4] = { { 1, 16, 8, 1 }, { 1, 32, 32, 1 } }, k[3] = { 9, 5, 5 };
    const int w = 301, h = 257;
    for (int pad = 0; pad < 4; pad++) {
        FsrModel *m = random_model(3, chs[pad / 2], k, pad % 2, 11 + pad);
        uint8_t *in = random_plane(w, h, 3);
        uint8_t *a = luma_same_for_threads_and_tiles(m, in, w, h, w, h, 40, 7);
        /* The network is not the identity: output differs from input. */
        assert_true(memcmp(a, in, (size_t)w * h) != 0);
        fsr_model_close(&m);
        free(in);
        free(a);
    }
}

static void test_rect_equals_whole_frame(void **state)
{
    (void)state;
    /* Planar layers, and interleaved ones (layer 1 writing layer 2's input). */
    const int chs[3][4] = { { 1, 32, 4, 1 }, { 1, 32, 32, 1 }, { 1, 32, 32, 1 } };
    /* Winograd layer 1 (single channel); layer 1 writing layer 2's
     * interleaved input; Winograd layer 2 */
    const int ks[3][3] = { { 9, 1, 5 }, { 3, 3, 3 }, { 3, 5, 5 } };
    const int w = 173, h = 95;
    static const int rects[][4] = { { 0, 0, 16, 16 }, { 160, 80, 13, 15 }, { 50, 40, 1, 1 }, { 7, 3, 100, 9 },
                                    { 0, 50, 173, 45 }, { 172, 0, 1, 95 }, { 0, 0, 173, 95 } };
    for (int pad = 0; pad < 6; pad++) {
        FsrModel *m = random_model(3, chs[pad / 2], ks[pad / 2], pad % 2, 21 + pad);
        uint8_t *in = random_plane(w, h, 4), *full = malloc(w * h), *part = malloc(w * h);
        FsrSR *sr = NULL;
        assert_int_equal(fsr_sr_open(&sr, m, &(FsrSRSettings){ .threads = 2 }), 0);
        assert_int_equal(fsr_sr_luma(sr, full, w, in, w, w, h), 0);
        /* Rectangles with the default tiles, then with small ones (a
         * rectangle then spans several tiles). */
        for (size_t r = 0; r < 2 * sizeof(rects) / sizeof(rects[0]); r++) {
            if (r == sizeof(rects) / sizeof(rects[0]))
                assert_int_equal(fsr_sr_set_tile(sr, 24, 10), 0);
            const int *rc = rects[r % (sizeof(rects) / sizeof(rects[0]))];
            const int x = rc[0], y = rc[1], rw = rc[2], rh = rc[3];
            memset(part, 0, (size_t)w * h);
            assert_int_equal(fsr_sr_luma_rect(sr, part + y * w + x, w, in, w, w, h, x, y, rw, rh), 0);
            for (int yy = y; yy < y + rh; yy++)
                assert_memory_equal(part + yy * w + x, full + yy * w + x, (size_t)rw);
            /* Nothing outside the rectangle is written. */
            for (int yy = 0; yy < h; yy++)
                for (int xx = 0; xx < w; xx++)
                    if (yy < y || yy >= y + rh || xx < x || xx >= x + rw)
                        assert_int_equal(part[yy * w + xx], 0);
        }
        fsr_sr_close(&sr);
        fsr_model_close(&m);
        free(in);
        free(full);
        free(part);
    }
}

/* SRCNN 9-5-5 and 9-1-5 by Winograd (the default: layers 1 and 2 by
 * F(4,5); layer 1 alone by F(8,9)) and 9-1-5 with layer 1 by F(4,5) in
 * pieces (FSR_SR_WINO45) against the same networks by direct
 * convolution, at every kernel level: the engine really takes each path,
 * and the outputs agree to float rounding.  Measured: about 1e-6 for
 * F(4,5) (bound 1e-5); 0.9e-5 to 1.3e-5 for F(8,9), whose 16-point
 * transform rounds more (bound 5e-5, within the 1e-4 the engine
 * promises). */
static void test_winograd_matches_direct(void **state)
{
    (void)state;
    const int ch[4] = { 1, 64, 32, 1 }, k[3][3] = { { 9, 5, 5 }, { 9, 1, 5 }, { 9, 1, 5 } };
    const unsigned levels[2] = { 0, fsr_cpu_flags() };
    uint32_t seed = 5;
    for (int net = 0; net < 3; net++)
        for (int pad = 0; pad < 2; pad++)
            for (int lv = 0; lv < 2; lv++) {
                const int w = 150, h = 61;
                FsrModel *m = random_model(3, ch, k[net], pad, 91 + pad);
                float *in = malloc((size_t)w * h * sizeof(float)), *a = malloc((size_t)w * h * sizeof(float));
                float *b = malloc((size_t)w * h * sizeof(float));
                for (int i = 0; i < w * h; i++)
                    in[i] = frand(&seed, 0.f, 1.f);
                FsrSR *wino = NULL, *direct = NULL;
                assert_int_equal(fsr_sr_open_engine(&wino, m, 2, levels[lv], net == 2 ? FSR_SR_WINO45 : 0), 0);
                assert_int_equal(fsr_sr_open_engine(&direct, m, 2, levels[lv], FSR_SR_DIRECT), 0);
                assert_true(wino->layer[0].wino && wino->layer[1].wino == !net && !wino->layer[2].wino);
                assert_int_equal(wino->layer[0].wino_tile, net == 1 ? 8 : 4);
                assert_false(direct->layer[0].wino || direct->layer[1].wino);
                assert_int_equal(fsr_sr_run_float(wino, a, w, in, w, w, h, 0, 0, w, h), 0);
                assert_int_equal(fsr_sr_run_float(direct, b, w, in, w, w, h, 0, 0, w, h), 0);
                const double e = rel_error(a, b, (size_t)w * h);
                print_message("Winograd %s against direct, %d-%d-%d, padding %d, level %u: relative error %.3g\n",
                              net == 1 ? "F(8,9)" : "F(4,5)", k[net][0], k[net][1], k[net][2], pad, levels[lv], e);
                assert_true(e <= (net == 1 ? 5e-5 : 1e-5));
                fsr_sr_close(&wino);
                fsr_sr_close(&direct);
                fsr_model_close(&m);
                free(in);
                free(a);
                free(b);
            }
}

/* Winograd layers (1 -> 32 9x9 and 32 -> 32 5x5; 1 -> 32 9x9 by F(8,9)
 * before a planar 1x1) give the same floats, not only the same bytes, for
 * 1 thread in the default tiles and 2 threads in 40 x 7 ones, and for
 * rectangles starting at every column modulo 8: their tiles sit at the
 * same picture columns whatever the tiling, and their spare outputs read
 * only computed columns, which do not depend on it. */
static void test_winograd_tilings_identical(void **state)
{
    (void)state;
    const int ch[2][4] = { { 1, 32, 32, 1 }, { 1, 32, 8, 1 } }, k[2][3] = { { 9, 5, 5 }, { 9, 1, 5 } };
    uint32_t seed = 17;
    for (int net = 0; net < 2; net++)
        for (int pad = 0; pad < 2; pad++) {
            const int w = 301, h = 57;
            FsrModel *m = random_model(3, ch[net], k[net], pad, 61 + pad);
            float *in = malloc((size_t)w * h * sizeof(float)), *a = malloc((size_t)w * h * sizeof(float));
            float *b = malloc((size_t)w * h * sizeof(float));
            for (int i = 0; i < w * h; i++)
                in[i] = frand(&seed, 0.f, 1.f);
            FsrSR *one = NULL, *two = NULL;
            assert_int_equal(fsr_sr_open_engine(&one, m, 1, fsr_cpu_flags(), 0), 0);
            assert_int_equal(fsr_sr_open_engine(&two, m, 2, fsr_cpu_flags(), 0), 0);
            assert_int_equal(fsr_sr_set_tile(two, 40, 7), 0);
            assert_true(one->layer[0].wino && one->layer[1].wino == !net);
            assert_int_equal(fsr_sr_run_float(one, a, w, in, w, w, h, 0, 0, w, h), 0);
            assert_int_equal(fsr_sr_run_float(two, b, w, in, w, w, h, 0, 0, w, h), 0);
            assert_memory_equal(a, b, (size_t)w * h * sizeof(float));
            for (int x = 0; x < 8; x++) {
                const int y = 5 + x, rw = 150 + 3 * x, rh = 11;
                assert_int_equal(fsr_sr_run_float(two, b, w, in, w, w, h, x, y, rw, rh), 0);
                for (int yy = 0; yy < rh; yy++)
                    assert_memory_equal(b + yy * w, a + (y + yy) * w + x, (size_t)rw * sizeof(float));
            }
            fsr_sr_close(&one);
            fsr_sr_close(&two);
            fsr_model_close(&m);
            free(in);
            free(a);
            free(b);
        }
}

static void test_identity_picture(void **state)
{
    (void)state;
    /* A single 1x1 conv with weight 1 is the identity: fsr_sr_picture must
     * then give exactly the bicubic picture. */
    const int ch[2] = { 1, 1 }, k[1] = { 1 };
    FsrModel *m = NULL;
    assert_int_equal(fsr_model_open_empty(&m, "srcnn", 3, FSR_PAD_REPLICATE, 1, ch, k), 0);
    m->layers[0].weight[0] = 1.f;
    FsrPicture lr, hr, bic;
    assert_int_equal(fsr_picture_open(&lr, 41, 27), 0);
    uint32_t seed = 9;
    tu_random_picture(&lr, &seed);
    assert_int_equal(fsr_picture_open(&hr, 123, 81), 0);
    assert_int_equal(fsr_picture_open(&bic, 123, 81), 0);
    FsrSR *sr = NULL;
    assert_int_equal(fsr_sr_open(&sr, m, &(FsrSRSettings){ .threads = 0 }), 0);
    assert_int_equal(fsr_sr_scale(sr), 3);
    assert_int_equal(fsr_sr_picture(sr, &hr, &lr), 0);
    assert_int_equal(fsr_bicubic_picture(&bic, &lr, 3), 0);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < (c ? 41 : 81); y++)
            assert_memory_equal(hr.data[c] + y * hr.stride[c], bic.data[c] + y * bic.stride[c], c ? 62 : 123);
    /* Wrong output size is refused. */
    FsrPicture small;
    assert_int_equal(fsr_picture_open(&small, 82, 54), 0);
    assert_true(fsr_sr_picture(sr, &small, &lr) < 0);
    fsr_picture_close(&small);
    fsr_sr_close(&sr);
    fsr_model_close(&m);
    fsr_picture_close(&lr);
    fsr_picture_close(&hr);
    fsr_picture_close(&bic);
}

/* ---- LR-input models (FSRCNN, ESPCN) ---- */

/* kind 0: FSRCNN-like (PReLU, 9x9 transposed convolution); 1: ESPCN-like
 * (ReLU, pixel shuffle); 2: wide PReLU layers that take the interleaved
 * (c8) kernels, transposed convolution. */
static FsrModel *random_lr_model(int kind, int scale, int padding, uint32_t seed)
{
    FsrModel *m = NULL;
    if (kind == 0) {
        const int ch[6] = { 1, 8, 4, 4, 8, 1 }, k[5] = { 5, 1, 3, 1, 9 };
        assert_int_equal(fsr_model_open_empty_lr(&m, "fsrcnn", scale, padding, FSR_UP_DECONV, 5, ch, k, FSR_ACT_PRELU), 0);
    } else if (kind == 1) {
        const int ch[4] = { 1, 8, 4, 0 }, k[3] = { 5, 3, 3 };
        assert_int_equal(fsr_model_open_empty_lr(&m, "espcn", scale, padding, FSR_UP_SHUFFLE, 3, ch, k, FSR_ACT_RELU), 0);
    } else {
        /* a single-channel Winograd first layer (9 wide, PReLU after it) */
        const int ch[4] = { 1, 32, 32, 1 }, k[3] = { 9, 3, 9 };
        assert_int_equal(fsr_model_open_empty_lr(&m, "wide", scale, padding, FSR_UP_DECONV, 3, ch, k, FSR_ACT_PRELU), 0);
    }
    for (int i = 0; i < m->n_layers; i++)
        randomise_layer(&m->layers[i], &seed);
    return m;
}

/* The tiled engine (whole plane and a rectangle at an odd HR position,
 * two tilings) against the plain reference network. */
static void lr_engine_matches_reference(unsigned flags)
{
    static const int sizes[][2] = { { 1, 1 }, { 7, 5 }, { 37, 23 }, { 70, 19 } };
    int runs = 0;
    for (int kind = 0; kind < 3; kind++)
        for (int scale = 2; scale <= 4; scale++)
            for (int pad = 0; pad < 2; pad++)
                for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
                    const int w = sizes[z][0], h = sizes[z][1], W = w * scale, H = h * scale;
                    uint32_t seed = 100 + kind * 10 + scale + pad;
                    FsrModel *m = random_lr_model(kind, scale, pad, seed);
                    float *in = malloc(sizeof(float) * w * h), *ref = malloc(sizeof(float) * W * H);
                    float *out = malloc(sizeof(float) * W * H);
                    for (int i = 0; i < w * h; i++)
                        in[i] = frand(&seed, 0.f, 1.f);
                    assert_int_equal(fsr_net_forward_ref(m, ref, W, in, w, w, h, 1), 0);
                    FsrSR *sr = NULL;
                    assert_int_equal(fsr_sr_open_flags(&sr, m, 2, flags), 0);
                    assert_int_equal(fsr_sr_lr_input(sr), 1);
                    assert_int_equal(sr->layer[0].wino, kind == 2);
                    for (int tiling = 0; tiling < 2; tiling++) {
                        if (tiling)
                            assert_int_equal(fsr_sr_set_tile(sr, 16, 3), 0);
                        memset(out, 0, sizeof(float) * W * H);
                        assert_int_equal(fsr_sr_run_float(sr, out, W, in, w, w, h, 0, 0, W, H), 0);
                        const double e = rel_error(out, ref, (size_t)W * H);
                        if (e > 1e-4)
                            fail_msg("kind %d x%d %dx%d padding %d flags %u tiling %d: relative error %g", kind, scale,
                                     w, h, pad, flags, tiling, e);
                        /* a rectangle not aligned to the LR grid */
                        if (W > 5 && H > 5) {
                            const int x = 3, y = 1, rw = W - 5, rh = H - 4;
                            float *r = malloc(sizeof(float) * rw * rh);
                            assert_int_equal(fsr_sr_run_float(sr, r, rw, in, w, w, h, x, y, rw, rh), 0);
                            for (int yy = 0; yy < rh; yy++)
                                assert_memory_equal(r + (size_t)yy * rw, out + (size_t)(y + yy) * W + x,
                                                    sizeof(float) * rw);
                            free(r);
                        }
                    }
                    runs++;
                    fsr_sr_close(&sr);
                    fsr_model_close(&m);
                    free(in);
                    free(ref);
                    free(out);
                }
    assert_int_equal(runs, 3 * 3 * 2 * 4);
}

static void test_lr_engine_c_matches_reference(void **state)
{
    (void)state;
    lr_engine_matches_reference(0);
}

static void test_lr_engine_simd_matches_reference(void **state)
{
    (void)state;
    if (!(fsr_cpu_flags() & FSR_CPU_AVX2_FMA))
        skip();
    lr_engine_matches_reference(fsr_cpu_flags());
}

/* 8-bit API: 1 and 2 threads and another tiling give the same bytes, and
 * fsr_sr_picture takes the luma from the LR picture. */
static void test_lr_threads_identical(void **state)
{
    (void)state;
    FsrModel *m = random_lr_model(0, 3, FSR_PAD_REPLICATE, 5);
    const int w = 203, h = 97, W = 3 * w, H = 3 * h;
    uint8_t *in = random_plane(w, h, 9);
    uint8_t *a = luma_same_for_threads_and_tiles(m, in, w, h, W, H, 24, 5);
    /* a rectangle outside the HR output is refused */
    FsrSR *one = NULL;
    assert_int_equal(fsr_sr_open(&one, m, &(FsrSRSettings){ .threads = 1 }), 0);
    assert_true(fsr_sr_luma_rect(one, a, W, in, w, w, h, 1, 1, W, H) < 0);
    fsr_sr_close(&one);
    fsr_model_close(&m);
    free(in);
    free(a);
}

/* The transposed convolution's definition by scattering (each input pixel
 * adds w * value at HR s*y + ky - k/2, PyTorch's ConvTranspose2d with zero
 * padding) equals the reference's gather; and its phase rewrite
 * (fsr_conv_deconv_phases) followed by a pixel shuffle equals both, with
 * either padding. */
static void test_deconv_reference_and_phases(void **state)
{
    (void)state;
    for (int s = 2; s <= 4; s++)
        for (int k = 3; k <= 9; k += 2) {
            uint32_t seed = 40 + s * 10 + k;
            FsrConvLayer d = random_layer(3, 1, k, k, &seed);
            const int w = 11, h = 7, W = s * w, H = s * h, p = k / 2;
            float *in = malloc(sizeof(float) * 3 * w * h);
            for (int i = 0; i < 3 * w * h; i++)
                in[i] = frand(&seed, -1.f, 1.f);
            double *scat = calloc((size_t)W * H, sizeof(double));
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++) {
                                const int Y = s * y + ky - p, X = s * x + kx - p;
                                if (Y >= 0 && Y < H && X >= 0 && X < W)
                                    scat[(size_t)Y * W + X] += (double)d.weight[(c * k + ky) * k + kx] *
                                                               in[(c * h + y) * w + x];
                            }
            float *gat = malloc(sizeof(float) * W * H), *ph = malloc(sizeof(float) * W * H);
            float *mid = malloc(sizeof(float) * s * s * w * h);
            fsr_ref_deconv(gat, W, in, &d, s, FSR_PAD_ZERO, w, h);
            for (int i = 0; i < W * H; i++)
                if (fabs(gat[i] - (scat[i] + d.bias[0])) > 1e-5)
                    fail_msg("x%d k%d pixel %d: gather %g, scatter %g", s, k, i, gat[i], scat[i] + d.bias[0]);
            FsrConvLayer c;
            int shift = -1;
            assert_int_equal(fsr_conv_deconv_phases(&c, &d, s, &shift), 0);
            assert_int_equal(c.out_ch, s * s);
            assert_true(c.kh & 1);
            assert_true(shift >= 0 && shift < s);
            if (k == 9) /* FSRCNN: 5x5 phases at x2, 3x3 at x3 (shifted by 1) and x4 */
                assert_int_equal(c.kh, s == 2 ? 5 : 3);
            for (int pad = 0; pad < 2; pad++) {
                fsr_ref_deconv(gat, W, in, &d, s, pad, w, h);
                /* the phase conv over a plane one LR pixel larger on the
                 * right and bottom (its last row and column under the
                 * padding rule), shuffled, then shifted */
                const int w1 = w + 1, h1 = h + 1;
                float *in1 = malloc(sizeof(float) * 3 * w1 * h1), *mid1 = malloc(sizeof(float) * s * s * w1 * h1);
                float *ph1 = malloc(sizeof(float) * s * s * w1 * h1);
                (void)mid;
                for (int ch = 0; ch < 3; ch++)
                    for (int y = 0; y < h1; y++)
                        for (int x = 0; x < w1; x++)
                            in1[(ch * h1 + y) * w1 + x] =
                                y < h && x < w ? in[(ch * h + y) * w + x]
                                               : pad == FSR_PAD_ZERO ? 0.f
                                                                     : in[(ch * h + (y < h ? y : h - 1)) * w + (x < w ? x : w - 1)];
                /* (only the in-picture features are real: the extra row and
                 * column stand for the padding the tiles apply, and the
                 * convolution of the enlarged plane pads it again the same
                 * way, which for these rules is the same extension) */
                fsr_ref_conv(mid1, in1, &c, pad, w1, h1);
                fsr_ref_shuffle(ph1, s * w1, mid1, s, w1, h1);
                for (int Y = 0; Y < H; Y++)
                    for (int X = 0; X < W; X++) {
                        const float v = ph1[(size_t)(Y + shift) * s * w1 + X + shift];
                        if (fabs(gat[Y * W + X] - v) > 1e-5)
                            fail_msg("x%d k%d padding %d (%d,%d): deconv %g, phases %g", s, k, pad, X, Y,
                                     gat[Y * W + X], v);
                    }
                free(in1);
                free(mid1);
                free(ph1);
            }
            free(c.weight);
            free(c.bias);
            free_layer(&d);
            free(in);
            free(scat);
            free(gat);
            free(ph);
            free(mid);
        }
}

/* PReLU row kernel: AVX2 against C, bit for bit, planar and interleaved,
 * odd widths; and C against its definition. */
static void test_prelu_row(void **state)
{
    (void)state;
    FsrConvDSP c, simd;
    fsr_conv_dsp_init(&c, 0);
    fsr_conv_dsp_init(&simd, fsr_cpu_flags());
    uint32_t seed = 3;
    float slope[24];
    for (int i = 0; i < 24; i++)
        slope[i] = frand(&seed, -0.5f, 0.5f);
    for (int c8 = 0; c8 < 2; c8++)
        for (int width = 1; width < 40; width += 7) {
            const int ch = c8 ? 24 : 5;
            const ptrdiff_t cs = c8 ? 8 * 48 : 48;
            const size_t n = (size_t)(c8 ? 3 : ch) * cs;
            float *x = malloc(sizeof(float) * n), *a = malloc(sizeof(float) * n), *b = malloc(sizeof(float) * n);
            for (size_t i = 0; i < n; i++)
                x[i] = frand(&seed, -1.f, 1.f);
            memcpy(a, x, sizeof(float) * n);
            memcpy(b, x, sizeof(float) * n);
            c.prelu_row(a, cs, ch, slope, width, c8);
            simd.prelu_row(b, cs, ch, slope, width, c8);
            assert_memory_equal(a, b, sizeof(float) * n);
            for (int co = 0; co < ch; co++)
                for (int xx = 0; xx < width; xx++) {
                    const size_t at = c8 ? (size_t)(co / 8) * cs + xx * 8 + co % 8 : (size_t)co * cs + xx;
                    const float want = x[at] > 0.f ? x[at] : slope[co] * x[at];
                    assert_true(a[at] == want);
                }
            free(x);
            free(a);
            free(b);
        }
}

/* Output bytes: SIMD against C for every phase count and width, and C
 * against the definition (times 255, clamped, half up; NaN to 0), the
 * phases interleaved. */
static void test_phases_to_u8(void **state)
{
    (void)state;
    FsrConvDSP c, simd;
    fsr_conv_dsp_init(&c, 0);
    fsr_conv_dsp_init(&simd, fsr_cpu_flags());
    uint32_t seed = 11;
    enum { W = 70 };
    float src[4 * W];
    for (int i = 0; i < 4 * W; i++)
        src[i] = i % 5 == 1 ? ((float)(i % 256) + 0.5f) / 255.f : frand(&seed, -0.5f, 1.5f);
    src[3] = NAN, src[W + 2] = -1.f, src[2 * W] = 2.f;
    for (int sc = 1; sc <= 4; sc++)
        for (int n = 0; n <= W; n++) {
            uint8_t a[4 * W + 1], b[4 * W + 1];
            memset(a, 7, sizeof(a));
            memset(b, 7, sizeof(b));
            c.phases_to_u8(a, src, W, sc, n);
            simd.phases_to_u8(b, src, W, sc, n);
            assert_memory_equal(a, b, sizeof(a));
            for (int i = 0; i < n; i++)
                for (int k = 0; k < sc; k++) {
                    const float v = src[k * W + i] * 255.f;
                    const int want = !(v > 0.f) ? 0 : v >= 255.f ? 255 : (int)(v + 0.5f);
                    assert_int_equal(a[sc * i + k], want);
                }
            assert_int_equal(a[sc * n], 7);
        }
    assert_int_equal(fsr_float_to_u8(NAN), 0);
    assert_int_equal(fsr_float_to_u8(0.5f / 255.f), 1);
    assert_int_equal(fsr_float_to_u8(1.f), 255);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    const int ch[3] = { 1, 4, 1 }, k[2] = { 3, 3 };
    FsrModel *m = random_model(2, ch, k, 0, 3);
    FsrSR *sr = NULL;
    uint8_t buf[64 * 64];
    assert_true(fsr_sr_open(NULL, m, &(FsrSRSettings){ .threads = 1 }) < 0);
    assert_true(fsr_sr_open(&sr, NULL, &(FsrSRSettings){ .threads = 1 }) < 0);
    assert_null(sr);
    assert_true(fsr_sr_open(&sr, m, &(FsrSRSettings){ .threads = -1 }) < 0);
    m->layers[1].weight[0] = NAN;
    assert_true(fsr_sr_open(&sr, m, &(FsrSRSettings){ .threads = 1 }) < 0);
    m->layers[1].weight[0] = 0.f;
    assert_int_equal(fsr_sr_open(&sr, m, &(FsrSRSettings){ .threads = 1 }), 0);
    int mx = 0, my = 0;
    assert_int_equal(fsr_sr_margin(sr, &mx, &my), 0);
    assert_int_equal(mx, 2);
    assert_int_equal(my, 2);
    assert_true(fsr_sr_luma(NULL, buf, 64, buf, 64, 8, 8) < 0);
    assert_true(fsr_sr_luma(sr, NULL, 64, buf, 64, 8, 8) < 0);
    assert_true(fsr_sr_luma(sr, buf, 64, buf, 64, 0, 8) < 0);
    assert_true(fsr_sr_luma(sr, buf, 4, buf, 64, 8, 8) < 0);
    assert_true(fsr_sr_luma_rect(sr, buf, 64, buf, 64, 32, 32, 30, 0, 4, 4) < 0);
    assert_non_null(strstr(fsr_last_error(), "not inside"));
    assert_true(fsr_sr_luma_rect(sr, buf, 64, buf, 64, 32, 32, -1, 0, 4, 4) < 0);
    assert_true(fsr_sr_picture(sr, NULL, NULL) < 0);
    fsr_sr_close(&sr);
    fsr_sr_close(&sr); /* closing twice is harmless */
    fsr_sr_close(NULL);
    fsr_model_close(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_kernel_simd_vs_c),
        cmocka_unit_test(test_c8_kernel_c),
        cmocka_unit_test(test_c8_kernel_simd_vs_c),
        cmocka_unit_test(test_parts_kernel_c),
        cmocka_unit_test(test_parts_kernel_simd_vs_c),
        cmocka_unit_test(test_engine_c_matches_reference),
        cmocka_unit_test(test_engine_simd_matches_reference),
        cmocka_unit_test(test_engine_simd_levels),
        cmocka_unit_test(test_srcnn_size_c_matches_reference),
        cmocka_unit_test(test_srcnn_size_simd_matches_reference),
        cmocka_unit_test(test_threads_and_tiles_identical),
        cmocka_unit_test(test_rect_equals_whole_frame),
        cmocka_unit_test(test_winograd_matches_direct),
        cmocka_unit_test(test_winograd_tilings_identical),
        cmocka_unit_test(test_identity_picture),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_lr_engine_c_matches_reference),
        cmocka_unit_test(test_lr_engine_simd_matches_reference),
        cmocka_unit_test(test_lr_threads_identical),
        cmocka_unit_test(test_deconv_reference_and_phases),
        cmocka_unit_test(test_prelu_row),
        cmocka_unit_test(test_phases_to_u8),
    };
    return tu_result(cmocka_run_group_tests_name("sr", tests, NULL, NULL));
}
