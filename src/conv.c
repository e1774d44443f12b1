/* Row convolution kernels: C reference, AVX2/FMA, and the whole-layer
 * reference convolution the engine is tested against. */
#include "conv.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "cpu.h"
#include "log.h"

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
        fsr_conv_unpack_free(p);
        return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory for weights");
    }
    for (int blk = 0; blk < p->n_blocks; blk++) {
        for (int c = 0; c < p->cb; c++) {
            const int co = blk * p->cb + c;
            p->b[blk * p->cb + c] = co < l->out_ch ? l->bias[co] : 0.f;
        }
        float *dst = p->w + (size_t)blk * taps * p->cb;
        for (size_t t = 0; t < taps; t++)
            for (int c = 0; c < p->cb; c++) {
                const int co = blk * p->cb + c;
                dst[t * p->cb + c] = co < l->out_ch ? l->weight[(size_t)co * taps + t] : 0.f;
            }
    }
    return 0;
}

void fsr_conv_unpack_free(FsrPackedConv *p)
{
    free(p->w);
    free(p->b);
    p->w = p->b = NULL;
}

/* ---- C ---- */

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
                for (int kx = 0; kx < c->kw; kx++, w += c->cb) {
                    const float wv = *w;
                    for (int x = 0; x < width; x++)
                        o[x] = o[x] + wv * in[x + kx];
                }
            }
        if (c->relu)
            for (int x = 0; x < width; x++)
                o[x] = o[x] > 0.f ? o[x] : 0.f;
    }
}

/* ---- AVX2 / FMA ---- */

#if defined(__x86_64__)
/* A CB x NX block: CB output channels times NX vectors of 8 pixels starting
 * at column x.  Instantiated with constants so the accumulators live in
 * registers. */
#define DEF_BLOCK(CB, NX)                                                                     \
__attribute__((target("avx2,fma"))) static void                                              \
block_##CB##x##NX(float *out, ptrdiff_t out_cs, const float *const *rows, ptrdiff_t in_cs,    \
                  const FsrPackedConv *c, const float *w, const float *b, int x, int nco)     \
{                                                                                             \
    __m256 acc[CB][NX];                                                                       \
    for (int i = 0; i < CB; i++) {                                                            \
        const __m256 bv = _mm256_broadcast_ss(&b[i]);                                         \
        for (int j = 0; j < NX; j++)                                                          \
            acc[i][j] = bv;                                                                   \
    }                                                                                         \
    const int kh = c->kh, kw = c->kw;                                                         \
    for (int ci = 0; ci < c->in_ch; ci++) {                                                   \
        for (int ky = 0; ky < kh; ky++) {                                                     \
            const float *p = rows[ky] + ci * in_cs + x;                                       \
            for (int kx = 0; kx < kw; kx++, w += CB) {                                        \
                __m256 v[NX];                                                                 \
                for (int j = 0; j < NX; j++)                                                  \
                    v[j] = _mm256_loadu_ps(p + kx + 8 * j);                                   \
                for (int i = 0; i < CB; i++) {                                                \
                    const __m256 wv = _mm256_broadcast_ss(&w[i]);                             \
                    for (int j = 0; j < NX; j++)                                              \
                        acc[i][j] = _mm256_fmadd_ps(wv, v[j], acc[i][j]);                     \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
    const __m256 zero = _mm256_setzero_ps();                                                  \
    for (int i = 0; i < CB && i < nco; i++)                                                   \
        for (int j = 0; j < NX; j++)                                                          \
            _mm256_storeu_ps(out + i * out_cs + x + 8 * j,                                    \
                             c->relu ? _mm256_max_ps(acc[i][j], zero) : acc[i][j]);           \
}

#pragma GCC push_options
#pragma GCC optimize("unroll-loops")
DEF_BLOCK(4, 3)
DEF_BLOCK(4, 2)
DEF_BLOCK(4, 1)
DEF_BLOCK(1, 8)
DEF_BLOCK(1, 4)
DEF_BLOCK(1, 2)
DEF_BLOCK(1, 1)
#pragma GCC pop_options

typedef void (*BlockFn)(float *, ptrdiff_t, const float *const *, ptrdiff_t, const FsrPackedConv *,
                        const float *, const float *, int, int);

static void conv_row_avx2(float *out, ptrdiff_t out_cs, const float *const *rows, ptrdiff_t in_cs,
                          const FsrPackedConv *c, int width)
{
    const size_t taps = (size_t)c->in_ch * c->kh * c->kw;
    const int nvec = width / 8;
    /* Pixel blocks outside, channel blocks inside: the input window of one
     * pixel block (in_ch x kh rows x ~32 floats) stays in L1 while every
     * channel block streams its weights past it sequentially. */
    if (c->cb == 4) {
        for (int v = 0; v < nvec;) {
            const int nx = nvec - v >= 3 ? 3 : nvec - v;
            const BlockFn fn = nx == 3 ? block_4x3 : nx == 2 ? block_4x2 : block_4x1;
            for (int blk = 0; blk < c->n_blocks; blk++) {
                const int co = blk * 4;
                fn(out + co * out_cs, out_cs, rows, in_cs, c, c->w + (size_t)blk * taps * 4, c->b + co,
                   v * 8, c->out_ch - co);
            }
            v += nx;
        }
    } else {
        for (int co = 0; co < c->out_ch; co++) {
            const float *w = c->w + (size_t)co * taps;
            for (int v = 0; v < nvec;) {
                const int left = nvec - v;
                const int nx = left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
                const BlockFn fn = nx == 8 ? block_1x8 : nx == 4 ? block_1x4 : nx == 2 ? block_1x2 : block_1x1;
                fn(out + co * out_cs, out_cs, rows, in_cs, c, w, c->b + co, v * 8, 1);
                v += nx;
            }
        }
    }
}
#endif

void fsr_conv_dsp_init(FsrConvDSP *dsp, unsigned flags)
{
    dsp->conv_row = conv_row_c;
    dsp->simd = 0;
#if defined(__x86_64__)
    if (flags & FSR_CPU_AVX2_FMA) {
        dsp->conv_row = conv_row_avx2;
        dsp->simd = 1;
    }
#else
    (void)flags;
#endif
}

/* ---- whole-layer reference ---- */

static inline int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void fsr_conv_ref_layer(float *out, const float *in, int w, int h, const FsrConvLayer *l,
                        int padding, int relu)
{
    const int ry = l->kh / 2, rx = l->kw / 2;
    const size_t plane = (size_t)w * h;
    for (int co = 0; co < l->out_ch; co++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double acc = l->bias[co];
                for (int ci = 0; ci < l->in_ch; ci++)
                    for (int ky = 0; ky < l->kh; ky++)
                        for (int kx = 0; kx < l->kw; kx++) {
                            int sy = y + ky - ry, sx = x + kx - rx;
                            if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
                                if (padding == FSR_PAD_ZERO)
                                    continue;
                                sy = clampi(sy, 0, h - 1);
                                sx = clampi(sx, 0, w - 1);
                            }
                            acc += (double)l->weight[(((size_t)co * l->in_ch + ci) * l->kh + ky) * l->kw + kx] *
                                   in[ci * plane + (size_t)sy * w + sx];
                        }
                out[co * plane + (size_t)y * w + x] = (float)(relu && acc < 0 ? 0 : acc);
            }
}
