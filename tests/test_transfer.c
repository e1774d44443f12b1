/* The FAST transfer: with key frames from a model that is visibly not
 * bicubic, a known translation reproduces the SR'd key frame shifted bit
 * for bit and skip-only frames are copies of it (so neither can pass by
 * per-frame bicubic); hand-made inter blocks follow their vectors, lists,
 * references and residual exactly; intra blocks are bicubic; B-frame and
 * multi-reference clips use the right references (a wrong one costs PSNR);
 * thread counts give identical output; and a tiny fastsr-bench run writes
 * valid JSON, CSV and SVG.  scripts/mutations/transfer-*.patch break each
 * of these in src/ and must make this test fail. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fastsr/bicubic.h"
#include "fastsr/eval.h"
#include "fastsr/fast.h"
#include "fastsr/model.h"
#include "fastsr/sr.h"
#include "fastsr/transfer.h"
#include "hrmc.h"
#include "sideinfo.h"
#include "transfer_internal.h"

#define FFMPEG "ffmpeg -hide_banner -loglevel error -y "
/* a deterministic texture, moving 2 LR pixels to the left per frame */
#define TEXTURE "nullsrc=s=640x360:r=25,geq=lum='128+50*sin(X/5.3)*cos(Y/3.7)+40*sin((X+2*Y)/9.1)+20*cos(X*Y/900)'" \
                ":cb=128:cr=128,crop=160:96:x='40+2*n':y=30"

static char out[65536];

/* A clip whose every block has an exact LR prediction: a diagonal pan of
 * 4 LR pixels right-to-left and 2 bottom-to-top per frame (HR vector
 * (8, 4): integer, and different per axis so that a dropped or swapped
 * component shows), coded losslessly with one reference.  (crop rounds y
 * to even for 4:2:0, hence no odd steps.)  The texture covers the top-left
 * of the scene and the rest is flat grey, so the content that enters at
 * the right and bottom edges is flat and equals the edge-clamped
 * prediction from the previous frame: the encoder has no reason for intra
 * blocks (measured: none), and with the right vectors and references
 * every HR frame is the SR'd key frame shifted, bit for bit.  (Lossless
 * x264 codes no B frames, and lossy coding brings intra blocks and
 * residuals that make "exact" impossible; B-frame references are checked
 * below with check_references, and the residual path with synthetic
 * blocks.) */
#define PAN_FLAT \
    "nullsrc=s=640x360:r=25,geq=lum='128+(50*sin(X/5.3)*cos(Y/3.7)+40*sin((X+2*Y)/9.1)+20*cos(X*Y/900))" \
    "*lt(X,170)*lt(Y,90)':cb=128:cr=128,crop=160:96:x='40+4*n':y='20+2*n'"
#define PAN_SHIFT_X 8 /* HR pixels per frame */
#define PAN_SHIFT_Y 4

static int make_clips(void **state)
{
    (void)state;
    int r = 0;
    r |= tu_run(NULL, 0, FFMPEG "-f lavfi -i \"%s\" -frames:v 12 -c:v libx264 -qp 0 -bf 0 -refs 1 -g 100 %s",
                PAN_FLAT, tu_tmp("pan-p.mp4"));
    r |= tu_run(NULL, 0, FFMPEG "-f lavfi -i \"%s\" -frames:v 24 -c:v libx264 -crf 18 -g 100 %s", TEXTURE,
                tu_tmp("pan-b.mp4"));
    r |= tu_run(NULL, 0, FFMPEG "-f lavfi -i \"%s\" -frames:v 24 -c:v libx264 -crf 18 -bf 0 -refs 4 -g 100 %s",
                TEXTURE, tu_tmp("pan-refs.mp4"));
    r |= tu_run(NULL, 0, FFMPEG "-f lavfi -i \"%s,trim=end_frame=1,loop=10:1:0\" -frames:v 10 -c:v libx264 -crf 20 "
                "-bf 0 -g 100 %s", TEXTURE, tu_tmp("static.mp4"));
    return r ? -1 : 0;
}

/* A tiny SR model that visibly changes the picture, so that a frame built
 * from the SR'd key frame cannot be mistaken for bicubic: a 3x3 unsharp
 * mask (centre 3, cross -0.5) and +12 grey levels.  The bias pair
 * (+0.5 before the ReLU, -0.5 after) keeps the ReLU out of the way for
 * all but extreme edges. */
static FsrSR *sharpen_sr(void)
{
    const int ch[4] = { 1, 1, 1, 1 }, k[3] = { 3, 1, 1 };
    FsrModel *m = NULL;
    assert_int_equal(fsr_model_open_empty(&m, "srcnn", 2, FSR_PAD_REPLICATE, 3, ch, k), 0);
    float *w = m->layers[0].weight;
    w[4] = 3.0f;
    w[1] = w[3] = w[5] = w[7] = -0.5f;
    m->layers[0].bias[0] = 0.5f;
    m->layers[1].weight[0] = 1.0f;
    m->layers[2].weight[0] = 1.0f;
    m->layers[2].bias[0] = -0.5f + 12.0f / 255.0f;
    FsrSR *sr = NULL;
    assert_int_equal(fsr_sr_open(&sr, m, &(FsrSRSettings){ .threads = 1 }), 0);
    fsr_model_close(&m);
    return sr;
}

/* What run_fast hands back per frame (display order), with the decoded LR
 * picture and its block map's counts. */
