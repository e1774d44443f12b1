/* LR motion compensation (h264_mc.h): every kernel table (C, and each SIMD
 * level this CPU has) against the per-sample reference of the standard on
 * random blocks at and beyond every edge, the weighting, SAD and residual
 * against their formulas, SATD against its matrix definition and known
 * values; the high-bit-depth entries likewise, against the 8-bit ones on
 * a plane << 2 and on linear ramps; no video needed. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "h264_mc.h"

static void compare_mc(const FsrH264McDSP *mc, uint32_t seed)
{
    enum { PW = 48, PH = 40, PAD = 32, BW = PW + 2 * PAD };
    static uint8_t padded[(PH + 2 * PAD) * BW];
    uint8_t *plane = padded + PAD * BW + PAD;
    uint8_t a[16 * 16], b[16 * 16];
    for (int y = 0; y < PH; y++)
        for (int x = 0; x < PW; x++)
            plane[y * BW + x] = (uint8_t)tu_rand(&seed);
    /* replicated borders, as a padded reference picture has them */
    for (int y = -PAD; y < PH + PAD; y++)
        for (int x = -PAD; x < PW + PAD; x++)
            plane[y * BW + x] = plane[(y < 0 ? 0 : y >= PH ? PH - 1 : y) * BW + (x < 0 ? 0 : x >= PW ? PW - 1 : x)];
    const FsrPlaneRef clamped = { plane, BW, PW, PH, 0 }, pad = { plane, BW, PW, PH, PAD };
    static const int sizes[4][2] = { { 16, 16 }, { 16, 8 }, { 8, 16 }, { 8, 8 } };
    for (int s = 0; s < 4; s++)
        for (int frac = 0; frac < 16; frac++)
            for (int trial = 0; trial < 40; trial++) {
                /* positions inside, at and beyond every edge */
                const int x = (int)(tu_rand(&seed) % (PW - 8)) & ~7, y = (int)(tu_rand(&seed) % (PH - 8)) & ~7;
                /* whole-sample part up to +-80 (far outside) or +-10 */
                const int div = trial & 1 ? 1 : 8;
                const int mvx = ((int)(tu_rand(&seed) % 161) - 80) / div * 4 + (frac & 3);
                const int mvy = ((int)(tu_rand(&seed) % 161) - 80) / div * 4 + (frac >> 2);
                const int w = sizes[s][0], h = sizes[s][1];
                fsr_h264_mc_luma_ref(b, 16, &clamped, x, y, mvx, mvy, w, h);
                mc->luma(a, 16, trial & 2 ? &pad : &clamped, x, y, mvx, mvy, w, h);
                for (int j = 0; j < h; j++)
                    assert_memory_equal(a + j * 16, b + j * 16, w);
                /* chroma: eighth-pel, blocks of half the size */
                const int cmx = mvx * 2 + (trial & 1), cmy = mvy * 2 + ((trial >> 2) & 1);
                fsr_h264_mc_chroma_ref(b, 16, &clamped, x / 2, y / 2, cmx, cmy, w / 2, h / 2);
                mc->chroma(a, 16, trial & 2 ? &pad : &clamped, x / 2, y / 2, cmx, cmy, w / 2, h / 2);
                for (int j = 0; j < h / 2; j++)
                    assert_memory_equal(a + j * 16, b + j * 16, w / 2);
            }
    /* weighting, SAD and residual against the formulas */
    uint8_t p0[16 * 16], p1[16 * 16], o[16 * 16];
    int16_t res[16 * 16];
    for (int trial = 0; trial < 200; trial++) {
        for (int i = 0; i < 256; i++) {
            p0[i] = (uint8_t)tu_rand(&seed);
            p1[i] = trial & 1 ? p0[i] : (uint8_t)tu_rand(&seed);
        }
        const int w = trial & 2 ? 8 : 16, h = trial & 4 ? 8 : 16;
        const int d = (int)(tu_rand(&seed) % 8), w0 = (int)(tu_rand(&seed) % 256) - 128,
                  w1 = (int)(tu_rand(&seed) % 256) - 128, o0 = (int)(tu_rand(&seed) % 256) - 128,
                  o1 = (int)(tu_rand(&seed) % 256) - 128;
        mc->biweight(o, p0, p1, 16, w, h, d, w0, w1, o0, o1);
        unsigned sad = 0;
        int any = 0;
        for (int j = 0; j < h; j++)
            for (int i = 0; i < w; i++) {
                int v = ((p0[j * 16 + i] * w0 + p1[j * 16 + i] * w1 + (1 << d)) >> (d + 1)) + ((o0 + o1 + 1) >> 1);
                assert_int_equal(o[j * 16 + i], v < 0 ? 0 : v > 255 ? 255 : v);
                sad += (unsigned)abs(p0[j * 16 + i] - p1[j * 16 + i]);
                any |= p0[j * 16 + i] != p1[j * 16 + i];
            }
        mc->biweight(o, p0, p1, 16, w, h, -1, 1, 1, 0, 0);
        for (int j = 0; j < h; j++)
            for (int i = 0; i < w; i++)
                assert_int_equal(o[j * 16 + i], (p0[j * 16 + i] + p1[j * 16 + i] + 1) >> 1);
        /* in place (dst = p0), which the header allows */
        uint8_t q[16 * 16];
        memcpy(q, p0, sizeof(q));
        mc->biweight(q, q, p1, 16, w, h, d, w0, w1, o0, o1);
        mc->biweight(o, p0, p1, 16, w, h, d, w0, w1, o0, o1);
        for (int j = 0; j < h; j++)
            assert_memory_equal(q + j * 16, o + j * 16, w);
        assert_int_equal(mc->sad(p0, 16, p1, 16, w, h), sad);
        assert_true(mc->sad_below(p0, 16, p1, 16, w, h, sad + 1) == sad);
        assert_true(mc->sad_below(p0, 16, p1, 16, w, h, sad / 2 + 1) >= sad / 2 + 1 || sad == 0);
        /* against the rounded average of the two (o: the weighted one) */
        unsigned sad_avg = 0;
        for (int j = 0; j < h; j++)
            for (int i = 0; i < w; i++)
                sad_avg += (unsigned)abs(o[j * 16 + i] - ((p0[j * 16 + i] + p1[j * 16 + i] + 1) >> 1));
        assert_int_equal(mc->sad_avg_below(o, 16, p0, p1, 16, w, h, ~0u), sad_avg);
        assert_int_equal(mc->sad_avg_below(o, 16, p0, p1, 16, w, h, sad_avg + 1), sad_avg);
        assert_true(mc->sad_avg_below(o, 16, p0, p1, 16, w, h, sad_avg / 2 + 1) >= sad_avg / 2 + 1 || sad_avg == 0);
        /* the worst case: 255 against the average of 0 and 0 over 16x16 */
        uint8_t full[16 * 16], zero[16 * 16] = { 0 };
        memset(full, 255, sizeof(full));
        assert_int_equal(mc->sad_avg_below(full, 16, zero, zero, 16, 16, 16, ~0u), 255u * 256);
        assert_int_equal(mc->residual(res, 16, p0, 16, p1, 16, w, h), sad);
        assert_int_equal(sad != 0, any);
        for (int j = 0; j < h; j++)
            for (int i = 0; i < w; i++)
                assert_int_equal(res[j * 16 + i], p0[j * 16 + i] - p1[j * 16 + i]);
    }
}

