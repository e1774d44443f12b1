/* Bicubic upscaler: hand-computed values, MATLAB-style alignment, and both
 * the C row kernels (a table filled for no CPU features, so they are tested
 * on AVX2 machines too) and the SIMD ones against the plain C reference, for
 * 8-bit and 16-bit planes; LR consistency and back projection at 8 and 10
 * bits.  The SIMD checks skip, with the reason, where only the C path
 * exists. */
#include "testutil.h"

#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "bicubic_internal.h"
#include "cpu.h"
#include "fastsr/eval.h"

static void test_kernel_values(void **state)
{
    (void)state;
    /* Keys a=-0.5: k(0)=1, k(1)=0, k(2)=0, k(0.5)=0.5625, k(1.5)=-0.0625. */
    assert_true(fabs(fsr_cubic_kernel(0.0) - 1.0) < 1e-12);
    assert_true(fabs(fsr_cubic_kernel(1.0)) < 1e-12);
    assert_true(fabs(fsr_cubic_kernel(2.0)) < 1e-12);
    assert_true(fabs(fsr_cubic_kernel(0.5) - 0.5625) < 1e-12);
    assert_true(fabs(fsr_cubic_kernel(-1.5) + 0.0625) < 1e-12);
    assert_true(fabs(fsr_cubic_kernel(0.25) - 0.8671875) < 1e-12);
}

static void test_phases_x2(void **state)
{
    (void)state;
    /* x2: output 2j sits at j-0.25 -> taps j-2..j+1 with distances 1.75,
     * 0.75, 0.25, 1.25: weights -0.0234375, 0.2265625, 0.8671875, -0.0703125. */
    FsrBicubicPhases ph;
    fsr_bicubic_phases(&ph, 2);
    assert_int_equal(ph.offset[0], -2);
    assert_int_equal(ph.offset[1], -1);
    const float w0[4] = { -0.0234375f, 0.2265625f, 0.8671875f, -0.0703125f };
    for (int i = 0; i < 4; i++) {
        assert_true(fabsf(ph.weight[0][i] - w0[i]) < 1e-7f);
        assert_true(fabsf(ph.weight[1][i] - w0[3 - i]) < 1e-7f);
    }
}

static void test_hand_computed_x2(void **state)
{
    (void)state;
    /* A 4x1 ramp 0,100,200,100 (rows mirrored, so every row is the same).
     * Output 2: at x=0.75 between 100 (j=1) ... taps 0,100,200,100 with the
     * phase-0 weights of output 2*1: positions -1->mirror 0, 0, 1, 2:
     * -0.0234375*0 + 0.2265625*0 + 0.8671875*100 + -0.0703125*200 = 72.65625 -> 73 */
    const uint8_t src[4] = { 0, 100, 200, 100 };
    uint8_t dst[2 * 8];
    assert_int_equal(fsr_bicubic_plane_ref(dst, 8, src, 4, 4, 1, 2), 0);
    assert_int_equal(dst[2], 73);
    /* Output 1 (phase 1 of j=0): taps -1,0,1,2 -> mirrored 0,0,100,200 with
     * weights -0.0703125, 0.8671875, 0.2265625, -0.0234375 = 17.96875 -> 18. */
    assert_int_equal(dst[1], 18);
    /* Constant input stays constant (weights sum to one). */
    uint8_t flat[6 * 5];
    memset(flat, 77, sizeof(flat));
    uint8_t out[18 * 15];
    assert_int_equal(fsr_bicubic_plane(out, 18, flat, 6, 6, 5, 3), 0);
    for (int i = 0; i < 18 * 15; i++)
        assert_int_equal(out[i], 77);
}

static void compare_with_reference(const FsrBicubicDSP *dsp, int w, int h, int scale, uint32_t seed, int smooth)
{
    const int ss = w + 3, ds = w * scale + 5;
    uint8_t *src = malloc((size_t)ss * h);
    uint8_t *a = malloc((size_t)ds * h * scale), *b = malloc((size_t)ds * h * scale);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < ss; x++)
            src[y * ss + x] = smooth ? (uint8_t)((x * 7 + y * 3) & 255) : (uint8_t)tu_rand(&seed);
    assert_int_equal(fsr_bicubic_plane_ref(a, ds, src, ss, w, h, scale), 0);
    assert_int_equal(fsr_bicubic_plane_dsp(dsp, b, ds, src, ss, w, h, scale), 0);
    for (int y = 0; y < h * scale; y++)
        assert_memory_equal(a + y * ds, b + y * ds, (size_t)w * scale);
    free(src);
    free(a);
    free(b);
}

static void plane_matches_reference(unsigned cpu_flags)
{
    FsrBicubicDSP dsp;
    fsr_bicubic_dsp_init(&dsp, cpu_flags);
    static const int sizes[][2] = { { 1, 1 }, { 2, 3 }, { 7, 5 }, { 8, 8 }, { 9, 4 },
                                    { 17, 13 }, { 33, 2 }, { 64, 31 }, { 333, 67 } };
    for (int scale = 2; scale <= 4; scale++)
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
            compare_with_reference(&dsp, sizes[i][0], sizes[i][1], scale, 1234u + (uint32_t)i, 0);
            compare_with_reference(&dsp, sizes[i][0], sizes[i][1], scale, 99u, 1);
        }
    compare_with_reference(&dsp, 480, 270, 2, 7u, 0); /* big enough for OpenMP */
}

