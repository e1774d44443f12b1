/* The SR evaluation protocol: MATLAB's imresize, rgb2ycbcr, PSNR and SSIM
 * as the published tables computed them.  All in double: this is a
 * measuring instrument, speed does not matter, agreement with MATLAB does. */
#include "fastsr/eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/bicubic.h"
#include "bicubic_internal.h"
#include "intops.h"
#include "log.h"
#include "sr_internal.h"

#define MAX_DIM 16384

uint8_t fsr_matlab_u8(double v)
{
    return matlab_u8(v);
}

double fsr_rgb_to_y(int r, int g, int b)
{
    return 16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0;
}

/* Weights of MATLAB's imresize along one axis: out[u] = sum_j w[u][j] *
 * in[idx[u][j]], j < taps. */
typedef struct Contrib {
    int taps;
    int *idx;
    double *w;
} Contrib;

static int contributions(Contrib *c, int in_len, int out_len)
{
    const double scale = (double)out_len / in_len;
    const int aa = scale < 1.0;
    const double width = aa ? 4.0 / scale : 4.0;
    c->taps = (int)ceil(width) + 2;
    c->idx = malloc(sizeof(int) * (size_t)out_len * c->taps);
    c->w = malloc(sizeof(double) * (size_t)out_len * c->taps);
    if (!c->idx || !c->w) {
        free(c->idx);
        free(c->w);
        return fsr_error(FSR_ERR(ENOMEM), "imresize: out of memory");
    }
    for (int u = 0; u < out_len; u++) {
        /* MATLAB, 1-based: x = u/scale + 0.5*(1 - 1/scale),
         * left = floor(x - width/2), taps left .. left+P-1. */
        const double x = (u + 1) / scale + 0.5 * (1.0 - 1.0 / scale);
        const double left = floor(x - width / 2.0);
        double sum = 0;
        int *idx = c->idx + (size_t)u * c->taps;
        double *w = c->w + (size_t)u * c->taps;
        for (int j = 0; j < c->taps; j++) {
            const double pos = left + j, d = x - pos;
            w[j] = aa ? scale * fsr_cubic_kernel(scale * d) : fsr_cubic_kernel(d);
            sum += w[j];
            idx[j] = fsr_mirror((int)pos - 1, in_len); /* symmetric padding */
        }
        for (int j = 0; j < c->taps; j++)
            w[j] /= sum;
    }
    return 0;
}

static void free_contrib(Contrib *c)
{
    free(c->idx);
    free(c->w);
}

int fsr_imresize(double *dst, int dw, int dh, const double *src, int sw, int sh)
{
    if (!dst || !src)
        return fsr_error(FSR_ERR(EINVAL), "imresize: NULL plane");
    if (sw <= 0 || sh <= 0 || dw <= 0 || dh <= 0 || sw > MAX_DIM || sh > MAX_DIM || dw > MAX_DIM || dh > MAX_DIM)
        return fsr_error(FSR_ERR(EINVAL), "imresize: sizes %dx%d -> %dx%d out of range", sw, sh, dw, dh);
    Contrib cy, cx;
    int ret = contributions(&cy, sh, dh);
    if (ret < 0)
        return ret;
    if ((ret = contributions(&cx, sw, dw)) < 0) {
        free_contrib(&cy);
        return ret;
    }
    double *tmp = malloc(sizeof(double) * (size_t)sw * dh);
    if (!tmp) {
        free_contrib(&cy);
        free_contrib(&cx);
        return fsr_error(FSR_ERR(ENOMEM), "imresize: out of memory");
    }
    /* Rows (the vertical axis, MATLAB's dimension 1) first. */
    for (int v = 0; v < dh; v++) {
        const int *idx = cy.idx + (size_t)v * cy.taps;
        const double *w = cy.w + (size_t)v * cy.taps;
        for (int x = 0; x < sw; x++) {
            double acc = 0;
            for (int j = 0; j < cy.taps; j++)
                acc += w[j] * src[(size_t)idx[j] * sw + x];
            tmp[(size_t)v * sw + x] = acc;
        }
    }
    for (int v = 0; v < dh; v++)
        for (int u = 0; u < dw; u++) {
            const int *idx = cx.idx + (size_t)u * cx.taps;
            const double *w = cx.w + (size_t)u * cx.taps;
            double acc = 0;
            for (int j = 0; j < cx.taps; j++)
                acc += w[j] * tmp[(size_t)v * sw + idx[j]];
            dst[(size_t)v * dw + u] = acc;
        }
    free(tmp);
    free_contrib(&cy);
    free_contrib(&cx);
    return 0;
}

