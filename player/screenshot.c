/* PNG screenshots through libavcodec's PNG encoder. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>

#include "play.h"

int screenshot_png(const char *path, const uint8_t *rgb, int stride, int w, int h)
{
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
    AVCodecContext *c = codec ? avcodec_alloc_context3(codec) : NULL;
    AVFrame *fr = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    int ret = -1;
    if (!c || !fr || !pkt) {
        fprintf(stderr, PLAY_NAME ": error: %s: no PNG encoder in this FFmpeg\n", path);
        goto end;
    }
    c->width = w;
    c->height = h;
    c->pix_fmt = AV_PIX_FMT_RGB24;
    c->time_base = (AVRational){ 1, 25 };
    if (avcodec_open2(c, codec, NULL) < 0) {
        fprintf(stderr, PLAY_NAME ": error: %s: cannot open the PNG encoder\n", path);
        goto end;
    }
    fr->width = w;
    fr->height = h;
    fr->format = AV_PIX_FMT_RGB24;
    fr->data[0] = (uint8_t *)rgb;
    fr->linesize[0] = stride;
    if (avcodec_send_frame(c, fr) < 0 || avcodec_send_frame(c, NULL) < 0 || avcodec_receive_packet(c, pkt) < 0) {
        fprintf(stderr, PLAY_NAME ": error: %s: PNG encoding failed\n", path);
        goto end;
    }
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(pkt->data, 1, pkt->size, f) == (size_t)pkt->size;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok) {
        fprintf(stderr, PLAY_NAME ": error: %s: cannot write the screenshot: %s\n", path, strerror(errno));
        if (f)
            remove(path);
        goto end;
    }
    ret = 0;
end:
    av_packet_free(&pkt);
    av_frame_free(&fr);
    avcodec_free_context(&c);
    return ret;
}
