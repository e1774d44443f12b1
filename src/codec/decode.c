#include "decode.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "avlog.h"
#include "log.h"

static int av_fail(const FsrDecoder *d, int averr, const char *what)
{
    char buf[128];
    return fsr_error(averr == AVERROR(ENOMEM) ? FSR_ERR(ENOMEM) : FSR_ERR_INVALIDDATA,
                     "%s: %s (%s)", d->path, what, fsr_av_err2str(averr, buf, sizeof(buf)));
}

/* Every software format is converted to 8-bit 4:2:0, fastsr's working
 * format, or with high_depth, YUV deeper than 8 bits to 10-bit 4:2:0.
 * Formats with more bits per sample, or YUV with other chroma subsampling,
 * lose something in that, which is said once per input. */
static int check_pix_fmt(const FsrDecoder *d, int fmt)
{
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(fmt);
    if (!desc)
        return fsr_error(FSR_ERR_UNSUPPORTED, "%s: unknown pixel format", d->path);
    if (desc->flags & (AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_PAL) &&
        fmt != AV_PIX_FMT_PAL8)
        return fsr_error(FSR_ERR_UNSUPPORTED, "%s: pixel format %s is not supported", d->path, desc->name);
    return 0;
}

/* The working format for a stream of format fmt: 10-bit 4:2:0 for YUV of
 * more than 8 bits when the caller takes high-depth pictures. */
static int working_depth(const FsrDecoder *d, int fmt)
{
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(fmt);
    /* (the side-information hook reads 8-bit streams only: a deeper one is
     * plain frames to it) */
    if (!d->settings.high_depth || !desc)
        return 8;
    const int yuv = !(desc->flags & AV_PIX_FMT_FLAG_RGB) && desc->nb_components >= 3;
    return yuv && desc->comp[0].depth > 8 ? 10 : 8;
}

static void warn_conversion(FsrDecoder *d, int fmt)
{
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(fmt);
    if (d->conversion_said || !desc)
        return;
    const int lossy_depth = desc->comp[0].depth > d->depth;
    const int yuv = !(desc->flags & AV_PIX_FMT_FLAG_RGB) && desc->nb_components >= 3;
    const int chroma = yuv && (desc->log2_chroma_w != 1 || desc->log2_chroma_h != 1);
    if (!lossy_depth && !chroma)
        return;
    d->conversion_said = 1;
    fsr_log(FSR_LOG_WARNING, "%s: %s (%d bits%s) converted to %d-bit 4:2:0, fastsr's working format; the output is "
            "%d-bit 4:2:0 (colour tags kept)", d->path, desc->name, desc->comp[0].depth,
            !chroma ? "" : desc->log2_chroma_w == 1 && !desc->log2_chroma_h ? ", 4:2:2 chroma"
                         : !desc->log2_chroma_w && !desc->log2_chroma_h ? ", 4:4:4 chroma" : ", chroma resampled",
            d->depth, d->depth);
}

static int check_size(const FsrDecoder *d, int w, int h)
{
    if (w <= 0 || h <= 0)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: video stream has no valid size (%dx%d)", d->path, w, h);
    if (w > FSR_MAX_DIM || h > FSR_MAX_DIM || w < 16 || h < 16)
        return fsr_error(FSR_ERR_UNSUPPORTED, "%s: video size %dx%d is outside the supported range 16..%d",
                         d->path, w, h, FSR_MAX_DIM);
    if ((w | h) & 1)
        return fsr_error(FSR_ERR_UNSUPPORTED, "%s: video size %dx%d: width and height must be even for 4:2:0",
                         d->path, w, h);
    return 0;
}