double fsr_psnr_u8(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h, int shave)
{
    if (!a || !b || w - 2 * shave <= 0 || h - 2 * shave <= 0)
        return NAN;
    double se = 0;
    for (int y = shave; y < h - shave; y++)
        for (int x = shave; x < w - shave; x++) {
            const double d = (double)a[y * as + x] - b[y * bs + x];
            se += d * d;
        }
    const double mse = se / ((double)(w - 2 * shave) * (h - 2 * shave));
    return mse > 0 ? 10.0 * log10(255.0 * 255.0 / mse) : INFINITY;
}

double fsr_ssim_u8(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h, int shave)
{
    enum { WIN = 11 };
    const int cw = w - 2 * shave, ch = h - 2 * shave;
    if (!a || !b || cw < WIN || ch < WIN)
        return NAN;
    /* fspecial('gaussian', 11, 1.5), normalised. */
    double g[WIN][WIN], gs = 0;
    for (int i = 0; i < WIN; i++)
        for (int j = 0; j < WIN; j++)
            gs += g[i][j] = exp(-((i - 5) * (i - 5) + (j - 5) * (j - 5)) / (2 * 1.5 * 1.5));
    for (int i = 0; i < WIN; i++)
        for (int j = 0; j < WIN; j++)
            g[i][j] /= gs;
    const double c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255);
    double sum = 0;
    for (int y = 0; y + WIN <= ch; y++)
        for (int x = 0; x + WIN <= cw; x++) {
            double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
            for (int i = 0; i < WIN; i++) {
                const uint8_t *pa = a + (ptrdiff_t)(shave + y + i) * as + shave + x;
                const uint8_t *pb = b + (ptrdiff_t)(shave + y + i) * bs + shave + x;
                for (int j = 0; j < WIN; j++) {
                    const double va = pa[j], vb = pb[j], wt = g[i][j];
                    ma += wt * va;
                    mb += wt * vb;
                    saa += wt * va * va;
                    sbb += wt * vb * vb;
                    sab += wt * va * vb;
                }
            }
            const double va = saa - ma * ma, vb = sbb - mb * mb, cov = sab - ma * mb;
            sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
        }
    return sum / ((double)(cw - WIN + 1) * (ch - WIN + 1));
}

/* Upscales a [0,1] double plane with the chosen bicubic. */
static int upscale(double *dst, const double *lr, int lw, int lh, int scale, int upscaler)
{
    if (upscaler == FSR_EVAL_UP_IMRESIZE)
        return fsr_imresize(dst, lw * scale, lh * scale, lr, lw, lh);
    const int w = lw * scale, h = lh * scale;
    uint8_t *l8 = malloc((size_t)lw * lh), *h8 = malloc((size_t)w * h);
    int ret = 0;
    if (!l8 || !h8) {
        ret = fsr_error(FSR_ERR(ENOMEM), "eval: out of memory");
    } else {
        for (size_t i = 0; i < (size_t)lw * lh; i++)
            l8[i] = fsr_matlab_u8(lr[i] * 255.0);
        if ((ret = fsr_bicubic_plane(h8, w, l8, lw, lw, lh, scale)) >= 0)
            for (size_t i = 0; i < (size_t)w * h; i++)
                dst[i] = h8[i] / 255.0;
    }
    free(l8);
    free(h8);
    return ret;
}

