/* Bicubic row and residual-block kernels, AVX2: the twins of the C kernels
 * in ../bicubic.c, with the same float multiplies and adds in the same
 * order (no FMA), so they agree bit for bit (tests/checkasm and
 * tests/test_bicubic.c compare them); installed by fsr_bicubic_dsp_init on
 * CPUs with FSR_CPU_AVX2_FMA. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "bicubic_internal.h"

#define PAD FSR_BICUBIC_PAD

__attribute__((target("avx2,fma")))
static void vert_row_avx2(float *dst, const uint8_t *const rows[4], const float w[4], int n)
{
    const __m256 w0 = _mm256_set1_ps(w[0]), w1 = _mm256_set1_ps(w[1]);
    const __m256 w2 = _mm256_set1_ps(w[2]), w3 = _mm256_set1_ps(w[3]);
    int x = 0;
#define LOAD8(r) _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)((r) + x))))
    for (; x + 8 <= n; x += 8) {
        __m256 acc = _mm256_mul_ps(w0, LOAD8(rows[0]));
        acc = _mm256_add_ps(acc, _mm256_mul_ps(w1, LOAD8(rows[1])));
        acc = _mm256_add_ps(acc, _mm256_mul_ps(w2, LOAD8(rows[2])));
        acc = _mm256_add_ps(acc, _mm256_mul_ps(w3, LOAD8(rows[3])));
        _mm256_storeu_ps(dst + x, acc);
    }
#undef LOAD8
    if (x < n) {
        const uint8_t *const rest[4] = { rows[0] + x, rows[1] + x, rows[2] + x, rows[3] + x };
        fsr_bicubic_vert_row_c(dst + x, rest, w, n - x);
    }
}

__attribute__((target("avx2,fma")))
static inline __m128i horz_phase8_avx2(const float *t, const float w[4])
{
    __m256 acc = _mm256_mul_ps(_mm256_set1_ps(w[0]), _mm256_loadu_ps(t));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_set1_ps(w[1]), _mm256_loadu_ps(t + 1)));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_set1_ps(w[2]), _mm256_loadu_ps(t + 2)));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_set1_ps(w[3]), _mm256_loadu_ps(t + 3)));
    acc = _mm256_min_ps(_mm256_max_ps(acc, _mm256_setzero_ps()), _mm256_set1_ps(255.f));
    const __m256i i32 = _mm256_cvttps_epi32(_mm256_add_ps(acc, _mm256_set1_ps(0.5f)));
    const __m128i u16 = _mm_packus_epi32(_mm256_castsi256_si128(i32), _mm256_extracti128_si256(i32, 1));
    return _mm_packus_epi16(u16, u16); /* 8 valid bytes */
}

__attribute__((target("avx2,fma")))
static void horz_row_avx2(uint8_t *dst, const float *tmp, const FsrBicubicPhases *ph, int n)
{
    const int s = ph->scale;
    int j = 0;
    for (; j + 8 <= n; j += 8) {
        __m128i v[FSR_MAX_SCALE];
        for (int p = 0; p < s; p++)
            v[p] = horz_phase8_avx2(tmp + j + ph->offset[p], ph->weight[p]);
        uint8_t *d = dst + j * s;
        if (s == 2) {
            _mm_storeu_si128((__m128i *)d, _mm_unpacklo_epi8(v[0], v[1]));
        } else if (s == 4) {
            const __m128i a = _mm_unpacklo_epi8(v[0], v[1]), b = _mm_unpacklo_epi8(v[2], v[3]);
            _mm_storeu_si128((__m128i *)d, _mm_unpacklo_epi16(a, b));
            _mm_storeu_si128((__m128i *)(d + 16), _mm_unpackhi_epi16(a, b));
        } else {
            uint8_t b[FSR_MAX_SCALE][16];
            for (int p = 0; p < s; p++)
                _mm_storeu_si128((__m128i *)b[p], v[p]);
            for (int k = 0; k < 8; k++)
                for (int p = 0; p < s; p++)
                    d[k * s + p] = b[p][k];
        }
    }
    if (j < n)
        fsr_bicubic_horz_row_c(dst + j * s, tmp + j, ph, n - j);
}

