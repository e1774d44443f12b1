/* LR H.264 motion compensation: the plain C references (each sample from
 * the standard's equations), the C entries of the kernel table (the block
 * code of h264_mc_tmpl.h at the C level; SSE2 and AVX2 compile the same
 * block code in x86/), and the table's init. */
#include "h264_mc.h"

#include <stdlib.h>

#include "cpu.h"
#include "intops.h"

/* ---- plain C reference: each sample from its defining equations ---- */

/* A reference plane of either depth: 8-bit (maxv 255) or uint16_t samples
 * (hbd, stride in bytes); Clip1 to [0, maxv]. */
typedef struct RefSrc {
    const FsrPlaneRef *r;
    int hbd, maxv;
} RefSrc;

static int px(const RefSrc *s, int x, int y)
{
    const FsrPlaneRef *r = s->r;
    const uint8_t *row = r->data + (ptrdiff_t)clampi(y, 0, r->h - 1) * r->stride;
    const int i = clampi(x, 0, r->w - 1);
    return s->hbd ? ((const uint16_t *)(const void *)row)[i] : row[i];
}

/* unclipped 6-tap sums around (x + 1/2, y) and (x, y + 1/2) (32 bits: at
 * 16 bits a sum reaches 42 * 65535) */
static int tap_h(const RefSrc *r, int x, int y)
{
    return px(r, x - 2, y) - 5 * px(r, x - 1, y) + 20 * px(r, x, y) + 20 * px(r, x + 1, y) - 5 * px(r, x + 2, y) +
           px(r, x + 3, y);
}

static int tap_v(const RefSrc *r, int x, int y)
{
    return px(r, x, y - 2) - 5 * px(r, x, y - 1) + 20 * px(r, x, y) + 20 * px(r, x, y + 1) - 5 * px(r, x, y + 2) +
           px(r, x, y + 3);
}

static int half_h(const RefSrc *r, int x, int y) { return clampi((tap_h(r, x, y) + 16) >> 5, 0, r->maxv); }
static int half_v(const RefSrc *r, int x, int y) { return clampi((tap_v(r, x, y) + 16) >> 5, 0, r->maxv); }
static int half_c(const RefSrc *r, int x, int y)
{
    /* j1 of 8-247 (at most 42 * 42 * 65535 at 16 bits: fits in 32) */
    int s = tap_h(r, x, y - 2) - 5 * tap_h(r, x, y - 1) + 20 * tap_h(r, x, y) + 20 * tap_h(r, x, y + 1) -
            5 * tap_h(r, x, y + 2) + tap_h(r, x, y + 3);
    return clampi((s + 512) >> 10, 0, r->maxv);
}

static int luma_sample(const RefSrc *r, int x, int y, int fx, int fy)
{
    /* Table 8-12: G, b, h, j and their neighbours; quarter positions are
     * rounded-up averages of the two nearest integer/half samples. */
    const int G = px(r, x, y);
    switch (fy * 4 + fx) {
    case 0: return G;
    case 1: return (G + half_h(r, x, y) + 1) >> 1;                   /* a */
    case 2: return half_h(r, x, y);                                  /* b */
    case 3: return (px(r, x + 1, y) + half_h(r, x, y) + 1) >> 1;     /* c */
    case 4: return (G + half_v(r, x, y) + 1) >> 1;                   /* d */
    case 5: return (half_h(r, x, y) + half_v(r, x, y) + 1) >> 1;     /* e */
    case 6: return (half_h(r, x, y) + half_c(r, x, y) + 1) >> 1;     /* f */
    case 7: return (half_h(r, x, y) + half_v(r, x + 1, y) + 1) >> 1; /* g */
    case 8: return half_v(r, x, y);                                  /* h */
    case 9: return (half_v(r, x, y) + half_c(r, x, y) + 1) >> 1;     /* i */
    case 10: return half_c(r, x, y);                                 /* j */
    case 11: return (half_c(r, x, y) + half_v(r, x + 1, y) + 1) >> 1; /* k */
    case 12: return (px(r, x, y + 1) + half_v(r, x, y) + 1) >> 1;     /* n */
    case 13: return (half_v(r, x, y) + half_h(r, x, y + 1) + 1) >> 1; /* p */
    case 14: return (half_c(r, x, y) + half_h(r, x, y + 1) + 1) >> 1; /* q */
    default: return (half_v(r, x + 1, y) + half_h(r, x, y + 1) + 1) >> 1; /* r */
    }
}

