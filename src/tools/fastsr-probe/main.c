/* fastsr-probe: prints, dumps and draws the block map of a video, and
 * benchmarks the decoder hook. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "drawout.h"
#include "fastsr/blockmap.h"
#include "fastsr/common.h"
#include "fastsr/motion.h"
#include "fastsr/reader.h"
#include "toolutil.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: fastsr-probe [options] INPUT\n"
            "Shows the H.264 side information fastsr reads from INPUT: per frame the\n"
            "picture type, decode order, reference status, block kinds, and the share of\n"
            "inter blocks fastsr's own motion compensation reproduces exactly.\n"
            "\n"
            "  -n, --frames N     stop after N frames\n"
            "  -j, --json FILE    one JSON object per frame (display order) with every block\n"
            "  -d, --draw FILE    video of the frames with partitions coloured by kind\n"
            "                     (red intra, green skip, cyan direct, blue inter, magenta bi)\n"
            "                     and vector lines; .mp4/.mkv (libx264) or .y4m\n"
            "  -b, --bench        time plain decoding against decoding + block map + MC +\n"
            "                     residual, one thread each, and print frames/s\n"
            "      --runs N       passes per benchmark row (default 3; the best counts)\n"
            "  -q, --quiet        no per-frame lines, only the summary\n"
            "  -h, --help         this help\n"
            "\n"
            "fastsr reads side information from H.264, MPEG-2 and MPEG-4 Part 2 (the probe\n"
            "shows the latter two's own vectors: fastsr --motion stream; --motion auto\n"
            "searches them); for other codecs the probe says so and shows the block maps of\n"
            "fastsr's own motion search instead (what fastsr --motion auto uses for them).\n"
            "With --bench on those, the second row is decoding + the motion search.\n"
            "Exit status: 0 success, 1 unreadable input or failure, 2 bad command line.\n");
}

static const char *unmodelled_names[] = { "field",     "poc_type_1", "frame_num_gap", "slice_groups", "bad_header",
                                          "slices",    "format",     "no_mb_types",   "no_packet",    "missing_mvs" };

static cJSON *list_json(const FsrBlock *b, int l)
{
    if (!(b->lists & (1 << l)))
        return cJSON_CreateNull();
    cJSON *a = cJSON_CreateArray();
    cJSON_AddItemToArray(a, cJSON_CreateNumber(b->mv[l][0]));
    cJSON_AddItemToArray(a, cJSON_CreateNumber(b->mv[l][1]));
    cJSON_AddItemToArray(a, cJSON_CreateNumber(b->ref[l]));
    return a;
}

static int write_json(FILE *f, const FsrBlockMap *m)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return -1;
    char type[2] = { m->type, 0 };
    cJSON_AddNumberToObject(o, "display", (double)m->display_index);
    cJSON_AddNumberToObject(o, "decode", (double)m->decode_index);
    cJSON_AddNumberToObject(o, "pts", (double)m->pts);
    cJSON_AddStringToObject(o, "type", type);
    cJSON_AddBoolToObject(o, "ref", m->is_ref > 0);
    cJSON_AddNumberToObject(o, "mb_w", m->mb_w);
    cJSON_AddNumberToObject(o, "mb_h", m->mb_h);
    if (m->unmodelled) {
        cJSON *u = cJSON_AddArrayToObject(o, "unmodelled");
        for (unsigned i = 0; i < sizeof(unmodelled_names) / sizeof(*unmodelled_names); i++)
            if (m->unmodelled & (1u << i))
                cJSON_AddItemToArray(u, cJSON_CreateString(unmodelled_names[i]));
    }
    cJSON *blocks = cJSON_AddArrayToObject(o, "blocks");
    for (int i = 0; i < m->nb_blocks; i++) {
        const FsrBlock *b = &m->blocks[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "x", b->x);
        cJSON_AddNumberToObject(j, "y", b->y);
        cJSON_AddNumberToObject(j, "w", b->w);
        cJSON_AddNumberToObject(j, "h", b->h);
        cJSON_AddStringToObject(j, "kind", fsr_block_kind_name(b->kind));
        cJSON_AddItemToObject(j, "l0", list_json(b, 0));
        cJSON_AddItemToObject(j, "l1", list_json(b, 1));
        cJSON_AddNumberToObject(j, "qp", b->qp);
        cJSON_AddBoolToObject(j, "zero_residual", (b->flags & FSR_BLOCK_ZERO_RESIDUAL) != 0);
        cJSON_AddItemToArray(blocks, j);
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!s)
        return -1;
    int ret = fprintf(f, "%s\n", s) < 0 ? -1 : 0;
    free(s);
    return ret;
}

/* One timed pass; times[0] wall, times[1] CPU seconds.  Returns the frame
 * count, or -1 after printing why not. */
