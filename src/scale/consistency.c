/* LR consistency of an HR picture: how far its antialiased bicubic
 * downscale (MATLAB imresize's filter, the one fastsr-bench and the usual SR
 * protocol make LR video with) is from the decoded LR picture, per cell.
 *
 * A transferred HR block whose motion or residual went wrong no longer
 * downscales to what the decoder produced: that is measured here without
 * ground truth.  What the downscale removes (the detail above the LR
 * Nyquist limit, where interpolation blur accumulates) it cannot see, which
 * is why the regions policy keeps its drift model beside it. */
#include "bicubic_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* as fsr_picture_open allows */
#define LRC_MAX_DIM 16384

void fsr_down_filter(FsrDownFilter *f, int s)
{
    /* the centre of LR pixel 0 in HR coordinates */
    const double u = 0.5 * s - 0.5;
    const int j0 = (int)ceil(u - 2.0 * s), j1 = (int)floor(u + 2.0 * s);
    double sum = 0, w[4 * FSR_MAX_SCALE + 1];
    f->first = j0;
    f->taps = j1 - j0 + 1;
    for (int j = j0; j <= j1; j++)
        sum += w[j - j0] = fsr_cubic_kernel((u - j) / s) / s;
    for (int k = 0; k < f->taps; k++)
        f->w[k] = (float)(w[k] / sum);
}

/* the vertical pass for either sample type (one body, as dav1d's
 * bitdepth templates) */
#define DOWN_VERT_C(name, pixel)                                                                                     \
    void name(float *dst, const pixel *const *rows, const float *w, int taps, int n)                                 \
    {                                                                                                                \
        for (int x = 0; x < n; x++)                                                                                  \
            dst[x] = 0;                                                                                              \
        for (int k = 0; k < taps; k++)                                                                               \
            for (int x = 0; x < n; x++)                                                                              \
                dst[x] += w[k] * rows[k][x];                                                                         \
    }
DOWN_VERT_C(fsr_down_vert_c, uint8_t)
DOWN_VERT_C(fsr_down_vert16_c, uint16_t)

void fsr_down_horz_c(float *dst, const float *src, const float *w, int taps, int scale, int n)
{
    for (int i = 0; i < n; i++) {
        float d = 0;
        for (int k = 0; k < taps; k++)
            d += w[k] * src[i * scale + k];
        dst[i] = d;
    }
}

void fsr_lr_diff_c(float *diff, uint8_t *err, const float *down, const uint8_t *lr, int n)
{
    for (int x = 0; x < n; x++) {
        const float lv = (float)lr[x];
        diff[x] = fabsf(down[x] - lv);
        if (err)
            err[x] = fsr_lr_error_byte(lv - down[x]);
    }
}

