/* Segmented runs (fastsr --segments, fastsr-segments): the merge gives the
 * single run's frames and timestamps, close pictures and the same audio,
 * with closed-GOP cuts and with open ones (open GOPs, sparse IDRs, MPEG-2);
 * a plan of the version before open cuts resumes;
 * resume after SIGKILL at random points gives the uninterrupted output;
 * a work folder of another input or options is refused; a damaged segment
 * is named with its frame range; the plan|run-one|merge commands, driven
 * by a shell loop, by GNU parallel and by a Slurm job array on real
 * daemons, give the same bytes. */
#include "testutil.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libavformat/avformat.h>

#include "fastsr/segments.h"
#include "mediainfo.h"
#include "remux.h"

static char out[65536];
#define FFMPEG "ffmpeg -hide_banner -loglevel error -y "
/* 4 s of the sample at 320x180 with an IDR frame every second: 4 segments
 * of 25 frames with --segment-seconds 1 */
#define CLIP "clip.mp4"
#define SEG "--segments --segment-seconds 1 --preset superfast"

static const char *fastsr(void) { return tu_tool("fastsr"); }

/* tu_tmp's paths live in a small ring: tests keep their own copies */
typedef struct Path {
    char s[1024];
} Path;

static Path tmp_path(const char *name)
{
    Path p;
    snprintf(p.s, sizeof(p.s), "%s", tu_tmp(name));
    return p;
}

static int make_clip(void **state)
{
    (void)state;
    av_log_set_level(AV_LOG_QUIET);
    int r = tu_run(NULL, 0, FFMPEG "-i %s -t 4 -vf scale=320:180 -c:v libx264 -preset veryfast -g 25 -crf 24 "
                   "-c:a copy %s", tu_src("samples/pan-540p.mp4"), tu_tmp(CLIP));
    /* the reference: a plain run, and an uninterrupted segmented one */
    r |= tu_run(out, sizeof(out), "rm -rf %s %s.segments; %s -q -y --preset superfast %s %s", tu_tmp("single.mp4"),
                tu_tmp("seg.mp4"), fastsr(), tu_tmp(CLIP), tu_tmp("single.mp4"));
    r |= tu_run(out, sizeof(out), "%s -q -y " SEG " --jobs 2 %s %s", fastsr(), tu_tmp(CLIP), tu_tmp("seg.mp4"));
    if (r)
        fprintf(stderr, "setup failed: %s\n", out);
    return r ? -1 : 0;
}

/* PSNR of the Y planes of a against b, by ffmpeg's psnr filter. */
static double psnr_y(const char *a, const char *b)
{
    if (tu_run(out, sizeof(out), "ffmpeg -hide_banner -i %s -i %s -lavfi \"[0:v]extractplanes=y[a];"
               "[1:v]extractplanes=y[b];[a][b]psnr\" -f null - 2>&1", a, b) != 0)
        return -1;
    const char *p = strstr(out, "PSNR y:");
    return p ? atof(p + 7) : -1;
}

/* Prints the plan in dir (what the report quotes) and returns how many
 * segments decode more packets than they show. */
static int print_plan(const char *what, const char *dir)
{
    FsrSegmentPlan *plan = NULL;
    assert_int_equal(fsr_segments_open(&plan, dir), 0);
    int extra = 0;
    printf("%s: %d segments:", what, plan->n_segments);
    for (int i = 0; i < plan->n_segments; i++) {
        const FsrSegment *sg = &plan->segments[i];
        printf(" %lld+%lld", (long long)sg->frames, (long long)(sg->packets - sg->frames));
        extra += sg->packets > sg->frames;
    }
    printf(" (frames+packets decoded besides)\n");
    fsr_segments_close(&plan);
    return extra;
}

