/* Internal side of the bicubic upscaler: the reference kernel for tests and
 * the per-phase filter description shared with other stages. */
#ifndef FASTSR_SRC_BICUBIC_INTERNAL_H
#define FASTSR_SRC_BICUBIC_INTERNAL_H

#include <math.h>

#include "fastsr/bicubic.h"

/* Filter of one output phase p (0..scale-1): output pixel scale*j+p is
 * sum_i weight[p][i] * in[j + offset[p] + i], i = 0..3. */
typedef struct FsrBicubicPhases {
    int scale;
    int offset[FSR_MAX_SCALE];
    float weight[FSR_MAX_SCALE][4];
} FsrBicubicPhases;

void fsr_bicubic_phases(FsrBicubicPhases *ph, int scale);

/* fsr_lr_consistency for the cells [cx0, cx1) x [cy0, cy1) only (the
 * others of cell_err are left as they are): after region SR, only the SR'd
 * cells need measuring again. */
int fsr_lr_consistency_cells(float *cell_err, int cells_w, int cells_h, int cell, const uint8_t *hr,
                             ptrdiff_t hr_stride, const uint8_t *lr, ptrdiff_t lr_stride, int lw, int lh, int scale,
                             int cx0, int cy0, int cx1, int cy1);

/* The LR error LR - downscale(HR) as a byte: FSR_LR_ERROR_STEPS steps a
 * level, FSR_LR_ERROR_ZERO for none, clamped to +-32 levels.  As a byte it
 * is upscaled by the 8-bit bicubic (whose weights sum to 1, so the offset
 * passes through) instead of a slower wider path; a quarter level is finer
 * than the 8-bit HR picture it corrects. */
#define FSR_LR_ERROR_STEPS 4
#define FSR_LR_ERROR_ZERO 128
static inline uint8_t fsr_lr_error_byte(float e)
{
    const float v = e * FSR_LR_ERROR_STEPS + FSR_LR_ERROR_ZERO;
    return (uint8_t)(v > 0.f ? (v < 255.f ? (int)(v + 0.5f) : 255) : 0);
}
/* An upscaled error byte as whole levels, rounded half up. */
static inline int fsr_lr_error_value(uint8_t b)
{
    /* floor((b - ZERO + STEPS / 2) / STEPS) with a non-negative dividend */
    return (b - FSR_LR_ERROR_ZERO + FSR_LR_ERROR_STEPS / 2 + 256 * FSR_LR_ERROR_STEPS) / FSR_LR_ERROR_STEPS - 256;
}

/* fsr_lr_consistency over the whole plane, also writing the per-pixel
 * error (fsr_lr_error_byte of LR - downscale(HR), lw bytes a row) into err
 * when it is not NULL; cell_err may be NULL when err is not. */
int fsr_lr_error(float *cell_err, uint8_t *err, int cells_w, int cells_h, int cell, const uint8_t *hr,
                 ptrdiff_t hr_stride, const uint8_t *lr, ptrdiff_t lr_stride, int lw, int lh, int scale);

/* One back-projection step (iterative back-projection, Irani and Peleg
 * 1991): the LR error err of fsr_lr_error, bicubic-upscaled into up (an
 * HR-sized scratch, lw * scale bytes a row), added to the HR luma except
 * on the cells where cell_skip is not 0 (none when cell_skip is NULL; err
 * is set to no error on those first, so no correction crosses into them). */
int fsr_back_project(uint8_t *hr, ptrdiff_t hr_stride, uint8_t *err, uint8_t *up, int lw, int lh, int scale,
                     const uint8_t *cell_skip, int cell);

/* ---- the same for 16-bit pictures (9..16 bits, uint16_t samples,
 * strides in bytes) ----
 * The cells stay in 8-BIT levels (the mean error divided by
 * 1 << (depth - 8)): the policies' thresholds hold at every depth.  The
 * per-pixel error is an int16_t in quarter levels of the picture's own
 * depth (finer than the byte's quarter 8-bit levels, as the picture is),
 * clamped to +-(32 << (depth - 8)) levels, the byte's +-32 8-bit levels
 * (and to int16 at 16 bits). */
