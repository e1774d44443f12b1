#include "remux.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/mem.h>
#include <libavutil/sha.h>

#include "avlog.h"
#include "chapters.h"
#include "encode.h"
#include "log.h"

static int av_fail(const char *path, int averr, const char *what)
{
    char buf[128];
    return fsr_error(averr == AVERROR(ENOMEM) ? FSR_ERR(ENOMEM) : FSR_ERR(EIO), "%s: %s (%s)", path, what,
                     fsr_av_err2str(averr, buf, sizeof(buf)));
}

static int open_input(AVFormatContext **fmt, const char *path, int *video)
{
    int ret = avformat_open_input(fmt, path, NULL, NULL);
    if (ret < 0)
        return av_fail(path, ret, "cannot open");
    if ((ret = avformat_find_stream_info(*fmt, NULL)) < 0)
        return av_fail(path, ret, "cannot read the stream information");
    *video = av_find_best_stream(*fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (*video < 0)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: no video stream", path);
    return 0;
}

static int file_sha256(const char *path, char hex[65], int64_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fsr_error(FSR_ERR(errno), "%s: cannot open: %s", path, strerror(errno));
    struct AVSHA *sha = av_sha_alloc();
    uint8_t *buf = malloc(1 << 20);
    int ret = 0;
    if (!sha || !buf) {
        ret = fsr_error(FSR_ERR(ENOMEM), "out of memory");
        goto end;
    }
    av_sha_init(sha, 256);
    size_t got;
    *size = 0;
    while ((got = fread(buf, 1, 1 << 20, f)) > 0) {
        av_sha_update(sha, buf, got);
        *size += (int64_t)got;
    }
    if (ferror(f)) {
        ret = fsr_error(FSR_ERR(EIO), "%s: read error", path);
        goto end;
    }
    uint8_t digest[32];
    av_sha_final(sha, digest);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
end:
    av_free(sha);
    free(buf);
    fclose(f);
    return ret;
}

/* 1 when an H.264 packet holds an IDR slice (NAL type 5), in avcC
 * (length-prefixed, nal_len bytes) or Annex B form (nal_len 0). */
static int h264_has_idr(const uint8_t *p, int size, int nal_len)
{
    if (nal_len > 0) {
        for (int i = 0; i + nal_len < size;) {
            uint32_t len = 0;
            for (int k = 0; k < nal_len; k++)
                len = len << 8 | p[i + k];
            i += nal_len;
            if ((p[i] & 0x1f) == 5)
                return 1;
            if (len > (uint32_t)(size - i))
                return 0;
            i += (int)len;
        }
        return 0;
    }
    for (int i = 0; i + 3 < size; i++)
        if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1 && (p[i + 3] & 0x1f) == 5)
            return 1;
    return 0;
}

