#include "h264_mc.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define HAVE_X86 1
#else
#define HAVE_X86 0
#endif

#include <pthread.h>

#include "cpu.h"
#include "intops.h"

/* The block code is written once, for an ISA level given as a constant:
 * always-inlined into one function per level (the table's entries, at the
 * end), so the level is decided when the table is filled, never per call. */
enum { ISA_C, ISA_SSE2, ISA_AVX2 };

/* ---- plain C reference: each sample from its defining equations ---- */

static int px(const FsrMcPlane *r, int x, int y)
{
    return r->data[(ptrdiff_t)clampi(y, 0, r->h - 1) * r->stride + clampi(x, 0, r->w - 1)];
}

/* unclipped 6-tap sums around (x + 1/2, y) and (x, y + 1/2) */
static int tap_h(const FsrMcPlane *r, int x, int y)
{
    return px(r, x - 2, y) - 5 * px(r, x - 1, y) + 20 * px(r, x, y) + 20 * px(r, x + 1, y) - 5 * px(r, x + 2, y) +
           px(r, x + 3, y);
}

static int tap_v(const FsrMcPlane *r, int x, int y)
{
    return px(r, x, y - 2) - 5 * px(r, x, y - 1) + 20 * px(r, x, y) + 20 * px(r, x, y + 1) - 5 * px(r, x, y + 2) +
           px(r, x, y + 3);
}

static int half_h(const FsrMcPlane *r, int x, int y) { return clip8((tap_h(r, x, y) + 16) >> 5); }
static int half_v(const FsrMcPlane *r, int x, int y) { return clip8((tap_v(r, x, y) + 16) >> 5); }
static int half_c(const FsrMcPlane *r, int x, int y)
{
    int s = tap_h(r, x, y - 2) - 5 * tap_h(r, x, y - 1) + 20 * tap_h(r, x, y) + 20 * tap_h(r, x, y + 1) -
            5 * tap_h(r, x, y + 2) + tap_h(r, x, y + 3);
    return clip8((s + 512) >> 10);
}

static int luma_sample(const FsrMcPlane *r, int x, int y, int fx, int fy)
{
    /* Table 8-12: G, b, h, j and their neighbours; quarter positions are
     * rounded-up averages of the two nearest integer/half samples. */
    const int G = px(r, x, y);
    switch (fy * 4 + fx) {
    case 0: return G;
    case 1: return (G + half_h(r, x, y) + 1) >> 1;                   /* a */
    case 2: return half_h(r, x, y);                                  /* b */
    case 3: return (px(r, x + 1, y) + half_h(r, x, y) + 1) >> 1;     /* c */
    case 4: return (G + half_v(r, x, y) + 1) >> 1;                   /* d */
    case 5: return (half_h(r, x, y) + half_v(r, x, y) + 1) >> 1;     /* e */
    case 6: return (half_h(r, x, y) + half_c(r, x, y) + 1) >> 1;     /* f */
    case 7: return (half_h(r, x, y) + half_v(r, x + 1, y) + 1) >> 1; /* g */
    case 8: return half_v(r, x, y);                                  /* h */
    case 9: return (half_v(r, x, y) + half_c(r, x, y) + 1) >> 1;     /* i */
    case 10: return half_c(r, x, y);                                 /* j */
    case 11: return (half_c(r, x, y) + half_v(r, x + 1, y) + 1) >> 1; /* k */
    case 12: return (px(r, x, y + 1) + half_v(r, x, y) + 1) >> 1;     /* n */
    case 13: return (half_v(r, x, y) + half_h(r, x, y + 1) + 1) >> 1; /* p */
    case 14: return (half_c(r, x, y) + half_h(r, x, y + 1) + 1) >> 1; /* q */
    default: return (half_v(r, x + 1, y) + half_h(r, x, y + 1) + 1) >> 1; /* r */
    }
}

void fsr_h264_mc_luma_ref(uint8_t *dst, ptrdiff_t ds, const FsrMcPlane *ref, int x, int y, int mvx, int mvy, int w,
                          int h)
{
    const int ix = x + (mvx >> 2), iy = y + (mvy >> 2), fx = mvx & 3, fy = mvy & 3;
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            dst[j * ds + i] = (uint8_t)luma_sample(ref, ix + i, iy + j, fx, fy);
}

/* ---- block version: whole rows of half-sample planes ---- */

