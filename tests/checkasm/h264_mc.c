/* LR motion compensation and its block helpers: bit-exact to C at every
 * level (SSE2 rows, AVX2 6-tap filters). */
#include "checkasm.h"

#include <string.h>

#include "h264_mc.h"

enum { PW = 48, PH = 40, PAD = 32, BW = PW + 2 * PAD };

static uint8_t padded[(PH + 2 * PAD) * BW];

/* A random plane with replicated borders, as a padded reference picture. */
static void fill_plane(void)
{
    uint8_t *plane = padded + PAD * BW + PAD;
    for (int y = 0; y < PH; y++)
        checkasm_fill_u8(plane + y * BW, PW);
    for (int y = -PAD; y < PH + PAD; y++)
        for (int x = -PAD; x < PW + PAD; x++)
            plane[y * BW + x] = plane[(y < 0 ? 0 : y >= PH ? PH - 1 : y) * BW + (x < 0 ? 0 : x >= PW ? PW - 1 : x)];
}

/* luma (chroma 0) or chroma (1) blocks of every H.264 size at every
 * phase, inside, at and beyond every edge, with and without the border */
static void check_block(FsrH264McFn ref_fn, FsrH264McFn fn, int chroma)
{
    static const int sizes[7][2] = { { 16, 16 }, { 16, 8 }, { 8, 16 }, { 8, 8 }, { 8, 4 }, { 4, 8 }, { 4, 4 } };
    const uint8_t *plane = padded + PAD * BW + PAD;
    const FsrPlaneRef clamped = { plane, BW, PW, PH, 0 }, pad = { plane, BW, PW, PH, PAD };
    const int phases = chroma ? 64 : 16, shift = chroma ? 3 : 2, div = chroma ? 2 : 1;
    uint8_t a[16 * 16], b[16 * 16];
    for (int s = 0; s < 7; s++)
        for (int frac = 0; frac < phases; frac++)
            for (int trial = 0; trial < 8; trial++) {
                const int w = sizes[s][0] / div, h = sizes[s][1] / div;
                const int x = checkasm_rand_int(0, PW / div - w), y = checkasm_rand_int(0, PH / div - h);
                const int far = trial & 1 ? 80 : 10;
                const int mvx = checkasm_rand_int(-far, far) * (1 << shift) + (frac & ((1 << shift) - 1));
                const int mvy = checkasm_rand_int(-far, far) * (1 << shift) + (frac >> shift);
                const FsrPlaneRef *ref = trial & 2 ? &pad : &clamped;
                memset(a, 3, sizeof(a));
                memset(b, 3, sizeof(b));
                ref_fn(a, 16, ref, x, y, mvx, mvy, w, h);
                fn(b, 16, ref, x, y, mvx, mvy, w, h);
                if (memcmp(a, b, sizeof(a)))
                    checkasm_fail("%dx%d at (%d,%d) mv (%d,%d) pad %d", w, h, x, y, mvx, mvy, ref->pad);
            }
}

static void check_mc(const FsrH264McDSP *c, const FsrH264McDSP *lower, const FsrH264McDSP *cur)
{
    const uint8_t *plane = padded + PAD * BW + PAD;
    const FsrPlaneRef pad = { plane, BW, PW, PH, PAD };
    uint8_t a[16 * 16], b[16 * 16];
    if (checkasm_func(c->luma, lower->luma, cur->luma, "luma")) {
        check_block(c->luma, cur->luma, 0);
        checkasm_bench(c->luma(a, 16, &pad, 16, 8, 6, 9, 16, 16), cur->luma(b, 16, &pad, 16, 8, 6, 9, 16, 16));
        checkasm_report();
    }
    if (checkasm_func(c->chroma, lower->chroma, cur->chroma, "chroma")) {
        check_block(c->chroma, cur->chroma, 1);
        checkasm_bench(c->chroma(a, 16, &pad, 8, 4, 5, 11, 8, 8), cur->chroma(b, 16, &pad, 8, 4, 5, 11, 8, 8));
        checkasm_report();
    }
}

static void random_block_pair(uint8_t *p0, uint8_t *p1, int same)
{
    checkasm_fill_u8(p0, 256);
    if (same)
        memcpy(p1, p0, 256);
    else
        checkasm_fill_u8(p1, 256);
}

