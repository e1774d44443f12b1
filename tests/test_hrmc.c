/* The transfer's kernels: HR motion compensation (the C and the SIMD
 * kernel, each against the reference, on random blocks, every border,
 * phase and filter; exact copies for integer vectors; linear ramps interpolated exactly; 16-bit bounds of
 * every filter), the bi-prediction average and weights, and the fixed-point
 * residual path (exact to its reference, within 1 of the float bicubic);
 * the 16-bit kernels of the 10-bit path against their references and
 * against the 8-bit ones on samples << 2.  The SIMD checks skip, with the
 * reason, where only the C path exists. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bicubic_internal.h"
#include "cpu.h"
#include "h264_mc.h"
#include "hrmc.h"

#define PW 96
#define PH 80

static uint8_t plane[PH * PW];

static void fill_random(uint32_t seed)
{
    for (int i = 0; i < PW * PH; i++)
        plane[i] = (uint8_t)tu_rand(&seed);
}

static void test_filters_sum_to_64(void **state)
{
    (void)state;
    const char *names[] = { "bilinear", "bicubic", "h264", "cubic:-0.25", "cubic:0", "cubic:-1" };
    for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
        FsrHrFilter f;
        assert_int_equal(fsr_hr_filter_parse(&f, names[n]), 0);
        for (int q = 0; q < 4; q++) {
            int sum = 0;
            for (int k = 0; k < FSR_HRMC_TAPS; k++)
                sum += f.coef[q][k];
            assert_int_equal(sum, 64);
        }
        /* phase 0 is the identity */
        assert_int_equal(f.coef[0][2], 64);
    }
    FsrHrFilter f;
    assert_int_equal(fsr_hr_filter_parse(&f, "bicubic"), 0);
    const int16_t half[6] = { 0, -4, 36, 36, -4, 0 };
    assert_memory_equal(f.coef[2], half, sizeof(half));
    assert_int_equal(fsr_hr_filter_parse(&f, "cubic:0.5"), -1);
    assert_int_equal(fsr_hr_filter_parse(&f, "lanczos"), -1);
}

/* The kernels for the given CPU flags: 0 for the C ones. */
static FsrHrMcDSP hrmc_dsp(unsigned cpu_flags)
{
    FsrHrMcDSP dsp;
    fsr_hrmc_dsp_init(&dsp, cpu_flags);
    return dsp;
}

/* The C motion compensation, and the one this machine uses. */
static FsrHrMcFn hrmc_c(void)
{
    return hrmc_dsp(0).mc;
}

static FsrHrMcFn hrmc_cpu(void)
{
    return hrmc_dsp(fsr_cpu_flags()).mc;
}

static void hrmc_matches_reference(FsrHrMcFn fn)
{
    const char *names[] = { "bilinear", "bicubic", "h264", "cubic:-0.3", "cubic:0", "cubic:-1" }; /* cubic:0: 3 taps */
    const int sizes[][2] = { { 8, 8 }, { 16, 16 }, { 32, 32 }, { 16, 8 }, { 24, 48 }, { 64, 64 }, { 12, 20 } };
    FsrPlaneRef ref = { plane, PW, PW, PH, 0 };
    uint32_t seed = 17;
    fill_random(5);
    static uint8_t a[64 * 64], b[64 * 64];
    for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
        FsrHrFilter f;
        fsr_hr_filter_parse(&f, names[n]);
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
            for (int trial = 0; trial < 40; trial++) {
                const int bw = sizes[s][0], bh = sizes[s][1];
                /* positions and vectors that reach past every border */
                const int x = (int)(tu_rand(&seed) % (PW - bw + 1)), y = (int)(tu_rand(&seed) % (PH - bh + 1));
                const int dx4 = (int)(tu_rand(&seed) % 161) - 80, dy4 = (int)(tu_rand(&seed) % 161) - 80;
                fsr_hrmc_block_ref(a, 64, &ref, x, y, bw, bh, dx4, dy4, &f);
                fn(b, 64, &ref, x, y, bw, bh, dx4, dy4, &f);
                for (int j = 0; j < bh; j++)
                    if (memcmp(a + j * 64, b + j * 64, bw))
                        fail_msg("%s %dx%d at (%d,%d) mv (%d,%d): row %d differs", names[n], bw, bh, x, y, dx4, dy4,
                                 j);
            }
    }
}

