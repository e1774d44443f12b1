/* H.264 motion compensation at LR (8.4.2.2): 6-tap quarter-pel luma,
 * eighth-pel bilinear chroma, edge clamping at the coded picture size,
 * weighted sample prediction (8.4.2.3).  Bit-exact with the standard. */
#ifndef FASTSR_SRC_H264_MC_H
#define FASTSR_SRC_H264_MC_H

#include <stddef.h>
#include <stdint.h>

#include "plane.h"

/* References are planes of the coded size (FsrPlaneRef). */

typedef void (*FsrH264McFn)(uint8_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int mvx,
                            int mvy, int w, int h);

/* The high-bit-depth form: dst and ref's plane hold uint16_t samples,
 * dst_stride and ref->stride in bytes; Clip1 to [0, bitdepth_max]. */
typedef void (*FsrH264Mc16Fn)(uint16_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int mvx,
                              int mvy, int w, int h, int bitdepth_max);

/* The kernels (SSE2 rows and AVX2 6-tap filters where the CPU has them),
 * every version exact to the C one and the C one to the standard. */
typedef struct FsrH264McDSP {
    /* Luma block w x h (w, h <= 16) at (x, y) displaced by the quarter-pel
     * vector (mvx, mvy). */
    FsrH264McFn luma;
    /* Chroma block (w, h <= 8) at chroma position (x, y); (mvx, mvy) is the
     * luma quarter-pel vector, i.e. eighth-pel in 4:2:0 chroma. */
    FsrH264McFn chroma;
    /* Bi-prediction into dst (which may be p0): weighted (8-301) or, with
     * log2_denom < 0, the default average (p0 + p1 + 1) >> 1. */
    void (*biweight)(uint8_t *dst, const uint8_t *p0, const uint8_t *p1, ptrdiff_t stride, int w, int h,
                     int log2_denom, int w0, int w1, int o0, int o1);
    /* o = d - p over a block; returns the SAD (0: the block is exact). */
    unsigned (*residual)(int16_t *o, ptrdiff_t os, const uint8_t *d, ptrdiff_t ds, const uint8_t *p, ptrdiff_t ps,
                         int w, int h);
    unsigned (*sad)(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h);
    /* The SAD when below limit, else some value >= limit (stops early). */
    unsigned (*sad_below)(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h,
                          unsigned limit);
    /* sad_below of a against the rounded average (p0 + p1 + 1) >> 1 of two
     * blocks with one stride: a quarter-sample position of H.264 luma from
     * two of its sample planes, without writing the prediction out. */
    unsigned (*sad_avg_below)(const uint8_t *a, ptrdiff_t as, const uint8_t *p0, const uint8_t *p1, ptrdiff_t ps,
                              int w, int h, unsigned limit);
    /* SATD: the 4x4 Hadamard transform H D H^T of each 4x4 block D of
     * a - b (H the 4x4 Hadamard matrix, entries +-1), the sum of |coefficients|
     * over all of them, halved (x264's pixel_satd normalisation: a constant
     * difference d gives 8|d| per 4x4, half its SAD; in general SATD lies
     * between SAD/2 and 8 SAD).  w and h must be multiples of 4 (up to 16):
     * callers compare blocks of other sizes (picture edges) by SAD. */
    unsigned (*satd)(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h);

    /* High bit depth (9..16 bits; FsrPicture.depth > 8): uint16_t samples,
     * native endian.  Strides of uint16_t sample planes (dst_stride, ds,
     * ps, stride, and FsrPlaneRef.stride, whose data points at the uint16_t
     * plane) are in BYTES, as FsrPicture's; the residual's os, like the
     * 8-bit entry's, counts int16_t elements.  bitdepth_max = (1 << depth)
     * - 1 is Clip1's upper bound.  Same filters and rounding as the 8-bit
     * entries (the standard's equations do not depend on the depth but for
     * Clip1); intermediate sums are kept in 32 bits. */
    /* luma (8.4.2.2.1), w in 1..16 (4, 8, 16 fast), h <= 16 */
    FsrH264Mc16Fn luma16;
    /* chroma (8.4.2.2.2), w, h <= 8; bitdepth_max unused (the bilinear
     * average of samples in range stays in range) */
    FsrH264Mc16Fn chroma16;
    /* as biweight, the result clipped to [0, bitdepth_max]; o0 and o1
     * already scaled to the depth (o << (depth - 8) of H.264's high bit
     * depth, 8-301) */
    void (*biweight16)(uint16_t *dst, const uint16_t *p0, const uint16_t *p1, ptrdiff_t stride, int w, int h,
                       int log2_denom, int w0, int w1, int o0, int o1, int bitdepth_max);
    /* o = d - p (as int16_t: exact up to 15 bits), returns the SAD of the
     * true differences */
    unsigned (*residual16)(int16_t *o, ptrdiff_t os, const uint16_t *d, ptrdiff_t ds, const uint16_t *p,
                           ptrdiff_t ps, int w, int h);
} FsrH264McDSP;

void fsr_h264_mc_dsp_init(FsrH264McDSP *dsp, unsigned cpu_flags);
/* The SSE2 and AVX2 entries (x86/h264_mc_sse2.c, x86/h264_mc_avx2.c), for
 * fsr_h264_mc_dsp_init. */
void fsr_h264_mc_dsp_init_sse2(FsrH264McDSP *dsp);
void fsr_h264_mc_dsp_init_avx2(FsrH264McDSP *dsp);

/* Row stride of the block code's half-sample planes (16 + 5 taps, rounded
 * up): h264_mc_tmpl.h and the AVX2 rows that fill them share it. */
#define FSR_H264_MC_WIN 24

/* Plain C references of the luma and chroma entries: per sample, straight
 * from the standard. */
void fsr_h264_mc_luma_ref(uint8_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int mvx,
                          int mvy, int w, int h);
void fsr_h264_mc_chroma_ref(uint8_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int mvx,
                            int mvy, int w, int h);

/* The same at high bit depth (uint16_t samples, strides in bytes). */
void fsr_h264_mc_luma16_ref(uint16_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int mvx,
                            int mvy, int w, int h, int bitdepth_max);
void fsr_h264_mc_chroma16_ref(uint16_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int mvx,
                              int mvy, int w, int h, int bitdepth_max);

/* Plain C reference of the satd entry: each coefficient of each 4x4 block
 * as the sum of H[u][i] H[v][j] d[i][j] over the 16 differences. */
unsigned fsr_h264_satd_ref(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h);

/* Explicit weighting of one prediction in place (8-299). */
void fsr_h264_weight(uint8_t *p, ptrdiff_t stride, int w, int h, int log2_denom, int weight, int offset);

#endif
