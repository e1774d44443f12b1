#include "transfer_internal.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/bicubic.h"
#include "bicubic_internal.h"
#include "cpu.h"
#include "h264_mc.h"
#include "hrmc.h"
#include "log.h"

/* Largest HR block: a 16x16 macroblock at x4. */
#define MAX_HR_BLOCK (16 * FSR_MAX_SCALE)

/* Sub-pel refinement (FsrTransferSettings.refine), README "Sub-pel
 * refinement": a block's vector is the encoder's choice at LR quarter-pel
 * precision and at a rate cost, one per block, while the HR detail the
 * transfer carries needs the true motion at HR precision (a zoom moves
 * every part of a block differently).  Each REFINE_CELL x REFINE_CELL LR
 * cell takes one Lucas-Kanade step on the LR consistency of its
 * prediction: with D the antialiased downscale, P(v) the HR prediction,
 * e = LR - D(P(v)) and G the gradient of D(P(v)), the shift d minimising
 * |e - d.G|^2 + REFINE_LAMBDA |d|^2 per pixel, rounded to HR quarter pels
 * and clamped to the rounding of the LR vector (refine_block's range).
 * The coded residual is kept (out += P(v + d) - P(v)): the LR band the
 * shift changes is left for the LR-consistency pass after the transfer to
 * see (region SR, back projection).  Only single-list, unweighted blocks of
 * referenced P pictures (the chain every other picture reads from; B
 * references serve only their neighbouring B pictures).  Cell size,
 * lambda, range and which pictures: measured, the README gives the
 * figures. */
#define REFINE_CELL 4
#define REFINE_LAMBDA 64.0
/* the HR rows or columns the downscale of a 16-pixel block and one LR
 * pixel around it reads: (16 + 1) * s + taps, taps <= 4 * s + 1 */
#define REFINE_HR_MAX (21 * FSR_MAX_SCALE + 1)
#define REFINE_LR_MAX (16 + 2)

struct FsrTransfer {
    FsrTransferSettings s;
    FsrHrFilter filter;
    FsrHrMcDSP dsp;
    FsrUpResPhases res_phases;
    int threads;
    /* the LR-consistency downscale and its kernels */
    const FsrBicubicDSP *bdsp;
    FsrDownFilter down;
};

void fsr_transfer_defaults(FsrTransferSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->scale = 2;
    s->filter = NULL;
    s->fallback = FSR_TRANSFER_DEFAULT_FALLBACK;
}

int fsr_transfer_open(FsrTransfer **pt, const FsrTransferSettings *s)
{
    *pt = NULL;
    if (!s || !fsr_scale_supported(s->scale))
        return fsr_error(FSR_ERR(EINVAL), "transfer: scale must be 2..%d", FSR_MAX_SCALE);
    FsrTransfer *t = calloc(1, sizeof(*t));
    if (!t)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    t->s = *s;
    const char *name = s->filter ? s->filter : FSR_TRANSFER_DEFAULT_FILTER;
    if (fsr_hr_filter_parse(&t->filter, name) < 0) {
        free(t);
        return fsr_error(FSR_ERR(EINVAL),
                         "unknown HR filter '%s' (bilinear, bicubic, h264 or cubic:A with A in [-1, 0])", name);
    }
    t->s.filter = NULL;
    fsr_hrmc_dsp_init(&t->dsp, fsr_cpu_flags());
    fsr_upres_phases(&t->res_phases, s->scale);
    t->threads = s->threads > 0 ? s->threads : omp_get_max_threads();
    t->bdsp = fsr_bicubic_dsp();
    fsr_down_filter(&t->down, s->scale);
    *pt = t;
    return 0;
}

void fsr_transfer_close(FsrTransfer **pt)
{
    free(*pt);
    *pt = NULL;
}

typedef struct BlockJob {
    FsrTransfer *t;
    FsrPicture *hr;
    const FsrPicture *lr;
    const FsrBlockMap *map;
    FsrRefLookup lookup;
    void *opaque;
} BlockJob;

enum { DID_COPY, DID_RESIDUAL, DID_INTRA, DID_FALLBACK, DID_NOREF };

/* Transfers one block (clipped to the displayed picture: x, y, w, h in LR
 * display coordinates); returns what it did, and the residual sum. */
