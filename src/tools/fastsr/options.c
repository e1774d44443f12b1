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
            "Upscales a video (or an image) by 2, 3 or 4: super-resolution on key frames,\n"
            "carried to the other frames with the bitstream's motion vectors (FAST).\n"
            "\n"
            "  -s, --scale N          upscaling factor 2, 3 or 4 (default 2)\n"
            "  -m, --mode MODE        fast | srcnn | bicubic (default fast)\n"
            "      --model FILE       SR model (.safetensors); default: the shipped model for the scale\n"
            "  -k, --keyframes P      fast mode: which frames get SR: intra | every:N | adaptive[:DB]\n"
            "                         (default adaptive:0.12)\n"
            "      --hr-filter F      fast mode: HR interpolation: bicubic | bilinear | h264 | cubic:A\n"
            "      --fallback T       fast mode: blocks with mean |LR residual| >= T become bicubic\n"
            "                         (default 10; 0 disables)\n"
            "      --deblock          fast mode: smooth block seams of transferred frames (default off)\n"
            "      --backend B        SR arithmetic: float (default) | accel (the accelerator model's\n"
            "                         fixed-point datapath; slow, exact to the modelled chip)\n"
            "      --accel ARCH       accelerator for the report's time/energy model: eyeriss-v1,\n"
            "                         eyeriss-v1-tiled (default), a JSON file, or none\n"
            "      --accel-shape-only price SR frames by layer shapes alone (default: with the zeros of\n"
            "                         the activations, sampled on key frames in the chip's datapath)\n"
            "      --crf N            x264 constant rate factor 0..51 (default 18)\n"
            "      --preset NAME      x264 preset, ultrafast .. placebo (default medium)\n"
            "      --x264-params P    extra x264 options, key=value:key=value\n"
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
            "\n"
            "Exit status: 0 success, 1 failure (input, output or processing),\n"
            "2 bad command line, 130 interrupted. A failed or interrupted run leaves\n"
            "no file at OUTPUT.\n");
}

int cli_parse(CliOptions *o, int argc, char **argv, char *err, int err_size)
{
    enum { OPT_MODEL = 256, OPT_CRF, OPT_PRESET, OPT_X264, OPT_REPORT, OPT_KEEP, OPT_FILTER, OPT_FALLBACK, OPT_BACKEND, OPT_ACCEL, OPT_DEBLOCK, OPT_SHAPE_ONLY,
           OPT_SEGMENTS, OPT_SEGMENT_SECONDS, OPT_WORK_DIR, OPT_JOBS };
    static const struct option longopts[] = {
        { "scale", required_argument, NULL, 's' },
        { "mode", required_argument, NULL, 'm' },
        { "model", required_argument, NULL, OPT_MODEL },
        { "keyframes", required_argument, NULL, 'k' },
        { "hr-filter", required_argument, NULL, OPT_FILTER },
        { "fallback", required_argument, NULL, OPT_FALLBACK },
        { "backend", required_argument, NULL, OPT_BACKEND },
        { "accel", required_argument, NULL, OPT_ACCEL },
        { "accel-shape-only", no_argument, NULL, OPT_SHAPE_ONLY },
        { "deblock", no_argument, NULL, OPT_DEBLOCK },
        { "crf", required_argument, NULL, OPT_CRF },
        { "preset", required_argument, NULL, OPT_PRESET },
        { "x264-params", required_argument, NULL, OPT_X264 },
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
    while ((c = getopt_long(argc, argv, ":s:m:k:t:yqvhV", longopts, NULL)) != -1) {
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
                return snprintf(err, err_size, "--keyframes must be intra, every:N or adaptive[:DB], not '%s'",
                                optarg), -1;
            s->fast.keyframes = optarg;
            break;
        }
        case OPT_FILTER: s->fast.hr_filter = optarg; break;
        case OPT_BACKEND:
            if (strcmp(optarg, "float") && strcmp(optarg, "accel"))
                return snprintf(err, err_size, "--backend must be float or accel, not '%s'", optarg), -1;
            s->sr.backend = !strcmp(optarg, "accel") ? FSR_SR_FIXED : FSR_SR_FLOAT;
            break;
        case OPT_ACCEL: s->accel.arch = strcmp(optarg, "none") ? optarg : NULL; break;
        case OPT_SHAPE_ONLY: s->accel.shape_only = 1; break;
        case OPT_DEBLOCK: s->fast.deblock = 1; break;
        case OPT_FALLBACK: {
            char *end;
            s->fast.fallback = strtod(optarg, &end);
            if (end == optarg || *end || !(s->fast.fallback >= 0 && s->fast.fallback <= 255))
                return snprintf(err, err_size, "--fallback must be a number 0..255, not '%s'", optarg), -1;
            break;
        }
        case OPT_CRF:
            if (tool_parse_int(optarg, 0, 51, &s->encode.crf) < 0)
                return snprintf(err, err_size, "--crf must be an integer 0..51, not '%s'", optarg), -1;
            break;
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
