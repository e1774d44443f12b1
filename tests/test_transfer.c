/* The FAST transfer: known translation reproduces the key frame shifted,
 * skip-only frames copy exactly, intra blocks are bicubic, B-frame and
 * multi-reference clips use the right references (a wrong one costs PSNR),
 * thread counts give identical output, and a tiny fastsr-bench run writes
 * valid JSON, CSV and SVG. */
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
#include "fastsr/transfer.h"
#include "sideinfo.h"

#define FFMPEG "ffmpeg -hide_banner -loglevel error -y "
/* a deterministic texture, moving 2 LR pixels to the left per frame */
#define TEXTURE "nullsrc=s=640x360:r=25,geq=lum='128+50*sin(X/5.3)*cos(Y/3.7)+40*sin((X+2*Y)/9.1)+20*cos(X*Y/900)'" \
                ":cb=128:cr=128,crop=160:96:x='40+2*n':y=30"

static char out[65536];

static int make_clips(void **state)
{
    (void)state;
    int r = 0;
    r |= tu_run(NULL, 0, FFMPEG "-f lavfi -i \"%s\" -frames:v 12 -c:v libx264 -qp 0 -bf 0 -refs 1 -g 100 %s",
                TEXTURE, tu_tmp("pan-p.mp4"));
    r |= tu_run(NULL, 0, FFMPEG "-f lavfi -i \"%s\" -frames:v 24 -c:v libx264 -crf 18 -g 100 %s", TEXTURE,
                tu_tmp("pan-b.mp4"));
    r |= tu_run(NULL, 0, FFMPEG "-f lavfi -i \"%s\" -frames:v 24 -c:v libx264 -crf 18 -bf 0 -refs 4 -g 100 %s",
                TEXTURE, tu_tmp("pan-refs.mp4"));
    r |= tu_run(NULL, 0, FFMPEG "-f lavfi -i \"%s,trim=end_frame=1,loop=10:1:0\" -frames:v 10 -c:v libx264 -crf 20 "
                "-bf 0 -g 100 %s", TEXTURE, tu_tmp("static.mp4"));
    return r ? -1 : 0;
}

/* Runs the FAST engine on a clip with bicubic key frames; returns the HR
 * frames (display order) and their key flags. */
static int run_fast(const char *path, const char *policy, FsrPicture *hr, int *key, int max)
{
    FsrSideInfo *si = NULL;
    FsrDecoderSettings ds = { 0 };
    assert_int_equal(fsr_sideinfo_open(&si, path, &ds), 0);
    FsrFastSettings fs = { 0 };
    fsr_transfer_default_settings(&fs.transfer);
    fs.transfer.scale = 2;
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
                assert_int_equal(fsr_fast_push(fast, &f.frame.pic, f.map, f.frame.pts, 0), 0);
            }
        }
        FsrFastFrame ff;
        while ((ret = fsr_fast_pull(fast, &ff)) == 0) {
            assert_true(n < max);
            assert_int_equal(ff.display_index, n);
            assert_int_equal(fsr_picture_alloc(&hr[n], ff.hr->w, ff.hr->h), 0);
            for (int c = 0; c < 3; c++) {
                const int w = c ? fsr_chroma_w(ff.hr->w) : ff.hr->w, h = c ? fsr_chroma_h(ff.hr->h) : ff.hr->h;
                for (int y = 0; y < h; y++)
                    memcpy(hr[n].data[c] + y * hr[n].stride[c], ff.hr->data[c] + y * ff.hr->stride[c], w);
            }
            key[n++] = ff.key;
        }
        assert_true(ret >= 0);
    }
    fsr_fast_close(&fast);
    fsr_sideinfo_close(&si);
    return n;
}

