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
        cmocka_unit_test(test_conv_small),
        cmocka_unit_test(test_conv_onednn),
    };
    return tu_result(cmocka_run_group_tests_name("bench", tests, NULL, NULL));
}