static int64_t bench_pass(const char *input, int hooked, double times[2])
{
    int64_t n = 0;
    int ret;
    double t0 = tool_wall_seconds(), c0 = tool_process_seconds();
    FsrReaderSettings rs;
    fsr_reader_defaults(&rs);
    rs.block_maps = hooked;
    rs.threads = 1;
    FsrReader *rd;
    if (fsr_reader_open(&rd, input, &rs) < 0) {
        fprintf(stderr, "fastsr-probe: error: %s\n", fsr_last_error());
        return -1;
    }
    /* without side information: the motion search's maps, one thread */
    FsrMotionSearch *ms = NULL;
    FsrMotionSettings one;
    fsr_motion_defaults(&one);
    one.threads = 1;
    if (hooked && !fsr_reader_info(rd)->side_info && fsr_motion_open(&ms, &one) < 0) {
        fprintf(stderr, "fastsr-probe: error: %s\n", fsr_last_error());
        fsr_reader_close(&rd);
        return -1;
    }
    FsrReaderFrame f;
    while ((ret = fsr_reader_read(rd, &f)) == 0) {
        const FsrBlockMap *m;
        if (ms && (ret = fsr_motion_search(ms, &f.pic, f.map, &m)) < 0)
            break;
        n++;
    }
    fsr_motion_close(&ms);
    fsr_reader_close(&rd);
    times[0] = tool_wall_seconds() - t0;
    times[1] = tool_process_seconds() - c0;
    if (ret < 0) {
        fprintf(stderr, "fastsr-probe: error: %s\n", fsr_last_error());
        return -1;
    }
    return n;
}

/* Plain decoding against decoding + block map, one thread each, passes
 * alternated; the best pass of each counts (the machine may be shared). */
static int bench(const char *input, int runs)
{
    double best[2][2] = { { 1e30, 1e30 }, { 1e30, 1e30 } };
    int64_t frames = 0;
    for (int r = 0; r < runs; r++)
        for (int hooked = 0; hooked < 2; hooked++) {
            double t[2];
            int64_t n = bench_pass(input, hooked, t);
            if (n < 0)
                return -1;
            frames = n;
            for (int k = 0; k < 2; k++)
                if (t[k] < best[hooked][k])
                    best[hooked][k] = t[k];
        }
    const FsrReaderSettings plain = { .block_maps = 0 };
    FsrReader *rd;
    if (fsr_reader_open(&rd, input, &plain) < 0) {
        fprintf(stderr, "fastsr-probe: error: %s\n", fsr_last_error());
        return -1;
    }
    printf("bench %s: %dx%d, %lld frames, one thread, best of %d passes\n", input, fsr_reader_info(rd)->width,
           fsr_reader_info(rd)->height, (long long)frames, runs);
    const int search = !fsr_reader_info(rd)->side_info;
    fsr_reader_close(&rd);
    printf("                                      wall fps   cpu fps\n");
    printf("  plain decode                        %8.1f  %8.1f\n", frames / best[0][0], frames / best[0][1]);
    printf("  %-34s  %8.1f  %8.1f\n", search ? "decode + motion search" : "decode + block map + MC + residual",
           frames / best[1][0], frames / best[1][1]);
    /* what the second row adds, per frame */
    printf("  %-34s  %7.3f ms %6.3f ms\n", search ? "motion search per frame" : "block map per frame",
           1e3 * (best[1][0] - best[0][0]) / frames, 1e3 * (best[1][1] - best[0][1]) / frames);
    printf("  ratio                               %7.0f%%  %7.0f%%\n", 100 * best[0][0] / best[1][0],
           100 * best[0][1] / best[1][1]);
    return 0;
}

typedef struct ProbeOptions {
    long long max_frames;
    const char *json_path, *draw_path;
    int do_bench, quiet, runs;
} ProbeOptions;

/* -1 to go on with argv[optind] as INPUT, or the exit status (0 after
 * --help, 2 after a message). */
