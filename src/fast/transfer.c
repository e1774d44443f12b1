#include "transfer_internal.h"

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

struct FsrTransfer {
    FsrTransferSettings s;
    FsrHrFilter filter;
    FsrHrMcDSP dsp;
    FsrUpResPhases res_phases;
    int threads;
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

static int transfer_block(const BlockJob *j, const FsrBlock *b, int x, int y, int w, int h, double *res_sum)
{
    FsrTransfer *t = j->t;
    const int s = t->s.scale;
    const FsrBlockMap *map = j->map;
    uint8_t *out = j->hr->data[0] + (ptrdiff_t)y * s * j->hr->stride[0] + x * s;
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
        if (t->s.fallback > 0 && sum >= t->s.fallback * w * h)
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
        fsr_bicubic_region(out, os, j->lr->data[0], j->lr->stride[0], j->lr->w, j->lr->h, s, x, y, w, h);
        return did;
    }
    *res_sum = sum;

    const int hx = x * s, hy = y * s, hw = w * s, hh = h * s;
    if (refs[0] && refs[1]) {
        /* list 0 straight into the picture, list 1 beside it, combined;
         * equal weights without offsets (x264's implicit weights for a B
         * frame halfway between its references, 32/32 in 1/64) are the
         * plain average */
        const int plain = b->log2_denom[0] >= 0 && b->log2_denom[0] < 8 &&
                          b->weight[0][0] == 1 << b->log2_denom[0] && b->weight[1][0] == b->weight[0][0] &&
                          !b->offset[0][0] && !b->offset[1][0];
        uint8_t p1[MAX_HR_BLOCK * MAX_HR_BLOCK];
        predict(t, out, os, refs[0], b, 0, hx, hy, hw, hh, s);
        predict(t, p1, MAX_HR_BLOCK, refs[1], b, 1, hx, hy, hw, hh, s);
        if (plain)
            t->dsp.avg(out, os, p1, MAX_HR_BLOCK, hw, hh);
        else
            t->dsp.biweight(out, os, p1, MAX_HR_BLOCK, hw, hh, b->log2_denom[0], b->weight[0][0], b->weight[1][0],
                        (b->offset[0][0] + b->offset[1][0] + 1) >> 1);
    } else {
        const int l = refs[0] ? 0 : 1;
        predict(t, out, os, refs[l], b, l, hx, hy, hw, hh, s);
        if (b->log2_denom[0] != 0 || b->weight[l][0] != 1 || b->offset[l][0] != 0)
            fsr_h264_weight(out, os, hw, hh, b->log2_denom[0], b->weight[l][0], b->offset[l][0]);
    }
    if (did == DID_RESIDUAL)
        t->dsp.add_up_residual(out, os, res, rs, w, h, &t->res_phases);
    return did;
}

/* H.264's filter for one edge sample across (p1 p0 | q0 q1), at fixed
 * thresholds: it smooths small steps, which are block seams, and leaves
 * large ones, which are edges of the picture content. */
static inline void deblock_sample(uint8_t *p1, uint8_t *p0, uint8_t *q0, uint8_t *q1)
{
    enum { ALPHA = 16, BETA = 4, TC = 2 };
    const int a = *p1, b = *p0, c = *q0, d = *q1;
    if (abs(b - c) >= ALPHA || abs(a - b) >= BETA || abs(d - c) >= BETA)
        return;
    int delta = ((c - b) * 4 + (a - d) + 4) >> 3;
    delta = delta < -TC ? -TC : delta > TC ? TC : delta;
    const int nb = b + delta, nc = c - delta;
    *p0 = (uint8_t)(nb < 0 ? 0 : nb > 255 ? 255 : nb);
    *q0 = (uint8_t)(nc < 0 ? 0 : nc > 255 ? 255 : nc);
}

static void deblock_luma(FsrPicture *hr, int grid, int threads)
{
    uint8_t *d = hr->data[0];
    const ptrdiff_t st = hr->stride[0];
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int y = 0; y < hr->h; y++)
        for (int x = grid; x < hr->w; x += grid) {
            uint8_t *r = d + y * st + x;
            deblock_sample(r - 2, r - 1, r, r + 1);
        }
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int y = grid; y < hr->h; y += grid)
        for (int x = 0; x < hr->w; x++) {
            uint8_t *c = d + y * st + x;
            deblock_sample(c - 2 * st, c - st, c, c + st);
        }
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
    /* chroma: bicubic of the decoded chroma, as in every mode */
    for (int c = 1; c < 3; c++) {
        int ret = fsr_bicubic_plane(hr->data[c], hr->stride[c], lr->data[c], lr->stride[c], fsr_chroma_w(lr->w),
                                    fsr_chroma_h(lr->h), s);
        if (ret < 0)
            return ret;
    }
    /* A map that leaves part of the picture uncovered (damaged stream)
     * gets bicubic underneath, so no stale pixels survive. */
    int64_t covered = 0;
    for (int i = 0; i < map->nb_blocks; i++)
        covered += (int64_t)map->blocks[i].w * map->blocks[i].h;
    if (covered < (int64_t)map->coded_w * map->coded_h) {
        int ret = fsr_bicubic_plane(hr->data[0], hr->stride[0], lr->data[0], lr->stride[0], lr->w, lr->h, s);
        if (ret < 0)
            return ret;
    }
    const BlockJob job = { t, hr, lr, map, lookup, opaque };
    int64_t area[5] = { 0 };
    double res_sum = 0;
    /* Blocks write disjoint HR regions and only read the references. */
#pragma omp parallel for schedule(dynamic, 16) num_threads(t->threads) reduction(+ : res_sum) \
    reduction(+ : area[:5])
    for (int i = 0; i < map->nb_blocks; i++) {
        const FsrBlock *b = &map->blocks[i];
        int x, y, w, h;
        if (!fsr_block_clip(map, b, lr->w, lr->h, &x, &y, &w, &h))
            continue;
        double sum = 0;
        const int did = transfer_block(&job, b, x, y, w, h, &sum);
        area[did] += (int64_t)w * h;
        res_sum += sum;
    }
    if (t->s.deblock)
        deblock_luma(hr, 8 * s, t->threads);
    if (stats) {
        memset(stats, 0, sizeof(*stats));
        stats->area_copied = area[DID_COPY];
        stats->area_residual = area[DID_RESIDUAL];
        stats->area_intra = area[DID_INTRA];
        stats->area_fallback = area[DID_FALLBACK];
        stats->area_noref = area[DID_NOREF];
        stats->area_total = (int64_t)lr->w * lr->h;
        stats->residual_abs_sum = res_sum;
    }
    return 0;
}
