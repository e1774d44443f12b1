/* The FAST engine (see fastsr/fast.h).  Frames arrive in display order; a
 * B picture may reference a picture that is displayed after it, so frames
 * wait in `pending` and are processed in decode order.  HR results wait in
 * `ready` until their display turn.  Reference HR pictures stay in `refs`
 * (the oldest in decode order leaves when it is full). */
#include "fastsr/fast.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/bicubic.h"
#include "bicubic_internal.h"
#include "clock.h"
#include "log.h"
#include "region.h"
#include "select.h"
#include "transfer_internal.h"

#define MAX_PENDING 32 /* frames waiting for their decode turn */
#define REORDER_LIMIT 16

/* The adaptive policy's loss model (dB against per-frame SR), fitted to
 * per-frame losses measured with fastsr-bench on a photo pan and on
 * vtest.avi (README "Key-frame policies").  Sub-pel HR interpolation is
 * what wears detail away along a chain (a low-pass filter applied again at
 * every step); integer-vector copies lose almost nothing. */
#define LOSS_BICUBIC_DB 0.5     /* a block that is bicubic (intra, fallback, no reference) */
#define LOSS_FRAC_STEP_DB 0.05  /* a transfer step through a fractional HR position */
#define LOSS_INT_STEP_DB 0.005  /* a transfer step with an integer HR vector */
#define LOSS_PER_RESIDUAL 0.01  /* per unit of mean |LR residual| of a block */

/* The regions policy: a transferred frame whose rectangles (with halos)
 * would cost at least this share of a whole-frame SR gets whole-frame SR,
 * and so does one with more rectangles than REGION_MAX_RECTS. */
#define REGION_WHOLE_SHARE 0.5
/* After the transfer, a cell gets region SR when its LR consistency
 * (fsr_lr_consistency) exceeds its baseline by more than
 * REGION_LRC_LEVELS + REGION_LRC_MEDIANS x the frame's median excess.  The
 * median term tells a transfer that went wrong somewhere (new content: a
 * few cells far above the rest) from the slow, even loss of detail along a
 * pan (every cell a little above its baseline), which the drift budget
 * handles.  Fitted on five clips (README "Region SR ..."). */
#define REGION_LRC_LEVELS 1.0f
#define REGION_LRC_MEDIANS 4.0f
#define REGION_MAX_RECTS 512
/* How far below zero the SR work budget may go for SR that cannot wait
 * (make_plan): 0.3 of a frame, beyond what a forced key frame took and the
 * credit has not yet made good (FsrFast.forced).  A whole frame let the
 * two cuts of an animated film go to 10.4 and 10.6% SR work at a budget of
 * 10%; half, 9.8%, but with the drift budget at 0.4 dB 10.0% and 10.1%
 * (and 10.1% twice with the forced allowance); 0.3 with it, 9.8% and
 * 9.3% (README "SR work budget"). */
#define REGION_DEBT 0.3
/* ... and in a frame no other frame references, by more than this many
 * times that threshold: its errors do not travel (the drift threshold of
 * such frames is 3 x the budget for the same reason; 6 x changed nothing
 * measured).  README "Region SR ...". */
#define REGION_NONREF_LRC 2.0f
/* The drift a transfer step adds (LOSS_*_STEP_DB) is the detail SR put
 * there that the step's interpolation wears away: it scales with how much
 * SR beats bicubic on that content (RefPic.cell_gain, mean squared SR -
 * bicubic difference in 8-bit levels), relative to REGION_GAIN_REF, the
 * median gain of the contents of README "Back projection"; clamped to
 * [REGION_GAIN_MIN, REGION_GAIN_MAX] x the fitted steps.  Never below
 * them: where SR adds little, SR's own error is small too, and a small
 * transfer error costs as many dB (a zoom out of a smooth photo, gain
 * 0.02, lost 0.4 dB more with the factor down to 0.25). */
#define REGION_GAIN_REF 10.0
/* A transferred cell is bicubic of the decoded LR under the regions
 * policy (no SR work) when the SR gain it carries is below
 * REGION_GAIN_BICUBIC (mean squared SR - bicubic difference, 8-bit levels)
 * and the LR holds little detail there now (cell_detail below
 * REGION_DETAIL_BICUBIC, levels squared): SR adds next to nothing there,
 * so bicubic is as good as SR, where a transfer can lose far more (a zoom
 * out of a smooth photo: -1.6 dB against per-frame SR).  The detail test
 * catches carried gains gone stale (new content moving in).  README
 * "Bicubic where SR adds nothing". */
#define REGION_GAIN_BICUBIC 0.1
#define REGION_DETAIL_BICUBIC 0.5
#define REGION_GAIN_MIN 1.0
#define REGION_GAIN_MAX 4.0

typedef struct Pending {
    FsrPicture lr;
    FsrBlockMap map;
    FsrBlock *blocks;
    int16_t *residual;          /* luma only: the transfer uses no chroma residual */
    int64_t pts, duration;
    int64_t arrival;
} Pending;

typedef struct RefPic {
    int used;
    int64_t display, decode;
    double drift_db;
    float *cell_drift;          /* regions policy: estimated drift per cell (dB) */
    /* regions policy: per cell, the LR consistency the last SR of that
     * content had (what a faithful transfer of it should show) */
    float *cell_base;
    /* regions policy: per cell, how much the last SR of that content beat
     * bicubic (mean squared SR - bicubic difference, 8-bit levels) */
    float *cell_gain;
    FsrPicture hr;
} RefPic;

typedef struct Ready {
    FsrFastFrame info;
    FsrPicture hr;
} Ready;

typedef struct PicPool {
    FsrPicture pic[8];
    int n;
} PicPool;

struct FsrFast {
    FsrFastSettings s;
    int scale;
    FsrTransfer *tr;
    Pending pending[MAX_PENDING];
    int npending;
    RefPic refs[FSR_FAST_MAX_REFS];
    Ready ready[MAX_PENDING + 1];
    int nready;
    Ready out;                  /* the frame handed out last */
    /* spare pictures, HR and LR: no allocation (and no page faults on
     * fresh memory) per frame */
    PicPool hr_pool, lr_pool;
    FsrSR *sr;                  /* key frames' backend: s.sr or own_sr */
    FsrSR *own_sr;              /* bicubic, when s.sr is NULL */
    int64_t next_decode, next_display, arrivals;
    int64_t since_key;          /* frames processed since the last key frame */
    /* regions policy: SR work it may still spend (per-frame SR = 1): each
     * frame adds policy.max_share, each SR takes its share */
    double credit;
    /* ... and what a forced key frame (the first, a cut: decide_key) took
     * that the per-frame credit has not yet made good: cells that cannot
     * wait may borrow it as well (make_plan) */
    double forced;
    int processed, flushing;
    /* regions policy: this frame's cells (1: needs SR), their drift, the
     * plan, and the bicubic luma the network reads (HR size) */
    int cw, ch;
    uint8_t *cells;
    float *cell_drift;
    float *cell_lrc;            /* the frame's LR consistency per cell */
    float *cell_base;           /* the baseline it is compared with (RefPic.cell_base) */
    float *cell_sort;           /* scratch: the frame's excesses, for their median */
    float *cell_gain;           /* the SR gain of each cell's content (RefPic.cell_gain) */
    uint8_t *cell_bic;          /* 1: bicubic in this transferred frame (REGION_GAIN_BICUBIC) */
    FsrRegionPlan plan;
    uint8_t *bic;
    size_t bic_size;
    /* back projection: the LR error (fsr_lr_error) and its HR upscale */
    uint8_t *bp_err, *bp_up;
    size_t bp_lr_size, bp_hr_size;
};

