/* Row convolution kernels: packing, the C kernels (each the reference of
 * its AVX2 and AVX-512 twins in x86/conv_avx2.c, x86/conv_avx512.c), the kernel table, and the whole-layer
 * reference convolution the engine is tested against. */
#include "conv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "log.h"
#include "wino.h"
#include "wino16.h"

/* Position of a tap in a block's packed weights. */
static inline size_t tap_index(const FsrPackedConv *p, int ci, int ky, int kx)
{
    if (!p->ci_inner)
        return ((size_t)ci * p->kh + ky) * p->kw + kx;
    const int c0 = ci / p->ci_chunk * p->ci_chunk;
    const int len = p->in_ch - c0 < p->ci_chunk ? p->in_ch - c0 : p->ci_chunk;
    return (size_t)c0 * p->kh * p->kw + ((size_t)ky * p->kw + kx) * len + (ci - c0);
}

/* The taps each channel of a 4-channel block needs (FsrPackedConv.tapmask):
 * a kernel may skip the others, whose FMAs would add 0 x input.  Kept only
 * when some tap of a real output channel is all zero. */
static int pack_tapmask(FsrPackedConv *p, const FsrConvLayer *l)
{
    const int khw = l->kh * l->kw;
    unsigned char *m = malloc((size_t)p->n_blocks * khw);
    if (!m) {
        fsr_conv_pack_close(p);
        return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory for weights");
    }
    int sparse = 0;
    for (int blk = 0; blk < p->n_blocks; blk++)
        for (int t = 0; t < khw; t++) {
            unsigned bits = 0;
            for (int c = 0; c < 4; c++) {
                const int co = blk * 4 + c;
                if (co >= l->out_ch)
                    continue;
                const float *w = l->weight + (size_t)co * l->in_ch * khw + t;
                for (int ci = 0; ci < l->in_ch; ci++)
                    if (w[(size_t)ci * khw] != 0.f) {
                        bits |= 1u << c;
                        break;
                    }
                if (!(bits >> c & 1))
                    sparse = 1;
            }
            m[blk * khw + t] = (unsigned char)bits;
        }
    if (sparse)
        p->tapmask = m;
    else
        free(m);
    return 0;
}

int fsr_conv_pack(FsrPackedConv *p, const FsrConvLayer *l, int relu)
{
    memset(p, 0, sizeof(*p));
    p->in_ch = l->in_ch;
    p->out_ch = l->out_ch;
    p->kh = l->kh;
    p->kw = l->kw;
    p->relu = relu;
    /* Blocks of 4 output channels x 3 vectors of 8 pixels = 12 accumulators:
     * 7 loads per 12 FMAs, within what two load ports sustain.  A layer with
     * fewer than 4 outputs (the last, luma) is done channel by channel with
     * 8 pixel vectors instead. */
    p->cb = l->out_ch >= 4 ? 4 : 1;
    p->n_blocks = (l->out_ch + p->cb - 1) / p->cb;
    const size_t taps = (size_t)l->in_ch * l->kh * l->kw;
    p->w = aligned_alloc(64, ((size_t)p->n_blocks * taps * p->cb * sizeof(float) + 63) & ~(size_t)63);
    p->b = aligned_alloc(64, ((size_t)p->n_blocks * p->cb * sizeof(float) + 63) & ~(size_t)63);
    if (!p->w || !p->b) {
        fsr_conv_pack_close(p);
        return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory for weights");
    }
    /* Input channels innermost when there are enough of them: one pointer
     * stepping by a channel stride, a long loop, no per-tap setup.  Layers
     * with few input channels (the first) loop over kx innermost instead. */
    p->ci_inner = l->in_ch >= l->kw;
    /* Single-channel outputs with 5-wide kernels use the per-kx
     * partial-sum kernel, which wants the weights as [ci][ky][kx].  (A
     * 3-wide version with 4 vectors ran out of registers and was slower
     * than the plain kernel.)  The engine packs a single-channel *last*
     * layer with fsr_conv_pack_parts instead (about 75% of peak in cache
     * against 53% for this one); this stays for such layers inside a
     * network. */
    p->kx_sums = p->cb == 1 && l->kw == 5;
    if (p->kx_sums)
        p->ci_inner = 0;
    /* Input channels come in chunks whose input window (kh rows x the
     * pixels of one block) fits in about 12 kB of L1: every channel block
     * then reuses it from L1 while its weights stream in sequentially.
     * Partial sums go through the output row between chunks. */
    p->ci_chunk = l->in_ch;
    if (p->ci_inner) {
        const int px = p->cb == 4 ? 24 : 64;
        const int per_ch = l->kh * (px + l->kw - 1) * (int)sizeof(float);
        int chunk = FSR_CONV_L1_BUDGET / per_ch;
        chunk = chunk < 4 ? 4 : chunk;
        /* Equal chunks (64 channels: 4 x 16, not 20+20+20+4). */
        const int n = (l->in_ch + chunk - 1) / chunk;
        p->ci_chunk = (l->in_ch + n - 1) / n;
    }
    for (int blk = 0; blk < p->n_blocks; blk++) {
        for (int c = 0; c < p->cb; c++) {
            const int co = blk * p->cb + c;
            p->b[blk * p->cb + c] = co < l->out_ch ? l->bias[co] : 0.f;
        }
        float *dst = p->w + (size_t)blk * taps * p->cb;
        for (int ci = 0; ci < l->in_ch; ci++)
            for (int ky = 0; ky < l->kh; ky++)
                for (int kx = 0; kx < l->kw; kx++) {
                    const size_t t = tap_index(p, ci, ky, kx);
                    for (int c = 0; c < p->cb; c++) {
                        const int co = blk * p->cb + c;
                        dst[t * p->cb + c] =
                            co < l->out_ch ? l->weight[(((size_t)co * l->in_ch + ci) * l->kh + ky) * l->kw + kx] : 0.f;
                    }
                }
    }
    return p->ci_inner && p->cb == 4 ? pack_tapmask(p, l) : 0;
}

