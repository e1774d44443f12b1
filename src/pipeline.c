#include "fastsr/pipeline.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "fastsr/bicubic.h"
#include "fastsr/model.h"
#include "fastsr/sr.h"
#include "decode.h"
#include "encode.h"
#include "log.h"

void fsr_default_settings(FsrSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->scale = 2;
    /* fast becomes the default once the transfer stage lands (issue 6). */
    s->mode = FSR_MODE_BICUBIC;
    s->crf = 18;
    s->preset = "medium";
}

const char *fsr_mode_name(FsrMode mode)
{
    switch (mode) {
    case FSR_MODE_FAST: return "fast";
    case FSR_MODE_SRCNN: return "srcnn";
    case FSR_MODE_BICUBIC: return "bicubic";
    }
    return "unknown";
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}


/* The decoder is opened before the encoder (whose stream list depends on the
 * input); packets of other streams are only read once both exist. */
typedef struct CopyTarget {
    FsrEncoder *enc;
} CopyTarget;

static int copy_trampoline(void *opaque, AVPacket *pkt)
{
    CopyTarget *t = opaque;
    return t->enc ? fsr_encoder_copy_packet(t->enc, pkt) : 0;
}

/* Loads --model, or the default model for the scale, into an SR engine. */
static int open_sr(const FsrSettings *s, FsrSR **sr)
{
    char path[4096];
    int ret;
    if (s->model)
        snprintf(path, sizeof(path), "%s", s->model);
    else if ((ret = fsr_default_model_path(s->scale, path, sizeof(path))) < 0)
        return ret;
    FsrModel *m = NULL;
    if ((ret = fsr_model_load(&m, path)) < 0)
        return ret;
    if (m->scale != s->scale) {
        ret = fsr_error(FSR_ERR(EINVAL), "%s: model is trained for x%d, not x%d (use --scale %d or another model)",
                        path, m->scale, s->scale, m->scale);
    } else {
        ret = fsr_sr_open(sr, m, s->threads);
    }
    fsr_model_free(&m);
    return ret;
}

int fsr_run(const FsrSettings *s, FsrReport *r)
{
    FsrReport local;
    if (!r)
        r = &local;
    memset(r, 0, sizeof(*r));
    if (!s || !s->input || !s->output)
        return fsr_error(FSR_ERR(EINVAL), "input and output are required");
    snprintf(r->input, sizeof(r->input), "%s", s->input);
    snprintf(r->output, sizeof(r->output), "%s", s->output);
    r->mode = fsr_mode_name(s->mode);
    r->scale = s->scale;
    if (s->scale < 2 || s->scale > FSR_MAX_SCALE)
        return fsr_error(FSR_ERR(EINVAL), "scale %d not supported (2, 3 or 4)", s->scale);
    if (s->mode == FSR_MODE_FAST)
        return fsr_error(FSR_ERR_UNSUPPORTED, "mode 'fast' is not available yet in this build; use --mode srcnn "
                         "or --mode bicubic");

    const double t0 = now_seconds();
    int ret = fsr_output_check(s->output, s->input, s->overwrite);
    if (ret < 0)
        return ret;

    FsrSR *sr = NULL;
    if (s->mode == FSR_MODE_SRCNN && (ret = open_sr(s, &sr)) < 0)
        return ret;
    FsrDecoder *dec = NULL;
    FsrEncoder *enc = NULL;
    FsrPicture hr = { 0 };
    CopyTarget copy = { 0 };
    FsrDecoderSettings ds = { .threads = s->threads, .on_packet = copy_trampoline, .opaque = &copy };
    if ((ret = fsr_decoder_open(&dec, s->input, &ds)) < 0)
        goto end;
    r->in_w = dec->width;
    r->in_h = dec->height;
    r->out_w = dec->width * s->scale;
    r->out_h = dec->height * s->scale;
    if ((ret = fsr_picture_alloc(&hr, r->out_w, r->out_h)) < 0)
        goto end;
    FsrEncoderSettings es = {
        .path = s->output, .overwrite = s->overwrite, .width = r->out_w, .height = r->out_h,
        .in_video = dec->stream, .in_codec = dec->codec, .in_fmt = dec->fmt, .in_video_index = dec->stream_index,
        .crf = s->crf, .preset = s->preset, .x264_params = s->x264_params, .threads = s->threads,
    };
    if ((ret = fsr_encoder_open(&enc, &es)) < 0)
        goto end;
    copy.enc = enc;
    for (unsigned i = 0; i < dec->fmt->nb_streams; i++)
        r->copied_streams += i != (unsigned)dec->stream_index &&
                             (dec->fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO ||
                              dec->fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_SUBTITLE);

    FsrProgress prog = { .frames_total = dec->nb_frames };
    for (;;) {
        if (s->cancel && *s->cancel) {
            ret = fsr_error(FSR_ERR(EINTR), "interrupted; %s was not written", s->output);
            goto end;
        }
        FsrFrame f;
        double t = now_seconds();
        ret = fsr_decoder_read(dec, &f);
        r->sec_decode += now_seconds() - t;
        if (ret < 0)
            goto end;
        if (ret == 1)
            break;
        t = now_seconds();
        ret = sr ? fsr_sr_picture(sr, &hr, &f.pic) : fsr_bicubic_picture(&hr, &f.pic, s->scale);
        r->sec_upscale += now_seconds() - t;
        if (ret < 0)
            goto end;
        t = now_seconds();
        ret = fsr_encoder_write(enc, &hr, f.pts, f.duration);
        r->sec_encode += now_seconds() - t;
        if (ret < 0)
            goto end;
        r->frames++;
        if (s->progress) {
            prog.frames_done = r->frames;
            prog.seconds = now_seconds() - t0;
            s->progress(s->opaque, &prog);
        }
    }
    r->decode_errors = dec->decode_errors;
    r->corrupt_frames = dec->corrupt_frames;
    if (r->frames == 0) {
        ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: no video frame could be decoded", s->input);
        goto end;
    }
    if (dec->truncated && !s->keep_going) {
        ret = fsr_error(FSR_ERR_INVALIDDATA,
                        "%s: the file is truncated (%lld of %lld video packets present); %s not written "
                        "(use --keep-going to keep the frames that decode)",
                        s->input, (long long)dec->packets_read, (long long)dec->nb_frames, s->output);
        goto end;
    }
    if ((r->decode_errors || r->corrupt_frames) && !s->keep_going) {
        ret = fsr_error(FSR_ERR_INVALIDDATA,
                        "%s: damaged video: %lld decode errors, %lld concealed frames; %s not written "
                        "(use --keep-going to keep such output)",
                        s->input, (long long)r->decode_errors, (long long)r->corrupt_frames, s->output);
        goto end;
    }
    double t = now_seconds();
    ret = fsr_encoder_finish(enc);
    r->sec_encode += now_seconds() - t;
    if (ret == 0)
        r->output_bytes = fsr_encoder_bytes(enc);
end:
    if (dec) {
        r->decode_errors = dec->decode_errors;
        r->corrupt_frames = dec->corrupt_frames;
    }
    fsr_encoder_close(&enc);
    fsr_decoder_close(&dec);
    fsr_picture_free(&hr);
    fsr_sr_close(&sr);
    r->sec_total = now_seconds() - t0;
    return ret;
}