int fsr_video_index_scan(FsrVideoIndex *ix, const char *path)
{
    memset(ix, 0, sizeof(*ix));
    int ret = file_sha256(path, ix->sha256, &ix->size);
    if (ret < 0)
        return ret;
    fsr_avlog_install();
    AVFormatContext *fmt = NULL;
    AVPacket *pkt = av_packet_alloc();
    int64_t cap = 0;
    int video;
    if (!pkt) {
        ret = fsr_error(FSR_ERR(ENOMEM), "out of memory");
        goto end;
    }
    if ((ret = open_input(&fmt, path, &video)) < 0)
        goto end;
    const AVCodecParameters *par = fmt->streams[video]->codecpar;
    const int h264 = par->codec_id == AV_CODEC_ID_H264;
    const int nal_len = h264 && par->extradata_size > 4 && par->extradata[0] == 1 ? (par->extradata[4] & 3) + 1 : 0;
    ix->time_base = fmt->streams[video]->time_base;
    while ((ret = av_read_frame(fmt, pkt)) >= 0) {
        if (pkt->stream_index != video) {
            av_packet_unref(pkt);
            continue;
        }
        if (pkt->pts == AV_NOPTS_VALUE) {
            av_packet_unref(pkt);
            ret = fsr_error(FSR_ERR_UNSUPPORTED, "%s: video packet %lld has no timestamp; cannot be cut into segments",
                            path, (long long)ix->n);
            goto end;
        }
        if (ix->n == cap) {
            cap = cap ? 2 * cap : 4096;
            FsrPacketInfo *p = realloc(ix->pkts, sizeof(*p) * (size_t)cap);
            if (!p) {
                av_packet_unref(pkt);
                ret = fsr_error(FSR_ERR(ENOMEM), "out of memory");
                goto end;
            }
            ix->pkts = p;
        }
        FsrPacketInfo *pi = &ix->pkts[ix->n++];
        pi->pts = pkt->pts;
        pi->dts = pkt->dts;
        pi->duration = pkt->duration;
        pi->key = !!(pkt->flags & AV_PKT_FLAG_KEY);
        pi->cut = pi->key && (!h264 || h264_has_idr(pkt->data, pkt->size, nal_len));
        av_packet_unref(pkt);
    }
    if (ret != AVERROR_EOF) {
        ret = av_fail(path, ret, "read error");
        goto end;
    }
    ret = 0;
    if (!ix->n) {
        ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: no video packets", path);
        goto end;
    }
    /* suffix_min[i]: the smallest pts after packet i in decode order */
    int64_t *suffix_min = malloc(sizeof(int64_t) * (size_t)ix->n);
    if (!suffix_min) {
        ret = fsr_error(FSR_ERR(ENOMEM), "out of memory");
        goto end;
    }
    suffix_min[ix->n - 1] = INT64_MAX;
    for (int64_t i = ix->n - 1; i > 0; i--)
        suffix_min[i - 1] = ix->pkts[i].pts < suffix_min[i] ? ix->pkts[i].pts : suffix_min[i];
    int64_t prefix_max = INT64_MIN;
    for (int64_t i = 0; i < ix->n; i++) {
        FsrPacketInfo *pi = &ix->pkts[i];
        /* both kinds: everything before it displays before it, or the
         * segment before would decode frames of this one */
        const int ordered = i == 0 || prefix_max < pi->pts;
        const int closed = ordered && suffix_min[i] > pi->pts;
        pi->cut = i == 0 || (pi->cut && closed);
        pi->open = 0;
        pi->prev_end = i;
        if (!pi->cut && pi->key && ordered) {
            /* the leading pictures: the last packet displaying before it,
             * within FSR_MAX_LEADING packets (a key flag with pictures
             * displaying before it further on is no usable I frame) */
            int64_t last = i, k;
            for (k = i + 1; k < ix->n && k <= i + FSR_MAX_LEADING; k++)
                if (ix->pkts[k].pts < pi->pts)
                    last = k;
            if (k >= ix->n || suffix_min[k - 1] > pi->pts) {
                /* without leading pictures the segment before needs
                 * nothing of it: an open cut that costs nothing */
                pi->open = 1;
                pi->prev_end = last > i ? last + 1 : i;
            }
        }
        if (pi->pts > prefix_max)
            prefix_max = pi->pts;
    }
    free(suffix_min);
end:
    av_packet_free(&pkt);
    avformat_close_input(&fmt);
    if (ret < 0)
        fsr_video_index_free(ix);
    return ret;
}

void fsr_video_index_free(FsrVideoIndex *ix)
{
    free(ix->pkts);
    ix->pkts = NULL;
    ix->n = 0;
}

int fsr_remux_check_output(const char *path)
{
    const AVOutputFormat *of = av_guess_format(NULL, path, NULL);
    if (!of)
        return fsr_error(FSR_ERR(EINVAL), "%s: unknown output extension (use .mp4, .mkv, .mov ...)", path);
    /* the segments' packets are stored as MP4 stores them (length-prefixed
     * NAL units, avcC headers): containers that take them as they are */
    if (!strstr(of->name, "mp4") && !strstr(of->name, "mov") && !strstr(of->name, "matroska"))
        return fsr_error(FSR_ERR_UNSUPPORTED, "%s: segmented runs write .mp4, .mov or .mkv, not '%s'", path,
                         of->name);
    return 0;
}

