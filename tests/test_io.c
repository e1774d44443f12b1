/* fastsr in people's workflows (issue 19): stdin and stdout pipes give the
 * same frames as files, a batch of inputs goes on past broken ones and says
 * how many failed, encoders other than libx264 take or refuse the rate
 * options with one clear line, and 10-bit input is read (as 8-bit). */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavcodec/avcodec.h>

#include "mediainfo.h"

static char out[65536];
#define FFMPEG "ffmpeg -hide_banner -loglevel error -y "
/* small and quick: the pipes' checks are about bytes, not about SR */
#define FAST "-q --accel none --preset ultrafast"

static const char *fastsr(void) { return tu_tool("fastsr"); }

/* tu_tmp's buffers are a small ring: the clip's path is kept here */
static char clip_path[1024];

static int make_clips(void **state)
{
    (void)state;
    snprintf(clip_path, sizeof(clip_path), "%s", tu_tmp("clip.mp4"));
    /* under LeakSanitizer, libx265's own leak is not fastsr's (the file
     * says which); every other leak still fails the runs */
    setenv("LSAN_OPTIONS", "suppressions=" FASTSR_TEST_SRC_DIR "/tests/lsan-x265.supp:print_suppressions=0", 1);
    int r = 0;
    /* B-frames (default x264 settings), so that pictures come out of
     * decode order, and an audio track to carry through the pipes */
    r |= tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=160x96:rate=25 -f lavfi -i sine=f=440:r=48000 "
                "-t 1 -c:v libx264 -preset veryfast -c:a aac %s", tu_tmp("clip.mp4"));
    r |= tu_run(NULL, 0, FFMPEG "-i %s -pix_fmt yuv420p -f yuv4mpegpipe %s", tu_tmp("clip.mp4"), tu_tmp("clip.y4m"));
    return r ? -1 : 0;
}

/* The decoded video frames' MD5s, one line each, in display order. */
static void frame_hashes(const char *path, char *buf, size_t size)
{
    int rc = tu_run(buf, size, "ffmpeg -hide_banner -loglevel error -i '%s' -map 0:v:0 -f framemd5 - | "
                    "grep -v '^#' | awk -F, '{print $NF}'", path);
    assert_int_equal(rc, 0);
}

/* The two files' video frames are the same pictures, and there are some. */
static void assert_same_frames(const char *a, const char *b)
{
    static char ha[16384], hb[16384];
    frame_hashes(a, ha, sizeof(ha));
    frame_hashes(b, hb, sizeof(hb));
    int lines = 0;
    for (const char *p = ha; *p; p++)
        lines += *p == '\n';
    if (lines < 20 || strcmp(ha, hb))
        fail_msg("%s (%d frames) and %s differ:\n%s\n---\n%s", a, lines, b, ha, hb);
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

/* The exit status a command of a pipeline wrote to the file rc. */
static int read_rc(const char *rc_path)
{
    char buf[32];
    assert_true(tu_read_file(rc_path, buf, sizeof(buf)) > 0);
    return atoi(buf);
}

/* A file at path of n bytes of noise. */
static void write_junk(const char *path, int n, uint32_t seed)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int i = 0; i < n; i++)
        fputc((int)(tu_rand(&seed) & 255), f);
    fclose(f);
}

/* Any stream FFmpeg demuxes comes in on stdin: the same pictures as from
 * the file (compared as y4m: the HR pictures before any encoder). */
static void test_stdin_formats(void **state)
{
    (void)state;
    const char *clip = clip_path;
    const char *ref = tu_tmp("ref.y4m");
    assert_int_equal(tu_run(out, sizeof(out), "%s " FAST " -y %s %s", fastsr(), clip, ref), 0);
    static const char *const demux[][2] = {
        { "matroska", "-c copy" }, { "mpegts", "-c copy" }, { "h264", "-c:v copy -an" },
    };
    for (size_t i = 0; i < sizeof(demux) / sizeof(demux[0]); i++) {
        const char *o = tu_tmp("stdin.y4m");
        int rc = tu_run(out, sizeof(out), FFMPEG "-i %s %s -f %s - | %s " FAST " -y - %s", clip, demux[i][1],
                        demux[i][0], fastsr(), o);
        if (rc)
            fail_msg("%s on stdin: exit %d: %s", demux[i][0], rc, out);
        assert_same_frames(ref, o);
        /* not even a warning */
        assert_int_equal(out[0], 0);
    }
    /* y4m holds pictures, not a bitstream: compared with the y4m file */
    const char *y4m_ref = tu_tmp("ref2.y4m");
    const char *o = tu_tmp("stdin2.y4m");
    assert_int_equal(tu_run(out, sizeof(out), "%s " FAST " -y %s %s", fastsr(), tu_tmp("clip.y4m"), y4m_ref), 0);
    assert_int_equal(tu_run(out, sizeof(out), "cat %s | %s " FAST " -y - %s", tu_tmp("clip.y4m"), fastsr(), o), 0);
    assert_same_frames(y4m_ref, o);
}

