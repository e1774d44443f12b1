/* The transfer's HR kernels: motion compensation, average, weighted
 * bi-prediction, upsampled residual, for 8-bit and 16-bit samples; all
 * bit-exact to C. */
#include "checkasm.h"

#include <string.h>

#include "hrmc.h"

enum { PW = 96, PH = 80, DS = 64 };

/* the plane, and room to over-read past its end as a picture has */
static uint8_t plane[PH * PW + 64];

static void check_mc(const FsrHrMcDSP *c, const FsrHrMcDSP *lower, const FsrHrMcDSP *cur)
{
    if (!checkasm_func(c->mc, lower->mc, cur->mc, "mc"))
        return;
    static const char *const filters[] = { "bilinear", "bicubic", "h264", "cubic:0", "cubic:-1" };
    static const int sizes[][2] = { { 8, 8 },   { 16, 16 }, { 32, 32 }, { 16, 8 }, { 24, 48 },
                                    { 64, 64 }, { 12, 20 }, { 4, 4 },   { 3, 5 },  { 40, 2 } };
    static uint8_t a[DS * DS], b[DS * DS];
    checkasm_fill_u8(plane, sizeof(plane));
    const FsrPlaneRef ref = { plane, PW, PW, PH, 0 };
    FsrHrFilter f;
    for (size_t n = 0; n < sizeof(filters) / sizeof(filters[0]); n++) {
        fsr_hr_filter_parse(&f, filters[n]);
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
            for (int trial = 0; trial < 32; trial++) {
                const int bw = sizes[s][0], bh = sizes[s][1];
                /* positions and vectors that reach past every border */
                const int x = checkasm_rand_int(0, PW - bw), y = checkasm_rand_int(0, PH - bh);
                const int dx4 = checkasm_rand_int(-80, 80), dy4 = checkasm_rand_int(-80, 80);
                memset(a, 1, sizeof(a));
                memset(b, 1, sizeof(b));
                c->mc(a, DS, &ref, x, y, bw, bh, dx4, dy4, &f);
                cur->mc(b, DS, &ref, x, y, bw, bh, dx4, dy4, &f);
                if (memcmp(a, b, sizeof(a)))
                    checkasm_fail("%s %dx%d at (%d,%d) mv (%d,%d)", filters[n], bw, bh, x, y, dx4, dy4);
            }
    }
    fsr_hr_filter_parse(&f, "bicubic");
    checkasm_bench(c->mc(a, DS, &ref, 40, 30, 32, 32, 2, 6, &f), cur->mc(b, DS, &ref, 40, 30, 32, 32, 2, 6, &f));
    checkasm_report();
}

static void check_avg(const FsrHrMcDSP *c, const FsrHrMcDSP *lower, const FsrHrMcDSP *cur)
{
    if (!checkasm_func(c->avg, lower->avg, cur->avg, "avg"))
        return;
    static uint8_t src[DS * 8], a[DS * 8], b[DS * 8];
    checkasm_fill_u8(src, sizeof(src));
    for (int w = 1; w <= DS; w++) {
        const int h = checkasm_rand_int(1, 8);
        checkasm_fill_u8(a, sizeof(a));
        memcpy(b, a, sizeof(a));
        c->avg(a, DS, src, DS, w, h);
        cur->avg(b, DS, src, DS, w, h);
        if (memcmp(a, b, sizeof(a)))
            checkasm_fail("%dx%d", w, h);
    }
    checkasm_bench(c->avg(a, DS, src, DS, 32, 8), cur->avg(b, DS, src, DS, 32, 8));
    checkasm_report();
}

