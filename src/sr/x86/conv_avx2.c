/* Row convolution kernels, AVX2 + FMA: the twins of the C kernels in
 * ../conv.c (tests/checkasm and tests/test_sr.c compare them), installed
 * by fsr_conv_dsp_init on CPUs with FSR_CPU_AVX2_FMA. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "conv_x86.h"
#include "wino.h"
#include "wino16.h"

/* Blocks of CB output channels x NX vectors of 8 pixels starting at column
 * x.  Written with one named variable per accumulator (not arrays): GCC
 * otherwise keeps the array in memory across the loop nest and spills every
 * accumulator each step.  NX is a constant, so unused lanes vanish. */
#define LOADS(p)                                                        \
    const __m256 v0 = _mm256_loadu_ps(p);                               \
    const __m256 v1 = NX > 1 ? _mm256_loadu_ps((p) + 8) : v0;           \
    const __m256 v2 = NX > 2 ? _mm256_loadu_ps((p) + 16) : v0;
#define FMA3(i, wp)                                                     \
    do {                                                                \
        const __m256 wv = _mm256_broadcast_ss(wp);                      \
        a##i##0 = _mm256_fmadd_ps(wv, v0, a##i##0);                     \
        if (NX > 1)                                                     \
            a##i##1 = _mm256_fmadd_ps(wv, v1, a##i##1);                 \
        if (NX > 2)                                                     \
            a##i##2 = _mm256_fmadd_ps(wv, v2, a##i##2);                 \
    } while (0)
