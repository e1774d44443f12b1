/* The fastsr tool's messages about one run, shared by the single run and
 * the batch. */
#include "messages.h"

#include <string.h>

/* What the command line can do about a failed run, from the report's facts
 * (the library's message says what is wrong, never which flag fixes it). */
void print_error(const FsrSettings *s, const FsrReport *r, const char *prefix)
{
    fprintf(stderr, "fastsr: error: %s%s", prefix, fsr_last_error());
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
void print_damage(const FsrSettings *s, const FsrReport *r)
{
    if (r->decode.truncated)
        fprintf(stderr, "fastsr: warning: %s: the file is truncated (%lld of %lld video packets present); %s kept "
                "(--keep-going)\n", s->input, (long long)r->decode.packets_read, (long long)r->decode.packets_expected, s->output);
    if (r->decode.damaged)
        fprintf(stderr, "fastsr: warning: %s: damaged video: %lld decode errors, %lld concealed frames; %s kept "
                "(--keep-going)\n", s->input, (long long)r->decode.decode_errors, (long long)r->decode.corrupt_frames, s->output);
}

/* The line (two with the accelerator's figures) that a run succeeded. */
void print_done(const FsrSettings *s, const FsrReport *r, const char *label)
{
    fprintf(stderr, "fastsr: %s: %lld frames %dx%d -> %dx%d%s (%s) in %.1f s, %.1f fps", label,
            (long long)r->frames, r->in_w, r->in_h, r->out_w, r->out_h, r->depth > 8 ? " 10-bit" : "", r->mode,
            r->seconds.total, r->seconds.total > 0 ? r->frames / r->seconds.total : 0.0);
    if (s->mode == FSR_MODE_FAST)
        fprintf(stderr, "; SR on %lld frames, %lld transferred (%s)", (long long)r->sr.frames,
                (long long)r->fast.transferred_frames, r->fast.keyframes);
    fputc('\n', stderr);
    if (r->accel.valid && s->mode == FSR_MODE_FAST && r->accel.joules_per_frame >= 0)
        fprintf(stderr, "fastsr: on %s: %.3f s and %.4g J per frame (DRAM %.4g J; SR frame %.4g J, transferred "
                "%.4g J), %.1fx faster and %.1fx less energy than SR on every frame (%s)\n", r->accel.arch,
                r->accel.seconds_per_frame, r->accel.joules_per_frame, r->accel.dram_joules_per_frame,
                r->accel.sr_joules, r->accel.transfer_joules,
                r->accel.srcnn_seconds_per_frame / r->accel.seconds_per_frame,
                r->accel.srcnn_energy_per_frame / r->accel.energy_per_frame,
                r->accel.zeros_frames ? "zeros measured on sampled key frames" : "shapes only");
    else if (r->accel.valid && s->mode == FSR_MODE_FAST)
        fprintf(stderr, "fastsr: on %s: %.3f s and %.3g %s per frame, %.1fx faster and %.1fx less energy than "
                "SR on every frame\n", r->accel.arch, r->accel.seconds_per_frame,
                r->accel.energy_per_frame, r->accel.energy_unit,
                r->accel.srcnn_seconds_per_frame / r->accel.seconds_per_frame,
                r->accel.srcnn_energy_per_frame / r->accel.energy_per_frame);
}