static int parse_options(ProbeOptions *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "frames", required_argument, NULL, 'n' }, { "json", required_argument, NULL, 'j' },
        { "draw", required_argument, NULL, 'd' },   { "bench", no_argument, NULL, 'b' },
        { "quiet", no_argument, NULL, 'q' },        { "help", no_argument, NULL, 'h' },
        { "runs", required_argument, NULL, 'r' },
        { NULL, 0, NULL, 0 },
    };
    *o = (ProbeOptions) { .max_frames = -1, .runs = 3 };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":n:j:d:bqhr:", longopts, NULL)) != -1) {
        switch (c) {
        case 'n': {
            char *end;
            o->max_frames = strtoll(optarg, &end, 10);
            if (!*optarg || *end || o->max_frames < 1) {
                fprintf(stderr, "fastsr-probe: error: --frames needs a positive number, not '%s'\n", optarg);
                return 2;
            }
            break;
        }
        case 'r': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 1 || v > 100) {
                fprintf(stderr, "fastsr-probe: error: --runs needs a number 1..100, not '%s'\n", optarg);
                return 2;
            }
            o->runs = (int)v;
            break;
        }
        case 'j': o->json_path = optarg; break;
        case 'd': o->draw_path = optarg; break;
        case 'b': o->do_bench = 1; break;
        case 'q': o->quiet = 1; break;
        case 'h': usage(stdout); return 0;
        case ':':
            fprintf(stderr, "fastsr-probe: error: %s needs a value (see --help)\n", argv[optind - 1]);
            return 2;
        default:
            fprintf(stderr, "fastsr-probe: error: unknown option '%s' (see --help)\n", argv[optind - 1]);
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "fastsr-probe: error: %s (see --help)\n",
                optind == argc ? "no INPUT given" : "more than one INPUT given");
        return 2;
    }
    return -1;
}

static void print_frame(const FsrBlockMap *m)
{
    printf("frame %5lld  %c  decode %5lld  %s  intra %4d  skip %4d  direct %4d  inter %4d  bi %4d  exact %5.1f%%",
           (long long)m->display_index, m->type, (long long)m->decode_index, m->is_ref ? "ref   " : "nonref",
           m->counts.intra, m->counts.pskip + m->counts.bskip, m->counts.direct, m->counts.inter,
           m->counts.bi, m->counts.predicted ? 100.0 * m->counts.zero_residual / m->counts.predicted : 100.0);
    if (m->counts.no_ref)
        printf("  no-ref %d", m->counts.no_ref);
    if (m->counts.missing_refs)
        printf("  missing-refs %d", m->counts.missing_refs);
    if (m->corrupt)
        printf("  corrupt");
    for (unsigned i = 0; i < sizeof(unmodelled_names) / sizeof(*unmodelled_names); i++)
        if (m->unmodelled & (1u << i))
            printf("  unmodelled:%s", unmodelled_names[i]);
    printf("\n");
}

typedef struct Totals {
    long long frames, predicted, zero, blocks[5], unmodelled; /* blocks: intra, skip, direct, inter, bi */
} Totals;

static void add_frame(Totals *t, const FsrBlockMap *m)
{
    t->frames++;
    t->predicted += m->counts.predicted;
    t->zero += m->counts.zero_residual;
    t->blocks[0] += m->counts.intra;
    t->blocks[1] += m->counts.pskip + m->counts.bskip;
    t->blocks[2] += m->counts.direct;
    t->blocks[3] += m->counts.inter;
    t->blocks[4] += m->counts.bi;
    t->unmodelled += m->unmodelled != 0;
}

static void print_totals(const Totals *t, const FsrReaderStats *st)
{
    printf("%lld frames: intra %lld, skip %lld, direct %lld, inter %lld (bi %lld) blocks; exact residual %lld of %lld "
           "predicted blocks (%.2f%%)",
           t->frames, t->blocks[0], t->blocks[1], t->blocks[2], t->blocks[3], t->blocks[4], t->zero, t->predicted,
           t->predicted ? 100.0 * t->zero / t->predicted : 0.0);
    if (t->unmodelled)
        printf("; %lld frames with unmodelled features", t->unmodelled);
    if (st->decode_errors || st->corrupt_frames)
        printf("; %lld packets rejected, %lld frames concealed by the decoder", (long long)st->decode_errors,
               (long long)st->corrupt_frames);
    printf("\n");
}

/* The frame with its block map drawn over it, into --draw's output (opened,
 * with the canvas, on the first frame); 0, or -1 after a message. */
