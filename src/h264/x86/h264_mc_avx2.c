/* The AVX2 level of the LR H.264 motion compensation: the block code of
 * ../h264_mc_tmpl.h over the SSE2 rows of h264_mc_sse2.h and the 16-wide
 * 6-tap half-sample rows and 16-wide SATD below, and the high-bit-depth
 * 6-tap, average and residual rows (only the luma, satd, luma16 and
 * residual16 entries differ from the SSE2 level; the others are compiled
 * again with the same rows).  Exact to the C entries (tests/checkasm and
 * tests/test_h264_mc.c compare them); installed by fsr_h264_mc_dsp_init on CPUs with FSR_CPU_AVX2_FMA. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "h264_mc.h"
#include "h264_mc_sse2.h"

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
        _mm256_storeu_si256((__m256i *)(t + j * FSR_H264_MC_WIN), v);
        store_round5_avx2(o + j * FSR_H264_MC_WIN, v);
    }
}

__attribute__((target("avx2"))) static void v6_rows16_avx2(uint8_t *o, const uint8_t *s, ptrdiff_t ss, int rows)
{
    for (int j = 0; j < rows; j++)
        store_round5_avx2(o + j * FSR_H264_MC_WIN, tap6_u8_avx2(s + j * ss, ss));
}

__attribute__((target("avx2"))) static inline __m256i tap6_i32_avx2(const int16_t *t, int half)
{
    __m256i x[6];
    for (int k = 0; k < 6; k++)
        x[k] = _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(t + (k - 2) * FSR_H264_MC_WIN + 8 * half)));
    const __m256i be = _mm256_add_epi32(x[1], x[4]), cd = _mm256_add_epi32(x[2], x[3]);
    __m256i v = _mm256_add_epi32(x[0], x[5]);
    v = _mm256_sub_epi32(v, _mm256_add_epi32(_mm256_slli_epi32(be, 2), be));
    v = _mm256_add_epi32(v, _mm256_add_epi32(_mm256_slli_epi32(cd, 4), _mm256_slli_epi32(cd, 2)));
    return _mm256_srai_epi32(_mm256_add_epi32(v, _mm256_set1_epi32(512)), 10);
}

__attribute__((target("avx2"))) static void c6_rows16_avx2(uint8_t *o, const int16_t *t, int rows)
{
    for (int j = 0; j < rows; j++) {
        const __m256i lo = tap6_i32_avx2(t + j * FSR_H264_MC_WIN, 0), hi = tap6_i32_avx2(t + j * FSR_H264_MC_WIN, 1);
        /* packs works per 128-bit lane: restore the order after it */
        const __m256i p = _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi), 0xD8);
        _mm_storeu_si128((__m128i *)(o + j * 16),
                         _mm_packus_epi16(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1)));
    }
}

/* SATD (h264_mc.h) of a 16-wide block, four 4x4 blocks per 4-row strip:
 * the SSE2 kernel's arithmetic (satd_rows8_sse2: 16-bit lanes, the last
 * Hadamard stage folded into max(|s|, |t|)) on both 128-bit lanes at once;
 * the unpacks that transpose the 4x4 blocks work within each lane, which
 * holds two whole blocks. */
__attribute__((target("avx2"))) static inline __m256i abs_max_avx2(__m256i s, __m256i t)
{
    return _mm256_max_epi16(_mm256_abs_epi16(s), _mm256_abs_epi16(t));
}

