/* The block code of the LR H.264 motion compensation, written once and
 * compiled once per ISA level: h264_mc.c includes it for the C entries,
 * x86/h264_mc_sse2.c and x86/h264_mc_avx2.c for theirs.  Why a template:
 * the levels differ only in a few row kernels (SSE2: averages, weighting,
 * SAD, residual and 8-wide chroma rows; AVX2 adds the 16-wide 6-tap
 * half-sample rows), while the block logic around them (edge clamping,
 * which half-sample planes a position needs, the sixteen luma positions,
 * the width dispatch) is long and the same at every level.  One copy of it,
 * with the level's rows inlined into each entry, keeps the levels from
 * drifting apart, and the level is decided when the table is filled, never
 * per call.
 *
 * The including file defines H264_MC_LEVEL (one of the levels below) and,
 * above the include, the row kernels of its level:
 *   SSE2 and up: avg_rows_sse2, chroma8_sse2, biweight_rows_sse2,
 *                sad_rows_sse2, residual_rows_sse2, satd_rows8_sse2
 *                (x86/h264_mc_sse2.h);
 *   AVX2:        h6_rows16_avx2, v6_rows16_avx2, c6_rows16_avx2,
 *                satd_rows16_avx2, and for the high-bit-depth entries
 *                h6_rows_u16_avx2, v6_rows_u16_avx2, c6_rows_u16_avx2,
 *                avg16_rows_avx2, residual16_rows_avx2.
 * It defines one static function per table entry and fill_entries(),
 * which installs them. */
#ifndef H264_MC_LEVEL
#error "define H264_MC_LEVEL before including h264_mc_tmpl.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "h264_mc.h"
#include "intops.h"

#define H264_MC_C 0
#define H264_MC_SSE2 1
#define H264_MC_AVX2 2

#define WIN FSR_H264_MC_WIN

static inline __attribute__((always_inline)) void avg_rows(uint8_t *dst, ptrdiff_t ds,
                                                           const uint8_t *a, ptrdiff_t as, const uint8_t *b,
                                                           ptrdiff_t bs, const int w, int h)
{
#if H264_MC_LEVEL >= H264_MC_SSE2
    if (w == 16 || w == 8) {
        avg_rows_sse2(dst, ds, a, as, b, bs, w, h);
        return;
    }
#endif
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            dst[j * ds + i] = (uint8_t)((a[j * as + i] + b[j * bs + i] + 1) >> 1);
}

static inline __attribute__((always_inline)) void copy_rows(uint8_t *restrict dst, ptrdiff_t ds, const uint8_t *a,
                                                            ptrdiff_t as, const int w, int h)
{
    for (int j = 0; j < h; j++)
        memcpy(dst + j * ds, a + j * as, (size_t)w);
}

