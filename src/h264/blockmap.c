#include "blockmap_build.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "h264_mc.h"
#include "log.h"

const char *fsr_block_kind_name(int kind)
{
    switch (kind) {
    case FSR_BLOCK_INTRA: return "intra";
    case FSR_BLOCK_PSKIP:
    case FSR_BLOCK_BSKIP: return "skip";
    case FSR_BLOCK_DIRECT: return "direct";
    case FSR_BLOCK_INTER: return "inter";
    default: return "?";
    }
}

void fsr_blockmap_builder_close(FsrBlockMapBuilder *b)
{
    free(b->blocks);
    free(b->res);
    free(b->cell_mv);
    free(b->cell_lists);
    free(b->cell_dirty);
    memset(b, 0, sizeof(*b));
}

static int is_intra_char(char t) { return t == 'i' || t == 'I' || t == 'P' || t == 'A'; }

/* ---- per-block prediction with reference recovery ---- */

typedef struct Cand {
    int idx;
    int dist;
    const FsrRefPic *rp;
} Cand;

typedef struct Ctx {
    const FsrPicture *cur;
    int64_t cur_display;
    const FsrH264AU *au;
    const FsrH264Slice *sl;
    FsrRefResolve resolve;
    void *opaque;
    const FsrH264McDSP *mc;
    Cand cand[2][FSR_H264_MAX_REFS];
    int ncand[2];
    int missing[2];
} Ctx;

static void gather(Ctx *c, int l)
{
    c->ncand[l] = 0;
    c->missing[l] = 0;
    for (int i = 0; i < c->sl->num_ref[l] && i < FSR_H264_MAX_REFS; i++) {
        int64_t au = c->sl->ref[l][i];
        const FsrRefPic *rp = au >= 0 ? c->resolve(c->opaque, au) : NULL;
        if (!rp) {
            c->missing[l]++;
            continue;
        }
        int64_t d = rp->display - c->cur_display;
        Cand cd = { i, (int)(d < 0 ? -d : d), rp };
        /* insertion by (distance, index): nearest first wins ties */
        int k = c->ncand[l]++;
        while (k > 0 && (c->cand[l][k - 1].dist > cd.dist ||
                         (c->cand[l][k - 1].dist == cd.dist && c->cand[l][k - 1].idx > cd.idx))) {
            c->cand[l][k] = c->cand[l][k - 1];
            k--;
        }
        c->cand[l][k] = cd;
    }
}

static FsrMcPlane plane_of(const FsrRefPic *r, int c)
{
    const FsrPicture *p = r->pic;
    FsrMcPlane m = { p->data[c], p->stride[c], c ? p->w >> 1 : p->w, c ? p->h >> 1 : p->h, c ? r->pad >> 1 : r->pad };
    return m;
}

/* Weighting of one option (see the formula in blockmap.h). */
typedef struct Weights {
    int8_t denom[2];
    int16_t w[2][3], o[2][3];
} Weights;

typedef struct Choice {
    int lists;
    const Cand *c[2];
    unsigned sad;                  /* luma + chroma SAD; UINT_MAX: not measured (one option) */
    Weights wt;
    const uint8_t *pred[3];        /* the chosen prediction per plane, stride 16 */
    /* list predictions per list, candidate and plane, made on first use */
    uint8_t raw[2][FSR_H264_MAX_REFS][3][16 * 16];
    uint8_t scratch[2][3][16 * 16]; /* weighted predictions; one may hold the best */
} Choice;

