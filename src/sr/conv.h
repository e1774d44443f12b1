/* Convolution kernels of the SR engine.  A layer's weights are repacked once
 * (fsr_conv_pack) into output-channel blocks so the row kernel reads them
 * strictly sequentially; the row kernel computes one output row of every
 * output channel from kh input rows.  C reference and AVX2/FMA versions sit
 * behind FsrConvDSP, chosen at run time by CPU flags. */
#ifndef FASTSR_SRC_CONV_H
#define FASTSR_SRC_CONV_H

#include <stddef.h>
#include <stdint.h>

#include "fastsr/model.h"

/* Bytes of input window a chunk of input channels may occupy in L1. */
#define FSR_CONV_L1_BUDGET 12288

typedef struct FsrPackedConv {
    int in_ch, out_ch, kh, kw;
    int relu;       /* ReLU after the bias (every layer but the last) */
    int cb;         /* output channels per block: 4, or 1 when out_ch < 4 */
    int n_blocks;   /* ceil(out_ch / cb) */
    int ci_inner;   /* weight order: 1 [ci chunk][ky][kx][ci], 0 [ci][ky][kx] */
    int ci_chunk;   /* input channels per chunk (ci_inner only) */
    int kx_sums;    /* single-channel output, kw 5: per-kx partial sums */
    int parts;      /* packed by fsr_conv_pack_parts: weights [ci][kx][ky] */
    int c8;         /* packed by fsr_conv_pack_c8: weights [oc/32][ci/8][ky][kx][8 ci][32 oc] */
    float *w;       /* [n_blocks][taps in that order][cb], zero-padded channels */
    /* ci_inner layers: [n_blocks][kh * kw], bit c set when channel c of the
     * block has a nonzero weight at that tap for some input channel; NULL
     * when every tap of every block is needed (any trained layer but the
     * phases of a transposed convolution, fsr_conv_deconv_phases, where
     * 19% (x2) to 44% (x4) of the taps are zero) */
    unsigned char *tapmask;
    float *b;       /* [n_blocks * cb] */
    /* PReLU slopes [n_blocks * cb] (fsr_conv_pack_prelu): the row kernel
     * applies v > 0 ? v : slope * v as it stores the last chunk's sums, as
     * prelu_row would after it (same bits, one pass over the row less);
     * NULL: none */
    float *slope;
    /* fsr_conv_pack_wino: a kw 5 layer run as Winograd F(4,5) along rows;
     * wsub[0..7] hold its transformed weights, one kh x 1 layer of the
     * interleaved kernel (fsr_conv_pack_c8, bias 0, no ReLU) per point of
     * the transform; b and relu are the layer's own. */
    int wino;
    struct FsrPackedConv *wsub;
    /* outputs per Winograd tile: 4 (F(4,5), wino.h) or 8 (a single-channel
     * 9-wide layer by F(8,9), fsr_conv_pack_wino16 and wino16.h) */
    int wino_tile;
} FsrPackedConv;

int fsr_conv_pack(FsrPackedConv *p, const FsrConvLayer *l, int relu);

/* A planar layer packed by fsr_conv_pack (blocks of 4 channels, relu 0)
 * takes its PReLU (slope[out_ch]) into conv_row's store: returns 1, or 0
 * for a layer whose kernels do not (other packings, fewer than 4 output
 * channels: run prelu_row after them), or a negative error. */
int fsr_conv_pack_prelu(FsrPackedConv *p, const float *slope);

/* A single-output-channel layer (SRCNN's last) packed for row partials:
 * instead of one output row from kh input rows (a ring of kh rows of all
 * input channels, read kh times each), every input row is used once, as it
 * is produced, to give kh partial rows
 *   parts[ky*parts_cs + x] = sum_ci,kx w[ci][ky][kx] * row[ci*in_cs + x + kx]
 * and output row y is b + P_0(row y-ry) + P_1(row y-ry+1) + ... in ky
 * order (fsr_conv_sum_parts).  The kh partials of a row are a 1 x kw
 * convolution with kh output channels, which vectorises like any other
 * layer; the input row is not kept. */
int fsr_conv_pack_parts(FsrPackedConv *p, const FsrConvLayer *l, int relu);
void fsr_conv_pack_close(FsrPackedConv *p);