/* The C kernel (its own windowed code, not the reference) on every machine. */
static void test_c_matches_reference(void **state)
{
    (void)state;
    FsrHrMcFn fn = hrmc_c();
    assert_true(fn != fsr_hrmc_block_ref);
    hrmc_matches_reference(fn);
}

static void test_simd_matches_reference(void **state)
{
    (void)state;
    FsrHrMcFn fn = hrmc_dsp(tu_require_simd()).mc;
    assert_true(fn != hrmc_c() && fn != fsr_hrmc_block_ref);
    hrmc_matches_reference(fn);
}

/* Known answers, with the C kernel and with the one this machine uses. */
static void test_integer_vector_copies(void **state)
{
    (void)state;
    fill_random(9);
    FsrPlaneRef ref = { plane, PW, PW, PH, 0 };
    FsrHrFilter f;
    fsr_hr_filter_parse(&f, "h264");
    const FsrHrMcFn fns[2] = { hrmc_c(), hrmc_cpu() };
    for (int k = 0; k < 2; k++) {
        uint8_t out[16 * 16];
        fns[k](out, 16, &ref, 20, 30, 16, 16, 4 * 7, -4 * 3, &f);
        for (int j = 0; j < 16; j++)
            assert_memory_equal(out + j * 16, plane + (27 + j) * PW + 27, 16);
    }
}

static void test_ramp_half_and_quarter_pel(void **state)
{
    (void)state;
    /* f(x, y) = 2x + y: every filter here reproduces linear functions */
    for (int y = 0; y < PH; y++)
        for (int x = 0; x < PW; x++)
            plane[y * PW + x] = (uint8_t)(2 * x + y);
    FsrPlaneRef ref = { plane, PW, PW, PH, 0 };
    const char *names[] = { "bilinear", "bicubic" };
    const FsrHrMcFn fns[2] = { hrmc_c(), hrmc_cpu() };
    for (int k = 0; k < 2; k++)
        for (int n = 0; n < 2; n++) {
            FsrHrFilter f;
            fsr_hr_filter_parse(&f, names[n]);
            uint8_t out[16 * 16];
            /* +2.5 px in x, +1.25 px in y: value 2*(x+2.5) + (y+1.25), rounded */
            fns[k](out, 16, &ref, 20, 20, 16, 16, 10, 5, &f);
            for (int j = 0; j < 16; j++)
                for (int i = 0; i < 16; i++) {
                    const double want = 2.0 * (20 + i + 2.5) + (20 + j + 1.25);
                    const int got = out[j * 16 + i];
                    if (got != (int)(want + 0.5))
                        fail_msg("%s %s (%d,%d): %d, want %.2f", k ? "active" : "C", names[n], i, j, got, want);
                }
        }
}

/* The bi-prediction weights: the reference (which is also the C path) on
 * known answers, and the SIMD kernel exactly against it. */
static void test_biweight_known(void **state)
{
    (void)state;
    /* equal weights 2^d are the plain average */
    uint8_t d = 1;
    const uint8_t s2 = 2;
    fsr_biweight_block_ref(&d, 1, &s2, 1, 1, 1, 5, 32, 32, 0);
    assert_int_equal(d, 2);
    /* ((p*w0 + s*w1 + 2^d) >> (d+1)) + o, clipped: (100*21 + 200*43 + 32) >> 6 = 167, +5 */
    d = 100;
    const uint8_t s200 = 200;
    fsr_biweight_block_ref(&d, 1, &s200, 1, 1, 1, 5, 21, 43, 5);
    assert_int_equal(d, 172);
    d = 250;
    fsr_biweight_block_ref(&d, 1, &s200, 1, 1, 1, 5, 32, 32, 100); /* 225 + 100: clipped */
    assert_int_equal(d, 255);
    d = 10;
    fsr_biweight_block_ref(&d, 1, &s200, 1, 1, 1, 6, 128, -128, -9); /* (1280 - 25600 + 64) >> 7 = -190: clipped */
    assert_int_equal(d, 0);
}