typedef struct FastOut {
    FsrPicture hr, lr;
    int key;
    char type;
    FsrTransferStats stats;
    FsrBlockMapCounts counts;
    int nb_blocks;
} FastOut;

static void copy_pic(FsrPicture *dst, const FsrPicture *src)
{
    assert_int_equal(fsr_picture_open(dst, src->w, src->h), 0);
    for (int c = 0; c < 3; c++) {
        const int w = c ? fsr_chroma_w(src->w) : src->w, h = c ? fsr_chroma_h(src->h) : src->h;
        for (int y = 0; y < h; y++)
            memcpy(dst->data[c] + y * dst->stride[c], src->data[c] + y * src->stride[c], w);
    }
}

/* Runs the FAST engine on a clip (key frames by sr, or bicubic when sr is
 * NULL); returns the number of frames. */
static int run_fast(const char *path, const char *policy, FsrSR *sr, FastOut *o, int max)
{
    memset(o, 0, sizeof(*o) * max);
    FsrSideInfo *si = NULL;
    FsrDecoderSettings ds = { 0 };
    assert_int_equal(fsr_sideinfo_open(&si, path, &ds), 0);
    FsrFastSettings fs = { 0 };
    fsr_transfer_defaults(&fs.transfer);
    fs.transfer.scale = 2;
    fs.sr = sr;
    assert_int_equal(fsr_key_policy_parse(&fs.policy, policy), 0);
    FsrFast *fast = NULL;
    assert_int_equal(fsr_fast_open(&fast, &fs), 0);
    int n = 0, eof = 0, ret = 1;
    while (!eof || ret != 1) {
        if (!eof) {
            FsrSideInfoFrame f;
            int r = fsr_sideinfo_read(si, &f);
            assert_true(r >= 0);
            if (r == 1) {
                eof = 1;
                fsr_fast_flush(fast);
            } else {
                const int64_t d = f.map->display_index;
                assert_true(d >= 0 && d < max);
                copy_pic(&o[d].lr, &f.frame.pic);
                o[d].type = f.map->type;
                o[d].counts = f.map->counts;
                o[d].nb_blocks = f.map->nb_blocks;
                assert_int_equal(fsr_fast_push(fast, &f.frame.pic, f.map, f.frame.pts, 0), 0);
            }
        }
        FsrFastFrame ff;
        while ((ret = fsr_fast_pull(fast, &ff)) == 0) {
            assert_true(n < max);
            assert_int_equal(ff.display_index, n);
            copy_pic(&o[n].hr, ff.hr);
            o[n].key = ff.key;
            o[n].stats = ff.stats;
            n++;
        }
        assert_true(ret >= 0);
    }
    fsr_fast_close(&fast);
    fsr_sideinfo_close(&si);
    return n;
}

static void free_out(FastOut *o, int n)
{
    for (int k = 0; k < n; k++) {
        fsr_picture_close(&o[k].hr);
        fsr_picture_close(&o[k].lr);
    }
}

/* PSNR of a frame's HR luma against the bicubic upscale of its own LR. */
static double psnr_vs_bicubic(const FastOut *o)
{
    FsrPicture bic;
    assert_int_equal(fsr_picture_open(&bic, o->hr.w, o->hr.h), 0);
    assert_int_equal(fsr_bicubic_picture(&bic, &o->lr, 2), 0);
    const double p = fsr_psnr_u8(o->hr.data[0], o->hr.stride[0], bic.data[0], bic.stride[0], bic.w, bic.h, 0);
    fsr_picture_close(&bic);
    return p;
}

/* The key frame must be exactly what the SR engine makes of its LR
 * picture (not bicubic, not anything else). */
static void check_key_is_sr(FsrSR *sr, const FastOut *o)
{
    assert_true(o->key);
    FsrPicture want;
    assert_int_equal(fsr_picture_open(&want, o->hr.w, o->hr.h), 0);
    assert_int_equal(fsr_sr_picture(sr, &want, &o->lr), 0);
    for (int y = 0; y < want.h; y++)
        assert_memory_equal(o->hr.data[0] + y * o->hr.stride[0], want.data[0] + y * want.stride[0], want.w);
    fsr_picture_close(&want);
    /* the model is far from bicubic: +12 levels alone is 26.5 dB */
    const double p = psnr_vs_bicubic(o);
    if (!(p < 30.0))
        fail_msg("the SR'd key frame is %.2f dB from bicubic: the model does not change the picture", p);
}

/* Frame k of the pan against frame b shifted by k - b steps, edge-clamped
 * like the prediction. */
typedef struct PanDiff {
    int max, x, y; /* largest absolute difference and where */
    double psnr;
} PanDiff;

static PanDiff pan_diff(const FastOut *o, int k, int b)
{
    const FsrPicture *a = &o[k].hr, *key = &o[b].hr;
    PanDiff r = { 0, -1, -1, 0 };
    double sq = 0;
    for (int y = 0; y < a->h; y++)
        for (int x = 0; x < a->w; x++) {
            int sx = x + PAN_SHIFT_X * (k - b), sy = y + PAN_SHIFT_Y * (k - b);
            sx = sx < key->w ? sx : key->w - 1;
            sy = sy < key->h ? sy : key->h - 1;
            const int d = a->data[0][y * a->stride[0] + x] - key->data[0][sy * key->stride[0] + sx];
            sq += (double)d * d;
            if (abs(d) > r.max) {
                r.max = abs(d);
                r.x = x;
                r.y = y;
            }
        }
    r.psnr = sq > 0 ? 10 * log10(255.0 * 255.0 * a->w * a->h / sq) : INFINITY;
    return r;
}