/* ---- 16-bit samples: the same float operations ---- */

__attribute__((target("avx2,fma")))
static void vert_row16_avx2(float *dst, const uint16_t *const rows[4], const float w[4], int n)
{
    const __m256 w0 = _mm256_set1_ps(w[0]), w1 = _mm256_set1_ps(w[1]);
    const __m256 w2 = _mm256_set1_ps(w[2]), w3 = _mm256_set1_ps(w[3]);
    int x = 0;
#define LOAD8(r) _mm256_cvtepi32_ps(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)((r) + x))))
    for (; x + 8 <= n; x += 8) {
        __m256 acc = _mm256_mul_ps(w0, LOAD8(rows[0]));
        acc = _mm256_add_ps(acc, _mm256_mul_ps(w1, LOAD8(rows[1])));
        acc = _mm256_add_ps(acc, _mm256_mul_ps(w2, LOAD8(rows[2])));
        acc = _mm256_add_ps(acc, _mm256_mul_ps(w3, LOAD8(rows[3])));
        _mm256_storeu_ps(dst + x, acc);
    }
#undef LOAD8
    if (x < n) {
        const uint16_t *const rest[4] = { rows[0] + x, rows[1] + x, rows[2] + x, rows[3] + x };
        fsr_bicubic_vert_row16_c(dst + x, rest, w, n - x);
    }
}

/* 8 outputs of one phase as uint16_t: clipped as floats (so the integer
 * conversion and the unsigned pack never saturate), rounded half up. */
__attribute__((target("avx2,fma")))
static inline __m128i horz_phase8_u16_avx2(const float *t, const float w[4], __m256 max)
{
    __m256 acc = _mm256_mul_ps(_mm256_set1_ps(w[0]), _mm256_loadu_ps(t));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_set1_ps(w[1]), _mm256_loadu_ps(t + 1)));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_set1_ps(w[2]), _mm256_loadu_ps(t + 2)));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_set1_ps(w[3]), _mm256_loadu_ps(t + 3)));
    acc = _mm256_min_ps(_mm256_max_ps(acc, _mm256_setzero_ps()), max);
    const __m256i i32 = _mm256_cvttps_epi32(_mm256_add_ps(acc, _mm256_set1_ps(0.5f)));
    return _mm_packus_epi32(_mm256_castsi256_si128(i32), _mm256_extracti128_si256(i32, 1));
}

__attribute__((target("avx2,fma")))
static void horz_row16_avx2(uint16_t *dst, const float *tmp, const FsrBicubicPhases *ph, int n, int bitdepth_max)
{
    const int s = ph->scale;
    const __m256 max = _mm256_set1_ps((float)bitdepth_max);
    int j = 0;
    for (; j + 8 <= n; j += 8) {
        __m128i v[FSR_MAX_SCALE];
        for (int p = 0; p < s; p++)
            v[p] = horz_phase8_u16_avx2(tmp + j + ph->offset[p], ph->weight[p], max);
        uint16_t *d = dst + j * s;
        if (s == 2) {
            _mm_storeu_si128((__m128i *)d, _mm_unpacklo_epi16(v[0], v[1]));
            _mm_storeu_si128((__m128i *)(d + 8), _mm_unpackhi_epi16(v[0], v[1]));
        } else if (s == 4) { /* pairs of phases 0,1 and 2,3 per column, then columns in twos */
            const __m128i a = _mm_unpacklo_epi16(v[0], v[1]), a2 = _mm_unpackhi_epi16(v[0], v[1]);
            const __m128i b = _mm_unpacklo_epi16(v[2], v[3]), b2 = _mm_unpackhi_epi16(v[2], v[3]);
            _mm_storeu_si128((__m128i *)d, _mm_unpacklo_epi32(a, b));
            _mm_storeu_si128((__m128i *)(d + 8), _mm_unpackhi_epi32(a, b));
            _mm_storeu_si128((__m128i *)(d + 16), _mm_unpacklo_epi32(a2, b2));
            _mm_storeu_si128((__m128i *)(d + 24), _mm_unpackhi_epi32(a2, b2));
        } else {
            uint16_t b[FSR_MAX_SCALE][8];
            for (int p = 0; p < s; p++)
                _mm_storeu_si128((__m128i *)b[p], v[p]);
            for (int k = 0; k < 8; k++)
                for (int p = 0; p < s; p++)
                    d[k * s + p] = b[p][k];
        }
    }
    if (j < n)
        fsr_bicubic_horz_row16_c(dst + j * s, tmp + j, ph, n - j, bitdepth_max);
}