int fsr_decoder_open(FsrDecoder **out, const char *path, const FsrDecoderSettings *s)
{
    *out = NULL;
    fsr_avlog_install();
    /* "-" is standard input (ffmpeg's pipe:0), probed like a file */
    const int is_stdin = !strcmp(path, "-");
    struct stat st;
    if (!is_stdin) {
        if (stat(path, &st) < 0)
            return fsr_error(FSR_ERR(errno), "%s: %s", path, strerror(errno));
        if (S_ISDIR(st.st_mode))
            return fsr_error(FSR_ERR(EISDIR), "%s: is a directory, not a media file", path);
        if (S_ISREG(st.st_mode) && st.st_size == 0)
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: file is empty", path);
    }

    FsrDecoder *d = calloc(1, sizeof(*d));
    if (!d)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    snprintf(d->path, sizeof(d->path), "%s", is_stdin ? "stdin" : path);
    path = d->path;
    if (s)
        d->settings = *s;
    int ret = avformat_open_input(&d->fmt, is_stdin ? "pipe:0" : path, NULL, NULL);
    if (ret < 0) {
        ret = ret == AVERROR_INVALIDDATA || (is_stdin && ret == AVERROR_EOF)
                  ? fsr_error(FSR_ERR_INVALIDDATA, "%s: %s", path,
                              is_stdin ? "no media stream FFmpeg can read (empty, or not audio/video)"
                                       : "not a media file FFmpeg can read, or damaged beyond use")
                  : av_fail(d, ret, "cannot open");
        goto fail;
    }
    /* The ANSI-art demuxer accepts any text file: a text file is not video. */
    if (!strcmp(d->fmt->iformat->name, "tty")) {
        ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: not a media file (looks like text)", path);
        goto fail;
    }
    ret = avformat_find_stream_info(d->fmt, NULL);
    if (ret < 0) {
        ret = av_fail(d, ret, "cannot read stream information");
        goto fail;
    }
    const AVCodec *codec = NULL;
    ret = av_find_best_stream(d->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (ret == AVERROR_STREAM_NOT_FOUND) {
        ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: has no video stream", path);
        goto fail;
    }
    if (ret < 0 || !codec) {
        int id = ret >= 0 ? (int)d->fmt->streams[ret]->codecpar->codec_id : AV_CODEC_ID_NONE;
        ret = fsr_error(FSR_ERR_UNSUPPORTED, "%s: no decoder for its video codec (%s)", path, avcodec_get_name(id));
        goto fail;
    }
    d->stream_index = ret;
    d->stream = d->fmt->streams[ret];
    const AVCodecParameters *par = d->stream->codecpar;
    if ((ret = check_size(d, par->width, par->height)) < 0)
        goto fail;
    if (par->format != AV_PIX_FMT_NONE && (ret = check_pix_fmt(d, par->format)) < 0)
        goto fail;
    d->width = par->width;
    d->height = par->height;
    d->depth = par->format != AV_PIX_FMT_NONE ? working_depth(d, par->format) : 8;
    d->nb_frames = d->stream->nb_frames;

    d->codec = avcodec_alloc_context3(codec);
    d->pkt = av_packet_alloc();
    d->frame = av_frame_alloc();
    d->conv = av_frame_alloc();
    if (!d->codec || !d->pkt || !d->frame || !d->conv) {
        ret = fsr_error(FSR_ERR(ENOMEM), "out of memory");
        goto fail;
    }
    if ((ret = avcodec_parameters_to_context(d->codec, par)) < 0) {
        ret = av_fail(d, ret, "bad codec parameters");
        goto fail;
    }
    d->codec->pkt_timebase = d->stream->time_base;
    /* fastsr crops (wrap_frame): libavcodec's own cropping keeps the data
     * 32-byte aligned by cropping less on the left, so a stream cropped by
     * e.g. 26 columns there would come out wider than its stated size. */
    d->codec->apply_cropping = 0;
    if (d->settings.side_info) {
        d->codec->thread_count = 1;
        d->codec->export_side_data |= AV_CODEC_EXPORT_DATA_MVS;
        if (d->settings.hook) {
            if (d->settings.hook->open &&
                (ret = d->settings.hook->open(d->settings.hook->opaque, d->codec, d->stream)) < 0)
                goto fail;
            d->hook_opened = 1;
        }
    } else {
        d->codec->thread_count = d->settings.threads > 0 ? d->settings.threads : 0;
    }
    if ((ret = avcodec_open2(d->codec, codec, NULL)) < 0) {
        ret = av_fail(d, ret, "cannot open the video decoder");
        goto fail;
    }
    *out = d;
    return 0;
fail:
    fsr_decoder_close(&d);
    return ret;
}

/* Hands out the decoded frame as a borrowed 4:2:0 picture, converting when
 * the stream is in another 8-bit format. */
static int wrap_frame(FsrDecoder *d, FsrFrame *out)
{
    AVFrame *f = d->frame;
    int ret;
    /* libavcodec does not crop (apply_cropping = 0): the frame is the coded
     * picture, the picture handed out is the cropped one, exactly. */
    const size_t ct = f->crop_top, cl = f->crop_left;
    const int cw = f->width - (int)(f->crop_left + f->crop_right);
    const int ch = f->height - (int)(f->crop_top + f->crop_bottom);
    if (cw != d->width || ch != d->height)
        return fsr_error(FSR_ERR_UNSUPPORTED, "%s: frame size changed from %dx%d to %dx%d mid-stream; not supported",
                         d->path, d->width, d->height, cw, ch);
    const AVFrame *src = f;
    /* the working format itself is handed out as it is */
    const int yuv420 = d->depth > 8 ? f->format == AV_PIX_FMT_YUV420P10
                                    : f->format == AV_PIX_FMT_YUV420P || f->format == AV_PIX_FMT_YUVJ420P;
    const int bps = d->depth > 8 ? 2 : 1;
    const int target = d->depth > 8 ? AV_PIX_FMT_YUV420P10 : AV_PIX_FMT_YUV420P;
    if (yuv420 && (ct | cl) & 1)
        return fsr_error(FSR_ERR_UNSUPPORTED, "%s: odd crop offsets (%zu,%zu) are not supported for 4:2:0",
                         d->path, cl, ct);
    if (!yuv420) {
        if ((ret = check_pix_fmt(d, f->format)) < 0)
            return ret;
        warn_conversion(d, f->format);
        /* other formats are converted from the cropped picture (no side
         * information uses the coded one) */
        if ((ct | cl | f->crop_right | f->crop_bottom) && av_frame_apply_cropping(f, AV_FRAME_CROP_UNALIGNED) < 0)
            return fsr_error(FSR_ERR_UNSUPPORTED, "%s: cannot crop %s pictures", d->path,
                             av_get_pix_fmt_name(f->format));
        if (f->width != d->width || f->height != d->height)
            return fsr_error(FSR_ERR_UNSUPPORTED, "%s: %s picture of %dx%d, expected %dx%d", d->path,
                             av_get_pix_fmt_name(f->format), f->width, f->height, d->width, d->height);
        d->sws = sws_getCachedContext(d->sws, f->width, f->height, f->format, d->width, d->height,
                                      target, SWS_BICUBIC | SWS_ACCURATE_RND, NULL, NULL, NULL);
        if (!d->sws)
            return fsr_error(FSR_ERR_UNSUPPORTED, "%s: cannot convert pixel format %s to %s", d->path,
                             av_get_pix_fmt_name(f->format), av_get_pix_fmt_name(target));
        if (!d->conv->data[0]) {
            d->conv->format = target;
            d->conv->width = d->width;
            d->conv->height = d->height;
            if ((ret = av_frame_get_buffer(d->conv, 64)) < 0)
                return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        }
        sws_scale(d->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, d->conv->data,
                  d->conv->linesize);
        src = d->conv;
    }
    memset(out, 0, sizeof(*out));
    out->pic.w = d->width;
    out->pic.h = d->height;
    out->pic.depth = d->depth;
    for (int c = 0; c < 3; c++) {
        const size_t sh = src == f && c ? 1 : 0;
        out->pic.data[c] = src->data[c] + (src == f ? (ct >> sh) * src->linesize[c] + (cl >> sh) * bps : 0);
        out->pic.stride[c] = src->linesize[c];
    }
    out->pts = f->best_effort_timestamp;
    out->duration = f->pkt_duration;
    out->display_index = d->frames_out++;
    out->decode_index = f->coded_picture_number ? f->coded_picture_number : (f->key_frame ? 0 : -1);
    out->pict_type = av_get_picture_type_char(f->pict_type);
    out->key = f->key_frame;
    out->corrupt = (f->flags & AV_FRAME_FLAG_CORRUPT) || f->decode_error_flags;
    out->av = f;
    if (out->corrupt)
        d->corrupt_frames++;
    return 0;
}

int fsr_decoder_read(FsrDecoder *d, FsrFrame *out)
{
    int ret;
    for (;;) {
        av_frame_unref(d->frame);
        ret = avcodec_receive_frame(d->codec, d->frame);
        if (ret == 0)
            return wrap_frame(d, out);
        if (ret == AVERROR_EOF)
            return 1;
        if (ret != AVERROR(EAGAIN)) {
            /* A packet the decoder could not use: counted, and decoding
             * goes on with the next one, as ffmpeg does. */
            if (ret == AVERROR(ENOMEM))
                return fsr_error(FSR_ERR(ENOMEM), "out of memory");
            d->decode_errors++;
            if (d->decode_errors > 1000 && d->frames_out == 0)
                return av_fail(d, ret, "video cannot be decoded");
            continue;
        }
        if (d->eof_sent)
            return 1;
        /* Feed the next video packet; other streams go to the callback. */
        ret = av_read_frame(d->fmt, d->pkt);
        if (ret == AVERROR_EOF) {
            d->eof_sent = 1;
            /* The container promised more than the file holds: its frame
             * count, or the packets of its index where that has fewer (an
             * AVI header counts the empty chunk of a skipped MPEG-4 frame,
             * which no demuxer hands out). */
            const int entries = avformat_index_get_entries_count(d->stream);
            if (!d->truncated && entries > 0 && entries < d->nb_frames)
                d->nb_frames = entries;
            if (d->nb_frames > 0 && d->packets_read < d->nb_frames)
                d->truncated = 1;
            avcodec_send_packet(d->codec, NULL);
            continue;
        }
        if (ret < 0) {
            d->truncated = 1;
            return av_fail(d, ret, "the file is truncated or unreadable");
        }
        if (d->pkt->stream_index != d->stream_index) {
            ret = d->settings.on_packet ? d->settings.on_packet(d->settings.opaque, d->pkt) : 0;
            av_packet_unref(d->pkt);
            if (ret < 0)
                return ret;
            continue;
        }
        d->packets_read++;
        if (d->pkt->flags & AV_PKT_FLAG_CORRUPT)
            d->truncated = 1; /* short read: the data ends inside this packet */
        if (d->settings.hook && d->settings.hook->packet &&
            (ret = d->settings.hook->packet(d->settings.hook->opaque, d->pkt)) < 0) {
            av_packet_unref(d->pkt);
            return ret;
        }
        ret = avcodec_send_packet(d->codec, d->pkt);
        av_packet_unref(d->pkt);
        if (ret == AVERROR(ENOMEM))
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        /* Corrupt packets are counted and skipped, as ffmpeg does; the
         * decoder conceals what it can. */
        if (ret < 0 && ret != AVERROR(EAGAIN))
            d->decode_errors++;
    }
}

int fsr_decoder_is_still(const FsrDecoder *d)
{
    const char *name = d->fmt->iformat->name;
    return strstr(name, "image2") || strstr(name, "_pipe");
}

void fsr_decoder_close(FsrDecoder **pd)
{
    FsrDecoder *d = *pd;
    if (!d)
        return;
    if (d->hook_opened && d->settings.hook->close)
        d->settings.hook->close(d->settings.hook->opaque, d->codec);
    avcodec_free_context(&d->codec);
    avformat_close_input(&d->fmt);
    av_packet_free(&d->pkt);
    av_frame_free(&d->frame);
    av_frame_free(&d->conv);
    sws_freeContext(d->sws);
    free(d);
    *pd = NULL;
}
