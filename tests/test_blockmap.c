/* Decoder hook: block maps of clips with known motion, encoded by x264 in
 * several configurations, checked against the motion, against libavcodec's
 * own reports, and for bit-exact motion compensation (the kernels alone:
 * test_h264_mc.c). */
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavformat/avformat.h>
#include <libavutil/motion_vector.h>

#include "fastsr/blockmap.h"
#include "blockmap_build.h"
#include "h264_mc.h"
#include "h264_parse.h"
#include "avlog.h"
#include "log.h"
#include "sideinfo.h"

#define W 320
#define H 240
#define FRAMES 30
static const double SX = 3.25, SY = -1.5; /* texture displacement per frame, px */

/* ---- clip generation ---- */

typedef struct Wave {
    double fx, fy, ph, amp;
} Wave;
/* TEX_SMOOTH: long random waves in random directions, smooth and mostly
 * skip-friendly, for the exact-MC and residual checks.  Its waves happen to
 * vary much more along x than y, so a vector 1 px off vertically costs x264
 * little and whole B frames are coded with one (measured up to 10% of the
 * vectors): no fair ground for checking both components.  TEX_FULL: shorter
 * waves (6-26 px) spread evenly over all directions, so every block has
 * detail along both axes and only the true displacement predicts well. */
enum { TEX_SMOOTH, TEX_FULL };
static Wave waves[2][16];

/* A random texture, evaluated at any real position. */
static double texture(int tex, double x, double y, int plane)
{
    const Wave *w = waves[tex];
    double v = 0;
    for (int k = plane * 4; k < 8 + plane * 4; k++)
        v += w[k].amp * sin(6.283185307 * (w[k].fx * x + w[k].fy * y) + w[k].ph);
    return v;
}

static uint8_t sample(double v)
{
    long r = lround(v);
    return (uint8_t)(r < 16 ? 16 : r > 235 ? 235 : r);
}

/* Frame t shows the texture displaced by t*(SX, SY): a block of frame t is
 * found in frame r at +(t - r)*(SX, SY).  fade > 0 dims the frames
 * progressively, so that x264 uses explicit weights; alt adds a detail
 * (moving with the texture) to odd frames only, so that the frame two back
 * predicts better than the previous one and multiple references get used. */
static void make_clip(const char *path, int tex, const char *x264, double fade, double alt, int frames,
                      const char *params)
{
    const char *raw = tu_tmp("clip.yuv");
    FILE *f = fopen(raw, "wb");
    assert_non_null(f);
    uint8_t *buf = malloc(W * H * 3 / 2);
    for (int t = 0; t < frames; t++) {
        const double ox = t * SX, oy = t * SY, g = 1.0 - fade * t, a = t & 1 ? alt : 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                buf[y * W + x] =
                    sample(16 + g * (112 + texture(tex, x + ox, y + oy, 0) + a * texture(tex, x + ox, y + oy, 2)));
        for (int p = 1; p < 3; p++)
            for (int y = 0; y < H / 2; y++)
                for (int x = 0; x < W / 2; x++)
                    buf[W * H + (p - 1) * W * H / 4 + y * W / 2 + x] =
                        sample(128 + g * texture(tex, 2 * x + 0.5 + ox, 2 * y + 0.5 + oy, p));
        assert_int_equal(fwrite(buf, 1, W * H * 3 / 2, f), W * H * 3 / 2);
    }
    free(buf);
    fclose(f);
    char out[4096];
    int st = tu_run(out, sizeof(out),
                    "ffmpeg -nostdin -loglevel error -y -f rawvideo -pix_fmt yuv420p -s %dx%d -r 25 -i '%s' "
                    "-c:v libx264 -crf 20 %s %s%s%s '%s'",
                    W, H, raw, x264, params ? "-x264-params '" : "", params ? params : "", params ? "'" : "", path);
    if (st != 0)
        fprintf(stderr, "ffmpeg failed: %s\n", out);
    assert_int_equal(st, 0);
    remove(raw);
}

/* CLIP_FULL_*: the x264 configurations of A, B and C on the full texture,
 * for the known-motion checks. */
enum { CLIP_A, CLIP_B, CLIP_C, CLIP_A_NODEBLOCK, CLIP_FADE, CLIP_SYNTH, CLIP_FULL_A, CLIP_FULL_B, CLIP_FULL_C, NCLIPS };
static char clip[NCLIPS][1024];