int fsr_remux_extract(const char *input, int64_t start_pts, int64_t packets, const char *out, int64_t *offset)
{
    *offset = 0;
    fsr_avlog_install();
    AVFormatContext *in = NULL, *o = NULL;
    AVPacket *pkt = av_packet_alloc();
    int video, ret, started = 0;
    if (!pkt)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    if ((ret = open_input(&in, input, &video)) < 0)
        goto end;
    AVStream *ist = in->streams[video];
    if ((ret = avformat_alloc_output_context2(&o, NULL, "nut", out)) < 0 || !o) {
        ret = av_fail(out, ret, "cannot set up the segment's input");
        goto end;
    }
    o->flags |= AVFMT_FLAG_BITEXACT;
    AVStream *ost = avformat_new_stream(o, NULL);
    if (!ost || (ret = avcodec_parameters_copy(ost->codecpar, ist->codecpar)) < 0) {
        ret = fsr_error(FSR_ERR(ENOMEM), "out of memory");
        goto end;
    }
    ost->codecpar->codec_tag = 0;
    ost->time_base = ist->time_base;
    ost->avg_frame_rate = ist->avg_frame_rate;
    ost->r_frame_rate = ist->r_frame_rate;
    ost->sample_aspect_ratio = ist->sample_aspect_ratio;
    if ((ret = avio_open(&o->pb, out, AVIO_FLAG_WRITE)) < 0) {
        ret = av_fail(out, ret, "cannot create");
        goto end;
    }
    if ((ret = avformat_write_header(o, NULL)) < 0) {
        ret = av_fail(out, ret, "cannot write the header");
        goto end;
    }
    if ((ret = av_seek_frame(in, video, start_pts, AVSEEK_FLAG_BACKWARD)) < 0) {
        ret = av_fail(input, ret, "cannot seek to the segment");
        goto end;
    }
    int64_t copied = 0;
    while (copied < packets && (ret = av_read_frame(in, pkt)) >= 0) {
        if (pkt->stream_index != video || (!started && pkt->pts != start_pts)) {
            av_packet_unref(pkt);
            continue;
        }
        /* NUT stores no negative timestamps (the first packets' decode
         * timestamps, with B frames): shifted here, by an amount the
         * caller knows, instead of by the muxer */
        if (!started && pkt->dts != AV_NOPTS_VALUE && pkt->dts < 0)
            *offset = -pkt->dts;
        started = 1;
        copied++;
        if (pkt->pts != AV_NOPTS_VALUE)
            pkt->pts += *offset;
        if (pkt->dts != AV_NOPTS_VALUE)
            pkt->dts += *offset;
        pkt->stream_index = 0;
        pkt->pos = -1;
        av_packet_rescale_ts(pkt, ist->time_base, ost->time_base);
        ret = av_write_frame(o, pkt);
        av_packet_unref(pkt);
        if (ret < 0) {
            ret = av_fail(out, ret, "cannot write (disk full?)");
            goto end;
        }
    }
    if (ret < 0 && ret != AVERROR_EOF) {
        ret = av_fail(input, ret, "read error");
        goto end;
    }
    if (!started) {
        ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: no video packet at pts %lld (the file changed since the plan?)",
                        input, (long long)start_pts);
        goto end;
    }
    if (copied < packets) {
        ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: %lld video packets from pts %lld, not %lld (the file changed since "
                        "the plan?)", input, (long long)copied, (long long)start_pts, (long long)packets);
        goto end;
    }
    if ((ret = av_write_trailer(o)) < 0)
        ret = av_fail(out, ret, "cannot finish");
end:
    av_packet_free(&pkt);
    avformat_close_input(&in);
    if (o) {
        if (o->pb && avio_closep(&o->pb) < 0 && ret >= 0)
            ret = fsr_error(FSR_ERR(EIO), "%s: cannot close (disk full?)", out);
        avformat_free_context(o);
    }
    if (ret < 0)
        unlink(out);
    return ret < 0 ? ret : 0;
}

/* The x264 settings string of a packet's SEI, without the thread counts
 * (they follow the machine's cores and do not change the stream syntax). */
static void x264_options(const AVPacket *pkt, char *out, size_t size)
{
    out[0] = 0;
    static const char tag[] = "options: ";
    for (int i = 0; i + (int)sizeof(tag) < pkt->size; i++) {
        if (memcmp(pkt->data + i, tag, sizeof(tag) - 1))
            continue;
        size_t o = 0;
        const uint8_t *p = pkt->data + i + sizeof(tag) - 1, *e = pkt->data + pkt->size;
        while (p < e && *p) {
            const uint8_t *sp = memchr(p, ' ', (size_t)(e - p));
            const uint8_t *nul = memchr(p, 0, (size_t)(e - p));
            const uint8_t *end = sp && (!nul || sp < nul) ? sp : nul ? nul : e;
            const size_t len = (size_t)(end - p);
            if (strncmp((const char *)p, "threads=", 8) && strncmp((const char *)p, "lookahead_threads=", 18) &&
                o + len + 2 < size) {
                memcpy(out + o, p, len);
                o += len;
                out[o++] = ' ';
            }
            p = end < e && *end == ' ' ? end + 1 : end;
            if (end < e && *end == 0)
                break;
        }
        out[o] = 0;
        return;
    }
}