static void option_weights(const Ctx *c, int lists, const Cand *const cd[2], Weights *wt)
{
    const FsrH264Slice *sl = c->sl;
    for (int l = 0; l < 2; l++)
        for (int p = 0; p < 3; p++) {
            wt->w[l][p] = 1;
            wt->o[l][p] = 0;
        }
    wt->denom[0] = wt->denom[1] = 0;
    if (sl->weight_mode == FSR_WEIGHT_EXPLICIT) {
        wt->denom[0] = (int8_t)sl->log2_denom[0];
        wt->denom[1] = (int8_t)sl->log2_denom[1];
        for (int l = 0; l < 2; l++)
            if (lists & (1 << l))
                for (int p = 0; p < 3; p++) {
                    wt->w[l][p] = sl->weight[l][cd[l]->idx][p];
                    wt->o[l][p] = sl->offset[l][cd[l]->idx][p];
                }
    } else if (sl->weight_mode == FSR_WEIGHT_IMPLICIT && lists == 3) {
        int w0, w1;
        fsr_h264_implicit_weights(c->au->poc, sl->ref_poc[0][cd[0]->idx], sl->ref_poc[1][cd[1]->idx],
                                  sl->ref_long[0][cd[0]->idx], sl->ref_long[1][cd[1]->idx], &w0, &w1);
        wt->denom[0] = wt->denom[1] = 5;
        for (int p = 0; p < 3; p++) {
            wt->w[0][p] = (int16_t)w0;
            wt->w[1][p] = (int16_t)w1;
        }
    }
}

/* The weighted prediction of one plane from the list predictions r0 / r1
 * (stride 16); returns r0 or r1 itself when no arithmetic is needed. */
static const uint8_t *combine(const Ctx *c, uint8_t *dst, const uint8_t *r0, const uint8_t *r1, int lists,
                              const Weights *wt, int p, int w, int h)
{
    const int d = wt->denom[p ? 1 : 0];
    if (lists == 3) {
        const int plain = d == 0 && wt->w[0][p] == 1 && wt->w[1][p] == 1 && !wt->o[0][p] && !wt->o[1][p];
        const int avg = plain || (d == 5 && wt->w[0][p] == 32 && wt->w[1][p] == 32 && !wt->o[0][p] && !wt->o[1][p]);
        c->mc->biweight(dst, r0, r1, 16, w, h, avg ? -1 : d, wt->w[0][p], wt->w[1][p], wt->o[0][p], wt->o[1][p]);
        return dst;
    }
    const int l = lists == 2;
    const uint8_t *r = l ? r1 : r0;
    if (!d && wt->w[l][p] == 1 && !wt->o[l][p])
        return r;
    memcpy(dst, r, 16 * 16);
    fsr_h264_weight(dst, 16, w, h, d, wt->w[l][p], wt->o[l][p]);
    return dst;
}

static void mc_cand(const Ctx *c, uint8_t *dst, const Cand *cd, const FsrBlock *blk, int l, int p)
{
    FsrMcPlane ref = plane_of(cd->rp, p);
    if (p)
        c->mc->chroma(dst, 16, &ref, blk->x >> 1, blk->y >> 1, blk->mv[l][0], blk->mv[l][1], blk->w >> 1,
                      blk->h >> 1);
    else
        c->mc->luma(dst, 16, &ref, blk->x, blk->y, blk->mv[l][0], blk->mv[l][1], blk->w, blk->h);
}

/* Best option (list combination and reference per list) by SAD against
 * the decoded block, luma and chroma: luma alone cannot tell references
 * apart in flat areas, where chroma often can.  Options are tried nearest
 * first and the first of equal SADs wins; an exact match ends the search. */