static void test_merge_equals_single_run(void **state)
{
    (void)state;
    TuMediaInfo a, b;
    assert_int_equal(tu_media_info(tu_tmp("single.mp4"), &a), 0);
    assert_int_equal(tu_media_info(tu_tmp("seg.mp4"), &b), 0);
    assert_int_equal(a.frames, 100);
    assert_int_equal(b.frames, a.frames);
    for (int i = 0; i < a.frames; i++)
        if (a.pts[i] != b.pts[i])
            fail_msg("frame %d: single run at %.6f s, merged at %.6f s", i, a.pts[i], b.pts[i]);
    assert_int_equal(b.width, a.width);
    assert_int_equal(b.sar_num * a.sar_den, a.sar_num * b.sar_den);
    assert_int_equal(b.color_range, a.color_range);
    assert_int_equal(b.colorspace, a.colorspace);
    assert_int_equal(b.audio_streams, 1);
    assert_int_equal(b.audio_packets, a.audio_packets);
    assert_true(a.audio_hash == b.audio_hash && a.audio_bytes == b.audio_bytes);
    /* B frames on both sides of the cuts: in the input (reordered packets
     * at every cut) and in the output (the merge's decode timestamps) */
    assert_int_equal(tu_run(out, sizeof(out), "ffprobe -v error -select_streams v -show_entries frame=pict_type "
                            "-of csv=p=0 %s | grep -c B", tu_tmp(CLIP)), 0);
    assert_true(atoi(out) > 10);
    assert_int_equal(tu_run(out, sizeof(out), "ffprobe -v error -select_streams v -show_entries frame=pict_type "
                            "-of csv=p=0 %s | grep -c B", tu_tmp("seg.mp4")), 0);
    assert_true(atoi(out) > 10);
    const double db = psnr_y(tu_tmp("seg.mp4"), tu_tmp("single.mp4"));
    printf("merged vs single run: PSNR-Y %.2f dB\n", db);
    assert_true(db >= 40.0);
    /* the plan: 4 segments of 25 frames at 0, 1, 2, 3 s */
    assert_int_equal(tu_run(out, sizeof(out), "%s status %s.segments", tu_tool("fastsr-segments"), tu_tmp("seg.mp4")),
                     0);
    assert_non_null(strstr(out, "2 frames 50-74 2.000-3.000 s done\n"));
    assert_non_null(strstr(out, "4 of 4 done\n"));
    /* closed cuts: every segment decodes its own frames' packets only */
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s.segments", tu_tmp("seg.mp4"));
    assert_int_equal(print_plan("closed GOPs", dir), 0);
}

/* The merged output of a segmented run against a single run of the same
 * input: every frame once, at the single run's timestamps, the same audio,
 * pictures within 40 dB (they differ where a segment starts with an SR key
 * frame and its encoder starts anew).  Returns the PSNR. */
static double check_like_single(const char *merged, const char *single, int frames)
{
    static TuMediaInfo a, b;
    assert_int_equal(tu_media_info(single, &a), 0);
    assert_int_equal(tu_media_info(merged, &b), 0);
    assert_int_equal(a.frames, frames);
    assert_int_equal(b.frames, a.frames);
    for (int i = 0; i < a.frames; i++)
        if (a.pts[i] != b.pts[i])
            fail_msg("frame %d: single run at %.6f s, merged at %.6f s", i, a.pts[i], b.pts[i]);
    assert_int_equal(b.audio_streams, a.audio_streams);
    assert_int_equal(b.audio_packets, a.audio_packets);
    assert_true(a.audio_hash == b.audio_hash && a.audio_bytes == b.audio_bytes);
    const double db = psnr_y(merged, single);
    assert_true(db >= 40.0);
    return db;
}

/* Open and closed cuts of a file's index: closed ones other than the
 * first packet, open ones, and open ones with leading pictures. */
static void count_cuts(const char *path, int *closed, int *open, int *leading)
{
    FsrVideoIndex ix;
    assert_int_equal(fsr_video_index_scan(&ix, path), 0);
    *closed = *open = *leading = 0;
    for (int64_t i = 1; i < ix.n; i++) {
        *closed += ix.pkts[i].cut;
        *open += ix.pkts[i].open;
        *leading += ix.pkts[i].open && ix.pkts[i].prev_end > i + 1;
    }
    fsr_video_index_free(&ix);
}

/* Segmented and single runs of in with opts; the merged output is checked
 * against the single one.  Returns the PSNR. */
static double segmented_and_single(const char *in, const char *opts, const char *merged, const char *single,
                                   int frames)
{
    tu_run(NULL, 0, "rm -rf %s %s.segments", merged, merged);
    if (tu_run(out, sizeof(out), "%s -q " SEG " --jobs 2 %s %s %s", fastsr(), opts, in, merged) != 0)
        fail_msg("segmented run: %s", out);
    if (tu_run(out, sizeof(out), "%s -q -y --preset superfast %s %s %s", fastsr(), opts, in, single) != 0)
        fail_msg("single run: %s", out);
    return check_like_single(merged, single, frames);
}

