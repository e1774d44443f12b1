#include "hrmc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "bicubic.h"
#include "cpu.h"

static double keys(double x, double a)
{
    x = fabs(x);
    if (x <= 1.0)
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
    if (x < 2.0)
        return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
    return 0.0;
}

/* Rounds real weights (summing to one) to integers summing to 256, putting
 * the rounding remainder on the largest tap. */
static void quantise(int16_t *c, const double *w)
{
    int sum = 0, big = 0;
    for (int k = 0; k < FSR_HRMC_TAPS; k++) {
        c[k] = (int16_t)lrint(w[k] * 256.0);
        sum += c[k];
        if (fabs(w[k]) > fabs(w[big]))
            big = k;
    }
    c[big] += (int16_t)(256 - sum);
}

void fsr_hr_filter_init(FsrHrFilter *f, int kind, double a)
{
    memset(f, 0, sizeof(*f));
    f->kind = kind;
    f->a = a;
    for (int q = 0; q < 4; q++) {
        const double t = q / 4.0; /* position between taps 0 and 1 (indices 2, 3) */
        double w[FSR_HRMC_TAPS] = { 0 };
        switch (kind) {
        case FSR_HRFILTER_BILINEAR:
            w[2] = 1.0 - t;
            w[3] = t;
            break;
        case FSR_HRFILTER_CUBIC:
            for (int k = 1; k <= 4; k++)
                w[k] = keys(t - (k - 2), a);
            break;
        default: { /* H.264: half = (1,-5,20,20,-5,1)/32, quarters average with the nearer integer */
            static const double half[6] = { 1 / 32.0, -5 / 32.0, 20 / 32.0, 20 / 32.0, -5 / 32.0, 1 / 32.0 };
            if (q == 0) {
                w[2] = 1.0;
            } else {
                for (int k = 0; k < 6; k++)
                    w[k] = q == 2 ? half[k] : half[k] / 2.0;
                w[q == 1 ? 2 : 3] += 0.5;
            }
        }
        }
        quantise(f->coef[q], w);
    }
}

int fsr_hr_filter_parse(FsrHrFilter *f, const char *name)
{
    if (!strcmp(name, "bilinear"))
        fsr_hr_filter_init(f, FSR_HRFILTER_BILINEAR, 0);
    else if (!strcmp(name, "bicubic"))
        fsr_hr_filter_init(f, FSR_HRFILTER_CUBIC, -0.5);
    else if (!strcmp(name, "h264"))
        fsr_hr_filter_init(f, FSR_HRFILTER_H264, 0);
    else if (!strncmp(name, "cubic:", 6)) {
        char *end;
        const double a = strtod(name + 6, &end);
        if (end == name + 6 || *end || !(a >= -1.0 && a <= 0.0))
            return -1;
        fsr_hr_filter_init(f, FSR_HRFILTER_CUBIC, a);
    } else
        return -1;
    return 0;
}

const char *fsr_hr_filter_name(const FsrHrFilter *f, char *buf, int size)
{
    if (f->kind == FSR_HRFILTER_BILINEAR)
        snprintf(buf, size, "bilinear");
    else if (f->kind == FSR_HRFILTER_H264)
        snprintf(buf, size, "h264");
    else if (f->a == -0.5)
        snprintf(buf, size, "bicubic");
    else
        snprintf(buf, size, "cubic:%g", f->a);
    return buf;
}

static inline uint8_t clip8(int v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }
static inline int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Floor division of a quarter-pel displacement into integer + phase. */
static inline void split4(int d4, int *i, int *q)
{
    *i = d4 >> 2; /* arithmetic shift floors */
    *q = d4 & 3;
}

