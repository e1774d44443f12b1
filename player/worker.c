/* The worker: a decoder thread (input + block maps, one core: libavcodec
 * exports side information only from a single-threaded decoder) feeding a
 * few frames ahead to the engine thread, which runs FAST (OpenMP over the
 * cores) and fills frame slots for the display, with the comparison picture
 * and PSNR when asked for.  Two threads so that decoding overlaps the
 * transfer instead of leaving a core idle.
 *
 * Real time: a frame that is already late when it leaves the engine is not
 * queued (counted as dropped).  When decoding falls behind the clock by more
 * than RESYNC_LAG, the engine is dropped and frames are only decoded until
 * one far enough ahead of the clock; the engine restarts there (its first
 * frame gets SR, references from before are missing and those blocks become
 * bicubic), so the lag never grows. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/bicubic.h"
#include "fastsr/eval.h"
#include "fastsr/model.h"
#include "fastsr/motion.h"
#include "fastsr/pipeline.h"
#include "fastsr/reader.h"
#include "fastsr/sr.h"
#include "play.h"

#define RESYNC_LAG 0.5 /* seconds behind the clock before the engine restarts */
#define LR_RING 64     /* decoded frames kept until the engine hands them out */
#define DEC_DEPTH 4    /* decoded frames waiting for the engine */

/* A decoded frame with a private copy of its map (blocks, luma residual). */
typedef struct DecFrame {
    FsrPicture lr;
    FsrBlockMap map;
    FsrBlock *blocks;
    int cap;
    int16_t *res;
    size_t res_cap;
    int64_t pts, duration;
} DecFrame;

typedef struct LrEntry {
    int64_t index;             /* display index in the input; -1 unused */
    FsrPicture lr;
    FsrBlockMap map;
    FsrBlock *blocks;
    int cap;
} LrEntry;

struct Worker {
    WorkerSettings s;
    const PlayOptions *opt;
    FsrReader *in;
    FsrMotionSearch *ms;   /* block maps for streams without side information */
    const FsrReaderInfo *info; /* in's */
    FsrModel *model;
    FsrSR *sr, *cmp_sr, *pause_sr;
    FsrFastSettings fs;
    FsrFast *fast;
    char policy[32];
    const char *motion;       /* where the block maps come from: stream, search or none */
    double tb, frame_dur;
    int lw, lh, hw, hh;
    /* engine restarts: the engine sees indices relative to its first frame */
    int64_t d0, c0;
    int64_t in_engine;         /* pushed and not yet pulled */
    int skipping;
    FsrBlock *renum;
    int renum_cap;
    LrEntry ring[LR_RING];
    FsrPicture scratch;        /* bicubic luma for the comparison SR */
    /* ground truth */
    FsrReader *hr;
    int64_t hr_next;           /* display index of the next HR frame to read */
    FsrReaderFrame hr_frame;
    int hr_valid;
    /* estimates for the SRCNN comparison */
    double sr_est, work_est;
    SDL_Thread *thread;
    SDL_mutex *lock;
    /* decoder thread -> engine thread */
    SDL_Thread *dec_thread;
    SDL_cond *dec_cond;
    DecFrame dq[DEC_DEPTH];
    int dq_head, dq_len, dec_end, stop;
    char dec_msg[1024];
    WorkerStats stats;
    int error, reported;
    char errmsg[1024];
    char run_msg[256];         /* the engine thread's own error, else the library's */
};

static double now_s(void)
{
    return (double)SDL_GetPerformanceCounter() / (double)SDL_GetPerformanceFrequency();
}

static void copy_plane(uint8_t *d, ptrdiff_t ds, const uint8_t *s, ptrdiff_t ss, int w, int h)
{
    for (int y = 0; y < h; y++)
        memcpy(d + y * ds, s + y * ss, w);
}

static int ensure_pic(FsrPicture *p, int w, int h)
{
    if (p->buf && p->w == w && p->h == h)
        return 0;
    fsr_picture_close(p);
    return fsr_picture_open(p, w, h);
}