/* Open GOPs (x264 open-gop: I frames that are not IDR, with B frames
 * after them that display before them and refer to the GOP before): no
 * closed cut but the first, so the clip is cut at its I frames, each
 * segment decoding on through the next I frame and its leading B frames;
 * the merge has the single run's frames and timestamps. */
static void test_open_gop_cut(void **state)
{
    (void)state;
    const Path in = tmp_path("open-gop.mp4"), o = tmp_path("open-gop-x2.mp4"), single = tmp_path("open-gop-1.mp4");
    assert_int_equal(tu_run(out, sizeof(out), FFMPEG "-i %s -t 4 -vf scale=160:96 -c:v libx264 -preset veryfast "
                            "-bf 2 -g 25 -x264-params open-gop=1 -c:a copy %s", tu_tmp(CLIP), in.s), 0);
    int closed, open, leading;
    count_cuts(in.s, &closed, &open, &leading);
    assert_int_equal(closed, 0);
    assert_int_equal(open, 3);
    assert_int_equal(leading, 3);
    const double db = segmented_and_single(in.s, "", o.s, single.s, 100);
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s.segments", o.s);
    assert_int_equal(tu_run(out, sizeof(out), "%s status %s", tu_tool("fastsr-segments"), dir), 0);
    assert_non_null(strstr(out, "1 frames 25-49 1.000-2.000 s done\n"));
    assert_non_null(strstr(out, "4 of 4 done\n"));
    /* every segment decodes besides its frames: the next I frame (all but
     * the last) and its own I frame's leading pictures (all but the first) */
    assert_int_equal(print_plan("open GOP", dir), 4);
    printf("open GOP: merged vs single run: PSNR-Y %.2f dB\n", db);
}

/* Sparse IDR pictures (forced at 1.2 s) between open-GOP I frames (every
 * 25 frames after the last key frame): the closed cut at 1.2 s is taken
 * instead of the open one at 1 s, the others are open. */
static void test_sparse_idr(void **state)
{
    (void)state;
    const Path in = tmp_path("sparse-idr.mp4"), o = tmp_path("sparse-idr-x2.mp4"), single = tmp_path("sparse-idr-1.mp4");
    assert_int_equal(tu_run(out, sizeof(out), FFMPEG "-i %s -t 4 -vf scale=160:96 -c:v libx264 -preset veryfast "
                            "-bf 2 -x264-params keyint=25:open-gop=1 -force_key_frames 1.2 -forced-idr 1 -c:a copy %s",
                            tu_tmp(CLIP), in.s), 0);
    int closed, open, leading;
    count_cuts(in.s, &closed, &open, &leading);
    assert_int_equal(closed, 1);
    assert_true(open >= 3 && leading >= 2);
    const double db = segmented_and_single(in.s, "", o.s, single.s, 100);
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s.segments", o.s);
    assert_int_equal(tu_run(out, sizeof(out), "%s status %s", tu_tool("fastsr-segments"), dir), 0);
    assert_non_null(strstr(out, "0 frames 0-29 0.000-1.200 s done\n1 frames 30-54 1.200-2.200 s done\n"));
    assert_non_null(strstr(out, "4 of 4 done\n"));
    /* the closed cut costs nothing, nor the open one at an I frame without
     * leading pictures (3.2 s): the one at 2.2 s costs both sides */
    assert_int_equal(print_plan("sparse IDR", dir), 2);
    printf("sparse IDR: merged vs single run: PSNR-Y %.2f dB\n", db);
}

/* MPEG-2's GOPs are open by default: the same, with the stream's own
 * vectors (the motion search's single run has one SR frame in all, so any
 * restart differs from it by more than the cut's own cost). */
static void test_mpeg2_open_gop(void **state)
{
    (void)state;
    const Path in = tmp_path("mpeg2.mp4"), o = tmp_path("mpeg2-x2.mp4"), single = tmp_path("mpeg2-1.mp4");
    assert_int_equal(tu_run(out, sizeof(out), FFMPEG "-i %s -t 4 -vf scale=160:96 -c:v mpeg2video -bf 2 -g 25 "
                            "-q:v 4 -c:a copy %s", tu_tmp(CLIP), in.s), 0);
    int closed, open, leading;
    count_cuts(in.s, &closed, &open, &leading);
    assert_int_equal(closed, 0);
    assert_true(open >= 3 && leading >= 3);
    const double db = segmented_and_single(in.s, "--motion stream", o.s, single.s, 100);
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s.segments", o.s);
    assert_true(print_plan("MPEG-2", dir) >= 2);
    printf("MPEG-2: merged vs single run: PSNR-Y %.2f dB\n", db);
}

