/* End-to-end runs of the fastsr tool, every bad input the tool must refuse
 * with one clear error line, a non-zero exit and no output, and the promises
 * of the README's "Behaviour" list: streams copied or dropped with a
 * warning, display matrix kept, damage counted, Ctrl-C, --threads. */
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "fastsr/model.h"
#include "mediainfo.h"

static char out[65536];
#define FFMPEG "ffmpeg -hide_banner -loglevel error -y "

static const char *fastsr(void) { return tu_tool("fastsr"); }

static int make_clips(void **state)
{
    (void)state;
    /* The test's own decoding (counts, checks) is silent: damaged input
     * would print a line per broken macroblock. */
    av_log_set_level(AV_LOG_QUIET);
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
    /* Subtitles (SubRip, tagged French) and an attachment in Matroska. */
    FILE *f = fopen(tu_tmp("subs.srt"), "w");
    if (!f)
        return -1;
    fputs("1\n00:00:00,000 --> 00:00:00,500\nhello fastsr\n\n2\n00:00:00,600 --> 00:00:01,000\nsecond line\n", f);
    fclose(f);
    f = fopen(tu_tmp("notes.txt"), "w");
    if (!f)
        return -1;
    fputs("an attachment\n", f);
    fclose(f);
    r |= tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=160x96:rate=25 -i %s -t 1 -c:v libx264 -preset ultrafast "
                "-c:s srt -metadata:s:s:0 language=fra -attach %s -metadata:s:t mimetype=text/plain %s",
                tu_tmp("subs.srt"), tu_tmp("notes.txt"), tu_tmp("subs.mkv"));
    return r ? -1 : 0;
}

/* Temporaries the encoder left for path: it writes ".<name>.<pid>.part.<ext>"
 * next to it.  Only this name is looked for, so other test programs running
 * at the same time in the same folder do not count. */
static int parts_left(const char *path)
{
    char dir[1024], prefix[1100];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return 0;
    *slash = 0;
    snprintf(prefix, sizeof(prefix), ".%s.", slash + 1);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += !strncmp(e->d_name, prefix, strlen(prefix)) && strstr(e->d_name, ".part.");
    closedir(d);
    return n;
}

/* No file at path and no temporary of it left in its folder. */
static void assert_no_output(const char *path)
{
    assert_false(tu_exists(path));
    assert_int_equal(parts_left(path), 0);
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

/* The text contains this exact line. */
static void assert_line(const char *text, const char *line)
{
    if (!strstr(text, line))
        fail_msg("expected the line \"%s\" in: %s", line, text);
}

/* FNV-1a of a whole file (0 when it cannot be read). */
static uint64_t file_hash(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    uint64_t h = 0xcbf29ce484222325ull;
    int c;
    while ((c = fgetc(f)) != EOF)
        h = (h ^ (uint64_t)c) * 0x100000001b3ull;
    fclose(f);
    return h;
}

/* One number of a --report file. */
static double report_number(const char *path, const char *key)
{
    static char json[65536];
    assert_true(tu_read_file(path, json, sizeof(json)) > 0);
    cJSON *o = cJSON_Parse(json);
    assert_non_null(o);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v))
        fail_msg("%s: no number \"%s\"", path, key);
    const double d = v->valuedouble;
    cJSON_Delete(o);
    return d;
}

/* Decodes path's video as FFmpeg alone does (one thread): the frames it
 * gives, those it flags as concealed, and the packets it refuses. */