static void check_biweight(const FsrHrMcDSP *c, const FsrHrMcDSP *lower, const FsrHrMcDSP *cur)
{
    if (!checkasm_func(c->biweight, lower->biweight, cur->biweight, "biweight"))
        return;
    static uint8_t src[DS * 8], a[DS * 8], b[DS * 8];
    for (int trial = 0; trial < 400; trial++) {
        const int w = trial < 64 ? trial + 1 : checkasm_rand_int(1, DS), h = checkasm_rand_int(1, 8);
        const int d = checkasm_rand_int(0, 7), w0 = checkasm_rand_int(-128, 128), w1 = checkasm_rand_int(-128, 128);
        const int o = checkasm_rand_int(-128, 127);
        checkasm_fill_u8(src, sizeof(src));
        checkasm_fill_u8(a, sizeof(a));
        memcpy(b, a, sizeof(a));
        c->biweight(a, DS, src, DS, w, h, d, w0, w1, o);
        cur->biweight(b, DS, src, DS, w, h, d, w0, w1, o);
        if (memcmp(a, b, sizeof(a)))
            checkasm_fail("%dx%d d %d weights %d %d offset %d", w, h, d, w0, w1, o);
    }
    checkasm_bench(c->biweight(a, DS, src, DS, 32, 8, 5, 21, 43, 3),
                   cur->biweight(b, DS, src, DS, 32, 8, 5, 21, 43, 3));
    checkasm_report();
}

static void check_add_up_residual(const FsrHrMcDSP *c, const FsrHrMcDSP *lower, const FsrHrMcDSP *cur)
{
    if (!checkasm_func(c->add_up_residual, lower->add_up_residual, cur->add_up_residual, "add_up_residual"))
        return;
    enum { HS = 4 * FSR_UPRES_MAX, RS = FSR_UPRES_MAX + 4 };
    static uint8_t a[HS * HS], b[HS * HS];
    static int16_t res[FSR_UPRES_MAX * RS];
    FsrUpResPhases ph;
    for (int trial = 0; trial < 400; trial++) {
        fsr_upres_phases(&ph, checkasm_rand_int(2, 4));
        const int w = checkasm_rand_int(1, FSR_UPRES_MAX), h = checkasm_rand_int(1, FSR_UPRES_MAX);
        for (int i = 0; i < FSR_UPRES_MAX * RS; i++) /* some beyond the clamp at +-1024 */
            res[i] = (int16_t)(trial % 4 ? checkasm_rand_int(-255, 255) : checkasm_rand_int(-32768, 32767));
        checkasm_fill_u8(a, sizeof(a));
        memcpy(b, a, sizeof(a));
        c->add_up_residual(a, HS, res, RS, w, h, &ph);
        cur->add_up_residual(b, HS, res, RS, w, h, &ph);
        if (memcmp(a, b, sizeof(a)))
            checkasm_fail("x%d %dx%d", ph.scale, w, h);
    }
    fsr_upres_phases(&ph, 2);
    checkasm_bench(c->add_up_residual(a, HS, res, RS, 16, 16, &ph), cur->add_up_residual(b, HS, res, RS, 16, 16, &ph));
    checkasm_report();
}

/* ---- 16-bit samples (strides in bytes) ---- */

static uint16_t plane16[PH * PW + 64];

/* Samples of a high-depth test: mode 0 random within [0, max], 1 all max,
 * 2 all 0, 3 each 0 or max at random (the extremes of every signed tap). */
static void fill16(uint16_t *p, size_t n, int mode, int max)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint16_t)(mode == 0 ? checkasm_rand_int(0, max) : mode == 1 ? max : mode == 2 ? 0
                          : (checkasm_rand() & 1 ? max : 0));
}

/* the depths: 10 bits first; 12 and 14 (the AVX2 kernel's limit) and 16
 * (its C fallback) too */
static const int depth_max[] = { 1023, 4095, 16383, 65535 };
#define NDEPTH (int)(sizeof(depth_max) / sizeof(depth_max[0]))