static inline int16_t fsr_lr_error_q16(float e, int depth)
{
    const float lim = (float)(FSR_LR_ERROR_STEPS * 32 << (depth - 8));
    float v = e * FSR_LR_ERROR_STEPS;
    v = v < -lim ? -lim : v > lim ? lim : v;
    v = floorf(v + 0.5f); /* half up, as the byte */
    return (int16_t)(v > 32767.f ? 32767 : v < -32768.f ? -32768 : (int)v);
}
/* An (upscaled) quarter-level error as whole levels, rounded half up. */
static inline int fsr_lr_error_q16_value(int q)
{
    return (q + FSR_LR_ERROR_STEPS / 2) >> 2; /* arithmetic shift: floor */
}

int fsr_lr_consistency_cells16(float *cell_err, int cells_w, int cells_h, int cell, const uint16_t *hr,
                               ptrdiff_t hr_stride, const uint16_t *lr, ptrdiff_t lr_stride, int lw, int lh, int scale,
                               int cx0, int cy0, int cx1, int cy1, int depth);
/* fsr_lr_error at depth bits: err (when not NULL) takes fsr_lr_error_q16
 * values, lw a row. */
int fsr_lr_error16(float *cell_err, int16_t *err, int cells_w, int cells_h, int cell, const uint16_t *hr,
                   ptrdiff_t hr_stride, const uint16_t *lr, ptrdiff_t lr_stride, int lw, int lh, int scale, int depth);
/* fsr_back_project at depth bits: err (fsr_lr_error16's, lw a row) is set
 * to no error on the skipped cells and otherwise left as it was; up is an
 * HR-sized scratch of lw * scale samples a row (it holds the upscaled
 * error biased by 32768 after the call); the result clipped to
 * [0, 2^depth - 1]. */
int fsr_back_project16(uint16_t *hr, ptrdiff_t hr_stride, int16_t *err, int16_t *up, int lw, int lh, int scale,
                       const uint8_t *cell_skip, int cell, int depth);

/* Keys cubic kernel, a = -0.5. */
double fsr_cubic_kernel(double x);

/* The LR-consistency downscale at an integer scale s (MATLAB imresize's
 * antialiased bicubic, scale/consistency.c): LR pixel i reads HR pixels
 * i * s + first .. i * s + first + taps - 1 (mirrored at the borders) with
 * weights w, the Keys kernel stretched by s and normalised. */
typedef struct FsrDownFilter {
    int first, taps;
    float w[4 * FSR_MAX_SCALE + 1];
} FsrDownFilter;
void fsr_down_filter(FsrDownFilter *f, int s);

/* Keys' cubic convolution kernel with parameter a (bicubic: a = -0.5). */
double fsr_keys_kernel(double x, double a);

/* ---- kernels ---- */

/* Widest plane the residual-block kernel takes; wider ones take the
 * reference. */
#define FSR_BICUBIC_BLOCK_MAX 64

/* The C and AVX2 versions perform the same float multiplies and adds in the
 * same order (the build forbids FMA contraction), so they agree bit for bit. */
