/* Region SR inside transferred frames (the "regions" key-frame policy): on
 * a clip whose background stands still and where a textured object
 * appears in frame OBJ_FRAME, the frame where it appears gets SR on the
 * object (every HR pixel of it equals the whole-frame SR of that frame)
 * and on nothing far from it (the output differs from the transfer-only
 * run only within one cell of the object); the output is identical for 1,
 * 2 and 3 threads; and the report's SR work adds up from the frames'. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/bicubic.h"
#include "fastsr/fast.h"
#include "fastsr/model.h"
#include "fastsr/pipeline.h"
#include "fastsr/sr.h"
#include "fastsr/transfer.h"
#include "select.h"
#include "sideinfo.h"

#define FFMPEG "ffmpeg -hide_banner -loglevel error -y "
#define FRAMES 12
#define OBJ_FRAME 6
/* the object, in LR pixels (macroblock-aligned) */
#define OBJ_X 96
#define OBJ_Y 32
#define OBJ_W 32
#define OBJ_H 32
#define CELL 8 /* src/fast/region.h's REGION_CELL */
/* a still texture; from OBJ_FRAME on a differently textured bright square */
#define CLIP "nullsrc=s=160x96:r=25,geq=lum='if(gte(N,6)*between(X,96,127)*between(Y,32,63)," \
             "200+40*sin(X*Y/7.0)," \
             "128+50*sin(X/5.3)*cos(Y/3.7)+40*sin((X+2*Y)/9.1))':cb=128:cr=128"


static int make_clip(void **state)
{
    (void)state;
    return tu_run(NULL, 0, FFMPEG "-f lavfi -i \"%s\" -frames:v %d -c:v libx264 -crf 18 -bf 0 -g 100 %s", CLIP,
                  FRAMES, tu_tmp("enter.mp4"))
               ? -1
               : 0;
}

/* the unsharp model of test_transfer.c (visibly not bicubic), without its
 * +12-level offset: an SR whose every output is 12 levels off the LR
 * picture, clipped at white, is LR-inconsistent by amounts that move with
 * each frame's residual, which the regions policy's LR-consistency test
 * would rightly take for failing transfers */
static FsrSR *sharpen_sr(int threads)
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
    m->layers[2].bias[0] = -0.5f;
    FsrSR *sr = NULL;
    assert_int_equal(fsr_sr_open(&sr, m, &(FsrSRSettings){ .threads = threads }), 0);
    fsr_model_close(&m);
    return sr;
}

typedef struct Out {
    FsrPicture hr, lr;
    int key, regions;
    double sr_share;
    int64_t region_area, bicubic_area;
} Out;

static void copy_pic(FsrPicture *dst, const FsrPicture *src)
{
    assert_int_equal(fsr_picture_open(dst, src->w, src->h), 0);
    for (int c = 0; c < 3; c++) {
        const int w = c ? fsr_chroma_w(src->w) : src->w, h = c ? fsr_chroma_h(src->h) : src->h;
        for (int y = 0; y < h; y++)
            memcpy(dst->data[c] + y * dst->stride[c], src->data[c] + y * src->stride[c], w);
    }
}

static int run_clip_file(const char *clip, const char *policy, int threads, Out *o)
{
    memset(o, 0, sizeof(*o) * FRAMES);
    FsrSR *sr = sharpen_sr(threads);
    FsrSideInfo *si = NULL;
    FsrDecoderSettings ds = { 0 };
    assert_int_equal(fsr_sideinfo_open(&si, clip, &ds), 0);
    FsrFastSettings fs = { 0 };
    fsr_transfer_defaults(&fs.transfer);
    fs.transfer.scale = 2;
    fs.transfer.threads = threads;
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
                assert_true(d >= 0 && d < FRAMES);
                copy_pic(&o[d].lr, &f.frame.pic);
                assert_int_equal(fsr_fast_push(fast, &f.frame.pic, f.map, f.frame.pts, 0), 0);
            }
        }
        FsrFastFrame ff;
        while ((ret = fsr_fast_pull(fast, &ff)) == 0) {
            assert_true(n < FRAMES);
            copy_pic(&o[n].hr, ff.hr);
            o[n].key = ff.key;
            o[n].regions = ff.regions;
            o[n].sr_share = ff.sr_share;
            o[n].region_area = ff.region_area;
            o[n].bicubic_area = ff.bicubic_area;
            n++;
        }
        assert_true(ret >= 0);
    }
    fsr_fast_close(&fast);
    fsr_sideinfo_close(&si);
    fsr_sr_close(&sr);
    return n;
}