static int setup(void **state)
{
    (void)state;
    for (int tex = 0; tex < 2; tex++) {
        uint32_t seed = 1234;
        for (int k = 0; k < 16; k++) {
            Wave *w = &waves[tex][k];
            double period, ang;
            if (tex == TEX_SMOOTH) {
                period = 6 + (tu_rand(&seed) % 1000) * 0.05; /* 6 .. 56 px */
                ang = (tu_rand(&seed) % 6283) * 0.001;
            } else {
                period = 6 + (tu_rand(&seed) % 1000) * 0.02; /* 6 .. 26 px */
                /* the 8 waves of a plane 22.5 degrees apart, +-8.6 degrees */
                ang = (k % 8) * 0.3927 + ((int)(tu_rand(&seed) % 301) - 150) * 0.001;
            }
            w->fx = cos(ang) / period;
            w->fy = sin(ang) / period;
            w->ph = (tu_rand(&seed) % 6283) * 0.001;
            w->amp = k < 8 ? 12 + tu_rand(&seed) % 10 : 6 + tu_rand(&seed) % 6;
        }
    }
    const char *names[NCLIPS] = { "a.mp4", "b.mp4", "c.mp4", "a0.mp4", "fade.mp4", "synth.mp4",
                                  "full-a.mp4", "full-b.mp4", "full-c.mp4" };
    for (int i = 0; i < NCLIPS; i++)
        snprintf(clip[i], sizeof(clip[i]), "%s", tu_tmp(names[i]));
    make_clip(clip[CLIP_A], TEX_SMOOTH, "-bf 0 -refs 1", 0, 0, FRAMES, NULL);
    make_clip(clip[CLIP_B], TEX_SMOOTH, "", 0, 0, FRAMES, NULL);
    make_clip(clip[CLIP_C], TEX_SMOOTH, "-refs 4", 0, 0.3, FRAMES, NULL);
    make_clip(clip[CLIP_A_NODEBLOCK], TEX_SMOOTH, "-bf 0 -refs 1", 0, 0, FRAMES, "no-deblock=1");
    make_clip(clip[CLIP_FADE], TEX_SMOOTH, "", 0.012, 0, FRAMES, "no-deblock=1");
    make_clip(clip[CLIP_FULL_A], TEX_FULL, "-bf 0 -refs 1", 0, 0, FRAMES, NULL);
    make_clip(clip[CLIP_FULL_B], TEX_FULL, "", 0, 0, FRAMES, NULL);
    make_clip(clip[CLIP_FULL_C], TEX_FULL, "-refs 4", 0, 0.3, FRAMES, NULL);
    /* flat colour areas, where only chroma tells references apart */
    assert_int_equal(tu_run(NULL, 0,
                            "ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=%dx%d:rate=25 -frames:v %d "
                            "-c:v libx264 -x264-params no-deblock=1 '%s'",
                            W, H, FRAMES, clip[CLIP_SYNTH]),
                     0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < NCLIPS; i++)
        if (!getenv("FASTSR_KEEP_CLIPS"))
            remove(clip[i]);
    return 0;
}

/* ---- walking a clip ---- */

typedef struct Stats {
    int frames;
    long mv_total, mv_ok;          /* test 1: interior list entries; both components right */
    long ref_bad;                  /* ... whose reference is no other picture of the clip */
    long ref_prev;                 /* ... whose reference is the previous picture */
    long predicted, zero;          /* exact-residual share */
    long pskip, pskip_zero, bskip, bskip_zero;
    long pskip_res_nonzero;        /* P-skip blocks whose residual planes hold a non-zero */
    long weighted_blocks;          /* blocks with non-default explicit weights */
    long implicit_blocks;          /* bi blocks with implicit weights other than 32/32 */
    long refidx_nonzero;
    long dropped_mv;               /* bogus (0,0) vectors dropped */
    long zero_mv_mixed;            /* (0,0) vectors left in B inter partitions smaller than 16x16 */
    long no_ref, unmodelled_frames;
    long mismatched_refs;          /* reference displayed at or after... (sanity) */
    int64_t display[64], decode[64], pts[64];
    int is_ref[64];
    char type[64];
} Stats;

static int residual_zero(const FsrBlockMap *m, const FsrBlock *b)
{
    for (int p = 0; p < 3; p++) {
        const int s = p ? 1 : 0;
        for (int y = 0; y < b->h >> s; y++)
            for (int x = 0; x < b->w >> s; x++)
                if (m->residual[p][((b->y >> s) + y) * m->residual_stride[p] + (b->x >> s) + x])
                    return 0;
    }
    return 1;
}