static inline __attribute__((always_inline)) void mc_luma_block(uint8_t *restrict dst, ptrdiff_t ds,
                                                                const uint8_t *src, ptrdiff_t ss, int fx, int fy,
                                                                const int w, int h)
{
    /* hb: horizontal half samples for rows -2..h+2 (clipped), rows 0..h used
     * by b and s; tmp: unclipped, for j.  hv: vertical half samples for
     * columns 0..w (column w is m).  hc: centre j. */
    uint8_t hb[WIN * WIN], hv[WIN * WIN], hc[16 * 16];
    int16_t tmp[WIN * WIN];
    const int need_b = fx != 0;
    const int need_v = fy != 0 && fx != 2;
    const int need_c = (fx == 2 && fy != 0) || (fy == 2 && fx != 0);
    const int avx2 = H264_MC_LEVEL >= H264_MC_AVX2 && w == 16;
    if (need_b || need_c) {
        const int r0 = need_c ? -2 : 0, r1 = need_c ? h + 3 : h + 1;
#if H264_MC_LEVEL >= H264_MC_AVX2
        if (avx2)
            h6_rows16_avx2(tmp + (r0 + 2) * WIN, hb + (r0 + 2) * WIN, src + r0 * ss, ss, r1 - r0);
#endif
        for (int j = avx2 ? r1 : r0; j < r1; j++) {
            const uint8_t *s = src + j * ss;
            int16_t *restrict t = tmp + (j + 2) * WIN;
            uint8_t *restrict o = hb + (j + 2) * WIN;
            for (int i = 0; i < w; i++) {
                int v = s[i - 2] - 5 * s[i - 1] + 20 * s[i] + 20 * s[i + 1] - 5 * s[i + 2] + s[i + 3];
                t[i] = (int16_t)v;
                o[i] = clip8((v + 16) >> 5);
            }
        }
    }
    if (need_v) {
#if H264_MC_LEVEL >= H264_MC_AVX2
        if (avx2)
            v6_rows16_avx2(hv, src, ss, h);
#endif
        for (int j = 0; j < h; j++) {
            const uint8_t *s = src + j * ss;
            uint8_t *restrict o = hv + j * WIN;
            for (int i = 0; i < (avx2 ? 0 : w); i++) {
                int v = s[i - 2 * ss] - 5 * s[i - ss] + 20 * s[i] + 20 * s[i + ss] - 5 * s[i + 2 * ss] + s[i + 3 * ss];
                o[i] = clip8((v + 16) >> 5);
            }
            /* column w (m of the last column) */
            const int i = w;
            int v = s[i - 2 * ss] - 5 * s[i - ss] + 20 * s[i] + 20 * s[i + ss] - 5 * s[i + 2 * ss] + s[i + 3 * ss];
            o[i] = clip8((v + 16) >> 5);
        }
    }
    if (need_c) {
#if H264_MC_LEVEL >= H264_MC_AVX2
        if (avx2)
            c6_rows16_avx2(hc, tmp + 2 * WIN, h);
#endif
        for (int j = 0; j < (avx2 ? 0 : h); j++) {
            const int16_t *t = tmp + (j + 2) * WIN;
            uint8_t *restrict o = hc + j * 16;
            for (int i = 0; i < w; i++) {
                int v = t[i - 2 * WIN] - 5 * t[i - WIN] + 20 * t[i] + 20 * t[i + WIN] - 5 * t[i + 2 * WIN] + t[i + 3 * WIN];
                o[i] = clip8((v + 512) >> 10);
            }
        }
    }
    const uint8_t *B = hb + 2 * WIN, *S = hb + 3 * WIN, *V = hv, *M = hv + 1;
    switch (fy * 4 + fx) {
    case 0: copy_rows(dst, ds, src, ss, w, h); break;
    case 1: avg_rows(dst, ds, src, ss, B, WIN, w, h); break;
    case 2: copy_rows(dst, ds, B, WIN, w, h); break;
    case 3: avg_rows(dst, ds, src + 1, ss, B, WIN, w, h); break;
    case 4: avg_rows(dst, ds, src, ss, V, WIN, w, h); break;
    case 5: avg_rows(dst, ds, B, WIN, V, WIN, w, h); break;
    case 6: avg_rows(dst, ds, B, WIN, hc, 16, w, h); break;
    case 7: avg_rows(dst, ds, B, WIN, M, WIN, w, h); break;
    case 8: copy_rows(dst, ds, V, WIN, w, h); break;
    case 9: avg_rows(dst, ds, V, WIN, hc, 16, w, h); break;
    case 10: copy_rows(dst, ds, hc, 16, w, h); break;
    case 11: avg_rows(dst, ds, hc, 16, M, WIN, w, h); break;
    case 12: avg_rows(dst, ds, src + ss, ss, V, WIN, w, h); break;
    case 13: avg_rows(dst, ds, V, WIN, S, WIN, w, h); break;
    case 14: avg_rows(dst, ds, hc, 16, S, WIN, w, h); break;
    default: avg_rows(dst, ds, M, WIN, S, WIN, w, h); break;
    }
}

