/* MPEG-2 / MPEG-4 Part 2 block maps from libavcodec's exported vectors
 * (mpeg_sideinfo.h). */
#include "mpeg_sideinfo.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/motion_vector.h>

#include "clock.h"
#include "cpu.h"
#include "h264_mc.h"
#include "log.h"

/* B pictures held for a future reference before they go out without it
 * (a damaged stream that never delivers one). */
#define MAX_HELD 16
/* A derived (MPEG-4 B) block is intra when its best SAD per sample exceeds
 * this and the match removes less than half of the block's own deviation
 * from its mean (the motion search's rule). */
#define INTRA_MIN_SAD_PER_PIXEL 8
/* Rounds of the quarter-pel refinement around a derived vector (MPEG-4 B
 * pictures; measured on samples/pan-540p.mp4 as MPEG-4 with one I picture:
 * 1 round 35.83 dB, 4 rounds 35.94; README). */
#define MV_ROUNDS 4

typedef struct Held {
    int used;
    AVFrame *av;
    FsrFrame f;            /* facts; f.pic the displayed view; f.av NULL */
    FsrPicture coded;      /* the macroblock-aligned picture inside av */
    FsrPicture own;        /* a copy of f.pic when it is the decoder's converted one */
    AVMotionVector *mvs;
    int nb_mvs;
    int scale;             /* motion_scale of its vectors, 0 none */
    char type;             /* 'I', 'P', 'B', 'S' */
    int64_t dec;           /* recovered decode index, -1 until known */
    int64_t past, future;  /* display indices of the references, -1 none */
    int emitted;
    /* reference pictures: per 8x8 cell the L0 vector (codec units), for the
     * direct mode of MPEG-4 B pictures; NULL for other pictures */
    int16_t (*col)[2];
    uint8_t *col_ok;
} Held;

struct FsrMpegSide {
    int mpeg4;
    FsrH264McDSP dsp;
    Held **held;           /* stable addresses */
    int nheld;
    int64_t last_ref;      /* display index of the latest I/P/S picture, -1 none */
    int64_t next_dec;
    int eof, pending_err;
    int out;               /* the held picture last handed out, -1 none */
    /* the map */
    FsrBlockMap map;
    FsrBlock *blocks;
    int blocks_cap;
    int16_t *res;
    size_t res_cap;
    uint8_t *cell_lists;   /* per 8x8 cell: 1 << list */
    uint8_t *cell_field;   /* per 8x8 cell: covered by a field-prediction entry */
    int16_t (*cell_mv)[2][2]; /* per 8x8 cell and list, codec units */
    struct Pair {
        int v[2][2];
    } left;                /* the derived vectors of the block to the left (MPEG-4 B) */
    int have_left;
    /* the vectors of the latest reference picture that had any (MPEG-4),
     * per 8x8 cell, spanning hist_span display steps: a candidate for B
     * pictures whose own references carry none (an I picture, the last
     * picture of a stream) */
    int16_t (*hist)[2];
    uint8_t *hist_ok;
    size_t hist_cells;
    int64_t hist_span;
    size_t cells_cap;
    FsrMpegStats st;
};

int fsr_mpeg_side_open(FsrMpegSide **out, int codec_id)
{
    *out = NULL;
    if (codec_id != AV_CODEC_ID_MPEG2VIDEO && codec_id != AV_CODEC_ID_MPEG4)
        return fsr_error(FSR_ERR(EINVAL), "MPEG side information: codec %d is neither MPEG-2 nor MPEG-4", codec_id);
    FsrMpegSide *ms = calloc(1, sizeof(*ms));
    if (!ms)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    ms->mpeg4 = codec_id == AV_CODEC_ID_MPEG4;
    ms->last_ref = -1;
    ms->out = -1;
    fsr_h264_mc_dsp_init(&ms->dsp, fsr_cpu_flags());
    *out = ms;
    return 0;
}

static void held_clear(Held *h)
{
    av_frame_unref(h->av);
    free(h->mvs);
    free(h->col);
    free(h->col_ok);
    h->mvs = NULL;
    h->col = NULL;
    h->col_ok = NULL;
    h->nb_mvs = 0;
    h->used = 0;
}

void fsr_mpeg_side_close(FsrMpegSide **pms)
{
    FsrMpegSide *ms = *pms;
    if (!ms)
        return;
    for (int i = 0; i < ms->nheld; i++) {
        held_clear(ms->held[i]);
        av_frame_free(&ms->held[i]->av);
        fsr_picture_close(&ms->held[i]->own);
        free(ms->held[i]);
    }
    free(ms->held);
    free(ms->blocks);
    free(ms->res);
    free(ms->cell_lists);
    free(ms->cell_field);
    free(ms->cell_mv);
    free(ms->hist);
    free(ms->hist_ok);
    free(ms);
    *pms = NULL;
}

void fsr_mpeg_side_stats(const FsrMpegSide *ms, FsrMpegStats *st) { *st = ms->st; }

void fsr_mpeg_side_packet(FsrMpegSide *ms, const uint8_t *data, int size)
{
    if (ms->mpeg4 || !data)
        return;
    /* picture coding extension: 00 00 01 B5, extension id 8 in the high
     * nibble, picture_structure the low two bits of the third byte */
    for (int i = 0; i + 6 < size; i++)
        if (!data[i] && !data[i + 1] && data[i + 2] == 1 && data[i + 3] == 0xB5 && (data[i + 4] >> 4) == 8 &&
            (data[i + 6] & 3) != 3) {
            ms->st.field_packets++;
            return;
        }
}

/* ---- pictures held for reordering and reference ---- */

static Held *find(FsrMpegSide *ms, int64_t display)
{
    if (display < 0)
        return NULL;
    for (int i = 0; i < ms->nheld; i++)
        if (ms->held[i]->used && ms->held[i]->f.display_index == display)
            return ms->held[i];
    return NULL;
}

