/* Bicubic row kernels (8-bit and 16-bit samples) and the residual-block
 * kernel: bit-exact to C. */
#include "checkasm.h"

#include <stdlib.h>
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

/* ---- the LR consistency's downscale ---- */

enum { DOWN_N = 400, DOWN_TAPS = 4 * FSR_MAX_SCALE + 1 };

static void rand_weights(float *w, int taps)
{
    for (int k = 0; k < taps; k++)
        w[k] = checkasm_rand_float(-0.2f, 0.6f);
}

static void check_down_vert(const FsrBicubicDSP *c, const FsrBicubicDSP *lower, const FsrBicubicDSP *cur)
{
    if (!checkasm_func(c->down_vert, lower->down_vert, cur->down_vert, "down_vert"))
        return;
    static uint8_t src[DOWN_TAPS][DOWN_N];
    static float a[DOWN_N + 8], b[DOWN_N + 8];
    const uint8_t *rows[DOWN_TAPS];
    float w[DOWN_TAPS];
    for (int k = 0; k < DOWN_TAPS; k++) {
        checkasm_fill_u8(src[k], DOWN_N);
        rows[k] = src[k];
    }
    for (int n = 1; n <= DOWN_N; n += n < 40 ? 1 : 37) {
        const int taps = checkasm_rand_int(1, DOWN_TAPS);
        rand_weights(w, taps);
        for (int i = 0; i < DOWN_N + 8; i++)
            a[i] = b[i] = (float)i;
        c->down_vert(a, rows, w, taps, n);
        cur->down_vert(b, rows, w, taps, n);
        if (memcmp(a, b, sizeof(a)))
            checkasm_fail("taps %d n %d", taps, n);
    }
    rand_weights(w, 8);
    checkasm_bench(c->down_vert(a, rows, w, 8, 320), cur->down_vert(b, rows, w, 8, 320));
    checkasm_report();
}

static void check_down_vert16(const FsrBicubicDSP *c, const FsrBicubicDSP *lower, const FsrBicubicDSP *cur)
{
    if (!checkasm_func(c->down_vert16, lower->down_vert16, cur->down_vert16, "down_vert16"))
        return;
    static uint16_t src[DOWN_TAPS][DOWN_N];
    static float a[DOWN_N + 8], b[DOWN_N + 8];
    const uint16_t *rows[DOWN_TAPS];
    float w[DOWN_TAPS];
    for (int k = 0; k < DOWN_TAPS; k++)
        rows[k] = src[k];
    for (int dm = 0; dm < 3; dm++) {
        const int max = depth_max[dm];
        for (int n = 1; n <= DOWN_N; n += n < 40 ? 1 : 37) {
            const int taps = checkasm_rand_int(1, DOWN_TAPS);
            for (int k = 0; k < taps; k++)
                for (int i = 0; i < n; i++)
                    src[k][i] = (uint16_t)(n % 3 ? checkasm_rand_int(0, max) : (int)(checkasm_rand() & 1) * max);
            rand_weights(w, taps);
            for (int i = 0; i < DOWN_N + 8; i++)
                a[i] = b[i] = (float)i;
            c->down_vert16(a, rows, w, taps, n);
            cur->down_vert16(b, rows, w, taps, n);
            if (memcmp(a, b, sizeof(a)))
                checkasm_fail("max %d taps %d n %d", max, taps, n);
        }
    }
    rand_weights(w, 8);
    checkasm_bench(c->down_vert16(a, rows, w, 8, 320), cur->down_vert16(b, rows, w, 8, 320));
    checkasm_report();
}

