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
 * mirrored 2 out at top and bottom; then each HR row from 4 of them.  The
 * two depths share everything but the final add and clip. */
enum { UP_HW = FSR_UPRES_MAX * 4 + 16 };

/* t: the LR rows -2 .. h + 1 upsampled in x, with 4 fraction bits; wv: the
 * phases' weights broadcast. */
__attribute__((target("avx2,fma"), always_inline))
static inline void up_residual_rows_avx2(int16_t t[FSR_UPRES_MAX + 4][UP_HW], __m256i wv[4][4], const int16_t *res,
                                         ptrdiff_t res_stride, int w, int h, const FsrUpResPhases *ph)
{
    const int s = ph->scale;
    int16_t pad[FSR_UPRES_MAX][FSR_UPRES_MAX + 4 + 16];
    int16_t out[4][16];
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
    for (int k = 1; k <= 2; k++) {
        memcpy(t[2 - k], t[2 + fsr_mirror(-k, h)], sizeof(t[0]));
        memcpy(t[h + 1 + k], t[2 + fsr_mirror(h - 1 + k, h)], sizeof(t[0]));
    }
}

/* The vertical pass of 16 HR samples from the 4 rows at r (UP_HW apart),
 * rounded to whole levels. */
__attribute__((target("avx2,fma"), always_inline))
static inline __m256i up_residual_col_avx2(const int16_t *r, const __m256i wv[4])
{
    __m256i acc = _mm256_set1_epi16(8);
    for (int k = 0; k < 4; k++)
        acc = _mm256_add_epi16(acc, _mm256_mulhrs_epi16(_mm256_loadu_si256((const __m256i *)(r + k * UP_HW)), wv[k]));
    return _mm256_srai_epi16(acc, 4);
}

__attribute__((target("avx2,fma")))
static void add_up_residual_avx2(uint8_t *dst, ptrdiff_t dst_stride, const int16_t *res, ptrdiff_t res_stride, int w,
                                 int h, const FsrUpResPhases *ph)
{
    const int s = ph->scale, hw = w * s;
    int16_t t[FSR_UPRES_MAX + 4][UP_HW]; /* rows -2 .. h + 1 */
    __m256i wv[4][4];
    up_residual_rows_avx2(t, wv, res, res_stride, w, h, ph);
    for (int oy = 0; oy < h * s; oy++) {
        const int py = oy % s;
        const int16_t *r = t[oy / s + ph->offset[py] + 2];
        uint8_t *d = dst + oy * dst_stride;
        for (int x = 0; x < hw; x += 16) {
            const __m256i up = up_residual_col_avx2(r + x, wv[py]);
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

/* 16-bit samples: the sum clipped to [0, bitdepth_max] without leaving
 * 16-bit lanes for any depth: the positive part of up added and the
 * negative part subtracted with unsigned saturation (at 65535 and 0), then
 * the minimum with bitdepth_max. */
__attribute__((target("avx2,fma")))
static void add_up_residual16_avx2(uint16_t *dst, ptrdiff_t dst_stride, const int16_t *res, ptrdiff_t res_stride,
                                   int w, int h, const FsrUpResPhases *ph, int bitdepth_max)
{
    const int s = ph->scale, hw = w * s;
    int16_t t[FSR_UPRES_MAX + 4][UP_HW];
    __m256i wv[4][4];
    up_residual_rows_avx2(t, wv, res, res_stride, w, h, ph);
    const __m256i zero = _mm256_setzero_si256(), maxv = _mm256_set1_epi16((int16_t)bitdepth_max);
    for (int oy = 0; oy < h * s; oy++) {
        const int py = oy % s;
        const int16_t *r = t[oy / s + ph->offset[py] + 2];
        uint16_t *d = (uint16_t *)(void *)((uint8_t *)dst + oy * dst_stride);
        for (int x = 0; x < hw; x += 16) {
            const __m256i up = up_residual_col_avx2(r + x, wv[py]);
            if (x + 16 <= hw) {
                const __m256i pos = _mm256_max_epi16(up, zero), neg = _mm256_max_epi16(_mm256_sub_epi16(zero, up), zero);
                const __m256i v = _mm256_loadu_si256((const __m256i *)(d + x));
                _mm256_storeu_si256((__m256i *)(d + x),
                                    _mm256_min_epu16(_mm256_subs_epu16(_mm256_adds_epu16(v, pos), neg), maxv));
            } else {
                int16_t tail[16];
                _mm256_storeu_si256((__m256i *)tail, up);
                for (int i = 0; i < hw - x; i++)
                    d[x + i] = (uint16_t)clampi(d[x + i] + tail[i], 0, bitdepth_max);
            }
        }
    }
}

/* ---- high bit depth ---- */

/* Horizontal filter of 16 outputs (int16, the sample scale) from the 16-bit
 * samples at p (p = first tap of the first pair of output 0): vpmaddwd of
 * sample pairs by coefficient pairs, the even outputs from the pairs at
 * p + 2k and the odd ones from those at p + 2k + 1; both rounded, the odd
 * ones shifted into the high words, blended: picture order without any
 * shuffle.  Reads p[0] .. p[2 np + 14]. */
__attribute__((target("avx2,fma")))
static inline __m256i hpass16_avx2(const uint16_t *p, const __m256i *cp, int np)
{
    const __m256i r32 = _mm256_set1_epi32(32);
    __m256i e = r32, o = r32;
    for (int k = 0; k < np; k++) {
        e = _mm256_add_epi32(e, _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(p + 2 * k)), cp[k]));
        o = _mm256_add_epi32(o, _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(p + 2 * k + 1)), cp[k]));
    }
    return _mm256_blend_epi16(_mm256_srai_epi32(e, 6), _mm256_slli_epi32(_mm256_srai_epi32(o, 6), 16), 0xaa);
}