static void luma(uint8_t *dst, ptrdiff_t ds, const FsrPlaneRef *ref, int x, int y, int mvx, int mvy, int w, int h)
{
    const int ix = x + (mvx >> 2), iy = y + (mvy >> 2), fx = mvx & 3, fy = mvy & 3;
    /* src points at the block's integer sample with 2 rows/cols before and
     * 3 after available; borders are built by clamping when needed. */
    uint8_t edge[WIN * WIN];
    const uint8_t *src;
    ptrdiff_t ss;
    const int pad = ref->pad;
    if (ix - 2 >= -pad && iy - 2 >= -pad && ix + w + 3 <= ref->w + pad && iy + h + 3 <= ref->h + pad) {
        src = ref->data + (ptrdiff_t)iy * ref->stride + ix;
        ss = ref->stride;
    } else {
        /* rows clamped once; the run inside the plane copied, the rest
         * filled with the edge samples */
        const int x0 = ix - 2, n = w + 5;
        const int in0 = clampi(-x0, 0, n), in1 = clampi(ref->w - x0, 0, n);
        for (int j = 0; j < h + 5; j++) {
            const uint8_t *row = ref->data + (ptrdiff_t)clampi(iy - 2 + j, 0, ref->h - 1) * ref->stride;
            uint8_t *e = edge + j * WIN;
            if (in1 > in0) {
                memset(e, row[0], (size_t)in0);
                memcpy(e + in0, row + x0 + in0, (size_t)(in1 - in0));
                memset(e + in1, row[ref->w - 1], (size_t)(n - in1));
            } else {
                memset(e, x0 < 0 ? row[0] : row[ref->w - 1], (size_t)n);
            }
        }
        src = edge + 2 * WIN + 2;
        ss = WIN;
    }
    if (w == 16)
        mc_luma_block(dst, ds, src, ss, fx, fy, 16, h);
    else if (w == 8)
        mc_luma_block(dst, ds, src, ss, fx, fy, 8, h);
    else
        mc_luma_block(dst, ds, src, ss, fx, fy, w, h);
}

static inline __attribute__((always_inline)) void mc_chroma_block(uint8_t *restrict dst, ptrdiff_t ds,
                                                                  const uint8_t *src, ptrdiff_t ss, int fx, int fy,
                                                                  const int w, int h)
{
    const int a = (8 - fx) * (8 - fy), b = fx * (8 - fy), c = (8 - fx) * fy, d = fx * fy;
    for (int j = 0; j < h; j++) {
        const uint8_t *s = src + j * ss;
        for (int i = 0; i < w; i++)
            dst[j * ds + i] = (uint8_t)((a * s[i] + b * s[i + 1] + c * s[i + ss] + d * s[i + ss + 1] + 32) >> 6);
    }
}

static void chroma(uint8_t *dst, ptrdiff_t ds, const FsrPlaneRef *ref, int x, int y, int mvx, int mvy, int w, int h)
{
    const int ix = x + (mvx >> 3), iy = y + (mvy >> 3), fx = mvx & 7, fy = mvy & 7;
    uint8_t edge[9 * 9];
    const uint8_t *src;
    ptrdiff_t ss;
    const int pad = ref->pad;
    if (ix >= -pad && iy >= -pad && ix + w + 1 <= ref->w + pad && iy + h + 1 <= ref->h + pad) {
        src = ref->data + (ptrdiff_t)iy * ref->stride + ix;
        ss = ref->stride;
    } else {
        for (int j = 0; j < h + 1; j++) {
            const uint8_t *row = ref->data + (ptrdiff_t)clampi(iy + j, 0, ref->h - 1) * ref->stride;
            for (int i = 0; i < w + 1; i++)
                edge[j * 9 + i] = row[clampi(ix + i, 0, ref->w - 1)];
        }
        src = edge;
        ss = 9;
    }
    if (!fx && !fy) {
        if (w == 8)
            copy_rows(dst, ds, src, ss, 8, h);
        else if (w == 4)
            copy_rows(dst, ds, src, ss, 4, h);
        else
            copy_rows(dst, ds, src, ss, w, h);
        return;
    }
#if H264_MC_LEVEL >= H264_MC_SSE2
    if (w == 8) {
        chroma8_sse2(dst, ds, src, ss, fx, fy, h);
        return;
    }
#endif
    if (w == 8)
        mc_chroma_block(dst, ds, src, ss, fx, fy, 8, h);
    else if (w == 4)
        mc_chroma_block(dst, ds, src, ss, fx, fy, 4, h);
    else
        mc_chroma_block(dst, ds, src, ss, fx, fy, w, h);
}