static void test_biweight_simd_vs_ref(void **state)
{
    (void)state;
    const FsrBiWeightFn biweight = hrmc_dsp(tu_require_simd()).biweight;
    assert_true(biweight != fsr_biweight_block_ref);
    enum { W = 40, H = 6 };
    uint8_t a[W * H], b[W * H], src[48 * H];
    uint32_t seed = 9;
    const int cases[][4] = { { 5, 21, 43, 0 }, { 5, 32, 32, 0 }, { 0, 1, 1, 0 }, { 6, -30, 128, 7 },
                             { 7, 128, -128, -9 }, { 2, 3, 5, 100 }, { 6, 0, 64, -128 } };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
        for (int w = 8; w <= W; w += 8) {
            for (int i = 0; i < W * H; i++)
                a[i] = b[i] = (uint8_t)tu_rand(&seed);
            for (int i = 0; i < 48 * H; i++)
                src[i] = (uint8_t)tu_rand(&seed);
            a[0] = b[0] = src[0] = 255; /* extremes */
            a[1] = b[1] = src[1] = 0;
            fsr_biweight_block_ref(a, W, src, 48, w, H, cases[c][0], cases[c][1], cases[c][2], cases[c][3]);
            biweight(b, W, src, 48, w, H, cases[c][0], cases[c][1], cases[c][2], cases[c][3]);
            assert_memory_equal(a, b, sizeof(a));
        }
}

/* The SIMD kernel keeps both passes in 16 bits: the worst case of every
 * filter and phase (all-255 under positive taps, 0 under negative ones)
 * must stay below 2^15 in the horizontal sum and in the vertical one. */
static void test_sixteen_bit_bounds(void **state)
{
    (void)state;
    const char *names[] = { "bilinear", "bicubic", "h264", "cubic:0", "cubic:-0.5", "cubic:-1" };
    for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
        FsrHrFilter f;
        assert_int_equal(fsr_hr_filter_parse(&f, names[n]), 0);
        for (int qx = 0; qx < 4; qx++)
            for (int qy = 0; qy < 4; qy++) {
                int pos = 0, neg = 0, vpos = 0, vneg = 0;
                for (int k = 0; k < FSR_HRMC_TAPS; k++) {
                    pos += f.coef[qx][k] > 0 ? f.coef[qx][k] : 0;
                    neg += f.coef[qx][k] < 0 ? -f.coef[qx][k] : 0;
                    vpos += f.coef[qy][k] > 0 ? f.coef[qy][k] : 0;
                    vneg += f.coef[qy][k] < 0 ? -f.coef[qy][k] : 0;
                }
                assert_true(255 * (pos + neg) < 32768);
                const int row_max = (255 * pos + 32) >> 6, row_min = (-255 * neg + 32) >> 6;
                assert_true(vpos * row_max - vneg * row_min + 32 < 32768);
                assert_true(vpos * row_min - vneg * row_max + 32 >= -32768);
            }
    }
}

/* The average: the reference (also the C path) rounds up, as H.264's
 * default bi-prediction; the SIMD kernel matches it exactly. */
static void test_avg_known(void **state)
{
    (void)state;
    uint8_t d[4] = { 1, 0, 255, 100 };
    const uint8_t s[4] = { 2, 0, 254, 103 };
    fsr_avg_block_ref(d, 4, s, 4, 4, 1);
    assert_int_equal(d[0], 2);
    assert_int_equal(d[1], 0);
    assert_int_equal(d[2], 255);
    assert_int_equal(d[3], 102);
}

static void test_avg_simd_vs_ref(void **state)
{
    (void)state;
    const FsrAvgFn avg = hrmc_dsp(tu_require_simd()).avg;
    assert_true(avg != fsr_avg_block_ref);
    uint8_t a[40 * 7], b[40 * 7], src[48 * 7];
    uint32_t seed = 3;
    for (int i = 0; i < 48 * 7; i++)
        src[i] = (uint8_t)tu_rand(&seed);
    for (int w = 1; w <= 40; w++) {
        for (int i = 0; i < 40 * 7; i++)
            a[i] = b[i] = (uint8_t)tu_rand(&seed);
        fsr_avg_block_ref(a, 40, src, 48, w, 7);
        avg(b, 40, src, 48, w, 7);
        assert_memory_equal(a, b, sizeof(a));
    }
}

