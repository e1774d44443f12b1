/* End-to-end runs of the fastsr tool (bicubic mode) and every bad input the
 * tool must refuse with one clear error line, a non-zero exit and no output. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastsr/model.h"
#include "mediainfo.h"

static char out[65536];
#define FFMPEG "ffmpeg -hide_banner -loglevel error -y "

static const char *fastsr(void) { return tu_tool("fastsr"); }

static int make_clips(void **state)
{
    (void)state;
    /* Small clips, each generated once for the whole file. */
    int r = 0;
    r |= tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=160x96:rate=25 -f lavfi -i sine=f=440:r=48000 "
                "-t 1.2 -c:v libx264 -preset ultrafast -c:a aac -movflags +faststart %s", tu_tmp("av.mp4"));
    r |= tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=176x144:rate=30000/1001 -t 1 -c:v libx264 "
                "-preset ultrafast %s", tu_tmp("ntsc.mp4"));
    /* Variable frame rate: a 200 ms gap after frame 9 and 15 fps after 20. */
    r |= tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=160x96:rate=25 -t 1.6 "
                "-vf \"setpts='(N*40+if(gt(N,9),200,0)+if(gt(N,20),(N-20)*27,0))/1000/TB'\" -fps_mode vfr "
                "-c:v libx264 -preset ultrafast %s", tu_tmp("vfr.mkv"));
    r |= tu_run(NULL, 0, FFMPEG "-f lavfi -i sine=f=440:r=48000 -t 1 -c:a aac %s", tu_tmp("audio.m4a"));
    r |= tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=160x96:rate=25 -t 0.4 -pix_fmt yuv420p10le "
                "-c:v ffv1 %s", tu_tmp("10bit.mkv"));
    r |= tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=176x96:rate=25 -t 0.4 -vf format=yuv444p,crop=161:96:0:0 -c:v ffv1 %s",
                tu_tmp("odd.mkv"));
    r |= tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=8200x16:rate=25 -t 0.08 -pix_fmt yuv420p "
                "-c:v ffv1 %s", tu_tmp("absurd.mkv"));
    r |= tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=96x64:rate=25 -frames:v 1 %s", tu_tmp("img.png"));
    /* A longer clip for truncation and corruption (moov in front). */
    r |= tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=320x192:rate=25 -t 3 -c:v libx264 -preset ultrafast "
                "-movflags +faststart %s", tu_tmp("long.mp4"));
    return r ? -1 : 0;
}

/* No file at path and no temporary left in its folder. */
static void assert_no_output(const char *path)
{
    assert_false(tu_exists(path));
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return;
    *slash = 0;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)))
        assert_null(strstr(e->d_name, ".part."));
    closedir(d);
}

/* Exactly one line of output, an error naming `what`. */
static void assert_one_error_line(const char *text, const char *what)
{
    if (!strstr(text, "fastsr: error: ") || !strstr(text, what))
        fail_msg("expected one error line about '%s', got: %s", what, text);
    const char *nl = strchr(text, '\n');
    assert_non_null(nl);
    assert_int_equal(nl[1], 0);
}

static void test_help_and_version(void **state)
{
    (void)state;
    assert_int_equal(tu_run(out, sizeof(out), "%s --help", fastsr()), 0);
    assert_non_null(strstr(out, "Usage: fastsr"));
    assert_non_null(strstr(out, "Exit status"));
    assert_int_equal(tu_run(out, sizeof(out), "%s --version", fastsr()), 0);
    assert_non_null(strstr(out, "fastsr 0."));
}

static void test_usage_errors(void **state)
{
    (void)state;
    assert_int_equal(tu_run(out, sizeof(out), "%s", fastsr()), 2);
    assert_non_null(strstr(out, "expected INPUT and OUTPUT"));
    assert_int_equal(tu_run(out, sizeof(out), "%s -s 5 a.mp4 b.mp4", fastsr()), 2);
    assert_non_null(strstr(out, "--scale must be 2, 3 or 4"));
    assert_int_equal(tu_run(out, sizeof(out), "%s --mode magic a.mp4 b.mp4", fastsr()), 2);
    assert_non_null(strstr(out, "--mode must be"));
    assert_int_equal(tu_run(out, sizeof(out), "%s --crf 99 a.mp4 b.mp4", fastsr()), 2);
    assert_int_equal(tu_run(out, sizeof(out), "%s --bogus a.mp4 b.mp4", fastsr()), 2);
    assert_non_null(strstr(out, "unknown option"));
}