static void count_decoded(const char *path, int *frames, int *concealed, int *errors)
{
    AVFormatContext *fmt = NULL;
    assert_int_equal(avformat_open_input(&fmt, path, NULL, NULL), 0);
    assert_true(avformat_find_stream_info(fmt, NULL) >= 0);
    const AVCodec *codec = NULL;
    const int vi = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    assert_true(vi >= 0);
    AVCodecContext *c = avcodec_alloc_context3(codec);
    assert_non_null(c);
    assert_true(avcodec_parameters_to_context(c, fmt->streams[vi]->codecpar) >= 0);
    c->thread_count = 1;
    assert_int_equal(avcodec_open2(c, codec, NULL), 0);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    *frames = *concealed = *errors = 0;
    for (int eof = 0; !eof;) {
        int ret = av_read_frame(fmt, pkt);
        if (ret < 0) {
            eof = 1;
            ret = avcodec_send_packet(c, NULL);
        } else if (pkt->stream_index != vi) {
            av_packet_unref(pkt);
            continue;
        } else {
            ret = avcodec_send_packet(c, pkt);
            av_packet_unref(pkt);
        }
        *errors += ret < 0 && ret != AVERROR(EAGAIN) && ret != AVERROR_EOF;
        while ((ret = avcodec_receive_frame(c, f)) == 0) {
            (*frames)++;
            *concealed += (f->flags & AV_FRAME_FLAG_CORRUPT) || f->decode_error_flags;
            av_frame_unref(f);
        }
        *errors += ret != AVERROR(EAGAIN) && ret != AVERROR_EOF;
    }
    av_frame_free(&f);
    av_packet_free(&pkt);
    avcodec_free_context(&c);
    avformat_close_input(&fmt);
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
    assert_int_equal(tu_run(out, sizeof(out), "%s --motion vectors a.mp4 b.mp4", fastsr()), 2);
    assert_non_null(strstr(out, "--motion must be auto, stream, search or none"));
    assert_int_equal(tu_run(out, sizeof(out), "%s --back-project maybe a.mp4 b.mp4", fastsr()), 2);
    assert_non_null(strstr(out, "--back-project must be on or off, not 'maybe'"));
    assert_int_equal(tu_run(out, sizeof(out), "%s --refine 1 a.mp4 b.mp4", fastsr()), 2);
    assert_non_null(strstr(out, "--refine must be on or off, not '1'"));
    assert_int_equal(tu_run(out, sizeof(out), "%s --motion-refs 5 a.mp4 b.mp4", fastsr()), 2);
    assert_non_null(strstr(out, "--motion-refs must be 1..4, not '5'"));
    assert_int_equal(tu_run(out, sizeof(out), "%s --precision int4 a.mp4 b.mp4", fastsr()), 2);
    assert_non_null(strstr(out, "--precision must be fp32, int16 or int8, not 'int4'"));
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

/* Chapters (with their titles) reach the output as a single run's and a
 * segmented run's do, in MP4 and Matroska, and MP4's chapter text track
 * is not reported as a dropped stream. */
static void test_chapters_kept(void **state)
{
    (void)state;
    const char *meta = tu_tmp("chapters.txt"), *in = tu_tmp("chapters.mp4");
    FILE *f = fopen(meta, "w");
    assert_non_null(f);
    fputs(";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=400\ntitle=Opening\n"
          "[CHAPTER]\nTIMEBASE=1/1000\nSTART=400\nEND=1000\ntitle=Second part\n", f);
    fclose(f);
    assert_int_equal(tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=160x96:rate=25 -i %s -map 0:v -map_chapters 1 "
                            "-t 1 -c:v libx264 -preset ultrafast %s", meta, in), 0);
    TuMediaInfo a;
    assert_int_equal(tu_media_info(in, &a), 0);
    assert_int_equal(a.chapters, 2);
    static const char *const outs[] = { "chapters-x2.mp4", "chapters-x2.mkv", "chapters-seg.mp4" };
    for (int i = 0; i < 3; i++) {
        const char *o = tu_tmp(outs[i]);
        assert_int_equal(tu_run(out, sizeof(out), "%s -m bicubic --preset ultrafast %s %s %s", fastsr(),
                                i == 2 ? "--segments" : "", in, o), 0);
        assert_null(strstr(out, "not copied"));
        TuMediaInfo b;
        assert_int_equal(tu_media_info(o, &b), 0);
        assert_int_equal(b.chapters, 2);
        for (int c = 0; c < 2; c++) {
            assert_true(fabs(b.chapter_start[c] - a.chapter_start[c]) < 1e-3);
            assert_true(fabs(b.chapter_end[c] - a.chapter_end[c]) < 1e-3);
            assert_string_equal(b.chapter_title[c], a.chapter_title[c]);
        }
    }
    assert_string_equal(a.chapter_title[1], "Second part");
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
     * engine's facts */
    const char *of = tu_tmp("fast-x2.mkv"), *rep = tu_tmp("fast.json");
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m fast -k every:4 --model %s --preset ultrafast --report %s %s %s",
                            fastsr(), model, rep, tu_tmp("av.mp4"), of), 0);
    assert_int_equal(tu_media_info(of, &b), 0);
    check_same_timing(&a, &b);
    assert_true(tu_read_file(rep, out, sizeof(out)) >= 0);
    assert_non_null(strstr(out, "\"keyframes\":\t\"every:4\""));
    assert_non_null(strstr(out, "\"transferred_frames\""));
    assert_null(strstr(out, "\"transferred_frames\":\t0,"));
    /* the accelerator backend: the same run through the fixed-point model */
    const char *oa = tu_tmp("accel-x2.mkv");
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m srcnn --backend accel --model %s --preset ultrafast %s %s",
                            fastsr(), model, tu_tmp("av.mp4"), oa), 0);
    assert_int_equal(tu_media_info(oa, &b), 0);
    assert_int_equal(b.width, 320);
    check_same_timing(&a, &b);
    /* --precision int8: the same run in 8-bit words (per-channel scales);
     * the accelerator backend takes no other precision, and an LR-input
     * model (FSRCNN, the default) is refused with the way out */
    const char *o8 = tu_tmp("int8-x2.mkv");
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m srcnn --precision int8 --model %s --preset ultrafast %s %s",
                            fastsr(), model, tu_tmp("av.mp4"), o8), 0);
    assert_int_equal(tu_media_info(o8, &b), 0);
    assert_int_equal(b.width, 320);
    check_same_timing(&a, &b);
    const char *o8b = tu_tmp("int8-accel.mkv");
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m srcnn --precision int8 --backend accel --model %s %s %s",
                            fastsr(), model, tu_tmp("av.mp4"), o8b), 1);
    assert_one_error_line(out, "takes no other precision than fp32");
    assert_no_output(o8b);
    assert_int_equal(tu_run(out, sizeof(out), "%s -q --precision int16 %s %s", fastsr(), tu_tmp("av.mp4"), o8b), 1);
    assert_one_error_line(out, "runs bicubic-input (SRCNN-style) models only");
    assert_no_output(o8b);
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

