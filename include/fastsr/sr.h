/* SR of pictures, one interface in front of three backends:
 * - FSR_SR_FLOAT, the SR engine: runs a conv-stack model (fastsr/model.h)
 *   on the luma of a bicubic-upscaled picture.  Tiles go through all layers
 *   while their feature maps are still in cache; OpenMP spreads tiles over
 *   threads.
 * - FSR_SR_FIXED: the same network in the integer arithmetic of a DNN
 *   accelerator's datapath (word and accumulator widths, rounding; scheme in
 *   README "Accelerator model: quantisation"), bit-exact to the modelled
 *   chip; slow.
 * - FSR_SR_BICUBIC: no network; the bicubic upscale is the result.
 * For every backend the result does not depend on the thread count or on
 * the tiling, and a rectangle equals the same region of the whole-frame
 * result. */
#ifndef FASTSR_SR_H
#define FASTSR_SR_H

#include <stddef.h>
#include <stdint.h>

#include "fastsr/common.h"
#include "fastsr/model.h"
#include "fastsr/picture.h"

typedef struct FsrSR FsrSR;

enum FsrSRBackend {
    FSR_SR_FLOAT = 0,
    FSR_SR_FIXED = 1,
    FSR_SR_BICUBIC = 2,
};

/* How a wide accumulator is brought back to the word width (FSR_SR_FIXED). */
enum FsrRounding {
    FSR_ROUND_NEAREST = 0,  /* add half an LSB, then shift (ties up) */
    FSR_ROUND_TRUNCATE = 1, /* arithmetic shift (towards -inf) */
};

typedef struct FsrSRSettings {
    int backend;          /* enum FsrSRBackend */
    int threads;          /* OpenMP threads per call, 0 = all available */
    /* FSR_SR_FIXED: the datapath (the accelerator model's architecture
     * gives it: fastsr-accel --arch) */
    int word_bits, acc_bits, rounding;
    /* FSR_SR_FIXED: 0, one weight scale per layer (the accelerator model's
     * datapath); 1, one per output channel (fsr_sr_precision's int16 and
     * int8) */
    int channel_scales;
    /* FSR_SR_BICUBIC without a model: the scale (2..4) */
    int scale;
} FsrSRSettings;

/* Float engine, all threads, 16-bit words, 32-bit accumulator, rounding to
 * nearest (Eyeriss v1's datapath). */
FSR_API void fsr_sr_defaults(FsrSRSettings *s);

/* The arithmetic of SR a user chooses (fastsr --precision):
 * - FSR_PRECISION_FP32: the float engine;
 * - FSR_PRECISION_INT16 / FSR_PRECISION_INT8: the fixed-point backend with
 *   16- / 8-bit words, a 32-bit accumulator, rounding to nearest and one
 *   weight scale per output channel (bicubic-input models with ReLU, as
 *   that backend runs). */
enum FsrPrecision {
    FSR_PRECISION_FP32 = 0,
    FSR_PRECISION_INT16 = 1,
    FSR_PRECISION_INT8 = 2,
};

/* Sets backend, word_bits, acc_bits, rounding and channel_scales of s for
 * a precision (other fields kept); < 0 for an unknown one. */
FSR_API int fsr_sr_set_precision(FsrSRSettings *s, int precision);
/* "fp32", "int16", "int8" -> enum FsrPrecision; -1 for anything else. */
FSR_API int fsr_sr_precision_parse(const char *name);
FSR_API const char *fsr_sr_precision_name(int precision);

/* Prepares a backend for a model (the weights are copied: the model may be
 * closed afterwards); s NULL means the defaults.  FSR_SR_BICUBIC takes the
 * model's scale, or s->scale when model is NULL.  An FsrSR must not be used
 * by two threads at once; open one per thread. */
FSR_API int fsr_sr_open(FsrSR **sr, const FsrModel *model, const FsrSRSettings *s);
FSR_API void fsr_sr_close(FsrSR **sr);