/* Copies a block map without its residual (the overlay needs blocks only). */
static int copy_map(FsrBlockMap *d, FsrBlock **blocks, int *cap, const FsrBlockMap *s)
{
    *d = *s;
    d->residual[0] = d->residual[1] = d->residual[2] = NULL;
    if (s->nb_blocks > *cap) {
        FsrBlock *b = realloc(*blocks, sizeof(FsrBlock) * s->nb_blocks);
        if (!b)
            return FSR_ERR(ENOMEM);
        *blocks = b;
        *cap = s->nb_blocks;
    }
    if (s->nb_blocks)
        memcpy(*blocks, s->blocks, sizeof(FsrBlock) * s->nb_blocks);
    d->blocks = *blocks;
    return 0;
}

static void set_error(Worker *w, int err, const char *msg)
{
    SDL_LockMutex(w->lock);
    if (!w->error) {
        w->error = err ? err : -1;
        snprintf(w->errmsg, sizeof(w->errmsg), "%s", msg);
    }
    SDL_UnlockMutex(w->lock);
}

/* The engine thread's own failures: the message is kept for set_error. */
static int __attribute__((format(printf, 3, 4))) run_fail(Worker *w, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->run_msg, sizeof(w->run_msg), fmt, ap);
    va_end(ap);
    return err;
}

static double to_seconds(Worker *w, int64_t pts, int64_t index)
{
    return pts == FSR_NOPTS ? index * w->frame_dur : pts * w->tb;
}

static int open_engine(Worker *w)
{
    w->in_engine = 0;
    return fsr_fast_open(&w->fast, &w->fs);
}

/* The SR engines' settings: the player's threads and precision. */
static int sr_settings(FsrSRSettings *ss, const PlayOptions *o)
{
    fsr_sr_defaults(ss);
    ss->threads = o->threads;
    return fsr_sr_set_precision(ss, o->precision);
}

int worker_open(Worker **pw, const WorkerSettings *s)
{
    *pw = NULL;
    Worker *w = calloc(1, sizeof(*w));
    if (!w || !(w->lock = SDL_CreateMutex()) || !(w->dec_cond = SDL_CreateCond())) {
        free(w);
        fprintf(stderr, PLAY_NAME ": error: out of memory\n");
        return -1;
    }
    w->s = *s;
    w->opt = s->opt;
    for (int i = 0; i < LR_RING; i++)
        w->ring[i].index = -1;
    const PlayOptions *o = s->opt;
    char path[4096];
    int ret;
    fsr_key_policy_parse(&w->fs.policy, o->keyframes);
    fsr_key_policy_name(&w->fs.policy, w->policy, sizeof(w->policy));
    fsr_transfer_defaults(&w->fs.transfer);
    w->fs.transfer.scale = o->scale;
    w->fs.transfer.threads = o->threads;
    w->fs.transfer.back_project = !o->no_back_project; /* on, as in fastsr */
    w->fs.transfer.refine = !o->no_refine;             /* on, as in fastsr */
    FsrReaderSettings rs;
    fsr_reader_defaults(&rs);
    rs.threads = o->threads;
    /* search and none do not read the stream's side information */
    if (o->motion == FSR_MOTION_SEARCH || o->motion == FSR_MOTION_NONE)
        rs.block_maps = 0;
    /* auto: the stream's vectors for H.264 only (as fastsr's) */
    rs.mpeg_plain = o->motion == FSR_MOTION_AUTO;
    if ((ret = fsr_reader_open(&w->in, o->input, &rs)) < 0)
        goto fail;
    const FsrReaderInfo *info = w->info = fsr_reader_info(w->in);
    /* block maps from the motion search on the decoding thread, as in
     * fastsr's fast mode: always for search, for auto where the stream
     * gives none fastsr reads; without maps every frame gets SR */
    const int search = o->motion == FSR_MOTION_SEARCH || (o->motion == FSR_MOTION_AUTO && !info->side_info);
    FsrMotionSettings mss;
    fsr_motion_defaults(&mss);
    mss.threads = o->threads;
    if (search && (ret = fsr_motion_open(&w->ms, &mss)) < 0)
        goto fail;
    w->motion = search ? "search" : info->side_info && o->motion != FSR_MOTION_NONE ? "stream" : "none";
    if (o->motion == FSR_MOTION_STREAM && !info->side_info)
        fprintf(stderr, PLAY_NAME ": warning: %s: fastsr reads no side information from this stream and motion "
                "search is off (--motion stream); SR on every frame\n", o->input);
    w->tb = (double)info->time_base.num / info->time_base.den;
    const FsrRational fr = info->frame_rate;
    w->frame_dur = fr.num > 0 ? (double)fr.den / fr.num : 1 / 25.0;
    w->lw = info->width;
    w->lh = info->height;
    w->hw = w->lw * o->scale;
    w->hh = w->lh * o->scale;
    if (o->model)
        snprintf(path, sizeof(path), "%s", o->model);
    else if ((ret = fsr_model_default_path(o->scale, path, sizeof(path))) < 0)
        goto fail;
    if ((ret = fsr_model_open(&w->model, path)) < 0)
        goto fail;
    if (w->model->scale != o->scale) {
        fprintf(stderr, PLAY_NAME ": error: %s: model is trained for x%d, not x%d (use --scale %d or another model)\n",
                path, w->model->scale, o->scale, w->model->scale);
        worker_close(&w);
        return -1;
    }
    FsrSRSettings ss;
    if ((ret = sr_settings(&ss, o)) < 0 || (ret = fsr_sr_open(&w->sr, w->model, &ss)) < 0)
        goto fail;
    if (o->compare == COMPARE_SRCNN && (ret = fsr_sr_open(&w->cmp_sr, w->model, &ss)) < 0)
        goto fail;
    w->fs.sr = w->sr;
    if (o->hr_ref) {
        const FsrReaderSettings hs = { .block_maps = 0, .threads = o->threads };
        if ((ret = fsr_reader_open(&w->hr, o->hr_ref, &hs)) < 0)
            goto fail;
        const FsrReaderInfo *hi = fsr_reader_info(w->hr);
        if (hi->width != w->hw || hi->height != w->hh) {
            fprintf(stderr, PLAY_NAME ": error: %s: the ground truth is %dx%d, but the output is %dx%d "
                    "(INPUT's %dx%d times %d)\n", o->hr_ref, hi->width, hi->height, w->hw, w->hh, w->lw,
                    w->lh, o->scale);
            worker_close(&w);
            return -1;
        }
    }
    if ((ret = open_engine(w)) < 0)
        goto fail;
    *pw = w;
    return 0;
fail:
    fprintf(stderr, PLAY_NAME ": error: %s\n", fsr_last_error());
    worker_close(&w);
    return -1;
}

