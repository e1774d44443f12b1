/* HR motion compensation for the transfer stage: a block of the HR
 * reference picture sampled at a quarter-pel HR position with a separable
 * interpolation filter (integer coefficients in 1/64), edges clamped at the
 * picture border.  The LR quarter-pel vector v becomes v * scale quarter-pel
 * HR units: half-pel phases at x2, quarter-pel at x3, integer at x4. */
#ifndef FASTSR_SRC_HRMC_H
#define FASTSR_SRC_HRMC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "intops.h"
#include "plane.h"

#define FSR_HRMC_TAPS 6 /* taps at -2..3 around the integer position */

typedef enum FsrHrFilterKind {
    FSR_HRFILTER_BILINEAR = 0,
    FSR_HRFILTER_CUBIC = 1,   /* Keys cubic with parameter a (bicubic: -0.5) */
    FSR_HRFILTER_H264 = 2,    /* H.264's 6-tap half-pel filter, quarters by averaging */
} FsrHrFilterKind;

typedef struct FsrHrFilter {
    int kind;
    double a;                          /* FSR_HRFILTER_CUBIC only */
    int16_t coef[4][FSR_HRMC_TAPS];    /* per quarter phase, sum 64 */
    /* derived from coef by fsr_hr_filter_init, per phase, for the SIMD
     * kernel: the non-zero taps [tap0, tap1); the taps [pair_k0, pair_k0 +
     * 2 * pairs) covering them in byte pairs (an odd count takes a zero tap
     * inside the 6 slots), pair k packed as (low byte tap 2k, high byte tap
     * 2k + 1) for vpmaddubsw */
    int8_t tap0[4], tap1[4];
    int8_t pair_k0[4], pairs[4];
    int16_t pair_bytes[4][(FSR_HRMC_TAPS + 1) / 2];
} FsrHrFilter;

/* Fills the coefficient table; a is Keys' parameter for the cubic kind. */
void fsr_hr_filter_init(FsrHrFilter *f, int kind, double a);
/* Parses "bilinear", "bicubic", "h264" or "cubic:A" (A in [-1, 0]); 0 or -1. */
int fsr_hr_filter_parse(FsrHrFilter *f, const char *name);
const char *fsr_hr_filter_name(const FsrHrFilter *f, char *buf, int size);


typedef void (*FsrHrMcFn)(uint8_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int bw,
                          int bh, int dx4, int dy4, const FsrHrFilter *f);

/* Block bw x bh (each <= 256) whose top-left HR pixel is (x, y), displaced by
 * (dx4, dy4) HR quarter pels. */
void fsr_hrmc_block_ref(uint8_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int bw, int bh,
                        int dx4, int dy4, const FsrHrFilter *f);
/* The table's C entry (its own windowed code, the same values); the AVX2
 * entry falls back to it for widths that are not a multiple of 8. */
void fsr_hrmc_block_c(uint8_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int bw, int bh,
                      int dx4, int dy4, const FsrHrFilter *f);

/* dst = (dst + src + 1) >> 1: H.264's default bi-prediction of two HR
 * predictions. */
typedef void (*FsrAvgFn)(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride, int w, int h);
void fsr_avg_block_ref(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride, int w, int h);

/* dst = clip(((dst * w0 + src * w1 + 2^d) >> (d + 1)) + o): H.264's
 * weighted bi-prediction (8.4.2.3) of two HR predictions, o the rounded
 * mean of the two offsets; 0 <= d <= 7, weights within [-128, 128]. */
typedef void (*FsrBiWeightFn)(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride, int w,
                              int h, int d, int w0, int w1, int o);
void fsr_biweight_block_ref(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride, int w,
                            int h, int d, int w0, int w1, int o);

