/* The trainer's kernels: valid cross-correlation through im2col, its two
 * gradients, and the padding of planes (train_kernels.h). */
#include "train_kernels.h"

#include <string.h>

#include "fastsr/model.h"

#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define HOT __attribute__((target_clones("avx2", "default")))
#else
#define HOT
#endif

/* ---- kernels: valid cross-correlation and its two gradients ----
 * All three go through im2col: col[(c, ky, kx)][(y, x)] holds the input
 * pixel each weight meets at each output position, so every inner loop
 * runs over the whole output plane (hundreds of contiguous floats) and
 * vectorises well, instead of over one short row. */

void train_im2col(float *col, const float *in, int C, int k, int hi, int wi)
{
    const int ho = hi - k + 1, wo = wi - k + 1;
    for (int c = 0; c < C; c++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                float *d = col + ((size_t)(c * k + ky) * k + kx) * ho * wo;
                const float *src = in + (size_t)c * hi * wi + (size_t)ky * wi + kx;
                for (int y = 0; y < ho; y++)
                    memcpy(d + (size_t)y * wo, src + (size_t)y * wi, sizeof(float) * wo);
            }
}

/* out[m][p] = b[m] + sum_k w[m][k] col[k][p], four output maps at a time so
 * each col row is loaded once for four accumulators. */
HOT void train_gemm_fwd(float *out, const float *col, const float *w, const float *b, int M, int K, int P)
{
    int m = 0;
    for (; m + 4 <= M; m += 4) {
        float *o0 = out + (size_t)m * P, *o1 = o0 + P, *o2 = o1 + P, *o3 = o2 + P;
        for (int p = 0; p < P; p++) {
            o0[p] = b[m];
            o1[p] = b[m + 1];
            o2[p] = b[m + 2];
            o3[p] = b[m + 3];
        }
        const float *w0 = w + (size_t)m * K, *w1 = w0 + K, *w2 = w1 + K, *w3 = w2 + K;
        for (int k = 0; k < K; k++) {
            const float *cr = col + (size_t)k * P;
            const float a0 = w0[k], a1 = w1[k], a2 = w2[k], a3 = w3[k];
            for (int p = 0; p < P; p++) {
                const float v = cr[p];
                o0[p] = o0[p] + a0 * v;
                o1[p] = o1[p] + a1 * v;
                o2[p] = o2[p] + a2 * v;
                o3[p] = o3[p] + a3 * v;
            }
        }
    }
    for (; m < M; m++) {
        float *o = out + (size_t)m * P;
        for (int p = 0; p < P; p++)
            o[p] = b[m];
        for (int k = 0; k < K; k++) {
            const float *cr = col + (size_t)k * P;
            const float a = w[(size_t)m * K + k];
            for (int p = 0; p < P; p++)
                o[p] = o[p] + a * cr[p];
        }
    }
}

/* Eight partial sums, combined in a fixed order: vectorisable without
 * letting the compiler reassociate. */
HOT static float dot(const float *a, const float *b, int n)
{
    float acc[8] = { 0 };
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++)
            acc[j] = acc[j] + a[i + j] * b[i + j];
    for (; i < n; i++)
        acc[i & 7] = acc[i & 7] + a[i] * b[i];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

HOT static float sum(const float *a, int n)
{
    float acc[8] = { 0 };
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++)
            acc[j] = acc[j] + a[i + j];
    for (; i < n; i++)
        acc[i & 7] = acc[i & 7] + a[i];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* gw[m][k] += g[m] . col[k], gb[m] += sum g[m] */
void train_gemm_bwd_w(float *gw, float *gb, const float *g, const float *col, int M, int K, int P)
{
    for (int m = 0; m < M; m++) {
        const float *gm = g + (size_t)m * P;
        gb[m] += sum(gm, P);
        for (int k = 0; k < K; k++)
            gw[(size_t)m * K + k] += dot(gm, col + (size_t)k * P, P);
    }
}

