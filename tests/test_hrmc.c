/* HR motion compensation: the optimised kernel against the reference on
 * random blocks (borders, every phase, every filter), exact copies for
 * integer vectors, and linear ramps interpolated exactly. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "hrmc.h"

#define PW 96
#define PH 80

static uint8_t plane[PH * PW];

static void fill_random(uint32_t seed)
{
    for (int i = 0; i < PW * PH; i++)
        plane[i] = (uint8_t)tu_rand(&seed);
}

static void test_filters_sum_to_256(void **state)
{
    (void)state;
    const char *names[] = { "bilinear", "bicubic", "h264", "cubic:-0.25", "cubic:0", "cubic:-1" };
    for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
        FsrHrFilter f;
        assert_int_equal(fsr_hr_filter_parse(&f, names[n]), 0);
        for (int q = 0; q < 4; q++) {
            int sum = 0;
            for (int k = 0; k < FSR_HRMC_TAPS; k++)
                sum += f.coef[q][k];
            assert_int_equal(sum, 256);
        }
        /* phase 0 is the identity */
        assert_int_equal(f.coef[0][2], 256);
    }
    FsrHrFilter f;
    assert_int_equal(fsr_hr_filter_parse(&f, "bicubic"), 0);
    const int16_t half[6] = { 0, -16, 144, 144, -16, 0 };
    assert_memory_equal(f.coef[2], half, sizeof(half));
    assert_int_equal(fsr_hr_filter_parse(&f, "cubic:0.5"), -1);
    assert_int_equal(fsr_hr_filter_parse(&f, "lanczos"), -1);
}

static void test_optimised_matches_reference(void **state)
{
    (void)state;
    const char *names[] = { "bilinear", "bicubic", "h264", "cubic:-0.3" };
    const int sizes[][2] = { { 8, 8 }, { 16, 16 }, { 32, 32 }, { 16, 8 }, { 24, 48 }, { 64, 64 }, { 12, 20 } };
    FsrHrMcFn fn = fsr_hrmc_get();
    FsrPlaneRef ref = { plane, PW, PW, PH };
    uint32_t seed = 17;
    fill_random(5);
    static uint8_t a[64 * 64], b[64 * 64];
    for (size_t n = 0; n < 4; n++) {
        FsrHrFilter f;
        fsr_hr_filter_parse(&f, names[n]);
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
            for (int trial = 0; trial < 40; trial++) {
                const int bw = sizes[s][0], bh = sizes[s][1];
                /* positions and vectors that reach past every border */
                const int x = (int)(tu_rand(&seed) % (PW - bw + 1)), y = (int)(tu_rand(&seed) % (PH - bh + 1));
                const int dx4 = (int)(tu_rand(&seed) % 161) - 80, dy4 = (int)(tu_rand(&seed) % 161) - 80;
                fsr_hrmc_block_ref(a, 64, &ref, x, y, bw, bh, dx4, dy4, &f);
                fn(b, 64, &ref, x, y, bw, bh, dx4, dy4, &f);
                for (int j = 0; j < bh; j++)
                    if (memcmp(a + j * 64, b + j * 64, bw))
                        fail_msg("%s %dx%d at (%d,%d) mv (%d,%d): row %d differs", names[n], bw, bh, x, y, dx4, dy4,
                                 j);
            }
    }
}

static void test_integer_vector_copies(void **state)
{
    (void)state;
    fill_random(9);
    FsrPlaneRef ref = { plane, PW, PW, PH };
    FsrHrFilter f;
    fsr_hr_filter_parse(&f, "h264");
    uint8_t out[16 * 16];
    fsr_hrmc_get()(out, 16, &ref, 20, 30, 16, 16, 4 * 7, -4 * 3, &f);
    for (int j = 0; j < 16; j++)
        assert_memory_equal(out + j * 16, plane + (27 + j) * PW + 27, 16);
}

static void test_ramp_half_and_quarter_pel(void **state)
{
    (void)state;
    /* f(x, y) = 2x + y: every filter here reproduces linear functions */
    for (int y = 0; y < PH; y++)
        for (int x = 0; x < PW; x++)
            plane[y * PW + x] = (uint8_t)(2 * x + y);
    FsrPlaneRef ref = { plane, PW, PW, PH };
    const char *names[] = { "bilinear", "bicubic" };
    for (int n = 0; n < 2; n++) {
        FsrHrFilter f;
        fsr_hr_filter_parse(&f, names[n]);
        uint8_t out[16 * 16];
        /* +2.5 px in x, +1.25 px in y: value 2*(x+2.5) + (y+1.25), rounded */
        fsr_hrmc_get()(out, 16, &ref, 20, 20, 16, 16, 10, 5, &f);
        for (int j = 0; j < 16; j++)
            for (int i = 0; i < 16; i++) {
                const double want = 2.0 * (20 + i + 2.5) + (20 + j + 1.25);
                const int got = out[j * 16 + i];
                if (got != (int)(want + 0.5))
                    fail_msg("%s (%d,%d): %d, want %.2f", names[n], i, j, got, want);
            }
    }
}

static void test_add_residual(void **state)
{
    (void)state;
    uint8_t a[24 * 5], b[24 * 5];
    int16_t r[24 * 5];
    uint32_t seed = 1;
    for (int i = 0; i < 24 * 5; i++) {
        a[i] = b[i] = (uint8_t)tu_rand(&seed);
        r[i] = (int16_t)((int)(tu_rand(&seed) % 1200) - 600);
    }
    r[0] = 32767;
    r[1] = -32768;
    fsr_add_residual_ref(a, 24, r, 24, 24, 5);
    fsr_add_residual_get()(b, 24, r, 24, 24, 5);
    assert_memory_equal(a, b, sizeof(a));
    assert_int_equal(a[0], 255);
    assert_int_equal(a[1], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters_sum_to_256),
        cmocka_unit_test(test_optimised_matches_reference),
        cmocka_unit_test(test_integer_vector_copies),
        cmocka_unit_test(test_ramp_half_and_quarter_pel),
        cmocka_unit_test(test_add_residual),
    };
    return cmocka_run_group_tests_name("hrmc", tests, NULL, NULL);
}