void fsr_hrmc_block_ref(uint8_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int bw, int bh,
                        int dx4, int dy4, const FsrHrFilter *f)
{
    int ix, iy, qx, qy;
    split4(dx4, &ix, &qx);
    split4(dy4, &iy, &qy);
    const int16_t *cx = f->coef[qx], *cy = f->coef[qy];
    for (int j = 0; j < bh; j++)
        for (int i = 0; i < bw; i++) {
            int32_t acc = 128;
            for (int ky = 0; ky < FSR_HRMC_TAPS; ky++) {
                const int sy = clampi(y + j + iy + ky - 2, 0, ref->h - 1);
                int32_t row = 128;
                for (int kx = 0; kx < FSR_HRMC_TAPS; kx++) {
                    const int sx = clampi(x + i + ix + kx - 2, 0, ref->w - 1);
                    row += cx[kx] * ref->data[sy * ref->stride + sx];
                }
                acc += cy[ky] * (row >> 8); /* 8-bit scale in between, as a 16-bit datapath keeps it */
            }
            dst[j * dst_stride + i] = clip8(acc >> 8);
        }
}

/* ---- optimised: a clamped source window, then the two passes ---- */

#define WIN_MAX (256 + FSR_HRMC_TAPS)

/* Points *src at a (bh + 5) x (bw + 5) window starting at (x0, y0), copying
 * into buf with clamped coordinates only when the window leaves the plane. */
static const uint8_t *window(const FsrPlaneRef *ref, int x0, int y0, int ww, int wh, uint8_t *buf,
                             ptrdiff_t *stride)
{
    if (x0 >= 0 && y0 >= 0 && x0 + ww <= ref->w && y0 + wh <= ref->h) {
        *stride = ref->stride;
        return ref->data + y0 * ref->stride + x0;
    }
    /* columns [i0, i1) of the window lie inside the plane: copied whole */
    const int i0 = clampi(-x0, 0, ww), i1 = clampi(ref->w - x0, i0, ww);
    for (int j = 0; j < wh; j++) {
        const uint8_t *row = ref->data + clampi(y0 + j, 0, ref->h - 1) * ref->stride;
        uint8_t *d = buf + j * WIN_MAX;
        for (int i = 0; i < i0; i++)
            d[i] = row[0];
        if (i1 > i0)
            memcpy(d + i0, row + x0 + i0, i1 - i0);
        for (int i = i1; i < ww; i++)
            d[i] = row[ref->w - 1];
    }
    *stride = WIN_MAX;
    return buf;
}

static void hrmc_block_c(uint8_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int bw, int bh,
                         int dx4, int dy4, const FsrHrFilter *f)
{
    int ix, iy, qx, qy;
    split4(dx4, &ix, &qx);
    split4(dy4, &iy, &qy);
    static _Thread_local uint8_t buf[WIN_MAX * WIN_MAX];
    static _Thread_local int16_t tmp[WIN_MAX * 256];
    ptrdiff_t ss;
    const uint8_t *src = window(ref, x + ix - 2, y + iy - 2, bw + FSR_HRMC_TAPS - 1, bh + FSR_HRMC_TAPS - 1, buf, &ss);
    const int16_t *cx = f->coef[qx], *cy = f->coef[qy];
    const int rows = bh + FSR_HRMC_TAPS - 1;
    for (int j = 0; j < rows; j++)
        for (int i = 0; i < bw; i++) {
            int32_t acc = 128;
            for (int k = 0; k < FSR_HRMC_TAPS; k++)
                acc += cx[k] * src[j * ss + i + k];
            tmp[j * bw + i] = (int16_t)(acc >> 8);
        }
    for (int j = 0; j < bh; j++)
        for (int i = 0; i < bw; i++) {
            int32_t acc = 128;
            for (int k = 0; k < FSR_HRMC_TAPS; k++)
                acc += cy[k] * tmp[(j + k) * bw + i];
            dst[j * dst_stride + i] = clip8(acc >> 8);
        }
}

#if defined(__x86_64__)
/* Taps k with a non-zero coefficient form [*k0, *k1). */
static void tap_range(const int16_t *c, int *k0, int *k1)
{
    *k0 = 0;
    *k1 = FSR_HRMC_TAPS;
    while (*k0 < *k1 - 1 && !c[*k0])
        (*k0)++;
    while (*k1 > *k0 + 1 && !c[*k1 - 1])
        (*k1)--;
}

