/* fastsr --segments: plan (or resume) in the work folder, run the pending
 * segments on this machine, merge. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fastsr/fastsr.h"
#include "run_segments.h"

static void print_segment(void *opaque, const FsrSegment *sg, const FsrReport *r)
{
    const FsrSegmentPlan *p = opaque;
    fprintf(stderr, "fastsr: segment %d/%d (frames %lld-%lld, %.2f-%.2f s): %lld frames, SR on %lld, %.1f s\n",
            sg->index + 1, p->n_segments, (long long)sg->first_frame, (long long)(sg->first_frame + sg->frames - 1),
            sg->start_seconds, sg->end_seconds, (long long)r->frames, (long long)r->sr.frames, r->seconds.total);
}

int cli_run_segments(const CliOptions *o, volatile sig_atomic_t *interrupted)
{
    const FsrSettings *s = &o->settings;
    if (!o->settings.encode.overwrite && access(s->output, F_OK) == 0) {
        fprintf(stderr, "fastsr: error: %s: output already exists (use -y to overwrite)\n", s->output);
        return EXIT_FAILED;
    }
    char dir[4096];
    if (o->segments.work_dir)
        snprintf(dir, sizeof(dir), "%s", o->segments.work_dir);
    else
        fsr_segments_default_dir(s->output, dir, sizeof(dir));
    FsrSegmentPlan *plan = NULL;
    if (fsr_segments_plan(&plan, s, o->segments.seconds, dir) < 0) {
        fprintf(stderr, "fastsr: error: %s\n", fsr_last_error());
        return EXIT_FAILED;
    }
    int done = 0;
    for (int i = 0; i < plan->n_segments; i++)
        done += plan->segments[i].state == FSR_SEGMENT_DONE;
    if (!o->quiet)
        fprintf(stderr, "fastsr: %s: %lld frames in %d segments of about %g s (%d done before) in %s\n", s->input,
                (long long)plan->frames, plan->n_segments, plan->segment_seconds, done, plan->work_dir);
    int ret = fsr_segments_run_local(plan, o->segments.jobs, interrupted, o->quiet ? NULL : print_segment, plan);
    FsrReport total;
    if (ret >= 0)
        ret = fsr_segments_merge(plan, s->output, s->encode.overwrite, &total);
    if (ret < 0) {
        fprintf(stderr, "fastsr: error: %s\n", fsr_last_error());
        fsr_segments_close(&plan);
        return *interrupted ? EXIT_INTERRUPTED : EXIT_FAILED;
    }
    if (o->report && fsr_report_write_json(&total, o->report) < 0) {
        fprintf(stderr, "fastsr: error: %s\n", fsr_last_error());
        fsr_segments_close(&plan);
        return EXIT_FAILED;
    }
    if (!o->quiet)
        fprintf(stderr, "fastsr: %s: %lld frames %dx%d -> %dx%d (%s) from %d segments; SR on %lld frames, %lld "
                "transferred; %.1f s of segment work\n", s->output, (long long)total.frames, total.in_w, total.in_h,
                total.out_w, total.out_h, total.mode, plan->n_segments, (long long)total.sr.frames,
                (long long)total.fast.transferred_frames, total.seconds.total);
    fsr_segments_close(&plan);
    return EXIT_OK;
}