/* The pending picture first in display order, or -1. */
static int head(const FsrMpegSide *ms)
{
    int best = -1;
    for (int i = 0; i < ms->nheld; i++) {
        const Held *h = ms->held[i];
        if (h->used && !h->emitted && (best < 0 || h->f.display_index < ms->held[best]->f.display_index))
            best = i;
    }
    return best;
}

static int npending(const FsrMpegSide *ms)
{
    int n = 0;
    for (int i = 0; i < ms->nheld; i++)
        n += ms->held[i]->used && !ms->held[i]->emitted;
    return n;
}

/* Frees what nothing needs any more: out, pending pictures, the latest
 * reference and the one before it (the past reference of the B pictures
 * still to come) stay. */
static void release(FsrMpegSide *ms)
{
    const Held *last = find(ms, ms->last_ref);
    const int64_t keep_past = last ? last->past : -1;
    for (int i = 0; i < ms->nheld; i++) {
        Held *h = ms->held[i];
        if (!h->used || !h->emitted || i == ms->out)
            continue;
        const int64_t d = h->f.display_index;
        if (d == ms->last_ref || d == keep_past)
            continue;
        int needed = 0;
        for (int k = 0; k < ms->nheld && !needed; k++) {
            const Held *p = ms->held[k];
            needed = p->used && !p->emitted && (p->past == d || p->future == d);
        }
        if (!needed)
            held_clear(h);
    }
}

/* Per 8x8 cell the L0 vector of a reference picture (for MPEG-4 direct). */
static int keep_col(Held *h, int mb_w, int mb_h)
{
    const int cw8 = mb_w * 2, ch8 = mb_h * 2;
    h->col = calloc((size_t)cw8 * ch8, sizeof(*h->col));
    h->col_ok = calloc((size_t)cw8 * ch8, 1);
    if (!h->col || !h->col_ok)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    for (int i = 0; i < h->nb_mvs; i++) {
        const AVMotionVector *v = &h->mvs[i];
        if (v->source > 0 || (v->w != 8 && v->w != 16) || v->h != v->w)
            continue;
        const int x0 = v->dst_x - v->w / 2, y0 = v->dst_y - v->h / 2;
        if (x0 < 0 || y0 < 0 || (x0 | y0) & 7 || x0 + v->w > mb_w * 16 || y0 + v->h > mb_h * 16)
            continue;
        for (int y = y0 / 8; y < (y0 + v->h) / 8; y++)
            for (int x = x0 / 8; x < (x0 + v->w) / 8; x++) {
                h->col[y * cw8 + x][0] = (int16_t)v->motion_x;
                h->col[y * cw8 + x][1] = (int16_t)v->motion_y;
                h->col_ok[y * cw8 + x] = 1;
            }
    }
    return 0;
}

/* h's vectors become the history if it has any. */
static int keep_hist(FsrMpegSide *ms, const Held *h)
{
    const size_t cells = (size_t)(h->coded.w / 8) * (h->coded.h / 8);
    size_t n = 0;
    for (size_t i = 0; i < cells; i++)
        n += h->col_ok[i];
    if (!n || h->past < 0)
        return 0;
    if (cells != ms->hist_cells) {
        free(ms->hist);
        free(ms->hist_ok);
        ms->hist = malloc(cells * sizeof(*ms->hist));
        ms->hist_ok = malloc(cells);
        ms->hist_cells = 0;
        if (!ms->hist || !ms->hist_ok)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        ms->hist_cells = cells;
    }
    memcpy(ms->hist, h->col, cells * sizeof(*ms->hist));
    memcpy(ms->hist_ok, h->col_ok, cells);
    ms->hist_span = h->f.display_index - h->past;
    return 0;
}

static int intake(FsrMpegSide *ms, const FsrFrame *f)
{
    const AVFrame *av = f->av;
    int i;
    for (i = 0; i < ms->nheld; i++)
        if (!ms->held[i]->used)
            break;
    if (i == ms->nheld) {
        if (ms->nheld >= 4 * MAX_HELD)
            return fsr_error(FSR_ERR_INVALIDDATA, "MPEG side information: more than %d pictures held", 4 * MAX_HELD);
        Held **hl = realloc(ms->held, sizeof(*hl) * (ms->nheld + 1));
        if (!hl)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        ms->held = hl;
        if (!(hl[ms->nheld] = calloc(1, sizeof(Held))))
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        ms->nheld++;
    }
    Held *h = ms->held[i];
    if (!h->av && !(h->av = av_frame_alloc()))
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    if (av_frame_ref(h->av, av) < 0)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    h->used = 1;
    h->emitted = 0;
    h->f = *f;
    h->f.av = NULL;
    /* the decoder writes whole macroblocks into buffers aligned to them */
    h->coded.w = (f->pic.w + 15) & ~15;
    h->coded.h = (f->pic.h + 15) & ~15;
    for (int c = 0; c < 3; c++) {
        h->coded.data[c] = h->av->data[c];
        h->coded.stride[c] = h->av->linesize[c];
    }
    h->coded.buf = NULL;
    h->f.pic = f->pic; /* points into av's buffer, which the reference keeps */
    if (av->format != AV_PIX_FMT_YUV420P && av->format != AV_PIX_FMT_YUVJ420P) {
        /* the decoder's 4:2:0 conversion is overwritten by the next frame */
        if (fsr_picture_copy(&h->own, &f->pic) < 0) {
            held_clear(h);
            return FSR_ERR(ENOMEM);
        }
        h->f.pic = h->own;
        h->f.pic.buf = NULL;
    }
    h->type = f->pict_type == 'S' ? 'S' : f->pict_type == 'B' ? 'B' : f->pict_type == 'I' ? 'I' : 'P';
    const AVFrameSideData *sd = av_frame_get_side_data(av, AV_FRAME_DATA_MOTION_VECTORS);
    if (sd && sd->size >= sizeof(AVMotionVector)) {
        h->nb_mvs = (int)(sd->size / sizeof(AVMotionVector));
        if (!(h->mvs = malloc(sizeof(AVMotionVector) * h->nb_mvs))) {
            held_clear(h);
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        }
        memcpy(h->mvs, sd->data, sizeof(AVMotionVector) * h->nb_mvs);
        h->scale = h->mvs[0].motion_scale;
    } else {
        h->scale = 0;
    }
    if (h->type == 'B') {
        h->past = ms->last_ref;
        h->future = -1;
        h->dec = -1;
        return 0;
    }
    /* a reference picture: decoded before the B pictures waiting for it */
    h->past = h->type == 'I' ? -1 : ms->last_ref;
    h->future = -1;
    h->dec = ms->next_dec++;
    if (ms->mpeg4 && (keep_col(h, h->coded.w / 16, h->coded.h / 16) < 0 || keep_hist(ms, h) < 0)) {
        held_clear(h);
        return FSR_ERR(ENOMEM);
    }
    for (int k = 0; k < ms->nheld; k++) {
        Held *b = ms->held[k];
        if (b->used && !b->emitted && b->type == 'B' && b->dec < 0 && b->f.display_index < f->display_index) {
            b->future = f->display_index;
            b->dec = ms->next_dec++;
        }
    }
    ms->last_ref = f->display_index;
    return 0;
}

