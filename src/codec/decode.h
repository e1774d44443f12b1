/* Input stage: demuxes a media file (or stdin), decodes its video stream
 * into 8-bit 4:2:0 pictures in display order (other formats converted; with
 * high_depth, deeper inputs into 10-bit 4:2:0), and hands every other stream's packets to
 * a callback (stream copy).  The decoder hook (block map) attaches here. */
#ifndef FASTSR_SRC_DECODE_H
#define FASTSR_SRC_DECODE_H

#include <stdint.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "fastsr/picture.h"

#define FSR_MAX_DIM 8192 /* LR width/height accepted */

/* A consumer of the decoder's inner workings (the H.264 side-information
 * hook): sees the codec context before it opens and every video packet, in
 * decode order, before the decoder does.  Callbacks return 0 or a negative
 * error, which aborts the open / read with that error. */
typedef struct FsrDecoderHook {
    void *opaque;
    int (*open)(void *opaque, AVCodecContext *avctx, const AVStream *st);
    int (*packet)(void *opaque, const AVPacket *pkt);
    void (*close)(void *opaque, AVCodecContext *avctx);
} FsrDecoderHook;

typedef struct FsrDecoderSettings {
    /* Export H.264 side information (vectors, macroblock types); forces one
     * decoding thread, since libavcodec's frame threads race on it. */
    int side_info;
    int threads;            /* 0: libavcodec's choice (ignored with side_info) */
    /* Packets of streams other than the video one, in file order; the
     * callback must not keep pkt (it is unreferenced after the call). */
    int (*on_packet)(void *opaque, AVPacket *pkt);
    void *opaque;
    /* Optional; needs side_info.  The decoder keeps the coded picture
     * (apply_cropping = 0) so motion compensation can clamp at the coded
     * size: pic is the cropped picture, av the coded one (8-bit 4:2:0). */
    const FsrDecoderHook *hook;
    /* fsr_sideinfo_open: MPEG-2 and MPEG-4 Part 2 streams yield plain
     * pictures (maps without side information) instead of maps from their
     * exported vectors, for fastsr's motion search */
    int mpeg_plain;
    /* Inputs of more than 8 bits per sample (YUV) come out as 10-bit 4:2:0
     * pictures (depth 10, uint16_t samples) instead of 8-bit ones; 8-bit
     * inputs are unaffected. */
    int high_depth;
} FsrDecoderSettings;

typedef struct FsrFrame {
    FsrPicture pic;         /* borrowed: valid until the next fsr_decoder_read */
    int64_t pts;            /* in the video stream's time base (AV_NOPTS_VALUE if unknown) */
    int64_t duration;       /* same time base; 0 if unknown */
    int64_t display_index;  /* 0, 1, 2, ... in output order */
    int64_t decode_index;   /* coded_picture_number where the decoder sets it, else -1 */
    char pict_type;         /* 'I', 'P', 'B', or '?' */
    int key;
    int corrupt;            /* decoder reported errors / concealment */
    const AVFrame *av;      /* the decoded frame, for side data */
} FsrFrame;

typedef struct FsrDecoder {
    AVFormatContext *fmt;
    AVCodecContext *codec;
    AVStream *stream;
    int stream_index;
    int width, height;      /* LR size of the pictures handed out */
    int depth;              /* their bits per sample: 8, or 10 (settings.high_depth) */
    int64_t nb_frames;      /* container's frame count, or 0 if unknown */
    char path[1024];
    /* counters */
    int64_t frames_out;
    int64_t decode_errors;  /* packets the decoder rejected */
    int64_t corrupt_frames; /* frames flagged corrupt (concealed) */
    int64_t packets_read;   /* video packets */
    int truncated;          /* the file ends before its own index says */
    /* private */
    FsrDecoderSettings settings;
    AVPacket *pkt;
    AVFrame *frame;
    AVFrame *conv;          /* 4:2:0 copy when the input is another format */
    struct SwsContext *sws;
    int eof_sent, draining_done;
    int hook_opened;
    int conversion_said;    /* the warning about a lossy conversion to 8-bit 4:2:0 */
} FsrDecoder;

/* Opens path and prepares the decoder.  Fails with one error line naming the
 * file for: missing, directory, empty, not media, no video, unsupported
 * codec or pixel format (hardware, bitstream), odd or absurd dimensions.
 * path "-" is standard input, named "stdin" in messages. */
int fsr_decoder_open(FsrDecoder **dec, const char *path, const FsrDecoderSettings *s);

/* Next picture in display order: 0 and *out filled, 1 at the end, or a
 * negative error (the stream could not be read at all). */
int fsr_decoder_read(FsrDecoder *dec, FsrFrame *out);

/* 1 when the input is a still image (an image file or an image pipe),
 * which has no frames to carry an SR result to. */
int fsr_decoder_is_still(const FsrDecoder *dec);

void fsr_decoder_close(FsrDecoder **dec);

#endif
