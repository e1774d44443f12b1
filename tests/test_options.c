/* Option parsing of the fastsr tool, without running it. */
#include "testutil.h"

#include <string.h>

#include "fastsr/segments.h"
#include "options.h"

static int parse(CliOptions *o, char *err, const char *const *args, int n)
{
    /* the parser keeps pointers into argv (a batch's inputs), as main's
     * argv lives for the whole run */
    static char *argv[32];
    argv[0] = "fastsr";
    for (int i = 0; i < n; i++)
        argv[i + 1] = (char *)args[i];
    return cli_parse(o, n + 1, argv, err, 256);
}

static void test_defaults(void **state)
{
    (void)state;
    CliOptions o;
    char err[256];
    const char *a[] = { "in.mp4", "out.mp4" };
    assert_int_equal(parse(&o, err, a, 2), 0);
    assert_int_equal(o.settings.scale, 2);
    assert_int_equal(o.settings.mode, FSR_MODE_FAST);
    /* the encoder's defaults (libx264: crf 18, preset medium, set where
     * the encoder is known), no format, no encoder named */
    assert_int_equal(o.settings.encode.crf, -1);
    assert_null(o.settings.encode.preset);
    assert_null(o.settings.encode.format);
    assert_null(o.settings.encode.encoder);
    assert_null(o.outdir);
    assert_string_equal(o.settings.input, "in.mp4");
    assert_string_equal(o.settings.output, "out.mp4");
    assert_false(o.settings.encode.overwrite);
    assert_null(o.report);
}

static void test_all_options(void **state)
{
    (void)state;
    CliOptions o;
    char err[256];
    const char *a[] = { "-s", "3", "--mode", "bicubic", "--crf", "23", "--preset", "veryfast",
                        "-x264-params", "keyint=30", "-y", "-q", "--report", "r.json", "-t", "2",
                        "--model", "m.safetensors", "--keep-going", "a.mkv", "b.mkv" };
    assert_int_equal(parse(&o, err, a, 21), 0);
    assert_int_equal(o.settings.scale, 3);
    assert_int_equal(o.settings.mode, FSR_MODE_BICUBIC);
    assert_int_equal(o.settings.encode.crf, 23);
    assert_string_equal(o.settings.encode.preset, "veryfast");
    assert_string_equal(o.settings.encode.x264_params, "keyint=30");
    assert_true(o.settings.encode.overwrite && o.quiet && o.settings.decode.keep_going);
    assert_string_equal(o.report, "r.json");
    assert_int_equal(o.settings.threads, 2);
    assert_string_equal(o.settings.sr.model, "m.safetensors");
}

static void test_fast_options(void **state)
{
    (void)state;
    CliOptions o;
    char err[256];
    const char *a[] = { "-k", "every:8", "--hr-filter", "cubic:-0.3", "--fallback", "0", "--backend", "accel",
                        "--accel", "none", "a.mp4", "b.mp4" };
    assert_int_equal(parse(&o, err, a, 12), 0);
    assert_string_equal(o.settings.fast.keyframes, "every:8");
    assert_string_equal(o.settings.fast.hr_filter, "cubic:-0.3");
    assert_true(o.settings.fast.fallback == 0.0);
    assert_int_equal(o.settings.sr.backend, FSR_SR_FIXED);
    assert_null(o.settings.accel.arch);
    assert_int_equal(o.settings.fast.refine, 1); /* fsr_run_defaults */
    const char *a2[] = { "--refine", "off", "a.mp4", "b.mp4" };
    assert_int_equal(parse(&o, err, a2, 4), 0);
    assert_int_equal(o.settings.fast.refine, 0);
    const char *b1[] = { "-k", "every:0", "a", "b" };
    assert_int_equal(parse(&o, err, b1, 4), -1);
    assert_non_null(strstr(err, "--keyframes"));
    const char *b2[] = { "--fallback", "-3", "a", "b" };
    assert_int_equal(parse(&o, err, b2, 4), -1);
    const char *b3[] = { "--backend", "gpu", "a", "b" };
    assert_int_equal(parse(&o, err, b3, 4), -1);
    const char *b4[] = { "-k", "adaptive:0", "a", "b" };
    assert_int_equal(parse(&o, err, b4, 4), -1);
    /* regions[:DB[:SHARE]], SHARE in (0, 1] */
    FsrKeyPolicy kp;
    assert_int_equal(fsr_key_policy_parse(&kp, "regions"), 0);
    assert_true(kp.budget_db == FSR_FAST_DEFAULT_REGIONS_BUDGET_DB && kp.max_share == FSR_FAST_DEFAULT_REGIONS_SHARE);
    assert_int_equal(fsr_key_policy_parse(&kp, "regions:0.3"), 0);
    assert_true(kp.budget_db == 0.3 && kp.max_share == FSR_FAST_DEFAULT_REGIONS_SHARE);
    assert_int_equal(fsr_key_policy_parse(&kp, "regions:0.3:0.25"), 0);
    assert_true(kp.budget_db == 0.3 && kp.max_share == 0.25);
    char name[64];
    assert_string_equal(fsr_key_policy_name(&kp, name, sizeof(name)), "regions:0.3:0.25");
    static const char *bad[] = { "regions:0.3:0", "regions:0.3:1.5", "regions:0.3:", "regions:0.3:0.1:2",
                                 "regions::0.1", "regions:0.3x" };
    for (int i = 0; i < 6; i++)
        if (fsr_key_policy_parse(&kp, bad[i]) != -1)
            fail_msg("'%s' parsed", bad[i]);
}

