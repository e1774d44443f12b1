/* The player's YUV 4:2:0 -> XRGB converter: the SIMD kernel against the
 * plain C reference (identical bytes, any column range; skipped, with the
 * reason, where only C exists), known colours through both, and
 * columns outside the range left alone. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "yuv.h"

#define W 203 /* odd, and not a multiple of the SIMD width */
#define H 37

static uint8_t py[H * W], pu[(H + 1) / 2 * ((W + 1) / 2)], pv[(H + 1) / 2 * ((W + 1) / 2)];
static uint32_t ref[H * W], simd[H * W];
#define CW ((W + 1) / 2)

static void fill(uint32_t seed)
{
    for (size_t i = 0; i < sizeof(py); i++)
        py[i] = (uint8_t)tu_rand(&seed);
    for (size_t i = 0; i < sizeof(pu); i++) {
        pu[i] = (uint8_t)tu_rand(&seed);
        pv[i] = (uint8_t)tu_rand(&seed);
    }
    /* the extremes, where clamping matters */
    py[0] = 0, py[1] = 255, pu[0] = 0, pv[0] = 255, pu[1] = 255, pv[1] = 0;
}

static void convert(uint32_t *dst, int x0, int x1, const YuvCoeffs *c, unsigned flags)
{
    yuv420_to_xrgb((uint8_t *)dst, W * 4, py, W, pu, CW, pv, CW, x0, x1, H, c, flags);
}

static void test_simd_matches_c(void **state)
{
    (void)state;
    tu_require_simd(); /* else YUV_SIMD is C, and C would be compared with itself */
    const int ranges[][2] = { { 0, W }, { 0, 16 }, { 2, 19 }, { 100, W }, { 0, 1 }, { 64, 64 }, { 198, 203 }, { 1, W }, { 3, 40 }, { 201, 202 } };
    for (int m = 0; m < 2; m++)
        for (int full = 0; full < 2; full++) {
            YuvCoeffs c;
            yuv_coeffs_init(&c, m, full);
            fill(1234u + (uint32_t)(m * 2 + full));
            for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
                memset(ref, 0x5a, sizeof(ref));
                memset(simd, 0x5a, sizeof(simd));
                convert(ref, ranges[r][0], ranges[r][1], &c, 0);
                convert(simd, ranges[r][0], ranges[r][1], &c, YUV_SIMD);
                assert_memory_equal(ref, simd, sizeof(ref));
                /* columns outside [x0, x1) untouched */
                for (int j = 0; j < H; j++)
                    for (int i = 0; i < W; i++)
                        if (i < ranges[r][0] || i >= ranges[r][1])
                            assert_int_equal(ref[j * W + i], 0x5a5a5a5au);
            }
        }
}

static uint32_t one_pixel(int m, int full, int y, int u, int v)
{
    YuvCoeffs c;
    yuv_coeffs_init(&c, m, full);
    /* 32 equal pixels, wide enough for the SIMD kernel where there is one,
     * converted by the C kernel and by the fastest one: all the same */
    enum { N = 32 };
    uint8_t yy[N], uu[N / 2], vv[N / 2];
    memset(yy, y, sizeof(yy));
    memset(uu, u, sizeof(uu));
    memset(vv, v, sizeof(vv));
    uint32_t out[2][N];
    for (int k = 0; k < 2; k++) {
        yuv420_to_xrgb((uint8_t *)out[k], 4 * N, yy, N, uu, N / 2, vv, N / 2, 0, N, 1, &c, k ? YUV_SIMD : 0);
        for (int i = 1; i < N; i++)
            assert_int_equal(out[k][i], out[0][0]);
    }
    return out[0][0];
}

static int near(uint32_t px, int r, int g, int b)
{
    const int pr = (px >> 16) & 255, pg = (px >> 8) & 255, pb = px & 255;
    return (px >> 24) == 255 && abs(pr - r) <= 2 && abs(pg - g) <= 2 && abs(pb - b) <= 2;
}

static void test_known_colours(void **state)
{
    (void)state;
    /* limited range: 16 black, 235 white, and beyond them clamped */
    assert_int_equal(one_pixel(YUV_BT601, 0, 16, 128, 128), 0xff000000u);
    assert_int_equal(one_pixel(YUV_BT601, 0, 235, 128, 128), 0xffffffffu);
    assert_int_equal(one_pixel(YUV_BT709, 0, 0, 128, 128), 0xff000000u);
    assert_int_equal(one_pixel(YUV_BT709, 0, 255, 128, 128), 0xffffffffu);
    assert_int_equal(one_pixel(YUV_BT601, 1, 128, 128, 128), 0xff808080u);
    /* 75% colour bars' red and blue (ITU-R BT.601 / BT.709 limited range) */
    assert_true(near(one_pixel(YUV_BT601, 0, 65, 100, 212), 191, 0, 0));
    assert_true(near(one_pixel(YUV_BT601, 0, 35, 212, 114), 0, 0, 191));
    assert_true(near(one_pixel(YUV_BT709, 0, 51, 109, 212), 191, 0, 0));
    assert_true(near(one_pixel(YUV_BT709, 0, 28, 212, 120), 0, 0, 191));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simd_matches_c),
        cmocka_unit_test(test_known_colours),
    };
    return tu_result(cmocka_run_group_tests_name("player_yuv", tests, NULL, NULL));
}
