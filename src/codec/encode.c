#include "encode.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "avlog.h"
#include "log.h"

struct FsrEncoder {
    AVFormatContext *out;
    AVCodecContext *codec;
    AVStream *video;
    AVFrame *frame;       /* what the encoder is given */
    AVPacket *pkt;
    struct SwsContext *sws; /* yuv420p -> the image codec's format */
    int *stream_map;      /* input stream index -> output stream index or -1 */
    AVRational *in_tb;    /* input stream time bases, for copied packets */
    int nb_in_streams;
    AVRational in_video_tb;
    int64_t last_pts;
    int64_t last_codec_pts; /* in the encoder's time base */
    int64_t frames;
    int header_written, finished, is_image;
    char tmp_path[PATH_MAX + 32];
    char path[PATH_MAX];
};

static const char *file_ext(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.');
    return dot ? dot + 1 : "";
}

/* The folder part of path ("." when there is none). */
static void dir_of(const char *path, char *dir, size_t size)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", path);
    snprintf(dir, size, "%s", dirname(tmp));
}

int fsr_output_check(const char *path, const char *input, int overwrite)
{
    if (!path || !*path)
        return fsr_error(FSR_ERR(EINVAL), "no output file given");
    const AVOutputFormat *of = av_guess_format(NULL, path, NULL);
    if (!*file_ext(path))
        return fsr_error(FSR_ERR(EINVAL), "%s: output has no extension; use .mp4, .mkv, .mov or an image type like .png",
                         path);
    if (!of)
        return fsr_error(FSR_ERR(EINVAL), "%s: unknown output extension '.%s' (use .mp4, .mkv, .mov, .png ...)",
                         path, file_ext(path));
    char dir[PATH_MAX];
    dir_of(path, dir, sizeof(dir));
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
        return fsr_error(FSR_ERR(ENOENT), "%s: output folder '%s' does not exist", path, dir);
    if (access(dir, W_OK) < 0)
        return fsr_error(FSR_ERR(EACCES), "%s: output folder '%s' is not writable", path, dir);
    if (stat(path, &st) == 0) {
        /* the same file by identity, not by name: also a hard link to it */
        struct stat in_st;
        if (input && stat(input, &in_st) == 0 && in_st.st_dev == st.st_dev && in_st.st_ino == st.st_ino)
            return fsr_error(FSR_ERR(EINVAL), "%s: output is the same file as the input", path);
        if (S_ISDIR(st.st_mode))
            return fsr_error(FSR_ERR(EISDIR), "%s: output is a directory", path);
        if (!overwrite)
            return fsr_error(FSR_ERR(EEXIST), "%s: output already exists (use -y to overwrite)", path);
    }
    return 0;
}

static int av_fail(const FsrEncoder *e, int averr, const char *what)
{
    char buf[128];
    return fsr_error(averr == AVERROR(ENOMEM) ? FSR_ERR(ENOMEM) : FSR_ERR(EIO), "%s: %s (%s)", e->path, what,
                     fsr_av_err2str(averr, buf, sizeof(buf)));
}