int fsr_conv_pack_prelu(FsrPackedConv *p, const float *slope)
{
    if (p->cb != 4 || p->c8 || p->parts || p->relu)
        return 0;
    free(p->slope);
    p->slope = aligned_alloc(64, ((size_t)p->n_blocks * p->cb * sizeof(float) + 63) & ~(size_t)63);
    if (!p->slope)
        return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory for weights");
    for (int co = 0; co < p->n_blocks * p->cb; co++)
        p->slope[co] = co < p->out_ch ? slope[co] : 0.f;
    return 1;
}

void fsr_conv_pack_close(FsrPackedConv *p)
{
    if (p->wsub) {
        for (int k = 0; k < 8; k++)
            fsr_conv_pack_close(&p->wsub[k]);
        free(p->wsub);
        p->wsub = NULL;
    }
    free(p->w);
    free(p->b);
    free(p->tapmask);
    free(p->slope);
    p->w = p->b = p->slope = NULL;
    p->tapmask = NULL;
}

int fsr_conv_pack_parts(FsrPackedConv *p, const FsrConvLayer *l, int relu)
{
    memset(p, 0, sizeof(*p));
    if (l->out_ch != 1)
        return fsr_error(FSR_ERR(EINVAL), "sr: row partials need a single output channel, not %d", l->out_ch);
    p->in_ch = l->in_ch;
    p->out_ch = 1;
    p->kh = l->kh;
    p->kw = l->kw;
    p->relu = relu;
    p->cb = 1;
    p->n_blocks = 1;
    p->ci_chunk = l->in_ch;
    p->parts = 1;
    const size_t taps = (size_t)l->in_ch * l->kh * l->kw;
    p->w = aligned_alloc(64, (taps * sizeof(float) + 63) & ~(size_t)63);
    p->b = aligned_alloc(64, 64);
    if (!p->w || !p->b) {
        fsr_conv_pack_close(p);
        return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory for weights");
    }
    /* [ci][kx][ky]: the kh weights that multiply one input vector sit
     * together. */
    for (int ci = 0; ci < l->in_ch; ci++)
        for (int ky = 0; ky < l->kh; ky++)
            for (int kx = 0; kx < l->kw; kx++)
                p->w[((size_t)ci * l->kw + kx) * l->kh + ky] = l->weight[((size_t)ci * l->kh + ky) * l->kw + kx];
    p->b[0] = l->bias[0];
    return 0;
}

int fsr_conv_c8_ok(const FsrConvLayer *l)
{
    return (l->in_ch % 8 == 0 || l->in_ch == 1) && l->out_ch % 32 == 0;
}

/* A packing's shape fields from the layer, everything else cleared. */
static void pack_shape(FsrPackedConv *p, const FsrConvLayer *l, int relu)
{
    memset(p, 0, sizeof(*p));
    p->in_ch = l->in_ch;
    p->out_ch = l->out_ch;
    p->kh = l->kh;
    p->kw = l->kw;
    p->relu = relu;
}

