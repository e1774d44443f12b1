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
 * [0, 1] (w x h, packed), which SRCNN's test code feeds to the network;
 * dst (packed) gets the output rounded as MATLAB's uint8() does.  The
 * fixed-point and bicubic backends see src rounded to 8 bits, as the chip
 * and the video pipeline do. */
int fsr_sr_luma_unit(FsrSR *sr, uint8_t *dst, const double *src, int w, int h);

/* Activation zeros for the accelerator model's data-driven costs: from now
 * on fsr_sr_picture also runs the model in the fixed-point datapath (the
 * backend's own run when it is FSR_SR_FIXED, a second run otherwise) on the
 * first picture and then one in every `every`, counting the zero words of
 * each layer's input. */
int fsr_sr_sample_zeros(FsrSR *sr, const FsrModel *model, const FsrSRSettings *datapath, int every);
/* zeros[i] and values[i] (words) of layer i's input, summed over the
 * sampled pictures; returns how many were sampled (0: none, or never
 * enabled). */
int fsr_sr_zero_counts(const FsrSR *sr, int64_t *zeros, int64_t *values, int n);

#endif