/* Keeps the decoded picture and its map until the engine hands the frame out. */
static LrEntry *keep_lr(Worker *w, int64_t index, const FsrPicture *lr, const FsrBlockMap *map)
{
    LrEntry *e = &w->ring[index % LR_RING];
    e->index = index;
    if (fsr_picture_copy(&e->lr, lr) < 0 || copy_map(&e->map, &e->blocks, &e->cap, map) < 0) {
        e->index = -1;
        return NULL;
    }
    return e;
}

/* The map as the (restarted) engine must see it: indices relative to its
 * first frame; references from before the restart point nowhere. */
static const FsrBlockMap *renumber(Worker *w, FsrBlockMap *m, const FsrBlockMap *src)
{
    *m = *src;
    m->display_index -= w->d0;
    if (m->decode_index >= 0)
        m->decode_index -= w->c0;
    if (!w->d0 || !src->nb_blocks)
        return m;
    if (src->nb_blocks > w->renum_cap) {
        FsrBlock *b = realloc(w->renum, sizeof(FsrBlock) * src->nb_blocks);
        if (!b)
            return NULL;
        w->renum = b;
        w->renum_cap = src->nb_blocks;
    }
    for (int i = 0; i < src->nb_blocks; i++) {
        FsrBlock b = src->blocks[i];
        for (int l = 0; l < 2; l++)
            if (b.ref[l] >= 0)
                b.ref[l] = b.ref[l] >= w->d0 ? b.ref[l] - w->d0 : -1000000;
        w->renum[i] = b;
    }
    m->blocks = w->renum;
    return m;
}

static int read_hr(Worker *w, int64_t index)
{
    while (w->hr && (!w->hr_valid || w->hr_frame.display_index < index)) {
        int ret = fsr_reader_read(w->hr, &w->hr_frame);
        if (ret != 0) {
            w->hr_valid = 0;
            if (ret < 0)
                return ret;
            fsr_reader_close(&w->hr); /* shorter than the input: no PSNR from here on */
            return 0;
        }
        w->hr_valid = 1;
    }
    return 0;
}