int fsr_key_policy_parse(FsrKeyPolicy *p, const char *text)
{
    memset(p, 0, sizeof(*p));
    char *end;
    if (!strcmp(text, "all")) {
        p->kind = FSR_KEY_ALL;
    } else if (!strcmp(text, "intra")) {
        p->kind = FSR_KEY_INTRA;
    } else if (!strncmp(text, "every:", 6)) {
        const long n = strtol(text + 6, &end, 10);
        if (end == text + 6 || *end || n < 1 || n > 100000)
            return -1;
        p->kind = FSR_KEY_EVERY;
        p->every = (int)n;
    } else if (!strcmp(text, "adaptive")) {
        p->kind = FSR_KEY_ADAPTIVE;
        p->budget_db = FSR_FAST_DEFAULT_BUDGET_DB;
    } else if (!strncmp(text, "adaptive:", 9)) {
        const double db = strtod(text + 9, &end);
        if (end == text + 9 || *end || !(db > 0 && db <= 20))
            return -1;
        p->kind = FSR_KEY_ADAPTIVE;
        p->budget_db = db;
    } else if (!strcmp(text, "regions")) {
        p->kind = FSR_KEY_REGIONS;
        p->budget_db = FSR_FAST_DEFAULT_REGIONS_BUDGET_DB;
        p->max_share = FSR_FAST_DEFAULT_REGIONS_SHARE;
    } else if (!strncmp(text, "regions:", 8)) {
        const double db = strtod(text + 8, &end);
        if (end == text + 8 || !(db > 0 && db <= 20))
            return -1;
        double share = FSR_FAST_DEFAULT_REGIONS_SHARE;
        if (*end == ':') {
            const char *s = end + 1;
            share = strtod(s, &end);
            if (end == s || !(share > 0 && share <= 1))
                return -1;
        }
        if (*end)
            return -1;
        p->kind = FSR_KEY_REGIONS;
        p->budget_db = db;
        p->max_share = share;
    } else {
        return -1;
    }
    return 0;
}

const char *fsr_key_policy_name(const FsrKeyPolicy *p, char *buf, int size)
{
    switch (p->kind) {
    case FSR_KEY_ALL: snprintf(buf, size, "all"); break;
    case FSR_KEY_INTRA: snprintf(buf, size, "intra"); break;
    case FSR_KEY_EVERY: snprintf(buf, size, "every:%d", p->every); break;
    case FSR_KEY_REGIONS:
        if (p->max_share == FSR_FAST_DEFAULT_REGIONS_SHARE)
            snprintf(buf, size, "regions:%g", p->budget_db);
        else
            snprintf(buf, size, "regions:%g:%g", p->budget_db, p->max_share);
        break;
    default: snprintf(buf, size, "adaptive:%g", p->budget_db); break;
    }
    return buf;
}

int fsr_fast_open(FsrFast **pf, const FsrFastSettings *s)
{
    *pf = NULL;
    FsrFast *f = calloc(1, sizeof(*f));
    if (!f)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    f->s = *s;
    f->scale = s->transfer.scale;
    if (f->s.policy.kind == FSR_KEY_REGIONS && !(f->s.policy.max_share > 0 && f->s.policy.max_share <= 1))
        f->s.policy.max_share = FSR_FAST_DEFAULT_REGIONS_SHARE; /* 0 (a policy not parsed) or out of range */
    int ret = fsr_transfer_open(&f->tr, &s->transfer);
    if (ret < 0) {
        free(f);
        return ret;
    }
    /* without an SR backend, key frames get the bicubic one */
    f->sr = s->sr;
    if (!f->sr &&
        (ret = fsr_sr_open(&f->own_sr, NULL, &(FsrSRSettings){ .backend = FSR_SR_BICUBIC, .scale = f->scale,
                                                               .threads = s->transfer.threads })) < 0) {
        fsr_fast_close(&f);
        return ret;
    }
    f->sr = f->sr ? f->sr : f->own_sr;
    if (fsr_sr_scale(f->sr) != f->scale) {
        fsr_fast_close(&f);
        return fsr_error(FSR_ERR(EINVAL), "SR model scale differs from the transfer scale");
    }
    *pf = f;
    return 0;
}

/* The regions policy's per-frame cell arrays. */
static void free_cells(FsrFast *f)
{
    free(f->cells);
    free(f->cell_drift);
    free(f->cell_lrc);
    free(f->cell_base);
    free(f->cell_sort);
    free(f->cell_gain);
    free(f->cell_bic);
    f->cells = f->cell_bic = NULL;
    f->cell_drift = f->cell_lrc = f->cell_base = f->cell_sort = f->cell_gain = NULL;
}

static int pool_get(PicPool *pool, FsrPicture *pic, int w, int h, int depth)
{
    while (pool->n) {
        *pic = pool->pic[--pool->n];
        if (pic->w == w && pic->h == h && fsr_picture_depth(pic) == depth)
            return 0;
        fsr_picture_close(pic);
    }
    return fsr_picture_open_depth(pic, w, h, depth);
}

static void pool_put(PicPool *pool, FsrPicture *pic)
{
    if (pic->buf && pool->n < (int)(sizeof(pool->pic) / sizeof(pool->pic[0])))
        pool->pic[pool->n++] = *pic;
    else
        fsr_picture_close(pic);
    memset(pic, 0, sizeof(*pic));
}

static void pending_free(FsrFast *f, Pending *p)
{
    pool_put(&f->lr_pool, &p->lr);
    free(p->blocks);
    free(p->residual);
    memset(p, 0, sizeof(*p));
}

void fsr_fast_close(FsrFast **pf)
{
    FsrFast *f = *pf;
    if (!f)
        return;
    for (int i = 0; i < f->npending; i++)
        pending_free(f, &f->pending[i]);
    for (int i = 0; i < FSR_FAST_MAX_REFS; i++) {
        fsr_picture_close(&f->refs[i].hr);
        free(f->refs[i].cell_drift);
        free(f->refs[i].cell_base);
        free(f->refs[i].cell_gain);
    }
    free_cells(f);
    free(f->bic);
    free(f->bp_err);
    free(f->bp_up);
    fsr_region_plan_free(&f->plan);
    for (int i = 0; i < f->nready; i++)
        fsr_picture_close(&f->ready[i].hr);
    fsr_picture_close(&f->out.hr);
    for (int i = 0; i < f->hr_pool.n; i++)
        fsr_picture_close(&f->hr_pool.pic[i]);
    for (int i = 0; i < f->lr_pool.n; i++)
        fsr_picture_close(&f->lr_pool.pic[i]);
    fsr_sr_close(&f->own_sr);
    fsr_transfer_close(&f->tr);
    free(f);
    *pf = NULL;
}