int fsr_report_write_json(const FsrReport *r, const char *path)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    cJSON_AddStringToObject(o, "fastsr_version", fsr_version());
    cJSON_AddStringToObject(o, "input", r->input);
    cJSON_AddStringToObject(o, "output", r->output);
    cJSON_AddStringToObject(o, "mode", r->mode ? r->mode : "");
    cJSON_AddNumberToObject(o, "scale", r->scale);
    cJSON *in = cJSON_AddObjectToObject(o, "input_size");
    cJSON_AddNumberToObject(in, "width", r->in_w);
    cJSON_AddNumberToObject(in, "height", r->in_h);
    cJSON *out = cJSON_AddObjectToObject(o, "output_size");
    cJSON_AddNumberToObject(out, "width", r->out_w);
    cJSON_AddNumberToObject(out, "height", r->out_h);
    cJSON_AddNumberToObject(o, "frames", (double)r->frames);
    cJSON_AddNumberToObject(o, "decode_errors", (double)r->decode_errors);
    cJSON_AddNumberToObject(o, "corrupt_frames", (double)r->corrupt_frames);
    cJSON_AddNumberToObject(o, "copied_streams", (double)r->copied_streams);
    cJSON_AddNumberToObject(o, "output_bytes", (double)r->output_bytes);
    cJSON *sec = cJSON_AddObjectToObject(o, "seconds");
    cJSON_AddNumberToObject(sec, "decode", r->sec_decode);
    cJSON_AddNumberToObject(sec, "upscale", r->sec_upscale);
    cJSON_AddNumberToObject(sec, "encode", r->sec_encode);
    cJSON_AddNumberToObject(sec, "total", r->sec_total);
    cJSON_AddNumberToObject(o, "fps", r->sec_total > 0 ? r->frames / r->sec_total : 0);
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    if (!text)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    FILE *f = fopen(path, "w");
    int ret = 0;
    if (!f || fputs(text, f) < 0 || fputc('\n', f) < 0)
        ret = fsr_error(FSR_ERR(EIO), "%s: cannot write the report: %s", path, strerror(errno));
    if (f && fclose(f) != 0 && !ret)
        ret = fsr_error(FSR_ERR(EIO), "%s: cannot write the report: %s", path, strerror(errno));
    cJSON_free(text);
    return ret;
}