/* README "Motion search": streams whose side information fastsr does not
 * read get block maps from fastsr's own motion search.  An HEVC clip and
 * an FFV1 one (no vectors at all): fast mode (--motion auto)
 * transfers frames without a warning, the report says where the maps came
 * from, and every frame keeps its timing and the x2 size; with --motion
 * stream it warns once, runs SR on every frame (the file is byte for byte
 * what -m srcnn gives, and not bicubic). */
static void test_codecs_without_vectors(void **state)
{
    (void)state;
    char model[1024];
    snprintf(model, sizeof(model), "%s", tu_tmp("novec-x2.safetensors"));
    assert_int_equal(tu_tiny_model(model, 2), 0);
    static const struct {
        const char *file, *encoder, *codec;
    } cases[] = { { "hevc.mkv", "libx265 -x265-params log-level=error", "hevc" }, { "ffv1.mkv", "ffv1", "ffv1" } };
    for (int k = 0; k < 2; k++) {
        char in[900], of[1024], ost[1024], os[1024], ob[1024], rep[1024], line[3000], text[65536];
        snprintf(in, sizeof(in), "%s", tu_tmp(cases[k].file));
        snprintf(of, sizeof(of), "%s-fast.mkv", in);
        snprintf(ost, sizeof(ost), "%s-stream.mkv", in);
        snprintf(os, sizeof(os), "%s-srcnn.mkv", in);
        snprintf(ob, sizeof(ob), "%s-bicubic.mkv", in);
        snprintf(rep, sizeof(rep), "%s.json", in);
        assert_int_equal(tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=96x64:rate=25 -t 0.4 -c:v %s %s",
                                cases[k].encoder, in), 0);
        TuMediaInfo a, b;
        assert_int_equal(tu_media_info(in, &a), 0);
        assert_string_equal(a.video_codec, cases[k].codec); /* the input is what its name says */
        assert_int_equal(a.frames, 10);
        int rc = tu_run(out, sizeof(out), "%s -y -m fast -k every:4 --model %s --preset ultrafast --report %s %s %s",
                        fastsr(), model, rep, in, of);
        if (rc != 0)
            fail_msg("exit %d: %s", rc, out);
        if (strstr(out, "warning"))
            fail_msg("%s: a warning with motion search: %s", cases[k].codec, out);
        assert_int_equal(tu_media_info(of, &b), 0);
        assert_string_equal(b.video_codec, "h264");
        assert_int_equal(b.width, 2 * 96);
        assert_int_equal(b.height, 2 * 64);
        check_same_timing(&a, &b);
        assert_int_equal(report_number(rep, "sr_frames"), 3);
        assert_int_equal(report_number(rep, "transferred_frames"), 7);
        assert_int_equal(report_number(rep, "searched_frames"), 9);
        assert_true(tu_read_file(rep, text, sizeof(text)) > 0);
        assert_non_null(strstr(text, "\"search\""));
        /* --motion stream: per-frame SR, with a warning that says why */
        rc = tu_run(out, sizeof(out),
                    "%s -y -m fast --motion stream --model %s --preset ultrafast --report %s %s %s", fastsr(), model,
                    rep, in, ost);
        if (rc != 0)
            fail_msg("exit %d: %s", rc, out);
        snprintf(line, sizeof(line),
                 "fastsr: warning: %s: fastsr reads no side information from %s streams and motion search is off; "
                 "running per-frame SR\n",
                 in, cases[k].codec);
        assert_line(out, line);
        assert_int_equal(report_number(rep, "sr_frames"), 10);
        assert_int_equal(report_number(rep, "transferred_frames"), 0);
        assert_int_equal(tu_run(out, sizeof(out), "%s -q -y -m srcnn --model %s --preset ultrafast %s %s", fastsr(),
                                model, in, os), 0);
        assert_int_equal(tu_run(out, sizeof(out), "%s -q -y -m bicubic --preset ultrafast %s %s", fastsr(), in, ob),
                         0);
        if (tu_run(out, sizeof(out), "cmp %s %s", ost, os) != 0)
            fail_msg("%s: fast mode with --motion stream is not per-frame SR: %s", cases[k].codec, out);
        assert_int_not_equal(tu_run(NULL, 0, "cmp -s %s %s", ost, ob), 0);
        assert_int_not_equal(tu_run(NULL, 0, "cmp -s %s %s", of, os), 0);
    }
    /* MPEG-4 Part 2 (README "MPEG-2 and MPEG-4 block maps"): --motion
     * stream reads the stream's own vectors, without a warning and without
     * the search; auto searches it */
    char in[900], of[1024], rep[1024], text[65536];
    snprintf(in, sizeof(in), "%s", tu_tmp("mpeg4-part2.avi"));
    snprintf(of, sizeof(of), "%s-fast.mkv", in);
    snprintf(rep, sizeof(rep), "%s.json", in);
    assert_int_equal(tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=96x64:rate=25 -t 0.4 -c:v mpeg4 %s", in), 0);
    int rc = tu_run(out, sizeof(out), "%s -y -m fast -k every:4 --motion stream --model %s --preset ultrafast "
                    "--report %s %s %s", fastsr(), model, rep, in, of);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, out);
    if (strstr(out, "warning"))
        fail_msg("mpeg4: a warning with stream maps: %s", out);
    assert_int_equal(report_number(rep, "searched_frames"), 0);
    assert_true(report_number(rep, "transferred_frames") > 0);
    assert_true(tu_read_file(rep, text, sizeof(text)) > 0);
    assert_non_null(strstr(text, "\"stream\""));
    assert_non_null(strstr(text, "\"stream_maps\""));
    rc = tu_run(out, sizeof(out), "%s -y -m fast -k every:4 --model %s --preset ultrafast --report %s %s %s",
                fastsr(), model, rep, in, of);
    if (rc != 0 || strstr(out, "warning"))
        fail_msg("exit %d: %s", rc, out);
    assert_int_equal(report_number(rep, "searched_frames"), 9);
    assert_true(report_number(rep, "transferred_frames") > 0);
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
    expect_input_error(tu_tmp("odd.mkv"), "must be even", "o7.mp4");
    expect_input_error(tu_tmp("absurd.mkv"), "outside the supported range", "o8.mp4");
}