TU_C_AND_SIMD_TESTS(plane_matches_reference, test_c_matches_reference, test_simd_matches_reference)

static void test_region_matches_plane(void **state)
{
    (void)state;
    const int w = 37, h = 29;
    uint8_t src[37 * 29];
    uint32_t seed = 8;
    for (int i = 0; i < w * h; i++)
        src[i] = (uint8_t)tu_rand(&seed);
    for (int s = 2; s <= 4; s++) {
        uint8_t *full = malloc((size_t)w * h * s * s), *reg = malloc((size_t)w * h * s * s);
        assert_int_equal(fsr_bicubic_plane(full, w * s, src, w, w, h, s), 0);
        static const int rects[][4] = { { 0, 0, 8, 8 }, { 29, 21, 8, 8 }, { 5, 3, 16, 8 }, { 1, 1, 1, 1 },
                                        { 0, 10, 37, 4 }, { 36, 28, 1, 1 } };
        for (int r = 0; r < 6; r++) {
            const int rx = rects[r][0], ry = rects[r][1], rw = rects[r][2], rh = rects[r][3];
            memset(reg, 0, (size_t)w * h * s * s);
            assert_int_equal(fsr_bicubic_region(reg + ry * s * w * s + rx * s, w * s, src, w, w, h, s, rx, ry, rw, rh), 0);
            for (int y = ry * s; y < (ry + rh) * s; y++)
                assert_memory_equal(reg + y * w * s + rx * s, full + y * w * s + rx * s, (size_t)rw * s);
        }
        assert_true(fsr_bicubic_region(reg, w * s, src, w, w, h, s, 30, 0, 8, 8) < 0);
        free(full);
        free(reg);
    }
}

static void test_bad_arguments(void **state)
{
    (void)state;
    uint8_t buf[64] = { 0 };
    assert_true(fsr_bicubic_plane(buf, 8, buf, 8, 2, 2, 5) < 0);
    assert_non_null(strstr(fsr_last_error(), "scale 5"));
    assert_true(fsr_bicubic_plane(buf, 8, buf, 8, 0, 2, 2) < 0);
    assert_true(fsr_bicubic_plane(NULL, 8, buf, 8, 2, 2, 2) < 0);
}

/* The residual-block kernel against the reference, random residual blocks
 * (blocks up to 64 wide take the block kernel, wider ones the reference). */
static void s16_matches_reference(unsigned cpu_flags)
{
    FsrBicubicDSP dsp;
    fsr_bicubic_dsp_init(&dsp, cpu_flags);
    uint32_t seed = 21;
    static const int bs[][2] = { { 16, 16 }, { 8, 8 }, { 16, 8 }, { 8, 16 }, { 3, 5 }, { 1, 1 }, { 64, 2 }, { 61, 3 } };
    for (int s = 2; s <= 4; s++)
        for (size_t k = 0; k < sizeof(bs) / sizeof(bs[0]); k++) {
            const int w = bs[k][0], h = bs[k][1];
            int16_t in[64 * 16], a[256 * 64], b[256 * 64];
            for (int i = 0; i < w * h; i++)
                in[i] = (int16_t)((int)(tu_rand(&seed) % 511) - 255);
            in[0] = 32767; /* beyond what the kernels may round back into range */
            if (w * h > 1)
                in[w * h - 1] = -32768;
            assert_int_equal(fsr_bicubic_plane_s16_ref(a, w * s, in, w, w, h, s), 0);
            assert_int_equal(fsr_bicubic_plane_s16_dsp(&dsp, b, w * s, in, w, w, h, s), 0);
            assert_memory_equal(a, b, sizeof(int16_t) * w * h * s * s);
        }
}

TU_C_AND_SIMD_TESTS(s16_matches_reference, test_s16_c_matches_reference, test_s16_simd_matches_reference)

static void test_s16_known(void **state)
{
    (void)state;
    int16_t src[3 * 2] = { -40, 0, 40, -40, 0, 40 };
    int16_t dst[6 * 4];
    assert_int_equal(fsr_bicubic_plane_s16(dst, 6, src, 3, 3, 2, 2), 0);
    /* Odd symmetry: the middle column's outputs are +-x of each other. */
    for (int y = 0; y < 4; y++) {
        assert_int_equal(dst[y * 6 + 2], -dst[y * 6 + 3]);
        assert_true(dst[y * 6 + 0] < 0 && dst[y * 6 + 5] > 0);
    }
    /* Rows are all equal (mirrored), so the vertical pass changes nothing.
     * Output 2 (phase 0 of column 1): taps -1..2 -> mirrored -40,-40,0,40,
     * -0.0234375*-40 + 0.2265625*-40 + 0.8671875*0 - 0.0703125*40 = -10.9375
     * -> -11; output 1 (phase 1 of column 0): the same taps with the phase-1
     * weights -0.0703125, 0.8671875, 0.2265625, -0.0234375 = -32.8125 -> -33
     * (all exact in binary). */
    for (int y = 0; y < 4; y++) {
        assert_int_equal(dst[y * 6 + 2], -11);
        assert_int_equal(dst[y * 6 + 1], -33);
    }
}

/* LR consistency: an HR picture whose imresize downscale (rounded) is the
 * LR picture is consistent to rounding everywhere; a block of it moved by
 * a few pixels (a transfer gone wrong) shows in its own cells only. */