/* A layer with in_ch a multiple of 8 (or 1: see conv_row_1_to_c8) and
 * out_ch a multiple of 32 packed
 * for input rows in channel-interleaved order ("c8"): channel ci of column
 * x is at row[(ci / 8) * blk_cs + x * 8 + ci % 8].  Output channels are then
 * the vector lanes (4 vectors = 32 channels) and each input value is one
 * broadcast, as in oneDNN's nChw8c kernels: the weights of 8 input channels
 * (25.6 kB for 5x5) stay in L1 for a whole row, and every vector load is an
 * aligned weight load.  Measured on this EPYC, oneDNN's layer 2 of 9-5-5
 * ran at 94% of peak this way where the planar kernel ran at 88%. */
int fsr_conv_pack_c8(FsrPackedConv *p, const FsrConvLayer *l, int relu);
int fsr_conv_c8_ok(const FsrConvLayer *l);

/* Winograd F(4,5) along each row (Lavin & Gray, CVPR 2016), for wide 5-wide
 * layers (layer 2 of SRCNN 9-5-5, 90% of its multiply-adds): four outputs
 * of a row from 8 transformed inputs take 8 multiplies per input channel
 * and kernel row instead of 20, 2.5x fewer.  The transform's points are
 * 0, +-1, +-2, +-1/2 and infinity; in float the outputs stay within about
 * 1e-6 relative of the direct convolution's (tests/test_sr.c).
 *
 * An input row (channel-interleaved, fsr_conv_pack_c8's order) is
 * transformed once, as it is made (FsrConvDSP.wino_in), into 8 rows of
 * tiles: value k of tile t (input columns 4t .. 4t+7) of channel block ib
 * at v[(ib * 8 + k) * vcs + t * 8 + channel % 8].  An output row is then 8
 * kh x 1 convolutions of those rows by the interleaved kernel, one per
 * point, and the output transform (FsrConvDSP.wino_out) with the bias and
 * ReLU.  Where a tile starts fixes how its outputs round, so the engine
 * puts tiles at picture columns that are multiples of 4 whatever the
 * tiling (sr.c).
 *
 * A single-channel layer with 4n+1-wide kernels, 9 or wider (SRCNN's 9x9 layer 1, 65%
 * of 9-1-5's multiply-adds) runs the same transform: each kernel row is n
 * 5-tap pieces (taps 4i .. 4i+3 and a zero, the last piece taps 4n-4 ..
 * 4n), piece i applied to the tile i after the output's, so the 9 taps
 * cost 16 multiplies per 4 outputs instead of 36 (2.25x fewer).  Its
 * input row is transformed once into 8 rows of tiles (wino_in_1: value k
 * of tile t at v[k * vcs + t]); each of its 8 points is then a sum over
 * kh x n products (wino_acc_1) into the same output transform. */
int fsr_conv_wino_ok(const FsrConvLayer *l);
int fsr_conv_pack_wino(FsrPackedConv *p, const FsrConvLayer *l, int relu);

/* Winograd F(8,9) along rows for a single-channel 9-wide layer with 32k
 * outputs (wino16.h): eight outputs of a row from one tile of 16 inputs,
 * 16 multiplies per kernel row and channel, 18 per output over the 9
 * rows against 33.75 for F(4,5) in pieces and 81 direct.  Its tiles are
 * 8 columns, so the engine puts them at picture columns that are
 * multiples of 8, which a Winograd F(4,5) layer after it would not keep:
 * the engine takes it only before a direct layer (sr.c).  Input rows are
 * transformed once (wino16_in_1: value k of tile t, input columns 8t ..
 * 8t+15, at v[k * vcs + t], k < 16); each point is then a kh x 1 sum
 * (wino16_acc, all 16 points of a chunk of tiles in one call) and
 * wino16_out the output transform.  The
 * packed weights: point k, output block ob at w + (k * nob + ob) * kh *
 * 32, [ky][32 oc]. */
int fsr_conv_wino16_ok(const FsrConvLayer *l);
int fsr_conv_pack_wino16(FsrPackedConv *p, const FsrConvLayer *l, int relu);