/* Same frame count and the same timestamps, up to one constant offset that
 * some containers impose (Matroska shifts everything so that the AAC
 * priming samples start at zero). */
static void check_same_timing(const TuMediaInfo *a, const TuMediaInfo *b)
{
    assert_int_equal(a->frames, b->frames);
    const double offset = b->pts[0] - a->pts[0];
    assert_true(offset > -0.05 && offset < 0.05);
    for (int i = 0; i < a->frames && i < TU_MAX_FRAMES; i++) {
        const double d = b->pts[i] - a->pts[i] - offset;
        if (d > 0.0015 || d < -0.0015)
            fail_msg("frame %d: input pts %.4f s, output %.4f s", i, a->pts[i], b->pts[i]);
    }
}

static void test_sample_end_to_end(void **state)
{
    (void)state;
    const char *in = tu_src("samples/pan-540p.mp4");
    const char *o = tu_tmp("sample-x2.mp4");
    const char *rep = tu_tmp("sample-report.json");
    int rc = tu_run(out, sizeof(out), "%s -q -m bicubic --preset ultrafast --report %s %s %s", fastsr(), rep, in, o);
    assert_int_equal(rc, 0);
    TuMediaInfo a, b;
    assert_int_equal(tu_media_info(in, &a), 0);
    assert_int_equal(tu_media_info(o, &b), 0);
    assert_int_equal(b.width, a.width * 2);
    assert_int_equal(b.height, a.height * 2);
    assert_string_equal(b.video_codec, "h264");
    check_same_timing(&a, &b);
    assert_int_equal(b.audio_streams, 1);
    assert_int_equal(a.audio_packets, b.audio_packets);
    assert_true(a.audio_hash == b.audio_hash);
    /* the report is valid JSON with the run's facts */
    assert_true(tu_read_file(rep, out, sizeof(out)) >= 0);
    assert_non_null(strstr(out, "\"frames\":\t125"));
    assert_non_null(strstr(out, "\"mode\":\t\"bicubic\""));
    assert_non_null(strstr(out, "\"seconds\""));
}

static void test_scales_and_containers(void **state)
{
    (void)state;
    TuMediaInfo a, b;
    assert_int_equal(tu_media_info(tu_tmp("av.mp4"), &a), 0);
    for (int s = 2; s <= 4; s++) {
        char name[64];
        snprintf(name, sizeof(name), "av-x%d.mkv", s);
        const char *o = tu_tmp(name);
        assert_int_equal(tu_run(out, sizeof(out), "%s -q -m bicubic -s %d --preset ultrafast %s %s", fastsr(), s,
                                tu_tmp("av.mp4"), o), 0);
        assert_int_equal(tu_media_info(o, &b), 0);
        assert_int_equal(b.width, 160 * s);
        assert_int_equal(b.height, 96 * s);
        check_same_timing(&a, &b);
        assert_true(a.audio_hash == b.audio_hash && a.audio_packets == b.audio_packets);
    }
}

static void test_odd_rate_without_audio(void **state)
{
    (void)state;
    TuMediaInfo a, b;
    const char *o = tu_tmp("ntsc-x2.mp4");
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m bicubic --preset ultrafast %s %s", fastsr(),
                            tu_tmp("ntsc.mp4"), o), 0);
    assert_int_equal(tu_media_info(tu_tmp("ntsc.mp4"), &a), 0);
    assert_int_equal(tu_media_info(o, &b), 0);
    assert_int_equal(b.audio_streams, 0);
    assert_int_equal(b.width, 352);
    check_same_timing(&a, &b);
}