/* The residual-block kernel with the same float operations in AVX2: the
 * vertical pass 8 columns at a time, the horizontal pass 8 outputs of one
 * phase at a time from the mirrored column buffer. */
__attribute__((target("avx2,fma")))
static void block_s16_avx2(int16_t *dst, ptrdiff_t dst_stride, const int16_t *src, ptrdiff_t src_stride, int sw,
                           int sh, int scale)
{
    FsrBicubicPhases ph;
    fsr_bicubic_phases(&ph, scale);
    float col[FSR_BICUBIC_BLOCK_MAX + 2 * PAD + 8];
    int32_t out[FSR_MAX_SCALE][FSR_BICUBIC_BLOCK_MAX + 8];
    for (int oy = 0; oy < sh * scale; oy++) {
        ptrdiff_t at[4];
        const float *w = fsr_bicubic_vert_taps(at, &ph, oy, sh, src_stride);
        const int16_t *const r[4] = { src + at[0], src + at[1], src + at[2], src + at[3] };
        int x = 0;
#define LD(p) _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)((p) + x))))
        for (; x + 8 <= sw; x += 8) {
            __m256 c = _mm256_mul_ps(_mm256_set1_ps(w[0]), LD(r[0]));
            c = _mm256_add_ps(c, _mm256_mul_ps(_mm256_set1_ps(w[1]), LD(r[1])));
            c = _mm256_add_ps(c, _mm256_mul_ps(_mm256_set1_ps(w[2]), LD(r[2])));
            c = _mm256_add_ps(c, _mm256_mul_ps(_mm256_set1_ps(w[3]), LD(r[3])));
            _mm256_storeu_ps(col + PAD + x, c);
        }
#undef LD
        for (; x < sw; x++)
            col[x + PAD] = fsr_bicubic_vert_s16(r, w, x);
        for (int k = 1; k <= PAD; k++) {
            col[PAD - k] = col[PAD + fsr_mirror(-k, sw)];
            col[PAD + sw - 1 + k] = col[PAD + fsr_mirror(sw - 1 + k, sw)];
        }
        /* past the mirrored border the buffer is never read by kept lanes */
        for (int k = sw + 2 * PAD; k < sw + 2 * PAD + 8; k++)
            col[k] = 0.f;
        for (int p = 0; p < scale; p++) {
            const float *wx = ph.weight[p];
            const float *c0 = col + PAD + ph.offset[p];
            for (int j = 0; j < sw; j += 8) {
                __m256 acc = _mm256_mul_ps(_mm256_set1_ps(wx[0]), _mm256_loadu_ps(c0 + j));
                acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_set1_ps(wx[1]), _mm256_loadu_ps(c0 + j + 1)));
                acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_set1_ps(wx[2]), _mm256_loadu_ps(c0 + j + 2)));
                acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_set1_ps(wx[3]), _mm256_loadu_ps(c0 + j + 3)));
                acc = _mm256_floor_ps(_mm256_add_ps(acc, _mm256_set1_ps(0.5f)));
                acc = _mm256_min_ps(_mm256_max_ps(acc, _mm256_set1_ps(-32768.f)), _mm256_set1_ps(32767.f));
                _mm256_storeu_si256((__m256i *)(out[p] + j), _mm256_cvtps_epi32(acc));
            }
        }
        int16_t *d = dst + oy * dst_stride;
        int j = 0;
        if (scale == 2) /* interleave the two phases 8 pixels at a time */
            for (; j + 8 <= sw; j += 8) {
                const __m256i a = _mm256_loadu_si256((const __m256i *)(out[0] + j));
                const __m256i b = _mm256_loadu_si256((const __m256i *)(out[1] + j));
                const __m128i a16 = _mm_packs_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
                const __m128i b16 = _mm_packs_epi32(_mm256_castsi256_si128(b), _mm256_extracti128_si256(b, 1));
                _mm_storeu_si128((__m128i *)(d + 2 * j), _mm_unpacklo_epi16(a16, b16));
                _mm_storeu_si128((__m128i *)(d + 2 * j + 8), _mm_unpackhi_epi16(a16, b16));
            }
        for (; j < sw; j++)
            for (int p = 0; p < scale; p++)
                d[j * scale + p] = (int16_t)out[p][j];
    }
}

