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
#include "chapters.h"
#include "log.h"

struct FsrEncoder {
    AVFormatContext *out;
    AVCodecContext *codec;
    AVStream *video;
    AVFrame *frame;       /* what the encoder is given */
    AVPacket *pkt;
    struct SwsContext *sws; /* 4:2:0 at the output depth -> the encoder's format */
    int depth;            /* output bits per sample: 8 or 10 */
    FsrPicture stage;     /* a picture converted to the output depth */
    FsrHdrMeta hdr;
    int *stream_map;      /* input stream index -> output stream index or -1 */
    AVRational *in_tb;    /* input stream time bases, for copied packets */
    int nb_in_streams;
    AVRational in_video_tb;
    int64_t last_pts;
    int64_t frames;
    int header_written, finished, is_image;
    /* An HDR input whose stream does not say its HDR metadata: the header
     * waits for the first decoded frame (fsr_encoder_first_frame), which
     * may reopen the video encoder with what the frame says; copied packets
     * wait in `held` meanwhile. */
    int wait_first;
    FsrEncoderSettings settings; /* for that reopening (first_frame NULL) */
    /* the colour description the encoder first opened with: reopening on
     * the encoder thread does not read the decoder's context */
    int have_colour;
    enum AVColorRange range;
    enum AVColorPrimaries primaries;
    enum AVColorTransferCharacteristic trc;
    enum AVColorSpace space;
    enum AVChromaLocation chroma_loc;
    AVPacket **held;
    int nb_held, held_size;
    int to_stdout;        /* path "-": no temporary file, no rename */
    int64_t stdout_bytes;
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

/* The muxer: format by name (ffmpeg -f), else the one for path's
 * extension; NULL when neither names one. */
static const AVOutputFormat *output_format(const char *path, const char *format)
{
    if (!format && !strcmp(path, "-"))
        format = FSR_STDOUT_DEFAULT_FORMAT;
    return format ? av_guess_format(format, NULL, NULL) : av_guess_format(NULL, path, NULL);
}

int fsr_output_ext(const char *input, const char *format, const char *encoder, char *ext, size_t size)
{
    if (format) {
        const AVOutputFormat *of = av_guess_format(format, NULL, NULL);
        if (!of)
            return fsr_error(FSR_ERR(EINVAL), "unknown output format '%s' (ffmpeg -muxers lists them)", format);
        const char *list = of->extensions ? of->extensions : of->name;
        const size_t n = strcspn(list, ",");
        snprintf(ext, size, "%.*s", (int)(n < size ? n : size - 1), list);
        return 0;
    }
    const char *in_ext = file_ext(input);
    char probe[64];
    snprintf(probe, sizeof(probe), "x.%s", in_ext);
    const AVOutputFormat *of = *in_ext && strlen(in_ext) < 32 ? av_guess_format(NULL, probe, NULL) : NULL;
    int keep = 0;
    if (of && (!strcmp(of->name, "image2") || of->video_codec == AV_CODEC_ID_WRAPPED_AVFRAME)) {
        keep = !encoder; /* pictures in, pictures out */
    } else if (of) {
        const AVCodec *c = avcodec_find_encoder_by_name(encoder ? encoder : "libx264");
        keep = c && avformat_query_codec(of, c->id, FF_COMPLIANCE_NORMAL) == 1;
    }
    snprintf(ext, size, "%s", keep ? in_ext : "mkv");
    return 0;
}

int fsr_output_check(const char *path, const char *input, int overwrite, const char *format)
{
    if (!path || !*path)
        return fsr_error(FSR_ERR(EINVAL), "no output file given");
    const AVOutputFormat *of = output_format(path, format);
    if (format && !of)
        return fsr_error(FSR_ERR(EINVAL), "unknown output format '%s' (ffmpeg -muxers lists them: matroska, mpegts, "
                         "yuv4mpegpipe, mp4 ...)", format);
    if (!strcmp(path, "-")) {
        if (of->flags & AVFMT_NOFILE)
            return fsr_error(FSR_ERR(EINVAL), "format '%s' cannot be written to stdout (use matroska, mpegts or "
                             "yuv4mpegpipe)", of->name);
        return 0;
    }
    if (!format && !*file_ext(path))
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

/* The encoder for a moving-picture output: the one named, else libx264, or
 * the raw-picture codec of a muxer that only takes those (y4m). */
static int pick_encoder(const AVOutputFormat *of, const FsrEncoderSettings *s, const AVCodec **out)
{
    const int raw_muxer = of->video_codec == AV_CODEC_ID_WRAPPED_AVFRAME || of->video_codec == AV_CODEC_ID_RAWVIDEO;
    const AVCodec *codec;
    if (!s->encoder && raw_muxer) {
        codec = avcodec_find_encoder(of->video_codec);
    } else {
        const char *name = s->encoder ? s->encoder : "libx264";
        codec = avcodec_find_encoder_by_name(name);
        if (!codec && !s->encoder)
            return fsr_error(FSR_ERR_UNSUPPORTED, "this FFmpeg has no libx264 encoder (apt-get install libavcodec59)");
        if (!codec)
            return fsr_error(FSR_ERR_UNSUPPORTED, "encoder '%s' is not in this FFmpeg (ffmpeg -encoders lists those "
                             "present)", name);
        if (codec->type != AVMEDIA_TYPE_VIDEO)
            return fsr_error(FSR_ERR(EINVAL), "encoder '%s' is not a video encoder", name);
    }
    if (!codec)
        return fsr_error(FSR_ERR_UNSUPPORTED, "%s: no encoder for the container '%s'", s->path, of->name);
    /* 0: the muxer knows it cannot; < 0: it does not say (MPEG-TS), and
     * writing the header decides */
    if (avformat_query_codec(of, codec->id, FF_COMPLIANCE_NORMAL) == 0)
        return fsr_error(FSR_ERR_UNSUPPORTED, "%s: container '%s' cannot hold %s video (encoder %s)", s->path, of->name,
                         avcodec_get_name(codec->id), codec->name);
    *out = codec;
    return 0;
}

static int is_hardware(const AVCodec *codec)
{
    return (codec->capabilities & AV_CODEC_CAP_HARDWARE) || avcodec_get_hw_config(codec, 0);
}

/* The pixel format handed to the encoder: 4:2:0 as fastsr makes it when the
 * encoder takes it, else the closest software format it takes (converted by
 * libswscale). */
static int pick_pix_fmt(const AVCodec *codec, int depth, enum AVPixelFormat *out)
{
    const enum AVPixelFormat *list = codec->pix_fmts;
    if (depth > 8) {
        /* 10 bits: 4:2:0 at 10 bits or nothing (a lossy conversion to
         * another format at this point would defeat the purpose) */
        *out = AV_PIX_FMT_YUV420P10;
        int p010 = 0;
        for (const enum AVPixelFormat *p = list; p && *p != AV_PIX_FMT_NONE; p++) {
            if (*p == AV_PIX_FMT_YUV420P10)
                return 0;
            p010 |= *p == AV_PIX_FMT_P010;
        }
        if (!list)
            return 0; /* raw video takes any format */
        if (p010) {
            *out = AV_PIX_FMT_P010; /* the hardware encoders' 10-bit 4:2:0: the same samples, interleaved by sws */
            return 0;
        }
        return fsr_error(FSR_ERR_UNSUPPORTED, "%s has no 10-bit 4:2:0 format; choose libx265, libx264, libsvtav1 or "
                         "libvpx-vp9, or --output-depth 8", codec->name);
    }
    if (!list) {
        *out = AV_PIX_FMT_YUV420P;
        return 0;
    }
    enum AVPixelFormat soft[64];
    int n = 0;
    for (const enum AVPixelFormat *p = list; *p != AV_PIX_FMT_NONE && n < 63; p++) {
        if (*p == AV_PIX_FMT_YUV420P) {
            *out = *p;
            return 0;
        }
        const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(*p);
        if (d && !(d->flags & AV_PIX_FMT_FLAG_HWACCEL) && sws_isSupportedOutput(*p))
            soft[n++] = *p;
    }
    soft[n] = AV_PIX_FMT_NONE;
    if (!n)
        return fsr_error(FSR_ERR_UNSUPPORTED, "%s takes only frames in hardware memory (%s); fastsr gives the encoder "
                         "frames in system memory: use a software encoder, or one that uploads frames itself "
                         "(h264_nvenc, hevc_nvenc)", codec->name, av_get_pix_fmt_name(list[0]));
    *out = avcodec_find_best_pix_fmt_of_list(soft, AV_PIX_FMT_YUV420P, 0, NULL);
    return 0;
}

/* Range of --crf per encoder: x264/x265 0..51, the AV1 and VP9 encoders
 * 0..63; another encoder with a "crf" option: the option's own range. */
static void crf_range(const AVCodecContext *c, const AVOption *o, int *lo, int *hi)
{
    const char *n = c->codec->name;
    if (!strcmp(n, "libx264") || !strcmp(n, "libx264rgb") || !strcmp(n, "libx265")) {
        *lo = 0, *hi = 51;
    } else if (!strcmp(n, "libsvtav1") || !strcmp(n, "libaom-av1") || !strcmp(n, "libvpx-vp9") ||
               !strcmp(n, "librav1e")) {
        *lo = 0, *hi = 63;
    } else {
        *lo = o->min > 0 ? (int)o->min : 0;
        *hi = o->max < 63 ? (int)o->max : 63;
    }
}

/* --crf, --preset, --x264-params and --encoder-opts, each set on the
 * encoder when it has such a setting and refused with one line when not.
 * Unset (crf < 0, NULL) means the encoder's own default, except for
 * libx264: crf 18, preset medium (fastsr's output before --encoder). */
static int set_rate_options(AVCodecContext *c, const FsrEncoderSettings *s, AVDictionary **opts)
{
    const char *name = c->codec->name;
    const int x264 = !strcmp(name, "libx264") || !strcmp(name, "libx264rgb");
    const int crf = s->crf < 0 && x264 ? 18 : s->crf;
    const char *preset = !s->preset && x264 ? "medium" : s->preset;
    if (crf >= 0) {
        const AVOption *o = av_opt_find(c->priv_data, "crf", NULL, 0, 0);
        if (!o)
            return fsr_error(FSR_ERR(EINVAL), "encoder %s has no constant-quality setting for --crf; leave --crf out "
                             "(or set its own options with --encoder-opts)", name);
        int lo, hi;
        crf_range(c, o, &lo, &hi);
        if (crf < lo || crf > hi)
            return fsr_error(FSR_ERR(EINVAL), "--crf %d is outside %s's range %d..%d", crf, name, lo, hi);
        char v[16];
        snprintf(v, sizeof(v), "%d", crf);
        if (av_opt_set(c->priv_data, "crf", v, 0) < 0)
            return fsr_error(FSR_ERR(EINVAL), "encoder %s refuses --crf %d", name, crf);
        /* VP9 and AV1 (libaom) are in constant-quality mode only without a
         * target bit rate */
        c->bit_rate = 0;
    }
    /* x264 and x265 check a preset name only when they open, after
     * printing their own line: checked here, with the names */
    static const char *const x26x_presets[] = { "ultrafast", "superfast", "veryfast", "faster", "fast", "medium",
                                                "slow", "slower", "veryslow", "placebo", NULL };
    if (preset && (x264 || !strcmp(name, "libx265"))) {
        int i = 0;
        while (x26x_presets[i] && strcmp(x26x_presets[i], preset))
            i++;
        if (!x26x_presets[i])
            return fsr_error(FSR_ERR(EINVAL), "bad %s preset '%s' (ultrafast, superfast, veryfast, faster, fast, "
                             "medium, slow, slower, veryslow or placebo)", x264 ? "x264" : "x265", preset);
    }
    if (preset) {
        const AVOption *o = av_opt_find(c->priv_data, "preset", NULL, 0, 0);
        if (!o)
            return fsr_error(FSR_ERR(EINVAL), "encoder %s has no presets; leave --preset out (its speed settings go "
                             "in --encoder-opts, e.g. cpu-used=4)", name);
        if (av_opt_set(c->priv_data, "preset", preset, 0) < 0)
            return fsr_error(FSR_ERR(EINVAL), "bad %s preset '%s'%s", x264 ? "x264" : name, preset,
                             o->type == AV_OPT_TYPE_INT ? " (it takes a number)" : "");
    }
    if (s->x264_params && *s->x264_params) {
        if (!x264)
            return fsr_error(FSR_ERR(EINVAL), "--x264-params is for libx264, not %s (use --encoder-opts for %s's own "
                             "options)", name, name);
        if (av_opt_set(c->priv_data, "x264-params", s->x264_params, 0) < 0)
            return fsr_error(FSR_ERR(EINVAL), "bad x264 parameters '%s'", s->x264_params);
    }
    if (s->encoder_opts && *s->encoder_opts && av_dict_parse_string(opts, s->encoder_opts, "=", ":", 0) < 0)
        return fsr_error(FSR_ERR(EINVAL), "%s options must be key=value:key=value, not '%s'", s->encoder ? s->encoder : "encoder", s->encoder_opts);
    /* x265 prints its settings on stderr itself: only its problems, as
     * fastsr's other stages do, unless its options say otherwise */
    if (!strcmp(name, "libx265") && !av_dict_get(*opts, "x265-params", NULL, 0) && !fsr_log_enabled(FSR_LOG_DEBUG))
        av_dict_set(opts, "x265-params", fsr_log_enabled(FSR_LOG_WARNING) ? "log-level=warning" : "log-level=error",
                    0);
    return 0;
}

int fsr_hdr_meta_from_frame(FsrHdrMeta *m, const AVFrame *frame)
{
    const AVFrameSideData *sd;
    int added = 0;
    if (!m->has_mastering && (sd = av_frame_get_side_data(frame, AV_FRAME_DATA_MASTERING_DISPLAY_METADATA)) &&
        sd->size >= sizeof(m->mastering)) {
        memcpy(&m->mastering, sd->data, sizeof(m->mastering));
        m->has_mastering = added = 1;
    }
    if (!m->has_light && (sd = av_frame_get_side_data(frame, AV_FRAME_DATA_CONTENT_LIGHT_LEVEL)) &&
        sd->size >= sizeof(m->light)) {
        memcpy(&m->light, sd->data, sizeof(m->light));
        m->has_light = added = 1;
    }
    return added;
}

void fsr_encoder_hdr(const FsrEncoder *e, FsrHdrMeta *meta)
{
    *meta = e->hdr;
}

/* The input stream's HDR side data, then the first frame's for what the
 * stream lacks. */
static void gather_hdr(FsrHdrMeta *m, const AVStream *in, const AVFrame *first)
{
    size_t size = 0;
    const uint8_t *d = av_stream_get_side_data(in, AV_PKT_DATA_MASTERING_DISPLAY_METADATA, &size);
    if (d && size >= sizeof(m->mastering)) {
        memcpy(&m->mastering, d, sizeof(m->mastering));
        m->has_mastering = 1;
    }
    d = av_stream_get_side_data(in, AV_PKT_DATA_CONTENT_LIGHT_LEVEL, &size);
    if (d && size >= sizeof(m->light)) {
        memcpy(&m->light, d, sizeof(m->light));
        m->has_light = 1;
    }
    if (first)
        fsr_hdr_meta_from_frame(m, first);
}

/* q in units of 1/unit, rounded */
static long long q_units(AVRational q, int unit)
{
    return q.den > 0 ? (long long)av_rescale_rnd(q.num, unit, q.den, AV_ROUND_NEAR_INF) : 0;
}

/* The HDR metadata in the bitstream: libx265's master-display and max-cll
 * (with hdr10 signalling), libx264's mastering-display and cll, both in
 * 0.00002 units for chromaticities and 0.0001 cd/m2 for luminance; put
 * before the user's own x265-params / x264-params, so that theirs win. */
static int set_hdr_options(AVCodecContext *c, const FsrEncoder *e, const FsrEncoderSettings *s, AVDictionary **opts)
{
    const FsrHdrMeta *m = &e->hdr;
    const char *name = c->codec->name;
    const int x265 = !strcmp(name, "libx265"), x264 = !strcmp(name, "libx264");
    const int mastering = m->has_mastering && m->mastering.has_primaries && m->mastering.has_luminance;
    if (!mastering && !m->has_light)
        return 0;
    if (!x265 && !x264) {
        if (c->codec->id != AV_CODEC_ID_RAWVIDEO && c->codec->id != AV_CODEC_ID_WRAPPED_AVFRAME)
            fsr_log(FSR_LOG_WARNING, "%s: %s does not write the HDR mastering display and light level metadata into "
                    "the video; only the container carries them (libx265 and libx264 write them)", e->path, name);
        return 0;
    }
    char p[512];
    int n = 0;
    if (x265)
        /* (x265 turns repeat-headers on for HDR itself, with a warning) */
        n += snprintf(p + n, sizeof(p) - n, "hdr10=1:repeat-headers=1:%s",
                      e->depth > 8 && c->color_trc == AVCOL_TRC_SMPTE2084 ? "hdr10-opt=1:" : "");
    if (mastering) {
        const AVMasteringDisplayMetadata *md = &m->mastering;
        /* display_primaries is in R, G, B order; the option takes G, B, R */
        n += snprintf(p + n, sizeof(p) - n, "%s=G(%lld,%lld)B(%lld,%lld)R(%lld,%lld)WP(%lld,%lld)L(%lld,%lld):",
                      x265 ? "master-display" : "mastering-display", q_units(md->display_primaries[1][0], 50000),
                      q_units(md->display_primaries[1][1], 50000), q_units(md->display_primaries[2][0], 50000),
                      q_units(md->display_primaries[2][1], 50000), q_units(md->display_primaries[0][0], 50000),
                      q_units(md->display_primaries[0][1], 50000), q_units(md->white_point[0], 50000),
                      q_units(md->white_point[1], 50000), q_units(md->max_luminance, 10000),
                      q_units(md->min_luminance, 10000));
    }
    if (m->has_light)
        n += snprintf(p + n, sizeof(p) - n, "%s=%u,%u:", x265 ? "max-cll" : "cll", m->light.MaxCLL,
                      m->light.MaxFALL);
    /* Each part is far shorter than p and one was written (mastering or
     * light level, above); said so for the compiler, which warned of
     * p[-1] in sanitizer builds. */
    if (n <= 0 || (size_t)n >= sizeof(p))
        return fsr_error(FSR_ERR(EINVAL), "%s: HDR metadata options too long", e->path);
    p[n - 1] = 0; /* the last ':' */
    const char *key = x265 ? "x265-params" : "x264-params";
    const AVDictionaryEntry *user = av_dict_get(*opts, key, NULL, 0);
    char merged[2048];
    snprintf(merged, sizeof(merged), "%s%s%s%s%s", p, x264 && s->x264_params && *s->x264_params ? ":" : "",
             x264 && s->x264_params ? s->x264_params : "", user ? ":" : "", user ? user->value : "");
    fsr_log(FSR_LOG_DEBUG, "%s: HDR metadata in the bitstream: %s=%s", e->path, key, merged);
    return av_dict_set(opts, key, merged, 0) < 0 ? fsr_error(FSR_ERR(ENOMEM), "out of memory") : 0;
}

static int open_video_encoder(FsrEncoder *e, const FsrEncoderSettings *s)
{
    const AVOutputFormat *of = e->out->oformat;
    const AVCodec *codec = NULL;
    int ret;
    e->is_image = !strcmp(of->name, "image2") || !strcmp(of->name, "apng") || !strcmp(of->name, "gif");
    if (e->is_image) {
        if (s->encoder)
            return fsr_error(FSR_ERR(EINVAL), "%s: --encoder does not apply to image outputs (the image type picks "
                             "the codec)", s->path);
        enum AVCodecID id = av_guess_codec(of, NULL, s->path, NULL, AVMEDIA_TYPE_VIDEO);
        codec = avcodec_find_encoder(id);
        if (!codec)
            return fsr_error(FSR_ERR_UNSUPPORTED, "%s: no encoder for this image type", s->path);
    } else if ((ret = pick_encoder(of, s, &codec)) < 0) {
        return ret;
    }
    AVCodecContext *c = e->codec = avcodec_alloc_context3(codec);
    if (!c)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    const AVStream *in = s->in_video;
    const AVCodecContext *ic = s->in_codec;
    const AVCodecParameters *ip = in->codecpar;
    if (s->depth != 0 && s->depth != 8 && s->depth != 10)
        return fsr_error(FSR_ERR(EINVAL), "output depth %d bits not supported (8 or 10)", s->depth);
    e->depth = s->depth == 10 && !e->is_image ? 10 : 8;
    /* y4m's 10-bit 4:2:0 (C420p10) is not in its original specification;
     * x264, x265 and FFmpeg read it */
    if (e->depth > 8 && !strcmp(of->name, "yuv4mpegpipe"))
        e->out->strict_std_compliance = FF_COMPLIANCE_UNOFFICIAL;
    gather_hdr(&e->hdr, in, s->first_frame);
    c->width = s->width;
    c->height = s->height;
    c->time_base = in->time_base;
    c->framerate = in->avg_frame_rate.num ? in->avg_frame_rate : in->r_frame_rate;
    c->sample_aspect_ratio = in->sample_aspect_ratio.num ? in->sample_aspect_ratio : in->codecpar->sample_aspect_ratio;
    /* the decoder's (or the stream's) colour description, completed from
     * the first frame's where they leave something unspecified */
    if (!e->have_colour) {
        e->range = ic ? ic->color_range : ip->color_range;
        e->primaries = ic ? ic->color_primaries : ip->color_primaries;
        e->trc = ic ? ic->color_trc : ip->color_trc;
        e->space = ic ? ic->colorspace : ip->color_space;
        e->chroma_loc = ic ? ic->chroma_sample_location : ip->chroma_location;
        e->have_colour = 1;
    }
    c->color_range = e->range;
    c->color_primaries = e->primaries;
    c->color_trc = e->trc;
    c->colorspace = e->space;
    c->chroma_sample_location = e->chroma_loc;
    const AVFrame *ff = s->first_frame;
    if (ff && c->color_range == AVCOL_RANGE_UNSPECIFIED)
        c->color_range = ff->color_range;
    if (ff && c->color_primaries == AVCOL_PRI_UNSPECIFIED)
        c->color_primaries = ff->color_primaries;
    if (ff && c->color_trc == AVCOL_TRC_UNSPECIFIED)
        c->color_trc = ff->color_trc;
    if (ff && c->colorspace == AVCOL_SPC_UNSPECIFIED)
        c->colorspace = ff->colorspace;
    if (ff && c->chroma_sample_location == AVCHROMA_LOC_UNSPECIFIED)
        c->chroma_sample_location = ff->chroma_location;
    /* x264 keeps its own automatic thread count: --threads sizes fastsr's
     * stages only, so the bitstream is the same for any --threads. */
    c->thread_count = 0;
    AVDictionary *opts = NULL;
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
    } else {
        /* y4m and the like hold raw pictures: nothing is encoded, so the
         * rate options, unless an encoder was named, have nothing to set */
        const int raw = !s->encoder && (codec->id == AV_CODEC_ID_WRAPPED_AVFRAME || codec->id == AV_CODEC_ID_RAWVIDEO);
        if (raw && (s->crf >= 0 || s->preset || (s->x264_params && *s->x264_params)))
            fsr_log(FSR_LOG_WARNING, "%s: %s holds raw pictures; --crf, --preset and --x264-params do not apply",
                    e->path, of->name);
        FsrEncoderSettings rs = *s;
        if (raw)
            rs.crf = -1, rs.preset = NULL, rs.x264_params = NULL;
        /* y4m states its frame rate as the inverse of the time base */
        /* and MPEG-1/2 take only their standard frame rates as time base */
        if ((codec->id == AV_CODEC_ID_WRAPPED_AVFRAME || codec->id == AV_CODEC_ID_MPEG1VIDEO ||
             codec->id == AV_CODEC_ID_MPEG2VIDEO) &&
            c->framerate.num > 0 && c->framerate.den > 0)
            c->time_base = av_inv_q(c->framerate);
        if ((ret = pick_pix_fmt(codec, e->depth, &c->pix_fmt)) < 0 || (ret = set_rate_options(c, &rs, &opts)) < 0 ||
            (ret = set_hdr_options(c, e, &rs, &opts)) < 0) {
            av_dict_free(&opts);
            return ret;
        }
    }
    if (of->flags & AVFMT_GLOBALHEADER)
        c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    ret = avcodec_open2(c, codec, &opts);
    if (ret < 0) {
        av_dict_free(&opts);
        char buf[128];
        return fsr_error(FSR_ERR(EINVAL), "%s: cannot open the %s encoder (%s)%s", e->path, codec->name,
                         fsr_av_err2str(ret, buf, sizeof(buf)),
                         e->is_image ? ""
                         : is_hardware(codec) ? ": no usable device or driver for this hardware encoder here"
                         : !strcmp(codec->name, "libx264") ? ": check the x264 preset and parameters"
                                                           : ": check its options");
    }
    /* what the encoder did not take is a mistake, not a silent no-op */
    const AVDictionaryEntry *left = av_dict_get(opts, "", NULL, AV_DICT_IGNORE_SUFFIX);
    if (left) {
        ret = fsr_error(FSR_ERR(EINVAL), "encoder %s has no option '%s' (--encoder-opts; ffmpeg -h encoder=%s lists "
                        "them)", codec->name, left->key, codec->name);
        av_dict_free(&opts);
        return ret;
    }
    av_dict_free(&opts);
    if (!e->video && !(e->video = avformat_new_stream(e->out, NULL))) /* reopening: the stream stays */
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
    /* HDR metadata from the first frame, for the muxer (Matroska's Colour
     * element, MP4's mdcv and clli) */
    const FsrHdrMeta *m = &e->hdr;
    if (!e->is_image && m->has_mastering &&
        !av_stream_get_side_data(e->video, AV_PKT_DATA_MASTERING_DISPLAY_METADATA, NULL)) {
        uint8_t *dst = av_stream_new_side_data(e->video, AV_PKT_DATA_MASTERING_DISPLAY_METADATA, sizeof(m->mastering));
        if (!dst)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        memcpy(dst, &m->mastering, sizeof(m->mastering));
    }
    if (!e->is_image && m->has_light && !av_stream_get_side_data(e->video, AV_PKT_DATA_CONTENT_LIGHT_LEVEL, NULL)) {
        uint8_t *dst = av_stream_new_side_data(e->video, AV_PKT_DATA_CONTENT_LIGHT_LEVEL, sizeof(m->light));
        if (!dst)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        memcpy(dst, &m->light, sizeof(m->light));
    }
    e->frame = av_frame_alloc();
    if (!e->pkt)
        e->pkt = av_packet_alloc();
    if (!e->frame || !e->pkt)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    e->frame->format = c->pix_fmt;
    e->frame->width = c->width;
    e->frame->height = c->height;
    if ((ret = av_frame_get_buffer(e->frame, 64)) < 0)
        return av_fail(e, ret, "cannot allocate a frame");
    /* and on every frame, for encoders that read it there (it stays on the
     * frame: av_frame_make_writable keeps the side data) */
    if (!e->is_image && m->has_mastering) {
        AVMasteringDisplayMetadata *md = av_mastering_display_metadata_create_side_data(e->frame);
        if (!md)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        *md = m->mastering;
    }
    if (!e->is_image && m->has_light) {
        AVContentLightMetadata *cl = av_content_light_metadata_create_side_data(e->frame);
        if (!cl)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        *cl = m->light;
    }
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
        if (fsr_is_chapter_track(in, i))
            continue;
        if (par->codec_type != AVMEDIA_TYPE_AUDIO && par->codec_type != AVMEDIA_TYPE_SUBTITLE) {
            /* attachments, data tracks, other video: not silently lost */
            const char *type = av_get_media_type_string(par->codec_type);
            fsr_log(FSR_LOG_WARNING, "%s: stream %u (%s%s%s) is not copied (only audio and subtitles are); dropped",
                    s->path, i, type ? type : "unknown", par->codec_id ? " " : "",
                    par->codec_id ? avcodec_get_name(par->codec_id) : "");
            continue;
        }
        /* a muxer that does not say (MPEG-TS) takes the kinds of stream it
         * has a default codec for; y4m has none besides video */
        const AVOutputFormat *of = e->out->oformat;
        int fits = avformat_query_codec(of, par->codec_id, FF_COMPLIANCE_NORMAL);
        if (fits < 0)
            fits = par->codec_type == AVMEDIA_TYPE_AUDIO ? of->audio_codec != AV_CODEC_ID_NONE
                                                         : of->subtitle_codec != AV_CODEC_ID_NONE;
        if (fits != 1) {
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

static int write_copied(FsrEncoder *e, AVPacket *pkt);

static int write_header(FsrEncoder *e)
{
    AVDictionary *opts = NULL;
    if (e->is_image && !strcmp(e->out->oformat->name, "image2"))
        av_dict_set(&opts, "update", "1", 0); /* one file, not a numbered sequence */
    int ret = avformat_write_header(e->out, &opts);
    av_dict_free(&opts);
    if (ret < 0)
        return av_fail(e, ret, e->to_stdout ? "cannot write the output header (on stdout use --format matroska, "
                                              "mpegts or yuv4mpegpipe)"
                                            : "cannot write the output header");
    e->header_written = 1;
    e->wait_first = 0;
    /* the packets that came before */
    for (int i = 0; i < e->nb_held; i++) {
        if (!ret)
            ret = write_copied(e, e->held[i]);
        av_packet_free(&e->held[i]);
    }
    e->nb_held = 0;
    return ret;
}

/* Whether the frame's colour description fills something the encoder has
 * unspecified. */
static int colour_news(const AVCodecContext *c, const AVFrame *f)
{
    return (c->color_range == AVCOL_RANGE_UNSPECIFIED && f->color_range != AVCOL_RANGE_UNSPECIFIED) ||
           (c->color_primaries == AVCOL_PRI_UNSPECIFIED && f->color_primaries != AVCOL_PRI_UNSPECIFIED) ||
           (c->color_trc == AVCOL_TRC_UNSPECIFIED && f->color_trc != AVCOL_TRC_UNSPECIFIED) ||
           (c->colorspace == AVCOL_SPC_UNSPECIFIED && f->colorspace != AVCOL_SPC_UNSPECIFIED) ||
           (c->chroma_sample_location == AVCHROMA_LOC_UNSPECIFIED && f->chroma_location != AVCHROMA_LOC_UNSPECIFIED);
}

int fsr_encoder_first_frame(FsrEncoder *e, const AVFrame *frame)
{
    if (!e->wait_first || !frame)
        return 0;
    FsrHdrMeta m = e->hdr;
    if (fsr_hdr_meta_from_frame(&m, frame) || colour_news(e->codec, frame)) {
        /* nothing was encoded yet: the encoder opens again with them */
        FsrEncoderSettings s = e->settings;
        s.first_frame = frame;
        avcodec_free_context(&e->codec);
        av_frame_free(&e->frame);
        memset(&e->hdr, 0, sizeof(e->hdr));
        int ret = open_video_encoder(e, &s);
        if (ret < 0)
            return ret;
    }
    return write_header(e);
}

int fsr_encoder_open(FsrEncoder **pe, const FsrEncoderSettings *s)
{
    *pe = NULL;
    int ret = fsr_output_check(s->path, NULL, s->overwrite, s->format);
    if (ret < 0)
        return ret;
    FsrEncoder *e = calloc(1, sizeof(*e));
    if (!e)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    e->to_stdout = !strcmp(s->path, "-");
    snprintf(e->path, sizeof(e->path), "%s", e->to_stdout ? "stdout" : s->path);
    e->in_video_tb = s->in_video->time_base;
    e->last_pts = INT64_MIN;
    if (e->to_stdout) {
        snprintf(e->tmp_path, sizeof(e->tmp_path), "pipe:1");
    } else {
        /* Temporary name in the same folder, so the final rename is atomic;
         * the extension stays so the same muxer is chosen. */
        char dir[PATH_MAX], base[PATH_MAX];
        dir_of(s->path, dir, sizeof(dir));
        snprintf(base, sizeof(base), "%s", s->path);
        snprintf(e->tmp_path, sizeof(e->tmp_path), "%s/.%s.%d.part.%s", dir, basename(base), (int)getpid(),
                 file_ext(s->path));
    }
    const AVOutputFormat *of = output_format(s->path, s->format);
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
    if (s->in_fmt) {
        av_dict_copy(&e->out->metadata, s->in_fmt->metadata, 0);
        if ((ret = fsr_copy_chapters(e->out, s->in_fmt)) < 0)
            goto fail;
    }
    if (!(of->flags & AVFMT_NOFILE)) {
        ret = avio_open(&e->out->pb, e->tmp_path, AVIO_FLAG_WRITE);
        if (ret < 0) {
            ret = av_fail(e, ret, "cannot create the output file");
            goto fail;
        }
    }
    /* PQ or HLG without the mastering display and light level in the
     * stream: they may be in the first frame (HEVC's SEI) */
    const int trc = e->codec->color_trc;
    e->settings = *s;
    e->settings.first_frame = NULL;
    e->wait_first = !e->is_image && (trc == AVCOL_TRC_SMPTE2084 || trc == AVCOL_TRC_ARIB_STD_B67) && !s->first_frame &&
                    !(e->hdr.has_mastering && e->hdr.has_light);
    if (!e->wait_first && (ret = write_header(e)) < 0)
        goto fail;
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
            return av_fail(e, ret, e->to_stdout ? "cannot write video (did the reader of stdout stop?)"
                                                : "cannot write video (disk full?)");
    }
}

/* src at depth bits per sample into dst (opened when needed): deeper
 * samples rounded to the nearest, (x + 2) >> 2 for 10 -> 8, and clipped (no
 * dither, so the output stays deterministic); shallower ones shifted up. */
static int to_depth(FsrPicture *dst, const FsrPicture *src, int depth)
{
    const int from = fsr_picture_depth(src);
    if (from < 8 || from > 16)
        return fsr_error(FSR_ERR(EINVAL), "encoder: picture depth %d bits not supported", from);
    if (!dst->buf || dst->w != src->w || dst->h != src->h || fsr_picture_depth(dst) != depth) {
        fsr_picture_close(dst);
        int ret = fsr_picture_open_depth(dst, src->w, src->h, depth);
        if (ret < 0)
            return ret;
    }
    const int down = from > depth ? from - depth : 0, up = depth > from ? depth - from : 0;
    const int round = down ? 1 << (down - 1) : 0, max = (1 << depth) - 1;
    for (int c = 0; c < 3; c++) {
        const int w = c ? fsr_chroma_w(src->w) : src->w, h = c ? fsr_chroma_h(src->h) : src->h;
        for (int y = 0; y < h; y++) {
            const uint8_t *s8 = src->data[c] + y * src->stride[c];
            const uint16_t *s16 = (const uint16_t *)s8;
            uint8_t *d8 = dst->data[c] + y * dst->stride[c];
            uint16_t *d16 = (uint16_t *)d8;
            for (int x = 0; x < w; x++) {
                int v = from > 8 ? s16[x] : s8[x];
                v = ((v + round) >> down) << up;
                v = v > max ? max : v;
                if (depth > 8)
                    d16[x] = (uint16_t)v;
                else
                    d8[x] = (uint8_t)v;
            }
        }
    }
    return 0;
}

int fsr_encoder_write(FsrEncoder *e, const FsrPicture *pic, int64_t pts, int64_t duration)
{
    if (e->wait_first) {
        int ret = write_header(e);
        if (ret < 0)
            return ret;
    }
    if (pic->w != e->codec->width || pic->h != e->codec->height)
        return fsr_error(FSR_ERR(EINVAL), "encoder: picture is %dx%d, expected %dx%d", pic->w, pic->h,
                         e->codec->width, e->codec->height);
    int ret = av_frame_make_writable(e->frame);
    if (ret < 0)
        return av_fail(e, ret, "cannot allocate a frame");
    if (fsr_picture_depth(pic) != e->depth) {
        if ((ret = to_depth(&e->stage, pic, e->depth)) < 0)
            return ret;
        pic = &e->stage;
    }
    AVFrame *f = e->frame;
    const enum AVPixelFormat pic_fmt = e->depth > 8 ? AV_PIX_FMT_YUV420P10 : AV_PIX_FMT_YUV420P;
    if (f->format == pic_fmt || (e->depth == 8 && f->format == AV_PIX_FMT_YUVJ420P)) {
        const int bps = fsr_picture_bps(pic);
        for (int c = 0; c < 3; c++) {
            const int w = c ? fsr_chroma_w(pic->w) : pic->w, h = c ? fsr_chroma_h(pic->h) : pic->h;
            for (int y = 0; y < h; y++)
                memcpy(f->data[c] + y * f->linesize[c], pic->data[c] + y * pic->stride[c], (size_t)w * bps);
        }
    } else {
        e->sws = sws_getCachedContext(e->sws, pic->w, pic->h, pic_fmt, f->width, f->height, f->format,
                                      SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, NULL, NULL, NULL);
        if (!e->sws)
            return fsr_error(FSR_ERR_UNSUPPORTED, "%s: cannot convert to %s", e->path,
                             av_get_pix_fmt_name(f->format));
        /* to RGB (image types): with the input's matrix and range; between
         * YUV formats (an encoder without 4:2:0) the samples keep theirs */
        const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(f->format);
        if (desc && (desc->flags & AV_PIX_FMT_FLAG_RGB)) {
            const int *coef =
                sws_getCoefficients(e->codec->colorspace == AVCOL_SPC_BT709 ? SWS_CS_ITU709 : SWS_CS_ITU601);
            sws_setColorspaceDetails(e->sws, coef, e->codec->color_range == AVCOL_RANGE_JPEG, coef, 1, 0, 1 << 16,
                                     1 << 16);
        }
        const uint8_t *src[3] = { pic->data[0], pic->data[1], pic->data[2] };
        const int stride[3] = { (int)pic->stride[0], (int)pic->stride[1], (int)pic->stride[2] };
        sws_scale(e->sws, src, stride, 0, pic->h, f->data, f->linesize);
    }
    /* In the encoder's time base: the input's, except for y4m and MPEG-1/2. */
    if (av_cmp_q(e->in_video_tb, e->codec->time_base)) {
        if (pts != AV_NOPTS_VALUE)
            pts = av_rescale_q(pts, e->in_video_tb, e->codec->time_base);
        duration = av_rescale_q(duration, e->in_video_tb, e->codec->time_base);
    }
    /* The encoder needs strictly increasing timestamps; input timing is kept
     * as it is (variable frame rate included) unless it is broken. */
    if (pts == AV_NOPTS_VALUE || pts <= e->last_pts)
        pts = e->last_pts == INT64_MIN ? 0 : e->last_pts + (duration > 0 ? duration : 1);
    e->last_pts = pts;
    f->pts = pts;
    f->pkt_duration = duration;
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
    if (e->stream_map[pkt->stream_index] < 0)
        return 0;
    if (e->wait_first) {
        if (e->nb_held == e->held_size) {
            const int n = e->held_size ? 2 * e->held_size : 64;
            AVPacket **h = realloc(e->held, sizeof(*h) * n);
            if (!h)
                return fsr_error(FSR_ERR(ENOMEM), "out of memory");
            e->held = h;
            e->held_size = n;
        }
        if (!(e->held[e->nb_held] = av_packet_clone(pkt)))
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        e->nb_held++;
        return 0;
    }
    return write_copied(e, pkt);
}

static int write_copied(FsrEncoder *e, AVPacket *pkt)
{
    const int oi = e->stream_map[pkt->stream_index];
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
    int ret;
    if (e->wait_first && (ret = write_header(e)) < 0)
        return ret;
    ret = avcodec_send_frame(e->codec, NULL);
    if (ret < 0 && ret != AVERROR_EOF)
        return av_fail(e, ret, "cannot flush the encoder");
    if ((ret = drain(e)) < 0)
        return ret;
    if ((ret = av_write_trailer(e->out)) < 0)
        return av_fail(e, ret, "cannot finish the output file");
    e->header_written = 0;
    if (e->to_stdout) {
        e->stdout_bytes = avio_tell(e->out->pb);
        avio_flush(e->out->pb);
        if (e->out->pb->error < 0)
            return av_fail(e, e->out->pb->error, "cannot write to stdout");
        e->finished = 1;
        return 0;
    }
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
    if (e->to_stdout)
        return e->finished ? e->stdout_bytes : e->out && e->out->pb ? avio_tell(e->out->pb) : 0;
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
    if (!e->finished && e->tmp_path[0] && !e->to_stdout)
        unlink(e->tmp_path);
    avcodec_free_context(&e->codec);
    av_frame_free(&e->frame);
    av_packet_free(&e->pkt);
    sws_freeContext(e->sws);
    fsr_picture_close(&e->stage);
    for (int i = 0; i < e->nb_held; i++)
        av_packet_free(&e->held[i]);
    free(e->held);
    free(e->stream_map);
    free(e->in_tb);
    free(e);
    *pe = NULL;
}