/* PSNR of two luma planes of the same size. */
static double luma_psnr(const uint8_t *a, const uint8_t *b, int n)
{
    double se = 0;
    for (int i = 0; i < n; i++)
        se += (double)(a[i] - b[i]) * (a[i] - b[i]);
    return se > 0 ? 10 * log10(255.0 * 255 * n / se) : 99;
}

/* Issue 18: a stream cropped by 26 columns on each side (coded 352x168,
 * shown 300x168, as the JVT frame-cropping conformance streams) came out of
 * libavcodec 326 wide (it crops less on the left to keep its alignment) and
 * was refused as "frame size changed from 300x168 to 326x168".  Every mode
 * now gives 600x336 of the right region: close to the bicubic upscale of
 * the source's crop, far from a picture shifted by 26 columns. */
static void test_cropped_stream(void **state)
{
    (void)state;
    const char *src = "-f lavfi -i testsrc2=size=352x168:rate=25";
    const char *clip = tu_tmp("crop26.mp4");
    assert_int_equal(tu_run(NULL, 0, FFMPEG "%s -frames:v 8 -c:v libx264 -preset ultrafast -qp 10 "
                            "-x264-params crop-rect=26,0,26,0 %s", src, clip), 0);
    char ref[1024], shifted[1024];
    snprintf(ref, sizeof(ref), "%s", tu_tmp("crop26-ref.png"));
    snprintf(shifted, sizeof(shifted), "%s", tu_tmp("crop26-shifted.png"));
    assert_int_equal(tu_run(NULL, 0, FFMPEG "%s -frames:v 1 -vf crop=300:168:26:0,scale=600:336:flags=bicubic %s",
                            src, ref), 0);
    assert_int_equal(tu_run(NULL, 0, FFMPEG "%s -frames:v 1 -vf crop=300:168:0:0,scale=600:336:flags=bicubic %s",
                            src, shifted), 0);
    int w, h;
    uint8_t *want = tu_first_luma(ref, &w, &h), *wrong = tu_first_luma(shifted, &w, &h);
    assert_non_null(want);
    assert_non_null(wrong);
    static const char *const modes[] = { "bicubic", "srcnn", "fast" };
    for (int m = 0; m < 3; m++) {
        char o[1100];
        snprintf(o, sizeof(o), "%s", tu_tmp(modes[m]));
        snprintf(o + strlen(o), sizeof(o) - strlen(o), "-crop26-x2.mkv");
        const int rc = tu_run(out, sizeof(out), "%s -q -y -m %s --preset ultrafast --crf 10 %s %s", fastsr(),
                              modes[m], clip, o);
        if (rc != 0)
            fail_msg("-m %s: exit %d: %s", modes[m], rc, out);
        int ow, oh;
        uint8_t *got = tu_first_luma(o, &ow, &oh);
        assert_non_null(got);
        assert_int_equal(ow, 600);
        assert_int_equal(oh, 336);
        const double right = luma_psnr(got, want, w * h), off = luma_psnr(got, wrong, w * h);
        printf("-m %s: %.1f dB against the crop, %.1f dB against the crop 26 columns left\n", modes[m], right, off);
        if (right < 28 || off > right - 10)
            fail_msg("-m %s: %.1f dB against the crop, %.1f dB against it shifted", modes[m], right, off);
        free(got);
    }
    free(want);
    free(wrong);
}