static int open_video_encoder(FsrEncoder *e, const FsrEncoderSettings *s)
{
    const AVOutputFormat *of = e->out->oformat;
    const AVCodec *codec;
    e->is_image = !strcmp(of->name, "image2") || !strcmp(of->name, "apng") || !strcmp(of->name, "gif");
    if (e->is_image) {
        enum AVCodecID id = av_guess_codec(of, NULL, s->path, NULL, AVMEDIA_TYPE_VIDEO);
        codec = avcodec_find_encoder(id);
    } else if (s->codec) {
        codec = avcodec_find_encoder_by_name(s->codec);
        if (!codec || codec->type != AVMEDIA_TYPE_VIDEO)
            return fsr_error(FSR_ERR_UNSUPPORTED, "%s: this FFmpeg has no video encoder '%s'", s->path, s->codec);
        if (avformat_query_codec(of, codec->id, FF_COMPLIANCE_NORMAL) == 0)
            return fsr_error(FSR_ERR_UNSUPPORTED, "%s: container '%s' cannot hold %s video", s->path, of->name,
                             s->codec);
        int yuv420 = 0;
        for (const enum AVPixelFormat *p = codec->pix_fmts; p && *p != AV_PIX_FMT_NONE; p++)
            yuv420 |= *p == AV_PIX_FMT_YUV420P;
        if (!yuv420)
            return fsr_error(FSR_ERR_UNSUPPORTED, "%s: the %s encoder does not take 8-bit 4:2:0 (yuv420p)", s->path,
                             s->codec);
    } else {
        codec = avcodec_find_encoder_by_name("libx264");
        if (!codec)
            return fsr_error(FSR_ERR_UNSUPPORTED, "this FFmpeg has no libx264 encoder (apt-get install libavcodec59)");
        if (avformat_query_codec(of, AV_CODEC_ID_H264, FF_COMPLIANCE_NORMAL) != 1)
            return fsr_error(FSR_ERR_UNSUPPORTED, "%s: container '%s' cannot hold H.264 video", s->path, of->name);
    }
    if (!codec)
        return fsr_error(FSR_ERR_UNSUPPORTED, "%s: no encoder for this image type", s->path);
    AVCodecContext *c = e->codec = avcodec_alloc_context3(codec);
    if (!c)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    const AVStream *in = s->in_video;
    const AVCodecContext *ic = s->in_codec;
    c->width = s->width;
    c->height = s->height;
    c->time_base = in->time_base;
    c->framerate = in->avg_frame_rate.num ? in->avg_frame_rate : in->r_frame_rate;
    c->sample_aspect_ratio = in->sample_aspect_ratio.num ? in->sample_aspect_ratio : in->codecpar->sample_aspect_ratio;
    c->color_range = ic->color_range;
    c->color_primaries = ic->color_primaries;
    c->color_trc = ic->color_trc;
    c->colorspace = ic->colorspace;
    c->chroma_sample_location = ic->chroma_sample_location;
    /* x264 keeps its own automatic thread count: --threads sizes fastsr's
     * stages only, so the bitstream is the same for any --threads. */
    c->thread_count = 0;
    if (e->is_image) {
        /* Image codecs: the first pixel format they list (RGB for PNG). */
        c->pix_fmt = codec->pix_fmts ? codec->pix_fmts[0] : AV_PIX_FMT_YUV420P;
        for (const enum AVPixelFormat *p = codec->pix_fmts; p && *p != AV_PIX_FMT_NONE; p++)
            if (*p == AV_PIX_FMT_RGB24 || *p == AV_PIX_FMT_YUV420P || *p == AV_PIX_FMT_YUVJ420P) {
                c->pix_fmt = *p;
                break;
            }
        if (c->pix_fmt == AV_PIX_FMT_YUVJ420P)
            c->color_range = AVCOL_RANGE_JPEG;
    } else if (s->codec) {
        c->pix_fmt = AV_PIX_FMT_YUV420P;
        /* MPEG-1/2 and others want the frame rate as their time base */
        if (c->framerate.num > 0 && c->framerate.den > 0)
            c->time_base = av_inv_q(c->framerate);
    } else {
        c->pix_fmt = AV_PIX_FMT_YUV420P;
        char crf[16];
        snprintf(crf, sizeof(crf), "%d", s->crf);
        av_opt_set(c->priv_data, "crf", crf, 0);
        if (s->preset && av_opt_set(c->priv_data, "preset", s->preset, 0) < 0)
            return fsr_error(FSR_ERR(EINVAL), "bad x264 preset '%s'", s->preset);
        if (s->x264_params && *s->x264_params &&
            av_opt_set(c->priv_data, "x264-params", s->x264_params, 0) < 0)
            return fsr_error(FSR_ERR(EINVAL), "bad x264 parameters '%s'", s->x264_params);
    }
    if (of->flags & AVFMT_GLOBALHEADER)
        c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary *opts = NULL;
    if (!e->is_image && s->codec && s->codec_options && *s->codec_options &&
        av_dict_parse_string(&opts, s->codec_options, "=", ":", 0) < 0) {
        av_dict_free(&opts);
        return fsr_error(FSR_ERR(EINVAL), "%s: bad %s options '%s' (key=value:key=value)", s->path, s->codec,
                         s->codec_options);
    }
    int ret = avcodec_open2(c, codec, &opts);
    /* what the encoder did not take is a typo, not something to ignore */
    const AVDictionaryEntry *left = av_dict_get(opts, "", NULL, AV_DICT_IGNORE_SUFFIX);
    char unknown[128];
    snprintf(unknown, sizeof(unknown), "%s", left ? left->key : "");
    av_dict_free(&opts);
    if (ret < 0) {
        char buf[128];
        return fsr_error(FSR_ERR(EINVAL), "%s: cannot open the %s encoder (%s)%s", s->path, codec->name,
                         fsr_av_err2str(ret, buf, sizeof(buf)),
                         e->is_image ? "" : s->codec ? ": check its options" : ": check the x264 preset and parameters");
    }
    if (unknown[0])
        return fsr_error(FSR_ERR(EINVAL), "%s: the %s encoder has no option '%s'", s->path, codec->name, unknown);
    e->video = avformat_new_stream(e->out, NULL);
    if (!e->video)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    if ((ret = avcodec_parameters_from_context(e->video->codecpar, c)) < 0)
        return av_fail(e, ret, "cannot set up the video stream");
    e->video->time_base = c->time_base;
    e->video->avg_frame_rate = in->avg_frame_rate;
    e->video->r_frame_rate = in->r_frame_rate;
    e->video->sample_aspect_ratio = c->sample_aspect_ratio;
    av_dict_copy(&e->video->metadata, in->metadata, 0);
    /* Rotation and other display side data travel with the stream. */
    for (int i = 0; i < in->nb_side_data; i++) {
        const AVPacketSideData *sd = &in->side_data[i];
        uint8_t *dst = av_stream_new_side_data(e->video, sd->type, sd->size);
        if (dst)
            memcpy(dst, sd->data, sd->size);
    }
    e->frame = av_frame_alloc();
    e->pkt = av_packet_alloc();
    if (!e->frame || !e->pkt)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    e->frame->format = c->pix_fmt;
    e->frame->width = c->width;
    e->frame->height = c->height;
    if ((ret = av_frame_get_buffer(e->frame, 64)) < 0)
        return av_fail(e, ret, "cannot allocate a frame");
    return 0;
}

