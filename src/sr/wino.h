/* Winograd F(4,5) transforms (conv.h, fsr_conv_wino_ok), written once over
 * the arithmetic so that the C kernels and their SIMD twins do the same
 * operations in the same order and agree bit for bit: ADD, SUB, MUL
 * (by a power of two, exact) and FMA(a, b, c) = a * b + c, rounded once,
 * over a type T of one lane (float) or a vector of them; K(v) makes a
 * constant of that type.
 *
 * Points 0, 1, -1, 2, -2, 1/2, -1/2, infinity (Lavin & Gray's choice for
 * 8-point transforms).  Input: V = B^T d for the 8 inputs of a tile,
 *   B^T = [ 1   0   -21/4   0     21/4   0    -1  0 ]
 *         [ 0   1    1     -17/4 -17/4   1     1  0 ]
 *         [ 0  -1    1      17/4 -17/4  -1     1  0 ]
 *         [ 0  1/2  1/4    -5/2  -5/4    2     1  0 ]
 *         [ 0 -1/2  1/4     5/2  -5/4   -2     1  0 ]
 *         [ 0   2    4     -5/2  -5     1/2    1  0 ]
 *         [ 0  -2    4      5/2  -5    -1/2    1  0 ]
 *         [ 0  -1    0      21/4  0    -21/4   0  1 ]
 * output: y = A^T m for the 8 products of a tile,
 *   A^T = [ 1 1  1 1  1  1    1    0 ]
 *         [ 0 1 -1 2 -2 1/2 -1/2   0 ]
 *         [ 0 1  1 4  4 1/4  1/4   0 ]
 *         [ 0 1 -1 8 -8 1/8 -1/8   1 ]
 * and the weights G g (fsr_conv_pack_wino, in double) with G's rows
 * [1 0 0 0 0], p^k / prod(p - q) for the finite points, [0 0 0 0 1].
 * y_j = sum_k g_k d_{j+k} exactly in rational arithmetic (checked with
 * fractions when the matrices were derived). */
#ifndef FASTSR_SRC_WINO_H
#define FASTSR_SRC_WINO_H

#include <math.h>
#include <stddef.h>

#define FSR_WINO_IN(T, ADD, SUB, MUL, FMA, K, d, v)                                                  \
    do {                                                                                             \
        const T t1_ = FMA(K(-4.25f), d[4], ADD(d[2], d[6]));                                         \
        const T t2_ = FMA(K(-4.25f), d[3], ADD(d[1], d[5]));                                         \
        const T t3_ = FMA(K(-1.25f), d[4], FMA(K(0.25f), d[2], d[6]));                               \
        const T t4_ = FMA(K(2.f), d[5], FMA(K(-2.5f), d[3], MUL(K(0.5f), d[1])));                     \
        const T t5_ = FMA(K(-5.f), d[4], FMA(K(4.f), d[2], d[6]));                                    \
        const T t6_ = FMA(K(0.5f), d[5], FMA(K(-2.5f), d[3], MUL(K(2.f), d[1])));                     \
        v[0] = FMA(K(5.25f), SUB(d[4], d[2]), SUB(d[0], d[6]));                                      \
        v[1] = ADD(t1_, t2_);                                                                        \
        v[2] = SUB(t1_, t2_);                                                                        \
        v[3] = ADD(t3_, t4_);                                                                        \
        v[4] = SUB(t3_, t4_);                                                                        \
        v[5] = ADD(t5_, t6_);                                                                        \
        v[6] = SUB(t5_, t6_);                                                                        \
        v[7] = FMA(K(5.25f), SUB(d[3], d[5]), SUB(d[7], d[1]));                                      \
    } while (0)

/* y[j] = b + (A^T m)_j */
#define FSR_WINO_OUT(T, ADD, SUB, FMA, K, m, b, y)                                                   \
    do {                                                                                             \
        const T s12_ = ADD(m[1], m[2]), d12_ = SUB(m[1], m[2]);                                      \
        const T s34_ = ADD(m[3], m[4]), d34_ = SUB(m[3], m[4]);                                      \
        const T s56_ = ADD(m[5], m[6]), d56_ = SUB(m[5], m[6]);                                      \
        y[0] = ADD(ADD(ADD(ADD(m[0], s12_), s34_), s56_), b);                                        \
        y[1] = ADD(FMA(K(0.5f), d56_, FMA(K(2.f), d34_, d12_)), b);                                  \
        y[2] = ADD(FMA(K(0.25f), s56_, FMA(K(4.f), s34_, s12_)), b);                                 \
        y[3] = ADD(ADD(FMA(K(0.125f), d56_, FMA(K(8.f), d34_, d12_)), m[7]), b);                     \
    } while (0)

static inline float fsr_wino_add(float a, float b)
{
    return a + b;
}
static inline float fsr_wino_sub(float a, float b)
{
    return a - b;
}
static inline float fsr_wino_k(float v)
{
    return v;
}

/* Output tile t of channel co (FsrConvDSP.wino_out's layout) one sample at
 * a time: the C kernel, and the tiles a SIMD kernel leaves over. */
static inline void fsr_wino_out_tile(float *out, ptrdiff_t out_cs, const float *m, ptrdiff_t pcs, const float *b,
                                     int co, int t, int relu)
{
    float p[8], y[4];
    for (int k = 0; k < 8; k++)
        p[k] = m[k * pcs + t * 32 + co];
    FSR_WINO_OUT(float, fsr_wino_add, fsr_wino_sub, fmaf, fsr_wino_k, p, b[co], y);
    for (int j = 0; j < 4; j++)
        out[co * out_cs + 4 * t + j] = relu && !(y[j] > 0.f) ? 0.f : y[j];
}

/* Tile t of a single-channel row (input columns 4t .. 4t+7) one at a time:
 * value k at v[k * vcs + t] (FsrConvDSP.wino_in_1's layout). */
static inline void fsr_wino_in_1_tile(float *v, ptrdiff_t vcs, const float *row, int t)
{
    float o[8];
    const float *d = row + 4 * t;
#define FSR_WINO_MUL_(a, b) ((a) * (b))
    FSR_WINO_IN(float, fsr_wino_add, fsr_wino_sub, FSR_WINO_MUL_, fmaf, fsr_wino_k, d, o);
#undef FSR_WINO_MUL_
    for (int k = 0; k < 8; k++)
        v[k * vcs + t] = o[k];
}

/* The points' rows of G (see above), for the weight transform. */
#define FSR_WINO_POINTS { 0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5 }

#endif
