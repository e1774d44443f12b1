/* Internal side of the SR engine: knobs for tests and the benchmark. */
#ifndef FASTSR_SRC_SR_H
#define FASTSR_SRC_SR_H

#include "fastsr/sr.h"

/* fsr_sr_open with explicit CPU flags (0 forces the C kernels). */
int fsr_sr_open_flags(FsrSR **sr, const FsrModel *model, int threads, unsigned cpu_flags);

/* Largest tile in output pixels (defaults FSR_SR_TILE_W x FSR_SR_TILE_H;
 * the width is rounded down to a multiple of 8).  The width sets the size
 * of the per-tile ring buffers, which share the core's L2 with the weights
 * (9-5-5 at 192: about 410 kB of rings + 229 kB of weights; 128 would fit a
 * 512 kB L2 but recomputes 6% of layer 2 instead of 4% at the strip edges,
 * and on this noisy machine neither measured clearly faster); the height
 * only sets how often the vertical halo is recomputed. */
#define FSR_SR_TILE_W 192
#define FSR_SR_TILE_H 256
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