static void check_down_horz(const FsrBicubicDSP *c, const FsrBicubicDSP *lower, const FsrBicubicDSP *cur)
{
    if (!checkasm_func(c->down_horz, lower->down_horz, cur->down_horz, "down_horz"))
        return;
    static float a[DOWN_N + 8], b[DOWN_N + 8];
    float w[DOWN_TAPS];
    for (int scale = 2; scale <= FSR_MAX_SCALE; scale++)
        for (int n = 1; n <= DOWN_N; n += n < 40 ? 1 : 37) {
            /* the filters fastsr uses (4 scale or 4 scale + 1 taps) and others */
            const int taps = n % 3 ? 4 * scale + n % 2 : checkasm_rand_int(1, DOWN_TAPS);
            /* exactly what the outputs read, so that a kernel reading past
             * it fails under AddressSanitizer */
            const size_t len = (size_t)(n - 1) * scale + taps;
            float *src = malloc(sizeof(float) * len);
            if (!src) {
                checkasm_fail("out of memory");
                return;
            }
            for (size_t i = 0; i < len; i++)
                src[i] = checkasm_rand_float(-100.f, 1200.f);
            rand_weights(w, taps);
            for (int i = 0; i < DOWN_N + 8; i++)
                a[i] = b[i] = (float)i;
            c->down_horz(a, src, w, taps, scale, n);
            cur->down_horz(b, src, w, taps, scale, n);
            free(src);
            if (memcmp(a, b, sizeof(a)))
                checkasm_fail("x%d taps %d n %d", scale, taps, n);
        }
    static float src[2 * 320 + 8];
    for (int i = 0; i < 2 * 320 + 8; i++)
        src[i] = checkasm_rand_float(0.f, 255.f);
    rand_weights(w, 8);
    checkasm_bench(c->down_horz(a, src, w, 8, 2, 320), cur->down_horz(b, src, w, 8, 2, 320));
    checkasm_report();
}

/* downscaled values: random in and beyond the range, on the error's
 * rounding halves (a quarter level and an eighth), and at the clamps */
static float rand_down(int lv, int max, int mode)
{
    switch (mode) {
    case 0: return checkasm_rand_float(-0.1f * max, 1.1f * max);
    case 1: return (float)lv + (float)checkasm_rand_int(-300, 300) * 0.125f;
    default: return (float)lv + (checkasm_rand() & 1 ? 1.f : -1.f) * checkasm_rand_float(31.f, 33.f) * (max + 1) / 256;
    }
}

static void check_lr_diff(const FsrBicubicDSP *c, const FsrBicubicDSP *lower, const FsrBicubicDSP *cur)
{
    if (!checkasm_func(c->lr_diff, lower->lr_diff, cur->lr_diff, "lr_diff"))
        return;
    static uint8_t lr[DOWN_N], ea[DOWN_N + 8], eb[DOWN_N + 8];
    static float down[DOWN_N], a[DOWN_N + 8], b[DOWN_N + 8];
    for (int mode = 0; mode < 3; mode++)
        for (int n = 1; n <= DOWN_N; n += n < 40 ? 1 : 37) {
            checkasm_fill_u8(lr, DOWN_N);
            for (int i = 0; i < DOWN_N; i++)
                down[i] = rand_down(lr[i], 255, mode);
            memset(a, 0, sizeof(a));
            memset(b, 0, sizeof(b));
            memset(ea, 7, sizeof(ea));
            memset(eb, 7, sizeof(eb));
            const int with_err = n % 4 != 0; /* and without */
            c->lr_diff(a, with_err ? ea : NULL, down, lr, n);
            cur->lr_diff(b, with_err ? eb : NULL, down, lr, n);
            if (memcmp(a, b, sizeof(a)) || memcmp(ea, eb, sizeof(ea)))
                checkasm_fail("mode %d n %d err %d", mode, n, with_err);
        }
    checkasm_bench(c->lr_diff(a, ea, down, lr, 320), cur->lr_diff(b, eb, down, lr, 320));
    checkasm_report();
}

static void check_lr_diff16(const FsrBicubicDSP *c, const FsrBicubicDSP *lower, const FsrBicubicDSP *cur)
{
    if (!checkasm_func(c->lr_diff16, lower->lr_diff16, cur->lr_diff16, "lr_diff16"))
        return;
    static uint16_t lr[DOWN_N];
    static int16_t ea[DOWN_N + 8], eb[DOWN_N + 8];
    static float down[DOWN_N], a[DOWN_N + 8], b[DOWN_N + 8];
    static const int depths[] = { 10, 12, 16 };
    for (int dm = 0; dm < 3; dm++) {
        const int depth = depths[dm], max = (1 << depth) - 1;
        for (int mode = 0; mode < 3; mode++)
            for (int n = 1; n <= DOWN_N; n += n < 40 ? 1 : 37) {
                for (int i = 0; i < DOWN_N; i++) {
                    lr[i] = (uint16_t)checkasm_rand_int(0, max);
                    down[i] = rand_down(lr[i], max, mode);
                }
                memset(a, 0, sizeof(a));
                memset(b, 0, sizeof(b));
                memset(ea, 7, sizeof(ea));
                memset(eb, 7, sizeof(eb));
                const int with_err = n % 4 != 0;
                c->lr_diff16(a, with_err ? ea : NULL, down, lr, n, depth);
                cur->lr_diff16(b, with_err ? eb : NULL, down, lr, n, depth);
                if (memcmp(a, b, sizeof(a)) || memcmp(ea, eb, sizeof(ea)))
                    checkasm_fail("%d bits mode %d n %d err %d", depth, mode, n, with_err);
            }
    }
    checkasm_bench(c->lr_diff16(a, ea, down, lr, 320, 10), cur->lr_diff16(b, eb, down, lr, 320, 10));
    checkasm_report();
}