static void test_variable_frame_rate(void **state)
{
    (void)state;
    TuMediaInfo a, b;
    assert_int_equal(tu_media_info(tu_tmp("vfr.mkv"), &a), 0);
    /* the input really is VFR: a 240 ms gap exists */
    int gap = 0;
    for (int i = 1; i < a.frames; i++)
        gap |= a.pts[i] - a.pts[i - 1] > 0.2;
    assert_true(gap);
    const char *outs[2] = { tu_tmp("vfr-x2.mp4"), tu_tmp("vfr-x2.mkv") };
    for (int k = 0; k < 2; k++) {
        assert_int_equal(tu_run(out, sizeof(out), "%s -q -m bicubic --preset ultrafast %s %s", fastsr(),
                                tu_tmp("vfr.mkv"), outs[k]), 0);
        assert_int_equal(tu_media_info(outs[k], &b), 0);
        check_same_timing(&a, &b);
    }
}

static void test_aspect_and_colour_kept(void **state)
{
    (void)state;
    const char *in = tu_tmp("sar.mkv"), *o = tu_tmp("sar-x2.mp4");
    assert_int_equal(tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=160x96:rate=25 -t 0.4 -vf setsar=4/3 "
                            "-color_primaries bt709 -color_trc bt709 -colorspace bt709 -color_range tv "
                            "-c:v libx264 -preset ultrafast %s", in), 0);
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m bicubic --preset ultrafast %s %s", fastsr(), in, o), 0);
    TuMediaInfo a, b;
    assert_int_equal(tu_media_info(in, &a), 0);
    assert_int_equal(tu_media_info(o, &b), 0);
    assert_int_equal(a.sar_num * 3, a.sar_den * 4); /* the input really has 4:3 pixels */
    assert_int_equal(b.sar_num * a.sar_den, b.sar_den * a.sar_num);
    assert_int_equal(b.color_primaries, a.color_primaries);
    assert_int_equal(b.color_trc, a.color_trc);
    assert_int_equal(b.colorspace, a.colorspace);
    assert_int_equal(b.color_range, a.color_range);
    assert_int_equal(b.color_primaries, 1); /* AVCOL_PRI_BT709 */
}

static void test_image(void **state)
{
    (void)state;
    const char *o = tu_tmp("img-x3.png");
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m bicubic -s 3 %s %s", fastsr(), tu_tmp("img.png"), o), 0);
    TuMediaInfo b;
    assert_int_equal(tu_media_info(o, &b), 0);
    assert_int_equal(b.width, 288);
    assert_int_equal(b.height, 192);
    assert_int_equal(b.frames, 1);
}

static void test_overwrite(void **state)
{
    (void)state;
    const char *o = tu_tmp("exists.mp4");
    FILE *f = fopen(o, "w");
    fputs("keep me", f);
    fclose(f);
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m bicubic %s %s", fastsr(), tu_tmp("av.mp4"), o), 1);
    assert_one_error_line(out, "already exists");
    assert_int_equal(tu_file_size(o), 7);
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -y -m bicubic --preset ultrafast %s %s", fastsr(),
                            tu_tmp("av.mp4"), o), 0);
    assert_true(tu_file_size(o) > 1000);
}

static void test_missing_model(void **state)
{
    (void)state;
    const char *o = tu_tmp("mode.mp4");
    const char *model = tu_tmp("no-such-model.safetensors");
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m fast --model %s %s %s", fastsr(), model, tu_tmp("av.mp4"), o),
                     1);
    assert_one_error_line(out, "no-such-model.safetensors");
    assert_no_output(o);
}