/* ---- motion compensation ---- */

static inline int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Half-pel bilinear prediction of a w x h block at (x, y) displaced by the
 * half-pel vector (hx, hy), samples outside the plane clamped to its edge;
 * rc: MPEG-4's rounding control (0 in MPEG-2 and B pictures). */
static void mc_half(uint8_t *dst, ptrdiff_t ds, const FsrPlaneRef *r, int x, int y, int hx, int hy, int w, int h,
                    int rc)
{
    const int x0 = x + (hx >> 1), y0 = y + (hy >> 1), fx = hx & 1, fy = hy & 1;
    const ptrdiff_t rs = r->stride;
    if (x0 >= 0 && y0 >= 0 && x0 + w + fx <= r->w && y0 + h + fy <= r->h) {
        /* inside the plane: no clamping, one loop per case */
        const uint8_t *s = r->data + (ptrdiff_t)y0 * rs + x0;
        for (int j = 0; j < h; j++, s += rs, dst += ds) {
            if (fx && fy)
                for (int i = 0; i < w; i++)
                    dst[i] = (uint8_t)((s[i] + s[i + 1] + s[i + rs] + s[i + rs + 1] + 2 - rc) >> 2);
            else if (fx || fy)
                for (int i = 0, o = fx ? 1 : (int)rs; i < w; i++)
                    dst[i] = (uint8_t)((s[i] + s[i + o] + 1 - rc) >> 1);
            else
                memcpy(dst, s, (size_t)w);
        }
        return;
    }
    for (int j = 0; j < h; j++) {
        const uint8_t *r0 = r->data + (ptrdiff_t)clampi(y0 + j, 0, r->h - 1) * rs;
        const uint8_t *r1 = r->data + (ptrdiff_t)clampi(y0 + j + fy, 0, r->h - 1) * rs;
        for (int i = 0; i < w; i++) {
            const int a = clampi(x0 + i, 0, r->w - 1), b = clampi(x0 + i + fx, 0, r->w - 1);
            int v;
            if (fx && fy)
                v = (r0[a] + r0[b] + r1[a] + r1[b] + 2 - rc) >> 2;
            else if (fx)
                v = (r0[a] + r0[b] + 1 - rc) >> 1;
            else if (fy)
                v = (r0[a] + r1[a] + 1 - rc) >> 1;
            else
                v = r0[a];
            dst[j * ds + i] = (uint8_t)v;
        }
    }
}

/* H.263 / MPEG-4: the chroma half-pel vector of one luma half-pel vector
 * (16x16 prediction) and of the sum of four (4MV, Table 16 of H.263). */
static int h263_chroma(int h) { return (h >> 1) | (h & 1); }
static int h263_chroma4(int sum)
{
    static const uint8_t tab[16] = { 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2 };
    return tab[sum & 15] + ((sum >> 3) & ~1);
}

static FsrPlaneRef plane(const Held *h, int c)
{
    const FsrPicture *p = &h->coded;
    return (FsrPlaneRef){ p->data[c], p->stride[c], c ? p->w >> 1 : p->w, c ? p->h >> 1 : p->h, 0 };
}

typedef struct Pred {
    uint8_t p[3][16 * 16]; /* stride 16 */
} Pred;

/* One list's prediction of blk (luma w x h at x, y) from ref with the vector
 * mv in codec units; cmv: the chroma half-pel vector. */
static void predict_list(const FsrMpegSide *ms, Pred *out, const Held *ref, const FsrBlock *blk, const int mv[2],
                         const int cmv[2], int qpel, int rc)
{
    const FsrPlaneRef ry = plane(ref, 0);
    if (qpel)
        ms->dsp.luma(out->p[0], 16, &ry, blk->x, blk->y, mv[0], mv[1], blk->w, blk->h);
    else
        mc_half(out->p[0], 16, &ry, blk->x, blk->y, mv[0], mv[1], blk->w, blk->h, rc);
    for (int c = 1; c < 3; c++) {
        const FsrPlaneRef rc_ = plane(ref, c);
        mc_half(out->p[c], 16, &rc_, blk->x >> 1, blk->y >> 1, cmv[0], cmv[1], blk->w >> 1, blk->h >> 1, rc);
    }
}