/* A work folder planned by a version that knew closed cuts only (manifest
 * version 1: no "packets") resumes with the same bytes; a plan of this
 * version without them, or of a later version, is refused. */
static void test_old_manifest(void **state)
{
    (void)state;
    const Path o = tmp_path("old.mp4"), w = tmp_path("old.w");
    char ref_dir[1100];
    snprintf(ref_dir, sizeof(ref_dir), "%s.segments", tu_tmp("seg.mp4"));
    assert_int_equal(tu_run(out, sizeof(out), "rm -rf %s %s && cp -r %s %s && rm %s/seg-00002.* && sed -i -e "
                            "'s/\"fastsr_segments\":[[:space:]]*2/\"fastsr_segments\": 1/' -e '/\"packets\":/d' "
                            "%s/manifest.json && grep -c packets %s/manifest.json", o.s, w.s, ref_dir, w.s, w.s, w.s,
                            w.s), 1);
    if (tu_run(out, sizeof(out), "%s -q " SEG " --work-dir %s %s %s", fastsr(), w.s, tu_tmp(CLIP), o.s) != 0)
        fail_msg("resume of a version 1 plan: %s", out);
    assert_int_equal(tu_run(out, sizeof(out), "cmp %s %s", o.s, tu_tmp("seg.mp4")), 0);
    /* version 2 without packets: malformed */
    assert_int_equal(tu_run(out, sizeof(out), "sed -i '/\"packets\":/d' %s/manifest.json && %s status %s", w.s,
                            tu_tool("fastsr-segments"), w.s), 1);
    assert_non_null(strstr(out, "segment 0 is malformed"));
    assert_null(strchr(strchr(out, '\n') + 1, '\n'));
    assert_int_equal(tu_run(out, sizeof(out), "sed -i 's/\"fastsr_segments\":[[:space:]]*2/\"fastsr_segments\": 3/' "
                            "%s/manifest.json && %s -q -y " SEG " --work-dir %s %s %s", w.s, fastsr(), w.s,
                            tu_tmp(CLIP), o.s), 1);
    assert_non_null(strstr(out, "not a fastsr segment plan (or of another version)"));
}

/* Every seg-N.mp4 in dir holds its 25 frames (a killed run never leaves
 * one that looks done but is not). */
static void check_segment_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        int idx;
        char ext[8];
        if (sscanf(e->d_name, "seg-%d.%7s", &idx, ext) != 2 || strcmp(ext, "mp4"))
            continue;
        char path[2048];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        TuMediaInfo m;
        if (tu_media_info(path, &m) != 0 || m.frames != 25)
            fail_msg("%s looks done but holds %d frames", path, m.frames);
        snprintf(path, sizeof(path), "%s/seg-%05d.json", dir, idx);
        assert_true(tu_exists(path));
    }
    closedir(d);
}