/* A real size change in the middle of a stream stays an error, one line. */
static void test_size_change_refused(void **state)
{
    (void)state;
    const char *a = tu_tmp("size-a.h264"), *b = tu_tmp("size-b.h264"), *ab = tu_tmp("size-ab.h264");
    assert_int_equal(tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=160x96:rate=25 -frames:v 10 -c:v libx264 "
                            "-preset ultrafast %s", a), 0);
    assert_int_equal(tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=192x96:rate=25 -frames:v 10 -c:v libx264 "
                            "-preset ultrafast %s", b), 0);
    assert_int_equal(tu_run(NULL, 0, "cat %s %s > %s", a, b, ab), 0);
    static const char *const modes[] = { "bicubic", "fast" };
    for (int m = 0; m < 2; m++) {
        const char *o = tu_tmp("size-ab-x2.mkv");
        const int rc = tu_run(out, sizeof(out), "%s -q -m %s --preset ultrafast %s %s", fastsr(), modes[m], ab, o);
        if (rc != 1)
            fail_msg("-m %s: exit %d: %s", modes[m], rc, out);
        assert_one_error_line(out, "frame size changed from 160x96 to 192x96 mid-stream");
        assert_no_output(o);
    }
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
    /* --keep-going keeps every frame that decodes and says what is missing */
    int frames, concealed, errors;
    count_decoded(cut, &frames, &concealed, &errors);
    assert_true(frames > 10 && frames < 75);
    const char *o = tu_tmp("o9k.mp4");
    const int rc = tu_run(out, sizeof(out), "%s --keep-going -m bicubic --preset ultrafast %s %s", fastsr(), cut, o);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, out);
    char head[1200], tailmsg[1200];
    snprintf(head, sizeof(head), "fastsr: warning: %s: the file is truncated (", cut);
    snprintf(tailmsg, sizeof(tailmsg), " of 75 video packets present); %s kept (--keep-going)\n", o);
    assert_line(out, head);
    assert_line(strstr(out, head), tailmsg);
    TuMediaInfo b;
    assert_int_equal(tu_media_info(o, &b), 0);
    assert_int_equal(b.frames, frames);
    assert_int_equal(b.width, 640);
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
    /* What FFmpeg itself makes of the damage: frames it gives (frames whose
     * slices are destroyed give none) and those it conceals. */
    int frames, concealed, errors;
    count_decoded(bad, &frames, &concealed, &errors);
    assert_true(concealed > 0 && frames > 20);
    expect_input_error(bad, "damaged video", "o11.mp4");
    char line[3000];
    snprintf(line, sizeof(line), "%s: damaged video: %d decode errors, %d concealed frames; ", bad, errors, concealed);
    assert_line(out, line);
    /* --keep-going keeps every frame that decodes and still reports the
     * damage: a warning line and the report's counts */
    const char *o = tu_tmp("o11k.mp4"), *rep = tu_tmp("o11k.json");
    int rc = tu_run(out, sizeof(out), "%s --keep-going -m bicubic --preset ultrafast --report %s %s %s", fastsr(), rep,
                    bad, o);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, out);
    snprintf(line, sizeof(line), "fastsr: warning: %s: damaged video: %d decode errors, %d concealed frames; %s kept "
             "(--keep-going)\n", bad, errors, concealed, o);
    assert_line(out, line);
    assert_int_equal(report_number(rep, "frames"), frames);
    assert_int_equal(report_number(rep, "corrupt_frames"), concealed);
    assert_int_equal(report_number(rep, "decode_errors"), errors);
    TuMediaInfo b;
    assert_int_equal(tu_media_info(o, &b), 0);
    assert_int_equal(b.frames, frames);
    assert_int_equal(b.width, 640);
    assert_int_equal(b.height, 384);
    /* a raw stream has no timestamps: the kept frames follow each other at
     * its 25 fps, the output lasting frames / 25 s */
    for (int i = 0; i < b.frames; i++)
        if (fabs(b.pts[i] - b.pts[0] - 0.04 * i) > 0.0015)
            fail_msg("frame %d at %.4f s, expected %.4f s", i, b.pts[i], b.pts[0] + 0.04 * i);
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
    /* OUTPUT == INPUT, even with -y and spelt otherwise (a ./ in the path,
     * a symbolic link, a hard link): refused, and the input untouched */
    const uint64_t hash = file_hash(in);
    const long long size = tu_file_size(in);
    assert_true(hash != 0 && size > 1000);
    char alias[4][1200];
    snprintf(alias[0], sizeof(alias[0]), "%s", in);
    snprintf(alias[1], sizeof(alias[1]), "%s/./%s", FASTSR_TEST_TMP_DIR, strrchr(in, '/') + 1);
    snprintf(alias[2], sizeof(alias[2]), "%s", tu_tmp("av-symlink.mp4"));
    snprintf(alias[3], sizeof(alias[3]), "%s", tu_tmp("av-hardlink.mp4"));
    unlink(alias[2]);
    unlink(alias[3]);
    assert_int_equal(symlink(in, alias[2]), 0);
    assert_int_equal(link(in, alias[3]), 0);
    for (int k = 0; k < 4; k++) {
        assert_int_equal(tu_run(out, sizeof(out), "%s -q -y -m bicubic %s %s", fastsr(), in, alias[k]), 1);
        char line[1400];
        snprintf(line, sizeof(line), "fastsr: error: %.1200s: output is the same file as the input\n", alias[k]);
        assert_string_equal(out, line);
        assert_int_equal(tu_file_size(in), size);
        assert_true(file_hash(in) == hash);
        assert_int_equal(parts_left(alias[k]), 0);
    }
    unlink(alias[2]);
    unlink(alias[3]);
    const char *xyz = tu_tmp("out.xyz");
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m bicubic %s %s", fastsr(), in, xyz), 1);
    assert_one_error_line(out, "unknown output extension");
    assert_no_output(xyz);
}