/* The HR luma prediction of block b from list l's reference (HR block at
 * hx, hy, hw x hh; the LR vector scaled by s). */
static void predict(const FsrTransfer *t, uint8_t *dst, ptrdiff_t ds, const FsrPicture *ref, const FsrBlock *b,
                    int l, int hx, int hy, int hw, int hh, int s)
{
    const FsrPlaneRef r = { ref->data[0], ref->stride[0], ref->w, ref->h, 0 };
    t->dsp.mc(dst, ds, &r, hx, hy, hw, hh, b->mv[l][0] * s, b->mv[l][1] * s, &t->filter);
}

/* predict() for high-depth references */
static void predict16(const FsrTransfer *t, uint16_t *dst, ptrdiff_t ds, const FsrPicture *ref, const FsrBlock *b,
                      int l, int hx, int hy, int hw, int hh, int s, int maxv)
{
    const FsrPlaneRef r = { ref->data[0], ref->stride[0], ref->w, ref->h, 0 };
    t->dsp.mc16(dst, ds, &r, hx, hy, hw, hh, b->mv[l][0] * s, b->mv[l][1] * s, &t->filter, maxv);
}

/* 1: list l of block b carries explicit weights or offsets (H.264
 * 8.4.2.3), which a single-list prediction must apply */
static int block_weighted(const FsrBlock *b, int l)
{
    return b->log2_denom[0] != 0 || b->weight[l][0] != 1 || b->offset[l][0] != 0;
}

/* The HR prediction of an inter block from refs (either may be NULL) with
 * the block's weights, into out; high-depth pictures take the 16-bit
 * kernels, whose H.264 offsets scale with the depth (8-291). */
static void predict_block(const FsrTransfer *t, uint8_t *out, ptrdiff_t os, const FsrPicture *const refs[2],
                          const FsrBlock *b, int hx, int hy, int hw, int hh, int s, int depth)
{
    const int high = depth > 8, maxv = (1 << depth) - 1, osh = depth - 8;
    if (refs[0] && refs[1]) {
        /* list 0 straight into the picture, list 1 beside it, combined;
         * equal weights without offsets (x264's implicit weights for a B
         * frame halfway between its references, 32/32 in 1/64) are the
         * plain average */
        const int plain = b->log2_denom[0] >= 0 && b->log2_denom[0] < 8 &&
                          b->weight[0][0] == 1 << b->log2_denom[0] && b->weight[1][0] == b->weight[0][0] &&
                          !b->offset[0][0] && !b->offset[1][0];
        const int o = ((b->offset[0][0] + b->offset[1][0] + 1) >> 1) * (1 << osh);
        if (high) {
            uint16_t p1[MAX_HR_BLOCK * MAX_HR_BLOCK];
            const ptrdiff_t ps = MAX_HR_BLOCK * sizeof(uint16_t);
            predict16(t, (uint16_t *)out, os, refs[0], b, 0, hx, hy, hw, hh, s, maxv);
            predict16(t, p1, ps, refs[1], b, 1, hx, hy, hw, hh, s, maxv);
            if (plain)
                t->dsp.avg16((uint16_t *)out, os, p1, ps, hw, hh);
            else
                t->dsp.biweight16((uint16_t *)out, os, p1, ps, hw, hh, b->log2_denom[0], b->weight[0][0],
                                  b->weight[1][0], o, maxv);
        } else {
            uint8_t p1[MAX_HR_BLOCK * MAX_HR_BLOCK];
            predict(t, out, os, refs[0], b, 0, hx, hy, hw, hh, s);
            predict(t, p1, MAX_HR_BLOCK, refs[1], b, 1, hx, hy, hw, hh, s);
            if (plain)
                t->dsp.avg(out, os, p1, MAX_HR_BLOCK, hw, hh);
            else
                t->dsp.biweight(out, os, p1, MAX_HR_BLOCK, hw, hh, b->log2_denom[0], b->weight[0][0],
                                b->weight[1][0], o);
        }
        return;
    }
    const int l = refs[0] ? 0 : 1;
    const int weighted = block_weighted(b, l);
    if (high) {
        predict16(t, (uint16_t *)out, os, refs[l], b, l, hx, hy, hw, hh, s, maxv);
        if (weighted)
            fsr_h264_weight16((uint16_t *)out, os, hw, hh, b->log2_denom[0], b->weight[l][0],
                              b->offset[l][0] * (1 << osh), maxv);
    } else {
        predict(t, out, os, refs[l], b, l, hx, hy, hw, hh, s);
        if (weighted)
            fsr_h264_weight(out, os, hw, hh, b->log2_denom[0], b->weight[l][0], b->offset[l][0]);
    }
}