static int run_clip(const char *policy, int threads, Out *o)
{
    return run_clip_file(tu_tmp("enter.mp4"), policy, threads, o);
}

static void free_out(Out *o)
{
    for (int k = 0; k < FRAMES; k++) {
        fsr_picture_close(&o[k].hr);
        fsr_picture_close(&o[k].lr);
    }
}

static int in_object(int hx, int hy, int pad)
{
    return hx >= 2 * (OBJ_X - pad) && hx < 2 * (OBJ_X + OBJ_W + pad) && hy >= 2 * (OBJ_Y - pad) &&
           hy < 2 * (OBJ_Y + OBJ_H + pad);
}

static void test_region_covers_new_object_only(void **state)
{
    (void)state;
    static Out reg[FRAMES], base[FRAMES];
    assert_int_equal(run_clip("regions", 1, reg), FRAMES);
    assert_int_equal(run_clip("intra", 1, base), FRAMES); /* the transfer alone after frame 0 */
    assert_true(reg[0].key && base[0].key);
    for (int k = 1; k < FRAMES; k++)
        assert_false(reg[k].key); /* no whole-frame SR: the object is a small part */
    /* nothing new before the object: no region SR, the transfer's output */
    for (int k = 1; k < OBJ_FRAME; k++) {
        assert_int_equal(reg[k].regions, 0);
        assert_true(reg[k].sr_share == 0);
    }
    assert_true(reg[OBJ_FRAME].regions >= 1);
    /* covers it: every HR pixel of the object is the whole-frame SR's */
    FsrSR *sr = sharpen_sr(1);
    FsrPicture want;
    const FsrPicture *got = &reg[OBJ_FRAME].hr;
    assert_int_equal(fsr_picture_open(&want, got->w, got->h), 0);
    assert_int_equal(fsr_sr_picture(sr, &want, &reg[OBJ_FRAME].lr), 0);
    int64_t inside = 0, bad = 0;
    for (int y = 0; y < got->h; y++)
        for (int x = 0; x < got->w; x++)
            if (in_object(x, y, 0)) {
                inside++;
                bad += got->data[0][y * got->stride[0] + x] != want.data[0][y * want.stride[0] + x];
            }
    if (bad)
        fail_msg("%lld of the object's %lld HR pixels are not the SR of the frame", (long long)bad,
                 (long long)inside);
    /* and the transfer-only run does not already give them (bicubic there) */
    int64_t same = 0;
    for (int y = 0; y < got->h; y++)
        for (int x = 0; x < got->w; x++)
            same += in_object(x, y, 0) &&
                    base[OBJ_FRAME].hr.data[0][y * base[OBJ_FRAME].hr.stride[0] + x] ==
                        want.data[0][y * want.stride[0] + x];
    assert_true(same < inside / 2);
    /* only it: in every frame the output differs from the transfer-only
     * run within one cell of the object at most */
    for (int k = 0; k < FRAMES; k++) {
        const FsrPicture *a = &reg[k].hr, *b = &base[k].hr;
        for (int y = 0; y < a->h; y++)
            for (int x = 0; x < a->w; x++)
                if (a->data[0][y * a->stride[0] + x] != b->data[0][y * b->stride[0] + x] && !in_object(x, y, CELL))
                    fail_msg("frame %d: HR pixel (%d, %d) far from the object changed", k, x, y);
    }
    /* the rectangles' area: the object and at most one cell around it */
    const int64_t bound = (int64_t)4 * (OBJ_W + 2 * CELL) * (OBJ_H + 2 * CELL);
    assert_true(reg[OBJ_FRAME].region_area >= 4 * OBJ_W * OBJ_H);
    assert_true(reg[OBJ_FRAME].region_area <= bound);
    /* the work share: the rectangles with the model's 1-pixel halo */
    const double frame_area = (double)got->w * got->h;
    assert_true(reg[OBJ_FRAME].sr_share * frame_area >= reg[OBJ_FRAME].region_area);
    assert_true(reg[OBJ_FRAME].sr_share * frame_area <= reg[OBJ_FRAME].region_area + 4.0 * (2 * OBJ_W + 2 * OBJ_H + 4 * CELL + 4) * reg[OBJ_FRAME].regions);
    print_message("regions: frame %d: %d rectangles, %lld HR pixels, SR work %.3f of a frame\n", OBJ_FRAME,
                  reg[OBJ_FRAME].regions, (long long)reg[OBJ_FRAME].region_area, reg[OBJ_FRAME].sr_share);
    fsr_picture_close(&want);
    fsr_sr_close(&sr);
    free_out(reg);
    free_out(base);
}

