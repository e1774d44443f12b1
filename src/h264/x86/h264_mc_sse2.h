/* The SSE2 row kernels of the LR H.264 motion compensation (every x86-64
 * has SSE2): rows of 16 and 8 bytes for ../h264_mc_tmpl.h, which
 * h264_mc_sse2.c and h264_mc_avx2.c both compile (the AVX2 level
 * keeps these rows and adds its 6-tap ones).  Static inline: each level
 * inlines them into its own entries. */
#ifndef FASTSR_SRC_H264_MC_SSE2_H
#define FASTSR_SRC_H264_MC_SSE2_H

#include <emmintrin.h>
#include <stddef.h>
#include <stdint.h>

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

/* 8 columns of the chroma filter in 16-bit lanes (at most 64 * 255). */
static inline void chroma8_sse2(uint8_t *dst, ptrdiff_t ds, const uint8_t *src, ptrdiff_t ss, int fx, int fy, int h)
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

/* Weighted bi-prediction (8-301) of 16- or 8-wide rows, o the rounded mean
 * of the two offsets. */
static inline void biweight_rows_sse2(uint8_t *dst, const uint8_t *p0, const uint8_t *p1, ptrdiff_t s, int w, int h,
                                      int log2_denom, int w0, int w1, int o)
{
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
}

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

/* SAD of rows of a against the rounded average of p0 and p1 (pavgb is
 * exactly (p0 + p1 + 1) >> 1). */
static inline unsigned sad_avg_rows_sse2(const uint8_t *a, ptrdiff_t as, const uint8_t *p0, const uint8_t *p1,
                                         ptrdiff_t ps, int w, int h)
{
    __m128i acc = _mm_setzero_si128();
    if (w == 16)
        for (int j = 0; j < h; j++) {
            const __m128i avg = _mm_avg_epu8(_mm_loadu_si128((const __m128i *)(p0 + j * ps)),
                                             _mm_loadu_si128((const __m128i *)(p1 + j * ps)));
            acc = _mm_add_epi64(acc, _mm_sad_epu8(_mm_loadu_si128((const __m128i *)(a + j * as)), avg));
        }
    else
        for (int j = 0; j < h; j++) {
            const __m128i avg = _mm_avg_epu8(_mm_loadl_epi64((const __m128i *)(p0 + j * ps)),
                                             _mm_loadl_epi64((const __m128i *)(p1 + j * ps)));
            acc = _mm_add_epi64(acc, _mm_sad_epu8(_mm_loadl_epi64((const __m128i *)(a + j * as)), avg));
        }
    return (unsigned)(_mm_cvtsi128_si32(acc) + _mm_cvtsi128_si32(_mm_srli_si128(acc, 8)));
}

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

/* SATD (h264_mc.h) of 4-row strips, 8 columns (two 4x4 blocks side by
 * side) at a time, w a multiple of 8.  Everything stays in 16-bit lanes:
 * differences are within +-255, after the vertical 4-point Hadamard
 * +-1020, after the first horizontal stage +-2040; the last stage is never
 * computed: |s + t| + |s - t| = 2 max(|s|, |t|), so max(|s|, |t|) is
 * already the halved sum of the pair (which also keeps it in 16 bits).
 * The pair sums (<= 4080 per lane) are widened to 32 bits per strip. */
static inline void hadamard4_epi16_sse2(__m128i *r)
{
    const __m128i s0 = _mm_add_epi16(r[0], r[1]), d0 = _mm_sub_epi16(r[0], r[1]);
    const __m128i s1 = _mm_add_epi16(r[2], r[3]), d1 = _mm_sub_epi16(r[2], r[3]);
    r[0] = _mm_add_epi16(s0, s1);
    r[1] = _mm_sub_epi16(s0, s1);
    r[2] = _mm_add_epi16(d0, d1);
    r[3] = _mm_sub_epi16(d0, d1);
}

static inline __m128i abs_epi16_sse2(__m128i v) { return _mm_max_epi16(v, _mm_sub_epi16(_mm_setzero_si128(), v)); }

/* r[k]: row k of two 4x4 blocks (lanes 0-3 and 4-7), already transformed
 * down the columns.  Transposes each 4x4 so that r[k] holds column k of
 * both, then does the horizontal transform and the halved |.| sum. */
static inline __m128i satd_rows_finish_sse2(__m128i *r)
{
    const __m128i t0 = _mm_unpacklo_epi16(r[0], r[1]), t1 = _mm_unpackhi_epi16(r[0], r[1]);
    const __m128i t2 = _mm_unpacklo_epi16(r[2], r[3]), t3 = _mm_unpackhi_epi16(r[2], r[3]);
    const __m128i u0 = _mm_unpacklo_epi32(t0, t2), u1 = _mm_unpackhi_epi32(t0, t2);
    const __m128i u2 = _mm_unpacklo_epi32(t1, t3), u3 = _mm_unpackhi_epi32(t1, t3);
    const __m128i c0 = _mm_unpacklo_epi64(u0, u2), c1 = _mm_unpackhi_epi64(u0, u2);
    const __m128i c2 = _mm_unpacklo_epi64(u1, u3), c3 = _mm_unpackhi_epi64(u1, u3);
    const __m128i s0 = _mm_add_epi16(c0, c1), d0 = _mm_sub_epi16(c0, c1);
    const __m128i s1 = _mm_add_epi16(c2, c3), d1 = _mm_sub_epi16(c2, c3);
    const __m128i m = _mm_add_epi16(_mm_max_epi16(abs_epi16_sse2(s0), abs_epi16_sse2(s1)),
                                    _mm_max_epi16(abs_epi16_sse2(d0), abs_epi16_sse2(d1)));
    return _mm_madd_epi16(m, _mm_set1_epi16(1));
}

static inline unsigned satd_rows8_sse2(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h)
{
    const __m128i z = _mm_setzero_si128();
    __m128i acc = z;
    for (int y = 0; y < h; y += 4)
        for (int x = 0; x < w; x += 8) {
            __m128i r[4];
            for (int k = 0; k < 4; k++)
                r[k] = _mm_sub_epi16(
                    _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(a + (y + k) * as + x)), z),
                    _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(b + (y + k) * bs + x)), z));
            hadamard4_epi16_sse2(r);
            acc = _mm_add_epi32(acc, satd_rows_finish_sse2(r));
        }
    acc = _mm_add_epi32(acc, _mm_srli_si128(acc, 8));
    acc = _mm_add_epi32(acc, _mm_srli_si128(acc, 4));
    return (unsigned)_mm_cvtsi128_si32(acc);
}

#endif