static void print_stats(int k, const FastOut *o)
{
    const FsrTransferStats *st = &o->stats;
    fprintf(stderr, "frame %d (%c, key %d): total %lld, copied %lld, residual %lld, intra %lld, fallback %lld, "
            "noref %lld\n", k, o->type, o->key, (long long)st->area_total, (long long)st->area_copied,
            (long long)st->area_residual, (long long)st->area_intra, (long long)st->area_fallback,
            (long long)st->area_noref);
}

/* Known motion, SR'd key frame: every later frame must be the SR'd key
 * frame shifted, exactly, made by copying blocks (no bicubic anywhere),
 * and clearly not the bicubic of its own LR picture.  With the vectors
 * ignored, a component dropped, the wrong reference or bicubic
 * references, the shifted key frame is not what comes out. */
static void test_known_translation(void **state)
{
    (void)state;
    FsrSR *sr = sharpen_sr();
    static FastOut o[16];
    const int n = run_fast(tu_tmp("pan-p.mp4"), "intra", sr, o, 16);
    assert_int_equal(n, 12);
    check_key_is_sr(sr, &o[0]);
    for (int k = 1; k < n; k++) {
        const FsrTransferStats *st = &o[k].stats;
        /* lossless and an exact integer shift: every block is a copy */
        if (o[k].key || st->area_total != 160 * 96 || st->area_copied != st->area_total ||
            st->area_intra + st->area_fallback + st->area_noref + st->area_residual != 0) {
            print_stats(k, &o[k]);
            fail_msg("frame %d: not every block was copied", k);
        }
        const PanDiff d = pan_diff(o, k, 0);
        if (d.max != 0)
            fail_msg("frame %d: differs from the key frame shifted by (%d, %d) by up to %d at HR (%d, %d), "
                     "%.2f dB", k, PAN_SHIFT_X * k, PAN_SHIFT_Y * k, d.max, d.x, d.y, d.psnr);
        /* measured 26.4-26.5 dB: the +12 offset and the sharpening */
        const double p = psnr_vs_bicubic(&o[k]);
        if (!(p < 30.0))
            fail_msg("frame %d: %.2f dB from its own bicubic: the SR'd key frame did not carry over", k, p);
    }
    free_out(o, n);
    fsr_sr_close(&sr);
}

/* A static clip: every later frame is P_Skip throughout, the transfer
 * copies every block, and the result is the SR'd key frame bit for bit
 * (which is not the bicubic of the frame). */
static void test_skip_frames_copy_exactly(void **state)
{
    (void)state;
    FsrSR *sr = sharpen_sr();
    static FastOut o[16];
    const int n = run_fast(tu_tmp("static.mp4"), "intra", sr, o, 16);
    assert_int_equal(n, 10);
    check_key_is_sr(sr, &o[0]);
    for (int k = 1; k < n; k++) {
        const FsrTransferStats *st = &o[k].stats;
        assert_false(o[k].key);
        if (o[k].counts.pskip != o[k].nb_blocks || st->area_copied != st->area_total || st->area_total != 160 * 96)
            fail_msg("frame %d: %d of %d blocks P_Skip; copied %lld of %lld", k, o[k].counts.pskip, o[k].nb_blocks,
                     (long long)st->area_copied, (long long)st->area_total);
        for (int y = 0; y < o[0].hr.h; y++)
            assert_memory_equal(o[k].hr.data[0] + y * o[k].hr.stride[0], o[0].hr.data[0] + y * o[0].hr.stride[0],
                                o[0].hr.w);
        const double p = psnr_vs_bicubic(&o[k]);
        if (!(p < 30.0))
            fail_msg("frame %d: %.2f dB from its own bicubic", k, p);
    }
    free_out(o, n);
    fsr_sr_close(&sr);
}

/* A hand-built map of 3 x 2 macroblocks (48x32 LR) over blocks[6] and a
 * 48-wide luma residual. */
static void map_3x2(FsrBlockMap *map, FsrBlock *blocks, int16_t *residual)
{
    memset(map, 0, sizeof(*map));
    map->side_info = 1;
    map->width = map->coded_w = 48;
    map->height = map->coded_h = 32;
    map->mb_w = 3;
    map->mb_h = 2;
    map->nb_blocks = 6;
    map->blocks = blocks;
    map->residual[0] = residual;
    map->residual_stride[0] = 48;
}

static const FsrPicture *no_ref(void *opaque, int64_t d)
{
    (void)opaque;
    (void)d;
    return NULL;
}