static void test_threads_identical(void **state)
{
    (void)state;
    static Out o[3][FRAMES];
    for (int t = 0; t < 3; t++)
        assert_int_equal(run_clip("regions:0.02", t + 1, o[t]), FRAMES);
    int regions = 0;
    for (int k = 0; k < FRAMES; k++) {
        regions += o[0][k].regions;
        for (int t = 1; t < 3; t++) {
            assert_int_equal(o[t][k].key, o[0][k].key);
            assert_int_equal(o[t][k].regions, o[0][k].regions);
            for (int c = 0; c < 3; c++) {
                const int w = c ? fsr_chroma_w(o[0][k].hr.w) : o[0][k].hr.w;
                const int h = c ? fsr_chroma_h(o[0][k].hr.h) : o[0][k].hr.h;
                for (int y = 0; y < h; y++)
                    assert_memory_equal(o[t][k].hr.data[c] + y * o[t][k].hr.stride[c],
                                        o[0][k].hr.data[c] + y * o[0][k].hr.stride[c], w);
            }
        }
    }
    assert_true(regions > 0); /* region SR ran (a tight budget adds drift regions) */
    for (int t = 0; t < 3; t++)
        free_out(o[t]);
}

/* The report's SR work is the sum of the frames' */
static double work_sum;
static int64_t work_frames, work_keys;

static int on_frame(void *opaque, const FsrFastFrame *f)
{
    (void)opaque;
    work_sum += f->sr_share;
    work_frames++;
    work_keys += f->key;
    if (f->key && f->sr_share != 1)
        return -1;
    if (!f->key && (f->sr_share < 0 || f->sr_share >= 1))
        return -1;
    return 0;
}

static void test_work_adds_up(void **state)
{
    (void)state;
    char model[1024];
    snprintf(model, sizeof(model), "%s", tu_tmp("tiny-regions.safetensors"));
    assert_int_equal(tu_tiny_model(model, 2), 0);
    const char *policies[] = { "regions", "adaptive", "every:4" };
    for (int i = 0; i < 3; i++) {
        FsrSettings s;
        fsr_run_defaults(&s);
        s.input = tu_tmp("enter.mp4");
        s.output = NULL;
        s.sr.model = model;
        s.fast.keyframes = policies[i];
        s.frame_done = on_frame;
        work_sum = 0;
        work_frames = work_keys = 0;
        FsrReport r;
        assert_int_equal(fsr_run(&s, &r), 0);
        assert_int_equal(r.frames, FRAMES);
        assert_int_equal(work_frames, FRAMES);
        assert_int_equal(r.sr.frames, work_keys);
        assert_true(fabs(r.fast.sr_work - work_sum) < 1e-9);
        assert_true(fabs(r.fast.sr_work_share - work_sum / FRAMES) < 1e-9);
        if (i == 0) {
            assert_true(r.fast.region_frames >= 1);
            assert_true(r.fast.sr_work > r.sr.frames); /* the regions add work */
            assert_true(r.fast.sr_work_share < 0.5);
        } else {
            assert_int_equal(r.fast.region_frames, 0);
            assert_true(r.fast.sr_work == (double)r.sr.frames); /* whole frames only */
        }
    }
    /* bicubic mode does no SR work */
    FsrSettings s;
    fsr_run_defaults(&s);
    s.input = tu_tmp("enter.mp4");
    s.output = NULL;
    s.mode = FSR_MODE_BICUBIC;
    s.frame_done = on_frame;
    FsrReport r;
    assert_int_equal(fsr_run(&s, &r), 0);
    assert_true(r.fast.sr_work_share == 0);
}