static void walk(const char *path, Stats *st)
{
    memset(st, 0, sizeof(*st));
    FsrSideInfo *si;
    assert_int_equal(fsr_sideinfo_open(&si, path, NULL), 0);
    assert_true(fsr_sideinfo_supported(si));
    FsrSideInfoFrame f;
    int ret;
    while ((ret = fsr_sideinfo_read(si, &f)) == 0) {
        const FsrBlockMap *m = f.map;
        assert_true(m->side_info);
        assert_int_equal(m->display_index, st->frames);
        if (st->frames < 64) {
            st->display[st->frames] = m->display_index;
            st->decode[st->frames] = m->decode_index;
            st->pts[st->frames] = m->pts;
            st->is_ref[st->frames] = m->is_ref;
            st->type[st->frames] = m->type;
        }
        st->frames++;
        st->unmodelled_frames += m->unmodelled != 0;
        st->no_ref += m->counts.no_ref + m->counts.missing_refs;
        st->predicted += m->counts.predicted;
        st->zero += m->counts.zero_residual;
        st->refidx_nonzero += m->counts.ref_nonzero_idx;
        st->dropped_mv += m->counts.dropped_mv;
        /* the blocks tile the coded picture */
        long area = 0;
        for (int i = 0; i < m->nb_blocks; i++)
            area += m->blocks[i].w * m->blocks[i].h;
        assert_int_equal(area, (long)m->coded_w * m->coded_h);
        for (int i = 0; i < m->nb_blocks; i++) {
            const FsrBlock *b = &m->blocks[i];
            const int zero = (b->flags & FSR_BLOCK_ZERO_RESIDUAL) != 0;
            if (b->kind == FSR_BLOCK_INTRA) {
                assert_int_equal(b->lists, 0);
                continue;
            }
            if (b->flags & FSR_BLOCK_NO_REF)
                continue;
            /* a flagged block really has an all-zero residual, and back */
            assert_int_equal(zero, residual_zero(m, b));
            if (b->kind == FSR_BLOCK_PSKIP) {
                st->pskip++;
                st->pskip_zero += zero;
                st->pskip_res_nonzero += !residual_zero(m, b);
            }
            if (b->kind == FSR_BLOCK_BSKIP) {
                st->bskip++;
                st->bskip_zero += zero;
            }
            for (int l = 0; l < 2; l++)
                if ((b->lists & (1 << l)) && (b->log2_denom[0] != 0 && b->log2_denom[0] != 5))
                    st->weighted_blocks++;
            if (b->lists == 3 && b->log2_denom[0] == 5 && b->weight[0][0] != 32)
                st->implicit_blocks++;
            if (m->type == 'B' && b->kind == FSR_BLOCK_INTER && (b->w < 16 || b->h < 16))
                for (int l = 0; l < 2; l++)
                    st->zero_mv_mixed += (b->lists & (1 << l)) && !b->mv[l][0] && !b->mv[l][1];
            /* test 1: away from the edges, vector = (display distance to the
             * block's reference) * step, both components within half a
             * pixel: a wrong reference moves the expected vector by a whole
             * step (13, -6 quarter-pels) per picture */
            if (b->x < 32 || b->y < 32 || b->x + b->w > W - 32 || b->y + b->h > H - 32)
                continue;
            for (int l = 0; l < 2; l++) {
                if (!(b->lists & (1 << l)))
                    continue;
                const int r = b->ref[l];
                st->mv_total++;
                if (r < 0 || r >= FRAMES || r == m->display_index) {
                    st->ref_bad++;
                    continue;
                }
                st->ref_prev += r == m->display_index - 1;
                const double d = (double)(m->display_index - r);
                const int okx = fabs(b->mv[l][0] - 4 * SX * d) <= 2, oky = fabs(b->mv[l][1] - 4 * SY * d) <= 2;
                st->mv_ok += okx && oky;
            }
        }
    }
    assert_int_equal(ret, 1);
    fsr_sideinfo_close(&si);
}

static double share(long a, long b) { return b ? (double)a / b : 0; }

static Stats stats[NCLIPS];
static int walked[NCLIPS];

static const Stats *get(int c)
{
    if (!walked[c]) {
        walk(clip[c], &stats[c]);
        walked[c] = 1;
        const Stats *s = &stats[c];
        printf("clip %s: %d frames, vectors consistent (both components, reference) %ld/%ld (%.2f%%), exact residual %ld/%ld (%.2f%%), "
               "P-skip exact %ld/%ld, B-skip exact %ld/%ld, weighted blocks %ld, implicit %ld, ref_idx>0 %ld, "
               "no-ref %ld, unmodelled frames %ld, bogus (0,0) dropped %ld, left %ld\n",
               clip[c], s->frames, s->mv_ok, s->mv_total, 100 * share(s->mv_ok, s->mv_total), s->zero, s->predicted,
               100 * share(s->zero, s->predicted), s->pskip_zero, s->pskip, s->bskip_zero, s->bskip,
               s->weighted_blocks, s->implicit_blocks, s->refidx_nonzero, s->no_ref, s->unmodelled_frames, s->dropped_mv,
               s->zero_mv_mixed);
    }
    return &stats[c];
}

/* ---- 1. known motion ---- */

/* On the full texture both components of nearly every vector must match the
 * motion, with the block's reference: measured 100% (-bf 0 -refs 1), 100%
 * (defaults), 99.88% (-refs 4: a handful of 8x8 partitions off).  Any
 * vector component or reference picture mixed up for one list or for
 * ref_idx > 0 costs far more than the 1% allowed. */
static void check_motion(int c)
{
    const Stats *s = get(c);
    assert_int_equal(s->frames, FRAMES);
    assert_int_equal(s->unmodelled_frames, 0);
    assert_int_equal(s->no_ref, 0);
    assert_true(s->mv_total > 4000);
    assert_int_equal(s->ref_bad, 0);
    assert_true(share(s->mv_ok, s->mv_total) >= 0.99);
}

static void test_motion_single_ref(void **state)
{
    (void)state;
    check_motion(CLIP_FULL_A);
    /* one reference, no B frames: every vector is right and points into the
     * previous picture */
    const Stats *s = get(CLIP_FULL_A);
    assert_int_equal(s->mv_ok, s->mv_total);
    assert_int_equal(s->ref_prev, s->mv_total);
    assert_int_equal(s->refidx_nonzero, 0);
}

static void test_motion_x264_defaults(void **state)
{
    (void)state;
    check_motion(CLIP_FULL_B);
    assert_true(get(CLIP_FULL_B)->dropped_mv > 0);
    /* B frames: list 1 points forward, so not every reference is the previous picture */
    assert_true(get(CLIP_FULL_B)->ref_prev < get(CLIP_FULL_B)->mv_total * 3 / 4);
    /* no bogus (0,0) vector of an unused list survives in B partitions */
    assert_int_equal(get(CLIP_B)->zero_mv_mixed, 0);
}

