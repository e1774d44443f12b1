/* Block maps of MPEG-2 and MPEG-4 Part 2 streams from libavcodec's exported
 * vectors (src/h264/mpeg_sideinfo.c): a clip panning by a known sub-pixel
 * step, coded with mpeg2video and with mpeg4 (half-pel, quarter-pel + 4MV,
 * 4MV without B pictures), gives the step's vector times the display
 * distance to each block's reference on >= 95% of the inner inter blocks,
 * with references that are the MPEG ones (P from the previous I/P, B from
 * the I/P pictures around it) and decode indices in coded order;
 * interlaced MPEG-2 (field prediction) falls back per macroblock, counted;
 * FAST with stream maps stays within a bound of the motion search on a
 * photographic pan; damaged and truncated data give a clear error or
 * counted damage, never a crash. */
#include "testutil.h"
#include "psnrrun.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/eval.h"
#include "fastsr/model.h"
#include "fastsr/pipeline.h"
#include "fastsr/reader.h"
#include "sideinfo.h"

#define FFMPEG "ffmpeg -hide_banner -loglevel error -y "

/* the sources, as tests/test_motion.c's: tests/common/psnrrun.h */
#define NFRAMES TU_PAN_FRAMES
#define STEP_X TU_PAN_STEP_X
#define STEP_Y TU_PAN_STEP_Y

typedef struct Clip {
    const char *name, *file, *args;
    int b_frames;   /* the encoder makes B pictures */
    int interlaced; /* field prediction expected */
} Clip;

static const Clip clips[] = {
    { "mpeg2video", "mm-m2.mpg", "-c:v mpeg2video -q:v 2 -g 12 -bf 2", 1, 0 },
    { "mpeg2video P only", "mm-m2p.mpg", "-c:v mpeg2video -q:v 2 -bf 0", 0, 0 },
    { "mpeg4", "mm-m4.avi", "-c:v mpeg4 -q:v 2 -bf 2", 1, 0 },
    { "mpeg4 qpel+4mv", "mm-m4q.avi", "-c:v mpeg4 -q:v 2 -bf 2 -flags +qpel+mv4", 1, 0 },
    { "mpeg4 qpel+4mv P only", "mm-m4v.avi", "-c:v mpeg4 -q:v 4 -bf 0 -flags +qpel+mv4", 0, 0 },
    { "mpeg2video interlaced", "mm-m2i.mpg", "-c:v mpeg2video -q:v 2 -bf 2 -flags +ildct+ilme -top 1", 1, 1 },
};
#define NCLIPS ((int)(sizeof(clips) / sizeof(clips[0])))

static int have_clips;

static int make_clips(void **state)
{
    (void)state;
    char known[1024];
    snprintf(known, sizeof(known), "%s", tu_tmp("mm-known.mkv"));
    if (tu_make_pan_sources(known, tu_tmp("mm-photo-hr.mkv")) < 0)
        return 0;
    for (int i = 0; i < NCLIPS; i++)
        if (tu_run(NULL, 0, FFMPEG "-i %s -pix_fmt yuv420p %s %s", tu_tmp("mm-known.mkv"), clips[i].args,
                   tu_tmp(clips[i].file)))
            return 0;
    /* one I picture: SR on every I picture would decide what the maps
     * cannot (README "MPEG-2 and MPEG-4 block maps") */
    if (tu_run(NULL, 0, FFMPEG "-i %s -vf scale=160:96:flags=bicubic -pix_fmt yuv420p %s %s",
               tu_tmp("mm-photo-hr.mkv"), "-c:v mpeg2video -q:v 2 -g 100 -bf 2", tu_tmp("mm-photo-m2.mpg")) ||
        tu_run(NULL, 0, FFMPEG "-i %s -vf scale=160:96:flags=bicubic -pix_fmt yuv420p %s %s",
               tu_tmp("mm-photo-hr.mkv"), "-c:v mpeg4 -q:v 2 -g 100 -bf 2", tu_tmp("mm-photo-m4.avi")))
        return 0;
    have_clips = 1;
    return 0;
}

