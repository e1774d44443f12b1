/* Internal side of the SR engine: knobs for tests and the benchmark. */
#ifndef FASTSR_SRC_SR_INTERNAL_H
#define FASTSR_SRC_SR_INTERNAL_H

#include "fastsr/sr.h"

/* fsr_sr_open with explicit CPU flags (0 forces the C kernels). */
int fsr_sr_open_flags(FsrSR **sr, const FsrModel *model, int threads, unsigned cpu_flags);

/* Default largest tile in output pixels (fsr_sr_set_tile, public, takes
 * others).  The width sets the per-tile ring buffers and how much is
 * recomputed at strip edges; 256 was the fastest width measured for 9-5-5
 * (README "Engine"); the height only sets how often the vertical halo is
 * recomputed (540: two bands at 1080p). */
#define FSR_SR_TILE_W 256
#define FSR_SR_TILE_H 540

/* The network on a float plane, no /255 scaling and no rounding: dst gets
 * the raw output of the last layer for the rectangle (x, y, rw, rh).  Lets
 * tests compare the engine with the reference convolution exactly. */
int fsr_sr_run_float(FsrSR *sr, float *dst, ptrdiff_t dst_stride, const float *src, ptrdiff_t stride,
                     int w, int h, int x, int y, int rw, int rh);

int fsr_sr_threads(const FsrSR *sr);

/* The evaluation protocol's SR step: src is the unrounded bicubic luma in
 * [0, 1] (w x h, packed), which SRCNN's test code feeds to the network (an
 * LR-input network reads lr, the unrounded LR luma, lw x lh, instead);
 * dst (packed) gets the output rounded as MATLAB's uint8() does.  The
 * fixed-point and bicubic backends see src rounded to 8 bits, as the chip
 * and the video pipeline do. */
int fsr_sr_luma_unit(FsrSR *sr, uint8_t *dst, const double *src, int w, int h, const double *lr, int lw, int lh);

#endif