/* README: audio and subtitle streams are copied untouched.  SubRip into
 * Matroska: the output has the subtitle stream, its language tag and
 * exactly its text; the report counts it. */
static void test_subtitles_copied(void **state)
{
    (void)state;
    const char *in = tu_tmp("subs.mkv"), *o = tu_tmp("subs-x2.mkv"), *rep = tu_tmp("subs-x2.json");
    int rc = tu_run(out, sizeof(out), "%s -q -m bicubic --preset ultrafast --report %s %s %s", fastsr(), rep, in, o);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, out);
    TuMediaInfo a, b;
    assert_int_equal(tu_media_info(in, &a), 0);
    assert_int_equal(tu_media_info(o, &b), 0);
    assert_int_equal(a.subtitle_streams, 1);
    assert_int_equal(b.subtitle_streams, 1);
    check_same_timing(&a, &b);
    assert_int_equal(report_number(rep, "copied_streams"), 1);
    static char text_in[4096], text_out[4096];
    assert_int_equal(tu_run(text_in, sizeof(text_in), "ffmpeg -v error -i %s -map 0:s -c copy -f srt -", in), 0);
    assert_int_equal(tu_run(text_out, sizeof(text_out), "ffmpeg -v error -i %s -map 0:s -c copy -f srt -", o), 0);
    assert_non_null(strstr(text_in, "hello fastsr"));
    assert_non_null(strstr(text_in, "00:00:00,600 --> 00:00:01,000"));
    assert_string_equal(text_out, text_in);
    assert_int_equal(tu_run(out, sizeof(out), "ffprobe -v error -select_streams s:0 -show_entries stream_tags=language "
                            "-of csv=p=0 %s", o), 0);
    assert_string_equal(out, "fra\n");
}

/* README: "A stream the output container cannot hold is dropped with a
 * warning."  SubRip cannot go into MP4, and fastsr copies no attachment:
 * each gets its warning line, the run succeeds, and the report does not
 * count what was dropped. */
static void test_unsupported_streams_dropped(void **state)
{
    (void)state;
    const char *in = tu_tmp("subs.mkv");
    const char *outs[2] = { tu_tmp("drop-x2.mp4"), tu_tmp("drop-x2.mkv") };
    for (int k = 0; k < 2; k++) {
        const char *rep = tu_tmp("drop.json");
        int rc = tu_run(out, sizeof(out), "%s -y -m bicubic --preset ultrafast --report %s %s %s", fastsr(), rep, in,
                        outs[k]);
        if (rc != 0)
            fail_msg("exit %d: %s", rc, out);
        char line[1300];
        snprintf(line, sizeof(line), "fastsr: warning: %s: stream 2 (attachment) is not copied (only audio and "
                 "subtitles are); dropped\n", outs[k]);
        assert_line(out, line);
        snprintf(line, sizeof(line), "fastsr: warning: %s: stream 1 (subtitle subrip) cannot be stored in mp4; dropped\n",
                 outs[k]);
        if (k == 0)
            assert_line(out, line);
        else
            assert_null(strstr(out, "cannot be stored"));
        TuMediaInfo b;
        assert_int_equal(tu_media_info(outs[k], &b), 0);
        assert_int_equal(b.subtitle_streams, k);
        assert_int_equal(b.frames, 25);
        assert_int_equal(b.width, 320);
        assert_int_equal(report_number(rep, "copied_streams"), k);
        /* the output holds the video and, in Matroska, the subtitles: nothing else */
        assert_int_equal(tu_run(out, sizeof(out), "ffprobe -v error -show_entries stream=codec_type -of csv=p=0 %s",
                                outs[k]), 0);
        assert_string_equal(out, k ? "video\nsubtitle\n" : "video\n");
    }
}

