/* The H.264 header parser (src/h264/h264_parse.c) on hand-written parameter
 * sets and slice headers: a valid IDR + P pair parses, and the values past
 * the ranges of the standard that fuzzing found (tests/fuzz/crashes/
 * h264_parse/) make the parameter set or the slice header unreadable
 * instead of overflowing (undefined behaviour) or indexing outside the
 * parameter-set tables. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "h264_parse.h"

/* ---- a bit writer that emits Annex B NAL units ---- */

typedef struct Writer {
    uint8_t rbsp[256];
    int bits;
    uint8_t stream[4096];
    int size;
} Writer;

static void put_bits(Writer *w, int n, uint64_t v)
{
    while (n--) {
        const int bit = (int)(v >> n) & 1;
        w->rbsp[w->bits >> 3] |= (uint8_t)(bit << (7 - (w->bits & 7)));
        w->bits++;
    }
}

static void put_ue(Writer *w, uint64_t v)
{
    uint64_t x = v + 1;
    int len = 0;
    while (x >> len > 1)
        len++;
    put_bits(w, len, 0);
    put_bits(w, len + 1, x);
}

static void put_se(Writer *w, int v)
{
    put_ue(w, v > 0 ? 2 * (uint64_t)v - 1 : 2 * (uint64_t)(-(int64_t)v));
}

static void begin(Writer *w, int ref_idc, int type)
{
    memset(w->rbsp, 0, sizeof(w->rbsp));
    w->bits = 0;
    put_bits(w, 8, (uint64_t)(ref_idc << 5 | type));
}

/* rbsp trailing bits, emulation prevention, start code */
static void end(Writer *w)
{
    put_bits(w, 1, 1);
    const int n = (w->bits + 7) / 8;
    static const uint8_t sc[3] = { 0, 0, 1 };
    memcpy(w->stream + w->size, sc, 3);
    w->size += 3;
    int zeros = 0;
    for (int i = 0; i < n; i++) {
        if (zeros >= 2 && w->rbsp[i] <= 3) {
            w->stream[w->size++] = 3;
            zeros = 0;
        }
        zeros = w->rbsp[i] ? 0 : zeros + 1;
        w->stream[w->size++] = w->rbsp[i];
    }
}

/* Baseline SPS 0: 4x3 macroblocks, POC type 0, 4-bit frame_num and POC LSB. */
static void sps(Writer *w, uint64_t map_h_minus1)
{
    begin(w, 3, 7);
    put_bits(w, 8, 66);
    put_bits(w, 16, 30);
    put_ue(w, 0);   /* sps id */
    put_ue(w, 0);   /* log2_max_frame_num - 4 */
    put_ue(w, 0);   /* poc type */
    put_ue(w, 0);   /* log2_max_poc_lsb - 4 */
    put_ue(w, 2);   /* max_num_ref_frames */
    put_bits(w, 1, 0);
    put_ue(w, 3);   /* width in MBs - 1 */
    put_ue(w, map_h_minus1);
    put_bits(w, 1, 1); /* frame_mbs_only */
    put_bits(w, 3, 0);
    end(w);
}

/* High 4:4:4 SPS 0 (profile 244, chroma_format_idc 3, one colour plane),
 * otherwise as sps(). */
static void sps444(Writer *w)
{
    begin(w, 3, 7);
    put_bits(w, 8, 244);
    put_bits(w, 16, 30);
    put_ue(w, 0);   /* sps id */
    put_ue(w, 3);   /* chroma_format_idc */
    put_bits(w, 1, 0); /* separate_colour_plane_flag */
    put_ue(w, 0);   /* bit depths - 8 */
    put_ue(w, 0);
    put_bits(w, 2, 0); /* qpprime_y_zero_transform_bypass, no scaling matrices */
    put_ue(w, 0);
    put_ue(w, 0);
    put_ue(w, 0);
    put_ue(w, 2);
    put_bits(w, 1, 0);
    put_ue(w, 3);
    put_ue(w, 2);
    put_bits(w, 1, 1);
    put_bits(w, 3, 0);
    end(w);
}

static void pps(Writer *w, uint64_t sps_id, int weighted_pred)
{
    begin(w, 3, 8);
    put_ue(w, 0);   /* pps id */
    put_ue(w, sps_id);
    put_bits(w, 1, 0);
    put_bits(w, 1, 0);
    put_ue(w, 0);   /* one slice group */
    put_ue(w, 0);
    put_ue(w, 0);
    put_bits(w, 1, (uint64_t)weighted_pred);
    put_bits(w, 2, 0);
    put_se(w, 0);
    put_se(w, 0);
    put_se(w, 0);
    put_bits(w, 3, 0);
    end(w);
}

static void idr_slice(Writer *w)
{
    begin(w, 3, 5);
    put_ue(w, 0);   /* first_mb */
    put_ue(w, 7);   /* I */
    put_ue(w, 0);   /* pps id */
    put_bits(w, 4, 0);
    put_ue(w, 0);   /* idr_pic_id */
    put_bits(w, 4, 0);
    put_bits(w, 2, 0); /* no_output_of_prior_pics, long_term_reference */
    put_bits(w, 8, 0x55);
    end(w);
}

/* P slice, frame_num 1, POC LSB 2; with a weight table when denom is set */
static void p_slice(Writer *w, uint64_t pps_id, int64_t denom)
{
    begin(w, 2, 1);
    put_ue(w, 0);
    put_ue(w, 5);   /* P */
    put_ue(w, pps_id);
    put_bits(w, 4, 1);
    put_bits(w, 4, 2);
    put_bits(w, 1, 0); /* num_ref_idx_active_override */
    put_bits(w, 1, 0); /* ref_pic_list_modification_flag_l0 */
    if (denom >= 0) {
        put_ue(w, (uint64_t)denom); /* luma_log2_weight_denom */
        put_ue(w, 0);               /* chroma */
        put_bits(w, 2, 0);          /* no weights for entry 0 */
    }
    put_bits(w, 1, 0); /* adaptive_ref_pic_marking_mode_flag */
    put_bits(w, 8, 0x55);
    end(w);
}

