/* The integer SR engine's row kernels on AVX2 (fixed_words.c drives them):
 * activations as 16-bit words for both precisions (AVX2 has no exact
 * byte dot product: vpmaddubsw saturates its pairs), each 32-bit pair of
 * words broadcast against 16 output channels' weight pairs in two vpmaddwd
 * (exact: activations >= 0 and at most 2^15 - 1, weights at most 2^15 - 1
 * in magnitude, so a pair stays below 2^31), 6 pixels x one block of 16
 * channels (12 accumulators).  Requantisation in scalar code (AVX2 has no
 * 64-bit arithmetic shift): fixed_requant_channel, as the reference. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#include "fixed.h"

#define AVX2 __attribute__((target("avx2,fma")))

enum { P = 6 };

/* The biases of each block of 16 outputs (the rest of the
 * requantisation reads the FixedLayer). */
static void *make_biases(const FixedLayer *l)
{
    const int nb = (l->out_ch + 15) / 16;
    int32_t *b = aligned_alloc(32, (size_t)nb * 16 * sizeof(*b));
    if (!b)
        return NULL;
    for (int o = 0; o < nb * 16; o++)
        b[o] = o < l->out_ch ? (int32_t)l->b[o] : 0;
    return b;
}

/* np <= P pixels from x0, the 16 outputs of block b. */
AVX2 static void hidden_px(uint8_t *orow, int pad, int ocb, const uint8_t *const *rows, int x0, int np,
                           const uint8_t *wp, const int32_t *bias, int b, const FixedLayer *l, int G, int cb,
                           int32_t act_max)
{
    __m256i acc[P][2];
    const __m256i b0 = _mm256_load_si256((const void *)(bias + 16 * b));
    const __m256i b1 = _mm256_load_si256((const void *)(bias + 16 * b + 8));
    for (int p = 0; p < P; p++)
        acc[p][0] = b0, acc[p][1] = b1;
    for (int ky = 0; ky < l->kh; ky++) {
        const uint8_t *r = rows[ky] + (ptrdiff_t)x0 * cb;
        const uint8_t *wk = wp + ((size_t)b * l->kh + ky) * G * 64;
        for (int g = 0; g < G; g++, r += 4, wk += 64) {
            const __m256i w0 = _mm256_load_si256((const void *)wk), w1 = _mm256_load_si256((const void *)(wk + 32));
            for (int p = 0; p < P; p++) {
                int32_t a2;
                memcpy(&a2, r + (ptrdiff_t)p * cb, 4);
                const __m256i av = _mm256_set1_epi32(a2);
                acc[p][0] = _mm256_add_epi32(acc[p][0], _mm256_madd_epi16(av, w0));
                acc[p][1] = _mm256_add_epi32(acc[p][1], _mm256_madd_epi16(av, w1));
            }
        }
    }
    const int n = l->out_ch - 16 * b < 16 ? l->out_ch - 16 * b : 16;
    for (int p = 0; p < np; p++) {
        int32_t a[16];
        _mm256_storeu_si256((void *)a, acc[p][0]);
        _mm256_storeu_si256((void *)(a + 8), acc[p][1]);
        int16_t *out = (int16_t *)(void *)(orow + (ptrdiff_t)(pad + x0 + p) * ocb) + 16 * b;
        for (int i = 0; i < n; i++) {
            const int16_t v = (int16_t)fixed_requant_channel(a[i], l, 16 * b + i, act_max);
            memcpy(out + i, &v, 2);
        }
    }
}

AVX2 static void hidden_row(uint8_t *orow, int pad, int ocb, const uint8_t *const *rows, int w, const uint8_t *wp,
                            const void *consts, const FixedLayer *l, int G, int32_t act_max)
{
    const int nb = (l->out_ch + 15) / 16, cb = l->in_ch * 2;
    for (int b = 0; b < nb; b++)
        for (int x0 = 0; x0 < w; x0 += P)
            hidden_px(orow, pad, ocb, rows, x0, w - x0 < P ? w - x0 : P, wp, consts, b, l, G, cb, act_max);
}

AVX2 static void last_row(uint8_t *dst, const uint8_t *const *rows, int w, const int16_t *wp, int K,
                          const FixedLayer *l)
{
    const int cb = l->in_ch * 2;
    for (int x0 = 0; x0 < w; x0 += 4) { /* 4 pixels: independent chains */
        __m256i acc[4] = { _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(),
                           _mm256_setzero_si256() };
        for (int ky = 0; ky < l->kh; ky++) {
            const uint8_t *r = rows[ky] + (ptrdiff_t)x0 * cb;
            const int16_t *wk = wp + (size_t)ky * K * 32;
            for (int k = 0; k < 2 * K; k++) {
                const __m256i wv = _mm256_load_si256((const void *)(wk + 16 * k));
                for (int p = 0; p < 4; p++)
                    acc[p] = _mm256_add_epi32(
                        acc[p], _mm256_madd_epi16(_mm256_loadu_si256((const void *)(r + (ptrdiff_t)p * cb + 32 * k)), wv));
            }
        }
        for (int p = 0; p < 4 && x0 + p < w; p++) {
            int32_t a[8];
            _mm256_storeu_si256((void *)a, acc[p]);
            /* the lanes' sum as the reference's: every partial sum is
             * within the accumulator bound, so int32 wrapping never occurs */
            int64_t s = l->b[0];
            for (int i = 0; i < 8; i++)
                s += a[i];
            dst[x0 + p] = (uint8_t)fixed_requant_channel(s, l, 0, 255);
        }
    }
}

static const FsrWordsDSP words_avx2 = { .eb = 2, .make_consts = make_biases, .hidden_row = hidden_row,
                                        .last_row = last_row };

void fixed_dsp_init_words_avx2(FsrFixedDSP *dsp)
{
    dsp->words8 = &words_avx2;
    dsp->words16 = &words_avx2;
}
#endif
