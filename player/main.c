/* fastsr-play: the main thread — events, the frame due by the master clock,
 * drawing, and the run's summary. */
#include <math.h>
#include <sys/resource.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fastsr/accel.h"
#include "fastsr/common.h"
#include "play.h"
#include "toolutil.h"
#include "view.h"

/* ---- --keys ---- */

static int key_code(const char *name, SDL_Keycode *k)
{
    static const struct { const char *name; SDL_Keycode key; } named[] = {
        { "space", SDLK_SPACE }, { "left", SDLK_LEFT }, { "right", SDLK_RIGHT },
        { "escape", SDLK_ESCAPE }, { "esc", SDLK_ESCAPE }, { "comma", SDLK_COMMA },
    };
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
        if (!strcmp(name, named[i].name)) {
            *k = named[i].key;
            return 0;
        }
    if (strlen(name) == 1 && name[0] > 32 && name[0] < 127) {
        *k = (SDL_Keycode)(name[0] >= 'A' && name[0] <= 'Z' ? name[0] - 'A' + 'a' : name[0]);
        return 0;
    }
    return -1;
}

/* Checks the list (push = 0) or queues the key presses (push = 1). */
static int queue_keys(const char *list, int push)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        SDL_Keycode k;
        if (key_code(t, &k) < 0) {
            fprintf(stderr, PLAY_NAME ": error: --keys: unknown key '%s' (a character, space, left, right, escape)\n", t);
            return -1;
        }
        if (push) {
            SDL_Event e = { 0 };
            e.type = SDL_KEYDOWN;
            e.key.state = SDL_PRESSED;
            e.key.keysym.sym = k;
            e.key.keysym.scancode = SDL_GetScancodeFromKey(k);
            SDL_PushEvent(&e);
        }
    }
    return 0;
}

/* ---- the accelerator model's prices, for the HUD ---- */

typedef struct AccelCosts {
    int ok;
    char arch[64];
    FsrAccelFrameCost sr, transfer;
} AccelCosts;

static void accel_costs(AccelCosts *c, const PlayOptions *o, const FsrModel *m, int hw, int hh)
{
    memset(c, 0, sizeof(*c));
    FsrAccelArch arch;
    FsrAccelTransferParams p;
    fsr_accel_transfer_defaults(&p, o->scale);
    if (fsr_accel_arch_get(&arch, o->arch) < 0 || fsr_accel_frame_cost(&c->sr, &arch, m, hw, hh) < 0 ||
        fsr_accel_transfer_cost(&c->transfer, &arch, &p, hw, hh) < 0) {
        fprintf(stderr, PLAY_NAME ": warning: accelerator model: %s; the HUD shows no accelerator costs\n",
                fsr_last_error());
        return;
    }
    snprintf(c->arch, sizeof(c->arch), "%s", arch.name);
    c->ok = 1;
}

/* Energy in a readable unit: pJ shown as millijoules; the relative unit
 * "mac" (one MAC's energy = 1) spelled out so it does not read as a count. */
static void energy_text(char *buf, size_t n, double e, const char *unit)
{
    if (!strcmp(unit, "pJ"))
        snprintf(buf, n, "%.2f MILLIJOULE", e * 1e-9);
    else if (!strcmp(unit, "mac"))
        snprintf(buf, n, "ENERGY %.3g MAC-UNITS", e);
    else
        snprintf(buf, n, "ENERGY %.3g %s", e, unit);
}

/* ---- the SRCNN of a paused frame, in a helper thread ---- */

typedef struct PauseJob {
    Worker *worker;
    SDL_Thread *thread;
    SDL_atomic_t done;
    int64_t index;
    FsrPicture lr, out;
    int ret;
} PauseJob;

static Uint32 job_event;

static int pause_job_run(void *opaque)
{
    PauseJob *j = opaque;
    j->ret = worker_pause_srcnn(j->worker, &j->lr, &j->out);
    SDL_AtomicSet(&j->done, 1);
    SDL_Event e = { 0 };
    e.type = job_event;
    SDL_PushEvent(&e);
    return 0;
}

