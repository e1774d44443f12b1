/* fastsr in people's workflows (issue 19): stdin and stdout pipes give the
 * same frames as files, a batch of inputs goes on past broken ones and says
 * how many failed, encoders other than libx264 take or refuse the rate
 * options with one clear line, and 10-bit input is read (as 8-bit); the
 * encoder writes 10-bit video with the input's colour description and HDR
 * metadata, or rounds it to 8 bits. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/mastering_display_metadata.h>

#include "encode.h"
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

static AVFrame *first_frame(const char *path, AVCodecParameters *par, AVStream **keep_st, AVFormatContext **keep);

/* 10-bit input (HEVC with PQ tags, as phones record; FFV1 4:2:2) is
 * decoded and worked at 10 bits (4:2:2 converted to 4:2:0 with one
 * warning), or at 8 bits with --output-depth 8 (one warning), and the
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
    /* 10-bit 4:2:0 is worked at 10 bits: nothing to say */
    assert_null(strstr(out, "fastsr: warning: "));
    assert_non_null(strstr(out, "10-bit"));
    assert_int_equal(tu_media_info(o, &b), 0);
    AVCodecParameters *par = avcodec_parameters_alloc();
    AVFormatContext *fmt = NULL;
    AVStream *st = NULL;
    AVFrame *f = first_frame(o, par, &st, &fmt);
    assert_non_null(f);
    assert_int_equal(par->format, AV_PIX_FMT_YUV420P10LE);
    av_frame_free(&f);
    avformat_close_input(&fmt);
    avcodec_parameters_free(&par);
    assert_int_equal(b.width, 2 * a.width);
    assert_int_equal(b.frames, a.frames);
    assert_int_equal(b.color_primaries, a.color_primaries);
    assert_int_equal(b.color_trc, a.color_trc);
    assert_int_equal(b.colorspace, a.colorspace);
    /* --output-depth 8: today's 8-bit path, said once */
    rc = tu_run(out, sizeof(out), "%s --accel none --preset ultrafast --output-depth 8 -y %s %s", fastsr(), in, o);
    if (rc)
        fail_msg("exit %d: %s", rc, out);
    assert_non_null(strstr(out, "yuv420p10le (10 bits) converted to 8-bit 4:2:0"));
    assert_int_equal(count_lines_with(out, "converted to 8-bit"), 1);
    assert_int_equal(tu_media_info(o, &b), 0);
    assert_int_equal(b.frames, a.frames);
    assert_int_equal(b.color_trc, a.color_trc);
    f = first_frame(o, par = avcodec_parameters_alloc(), &st, &fmt);
    assert_non_null(f);
    assert_int_equal(par->format, AV_PIX_FMT_YUV420P);
    av_frame_free(&f);
    avformat_close_input(&fmt);
    avcodec_parameters_free(&par);
    rc = tu_run(out, sizeof(out), "%s --output-depth 9 -y %s %s", fastsr(), in, o);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(out, "--output-depth must be auto or 8"));
    /* 4:2:2 at 10 bits (FFV1), bicubic: 10-bit 4:2:0, said with the chroma */
    const char *in2 = tu_tmp("422p10.mkv"), *o2 = tu_tmp("422p10_x2.mp4");
    assert_int_equal(tu_run(out, sizeof(out), FFMPEG "-f lavfi -i testsrc2=size=160x96:rate=25 -t 0.4 "
                            "-pix_fmt yuv422p10le -c:v ffv1 %s", in2), 0);
    rc = tu_run(out, sizeof(out), "%s -m bicubic --preset ultrafast -y %s %s", fastsr(), in2, o2);
    if (rc)
        fail_msg("exit %d: %s", rc, out);
    assert_non_null(strstr(out, "yuv422p10le (10 bits, 4:2:2 chroma) converted to 10-bit 4:2:0"));
    assert_int_equal(tu_media_info(o2, &b), 0);
    assert_int_equal(b.frames, 10);
}


/* The x265 parameters of the HDR10 clip below, and the same values as
 * libavutil holds them. */
#define HDR_MASTER "G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,50)"
#define HDR_CLL "1000,400"

/* The first decoded video frame of path (its stream's parameters in *par,
 * copied, when par is given), or NULL. */