int fsr_conv_pack_c8(FsrPackedConv *p, const FsrConvLayer *l, int relu)
{
    pack_shape(p, l, relu);
    if (!fsr_conv_c8_ok(l))
        return fsr_error(FSR_ERR(EINVAL), "sr: interleaved kernel needs 1 or 8k input and 32k output channels, not %d/%d",
                         l->in_ch, l->out_ch);
    p->cb = 32;
    p->n_blocks = l->out_ch / 32;
    p->ci_chunk = 8;
    p->c8 = 1;
    const size_t taps = (size_t)l->in_ch * l->kh * l->kw;
    p->w = aligned_alloc(64, ((size_t)l->out_ch * taps * sizeof(float) + 63) & ~(size_t)63);
    p->b = aligned_alloc(64, ((size_t)l->out_ch * sizeof(float) + 63) & ~(size_t)63);
    if (!p->w || !p->b) {
        fsr_conv_pack_close(p);
        return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory for weights");
    }
    for (int co = 0; co < l->out_ch; co++)
        p->b[co] = l->bias[co];
    float *dst = p->w;
    const int cib = l->in_ch == 1 ? 1 : 8; /* input channels per block */
    for (int ob = 0; ob < l->out_ch / 32; ob++)
        for (int ib = 0; ib < l->in_ch / cib; ib++)
            for (int ky = 0; ky < l->kh; ky++)
                for (int kx = 0; kx < l->kw; kx++)
                    for (int i = 0; i < cib; i++)
                        for (int o = 0; o < 32; o++) {
                            const int co = ob * 32 + o, ci = ib * cib + i;
                            *dst++ = l->weight[(((size_t)co * l->in_ch + ci) * l->kh + ky) * l->kw + kx];
                        }
    return 0;
}

int fsr_conv_wino_ok(const FsrConvLayer *l)
{
    /* A single-channel layer only from 9 wide: at 5 wide its 10
     * multiplies per output and channel cost less than the output
     * transform (tried on FSRCNN's 1 -> 56 5x5, padded to 64 channels:
     * 20.8 ms per 1080p frame against 13.0 direct, fastsr-bench --conv,
     * 1 thread) */
    return l->out_ch % 32 == 0 &&
           ((l->kw == 5 && l->in_ch % 8 == 0) || (l->in_ch == 1 && l->kw >= 9 && l->kw % 4 == 1));
}

/* Row i of G (wino.h) for the weight transform, in double. */
static void wino_g_row(double g[5], int k)
{
    static const double pts[7] = FSR_WINO_POINTS;
    memset(g, 0, 5 * sizeof(*g));
    if (k == 0)
        g[0] = 1.0;
    else if (k == 7)
        g[4] = 1.0;
    else {
        double den = 1.0;
        for (int q = 0; q < 7; q++)
            if (q != k)
                den *= pts[k] - pts[q];
        for (int i = 0; i < 5; i++)
            g[i] = pow(pts[k], i) / den;
    }
}

/* The first piece whose products point k of a single-channel layer
 * needs: at the point at infinity (k = 7) a piece's transformed weight is
 * its fifth tap, zero for all but the last (6% of the products). */
static inline int wino_1_first_piece(int k, int n)
{
    return k == 7 ? n - 1 : 0;
}

/* Where the weights of point k and output block ob of a single-channel
 * layer start (pack_wino_1's layout): [ky][piece from wino_1_first_piece
 * on][32 oc] there, point k's blocks k * nob * kh * n * 32 floats in. */
static inline size_t wino_1_weights(int k, int ob, int nob, int kh, int n)
{
    return ((size_t)k * nob * n + (size_t)ob * (n - wino_1_first_piece(k, n))) * kh * 32;
}

/* A single-channel layer: its kw = 4n + 1 taps per kernel row as n 5-tap
 * pieces (taps 4i .. 4i+3 and a zero, the last 4n-4 .. 4n), piece i on
 * the tile i after the output's; weights as wino_1_weights says. */
static int pack_wino_1(FsrPackedConv *p, const FsrConvLayer *l)
{
    const int n = (l->kw - 1) / 4, nob = l->out_ch / 32;
    const size_t count = (size_t)8 * l->out_ch * l->kh * n;
    p->w = aligned_alloc(64, (count * sizeof(float) + 63) & ~(size_t)63);
    if (!p->w)
        return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory for weights");
    for (int k = 0; k < 8; k++) {
        double g[5];
        wino_g_row(g, k);
        const int i0 = wino_1_first_piece(k, n), nk = n - i0;
        for (int ob = 0; ob < nob; ob++) {
            float *dst = p->w + wino_1_weights(k, ob, nob, l->kh, n);
            for (int ky = 0; ky < l->kh; ky++)
                for (int i = i0; i < n; i++)
                    for (int o = 0; o < 32; o++) {
                        const float *w = l->weight + ((size_t)(ob * 32 + o) * l->kh + ky) * l->kw + 4 * i;
                        double v = 0;
                        for (int j = 0; j < (i + 1 < n ? 4 : 5); j++)
                            v += g[j] * w[j];
                        dst[((size_t)ky * nk + i - i0) * 32 + o] = (float)v;
                    }
        }
    }
    return 0;
}