#define WIN 24 /* 16 + 5 taps, rounded up */

#if HAVE_X86
/* 16-wide rows with AVX2: 6-tap sums in 16-bit lanes (they fit: at most
 * 20*255*2 + 2*255), the centre pass in 32-bit lanes. */
__attribute__((target("avx2"))) static inline __m256i tap6_u8_avx2(const uint8_t *s, ptrdiff_t step)
{
    const __m256i a = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(s - 2 * step)));
    const __m256i b = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(s - step)));
    const __m256i c = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)s));
    const __m256i d = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(s + step)));
    const __m256i e = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(s + 2 * step)));
    const __m256i f = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(s + 3 * step)));
    const __m256i be = _mm256_add_epi16(b, e), cd = _mm256_add_epi16(c, d);
    __m256i v = _mm256_add_epi16(a, f);
    v = _mm256_sub_epi16(v, _mm256_add_epi16(_mm256_slli_epi16(be, 2), be));
    return _mm256_add_epi16(v, _mm256_add_epi16(_mm256_slli_epi16(cd, 4), _mm256_slli_epi16(cd, 2)));
}

__attribute__((target("avx2"))) static inline void store_round5_avx2(uint8_t *o, __m256i v)
{
    const __m256i r = _mm256_srai_epi16(_mm256_add_epi16(v, _mm256_set1_epi16(16)), 5);
    _mm_storeu_si128((__m128i *)o, _mm_packus_epi16(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1)));
}

__attribute__((target("avx2"))) static void h6_rows16_avx2(int16_t *t, uint8_t *o, const uint8_t *s, ptrdiff_t ss,
                                                            int rows)
{
    for (int j = 0; j < rows; j++) {
        const __m256i v = tap6_u8_avx2(s + j * ss, 1);
        _mm256_storeu_si256((__m256i *)(t + j * WIN), v);
        store_round5_avx2(o + j * WIN, v);
    }
}

__attribute__((target("avx2"))) static void v6_rows16_avx2(uint8_t *o, const uint8_t *s, ptrdiff_t ss, int rows)
{
    for (int j = 0; j < rows; j++)
        store_round5_avx2(o + j * WIN, tap6_u8_avx2(s + j * ss, ss));
}

__attribute__((target("avx2"))) static inline __m256i tap6_i32_avx2(const int16_t *t, int half)
{
    __m256i x[6];
    for (int k = 0; k < 6; k++)
        x[k] = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(t + (k - 2) * WIN + 8 * half)));
    const __m256i be = _mm256_add_epi32(x[1], x[4]), cd = _mm256_add_epi32(x[2], x[3]);
    __m256i v = _mm256_add_epi32(x[0], x[5]);
    v = _mm256_sub_epi32(v, _mm256_add_epi32(_mm256_slli_epi32(be, 2), be));
    v = _mm256_add_epi32(v, _mm256_add_epi32(_mm256_slli_epi32(cd, 4), _mm256_slli_epi32(cd, 2)));
    return _mm256_srai_epi32(_mm256_add_epi32(v, _mm256_set1_epi32(512)), 10);
}

__attribute__((target("avx2"))) static void c6_rows16_avx2(uint8_t *o, const int16_t *t, int rows)
{
    for (int j = 0; j < rows; j++) {
        const __m256i lo = tap6_i32_avx2(t + j * WIN, 0), hi = tap6_i32_avx2(t + j * WIN, 1);
        /* packs works per 128-bit lane: restore the order after it */
        const __m256i p = _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi), 0xD8);
        _mm_storeu_si128((__m128i *)(o + j * 16),
                         _mm_packus_epi16(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1)));
    }
}

/* SSE2 (every x86-64) rows of 16 and 8 bytes */
static inline void avg_rows_sse2(uint8_t *dst, ptrdiff_t ds, const uint8_t *a, ptrdiff_t as, const uint8_t *b,
                                 ptrdiff_t bs, int w, int h)
{
    if (w == 16)
        for (int j = 0; j < h; j++)
            _mm_storeu_si128((__m128i *)(dst + j * ds), _mm_avg_epu8(_mm_loadu_si128((const __m128i *)(a + j * as)),
                                                                     _mm_loadu_si128((const __m128i *)(b + j * bs))));
    else
        for (int j = 0; j < h; j++)
            _mm_storel_epi64((__m128i *)(dst + j * ds), _mm_avg_epu8(_mm_loadl_epi64((const __m128i *)(a + j * as)),
                                                                     _mm_loadl_epi64((const __m128i *)(b + j * bs))));
}
#endif