static void test_lr_consistency(void **state)
{
    (void)state;
    for (int s = 2; s <= 4; s++) {
        enum { LW = 44, LH = 30, CELL = 8 };
        const int hw = LW * s, hh = LH * s, cw = (LW + CELL - 1) / CELL, ch = (LH + CELL - 1) / CELL;
        uint8_t *hr = malloc((size_t)hw * hh), *lr = malloc((size_t)LW * LH);
        double *hd = malloc(sizeof(double) * hw * hh), *ld = malloc(sizeof(double) * LW * LH);
        float *err = malloc(sizeof(float) * cw * ch);
        for (int y = 0; y < hh; y++)
            for (int x = 0; x < hw; x++) {
                const double v = 128 + 60 * sin(x * 0.7 / s) * cos(y * 0.45 / s) + 30 * sin((x + 2 * y) * 0.2 / s);
                hr[y * hw + x] = (uint8_t)lrint(v);
                hd[y * hw + x] = hr[y * hw + x];
            }
        assert_int_equal(fsr_imresize(ld, LW, LH, hd, hw, hh), 0);
        for (int i = 0; i < LW * LH; i++)
            lr[i] = (uint8_t)lrint(fmin(255, fmax(0, ld[i])));
        assert_int_equal(fsr_lr_consistency(err, cw, ch, CELL, hr, hw, lr, LW, LW, LH, s), 0);
        for (int i = 0; i < cw * ch; i++)
            assert_true(err[i] <= 0.5f);
        /* cell (2, 1): its HR block shifted by 3 HR pixels */
        for (int y = 1 * CELL * s; y < 2 * CELL * s; y++)
            memmove(hr + y * hw + 2 * CELL * s, hr + y * hw + 2 * CELL * s + 3, CELL * s);
        assert_int_equal(fsr_lr_consistency(err, cw, ch, CELL, hr, hw, lr, LW, LW, LH, s), 0);
        for (int cy = 0; cy < ch; cy++)
            for (int cx = 0; cx < cw; cx++) {
                const float e = err[cy * cw + cx];
                if (cx == 2 && cy == 1)
                    assert_true(e > 5.f);
                else if (abs(cx - 2) > 1 || abs(cy - 1) > 1) /* beyond the filter's reach */
                    assert_true(e <= 0.5f);
            }
        /* a rectangle of cells gives the same values and leaves the rest */
        float *part = malloc(sizeof(float) * cw * ch);
        for (int r0 = 0; r0 < 3; r0++) {
            const int cx0 = r0, cy0 = r0 % 2, cx1 = cw - (r0 == 1), cy1 = ch - (r0 == 2) * 2;
            for (int i = 0; i < cw * ch; i++)
                part[i] = -1.f;
            assert_int_equal(fsr_lr_consistency_cells(part, cw, ch, CELL, hr, hw, lr, LW, LW, LH, s, cx0, cy0, cx1, cy1),
                             0);
            for (int cy = 0; cy < ch; cy++)
                for (int cx = 0; cx < cw; cx++) {
                    const int in = cx >= cx0 && cx < cx1 && cy >= cy0 && cy < cy1;
                    assert_true(in ? part[cy * cw + cx] == err[cy * cw + cx] : part[cy * cw + cx] == -1.f);
                }
        }
        assert_true(fsr_lr_consistency_cells(part, cw, ch, CELL, hr, hw, lr, LW, LW, LH, s, 2, 0, 2, ch) < 0);
        free(part);
        /* bad arguments */
        assert_true(fsr_lr_consistency(err, cw + 1, ch, CELL, hr, hw, lr, LW, LW, LH, s) < 0);
        assert_true(fsr_lr_consistency(err, cw, ch, CELL, hr, hw, lr, LW, LW, LH, 5) < 0);
        assert_true(fsr_lr_consistency(err, cw, ch, CELL, hr, hw - 1, lr, LW, LW, LH, s) < 0);
        assert_true(fsr_lr_consistency(NULL, cw, ch, CELL, hr, hw, lr, LW, LW, LH, s) < 0);
        free(hr);
        free(lr);
        free(hd);
        free(ld);
        free(err);
    }
}

/* Back projection (fsr_lr_error + fsr_back_project): the per-pixel error
 * is the LR picture minus the imresize downscale of the HR picture (to a
 * quarter level), its cells are fsr_lr_consistency's; an HR picture that is
 * 6 levels too bright everywhere comes back to within a level of the
 * consistent one; cells it skips are left byte for byte; and the
 * result does not depend on the thread count. */
