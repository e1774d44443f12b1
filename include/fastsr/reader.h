/* The reader: decodes the video stream of a media file into 8-bit 4:2:0
 * pictures in display order, each with its block map (fastsr/blockmap.h),
 * which is what fsr_fast_push needs.  Block maps come from H.264 side
 * information and from the vectors libavcodec exports for MPEG-2 and
 * MPEG-4 Part 2; other codecs (and readers opened without block maps) give
 * maps with side_info == 0, for which FAST runs SR on every frame.
 *
 * The writer encodes pictures as H.264 (libx264) with the timing, aspect
 * ratio and colour description of a video being read, e.g. to make a
 * low-resolution copy of it.
 *
 * Lifecycle: fsr_reader_defaults, fsr_reader_open, fsr_reader_read
 * until it returns 1, fsr_reader_close (which NULLs the pointer). */
#ifndef FASTSR_READER_H
#define FASTSR_READER_H

#include <stdint.h>

#include "fastsr/blockmap.h"
#include "fastsr/common.h"
#include "fastsr/picture.h"

/* pts of a frame whose time is unknown (FFmpeg's AV_NOPTS_VALUE) */
#define FSR_NOPTS INT64_MIN

typedef struct FsrRational {
    int num, den;
} FsrRational;

typedef struct FsrReaderSettings {
    /* 1 (default): block maps from H.264 / MPEG-2 / MPEG-4 Part 2 side
     * information; the decoder then runs on one thread (libavcodec's frame threads race on it).
     * 0: pictures only, with maps that carry no side information. */
    int block_maps;
    int threads;           /* decoding threads without block maps; 0: libavcodec's choice */
    /* 1: MPEG-2 and MPEG-4 Part 2 streams give maps without side
     * information (for fastsr's motion search, which transfers better than
     * their own vectors: README "MPEG-2 and MPEG-4 block maps"); 0
     * (default): maps from their exported vectors */
    int mpeg_plain;
} FsrReaderSettings;

typedef struct FsrReaderInfo {
    int width, height;     /* LR picture size (displayed, cropped) */
    FsrRational time_base; /* of pts and duration */
    FsrRational frame_rate; /* average rate, else the stream's base rate; 0/0 unknown */
    int64_t nb_frames;     /* the container's frame count, 0 unknown */
    double start_time;     /* seconds of the stream's first pts, 0 unknown */
    double duration;       /* seconds (the stream's, else the file's), 0 unknown */
    /* the video codec, with the pixel format when that is what rules side
     * information out, e.g. "h264 (yuv444p)" */
    const char *codec_name;
    int side_info;         /* 1: maps carry the stream's side information (H.264, MPEG-2, MPEG-4 Part 2) */
} FsrReaderInfo;

typedef struct FsrReaderFrame {
    FsrPicture pic;        /* borrowed: valid until the next fsr_reader_read */
    /* never NULL; also borrowed.  Without side information only the
     * per-frame facts are set (display_index, decode_index, pts, type,
     * width, height, corrupt; is_ref -1). */
    const FsrBlockMap *map;
    int64_t pts;           /* in time_base; FSR_NOPTS if unknown */
    int64_t duration;      /* in time_base; 0 if unknown */
    int64_t display_index; /* 0, 1, 2, ... in output order */
    int64_t decode_index;  /* coded order where known, else -1 */
    char type;             /* 'I', 'P', 'B', or '?' */
    int key;
    int corrupt;           /* the decoder concealed errors in this frame */
} FsrReaderFrame;

/* Damage and totals over the frames read so far. */
typedef struct FsrReaderStats {
    int64_t frames;            /* handed out */
    int64_t frames_unmodelled; /* with FSR_UNMODELLED_* features in their map */
    int64_t packets;           /* video packets read */
    int64_t decode_errors;     /* packets the decoder rejected */
    int64_t corrupt_frames;    /* frames the decoder concealed errors in */
    int truncated;             /* the file ends before its own index says */
} FsrReaderStats;

typedef struct FsrReader FsrReader;

FSR_API void fsr_reader_defaults(FsrReaderSettings *s);

/* Opens path (s may be NULL for the defaults).  Fails with a negative error
 * and one line naming the file (fsr_last_error) for: missing, directory,
 * empty, not media, no video, unsupported codec or pixel format, odd or
 * absurd dimensions. */
FSR_API int fsr_reader_open(FsrReader **r, const char *path, const FsrReaderSettings *s);

FSR_API const FsrReaderInfo *fsr_reader_info(const FsrReader *r);

/* The next frame in display order: 0 and *out filled, 1 at the end, or a
 * negative error (the rest of the stream could not be read). */
FSR_API int fsr_reader_read(FsrReader *r, FsrReaderFrame *out);

FSR_API void fsr_reader_stats(const FsrReader *r, FsrReaderStats *st);

FSR_API void fsr_reader_close(FsrReader **r);

typedef struct FsrWriterSettings {
    const char *path;      /* .mp4, .mkv, .mov ...: written to a temporary file, renamed when finished */
    int overwrite;         /* replace an existing file */
    int width, height;     /* picture size */
    int crf;               /* x264's constant rate factor */
    const char *preset;    /* x264 preset; NULL: x264's default */
    const char *x264_params; /* key=value:key=value, as x264's --x264-params; may be NULL */
    /* Another FFmpeg video encoder by name (e.g. "mpeg2video", "libx265");
     * NULL: libx264.  Its options are libavcodec's AVOptions,
     * key=value:key=value (e.g. "b=2M:g=12:bf=2"); crf, preset and
     * x264_params are then unused.  An option the encoder does not know is
     * an error. */
    const char *codec;
    const char *codec_options;
} FsrWriterSettings;

typedef struct FsrWriter FsrWriter;

/* A writer whose timing, aspect ratio and colour come from the video that
 * timing reads; pts and durations passed to fsr_writer_write are in its
 * time base. */
FSR_API int fsr_writer_open(FsrWriter **w, const FsrWriterSettings *s, const FsrReader *timing);
FSR_API int fsr_writer_write(FsrWriter *w, const FsrPicture *pic, int64_t pts, int64_t duration);
/* Flushes the encoder, writes the trailer and moves the file into place. */
FSR_API int fsr_writer_finish(FsrWriter *w);
/* Frees the writer; without a successful finish the file is not created. */
FSR_API void fsr_writer_close(FsrWriter **w);

#endif