static void add_stats(Worker *w, const WorkerStats *d)
{
    SDL_LockMutex(w->lock);
    WorkerStats *s = &w->stats;
    s->decoded += d->decoded;
    s->processed += d->processed;
    s->sr_frames += d->sr_frames;
    s->transferred += d->transferred;
    s->sr_work += d->sr_work;
    s->dropped += d->dropped;
    s->resyncs += d->resyncs;
    s->busy_seconds += d->busy_seconds;
    s->decode_seconds += d->decode_seconds;
    s->sr_seconds += d->sr_seconds;
    s->transfer_seconds += d->transfer_seconds;
    SDL_UnlockMutex(w->lock);
}

static int fill_cmp(Worker *w, PlayFrame *f, double slack)
{
    int ret = ensure_pic(&f->cmp, w->hw, w->hh);
    if (ret < 0)
        return ret;
    const PlayOptions *o = w->opt;
    if (o->compare == COMPARE_SRCNN && f->key) {
        /* a key frame's FAST output is the per-frame SR */
        copy_plane(f->cmp.data[0], f->cmp.stride[0], f->hr.data[0], f->hr.stride[0], w->hw, w->hh);
        f->cmp_kind = 2;
        return 0;
    }
    if (o->compare == COMPARE_SRCNN && (o->no_sync || w->sr_est + w->work_est < slack)) {
        if ((ret = ensure_pic(&w->scratch, w->hw, w->hh)) < 0 ||
            (ret = fsr_bicubic_plane(w->scratch.data[0], w->scratch.stride[0], f->lr.data[0], f->lr.stride[0],
                                     f->lr.w, f->lr.h, o->scale)) < 0)
            return ret;
        const double t = now_s();
        if ((ret = fsr_sr_luma(w->cmp_sr, f->cmp.data[0], f->cmp.stride[0], w->scratch.data[0],
                               w->scratch.stride[0], w->hw, w->hh)) < 0)
            return ret;
        w->sr_est = 0.8 * w->sr_est + 0.2 * (now_s() - t);
        f->cmp_kind = 2;
        return 0;
    }
    return cmp_fill_bicubic(f, o->scale);
}

int cmp_fill_bicubic(PlayFrame *f, int scale)
{
    int ret = ensure_pic(&f->cmp, f->hr.w, f->hr.h);
    if (ret < 0)
        return ret;
    if ((ret = fsr_bicubic_plane(f->cmp.data[0], f->cmp.stride[0], f->lr.data[0], f->lr.stride[0], f->lr.w, f->lr.h,
                                 scale)) < 0)
        return ret;
    f->cmp_kind = 1;
    return 0;
}

/* One frame out of the engine: into a slot, or dropped when late (2: so
 * late that the engine should restart). */
static int deliver(Worker *w, const FsrFastFrame *ff, WorkerStats *st, double *wait)
{
    const int64_t index = ff->display_index + w->d0;
    const LrEntry *e = &w->ring[index % LR_RING];
    w->in_engine--;
    st->processed++;
    st->sr_work += ff->sr_share;
    if (ff->key) {
        st->sr_frames++;
        st->sr_seconds += ff->seconds;
        w->sr_est = w->sr_est > 0 ? 0.8 * w->sr_est + 0.2 * ff->seconds : ff->seconds;
    } else {
        st->transferred++;
        st->transfer_seconds += ff->seconds;
    }
    if (e->index != index)
        return run_fail(w, FSR_ERR(EINVAL), "frame %lld left the engine too late to be shown", (long long)index);
    const double pts = to_seconds(w, ff->pts, index);
    const double dur = ff->duration > 0 ? ff->duration * w->tb : w->frame_dur;
    const double now = w->opt->no_sync ? -INFINITY : clock_now(w->s.clock);
    if (pts + dur < now) {
        st->dropped++;
        /* far behind: the frames still in the engine would be late too */
        return pts < now - RESYNC_LAG ? 2 : 0;
    }
    const double t = now_s();
    PlayFrame *f = queue_get_free(w->s.queue);
    *wait += now_s() - t;
    if (!f)
        return 1;
    int ret;
    if ((ret = fsr_picture_copy(&f->hr, ff->hr)) < 0 || (ret = fsr_picture_copy(&f->lr, &e->lr)) < 0 ||
        (ret = copy_map(&f->map, &f->blocks, &f->blocks_cap, &e->map)) < 0) {
        queue_put_free(w->s.queue, f);
        return ret;
    }
    f->index = index;
    f->pts = pts;
    f->duration = dur;
    f->type = ff->type;
    f->key = ff->key;
    f->fast_seconds = ff->seconds;
    f->cmp_kind = 0;
    f->psnr_fast = f->psnr_cmp = NAN;
    if (SDL_AtomicGet(w->s.want_cmp) || w->hr) {
        const double slack = pts - (w->opt->no_sync ? 0 : clock_now(w->s.clock));
        if ((ret = fill_cmp(w, f, isfinite(slack) ? slack : 1e9)) < 0) {
            queue_put_free(w->s.queue, f);
            return ret;
        }
    }
    if ((ret = read_hr(w, index)) < 0) {
        queue_put_free(w->s.queue, f);
        return ret;
    }
    if (w->hr && w->hr_valid && w->hr_frame.display_index == index) {
        const FsrPicture *g = &w->hr_frame.pic;
        const int shave = w->opt->scale;
        f->psnr_fast = fsr_psnr_u8(f->hr.data[0], f->hr.stride[0], g->data[0], g->stride[0], w->hw, w->hh, shave);
        if (f->cmp_kind)
            f->psnr_cmp = fsr_psnr_u8(f->cmp.data[0], f->cmp.stride[0], g->data[0], g->stride[0], w->hw, w->hh,
                                      shave);
    }
    queue_push(w->s.queue, f);
    return 0;
}