static int draw_frame(DrawOut **draw, FsrPicture *canvas, const char *draw_path, FsrReader *rd,
                      const FsrReaderFrame *sf)
{
    if (!*draw) {
        if (drawout_open(draw, draw_path, rd) < 0)
            return -1;
        if (fsr_picture_open(canvas, sf->pic.w, sf->pic.h) < 0) {
            fprintf(stderr, "fastsr-probe: error: %s\n", fsr_last_error());
            return -1;
        }
    }
    for (int p = 0; p < 3; p++) {
        const int w = p ? fsr_chroma_w(canvas->w) : canvas->w, h = p ? fsr_chroma_h(canvas->h) : canvas->h;
        for (int y = 0; y < h; y++)
            memcpy(canvas->data[p] + y * canvas->stride[p], sf->pic.data[p] + y * sf->pic.stride[p], (size_t)w);
    }
    if (fsr_blockmap_draw(canvas, sf->map) < 0) {
        fprintf(stderr, "fastsr-probe: error: %s\n", fsr_last_error());
        return -1;
    }
    return drawout_write(*draw, canvas, sf->pts, sf->duration) < 0 ? -1 : 0;
}

/* Block-map statistics of input, per frame and in total; the exit status. */
static int probe(const char *input, const ProbeOptions *o)
{
    FsrReader *rd;
    if (fsr_reader_open(&rd, input, NULL) < 0) {
        fprintf(stderr, "fastsr-probe: error: %s\n", fsr_last_error());
        return 1;
    }
    /* without side information fastsr reads, the maps are the motion
     * search's, as fastsr's fast mode makes them (--motion auto) */
    FsrMotionSearch *ms = NULL;
    if (!fsr_reader_info(rd)->side_info) {
        printf("%s: video is %s: no side information fastsr reads (it reads 8-bit 4:2:0 H.264);\n"
               "block maps below come from fastsr's own motion search, as fastsr uses them\n",
               input, fsr_reader_info(rd)->codec_name);
        if (fsr_motion_open(&ms, NULL) < 0) {
            fprintf(stderr, "fastsr-probe: error: %s\n", fsr_last_error());
            fsr_reader_close(&rd);
            return 1;
        }
    }
    FILE *jf = NULL;
    DrawOut *draw = NULL;
    FsrPicture canvas = { 0 };
    int status = 0, ret = 0;
    if (o->json_path && !(jf = fopen(o->json_path, "w"))) {
        fprintf(stderr, "fastsr-probe: error: %s: %s\n", o->json_path, strerror(errno));
        fsr_motion_close(&ms);
        fsr_reader_close(&rd);
        return 1;
    }
    Totals t = { 0 };
    FsrReaderFrame sf;
    while ((o->max_frames < 0 || t.frames < o->max_frames) && (ret = fsr_reader_read(rd, &sf)) == 0) {
        if (ms && (ret = fsr_motion_search(ms, &sf.pic, sf.map, &sf.map)) < 0)
            break;
        add_frame(&t, sf.map);
        if (!o->quiet)
            print_frame(sf.map);
        if (jf && write_json(jf, sf.map) < 0) {
            fprintf(stderr, "fastsr-probe: error: %s: cannot write JSON\n", o->json_path);
            status = 1;
            break;
        }
        if (o->draw_path && draw_frame(&draw, &canvas, o->draw_path, rd, &sf) < 0) {
            status = 1;
            break;
        }
    }
    if (!status && ret < 0) {
        fprintf(stderr, "fastsr-probe: error: %s (after %lld frames)\n", fsr_last_error(), t.frames);
        status = 1;
    }
    FsrReaderStats st;
    fsr_reader_stats(rd, &st);
    if (!status && t.frames == 0) {
        fprintf(stderr, "fastsr-probe: error: %s: no frame could be decoded\n", input);
        status = 1;
    }
    print_totals(&t, &st);
    if (jf && fclose(jf) && !status) {
        fprintf(stderr, "fastsr-probe: error: %s: cannot write JSON\n", o->json_path);
        status = 1;
    }
    if (draw && drawout_close(&draw, !status) < 0)
        status = 1;
    fsr_picture_close(&canvas);
    fsr_motion_close(&ms);
    fsr_reader_close(&rd);
    return status;
}

int main(int argc, char **argv)
{
    ProbeOptions o;
    const int status = parse_options(&o, argc, argv);
    if (status >= 0)
        return status;
    const char *input = argv[optind];
    if (o.do_bench)
        return bench(input, o.runs) ? 1 : 0;
    return probe(input, &o);
}