static void test_motion_refs4(void **state)
{
    (void)state;
    check_motion(CLIP_FULL_C);
    /* the detail on odd frames made older references worth using */
    assert_true(get(CLIP_FULL_C)->refidx_nonzero > 1000);
    assert_int_equal(get(CLIP_C)->zero_mv_mixed, 0);
}

/* ---- 2. exact motion compensation ---- */

static void test_exact_mc_pskip(void **state)
{
    (void)state;
    const Stats *s = get(CLIP_A_NODEBLOCK);
    assert_true(s->pskip > 500);
    assert_int_equal(s->pskip_zero, s->pskip);
    assert_int_equal(s->pskip_res_nonzero, 0);
}

static void test_exact_mc_weighted(void **state)
{
    (void)state;
    /* fade, x264 defaults without deblocking: explicit weights in P slices,
     * implicit weights in B slices; every skip block must be exact */
    const Stats *s = get(CLIP_FADE);
    assert_int_equal(s->unmodelled_frames, 0);
    assert_true(s->weighted_blocks > 100);
    assert_true(s->implicit_blocks > 0);
    assert_true(s->pskip > 50);
    assert_int_equal(s->pskip_zero, s->pskip);
    assert_true(s->bskip > 200);
    assert_int_equal(s->bskip_zero, s->bskip);
}

static void test_exact_mc_flat_areas(void **state)
{
    (void)state;
    const Stats *s = get(CLIP_SYNTH);
    assert_int_equal(s->unmodelled_frames, 0);
    assert_true(s->pskip > 100 && s->bskip > 1000);
    assert_int_equal(s->pskip_zero, s->pskip);
    assert_int_equal(s->bskip_zero, s->bskip);
}

/* Every predicted block's prediction, recomputed from the block's own
 * fields with the per-sample reference filters and the weighting formula of
 * blockmap.h, on copies of the decoded reference pictures. */
static void check_prediction(const char *path)
{
    /* first pass: the decoded pictures (B frames refer to later ones) */
    static uint8_t frames[FRAMES][W * H * 3 / 2];
    FsrSideInfo *si;
    FsrSideInfoFrame f;
    assert_int_equal(fsr_sideinfo_open(&si, path, NULL), 0);
    for (int n = 0; fsr_sideinfo_read(si, &f) == 0; n++) {
        assert_true(n < FRAMES);
        for (int p = 0; p < 3; p++)
            for (int y = 0; y < (p ? H / 2 : H); y++)
                memcpy(frames[n] + (p ? W * H + (p - 1) * W * H / 4 : 0) + y * (p ? W / 2 : W),
                       f.frame.pic.data[p] + y * f.frame.pic.stride[p], p ? W / 2 : W);
    }
    fsr_sideinfo_close(&si);
    uint8_t *pred = malloc(W * H * 3 / 2);
    FsrPicture out = { W, H, { pred, pred + W * H, pred + W * H * 5 / 4 }, { W, W / 2, W / 2 }, NULL, 8 };
    long checked = 0, bi = 0, weighted = 0;
    assert_int_equal(fsr_sideinfo_open(&si, path, NULL), 0);
    while (fsr_sideinfo_read(si, &f) == 0) {
        const FsrBlockMap *m = f.map;
        const int n = (int)m->display_index;
        assert_int_equal(fsr_blockmap_prediction(m, &f.frame.pic, &out), 0);
        for (int i = 0; i < m->nb_blocks; i++) {
            const FsrBlock *b = &m->blocks[i];
            if (b->kind == FSR_BLOCK_INTRA || (b->flags & FSR_BLOCK_NO_REF))
                continue;
            for (int p = 0; p < 3; p++) {
                const int sh = p ? 1 : 0, pw = p ? W / 2 : W, ph = p ? H / 2 : H;
                const size_t off = p ? W * H + (p - 1) * W * H / 4 : 0;
                uint8_t lp[2][16 * 16];
                for (int l = 0; l < 2; l++) {
                    if (!(b->lists & (1 << l)))
                        continue;
                    assert_true(b->ref[l] >= 0 && b->ref[l] < n + 8 && b->ref[l] != n);
                    const FsrPlaneRef ref = { frames[b->ref[l]] + off, pw, pw, ph, 0 };
                    if (p)
                        fsr_h264_mc_chroma_ref(lp[l], 16, &ref, b->x / 2, b->y / 2, b->mv[l][0], b->mv[l][1],
                                               b->w / 2, b->h / 2);
                    else
                        fsr_h264_mc_luma_ref(lp[l], 16, &ref, b->x, b->y, b->mv[l][0], b->mv[l][1], b->w, b->h);
                }
                const int d = b->log2_denom[sh];
                for (int y = 0; y < b->h >> sh; y++)
                    for (int x = 0; x < b->w >> sh; x++) {
                        int v;
                        if (b->lists == 3) {
                            v = ((lp[0][y * 16 + x] * b->weight[0][p] + lp[1][y * 16 + x] * b->weight[1][p] + (1 << d)) >>
                                 (d + 1)) +
                                ((b->offset[0][p] + b->offset[1][p] + 1) >> 1);
                        } else {
                            const int l = b->lists == 2;
                            v = ((lp[l][y * 16 + x] * b->weight[l][p] + (d ? 1 << (d - 1) : 0)) >> d) + b->offset[l][p];
                        }
                        v = v < 0 ? 0 : v > 255 ? 255 : v;
                        assert_int_equal(out.data[p][((b->y >> sh) + y) * out.stride[p] + (b->x >> sh) + x], v);
                    }
            }
            checked++;
            bi += b->lists == 3;
            weighted += b->log2_denom[0] != 0;
        }
    }
    fsr_sideinfo_close(&si);
    free(pred);
    printf("%s: %ld predictions recomputed (%ld bi, %ld weighted)\n", path, checked, bi, weighted);
    assert_true(checked > 1000);
}