/* stdout in each streamable format: the same frames as the file of that
 * format, audio kept where the container holds it; Matroska without
 * --format. */
static void test_stdout_formats(void **state)
{
    (void)state;
    const char *clip = clip_path;
    static const char *const fmts[][2] = { { "matroska", "mkv" }, { "mpegts", "ts" }, { "yuv4mpegpipe", "y4m" } };
    for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
        char file[1024], piped[1024];
        snprintf(file, sizeof(file), "%s.%s", tu_tmp("file"), fmts[i][1]);
        snprintf(piped, sizeof(piped), "%s.%s", tu_tmp("piped"), fmts[i][1]);
        assert_int_equal(tu_run(out, sizeof(out), "%s " FAST " -y %s %s", fastsr(), clip, file), 0);
        int rc = tu_run(out, sizeof(out), "%s " FAST " --format %s %s - > %s", fastsr(), fmts[i][0], clip, piped);
        if (rc)
            fail_msg("--format %s to stdout: exit %d: %s", fmts[i][0], rc, out);
        assert_same_frames(file, piped);
        TuMediaInfo mi;
        assert_int_equal(tu_media_info(piped, &mi), 0);
        assert_int_equal(mi.width, 320);
        assert_int_equal(mi.audio_streams, strcmp(fmts[i][1], "y4m") ? 1 : 0);
    }
    /* the y4m file and the y4m stream are the same bytes */
    assert_int_equal(tu_run(NULL, 0, "cmp -s %s %s", tu_tmp("file.y4m"), tu_tmp("piped.y4m")), 0);
    const char *def = tu_tmp("default.mkv");
    int rc = tu_run(out, sizeof(out), "%s " FAST " %s - > %s", fastsr(), clip, def);
    if (rc)
        fail_msg("to stdout without --format: exit %d: %s", rc, out);
    assert_same_frames(tu_tmp("file.mkv"), def);
    assert_int_equal(tu_run(out, sizeof(out), "ffprobe -v error -show_entries format=format_name -of csv=p=0 %s", def),
                     0);
    assert_non_null(strstr(out, "matroska"));
}

/* The one-liner, ffmpeg on both sides: the same frames as file to
 * file. */
static void test_pipe_both_ways(void **state)
{
    (void)state;
    const char *clip = clip_path;
    const char *file = tu_tmp("both_file.mkv"), *piped = tu_tmp("both_piped.mkv");
    assert_int_equal(tu_run(out, sizeof(out), "%s " FAST " -y %s %s", fastsr(), clip, file), 0);
    int rc = tu_run(out, sizeof(out), FFMPEG "-i %s -c copy -f matroska - | %s " FAST " --format matroska - - | "
                    FFMPEG "-i - -c copy %s", clip, fastsr(), piped);
    if (rc)
        fail_msg("exit %d: %s", rc, out);
    assert_same_frames(file, piped);
    TuMediaInfo a, b;
    assert_int_equal(tu_media_info(file, &a), 0);
    assert_int_equal(tu_media_info(piped, &b), 0);
    assert_int_equal(a.frames, b.frames);
    assert_int_equal(b.audio_streams, 1);
    assert_int_equal(a.audio_hash, b.audio_hash);
}

/* Failures with pipes: one error line and exit 1; on stdout the stream
 * ends where the failure came. */