/* A small model made here: per-frame SR runs end to end and keeps timing. */
static void test_srcnn_mode(void **state)
{
    (void)state;
    char model[1024]; /* tu_tmp's ring is reused by the many calls below */
    snprintf(model, sizeof(model), "%s", tu_tmp("tiny-x2.safetensors"));
    assert_int_equal(tu_tiny_model(model, 2), 0);
    const char *o = tu_tmp("srcnn-x2.mp4");
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m srcnn --model %s --preset ultrafast %s %s", fastsr(), model,
                            tu_tmp("av.mp4"), o), 0);
    TuMediaInfo a, b;
    assert_int_equal(tu_media_info(tu_tmp("av.mp4"), &a), 0);
    assert_int_equal(tu_media_info(o, &b), 0);
    assert_int_equal(b.width, 320);
    check_same_timing(&a, &b);
    /* fast mode with the same model: same timing, a report with the
     * engine's facts, and for a codec without vectors a warning and
     * per-frame SR */
    const char *of = tu_tmp("fast-x2.mkv"), *rep = tu_tmp("fast.json");
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m fast -k every:4 --model %s --preset ultrafast --report %s %s %s",
                            fastsr(), model, rep, tu_tmp("av.mp4"), of), 0);
    assert_int_equal(tu_media_info(of, &b), 0);
    check_same_timing(&a, &b);
    assert_true(tu_read_file(rep, out, sizeof(out)) >= 0);
    assert_non_null(strstr(out, "\"keyframes\":\t\"every:4\""));
    assert_non_null(strstr(out, "\"transferred_frames\""));
    assert_null(strstr(out, "\"transferred_frames\":\t0,"));
    const char *mpeg4 = tu_tmp("mpeg4.avi"), *om = tu_tmp("mpeg4-x2.mkv");
    assert_int_equal(tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=96x64:rate=25 -t 0.4 -c:v ffv1 %s", mpeg4), 0);
    assert_int_equal(tu_run(out, sizeof(out), "%s -m fast --model %s --preset ultrafast %s %s", fastsr(), model,
                            mpeg4, om), 0);
    assert_non_null(strstr(out, "per-frame SR"));
    /* the accelerator backend: the same run through the fixed-point model */
    const char *oa = tu_tmp("accel-x2.mkv");
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m srcnn --backend accel --model %s --preset ultrafast %s %s",
                            fastsr(), model, tu_tmp("av.mp4"), oa), 0);
    assert_int_equal(tu_media_info(oa, &b), 0);
    assert_int_equal(b.width, 320);
    check_same_timing(&a, &b);
    /* a model for another scale is refused */
    const char *o3 = tu_tmp("srcnn-x3.mp4");
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m srcnn -s 3 --model %s %s %s", fastsr(), model,
                            tu_tmp("av.mp4"), o3), 1);
    assert_one_error_line(out, "trained for x2");
    assert_no_output(o3);
    /* a broken model file is refused */
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m srcnn --model %s %s %s", fastsr(), tu_tmp("av.mp4"),
                            tu_tmp("av.mp4"), o3), 1);
    assert_one_error_line(out, "av.mp4");
    assert_no_output(o3);
}

/* Runs fastsr on a bad input and checks the failure contract. */
static void expect_input_error(const char *input, const char *what, const char *outname)
{
    const char *o = tu_tmp(outname);
    int rc = tu_run(out, sizeof(out), "%s -q -m bicubic --preset ultrafast '%s' %s", fastsr(), input, o);
    if (rc != 1)
        fail_msg("exit %d for %s: %s", rc, input, out);
    assert_one_error_line(out, what);
    assert_non_null(strstr(out, input));
    assert_no_output(o);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    expect_input_error(tu_tmp("missing.mp4"), "No such file", "o1.mp4");
    expect_input_error(FASTSR_TEST_TMP_DIR, "is a directory", "o2.mp4");
    const char *empty = tu_tmp("empty.mp4");
    fclose(fopen(empty, "w"));
    expect_input_error(empty, "empty", "o3.mp4");
    const char *junk = tu_tmp("junk.mp4");
    FILE *f = fopen(junk, "w");
    uint32_t seed = 5;
    for (int i = 0; i < 20000; i++)
        fputc((int)(tu_rand(&seed) & 255), f);
    fclose(f);
    expect_input_error(junk, "not a media file", "o4.mp4");
    const char *text = tu_tmp("notes.txt");
    f = fopen(text, "w");
    fputs("just some text\nnot a video\n", f);
    fclose(f);
    expect_input_error(text, "not a media file", "o4b.mp4");
    expect_input_error(tu_tmp("audio.m4a"), "no video stream", "o5.mp4");
    expect_input_error(tu_tmp("10bit.mkv"), "10 bits per sample", "o6.mp4");
    expect_input_error(tu_tmp("odd.mkv"), "must be even", "o7.mp4");
    expect_input_error(tu_tmp("absurd.mkv"), "outside the supported range", "o8.mp4");
}

static void copy_prefix(const char *src, const char *dst, double fraction)
{
    long long size = tu_file_size(src);
    assert_true(size > 0);
    assert_int_equal(tu_run(NULL, 0, "head -c %lld %s > %s", (long long)(size * fraction), src, dst), 0);
}

