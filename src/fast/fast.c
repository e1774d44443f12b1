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
#include <time.h>

#include "fastsr/bicubic.h"
#include "log.h"

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
    FsrPicture hr;
} RefPic;

typedef struct Ready {
    FsrFastFrame info;
    FsrPicture hr;
} Ready;

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
    FsrPicture pool[8];         /* spare HR pictures: no allocation per frame */
    uint8_t *scratch;           /* accelerator backend output luma */
    size_t scratch_size;
    int npool;
    int64_t next_decode, next_display, arrivals;
    int64_t since_key;          /* frames processed since the last key frame */
    int processed, flushing;
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
    int ret = fsr_transfer_open(&f->tr, &s->transfer);
    if (ret < 0) {
        free(f);
        return ret;
    }
    if (s->sr && fsr_sr_scale(s->sr) != f->scale) {
        fsr_fast_close(&f);
        return fsr_error(FSR_ERR(EINVAL), "SR model scale differs from the transfer scale");
    }
    *pf = f;
    return 0;
}

static void pending_free(Pending *p)
{
    fsr_picture_close(&p->lr);
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
        pending_free(&f->pending[i]);
    for (int i = 0; i < FSR_FAST_MAX_REFS; i++)
        fsr_picture_close(&f->refs[i].hr);
    for (int i = 0; i < f->nready; i++)
        fsr_picture_close(&f->ready[i].hr);
    fsr_picture_close(&f->out.hr);
    for (int i = 0; i < f->npool; i++)
        fsr_picture_close(&f->pool[i]);
    free(f->scratch);
    fsr_transfer_close(&f->tr);
    free(f);
    *pf = NULL;
}

static void copy_plane(uint8_t *d, ptrdiff_t ds, const uint8_t *s, ptrdiff_t ss, int w, int h)
{
    for (int y = 0; y < h; y++)
        memcpy(d + y * ds, s + y * ss, w);
}

