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

/* The downscale filter at an integer scale s: LR pixel i reads HR pixels
 * i*s + first .. i*s + first + taps - 1 (mirrored at the borders) with
 * weights w, the Keys kernel stretched by s and normalised. */
typedef struct DownFilter {
    int first, taps;
    float w[4 * FSR_MAX_SCALE + 1];
} DownFilter;

static void down_filter(DownFilter *f, int s)
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

/* The LR error of the cells [cx0, cx1) x [cy0, cy1): per cell the mean
 * |downscale(HR) - LR| into cell_err (when not NULL), per LR pixel
 * fsr_lr_error_byte(LR - downscale(HR)) into err (when not NULL, lw bytes a
 * row).  Cell rows are independent (each sums its own LR rows in order),
 * so they run in parallel with the same result for any thread count. */
static int lr_error(float *cell_err, uint8_t *err, int cells_w, int cells_h, int cell, const uint8_t *hr,
                    ptrdiff_t hr_stride, const uint8_t *lr, ptrdiff_t lr_stride, int lw, int lh, int scale, int cx0,
                    int cy0, int cx1, int cy1)
{
    if (!hr || !lr || (!cell_err && !err))
        return fsr_error(FSR_ERR(EINVAL), "lr consistency: NULL argument");
    if (!fsr_scale_supported(scale) || lw <= 0 || lh <= 0 || lw > LRC_MAX_DIM / scale || lh > LRC_MAX_DIM / scale ||
        cell <= 0 || cells_w != (lw + cell - 1) / cell || cells_h != (lh + cell - 1) / cell || lr_stride < lw ||
        hr_stride < (ptrdiff_t)lw * scale || cx0 < 0 || cy0 < 0 || cx1 > cells_w || cy1 > cells_h || cx0 >= cx1 ||
        cy0 >= cy1)
        return fsr_error(FSR_ERR(EINVAL), "lr consistency: bad sizes");
    DownFilter f;
    down_filter(&f, scale);
    const int hw = lw * scale, hh = lh * scale;
    /* the LR pixels of the cells, and the HR columns their filters read */
    const int lx0 = cx0 * cell, lx1 = cx1 * cell < lw ? cx1 * cell : lw;
    const int hx0 = lx0 * scale + f.first < 0 ? 0 : lx0 * scale + f.first;
    const int hx1 = (lx1 - 1) * scale + f.first + f.taps > hw ? hw : (lx1 - 1) * scale + f.first + f.taps;
    const int ncw = cx1 - cx0;
    int failed = 0;
#pragma omp parallel if ((long)(lx1 - lx0) * (cy1 - cy0) * cell * scale > 65536)
    {
        float *col = malloc(sizeof(float) * (size_t)hw);
        double *sum = calloc((size_t)ncw, sizeof(double));
        if (!col || !sum) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int cy = cy0; cy < cy1; cy++) {
            if (!col || !sum)
                continue;
            memset(sum, 0, sizeof(double) * (size_t)ncw);
            const int ly1 = (cy + 1) * cell < lh ? (cy + 1) * cell : lh;
            for (int y = cy * cell; y < ly1; y++) {
                /* vertical pass: the HR columns at LR row y */
                const int y0 = y * scale + f.first;
                for (int x = hx0; x < hx1; x++)
                    col[x] = 0;
                for (int k = 0; k < f.taps; k++) {
                    const uint8_t *row = hr + (ptrdiff_t)fsr_mirror(y0 + k, hh) * hr_stride;
                    const float wk = f.w[k];
                    for (int x = hx0; x < hx1; x++)
                        col[x] += wk * row[x];
                }
                /* horizontal pass, compared with the decoded LR row; the
                 * mirrored columns beyond [hx0, hx1) are inside the picture
                 * only at its edges, where hx0 = 0 or hx1 = hw */
                const uint8_t *l = lr + (ptrdiff_t)y * lr_stride;
                for (int x = lx0; x < lx1; x++) {
                    const int x0 = x * scale + f.first;
                    float d = 0;
                    if (x0 >= 0 && x0 + f.taps <= hw) {
                        for (int k = 0; k < f.taps; k++)
                            d += f.w[k] * col[x0 + k];
                    } else {
                        for (int k = 0; k < f.taps; k++)
                            d += f.w[k] * col[fsr_mirror(x0 + k, hw)];
                    }
                    sum[x / cell - cx0] += fabsf(d - (float)l[x]);
                    if (err)
                        err[(size_t)y * lw + x] = fsr_lr_error_byte((float)l[x] - d);
                }
            }
            if (cell_err)
                for (int cx = cx0; cx < cx1; cx++) {
                    const int n = ((cx + 1) * cell > lw ? lw - cx * cell : cell) * (ly1 - cy * cell);
                    cell_err[cy * cells_w + cx] = (float)(sum[cx - cx0] / n);
                }
        }
        free(col);
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
    return lr_error(cell_err, NULL, cells_w, cells_h, cell, hr, hr_stride, lr, lr_stride, lw, lh, scale, cx0, cy0,
                    cx1, cy1);
}

int fsr_lr_error(float *cell_err, uint8_t *err, int cells_w, int cells_h, int cell, const uint8_t *hr,
                 ptrdiff_t hr_stride, const uint8_t *lr, ptrdiff_t lr_stride, int lw, int lh, int scale)
{
    return lr_error(cell_err, err, cells_w, cells_h, cell, hr, hr_stride, lr, lr_stride, lw, lh, scale, 0, 0,
                    cells_w, cells_h);
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
#pragma omp parallel for schedule(static) if ((long)hw * hh > 65536)
    for (int y = 0; y < hh; y++) {
        uint8_t *row = hr + (ptrdiff_t)y * hr_stride;
        const uint8_t *u = up + (size_t)y * hw;
        const uint8_t *skip = cell_skip ? cell_skip + (size_t)(y / span) * cw : NULL;
        for (int cx = 0; cx < cw; cx++) {
            if (skip && skip[cx])
                continue;
            const int x1 = (cx + 1) * span < hw ? (cx + 1) * span : hw;
            for (int x = cx * span; x < x1; x++) {
                const int v = row[x] + fsr_lr_error_value(u[x]);
                row[x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
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
