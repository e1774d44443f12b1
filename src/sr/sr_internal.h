/* Internal side of SR: the handle behind every backend, the engine's
 * knobs for tests and the benchmark. */
#ifndef FASTSR_SRC_SR_INTERNAL_H
#define FASTSR_SRC_SR_INTERNAL_H

#include "fastsr/sr.h"
#include "conv.h"
#include "fixed.h"

#define SR_MAX_LAYERS FSR_MODEL_MAX_LAYERS
#define SR_MAX_DIM 16384

/* The engine's per-thread tile buffers and the handle behind every backend. */
typedef struct Scratch {
    float *ring[SR_MAX_LAYERS];     /* feature f: nslot[f] slots of in_ch x stride */
    float *parts;                /* row partials of the last layer: kh rows x kh x pstride */
    float *zero;                 /* one zero row of the widest feature */
    float *out;                  /* last layer's output row */
    float *plane;                /* planar row of a feature kept interleaved (c8), before the copy */
    float *acc;                  /* accumulators of an interleaved layer: width x 32 */
    float *plane8;               /* interleaved row of a Winograd layer's input, before the transform */
    float *wm;                   /* a Winograd layer's products for 32 channels: 8 x tiles x 32 */
    double seconds[SR_MAX_LAYERS];
} Scratch;

struct FsrSR {
    int backend;                  /* enum FsrSRBackend */
    int n_layers, scale, padding, threads;
    int margin_x, margin_y;       /* the network's context (fsr_sr_margin) */
    FixedModel *fixed;            /* FSR_SR_FIXED */
    FsrFixedDSP fixed_dsp;
    FsrPackedConv layer[SR_MAX_LAYERS];
    FsrConvDSP dsp;
    int tile_w, tile_h;
    ptrdiff_t stride[SR_MAX_LAYERS]; /* floats per channel row of feature f (a Winograd
                                      * layer's input: per 8 channels and point) */
    ptrdiff_t wstride[SR_MAX_LAYERS]; /* a Winograd layer's input before the transform */
    size_t slot[SR_MAX_LAYERS];      /* floats per ring slot (one row, all channels) */
    int nslot[SR_MAX_LAYERS];        /* ring slots of feature f */
    int parts;                    /* last layer by row partials (fsr_conv_pack_parts) */
    ptrdiff_t pstride;            /* floats per partial row */
    Scratch *scratch;             /* one per thread */
    double *profile;
    uint8_t *tmp;                 /* bicubic luma for fsr_sr_picture */
    size_t tmp_size;
    /* LR-input models (FSR_INPUT_LR_Y): every layer runs on the LR grid
     * and the last one gives the scale^2 phases of the HR output as
     * channels (a transposed convolution is rewritten that way,
     * fsr_conv_deconv_phases), which the tile loop shuffles into the HR
     * rows. */
    int lr_input;
    int shuffle;                  /* last layer's channels are HR phases */
    int shift;                    /* phase (i, j) of LR (y, x) is HR (s*y + i - shift, s*x + j - shift) */
    ptrdiff_t ostride;            /* floats per channel of the last layer's output row */
    float *slope[SR_MAX_LAYERS];     /* PReLU slopes of layer m, NULL without PReLU */
    /* zero sampling for the accelerator model (fsr_sr_sample_zeros) */
    FixedModel *zq;               /* the sampling datapath (sr->fixed for FSR_SR_FIXED) */
    int zevery, zcalls, zframes, zlayers;
    int64_t zeros[SR_MAX_LAYERS], zvalues[SR_MAX_LAYERS];
};

/* The network's context around a pixel (fsr_sr_margin), from its layers. */
void sr_set_margin(FsrSR *sr, const FsrModel *m);
/* 0, or the error of a bad plane / rectangle for this handle. */
int sr_check_rect(const FsrSR *sr, const void *dst, const void *src, ptrdiff_t dst_stride, ptrdiff_t stride, int w,
                  int h, int x, int y, int rw, int rh);
/* The float engine on uint16_t planes of depth bits (strides in bytes). */
int sr_engine_luma_rect16(FsrSR *sr, uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src, ptrdiff_t stride,
                          int w, int h, int x, int y, int rw, int rh, int depth);
/* The float engine on a checked rectangle (sr.c). */
int sr_engine_luma_rect(FsrSR *sr, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t stride, int w,
                        int h, int x, int y, int rw, int rh);


/* fsr_sr_open with explicit CPU flags (0 forces the C kernels). */
int fsr_sr_open_flags(FsrSR **sr, const FsrModel *model, int threads, unsigned cpu_flags);
/* The same, and FSR_SR_DIRECT in opts runs every layer as a direct
 * convolution (no Winograd): the bench's and the tests' comparison. */
#define FSR_SR_DIRECT 1u
/* ... and FSR_SR_WINO45 a single-channel 9-wide layer by F(4,5) in pieces
 * where F(8,9) would run (conv.h): the comparison of the two. */
#define FSR_SR_WINO45 2u
int fsr_sr_open_engine(FsrSR **sr, const FsrModel *model, int threads, unsigned cpu_flags, unsigned opts);

/* Default largest tile in output pixels (fsr_sr_set_tile, public, takes
 * others).  The width sets the per-tile ring buffers and how much is
 * recomputed at strip edges; 256 was the fastest width measured for 9-5-5
 * (README "Engine"); the height only sets how often the vertical halo is
 * recomputed (540: two bands at 1080p). */
#define FSR_SR_TILE_W 256
#define FSR_SR_TILE_H 540
/* ... and twice FSR_SR_TILE_W where one thread's rings then take at most
 * this many bytes (sr.c) */
#define FSR_SR_WIDE_RINGS (384 * 1024)
#define FSR_SR_TILE_H_LR 540
/* LR-input models (FSRCNN: 12-56 channels, rings far smaller than 9-5-5's)
 * tile twice as wide: half the strip edges recomputed.  FSRCNN at 1080p
 * output, 1 thread, AVX-512: x2 138 -> 135 cpu-ms (960 LR columns in 2
 * strips of 476 and 484 instead of 4 of 236 and 244; the first layers
 * computed 4.8% more columns than kept instead of 7.3%), x3 and x4 0.5
 * ms less. */
#define FSR_SR_TILE_W_LR 512

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