int fsr_fast_push(FsrFast *f, const FsrPicture *lr, const FsrBlockMap *map, int64_t pts, int64_t duration)
{
    if (!lr || !map)
        return fsr_error(FSR_ERR(EINVAL), "fast: NULL frame");
    if (f->npending == MAX_PENDING)
        return fsr_error(FSR_ERR(ENOSPC), "fast: too many frames waiting for their decode turn");
    Pending *p = &f->pending[f->npending];
    memset(p, 0, sizeof(*p));
    int ret = fsr_picture_copy(&p->lr, lr);
    if (ret < 0)
        return ret;
    p->map = *map;
    if (map->side_info && map->nb_blocks > 0) {
        p->blocks = malloc(sizeof(FsrBlock) * map->nb_blocks);
        const size_t n = (size_t)map->coded_h * map->residual_stride[0];
        p->residual = malloc(sizeof(int16_t) * n);
        if (!p->blocks || !p->residual) {
            pending_free(p);
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
    p->arrival = f->arrivals++;
    f->npending++;
    return 0;
}

void fsr_fast_flush(FsrFast *f) { f->flushing = 1; }

static int pool_get(FsrFast *f, FsrPicture *pic, int w, int h)
{
    while (f->npool) {
        *pic = f->pool[--f->npool];
        if (pic->w == w && pic->h == h)
            return 0;
        fsr_picture_close(pic);
    }
    return fsr_picture_open(pic, w, h);
}

static void pool_put(FsrFast *f, FsrPicture *pic)
{
    if (pic->buf && f->npool < (int)(sizeof(f->pool) / sizeof(f->pool[0])))
        f->pool[f->npool++] = *pic;
    else
        fsr_picture_close(pic);
    memset(pic, 0, sizeof(*pic));
}

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
static double estimate_loss(FsrFast *f, const FsrBlockMap *m)
{
    double loss = 0, area = 0;
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
            mean_res = sum / a;
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
    switch (f->s.policy.kind) {
    case FSR_KEY_ALL: return 1;
    case FSR_KEY_INTRA: return m->type == 'I';
    case FSR_KEY_EVERY:
        return m->type == 'I' || (m->is_ref && f->since_key + 1 >= f->s.policy.every);
    default:
        /* SR pays off on frames others reference: errors travel only along
         * reference chains.  A non-reference frame gets SR only when it
         * is far over budget (a scene cut inside a B run). */
        if (m->type == 'I')
            return 1;
        return m->is_ref ? est > f->s.policy.budget_db : est > 3 * f->s.policy.budget_db;
    }
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Keeps a reference picture; when the store is full the oldest in decode
 * order leaves (the stream cannot use more than 16). */
static int store_ref(FsrFast *f, const Pending *p, const FsrPicture *hr, double drift)
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
    return 0;
}

/* A key frame on the accelerator model's fixed-point backend: the network
 * sees the bicubic luma, its output replaces it. */
static int upscale_key_accel(FsrFast *f, FsrPicture *hr, const FsrPicture *lr)
{
    int ret = fsr_bicubic_picture(hr, lr, f->scale);
    if (ret < 0)
        return ret;
    const size_t n = (size_t)hr->w * hr->h;
    if (f->scratch_size < n) {
        free(f->scratch);
        f->scratch = malloc(n);
        f->scratch_size = f->scratch ? n : 0;
        if (!f->scratch)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    }
    if ((ret = fsr_accel_sr_run(f->s.accel_sr, f->scratch, hr->w, hr->data[0], hr->stride[0], hr->w, hr->h,
                                NULL)) < 0)
        return ret;
    copy_plane(hr->data[0], hr->stride[0], f->scratch, hr->w, hr->w, hr->h);
    return 0;
}

/* A key frame: SR on the backend the settings give, bicubic without one. */
static int upscale_key(FsrFast *f, FsrPicture *hr, const FsrPicture *lr)
{
    if (f->s.accel_sr)
        return upscale_key_accel(f, hr, lr);
    return f->s.sr ? fsr_sr_picture(f->s.sr, hr, lr) : fsr_bicubic_picture(hr, lr, f->scale);
}

/* Benchmarks (measure_bicubic): the transfer again and a bicubic upscale of
 * the same frame, interleaved, best of three each, so both see the same
 * machine (other stages' threads, a shared machine's load).  The transfer
 * is a pure function of its inputs: repeating it rewrites the same
 * picture. */
static int time_transfer_and_bicubic(FsrFast *f, Ready *r, const Pending *p)
{
    FsrPicture tmp;
    int ret = pool_get(f, &tmp, r->hr.w, r->hr.h);
    if (ret < 0)
        return ret;
    double best_tr = r->info.seconds, best_bic = 1e30;
    for (int rep = 0; rep < 3 && ret >= 0; rep++) {
        double t1 = now_seconds();
        ret = fsr_bicubic_picture(&tmp, &p->lr, f->scale);
        const double bic = now_seconds() - t1;
        best_bic = bic < best_bic ? bic : best_bic;
        if (ret < 0 || rep == 2)
            break;
        t1 = now_seconds();
        ret = fsr_transfer_frame(f->tr, &r->hr, &p->lr, &p->map, lookup_ref, f, &r->info.stats);
        const double tr = now_seconds() - t1;
        best_tr = tr < best_tr ? tr : best_tr;
    }
    r->info.transfer_seconds_best = best_tr;
    r->info.bicubic_seconds = best_bic;
    pool_put(f, &tmp);
    return ret < 0 ? ret : 0;
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
    int ret = pool_get(f, &r->hr, p->lr.w * f->scale, p->lr.h * f->scale);
    if (ret < 0)
        return ret;
    const FsrBlockMap *m = &p->map;
    /* the estimate is cheap: kept for every policy, so runs can be compared
     * with what the adaptive policy would have predicted */
    const double est = m->side_info && f->s.policy.kind != FSR_KEY_ALL ? estimate_loss(f, m) : 0;
    const int key = decide_key(f, p, est);
    const double t0 = now_seconds();
    if (key)
        ret = upscale_key(f, &r->hr, &p->lr);
    else
        ret = fsr_transfer_frame(f->tr, &r->hr, &p->lr, m, lookup_ref, f, &r->info.stats);
    if (ret < 0) {
        pool_put(f, &r->hr);
        return ret;
    }
    r->info.seconds = now_seconds() - t0;
    if (!key && f->s.measure_bicubic && (ret = time_transfer_and_bicubic(f, r, p)) < 0)
        return ret;
    describe_frame(&r->info, p, key, est);
    f->nready++;
    /* a transferred frame drifts by its estimate; a key frame starts anew */
    if (m->side_info && m->is_ref && (ret = store_ref(f, p, &r->hr, key ? 0 : est)) < 0)
        return ret;
    f->since_key = key ? 0 : f->since_key + 1;
    f->processed++;
    f->next_decode = (m->decode_index >= 0 ? m->decode_index : f->next_decode) + 1;
    pending_free(p);
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
                pool_put(f, &f->out.hr);
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