static void test_intra_blocks_are_bicubic(void **state)
{
    (void)state;
    FsrPicture lr, hr, bic;
    assert_int_equal(fsr_picture_open(&lr, 48, 32), 0);
    assert_int_equal(fsr_picture_open(&hr, 96, 64), 0);
    assert_int_equal(fsr_picture_open(&bic, 96, 64), 0);
    uint32_t seed = 4;
    tu_random_picture(&lr, &seed);
    FsrBlock blocks[6];
    memset(blocks, 0, sizeof(blocks));
    for (int i = 0; i < 6; i++) {
        blocks[i].x = (int16_t)((i % 3) * 16);
        blocks[i].y = (int16_t)((i / 3) * 16);
        blocks[i].w = blocks[i].h = 16;
        blocks[i].kind = FSR_BLOCK_INTRA;
        blocks[i].ref[0] = blocks[i].ref[1] = -1;
    }
    int16_t residual[48 * 32] = { 0 };
    FsrBlockMap map;
    map_3x2(&map, blocks, residual);
    FsrTransferSettings ts;
    fsr_transfer_defaults(&ts);
    FsrTransfer *t = NULL;
    assert_int_equal(fsr_transfer_open(&t, &ts), 0);
    FsrTransferStats st;
    assert_int_equal(fsr_transfer_frame(t, &hr, &lr, &map, no_ref, NULL, &st), 0);
    assert_int_equal(fsr_bicubic_picture(&bic, &lr, 2), 0);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < (c ? 32 : 64); y++)
            assert_memory_equal(hr.data[c] + y * hr.stride[c], bic.data[c] + y * bic.stride[c], c ? 48 : 96);
    assert_int_equal(st.area_intra, 48 * 32);
    /* an inter block whose reference is missing is bicubic too */
    blocks[4].kind = FSR_BLOCK_INTER;
    blocks[4].lists = FSR_LIST_L0;
    blocks[4].ref[0] = 7;
    blocks[4].weight[0][0] = 1;
    assert_int_equal(fsr_transfer_frame(t, &hr, &lr, &map, no_ref, NULL, &st), 0);
    assert_int_equal(st.area_noref, 256);
    for (int y = 0; y < 64; y++)
        assert_memory_equal(hr.data[0] + y * hr.stride[0], bic.data[0] + y * bic.stride[0], 96);
    fsr_transfer_close(&t);
    fsr_picture_close(&lr);
    fsr_picture_close(&hr);
    fsr_picture_close(&bic);
}

static const FsrPicture *two_refs(void *opaque, int64_t d)
{
    FsrPicture *refs = opaque;
    return d == 0 || d == 1 ? &refs[d] : NULL;
}

/* Inter blocks built by hand, on random HR references: each HR block must
 * be its reference (the one the block names, from its list) read at the
 * block's vector, edge-clamped, the bi-predicted one the rounded average
 * of its two, and the residual block that prediction plus its (constant,
 * so exactly known) upsampled residual.  Exact, and independent of any
 * encoder's choices. */
static void test_inter_blocks_follow_vectors(void **state)
{
    (void)state;
    FsrPicture lr, hr, refs[2];
    assert_int_equal(fsr_picture_open(&lr, 48, 32), 0);
    assert_int_equal(fsr_picture_open(&hr, 96, 64), 0);
    uint32_t seed = 11;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(fsr_picture_open(&refs[i], 96, 64), 0);
        tu_random_picture(&refs[i], &seed);
    }
    tu_random_picture(&lr, &seed);
    /* kind, lists, L0 ref and LR quarter-pel vector, L1 ref and vector;
     * even quarter-pel LR vectors are whole HR pixels (v / 2) at x2 */
    static const struct { int kind, lists, ref0, mx0, my0, ref1, mx1, my1, res; } spec[6] = {
        { FSR_BLOCK_PSKIP, FSR_LIST_L0, 0, 0, 0, -1, 0, 0, 0 },
        { FSR_BLOCK_INTER, FSR_LIST_L0, 1, 8, -12, -1, 0, 0, 0 },  /* reaches above the top: clamped */
        { FSR_BLOCK_INTER, FSR_LIST_L0, 0, -4, 8, -1, 0, 0, 6 },   /* with a residual of +6 */
        { FSR_BLOCK_INTER, FSR_LIST_L1, -1, 0, 0, 1, 4, -4, 0 },
        { FSR_BLOCK_INTER, FSR_LIST_L0 | FSR_LIST_L1, 0, 0, 4, 1, -8, 2, 0 },
        { FSR_BLOCK_INTER, FSR_LIST_L0, 1, 2, 6, -1, 0, 0, 0 },
    };
    FsrBlock blocks[6];
    memset(blocks, 0, sizeof(blocks));
    static int16_t residual[48 * 32];
    memset(residual, 0, sizeof(residual));
    for (int i = 0; i < 6; i++) {
        FsrBlock *b = &blocks[i];
        b->x = (int16_t)((i % 3) * 16);
        b->y = (int16_t)((i / 3) * 16);
        b->w = b->h = 16;
        b->kind = (uint8_t)spec[i].kind;
        b->lists = (uint8_t)spec[i].lists;
        b->ref[0] = spec[i].ref0;
        b->ref[1] = spec[i].ref1;
        b->mv[0][0] = (int16_t)spec[i].mx0;
        b->mv[0][1] = (int16_t)spec[i].my0;
        b->mv[1][0] = (int16_t)spec[i].mx1;
        b->mv[1][1] = (int16_t)spec[i].my1;
        for (int l = 0; l < 2; l++)
            for (int c = 0; c < 3; c++)
                b->weight[l][c] = 1;
        if (!spec[i].res)
            b->flags = FSR_BLOCK_ZERO_RESIDUAL;
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 16; x++)
                residual[(b->y + y) * 48 + b->x + x] = (int16_t)spec[i].res;
    }
    FsrBlockMap map;
    map_3x2(&map, blocks, residual);
    map.display_index = 2;
    map.type = 'B';
    FsrTransferSettings ts;
    fsr_transfer_defaults(&ts);
    FsrTransfer *t = NULL;
    assert_int_equal(fsr_transfer_open(&t, &ts), 0);
    FsrTransferStats st;
    assert_int_equal(fsr_transfer_frame(t, &hr, &lr, &map, two_refs, refs, &st), 0);
    for (int i = 0; i < 6; i++) {
        const FsrBlock *b = &blocks[i];
        for (int y = 2 * b->y; y < 2 * (b->y + 16); y++)
            for (int x = 2 * b->x; x < 2 * (b->x + 16); x++) {
                int p[2], np = 0;
                for (int l = 0; l < 2; l++) {
                    if (!(b->lists & (1 << l)))
                        continue;
                    int sx = x + b->mv[l][0] / 2, sy = y + b->mv[l][1] / 2;
                    sx = sx < 0 ? 0 : sx > 95 ? 95 : sx;
                    sy = sy < 0 ? 0 : sy > 63 ? 63 : sy;
                    const FsrPicture *r = &refs[b->ref[l]];
                    p[np++] = r->data[0][sy * r->stride[0] + sx];
                }
                int want = np == 2 ? (p[0] + p[1] + 1) >> 1 : p[0];
                want += spec[i].res;
                want = want > 255 ? 255 : want;
                const int got = hr.data[0][y * hr.stride[0] + x];
                if (got != want)
                    fail_msg("block %d (kind %d, lists %d): HR (%d, %d) is %d, want %d", i, b->kind, b->lists, x, y,
                             got, want);
            }
    }
    assert_int_equal(st.area_total, 48 * 32);
    assert_int_equal(st.area_copied, 5 * 256);
    assert_int_equal(st.area_residual, 256);
    assert_int_equal(st.area_intra + st.area_fallback + st.area_noref, 0);
    assert_true(st.residual_abs_sum == 6.0 * 256);
    fsr_transfer_close(&t);
    fsr_picture_close(&lr);
    fsr_picture_close(&hr);
    fsr_picture_close(&refs[0]);
    fsr_picture_close(&refs[1]);
}