static void require_clips(const char *test)
{
    if (!have_clips)
        tu_skip_in(test, "ffmpeg with the ffv1, mpeg2video and mpeg4 encoders is needed to make the clips");
}

typedef struct Tally {
    long frames, inter, right, bi, b_inter, b_right, intra, inter8;
} Tally;

/* Reads a clip through the public reader, checking every map, and counts
 * the inner inter blocks whose vectors are the pan's. */
static void read_clip(const Clip *c, Tally *t, FsrMpegStats *st)
{
    FsrReader *rd = NULL;
    assert_int_equal(fsr_reader_open(&rd, tu_tmp(c->file), NULL), 0);
    const FsrReaderInfo *info = fsr_reader_info(rd);
    assert_int_equal(info->side_info, 1);
    memset(t, 0, sizeof(*t));
    char types[NFRAMES + 1] = { 0 };
    int64_t dec[NFRAMES];
    for (;;) {
        FsrReaderFrame f;
        int ret = fsr_reader_read(rd, &f);
        assert_true(ret >= 0);
        if (ret)
            break;
        const FsrBlockMap *m = f.map;
        assert_true(m->side_info);
        assert_int_equal(m->display_index, t->frames);
        assert_true(t->frames < NFRAMES);
        types[t->frames] = m->type;
        dec[t->frames] = m->decode_index;
        assert_int_equal(m->is_ref, m->type != 'B');
        /* the blocks tile the coded picture */
        long area = 0;
        for (int i = 0; i < m->nb_blocks; i++)
            area += m->blocks[i].w * m->blocks[i].h;
        assert_int_equal(area, (long)m->coded_w * m->coded_h);
        t->frames++;
        for (int i = 0; i < m->nb_blocks; i++) {
            const FsrBlock *b = &m->blocks[i];
            if (b->kind == FSR_BLOCK_INTRA) {
                t->intra += m->type != 'I';
                continue;
            }
            assert_true(m->type != 'I');
            if (b->flags & FSR_BLOCK_NO_REF)
                continue;
            t->inter8 += b->w == 8;
            /* references: P from an earlier I/P, B's lists around it */
            for (int l = 0; l < 2; l++)
                if (b->lists & (1 << l)) {
                    assert_true(b->ref[l] >= 0 && b->ref[l] < NFRAMES);
                    assert_true(l ? b->ref[l] > m->display_index : b->ref[l] < m->display_index);
                    assert_true(types[b->ref[l]] == 0 || types[b->ref[l]] != 'B');
                }
            /* new content enters at the right and bottom edges, and MPEG-2
             * vectors may not point outside the picture (backward vectors
             * at the top and left edges): inner blocks only */
            if (b->x < 16 || b->y < 16 || b->x + b->w + 8 > m->width || b->y + b->h + 8 > m->height)
                continue;
            int ok = 1;
            for (int l = 0; l < 2; l++)
                if (b->lists & (1 << l)) {
                    const int d = (int)(m->display_index - b->ref[l]);
                    ok &= abs(b->mv[l][0] - STEP_X * d) <= 1 && abs(b->mv[l][1] - STEP_Y * d) <= 1;
                }
            if (m->type == 'B') {
                t->b_inter++;
                t->b_right += ok;
            } else {
                t->inter++;
                t->right += ok;
            }
            t->bi += b->lists == 3;
        }
    }
    /* decode order: a permutation of 0..n-1; reference pictures in display
     * order, each B picture after the references around it */
    int seen[NFRAMES] = { 0 };
    for (int i = 0; i < t->frames; i++) {
        assert_true(dec[i] >= 0 && dec[i] < t->frames);
        assert_false(seen[dec[i]]++);
        for (int j = i + 1; j < t->frames; j++)
            if (types[i] != 'B' && types[j] != 'B')
                assert_true(dec[i] < dec[j]);
        if (types[i] == 'B') {
            for (int j = i - 1; j >= 0; j--)
                if (types[j] != 'B') {
                    assert_true(dec[j] < dec[i]);
                    break;
                }
            for (int j = i + 1; j < t->frames; j++)
                if (types[j] != 'B') {
                    assert_true(dec[j] < dec[i]);
                    break;
                }
        }
    }
    (void)st;
    fsr_reader_close(&rd);
}

