#include "h264_mc.h"

#include <stdlib.h>
#include <string.h>

static inline uint8_t clip8(int v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }
static inline int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* ---- plain C reference: each sample from its defining equations ---- */

static int px(const FsrMcPlane *r, int x, int y)
{
    return r->data[(ptrdiff_t)clampi(y, 0, r->h - 1) * r->stride + clampi(x, 0, r->w - 1)];
}

/* unclipped 6-tap sums around (x + 1/2, y) and (x, y + 1/2) */
static int tap_h(const FsrMcPlane *r, int x, int y)
{
    return px(r, x - 2, y) - 5 * px(r, x - 1, y) + 20 * px(r, x, y) + 20 * px(r, x + 1, y) - 5 * px(r, x + 2, y) +
           px(r, x + 3, y);
}

static int tap_v(const FsrMcPlane *r, int x, int y)
{
    return px(r, x, y - 2) - 5 * px(r, x, y - 1) + 20 * px(r, x, y) + 20 * px(r, x, y + 1) - 5 * px(r, x, y + 2) +
           px(r, x, y + 3);
}

static int half_h(const FsrMcPlane *r, int x, int y) { return clip8((tap_h(r, x, y) + 16) >> 5); }
static int half_v(const FsrMcPlane *r, int x, int y) { return clip8((tap_v(r, x, y) + 16) >> 5); }
static int half_c(const FsrMcPlane *r, int x, int y)
{
    int s = tap_h(r, x, y - 2) - 5 * tap_h(r, x, y - 1) + 20 * tap_h(r, x, y) + 20 * tap_h(r, x, y + 1) -
            5 * tap_h(r, x, y + 2) + tap_h(r, x, y + 3);
    return clip8((s + 512) >> 10);
}

static int luma_sample(const FsrMcPlane *r, int x, int y, int fx, int fy)
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

void fsr_h264_mc_luma_ref(uint8_t *dst, ptrdiff_t ds, const FsrMcPlane *ref, int x, int y, int mvx, int mvy, int w,
                          int h)
{
    const int ix = x + (mvx >> 2), iy = y + (mvy >> 2), fx = mvx & 3, fy = mvy & 3;
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            dst[j * ds + i] = (uint8_t)luma_sample(ref, ix + i, iy + j, fx, fy);
}

/* ---- block version: whole rows of half-sample planes, vectorisable ---- */

#define WIN 24 /* 16 + 5 taps, rounded up */

static void avg_rows(uint8_t *dst, ptrdiff_t ds, const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs,
                     int w, int h)
{
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            dst[j * ds + i] = (uint8_t)((a[j * as + i] + b[j * bs + i] + 1) >> 1);
}

