/* The FAST engine: takes decoded LR frames with their block maps in display
 * order, runs SR on key frames and the transfer on the others, in decode
 * order so that every reference is ready, and hands the HR frames back in
 * display order.  HR pictures are kept while later frames may reference
 * them (bounded: FSR_FAST_MAX_REFS reference pictures). */
#ifndef FASTSR_FAST_H
#define FASTSR_FAST_H

#include <stdint.h>

#include "fastsr/blockmap.h"
#include "fastsr/common.h"
#include "fastsr/picture.h"
#include "fastsr/sr.h"
#include "fastsr/transfer.h"

#define FSR_FAST_MAX_REFS 16

typedef enum FsrKeyKind {
    FSR_KEY_ALL = 0,      /* SR on every frame (per-frame SR) */
    FSR_KEY_INTRA = 1,    /* SR on I frames only (the paper's setting) */
    FSR_KEY_EVERY = 2,    /* SR on about one frame in N, always on reference frames */
    FSR_KEY_ADAPTIVE = 3, /* SR when the estimated loss exceeds a budget */
    /* SR of whole frames on I frames (scene cuts) only; inside transferred
     * frames SR of the rectangles the transfer cannot serve (intra,
     * fallback and missing-reference blocks, blocks whose estimated drift
     * exceeds the budget), or of the whole frame when that is cheaper */
    FSR_KEY_REGIONS = 4,
} FsrKeyKind;

typedef struct FsrKeyPolicy {
    FsrKeyKind kind;
    int every;            /* N for FSR_KEY_EVERY */
    double budget_db;     /* for FSR_KEY_ADAPTIVE and FSR_KEY_REGIONS */
    /* FSR_KEY_REGIONS: the most SR work, as a share of per-frame SR's, the
     * policy spends over the frames so far (0 < s <= 1); region SR waits
     * for the credit it needs (README "SR work budget"); 0: the default */
    double max_share;
} FsrKeyPolicy;

/* Chosen by measurement (fastsr-bench --hr, x2, 100 frames, budgets 0.1 to
 * 0.2): 0.12 keeps vtest.avi (hard content) within 0.3 dB of per-frame SR
 * with 8 SR frames, at or above the every:N trade-off on vtest.avi, a
 * photo pan and a still-then-pan clip; 0.2 let vtest.avi drift 0.33 dB. */
#define FSR_FAST_DEFAULT_BUDGET_DB 0.12
/* The regions policy's per-block drift budget (README "Region SR"; 0.5
 * before the SR work budget bounded what it spends: 0.4 brings the fast
 * zoom within 0.15 dB of per-frame SR, README "SR work budget"). */
#define FSR_FAST_DEFAULT_REGIONS_BUDGET_DB 0.4
/* ... and its SR work budget: a 10x faster SR stage, FAST's aim */
#define FSR_FAST_DEFAULT_REGIONS_SHARE 0.1

/* "all", "intra", "every:N", "adaptive", "adaptive:DB", "regions",
 * "regions:DB" or "regions:DB:SHARE"; 0 or -1. */
FSR_API int fsr_key_policy_parse(FsrKeyPolicy *p, const char *text);
FSR_API const char *fsr_key_policy_name(const FsrKeyPolicy *p, char *buf, int size);

typedef struct FsrFastSettings {
    FsrKeyPolicy policy;
    FsrTransferSettings transfer;   /* transfer.scale is the scale */
    /* The SR backend of key frames (borrowed; any backend of fastsr/sr.h);
     * NULL: key frames are bicubic. */
    FsrSR *sr;
} FsrFastSettings;

typedef struct FsrFastFrame {
    const FsrPicture *hr;           /* valid until the next fsr_fast_pull */
    int64_t display_index, decode_index;
    int64_t pts, duration;
    char type;                      /* 'I', 'P', 'B', '?' */
    int is_ref;
    int key;                        /* 1: SR ran on the whole frame */
    /* SR work of this frame as a share of a whole-frame SR (MACs: 1 for
     * key frames, the rectangles with their halos for region SR) */
    double sr_share;
    int regions;                    /* SR rectangles inside a transferred frame */
    int64_t region_area;            /* HR luma pixels those rectangles wrote */
    double estimated_loss_db;       /* the adaptive policy's estimate (0 for key frames) */
    double seconds;                 /* time spent on SR or transfer */
    FsrTransferStats stats;         /* transfer frames */
    /* regions policy: LR luma pixels of the transferred frame made bicubic
     * of the decoded picture, where SR adds next to nothing (no SR work) */
    int64_t bicubic_area;
} FsrFastFrame;

typedef struct FsrFast FsrFast;

FSR_API int fsr_fast_open(FsrFast **f, const FsrFastSettings *s);
FSR_API void fsr_fast_close(FsrFast **f);

/* Queues one decoded frame (copied): map->side_info == 0 means no side
 * information (the frame gets SR).  pts/duration are passed through. */
FSR_API int fsr_fast_push(FsrFast *f, const FsrPicture *lr, const FsrBlockMap *map, int64_t pts, int64_t duration);
/* Marks the end of the input: every queued frame can now come out. */
FSR_API void fsr_fast_flush(FsrFast *f);
/* 0 and *out filled when the next frame in display order is ready, 1 when
 * more input is needed (or, after flush, when all frames are out), or a
 * negative error. */
FSR_API int fsr_fast_pull(FsrFast *f, FsrFastFrame *out);

#endif