static int copy_picture(FsrPicture *d, const FsrPicture *s)
{
    if (!d->buf || d->w != s->w || d->h != s->h) {
        fsr_picture_close(d);
        if (fsr_picture_open(d, s->w, s->h) < 0)
            return -1;
    }
    for (int c = 0; c < 3; c++) {
        const int w = c ? fsr_chroma_w(s->w) : s->w, h = c ? fsr_chroma_h(s->h) : s->h;
        for (int y = 0; y < h; y++)
            memcpy(d->data[c] + y * d->stride[c], s->data[c] + y * s->stride[c], w);
    }
    return 0;
}

/* ---- the player ---- */

typedef struct Player {
    PlayOptions o;
    FrameQueue q;
    PlayClock clock;
    SDL_atomic_t want_cmp;
    Worker *worker;
    View *view;
    ViewState st;
    AccelCosts accel;
    int lw, lh, hw, hh;
    /* frames shown, oldest first; pos is the one on screen */
    PlayFrame *shown[HISTORY_DEPTH + 1];
    int nshown, pos;
    int paused, quit, upload, redraw, dragging;
    int64_t frames_shown, display_dropped;
    double t_start, t_end;     /* clock start and end, system seconds */
    double shown_at[64];       /* system times of the last shown frames (fps) */
    int64_t shown_ring;
    double accel_seconds, accel_energy; /* sums over shown frames */
    double psnr_fast_sum, psnr_cmp_sum;
    int64_t psnr_n, psnr_cmp_n;
    int keys_pushed;
    double last_hud;           /* when the HUD text was last made */
    double render_seconds;     /* uploads, drawing and presenting */
    double render_cpu;         /* the same, this thread's CPU time */
    int64_t renders;
    PauseJob job;
} Player;

static double sys_now(void)
{
    return (double)SDL_GetPerformanceCounter() / (double)SDL_GetPerformanceFrequency();
}

static PlayFrame *current(Player *p) { return p->nshown ? p->shown[p->pos] : NULL; }

static int needs_cmp(const Player *p) { return p->st.mode != VIEW_FAST; }

/* A new frame on screen: history bookkeeping, comparison, counters. */
static void show(Player *p, PlayFrame *f)
{
    if (p->nshown == HISTORY_DEPTH + 1) {
        queue_put_free(&p->q, p->shown[0]);
        memmove(p->shown, p->shown + 1, sizeof(p->shown[0]) * HISTORY_DEPTH);
        p->nshown--;
    }
    p->shown[p->nshown++] = f;
    p->pos = p->nshown - 1;
    p->frames_shown++;
    p->shown_at[p->shown_ring++ % 64] = sys_now();
    if (p->accel.ok) {
        const FsrAccelFrameCost *c = f->key ? &p->accel.sr : &p->accel.transfer;
        p->accel_seconds += c->seconds;
        p->accel_energy += c->energy;
    }
    if (!isnan(f->psnr_fast)) {
        p->psnr_fast_sum += f->psnr_fast;
        p->psnr_n++;
    }
    if (!isnan(f->psnr_cmp)) {
        p->psnr_cmp_sum += f->psnr_cmp;
        p->psnr_cmp_n++;
    }
    p->upload = p->redraw = 1;
}

static double shown_fps(const Player *p)
{
    const int n = (int)SDL_min(p->shown_ring, 64);
    if (n < 2)
        return 0;
    const double now = sys_now(), newest = p->shown_at[(p->shown_ring - 1) % 64];
    int k = 0;
    double oldest = newest;
    for (int i = 0; i < n; i++) {
        const double t = p->shown_at[(p->shown_ring - 1 - i) % 64];
        if (now - t > 1.0)
            break;
        oldest = t;
        k++;
    }
    return k >= 2 && newest > oldest ? (k - 1) / (newest - oldest) : 0;
}

static const char *cmp_label(Player *p)
{
    PlayFrame *f = current(p);
    if (p->o.compare == COMPARE_BICUBIC)
        return "BICUBIC";
    if (f && f->cmp_kind == 2)
        return "SRCNN";
    if (p->job.thread && f && p->job.index == f->index)
        return "BICUBIC (SRCNN RUNNING...)";
    return p->paused ? "BICUBIC" : "BICUBIC (SRCNN NOT KEEPING UP: PAUSE)";
}