/* PReLU as prelu_row_avx2: v > 0 ? v : slope * v */
#define PRELU8(v, s) _mm256_blendv_ps(_mm256_mul_ps(s, v), v, _mm256_cmp_ps(v, zero, _CMP_GT_OQ))
#define STORE3(i)                                                       \
    do {                                                                \
        if (i < nco) {                                                  \
            float *o_ = out + i * out_cs + x;                           \
            if (sl) {                                                   \
                const __m256 s_ = _mm256_broadcast_ss(sl + i);          \
                _mm256_storeu_ps(o_, PRELU8(a##i##0, s_));              \
                if (NX > 1)                                             \
                    _mm256_storeu_ps(o_ + 8, PRELU8(a##i##1, s_));      \
                if (NX > 2)                                             \
                    _mm256_storeu_ps(o_ + 16, PRELU8(a##i##2, s_));     \
            } else {                                                    \
                _mm256_storeu_ps(o_, relu ? _mm256_max_ps(a##i##0, zero) : a##i##0);               \
                if (NX > 1)                                             \
                    _mm256_storeu_ps(o_ + 8, relu ? _mm256_max_ps(a##i##1, zero) : a##i##1);       \
                if (NX > 2)                                             \
                    _mm256_storeu_ps(o_ + 16, relu ? _mm256_max_ps(a##i##2, zero) : a##i##2);      \
            }                                                           \
        }                                                               \
    } while (0)

#define LOADACC(i)                                                      \
    do {                                                                \
        const float *o_ = out + (i < nco ? i : 0) * out_cs + x;         \
        a##i##0 = _mm256_loadu_ps(o_);                                  \
        a##i##1 = NX > 1 ? _mm256_loadu_ps(o_ + 8) : a##i##0;           \
        a##i##2 = NX > 2 ? _mm256_loadu_ps(o_ + 16) : a##i##0;          \
    } while (0)

/* 4 output channels x NX (1..3) vectors: 12 accumulators, 7 loads per 12
 * FMAs at NX = 3. */
#define DEF_BLOCK4(NX_)                                                                       \
__attribute__((target("avx2,fma"))) static void                                              \
block_4x##NX_(float *out, ptrdiff_t out_cs, const float *const *rows, ptrdiff_t in_cs,        \
              const FsrPackedConv *c, const float *w, const unsigned char *tm, const float *b, int x,  \
              int nco, int ci0, int ci1)                                                      \
{                                                                                             \
    enum { NX = NX_ };                                                                        \
    __m256 a00, a01, a02, a10, a11, a12, a20, a21, a22, a30, a31, a32;                        \
    if (ci0 == 0) {                                                                           \
        a00 = a01 = a02 = _mm256_broadcast_ss(&b[0]);                                         \
        a10 = a11 = a12 = _mm256_broadcast_ss(&b[1]);                                         \
        a20 = a21 = a22 = _mm256_broadcast_ss(&b[2]);                                         \
        a30 = a31 = a32 = _mm256_broadcast_ss(&b[3]);                                         \
    } else {                                                                                  \
        /* Partial sums of the earlier chunks (padded channels of the */                      \
        /* last block were not stored: their sums do not matter). */                          \
        LOADACC(0); LOADACC(1); LOADACC(2); LOADACC(3);                                       \
    }                                                                                         \
    const int kh = c->kh, kw = c->kw, len = ci1 - ci0;                                        \
    const int relu = c->relu && ci1 == c->in_ch;                                              \
    if (c->ci_inner) {                                                                        \
        for (int ky = 0; ky < kh; ky++)                                                       \
            for (int kx = 0; kx < kw; kx++) {                                                 \
                const float *p = rows[ky] + x + kx + ci0 * in_cs;                             \
                const unsigned mk = tm ? tm[ky * kw + kx] : 15u;                              \
                if (mk == 15u) {                                                              \
                    for (int ci = 0; ci < len; ci++, p += in_cs, w += 4) {                    \
                        LOADS(p)                                                              \
                        FMA3(0, w); FMA3(1, w + 1); FMA3(2, w + 2); FMA3(3, w + 3);           \
                    }                                                                         \
                } else if (!mk) {                                                             \
                    w += 4 * len;                                                             \
                } else {                                                                      \
                    /* zero taps (FsrPackedConv.tapmask): a + 0 x v is a */                  \
                    for (int ci = 0; ci < len; ci++, p += in_cs, w += 4) {                    \
                        LOADS(p)                                                              \
                        if (mk & 1) FMA3(0, w);                                               \
                        if (mk & 2) FMA3(1, w + 1);                                           \
                        if (mk & 4) FMA3(2, w + 2);                                           \
                        if (mk & 8) FMA3(3, w + 3);                                           \
                    }                                                                         \
                }                                                                             \
            }                                                                                 \
    } else {                                                                                  \
        for (int ci = ci0; ci < ci1; ci++)                                                    \
            for (int ky = 0; ky < kh; ky++) {                                                 \
                const float *p = rows[ky] + ci * in_cs + x;                                   \
                for (int kx = 0; kx < kw; kx++, w += 4) {                                     \
                    LOADS(p + kx)                                                             \
                    FMA3(0, w); FMA3(1, w + 1); FMA3(2, w + 2); FMA3(3, w + 3);               \
                }                                                                             \
            }                                                                                 \
    }                                                                                         \
    const float *sl = c->slope && ci1 == c->in_ch ? c->slope + (b - c->b) : NULL;             \
    const __m256 zero = _mm256_setzero_ps();                                                  \
    STORE3(0); STORE3(1); STORE3(2); STORE3(3);                                               \
}

DEF_BLOCK4(3)
DEF_BLOCK4(2)
DEF_BLOCK4(1)

/* Layers with zero taps (FsrPackedConv.tapmask: the phases of a transposed
 * convolution) as two halves of each 4-channel block, 2 channels x NX
 * (1..6) vectors: a tap that only some channels need keeps 6-12
 * independent sums going where block_4x3's had 3-6 (the FMA latency, not
 * its throughput, set their speed).  Weights read from the 4-channel
 * packing (stride 4), the same sums in the same order as block_4xNX. */
#define B2_FMA(j)                                                       \
    if (NX > j) {                                                       \
        __m256 v = _mm256_loadu_ps(p + 8 * j);                          \
        if (MK == 3) /* one load for both FMAs, not one each */         \
            __asm__("" : "+x"(v));                                      \
        if (MK & 1)                                                     \
            a0##j = _mm256_fmadd_ps(w0, v, a0##j);                      \
        if (MK & 2)                                                     \
            a1##j = _mm256_fmadd_ps(w1, v, a1##j);                      \
    }
#define B2_LOOP(MK_)                                                    \
    {                                                                   \
        enum { MK = MK_ };                                              \
        for (int ci = 0; ci < len; ci++, p += in_cs, w += 4) {          \
            const __m256 w0 = _mm256_broadcast_ss(w), w1 = _mm256_broadcast_ss(w + 1); \
            B2_FMA(0) B2_FMA(1) B2_FMA(2) B2_FMA(3) B2_FMA(4) B2_FMA(5) \
        }                                                               \
    }
#define B2_INIT(j)                                                      \
    if (NX > j) {                                                       \
        a0##j = ci0 ? _mm256_loadu_ps(o0 + 8 * j) : _mm256_broadcast_ss(b);     \
        a1##j = ci0 ? _mm256_loadu_ps(o1 + 8 * j) : _mm256_broadcast_ss(b + 1); \
    }
#define B2_ST1(i, j)                                                    \
    if (i < nco) {                                                      \
        __m256 r_ = a##i##j;                                            \
        if (relu)                                                       \
            r_ = _mm256_max_ps(r_, zero);                               \
        else if (sl) {                                                  \
            const __m256 s_ = _mm256_broadcast_ss(sl + i);              \
            r_ = PRELU8(r_, s_);                                        \
        }                                                               \
        _mm256_storeu_ps(o##i + 8 * j, r_);                             \
    }
#define B2_STORE(j)                                                     \
    if (NX > j) {                                                       \
        B2_ST1(0, j) B2_ST1(1, j)                                       \
    }
#define DEF_BLOCK2(NX_)                                                                       \
__attribute__((target("avx2,fma"), noinline)) static void                                    \
block_2x##NX_(float *out, ptrdiff_t out_cs, const float *const *rows, ptrdiff_t in_cs,        \
              const FsrPackedConv *c, const float *w, const unsigned char *tm, int sh,        \
              const float *b, int x, int nco, int ci0, int ci1)                               \
{                                                                                             \
    enum { NX = NX_ };                                                                        \
    __m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00, a03 = a00, a04 = a00, a05 = a00;  \
    __m256 a10 = a00, a11 = a00, a12 = a00, a13 = a00, a14 = a00, a15 = a00;                  \
    float *o0 = out + x, *o1 = out + (nco > 1 ? out_cs : 0) + x;                              \
    B2_INIT(0) B2_INIT(1) B2_INIT(2) B2_INIT(3) B2_INIT(4) B2_INIT(5)                         \
    const int kh = c->kh, kw = c->kw, len = ci1 - ci0;                                        \
    for (int ky = 0; ky < kh; ky++)                                                           \
        for (int kx = 0; kx < kw; kx++) {                                                     \
            const float *p = rows[ky] + x + kx + ci0 * in_cs;                                 \
            switch ((tm[ky * kw + kx] >> sh) & 3) {                                           \
            case 3: B2_LOOP(3) break;                                                         \
            case 2: B2_LOOP(2) break;                                                         \
            case 1: B2_LOOP(1) break;                                                         \
            default: w += 4 * len;                                                            \
            }                                                                                 \
        }                                                                                     \
    const int relu = c->relu && ci1 == c->in_ch;                                              \
    const float *sl = c->slope && ci1 == c->in_ch ? c->slope + (b - c->b) : NULL;             \
    const __m256 zero = _mm256_setzero_ps();                                                  \
    B2_STORE(0) B2_STORE(1) B2_STORE(2) B2_STORE(3) B2_STORE(4) B2_STORE(5)                   \
}

DEF_BLOCK2(6)
DEF_BLOCK2(5)
DEF_BLOCK2(4)
DEF_BLOCK2(3)
DEF_BLOCK2(2)
DEF_BLOCK2(1)

typedef void (*Block2Fn)(float *, ptrdiff_t, const float *const *, ptrdiff_t, const FsrPackedConv *, const float *,
                         const unsigned char *, int, const float *, int, int, int, int);

/* 1x1 layers with their input channels in one chunk (FSRCNN's 12 -> 56
 * and 56 -> 12): every channel block of NX vectors in one call, the same
 * sums in the same order as block_4xNX (bias, then ci), without its
 * per-call set-up (a fifth of a 12-channel block's work). */
#define DEF_PW(NX_)                                                                           \
__attribute__((target("avx2,fma"), noinline)) static void                                    \
pw_4x##NX_(float *out0, ptrdiff_t out_cs, const float *in, ptrdiff_t in_cs, const FsrPackedConv *c, int x) \
{                                                                                             \
    enum { NX = NX_ };                                                                        \
    const int cin = c->in_ch, relu = c->relu;                                                 \
    const float *w = c->w;                                                                    \
    const __m256 zero = _mm256_setzero_ps();                                                  \
    for (int co = 0; co < c->out_ch; co += 4) {                                               \
        const int nco = c->out_ch - co;                                                       \
        const float *b = c->b + co, *sl = c->slope ? c->slope + co : NULL;                    \
        float *const out = out0 + co * out_cs;                                                \
        __m256 a00, a01, a02, a10, a11, a12, a20, a21, a22, a30, a31, a32;                    \
        a00 = a01 = a02 = _mm256_broadcast_ss(&b[0]);                                         \
        a10 = a11 = a12 = _mm256_broadcast_ss(&b[1]);                                         \
        a20 = a21 = a22 = _mm256_broadcast_ss(&b[2]);                                         \
        a30 = a31 = a32 = _mm256_broadcast_ss(&b[3]);                                         \
        const float *p = in + x;                                                              \
        for (int ci = 0; ci < cin; ci++, p += in_cs, w += 4) {                                \
            LOADS(p)                                                                          \
            FMA3(0, w); FMA3(1, w + 1); FMA3(2, w + 2); FMA3(3, w + 3);                       \
        }                                                                                     \
        STORE3(0); STORE3(1); STORE3(2); STORE3(3);                                           \
    }                                                                                         \
}

DEF_PW(3)
DEF_PW(2)
DEF_PW(1)

/* One output channel x 8 vectors (64 pixels): for the last layer (luma). */
__attribute__((target("avx2,fma"))) static void
block_1x8(float *out, ptrdiff_t out_cs, const float *const *rows, ptrdiff_t in_cs,
          const FsrPackedConv *c, const float *w, const unsigned char *tm, const float *b, int x, int nco, int ci0,
          int ci1)
{
    (void)tm;
    (void)out_cs;
    (void)nco;
    __m256 a0, a1, a2, a3, a4, a5, a6, a7;
    if (ci0 == 0) {
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = _mm256_broadcast_ss(b);
    } else {
        a0 = _mm256_loadu_ps(out + x), a1 = _mm256_loadu_ps(out + x + 8);
        a2 = _mm256_loadu_ps(out + x + 16), a3 = _mm256_loadu_ps(out + x + 24);
        a4 = _mm256_loadu_ps(out + x + 32), a5 = _mm256_loadu_ps(out + x + 40);
        a6 = _mm256_loadu_ps(out + x + 48), a7 = _mm256_loadu_ps(out + x + 56);
    }
    const int kh = c->kh, kw = c->kw, len = ci1 - ci0;
#define STEP8(p, wp)                                                          \
    do {                                                                      \
        const __m256 wv = _mm256_broadcast_ss(wp);                            \
        a0 = _mm256_fmadd_ps(wv, _mm256_loadu_ps((p)), a0);                   \
        a1 = _mm256_fmadd_ps(wv, _mm256_loadu_ps((p) + 8), a1);               \
        a2 = _mm256_fmadd_ps(wv, _mm256_loadu_ps((p) + 16), a2);              \
        a3 = _mm256_fmadd_ps(wv, _mm256_loadu_ps((p) + 24), a3);              \
        a4 = _mm256_fmadd_ps(wv, _mm256_loadu_ps((p) + 32), a4);              \
        a5 = _mm256_fmadd_ps(wv, _mm256_loadu_ps((p) + 40), a5);              \
        a6 = _mm256_fmadd_ps(wv, _mm256_loadu_ps((p) + 48), a6);              \
        a7 = _mm256_fmadd_ps(wv, _mm256_loadu_ps((p) + 56), a7);              \
    } while (0)
    if (c->ci_inner) {
        for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++) {
                const float *p = rows[ky] + x + kx + ci0 * in_cs;
                for (int ci = 0; ci < len; ci++, p += in_cs, w++)
                    STEP8(p, w);
            }
    } else {
        for (int ci = ci0; ci < ci1; ci++)
            for (int ky = 0; ky < kh; ky++) {
                const float *p = rows[ky] + ci * in_cs + x;
                for (int kx = 0; kx < kw; kx++, w++)
                    STEP8(p + kx, w);
            }
    }
#undef STEP8
    const int relu = c->relu && ci1 == c->in_ch;
    const __m256 zero = _mm256_setzero_ps();
#define ST(i) _mm256_storeu_ps(out + x + 8 * i, relu ? _mm256_max_ps(a##i, zero) : a##i)
    ST(0); ST(1); ST(2); ST(3); ST(4); ST(5); ST(6); ST(7);
#undef ST
}

/* One output channel x 1 vector: the tail of the last layer's row. */
__attribute__((target("avx2,fma"))) static void
block_1x1(float *out, ptrdiff_t out_cs, const float *const *rows, ptrdiff_t in_cs,
          const FsrPackedConv *c, const float *w, const unsigned char *tm, const float *b, int x, int nco, int ci0,
          int ci1)
{
    (void)tm;
    (void)out_cs;
    (void)nco;
    __m256 a = ci0 == 0 ? _mm256_broadcast_ss(b) : _mm256_loadu_ps(out + x);
    const int kh = c->kh, kw = c->kw, len = ci1 - ci0;
    if (c->ci_inner) {
        for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++) {
                const float *p = rows[ky] + x + kx + ci0 * in_cs;
                for (int ci = 0; ci < len; ci++, p += in_cs, w++)
                    a = _mm256_fmadd_ps(_mm256_broadcast_ss(w), _mm256_loadu_ps(p), a);
            }
    } else {
        for (int ci = ci0; ci < ci1; ci++)
            for (int ky = 0; ky < kh; ky++) {
                const float *p = rows[ky] + ci * in_cs + x;
                for (int kx = 0; kx < kw; kx++, w++)
                    a = _mm256_fmadd_ps(_mm256_broadcast_ss(w), _mm256_loadu_ps(p + kx), a);
            }
    }
    _mm256_storeu_ps(out + x, c->relu && ci1 == c->in_ch ? _mm256_max_ps(a, _mm256_setzero_ps()) : a);
}

/* One output channel, kw = 5, by per-kx partial sums: T_kx[p] = sum over ci, ky of
 * w[ci][ky][kx] * in[ci][ky][p] at aligned p, then out[x] = b + T_0[x] +
 * T_1[x+1] + ...  Every input vector is loaded once, aligned, and feeds kw
 * FMAs, instead of kw unaligned reloads each feeding one: the plain
 * single-channel kernel needs 9 loads per 8 FMAs and is load-bound.
 * Processed in segments so the sums fit a small stack buffer. */
#define KX_SEG 256
#define KX_ZERO2(k) __m256 a##k##0 = _mm256_setzero_ps(), a##k##1 = _mm256_setzero_ps()
#define KX_FMA2(k)                                                      \
    do {                                                                \
        const __m256 wv = _mm256_broadcast_ss(&w[k]);                   \
        a##k##0 = _mm256_fmadd_ps(wv, v0, a##k##0);                     \
        a##k##1 = _mm256_fmadd_ps(wv, v1, a##k##1);                     \
    } while (0)
#define KX_STORE2(k)                                                    \
    do {                                                                \
        _mm256_store_ps(&t[k][p], a##k##0);                             \
        _mm256_store_ps(&t[k][p + 8], a##k##1);                         \
    } while (0)

/* 10 accumulators (5 kx x 2 vectors), 2 input vectors, 1 weight: 7 loads
 * per 10 FMAs. */
__attribute__((target("avx2,fma"))) static void
kx_sums_5(float *out, const float *const *rows, ptrdiff_t in_cs, const FsrPackedConv *c,
          const float *w0, float bias, int width)
{
    _Alignas(32) float t[5][KX_SEG + 16];
    const int kh = c->kh, cin = c->in_ch;
    for (int x0 = 0; x0 < width; x0 += KX_SEG) {
        const int seg = width - x0 < KX_SEG ? width - x0 : KX_SEG;
        /* Sums needed: seg + kw - 1, read no further than the input row's
         * own rounded width. */
        const int np = (seg + 4 + 7) & ~7;
        for (int p = 0; p < np; p += 16) {
            KX_ZERO2(0); KX_ZERO2(1); KX_ZERO2(2); KX_ZERO2(3); KX_ZERO2(4);
            const float *w = w0;
            const int two = np - p >= 16;
            for (int ci = 0; ci < cin; ci++)
                for (int ky = 0; ky < kh; ky++, w += 5) {
                    const float *src = rows[ky] + ci * in_cs + x0 + p;
                    const __m256 v0 = _mm256_loadu_ps(src);
                    const __m256 v1 = two ? _mm256_loadu_ps(src + 8) : v0;
                    KX_FMA2(0); KX_FMA2(1); KX_FMA2(2); KX_FMA2(3); KX_FMA2(4);
                }
            KX_STORE2(0); KX_STORE2(1); KX_STORE2(2); KX_STORE2(3); KX_STORE2(4);
        }
        const __m256 b = _mm256_set1_ps(bias), zero = _mm256_setzero_ps();
        for (int x = 0; x < seg; x += 8) {
            __m256 o = _mm256_add_ps(b, _mm256_load_ps(&t[0][x]));
            o = _mm256_add_ps(o, _mm256_loadu_ps(&t[1][x + 1]));
            o = _mm256_add_ps(o, _mm256_loadu_ps(&t[2][x + 2]));
            o = _mm256_add_ps(o, _mm256_loadu_ps(&t[3][x + 3]));
            o = _mm256_add_ps(o, _mm256_loadu_ps(&t[4][x + 4]));
            _mm256_storeu_ps(out + x0 + x, c->relu ? _mm256_max_ps(o, zero) : o);
        }
    }
}

/* Row partials: G (5 or 1) partial rows x NX (2 or 1) vectors of 8
 * pixels.  At G = 5, NX = 2: 10 accumulators, 2 input loads and 5
 * broadcasts per 10 FMAs, all from one input row that layer 2 has just
 * written (in L1/L2), and 3.2 kB of weights. */
#define PFMA(j)                                                         \
    do {                                                                \
        if (G > j) {                                                    \
            const __m256 wv = _mm256_broadcast_ss(w + j);               \
            a##j##0 = _mm256_fmadd_ps(wv, v0, a##j##0);                 \
            if (NX > 1)                                                 \
                a##j##1 = _mm256_fmadd_ps(wv, v1, a##j##1);             \
        }                                                               \
    } while (0)
#define PSTORE(j)                                                       \
    do {                                                                \
        if (G > j) {                                                    \
            _mm256_storeu_ps(parts + j * parts_cs + x, a##j##0);        \
            if (NX > 1)                                                 \
                _mm256_storeu_ps(parts + j * parts_cs + x + 8, a##j##1); \
        }                                                               \
    } while (0)
#define DEF_PARTS(G_, NX_)                                                                    \
__attribute__((target("avx2,fma"))) static void                                              \
parts_##G_##x##NX_(float *parts, ptrdiff_t parts_cs, const float *row, ptrdiff_t in_cs,       \
                   const FsrPackedConv *c, int ky0, int x)                                    \
{                                                                                             \
    enum { G = G_, NX = NX_ };                                                                \
    __m256 a00, a01, a10, a11, a20, a21, a30, a31, a40, a41;                                  \
    a00 = a01 = a10 = a11 = a20 = a21 = a30 = a31 = a40 = a41 = _mm256_setzero_ps();          \
    const int kh = c->kh, kw = c->kw, cin = c->in_ch;                                         \
    const float *w = c->w + ky0;                                                              \
    parts += ky0 * parts_cs;                                                                  \
    for (int ci = 0; ci < cin; ci++) {                                                        \
        const float *p = row + ci * in_cs + x;                                                \
        for (int kx = 0; kx < kw; kx++, w += kh) {                                            \
            const __m256 v0 = _mm256_loadu_ps(p + kx);                                        \
            const __m256 v1 = NX > 1 ? _mm256_loadu_ps(p + kx + 8) : v0;                      \
            PFMA(0); PFMA(1); PFMA(2); PFMA(3); PFMA(4);                                      \
        }                                                                                     \
    }                                                                                         \
    PSTORE(0); PSTORE(1); PSTORE(2); PSTORE(3); PSTORE(4);                                    \
}

DEF_PARTS(5, 2)
DEF_PARTS(5, 1)
DEF_PARTS(1, 2)
DEF_PARTS(1, 1)

static void conv_parts_avx2(float *parts, ptrdiff_t parts_cs, const float *row, ptrdiff_t in_cs,
                            const FsrPackedConv *c, int width)
{
    for (int x = 0; x < width; x += 16) {
        const int two = width - x >= 16;
        int ky = 0;
        for (; c->kh - ky >= 5; ky += 5)
            (two ? parts_5x2 : parts_5x1)(parts, parts_cs, row, in_cs, c, ky, x);
        for (; ky < c->kh; ky++)
            (two ? parts_1x2 : parts_1x1)(parts, parts_cs, row, in_cs, c, ky, x);
    }
}

/* 8x8 transpose of r0..r7 in place. */
#define TRANSPOSE8(r0, r1, r2, r3, r4, r5, r6, r7)                                  \
    do {                                                                        \
        const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1); \
        const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3); \
        const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5); \
        const __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7); \
        const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee); \
        const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee); \
        const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee); \
        const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee); \
        r0 = _mm256_permute2f128_ps(u0, u4, 0x20);                              \
        r1 = _mm256_permute2f128_ps(u1, u5, 0x20);                              \
        r2 = _mm256_permute2f128_ps(u2, u6, 0x20);                              \
        r3 = _mm256_permute2f128_ps(u3, u7, 0x20);                              \
        r4 = _mm256_permute2f128_ps(u0, u4, 0x31);                              \
        r5 = _mm256_permute2f128_ps(u1, u5, 0x31);                              \
        r6 = _mm256_permute2f128_ps(u2, u6, 0x31);                              \
        r7 = _mm256_permute2f128_ps(u3, u7, 0x31);                              \
    } while (0)

__attribute__((target("avx2,fma"))) static void
to_c8_avx2(float *c8, ptrdiff_t blk_cs, const float *planar, ptrdiff_t cs, int channels, int n)
{
    const int n8 = n & ~7;
    for (int b = 0; b < channels / 8; b++) {
        float *d = c8 + b * blk_cs;
        const float *s = planar + (ptrdiff_t)b * 8 * cs;
        for (int x = 0; x < n8; x += 8) {
            __m256 r0 = _mm256_loadu_ps(s + x), r1 = _mm256_loadu_ps(s + cs + x);
            __m256 r2 = _mm256_loadu_ps(s + 2 * cs + x), r3 = _mm256_loadu_ps(s + 3 * cs + x);
            __m256 r4 = _mm256_loadu_ps(s + 4 * cs + x), r5 = _mm256_loadu_ps(s + 5 * cs + x);
            __m256 r6 = _mm256_loadu_ps(s + 6 * cs + x), r7 = _mm256_loadu_ps(s + 7 * cs + x);
            TRANSPOSE8(r0, r1, r2, r3, r4, r5, r6, r7);
            float *o = d + x * 8;
            _mm256_storeu_ps(o, r0), _mm256_storeu_ps(o + 8, r1), _mm256_storeu_ps(o + 16, r2);
            _mm256_storeu_ps(o + 24, r3), _mm256_storeu_ps(o + 32, r4), _mm256_storeu_ps(o + 40, r5);
            _mm256_storeu_ps(o + 48, r6), _mm256_storeu_ps(o + 56, r7);
        }
        for (int x = n8; x < n; x++)
            for (int i = 0; i < 8; i++)
                d[x * 8 + i] = s[i * cs + x];
    }
}

/* Eight columns y[0..7] of 8 channels (one vector a column) to the 8
 * channels' planar rows at o (channel stride out_cs), ReLU'd if asked
 * (max with 0 also maps NaN to 0, as the C versions do): the store of the
 * interleaved kernels and of the Winograd output transforms. */
__attribute__((target("avx2,fma"))) static inline void store_cols8_ch8(float *o, ptrdiff_t out_cs, const __m256 y[8],
                                                                       int relu)
{
    const __m256 zero = _mm256_setzero_ps();
    __m256 r0 = y[0], r1 = y[1], r2 = y[2], r3 = y[3], r4 = y[4], r5 = y[5], r6 = y[6], r7 = y[7];
    TRANSPOSE8(r0, r1, r2, r3, r4, r5, r6, r7);
    if (relu) {
        r0 = _mm256_max_ps(r0, zero), r1 = _mm256_max_ps(r1, zero), r2 = _mm256_max_ps(r2, zero);
        r3 = _mm256_max_ps(r3, zero), r4 = _mm256_max_ps(r4, zero), r5 = _mm256_max_ps(r5, zero);
        r6 = _mm256_max_ps(r6, zero), r7 = _mm256_max_ps(r7, zero);
    }
    _mm256_storeu_ps(o, r0), _mm256_storeu_ps(o + out_cs, r1);
    _mm256_storeu_ps(o + 2 * out_cs, r2), _mm256_storeu_ps(o + 3 * out_cs, r3);
    _mm256_storeu_ps(o + 4 * out_cs, r4), _mm256_storeu_ps(o + 5 * out_cs, r5);
    _mm256_storeu_ps(o + 6 * out_cs, r6), _mm256_storeu_ps(o + 7 * out_cs, r7);
}

/* acc [width][32] to planar out with the ReLU (store_cols8_ch8). */
__attribute__((target("avx2,fma"))) void
fsr_conv_c8_store_avx2(float *out, ptrdiff_t out_cs, const float *acc, int width, int relu)
{
    const int w8 = width & ~7;
    for (int ob = 0; ob < 4; ob++) {
        float *d = out + ob * 8 * out_cs;
        for (int x = 0; x < w8; x += 8) {
            const float *a = acc + x * 32 + ob * 8;
            const __m256 y[8] = { _mm256_loadu_ps(a),       _mm256_loadu_ps(a + 32),  _mm256_loadu_ps(a + 64),
                                  _mm256_loadu_ps(a + 96),  _mm256_loadu_ps(a + 128), _mm256_loadu_ps(a + 160),
                                  _mm256_loadu_ps(a + 192), _mm256_loadu_ps(a + 224) };
            store_cols8_ch8(d + x, out_cs, y, relu);
        }
        for (int o = 0; o < 8; o++)
            for (int x = w8; x < width; x++) {
                const float v = acc[x * 32 + ob * 8 + o];
                d[o * out_cs + x] = relu && !(v > 0.f) ? 0.f : v;
            }
    }
}

/* Interleaved-input block: 32 output channels (4 vectors) x NX (1..3)
 * pixels, one input channel block of 8.  Per input channel and tap: NX
 * broadcasts, 4 aligned weight loads, 4 x NX FMAs: 16 registers exactly.
 * Kept out of line and its channel loop unrolled only by 2: inlined or
 * fully unrolled, GCC hoists the next broadcasts, runs out of registers
 * and spills accumulators to the stack (the kernel alone: medians of 83-84
 * GFLOP/s with the spills, 84-89 without). */
#define C8_FMA(ii)                                                                  \
    do {                                                                            \
        const __m256 wv = _mm256_load_ps(wp + 8 * ii);                              \
        a##ii##0 = _mm256_fmadd_ps(wv, b0, a##ii##0);                               \
        if (NX > 1)                                                                 \
            a##ii##1 = _mm256_fmadd_ps(wv, b1, a##ii##1);                           \
        if (NX > 2)                                                                 \
            a##ii##2 = _mm256_fmadd_ps(wv, b2, a##ii##2);                           \
    } while (0)
/* All NX pixels of the 4 output vectors start from the 32 biases. */
#define C8_BIAS(bias)                                                               \
    do {                                                                            \
        a00 = a01 = a02 = _mm256_loadu_ps(bias);                                    \
        a10 = a11 = a12 = _mm256_loadu_ps((bias) + 8);                              \
        a20 = a21 = a22 = _mm256_loadu_ps((bias) + 16);                             \
        a30 = a31 = a32 = _mm256_loadu_ps((bias) + 24);                             \
    } while (0)
#define C8_LOAD(ii)                                                                 \
    do {                                                                            \
        a##ii##0 = _mm256_loadu_ps(acc + 8 * ii);                                   \
        a##ii##1 = NX > 1 ? _mm256_loadu_ps(acc + 32 + 8 * ii) : a##ii##0;          \
        a##ii##2 = NX > 2 ? _mm256_loadu_ps(acc + 64 + 8 * ii) : a##ii##0;          \
    } while (0)
#define C8_STORE(ii)                                                                \
    do {                                                                            \
        _mm256_storeu_ps(acc + 8 * ii, a##ii##0);                                   \
        if (NX > 1)                                                                 \
            _mm256_storeu_ps(acc + 32 + 8 * ii, a##ii##1);                          \
        if (NX > 2)                                                                 \
            _mm256_storeu_ps(acc + 64 + 8 * ii, a##ii##2);                          \
    } while (0)
#define DEF_C8(NX_)                                                                           \
__attribute__((target("avx2,fma"), noinline)) static void                                    \
c8_block_##NX_(float *acc, const float *const *rows, ptrdiff_t off, const float *w, int kh, int kw, \
               const float *bias)                                                             \
{                                                                                             \
    enum { NX = NX_ };                                                                        \
    __m256 a00, a01, a02, a10, a11, a12, a20, a21, a22, a30, a31, a32;                        \
    if (bias) /* first input block */                                                         \
        C8_BIAS(bias);                                                                        \
    else {                                                                                    \
        C8_LOAD(0); C8_LOAD(1); C8_LOAD(2); C8_LOAD(3);                                       \
    }                                                                                         \
    const float *wp = w;                                                                      \
    for (int ky = 0; ky < kh; ky++) {                                                         \
        const float *p = rows[ky] + off;                                                      \
        for (int kx = 0; kx < kw; kx++, p += 8) {                                             \
            _Pragma("GCC unroll 2")                                                           \
            for (int i = 0; i < 8; i++, wp += 32) {                                           \
                const __m256 b0 = _mm256_broadcast_ss(p + i);                                 \
                const __m256 b1 = NX > 1 ? _mm256_broadcast_ss(p + 8 + i) : b0;               \
                const __m256 b2 = NX > 2 ? _mm256_broadcast_ss(p + 16 + i) : b0;              \
                C8_FMA(0); C8_FMA(1); C8_FMA(2); C8_FMA(3);                                   \
            }                                                                                 \
        }                                                                                     \
    }                                                                                         \
    C8_STORE(0); C8_STORE(1); C8_STORE(2); C8_STORE(3);                                       \
}

DEF_C8(3)
DEF_C8(2)
DEF_C8(1)

__attribute__((target("avx2,fma"))) static void
conv_acc_c8_avx2(float *acc, const float *const *rows, ptrdiff_t blk_cs, const FsrPackedConv *c, int ob, int width)
{
    const int kh = c->kh, kw = c->kw, nib = c->in_ch / 8;
    /* Input-channel blocks outside: their weights (kh*kw*8*32 floats) stay
     * in L1 while the block sweeps the row.  The first starts from the
     * bias. */
    for (int ib = 0; ib < nib; ib++) {
        const float *w = c->w + ((size_t)ob * nib + ib) * kh * kw * 8 * 32;
        const float *bias = ib ? NULL : c->b + ob * 32;
        int x = 0;
        for (; x + 3 <= width; x += 3)
            c8_block_3(acc + x * 32, rows, ib * blk_cs + x * 8, w, kh, kw, bias);
        if (width - x == 2)
            c8_block_2(acc + x * 32, rows, ib * blk_cs + x * 8, w, kh, kw, bias);
        else if (width - x == 1)
            c8_block_1(acc + x * 32, rows, ib * blk_cs + x * 8, w, kh, kw, bias);
    }
}

__attribute__((target("avx2,fma"))) static void
conv_row_c8_avx2(float *out, ptrdiff_t out_cs, const float *const *rows, ptrdiff_t blk_cs,
                 const FsrPackedConv *c, int width, float *acc)
{
    for (int ob = 0; ob < c->out_ch / 32; ob++) {
        conv_acc_c8_avx2(acc, rows, blk_cs, c, ob, width);
        fsr_conv_c8_store_avx2(out + ob * 32 * out_cs, out_cs, acc, width, c->relu);
    }
}

/* Single-channel input, 32 output channels (4 vectors) x NX pixels, all
 * taps in registers, stored interleaved. */
#define DEF_1C8(NX_)                                                                          \
__attribute__((target("avx2,fma"), noinline)) static void                                    \
c1_block_##NX_(float *out, ptrdiff_t blk_out, const float *const *rows, int x, const float *w, \
               const float *bias, int kh, int kw, int relu)                                   \
{                                                                                             \
    enum { NX = NX_ };                                                                        \
    __m256 a00, a01, a02, a10, a11, a12, a20, a21, a22, a30, a31, a32;                        \
    C8_BIAS(bias);                                                                            \
    const float *wp = w;                                                                      \
    for (int ky = 0; ky < kh; ky++) {                                                         \
        const float *p = rows[ky] + x;                                                        \
        _Pragma("GCC unroll 1")                                                               \
        for (int kx = 0; kx < kw; kx++, wp += 32) {                                           \
            const __m256 b0 = _mm256_broadcast_ss(p + kx);                                    \
            const __m256 b1 = NX > 1 ? _mm256_broadcast_ss(p + kx + 1) : b0;                  \
            const __m256 b2 = NX > 2 ? _mm256_broadcast_ss(p + kx + 2) : b0;                  \
            C8_FMA(0); C8_FMA(1); C8_FMA(2); C8_FMA(3);                                       \
        }                                                                                     \
    }                                                                                         \
    const __m256 zero = _mm256_setzero_ps();                                                  \
    float *o = out + x * 8;                                                                   \
    C1_ST(0); C1_ST(1); C1_ST(2); C1_ST(3);                                                   \
}
#define C1_ST(ii)                                                                   \
    do {                                                                            \
        float *o_ = o + ii * blk_out;                                               \
        _mm256_storeu_ps(o_, relu ? _mm256_max_ps(a##ii##0, zero) : a##ii##0);      \
        if (NX > 1)                                                                 \
            _mm256_storeu_ps(o_ + 8, relu ? _mm256_max_ps(a##ii##1, zero) : a##ii##1); \
        if (NX > 2)                                                                 \
            _mm256_storeu_ps(o_ + 16, relu ? _mm256_max_ps(a##ii##2, zero) : a##ii##2); \
    } while (0)

DEF_1C8(3)
DEF_1C8(2)
DEF_1C8(1)

__attribute__((target("avx2,fma"))) static void
conv_row_1_to_c8_avx2(float *out, ptrdiff_t blk_out, const float *const *rows, ptrdiff_t in_cs,
                      const FsrPackedConv *c, int width)
{
    (void)in_cs;
    for (int ob = 0; ob < c->out_ch / 32; ob++) {
        const float *w = c->w + (size_t)ob * c->kh * c->kw * 32;
        float *o = out + ob * 4 * blk_out;
        int x = 0;
        for (; x + 3 <= width; x += 3)
            c1_block_3(o, blk_out, rows, x, w, c->b + ob * 32, c->kh, c->kw, c->relu);
        if (width - x == 2)
            c1_block_2(o, blk_out, rows, x, w, c->b + ob * 32, c->kh, c->kw, c->relu);
        else if (width - x == 1)
            c1_block_1(o, blk_out, rows, x, w, c->b + ob * 32, c->kh, c->kw, c->relu);
    }
}

typedef void (*BlockFn)(float *, ptrdiff_t, const float *const *, ptrdiff_t, const FsrPackedConv *,
                        const float *, const unsigned char *, const float *, int, int, int, int);

void fsr_conv_row_avx2(float *out, ptrdiff_t out_cs, const float *const *rows, ptrdiff_t in_cs,
                       const FsrPackedConv *c, int width)
{
    const size_t taps = (size_t)c->in_ch * c->kh * c->kw;
    const int nvec = width / 8;
    /* Pixel blocks outside, channel blocks inside: the input window of one
     * pixel block (in_ch x kh rows x ~32 floats) stays in L1 while every
     * channel block streams its weights past it sequentially. */
    const size_t khw = (size_t)c->kh * c->kw;
    if (c->cb == 4 && c->kh == 1 && c->kw == 1 && c->ci_inner && c->ci_chunk == c->in_ch && !c->tapmask) {
        for (int v = 0; v < nvec;) {
            const int left = nvec - v;
            const int nx = left == 4 || left == 2 ? 2 : left >= 3 ? 3 : left;
            (nx == 3 ? pw_4x3 : nx == 2 ? pw_4x2 : pw_4x1)(out, out_cs, rows[0], in_cs, c, v * 8);
            v += nx;
        }
    } else if (c->cb == 4 && c->tapmask && c->ci_inner) {
        static const Block2Fn fns[7] = { NULL, block_2x1, block_2x2, block_2x3, block_2x4, block_2x5, block_2x6 };
        for (int v = 0; v < nvec;) {
            const int left = nvec - v;
            const int nx = left <= 6 ? left : left < 12 ? (left + 1) / 2 : 6;
            for (int ci0 = 0; ci0 < c->in_ch; ci0 += c->ci_chunk) {
                const int ci1 = ci0 + c->ci_chunk < c->in_ch ? ci0 + c->ci_chunk : c->in_ch;
                for (int blk = 0; blk < c->n_blocks; blk++)
                    for (int h = 0; h < 4 && blk * 4 + h < c->out_ch; h += 2) {
                        const int co = blk * 4 + h;
                        fns[nx](out + co * out_cs, out_cs, rows, in_cs, c,
                                c->w + ((size_t)blk * taps + ci0 * khw) * 4 + h, c->tapmask + blk * khw, h, c->b + co,
                                v * 8, c->out_ch - co, ci0, ci1);
                    }
            }
            v += nx;
        }
    } else if (c->cb == 4) {
        for (int v = 0; v < nvec;) {
            /* Blocks of 3 vectors, but never a lone 1-vector block at the
             * end (31 vectors: 9 x 3 + 2 x 2, not 10 x 3 + 1): with 4
             * accumulators the FMA latency, not the throughput, sets its
             * speed, half the others'. */
            const int left = nvec - v;
            const int nx = left == 4 || left == 2 ? 2 : left >= 3 ? 3 : left;
            const BlockFn fn = nx == 3 ? block_4x3 : nx == 2 ? block_4x2 : block_4x1;
            for (int ci0 = 0; ci0 < c->in_ch; ci0 += c->ci_chunk) {
                const int ci1 = ci0 + c->ci_chunk < c->in_ch ? ci0 + c->ci_chunk : c->in_ch;
                for (int blk = 0; blk < c->n_blocks; blk++) {
                    const int co = blk * 4;
                    fn(out + co * out_cs, out_cs, rows, in_cs, c, c->w + ((size_t)blk * taps + ci0 * khw) * 4,
                       c->tapmask ? c->tapmask + blk * khw : NULL, c->b + co, v * 8, c->out_ch - co, ci0, ci1);
                }
            }
            v += nx;
        }
    } else if (c->kx_sums) {
        for (int co = 0; co < c->out_ch; co++)
            kx_sums_5(out + co * out_cs, rows, in_cs, c, c->w + (size_t)co * taps, c->b[co], width);
    } else {
        for (int co = 0; co < c->out_ch; co++) {
            const float *w = c->w + (size_t)co * taps;
            for (int v = 0; v < nvec;) {
                const int nx = nvec - v >= 8 ? 8 : 1;
                const BlockFn fn = nx == 8 ? block_1x8 : block_1x1;
                for (int ci0 = 0; ci0 < c->in_ch; ci0 += c->ci_chunk) {
                    const int ci1 = ci0 + c->ci_chunk < c->in_ch ? ci0 + c->ci_chunk : c->in_ch;
                    fn(out + co * out_cs, out_cs, rows, in_cs, c, w + ci0 * khw, NULL, c->b + co, v * 8, 1, ci0, ci1);
                }
                v += nx;
            }
        }
    }
}

/* 16 outputs as bytes, fsr_float_to_u8's steps in its order: max_ps(v, 0)
 * is v > 0 ? v : 0 (NaN to 0) and min_ps(v, 255) is v < 255 ? v : 255. */
__attribute__((target("avx2,fma"))) static inline __m128i u8x16(const float *p)
{
    const __m256 k255 = _mm256_set1_ps(255.f), zero = _mm256_setzero_ps(), half = _mm256_set1_ps(0.5f);
    __m256 a = _mm256_mul_ps(_mm256_loadu_ps(p), k255), b = _mm256_mul_ps(_mm256_loadu_ps(p + 8), k255);
    a = _mm256_min_ps(_mm256_max_ps(a, zero), k255);
    b = _mm256_min_ps(_mm256_max_ps(b, zero), k255);
    const __m256i ia = _mm256_cvttps_epi32(_mm256_add_ps(a, half)), ib = _mm256_cvttps_epi32(_mm256_add_ps(b, half));
    /* packs works within 128-bit lanes: a0-3 b0-3 a4-7 b4-7, put in order */
    const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(ia, ib), 0xd8);
    return _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
}

/* At x3, byte t of output vector q is element (16q + t) / 3 of phase
 * (16q + t) % 3: per output vector and phase, the pshufb control that picks
 * those bytes (-1: another phase's byte, zero for the OR). */
static const int8_t shuf3[3][3][16] = {
    { { 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1, -1, 5 },
      { -1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1, -1 },
      { -1, -1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1 } },
    { { -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1, 10, -1 },
      { 5, -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1, 10 },
      { -1, 5, -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1 } },
    { { -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15, -1, -1 },
      { -1, -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15, -1 },
      { 10, -1, -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15 } },
};

__attribute__((target("avx2,fma"))) static void phases_to_u8_avx2(uint8_t *dst, const float *src,
                                                                   ptrdiff_t phase_cs, int sc, int n)
{
    int i = 0;
    if (sc >= 1 && sc <= 4)
        for (; i + 16 <= n; i += 16, dst += 16 * sc) {
            const __m128i a = u8x16(src + i);
            if (sc == 1) {
                _mm_storeu_si128((__m128i *)dst, a);
            } else if (sc == 2) {
                const __m128i b = u8x16(src + phase_cs + i);
                _mm_storeu_si128((__m128i *)dst, _mm_unpacklo_epi8(a, b));
                _mm_storeu_si128((__m128i *)(dst + 16), _mm_unpackhi_epi8(a, b));
            } else if (sc == 3) {
                const __m128i v[3] = { a, u8x16(src + phase_cs + i), u8x16(src + 2 * phase_cs + i) };
                for (int q = 0; q < 3; q++) {
                    __m128i o = _mm_setzero_si128();
                    for (int k = 0; k < 3; k++)
                        o = _mm_or_si128(o, _mm_shuffle_epi8(v[k], _mm_loadu_si128((const __m128i *)shuf3[q][k])));
                    _mm_storeu_si128((__m128i *)(dst + 16 * q), o);
                }
            } else {
                const __m128i b = u8x16(src + phase_cs + i), c = u8x16(src + 2 * phase_cs + i);
                const __m128i d = u8x16(src + 3 * phase_cs + i);
                const __m128i ab0 = _mm_unpacklo_epi8(a, b), ab1 = _mm_unpackhi_epi8(a, b);
                const __m128i cd0 = _mm_unpacklo_epi8(c, d), cd1 = _mm_unpackhi_epi8(c, d);
                _mm_storeu_si128((__m128i *)dst, _mm_unpacklo_epi16(ab0, cd0));
                _mm_storeu_si128((__m128i *)(dst + 16), _mm_unpackhi_epi16(ab0, cd0));
                _mm_storeu_si128((__m128i *)(dst + 32), _mm_unpacklo_epi16(ab1, cd1));
                _mm_storeu_si128((__m128i *)(dst + 48), _mm_unpackhi_epi16(ab1, cd1));
            }
        }
    for (; i < n; i++, dst += sc)
        for (int k = 0; k < sc; k++)
            dst[k] = fsr_float_to_u8(src[k * phase_cs + i]);
}

/* PReLU: max-free select, v > 0 ? v : a * v, as the C version (a NaN
 * takes the a * v side in both). */
__attribute__((target("avx2,fma"))) static void prelu_row_avx2(float *row, ptrdiff_t cs, int channels, const float *slope, int width, int c8)
{
    const __m256 zero = _mm256_setzero_ps();
    if (c8) {
        for (int cb = 0; cb < channels / 8; cb++) {
            const __m256 a = _mm256_loadu_ps(slope + cb * 8);
            float *p = row + cb * cs;
            for (int x = 0; x < width; x++) {
                const __m256 v = _mm256_loadu_ps(p + x * 8);
                _mm256_storeu_ps(p + x * 8, _mm256_blendv_ps(_mm256_mul_ps(a, v), v, _mm256_cmp_ps(v, zero, _CMP_GT_OQ)));
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
        const __m256 a = _mm256_set1_ps(slope[co]);
        int x = 0;
        for (; x + 8 <= width; x += 8) {
            const __m256 v = _mm256_loadu_ps(p + x);
            _mm256_storeu_ps(p + x, _mm256_blendv_ps(_mm256_mul_ps(a, v), v, _mm256_cmp_ps(v, zero, _CMP_GT_OQ)));
        }
        for (; x < width; x++)
            p[x] = p[x] > 0.f ? p[x] : slope[co] * p[x];
    }
}

/* ---- Winograd F(4,5) transforms (wino.h): 8 channels a vector in, 8
 * tiles a vector out; the same operations as the C kernels ---- */

#define V_ADD _mm256_add_ps
#define V_SUB _mm256_sub_ps
#define V_MUL _mm256_mul_ps
#define V_FMA _mm256_fmadd_ps
#define V_K _mm256_set1_ps

__attribute__((target("avx2,fma"))) static void
wino_in_avx2(float *v, ptrdiff_t vcs, const float *row, ptrdiff_t blk_cs, int channels, int tiles)
{
    for (int ib = 0; ib < channels / 8; ib++) {
        const float *s = row + ib * blk_cs;
        float *o = v + ib * 8 * vcs;
        for (int t = 0; t < tiles; t++) {
            __m256 d[8], r[8];
            for (int l = 0; l < 8; l++)
                d[l] = _mm256_loadu_ps(s + (4 * t + l) * 8);
            FSR_WINO_IN(__m256, V_ADD, V_SUB, V_MUL, V_FMA, V_K, d, r);
            for (int k = 0; k < 8; k++)
                _mm256_storeu_ps(o + k * vcs + t * 8, r[k]);
        }
    }
}

/* A single-channel row, 8 tiles a vector: value l of tiles t .. t+7 is
 * row[4t + l], a stride-4 gather. */
__attribute__((target("avx2,fma"))) static void
wino_in_1_avx2(float *v, ptrdiff_t vcs, const float *row, int tiles)
{
    const __m256i idx = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
    int t = 0;
    for (; t + 8 <= tiles; t += 8) {
        __m256 d[8], r[8];
        for (int l = 0; l < 8; l++)
            d[l] = _mm256_i32gather_ps(row + 4 * t + l, idx, 4);
        FSR_WINO_IN(__m256, V_ADD, V_SUB, V_MUL, V_FMA, V_K, d, r);
        for (int k = 0; k < 8; k++)
            _mm256_storeu_ps(v + k * vcs + t, r[k]);
    }
    for (; t < tiles; t++)
        fsr_wino_in_1_tile(v, vcs, row, t);
}

/* One point of a single-channel Winograd layer: 32 output channels (4
 * vectors) x NX (1..3) tiles, 12 accumulators and the FMAs of c8_block
 * (C8_FMA); per kernel row and piece, 4 weight loads, NX broadcasts,
 * 4 x NX FMAs. */
#define DEF_W1(NX_)                                                                           \
__attribute__((target("avx2,fma"), noinline)) static void                                    \
w1_block_##NX_(float *acc, const float *const *rows, int t0, const float *w, int kh, int n)  \
{                                                                                             \
    enum { NX = NX_ };                                                                        \
    __m256 a00, a01, a02, a10, a11, a12, a20, a21, a22, a30, a31, a32;                        \
    a00 = a01 = a02 = a10 = a11 = a12 = a20 = a21 = a22 = a30 = a31 = a32 = _mm256_setzero_ps(); \
    const float *wp = w;                                                                      \
    for (int ky = 0; ky < kh; ky++) {                                                         \
        const float *p = rows[ky] + t0;                                                       \
        for (int i = 0; i < n; i++, wp += 32) {                                               \
            const __m256 b0 = _mm256_broadcast_ss(p + i);                                     \
            const __m256 b1 = NX > 1 ? _mm256_broadcast_ss(p + 1 + i) : b0;                   \
            const __m256 b2 = NX > 2 ? _mm256_broadcast_ss(p + 2 + i) : b0;                   \
            C8_FMA(0); C8_FMA(1); C8_FMA(2); C8_FMA(3);                                       \
        }                                                                                     \
    }                                                                                         \
    acc += t0 * 32;                                                                           \
    C8_STORE(0); C8_STORE(1); C8_STORE(2); C8_STORE(3);                                       \
}

DEF_W1(3)
DEF_W1(2)
DEF_W1(1)

static void wino_acc_1_avx2(float *acc, const float *const *rows, const float *w, int kh, int n, int tiles)
{
    int t = 0;
    for (; t + 3 <= tiles; t += 3)
        w1_block_3(acc, rows, t, w, kh, n);
    if (tiles - t == 2)
        w1_block_2(acc, rows, t, w, kh, n);
    else if (tiles - t == 1)
        w1_block_1(acc, rows, t, w, kh, n);
}

/* 2 tiles (8 columns) x 8 channels a step: each column's 8 channels are
 * one vector, transposed to 8 planar rows as fsr_conv_c8_store_avx2 does. */
__attribute__((target("avx2,fma"))) static void
wino_out_avx2(float *out, ptrdiff_t out_cs, const float *m, ptrdiff_t pcs, const float *b, int tiles, int relu)
{
    for (int og = 0; og < 4; og++) {
        const __m256 bv = _mm256_loadu_ps(b + og * 8);
        float *d = out + og * 8 * out_cs;
        int t = 0;
        for (; t + 2 <= tiles; t += 2) {
            __m256 p[8], y0[4], y1[4];
            for (int k = 0; k < 8; k++)
                p[k] = _mm256_loadu_ps(m + k * pcs + t * 32 + og * 8);
            FSR_WINO_OUT(__m256, V_ADD, V_SUB, V_FMA, V_K, p, bv, y0);
            for (int k = 0; k < 8; k++)
                p[k] = _mm256_loadu_ps(m + k * pcs + (t + 1) * 32 + og * 8);
            FSR_WINO_OUT(__m256, V_ADD, V_SUB, V_FMA, V_K, p, bv, y1);
            const __m256 y[8] = { y0[0], y0[1], y0[2], y0[3], y1[0], y1[1], y1[2], y1[3] };
            store_cols8_ch8(d + 4 * t, out_cs, y, relu);
        }
        for (; t < tiles; t++)
            for (int co = og * 8; co < og * 8 + 8; co++)
                fsr_wino_out_tile(out, out_cs, m, pcs, b, co, t, relu);
    }
}

/* ---- Winograd F(8,9) (wino16.h), the C kernels' operations ---- */

/* 8 tiles a vector: value l of tiles t .. t+7 is row[8t + l], a stride-8
 * gather. */
__attribute__((target("avx2,fma"))) static void
wino16_in_1_avx2(float *v, ptrdiff_t vcs, const float *row, int tiles)
{
    const __m256i idx = _mm256_setr_epi32(0, 8, 16, 24, 32, 40, 48, 56);
    int t = 0;
    for (; t + 8 <= tiles; t += 8) {
        __m256 d[16], r[16];
        for (int l = 0; l < 16; l++)
            d[l] = _mm256_i32gather_ps(row + 8 * t + l, idx, 4);
        FSR_W16_IN(__m256, V_ADD, V_SUB, V_MUL, V_FMA, V_K, d, r);
        for (int k = 0; k < 16; k++)
            _mm256_storeu_ps(v + k * vcs + t, r[k]);
    }
    for (; t < tiles; t++)
        fsr_w16_in_1_tile(v, vcs, row, t);
}

/* The 16 points of NX (1..3) tiles x 32 channels (12 accumulators), as
 * w1_block's FMAs, stored tile by tile (FSR_W16_M: tile j of the block
 * 512 floats after tile 0, not C8_STORE's 32). */
#define W16_STORE(ii)                                                               \
    do {                                                                            \
        _mm256_storeu_ps(acc + 8 * ii, a##ii##0);                                   \
        if (NX > 1)                                                                 \
            _mm256_storeu_ps(acc + 512 + 8 * ii, a##ii##1);                         \
        if (NX > 2)                                                                 \
            _mm256_storeu_ps(acc + 1024 + 8 * ii, a##ii##2);                        \
    } while (0)
#define DEF_W16(NX_)                                                                          \
__attribute__((target("avx2,fma"), noinline)) static void                                    \
w16_block_##NX_(float *m, const float *const *rows, ptrdiff_t vcs, int t0, const float *w,   \
                ptrdiff_t wks, int kh)                                                        \
{                                                                                             \
    enum { NX = NX_ };                                                                        \
    for (int k = 0; k < 16; k++) {                                                            \
        __m256 a00, a01, a02, a10, a11, a12, a20, a21, a22, a30, a31, a32;                    \
        a00 = a01 = a02 = a10 = a11 = a12 = a20 = a21 = a22 = a30 = a31 = a32 = _mm256_setzero_ps(); \
        const float *wp = w + k * wks;                                                        \
        for (int ky = 0; ky < kh; ky++, wp += 32) {                                           \
            const float *p = rows[ky] + k * vcs + t0;                                         \
            const __m256 b0 = _mm256_broadcast_ss(p);                                         \
            const __m256 b1 = NX > 1 ? _mm256_broadcast_ss(p + 1) : b0;                       \
            const __m256 b2 = NX > 2 ? _mm256_broadcast_ss(p + 2) : b0;                       \
            C8_FMA(0); C8_FMA(1); C8_FMA(2); C8_FMA(3);                                       \
        }                                                                                     \
        float *acc = m + FSR_W16_M(t0, k);                                                    \
        W16_STORE(0); W16_STORE(1); W16_STORE(2); W16_STORE(3);                               \
    }                                                                                         \
}

DEF_W16(3)
DEF_W16(2)
DEF_W16(1)

static void wino16_acc_avx2(float *m, const float *const *rows, ptrdiff_t vcs, const float *w, ptrdiff_t wks, int kh,
                            int tiles)
{
    int t = 0;
    for (; t + 3 <= tiles; t += 3)
        w16_block_3(m, rows, vcs, t, w, wks, kh);
    if (tiles - t == 2)
        w16_block_2(m, rows, vcs, t, w, wks, kh);
    else if (tiles - t == 1)
        w16_block_1(m, rows, vcs, t, w, wks, kh);
}

/* A tile (8 columns) x 8 channels a step: each column's 8 channels are one
 * vector, transposed to 8 planar rows as wino_out_avx2 does. */
__attribute__((target("avx2,fma"))) static void
wino16_out_avx2(float *out, ptrdiff_t out_cs, const float *m, const float *b, int tiles, int relu)
{
    for (int og = 0; og < 4; og++) {
        const __m256 bv = _mm256_loadu_ps(b + og * 8);
        float *d = out + og * 8 * out_cs;
        for (int t = 0; t < tiles; t++) {
            __m256 p[16], y[8];
            for (int k = 0; k < 16; k++)
                p[k] = _mm256_loadu_ps(m + FSR_W16_M(t, k) + og * 8);
            FSR_W16_OUT(__m256, V_ADD, V_SUB, V_FMA, V_K, p, bv, y);
            store_cols8_ch8(d + 8 * t, out_cs, y, relu);
        }
    }
}

void fsr_conv_dsp_init_avx2(FsrConvDSP *dsp)
{
    dsp->wino16_in_1 = wino16_in_1_avx2;
    dsp->wino16_acc = wino16_acc_avx2;
    dsp->wino16_out = wino16_out_avx2;
    dsp->wino_in = wino_in_avx2;
    dsp->wino_out = wino_out_avx2;
    dsp->conv_acc_c8 = conv_acc_c8_avx2;
    dsp->wino_in_1 = wino_in_1_avx2;
    dsp->wino_acc_1 = wino_acc_1_avx2;
    dsp->prelu_row = prelu_row_avx2;
    dsp->phases_to_u8 = phases_to_u8_avx2;
    dsp->conv_row = fsr_conv_row_avx2;
    dsp->conv_row_c8 = conv_row_c8_avx2;
    dsp->to_c8 = to_c8_avx2;
    dsp->conv_row_1_to_c8 = conv_row_1_to_c8_avx2;
    dsp->conv_parts = conv_parts_avx2;
}
#endif
