/* HR motion compensation kernels, AVX2: the twins of the C entries in
 * ../hrmc.c, bit-identical to them (tests/checkasm and tests/test_hrmc.c
 * compare them); installed by fsr_hrmc_dsp_init on CPUs with
 * FSR_CPU_AVX2_FMA. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "bicubic_internal.h"
#include "hrmc.h"
#include "intops.h"

/* Horizontal filter of 16 outputs from the bytes at p (p = first tap of
 * output 0): each 128-bit lane gathers its 8 outputs' byte pairs with
 * vpshufb and multiplies them by signed byte coefficient pairs
 * (vpmaddubsw); the unrounded sum stays in 16 bits (|sum| <= 255 * 104 for
 * the largest filter, H.264's 6 taps). */
__attribute__((target("avx2,fma")))
static inline __m256i hsum16(const uint8_t *p, const __m256i *shuf, const __m256i *cb, int np)
{
    const __m256i s = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)p)),
                                              _mm_loadu_si128((const __m128i *)(p + 8)), 1);
    __m256i acc = _mm256_maddubs_epi16(_mm256_shuffle_epi8(s, shuf[0]), cb[0]);
    for (int k = 1; k < np; k++)
        acc = _mm256_add_epi16(acc, _mm256_maddubs_epi16(_mm256_shuffle_epi8(s, shuf[k]), cb[k]));
    return acc;
}