static inline __attribute__((always_inline)) void avg_rows(uint8_t *dst, ptrdiff_t ds,
                                                           const uint8_t *a, ptrdiff_t as, const uint8_t *b,
                                                           ptrdiff_t bs, const int w, int h, const int isa)
{
#if HAVE_X86
    if ((w == 16 || w == 8) && isa >= ISA_SSE2) {
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
                                                                const int w, int h, const int isa)
{
    /* hb: horizontal half samples for rows -2..h+2 (clipped), rows 0..h used
     * by b and s; tmp: unclipped, for j.  hv: vertical half samples for
     * columns 0..w (column w is m).  hc: centre j. */
    uint8_t hb[WIN * WIN], hv[WIN * WIN], hc[16 * 16];
    int16_t tmp[WIN * WIN];
    const int need_b = fx != 0;
    const int need_v = fy != 0 && fx != 2;
    const int need_c = (fx == 2 && fy != 0) || (fy == 2 && fx != 0);
    const int avx2 = HAVE_X86 && w == 16 && isa >= ISA_AVX2;
    if (need_b || need_c) {
        const int r0 = need_c ? -2 : 0, r1 = need_c ? h + 3 : h + 1;
#if HAVE_X86
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
#if HAVE_X86
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
#if HAVE_X86
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
    case 1: avg_rows(dst, ds, src, ss, B, WIN, w, h, isa); break;
    case 2: copy_rows(dst, ds, B, WIN, w, h); break;
    case 3: avg_rows(dst, ds, src + 1, ss, B, WIN, w, h, isa); break;
    case 4: avg_rows(dst, ds, src, ss, V, WIN, w, h, isa); break;
    case 5: avg_rows(dst, ds, B, WIN, V, WIN, w, h, isa); break;
    case 6: avg_rows(dst, ds, B, WIN, hc, 16, w, h, isa); break;
    case 7: avg_rows(dst, ds, B, WIN, M, WIN, w, h, isa); break;
    case 8: copy_rows(dst, ds, V, WIN, w, h); break;
    case 9: avg_rows(dst, ds, V, WIN, hc, 16, w, h, isa); break;
    case 10: copy_rows(dst, ds, hc, 16, w, h); break;
    case 11: avg_rows(dst, ds, hc, 16, M, WIN, w, h, isa); break;
    case 12: avg_rows(dst, ds, src + ss, ss, V, WIN, w, h, isa); break;
    case 13: avg_rows(dst, ds, V, WIN, S, WIN, w, h, isa); break;
    case 14: avg_rows(dst, ds, hc, 16, S, WIN, w, h, isa); break;
    default: avg_rows(dst, ds, M, WIN, S, WIN, w, h, isa); break;
    }
}

static inline __attribute__((always_inline)) void mc_luma(uint8_t *dst, ptrdiff_t ds, const FsrMcPlane *ref, int x,
                                                          int y, int mvx, int mvy, int w, int h, const int isa)
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
        mc_luma_block(dst, ds, src, ss, fx, fy, 16, h, isa);
    else if (w == 8)
        mc_luma_block(dst, ds, src, ss, fx, fy, 8, h, isa);
    else
        mc_luma_block(dst, ds, src, ss, fx, fy, w, h, isa);
}

#if HAVE_X86
/* 8 columns of the chroma filter in 16-bit lanes (at most 64 * 255). */
static void chroma8_sse2(uint8_t *dst, ptrdiff_t ds, const uint8_t *src, ptrdiff_t ss, int fx, int fy, int h)
{
    const __m128i A = _mm_set1_epi16((int16_t)((8 - fx) * (8 - fy))), B = _mm_set1_epi16((int16_t)(fx * (8 - fy)));
    const __m128i C = _mm_set1_epi16((int16_t)((8 - fx) * fy)), D = _mm_set1_epi16((int16_t)(fx * fy));
    const __m128i z = _mm_setzero_si128(), r = _mm_set1_epi16(32);
    __m128i top = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)src), z);
    __m128i top1 = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(src + 1)), z);
    for (int j = 0; j < h; j++) {
        const uint8_t *s1 = src + (j + 1) * ss;
        const __m128i bot = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)s1), z);
        const __m128i bot1 = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(s1 + 1)), z);
        __m128i v = _mm_add_epi16(_mm_mullo_epi16(top, A), _mm_mullo_epi16(top1, B));
        v = _mm_add_epi16(v, _mm_add_epi16(_mm_mullo_epi16(bot, C), _mm_mullo_epi16(bot1, D)));
        v = _mm_srli_epi16(_mm_add_epi16(v, r), 6);
        _mm_storel_epi64((__m128i *)(dst + j * ds), _mm_packus_epi16(v, v));
        top = bot;
        top1 = bot1;
    }
}
#endif

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