static void check_mc16(const FsrHrMcDSP *c, const FsrHrMcDSP *lower, const FsrHrMcDSP *cur)
{
    if (!checkasm_func(c->mc16, lower->mc16, cur->mc16, "mc16"))
        return;
    static const char *const filters[] = { "bilinear", "bicubic", "h264", "cubic:0", "cubic:-1" };
    static const int sizes[][2] = { { 8, 8 },   { 16, 16 }, { 32, 32 }, { 16, 8 }, { 24, 48 },
                                    { 64, 64 }, { 12, 20 }, { 4, 4 },   { 3, 5 },  { 40, 2 }, { 8, 1 } };
    static uint16_t a[DS * DS], b[DS * DS];
    const FsrPlaneRef ref = { (const uint8_t *)plane16, 2 * PW, PW, PH, 0 };
    FsrHrFilter f;
    for (int dm = 0; dm < NDEPTH; dm++)
        for (int mode = 0; mode < 4; mode++) {
            const int max = depth_max[dm];
            fill16(plane16, PH * PW, mode, max);
            for (size_t n = 0; n < sizeof(filters) / sizeof(filters[0]); n++) {
                fsr_hr_filter_parse(&f, filters[n]);
                for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
                    for (int trial = 0; trial < (dm || mode ? 8 : 32); trial++) {
                        const int bw = sizes[s][0], bh = sizes[s][1];
                        const int x = checkasm_rand_int(0, PW - bw), y = checkasm_rand_int(0, PH - bh);
                        /* every quarter phase pair in the first 16 trials, vectors past every border */
                        const int dx4 = trial < 16 ? 4 * checkasm_rand_int(-20, 20) + (trial & 3)
                                                   : checkasm_rand_int(-80, 80);
                        const int dy4 = trial < 16 ? 4 * checkasm_rand_int(-20, 20) + (trial >> 2) : checkasm_rand_int(-80, 80);
                        memset(a, 1, sizeof(a));
                        memset(b, 1, sizeof(b));
                        c->mc16(a, 2 * DS, &ref, x, y, bw, bh, dx4, dy4, &f, max);
                        cur->mc16(b, 2 * DS, &ref, x, y, bw, bh, dx4, dy4, &f, max);
                        if (memcmp(a, b, sizeof(a)))
                            checkasm_fail("max %d mode %d %s %dx%d at (%d,%d) mv (%d,%d)", max, mode, filters[n], bw,
                                          bh, x, y, dx4, dy4);
                    }
            }
        }
    fill16(plane16, PH * PW, 0, 1023);
    fsr_hr_filter_parse(&f, "bicubic");
    checkasm_bench(c->mc16(a, 2 * DS, &ref, 40, 30, 32, 32, 2, 6, &f, 1023),
                   cur->mc16(b, 2 * DS, &ref, 40, 30, 32, 32, 2, 6, &f, 1023));
    checkasm_report();
}

static void check_avg16(const FsrHrMcDSP *c, const FsrHrMcDSP *lower, const FsrHrMcDSP *cur)
{
    if (!checkasm_func(c->avg16, lower->avg16, cur->avg16, "avg16"))
        return;
    static uint16_t src[DS * 8], a[DS * 8], b[DS * 8];
    for (int mode = 0; mode < 4; mode++)
        for (int w = 1; w <= DS; w++) {
            const int h = checkasm_rand_int(1, 8), max = mode ? 65535 : 1023;
            fill16(src, DS * 8, mode, max);
            fill16(a, DS * 8, mode == 3 ? 3 : 0, max);
            memcpy(b, a, sizeof(a));
            c->avg16(a, 2 * DS, src, 2 * DS, w, h);
            cur->avg16(b, 2 * DS, src, 2 * DS, w, h);
            if (memcmp(a, b, sizeof(a)))
                checkasm_fail("mode %d %dx%d", mode, w, h);
        }
    checkasm_bench(c->avg16(a, 2 * DS, src, 2 * DS, 32, 8), cur->avg16(b, 2 * DS, src, 2 * DS, 32, 8));
    checkasm_report();
}