static void test_truncated(void **state)
{
    (void)state;
    const char *cut = tu_tmp("cut.mp4");
    copy_prefix(tu_tmp("long.mp4"), cut, 0.6);
    expect_input_error(cut, "truncated", "o9.mp4");
    /* moov at the end: the index itself is gone */
    const char *tail = tu_tmp("long-tail.mp4"), *cut2 = tu_tmp("cut2.mp4");
    assert_int_equal(tu_run(NULL, 0, FFMPEG "-i %s -c copy %s", tu_tmp("long.mp4"), tail), 0);
    copy_prefix(tail, cut2, 0.6);
    expect_input_error(cut2, cut2, "o10.mp4");
}

static void test_corrupt_bits(void **state)
{
    (void)state;
    /* Flip bytes in the middle of the H.264 data (Annex B, no container
     * index to fall over), 300 bytes every 2 kB over the middle third. */
    const char *raw = tu_tmp("long.h264"), *bad = tu_tmp("corrupt.h264");
    assert_int_equal(tu_run(NULL, 0, FFMPEG "-i %s -c copy -bsf:v h264_mp4toannexb %s", tu_tmp("long.mp4"), raw), 0);
    FILE *f = fopen(raw, "rb");
    assert_non_null(f);
    static uint8_t buf[1 << 22];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    uint32_t seed = 77;
    for (size_t pos = n / 3; pos < 2 * n / 3; pos += 2048)
        for (size_t k = 0; k < 300 && pos + k < n; k++)
            buf[pos + k] ^= (uint8_t)(tu_rand(&seed) | 1);
    f = fopen(bad, "wb");
    fwrite(buf, 1, n, f);
    fclose(f);
    expect_input_error(bad, "damaged video", "o11.mp4");
    /* --keep-going keeps a full-length output with the concealed frames */
    const char *o = tu_tmp("o11k.mp4");
    int rc = tu_run(out, sizeof(out), "%s -q --keep-going -m bicubic --preset ultrafast %s %s", fastsr(), bad, o);
    assert_int_equal(rc, 0);
    assert_true(tu_exists(o));
}

static void test_bad_outputs(void **state)
{
    (void)state;
    const char *in = tu_tmp("av.mp4");
    char o[1200];
    snprintf(o, sizeof(o), "%s/no/such/dir/out.mp4", FASTSR_TEST_TMP_DIR);
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m bicubic %s %s", fastsr(), in, o), 1);
    assert_one_error_line(out, "does not exist");
    /* Root may write anywhere on disk, so use a read-only file system then. */
    const char *ro = tu_tmp("ro");
    if (geteuid() == 0) {
        ro = "/proc";
    } else {
        assert_int_equal(tu_run(NULL, 0, "mkdir -p %s && chmod 555 %s", ro, ro), 0);
    }
    snprintf(o, sizeof(o), "%s/fastsr-out.mp4", ro);
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m bicubic %s %s", fastsr(), in, o), 1);
    assert_non_null(strstr(out, "fastsr: error: "));
    assert_non_null(strstr(out, o));
    assert_false(tu_exists(o));
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -y -m bicubic %s %s", fastsr(), in, in), 1);
    assert_one_error_line(out, "same file as the input");
    assert_true(tu_file_size(in) > 0);
    const char *xyz = tu_tmp("out.xyz");
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m bicubic %s %s", fastsr(), in, xyz), 1);
    assert_one_error_line(out, "unknown output extension");
    assert_no_output(xyz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_sample_end_to_end),
        cmocka_unit_test(test_scales_and_containers),
        cmocka_unit_test(test_odd_rate_without_audio),
        cmocka_unit_test(test_variable_frame_rate),
        cmocka_unit_test(test_aspect_and_colour_kept),
        cmocka_unit_test(test_image),
        cmocka_unit_test(test_overwrite),
        cmocka_unit_test(test_missing_model),
        cmocka_unit_test(test_srcnn_mode),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_corrupt_bits),
        cmocka_unit_test(test_bad_outputs),
    };
    return cmocka_run_group_tests_name("cli", tests, make_clips, NULL);
}