int fsr_fast_push(FsrFast *f, const FsrPicture *lr, const FsrBlockMap *map, int64_t pts, int64_t duration)
{
    if (!lr || !map)
        return fsr_error(FSR_ERR(EINVAL), "fast: NULL frame");
    if (f->npending == MAX_PENDING)
        return fsr_error(FSR_ERR(ENOSPC), "fast: too many frames waiting for their decode turn");
    Pending *p = &f->pending[f->npending];
    memset(p, 0, sizeof(*p));
    int ret = pool_get(&f->lr_pool, &p->lr, lr->w, lr->h, fsr_picture_depth(lr));
    if (ret < 0 || (ret = fsr_picture_copy(&p->lr, lr)) < 0) {
        pool_put(&f->lr_pool, &p->lr);
        return ret;
    }
    p->map = *map;
    if (map->side_info && map->nb_blocks > 0) {
        p->blocks = malloc(sizeof(FsrBlock) * map->nb_blocks);
        const size_t n = (size_t)map->coded_h * map->residual_stride[0];
        p->residual = malloc(sizeof(int16_t) * n);
        if (!p->blocks || !p->residual) {
            pending_free(f, p);
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        }
        memcpy(p->blocks, map->blocks, sizeof(FsrBlock) * map->nb_blocks);
        memcpy(p->residual, map->residual[0], sizeof(int16_t) * n);
        p->map.blocks = p->blocks;
        p->map.residual[0] = p->residual;
        p->map.residual[1] = p->map.residual[2] = NULL;
    } else {
        p->map.blocks = NULL;
        p->map.nb_blocks = 0;
    }
    p->pts = pts;
    p->duration = duration;
    /* frames come in display order: output starts at the first one, which
     * is not display index 0 when the caller dropped frames before it (a
     * segment's leading pictures, FsrSettings.decode.window) */
    if (!f->arrivals)
        f->next_display = map->display_index;
    p->arrival = f->arrivals++;
    f->npending++;
    return 0;
}

void fsr_fast_flush(FsrFast *f) { f->flushing = 1; }

static RefPic *find_ref(FsrFast *f, int64_t display)
{
    for (int i = 0; i < FSR_FAST_MAX_REFS; i++)
        if (f->refs[i].used && f->refs[i].display == display)
            return &f->refs[i];
    return NULL;
}

static const FsrPicture *lookup_ref(void *opaque, int64_t display)
{
    RefPic *r = find_ref(opaque, display);
    return r ? &r->hr : NULL;
}

/* The adaptive policy's estimate of a frame's loss against per-frame SR,
 * from its block map and the drift of its references: blocks that will be
 * bicubic cost LOSS_BICUBIC_DB; transferred blocks inherit their
 * references' drift plus a step and a residual term.  The block classes
 * are transfer.c's (intra, no reference, fallback on the mean |residual|),
 * but taken over the whole coded block, and a list whose reference is gone
 * costs only its half: the adaptive decisions (and so the output) rest on
 * these figures, so the two stay apart until a change may move them. */
static double estimate_loss(FsrFast *f, const FsrBlockMap *m, int depth)
{
    double loss = 0, area = 0;
    const double levels = 1 << (depth - 8); /* residuals in 8-bit levels */
    const double fallback = f->s.transfer.fallback;
    for (int i = 0; i < m->nb_blocks; i++) {
        const FsrBlock *b = &m->blocks[i];
        const double a = (double)b->w * b->h;
        area += a;
        if (b->kind == FSR_BLOCK_INTRA || !b->lists || (b->flags & FSR_BLOCK_NO_REF)) {
            loss += a * LOSS_BICUBIC_DB;
            continue;
        }
        double mean_res = 0;
        if (!(b->flags & FSR_BLOCK_ZERO_RESIDUAL)) {
            const int16_t *r = m->residual[0] + (ptrdiff_t)b->y * m->residual_stride[0] + b->x;
            long sum = 0;
            for (int y = 0; y < b->h; y++)
                for (int x = 0; x < b->w; x++)
                    sum += labs((long)r[y * m->residual_stride[0] + x]);
            mean_res = sum / a / levels;
        }
        if (fallback > 0 && mean_res >= fallback) {
            loss += a * LOSS_BICUBIC_DB;
            continue;
        }
        double drift = 0;
        int n = 0, frac = 0;
        for (int l = 0; l < 2; l++)
            if (b->lists & (1 << l)) {
                RefPic *r = find_ref(f, b->ref[l]);
                drift += r ? r->drift_db : LOSS_BICUBIC_DB;
                frac |= (b->mv[l][0] * f->scale) & 3 || (b->mv[l][1] * f->scale) & 3;
                n++;
            }
        loss += a * (drift / n + (frac ? LOSS_FRAC_STEP_DB : LOSS_INT_STEP_DB) + LOSS_PER_RESIDUAL * mean_res);
    }
    return area > 0 ? loss / area : 0;
}

static int decide_key(FsrFast *f, const Pending *p, double est)
{
    const FsrBlockMap *m = &p->map;
    if (!m->side_info || !f->processed)
        return 1;
    /* nothing to transfer: SR as for an I picture */
    if (m->unmodelled & FSR_UNMODELLED_NO_MAP)
        return 1;
    switch (f->s.policy.kind) {
    case FSR_KEY_ALL: return 1;
    case FSR_KEY_INTRA: return m->type == 'I';
    case FSR_KEY_EVERY:
        return m->type == 'I' || (m->is_ref && f->since_key + 1 >= f->s.policy.every);
    case FSR_KEY_REGIONS:
        return m->type == 'I'; /* the rest is plan_regions's */
    default:
        /* SR pays off on frames others reference: errors travel only along
         * reference chains.  A non-reference frame gets SR only when it
         * is far over budget (a scene cut inside a B run). */
        if (m->type == 'I')
            return 1;
        return m->is_ref ? est > f->s.policy.budget_db : est > 3 * f->s.policy.budget_db;
    }
}

/* A reference's copy of a per-cell map of n floats (src NULL: none). */
static int keep_cells(float **dst, const float *src, int n)
{
    if (!src) {
        free(*dst);
        *dst = NULL;
        return 0;
    }
    if (!*dst && !(*dst = malloc(sizeof(float) * n)))
        return -1;
    memcpy(*dst, src, sizeof(float) * n);
    return 0;
}

/* Keeps a reference picture; when the store is full the oldest in decode
 * order leaves (the stream cannot use more than 16). */