static int choose(Ctx *c, FsrBlock *blk, int lists, int try_drop, Choice *best)
{
    const int w = blk->w, h = blk->h;
    const uint8_t *cur[3];
    for (int p = 0; p < 3; p++)
        cur[p] = c->cur->data[p] + (ptrdiff_t)(blk->y >> (p ? 1 : 0)) * c->cur->stride[p] + (blk->x >> (p ? 1 : 0));
    /* P_Skip predicts from refIdxL0 = 0 by definition (8.4.1.1): no search
     * (the candidate order, shared by the slice's blocks, stays as it is) */
    int k0_first = 0, k0_count = c->ncand[0];
    if (blk->kind == FSR_BLOCK_PSKIP)
        for (int k = 0; k < c->ncand[0]; k++)
            if (c->cand[0][k].idx == 0) {
                k0_first = k;
                k0_count = 1;
                break;
            }
    best->sad = UINT_MAX;
    best->lists = 0;
    for (int l = 0; l < 2; l++)
        if ((lists & (1 << l)) && !c->ncand[l])
            return -1;
    uint8_t(*raw)[FSR_H264_MAX_REFS][3][16 * 16] = best->raw;
    uint8_t done[2][FSR_H264_MAX_REFS];
    memset(done, 0, sizeof(done));
#define RAW(l, k, p)                                                                                             \
    ((done[l][k] & (1 << (p))) ? raw[l][k][p]                                                                   \
                               : (done[l][k] |= 1 << (p), mc_cand(c, raw[l][k][p], &c->cand[l][k], blk, l, p),    \
                                  raw[l][k][p]))
    /* options in order of preference on ties: when a (0,0) vector may be
     * the bogus entry of an unused list, the other list alone comes first */
    int opts[4], nopt = 0;
    if (lists == 3 && try_drop) {
        const int z0 = !blk->mv[0][0] && !blk->mv[0][1], z1 = !blk->mv[1][0] && !blk->mv[1][1];
        if (z0 && !z1)
            opts[nopt++] = 2;
        if (z1 && !z0)
            opts[nopt++] = 1;
        opts[nopt++] = 3;
        if (z0 && z1) {
            opts[nopt++] = 1;
            opts[nopt++] = 2;
        }
    } else {
        opts[nopt++] = lists;
    }
    int sc = 0; /* the scratch set the next option may write */
    /* a single option needs no SAD: the residual gives it */
    const int single = nopt == 1 && (lists & 1 ? k0_count : 1) * (lists & 2 ? c->ncand[1] : 1) == 1;
    for (int o = 0; o < nopt && best->sad; o++) {
        const int ls = opts[o];
        const int k0_end = ls & 1 ? k0_first + k0_count : 1, n1 = ls & 2 ? c->ncand[1] : 1;
        for (int k0 = ls & 1 ? k0_first : 0; k0 < k0_end && best->sad; k0++)
            for (int k1 = 0; k1 < n1 && best->sad; k1++) {
                const Cand *cd[2] = { ls & 1 ? &c->cand[0][k0] : NULL, ls & 2 ? &c->cand[1][k1] : NULL };
                Weights wt;
                option_weights(c, ls, cd, &wt);
                const uint8_t *pred[3];
                unsigned sad = 0;
                for (int p = 0; p < 3 && sad < best->sad; p++) {
                    const int pw = p ? w >> 1 : w, ph = p ? h >> 1 : h;
                    pred[p] = combine(c, best->scratch[sc][p], ls & 1 ? RAW(0, k0, p) : NULL, ls & 2 ? RAW(1, k1, p) : NULL, ls,
                                      &wt, p, pw, ph);
                    if (!single)
                        sad += c->mc->sad_below(cur[p], c->cur->stride[p], pred[p], 16, pw, ph, best->sad - sad);
                }
                if (sad < best->sad) {
                    best->sad = sad;
                    best->lists = ls;
                    best->c[0] = cd[0];
                    best->c[1] = cd[1];
                    best->wt = wt;
                    for (int p = 0; p < 3; p++)
                        best->pred[p] = pred[p];
                    sc ^= 1;
                }
            }
    }
#undef RAW
    if (single)
        best->sad = UINT_MAX; /* not measured */
    return 0;
}

/* ---- the map ---- */

static int ensure(FsrBlockMapBuilder *b, int nblocks, int cw, int ch)
{
    if (nblocks > b->blocks_cap) {
        FsrBlock *nb = realloc(b->blocks, sizeof(*nb) * nblocks);
        if (!nb)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        b->blocks = nb;
        b->blocks_cap = nblocks;
    }
    size_t res = (size_t)cw * ch * 3 / 2;
    if (res > b->res_size) {
        free(b->res);
        b->res = malloc(res * sizeof(int16_t));
        if (!b->res) {
            b->res_size = 0;
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        }
        b->res_size = res;
        b->dirty_w = 0;
    }
    size_t cells = (size_t)(cw / 8) * (ch / 8);
    if (cells > b->cells_cap) {
        free(b->cell_mv);
        free(b->cell_lists);
        free(b->cell_dirty);
        b->cell_mv = malloc(cells * sizeof(*b->cell_mv));
        b->cell_lists = malloc(cells);
        b->cell_dirty = malloc(cells);
        b->dirty_w = 0;
        if (!b->cell_mv || !b->cell_lists || !b->cell_dirty) {
            b->cells_cap = 0;
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        }
        b->cells_cap = cells;
    }
    if (b->dirty_w != cw || b->dirty_h != ch) {
        memset(b->cell_dirty, 1, cells);
        b->dirty_w = cw;
        b->dirty_h = ch;
    }
    return 0;
}