static void hud_text(Player *p, char *buf, size_t n)
{
    PlayFrame *f = current(p);
    WorkerStats ws;
    worker_stats(p->worker, &ws);
    const FsrModel *m = worker_model(p->worker);
    size_t len = 0;
#define ADD(...) len += (size_t)snprintf(buf + len, len < n ? n - len : 0, __VA_ARGS__)
    ADD("FAST X%d  KEYFRAMES %s  MODEL %s %s  %dx%d -> %dx%d  %s\n", p->o.scale, worker_policy(p->worker), m->arch,
        m->name, p->lw, p->lh, p->hw, p->hh, view_renderer_name(p->view));
    if (f)
        ADD("FRAME %lld %c  %s  T %.2f S  FAST %.1f MS%s\n", (long long)f->index, f->type,
            f->key ? "SR KEY FRAME" : "TRANSFERRED", f->pts, f->fast_seconds * 1e3, p->paused ? "  PAUSED" : "");
    const int64_t dropped = ws.dropped + p->display_dropped;
    ADD("%.1f FPS  DROPPED %lld (WORKER %lld, DISPLAY %lld)  RESYNCS %lld  ENGINE %.1f FPS\n", shown_fps(p),
        (long long)dropped, (long long)ws.dropped, (long long)p->display_dropped, (long long)ws.resyncs,
        ws.busy_seconds > 0 ? ws.processed / ws.busy_seconds : 0.0);
    const int64_t total = ws.sr_frames + ws.transferred;
    ADD("SR %lld  TRANSFERRED %lld  SR WORK %.1f%% OF PER-FRAME SR\n", (long long)ws.sr_frames,
        (long long)ws.transferred, total ? 100.0 * ws.sr_work / total : 0.0);
    if (p->accel.ok) {
        char e1[32], e2[32], e3[32];
        energy_text(e1, sizeof(e1), p->accel.sr.energy, p->accel.sr.energy_unit);
        energy_text(e2, sizeof(e2), p->accel.transfer.energy, p->accel.transfer.energy_unit);
        ADD("ACCEL %s: SR FRAME %.2f MS %s\n", p->accel.arch, p->accel.sr.seconds * 1e3, e1);
        ADD("ACCEL TRANSFERRED FRAME %.3f MS %s\n", p->accel.transfer.seconds * 1e3, e2);
        if (p->frames_shown) {
            energy_text(e3, sizeof(e3), p->accel_energy / p->frames_shown, p->accel.sr.energy_unit);
            ADD("ACCEL MEAN PER SHOWN FRAME: %.2f MS %s\n", p->accel_seconds / p->frames_shown * 1e3, e3);
        }
    }
    if (p->o.hr_ref && f) {
        if (isnan(f->psnr_fast))
            ADD("PSNR-Y: NO GROUND TRUTH FOR THIS FRAME\n");
        else if (f->cmp_kind)
            ADD("PSNR-Y FAST %.2f DB  %s %.2f DB\n", f->psnr_fast, f->cmp_kind == 2 ? "SRCNN" : "BICUBIC", f->psnr_cmp);
        else
            ADD("PSNR-Y FAST %.2f DB\n", f->psnr_fast);
    }
#undef ADD
    if (len && len < n && buf[len - 1] == '\n')
        buf[len - 1] = 0;
}

static void set_mode(Player *p, int mode)
{
    p->st.mode = mode;
    SDL_AtomicSet(&p->want_cmp, needs_cmp(p));
    p->upload = p->redraw = 1;
}

static void start_pause_job(Player *p)
{
    PlayFrame *f = current(p);
    if (!f || p->o.compare != COMPARE_SRCNN || !p->paused || !needs_cmp(p) || f->cmp_kind == 2 || p->job.thread)
        return;
    if (copy_picture(&p->job.lr, &f->lr) < 0)
        return;
    p->job.index = f->index;
    p->job.worker = p->worker;
    SDL_AtomicSet(&p->job.done, 0);
    p->job.thread = SDL_CreateThread(pause_job_run, "fastsr-pause-sr", &p->job);
    p->redraw = 1;
}

static void finish_pause_job(Player *p)
{
    if (!p->job.thread || !SDL_AtomicGet(&p->job.done))
        return;
    SDL_WaitThread(p->job.thread, NULL);
    p->job.thread = NULL;
    PlayFrame *f = current(p);
    if (p->job.ret < 0) {
        fprintf(stderr, PLAY_NAME ": warning: SRCNN of frame %lld: %s\n", (long long)p->job.index, fsr_last_error());
    } else if (f && f->index == p->job.index && f->cmp.buf) {
        for (int y = 0; y < p->hh; y++)
            memcpy(f->cmp.data[0] + y * f->cmp.stride[0], p->job.out.data[0] + y * p->job.out.stride[0], p->hw);
        f->cmp_kind = 2;
        p->upload = p->redraw = 1;
    }
    start_pause_job(p); /* the user may have stepped meanwhile */
}