static int store_ref(FsrFast *f, const Pending *p, const FsrPicture *hr, double drift, const float *cell_drift,
                     const float *cell_base, const float *cell_gain)
{
    RefPic *slot = NULL;
    for (int i = 0; i < FSR_FAST_MAX_REFS && !slot; i++)
        if (!f->refs[i].used)
            slot = &f->refs[i];
    if (!slot) {
        slot = &f->refs[0];
        for (int i = 1; i < FSR_FAST_MAX_REFS; i++)
            if (f->refs[i].decode < slot->decode)
                slot = &f->refs[i];
    }
    int ret = fsr_picture_copy(&slot->hr, hr);
    if (ret < 0)
        return ret;
    slot->used = 1;
    slot->display = p->map.display_index;
    slot->decode = p->map.decode_index >= 0 ? p->map.decode_index : p->arrival;
    slot->drift_db = drift;
    return keep_cells(&slot->cell_drift, cell_drift, f->cw * f->ch) < 0 ||
                   keep_cells(&slot->cell_base, cell_base, f->cw * f->ch) < 0 ||
                   keep_cells(&slot->cell_gain, cell_gain, f->cw * f->ch) < 0
               ? fsr_error(FSR_ERR(ENOMEM), "out of memory")
               : 0;
}

/* The factor on a transfer step's drift for content with SR gain g. */
static double gain_factor(double g)
{
    const double k = g / REGION_GAIN_REF;
    return k < REGION_GAIN_MIN ? REGION_GAIN_MIN : k > REGION_GAIN_MAX ? REGION_GAIN_MAX : k;
}

/* The grid of REGION_CELL x REGION_CELL cells over lr. */
static void cell_grid(const FsrPicture *lr, int *cw, int *ch)
{
    *cw = (lr->w + REGION_CELL - 1) / REGION_CELL;
    *ch = (lr->h + REGION_CELL - 1) / REGION_CELL;
}

/* A scratch buffer of at least need bytes (zeroed when it grows); -1 out
 * of memory. */
static int grow(uint8_t **buf, size_t *size, size_t need)
{
    if (need <= *size)
        return 0;
    free(*buf);
    *size = 0;
    if (!(*buf = calloc(need, 1)))
        return -1;
    *size = need;
    return 0;
}

/* Sizes the regions policy's cell arrays for lr. */
static int ensure_cells(FsrFast *f, const FsrPicture *lr)
{
    int cw, ch;
    cell_grid(lr, &cw, &ch);
    if (cw != f->cw || ch != f->ch || !f->cells) {
        free_cells(f);
        f->cells = malloc((size_t)cw * ch);
        f->cell_drift = malloc(sizeof(float) * cw * ch);
        f->cell_lrc = malloc(sizeof(float) * cw * ch);
        f->cell_base = malloc(sizeof(float) * cw * ch);
        f->cell_sort = malloc(sizeof(float) * cw * ch);
        f->cell_gain = malloc(sizeof(float) * cw * ch);
        f->cell_bic = malloc((size_t)cw * ch);
        if (!f->cells || !f->cell_drift || !f->cell_lrc || !f->cell_base || !f->cell_sort || !f->cell_gain ||
            !f->cell_bic)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        f->cw = cw;
        f->ch = ch;
        for (int i = 0; i < FSR_FAST_MAX_REFS; i++) { /* maps of another size mean nothing */
            keep_cells(&f->refs[i].cell_drift, NULL, 0);
            keep_cells(&f->refs[i].cell_base, NULL, 0);
            keep_cells(&f->refs[i].cell_gain, NULL, 0);
        }
    }
    return 0;
}

static int make_plan(FsrFast *f, const FsrPicture *lr);

/* The cell of a reference under LR pixel (x, y) displaced by block b's
 * list-l vector (full pixels), clamped to the picture. */
static int ref_cell(const FsrFast *f, const FsrPicture *lr, const FsrBlock *b, int l, int x, int y)
{
    const int rx = x + (b->mv[l][0] >> 2), ry = y + (b->mv[l][1] >> 2);
    const int cx = rx < 0 ? 0 : rx >= lr->w ? f->cw - 1 : rx / REGION_CELL;
    const int cy = ry < 0 ? 0 : ry >= lr->h ? f->ch - 1 : ry / REGION_CELL;
    return cy * f->cw + cx;
}

/* Mean squared discrete Laplacian of the LR luma inside cell (cx, cy)
 * (interior pixels of the picture), in 8-bit levels squared: how much
 * detail the LR holds there. */
static double cell_detail(const FsrPicture *lr, int cx, int cy)
{
    const int x0 = cx * REGION_CELL > 1 ? cx * REGION_CELL : 1, y0 = cy * REGION_CELL > 1 ? cy * REGION_CELL : 1;
    const int x1 = (cx + 1) * REGION_CELL < lr->w - 1 ? (cx + 1) * REGION_CELL : lr->w - 1;
    const int y1 = (cy + 1) * REGION_CELL < lr->h - 1 ? (cy + 1) * REGION_CELL : lr->h - 1;
    const int high = fsr_picture_high(lr);
    const double norm = high ? (double)(1 << (fsr_picture_depth(lr) - 8)) : 1.0;
    double sum = 0;
    int n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            int c, l, r, u, d;
            if (high) {
                const uint16_t *p = (const uint16_t *)(lr->data[0] + (ptrdiff_t)y * lr->stride[0]) + x;
                const ptrdiff_t st = lr->stride[0] / 2;
                c = p[0], l = p[-1], r = p[1], u = p[-st], d = p[st];
            } else {
                const uint8_t *p = lr->data[0] + (ptrdiff_t)y * lr->stride[0] + x;
                c = p[0], l = p[-1], r = p[1], u = p[-lr->stride[0]], d = p[lr->stride[0]];
            }
            const double v = (4 * c - l - r - u - d) / (4 * norm);
            sum += v * v;
            n++;
        }
    return n ? sum / n : 0;
}

/* The regions policy's plan for a transferred frame: each block the
 * transfer cannot serve (the classes of transfer.c, on the same clipped
 * block: intra, no reference, fallback on the mean |residual|) or whose
 * estimated drift exceeds the budget (its references' drift at the
 * displaced block plus the adaptive model's step and residual terms) marks
 * its cells; the marked cells become rectangles (f->plan).  Returns 1 when
 * whole-frame SR is cheaper, 0 with f->cell_drift set for the transferred
 * cells, or a negative error. */