static AVFrame *first_frame(const char *path, AVCodecParameters *par, AVStream **keep_st, AVFormatContext **keep)
{
    AVFormatContext *fmt = NULL;
    if (avformat_open_input(&fmt, path, NULL, NULL) < 0)
        return NULL;
    AVFrame *frame = NULL;
    AVCodecContext *c = NULL;
    AVPacket *pkt = av_packet_alloc();
    const int si = avformat_find_stream_info(fmt, NULL) < 0 ? -1
                   : av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (si < 0 || !pkt)
        goto end;
    const AVStream *st = fmt->streams[si];
    if (par)
        avcodec_parameters_copy(par, st->codecpar);
    c = avcodec_alloc_context3(avcodec_find_decoder(st->codecpar->codec_id));
    if (!c || avcodec_parameters_to_context(c, st->codecpar) < 0 || avcodec_open2(c, c->codec, NULL) < 0)
        goto end;
    frame = av_frame_alloc();
    int got = 0, eof = 0;
    while (frame && !got) {
        if (!eof) {
            int r = av_read_frame(fmt, pkt);
            if (r < 0) {
                eof = 1;
                avcodec_send_packet(c, NULL);
            } else {
                if (pkt->stream_index == si)
                    avcodec_send_packet(c, pkt);
                av_packet_unref(pkt);
            }
        }
        int r = avcodec_receive_frame(c, frame);
        if (r == 0)
            got = 1;
        else if (r != AVERROR(EAGAIN))
            break;
    }
    if (!got)
        av_frame_free(&frame);
end:
    av_packet_free(&pkt);
    avcodec_free_context(&c);
    if (keep && frame) {
        *keep = fmt;
        *keep_st = fmt->streams[si];
    } else {
        avformat_close_input(&fmt);
    }
    return frame;
}

/* A 10-bit test pattern: every code value used, no two neighbours equal. */
static int pattern10(int c, int x, int y, int i) { return (x * (13 + c) + y * 7 + i * 29 + c * 311) % 1024; }

static void fill10(FsrPicture *pic, int i)
{
    for (int c = 0; c < 3; c++) {
        const int w = c ? fsr_chroma_w(pic->w) : pic->w, h = c ? fsr_chroma_h(pic->h) : pic->h;
        for (int y = 0; y < h; y++) {
            uint16_t *row = (uint16_t *)(pic->data[c] + y * pic->stride[c]);
            for (int x = 0; x < w; x++)
                row[x] = (uint16_t)pattern10(c, x, y, i);
        }
    }
}

/* Writes n pictures of the pattern (at 10 bits) through an encoder opened
 * with s; 0 or the encoder's error. */
static int encode10(const FsrEncoderSettings *s, int n)
{
    FsrEncoder *enc = NULL;
    int ret = fsr_encoder_open(&enc, s);
    FsrPicture pic;
    if (!ret)
        ret = fsr_picture_open_depth(&pic, s->width, s->height, 10);
    for (int i = 0; !ret && i < n; i++) {
        fill10(&pic, i);
        ret = fsr_encoder_write(enc, &pic, i * 40, 40);
    }
    if (enc && !ret)
        ret = fsr_encoder_finish(enc);
    if (enc)
        fsr_picture_close(&pic);
    fsr_encoder_close(&enc);
    return ret;
}

static void assert_same_q(AVRational a, AVRational b, int unit)
{
    const long long ua = av_rescale_rnd(a.num, unit, a.den, AV_ROUND_NEAR_INF);
    const long long ub = av_rescale_rnd(b.num, unit, b.den, AV_ROUND_NEAR_INF);
    if (ua != ub)
        fail_msg("%d/%d and %d/%d differ (%lld and %lld in 1/%d)", a.num, a.den, b.num, b.den, ua, ub, unit);
}

static void assert_same_mastering(const AVMasteringDisplayMetadata *a, const AVMasteringDisplayMetadata *b)
{
    assert_true(a->has_primaries && a->has_luminance && b->has_primaries && b->has_luminance);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++)
            assert_same_q(a->display_primaries[i][j], b->display_primaries[i][j], 50000);
    assert_same_q(a->white_point[0], b->white_point[0], 50000);
    assert_same_q(a->white_point[1], b->white_point[1], 50000);
    assert_same_q(a->max_luminance, b->max_luminance, 10000);
    assert_same_q(a->min_luminance, b->min_luminance, 10000);
}