typedef struct FsrBicubicDSP {
    /* Vertical pass of one HR row: dst[x] = w0 rows[0][x] + ... + w3
     * rows[3][x] (added in that order), x < n. */
    void (*vert_row)(float *dst, const uint8_t *const rows[4], const float w[4], int n);
    /* Horizontal pass: HR pixels j * scale + p of the LR columns j < n from
     * the vertical pass tmp, which is readable from tmp[-2] to tmp[n + 1]. */
    void (*horz_row)(uint8_t *dst, const float *tmp, const FsrBicubicPhases *ph, int n);
    /* A whole signed 16-bit plane (a residual block) at most
     * FSR_BICUBIC_BLOCK_MAX wide: the same values as
     * fsr_bicubic_plane_s16_ref; arguments already checked. */
    void (*block_s16)(int16_t *dst, ptrdiff_t dst_stride, const int16_t *src, ptrdiff_t src_stride, int sw, int sh,
                      int scale);
    /* vert_row and horz_row for 16-bit samples (9..16 bits): the same
     * float operations, the output rounded and clipped to [0,
     * bitdepth_max]. */
    void (*vert_row16)(float *dst, const uint16_t *const rows[4], const float w[4], int n);
    void (*horz_row16)(uint16_t *dst, const float *tmp, const FsrBicubicPhases *ph, int n, int bitdepth_max);
    /* The antialiased downscale of the LR consistency (consistency.c), a
     * filter of taps weights w.  Vertical: dst[x] = 0 + w[0] rows[0][x] +
     * ... + w[taps - 1] rows[taps - 1][x] (added in that order), x < n;
     * down_vert16 for 16-bit samples. */
    void (*down_vert)(float *dst, const uint8_t *const *rows, const float *w, int taps, int n);
    void (*down_vert16)(float *dst, const uint16_t *const *rows, const float *w, int taps, int n);
    /* Horizontal: dst[i] = 0 + w[0] src[i * scale] + ... + w[taps - 1]
     * src[i * scale + taps - 1] (in that order), i < n. */
    void (*down_horz)(float *dst, const float *src, const float *w, int taps, int scale, int n);
    /* The downscale down against the LR row lr, x < n: diff[x] =
     * fabsf(down[x] - lr[x]) and, when err is not NULL, err[x] =
     * fsr_lr_error_byte(lr[x] - down[x]); lr_diff16 for 16-bit samples
     * with fsr_lr_error_q16 at depth bits. */
    void (*lr_diff)(float *diff, uint8_t *err, const float *down, const uint8_t *lr, int n);
    void (*lr_diff16)(float *diff, int16_t *err, const float *down, const uint16_t *lr, int n, int depth);
    /* Back projection's correction of one HR row, x < n: hr[x] = clip(hr[x]
     * + fsr_lr_error_value(up[x])) to [0, 255]; bp_add16 with
     * fsr_lr_error_q16_value(up[x] - 32768), clipped to [0, max]. */
    void (*bp_add)(uint8_t *hr, const uint8_t *up, int n);
    void (*bp_add16)(uint16_t *hr, const uint16_t *up, int n, int max);
} FsrBicubicDSP;

/* The C entries of the downscale (consistency.c); the SIMD ones finish
 * their rows with them. */
void fsr_down_vert_c(float *dst, const uint8_t *const *rows, const float *w, int taps, int n);
void fsr_down_vert16_c(float *dst, const uint16_t *const *rows, const float *w, int taps, int n);
void fsr_down_horz_c(float *dst, const float *src, const float *w, int taps, int scale, int n);
void fsr_lr_diff_c(float *diff, uint8_t *err, const float *down, const uint8_t *lr, int n);
void fsr_lr_diff16_c(float *diff, int16_t *err, const float *down, const uint16_t *lr, int n, int depth);
void fsr_bp_add_c(uint8_t *hr, const uint8_t *up, int n);
void fsr_bp_add16_c(uint16_t *hr, const uint16_t *up, int n, int max);

void fsr_bicubic_dsp_init(FsrBicubicDSP *dsp, unsigned cpu_flags);
/* The AVX2 + FMA entries (x86/bicubic_avx2.c), for fsr_bicubic_dsp_init. */
void fsr_bicubic_dsp_init_avx2(FsrBicubicDSP *dsp);
/* The kernels for fsr_cpu_flags(), filled at the first call: those of the
 * public functions (fsr_bicubic_plane...). */
const FsrBicubicDSP *fsr_bicubic_dsp(void);