static int plan_regions(FsrFast *f, const Pending *p)
{
    const FsrBlockMap *m = &p->map;
    const FsrPicture *lr = &p->lr;
    const int s = f->scale;
    int ret = ensure_cells(f, lr);
    if (ret < 0)
        return ret;
    const int cw = f->cw, ch = f->ch;
    memset(f->cells, 0, (size_t)cw * ch);
    for (int i = 0; i < cw * ch; i++)
        f->cell_drift[i] = f->cell_base[i] = f->cell_gain[i] = 0;
    const double thr = m->is_ref ? f->s.policy.budget_db : 3 * f->s.policy.budget_db;
    const double fallback = f->s.transfer.fallback;
    const double levels = 1 << (fsr_picture_depth(lr) - 8);
    /* cells no block covers (a damaged map) are bicubic: they need SR */
    /* bit 1 below; bit 0 is "needs SR", bit 2 "and cannot wait" */
    uint8_t *covered = f->cells;
    for (int i = 0; i < m->nb_blocks; i++) {
        const FsrBlock *b = &m->blocks[i];
        int x, y, w, h;
        if (!fsr_block_clip(m, b, lr->w, lr->h, &x, &y, &w, &h))
            continue;
        int need = b->kind == FSR_BLOCK_INTRA || !b->lists || (b->flags & FSR_BLOCK_NO_REF);
        int urgent = 1; /* SR for what the transfer cannot serve; 0: the drift estimate's */
        double drift = 0, gain = 0;
        const RefPic *used[2] = { NULL, NULL };
        if (!need) {
            long sum = 0;
            if (!(b->flags & FSR_BLOCK_ZERO_RESIDUAL)) {
                const int16_t *r = m->residual[0] + (ptrdiff_t)(y + m->crop_top) * m->residual_stride[0] +
                                   (x + m->crop_left);
                for (int jy = 0; jy < h; jy++)
                    for (int ix = 0; ix < w; ix++)
                        sum += labs((long)r[jy * m->residual_stride[0] + ix]);
            }
            /* in 8-bit levels, as the thresholds are (estimate_loss) */
            const double res = (double)sum / levels;
            need = fallback > 0 && res >= fallback * w * h;
            int n = 0, frac = 0;
            for (int l = 0; l < 2 && !need; l++)
                if (b->lists & (1 << l)) {
                    RefPic *r = find_ref(f, b->ref[l]);
                    if (!r) {
                        need = 1;
                        break;
                    }
                    /* the reference's cell under the block's displaced centre */
                    const int c = ref_cell(f, lr, b, l, x + w / 2, y + h / 2);
                    drift += r->cell_drift ? r->cell_drift[c] : LOSS_BICUBIC_DB;
                    gain += r->cell_gain ? r->cell_gain[c] : REGION_GAIN_REF;
                    used[l] = r;
                    frac |= (b->mv[l][0] * s) & 3 || (b->mv[l][1] * s) & 3;
                    n++;
                }
            urgent = need;
            if (!need) {
                drift = drift / n + gain_factor(gain / n) * (frac ? LOSS_FRAC_STEP_DB : LOSS_INT_STEP_DB) +
                        LOSS_PER_RESIDUAL * res / ((double)w * h);
                need = drift > thr;
            }
        }
        for (int cy = y / REGION_CELL; cy <= (y + h - 1) / REGION_CELL; cy++)
            for (int cx = x / REGION_CELL; cx <= (x + w - 1) / REGION_CELL; cx++) {
                const int c = cy * cw + cx;
                covered[c] |= 2 | need | (need && urgent ? 4 : 0);
                if (drift > f->cell_drift[c])
                    f->cell_drift[c] = (float)drift;
                if (need)
                    continue;
                /* the LR-consistency baseline: the references' at this
                 * cell's own displaced centre (a block across an edge of
                 * new content takes each side's) */
                double base = 0, g = 0;
                int n = 0;
                for (int l = 0; l < 2; l++)
                    if (used[l]) {
                        const int q = ref_cell(f, lr, b, l, cx * REGION_CELL + REGION_CELL / 2,
                                               cy * REGION_CELL + REGION_CELL / 2);
                        base += used[l]->cell_base ? used[l]->cell_base[q] : 0;
                        g += used[l]->cell_gain ? used[l]->cell_gain[q] : REGION_GAIN_REF;
                        n++;
                    }
                if (n && base / n > f->cell_base[c])
                    f->cell_base[c] = (float)(base / n);
                if (n && g / n > f->cell_gain[c])
                    f->cell_gain[c] = (float)(g / n);
            }
    }
    for (int i = 0; i < cw * ch; i++) {
        /* 1: SR now (a block the transfer cannot serve, or none); 2: SR
         * when the work budget allows (the drift estimate's) */
        f->cells[i] = (f->cells[i] & 4) || !(f->cells[i] & 2) ? 1 : f->cells[i] & 1 ? 2 : 0;
        /* bicubic where SR adds next to nothing: a fresh start, as SR */
        f->cell_bic[i] = !f->cells[i] && f->cell_gain[i] < REGION_GAIN_BICUBIC &&
                         cell_detail(lr, i % cw, i / cw) < REGION_DETAIL_BICUBIC;
        if (f->cell_bic[i])
            f->cell_drift[i] = 0;
    }
    return make_plan(f, lr);
}

/* f->plan from the marked cells, and *share its cost as a share of a
 * whole-frame SR (1 when whole-frame SR is cheaper, or when the cells take
 * more than REGION_MAX_RECTS rectangles: *whole set, and the work budget
 * decides on it as on any plan); 0, or a negative error. */
static int plan_share(FsrFast *f, const FsrPicture *lr, double *share, int *whole)
{
    const int s = f->scale;
    int mx = 0, my = 0;
    fsr_sr_margin(f->sr, &mx, &my);
    const int ret = fsr_region_plan(&f->plan, f->cells, f->cw, f->ch, lr->w, lr->h, s, mx, my, REGION_MAX_RECTS);
    if (ret < 0)
        return ret;
    const double frame = (double)lr->w * s * lr->h * s;
    *whole = ret == 1 || f->plan.cost >= REGION_WHOLE_SHARE * frame;
    *share = *whole ? 1.0 : f->plan.cost / frame;
    return 0;
}

/* The rectangles of the marked cells (f->cells): 1 when whole-frame SR is
 * cheaper, 0 with the plan in f->plan, or a negative error.  The work
 * budget (f->credit, policy.max_share): the drift estimate's cells (2)
 * wait for credit there is; cells the transfer cannot serve or whose LR
 * picture shows an error (1) may run the credit down to -REGION_DEBT and
 * further by what a forced key frame still owes (f->forced: right after
 * the first frame or a cut, new content need not wait the 1 / max_share
 * frames its whole-frame SR takes to repay), and so may a whole-frame SR.
 * Cells that wait are unmarked, keep their drift and come back in a later
 * frame. */
static int make_plan(FsrFast *f, const FsrPicture *lr)
{
    const int n = f->cw * f->ch;
    double share = 0;
    int whole = 0, waited = 0;
    /* every marked cell on the credit there is */
    int ret = plan_share(f, lr, &share, &whole);
    if (ret < 0 || share <= f->credit)
        return ret < 0 ? ret : whole;
    /* failing that, the cells that cannot wait on the credit they may
     * borrow (planned again only if some cells wait) */
    for (int i = 0; i < n; i++)
        if (f->cells[i] == 2)
            f->cells[i] = 0, waited = 1;
    if (waited && (ret = plan_share(f, lr, &share, &whole)))
        return ret;
    if (share <= f->credit + REGION_DEBT + f->forced)
        return whole;
    f->plan.n = 0;
    f->plan.cost = f->plan.area = 0;
    memset(f->cells, 0, (size_t)n);
    return 0;
}