/* The satd entry against the matrix definition (fsr_h264_satd_ref) at
 * every size it takes, with strides wider than the block, on random
 * blocks, on the extremes (0 against 255: a constant difference of 255;
 * random 0/255 patterns: the largest coefficients, +-4080 per 4x4, which
 * 16-bit SIMD lanes must hold), and identical blocks. */
static void compare_satd(const FsrH264McDSP *mc, uint32_t seed)
{
    enum { S = 40 };
    static uint8_t a[S * 16], b[S * 16];
    for (int trial = 0; trial < 600; trial++) {
        const int w = 4 * (1 + (int)(tu_rand(&seed) % 4)), h = 4 * (1 + (int)(tu_rand(&seed) % 4));
        const int kind = trial % 6;
        for (int i = 0; i < S * 16; i++) {
            const uint32_t r = tu_rand(&seed);
            switch (kind) {
            case 0: a[i] = 0; b[i] = 255; break;
            case 1: a[i] = 255; b[i] = 0; break;
            case 2: a[i] = r & 1 ? 255 : 0; b[i] = r & 2 ? 255 : 0; break;
            case 3: a[i] = b[i] = (uint8_t)r; break;
            default: a[i] = (uint8_t)r; b[i] = (uint8_t)(r >> 8); break;
            }
        }
        /* identical blocks (kind 3) need identical strides */
        const ptrdiff_t as = trial & 1 ? S : 16, bs = kind == 3 ? as : trial & 2 ? S : 16;
        const unsigned want = fsr_h264_satd_ref(a, as, b, bs, w, h);
        if (kind <= 1)
            assert_int_equal(want, 255u * (unsigned)(w * h) / 2); /* 8 * 255 per 4x4 */
        if (kind == 3)
            assert_int_equal(want, 0);
        const unsigned got = mc->satd(a, as, b, bs, w, h);
        if (got != want)
            fail_msg("satd %dx%d (inputs %d): %u, reference %u", w, h, kind, got, want);
    }
}