/* The same for 8 outputs; reads p[0] .. p[2 np + 6]. */
__attribute__((target("avx2,fma")))
static inline __m128i hpass8_avx2(const uint16_t *p, const __m256i *cp, int np)
{
    const __m128i r32 = _mm_set1_epi32(32);
    __m128i e = r32, o = r32;
    for (int k = 0; k < np; k++) {
        const __m128i c = _mm256_castsi256_si128(cp[k]);
        e = _mm_add_epi32(e, _mm_madd_epi16(_mm_loadu_si128((const __m128i *)(p + 2 * k)), c));
        o = _mm_add_epi32(o, _mm_madd_epi16(_mm_loadu_si128((const __m128i *)(p + 2 * k + 1)), c));
    }
    return _mm_blend_epi16(_mm_srai_epi32(e, 6), _mm_slli_epi32(_mm_srai_epi32(o, 6), 16), 0xaa);
}

/* A filter phase's coefficient pairs (taps pair_k0 + 2k, + 1) as dwords. */
__attribute__((target("avx2,fma")))
static inline int coef_pairs16(__m256i *cp, const FsrHrFilter *f, int q)
{
    const int k0 = f->pair_k0[q], n = f->pairs[q];
    for (int k = 0; k < n; k++)
        cp[k] = _mm256_set1_epi32((int)((uint32_t)(uint16_t)f->coef[q][k0 + 2 * k] |
                                        (uint32_t)(uint16_t)f->coef[q][k0 + 2 * k + 1] << 16));
    return n;
}

/* Both passes through vpmaddwd in 32-bit sums, the rows in between rounded
 * to the sample scale in int16 (what limits this kernel to 14 bits:
 * |row| < 16384 * 84 / 64 for the largest filter), as the reference.  A
 * direction whose phase is 0 is the identity and skipped (it rounds the
 * same way): without horizontal phase the window's samples are the rows
 * (below 2^14, int16 as they are).  Widths a multiple of 16 run 16 at a
 * time, a last 8 in 128-bit lanes, which read no sample past the window. */