static void test_pipe_failures(void **state)
{
    (void)state;
    const char *o = tu_tmp("never.mkv");
    assert_int_equal(tu_run(out, sizeof(out), "%s " FAST " - %s < /dev/null", fastsr(), o), 1);
    assert_one_error_line(out, "stdin");
    assert_false(tu_exists(o));
    assert_int_equal(tu_run(out, sizeof(out), "head -c 20000 /dev/urandom | %s " FAST " - %s", fastsr(), o), 1);
    assert_one_error_line(out, "stdin");
    assert_false(tu_exists(o));
    /* a container that cannot stream, an image type, an unknown format */
    const char *clip = clip_path;
    assert_int_equal(tu_run(out, sizeof(out), "%s " FAST " -f mp4 %s - > /dev/null", fastsr(), clip), 1);
    assert_one_error_line(out, "--format matroska");
    assert_int_equal(tu_run(out, sizeof(out), "%s " FAST " -f image2 %s - > /dev/null", fastsr(), clip), 1);
    assert_one_error_line(out, "cannot be written to stdout");
    assert_int_equal(tu_run(out, sizeof(out), "%s " FAST " -f nosuchformat %s - > /dev/null", fastsr(), clip), 1);
    assert_one_error_line(out, "unknown output format 'nosuchformat'");
    /* the reader goes away: a write error, not a death by SIGPIPE */
    const char *rc = tu_tmp("rc.txt");
    tu_run(out, sizeof(out), "(%s " FAST " -f yuv4mpegpipe %s -; echo $? > %s) | head -c 1000 > /dev/null", fastsr(),
           clip, rc);
    assert_int_equal(read_rc(rc), 1);
    assert_one_error_line(out, "reader of stdout");
    /* damaged input: the frames written stay on stdout, the exit and one
     * line say it (the damage is known once the input has ended) */
    const char *damaged = tu_tmp("damaged.h264"), *partial = tu_tmp("partial.mkv");
    assert_int_equal(tu_run(NULL, 0, FFMPEG "-i %s -c:v copy -an -f h264 %s", clip, damaged), 0);
    /* bytes flipped in the middle third, as test_cli's corrupt-bits case */
    FILE *f = fopen(damaged, "r+b");
    assert_non_null(f);
    static uint8_t buf[1 << 20];
    const size_t n = fread(buf, 1, sizeof(buf), f);
    uint32_t seed = 77;
    for (size_t pos = n / 3; pos < 2 * n / 3; pos += 1024)
        for (size_t k = 0; k < 200 && pos + k < n; k++)
            buf[pos + k] ^= (uint8_t)(tu_rand(&seed) | 1);
    rewind(f);
    assert_int_equal(fwrite(buf, 1, n, f), n);
    fclose(f);
    tu_run(out, sizeof(out), "(%s " FAST " -f matroska - - < %s; echo $? > %s) > %s", fastsr(), damaged, rc, partial);
    assert_int_equal(read_rc(rc), 1);
    assert_one_error_line(out, "stdin: damaged video");
    TuMediaInfo mi;
    assert_int_equal(tu_media_info(partial, &mi), 0);
    assert_true(mi.frames > 0);
}

