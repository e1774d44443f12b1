/* fastsr-bench end to end on generated inputs: --images on a folder of
 * written images (JSON and printed figures agree with the library), --conv
 * on a small frame (against oneDNN where built with it, else a visible
 * skip), and option errors. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fastsr/eval.h"
#include "fastsr/model.h"

static char out[65536];

static uint8_t *pattern(int w, int h, int seed)
{
    uint8_t *rgb = malloc((size_t)3 * w * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *p = rgb + 3 * ((size_t)y * w + x);
            p[0] = (uint8_t)(128 + 100 * sin(x * 0.5 + seed) * cos(y * 0.3));
            p[1] = (uint8_t)(128 + 90 * sin((x + y) * 0.21 * seed));
            p[2] = (uint8_t)((x * 5 + y * 3 * seed) & 255);
        }
    return rgb;
}

static void write_ppm(const char *path, const uint8_t *rgb, int w, int h)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, "P6\n%d %d\n255\n", w, h);
    assert_int_equal(fwrite(rgb, 1, (size_t)3 * w * h, f), (size_t)3 * w * h);
    fclose(f);
}

static char *read_text(const char *path)
{
    static char buf[65536];
    assert_true(tu_read_file(path, buf, sizeof(buf)) >= 0);
    return buf;
}

static void test_images_json(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s", tu_tmp("imgs"));
    assert_int_equal(tu_run(NULL, 0, "rm -rf '%s' && mkdir -p '%s'", dir, dir), 0);
    const int sizes[2][2] = { { 61, 47 }, { 80, 66 } };
    double want_psnr[2], want_ssim[2];
    for (int i = 0; i < 2; i++) {
        uint8_t *rgb = pattern(sizes[i][0], sizes[i][1], i + 1);
        char path[1200];
        snprintf(path, sizeof(path), "%s/img%d.ppm", dir, i);
        write_ppm(path, rgb, sizes[i][0], sizes[i][1]);
        FsrEvalOptions o = { .scale = 3 };
        FsrEvalResult r;
        assert_int_equal(fsr_eval_rgb(&r, rgb, 3 * sizes[i][0], sizes[i][0], sizes[i][1], &o), 0);
        want_psnr[i] = r.psnr_y;
        want_ssim[i] = r.ssim_y;
        free(rgb);
    }
    /* A file that is not an image is skipped by extension. */
    char junk[1200];
    snprintf(junk, sizeof(junk), "%s/notes.txt", dir);
    FILE *f = fopen(junk, "w");
    fputs("not an image", f);
    fclose(f);

    const char *json = tu_tmp("res.json");
    assert_int_equal(tu_run(out, sizeof(out), "%s --images '%s' --scale 3 --mode bicubic --json '%s'",
                            tu_tool("fastsr-bench"), dir, json), 0);
    assert_non_null(strstr(out, "img0.ppm"));
    assert_non_null(strstr(out, "mean"));
    cJSON *root = cJSON_Parse(read_text(json));
    assert_non_null(root);
    assert_int_equal(cJSON_GetObjectItem(root, "scale")->valueint, 3);
    const cJSON *imgs = cJSON_GetObjectItem(root, "images");
    assert_int_equal(cJSON_GetArraySize(imgs), 2);
    for (int i = 0; i < 2; i++) {
        const cJSON *e = cJSON_GetArrayItem(imgs, i);
        char name[32];
        snprintf(name, sizeof(name), "img%d.ppm", i);
        assert_string_equal(cJSON_GetObjectItem(e, "name")->valuestring, name);
        assert_true(fabs(cJSON_GetObjectItem(e, "psnr_y")->valuedouble - want_psnr[i]) < 1e-9);
        assert_true(fabs(cJSON_GetObjectItem(e, "ssim_y")->valuedouble - want_ssim[i]) < 1e-9);
    }
    assert_true(fabs(cJSON_GetObjectItem(root, "mean_psnr_y")->valuedouble - (want_psnr[0] + want_psnr[1]) / 2) < 1e-9);
    assert_true(fabs(cJSON_GetObjectItem(root, "mean_ssim_y")->valuedouble - (want_ssim[0] + want_ssim[1]) / 2) < 1e-9);
    cJSON_Delete(root);

    /* Backends side by side: an identity-like x3 model through the float
     * engine and the 16- and 8-bit accelerator datapaths; 16 bits stay
     * close to float, 8 bits cost more. */
    {
        char model[1200];
        snprintf(model, sizeof(model), "%s/../id3.safetensors", dir);
        assert_int_equal(tu_tiny_model(model, 3), 0);
        const char *bj = tu_tmp("backends.json");
        assert_int_equal(tu_run(out, sizeof(out), "%s --images '%s' --scale 3 --model '%s' --backends float,accel16,accel8 "
                                "--json '%s'", tu_tool("fastsr-bench"), dir, model, bj), 0);
        assert_non_null(strstr(out, "accel16"));
        cJSON *b = cJSON_Parse(read_text(bj));
        assert_non_null(b);
        const double pf = cJSON_GetObjectItem(b, "mean_psnr_y")->valuedouble;
        const double p16 = cJSON_GetObjectItem(b, "mean_psnr_y_accel16")->valuedouble;
        const double p8 = cJSON_GetObjectItem(b, "mean_psnr_y_accel8")->valuedouble;
        assert_true(fabs(pf - p16) < 0.2);
        assert_true(p8 < p16);
        cJSON_Delete(b);
        assert_int_not_equal(tu_run(out, sizeof(out), "%s --images '%s' --scale 3 --mode bicubic --backends accel8",
                                    tu_tool("fastsr-bench"), dir), 0);
    }

    /* Errors: no scale, missing folder, a model file that is not one. */
    assert_int_not_equal(tu_run(out, sizeof(out), "%s --images '%s'", tu_tool("fastsr-bench"), dir), 0);
    assert_int_not_equal(tu_run(out, sizeof(out), "%s --images '%s/none' --scale 2", tu_tool("fastsr-bench"), dir), 0);
    assert_int_not_equal(tu_run(out, sizeof(out), "%s --images '%s' --scale 2 --model '%s'", tu_tool("fastsr-bench"),
                                dir, junk), 0);
    assert_non_null(strstr(out, "notes.txt"));
    tu_run(NULL, 0, "rm -rf '%s'", dir);
}