static void biweight(uint8_t *dst, const uint8_t *p0, const uint8_t *p1, ptrdiff_t s, int w, int h, int log2_denom,
                     int w0, int w1, int o0, int o1)
{
    if (log2_denom < 0) {
        if (w == 16)
            avg_rows(dst, s, p0, s, p1, s, 16, h);
        else if (w == 8)
            avg_rows(dst, s, p0, s, p1, s, 8, h);
        else
            avg_rows(dst, s, p0, s, p1, s, w, h);
        return;
    }
    const int o = (o0 + o1 + 1) >> 1;
#if H264_MC_LEVEL >= H264_MC_SSE2
    if (w == 16 || w == 8) {
        biweight_rows_sse2(dst, p0, p1, s, w, h, log2_denom, w0, w1, o);
        return;
    }
#endif
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            dst[j * s + i] =
                clip8(((p0[j * s + i] * w0 + p1[j * s + i] * w1 + (1 << log2_denom)) >> (log2_denom + 1)) + o);
}

static inline __attribute__((always_inline)) unsigned sad_block(const uint8_t *a, ptrdiff_t as, const uint8_t *b,
                                                                 ptrdiff_t bs, const int w, int h)
{
    unsigned sad = 0;
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            sad += (unsigned)abs(a[j * as + i] - b[j * bs + i]);
    return sad;
}

static inline __attribute__((always_inline)) unsigned block_sad(const uint8_t *a, ptrdiff_t as, const uint8_t *b,
                                                                ptrdiff_t bs, int w, int h)
{
#if H264_MC_LEVEL >= H264_MC_SSE2
    if (w == 16 || w == 8)
        return sad_rows_sse2(a, as, b, bs, w, h);
#endif
    if (w == 16)
        return sad_block(a, as, b, bs, 16, h);
    if (w == 8)
        return sad_block(a, as, b, bs, 8, h);
    return sad_block(a, as, b, bs, w, h);
}

static unsigned sad(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h)
{
    return block_sad(a, as, b, bs, w, h);
}

/* Stops after the row where the sum reaches limit (the caller only wants
 * smaller sums). */
static inline __attribute__((always_inline)) unsigned sad_below_block(const uint8_t *a, ptrdiff_t as,
                                                                      const uint8_t *b, ptrdiff_t bs, const int w,
                                                                      int h, unsigned limit)
{
    unsigned sum = 0;
    for (int j = 0; j < h; j += 4) {
#if H264_MC_LEVEL >= H264_MC_SSE2
        sum += sad_rows_sse2(a + j * as, as, b + j * bs, bs, w, 4);
#else
        for (int r = j; r < j + 4; r++)
            for (int i = 0; i < w; i++)
                sum += (unsigned)abs(a[r * as + i] - b[r * bs + i]);
#endif
        if (sum >= limit)
            return sum;
    }
    return sum;
}

static unsigned sad_below(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h,
                          unsigned limit)
{
    if ((h & 3) == 0 && w == 16)
        return sad_below_block(a, as, b, bs, 16, h, limit);
    if ((h & 3) == 0 && w == 8)
        return sad_below_block(a, as, b, bs, 8, h, limit);
    return block_sad(a, as, b, bs, w, h);
}

static unsigned sad_avg_below(const uint8_t *a, ptrdiff_t as, const uint8_t *p0, const uint8_t *p1, ptrdiff_t ps,
                              int w, int h, unsigned limit)
{
    unsigned sum = 0;
#if H264_MC_LEVEL >= H264_MC_SSE2
    if ((h & 3) == 0 && (w == 16 || w == 8)) {
        for (int j = 0; j < h && sum < limit; j += 4)
            sum += sad_avg_rows_sse2(a + j * as, as, p0 + j * ps, p1 + j * ps, ps, w, 4);
        return sum;
    }
#endif
    for (int j = 0; j < h; j++) {
        for (int i = 0; i < w; i++)
            sum += (unsigned)abs(a[j * as + i] - ((p0[j * ps + i] + p1[j * ps + i] + 1) >> 1));
        /* early exit in whole rows of 4, as sad_below */
        if ((j & 3) == 3 && sum >= limit)
            return sum;
    }
    return sum;
}

