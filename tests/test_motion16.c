/* The searched block map at high bit depth: fsr_motion_search on a 10-bit
 * pan searches an 8-bit proxy of it (the same blocks and vectors as a
 * search on the proxies themselves) and predicts at 10 bits: for every
 * predicted block, the map's residual is the 10-bit picture minus the
 * per-sample reference prediction (fsr_h264_mc_luma16_ref / chroma16_ref)
 * at the block's vector, with its flags, SAD and the map's zero-residual
 * count to match; an exact pan gives zero residuals. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/motion.h"
#include "h264_mc.h"

enum { W = 100, H = 70, MVX = 7, MVY = -5 };

static int texture10(int x, int y)
{
    const double v = 512 + 200 * sin(x / 5.3) * cos(y / 3.7) + 160 * sin((x + 2 * y) / 9.1) + 80 * cos(x * y / 900.0);
    return v < 0 ? 0 : v > 1023 ? 1023 : (int)(v + 0.5);
}

static uint16_t *row16(const FsrPicture *p, int c, int y)
{
    return (uint16_t *)(void *)(p->data[c] + y * p->stride[c]);
}

static uint8_t proxy(int v) { return (uint8_t)((v + 2) >> 2 > 255 ? 255 : (v + 2) >> 2); }

static int plane_w(const FsrPicture *p, int c) { return c ? fsr_chroma_w(p->w) : p->w; }
static int plane_h(const FsrPicture *p, int c) { return c ? fsr_chroma_h(p->h) : p->h; }

/* ref: the texture; cur: ref moved by (MVX, MVY) quarter samples by the
 * reference MC (edges clamped), plus noise of +-3 on every seventh sample
 * when noisy; proxies: the 8-bit (v + 2) >> 2 of both */
static void make_pan(FsrPicture *ref, FsrPicture *cur, FsrPicture *ref8, FsrPicture *cur8, int noisy)
{
    assert_int_equal(fsr_picture_open_depth(ref, W, H, 10), 0);
    assert_int_equal(fsr_picture_open_depth(cur, W, H, 10), 0);
    assert_int_equal(fsr_picture_open(ref8, W, H), 0);
    assert_int_equal(fsr_picture_open(cur8, W, H), 0);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < plane_h(ref, c); y++)
            for (int x = 0; x < plane_w(ref, c); x++)
                row16(ref, c, y)[x] = (uint16_t)(c == 0 ? texture10(x, y) : c == 1 ? texture10(2 * x + 7, 2 * y)
                                                                                   : 1023 - texture10(x, y));
    uint32_t seed = 5;
    for (int c = 0; c < 3; c++) {
        const FsrPlaneRef r = { ref->data[c], ref->stride[c], plane_w(ref, c), plane_h(ref, c), 0 };
        (c ? fsr_h264_mc_chroma16_ref : fsr_h264_mc_luma16_ref)(row16(cur, c, 0), cur->stride[c], &r, 0, 0, MVX, MVY,
                                                                plane_w(ref, c), plane_h(ref, c), 1023);
        for (int y = 0; y < plane_h(ref, c); y++)
            for (int x = 0; x < plane_w(ref, c); x++) {
                uint16_t *v = &row16(cur, c, y)[x];
                if (noisy && tu_rand(&seed) % 7 == 0) {
                    const int n = *v + (int)(tu_rand(&seed) % 7) - 3;
                    *v = (uint16_t)(n < 0 ? 0 : n > 1023 ? 1023 : n);
                }
                ref8->data[c][y * ref8->stride[c] + x] = proxy(row16(ref, c, y)[x]);
                cur8->data[c][y * cur8->stride[c] + x] = proxy(*v);
            }
    }
}

static FsrBlockMap facts(int64_t i)
{
    FsrBlockMap m;
    memset(&m, 0, sizeof(m));
    m.display_index = i;
    m.width = W;
    m.height = H;
    m.type = 'P';
    return m;
}

/* The map's residual of `planes` planes against the per-sample reference
 * (one list, unweighted: what the search makes), its flags and counts. */