/* The fixed-point residual path: the reference (which is also the C path)
 * within 1 of the project's float bicubic (fsr_bicubic_plane_s16) on
 * residuals of real magnitude, and with_simd, the SIMD kernel exact to the
 * reference on every block size and scale (extreme values included). */
static void up_residual(unsigned simd_flags)
{
    const int with_simd = simd_flags != 0;
    FsrAddUpResidualFn fn = hrmc_dsp(simd_flags).add_up_residual;
    if (with_simd)
        assert_true(fn != fsr_add_up_residual_ref);
    uint32_t seed = 5;
    enum { HS = 4 * FSR_UPRES_MAX };
    static uint8_t a[HS * HS], b[HS * HS], base[HS * HS];
    static int16_t up[HS * HS];
    int16_t res[FSR_UPRES_MAX * 20];
    for (int s = 2; s <= 4; s++) {
        FsrUpResPhases ph;
        fsr_upres_phases(&ph, s);
        for (int p = 0; p < s; p++) /* each weight rounded (1 -> 32767): within 3 of 1 in 1/32768 */
            assert_true(abs(ph.w[p][0] + ph.w[p][1] + ph.w[p][2] + ph.w[p][3] - 32768) <= 3);
        for (int w = 1; w <= FSR_UPRES_MAX; w++)
            for (int h = 1; h <= FSR_UPRES_MAX; h += (h < 4 ? 1 : 3)) {
                for (int trial = 0; trial < 3; trial++) {
                    const int extreme = trial == 2;
                    for (int i = 0; i < FSR_UPRES_MAX * 20; i++)
                        res[i] = extreme ? (int16_t)(tu_rand(&seed) & 1 ? 32767 - (int)(tu_rand(&seed) % 3)
                                                                         : -32768 + (int)(tu_rand(&seed) % 3))
                                         : (int16_t)((int)(tu_rand(&seed) % 511) - 255);
                    for (int i = 0; i < HS * HS; i++)
                        a[i] = b[i] = base[i] = (uint8_t)tu_rand(&seed);
                    /* residual rows 20 apart: a plane wider than the block */
                    fsr_add_up_residual_ref(a, HS, res, 20, w, h, &ph);
                    if (with_simd) {
                        fn(b, HS, res, 20, w, h, &ph);
                        for (int j = 0; j < HS; j++)
                            if (memcmp(a + j * HS, b + j * HS, HS))
                                fail_msg("x%d %dx%d trial %d: row %d differs", s, w, h, trial, j);
                        continue;
                    }
                    if (extreme)
                        continue;
                    assert_int_equal(fsr_bicubic_plane_s16(up, HS, res, 20, w, h, s), 0);
                    for (int j = 0; j < h * s; j++)
                        for (int i = 0; i < w * s; i++) {
                            int want = base[j * HS + i] + up[j * HS + i];
                            want = want < 0 ? 0 : want > 255 ? 255 : want;
                            if (abs(a[j * HS + i] - want) > 1)
                                fail_msg("x%d %dx%d (%d,%d): %d, float path %d", s, w, h, i, j, a[j * HS + i], want);
                        }
                }
            }
    }
}

TU_C_AND_SIMD_TESTS(up_residual, test_up_residual_ref, test_up_residual_simd_vs_ref)

/* ---- 16-bit samples (the 10-bit path) ---- */

static uint16_t plane16[PH * PW];

/* The motion compensation of dsp (flags) against fsr_hrmc_block16_ref on
 * random 10-bit planes and on 0/max planes at 10 and 14 bits (the AVX2
 * kernel's limit), every filter, every quarter phase, past every border. */
