/* Reference forward pass: see net_ref.h.  Written for clarity, not speed:
 * whole feature planes, padded copies, direct loops. */
#include "net_ref.h"

#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "log.h"
#include "model_internal.h"

/* Row/column i of a plane of n under the padding rule: -1 for a zero. */
static inline int pad_index(int i, int n, int padding)
{
    if (i >= 0 && i < n)
        return i;
    if (padding == FSR_PAD_ZERO)
        return -1;
    return i < 0 ? 0 : n - 1;
}

void fsr_ref_act(float *x, int act, const float *slope, int C, size_t n)
{
    if (act != FSR_ACT_RELU && act != FSR_ACT_PRELU)
        return;
    for (int c = 0; c < C; c++) {
        float *p = x + (size_t)c * n;
        const float a = act == FSR_ACT_PRELU ? slope[c] : 0.f;
        for (size_t i = 0; i < n; i++)
            p[i] = p[i] > 0.f ? p[i] : a * p[i];
    }
}

/* One channel of a padded copy: (h + 2ry) x (w + 2rx). */
static void pad_plane(float *dst, const float *src, int w, int h, int rx, int ry, int padding)
{
    const int wp = w + 2 * rx;
    for (int y = 0; y < h + 2 * ry; y++) {
        const int sy = pad_index(y - ry, h, padding);
        for (int x = 0; x < wp; x++) {
            const int sx = pad_index(x - rx, w, padding);
            dst[(size_t)y * wp + x] = sy < 0 || sx < 0 ? 0.f : src[(size_t)sy * w + sx];
        }
    }
}

static void conv_channel(float *o, const float *pad, const FsrConvLayer *l, int co, int w, int h)
{
    const int wp = w + l->kw - 1, hp = h + l->kh - 1;
    for (size_t i = 0; i < (size_t)w * h; i++)
        o[i] = l->bias[co];
    for (int ci = 0; ci < l->in_ch; ci++)
        for (int ky = 0; ky < l->kh; ky++)
            for (int kx = 0; kx < l->kw; kx++) {
                const float wt = l->weight[(((size_t)co * l->in_ch + ci) * l->kh + ky) * l->kw + kx];
                const float *p = pad + (size_t)ci * wp * hp + (size_t)ky * wp + kx;
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        o[(size_t)y * w + x] += wt * p[(size_t)y * wp + x];
            }
}

static float *padded_input(const float *in, int C, int w, int h, int rx, int ry, int padding)
{
    const size_t np = (size_t)(w + 2 * rx) * (h + 2 * ry);
    float *pad = malloc(sizeof(float) * np * C);
    if (pad)
        for (int c = 0; c < C; c++)
            pad_plane(pad + np * c, in + (size_t)c * w * h, w, h, rx, ry, padding);
    return pad;
}

void fsr_ref_conv(float *out, const float *in, const FsrConvLayer *l, int padding, int w, int h)
{
    float *pad = padded_input(in, l->in_ch, w, h, l->kw / 2, l->kh / 2, padding);
    if (!pad)
        abort(); /* tests only */
    for (int co = 0; co < l->out_ch; co++)
        conv_channel(out + (size_t)co * w * h, pad, l, co, w, h);
    free(pad);
    fsr_ref_act(out, l->act, l->slope, l->out_ch, (size_t)w * h);
}

void fsr_ref_deconv(float *out, ptrdiff_t out_stride, const float *in, const FsrConvLayer *l, int s, int padding,
                    int w, int h)
{
    const int py = l->kh / 2, px = l->kw / 2;
    for (int Y = 0; Y < s * h; Y++)
        for (int X = 0; X < s * w; X++) {
            float acc = l->bias[0];
            for (int ky = 0; ky < l->kh; ky++) {
                /* Y = s*y + ky - py: only taps of the right phase */
                const int ty = Y + py - ky;
                if (((ty % s) + s) % s)
                    continue;
                const int y = pad_index(ty >= 0 ? ty / s : -((-ty + s - 1) / s), h, padding);
                for (int kx = 0; kx < l->kw; kx++) {
                    const int tx = X + px - kx;
                    if (((tx % s) + s) % s)
                        continue;
                    const int x = pad_index(tx >= 0 ? tx / s : -((-tx + s - 1) / s), w, padding);
                    if (y < 0 || x < 0)
                        continue;
                    for (int ci = 0; ci < l->in_ch; ci++)
                        acc += l->weight[((size_t)ci * l->kh + ky) * l->kw + kx] * in[((size_t)ci * h + y) * w + x];
                }
            }
            out[(ptrdiff_t)Y * out_stride + X] = acc;
        }
}

void fsr_ref_shuffle(float *out, ptrdiff_t out_stride, const float *in, int s, int w, int h)
{
    for (int i = 0; i < s; i++)
        for (int j = 0; j < s; j++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    out[(ptrdiff_t)(s * y + i) * out_stride + s * x + j] = in[((size_t)(i * s + j) * h + y) * w + x];
}

int fsr_net_forward_ref(const FsrModel *m, float *dst, ptrdiff_t dst_stride, const float *src, ptrdiff_t stride,
                        int w, int h, int threads)
{
    int ret = fsr_model_validate(m, "reference network");
    if (ret < 0)
        return ret;
    if (w < 1 || h < 1 || !dst || !src)
        return fsr_error(FSR_ERR(EINVAL), "reference network: bad arguments");
    const size_t n = (size_t)w * h;
    int maxc = 1;
    for (int l = 0; l < m->n_layers; l++)
        maxc = m->layers[l].out_ch > maxc ? m->layers[l].out_ch : maxc;
    float *a = malloc(sizeof(float) * n * maxc), *b = malloc(sizeof(float) * n * maxc);
    if (!a || !b) {
        free(a);
        free(b);
        return fsr_error(FSR_ERR(ENOMEM), "reference network: out of memory");
    }
    for (int y = 0; y < h; y++)
        memcpy(a + (size_t)y * w, src + (ptrdiff_t)y * stride, sizeof(float) * w);
    const int deconv = m->upsample == FSR_UP_DECONV;
    const int n_conv = deconv ? m->n_layers - 1 : m->n_layers;
    for (int l = 0; l < n_conv; l++) {
        const FsrConvLayer *L = &m->layers[l];
        float *pad = padded_input(a, L->in_ch, w, h, L->kw / 2, L->kh / 2, m->padding);
        if (!pad) {
            ret = fsr_error(FSR_ERR(ENOMEM), "reference network: out of memory");
            break;
        }
#pragma omp parallel for schedule(static) num_threads(threads > 0 ? threads : omp_get_max_threads())
        for (int co = 0; co < L->out_ch; co++)
            conv_channel(b + n * co, pad, L, co, w, h);
        free(pad);
        fsr_ref_act(b, fsr_model_layer_act(m, l), L->slope, L->out_ch, n);
        float *t = a;
        a = b;
        b = t;
    }
    if (ret >= 0) {
        if (deconv)
            fsr_ref_deconv(dst, dst_stride, a, &m->layers[m->n_layers - 1], m->scale, m->padding, w, h);
        else if (m->upsample == FSR_UP_SHUFFLE)
            fsr_ref_shuffle(dst, dst_stride, a, m->scale, w, h);
        else
            for (int y = 0; y < h; y++)
                memcpy(dst + (ptrdiff_t)y * dst_stride, a + (size_t)y * w, sizeof(float) * w);
    }
    free(a);
    free(b);
    return ret;
}