/* Copies a decoded frame and its map (blocks and luma residual, which the
 * engine reads) into the slot d: the reader's own are only borrowed. */
static int keep_decoded(DecFrame *d, const FsrReaderFrame *f)
{
    const FsrBlockMap *map = f->map;
    FsrBlockMap plain;
    if (!map->side_info) {
        plain = *map;
        plain.display_index = f->display_index;
        plain.decode_index = -1;
        plain.pts = f->pts;
        plain.type = f->type;
        plain.width = f->pic.w;
        plain.height = f->pic.h;
        map = &plain;
    }
    int ret;
    if ((ret = fsr_picture_copy(&d->lr, &f->pic)) < 0 || (ret = copy_map(&d->map, &d->blocks, &d->cap, map)) < 0)
        return ret;
    if (map->side_info && map->nb_blocks) {
        const size_t n = (size_t)map->coded_h * map->residual_stride[0];
        if (n > d->res_cap) {
            free(d->res);
            d->res_cap = 0;
            if (!(d->res = malloc(n * sizeof(int16_t))))
                return FSR_ERR(ENOMEM);
            d->res_cap = n;
        }
        memcpy(d->res, map->residual[0], n * sizeof(int16_t));
        d->map.residual[0] = d->res;
    }
    d->pts = f->pts;
    d->duration = f->duration;
    return 0;
}

/* The decoder thread: frames with copies of their maps, DEC_DEPTH ahead. */
static int decode_thread(void *opaque)
{
    Worker *w = opaque;
    for (;;) {
        SDL_LockMutex(w->lock);
        while (!w->stop && w->dq_len == DEC_DEPTH)
            SDL_CondWait(w->dec_cond, w->lock);
        const int stop = w->stop;
        SDL_UnlockMutex(w->lock);
        if (stop)
            break;
        const double t0 = now_s();
        FsrReaderFrame f;
        int ret = fsr_reader_read(w->in, &f);
        if (ret == 0 && w->ms)
            ret = fsr_motion_search(w->ms, &f.pic, f.map, &f.map);
        /* the slot after the last queued one is this thread's until queued */
        if (ret == 0)
            ret = keep_decoded(&w->dq[(w->dq_head + w->dq_len) % DEC_DEPTH], &f);
        WorkerStats st = { .decoded = ret == 0, .decode_seconds = now_s() - t0 };
        add_stats(w, &st);
        if (ret != 0) {
            FsrReaderStats rst;
            fsr_reader_stats(w->in, &rst);
            SDL_LockMutex(w->lock);
            w->stats.truncated = rst.truncated;
            w->stats.packets = rst.packets;
            w->stats.packets_expected = w->info->nb_frames;
            w->stats.decode_errors = rst.decode_errors;
            w->stats.corrupt_frames = rst.corrupt_frames;
            SDL_UnlockMutex(w->lock);
        }
        SDL_LockMutex(w->lock);
        if (ret == 0)
            w->dq_len++;
        else if (ret == 1)
            w->dec_end = 1;
        else {
            w->dec_end = ret;
            snprintf(w->dec_msg, sizeof(w->dec_msg), "%s", ret == FSR_ERR(ENOMEM) ? "out of memory" : fsr_last_error());
        }
        SDL_CondBroadcast(w->dec_cond);
        SDL_UnlockMutex(w->lock);
        if (ret != 0)
            break;
    }
    return 0;
}