int fsr_segment_file_probe(FsrSegmentFile *sf, const char *path, AVRational tb)
{
    memset(sf, 0, sizeof(*sf));
    fsr_avlog_install();
    AVFormatContext *fmt = NULL;
    AVPacket *pkt = av_packet_alloc();
    int video, ret;
    if (!pkt)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    if ((ret = open_input(&fmt, path, &video)) < 0)
        goto end;
    const AVStream *st = fmt->streams[video];
    sf->width = st->codecpar->width;
    sf->height = st->codecpar->height;
    if (st->codecpar->extradata_size > (int)sizeof(sf->extradata)) {
        ret = fsr_error(FSR_ERR_UNSUPPORTED, "%s: codec headers too large", path);
        goto end;
    }
    sf->extradata_size = st->codecpar->extradata_size;
    if (sf->extradata_size)
        memcpy(sf->extradata, st->codecpar->extradata, (size_t)sf->extradata_size);
    sf->first_pts = INT64_MAX;
    while ((ret = av_read_frame(fmt, pkt)) >= 0) {
        if (pkt->stream_index == video) {
            if (!sf->packets)
                x264_options(pkt, sf->x264_options, sizeof(sf->x264_options));
            if (pkt->pts != AV_NOPTS_VALUE) {
                const int64_t pts = av_rescale_q(pkt->pts, st->time_base, tb);
                if (pts < sf->first_pts)
                    sf->first_pts = pts;
            }
            sf->packets++;
        }
        av_packet_unref(pkt);
    }
    ret = ret == AVERROR_EOF ? 0 : av_fail(path, ret, "read error");
    if (!ret && !sf->packets)
        ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: no video packets", path);
end:
    av_packet_free(&pkt);
    avformat_close_input(&fmt);
    return ret;
}

/* The merge's state: the input (other streams), the segment being read,
 * the output. */
typedef struct Concat {
    AVFormatContext *in, *seg, *out;
    int in_video, seg_video;
    int *map;                 /* input stream -> output stream or -1 */
    AVPacket *vp, *ap;        /* next video packet / next packet of a copied stream */
    int have_vp, have_ap;
    int seg_index;
    int64_t shift;            /* added to the segment's timestamps (input video time base) */
    AVRational vtb;           /* input video time base */
    char tmp[2 * PATH_MAX + 32];
    const char *output;
} Concat;

static int concat_open_segment(Concat *c, const char *path, int64_t start)
{
    avformat_close_input(&c->seg);
    FsrSegmentFile sf;
    int ret = fsr_segment_file_probe(&sf, path, c->vtb);
    if (ret < 0 || (ret = open_input(&c->seg, path, &c->seg_video)) < 0)
        return ret;
    c->shift = start - sf.first_pts;
    return 0;
}

/* The next video packet, from this segment or the ones after it. */
static int concat_next_video(Concat *c, const char *const *segs, const int64_t *starts, int n)
{
    c->have_vp = 0;
    while (c->seg_index < n) {
        int ret;
        if (!c->seg && (ret = concat_open_segment(c, segs[c->seg_index], starts[c->seg_index])) < 0)
            return ret;
        while ((ret = av_read_frame(c->seg, c->vp)) >= 0) {
            if (c->vp->stream_index != c->seg_video) {
                av_packet_unref(c->vp);
                continue;
            }
            const AVRational stb = c->seg->streams[c->seg_video]->time_base;
            AVPacket *p = c->vp;
            p->pts = av_rescale_q(p->pts, stb, c->vtb) + c->shift;
            p->dts = p->dts == AV_NOPTS_VALUE ? AV_NOPTS_VALUE : av_rescale_q(p->dts, stb, c->vtb) + c->shift;
            p->duration = av_rescale_q(p->duration, stb, c->vtb);
            p->stream_index = 0;
            p->pos = -1;
            c->have_vp = 1;
            return 0;
        }
        if (ret != AVERROR_EOF)
            return av_fail(segs[c->seg_index], ret, "read error");
        avformat_close_input(&c->seg);
        c->seg_index++;
    }
    return 0;
}