static int add_copied_streams(FsrEncoder *e, const FsrEncoderSettings *s)
{
    AVFormatContext *in = s->in_fmt;
    if (!in)
        return 0;
    e->nb_in_streams = in->nb_streams;
    e->stream_map = malloc(sizeof(int) * (in->nb_streams ? in->nb_streams : 1));
    e->in_tb = malloc(sizeof(AVRational) * (in->nb_streams ? in->nb_streams : 1));
    if (!e->stream_map || !e->in_tb)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    for (unsigned i = 0; i < in->nb_streams; i++) {
        e->stream_map[i] = -1;
        const AVStream *ist = in->streams[i];
        e->in_tb[i] = ist->time_base;
        const AVCodecParameters *par = ist->codecpar;
        if ((int)i == s->in_video_index || e->is_image)
            continue;
        if (par->codec_type != AVMEDIA_TYPE_AUDIO && par->codec_type != AVMEDIA_TYPE_SUBTITLE) {
            /* attachments, data tracks, other video: not silently lost */
            const char *type = av_get_media_type_string(par->codec_type);
            fsr_log(FSR_LOG_WARNING, "%s: stream %u (%s%s%s) is not copied (only audio and subtitles are); dropped",
                    s->path, i, type ? type : "unknown", par->codec_id ? " " : "",
                    par->codec_id ? avcodec_get_name(par->codec_id) : "");
            continue;
        }
        if (avformat_query_codec(e->out->oformat, par->codec_id, FF_COMPLIANCE_NORMAL) != 1) {
            fsr_log(FSR_LOG_WARNING, "%s: stream %u (%s %s) cannot be stored in %s; dropped", s->path, i,
                    av_get_media_type_string(par->codec_type), avcodec_get_name(par->codec_id),
                    e->out->oformat->name);
            continue;
        }
        AVStream *ost = avformat_new_stream(e->out, NULL);
        if (!ost)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        int ret = avcodec_parameters_copy(ost->codecpar, par);
        if (ret < 0)
            return av_fail(e, ret, "cannot copy a stream");
        ost->codecpar->codec_tag = 0; /* let the output container pick its own tag */
        ost->time_base = ist->time_base;
        ost->disposition = ist->disposition;
        av_dict_copy(&ost->metadata, ist->metadata, 0);
        e->stream_map[i] = ost->index;
    }
    return 0;
}

