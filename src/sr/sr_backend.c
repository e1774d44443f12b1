/* SR behind one interface (fastsr/sr.h): opening a backend, and the calls
 * that choose between them.  The float engine is sr.c, the fixed-point
 * datapath fixed.c; bicubic needs nothing of its own. */
#include "sr_internal.h"

#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "fastsr/bicubic.h"
#include "cpu.h"
#include "fixed.h"
#include "intops.h"
#include "log.h"
#include "model_internal.h"

/* Largest region the zero sampling runs the fixed-point datapath on beside
 * another backend (fsr_sr_picture). */
#define SAMPLE_W 480
#define SAMPLE_H 272

void fsr_sr_defaults(FsrSRSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->backend = FSR_SR_FLOAT;
    s->word_bits = 16;
    s->acc_bits = 32;
    s->rounding = FSR_ROUND_NEAREST;
}

static const char *const precision_names[] = { "fp32", "int16", "int8" };

int fsr_sr_set_precision(FsrSRSettings *s, int precision)
{
    if (!s || precision < FSR_PRECISION_FP32 || precision > FSR_PRECISION_INT8)
        return fsr_error(FSR_ERR(EINVAL), "sr: unknown precision %d", precision);
    s->backend = precision == FSR_PRECISION_FP32 ? FSR_SR_FLOAT : FSR_SR_FIXED;
    s->word_bits = precision == FSR_PRECISION_INT8 ? 8 : 16;
    s->acc_bits = 32;
    s->rounding = FSR_ROUND_NEAREST;
    s->channel_scales = precision != FSR_PRECISION_FP32;
    return 0;
}

int fsr_sr_precision_parse(const char *name)
{
    for (int i = 0; name && i < (int)(sizeof(precision_names) / sizeof(precision_names[0])); i++)
        if (!strcmp(name, precision_names[i]))
            return i;
    return -1;
}

const char *fsr_sr_precision_name(int precision)
{
    return precision >= 0 && precision < (int)(sizeof(precision_names) / sizeof(precision_names[0]))
               ? precision_names[precision]
               : "unknown";
}

/* FSR_SR_FIXED and FSR_SR_BICUBIC: no tile buffers (the fixed-point
 * backend works on whole planes, bicubic has nothing to run). */
static int open_other(FsrSR **psr, const FsrModel *m, const FsrSRSettings *s)
{
    const int scale = m ? m->scale : s->scale;
    if (s->backend == FSR_SR_FIXED && !m)
        return fsr_error(FSR_ERR(EINVAL), "sr: the fixed-point backend needs a model");
    if (!fsr_scale_supported(scale))
        return fsr_error(FSR_ERR(EINVAL), "sr: scale %d is not 2, 3 or 4", scale);
    if (s->threads < 0 || s->threads > 1024)
        return fsr_error(FSR_ERR(EINVAL), "sr: %d threads", s->threads);
    int ret = m ? fsr_model_validate(m, "sr: model") : 0;
    if (ret < 0)
        return ret;
    FsrSR *sr = calloc(1, sizeof(*sr));
    if (!sr)
        return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory");
    sr->backend = s->backend;
    sr->scale = scale;
    sr->threads = s->threads ? s->threads : omp_get_max_threads();
    if (s->backend == FSR_SR_FIXED) {
        sr_set_margin(sr, m);
        if (!(sr->fixed = calloc(1, sizeof(*sr->fixed)))) {
            free(sr);
            return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory");
        }
        if ((ret = fixed_model_build(sr->fixed, m, s)) < 0) {
            free(sr->fixed);
            free(sr);
            return ret;
        }
        fixed_dsp_init(&sr->fixed_dsp, fsr_cpu_flags());
    }
    *psr = sr;
    return 0;
}

int fsr_sr_open(FsrSR **psr, const FsrModel *model, const FsrSRSettings *settings)
{
    if (!psr)
        return fsr_error(FSR_ERR(EINVAL), "sr: NULL handle");
    *psr = NULL;
    FsrSRSettings def;
    if (!settings) {
        fsr_sr_defaults(&def);
        settings = &def;
    }
    switch (settings->backend) {
    case FSR_SR_FLOAT:
        return fsr_sr_open_flags(psr, model, settings->threads, fsr_cpu_flags());
    case FSR_SR_FIXED:
    case FSR_SR_BICUBIC:
        return open_other(psr, model, settings);
    }
    return fsr_error(FSR_ERR(EINVAL), "sr: unknown backend %d", settings->backend);
}