/* FsrTransferSettings.refine on single-list block b (list l, reference
 * ref), transferred at LR (x, y, w, h): see REFINE_CELL.  Either depth:
 * the 16-bit planes take the 16-bit kernels, and lambda scales with the
 * square of a level (e and G are in the depth's levels).  Returns the
 * cells whose vector moved. */
static int refine_block(const BlockJob *j, const FsrBlock *b, const FsrPicture *ref, int l, int x, int y, int w,
                        int h)
{
    const FsrTransfer *t = j->t;
    const int s = t->s.scale, first = t->down.first, taps = t->down.taps;
    const int depth = fsr_picture_depth(j->lr), high = depth > 8, maxv = (1 << depth) - 1;
    /* HR quarter pels each way: the rounding of the LR quarter-pel vector,
     * 1/8 LR pixel, is s / 2 of them */
    const int range = (s + 1) / 2;
    const FsrPlaneRef r = { ref->data[0], ref->stride[0], ref->w, ref->h, 0 };
    const int vx = b->mv[l][0] * s, vy = b->mv[l][1] * s;
    /* D(P(v)) over the block and one LR pixel around it (the gradient's
     * central differences); pred holds samples of either width */
    const int ow = w + 2, oh = h + 2;
    const int rx = (x - 1) * s + first, ry = (y - 1) * s + first;
    const int rw = (ow - 1) * s + taps, rh = (oh - 1) * s + taps;
    uint16_t pred[REFINE_HR_MAX * REFINE_HR_MAX];
    const ptrdiff_t ps = REFINE_HR_MAX * (high ? 2 : 1); /* bytes */
    float dp[REFINE_LR_MAX * REFINE_LR_MAX], col[REFINE_HR_MAX];
    if (high)
        t->dsp.mc16(pred, ps, &r, rx, ry, rw, rh, vx, vy, &t->filter, maxv);
    else
        t->dsp.mc((uint8_t *)pred, ps, &r, rx, ry, rw, rh, vx, vy, &t->filter);
    for (int jy = 0; jy < oh; jy++) {
        const void *rows[4 * FSR_MAX_SCALE + 1];
        for (int k = 0; k < taps; k++)
            rows[k] = (const uint8_t *)pred + (jy * s + k) * ps;
        if (high)
            t->bdsp->down_vert16(col, (const uint16_t *const *)rows, t->down.w, taps, rw);
        else
            t->bdsp->down_vert(col, (const uint8_t *const *)rows, t->down.w, taps, rw);
        t->bdsp->down_horz(dp + jy * REFINE_LR_MAX, col, t->down.w, taps, s, ow);
    }
    const uint8_t *lr = j->lr->data[0];
    const ptrdiff_t ls = j->lr->stride[0], os = j->hr->stride[0];
    const double level = (double)(1 << (depth - 8));
    int moved = 0;
    for (int cy = 0; cy < h; cy += REFINE_CELL)
        for (int cx = 0; cx < w; cx += REFINE_CELL) {
            const int cw = w - cx < REFINE_CELL ? w - cx : REFINE_CELL;
            const int ch = h - cy < REFINE_CELL ? h - cy : REFINE_CELL;
            double gxx = 0, gxy = 0, gyy = 0, bx = 0, by = 0;
            for (int iy = cy + 1; iy <= cy + ch; iy++)
                for (int ix = cx + 1; ix <= cx + cw; ix++) {
                    const float *d = dp + iy * REFINE_LR_MAX + ix;
                    const uint8_t *lrow = lr + (ptrdiff_t)(y + iy - 1) * ls;
                    const int lx = x + ix - 1;
                    const float e = (high ? ((const uint16_t *)lrow)[lx] : lrow[lx]) - d[0];
                    const float gx = 0.5f * (d[1] - d[-1]);
                    const float gy = 0.5f * (d[REFINE_LR_MAX] - d[-REFINE_LR_MAX]);
                    gxx += gx * gx, gxy += gx * gy, gyy += gy * gy;
                    bx += gx * e, by += gy * e;
                }
            const double lambda = REFINE_LAMBDA * level * level * cw * ch;
            gxx += lambda, gyy += lambda;
            const double det = gxx * gyy - gxy * gxy; /* > 0: lambda > 0 */
            /* the shift in LR pixels, then HR quarter pels */
            const double dx = (gyy * bx - gxy * by) / det, dy = (gxx * by - gxy * bx) / det;
            int qx = (int)lrint(dx * s * 4), qy = (int)lrint(dy * s * 4);
            qx = qx < -range ? -range : qx > range ? range : qx;
            qy = qy < -range ? -range : qy > range ? range : qy;
            if (!qx && !qy)
                continue;
            moved++;
            const int hx = (x + cx) * s, hy = (y + cy) * s, hw = cw * s, hh = ch * s;
            uint16_t moved_pred[REFINE_CELL * FSR_MAX_SCALE * REFINE_CELL * FSR_MAX_SCALE];
            const int mw = REFINE_CELL * FSR_MAX_SCALE; /* samples a row */
            const int ox = hx - rx, oy = hy - ry;      /* P(v) of this cell inside pred */
            if (high) {
                t->dsp.mc16(moved_pred, mw * 2, &r, hx, hy, hw, hh, vx + qx, vy + qy, &t->filter, maxv);
                for (int py = 0; py < hh; py++) {
                    uint16_t *out = (uint16_t *)(j->hr->data[0] + (ptrdiff_t)(hy + py) * os) + hx;
                    const uint16_t *old = pred + (oy + py) * REFINE_HR_MAX + ox;
                    for (int px = 0; px < hw; px++) {
                        const int v = out[px] + moved_pred[py * mw + px] - old[px];
                        out[px] = (uint16_t)(v < 0 ? 0 : v > maxv ? maxv : v);
                    }
                }
            } else {
                uint8_t *mp = (uint8_t *)moved_pred;
                t->dsp.mc(mp, mw, &r, hx, hy, hw, hh, vx + qx, vy + qy, &t->filter);
                for (int py = 0; py < hh; py++) {
                    uint8_t *out = j->hr->data[0] + (ptrdiff_t)(hy + py) * os + hx;
                    const uint8_t *old = (const uint8_t *)pred + (oy + py) * ps + ox;
                    for (int px = 0; px < hw; px++) {
                        const int v = out[px] + mp[py * mw + px] - old[px];
                        out[px] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
                    }
                }
            }
        }
    return moved;
}