/* A small y4m clip (the pattern sliding 2 pixels a frame, grey chroma). */
static void write_y4m(const char *path, int w, int h, int frames)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, "YUV4MPEG2 W%d H%d F25:1 Ip A1:1 C420jpeg\n", w, h);
    uint8_t *y = malloc((size_t)w * h), *c = malloc((size_t)w * h / 2);
    memset(c, 128, (size_t)w * h / 2);
    for (int k = 0; k < frames; k++) {
        for (int j = 0; j < h; j++)
            for (int i = 0; i < w; i++)
                y[j * w + i] = (uint8_t)(128 + 100 * sin((i + 2 * k) * 0.3) * cos(j * 0.2));
        fputs("FRAME\n", f);
        assert_int_equal(fwrite(y, 1, (size_t)w * h, f), (size_t)w * h);
        assert_int_equal(fwrite(c, 1, (size_t)w * h / 2, f), (size_t)w * h / 2);
    }
    free(y);
    free(c);
    fclose(f);
}

/* fastsr-bench --hr --lr-in: an LR video made elsewhere (MPEG-2 here, whose
 * maps come from the stream's own vectors) is measured as it is, the JSON says so
 * and where the maps came from; an LR video of the wrong size is one clear
 * error line before any run. */
static void test_hr_lr_in(void **state)
{
    (void)state;
    char clip[1024], lr[1024], model[1024], json[1024];
    snprintf(clip, sizeof(clip), "%s", tu_tmp("lrin.y4m"));
    snprintf(lr, sizeof(lr), "%s", tu_tmp("lrin.mpg"));
    snprintf(model, sizeof(model), "%s", tu_tmp("lrin-x2.safetensors"));
    snprintf(json, sizeof(json), "%s", tu_tmp("lrin.json"));
    write_y4m(clip, 64, 48, 6);
    assert_int_equal(tu_tiny_model(model, 2), 0);
    assert_int_equal(tu_run(NULL, 0, "ffmpeg -nostdin -loglevel error -y -i '%s' -vf scale=32:24 -c:v mpeg2video "
                            "-q:v 2 '%s'", clip, lr), 0);
    int rc = tu_run(out, sizeof(out), "%s --hr '%s' --lr-in '%s' --model '%s' --modes fast --keyframes every:3 "
                    "--motion stream --no-ssim --accel none --json '%s'", tu_tool("fastsr-bench"), clip, lr, model,
                    json);
    if (rc)
        fail_msg("fastsr-bench --hr --lr-in failed (%d): %s", rc, out);
    cJSON *root = cJSON_Parse(read_text(json));
    assert_non_null(root);
    assert_string_equal(cJSON_GetObjectItem(root, "lr_in")->valuestring, lr);
    const cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "runs"), 0);
    assert_string_equal(cJSON_GetObjectItem(r, "motion")->valuestring, "stream");
    /* frames 0 and 3, and the last: libavcodec's MPEG-2 decoder outputs it
     * at the flush without vectors, so its map is all intra (SR) */
    assert_int_equal((int)cJSON_GetObjectItem(r, "sr_frames")->valuedouble, 3);
    assert_true(cJSON_GetObjectItem(r, "psnr_y")->valuedouble > 20);
    cJSON_Delete(root);
    /* the wrong size: x3 wants 20x16 */
    rc = tu_run(out, sizeof(out), "%s --hr '%s' --lr-in '%s' --scale 3 --model '%s' --modes fast --no-ssim --accel none",
                tu_tool("fastsr-bench"), clip, lr, model);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "fastsr-bench: error: "));
    assert_non_null(strstr(out, "is 32x24"));
    /* one error line */
    assert_null(strstr(strstr(out, "fastsr-bench: error: ") + strlen("fastsr-bench: error: "), "error"));
}

