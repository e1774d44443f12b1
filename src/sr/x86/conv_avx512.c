/* Row convolution kernels, AVX-512 (F/BW/VL/DQ): 32 registers of 16 lanes.
 * Twins of the C kernels in ../conv.c (tests/checkasm and tests/test_sr.c
 * compare them), installed by fsr_conv_dsp_init on CPUs with
 * FSR_CPU_AVX512.  Compiled with target attributes only, so the library
 * still builds with any compiler flags and runs on AVX2-only machines.
 *
 * Every lane sums in the same order as the AVX2 kernels (bias, then the
 * taps in the packed order, one FMA each), so on one machine the AVX-512
 * and AVX2 engines give the same bits; only the blocking differs: more
 * pixels per block (16-lane vectors, up to 24 accumulators). */
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "conv_x86.h"
#include "wino.h"
#include "wino16.h"

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")))

/* M(0) .. M(11): the blocks below name one variable per accumulator (GCC
 * keeps arrays of vectors in memory across the loop nest); NX is a
 * constant, so the unused ones vanish. */
#define R12(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11)
#define R6(M) M(0) M(1) M(2) M(3) M(4) M(5)

/* ---- channel-interleaved input (c8): 32 output channels = 2 vectors ---- */

/* 32 output channels x NX (1..12) pixels, one input block of 8 channels.
 * Per input channel and tap: 2 aligned weight loads, NX broadcasts, 2 x NX
 * FMAs (24 accumulators at NX = 12, 14 loads per 24 FMAs). */
#define C8_DECL(j) __m512 a##j##_0 = _mm512_setzero_ps(), a##j##_1 = _mm512_setzero_ps();
#define C8_BIAS(j)                                                                  \
    if (NX > j) {                                                                   \
        a##j##_0 = b0;                                                              \
        a##j##_1 = b1;                                                              \
    }
#define C8_LOAD(j)                                                                  \
    if (NX > j) {                                                                   \
        a##j##_0 = _mm512_loadu_ps(acc + 32 * j);                                   \
        a##j##_1 = _mm512_loadu_ps(acc + 32 * j + 16);                              \
    }
#define C8_FMA(j)                                                                   \
    if (NX > j) {                                                                   \
        const __m512 v = _mm512_set1_ps(p[8 * j + i]);                              \
        a##j##_0 = _mm512_fmadd_ps(w0, v, a##j##_0);                                \
        a##j##_1 = _mm512_fmadd_ps(w1, v, a##j##_1);                                \
    }
