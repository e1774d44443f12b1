/* fastsr: the command-line front end of libfastsr's pipeline. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fastsr/fastsr.h"
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

/* What the command line can do about a failed run, from the report's facts
 * (the library's message says what is wrong, never which flag fixes it). */
static void print_error(const FsrSettings *s, const FsrReport *r)
{
    fprintf(stderr, "fastsr: error: %s", fsr_last_error());
    if (r->sr.model_scale && r->sr.model_scale != s->scale)
        fprintf(stderr, " (use --scale %d or another model)", r->sr.model_scale);
    else if (r->decode.truncated && !s->decode.keep_going)
        fprintf(stderr, " (use --keep-going to keep the frames that decode)");
    else if (r->decode.damaged && !s->decode.keep_going)
        fprintf(stderr, " (use --keep-going to keep such output)");
    else if (!s->sr.model && strstr(fsr_last_error(), "no default SR model"))
        fprintf(stderr, "; give one with --model");
    fputc('\n', stderr);
}

/* --keep-going kept the output of a damaged input: the damage is still said. */
static void print_damage(const FsrSettings *s, const FsrReport *r)
{
    if (r->decode.truncated)
        fprintf(stderr, "fastsr: warning: %s: the file is truncated (%lld of %lld video packets present); %s kept "
                "(--keep-going)\n", s->input, (long long)r->decode.packets_read, (long long)r->decode.packets_expected, s->output);
    if (r->decode.damaged)
        fprintf(stderr, "fastsr: warning: %s: damaged video: %lld decode errors, %lld concealed frames; %s kept "
                "(--keep-going)\n", s->input, (long long)r->decode.decode_errors, (long long)r->decode.corrupt_frames, s->output);
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

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    o.settings.cancel = &interrupted;
    if (o.segments.on)
        return cli_run_segments(&o, &interrupted);

    ProgressState ps = { 0 };
    if (!o.quiet && isatty(STDERR_FILENO)) {
        o.settings.progress = print_progress;
        o.settings.opaque = &ps;
    }
    FsrReport report;
    int ret = fsr_run(&o.settings, &report);
    if (ps.printed)
        fputc('\n', stderr);
    if (ret < 0) {
        print_error(&o.settings, &report);
        return interrupted ? EXIT_INTERRUPTED : EXIT_FAILED;
    }
    if (!o.quiet)
        print_damage(&o.settings, &report);
    if (o.report && fsr_report_write_json(&report, o.report) < 0) {
        fprintf(stderr, "fastsr: error: %s\n", fsr_last_error());
        return EXIT_FAILED;
    }
    if (!o.quiet) {
        fprintf(stderr, "fastsr: %s: %lld frames %dx%d -> %dx%d (%s) in %.1f s, %.1f fps", o.settings.output,
                (long long)report.frames, report.in_w, report.in_h, report.out_w, report.out_h, report.mode,
                report.seconds.total, report.seconds.total > 0 ? report.frames / report.seconds.total : 0.0);
        if (o.settings.mode == FSR_MODE_FAST)
            fprintf(stderr, "; SR on %lld frames, %lld transferred (%s)", (long long)report.sr.frames,
                    (long long)report.fast.transferred_frames, report.fast.keyframes);
        fputc('\n', stderr);
        if (report.accel.valid && o.settings.mode == FSR_MODE_FAST && report.accel.joules_per_frame >= 0)
            fprintf(stderr, "fastsr: on %s: %.3f s and %.4g J per frame (DRAM %.4g J; SR frame %.4g J, transferred "
                    "%.4g J), %.1fx faster and %.1fx less energy than SR on every frame (%s)\n", report.accel.arch,
                    report.accel.seconds_per_frame, report.accel.joules_per_frame, report.accel.dram_joules_per_frame,
                    report.accel.sr_joules, report.accel.transfer_joules,
                    report.accel.srcnn_seconds_per_frame / report.accel.seconds_per_frame,
                    report.accel.srcnn_energy_per_frame / report.accel.energy_per_frame,
                    report.accel.zeros_frames ? "zeros measured on sampled key frames" : "shapes only");
        else if (report.accel.valid && o.settings.mode == FSR_MODE_FAST)
            fprintf(stderr, "fastsr: on %s: %.3f s and %.3g %s per frame, %.1fx faster and %.1fx less energy than "
                    "SR on every frame\n", report.accel.arch, report.accel.seconds_per_frame,
                    report.accel.energy_per_frame, report.accel.energy_unit,
                    report.accel.srcnn_seconds_per_frame / report.accel.seconds_per_frame,
                    report.accel.srcnn_energy_per_frame / report.accel.energy_per_frame);
    }
    return EXIT_OK;
}