static unsigned sad_plane(const FsrMpegSide *ms, const Held *cur, const Pred *p, const FsrBlock *blk, int c)
{
    const int sh = c ? 1 : 0;
    return ms->dsp.sad(cur->coded.data[c] + (ptrdiff_t)(blk->y >> sh) * cur->coded.stride[c] + (blk->x >> sh),
                       cur->coded.stride[c], p->p[c], 16, blk->w >> sh, blk->h >> sh);
}

/* ---- the map ---- */

static int ensure(FsrMpegSide *ms, int mb_w, int mb_h)
{
    const int cw = mb_w * 16, ch = mb_h * 16;
    const int nb = mb_w * mb_h * 4;
    if (nb > ms->blocks_cap) {
        FsrBlock *b = realloc(ms->blocks, sizeof(*b) * nb);
        if (!b)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        ms->blocks = b;
        ms->blocks_cap = nb;
    }
    const size_t res = (size_t)cw * ch * 3 / 2;
    if (res > ms->res_cap) {
        free(ms->res);
        if (!(ms->res = malloc(res * sizeof(int16_t)))) {
            ms->res_cap = 0;
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        }
        ms->res_cap = res;
    }
    const size_t cells = (size_t)mb_w * 2 * mb_h * 2;
    if (cells > ms->cells_cap) {
        free(ms->cell_lists);
        free(ms->cell_field);
        free(ms->cell_mv);
        ms->cell_lists = malloc(cells);
        ms->cell_field = malloc(cells);
        ms->cell_mv = malloc(cells * sizeof(*ms->cell_mv));
        if (!ms->cell_lists || !ms->cell_field || !ms->cell_mv) {
            ms->cells_cap = 0;
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        }
        ms->cells_cap = cells;
    }
    memset(ms->res, 0, res * sizeof(int16_t));
    memset(ms->cell_lists, 0, cells);
    memset(ms->cell_field, 0, cells);
    memset(ms->cell_mv, 0, cells * sizeof(*ms->cell_mv));
    return 0;
}

/* The exported vectors onto the 8x8 grid; returns the motion_scale (0: no
 * vector). */
static int grid(FsrMpegSide *ms, const Held *h, int mb_w, int mb_h)
{
    const int cw8 = mb_w * 2;
    int scale = 0;
    for (int i = 0; i < h->nb_mvs; i++) {
        const AVMotionVector *v = &h->mvs[i];
        const int x0 = v->dst_x - v->w / 2, y0 = v->dst_y - v->h / 2;
        if ((v->w != 8 && v->w != 16) || (v->h != 8 && v->h != 16) || (v->motion_scale != 2 && v->motion_scale != 4) ||
            x0 < 0 || y0 < 0 || (x0 | y0) & 7 || x0 + v->w > mb_w * 16 || y0 + v->h > mb_h * 16 ||
            (scale && v->motion_scale != scale)) {
            ms->st.fallback_grid++;
            continue;
        }
        scale = v->motion_scale;
        const int l = v->source > 0;
        /* 16x8 / 8x16 entries are field prediction (MPEG-2 field motion,
         * MPEG-4 interlaced macroblocks): the whole macroblock falls back */
        const int field = v->w != v->h;
        /* 8x8 is MPEG-4's 4MV; an 8x8 entry in MPEG-2 is not expected */
        const int odd = v->w == 8 && v->h == 8 && !ms->mpeg4;
        for (int y = y0 / 8; y < (y0 + v->h) / 8; y++)
            for (int x = x0 / 8; x < (x0 + v->w) / 8; x++) {
                const size_t k = (size_t)y * cw8 + x;
                ms->cell_lists[k] |= (uint8_t)(1 << l);
                ms->cell_mv[k][l][0] = (int16_t)v->motion_x;
                ms->cell_mv[k][l][1] = (int16_t)v->motion_y;
                if (field || odd)
                    ms->cell_field[k] = 1;
            }
    }
    return scale;
}

static FsrBlock *new_block(FsrMpegSide *ms, int x, int y, int size, int kind)
{
    FsrBlock *b = &ms->blocks[ms->map.nb_blocks++];
    memset(b, 0, sizeof(*b));
    b->x = (int16_t)x;
    b->y = (int16_t)y;
    b->w = b->h = (uint8_t)size;
    b->kind = (uint8_t)kind;
    b->ref[0] = b->ref[1] = -1;
    b->ref_idx[0] = b->ref_idx[1] = -1;
    for (int l = 0; l < 2; l++)
        for (int c = 0; c < 3; c++)
            b->weight[l][c] = 1;
    return b;
}

static void intra_block(FsrMpegSide *ms, int x, int y, int size)
{
    new_block(ms, x, y, size, FSR_BLOCK_INTRA);
    ms->map.counts.intra++;
}

/* The chroma half-pel vector of list l of a block (see the standards). */
static void chroma_vector(const FsrMpegSide *ms, const int mv[2], int qpel, int cmv[2])
{
    for (int k = 0; k < 2; k++) {
        if (!ms->mpeg4)
            cmv[k] = mv[k] / 2; /* MPEG-2 4:2:0: truncated toward zero */
        else if (qpel)
            cmv[k] = h263_chroma(mv[k] / 2);
        else
            cmv[k] = h263_chroma(mv[k]);
    }
}

/* Writes residual = decoded - pred of blk and its counts. */
static void store(FsrMpegSide *ms, const Held *cur, FsrBlock *blk, const Pred *p, unsigned sad_y, unsigned sad_c)
{
    FsrBlockMap *m = &ms->map;
    for (int c = 0; c < 3 && sad_y + sad_c; c++) {
        const int sh = c ? 1 : 0, bx = blk->x >> sh, by = blk->y >> sh;
        ms->dsp.residual((int16_t *)m->residual[c] + (ptrdiff_t)by * m->residual_stride[c] + bx,
                         m->residual_stride[c], cur->coded.data[c] + (ptrdiff_t)by * cur->coded.stride[c] + bx,
                         cur->coded.stride[c], p->p[c], 16, blk->w >> sh, blk->h >> sh);
    }
    blk->sad = sad_y + sad_c;
    m->counts.predicted++;
    if (!blk->sad) {
        blk->flags |= FSR_BLOCK_ZERO_RESIDUAL;
        m->counts.zero_residual++;
    }
}

