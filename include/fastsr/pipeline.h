/* The main job: decode a video, upscale every frame, encode the result with
 * the input's other streams copied.  What `fastsr IN OUT` runs. */
#ifndef FASTSR_PIPELINE_H
#define FASTSR_PIPELINE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "fastsr/common.h"
#include "fastsr/fast.h"

typedef enum FsrMode {
    FSR_MODE_FAST = 0,    /* SR on key frames, transfer to the others */
    FSR_MODE_SRCNN = 1,   /* SR on every frame */
    FSR_MODE_BICUBIC = 2, /* bicubic on every frame */
} FsrMode;

#define FSR_FAST_DEFAULT_KEYFRAMES "adaptive"
#define FSR_ACCEL_DEFAULT_ARCH "eyeriss-v1-tiled"

typedef struct FsrProgress {
    int64_t frames_done;
    int64_t frames_total;  /* 0 when the container does not say */
    double seconds;        /* since the start */
} FsrProgress;

typedef struct FsrSettings {
    const char *input;
    const char *output;
    int scale;              /* 2, 3 or 4 */
    FsrMode mode;
    const char *model;      /* NULL: the default model for the scale */
    const char *keyframes;  /* fast mode: key-frame policy (fsr_key_policy_parse); NULL: default */
    const char *hr_filter;  /* fast mode: HR interpolation filter; NULL: default */
    double fallback;        /* fast mode: per-block fallback threshold; <= 0 disables */
    int deblock;            /* fast mode: deblock transferred frames (FsrTransferSettings) */
    /* SR arithmetic: 0 the float engine, 1 the accelerator model's
     * fixed-point backend (slow; exact to the modelled chip) */
    int backend_accel;
    /* Accelerator architecture for the report's cost model and the accel
     * backend ("eyeriss-v1", "eyeriss-v1-tiled" or a JSON file); NULL: no
     * accelerator figures. */
    const char *accel_arch;
    int measure_bicubic;    /* benchmarks: see FsrFastSettings.measure_bicubic */
    int crf;                /* x264 constant rate factor */
    const char *preset;     /* x264 preset */
    const char *x264_params;
    int overwrite;          /* replace an existing output */
    int keep_going;         /* keep the output of an input with decode errors */
    int threads;            /* 0: all cores */
    /* Called after every frame (from the pipeline's thread). */
    void (*progress)(void *opaque, const FsrProgress *p);
    void *opaque;
    /* Called with every HR frame in display order before it is encoded
     * (the frame is valid during the call only); a negative return aborts.
     * With frame_done set, output may be NULL: nothing is encoded. */
    int (*frame_done)(void *opaque, const FsrFastFrame *frame);
    /* When it becomes non-zero the run stops, removes its partial output
     * and returns FSR_ERR(EINTR). */
    volatile sig_atomic_t *cancel;
} FsrSettings;

typedef struct FsrReport {
    char input[1024], output[1024];
    const char *mode;
    int scale;
    int in_w, in_h, out_w, out_h;
    int64_t frames;
    int64_t decode_errors, corrupt_frames;
    /* What the damage check found once frames had decoded: the input ends
     * before its own index says (video packets present and expected), or
     * it has decode errors or concealed frames.  Without keep_going either
     * fails the run; a front end can say how to keep such output. */
    int truncated, damaged;
    int64_t packets_read, packets_expected;
    int model_scale;        /* the scale the SR model was trained for; 0 without one */
    int64_t copied_streams;
    char keyframes[32];
    int64_t frames_i, frames_p, frames_b;
    int64_t sr_frames, transferred_frames;
    int64_t blocks_intra, blocks_skip, blocks_direct, blocks_inter, blocks_bi;
    int64_t area_transferred, area_fallback, area_intra, area_noref; /* LR pixels of transferred frames */
    int64_t output_bytes;
    /* wall-clock seconds per stage and in all */
    int64_t area_residual;
    double sec_decode, sec_sr, sec_transfer, sec_upscale, sec_encode;
    double sec_callback;    /* in frame_done, not counted in sec_total */
    double sec_transfer_best;    /* measure_bicubic: the transfer, best of three per frame */
    double sec_transfer_bicubic; /* measure_bicubic: bicubic of the transferred frames, best of three */
    double sec_total;
    /* accelerator model (when settings.accel_arch is set and SR ran) */
    int has_accel;
    char accel_arch[64];
    char accel_energy_unit[8];
    double accel_seconds_per_frame, accel_energy_per_frame;
    double accel_sr_share, accel_transfer_share;      /* of the modelled time */
    double accel_srcnn_seconds_per_frame, accel_srcnn_energy_per_frame; /* SR on every frame */
} FsrReport;

FSR_API void fsr_run_defaults(FsrSettings *s);
FSR_API const char *fsr_mode_name(FsrMode mode);

/* Runs the whole job; 0 on success, else a negative error with
 * fsr_last_error() set.  The report (may be NULL) is filled in either case
 * as far as the run got. */
FSR_API int fsr_run(const FsrSettings *s, FsrReport *report);

/* The report's "accel" object as JSON text (as in the report file), for
 * tools that write their own JSON, like fastsr-bench; free() it.  NULL when
 * out of memory. */
FSR_API char *fsr_report_accel_json(const FsrReport *r);

/* Writes the report as JSON (schema in README "Report"). */
FSR_API int fsr_report_write_json(const FsrReport *r, const char *path);

#endif