/* gcol[k][p] = sum_m w[m][k] g[m][p] */
HOT void train_gemm_bwd_col(float *gcol, const float *g, const float *w, int M, int K, int P)
{
    for (int k = 0; k < K; k++) {
        float *d = gcol + (size_t)k * P;
        for (int p = 0; p < P; p++)
            d[p] = 0.f;
        int m = 0;
        for (; m + 4 <= M; m += 4) {
            const float a0 = w[(size_t)m * K + k], a1 = w[(size_t)(m + 1) * K + k];
            const float a2 = w[(size_t)(m + 2) * K + k], a3 = w[(size_t)(m + 3) * K + k];
            const float *g0 = g + (size_t)m * P, *g1 = g0 + P, *g2 = g1 + P, *g3 = g2 + P;
            for (int p = 0; p < P; p++)
                d[p] = d[p] + (((a0 * g0[p] + a1 * g1[p]) + a2 * g2[p]) + a3 * g3[p]);
        }
        for (; m < M; m++) {
            const float a = w[(size_t)m * K + k];
            const float *gm = g + (size_t)m * P;
            for (int p = 0; p < P; p++)
                d[p] = d[p] + a * gm[p];
        }
    }
}

/* gin[c][y+ky][x+kx] += gcol[(c,ky,kx)][y][x]; gin zeroed by the caller */
void train_col2im(float *gin, const float *gcol, int C, int k, int hi, int wi)
{
    const int ho = hi - k + 1, wo = wi - k + 1;
    for (int c = 0; c < C; c++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                const float *s = gcol + ((size_t)(c * k + ky) * k + kx) * ho * wo;
                float *d = gin + (size_t)c * hi * wi + (size_t)ky * wi + kx;
                for (int y = 0; y < ho; y++)
                    for (int x = 0; x < wo; x++)
                        d[(size_t)y * wi + x] += s[(size_t)y * wo + x];
            }
}

/* Copies C planes of h x w into (h+2p) x (w+2p) with zero or replicated
 * borders. */
void train_pad_planes(float *dst, const float *src, int C, int h, int w, int p, int mode)
{
    const int hp = h + 2 * p, wp = w + 2 * p;
    for (int c = 0; c < C; c++) {
        const float *s = src + (size_t)c * h * w;
        float *d = dst + (size_t)c * hp * wp;
        for (int y = 0; y < hp; y++) {
            int sy = y - p;
            if (mode == FSR_PAD_ZERO && (sy < 0 || sy >= h)) {
                memset(d + (size_t)y * wp, 0, sizeof(float) * wp);
                continue;
            }
            sy = sy < 0 ? 0 : sy >= h ? h - 1 : sy;
            for (int x = 0; x < wp; x++) {
                int sx = x - p;
                if (sx < 0 || sx >= w)
                    d[(size_t)y * wp + x] = mode == FSR_PAD_ZERO ? 0.f : s[(size_t)sy * w + (sx < 0 ? 0 : w - 1)];
                else
                    d[(size_t)y * wp + x] = s[(size_t)sy * w + sx];
            }
        }
    }
}

/* The adjoint of pad_planes: gradient of the padded planes folded back. */
void train_unpad_grad(float *dst, const float *src, int C, int h, int w, int p, int mode)
{
    const int hp = h + 2 * p, wp = w + 2 * p;
    for (int c = 0; c < C; c++) {
        const float *s = src + (size_t)c * hp * wp;
        float *d = dst + (size_t)c * h * w;
        for (int y = 0; y < h; y++)
            memcpy(d + (size_t)y * w, s + (size_t)(y + p) * wp + p, sizeof(float) * w);
        if (mode != FSR_PAD_REPLICATE || p == 0)
            continue;
        for (int y = 0; y < hp; y++)
            for (int x = 0; x < wp; x++) {
                const int sy = y - p, sx = x - p;
                if (sy >= 0 && sy < h && sx >= 0 && sx < w)
                    continue;
                const int cy = sy < 0 ? 0 : sy >= h ? h - 1 : sy;
                const int cx = sx < 0 ? 0 : sx >= w ? w - 1 : sx;
                d[(size_t)cy * w + cx] += s[(size_t)y * wp + x];
            }
    }
}