__attribute__((target("avx2"))) static unsigned satd_rows16_avx2(const uint8_t *a, ptrdiff_t as, const uint8_t *b,
                                                                  ptrdiff_t bs, int h)
{
    __m256i acc = _mm256_setzero_si256();
    for (int y = 0; y < h; y += 4) {
        __m256i r[4];
        for (int k = 0; k < 4; k++)
            r[k] = _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(a + (y + k) * as))),
                                    _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(b + (y + k) * bs))));
        /* down the columns */
        const __m256i s0 = _mm256_add_epi16(r[0], r[1]), d0 = _mm256_sub_epi16(r[0], r[1]);
        const __m256i s1 = _mm256_add_epi16(r[2], r[3]), d1 = _mm256_sub_epi16(r[2], r[3]);
        const __m256i v0 = _mm256_add_epi16(s0, s1), v1 = _mm256_sub_epi16(s0, s1);
        const __m256i v2 = _mm256_add_epi16(d0, d1), v3 = _mm256_sub_epi16(d0, d1);
        /* transpose: c[k] holds column k of every block */
        const __m256i t0 = _mm256_unpacklo_epi16(v0, v1), t1 = _mm256_unpackhi_epi16(v0, v1);
        const __m256i t2 = _mm256_unpacklo_epi16(v2, v3), t3 = _mm256_unpackhi_epi16(v2, v3);
        const __m256i u0 = _mm256_unpacklo_epi32(t0, t2), u1 = _mm256_unpackhi_epi32(t0, t2);
        const __m256i u2 = _mm256_unpacklo_epi32(t1, t3), u3 = _mm256_unpackhi_epi32(t1, t3);
        const __m256i c0 = _mm256_unpacklo_epi64(u0, u2), c1 = _mm256_unpackhi_epi64(u0, u2);
        const __m256i c2 = _mm256_unpacklo_epi64(u1, u3), c3 = _mm256_unpackhi_epi64(u1, u3);
        /* along the rows, the last stage folded */
        const __m256i m = _mm256_add_epi16(abs_max_avx2(_mm256_add_epi16(c0, c1), _mm256_add_epi16(c2, c3)),
                                           abs_max_avx2(_mm256_sub_epi16(c0, c1), _mm256_sub_epi16(c2, c3)));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(m, _mm256_set1_epi16(1)));
    }
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    s = _mm_add_epi32(s, _mm_srli_si128(s, 8));
    s = _mm_add_epi32(s, _mm_srli_si128(s, 4));
    return (unsigned)_mm_cvtsi128_si32(s);
}

/* High bit depth (uint16_t samples, strides in elements), 8 or 16 wide:
 * 6-tap sums in 32-bit lanes, eight columns a vector (a sum reaches
 * 42 * bitdepth_max, beyond 16 bits from 10 bits on; the centre pass
 * 42 * 42 * bitdepth_max, within 32 bits up to 16). */
__attribute__((target("avx2"))) static inline __m256i tap6_sum_epi32_avx2(__m256i a, __m256i b, __m256i c, __m256i d,
                                                                          __m256i e, __m256i f)
{
    const __m256i be = _mm256_add_epi32(b, e), cd = _mm256_add_epi32(c, d);
    __m256i v = _mm256_add_epi32(a, f);
    v = _mm256_sub_epi32(v, _mm256_add_epi32(_mm256_slli_epi32(be, 2), be));
    return _mm256_add_epi32(v, _mm256_add_epi32(_mm256_slli_epi32(cd, 4), _mm256_slli_epi32(cd, 2)));
}

__attribute__((target("avx2"))) static inline __m256i ld_u16x8_avx2(const uint16_t *s)
{
    return _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)s));
}

__attribute__((target("avx2"))) static inline __m256i tap6_u16_avx2(const uint16_t *s, ptrdiff_t step)
{
    return tap6_sum_epi32_avx2(ld_u16x8_avx2(s - 2 * step), ld_u16x8_avx2(s - step), ld_u16x8_avx2(s),
                               ld_u16x8_avx2(s + step), ld_u16x8_avx2(s + 2 * step), ld_u16x8_avx2(s + 3 * step));
}

/* Clip1 of (v + (1 << (shift - 1))) >> shift into eight uint16_t */
__attribute__((target("avx2"))) static inline void store_clip_u16_avx2(uint16_t *o, __m256i v, int shift,
                                                                        __m256i maxv)
{
    v = _mm256_sra_epi32(_mm256_add_epi32(v, _mm256_set1_epi32(1 << (shift - 1))), _mm_cvtsi32_si128(shift));
    v = _mm256_min_epi32(_mm256_max_epi32(v, _mm256_setzero_si256()), maxv);
    /* packus works per 128-bit lane: quadwords 0 and 2 hold the eight */
    const __m256i p = _mm256_permute4x64_epi64(_mm256_packus_epi32(v, v), 0x08);
    _mm_storeu_si128((__m128i *)o, _mm256_castsi256_si128(p));
}

__attribute__((target("avx2"))) static void h6_rows_u16_avx2(int32_t *t, uint16_t *o, const uint16_t *s,
                                                              ptrdiff_t ss, int rows, int w, int bitdepth_max)
{
    const __m256i maxv = _mm256_set1_epi32(bitdepth_max);
    for (int j = 0; j < rows; j++)
        for (int i = 0; i < w; i += 8) {
            const __m256i v = tap6_u16_avx2(s + j * ss + i, 1);
            _mm256_storeu_si256((__m256i *)(t + j * FSR_H264_MC_WIN + i), v);
            store_clip_u16_avx2(o + j * FSR_H264_MC_WIN + i, v, 5, maxv);
        }
}