/* 16 words (picture order) as bytes, saturated; all 16 or the first 8. */
__attribute__((target("avx2,fma")))
static inline void store16_u8(uint8_t *d, __m256i v, int whole)
{
    const __m128i b = _mm_packus_epi16(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    if (whole)
        _mm_storeu_si128((__m128i *)d, b);
    else
        _mm_storel_epi64((__m128i *)d, b);
}

/* Both passes in 16-bit lanes: horizontal through vpmaddubsw (above), the
 * row rounded to the 8-bit scale, vertical through vpmullw (|row| < 340
 * and the positive coefficients of any filter here sum below 90, so the
 * vertical sum stays below 2^15).  A direction whose phase is 0 is the
 * identity (64 on the centre tap) and is skipped: it rounds the same way.
 * A width that is not a multiple of 16 computes the last 16 anyway
 * (pictures and the window have room to over-read) and stores its first 8. */
__attribute__((target("avx2,fma")))
static void hrmc_block_avx2(uint8_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int bw,
                            int bh, int dx4, int dy4, const FsrHrFilter *f)
{
    int ix, iy, qx, qy;
    fsr_hrmc_split4(dx4, &ix, &qx);
    fsr_hrmc_split4(dy4, &iy, &qy);
    if (bw & 7) {
        fsr_hrmc_block_c(dst, dst_stride, ref, x, y, bw, bh, dx4, dy4, f);
        return;
    }
    static _Thread_local uint8_t buf[FSR_HRMC_WIN_MAX * FSR_HRMC_WIN_MAX + 32];
    static _Thread_local int16_t tmp16[(FSR_HRMC_WIN_MAX + 2) * (256 + 16)];
    ptrdiff_t ss;
    const uint8_t *src =
        fsr_hrmc_window(ref, x + ix - 2, y + iy - 2, bw + FSR_HRMC_TAPS - 1, bh + FSR_HRMC_TAPS - 1, buf, &ss);
    if (!qx && !qy) { /* bw is a multiple of 8 */
        for (int j = 0; j < bh; j++) {
            const uint8_t *r = src + (j + 2) * ss + 2;
            uint8_t *d = dst + j * dst_stride;
            int i = 0;
            for (; i + 32 <= bw; i += 32)
                _mm256_storeu_si256((__m256i *)(d + i), _mm256_loadu_si256((const __m256i *)(r + i)));
            for (; i + 16 <= bw; i += 16)
                _mm_storeu_si128((__m128i *)(d + i), _mm_loadu_si128((const __m128i *)(r + i)));
            if (i < bw)
                _mm_storel_epi64((__m128i *)(d + i), _mm_loadl_epi64((const __m128i *)(r + i)));
        }
        return;
    }
    const __m256i r32 = _mm256_set1_epi16(32);
    /* horizontal: byte pair k of output j (j < 8 in each lane): bytes 2k + j, 2k + j + 1 */
    static const int8_t pair_shuffle[3][32] = {
#define P(k) 2 * k + 0, 2 * k + 1, 2 * k + 1, 2 * k + 2, 2 * k + 2, 2 * k + 3, 2 * k + 3, 2 * k + 4, \
             2 * k + 4, 2 * k + 5, 2 * k + 5, 2 * k + 6, 2 * k + 6, 2 * k + 7, 2 * k + 7, 2 * k + 8
        { P(0), P(0) }, { P(1), P(1) }, { P(2), P(2) },
#undef P
    };
    int kx0 = 2, np = 0;
    __m256i shuf[(FSR_HRMC_TAPS + 1) / 2], cb[(FSR_HRMC_TAPS + 1) / 2];
    if (qx) {
        kx0 = f->pair_k0[qx];
        np = f->pairs[qx];
        for (int k = 0; k < np; k++) {
            shuf[k] = _mm256_loadu_si256((const __m256i *)pair_shuffle[k]);
            cb[k] = _mm256_set1_epi16(f->pair_bytes[qx][k]);
        }
    }
    if (!qy) { /* horizontal only */
        for (int j = 0; j < bh; j++)
            for (int i = 0; i < bw; i += 16) {
                const __m256i h = hsum16(src + (j + 2) * ss + i + kx0, shuf, cb, np);
                store16_u8(dst + j * dst_stride + i, _mm256_srai_epi16(_mm256_add_epi16(h, r32), 6), i + 16 <= bw);
            }
        return;
    }
    if (!qx) { /* vertical only: rows interleaved in byte pairs, vpmaddubsw */
        const int k0 = f->pair_k0[qy], n = f->pairs[qy];
        __m256i vb[(FSR_HRMC_TAPS + 1) / 2];
        for (int k = 0; k < n; k++)
            vb[k] = _mm256_set1_epi16(f->pair_bytes[qy][k]);
        for (int j = 0; j < bh; j++) {
            const uint8_t *r = src + (j + k0) * ss + 2;
            int i = 0;
            for (; i + 32 <= bw; i += 32) {
                __m256i lo = r32, hi = r32;
                for (int k = 0; k < n; k++) {
                    const __m256i a = _mm256_loadu_si256((const __m256i *)(r + 2 * k * ss + i));
                    const __m256i b = _mm256_loadu_si256((const __m256i *)(r + (2 * k + 1) * ss + i));
                    lo = _mm256_add_epi16(lo, _mm256_maddubs_epi16(_mm256_unpacklo_epi8(a, b), vb[k]));
                    hi = _mm256_add_epi16(hi, _mm256_maddubs_epi16(_mm256_unpackhi_epi8(a, b), vb[k]));
                }
                /* unpack and pack both work within lanes: picture order again */
                _mm256_storeu_si256((__m256i *)(dst + j * dst_stride + i),
                                    _mm256_packus_epi16(_mm256_srai_epi16(lo, 6), _mm256_srai_epi16(hi, 6)));
            }
            for (; i < bw; i += 16) {
                __m128i lo = _mm256_castsi256_si128(r32), hi = lo;
                for (int k = 0; k < n; k++) {
                    const __m128i a = _mm_loadu_si128((const __m128i *)(r + 2 * k * ss + i));
                    const __m128i b = _mm_loadu_si128((const __m128i *)(r + (2 * k + 1) * ss + i));
                    const __m128i c = _mm256_castsi256_si128(vb[k]);
                    lo = _mm_add_epi16(lo, _mm_maddubs_epi16(_mm_unpacklo_epi8(a, b), c));
                    hi = _mm_add_epi16(hi, _mm_maddubs_epi16(_mm_unpackhi_epi8(a, b), c));
                }
                const __m128i v = _mm_packus_epi16(_mm_srai_epi16(lo, 6), _mm_srai_epi16(hi, 6));
                if (i + 16 <= bw)
                    _mm_storeu_si128((__m128i *)(dst + j * dst_stride + i), v);
                else
                    _mm_storel_epi64((__m128i *)(dst + j * dst_stride + i), v);
            }
        }
        return;
    }
    /* both: the rows the vertical taps [ky0, ky1) read, then the vertical pass */
    const int ky0 = f->tap0[qy], ky1 = f->tap1[qy];
    __m256i cv[FSR_HRMC_TAPS];
    for (int k = ky0; k < ky1; k++)
        cv[k] = _mm256_set1_epi16(f->coef[qy][k]);
    const int tw = (bw + 15) & ~15; /* tmp row stride */
    const int rows = bh + ky1 - ky0 - 1;
    for (int j = 0; j < rows; j++)
        for (int i = 0; i < bw; i += 16) {
            const __m256i h = hsum16(src + (j + ky0) * ss + i + kx0, shuf, cb, np);
            _mm256_storeu_si256((__m256i *)(tmp16 + j * tw + i), _mm256_srai_epi16(_mm256_add_epi16(h, r32), 6));
        }
    for (int j = 0; j < bh; j++)
        for (int i = 0; i < bw; i += 16) {
            __m256i acc = r32;
            for (int k = ky0; k < ky1; k++)
                acc = _mm256_add_epi16(
                    acc, _mm256_mullo_epi16(_mm256_loadu_si256((const __m256i *)(tmp16 + (j + k - ky0) * tw + i)), cv[k]));
            store16_u8(dst + j * dst_stride + i, _mm256_srai_epi16(acc, 6), i + 16 <= bw);
        }
}

__attribute__((target("avx2,fma")))
static void avg_block_avx2(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride, int w, int h)
{
    for (int j = 0; j < h; j++) {
        uint8_t *d = dst + j * dst_stride;
        const uint8_t *r = src + j * src_stride;
        int i = 0;
        for (; i + 32 <= w; i += 32)
            _mm256_storeu_si256((__m256i *)(d + i), _mm256_avg_epu8(_mm256_loadu_si256((const __m256i *)(d + i)),
                                                                    _mm256_loadu_si256((const __m256i *)(r + i))));
        for (; i + 16 <= w; i += 16)
            _mm_storeu_si128((__m128i *)(d + i),
                             _mm_avg_epu8(_mm_loadu_si128((const __m128i *)(d + i)), _mm_loadu_si128((const __m128i *)(r + i))));
        for (; i < w; i++)
            d[i] = (uint8_t)((d[i] + r[i] + 1) >> 1);
    }
}

/* pixel pairs times the weight pair through vpmaddwd (|sum| < 2^17) */
__attribute__((target("avx2,fma")))
static void biweight_block_avx2(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride, int w,
                                int h, int d, int w0, int w1, int o)
{
    if (w & 7) {
        fsr_biweight_block_ref(dst, dst_stride, src, src_stride, w, h, d, w0, w1, o);
        return;
    }
    const __m256i wp = _mm256_set1_epi32((int)((uint16_t)w0 | (uint32_t)(uint16_t)w1 << 16));
    const __m256i rnd = _mm256_set1_epi32(1 << d), off = _mm256_set1_epi16((int16_t)o);
    const __m128i sh = _mm_cvtsi32_si128(d + 1);
    for (int j = 0; j < h; j++) {
        uint8_t *p = dst + j * dst_stride;
        const uint8_t *q = src + j * src_stride;
        for (int i = 0; i < w; i += 16) {
            /* a last run of 8 loads only 8 bytes: no read past the block */
            const int whole = i + 16 <= w;
            const __m128i a8 = whole ? _mm_loadu_si128((const __m128i *)(p + i)) : _mm_loadl_epi64((const __m128i *)(p + i));
            const __m128i b8 = whole ? _mm_loadu_si128((const __m128i *)(q + i)) : _mm_loadl_epi64((const __m128i *)(q + i));
            const __m256i a = _mm256_cvtepu8_epi16(a8), b = _mm256_cvtepu8_epi16(b8);
            const __m256i lo = _mm256_sra_epi32(_mm256_add_epi32(_mm256_madd_epi16(_mm256_unpacklo_epi16(a, b), wp), rnd), sh);
            const __m256i hi = _mm256_sra_epi32(_mm256_add_epi32(_mm256_madd_epi16(_mm256_unpackhi_epi16(a, b), wp), rnd), sh);
            const __m256i v = _mm256_adds_epi16(_mm256_packs_epi32(lo, hi), off);
            const __m128i r = _mm_packus_epi16(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
            if (whole)
                _mm_storeu_si128((__m128i *)(p + i), r);
            else
                _mm_storel_epi64((__m128i *)(p + i), r);
        }
    }
}

/* Every tap is one vpmulhrsw on 16 lanes: no unpacking, no 32-bit lanes.
 * Horizontal pass over the h LR rows (the rows mirrored 2 columns out,
 * which the phases' taps reach), phases interleaved into HR order; rows
 * mirrored 2 out at top and bottom; then each HR row from 4 of them. */
__attribute__((target("avx2,fma")))
static void add_up_residual_avx2(uint8_t *dst, ptrdiff_t dst_stride, const int16_t *res, ptrdiff_t res_stride, int w,
                                 int h, const FsrUpResPhases *ph)
{
    enum { HW = FSR_UPRES_MAX * 4 + 16 };
    const int s = ph->scale;
    int16_t pad[FSR_UPRES_MAX][FSR_UPRES_MAX + 4 + 16];
    int16_t t[FSR_UPRES_MAX + 4][HW]; /* rows -2 .. h + 1 */
    int16_t out[4][16];
    __m256i wv[4][4];
    for (int p = 0; p < s; p++)
        for (int k = 0; k < 4; k++)
            wv[p][k] = _mm256_set1_epi16(ph->w[p][k]);
    const __m256i lo = _mm256_set1_epi16(-1024), hi = _mm256_set1_epi16(1023);
    const int m0 = fsr_mirror(-2, w), m1 = fsr_mirror(-1, w), m2 = fsr_mirror(w, w), m3 = fsr_mirror(w + 1, w);
    for (int y = 0; y < h; y++) {
        int16_t *d = pad[y];
        const int16_t *r = res + y * res_stride;
        if (w == 16) {
            const __m256i v = _mm256_loadu_si256((const __m256i *)r);
            _mm256_storeu_si256((__m256i *)(d + 2), _mm256_slli_epi16(_mm256_min_epi16(_mm256_max_epi16(v, lo), hi), 4));
        } else {
            for (int i = 0; i < w; i++)
                d[i + 2] = (int16_t)((r[i] < -1024 ? -1024 : r[i] > 1023 ? 1023 : r[i]) * 16);
        }
        d[0] = d[2 + m0];
        d[1] = d[2 + m1];
        d[w + 2] = d[2 + m2];
        d[w + 3] = d[2 + m3];
    }
    for (int y = 0; y < h; y++) {
        __m256i v[4];
        for (int p = 0; p < s; p++) {
            const int16_t *c = pad[y] + 2 + ph->offset[p];
            __m256i acc = _mm256_mulhrs_epi16(_mm256_loadu_si256((const __m256i *)c), wv[p][0]);
            for (int k = 1; k < 4; k++)
                acc = _mm256_add_epi16(acc, _mm256_mulhrs_epi16(_mm256_loadu_si256((const __m256i *)(c + k)), wv[p][k]));
            v[p] = acc;
        }
        int16_t *ty = t[y + 2];
        if (s == 2) { /* interleave: 32 outputs in picture order */
            const __m256i a = _mm256_unpacklo_epi16(v[0], v[1]), b = _mm256_unpackhi_epi16(v[0], v[1]);
            _mm256_storeu_si256((__m256i *)ty, _mm256_permute2x128_si256(a, b, 0x20));
            _mm256_storeu_si256((__m256i *)(ty + 16), _mm256_permute2x128_si256(a, b, 0x31));
        } else {
            for (int p = 0; p < s; p++)
                _mm256_storeu_si256((__m256i *)out[p], v[p]);
            for (int ox = 0; ox < w * s; ox++)
                ty[ox] = out[ox % s][ox / s];
        }
    }
    const int hw = w * s;
    for (int k = 1; k <= 2; k++) {
        memcpy(t[2 - k], t[2 + fsr_mirror(-k, h)], sizeof(t[0]));
        memcpy(t[h + 1 + k], t[2 + fsr_mirror(h - 1 + k, h)], sizeof(t[0]));
    }
    const __m256i r8 = _mm256_set1_epi16(8);
    for (int oy = 0; oy < h * s; oy++) {
        const int py = oy % s;
        const int16_t *r = t[oy / s + ph->offset[py] + 2];
        uint8_t *d = dst + oy * dst_stride;
        for (int x = 0; x < hw; x += 16) {
            __m256i acc = r8;
            for (int k = 0; k < 4; k++)
                acc = _mm256_add_epi16(acc, _mm256_mulhrs_epi16(_mm256_loadu_si256((const __m256i *)(r + k * HW + x)),
                                                                wv[py][k]));
            const __m256i up = _mm256_srai_epi16(acc, 4);
            if (x + 16 <= hw) {
                const __m256i sum = _mm256_adds_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(d + x))), up);
                const __m256i b = _mm256_packus_epi16(sum, sum);
                _mm_storeu_si128((__m128i *)(d + x), _mm256_castsi256_si128(_mm256_permute4x64_epi64(b, 0xd8)));
            } else {
                int16_t tail[16];
                _mm256_storeu_si256((__m256i *)tail, up);
                for (int i = 0; i < hw - x; i++)
                    d[x + i] = clip8(d[x + i] + tail[i]);
            }
        }
    }
}

void fsr_hrmc_dsp_init_avx2(FsrHrMcDSP *dsp)
{
    dsp->mc = hrmc_block_avx2;
    dsp->avg = avg_block_avx2;
    dsp->biweight = biweight_block_avx2;
    dsp->add_up_residual = add_up_residual_avx2;
}
#endif
