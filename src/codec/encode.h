/* Output stage: encodes HR pictures with libx264 through libavcodec (or the
 * container's image codec for still-image outputs), copies the input's audio
 * and subtitle streams untouched, and writes everything to a temporary file
 * in the target folder that is renamed over OUTPUT only when complete. */
#ifndef FASTSR_SRC_ENCODE_H
#define FASTSR_SRC_ENCODE_H

#include <stdint.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "fastsr/picture.h"

typedef struct FsrEncoderSettings {
    const char *path;
    int overwrite;              /* replace an existing OUTPUT */
    int width, height;          /* HR size */
    const AVStream *in_video;   /* timing, aspect ratio and colour come from here */
    const AVCodecContext *in_codec;
    AVFormatContext *in_fmt;    /* streams to copy come from here (may be NULL) */
    int in_video_index;
    int crf;
    const char *preset;
    const char *x264_params;    /* key=value:key=value, as x264's --x264-params */
    /* Another FFmpeg video encoder than libx264 (NULL: libx264), with its
     * AVOptions as key=value:key=value (may be NULL); crf, preset and
     * x264_params are then unused. */
    const char *codec;
    const char *codec_options;
    int threads;                /* unused by x264 (see encode.c) */
} FsrEncoderSettings;

typedef struct FsrEncoder FsrEncoder;

/* Checks OUTPUT (extension known, folder exists and is writable, not the
 * input, not existing unless overwrite) without creating anything. */
int fsr_output_check(const char *path, const char *input, int overwrite);

int fsr_encoder_open(FsrEncoder **enc, const FsrEncoderSettings *s);
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