/* 8-266 at chroma sample (xi, yi) with eighth-pel fraction (fx, fy) */
static int chroma_sample(const RefSrc *r, int xi, int yi, int fx, int fy)
{
    return ((8 - fx) * (8 - fy) * px(r, xi, yi) + fx * (8 - fy) * px(r, xi + 1, yi) +
            (8 - fx) * fy * px(r, xi, yi + 1) + fx * fy * px(r, xi + 1, yi + 1) + 32) >> 6;
}

void fsr_h264_mc_luma_ref(uint8_t *dst, ptrdiff_t ds, const FsrPlaneRef *ref, int x, int y, int mvx, int mvy, int w,
                          int h)
{
    const RefSrc r = { ref, 0, 255 };
    const int ix = x + (mvx >> 2), iy = y + (mvy >> 2), fx = mvx & 3, fy = mvy & 3;
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            dst[j * ds + i] = (uint8_t)luma_sample(&r, ix + i, iy + j, fx, fy);
}

void fsr_h264_mc_luma16_ref(uint16_t *dst, ptrdiff_t ds, const FsrPlaneRef *ref, int x, int y, int mvx, int mvy,
                            int w, int h, int bitdepth_max)
{
    const RefSrc r = { ref, 1, bitdepth_max };
    const int ix = x + (mvx >> 2), iy = y + (mvy >> 2), fx = mvx & 3, fy = mvy & 3;
    for (int j = 0; j < h; j++) {
        uint16_t *o = (uint16_t *)(void *)((uint8_t *)dst + j * ds);
        for (int i = 0; i < w; i++)
            o[i] = (uint16_t)luma_sample(&r, ix + i, iy + j, fx, fy);
    }
}

/* Plain C reference of the chroma filter (8-266), per sample with clamping. */
void fsr_h264_mc_chroma_ref(uint8_t *dst, ptrdiff_t ds, const FsrPlaneRef *ref, int x, int y, int mvx, int mvy, int w,
                            int h)
{
    const RefSrc r = { ref, 0, 255 };
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            dst[j * ds + i] = (uint8_t)chroma_sample(&r, x + (mvx >> 3) + i, y + (mvy >> 3) + j, mvx & 7, mvy & 7);
}

void fsr_h264_mc_chroma16_ref(uint16_t *dst, ptrdiff_t ds, const FsrPlaneRef *ref, int x, int y, int mvx, int mvy,
                              int w, int h, int bitdepth_max)
{
    const RefSrc r = { ref, 1, bitdepth_max };
    for (int j = 0; j < h; j++) {
        uint16_t *o = (uint16_t *)(void *)((uint8_t *)dst + j * ds);
        for (int i = 0; i < w; i++)
            o[i] = (uint16_t)chroma_sample(&r, x + (mvx >> 3) + i, y + (mvy >> 3) + j, mvx & 7, mvy & 7);
    }
}

unsigned fsr_h264_satd_ref(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h)
{
    /* the Sylvester-ordered 4x4 Hadamard matrix */
    static const int H[4][4] = { { 1, 1, 1, 1 }, { 1, -1, 1, -1 }, { 1, 1, -1, -1 }, { 1, -1, -1, 1 } };
    unsigned sum = 0;
    for (int by = 0; by < h; by += 4)
        for (int bx = 0; bx < w; bx += 4)
            for (int u = 0; u < 4; u++)
                for (int v = 0; v < 4; v++) {
                    int coef = 0;
                    for (int i = 0; i < 4; i++)
                        for (int j = 0; j < 4; j++)
                            coef += H[u][i] * H[v][j] * (a[(by + i) * as + bx + j] - b[(by + i) * bs + bx + j]);
                    sum += (unsigned)abs(coef);
                }
    return sum / 2;
}

void fsr_h264_weight(uint8_t *p, ptrdiff_t s, int w, int h, int log2_denom, int weight, int offset)
{
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++) {
            int v = p[j * s + i] * weight;
            v = log2_denom >= 1 ? ((v + (1 << (log2_denom - 1))) >> log2_denom) + offset : v + offset;
            p[j * s + i] = clip8(v);
        }
}

/* ---- the C entries ---- */

#define H264_MC_LEVEL H264_MC_C
#include "h264_mc_tmpl.h"

/* ---- the kernel table ---- */

void fsr_h264_mc_dsp_init(FsrH264McDSP *dsp, unsigned cpu_flags)
{
    fill_entries(dsp);
#if defined(__x86_64__)
    if (!(cpu_flags & FSR_CPU_SSE2))
        return;
    fsr_h264_mc_dsp_init_sse2(dsp);
    if (!(cpu_flags & FSR_CPU_AVX2_FMA))
        return;
    fsr_h264_mc_dsp_init_avx2(dsp);
#else
    (void)cpu_flags;
#endif
}