static void check_biweight(const FsrH264McDSP *c, const FsrH264McDSP *lower, const FsrH264McDSP *cur)
{
    if (!checkasm_func(c->biweight, lower->biweight, cur->biweight, "biweight"))
        return;
    uint8_t p0[256], p1[256], a[256], b[256];
    for (int trial = 0; trial < 400; trial++) {
        random_block_pair(p0, p1, 0);
        const int w = 16 >> checkasm_rand_int(0, 2), h = 16 >> checkasm_rand_int(0, 2);
        const int d = checkasm_rand_int(-1, 7), w0 = checkasm_rand_int(-128, 127), w1 = checkasm_rand_int(-128, 127);
        const int o0 = checkasm_rand_int(-128, 127), o1 = checkasm_rand_int(-128, 127);
        memset(a, 5, sizeof(a));
        memset(b, 5, sizeof(b));
        c->biweight(a, p0, p1, 16, w, h, d, w0, w1, o0, o1);
        cur->biweight(b, p0, p1, 16, w, h, d, w0, w1, o0, o1);
        if (memcmp(a, b, sizeof(a)))
            checkasm_fail("%dx%d d %d weights %d %d offsets %d %d", w, h, d, w0, w1, o0, o1);
    }
    checkasm_bench(c->biweight(a, p0, p1, 16, 16, 16, 5, 21, 43, 1, 2),
                   cur->biweight(b, p0, p1, 16, 16, 16, 5, 21, 43, 1, 2));
    checkasm_report();
}

static void check_residual_sad(const FsrH264McDSP *c, const FsrH264McDSP *lower, const FsrH264McDSP *cur)
{
    uint8_t p0[256], p1[256];
    int16_t ra[256], rb[256];
    if (checkasm_func(c->residual, lower->residual, cur->residual, "residual")) {
        for (int trial = 0; trial < 400; trial++) {
            random_block_pair(p0, p1, trial % 5 == 0);
            const int w = 16 >> checkasm_rand_int(0, 2), h = 16 >> checkasm_rand_int(0, 2);
            memset(ra, 0, sizeof(ra));
            memset(rb, 0, sizeof(rb));
            const unsigned sa = c->residual(ra, 16, p0, 16, p1, 16, w, h);
            const unsigned sb = cur->residual(rb, 16, p0, 16, p1, 16, w, h);
            if (sa != sb || memcmp(ra, rb, sizeof(ra)))
                checkasm_fail("%dx%d: SAD %u, C %u", w, h, sb, sa);
        }
        checkasm_bench(c->residual(ra, 16, p0, 16, p1, 16, 16, 16), cur->residual(rb, 16, p0, 16, p1, 16, 16, 16));
        checkasm_report();
    }
    if (checkasm_func(c->sad, lower->sad, cur->sad, "sad")) {
        for (int trial = 0; trial < 400; trial++) {
            random_block_pair(p0, p1, trial % 5 == 0);
            const int w = 16 >> checkasm_rand_int(0, 2), h = 16 >> checkasm_rand_int(0, 2);
            const unsigned sa = c->sad(p0, 16, p1, 16, w, h), sb = cur->sad(p0, 16, p1, 16, w, h);
            if (sa != sb)
                checkasm_fail("%dx%d: %u, C %u", w, h, sb, sa);
        }
        checkasm_bench(c->sad(p0, 16, p1, 16, 16, 16), cur->sad(p0, 16, p1, 16, 16, 16));
        checkasm_report();
    }
    if (checkasm_func(c->sad_below, lower->sad_below, cur->sad_below, "sad_below")) {
        for (int trial = 0; trial < 400; trial++) {
            random_block_pair(p0, p1, trial % 5 == 0);
            const int w = 16 >> checkasm_rand_int(0, 2), h = 16 >> checkasm_rand_int(0, 2);
            const unsigned sad = c->sad(p0, 16, p1, 16, w, h), limit = (unsigned)checkasm_rand_int(0, (int)sad + 2);
            /* the exact SAD below the limit, else any value >= limit */
            const unsigned sb = cur->sad_below(p0, 16, p1, 16, w, h, limit);
            if (sad < limit ? sb != sad : sb < limit)
                checkasm_fail("%dx%d limit %u: %u, SAD %u", w, h, limit, sb, sad);
        }
        checkasm_bench(c->sad_below(p0, 16, p1, 16, 16, 16, ~0u), cur->sad_below(p0, 16, p1, 16, 16, 16, ~0u));
        checkasm_report();
    }
    if (checkasm_func(c->sad_avg_below, lower->sad_avg_below, cur->sad_avg_below, "sad_avg_below")) {
        uint8_t a[16 * 16];
        for (int trial = 0; trial < 400; trial++) {
            random_block_pair(p0, p1, trial % 5 == 0);
            for (int i = 0; i < 16 * 16; i++)
                a[i] = (uint8_t)checkasm_rand_int(0, 255);
            const int w = 16 >> checkasm_rand_int(0, 2), h = 16 >> checkasm_rand_int(0, 2);
            const unsigned sad = c->sad_avg_below(a, 16, p0, p1, 16, w, h, ~0u);
            const unsigned limit = (unsigned)checkasm_rand_int(0, (int)sad + 2);
            const unsigned sb = cur->sad_avg_below(a, 16, p0, p1, 16, w, h, limit);
            if (sad < limit ? sb != sad : sb < limit)
                checkasm_fail("%dx%d limit %u: %u, C %u", w, h, limit, sb, sad);
        }
        checkasm_bench(c->sad_avg_below(a, 16, p0, p1, 16, 16, 16, ~0u),
                       cur->sad_avg_below(a, 16, p0, p1, 16, 16, 16, ~0u));
        checkasm_report();
    }
}