/* One output row of all out_ch channels:
 *   out[co*out_cs + x] = act(b[co] + sum_ci,ky,kx w * rows[ky][ci*in_cs + x + kx])
 * for x in 0..width-1.  rows[ky] point at column 0 of input row ky (the
 * input is already padded, so the row kernel never looks at borders).
 * Optimised kernels need width to be a multiple of 8.  The accumulation
 * order (bias, then ci, ky, kx) is the same in every lane, so a pixel's value
 * does not depend on where it sits in the row: tiles and threads cannot
 * change results. */
typedef void (*FsrConvRowFn)(float *out, ptrdiff_t out_cs, const float *const *rows, ptrdiff_t in_cs,
                             const FsrPackedConv *c, int width);

/* Row partials of a fsr_conv_pack_parts layer (width a multiple of 8 for
 * the optimised kernel; reads row columns up to width + kw - 2). */
typedef void (*FsrConvPartsFn)(float *parts, ptrdiff_t parts_cs, const float *row, ptrdiff_t in_cs,
                               const FsrPackedConv *c, int width);

/* One output row of a fsr_conv_pack_c8 layer with in_ch a multiple of 8
 * (a single-channel one uses conv_row_1_to_c8): rows[ky] are c8 rows (block
 * stride blk_cs), out is planar as for FsrConvRowFn, acc a scratch of
 * width x 32 floats.  Same accumulation order in every lane: bias, then
 * input-channel blocks of 8, each in (ky, kx, ci) order. */
typedef void (*FsrConvRowC8Fn)(float *out, ptrdiff_t out_cs, const float *const *rows, ptrdiff_t blk_cs,
                               const FsrPackedConv *c, int width, float *acc);

/* Channel-interleaved copy of a planar row: n columns of channels (a
 * multiple of 8) from planar (channel stride cs) to c8 (block stride
 * blk_cs).  Pure data movement: every version gives the same bytes. */
typedef void (*FsrConvToC8Fn)(float *c8, ptrdiff_t blk_cs, const float *planar, ptrdiff_t cs, int channels, int n);

/* FsrConvDSP.wino_in: tiles of a channel-interleaved row (block stride
 * blk_cs; reads columns 0 .. 4 * tiles + 3) into v as described at
 * fsr_conv_wino_ok. */
typedef void (*FsrConvWinoInFn)(float *v, ptrdiff_t vcs, const float *row, ptrdiff_t blk_cs, int channels,
                                int tiles);
/* FsrConvDSP.wino_out, for 32 output channels: out[co * out_cs + 4t + j] =
 * act(b[co] + output j of the transform of m[k * pcs + t * 32 + co],
 * k = 0..7), t < tiles (the products as FsrConvAccC8Fn leaves them). */
typedef void (*FsrConvWinoOutFn)(float *out, ptrdiff_t out_cs, const float *m, ptrdiff_t pcs, const float *b,
                                 int tiles, int relu);
/* FsrConvDSP.wino_in_1: tiles t < tiles of a single-channel row (reads
 * columns 0 .. 4 * tiles + 3) into v[k * vcs + t], k < 8. */
typedef void (*FsrConvWinoIn1Fn)(float *v, ptrdiff_t vcs, const float *row, int tiles);
/* FsrConvDSP.wino_acc_1: one point's products of a single-channel
 * Winograd layer for 32 output channels:
 *   acc[t * 32 + o] = sum over ky < kh, i < n of w[(ky * n + i) * 32 + o] * rows[ky][t + i]
 * in that order, each step one fused multiply-add from 0, so every
 * version gives the same bits. */
typedef void (*FsrConvWinoAcc1Fn)(float *acc, const float *const *rows, const float *w, int kh, int n, int tiles);
/* FsrConvDSP.wino16_acc: the 16 points' products of an F(8,9) layer for
 * one block of 32 output channels, point k's weights at w + k * wks
 * ([ky][32 oc]), tile by tile (FSR_W16_M):
 *   m[FSR_W16_M(t, k) + o] = sum over ky < kh of w[k * wks + ky * 32 + o] * rows[ky][k * vcs + t]
 * for t < tiles, each from zero by one fused multiply-add a product in ky
 * order, in every version.  The tile's 16 points sit together, so that
 * the output transform reads them at constant offsets from one pointer
 * (point-major, GCC kept 16 row pointers on the stack: 80 stack accesses
 * in the AVX-512 transform). */