int fsr_conv_pack_wino(FsrPackedConv *p, const FsrConvLayer *l, int relu)
{
    pack_shape(p, l, relu);
    if (!fsr_conv_wino_ok(l))
        return fsr_error(FSR_ERR(EINVAL), "sr: Winograd kernel needs 32k output channels and 5-wide kernels over 8k "
                                                   "inputs or 4n+1-wide ones (9 or more) over one");
    p->wino = 1;
    p->wino_tile = 4;
    p->b = aligned_alloc(64, ((size_t)l->out_ch * sizeof(float) + 63) & ~(size_t)63);
    if (!p->b) {
        fsr_conv_pack_close(p);
        return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory for weights");
    }
    memcpy(p->b, l->bias, (size_t)l->out_ch * sizeof(float));
    if (l->in_ch == 1) {
        const int ret = pack_wino_1(p, l);
        if (ret < 0)
            fsr_conv_pack_close(p);
        return ret;
    }
    const size_t n = (size_t)l->out_ch * l->in_ch * l->kh;
    p->wsub = calloc(8, sizeof(*p->wsub));
    float *u = malloc(n * sizeof(float)), *zero = calloc((size_t)l->out_ch, sizeof(float));
    int ret = 0;
    if (!p->wsub || !u || !zero) {
        ret = fsr_error(FSR_ERR(ENOMEM), "sr: out of memory for weights");
        goto end;
    }
    /* G's rows (wino.h): [1 0 0 0 0], p^k / prod_{q != p} (p - q) over the
     * finite points, [0 0 0 0 1]; each transformed weight in double, then
     * rounded once. */
    for (int k = 0; k < 8; k++) {
        double g[5];
        wino_g_row(g, k);
        for (size_t o = 0; o < n; o++) {
            const float *w = l->weight + o * 5;
            double v = 0;
            for (int i = 0; i < 5; i++)
                v += g[i] * w[i];
            u[o] = (float)v;
        }
        const FsrConvLayer sub = { .in_ch = l->in_ch, .out_ch = l->out_ch, .kh = l->kh, .kw = 1,
                                   .weight = u, .bias = zero };
        if ((ret = fsr_conv_pack_c8(&p->wsub[k], &sub, 0)) < 0)
            goto end;
    }
end:
    free(u);
    free(zero);
    if (ret < 0)
        fsr_conv_pack_close(p);
    return ret;
}

int fsr_conv_wino16_ok(const FsrConvLayer *l)
{
    return l->in_ch == 1 && l->kw == 9 && l->out_ch % 32 == 0;
}

int fsr_conv_pack_wino16(FsrPackedConv *p, const FsrConvLayer *l, int relu)
{
    pack_shape(p, l, relu);
    if (!fsr_conv_wino16_ok(l))
        return fsr_error(FSR_ERR(EINVAL), "sr: F(8,9) Winograd kernel needs one input channel, 9-wide kernels and 32k "
                                          "output channels");
    p->wino = 1;
    p->wino_tile = 8;
    const int nob = l->out_ch / 32;
    const size_t count = (size_t)16 * l->out_ch * l->kh;
    p->b = aligned_alloc(64, ((size_t)l->out_ch * sizeof(float) + 63) & ~(size_t)63);
    p->w = aligned_alloc(64, (count * sizeof(float) + 63) & ~(size_t)63);
    if (!p->b || !p->w) {
        fsr_conv_pack_close(p);
        return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory for weights");
    }
    memcpy(p->b, l->bias, (size_t)l->out_ch * sizeof(float));
    /* G g in double (wino16.h), rounded once */
    for (int k = 0; k < 16; k++) {
        double g[9];
        for (int r = 0; r < 9; r++)
            g[r] = k == 15 ? (r == 8 ? fsr_w16_gscale[k] : 0.0)
                           : (r ? pow(fsr_w16_points[k], r) : 1.0) * fsr_w16_gscale[k];
        for (int ob = 0; ob < nob; ob++) {
            float *dst = p->w + ((size_t)k * nob + ob) * l->kh * 32;
            for (int ky = 0; ky < l->kh; ky++)
                for (int o = 0; o < 32; o++) {
                    const float *w = l->weight + ((size_t)(ob * 32 + o) * l->kh + ky) * 9;
                    double v = 0;
                    for (int r = 0; r < 9; r++)
                        v += g[r] * w[r];
                    dst[ky * 32 + o] = (float)v;
                }
        }
    }
    return 0;
}