static void test_back_projection(void **state)
{
    (void)state;
    for (int s = 2; s <= 4; s++) {
        const int LW = s == 2 ? 300 : 60, LH = s == 2 ? 200 : 40, CELL = 8; /* x2: big enough for threads */
        const int hw = LW * s, hh = LH * s, cw = (LW + CELL - 1) / CELL, ch = (LH + CELL - 1) / CELL;
        uint8_t *hr = malloc((size_t)hw * hh), *lr = malloc((size_t)LW * LH), *bad = malloc((size_t)hw * hh);
        uint8_t *err = malloc((size_t)LW * LH), *err1 = malloc((size_t)LW * LH), *up = malloc((size_t)hw * hh);
        uint8_t *skip = malloc((size_t)cw * ch);
        double *hd = malloc(sizeof(double) * hw * hh), *ld = malloc(sizeof(double) * LW * LH);
        float *cells = malloc(sizeof(float) * cw * ch), *cells_ref = malloc(sizeof(float) * cw * ch);
        for (int y = 0; y < hh; y++)
            for (int x = 0; x < hw; x++) {
                const double v = 120 + 50 * sin(x * 0.7 / s) * cos(y * 0.45 / s) + 25 * sin((x + 2 * y) * 0.2 / s);
                hr[y * hw + x] = (uint8_t)lrint(v);
                bad[y * hw + x] = (uint8_t)(hr[y * hw + x] + 6);
                hd[y * hw + x] = bad[y * hw + x];
            }
        /* LR: the consistent picture's downscale; ld: the bad one's */
        double *hd0 = malloc(sizeof(double) * hw * hh), *ld0 = malloc(sizeof(double) * LW * LH);
        for (int i = 0; i < hw * hh; i++)
            hd0[i] = hr[i];
        assert_int_equal(fsr_imresize(ld0, LW, LH, hd0, hw, hh), 0);
        for (int i = 0; i < LW * LH; i++)
            lr[i] = (uint8_t)lrint(fmin(255, fmax(0, ld0[i])));
        assert_int_equal(fsr_imresize(ld, LW, LH, hd, hw, hh), 0);
        assert_int_equal(fsr_lr_error(cells, err, cw, ch, CELL, bad, hw, lr, LW, LW, LH, s), 0);
        assert_int_equal(fsr_lr_consistency(cells_ref, cw, ch, CELL, bad, hw, lr, LW, LW, LH, s), 0);
        assert_memory_equal(cells, cells_ref, sizeof(float) * cw * ch);
        for (int i = 0; i < LW * LH; i++)
            assert_true(fabs((err[i] - FSR_LR_ERROR_ZERO) - FSR_LR_ERROR_STEPS * (lr[i] - ld[i])) <= 1.01);
        assert_int_equal(fsr_lr_error(NULL, err1, cw, ch, CELL, bad, hw, lr, LW, LW, LH, s), 0);
        assert_memory_equal(err, err1, (size_t)LW * LH);
#ifdef _OPENMP
        omp_set_num_threads(1);
        assert_int_equal(fsr_lr_error(cells_ref, err1, cw, ch, CELL, bad, hw, lr, LW, LW, LH, s), 0);
        omp_set_num_threads(omp_get_num_procs());
        assert_memory_equal(err, err1, (size_t)LW * LH);
        assert_memory_equal(cells, cells_ref, sizeof(float) * cw * ch);
#endif
        /* every cell on: back to within a level (rounding of LR and error) */
        uint8_t *fixed = malloc((size_t)hw * hh);
        memcpy(fixed, bad, (size_t)hw * hh);
        assert_int_equal(fsr_back_project(fixed, hw, err, up, LW, LH, s, NULL, CELL), 0);
        for (int i = 0; i < hw * hh; i++)
            assert_true(abs(fixed[i] - hr[i]) <= 1);
        /* the left half of the cells skipped: untouched there */
        for (int i = 0; i < cw * ch; i++)
            skip[i] = i % cw < cw / 2;
        memcpy(fixed, bad, (size_t)hw * hh);
        assert_int_equal(fsr_lr_error(NULL, err, cw, ch, CELL, bad, hw, lr, LW, LW, LH, s), 0);
        assert_int_equal(fsr_back_project(fixed, hw, err, up, LW, LH, s, skip, CELL), 0);
        for (int y = 0; y < hh; y++)
            for (int x = 0; x < hw; x++) {
                /* the bicubic upscale of the error reaches 2 LR pixels
                 * into the corrected half: corrected less there, no more */
                if (!skip[(y / s / CELL) * cw + x / s / CELL])
                    assert_true(abs(fixed[y * hw + x] - hr[y * hw + x]) <= (x / s >= cw / 2 * CELL + 2 ? 1 : 6));
                else
                    assert_int_equal(fixed[y * hw + x], bad[y * hw + x]);
            }
        assert_true(fsr_lr_error(NULL, NULL, cw, ch, CELL, bad, hw, lr, LW, LW, LH, s) < 0);
        assert_true(fsr_lr_error(cells, err, cw + 1, ch, CELL, bad, hw, lr, LW, LW, LH, s) < 0);
        assert_true(fsr_back_project(fixed, hw, NULL, up, LW, LH, s, NULL, CELL) < 0);
        free(hr), free(lr), free(bad), free(err), free(err1), free(up), free(skip), free(hd), free(ld);
        free(hd0), free(ld0), free(cells), free(cells_ref), free(fixed);
    }
    /* the byte coding of the error */
    assert_int_equal(fsr_lr_error_byte(0.f), FSR_LR_ERROR_ZERO);
    assert_int_equal(fsr_lr_error_byte(1000.f), 255);
    assert_int_equal(fsr_lr_error_byte(-1000.f), 0);
    assert_int_equal(fsr_lr_error_value(FSR_LR_ERROR_ZERO), 0);
    assert_int_equal(fsr_lr_error_value(FSR_LR_ERROR_ZERO + 2), 1);  /* +0.5 up */
    assert_int_equal(fsr_lr_error_value(FSR_LR_ERROR_ZERO - 2), 0);  /* -0.5 up */
    assert_int_equal(fsr_lr_error_value(FSR_LR_ERROR_ZERO - 3), -1);
    assert_int_equal(fsr_lr_error_value(fsr_lr_error_byte(-5.f)), -5);
}

/* ---- 16-bit planes (the 10-bit path) ---- */