__attribute__((target("avx2,fma")))
static inline void store8(uint8_t *d, __m256i acc, int shift)
{
    acc = _mm256_srai_epi32(acc, shift);
    const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    _mm_storel_epi64((__m128i *)d, _mm_packus_epi16(w16, w16));
}

/* 32-bit lanes throughout: |row| < 2^17 and |coef| < 2^9 keep every sum
 * below 2^31.  A direction whose phase is 0 is the identity (coefficient
 * 256 on the centre tap), so it is skipped: (256 * v + 2^15) >> 16 and
 * (v + 2^7) >> 8 round the same way. */
__attribute__((target("avx2,fma")))
static void hrmc_block_avx2(uint8_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int bw,
                            int bh, int dx4, int dy4, const FsrHrFilter *f)
{
    int ix, iy, qx, qy;
    split4(dx4, &ix, &qx);
    split4(dy4, &iy, &qy);
    if (bw & 7) {
        hrmc_block_c(dst, dst_stride, ref, x, y, bw, bh, dx4, dy4, f);
        return;
    }
    static _Thread_local uint8_t buf[WIN_MAX * WIN_MAX + 32];
    static _Thread_local int16_t tmp16[(WIN_MAX + 2) * (256 + 16)];
    ptrdiff_t ss;
    const uint8_t *src = window(ref, x + ix - 2, y + iy - 2, bw + FSR_HRMC_TAPS - 1, bh + FSR_HRMC_TAPS - 1, buf, &ss);
    const int16_t *cx = f->coef[qx], *cy = f->coef[qy];
    if (!qx && !qy) {
        for (int j = 0; j < bh; j++)
            memcpy(dst + j * dst_stride, src + (j + 2) * ss + 2, bw);
        return;
    }
    int kx0, kx1, ky0, ky1;
    tap_range(cx, &kx0, &kx1);
    tap_range(cy, &ky0, &ky1);
    __m256i c[FSR_HRMC_TAPS];
    if (!qy) { /* horizontal only */
        for (int k = kx0; k < kx1; k++)
            c[k] = _mm256_set1_epi32(cx[k]);
        const __m256i rnd = _mm256_set1_epi32(128);
        for (int j = 0; j < bh; j++)
            for (int i = 0; i < bw; i += 8) {
                __m256i acc = rnd;
                for (int k = kx0; k < kx1; k++) {
                    const __m256i p =
                        _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(src + (j + 2) * ss + i + k)));
                    acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(p, c[k]));
                }
                store8(dst + j * dst_stride + i, acc, 8);
            }
        return;
    }
    if (!qx) { /* vertical only */
        for (int k = ky0; k < ky1; k++)
            c[k] = _mm256_set1_epi32(cy[k]);
        const __m256i rnd = _mm256_set1_epi32(128);
        for (int j = 0; j < bh; j++)
            for (int i = 0; i < bw; i += 8) {
                __m256i acc = rnd;
                for (int k = ky0; k < ky1; k++) {
                    const __m256i p =
                        _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(src + (j + k) * ss + i + 2)));
                    acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(p, c[k]));
                }
                store8(dst + j * dst_stride + i, acc, 8);
            }
        return;
    }
    /* Both directions: 16 outputs at a time, taps in pairs through
     * vpmaddwd (16-bit samples, 32-bit sums); the horizontal result is
     * rounded to the 8-bit scale in between, exactly like the C kernels.
     * A width that is not a multiple of 16 computes the last 16 anyway
     * (the window rows have room) and stores only its first 8. */
    const int kp0 = kx0 & ~1, qp0 = ky0 & ~1;
    __m256i cp[3];
    for (int k = kp0; k < kx1; k += 2)
        cp[k / 2] = _mm256_set1_epi32((int)((uint32_t)(uint16_t)cx[k] | ((uint32_t)(uint16_t)cx[k + 1] << 16)));
    const __m256i r128 = _mm256_set1_epi32(128);
    const int tw = (bw + 15) & ~15; /* tmp row stride */
    for (int j = qp0; j < bh + ky1 - 1; j++)
        for (int i = 0; i < bw; i += 16) {
            __m256i lo = r128, hi = r128;
            for (int k = kp0; k < kx1; k += 2) {
                const __m256i P = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(src + j * ss + i + k)));
                const __m256i Q = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(src + j * ss + i + k + 1)));
                lo = _mm256_add_epi32(lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(P, Q), cp[k / 2]));
                hi = _mm256_add_epi32(hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(P, Q), cp[k / 2]));
            }
            /* lane order: packs puts back i+0..7 | i+8..15 */
            const __m256i h = _mm256_packs_epi32(_mm256_srai_epi32(lo, 8), _mm256_srai_epi32(hi, 8));
            _mm256_storeu_si256((__m256i *)(tmp16 + j * tw + i), h);
        }
    for (int k = qp0; k < ky1; k += 2)
        cp[k / 2] = _mm256_set1_epi32((int)((uint32_t)(uint16_t)cy[k] | ((uint32_t)(uint16_t)cy[k + 1] << 16)));
    for (int j = 0; j < bh; j++)
        for (int i = 0; i < bw; i += 16) {
            __m256i lo = r128, hi = r128;
            for (int k = qp0; k < ky1; k += 2) {
                const __m256i A = _mm256_loadu_si256((const __m256i *)(tmp16 + (j + k) * tw + i));
                const __m256i B = _mm256_loadu_si256((const __m256i *)(tmp16 + (j + k + 1) * tw + i));
                lo = _mm256_add_epi32(lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(A, B), cp[k / 2]));
                hi = _mm256_add_epi32(hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(A, B), cp[k / 2]));
            }
            const __m256i v = _mm256_packs_epi32(_mm256_srai_epi32(lo, 8), _mm256_srai_epi32(hi, 8));
            const __m128i b = _mm_packus_epi16(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
            if (i + 16 <= bw)
                _mm_storeu_si128((__m128i *)(dst + j * dst_stride + i), b);
            else
                _mm_storel_epi64((__m128i *)(dst + j * dst_stride + i), b);
        }
}
#endif