#define C8_STORE(j)                                                                 \
    if (NX > j) {                                                                   \
        _mm512_storeu_ps(acc + 32 * j, a##j##_0);                                   \
        _mm512_storeu_ps(acc + 32 * j + 16, a##j##_1);                              \
    }
#define DEF_C8(NX_)                                                                           \
AVX512 __attribute__((noinline)) static void                                                 \
c8_block_##NX_(float *acc, const float *const *rows, ptrdiff_t off, const float *w, int kh, int kw, \
               const float *bias, int nib, ptrdiff_t blk_cs)                                  \
{                                                                                             \
    enum { NX = NX_ };                                                                        \
    R12(C8_DECL)                                                                              \
    if (bias) { /* first input block */                                                      \
        const __m512 b0 = _mm512_loadu_ps(bias), b1 = _mm512_loadu_ps(bias + 16);             \
        R12(C8_BIAS)                                                                          \
    } else {                                                                                  \
        R12(C8_LOAD)                                                                          \
    }                                                                                         \
    const float *wp = w;                                                                      \
    for (int ib = 0; ib < nib; ib++)                                                          \
        for (int ky = 0; ky < kh; ky++) {                                                     \
            const float *p = rows[ky] + off + ib * blk_cs;                                    \
            for (int kx = 0; kx < kw; kx++, p += 8) {                                         \
                _Pragma("GCC unroll 1")                                                       \
                for (int i = 0; i < 8; i++, wp += 32) {                                       \
                    const __m512 w0 = _mm512_load_ps(wp), w1 = _mm512_load_ps(wp + 16);       \
                    R12(C8_FMA)                                                               \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
    R12(C8_STORE)                                                                             \
}

DEF_C8(12)
DEF_C8(8)
DEF_C8(4)
DEF_C8(2)
DEF_C8(1)

typedef void (*C8Fn)(float *, const float *const *, ptrdiff_t, const float *, int, int, const float *, int,
                     ptrdiff_t);

/* The sums of output block ob (bias, then input blocks of 8 channels in
 * order) into acc ([x][32]), ibc input blocks inside each call of the
 * block kernel: the accumulators stay in registers across them. */
static void acc_blocks(float *acc, const float *const *rows, ptrdiff_t blk_cs, const FsrPackedConv *c, int ob,
                       int width, int ibc)
{
    const int kh = c->kh, kw = c->kw, nib = c->in_ch / 8;
    static const struct {
        int n;
        C8Fn fn;
    } tails[] = { { 8, c8_block_8 }, { 4, c8_block_4 }, { 2, c8_block_2 }, { 1, c8_block_1 } };
    for (int i0 = 0; i0 < nib; i0 += ibc) {
        const int n = nib - i0 < ibc ? nib - i0 : ibc;
        const float *w = c->w + ((size_t)ob * nib + i0) * kh * kw * 8 * 32, *bias = i0 ? NULL : c->b + ob * 32;
        int x = 0;
        for (; x + 12 <= width; x += 12)
            c8_block_12(acc + x * 32, rows, x * 8 + i0 * blk_cs, w, kh, kw, bias, n, blk_cs);
        for (int t = 0; t < 4; t++)
            if (width - x >= tails[t].n) {
                tails[t].fn(acc + x * 32, rows, x * 8 + i0 * blk_cs, w, kh, kw, bias, n, blk_cs);
                x += tails[t].n;
            }
    }
}

static void conv_row_c8_avx512(float *out, ptrdiff_t out_cs, const float *const *rows, ptrdiff_t blk_cs,
                               const FsrPackedConv *c, int width, float *acc)
{
    for (int ob = 0; ob < c->out_ch / 32; ob++) {
        /* One input block per pass: its weights stay in L1 while the block
         * sweeps the row. */
        acc_blocks(acc, rows, blk_cs, c, ob, width, 1);
        fsr_conv_c8_store_avx2(out + ob * 32 * out_cs, out_cs, acc, width, c->relu);
    }
}

/* The same sums with 4 input blocks (32 channels) per pass.  For the
 * Winograd layers' kh x 1 convolutions (fsr_conv_wino_row), where one
 * input block is only kh x 8 taps and loading and storing 24 accumulators
 * for each would cost about a tenth of the FMAs.  4 blocks' weights (20 kB
 * for SRCNN's layer 2) and inputs stay in L1 where all 8 (40 kB) did not:
 * checkasm --bench, 64 -> 32 5 x 1, 66 columns, two runs each: 8.4 / 8.8
 * us against 9.3 / 9.5 for all 8 blocks, 8.6 / 8.8 for 2, 9.9 / 9.6 for
 * 1 (the c8 kernel's own order). */
static void conv_acc_c8_avx512(float *acc, const float *const *rows, ptrdiff_t blk_cs, const FsrPackedConv *c, int ob,
                               int width)
{
    acc_blocks(acc, rows, blk_cs, c, ob, width, 4);
}

/* One point of a single-channel Winograd layer (wino_acc_1): 32 output
 * channels x NX (1..12) tiles from zero, per kernel row and piece 2
 * aligned weight loads, NX broadcasts, 2 x NX FMAs, as c8_block's. */
#define W1_FMA(j)                                                                   \
    if (NX > j) {                                                                   \
        const __m512 v = _mm512_set1_ps(p[j]);                                      \
        a##j##_0 = _mm512_fmadd_ps(w0, v, a##j##_0);                                \
        a##j##_1 = _mm512_fmadd_ps(w1, v, a##j##_1);                                \
    }
#define DEF_W1(NX_)                                                                           \
AVX512 __attribute__((noinline)) static void                                                 \
w1_block_##NX_(float *acc, const float *const *rows, int t0, const float *w, int kh, int n)  \
{                                                                                             \
    enum { NX = NX_ };                                                                        \
    R12(C8_DECL)                                                                              \
    const float *wp = w;                                                                      \
    for (int ky = 0; ky < kh; ky++)                                                           \
        for (int i = 0; i < n; i++, wp += 32) {                                               \
            const float *p = rows[ky] + t0 + i;                                               \
            const __m512 w0 = _mm512_load_ps(wp), w1 = _mm512_load_ps(wp + 16);               \
            R12(W1_FMA)                                                                       \
        }                                                                                     \
    acc += t0 * 32;                                                                           \
    R12(C8_STORE)                                                                             \
}

DEF_W1(12)
DEF_W1(8)
DEF_W1(4)
DEF_W1(2)
DEF_W1(1)

static void wino_acc_1_avx512(float *acc, const float *const *rows, const float *w, int kh, int n, int tiles)
{
    int t = 0;
    for (; t + 12 <= tiles; t += 12)
        w1_block_12(acc, rows, t, w, kh, n);
    for (int b = 8; b >= 1; b /= 2)
        if (tiles - t >= b) {
            (b == 8 ? w1_block_8 : b == 4 ? w1_block_4 : b == 2 ? w1_block_2 : w1_block_1)(acc, rows, t, w, kh, n);
            t += b;
        }
}

/* F(8,9)'s 16 points (wino16_acc) for 32 output channels x NX tiles in
 * one call: per point, kernel row 2 aligned weight loads, NX broadcasts,
 * 2 x NX FMAs as w1_block's, without its piece loop (one piece) or a call
 * per point (checkasm --bench, 12 tiles, same run: 704 ns, 69% of the
 * FMA peak, against 16 wino_acc_1 calls' 890 ns, 54%). */
#define W16_STORE(j)                                                                \
    if (NX > j) {                                                                   \
        _mm512_storeu_ps(acc + 512 * j, a##j##_0);                                  \
        _mm512_storeu_ps(acc + 512 * j + 16, a##j##_1);                             \
    }
#define DEF_W16(NX_)                                                                          \
AVX512 __attribute__((noinline)) static void                                                 \
w16_block_##NX_(float *m, const float *const *rows, ptrdiff_t vcs, int t0, const float *w,   \
                ptrdiff_t wks, int kh)                                                        \
{                                                                                             \
    enum { NX = NX_ };                                                                        \
    for (int k = 0; k < 16; k++) {                                                            \
        R12(C8_DECL)                                                                          \
        const float *wp = w + k * wks;                                                        \
        for (int ky = 0; ky < kh; ky++, wp += 32) {                                           \
            const float *p = rows[ky] + k * vcs + t0;                                         \
            const __m512 w0 = _mm512_load_ps(wp), w1 = _mm512_load_ps(wp + 16);               \
            R12(W1_FMA)                                                                       \
        }                                                                                     \
        float *acc = m + FSR_W16_M(t0, k);                                                    \
        R12(W16_STORE)                                                                        \
    }                                                                                         \
}

DEF_W16(1)
DEF_W16(2)
DEF_W16(3)
DEF_W16(4)
DEF_W16(5)
DEF_W16(6)
DEF_W16(7)
DEF_W16(8)
DEF_W16(9)
DEF_W16(10)
DEF_W16(11)
DEF_W16(12)

/* Blocks of 12 tiles, then one of the rest (fsr_conv_wino_row passes at
 * most 12, in near-equal chunks). */
static void wino16_acc_avx512(float *m, const float *const *rows, ptrdiff_t vcs, const float *w, ptrdiff_t wks,
                              int kh, int tiles)
{
    typedef void (*BlockFn)(float *, const float *const *, ptrdiff_t, int, const float *, ptrdiff_t, int);
    static const BlockFn block[13] = { NULL,         w16_block_1, w16_block_2, w16_block_3,  w16_block_4,
                                       w16_block_5,  w16_block_6, w16_block_7, w16_block_8,  w16_block_9,
                                       w16_block_10, w16_block_11, w16_block_12 };
    int t = 0;
    for (; t + 12 <= tiles; t += 12)
        w16_block_12(m, rows, vcs, t, w, wks, kh);
    if (tiles > t)
        block[tiles - t](m, rows, vcs, t, w, wks, kh);
}

/* ---- Winograd output transform (wino.h), the AVX2 kernel's operations on
 * 16 channels a vector: the same bits ---- */

#define Z_ADD _mm512_add_ps
#define Z_SUB _mm512_sub_ps
#define Z_FMA _mm512_fmadd_ps
#define Z_K _mm512_set1_ps

/* Eight columns y[0..7] of 16 channels (one vector a column) to the 16
 * channels' planar rows at o (channel stride out_cs), ReLU'd if asked: the
 * AVX2 kernel's 8x8 transpose in each 256-bit half (channels 0-7 and 8-15)
 * at once, its last, cross-lane step by two-source permutes; each
 * result's halves are the 8 columns of two channels. */
AVX512 static inline void store_cols8_ch16(float *o, ptrdiff_t out_cs, const __m512 y[8], int relu)
{
    const __m512 zero = _mm512_setzero_ps();
    const __m512i lo = _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
    const __m512i hi = _mm512_setr_epi32(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
    const __m512 t0 = _mm512_unpacklo_ps(y[0], y[1]), t1 = _mm512_unpackhi_ps(y[0], y[1]);
    const __m512 t2 = _mm512_unpacklo_ps(y[2], y[3]), t3 = _mm512_unpackhi_ps(y[2], y[3]);
    const __m512 t4 = _mm512_unpacklo_ps(y[4], y[5]), t5 = _mm512_unpackhi_ps(y[4], y[5]);
    const __m512 t6 = _mm512_unpacklo_ps(y[6], y[7]), t7 = _mm512_unpackhi_ps(y[6], y[7]);
    const __m512 u0 = _mm512_shuffle_ps(t0, t2, 0x44), u1 = _mm512_shuffle_ps(t0, t2, 0xee);
    const __m512 u2 = _mm512_shuffle_ps(t1, t3, 0x44), u3 = _mm512_shuffle_ps(t1, t3, 0xee);
    const __m512 u4 = _mm512_shuffle_ps(t4, t6, 0x44), u5 = _mm512_shuffle_ps(t4, t6, 0xee);
    const __m512 u6 = _mm512_shuffle_ps(t5, t7, 0x44), u7 = _mm512_shuffle_ps(t5, t7, 0xee);
    __m512 r[8] = { _mm512_permutex2var_ps(u0, lo, u4), _mm512_permutex2var_ps(u1, lo, u5),
                    _mm512_permutex2var_ps(u2, lo, u6), _mm512_permutex2var_ps(u3, lo, u7),
                    _mm512_permutex2var_ps(u0, hi, u4), _mm512_permutex2var_ps(u1, hi, u5),
                    _mm512_permutex2var_ps(u2, hi, u6), _mm512_permutex2var_ps(u3, hi, u7) };
    for (int c = 0; c < 8; c++) {
        if (relu)
            r[c] = _mm512_max_ps(r[c], zero);
        _mm256_storeu_ps(o + c * out_cs, _mm512_castps512_ps256(r[c]));
        _mm256_storeu_ps(o + (c + 8) * out_cs, _mm512_extractf32x8_ps(r[c], 1));
    }
}

/* 2 tiles (8 columns) x 16 channels a step (store_cols8_ch16).  At 8
 * channels a step the output transform was a third of 9-1-5's layer 1
 * (perf). */
AVX512 static void wino_out_avx512(float *out, ptrdiff_t out_cs, const float *m, ptrdiff_t pcs, const float *b,
                                   int tiles, int relu)
{
    for (int og = 0; og < 2; og++) {
        const __m512 bv = _mm512_loadu_ps(b + og * 16);
        float *d = out + og * 16 * out_cs;
        int t = 0;
        for (; t + 2 <= tiles; t += 2) {
            __m512 p[8], y[8];
            for (int k = 0; k < 8; k++)
                p[k] = _mm512_loadu_ps(m + k * pcs + t * 32 + og * 16);
            FSR_WINO_OUT(__m512, Z_ADD, Z_SUB, Z_FMA, Z_K, p, bv, y);
            for (int k = 0; k < 8; k++)
                p[k] = _mm512_loadu_ps(m + k * pcs + (t + 1) * 32 + og * 16);
            FSR_WINO_OUT(__m512, Z_ADD, Z_SUB, Z_FMA, Z_K, p, bv, (y + 4));
            store_cols8_ch16(d + 4 * t, out_cs, y, relu);
        }
        for (; t < tiles; t++)
            for (int co = og * 16; co < og * 16 + 16; co++)
                fsr_wino_out_tile(out, out_cs, m, pcs, b, co, t, relu);
    }
}

/* F(8,9) (wino16.h): a tile (8 columns) x 16 channels a step. */
AVX512 static void wino16_out_avx512(float *out, ptrdiff_t out_cs, const float *m, const float *b, int tiles,
                                     int relu)
{
    for (int og = 0; og < 2; og++) {
        const __m512 bv = _mm512_loadu_ps(b + og * 16);
        float *d = out + og * 16 * out_cs;
        for (int t = 0; t < tiles; t++) {
            __m512 p[16], y[8];
            for (int k = 0; k < 16; k++)
                p[k] = _mm512_loadu_ps(m + FSR_W16_M(t, k) + og * 16);
            FSR_W16_OUT(__m512, Z_ADD, Z_SUB, Z_FMA, Z_K, p, bv, y);
            store_cols8_ch16(d + 8 * t, out_cs, y, relu);
        }
    }
}

/* No conv_row_1_to_c8 here: a 32-channel x 12-pixel version (12
 * broadcasts and 2 weight loads per 24 FMAs, halves stored to two blocks)
 * ran layer 1 of 9-5-5 about 10% slower than the AVX2 one (fastsr-bench
 * --conv, CPU time, same run), so the AVX2 entry stays. */

/* ---- planar rows ---- */

/* 4 output channels x NX (1..6) vectors of 16 pixels from column x; the
 * last vector takes the lanes of mask m only (a row of a multiple of 8
 * pixels ends in a half vector).  24 accumulators at NX = 6: NX loads and 4
 * broadcasts per 4 x NX FMAs. */
#define P_DECL(j)                                                                   \
    __m512 a0##j = _mm512_setzero_ps(), a1##j = _mm512_setzero_ps(),                \
           a2##j = _mm512_setzero_ps(), a3##j = _mm512_setzero_ps();
#define P_LD(ptr, j) (j == NX - 1 ? _mm512_maskz_loadu_ps(m, (ptr) + 16 * j) : _mm512_loadu_ps((ptr) + 16 * j))
#define P_BIAS(j)                                                                   \
    if (NX > j) {                                                                   \
        a0##j = _mm512_set1_ps(b[0]);                                               \
        a1##j = _mm512_set1_ps(b[1]);                                               \
        a2##j = _mm512_set1_ps(b[2]);                                               \
        a3##j = _mm512_set1_ps(b[3]);                                               \
    }
#define P_LOADACC(j)                                                                \
    if (NX > j) {                                                                   \
        a0##j = P_LD(o0, j);                                                        \
        a1##j = P_LD(o1, j);                                                        \
        a2##j = P_LD(o2, j);                                                        \
        a3##j = P_LD(o3, j);                                                        \
    }
#define P_FMA(j)                                                                    \
    if (NX > j) {                                                                   \
        const __m512 v = P_LD(p, j);                                                \
        a0##j = _mm512_fmadd_ps(w0, v, a0##j);                                      \
        a1##j = _mm512_fmadd_ps(w1, v, a1##j);                                      \
        a2##j = _mm512_fmadd_ps(w2, v, a2##j);                                      \
        a3##j = _mm512_fmadd_ps(w3, v, a3##j);                                      \
    }
#define P_FMA1(i, j)                                                                \
    if (mk >> i & 1)                                                                \
        a##i##j = _mm512_fmadd_ps(_mm512_set1_ps(w[i]), v, a##i##j);
#define P_FMA_SOME(j)                                                               \
    if (NX > j) {                                                                   \
        const __m512 v = P_LD(p, j);                                                \
        P_FMA1(0, j) P_FMA1(1, j) P_FMA1(2, j) P_FMA1(3, j)                         \
    }
/* The same from vectors shifted by KX lanes out of whole ones (valignd):
 * at kx > 0 every 16-lane load at x + kx straddles two cache lines, and
 * with half the channels' FMAs left per input vector those loads, not the
 * FMAs, set the speed (the same values: the bits do not change). */
#define SHIFT_PS(lo, hi, K) _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(hi), _mm512_castps_si512(lo), K))
#define P_SH(lo, hi) SHIFT_PS(lo, hi, KX)
#define P_FMA_SH(j, jn)                                                             \
    if (NX > j) {                                                                   \
        const __m512 v = P_SH(A##j, A##jn);                                         \
        P_FMA1(0, j) P_FMA1(1, j) P_FMA1(2, j) P_FMA1(3, j)                         \
    }
/* Whole vector j of the input from x: the last two only over the lanes the
 * plain loads read (mlast, mnext: m shifted by KX), no further. */
#define P_A(j)                                                                      \
    const __m512 A##j = NX > j + 1    ? _mm512_loadu_ps(q + 16 * j)                 \
                        : NX == j + 1 ? _mm512_maskz_loadu_ps(mlast, q + 16 * j)    \
                        : NX == j     ? _mm512_maskz_loadu_ps(mnext, q + 16 * j)    \
                                      : _mm512_setzero_ps();
#define P_SHIFTED(K_)                                                               \
    case K_: {                                                                      \
        enum { KX = K_ };                                                           \
        const float *q = p - KX;                                                    \
        const __mmask16 mlast = (__mmask16)((unsigned)m << KX | ((1u << KX) - 1));  \
        const __mmask16 mnext = (__mmask16)((unsigned)m >> (16 - KX));              \
        for (int ci = 0; ci < len; ci++, q += in_cs, w += 4) {                      \
            P_A(0) P_A(1) P_A(2) P_A(3) P_A(4) P_A(5) P_A(6)                        \
            P_FMA_SH(0, 1) P_FMA_SH(1, 2) P_FMA_SH(2, 3) P_FMA_SH(3, 4)             \
            P_FMA_SH(4, 5) P_FMA_SH(5, 6)                                           \
        }                                                                           \
        break;                                                                      \
    }
/* A tap with some channels' weights all zero: the channels of mask MK (a
 * constant: no test per FMA), one loop per mask value. */
#define P_CASE(K)                                                                   \
    case K: {                                                                       \
        enum { mk = K };                                                            \
        switch (kx) {                                                               \
            P_SHIFTED(1) P_SHIFTED(2) P_SHIFTED(3) P_SHIFTED(4)                     \
        default:                                                                    \
            for (int ci = 0; ci < len; ci++, p += in_cs, w += 4) {                  \
                R6(P_FMA_SOME)                                                      \
            }                                                                       \
        }                                                                           \
        break;                                                                      \
    }
#define P_ST1(i, j)                                                                 \
    if (i < nco) {                                                                  \
        __m512 r_ = relu ? _mm512_max_ps(a##i##j, zero) : a##i##j;                  \
        if (sl) /* PReLU as prelu_row: not v > 0 (NaN too) takes slope * v */      \
            r_ = _mm512_mask_mul_ps(r_, _mm512_cmp_ps_mask(r_, zero, _CMP_NGT_UQ),  \
                                    _mm512_set1_ps(sl[i]), r_);                     \
        if (j == NX - 1)                                                            \
            _mm512_mask_storeu_ps(o##i + 16 * j, m, r_);                            \
        else                                                                        \
            _mm512_storeu_ps(o##i + 16 * j, r_);                                    \
    }
#define P_STORE(j)                                                                  \
    if (NX > j) {                                                                   \
        P_ST1(0, j) P_ST1(1, j) P_ST1(2, j) P_ST1(3, j)                             \
    }
#define DEF_P4(NX_)                                                                           \
AVX512 __attribute__((noinline)) static void                                                 \
p4_##NX_(float *out, ptrdiff_t out_cs, const float *const *rows, ptrdiff_t in_cs,             \
         const FsrPackedConv *c, const float *w, const unsigned char *tm, const float *b, int x,  \
         int nco, int ci0, int ci1, __mmask16 m)                                              \
{                                                                                             \
    enum { NX = NX_ };                                                                        \
    R6(P_DECL)                                                                                \
    /* padded channels of the last block read channel 0 and are not stored */                 \
    float *o0 = out + x, *o1 = out + (nco > 1 ? out_cs : 0) + x;                              \
    float *o2 = out + (nco > 2 ? 2 * out_cs : 0) + x, *o3 = out + (nco > 3 ? 3 * out_cs : 0) + x; \
    if (ci0 == 0) {                                                                           \
        R6(P_BIAS)                                                                            \
    } else {                                                                                  \
        R6(P_LOADACC)                                                                         \
    }                                                                                         \
    const int kh = c->kh, kw = c->kw, len = ci1 - ci0;                                        \
    if (c->ci_inner) {                                                                        \
        for (int ky = 0; ky < kh; ky++)                                                       \
            for (int kx = 0; kx < kw; kx++) {                                                 \
                const float *p = rows[ky] + x + kx + ci0 * in_cs;                             \
                const unsigned mk = tm ? tm[ky * kw + kx] : 15u;                              \
                if (mk == 15u) {                                                              \
                    for (int ci = 0; ci < len; ci++, p += in_cs, w += 4) {                    \
                        const __m512 w0 = _mm512_set1_ps(w[0]), w1 = _mm512_set1_ps(w[1]);    \
                        const __m512 w2 = _mm512_set1_ps(w[2]), w3 = _mm512_set1_ps(w[3]);    \
                        R6(P_FMA)                                                             \
                    }                                                                         \
                } else if (!mk) {                                                             \
                    w += 4 * len;                                                             \
                } else {                                                                      \
                    /* the zero taps of a transposed convolution's phases:                    \
                     * a + 0 x v is a, so skipping them keeps the bits */                    \
                    switch (mk) {                                                             \
                        P_CASE(1) P_CASE(2) P_CASE(3) P_CASE(4) P_CASE(5) P_CASE(6) P_CASE(7) \
                        P_CASE(8) P_CASE(9) P_CASE(10) P_CASE(11) P_CASE(12) P_CASE(13)       \
                        P_CASE(14)                                                            \
                    }                                                                         \
                }                                                                             \
            }                                                                                 \
    } else {                                                                                  \
        for (int ci = ci0; ci < ci1; ci++)                                                    \
            for (int ky = 0; ky < kh; ky++) {                                                 \
                const float *p0 = rows[ky] + ci * in_cs + x;                                  \
                for (int kx = 0; kx < kw; kx++, w += 4) {                                     \
                    const float *p = p0 + kx;                                                 \
                    const __m512 w0 = _mm512_set1_ps(w[0]), w1 = _mm512_set1_ps(w[1]);        \
                    const __m512 w2 = _mm512_set1_ps(w[2]), w3 = _mm512_set1_ps(w[3]);        \
                    R6(P_FMA)                                                                 \
                }                                                                             \
            }                                                                                 \
    }                                                                                         \
    const int relu = c->relu && ci1 == c->in_ch;                                              \
    const float *sl = c->slope && ci1 == c->in_ch ? c->slope + (b - c->b) : NULL;              \
    const __m512 zero = _mm512_setzero_ps();                                                  \
    R6(P_STORE)                                                                               \
}

DEF_P4(6)
DEF_P4(5)
DEF_P4(4)
DEF_P4(3)
DEF_P4(2)
DEF_P4(1)

/* 1x1 layers with their input channels in one chunk (FSRCNN's 12 -> 56
 * and 56 -> 12): all channel blocks of NX vectors in one call, the same
 * sums in the same order as p4_NX (bias, then ci).  With 12 input channels
 * a block is only 12 x 24 FMAs, and p4's per-call set-up (tap loops, mask
 * and chunk tests) cost a fifth of that. */
#define DEF_PW(NX_)                                                                           \
AVX512 __attribute__((noinline)) static void                                                 \
pw_##NX_(float *out, ptrdiff_t out_cs, const float *in, ptrdiff_t in_cs, const FsrPackedConv *c, \
         int x, __mmask16 m)                                                                  \
{                                                                                             \
    enum { NX = NX_ };                                                                        \
    const int cin = c->in_ch, relu = c->relu;                                                 \
    const float *w = c->w;                                                                    \
    const __m512 zero = _mm512_setzero_ps();                                                  \
    for (int co = 0; co < c->out_ch; co += 4) {                                               \
        const int nco = c->out_ch - co;                                                       \
        const float *b = c->b + co, *sl = c->slope ? c->slope + co : NULL;                    \
        R6(P_DECL)                                                                            \
        R6(P_BIAS)                                                                            \
        const float *p = in + x;                                                              \
        for (int ci = 0; ci < cin; ci++, p += in_cs, w += 4) {                                \
            const __m512 w0 = _mm512_set1_ps(w[0]), w1 = _mm512_set1_ps(w[1]);                \
            const __m512 w2 = _mm512_set1_ps(w[2]), w3 = _mm512_set1_ps(w[3]);                \
            R6(P_FMA)                                                                         \
        }                                                                                     \
        float *o0 = out + co * out_cs + x, *o1 = o0 + (nco > 1 ? out_cs : 0);                 \
        float *o2 = o0 + (nco > 2 ? 2 * out_cs : 0), *o3 = o0 + (nco > 3 ? 3 * out_cs : 0);   \
        R6(P_STORE)                                                                           \
    }                                                                                         \
}

DEF_PW(6)
DEF_PW(5)
DEF_PW(4)
DEF_PW(3)
DEF_PW(2)
DEF_PW(1)

typedef void (*PWFn)(float *, ptrdiff_t, const float *, ptrdiff_t, const FsrPackedConv *, int, __mmask16);

typedef void (*P4Fn)(float *, ptrdiff_t, const float *const *, ptrdiff_t, const FsrPackedConv *, const float *,
                     const unsigned char *, const float *, int, int, int, int, __mmask16);

static void conv_row_avx512(float *out, ptrdiff_t out_cs, const float *const *rows, ptrdiff_t in_cs,
                            const FsrPackedConv *c, int width)
{
    if (c->cb != 4) { /* single-channel outputs: the AVX2 kernels */
        fsr_conv_row_avx2(out, out_cs, rows, in_cs, c, width);
        return;
    }
    static const P4Fn fns[7] = { NULL, p4_1, p4_2, p4_3, p4_4, p4_5, p4_6 };
    const size_t taps = (size_t)c->in_ch * c->kh * c->kw, khw = (size_t)c->kh * c->kw;
    const int nvec = (width + 15) / 16;
    const __mmask16 tail = width % 16 ? (__mmask16)((1u << (width % 16)) - 1) : (__mmask16)0xffff;
    if (c->kh == 1 && c->kw == 1 && c->ci_inner && c->ci_chunk == c->in_ch && !c->tapmask) {
        static const PWFn pw[7] = { NULL, pw_1, pw_2, pw_3, pw_4, pw_5, pw_6 };
        for (int v = 0; v < nvec;) {
            const int left = nvec - v;
            const int nx = left <= 6 ? left : left < 12 ? (left + 1) / 2 : 6;
            pw[nx](out, out_cs, rows[0], in_cs, c, v * 16, v + nx == nvec ? tail : (__mmask16)0xffff);
            v += nx;
        }
        return;
    }
    /* Pixel blocks outside, channel blocks inside, as the AVX2 kernel. */
    for (int v = 0; v < nvec;) {
        /* up to 6 vectors, but no short block at the end (7..11 left: two
         * of about half each): few accumulators are latency-bound */
        const int left = nvec - v;
        const int nx = left <= 6 ? left : left < 12 ? (left + 1) / 2 : 6;
        const __mmask16 m = v + nx == nvec ? tail : (__mmask16)0xffff;
        for (int ci0 = 0; ci0 < c->in_ch; ci0 += c->ci_chunk) {
            const int ci1 = ci0 + c->ci_chunk < c->in_ch ? ci0 + c->ci_chunk : c->in_ch;
            for (int blk = 0; blk < c->n_blocks; blk++) {
                const int co = blk * 4;
                fns[nx](out + co * out_cs, out_cs, rows, in_cs, c, c->w + ((size_t)blk * taps + ci0 * khw) * 4,
                        c->tapmask ? c->tapmask + blk * khw : NULL, c->b + co, v * 16, c->out_ch - co, ci0, ci1,
                        m);
            }
        }
        v += nx;
    }
}

/* ---- row partials (single-output last layer) ---- */

/* G (5 or 1) partial rows x NX (1..4) vectors of 16 pixels, last vector
 * masked by m: 20 accumulators at G = 5, NX = 4. */
#define Q_DECL(j)                                                                   \
    __m512 a0##j = _mm512_setzero_ps(), a1##j = _mm512_setzero_ps(), a2##j = _mm512_setzero_ps(), \
           a3##j = _mm512_setzero_ps(), a4##j = _mm512_setzero_ps();
#define Q_FMA1(g, j)                                                                \
    if (G > g)                                                                      \
        a##g##j = _mm512_fmadd_ps(_mm512_set1_ps(w[g]), v, a##g##j);
#define Q_FMA(j)                                                                    \
    if (NX > j) {                                                                   \
        const __m512 v = P_LD(p, j);                                                \
        Q_FMA1(0, j) Q_FMA1(1, j) Q_FMA1(2, j) Q_FMA1(3, j) Q_FMA1(4, j)            \
    }
#define Q_ST1(g, j)                                                                 \
    if (G > g) {                                                                    \
        if (j == NX - 1)                                                            \
            _mm512_mask_storeu_ps(parts + g * parts_cs + x + 16 * j, m, a##g##j);   \
        else                                                                        \
            _mm512_storeu_ps(parts + g * parts_cs + x + 16 * j, a##g##j);           \
    }
#define Q_STORE(j)                                                                  \
    if (NX > j) {                                                                   \
        Q_ST1(0, j) Q_ST1(1, j) Q_ST1(2, j) Q_ST1(3, j) Q_ST1(4, j)                 \
    }
#define R4(M) M(0) M(1) M(2) M(3)
/* 5-wide kernels (SRCNN's last layer): the NX + 1 whole vectors of a
 * channel's row loaded once (P_A), the inputs at kx = 1..4 shifted out of
 * them (valignd, as P_SHIFTED), instead of NX loads per kx that straddle
 * two cache lines; the same values in the same order, so the same bits.
 * The last two only over the lanes some kx reads (m is a prefix of the
 * lanes: at most lane popcount(m) + 3 of vector NX - 1 onwards). */
#define Q_FMA_SH(j, jn, K)                                                          \
    if (NX > j) {                                                                   \
        const __m512 v = K ? SHIFT_PS(A##j, A##jn, K) : A##j;                       \
        Q_FMA1(0, j) Q_FMA1(1, j) Q_FMA1(2, j) Q_FMA1(3, j) Q_FMA1(4, j)            \
    }
#define Q_KX(K)                                                                     \
    Q_FMA_SH(0, 1, K) Q_FMA_SH(1, 2, K) Q_FMA_SH(2, 3, K) Q_FMA_SH(3, 4, K)         \
    w += kh;
#define DEF_Q(G_, NX_)                                                                        \
AVX512 __attribute__((noinline)) static void                                                 \
q_##G_##x##NX_(float *parts, ptrdiff_t parts_cs, const float *row, ptrdiff_t in_cs,           \
               const FsrPackedConv *c, int ky0, int x, __mmask16 m)                           \
{                                                                                             \
    enum { G = G_, NX = NX_ };                                                                \
    R4(Q_DECL)                                                                                \
    const int kh = c->kh, kw = c->kw, cin = c->in_ch;                                         \
    const float *w = c->w + ky0;                                                              \
    parts += ky0 * parts_cs;                                                                  \
    if (kw == 5) {                                                                            \
        const int used = __builtin_popcount(m) + 4; /* lanes of vector NX - 1 on read */     \
        const __mmask16 mlast = (__mmask16)(used >= 16 ? 0xffff : (1u << used) - 1);         \
        const __mmask16 mnext = (__mmask16)(used > 16 ? (1u << (used - 16)) - 1 : 0);        \
        for (int ci = 0; ci < cin; ci++) {                                                    \
            const float *q = row + ci * in_cs + x;                                            \
            P_A(0) P_A(1) P_A(2) P_A(3) P_A(4)                                                \
            Q_KX(0) Q_KX(1) Q_KX(2) Q_KX(3) Q_KX(4)                                           \
        }                                                                                     \
    } else                                                                                    \
        for (int ci = 0; ci < cin; ci++) {                                                    \
            const float *p0 = row + ci * in_cs + x;                                           \
            for (int kx = 0; kx < kw; kx++, w += kh) {                                        \
                const float *p = p0 + kx;                                                     \
                R4(Q_FMA)                                                                     \
            }                                                                                 \
        }                                                                                     \
    R4(Q_STORE)                                                                               \
}

DEF_Q(5, 4)
DEF_Q(5, 3)
DEF_Q(5, 2)
DEF_Q(5, 1)
DEF_Q(1, 4)
DEF_Q(1, 3)
DEF_Q(1, 2)
DEF_Q(1, 1)

typedef void (*QFn)(float *, ptrdiff_t, const float *, ptrdiff_t, const FsrPackedConv *, int, int, __mmask16);

static void conv_parts_avx512(float *parts, ptrdiff_t parts_cs, const float *row, ptrdiff_t in_cs,
                              const FsrPackedConv *c, int width)
{
    static const QFn q5[5] = { NULL, q_5x1, q_5x2, q_5x3, q_5x4 }, q1[5] = { NULL, q_1x1, q_1x2, q_1x3, q_1x4 };
    const int nvec = (width + 15) / 16;
    const __mmask16 tail = width % 16 ? (__mmask16)((1u << (width % 16)) - 1) : (__mmask16)0xffff;
    for (int v = 0; v < nvec;) {
        const int left = nvec - v;
        const int nx = left <= 4 ? left : left < 8 ? (left + 1) / 2 : 4;
        const __mmask16 m = v + nx == nvec ? tail : (__mmask16)0xffff;
        int ky = 0;
        for (; c->kh - ky >= 5; ky += 5)
            q5[nx](parts, parts_cs, row, in_cs, c, ky, v * 16, m);
        for (; ky < c->kh; ky++)
            q1[nx](parts, parts_cs, row, in_cs, c, ky, v * 16, m);
        v += nx;
    }
}

/* ---- PReLU: v > 0 ? v : a * v, as the C version (NaN takes a * v) ---- */

AVX512 static void prelu_row_avx512(float *row, ptrdiff_t cs, int channels, const float *slope, int width, int c8)
{
    const __m512 zero = _mm512_setzero_ps();
    if (c8) {
        for (int cb = 0; cb < channels / 8; cb++) {
            /* two columns of 8 channels per vector */
            const __m256 a8 = _mm256_loadu_ps(slope + cb * 8);
            const __m512 a = _mm512_insertf32x8(_mm512_castps256_ps512(a8), a8, 1);
            float *p = row + cb * cs;
            int x = 0;
            for (; x + 2 <= width; x += 2) {
                const __m512 v = _mm512_loadu_ps(p + x * 8);
                const __mmask16 pos = _mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ);
                _mm512_storeu_ps(p + x * 8, _mm512_mask_blend_ps(pos, _mm512_mul_ps(a, v), v));
            }
            if (x < width) {
                const __m512 v = _mm512_maskz_loadu_ps(0xff, p + x * 8);
                const __mmask16 pos = _mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ);
                _mm512_mask_storeu_ps(p + x * 8, 0xff, _mm512_mask_blend_ps(pos, _mm512_mul_ps(a, v), v));
            }
        }
        for (int co = channels / 8 * 8; co < channels; co++) {
            float *p = row + (co / 8) * cs + co % 8;
            for (int x = 0; x < width; x++)
                p[x * 8] = p[x * 8] > 0.f ? p[x * 8] : slope[co] * p[x * 8];
        }
        return;
    }
    for (int co = 0; co < channels; co++) {
        float *p = row + co * cs;
        const __m512 a = _mm512_set1_ps(slope[co]);
        for (int x = 0; x < width; x += 16) {
            const __mmask16 m = width - x >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (width - x)) - 1);
            const __m512 v = _mm512_maskz_loadu_ps(m, p + x);
            const __mmask16 pos = _mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ);
            _mm512_mask_storeu_ps(p + x, m, _mm512_mask_blend_ps(pos, _mm512_mul_ps(a, v), v));
        }
    }
}

void fsr_conv_dsp_init_avx512(FsrConvDSP *dsp)
{
    dsp->conv_row = conv_row_avx512;
    dsp->conv_row_c8 = conv_row_c8_avx512;
    dsp->conv_acc_c8 = conv_acc_c8_avx512;
    dsp->wino_acc_1 = wino_acc_1_avx512;
    dsp->wino_out = wino_out_avx512;
    dsp->wino16_acc = wino16_acc_avx512;
    dsp->wino16_out = wino16_out_avx512;
    dsp->conv_parts = conv_parts_avx512;
    dsp->prelu_row = prelu_row_avx512;
}
#endif
