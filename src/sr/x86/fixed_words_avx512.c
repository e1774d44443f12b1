/* The integer SR engine's row kernels on AVX-512 VNNI (fixed_words.c drives
 * them): 32 bits of words (4 bytes or 2 16-bit words) broadcast against 16
 * output channels' weights per instruction (vpdpbusd: u8 x s8, 64
 * products; vpdpwssd: s16 x s16, 32 products), up to 24 accumulators (12
 * pixels x 2 blocks of 16 channels, or 6 x 4).  The last layer (one output
 * channel, 16-bit weights in the channel scheme) takes 32 words at a time
 * (bytes widened to 16 bits) with vpdpwssd, 8 pixels at a time, and adds
 * the lanes up per pixel.  Requantisation is fixed.c's layer_out in 64-bit
 * lanes.  Target attributes only: the build needs no AVX-512 machine. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#include "fixed.h"

#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))

/* fixed.c's layer_out for 16 channels: (acc * mult + half) >> shift in
 * 64-bit lanes, clipped to 0..hi, in 32-bit lanes. */
VNNI static inline __m512i requant16(__m512i acc, __m512i mlo, __m512i mhi, __m512i slo, __m512i shi, __m512i rlo,
                                     __m512i rhi, __m512i hi)
{
    __m512i lo = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(acc));
    __m512i up = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(acc, 1));
    lo = _mm512_srav_epi64(_mm512_add_epi64(_mm512_mullo_epi64(lo, mlo), rlo), slo);
    up = _mm512_srav_epi64(_mm512_add_epi64(_mm512_mullo_epi64(up, mhi), rhi), shi);
    /* clip in 64 bits: a product shifted down may exceed 32 bits */
    lo = _mm512_min_epi64(_mm512_max_epi64(lo, _mm512_setzero_si512()), _mm512_cvtepi32_epi64(_mm512_castsi512_si256(hi)));
    up = _mm512_min_epi64(_mm512_max_epi64(up, _mm512_setzero_si512()), _mm512_cvtepi32_epi64(_mm512_castsi512_si256(hi)));
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(lo)), _mm512_cvtepi64_epi32(up), 1);
}

/* Per-block requantisation constants. */
typedef struct Block {
    __m512i bias, mlo, mhi, slo, shi, rlo, rhi;
    __mmask16 store;
} Block;

/* One Block per 16 output channels (FsrWordsDSP.make_consts). */
VNNI static void *make_blocks(const FixedLayer *l)
{
    Block *bk = aligned_alloc(64, ((l->out_ch + 15) / 16) * sizeof(Block));
    if (!bk)
        return NULL;
    for (int b = 0; b * 16 < l->out_ch; b++) {
        int32_t bias[16] = { 0 };
        int64_t m[16], s[16], r[16];
        for (int i = 0; i < 16; i++) {
            const int o = b * 16 + i < l->out_ch ? b * 16 + i : l->out_ch - 1;
            bias[i] = (int32_t)l->b[o];
            m[i] = l->mult[o];
            s[i] = l->shift[o];
            r[i] = (int64_t)1 << (l->shift[o] - 1);
        }
        bk[b].bias = _mm512_loadu_si512(bias);
        bk[b].mlo = _mm512_loadu_si512(m);
        bk[b].mhi = _mm512_loadu_si512(m + 8);
        bk[b].slo = _mm512_loadu_si512(s);
        bk[b].shi = _mm512_loadu_si512(s + 8);
        bk[b].rlo = _mm512_loadu_si512(r);
        bk[b].rhi = _mm512_loadu_si512(r + 8);
        const int left = l->out_ch - b * 16;
        bk[b].store = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
    }
    return bk;
}

/* The words of one precision: SUF names the functions, EB the word's
 * bytes, DOT the dot product, STORE the 16 words of a block at p. */
#define STORE_8(p, m, v) _mm_mask_storeu_epi8(p, m, _mm512_cvtepi32_epi8(v))
#define STORE_16(p, m, v) _mm256_mask_storeu_epi16(p, m, _mm512_cvtepi32_epi16(v))
#define LOAD32_8(p) _mm512_cvtepu8_epi16(_mm256_loadu_si256((const void *)(p)))
#define LOAD32_16(p) _mm512_loadu_si512(p)

/* P pixels from x0 of an output row, blocks b0 .. b0 + NB - 1.  NB and P
 * are constants in each instance, so the accumulators stay in registers. */