/* Blocks without a prediction carry a zero residual. */
static void zero_residual(FsrBlockMapBuilder *b, const FsrBlock *blk)
{
    FsrBlockMap *m = &b->map;
    const int cw8 = m->coded_w / 8, x8 = blk->x / 8, y8 = blk->y / 8;
    int dirty = 0;
    for (int j = 0; j < blk->h / 8; j++)
        for (int i = 0; i < blk->w / 8; i++) {
            dirty |= b->cell_dirty[(size_t)(y8 + j) * cw8 + x8 + i];
            b->cell_dirty[(size_t)(y8 + j) * cw8 + x8 + i] = 0;
        }
    if (!dirty)
        return;
    for (int p = 0; p < 3; p++) {
        const int sh = p ? 1 : 0;
        int16_t *o = (int16_t *)m->residual[p] + (ptrdiff_t)(blk->y >> sh) * m->residual_stride[p] + (blk->x >> sh);
        for (int j = 0; j < blk->h >> sh; j++)
            memset(o + j * m->residual_stride[p], 0, sizeof(int16_t) * (blk->w >> sh));
    }
}

static const FsrH264Slice *slice_of(const FsrH264AU *au, int mb_addr)
{
    const FsrH264Slice *s = NULL;
    for (int i = 0; i < au->nb_slices; i++)
        if (au->slices[i].first_mb <= mb_addr && (!s || au->slices[i].first_mb >= s->first_mb))
            s = &au->slices[i];
    return s ? s : (au->nb_slices ? &au->slices[0] : NULL);
}

static int same_cells(const FsrBlockMapBuilder *b, int cw8, int x8, int y8, int w8, int h8)
{
    const size_t i0 = (size_t)y8 * cw8 + x8;
    for (int j = 0; j < h8; j++)
        for (int i = 0; i < w8; i++) {
            size_t k = (size_t)(y8 + j) * cw8 + x8 + i;
            if (b->cell_lists[k] != b->cell_lists[i0] || memcmp(b->cell_mv[k], b->cell_mv[i0], sizeof(b->cell_mv[0])))
                return 0;
        }
    return 1;
}

/* Points the map at the builder's storage and records what the frame lacks;
 * returns the table if it fits the frame, else NULL. */
static const FsrMbTable *map_init(FsrBlockMapBuilder *b, int mb_w, int mb_h, const FsrMbTable *table,
                                  const FsrH264AU *au)
{
    FsrBlockMap *m = &b->map;
    const int cw = mb_w * 16, ch = mb_h * 16;
    memset(m, 0, sizeof(*m));
    m->side_info = 1;
    m->mb_w = mb_w;
    m->mb_h = mb_h;
    m->coded_w = cw;
    m->coded_h = ch;
    m->blocks = b->blocks;
    m->residual[0] = b->res;
    m->residual[1] = b->res + (size_t)cw * ch;
    m->residual[2] = b->res + (size_t)cw * ch * 5 / 4;
    m->residual_stride[0] = cw;
    m->residual_stride[1] = m->residual_stride[2] = cw / 2;
    if (table && (table->mb_w != mb_w || table->mb_h != mb_h))
        table = NULL;
    if (!table)
        m->unmodelled |= FSR_UNMODELLED_NO_TYPES;
    if (!au || !au->nb_slices)
        m->unmodelled |= FSR_UNMODELLED_NO_HEADER;
    return table;
}