static void mc16_matches_reference(unsigned cpu_flags)
{
    const FsrHrMc16Fn fn = hrmc_dsp(cpu_flags).mc16;
    assert_true(fn != fsr_hrmc_block16_ref);
    if (cpu_flags)
        assert_true(fn != hrmc_dsp(0).mc16);
    const char *names[] = { "bilinear", "bicubic", "h264", "cubic:-0.3", "cubic:0", "cubic:-1" };
    const int sizes[][2] = { { 8, 8 }, { 16, 16 }, { 32, 32 }, { 16, 8 }, { 24, 48 }, { 64, 64 }, { 12, 20 }, { 5, 3 } };
    const FsrPlaneRef ref = { (const uint8_t *)plane16, 2 * PW, PW, PH, 0 };
    static uint16_t a[64 * 64], b[64 * 64];
    uint32_t seed = 31;
    for (int pass = 0; pass < 3; pass++) {
        const int max = pass == 2 ? 16383 : 1023;
        for (int i = 0; i < PW * PH; i++)
            plane16[i] = (uint16_t)(pass == 0 ? tu_rand(&seed) % (max + 1) : (tu_rand(&seed) & 1) * max);
        for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
            FsrHrFilter f;
            fsr_hr_filter_parse(&f, names[n]);
            for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
                for (int trial = 0; trial < 32; trial++) {
                    const int bw = sizes[s][0], bh = sizes[s][1];
                    const int x = (int)(tu_rand(&seed) % (PW - bw + 1)), y = (int)(tu_rand(&seed) % (PH - bh + 1));
                    const int dx4 = 4 * ((int)(tu_rand(&seed) % 41) - 20) + (trial & 3);
                    const int dy4 = 4 * ((int)(tu_rand(&seed) % 41) - 20) + ((trial >> 2) & 3);
                    fsr_hrmc_block16_ref(a, 128, &ref, x, y, bw, bh, dx4, dy4, &f, max);
                    fn(b, 128, &ref, x, y, bw, bh, dx4, dy4, &f, max);
                    for (int j = 0; j < bh; j++)
                        if (memcmp(a + j * 64, b + j * 64, sizeof(uint16_t) * bw))
                            fail_msg("max %d %s %dx%d at (%d,%d) mv (%d,%d): row %d differs", max, names[n], bw, bh,
                                     x, y, dx4, dy4, j);
                }
        }
    }
}

TU_C_AND_SIMD_TESTS(mc16_matches_reference, test_mc16_c_matches_reference, test_mc16_simd_matches_reference)

/* The 16-bit add_up_residual of dsp (flags) against its reference: 10-bit
 * residuals up to +-1023 (and beyond the clamp) on pictures at 0, at the
 * maximum and random, every block size and scale. */
static void up_residual16_matches_reference(unsigned cpu_flags)
{
    const FsrAddUpResidual16Fn fn = hrmc_dsp(cpu_flags).add_up_residual16;
    if (cpu_flags)
        assert_true(fn != fsr_add_up_residual16_ref);
    enum { HS = 4 * FSR_UPRES_MAX };
    static uint16_t a[HS * HS], b[HS * HS];
    int16_t res[FSR_UPRES_MAX * 20];
    uint32_t seed = 77;
    for (int s = 2; s <= 4; s++) {
        FsrUpResPhases ph;
        fsr_upres_phases(&ph, s);
        for (int w = 1; w <= FSR_UPRES_MAX; w++)
            for (int h = 1; h <= FSR_UPRES_MAX; h += (h < 4 ? 1 : 3))
                for (int kind = 0; kind < 4; kind++) {
                    const int max = kind == 3 ? 65535 : 1023;
                    for (int i = 0; i < FSR_UPRES_MAX * 20; i++)
                        res[i] = (int16_t)(kind == 0   ? (int)(tu_rand(&seed) % 2047) - 1023
                                           : kind == 3 ? (int)(tu_rand(&seed) % 65536) - 32768
                                                       : (tu_rand(&seed) & 1 ? 1023 : -1023));
                    for (int i = 0; i < HS * HS; i++)
                        a[i] = b[i] = (uint16_t)(kind == 1 ? (tu_rand(&seed) & 1) * max : tu_rand(&seed) % (max + 1));
                    fsr_add_up_residual16_ref(a, 2 * HS, res, 20, w, h, &ph, max);
                    fn(b, 2 * HS, res, 20, w, h, &ph, max);
                    for (int j = 0; j < HS; j++)
                        if (memcmp(a + j * HS, b + j * HS, 2 * HS))
                            fail_msg("x%d %dx%d kind %d: row %d differs", s, w, h, kind, j);
                }
    }
}

TU_C_AND_SIMD_TESTS(up_residual16_matches_reference, test_up_residual16_c_matches_reference,
                    test_up_residual16_simd_vs_ref)

