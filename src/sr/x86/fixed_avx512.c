/* The fixed-point SR pair kernel with AVX-512 VNNI: vpdpwssd adds the two
 * int16 x int16 products of each int32 lane to the accumulator in one
 * instruction (vpmaddwd + vpaddd in the AVX2 twin).  It wraps like the C
 * reference's int32 sums and, within the accumulator bound fixed_model_build
 * checks, never wraps at all: the same bits as conv_row_pairs_c
 * (tests/checkasm compares them, accumulator edges included).  Installed
 * by fixed_dsp_init on CPUs with FSR_CPU_AVX512_VNNI; target attributes
 * only, so the build needs no AVX-512 machine. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "fixed.h"

#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))

VNNI static void conv_row_pairs_vnni(int32_t *acc, const int32_t *pairs, const int32_t *wp, int64_t bias,
                                     const FixedLayer *l, int w)
{
    const int pw = w + 2 * (l->kw / 2), np = (l->kw + 1) / 2, nr = l->in_ch * l->kh;
    const __m512i b = _mm512_set1_epi32((int32_t)bias);
    int x = 0;
    /* 128 outputs: 8 independent accumulators hide the dot-product latency */
    for (; x + 128 <= w; x += 128) {
        __m512i a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b;
        const int32_t *wk = wp;
        for (int r = 0; r < nr; r++) {
            const int32_t *s = pairs + (size_t)r * pw + x;
            for (int k = 0; k < np; k++, s += 2) {
                const __m512i wv = _mm512_set1_epi32(*wk++);
                a0 = _mm512_dpwssd_epi32(a0, _mm512_loadu_si512(s), wv);
                a1 = _mm512_dpwssd_epi32(a1, _mm512_loadu_si512(s + 16), wv);
                a2 = _mm512_dpwssd_epi32(a2, _mm512_loadu_si512(s + 32), wv);
                a3 = _mm512_dpwssd_epi32(a3, _mm512_loadu_si512(s + 48), wv);
                a4 = _mm512_dpwssd_epi32(a4, _mm512_loadu_si512(s + 64), wv);
                a5 = _mm512_dpwssd_epi32(a5, _mm512_loadu_si512(s + 80), wv);
                a6 = _mm512_dpwssd_epi32(a6, _mm512_loadu_si512(s + 96), wv);
                a7 = _mm512_dpwssd_epi32(a7, _mm512_loadu_si512(s + 112), wv);
            }
        }
        _mm512_storeu_si512(acc + x, a0);
        _mm512_storeu_si512(acc + x + 16, a1);
        _mm512_storeu_si512(acc + x + 32, a2);
        _mm512_storeu_si512(acc + x + 48, a3);
        _mm512_storeu_si512(acc + x + 64, a4);
        _mm512_storeu_si512(acc + x + 80, a5);
        _mm512_storeu_si512(acc + x + 96, a6);
        _mm512_storeu_si512(acc + x + 112, a7);
    }
    /* the rest, 16 at a time, the last vector masked (no reads past the
     * row's pairs) */
    for (; x < w; x += 16) {
        const __mmask16 m = w - x >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (w - x)) - 1);
        __m512i a0 = b;
        const int32_t *wk = wp;
        for (int r = 0; r < nr; r++) {
            const int32_t *s = pairs + (size_t)r * pw + x;
            for (int k = 0; k < np; k++, s += 2)
                a0 = _mm512_dpwssd_epi32(a0, _mm512_maskz_loadu_epi32(m, s), _mm512_set1_epi32(*wk++));
        }
        _mm512_mask_storeu_epi32(acc + x, m, a0);
    }
}

void fixed_dsp_init_avx512_vnni(FsrFixedDSP *dsp)
{
    dsp->conv_row_pairs = conv_row_pairs_vnni;
    dsp->prefer_pairs = 1;
}
#endif
