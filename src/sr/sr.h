/* Internal side of the SR engine: knobs for tests and the benchmark. */
#ifndef FASTSR_SRC_SR_H
#define FASTSR_SRC_SR_H

#include "fastsr/sr.h"

/* fsr_sr_open with explicit CPU flags (0 forces the C kernels). */
int fsr_sr_open_flags(FsrSR **sr, const FsrModel *model, int threads, unsigned cpu_flags);

/* Largest tile in output pixels (defaults FSR_SR_TILE_W x FSR_SR_TILE_H;
 * the width is rounded down to a multiple of 8).  The width sets the size
 * of the per-tile ring buffers (9-5-5 at 256: about 420 kB, next to 229 kB
 * of weights, so partly in L3) and how much is recomputed at strip edges
 * (1.7% of layer 2 with 1080p's strips of 236 and 244, 3.3% with equal
 * 240-wide ones; strips are up to 8 narrower than the tile so their widths
 * can be aligned, see run() in sr.c).  Measured on single-tile frames, best
 * of 20-30 (fastsr-bench --conv --size Wx256 --tile Wx256): 9-5-5 ran at
 * 75% of the FMA peak at 128 wide, 85% at 192 and 256, 84% at 384 and 81%
 * at 480.  The height only sets how often the vertical halo is recomputed;
 * 540 gives 1080p two bands, 16 tiles in all.  (Later, with the
 * last layer by row partials, 192, 320 and 384 wide were again no better
 * than 256 in paired 1920x135 frames.) */
#define FSR_SR_TILE_W 256
#define FSR_SR_TILE_H 540
int fsr_sr_set_tile(FsrSR *sr, int tile_w, int tile_h);

/* The network on a float plane, no /255 scaling and no rounding: dst gets
 * the raw output of the last layer for the rectangle (x, y, rw, rh).  Lets
 * tests compare the engine with the reference convolution exactly. */
int fsr_sr_run_float(FsrSR *sr, float *dst, ptrdiff_t dst_stride, const float *src, ptrdiff_t stride,
                     int w, int h, int x, int y, int rw, int rh);

/* Per-layer timing: when enabled, every call adds the thread-seconds spent
 * in each layer's row kernel to seconds[layer] (n_layers entries). */
void fsr_sr_profile(FsrSR *sr, double *seconds);

int fsr_sr_threads(const FsrSR *sr);

#endif
