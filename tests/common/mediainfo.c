#include "mediainfo.h"

#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>

static uint64_t fnv1a(uint64_t h, const uint8_t *p, int n)
{
    for (int i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int tu_media_info(const char *path, TuMediaInfo *info)
{
    memset(info, 0, sizeof(*info));
    info->audio_hash = 0xcbf29ce484222325ull;
    AVFormatContext *fmt = NULL;
    if (avformat_open_input(&fmt, path, NULL, NULL) < 0)
        return -1;
    int ret = -1;
    AVCodecContext *dec = NULL;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *frame = av_frame_alloc();
    if (avformat_find_stream_info(fmt, NULL) < 0)
        goto end;
    const AVCodec *codec = NULL;
    int vi = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (vi < 0)
        goto end;
    info->chapters = (int)fmt->nb_chapters;
    for (unsigned i = 0; i < fmt->nb_chapters && i < TU_MAX_CHAPTERS; i++) {
        const AVChapter *ch = fmt->chapters[i];
        info->chapter_start[i] = ch->start * av_q2d(ch->time_base);
        info->chapter_end[i] = ch->end * av_q2d(ch->time_base);
        const AVDictionaryEntry *t = av_dict_get(ch->metadata, "title", NULL, 0);
        snprintf(info->chapter_title[i], sizeof(info->chapter_title[i]), "%s", t ? t->value : "");
    }
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        info->audio_streams += fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO;
        info->subtitle_streams += fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_SUBTITLE;
    }
    AVStream *st = fmt->streams[vi];
    dec = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(dec, st->codecpar);
    dec->pkt_timebase = st->time_base;
    if (avcodec_open2(dec, codec, NULL) < 0)
        goto end;
    info->width = st->codecpar->width;
    info->height = st->codecpar->height;
    snprintf(info->video_codec, sizeof(info->video_codec), "%s", codec->name);
    info->sar_num = st->codecpar->sample_aspect_ratio.num;
    info->sar_den = st->codecpar->sample_aspect_ratio.den;
    info->color_primaries = st->codecpar->color_primaries;
    info->color_trc = st->codecpar->color_trc;
    info->colorspace = st->codecpar->color_space;
    info->color_range = st->codecpar->color_range;
    int eof = 0;
    while (!eof) {
        int r = av_read_frame(fmt, pkt);
        if (r < 0) {
            eof = 1;
            avcodec_send_packet(dec, NULL);
        } else if (pkt->stream_index == vi) {
            avcodec_send_packet(dec, pkt);
        } else {
            if (fmt->streams[pkt->stream_index]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) {
                info->audio_packets++;
                info->audio_bytes += pkt->size;
                info->audio_hash = fnv1a(info->audio_hash, pkt->data, pkt->size);
            }
            av_packet_unref(pkt);
            continue;
        }
        av_packet_unref(pkt);
        while (avcodec_receive_frame(dec, frame) == 0) {
            if (info->frames < TU_MAX_FRAMES)
                info->pts[info->frames] = frame->best_effort_timestamp * av_q2d(st->time_base);
            info->frames++;
            av_frame_unref(frame);
        }
    }
    int n = info->frames < TU_MAX_FRAMES ? info->frames : TU_MAX_FRAMES;
    qsort(info->pts, n, sizeof(double), cmp_double);
    ret = 0;
end:
    avcodec_free_context(&dec);
    av_packet_free(&pkt);
    av_frame_free(&frame);
    avformat_close_input(&fmt);
    return ret;
}

uint8_t *tu_first_luma(const char *path, int *w, int *h)
{
    AVFormatContext *fmt = NULL;
    if (avformat_open_input(&fmt, path, NULL, NULL) < 0)
        return NULL;
    uint8_t *out = NULL;
    AVCodecContext *dec = NULL;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *frame = av_frame_alloc();
    const AVCodec *codec = NULL;
    if (avformat_find_stream_info(fmt, NULL) < 0)
        goto end;
    int vi = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (vi < 0)
        goto end;
    dec = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(dec, fmt->streams[vi]->codecpar);
    if (avcodec_open2(dec, codec, NULL) < 0)
        goto end;
    int got = 0, eof = 0;
    while (!got && !eof) {
        if (av_read_frame(fmt, pkt) < 0) {
            eof = 1;
            avcodec_send_packet(dec, NULL);
        } else if (pkt->stream_index == vi) {
            avcodec_send_packet(dec, pkt);
        }
        av_packet_unref(pkt);
        if (avcodec_receive_frame(dec, frame) == 0)
            got = 1;
    }
    if (!got)
        goto end;
    *w = frame->width;
    *h = frame->height;
    out = malloc((size_t)frame->width * frame->height);
    struct SwsContext *sws = sws_getContext(frame->width, frame->height, frame->format, frame->width,
                                            frame->height, AV_PIX_FMT_GRAY8, SWS_POINT, NULL, NULL, NULL);
    uint8_t *dst[4] = { out };
    int dst_stride[4] = { frame->width };
    sws_scale(sws, (const uint8_t *const *)frame->data, frame->linesize, 0, frame->height, dst, dst_stride);
    sws_freeContext(sws);
end:
    avcodec_free_context(&dec);
    av_packet_free(&pkt);
    av_frame_free(&frame);
    avformat_close_input(&fmt);
    return out;
}