#define FSR_W16_M(t, k) (((ptrdiff_t)(t) * 16 + (k)) * 32)
typedef void (*FsrConvWino16AccFn)(float *m, const float *const *rows, ptrdiff_t vcs, const float *w, ptrdiff_t wks,
                                   int kh, int tiles);
/* FsrConvDSP.wino16_out: out[co * out_cs + 8t + j] = act(b[co] + output j
 * of the transform of m[FSR_W16_M(t, k) + co], k < 16), t < tiles. */
typedef void (*FsrConvWino16OutFn)(float *out, ptrdiff_t out_cs, const float *m, const float *b, int tiles, int relu);
/* The sums of output block ob (32 channels) of a fsr_conv_pack_c8 layer
 * with in_ch a multiple of 8, left in acc[x * 32 + co] (bias included, no
 * activation, not stored planar): conv_row_c8 without its store, in the
 * same order of additions. */
typedef void (*FsrConvAccC8Fn)(float *acc, const float *const *rows, ptrdiff_t blk_cs, const FsrPackedConv *c,
                               int ob, int width);

typedef struct FsrConvDSP {
    FsrConvRowFn conv_row;
    FsrConvRowC8Fn conv_row_c8;
    FsrConvToC8Fn to_c8;
    /* A single-input-channel layer packed by fsr_conv_pack_c8 (plain input
     * rows, as FsrConvRowFn) writing its output interleaved: channel co of
     * column x at out[(co / 8) * blk_out + x * 8 + co % 8], ReLU applied. */
    FsrConvRowFn conv_row_1_to_c8;
    FsrConvPartsFn conv_parts;
    /* PReLU in place on a row of `channels` channels, width columns:
     * planar (channel co at row[co * cs + x]) or, c8, interleaved
     * (row[(co / 8) * cs + x * 8 + co % 8]).  Exact (no rounding), so the
     * C and AVX2 versions agree bit for bit. */
    void (*prelu_row)(float *row, ptrdiff_t cs, int channels, const float *slope, int width, int c8);
    /* The network's output as bytes, fsr_float_to_u8 of each value, with
     * sc phases interleaved (a pixel shuffle's HR row): dst[sc * i + k] =
     * src[k * phase_cs + i] for i < n, k < sc; sc 1 is a plain row.  Every
     * version gives the same bytes. */
    void (*phases_to_u8)(uint8_t *dst, const float *src, ptrdiff_t phase_cs, int sc, int n);
    /* Winograd transforms (fsr_conv_wino_ok); the same arithmetic, one
     * rounding after each add or fused multiply-add, in every version, so
     * they agree bit for bit. */
    FsrConvWinoInFn wino_in;
    FsrConvWinoOutFn wino_out;
    FsrConvAccC8Fn conv_acc_c8;
    FsrConvWinoIn1Fn wino_in_1;
    FsrConvWinoAcc1Fn wino_acc_1;
    /* F(8,9) (fsr_conv_wino16_ok): wino16_in_1 as wino_in_1 with 16
     * values per tile of input columns 8t .. 8t+15 (reads columns 0 ..
     * 8 * tiles + 7); wino16_acc and wino16_out above. */
    FsrConvWinoIn1Fn wino16_in_1;
    FsrConvWino16AccFn wino16_acc;
    FsrConvWino16OutFn wino16_out;
} FsrConvDSP;

/* One output row of a fsr_conv_pack_wino layer, tiles * 4 columns, from
 * kh transformed rows (vrows[ky], as wino_in wrote them, vcs apart): per
 * block of 32 output channels, the 8 convolutions into m (8 x tiles x 32
 * floats, conv_acc_c8), then the output transform into out (planar,
 * channel stride out_cs). */
void fsr_conv_wino_row(const FsrConvDSP *dsp, float *out, ptrdiff_t out_cs, const float *const *vrows, ptrdiff_t vcs,
                       const FsrPackedConv *c, int tiles, float *m);

/* A network output (1.0 = white) as an 8-bit sample: times 255, clamped to
 * [0, 255] (NaN to 0), rounded half up. */