static void test_prediction_matches_reference(void **state)
{
    (void)state;
    check_prediction(clip[CLIP_B]);
    check_prediction(clip[CLIP_FADE]);
}

/* ---- 4. reference recovery ---- */

static void test_reference_recovery(void **state)
{
    (void)state;
    const Stats *a = get(CLIP_A), *b = get(CLIP_B), *c = get(CLIP_C);
    const double sa = share(a->zero, a->predicted);
    assert_true(sa > 0.05);
    assert_true(share(b->zero, b->predicted) >= 0.9 * sa);
    assert_true(share(c->zero, c->predicted) >= 0.9 * sa);
    /* multi-reference clips really used other references */
    assert_true(c->refidx_nonzero > 0);
}

/* ---- 3. skip / intra flags against libavcodec's own reports ---- */

typedef struct Ref {
    char types[64][(W / 16) * (H / 16)];
    int ntables, cell, field;
    int64_t pts_decode[64][2]; /* pts, packet index */
    int nal_ref[64];
    int npkts;
} Ref;

static void ref_log(void *opaque, int level, const char *fmt, va_list vl)
{
    Ref *r = opaque;
    (void)vl;
    if (level != AV_LOG_DEBUG)
        return;
    if (!strncmp(fmt, "New frame", 9)) {
        r->ntables++;
        r->cell = 0;
        r->field = 0;
    } else if (!strcmp(fmt, "%2d")) {
        r->field = 1;
    } else if (r->ntables > 0 && r->ntables <= 64 && fmt[0] && !fmt[1] && fmt[0] != '\n' && r->field) {
        if (r->field == 1 && r->cell < (W / 16) * (H / 16))
            r->types[r->ntables - 1][r->cell++] = fmt[0];
        r->field = r->field == 3 ? 0 : r->field + 1;
    }
}

static void test_flags_match_libavcodec(void **state)
{
    (void)state;
    const char *path = clip[CLIP_B];
    /* libavcodec directly: type table per output frame, vectors per MB */
    Ref *r = calloc(1, sizeof(*r));
    AVFormatContext *fmt = NULL;
    assert_int_equal(avformat_open_input(&fmt, path, NULL, NULL), 0);
    assert_true(avformat_find_stream_info(fmt, NULL) >= 0);
    const AVCodec *codec = avcodec_find_decoder(AV_CODEC_ID_H264);
    AVCodecContext *avctx = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(avctx, fmt->streams[0]->codecpar);
    avctx->thread_count = 1;
    avctx->debug |= FF_DEBUG_MB_TYPE | FF_DEBUG_QP;
    avctx->export_side_data |= AV_CODEC_EXPORT_DATA_MVS;
    assert_int_equal(fsr_avlog_register(avctx, ref_log, r), 0);
    assert_int_equal(avcodec_open2(avctx, codec, NULL), 0);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *fr = av_frame_alloc();
    static uint8_t has_mv[64][(W / 16) * (H / 16)];
    memset(has_mv, 0, sizeof(has_mv));
    int nframes = 0, eof = 0;
    while (!eof) {
        int ret = av_read_frame(fmt, pkt);
        if (ret < 0) {
            eof = 1;
            avcodec_send_packet(avctx, NULL);
        } else {
            if (r->npkts < 64) {
                r->pts_decode[r->npkts][0] = pkt->pts;
                r->pts_decode[r->npkts][1] = r->npkts;
                /* first VCL NAL's nal_ref_idc; MP4 NALs have 4-byte lengths */
                const uint8_t *q = pkt->data, *end = pkt->data + pkt->size;
                r->nal_ref[r->npkts] = -1;
                while (end - q > 4) {
                    uint32_t len = (uint32_t)q[0] << 24 | q[1] << 16 | q[2] << 8 | q[3];
                    q += 4;
                    if ((q[0] & 31) == 1 || (q[0] & 31) == 5) {
                        r->nal_ref[r->npkts] = (q[0] >> 5) & 3;
                        break;
                    }
                    q += len;
                }
                r->npkts++;
            }
            avcodec_send_packet(avctx, pkt);
            av_packet_unref(pkt);
        }
        while (avcodec_receive_frame(avctx, fr) == 0) {
            const AVFrameSideData *sd = av_frame_get_side_data(fr, AV_FRAME_DATA_MOTION_VECTORS);
            if (sd && nframes < 64)
                for (size_t i = 0; i < sd->size / sizeof(AVMotionVector); i++) {
                    const AVMotionVector *v = (const AVMotionVector *)sd->data + i;
                    int mb = (v->dst_y / 16) * (W / 16) + v->dst_x / 16;
                    if (mb >= 0 && mb < (W / 16) * (H / 16))
                        has_mv[nframes][mb] = 1;
                }
            nframes++;
            av_frame_unref(fr);
        }
    }
    fsr_avlog_unregister(avctx);
    avcodec_free_context(&avctx);
    avformat_close_input(&fmt);
    av_packet_free(&pkt);
    av_frame_free(&fr);
    assert_int_equal(nframes, FRAMES);
    assert_int_equal(r->ntables, FRAMES);

    /* fastsr's maps against it */
    FsrSideInfo *si;
    assert_int_equal(fsr_sideinfo_open(&si, path, NULL), 0);
    FsrSideInfoFrame f;
    int n = 0, skips = 0, intras = 0, b_ref = 0, b_nonref = 0;
    while (fsr_sideinfo_read(si, &f) == 0) {
        const FsrBlockMap *m = f.map;
        assert_int_equal(m->mb_w, W / 16);
        for (int i = 0; i < m->nb_blocks; i++) {
            const FsrBlock *b = &m->blocks[i];
            const int mb = (b->y / 16) * m->mb_w + b->x / 16;
            const char t = r->types[n][mb];
            const int intra = t == 'i' || t == 'I' || t == 'P' || t == 'A';
            const int kind = intra ? FSR_BLOCK_INTRA : t == 'S' ? FSR_BLOCK_PSKIP : t == 'd' ? FSR_BLOCK_BSKIP
                                                  : t == 'D' ? FSR_BLOCK_DIRECT : FSR_BLOCK_INTER;
            assert_int_equal(b->kind, kind);
            /* intra exactly where libavcodec exported no vector */
            assert_int_equal(intra, !has_mv[n][mb]);
            assert_int_equal(intra, b->lists == 0);
            skips += kind == FSR_BLOCK_PSKIP || kind == FSR_BLOCK_BSKIP;
            intras += intra;
        }
        /* 5. decode order and reference flags, from the packets */
        int k;
        for (k = 0; k < r->npkts && r->pts_decode[k][0] != m->pts; k++)
            ;
        assert_true(k < r->npkts);
        assert_int_equal(m->decode_index, r->pts_decode[k][1]);
        assert_int_equal(m->is_ref, r->nal_ref[k] > 0);
        if (m->type == 'B') {
            b_ref += m->is_ref;
            b_nonref += !m->is_ref;
        }
        n++;
    }
    fsr_sideinfo_close(&si);
    assert_int_equal(n, FRAMES);
    assert_true(skips > 100);
    assert_true(intras > 0);
    /* b-pyramid: some B frames are references, some not */
    assert_true(b_ref > 0);
    assert_true(b_nonref > 0);
    free(r);
}

