/* fastsr-play: shared types of the player's threads.
 *
 *   worker thread:  decode + block maps -> FAST engine -> frame slots (queue)
 *   audio thread:   demux + decode the audio stream -> ring -> SDL callback
 *   main thread:    events, picks the frame due by the audio clock, renders
 *
 * Frames travel in slots that are allocated once: the worker fills a free
 * slot, queues it; the main thread shows it, keeps it a while in its history
 * (to step back when paused) and hands it back. */
#ifndef FASTSR_PLAYER_PLAY_H
#define FASTSR_PLAYER_PLAY_H

#include <stdint.h>

#include <SDL.h>

#include "fastsr/accel.h"
#include "fastsr/blockmap.h"
#include "fastsr/fast.h"
#include "fastsr/picture.h"

#define PLAY_NAME "fastsr-play"

enum CompareMode { COMPARE_BICUBIC = 0, COMPARE_SRCNN = 1 };

/* --renderer: how frames reach the window */
enum RenderChoice {
    RENDER_AUTO = 0,  /* a GPU renderer when there is a real GPU, else software */
    RENDER_GPU = 1,   /* SDL's renderer with IYUV textures (accelerated first) */
    RENDER_SOFTWARE = 2, /* the player's YUV converter into the window surface */
};

enum ViewMode {
    VIEW_FAST = 1,    /* FAST output, whole window */
    VIEW_SPLIT = 2,   /* comparison left of the divider, FAST right */
    VIEW_COMPARE = 3, /* comparison output, whole window */
};

typedef struct PlayOptions {
    const char *input;
    int scale;
    const char *model;        /* NULL: the default model for the scale */
    const char *keyframes;    /* key-frame policy text */
    int compare;              /* enum CompareMode */
    const char *hr_ref;       /* ground-truth HR video for PSNR, or NULL */
    int64_t max_frames;       /* --frames: stop after this many shown; 0: all */
    const char *screenshot;   /* PNG written after the last shown frame */
    const char *keys;         /* key presses queued at start */
    int benchmark;
    int no_sync;              /* show every frame as soon as it is ready */
    int threads;
    int width, height;        /* initial window size, 0: from the video */
    const char *arch;         /* accelerator architecture for the HUD */
    int renderer;             /* enum RenderChoice */
    int motion;               /* FsrMotionSource: where block maps come from */
    int no_back_project;      /* 1: FAST without its back-projection step */
    int no_refine;            /* 1: FAST without its sub-pel refinement */
    int precision;            /* enum FsrPrecision: the SR arithmetic */
} PlayOptions;

/* Parses argv; 0 ok, 1 when --help/--version was handled, -1 on error (the
 * message is printed). */
int play_parse_options(PlayOptions *o, int argc, char **argv);

/* ---- frames ---- */

typedef struct PlayFrame {
    int64_t index;            /* display index in the input */
    double pts, duration;     /* seconds */
    char type;                /* 'I', 'P', 'B', '?' */
    int key;                  /* SR ran on this frame */
    double fast_seconds;      /* FAST engine time for it */
    FsrPicture hr;            /* FAST output */
    FsrPicture cmp;           /* comparison luma (chroma is hr's) when cmp_kind */
    int cmp_kind;             /* 0 none, 1 bicubic, 2 SRCNN */
    FsrPicture lr;            /* decoded input, for SR on pause */
    FsrBlockMap map;          /* block map (blocks below; no residual) */
    FsrBlock *blocks;
    int blocks_cap;
    double psnr_fast, psnr_cmp; /* dB against --hr; NAN when unknown */
} PlayFrame;

#define QUEUE_DEPTH 4   /* frames decoded ahead of the display */
#define HISTORY_DEPTH 8 /* frames kept for stepping back */
#define NSLOTS (QUEUE_DEPTH + HISTORY_DEPTH + 2)

typedef struct FrameQueue {
    SDL_mutex *lock;
    SDL_cond *cond;
    PlayFrame slots[NSLOTS];
    int free_list[NSLOTS], nfree;
    int fifo[NSLOTS], fifo_head, fifo_len;
    int eof;                  /* the worker has queued its last frame */
    int abort;                /* stop everything */
} FrameQueue;

