/* fastsr-play's command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fastsr/bicubic.h"
#include "fastsr/fast.h"
#include "fastsr/pipeline.h"
#include "play.h"
#include "toolutil.h"

#define DEFAULT_KEYFRAMES "intra"
#define DEFAULT_ARCH "eyeriss-v1-tiled"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: " PLAY_NAME " [options] INPUT\n"
            "Plays a video upscaled in real time with FAST: super-resolution on key frames,\n"
            "carried to the other frames with the bitstream's motion vectors.\n"
            "\n"
            "  -s, --scale N        upscaling factor 2, 3 or 4 (default 2)\n"
            "      --model FILE     SR model (.safetensors); default: the shipped model for the scale\n"
            "  -k, --keyframes P    which frames get SR: intra | every:N | adaptive[:DB] | regions[:DB[:SHARE]] | all\n"
            "                       (default " DEFAULT_KEYFRAMES ", the cheapest)\n"
            "      --motion M       block maps from auto (H.264's side information, else fastsr's motion\n"
            "                       search; default) | stream (H.264, MPEG-2, MPEG-4 Part 2 vectors only:\n"
            "                       other codecs get SR on every frame) | search (motion search for every\n"
            "                       codec) | none (SR on every frame)\n"
            "      --back-project B on (default) | off: FAST's back-projection step on transferred frames\n"
            "      --refine B       on (default) | off: FAST's sub-pel refinement of the vectors\n"
            "      --compare MODE   what the split view compares FAST with: bicubic | srcnn\n"
            "                       (srcnn: per-frame SR while it keeps up, else on pause)\n"
            "      --hr REF         ground-truth HR video (same frames, INPUT's size x scale):\n"
            "                       the HUD shows PSNR-Y per frame\n"
            "      --arch NAME      accelerator model for the HUD's time and energy\n"
            "                       (default " DEFAULT_ARCH "; a name or a JSON file)\n"
            "      --size WxH       initial window size (default: the output size, fitted to the screen)\n"
            "      --renderer R     auto | gpu | software (default auto: the GPU with YUV textures and\n"
            "                       vsync when there is one, else the player's own YUV->RGB converter\n"
            "                       into the window; a software OpenGL such as llvmpipe counts as none)\n"
            "      --precision P    SR arithmetic: fp32 (default) | int16 | int8 (integer words, one weight\n"
            "                       scale per channel; SRCNN-style models only)\n"
            "  -t, --threads N      threads for the engines (default: all cores)\n"
            "      --benchmark      print achieved fps and dropped frames after the run\n"
            "      --frames N       stop after N frames have been shown\n"
            "      --screenshot F   write the last shown frame as a PNG when stopping\n"
            "      --keys LIST      key presses queued once the first frame is shown, comma-separated\n"
            "                       (e.g. \"o,2,h\"; names: a character, space, left, right, escape)\n"
            "      --no-sync        show every frame as soon as it is ready (no audio, no drops)\n"
            "  -h, --help           this help\n"
            "  -V, --version        version\n"
            "\n"
            "Keys: space pause, left/right step one frame when paused, 1 FAST, 2 split view\n"
            "(drag the divider with the mouse), 3 comparison, z magnifier (wheel: zoom),\n"
            "o block-map overlay, h HUD, f fullscreen, ? help, q or Escape quit.\n"
            "\n"
            "Exit status: 0 success, 1 failure (input, display, processing), 2 bad command line.\n");
}

/* The values of --compare and --renderer, indexed by their enums. */
static const char *const compare_names[] = { [COMPARE_BICUBIC] = "bicubic", [COMPARE_SRCNN] = "srcnn" };
static const char *const renderer_names[] = { [RENDER_AUTO] = "auto", [RENDER_GPU] = "gpu",
                                              [RENDER_SOFTWARE] = "software" };

/* *out = the index of s in names[0..n) (the enum value it names). */
static int parse_choice(const char *s, const char *const *names, int n, long *out)
{
    for (int i = 0; i < n; i++)
        if (names[i] && !strcmp(s, names[i])) {
            *out = i;
            return 0;
        }
    return -1;
}

static int bad(const char *fmt, const char *arg)
{
    fprintf(stderr, PLAY_NAME ": error: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see " PLAY_NAME " --help)\n");
    return -1;
}