/* Vectors onto the 8x8 grid; dst_x/dst_y are block centres. */
static void grid_vectors(FsrBlockMapBuilder *b, const AVMotionVector *mvs, int nb_mvs, int cw, int ch)
{
    const int cw8 = cw / 8;
    memset(b->cell_lists, 0, (size_t)cw8 * (ch / 8));
    for (int i = 0; i < nb_mvs; i++) {
        const AVMotionVector *v = &mvs[i];
        if (v->w < 8 || v->h < 8 || v->w > 16 || v->h > 16 || !v->motion_scale)
            continue;
        const int l = v->source > 0, x0 = v->dst_x - v->w / 2, y0 = v->dst_y - v->h / 2;
        if (x0 < 0 || y0 < 0 || x0 + v->w > cw || y0 + v->h > ch || (x0 | y0) & 7)
            continue;
        const int mx = v->motion_x * 4 / v->motion_scale, my = v->motion_y * 4 / v->motion_scale;
        for (int y = y0 / 8; y < (y0 + v->h) / 8; y++)
            for (int x = x0 / 8; x < (x0 + v->w) / 8; x++) {
                b->cell_lists[(size_t)y * cw8 + x] |= (uint8_t)(1 << l);
                b->cell_mv[(size_t)y * cw8 + x][l][0] = (int16_t)mx;
                b->cell_mv[(size_t)y * cw8 + x][l][1] = (int16_t)my;
            }
    }
    for (size_t k = 0; k < (size_t)cw8 * (ch / 8); k++)
        for (int l = 0; l < 2; l++)
            if (!(b->cell_lists[k] & (1 << l)))
                b->cell_mv[k][l][0] = b->cell_mv[k][l][1] = 0;
}

/* The macroblock's blocks as {x, y, w, h} within it: the coded partition
 * where the grid's vectors agree with it, else four 8x8 blocks. */
static int mb_rects(const FsrBlockMapBuilder *b, int cw8, int mx, int my, char part, int rects[4][4])
{
    int nr = 0;
    if (part == ' ' && same_cells(b, cw8, mx * 2, my * 2, 2, 2)) {
        rects[nr][0] = 0, rects[nr][1] = 0, rects[nr][2] = 16, rects[nr++][3] = 16;
    } else if (part == '-' && same_cells(b, cw8, mx * 2, my * 2, 2, 1) &&
               same_cells(b, cw8, mx * 2, my * 2 + 1, 2, 1)) {
        for (int i = 0; i < 2; i++)
            rects[nr][0] = 0, rects[nr][1] = 8 * i, rects[nr][2] = 16, rects[nr++][3] = 8;
    } else if (part == '|' && same_cells(b, cw8, mx * 2, my * 2, 1, 2) &&
               same_cells(b, cw8, mx * 2 + 1, my * 2, 1, 2)) {
        for (int i = 0; i < 2; i++)
            rects[nr][0] = 8 * i, rects[nr][1] = 0, rects[nr][2] = 8, rects[nr++][3] = 16;
    } else {
        for (int i = 0; i < 4; i++)
            rects[nr][0] = 8 * (i & 1), rects[nr][1] = 8 * (i >> 1), rects[nr][2] = 8, rects[nr++][3] = 8;
    }
    return nr;
}

static void block_init(FsrBlock *blk, int x, int y, int w, int h, int kind, int qp)
{
    memset(blk, 0, sizeof(*blk));
    blk->x = (int16_t)x;
    blk->y = (int16_t)y;
    blk->w = (uint8_t)w;
    blk->h = (uint8_t)h;
    blk->kind = (uint8_t)kind;
    blk->qp = (uint8_t)qp;
    blk->ref[0] = blk->ref[1] = -1;
    blk->ref_idx[0] = blk->ref_idx[1] = -1;
}

/* Records the chosen weights; lists the grid had but the choice dropped
 * lose their vectors. */
static void apply_choice(FsrBlockMap *m, FsrBlock *blk, int lists, const Choice *ch)
{
    if (ch->lists != lists) {
        const int dropped = lists & ~ch->lists;
        blk->flags |= FSR_BLOCK_DROPPED_MV;
        blk->lists = (uint8_t)ch->lists;
        for (int l = 0; l < 2; l++)
            if (dropped & (1 << l))
                blk->mv[l][0] = blk->mv[l][1] = 0;
        m->counts.dropped_mv++;
    }
    m->counts.bi += ch->lists == 3;
    memcpy(blk->log2_denom, ch->wt.denom, sizeof(blk->log2_denom));
    memcpy(blk->weight, ch->wt.w, sizeof(blk->weight));
    memcpy(blk->offset, ch->wt.o, sizeof(blk->offset));
}

