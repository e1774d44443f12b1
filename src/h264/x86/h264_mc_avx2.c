/* The AVX2 level of the LR H.264 motion compensation: the block code of
 * ../h264_mc_tmpl.h over the SSE2 rows of h264_mc_sse2.h and the 16-wide
 * 6-tap half-sample rows below (only the luma entry differs from the SSE2
 * level; the others are compiled again with the same rows).  Exact to the
 * C entries (tests/checkasm and tests/test_h264_mc.c compare them);
 * installed by fsr_h264_mc_dsp_init on CPUs with FSR_CPU_AVX2_FMA. */
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

#define H264_MC_LEVEL H264_MC_AVX2
#include "h264_mc_tmpl.h"

void fsr_h264_mc_dsp_init_avx2(FsrH264McDSP *dsp)
{
    fill_entries(dsp);
}
#endif