static void check_map(const FsrBlockMap *m, const FsrPicture *cur, const FsrPicture *ref, int planes)
{
    int zero = 0, predicted = 0, right = 0;
    for (int i = 0; i < m->nb_blocks; i++) {
        const FsrBlock *b = &m->blocks[i];
        unsigned sad = 0;
        for (int c = 0; c < planes; c++) {
            const int sh = c ? 1 : 0, pw = plane_w(cur, c), ph = plane_h(cur, c);
            const int x0 = b->x >> sh, y0 = b->y >> sh, bw = b->w >> sh, bh = b->h >> sh;
            uint16_t pred[16 * 16];
            if (b->kind != FSR_BLOCK_INTRA) {
                const FsrPlaneRef r = { ref->data[c], ref->stride[c], pw, ph, 0 };
                (c ? fsr_h264_mc_chroma16_ref : fsr_h264_mc_luma16_ref)(pred, 32, &r, x0, y0, b->mv[0][0],
                                                                        b->mv[0][1], bw, bh, 1023);
            }
            for (int y = y0; y < y0 + bh; y++)
                for (int x = x0; x < x0 + bw; x++) {
                    const int got = m->residual[c][y * m->residual_stride[c] + x];
                    /* intra blocks and the coded area beyond the picture: 0 */
                    const int want = b->kind == FSR_BLOCK_INTRA || x >= pw || y >= ph
                                         ? 0
                                         : row16(cur, c, y)[x] - pred[(y - y0) * 16 + (x - x0)];
                    if (got != want)
                        fail_msg("block %d plane %d (%d,%d): residual %d, expected %d", i, c, x, y, got, want);
                    sad += (unsigned)abs(want);
                }
        }
        if (b->kind == FSR_BLOCK_INTRA)
            continue;
        predicted++;
        right += b->mv[0][0] == MVX && b->mv[0][1] == MVY;
        assert_int_equal(b->sad, sad);
        assert_int_equal(!!(b->flags & FSR_BLOCK_ZERO_RESIDUAL), sad == 0);
        zero += sad == 0;
    }
    assert_int_equal(m->counts.zero_residual, zero);
    /* the search on the proxies found the pan */
    assert_true(predicted == m->nb_blocks && right * 100 >= 90 * m->nb_blocks);
}

static void run(int noisy)
{
    FsrPicture ref = { 0 }, cur = { 0 }, ref8 = { 0 }, cur8 = { 0 };
    make_pan(&ref, &cur, &ref8, &cur8, noisy);
    FsrMotionSearch *ms = NULL, *ms8 = NULL;
    assert_int_equal(fsr_motion_open(&ms, NULL), 0);
    assert_int_equal(fsr_motion_open(&ms8, NULL), 0);
    const FsrBlockMap *m = NULL, *m8 = NULL;
    FsrBlockMap f0 = facts(0), f1 = facts(1);
    /* the 10-bit pictures themselves, and their 8-bit proxies apart */
    assert_int_equal(fsr_motion_search(ms, &ref, &f0, &m), 0);
    assert_int_equal(fsr_motion_search(ms, &cur, &f1, &m), 0);
    assert_int_equal(fsr_motion_search(ms8, &ref8, &f0, &m8), 0);
    assert_int_equal(fsr_motion_search(ms8, &cur8, &f1, &m8), 0);
    assert_int_equal(m->type, 'P');
    /* the search ran on the proxies: the same blocks and vectors */
    assert_int_equal(m->nb_blocks, m8->nb_blocks);
    for (int i = 0; i < m->nb_blocks; i++) {
        const FsrBlock *b = &m->blocks[i], *b8 = &m8->blocks[i];
        assert_true(b->x == b8->x && b->y == b8->y && b->w == b8->w && b->kind == b8->kind);
        assert_true(b->mv[0][0] == b8->mv[0][0] && b->mv[0][1] == b8->mv[0][1]);
    }
    /* the prediction and residual at 10 bits, every plane */
    check_map(m, &cur, &ref, 3);
    if (!noisy)
        /* the pan is exact at the true vector (the shift clamps at the
         * edges as the prediction does) */
        for (int i = 0; i < m->nb_blocks; i++)
            if (m->blocks[i].mv[0][0] == MVX && m->blocks[i].mv[0][1] == MVY)
                assert_true(m->blocks[i].flags & FSR_BLOCK_ZERO_RESIDUAL);
    fsr_motion_close(&ms);
    fsr_motion_close(&ms8);
    fsr_picture_close(&ref);
    fsr_picture_close(&cur);
    fsr_picture_close(&ref8);
    fsr_picture_close(&cur8);
}

static void exact_pan(void **state)
{
    (void)state;
    run(0);
}

static void noisy_pan(void **state)
{
    (void)state;
    run(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_pan),
        cmocka_unit_test(noisy_pan),
    };
    return tu_result(cmocka_run_group_tests_name("motion16", tests, NULL, NULL));
}