static int count_lines_with(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

static int count_parts(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strstr(e->d_name, ".part.") != NULL;
    closedir(d);
    return n;
}

/* 20 inputs, 3 broken (noise, a text file, a cut-off MP4 whose index is at
 * the end), 19 of them in a folder beside a subtitle file that is not an
 * input: 17 outputs, 3 error lines, exit 1, the table; a second run skips
 * the 17 and fails the 3 again. */
static void test_batch(void **state)
{
    (void)state;
    char in_dir[1024], out_dir[1024], single_dir[1024], single[1200], path[1200];
    snprintf(in_dir, sizeof(in_dir), "%s", tu_tmp("batch_in"));
    snprintf(out_dir, sizeof(out_dir), "%s", tu_tmp("batch_out"));
    snprintf(single_dir, sizeof(single_dir), "%s", tu_tmp("batch_single"));
    snprintf(single, sizeof(single), "%s/single.mp4", single_dir);
    tu_run(NULL, 0, "rm -rf %s %s %s && mkdir -p %s %s %s", in_dir, out_dir, single_dir, in_dir, out_dir, single_dir);
    /* 16 good clips in the folder and one outside it */
    for (int i = 0; i < 17; i++) {
        if (i < 16)
            snprintf(path, sizeof(path), "%s/clip%02d.%s", in_dir, i, i % 2 ? "mkv" : "mp4");
        else
            snprintf(path, sizeof(path), "%s/single.mp4", single_dir);
        assert_int_equal(tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=64x48:rate=25 -t 0.2 -vf hue=h=%d "
                                "-c:v libx264 -preset ultrafast %s", i * 20, path), 0);
    }
    snprintf(path, sizeof(path), "%s/noise.mp4", in_dir);
    write_junk(path, 30000, 7);
    snprintf(path, sizeof(path), "%s/text.mkv", in_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("not a video at all\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/cut.mp4", in_dir);
    assert_int_equal(tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=64x48:rate=25 -t 1 -c:v libx264 "
                            "-preset ultrafast %s.whole.mp4 && head -c 4000 %s.whole.mp4 > %s && rm %s.whole.mp4",
                            path, path, path, path), 0);
    snprintf(path, sizeof(path), "%s/subs.srt", in_dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("1\n00:00:00,000 --> 00:00:00,100\nhi\n\n", f);
    fclose(f);

    int rc = tu_run(out, sizeof(out), "%s -m bicubic --preset ultrafast -o %s %s %s", fastsr(), out_dir, in_dir,
                    single);
    if (rc != 1)
        fail_msg("exit %d: %s", rc, out);
    assert_int_equal(count_lines_with(out, "fastsr: error: "), 3);
    assert_non_null(strstr(out, "noise.mp4: not a media file"));
    assert_non_null(strstr(out, "text.mkv: not a media file"));
    assert_non_null(strstr(out, "cut.mp4: "));
    assert_non_null(strstr(out, "fastsr: batch of 20: 17 done, 0 skipped, 3 failed"));
    assert_int_equal(count_lines_with(out, "  ok  "), 17);
    assert_int_equal(count_lines_with(out, "  FAILED  "), 3);
    for (int i = 0; i < 17; i++) {
        if (i < 16)
            snprintf(path, sizeof(path), "%s/clip%02d.%s", out_dir, i, i % 2 ? "mkv" : "mp4");
        else
            snprintf(path, sizeof(path), "%s/single.mp4", out_dir);
        TuMediaInfo mi;
        if (tu_media_info(path, &mi) < 0)
            fail_msg("%s missing: %s", path, out);
        assert_int_equal(mi.width, 128);
        assert_int_equal(mi.frames, 5);
    }
    snprintf(path, sizeof(path), "%s/noise.mp4", out_dir);
    assert_false(tu_exists(path));
    snprintf(path, sizeof(path), "%s/subs.mkv", out_dir);
    assert_false(tu_exists(path));
    assert_int_equal(count_parts(out_dir), 0);

    /* again: the finished outputs are skipped, untouched */
    snprintf(path, sizeof(path), "%s/clip03.mkv", out_dir);
    struct stat before, after;
    assert_int_equal(stat(path, &before), 0);
    rc = tu_run(out, sizeof(out), "%s -m bicubic --preset ultrafast -o %s %s %s", fastsr(), out_dir, in_dir,
                single);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "fastsr: batch of 20: 0 done, 17 skipped, 3 failed"));
    assert_int_equal(count_lines_with(out, "fastsr: error: "), 3);
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(before.st_mtime, after.st_mtime);
    assert_int_equal(before.st_size, after.st_size);

    /* all good: exit 0 */
    rc = tu_run(out, sizeof(out), "%s -q -m bicubic --preset ultrafast -y -o %s %s/clip00.mp4 %s/clip01.mkv",
                fastsr(), out_dir, in_dir, in_dir);
    if (rc)
        fail_msg("exit %d: %s", rc, out);
    assert_int_equal(out[0], 0);
    /* an output that would replace its input, two inputs with one output
     * name: failed, the input untouched */
    snprintf(path, sizeof(path), "%s/clip00.mp4", in_dir);
    const long long size = tu_file_size(path);
    rc = tu_run(out, sizeof(out), "%s -q -m bicubic -y -o %s %s", fastsr(), in_dir, path);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "would replace the input"));
    assert_int_equal(tu_file_size(path), size);
    rc = tu_run(out, sizeof(out), "%s -q -m bicubic -y -o %s %s %s/clip00.mp4", fastsr(), out_dir, path, out_dir);
    assert_int_equal(rc, 1);
    assert_int_equal(count_lines_with(out, "fastsr: error: "), 1);
}

static int have_encoder(const char *name) { return avcodec_find_encoder_by_name(name) != NULL; }