/* ---- the LR consistency's downscale: the same float operations ---- */

/* the vertical pass for either sample type: LOAD8 widens 8 samples to
 * 32-bit integers */
#define DOWN_VERT_AVX2(name, pixel, LOAD8, ref)                                                                      \
    __attribute__((target("avx2,fma"))) static void name(float *dst, const pixel *const *rows, const float *w,      \
                                                         int taps, int n)                                           \
    {                                                                                                                \
        int x = 0;                                                                                                   \
        for (; x + 8 <= n; x += 8) {                                                                                 \
            __m256 acc = _mm256_setzero_ps();                                                                        \
            for (int k = 0; k < taps; k++)                                                                           \
                acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_set1_ps(w[k]), _mm256_cvtepi32_ps(LOAD8(rows[k] + x)))); \
            _mm256_storeu_ps(dst + x, acc);                                                                          \
        }                                                                                                            \
        if (x < n) {                                                                                                 \
            const pixel *rest[4 * FSR_MAX_SCALE + 1];                                                                \
            for (int k = 0; k < taps; k++)                                                                           \
                rest[k] = rows[k] + x;                                                                               \
            ref(dst + x, rest, w, taps, n - x);                                                                      \
        }                                                                                                            \
    }
#define LOAD8_U8(p) _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p)))
#define LOAD8_U16(p) _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p)))
DOWN_VERT_AVX2(down_vert_avx2, uint8_t, LOAD8_U8, fsr_down_vert_c)
DOWN_VERT_AVX2(down_vert16_avx2, uint16_t, LOAD8_U16, fsr_down_vert16_c)
#undef LOAD8_U8
#undef LOAD8_U16

/* 8 outputs a step.  At scale 2 the taps' even columns come from two plain
 * loads and a deinterleave; at other scales from a gather. */
__attribute__((target("avx2,fma")))
static void down_horz_avx2(float *dst, const float *src, const float *w, int taps, int scale, int n)
{
    int i = 0;
    if (scale == 2) {
        /* a step's last load ends at src[2 i + taps + 14], one column past
         * what its outputs read: the last step stops one output short of
         * the end, so nothing beyond src[2 (n - 1) + taps - 1] is read */
        for (; i + 9 <= n; i += 8) {
            __m256 acc = _mm256_setzero_ps();
            for (int k = 0; k < taps; k++) {
                const __m256 a = _mm256_loadu_ps(src + 2 * i + k), b = _mm256_loadu_ps(src + 2 * i + k + 8);
                /* a0 a2 b0 b2 | a4 a6 b4 b6 -> a0 a2 a4 a6 b0 b2 b4 b6 */
                const __m256 even = _mm256_castpd_ps(_mm256_permute4x64_pd(
                    _mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))), _MM_SHUFFLE(3, 1, 2, 0)));
                acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_set1_ps(w[k]), even));
            }
            _mm256_storeu_ps(dst + i, acc);
        }
    } else {
        const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(scale));
        for (; i + 8 <= n; i += 8) {
            __m256 acc = _mm256_setzero_ps();
            for (int k = 0; k < taps; k++)
                acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_set1_ps(w[k]),
                                                       _mm256_i32gather_ps(src + i * scale + k, idx, 4)));
            _mm256_storeu_ps(dst + i, acc);
        }
    }
    if (i < n)
        fsr_down_horz_c(dst + i, src + i * scale, w, taps, scale, n - i);
}