static int transfer_block(const BlockJob *j, const FsrBlock *b, int x, int y, int w, int h, double *res_sum,
                          int *refined)
{
    FsrTransfer *t = j->t;
    const int s = t->s.scale;
    const FsrBlockMap *map = j->map;
    const int depth = fsr_picture_depth(j->hr), bps = fsr_picture_bps(j->hr);
    uint8_t *out = j->hr->data[0] + (ptrdiff_t)y * s * j->hr->stride[0] + x * s * bps;
    const ptrdiff_t os = j->hr->stride[0];
    int did = DID_COPY;

    if (b->kind == FSR_BLOCK_INTRA || !b->lists)
        did = DID_INTRA;
    else if (b->flags & FSR_BLOCK_NO_REF)
        did = DID_NOREF;
    /* residual of the (coded) block, luma */
    const int16_t *res = map->residual[0] + (ptrdiff_t)(y + map->crop_top) * map->residual_stride[0] +
                         (x + map->crop_left);
    const ptrdiff_t rs = map->residual_stride[0];
    int sum = 0; /* an integer sum vectorises; <= 16 * 16 * 2^15 */
    if (did == DID_COPY && !(b->flags & FSR_BLOCK_ZERO_RESIDUAL)) {
        for (int jy = 0; jy < h; jy++)
            for (int ix = 0; ix < w; ix++)
                sum += abs(res[jy * rs + ix]);
        /* the threshold is in 8-bit levels */
        if (t->s.fallback > 0 && sum >= t->s.fallback * (1 << (depth - 8)) * w * h)
            did = DID_FALLBACK;
        else if (sum > 0)
            did = DID_RESIDUAL;
    }
    const FsrPicture *refs[2] = { NULL, NULL };
    for (int l = 0; l < 2 && (did == DID_COPY || did == DID_RESIDUAL); l++)
        if (b->lists & (1 << l)) {
            refs[l] = j->lookup(j->opaque, b->ref[l]);
            if (!refs[l])
                did = DID_NOREF;
        }
    if (did == DID_INTRA || did == DID_NOREF || did == DID_FALLBACK) {
        fsr_bicubic_luma_region(out, os, j->lr, s, x, y, w, h);
        return did;
    }
    *res_sum = sum;
    predict_block(t, out, os, refs, b, x * s, y * s, w * s, h * s, s, depth);
    if (did == DID_RESIDUAL) {
        if (depth > 8)
            t->dsp.add_up_residual16((uint16_t *)out, os, res, rs, w, h, &t->res_phases, (1 << depth) - 1);
        else
            t->dsp.add_up_residual(out, os, res, rs, w, h, &t->res_phases);
    }
    if (t->s.refine && map->is_ref && map->type != 'B' && !refs[0] != !refs[1]) {
        const int l = refs[0] ? 0 : 1;
        if (!block_weighted(b, l))
            *refined = refine_block(j, b, refs[l], l, x, y, w, h);
    }
    return did;
}