/* fsr_bicubic_plane16 with the kernels of dsp against the reference: mode
 * 0 random samples, 1 each 0 or the maximum (every overshoot clipped), 2
 * smooth; strides in bytes, odd ones in samples. */
static void compare16_with_reference(const FsrBicubicDSP *dsp, int w, int h, int scale, int max, uint32_t seed,
                                     int mode)
{
    const int ss = w + 3, ds = w * scale + 5;
    uint16_t *src = malloc(sizeof(uint16_t) * ss * h);
    uint16_t *a = malloc(sizeof(uint16_t) * ds * h * scale), *b = malloc(sizeof(uint16_t) * ds * h * scale);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < ss; x++)
            src[y * ss + x] = (uint16_t)(mode == 0   ? tu_rand(&seed) % (max + 1)
                                         : mode == 1 ? (tu_rand(&seed) & 1) * max
                                                     : (uint32_t)((x * 29 + y * 11) % (max + 1)));
    assert_int_equal(fsr_bicubic_plane16_ref(a, 2 * ds, src, 2 * ss, w, h, scale, max), 0);
    assert_int_equal(fsr_bicubic_plane16_dsp(dsp, b, 2 * ds, src, 2 * ss, w, h, scale, max), 0);
    for (int y = 0; y < h * scale; y++)
        assert_memory_equal(a + y * ds, b + y * ds, sizeof(uint16_t) * w * scale);
    free(src);
    free(a);
    free(b);
}

static void plane16_matches_reference(unsigned cpu_flags)
{
    FsrBicubicDSP dsp;
    fsr_bicubic_dsp_init(&dsp, cpu_flags);
    static const int sizes[][2] = { { 1, 1 }, { 2, 3 }, { 7, 5 }, { 8, 8 }, { 9, 4 },
                                    { 17, 13 }, { 33, 2 }, { 64, 31 }, { 333, 67 } };
    static const int maxes[] = { 1023, 4095, 65535 };
    for (int scale = 2; scale <= 4; scale++)
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
            for (int m = 0; m < 3; m++)
                for (int mode = 0; mode < 3; mode++)
                    compare16_with_reference(&dsp, sizes[i][0], sizes[i][1], scale, maxes[m], 4321u + (uint32_t)i,
                                             mode);
    compare16_with_reference(&dsp, 480, 270, 2, 1023, 7u, 0); /* big enough for OpenMP */
}

TU_C_AND_SIMD_TESTS(plane16_matches_reference, test_plane16_c_matches_reference, test_plane16_simd_matches_reference)

/* A 10-bit plane of 8-bit samples << 2 upscales to the 8-bit result << 2
 * within 2 levels (the 8-bit rounding, half an 8-bit level), the 8-bit
 * white (1020) compared with the 10-bit result capped there; a region is
 * the plane's pixels; a picture of either depth goes through
 * fsr_bicubic_picture, whose destination must have the source's depth. */