/* Before region SR runs the plan: its cells start anew. */
static void commit_plan(FsrFast *f)
{
    const int cw = f->cw, c = REGION_CELL * f->scale;
    for (int i = 0; i < f->plan.n; i++) {
        const FsrRect *r = &f->plan.rects[i];
        for (int cy = r->y / c; cy <= (r->y + r->h - 1) / c; cy++)
            for (int cx = r->x / c; cx <= (r->x + r->w - 1) / c; cx++) {
                f->cell_drift[cy * cw + cx] = 0;
                f->cells[cy * cw + cx] = 1; /* SR'd: its baseline is made anew */
            }
    }
}

/* The LR-consistency pass of scale/consistency.c on cells [cx0, cx1) x
 * [cy0, cy1) at either depth (cell errors in 8-bit levels both ways); err,
 * when not NULL, receives the per-pixel error for back projection (bytes,
 * or int16_t at high depth), which needs the whole plane. */
static int lr_error(FsrFast *f, float *cell_err, void *err, const FsrPicture *hr, const FsrPicture *lr, int cx0,
                    int cy0, int cx1, int cy1)
{
    int cw, ch;
    cell_grid(lr, &cw, &ch);
    if (fsr_picture_high(lr)) {
        const uint16_t *h = (const uint16_t *)hr->data[0], *l = (const uint16_t *)lr->data[0];
        const int depth = fsr_picture_depth(lr);
        if (err)
            return fsr_lr_error16(cell_err, err, cw, ch, REGION_CELL, h, hr->stride[0], l, lr->stride[0], lr->w,
                                  lr->h, f->scale, depth);
        return fsr_lr_consistency_cells16(cell_err, cw, ch, REGION_CELL, h, hr->stride[0], l, lr->stride[0], lr->w,
                                          lr->h, f->scale, cx0, cy0, cx1, cy1, depth);
    }
    if (err)
        return fsr_lr_error(cell_err, err, cw, ch, REGION_CELL, hr->data[0], hr->stride[0], lr->data[0],
                            lr->stride[0], lr->w, lr->h, f->scale);
    return fsr_lr_consistency_cells(cell_err, cw, ch, REGION_CELL, hr->data[0], hr->stride[0], lr->data[0],
                                    lr->stride[0], lr->w, lr->h, f->scale, cx0, cy0, cx1, cy1);
}

/* After the transfer: cells whose LR consistency (fsr_lr_consistency of
 * the transferred luma against the decoded LR luma) exceeds their baseline
 * (RefPic.cell_base) by more than the threshold above join the plan, which
 * is made again when any did; 1 when whole-frame SR is cheaper after all.
 * The transfer cannot see when its prediction went wrong (new content under
 * a vector that fitted well enough for the encoder, a reference chain that
 * drifted off); the LR picture can. */
static int add_inconsistent_cells(FsrFast *f, const FsrPicture *hr, const FsrPicture *lr, int is_ref)
{
    /* with back projection, the per-pixel error of the same pass serves it */
    int ret = lr_error(f, f->cell_lrc, f->s.transfer.back_project ? f->bp_err : NULL, hr, lr, 0, 0, f->cw, f->ch);
    if (ret < 0)
        return ret;
    const int n = f->cw * f->ch;
    for (int i = 0; i < n; i++)
        f->cell_sort[i] = f->cell_lrc[i] - f->cell_base[i];
    /* the median without sorting every cell each frame (qsort was 2% of a
     * FAST run) */
    const float mid = fsr_select_kth(f->cell_sort, n, n / 2);
    const float median = mid > 0 ? mid : 0;
    /* a frame no other references keeps its errors to itself */
    const float thr = (REGION_LRC_LEVELS + REGION_LRC_MEDIANS * median) * (is_ref ? 1 : REGION_NONREF_LRC);
    int added = 0;
    for (int i = 0; i < n; i++)
        if (!f->cells[i] && f->cell_lrc[i] - f->cell_base[i] > thr) {
            f->cells[i] = 1;
            added = 1;
        }
    return added ? make_plan(f, lr) : 0;
}

/* The cells marked bicubic (f->cell_bic) that region SR did not write get
 * the bicubic upscale of the decoded LR, and join f->cells so that back
 * projection leaves them alone; *area: their LR pixels. */
static int bicubic_cells(FsrFast *f, FsrPicture *hr, const FsrPicture *lr, int64_t *area)
{
    *area = 0;
    const int s = f->scale, bps = fsr_picture_bps(lr);
    for (int cy = 0; cy < f->ch; cy++)
        for (int cx = 0; cx < f->cw; cx++) {
            const int i = cy * f->cw + cx;
            if (!f->cell_bic[i] || f->cells[i])
                continue;
            const int x = cx * REGION_CELL, y = cy * REGION_CELL;
            const int w = lr->w - x < REGION_CELL ? lr->w - x : REGION_CELL;
            const int h = lr->h - y < REGION_CELL ? lr->h - y : REGION_CELL;
            uint8_t *dst = hr->data[0] + (ptrdiff_t)y * s * hr->stride[0] + (ptrdiff_t)x * s * bps;
            const int ret = fsr_bicubic_luma_region(dst, hr->stride[0], lr, s, x, y, w, h);
            if (ret < 0)
                return ret;
            f->cells[i] = 1;
            *area += (int64_t)w * h;
        }
    return 0;
}

/* SR of the plan's rectangles, written over the transferred luma of hr.
 * Bicubic-input networks read the bicubic upscale of the decoded LR luma,
 * computed for each rectangle and its halo only. */