/* ---- 5. display / decode order on the b-pyramid clip ---- */

static void test_bframe_order(void **state)
{
    (void)state;
    const Stats *s = get(CLIP_B);
    int seen[FRAMES] = { 0 }, reordered = 0;
    for (int i = 0; i < FRAMES; i++) {
        assert_int_equal(s->display[i], i);
        assert_true(s->decode[i] >= 0 && s->decode[i] < FRAMES);
        assert_false(seen[s->decode[i]]);
        seen[s->decode[i]] = 1;
        reordered += s->decode[i] != i;
        if (s->type[i] == 'P' || s->type[i] == 'I')
            assert_true(s->is_ref[i]);
        /* pts grows with display order */
        if (i)
            assert_true(s->pts[i] > s->pts[i - 1]);
    }
    assert_true(reordered > 0);
}

/* ---- several decoders at once, in threads: each reads its own table ---- */

typedef struct Digest {
    const char *path;
    uint64_t hash;
    int frames;
} Digest;

static void *digest_clip(void *arg)
{
    Digest *d = arg;
    FsrSideInfo *si;
    d->hash = 1469598103934665603ull;
    if (fsr_sideinfo_open(&si, d->path, NULL) < 0)
        return NULL;
    FsrSideInfoFrame f;
    while (fsr_sideinfo_read(si, &f) == 0) {
        const FsrBlockMap *m = f.map;
        for (int i = 0; i < m->nb_blocks; i++) {
            const FsrBlock *b = &m->blocks[i];
            const int v[] = { b->x, b->y, b->w, b->kind, b->lists, b->qp, b->flags, b->mv[0][0], b->mv[0][1],
                              b->mv[1][0], b->mv[1][1], b->ref[0], b->ref[1] };
            for (size_t k = 0; k < sizeof(v) / sizeof(*v); k++)
                d->hash = (d->hash ^ (uint32_t)v[k]) * 1099511628211ull;
        }
        d->frames++;
    }
    fsr_sideinfo_close(&si);
    return NULL;
}

static void test_parallel_decoders(void **state)
{
    (void)state;
    Digest seq[2] = { { clip[CLIP_B], 0, 0 }, { clip[CLIP_C], 0, 0 } }, par[2] = { seq[0], seq[1] };
    digest_clip(&seq[0]);
    digest_clip(&seq[1]);
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, digest_clip, &par[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(par[i].frames, FRAMES);
        assert_true(par[i].hash == seq[i].hash);
    }
    assert_true(seq[0].hash != seq[1].hash);
}

/* ---- 6. robustness ---- */

