/* Evaluation protocol pieces on generated images: MATLAB rounding and
 * rgb2ycbcr, imresize weights and antialiasing, PSNR and SSIM with known
 * answers, the whole protocol, and the image reader. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/bicubic.h"
#include "fastsr/eval.h"
#include "fastsr/sr.h"

static void test_matlab_u8(void **state)
{
    (void)state;
    assert_int_equal(fsr_matlab_u8(2.5), 3);
    assert_int_equal(fsr_matlab_u8(2.4999), 2);
    assert_int_equal(fsr_matlab_u8(254.5), 255);
    assert_int_equal(fsr_matlab_u8(-3.0), 0);
    assert_int_equal(fsr_matlab_u8(300.0), 255);
    assert_int_equal(fsr_matlab_u8(NAN), 0);
}

static void test_rgb_to_y(void **state)
{
    (void)state;
    /* BT.601 studio range: black 16, white 235, primaries 16 + coefficient. */
    assert_true(fabs(fsr_rgb_to_y(0, 0, 0) - 16.0) < 1e-9);
    assert_true(fabs(fsr_rgb_to_y(255, 255, 255) - 235.0) < 1e-9);
    assert_true(fabs(fsr_rgb_to_y(255, 0, 0) - 81.481) < 1e-9);
    assert_true(fabs(fsr_rgb_to_y(0, 255, 0) - 144.553) < 1e-9);
    assert_true(fabs(fsr_rgb_to_y(0, 0, 255) - 40.966) < 1e-9);
    assert_int_equal(fsr_matlab_u8(fsr_rgb_to_y(128, 128, 128)), 126); /* 16 + 219*128/255 = 125.93 */
}

static void test_imresize_constant(void **state)
{
    (void)state;
    static const int sizes[][2] = { { 12, 12 }, { 15, 9 }, { 40, 4 }, { 3, 3 } };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        for (int s = 2; s <= 4; s++) {
            const int w = sizes[i][0] / s * s, h = sizes[i][1] / s * s;
            if (w < s || h < s)
                continue;
            double *src = malloc(sizeof(double) * w * h), *lr = malloc(sizeof(double) * w * h),
                   *up = malloc(sizeof(double) * w * h);
            for (int k = 0; k < w * h; k++)
                src[k] = 0.37;
            assert_int_equal(fsr_imresize(lr, w / s, h / s, src, w, h), 0);
            for (int k = 0; k < w / s * h / s; k++)
                assert_true(fabs(lr[k] - 0.37) < 1e-12);
            assert_int_equal(fsr_imresize(up, w, h, lr, w / s, h / s), 0);
            for (int k = 0; k < w * h; k++)
                assert_true(fabs(up[k] - 0.37) < 1e-12);
            free(src);
            free(lr);
            free(up);
        }
}

static void test_imresize_antialias_weights(void **state)
{
    (void)state;
    /* x1/2: the cubic is stretched to 8 taps, h(d) = cubic(d/2)/2; output u
     * (1-based) sits at 2u-0.5.  An impulse at 1-based position 9 therefore
     * reappears as the weights for distances 3.5, 1.5, 0.5, 2.5. */
    double src[16] = { 0 }, dst[8];
    src[8] = 1.0;
    assert_int_equal(fsr_imresize(dst, 8, 1, src, 16, 1), 0);
    const double want[8] = { 0, 0, -0.01171875, 0.11328125, 0.43359375, -0.03515625, 0, 0 };
    for (int i = 0; i < 8; i++)
        if (fabs(dst[i] - want[i]) > 1e-12)
            fail_msg("output %d: %.10f, expected %.10f", i, dst[i], want[i]);
}

static void test_imresize_antialias_pattern(void **state)
{
    (void)state;
    /* Columns alternating 0/1 shrunk by 2: with antialiasing every interior
     * output sees odd and even columns with equal total weight, so it is
     * exactly 0.5 (point sampling would give 0s and 1s). */
    enum { W = 32, H = 6 };
    double src[W * H], dst[W / 2 * H / 2];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            src[y * W + x] = x & 1;
    assert_int_equal(fsr_imresize(dst, W / 2, H / 2, src, W, H), 0);
    for (int y = 0; y < H / 2; y++)
        for (int x = 2; x < W / 2 - 2; x++)
            assert_true(fabs(dst[y * (W / 2) + x] - 0.5) < 1e-12);
    /* x3 of a period-3 pattern 0,0,1: interior outputs all equal 1/3. */
    double s3[27 * 3], d3[9];
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 27; x++)
            s3[y * 27 + x] = x % 3 == 2;
    assert_int_equal(fsr_imresize(d3, 9, 1, s3, 27, 3), 0);
    for (int x = 2; x < 7; x++)
        assert_true(fabs(d3[x] - 1.0 / 3) < 1e-12);
}