static void test_plane16_behaviour(void **state)
{
    (void)state;
    const int w = 37, h = 29;
    uint8_t src8[37 * 29];
    uint16_t src16[37 * 29];
    uint32_t seed = 5;
    for (int i = 0; i < w * h; i++) {
        src8[i] = (uint8_t)(i % 5 ? tu_rand(&seed) : (uint32_t)(i % 2) * 255);
        src16[i] = (uint16_t)(src8[i] << 2);
    }
    int worst = 0;
    for (int s = 2; s <= 4; s++) {
        uint8_t *d8 = malloc((size_t)w * h * s * s);
        uint16_t *d16 = malloc(sizeof(uint16_t) * w * h * s * s), *reg = malloc(sizeof(uint16_t) * w * h * s * s);
        assert_int_equal(fsr_bicubic_plane(d8, w * s, src8, w, w, h, s), 0);
        assert_int_equal(fsr_bicubic_plane16(d16, 2 * w * s, src16, 2 * w, w, h, s, 1023), 0);
        for (int i = 0; i < w * h * s * s; i++) {
            const int e = abs((d16[i] < 1020 ? d16[i] : 1020) - (d8[i] << 2));
            worst = e > worst ? e : worst;
            assert_true(d16[i] <= 1023);
            if (e > 2)
                fail_msg("x%d at %d: %d, 8-bit %d << 2", s, i, d16[i], d8[i]);
        }
        static const int rects[][4] = { { 0, 0, 8, 8 }, { 29, 21, 8, 8 }, { 5, 3, 16, 8 }, { 1, 1, 1, 1 },
                                        { 0, 10, 37, 4 }, { 36, 28, 1, 1 } };
        for (int r = 0; r < 6; r++) {
            const int rx = rects[r][0], ry = rects[r][1], rw = rects[r][2], rh = rects[r][3];
            memset(reg, 0, sizeof(uint16_t) * w * h * s * s);
            assert_int_equal(fsr_bicubic_region16(reg + ry * s * w * s + rx * s, 2 * w * s, src16, 2 * w, w, h, s, rx,
                                                  ry, rw, rh, 1023),
                             0);
            for (int y = ry * s; y < (ry + rh) * s; y++)
                assert_memory_equal(reg + y * w * s + rx * s, d16 + y * w * s + rx * s, sizeof(uint16_t) * rw * s);
        }
        assert_true(fsr_bicubic_region16(reg, 2 * w * s, src16, 2 * w, w, h, s, 30, 0, 8, 8, 1023) < 0);
        free(d8);
        free(d16);
        free(reg);
    }
    print_message("16-bit bicubic vs 8-bit << 2: at most %d levels apart\n", worst);
    /* pictures */
    FsrPicture lo = { 0 }, hi = { 0 }, lo8 = { 0 }, hi8 = { 0 };
    assert_int_equal(fsr_picture_open_depth(&lo, 21, 13, 10), 0);
    assert_int_equal(fsr_picture_open_depth(&hi, 42, 26, 10), 0);
    assert_int_equal(fsr_picture_open(&lo8, 21, 13), 0);
    assert_int_equal(fsr_picture_open(&hi8, 42, 26), 0);
    for (int c = 0; c < 3; c++) {
        const int pw = c ? fsr_chroma_w(21) : 21, ph = c ? fsr_chroma_h(13) : 13;
        for (int y = 0; y < ph; y++)
            for (int x = 0; x < pw; x++)
                ((uint16_t *)(void *)(lo.data[c] + y * lo.stride[c]))[x] = (uint16_t)(tu_rand(&seed) & 1023);
    }
    assert_int_equal(fsr_bicubic_picture(&hi, &lo, 2), 0);
    for (int c = 0; c < 3; c++) {
        const int pw = c ? fsr_chroma_w(21) : 21, ph = c ? fsr_chroma_h(13) : 13;
        uint16_t *want = malloc(sizeof(uint16_t) * pw * ph * 4);
        assert_int_equal(fsr_bicubic_plane16_ref(want, 4 * pw, (const uint16_t *)(void *)lo.data[c], lo.stride[c], pw,
                                                 ph, 2, 1023),
                         0);
        for (int y = 0; y < 2 * ph; y++)
            assert_memory_equal(hi.data[c] + y * hi.stride[c], want + y * 2 * pw, sizeof(uint16_t) * 2 * pw);
        free(want);
    }
    assert_true(fsr_bicubic_picture(&hi8, &lo, 2) < 0);
    assert_non_null(strstr(fsr_last_error(), "bits a sample"));
    assert_true(fsr_bicubic_picture(&hi, &lo8, 2) < 0);
    assert_int_equal(fsr_bicubic_picture(&hi8, &lo8, 2), 0);
    fsr_picture_close(&lo);
    fsr_picture_close(&hi);
    fsr_picture_close(&lo8);
    fsr_picture_close(&hi8);
    /* bad arguments */
    uint16_t buf[64] = { 0 };
    assert_true(fsr_bicubic_plane16(buf, 16, buf, 16, 2, 2, 2, 0) < 0);
    assert_true(fsr_bicubic_plane16(buf, 16, buf, 16, 2, 2, 2, 65536) < 0);
    assert_true(fsr_bicubic_plane16(buf, 15, buf, 16, 2, 2, 2, 1023) < 0);
    assert_true(fsr_bicubic_plane16(buf, 16, buf, 16, 2, 2, 5, 1023) < 0);
    assert_int_equal(fsr_bicubic_plane16(buf, 16, buf + 32, 8, 2, 2, 2, 1023), 0);
}

/* A smooth HR test picture at 8 bits, rounded. */
static double smooth_at(int x, int y, int s)
{
    return 120 + 50 * sin(x * 0.7 / s) * cos(y * 0.45 / s) + 25 * sin((x + 2 * y) * 0.2 / s);
}

/* The cells of a 10-bit picture, in 8-bit levels, are those of its 8-bit
 * counterpart (samples << 2) within 0.05, for the whole plane and for a
 * rectangle of cells, with a block gone wrong too. */