/* H.264's filter for one edge sample across (p1 p0 | q0 q1), at fixed
 * thresholds (in 8-bit levels, scaled to the depth as H.264 scales them):
 * it smooths small steps, which are block seams, and leaves large ones,
 * which are edges of the picture content. */
static inline void deblock_sample(int *p0, int *q0, int a, int d, int sh, int maxv)
{
    const int ALPHA = 16 << sh, BETA = 4 << sh, TC = 2 << sh;
    const int b = *p0, c = *q0;
    if (abs(b - c) >= ALPHA || abs(a - b) >= BETA || abs(d - c) >= BETA)
        return;
    int delta = ((c - b) * 4 + (a - d) + 4) >> 3;
    delta = delta < -TC ? -TC : delta > TC ? TC : delta;
    const int nb = b + delta, nc = c - delta;
    *p0 = nb < 0 ? 0 : nb > maxv ? maxv : nb;
    *q0 = nc < 0 ? 0 : nc > maxv ? maxv : nc;
}

#define DEBLOCK_LUMA(name, pixel)                                                                            \
    static void name(FsrPicture *hr, int grid, int threads)                                                   \
    {                                                                                                        \
        pixel *d = (pixel *)hr->data[0];                                                                     \
        const ptrdiff_t st = hr->stride[0] / (ptrdiff_t)sizeof(pixel);                                       \
        const int sh = fsr_picture_depth(hr) - 8, maxv = (1 << fsr_picture_depth(hr)) - 1;                   \
        _Pragma("omp parallel for schedule(static) num_threads(threads)")                                     \
        for (int y = 0; y < hr->h; y++)                                                                      \
            for (int x = grid; x < hr->w; x += grid) {                                                       \
                pixel *r = d + y * st + x;                                                                   \
                int p0 = r[-1], q0 = r[0];                                                                   \
                deblock_sample(&p0, &q0, r[-2], r[1], sh, maxv);                                             \
                r[-1] = (pixel)p0, r[0] = (pixel)q0;                                                         \
            }                                                                                                \
        _Pragma("omp parallel for schedule(static) num_threads(threads)")                                     \
        for (int y = grid; y < hr->h; y += grid)                                                             \
            for (int x = 0; x < hr->w; x++) {                                                                \
                pixel *c = d + y * st + x;                                                                   \
                int p0 = c[-st], q0 = c[0];                                                                  \
                deblock_sample(&p0, &q0, c[-2 * st], c[st], sh, maxv);                                       \
                c[-st] = (pixel)p0, c[0] = (pixel)q0;                                                        \
            }                                                                                                \
    }

DEBLOCK_LUMA(deblock_luma8, uint8_t)
DEBLOCK_LUMA(deblock_luma16, uint16_t)