static void test_resume_after_sigkill(void **state)
{
    (void)state;
    const Path op = tmp_path("killed.mp4"), clip = tmp_path(CLIP), ref = tmp_path("seg.mp4");
    Path tp;
    snprintf(tp.s, sizeof(tp.s), "%s", fastsr());
    const char *o = op.s;
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s.segments", o);
    uint32_t seed = (uint32_t)time(NULL);
    printf("kill points from seed %u\n", seed);
    /* how long an uninterrupted run takes here, to kill within it */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    tu_run(NULL, 0, "rm -rf %s %s", o, dir);
    assert_int_equal(tu_run(out, sizeof(out), "%s -q " SEG " --jobs 2 %s %s", tp.s, clip.s, o), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const int run_ms = (int)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
    for (int k = 0; k < 3; k++) {
        tu_run(NULL, 0, "rm -rf %s %s", o, dir);
        /* kill once or twice before letting it finish */
        for (int kills = 0; kills < 1 + k % 2; kills++) {
            char *argv[] = { tp.s, "-q", "--segments", "--segment-seconds", "1", "--preset", "superfast",
                             "--jobs", "2", (char *)clip.s, (char *)o, NULL };
            const int pid = tu_spawn(argv, tu_tmp("killed.log"));
            const int ms = 50 + (int)(tu_rand(&seed) % (uint32_t)run_ms);
            tu_sleep_ms(ms);
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            tu_sleep_ms(100); /* its workers follow it (PR_SET_PDEATHSIG) */
            printf("killed after %d ms\n", ms);
            if (tu_exists(dir))
                check_segment_files(dir);
        }
        if (tu_run(out, sizeof(out), "%s -q -y " SEG " --jobs 2 %s %s", tp.s, clip.s, o) != 0)
            fail_msg("rerun failed: %s", out);
        if (tu_run(out, sizeof(out), "cmp %s %s", o, ref.s) != 0)
            fail_msg("resumed output differs from the uninterrupted one: %s", out);
    }
}

static void test_bad_work_dir(void **state)
{
    (void)state;
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s.segments", tu_tmp("seg.mp4"));
    /* other options */
    int rc = tu_run(out, sizeof(out), "%s -q -y " SEG " --crf 20 --work-dir %s %s %s", fastsr(), dir, tu_tmp(CLIP),
                    tu_tmp("other.mp4"));
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "work folder holds a plan made with other options (crf differs)"));
    assert_false(tu_exists(tu_tmp("other.mp4")));
    /* another input */
    rc = tu_run(out, sizeof(out), "%s -q -y " SEG " --work-dir %s %s %s", fastsr(), dir, tu_tmp("single.mp4"),
                tu_tmp("other.mp4"));
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "work folder holds a plan for another input"));
    /* a file where the folder should be, a plan that is not one */
    rc = tu_run(out, sizeof(out), "%s -q -y " SEG " --work-dir %s %s %s", fastsr(), tu_tmp(CLIP), tu_tmp(CLIP),
                tu_tmp("other.mp4"));
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "work folder is not a folder"));
    tu_run(NULL, 0, "rm -rf %s; mkdir %s; echo '{\"x\": 1}' > %s/manifest.json", tu_tmp("junk"), tu_tmp("junk"),
           tu_tmp("junk"));
    rc = tu_run(out, sizeof(out), "%s -q -y " SEG " --work-dir %s %s %s", fastsr(), tu_tmp("junk"), tu_tmp(CLIP),
                tu_tmp("other.mp4"));
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "not a fastsr segment plan"));
    assert_false(tu_exists(tu_tmp("other.mp4")));
    /* one line each time */
    assert_non_null(strchr(out, '\n'));
    assert_null(strchr(strchr(out, '\n') + 1, '\n'));
}

/* A full disk in the work folder, then at the output (a small tmpfs):
 * a clear error, no segment that looks done but is not, no output; the
 * rerun after space is freed completes with the same bytes. */