/* The picture the sub-pel refinement test moves: smooth detail the LR
 * picture still shows, at HR position (x, y) */
static double refine_scene(double x, double y)
{
    return 128 + 45 * sin(x / 2.9) * cos(y / 3.4) + 30 * sin((x - 2 * y) / 4.3);
}

/* Sample (x, y) of plane c, at the picture's depth */
static void put_sample(FsrPicture *p, int c, int x, int y, int v)
{
    if (fsr_picture_high(p))
        ((uint16_t *)(p->data[c] + (ptrdiff_t)y * p->stride[c]))[x] = (uint16_t)v;
    else
        p->data[c][(ptrdiff_t)y * p->stride[c] + x] = (uint8_t)v;
}

static int get_sample(const FsrPicture *p, int x, int y)
{
    if (fsr_picture_high(p))
        return ((const uint16_t *)(p->data[0] + (ptrdiff_t)y * p->stride[0]))[x];
    return p->data[0][(ptrdiff_t)y * p->stride[0] + x];
}

/* v (8-bit levels) at depth bits, rounded and clamped */
static int at_depth(double v, int depth)
{
    const int m = (1 << depth) - 1, q = (int)lrint(v * (1 << (depth - 8)));
    return q < 0 ? 0 : q > m ? m : q;
}

/* A w x h picture at depth bits with mid-grey chroma; its luma is the
 * caller's to write */
static void scene_picture(FsrPicture *p, int w, int h, int depth)
{
    assert_int_equal(fsr_picture_open_depth(p, w, h, depth), 0);
    for (int c = 1; c < 3; c++)
        for (int y = 0; y < fsr_chroma_h(h); y++)
            for (int x = 0; x < fsr_chroma_w(w); x++)
                put_sample(p, c, x, y, 1 << (depth - 1));
}

/* One P picture of 3x2 single-list blocks, all coded with LR quarter-pel
 * vector (mx, my) and no residual, whose true motion is (a, b) HR pixels
 * (the picture at x reads the reference at x + a); the LR picture is the
 * true HR picture downscaled as the LR-consistency pass downscales
 * (imresize), at the reference's depth.  Returns the transferred HR
 * picture's PSNR against the true one, with the refinement on or off; hr
 * (opened by the caller at that depth) gets the picture. */