static void copy_damaged(const char *src, const char *dst, double keep, int corrupt)
{
    FILE *f = fopen(src, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n);
    assert_int_equal(fread(buf, 1, n, f), n);
    fclose(f);
    uint32_t seed = 99;
    if (corrupt)
        for (int i = 0; i < 60; i++)
            buf[n / 5 + tu_rand(&seed) % (n / 2)] ^= (uint8_t)(1 + tu_rand(&seed) % 255);
    f = fopen(dst, "wb");
    assert_int_equal(fwrite(buf, 1, (size_t)(n * keep), f), (size_t)(n * keep));
    fclose(f);
    free(buf);
}

/* What reading a damaged stream to its end gave. */
typedef struct ReadAll {
    int ret;                 /* fsr_sideinfo_open's error, or the last fsr_sideinfo_read's */
    int frames;              /* block maps read */
    int corrupt_maps;        /* ... flagged corrupt (the decoder concealed errors) */
    int64_t decode_errors;   /* packets the decoder rejected */
    int64_t corrupt_frames;  /* the decoder's count of concealed frames */
    int truncated;
    char error[512];         /* fsr_last_error() when ret < 0 */
} ReadAll;

static ReadAll read_all(const char *path)
{
    ReadAll r;
    memset(&r, 0, sizeof(r));
    FsrSideInfo *si;
    r.ret = fsr_sideinfo_open(&si, path, NULL);
    if (r.ret >= 0) {
        FsrSideInfoFrame f;
        while ((r.ret = fsr_sideinfo_read(si, &f)) == 0) {
            assert_true(f.map->side_info);
            assert_true(f.map->nb_blocks > 0);
            assert_int_equal(f.map->display_index, r.frames);
            r.frames++;
            r.corrupt_maps += f.map->corrupt != 0;
        }
        const FsrDecoder *d = fsr_sideinfo_decoder(si);
        r.decode_errors = d->decode_errors;
        r.corrupt_frames = d->corrupt_frames;
        r.truncated = d->truncated;
        fsr_sideinfo_close(&si);
    }
    if (r.ret < 0)
        snprintf(r.error, sizeof(r.error), "%s", fsr_last_error());
    printf("%s: ret %d, %d maps (%d corrupt), decoder: %lld rejected packets, %lld concealed frames, "
           "truncated %d%s%s\n",
           path, r.ret, r.frames, r.corrupt_maps, (long long)r.decode_errors, (long long)r.corrupt_frames,
           r.truncated, r.ret < 0 ? ", error: " : "", r.error);
    return r;
}

/* 60 flipped bytes in the middle of src, written to dst: every frame
 * still comes out (errors concealed, not fatal), the damaged ones flagged
 * in their maps, as many as the decoder counted, and some left undamaged. */
static void check_corruption_concealed(const char *src, const char *dst)
{
    copy_damaged(src, dst, 1.0, 1);
    const ReadAll r = read_all(dst);
    assert_int_equal(r.ret, 1);
    assert_int_equal(r.frames, FRAMES);
    assert_true(r.corrupt_maps > 0 && r.corrupt_maps < FRAMES);
    assert_int_equal(r.corrupt_maps, r.corrupt_frames);
}

static void test_damaged_streams(void **state)
{
    (void)state;
    /* Annex B elementary stream with the same content: no timestamps, matched by decode order */
    const char *es = tu_tmp("b.h264");
    assert_int_equal(tu_run(NULL, 0, "ffmpeg -nostdin -loglevel error -y -i '%s' -c copy -bsf:v h264_mp4toannexb '%s'",
                            clip[CLIP_B], es), 0);
    Stats s;
    walk(es, &s);
    assert_int_equal(s.frames, FRAMES);
    assert_int_equal(s.unmodelled_frames, 0);
    assert_int_equal(s.zero, get(CLIP_B)->zero);

    /* Cut at 80%: every frame before the cut comes out, the one cut in
     * the middle concealed and counted (in its map and the decoder's
     * counter), the stream then ends normally (1). */
    const char *trunc = tu_tmp("trunc.h264");
    copy_damaged(es, trunc, 0.8, 0);
    ReadAll r = read_all(trunc);
    assert_int_equal(r.ret, 1);
    assert_true(r.frames >= 3 && r.frames < FRAMES);
    assert_int_equal(r.corrupt_maps, 1);
    assert_int_equal(r.corrupt_frames, 1);

    /* flipped bytes in the elementary stream, and the same in MP4 (the
     * damage hits sample data, the index survives) */
    const char *bad = tu_tmp("corrupt.h264");
    check_corruption_concealed(es, bad);
    const char *badmp4 = tu_tmp("corrupt.mp4");
    check_corruption_concealed(clip[CLIP_B], badmp4);

    /* half an MP4: ffmpeg writes the index (moov) last, so nothing can be
     * read, and the error names the file and says why */
    const char *truncmp4 = tu_tmp("trunc.mp4");
    copy_damaged(clip[CLIP_B], truncmp4, 0.5, 0);
    r = read_all(truncmp4);
    assert_int_equal(r.ret, FSR_ERR_INVALIDDATA);
    assert_int_equal(r.frames, 0);
    assert_non_null(strstr(r.error, truncmp4));
    assert_non_null(strstr(r.error, "damaged beyond use"));

    /* not a video at all */
    const char *txt = tu_tmp("notvideo.mp4");
    FILE *f = fopen(txt, "w");
    fputs("hello\n", f);
    fclose(f);
    assert_true(read_all(txt).ret < 0);
    assert_non_null(strstr(fsr_last_error(), "notvideo.mp4"));
    remove(es);
    remove(trunc);
    remove(bad);
    remove(badmp4);
    remove(truncmp4);
    remove(txt);
}

