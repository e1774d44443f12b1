#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/bicubic.h"
#include "fastsr/segments.h"
#include "options.h"
#include "toolutil.h"

void cli_usage(FILE *f)
{
    fprintf(f,
            "Usage: fastsr [options] INPUT OUTPUT\n"
            "       fastsr [options] -o OUTDIR INPUT... (files or folders; a batch)\n"
            "Upscales a video (or an image) by 2, 3 or 4: super-resolution on key frames,\n"
            "carried to the other frames with the bitstream's motion vectors (FAST).\n"
            "\n"
            "  -s, --scale N          upscaling factor 2, 3 or 4 (default 2)\n"
            "  -m, --mode MODE        fast | srcnn | bicubic (default fast)\n"
            "      --model FILE       SR model (.safetensors); default: the shipped model for the scale\n"
            "  -k, --keyframes P      fast mode: which frames get SR: intra | every:N | adaptive[:DB] |\n"
            "                         regions[:DB[:SHARE]] (SR of the regions the transfer cannot\n"
            "                         serve, at most SHARE of per-frame SR's work; default\n"
            "                         regions:0.4:0.1)\n"
            "      --hr-filter F      fast mode: HR interpolation: bicubic | bilinear | h264 | cubic:A\n"
            "      --fallback T       fast mode: blocks with mean |LR residual| >= T become bicubic\n"
            "                         (default 10; 0 disables)\n"
            "      --deblock          fast mode: smooth block seams of transferred frames (default off)\n"
            "      --back-project B   fast mode: on | off: correct transferred frames by one\n"
            "                         back-projection step against the LR frame (default on)\n"
            "      --refine B         fast mode: on | off: refine the vectors to HR sub-pel\n"
            "                         precision by the LR frame (default on)\n"
            "      --motion M         fast mode: block maps from auto (H.264's side information, else fastsr's\n"
            "                         motion search; default) | stream (H.264, MPEG-2, MPEG-4 Part 2 vectors\n"
            "                         only) | search | none\n"
            "      --motion-refs N    fast mode: reference pictures of the motion search, 1..4 (default 1:\n"
            "                         the last anchor; more: also the anchors before it)\n"
            "      --backend B        SR arithmetic: float (default) | accel (the accelerator model's\n"
            "                         fixed-point datapath; slow, exact to the modelled chip)\n"
            "      --precision P      the float backend's arithmetic: fp32 (default) | int16 | int8 (integer\n"
            "                         words, one weight scale per channel; SRCNN-style models only)\n"
            "      --accel ARCH       accelerator for the report's time/energy model: eyeriss-v1,\n"
            "                         eyeriss-v1-tiled (default), a JSON file, or none\n"
            "      --accel-shape-only price SR frames by layer shapes alone (default: with the zeros of\n"
            "                         the activations, sampled on key frames in the chip's datapath)\n"
            "  -f, --format NAME      output container (ffmpeg -f name: matroska, mpegts,\n"
            "                         yuv4mpegpipe, mp4 ...); default: OUTPUT's extension,\n"
            "                         matroska when OUTPUT is - (stdout)\n"
            "  -c:v, --encoder NAME   video encoder (ffmpeg -encoders): libx264 (default), libx265,\n"
            "                         libsvtav1, libaom-av1, libvpx-vp9, h264_nvenc ...\n"
            "      --crf N            constant rate factor (default 18 for libx264, else the\n"
            "                         encoder's); 0..51 for x264/x265, 0..63 for AV1/VP9\n"
            "      --preset NAME      encoder preset: x264/x265 ultrafast .. placebo (default medium),\n"
            "                         libsvtav1 0..13\n"
            "      --x264-params P    extra libx264 options, key=value:key=value\n"
            "      --output-depth D   auto (default): 10-bit output, and 10-bit work, for inputs of\n"
            "                         more than 8 bits, 8-bit for the rest; 8: 8 bits throughout\n"
            "      --encoder-opts P   the encoder's own options, key=value:key=value\n"
            "                         (ffmpeg -h encoder=NAME lists them)\n"
            "  -o, --outdir DIR       batch: write each INPUT to DIR/NAME.EXT (outputs that exist\n"
            "                         are skipped unless -y); a folder INPUT adds its video files\n"
            "  -t, --threads N        worker threads (default: all cores)\n"
            "  -y, --overwrite        replace OUTPUT if it exists\n"
            "      --keep-going       keep the output even when the input has decode errors\n"
            "      --report FILE      write a JSON report of the run\n"
            "  -q, --quiet            no progress line\n"
            "  -v, --verbose          also show FFmpeg's messages\n"
            "      --segments         cut the input at IDR frames into segments, upscale them in\n"
            "                         parallel, merge without re-encoding; rerunning the same\n"
            "                         command resumes (README \"Segments\")\n"
            "      --segment-seconds S  about S seconds per segment (default 30)\n"
            "      --work-dir DIR     the segments' work folder (default OUTPUT.segments)\n"
            "      --jobs N           segments at once (default: one per core)\n"
            "  -h, --help             this help\n"
            "  -V, --version          version\n"
            "\n"
            "OUTPUT's extension picks the container (.mp4, .mkv, .mov, ...) or an image\n"
            "format (.png, ...). Audio and subtitle streams are copied untouched.\n"
            "INPUT - reads stdin; OUTPUT - writes stdout (--format).\n"
            "\n"
            "Exit status: 0 success, 1 failure (input, output or processing; in a batch:\n"
            "one input or more failed), 2 bad command line, 130 interrupted. A failed or\n"
            "interrupted run leaves no file at OUTPUT (on stdout the stream just ends).\n");
}