static void count_kind(FsrBlockMap *m, const FsrBlock *b)
{
    m->counts.pskip += b->kind == FSR_BLOCK_PSKIP;
    m->counts.direct += b->kind == FSR_BLOCK_DIRECT;
    m->counts.inter += b->kind == FSR_BLOCK_INTER;
    m->counts.bi += b->lists == 3;
}

/* Refines each list's derived vector of blk (quarter-pel, set) by a
 * quarter sample at a time, up to MV_ROUNDS times, where the H.264 6-tap
 * prediction matches the decoded luma better, then stores the residual
 * against that prediction: derived vectors are scaled guesses (README
 * "MPEG-2 and MPEG-4 block maps"). */
static void refine_store(FsrMpegSide *ms, const Held *cur, const Held *refs[2], FsrBlock *blk)
{
    Pred p[2];
    uint8_t tmp[16 * 16];
    const uint8_t *dec = cur->coded.data[0] + (ptrdiff_t)blk->y * cur->coded.stride[0] + blk->x;
    int n = 0;
    for (int l = 0; l < 2; l++) {
        if (!(blk->lists & (1 << l)))
            continue;
        const FsrPlaneRef ry = plane(refs[l], 0);
        const int cx = blk->mv[l][0], cy = blk->mv[l][1];
        ms->dsp.luma(p[n].p[0], 16, &ry, blk->x, blk->y, cx, cy, blk->w, blk->h);
        unsigned best = ms->dsp.sad(dec, cur->coded.stride[0], p[n].p[0], 16, blk->w, blk->h);
        for (int k = 0, round = 0; k < 9 && best; k++) {
            const int ox = blk->mv[l][0], oy = blk->mv[l][1];
            const int vx = ox + k % 3 - 1, vy = oy + k / 3 - 1;
            if (k == 4)
                continue;
            ms->dsp.luma(tmp, 16, &ry, blk->x, blk->y, vx, vy, blk->w, blk->h);
            const unsigned sad = ms->dsp.sad_below(dec, cur->coded.stride[0], tmp, 16, blk->w, blk->h, best);
            if (sad < best) {
                best = sad;
                blk->mv[l][0] = (int16_t)vx;
                blk->mv[l][1] = (int16_t)vy;
                for (int y = 0; y < blk->h; y++)
                    memcpy(p[n].p[0] + 16 * y, tmp + 16 * y, (size_t)blk->w);
                /* moved: look around the new centre (a few rounds at most) */
                if (++round < MV_ROUNDS)
                    k = -1;
            }
        }
        ms->st.refined += blk->mv[l][0] != cx || blk->mv[l][1] != cy;
        for (int c = 1; c < 3; c++) {
            const FsrPlaneRef rc = plane(refs[l], c);
            ms->dsp.chroma(p[n].p[c], 16, &rc, blk->x >> 1, blk->y >> 1, blk->mv[l][0], blk->mv[l][1], blk->w >> 1,
                           blk->h >> 1);
        }
        n++;
    }
    if (n == 2)
        for (int c = 0; c < 3; c++)
            ms->dsp.biweight(p[0].p[c], p[0].p[c], p[1].p[c], 16, c ? blk->w >> 1 : blk->w, c ? blk->h >> 1 : blk->h,
                             -1, 1, 1, 0, 0);
    store(ms, cur, blk, &p[0], sad_plane(ms, cur, &p[0], blk, 0),
          sad_plane(ms, cur, &p[0], blk, 1) + sad_plane(ms, cur, &p[0], blk, 2));
}

/* An inter block from the stream's vectors (codec units, per list);
 * chroma: explicit chroma vectors (4MV) or NULL to derive them. */
static void stream_block(FsrMpegSide *ms, const Held *cur, const Held *refs[2], FsrBlock *blk, int lists,
                         int mv[2][2], int cmv_in[2][2], int qpel)
{
    FsrBlockMap *m = &ms->map;
    for (int l = 0; l < 2; l++)
        if ((lists & (1 << l)) && !refs[l]) {
            lists &= ~(1 << l);
            ms->st.missing_refs++;
            m->counts.missing_refs++;
        }
    for (int l = 0; l < 2; l++)
        if (lists & (1 << l)) {
            blk->mv[l][0] = (int16_t)(qpel ? mv[l][0] : 2 * mv[l][0]);
            blk->mv[l][1] = (int16_t)(qpel ? mv[l][1] : 2 * mv[l][1]);
            blk->ref[l] = (int32_t)refs[l]->f.display_index;
            blk->ref_idx[l] = 0;
        }
    blk->lists = (uint8_t)lists;
    count_kind(m, blk);
    if (!lists) {
        blk->flags |= FSR_BLOCK_NO_REF;
        m->counts.no_ref++;
        return;
    }
    /* MPEG-4 P pictures alternate the rounding control, which libavcodec
     * does not export: the better of the two */
    const int nrc = ms->mpeg4 && cur->type == 'P' ? 2 : 1;
    Pred best, tmp[2];
    unsigned best_y = UINT_MAX, best_c = UINT_MAX;
    for (int rc = 0; rc < nrc && best_y + best_c; rc++) {
        int n = 0;
        for (int l = 0; l < 2; l++)
            if (lists & (1 << l)) {
                int cmv[2];
                if (cmv_in)
                    cmv[0] = cmv_in[l][0], cmv[1] = cmv_in[l][1];
                else
                    chroma_vector(ms, mv[l], qpel, cmv);
                predict_list(ms, &tmp[n++], refs[l], blk, mv[l], cmv, qpel, rc);
            }
        if (n == 2)
            for (int c = 0; c < 3; c++)
                ms->dsp.biweight(tmp[0].p[c], tmp[0].p[c], tmp[1].p[c], 16, c ? blk->w >> 1 : blk->w,
                                 c ? blk->h >> 1 : blk->h, -1, 1, 1, 0, 0);
        const unsigned sy = sad_plane(ms, cur, &tmp[0], blk, 0);
        const unsigned sc = sad_plane(ms, cur, &tmp[0], blk, 1) + sad_plane(ms, cur, &tmp[0], blk, 2);
        if (best_y == UINT_MAX || sy + sc < best_y + best_c) {
            best = tmp[0];
            best_y = sy;
            best_c = sc;
        }
    }
    ms->st.blocks_stream++;
    ms->st.blocks_exact += best_y + best_c == 0;
    ms->st.blocks_exact_luma += best_y == 0;
    /* the stream's vector as coded, the residual against MPEG's own
     * prediction: refining these vectors by a quarter sample gained
     * nothing on the pan sample (MPEG-2 35.337 dB refined against 35.344
     * as coded, MPEG-4 with one I picture 35.212 against 35.209) at three
     * times the cost (README) */
    store(ms, cur, blk, &best, best_y, best_c);
}

