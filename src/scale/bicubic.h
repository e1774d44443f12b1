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
