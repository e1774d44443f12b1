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

#define FSR_FAST_DEFAULT_KEYFRAMES "regions"
#define FSR_ACCEL_DEFAULT_ARCH "eyeriss-v1-tiled"

typedef struct FsrProgress {
    int64_t frames_done;
    int64_t frames_total;  /* 0 when the container does not say */
    double seconds;        /* since the start */
} FsrProgress;

/* Where fast mode's block maps come from. */
typedef enum FsrMotionSource {
    FSR_MOTION_AUTO = 0,   /* H.264's side information, else fastsr's motion search (MPEG-2 and
                              MPEG-4 Part 2 included: it transfers better than their vectors) */
    FSR_MOTION_STREAM = 1, /* the stream's only (H.264, MPEG-2, MPEG-4 Part 2): other codecs get
                              per-frame SR */
    FSR_MOTION_SEARCH = 2, /* fastsr's motion search on the decoded pictures, for every codec */
    FSR_MOTION_NONE = 3,   /* no block maps: per-frame SR */
} FsrMotionSource;

/* "auto", "stream", "search", "none" -> FsrMotionSource; -1 for others. */
FSR_API int fsr_motion_source_parse(const char *text);
FSR_API const char *fsr_motion_source_name(int source);

/* The job's settings, grouped by the stage they set. */
typedef struct FsrSettings {
    /* "-" reads standard input (any stream FFmpeg can demux) and writes
     * standard output (a streamable container, encode.format; nothing is
     * removed there on failure: the stream just ends) */
    const char *input;
    const char *output;
    int scale;              /* 2, 3 or 4 */
    FsrMode mode;
    int threads;            /* 0: all cores */
    struct {
        int keep_going;     /* keep the output of an input with decode errors */
        /* Display window (segmented runs, fastsr/segments.h): when window
         * is set, only frames with window_start <= pts < window_end (the
         * video stream's time base) are output, encoded and counted.
         * Frames before it (the undecodable leading pictures of an open
         * GOP's I frame decoding starts at) are dropped as they are
         * decoded; frames after it still go through the engine, since
         * frames inside may refer to them (the next I frame of an open
         * GOP), and are dropped when they come out.  The first frame
         * inside is the first the engine sees: a key frame. */
        int window;
        int64_t window_start, window_end;   /* INT64_MIN / INT64_MAX: open */
        /* the window's time base when not the video stream's (a segment's
         * file may store its timestamps in a finer one); 0/0: the stream's */
        int window_tb_num, window_tb_den;
        /* Bits per sample of the working pictures and the output: 0 (auto)
         * keeps 10 bits for inputs of more than 8 (12-bit ones are rounded
         * to 10) and 8 for the rest; 8 converts deeper inputs to 8 bits. */
        int depth;
    } decode;
    struct {
        const char *model;  /* NULL: the default model for the scale */
        /* FSR_SR_FLOAT, or FSR_SR_FIXED: the accelerator's fixed-point
         * arithmetic (slow; exact to the modelled chip, accel.arch's
         * datapath) */
        int backend;
        /* enum FsrPrecision (fastsr/sr.h): FSR_PRECISION_FP32 (0) the
         * float engine; int16 / int8 the fixed-point backend with one
         * weight scale per channel (fsr_sr_set_precision); with
         * FSR_SR_FIXED as backend only fp32 */
        int precision;
    } sr;
    struct {                /* mode FSR_MODE_FAST */
        const char *keyframes;  /* key-frame policy (fsr_key_policy_parse); NULL: default */
        const char *hr_filter;  /* HR interpolation filter; NULL: default */
        double fallback;        /* per-block fallback threshold; <= 0 disables */
        int deblock;            /* deblock transferred frames (FsrTransferSettings) */
        /* one back-projection step on transferred frames
         * (FsrTransferSettings.back_project); fsr_run_defaults: on */
        int back_project;
        /* sub-pel refinement of the vectors (FsrTransferSettings.refine);
         * fsr_run_defaults: on */
        int refine;
        /* where block maps come from (FsrMotionSource); 0: FSR_MOTION_AUTO */
        int motion;
        /* the motion search's reference pictures (FsrMotionSettings.refs,
         * 1..4); 0: its default (1) */
        int motion_refs;
    } fast;
    struct {
        const char *format;     /* muxer name (ffmpeg -f); NULL: output's extension, matroska on stdout */
        const char *encoder;    /* libavcodec video encoder; NULL: libx264 (raw pictures for y4m) */
        int crf;                /* constant rate factor; < 0: the encoder's default (libx264: 18) */
        const char *preset;     /* encoder preset; NULL: the encoder's default (libx264: medium) */
        const char *x264_params;    /* libx264 only */
        const char *encoder_opts;   /* the encoder's own options, key=value:key=value */
        int overwrite;          /* replace an existing output */
    } encode;
    struct {
        /* Accelerator architecture for the report's cost model and the
         * fixed-point backend ("eyeriss-v1", "eyeriss-v1-tiled" or a JSON
         * file); NULL: no accelerator figures (and the default
         * architecture's datapath for the fixed-point backend). */
        const char *arch;
        /* 1: price SR frames by the layer shapes alone; 0 (default): with
         * the zeros of the activations actually computed, sampled on key
         * frames in the architecture's datapath, when the architecture
         * gates zeros or run-length codes them (eyeriss-v1 does) */
        int shape_only;
    } accel;
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

/* What a run did, grouped by stage. */
typedef struct FsrReport {
    char input[1024], output[1024];
    const char *mode;
    int scale;
    int in_w, in_h, out_w, out_h;
    int depth;              /* bits per sample of the working pictures and the output */
    int64_t frames;
    int64_t output_bytes;
    int64_t copied_streams;
    struct {
        int64_t frames_i, frames_p, frames_b;
        int64_t decode_errors, corrupt_frames;
        /* What the damage check found once frames had decoded: the input
         * ends before its own index says (video packets present and
         * expected), or it has decode errors or concealed frames.  Without
         * decode.keep_going either fails the run; a front end can say how
         * to keep such output. */
        int truncated, damaged;
        int64_t packets_read, packets_expected;
        /* decode.window: frames decoded but outside the window (not in
         * frames), and of those, the ones upscaled as references */
        int64_t outside_window, outside_upscaled;
    } decode;
    struct {
        int model_scale;    /* the scale the SR model was trained for; 0 without one */
        int64_t frames;     /* frames that went through SR (key frames) */
    } sr;
    struct {
        char keyframes[32];
        /* where the block maps came from: "stream" (H.264 side
         * information, MPEG-2 / MPEG-4 Part 2 exported vectors), "search"
         * (fastsr's motion search, fastsr/motion.h) or "none" (per-frame SR) */
        const char *motion;
        int64_t searched_frames;   /* maps made by the motion search */
        double motion_seconds;     /* spent in the motion search (counted in seconds.decode too) */
        /* MPEG-2 / MPEG-4 Part 2 stream maps: maps made, seconds building
         * them (counted in seconds.decode too), macroblocks that fell back
         * to intra (field prediction), blocks with derived vectors (MPEG-4
         * B pictures), pictures whose vectors were unusable (every block
         * intra: SR) */
        int64_t stream_map_frames;
        double stream_map_seconds;
        int64_t stream_fallback_mbs, stream_derived_blocks, stream_fallback_frames;
        int64_t transferred_frames;
        /* SR work as a share of per-frame SR (MACs): whole-frame SR counts
         * 1 per frame, region SR its rectangles with their halos; sr_work
         * is the same in frames (sr_work_share * frames) */
        double sr_work_share, sr_work;
        int64_t region_frames;      /* transferred frames with region SR */
        int64_t region_rects;       /* their SR rectangles */
        int64_t blocks_intra, blocks_skip, blocks_direct, blocks_inter, blocks_bi;
        /* LR pixels of transferred frames, by what the transfer did */
        int64_t area_transferred, area_fallback, area_intra, area_noref, area_residual;
    } fast;
    struct {                /* wall-clock seconds per stage and in all */
        double decode, sr, transfer, upscale, encode;
        double callback;    /* in frame_done, not counted in total */
        double total;
    } seconds;
    struct {                /* when settings.accel.arch is set and SR ran */
        int valid;
        char arch[64];
        char energy_unit[8];
        double seconds_per_frame, energy_per_frame;
        /* DRAM part of energy_per_frame (energy_unit), DRAM bytes per frame */
        double dram_energy_per_frame, dram_bytes_per_frame;
        double sr_share, transfer_share;      /* of the modelled time */
        double srcnn_seconds_per_frame, srcnn_energy_per_frame; /* SR on every frame */
        /* joules (architectures in pJ; -1 otherwise): per frame of the run,
         * its DRAM part, one SR frame, one transferred frame */
        double joules_per_frame, dram_joules_per_frame, sr_joules, transfer_joules;
        /* SR frames whose activations were sampled, and the measured share
         * of zeros in each layer's input (0 frames: shapes only) */
        int zeros_frames, n_layers;
        double ifmap_zeros[FSR_MODEL_MAX_LAYERS];
    } accel;
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

/* The output path for input in a batch written to outdir: outdir/NAME.EXT,
 * NAME the input's file name without its extension, EXT the format's (when
 * s->encode.format is set), else the input's when that container holds the
 * encoder's video (and pictures stay pictures), else mkv.  0, or a negative
 * error (unknown format, path too long). */
FSR_API int fsr_output_name(const FsrSettings *s, const char *input, const char *outdir, char *path, size_t size);

/* Writes the report as JSON (schema in README "Report"). */
FSR_API int fsr_report_write_json(const FsrReport *r, const char *path);

#endif