/* Sum of |sample - mean| over a luma block. */
static unsigned deviation(const Held *cur, const FsrBlock *b)
{
    const uint8_t *p = cur->coded.data[0] + (ptrdiff_t)b->y * cur->coded.stride[0] + b->x;
    const ptrdiff_t s = cur->coded.stride[0];
    unsigned sum = 0, dev = 0;
    for (int y = 0; y < b->h; y++)
        for (int x = 0; x < b->w; x++)
            sum += p[y * s + x];
    const int mean = (int)((sum + (unsigned)(b->w * b->h / 2)) / (unsigned)(b->w * b->h));
    for (int y = 0; y < b->h; y++)
        for (int x = 0; x < b->w; x++)
            dev += (unsigned)abs(p[y * s + x] - mean);
    return dev;
}

/* A forward / backward vector pair (codec units) for an MPEG-4 B block. */
typedef struct Pair Pair;

/* MPEG-4 B block: the exported vectors are unusable, so vectors are
 * derived (the direct mode's: the co-located vector of the future
 * reference scaled by the display distances; the past reference's vector
 * scaled likewise, for constant motion; the left neighbour's choice; zero)
 * and forward, backward and bi-directional prediction from each pair are
 * compared by luma SAD. */
static void derived_block(FsrMpegSide *ms, const Held *cur, const Held *refs[2], int x, int y, int size,
                          const Pair *cand, int ncand)
{
    FsrBlockMap *m = &ms->map;
    FsrBlock *blk = new_block(ms, x, y, size, FSR_BLOCK_DIRECT);
    const uint8_t *dec = cur->coded.data[0] + (ptrdiff_t)y * cur->coded.stride[0] + x;
    const ptrdiff_t ds = cur->coded.stride[0];
    uint8_t luma[3][16 * 16]; /* L0, L1, their average */
    unsigned best_sad = UINT_MAX;
    int bi = -1, blists = 0;
    /* luma alone decides; the chosen option's full prediction comes after */
    for (int i = 0; i < ncand && best_sad; i++) {
        for (int l = 0; l < 2; l++)
            if (refs[l]) {
                const FsrPlaneRef ry = plane(refs[l], 0);
                ms->dsp.luma(luma[l], 16, &ry, x, y, cand[i].v[l][0], cand[i].v[l][1], size, size);
            }
        static const int opts[3] = { 3, 1, 2 };
        for (int o = 0; o < 3 && best_sad; o++) {
            const int lists = opts[o];
            if ((lists & 1 && !refs[0]) || (lists & 2 && !refs[1]))
                continue;
            if (lists == 3)
                ms->dsp.biweight(luma[2], luma[0], luma[1], 16, size, size, -1, 1, 1, 0, 0);
            const unsigned sad = ms->dsp.sad_below(dec, ds, luma[lists == 3 ? 2 : lists - 1], 16, size, size, best_sad);
            if (sad < best_sad) {
                best_sad = sad;
                bi = i;
                blists = lists;
            }
        }
    }
    if (bi < 0 ||
        (best_sad > (unsigned)(INTRA_MIN_SAD_PER_PIXEL * size * size) && 2 * best_sad >= deviation(cur, blk))) {
        blk->kind = FSR_BLOCK_INTRA;
        m->counts.intra++;
        ms->st.derived_intra++;
        return;
    }
    ms->left = cand[bi];
    ms->have_left = 1;
    blk->lists = (uint8_t)blists;
    for (int l = 0; l < 2; l++)
        if (blk->lists & (1 << l)) {
            blk->mv[l][0] = (int16_t)cand[bi].v[l][0];
            blk->mv[l][1] = (int16_t)cand[bi].v[l][1];
            blk->ref[l] = (int32_t)refs[l]->f.display_index;
            blk->ref_idx[l] = 0;
        }
    count_kind(m, blk);
    ms->st.derived++;
    refine_store(ms, cur, refs, blk);
    m->unmodelled |= FSR_UNMODELLED_DERIVED;
}

static int same_cells(const FsrMpegSide *ms, size_t k0, int cw8)
{
    const size_t k[4] = { k0, k0 + 1, k0 + cw8, k0 + cw8 + 1 };
    for (int i = 1; i < 4; i++)
        if (ms->cell_lists[k[i]] != ms->cell_lists[k0] || memcmp(ms->cell_mv[k[i]], ms->cell_mv[k0], sizeof(ms->cell_mv[0])))
            return 0;
    return 1;
}

