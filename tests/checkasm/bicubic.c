/* Bicubic row kernels (8-bit and 16-bit samples) and the residual-block
 * kernel: bit-exact to C. */
#include "checkasm.h"

#include <string.h>

#include "bicubic_internal.h"

static void check_vert_row(const FsrBicubicDSP *c, const FsrBicubicDSP *lower, const FsrBicubicDSP *cur)
{
    if (!checkasm_func(c->vert_row, lower->vert_row, cur->vert_row, "vert_row"))
        return;
    enum { N = 400 };
    static uint8_t src[4][N];
    static float a[N + 8], b[N + 8];
    for (int k = 0; k < 4; k++)
        checkasm_fill_u8(src[k], N);
    const uint8_t *const rows[4] = { src[0], src[1], src[2], src[3] };
    FsrBicubicPhases ph;
    for (int n = 1; n <= N; n += n < 40 ? 1 : 37) {
        fsr_bicubic_phases(&ph, checkasm_rand_int(2, FSR_MAX_SCALE));
        const float *w = ph.weight[checkasm_rand_int(0, ph.scale - 1)];
        for (int i = 0; i < N + 8; i++)
            a[i] = b[i] = (float)i;
        c->vert_row(a, rows, w, n);
        cur->vert_row(b, rows, w, n);
        if (memcmp(a, b, sizeof(a)))
            checkasm_fail("n %d", n);
    }
    fsr_bicubic_phases(&ph, 2);
    checkasm_bench(c->vert_row(a, rows, ph.weight[0], 320), cur->vert_row(b, rows, ph.weight[0], 320));
    checkasm_report();
}

static void check_horz_row(const FsrBicubicDSP *c, const FsrBicubicDSP *lower, const FsrBicubicDSP *cur)
{
    if (!checkasm_func(c->horz_row, lower->horz_row, cur->horz_row, "horz_row"))
        return;
    enum { N = 400 };
    static float tmp[N + 4];
    static uint8_t a[N * FSR_MAX_SCALE + 32], b[N * FSR_MAX_SCALE + 32];
    FsrBicubicPhases ph;
    for (int scale = 2; scale <= FSR_MAX_SCALE; scale++) {
        fsr_bicubic_phases(&ph, scale);
        for (int n = 1; n <= N; n += n < 40 ? 1 : 37) {
            /* beyond 0..255 too: the kernels clamp */
            for (int i = 0; i < N + 4; i++)
                tmp[i] = checkasm_rand_float(-60.f, 320.f);
            memset(a, 7, sizeof(a));
            memset(b, 7, sizeof(b));
            c->horz_row(a, tmp + 2, &ph, n);
            cur->horz_row(b, tmp + 2, &ph, n);
            if (memcmp(a, b, sizeof(a)))
                checkasm_fail("x%d n %d", scale, n);
        }
    }
    fsr_bicubic_phases(&ph, 2);
    checkasm_bench(c->horz_row(a, tmp + 2, &ph, 320), cur->horz_row(b, tmp + 2, &ph, 320));
    checkasm_report();
}

static void check_block_s16(const FsrBicubicDSP *c, const FsrBicubicDSP *lower, const FsrBicubicDSP *cur)
{
    if (!checkasm_func(c->block_s16, lower->block_s16, cur->block_s16, "block_s16"))
        return;
    enum { W = FSR_BICUBIC_BLOCK_MAX, H = 16, DS = W * FSR_MAX_SCALE + 8 };
    static int16_t src[H * W], a[H * FSR_MAX_SCALE * DS], b[H * FSR_MAX_SCALE * DS];
    for (int trial = 0; trial < 300; trial++) {
        const int sw = trial < 64 ? trial + 1 : checkasm_rand_int(1, W), sh = checkasm_rand_int(1, H);
        const int scale = checkasm_rand_int(2, FSR_MAX_SCALE);
        for (int i = 0; i < H * W; i++)
            src[i] = (int16_t)(trial % 3 ? checkasm_rand_int(-255, 255) : checkasm_rand_int(-32768, 32767));
        memset(a, 0, sizeof(a));
        memset(b, 0, sizeof(b));
        c->block_s16(a, DS, src, W, sw, sh, scale);
        cur->block_s16(b, DS, src, W, sw, sh, scale);
        if (memcmp(a, b, sizeof(a)))
            checkasm_fail("%dx%d x%d", sw, sh, scale);
    }
    checkasm_bench(c->block_s16(a, DS, src, W, 16, 16, 2), cur->block_s16(b, DS, src, W, 16, 16, 2));
    checkasm_report();
}