/* Known values of the definition and of every level's satd: a Hadamard
 * basis pattern (entries +-d) has one coefficient, 16d, so 8d; two
 * patterns add; a single differing sample spreads to all sixteen (8d, the
 * largest SATD for its SAD). */
static void check_satd_known(const FsrH264McDSP *mc)
{
    static const int H[4][4] = { { 1, 1, 1, 1 }, { 1, -1, 1, -1 }, { 1, 1, -1, -1 }, { 1, -1, -1, 1 } };
    uint8_t a[16 * 16], b[16 * 16];
    memset(b, 100, sizeof(b));
    for (int u = 0; u < 4; u++)
        for (int v = 0; v < 4; v++) {
            for (int i = 0; i < 16; i++)
                for (int j = 0; j < 16; j++)
                    a[i * 16 + j] = (uint8_t)(100 + 7 * H[u][i & 3] * H[v][j & 3]);
            /* sixteen 4x4 blocks of 8 * 7 */
            assert_int_equal(fsr_h264_satd_ref(a, 16, b, 16, 16, 16), 16 * 56);
            assert_int_equal(mc->satd(a, 16, b, 16, 16, 16), 16 * 56);
            assert_int_equal(mc->satd(a, 16, b, 16, 4, 4), 56);
            /* plus 3 times the DC pattern: entries 3 +- 7, SAD 16 * 7 */
            for (int i = 0; i < 16; i++)
                for (int j = 0; j < 16; j++)
                    a[i * 16 + j] = (uint8_t)(a[i * 16 + j] + 3);
            /* two coefficients, 16 * 7 and 16 * 3 (or one of 16 * 10 when
             * the pattern is DC itself): 8 * 10 either way, per 4x4 */
            const unsigned want = 8 * (7 + 3);
            assert_int_equal(mc->satd(a, 16, b, 16, 8, 4), 2 * want);
            assert_int_equal(fsr_h264_satd_ref(a, 16, b, 16, 8, 4), 2 * want);
        }
    memcpy(a, b, sizeof(a));
    a[5 * 16 + 6] = 109;
    assert_int_equal(mc->satd(a, 16, b, 16, 8, 8), 8 * 9);
    assert_int_equal(mc->satd(a, 16, b, 16, 16, 16), 8 * 9);
    assert_int_equal(mc->satd(b, 16, b, 16, 16, 16), 0);
}

/* The SIMD kernels of every level this CPU has (SSE2 rows, then AVX2
 * filters) against the per-sample reference; where there are none (not
 * x86, or FASTSR_CPU=c) this would compare the C code with itself again:
 * skipped, visibly. */
static void test_mc_simd_matches_reference(void **state)
{
    (void)state;
    const unsigned flags = fsr_cpu_flags();
    FsrH264McDSP c;
    fsr_h264_mc_dsp_init(&c, 0);
    int levels = 0;
    for (int i = 1; i < FSR_CPU_NB_LEVELS; i++) {
        if ((flags & fsr_cpu_levels[i].flags) != fsr_cpu_levels[i].flags)
            continue;
        FsrH264McDSP mc;
        fsr_h264_mc_dsp_init(&mc, fsr_cpu_levels[i].flags);
        assert_true(mc.luma != c.luma && mc.chroma != c.chroma);
        compare_mc(&mc, 8 + i);
        assert_true(mc.satd != c.satd);
        compare_satd(&mc, 108 + (uint32_t)i);
        check_satd_known(&mc);
        levels++;
    }
    if (!levels)
        tu_skip("no SIMD motion compensation here (not x86-64, or FASTSR_CPU=c): the C kernels are checked by "
                "test_mc_matches_reference");
}