/* A 10-bit picture whose samples are 8-bit samples << 2 gives, through
 * every 16-bit kernel of dsp (flags), the 8-bit result << 2 within the
 * 8-bit roundings (half an 8-bit level, 2 at 10 bits, each): the same
 * filters, phases, fixed point and weights at either depth.  One rounding
 * for average and weights (within 2); the residual's adds a quarter of an
 * 8-bit level of fixed-point tap roundings (within 3); the motion compensation
 * rounds its rows too, an error the vertical taps grow (within 5 for
 * bilinear and 6 for H.264's half pel); its 10-bit result is also checked
 * against the exact filter, within its own roundings. */
/* The 8-bit white, 255 << 2, is 1020: a 10-bit result clipped at 1023
 * compares with it capped there. */
static inline int cap(int v)
{
    return v < 1020 ? v : 1020;
}

static void hbd_matches_8bit(unsigned cpu_flags)
{
    const FsrHrMcDSP d = hrmc_dsp(cpu_flags);
    uint32_t seed = 3;
    int worst = 0, worst_mc = 0, worst_res = 0;
    /* motion compensation, on a random and on a smooth plane */
    const FsrPlaneRef ref8 = { plane, PW, PW, PH, 0 }, ref16 = { (const uint8_t *)plane16, 2 * PW, PW, PH, 0 };
    const char *names[] = { "bilinear", "bicubic", "h264", "cubic:-1" };
    static uint8_t a8[32 * 32];
    static uint16_t a16[32 * 32];
    for (int smooth = 0; smooth < 2; smooth++) {
        for (int i = 0; i < PW * PH; i++) {
            plane[i] = smooth ? (uint8_t)(128 + 100 * sin(i % PW * 0.3) * cos(i / PW * 0.2)) : (uint8_t)tu_rand(&seed);
            plane16[i] = (uint16_t)(plane[i] << 2);
        }
        for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
            FsrHrFilter f;
            fsr_hr_filter_parse(&f, names[n]);
            for (int trial = 0; trial < 64; trial++) {
                const int bw = trial & 1 ? 16 : 13, bh = 16 + (trial & 2);
                const int x = (int)(tu_rand(&seed) % (PW - bw + 1)), y = (int)(tu_rand(&seed) % (PH - bh + 1));
                const int dx4 = (int)(tu_rand(&seed) % 161) - 80, dy4 = (int)(tu_rand(&seed) % 161) - 80;
                d.mc(a8, 32, &ref8, x, y, bw, bh, dx4, dy4, &f);
                d.mc16(a16, 64, &ref16, x, y, bw, bh, dx4, dy4, &f, 1023);
                /* each pass rounds (half a level, the row's error grown by
                 * the vertical taps' absolute sum): at 8 bits that is 4 times
                 * as many 10-bit levels */
                int ix, iy, qx, qy, vsum = 0;
                fsr_hrmc_split4(dx4, &ix, &qx);
                fsr_hrmc_split4(dy4, &iy, &qy);
                for (int k = 0; k < FSR_HRMC_TAPS; k++)
                    vsum += abs(f.coef[qy][k]);
                const double round10 = 0.5 + 0.5 * vsum / 64.0;
                const int bound = (int)(5 * round10);
                for (int j = 0; j < bh; j++)
                    for (int i = 0; i < bw; i++) {
                        const int e = abs(cap(a16[j * 32 + i]) - (a8[j * 32 + i] << 2));
                        worst_mc = e > worst_mc ? e : worst_mc;
                        if (e > bound)
                            fail_msg("mc %s smooth %d (%d,%d): %d, 8-bit %d << 2", names[n], smooth, i, j,
                                     a16[j * 32 + i], a8[j * 32 + i]);
                        /* and the 10-bit result within its own roundings of the exact filter */
                        double exact = 0;
                        for (int ky = 0; ky < FSR_HRMC_TAPS; ky++)
                            for (int kx = 0; kx < FSR_HRMC_TAPS; kx++) {
                                const int sy = y + j + iy + ky - 2, sx = x + i + ix + kx - 2;
                                exact += f.coef[qy][ky] * f.coef[qx][kx] *
                                         plane16[(sy < 0 ? 0 : sy >= PH ? PH - 1 : sy) * PW +
                                                 (sx < 0 ? 0 : sx >= PW ? PW - 1 : sx)];
                            }
                        exact = fmin(1023.0, fmax(0.0, exact / 4096.0));
                        if (fabs(a16[j * 32 + i] - exact) > round10 + 1e-9)
                            fail_msg("mc16 %s (%d,%d): %d, exact %.3f", names[n], i, j, a16[j * 32 + i], exact);
                    }
            }
        }
    }
    /* the residual */
    enum { HS = 4 * FSR_UPRES_MAX };
    static uint8_t b8[HS * HS];
    static uint16_t b16[HS * HS];
    int16_t res8[FSR_UPRES_MAX * FSR_UPRES_MAX], res16[FSR_UPRES_MAX * FSR_UPRES_MAX];
    for (int s = 2; s <= 4; s++) {
        FsrUpResPhases ph;
        fsr_upres_phases(&ph, s);
        for (int trial = 0; trial < 40; trial++) {
            const int w = 1 + (int)(tu_rand(&seed) % FSR_UPRES_MAX), h = 1 + (int)(tu_rand(&seed) % FSR_UPRES_MAX);
            for (int i = 0; i < FSR_UPRES_MAX * FSR_UPRES_MAX; i++) {
                res8[i] = (int16_t)((int)(tu_rand(&seed) % 511) - 255);
                res16[i] = (int16_t)(res8[i] * 4);
            }
            for (int i = 0; i < HS * HS; i++) {
                b8[i] = (uint8_t)tu_rand(&seed);
                b16[i] = (uint16_t)(b8[i] << 2);
            }
            d.add_up_residual(b8, HS, res8, FSR_UPRES_MAX, w, h, &ph);
            d.add_up_residual16(b16, 2 * HS, res16, FSR_UPRES_MAX, w, h, &ph, 1023);
            for (int i = 0; i < HS * HS; i++) {
                const int e = abs(cap(b16[i]) - (b8[i] << 2));
                worst_res = e > worst_res ? e : worst_res;
                if (e > 3)
                    fail_msg("residual x%d %dx%d at %d: %d, 8-bit %d << 2", s, w, h, i, b16[i], b8[i]);
            }
        }
    }
    /* average, weights, explicit weighting */
    uint8_t p8[64], q8[64];
    uint16_t p16[64], q16[64];
    for (int trial = 0; trial < 200; trial++) {
        for (int i = 0; i < 64; i++) {
            p8[i] = (uint8_t)tu_rand(&seed);
            q8[i] = (uint8_t)tu_rand(&seed);
            p16[i] = (uint16_t)(p8[i] << 2);
            q16[i] = (uint16_t)(q8[i] << 2);
        }
        const int kind = trial % 3;
        const int dd = (int)(tu_rand(&seed) % 8), w0 = (int)(tu_rand(&seed) % 257) - 128;
        const int w1 = (int)(tu_rand(&seed) % 257) - 128, o = (int)(tu_rand(&seed) % 256) - 128;
        if (kind == 0) {
            d.avg(p8, 16, q8, 16, 16, 4);
            d.avg16(p16, 32, q16, 32, 16, 4);
        } else if (kind == 1) {
            d.biweight(p8, 16, q8, 16, 16, 4, dd, w0, w1, o);
            d.biweight16(p16, 32, q16, 32, 16, 4, dd, w0, w1, o * 4, 1023);
        } else {
            fsr_h264_weight(p8, 16, 16, 4, dd, w0, o);
            fsr_h264_weight16(p16, 32, 16, 4, dd, w0, o * 4, 1023);
        }
        for (int i = 0; i < 64; i++) {
            const int e = abs(cap(p16[i]) - (p8[i] << 2));
            worst = e > worst ? e : worst;
            if (e > 2)
                fail_msg("kind %d d %d w %d %d o %d at %d: %d, 8-bit %d << 2", kind, dd, w0, w1, o, i, p16[i], p8[i]);
        }
    }
    print_message("16-bit kernels vs 8-bit << 2: mc %d, residual %d, others %d levels apart at most\n", worst_mc,
                  worst_res, worst);
}