__attribute__((target("avx2,fma")))
static void hrmc_block16_avx2(uint16_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int bw,
                              int bh, int dx4, int dy4, const FsrHrFilter *f, int bitdepth_max)
{
    if ((bw & 7) || bitdepth_max > 16383) {
        fsr_hrmc_block16_c(dst, dst_stride, ref, x, y, bw, bh, dx4, dy4, f, bitdepth_max);
        return;
    }
    int ix, iy, qx, qy;
    fsr_hrmc_split4(dx4, &ix, &qx);
    fsr_hrmc_split4(dy4, &iy, &qy);
    static _Thread_local uint16_t buf[FSR_HRMC_WIN_MAX * FSR_HRMC_WIN_MAX];
    static _Thread_local int16_t tmp[FSR_HRMC_WIN_MAX * 256];
    ptrdiff_t ss;
    const uint16_t *src =
        fsr_hrmc_window16(ref, x + ix - 2, y + iy - 2, bw + FSR_HRMC_TAPS - 1, bh + FSR_HRMC_TAPS - 1, buf, &ss);
    /* the window rows [r0, r0 + nr) the vertical pass reads: its pairs' taps */
    const int r0 = qy ? f->pair_k0[qy] : 2, nr = qy ? bh + 2 * f->pairs[qy] - 1 : bh;
    const int16_t *rows; /* window row r0 */
    ptrdiff_t rs;
    if (qx) {
        __m256i cp[(FSR_HRMC_TAPS + 1) / 2];
        const int np = coef_pairs16(cp, f, qx), kx0 = f->pair_k0[qx];
        for (int j = 0; j < nr; j++) {
            const uint16_t *s = src + (r0 + j) * ss + kx0;
            int16_t *t = tmp + j * bw;
            int i = 0;
            for (; i + 16 <= bw; i += 16)
                _mm256_storeu_si256((__m256i *)(t + i), hpass16_avx2(s + i, cp, np));
            if (i < bw)
                _mm_storeu_si128((__m128i *)(t + i), hpass8_avx2(s + i, cp, np));
        }
        rows = tmp;
        rs = bw;
    } else {
        rows = (const int16_t *)(src + r0 * ss);
        rs = ss;
    }
    /* the horizontal pass wrote its columns from 0; the window's start at 2 */
    const int c0 = qx ? 0 : 2;
    const __m256i zero = _mm256_setzero_si256(), maxv = _mm256_set1_epi16((int16_t)bitdepth_max);
    if (!qy) { /* the rows, clipped */
        for (int j = 0; j < bh; j++) {
            const int16_t *r = rows + j * rs + c0;
            uint16_t *d = (uint16_t *)(void *)((uint8_t *)dst + j * dst_stride);
            int i = 0;
            for (; i + 16 <= bw; i += 16)
                _mm256_storeu_si256((__m256i *)(d + i),
                                    _mm256_min_epi16(_mm256_max_epi16(_mm256_loadu_si256((const __m256i *)(r + i)), zero), maxv));
            if (i < bw)
                _mm_storeu_si128((__m128i *)(d + i),
                                 _mm_min_epi16(_mm_max_epi16(_mm_loadu_si128((const __m128i *)(r + i)),
                                                             _mm256_castsi256_si128(zero)),
                                               _mm256_castsi256_si128(maxv)));
        }
        return;
    }
    __m256i vp[(FSR_HRMC_TAPS + 1) / 2];
    const int n = coef_pairs16(vp, f, qy);
    const __m256i r32 = _mm256_set1_epi32(32);
    for (int j = 0; j < bh; j++) {
        uint16_t *d = (uint16_t *)(void *)((uint8_t *)dst + j * dst_stride);
        int i = 0;
        for (; i + 16 <= bw; i += 16) {
            __m256i lo = r32, hi = r32;
            for (int k = 0; k < n; k++) {
                const __m256i a = _mm256_loadu_si256((const __m256i *)(rows + (j + 2 * k) * rs + c0 + i));
                const __m256i b = _mm256_loadu_si256((const __m256i *)(rows + (j + 2 * k + 1) * rs + c0 + i));
                lo = _mm256_add_epi32(lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(a, b), vp[k]));
                hi = _mm256_add_epi32(hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(a, b), vp[k]));
            }
            /* unpack and pack both work within lanes: picture order again */
            const __m256i v = _mm256_packs_epi32(_mm256_srai_epi32(lo, 6), _mm256_srai_epi32(hi, 6));
            _mm256_storeu_si256((__m256i *)(d + i), _mm256_min_epi16(_mm256_max_epi16(v, zero), maxv));
        }
        if (i < bw) {
            __m128i lo = _mm256_castsi256_si128(r32), hi = lo;
            for (int k = 0; k < n; k++) {
                const __m128i a = _mm_loadu_si128((const __m128i *)(rows + (j + 2 * k) * rs + c0 + i));
                const __m128i b = _mm_loadu_si128((const __m128i *)(rows + (j + 2 * k + 1) * rs + c0 + i));
                const __m128i c = _mm256_castsi256_si128(vp[k]);
                lo = _mm_add_epi32(lo, _mm_madd_epi16(_mm_unpacklo_epi16(a, b), c));
                hi = _mm_add_epi32(hi, _mm_madd_epi16(_mm_unpackhi_epi16(a, b), c));
            }
            const __m128i v = _mm_packs_epi32(_mm_srai_epi32(lo, 6), _mm_srai_epi32(hi, 6));
            _mm_storeu_si128((__m128i *)(d + i), _mm_min_epi16(_mm_max_epi16(v, _mm256_castsi256_si128(zero)),
                                                                _mm256_castsi256_si128(maxv)));
        }
    }
}