static double refine_run(FsrPicture *hr, const FsrPicture *ref, double a, double b, int mx, int my, int refine,
                         char type, int is_ref, FsrTransferStats *st)
{
    enum { LW = 48, LH = 32 };
    const int depth = fsr_picture_depth(ref);
    static double truth[2 * LW * 2 * LH], down[LW * LH];
    for (int y = 0; y < 2 * LH; y++)
        for (int x = 0; x < 2 * LW; x++)
            truth[y * 2 * LW + x] = refine_scene(x + a, y + b);
    assert_int_equal(fsr_imresize(down, LW, LH, truth, 2 * LW, 2 * LH), 0);
    FsrPicture lr;
    scene_picture(&lr, LW, LH, depth);
    for (int y = 0; y < LH; y++)
        for (int x = 0; x < LW; x++)
            put_sample(&lr, 0, x, y, at_depth(down[y * LW + x], depth));
    FsrBlock blocks[6];
    memset(blocks, 0, sizeof(blocks));
    static int16_t residual[LW * LH];
    for (int i = 0; i < 6; i++) {
        FsrBlock *bl = &blocks[i];
        bl->x = (int16_t)((i % 3) * 16);
        bl->y = (int16_t)((i / 3) * 16);
        bl->w = bl->h = 16;
        bl->kind = FSR_BLOCK_INTER;
        bl->lists = FSR_LIST_L0;
        bl->ref[1] = -1;
        bl->mv[0][0] = (int16_t)mx;
        bl->mv[0][1] = (int16_t)my;
        for (int c = 0; c < 3; c++)
            bl->weight[0][c] = bl->weight[1][c] = 1;
        bl->flags = FSR_BLOCK_ZERO_RESIDUAL;
    }
    FsrBlockMap map;
    map_3x2(&map, blocks, residual);
    map.display_index = 1;
    map.type = type;
    map.is_ref = is_ref;
    FsrTransferSettings ts;
    fsr_transfer_defaults(&ts);
    ts.refine = refine;
    ts.threads = 1;
    FsrTransfer *t = NULL;
    assert_int_equal(fsr_transfer_open(&t, &ts), 0);
    const FsrPicture refs[2] = { *ref, *ref };
    assert_int_equal(fsr_transfer_frame(t, hr, &lr, &map, two_refs, (void *)refs, st), 0);
    fsr_transfer_close(&t);
    fsr_picture_close(&lr);
    double se = 0;
    for (int y = 0; y < 2 * LH; y++)
        for (int x = 0; x < 2 * LW; x++) {
            const double e = get_sample(hr, x, y) - at_depth(truth[y * 2 * LW + x], depth);
            se += e * e;
        }
    const double peak = (1 << depth) - 1;
    return 10 * log10(peak * peak / (se / (4.0 * LW * LH)));
}

/* Sub-pel refinement (FsrTransferSettings.refine) at one depth: a motion
 * of a quarter HR pixel each way, which an LR quarter-pel vector cannot
 * express (it rounds to 0), is recovered per 4x4 cell: every cell away
 * from the picture's edges (all but a few, see below) becomes exactly the
 * reference read at that HR quarter pel, and the picture comes closer to
 * the truth by over 3 dB.  A motion the vector expresses exactly moves no
 * cell, and non-reference and B pictures are left as they were. */
static void check_refine(int depth)
{
    FsrPicture ref, on, off;
    scene_picture(&ref, 96, 64, depth);
    scene_picture(&on, 96, 64, depth);
    scene_picture(&off, 96, 64, depth);
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 96; x++)
            put_sample(&ref, 0, x, y, at_depth(refine_scene(x, y), depth));
    FsrTransferStats st_on, st_off;
    const double p_on = refine_run(&on, &ref, 0.25, -0.25, 0, 0, 1, 'P', 1, &st_on);
    const double p_off = refine_run(&off, &ref, 0.25, -0.25, 0, 0, 0, 'P', 1, &st_off);
    print_message("refinement, %d bits: %.2f dB against %.2f unrefined, %d of 96 cells moved\n", depth, p_on, p_off,
                  (int)st_on.cells_refined);
    assert_true(p_on > p_off + 3.0);
    assert_int_equal(st_off.cells_refined, 0);
    FsrHrFilter f;
    assert_int_equal(fsr_hr_filter_parse(&f, FSR_TRANSFER_DEFAULT_FILTER), 0);
    const FsrPlaneRef r = { ref.data[0], ref.stride[0], 96, 64, 0 };
    int exact = 0;
    for (int cy = 1; cy < 7; cy++)
        for (int cx = 1; cx < 11; cx++) {
            uint16_t want16[8 * 8];
            uint8_t want8[8 * 8];
            if (depth > 8)
                fsr_hrmc_block16_ref(want16, 16, &r, cx * 8, cy * 8, 8, 8, 1, -1, &f, (1 << depth) - 1);
            else
                fsr_hrmc_block_ref(want8, 8, &r, cx * 8, cy * 8, 8, 8, 1, -1, &f);
            int same = 1;
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++) {
                    const int want = depth > 8 ? want16[y * 8 + x] : want8[y * 8 + x];
                    same &= get_sample(&on, cx * 8 + x, cy * 8 + y) == want;
                }
            exact += same;
        }
    /* one linearised step: a cell with little detail across one axis may
     * stop a quarter pel short on it (3 of the 60 do at 8 bits, 4 at 10) */
    print_message("%d of the 60 inner cells at the true quarter pel\n", exact);
    assert_true(exact >= 54);
    assert_true(st_on.cells_refined >= 60);

    /* (1, 0.5) HR pixels: LR quarter-pel (2, 1), exact */
    refine_run(&on, &ref, 1.0, 0.5, 2, 1, 1, 'P', 1, &st_on);
    assert_int_equal(st_on.cells_refined, 0);
    /* pictures whose errors do not travel far: left alone */
    static const struct { char type; int is_ref; } alone[2] = { { 'P', 0 }, { 'B', 1 } };
    for (int i = 0; i < 2; i++) {
        refine_run(&on, &ref, 0.25, -0.25, 0, 0, 1, alone[i].type, alone[i].is_ref, &st_on);
        assert_int_equal(st_on.cells_refined, 0);
        for (int y = 0; y < 64; y++)
            assert_memory_equal(on.data[0] + y * on.stride[0], off.data[0] + y * off.stride[0],
                                96 * fsr_picture_bps(&on));
    }
    fsr_picture_close(&ref);
    fsr_picture_close(&on);
    fsr_picture_close(&off);
}

static void test_refine_recovers_subpel_motion(void **state)
{
    (void)state;
    check_refine(8);
    check_refine(10);
}