static inline __attribute__((always_inline)) unsigned residual_block(int16_t *restrict o, ptrdiff_t os,
                                                                     const uint8_t *d, ptrdiff_t ds, const uint8_t *p,
                                                                     ptrdiff_t ps, const int w, int h)
{
    unsigned sad = 0;
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++) {
            const int v = d[j * ds + i] - p[j * ps + i];
            o[j * os + i] = (int16_t)v;
            sad += (unsigned)abs(v);
        }
    return sad;
}

static unsigned residual(int16_t *o, ptrdiff_t os, const uint8_t *d, ptrdiff_t ds, const uint8_t *p, ptrdiff_t ps,
                         int w, int h)
{
#if H264_MC_LEVEL >= H264_MC_SSE2
    if (w == 16 || w == 8)
        return residual_rows_sse2(o, os, d, ds, p, ps, w, h);
#endif
    if (w == 16)
        return residual_block(o, os, d, ds, p, ps, 16, h);
    if (w == 8)
        return residual_block(o, os, d, ds, p, ps, 8, h);
    if (w == 4)
        return residual_block(o, os, d, ds, p, ps, 4, h);
    return residual_block(o, os, d, ds, p, ps, w, h);
}

/* The halved |Hadamard| sum of one 4x4 difference block by butterflies
 * (the C entry; fsr_h264_satd_ref is the matrix definition it is tested
 * against).  The sum of one 4x4 is always even (all sixteen coefficients
 * have the parity of the sum of the differences), so halving loses
 * nothing. */
static inline __attribute__((always_inline)) unsigned satd4x4(const uint8_t *a, ptrdiff_t as, const uint8_t *b,
                                                              ptrdiff_t bs)
{
    int t[4][4];
    for (int j = 0; j < 4; j++) {
        const int d0 = a[j * as] - b[j * bs], d1 = a[j * as + 1] - b[j * bs + 1];
        const int d2 = a[j * as + 2] - b[j * bs + 2], d3 = a[j * as + 3] - b[j * bs + 3];
        const int s0 = d0 + d1, s1 = d2 + d3, e0 = d0 - d1, e1 = d2 - d3;
        t[j][0] = s0 + s1;
        t[j][1] = e0 + e1;
        t[j][2] = s0 - s1;
        t[j][3] = e0 - e1;
    }
    unsigned sum = 0;
    for (int i = 0; i < 4; i++) {
        const int s0 = t[0][i] + t[1][i], s1 = t[2][i] + t[3][i], e0 = t[0][i] - t[1][i], e1 = t[2][i] - t[3][i];
        sum += (unsigned)(abs(s0 + s1) + abs(s0 - s1) + abs(e0 + e1) + abs(e0 - e1));
    }
    return sum >> 1;
}

static unsigned satd(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h)
{
#if H264_MC_LEVEL >= H264_MC_AVX2
    if (w == 16)
        return satd_rows16_avx2(a, as, b, bs, h);
#endif
    unsigned sum = 0;
    int x0 = 0;
#if H264_MC_LEVEL >= H264_MC_SSE2
    if (w >= 8) {
        x0 = w & ~7;
        sum = satd_rows8_sse2(a, as, b, bs, x0, h);
    }
#endif
    for (int y = 0; y < h; y += 4)
        for (int x = x0; x < w; x += 4)
            sum += satd4x4(a + y * as + x, as, b + y * bs + x, bs);
    return sum;
}

/* ---- high bit depth: uint16_t samples, 32-bit intermediate sums ----
 * The same block logic as the 8-bit luma above; sample-plane strides are
 * in bytes at the entries (h264_mc.h) and in elements inside.  The AVX2
 * level brings its 8-lane 32-bit 6-tap rows (h6_rows_u16_avx2,
 * v6_rows_u16_avx2, c6_rows_u16_avx2), avg16_rows_avx2 and
 * residual16_rows_avx2 for blocks 8 or 16 wide. */

static inline __attribute__((always_inline)) void avg16_rows(uint16_t *dst, ptrdiff_t ds, const uint16_t *a,
                                                             ptrdiff_t as, const uint16_t *b, ptrdiff_t bs,
                                                             const int w, int h)
{
#if H264_MC_LEVEL >= H264_MC_AVX2
    if (w == 16 || w == 8) {
        avg16_rows_avx2(dst, ds, a, as, b, bs, w, h);
        return;
    }
#endif
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            dst[j * ds + i] = (uint16_t)((a[j * as + i] + b[j * bs + i] + 1) >> 1);
}