static void test_disk_full(void **state)
{
    (void)state;
    const Path mnt = tmp_path("small-fs"), clip = tmp_path(CLIP), ref = tmp_path("seg.mp4"), w = tmp_path("full.w");
    Path fs;
    snprintf(fs.s, sizeof(fs.s), "%s", fastsr());
    tu_run(NULL, 0, "mkdir -p %s", mnt.s);
    if (tu_run(out, sizeof(out), "mount -t tmpfs -o size=400k tmpfs %s 2>&1", mnt.s) != 0)
        tu_skip("cannot mount a small tmpfs to fill (needs root with CAP_SYS_ADMIN): %s", out);
    int rc = tu_run(out, sizeof(out), "%s -q " SEG " --jobs 2 --work-dir %s/w %s %s", fs.s, mnt.s, clip.s,
                    tu_tmp("full.mp4"));
    const int ok1 = rc == 1 && strstr(out, "No space left on device") && !tu_exists(tu_tmp("full.mp4"));
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s/w", mnt.s);
    if (ok1)
        check_segment_files(dir);
    tu_run(NULL, 0, "mount -o remount,size=20m %s", mnt.s);
    const int rc2 = tu_run(out, sizeof(out), "%s -q " SEG " --jobs 2 --work-dir %s/w %s %s && cmp %s %s", fs.s,
                           mnt.s, clip.s, tu_tmp("full.mp4"), tu_tmp("full.mp4"), ref.s);
    /* the output's disk full: the merge */
    tu_run(NULL, 0, "rm -rf %s/w; mount -o remount,size=300k %s; rm -rf %s", mnt.s, mnt.s, w.s);
    const int rc3 = tu_run(out, sizeof(out), "%s -q " SEG " --jobs 2 --work-dir %s %s %s/out.mp4", fs.s, w.s, clip.s,
                           mnt.s);
    static char msg[sizeof(out)];
    memcpy(msg, out, sizeof(out));
    tu_run(out, sizeof(out), "ls -A %s", mnt.s);
    const int empty = out[0] == 0;
    tu_run(NULL, 0, "mount -o remount,size=20m %s", mnt.s);
    const int rc4 = tu_run(out, sizeof(out), "%s -q " SEG " --work-dir %s %s %s/out.mp4 && cmp %s/out.mp4 %s", fs.s,
                           w.s, clip.s, mnt.s, mnt.s, ref.s);
    tu_run(NULL, 0, "umount %s", mnt.s);
    if (!ok1)
        fail_msg("work folder full: exit %d, expected 1 with 'No space left on device'", rc);
    if (rc2 != 0)
        fail_msg("rerun after freeing space: exit %d", rc2);
    if (rc3 != 1 || !strstr(msg, "out.mp4: cannot ") || !strstr(msg, "No space left on device") || !empty)
        fail_msg("output disk full: exit %d, '%s', %s", rc3, msg, empty ? "nothing left" : "files left");
    if (rc4 != 0)
        fail_msg("merge after freeing space: exit %d", rc4);
}

/* Flips bytes in the middle of the packets of frames 55-60 (segment 2). */
static void damage(const char *in, const char *bad)
{
    assert_int_equal(tu_run(NULL, 0, "cp %s %s", in, bad), 0);
    AVFormatContext *fmt = NULL;
    assert_int_equal(avformat_open_input(&fmt, in, NULL, NULL), 0);
    assert_true(avformat_find_stream_info(fmt, NULL) >= 0);
    const int v = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    AVPacket *pkt = av_packet_alloc();
    FILE *f = fopen(bad, "r+b");
    assert_non_null(f);
    uint32_t seed = 5;
    for (int n = 0; av_read_frame(fmt, pkt) >= 0; av_packet_unref(pkt)) {
        if (pkt->stream_index != v || n++ < 55 || n > 61 || pkt->size < 64)
            continue;
        fseek(f, (long)pkt->pos + pkt->size / 4, SEEK_SET);
        for (int k = 0; k < pkt->size / 2; k++)
            fputc((int)(tu_rand(&seed) & 0xff), f);
    }
    fclose(f);
    av_packet_free(&pkt);
    avformat_close_input(&fmt);
}

static void test_damaged_segment(void **state)
{
    (void)state;
    const Path bp = tmp_path("damaged.mp4"), op = tmp_path("damaged-x2.mp4");
    const char *bad = bp.s, *o = op.s;
    damage(tu_tmp(CLIP), bad);
    tu_run(NULL, 0, "rm -rf %s %s.segments", o, o);
    int rc = tu_run(out, sizeof(out), "%s -q " SEG " --jobs 2 %s %s", fastsr(), bad, o);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "fastsr: error: segment 2 (frames 50-74, 2.000-3.000 s): "));
    assert_non_null(strstr(out, "damaged video"));
    assert_false(tu_exists(o));
    /* the segments that decode are kept for a rerun; --keep-going is
     * another plan (other options): it keeps the damaged segment's frames */
    rc = tu_run(out, sizeof(out), "%s -q --keep-going " SEG " --jobs 2 --work-dir %s.k %s %s", fastsr(), o, bad, o);
    if (rc != 0)
        fail_msg("--keep-going: exit %d: %s", rc, out);
    TuMediaInfo m;
    assert_int_equal(tu_media_info(o, &m), 0);
    assert_true(m.frames > 75 && m.frames <= 100);
}

/* plan | run-one ... | merge, by a shell loop and by GNU parallel: the
 * same bytes as fastsr --segments. */