/* One macroblock of a P or B picture from its exported vectors. */
static void stream_mb(FsrMpegSide *ms, const Held *cur, const Held *refs[2], int mx, int my, int qpel)
{
    FsrBlockMap *m = &ms->map;
    const int cw8 = m->mb_w * 2;
    const size_t k0 = (size_t)my * 2 * cw8 + mx * 2;
    const size_t k[4] = { k0, k0 + 1, k0 + cw8, k0 + cw8 + 1 };
    const int x0 = mx * 16, y0 = my * 16;
    int any = 0, field = 0;
    for (int i = 0; i < 4; i++) {
        any |= ms->cell_lists[k[i]];
        field |= ms->cell_field[k[i]];
    }
    if (field) {
        ms->st.fallback_field++;
        m->unmodelled |= FSR_UNMODELLED_FIELD;
        intra_block(ms, x0, y0, 16);
        return;
    }
    if (!any) {
        /* intra, or a skipped P macroblock that was not exported: the
         * zero-vector prediction tells them apart */
        if (cur->type == 'P' && refs[0]) {
            FsrBlock probe = { .x = (int16_t)x0, .y = (int16_t)y0, .w = 16, .h = 16 };
            Pred p;
            const int zero[2] = { 0, 0 };
            predict_list(ms, &p, refs[0], &probe, zero, zero, 0, 0);
            if (!sad_plane(ms, cur, &p, &probe, 0) && !sad_plane(ms, cur, &p, &probe, 1) &&
                !sad_plane(ms, cur, &p, &probe, 2)) {
                FsrBlock *b = new_block(ms, x0, y0, 16, FSR_BLOCK_PSKIP);
                int mv[2][2] = { { 0, 0 }, { 0, 0 } };
                ms->st.skip_found++;
                stream_block(ms, cur, refs, b, 1, mv, NULL, qpel);
                return;
            }
        }
        ms->st.intra_mbs++;
        intra_block(ms, x0, y0, 16);
        return;
    }
    if (same_cells(ms, k0, cw8)) {
        FsrBlock *b = new_block(ms, x0, y0, 16, FSR_BLOCK_INTER);
        int mv[2][2];
        for (int l = 0; l < 2; l++)
            mv[l][0] = ms->cell_mv[k0][l][0], mv[l][1] = ms->cell_mv[k0][l][1];
        stream_block(ms, cur, refs, b, ms->cell_lists[k0], mv, NULL, qpel);
        return;
    }
    /* 4MV (MPEG-4 P): one chroma vector for the macroblock from the sum of
     * the four luma vectors */
    int cmv[2][2] = { { 0, 0 }, { 0, 0 } }, four = ms->mpeg4;
    for (int i = 0; i < 4; i++)
        four &= ms->cell_lists[k[i]] == 1;
    if (four)
        for (int c = 0; c < 2; c++) {
            int sum = 0;
            for (int i = 0; i < 4; i++)
                sum += qpel ? ms->cell_mv[k[i]][0][c] / 2 : ms->cell_mv[k[i]][0][c];
            cmv[0][c] = h263_chroma4(sum);
        }
    for (int i = 0; i < 4; i++) {
        const int bx = x0 + (i & 1) * 8, by = y0 + (i >> 1) * 8;
        if (!ms->cell_lists[k[i]]) {
            intra_block(ms, bx, by, 8);
            continue;
        }
        FsrBlock *b = new_block(ms, bx, by, 8, FSR_BLOCK_INTER);
        int mv[2][2];
        for (int l = 0; l < 2; l++)
            mv[l][0] = ms->cell_mv[k[i]][l][0], mv[l][1] = ms->cell_mv[k[i]][l][1];
        stream_block(ms, cur, refs, b, ms->cell_lists[k[i]], mv, four ? cmv : NULL, qpel);
    }
}

/* Adds the pair of a reference's vector col spanning span display steps,
 * scaled to the B picture's distances trb (to the past reference) and
 * trb - trd (to the future one). */
static int add_pair(Pair *c, int n, const int col[2], int64_t span, int64_t trb, int64_t trd)
{
    if (span <= 0 || n >= 8)
        return n;
    for (int k = 0; k < 2; k++) {
        c[n].v[0][k] = (int)(col[k] * trb / span);
        c[n].v[1][k] = (int)(col[k] * (trb - trd) / span);
    }
    for (int i = 0; i < n; i++)
        if (!memcmp(&c[i], &c[n], sizeof(c[n])))
            return n;
    return n + 1;
}

/* One macroblock of an MPEG-4 B picture, from derived vectors: one block,
 * or four where the future reference's co-located vectors differ (4MV). */
static void derived_mb(FsrMpegSide *ms, const Held *cur, const Held *refs[2], int mx, int my, int qpel)
{
    const int cw8 = ms->map.mb_w * 2;
    const size_t k0 = (size_t)my * 2 * cw8 + mx * 2;
    const size_t k[4] = { k0, k0 + 1, k0 + cw8, k0 + cw8 + 1 };
    const Held *past = refs[0], *fut = refs[1];
    const int64_t disp = cur->f.display_index;
    const int64_t trb = past ? disp - past->f.display_index : 1;
    const int64_t trd = past && fut ? fut->f.display_index - past->f.display_index : 2;
    const int64_t past_span = past && past->past >= 0 ? past->f.display_index - past->past : 0;
    if (mx == 0)
        ms->have_left = 0;
    /* derived in quarter-pel whatever the stream's unit: a half-pel vector
     * scaled by a third is not a half-pel one */
    const int u = qpel ? 1 : 2;
    int split = 0;
    if (fut && fut->col)
        for (int i = 1; i < 4; i++)
            split |= fut->col_ok[k[i]] != fut->col_ok[k0] || fut->col[k[i]][0] != fut->col[k0][0] ||
                     fut->col[k[i]][1] != fut->col[k0][1];
    for (int i = 0; i < (split ? 4 : 1); i++) {
        Pair c[8];
        int n = 0;
        if (fut && fut->col && fut->col_ok[k[i]]) {
            const int col[2] = { u * fut->col[k[i]][0], u * fut->col[k[i]][1] };
            n = add_pair(c, n, col, trd, trb, trd);
        }
        if (past && past->col && past->col_ok[k[i]]) {
            const int col[2] = { u * past->col[k[i]][0], u * past->col[k[i]][1] };
            n = add_pair(c, n, col, past_span, trb, trd);
        }
        if (!n && ms->hist_cells == (size_t)cw8 * ms->map.mb_h * 2 && ms->hist_ok[k[i]]) {
            const int col[2] = { u * ms->hist[k[i]][0], u * ms->hist[k[i]][1] };
            n = add_pair(c, n, col, ms->hist_span, trb, trd);
        }
        if (ms->have_left)
            c[n++] = ms->left;
        memset(&c[n++], 0, sizeof(c[0]));
        const int size = split ? 8 : 16;
        derived_block(ms, cur, refs, mx * 16 + (split ? (i & 1) * 8 : 0), my * 16 + (split ? (i >> 1) * 8 : 0),
                      size, c, n);
    }
}

