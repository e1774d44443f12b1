/* HR motion compensation for the transfer stage: a block of the HR
 * reference picture sampled at a quarter-pel HR position with a separable
 * interpolation filter (integer coefficients in 1/256), edges clamped at the
 * picture border.  The LR quarter-pel vector v becomes v * scale quarter-pel
 * HR units: half-pel phases at x2, quarter-pel at x3, integer at x4. */
#ifndef FASTSR_SRC_HRMC_H
#define FASTSR_SRC_HRMC_H

#include <stddef.h>
#include <stdint.h>

#define FSR_HRMC_TAPS 6 /* taps at -2..3 around the integer position */

typedef enum FsrHrFilterKind {
    FSR_HRFILTER_BILINEAR = 0,
    FSR_HRFILTER_CUBIC = 1,   /* Keys cubic with parameter a (bicubic: -0.5) */
    FSR_HRFILTER_H264 = 2,    /* H.264's 6-tap half-pel filter, quarters by averaging */
} FsrHrFilterKind;

typedef struct FsrHrFilter {
    int kind;
    double a;                          /* FSR_HRFILTER_CUBIC only */
    int16_t coef[4][FSR_HRMC_TAPS];    /* per quarter phase, sum 256 */
} FsrHrFilter;

/* Fills the coefficient table; a is Keys' parameter for the cubic kind. */
void fsr_hr_filter_init(FsrHrFilter *f, int kind, double a);
/* Parses "bilinear", "bicubic", "h264" or "cubic:A" (A in [-1, 0]); 0 or -1. */
int fsr_hr_filter_parse(FsrHrFilter *f, const char *name);
const char *fsr_hr_filter_name(const FsrHrFilter *f, char *buf, int size);

typedef struct FsrPlaneRef {
    const uint8_t *data;
    ptrdiff_t stride;
    int w, h;
} FsrPlaneRef;

typedef void (*FsrHrMcFn)(uint8_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int bw,
                          int bh, int dx4, int dy4, const FsrHrFilter *f);

/* Block bw x bh (each <= 256) whose top-left HR pixel is (x, y), displaced by
 * (dx4, dy4) HR quarter pels. */
void fsr_hrmc_block_ref(uint8_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int bw, int bh,
                        int dx4, int dy4, const FsrHrFilter *f);
/* The fastest version for this CPU; bit-identical to the reference. */
FsrHrMcFn fsr_hrmc_get(void);

/* dst = clip(pred + res) over w x h (residual upsampled to HR). */
typedef void (*FsrAddResidualFn)(uint8_t *dst, ptrdiff_t dst_stride, const int16_t *res, ptrdiff_t res_stride,
                                 int w, int h);
void fsr_add_residual_ref(uint8_t *dst, ptrdiff_t dst_stride, const int16_t *res, ptrdiff_t res_stride, int w,
                          int h);
FsrAddResidualFn fsr_add_residual_get(void);

#endif