/* Pipes, encoders and batches (issue 19), with ffmpeg's spellings. */
static void test_io_options(void **state)
{
    (void)state;
    CliOptions o;
    char err[256];
    const char *a[] = { "-f", "mpegts", "-c:v", "libx265", "--crf", "63", "--encoder-opts", "a=1:b=2", "-", "-" };
    assert_int_equal(parse(&o, err, a, 10), 0);
    assert_string_equal(o.settings.encode.format, "mpegts");
    assert_string_equal(o.settings.encode.encoder, "libx265");
    assert_int_equal(o.settings.encode.crf, 63);
    assert_string_equal(o.settings.encode.encoder_opts, "a=1:b=2");
    assert_string_equal(o.settings.input, "-");
    assert_string_equal(o.settings.output, "-");
    const char *b[] = { "--format", "matroska", "-vcodec", "libvpx-vp9", "a", "b" };
    assert_int_equal(parse(&o, err, b, 6), 0);
    assert_string_equal(o.settings.encode.encoder, "libvpx-vp9");
    const char *c[] = { "-o", "outdir", "x.mp4", "folder", "y.mkv" };
    assert_int_equal(parse(&o, err, c, 5), 0);
    assert_string_equal(o.outdir, "outdir");
    assert_int_equal(o.n_inputs, 3);
    assert_string_equal(o.inputs[0], "x.mp4");
    assert_string_equal(o.inputs[2], "y.mkv");
    const char *e1[] = { "--crf", "64", "a", "b" };
    assert_int_equal(parse(&o, err, e1, 4), -1);
    assert_non_null(strstr(err, "0..63"));
    const char *e2[] = { "-o", "outdir" };
    assert_int_equal(parse(&o, err, e2, 2), -1);
    assert_non_null(strstr(err, "expected one INPUT or more"));
    const char *e3[] = { "-o", "outdir", "a.mp4", "-" };
    assert_int_equal(parse(&o, err, e3, 4), -1);
    assert_non_null(strstr(err, "not stdin"));
    const char *e4[] = { "-o", "outdir", "--report", "r.json", "a.mp4" };
    assert_int_equal(parse(&o, err, e4, 5), -1);
    assert_non_null(strstr(err, "--report"));
}