static int build(FsrMpegSide *ms, Held *h)
{
    const double t0 = clock_wall();
    const int mb_w = h->coded.w / 16, mb_h = h->coded.h / 16;
    int ret = ensure(ms, mb_w, mb_h);
    if (ret < 0)
        return ret;
    FsrBlockMap *m = &ms->map;
    const int cw = mb_w * 16, ch = mb_h * 16;
    memset(m, 0, sizeof(*m));
    m->side_info = 1;
    m->display_index = h->f.display_index;
    m->decode_index = h->dec;
    m->pts = h->f.pts;
    m->type = h->type == 'S' ? 'P' : h->type;
    m->is_ref = h->type != 'B';
    m->nal_ref_idc = m->is_ref;
    m->poc = (int32_t)(2 * h->f.display_index);
    m->width = h->f.pic.w;
    m->height = h->f.pic.h;
    m->coded_w = cw;
    m->coded_h = ch;
    m->mb_w = mb_w;
    m->mb_h = mb_h;
    m->corrupt = h->f.corrupt;
    m->blocks = ms->blocks;
    m->residual[0] = ms->res;
    m->residual[1] = ms->res + (size_t)cw * ch;
    m->residual[2] = ms->res + (size_t)cw * ch * 5 / 4;
    m->residual_stride[0] = cw;
    m->residual_stride[1] = m->residual_stride[2] = cw / 2;

    const Held *refs[2] = { find(ms, h->past), find(ms, h->future) };
    const int scale = h->type == 'I' ? 0 : grid(ms, h, mb_w, mb_h);
    const int qpel = scale == 4;
    const int derive = ms->mpeg4 && h->type == 'B';
    unsigned whole = 0; /* whole-picture fallback: every block intra, the picture gets SR */
    if (h->av->format != AV_PIX_FMT_YUV420P && h->av->format != AV_PIX_FMT_YUVJ420P) {
        whole = FSR_UNMODELLED_FORMAT;
        ms->st.frames_format++;
    } else if (ms->st.field_packets) {
        /* field pictures: where libavcodec puts their vectors was not
         * measured (no encoder at hand makes them), so no map is made */
        whole = FSR_UNMODELLED_FIELD;
        ms->st.frames_field++;
    } else if (h->type == 'S') {
        whole = FSR_UNMODELLED_GMC;
        ms->st.frames_gmc++;
    } else if (h->type != 'I' && !scale && !(derive && refs[0] && refs[1])) {
        whole = FSR_UNMODELLED_MV;
        ms->st.frames_no_vectors++;
    }
    if (h->type == 'B' && (!refs[0] || !refs[1]))
        m->counts.missing_refs += !refs[0] + !refs[1];
    for (int my = 0; my < mb_h; my++)
        for (int mx = 0; mx < mb_w; mx++) {
            if (h->type == 'I' || whole)
                intra_block(ms, mx * 16, my * 16, 16);
            else if (derive)
                derived_mb(ms, h, refs, mx, my, refs[1] && refs[1]->scale ? refs[1]->scale == 4 : qpel);
            else
                stream_mb(ms, h, refs, mx, my, qpel);
        }
    if (whole)
        m->unmodelled |= whole | FSR_UNMODELLED_NO_MAP;
    ms->st.frames++;
    ms->st.seconds += clock_wall() - t0;
    return 0;
}

int fsr_mpeg_side_read(FsrMpegSide *ms, FsrDecoder *dec, FsrFrame *frame, const FsrBlockMap **map)
{
    int ret;
    ms->out = -1;
    release(ms);
    for (;;) {
        const int hd = head(ms);
        if (hd >= 0) {
            Held *h = ms->held[hd];
            const int ready = h->type != 'B' || h->future >= 0 || ms->eof || npending(ms) > MAX_HELD;
            if (ready) {
                if (h->dec < 0)
                    h->dec = ms->next_dec++; /* no future reference came */
                if ((ret = build(ms, h)) < 0)
                    return ret;
                h->emitted = 1;
                ms->out = hd;
                *frame = h->f;
                frame->decode_index = h->dec;
                *map = &ms->map;
                return 0;
            }
        } else if (ms->eof) {
            return ms->pending_err ? ms->pending_err : 1;
        }
        FsrFrame f;
        ret = fsr_decoder_read(dec, &f);
        if (ret < 0 && ret != FSR_ERR(ENOMEM) && head(ms) >= 0) {
            /* unreadable rest of the file: hand out what was decoded first */
            ms->pending_err = ret;
            ms->eof = 1;
            continue;
        }
        if (ret < 0)
            return ret;
        if (ret == 1) {
            ms->eof = 1;
            continue;
        }
        if ((ret = intake(ms, &f)) < 0)
            return ret;
    }
}