/* The encoder at 10 bits: an HDR10 HEVC clip's colour description and HDR
 * metadata (from its decoded frame) come out in the Matroska header and in
 * libx265's SEI, and the 10-bit samples come out as they went in (x265
 * lossless, the user's x265-params merged with fastsr's). */
static void test_encoder_hdr10(void **state)
{
    (void)state;
    if (!have_encoder("libx265"))
        tu_skip("this FFmpeg lacks libx265");
    const char *in = tu_tmp("hdr10.mkv");
    assert_int_equal(tu_run(out, sizeof(out), FFMPEG "-f lavfi -i testsrc2=size=160x96:rate=25 -t 0.2 "
                            "-pix_fmt yuv420p10le -c:v libx265 -color_primaries bt2020 -color_trc smpte2084 "
                            "-colorspace bt2020nc -x265-params 'log-level=error:hdr10=1:master-display="
                            HDR_MASTER ":max-cll=" HDR_CLL "' %s", in), 0);
    AVFormatContext *infmt = NULL;
    AVStream *inst = NULL;
    AVFrame *f = first_frame(in, NULL, &inst, &infmt);
    assert_non_null(f);
    assert_int_equal(f->format, AV_PIX_FMT_YUV420P10LE);
    FsrHdrMeta src = { 0 };
    assert_int_equal(fsr_hdr_meta_from_frame(&src, f), 1);
    assert_true(src.has_mastering && src.has_light);
    assert_int_equal(src.light.MaxCLL, 1000);
    assert_int_equal(src.light.MaxFALL, 400);
    /* the clip's own stream has no HDR side data: the frame is the source */
    assert_null(av_stream_get_side_data(inst, AV_PKT_DATA_MASTERING_DISPLAY_METADATA, NULL));

    const char *o = tu_tmp("hdr10_enc.mkv");
    const FsrEncoderSettings es = {
        .path = o, .overwrite = 1, .width = 64, .height = 48, .in_video = inst, .in_video_index = inst->index,
        .encoder = "libx265", .preset = "ultrafast", .encoder_opts = "x265-params=lossless=1\\:log-level=error",
        .depth = 10, .first_frame = f, .crf = -1,
    };
    if (encode10(&es, 3) < 0)
        fail_msg("%s", fsr_last_error());
    av_frame_free(&f);
    avformat_close_input(&infmt);

    /* the container: Matroska's Colour element */
    AVCodecParameters *par = avcodec_parameters_alloc();
    AVStream *ost = NULL;
    AVFormatContext *ofmt = NULL;
    f = first_frame(o, par, &ost, &ofmt);
    assert_non_null(f);
    assert_int_equal(par->format, AV_PIX_FMT_YUV420P10LE);
    assert_int_equal(par->color_primaries, AVCOL_PRI_BT2020);
    assert_int_equal(par->color_trc, AVCOL_TRC_SMPTE2084);
    assert_int_equal(par->color_space, AVCOL_SPC_BT2020_NCL);
    assert_int_equal(par->color_range, AVCOL_RANGE_MPEG);
    size_t size = 0;
    const uint8_t *sd = av_stream_get_side_data(ost, AV_PKT_DATA_MASTERING_DISPLAY_METADATA, &size);
    assert_non_null(sd);
    assert_true(size >= sizeof(AVMasteringDisplayMetadata));
    assert_same_mastering((const AVMasteringDisplayMetadata *)sd, &src.mastering);
    sd = av_stream_get_side_data(ost, AV_PKT_DATA_CONTENT_LIGHT_LEVEL, &size);
    assert_non_null(sd);
    assert_int_equal(((const AVContentLightMetadata *)sd)->MaxCLL, 1000);
    assert_int_equal(((const AVContentLightMetadata *)sd)->MaxFALL, 400);
    /* the bitstream: x265's SEI, as the decoder exports it */
    FsrHdrMeta got = { 0 };
    assert_int_equal(fsr_hdr_meta_from_frame(&got, f), 1);
    assert_true(got.has_mastering && got.has_light);
    assert_same_mastering(&got.mastering, &src.mastering);
    assert_int_equal(got.light.MaxCLL, 1000);
    assert_int_equal(got.light.MaxFALL, 400);
    assert_int_equal(f->color_trc, AVCOL_TRC_SMPTE2084);
    /* the samples, losslessly */
    assert_int_equal(f->format, AV_PIX_FMT_YUV420P10LE);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < (c ? 24 : 48); y++)
            for (int x = 0; x < (c ? 32 : 64); x++) {
                const int v = ((const uint16_t *)(f->data[c] + y * f->linesize[c]))[x];
                if (v != pattern10(c, x, y, 0))
                    fail_msg("plane %d (%d,%d): %d, expected %d", c, x, y, v, pattern10(c, x, y, 0));
            }
    av_frame_free(&f);
    avcodec_parameters_free(&par);
    avformat_close_input(&ofmt);
}

