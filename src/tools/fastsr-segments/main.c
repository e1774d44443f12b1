/* fastsr-segments: a segmented fastsr job as separate commands, for job
 * engines that run one command per segment (GNU parallel, Slurm arrays):
 *   plan     [fastsr options] --work-dir DIR INPUT OUTPUT   prints the pending segments
 *   run-one  DIR INDEX [THREADS]
 *   merge    [-y] [--report FILE] DIR [OUTPUT]
 *   status   DIR */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/fastsr.h"
#include "options.h"
#include "toolutil.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: fastsr-segments plan [fastsr options] [--segment-seconds S] --work-dir DIR INPUT OUTPUT\n"
            "       fastsr-segments run-one DIR INDEX [THREADS]\n"
            "       fastsr-segments merge [-y] [--report FILE] DIR [OUTPUT]\n"
            "       fastsr-segments status DIR\n"
            "\n"
            "A `fastsr --segments` job as commands a job engine runs: plan writes DIR/manifest.json\n"
            "(or checks it: same input and options) and prints the index of every segment not yet\n"
            "done, one a line; run-one upscales one segment (any machine that sees the same paths);\n"
            "merge joins the segments without re-encoding. With GNU parallel:\n"
            "  fastsr-segments plan --work-dir W in.mp4 out.mp4 | parallel fastsr-segments run-one W && \\\n"
            "      fastsr-segments merge W\n"
            "status prints each segment's frame range and state.\n"
            "\n"
            "Exit status: 0 success, 1 failure, 2 bad command line, 130 interrupted.\n");
}

static int fail(void)
{
    fprintf(stderr, "fastsr-segments: error: %s\n", fsr_last_error());
    return interrupted ? EXIT_INTERRUPTED : EXIT_FAILED;
}

static int cmd_plan(int argc, char **argv)
{
    CliOptions o;
    char err[512];
    /* fastsr's options, with --segments implied */
    char **args = calloc((size_t)argc + 2, sizeof(*args));
    if (!args)
        return EXIT_FAILED;
    args[0] = argv[0];
    args[1] = "--segments";
    memcpy(args + 2, argv + 1, sizeof(*args) * (size_t)(argc - 1));
    const int ret = cli_parse(&o, argc + 1, args, err, sizeof(err));
    free(args);
    if (ret < 0) {
        fprintf(stderr, "fastsr-segments: %s\n", err);
        return EXIT_USAGE;
    }
    if (o.help) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!o.segments.work_dir) {
        fprintf(stderr, "fastsr-segments: plan needs --work-dir DIR\n");
        return EXIT_USAGE;
    }
    fsr_set_log_level(o.quiet ? FSR_LOG_ERROR : FSR_LOG_WARNING);
    FsrSegmentPlan *plan;
    if (fsr_segments_plan(&plan, &o.settings, o.segments.seconds, o.segments.work_dir) < 0)
        return fail();
    for (int i = 0; i < plan->n_segments; i++)
        if (plan->segments[i].state != FSR_SEGMENT_DONE)
            printf("%d\n", i);
    fsr_segments_close(&plan);
    return EXIT_OK;
}

static int cmd_run_one(int argc, char **argv)
{
    int index, threads = 0;
    if (argc < 3 || argc > 4 || tool_parse_int(argv[2], 0, 1 << 30, &index) < 0 ||
        (argc == 4 && tool_parse_int(argv[3], 1, 256, &threads) < 0)) {
        fprintf(stderr, "fastsr-segments: usage: run-one DIR INDEX [THREADS]\n");
        return EXIT_USAGE;
    }
    FsrSegmentPlan *plan;
    if (fsr_segments_open(&plan, argv[1]) < 0)
        return fail();
    int ret = 0;
    FsrReport r;
    if (plan->segments[index < plan->n_segments ? index : 0].state != FSR_SEGMENT_DONE || index >= plan->n_segments)
        ret = fsr_segments_run_one(plan, index, threads, &interrupted, &r);
    fsr_segments_close(&plan);
    return ret < 0 ? fail() : EXIT_OK;
}

static int cmd_merge(int argc, char **argv)
{
    int overwrite = 0, i = 1;
    const char *report = NULL;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-y") || !strcmp(argv[i], "--overwrite"))
            overwrite = 1;
        else if (!strcmp(argv[i], "--report") && i + 1 < argc)
            report = argv[++i];
        else {
            fprintf(stderr, "fastsr-segments: merge: unknown option '%s'\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (argc - i < 1 || argc - i > 2) {
        fprintf(stderr, "fastsr-segments: usage: merge [-y] [--report FILE] DIR [OUTPUT]\n");
        return EXIT_USAGE;
    }
    FsrSegmentPlan *plan;
    if (fsr_segments_open(&plan, argv[i]) < 0)
        return fail();
    FsrReport total;
    int ret = fsr_segments_merge(plan, argc - i == 2 ? argv[i + 1] : NULL, overwrite, &total);
    if (ret >= 0 && report)
        ret = fsr_report_write_json(&total, report);
    fsr_segments_close(&plan);
    return ret < 0 ? fail() : EXIT_OK;
}

static int cmd_status(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "fastsr-segments: usage: status DIR\n");
        return EXIT_USAGE;
    }
    FsrSegmentPlan *plan;
    if (fsr_segments_open(&plan, argv[1]) < 0)
        return fail();
    int done = 0;
    for (int i = 0; i < plan->n_segments; i++) {
        const FsrSegment *sg = &plan->segments[i];
        done += sg->state == FSR_SEGMENT_DONE;
        printf("%d frames %lld-%lld %.3f-%.3f s %s\n", i, (long long)sg->first_frame,
               (long long)(sg->first_frame + sg->frames - 1), sg->start_seconds, sg->end_seconds,
               sg->state == FSR_SEGMENT_DONE ? "done" : "pending");
    }
    printf("%d of %d done\n", done, plan->n_segments);
    fsr_segments_close(&plan);
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    fsr_prefer_passive_threads(argv);
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "plan"))
        return cmd_plan(argc - 1, argv + 1);
    if (!strcmp(cmd, "run-one"))
        return cmd_run_one(argc - 1, argv + 1);
    if (!strcmp(cmd, "merge"))
        return cmd_merge(argc - 1, argv + 1);
    if (!strcmp(cmd, "status"))
        return cmd_status(argc - 1, argv + 1);
    fprintf(stderr, "fastsr-segments: unknown command '%s' (plan, run-one, merge or status)\n", cmd);
    return EXIT_USAGE;
}
