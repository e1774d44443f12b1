/* Winograd F(8,9) transforms for a single-channel 9-wide layer (SRCNN's
 * 9x9 first layer before a direct layer: conv.h, fsr_conv_wino16_ok),
 * written once over the arithmetic as wino.h is, so that the C kernels and
 * their SIMD twins do the same operations in the same order and agree bit
 * for bit: ADD, SUB, MUL, FMA(a, b, c) = a * b + c rounded once, over a
 * type T of one lane or a vector of them; K(v) makes a constant of T.
 *
 * Eight outputs of a row from a tile of 16 inputs take 16 multiplies per
 * kernel row and channel: 72 direct, 30 by F(4,5) in two pieces (wino.h,
 * without the point at infinity's zero piece).  Points 0,
 * +-1, +-2, +-1/2, +-4, +-1/4, +-3/4, +-4/3 and infinity: with one input
 * channel the transform's error does not add up over channels, and on
 * SRCNN 9-1-5's first layer over Set5 it stayed within 2.7e-5 to 4.1e-5
 * of the largest output (float against float64 direct; the best of the
 * point sets tried, scripts/wino16-coefs.py).
 *
 * Input, v = B^T d for the 16 inputs of a tile (columns 8t .. 8t+15): row
 * p of B^T is the coefficients of prod over the other finite points q of
 * (x - q), row infinity those of prod over all of them, each row scaled
 * to a largest coefficient of 1.  The rows of +a and -a differ only in the
 * sign of their odd coefficients: v[+a] = e + o, v[-a] = e - o with e over
 * the even taps, o over the odd ones.  Output, y_j = b + sum_p p^j m_p (+
 * m_infinity at j = 7).  Weights, G's row p: p^r times fsr_w16_gscale[p]
 * (1 / prod (p - q) and the row's scale), row infinity [0 .. 0 1] times
 * its scale.  Every table below comes from scripts/wino16-coefs.py, which
 * also checks the transforms exactly in rational arithmetic. */
#ifndef FASTSR_SRC_WINO16_H
#define FASTSR_SRC_WINO16_H

#include <math.h>
#include <stddef.h>