static void wino_in_c(float *v, ptrdiff_t vcs, const float *row, ptrdiff_t blk_cs, int channels, int tiles)
{
    for (int ib = 0; ib < channels / 8; ib++)
        for (int t = 0; t < tiles; t++)
            for (int i = 0; i < 8; i++) {
                float d[8], o[8];
                for (int l = 0; l < 8; l++)
                    d[l] = row[ib * blk_cs + (4 * t + l) * 8 + i];
#define MUL_(a, b) ((a) * (b))
                FSR_WINO_IN(float, fsr_wino_add, fsr_wino_sub, MUL_, fmaf, fsr_wino_k, d, o);
#undef MUL_
                for (int k = 0; k < 8; k++)
                    v[(ib * 8 + k) * vcs + t * 8 + i] = o[k];
            }
}

static void wino_in_1_c(float *v, ptrdiff_t vcs, const float *row, int tiles)
{
    for (int t = 0; t < tiles; t++)
        fsr_wino_in_1_tile(v, vcs, row, t);
}

static void wino_acc_1_c(float *acc, const float *const *rows, const float *w, int kh, int n, int tiles)
{
    for (int t = 0; t < tiles; t++)
        for (int o = 0; o < 32; o++) {
            float s = 0.f;
            for (int ky = 0; ky < kh; ky++)
                for (int i = 0; i < n; i++)
                    s = fmaf(w[(ky * n + i) * 32 + o], rows[ky][t + i], s);
            acc[t * 32 + o] = s;
        }
}

static void wino_out_c(float *out, ptrdiff_t out_cs, const float *m, ptrdiff_t pcs, const float *b, int tiles,
                       int relu)
{
    for (int co = 0; co < 32; co++)
        for (int t = 0; t < tiles; t++)
            fsr_wino_out_tile(out, out_cs, m, pcs, b, co, t, relu);
}

static void wino16_in_1_c(float *v, ptrdiff_t vcs, const float *row, int tiles)
{
    for (int t = 0; t < tiles; t++)
        fsr_w16_in_1_tile(v, vcs, row, t);
}

static void wino16_acc_c(float *m, const float *const *rows, ptrdiff_t vcs, const float *w, ptrdiff_t wks, int kh,
                         int tiles)
{
    for (int t = 0; t < tiles; t++)
        for (int k = 0; k < 16; k++)
            for (int o = 0; o < 32; o++) {
                float s = 0.f;
                for (int ky = 0; ky < kh; ky++)
                    s = fmaf(w[k * wks + ky * 32 + o], rows[ky][k * vcs + t], s);
                m[FSR_W16_M(t, k) + o] = s;
            }
}

static void wino16_out_c(float *out, ptrdiff_t out_cs, const float *m, const float *b, int tiles, int relu)
{
    for (int co = 0; co < 32; co++)
        for (int t = 0; t < tiles; t++)
            fsr_w16_out_tile(out, out_cs, m, b, co, t, relu);
}