/* The next decoded frame: 0 and *d, 1 at the end, 2 when stopping, or a
 * negative error (the message in w->dec_msg). */
static int dec_next(Worker *w, DecFrame **d, double *wait)
{
    const double t = now_s();
    SDL_LockMutex(w->lock);
    while (!w->stop && !w->dq_len && !w->dec_end)
        SDL_CondWaitTimeout(w->dec_cond, w->lock, 50);
    int ret = w->stop ? 2 : w->dq_len ? 0 : w->dec_end;
    if (ret == 0)
        *d = &w->dq[w->dq_head];
    SDL_UnlockMutex(w->lock);
    *wait += now_s() - t;
    return ret;
}

static void dec_release(Worker *w)
{
    SDL_LockMutex(w->lock);
    w->dq_head = (w->dq_head + 1) % DEC_DEPTH;
    w->dq_len--;
    SDL_CondBroadcast(w->dec_cond);
    SDL_UnlockMutex(w->lock);
}

static int run(void *opaque)
{
    Worker *w = opaque;
    FrameQueue *q = w->s.queue;
    int eof = 0, ret = 0;
    while (!queue_aborted(q)) {
        WorkerStats st = { 0 };
        double wait = 0;
        const double t0 = now_s();
        if (!eof) {
            DecFrame *df = NULL;
            ret = dec_next(w, &df, &wait);
            if (ret == 2) {
                ret = 0;
                break;
            }
            if (ret < 0) {
                set_error(w, ret, w->dec_msg);
                break;
            }
            if (ret == 1) {
                eof = 1;
                if (w->fast)
                    fsr_fast_flush(w->fast);
            } else {
                const FsrBlockMap *map = &df->map;
                const int64_t index = map->display_index;
                const double pts = to_seconds(w, df->pts, index);
                const double now = w->opt->no_sync ? -INFINITY : clock_now(w->s.clock);
                if (w->fast && pts < now - RESYNC_LAG) {
                    /* too far behind: what is in the engine will be late too */
                    fsr_fast_close(&w->fast);
                    st.dropped += w->in_engine;
                    w->in_engine = 0;
                    w->skipping = 1;
                }
                /* restart where the engine's first SR and the queue can be
                 * done before the frame is due */
                if (w->skipping && map->type != 'B' && pts >= now + w->sr_est + w->frame_dur * QUEUE_DEPTH) {
                    w->d0 = index;
                    w->c0 = map->decode_index >= 0 ? map->decode_index : 0;
                    if ((ret = open_engine(w)) < 0) {
                        dec_release(w);
                        break;
                    }
                    w->skipping = 0;
                    st.resyncs++;
                }
                if (w->skipping || (map->decode_index >= 0 && map->decode_index < w->c0)) {
                    st.dropped++;
                } else {
                    FsrBlockMap rm;
                    const FsrBlockMap *m = renumber(w, &rm, map);
                    if (!m || !keep_lr(w, index, &df->lr, map)) {
                        dec_release(w);
                        ret = run_fail(w, FSR_ERR(ENOMEM), "out of memory");
                        break;
                    }
                    ret = fsr_fast_push(w->fast, &df->lr, m, df->pts, df->duration);
                    if (ret < 0) {
                        dec_release(w);
                        break;
                    }
                    w->in_engine++;
                }
                dec_release(w);
            }
        }
        FsrFastFrame ff;
        int pulled = 1, stop = 0;
        while (w->fast && (pulled = fsr_fast_pull(w->fast, &ff)) == 0) {
            const int d = deliver(w, &ff, &st, &wait);
            if (d == 2) {
                fsr_fast_close(&w->fast);
                st.dropped += w->in_engine;
                w->in_engine = 0;
                w->skipping = 1;
                pulled = 1;
                break;
            }
            if (d != 0) { /* an error, or aborted while waiting for a slot */
                ret = d < 0 ? d : 0;
                stop = 1;
                break;
            }
        }
        if (pulled < 0) {
            ret = pulled;
            stop = 1;
        }
        const double busy = now_s() - t0 - wait;
        st.busy_seconds = busy;
        if (st.processed)
            w->work_est = 0.9 * w->work_est + 0.1 * busy / st.processed;
        add_stats(w, &st);
        if (stop)
            break;
        if (eof && (pulled == 1 || !w->fast)) {
            ret = 0;
            break;
        }
    }
    if (ret < 0 && !queue_aborted(q))
        set_error(w, ret, w->run_msg[0] ? w->run_msg : fsr_last_error());
    queue_set_eof(q);
    return 0;
}