/* The stream path's totals for one clip (the reader does not show them). */
static void clip_stats(const Clip *c, FsrMpegStats *st)
{
    FsrSideInfo *si = NULL;
    assert_int_equal(fsr_sideinfo_open(&si, tu_tmp(c->file), NULL), 0);
    assert_true(fsr_sideinfo_supported(si));
    FsrSideInfoFrame f;
    int ret;
    while ((ret = fsr_sideinfo_read(si, &f)) == 0)
        ;
    assert_int_equal(ret, 1);
    assert_int_equal(fsr_sideinfo_mpeg_stats(si, st), 1);
    fsr_sideinfo_close(&si);
}

static void known_vectors(void **state)
{
    (void)state;
    require_clips(__func__);
    for (int k = 0; k < NCLIPS; k++) {
        const Clip *c = &clips[k];
        Tally t;
        FsrMpegStats st;
        read_clip(c, &t, NULL);
        clip_stats(c, &st);
        printf("%-22s %ld frames; P: %ld of %ld inner inter blocks right; B: %ld of %ld (%ld bi); intra %ld; "
               "8x8 %ld\n",
               c->name, t.frames, t.right, t.inter, t.b_right, t.b_inter, t.bi, t.intra, t.inter8);
        printf("%-22s stream blocks %lld, exact %lld (%.1f%%), luma exact %lld (%.1f%%); skip found %lld, "
               "intra MBs %lld, field fallback %lld, derived %lld (+%lld intra), frames without vectors %lld, "
               "%.3f ms per map\n",
               c->name, (long long)st.blocks_stream, (long long)st.blocks_exact,
               st.blocks_stream ? 100.0 * st.blocks_exact / st.blocks_stream : 0, (long long)st.blocks_exact_luma,
               st.blocks_stream ? 100.0 * st.blocks_exact_luma / st.blocks_stream : 0, (long long)st.skip_found,
               (long long)st.intra_mbs, (long long)st.fallback_field, (long long)st.derived,
               (long long)st.derived_intra, (long long)st.frames_no_vectors,
               st.frames ? 1e3 * st.seconds / st.frames : 0);
        assert_int_equal(t.frames, NFRAMES);
        assert_int_equal(st.frames, NFRAMES);
        assert_true(t.inter > 0);
        assert_true(t.right * 100 >= 95 * t.inter);
        if (c->b_frames) {
            assert_true(t.b_inter > 0);
            assert_true(t.b_right * 100 >= 95 * t.b_inter);
            /* MPEG-2's bi-directional blocks come from the stream; MPEG-4
             * B blocks are derived, bi where the SAD says so */
            if (!strncmp(c->name, "mpeg2", 5))
                assert_true(t.bi > 0);
            else
                assert_true(st.derived > 0);
        }
        /* 4MV: the encoder chooses 8x8 vectors here only with qpel */
        if (strstr(c->name, "4mv"))
            assert_true(t.inter8 > 0);
        if (c->interlaced)
            assert_true(st.fallback_field > 0);
        else
            assert_int_equal(st.fallback_field, 0);
    }
}

/* Where nothing was coded on top of the prediction, fastsr's MPEG
 * prediction reproduces the decoded block exactly: at a coarse quantiser
 * (q 20) most half-pel blocks carry no residual, and a wrong filter,
 * rounding or chroma vector leaves far fewer exact. */