static inline __attribute__((always_inline)) void copy16_rows(uint16_t *restrict dst, ptrdiff_t ds,
                                                              const uint16_t *a, ptrdiff_t as, const int w, int h)
{
    for (int j = 0; j < h; j++)
        memcpy(dst + j * ds, a + j * as, (size_t)w * sizeof(uint16_t));
}

/* dst and src strides in elements; src has 2 samples before and 3 after
 * the block on both axes */
static inline __attribute__((always_inline)) void mc_luma16_block(uint16_t *restrict dst, ptrdiff_t ds,
                                                                  const uint16_t *src, ptrdiff_t ss, int fx, int fy,
                                                                  const int w, int h, int maxv)
{
    uint16_t hb[WIN * WIN], hv[WIN * WIN], hc[16 * 16];
    int32_t tmp[WIN * WIN];
    const int need_b = fx != 0;
    const int need_v = fy != 0 && fx != 2;
    const int need_c = (fx == 2 && fy != 0) || (fy == 2 && fx != 0);
    const int simd = H264_MC_LEVEL >= H264_MC_AVX2 && (w == 16 || w == 8);
    if (need_b || need_c) {
        const int r0 = need_c ? -2 : 0, r1 = need_c ? h + 3 : h + 1;
#if H264_MC_LEVEL >= H264_MC_AVX2
        if (simd)
            h6_rows_u16_avx2(tmp + (r0 + 2) * WIN, hb + (r0 + 2) * WIN, src + r0 * ss, ss, r1 - r0, w, maxv);
#endif
        for (int j = simd ? r1 : r0; j < r1; j++) {
            const uint16_t *s = src + j * ss;
            int32_t *restrict t = tmp + (j + 2) * WIN;
            uint16_t *restrict o = hb + (j + 2) * WIN;
            for (int i = 0; i < w; i++) {
                const int v = s[i - 2] - 5 * s[i - 1] + 20 * s[i] + 20 * s[i + 1] - 5 * s[i + 2] + s[i + 3];
                t[i] = v;
                o[i] = (uint16_t)clampi((v + 16) >> 5, 0, maxv);
            }
        }
    }
    if (need_v) {
#if H264_MC_LEVEL >= H264_MC_AVX2
        if (simd)
            v6_rows_u16_avx2(hv, src, ss, h, w, maxv);
#endif
        for (int j = 0; j < h; j++) {
            const uint16_t *s = src + j * ss;
            uint16_t *restrict o = hv + j * WIN;
            /* column w: m of the last column */
            for (int i = simd ? w : 0; i <= w; i++) {
                const int v =
                    s[i - 2 * ss] - 5 * s[i - ss] + 20 * s[i] + 20 * s[i + ss] - 5 * s[i + 2 * ss] + s[i + 3 * ss];
                o[i] = (uint16_t)clampi((v + 16) >> 5, 0, maxv);
            }
        }
    }
    if (need_c) {
#if H264_MC_LEVEL >= H264_MC_AVX2
        if (simd)
            c6_rows_u16_avx2(hc, tmp + 2 * WIN, h, w, maxv);
#endif
        for (int j = 0; j < (simd ? 0 : h); j++) {
            const int32_t *t = tmp + (j + 2) * WIN;
            uint16_t *restrict o = hc + j * 16;
            for (int i = 0; i < w; i++) {
                const int v =
                    t[i - 2 * WIN] - 5 * t[i - WIN] + 20 * t[i] + 20 * t[i + WIN] - 5 * t[i + 2 * WIN] + t[i + 3 * WIN];
                o[i] = (uint16_t)clampi((v + 512) >> 10, 0, maxv);
            }
        }
    }
    const uint16_t *B = hb + 2 * WIN, *S = hb + 3 * WIN, *V = hv, *M = hv + 1;
    switch (fy * 4 + fx) {
    case 0: copy16_rows(dst, ds, src, ss, w, h); break;
    case 1: avg16_rows(dst, ds, src, ss, B, WIN, w, h); break;
    case 2: copy16_rows(dst, ds, B, WIN, w, h); break;
    case 3: avg16_rows(dst, ds, src + 1, ss, B, WIN, w, h); break;
    case 4: avg16_rows(dst, ds, src, ss, V, WIN, w, h); break;
    case 5: avg16_rows(dst, ds, B, WIN, V, WIN, w, h); break;
    case 6: avg16_rows(dst, ds, B, WIN, hc, 16, w, h); break;
    case 7: avg16_rows(dst, ds, B, WIN, M, WIN, w, h); break;
    case 8: copy16_rows(dst, ds, V, WIN, w, h); break;
    case 9: avg16_rows(dst, ds, V, WIN, hc, 16, w, h); break;
    case 10: copy16_rows(dst, ds, hc, 16, w, h); break;
    case 11: avg16_rows(dst, ds, hc, 16, M, WIN, w, h); break;
    case 12: avg16_rows(dst, ds, src + ss, ss, V, WIN, w, h); break;
    case 13: avg16_rows(dst, ds, V, WIN, S, WIN, w, h); break;
    case 14: avg16_rows(dst, ds, hc, 16, S, WIN, w, h); break;
    default: avg16_rows(dst, ds, M, WIN, S, WIN, w, h); break;
    }
}

