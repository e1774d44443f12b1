/* fastsr's own motion search (fastsr/motion.h): block maps from decoded LR
 * pictures.  The SAD, SATD and interpolation kernels are the H.264 LR MC
 * table's (src/h264/h264_mc.h: C references, SSE2/AVX2 versions, compared in
 * tests/test_h264_mc.c), so the prediction here is the same arithmetic as
 * the stream path's. */
#include "fastsr/motion.h"

#include <errno.h>
#include <limits.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cpu.h"
#include "h264_mc.h"
#include "log.h"

/* Replicated border around the padded copy of the reference luma: the
 * integer search reads up to range + 16 samples outside the picture, the
 * 6-tap filter 3 more. */
#define PAD 56
#define MAX_RANGE 32
/* Mean |difference| per sample under which a candidate is "good enough"
 * to skip the logarithmic search. */
#define GOOD_SAD_PER_PIXEL 3
/* What an 8x8 split must save (SAD) to be chosen: four vectors instead of
 * one cost the transfer more seams. */
#define SPLIT_PENALTY 48
/* A 16x16 match this good (SAD per sample) is not worth an 8x8 search. */
#define SPLIT_MIN_SAD_PER_PIXEL 2
/* Default FsrMotionSettings.subpel_margin: a sub-pel vector must beat the
 * integer one by this much per 256 samples (a quarter per sample): an integer vector copies the HR
 * reference, a fractional one resamples (blurs) it, and a match that is
 * only a little better often fits noise. Measured at every:16 (HEVC LR):
 * zoom +0.016 dB, camera +0.001, pan +0.003, MPEG-2 zoom +0.047, and
 * 5-11% less search time (the early exits come sooner). */
#define SUBPEL_MARGIN_PER_256 64
/* A block is intra when its best SAD per sample exceeds this and the match
 * removes less than half of the block's own deviation from its mean. */
#define INTRA_MIN_SAD_PER_PIXEL 8
/* Default anchor interval: see fsr_motion_defaults. */
#define DEFAULT_ANCHOR 4
#define MAX_ANCHOR 16
/* FsrMotionSettings.refs: at most this many anchors are searched.  An
 * older reference is used only within FSR_MOTION_MAX_REF_DIST pictures:
 * the transfer keeps the 16 latest HR pictures (H.264's limit). */
#define MAX_REFS 4
/* What an older reference must save (SAD per 256 samples) to be chosen
 * over the newest: its vector crosses more pictures, so a near tie is
 * more likely a coincidence than the same content. */
#define OLDER_REF_PENALTY_PER_256 32
/* The picture is searched in about this many slices of whole macroblock
 * rows, on as many threads as there are (the layout does not depend on
 * the thread count, so neither does the map); a slice's first row takes
 * its top candidates from the previous map instead of the slice above. */
#define SLICES 8

typedef struct Vec {
    int x, y; /* quarter-pel */
} Vec;

/* One anchor picture kept as a reference. */
typedef struct Ref {
    /* padded luma copy and H.264's half-sample planes (b, h, j of
     * 8.4.2.2.1) laid out like it: the sub-pel search reads them instead of
     * interpolating every candidate */
    uint8_t *buf, *half;
    size_t cap;
    FsrPicture pic;   /* chroma planes */
    FsrPicture pic16; /* the high-depth picture (prediction and residual) */
    int64_t display;
    int pos;          /* since_restart when it was searched */
} Ref;

struct FsrMotionSearch {
    FsrMotionSettings s;
    FsrH264McDSP dsp;
    /* the last anchors, newest first (refs[0]: the reference of every
     * block unless FsrMotionSettings.refs allows an older one) */
    Ref refs[MAX_REFS];
    int nrefs;            /* of them valid */
    size_t ref_size;      /* bytes of each padded plane */
    ptrdiff_t ref_stride;
    int have_ref;
    int since_restart;    /* pictures since the last all-intra one */
    /* the last picture searched: it becomes the reference at the next call
     * if it is an anchor, or a key frame (fsr_motion_mark_key) */
    FsrPicture last;
    int have_last, last_anchor, last_pos;
    int64_t last_display;
    int prev_dist;        /* pictures spanned by the previous map's vectors, 0: none */
    int dist;             /* this picture's distance to its reference (refs[0]) */
    int ref_dist[MAX_REFS]; /* its distance to each reference, 0: not usable */
    int threads;
    int w, h;
    int mb_w, mb_h;
    Vec *mv16, *prev_mv16; /* per macroblock, this and the previous map */
    uint8_t *mb_blocks;    /* per macroblock: its blocks (1 or 4), at blocks[4 * mb] until gathered */
    FsrBlockMap map;
    FsrBlock *blocks;
    int blocks_cap;
    int16_t *res;
    size_t res_cap;
    FsrMotionStats st;
    /* High-depth pictures: the search runs on an 8-bit proxy (the vectors
     * and block decisions need no more), the prediction and residual at
     * the picture's own depth from 16-bit copies of the same pictures. */
    FsrPicture proxy;
    const FsrPicture *cur16; /* the picture being searched, during a call */
    FsrPicture last16;
};

void fsr_motion_defaults(FsrMotionSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->range = MAX_RANGE;
    s->split = 1;
    s->anchor = DEFAULT_ANCHOR;
    s->subpel_margin = SUBPEL_MARGIN_PER_256;
    /* SAD: SATD gained 0.001-0.006 dB for 5-10% more search time (README) */
    s->subpel_metric = FSR_MOTION_METRIC_SAD;
    s->refs = 1;
}