int queue_init(FrameQueue *q);
void queue_destroy(FrameQueue *q);
/* Worker side: a free slot (blocks while none; NULL on abort). */
PlayFrame *queue_get_free(FrameQueue *q);
void queue_put_free(FrameQueue *q, PlayFrame *f);
void queue_push(FrameQueue *q, PlayFrame *f);
void queue_set_eof(FrameQueue *q);
void queue_abort(FrameQueue *q);
/* Main side: the oldest queued frame without removing it, or NULL. */
PlayFrame *queue_peek(FrameQueue *q, int n);
PlayFrame *queue_pop(FrameQueue *q);
int queue_length(FrameQueue *q);
/* 1 once the worker has queued its last frame and all were taken. */
int queue_eof(FrameQueue *q);
/* 1 once the worker has queued its last frame. */
int queue_ended(FrameQueue *q);
int queue_aborted(FrameQueue *q);

/* ---- clock ---- */

/* The master clock: the audio device's position when there is audio, else
 * the system clock; seconds in the input's time line. */
typedef struct Audio Audio;

typedef struct PlayClock {
    Audio *audio;             /* NULL: system clock */
    int started, paused;
    double base;              /* media time at `since` */
    Uint64 since;             /* performance counter */
} PlayClock;

double clock_now(PlayClock *c);
void clock_start(PlayClock *c, double media_time);
void clock_pause(PlayClock *c, int paused);
/* Moves the clock ahead to t (after stepping forward while paused). */
void clock_seek_forward(PlayClock *c, double t);

/* ---- audio ---- */

/* Opens the input's first audio stream and the SDL device; 1 when the input
 * has no audio (a is NULL), a negative value on error (message printed). */
int audio_open(Audio **a, const char *path);
/* Starts reading and decoding (the device stays paused). */
int audio_start(Audio *a);
void audio_pause(Audio *a, int paused);
/* Media time of the sample playing now. */
double audio_clock(Audio *a);
/* Drops buffered audio up to media time t (after stepping forward). */
void audio_skip_to(Audio *a, double t);
int64_t audio_underruns(Audio *a);
/* Seconds of sound handed to the device so far. */
double audio_played(Audio *a);
void audio_close(Audio **a);

/* ---- worker ---- */

typedef struct WorkerStats {
    int64_t decoded;          /* frames out of the decoder */
    int64_t processed;        /* frames out of the FAST engine */
    int64_t sr_frames, transferred;
    double sr_work;           /* SR work in frames of per-frame SR (key frames + region SR) */
    int64_t dropped;          /* late frames the worker did not queue */
    int64_t resyncs;          /* times the engine restarted to catch up */
    double decode_seconds;    /* the decoder thread's time */
    double busy_seconds;      /* the engine thread's: FAST + comparison, not waiting */
    double sr_seconds, transfer_seconds;
    /* the input, once decoding has ended */
    int truncated;
    int64_t packets, packets_expected, decode_errors, corrupt_frames;
} WorkerStats;

typedef struct Worker Worker;

typedef struct WorkerSettings {
    const PlayOptions *opt;
    FrameQueue *queue;
    PlayClock *clock;         /* read for the late-frame decisions */
    SDL_atomic_t *want_cmp;   /* the view needs comparison pictures */
} WorkerSettings;

/* Opens the input, model and engine (errors printed); the thread starts with
 * worker_start. */
int worker_open(Worker **w, const WorkerSettings *s);
int worker_start(Worker *w);
/* LR and HR sizes. */
void worker_size(const Worker *w, int *lw, int *lh, int *hw, int *hh);
const char *worker_policy(const Worker *w);
/* where the block maps come from: "stream", "search" or "none" */
const char *worker_motion(const Worker *w);
/* Frames the container announces (0: unknown). */
int64_t worker_frame_count(const Worker *w);
/* Media time where the video ends (0: unknown). */
double worker_end_time(const Worker *w);
void worker_stats(Worker *w, WorkerStats *st);
/* 0 while running or after a clean end, else the error (its message is
 * printed by the first call that sees it). */
int worker_error(Worker *w);
const FsrModel *worker_model(const Worker *w);
void worker_close(Worker **w);

/* Comparison on demand (SRCNN of a paused frame, bicubic of a frame queued
 * before the view asked for it): its own SR engine, run by the main thread
 * or a helper thread. */
int cmp_fill_bicubic(PlayFrame *f, int scale);
/* SRCNN of an input picture into out's luma (allocated at the output size)
 * with an engine of its own: one caller at a time, for the paused frame. */
int worker_pause_srcnn(Worker *w, const FsrPicture *lr, FsrPicture *out);

/* ---- screenshot ---- */
int screenshot_png(const char *path, const uint8_t *rgb, int stride, int w, int h);

#endif