static void test_lr_consistency16(void **state)
{
    (void)state;
    for (int s = 2; s <= 4; s++) {
        enum { LW = 44, LH = 30, CELL = 8 };
        const int hw = LW * s, hh = LH * s, cw = (LW + CELL - 1) / CELL, ch = (LH + CELL - 1) / CELL;
        uint8_t *hr = malloc((size_t)hw * hh), *lr = malloc((size_t)LW * LH);
        uint16_t *hr16 = malloc(sizeof(uint16_t) * hw * hh), *lr16 = malloc(sizeof(uint16_t) * LW * LH);
        double *hd = malloc(sizeof(double) * hw * hh), *ld = malloc(sizeof(double) * LW * LH);
        float *e8 = malloc(sizeof(float) * cw * ch), *e16 = malloc(sizeof(float) * cw * ch);
        for (int y = 0; y < hh; y++)
            for (int x = 0; x < hw; x++)
                hd[y * hw + x] = hr[y * hw + x] = (uint8_t)lrint(smooth_at(x, y, s));
        assert_int_equal(fsr_imresize(ld, LW, LH, hd, hw, hh), 0);
        for (int i = 0; i < LW * LH; i++)
            lr[i] = (uint8_t)lrint(fmin(255, fmax(0, ld[i])));
        /* cell (2, 1) wrong: its HR block shifted by 3 HR pixels */
        for (int y = 1 * CELL * s; y < 2 * CELL * s; y++)
            memmove(hr + y * hw + 2 * CELL * s, hr + y * hw + 2 * CELL * s + 3, CELL * s);
        for (int i = 0; i < hw * hh; i++)
            hr16[i] = (uint16_t)(hr[i] << 2);
        for (int i = 0; i < LW * LH; i++)
            lr16[i] = (uint16_t)(lr[i] << 2);
        assert_int_equal(fsr_lr_consistency(e8, cw, ch, CELL, hr, hw, lr, LW, LW, LH, s), 0);
        assert_int_equal(fsr_lr_error16(e16, NULL, cw, ch, CELL, hr16, 2 * hw, lr16, 2 * LW, LW, LH, s, 10), 0);
        for (int i = 0; i < cw * ch; i++)
            if (fabsf(e8[i] - e16[i]) > 0.05f)
                fail_msg("x%d cell %d: 10-bit %f, 8-bit %f", s, i, e16[i], e8[i]);
        assert_true(e16[1 * cw + 2] > 5.f);
        float *part = malloc(sizeof(float) * cw * ch);
        for (int i = 0; i < cw * ch; i++)
            part[i] = -1.f;
        assert_int_equal(
            fsr_lr_consistency_cells16(part, cw, ch, CELL, hr16, 2 * hw, lr16, 2 * LW, LW, LH, s, 1, 1, cw - 1, ch, 10),
            0);
        for (int cy = 0; cy < ch; cy++)
            for (int cx = 0; cx < cw; cx++) {
                const int in = cx >= 1 && cx < cw - 1 && cy >= 1;
                assert_true(in ? part[cy * cw + cx] == e16[cy * cw + cx] : part[cy * cw + cx] == -1.f);
            }
        /* bad arguments: byte strides too short for 16-bit rows, depth */
        assert_true(fsr_lr_consistency_cells16(part, cw, ch, CELL, hr16, hw, lr16, 2 * LW, LW, LH, s, 0, 0, cw, ch,
                                               10) < 0);
        assert_true(fsr_lr_consistency_cells16(part, cw, ch, CELL, hr16, 2 * hw, lr16, LW, LW, LH, s, 0, 0, cw, ch,
                                               10) < 0);
        assert_true(fsr_lr_consistency_cells16(part, cw, ch, CELL, hr16, 2 * hw, lr16, 2 * LW, LW, LH, s, 0, 0, cw,
                                               ch, 17) < 0);
        assert_true(fsr_lr_error16(NULL, NULL, cw, ch, CELL, hr16, 2 * hw, lr16, 2 * LW, LW, LH, s, 10) < 0);
        free(part);
        free(hr), free(lr), free(hr16), free(lr16), free(hd), free(ld), free(e8), free(e16);
    }
}

/* Back projection at 10 bits (fsr_lr_error16 + fsr_back_project16), the
 * analogue of test_back_projection: the per-pixel error is LR minus the
 * downscale to a quarter level; a picture 24 levels too bright comes back
 * to within 2 (4 is a level at 8 bits, test_back_projection's bound); skipped cells are left sample for
 * sample; the same for any thread count. */