void fsr_bp_add_c(uint8_t *hr, const uint8_t *up, int n)
{
    for (int x = 0; x < n; x++) {
        const int v = hr[x] + fsr_lr_error_value(up[x]);
        hr[x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}

void fsr_bp_add16_c(uint16_t *hr, const uint16_t *up, int n, int max)
{
    for (int x = 0; x < n; x++) {
        const int v = hr[x] + fsr_lr_error_q16_value(up[x] - 32768);
        hr[x] = (uint16_t)(v < 0 ? 0 : v > max ? max : v);
    }
}

void fsr_lr_diff16_c(float *diff, int16_t *err, const float *down, const uint16_t *lr, int n, int depth)
{
    for (int x = 0; x < n; x++) {
        const float lv = (float)lr[x];
        diff[x] = fabsf(down[x] - lv);
        if (err)
            err[x] = fsr_lr_error_q16(lv - down[x], depth);
    }
}

/* LR pixel x of the vertical pass col, at the picture's edges: the
 * columns beyond it mirrored (fsr_down_horz_c's sum otherwise) */
static float down_mirrored(const FsrDownFilter *f, const float *col, int x, int scale, int hw)
{
    const int x0 = x * scale + f->first;
    float d = 0;
    for (int k = 0; k < f->taps; k++)
        d += f->w[k] * col[fsr_mirror(x0 + k, hw)];
    return d;
}


/* The next run of cells that skip (NULL: none) does not mark, from *cx:
 * *cx moves to its first cell, and the cell after its last is returned
 * (*cx itself, cw, when no run is left). */
static int unskipped_run(const uint8_t *skip, int cw, int *cx)
{
    while (*cx < cw && skip && skip[*cx])
        (*cx)++;
    int end = *cx;
    while (end < cw && !(skip && skip[end]))
        end++;
    return end;
}

/* The LR error of the cells [cx0, cx1) x [cy0, cy1): per cell the mean
 * |downscale(HR) - LR| into cell_err (when not NULL), per LR pixel the
 * error LR - downscale(HR) into err8 (fsr_lr_error_byte, 8-bit pictures)
 * or err16 (fsr_lr_error_q16, 16-bit ones) when not NULL, lw a row.  hr
 * and lr hold uint8_t samples at depth 8, uint16_t ones above; strides in
 * bytes.  The cells are in 8-bit levels at every depth (the policies'
 * thresholds are), the per-pixel error in the picture's own.  Cell rows
 * are independent (each sums its own LR rows in order), so they run in
 * parallel with the same result for any thread count; the downscale's
 * kernels (dsp) add in a fixed order, so every CPU path gives the same
 * result too. */
static int lr_error(const FsrBicubicDSP *dsp, float *cell_err, uint8_t *err8, int16_t *err16, int cells_w,
                    int cells_h, int cell, const void *hr, ptrdiff_t hr_stride, const void *lr, ptrdiff_t lr_stride,
                    int lw, int lh, int scale, int cx0, int cy0, int cx1, int cy1, int depth)
{
    if (!hr || !lr || (!cell_err && !err8 && !err16))
        return fsr_error(FSR_ERR(EINVAL), "lr consistency: NULL argument");
    const int high = depth > 8, bps = high ? 2 : 1;
    if (depth < 8 || depth > 16)
        return fsr_error(FSR_ERR(EINVAL), "lr consistency: %d bits a sample not supported", depth);
    if (!fsr_scale_supported(scale) || lw <= 0 || lh <= 0 || lw > LRC_MAX_DIM / scale || lh > LRC_MAX_DIM / scale ||
        cell <= 0 || cells_w != (lw + cell - 1) / cell || cells_h != (lh + cell - 1) / cell ||
        lr_stride < (ptrdiff_t)lw * bps || hr_stride < (ptrdiff_t)lw * scale * bps || cx0 < 0 || cy0 < 0 ||
        cx1 > cells_w || cy1 > cells_h || cx0 >= cx1 || cy0 >= cy1)
        return fsr_error(FSR_ERR(EINVAL), "lr consistency: bad sizes");
    FsrDownFilter f;
    fsr_down_filter(&f, scale);
    /* a level of the picture's depth in 8-bit levels: 1 at 8 bits (the
     * 8-bit cells divided by 1, unchanged) */
    const double unit = (double)(1 << (depth - 8));
    const int hw = lw * scale, hh = lh * scale;
    /* the LR pixels of the cells, and the HR columns their filters read */
    const int lx0 = cx0 * cell, lx1 = cx1 * cell < lw ? cx1 * cell : lw;
    const int hx0 = lx0 * scale + f.first < 0 ? 0 : lx0 * scale + f.first;
    const int hx1 = (lx1 - 1) * scale + f.first + f.taps > hw ? hw : (lx1 - 1) * scale + f.first + f.taps;
    /* the LR pixels whose filter lies inside the picture (the kernel's);
     * those outside, at the picture's edges, read mirrored columns */
    int ix0 = lx0, ix1 = lx1;
    while (ix0 < lx1 && ix0 * scale + f.first < 0)
        ix0++;
    while (ix1 > ix0 && (ix1 - 1) * scale + f.first + f.taps > hw)
        ix1--;
    const int ncw = cx1 - cx0, nlx = lx1 - lx0;
    int failed = 0;
#pragma omp parallel if ((long)(lx1 - lx0) * (cy1 - cy0) * cell * scale > 65536)
    {
        float *col = malloc(sizeof(float) * (size_t)hw);
        float *down = malloc(sizeof(float) * 2 * (size_t)nlx), *diff = down + nlx;
        double *sum = calloc((size_t)ncw, sizeof(double));
        if (!col || !down || !sum) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int cy = cy0; cy < cy1; cy++) {
            if (!col || !down || !sum)
                continue;
            memset(sum, 0, sizeof(double) * (size_t)ncw);
            const int ly1 = (cy + 1) * cell < lh ? (cy + 1) * cell : lh;
            for (int y = cy * cell; y < ly1; y++) {
                /* vertical pass: the HR columns at LR row y */
                const int y0 = y * scale + f.first;
                const uint8_t *rows[4 * FSR_MAX_SCALE + 1];
                const uint16_t *rows16[4 * FSR_MAX_SCALE + 1];
                for (int k = 0; k < f.taps; k++) {
                    rows[k] = (const uint8_t *)hr + (ptrdiff_t)fsr_mirror(y0 + k, hh) * hr_stride + hx0 * bps;
                    rows16[k] = (const uint16_t *)(const void *)rows[k];
                }
                if (high)
                    dsp->down_vert16(col + hx0, rows16, f.w, f.taps, hx1 - hx0);
                else
                    dsp->down_vert(col + hx0, rows, f.w, f.taps, hx1 - hx0);
                /* horizontal pass; the mirrored columns beyond [hx0, hx1)
                 * are inside the picture only at its edges, where hx0 = 0
                 * or hx1 = hw */
                if (ix1 > ix0)
                    dsp->down_horz(down + ix0 - lx0, col + ix0 * scale + f.first, f.w, f.taps, scale, ix1 - ix0);
                for (int x = lx0; x < ix0; x++)
                    down[x - lx0] = down_mirrored(&f, col, x, scale, hw);
                for (int x = ix1; x < lx1; x++)
                    down[x - lx0] = down_mirrored(&f, col, x, scale, hw);
                /* compared with the decoded LR row; the cells' sums in
                 * order of x */
                const uint8_t *l = (const uint8_t *)lr + (ptrdiff_t)y * lr_stride + lx0 * bps;
                if (high)
                    dsp->lr_diff16(diff, err16 ? err16 + (size_t)y * lw + lx0 : NULL, down,
                                   (const uint16_t *)(const void *)l, nlx, depth);
                else
                    dsp->lr_diff(diff, err8 ? err8 + (size_t)y * lw + lx0 : NULL, down, l, nlx);
                for (int cx = cx0, x = lx0; cx < cx1; cx++) {
                    const int xe = (cx + 1) * cell < lx1 ? (cx + 1) * cell : lx1;
                    double t = sum[cx - cx0];
                    for (; x < xe; x++)
                        t += diff[x - lx0];
                    sum[cx - cx0] = t;
                }
            }
            if (cell_err)
                for (int cx = cx0; cx < cx1; cx++) {
                    const int n = ((cx + 1) * cell > lw ? lw - cx * cell : cell) * (ly1 - cy * cell);
                    cell_err[cy * cells_w + cx] = (float)(sum[cx - cx0] / n / unit);
                }
        }
        free(col);
        free(down);
        free(sum);
    }
    return failed ? fsr_error(FSR_ERR(ENOMEM), "lr consistency: out of memory") : 0;
}

int fsr_lr_consistency_cells(float *cell_err, int cells_w, int cells_h, int cell, const uint8_t *hr,
                             ptrdiff_t hr_stride, const uint8_t *lr, ptrdiff_t lr_stride, int lw, int lh, int scale,
                             int cx0, int cy0, int cx1, int cy1)
{
    if (!cell_err)
        return fsr_error(FSR_ERR(EINVAL), "lr consistency: NULL argument");
    return lr_error(fsr_bicubic_dsp(), cell_err, NULL, NULL, cells_w, cells_h, cell, hr, hr_stride, lr, lr_stride, lw,
                    lh, scale, cx0, cy0, cx1, cy1, 8);
}

int fsr_lr_error(float *cell_err, uint8_t *err, int cells_w, int cells_h, int cell, const uint8_t *hr,
                 ptrdiff_t hr_stride, const uint8_t *lr, ptrdiff_t lr_stride, int lw, int lh, int scale)
{
    return lr_error(fsr_bicubic_dsp(), cell_err, err, NULL, cells_w, cells_h, cell, hr, hr_stride, lr, lr_stride, lw,
                    lh, scale, 0, 0, cells_w, cells_h, 8);
}

int fsr_back_project(uint8_t *hr, ptrdiff_t hr_stride, uint8_t *err, uint8_t *up, int lw, int lh, int scale,
                     const uint8_t *cell_skip, int cell)
{
    if (!hr || !err || !up)
        return fsr_error(FSR_ERR(EINVAL), "back projection: NULL argument");
    const int hw = lw * scale, hh = lh * scale, cw = (lw + cell - 1) / cell;
    /* no correction leaks from the cells left alone into their neighbours */
    if (cell_skip)
        for (int y = 0; y < lh; y++)
            for (int cx = 0; cx < cw; cx++)
                if (cell_skip[(y / cell) * cw + cx]) {
                    const int x0 = cx * cell, n = x0 + cell < lw ? cell : lw - x0;
                    memset(err + (size_t)y * lw + x0, FSR_LR_ERROR_ZERO, (size_t)n);
                }
    int ret = fsr_bicubic_plane(up, hw, err, lw, lw, lh, scale);
    if (ret < 0)
        return ret;
    const int span = cell * scale; /* HR columns of a cell */
    const FsrBicubicDSP *dsp = fsr_bicubic_dsp();
#pragma omp parallel for schedule(static) if ((long)hw * hh > 65536)
    for (int y = 0; y < hh; y++) {
        uint8_t *row = hr + (ptrdiff_t)y * hr_stride;
        const uint8_t *u = up + (size_t)y * hw;
        const uint8_t *skip = cell_skip ? cell_skip + (size_t)(y / span) * cw : NULL;
        /* runs of cells not skipped, one kernel call each */
        for (int cx = 0, cx1; (cx1 = unskipped_run(skip, cw, &cx)) > cx; cx = cx1) {
            const int x0 = cx * span, x1 = cx1 * span < hw ? cx1 * span : hw;
            dsp->bp_add(row + x0, u + x0, x1 - x0);
        }
    }
    return 0;
}

int fsr_lr_consistency(float *cell_err, int cells_w, int cells_h, int cell, const uint8_t *hr, ptrdiff_t hr_stride,
                       const uint8_t *lr, ptrdiff_t lr_stride, int lw, int lh, int scale)
{
    return fsr_lr_consistency_cells(cell_err, cells_w, cells_h, cell, hr, hr_stride, lr, lr_stride, lw, lh, scale,
                                    0, 0, cells_w, cells_h);
}

/* ---- 16-bit pictures ---- */

int fsr_lr_consistency_cells16(float *cell_err, int cells_w, int cells_h, int cell, const uint16_t *hr,
                               ptrdiff_t hr_stride, const uint16_t *lr, ptrdiff_t lr_stride, int lw, int lh, int scale,
                               int cx0, int cy0, int cx1, int cy1, int depth)
{
    if (!cell_err)
        return fsr_error(FSR_ERR(EINVAL), "lr consistency: NULL argument");
    return lr_error(fsr_bicubic_dsp(), cell_err, NULL, NULL, cells_w, cells_h, cell, hr, hr_stride, lr, lr_stride, lw,
                    lh, scale, cx0, cy0, cx1, cy1, depth);
}

int fsr_lr_error16(float *cell_err, int16_t *err, int cells_w, int cells_h, int cell, const uint16_t *hr,
                   ptrdiff_t hr_stride, const uint16_t *lr, ptrdiff_t lr_stride, int lw, int lh, int scale, int depth)
{
    return lr_error(fsr_bicubic_dsp(), cell_err, NULL, err, cells_w, cells_h, cell, hr, hr_stride, lr, lr_stride, lw,
                    lh, scale, 0, 0, cells_w, cells_h, depth);
}

/* The error is upscaled as the byte one is, offset and all: biased by
 * 32768 into uint16_t (in place, undone after) and upscaled by
 * fsr_bicubic_plane16 at 16 bits, whose weights sum to one so the bias
 * passes through (to a few thousandths of a quarter level); that is the
 * threaded SIMD plane path, where fsr_bicubic_plane_s16 takes its
 * per-pixel reference beyond 64 columns.  The clip at 0 and 65535 is
 * reached only by errors near the clamp of fsr_lr_error_q16 at 15 and 16
 * bits. */
int fsr_back_project16(uint16_t *hr, ptrdiff_t hr_stride, int16_t *err, int16_t *up, int lw, int lh, int scale,
                       const uint8_t *cell_skip, int cell, int depth)
{
    if (!hr || !err || !up)
        return fsr_error(FSR_ERR(EINVAL), "back projection: NULL argument");
    if (depth < 8 || depth > 16 || cell <= 0 || !fsr_scale_supported(scale) || lw <= 0 || lh <= 0 ||
        lw > LRC_MAX_DIM / scale || lh > LRC_MAX_DIM / scale || hr_stride < (ptrdiff_t)lw * scale * 2)
        return fsr_error(FSR_ERR(EINVAL), "back projection: bad arguments");
    const int hw = lw * scale, hh = lh * scale, cw = (lw + cell - 1) / cell, max = (1 << depth) - 1;
    const size_t n = (size_t)lw * lh;
    if (cell_skip)
        for (int y = 0; y < lh; y++)
            for (int cx = 0; cx < cw; cx++)
                if (cell_skip[(y / cell) * cw + cx]) {
                    const int x0 = cx * cell, k = x0 + cell < lw ? cell : lw - x0;
                    memset(err + (size_t)y * lw + x0, 0, sizeof(int16_t) * (size_t)k);
                }
    uint16_t *eu = (uint16_t *)err, *uu = (uint16_t *)up;
    for (size_t i = 0; i < n; i++)
        eu[i] = (uint16_t)(err[i] + 32768);
    int ret = fsr_bicubic_plane16(uu, (ptrdiff_t)hw * 2, eu, (ptrdiff_t)lw * 2, lw, lh, scale, 65535);
    for (size_t i = 0; i < n; i++)
        err[i] = (int16_t)(eu[i] - 32768);
    if (ret < 0)
        return ret;
    const int span = cell * scale;
    const FsrBicubicDSP *dsp = fsr_bicubic_dsp();
#pragma omp parallel for schedule(static) if ((long)hw * hh > 65536)
    for (int y = 0; y < hh; y++) {
        uint16_t *row = (uint16_t *)(void *)((uint8_t *)hr + (ptrdiff_t)y * hr_stride);
        const uint16_t *u = uu + (size_t)y * hw;
        const uint8_t *skip = cell_skip ? cell_skip + (size_t)(y / span) * cw : NULL;
        for (int cx = 0, cx1; (cx1 = unskipped_run(skip, cw, &cx)) > cx; cx = cx1) {
            const int x0 = cx * span, x1 = cx1 * span < hw ? cx1 * span : hw;
            dsp->bp_add16(row + x0, u + x0, x1 - x0, max);
        }
    }
    return 0;
}
