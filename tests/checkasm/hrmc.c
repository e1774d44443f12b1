/* The transfer's HR kernels: motion compensation, average, weighted
 * bi-prediction, upsampled residual; all bit-exact to C. */
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
}