static inline uint8_t fsr_float_to_u8(float v)
{
    v *= 255.f;
    v = v > 0.f ? v : 0.f; /* also maps NaN to 0 */
    v = v < 255.f ? v : 255.f;
    return (uint8_t)(int)(v + 0.5f);
}

/* The same as a sample of maxv (2^depth - 1) for high-depth video. */
static inline uint16_t fsr_float_to_u16(float v, int maxv)
{
    v *= (float)maxv;
    v = v > 0.f ? v : 0.f; /* also maps NaN to 0 */
    v = v < (float)maxv ? v : (float)maxv;
    return (uint16_t)(int)(v + 0.5f);
}

/* A transposed convolution (stride s, padding kh/2, 1 output channel,
 * square kernel, FSR_UP_DECONV) rewritten as the convolution that gives
 * its s^2 output phases as channels, for a pixel shuffle after it that is
 * shifted by *shift: channel i*s + j at LR (y, x) is HR
 * (s*y + i - shift, s*x + j - shift), and reads feature (y + dy, x + dx)
 * with weight w[ky = i - shift + kh/2 - s*dy][kx = ...] (zero where that
 * tap does not exist), |dy|, |dx| <= r.  The shift (0..s-1) is the one with
 * the smallest r.  out gets newly allocated weight and bias (free them);
 * act none. */
int fsr_conv_deconv_phases(FsrConvLayer *out, const FsrConvLayer *deconv, int s, int *shift);
/* The LR-side radius of a transposed convolution (stride s, kernel k per
 * axis) as fsr_conv_deconv_phases runs it: its phase kernels' r, for the
 * shift (stored in *shift unless NULL) with the smallest one; e.g. 2 for
 * FSRCNN's 9x9 at x2 (its footprint of 4 HR pixels over the scale), not
 * the kernel's own k/2. */
int fsr_conv_deconv_radius(int k, int s, int *shift);

/* cpu_flags: fsr_cpu_flags() or a subset, to force the C kernels. */
void fsr_conv_dsp_init(FsrConvDSP *dsp, unsigned cpu_flags);
/* The AVX2 + FMA entries (x86/conv_avx2.c), for fsr_conv_dsp_init. */
void fsr_conv_dsp_init_avx2(FsrConvDSP *dsp);
/* The AVX-512 entries (x86/conv_avx512.c), over the AVX2 ones: all but
 * to_c8 (a copy, memory-bound) and conv_row_1_to_c8 (slower measured). */
void fsr_conv_dsp_init_avx512(FsrConvDSP *dsp);

/* out[x] = act(b + parts[0][x] + parts[1][x] + ...), parts[ky] NULL for a
 * row outside the picture under zero padding (skipped).  Plain C for every
 * CPU: kh adds per pixel next to in_ch * kh * kw multiply-adds. */
void fsr_conv_sum_parts(float *out, const float *const *parts, const FsrPackedConv *c, int width);

/* The direct convolution, the definition every faster version is checked
 * against: one whole layer on a w x h plane, CHW, padding at the borders as
 * the model says, accumulated in double from the bias in (ci, ky, kx)
 * order, no tiling.  The engine's tests and the accelerator model's
 * calibration use it. */
void fsr_conv_ref_layer(double *out, const double *in, int w, int h, const FsrConvLayer *l, int padding, int relu);

/* The input sample that tap (ky, kx) of a kh x kw kernel reads for output
 * (x, y) of a w x h plane: its offset in the plane, or -1 where zero padding
 * supplies a zero.  The padding rule of every direct convolution here (the
 * accelerator's integer one too). */
static inline ptrdiff_t fsr_conv_tap_offset(int x, int y, int ky, int kx, int kh, int kw, int w, int h, int padding)
{
    int sy = y + ky - kh / 2, sx = x + kx - kw / 2;
    if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
        if (padding == FSR_PAD_ZERO)
            return -1;
        sy = sy < 0 ? 0 : sy >= h ? h - 1 : sy;
        sx = sx < 0 ? 0 : sx >= w ? w - 1 : sx;
    }
    return (ptrdiff_t)sy * w + sx;
}

#endif