/* README: the display matrix is carried over.  A clip tagged as rotated 90
 * degrees keeps the same display matrix; the stored picture is scaled, not
 * turned. */
static void test_display_matrix_kept(void **state)
{
    (void)state;
    const char *in = tu_tmp("rot.mp4"), *o = tu_tmp("rot-x2.mp4");
    assert_int_equal(tu_run(NULL, 0, FFMPEG "-i %s -c copy -metadata:s:v:0 rotate=90 %s", tu_tmp("av.mp4"), in), 0);
    static char side_in[4096], side_out[4096];
    const char *probe = "ffprobe -v error -select_streams v:0 -show_entries "
                        "stream_side_data=side_data_type,displaymatrix,rotation -of compact";
    assert_int_equal(tu_run(side_in, sizeof(side_in), "%s %s", probe, in), 0);
    assert_non_null(strstr(side_in, "Display Matrix"));
    assert_non_null(strstr(side_in, "rotation=90"));
    assert_int_equal(tu_run(out, sizeof(out), "%s -q -m bicubic --preset ultrafast %s %s", fastsr(), in, o), 0);
    assert_int_equal(tu_run(side_out, sizeof(side_out), "%s %s", probe, o), 0);
    assert_string_equal(side_out, side_in);
    TuMediaInfo b;
    assert_int_equal(tu_media_info(o, &b), 0);
    assert_int_equal(b.width, 320);
    assert_int_equal(b.height, 192);
}

/* README: "a failed or interrupted run (Ctrl-C) leaves nothing at OUTPUT"
 * and exit status 130.  The input comes through a FIFO: half the clip,
 * then nothing until the test says so, so the run cannot end before the
 * SIGINT arrives, whatever the machine's speed.  SIGINT goes once the
 * output's temporary exists, i.e. mid-run with the encoder writing. */
static void test_interrupt_leaves_nothing(void **state)
{
    (void)state;
    char clip[1024], fifo[1024], o[1024], log[1024], model[1024], tool[1024];
    snprintf(clip, sizeof(clip), "%s", tu_tmp("int.ts"));
    snprintf(fifo, sizeof(fifo), "%s", tu_tmp("int.fifo"));
    snprintf(o, sizeof(o), "%s", tu_tmp("int-x2.mkv"));
    snprintf(log, sizeof(log), "%s", tu_tmp("int.log"));
    snprintf(model, sizeof(model), "%s", tu_tmp("int.safetensors"));
    snprintf(tool, sizeof(tool), "%s", fastsr());
    assert_int_equal(tu_tiny_model(model, 2), 0);
    assert_int_equal(tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=160x96:rate=25 -t 4 -c:v libx264 "
                            "-preset ultrafast -f mpegts %s", clip), 0);
    const long long size = tu_file_size(clip);
    assert_true(size > 10000);
    char *data = malloc((size_t)size);
    FILE *f = fopen(clip, "rb");
    assert_non_null(f);
    assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    int go[2];
    assert_int_equal(pipe(go), 0);
    fflush(NULL);
    const pid_t writer = fork();
    assert_true(writer >= 0);
    if (writer == 0) {
        /* the rest only after a byte on go[0]; a reader gone ends it */
        close(go[1]);
        const int fd = open(fifo, O_WRONLY);
        const size_t half = (size_t)size / 2;
        char c;
        if (fd < 0 || write(fd, data, half) != (ssize_t)half || read(go[0], &c, 1) != 1)
            _exit(1);
        const ssize_t n = write(fd, data + half, (size_t)size - half);
        _exit(n == (ssize_t)((size_t)size - half) ? 0 : 1);
    }
    close(go[0]);
    free(data);
    char *argv[] = { tool, "-m", "fast", "--model", model, "--preset", "ultrafast", fifo, o, NULL };
    const pid_t pid = tu_spawn(argv, log);
    int started = 0, st;
    for (int i = 0; i < 1200 && !(started = parts_left(o) > 0); i++) {
        if (waitpid(pid, &st, WNOHANG) == pid) {
            tu_read_file(log, out, sizeof(out));
            fail_msg("fastsr ended before writing anything: %s", out);
        }
        tu_sleep_ms(50);
    }
    if (!started) {
        kill(pid, SIGKILL);
        kill(writer, SIGKILL);
        fail_msg("fastsr never created the temporary of %s", o);
    }
    assert_int_equal(kill(pid, SIGINT), 0);
    /* the rest of the input: the run could now finish if it ignored Ctrl-C */
    void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN); /* a writer already gone is no error here */
    const ssize_t sent = write(go[1], "x", 1);
    close(go[1]);
    signal(SIGPIPE, old_pipe);
    const int rc = tu_wait_exit(pid, 120);
    waitpid(writer, &st, 0);
    unlink(fifo);
    (void)sent;
    assert_true(tu_read_file(log, out, sizeof(out)) >= 0);
    if (rc != 130)
        fail_msg("exit %d after SIGINT, expected 130: %s", rc, out);
    char line[1200];
    snprintf(line, sizeof(line), "fastsr: error: interrupted; %s was not written\n", o);
    assert_string_equal(out, line);
    assert_no_output(o);
}