static void step(Player *p, int dir)
{
    if (dir < 0 && p->pos > 0) {
        p->pos--;
        p->upload = p->redraw = 1;
    } else if (dir > 0 && p->pos < p->nshown - 1) {
        p->pos++;
        p->upload = p->redraw = 1;
    } else if (dir > 0) {
        /* the next frame may still be in the works: wait for it a while */
        for (int i = 0; i < 5000 && !queue_peek(&p->q, 0) && !queue_ended(&p->q) && !worker_error(p->worker); i++)
            SDL_Delay(2);
        PlayFrame *f = queue_pop(&p->q);
        if (f)
            show(p, f);
    }
}

static void toggle_pause(Player *p)
{
    p->paused = !p->paused;
    if (!p->paused) {
        /* resume from the newest frame shown; after steps forward the clock
         * (and the sound) jumps ahead to it */
        p->pos = p->nshown ? p->nshown - 1 : 0;
        PlayFrame *f = current(p);
        if (f)
            clock_seek_forward(&p->clock, f->pts);
        p->upload = 1;
    }
    clock_pause(&p->clock, p->paused);
    p->redraw = 1;
}

static void handle_event(Player *p, const SDL_Event *e)
{
    switch (e->type) {
    case SDL_QUIT: p->quit = 1; break;
    case SDL_KEYDOWN:
        switch (e->key.keysym.sym) {
        case SDLK_q:
        case SDLK_ESCAPE: p->quit = 1; break;
        case SDLK_SPACE: toggle_pause(p); break;
        case SDLK_LEFT:
        case SDLK_RIGHT:
            if (p->paused)
                step(p, e->key.keysym.sym == SDLK_RIGHT ? 1 : -1);
            break;
        case SDLK_1: set_mode(p, VIEW_FAST); break;
        case SDLK_2: set_mode(p, VIEW_SPLIT); break;
        case SDLK_3: set_mode(p, VIEW_COMPARE); break;
        case SDLK_o: p->st.overlay = !p->st.overlay; p->upload = p->redraw = 1; break;
        case SDLK_h: p->st.hud = !p->st.hud; p->redraw = 1; break;
        case SDLK_z:
            p->st.magnifier = !p->st.magnifier;
            if (p->st.magnifier) /* where the pointer is, even before it moves */
                SDL_GetMouseState(&p->st.mouse_x, &p->st.mouse_y);
            p->redraw = 1;
            break;
        case SDLK_f:
            p->st.fullscreen = !p->st.fullscreen;
            SDL_SetWindowFullscreen(view_window(p->view), p->st.fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
            p->redraw = 1;
            break;
        case SDLK_QUESTION: p->st.help = !p->st.help; p->redraw = 1; break;
        case SDLK_SLASH:
            if (e->key.keysym.mod & KMOD_SHIFT) {
                p->st.help = !p->st.help;
                p->redraw = 1;
            }
            break;
        default: break;
        }
        break;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEMOTION: {
        const int x = e->type == SDL_MOUSEMOTION ? e->motion.x : e->button.x;
        const int y = e->type == SDL_MOUSEMOTION ? e->motion.y : e->button.y;
        p->st.mouse_x = x;
        p->st.mouse_y = y;
        if (e->type == SDL_MOUSEBUTTONDOWN && e->button.button == SDL_BUTTON_LEFT && p->st.mode == VIEW_SPLIT)
            p->dragging = 1;
        if (p->dragging) {
            int x0, x1;
            view_picture_span(p->view, &x0, &x1);
            p->st.divider = x1 > x0 ? SDL_clamp((double)(x - x0) / (x1 - x0), 0.0, 1.0) : 0.5;
        }
        if (p->dragging || p->st.magnifier)
            p->redraw = 1;
        break;
    }
    case SDL_MOUSEBUTTONUP: p->dragging = 0; break;
    case SDL_MOUSEWHEEL:
        if (p->st.magnifier) {
            p->st.zoom = SDL_clamp(e->wheel.y > 0 ? p->st.zoom * 2 : e->wheel.y < 0 ? p->st.zoom / 2 : p->st.zoom, 2, 16);
            p->redraw = 1;
        }
        break;
    case SDL_WINDOWEVENT: p->redraw = 1; break;
    default:
        if (e->type == job_event)
            finish_pause_job(p);
        break;
    }
}

/* Takes the frame due now off the queue, dropping those whose time has
 * passed; returns the seconds until the next one is due (for the wait). */
static double advance(Player *p)
{
    if (p->paused)
        return 0.05;
    if (!p->clock.started) {
        /* preroll: start the clock once the queue is full (or the input
         * ended), so the first frames are not late from the start */
        PlayFrame *f = queue_peek(&p->q, 0);
        if (!f || (queue_length(&p->q) < QUEUE_DEPTH && !queue_ended(&p->q)))
            return 0.005;
        clock_start(&p->clock, f->pts);
        p->t_start = sys_now();
    }
    if (p->o.no_sync) {
        PlayFrame *f = queue_pop(&p->q);
        if (f)
            show(p, f);
        return f ? 0 : 0.002;
    }
    const double now = clock_now(&p->clock);
    PlayFrame *f;
    while ((f = queue_peek(&p->q, 0))) {
        if (f->pts + f->duration <= now) {
            /* its whole display period has passed: never show it late */
            queue_pop(&p->q);
            queue_put_free(&p->q, f);
            p->display_dropped++;
            continue;
        }
        if (f->pts > now)
            return SDL_min(f->pts - now, 0.01);
        queue_pop(&p->q);
        show(p, f);
        return 0;
    }
    return 0.005;
}

static int at_end(Player *p)
{
    if (p->paused)
        return 0;
    /* the clock has passed the end of the video: stop with the media even
     * when the engine is still busy with a frame that can only be late */
    const double end = worker_end_time(p->worker);
    if (!p->o.no_sync && p->clock.started && end > 0 && clock_now(&p->clock) >= end + 0.1 && !queue_peek(&p->q, 0))
        return 1;
    if (!queue_eof(&p->q))
        return 0;
    PlayFrame *f = current(p);
    return p->o.no_sync || !f || clock_now(&p->clock) >= f->pts + f->duration;
}

static void summary(Player *p)
{
    WorkerStats ws;
    worker_stats(p->worker, &ws);
    const double secs = (p->t_end > p->t_start ? p->t_end - p->t_start : 0);
    printf(PLAY_NAME ": benchmark: %s, x%d, keyframes %s, motion %s, %dx%d -> %dx%d, renderer %s%s\n", p->o.input,
           p->o.scale, worker_policy(p->worker), worker_motion(p->worker), p->lw, p->lh, p->hw, p->hh,
           view_renderer_name(p->view), p->o.no_sync ? ", no sync" : "");
    /* frames the engine had not finished when the media ended are dropped too */
    const int64_t total = worker_frame_count(p->worker), seen = p->frames_shown + ws.dropped + p->display_dropped;
    const int64_t unfinished = p->quit || p->o.max_frames || total <= seen ? 0 : total - seen;
    printf(PLAY_NAME ": benchmark: shown %lld frames in %.2f s = %.1f fps; dropped %lld (worker %lld, display %lld, "
           "unfinished at the end %lld); engine restarts %lld\n",
           (long long)p->frames_shown, secs, secs > 0 ? p->frames_shown / secs : 0.0,
           (long long)(ws.dropped + p->display_dropped + unfinished), (long long)ws.dropped,
           (long long)p->display_dropped, (long long)unfinished, (long long)ws.resyncs);
    printf(PLAY_NAME ": benchmark: decoder thread: %lld frames in %.2f s = %.1f fps; engine thread: %lld frames in "
           "%.2f s busy = %.1f fps (SR %lld frames, %.2f s; transfer %lld frames, %.2f s; SR work %.1f%% of "
           "per-frame SR)\n",
           (long long)ws.decoded, ws.decode_seconds, ws.decode_seconds > 0 ? ws.decoded / ws.decode_seconds : 0.0,
           (long long)ws.processed, ws.busy_seconds, ws.busy_seconds > 0 ? ws.processed / ws.busy_seconds : 0.0,
           (long long)ws.sr_frames, ws.sr_seconds, (long long)ws.transferred, ws.transfer_seconds,
           ws.processed ? 100.0 * ws.sr_work / ws.processed : 0.0);
    printf(PLAY_NAME ": benchmark: display: %lld redraws, %.1f ms each (upload, draw, present), %.1f ms CPU each\n",
           (long long)p->renders, p->renders ? p->render_seconds / p->renders * 1e3 : 0.0,
           p->renders ? p->render_cpu / p->renders * 1e3 : 0.0);
    /* the machine may be shared: the process's CPU time says what the run cost */
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        const double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
        printf(PLAY_NAME ": benchmark: process CPU time %.2f s = %.1f ms per decoded frame\n", cpu,
               ws.decoded ? cpu / ws.decoded * 1e3 : 0.0);
    }
    if (p->psnr_n)
        printf(PLAY_NAME ": benchmark: PSNR-Y mean over %lld shown frames: FAST %.2f dB", (long long)p->psnr_n,
               p->psnr_fast_sum / p->psnr_n);
    if (p->psnr_n && p->psnr_cmp_n)
        printf(", comparison %.2f dB (%lld frames)", p->psnr_cmp_sum / p->psnr_cmp_n, (long long)p->psnr_cmp_n);
    if (p->psnr_n)
        printf("\n");
    if (p->clock.audio)
        printf(PLAY_NAME ": benchmark: audio: %.2f s played, %lld underruns\n", audio_played(p->clock.audio),
               (long long)audio_underruns(p->clock.audio));
}