/* Parses the stream as one packet per NAL unit; returns the last picture
 * (AU) in *au, its slices freed; the number of pictures. */
static int parse_all(const Writer *w, FsrH264AU *last)
{
    FsrH264Parser *p = NULL;
    assert_int_equal(fsr_h264_parser_open(&p, NULL, 0), 0);
    int pictures = 0, start = 0;
    memset(last, 0, sizeof(*last));
    for (int i = 3; i <= w->size; i++) {
        if (i < w->size && !(i + 3 <= w->size && !w->stream[i] && !w->stream[i + 1] && w->stream[i + 2] == 1))
            continue;
        FsrH264AU au;
        const int ret = fsr_h264_parse_packet(p, w->stream + start, i - start, pictures, &au);
        assert_true(ret >= 0);
        if (ret == 1) {
            pictures++;
            fsr_h264_au_free(&au);
            *last = au;
        }
        start = i;
    }
    fsr_h264_parser_close(&p);
    return pictures;
}

static void test_valid_idr_and_p(void **state)
{
    (void)state;
    Writer w = { .size = 0 };
    sps(&w, 2);
    pps(&w, 0, 1);
    idr_slice(&w);
    p_slice(&w, 0, 3);
    FsrH264AU au;
    assert_int_equal(parse_all(&w, &au), 2);
    assert_int_equal(au.unmodelled, 0);
    assert_int_equal(au.mb_w, 4);
    assert_int_equal(au.mb_h, 3);
    assert_int_equal(au.frame_num, 1);
    assert_int_equal(au.poc, 2);
}

/* 4:4:4 with one colour plane has no colour_plane_id in its slice headers
 * (the parser read two bits of one whenever chroma_format_idc was 3: x264's
 * 4:4:4 seed of the fuzzer showed half its headers unreadable). */
static void test_444_slice_header(void **state)
{
    (void)state;
    Writer w = { .size = 0 };
    sps444(&w);
    pps(&w, 0, 1);
    idr_slice(&w);
    p_slice(&w, 0, 3);
    FsrH264AU au;
    assert_int_equal(parse_all(&w, &au), 2);
    assert_int_equal(au.unmodelled, FSR_UNMODELLED_FORMAT);
    assert_int_equal(au.frame_num, 1);
    assert_int_equal(au.poc, 2);
}

/* Each case: the P slice's header must be unreadable, and nothing else. */
static void expect_unreadable(const Writer *w, const char *what)
{
    FsrH264AU au;
    assert_int_equal(parse_all(w, &au), 2);
    if (!(au.unmodelled & FSR_UNMODELLED_HEADER))
        fail_msg("%s: the slice header was accepted (unmodelled 0x%x)", what, au.unmodelled);
}

static void test_out_of_range_values(void **state)
{
    (void)state;
    /* luma_log2_weight_denom 2^31 + 3 (was a shift by a negative amount) */
    Writer w = { .size = 0 };
    sps(&w, 2);
    pps(&w, 0, 1);
    idr_slice(&w);
    p_slice(&w, 0, (int64_t)0x80000003);
    expect_unreadable(&w, "weight denominator 2^31 + 3");
    /* denominators 0..7 are fine, 8 is not */
    memset(&w, 0, sizeof(w));
    sps(&w, 2);
    pps(&w, 0, 1);
    idr_slice(&w);
    p_slice(&w, 0, 8);
    expect_unreadable(&w, "weight denominator 8");
    /* pps id 2^32 - 2 (was read as -2: an index before the PPS table) */
    memset(&w, 0, sizeof(w));
    sps(&w, 2);
    pps(&w, 0, 0);
    idr_slice(&w);
    p_slice(&w, 0xfffffffeu, -1);
    expect_unreadable(&w, "pps id 2^32 - 2");
    /* a PPS naming SPS 2^31 + 1 is refused: the P slice has no PPS (the IDR
     * slice neither: both pictures come back unreadable) */
    memset(&w, 0, sizeof(w));
    sps(&w, 2);
    pps(&w, 0x80000001u, 0);
    idr_slice(&w);
    p_slice(&w, 0, -1);
    expect_unreadable(&w, "sps id 2^31 + 1");
    /* an SPS 2^31 map units tall (2 x that overflowed int) is refused */
    memset(&w, 0, sizeof(w));
    sps(&w, 0x80000000u);
    pps(&w, 0, 0);
    idr_slice(&w);
    p_slice(&w, 0, -1);
    expect_unreadable(&w, "2^31 map units");
}

/* POC differences of far-apart pictures (the implicit weights' td, tb) no
 * longer overflow int. */
static void test_implicit_weights_extreme(void **state)
{
    (void)state;
    int w0, w1;
    fsr_h264_implicit_weights(INT32_MAX, INT32_MIN, INT32_MAX, 0, 0, &w0, &w1);
    assert_int_equal(w0 + w1, 64);
    fsr_h264_implicit_weights(INT32_MIN, INT32_MAX, INT32_MIN, 0, 0, &w0, &w1);
    assert_int_equal(w0 + w1, 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_idr_and_p),
        cmocka_unit_test(test_444_slice_header),
        cmocka_unit_test(test_out_of_range_values),
        cmocka_unit_test(test_implicit_weights_extreme),
    };
    return tu_result(cmocka_run_group_tests_name("h264_parse", tests, NULL, NULL));
}