/* residual = decoded - prediction, all three planes; the search's SAD says
 * whether there is any */
static void store_residual(FsrBlockMapBuilder *b, const Ctx *c, FsrBlock *blk, const Choice *ch)
{
    FsrBlockMap *m = &b->map;
    const FsrPicture *cur = c->cur;
    const int cw8 = m->coded_w / 8;
    unsigned sad = ch->sad;
    if (sad == UINT_MAX) {
        sad = 0;
        for (int p = 0; p < 3; p++) {
            const int sh = p ? 1 : 0;
            sad += c->mc->sad(cur->data[p] + (ptrdiff_t)(blk->y >> sh) * cur->stride[p] + (blk->x >> sh),
                              cur->stride[p], ch->pred[p], 16, blk->w >> sh, blk->h >> sh);
        }
    }
    if (sad) {
        for (int p = 0; p < 3; p++) {
            const int sh = p ? 1 : 0, bx = blk->x >> sh, by = blk->y >> sh;
            c->mc->residual((int16_t *)m->residual[p] + (ptrdiff_t)by * m->residual_stride[p] + bx,
                            m->residual_stride[p], cur->data[p] + (ptrdiff_t)by * cur->stride[p] + bx,
                            cur->stride[p], ch->pred[p], 16, blk->w >> sh, blk->h >> sh);
        }
        for (int j = 0; j < blk->h / 8; j++)
            memset(b->cell_dirty + (size_t)(blk->y / 8 + j) * cw8 + blk->x / 8, 1, (size_t)(blk->w / 8));
    } else {
        zero_residual(b, blk);
    }
    const int zero = sad == 0;
    blk->sad = sad;
    m->counts.predicted++;
    if (zero) {
        blk->flags |= FSR_BLOCK_ZERO_RESIDUAL;
        m->counts.zero_residual++;
    }
}

/* One inter block: its vectors from the grid, then references, prediction
 * and residual, or no reference when none can be recovered. */
static void inter_block(FsrBlockMapBuilder *b, Ctx *c, FsrBlock *blk, char part)
{
    FsrBlockMap *m = &b->map;
    const FsrH264Slice *sl = c->sl;
    const int kind = blk->kind;
    const size_t cell = (size_t)(blk->y / 8) * (m->coded_w / 8) + blk->x / 8;
    int lists = b->cell_lists[cell];
    memcpy(blk->mv, b->cell_mv[cell], sizeof(blk->mv));
    m->counts.pskip += kind == FSR_BLOCK_PSKIP;
    m->counts.bskip += kind == FSR_BLOCK_BSKIP;
    m->counts.direct += kind == FSR_BLOCK_DIRECT;
    m->counts.inter += kind == FSR_BLOCK_INTER;
    if (!lists) {
        m->unmodelled |= FSR_UNMODELLED_MV;
        blk->flags |= FSR_BLOCK_NO_REF;
        m->counts.no_ref++;
        zero_residual(b, blk);
        return;
    }
    blk->lists = (uint8_t)lists;
    Choice ch;
    const int try_drop = sl && sl->type == FSR_SLICE_B && kind == FSR_BLOCK_INTER && part != ' ';
    if (!sl || sl->type == FSR_SLICE_I || choose(c, blk, lists, try_drop, &ch) < 0 || !ch.lists) {
        blk->flags |= FSR_BLOCK_NO_REF;
        m->counts.no_ref++;
        zero_residual(b, blk);
        return;
    }
    apply_choice(m, blk, lists, &ch);
    for (int l = 0; l < 2; l++)
        if (ch.lists & (1 << l)) {
            blk->ref[l] = (int32_t)ch.c[l]->rp->display;
            blk->ref_idx[l] = (int8_t)ch.c[l]->idx;
            m->counts.ref_nonzero_idx += ch.c[l]->idx != 0;
        }
    store_residual(b, c, blk, &ch);
}

