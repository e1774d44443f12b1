/* The accelerator model's fixed-point row kernels: exact integer sums. */
#include "checkasm.h"

#include <stdlib.h>
#include <string.h>

#include "fixed.h"

static void check_row32(const FsrFixedDSP *c, const FsrFixedDSP *lower, const FsrFixedDSP *cur)
{
    if (!checkasm_func(c->conv_row32, lower->conv_row32, cur->conv_row32, "conv_row32"))
        return;
    /* no SIMD version yet: a future one would be checked here like pairs */
    checkasm_report();
}

static void check_pairs(const FsrFixedDSP *c, const FsrFixedDSP *lower, const FsrFixedDSP *cur)
{
    if (!checkasm_func(c->conv_row_pairs, lower->conv_row_pairs, cur->conv_row_pairs, "conv_row_pairs"))
        return;
    static const int shapes[][3] = { { 1, 9, 9 }, { 8, 5, 5 }, { 3, 3, 3 }, { 2, 1, 7 }, { 4, 3, 1 }, { 1, 1, 2 } };
    enum { W = 300 };
    int benched = 0; /* the first case of width >= 128 */
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
        for (int w = 1; w <= W; w += 1 + w / 5) {
            const FixedLayer l = { .in_ch = shapes[s][0], .out_ch = 1, .kh = shapes[s][1], .kw = shapes[s][2] };
            const int pw = w + 2 * (l.kw / 2), nr = l.in_ch * l.kh, np = (l.kw + 1) / 2;
            int32_t *rows = malloc((size_t)nr * pw * sizeof(*rows)), *pairs = malloc((size_t)nr * pw * sizeof(*pairs));
            int32_t *wp = malloc((size_t)nr * np * sizeof(*wp));
            int32_t a[W + 8], b[W + 8];
            /* 12-bit activations (>= 0, as after ReLU) and weights: every
             * partial sum fits in 32 bits */
            /* The last shape is the accumulator's worst case: one pair of
             * the widest words (activations 2^15 - 1, weights +-(2^15 - 1))
             * and a bias that takes the sum to INT32_MAX or INT32_MIN. */
            const int edge = l.in_ch * l.kh * l.kw == 2, neg = edge && w % 2;
            for (int i = 0; i < nr * pw; i++)
                rows[i] = edge ? 32767 : checkasm_rand_int(0, 4095);
            fixed_make_pairs(pairs, rows, nr, pw);
            for (int i = 0; i < nr * np; i++)
                wp[i] = edge ? (int32_t)((uint32_t)(uint16_t)(neg ? -32767 : 32767) * 0x10001u)
                             : (int32_t)((uint32_t)(uint16_t)checkasm_rand_int(-2048, 2047) |
                                         (uint32_t)(uint16_t)checkasm_rand_int(-2048, 2047) << 16);
            /* 2 * 32767^2 = 2147352578 */
            const int64_t bias = edge ? (neg ? INT32_MIN + 2147352578LL : INT32_MAX - 2147352578LL)
                                      : checkasm_rand_int(-100000, 100000);
            memset(a, 0, sizeof(a));
            memset(b, 0, sizeof(b));
            c->conv_row_pairs(a, pairs, wp, bias, &l, w);
            cur->conv_row_pairs(b, pairs, wp, bias, &l, w);
            if (memcmp(a, b, sizeof(a)))
                checkasm_fail("%d channels %dx%d width %d", l.in_ch, l.kh, l.kw, w);
            if (s == 1 && !benched && w >= 128 && (benched = 1))
                checkasm_bench(c->conv_row_pairs(a, pairs, wp, bias, &l, w),
                               cur->conv_row_pairs(b, pairs, wp, bias, &l, w));
            free(rows);
            free(pairs);
            free(wp);
        }
    checkasm_report();
}

void checkasm_check_accel_sr(void)
{
    FsrFixedDSP c, lower, cur;
    fixed_dsp_init(&c, 0);
    fixed_dsp_init(&lower, checkasm_lower_flags());
    fixed_dsp_init(&cur, checkasm_flags());
    check_row32(&c, &lower, &cur);
    check_pairs(&c, &lower, &cur);
}