/* p = 0: d[0], d[2], .., d[14] */
static const float fsr_w16_in0[8] = { -0.00308767199f, 0.0730320195f, -0.436767553f, 1.f, -1.f, 0.436767553f, -0.0730320195f, 0.00308767199f };
/* pair i (+a, -a): even taps d[2], d[4], .., d[14] */
static const float fsr_w16_ine[7][7] = {
    { 0.00487647687f, -0.110465747f, 0.579337728f, -1.f, 0.579337728f, -0.110465747f, 0.00487647687f },
    { 0.00172433148f, -0.0403541466f, 0.233827282f, -0.5f, 0.433456821f, -0.135551614f, 0.00689732594f },
    { 0.0137946519f, -0.271103228f, 0.866913641f, -1.f, 0.467654565f, -0.0807082931f, 0.00344866297f },
    { 0.00079334909f, -0.0187153254f, 0.111053722f, -0.25f, 0.241315858f, -0.0971411886f, 0.0126935854f },
    { 0.0507743418f, -0.388564754f, 0.96526343f, -1.f, 0.444214887f, -0.0748613016f, 0.00317339636f },
    { 0.00706572365f, -0.154562705f, 0.724705882f, -1.f, 0.510588235f, -0.091771606f, 0.00397446955f },
    { 0.00298085216f, -0.0688287045f, 0.382941176f, -0.75f, 0.543529412f, -0.115922029f, 0.00529929274f },
};
/* pair i: odd taps d[1], d[3], .., d[13] */
static const float fsr_w16_ino[7][7] = {
    { 0.00487647687f, -0.110465747f, 0.579337728f, -1.f, 0.579337728f, -0.110465747f, 0.00487647687f },
    { 0.00344866297f, -0.0807082931f, 0.467654565f, -1.f, 0.866913641f, -0.271103228f, 0.0137946519f },
    { 0.00689732594f, -0.135551614f, 0.433456821f, -0.5f, 0.233827282f, -0.0403541466f, 0.00172433148f },
    { 0.00317339636f, -0.0748613016f, 0.444214887f, -1.f, 0.96526343f, -0.388564754f, 0.0507743418f },
    { 0.0126935854f, -0.0971411886f, 0.241315858f, -0.25f, 0.111053722f, -0.0187153254f, 0.00079334909f },
    { 0.00529929274f, -0.115922029f, 0.543529412f, -0.75f, 0.382941176f, -0.0688287045f, 0.00298085216f },
    { 0.00397446955f, -0.091771606f, 0.510588235f, -1.f, 0.724705882f, -0.154562705f, 0.00706572365f },
};
/* infinity: d[1], d[3], .., d[15] */
static const float fsr_w16_inf[8] = { -0.00308767199f, 0.0730320195f, -0.436767553f, 1.f, -1.f, 0.436767553f, -0.0730320195f, 0.00308767199f };
/* a_i^j, j = 1 .. 7 (output transform) */
static const float fsr_w16_out[7][7] = {
    { 1.f, 1.f, 1.f, 1.f, 1.f, 1.f, 1.f },
    { 2.f, 4.f, 8.f, 16.f, 32.f, 64.f, 128.f },
    { 0.5f, 0.25f, 0.125f, 0.0625f, 0.03125f, 0.015625f, 0.0078125f },
    { 4.f, 16.f, 64.f, 256.f, 1024.f, 4096.f, 16384.f },
    { 0.25f, 0.0625f, 0.015625f, 0.00390625f, 0.0009765625f, 0.000244140625f, 6.10351562e-05f },
    { 0.75f, 0.5625f, 0.421875f, 0.31640625f, 0.237304688f, 0.177978516f, 0.133483887f },
    { 1.33333333f, 1.77777778f, 2.37037037f, 3.16049383f, 4.21399177f, 5.61865569f, 7.49154092f },
};
/* G's scale per point (weight transform, in double) */
static const double fsr_w16_gscale[16] = { -323.86859809027777, -9.5232501889644752, -9.5232501889644752, -0.0044631834215167546, -0.0044631834215167546, -146.24959435626101, -146.24959435626101, 2.4816927914515636e-07, 2.4816927914515636e-07, 266.46973445008535, 266.46973445008535, 50.731182535092309, 50.731182535092309, 0.67794417980691768, 0.67794417980691768, 323.86859809027777 };
static const double fsr_w16_points[15] = { 0, 1, -1, 2, -2, 0.5, -0.5, 4, -4, 0.25, -0.25, 0.75, -0.75, 1.3333333333333333, -1.3333333333333333 };

/* Every loop below unrolled, so that the SIMD kernels keep the 16 values in
 * registers and the coefficients as constants (rolled, GCC kept them in
 * memory on the stack: 80 stack accesses in wino16_out_avx512). */
#define FSR_W16_UNROLL _Pragma("GCC unroll 16")

/* Points in m (and v): 0, then +a_i, -a_i for i < 7, then infinity. */
#define FSR_W16_IN(T, ADD, SUB, MUL, FMA, K, d, v)                                                    \
    do {                                                                                             \
        T e_ = MUL(K(fsr_w16_in0[0]), d[0]);                                                         \
        FSR_W16_UNROLL for (int j_ = 1; j_ < 8; j_++)                                                               \
            e_ = FMA(K(fsr_w16_in0[j_]), d[2 * j_], e_);                                             \
        v[0] = e_;                                                                                   \
        FSR_W16_UNROLL for (int i_ = 0; i_ < 7; i_++) {                                                             \
            T ev_ = MUL(K(fsr_w16_ine[i_][0]), d[2]), od_ = MUL(K(fsr_w16_ino[i_][0]), d[1]);        \
            FSR_W16_UNROLL for (int j_ = 1; j_ < 7; j_++) {                                                         \
                ev_ = FMA(K(fsr_w16_ine[i_][j_]), d[2 * j_ + 2], ev_);                               \
                od_ = FMA(K(fsr_w16_ino[i_][j_]), d[2 * j_ + 1], od_);                               \
            }                                                                                        \
            v[1 + 2 * i_] = ADD(ev_, od_);                                                           \
            v[2 + 2 * i_] = SUB(ev_, od_);                                                           \
        }                                                                                            \
        T f_ = MUL(K(fsr_w16_inf[0]), d[1]);                                                         \
        FSR_W16_UNROLL for (int j_ = 1; j_ < 8; j_++)                                                               \
            f_ = FMA(K(fsr_w16_inf[j_]), d[2 * j_ + 1], f_);                                         \
        v[15] = f_;                                                                                  \
    } while (0)

