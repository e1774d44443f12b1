/* fastsr: the command-line front end of libfastsr's pipeline. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastsr/fastsr.h"
#include "batch.h"
#include "messages.h"
#include "options.h"
#include "run_segments.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

typedef struct ProgressState {
    double last_print;
    int printed;
} ProgressState;

static void print_progress(void *opaque, const FsrProgress *p)
{
    ProgressState *st = opaque;
    if (p->seconds - st->last_print < 0.25 && p->frames_done != p->frames_total)
        return;
    st->last_print = p->seconds;
    st->printed = 1;
    const double fps = p->seconds > 0 ? p->frames_done / p->seconds : 0;
    if (p->frames_total > 0) {
        const double eta = fps > 0 ? (p->frames_total - p->frames_done) / fps : 0;
        fprintf(stderr, "\rframe %lld/%lld  %5.1f fps  ETA %d:%02d   ", (long long)p->frames_done,
                (long long)p->frames_total, fps, (int)eta / 60, (int)eta % 60);
    } else {
        fprintf(stderr, "\rframe %lld  %5.1f fps   ", (long long)p->frames_done, fps);
    }
}

int main(int argc, char **argv)
{
    fsr_prefer_passive_threads(argv);
    CliOptions o;
    char err[512];
    if (cli_parse(&o, argc, argv, err, sizeof(err)) < 0) {
        fprintf(stderr, "fastsr: %s\n", err);
        return EXIT_USAGE;
    }
    if (o.help) {
        cli_usage(stdout);
        return EXIT_OK;
    }
    if (o.version) {
        printf("fastsr %s\n", fsr_version());
        return EXIT_OK;
    }
    fsr_set_log_level(o.verbose ? FSR_LOG_DEBUG : o.quiet ? FSR_LOG_ERROR : FSR_LOG_WARNING);
    /* SVT-AV1 prints its settings on stderr unless told otherwise (2: its
     * warnings and errors); a SVT_LOG the user set wins */
    if (!o.verbose)
        setenv("SVT_LOG", "2", 0);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* Past a file size limit (ulimit -f) a write fails with EFBIG, as on a
     * full disk, and the run ends with its error line and no output;
     * SIGXFSZ's default would kill the process and leave the temporary. */
    signal(SIGXFSZ, SIG_IGN);
    /* a reader of stdout that goes away is a write error with a message,
     * not a silent death by SIGPIPE */
    signal(SIGPIPE, SIG_IGN);
    o.settings.cancel = &interrupted;
    if (o.segments.on)
        return cli_run_segments(&o, &interrupted);

    ProgressState ps = { 0 };
    if (!o.quiet && isatty(STDERR_FILENO)) {
        o.settings.progress = print_progress;
        o.settings.opaque = &ps;
    }
    /* a terminal is no media stream: waiting on it, or filling it with
     * binary, helps nobody */
    if (!o.outdir && !strcmp(o.settings.input, "-") && isatty(STDIN_FILENO)) {
        fprintf(stderr, "fastsr: error: stdin is a terminal; pipe a stream in (... | fastsr - OUT) or give INPUT\n");
        return EXIT_USAGE;
    }
    if (!o.outdir && !strcmp(o.settings.output, "-") && isatty(STDOUT_FILENO)) {
        fprintf(stderr, "fastsr: error: stdout is a terminal; pipe it on (fastsr IN - | ...) or give OUTPUT\n");
        return EXIT_USAGE;
    }
    if (o.outdir) {
        o.settings.progress = NULL;
        const int status = batch_run(&o, &interrupted);
        if (ps.printed)
            fputc('\n', stderr);
        return status;
    }
    FsrReport report;
    int ret = fsr_run(&o.settings, &report);
    if (ps.printed)
        fputc('\n', stderr);
    if (ret < 0) {
        print_error(&o.settings, &report, "");
        return interrupted ? EXIT_INTERRUPTED : EXIT_FAILED;
    }
    if (!o.quiet)
        print_damage(&o.settings, &report);
    if (o.report && fsr_report_write_json(&report, o.report) < 0) {
        fprintf(stderr, "fastsr: error: %s\n", fsr_last_error());
        return EXIT_FAILED;
    }
    if (!o.quiet)
        print_done(&o.settings, &report, strcmp(o.settings.output, "-") ? o.settings.output : "stdout");
    return EXIT_OK;
}