int cli_parse(CliOptions *o, int argc, char **argv, char *err, int err_size)
{
    enum { OPT_MODEL = 256, OPT_CRF, OPT_PRESET, OPT_X264, OPT_REPORT, OPT_KEEP, OPT_FILTER, OPT_FALLBACK, OPT_BACKEND, OPT_ACCEL, OPT_DEBLOCK, OPT_BACK_PROJECT, OPT_REFINE, OPT_OUTPUT_DEPTH, OPT_SHAPE_ONLY,
           OPT_ENCODER, OPT_ENCODER_OPTS, OPT_MOTION, OPT_MOTION_REFS, OPT_PRECISION, OPT_SEGMENTS, OPT_SEGMENT_SECONDS, OPT_WORK_DIR, OPT_JOBS };
    static const struct option longopts[] = {
        { "scale", required_argument, NULL, 's' },
        { "mode", required_argument, NULL, 'm' },
        { "model", required_argument, NULL, OPT_MODEL },
        { "keyframes", required_argument, NULL, 'k' },
        { "hr-filter", required_argument, NULL, OPT_FILTER },
        { "fallback", required_argument, NULL, OPT_FALLBACK },
        { "backend", required_argument, NULL, OPT_BACKEND },
        { "precision", required_argument, NULL, OPT_PRECISION },
        { "accel", required_argument, NULL, OPT_ACCEL },
        { "accel-shape-only", no_argument, NULL, OPT_SHAPE_ONLY },
        { "deblock", no_argument, NULL, OPT_DEBLOCK },
        { "back-project", required_argument, NULL, OPT_BACK_PROJECT },
        { "refine", required_argument, NULL, OPT_REFINE },
        { "output-depth", required_argument, NULL, OPT_OUTPUT_DEPTH },
        { "motion", required_argument, NULL, OPT_MOTION },
        { "motion-refs", required_argument, NULL, OPT_MOTION_REFS },
        { "crf", required_argument, NULL, OPT_CRF },
        { "preset", required_argument, NULL, OPT_PRESET },
        { "x264-params", required_argument, NULL, OPT_X264 },
        { "format", required_argument, NULL, 'f' },
        { "encoder", required_argument, NULL, OPT_ENCODER },
        { "encoder-opts", required_argument, NULL, OPT_ENCODER_OPTS },
        { "outdir", required_argument, NULL, 'o' },
        { "threads", required_argument, NULL, 't' },
        { "overwrite", no_argument, NULL, 'y' },
        { "keep-going", no_argument, NULL, OPT_KEEP },
        { "report", required_argument, NULL, OPT_REPORT },
        { "quiet", no_argument, NULL, 'q' },
        { "verbose", no_argument, NULL, 'v' },
        { "segments", no_argument, NULL, OPT_SEGMENTS },
        { "segment-seconds", required_argument, NULL, OPT_SEGMENT_SECONDS },
        { "work-dir", required_argument, NULL, OPT_WORK_DIR },
        { "jobs", required_argument, NULL, OPT_JOBS },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof(*o));
    fsr_run_defaults(&o->settings);
    FsrSettings *s = &o->settings;
    optind = 1;
    opterr = 0;
    int c;
    /* ffmpeg users type -x264-params with one dash: accept it too. */
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-x264-params"))
            argv[i] = "--x264-params";
        else if (!strcmp(argv[i], "-c:v") || !strcmp(argv[i], "-vcodec"))
            argv[i] = "--encoder";
    while ((c = getopt_long(argc, argv, ":s:m:k:t:f:o:yqvhV", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (tool_parse_int(optarg, FSR_MIN_SCALE, FSR_MAX_SCALE, &s->scale) < 0)
                return snprintf(err, err_size, "--scale must be 2, 3 or 4, not '%s'", optarg), -1;
            break;
        case 'm':
            if (!strcmp(optarg, "fast"))
                s->mode = FSR_MODE_FAST;
            else if (!strcmp(optarg, "srcnn"))
                s->mode = FSR_MODE_SRCNN;
            else if (!strcmp(optarg, "bicubic"))
                s->mode = FSR_MODE_BICUBIC;
            else
                return snprintf(err, err_size, "--mode must be fast, srcnn or bicubic, not '%s'", optarg), -1;
            break;
        case OPT_MODEL: s->sr.model = optarg; break;
        case 'k': {
            FsrKeyPolicy p;
            if (fsr_key_policy_parse(&p, optarg) < 0)
                return snprintf(err, err_size,
                                "--keyframes must be intra, every:N, adaptive[:DB], regions[:DB[:SHARE]] or all, "
                                "not '%s'", optarg), -1;
            s->fast.keyframes = optarg;
            break;
        }
        case OPT_FILTER: s->fast.hr_filter = optarg; break;
        case OPT_BACKEND:
            if (strcmp(optarg, "float") && strcmp(optarg, "accel"))
                return snprintf(err, err_size, "--backend must be float or accel, not '%s'", optarg), -1;
            s->sr.backend = !strcmp(optarg, "accel") ? FSR_SR_FIXED : FSR_SR_FLOAT;
            break;
        case OPT_PRECISION:
            if ((s->sr.precision = fsr_sr_precision_parse(optarg)) < 0)
                return snprintf(err, err_size, "--precision must be fp32, int16 or int8, not '%s'", optarg), -1;
            break;
        case OPT_ACCEL: s->accel.arch = strcmp(optarg, "none") ? optarg : NULL; break;
        case OPT_SHAPE_ONLY: s->accel.shape_only = 1; break;
        case OPT_DEBLOCK: s->fast.deblock = 1; break;
        case OPT_BACK_PROJECT:
            if (strcmp(optarg, "on") && strcmp(optarg, "off"))
                return snprintf(err, err_size, "--back-project must be on or off, not '%s'", optarg), -1;
            s->fast.back_project = !strcmp(optarg, "on");
            break;
        case OPT_REFINE:
            if (strcmp(optarg, "on") && strcmp(optarg, "off"))
                return snprintf(err, err_size, "--refine must be on or off, not '%s'", optarg), -1;
            s->fast.refine = !strcmp(optarg, "on");
            break;
        case OPT_OUTPUT_DEPTH:
            if (strcmp(optarg, "auto") && strcmp(optarg, "8"))
                return snprintf(err, err_size, "--output-depth must be auto or 8, not '%s'", optarg), -1;
            s->decode.depth = !strcmp(optarg, "8") ? 8 : 0;
            break;
        case OPT_MOTION:
            if ((s->fast.motion = fsr_motion_source_parse(optarg)) < 0)
                return snprintf(err, err_size, "--motion must be auto, stream, search or none, not '%s'", optarg),
                       -1;
            break;
        case OPT_MOTION_REFS: {
            char *end;
            const long n = strtol(optarg, &end, 10);
            if (end == optarg || *end || n < 1 || n > 4)
                return snprintf(err, err_size, "--motion-refs must be 1..4, not '%s'", optarg), -1;
            s->fast.motion_refs = (int)n;
            break;
        }
        case OPT_FALLBACK: {
            char *end;
            s->fast.fallback = strtod(optarg, &end);
            if (end == optarg || *end || !(s->fast.fallback >= 0 && s->fast.fallback <= 255))
                return snprintf(err, err_size, "--fallback must be a number 0..255, not '%s'", optarg), -1;
            break;
        }
        case OPT_CRF:
            /* the encoder's own range is checked when it opens */
            if (tool_parse_int(optarg, 0, 63, &s->encode.crf) < 0)
                return snprintf(err, err_size, "--crf must be an integer 0..63, not '%s'", optarg), -1;
            break;
        case 'f': s->encode.format = optarg; break;
        case OPT_ENCODER: s->encode.encoder = optarg; break;
        case OPT_ENCODER_OPTS: s->encode.encoder_opts = optarg; break;
        case 'o': o->outdir = optarg; break;
        case OPT_PRESET: s->encode.preset = optarg; break;
        case OPT_X264: s->encode.x264_params = optarg; break;
        case 't':
            if (tool_parse_int(optarg, 1, 256, &s->threads) < 0)
                return snprintf(err, err_size, "--threads must be an integer 1..256, not '%s'", optarg), -1;
            break;
        case 'y': s->encode.overwrite = 1; break;
        case OPT_KEEP: s->decode.keep_going = 1; break;
        case OPT_REPORT: o->report = optarg; break;
        case OPT_SEGMENTS: o->segments.on = 1; break;
        case OPT_SEGMENT_SECONDS: {
            char *end;
            o->segments.seconds = strtod(optarg, &end);
            if (end == optarg || *end || !(o->segments.seconds > 0 && o->segments.seconds <= 86400))
                return snprintf(err, err_size, "--segment-seconds must be a number > 0, not '%s'", optarg), -1;
            break;
        }
        case OPT_WORK_DIR: o->segments.work_dir = optarg; break;
        case OPT_JOBS:
            if (tool_parse_int(optarg, 1, 256, &o->segments.jobs) < 0)
                return snprintf(err, err_size, "--jobs must be an integer 1..256, not '%s'", optarg), -1;
            break;
        case 'q': o->quiet = 1; break;
        case 'v': o->verbose = 1; break;
        case 'h': o->help = 1; return 0;
        case 'V': o->version = 1; return 0;
        case ':': return snprintf(err, err_size, "option %s needs a value", argv[optind - 1]), -1;
        default: return snprintf(err, err_size, "unknown option '%s' (see --help)", argv[optind - 1]), -1;
        }
    }
    if (o->segments.on) {
        /* segments are cut from a file, encoded by x264 and merged into one */
        if (o->outdir)
            return snprintf(err, err_size, "--segments runs one input; it does not go with -o (a batch)"), -1;
        if (s->encode.encoder && strcmp(s->encode.encoder, "libx264"))
            return snprintf(err, err_size, "--segments merges libx264 segments only, not %s", s->encode.encoder), -1;
        if (s->encode.format)
            return snprintf(err, err_size, "--segments writes .mp4, .mov or .mkv files; --format does not apply"), -1;
        for (int i = optind; i < argc; i++)
            if (!strcmp(argv[i], "-"))
                return snprintf(err, err_size, "--segments needs files: it cuts its input and renames its output, "
                                "so neither can be a pipe ('-')"), -1;
    }
    if (o->outdir) {
        if (argc - optind < 1)
            return snprintf(err, err_size, "-o %s: expected one INPUT or more (files or folders)", o->outdir), -1;
        if (o->report)
            return snprintf(err, err_size, "--report writes one run's report; it does not go with -o (a batch)"), -1;
        for (int i = optind; i < argc; i++)
            if (!strcmp(argv[i], "-"))
                return snprintf(err, err_size, "-o (a batch) reads files and folders, not stdin ('-')"), -1;
        o->inputs = argv + optind;
        o->n_inputs = argc - optind;
        return 0;
    }
    if (argc - optind != 2)
        return snprintf(err, err_size, "expected INPUT and OUTPUT, got %d file argument%s (see --help)",
                        argc - optind, argc - optind == 1 ? "" : "s"), -1;
    if (!o->segments.on && (o->segments.seconds > 0 || o->segments.work_dir || o->segments.jobs))
        return snprintf(err, err_size, "--segment-seconds, --work-dir and --jobs need --segments"), -1;
    if (o->segments.seconds <= 0)
        o->segments.seconds = FSR_SEGMENTS_DEFAULT_SECONDS;
    s->input = argv[optind];
    s->output = argv[optind + 1];
    return 0;
}