/* The public functions with the kernels of dsp. */
int fsr_bicubic_plane_dsp(const FsrBicubicDSP *dsp, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                          ptrdiff_t src_stride, int sw, int sh, int scale);
int fsr_bicubic_region_dsp(const FsrBicubicDSP *dsp, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                           ptrdiff_t src_stride, int sw, int sh, int scale, int rx, int ry, int rw, int rh);
int fsr_bicubic_plane_s16_dsp(const FsrBicubicDSP *dsp, int16_t *dst, ptrdiff_t dst_stride, const int16_t *src,
                              ptrdiff_t src_stride, int sw, int sh, int scale);

/* fsr_bicubic_plane16 and fsr_bicubic_region16 with the kernels of dsp
 * (strides in bytes). */
int fsr_bicubic_plane16_dsp(const FsrBicubicDSP *dsp, uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src,
                            ptrdiff_t src_stride, int sw, int sh, int scale, int bitdepth_max);
int fsr_bicubic_region16_dsp(const FsrBicubicDSP *dsp, uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src,
                             ptrdiff_t src_stride, int sw, int sh, int scale, int rx, int ry, int rw, int rh,
                             int bitdepth_max);

/* Plain C reference of fsr_bicubic_plane16: one pixel at a time, no
 * threads; strides in bytes. */
int fsr_bicubic_plane16_ref(uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src, ptrdiff_t src_stride, int sw,
                            int sh, int scale, int bitdepth_max);

/* Plain C reference of fsr_bicubic_plane: one pixel at a time, no threads. */
int fsr_bicubic_plane_ref(uint8_t *dst, ptrdiff_t dst_stride,
                          const uint8_t *src, ptrdiff_t src_stride,
                          int sw, int sh, int scale);

/* Plain C reference of fsr_bicubic_plane_s16. */
int fsr_bicubic_plane_s16_ref(int16_t *dst, ptrdiff_t dst_stride, const int16_t *src, ptrdiff_t src_stride, int sw,
                              int sh, int scale);

/* Mirrored columns each side of a vertical-pass row: as far as the
 * horizontal taps reach. */
#define FSR_BICUBIC_PAD 2

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

/* ---- the C row arithmetic, shared with the AVX2 kernels' tails ---- */

/* The LR rows (mirrored at the edges of an sh-row plane) that HR row oy
 * filters: at[k], the offset of tap k's row; returns the taps' weights. */
static inline const float *fsr_bicubic_vert_taps(ptrdiff_t at[4], const FsrBicubicPhases *ph, int oy, int sh,
                                                 ptrdiff_t stride)
{
    const int py = oy % ph->scale, jy = oy / ph->scale;
    for (int k = 0; k < 4; k++)
        at[k] = fsr_mirror(jy + ph->offset[py] + k, sh) * stride;
    return ph->weight[py];
}

static inline uint8_t fsr_bicubic_round_u8(float v)
{
    v = v < 0.f ? 0.f : v;
    v = v > 255.f ? 255.f : v;
    return (uint8_t)(int)(v + 0.5f);
}

/* The vertical pass of column x: w[0] r[0][x] + ... + w[3] r[3][x], added
 * in that order, of 8-bit rows (pictures) and of 16-bit ones (residuals). */
static inline float fsr_bicubic_vert_u8(const uint8_t *const r[4], const float w[4], int x)
{
    float acc = w[0] * (float)r[0][x];
    acc = acc + w[1] * (float)r[1][x];
    acc = acc + w[2] * (float)r[2][x];
    return acc + w[3] * (float)r[3][x];
}

static inline float fsr_bicubic_vert_u16(const uint16_t *const r[4], const float w[4], int x)
{
    float acc = w[0] * (float)r[0][x];
    acc = acc + w[1] * (float)r[1][x];
    acc = acc + w[2] * (float)r[2][x];
    return acc + w[3] * (float)r[3][x];
}

/* fsr_bicubic_round_u8 at another depth: clipped to [0, bitdepth_max],
 * then rounded half up. */
static inline uint16_t fsr_bicubic_round_u16(float v, int bitdepth_max)
{
    const float max = (float)bitdepth_max;
    v = v < 0.f ? 0.f : v;
    v = v > max ? max : v;
    return (uint16_t)(int)(v + 0.5f);
}