/* Brings the textures up to date with the frame on screen and the view. */
static int refresh(Player *p)
{
    PlayFrame *f = current(p);
    if (!f || !p->upload)
        return 0;
    if (needs_cmp(p) && !f->cmp_kind) {
        /* made before the view asked for a comparison: bicubic now (cheap),
         * SRCNN when nothing waits for it (--no-sync; else on pause) */
        if (cmp_fill_bicubic(f, p->o.scale) < 0) {
            fprintf(stderr, PLAY_NAME ": error: %s\n", fsr_last_error());
            return -1;
        }
        if (p->o.compare == COMPARE_SRCNN && p->o.no_sync && !p->job.thread) {
            if (worker_pause_srcnn(p->worker, &f->lr, &p->job.out) < 0) {
                fprintf(stderr, PLAY_NAME ": error: %s\n", fsr_last_error());
                return -1;
            }
            for (int y = 0; y < p->hh; y++)
                memcpy(f->cmp.data[0] + y * f->cmp.stride[0], p->job.out.data[0] + y * p->job.out.stride[0], p->hw);
            f->cmp_kind = 2;
        }
    }
    start_pause_job(p);
    if (view_upload(p->view, f, &p->st) < 0)
        return -1;
    p->upload = 0;
    p->redraw = 1;
    return 0;
}