/* SATD at every size it takes (w, h in 4, 8, 12, 16), on random blocks,
 * identical ones and the extremes (random 0/255 samples: the largest
 * Hadamard coefficients, which the SIMD versions keep in 16-bit lanes). */
static void check_satd(const FsrH264McDSP *c, const FsrH264McDSP *lower, const FsrH264McDSP *cur)
{
    if (!checkasm_func(c->satd, lower->satd, cur->satd, "satd"))
        return;
    uint8_t p0[256], p1[256];
    for (int trial = 0; trial < 400; trial++) {
        random_block_pair(p0, p1, trial % 5 == 0);
        if (trial % 5 == 1)
            for (int i = 0; i < 256; i++) {
                p0[i] = p0[i] & 1 ? 255 : 0;
                p1[i] = p1[i] & 1 ? 255 : 0;
            }
        const int w = 4 * checkasm_rand_int(1, 4), h = 4 * checkasm_rand_int(1, 4);
        const unsigned sa = c->satd(p0, 16, p1, 16, w, h), sb = cur->satd(p0, 16, p1, 16, w, h);
        if (sa != sb)
            checkasm_fail("%dx%d: %u, C %u", w, h, sb, sa);
    }
    checkasm_bench(c->satd(p0, 16, p1, 16, 16, 16), cur->satd(p0, 16, p1, 16, 16, 16));
    checkasm_report();
}

/* ---- high bit depth ---- */

static uint16_t padded16[(PH + 2 * PAD) * BW];

/* A 16-bit plane with replicated borders: random samples of `depth` bits
 * (kind 0), all bitdepth_max (1), all 0 (2), or max and 0 alternating
 * along x (3), y (4) or both (5): the largest over- and undershoots of the
 * 6-tap filter, which the clipping must catch. */
static void fill_plane16(int depth, int kind)
{
    const int maxv = (1 << depth) - 1;
    uint16_t *plane = padded16 + PAD * BW + PAD;
    for (int y = 0; y < PH; y++)
        for (int x = 0; x < PW; x++) {
            int v;
            switch (kind) {
            case 0: v = checkasm_rand_int(0, maxv); break;
            case 1: v = maxv; break;
            case 2: v = 0; break;
            case 3: v = x & 1 ? maxv : 0; break;
            case 4: v = y & 1 ? maxv : 0; break;
            default: v = (x ^ y) & 1 ? maxv : 0; break;
            }
            plane[y * BW + x] = (uint16_t)v;
        }
    for (int y = -PAD; y < PH + PAD; y++)
        for (int x = -PAD; x < PW + PAD; x++)
            plane[y * BW + x] = plane[(y < 0 ? 0 : y >= PH ? PH - 1 : y) * BW + (x < 0 ? 0 : x >= PW ? PW - 1 : x)];
}

