/* Bicubic upscaling by an integer factor: Keys kernel (a = -0.5), pixel-centre
 * aligned and mirrored at the borders, as MATLAB's imresize does when it
 * enlarges.  The same kernel upscales whole frames (bicubic mode, SR input,
 * chroma) and LR residual blocks in the transfer stage. */
#ifndef FASTSR_BICUBIC_H
#define FASTSR_BICUBIC_H

#include <stddef.h>
#include <stdint.h>

#include "fastsr/common.h"
#include "fastsr/picture.h"

#define FSR_MIN_SCALE 2
#define FSR_MAX_SCALE 4

/* 1 when fastsr supports the scale (2, 3 or 4): every stage checks with it. */
static inline int fsr_scale_supported(int scale)
{
    return scale >= FSR_MIN_SCALE && scale <= FSR_MAX_SCALE;
}

/* Upscales one 8-bit plane of sw x sh pixels by scale (2..4) into dst, which
 * holds sw*scale x sh*scale pixels.  Uses the fastest kernel for this CPU and
 * OpenMP over rows; the result is bit-identical to the plain C reference. */
FSR_API int fsr_bicubic_plane(uint8_t *dst, ptrdiff_t dst_stride,
                              const uint8_t *src, ptrdiff_t src_stride,
                              int sw, int sh, int scale);

/* The same for a plane of 16-bit samples (9..16 bits, values within [0,
 * bitdepth_max], e.g. 1023 at 10 bits), strides in bytes: the same
 * kernel, phases, mirroring and float arithmetic, rounded to nearest and
 * clipped to [0, bitdepth_max]; bit-identical to the plain C reference. */
FSR_API int fsr_bicubic_plane16(uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src, ptrdiff_t src_stride,
                                int sw, int sh, int scale, int bitdepth_max);

/* Upscales all three planes of a picture of either depth; dst must be
 * allocated at src->w*scale x src->h*scale, with src's depth. */
FSR_API int fsr_bicubic_picture(FsrPicture *dst, const FsrPicture *src, int scale);

/* LR consistency of an HR luma plane (lw*scale x lh*scale): per cell of
 * cell x cell LR pixels (cells_w x cells_h, the last ones cut by the
 * picture), the mean |D(hr) - lr| in 8-bit levels, where D is the
 * antialiased bicubic downscale (MATLAB imresize's filter, mirrored at the
 * borders), unrounded.  A transfer that went wrong shows here; detail above
 * the LR Nyquist limit does not. */
FSR_API int fsr_lr_consistency(float *cell_err, int cells_w, int cells_h, int cell, const uint8_t *hr,
                               ptrdiff_t hr_stride, const uint8_t *lr, ptrdiff_t lr_stride, int lw, int lh, int scale);

#endif
