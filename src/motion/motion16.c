/* The residual of a searched block map at high bit depth (motion16.h). */
#include "motion16.h"

#include <errno.h>
#include <stddef.h>

#include "cpu.h"
#include "h264_mc.h"
#include "intops.h"
#include "log.h"

static const FsrPicture *find_ref(const FsrMotionRef16 *refs, int nb_refs, int64_t display_index)
{
    for (int i = 0; i < nb_refs; i++)
        if (refs[i].display_index == display_index)
            return refs[i].pic;
    return NULL;
}

static int predicted(const FsrBlock *b)
{
    return b->kind != FSR_BLOCK_INTRA && (b->lists & (FSR_LIST_L0 | FSR_LIST_L1)) && !(b->flags & FSR_BLOCK_NO_REF);
}

/* one list's explicit weighting in place (the one-list formula of
 * fastsr/blockmap.h); nothing to do for the default weight */
static void weight16(uint16_t *p, int w, int h, int d, int weight, int offset, int maxv)
{
    if (d == 0 && weight == 1 && offset == 0)
        return;
    const int round = d ? 1 << (d - 1) : 0;
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            p[j * 16 + i] = (uint16_t)clampi(((p[j * 16 + i] * weight + round) >> d) + offset, 0, maxv);
}

/* prediction and residual of one block over `planes` planes; the SAD */
static unsigned block16(const FsrH264McDSP *dsp, FsrBlockMap *m, const FsrBlock *b, const FsrPicture *cur,
                        const FsrPicture *const ref[2], int planes)
{
    const int depth = cur->depth, maxv = (1 << depth) - 1;
    uint16_t p[2][16 * 16];
    unsigned sad = 0;
    for (int c = 0; c < planes; c++) {
        const int sh = c ? 1 : 0;
        const int pw = c ? fsr_chroma_w(cur->w) : cur->w, ph = c ? fsr_chroma_h(cur->h) : cur->h;
        const int x = b->x >> sh, y = b->y >> sh;
        /* the block inside the picture (the coded area beyond it keeps 0) */
        const int w = x + (b->w >> sh) > pw ? pw - x : b->w >> sh, h = y + (b->h >> sh) > ph ? ph - y : b->h >> sh;
        if (w <= 0 || h <= 0)
            continue;
        int n = 0, lists[2];
        for (int l = 0; l < 2; l++) {
            if (!(b->lists & (1 << l)))
                continue;
            const FsrPlaneRef rf = { ref[l]->data[c], ref[l]->stride[c], pw, ph, 0 };
            (c ? dsp->chroma16 : dsp->luma16)(p[n], 16 * sizeof(uint16_t), &rf, x, y, b->mv[l][0], b->mv[l][1], w,
                                               h, maxv);
            lists[n++] = l;
        }
        const int d = b->log2_denom[c ? 1 : 0];
        if (n == 2)
            dsp->biweight16(p[0], p[0], p[1], 16 * sizeof(uint16_t), w, h, d, b->weight[0][c], b->weight[1][c],
                            b->offset[0][c] * (1 << (depth - 8)), b->offset[1][c] * (1 << (depth - 8)), maxv);
        else
            weight16(p[0], w, h, d, b->weight[lists[0]][c], b->offset[lists[0]][c] * (1 << (depth - 8)), maxv);
        const ptrdiff_t rs = m->residual_stride[c];
        sad += dsp->residual16((int16_t *)m->residual[c] + (ptrdiff_t)y * rs + x, rs,
                               (const uint16_t *)(const void *)(cur->data[c] + (ptrdiff_t)y * cur->stride[c]) + x,
                               cur->stride[c], p[0], 16 * sizeof(uint16_t), w, h);
    }
    return sad;
}

int fsr_motion_residual16(FsrBlockMap *map, const FsrPicture *cur16, const FsrMotionRef16 *refs, int nb_refs,
                          int planes)
{
    if (!map || !cur16 || (nb_refs && !refs) || nb_refs < 0)
        return fsr_error(FSR_ERR(EINVAL), "motion16: NULL argument");
    if (planes != 1 && planes != 3)
        return fsr_error(FSR_ERR(EINVAL), "motion16: planes %d (1 or 3)", planes);
    if (cur16->depth < 9 || cur16->depth > 16)
        return fsr_error(FSR_ERR(EINVAL), "motion16: the picture has %d bits per sample (9..16)",
                         fsr_picture_depth(cur16));
    if (!map->side_info || cur16->w != map->width || cur16->h != map->height)
        return fsr_error(FSR_ERR(EINVAL), "motion16: the map (%dx%d%s) does not match the %dx%d picture", map->width,
                         map->height, map->side_info ? "" : ", no side information", cur16->w, cur16->h);
    for (int c = 0; c < planes; c++)
        if (!cur16->data[c] || !map->residual[c])
            return fsr_error(FSR_ERR(EINVAL), "motion16: plane %d missing", c);
    /* every reference first, so that a missing one leaves the map as it was */
    for (int i = 0; i < map->nb_blocks; i++) {
        const FsrBlock *b = &map->blocks[i];
        if (!predicted(b))
            continue;
        for (int l = 0; l < 2; l++) {
            if (!(b->lists & (1 << l)))
                continue;
            const FsrPicture *r = find_ref(refs, nb_refs, b->ref[l]);
            if (!r)
                return fsr_error(FSR_ERR(EINVAL), "motion16: no 16-bit picture for reference %d of block %d",
                                 (int)b->ref[l], i);
            if (r->w != cur16->w || r->h != cur16->h || r->depth != cur16->depth)
                return fsr_error(FSR_ERR(EINVAL), "motion16: reference %d is %dx%d at %d bits, the picture %dx%d at %d",
                                 (int)b->ref[l], r->w, r->h, fsr_picture_depth(r), cur16->w, cur16->h, cur16->depth);
            for (int c = 0; c < planes; c++)
                if (!r->data[c])
                    return fsr_error(FSR_ERR(EINVAL), "motion16: reference %d lacks plane %d", (int)b->ref[l], c);
        }
    }
    FsrH264McDSP dsp;
    fsr_h264_mc_dsp_init(&dsp, fsr_cpu_flags());
    FsrBlock *blocks = (FsrBlock *)map->blocks;
    int zero = 0;
#pragma omp parallel for schedule(static) reduction(+ : zero)
    for (int i = 0; i < map->nb_blocks; i++) {
        FsrBlock *b = &blocks[i];
        if (!predicted(b))
            continue;
        const FsrPicture *ref[2] = { NULL, NULL };
        for (int l = 0; l < 2; l++)
            if (b->lists & (1 << l))
                ref[l] = find_ref(refs, nb_refs, b->ref[l]);
        b->sad = block16(&dsp, map, b, cur16, ref, planes);
        if (b->sad)
            b->flags &= (uint8_t)~FSR_BLOCK_ZERO_RESIDUAL;
        else
            b->flags |= FSR_BLOCK_ZERO_RESIDUAL;
        zero += !b->sad;
    }
    map->counts.zero_residual = zero;
    return 0;
}