int fsr_sr_scale(const FsrSR *sr)
{
    return sr ? sr->scale : FSR_ERR(EINVAL);
}

int fsr_sr_lr_input(const FsrSR *sr)
{
    return sr ? sr->lr_input : FSR_ERR(EINVAL);
}

int fsr_sr_threads(const FsrSR *sr)
{
    return sr ? sr->threads : FSR_ERR(EINVAL);
}

int fsr_sr_margin(const FsrSR *sr, int *mx, int *my)
{
    if (!sr)
        return fsr_error(FSR_ERR(EINVAL), "sr: NULL handle");
    if (mx)
        *mx = sr->margin_x;
    if (my)
        *my = sr->margin_y;
    return 0;
}

/* The fixed-point backend runs whole planes: a rectangle is run on itself
 * plus the network's context (clamped to the plane, where the padding rule
 * applies as for the whole plane), which makes its pixels those of the
 * whole-plane result: a wrong value at the cut spreads inwards by one
 * kernel radius per layer, the margin in all. */
static int fixed_rect(FsrSR *sr, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t stride,
                      int w, int h, int x, int y, int rw, int rh)
{
    const int x0 = x - sr->margin_x > 0 ? x - sr->margin_x : 0;
    const int y0 = y - sr->margin_y > 0 ? y - sr->margin_y : 0;
    const int x1 = x + rw + sr->margin_x < w ? x + rw + sr->margin_x : w;
    const int y1 = y + rh + sr->margin_y < h ? y + rh + sr->margin_y : h;
    const int cw = x1 - x0, ch = y1 - y0;
    if (cw == rw && ch == rh)
        return fixed_sr_luma(&sr->fixed_dsp, dst, dst_stride, src + (ptrdiff_t)y0 * stride + x0, stride, cw, ch,
                             sr->fixed, NULL);
    uint8_t *tmp = malloc((size_t)cw * ch);
    if (!tmp)
        return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory");
    int ret = fixed_sr_luma(&sr->fixed_dsp, tmp, cw, src + (ptrdiff_t)y0 * stride + x0, stride, cw, ch, sr->fixed,
                            NULL);
    for (int r = 0; ret >= 0 && r < rh; r++)
        memcpy(dst + r * dst_stride, tmp + (size_t)(y - y0 + r) * cw + (x - x0), (size_t)rw);
    free(tmp);
    return ret < 0 ? ret : 0;
}

int fsr_sr_luma_rect(FsrSR *sr, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *bicubic_y,
                     ptrdiff_t stride, int w, int h, int x, int y, int rw, int rh)
{
    int ret = sr_check_rect(sr, dst, bicubic_y, dst_stride, stride, w, h, x, y, rw, rh);
    if (ret < 0)
        return ret;
    if (sr->backend == FSR_SR_FIXED)
        return fixed_rect(sr, dst, dst_stride, bicubic_y, stride, w, h, x, y, rw, rh);
    if (sr->backend == FSR_SR_BICUBIC) {
        for (int r = 0; r < rh; r++)
            memcpy(dst + r * dst_stride, bicubic_y + (ptrdiff_t)(y + r) * stride + x, (size_t)rw);
        return 0;
    }
    return sr_engine_luma_rect(sr, dst, dst_stride, bicubic_y, stride, w, h, x, y, rw, rh);
}

int fsr_sr_luma(FsrSR *sr, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *bicubic_y,
                ptrdiff_t stride, int w, int h)
{
    const int f = sr && sr->lr_input ? sr->scale : 1;
    return fsr_sr_luma_rect(sr, dst, dst_stride, bicubic_y, stride, w, h, 0, 0, w * f, h * f);
}

int fsr_sr_luma_rect16(FsrSR *sr, uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src, ptrdiff_t stride, int w,
                       int h, int x, int y, int rw, int rh, int depth)
{
    if (depth <= 8 || depth > 16)
        return fsr_error(FSR_ERR(EINVAL), "sr: %d bits is not a high-depth plane (9..16)", depth);
    int ret = sr_check_rect(sr, dst, src, dst_stride / 2, stride / 2, w, h, x, y, rw, rh);
    if (ret < 0)
        return ret;
    if (sr->backend == FSR_SR_FIXED)
        return fsr_error(FSR_ERR_UNSUPPORTED, "sr: the fixed-point backend reads 8-bit pictures, not %d-bit ones",
                         depth);
    if (sr->backend == FSR_SR_BICUBIC) {
        for (int r = 0; r < rh; r++)
            memcpy((uint8_t *)dst + r * dst_stride, (const uint8_t *)src + (ptrdiff_t)(y + r) * stride + 2 * x,
                   (size_t)rw * 2);
        return 0;
    }
    return sr_engine_luma_rect16(sr, dst, dst_stride, src, stride, w, h, x, y, rw, rh, depth);
}