static int concat_next_other(Concat *c, const char *input)
{
    c->have_ap = 0;
    int ret;
    while ((ret = av_read_frame(c->in, c->ap)) >= 0) {
        if (c->map[c->ap->stream_index] >= 0) {
            c->have_ap = 1;
            return 0;
        }
        av_packet_unref(c->ap);
    }
    return ret == AVERROR_EOF ? 0 : av_fail(input, ret, "read error");
}

/* The output's streams, set up as the encoder does for a single run
 * (encode.c): the video stream's timing, aspect ratio, metadata and side
 * data from the input, its codec from the first segment; audio and
 * subtitles copied. */
static int concat_streams(Concat *c, const char *first_seg, const char *output)
{
    AVFormatContext *seg = NULL;
    int sv, ret;
    if ((ret = open_input(&seg, first_seg, &sv)) < 0)
        return ret;
    const AVStream *in = c->in->streams[c->in_video];
    AVStream *v = avformat_new_stream(c->out, NULL);
    if (!v || (ret = avcodec_parameters_copy(v->codecpar, seg->streams[sv]->codecpar)) < 0) {
        avformat_close_input(&seg);
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    }
    /* HDR metadata the encoder took from the input's frames (HEVC SEI),
     * which the input stream does not have */
    static const enum AVPacketSideDataType hdr[] = { AV_PKT_DATA_MASTERING_DISPLAY_METADATA,
                                                     AV_PKT_DATA_CONTENT_LIGHT_LEVEL };
    for (int i = 0; i < 2; i++) {
        size_t size = 0;
        const uint8_t *d = av_stream_get_side_data(seg->streams[sv], hdr[i], &size);
        uint8_t *dst = d && !av_stream_get_side_data(in, hdr[i], NULL) ? av_stream_new_side_data(v, hdr[i], size) : NULL;
        if (dst)
            memcpy(dst, d, size);
    }
    avformat_close_input(&seg);
    v->codecpar->codec_tag = 0;
    v->time_base = in->time_base;
    v->avg_frame_rate = in->avg_frame_rate;
    v->r_frame_rate = in->r_frame_rate;
    v->sample_aspect_ratio = in->sample_aspect_ratio.num ? in->sample_aspect_ratio : in->codecpar->sample_aspect_ratio;
    v->codecpar->sample_aspect_ratio = v->sample_aspect_ratio;
    av_dict_copy(&v->metadata, in->metadata, 0);
    for (int i = 0; i < in->nb_side_data; i++) {
        const AVPacketSideData *sd = &in->side_data[i];
        uint8_t *dst = av_stream_new_side_data(v, sd->type, sd->size);
        if (dst)
            memcpy(dst, sd->data, sd->size);
    }
    c->map = malloc(sizeof(int) * (c->in->nb_streams + 1));
    if (!c->map)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    for (unsigned i = 0; i < c->in->nb_streams; i++) {
        c->map[i] = -1;
        const AVStream *ist = c->in->streams[i];
        const AVCodecParameters *par = ist->codecpar;
        if ((int)i == c->in_video || fsr_is_chapter_track(c->in, i))
            continue;
        if (par->codec_type != AVMEDIA_TYPE_AUDIO && par->codec_type != AVMEDIA_TYPE_SUBTITLE) {
            fsr_log(FSR_LOG_WARNING, "%s: stream %u (%s) is not copied (only audio and subtitles are); dropped",
                    output, i, av_get_media_type_string(par->codec_type));
            continue;
        }
        if (avformat_query_codec(c->out->oformat, par->codec_id, FF_COMPLIANCE_NORMAL) != 1) {
            fsr_log(FSR_LOG_WARNING, "%s: stream %u (%s) cannot be stored in %s; dropped", output, i,
                    avcodec_get_name(par->codec_id), c->out->oformat->name);
            continue;
        }
        AVStream *ost = avformat_new_stream(c->out, NULL);
        if (!ost || avcodec_parameters_copy(ost->codecpar, par) < 0)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        ost->codecpar->codec_tag = 0;
        ost->time_base = ist->time_base;
        ost->disposition = ist->disposition;
        av_dict_copy(&ost->metadata, ist->metadata, 0);
        c->map[i] = ost->index;
    }
    av_dict_copy(&c->out->metadata, c->in->metadata, 0);
    return fsr_copy_chapters(c->out, c->in);
}