#define HIDDEN_BLOCK(NB, P, SUF, EB, DOT)                                                                             \
    VNNI static void hidden_px_##NB##SUF(uint8_t *orow, int pad, int ocb, const uint8_t *const *rows, int x0,        \
                                         int np, const uint8_t *wp, const Block *bk, int b0, int kh, int G, int cb,   \
                                         __m512i hi)                                                                 \
    {                                                                                                               \
        __m512i acc[NB][P];                                                                                         \
        for (int b = 0; b < NB; b++)                                                                                \
            for (int p = 0; p < P; p++)                                                                             \
                acc[b][p] = bk[b0 + b].bias;                                                                        \
        for (int ky = 0; ky < kh; ky++) {                                                                           \
            const uint8_t *r = rows[ky] + (ptrdiff_t)x0 * cb;                                                       \
            const uint8_t *wk = wp + ((size_t)b0 * kh + ky) * G * 64;                                               \
            for (int g = 0; g < G; g++, r += 4, wk += 64) {                                                         \
                __m512i wv[NB];                                                                                     \
                for (int b = 0; b < NB; b++)                                                                        \
                    wv[b] = _mm512_load_si512(wk + (size_t)b * kh * G * 64);                                        \
                for (int p = 0; p < P; p++) {                                                                       \
                    int32_t a4;                                                                                     \
                    memcpy(&a4, r + (ptrdiff_t)p * cb, 4);                                                          \
                    const __m512i av = _mm512_set1_epi32(a4);                                                       \
                    for (int b = 0; b < NB; b++)                                                                    \
                        acc[b][p] = DOT(acc[b][p], av, wv[b]);                                                      \
                }                                                                                                   \
            }                                                                                                       \
        }                                                                                                           \
        for (int p = 0; p < np; p++)                                                                                \
            for (int b = 0; b < NB; b++) {                                                                          \
                const Block *k = &bk[b0 + b];                                                                       \
                const __m512i v = requant16(acc[b][p], k->mlo, k->mhi, k->slo, k->shi, k->rlo, k->rhi, hi);         \
                STORE##SUF(orow + (ptrdiff_t)(pad + x0 + p) * ocb + (b0 + b) * 16 * EB, k->store, v);                \
            }                                                                                                       \
    }

#define ENGINE(SUF, EB, DOT)                                                                                          \
    HIDDEN_BLOCK(1, 12, SUF, EB, DOT)                                                                                 \
    HIDDEN_BLOCK(2, 12, SUF, EB, DOT)                                                                                 \
    HIDDEN_BLOCK(4, 6, SUF, EB, DOT)                                                                                  \
    VNNI static void hidden_row##SUF(uint8_t *orow, int pad, int ocb, const uint8_t *const *rows, int w,            \
                                     const uint8_t *wp, const void *consts, const FixedLayer *l, int G,             \
                                     int32_t act_max)                                                               \
    {                                                                                                               \
        const Block *bk = consts;                                                                                   \
        const int nb = (l->out_ch + 15) / 16, cb = l->in_ch * EB;                                                   \
        const __m512i hi = _mm512_set1_epi32(act_max);                                                              \
        int b = 0;                                                                                                  \
        for (; b + 4 <= nb; b += 4)                                                                                 \
            for (int x0 = 0; x0 < w; x0 += 6)                                                                       \
                hidden_px_4##SUF(orow, pad, ocb, rows, x0, w - x0 < 6 ? w - x0 : 6, wp, bk, b, l->kh, G, cb, hi);        \
        for (; b + 2 <= nb; b += 2)                                                                                 \
            for (int x0 = 0; x0 < w; x0 += 12)                                                                      \
                hidden_px_2##SUF(orow, pad, ocb, rows, x0, w - x0 < 12 ? w - x0 : 12, wp, bk, b, l->kh, G, cb, hi);      \
        for (; b < nb; b++)                                                                                         \
            for (int x0 = 0; x0 < w; x0 += 12)                                                                      \
                hidden_px_1##SUF(orow, pad, ocb, rows, x0, w - x0 < 12 ? w - x0 : 12, wp, bk, b, l->kh, G, cb, hi);      \
    }                                                                                                               \
    VNNI static void last_row##SUF(uint8_t *dst, const uint8_t *const *rows, int w, const int16_t *wp, int K,       \
                                   const FixedLayer *l)                                                             \
    {                                                                                                               \
        const int cb = l->in_ch * EB;                                                                               \
        /* 8 pixels at a time: 8 independent chains of vpdpwssd (one       \
         * chain per pixel would wait on its latency) */                    \
        for (int x0 = 0; x0 < w; x0 += 8) {                                                                         \
            __m512i acc[8];                                                                                         \
            for (int p = 0; p < 8; p++)                                                                             \
                acc[p] = _mm512_setzero_si512();                                                                    \
            for (int ky = 0; ky < l->kh; ky++) {                                                                    \
                const uint8_t *r = rows[ky] + (ptrdiff_t)x0 * cb;                                                   \
                const int16_t *wk = wp + (size_t)ky * K * 32;                                                       \
                for (int k = 0; k < K; k++) {                                                                       \
                    const __m512i wv = _mm512_load_si512(wk + 32 * k);                                              \
                    for (int p = 0; p < 8; p++)                                                                     \
                        acc[p] = _mm512_dpwssd_epi32(acc[p], LOAD32##SUF(r + (ptrdiff_t)p * cb + 32 * EB * k), wv); \
                }                                                                                                   \
            }                                                                                                       \
            for (int p = 0; p < 8 && x0 + p < w; p++)                                                               \
                dst[x0 + p] = (uint8_t)fixed_requant_channel(l->b[0] + _mm512_reduce_add_epi32(acc[p]), l, 0, 255); \
        }                                                                                                           \
    }

ENGINE(_8, 1, _mm512_dpbusd_epi32)
ENGINE(_16, 2, _mm512_dpwssd_epi32)

static const FsrWordsDSP words8_vnni = { .eb = 1, .make_consts = make_blocks, .hidden_row = hidden_row_8,
                                          .last_row = last_row_8 };
static const FsrWordsDSP words16_vnni = { .eb = 2, .make_consts = make_blocks, .hidden_row = hidden_row_16,
                                           .last_row = last_row_16 };

void fixed_dsp_init_words_vnni(FsrFixedDSP *dsp)
{
    dsp->words8 = &words8_vnni;
    dsp->words16 = &words16_vnni;
}
#endif