int fsr_sr_luma16(FsrSR *sr, uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src, ptrdiff_t stride, int w, int h,
                  int depth)
{
    const int f = sr && sr->lr_input ? sr->scale : 1;
    return fsr_sr_luma_rect16(sr, dst, dst_stride, src, stride, w, h, 0, 0, w * f, h * f, depth);
}

/* The float engine on an unrounded plane (iw x ih, packed), w x h out,
 * rounded as MATLAB's uint8() does. */
static int float_unit(FsrSR *sr, uint8_t *dst, int w, int h, const double *src, int iw, int ih)
{
    const size_t n = (size_t)w * h, ni = (size_t)iw * ih;
    float *in = malloc(ni * sizeof(float)), *res = malloc(n * sizeof(float));
    int ret = FSR_ERR(ENOMEM);
    if (in && res) {
        for (size_t i = 0; i < ni; i++)
            in[i] = (float)src[i];
        ret = fsr_sr_run_float(sr, res, w, in, iw, iw, ih, 0, 0, w, h);
        for (size_t i = 0; ret >= 0 && i < n; i++)
            dst[i] = matlab_u8(res[i] * 255.0);
    } else {
        fsr_error(ret, "sr: out of memory");
    }
    free(in);
    free(res);
    return ret;
}

int fsr_sr_luma_unit(FsrSR *sr, uint8_t *dst, const double *src, int w, int h, const double *lr, int lw, int lh)
{
    if (!sr || !dst || !src || !lr || w < 1 || h < 1 || w > SR_MAX_DIM || h > SR_MAX_DIM)
        return fsr_error(FSR_ERR(EINVAL), "sr: bad plane arguments");
    if (sr->lr_input) /* an LR-input network reads the LR luma, unrounded as well */
        return float_unit(sr, dst, w, h, lr, lw, lh);
    if (sr->backend == FSR_SR_FLOAT)
        return float_unit(sr, dst, w, h, src, w, h);
    const size_t n = (size_t)w * h;
    uint8_t *in = malloc(n);
    if (!in)
        return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory");
    for (size_t i = 0; i < n; i++)
        in[i] = matlab_u8(src[i] * 255.0);
    int ret = fsr_sr_luma(sr, dst, w, in, w, w, h);
    free(in);
    return ret;
}

/* Keeps need bytes in sr->tmp. */
static int grow_tmp(FsrSR *sr, size_t need)
{
    if (need > sr->tmp_size) {
        uint8_t *p = realloc(sr->tmp, need);
        if (!p)
            return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory");
        sr->tmp = p;
        sr->tmp_size = need;
    }
    return 0;
}

/* fsr_sr_picture's luma at high depth (hr holds the bicubic picture).
 * Activation zeros are not sampled: the fixed-point datapath they model
 * reads 8-bit pictures (the accelerator report keeps its earlier samples). */
static int sr_picture16(FsrSR *sr, FsrPicture *hr, const FsrPicture *lr)
{
    const int depth = fsr_picture_depth(lr);
    if (sr->lr_input)
        return fsr_sr_luma16(sr, (uint16_t *)hr->data[0], hr->stride[0], (const uint16_t *)lr->data[0],
                             lr->stride[0], lr->w, lr->h, depth);
    const size_t row = (size_t)hr->w * 2;
    int ret = grow_tmp(sr, row * hr->h);
    if (ret < 0)
        return ret;
    for (int y = 0; y < hr->h; y++)
        memcpy(sr->tmp + y * row, hr->data[0] + y * hr->stride[0], row);
    return fsr_sr_luma16(sr, (uint16_t *)hr->data[0], hr->stride[0], (const uint16_t *)sr->tmp, (ptrdiff_t)row,
                         hr->w, hr->h, depth);
}