/* Scale the model was trained for. */
FSR_API int fsr_sr_scale(const FsrSR *sr);

/* 1 when the model reads the LR luma (FSR_INPUT_LR_Y), 0 when it reads the
 * bicubic-upscaled luma. */
FSR_API int fsr_sr_lr_input(const FsrSR *sr);

/* SR of a whole luma plane: bicubic_y is the bicubic-upscaled luma (w x h),
 * dst receives the network output, clipped to 8 bits.  dst must not overlap
 * bicubic_y.
 * LR-input models (FSR_INPUT_LR_Y, fsr_sr_lr_input): bicubic_y is instead
 * the LR luma (w x h) and dst receives scale*w x scale*h; in
 * fsr_sr_luma_rect the rectangle is in those output coordinates. */
FSR_API int fsr_sr_luma(FsrSR *sr, uint8_t *dst, ptrdiff_t dst_stride,
                        const uint8_t *bicubic_y, ptrdiff_t stride, int w, int h);

/* SR of the rectangle (x, y, rw, rh) of that plane only: the context the
 * network needs around the rectangle is read from the surrounding plane,
 * and padding applies at the plane's borders, so the result is identical to
 * the same region of fsr_sr_luma.  dst points at the rectangle's top-left
 * pixel of the output (rw x rh). */
FSR_API int fsr_sr_luma_rect(FsrSR *sr, uint8_t *dst, ptrdiff_t dst_stride,
                             const uint8_t *bicubic_y, ptrdiff_t stride, int w, int h,
                             int x, int y, int rw, int rh);

/* The same two on uint16_t planes of depth bits (9..16; strides in bytes,
 * as in FsrPicture): the network reads sample / (2^depth - 1), so a model
 * trained on 8-bit pictures sees the same brightness.  The float and bicubic
 * backends only: the fixed-point one models an 8-bit input datapath. */
FSR_API int fsr_sr_luma16(FsrSR *sr, uint16_t *dst, ptrdiff_t dst_stride,
                          const uint16_t *src, ptrdiff_t stride, int w, int h, int depth);
FSR_API int fsr_sr_luma_rect16(FsrSR *sr, uint16_t *dst, ptrdiff_t dst_stride,
                               const uint16_t *src, ptrdiff_t stride, int w, int h,
                               int x, int y, int rw, int rh, int depth);

/* Full picture: bicubic of all planes (fsr_bicubic_picture), then SR of the
 * luma.  hr must be allocated at lr->w*scale x lr->h*scale, at lr's depth
 * (high-depth pictures through fsr_sr_luma16). */
FSR_API int fsr_sr_picture(FsrSR *sr, FsrPicture *hr, const FsrPicture *lr);

/* Context margin the network reads around a pixel, per axis, in output
 * (HR) pixels: the sum of its kernels' radii; for an LR-input network that
 * sum R is in LR pixels (a transposed convolution's radius divided by the
 * scale, as it runs on LR features), seen from any HR pixel over one:
 * R * scale + scale - 1 (FSRCNN x2: R = 8, 17).  A transfer stage that SRs
 * regions can use it to price them and decide which to merge. */
FSR_API int fsr_sr_margin(const FsrSR *sr, int *mx, int *my);

/* For benchmarks: the largest tile in output pixels (the width is rounded
 * down to a multiple of 8; the default suits this engine's kernels).  The
 * result does not depend on it, only the speed.  FSR_SR_FLOAT only; the
 * other backends ignore it. */
FSR_API int fsr_sr_set_tile(FsrSR *sr, int tile_w, int tile_h);

/* For benchmarks: while seconds is not NULL, every call adds the seconds
 * its threads spent in each layer to seconds[layer] (one entry per layer of
 * the model; monotonic clock, summed over threads); NULL stops the
 * profiling.  FSR_SR_FLOAT only. */
FSR_API void fsr_sr_profile(FsrSR *sr, double *seconds);

#endif
