/* The accelerator as an SR backend: the fast fixed-point forward pass against
 * the plain reference (bit-exact), 16-bit results against a float conv, the
 * frame cost against the model, and the transfer cost against hand counts. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "accel.h"

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

static void compare_ref_fast(int word_bits, int acc_bits, int rounding, int padding, int w, int h)
{
    TestModel t;
    make_model(&t, 8, 4, 5, 3, 3, padding, 1234u + word_bits + acc_bits + padding);
    FsrAccelArch a;
    fsr_accel_arch_eyeriss_v1(&a);
    a.word_bits = word_bits;
    a.acc_bits = acc_bits;
    a.rounding = rounding;
    AccelQModel q;
    assert_int_equal(accel_qmodel_build(&q, &t.m, &a), 0);
    const ptrdiff_t ss = w + 7, ds = w + 3;
    uint8_t *src = make_image(h, ss, 99u + w);
    uint8_t *r = malloc((size_t)ds * h), *f = malloc((size_t)ds * h);
    int64_t zr[3], zf[3];
    assert_int_equal(accel_sr_luma_ref(r, ds, src, ss, w, h, &q, zr), 0);
    /* The CPU's best kernel (AVX2 pairs for 16-bit words), then plain C. */
    for (int plain = 0; plain < 2; plain++) {
        if (plain)
            setenv("FASTSR_CPU", "c", 1);
        memset(f, 0, (size_t)ds * h);
        assert_int_equal(accel_sr_luma_fast(f, ds, src, ss, w, h, &q, zf), 0);
        unsetenv("FASTSR_CPU");
        for (int y = 0; y < h; y++)
            assert_memory_equal(r + y * ds, f + y * ds, w);
        assert_memory_equal(zr, zf, sizeof(zr));
    }
    /* The public entry point is the fast path. */
    assert_int_equal(fsr_accel_sr_luma(f, ds, src, ss, w, h, &t.m, &a, NULL), 0);
    for (int y = 0; y < h; y++)
        assert_memory_equal(r + y * ds, f + y * ds, w);
    accel_qmodel_free(&q);
    free(src);
    free(r);
    free(f);
    free_model(&t);
}

static void test_fast_matches_reference(void **state)
{
    (void)state;
    /* int32 path (acc <= 32 bits) and int64 path, both roundings, both
     * paddings, 16- and 8-bit words, odd sizes including 1-pixel planes. */
    compare_ref_fast(16, 32, FSR_ACCEL_ROUND_NEAREST, FSR_PAD_REPLICATE, 37, 23);
    compare_ref_fast(16, 48, FSR_ACCEL_ROUND_NEAREST, FSR_PAD_ZERO, 31, 17);
    compare_ref_fast(16, 32, FSR_ACCEL_ROUND_TRUNCATE, FSR_PAD_ZERO, 19, 29);
    compare_ref_fast(8, 24, FSR_ACCEL_ROUND_NEAREST, FSR_PAD_REPLICATE, 33, 13);
    compare_ref_fast(8, 32, FSR_ACCEL_ROUND_TRUNCATE, FSR_PAD_REPLICATE, 1, 9);
    compare_ref_fast(12, 40, FSR_ACCEL_ROUND_NEAREST, FSR_PAD_ZERO, 8, 1);
    /* Widths around the 32- and 8-pixel blocks of the vector kernel. */
    compare_ref_fast(16, 32, FSR_ACCEL_ROUND_NEAREST, FSR_PAD_ZERO, 64, 5);
    compare_ref_fast(16, 32, FSR_ACCEL_ROUND_TRUNCATE, FSR_PAD_REPLICATE, 71, 4);
    compare_ref_fast(12, 32, FSR_ACCEL_ROUND_NEAREST, FSR_PAD_REPLICATE, 33, 6);
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

static void float_closeness(int padding, int word_bits, int acc_bits, double max_tol, double mean_tol)
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
    assert_int_equal(fsr_accel_sr_luma(fx, w, src, w, w, h, &t.m, &a, NULL), 0);
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
}

static void test_16bit_close_to_float(void **state)
{
    (void)state;
    float_closeness(FSR_PAD_REPLICATE, 16, 32, 1, 0.05);
    float_closeness(FSR_PAD_ZERO, 16, 48, 1, 0.05);
}

static void test_8bit_is_coarser(void **state)
{
    (void)state;
    /* 8-bit words keep only 6 fractional bits of the [0, 1] output (steps
     * of 4 grey levels): further from float (measured max 10, mean 1.7),
     * but still the same picture. */
    float_closeness(FSR_PAD_REPLICATE, 8, 32, 16, 3.0);
}

static void test_quantiser_errors(void **state)
{
    (void)state;
    TestModel t;
    make_model(&t, 8, 4, 5, 3, 3, FSR_PAD_ZERO, 1u);
    FsrAccelArch a;
    fsr_accel_arch_eyeriss_v1(&a);
    AccelQModel q;
    /* A 16-bit accumulator cannot hold 8 x 25 products of 16-bit words. */
    a.acc_bits = 16;
    assert_true(accel_qmodel_build(&q, &t.m, &a) < 0);
    assert_non_null(strstr(fsr_last_error(), "accumulator"));
    fsr_accel_arch_eyeriss_v1(&a);
    t.layers[1].in_ch = 7; /* chain broken */
    assert_true(accel_qmodel_build(&q, &t.m, &a) < 0);
    assert_non_null(strstr(fsr_last_error(), "layer 2"));
    t.layers[1].in_ch = 8;
    uint8_t px[4] = { 0 };
    assert_true(fsr_accel_sr_luma(px, 2, px, 2, 3, 2, &t.m, &a, NULL) < 0); /* stride < width */
    free_model(&t);
}