static void luma16(uint16_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int mvx, int mvy, int w,
                   int h, int maxv)
{
    const int ix = x + (mvx >> 2), iy = y + (mvy >> 2), fx = mvx & 3, fy = mvy & 3;
    const ptrdiff_t rs = ref->stride / (ptrdiff_t)sizeof(uint16_t), ds = dst_stride / (ptrdiff_t)sizeof(uint16_t);
    const uint16_t *data = (const uint16_t *)(const void *)ref->data;
    uint16_t edge[WIN * WIN];
    const uint16_t *src;
    ptrdiff_t ss;
    const int pad = ref->pad;
    if (ix - 2 >= -pad && iy - 2 >= -pad && ix + w + 3 <= ref->w + pad && iy + h + 3 <= ref->h + pad) {
        src = data + (ptrdiff_t)iy * rs + ix;
        ss = rs;
    } else {
        /* the (w + 5) x (h + 5) window, clamped to the plane */
        const int x0 = ix - 2, n = w + 5;
        for (int j = 0; j < h + 5; j++) {
            const uint16_t *r = data + (ptrdiff_t)clampi(iy - 2 + j, 0, ref->h - 1) * rs;
            uint16_t *e = edge + j * WIN;
            for (int i = 0; i < n; i++)
                e[i] = r[clampi(x0 + i, 0, ref->w - 1)];
        }
        src = edge + 2 * WIN + 2;
        ss = WIN;
    }
    if (w == 16)
        mc_luma16_block(dst, ds, src, ss, fx, fy, 16, h, maxv);
    else if (w == 8)
        mc_luma16_block(dst, ds, src, ss, fx, fy, 8, h, maxv);
    else if (w == 4)
        mc_luma16_block(dst, ds, src, ss, fx, fy, 4, h, maxv);
    else
        mc_luma16_block(dst, ds, src, ss, fx, fy, w, h, maxv);
}

static inline __attribute__((always_inline)) void mc_chroma16_block(uint16_t *restrict dst, ptrdiff_t ds,
                                                                    const uint16_t *src, ptrdiff_t ss, int fx, int fy,
                                                                    const int w, int h)
{
    const int a = (8 - fx) * (8 - fy), b = fx * (8 - fy), c = (8 - fx) * fy, d = fx * fy;
    for (int j = 0; j < h; j++) {
        const uint16_t *s = src + j * ss;
        for (int i = 0; i < w; i++)
            dst[j * ds + i] = (uint16_t)((a * s[i] + b * s[i + 1] + c * s[i + ss] + d * s[i + ss + 1] + 32) >> 6);
    }
}

