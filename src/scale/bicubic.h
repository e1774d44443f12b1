/* Internal side of the bicubic upscaler: the reference kernel for tests and
 * the per-phase filter description shared with other stages. */
#ifndef FASTSR_SRC_BICUBIC_H
#define FASTSR_SRC_BICUBIC_H

#include "fastsr/bicubic.h"

/* Filter of one output phase p (0..scale-1): output pixel scale*j+p is
 * sum_i weight[p][i] * in[j + offset[p] + i], i = 0..3. */
typedef struct FsrBicubicPhases {
    int scale;
    int offset[FSR_MAX_SCALE];
    float weight[FSR_MAX_SCALE][4];
} FsrBicubicPhases;

void fsr_bicubic_phases(FsrBicubicPhases *ph, int scale);

/* Keys cubic kernel, a = -0.5. */
double fsr_cubic_kernel(double x);
/* Keys' cubic convolution kernel with parameter a (bicubic: a = -0.5). */
double fsr_keys_kernel(double x, double a);

/* ---- kernels ---- */

/* Widest plane the residual-block kernel takes; wider ones take the
 * reference. */
#define FSR_BICUBIC_BLOCK_MAX 64

/* The C and AVX2 versions perform the same float multiplies and adds in the
 * same order (the build forbids FMA contraction), so they agree bit for bit. */
typedef struct FsrBicubicDSP {
    /* Vertical pass of one HR row: dst[x] = w0 rows[0][x] + ... + w3
     * rows[3][x] (added in that order), x < n. */
    void (*vert_row)(float *dst, const uint8_t *const rows[4], const float w[4], int n);
    /* Horizontal pass: HR pixels j * scale + p of the LR columns j < n from
     * the vertical pass tmp, which is readable from tmp[-2] to tmp[n + 1]. */
    void (*horz_row)(uint8_t *dst, const float *tmp, const FsrBicubicPhases *ph, int n);
    /* A whole signed 16-bit plane (a residual block) at most
     * FSR_BICUBIC_BLOCK_MAX wide: the same values as
     * fsr_bicubic_plane_s16_ref; arguments already checked. */
    void (*block_s16)(int16_t *dst, ptrdiff_t dst_stride, const int16_t *src, ptrdiff_t src_stride, int sw, int sh,
                      int scale);
} FsrBicubicDSP;

void fsr_bicubic_dsp_init(FsrBicubicDSP *dsp, unsigned cpu_flags);
/* The kernels for fsr_cpu_flags(), filled at the first call: those of the
 * public functions (fsr_bicubic_plane...). */
const FsrBicubicDSP *fsr_bicubic_dsp(void);

/* The public functions with the kernels of dsp. */
int fsr_bicubic_plane_dsp(const FsrBicubicDSP *dsp, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                          ptrdiff_t src_stride, int sw, int sh, int scale);
int fsr_bicubic_region_dsp(const FsrBicubicDSP *dsp, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                           ptrdiff_t src_stride, int sw, int sh, int scale, int rx, int ry, int rw, int rh);
int fsr_bicubic_plane_s16_dsp(const FsrBicubicDSP *dsp, int16_t *dst, ptrdiff_t dst_stride, const int16_t *src,
                              ptrdiff_t src_stride, int sw, int sh, int scale);

/* Plain C reference of fsr_bicubic_plane: one pixel at a time, no threads. */
int fsr_bicubic_plane_ref(uint8_t *dst, ptrdiff_t dst_stride,
                          const uint8_t *src, ptrdiff_t src_stride,
                          int sw, int sh, int scale);

/* Plain C reference of fsr_bicubic_plane_s16. */
int fsr_bicubic_plane_s16_ref(int16_t *dst, ptrdiff_t dst_stride, const int16_t *src, ptrdiff_t src_stride, int sw,
                              int sh, int scale);

/* Mirror index i into 0..n-1 as MATLAB's symmetric padding does. */
static inline int fsr_mirror(int i, int n)
{
    if (n == 1)
        return 0;
    for (;;) {
        if (i < 0)
            i = -i - 1;
        else if (i >= n)
            i = 2 * n - 1 - i;
        else
            return i;
    }
}

#endif