int fsr_motion_open(FsrMotionSearch **pms, const FsrMotionSettings *s)
{
    if (!pms)
        return fsr_error(FSR_ERR(EINVAL), "motion: NULL argument");
    *pms = NULL;
    FsrMotionSettings d;
    fsr_motion_defaults(&d);
    if (s)
        d = *s;
    if (d.range < 4 || d.range > MAX_RANGE)
        return fsr_error(FSR_ERR(EINVAL), "motion: search range %d outside 4..%d", d.range, MAX_RANGE);
    if (!d.anchor)
        d.anchor = DEFAULT_ANCHOR;
    if (!d.refs)
        d.refs = 1;
    if (d.refs < 1 || d.refs > MAX_REFS)
        return fsr_error(FSR_ERR(EINVAL), "motion: %d reference pictures outside 1..%d", d.refs, MAX_REFS);
    if (d.subpel_margin < 0 || d.subpel_margin > 1024)
        return fsr_error(FSR_ERR(EINVAL), "motion: sub-pel margin %d outside 0..1024", d.subpel_margin);
    if (d.anchor < 1 || d.anchor > MAX_ANCHOR)
        return fsr_error(FSR_ERR(EINVAL), "motion: anchor interval %d outside 1..%d", d.anchor, MAX_ANCHOR);
    if (d.subpel_metric != FSR_MOTION_METRIC_SAD && d.subpel_metric != FSR_MOTION_METRIC_SATD)
        return fsr_error(FSR_ERR(EINVAL), "motion: sub-pel metric %d is neither SAD (%d) nor SATD (%d)",
                         d.subpel_metric, FSR_MOTION_METRIC_SAD, FSR_MOTION_METRIC_SATD);
    FsrMotionSearch *ms = calloc(1, sizeof(*ms));
    if (!ms)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    ms->s = d;
    ms->threads = d.threads > 0 ? d.threads : omp_get_max_threads();
    fsr_h264_mc_dsp_init(&ms->dsp, fsr_cpu_flags());
    *pms = ms;
    return 0;
}

void fsr_motion_close(FsrMotionSearch **pms)
{
    if (!pms || !*pms)
        return;
    FsrMotionSearch *ms = *pms;
    for (int r = 0; r < MAX_REFS; r++) {
        free(ms->refs[r].buf);
        free(ms->refs[r].half);
        fsr_picture_close(&ms->refs[r].pic);
        fsr_picture_close(&ms->refs[r].pic16);
    }
    fsr_picture_close(&ms->last);
    fsr_picture_close(&ms->proxy);
    fsr_picture_close(&ms->last16);
    free(ms->mv16);
    free(ms->prev_mv16);
    free(ms->mb_blocks);
    free(ms->blocks);
    free(ms->res);
    free(ms);
    *pms = NULL;
}

int fsr_motion_mark_key(FsrMotionSearch *ms, int64_t display_index)
{
    if (!ms || !ms->have_last || ms->last_display != display_index)
        return 0;
    if (!ms->last_anchor)
        ms->st.key_anchors++;
    ms->last_anchor = 1;
    return 1;
}

void fsr_motion_stats(const FsrMotionSearch *ms, FsrMotionStats *st)
{
    if (ms && st)
        *st = ms->st;
    else if (st)
        memset(st, 0, sizeof(*st));
}

/* ---- one block's search ---- */

typedef struct Ctx {
    FsrMotionSearch *ms;
    const uint8_t *cur;  /* luma of the block's picture */
    ptrdiff_t cs;
    const uint8_t *ref;  /* padded reference luma, at (0, 0) of the picture */
    ptrdiff_t rs;
    const uint8_t *half[3]; /* b, h, j planes at (0, 0) of the picture */
    int bx, by, bw, bh;
    int ref_slot;        /* which of ms->refs ref and half point into */
    int range;
    int wide;            /* a logarithmic search when no candidate fits (16x16 blocks) */
    int64_t sad_calls;   /* this slice's kernel calls, summed into the stats */
    int64_t older_ref;   /* this slice's blocks from an older reference, likewise */
    uint8_t tmp[16 * 16];
} Ctx;

