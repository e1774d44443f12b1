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

/* As tests/test_motion.c: a 640x384 window moving 6 px right and 2 px down
 * per frame, scaled to 160x96: the LR step is quarter-pel (6, 2). */
#define KNOWN_SRC                                                                                              \
    "nullsrc=s=960x640:r=25,geq=lum='128+50*sin(X/9.3)*cos(Y/7.7)+40*sin((X+2*Y)/17.1)+20*cos(X*Y/3600)'" \
    ":cb='128+30*sin(Y/13.1)':cr='128+30*cos(X/11.3)',crop=640:384:x='20+6*n':y='10+2*n',scale=160:96:flags=bicubic"
#define PHOTO_SRC "crop=320:192:300:150"
#define NFRAMES 16
#define STEP_X 6
#define STEP_Y 2

typedef struct Clip {
    const char *name, *file, *args;
    int b_frames;   /* the encoder makes B pictures */
    int interlaced; /* field prediction expected */
} Clip;

static const Clip clips[] = {
    { "mpeg2video", "mm-m2.mpg", "-c:v mpeg2video -q:v 2 -g 12 -bf 2", 1, 0 },
    { "mpeg4", "mm-m4.avi", "-c:v mpeg4 -q:v 2 -bf 2", 1, 0 },
    { "mpeg4 qpel+4mv", "mm-m4q.avi", "-c:v mpeg4 -q:v 2 -bf 2 -flags +qpel+mv4", 1, 0 },
    { "mpeg4 4mv P only", "mm-m4v.avi", "-c:v mpeg4 -q:v 4 -bf 0 -flags +mv4 -mpv_flags +mv0", 0, 0 },
    { "mpeg2video interlaced", "mm-m2i.mpg", "-c:v mpeg2video -q:v 2 -bf 2 -flags +ildct+ilme -top 1", 1, 1 },
};
#define NCLIPS ((int)(sizeof(clips) / sizeof(clips[0])))

static int have_clips;

static int make_clips(void **state)
{
    (void)state;
    if (tu_run(NULL, 0, FFMPEG "-f lavfi -i \"%s\" -frames:v %d -pix_fmt yuv420p -c:v ffv1 %s", KNOWN_SRC, NFRAMES,
               tu_tmp("mm-known.mkv")) ||
        tu_run(NULL, 0, FFMPEG "-i %s -frames:v %d -vf %s -pix_fmt yuv420p -c:v ffv1 %s",
               tu_src("samples/pan-540p.mp4"), NFRAMES, PHOTO_SRC, tu_tmp("mm-photo-hr.mkv")))
        return 0;
    for (int i = 0; i < NCLIPS; i++)
        if (tu_run(NULL, 0, FFMPEG "-i %s -pix_fmt yuv420p %s %s", tu_tmp("mm-known.mkv"), clips[i].args,
                   tu_tmp(clips[i].file)))
            return 0;
    if (tu_run(NULL, 0, FFMPEG "-i %s -vf scale=160:96:flags=bicubic -pix_fmt yuv420p %s %s",
               tu_tmp("mm-photo-hr.mkv"), clips[0].args, tu_tmp("mm-photo-m2.mpg")) ||
        tu_run(NULL, 0, FFMPEG "-i %s -vf scale=160:96:flags=bicubic -pix_fmt yuv420p %s %s",
               tu_tmp("mm-photo-hr.mkv"), clips[1].args, tu_tmp("mm-photo-m4.avi")))
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
    long frames, inter, right, bi, b_inter, b_right, intra;
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
        printf("%-22s %ld frames; P: %ld of %ld inner inter blocks right; B: %ld of %ld (%ld bi); intra %ld\n",
               c->name, t.frames, t.right, t.inter, t.b_right, t.b_inter, t.bi, t.intra);
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
        if (c->interlaced)
            assert_true(st.fallback_field > 0);
        else
            assert_int_equal(st.fallback_field, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_vectors),
    };
    return tu_result(cmocka_run_group_tests_name("mpeg_maps", tests, make_clips, NULL));
}