/* fastsr-bench --hr --lr-codec: the LR video made with another of FFmpeg's
 * encoders (MPEG-2 here, with its options), the JSON says which, and the
 * fast run's maps come from the motion search (auto); an option the encoder
 * does not know, or an encoder FFmpeg lacks, is one clear error line. */
static void test_hr_lr_codec(void **state)
{
    (void)state;
    char clip[1024], model[1024], json[1024];
    snprintf(clip, sizeof(clip), "%s", tu_tmp("lrcodec.y4m"));
    snprintf(model, sizeof(model), "%s", tu_tmp("lrcodec-x2.safetensors"));
    snprintf(json, sizeof(json), "%s", tu_tmp("lrcodec.json"));
    write_y4m(clip, 64, 48, 6);
    assert_int_equal(tu_tiny_model(model, 2), 0);
    int rc = tu_run(out, sizeof(out), "%s --hr '%s' --lr-codec mpeg2video:b=300k:bf=2 --model '%s' --modes fast "
                    "--keyframes every:3 --no-ssim --accel none --json '%s'", tu_tool("fastsr-bench"), clip, model,
                    json);
    if (rc)
        fail_msg("fastsr-bench --hr --lr-codec failed (%d): %s", rc, out);
    assert_non_null(strstr(out, "LR: mpeg2video b=300k:bf=2"));
    cJSON *root = cJSON_Parse(read_text(json));
    assert_non_null(root);
    assert_string_equal(cJSON_GetObjectItem(root, "lr_codec")->valuestring, "mpeg2video");
    const cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "runs"), 0);
    assert_string_equal(cJSON_GetObjectItem(r, "motion")->valuestring, "search");
    assert_int_equal((int)cJSON_GetObjectItem(r, "sr_frames")->valuedouble, 2);
    assert_true(cJSON_GetObjectItem(r, "psnr_y")->valuedouble > 20);
    cJSON_Delete(root);
    static const char *const bad[][2] = { { "mpeg2video:bogus=1", "no option 'bogus'" },
                                          { "nosuchcodec", "encoder 'nosuchcodec' is not in this FFmpeg" },
                                          { "mpeg2video:b", "mpeg2video options must be key=value" } };
    for (int i = 0; i < 3; i++) {
        rc = tu_run(out, sizeof(out), "%s --hr '%s' --lr-codec '%s' --model '%s' --modes fast --no-ssim --accel none",
                    tu_tool("fastsr-bench"), clip, bad[i][0], model);
        assert_int_equal(rc, 1);
        if (!strstr(out, bad[i][1]))
            fail_msg("--lr-codec %s: %s", bad[i][0], out);
        assert_null(strstr(strstr(out, "fastsr-bench: error: ") + strlen("fastsr-bench: error: "), "error"));
    }
}

/* fastsr-bench --hr --json: every SR run carries the metrics sheet of its
 * --accel architecture (Sze et al. 2017), every figure marked, the PSNR the
 * bench measured, the run's own per-frame cost; bicubic runs and --accel
 * none have none. */