static int clamp_q(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Points the block search at reference k. */
static void use_ref(Ctx *c, int k)
{
    const FsrMotionSearch *ms = c->ms;
    const Ref *r = &ms->refs[k];
    const ptrdiff_t o = PAD * ms->ref_stride + PAD;
    c->ref = r->buf + o;
    c->rs = ms->ref_stride;
    for (int p = 0; p < 3; p++)
        c->half[p] = r->half + (size_t)p * ms->ref_size + o;
    c->ref_slot = k;
}

/* The vector clamped to the search window (quarter-pel). */
static Vec clamp_vec(const Ctx *c, Vec v)
{
    const int r = c->range * 4;
    v.x = clamp_q(v.x, -r, r);
    v.y = clamp_q(v.y, -r, r);
    return v;
}

static unsigned sad_int(Ctx *c, int ix, int iy, unsigned limit)
{
    c->sad_calls++;
    const uint8_t *a = c->cur + (ptrdiff_t)c->by * c->cs + c->bx;
    const uint8_t *b = c->ref + (ptrdiff_t)(c->by + iy) * c->rs + c->bx + ix;
    return c->ms->dsp.sad_below(a, c->cs, b, c->rs, c->bw, c->bh, limit);
}

/* The two samples whose rounded average is each quarter position of
 * Table 8-12, as (plane, dx, dy): plane 0 integer, 1 b, 2 h, 3 j; half and
 * integer positions are one plane (the second entry repeats it). */
static const int8_t quarter_src[16][2][3] = {
    { { 0, 0, 0 }, { 0, 0, 0 } }, { { 0, 0, 0 }, { 1, 0, 0 } }, { { 1, 0, 0 }, { 1, 0, 0 } },
    { { 0, 1, 0 }, { 1, 0, 0 } }, /* fy 0 */
    { { 0, 0, 0 }, { 2, 0, 0 } }, { { 1, 0, 0 }, { 2, 0, 0 } }, { { 1, 0, 0 }, { 3, 0, 0 } },
    { { 1, 0, 0 }, { 2, 1, 0 } }, /* fy 1 */
    { { 2, 0, 0 }, { 2, 0, 0 } }, { { 2, 0, 0 }, { 3, 0, 0 } }, { { 3, 0, 0 }, { 3, 0, 0 } },
    { { 3, 0, 0 }, { 2, 1, 0 } }, /* fy 2 */
    { { 0, 0, 1 }, { 2, 0, 0 } }, { { 2, 0, 0 }, { 1, 0, 1 } }, { { 3, 0, 0 }, { 1, 0, 1 } },
    { { 2, 1, 0 }, { 1, 0, 1 } }, /* fy 3 */
};

/* The two samples planes whose rounded average is the prediction at
 * quarter-pel v (the same plane twice at integer and half positions). */
static void quarter_planes(const Ctx *c, Vec v, const uint8_t *p[2])
{
    const int ix = v.x >> 2, iy = v.y >> 2, q = (v.y & 3) * 4 + (v.x & 3);
    for (int k = 0; k < 2; k++) {
        const int8_t *e = quarter_src[q][k];
        const uint8_t *plane = e[0] ? c->half[e[0] - 1] : c->ref;
        p[k] = plane + (ptrdiff_t)(c->by + iy + e[2]) * c->rs + c->bx + ix + e[1];
    }
}

/* The prediction at quarter-pel v, as the H.264 luma MC would give it,
 * read from the half-sample planes: a pointer into a plane when the
 * position is one plane's sample, else the rounded average of two planes
 * in c->tmp; *stride is its row stride. */
static const uint8_t *pred_q(Ctx *c, Vec v, ptrdiff_t *stride)
{
    const uint8_t *p[2];
    quarter_planes(c, v, p);
    *stride = c->rs;
    if (p[0] == p[1])
        return p[0];
    for (int y = 0; y < c->bh; y++)
        for (int x = 0; x < c->bw; x++)
            c->tmp[y * 16 + x] = (uint8_t)((p[0][y * c->rs + x] + p[1][y * c->rs + x] + 1) >> 1);
    *stride = 16;
    return c->tmp;
}

/* SAD of the block against the prediction at quarter-pel v (the average
 * of two planes taken inside the SAD kernel). */
static unsigned sad_q(Ctx *c, Vec v, unsigned limit)
{
    if (!(v.x & 3) && !(v.y & 3))
        return sad_int(c, v.x >> 2, v.y >> 2, limit);
    const uint8_t *p[2];
    quarter_planes(c, v, p);
    const uint8_t *cur = c->cur + (ptrdiff_t)c->by * c->cs + c->bx;
    c->sad_calls++;
    if (p[0] == p[1])
        return c->ms->dsp.sad_below(cur, c->cs, p[0], c->rs, c->bw, c->bh, limit);
    return c->ms->dsp.sad_avg_below(cur, c->cs, p[0], p[1], c->rs, c->bw, c->bh, limit);
}

/* SATD (h264_mc.h) of the block against the prediction at quarter-pel v;
 * the block's sides must be multiples of 4 (subpel_satd). */
static unsigned satd_q(Ctx *c, Vec v)
{
    ptrdiff_t ps;
    const uint8_t *p = pred_q(c, v, &ps);
    c->sad_calls++;
    return c->ms->dsp.satd(c->cur + (ptrdiff_t)c->by * c->cs + c->bx, c->cs, p, ps, c->bw, c->bh);
}

/* Whether the sub-pel decisions of this block compare SATD: the setting
 * asks for it and the block is whole 4x4s (at the right and bottom edges
 * of a picture whose size is not a multiple of 4 they stay on SAD; every
 * candidate of one block has the same size, so each decision is still
 * one metric). */
static int subpel_satd(const Ctx *c)
{
    return c->ms->s.subpel_metric == FSR_MOTION_METRIC_SATD && !(c->bw & 3) && !(c->bh & 3);
}

/* How much a sub-pel vector must beat an integer one by, for this block
 * (FsrMotionSettings.subpel_margin is per 256 samples). */
static unsigned subpel_margin(const Ctx *c)
{
    return (unsigned)(c->ms->s.subpel_margin * c->bw * c->bh / 256);
}

/* The cost of quarter-pel v for the sub-pel decisions: SATD, or SAD
 * (which may stop early at limit: only smaller costs are wanted). */
static unsigned subpel_cost(Ctx *c, Vec v, int satd, unsigned limit)
{
    return satd ? satd_q(c, v) : sad_q(c, v, limit);
}

/* Integer descent with the small diamond from *best (integer vector). */
static void diamond(Ctx *c, Vec *best, unsigned *best_sad)
{
    static const int dx[4] = { -1, 1, 0, 0 }, dy[4] = { 0, 0, -1, 1 };
    int came_from = -1; /* the point the last step left: known to cost more */
    for (int it = 0; it < 4 * MAX_RANGE; it++) {
        Vec center = *best;
        int moved = -1;
        for (int k = 0; k < 4; k++) {
            if (k == came_from)
                continue;
            Vec v = { center.x + 4 * dx[k], center.y + 4 * dy[k] };
            if (v.x < -4 * c->range || v.x > 4 * c->range || v.y < -4 * c->range || v.y > 4 * c->range)
                continue;
            unsigned s = sad_int(c, v.x >> 2, v.y >> 2, *best_sad);
            if (s < *best_sad) {
                *best_sad = s;
                *best = v;
                moved = k;
            }
        }
        if (moved < 0)
            break;
        came_from = moved ^ 1;
    }
}

/* Half- then quarter-pel refinement around *best (an integer vector; a
 * sub-pel one only where it wins by the margin): the 8 half-pel
 * neighbours, then the 4 quarter-pel ones on the axes and the one diagonal
 * between the better of each pair (5 costs instead of 8: 8-12% less search
 * time, the same PSNR within 0.01 dB on the zoom, camera and pan clips);
 * *best_cost is its cost in the sub-pel metric (subpel_cost). */
static void refine(Ctx *c, Vec *best, unsigned *best_cost, int satd)
{
    const unsigned margin = subpel_margin(c);
    const Vec int_best = *best;
    const unsigned int_cost = *best_cost;
    if (*best_cost > margin)
        *best_cost -= margin;
    else
        *best_cost = 0;
    Vec center = *best;
    for (int ky = -1; ky <= 1; ky++)
        for (int kx = -1; kx <= 1; kx++) {
            if (!kx && !ky)
                continue;
            Vec v = clamp_vec(c, (Vec){ center.x + 2 * kx, center.y + 2 * ky });
            unsigned s = subpel_cost(c, v, satd, *best_cost);
            if (s < *best_cost) {
                *best_cost = s;
                *best = v;
            }
        }
    center = *best;
    const unsigned center_cost = *best_cost;
    unsigned axis[4]; /* -x, +x, -y, +y */
    for (int k = 0; k < 4; k++) {
        const Vec v = clamp_vec(c, (Vec){ center.x + (k < 2 ? 2 * k - 1 : 0), center.y + (k < 2 ? 0 : 2 * k - 5) });
        /* no early exit here: the diagonal's choice compares them */
        axis[k] = (v.x == center.x && v.y == center.y) ? center_cost : subpel_cost(c, v, satd, UINT_MAX);
        if (axis[k] < *best_cost) {
            *best_cost = axis[k];
            *best = v;
        }
    }
    const int sx = axis[0] < axis[1] ? -1 : 1, sy = axis[2] < axis[3] ? -1 : 1;
    const Vec d = clamp_vec(c, (Vec){ center.x + sx, center.y + sy });
    if (d.x != center.x || d.y != center.y) {
        const unsigned s = subpel_cost(c, d, satd, *best_cost);
        if (s < *best_cost) {
            *best_cost = s;
            *best = d;
        }
    }
    if (best->x == int_best.x && best->y == int_best.y)
        *best_cost = int_cost;
}

/* Full search of one block from candidate vectors (quarter-pel). */
static Vec search_block(Ctx *c, const Vec *cand, int ncand, unsigned *out_sad)
{
    Vec best = { 0, 0 };
    unsigned best_sad = sad_int(c, 0, 0, UINT_MAX);
    Vec tried[8];
    int ntried = 0;
    for (int i = 0; i < ncand && i < 8; i++) {
        /* candidates start the integer search at their rounded position;
         * neighbours often agree: each position once */
        Vec v = clamp_vec(c, cand[i]);
        v.x = (v.x + 2) & ~3;
        v.y = (v.y + 2) & ~3;
        v = clamp_vec(c, v);
        int seen = v.x == 0 && v.y == 0;
        for (int k = 0; k < ntried && !seen; k++)
            seen = tried[k].x == v.x && tried[k].y == v.y;
        if (seen)
            continue;
        tried[ntried++] = v;
        unsigned s = sad_int(c, v.x >> 2, v.y >> 2, best_sad);
        if (s < best_sad) {
            best_sad = s;
            best = v;
        }
    }
    if (c->wide && best_sad > (unsigned)(GOOD_SAD_PER_PIXEL * c->bw * c->bh)) {
        /* no candidate fits: a logarithmic search, eight points at steps
         * halving from half the window */
        for (int step = c->range / 2; step >= 2; step /= 2) {
            const Vec center = best;
            for (int k = 0; k < 8; k++) {
                static const int dx[8] = { -1, 1, 0, 0, -1, 1, -1, 1 }, dy[8] = { 0, 0, -1, 1, -1, -1, 1, 1 };
                const Vec v = clamp_vec(c, (Vec){ center.x + 4 * step * dx[k], center.y + 4 * step * dy[k] });
                unsigned sd = sad_int(c, v.x >> 2, v.y >> 2, best_sad);
                if (sd < best_sad) {
                    best_sad = sd;
                    best = v;
                }
            }
        }
    }
    /* the integer search above compares SAD; from here on (sub-pel
     * refinement, sub-pel candidates) the sub-pel metric.  SATD is 0 only
     * where SAD is (the transform is invertible), so an exact match stops
     * both alike. */
    const int satd = subpel_satd(c);
    unsigned best_cost = best_sad;
    if (best_sad) {
        diamond(c, &best, &best_sad);
        best_cost = satd ? satd_q(c, best) : best_sad;
        refine(c, &best, &best_cost, satd);
    }
    /* exact candidates (sub-pel predictors) are tried as they are */
    for (int i = 0; i < ncand && best_cost; i++) {
        Vec v = clamp_vec(c, cand[i]);
        int seen = (v.x == best.x && v.y == best.y) || (!(v.x & 3) && !(v.y & 3));
        for (int k = 0; k < i && !seen; k++) {
            const Vec u = clamp_vec(c, cand[k]);
            seen = u.x == v.x && u.y == v.y;
        }
        if (seen)
            continue;
        /* against an integer best, the same margin as in refine() */
        const unsigned margin = (best.x & 3) || (best.y & 3) ? 0 : subpel_margin(c);
        if (best_cost <= margin)
            continue;
        unsigned s = subpel_cost(c, v, satd, best_cost - margin);
        if (s < best_cost - margin) {
            best_cost = s;
            best = v;
        }
    }
    /* the split and intra decisions weigh SAD */
    *out_sad = satd ? sad_q(c, best, UINT_MAX) : best_cost;
    return best;
}

/* Sum of |sample - mean| over the block: the SAD a flat (DC) guess would
 * leave, the bar a match must clear. */
static unsigned deviation(const uint8_t *p, ptrdiff_t s, int w, int h)
{
    unsigned sum = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            sum += p[y * s + x];
    const int mean = (int)((sum + (unsigned)(w * h / 2)) / (unsigned)(w * h));
    unsigned dev = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            dev += (unsigned)abs(p[y * s + x] - mean);
    return dev;
}

/* ---- buffers ---- */

static int ensure(FsrMotionSearch *ms, int w, int h)
{
    const int mb_w = (w + 15) / 16, mb_h = (h + 15) / 16;
    const size_t nmb = (size_t)mb_w * mb_h;
    if (ms->w == w && ms->h == h)
        return 0;
    free(ms->mv16);
    free(ms->prev_mv16);
    free(ms->mb_blocks);
    ms->mv16 = calloc(nmb, sizeof(Vec));
    ms->prev_mv16 = calloc(nmb, sizeof(Vec));
    ms->mb_blocks = calloc(nmb, 1);
    if (!ms->mv16 || !ms->prev_mv16 || !ms->mb_blocks)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    if ((int)(nmb * 4) > ms->blocks_cap) {
        FsrBlock *b = realloc(ms->blocks, sizeof(FsrBlock) * nmb * 4);
        if (!b)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        ms->blocks = b;
        ms->blocks_cap = (int)(nmb * 4);
    }
    const int cw = mb_w * 16, ch = mb_h * 16;
    const size_t res = (size_t)cw * ch + 2 * (size_t)(cw / 2) * (ch / 2);
    if (res > ms->res_cap) {
        int16_t *r = realloc(ms->res, sizeof(int16_t) * res);
        if (!r)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        ms->res = r;
        ms->res_cap = res;
    }
    memset(ms->res, 0, sizeof(int16_t) * res);
    const ptrdiff_t rs = w + 2 * PAD;
    const size_t ref = (size_t)rs * (h + 2 * PAD);
    for (int k = 0; k < ms->s.refs; k++) {
        Ref *r = &ms->refs[k];
        if (ref <= r->cap)
            continue;
        uint8_t *b = realloc(r->buf, ref);
        if (b)
            r->buf = b;
        uint8_t *hb = realloc(r->half, 3 * ref);
        if (hb)
            r->half = hb;
        if (!b || !hb)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        r->cap = ref;
    }
    ms->ref_size = ref;
    ms->ref_stride = rs;
    ms->nrefs = 0;
    ms->w = w;
    ms->h = h;
    ms->mb_w = mb_w;
    ms->mb_h = mb_h;
    ms->have_ref = 0;
    ms->have_last = 0;
    return 0;
}

/* The last picture becomes the newest reference (refs[0]; the oldest
 * leaves when all FsrMotionSettings.refs are taken): luma into the padded
 * buffer, borders replicated, its half-sample planes; the picture itself
 * (chroma) swapped in, not copied: ms->last is written anew before it is
 * read. */
static void keep_ref(FsrMotionSearch *ms)
{
    const int n = ms->s.refs;
    const Ref oldest = ms->refs[n - 1];
    memmove(&ms->refs[1], &ms->refs[0], sizeof(Ref) * (size_t)(n - 1));
    ms->refs[0] = oldest;
    Ref *ref = &ms->refs[0];
    if (ms->nrefs < n)
        ms->nrefs++;
    const FsrPicture *pic = &ms->last;
    const ptrdiff_t rs = ms->ref_stride;
    uint8_t *o = ref->buf + PAD * rs + PAD;
    for (int y = 0; y < pic->h; y++) {
        uint8_t *row = o + y * rs;
        memcpy(row, pic->data[0] + y * pic->stride[0], pic->w);
        memset(row - PAD, row[0], PAD);
        memset(row + pic->w, row[pic->w - 1], PAD);
    }
    for (int y = 1; y <= PAD; y++) {
        memcpy(o - PAD - y * rs, o - PAD, rs);
        memcpy(o - PAD + (ptrdiff_t)(pic->h - 1 + y) * rs, o - PAD + (ptrdiff_t)(pic->h - 1) * rs, rs);
    }
    /* the half-sample planes over the area the search reads: the window
     * around the picture, in tiles of the MC kernel (which clamps at the
     * picture's edges exactly as the prediction will) */
    const FsrPlaneRef ry = { o, rs, pic->w, pic->h, PAD };
    static const int hv[3][2] = { { 2, 0 }, { 0, 2 }, { 2, 2 } };
    const int m = PAD - 8;
    const int rows = (pic->h + 2 * m + 15) / 16, cols = (pic->w + 2 * m + 15) / 16;
#pragma omp parallel for schedule(static) num_threads(ms->threads)
    for (int r = 0; r < 3 * rows; r++) {
        const int k = r / rows, ty = -m + 16 * (r % rows);
        uint8_t *h = ref->half + (size_t)k * ms->ref_size + PAD * rs + PAD;
        for (int tx = -m; tx < pic->w + m; tx += 16) {
            const int tw = tx + 16 > pic->w + PAD ? pic->w + PAD - tx : 16;
            const int th = ty + 16 > pic->h + PAD ? pic->h + PAD - ty : 16;
            ms->dsp.luma(h + (ptrdiff_t)ty * rs + tx, rs, &ry, tx, ty, hv[k][0], hv[k][1], tw, th);
        }
    }
    ms->st.mc_calls += 3 * rows * cols;
    const FsrPicture t = ref->pic;
    ref->pic = ms->last;
    ms->last = t;
    const FsrPicture t16 = ref->pic16;
    ref->pic16 = ms->last16;
    ms->last16 = t16;
    ms->have_ref = 1;
    ref->display = ms->last_display;
    ref->pos = ms->last_pos;
}

/* ---- the frame ---- */

static void set_block(FsrBlock *b, int x, int y, int size, Vec v, int intra, int64_t ref_display)
{
    memset(b, 0, sizeof(*b));
    b->x = (int16_t)x;
    b->y = (int16_t)y;
    b->w = b->h = (uint8_t)size;
    b->ref[0] = b->ref[1] = -1;
    b->ref_idx[0] = b->ref_idx[1] = -1;
    for (int l = 0; l < 2; l++)
        for (int c = 0; c < 3; c++)
            b->weight[l][c] = 1;
    if (intra) {
        b->kind = FSR_BLOCK_INTRA;
        return;
    }
    b->kind = FSR_BLOCK_INTER;
    b->lists = FSR_LIST_L0;
    b->mv[0][0] = (int16_t)v.x;
    b->mv[0][1] = (int16_t)v.y;
    b->ref[0] = (int32_t)ref_display;
    b->ref_idx[0] = 0;
}

/* block_residual() of a high-depth picture (ms->cur16) from the
 * reference's high-depth copy. */
static unsigned block_residual16(FsrMotionSearch *ms, const Ref *r, FsrBlock *b)
{
    FsrBlockMap *m = &ms->map;
    const FsrPicture *pic = ms->cur16, *ref = &r->pic16;
    const int maxv = (1 << fsr_picture_depth(pic)) - 1;
    uint16_t pred[16 * 16];
    const ptrdiff_t ps = 16 * sizeof(uint16_t);
    const int w = b->x + b->w > pic->w ? pic->w - b->x : b->w;
    const int h = b->y + b->h > pic->h ? pic->h - b->y : b->h;
    const FsrPlaneRef ry = { ref->data[0], ref->stride[0], ref->w, ref->h, 0 };
    ms->dsp.luma16(pred, ps, &ry, b->x, b->y, b->mv[0][0], b->mv[0][1], w, h, maxv);
    unsigned sad = ms->dsp.residual16((int16_t *)m->residual[0] + (ptrdiff_t)b->y * m->residual_stride[0] + b->x,
                                      m->residual_stride[0],
                                      (const uint16_t *)(pic->data[0] + (ptrdiff_t)b->y * pic->stride[0]) + b->x,
                                      pic->stride[0], pred, ps, w, h);
    const int cx = b->x / 2, cy = b->y / 2;
    const int cw = fsr_chroma_w(pic->w), chh = fsr_chroma_h(pic->h);
    const int bw = cx + b->w / 2 > cw ? cw - cx : b->w / 2, bh = cy + b->h / 2 > chh ? chh - cy : b->h / 2;
    for (int c = 1; c < 3 && bw > 0 && bh > 0; c++) {
        const FsrPlaneRef rc = { ref->data[c], ref->stride[c], cw, chh, 0 };
        ms->dsp.chroma16(pred, ps, &rc, cx, cy, b->mv[0][0], b->mv[0][1], bw, bh, maxv);
        sad += ms->dsp.residual16((int16_t *)m->residual[c] + (ptrdiff_t)cy * m->residual_stride[c] + cx,
                                  m->residual_stride[c],
                                  (const uint16_t *)(pic->data[c] + (ptrdiff_t)cy * pic->stride[c]) + cx,
                                  pic->stride[c], pred, ps, bw, bh);
    }
    return sad;
}

/* Prediction from reference r (the one c points at) and residual of an
 * inter block, all planes; returns the SAD.  The luma prediction is read
 * from the reference's half-sample planes (pred_q: the H.264 MC's own
 * samples, test_motion residual_is_decoded_minus_prediction), not
 * interpolated again. */
static unsigned block_residual(FsrMotionSearch *ms, Ctx *c, const Ref *r, const FsrPicture *pic, FsrBlock *b)
{
    if (ms->cur16)
        return block_residual16(ms, r, b);
    FsrBlockMap *m = &ms->map;
    uint8_t pred[16 * 16];
    unsigned sad = 0;
    /* the block inside the picture (the coded area beyond it keeps 0) */
    const int w = b->x + b->w > pic->w ? pic->w - b->x : b->w;
    const int h = b->y + b->h > pic->h ? pic->h - b->y : b->h;
    c->bx = b->x;
    c->by = b->y;
    c->bw = w;
    c->bh = h;
    ptrdiff_t ps;
    const uint8_t *p = pred_q(c, (Vec){ b->mv[0][0], b->mv[0][1] }, &ps);
    sad += ms->dsp.residual((int16_t *)m->residual[0] + (ptrdiff_t)b->y * m->residual_stride[0] + b->x,
                            m->residual_stride[0], pic->data[0] + (ptrdiff_t)b->y * pic->stride[0] + b->x,
                            pic->stride[0], p, ps, w, h);
    const int cx = b->x / 2, cy = b->y / 2;
    const int cw = fsr_chroma_w(pic->w), chh = fsr_chroma_h(pic->h);
    const int bw = cx + b->w / 2 > cw ? cw - cx : b->w / 2, bh = cy + b->h / 2 > chh ? chh - cy : b->h / 2;
    for (int pl = 1; pl < 3 && bw > 0 && bh > 0; pl++) {
        const FsrPlaneRef rc = { r->pic.data[pl], r->pic.stride[pl], cw, chh, 0 };
        ms->dsp.chroma(pred, 16, &rc, cx, cy, b->mv[0][0], b->mv[0][1], bw, bh);
        sad += ms->dsp.residual((int16_t *)m->residual[pl] + (ptrdiff_t)cy * m->residual_stride[pl] + cx,
                                m->residual_stride[pl], pic->data[pl] + (ptrdiff_t)cy * pic->stride[pl] + cx,
                                pic->stride[pl], pred, 16, bw, bh);
    }
    return sad;
}

static void clear_residual(FsrBlockMap *m, const FsrBlock *b)
{
    for (int c = 0; c < 3; c++) {
        const int sh = c ? 1 : 0;
        for (int y = 0; y < (b->h >> sh); y++)
            memset((int16_t *)m->residual[c] + (ptrdiff_t)((b->y >> sh) + y) * m->residual_stride[c] + (b->x >> sh),
                   0, sizeof(int16_t) * (b->w >> sh));
    }
}

static void count_block(FsrBlockMap *m, const FsrBlock *b)
{
    if (b->kind == FSR_BLOCK_INTRA) {
        m->counts.intra++;
        return;
    }
    m->counts.inter++;
    m->counts.predicted++;
    m->counts.zero_residual += !!(b->flags & FSR_BLOCK_ZERO_RESIDUAL);
}

/* v * num / den, rounded to nearest (half away from zero). */
static Vec scale_vec(Vec v, int num, int den)
{
    const int x = v.x * num, y = v.y * num;
    return (Vec){ (x >= 0 ? x + den / 2 : x - den / 2) / den, (y >= 0 ? y + den / 2 : y - den / 2) / den };
}

/* Searches one macroblock, writes its block(s) to blocks[4 * mb] and their
 * number to mb_blocks[mb] (fsr_motion_search gathers them).  top: the row
 * above is in this slice. */
static void search_mb(FsrMotionSearch *ms, Ctx *c, const FsrPicture *pic, int mbx, int mby, int top)
{
    FsrBlockMap *m = &ms->map;
    const int mb_w = ms->mb_w, mb_h = ms->mb_h;
    const int i = mby * mb_w + mbx;
    Vec cand[8];
    int n = 0;
    if (mbx > 0)
        cand[n++] = ms->mv16[i - 1];
    if (mby > 0 && top)
        cand[n++] = ms->mv16[i - mb_w];
    if (mby > 0 && top && mbx + 1 < mb_w)
        cand[n++] = ms->mv16[i - mb_w + 1];
    /* the previous map's vectors span prev_dist pictures, this map's
     * dist: scaled to this distance (constant motion) */
    const int n_prev = n;
    if (mby > 0 && !top)
        cand[n++] = ms->prev_mv16[i - mb_w];
    cand[n++] = ms->prev_mv16[i];
    if (mbx + 1 < mb_w)
        cand[n++] = ms->prev_mv16[i + 1];
    if (mby + 1 < mb_h)
        cand[n++] = ms->prev_mv16[i + mb_w];
    if (ms->prev_dist && ms->prev_dist != ms->dist)
        for (int k = n_prev; k < n; k++)
            cand[k] = scale_vec(cand[k], ms->dist, ms->prev_dist);

    const int x0 = mbx * 16, y0 = mby * 16;
    c->bx = x0;
    c->by = y0;
    c->bw = x0 + 16 > pic->w ? pic->w - x0 : 16;
    c->bh = y0 + 16 > pic->h ? pic->h - y0 : 16;
    use_ref(c, 0);
    c->wide = 1;
    unsigned sad16;
    Vec v16 = search_block(c, cand, n, &sad16);
    ms->mv16[i] = v16;
    /* older anchors (FsrMotionSettings.refs): each searched from the
     * newest one's vector scaled to its distance (constant motion) and from
     * zero; one wins only by a margin.  The neighbours' and the next map's
     * predictors stay in the newest reference's distance. */
    int slot = 0;
    for (int k = 1; k < ms->nrefs; k++) {
        if (!ms->ref_dist[k])
            continue;
        use_ref(c, k);
        const Vec kc = scale_vec(v16, ms->ref_dist[k], ms->dist);
        unsigned sk;
        const Vec vk = search_block(c, &kc, 1, &sk);
        const unsigned penalty = (unsigned)(OLDER_REF_PENALTY_PER_256 * c->bw * c->bh / 256);
        if (sk + penalty < sad16) {
            sad16 = sk;
            v16 = vk;
            slot = k;
            ms->mv16[i] = scale_vec(vk, ms->dist, ms->ref_dist[k]);
        }
    }
    use_ref(c, slot);
    const Ref *ref = &ms->refs[slot];

    /* 8x8 quadrants, each searched from the 16x16 vector: a descent and
     * refinement around it, no logarithmic search (the 16x16 search did
     * the wide one; a quadrant whose content moved elsewhere is intra
     * material) */
    Vec v8[4];
    unsigned sad8[4], sum8 = 0;
    const int can_split =
        ms->s.split && c->bw == 16 && c->bh == 16 && sad16 > (unsigned)(SPLIT_MIN_SAD_PER_PIXEL * 16 * 16);
    c->wide = 0;
    for (int q = 0; q < 4 && can_split; q++) {
        c->bx = x0 + (q & 1) * 8;
        c->by = y0 + (q >> 1) * 8;
        c->bw = c->bh = 8;
        v8[q] = search_block(c, &v16, 1, &sad8[q]);
        sum8 += sad8[q];
    }
    const int split = can_split && sum8 + SPLIT_PENALTY < sad16;
    const int nb = split ? 4 : 1;
    for (int q = 0; q < nb; q++) {
        const int size = split ? 8 : 16;
        const int bx = x0 + (split ? (q & 1) * 8 : 0), by = y0 + (split ? (q >> 1) * 8 : 0);
        const int bw = bx + size > pic->w ? pic->w - bx : size, bh = by + size > pic->h ? pic->h - by : size;
        const unsigned best = split ? sad8[q] : sad16;
        /* the deviation only where the match is poor enough to ask */
        const int intra = best > (unsigned)(INTRA_MIN_SAD_PER_PIXEL * bw * bh) &&
                          2 * best >= deviation(pic->data[0] + (ptrdiff_t)by * pic->stride[0] + bx, pic->stride[0], bw, bh);
        FsrBlock *b = &ms->blocks[4 * i + q];
        set_block(b, bx, by, size, split ? v8[q] : v16, intra, ref->display);
        if (intra) {
            clear_residual(m, b);
        } else {
            c->older_ref += slot > 0;
            b->sad = block_residual(ms, c, ref, pic, b);
            if (!b->sad)
                b->flags |= FSR_BLOCK_ZERO_RESIDUAL;
        }
    }
    ms->mb_blocks[i] = (uint8_t)nb;
}

/* The 8-bit picture the search reads for a high-depth one: each sample
 * rounded to 8 bits. */
static int make_proxy(FsrPicture *proxy, const FsrPicture *pic)
{
    if (!proxy->buf || proxy->w != pic->w || proxy->h != pic->h) {
        fsr_picture_close(proxy);
        int ret = fsr_picture_open(proxy, pic->w, pic->h);
        if (ret < 0)
            return ret;
    }
    const int sh = fsr_picture_depth(pic) - 8, half = 1 << (sh - 1);
    for (int c = 0; c < 3; c++) {
        const int w = c ? fsr_chroma_w(pic->w) : pic->w, h = c ? fsr_chroma_h(pic->h) : pic->h;
        for (int y = 0; y < h; y++) {
            const uint16_t *src = (const uint16_t *)(pic->data[c] + y * pic->stride[c]);
            uint8_t *dst = proxy->data[c] + y * proxy->stride[c];
            for (int x = 0; x < w; x++) {
                const int v = (src[x] + half) >> sh;
                dst[x] = (uint8_t)(v > 255 ? 255 : v);
            }
        }
    }
    return 0;
}

int fsr_motion_search(FsrMotionSearch *ms, const FsrPicture *pic, const FsrBlockMap *facts, const FsrBlockMap **out)
{
    if (!ms || !pic || !facts || !out || !pic->data[0] || !pic->data[1] || !pic->data[2])
        return fsr_error(FSR_ERR(EINVAL), "motion: NULL argument");
    *out = NULL;
    if (pic->w < 2 || pic->h < 2 || pic->w > 16384 || pic->h > 16384)
        return fsr_error(FSR_ERR(EINVAL), "motion: picture size %dx%d outside 2x2..16384x16384", pic->w, pic->h);
    if (facts->width != pic->w || facts->height != pic->h)
        return fsr_error(FSR_ERR(EINVAL), "motion: frame facts say %dx%d, the picture is %dx%d", facts->width,
                         facts->height, pic->w, pic->h);
    const double t0 = clock_wall();
    int ret = ensure(ms, pic->w, pic->h);
    if (ret < 0)
        return ret;
    ms->cur16 = NULL;
    if (fsr_picture_high(pic)) {
        if ((ret = make_proxy(&ms->proxy, pic)) < 0)
            return ret;
        ms->cur16 = pic;
        pic = &ms->proxy;
    }
    FsrBlockMap *m = &ms->map;
    memset(m, 0, sizeof(*m));
    m->side_info = 1;
    m->display_index = facts->display_index;
    /* one reference, the last anchor picture: decode order is display order */
    m->decode_index = facts->display_index;
    m->pts = facts->pts;
    m->is_ref = 1;
    m->nal_ref_idc = 1;
    m->poc = (int32_t)(2 * facts->display_index);
    m->width = pic->w;
    m->height = pic->h;
    m->mb_w = ms->mb_w;
    m->mb_h = ms->mb_h;
    m->coded_w = ms->mb_w * 16;
    m->coded_h = ms->mb_h * 16;
    m->corrupt = facts->corrupt;
    m->blocks = ms->blocks;
    m->residual[0] = ms->res;
    m->residual_stride[0] = m->coded_w;
    m->residual[1] = ms->res + (size_t)m->coded_w * m->coded_h;
    m->residual[2] = m->residual[1] + (size_t)(m->coded_w / 2) * (m->coded_h / 2);
    m->residual_stride[1] = m->residual_stride[2] = m->coded_w / 2;

    /* the last picture is the reference from now on if it is an anchor */
    if (ms->have_last && ms->last_anchor) {
        keep_ref(ms);
        ms->last_anchor = 0;
        ms->st.anchors++;
    }
    const int first = !ms->have_ref;
    m->type = first ? 'I' : 'P';
    ms->since_restart = first ? 0 : ms->since_restart + 1;
    ms->dist = first ? 0 : ms->since_restart - ms->refs[0].pos;
    /* older references within FSR_MOTION_MAX_REF_DIST pictures (display
     * order; the transfer keeps no older HR picture) */
    for (int k = 0; k < MAX_REFS; k++) {
        const int ok = !first && k < ms->nrefs &&
                       facts->display_index - ms->refs[k].display <= FSR_MOTION_MAX_REF_DIST;
        ms->ref_dist[k] = ok ? ms->since_restart - ms->refs[k].pos : 0;
    }
    int fast_motion = 0; /* this picture's motion calls for an anchor (below) */
    if (first) {
        for (int y = 0; y < ms->mb_h; y++)
            for (int x = 0; x < ms->mb_w; x++) {
                FsrBlock *b = &ms->blocks[m->nb_blocks++];
                set_block(b, x * 16, y * 16, 16, (Vec){ 0, 0 }, 1, -1);
                clear_residual(m, b);
                count_block(m, b);
            }
        memset(ms->mv16, 0, sizeof(Vec) * (size_t)ms->mb_w * ms->mb_h);
        ms->st.restarts++;
    } else {
        const int slice_rows = (ms->mb_h + SLICES - 1) / SLICES;
        const int nslices = (ms->mb_h + slice_rows - 1) / slice_rows;
        int64_t sad_calls = 0, older_ref = 0;
        int failed = 0;
#pragma omp parallel num_threads(ms->threads) reduction(+ : sad_calls, older_ref) reduction(| : failed)
        {
            Ctx *c = malloc(sizeof(*c));
            if (c) {
                c->ms = ms;
                c->cur = pic->data[0];
                c->cs = pic->stride[0];
                use_ref(c, 0);
                c->range = ms->s.range;
                c->sad_calls = 0;
                c->older_ref = 0;
            }
            failed |= !c;
#pragma omp for schedule(dynamic, 1)
            for (int sl = 0; sl < nslices; sl++) {
                const int y0 = sl * slice_rows, y1 = y0 + slice_rows < ms->mb_h ? y0 + slice_rows : ms->mb_h;
                for (int y = y0; y < y1 && c; y++)
                    for (int x = 0; x < ms->mb_w; x++)
                        search_mb(ms, c, pic, x, y, y > y0);
            }
            if (c) {
                sad_calls += c->sad_calls;
                older_ref += c->older_ref;
            }
            free(c);
        }
        if (failed)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        ms->st.sad_calls += sad_calls;
        ms->st.blocks_older_ref += older_ref;
        /* the blocks in macroblock order, counted */
        int64_t motion = 0, area = 0, intra = 0;
        for (int i = 0; i < ms->mb_w * ms->mb_h; i++) {
            for (int q = 0; q < ms->mb_blocks[i]; q++) {
                FsrBlock *b = &ms->blocks[m->nb_blocks++];
                *b = ms->blocks[4 * i + q];
                count_block(m, b);
                ms->st.blocks_intra += b->kind == FSR_BLOCK_INTRA;
                const int a = b->w * b->h;
                area += a;
                if (b->kind == FSR_BLOCK_INTRA)
                    intra += a;
                else {
                    /* a vector to an older reference spans more pictures */
                    const int64_t mv = abs(b->mv[0][0]) > abs(b->mv[0][1]) ? abs(b->mv[0][0]) : abs(b->mv[0][1]);
                    const int64_t d0 = facts->display_index - ms->refs[0].display, db = facts->display_index - b->ref[0];
                    motion += b->ref[0] == ms->refs[0].display || db <= 0 ? a * mv : a * mv * d0 / db;
                }
            }
            if (ms->mb_blocks[i] == 4)
                ms->st.blocks8 += 4;
            else
                ms->st.blocks16++;
        }
        ms->st.frames++;
        /* Fast motion: one more picture from this anchor would need
         * vectors beyond half the search range (or a quarter of the
         * picture is already intra): this picture becomes the anchor, the
         * next one is a step from it. */
        const int64_t moving = area - intra;
        fast_motion = (moving > 0 && motion * (ms->dist + 1) > (int64_t)ms->s.range * 2 * ms->dist * moving) ||
                      4 * intra > area;
    }
    Vec *t = ms->prev_mv16;
    ms->prev_mv16 = ms->mv16;
    ms->mv16 = t;
    ms->prev_dist = ms->dist;
    /* Only anchors become the reference: every transferred picture is
     * the HR reference resampled once more, and each resampling blurs, so
     * a chain of one-picture steps loses detail fastest where every vector
     * is fractional (zooms: 0.84 dB below per-frame SR with each picture
     * the next one's reference, 0.28 with an anchor every 4 pictures,
     * README "Motion search"); the other pictures are one step from
     * theirs.  A key frame (SR) is the best reference of all: the caller
     * says which pictures got SR (fsr_motion_mark_key) and the chain
     * starts again from them. */
    if ((ret = fsr_picture_copy(&ms->last, pic)) < 0 ||
        (ms->cur16 && (ret = fsr_picture_copy(&ms->last16, ms->cur16)) < 0))
        return ret;
    ms->cur16 = NULL;
    ms->have_last = 1;
    ms->last_display = facts->display_index;
    ms->last_pos = ms->since_restart;
    const int by_interval = first || ms->since_restart - ms->refs[0].pos >= ms->s.anchor;
    const int by_motion = !by_interval && fast_motion;
    ms->last_anchor = by_interval || by_motion;
    ms->st.motion_anchors += by_motion;
    ms->st.seconds += clock_wall() - t0;
    *out = m;
    return 0;
}