/* README: "Output is bit-identical for any --threads".  1, 2 and 3 threads
 * in fast mode (with transfer running: the report says so) and in per-frame
 * SR mode, on a clip wide enough that the SR cuts each frame into several
 * strips; audio is copied along. */
static void test_threads_bit_identical(void **state)
{
    (void)state;
    char in[900], model[1024];
    snprintf(in, sizeof(in), "%s", tu_tmp("wide.mp4"));
    snprintf(model, sizeof(model), "%s", tu_tmp("threads.safetensors"));
    assert_int_equal(tu_tiny_model(model, 2), 0);
    assert_int_equal(tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=400x64:rate=25 -f lavfi -i sine=f=440:r=48000 "
                            "-t 0.8 -c:v libx264 -preset ultrafast -c:a aac %s", in), 0);
    static const char *const modes[2] = { "fast -k every:4", "srcnn" };
    for (int m = 0; m < 2; m++) {
        char first[1024];
        for (int t = 1; t <= 3; t++) {
            char o[1024], rep[1024];
            snprintf(o, sizeof(o), "%s-%d-%d.mkv", in, m, t);
            snprintf(rep, sizeof(rep), "%s-%d-%d.json", in, m, t);
            const int rc = tu_run(out, sizeof(out), "%s -q -y -m %s --model %s --preset ultrafast -t %d --report %s %s %s",
                                  fastsr(), modes[m], model, t, rep, in, o);
            if (rc != 0)
                fail_msg("-m %s -t %d: exit %d: %s", modes[m], t, rc, out);
            assert_int_equal(report_number(rep, "frames"), 20);
            if (m == 0)
                assert_true(report_number(rep, "transferred_frames") >= 10);
            if (t == 1)
                snprintf(first, sizeof(first), "%s", o);
            else if (tu_run(out, sizeof(out), "cmp %s %s", first, o) != 0)
                fail_msg("-m %s: --threads %d differs from --threads 1: %s", modes[m], t, out);
        }
    }
}

/* An AVI whose header counts one frame more than its index holds (ffmpeg
 * writes one when it converts this MP4 with its audio: an empty chunk no
 * demuxer hands out) is whole, not truncated; a cut one still is. */
static void test_avi_header_count(void **state)
{
    (void)state;
    char mp4[900], avi[900], cut[900], o[1024];
    snprintf(mp4, sizeof(mp4), "%s", tu_tmp("avi-src.mp4"));
    snprintf(avi, sizeof(avi), "%s", tu_tmp("header-count.avi"));
    snprintf(cut, sizeof(cut), "%s", tu_tmp("header-count-cut.avi"));
    snprintf(o, sizeof(o), "%s", tu_tmp("header-count-out.mkv"));
    assert_int_equal(tu_run(NULL, 0, FFMPEG "-i %s -t 0.5 -vf scale=96:64 -c:v libx264 -g 25 %s",
                            tu_src("samples/pan-540p.mp4"), mp4), 0);
    assert_int_equal(tu_run(NULL, 0, FFMPEG "-i %s -frames:v 6 -c:v mpeg4 %s", mp4, avi), 0);
    int rc = tu_run(out, sizeof(out), "%s -y -q -m bicubic %s %s", fastsr(), avi, o);
    if (rc != 0 || strstr(out, "truncated"))
        fail_msg("exit %d: %s", rc, out);
    TuMediaInfo a;
    assert_int_equal(tu_media_info(o, &a), 0);
    assert_int_equal(a.frames, 6);
    assert_int_equal(tu_run(NULL, 0, "head -c 12000 %s > %s", avi, cut), 0);
    rc = tu_run(out, sizeof(out), "%s -y -q -m bicubic %s %s", fastsr(), cut, o);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "the file is truncated"));
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
        cmocka_unit_test(test_chapters_kept),
        cmocka_unit_test(test_image),
        cmocka_unit_test(test_overwrite),
        cmocka_unit_test(test_missing_model),
        cmocka_unit_test(test_srcnn_mode),
        cmocka_unit_test(test_codecs_without_vectors),
        cmocka_unit_test(test_avi_header_count),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_corrupt_bits),
        cmocka_unit_test(test_bad_outputs),
        cmocka_unit_test(test_subtitles_copied),
        cmocka_unit_test(test_unsupported_streams_dropped),
        cmocka_unit_test(test_display_matrix_kept),
        cmocka_unit_test(test_interrupt_leaves_nothing),
        cmocka_unit_test(test_threads_bit_identical),
        cmocka_unit_test(test_cropped_stream),
        cmocka_unit_test(test_size_change_refused),
    };
    return tu_result(cmocka_run_group_tests_name("cli", tests, make_clips, NULL));
}
