#include "drawout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>

#include "fastsr/common.h"
#include "avlog.h"
#include "log.h"

struct DrawOut {
    FILE *y4m;
    AVFormatContext *fmt;
    AVCodecContext *enc;
    AVStream *st;
    AVFrame *frame;
    AVPacket *pkt;
    int64_t next_pts;
    int header_done;
    char path[1024];
};

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcasecmp(s + n - m, suffix);
}

static int av_fail(const DrawOut *o, int err, const char *what)
{
    char buf[128];
    return fsr_error(FSR_ERR_INVALIDDATA, "%s: %s (%s)", o->path, what, fsr_av_err2str(err, buf, sizeof(buf)));
}

int drawout_open(DrawOut **out, const char *path, int w, int h, AVRational fps)
{
    *out = NULL;
    DrawOut *o = calloc(1, sizeof(*o));
    if (!o)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    snprintf(o->path, sizeof(o->path), "%s", path);
    if (fps.num <= 0 || fps.den <= 0)
        fps = (AVRational){ 25, 1 };
    int ret;
    if (ends_with(path, ".y4m")) {
        o->y4m = fopen(path, "wb");
        if (!o->y4m) {
            ret = fsr_error(FSR_ERR(errno), "%s: %s", path, strerror(errno));
            goto fail;
        }
        fprintf(o->y4m, "YUV4MPEG2 W%d H%d F%d:%d Ip A1:1 C420jpeg\n", w, h, fps.num, fps.den);
        *out = o;
        return 0;
    }
    if ((ret = avformat_alloc_output_context2(&o->fmt, NULL, NULL, path)) < 0 || !o->fmt) {
        ret = fsr_error(FSR_ERR(EINVAL), "%s: unknown output format (use .mp4, .mkv or .y4m)", path);
        goto fail;
    }
    const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
    if (!codec) {
        ret = fsr_error(FSR_ERR_UNSUPPORTED, "%s: libavcodec has no libx264 encoder; write .y4m instead", path);
        goto fail;
    }
    o->st = avformat_new_stream(o->fmt, NULL);
    o->enc = avcodec_alloc_context3(codec);
    o->frame = av_frame_alloc();
    o->pkt = av_packet_alloc();
    if (!o->st || !o->enc || !o->frame || !o->pkt) {
        ret = fsr_error(FSR_ERR(ENOMEM), "out of memory");
        goto fail;
    }
    o->enc->width = w;
    o->enc->height = h;
    o->enc->pix_fmt = AV_PIX_FMT_YUV420P;
    o->enc->time_base = av_inv_q(fps);
    o->enc->framerate = fps;
    o->enc->thread_count = 1;
    if (o->fmt->oformat->flags & AVFMT_GLOBALHEADER)
        o->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    av_opt_set(o->enc->priv_data, "preset", "veryfast", 0);
    av_opt_set(o->enc->priv_data, "crf", "20", 0);
    if ((ret = avcodec_open2(o->enc, codec, NULL)) < 0) {
        ret = av_fail(o, ret, "cannot open the libx264 encoder");
        goto fail;
    }
    avcodec_parameters_from_context(o->st->codecpar, o->enc);
    o->st->time_base = o->enc->time_base;
    if (!(o->fmt->oformat->flags & AVFMT_NOFILE) && (ret = avio_open(&o->fmt->pb, path, AVIO_FLAG_WRITE)) < 0) {
        ret = av_fail(o, ret, "cannot create the file");
        goto fail;
    }
    if ((ret = avformat_write_header(o->fmt, NULL)) < 0) {
        ret = av_fail(o, ret, "cannot write the header");
        goto fail;
    }
    o->header_done = 1;
    o->frame->format = AV_PIX_FMT_YUV420P;
    o->frame->width = w;
    o->frame->height = h;
    if ((ret = av_frame_get_buffer(o->frame, 64)) < 0) {
        ret = fsr_error(FSR_ERR(ENOMEM), "out of memory");
        goto fail;
    }
    *out = o;
    return 0;
fail:
    drawout_close(&o, 0);
    return ret;
}

static int drain(DrawOut *o)
{
    for (;;) {
        int ret = avcodec_receive_packet(o->enc, o->pkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            return av_fail(o, ret, "encoding failed");
        av_packet_rescale_ts(o->pkt, o->enc->time_base, o->st->time_base);
        o->pkt->stream_index = o->st->index;
        ret = av_interleaved_write_frame(o->fmt, o->pkt);
        if (ret < 0)
            return av_fail(o, ret, "cannot write");
    }
}

int drawout_write(DrawOut *o, const FsrPicture *pic)
{
    if (o->y4m) {
        fputs("FRAME\n", o->y4m);
        for (int c = 0; c < 3; c++) {
            const int w = c ? fsr_chroma_w(pic->w) : pic->w, h = c ? fsr_chroma_h(pic->h) : pic->h;
            for (int y = 0; y < h; y++)
                if (fwrite(pic->data[c] + y * pic->stride[c], 1, (size_t)w, o->y4m) != (size_t)w)
                    return fsr_error(FSR_ERR(EIO), "%s: write failed", o->path);
        }
        return 0;
    }
    int ret = av_frame_make_writable(o->frame);
    if (ret < 0)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    for (int c = 0; c < 3; c++) {
        const int w = c ? fsr_chroma_w(pic->w) : pic->w, h = c ? fsr_chroma_h(pic->h) : pic->h;
        for (int y = 0; y < h; y++)
            memcpy(o->frame->data[c] + y * o->frame->linesize[c], pic->data[c] + y * pic->stride[c], (size_t)w);
    }
    o->frame->pts = o->next_pts++;
    if ((ret = avcodec_send_frame(o->enc, o->frame)) < 0)
        return av_fail(o, ret, "encoding failed");
    return drain(o);
}

int drawout_close(DrawOut **po, int finish)
{
    DrawOut *o = *po;
    int ret = 0;
    if (!o)
        return 0;
    if (o->y4m) {
        if (fclose(o->y4m) && finish)
            ret = fsr_error(FSR_ERR(EIO), "%s: write failed", o->path);
    }
    if (o->enc && finish && o->header_done) {
        avcodec_send_frame(o->enc, NULL);
        ret = drain(o);
        int r2 = av_write_trailer(o->fmt);
        if (r2 < 0 && !ret)
            ret = av_fail(o, r2, "cannot finish the file");
    }
    if (o->fmt && !(o->fmt->oformat->flags & AVFMT_NOFILE))
        avio_closep(&o->fmt->pb);
    avformat_free_context(o->fmt);
    avcodec_free_context(&o->enc);
    av_frame_free(&o->frame);
    av_packet_free(&o->pkt);
    free(o);
    *po = NULL;
    return ret;
}