static inline __attribute__((always_inline)) void mc_chroma(uint8_t *dst, ptrdiff_t ds, const FsrMcPlane *ref, int x,
                                                            int y, int mvx, int mvy, int w, int h, const int isa)
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
#if HAVE_X86
    if (w == 8 && isa >= ISA_SSE2) {
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

/* Plain C reference of the chroma filter (8-266), per sample with clamping. */
void fsr_h264_mc_chroma_ref(uint8_t *dst, ptrdiff_t ds, const FsrMcPlane *ref, int x, int y, int mvx, int mvy, int w,
                            int h)
{
    const int fx = mvx & 7, fy = mvy & 7;
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++) {
            const int xi = x + (mvx >> 3) + i, yi = y + (mvy >> 3) + j;
            dst[j * ds + i] = (uint8_t)(((8 - fx) * (8 - fy) * px(ref, xi, yi) + fx * (8 - fy) * px(ref, xi + 1, yi) +
                                         (8 - fx) * fy * px(ref, xi, yi + 1) + fx * fy * px(ref, xi + 1, yi + 1) + 32) >>
                                        6);
        }
}

void fsr_h264_weight(uint8_t *p, ptrdiff_t s, int w, int h, int log2_denom, int weight, int offset)
{
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++) {
            int v = p[j * s + i] * weight;
            v = log2_denom >= 1 ? ((v + (1 << (log2_denom - 1))) >> log2_denom) + offset : v + offset;
            p[j * s + i] = clip8(v);
        }
}