/* Deblocking smooths a small step on the block grid and leaves a large one. */
static void test_deblock_small_steps_only(void **state)
{
    (void)state;
    FsrPicture lr, hr[2];
    assert_int_equal(fsr_picture_open(&lr, 32, 16), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(fsr_picture_open(&hr[i], 64, 32), 0);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < (c ? 8 : 16); y++)
            for (int x = 0; x < (c ? 16 : 32); x++)
                lr.data[c][y * lr.stride[c] + x] = (uint8_t)(c ? 128 : x < 8 ? 100 : x < 16 ? 104 : 160);
    FsrBlock blocks[2];
    memset(blocks, 0, sizeof(blocks));
    for (int i = 0; i < 2; i++) {
        blocks[i].x = (int16_t)(16 * i);
        blocks[i].w = blocks[i].h = 16;
        blocks[i].kind = FSR_BLOCK_INTRA;
    }
    int16_t residual[32 * 16] = { 0 };
    FsrBlockMap map;
    memset(&map, 0, sizeof(map));
    map.side_info = 1;
    map.width = map.coded_w = 32;
    map.height = map.coded_h = 16;
    map.nb_blocks = 2;
    map.blocks = blocks;
    map.residual[0] = residual;
    map.residual_stride[0] = 32;
    for (int d = 0; d < 2; d++) {
        FsrTransferSettings ts;
        fsr_transfer_defaults(&ts);
        ts.deblock = d;
        FsrTransfer *t = NULL;
        assert_int_equal(fsr_transfer_open(&t, &ts), 0);
        assert_int_equal(fsr_transfer_frame(t, &hr[d], &lr, &map, no_ref, NULL, NULL), 0);
        fsr_transfer_close(&t);
    }
    /* HR grid lines every 16 pixels: the 4-level step at x = 16 shrinks, the
     * 56-level step at x = 32 stays, nothing else moves */
    const uint8_t *a = hr[0].data[0] + 10 * hr[0].stride[0], *b = hr[1].data[0] + 10 * hr[1].stride[0];
    assert_true(abs(b[16] - b[15]) < abs(a[16] - a[15]));
    assert_int_equal(b[31], a[31]);
    assert_int_equal(b[32], a[32]);
    for (int x = 0; x < 64; x++)
        if (x != 15 && x != 16)
            assert_int_equal(a[x], b[x]);
    fsr_picture_close(&lr);
    fsr_picture_close(&hr[0]);
    fsr_picture_close(&hr[1]);
}

/* Every frame of a clip: its bicubic HR, the LR, and a copy of its map. */
typedef struct Clip {
    int n;
    FsrPicture lr[32], bic[32];
    FsrBlockMap map[32];
    FsrBlock *blocks[32];
    int16_t *res[32];
    int shift; /* what the wrong lookup does */
} Clip;

static const FsrPicture *clip_ref(void *opaque, int64_t d)
{
    Clip *c = opaque;
    d += c->shift;
    return d >= 0 && d < c->n ? &c->bic[d] : NULL;
}

static void load_clip(const char *path, Clip *c)
{
    memset(c, 0, sizeof(*c));
    FsrSideInfo *si = NULL;
    FsrDecoderSettings ds = { 0 };
    assert_int_equal(fsr_sideinfo_open(&si, path, &ds), 0);
    FsrSideInfoFrame f;
    while (fsr_sideinfo_read(si, &f) == 0 && c->n < 32) {
        const int i = c->n++;
        assert_int_equal(fsr_picture_open(&c->lr[i], f.frame.pic.w, f.frame.pic.h), 0);
        assert_int_equal(fsr_picture_open(&c->bic[i], f.frame.pic.w * 2, f.frame.pic.h * 2), 0);
        for (int p = 0; p < 3; p++)
            for (int y = 0; y < (p ? fsr_chroma_h(f.frame.pic.h) : f.frame.pic.h); y++)
                memcpy(c->lr[i].data[p] + y * c->lr[i].stride[p], f.frame.pic.data[p] + y * f.frame.pic.stride[p],
                       p ? fsr_chroma_w(f.frame.pic.w) : f.frame.pic.w);
        assert_int_equal(fsr_bicubic_picture(&c->bic[i], &c->lr[i], 2), 0);
        c->map[i] = *f.map;
        c->blocks[i] = malloc(sizeof(FsrBlock) * f.map->nb_blocks);
        memcpy(c->blocks[i], f.map->blocks, sizeof(FsrBlock) * f.map->nb_blocks);
        c->map[i].blocks = c->blocks[i];
        const size_t nr = (size_t)f.map->coded_h * f.map->residual_stride[0];
        c->res[i] = malloc(sizeof(int16_t) * nr);
        memcpy(c->res[i], f.map->residual[0], sizeof(int16_t) * nr);
        c->map[i].residual[0] = c->res[i];
    }
    fsr_sideinfo_close(&si);
}

static void free_clip(Clip *c)
{
    for (int i = 0; i < c->n; i++) {
        fsr_picture_close(&c->lr[i]);
        fsr_picture_close(&c->bic[i]);
        free(c->blocks[i]);
        free(c->res[i]);
    }
}

/* Transferring each frame from the bicubic HR of its references must give
 * (nearly) the bicubic HR of the frame itself; the wrong references must
 * not. */