static void test_psnr_known_error(void **state)
{
    (void)state;
    enum { W = 20, H = 14 };
    uint8_t a[W * H], b[W * H];
    for (int i = 0; i < W * H; i++)
        a[i] = b[i] = (uint8_t)(i * 7);
    assert_true(isinf(fsr_psnr_u8(a, W, b, W, W, H, 0)));
    /* Every pixel off by 2: MSE 4, PSNR 10 log10(255^2/4). */
    for (int i = 0; i < W * H; i++)
        b[i] = (uint8_t)(a[i] ^ 2);
    const double want = 10 * log10(255.0 * 255.0 / 4.0);
    assert_true(fabs(fsr_psnr_u8(a, W, b, W, W, H, 0) - want) < 1e-9);
    /* An error confined to the shaved border does not count. */
    memcpy(b, a, sizeof(a));
    b[0] = (uint8_t)(a[0] + 50);
    b[W * H - 1] = (uint8_t)(a[W * H - 1] + 50);
    assert_true(isinf(fsr_psnr_u8(a, W, b, W, W, H, 2)));
    assert_false(isinf(fsr_psnr_u8(a, W, b, W, W, H, 0)));
}

static void test_ssim_known_values(void **state)
{
    (void)state;
    enum { W = 30, H = 25 };
    uint8_t a[W * H], b[W * H];
    uint32_t seed = 3;
    for (int i = 0; i < W * H; i++)
        a[i] = (uint8_t)tu_rand(&seed);
    assert_true(fabs(fsr_ssim_u8(a, W, a, W, W, H, 3) - 1.0) < 1e-12);
    /* Two flat images 100 and 110: variances 0, so SSIM is the luminance
     * term (2*100*110 + C1) / (100^2 + 110^2 + C1), C1 = (0.01*255)^2. */
    memset(a, 100, sizeof(a));
    memset(b, 110, sizeof(b));
    const double c1 = 2.55 * 2.55;
    assert_true(fabs(fsr_ssim_u8(a, W, b, W, W, H, 2) - (22000 + c1) / (22100 + c1)) < 1e-12);
    /* Noise lowers it. */
    for (int i = 0; i < W * H; i++)
        b[i] = (uint8_t)(100 + (int)(tu_rand(&seed) % 41) - 20);
    assert_true(fsr_ssim_u8(a, W, b, W, W, H, 2) < 0.9);
    /* Too small after shaving: NaN rather than a made-up value. */
    assert_true(isnan(fsr_ssim_u8(a, W, b, W, 12, 12, 1)));
}

static uint8_t *smooth_rgb(int w, int h)
{
    uint8_t *rgb = malloc((size_t)3 * w * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *p = rgb + 3 * ((size_t)y * w + x);
            p[0] = (uint8_t)(128 + 100 * sin(x * 0.7) * cos(y * 0.45));
            p[1] = (uint8_t)(128 + 80 * sin(x * 0.3 + y * 0.5));
            p[2] = (uint8_t)(60 + (x * 7) % 50 + (y * 3) % 40);
        }
    return rgb;
}

/* The evaluation composed here from its parts, each tested above against
 * known answers: Y of the HR picture rounded to 8 bits (rgb2ycbcr), the
 * top-left crop to a multiple of the scale (modcrop), imresize down and up
 * in doubles (or the project's bicubic on the 8-bit LR), rounded, and PSNR
 * over the picture less a border of `scale` pixels (own loop), SSIM over
 * the same.  protocol_rgb: every RGB channel goes down and up (8-bit LR, as
 * MATLAB's imresize on uint8), Y is taken from the upscaled picture.
 * fsr_eval_rgb must give exactly this. */