int fsr_blockmap_build(FsrBlockMapBuilder *b, const FsrPicture *cur, int64_t cur_display, const FsrMbTable *table,
                       const AVMotionVector *mvs, int nb_mvs, const FsrH264AU *au, FsrRefResolve resolve, void *opaque)
{
    const int mb_w = cur->w / 16, mb_h = cur->h / 16;
    const int cw = mb_w * 16, ch = mb_h * 16, cw8 = mb_w * 2;
    FsrBlockMap *m = &b->map;
    int ret = ensure(b, mb_w * mb_h * 4, cw, ch);
    if (ret < 0)
        return ret;
    table = map_init(b, mb_w, mb_h, table, au);
    grid_vectors(b, mvs, nb_mvs, cw, ch);

    if (!b->mc_filled) {
        fsr_h264_mc_dsp_init(&b->mc, fsr_cpu_flags());
        b->mc_filled = 1;
    }
    Ctx c = { .cur = cur, .cur_display = cur_display, .au = au, .resolve = resolve, .opaque = opaque, .mc = &b->mc };
    const FsrH264Slice *last_sl = NULL;
    int n = 0;
    for (int my = 0; my < mb_h; my++)
        for (int mx = 0; mx < mb_w; mx++) {
            const int addr = my * mb_w + mx;
            const size_t cell0 = (size_t)(my * 2) * cw8 + mx * 2;
            char t = table ? table->type[addr] : 0, part = table ? table->part[addr] : '+';
            int qp = table ? table->qp[addr] : 0;
            if (!table) {
                /* without the table: no vectors means intra */
                int any = b->cell_lists[cell0] | b->cell_lists[cell0 + 1] | b->cell_lists[cell0 + cw8] |
                          b->cell_lists[cell0 + cw8 + 1];
                t = any ? '?' : 'I';
            }
            if (is_intra_char(t)) {
                FsrBlock *blk = &b->blocks[n++];
                block_init(blk, mx * 16, my * 16, 16, 16, FSR_BLOCK_INTRA, qp);
                m->counts.intra++;
                zero_residual(b, blk);
                continue;
            }
            const int kind = t == 'S' ? FSR_BLOCK_PSKIP : t == 'd' ? FSR_BLOCK_BSKIP : t == 'D' ? FSR_BLOCK_DIRECT
                                                                                             : FSR_BLOCK_INTER;
            int rects[4][4];
            const int nr = mb_rects(b, cw8, mx, my, part, rects);
            const FsrH264Slice *sl = au ? slice_of(au, addr) : NULL;
            if (sl != last_sl) {
                c.sl = sl;
                if (sl) {
                    gather(&c, 0);
                    gather(&c, 1);
                    m->counts.missing_refs += c.missing[0] + c.missing[1];
                }
                last_sl = sl;
            }
            for (int r = 0; r < nr; r++) {
                FsrBlock *blk = &b->blocks[n++];
                block_init(blk, mx * 16 + rects[r][0], my * 16 + rects[r][1], rects[r][2], rects[r][3], kind, qp);
                inter_block(b, &c, blk, part);
            }
        }
    m->nb_blocks = n;
    return 0;
}

int fsr_blockmap_prediction(const FsrBlockMap *m, const FsrPicture *dec, FsrPicture *out)
{
    if (!m || !dec || !out || !dec->data[0] || !out->data[0])
        return fsr_error(FSR_ERR(EINVAL), "fsr_blockmap_prediction: missing map or picture");
    if (!m->side_info)
        return fsr_error(FSR_ERR(EINVAL), "fsr_blockmap_prediction: the frame has no side information");
    if (dec->w != m->width || dec->h != m->height || out->w != dec->w || out->h != dec->h)
        return fsr_error(FSR_ERR(EINVAL), "fsr_blockmap_prediction: pictures must be %dx%d", m->width, m->height);
    for (int p = 0; p < 3; p++) {
        const int sh = p ? 1 : 0, w = p ? fsr_chroma_w(dec->w) : dec->w, h = p ? fsr_chroma_h(dec->h) : dec->h;
        const int ox = m->crop_left >> sh, oy = m->crop_top >> sh;
        for (int y = 0; y < h; y++) {
            const uint8_t *d = dec->data[p] + y * dec->stride[p];
            const int16_t *r = m->residual[p] + (ptrdiff_t)(y + oy) * m->residual_stride[p] + ox;
            uint8_t *o = out->data[p] + y * out->stride[p];
            for (int x = 0; x < w; x++)
                o[x] = (uint8_t)(d[x] - r[x]); /* residual is 0 outside predicted blocks */
        }
    }
    return 0;
}