TU_C_AND_SIMD_TESTS(hbd_matches_8bit, test_hbd_c_matches_8bit, test_hbd_simd_matches_8bit)

/* Known answers of the 16-bit kernels: an integer vector copies, the clip
 * is at bitdepth_max, the explicit weighting's formula. */
static void test_hbd_known(void **state)
{
    (void)state;
    uint32_t seed = 12;
    for (int i = 0; i < PW * PH; i++)
        plane16[i] = (uint16_t)(tu_rand(&seed) & 1023);
    const FsrPlaneRef ref = { (const uint8_t *)plane16, 2 * PW, PW, PH, 0 };
    FsrHrFilter f;
    fsr_hr_filter_parse(&f, "h264");
    const FsrHrMc16Fn fns[2] = { hrmc_dsp(0).mc16, hrmc_dsp(fsr_cpu_flags()).mc16 };
    for (int k = 0; k < 2; k++) {
        uint16_t out[16 * 16];
        fns[k](out, 32, &ref, 20, 30, 16, 16, 4 * 7, -4 * 3, &f, 1023);
        for (int j = 0; j < 16; j++)
            assert_memory_equal(out + j * 16, plane16 + (27 + j) * PW + 27, 32);
        /* all 1023 under H.264's half-pel overshoot: stays 1023 */
        for (int i = 0; i < PW * PH; i++)
            plane16[i] = (uint16_t)(i % 2 ? 1023 : 0);
        fns[k](out, 32, &ref, 20, 30, 16, 16, 2, 2, &f, 1023);
        for (int i = 0; i < 256; i++)
            assert_true(out[i] <= 1023);
        for (int i = 0; i < PW * PH; i++)
            plane16[i] = (uint16_t)(tu_rand(&seed) & 1023);
    }
    /* (p * w + 2^(d-1)) >> d + offset, clipped to [0, 1023] */
    uint16_t p[4] = { 1000, 3, 512, 700 };
    fsr_h264_weight16(p, 8, 4, 1, 5, 40, 8, 1023);
    assert_int_equal(p[0], 1023);                       /* 1250 + 8: clipped */
    assert_int_equal(p[1], ((3 * 40 + 16) >> 5) + 8);  /* 4 + 8 */
    assert_int_equal(p[2], 648);
    assert_int_equal(p[3], ((700 * 40 + 16) >> 5) + 8); /* 875 + 8 */
    p[0] = 10;
    fsr_h264_weight16(p, 8, 1, 1, 0, -3, 4, 1023); /* no rounding term at log2_denom 0: -30 + 4 clipped */
    assert_int_equal(p[0], 0);
    /* biweight: the clip at the depth's maximum */
    uint16_t a = 1000;
    const uint16_t b = 1020;
    fsr_biweight_block16_ref(&a, 2, &b, 2, 1, 1, 5, 32, 32, 40, 1023);
    assert_int_equal(a, 1023);
    a = 1000;
    fsr_biweight_block16_ref(&a, 2, &b, 2, 1, 1, 5, 32, 32, 0, 4095);
    assert_int_equal(a, 1010);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters_sum_to_64),
        cmocka_unit_test(test_c_matches_reference),
        cmocka_unit_test(test_simd_matches_reference),
        cmocka_unit_test(test_integer_vector_copies),
        cmocka_unit_test(test_ramp_half_and_quarter_pel),
        cmocka_unit_test(test_up_residual_ref),
        cmocka_unit_test(test_up_residual_simd_vs_ref),
        cmocka_unit_test(test_avg_known),
        cmocka_unit_test(test_avg_simd_vs_ref),
        cmocka_unit_test(test_biweight_known),
        cmocka_unit_test(test_biweight_simd_vs_ref),
        cmocka_unit_test(test_sixteen_bit_bounds),
        cmocka_unit_test(test_mc16_c_matches_reference),
        cmocka_unit_test(test_mc16_simd_matches_reference),
        cmocka_unit_test(test_up_residual16_c_matches_reference),
        cmocka_unit_test(test_up_residual16_simd_vs_ref),
        cmocka_unit_test(test_hbd_c_matches_8bit),
        cmocka_unit_test(test_hbd_simd_matches_8bit),
        cmocka_unit_test(test_hbd_known),
    };
    return tu_result(cmocka_run_group_tests_name("hrmc", tests, NULL, NULL));
}