static void expected_eval(double *psnr, double *ssim, const uint8_t *rgb, int w, int h, int s, int protocol_rgb,
                          int kernel)
{
    const int cw = w / s * s, ch = h / s * s, lw = cw / s, lh = ch / s;
    uint8_t *gt = malloc((size_t)cw * ch), *out = malloc((size_t)cw * ch), *rgbup = malloc((size_t)3 * cw * ch);
    double *hr = malloc(sizeof(double) * cw * ch), *lr = malloc(sizeof(double) * lw * lh),
           *up = malloc(sizeof(double) * cw * ch);
    uint8_t *l8 = malloc((size_t)lw * lh), *h8 = malloc((size_t)cw * ch);
    for (int y = 0; y < ch; y++)
        for (int x = 0; x < cw; x++) {
            const uint8_t *p = rgb + 3 * ((size_t)y * w + x);
            gt[y * cw + x] = fsr_matlab_u8(fsr_rgb_to_y(p[0], p[1], p[2]));
        }
    for (int c = 0; c < (protocol_rgb ? 3 : 1); c++) {
        for (int y = 0; y < ch; y++)
            for (int x = 0; x < cw; x++)
                hr[y * cw + x] = (protocol_rgb ? rgb[3 * ((size_t)y * w + x) + c] : gt[y * cw + x]) / 255.0;
        assert_int_equal(fsr_imresize(lr, lw, lh, hr, cw, ch), 0);
        if (protocol_rgb)
            for (int i = 0; i < lw * lh; i++)
                lr[i] = fsr_matlab_u8(lr[i] * 255.0) / 255.0;
        if (kernel) {
            for (int i = 0; i < lw * lh; i++)
                l8[i] = fsr_matlab_u8(lr[i] * 255.0);
            assert_int_equal(fsr_bicubic_plane(h8, cw, l8, lw, lw, lh, s), 0);
            for (int i = 0; i < cw * ch; i++)
                up[i] = h8[i] / 255.0;
        } else {
            assert_int_equal(fsr_imresize(up, cw, ch, lr, lw, lh), 0);
        }
        for (int i = 0; i < cw * ch; i++) {
            out[i] = fsr_matlab_u8(up[i] * 255.0);
            rgbup[3 * i + c] = out[i];
        }
    }
    if (protocol_rgb)
        for (int i = 0; i < cw * ch; i++)
            out[i] = fsr_matlab_u8(fsr_rgb_to_y(rgbup[3 * i], rgbup[3 * i + 1], rgbup[3 * i + 2]));
    double se = 0;
    for (int y = s; y < ch - s; y++)
        for (int x = s; x < cw - s; x++) {
            const double d = (double)gt[y * cw + x] - out[y * cw + x];
            se += d * d;
        }
    *psnr = 10 * log10(255.0 * 255.0 / (se / ((double)(cw - 2 * s) * (ch - 2 * s))));
    *ssim = fsr_ssim_u8(gt, cw, out, cw, cw, ch, s);
    free(gt);
    free(out);
    free(rgbup);
    free(hr);
    free(lr);
    free(up);
    free(l8);
    free(h8);
}