static void check_references(const char *path, int want_b)
{
    static Clip c;
    load_clip(path, &c);
    assert_true(c.n >= 20);
    FsrTransferSettings ts;
    fsr_transfer_defaults(&ts);
    ts.fallback = 0; /* judge the prediction itself */
    FsrTransfer *t = NULL;
    assert_int_equal(fsr_transfer_open(&t, &ts), 0);
    FsrPicture hr;
    assert_int_equal(fsr_picture_open(&hr, c.lr[0].w * 2, c.lr[0].h * 2), 0);
    int bframes = 0, checked = 0;
    for (int i = 1; i < c.n; i++) {
        if (c.map[i].type == 'I')
            continue;
        bframes += c.map[i].type == 'B';
        FsrTransferStats st;
        c.shift = 0;
        assert_int_equal(fsr_transfer_frame(t, &hr, &c.lr[i], &c.map[i], clip_ref, &c, &st), 0);
        const double good = fsr_psnr_u8(hr.data[0], hr.stride[0], c.bic[i].data[0], c.bic[i].stride[0], hr.w, hr.h, 2);
        c.shift = 1;
        assert_int_equal(fsr_transfer_frame(t, &hr, &c.lr[i], &c.map[i], clip_ref, &c, &st), 0);
        const double bad = fsr_psnr_u8(hr.data[0], hr.stride[0], c.bic[i].data[0], c.bic[i].stride[0], hr.w, hr.h, 2);
        if (!(good >= 36.0) || !(bad <= good - 3.0))
            fail_msg("%s frame %d (%c): right references %.2f dB, shifted ones %.2f dB", path, i, c.map[i].type, good,
                     bad);
        checked++;
    }
    assert_true(checked >= 15);
    if (want_b)
        assert_true(bframes >= 8);
    fsr_picture_close(&hr);
    fsr_transfer_close(&t);
    free_clip(&c);
}

static void test_bframes_use_right_references(void **state)
{
    (void)state;
    check_references(tu_tmp("pan-b.mp4"), 1);
}

static void test_multiref_uses_right_references(void **state)
{
    (void)state;
    check_references(tu_tmp("pan-refs.mp4"), 0);
}

static void test_threads_identical_and_bench(void **state)
{
    (void)state;
    char model[1024]; /* tu_tmp's ring is reused by the calls below */
    snprintf(model, sizeof(model), "%s", tu_tmp("tiny.safetensors"));
    assert_int_equal(tu_tiny_model(model, 2), 0);
    const char *o1 = tu_tmp("t1.mkv"), *o2 = tu_tmp("t2.mkv");
    for (int i = 0; i < 2; i++)
        assert_int_equal(tu_run(out, sizeof(out), "%s -q -y -m fast -k every:3 --model %s --preset ultrafast -t %d %s %s",
                                tu_tool("fastsr"), model, i + 1, tu_tmp("pan-b.mp4"), i ? o2 : o1), 0);
    assert_int_equal(tu_run(out, sizeof(out), "cmp %s %s", o1, o2), 0);

    /* the benchmark, end to end on the same clip as ground truth */
    const char *json = tu_tmp("bench.json"), *csv = tu_tmp("bench.csv"), *svg = tu_tmp("bench.svg");
    int rc = tu_run(out, sizeof(out), "%s --hr %s --model %s --keyframes every:4,adaptive --preset ultrafast "
                    "--json %s --csv %s --plot %s", tu_tool("fastsr-bench"), tu_tmp("pan-b.mp4"), model, json, csv, svg);
    if (rc != 0)
        fail_msg("fastsr-bench failed (%d): %s", rc, out);
    assert_non_null(strstr(out, "fast every:4"));
    assert_true(tu_read_file(json, out, sizeof(out)) >= 0);
    cJSON *o = cJSON_Parse(out);
    assert_non_null(o);
    cJSON *runs = cJSON_GetObjectItem(o, "runs");
    assert_int_equal(cJSON_GetArraySize(runs), 4); /* bicubic, srcnn, 2 fast */
    assert_int_equal(cJSON_GetObjectItem(o, "frames")->valueint, 24);
    cJSON *r3 = cJSON_GetArrayItem(runs, 2);
    assert_string_equal(cJSON_GetObjectItem(r3, "keyframes")->valuestring, "every:4");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r3, "per_frame_psnr_y")), 24);
    assert_true(cJSON_GetObjectItem(r3, "psnr_y")->valuedouble > 25);
    assert_true(cJSON_GetObjectItem(r3, "sr_frames")->valueint < 24);
    assert_non_null(cJSON_GetObjectItem(r3, "accel"));
    cJSON_Delete(o);
    FILE *f = fopen(csv, "r");
    assert_non_null(f);
    int lines = 0;
    while (fgets(out, sizeof(out), f))
        lines++;
    fclose(f);
    assert_int_equal(lines, 1 + 4 * 24);
    assert_true(tu_read_file(svg, out, sizeof(out)) >= 0);
    assert_non_null(strstr(out, "<svg"));
    assert_non_null(strstr(out, "</svg>"));
    assert_non_null(strstr(out, "<polyline"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_translation),
        cmocka_unit_test(test_skip_frames_copy_exactly),
        cmocka_unit_test(test_inter_blocks_follow_vectors),
        cmocka_unit_test(test_refine_recovers_subpel_motion),
        cmocka_unit_test(test_intra_blocks_are_bicubic),
        cmocka_unit_test(test_deblock_small_steps_only),
        cmocka_unit_test(test_bframes_use_right_references),
        cmocka_unit_test(test_multiref_uses_right_references),
        cmocka_unit_test(test_threads_identical_and_bench),
    };
    return tu_result(cmocka_run_group_tests_name("transfer", tests, make_clips, NULL));
}