/* 10-bit pictures, 8-bit output: rounded (x+2)>>2 with no dither (libx264
 * lossless shows every sample), the colour description still the input's;
 * libx264 at 10 bits; and an encoder without a 10-bit 4:2:0 format refused
 * with one line. */
static void test_encoder_depths(void **state)
{
    (void)state;
    if (!have_encoder("libx265"))
        tu_skip("this FFmpeg lacks libx265");
    av_log_set_level(AV_LOG_ERROR); /* libx264's statistics */
    const char *in = tu_tmp("hdr10.mkv"); /* test_encoder_hdr10's */
    AVFormatContext *infmt = NULL;
    AVStream *inst = NULL;
    AVFrame *f = first_frame(in, NULL, &inst, &infmt);
    assert_non_null(f);
    const char *o = tu_tmp("ten_to_8.mkv");
    FsrEncoderSettings es = {
        .path = o, .overwrite = 1, .width = 64, .height = 48, .in_video = inst, .in_video_index = inst->index,
        .encoder = "libx264", .preset = "ultrafast", .crf = 0, .depth = 8, .first_frame = f,
    };
    if (encode10(&es, 2) < 0)
        fail_msg("%s", fsr_last_error());
    AVCodecParameters *par = avcodec_parameters_alloc();
    AVFrame *g = first_frame(o, par, NULL, NULL);
    assert_non_null(g);
    assert_int_equal(par->format, AV_PIX_FMT_YUV420P);
    assert_int_equal(par->color_trc, AVCOL_TRC_SMPTE2084);
    assert_int_equal(par->color_primaries, AVCOL_PRI_BT2020);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < (c ? 24 : 48); y++)
            for (int x = 0; x < (c ? 32 : 64); x++) {
                const int v = g->data[c][y * g->linesize[c] + x];
                int want = (pattern10(c, x, y, 0) + 2) >> 2;
                want = want > 255 ? 255 : want;
                if (v != want)
                    fail_msg("plane %d (%d,%d): %d, expected %d", c, x, y, v, want);
            }
    av_frame_free(&g);

    /* libx264 at 10 bits */
    es.path = o = tu_tmp("ten_x264.mkv");
    es.depth = 10;
    if (encode10(&es, 2) < 0)
        fail_msg("%s", fsr_last_error());
    g = first_frame(o, par, NULL, NULL);
    assert_non_null(g);
    assert_int_equal(par->format, AV_PIX_FMT_YUV420P10LE);
    assert_int_equal(g->format, AV_PIX_FMT_YUV420P10LE);
    av_frame_free(&g);

    /* y4m: raw 10-bit pictures, every sample as it was */
    es.path = o = tu_tmp("ten.y4m");
    es.encoder = NULL;
    es.preset = NULL;
    es.crf = -1;
    if (encode10(&es, 2) < 0)
        fail_msg("%s", fsr_last_error());
    g = first_frame(o, par, NULL, NULL);
    assert_non_null(g);
    assert_int_equal(g->format, AV_PIX_FMT_YUV420P10LE);
    for (int x = 0; x < 64; x++)
        assert_int_equal(((const uint16_t *)(g->data[2] + 7 * g->linesize[2]))[x / 2], pattern10(2, x / 2, 7, 0));
    av_frame_free(&g);
    avcodec_parameters_free(&par);

    /* no 10-bit 4:2:0: one line at open, nothing written */
    static const char *const eight_only[] = { "mpeg2video", "mjpeg" };
    for (int i = 0; i < 2; i++) {
        if (!have_encoder(eight_only[i]))
            continue;
        es.encoder = eight_only[i];
        es.preset = NULL;
        es.crf = -1;
        es.path = o = tu_tmp("ten_refused.mkv");
        assert_true(encode10(&es, 1) < 0);
        char want[128];
        snprintf(want, sizeof(want), "%s has no 10-bit 4:2:0 format; choose libx265, libx264", eight_only[i]);
        if (!strstr(fsr_last_error(), want) || !strstr(fsr_last_error(), "--output-depth 8"))
            fail_msg("got: %s", fsr_last_error());
        struct stat st;
        assert_int_not_equal(stat(o, &st), 0);
    }
    av_frame_free(&f);
    avformat_close_input(&infmt);
}

