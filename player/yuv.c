/* YUV 4:2:0 -> XRGB8888: a plain C reference and an AVX2 twin computing
 * the same integers (32-bit lanes, so no intermediate can overflow and both
 * round identically; tests/test_player_yuv.c compares them). */
#include "yuv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/common.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

void yuv_coeffs_init(YuvCoeffs *c, int matrix, int full_range)
{
    const double kr = matrix == YUV_BT709 ? 0.2126 : 0.299, kb = matrix == YUV_BT709 ? 0.0722 : 0.114;
    const double kg = 1 - kr - kb;
    /* limited range: luma 16..235, chroma 16..240 */
    const double sy = full_range ? 1.0 : 255.0 / 219.0, sc = full_range ? 1.0 : 255.0 / 224.0;
    const double one = 65536.0;
    c->y_off = full_range ? 0 : 16;
    c->cy = (int32_t)lround(sy * one);
    c->rv = (int32_t)lround(2 * (1 - kr) * sc * one);
    c->gu = (int32_t)lround(2 * (1 - kb) * kb / kg * sc * one);
    c->gv = (int32_t)lround(2 * (1 - kr) * kr / kg * sc * one);
    c->bu = (int32_t)lround(2 * (1 - kb) * sc * one);
}

/* One channel: the fixed-point sum to 0..255.  (Largest magnitude: 255 *
 * 1.17 + 127 * 2.12 in 16.16, far inside int32.) */
static inline uint32_t chan(int32_t s)
{
    s >>= 16; /* arithmetic, as _mm256_srai_epi32 */
    return s < 0 ? 0 : s > 255 ? 255 : (uint32_t)s;
}

/* n pixels of one row from column x. */
static void row_c(uint32_t *d, const uint8_t *y, const uint8_t *u, const uint8_t *v, int x, int n, const YuvCoeffs *c)
{
    for (int i = 0; i < n; i++) {
        const int cx = (x + i) >> 1;
        const int32_t cu = u[cx] - 128, cv = v[cx] - 128;
        const int32_t yy = (y[x + i] - c->y_off) * c->cy + (1 << 15);
        d[x + i] = 0xff000000u | chan(yy + c->rv * cv) << 16 | chan(yy - c->gu * cu - c->gv * cv) << 8 |
                   chan(yy + c->bu * cu);
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static inline __m256i chan_avx2(__m256i s)
{
    s = _mm256_srai_epi32(s, 16);
    return _mm256_min_epi32(_mm256_max_epi32(s, _mm256_setzero_si256()), _mm256_set1_epi32(255));
}

/* 8 pixels: luma in 32-bit lanes, their chroma (already doubled) likewise. */
__attribute__((target("avx2"))) static inline __m256i pixels8_avx2(__m256i yl, __m256i ul, __m256i vl,
                                                                   const YuvCoeffs *c)
{
    const __m256i k128 = _mm256_set1_epi32(128);
    ul = _mm256_sub_epi32(ul, k128);
    vl = _mm256_sub_epi32(vl, k128);
    const __m256i yy = _mm256_add_epi32(_mm256_mullo_epi32(_mm256_sub_epi32(yl, _mm256_set1_epi32(c->y_off)),
                                                           _mm256_set1_epi32(c->cy)),
                                        _mm256_set1_epi32(1 << 15));
    const __m256i r = chan_avx2(_mm256_add_epi32(yy, _mm256_mullo_epi32(vl, _mm256_set1_epi32(c->rv))));
    const __m256i g = chan_avx2(_mm256_sub_epi32(_mm256_sub_epi32(yy, _mm256_mullo_epi32(ul, _mm256_set1_epi32(c->gu))),
                                                 _mm256_mullo_epi32(vl, _mm256_set1_epi32(c->gv))));
    const __m256i b = chan_avx2(_mm256_add_epi32(yy, _mm256_mullo_epi32(ul, _mm256_set1_epi32(c->bu))));
    return _mm256_or_si256(_mm256_or_si256(_mm256_set1_epi32((int)0xff000000u), _mm256_slli_epi32(r, 16)),
                           _mm256_or_si256(_mm256_slli_epi32(g, 8), b));
}

/* AVX2 as the library allows it (FASTSR_CPU caps both). */
static int have_avx2(void) { return !!(fsr_cpu_flags() & FSR_CPU_AVX2_FMA); }

__attribute__((target("avx2"))) static void row_avx2(uint32_t *d, const uint8_t *y, const uint8_t *u,
                                                     const uint8_t *v, int x, int n, const YuvCoeffs *c)
{
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        const int cx = (x + i) >> 1;
        /* 16 luma bytes; 8 chroma bytes each doubled to 16 (u0 u0 u1 u1 ...) */
        const __m128i y16 = _mm_loadu_si128((const __m128i *)(y + x + i));
        const __m128i u8 = _mm_loadl_epi64((const __m128i *)(u + cx)), v8 = _mm_loadl_epi64((const __m128i *)(v + cx));
        const __m128i u16 = _mm_unpacklo_epi8(u8, u8), v16 = _mm_unpacklo_epi8(v8, v8);
        const __m256i lo = pixels8_avx2(_mm256_cvtepu8_epi32(y16), _mm256_cvtepu8_epi32(u16),
                                        _mm256_cvtepu8_epi32(v16), c);
        const __m256i hi = pixels8_avx2(_mm256_cvtepu8_epi32(_mm_srli_si128(y16, 8)),
                                        _mm256_cvtepu8_epi32(_mm_srli_si128(u16, 8)),
                                        _mm256_cvtepu8_epi32(_mm_srli_si128(v16, 8)), c);
        _mm256_storeu_si256((__m256i *)(d + x + i), lo);
        _mm256_storeu_si256((__m256i *)(d + x + i + 8), hi);
    }
    row_c(d, y, u, v, x + i, n - i, c);
}
#endif

void yuv420_to_xrgb(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *y, ptrdiff_t y_stride, const uint8_t *u,
                    ptrdiff_t u_stride, const uint8_t *v, ptrdiff_t v_stride, int x0, int x1, int h,
                    const YuvCoeffs *c, unsigned flags)
{
    void (*row)(uint32_t *, const uint8_t *, const uint8_t *, const uint8_t *, int, int, const YuvCoeffs *) = row_c;
#if defined(__x86_64__)
    if ((flags & YUV_SIMD) && have_avx2())
        row = row_avx2;
#else
    (void)flags;
#endif
    if (x1 <= x0)
        return;
    /* an odd first column shares its chroma with the column before: done
     * alone, so the SIMD kernel starts on a chroma pair */
    const int odd = x0 & 1;
    for (int j = 0; j < h; j++) {
        uint32_t *d = (uint32_t *)(void *)(dst + j * dst_stride);
        const uint8_t *yr = y + j * y_stride, *ur = u + (j >> 1) * u_stride, *vr = v + (j >> 1) * v_stride;
        if (odd)
            row_c(d, yr, ur, vr, x0, 1, c);
        row(d, yr, ur, vr, x0 + odd, x1 - x0 - odd, c);
    }
}