__attribute__((target("avx2"))) static void v6_rows_u16_avx2(uint16_t *o, const uint16_t *s, ptrdiff_t ss, int rows,
                                                              int w, int bitdepth_max)
{
    const __m256i maxv = _mm256_set1_epi32(bitdepth_max);
    for (int j = 0; j < rows; j++)
        for (int i = 0; i < w; i += 8)
            store_clip_u16_avx2(o + j * FSR_H264_MC_WIN + i, tap6_u16_avx2(s + j * ss + i, ss), 5, maxv);
}

__attribute__((target("avx2"))) static void c6_rows_u16_avx2(uint16_t *o, const int32_t *t, int rows, int w,
                                                              int bitdepth_max)
{
    const __m256i maxv = _mm256_set1_epi32(bitdepth_max);
    enum { W = FSR_H264_MC_WIN };
    for (int j = 0; j < rows; j++)
        for (int i = 0; i < w; i += 8) {
            const int32_t *c = t + j * W + i;
            const __m256i v = tap6_sum_epi32_avx2(
                _mm256_loadu_si256((const __m256i *)(c - 2 * W)), _mm256_loadu_si256((const __m256i *)(c - W)),
                _mm256_loadu_si256((const __m256i *)c), _mm256_loadu_si256((const __m256i *)(c + W)),
                _mm256_loadu_si256((const __m256i *)(c + 2 * W)), _mm256_loadu_si256((const __m256i *)(c + 3 * W)));
            store_clip_u16_avx2(o + j * 16 + i, v, 10, maxv);
        }
}

/* (a + b + 1) >> 1 of uint16_t rows, 8 or 16 wide */
__attribute__((target("avx2"))) static void avg16_rows_avx2(uint16_t *dst, ptrdiff_t ds, const uint16_t *a,
                                                             ptrdiff_t as, const uint16_t *b, ptrdiff_t bs, int w,
                                                             int h)
{
    if (w == 16)
        for (int j = 0; j < h; j++)
            _mm256_storeu_si256((__m256i *)(dst + j * ds),
                                _mm256_avg_epu16(_mm256_loadu_si256((const __m256i *)(a + j * as)),
                                                 _mm256_loadu_si256((const __m256i *)(b + j * bs))));
    else
        for (int j = 0; j < h; j++)
            _mm_storeu_si128((__m128i *)(dst + j * ds), _mm_avg_epu16(_mm_loadu_si128((const __m128i *)(a + j * as)),
                                                                      _mm_loadu_si128((const __m128i *)(b + j * bs))));
}

/* o = d - p in 16-bit lanes (wrapping as the C entry's int16_t store);
 * the SAD from |d - p| = (d -sat p) | (p -sat d), exact at every depth,
 * summed in 32-bit lanes */
__attribute__((target("avx2"))) static unsigned residual16_rows_avx2(int16_t *o, ptrdiff_t os, const uint16_t *d,
                                                                     ptrdiff_t ds, const uint16_t *p, ptrdiff_t ps,
                                                                     int w, int h)
{
    const __m256i z = _mm256_setzero_si256();
    __m256i acc = z;
    for (int j = 0; j < h; j++) {
        __m256i a, b;
        if (w == 16) {
            a = _mm256_loadu_si256((const __m256i *)(d + j * ds));
            b = _mm256_loadu_si256((const __m256i *)(p + j * ps));
            _mm256_storeu_si256((__m256i *)(o + j * os), _mm256_sub_epi16(a, b));
        } else {
            a = _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(d + j * ds)));
            b = _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(p + j * ps)));
            a = _mm256_inserti128_si256(a, _mm_setzero_si128(), 1);
            b = _mm256_inserti128_si256(b, _mm_setzero_si128(), 1);
            _mm_storeu_si128((__m128i *)(o + j * os), _mm256_castsi256_si128(_mm256_sub_epi16(a, b)));
        }
        const __m256i ad = _mm256_or_si256(_mm256_subs_epu16(a, b), _mm256_subs_epu16(b, a));
        acc = _mm256_add_epi32(acc, _mm256_add_epi32(_mm256_unpacklo_epi16(ad, z), _mm256_unpackhi_epi16(ad, z)));
    }
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    s = _mm_add_epi32(s, _mm_srli_si128(s, 8));
    s = _mm_add_epi32(s, _mm_srli_si128(s, 4));
    return (unsigned)_mm_cvtsi128_si32(s);
}

#define H264_MC_LEVEL H264_MC_AVX2
#include "h264_mc_tmpl.h"

void fsr_h264_mc_dsp_init_avx2(FsrH264McDSP *dsp)
{
    fill_entries(dsp);
}
#endif