__attribute__((target("avx2,fma")))
static void avg_block16_avx2(uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src, ptrdiff_t src_stride, int w,
                             int h)
{
    for (int j = 0; j < h; j++) {
        uint16_t *d = (uint16_t *)(void *)((uint8_t *)dst + j * dst_stride);
        const uint16_t *r = (const uint16_t *)(const void *)((const uint8_t *)src + j * src_stride);
        int i = 0;
        for (; i + 16 <= w; i += 16)
            _mm256_storeu_si256((__m256i *)(d + i), _mm256_avg_epu16(_mm256_loadu_si256((const __m256i *)(d + i)),
                                                                     _mm256_loadu_si256((const __m256i *)(r + i))));
        for (; i + 8 <= w; i += 8)
            _mm_storeu_si128((__m128i *)(d + i),
                             _mm_avg_epu16(_mm_loadu_si128((const __m128i *)(d + i)), _mm_loadu_si128((const __m128i *)(r + i))));
        for (; i < w; i++)
            d[i] = (uint16_t)((d[i] + r[i] + 1) >> 1);
    }
}

/* Sample pairs times the weight pair through vpmaddwd (signed: samples
 * below 2^15, hence C above 15 bits), the offset and the clip in 32 bits. */
__attribute__((target("avx2,fma")))
static void biweight_block16_avx2(uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src, ptrdiff_t src_stride,
                                  int w, int h, int d, int w0, int w1, int o, int bitdepth_max)
{
    if ((w & 7) || bitdepth_max > 32767) {
        fsr_biweight_block16_ref(dst, dst_stride, src, src_stride, w, h, d, w0, w1, o, bitdepth_max);
        return;
    }
    const __m256i wp = _mm256_set1_epi32((int)((uint16_t)w0 | (uint32_t)(uint16_t)w1 << 16));
    const __m256i rnd = _mm256_set1_epi32(1 << d), off = _mm256_set1_epi32(o);
    const __m256i zero = _mm256_setzero_si256(), maxv = _mm256_set1_epi32(bitdepth_max);
    const __m128i sh = _mm_cvtsi32_si128(d + 1);
#define BIW(x) _mm256_min_epi32(                                                                                            _mm256_max_epi32(_mm256_add_epi32(_mm256_sra_epi32(_mm256_add_epi32(_mm256_madd_epi16((x), wp), rnd), sh), off), zero),         maxv)
    for (int j = 0; j < h; j++) {
        uint16_t *p = (uint16_t *)(void *)((uint8_t *)dst + j * dst_stride);
        const uint16_t *q = (const uint16_t *)(const void *)((const uint8_t *)src + j * src_stride);
        int i = 0;
        for (; i + 16 <= w; i += 16) {
            const __m256i a = _mm256_loadu_si256((const __m256i *)(p + i)), b = _mm256_loadu_si256((const __m256i *)(q + i));
            const __m256i lo = BIW(_mm256_unpacklo_epi16(a, b)), hi = BIW(_mm256_unpackhi_epi16(a, b));
            _mm256_storeu_si256((__m256i *)(p + i), _mm256_packus_epi32(lo, hi));
        }
        if (i < w) { /* the last 8: one 128-bit half's worth, both halves of the 256-bit lanes */
            const __m256i ab = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p + i)));
            const __m256i bb = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(q + i)));
            const __m256i v = BIW(_mm256_or_si256(ab, _mm256_slli_epi32(bb, 16)));
            _mm_storeu_si128((__m128i *)(p + i),
                             _mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1)));
        }
    }
#undef BIW
}

void fsr_hrmc_dsp_init_avx2(FsrHrMcDSP *dsp)
{
    dsp->mc = hrmc_block_avx2;
    dsp->avg = avg_block_avx2;
    dsp->biweight = biweight_block_avx2;
    dsp->add_up_residual = add_up_residual_avx2;
    dsp->mc16 = hrmc_block16_avx2;
    dsp->avg16 = avg_block16_avx2;
    dsp->biweight16 = biweight_block16_avx2;
    dsp->add_up_residual16 = add_up_residual16_avx2;
}
#endif