int fsr_eval_rgb(FsrEvalResult *res, const uint8_t *rgb, ptrdiff_t stride, int w, int h,
                 const FsrEvalOptions *opt)
{
    if (!res || !rgb || !opt)
        return fsr_error(FSR_ERR(EINVAL), "eval: NULL argument");
    const int s = opt->scale;
    if (!fsr_scale_supported(s))
        return fsr_error(FSR_ERR(EINVAL), "eval: scale %d not supported (2..4)", s);
    if (opt->protocol != FSR_EVAL_Y_FIRST && opt->protocol != FSR_EVAL_RGB)
        return fsr_error(FSR_ERR(EINVAL), "eval: unknown protocol %d", opt->protocol);
    if (opt->upscaler != FSR_EVAL_UP_IMRESIZE && opt->upscaler != FSR_EVAL_UP_KERNEL)
        return fsr_error(FSR_ERR(EINVAL), "eval: unknown upscaler %d", opt->upscaler);
    if (opt->sr && fsr_sr_scale(opt->sr) != s)
        return fsr_error(FSR_ERR(EINVAL), "eval: the model is for x%d, evaluating x%d", fsr_sr_scale(opt->sr), s);
    /* modcrop: HR cropped to a multiple of the scale. */
    const int cw = w - w % s, chh = h - h % s, lw = cw / s, lh = chh / s;
    if (lw < 1 || lh < 1 || w > MAX_DIM || h > MAX_DIM || stride < 3 * (ptrdiff_t)w)
        return fsr_error(FSR_ERR(EINVAL), "eval: image %dx%d unusable at x%d", w, h, s);
    const size_t n = (size_t)cw * chh, nl = (size_t)lw * lh;
    uint8_t *gt = malloc(n), *out = malloc(n);
    double *hr = malloc(n * sizeof(double)), *lr = malloc(nl * sizeof(double)), *bic = malloc(n * sizeof(double));
    uint8_t *up = opt->protocol == FSR_EVAL_RGB ? malloc(3 * n) : NULL;
    uint8_t *lrgb = opt->protocol == FSR_EVAL_RGB ? malloc(3 * nl) : NULL;
    /* without an SR backend the result is the bicubic step */
    FsrSR *own = NULL, *sr = opt->sr;
    int ret = sr ? 0 : fsr_sr_open(&own, NULL, &(FsrSRSettings){ .backend = FSR_SR_BICUBIC, .threads = 1, .scale = s });
    if (ret < 0)
        goto end;
    sr = sr ? sr : own;
    if (!gt || !out || !hr || !lr || !bic || (opt->protocol == FSR_EVAL_RGB && (!up || !lrgb))) {
        ret = fsr_error(FSR_ERR(ENOMEM), "eval: out of memory");
        goto end;
    }
    for (int y = 0; y < chh; y++)
        for (int x = 0; x < cw; x++) {
            const uint8_t *p = rgb + y * stride + 3 * x;
            gt[(size_t)y * cw + x] = fsr_matlab_u8(fsr_rgb_to_y(p[0], p[1], p[2]));
        }
    if (opt->protocol == FSR_EVAL_Y_FIRST) {
        for (size_t i = 0; i < n; i++)
            hr[i] = gt[i] / 255.0;
        if ((ret = fsr_imresize(lr, lw, lh, hr, cw, chh)) < 0 || (ret = upscale(bic, lr, lw, lh, s, opt->upscaler)) < 0)
            goto end;
    } else {
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < chh; y++)
                for (int x = 0; x < cw; x++)
                    hr[(size_t)y * cw + x] = rgb[y * stride + 3 * x + c] / 255.0;
            if ((ret = fsr_imresize(lr, lw, lh, hr, cw, chh)) < 0)
                goto end;
            for (size_t i = 0; i < nl; i++) { /* imresize on uint8 returns uint8 */
                lr[i] = fsr_matlab_u8(lr[i] * 255.0) / 255.0;
                lrgb[3 * i + c] = (uint8_t)(lr[i] * 255.0 + 0.5); /* kept for an LR-input network's Y */
            }
            if ((ret = upscale(bic, lr, lw, lh, s, opt->upscaler)) < 0)
                goto end;
            for (size_t i = 0; i < n; i++)
                up[3 * i + c] = fsr_matlab_u8(bic[i] * 255.0);
        }
        for (size_t i = 0; i < n; i++)
            bic[i] = fsr_matlab_u8(fsr_rgb_to_y(up[3 * i], up[3 * i + 1], up[3 * i + 2])) / 255.0;
        for (size_t i = 0; i < nl; i++)
            lr[i] = fsr_matlab_u8(fsr_rgb_to_y(lrgb[3 * i], lrgb[3 * i + 1], lrgb[3 * i + 2])) / 255.0;
    }
    if (opt->round_input)
        for (size_t i = 0; i < n; i++)
            bic[i] = fsr_matlab_u8(bic[i] * 255.0) / 255.0;
    if ((ret = fsr_sr_luma_unit(sr, out, bic, cw, chh, lr, lw, lh)) < 0)
        goto end;
    res->psnr_y = fsr_psnr_u8(gt, cw, out, cw, cw, chh, s);
    res->ssim_y = fsr_ssim_u8(gt, cw, out, cw, cw, chh, s);
    res->w = cw;
    res->h = chh;
end:
    fsr_sr_close(&own);
    free(gt);
    free(out);
    free(hr);
    free(lr);
    free(bic);
    free(up);
    free(lrgb);
    return ret;
}