int fsr_encoder_open(FsrEncoder **pe, const FsrEncoderSettings *s)
{
    *pe = NULL;
    int ret = fsr_output_check(s->path, NULL, s->overwrite);
    if (ret < 0)
        return ret;
    FsrEncoder *e = calloc(1, sizeof(*e));
    if (!e)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    snprintf(e->path, sizeof(e->path), "%s", s->path);
    e->in_video_tb = s->in_video->time_base;
    e->last_pts = INT64_MIN;
    e->last_codec_pts = INT64_MIN;
    /* Temporary name in the same folder, so the final rename is atomic; the
     * extension stays so the same muxer is chosen. */
    char dir[PATH_MAX], base[PATH_MAX];
    dir_of(s->path, dir, sizeof(dir));
    snprintf(base, sizeof(base), "%s", s->path);
    snprintf(e->tmp_path, sizeof(e->tmp_path), "%s/.%s.%d.part.%s", dir, basename(base), (int)getpid(),
             file_ext(s->path));
    const AVOutputFormat *of = av_guess_format(NULL, s->path, NULL);
    ret = avformat_alloc_output_context2(&e->out, of, NULL, e->tmp_path);
    if (ret < 0 || !e->out) {
        ret = av_fail(e, ret, "cannot set up the output container");
        goto fail;
    }
    /* No random file identifiers or dates: the same input and options give
     * the same bytes (whatever --threads is). */
    e->out->flags |= AVFMT_FLAG_BITEXACT;
    if ((ret = open_video_encoder(e, s)) < 0 || (ret = add_copied_streams(e, s)) < 0)
        goto fail;
    if (s->in_fmt)
        av_dict_copy(&e->out->metadata, s->in_fmt->metadata, 0);
    if (!(of->flags & AVFMT_NOFILE)) {
        ret = avio_open(&e->out->pb, e->tmp_path, AVIO_FLAG_WRITE);
        if (ret < 0) {
            ret = av_fail(e, ret, "cannot create the output file");
            goto fail;
        }
    }
    AVDictionary *opts = NULL;
    if (e->is_image && !strcmp(of->name, "image2"))
        av_dict_set(&opts, "update", "1", 0); /* one file, not a numbered sequence */
    ret = avformat_write_header(e->out, &opts);
    av_dict_free(&opts);
    if (ret < 0) {
        ret = av_fail(e, ret, "cannot write the output header");
        goto fail;
    }
    e->header_written = 1;
    *pe = e;
    return 0;
fail:
    fsr_encoder_close(&e);
    return ret;
}

