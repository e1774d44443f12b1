#include "fastsr/pipeline.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fastsr/accel.h"
#include "fastsr/bicubic.h"
#include "fastsr/model.h"
#include "fastsr/sr.h"
#include "fastsr/fast.h"
#include "fastsr/motion.h"
#include "accel_internal.h"
#include "sr_internal.h"
#include "clock.h"
#include "decode.h"
#include "sideinfo.h"
#include "encode.h"
#include "encode_thread.h"
#include "log.h"

void fsr_run_defaults(FsrSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->scale = 2;
    s->mode = FSR_MODE_FAST;
    s->encode.crf = -1;
    s->fast.fallback = FSR_TRANSFER_DEFAULT_FALLBACK;
    s->fast.back_project = 1;
    s->fast.refine = 1;
    s->accel.arch = FSR_ACCEL_DEFAULT_ARCH;
}

int fsr_motion_source_parse(const char *text)
{
    static const char *const names[] = { "auto", "stream", "search", "none" };
    for (int i = 0; text && i < 4; i++)
        if (!strcmp(text, names[i]))
            return i;
    return -1;
}

const char *fsr_motion_source_name(int source)
{
    switch (source) {
    case FSR_MOTION_AUTO: return "auto";
    case FSR_MOTION_STREAM: return "stream";
    case FSR_MOTION_SEARCH: return "search";
    case FSR_MOTION_NONE: return "none";
    }
    return "unknown";
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


/* Loads the settings' model, or the default model for the scale; *scale
 * gets the scale the model was trained for. */
static int load_model(const FsrSettings *s, FsrModel **m, int *scale)
{
    char path[4096];
    int ret;
    if (s->sr.model)
        snprintf(path, sizeof(path), "%s", s->sr.model);
    else if ((ret = fsr_model_default_path(s->scale, path, sizeof(path))) < 0)
        return ret;
    if ((ret = fsr_model_open(m, path)) < 0)
        return ret;
    *scale = (*m)->scale;
    if (*scale != s->scale) {
        ret = fsr_error(FSR_ERR(EINVAL), "%s: model is trained for x%d, not x%d", path, *scale, s->scale);
        fsr_model_close(m);
    }
    return ret;
}

/* The accelerator model's view of the run: SR frames cost a forward pass
 * of the model on the chip, transferred frames what the transfer does per
 * HR pixel with the run's measured block mix (fsr_accel_transfer_cost). */
static int accel_report(const FsrSettings *s, const FsrModel *m, const FsrSR *sr_obj, FsrReport *r)
{
    FsrAccelArch arch;
    int ret = fsr_accel_arch_get(&arch, s->accel.arch);
    if (ret < 0)
        return ret;
    FsrAccelFrameCost sr, tr = { 0 };
    /* SR frames: with the zeros sampled from the run's activations, when
     * there are any and the architecture acts on them */
    int64_t zeros[FSR_MODEL_MAX_LAYERS] = { 0 }, values[FSR_MODEL_MAX_LAYERS] = { 0 };
    const int zf = sr_obj ? fsr_sr_zero_counts(sr_obj, zeros, values, FSR_MODEL_MAX_LAYERS) : 0;
    r->accel.zeros_frames = 0;
    r->accel.n_layers = m->n_layers < FSR_MODEL_MAX_LAYERS ? m->n_layers : FSR_MODEL_MAX_LAYERS;
    if (zf > 0 && !s->accel.shape_only && (arch.rlc || arch.zero_gating)) {
        FsrAccelNet *net = NULL;
        if ((ret = fsr_accel_net_from_model(&net, m, r->out_w, r->out_h)) < 0)
            return ret;
        for (int i = 0; i < net->n_layers && i < FSR_MODEL_MAX_LAYERS; i++) {
            net->layers[i].ifmap_zeros = values[i] > 0 ? (double)zeros[i] / values[i] : 0;
            r->accel.ifmap_zeros[i] = net->layers[i].ifmap_zeros;
            if (i > 0)
                net->layers[i - 1].ofmap_zeros = net->layers[i].ifmap_zeros;
        }
        ret = fsr_accel_net_frame_cost(&sr, &arch, net);
        fsr_accel_net_close(&net);
        if (ret < 0)
            return ret;
        r->accel.zeros_frames = zf;
    } else if ((ret = fsr_accel_frame_cost(&sr, &arch, m, r->out_w, r->out_h)) < 0) {
        return ret;
    }
    if (r->fast.transferred_frames) {
        FsrAccelTransferParams tp;
        fsr_accel_transfer_defaults(&tp, s->scale);
        const double area = (double)r->fast.area_transferred;
        tp.inter = 1.0 - (r->fast.area_intra + r->fast.area_fallback + r->fast.area_noref) / area;
        tp.coded_residual = r->fast.area_residual / area;
        const double inter_blocks = (double)(r->fast.blocks_skip + r->fast.blocks_direct + r->fast.blocks_inter);
        tp.bipred = inter_blocks > 0 ? r->fast.blocks_bi / inter_blocks : 0;
        if ((ret = fsr_accel_transfer_cost(&tr, &arch, &tp, r->out_w, r->out_h)) < 0)
            return ret;
    }
    const double n = (double)r->frames;
    /* SR is priced by the work done: whole frames plus region SR (its
     * rectangles with their halos, in frames) */
    const double sr_frames = r->fast.sr_work;
    const double t_sr = sr.seconds * sr_frames, t_tr = tr.seconds * r->fast.transferred_frames;
    r->accel.valid = 1;
    snprintf(r->accel.arch, sizeof(r->accel.arch), "%s", s->accel.arch);
    snprintf(r->accel.energy_unit, sizeof(r->accel.energy_unit), "%s", sr.energy_unit);
    r->accel.seconds_per_frame = (t_sr + t_tr) / n;
    r->accel.energy_per_frame = (sr.energy * sr_frames + tr.energy * r->fast.transferred_frames) / n;
    r->accel.dram_energy_per_frame = (sr.dram_energy * sr_frames + tr.dram_energy * r->fast.transferred_frames) / n;
    r->accel.dram_bytes_per_frame =
        ((double)sr.dram_bytes * sr_frames + (double)tr.dram_bytes * r->fast.transferred_frames) / n;
    r->accel.sr_share = t_sr + t_tr > 0 ? t_sr / (t_sr + t_tr) : 0;
    r->accel.transfer_share = t_sr + t_tr > 0 ? t_tr / (t_sr + t_tr) : 0;
    r->accel.srcnn_seconds_per_frame = sr.seconds;
    r->accel.srcnn_energy_per_frame = sr.energy;
    r->accel.joules_per_frame = fsr_accel_joules(r->accel.energy_per_frame, sr.energy_unit);
    r->accel.dram_joules_per_frame =
        fsr_accel_joules((sr.dram_energy * sr_frames + tr.dram_energy * r->fast.transferred_frames) / n,
                         sr.energy_unit);
    r->accel.sr_joules = fsr_accel_joules(sr.energy, sr.energy_unit);
    r->accel.transfer_joules = r->fast.transferred_frames ? fsr_accel_joules(tr.energy, sr.energy_unit) : 0;
    return 0;
}

/* The input side: the plain decoder (bicubic and srcnn modes, any codec,
 * multithreaded), the decoder hook with H.264 block maps, or either with
 * fastsr's motion search making the maps (fast mode). */
typedef struct Input {
    FsrDecoder *dec;
    FsrSideInfo *si;
    FsrMotionSearch *ms;   /* maps from the motion search */
    FsrBlockMap plain_map;
    const char *motion;    /* the report's "stream", "search" or "none" */
    /* decode.window: frames displaying before start are dropped as they
     * are decoded (before the motion search, which would predict the
     * window's first frame from them) */
    int window;
    int64_t start;
    int64_t dropped, dropped_corrupt;
} Input;

static int input_open(Input *in, const FsrSettings *s, const FsrDecoderSettings *ds)
{
    int ret;
    const int source = s->fast.motion;
    in->motion = "none";
    if (source < FSR_MOTION_AUTO || source > FSR_MOTION_NONE)
        return fsr_error(FSR_ERR(EINVAL), "unknown motion source %d", source);
    if (s->mode != FSR_MODE_FAST || source == FSR_MOTION_NONE)
        return fsr_decoder_open(&in->dec, s->input, ds);
    if (source == FSR_MOTION_SEARCH) {
        if ((ret = fsr_decoder_open(&in->dec, s->input, ds)) < 0)
            return ret;
    } else {
        /* auto: the stream's own vectors for H.264 only; MPEG-2 and
         * MPEG-4 Part 2 transfer better from the search's maps (README
         * "MPEG-2 and MPEG-4 block maps"), --motion stream reads theirs */
        FsrDecoderSettings sds = *ds;
        sds.mpeg_plain = source == FSR_MOTION_AUTO;
        if ((ret = fsr_sideinfo_open(&in->si, s->input, &sds)) < 0)
            return ret;
        in->dec = fsr_sideinfo_decoder(in->si);
        if (fsr_sideinfo_supported(in->si)) {
            in->motion = "stream";
            return 0;
        }
        /* a still image has nothing to transfer to: no warning for it */
        if (source == FSR_MOTION_STREAM) {
            if (!fsr_decoder_is_still(in->dec))
                fsr_log(FSR_LOG_WARNING,
                        "%s: fastsr reads no side information from %s streams and motion search is off; "
                        "running per-frame SR",
                        in->dec->path, fsr_sideinfo_codec_name(in->si));
            return 0;
        }
    }
    in->motion = "search";
    FsrMotionSettings ms;
    fsr_motion_defaults(&ms);
    ms.threads = s->threads;
    if (s->fast.motion_refs)
        ms.refs = s->fast.motion_refs;
    return fsr_motion_open(&in->ms, &ms);
}

static int input_read(Input *in, FsrFrame *f, const FsrBlockMap **map)
{
    int ret;
    do {
        if (in->si) {
            FsrSideInfoFrame sf;
            ret = fsr_sideinfo_read(in->si, &sf);
            if (ret == 0) {
                *f = sf.frame;
                *map = sf.map;
            }
        } else {
            ret = fsr_decoder_read(in->dec, f);
            if (ret == 0) {
                /* no side information: every frame gets SR, in the order it comes */
                fsr_sideinfo_plain_map(&in->plain_map, f);
                *map = &in->plain_map;
            }
        }
        if (ret != 0 || !in->window || f->pts == AV_NOPTS_VALUE || f->pts >= in->start)
            break;
        /* a leading picture of the I frame decoding started at: it refers
         * to pictures before the segment (its decoding is damaged) and
         * nothing in the window refers to it */
        in->dropped++;
        in->dropped_corrupt += f->corrupt;
    } while (1);
    if (ret == 0 && in->ms && !(*map)->side_info)
        ret = fsr_motion_search(in->ms, &f->pic, *map, map);
    return ret;
}

static void input_close(Input *in)
{
    fsr_motion_close(&in->ms);
    if (in->si)
        fsr_sideinfo_close(&in->si);
    else
        fsr_decoder_close(&in->dec);
    in->dec = NULL;
}

/* sr: 1 when key frames and regions ran a network (not bicubic mode) */
static void count_frame(FsrReport *r, const FsrFastFrame *ff, int sr)
{
    r->frames++;
    if (sr) {
        r->fast.sr_work += ff->sr_share;
        r->fast.region_rects += ff->regions;
        r->fast.region_frames += ff->regions > 0;
    }
    r->fast.sr_work_share = r->fast.sr_work / r->frames;
    switch (ff->type) {
    case 'I': r->decode.frames_i++; break;
    case 'P': r->decode.frames_p++; break;
    case 'B': r->decode.frames_b++; break;
    default: break;
    }
    if (ff->key) {
        r->sr.frames++;
        r->seconds.sr += ff->seconds;
    } else {
        r->fast.transferred_frames++;
        r->seconds.transfer += ff->seconds;
        r->fast.area_transferred += ff->stats.area_total;
        r->fast.area_fallback += ff->stats.area_fallback;
        r->fast.area_intra += ff->stats.area_intra;
        r->fast.area_noref += ff->stats.area_noref;
        r->fast.area_residual += ff->stats.area_residual;
    }
}

static void count_blocks(FsrReport *r, const FsrBlockMap *m)
{
    if (!m->side_info)
        return;
    r->fast.blocks_intra += m->counts.intra;
    r->fast.blocks_skip += m->counts.pskip + m->counts.bskip;
    r->fast.blocks_direct += m->counts.direct;
    r->fast.blocks_inter += m->counts.inter;
    r->fast.blocks_bi += m->counts.bi;
}

/* Everything one run holds, so that each stage below is a function and one
 * place (run_close) releases whatever the run got as far as opening. */
typedef struct Run {
    const FsrSettings *s;
    FsrReport *r;
    double t0;
    FsrFastSettings fs;
    FsrModel *model;
    FsrSR *sr;
    Input in;
    FsrEncoder *enc;
    FsrEncodeThread *enc_thread;
    FsrFast *fast;
    /* The decoder is opened before the encoder (whose stream list depends
     * on the input); packets of other streams are only read once both
     * exist. */
    FsrEncodeThread *copy_to;
    /* decode.window: frames after the window, and those of them flagged
     * corrupt (not the window's damage) */
    int64_t after, after_corrupt;
    int64_t end;  /* decode.window's end in the video stream's time base */
    int first_given; /* the first decoded frame went to the encoder (HDR metadata) */
} Run;

static int copy_packet(void *opaque, AVPacket *pkt)
{
    Run *run = opaque;
    return run->copy_to ? fsr_encode_thread_packet(run->copy_to, pkt) : 0;
}

/* Checks the settings, fills the report's description of the job and the
 * engine's settings. */
static int run_settings(Run *run)
{
    const FsrSettings *s = run->s;
    FsrReport *r = run->r;
    if (!s || !s->input || (!s->output && !s->frame_done))
        return fsr_error(FSR_ERR(EINVAL), "input and output are required");
    snprintf(r->input, sizeof(r->input), "%s", s->input);
    snprintf(r->output, sizeof(r->output), "%s", s->output ? s->output : "");
    r->mode = fsr_mode_name(s->mode);
    r->scale = s->scale;
    if (!fsr_scale_supported(s->scale))
        return fsr_error(FSR_ERR(EINVAL), "scale %d not supported (2, 3 or 4)", s->scale);
    if (s->decode.depth != 0 && s->decode.depth != 8)
        return fsr_error(FSR_ERR(EINVAL), "bit depth %d not supported (0: the input's, or 8)", s->decode.depth);
    FsrFastSettings *fs = &run->fs;
    fsr_transfer_defaults(&fs->transfer);
    fs->transfer.scale = s->scale;
    fs->transfer.filter = s->fast.hr_filter;
    fs->transfer.fallback = s->fast.fallback;
    fs->transfer.deblock = s->fast.deblock;
    fs->transfer.back_project = s->fast.back_project;
    fs->transfer.refine = s->fast.refine;
    fs->transfer.threads = s->threads;
    if (s->mode != FSR_MODE_FAST)
        fs->policy.kind = FSR_KEY_ALL;
    else if (fsr_key_policy_parse(&fs->policy, s->fast.keyframes ? s->fast.keyframes : FSR_FAST_DEFAULT_KEYFRAMES) < 0)
        return fsr_error(FSR_ERR(EINVAL),
                         "bad key-frame policy '%s' (intra, every:N, adaptive, adaptive:DB, regions or regions:DB)",
                         s->fast.keyframes);
    fsr_key_policy_name(&fs->policy, r->fast.keyframes, sizeof(r->fast.keyframes));
    return 0;
}

/* The SR backend: bicubic, or the model on the float engine or in the
 * accelerator's fixed-point arithmetic (its architecture's datapath). */
static int run_open_backend(Run *run)
{
    const FsrSettings *s = run->s;
    FsrSRSettings ss = { .backend = FSR_SR_BICUBIC, .threads = s->threads, .scale = s->scale };
    int ret;
    if (s->mode != FSR_MODE_BICUBIC) {
        if ((ret = load_model(s, &run->model, &run->r->sr.model_scale)) < 0)
            return ret;
        if (s->sr.backend == FSR_SR_FIXED && s->sr.precision != FSR_PRECISION_FP32)
            return fsr_error(FSR_ERR(EINVAL), "the accelerator backend has its architecture's arithmetic: "
                             "it takes no other precision than fp32 (%s asked)",
                             fsr_sr_precision_name(s->sr.precision));
        if (s->sr.backend == FSR_SR_FIXED) {
            FsrAccelArch arch;
            if ((ret = fsr_accel_arch_get(&arch, s->accel.arch ? s->accel.arch : FSR_ACCEL_DEFAULT_ARCH)) < 0)
                return ret;
            accel_sr_settings(&ss, &arch);
            ss.threads = s->threads;
        } else if (s->sr.backend == FSR_SR_FLOAT) {
            if (s->sr.precision != FSR_PRECISION_FP32 && run->model->input != FSR_INPUT_BICUBIC_Y)
                return fsr_error(FSR_ERR_UNSUPPORTED, "precision %s runs bicubic-input (SRCNN-style) models only, "
                                 "not %s: choose one with --model (e.g. srcnn-9-1-5-x%d)",
                                 fsr_sr_precision_name(s->sr.precision), run->model->arch, run->model->scale);
            if ((ret = fsr_sr_set_precision(&ss, s->sr.precision)) < 0)
                return ret;
        } else {
            return fsr_error(FSR_ERR(EINVAL), "unknown SR backend %d", s->sr.backend);
        }
    }
    ret = fsr_sr_open(&run->sr, run->model, &ss);
    run->fs.sr = run->sr;
    if (ret >= 0 && s->mode != FSR_MODE_BICUBIC && s->accel.arch && !s->accel.shape_only) {
        /* The activations' zeros, for an architecture that acts on them:
         * sampled on the first key frame and one in every 16 after it. */
        FsrAccelArch arch;
        FsrSRSettings dp;
        if ((ret = fsr_accel_arch_get(&arch, s->accel.arch)) < 0)
            return ret;
        accel_sr_settings(&dp, &arch);
        /* the fixed-point datapath runs bicubic-input (SRCNN-style)
         * networks only: an LR-space network is priced by its shapes */
        if ((arch.rlc || arch.zero_gating) && run->model->input == FSR_INPUT_BICUBIC_Y)
            ret = fsr_sr_sample_zeros(run->sr, run->model, &dp, 16);
    }
    return ret;
}

/* The decoder, the engine and (with an output file) the encoder thread. */
static int run_open_io(Run *run)
{
    const FsrSettings *s = run->s;
    FsrReport *r = run->r;
    const FsrDecoderSettings ds = { .threads = s->threads, .on_packet = copy_packet, .opaque = run,
                                    .high_depth = s->decode.depth != 8 };
    int ret;
    if (s->decode.window && s->decode.window_start >= s->decode.window_end)
        return fsr_error(FSR_ERR(EINVAL), "empty display window [%lld, %lld)", (long long)s->decode.window_start,
                         (long long)s->decode.window_end);
    if ((ret = input_open(&run->in, s, &ds)) < 0)
        return ret;
    const FsrDecoder *dec = run->in.dec;
    if (s->decode.window) {
        /* in the stream's time base, rounded as a remux rounds timestamps */
        const AVRational tb = { s->decode.window_tb_num, s->decode.window_tb_den };
        const int rescale = tb.num > 0 && tb.den > 0 && av_cmp_q(tb, dec->stream->time_base);
        run->in.window = 1;
        run->in.start = s->decode.window_start;
        run->end = s->decode.window_end;
        if (rescale && run->in.start != INT64_MIN)
            run->in.start = av_rescale_q(run->in.start, tb, dec->stream->time_base);
        if (rescale && run->end != INT64_MAX)
            run->end = av_rescale_q(run->end, tb, dec->stream->time_base);
    }
    r->in_w = dec->width;
    r->in_h = dec->height;
    r->depth = dec->depth;
    r->out_w = dec->width * s->scale;
    r->out_h = dec->height * s->scale;
    if ((ret = fsr_fast_open(&run->fast, &run->fs)) < 0 || !s->output)
        return ret;
    const FsrEncoderSettings es = {
        .path = s->output, .overwrite = s->encode.overwrite, .width = r->out_w, .height = r->out_h,
        .in_video = dec->stream, .in_codec = dec->codec, .in_fmt = dec->fmt, .in_video_index = dec->stream_index,
        .format = s->encode.format, .encoder = s->encode.encoder, .crf = s->encode.crf, .preset = s->encode.preset,
        .x264_params = s->encode.x264_params, .encoder_opts = s->encode.encoder_opts, .threads = s->threads,
        .depth = dec->depth,
    };
    if ((ret = fsr_encoder_open(&run->enc, &es)) < 0 ||
        (ret = fsr_encode_thread_start(&run->enc_thread, run->enc, 3)) < 0)
        return ret;
    run->copy_to = run->enc_thread;
    /* what the output really carries: a stream its container refused was
     * dropped with a warning and is not counted */
    r->copied_streams = fsr_encoder_copied_streams(run->enc);
    return 0;
}

/* Hands one finished HR frame to the caller's callback, the encoder and the
 * progress callback. */
static int run_deliver(Run *run, const FsrFastFrame *ff, FsrProgress *prog)
{
    const FsrSettings *s = run->s;
    FsrReport *r = run->r;
    int ret;
    count_frame(r, ff, run->s->mode != FSR_MODE_BICUBIC);
    if (s->frame_done) {
        const double t = clock_wall();
        ret = s->frame_done(s->opaque, ff);
        r->seconds.callback += clock_wall() - t;
        if (ret < 0)
            return ret;
    }
    if (run->enc_thread && (ret = fsr_encode_thread_frame(run->enc_thread, ff->hr, ff->pts, ff->duration)) < 0)
        return ret;
    if (s->progress) {
        prog->frames_done = r->frames;
        prog->seconds = clock_wall() - run->t0;
        s->progress(s->opaque, prog);
    }
    return 0;
}

/* Decodes every frame into the engine and delivers every frame it
 * finishes, until the input ends and the engine is drained. */
static int run_frames(Run *run)
{
    const FsrSettings *s = run->s;
    FsrReport *r = run->r;
    FsrProgress prog = { .frames_total = run->in.dec->nb_frames };
    int ret = 0, eof = 0;
    while (!eof || ret != 1) {
        if (s->cancel && *s->cancel)
            return fsr_error(FSR_ERR(EINTR), "interrupted; %s was not written",
                             !s->output ? "output" : strcmp(s->output, "-") ? s->output : "the rest of stdout");
        if (!eof) {
            FsrFrame f;
            const FsrBlockMap *map = NULL;
            const double t = clock_wall();
            ret = input_read(&run->in, &f, &map);
            r->seconds.decode += clock_wall() - t;
            if (ret < 0)
                return ret;
            if (ret == 1) {
                eof = 1;
                fsr_fast_flush(run->fast);
            } else {
                /* HDR output: the first frame's mastering display and light
                 * level (HEVC SEI), before any HR frame (encode.h) */
                if (run->enc_thread && !run->first_given && f.av) {
                    run->first_given = 1;
                    if ((ret = fsr_encode_thread_first_frame(run->enc_thread, f.av)) < 0)
                        return ret;
                }
                /* after the window: a reference of frames inside only */
                const int after = run->in.window && f.pts != AV_NOPTS_VALUE && f.pts >= run->end;
                run->after += after;
                run->after_corrupt += after && f.corrupt;
                if (!after)
                    count_blocks(r, map);
                if ((ret = fsr_fast_push(run->fast, &f.pic, map, f.pts, f.duration)) < 0)
                    return ret;
            }
        }
        /* every frame the engine can finish now */
        FsrFastFrame ff;
        while ((ret = fsr_fast_pull(run->fast, &ff)) == 0) {
            /* the search predicts the next pictures from a key frame */
            if (ff.key)
                fsr_motion_mark_key(run->in.ms, ff.display_index);
            if (run->in.window && ff.pts != AV_NOPTS_VALUE && ff.pts >= run->end)
                continue;
            if ((ret = run_deliver(run, &ff, &prog)) < 0)
                return ret;
        }
        if (ret < 0)
            return ret;
    }
    return 0;
}

/* The decoder's error counts into the report; corrupt frames outside
 * decode.window (a segment's dropped leading pictures and the references
 * after it) are not the run's damage. */
static void report_decode_counts(Run *run)
{
    const FsrDecoder *dec = run->in.dec;
    run->r->decode.decode_errors = dec->decode_errors;
    run->r->decode.corrupt_frames = dec->corrupt_frames - run->in.dropped_corrupt - run->after_corrupt;
}

/* A damaged input fails the run unless keep_going asks for the frames that
 * decode; the damage is in the report either way (README: counted and
 * reported), for the front end to say. */
static int run_check_damage(Run *run)
{
    const FsrSettings *s = run->s;
    FsrReport *r = run->r;
    const FsrDecoder *dec = run->in.dec;
    const char *output = !s->output ? "output" : strcmp(s->output, "-") ? s->output : "stdout's trailer";
    const char *input = dec->path;
    report_decode_counts(run);
    if (r->frames == 0)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: no video frame could be decoded", input);
    r->decode.truncated = dec->truncated;
    r->decode.packets_read = dec->packets_read;
    r->decode.packets_expected = dec->nb_frames;
    r->decode.damaged = r->decode.decode_errors || r->decode.corrupt_frames;
    if (r->decode.truncated && !s->decode.keep_going)
        return fsr_error(FSR_ERR_INVALIDDATA,
                         "%s: the file is truncated (%lld of %lld video packets present); %s not written",
                         input, (long long)r->decode.packets_read, (long long)r->decode.packets_expected, output);
    if (r->decode.damaged && !s->decode.keep_going)
        return fsr_error(FSR_ERR_INVALIDDATA,
                         "%s: damaged video: %lld decode errors, %lld concealed frames; %s not written",
                         input, (long long)r->decode.decode_errors, (long long)r->decode.corrupt_frames, output);
    return 0;
}

/* The accelerator figures and the end of the output file. */
static int run_finish(Run *run)
{
    const FsrSettings *s = run->s;
    FsrReport *r = run->r;
    int ret;
    if (run->model && s->accel.arch && (ret = accel_report(s, run->model, run->sr, r)) < 0)
        return ret;
    if (!run->enc_thread)
        return 0;
    if ((ret = fsr_encode_thread_end(&run->enc_thread, 1, &r->seconds.encode)) == 0)
        r->output_bytes = fsr_encoder_bytes(run->enc);
    return ret;
}

static void run_close(Run *run)
{
    FsrReport *r = run->r;
    /* a failed run: the queue is dropped and the file removed below */
    fsr_encode_thread_end(&run->enc_thread, 0, NULL);
    if (run->in.dec)
        report_decode_counts(run);
    r->decode.outside_window = run->in.dropped + run->after;
    r->decode.outside_upscaled = run->after;
    r->fast.motion = run->in.motion ? run->in.motion : "none";
    FsrMpegStats mst;
    if (run->in.si && fsr_sideinfo_mpeg_stats(run->in.si, &mst)) {
        r->fast.stream_map_frames = mst.frames;
        r->fast.stream_map_seconds = mst.seconds;
        r->fast.stream_fallback_mbs = mst.fallback_field;
        r->fast.stream_derived_blocks = mst.derived;
        r->fast.stream_fallback_frames = mst.frames_no_vectors + mst.frames_gmc + mst.frames_format;
    }
    if (run->in.ms) {
        FsrMotionStats ms;
        fsr_motion_stats(run->in.ms, &ms);
        r->fast.searched_frames = ms.frames;
        r->fast.motion_seconds = ms.seconds;
    }
    fsr_encoder_close(&run->enc);
    fsr_fast_close(&run->fast);
    input_close(&run->in);
    fsr_sr_close(&run->sr);
    fsr_model_close(&run->model);
    r->seconds.upscale = r->seconds.sr + r->seconds.transfer;
    /* the caller's own per-frame work (a benchmark's PSNR) is not ours */
    r->seconds.total = clock_wall() - run->t0 - r->seconds.callback;
}

int fsr_run(const FsrSettings *s, FsrReport *r)
{
    FsrReport local;
    if (!r)
        r = &local;
    memset(r, 0, sizeof(*r));
    Run run = { .s = s, .r = r };
    int ret = run_settings(&run);
    if (ret < 0)
        return ret;
    run.t0 = clock_wall();
    if (s->output && (ret = fsr_output_check(s->output, strcmp(s->input, "-") ? s->input : NULL,
                                             s->encode.overwrite, s->encode.format)) < 0)
        return ret;
    if ((ret = run_open_backend(&run)) >= 0 && (ret = run_open_io(&run)) >= 0 && (ret = run_frames(&run)) >= 0 &&
        (ret = run_check_damage(&run)) >= 0)
        ret = run_finish(&run);
    run_close(&run);
    return ret;
}

int fsr_output_name(const FsrSettings *s, const char *input, const char *outdir, char *path, size_t size)
{
    char ext[32];
    int ret = fsr_output_ext(input, s->encode.format, s->encode.encoder, ext, sizeof(ext));
    if (ret < 0)
        return ret;
    const char *slash = strrchr(input, '/');
    const char *name = slash ? slash + 1 : input;
    const char *dot = strrchr(name, '.');
    const int n = dot && dot != name ? (int)(dot - name) : (int)strlen(name);
    const size_t dl = strlen(outdir);
    const int sep = dl && outdir[dl - 1] != '/';
    if ((size_t)snprintf(path, size, "%s%s%.*s.%s", outdir, sep ? "/" : "", n, name, ext) >= size)
        return fsr_error(FSR_ERR(ENAMETOOLONG), "%s: output path too long", input);
    return 0;
}

static void add_accel_json(cJSON *json_object, const FsrReport *r)
{
    cJSON *a = cJSON_AddObjectToObject(json_object, "accel");
    cJSON_AddStringToObject(a, "arch", r->accel.arch);
    cJSON_AddNumberToObject(a, "seconds_per_frame", r->accel.seconds_per_frame);
    cJSON_AddNumberToObject(a, "energy_per_frame", r->accel.energy_per_frame);
    cJSON_AddStringToObject(a, "energy_unit", r->accel.energy_unit);
    cJSON_AddNumberToObject(a, "dram_energy_per_frame", r->accel.dram_energy_per_frame);
    cJSON_AddNumberToObject(a, "dram_bytes_per_frame", r->accel.dram_bytes_per_frame);
    /* joules only when the architecture gives pJ; relative units otherwise */
    if (r->accel.joules_per_frame >= 0) {
        cJSON_AddNumberToObject(a, "joules_per_frame", r->accel.joules_per_frame);
        cJSON_AddNumberToObject(a, "dram_joules_per_frame", r->accel.dram_joules_per_frame);
        cJSON_AddNumberToObject(a, "sr_joules_per_frame", r->accel.sr_joules);
        cJSON_AddNumberToObject(a, "transfer_joules_per_frame", r->accel.transfer_joules);
        /* against SR on every frame */
        cJSON_AddNumberToObject(a, "joules_saved_per_frame", r->accel.sr_joules - r->accel.joules_per_frame);
    } else {
        cJSON_AddNullToObject(a, "joules_per_frame");
    }
    cJSON_AddNumberToObject(a, "zeros_sampled_frames", r->accel.zeros_frames);
    cJSON *z = cJSON_AddArrayToObject(a, "ifmap_zeros");
    for (int i = 0; r->accel.zeros_frames > 0 && i < r->accel.n_layers; i++)
        cJSON_AddItemToArray(z, cJSON_CreateNumber(r->accel.ifmap_zeros[i]));
    cJSON_AddNumberToObject(a, "sr_share", r->accel.sr_share);
    cJSON_AddNumberToObject(a, "transfer_share", r->accel.transfer_share);
    cJSON_AddNumberToObject(a, "srcnn_seconds_per_frame", r->accel.srcnn_seconds_per_frame);
    cJSON_AddNumberToObject(a, "srcnn_energy_per_frame", r->accel.srcnn_energy_per_frame);
    cJSON_AddNumberToObject(a, "speedup_vs_srcnn",
                            r->accel.seconds_per_frame > 0 ? r->accel.srcnn_seconds_per_frame /
                                                                 r->accel.seconds_per_frame : 0);
    cJSON_AddNumberToObject(a, "energy_ratio_vs_srcnn",
                            r->accel.srcnn_energy_per_frame > 0 ? r->accel.energy_per_frame /
                                                                      r->accel.srcnn_energy_per_frame : 0);
}

char *fsr_report_accel_json(const FsrReport *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    add_accel_json(o, r);
    char *text = cJSON_PrintUnformatted(cJSON_GetObjectItem(o, "accel"));
    cJSON_Delete(o);
    return text;
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
    cJSON_AddNumberToObject(o, "depth", r->depth);
    cJSON_AddNumberToObject(o, "frames", (double)r->frames);
    cJSON_AddNumberToObject(o, "decode_errors", (double)r->decode.decode_errors);
    cJSON_AddNumberToObject(o, "corrupt_frames", (double)r->decode.corrupt_frames);
    /* a segment's run (decode.window): what it decoded besides its frames */
    if (r->decode.outside_window) {
        cJSON_AddNumberToObject(o, "outside_window_frames", (double)r->decode.outside_window);
        cJSON_AddNumberToObject(o, "outside_window_upscaled", (double)r->decode.outside_upscaled);
    }
    cJSON_AddNumberToObject(o, "copied_streams", (double)r->copied_streams);
    cJSON_AddNumberToObject(o, "output_bytes", (double)r->output_bytes);
    cJSON_AddStringToObject(o, "keyframes", r->fast.keyframes);
    cJSON_AddStringToObject(o, "motion", r->fast.motion ? r->fast.motion : "none");
    cJSON_AddNumberToObject(o, "searched_frames", (double)r->fast.searched_frames);
    if (r->fast.stream_map_frames) {
        cJSON *sm = cJSON_AddObjectToObject(o, "stream_maps");
        cJSON_AddNumberToObject(sm, "frames", (double)r->fast.stream_map_frames);
        cJSON_AddNumberToObject(sm, "fallback_macroblocks", (double)r->fast.stream_fallback_mbs);
        cJSON_AddNumberToObject(sm, "derived_blocks", (double)r->fast.stream_derived_blocks);
        cJSON_AddNumberToObject(sm, "fallback_frames", (double)r->fast.stream_fallback_frames);
    }
    cJSON *ft = cJSON_AddObjectToObject(o, "frames_by_type");
    cJSON_AddNumberToObject(ft, "I", (double)r->decode.frames_i);
    cJSON_AddNumberToObject(ft, "P", (double)r->decode.frames_p);
    cJSON_AddNumberToObject(ft, "B", (double)r->decode.frames_b);
    cJSON_AddNumberToObject(o, "sr_frames", (double)r->sr.frames);
    cJSON_AddNumberToObject(o, "transferred_frames", (double)r->fast.transferred_frames);
    cJSON_AddNumberToObject(o, "sr_work_share", r->fast.sr_work_share);
    cJSON_AddNumberToObject(o, "region_frames", (double)r->fast.region_frames);
    cJSON_AddNumberToObject(o, "region_rects", (double)r->fast.region_rects);
    cJSON *bk = cJSON_AddObjectToObject(o, "blocks");
    cJSON_AddNumberToObject(bk, "intra", (double)r->fast.blocks_intra);
    cJSON_AddNumberToObject(bk, "skip", (double)r->fast.blocks_skip);
    cJSON_AddNumberToObject(bk, "direct", (double)r->fast.blocks_direct);
    cJSON_AddNumberToObject(bk, "inter", (double)r->fast.blocks_inter);
    cJSON_AddNumberToObject(bk, "bi", (double)r->fast.blocks_bi);
    const double area = r->fast.area_transferred > 0 ? (double)r->fast.area_transferred : 1.0;
    cJSON_AddNumberToObject(o, "fallback_share", r->fast.area_fallback / area);
    cJSON_AddNumberToObject(o, "intra_share", r->fast.area_intra / area);
    cJSON *sec = cJSON_AddObjectToObject(o, "seconds");
    cJSON_AddNumberToObject(sec, "decode", r->seconds.decode);
    cJSON_AddNumberToObject(sec, "sr", r->seconds.sr);
    cJSON_AddNumberToObject(sec, "transfer", r->seconds.transfer);
    cJSON_AddNumberToObject(sec, "motion_search", r->fast.motion_seconds);
    if (r->fast.stream_map_frames)
        cJSON_AddNumberToObject(sec, "stream_maps", r->fast.stream_map_seconds);
    cJSON_AddNumberToObject(sec, "upscale", r->seconds.upscale);
    cJSON_AddNumberToObject(sec, "encode", r->seconds.encode);
    cJSON_AddNumberToObject(sec, "total", r->seconds.total);
    cJSON_AddNumberToObject(o, "fps", r->seconds.total > 0 ? r->frames / r->seconds.total : 0);
    if (r->accel.valid)
        add_accel_json(o, r);
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