/* ---- 16-bit samples ---- */

static const int depth_max[] = { 1023, 4095, 65535 };

static void check_vert_row16(const FsrBicubicDSP *c, const FsrBicubicDSP *lower, const FsrBicubicDSP *cur)
{
    if (!checkasm_func(c->vert_row16, lower->vert_row16, cur->vert_row16, "vert_row16"))
        return;
    enum { N = 400 };
    static uint16_t src[4][N];
    static float a[N + 8], b[N + 8];
    const uint16_t *const rows[4] = { src[0], src[1], src[2], src[3] };
    FsrBicubicPhases ph;
    for (int mode = 0; mode < 4 * 3; mode++) {
        /* random, all at the maximum, all 0, each 0 or the maximum; at 10, 12 and 16 bits */
        const int max = depth_max[mode / 4], m = mode % 4;
        for (int k = 0; k < 4; k++)
            for (int i = 0; i < N; i++)
                src[k][i] = (uint16_t)(m == 0 ? checkasm_rand_int(0, max) : m == 1 ? max : m == 2 ? 0
                                       : (int)(checkasm_rand() & 1) * max);
        for (int n = 1; n <= N; n += n < 40 ? 1 : 37) {
            fsr_bicubic_phases(&ph, checkasm_rand_int(2, FSR_MAX_SCALE));
            const float *w = ph.weight[checkasm_rand_int(0, ph.scale - 1)];
            for (int i = 0; i < N + 8; i++)
                a[i] = b[i] = (float)i;
            c->vert_row16(a, rows, w, n);
            cur->vert_row16(b, rows, w, n);
            if (memcmp(a, b, sizeof(a)))
                checkasm_fail("max %d mode %d n %d", max, m, n);
        }
    }
    fsr_bicubic_phases(&ph, 2);
    checkasm_bench(c->vert_row16(a, rows, ph.weight[0], 320), cur->vert_row16(b, rows, ph.weight[0], 320));
    checkasm_report();
}

static void check_horz_row16(const FsrBicubicDSP *c, const FsrBicubicDSP *lower, const FsrBicubicDSP *cur)
{
    if (!checkasm_func(c->horz_row16, lower->horz_row16, cur->horz_row16, "horz_row16"))
        return;
    enum { N = 400 };
    static float tmp[N + 4];
    static uint16_t a[N * FSR_MAX_SCALE + 32], b[N * FSR_MAX_SCALE + 32];
    FsrBicubicPhases ph;
    for (int dm = 0; dm < 3; dm++) {
        const int max = depth_max[dm];
        for (int scale = 2; scale <= FSR_MAX_SCALE; scale++) {
            fsr_bicubic_phases(&ph, scale);
            for (int n = 1; n <= N; n += n < 40 ? 1 : 37)
                for (int m = 0; m < 3; m++) {
                    /* beyond [0, max] too (the kernels clip), at the extremes, and near the rounding's halves */
                    for (int i = 0; i < N + 4; i++)
                        tmp[i] = m == 0   ? checkasm_rand_float(-0.25f * max, 1.25f * max)
                                 : m == 1 ? (checkasm_rand() & 1 ? (float)max : 0.f)
                                          : (float)checkasm_rand_int(0, max) + 0.5f;
                    memset(a, 7, sizeof(a));
                    memset(b, 7, sizeof(b));
                    c->horz_row16(a, tmp + 2, &ph, n, max);
                    cur->horz_row16(b, tmp + 2, &ph, n, max);
                    if (memcmp(a, b, sizeof(a)))
                        checkasm_fail("max %d x%d n %d mode %d", max, scale, n, m);
                }
        }
    }
    fsr_bicubic_phases(&ph, 2);
    checkasm_bench(c->horz_row16(a, tmp + 2, &ph, 320, 1023), cur->horz_row16(b, tmp + 2, &ph, 320, 1023));
    checkasm_report();
}

void checkasm_check_bicubic(void)
{
    FsrBicubicDSP c, lower, cur;
    fsr_bicubic_dsp_init(&c, 0);
    fsr_bicubic_dsp_init(&lower, checkasm_lower_flags());
    fsr_bicubic_dsp_init(&cur, checkasm_flags());
    check_vert_row(&c, &lower, &cur);
    check_horz_row(&c, &lower, &cur);
    check_block_s16(&c, &lower, &cur);
    check_vert_row16(&c, &lower, &cur);
    check_horz_row16(&c, &lower, &cur);
}