#define WINO_1_CHUNK 24 /* tiles (fsr_conv_wino_row) */
#define WINO16_CHUNK 12 /* F(8,9) tiles at most: 16 x 12 x 32 floats, 24 kB */
void fsr_conv_wino_row(const FsrConvDSP *dsp, float *out, ptrdiff_t out_cs, const float *const *vrows, ptrdiff_t vcs,
                       const FsrPackedConv *c, int tiles, float *m)
{
    const ptrdiff_t pcs = (ptrdiff_t)tiles * 32;
    const int nob = c->out_ch / 32;
    if (c->wino_tile == 8) {
        /* as below, in near-equal chunks of at most WINO16_CHUNK tiles (96
         * columns), one block call each: a row of 31 tiles as 10 + 10 + 11,
         * not 12 + 12 + 4 + 2 + 1 */
        const int nch = (tiles + WINO16_CHUNK - 1) / WINO16_CHUNK;
        for (int i = 0, t0 = 0; i < nch; i++) {
            const int nt = (tiles - t0) / (nch - i);
            const float *rows[FSR_MODEL_MAX_KERNEL];
            for (int ky = 0; ky < c->kh; ky++)
                rows[ky] = vrows[ky] + t0;
            for (int ob = 0; ob < nob; ob++) {
                dsp->wino16_acc(m, rows, vcs, c->w + (size_t)ob * c->kh * 32, (ptrdiff_t)nob * c->kh * 32, c->kh, nt);
                dsp->wino16_out(out + ob * 32 * out_cs + 8 * t0, out_cs, m, c->b + ob * 32, nt, c->relu);
            }
            t0 += nt;
        }
        return;
    }
    if (c->in_ch == 1) {
        /* WINO_1_CHUNK tiles at a time: their products (8 x 24 x 32 floats,
         * 24 kB) stay in L1 from the sums to the output transform */
        const int n = (c->kw - 1) / 4;
        for (int t0 = 0; t0 < tiles; t0 += WINO_1_CHUNK) {
            const int nt = tiles - t0 < WINO_1_CHUNK ? tiles - t0 : WINO_1_CHUNK;
            const ptrdiff_t ccs = (ptrdiff_t)nt * 32;
            for (int ob = 0; ob < nob; ob++) {
                for (int k = 0; k < 8; k++) {
                    const int i0 = wino_1_first_piece(k, n), nk = n - i0;
                    const float *rows[FSR_MODEL_MAX_KERNEL];
                    for (int ky = 0; ky < c->kh; ky++)
                        rows[ky] = vrows[ky] + k * vcs + t0 + i0;
                    dsp->wino_acc_1(m + k * ccs, rows, c->w + wino_1_weights(k, ob, nob, c->kh, n), c->kh, nk, nt);
                }
                dsp->wino_out(out + ob * 32 * out_cs + 4 * t0, out_cs, m, ccs, c->b + ob * 32, nt, c->relu);
            }
        }
        return;
    }
    for (int ob = 0; ob < nob; ob++) {
        for (int k = 0; k < 8; k++) {
            const float *rows[FSR_MODEL_MAX_KERNEL];
            for (int ky = 0; ky < c->kh; ky++)
                rows[ky] = vrows[ky] + k * vcs;
            dsp->conv_acc_c8(m + k * pcs, rows, 8 * vcs, &c->wsub[k], ob, tiles);
        }
        dsp->wino_out(out + ob * 32 * out_cs, out_cs, m, pcs, c->b + ob * 32, tiles, c->relu);
    }
}

static void to_c8_c(float *c8, ptrdiff_t blk_cs, const float *planar, ptrdiff_t cs, int channels, int n)
{
    for (int b = 0; b < channels / 8; b++) {
        float *d = c8 + b * blk_cs;
        const float *s = planar + (ptrdiff_t)b * 8 * cs;
        for (int x = 0; x < n; x++)
            for (int i = 0; i < 8; i++)
                d[x * 8 + i] = s[i * cs + x];
    }
}

/* acc ([width][32] of one output block) to planar out, with the ReLU. */
static void c8_store_c(float *out, ptrdiff_t out_cs, const float *acc, int width, int relu)
{
    for (int o = 0; o < 32; o++) {
        float *d = out + o * out_cs;
        for (int x = 0; x < width; x++) {
            const float v = acc[x * 32 + o];
            d[x] = relu && !(v > 0.f) ? 0.f : v;
        }
    }
}

void fsr_conv_sum_parts(float *out, const float *const *parts, const FsrPackedConv *c, int width)
{
    const float b = c->b[0];
    for (int x = 0; x < width; x++)
        out[x] = b;
    for (int ky = 0; ky < c->kh; ky++) {
        const float *p = parts[ky];
        if (p)
            for (int x = 0; x < width; x++)
                out[x] = out[x] + p[x];
    }
    if (c->relu)
        for (int x = 0; x < width; x++)
            out[x] = out[x] > 0.f ? out[x] : 0.f;
}

/* ---- C ---- */

static void conv_parts_c(float *parts, ptrdiff_t parts_cs, const float *row, ptrdiff_t in_cs,
                         const FsrPackedConv *c, int width)
{
    const int kh = c->kh, kw = c->kw;
    for (int ky = 0; ky < kh; ky++) {
        float *o = parts + ky * parts_cs;
        for (int x = 0; x < width; x++)
            o[x] = 0.f;
        for (int ci = 0; ci < c->in_ch; ci++) {
            const float *in = row + ci * in_cs;
            for (int kx = 0; kx < kw; kx++) {
                const float wv = c->w[((size_t)ci * kw + kx) * kh + ky];
                for (int x = 0; x < width; x++)
                    o[x] = o[x] + wv * in[x + kx];
            }
        }
    }
}