void fsr_h264_mc_luma(uint8_t *dst, ptrdiff_t ds, const FsrMcPlane *ref, int x, int y, int mvx, int mvy, int w, int h)
{
    const int ix = x + (mvx >> 2), iy = y + (mvy >> 2), fx = mvx & 3, fy = mvy & 3;
    /* src points at the block's integer sample with 2 rows/cols before and
     * 3 after available; borders are built by clamping when needed. */
    uint8_t edge[WIN * WIN];
    const uint8_t *src;
    ptrdiff_t ss;
    if (ix - 2 >= 0 && iy - 2 >= 0 && ix + w + 3 <= ref->w && iy + h + 3 <= ref->h) {
        src = ref->data + (ptrdiff_t)iy * ref->stride + ix;
        ss = ref->stride;
    } else {
        for (int j = 0; j < h + 5; j++) {
            const uint8_t *row = ref->data + (ptrdiff_t)clampi(iy - 2 + j, 0, ref->h - 1) * ref->stride;
            for (int i = 0; i < w + 5; i++)
                edge[j * WIN + i] = row[clampi(ix - 2 + i, 0, ref->w - 1)];
        }
        src = edge + 2 * WIN + 2;
        ss = WIN;
    }
    if (!fx && !fy) {
        for (int j = 0; j < h; j++)
            memcpy(dst + j * ds, src + j * ss, (size_t)w);
        return;
    }
    /* hb: horizontal half samples for rows -2..h+2 (clipped), rows 0..h used
     * by b and s; tmp: unclipped, for j.  hv: vertical half samples for
     * columns 0..w (column w is m).  hc: centre j. */
    uint8_t hb[WIN * WIN], hv[WIN * WIN], hc[16 * 16];
    int16_t tmp[WIN * WIN];
    const int need_b = fx != 0 || fy == 0 ? 1 : 0;
    const int need_v = fy != 0 && fx != 2;
    const int need_c = (fx == 2 && fy != 0) || (fy == 2 && fx != 0);
    if (need_b || need_c) {
        const int r0 = need_c ? -2 : 0, r1 = need_c ? h + 3 : h + 1;
        for (int j = r0; j < r1; j++) {
            const uint8_t *s = src + j * ss;
            int16_t *t = tmp + (j + 2) * WIN;
            uint8_t *o = hb + (j + 2) * WIN;
            for (int i = 0; i < w; i++) {
                int v = s[i - 2] - 5 * s[i - 1] + 20 * s[i] + 20 * s[i + 1] - 5 * s[i + 2] + s[i + 3];
                t[i] = (int16_t)v;
                o[i] = clip8((v + 16) >> 5);
            }
        }
    }
    if (need_v) {
        for (int j = 0; j < h; j++) {
            const uint8_t *s = src + j * ss;
            for (int i = 0; i < w + 1; i++) {
                int v = s[i - 2 * ss] - 5 * s[i - ss] + 20 * s[i] + 20 * s[i + ss] - 5 * s[i + 2 * ss] + s[i + 3 * ss];
                hv[j * WIN + i] = clip8((v + 16) >> 5);
            }
        }
    }
    if (need_c) {
        for (int j = 0; j < h; j++) {
            const int16_t *t = tmp + (j + 2) * WIN;
            for (int i = 0; i < w; i++) {
                int v = t[i - 2 * WIN] - 5 * t[i - WIN] + 20 * t[i] + 20 * t[i + WIN] - 5 * t[i + 2 * WIN] + t[i + 3 * WIN];
                hc[j * 16 + i] = clip8((v + 512) >> 10);
            }
        }
    }
    const uint8_t *B = hb + 2 * WIN, *S = hb + 3 * WIN, *V = hv, *M = hv + 1;
    switch (fy * 4 + fx) {
    case 1: avg_rows(dst, ds, src, ss, B, WIN, w, h); break;
    case 2:
        for (int j = 0; j < h; j++)
            memcpy(dst + j * ds, B + j * WIN, (size_t)w);
        break;
    case 3: avg_rows(dst, ds, src + 1, ss, B, WIN, w, h); break;
    case 4: avg_rows(dst, ds, src, ss, V, WIN, w, h); break;
    case 5: avg_rows(dst, ds, B, WIN, V, WIN, w, h); break;
    case 6: avg_rows(dst, ds, B, WIN, hc, 16, w, h); break;
    case 7: avg_rows(dst, ds, B, WIN, M, WIN, w, h); break;
    case 8:
        for (int j = 0; j < h; j++)
            memcpy(dst + j * ds, V + j * WIN, (size_t)w);
        break;
    case 9: avg_rows(dst, ds, V, WIN, hc, 16, w, h); break;
    case 10:
        for (int j = 0; j < h; j++)
            memcpy(dst + j * ds, hc + j * 16, (size_t)w);
        break;
    case 11: avg_rows(dst, ds, hc, 16, M, WIN, w, h); break;
    case 12: avg_rows(dst, ds, src + ss, ss, V, WIN, w, h); break;
    case 13: avg_rows(dst, ds, V, WIN, S, WIN, w, h); break;
    case 14: avg_rows(dst, ds, hc, 16, S, WIN, w, h); break;
    default: avg_rows(dst, ds, M, WIN, S, WIN, w, h); break;
    }
}

void fsr_h264_mc_chroma(uint8_t *dst, ptrdiff_t ds, const FsrMcPlane *ref, int x, int y, int mvx, int mvy, int w,
                        int h)
{
    const int ix = x + (mvx >> 3), iy = y + (mvy >> 3), fx = mvx & 7, fy = mvy & 7;
    const int a = (8 - fx) * (8 - fy), b = fx * (8 - fy), c = (8 - fx) * fy, d = fx * fy;
    uint8_t edge[9 * 9];
    const uint8_t *src;
    ptrdiff_t ss;
    if (ix >= 0 && iy >= 0 && ix + w + 1 <= ref->w && iy + h + 1 <= ref->h) {
        src = ref->data + (ptrdiff_t)iy * ref->stride + ix;
        ss = ref->stride;
    } else {
        for (int j = 0; j < h + 1; j++) {
            const uint8_t *row = ref->data + (ptrdiff_t)clampi(iy + j, 0, ref->h - 1) * ref->stride;
            for (int i = 0; i < w + 1; i++)
                edge[j * 9 + i] = row[clampi(ix + i, 0, ref->w - 1)];
        }
        src = edge;
        ss = 9;
    }
    for (int j = 0; j < h; j++) {
        const uint8_t *s = src + j * ss;
        for (int i = 0; i < w; i++)
            dst[j * ds + i] = (uint8_t)((a * s[i] + b * s[i + 1] + c * s[i + ss] + d * s[i + ss + 1] + 32) >> 6);
    }
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

void fsr_h264_biweight(uint8_t *p0, const uint8_t *p1, ptrdiff_t s, int w, int h, int log2_denom, int w0, int w1,
                       int o0, int o1)
{
    if (log2_denom < 0) {
        for (int j = 0; j < h; j++)
            for (int i = 0; i < w; i++)
                p0[j * s + i] = (uint8_t)((p0[j * s + i] + p1[j * s + i] + 1) >> 1);
        return;
    }
    const int o = (o0 + o1 + 1) >> 1;
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            p0[j * s + i] =
                clip8(((p0[j * s + i] * w0 + p1[j * s + i] * w1 + (1 << log2_denom)) >> (log2_denom + 1)) + o);
}

unsigned fsr_sad(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h)
{
    unsigned sad = 0;
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            sad += (unsigned)abs(a[j * as + i] - b[j * bs + i]);
    return sad;
}
