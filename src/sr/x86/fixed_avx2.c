/* The fixed-point SR row kernel, AVX2: the twin of the C
 * pair kernel in ../fixed.c (exact integer sums, so bit-identical;
 * tests/checkasm and tests/test_accel_sr.c compare them); installed by
 * fixed_dsp_init on CPUs with FSR_CPU_AVX2_FMA, where pairing beats the
 * plain 32-bit kernel. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "fixed.h"

__attribute__((target("avx2")))
static void conv_row_pairs_avx2(int32_t *acc, const int32_t *pairs, const int32_t *wp, int64_t bias,
                                const FixedLayer *l, int w)
{
    const int pw = w + 2 * (l->kw / 2), np = (l->kw + 1) / 2, nr = l->in_ch * l->kh;
    int x = 0;
    for (; x + 32 <= w; x += 32) {
        __m256i a0 = _mm256_set1_epi32((int32_t)bias), a1 = a0, a2 = a0, a3 = a0;
        const int32_t *wk = wp;
        for (int r = 0; r < nr; r++) {
            const int32_t *s = pairs + (size_t)r * pw + x;
            for (int k = 0; k < np; k++, s += 2) {
                const __m256i wv = _mm256_set1_epi32(*wk++);
                a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)s), wv));
                a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(s + 8)), wv));
                a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(s + 16)), wv));
                a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(s + 24)), wv));
            }
        }
        _mm256_storeu_si256((__m256i *)(acc + x), a0);
        _mm256_storeu_si256((__m256i *)(acc + x + 8), a1);
        _mm256_storeu_si256((__m256i *)(acc + x + 16), a2);
        _mm256_storeu_si256((__m256i *)(acc + x + 24), a3);
    }
    fixed_pairs_from(acc, pairs, wp, bias, l, w, x);
}

void fixed_dsp_init_avx2(FsrFixedDSP *dsp)
{
    dsp->conv_row_pairs = conv_row_pairs_avx2;
    dsp->prefer_pairs = 1;
}
#endif