static void exact_prediction(void **state)
{
    (void)state;
    require_clips(__func__);
    static const Clip coarse[] = {
        { "mpeg2video q20", "mm-m2-q20.mpg", "-c:v mpeg2video -q:v 20 -bf 2", 1, 0 },
        { "mpeg4 q20", "mm-m4-q20.avi", "-c:v mpeg4 -q:v 20 -bf 0", 0, 0 },
    };
    for (int k = 0; k < 2; k++) {
        const Clip *c = &coarse[k];
        assert_int_equal(tu_run(NULL, 0, FFMPEG "-i %s -pix_fmt yuv420p %s %s", tu_tmp("mm-known.mkv"), c->args,
                                tu_tmp(c->file)),
                         0);
        FsrMpegStats st;
        clip_stats(c, &st);
        printf("%-16s %lld stream blocks: %lld exact (%.1f%%), %lld exact in luma (%.1f%%)\n", c->name,
               (long long)st.blocks_stream, (long long)st.blocks_exact, 100.0 * st.blocks_exact / st.blocks_stream,
               (long long)st.blocks_exact_luma, 100.0 * st.blocks_exact_luma / st.blocks_stream);
        assert_true(st.blocks_stream > 500);
        /* measured 70.0% (MPEG-2) and 41.5% (MPEG-4); MPEG-2's bilinear
         * rounding dropped gives 32% (scripts/mutations/mpeg-maps-no-rounding) */
        static const int min_exact[2] = { 55, 35 };
        assert_true(st.blocks_exact * 100 >= min_exact[k] * st.blocks_stream);
    }
}

/* MPEG-2 field pictures are found in the packets (libavcodec's frames do
 * not say): an elementary stream whose later pictures are marked as field
 * pictures (picture_structure patched; the decoder then conceals what it
 * cannot decode) gets all-intra maps from there on, counted, and no crash;
 * the unpatched stream has none. */
static void field_pictures(void **state)
{
    (void)state;
    require_clips(__func__);
    const char *es = tu_tmp("mm-field.m2v"), *patched = tu_tmp("mm-field-patched.m2v");
    assert_int_equal(tu_run(NULL, 0, FFMPEG "-i %s -pix_fmt yuv420p -c:v mpeg2video -q:v 2 -bf 0 %s",
                            tu_tmp("mm-known.mkv"), es),
                     0);
    FILE *in = fopen(es, "rb");
    assert_non_null(in);
    static uint8_t buf[1 << 20];
    const size_t n = fread(buf, 1, sizeof(buf), in);
    fclose(in);
    assert_true(n > 1000 && n < sizeof(buf));
    Clip c = { "field", "mm-field.m2v", "", 0, 0 };
    FsrMpegStats st;
    clip_stats(&c, &st);
    assert_int_equal(st.field_packets, 0);
    assert_int_equal(st.frames_field, 0);
    /* picture coding extensions from the 9th picture on: top field */
    int pics = 0, marked = 0;
    for (size_t i = 0; i + 6 < n; i++)
        if (!buf[i] && !buf[i + 1] && buf[i + 2] == 1 && buf[i + 3] == 0xB5 && (buf[i + 4] >> 4) == 8 && ++pics > 8) {
            buf[i + 6] = (uint8_t)((buf[i + 6] & ~3) | 1);
            marked++;
        }
    assert_true(marked > 0);
    FILE *out = fopen(patched, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(buf, 1, n, out), n);
    assert_int_equal(fclose(out), 0);
    c.file = "mm-field-patched.m2v";
    FsrSideInfo *si = NULL;
    assert_int_equal(fsr_sideinfo_open(&si, tu_tmp(c.file), NULL), 0);
    FsrSideInfoFrame f;
    int ret, frames = 0, no_map = 0;
    while ((ret = fsr_sideinfo_read(si, &f)) == 0) {
        frames++;
        if (f.map->unmodelled & FSR_UNMODELLED_NO_MAP) {
            assert_true(f.map->unmodelled & FSR_UNMODELLED_FIELD);
            assert_int_equal(f.map->counts.intra, f.map->nb_blocks);
            no_map++;
        }
    }
    assert_true(ret >= 0 || frames > 0);
    assert_int_equal(fsr_sideinfo_mpeg_stats(si, &st), 1);
    fsr_sideinfo_close(&si);
    printf("%d pictures marked as fields: %lld field packets, %d frames, %d all-intra maps\n", marked,
           (long long)st.field_packets, frames, no_map);
    assert_true(st.field_packets > 0);
    assert_true(no_map > 0);
    assert_int_equal(st.frames_field, no_map);
}