static void test_mc_matches_reference(void **state)
{
    (void)state;
    FsrH264McDSP mc;
    fsr_h264_mc_dsp_init(&mc, 0);
    compare_mc(&mc, 7);
    compare_satd(&mc, 107);
    check_satd_known(&mc);
    /* half-sample b on a ramp: (E - 5F + 20G + 20H - 5I + J + 16) >> 5 */
    uint8_t ramp[32 * 32], a[16 * 16];
    for (int y = 0; y < 32; y++)
        for (int x = 0; x < 32; x++)
            ramp[y * 32 + x] = (uint8_t)(x * 8);
    FsrPlaneRef rp = { ramp, 32, 32, 32, 0 };
    mc.luma(a, 16, &rp, 8, 8, 2, 0, 8, 8);
    assert_int_equal(a[0], 68); /* between 64 and 72 */
    /* far beyond the left edge every sample is the edge sample 0 */
    mc.luma(a, 16, &rp, 0, 0, -64 * 4 + 1, 0, 8, 8);
    assert_int_equal(a[0], 0);
}

/* ---- high bit depth ---- */

enum { P16W = 48, P16H = 40, P16PAD = 32, B16W = P16W + 2 * P16PAD };

/* replicated borders around a P16W x P16H plane of B16W-sample rows */
static void replicate16(uint16_t *plane)
{
    for (int y = -P16PAD; y < P16H + P16PAD; y++)
        for (int x = -P16PAD; x < P16W + P16PAD; x++)
            plane[y * B16W + x] =
                plane[(y < 0 ? 0 : y >= P16H ? P16H - 1 : y) * B16W + (x < 0 ? 0 : x >= P16W ? P16W - 1 : x)];
}

/* luma16, chroma16 against the per-sample references, biweight16 and
 * residual16 against their formulas, on random 10-bit samples (and, in
 * every fourth round of blocks, the 0/1023 extremes) */