/* luma16 (chroma 0) or chroma16 (1) against the per-sample reference:
 * every block size (luma w, h in 4, 8, 16; chroma in 2, 4, 8), every
 * phase, inside, at and beyond every edge, with and without the border */
static void check_block16(FsrH264Mc16Fn ref_fn, FsrH264Mc16Fn fn, int chroma, int depth, int trials)
{
    const uint16_t *plane = padded16 + PAD * BW + PAD;
    const FsrPlaneRef clamped = { (const uint8_t *)plane, BW * 2, PW, PH, 0 };
    const FsrPlaneRef pad = { (const uint8_t *)plane, BW * 2, PW, PH, PAD };
    const int phases = chroma ? 64 : 16, shift = chroma ? 3 : 2, maxv = (1 << depth) - 1;
    static const int lsz[3] = { 4, 8, 16 }, csz[3] = { 2, 4, 8 };
    uint16_t a[16 * 16], b[16 * 16];
    for (int sw = 0; sw < 3; sw++)
        for (int sh = 0; sh < 3; sh++)
            for (int frac = 0; frac < phases; frac++)
                for (int trial = 0; trial < trials; trial++) {
                    const int w = chroma ? csz[sw] : lsz[sw], h = chroma ? csz[sh] : lsz[sh];
                    const int x = checkasm_rand_int(0, PW - w), y = checkasm_rand_int(0, PH - h);
                    const int far = trial & 1 ? 80 : 10;
                    const int mvx = checkasm_rand_int(-far, far) * (1 << shift) + (frac & ((1 << shift) - 1));
                    const int mvy = checkasm_rand_int(-far, far) * (1 << shift) + (frac >> shift);
                    const FsrPlaneRef *ref = trial & 2 ? &pad : &clamped;
                    memset(a, 3, sizeof(a));
                    memset(b, 3, sizeof(b));
                    ref_fn(a, 32, &clamped, x, y, mvx, mvy, w, h, maxv);
                    fn(b, 32, ref, x, y, mvx, mvy, w, h, maxv);
                    if (memcmp(a, b, sizeof(a)))
                        checkasm_fail("%s %dx%d at (%d,%d) mv (%d,%d) pad %d depth %d", chroma ? "chroma" : "luma", w,
                                      h, x, y, mvx, mvy, ref->pad, depth);
                }
}

static void check_mc16(const FsrH264McDSP *c, const FsrH264McDSP *lower, const FsrH264McDSP *cur)
{
    const uint16_t *plane = padded16 + PAD * BW + PAD;
    const FsrPlaneRef pad = { (const uint8_t *)plane, BW * 2, PW, PH, PAD };
    uint16_t a[16 * 16], b[16 * 16];
    static const int depths[3] = { 10, 12, 16 };
    if (checkasm_func(c->luma16, lower->luma16, cur->luma16, "luma16")) {
        for (int kind = 0; kind < 6; kind++)
            for (int d = 0; d < 3; d++) {
                fill_plane16(depths[d], kind);
                check_block16(fsr_h264_mc_luma16_ref, cur->luma16, 0, depths[d], kind ? 2 : d ? 4 : 8);
            }
        fill_plane16(10, 0);
        checkasm_bench(c->luma16(a, 32, &pad, 16, 8, 6, 9, 16, 16, 1023),
                       cur->luma16(b, 32, &pad, 16, 8, 6, 9, 16, 16, 1023));
        checkasm_report();
    }
    if (checkasm_func(c->chroma16, lower->chroma16, cur->chroma16, "chroma16")) {
        for (int kind = 0; kind < 6; kind++)
            for (int d = 0; d < 3; d++) {
                fill_plane16(depths[d], kind);
                check_block16(fsr_h264_mc_chroma16_ref, cur->chroma16, 1, depths[d], kind ? 1 : 2);
            }
        fill_plane16(10, 0);
        checkasm_bench(c->chroma16(a, 32, &pad, 8, 4, 5, 11, 8, 8, 1023),
                       cur->chroma16(b, 32, &pad, 8, 4, 5, 11, 8, 8, 1023));
        checkasm_report();
    }
}

/* two 16x16 blocks of `depth` bits: random, equal, or the extremes (every
 * sample 0 or max, so that |d - p| reaches bitdepth_max) */