static void test_commands_and_parallel(void **state)
{
    (void)state;
    Path fsp, op = tmp_path("cmd.mp4");
    snprintf(fsp.s, sizeof(fsp.s), "%s", tu_tool("fastsr-segments"));
    const char *fs = fsp.s, *o = op.s;
    char dir[1100];
    snprintf(dir, sizeof(dir), "%s.w", o);
    tu_run(NULL, 0, "rm -rf %s %s", o, dir);
    int rc = tu_run(out, sizeof(out), "set -e; for i in $(%s plan --segment-seconds 1 --preset superfast --work-dir %s "
                    "%s %s); do %s run-one %s $i; done; %s merge %s", fs, dir, tu_tmp(CLIP), o, fs, dir, fs, dir);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, out);
    assert_int_equal(tu_run(out, sizeof(out), "cmp %s %s", o, tu_tmp("seg.mp4")), 0);
    /* merge refuses a plan with a segment missing, naming it */
    assert_int_equal(tu_run(NULL, 0, "rm %s/seg-00001.mp4", dir), 0);
    rc = tu_run(out, sizeof(out), "%s merge -y %s", fs, dir);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "segment 1 (frames 25-49, 1.000-2.000 s) is not done"));
    /* plan lists only what is left */
    assert_int_equal(tu_run(out, sizeof(out), "%s plan --segment-seconds 1 --preset superfast --work-dir %s %s %s", fs,
                            dir, tu_tmp(CLIP), o), 0);
    assert_string_equal(out, "1\n");
    if (tu_run(NULL, 0, "parallel --version >/dev/null 2>&1") != 0)
        tu_skip("GNU parallel is not installed (apt-get install parallel)");
    tu_run(NULL, 0, "rm -rf %s %s", o, dir);
    rc = tu_run(out, sizeof(out), "%s plan --segment-seconds 1 --preset superfast --work-dir %s %s %s | "
                "parallel --will-cite -j2 %s run-one %s && %s merge %s", fs, dir, tu_tmp(CLIP), o, fs, dir, fs, dir);
    if (rc != 0)
        fail_msg("parallel: exit %d: %s", rc, out);
    assert_int_equal(tu_run(out, sizeof(out), "cmp %s %s", o, tu_tmp("seg.mp4")), 0);
}

/* The Slurm path against a real one-node cluster that the script starts
 * and stops (scripts/slurm/test-slurm.sh): the job array and the merge job
 * give the same bytes as fastsr --segments. */
static void test_slurm(void **state)
{
    (void)state;
    const Path clip = tmp_path(CLIP), ref = tmp_path("seg.mp4");
    const int rc = tu_run(out, sizeof(out), "%s %s %s %s 2>&1", tu_src("scripts/slurm/test-slurm.sh"),
                          FASTSR_TEST_BIN_DIR, clip.s, ref.s);
    if (rc == 77)
        tu_skip("%s", strstr(out, "SKIP: ") ? strstr(out, "SKIP: ") + 6 : out);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, out);
    printf("%s", out);
}

/* GNU parallel across hosts: every segment through parallel --sshlogin to
 * an sshd that the script starts on this machine (a host sharing the file
 * system), the same bytes as fastsr --segments
 * (scripts/test-parallel-ssh.sh). */
static void test_parallel_sshlogin(void **state)
{
    (void)state;
    const Path clip = tmp_path(CLIP), ref = tmp_path("seg.mp4");
    const int rc = tu_run(out, sizeof(out), "%s %s %s %s --segment-seconds 1 --preset superfast 2>&1",
                          tu_src("scripts/test-parallel-ssh.sh"), FASTSR_TEST_BIN_DIR, clip.s, ref.s);
    if (rc == 77)
        tu_skip("%s", strstr(out, "SKIP: ") ? strstr(out, "SKIP: ") + 6 : out);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, out);
    printf("%s", out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_equals_single_run),
        cmocka_unit_test(test_open_gop_cut),
        cmocka_unit_test(test_sparse_idr),
        cmocka_unit_test(test_mpeg2_open_gop),
        cmocka_unit_test(test_old_manifest),
        cmocka_unit_test(test_resume_after_sigkill),
        cmocka_unit_test(test_bad_work_dir),
        cmocka_unit_test(test_damaged_segment),
        cmocka_unit_test(test_disk_full),
        cmocka_unit_test(test_commands_and_parallel),
        cmocka_unit_test(test_parallel_sshlogin),
        cmocka_unit_test(test_slurm),
    };
    return tu_result(cmocka_run_group_tests_name("segments", tests, make_clip, NULL));
}