/* The residual path: an LR residual block (w, h <= 16) upsampled by the
 * project's bicubic (fsr_bicubic_phases: same phases and weights, mirrored
 * at the block's edges like fsr_bicubic_plane_s16) and added to the HR
 * prediction, in 16-bit fixed point: the residual clamped to +-1024 (8-bit
 * video's stays within +-255) with 4 fraction bits, each tap a product
 * rounded like vpmulhrsw (weights in 1/32768), horizontal pass then
 * vertical, then dst = clip(dst + round(up)).  Within 1 of the float path;
 * integer so that the SIMD version is exact to the reference. */
#define FSR_UPRES_MAX 16

typedef struct FsrUpResPhases {
    int scale;
    int offset[4];        /* first tap of phase p, relative to the LR pixel */
    int16_t w[4][4];      /* per phase, in 1/32768 */
} FsrUpResPhases;

void fsr_upres_phases(FsrUpResPhases *ph, int scale);

typedef void (*FsrAddUpResidualFn)(uint8_t *dst, ptrdiff_t dst_stride, const int16_t *res, ptrdiff_t res_stride,
                                   int w, int h, const FsrUpResPhases *ph);
void fsr_add_up_residual_ref(uint8_t *dst, ptrdiff_t dst_stride, const int16_t *res, ptrdiff_t res_stride, int w,
                             int h, const FsrUpResPhases *ph);

/* ---- high bit depth (9..16 bits, uint16_t samples) ----
 * The same operations on uint16_t samples, clipped to [0, bitdepth_max]
 * (1023 at 10 bits) instead of 255.  Strides are in bytes, as FsrPicture's;
 * a 16-bit FsrPlaneRef's data points at the uint16_t plane (cast), its w
 * and h in samples, its stride in bytes. */

/* The motion compensation with the rounding of fsr_hrmc_block_ref (each
 * row rounded back to the sample scale, >> 6, between the passes) in int32:
 * a 10-bit sample times 64 times the taps leaves int16. */
typedef void (*FsrHrMc16Fn)(uint16_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int bw,
                            int bh, int dx4, int dy4, const FsrHrFilter *f, int bitdepth_max);
void fsr_hrmc_block16_ref(uint16_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int bw, int bh,
                          int dx4, int dy4, const FsrHrFilter *f, int bitdepth_max);
/* The table's C entry (windowed, the same values); the AVX2 entry falls
 * back to it for widths that are not a multiple of 8 and for depths above
 * 14 bits (its rows between the passes are int16). */
void fsr_hrmc_block16_c(uint16_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int bw, int bh,
                        int dx4, int dy4, const FsrHrFilter *f, int bitdepth_max);

/* dst = (dst + src + 1) >> 1 */
typedef void (*FsrAvg16Fn)(uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src, ptrdiff_t src_stride, int w,
                           int h);
void fsr_avg_block16_ref(uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src, ptrdiff_t src_stride, int w,
                         int h);

/* fsr_biweight_block_ref's formula clipped to [0, bitdepth_max]; o is
 * already in units of the depth (H.264 scales the offsets by
 * 1 << (depth - 8)). */
typedef void (*FsrBiWeight16Fn)(uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src, ptrdiff_t src_stride,
                                int w, int h, int d, int w0, int w1, int o, int bitdepth_max);
void fsr_biweight_block16_ref(uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src, ptrdiff_t src_stride, int w,
                              int h, int d, int w0, int w1, int o, int bitdepth_max);

/* fsr_add_up_residual_ref's fixed point unchanged (the clamp at +-1024
 * holds a 10-bit residual, within +-1023), then dst = clip(dst + round(up),
 * 0, bitdepth_max). */
typedef void (*FsrAddUpResidual16Fn)(uint16_t *dst, ptrdiff_t dst_stride, const int16_t *res, ptrdiff_t res_stride,
                                     int w, int h, const FsrUpResPhases *ph, int bitdepth_max);
void fsr_add_up_residual16_ref(uint16_t *dst, ptrdiff_t dst_stride, const int16_t *res, ptrdiff_t res_stride, int w,
                               int h, const FsrUpResPhases *ph, int bitdepth_max);