static int concat_write(Concat *c, const char *const *segs, const int64_t *starts, int n, const char *input)
{
    int ret;
    if ((ret = concat_next_video(c, segs, starts, n)) < 0 || (ret = concat_next_other(c, input)) < 0)
        return ret;
    while (c->have_vp || c->have_ap) {
        const int video = c->have_vp && (!c->have_ap || av_compare_ts(c->vp->dts, c->vtb, c->ap->dts,
                                                                      c->in->streams[c->ap->stream_index]->time_base) <= 0);
        AVPacket *p = video ? c->vp : c->ap;
        if (video) {
            av_packet_rescale_ts(p, c->vtb, c->out->streams[0]->time_base);
        } else {
            const int oi = c->map[p->stream_index];
            av_packet_rescale_ts(p, c->in->streams[p->stream_index]->time_base, c->out->streams[oi]->time_base);
            p->stream_index = oi;
            p->pos = -1;
        }
        if ((ret = av_interleaved_write_frame(c->out, p)) < 0)
            return av_fail(c->output, ret, "cannot write (disk full?)");
        if ((ret = video ? concat_next_video(c, segs, starts, n) : concat_next_other(c, input)) < 0)
            return ret;
    }
    return 0;
}

int fsr_remux_concat(const char *input, const char *const *segs, const int64_t *starts, int n, const char *output,
                     int overwrite)
{
    int ret = fsr_output_check(output, input, overwrite, NULL);
    if (ret < 0)
        return ret;
    if (n < 1)
        return fsr_error(FSR_ERR(EINVAL), "%s: no segments to merge", output);
    fsr_avlog_install();
    Concat c = { .output = output };
    char dir[PATH_MAX], base[PATH_MAX], tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", output);
    snprintf(dir, sizeof(dir), "%s", dirname(tmp));
    snprintf(tmp, sizeof(tmp), "%s", output);
    snprintf(base, sizeof(base), "%s", basename(tmp));
    const char *dot = strrchr(base, '.');
    snprintf(c.tmp, sizeof(c.tmp), "%s/.%s.%d.part%s", dir, base, (int)getpid(), dot ? dot : "");
    c.vp = av_packet_alloc();
    c.ap = av_packet_alloc();
    if (!c.vp || !c.ap) {
        ret = fsr_error(FSR_ERR(ENOMEM), "out of memory");
        goto end;
    }
    if ((ret = open_input(&c.in, input, &c.in_video)) < 0)
        goto end;
    c.vtb = c.in->streams[c.in_video]->time_base;
    const AVOutputFormat *of = av_guess_format(NULL, output, NULL);
    if ((ret = avformat_alloc_output_context2(&c.out, of, NULL, c.tmp)) < 0 || !c.out) {
        ret = av_fail(output, ret, "cannot set up the output container");
        goto end;
    }
    c.out->flags |= AVFMT_FLAG_BITEXACT;
    if ((ret = concat_streams(&c, segs[0], output)) < 0)
        goto end;
    if ((ret = avio_open(&c.out->pb, c.tmp, AVIO_FLAG_WRITE)) < 0) {
        ret = av_fail(output, ret, "cannot create the output file");
        goto end;
    }
    if ((ret = avformat_write_header(c.out, NULL)) < 0) {
        ret = av_fail(output, ret, "cannot write the output header");
        goto end;
    }
    if ((ret = concat_write(&c, segs, starts, n, input)) < 0)
        goto end;
    if ((ret = av_write_trailer(c.out)) < 0) {
        ret = av_fail(output, ret, "cannot finish the output file");
        goto end;
    }
    if ((ret = avio_closep(&c.out->pb)) < 0) {
        ret = av_fail(output, ret, "cannot close the output file (disk full?)");
        goto end;
    }
    if (rename(c.tmp, output) < 0)
        ret = fsr_error(FSR_ERR(errno), "%s: cannot move the finished file into place: %s", output, strerror(errno));
end:
    av_packet_free(&c.vp);
    av_packet_free(&c.ap);
    avformat_close_input(&c.seg);
    avformat_close_input(&c.in);
    if (c.out) {
        if (c.out->pb)
            avio_closep(&c.out->pb);
        avformat_free_context(c.out);
    }
    free(c.map);
    if (ret < 0)
        unlink(c.tmp);
    return ret < 0 ? ret : 0;
}