static int play(Player *p)
{
    int ret = 0, shot_done = 0;
    char hud[2048];
    while (!p->quit) {
        SDL_Event e;
        while (SDL_PollEvent(&e))
            handle_event(p, &e);
        if (p->quit)
            break;
        if (worker_error(p->worker)) {
            ret = -1;
            break;
        }
        const double wait = advance(p);
        PlayFrame *f = current(p);
        if (f && p->o.keys && !p->keys_pushed) {
            /* --keys: pressed once the first frame is on screen */
            queue_keys(p->o.keys, 1);
            p->keys_pushed = 1;
        }
        const double t_render = sys_now(), cpu_render = tool_thread_seconds();
        if ((ret = refresh(p)) < 0)
            break;
        /* the HUD's numbers move on while paused or between frames */
        if (p->st.hud && sys_now() - p->last_hud > 0.25)
            p->redraw = 1;
        const int last = p->o.max_frames && p->frames_shown >= p->o.max_frames;
        if (p->redraw || last) {
            p->st.cmp_label = cmp_label(p);
            if (p->st.hud) {
                hud_text(p, hud, sizeof(hud));
                p->last_hud = sys_now();
            }
            view_draw(p->view, f, &p->st, p->st.hud ? hud : NULL);
            if (last && p->o.screenshot) {
                if (view_screenshot(p->view, p->o.screenshot) < 0)
                    ret = -1;
                shot_done = 1;
            }
            view_present(p->view);
            p->redraw = 0;
            p->render_seconds += sys_now() - t_render;
            p->render_cpu += tool_thread_seconds() - cpu_render;
            p->renders++;
        }
        if (last || at_end(p))
            break;
        if (!p->redraw && wait > 0)
            SDL_WaitEventTimeout(NULL, (int)SDL_max(1, wait * 1000));
    }
    p->t_end = sys_now();
    if (!ret && p->o.screenshot && !shot_done) {
        /* stopped before --frames (end of input or quit): the last frame */
        if (refresh(p) < 0)
            return -1;
        p->st.cmp_label = cmp_label(p);
        if (p->st.hud)
            hud_text(p, hud, sizeof(hud));
        view_draw(p->view, current(p), &p->st, p->st.hud ? hud : NULL);
        if (view_screenshot(p->view, p->o.screenshot) < 0)
            ret = -1;
    }
    if (!ret && worker_error(p->worker))
        ret = -1;
    return ret;
}