static int drain(FsrEncoder *e)
{
    for (;;) {
        int ret = avcodec_receive_packet(e->codec, e->pkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            return av_fail(e, ret, "video encoding failed");
        e->pkt->stream_index = e->video->index;
        av_packet_rescale_ts(e->pkt, e->codec->time_base, e->video->time_base);
        ret = av_interleaved_write_frame(e->out, e->pkt);
        if (ret < 0)
            return av_fail(e, ret, "cannot write video (disk full?)");
    }
}

int fsr_encoder_write(FsrEncoder *e, const FsrPicture *pic, int64_t pts, int64_t duration)
{
    if (pic->w != e->codec->width || pic->h != e->codec->height)
        return fsr_error(FSR_ERR(EINVAL), "encoder: picture is %dx%d, expected %dx%d", pic->w, pic->h,
                         e->codec->width, e->codec->height);
    int ret = av_frame_make_writable(e->frame);
    if (ret < 0)
        return av_fail(e, ret, "cannot allocate a frame");
    AVFrame *f = e->frame;
    if (f->format == AV_PIX_FMT_YUV420P || f->format == AV_PIX_FMT_YUVJ420P) {
        for (int c = 0; c < 3; c++) {
            const int w = c ? fsr_chroma_w(pic->w) : pic->w, h = c ? fsr_chroma_h(pic->h) : pic->h;
            for (int y = 0; y < h; y++)
                memcpy(f->data[c] + y * f->linesize[c], pic->data[c] + y * pic->stride[c], w);
        }
    } else {
        e->sws = sws_getCachedContext(e->sws, pic->w, pic->h, AV_PIX_FMT_YUV420P, f->width, f->height, f->format,
                                      SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, NULL, NULL, NULL);
        if (!e->sws)
            return fsr_error(FSR_ERR_UNSUPPORTED, "%s: cannot convert to %s", e->path,
                             av_get_pix_fmt_name(f->format));
        const int *coef = sws_getCoefficients(e->codec->colorspace == AVCOL_SPC_BT709 ? SWS_CS_ITU709 : SWS_CS_ITU601);
        sws_setColorspaceDetails(e->sws, coef, e->codec->color_range == AVCOL_RANGE_JPEG, coef, 1, 0, 1 << 16,
                                 1 << 16);
        const uint8_t *src[3] = { pic->data[0], pic->data[1], pic->data[2] };
        const int stride[3] = { (int)pic->stride[0], (int)pic->stride[1], (int)pic->stride[2] };
        sws_scale(e->sws, src, stride, 0, pic->h, f->data, f->linesize);
    }
    /* The encoder needs strictly increasing timestamps; input timing is kept
     * as it is (variable frame rate included) unless it is broken. */
    if (pts == AV_NOPTS_VALUE || pts <= e->last_pts)
        pts = e->last_pts == INT64_MIN ? 0 : e->last_pts + (duration > 0 ? duration : 1);
    e->last_pts = pts;
    /* the same time base for x264; another encoder may count frames */
    int64_t cpts = av_rescale_q(pts, e->in_video_tb, e->codec->time_base);
    if (e->last_codec_pts != INT64_MIN && cpts <= e->last_codec_pts)
        cpts = e->last_codec_pts + 1;
    e->last_codec_pts = cpts;
    f->pts = cpts;
    f->pkt_duration = av_rescale_q(duration, e->in_video_tb, e->codec->time_base);
    f->pict_type = AV_PICTURE_TYPE_NONE;
    e->frames++;
    if ((ret = avcodec_send_frame(e->codec, f)) < 0)
        return av_fail(e, ret, "video encoding failed");
    return drain(e);
}

int fsr_encoder_copy_packet(FsrEncoder *e, AVPacket *pkt)
{
    if (!e->stream_map || pkt->stream_index < 0 || pkt->stream_index >= e->nb_in_streams)
        return 0;
    const int oi = e->stream_map[pkt->stream_index];
    if (oi < 0)
        return 0;
    AVStream *ost = e->out->streams[oi];
    /* The muxer may have chosen another time base at write_header. */
    av_packet_rescale_ts(pkt, e->in_tb[pkt->stream_index], ost->time_base);
    pkt->stream_index = oi;
    pkt->pos = -1;
    int ret = av_interleaved_write_frame(e->out, pkt);
    return ret < 0 ? av_fail(e, ret, "cannot write a copied stream") : 0;
}

int fsr_encoder_finish(FsrEncoder *e)
{
    int ret = avcodec_send_frame(e->codec, NULL);
    if (ret < 0 && ret != AVERROR_EOF)
        return av_fail(e, ret, "cannot flush the encoder");
    if ((ret = drain(e)) < 0)
        return ret;
    if ((ret = av_write_trailer(e->out)) < 0)
        return av_fail(e, ret, "cannot finish the output file");
    e->header_written = 0;
    if (e->out->pb && (ret = avio_closep(&e->out->pb)) < 0)
        return av_fail(e, ret, "cannot close the output file (disk full?)");
    if (rename(e->tmp_path, e->path) < 0)
        return fsr_error(FSR_ERR(errno), "%s: cannot move the finished file into place: %s", e->path,
                         strerror(errno));
    e->finished = 1;
    return 0;
}

int fsr_encoder_copied_streams(const FsrEncoder *e)
{
    int n = 0;
    for (int i = 0; i < e->nb_in_streams; i++)
        n += e->stream_map[i] >= 0;
    return n;
}

int64_t fsr_encoder_bytes(const FsrEncoder *e)
{
    struct stat st;
    return stat(e->finished ? e->path : e->tmp_path, &st) == 0 ? (int64_t)st.st_size : 0;
}

void fsr_encoder_close(FsrEncoder **pe)
{
    FsrEncoder *e = *pe;
    if (!e)
        return;
    if (e->out) {
        if (e->out->pb)
            avio_closep(&e->out->pb);
        avformat_free_context(e->out);
    }
    if (!e->finished && e->tmp_path[0])
        unlink(e->tmp_path);
    avcodec_free_context(&e->codec);
    av_frame_free(&e->frame);
    av_packet_free(&e->pkt);
    sws_freeContext(e->sws);
    free(e->stream_map);
    free(e->in_tb);
    free(e);
    *pe = NULL;
}