/* fastsr on the HDR10 clip (with an audio track): the output keeps the
 * colour description and carries the mastering display and light level
 * that only the clip's frames had (SEI), in the Matroska header and, with
 * libx265, in its own SEI; the audio packets that came before the first
 * frame are all there. */
static void test_hdr_cli(void **state)
{
    (void)state;
    if (!have_encoder("libx265"))
        tu_skip("this FFmpeg lacks libx265");
    const char *in = tu_tmp("hdr10a.mkv");
    assert_int_equal(tu_run(out, sizeof(out), FFMPEG "-i %s -f lavfi -i sine=f=440:r=48000 -t 0.2 -map 0:v -map 1:a "
                            "-c:v copy -c:a aac %s", tu_tmp("hdr10.mkv"), in), 0);
    TuMediaInfo a, b;
    assert_int_equal(tu_media_info(in, &a), 0);
    static const char *const encoders[] = { "libx264", "libx265" };
    for (int i = 0; i < 2; i++) {
        const char *o = tu_tmp(i ? "hdr10a_x265.mkv" : "hdr10a_x264.mkv");
        int rc = tu_run(out, sizeof(out), "%s " FAST " --encoder %s -y %s %s", fastsr(), encoders[i], in, o);
        if (rc)
            fail_msg("exit %d: %s", rc, out);
        /* x265's own warning when fastsr does not ask for repeat-headers */
        assert_null(strstr(out, "repeat-headers"));
        assert_int_equal(tu_media_info(o, &b), 0);
        assert_int_equal(b.frames, a.frames);
        assert_int_equal(b.color_primaries, AVCOL_PRI_BT2020);
        assert_int_equal(b.color_trc, AVCOL_TRC_SMPTE2084);
        assert_int_equal(b.colorspace, AVCOL_SPC_BT2020_NCL);
        assert_int_equal(b.audio_packets, a.audio_packets);
        assert_true(b.audio_hash == a.audio_hash);
        AVCodecParameters *par = avcodec_parameters_alloc();
        AVFormatContext *fmt = NULL;
        AVStream *st = NULL;
        AVFrame *f = first_frame(o, par, &st, &fmt);
        /* 10 bits in, 10 bits out */
        assert_int_equal(par->format, AV_PIX_FMT_YUV420P10LE);
        assert_non_null(f);
        const AVMasteringDisplayMetadata *md =
            (const void *)av_stream_get_side_data(st, AV_PKT_DATA_MASTERING_DISPLAY_METADATA, NULL);
        const AVContentLightMetadata *cl = (const void *)av_stream_get_side_data(st, AV_PKT_DATA_CONTENT_LIGHT_LEVEL,
                                                                                NULL);
        assert_non_null(md);
        assert_non_null(cl);
        assert_same_q(md->max_luminance, av_make_q(1000, 1), 10000);
        assert_same_q(md->min_luminance, av_make_q(50, 10000), 10000);
        assert_same_q(md->display_primaries[0][0], av_make_q(34000, 50000), 50000);
        assert_int_equal(cl->MaxCLL, 1000);
        assert_int_equal(cl->MaxFALL, 400);
        if (i == 1) { /* FFmpeg 5.1's H.264 decoder does not export the SEI */
            FsrHdrMeta got = { 0 };
            assert_int_equal(fsr_hdr_meta_from_frame(&got, f), 1);
            assert_same_mastering(&got.mastering, md);
            assert_int_equal(got.light.MaxCLL, 1000);
        }
        av_frame_free(&f);
        avformat_close_input(&fmt);
        avcodec_parameters_free(&par);
    }
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
        cmocka_unit_test(test_encoder_hdr10),
        cmocka_unit_test(test_encoder_depths),
        cmocka_unit_test(test_hdr_cli),
    };
    return tu_result(cmocka_run_group_tests_name("io", tests, make_clips, NULL));
}