static void check_biweight16(const FsrHrMcDSP *c, const FsrHrMcDSP *lower, const FsrHrMcDSP *cur)
{
    if (!checkasm_func(c->biweight16, lower->biweight16, cur->biweight16, "biweight16"))
        return;
    static uint16_t src[DS * 8], a[DS * 8], b[DS * 8];
    for (int trial = 0; trial < 800; trial++) {
        const int w = trial < 64 ? trial + 1 : checkasm_rand_int(1, DS), h = checkasm_rand_int(1, 8);
        const int max = depth_max[trial % NDEPTH], mode = (trial / NDEPTH) % 4;
        const int d = checkasm_rand_int(0, 7), w0 = checkasm_rand_int(-128, 128), w1 = checkasm_rand_int(-128, 128);
        const int o = checkasm_rand_int(-128, 127) * ((max + 1) >> 8); /* the offset scaled to the depth */
        fill16(src, DS * 8, mode, max);
        fill16(a, DS * 8, mode == 3 ? 3 : 0, max);
        memcpy(b, a, sizeof(a));
        c->biweight16(a, 2 * DS, src, 2 * DS, w, h, d, w0, w1, o, max);
        cur->biweight16(b, 2 * DS, src, 2 * DS, w, h, d, w0, w1, o, max);
        if (memcmp(a, b, sizeof(a)))
            checkasm_fail("max %d %dx%d d %d weights %d %d offset %d", max, w, h, d, w0, w1, o);
    }
    checkasm_bench(c->biweight16(a, 2 * DS, src, 2 * DS, 32, 8, 5, 21, 43, 12, 1023),
                   cur->biweight16(b, 2 * DS, src, 2 * DS, 32, 8, 5, 21, 43, 12, 1023));
    checkasm_report();
}

static void check_add_up_residual16(const FsrHrMcDSP *c, const FsrHrMcDSP *lower, const FsrHrMcDSP *cur)
{
    if (!checkasm_func(c->add_up_residual16, lower->add_up_residual16, cur->add_up_residual16, "add_up_residual16"))
        return;
    enum { HS = 4 * FSR_UPRES_MAX, RS = FSR_UPRES_MAX + 4 };
    static uint16_t a[HS * HS], b[HS * HS];
    static int16_t res[FSR_UPRES_MAX * RS];
    FsrUpResPhases ph;
    for (int trial = 0; trial < 800; trial++) {
        fsr_upres_phases(&ph, 2 + trial % 3);
        const int w = checkasm_rand_int(1, FSR_UPRES_MAX), h = checkasm_rand_int(1, FSR_UPRES_MAX);
        const int max = depth_max[(trial / 3) % NDEPTH], kind = (trial / 12) % 5;
        for (int i = 0; i < FSR_UPRES_MAX * RS; i++) /* 10-bit residuals, +-1023 at worst, and beyond the clamp */
            res[i] = (int16_t)(kind == 0   ? checkasm_rand_int(-1023, 1023)
                               : kind == 1 ? 1023
                               : kind == 2 ? -1023
                               : kind == 3 ? (checkasm_rand() & 1 ? 1023 : -1023)
                                           : checkasm_rand_int(-32768, 32767));
        /* the picture at its extremes under the extreme residuals */
        fill16(a, HS * HS, kind == 1 ? 1 : kind == 2 ? 2 : kind == 3 ? 3 : 0, max);
        memcpy(b, a, sizeof(a));
        c->add_up_residual16(a, 2 * HS, res, RS, w, h, &ph, max);
        cur->add_up_residual16(b, 2 * HS, res, RS, w, h, &ph, max);
        if (memcmp(a, b, sizeof(a)))
            checkasm_fail("max %d x%d %dx%d kind %d", max, ph.scale, w, h, kind);
    }
    fsr_upres_phases(&ph, 2);
    checkasm_bench(c->add_up_residual16(a, 2 * HS, res, RS, 16, 16, &ph, 1023),
                   cur->add_up_residual16(b, 2 * HS, res, RS, 16, 16, &ph, 1023));
    checkasm_report();
}

void checkasm_check_hrmc(void)
{
    FsrHrMcDSP c, lower, cur;
    fsr_hrmc_dsp_init(&c, 0);
    fsr_hrmc_dsp_init(&lower, checkasm_lower_flags());
    fsr_hrmc_dsp_init(&cur, checkasm_flags());
    check_mc(&c, &lower, &cur);
    check_avg(&c, &lower, &cur);
    check_biweight(&c, &lower, &cur);
    check_add_up_residual(&c, &lower, &cur);
    check_mc16(&c, &lower, &cur);
    check_avg16(&c, &lower, &cur);
    check_biweight16(&c, &lower, &cur);
    check_add_up_residual16(&c, &lower, &cur);
}