/* y[j] = b + (A^T m)_j, j < 8; m is overwritten (pair sums and
 * differences in place). */
#define FSR_W16_OUT(T, ADD, SUB, FMA, K, m, b, y)                                                     \
    do {                                                                                             \
        FSR_W16_UNROLL for (int i_ = 0; i_ < 7; i_++) {                                                             \
            const T p_ = m[1 + 2 * i_], q_ = m[2 + 2 * i_];                                          \
            m[1 + 2 * i_] = ADD(p_, q_);                                                             \
            m[2 + 2 * i_] = SUB(p_, q_);                                                             \
        }                                                                                            \
        T y0_ = ADD(m[0], m[1]);                                                                     \
        FSR_W16_UNROLL for (int i_ = 1; i_ < 7; i_++)                                                               \
            y0_ = ADD(y0_, m[1 + 2 * i_]);                                                           \
        y[0] = ADD(y0_, b);                                                                          \
        FSR_W16_UNROLL for (int j_ = 1; j_ < 8; j_++) {                                                             \
            const int o_ = 1 + (j_ & 1); /* sums at even j, differences at odd */                    \
            T s_ = FMA(K(fsr_w16_out[0][j_ - 1]), m[o_], b);                                          \
            FSR_W16_UNROLL for (int i_ = 1; i_ < 7; i_++)                                                           \
                s_ = FMA(K(fsr_w16_out[i_][j_ - 1]), m[o_ + 2 * i_], s_);                             \
            y[j_] = j_ == 7 ? ADD(s_, m[15]) : s_;                                                   \
        }                                                                                            \
    } while (0)

static inline float fsr_w16_add(float a, float b)
{
    return a + b;
}
static inline float fsr_w16_sub(float a, float b)
{
    return a - b;
}
static inline float fsr_w16_mul(float a, float b)
{
    return a * b;
}
static inline float fsr_w16_k(float v)
{
    return v;
}

/* Tile t of a single-channel row (input columns 8t .. 8t+15) one at a
 * time: value k at v[k * vcs + t] (FsrConvDSP.wino16_in_1's layout). */
static inline void fsr_w16_in_1_tile(float *v, ptrdiff_t vcs, const float *row, int t)
{
    float o[16];
    const float *d = row + 8 * t;
    FSR_W16_IN(float, fsr_w16_add, fsr_w16_sub, fsr_w16_mul, fmaf, fsr_w16_k, d, o);
    for (int k = 0; k < 16; k++)
        v[k * vcs + t] = o[k];
}

/* Output tile t of channel co one sample at a time (FsrConvDSP.wino16_out's
 * layout: point k of tile t at m[(16t + k) * 32 + co]): the C kernel. */
static inline void fsr_w16_out_tile(float *out, ptrdiff_t out_cs, const float *m, const float *b, int co, int t,
                                    int relu)
{
    float p[16], y[8];
    for (int k = 0; k < 16; k++)
        p[k] = m[(16 * (ptrdiff_t)t + k) * 32 + co];
    FSR_W16_OUT(float, fsr_w16_add, fsr_w16_sub, fmaf, fsr_w16_k, p, b[co], y);
    for (int j = 0; j < 8; j++)
        out[co * out_cs + 8 * t + j] = relu && !(y[j] > 0.f) ? 0.f : y[j];
}

#endif