static void test_back_projection16(void **state)
{
    (void)state;
    for (int s = 2; s <= 4; s++) {
        const int LW = s == 2 ? 300 : 60, LH = s == 2 ? 200 : 40, CELL = 8; /* x2: big enough for threads */
        const int hw = LW * s, hh = LH * s, cw = (LW + CELL - 1) / CELL, ch = (LH + CELL - 1) / CELL;
        uint16_t *hr = malloc(sizeof(uint16_t) * hw * hh), *lr = malloc(sizeof(uint16_t) * LW * LH);
        uint16_t *bad = malloc(sizeof(uint16_t) * hw * hh), *fixed = malloc(sizeof(uint16_t) * hw * hh);
        uint16_t *fixed1 = malloc(sizeof(uint16_t) * hw * hh);
        int16_t *err = malloc(sizeof(int16_t) * LW * LH), *err1 = malloc(sizeof(int16_t) * LW * LH);
        int16_t *up = malloc(sizeof(int16_t) * hw * hh);
        uint8_t *skip = malloc((size_t)cw * ch);
        double *hd = malloc(sizeof(double) * hw * hh), *ld = malloc(sizeof(double) * LW * LH);
        double *ld0 = malloc(sizeof(double) * LW * LH);
        float *cells = malloc(sizeof(float) * cw * ch), *cells1 = malloc(sizeof(float) * cw * ch);
        for (int y = 0; y < hh; y++)
            for (int x = 0; x < hw; x++) {
                hr[y * hw + x] = (uint16_t)lrint(4 * smooth_at(x, y, s));
                hd[y * hw + x] = hr[y * hw + x];
            }
        assert_int_equal(fsr_imresize(ld0, LW, LH, hd, hw, hh), 0);
        for (int i = 0; i < LW * LH; i++)
            lr[i] = (uint16_t)lrint(fmin(1023, fmax(0, ld0[i])));
        for (int i = 0; i < hw * hh; i++)
            hd[i] = bad[i] = (uint16_t)(hr[i] + 24);
        assert_int_equal(fsr_imresize(ld, LW, LH, hd, hw, hh), 0);
        assert_int_equal(fsr_lr_error16(cells, err, cw, ch, CELL, bad, 2 * hw, lr, 2 * LW, LW, LH, s, 10), 0);
        for (int i = 0; i < LW * LH; i++)
            assert_true(fabs(err[i] - FSR_LR_ERROR_STEPS * (lr[i] - ld[i])) <= 1.01);
        for (int i = 0; i < cw * ch; i++) /* 24 levels at 10 bits: 6 in the cells' 8-bit levels */
            assert_true(fabsf(cells[i] - 6.f) < 0.3f);
#ifdef _OPENMP
        omp_set_num_threads(1);
        assert_int_equal(fsr_lr_error16(cells1, err1, cw, ch, CELL, bad, 2 * hw, lr, 2 * LW, LW, LH, s, 10), 0);
        memcpy(fixed1, bad, sizeof(uint16_t) * hw * hh);
        assert_int_equal(fsr_back_project16(fixed1, 2 * hw, err1, up, LW, LH, s, NULL, CELL, 10), 0);
        omp_set_num_threads(omp_get_num_procs());
        assert_memory_equal(err, err1, sizeof(int16_t) * LW * LH);
        assert_memory_equal(cells, cells1, sizeof(float) * cw * ch);
#endif
        memcpy(fixed, bad, sizeof(uint16_t) * hw * hh);
        memcpy(err1, err, sizeof(int16_t) * LW * LH);
        assert_int_equal(fsr_back_project16(fixed, 2 * hw, err, up, LW, LH, s, NULL, CELL, 10), 0);
        assert_memory_equal(err, err1, sizeof(int16_t) * LW * LH); /* the error left as it was */
        int worst = 0;
        for (int i = 0; i < hw * hh; i++) {
            const int e = abs(fixed[i] - hr[i]);
            worst = e > worst ? e : worst;
        }
        if (worst > 2) /* at 8 bits within a level, 4 here; the quarter levels of 10 bits do better */
            fail_msg("x%d: corrected to within %d levels", s, worst);
        print_message("x%d: 24 levels too bright, corrected to within %d\n", s, worst);
#ifdef _OPENMP
        assert_memory_equal(fixed, fixed1, sizeof(uint16_t) * hw * hh);
#endif
        /* the left half of the cells skipped: untouched there */
        for (int i = 0; i < cw * ch; i++)
            skip[i] = i % cw < cw / 2;
        memcpy(fixed, bad, sizeof(uint16_t) * hw * hh);
        assert_int_equal(fsr_back_project16(fixed, 2 * hw, err, up, LW, LH, s, skip, CELL, 10), 0);
        for (int y = 0; y < hh; y++)
            for (int x = 0; x < hw; x++) {
                if (!skip[(y / s / CELL) * cw + x / s / CELL])
                    assert_true(abs(fixed[y * hw + x] - hr[y * hw + x]) <= (x / s >= cw / 2 * CELL + 2 ? 4 : 24));
                else
                    assert_int_equal(fixed[y * hw + x], bad[y * hw + x]);
            }
        /* clipped at the depth's maximum: a correction up from white stays 1023 */
        for (int i = 0; i < hw * hh; i++)
            fixed[i] = 1023;
        for (int i = 0; i < LW * LH; i++)
            err[i] = 400;
        assert_int_equal(fsr_back_project16(fixed, 2 * hw, err, up, LW, LH, s, NULL, CELL, 10), 0);
        for (int i = 0; i < hw * hh; i++)
            assert_int_equal(fixed[i], 1023);
        assert_true(fsr_back_project16(fixed, 2 * hw, NULL, up, LW, LH, s, NULL, CELL, 10) < 0);
        assert_true(fsr_back_project16(fixed, hw, err, up, LW, LH, s, NULL, CELL, 10) < 0);
        free(hr), free(lr), free(bad), free(fixed), free(fixed1), free(err), free(err1), free(up), free(skip);
        free(hd), free(ld), free(ld0), free(cells), free(cells1);
    }
    /* the quarter-level coding */
    assert_int_equal(fsr_lr_error_q16(0.f, 10), 0);
    assert_int_equal(fsr_lr_error_q16(1.125f, 10), 5);     /* 4.5 up */
    assert_int_equal(fsr_lr_error_q16(-1.125f, 10), -4);   /* -4.5 up */
    assert_int_equal(fsr_lr_error_q16(1000.f, 10), 512);   /* +-128 levels, the byte's +-32 8-bit ones */
    assert_int_equal(fsr_lr_error_q16(-1000.f, 10), -512);
    assert_int_equal(fsr_lr_error_q16(1e6f, 16), 32767);
    assert_int_equal(fsr_lr_error_q16(-1e6f, 16), -32768);
    assert_int_equal(fsr_lr_error_q16_value(2), 1);   /* +0.5 up */
    assert_int_equal(fsr_lr_error_q16_value(-2), 0);  /* -0.5 up */
    assert_int_equal(fsr_lr_error_q16_value(-3), -1);
    assert_int_equal(fsr_lr_error_q16_value(fsr_lr_error_q16(-5.f, 10)), -5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel_values),
        cmocka_unit_test(test_phases_x2),
        cmocka_unit_test(test_hand_computed_x2),
        cmocka_unit_test(test_c_matches_reference),
        cmocka_unit_test(test_simd_matches_reference),
        cmocka_unit_test(test_region_matches_plane),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_s16_c_matches_reference),
        cmocka_unit_test(test_s16_simd_matches_reference),
        cmocka_unit_test(test_s16_known),
        cmocka_unit_test(test_lr_consistency),
        cmocka_unit_test(test_back_projection),
        cmocka_unit_test(test_plane16_c_matches_reference),
        cmocka_unit_test(test_plane16_simd_matches_reference),
        cmocka_unit_test(test_plane16_behaviour),
        cmocka_unit_test(test_lr_consistency16),
        cmocka_unit_test(test_back_projection16),
    };
    return tu_result(cmocka_run_group_tests_name("bicubic", tests, NULL, NULL));
}