static int run_regions(FsrFast *f, FsrPicture *hr, const FsrPicture *lr)
{
    const int s = f->scale, lri = fsr_sr_lr_input(f->sr);
    const int depth = fsr_picture_depth(lr), bps = fsr_picture_bps(lr);
    int mx = 0, my = 0;
    fsr_sr_margin(f->sr, &mx, &my);
    const size_t need = (size_t)hr->w * hr->h * bps;
    if (!lri && grow(&f->bic, &f->bic_size, need) < 0)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    for (int i = 0; i < f->plan.n; i++) {
        const FsrRect *r = &f->plan.rects[i];
        uint8_t *dst = hr->data[0] + (ptrdiff_t)r->y * hr->stride[0] + r->x * bps;
        int ret;
        if (lri && depth > 8) {
            ret = fsr_sr_luma_rect16(f->sr, (uint16_t *)dst, hr->stride[0], (const uint16_t *)lr->data[0],
                                     lr->stride[0], lr->w, lr->h, r->x, r->y, r->w, r->h, depth);
        } else if (lri) {
            ret = fsr_sr_luma_rect(f->sr, dst, hr->stride[0], lr->data[0], lr->stride[0], lr->w, lr->h, r->x, r->y,
                                   r->w, r->h);
        } else {
            /* the LR pixels whose HR pixels cover the rectangle and halo */
            int x0 = (r->x - mx) / s, y0 = (r->y - my) / s;
            int x1 = (r->x + r->w + mx + s - 1) / s, y1 = (r->y + r->h + my + s - 1) / s;
            x0 = x0 < 0 ? 0 : x0;
            y0 = y0 < 0 ? 0 : y0;
            x1 = x1 > lr->w ? lr->w : x1;
            y1 = y1 > lr->h ? lr->h : y1;
            const ptrdiff_t bs = (ptrdiff_t)hr->w * bps;
            ret = fsr_bicubic_luma_region(f->bic + (size_t)y0 * s * bs + (size_t)x0 * s * bps, bs, lr, s, x0, y0,
                                          x1 - x0, y1 - y0);
            if (ret >= 0 && depth > 8)
                ret = fsr_sr_luma_rect16(f->sr, (uint16_t *)dst, hr->stride[0], (const uint16_t *)f->bic, bs, hr->w,
                                         hr->h, r->x, r->y, r->w, r->h, depth);
            else if (ret >= 0)
                ret = fsr_sr_luma_rect(f->sr, dst, hr->stride[0], f->bic, hr->w, hr->w, hr->h, r->x, r->y, r->w,
                                       r->h);
        }
        if (ret < 0)
            return ret;
    }
    return 0;
}

/* The SR gain (RefPic.cell_gain) of cells [cx0, cx1) x [cy0, cy1) of hr,
 * which SR has just written: the mean squared difference from the bicubic
 * upscale of lr, in 8-bit levels. */
static int measure_gain(FsrFast *f, const FsrPicture *hr, const FsrPicture *lr, int cx0, int cy0, int cx1, int cy1)
{
    const int s = f->scale, bps = fsr_picture_bps(lr), depth = fsr_picture_depth(lr);
    if (grow(&f->bic, &f->bic_size, (size_t)hr->w * hr->h * bps) < 0)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    const int x0 = cx0 * REGION_CELL, y0 = cy0 * REGION_CELL;
    const int x1 = cx1 * REGION_CELL < lr->w ? cx1 * REGION_CELL : lr->w;
    const int y1 = cy1 * REGION_CELL < lr->h ? cy1 * REGION_CELL : lr->h;
    const size_t at = (size_t)y0 * s * hr->w + (size_t)x0 * s;
    const int ret =
        fsr_bicubic_luma_region(f->bic + at * bps, (ptrdiff_t)hr->w * bps, lr, s, x0, y0, x1 - x0, y1 - y0);
    if (ret < 0)
        return ret;
    const double norm = (double)(1 << (depth - 8)) * (1 << (depth - 8));
    for (int cy = cy0; cy < cy1; cy++)
        for (int cx = cx0; cx < cx1; cx++) {
            const int X0 = cx * REGION_CELL * s, Y0 = cy * REGION_CELL * s;
            const int X1 = X0 + REGION_CELL * s < hr->w ? X0 + REGION_CELL * s : hr->w;
            const int Y1 = Y0 + REGION_CELL * s < hr->h ? Y0 + REGION_CELL * s : hr->h;
            double sum = 0;
            for (int y = Y0; y < Y1; y++)
                for (int x = X0; x < X1; x++) {
                    const size_t i = (size_t)y * hr->w + x;
                    const int d = depth > 8 ? (int)((const uint16_t *)(hr->data[0] + (ptrdiff_t)y * hr->stride[0]))[x] -
                                                  ((const uint16_t *)f->bic)[i]
                                            : (int)hr->data[0][(ptrdiff_t)y * hr->stride[0] + x] - f->bic[i];
                    sum += (double)d * d;
                }
            f->cell_gain[cy * f->cw + cx] = (float)(sum / ((double)(X1 - X0) * (Y1 - Y0)) / norm);
        }
    return 0;
}

static int ensure_bp(FsrFast *f, const FsrPicture *lr)
{
    const size_t lr_size = (size_t)lr->w * lr->h * fsr_picture_bps(lr); /* int16_t errors at high depth */
    return grow(&f->bp_err, &f->bp_lr_size, lr_size) < 0 ||
                   grow(&f->bp_up, &f->bp_hr_size, lr_size * f->scale * f->scale) < 0
               ? fsr_error(FSR_ERR(ENOMEM), "out of memory")
               : 0;
}

/* One back-projection step on the transferred luma of hr: the part of its
 * error that the LR picture can see (what its downscale gets wrong) is
 * taken out, on every cell the transfer made (not those region SR just
 * wrote).  Measured in README "Back projection". */
static int back_project(FsrFast *f, FsrPicture *hr, const FsrPicture *lr, int regions)
{
    int cw, ch, ret = 0;
    cell_grid(lr, &cw, &ch);
    /* with regions, the error came with the consistency pass, before
     * region SR, and the cells region SR wrote (f->cells) are left alone */
    if (!regions)
        ret = lr_error(f, NULL, f->bp_err, hr, lr, 0, 0, cw, ch);
    if (ret < 0)
        return ret;
    if (fsr_picture_high(lr))
        return fsr_back_project16((uint16_t *)hr->data[0], hr->stride[0], (int16_t *)f->bp_err, (int16_t *)f->bp_up,
                                  lr->w, lr->h, f->scale, regions ? f->cells : NULL, REGION_CELL,
                                  fsr_picture_depth(lr));
    return fsr_back_project(hr->data[0], hr->stride[0], f->bp_err, f->bp_up, lr->w, lr->h, f->scale,
                            regions ? f->cells : NULL, REGION_CELL);
}

static void describe_frame(FsrFastFrame *info, const Pending *p, int key, double est)
{
    const FsrBlockMap *m = &p->map;
    info->display_index = m->display_index;
    info->decode_index = m->decode_index;
    info->pts = p->pts;
    info->duration = p->duration;
    info->type = m->type ? m->type : '?';
    info->is_ref = m->is_ref;
    info->key = key;
    info->estimated_loss_db = key ? 0 : est;
}

/* Upscales pending frame idx (SR or transfer, as the policy decides) into
 * the ready list, keeps it as a reference if it is one, and retires it. */
