/* The public reader and writer (fastsr/reader.h): a narrow face on the
 * decoder (codec/decode.h), the side-information hook (sideinfo.h) and the
 * encoder (codec/encode.h), so that programs need none of FFmpeg's types.
 * It adds no behaviour of its own: frames and maps are those of the hook,
 * or of the plain decoder without block maps. */
#include "fastsr/reader.h"

#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "log.h"
#include "sideinfo.h"

struct FsrReader {
    FsrSideInfo *si;       /* with block maps */
    FsrDecoder *dec;       /* the decoder (si's own, or a plain one) */
    FsrBlockMap plain;     /* map of a frame read without block maps */
    FsrReaderInfo info;
    int64_t frames, frames_unmodelled;
};

struct FsrWriter {
    FsrEncoder *enc;
};

void fsr_reader_defaults(FsrReaderSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->block_maps = 1;
}

static FsrRational rational(AVRational q)
{
    return (FsrRational){ q.num, q.den };
}

static void fill_info(FsrReader *r)
{
    const FsrDecoder *d = r->dec;
    const AVStream *st = d->stream;
    FsrReaderInfo *in = &r->info;
    const double tb = av_q2d(st->time_base);
    in->width = d->width;
    in->height = d->height;
    in->time_base = rational(st->time_base);
    AVRational fr = st->avg_frame_rate;
    if (fr.num <= 0 || fr.den <= 0)
        fr = st->r_frame_rate;
    in->frame_rate = fr.num > 0 && fr.den > 0 ? rational(fr) : (FsrRational){ 0, 0 };
    in->nb_frames = d->nb_frames;
    in->start_time = st->start_time != AV_NOPTS_VALUE ? st->start_time * tb : 0;
    if (st->duration > 0)
        in->duration = st->duration * tb;
    else if (d->fmt->duration > 0)
        in->duration = (double)d->fmt->duration / AV_TIME_BASE;
    in->codec_name = r->si ? fsr_sideinfo_codec_name(r->si) : avcodec_get_name(d->codec->codec_id);
    in->side_info = r->si && fsr_sideinfo_supported(r->si);
}

int fsr_reader_open(FsrReader **out, const char *path, const FsrReaderSettings *s)
{
    if (!out || !path)
        return fsr_error(FSR_ERR(EINVAL), "fsr_reader_open: no reader or no path given");
    *out = NULL;
    FsrReaderSettings defaults;
    if (!s) {
        fsr_reader_defaults(&defaults);
        s = &defaults;
    }
    FsrReader *r = calloc(1, sizeof(*r));
    if (!r)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    const FsrDecoderSettings ds = { .threads = s->threads, .mpeg_plain = s->mpeg_plain };
    int ret;
    if (s->block_maps) {
        if ((ret = fsr_sideinfo_open(&r->si, path, &ds)) >= 0)
            r->dec = fsr_sideinfo_decoder(r->si);
    } else {
        ret = fsr_decoder_open(&r->dec, path, &ds);
    }
    if (ret < 0) {
        fsr_reader_close(&r);
        return ret;
    }
    fill_info(r);
    *out = r;
    return 0;
}

const FsrReaderInfo *fsr_reader_info(const FsrReader *r)
{
    return &r->info;
}

int fsr_reader_read(FsrReader *r, FsrReaderFrame *out)
{
    FsrSideInfoFrame sf;
    int ret;
    if (r->si) {
        ret = fsr_sideinfo_read(r->si, &sf);
    } else {
        ret = fsr_decoder_read(r->dec, &sf.frame);
        if (!ret) {
            fsr_sideinfo_plain_map(&r->plain, &sf.frame);
            sf.map = &r->plain;
        }
    }
    if (ret)
        return ret;
    const FsrFrame *f = &sf.frame;
    *out = (FsrReaderFrame){
        .pic = f->pic,
        .map = sf.map,
        .pts = f->pts,
        .duration = f->duration,
        .display_index = f->display_index,
        .decode_index = f->decode_index,
        .type = f->pict_type,
        .key = f->key,
        .corrupt = f->corrupt,
    };
    r->frames++;
    r->frames_unmodelled += sf.map->unmodelled != 0;
    return 0;
}

void fsr_reader_stats(const FsrReader *r, FsrReaderStats *st)
{
    const FsrDecoder *d = r->dec;
    *st = (FsrReaderStats){
        .frames = r->frames,
        .frames_unmodelled = r->frames_unmodelled,
        .packets = d->packets_read,
        .decode_errors = d->decode_errors,
        .corrupt_frames = d->corrupt_frames,
        .truncated = d->truncated,
    };
}

void fsr_reader_close(FsrReader **pr)
{
    FsrReader *r = *pr;
    if (!r)
        return;
    if (r->si)
        fsr_sideinfo_close(&r->si);
    else
        fsr_decoder_close(&r->dec);
    free(r);
    *pr = NULL;
}

int fsr_writer_open(FsrWriter **out, const FsrWriterSettings *s, const FsrReader *timing)
{
    if (!out || !s || !timing)
        return fsr_error(FSR_ERR(EINVAL), "fsr_writer_open: no writer, settings or reader given");
    *out = NULL;
    FsrWriter *w = calloc(1, sizeof(*w));
    if (!w)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    const FsrEncoderSettings es = {
        .path = s->path,
        .overwrite = s->overwrite,
        .width = s->width,
        .height = s->height,
        .in_video = timing->dec->stream,
        .in_codec = timing->dec->codec,
        /* another encoder takes only its own options */
        .crf = s->codec ? -1 : s->crf,
        .preset = s->codec ? NULL : s->preset,
        .x264_params = s->codec ? NULL : s->x264_params,
        .encoder = s->codec,
        .encoder_opts = s->codec_options,
    };
    int ret = fsr_encoder_open(&w->enc, &es);
    if (ret < 0) {
        free(w);
        return ret;
    }
    *out = w;
    return 0;
}

int fsr_writer_write(FsrWriter *w, const FsrPicture *pic, int64_t pts, int64_t duration)
{
    return fsr_encoder_write(w->enc, pic, pts, duration);
}

int fsr_writer_finish(FsrWriter *w)
{
    return fsr_encoder_finish(w->enc);
}

void fsr_writer_close(FsrWriter **pw)
{
    FsrWriter *w = *pw;
    if (!w)
        return;
    fsr_encoder_close(&w->enc);
    free(w);
    *pw = NULL;
}