/* ---- drawing ---- */

static void put(FsrPicture *pic, int x, int y, const uint8_t yuv[3])
{
    if (x < 0 || y < 0 || x >= pic->w || y >= pic->h)
        return;
    pic->data[0][(ptrdiff_t)y * pic->stride[0] + x] = yuv[0];
    pic->data[1][(ptrdiff_t)(y >> 1) * pic->stride[1] + (x >> 1)] = yuv[1];
    pic->data[2][(ptrdiff_t)(y >> 1) * pic->stride[2] + (x >> 1)] = yuv[2];
}

static void line(FsrPicture *pic, int x0, int y0, int x1, int y1, const uint8_t yuv[3])
{
    int dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, e = dx + dy;
    for (int guard = 0; guard < 1 << 16; guard++) {
        put(pic, x0, y0, yuv);
        if (x0 == x1 && y0 == y1)
            break;
        int e2 = 2 * e;
        if (e2 >= dy) {
            e += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            e += dx;
            y0 += sy;
        }
    }
}

int fsr_blockmap_draw(FsrPicture *pic, const FsrBlockMap *map)
{
    if (!pic || !map || !pic->data[0])
        return fsr_error(FSR_ERR(EINVAL), "fsr_blockmap_draw: no picture or map");
    if (!map->side_info)
        return 0;
    if (map->width <= 0 || pic->w % map->width || pic->h * map->width != map->height * pic->w)
        return fsr_error(FSR_ERR(EINVAL), "fsr_blockmap_draw: picture %dx%d is not an integer multiple of %dx%d",
                         pic->w, pic->h, map->width, map->height);
    const int s = pic->w / map->width;
    /* BT.601 studio-range colours */
    static const uint8_t red[3] = { 81, 90, 240 }, green[3] = { 145, 54, 34 }, cyan[3] = { 170, 166, 16 },
                         blue[3] = { 41, 240, 110 }, magenta[3] = { 106, 202, 222 }, yellow[3] = { 210, 16, 146 };
    for (int i = 0; i < map->nb_blocks; i++) {
        const FsrBlock *b = &map->blocks[i];
        const uint8_t *col = b->kind == FSR_BLOCK_INTRA                                ? red
                             : b->kind == FSR_BLOCK_PSKIP || b->kind == FSR_BLOCK_BSKIP ? green
                             : b->kind == FSR_BLOCK_DIRECT                              ? cyan
                             : b->lists == 3                                            ? magenta
                                                                                        : blue;
        const int x0 = (b->x - map->crop_left) * s, y0 = (b->y - map->crop_top) * s;
        const int x1 = x0 + b->w * s - 1, y1 = y0 + b->h * s - 1;
        line(pic, x0, y0, x1, y0, col);
        line(pic, x0, y0, x0, y1, col);
        for (int l = 0; l < 2; l++)
            if (b->lists & (1 << l)) {
                /* from the block centre to where its samples come from */
                const int cx = x0 + b->w * s / 2, cy = y0 + b->h * s / 2;
                const int ex = cx + b->mv[l][0] * s / 4, ey = cy + b->mv[l][1] * s / 4;
                line(pic, cx, cy, ex, ey, yellow);
                /* arrow head: two strokes back from the tip at +-30 degrees */
                const double len = hypot(ex - cx, ey - cy);
                if (len >= 3) {
                    const double ux = (cx - ex) / len, uy = (cy - ey) / len, hl = len < 8 ? len / 2 : 4;
                    line(pic, ex, ey, ex + (int)lround(hl * (ux * 0.866 - uy * 0.5)),
                         ey + (int)lround(hl * (uy * 0.866 + ux * 0.5)), yellow);
                    line(pic, ex, ey, ex + (int)lround(hl * (ux * 0.866 + uy * 0.5)),
                         ey + (int)lround(hl * (uy * 0.866 - ux * 0.5)), yellow);
                }
            }
    }
    return 0;
}