static int process(FsrFast *f, int idx)
{
    Pending *p = &f->pending[idx];
    if (f->nready > MAX_PENDING)
        return fsr_error(FSR_ERR(ENOSPC), "fast: output reorder buffer overflow");
    Ready *r = &f->ready[f->nready];
    memset(r, 0, sizeof(*r));
    int ret = pool_get(&f->hr_pool, &r->hr, p->lr.w * f->scale, p->lr.h * f->scale, fsr_picture_depth(&p->lr));
    if (ret < 0)
        return ret;
    const FsrBlockMap *m = &p->map;
    /* the estimate is cheap: kept for every policy, so runs can be compared
     * with what the adaptive policy would have predicted */
    const double est =
        m->side_info && f->s.policy.kind != FSR_KEY_ALL ? estimate_loss(f, m, fsr_picture_depth(&p->lr)) : 0;
    const double t0 = clock_wall();
    int key = decide_key(f, p, est);
    const int forced = key;
    const int regions = f->s.policy.kind == FSR_KEY_REGIONS && m->side_info;
    const int bp = f->s.transfer.back_project && m->side_info;
    if (f->s.policy.kind == FSR_KEY_REGIONS)
        f->credit += f->s.policy.max_share;
    if ((regions && (ret = ensure_cells(f, &p->lr)) < 0) || (bp && (ret = ensure_bp(f, &p->lr)) < 0)) {
        pool_put(&f->hr_pool, &r->hr);
        return ret;
    }
    if (regions && !key && (key = plan_regions(f, p)) < 0)
        ret = key;
    else if (key)
        ret = fsr_sr_picture(f->sr, &r->hr, &p->lr);
    else if ((ret = fsr_transfer_frame(f->tr, &r->hr, &p->lr, m, lookup_ref, f, &r->info.stats)) >= 0 && regions) {
        if ((ret = add_inconsistent_cells(f, &r->hr, &p->lr, m->is_ref)) == 1) {
            key = 1; /* whole-frame SR after all */
            ret = fsr_sr_picture(f->sr, &r->hr, &p->lr);
        } else if (ret >= 0) {
            commit_plan(f);
            if ((ret = run_regions(f, &r->hr, &p->lr)) >= 0)
                ret = bicubic_cells(f, &r->hr, &p->lr, &r->info.bicubic_area);
        }
    }
    if (ret >= 0 && bp && !key)
        ret = back_project(f, &r->hr, &p->lr, regions);
    /* the LR-consistency baseline a reference passes on: what SR'd content
     * shows (key frames, region SR), carried from the references elsewhere */
    const int base = regions && m->is_ref;
    if (ret >= 0 && base && key)
        ret = lr_error(f, f->cell_lrc, NULL, &r->hr, &p->lr, 0, 0, f->cw, f->ch);
    /* after region SR, only its cells are measured again */
    for (int i = 0; ret >= 0 && base && !key && i < f->plan.n; i++) {
        const FsrRect *q = &f->plan.rects[i];
        const int c = REGION_CELL * f->scale;
        ret = lr_error(f, f->cell_lrc, NULL, &r->hr, &p->lr, q->x / c, q->y / c, (q->x + q->w - 1) / c + 1,
                       (q->y + q->h - 1) / c + 1);
    }
    if (ret >= 0 && base)
        for (int i = 0; i < f->cw * f->ch; i++)
            if (key || f->cells[i])
                f->cell_base[i] = f->cell_lrc[i];
    /* and the SR gain of what SR wrote */
    if (ret >= 0 && base && key)
        ret = measure_gain(f, &r->hr, &p->lr, 0, 0, f->cw, f->ch);
    for (int i = 0; ret >= 0 && base && !key && i < f->plan.n; i++) {
        const FsrRect *q = &f->plan.rects[i];
        const int c = REGION_CELL * f->scale;
        ret = measure_gain(f, &r->hr, &p->lr, q->x / c, q->y / c, (q->x + q->w - 1) / c + 1,
                           (q->y + q->h - 1) / c + 1);
    }
    if (ret < 0) {
        pool_put(&f->hr_pool, &r->hr);
        return ret;
    }
    r->info.seconds = clock_wall() - t0;
    /* the regions policy's estimate: the mean drift of the frame's cells */
    double loss = est;
    if (regions) {
        loss = 0;
        if (key)
            memset(f->cell_drift, 0, sizeof(float) * f->cw * f->ch);
        for (int i = 0; i < f->cw * f->ch; i++)
            loss += f->cell_drift[i];
        loss /= f->cw * f->ch;
    }
    describe_frame(&r->info, p, key, loss);
    if (key) {
        r->info.sr_share = 1;
    } else if (regions) {
        r->info.regions = f->plan.n;
        r->info.region_area = f->plan.area;
        r->info.sr_share = (double)f->plan.cost / ((double)r->hr.w * r->hr.h);
    }
    if (f->s.policy.kind == FSR_KEY_REGIONS) {
        f->credit -= r->info.sr_share;
        f->forced = forced ? r->info.sr_share
                           : f->forced > f->s.policy.max_share ? f->forced - f->s.policy.max_share : 0;
    }
    f->nready++;
    /* a transferred frame drifts by its estimate; a key frame starts anew */
    if (m->side_info && m->is_ref &&
        (ret = store_ref(f, p, &r->hr, key ? 0 : loss, regions ? f->cell_drift : NULL, base ? f->cell_base : NULL,
                         base ? f->cell_gain : NULL)) < 0)
        return ret;
    f->since_key = key ? 0 : f->since_key + 1;
    f->processed++;
    f->next_decode = (m->decode_index >= 0 ? m->decode_index : f->next_decode) + 1;
    pending_free(f, p);
    f->pending[idx] = f->pending[--f->npending];
    return 0;
}

/* Index of the pending frame to process next, or -1 to wait for input. */
static int next_pending(FsrFast *f)
{
    int best = -1;
    for (int i = 0; i < f->npending; i++) {
        const Pending *p = &f->pending[i];
        if (p->map.decode_index == f->next_decode)
            return i;
        const int64_t key = p->map.decode_index >= 0 ? p->map.decode_index : p->arrival;
        if (best < 0 || key < (f->pending[best].map.decode_index >= 0 ? f->pending[best].map.decode_index
                                                                        : f->pending[best].arrival))
            best = i;
    }
    /* Out of sequence (unknown or skipped decode indices): go on with the
     * earliest once waiting longer cannot help. */
    if (best >= 0 && (f->flushing || f->npending > REORDER_LIMIT ||
                      f->pending[best].map.decode_index < 0))
        return best;
    return -1;
}

int fsr_fast_pull(FsrFast *f, FsrFastFrame *out)
{
    for (;;) {
        /* the next frame in display order, if it is done */
        for (int i = 0; i < f->nready; i++)
            if (f->ready[i].info.display_index == f->next_display ||
                (f->flushing && f->npending == 0 && i == 0)) {
                int best = i;
                if (f->ready[i].info.display_index != f->next_display)
                    for (int k = 1; k < f->nready; k++)
                        if (f->ready[k].info.display_index < f->ready[best].info.display_index)
                            best = k;
                pool_put(&f->hr_pool, &f->out.hr);
                f->out = f->ready[best];
                f->ready[best] = f->ready[--f->nready];
                f->next_display = f->out.info.display_index + 1;
                *out = f->out.info;
                out->hr = &f->out.hr;
                return 0;
            }
        const int idx = next_pending(f);
        if (idx < 0)
            return 1;
        int ret = process(f, idx);
        if (ret < 0)
            return ret;
    }
}