static void test_errors(void **state)
{
    (void)state;
    CliOptions o;
    char err[256];
    const char *a1[] = { "-s", "1", "a", "b" };
    assert_int_equal(parse(&o, err, a1, 4), -1);
    assert_non_null(strstr(err, "--scale"));
    const char *a2[] = { "-s", "2x", "a", "b" };
    assert_int_equal(parse(&o, err, a2, 4), -1);
    const char *a3[] = { "--crf", "-1", "a", "b" };
    assert_int_equal(parse(&o, err, a3, 4), -1);
    const char *a4[] = { "a" };
    assert_int_equal(parse(&o, err, a4, 1), -1);
    assert_non_null(strstr(err, "expected INPUT and OUTPUT"));
    const char *a5[] = { "a", "b", "c" };
    assert_int_equal(parse(&o, err, a5, 3), -1);
    const char *a6[] = { "a", "b", "--crf" };
    assert_int_equal(parse(&o, err, a6, 3), -1);
    assert_non_null(strstr(err, "needs a value"));
    const char *a7[] = { "--threads", "0", "a", "b" };
    assert_int_equal(parse(&o, err, a7, 4), -1);
    const char *a8[] = { "-m", "SRCNN", "a", "b" };
    assert_int_equal(parse(&o, err, a8, 4), -1);
}

static void test_help(void **state)
{
    (void)state;
    CliOptions o;
    char err[256];
    const char *a[] = { "--help" };
    assert_int_equal(parse(&o, err, a, 1), 0);
    assert_true(o.help);
}

static void test_segment_options(void **state)
{
    (void)state;
    CliOptions o;
    char err[256];
    const char *a[] = { "--segments", "in.mp4", "out.mp4" };
    assert_int_equal(parse(&o, err, a, 3), 0);
    assert_true(o.segments.on);
    assert_true(o.segments.seconds == FSR_SEGMENTS_DEFAULT_SECONDS);
    assert_null(o.segments.work_dir);
    assert_int_equal(o.segments.jobs, 0);
    const char *b[] = { "--segments", "--segment-seconds", "2.5", "--work-dir", "W", "--jobs", "3", "in.mp4", "out.mp4" };
    assert_int_equal(parse(&o, err, b, 9), 0);
    assert_true(o.segments.seconds == 2.5);
    assert_string_equal(o.segments.work_dir, "W");
    assert_int_equal(o.segments.jobs, 3);
    const char *c1[] = { "--segments", "--segment-seconds", "0", "in.mp4", "out.mp4" };
    assert_int_equal(parse(&o, err, c1, 5), -1);
    assert_string_equal(err, "--segment-seconds must be a number > 0, not '0'");
    const char *c2[] = { "--work-dir", "W", "in.mp4", "out.mp4" };
    assert_int_equal(parse(&o, err, c2, 4), -1);
    assert_string_equal(err, "--segment-seconds, --work-dir and --jobs need --segments");
    const char *c3[] = { "--segments", "--jobs", "0", "in.mp4", "out.mp4" };
    assert_int_equal(parse(&o, err, c3, 5), -1);
    /* what segments cannot do: pipes, batches, other encoders, --format */
    const char *d1[] = { "--segments", "-", "out.mp4" }, *d2[] = { "--segments", "in.mp4", "-" };
    assert_int_equal(parse(&o, err, d1, 3), -1);
    assert_non_null(strstr(err, "--segments needs files"));
    assert_int_equal(parse(&o, err, d2, 3), -1);
    assert_non_null(strstr(err, "--segments needs files"));
    const char *d3[] = { "--segments", "--encoder", "libx265", "in.mp4", "out.mp4" };
    assert_int_equal(parse(&o, err, d3, 5), -1);
    assert_string_equal(err, "--segments merges libx264 segments only, not libx265");
    const char *d4[] = { "--segments", "-o", "D", "in.mp4" };
    assert_int_equal(parse(&o, err, d4, 4), -1);
    assert_non_null(strstr(err, "does not go with -o"));
    const char *d5[] = { "--segments", "-f", "matroska", "in.mp4", "out.mkv" };
    assert_int_equal(parse(&o, err, d5, 5), -1);
    assert_non_null(strstr(err, "--format does not apply"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_all_options),
        cmocka_unit_test(test_fast_options),
        cmocka_unit_test(test_io_options),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_segment_options),
        cmocka_unit_test(test_help),
    };
    return tu_result(cmocka_run_group_tests_name("options", tests, NULL, NULL));
}