static void compare_mc16(const FsrH264McDSP *mc, uint32_t seed)
{
    static uint16_t padded[(P16H + 2 * P16PAD) * B16W];
    uint16_t *plane = padded + P16PAD * B16W + P16PAD;
    const int maxv = 1023;
    uint16_t a[16 * 16], b[16 * 16];
    const FsrPlaneRef clamped = { (const uint8_t *)plane, B16W * 2, P16W, P16H, 0 };
    const FsrPlaneRef pad = { (const uint8_t *)plane, B16W * 2, P16W, P16H, P16PAD };
    static const int sizes[3] = { 4, 8, 16 };
    for (int round = 0; round < 4; round++) {
        for (int y = 0; y < P16H; y++)
            for (int x = 0; x < P16W; x++) {
                const uint32_t r = tu_rand(&seed);
                plane[y * B16W + x] = (uint16_t)(round == 3 ? (r & 1 ? maxv : 0) : (int)(r % (maxv + 1)));
            }
        replicate16(plane);
        for (int s = 0; s < 9; s++)
            for (int frac = 0; frac < 16; frac++)
                for (int trial = 0; trial < 8; trial++) {
                    const int w = sizes[s % 3], h = sizes[s / 3];
                    const int x = (int)(tu_rand(&seed) % (P16W - 16 + 1)), y = (int)(tu_rand(&seed) % (P16H - 16 + 1));
                    const int div = trial & 1 ? 1 : 8;
                    const int mvx = ((int)(tu_rand(&seed) % 161) - 80) / div * 4 + (frac & 3);
                    const int mvy = ((int)(tu_rand(&seed) % 161) - 80) / div * 4 + (frac >> 2);
                    const FsrPlaneRef *ref = trial & 2 ? &pad : &clamped;
                    fsr_h264_mc_luma16_ref(b, 32, &clamped, x, y, mvx, mvy, w, h, maxv);
                    mc->luma16(a, 32, ref, x, y, mvx, mvy, w, h, maxv);
                    for (int j = 0; j < h; j++)
                        assert_memory_equal(a + j * 16, b + j * 16, (size_t)w * 2);
                    /* chroma: eighth-pel, w, h in 2, 4, 8 */
                    const int cw = w / 2, ch = h / 2, cmx = mvx * 2 + (trial & 1), cmy = mvy * 2 + ((trial >> 2) & 1);
                    fsr_h264_mc_chroma16_ref(b, 32, &clamped, x / 2, y / 2, cmx, cmy, cw, ch, maxv);
                    mc->chroma16(a, 32, ref, x / 2, y / 2, cmx, cmy, cw, ch, maxv);
                    for (int j = 0; j < ch; j++)
                        assert_memory_equal(a + j * 16, b + j * 16, (size_t)cw * 2);
                }
    }
    uint16_t p0[16 * 16], p1[16 * 16], o[16 * 16];
    int16_t res[16 * 16];
    for (int trial = 0; trial < 200; trial++) {
        for (int i = 0; i < 256; i++) {
            p0[i] = (uint16_t)(tu_rand(&seed) % 1024);
            p1[i] = trial & 1 ? p0[i] : (uint16_t)(tu_rand(&seed) % 1024);
            if (trial % 8 == 6) {
                p0[i] = p0[i] & 1 ? 1023 : 0;
                p1[i] = p1[i] & 1 ? 1023 : 0;
            }
        }
        const int w = trial & 2 ? 8 : trial & 8 ? 4 : 16, h = trial & 4 ? 8 : 16;
        const int d = (int)(tu_rand(&seed) % 8), w0 = (int)(tu_rand(&seed) % 256) - 128,
                  w1 = (int)(tu_rand(&seed) % 256) - 128, o0 = ((int)(tu_rand(&seed) % 256) - 128) * 4,
                  o1 = ((int)(tu_rand(&seed) % 256) - 128) * 4;
        /* 8-301 with offsets at the depth (o << 2 for 10 bits) */
        mc->biweight16(o, p0, p1, 32, w, h, d, w0, w1, o0, o1, maxv);
        unsigned sad = 0;
        for (int j = 0; j < h; j++)
            for (int i = 0; i < w; i++) {
                int v = ((p0[j * 16 + i] * w0 + p1[j * 16 + i] * w1 + (1 << d)) >> (d + 1)) + ((o0 + o1 + 1) >> 1);
                assert_int_equal(o[j * 16 + i], v < 0 ? 0 : v > maxv ? maxv : v);
                sad += (unsigned)abs(p0[j * 16 + i] - p1[j * 16 + i]);
            }
        mc->biweight16(o, p0, p1, 32, w, h, -1, 1, 1, 0, 0, maxv);
        for (int j = 0; j < h; j++)
            for (int i = 0; i < w; i++)
                assert_int_equal(o[j * 16 + i], (p0[j * 16 + i] + p1[j * 16 + i] + 1) >> 1);
        /* in place (dst = p0) */
        uint16_t q[16 * 16];
        memcpy(q, p0, sizeof(q));
        mc->biweight16(q, q, p1, 32, w, h, d, w0, w1, o0, o1, maxv);
        mc->biweight16(o, p0, p1, 32, w, h, d, w0, w1, o0, o1, maxv);
        for (int j = 0; j < h; j++)
            assert_memory_equal(q + j * 16, o + j * 16, (size_t)w * 2);
        /* residual: o counted in int16_t elements (16), d and p in bytes */
        memset(res, 0x55, sizeof(res));
        assert_int_equal(mc->residual16(res, 16, p0, 32, p1, 32, w, h), sad);
        for (int j = 0; j < 16; j++)
            for (int i = 0; i < 16; i++)
                assert_int_equal(res[j * 16 + i], i < w && j < h ? p0[j * 16 + i] - p1[j * 16 + i] : 0x5555);
    }
}

/* A 10-bit plane that is an 8-bit one << 2 predicts, at integer positions,
 * exactly the 8-bit prediction << 2.  Half-sample positions (b, h, j)
 * differ by the rounding: with T the 8-bit 6-tap sum (J the two-pass one),
 * the 10-bit b is floor((T + 4) / 8) against 4 floor((T + 16) / 32) (j:
 * floor((J + 128) / 256) against 4 floor((J + 512) / 1024)): within 2,
 * and within 3 where the 8-bit one clips at 255 (1020 against up to 1023).
 * Quarter positions, averages of two such, within 5. */