static void test_known_translation(void **state)
{
    (void)state;
    FsrPicture hr[16];
    int key[16];
    const int n = run_fast(tu_tmp("pan-p.mp4"), "intra", hr, key, 16);
    assert_int_equal(n, 12);
    assert_true(key[0]);
    for (int k = 1; k < n; k++) {
        assert_false(key[k]);
        /* content moves 2 LR = 4 HR pixels left per frame: HR_k(x) = HR_0(x + 4k) */
        const int dx = 4 * k, w = hr[0].w - dx - 16, h = hr[0].h - 16;
        const double psnr = fsr_psnr_u8(hr[k].data[0] + 8 * hr[k].stride[0] + 8, hr[k].stride[0],
                                        hr[0].data[0] + 8 * hr[0].stride[0] + 8 + dx, hr[0].stride[0], w, h, 0);
        if (!(psnr >= 45.0))
            fail_msg("frame %d: %.2f dB against the shifted key frame", k, psnr);
    }
    for (int k = 0; k < n; k++)
        fsr_picture_free(&hr[k]);
}

static void test_skip_frames_copy_exactly(void **state)
{
    (void)state;
    FsrPicture hr[16];
    int key[16];
    const int n = run_fast(tu_tmp("static.mp4"), "intra", hr, key, 16);
    assert_int_equal(n, 10);
    for (int k = 1; k < n; k++) {
        assert_false(key[k]);
        for (int y = 0; y < hr[0].h; y++)
            assert_memory_equal(hr[k].data[0] + y * hr[k].stride[0], hr[0].data[0] + y * hr[0].stride[0], hr[0].w);
    }
    for (int k = 0; k < n; k++)
        fsr_picture_free(&hr[k]);
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
    assert_int_equal(fsr_picture_alloc(&lr, 48, 32), 0);
    assert_int_equal(fsr_picture_alloc(&hr, 96, 64), 0);
    assert_int_equal(fsr_picture_alloc(&bic, 96, 64), 0);
    uint32_t seed = 4;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < (c ? 16 : 32); y++)
            for (int x = 0; x < (c ? 24 : 48); x++)
                lr.data[c][y * lr.stride[c] + x] = (uint8_t)tu_rand(&seed);
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
    memset(&map, 0, sizeof(map));
    map.side_info = 1;
    map.width = map.coded_w = 48;
    map.height = map.coded_h = 32;
    map.mb_w = 3;
    map.mb_h = 2;
    map.nb_blocks = 6;
    map.blocks = blocks;
    map.residual[0] = residual;
    map.residual_stride[0] = 48;
    FsrTransferSettings ts;
    fsr_transfer_default_settings(&ts);
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
    fsr_picture_free(&lr);
    fsr_picture_free(&hr);
    fsr_picture_free(&bic);
}

/* Deblocking smooths a small step on the block grid and leaves a large one. */
static void test_deblock_small_steps_only(void **state)
{
    (void)state;
    FsrPicture lr, hr[2];
    assert_int_equal(fsr_picture_alloc(&lr, 32, 16), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(fsr_picture_alloc(&hr[i], 64, 32), 0);
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
        fsr_transfer_default_settings(&ts);
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
    fsr_picture_free(&lr);
    fsr_picture_free(&hr[0]);
    fsr_picture_free(&hr[1]);
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
        assert_int_equal(fsr_picture_alloc(&c->lr[i], f.frame.pic.w, f.frame.pic.h), 0);
        assert_int_equal(fsr_picture_alloc(&c->bic[i], f.frame.pic.w * 2, f.frame.pic.h * 2), 0);
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
        fsr_picture_free(&c->lr[i]);
        fsr_picture_free(&c->bic[i]);
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
    fsr_transfer_default_settings(&ts);
    ts.fallback = 0; /* judge the prediction itself */
    FsrTransfer *t = NULL;
    assert_int_equal(fsr_transfer_open(&t, &ts), 0);
    FsrPicture hr;
    assert_int_equal(fsr_picture_alloc(&hr, c.lr[0].w * 2, c.lr[0].h * 2), 0);
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
    fsr_picture_free(&hr);
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
        cmocka_unit_test(test_intra_blocks_are_bicubic),
        cmocka_unit_test(test_deblock_small_steps_only),
        cmocka_unit_test(test_bframes_use_right_references),
        cmocka_unit_test(test_multiref_uses_right_references),
        cmocka_unit_test(test_threads_identical_and_bench),
    };
    return cmocka_run_group_tests_name("transfer", tests, make_clips, NULL);
}