static void test_hr_sheet(void **state)
{
    (void)state;
    char clip[1024], model[1024], json[1024];
    snprintf(clip, sizeof(clip), "%s", tu_tmp("sheet.y4m"));
    snprintf(model, sizeof(model), "%s", tu_tmp("sheet-x2.safetensors"));
    snprintf(json, sizeof(json), "%s", tu_tmp("sheet.json"));
    write_y4m(clip, 64, 48, 6);
    assert_int_equal(tu_tiny_model(model, 2), 0);
    int rc = tu_run(out, sizeof(out), "%s --hr '%s' --model '%s' --modes bicubic,srcnn,fast --keyframes every:3 "
                    "--preset ultrafast --no-ssim --accel eyeriss-v1 --json '%s'", tu_tool("fastsr-bench"), clip, model,
                    json);
    if (rc)
        fail_msg("fastsr-bench --hr failed (%d): %s", rc, out);
    cJSON *root = cJSON_Parse(read_text(json));
    assert_non_null(root);
    const cJSON *runs = cJSON_GetObjectItem(root, "runs");
    assert_int_equal(cJSON_GetArraySize(runs), 3);
    static const char *const keys[] = { "model", "accuracy", "bits_per_weight", "bits_per_activation", "batch_size",
                                        "runtime_per_frame", "power", "energy_per_frame", "offchip_bytes_per_frame",
                                        "frames_tested", "process_technology", "onchip_memory", "multipliers",
                                        "clock", "core_area" };
    for (int i = 0; i < 3; i++) {
        const cJSON *r = cJSON_GetArrayItem(runs, i), *sheet = cJSON_GetObjectItem(r, "sheet");
        const char *mode = cJSON_GetObjectItem(r, "mode")->valuestring;
        if (!strcmp(mode, "bicubic")) {
            assert_null(sheet); /* no SR, no accelerator */
            continue;
        }
        assert_non_null(sheet);
        assert_string_equal(cJSON_GetObjectItem(sheet, "arch")->valuestring, "eyeriss-v1");
        for (size_t k = 0; k < sizeof(keys) / sizeof(*keys); k++)
            if (!cJSON_GetObjectItem(sheet, keys[k]))
                fail_msg("%s run: sheet lacks \"%s\"", mode, keys[k]);
        /* every figure is marked, with its source */
        int figures = 0;
        for (const cJSON *it = sheet->child; it; it = it->next) {
            if (!cJSON_IsObject(it))
                continue;
            const cJSON *kind = cJSON_GetObjectItem(it, "kind"), *src = cJSON_GetObjectItem(it, "source");
            if (!cJSON_IsString(kind) || (strcmp(kind->valuestring, "measured") && strcmp(kind->valuestring, "simulated") &&
                                          strcmp(kind->valuestring, "published") && strcmp(kind->valuestring, "not known")))
                fail_msg("%s run: sheet figure \"%s\" is not marked", mode, it->string);
            assert_true(cJSON_IsString(src) && src->valuestring[0]);
            assert_non_null(cJSON_GetObjectItem(it, "value"));
            /* a known figure has a value, an unknown one null */
            assert_int_equal(!strcmp(kind->valuestring, "not known"), !!cJSON_IsNull(cJSON_GetObjectItem(it, "value")));
            figures++;
        }
        assert_int_equal(figures, (int)(sizeof(keys) / sizeof(*keys)));
        /* the bench's own PSNR, measured on the named data */
        const cJSON *acc = cJSON_GetObjectItem(sheet, "accuracy");
        assert_string_equal(cJSON_GetObjectItem(acc, "kind")->valuestring, "measured");
        assert_true(fabs(cJSON_GetObjectItem(acc, "value")->valuedouble -
                         cJSON_GetObjectItem(r, "psnr_y")->valuedouble) < 1e-9);
        assert_non_null(strstr(cJSON_GetObjectItem(acc, "text")->valuestring, "sheet.y4m"));
        const cJSON *ft = cJSON_GetObjectItem(sheet, "frames_tested");
        assert_int_equal(cJSON_GetObjectItem(ft, "value")->valueint, 6);
        assert_string_equal(cJSON_GetObjectItem(ft, "kind")->valuestring, "measured");
        /* the run's figures are the report's: FAST's average, not SR's */
        const cJSON *accel = cJSON_GetObjectItem(r, "accel");
        assert_true(fabs(cJSON_GetObjectItem(cJSON_GetObjectItem(sheet, "runtime_per_frame"), "value")->valuedouble /
                             cJSON_GetObjectItem(accel, "seconds_per_frame")->valuedouble - 1) < 1e-9);
        assert_true(fabs(cJSON_GetObjectItem(cJSON_GetObjectItem(sheet, "energy_per_frame"), "value")->valuedouble /
                             cJSON_GetObjectItem(accel, "joules_per_frame")->valuedouble - 1) < 1e-9);
        assert_true(fabs(cJSON_GetObjectItem(cJSON_GetObjectItem(sheet, "offchip_bytes_per_frame"), "value")->valuedouble /
                             cJSON_GetObjectItem(accel, "dram_bytes_per_frame")->valuedouble - 1) < 1e-9);
        assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(sheet, "process_technology"), "kind")->valuestring,
                            "published");
        assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(sheet, "multipliers"), "value")->valueint, 168);
        if (!strcmp(mode, "fast"))
            assert_non_null(strstr(cJSON_GetObjectItem(cJSON_GetObjectItem(sheet, "model"), "text")->valuestring,
                                   "FAST every:3"));
    }
    cJSON_Delete(root);

    /* no architecture, no sheet */
    assert_int_equal(tu_run(out, sizeof(out), "%s --hr '%s' --model '%s' --modes srcnn --preset ultrafast --no-ssim "
                            "--accel none --json '%s'", tu_tool("fastsr-bench"), clip, model, json), 0);
    root = cJSON_Parse(read_text(json));
    assert_non_null(root);
    assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "runs"), 0), "sheet"));
    cJSON_Delete(root);
    /* a bad backend: one line, non-zero */
    assert_int_not_equal(tu_run(out, sizeof(out), "%s --hr '%s' --backend gpu", tu_tool("fastsr-bench"), clip), 0);
    assert_non_null(strstr(out, "--backend wants float or accel"));
}