/* fsr_lr_error_byte: v = 4 e + 128, 0 at or below 0, 255 at or above 255,
 * else truncated after adding a half; clipping v + 0.5 to [0, 255] before
 * the truncation gives the same in every case */
__attribute__((target("avx2,fma")))
static void lr_diff_avx2(float *diff, uint8_t *err, const float *down, const uint8_t *lr, int n)
{
    const __m256 sign = _mm256_set1_ps(-0.f), steps = _mm256_set1_ps((float)FSR_LR_ERROR_STEPS);
    const __m256 zero = _mm256_set1_ps((float)FSR_LR_ERROR_ZERO), half = _mm256_set1_ps(0.5f);
    const __m256 top = _mm256_set1_ps(255.f);
    int x = 0;
    for (; x + 8 <= n; x += 8) {
        const __m256 d = _mm256_loadu_ps(down + x);
        const __m256 lv = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(lr + x))));
        _mm256_storeu_ps(diff + x, _mm256_andnot_ps(sign, _mm256_sub_ps(d, lv)));
        if (err) {
            const __m256 v = _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(lv, d), steps), zero);
            const __m256 c = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(v, half), _mm256_setzero_ps()), top);
            const __m256i i32 = _mm256_cvttps_epi32(c);
            const __m128i i16 = _mm_packs_epi32(_mm256_castsi256_si128(i32), _mm256_extracti128_si256(i32, 1));
            _mm_storel_epi64((__m128i *)(err + x), _mm_packus_epi16(i16, i16));
        }
    }
    if (x < n)
        fsr_lr_diff_c(diff + x, err ? err + x : NULL, down + x, lr + x, n - x);
}

/* fsr_lr_error_q16: 4 e clamped to +-lim, floor(v + 0.5), saturated to
 * int16_t (the pack saturates as the C clamps) */
__attribute__((target("avx2,fma")))
static void lr_diff16_avx2(float *diff, int16_t *err, const float *down, const uint16_t *lr, int n, int depth)
{
    const __m256 sign = _mm256_set1_ps(-0.f), steps = _mm256_set1_ps((float)FSR_LR_ERROR_STEPS);
    const float l = (float)(FSR_LR_ERROR_STEPS * 32 << (depth - 8));
    const __m256 lim = _mm256_set1_ps(l), nlim = _mm256_set1_ps(-l), half = _mm256_set1_ps(0.5f);
    int x = 0;
    for (; x + 8 <= n; x += 8) {
        const __m256 d = _mm256_loadu_ps(down + x);
        const __m256 lv = _mm256_cvtepi32_ps(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(lr + x))));
        _mm256_storeu_ps(diff + x, _mm256_andnot_ps(sign, _mm256_sub_ps(d, lv)));
        if (err) {
            __m256 v = _mm256_mul_ps(_mm256_sub_ps(lv, d), steps);
            v = _mm256_max_ps(_mm256_min_ps(v, lim), nlim);
            v = _mm256_floor_ps(_mm256_add_ps(v, half));
            const __m256i i32 = _mm256_cvtps_epi32(v);
            _mm_storeu_si128((__m128i *)(err + x),
                             _mm_packs_epi32(_mm256_castsi256_si128(i32), _mm256_extracti128_si256(i32, 1)));
        }
    }
    if (x < n)
        fsr_lr_diff16_c(diff + x, err ? err + x : NULL, down + x, lr + x, n - x, depth);
}