int play_parse_options(PlayOptions *o, int argc, char **argv)
{
    enum { OPT_MODEL = 256, OPT_COMPARE, OPT_HR, OPT_FRAMES, OPT_SHOT, OPT_KEYS, OPT_BENCH, OPT_NOSYNC,
           OPT_SIZE, OPT_ARCH, OPT_RENDERER, OPT_MOTION, OPT_BACK_PROJECT, OPT_REFINE, OPT_PRECISION };
    static const struct option longopts[] = {
        { "scale", required_argument, NULL, 's' },
        { "model", required_argument, NULL, OPT_MODEL },
        { "keyframes", required_argument, NULL, 'k' },
        { "motion", required_argument, NULL, OPT_MOTION },
        { "back-project", required_argument, NULL, OPT_BACK_PROJECT },
        { "refine", required_argument, NULL, OPT_REFINE },
        { "compare", required_argument, NULL, OPT_COMPARE },
        { "hr", required_argument, NULL, OPT_HR },
        { "arch", required_argument, NULL, OPT_ARCH },
        { "size", required_argument, NULL, OPT_SIZE },
        { "renderer", required_argument, NULL, OPT_RENDERER },
        { "precision", required_argument, NULL, OPT_PRECISION },
        { "threads", required_argument, NULL, 't' },
        { "benchmark", no_argument, NULL, OPT_BENCH },
        { "frames", required_argument, NULL, OPT_FRAMES },
        { "screenshot", required_argument, NULL, OPT_SHOT },
        { "keys", required_argument, NULL, OPT_KEYS },
        { "no-sync", no_argument, NULL, OPT_NOSYNC },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof(*o));
    o->scale = 2;
    o->keyframes = DEFAULT_KEYFRAMES;
    o->arch = DEFAULT_ARCH;
    long v;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":s:k:t:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (tool_parse_long(optarg, FSR_MIN_SCALE, FSR_MAX_SCALE, &v) < 0)
                return bad("--scale '%s': use 2, 3 or 4", optarg);
            o->scale = (int)v;
            break;
        case OPT_MODEL: o->model = optarg; break;
        case 'k': {
            FsrKeyPolicy p;
            if (fsr_key_policy_parse(&p, optarg) < 0)
                return bad("--keyframes '%s': use intra, every:N, adaptive[:DB], regions[:DB[:SHARE]] or all", optarg);
            o->keyframes = optarg;
            break;
        }
        case OPT_MOTION: {
            const int m = fsr_motion_source_parse(optarg);
            if (m < 0)
                return bad("--motion '%s': use auto, stream, search or none", optarg);
            o->motion = m;
            break;
        }
        case OPT_BACK_PROJECT: {
            if (strcmp(optarg, "on") && strcmp(optarg, "off"))
                return bad("--back-project '%s': use on or off", optarg);
            o->no_back_project = !strcmp(optarg, "off");
            break;
        }
        case OPT_REFINE: {
            if (strcmp(optarg, "on") && strcmp(optarg, "off"))
                return bad("--refine '%s': use on or off", optarg);
            o->no_refine = !strcmp(optarg, "off");
            break;
        }
        case OPT_COMPARE:
            if (parse_choice(optarg, compare_names, (int)SDL_arraysize(compare_names), &v) < 0)
                return bad("--compare '%s': use bicubic or srcnn", optarg);
            o->compare = (int)v;
            break;
        case OPT_HR: o->hr_ref = optarg; break;
        case OPT_ARCH: o->arch = optarg; break;
        case OPT_SIZE: {
            int w, h;
            char tail;
            if (sscanf(optarg, "%dx%d%c", &w, &h, &tail) != 2 || w < 16 || h < 16 || w > 16384 || h > 16384)
                return bad("--size '%s': use WIDTHxHEIGHT, e.g. 1280x720", optarg);
            o->width = w;
            o->height = h;
            break;
        }
        case OPT_RENDERER:
            if (parse_choice(optarg, renderer_names, (int)SDL_arraysize(renderer_names), &v) < 0)
                return bad("--renderer '%s': use auto, gpu or software", optarg);
            o->renderer = (int)v;
            break;
        case OPT_PRECISION:
            if ((o->precision = fsr_sr_precision_parse(optarg)) < 0)
                return bad("--precision '%s': use fp32, int16 or int8", optarg);
            break;
        case 't':
            if (tool_parse_long(optarg, 0, 256, &v) < 0)
                return bad("--threads '%s': use 0 (all cores) to 256", optarg);
            o->threads = (int)v;
            break;
        case OPT_BENCH: o->benchmark = 1; break;
        case OPT_FRAMES:
            if (tool_parse_long(optarg, 1, 2000000000L, &v) < 0)
                return bad("--frames '%s': use a positive number", optarg);
            o->max_frames = v;
            break;
        case OPT_SHOT: o->screenshot = optarg; break;
        case OPT_KEYS: o->keys = optarg; break;
        case OPT_NOSYNC: o->no_sync = 1; break;
        case 'h': usage(stdout); return 1;
        case 'V': printf(PLAY_NAME " %s\n", fsr_version()); return 1;
        case ':': return bad("option '%s' needs a value", argv[optind - 1]);
        default: return bad("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return bad("%s", "no INPUT given");
    if (optind + 1 < argc)
        return bad("unexpected argument '%s'", argv[optind + 1]);
    o->input = argv[optind];
    if (o->screenshot) {
        const char *dot = strrchr(o->screenshot, '.');
        if (!dot || strcasecmp(dot, ".png"))
            return bad("--screenshot '%s': the file name must end in .png", o->screenshot);
    }
    return 0;
}
