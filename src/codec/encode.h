/* Output stage: encodes HR pictures with libx264 through libavcodec (or the
 * container's image codec for still-image outputs), copies the input's audio
 * and subtitle streams untouched, and writes everything to a temporary file
 * in the target folder that is renamed over OUTPUT only when complete. */
#ifndef FASTSR_SRC_ENCODE_H
#define FASTSR_SRC_ENCODE_H

#include <stdint.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/mastering_display_metadata.h>

#include "fastsr/picture.h"

typedef struct FsrEncoderSettings {
    const char *path;
    int overwrite;              /* replace an existing OUTPUT */
    int width, height;          /* HR size */
    const AVStream *in_video;   /* timing, aspect ratio and colour come from here */
    const AVCodecContext *in_codec;
    AVFormatContext *in_fmt;    /* streams to copy come from here (may be NULL) */
    int in_video_index;
    /* "-" writes to standard output: no temporary file, nothing removed on
     * failure (the stream just ends) */
    const char *format;         /* muxer name (ffmpeg -f); NULL: from path's extension, matroska on stdout */
    const char *encoder;        /* libavcodec encoder name; NULL: libx264 (raw video for y4m) */
    int crf;                    /* < 0: the encoder's default (18 for libx264) */
    const char *preset;         /* NULL: the encoder's default (medium for libx264) */
    const char *x264_params;    /* key=value:key=value, as x264's --x264-params (libx264 only) */
    const char *encoder_opts;   /* key=value:key=value, the encoder's own AVOptions */
    int threads;                /* unused by x264 (see encode.c) */
    /* Output bits per sample: 0 or 8 (8-bit 4:2:0, today's output) or 10
     * (yuv420p10: the encoder must have a 10-bit 4:2:0 format, else open
     * fails with one line).  Independent of the pictures given to
     * fsr_encoder_write: deeper pictures are rounded down ((x+2)>>2 for
     * 10 -> 8, no dither), shallower ones shifted up.  Image outputs are
     * always 8-bit. */
    int depth;
    /* Optional: a decoded frame of the input (the first) whose HDR side data
     * (AV_FRAME_DATA_MASTERING_DISPLAY_METADATA, _CONTENT_LIGHT_LEVEL) the
     * output carries, where the input stream's side data has none (HEVC
     * keeps them in SEI, which the decoder exports on the frames only).
     * Only read during fsr_encoder_open; the pipeline, which opens the
     * encoder before decoding, uses fsr_encoder_first_frame instead. */
    const AVFrame *first_frame;
} FsrEncoderSettings;

typedef struct FsrEncoder FsrEncoder;

/* Checks OUTPUT (extension or format known, folder exists and is writable,
 * not the input, not existing unless overwrite) without creating anything;
 * "-" (stdout) only needs a known format. */
int fsr_output_check(const char *path, const char *input, int overwrite, const char *format);

#define FSR_STDOUT_DEFAULT_FORMAT "matroska"

/* The extension (no dot) for the output of input in a batch: the format's
 * own when one is named; else the input's when a muxer for it holds what
 * the encoder makes (pictures for image and y4m inputs without an
 * encoder), else mkv. */
int fsr_output_ext(const char *input, const char *format, const char *encoder, char *ext, size_t size);

int fsr_encoder_open(FsrEncoder **enc, const FsrEncoderSettings *s);
/* The HDR side data (mastering display colour volume, content light level)
 * the output carries: in the output stream's side data (Matroska and MP4
 * write it in their headers), on every frame given to the encoder, and in
 * the bitstream for libx265 (master-display, max-cll) and libx264
 * (mastering-display, cll).  Gathered at open from the input stream's side
 * data, then from settings.first_frame. */
typedef struct FsrHdrMeta {
    int has_mastering, has_light;
    AVMasteringDisplayMetadata mastering;
    AVContentLightMetadata light;
} FsrHdrMeta;
/* The input's first decoded frame, for inputs whose HDR metadata is in the
 * frames only (HEVC SEI).  For a PQ or HLG input whose stream side data lacks
 * the mastering display or light level, fsr_encoder_open leaves the header
 * unwritten (copied packets wait) until this call, the first write or
 * finish; when the frame adds HDR metadata or a colour description the
 * stream left unspecified, the video encoder opens again with them (nothing
 * was encoded yet).  The settings given to fsr_encoder_open (their strings
 * and streams) must stay valid until then.  A no-op otherwise, and after
 * the first write.  0 or a negative error. */
int fsr_encoder_first_frame(FsrEncoder *enc, const AVFrame *frame);
/* What the encoder carries (zeroed when nothing). */
void fsr_encoder_hdr(const FsrEncoder *enc, FsrHdrMeta *meta);
/* Adds to m what frame's side data has and m lacks; 1 when something was
 * added. */
int fsr_hdr_meta_from_frame(FsrHdrMeta *m, const AVFrame *frame);
/* pts and duration in the input video stream's time base. */
int fsr_encoder_write(FsrEncoder *enc, const FsrPicture *pic, int64_t pts, int64_t duration);
/* A packet of the input file's stream pkt->stream_index (stream copy). */
int fsr_encoder_copy_packet(FsrEncoder *enc, AVPacket *pkt);
/* Flushes, writes the trailer and moves the file into place. */
int fsr_encoder_finish(FsrEncoder *enc);
/* Frees everything; when finish did not succeed, the temporary file is
 * removed and OUTPUT is left as it was. */
void fsr_encoder_close(FsrEncoder **enc);

int64_t fsr_encoder_bytes(const FsrEncoder *enc);

/* How many input streams (audio, subtitles) the output carries besides the
 * video: those the container refused are not counted. */
int fsr_encoder_copied_streams(const FsrEncoder *enc);

#endif