/* H.264's explicit weighted prediction (8.4.2.3.2, fsr_h264_weight) of a
 * 16-bit block in place: clip(((p * weight + 2^(log2_denom - 1)) >>
 * log2_denom) + offset) (no rounding term when log2_denom is 0), offset
 * already scaled to the depth; stride in bytes.  C only: the transfer
 * calls it once per weighted prediction. */
void fsr_h264_weight16(uint16_t *p, ptrdiff_t stride, int w, int h, int log2_denom, int weight, int offset,
                       int bitdepth_max);

/* The transfer's kernels; every version is bit-identical to the reference
 * of its entry.  The C motion compensation is its own windowed code, not
 * fsr_hrmc_block_ref; the other C entries are the references. */
typedef struct FsrHrMcDSP {
    FsrHrMcFn mc;
    FsrAvgFn avg;
    FsrBiWeightFn biweight;
    FsrAddUpResidualFn add_up_residual;
    /* 16-bit samples; strides in bytes */
    FsrHrMc16Fn mc16;
    FsrAvg16Fn avg16;
    FsrBiWeight16Fn biweight16;
    FsrAddUpResidual16Fn add_up_residual16;
} FsrHrMcDSP;

void fsr_hrmc_dsp_init(FsrHrMcDSP *dsp, unsigned cpu_flags);
/* The AVX2 entries (x86/hrmc_avx2.c), for fsr_hrmc_dsp_init. */
void fsr_hrmc_dsp_init_avx2(FsrHrMcDSP *dsp);

/* ---- helpers of the C and AVX2 motion compensation ---- */

/* Floor division of a quarter-pel displacement into integer + phase. */
static inline void fsr_hrmc_split4(int d4, int *i, int *q)
{
    *i = d4 >> 2; /* arithmetic shift floors */
    *q = d4 & 3;
}

#define FSR_HRMC_WIN_MAX (256 + FSR_HRMC_TAPS)

/* Points at a ww x wh window of ref starting at (x0, y0) (*stride set),
 * copying into buf (FSR_HRMC_WIN_MAX wide) with clamped coordinates only
 * when the window leaves the plane. */
static inline const uint8_t *fsr_hrmc_window(const FsrPlaneRef *ref, int x0, int y0, int ww, int wh, uint8_t *buf,
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
        uint8_t *d = buf + j * FSR_HRMC_WIN_MAX;
        for (int i = 0; i < i0; i++)
            d[i] = row[0];
        if (i1 > i0)
            memcpy(d + i0, row + x0 + i0, i1 - i0);
        for (int i = i1; i < ww; i++)
            d[i] = row[ref->w - 1];
    }
    *stride = FSR_HRMC_WIN_MAX;
    return buf;
}

/* fsr_hrmc_window for 16-bit samples: ref->stride in bytes, *stride set in
 * samples (the kernels index uint16_t rows); buf FSR_HRMC_WIN_MAX samples
 * wide. */
static inline const uint16_t *fsr_hrmc_window16(const FsrPlaneRef *ref, int x0, int y0, int ww, int wh,
                                                uint16_t *buf, ptrdiff_t *stride)
{
    const uint16_t *data = (const uint16_t *)(const void *)ref->data;
    const ptrdiff_t rs = ref->stride / 2;
    if (x0 >= 0 && y0 >= 0 && x0 + ww <= ref->w && y0 + wh <= ref->h) {
        *stride = rs;
        return data + y0 * rs + x0;
    }
    const int i0 = clampi(-x0, 0, ww), i1 = clampi(ref->w - x0, i0, ww);
    for (int j = 0; j < wh; j++) {
        const uint16_t *row = data + clampi(y0 + j, 0, ref->h - 1) * rs;
        uint16_t *d = buf + j * FSR_HRMC_WIN_MAX;
        for (int i = 0; i < i0; i++)
            d[i] = row[0];
        if (i1 > i0)
            memcpy(d + i0, row + x0 + i0, sizeof(uint16_t) * (size_t)(i1 - i0));
        for (int i = i1; i < ww; i++)
            d[i] = row[ref->w - 1];
    }
    *stride = FSR_HRMC_WIN_MAX;
    return buf;
}

#endif