/* Runs fastsr-bench --conv with the given options, which must succeed,
 * and checks that its output holds each of the NULL-ended lines. */
static void check_conv_prints(const char *options, const char *const *lines)
{
    assert_int_equal(tu_run(out, sizeof(out), "%s --conv %s", tu_tool("fastsr-bench"), options), 0);
    for (const char *const *l = lines; *l; l++)
        if (!strstr(out, *l))
            fail_msg("fastsr-bench --conv %s: no \"%s\" in:\n%s", options, *l, out);
}

static void test_conv_small(void **state)
{
    (void)state;
    check_conv_prints("--size 64x32 --reps 1 --threads 1,2 --nets 9-1-5,3-1-3 --no-dnnl",
                      (const char *const[]){ "FMA peak", "9-1-5        1  fastsr  total",
                                             "3-1-3        2  fastsr  conv3", "9-1-5        2  fastsr  median", NULL });
    /* built without oneDNN, the tool says so; with it, not */
#ifdef FASTSR_HAVE_DNNL
    assert_null(strstr(out, "built without oneDNN"));
#else
    assert_non_null(strstr(out, "built without oneDNN"));
#endif
    assert_int_not_equal(tu_run(out, sizeof(out), "%s --conv --reps 0", tu_tool("fastsr-bench")), 0);
    assert_int_not_equal(tu_run(out, sizeof(out), "%s --conv --nets 9x5", tu_tool("fastsr-bench")), 0);
    assert_int_not_equal(tu_run(out, sizeof(out), "%s --conv --size 3x3", tu_tool("fastsr-bench")), 0);
    assert_int_not_equal(tu_run(out, sizeof(out), "%s --nonsense", tu_tool("fastsr-bench")), 0);
}

/* oneDNN runs alternate with ours: its rows, its median, the ratio.  A
 * build without oneDNN has nothing to compare with: a visible skip. */
static void test_conv_onednn(void **state)
{
    (void)state;
#ifndef FASTSR_HAVE_DNNL
    tu_skip("built without oneDNN (FASTSR_HAVE_DNNL undefined: install libdnnl-dev and reconfigure)");
#else
    check_conv_prints("--size 64x32 --reps 3 --threads 1 --nets 3-3-3",
                      (const char *const[]){ "3-3-3        1  onednn  conv2", "3-3-3        1  onednn  median",
                                             "oneDNN layer-by-layer / fastsr wall time:", "x best,", NULL });
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_images_json),
        cmocka_unit_test(test_hr_sheet),
        cmocka_unit_test(test_hr_lr_in),
        cmocka_unit_test(test_hr_lr_codec),
        cmocka_unit_test(test_conv_small),
        cmocka_unit_test(test_conv_onednn),
    };
    return tu_result(cmocka_run_group_tests_name("bench", tests, NULL, NULL));
}