/* (up + 2) >> 2 as ((up >> 1) + 1) >> 1 in bytes (pavgb with 0 after a
 * halving), then the signed correction t - 32 as two saturating steps,
 * one of them 0, so the sum clips at 0 and 255 as the C reference. */
__attribute__((target("avx2,fma")))
static void bp_add_avx2(uint8_t *hr, const uint8_t *up, int n)
{
    const __m256i zero = _mm256_setzero_si256(), k32 = _mm256_set1_epi8(32), k7f = _mm256_set1_epi8(0x7f);
    int x = 0;
    for (; x + 32 <= n; x += 32) {
        const __m256i u = _mm256_loadu_si256((const __m256i *)(up + x));
        const __m256i half = _mm256_and_si256(_mm256_srli_epi16(u, 1), k7f);
        const __m256i t = _mm256_avg_epu8(half, zero); /* (half + 1) >> 1 */
        const __m256i pos = _mm256_subs_epu8(t, k32), neg = _mm256_subs_epu8(k32, t);
        const __m256i h = _mm256_loadu_si256((const __m256i *)(hr + x));
        _mm256_storeu_si256((__m256i *)(hr + x), _mm256_subs_epu8(_mm256_adds_epu8(h, pos), neg));
    }
    if (x < n)
        fsr_bp_add_c(hr + x, up + x, n - x);
}

/* In 32 bits: (up - 32768 + 2) >> 2 (arithmetic), added and clipped. */
__attribute__((target("avx2,fma")))
static void bp_add16_avx2(uint16_t *hr, const uint16_t *up, int n, int max)
{
    const __m256i bias = _mm256_set1_epi32(32768 - 2), vmax = _mm256_set1_epi32(max), zero = _mm256_setzero_si256();
    int x = 0;
    for (; x + 16 <= n; x += 16) {
        const __m256i u = _mm256_loadu_si256((const __m256i *)(up + x));
        const __m256i h = _mm256_loadu_si256((const __m256i *)(hr + x));
        __m256i r[2];
        for (int k = 0; k < 2; k++) {
            const __m128i uk = k ? _mm256_extracti128_si256(u, 1) : _mm256_castsi256_si128(u);
            const __m128i hk = k ? _mm256_extracti128_si256(h, 1) : _mm256_castsi256_si128(h);
            const __m256i q = _mm256_srai_epi32(_mm256_sub_epi32(_mm256_cvtepu16_epi32(uk), bias), 2);
            const __m256i v = _mm256_add_epi32(_mm256_cvtepu16_epi32(hk), q);
            r[k] = _mm256_min_epi32(_mm256_max_epi32(v, zero), vmax);
        }
        /* packus works per 128-bit lane: put the halves back in order */
        const __m256i p = _mm256_permute4x64_epi64(_mm256_packus_epi32(r[0], r[1]), 0xd8);
        _mm256_storeu_si256((__m256i *)(hr + x), p);
    }
    if (x < n)
        fsr_bp_add16_c(hr + x, up + x, n - x, max);
}

void fsr_bicubic_dsp_init_avx2(FsrBicubicDSP *dsp)
{
    dsp->vert_row = vert_row_avx2;
    dsp->horz_row = horz_row_avx2;
    dsp->block_s16 = block_s16_avx2;
    dsp->vert_row16 = vert_row16_avx2;
    dsp->horz_row16 = horz_row16_avx2;
    dsp->down_vert = down_vert_avx2;
    dsp->down_vert16 = down_vert16_avx2;
    dsp->down_horz = down_horz_avx2;
    dsp->lr_diff = lr_diff_avx2;
    dsp->lr_diff16 = lr_diff16_avx2;
    dsp->bp_add = bp_add_avx2;
    dsp->bp_add16 = bp_add16_avx2;
}
#endif
