/* Image quality evaluation with the protocol behind the published SR tables
 * (SRCNN, VDSR, ...): HR cropped to a multiple of the scale, LR made by
 * MATLAB's imresize (bicubic with antialiasing), upscaled again (bicubic or
 * a model), compared on the Y of MATLAB's rgb2ycbcr with `scale` border
 * pixels shaved: PSNR (peak 255) and SSIM (Wang et al. 2004). */
#ifndef FASTSR_EVAL_H
#define FASTSR_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "fastsr/common.h"
#include "fastsr/sr.h"

/* MATLAB imresize(src, [dh dw], 'bicubic') on a double plane: Keys cubic
 * (a = -0.5), symmetric padding, and, when shrinking, the kernel widened by
 * the factor (antialiasing) with weights normalised per output pixel.
 * Rows are resized first, as MATLAB does for equal factors.  The factor per
 * axis is dw/sw and dh/sh. */
FSR_API int fsr_imresize(double *dst, int dw, int dh, const double *src, int sw, int sh);

/* MATLAB's uint8(): round half away from zero, saturate to 0..255. */
FSR_API uint8_t fsr_matlab_u8(double v);

/* PSNR (peak 255) and mean SSIM of two 8-bit planes of w x h, ignoring
 * `shave` pixels at every border.  SSIM: 11x11 Gaussian window, sigma 1.5,
 * K1 0.01, K2 0.03, valid positions only, no downsampling. */
FSR_API double fsr_psnr_u8(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs,
                           int w, int h, int shave);
FSR_API double fsr_ssim_u8(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs,
                           int w, int h, int shave);

enum FsrEvalProtocol {
    /* SRCNN's test code: Y = uint8 rgb2ycbcr(HR); LR and upscale on Y/255
     * in double with no rounding in between; round to 8 bits at the end. */
    FSR_EVAL_Y_FIRST = 0,
    /* RGB pipeline: imresize down and up in RGB, each rounded to uint8,
     * then Y (uint8) of both. */
    FSR_EVAL_RGB = 1,
};

enum FsrEvalUpscaler {
    FSR_EVAL_UP_IMRESIZE = 0, /* MATLAB imresize in double */
    FSR_EVAL_UP_KERNEL = 1,   /* LR rounded to 8 bits, fastsr's bicubic kernel */
};

typedef struct FsrEvalOptions {
    int scale;      /* 2, 3 or 4 */
    int protocol;   /* enum FsrEvalProtocol */
    int upscaler;   /* enum FsrEvalUpscaler: the bicubic step (also the SR input) */
    /* NULL: bicubic only; else the SR backend runs on the bicubic Y (the
     * float engine on it unrounded, as SRCNN's test code did; the
     * fixed-point backend on it rounded to 8 bits, as in the video
     * pipeline) */
    FsrSR *sr;
    /* 1: the float engine too reads the bicubic Y rounded to 8 bits, as in
     * the video pipeline (what fastsr --precision fp32 sees; fastsr-bench
     * --backends fp32), so the precisions compare on the same input */
    int round_input;
} FsrEvalOptions;

typedef struct FsrEvalResult {
    double psnr_y, ssim_y;
    int w, h;       /* cropped HR size */
} FsrEvalResult;

/* Runs the protocol on one HR image given as packed 8-bit RGB. */
FSR_API int fsr_eval_rgb(FsrEvalResult *res, const uint8_t *rgb, ptrdiff_t stride, int w, int h,
                         const FsrEvalOptions *opt);

/* Reads an image file (PNG, BMP, JPEG, ... anything FFmpeg's image2
 * demuxer decodes) as packed RGB24; *rgb is freed with free(). */
FSR_API int fsr_image_load_rgb(const char *path, uint8_t **rgb, int *w, int *h);

#endif