/* ---- FAST with stream maps through fsr_run ---- */

static void stream_near_search(void **state)
{
    (void)state;
    require_clips(__func__);
    /* SRCNN 9-1-5, as tests/test_motion.c */
    TuPsnrRun me;
    tu_psnr_open(&me, __func__, tu_tmp("mm-photo-hr.mkv"), 320, 192, NFRAMES);
    const char *inputs[2] = { "mm-photo-m2.mpg", "mm-photo-m4.avi" };
    for (int k = 0; k < 2; k++) {
        const char *in = tu_tmp(inputs[k]);
        FsrReport r;
        const double bic = tu_psnr_of_run(&me, in, FSR_MODE_BICUBIC, FSR_MOTION_AUTO, NULL, &r);
        const double sr = tu_psnr_of_run(&me, in, FSR_MODE_SRCNN, FSR_MOTION_AUTO, NULL, &r);
        const double search = tu_psnr_of_run(&me, in, FSR_MODE_FAST, FSR_MOTION_SEARCH, "every:8", &r);
        assert_string_equal(r.fast.motion, "search");
        const double stream = tu_psnr_of_run(&me, in, FSR_MODE_FAST, FSR_MOTION_STREAM, "every:8", &r);
        assert_string_equal(r.fast.motion, "stream");
        assert_int_equal(r.fast.searched_frames, 0);
        assert_int_equal(r.fast.stream_map_frames, NFRAMES);
        assert_true(r.fast.transferred_frames >= NFRAMES - 4);
        /* the stream's last reference picture comes out of the decoder's
         * flush without vectors: an all-intra map, so SR */
        int last_ref = NFRAMES - 1;
        while (last_ref > 0 && me.type[last_ref] == 'B')
            last_ref--;
        printf("%s: bicubic %.3f dB, srcnn %.3f dB, fast every:8 search %.3f dB, stream %.3f dB (%+.3f); "
               "%lld SR frames, %lld all-intra pictures, %.3f ms per map\n",
               inputs[k], bic, sr, search, stream, stream - search, (long long)r.sr.frames,
               (long long)r.fast.stream_fallback_frames, 1e3 * r.fast.stream_map_seconds / NFRAMES);
        assert_true(r.fast.stream_fallback_frames >= 1);
        assert_int_equal(me.key[last_ref], 1);
        /* bounds from measurement, with margin: -0.098 (MPEG-2) and -0.070
         * (MPEG-4) dB against the search on this small clip, where a third
         * of the macroblocks touch an edge (README "MPEG-2 and MPEG-4 block
         * maps") */
        assert_true(stream > search - 0.15);
        assert_true(stream > bic + 0.2);
        /* auto searches MPEG streams (the search transfers better) */
        const double au = tu_psnr_of_run(&me, in, FSR_MODE_FAST, FSR_MOTION_AUTO, "every:8", &r);
        assert_string_equal(r.fast.motion, "search");
        assert_true(fabs(au - search) < 1e-9);
    }
    tu_psnr_close(&me);
}

/* ---- damaged and truncated data ---- */