static void random_block_pair16(uint16_t *p0, uint16_t *p1, int depth, int kind)
{
    const int maxv = (1 << depth) - 1;
    for (int i = 0; i < 256; i++) {
        p0[i] = (uint16_t)checkasm_rand_int(0, maxv);
        p1[i] = kind == 1 ? p0[i] : (uint16_t)checkasm_rand_int(0, maxv);
        if (kind == 2) {
            p0[i] = p0[i] & 1 ? (uint16_t)maxv : 0;
            p1[i] = p1[i] & 1 ? (uint16_t)maxv : 0;
        }
    }
}

static void check_biweight_residual16(const FsrH264McDSP *c, const FsrH264McDSP *lower, const FsrH264McDSP *cur)
{
    static const int depths[3] = { 10, 12, 15 };
    uint16_t p0[256], p1[256], a[256], b[256];
    int16_t ra[256], rb[256];
    if (checkasm_func(c->biweight16, lower->biweight16, cur->biweight16, "biweight16")) {
        for (int trial = 0; trial < 600; trial++) {
            const int depth = depths[trial % 3], maxv = (1 << depth) - 1, sc = 1 << (depth - 8);
            random_block_pair16(p0, p1, depth, trial % 7 == 0 ? 2 : 0);
            const int w = 16 >> checkasm_rand_int(0, 3), h = 16 >> checkasm_rand_int(0, 3);
            const int d = checkasm_rand_int(-1, 7);
            const int w0 = checkasm_rand_int(-128, 127), w1 = checkasm_rand_int(-128, 127);
            const int o0 = checkasm_rand_int(-128, 127) * sc, o1 = checkasm_rand_int(-128, 127) * sc;
            memset(a, 5, sizeof(a));
            memset(b, 5, sizeof(b));
            c->biweight16(a, p0, p1, 32, w, h, d, w0, w1, o0, o1, maxv);
            cur->biweight16(b, p0, p1, 32, w, h, d, w0, w1, o0, o1, maxv);
            if (memcmp(a, b, sizeof(a)))
                checkasm_fail("%dx%d depth %d d %d weights %d %d offsets %d %d", w, h, depth, d, w0, w1, o0, o1);
        }
        checkasm_bench(c->biweight16(a, p0, p1, 32, 16, 16, 5, 21, 43, 4, 8, 1023),
                       cur->biweight16(b, p0, p1, 32, 16, 16, 5, 21, 43, 4, 8, 1023));
        checkasm_report();
    }
    if (checkasm_func(c->residual16, lower->residual16, cur->residual16, "residual16")) {
        for (int trial = 0; trial < 600; trial++) {
            const int depth = depths[trial % 3];
            random_block_pair16(p0, p1, depth, trial % 5 == 0 ? 1 : trial % 5 == 1 ? 2 : 0);
            const int w = 16 >> checkasm_rand_int(0, 2), h = 16 >> checkasm_rand_int(0, 2);
            memset(ra, 0, sizeof(ra));
            memset(rb, 0, sizeof(rb));
            const unsigned sa = c->residual16(ra, 16, p0, 32, p1, 32, w, h);
            const unsigned sb = cur->residual16(rb, 16, p0, 32, p1, 32, w, h);
            if (sa != sb || memcmp(ra, rb, sizeof(ra)))
                checkasm_fail("%dx%d depth %d: SAD %u, C %u", w, h, depth, sb, sa);
        }
        checkasm_bench(c->residual16(ra, 16, p0, 32, p1, 32, 16, 16), cur->residual16(rb, 16, p0, 32, p1, 32, 16, 16));
        checkasm_report();
    }
}

void checkasm_check_h264_mc(void)
{
    FsrH264McDSP c, lower, cur;
    fsr_h264_mc_dsp_init(&c, 0);
    fsr_h264_mc_dsp_init(&lower, checkasm_lower_flags());
    fsr_h264_mc_dsp_init(&cur, checkasm_flags());
    fill_plane();
    check_mc(&c, &lower, &cur);
    check_biweight(&c, &lower, &cur);
    check_residual_sad(&c, &lower, &cur);
    check_satd(&c, &lower, &cur);
    check_mc16(&c, &lower, &cur);
    check_biweight_residual16(&c, &lower, &cur);
}