static void conv_row_c(float *out, ptrdiff_t out_cs, const float *const *rows, ptrdiff_t in_cs,
                       const FsrPackedConv *c, int width)
{
    const size_t taps = (size_t)c->in_ch * c->kh * c->kw;
    for (int co = 0; co < c->out_ch; co++) {
        const int blk = co / c->cb, lane = co % c->cb;
        const float *w = c->w + (size_t)blk * taps * c->cb + lane;
        float *o = out + co * out_cs;
        const float bias = c->b[co];
        for (int x = 0; x < width; x++)
            o[x] = bias;
        for (int ci = 0; ci < c->in_ch; ci++)
            for (int ky = 0; ky < c->kh; ky++) {
                const float *in = rows[ky] + ci * in_cs;
                for (int kx = 0; kx < c->kw; kx++) {
                    const size_t t = tap_index(c, ci, ky, kx);
                    const float wv = w[t * c->cb];
                    for (int x = 0; x < width; x++)
                        o[x] = o[x] + wv * in[x + kx];
                }
            }
        if (c->relu)
            for (int x = 0; x < width; x++)
                o[x] = o[x] > 0.f ? o[x] : 0.f;
        else if (c->slope)
            for (int x = 0; x < width; x++)
                o[x] = o[x] > 0.f ? o[x] : c->slope[co] * o[x];
    }
}

static void conv_acc_c8_c(float *acc, const float *const *rows, ptrdiff_t blk_cs, const FsrPackedConv *c, int ob,
                          int width)
{
    const int kh = c->kh, kw = c->kw, nib = c->in_ch / 8;
    for (int x = 0; x < width; x++)
        for (int o = 0; o < 32; o++)
            acc[x * 32 + o] = c->b[ob * 32 + o];
    for (int ib = 0; ib < nib; ib++) {
        const float *w = c->w + ((size_t)ob * nib + ib) * kh * kw * 8 * 32;
        for (int x = 0; x < width; x++)
            for (int ky = 0; ky < kh; ky++)
                for (int kx = 0; kx < kw; kx++)
                    for (int i = 0; i < 8; i++) {
                        const float v = rows[ky][ib * blk_cs + (x + kx) * 8 + i];
                        const float *wt = w + ((ky * kw + kx) * 8 + i) * 32;
                        for (int o = 0; o < 32; o++)
                            acc[x * 32 + o] = acc[x * 32 + o] + wt[o] * v;
                    }
    }
}

static void conv_row_c8_c(float *out, ptrdiff_t out_cs, const float *const *rows, ptrdiff_t blk_cs,
                          const FsrPackedConv *c, int width, float *acc)
{
    for (int ob = 0; ob < c->out_ch / 32; ob++) {
        conv_acc_c8_c(acc, rows, blk_cs, c, ob, width);
        c8_store_c(out + ob * 32 * out_cs, out_cs, acc, width, c->relu);
    }
}

/* A single-channel input layer packed by fsr_conv_pack_c8 (weights
 * [ob][ky][kx][32]), output written interleaved: channel co of column x at
 * out[(co / 8) * blk_out + x * 8 + co % 8].  rows[ky] are plain rows. */
static void conv_row_1_to_c8_c(float *out, ptrdiff_t blk_out, const float *const *rows, ptrdiff_t in_cs,
                               const FsrPackedConv *c, int width)
{
    (void)in_cs;
    for (int co = 0; co < c->out_ch; co++) {
        const float *w = c->w + (size_t)(co / 32) * c->kh * c->kw * 32 + co % 32;
        float *o = out + (co / 8) * blk_out + co % 8;
        for (int x = 0; x < width; x++) {
            float a = c->b[co];
            for (int ky = 0; ky < c->kh; ky++)
                for (int kx = 0; kx < c->kw; kx++)
                    a = a + w[(ky * c->kw + kx) * 32] * rows[ky][x + kx];
            o[x * 8] = c->relu && !(a > 0.f) ? 0.f : a;
        }
    }
}

static void prelu_row_c(float *row, ptrdiff_t cs, int channels, const float *slope, int width, int c8)
{
    for (int co = 0; co < channels; co++) {
        float *p = c8 ? row + (co / 8) * cs + co % 8 : row + co * cs;
        const int step = c8 ? 8 : 1;
        const float a = slope[co];
        for (int x = 0; x < width; x++)
            p[x * step] = p[x * step] > 0.f ? p[x * step] : a * p[x * step];
    }
}

static void phases_to_u8_c(uint8_t *dst, const float *src, ptrdiff_t phase_cs, int sc, int n)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < sc; k++)
            dst[sc * i + k] = fsr_float_to_u8(src[k * phase_cs + i]);
}

/* Largest |dy| of the taps of phase rows i = 0..s-1 at the given shift
 * along an axis with kernel k. */
static int phase_radius(int k, int s, int shift)
{
    int r = 0;
    for (int i = 0; i < s; i++)
        for (int t = 0; t < k; t++) {
            const int num = i - shift + k / 2 - t;
            if (((num % s) + s) % s)
                continue;
            const int dy = num >= 0 ? num / s : -((-num) / s);
            r = dy > r ? dy : -dy > r ? -dy : r;
        }
    return r;
}