static int count_frame(void *opaque, const FsrFastFrame *f)
{
    (void)f;
    ++*(int *)opaque;
    return 0;
}

/* Copies src to dst with garbage over [a, b) and [c, d), cut at cut
 * bytes (-1: whole). */
static long damage(const char *src, const char *dst, long a, long b, long c, long d, long cut)
{
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    assert_non_null(in);
    assert_non_null(out);
    long size = 0;
    int ch;
    uint32_t seed = 91;
    while ((ch = fgetc(in)) != EOF && (cut < 0 || size < cut)) {
        if ((size >= a && size < b) || (size >= c && size < d))
            ch = (int)(tu_rand(&seed) & 0xff);
        fputc(ch, out);
        size++;
    }
    fclose(in);
    assert_int_equal(fclose(out), 0);
    return size;
}

/* One run under --motion stream: with keep_going it finishes, counting the
 * damage; without, it either finishes clean (the decoder resynchronised
 * without a word) or fails with one clear line. */
static void run_damaged(const char *path, int truncated)
{
    FsrSettings s;
    fsr_run_defaults(&s);
    s.input = path;
    int frames = 0;
    s.frame_done = count_frame;
    s.opaque = &frames;
    s.fast.keyframes = "every:8";
    s.fast.motion = FSR_MOTION_STREAM;
    s.accel.arch = NULL;
    s.threads = 1;
    FsrReport r;
    const int ret = fsr_run(&s, &r);
    if (ret == 0) {
        assert_int_equal(r.decode.damaged, 0);
    } else {
        const char *e = fsr_last_error();
        if (!strstr(e, "damaged") && !strstr(e, "truncated") && !strstr(e, "ends before"))
            fail_msg("%s", e);
        s.decode.keep_going = 1;
        frames = 0;
        assert_int_equal(fsr_run(&s, &r), 0);
        assert_true(r.decode.damaged || r.decode.truncated);
    }
    printf("%s: %s, %lld frames, %lld decode errors, %lld corrupt, damaged %d, truncated %d, %lld transferred\n",
           path, ret ? "error first" : "clean", (long long)r.frames, (long long)r.decode.decode_errors,
           (long long)r.decode.corrupt_frames, r.decode.damaged, r.decode.truncated,
           (long long)r.fast.transferred_frames);
    assert_true(r.frames > 0);
    assert_true(frames > 0);
    assert_string_equal(r.fast.motion, "stream");
    if (truncated)
        assert_true(r.frames < NFRAMES);
}

static void damaged_streams(void **state)
{
    (void)state;
    require_clips(__func__);
    const char *srcs[2] = { "mm-photo-m2.mpg", "mm-photo-m4.avi" };
    for (int k = 0; k < 2; k++) {
        const long size = tu_file_size(tu_tmp(srcs[k]));
        assert_true(size > 20000);
        char bad[1024], cut[1024];
        snprintf(bad, sizeof(bad), "%s", tu_tmp(k ? "mm-damaged.avi" : "mm-damaged.mpg"));
        snprintf(cut, sizeof(cut), "%s", tu_tmp(k ? "mm-cut.avi" : "mm-cut.mpg"));
        damage(tu_tmp(srcs[k]), bad, size * 3 / 10, size * 3 / 10 + 400, size * 6 / 10, size * 6 / 10 + 600, -1);
        run_damaged(bad, 0);
        /* the MPEG program stream pads: its video ends near 45% of the file */
        damage(tu_tmp(srcs[k]), cut, 0, 0, 0, 0, size * (k ? 55 : 30) / 100);
        run_damaged(cut, 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_vectors),
        cmocka_unit_test(exact_prediction),
        cmocka_unit_test(field_pictures),
        cmocka_unit_test(stream_near_search),
        cmocka_unit_test(damaged_streams),
    };
    return tu_result(cmocka_run_group_tests_name("mpeg_maps", tests, make_clips, NULL));
}