static int cmp_f(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* fsr_select_kth (the regions policy's median) gives what a sort puts at
 * k: every k of small arrays, with many equal values, sorted, reversed,
 * all equal; some k of large ones. */
static void test_select_kth(void **state)
{
    (void)state;
    enum { N = 300 };
    float a[N], sorted[N], work[N];
    unsigned seed = 12345;
    for (int trial = 0; trial < 400; trial++) {
        const int n = trial < 200 ? 1 + trial % 40 : 1 + (int)(seed % N);
        for (int i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            const int shape = trial % 5;
            a[i] = shape == 0   ? (float)(seed >> 16) / 65536.f - 0.5f
                   : shape == 1 ? (float)((seed >> 16) % 4) /* many equal */
                   : shape == 2 ? (float)i
                   : shape == 3 ? (float)(n - i)
                                : 1.5f;
        }
        memcpy(sorted, a, sizeof(float) * n);
        qsort(sorted, n, sizeof(float), cmp_f);
        for (int k = 0; k < n; k += n > 40 ? 7 : 1) {
            memcpy(work, a, sizeof(float) * n);
            const float v = fsr_select_kth(work, n, k);
            if (v != sorted[k])
                fail_msg("trial %d n %d k %d: %g, sorted %g", trial, n, k, v, sorted[k]);
        }
    }
}

/* The halo the regions policy prices region SR with (fsr_sr_margin) bounds
 * the network's context exactly: SR of the LR picture cut to a cell plus
 * the margin (in LR pixels, R = (margin - (scale - 1)) / scale) gives the
 * whole-frame SR's pixels over the cell, and one LR pixel less does not.
 * The shipped FSRCNN x2: 5x5, 1x1, four 3x3, 1x1 (6 LR pixels) and a 9x9
 * transposed convolution at x2, whose 4 HR pixels are 2 LR pixels. */
static void test_lr_margin_bounds_context(void **state)
{
    (void)state;
    FsrModel *m = NULL;
    assert_int_equal(fsr_model_open(&m, tu_src("models/fsrcnn-x2.safetensors")), 0);
    FsrSR *sr = NULL;
    assert_int_equal(fsr_sr_open(&sr, m, &(FsrSRSettings){ .threads = 1 }), 0);
    fsr_model_close(&m);
    const int s = 2, w = 64, h = 48, x0 = 24, y0 = 16; /* the cell, LR */
    int mx = 0, my = 0;
    assert_int_equal(fsr_sr_margin(sr, &mx, &my), 0);
    assert_int_equal(mx, 8 * s + s - 1);
    assert_int_equal(my, mx);
    const int R = (mx - (s - 1)) / s;
    uint8_t *lr = malloc((size_t)w * h), *whole = malloc((size_t)w * h * s * s);
    uint8_t *cut = malloc((size_t)w * h * s * s);
    assert_non_null(lr);
    assert_non_null(whole);
    assert_non_null(cut);
    unsigned seed = 7;
    for (int i = 0; i < w * h; i++) {
        seed = seed * 1103515245u + 12345u;
        lr[i] = (uint8_t)(128 + 60 * sin(i % w / 2.3) * cos(i / w / 3.1) + (int)(seed >> 16) % 40 - 20);
    }
    assert_int_equal(fsr_sr_luma(sr, whole, (ptrdiff_t)w * s, lr, w, w, h), 0);
    for (int r = R; r >= R - 1; r--) {
        const int cw = CELL + 2 * r, chh = CELL + 2 * r;
        const uint8_t *src = lr + (ptrdiff_t)(y0 - r) * w + (x0 - r);
        assert_int_equal(fsr_sr_luma(sr, cut, (ptrdiff_t)cw * s, src, w, cw, chh), 0);
        int same = 1;
        for (int y = 0; y < CELL * s; y++)
            same &= !memcmp(cut + (ptrdiff_t)(r * s + y) * cw * s + r * s,
                            whole + (ptrdiff_t)(y0 * s + y) * w * s + x0 * s, (size_t)CELL * s);
        if (r == R)
            assert_true(same);
        else
            assert_false(same);
    }
    free(lr);
    free(whole);
    free(cut);
    fsr_sr_close(&sr);
}

/* The SR work of a clip under a policy with the sharpening model, in
 * frames (the sum of the frames' SR shares), and its whole-frame SR
 * frames. */
static double region_work(const char *clip, const char *policy, int *keys)
{
    FsrSR *sr = sharpen_sr(1);
    FsrSideInfo *si = NULL;
    FsrDecoderSettings ds = { 0 };
    assert_int_equal(fsr_sideinfo_open(&si, clip, &ds), 0);
    FsrFastSettings fs = { 0 };
    fsr_transfer_defaults(&fs.transfer);
    fs.transfer.scale = 2;
    fs.transfer.threads = 1;
    fs.sr = sr;
    assert_int_equal(fsr_key_policy_parse(&fs.policy, policy), 0);
    FsrFast *fast = NULL;
    assert_int_equal(fsr_fast_open(&fast, &fs), 0);
    double work = 0;
    int eof = 0, ret = 1;
    *keys = 0;
    while (!eof || ret != 1) {
        if (!eof) {
            FsrSideInfoFrame f;
            int r = fsr_sideinfo_read(si, &f);
            assert_true(r >= 0);
            if (r == 1) {
                eof = 1;
                fsr_fast_flush(fast);
            } else {
                assert_int_equal(fsr_fast_push(fast, &f.frame.pic, f.map, f.frame.pts, 0), 0);
            }
        }
        FsrFastFrame ff;
        while ((ret = fsr_fast_pull(fast, &ff)) == 0) {
            *keys += ff.key;
            work += ff.sr_share;
        }
        assert_true(ret >= 0);
    }
    fsr_fast_close(&fast);
    fsr_sideinfo_close(&si);
    fsr_sr_close(&sr);
    return work;
}

/* The regions policy's drift per transfer step scales with how much SR
 * beats bicubic on the content: the same fine texture and motion (a pan by
 * 0.75 LR pixels a frame, every vector fractional), at 4 times the
 * contrast, has 16 times the SR - bicubic energy, drifts faster and gets
 * far more SR (3.8 x the work; 1.6 x with the factor held at 1, from the
 * LR-consistency test alone).  With no SR work budget (regions:0.5:1): the
 * drift model is what is tested here; test_work_budget holds it to one.
 * *high gets the high-contrast clip's path. */
static void make_gain_pans(char high[256])
{
    const int amp[2] = { 16, 64 };
    for (int i = 0; i < 2; i++) {
        char name[64];
        snprintf(name, sizeof(name), "pan-gain%d.mp4", amp[i]);
        if (i)
            snprintf(high, 256, "%s", tu_tmp(name));
        assert_int_equal(tu_run(NULL, 0,
                                FFMPEG "-f lavfi -i \"nullsrc=s=160x96:r=25,geq=lum='128+%d*sin((X+0.75*N)/1.1)"
                                       "*cos(Y/1.3)+%d*sin((X+2*Y+1.5*N)/1.7)/2':cb=128:cr=128\" -frames:v 24 "
                                       "-c:v libx264 -crf 18 -bf 0 -g 100 %s",
                                amp[i], amp[i], tu_tmp(name)),
                         0);
    }
}

static void test_drift_follows_sr_gain(void **state)
{
    (void)state;
    char high[256];
    make_gain_pans(high);
    double work[2];
    int keys[2];
    work[0] = region_work(tu_tmp("pan-gain16.mp4"), "regions:0.5:1", &keys[0]);
    work[1] = region_work(high, "regions:0.5:1", &keys[1]);
    print_message("SR work (frames, whole ones): contrast 16 %.3f (%d), contrast 64 %.3f (%d)\n", work[0], keys[0],
                  work[1], keys[1]);
    assert_true(work[1] > 2.5 * work[0]);
}

/* The SR work budget (the third number of regions:DB:SHARE, default 0.1):
 * the high-contrast pan above, which the drift model alone gives well over
 * a tenth of per-frame SR's work (no block there is intra: every cell's SR
 * is the drift estimate's, which waits for credit), stays within SHARE x
 * its 24 frames at 0.1 and 0.2 (the first frame's SR included), and a
 * larger share buys more SR. */
static void test_work_budget(void **state)
{
    (void)state;
    char high[256];
    make_gain_pans(high);
    int keys;
    const double free_work = region_work(high, "regions:0.5:1", &keys);
    const double w10 = region_work(high, "regions", &keys), w20 = region_work(high, "regions:0.5:0.2", &keys);
    print_message("SR work of 24 frames: %.3f unbudgeted, %.3f at 0.1, %.3f at 0.2\n", free_work, w10, w20);
    assert_true(free_work > 0.2 * 24);
    assert_true(w10 <= 0.1 * 24 + 1e-9);
    assert_true(w20 <= 0.2 * 24 + 1e-9);
    assert_true(w20 > w10);
}

/* 1: LR cell (cx, cy) of o's x2 HR luma equals bic (width W) everywhere. */
static int cell_is_bicubic(const Out *o, const uint8_t *bic, int W, int cx, int cy)
{
    for (int y = 2 * CELL * cy; y < 2 * CELL * (cy + 1); y++)
        for (int x = 2 * CELL * cx; x < 2 * CELL * (cx + 1); x++)
            if (o->hr.data[0][y * o->hr.stride[0] + x] != bic[y * W + x])
                return 0;
    return 1;
}

/* Where SR adds next to nothing, transferred frames are bicubic (no SR
 * work): a clip whose left half is flat grey (the model's output there is
 * its input) and whose right half is a panning texture; from frame 4 a
 * textured square moves across the flat half.  Transferred frames make
 * the flat cells away from the square bicubic of the decoded LR (every HR
 * pixel equal to fsr_bicubic_plane's), and never a cell of the square
 * (its HR differs from bicubic there) nor of the texture. */
#define FLAT_W 80
#define SQ_X(n) (8 + 3 * (n))
#define SQ_Y 40
#define SQ 16
static void test_flat_cells_bicubic(void **state)
{
    (void)state;
    assert_int_equal(tu_run(NULL, 0,
                            FFMPEG "-f lavfi -i \"nullsrc=s=160x96:r=25,geq=lum='if(lt(X,%d),"
                                   "if(gte(N,4)*between(X,8+3*N,%d+3*N)*between(Y,%d,%d),128+60*sin(X*Y/5.0),100),"
                                   "128+50*sin((X+0.75*N)/5.3)*cos(Y/3.7))':cb=128:cr=128\" -frames:v %d "
                                   "-c:v libx264 -crf 18 -bf 0 -g 100 %s",
                            FLAT_W, 8 + SQ - 1, SQ_Y, SQ_Y + SQ - 1, FRAMES, tu_tmp("flat.mp4")),
                     0);
    static Out o[FRAMES];
    /* without the SR work budget: the square's cells get SR from the frame
     * it appears in (4), where the budget would still be paying for the
     * first frame's SR (a 12-frame clip has 1.2 frames of SR at 0.1) and
     * leave them to the transfer, bicubic for intra blocks */
    assert_int_equal(run_clip_file(tu_tmp("flat.mp4"), "regions:0.5:1", 1, o), FRAMES);
    const int W = o[0].hr.w, H = o[0].hr.h;
    uint8_t *bic = malloc((size_t)W * H);
    int64_t flat_cells_bicubic = 0, flat_cells = 0;
    for (int k = 1; k < FRAMES; k++) {
        assert_false(o[k].key);
        assert_true(o[k].bicubic_area > 0);
        /* at most the flat half */
        assert_true(o[k].bicubic_area <= (int64_t)FLAT_W * o[k].lr.h);
        assert_int_equal(fsr_bicubic_plane(bic, W, o[k].lr.data[0], o[k].lr.stride[0], o[k].lr.w, o[k].lr.h, 2), 0);
        for (int cy = 0; cy < o[k].lr.h / CELL; cy++)
            for (int cx = 0; cx < o[k].lr.w / CELL; cx++) {
                const int differ = !cell_is_bicubic(&o[k], bic, W, cx, cy);
                const int x0 = cx * CELL, y0 = cy * CELL;
                const int sq = k >= 4 && x0 + CELL > SQ_X(k) && x0 < SQ_X(k) + SQ && y0 + CELL > SQ_Y && y0 < SQ_Y + SQ;
                /* the square's cells (texture: the model is not bicubic there) */
                if (sq && !differ)
                    fail_msg("frame %d: cell (%d, %d) of the square is bicubic", k, cx, cy);
                if (x0 >= FLAT_W && !differ)
                    fail_msg("frame %d: cell (%d, %d) of the texture is bicubic", k, cx, cy);
                /* flat cells two cells or more from the square and the texture */
                const int near = k >= 3 && x0 + 3 * CELL > SQ_X(k) && x0 < SQ_X(k) + SQ + 2 * CELL &&
                                 y0 + 3 * CELL > SQ_Y && y0 < SQ_Y + SQ + 2 * CELL;
                if (x0 + 3 * CELL <= FLAT_W && !near) {
                    flat_cells++;
                    flat_cells_bicubic += !differ;
                }
            }
    }
    print_message("flat cells bicubic in transferred frames: %lld of %lld; bicubic area frame 5: %lld LR pixels\n",
                  (long long)flat_cells_bicubic, (long long)flat_cells, (long long)o[5].bicubic_area);
    assert_int_equal(flat_cells_bicubic, flat_cells);
    free_out(o);
    /* Texture fading in where the picture was flat: the SR gain carried
     * from the references stays that of the flat grey, and the transfer
     * follows the fade with residuals; the LR detail of the frame itself
     * keeps those cells off bicubic once the texture shows. */
    assert_int_equal(tu_run(NULL, 0,
                            FFMPEG "-f lavfi -i \"nullsrc=s=160x96:r=25,geq=lum='100+between(X,16,47)*between(Y,32,63)"
                                   "*min(N,%d)*4*sin(X/1.7)*cos(Y/1.9)'\" -frames:v %d -c:v libx264 -crf 18 -bf 0 "
                                   "-g 100 %s",
                            FRAMES, FRAMES, tu_tmp("fade.mp4")),
                     0);
    assert_int_equal(run_clip_file(tu_tmp("fade.mp4"), "regions", 1, o), FRAMES);
    int bicubic_late = 0;
    for (int k = FRAMES / 2; k < FRAMES; k++) {
        assert_int_equal(fsr_bicubic_plane(bic, W, o[k].lr.data[0], o[k].lr.stride[0], o[k].lr.w, o[k].lr.h, 2), 0);
        for (int cy = 32 / CELL; cy < 64 / CELL; cy++)
            for (int cx = 16 / CELL; cx < 48 / CELL; cx++) {
                bicubic_late += cell_is_bicubic(&o[k], bic, W, cx, cy);
            }
    }
    print_message("faded-in texture: %d of its cells bicubic in frames %d-%d\n", bicubic_late, FRAMES / 2,
                  FRAMES - 1);
    assert_int_equal(bicubic_late, 0);
    free(bic);
    free_out(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select_kth),
        cmocka_unit_test(test_lr_margin_bounds_context),
        cmocka_unit_test(test_drift_follows_sr_gain),
        cmocka_unit_test(test_work_budget),
        cmocka_unit_test(test_region_covers_new_object_only),
        cmocka_unit_test(test_threads_identical),
        cmocka_unit_test(test_work_adds_up),
        cmocka_unit_test(test_flat_cells_bicubic),
    };
    return tu_result(cmocka_run_group_tests_name("regions", tests, make_clip, NULL));
}