FsrHrMcFn fsr_hrmc_get(void)
{
#if defined(__x86_64__)
    if (fsr_cpu_flags() & FSR_CPU_AVX2_FMA)
        return hrmc_block_avx2;
#endif
    return hrmc_block_c;
}

void fsr_add_residual_ref(uint8_t *dst, ptrdiff_t dst_stride, const int16_t *res, ptrdiff_t res_stride, int w,
                          int h)
{
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            dst[j * dst_stride + i] = clip8(dst[j * dst_stride + i] + res[j * res_stride + i]);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void add_residual_avx2(uint8_t *dst, ptrdiff_t dst_stride, const int16_t *res, ptrdiff_t res_stride, int w,
                              int h)
{
    for (int j = 0; j < h; j++) {
        uint8_t *d = dst + j * dst_stride;
        const int16_t *r = res + j * res_stride;
        int i = 0;
        for (; i + 16 <= w; i += 16) {
            const __m256i p = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(d + i)));
            const __m256i s = _mm256_adds_epi16(p, _mm256_loadu_si256((const __m256i *)(r + i)));
            const __m128i lo = _mm256_castsi256_si128(s), hi = _mm256_extracti128_si256(s, 1);
            _mm_storeu_si128((__m128i *)(d + i), _mm_packus_epi16(lo, hi));
        }
        for (; i < w; i++)
            d[i] = clip8(d[i] + r[i]);
    }
}
#endif

FsrAddResidualFn fsr_add_residual_get(void)
{
#if defined(__x86_64__)
    if (fsr_cpu_flags() & FSR_CPU_AVX2_FMA)
        return add_residual_avx2;
#endif
    return fsr_add_residual_ref;
}