static void chroma16(uint16_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int mvx, int mvy,
                     int w, int h, int maxv)
{
    (void)maxv;
    const int ix = x + (mvx >> 3), iy = y + (mvy >> 3), fx = mvx & 7, fy = mvy & 7;
    const ptrdiff_t rs = ref->stride / (ptrdiff_t)sizeof(uint16_t), ds = dst_stride / (ptrdiff_t)sizeof(uint16_t);
    const uint16_t *data = (const uint16_t *)(const void *)ref->data;
    uint16_t edge[9 * 9];
    const uint16_t *src;
    ptrdiff_t ss;
    const int pad = ref->pad;
    if (ix >= -pad && iy >= -pad && ix + w + 1 <= ref->w + pad && iy + h + 1 <= ref->h + pad) {
        src = data + (ptrdiff_t)iy * rs + ix;
        ss = rs;
    } else {
        for (int j = 0; j < h + 1; j++) {
            const uint16_t *r = data + (ptrdiff_t)clampi(iy + j, 0, ref->h - 1) * rs;
            for (int i = 0; i < w + 1; i++)
                edge[j * 9 + i] = r[clampi(ix + i, 0, ref->w - 1)];
        }
        src = edge;
        ss = 9;
    }
    if (!fx && !fy)
        copy16_rows(dst, ds, src, ss, w, h);
    else if (w == 8)
        mc_chroma16_block(dst, ds, src, ss, fx, fy, 8, h);
    else if (w == 4)
        mc_chroma16_block(dst, ds, src, ss, fx, fy, 4, h);
    else
        mc_chroma16_block(dst, ds, src, ss, fx, fy, w, h);
}

static void biweight16(uint16_t *dst, const uint16_t *p0, const uint16_t *p1, ptrdiff_t stride, int w, int h,
                       int log2_denom, int w0, int w1, int o0, int o1, int maxv)
{
    const ptrdiff_t s = stride / (ptrdiff_t)sizeof(uint16_t);
    if (log2_denom < 0) {
        if (w == 16)
            avg16_rows(dst, s, p0, s, p1, s, 16, h);
        else if (w == 8)
            avg16_rows(dst, s, p0, s, p1, s, 8, h);
        else
            avg16_rows(dst, s, p0, s, p1, s, w, h);
        return;
    }
    const int o = (o0 + o1 + 1) >> 1;
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            dst[j * s + i] = (uint16_t)clampi(
                ((p0[j * s + i] * w0 + p1[j * s + i] * w1 + (1 << log2_denom)) >> (log2_denom + 1)) + o, 0, maxv);
}

static inline __attribute__((always_inline)) unsigned residual16_block(int16_t *restrict o, ptrdiff_t os,
                                                                       const uint16_t *d, ptrdiff_t ds,
                                                                       const uint16_t *p, ptrdiff_t ps, const int w,
                                                                       int h)
{
    unsigned sad = 0;
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++) {
            const int v = d[j * ds + i] - p[j * ps + i];
            o[j * os + i] = (int16_t)(uint16_t)v;
            sad += (unsigned)abs(v);
        }
    return sad;
}

static unsigned residual16(int16_t *o, ptrdiff_t os, const uint16_t *d, ptrdiff_t ds_bytes, const uint16_t *p,
                           ptrdiff_t ps_bytes, int w, int h)
{
    const ptrdiff_t ds = ds_bytes / (ptrdiff_t)sizeof(uint16_t), ps = ps_bytes / (ptrdiff_t)sizeof(uint16_t);
#if H264_MC_LEVEL >= H264_MC_AVX2
    if (w == 16 || w == 8)
        return residual16_rows_avx2(o, os, d, ds, p, ps, w, h);
#endif
    if (w == 16)
        return residual16_block(o, os, d, ds, p, ps, 16, h);
    if (w == 8)
        return residual16_block(o, os, d, ds, p, ps, 8, h);
    if (w == 4)
        return residual16_block(o, os, d, ds, p, ps, 4, h);
    return residual16_block(o, os, d, ds, p, ps, w, h);
}

static void fill_entries(FsrH264McDSP *dsp)
{
    dsp->luma = luma;
    dsp->chroma = chroma;
    dsp->biweight = biweight;
    dsp->residual = residual;
    dsp->sad = sad;
    dsp->sad_below = sad_below;
    dsp->sad_avg_below = sad_avg_below;
    dsp->satd = satd;
    dsp->luma16 = luma16;
    dsp->chroma16 = chroma16;
    dsp->biweight16 = biweight16;
    dsp->residual16 = residual16;
}