/* libx265 and libvpx-vp9: the codec asked for, every frame, --crf doing
 * what it says; libx265 twice gives the same bytes. */
static void test_other_encoders(void **state)
{
    (void)state;
    if (!have_encoder("libx265") || !have_encoder("libvpx-vp9"))
        tu_skip("this FFmpeg lacks libx265 or libvpx-vp9");
    const char *clip = clip_path;
    TuMediaInfo in;
    assert_int_equal(tu_media_info(clip, &in), 0);
    static const char *const cases[][3] = {
        { "libx265", "hevc", "mkv" }, { "libvpx-vp9", "vp9", "webm" }, { "libx265", "hevc", "mp4" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char o[1024];
        snprintf(o, sizeof(o), "%s-%zu.%s", tu_tmp("enc"), i, cases[i][2]);
        int rc = tu_run(out, sizeof(out), "%s -q -m bicubic -y --encoder %s %s %s", fastsr(), cases[i][0], clip, o);
        if (rc)
            fail_msg("%s: exit %d: %s", cases[i][0], rc, out);
        assert_int_equal(out[0], 0);
        TuMediaInfo mi;
        assert_int_equal(tu_media_info(o, &mi), 0);
        assert_string_equal(mi.video_codec, cases[i][1]);
        assert_int_equal(mi.frames, in.frames);
        assert_int_equal(mi.width, 2 * in.width);
        /* opus in WebM: the AAC track cannot go there and is dropped */
        assert_int_equal(mi.audio_streams, strcmp(cases[i][2], "webm") ? 1 : 0);
    }
    /* -c:v as ffmpeg spells it; a lower --crf, a bigger file */
    const char *hi = tu_tmp("crf_hi.mkv"), *lo = tu_tmp("crf_lo.mkv");
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m bicubic -y -c:v libvpx-vp9 --crf 15 %s %s", fastsr(), clip,
                            hi), 0);
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m bicubic -y -c:v libvpx-vp9 --crf 55 %s %s", fastsr(), clip,
                            lo), 0);
    assert_true(tu_file_size(hi) > 2 * tu_file_size(lo));
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m bicubic -y -c:v libx265 --crf 10 --preset ultrafast %s %s",
                            fastsr(), clip, hi), 0);
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m bicubic -y -c:v libx265 --crf 45 --preset ultrafast %s %s",
                            fastsr(), clip, lo), 0);
    assert_true(tu_file_size(hi) > 2 * tu_file_size(lo));
    /* the same run twice, the same bytes */
    const char *again = tu_tmp("crf_lo2.mkv");
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m bicubic -y -c:v libx265 --crf 45 --preset ultrafast %s %s",
                            fastsr(), clip, again), 0);
    assert_int_equal(tu_run(NULL, 0, "cmp -s %s %s", lo, again), 0);
}