int worker_start(Worker *w)
{
    w->dec_thread = SDL_CreateThread(decode_thread, "fastsr-decode", w);
    if (!w->dec_thread)
        return -1;
    w->thread = SDL_CreateThread(run, "fastsr-fast", w);
    return w->thread ? 0 : -1;
}

void worker_size(const Worker *w, int *lw, int *lh, int *hw, int *hh)
{
    *lw = w->lw;
    *lh = w->lh;
    *hw = w->hw;
    *hh = w->hh;
}

const char *worker_policy(const Worker *w) { return w->policy; }
const char *worker_motion(const Worker *w) { return w->motion; }

int64_t worker_frame_count(const Worker *w) { return w->info->nb_frames; }

double worker_end_time(const Worker *w)
{
    return w->info->duration > 0 ? w->info->start_time + w->info->duration : 0;
}
const FsrModel *worker_model(const Worker *w) { return w->model; }

void worker_stats(Worker *w, WorkerStats *st)
{
    SDL_LockMutex(w->lock);
    *st = w->stats;
    SDL_UnlockMutex(w->lock);
}

int worker_error(Worker *w)
{
    SDL_LockMutex(w->lock);
    int e = w->error;
    if (e && !w->reported)
        fprintf(stderr, PLAY_NAME ": error: %s\n", w->errmsg);
    w->reported |= e != 0;
    SDL_UnlockMutex(w->lock);
    return e;
}

int worker_pause_srcnn(Worker *w, const FsrPicture *lr, FsrPicture *out)
{
    int ret;
    FsrSRSettings ss;
    if (!w->pause_sr && ((ret = sr_settings(&ss, w->opt)) < 0 || (ret = fsr_sr_open(&w->pause_sr, w->model, &ss)) < 0))
        return ret;
    FsrPicture up = { 0 };
    if ((ret = ensure_pic(out, w->hw, w->hh)) >= 0 && (ret = ensure_pic(&up, w->hw, w->hh)) >= 0 &&
        (ret = fsr_bicubic_plane(up.data[0], up.stride[0], lr->data[0], lr->stride[0], lr->w, lr->h,
                                 w->opt->scale)) >= 0)
        ret = fsr_sr_luma(w->pause_sr, out->data[0], out->stride[0], up.data[0], up.stride[0], w->hw, w->hh);
    fsr_picture_close(&up);
    return ret < 0 ? ret : 0;
}

void worker_close(Worker **pw)
{
    Worker *w = *pw;
    if (!w)
        return;
    SDL_LockMutex(w->lock);
    w->stop = 1;
    SDL_CondBroadcast(w->dec_cond);
    SDL_UnlockMutex(w->lock);
    if (w->thread) {
        queue_abort(w->s.queue);
        SDL_WaitThread(w->thread, NULL);
    }
    if (w->dec_thread)
        SDL_WaitThread(w->dec_thread, NULL);
    for (int i = 0; i < DEC_DEPTH; i++) {
        fsr_picture_close(&w->dq[i].lr);
        free(w->dq[i].blocks);
        free(w->dq[i].res);
    }
    fsr_fast_close(&w->fast);
    fsr_reader_close(&w->in);
    fsr_motion_close(&w->ms);
    fsr_reader_close(&w->hr);
    fsr_sr_close(&w->sr);
    fsr_sr_close(&w->cmp_sr);
    fsr_sr_close(&w->pause_sr);
    fsr_model_close(&w->model);
    for (int i = 0; i < LR_RING; i++) {
        fsr_picture_close(&w->ring[i].lr);
        free(w->ring[i].blocks);
    }
    free(w->renum);
    fsr_picture_close(&w->scratch);
    if (w->dec_cond)
        SDL_DestroyCond(w->dec_cond);
    if (w->lock)
        SDL_DestroyMutex(w->lock);
    free(w);
    *pw = NULL;
}