static void test_protocol(void **state)
{
    (void)state;
    const int w = 97, h = 70; /* not multiples of 2, 3 or 4: modcrop matters */
    uint8_t *rgb = smooth_rgb(w, h);
    FsrEvalResult y, r, k;
    for (int s = 2; s <= 4; s++) {
        FsrEvalOptions o = { .scale = s };
        assert_int_equal(fsr_eval_rgb(&y, rgb, 3 * w, w, h, &o), 0);
        assert_int_equal(y.w, w - w % s);
        assert_int_equal(y.h, h - h % s);
        o.protocol = FSR_EVAL_RGB;
        assert_int_equal(fsr_eval_rgb(&r, rgb, 3 * w, w, h, &o), 0);
        o.protocol = FSR_EVAL_Y_FIRST;
        o.upscaler = FSR_EVAL_UP_KERNEL;
        assert_int_equal(fsr_eval_rgb(&k, rgb, 3 * w, w, h, &o), 0);
        /* each variant exactly as composed from its parts */
        const FsrEvalResult *got[3] = { &y, &r, &k };
        for (int v = 0; v < 3; v++) {
            double want_psnr, want_ssim;
            expected_eval(&want_psnr, &want_ssim, rgb, w, h, s, v == 1, v == 2);
            if (fabs(got[v]->psnr_y - want_psnr) > 1e-9 || fabs(got[v]->ssim_y - want_ssim) > 1e-12)
                fail_msg("x%d variant %d: PSNR %.6f (composed %.6f), SSIM %.6f (composed %.6f)", s, v,
                         got[v]->psnr_y, want_psnr, got[v]->ssim_y, want_ssim);
        }
        /* The figures themselves, as measured when this test was written
         * (both ways above agree on them): a change to a part that the
         * composition shares moves them.  0.01 dB leaves room for libm's
         * last bits in sin/cos of the test picture, nothing more. */
        static const double known_psnr[5] = { 0, 0, 42.3813, 32.4204, 25.7417 };
        if (fabs(y.psnr_y - known_psnr[s]) > 0.01)
            fail_msg("x%d: PSNR-Y %.4f, measured %.4f", s, y.psnr_y, known_psnr[s]);
        /* The variants differ only by 8-bit rounding: close, not equal. */
        assert_true(fabs(r.psnr_y - y.psnr_y) < 0.5 && r.psnr_y != y.psnr_y);
        assert_true(fabs(k.psnr_y - y.psnr_y) < 0.5);
    }
    /* Larger scale, lower quality on the same picture. */
    FsrEvalResult r2, r4;
    FsrEvalOptions o2 = { .scale = 2 }, o4 = { .scale = 4 };
    assert_int_equal(fsr_eval_rgb(&r2, rgb, 3 * w, w, h, &o2), 0);
    assert_int_equal(fsr_eval_rgb(&r4, rgb, 3 * w, w, h, &o4), 0);
    assert_true(r2.psnr_y > r4.psnr_y + 1);

    /* Through an identity network the result is the bicubic one. */
    const int ch[2] = { 1, 1 }, kk[1] = { 1 };
    FsrModel *m = NULL;
    assert_int_equal(fsr_model_open_empty(&m, "srcnn", 2, FSR_PAD_REPLICATE, 1, ch, kk), 0);
    m->layers[0].weight[0] = 1.f;
    FsrEvalOptions os = { .scale = 2 };
    assert_int_equal(fsr_sr_open(&os.sr, m, 1), 0);
    FsrEvalResult rs;
    assert_int_equal(fsr_eval_rgb(&rs, rgb, 3 * w, w, h, &os), 0);
    assert_true(fabs(rs.psnr_y - r2.psnr_y) < 1e-9);
    os.scale = 3; /* model is x2 */
    assert_true(fsr_eval_rgb(&rs, rgb, 3 * w, w, h, &os) < 0);
    fsr_sr_close(&os.sr);
    fsr_model_close(&m);

    FsrEvalOptions bad = { .scale = 5 };
    assert_true(fsr_eval_rgb(&rs, rgb, 3 * w, w, h, &bad) < 0);
    assert_true(fsr_eval_rgb(NULL, rgb, 3 * w, w, h, &o2) < 0);
    free(rgb);
}

static void test_image_loader(void **state)
{
    (void)state;
    /* A binary PPM written by hand: the loader must return its exact pixels. */
    const int w = 7, h = 5;
    uint8_t *rgb = smooth_rgb(w, h);
    const char *path = tu_tmp("img.ppm");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, "P6\n%d %d\n255\n", w, h);
    assert_int_equal(fwrite(rgb, 1, (size_t)3 * w * h, f), (size_t)3 * w * h);
    fclose(f);
    uint8_t *got = NULL;
    int gw = 0, gh = 0;
    assert_int_equal(fsr_image_load_rgb(path, &got, &gw, &gh), 0);
    assert_int_equal(gw, w);
    assert_int_equal(gh, h);
    assert_memory_equal(got, rgb, (size_t)3 * w * h);
    free(got);
    remove(path);
    /* Not an image. */
    const char *junk = tu_tmp("junk.png");
    f = fopen(junk, "wb");
    fputs("this is not a picture", f);
    fclose(f);
    assert_true(fsr_image_load_rgb(junk, &got, &gw, &gh) < 0);
    assert_null(got);
    assert_non_null(strstr(fsr_last_error(), "junk.png"));
    remove(junk);
    assert_true(fsr_image_load_rgb(tu_tmp("missing.png"), &got, &gw, &gh) < 0);
    free(rgb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matlab_u8),
        cmocka_unit_test(test_rgb_to_y),
        cmocka_unit_test(test_imresize_constant),
        cmocka_unit_test(test_imresize_antialias_weights),
        cmocka_unit_test(test_imresize_antialias_pattern),
        cmocka_unit_test(test_psnr_known_error),
        cmocka_unit_test(test_ssim_known_values),
        cmocka_unit_test(test_protocol),
        cmocka_unit_test(test_image_loader),
    };
    return tu_result(cmocka_run_group_tests_name("eval", tests, NULL, NULL));
}