int fsr_conv_deconv_radius(int k, int s, int *shift)
{
    /* the shift with the smallest window: for x3 and a 9x9 kernel, 1
     * gives 3x3 phase kernels (no zero taps) where 0 needs 5x5 */
    int r = -1, sh = 0;
    for (int c = 0; c < s; c++) {
        const int rc = phase_radius(k, s, c);
        if (r < 0 || rc < r)
            r = rc, sh = c;
    }
    if (shift)
        *shift = sh;
    return r;
}

int fsr_conv_deconv_phases(FsrConvLayer *out, const FsrConvLayer *d, int s, int *shift)
{
    memset(out, 0, sizeof(*out));
    if (d->out_ch != 1 || s < 1 || d->kh != d->kw)
        return fsr_error(FSR_ERR(EINVAL), "sr: transposed convolution with %d outputs, %dx%d", d->out_ch, d->kh,
                         d->kw);
    int sh;
    const int r = fsr_conv_deconv_radius(d->kh, s, &sh);
    const int k = 2 * r + 1, p = d->kh / 2;
    out->in_ch = d->in_ch;
    out->out_ch = s * s;
    out->kh = out->kw = k;
    out->act = FSR_ACT_NONE;
    out->weight = calloc((size_t)s * s * d->in_ch * k * k, sizeof(float));
    out->bias = malloc(sizeof(float) * s * s);
    if (!out->weight || !out->bias) {
        free(out->weight);
        free(out->bias);
        memset(out, 0, sizeof(*out));
        return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory");
    }
    for (int i = 0; i < s; i++)
        for (int j = 0; j < s; j++) {
            out->bias[i * s + j] = d->bias[0];
            for (int c = 0; c < d->in_ch; c++)
                for (int dy = -r; dy <= r; dy++)
                    for (int dx = -r; dx <= r; dx++) {
                        const int ky = i - sh + p - s * dy, kx = j - sh + p - s * dx;
                        if (ky < 0 || ky >= d->kh || kx < 0 || kx >= d->kw)
                            continue;
                        out->weight[(((size_t)(i * s + j) * d->in_ch + c) * k + dy + r) * k + dx + r] =
                            d->weight[((size_t)c * d->kh + ky) * d->kw + kx];
                    }
        }
    *shift = sh;
    return 0;
}

void fsr_conv_dsp_init(FsrConvDSP *dsp, unsigned cpu_flags)
{
    dsp->conv_row = conv_row_c;
    dsp->conv_row_c8 = conv_row_c8_c;
    dsp->to_c8 = to_c8_c;
    dsp->conv_row_1_to_c8 = conv_row_1_to_c8_c;
    dsp->conv_parts = conv_parts_c;
    dsp->prelu_row = prelu_row_c;
    dsp->phases_to_u8 = phases_to_u8_c;
    dsp->wino_in = wino_in_c;
    dsp->wino_out = wino_out_c;
    dsp->conv_acc_c8 = conv_acc_c8_c;
    dsp->wino_in_1 = wino_in_1_c;
    dsp->wino_acc_1 = wino_acc_1_c;
    dsp->wino16_in_1 = wino16_in_1_c;
    dsp->wino16_acc = wino16_acc_c;
    dsp->wino16_out = wino16_out_c;
#if defined(__x86_64__)
    if (cpu_flags & FSR_CPU_AVX2_FMA)
        fsr_conv_dsp_init_avx2(dsp);
    if (cpu_flags & FSR_CPU_AVX512)
        fsr_conv_dsp_init_avx512(dsp);
#else
    (void)cpu_flags;
#endif
}

/* ---- whole-layer reference ---- */

void fsr_conv_ref_layer(double *out, const double *in, int w, int h, const FsrConvLayer *l, int padding, int relu)
{
    const size_t plane = (size_t)w * h;
    for (int co = 0; co < l->out_ch; co++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double acc = l->bias[co];
                const float *wt = l->weight + (size_t)co * l->in_ch * l->kh * l->kw;
                for (int ci = 0; ci < l->in_ch; ci++)
                    for (int ky = 0; ky < l->kh; ky++)
                        for (int kx = 0; kx < l->kw; kx++, wt++) {
                            const ptrdiff_t at = fsr_conv_tap_offset(x, y, ky, kx, l->kh, l->kw, w, h, padding);
                            if (at >= 0)
                                acc += (double)*wt * in[ci * plane + at];
                        }
                out[co * plane + (size_t)y * w + x] = relu && acc < 0 ? 0 : acc;
            }
}