/* What an encoder does not have is refused with one line, nothing written. */
static void test_encoder_refusals(void **state)
{
    (void)state;
    const char *clip = clip_path;
    const char *o = tu_tmp("refused.mkv");
    static const char *const cases[][2] = {
        { "--encoder nosuch", "encoder 'nosuch' is not in this FFmpeg" },
        { "--encoder aac", "'aac' is not a video encoder" },
        { "--encoder mpeg4 --crf 10", "mpeg4 has no constant-quality setting" },
        { "--encoder libx265 --crf 52", "--crf 52 is outside libx265's range 0..51" },
        { "--encoder libx265 --x264-params keyint=5", "--x264-params is for libx264, not libx265" },
        { "--encoder libvpx-vp9 --preset fast", "libvpx-vp9 has no presets" },
        { "--encoder libsvtav1 --preset medium", "bad libsvtav1 preset 'medium'" },
        { "--encoder libvpx-vp9 --encoder-opts nosuchopt=1", "libvpx-vp9 has no option 'nosuchopt'" },
        { "--encoder-opts novalue", "options must be key=value" },
        { "--preset nosuchpreset", "bad x264 preset 'nosuchpreset' (ultrafast, " },
        { "--encoder h264_vaapi", "h264_vaapi takes only frames in hardware memory" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *name = strstr(cases[i][0], "--encoder ") ? cases[i][0] + strlen("--encoder ") : "libx264";
        char enc[64];
        snprintf(enc, sizeof(enc), "%.*s", (int)strcspn(name, " "), name);
        if (strcmp(enc, "nosuch") && strcmp(enc, "aac") && !have_encoder(enc))
            continue; /* a build without it says so in the first case's way */
        int rc = tu_run(out, sizeof(out), "%s -q -m bicubic -y %s %s %s", fastsr(), cases[i][0], clip, o);
        if (rc != 1)
            fail_msg("%s: exit %d: %s", cases[i][0], rc, out);
        assert_one_error_line(out, cases[i][1]);
        assert_false(tu_exists(o));
    }
    /* a hardware encoder whose device is absent: one line that says so
     * (where the device is there, it simply works) */
    if (have_encoder("h264_nvenc")) {
        int rc = tu_run(out, sizeof(out), "%s -q -m bicubic -y --encoder h264_nvenc %s %s", fastsr(), clip, o);
        if (rc) {
            assert_int_equal(rc, 1);
            assert_one_error_line(out, "no usable device or driver for this hardware encoder");
            assert_false(tu_exists(o));
        }
    }
}

/* 10-bit input (HEVC with PQ tags, as phones record; FFV1 4:2:2) is
 * decoded, converted to 8-bit 4:2:0 with one warning, upscaled, and the
 * output keeps the colour tags. */
static void test_ten_bit_input(void **state)
{
    (void)state;
    if (!have_encoder("libx265"))
        tu_skip("this FFmpeg lacks libx265");
    const char *in = tu_tmp("pq10.mkv");
    assert_int_equal(tu_run(out, sizeof(out), FFMPEG "-f lavfi -i testsrc2=size=160x96:rate=25 -t 0.6 "
                            "-pix_fmt yuv420p10le -c:v libx265 -x265-params log-level=error "
                            "-color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc %s", in), 0);
    TuMediaInfo a, b;
    assert_int_equal(tu_media_info(in, &a), 0);
    assert_int_equal(a.color_trc, 16); /* AVCOL_TRC_SMPTE2084, PQ */
    const char *o = tu_tmp("pq10_x2.mkv");
    int rc = tu_run(out, sizeof(out), "%s --accel none --preset ultrafast -y %s %s", fastsr(), in, o);
    if (rc)
        fail_msg("exit %d: %s", rc, out);
    assert_non_null(strstr(out, "fastsr: warning: "));
    assert_non_null(strstr(out, "yuv420p10le (10 bits) converted to 8-bit 4:2:0"));
    assert_int_equal(count_lines_with(out, "converted to 8-bit"), 1);
    assert_int_equal(tu_media_info(o, &b), 0);
    assert_int_equal(b.width, 2 * a.width);
    assert_int_equal(b.frames, a.frames);
    assert_int_equal(b.color_primaries, a.color_primaries);
    assert_int_equal(b.color_trc, a.color_trc);
    assert_int_equal(b.colorspace, a.colorspace);
    /* 4:2:2 at 10 bits (FFV1), bicubic: the same warning, with the chroma */
    const char *in2 = tu_tmp("422p10.mkv"), *o2 = tu_tmp("422p10_x2.mp4");
    assert_int_equal(tu_run(out, sizeof(out), FFMPEG "-f lavfi -i testsrc2=size=160x96:rate=25 -t 0.4 "
                            "-pix_fmt yuv422p10le -c:v ffv1 %s", in2), 0);
    rc = tu_run(out, sizeof(out), "%s -m bicubic --preset ultrafast -y %s %s", fastsr(), in2, o2);
    if (rc)
        fail_msg("exit %d: %s", rc, out);
    assert_non_null(strstr(out, "yuv422p10le (10 bits, 4:2:2 chroma) converted to 8-bit 4:2:0"));
    assert_int_equal(tu_media_info(o2, &b), 0);
    assert_int_equal(b.frames, 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stdin_formats),
        cmocka_unit_test(test_stdout_formats),
        cmocka_unit_test(test_pipe_both_ways),
        cmocka_unit_test(test_pipe_failures),
        cmocka_unit_test(test_batch),
        cmocka_unit_test(test_other_encoders),
        cmocka_unit_test(test_encoder_refusals),
        cmocka_unit_test(test_ten_bit_input),
    };
    return tu_result(cmocka_run_group_tests_name("io", tests, make_clips, NULL));
}