int fsr_sr_picture(FsrSR *sr, FsrPicture *hr, const FsrPicture *lr)
{
    if (!sr || !hr || !lr || !hr->data[0] || !lr->data[0])
        return fsr_error(FSR_ERR(EINVAL), "sr: NULL picture");
    if (hr->w != lr->w * sr->scale || hr->h != lr->h * sr->scale)
        return fsr_error(FSR_ERR(EINVAL), "sr: output is %dx%d, expected %dx%d for a x%d model",
                         hr->w, hr->h, lr->w * sr->scale, lr->h * sr->scale, sr->scale);
    if (fsr_picture_depth(hr) != fsr_picture_depth(lr))
        return fsr_error(FSR_ERR(EINVAL), "sr: output is %d-bit, input %d-bit", fsr_picture_depth(hr),
                         fsr_picture_depth(lr));
    int ret = fsr_bicubic_picture(hr, lr, sr->scale);
    if (ret < 0 || sr->backend == FSR_SR_BICUBIC)
        return ret;
    if (fsr_picture_high(lr))
        return sr_picture16(sr, hr, lr);
    if (sr->lr_input) /* chroma stays bicubic; the luma comes from the LR luma */
        return fsr_sr_luma(sr, hr->data[0], hr->stride[0], lr->data[0], lr->stride[0], lr->w, lr->h);
    /* The network reads a neighbourhood of every pixel, so it cannot write
     * over its own input: keep the bicubic luma aside. */
    if ((ret = grow_tmp(sr, (size_t)hr->w * hr->h)) < 0)
        return ret;
    for (int y = 0; y < hr->h; y++)
        memcpy(sr->tmp + (size_t)y * hr->w, hr->data[0] + y * hr->stride[0], (size_t)hr->w);
    if (sr->zq && sr->zcalls++ % sr->zevery == 0) {
        /* A sampled picture: the datapath's activations, zeros counted.  The
         * fixed-point backend's own run gives the picture itself; beside
         * another backend, a second run on the whole HR frame would hold
         * every layer's activations of it (hundreds of MB at 1080p) and
         * cost a slow frame, so it runs on a centred crop of at most
         * SAMPLE_W x SAMPLE_H: the zero share is a statistic of the content,
         * and a crop of it estimates it. */
        const int own = sr->zq == sr->fixed;
        const int cw = own || hr->w < SAMPLE_W ? hr->w : SAMPLE_W, ch = own || hr->h < SAMPLE_H ? hr->h : SAMPLE_H;
        const uint8_t *crop = sr->tmp + (size_t)((hr->h - ch) / 2) * hr->w + (hr->w - cw) / 2;
        uint8_t *out = own ? NULL : malloc((size_t)cw * ch);
        int64_t z[SR_MAX_LAYERS];
        if (!own && !out)
            return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory");
        ret = own ? fixed_sr_luma(&sr->fixed_dsp, hr->data[0], hr->stride[0], crop, hr->w, cw, ch, sr->zq, z)
                  : fixed_sr_luma(&sr->fixed_dsp, out, cw, crop, hr->w, cw, ch, sr->zq, z);
        free(out);
        if (ret < 0)
            return ret;
        for (int i = 0; i < sr->zlayers; i++) {
            sr->zeros[i] += z[i];
            sr->zvalues[i] += (int64_t)cw * ch * sr->zq->layers[i].in_ch;
        }
        sr->zframes++;
        if (own)
            return 0;
    }
    return fsr_sr_luma(sr, hr->data[0], hr->stride[0], sr->tmp, hr->w, hr->w, hr->h);
}

int fsr_sr_sample_zeros(FsrSR *sr, const FsrModel *model, const FsrSRSettings *datapath, int every)
{
    if (!sr || !model || !datapath || every < 1)
        return fsr_error(FSR_ERR(EINVAL), "sr: zero sampling needs a model, a datapath and every >= 1");
    if (sr->backend == FSR_SR_BICUBIC)
        return fsr_error(FSR_ERR(EINVAL), "sr: bicubic has no activations to sample");
    if (!sr->zq) {
        if (sr->backend == FSR_SR_FIXED) {
            sr->zq = sr->fixed;
        } else {
            if (!(sr->zq = calloc(1, sizeof(*sr->zq))))
                return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory");
            int ret = fixed_model_build(sr->zq, model, datapath);
            if (ret < 0) {
                free(sr->zq);
                sr->zq = NULL;
                return ret;
            }
            fixed_dsp_init(&sr->fixed_dsp, fsr_cpu_flags());
        }
    }
    sr->zlayers = sr->zq->n_layers < SR_MAX_LAYERS ? sr->zq->n_layers : SR_MAX_LAYERS;
    sr->zevery = every;
    return 0;
}

int fsr_sr_zero_counts(const FsrSR *sr, int64_t *zeros, int64_t *values, int n)
{
    if (!sr || !sr->zq)
        return 0;
    for (int i = 0; i < n && i < sr->zlayers; i++) {
        zeros[i] = sr->zeros[i];
        values[i] = sr->zvalues[i];
    }
    return sr->zframes;
}