/* Plane c of hr as the bicubic upscale of lr's, at either depth. */
static int bicubic_plane(FsrPicture *hr, const FsrPicture *lr, int c, int s)
{
    const int w = c ? fsr_chroma_w(lr->w) : lr->w, h = c ? fsr_chroma_h(lr->h) : lr->h;
    if (fsr_picture_high(lr))
        return fsr_bicubic_plane16((uint16_t *)hr->data[c], hr->stride[c], (const uint16_t *)lr->data[c],
                                   lr->stride[c], w, h, s, (1 << fsr_picture_depth(lr)) - 1);
    return fsr_bicubic_plane(hr->data[c], hr->stride[c], lr->data[c], lr->stride[c], w, h, s);
}

int fsr_transfer_frame(FsrTransfer *t, FsrPicture *hr, const FsrPicture *lr, const FsrBlockMap *map,
                       FsrRefLookup lookup, void *opaque, FsrTransferStats *stats)
{
    const int s = t->s.scale;
    if (!hr || !lr || !map || !lookup)
        return fsr_error(FSR_ERR(EINVAL), "transfer: NULL argument");
    if (hr->w != lr->w * s || hr->h != lr->h * s)
        return fsr_error(FSR_ERR(EINVAL), "transfer: HR picture is %dx%d, expected %dx%d", hr->w, hr->h, lr->w * s,
                         lr->h * s);
    if (!map->side_info || map->width != lr->w || map->height != lr->h)
        return fsr_error(FSR_ERR(EINVAL), "transfer: block map does not describe this %dx%d picture", lr->w, lr->h);
    const int depth = fsr_picture_depth(lr);
    if (fsr_picture_depth(hr) != depth)
        return fsr_error(FSR_ERR(EINVAL), "transfer: HR picture is %d-bit, LR %d-bit", fsr_picture_depth(hr), depth);
    /* chroma: bicubic of the decoded chroma, as in every mode */
    for (int c = 1; c < 3; c++) {
        int ret = bicubic_plane(hr, lr, c, s);
        if (ret < 0)
            return ret;
    }
    /* A map that leaves part of the picture uncovered (damaged stream)
     * gets bicubic underneath, so no stale pixels survive. */
    int64_t covered = 0;
    for (int i = 0; i < map->nb_blocks; i++)
        covered += (int64_t)map->blocks[i].w * map->blocks[i].h;
    if (covered < (int64_t)map->coded_w * map->coded_h) {
        int ret = bicubic_plane(hr, lr, 0, s);
        if (ret < 0)
            return ret;
    }
    const BlockJob job = { t, hr, lr, map, lookup, opaque };
    int64_t area[5] = { 0 };
    double res_sum = 0;
    int64_t refined = 0;
    /* Blocks write disjoint HR regions and only read the references. */
#pragma omp parallel for schedule(dynamic, 16) num_threads(t->threads) reduction(+ : res_sum) \
    reduction(+ : area[:5]) reduction(+ : refined)
    for (int i = 0; i < map->nb_blocks; i++) {
        const FsrBlock *b = &map->blocks[i];
        int x, y, w, h;
        if (!fsr_block_clip(map, b, lr->w, lr->h, &x, &y, &w, &h))
            continue;
        double sum = 0;
        int moved = 0;
        const int did = transfer_block(&job, b, x, y, w, h, &sum, &moved);
        area[did] += (int64_t)w * h;
        res_sum += sum;
        refined += moved;
    }
    if (t->s.deblock) {
        if (depth > 8)
            deblock_luma16(hr, 8 * s, t->threads);
        else
            deblock_luma8(hr, 8 * s, t->threads);
    }
    if (stats) {
        memset(stats, 0, sizeof(*stats));
        stats->area_copied = area[DID_COPY];
        stats->area_residual = area[DID_RESIDUAL];
        stats->area_intra = area[DID_INTRA];
        stats->area_fallback = area[DID_FALLBACK];
        stats->area_noref = area[DID_NOREF];
        stats->area_total = (int64_t)lr->w * lr->h;
        stats->residual_abs_sum = res_sum;
        stats->cells_refined = refined;
    }
    return 0;
}
