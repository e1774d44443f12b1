/* Still images through libavformat/libavcodec (image2 demuxer and the
 * matching decoder), converted to packed RGB24 with swscale.  For RGB PNGs
 * the conversion is a plain copy, so evaluation sees the exact pixels. */
#include "fastsr/eval.h"

#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>

#include "avlog.h"
#include "log.h"

int fsr_image_load_rgb(const char *path, uint8_t **rgb, int *w, int *h)
{
    if (!path || !rgb || !w || !h)
        return fsr_error(FSR_ERR(EINVAL), "image: NULL argument");
    *rgb = NULL;
    fsr_avlog_install();
    AVFormatContext *fmt = NULL;
    AVCodecContext *dec = NULL;
    AVPacket *pkt = NULL;
    AVFrame *frame = NULL;
    struct SwsContext *sws = NULL;
    char err[128];
    int ret = avformat_open_input(&fmt, path, NULL, NULL);
    if (ret < 0)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: cannot open image: %s", path, fsr_av_err2str(ret, err, sizeof(err)));
    if ((ret = avformat_find_stream_info(fmt, NULL)) < 0) {
        ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: not a readable image: %s", path, fsr_av_err2str(ret, err, sizeof(err)));
        goto end;
    }
    const AVCodec *codec = NULL;
    const int si = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (si < 0 || !codec) {
        ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: no picture in this file", path);
        goto end;
    }
    dec = avcodec_alloc_context3(codec);
    pkt = av_packet_alloc();
    frame = av_frame_alloc();
    if (!dec || !pkt || !frame) {
        ret = fsr_error(FSR_ERR(ENOMEM), "%s: out of memory", path);
        goto end;
    }
    if ((ret = avcodec_parameters_to_context(dec, fmt->streams[si]->codecpar)) < 0 ||
        (ret = avcodec_open2(dec, codec, NULL)) < 0) {
        ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: cannot open the %s decoder: %s", path, codec->name,
                        fsr_av_err2str(ret, err, sizeof(err)));
        goto end;
    }
    int got = 0, eof = 0;
    while (!got) {
        if (!eof) {
            ret = av_read_frame(fmt, pkt);
            if (ret == AVERROR_EOF) {
                eof = 1;
                avcodec_send_packet(dec, NULL);
            } else if (ret < 0) {
                ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: read error: %s", path, fsr_av_err2str(ret, err, sizeof(err)));
                goto end;
            } else {
                if (pkt->stream_index == si && (ret = avcodec_send_packet(dec, pkt)) < 0 && ret != AVERROR(EAGAIN)) {
                    av_packet_unref(pkt);
                    ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: cannot decode: %s", path,
                                    fsr_av_err2str(ret, err, sizeof(err)));
                    goto end;
                }
                av_packet_unref(pkt);
            }
        }
        ret = avcodec_receive_frame(dec, frame);
        if (ret >= 0)
            got = 1;
        else if (ret == AVERROR_EOF || (eof && ret == AVERROR(EAGAIN))) {
            ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: no picture decoded", path);
            goto end;
        } else if (ret != AVERROR(EAGAIN)) {
            ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: cannot decode: %s", path, fsr_av_err2str(ret, err, sizeof(err)));
            goto end;
        }
    }
    if (frame->width <= 0 || frame->height <= 0 || frame->width > 16384 || frame->height > 16384) {
        ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: picture size %dx%d out of range", path, frame->width, frame->height);
        goto end;
    }
    sws = sws_getContext(frame->width, frame->height, frame->format, frame->width, frame->height, AV_PIX_FMT_RGB24,
                         SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, NULL, NULL, NULL);
    if (!sws) {
        ret = fsr_error(FSR_ERR_UNSUPPORTED, "%s: cannot convert pixel format %s to RGB", path,
                        av_get_pix_fmt_name(frame->format) ? av_get_pix_fmt_name(frame->format) : "?");
        goto end;
    }
    /* Rows padded so swscale's SIMD may write a little past the end. */
    const int stride = FFALIGN(3 * frame->width, 64);
    uint8_t *buf = malloc((size_t)stride * (frame->height + 1));
    if (!buf) {
        ret = fsr_error(FSR_ERR(ENOMEM), "%s: out of memory", path);
        goto end;
    }
    uint8_t *dst[4] = { buf };
    int dst_stride[4] = { stride };
    sws_scale(sws, (const uint8_t *const *)frame->data, frame->linesize, 0, frame->height, dst, dst_stride);
    /* Pack rows tightly: callers get stride 3*w. */
    for (int y = 1; y < frame->height; y++)
        memmove(buf + (size_t)y * 3 * frame->width, buf + (size_t)y * stride, 3 * (size_t)frame->width);
    *rgb = buf;
    *w = frame->width;
    *h = frame->height;
    ret = 0;
end:
    sws_freeContext(sws);
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
    return ret;
}