int main(int argc, char **argv)
{
    /* The engines' OpenMP threads share the cores with the decoder, the
     * display and the audio: spinning at their barriers (libgomp's default)
     * starves those threads, and measured here it cut the shown frame rate
     * from 18 to 5 fps at 1080p.  libgomp reads the policy when it loads, so
     * the player restarts itself once with a passive policy. */
    fsr_prefer_passive_threads(argv);
    Player *p = calloc(1, sizeof(*p));
    if (!p)
        return 1;
    int r = play_parse_options(&p->o, argc, argv);
    if (r) {
        free(p);
        return r > 0 ? 0 : 2;
    }
    if (p->o.keys && queue_keys(p->o.keys, 0) < 0) {
        free(p);
        return 2;
    }
    int ret = 1;
    if (SDL_Init(SDL_INIT_EVENTS | SDL_INIT_TIMER) < 0) {
        fprintf(stderr, PLAY_NAME ": error: SDL: %s\n", SDL_GetError());
        free(p);
        return 1;
    }
    job_event = SDL_RegisterEvents(1);
    p->st.mode = VIEW_FAST;
    p->st.divider = 0.5;
    p->st.zoom = 4;
    p->st.cmp_label = "";
    if (queue_init(&p->q) < 0)
        goto end;
    WorkerSettings ws = { .opt = &p->o, .queue = &p->q, .clock = &p->clock, .want_cmp = &p->want_cmp };
    /* the input first: a bad file is reported even without a display */
    if (worker_open(&p->worker, &ws) < 0)
        goto end;
    worker_size(p->worker, &p->lw, &p->lh, &p->hw, &p->hh);
    if (view_open(&p->view, &p->o, p->hw, p->hh) < 0)
        goto end;
    if (!p->o.no_sync && audio_open(&p->clock.audio, p->o.input) < 0)
        goto end;
    accel_costs(&p->accel, &p->o, worker_model(p->worker), p->hw, p->hh);
    if (worker_start(p->worker) < 0 || (p->clock.audio && audio_start(p->clock.audio) < 0)) {
        fprintf(stderr, PLAY_NAME ": error: cannot start a thread: %s\n", SDL_GetError());
        goto end;
    }
    ret = play(p) < 0 ? 1 : 0;
    WorkerStats st;
    worker_stats(p->worker, &st);
    if (!ret && !p->quit && !st.decoded) {
        fprintf(stderr, PLAY_NAME ": error: %s: no video frame could be decoded\n", p->o.input);
        ret = 1;
    } else if (!ret && st.truncated) {
        fprintf(stderr, PLAY_NAME ": warning: %s: the file is truncated (%lld of %lld video packets present)\n",
                p->o.input, (long long)st.packets, (long long)st.packets_expected);
    } else if (!ret && (st.decode_errors || st.corrupt_frames)) {
        fprintf(stderr, PLAY_NAME ": warning: %s: damaged video: %lld decode errors, %lld concealed frames\n",
                p->o.input, (long long)st.decode_errors, (long long)st.corrupt_frames);
    }
    if (p->o.benchmark)
        summary(p);
end:
    if (p->job.thread)
        SDL_WaitThread(p->job.thread, NULL);
    fsr_picture_close(&p->job.lr);
    fsr_picture_close(&p->job.out);
    worker_close(&p->worker);
    audio_close(&p->clock.audio);
    view_close(&p->view);
    queue_destroy(&p->q);
    SDL_Quit();
    free(p);
    return ret;
}