static inline __attribute__((always_inline)) void biweight(uint8_t *dst, const uint8_t *p0, const uint8_t *p1,
                                                           ptrdiff_t s, int w, int h, int log2_denom, int w0, int w1,
                                                           int o0, int o1, const int isa)
{
    if (log2_denom < 0) {
        if (w == 16)
            avg_rows(dst, s, p0, s, p1, s, 16, h, isa);
        else if (w == 8)
            avg_rows(dst, s, p0, s, p1, s, 8, h, isa);
        else
            avg_rows(dst, s, p0, s, p1, s, w, h, isa);
        return;
    }
    const int o = (o0 + o1 + 1) >> 1;
#if HAVE_X86
    if ((w == 16 || w == 8) && isa >= ISA_SSE2) {
        /* (p0, p1) pairs times (w0, w1) in 32-bit lanes: the sums exceed 16 bits */
        const __m128i wv = _mm_set1_epi32((int)((uint32_t)w1 << 16 | (uint16_t)w0));
        const __m128i rnd = _mm_set1_epi32(1 << log2_denom), ov = _mm_set1_epi32(o), z = _mm_setzero_si128();
        const __m128i sh = _mm_cvtsi32_si128(log2_denom + 1);
        for (int j = 0; j < h; j++) {
            const __m128i a = w == 16 ? _mm_loadu_si128((const __m128i *)(p0 + j * s))
                                      : _mm_loadl_epi64((const __m128i *)(p0 + j * s));
            const __m128i b = w == 16 ? _mm_loadu_si128((const __m128i *)(p1 + j * s))
                                      : _mm_loadl_epi64((const __m128i *)(p1 + j * s));
            __m128i r[2];
            for (int half = 0; half < 2; half++) {
                const __m128i a16 = half ? _mm_unpackhi_epi8(a, z) : _mm_unpacklo_epi8(a, z);
                const __m128i b16 = half ? _mm_unpackhi_epi8(b, z) : _mm_unpacklo_epi8(b, z);
                __m128i lo = _mm_madd_epi16(_mm_unpacklo_epi16(a16, b16), wv);
                __m128i hi = _mm_madd_epi16(_mm_unpackhi_epi16(a16, b16), wv);
                lo = _mm_add_epi32(_mm_sra_epi32(_mm_add_epi32(lo, rnd), sh), ov);
                hi = _mm_add_epi32(_mm_sra_epi32(_mm_add_epi32(hi, rnd), sh), ov);
                r[half] = _mm_packs_epi32(lo, hi);
            }
            const __m128i out = _mm_packus_epi16(r[0], r[1]);
            if (w == 16)
                _mm_storeu_si128((__m128i *)(dst + j * s), out);
            else
                _mm_storel_epi64((__m128i *)(dst + j * s), out);
        }
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

#if HAVE_X86
static inline unsigned sad_rows_sse2(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h)
{
    __m128i acc = _mm_setzero_si128();
    if (w == 16)
        for (int j = 0; j < h; j++)
            acc = _mm_add_epi64(acc, _mm_sad_epu8(_mm_loadu_si128((const __m128i *)(a + j * as)),
                                                  _mm_loadu_si128((const __m128i *)(b + j * bs))));
    else
        for (int j = 0; j < h; j++)
            acc = _mm_add_epi64(acc, _mm_sad_epu8(_mm_loadl_epi64((const __m128i *)(a + j * as)),
                                                  _mm_loadl_epi64((const __m128i *)(b + j * bs))));
    return (unsigned)(_mm_cvtsi128_si32(acc) + _mm_cvtsi128_si32(_mm_srli_si128(acc, 8)));
}
#endif

static inline __attribute__((always_inline)) unsigned block_sad(const uint8_t *a, ptrdiff_t as, const uint8_t *b,
                                                          ptrdiff_t bs, int w, int h, const int isa)
{
#if HAVE_X86
    if ((w == 16 || w == 8) && isa >= ISA_SSE2)
        return sad_rows_sse2(a, as, b, bs, w, h);
#endif
    if (w == 16)
        return sad_block(a, as, b, bs, 16, h);
    if (w == 8)
        return sad_block(a, as, b, bs, 8, h);
    return sad_block(a, as, b, bs, w, h);
}

/* Stops after the row where the sum reaches limit (the caller only wants
 * smaller sums). */
static inline __attribute__((always_inline)) unsigned sad_below_block(const uint8_t *a, ptrdiff_t as,
                                                                      const uint8_t *b, ptrdiff_t bs, const int w,
                                                                      int h, unsigned limit, const int isa)
{
    unsigned sum = 0;
    for (int j = 0; j < h; j += 4) {
#if HAVE_X86
        if (isa >= ISA_SSE2)
            sum += sad_rows_sse2(a + j * as, as, b + j * bs, bs, w, 4);
        else
#endif
            for (int r = j; r < j + 4; r++)
                for (int i = 0; i < w; i++)
                    sum += (unsigned)abs(a[r * as + i] - b[r * bs + i]);
        if (sum >= limit)
            return sum;
    }
    return sum;
}

static inline __attribute__((always_inline)) unsigned sad_below(const uint8_t *a, ptrdiff_t as, const uint8_t *b,
                                                                ptrdiff_t bs, int w, int h, unsigned limit,
                                                                const int isa)
{
    if ((h & 3) == 0 && w == 16)
        return sad_below_block(a, as, b, bs, 16, h, limit, isa);
    if ((h & 3) == 0 && w == 8)
        return sad_below_block(a, as, b, bs, 8, h, limit, isa);
    return block_sad(a, as, b, bs, w, h, isa);
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

#if HAVE_X86
static inline unsigned residual_rows_sse2(int16_t *o, ptrdiff_t os, const uint8_t *d, ptrdiff_t ds, const uint8_t *p,
                                     ptrdiff_t ps, int w, int h)
{
    const __m128i z = _mm_setzero_si128();
    __m128i acc = z;
    for (int j = 0; j < h; j++) {
        const __m128i a = w == 16 ? _mm_loadu_si128((const __m128i *)(d + j * ds)) : _mm_loadl_epi64((const __m128i *)(d + j * ds));
        const __m128i b = w == 16 ? _mm_loadu_si128((const __m128i *)(p + j * ps)) : _mm_loadl_epi64((const __m128i *)(p + j * ps));
        acc = _mm_add_epi64(acc, _mm_sad_epu8(a, b));
        _mm_storeu_si128((__m128i *)(o + j * os), _mm_sub_epi16(_mm_unpacklo_epi8(a, z), _mm_unpacklo_epi8(b, z)));
        if (w == 16)
            _mm_storeu_si128((__m128i *)(o + j * os + 8),
                             _mm_sub_epi16(_mm_unpackhi_epi8(a, z), _mm_unpackhi_epi8(b, z)));
    }
    return (unsigned)(_mm_cvtsi128_si32(acc) + _mm_cvtsi128_si32(_mm_srli_si128(acc, 8)));
}
#endif

static inline __attribute__((always_inline)) unsigned residual(int16_t *o, ptrdiff_t os, const uint8_t *d,
                                                               ptrdiff_t ds, const uint8_t *p, ptrdiff_t ps, int w,
                                                               int h, const int isa)
{
#if HAVE_X86
    if ((w == 16 || w == 8) && isa >= ISA_SSE2)
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

/* ---- the kernel table: one function per entry and ISA level ---- */

#define ENTRIES(sfx, isa)                                                                                         \
    static void luma_##sfx(uint8_t *dst, ptrdiff_t ds, const FsrMcPlane *ref, int x, int y, int mvx, int mvy,       \
                           int w, int h)                                                                          \
    {                                                                                                             \
        mc_luma(dst, ds, ref, x, y, mvx, mvy, w, h, isa);                                                          \
    }                                                                                                             \
    static void chroma_##sfx(uint8_t *dst, ptrdiff_t ds, const FsrMcPlane *ref, int x, int y, int mvx, int mvy,     \
                             int w, int h)                                                                        \
    {                                                                                                             \
        mc_chroma(dst, ds, ref, x, y, mvx, mvy, w, h, isa);                                                        \
    }                                                                                                             \
    static void biweight_##sfx(uint8_t *dst, const uint8_t *p0, const uint8_t *p1, ptrdiff_t s, int w, int h,     \
                               int log2_denom, int w0, int w1, int o0, int o1)                                    \
    {                                                                                                             \
        biweight(dst, p0, p1, s, w, h, log2_denom, w0, w1, o0, o1, isa);                                           \
    }                                                                                                             \
    static unsigned residual_##sfx(int16_t *o, ptrdiff_t os, const uint8_t *d, ptrdiff_t ds, const uint8_t *p,    \
                                   ptrdiff_t ps, int w, int h)                                                    \
    {                                                                                                             \
        return residual(o, os, d, ds, p, ps, w, h, isa);                                                           \
    }                                                                                                             \
    static unsigned sad_##sfx(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h)       \
    {                                                                                                             \
        return block_sad(a, as, b, bs, w, h, isa);                                                                    \
    }                                                                                                             \
    static unsigned sad_below_##sfx(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h, \
                                    unsigned limit)                                                               \
    {                                                                                                             \
        return sad_below(a, as, b, bs, w, h, limit, isa);                                                          \
    }                                                                                                             \
    static void fill_##sfx(FsrH264McDSP *dsp)                                                                     \
    {                                                                                                             \
        dsp->luma = luma_##sfx;                                                                                   \
        dsp->chroma = chroma_##sfx;                                                                               \
        dsp->biweight = biweight_##sfx;                                                                           \
        dsp->residual = residual_##sfx;                                                                           \
        dsp->sad = sad_##sfx;                                                                                     \
        dsp->sad_below = sad_below_##sfx;                                                                         \
    }

ENTRIES(c, ISA_C)
#if HAVE_X86
ENTRIES(sse2, ISA_SSE2)
ENTRIES(avx2, ISA_AVX2)
#endif

void fsr_h264_mc_dsp_init(FsrH264McDSP *dsp, unsigned cpu_flags)
{
    fill_c(dsp);
#if HAVE_X86
    if (!(cpu_flags & FSR_CPU_SSE2))
        return;
    fill_sse2(dsp);
    if (!(cpu_flags & FSR_CPU_AVX2_FMA))
        return;
    fill_avx2(dsp);
#else
    (void)cpu_flags;
#endif
}

static FsrH264McDSP cpu_dsp;
static pthread_once_t cpu_dsp_once = PTHREAD_ONCE_INIT;

static void init_cpu_dsp(void)
{
    fsr_h264_mc_dsp_init(&cpu_dsp, fsr_cpu_flags());
}

const FsrH264McDSP *fsr_h264_mc_dsp(void)
{
    pthread_once(&cpu_dsp_once, init_cpu_dsp);
    return &cpu_dsp;
}