/* Back projection's add: exact-length rows (an over-read fails under
 * ASan), HR samples and errors at random and at the clip points. */
static void check_bp_add(const FsrBicubicDSP *c, const FsrBicubicDSP *lower, const FsrBicubicDSP *cur)
{
    if (!checkasm_func(c->bp_add, lower->bp_add, cur->bp_add, "bp_add"))
        return;
    for (int mode = 0; mode < 2; mode++)
        for (int n = 1; n <= 300; n += n < 70 ? 1 : 23) {
            uint8_t *up = malloc(n), *a = malloc(n), *b = malloc(n);
            checkasm_fill_u8(up, n);
            checkasm_fill_u8(a, n);
            for (int i = 0; i < n && mode == 1; i++) {
                static const uint8_t edge[] = { 0, 1, 2, 3, 30, 31, 32, 33, 224, 225, 254, 255 };
                a[i] = edge[checkasm_rand_int(0, 11)];
                up[i] = edge[checkasm_rand_int(0, 11)] ^ (uint8_t)(checkasm_rand_int(0, 1) ? 0 : 0x80);
            }
            memcpy(b, a, n);
            c->bp_add(a, up, n);
            cur->bp_add(b, up, n);
            if (memcmp(a, b, n))
                checkasm_fail("mode %d n %d", mode, n);
            free(up);
            free(a);
            free(b);
        }
    static uint8_t up[1920], a[1920], b[1920];
    checkasm_bench(c->bp_add(a, up, 1920), cur->bp_add(b, up, 1920));
    checkasm_report();
}

static void check_bp_add16(const FsrBicubicDSP *c, const FsrBicubicDSP *lower, const FsrBicubicDSP *cur)
{
    if (!checkasm_func(c->bp_add16, lower->bp_add16, cur->bp_add16, "bp_add16"))
        return;
    static const int depths[] = { 10, 12, 16 };
    for (int dm = 0; dm < 3; dm++) {
        const int depth = depths[dm], max = (1 << depth) - 1, lim = 128 << (depth - 8);
        for (int mode = 0; mode < 3; mode++)
            for (int n = 1; n <= 200; n += n < 40 ? 1 : 19) {
                uint16_t *up = malloc(2 * n), *a = malloc(2 * n), *b = malloc(2 * n);
                for (int i = 0; i < n; i++) {
                    switch (mode) {
                    case 0: /* errors as fsr_lr_error_q16 makes them, slightly overshot */
                        up[i] = (uint16_t)(32768 + checkasm_rand_int(-lim - 40, lim + 40));
                        a[i] = (uint16_t)checkasm_rand_int(0, max);
                        break;
                    case 1: /* any bias: the arithmetic stays in 32 bits */
                        up[i] = (uint16_t)checkasm_rand_int(0, 65535);
                        a[i] = (uint16_t)checkasm_rand_int(0, max);
                        break;
                    default: /* the clip points */
                        up[i] = (uint16_t)(checkasm_rand_int(0, 1) ? 32768 + lim : 32768 - lim);
                        a[i] = (uint16_t)(checkasm_rand_int(0, 1) ? max - checkasm_rand_int(0, 2) : checkasm_rand_int(0, 2));
                    }
                }
                memcpy(b, a, 2 * n);
                c->bp_add16(a, up, n, max);
                cur->bp_add16(b, up, n, max);
                if (memcmp(a, b, 2 * n))
                    checkasm_fail("%d bits mode %d n %d", depth, mode, n);
                free(up);
                free(a);
                free(b);
            }
    }
    static uint16_t up[1920], a[1920], b[1920];
    checkasm_bench(c->bp_add16(a, up, 1920, 1023), cur->bp_add16(b, up, 1920, 1023));
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
    check_down_vert(&c, &lower, &cur);
    check_down_vert16(&c, &lower, &cur);
    check_down_horz(&c, &lower, &cur);
    check_lr_diff(&c, &lower, &cur);
    check_lr_diff16(&c, &lower, &cur);
    check_bp_add(&c, &lower, &cur);
    check_bp_add16(&c, &lower, &cur);
}