/* ---- the probe tool ---- */

static void test_probe_tool(void **state)
{
    (void)state;
    static char out[1 << 16];
    const char *json = tu_tmp("probe.jsonl"), *draw = tu_tmp("probe.y4m");
    assert_int_equal(tu_run(out, sizeof(out), "'%s' --json '%s' --draw '%s' '%s'", tu_tool("fastsr-probe"), json,
                            draw, clip[CLIP_B]), 0);
    assert_non_null(strstr(out, "30 frames"));
    assert_true(tu_file_size(draw) > W * H * 3 / 2 * FRAMES);
    /* one JSON object per frame in display order */
    FILE *f = fopen(json, "r");
    assert_non_null(f);
    static char line[1 << 20];
    int n = 0;
    while (fgets(line, sizeof(line), f)) {
        char want[64];
        snprintf(want, sizeof(want), "{\"display\":%d,\"decode\":", n);
        assert_true(!strncmp(line, want, strlen(want)));
        assert_non_null(strstr(line, "\"blocks\":[{\"x\":0,\"y\":0,\"w\":"));
        n++;
    }
    fclose(f);
    assert_int_equal(n, FRAMES);
    const char *mp4 = tu_tmp("probe-draw.mp4");
    assert_int_equal(tu_run(out, sizeof(out), "'%s' -q --frames 5 --draw '%s' '%s'", tu_tool("fastsr-probe"), mp4,
                            clip[CLIP_A]), 0);
    assert_true(tu_file_size(mp4) > 1000);
    /* errors */
    assert_int_equal(tu_run(out, sizeof(out), "'%s' --help", tu_tool("fastsr-probe")), 0);
    assert_int_equal(tu_run(out, sizeof(out), "'%s' --bogus x", tu_tool("fastsr-probe")), 2);
    assert_int_equal(tu_run(out, sizeof(out), "'%s'", tu_tool("fastsr-probe")), 2);
    assert_int_equal(tu_run(out, sizeof(out), "'%s' /nonexistent.mp4", tu_tool("fastsr-probe")), 1);
    assert_non_null(strstr(out, "/nonexistent.mp4"));
    /* a codec without side information says so, and shows the motion
     * search's maps: an intra first frame, then inter blocks */
    const char *m4v = tu_tmp("ffv1.mkv");
    assert_int_equal(tu_run(NULL, 0, "ffmpeg -nostdin -loglevel error -y -i '%s' -frames:v 3 -c:v ffv1 '%s'",
                            clip[CLIP_A], m4v), 0);
    const char *pj = tu_tmp("probe-m4.jsonl");
    assert_int_equal(tu_run(out, sizeof(out), "'%s' --json '%s' '%s'", tu_tool("fastsr-probe"), pj, m4v), 0);
    assert_non_null(strstr(out, "no side information"));
    assert_non_null(strstr(out, "motion search"));
    char jtext[1 << 16];
    assert_true(tu_read_file(pj, jtext, sizeof(jtext)) > 0);
    assert_non_null(strstr(jtext, "\"intra\""));
    assert_non_null(strstr(jtext, "\"inter\""));
    /* the benchmark runs */
    assert_int_equal(tu_run(out, sizeof(out), "'%s' --bench --runs 1 '%s'", tu_tool("fastsr-probe"), clip[CLIP_A]), 0);
    assert_non_null(strstr(out, "plain decode"));
    remove(json);
    remove(draw);
    remove(mp4);
    remove(m4v);
}

static void test_implicit_weights(void **state)
{
    (void)state;
    int w0, w1;
    /* halfway: equal weights */
    fsr_h264_implicit_weights(4, 0, 8, 0, 0, &w0, &w1);
    assert_int_equal(w0, 32);
    assert_int_equal(w1, 32);
    /* a quarter of the way: tb 2, td 8, tx 2048, DistScaleFactor 64 -> w1 16 */
    fsr_h264_implicit_weights(2, 0, 8, 0, 0, &w0, &w1);
    assert_int_equal(w0, 48);
    assert_int_equal(w1, 16);
    /* long-term references fall back to the default */
    fsr_h264_implicit_weights(2, 0, 8, 1, 0, &w0, &w1);
    assert_int_equal(w0, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_implicit_weights),
        cmocka_unit_test(test_motion_single_ref),
        cmocka_unit_test(test_motion_x264_defaults),
        cmocka_unit_test(test_motion_refs4),
        cmocka_unit_test(test_exact_mc_pskip),
        cmocka_unit_test(test_exact_mc_weighted),
        cmocka_unit_test(test_exact_mc_flat_areas),
        cmocka_unit_test(test_prediction_matches_reference),
        cmocka_unit_test(test_reference_recovery),
        cmocka_unit_test(test_flags_match_libavcodec),
        cmocka_unit_test(test_bframe_order),
        cmocka_unit_test(test_parallel_decoders),
        cmocka_unit_test(test_damaged_streams),
        cmocka_unit_test(test_probe_tool),
    };
    return tu_result(cmocka_run_group_tests(tests, setup, teardown));
}