static void test_frame_cost_matches_model(void **state)
{
    (void)state;
    TestModel t;
    make_model(&t, 64, 32, 9, 5, 5, FSR_PAD_REPLICATE, 3u);
    FsrAccelArch a;
    fsr_accel_arch_eyeriss_v1(&a);
    FsrAccelFrameCost c;
    assert_int_equal(fsr_accel_frame_cost(&c, &a, &t.m, 320, 180), 0);
    /* SRCNN 9-5-5 is 57,184 MACs per pixel. */
    assert_int_equal(c.macs, (int64_t)57184 * 320 * 180);
    FsrAccelNet *net = NULL;
    assert_int_equal(fsr_accel_net_builtin(&net, "srcnn-9-5-5", 320, 180), 0);
    FsrAccelReport *rep = NULL;
    assert_int_equal(fsr_accel_eval_net(&rep, &a, net, 1, NULL), 0);
    assert_int_equal(c.cycles, rep->total.cycles);
    assert_true(fabs(c.energy - rep->total.energy_total) <= 1e-9 * c.energy);
    assert_true(fabs(c.seconds - rep->total.cycles / a.clock_hz) < 1e-12);
    assert_string_equal(c.energy_unit, "mac");
    FsrAccelFrameCost cn;
    assert_int_equal(fsr_accel_net_frame_cost(&cn, &a, net), 0);
    assert_int_equal(cn.cycles, c.cycles);
    assert_int_equal(cn.dram_bytes, c.dram_bytes);
    /* The SR call reports the same cost. */
    const int w = 24, h = 16;
    uint8_t *src = make_image(h, w, 8u), *dst = malloc(w * h);
    FsrAccelFrameCost c2, c3;
    assert_int_equal(fsr_accel_sr_luma(dst, w, src, w, w, h, &t.m, &a, &c2), 0);
    assert_int_equal(fsr_accel_frame_cost(&c3, &a, &t.m, w, h), 0);
    assert_int_equal(c2.cycles, c3.cycles);
    assert_int_equal(c2.macs, (int64_t)57184 * w * h);
    /* A prepared context gives the same pixels and cost, frame after frame
     * and across sizes. */
    FsrAccelSr *ctx = NULL;
    assert_int_equal(fsr_accel_sr_open(&ctx, &t.m, &a), 0);
    uint8_t *dst2 = malloc(w * h);
    for (int k = 0; k < 2; k++) {
        FsrAccelFrameCost c4;
        assert_int_equal(fsr_accel_sr_run(ctx, dst2, w, src, w, w, h, &c4), 0);
        assert_memory_equal(dst, dst2, w * h);
        assert_int_equal(c4.cycles, c2.cycles);
        assert_int_equal(fsr_accel_sr_run(ctx, dst2, w / 2, src, w, w / 2, h / 2, &c4), 0);
        assert_int_equal(c4.macs, (int64_t)57184 * (w / 2) * (h / 2));
    }
    assert_true(fsr_accel_sr_run(ctx, dst2, w, src, w, 0, h, NULL) < 0);
    fsr_accel_sr_close(&ctx);
    assert_null(ctx);
    /* With RLC and zero gating the cost uses this frame's measured zeros:
     * the hidden layers' ReLU outputs have some, so energy drops. */
    a.rlc = a.zero_gating = 1;
    AccelQModel q;
    assert_int_equal(accel_qmodel_build(&q, &t.m, &a), 0);
    int64_t zeros[3];
    assert_int_equal(accel_sr_luma_ref(dst2, w, src, w, w, h, &q, zeros), 0);
    accel_qmodel_free(&q);
    assert_true(zeros[1] > 0);
    assert_int_equal(fsr_accel_sr_open(&ctx, &t.m, &a), 0);
    FsrAccelFrameCost c5;
    assert_int_equal(fsr_accel_sr_run(ctx, dst2, w, src, w, w, h, &c5), 0);
    fsr_accel_sr_close(&ctx);
    assert_memory_equal(dst, dst2, w * h); /* the pixels do not change */
    assert_true(c5.energy < c2.energy);
    assert_true(c5.dram_bytes <= c2.dram_bytes);
    assert_int_equal(c5.macs, c2.macs);
    /* ... and equal what the model gives for those zero fractions. */
    FsrAccelNet *zn = NULL;
    assert_int_equal(fsr_accel_net_from_model(&zn, &t.m, w, h), 0);
    for (int i = 0; i < 3; i++) {
        zn->layers[i].ifmap_zeros = zeros[i] / ((double)w * h * t.layers[i].in_ch);
        if (i)
            zn->layers[i - 1].ofmap_zeros = zn->layers[i].ifmap_zeros;
    }
    FsrAccelReport *zr = NULL;
    assert_int_equal(fsr_accel_eval_net(&zr, &a, zn, 1, NULL), 0);
    assert_int_equal(zr->total.cycles, c5.cycles);
    assert_true(fabs(zr->total.energy_total - c5.energy) <= 1e-9 * c5.energy);
    fsr_accel_report_free(&zr);
    fsr_accel_net_free(&zn);
    free(dst2);
    free(src);
    free(dst);
    fsr_accel_report_free(&rep);
    fsr_accel_net_free(&net);
    free_model(&t);
}

static void test_transfer_cost_hand_count(void **state)
{
    (void)state;
    FsrAccelArch a;
    fsr_accel_arch_eyeriss_v1(&a);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_matches_reference),
        cmocka_unit_test(test_16bit_close_to_float),
        cmocka_unit_test(test_8bit_is_coarser),
        cmocka_unit_test(test_quantiser_errors),
        cmocka_unit_test(test_frame_cost_matches_model),
        cmocka_unit_test(test_transfer_cost_hand_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