static inline float fsr_bicubic_vert_s16(const int16_t *const r[4], const float w[4], int x)
{
    float acc = w[0] * (float)r[0][x];
    acc = acc + w[1] * (float)r[1][x];
    acc = acc + w[2] * (float)r[2][x];
    return acc + w[3] * (float)r[3][x];
}

/* The C entries: the AVX2 ones finish their rows with them. */
static inline void fsr_bicubic_vert_row_c(float *dst, const uint8_t *const rows[4], const float w[4], int n)
{
    for (int x = 0; x < n; x++)
        dst[x] = fsr_bicubic_vert_u8(rows, w, x);
}

static inline void fsr_bicubic_horz_row_c(uint8_t *dst, const float *tmp, const FsrBicubicPhases *ph, int n)
{
    const int s = ph->scale;
    for (int j = 0; j < n; j++)
        for (int p = 0; p < s; p++) {
            const float *t = tmp + j + ph->offset[p], *w = ph->weight[p];
            float acc = w[0] * t[0];
            acc = acc + w[1] * t[1];
            acc = acc + w[2] * t[2];
            acc = acc + w[3] * t[3];
            dst[j * s + p] = fsr_bicubic_round_u8(acc);
        }
}

static inline void fsr_bicubic_vert_row16_c(float *dst, const uint16_t *const rows[4], const float w[4], int n)
{
    for (int x = 0; x < n; x++)
        dst[x] = fsr_bicubic_vert_u16(rows, w, x);
}

static inline void fsr_bicubic_horz_row16_c(uint16_t *dst, const float *tmp, const FsrBicubicPhases *ph, int n,
                                            int bitdepth_max)
{
    const int s = ph->scale;
    for (int j = 0; j < n; j++)
        for (int p = 0; p < s; p++) {
            const float *t = tmp + j + ph->offset[p], *w = ph->weight[p];
            float acc = w[0] * t[0];
            acc = acc + w[1] * t[1];
            acc = acc + w[2] * t[2];
            acc = acc + w[3] * t[3];
            dst[j * s + p] = fsr_bicubic_round_u16(acc, bitdepth_max);
        }
}

/* The HR pixels of the LR rectangle (rx, ry, rw, rh) only, identical to the
 * same pixels of fsr_bicubic_plane (the rectangle's neighbours are read from
 * the plane); dst points at the HR rectangle's top-left pixel.  One thread. */
int fsr_bicubic_region(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride,
                       int sw, int sh, int scale, int rx, int ry, int rw, int rh);

/* fsr_bicubic_region for a 16-bit plane (strides in bytes), as the
 * transfer upsamples the intra blocks of 10-bit frames. */
int fsr_bicubic_region16(uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src, ptrdiff_t src_stride, int sw,
                         int sh, int scale, int rx, int ry, int rw, int rh, int bitdepth_max);

/* fsr_bicubic_region or fsr_bicubic_region16 on the luma of lr, as its
 * depth says; dst_stride in bytes either way. */
static inline int fsr_bicubic_luma_region(uint8_t *dst, ptrdiff_t dst_stride, const FsrPicture *lr, int scale, int rx,
                                          int ry, int rw, int rh)
{
    if (fsr_picture_high(lr))
        return fsr_bicubic_region16((uint16_t *)(void *)dst, dst_stride, (const uint16_t *)(const void *)lr->data[0],
                                    lr->stride[0], lr->w, lr->h, scale, rx, ry, rw, rh,
                                    (1 << fsr_picture_depth(lr)) - 1);
    return fsr_bicubic_region(dst, dst_stride, lr->data[0], lr->stride[0], lr->w, lr->h, scale, rx, ry, rw, rh);
}

/* Same for signed 16-bit planes (residuals); output is not clipped. */
int fsr_bicubic_plane_s16(int16_t *dst, ptrdiff_t dst_stride,
                          const int16_t *src, ptrdiff_t src_stride,
                          int sw, int sh, int scale);

#endif