static void check_mc16_vs_8bit(const FsrH264McDSP *mc, uint32_t seed)
{
    static uint16_t padded[(P16H + 2 * P16PAD) * B16W];
    uint16_t *plane = padded + P16PAD * B16W + P16PAD;
    uint8_t plane8[P16H * P16W];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < P16H * P16W; i++) {
            const uint32_t r = tu_rand(&seed);
            plane8[i] = (uint8_t)(round ? (r & 1 ? 255 : 0) : r);
            plane[i / P16W * B16W + i % P16W] = (uint16_t)(plane8[i] << 2);
        }
        replicate16(plane);
        const FsrPlaneRef r8 = { plane8, P16W, P16W, P16H, 0 };
        const FsrPlaneRef r16 = { (const uint8_t *)plane, B16W * 2, P16W, P16H, P16PAD };
        int worst[16] = { 0 };
        for (int frac = 0; frac < 16; frac++)
            for (int trial = 0; trial < 40; trial++) {
                uint8_t a8[16 * 16];
                uint16_t a16[16 * 16];
                const int w = 16 >> (trial % 3), h = 16 >> (trial / 3 % 3);
                const int x = (int)(tu_rand(&seed) % (P16W - w + 1)), y = (int)(tu_rand(&seed) % (P16H - h + 1));
                const int mvx = ((int)(tu_rand(&seed) % 41) - 20) * 4 + (frac & 3);
                const int mvy = ((int)(tu_rand(&seed) % 41) - 20) * 4 + (frac >> 2);
                mc->luma(a8, 16, &r8, x, y, mvx, mvy, w, h);
                mc->luma16(a16, 32, &r16, x, y, mvx, mvy, w, h, 1023);
                for (int j = 0; j < h; j++)
                    for (int i = 0; i < w; i++) {
                        const int d = abs(a16[j * 16 + i] - (a8[j * 16 + i] << 2));
                        const int half = frac == 2 || frac == 8 || frac == 10;
                        const int bound = frac == 0 ? 0 : half ? (a8[j * 16 + i] == 255 ? 3 : 2) : 5;
                        if (d > bound)
                            fail_msg("phase %d at (%d,%d)+(%d,%d): 10-bit %d, 8-bit %d << 2", frac, x + i, y + j, mvx,
                                     mvy, a16[j * 16 + i], a8[j * 16 + i]);
                        if (d > worst[frac])
                            worst[frac] = d;
                    }
            }
        /* the bounds are met, and the rounding does show at half positions */
        assert_int_equal(worst[0], 0);
        if (round == 0)
            assert_true(worst[2] > 0 && worst[8] > 0 && worst[10] > 0);
    }
}

/* At every quarter-sample phase the prediction of a linear ramp (gradients
 * multiples of 4, so that every quarter position holds an integer; far
 * enough from the edges and from 0 and bitdepth_max that neither clamping
 * nor clipping acts) is the ramp shifted by the vector. */
static void check_mc16_ramp(const FsrH264McDSP *mc)
{
    enum { RW = 64, RH = 64 };
    static uint16_t ramp[RW * RH];
    static const int grads[3][3] = { { 100, 4, 8 }, { 900, -4, 0 }, { 2000, 12, -16 } };
    for (int g = 0; g < 3; g++) {
        const int c = grads[g][0], gx = grads[g][1], gy = grads[g][2], depth = g == 2 ? 12 : 10;
        for (int y = 0; y < RH; y++)
            for (int x = 0; x < RW; x++)
                ramp[y * RW + x] = (uint16_t)(c + gx * x + gy * y);
        const FsrPlaneRef rp = { (const uint8_t *)ramp, RW * 2, RW, RH, 0 };
        uint16_t a[16 * 16];
        for (int frac = 0; frac < 16; frac++)
            for (int ip = -3; ip <= 3; ip++) {
                const int mvx = ip * 4 + (frac & 3), mvy = -ip * 4 + (frac >> 2), x = 24, y = 24;
                mc->luma16(a, 32, &rp, x, y, mvx, mvy, 16, 16, (1 << depth) - 1);
                for (int j = 0; j < 16; j++)
                    for (int i = 0; i < 16; i++)
                        assert_int_equal(a[j * 16 + i], c + gx * (x + i) + gy * (y + j) + (gx * mvx + gy * mvy) / 4);
            }
    }
}

static void test_mc16(void **state)
{
    (void)state;
    const unsigned flags = fsr_cpu_flags();
    FsrH264McDSP c;
    fsr_h264_mc_dsp_init(&c, 0);
    compare_mc16(&c, 201);
    check_mc16_vs_8bit(&c, 301);
    check_mc16_ramp(&c);
    for (int i = 1; i < FSR_CPU_NB_LEVELS; i++) {
        if ((flags & fsr_cpu_levels[i].flags) != fsr_cpu_levels[i].flags)
            continue;
        FsrH264McDSP mc;
        fsr_h264_mc_dsp_init(&mc, fsr_cpu_levels[i].flags);
        compare_mc16(&mc, 201 + (uint32_t)i);
        check_mc16_vs_8bit(&mc, 301 + (uint32_t)i);
        check_mc16_ramp(&mc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mc_matches_reference),
        cmocka_unit_test(test_mc_simd_matches_reference),
        cmocka_unit_test(test_mc16),
    };
    return tu_result(cmocka_run_group_tests_name("h264_mc", tests, NULL, NULL));
}
