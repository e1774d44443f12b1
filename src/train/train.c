/* SR model training: per-patch forward and backward passes in plain C
 * (compiled for AVX2 and a baseline through target_clones), OpenMP across
 * the patches of a batch with per-thread gradient buffers reduced in thread
 * order, so a run depends only on its seed and thread count. */
#include "fastsr/train.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "model_internal.h"
#include "train_internal.h"
#include "train_kernels.h"


void fsr_trainer_defaults(FsrTrainSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->batch = 16;
    s->lr = 1e-4f;
    s->lr_last = 1e-5f;
    s->beta1 = 0.9f;
    s->beta2 = 0.999f;
    s->eps = 1e-8f;
    s->padding = FSR_TRAIN_VALID;
    s->threads = 0;
}

/* Parameters of a layer: weights, bias, PReLU slopes (in that order in
 * gradients, Adam moments and checkpoints). */
static int64_t layer_params(const FsrConvLayer *L)
{
    return (int64_t)L->out_ch * L->in_ch * L->kh * L->kw + L->out_ch + (L->act == FSR_ACT_PRELU ? L->out_ch : 0);
}

int64_t fsr_model_param_count(const FsrModel *m)
{
    int64_t n = 0;
    for (int l = 0; l < m->n_layers; l++)
        n += layer_params(&m->layers[l]);
    return n;
}

static int is_deconv(const FsrModel *m, int l)
{
    return m->upsample == FSR_UP_DECONV && l == m->n_layers - 1;
}

/* Valid output range [*y0, *y1] of a transposed convolution (kernel k,
 * stride s, padding k/2) over f input rows: the HR rows Y = s*y + ky - k/2
 * (relative to s * the first input row) that every tap of their phase
 * reaches with 0 <= y < f.  Empty (y1 < y0) when f is too small. */
static void deconv_valid(int k, int s, int f, int *y0, int *y1)
{
    const int p = k / 2;
    *y0 = 1;
    *y1 = 0;
    int first = 1;
    for (int Y = -p; Y < s * f + k; Y++) {
        int ok = 1;
        for (int ky = 0; ky < k && ok; ky++) {
            const int t = Y + p - ky;
            if (((t % s) + s) % s)
                continue;
            ok = t >= 0 && t / s < f;
        }
        if (ok) {
            if (first)
                *y0 = Y, first = 0;
            *y1 = Y;
        }
    }
}

/* Side of the valid feature map before the upsampling (LR models), or of
 * the output (bicubic-input models); *border gets the pixels the layers
 * shaved on each side. */
static int conv_out_size(const FsrModel *m, int padding, int in_size, int *border)
{
    int s = in_size, b = 0;
    for (int l = 0; l < m->n_layers; l++) {
        if (is_deconv(m, l) || padding != FSR_TRAIN_VALID)
            continue;
        s -= m->layers[l].kh - 1;
        b += m->layers[l].kh / 2;
    }
    if (border)
        *border = b;
    return s;
}

int fsr_train_out_size(const FsrModel *m, int padding, int in_size)
{
    const int f = conv_out_size(m, padding, in_size, NULL);
    if (m->input != FSR_INPUT_LR_Y || f < 1)
        return f;
    if (m->upsample == FSR_UP_SHUFFLE)
        return m->scale * f;
    int y0, y1;
    deconv_valid(m->layers[m->n_layers - 1].kh, m->scale, f, &y0, &y1);
    return y1 - y0 + 1;
}

int fsr_train_out_offset(const FsrModel *m, int padding, int in_size)
{
    int b;
    const int f = conv_out_size(m, padding, in_size, &b);
    if (m->input != FSR_INPUT_LR_Y)
        return b;
    if (m->upsample == FSR_UP_SHUFFLE)
        return m->scale * b;
    int y0, y1;
    deconv_valid(m->layers[m->n_layers - 1].kh, m->scale, f, &y0, &y1);
    return m->scale * b + y0;
}

/* ---- random numbers (splitmix64 + Box-Muller), identical everywhere ---- */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double uniform01(uint64_t *s)
{
    return ((splitmix64(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static double gaussian(uint64_t *s)
{
    const double u = uniform01(s), v = uniform01(s);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

void fsr_train_init_weights(FsrModel *m, uint64_t seed)
{
    uint64_t s = seed;
    for (int l = 0; l < m->n_layers; l++) {
        FsrConvLayer *L = &m->layers[l];
        const int fan_in = L->in_ch * L->kh * L->kw;
        /* He init for ReLU layers (PReLU: gain for its 0.25 slope); the
         * last (linear) layer starts small so the network starts near the
         * identity of its bicubic input, or, for an LR-input model, near a
         * flat grey it quickly leaves. */
        const double gain = L->act == FSR_ACT_PRELU ? 2.0 / (1.0 + 0.25 * 0.25) : 2.0;
        const double std = l == m->n_layers - 1 ? 1e-3 : sqrt(gain / fan_in);
        const size_t nw = (size_t)L->out_ch * fan_in;
        for (size_t i = 0; i < nw; i++)
            L->weight[i] = (float)(std * gaussian(&s));
        for (int i = 0; i < L->out_ch; i++)
            L->bias[i] = l == m->n_layers - 1 && m->input == FSR_INPUT_LR_Y ? 0.45f : 0.f;
        for (int i = 0; L->slope && i < L->out_ch; i++)
            L->slope[i] = 0.25f;
    }
}

/* ---- one patch: forward, loss, backward ---- */

typedef struct Work {
    float **padded;   /* per layer: padded input */
    float **act;      /* per layer: output (after the activation) */
    float **pre;      /* per PReLU layer: output before the activation */
    float **col;      /* per layer: im2col of the padded input */
    float *g, *g2, *gpad, *gcol;
    /* the transposed convolution: its weights as [kh*kw][in], their
     * gradient, and its per-tap products of the input [kh*kw][f*f] */
    float *wt, *gwt, *taps;
} Work;

static void work_free(Work *w, int n_layers)
{
    if (!w->padded)
        return;
    for (int l = 0; l < n_layers; l++) {
        free(w->padded[l]);
        free(w->act[l]);
        free(w->pre[l]);
        free(w->col[l]);
    }
    free(w->padded);
    free(w->act);
    free(w->pre);
    free(w->col);
    free(w->wt);
    free(w->gwt);
    free(w->taps);
    free(w->gcol);
    free(w->g);
    free(w->g2);
    free(w->gpad);
    memset(w, 0, sizeof(*w));
}

static int work_alloc(Work *w, const FsrModel *m, int padding, int in_size)
{
    memset(w, 0, sizeof(*w));
    w->padded = calloc(m->n_layers, sizeof(float *));
    w->act = calloc(m->n_layers, sizeof(float *));
    w->col = calloc(m->n_layers, sizeof(float *));
    w->pre = calloc(m->n_layers, sizeof(float *));
    if (!w->padded || !w->act || !w->col || !w->pre)
        return -1;
    size_t maxbuf = (size_t)in_size * in_size, maxcol = 1;
    int s = in_size;
    for (int l = 0; l < m->n_layers; l++) {
        const FsrConvLayer *L = &m->layers[l];
        if (is_deconv(m, l)) {
            const size_t kk = (size_t)L->kh * L->kw, out = (size_t)fsr_train_out_size(m, padding, in_size);
            w->wt = malloc(sizeof(float) * kk * L->in_ch);
            w->gwt = malloc(sizeof(float) * kk * L->in_ch);
            w->taps = malloc(sizeof(float) * kk * s * s);
            w->act[l] = malloc(sizeof(float) * out * out);
            if (!w->wt || !w->gwt || !w->taps || !w->act[l])
                return -1;
            maxbuf = out * out > maxbuf ? out * out : maxbuf;
            maxcol = kk * s * s > maxcol ? kk * s * s : maxcol;
            break;
        }
        const int p = padding == FSR_TRAIN_VALID ? 0 : L->kh / 2;
        const int sp = s + 2 * p, so = sp - L->kh + 1;
        const size_t np = (size_t)L->in_ch * sp * sp, no = (size_t)L->out_ch * so * so;
        w->padded[l] = malloc(sizeof(float) * np);
        w->act[l] = malloc(sizeof(float) * no);
        const size_t nc = (size_t)L->in_ch * L->kh * L->kw * so * so;
        w->col[l] = malloc(sizeof(float) * nc);
        if (L->act == FSR_ACT_PRELU && !(w->pre[l] = malloc(sizeof(float) * no)))
            return -1;
        if (!w->padded[l] || !w->act[l] || !w->col[l])
            return -1;
        maxcol = nc > maxcol ? nc : maxcol;
        maxbuf = np > maxbuf ? np : maxbuf;
        maxbuf = no > maxbuf ? no : maxbuf;
        s = so;
    }
    w->g = malloc(sizeof(float) * maxbuf);
    w->g2 = malloc(sizeof(float) * maxbuf);
    w->gpad = malloc(sizeof(float) * maxbuf);
    w->gcol = malloc(sizeof(float) * maxcol);
    return w->g && w->g2 && w->gpad && w->gcol ? 0 : -1;
}

/* The activation of a layer's output in place, keeping the input of a
 * PReLU for the backward pass. */
static void activate(const FsrConvLayer *L, int act, float *a, float *pre, size_t plane)
{
    const size_t n = (size_t)L->out_ch * plane;
    if (act == FSR_ACT_RELU) {
        for (size_t i = 0; i < n; i++)
            a[i] = a[i] > 0.f ? a[i] : 0.f;
    } else if (act == FSR_ACT_PRELU) {
        memcpy(pre, a, sizeof(float) * n);
        for (int c = 0; c < L->out_ch; c++) {
            float *p = a + (size_t)c * plane;
            const float sl = L->slope[c];
            for (size_t i = 0; i < plane; i++)
                p[i] = p[i] > 0.f ? p[i] : sl * p[i];
        }
    }
}

/* Gradient through the activation, in place on g; PReLU slopes' gradient
 * added to gslope. */
static void activate_back(const FsrConvLayer *L, int act, float *g, const float *a, const float *pre, size_t plane,
                          float *gslope)
{
    const size_t n = (size_t)L->out_ch * plane;
    if (act == FSR_ACT_RELU) {
        for (size_t i = 0; i < n; i++)
            if (a[i] <= 0.f)
                g[i] = 0.f;
    } else if (act == FSR_ACT_PRELU) {
        for (int c = 0; c < L->out_ch; c++) {
            float *gc = g + (size_t)c * plane;
            const float *x = pre + (size_t)c * plane, sl = L->slope[c];
            float gs = 0.f;
            for (size_t i = 0; i < plane; i++)
                if (x[i] <= 0.f) {
                    gs += gc[i] * x[i];
                    gc[i] *= sl;
                }
            gslope[c] += gs;
        }
    }
}

/* Transposed convolution over the valid region (deconv_valid): taps[kk][p]
 * = sum_c wt[kk][c] in[c][p] for every tap kk = (ky, kx) and feature pixel
 * p, then each output pixel gathers the taps of its phase. */
static void deconv_fwd(Work *w, const FsrConvLayer *L, int s, const float *in, int f, float *out, int o, int y0)
{
    const int kk = L->kh * L->kw, C = L->in_ch, p = L->kh / 2;
    for (int k = 0; k < kk; k++)
        for (int c = 0; c < C; c++)
            w->wt[(size_t)k * C + c] = L->weight[(size_t)c * kk + k];
    static const float zeros[FSR_MODEL_MAX_KERNEL * FSR_MODEL_MAX_KERNEL];
    train_gemm_fwd(w->taps, in, w->wt, zeros, kk, C, f * f);
    for (int Y = 0; Y < o; Y++)
        for (int X = 0; X < o; X++) {
            float acc = L->bias[0];
            for (int ky = (Y + y0 + p) % s; ky < L->kh; ky += s) {
                const int y = (Y + y0 + p - ky) / s;
                for (int kx = (X + y0 + p) % s; kx < L->kw; kx += s) {
                    const int x = (X + y0 + p - kx) / s;
                    acc += w->taps[((size_t)ky * L->kw + kx) * f * f + (size_t)y * f + x];
                }
            }
            out[(size_t)Y * o + X] = acc;
        }
}

/* Its backward pass: g (o x o) -> weight and bias gradients, and the
 * input's gradient into gin (C x f x f). */
static void deconv_bwd(Work *w, const FsrConvLayer *L, int s, const float *in, int f, const float *g, int o, int y0,
                       float *gw, float *gb, float *gin)
{
    const int kk = L->kh * L->kw, C = L->in_ch, p = L->kh / 2;
    float *gt = w->taps; /* the taps' gradient: the forward's products are no longer needed */
    memset(gt, 0, sizeof(float) * (size_t)kk * f * f);
    float gbias = 0.f;
    for (int Y = 0; Y < o; Y++)
        for (int X = 0; X < o; X++) {
            const float v = g[(size_t)Y * o + X];
            gbias += v;
            for (int ky = (Y + y0 + p) % s; ky < L->kh; ky += s) {
                const int y = (Y + y0 + p - ky) / s;
                for (int kx = (X + y0 + p) % s; kx < L->kw; kx += s) {
                    const int x = (X + y0 + p - kx) / s;
                    gt[((size_t)ky * L->kw + kx) * f * f + (size_t)y * f + x] = v;
                }
            }
        }
    gb[0] += gbias;
    float dummy[FSR_MODEL_MAX_KERNEL * FSR_MODEL_MAX_KERNEL] = { 0 };
    memset(w->gwt, 0, sizeof(float) * (size_t)kk * C);
    train_gemm_bwd_w(w->gwt, dummy, gt, in, kk, C, f * f);
    for (int k = 0; k < kk; k++)
        for (int c = 0; c < C; c++)
            gw[(size_t)c * kk + k] += w->gwt[(size_t)k * C + c];
    if (gin)
        train_gemm_bwd_col(gin, gt, w->wt, kk, C, f * f);
}

/* Adds this patch's gradient (scaled by gscale) to grads; returns the sum of
 * squared errors.  Bicubic-input models: the output is the last conv's.
 * LR-input models (valid layers only): the HR output of the upsampling,
 * fsr_train_out_size wide, compared with the target as it is. */
static double patch_pass(const FsrModel *m, int padding, Work *w, const float *input, int in_size,
                         const float *target, float *grads, float gscale)
{
    int s = in_size;
    const float *x = input;
    int sizes[FSR_MODEL_MAX_LAYERS + 1];
    sizes[0] = s;
    const int sc = m->scale, n_conv = m->upsample == FSR_UP_DECONV ? m->n_layers - 1 : m->n_layers;
    for (int l = 0; l < n_conv; l++) {
        const FsrConvLayer *L = &m->layers[l];
        const int p = padding == FSR_TRAIN_VALID ? 0 : L->kh / 2;
        train_pad_planes(w->padded[l], x, L->in_ch, s, s, p, padding == FSR_TRAIN_VALID ? FSR_PAD_ZERO : padding);
        const int sp = s + 2 * p, so = sp - L->kh + 1;
        train_im2col(w->col[l], w->padded[l], L->in_ch, L->kh, sp, sp);
        train_gemm_fwd(w->act[l], w->col[l], L->weight, L->bias, L->out_ch, L->in_ch * L->kh * L->kw, so * so);
        s = so;
        sizes[l + 1] = s;
        activate(L, fsr_model_layer_act(m, l), w->act[l], w->pre[l], (size_t)s * s);
        x = w->act[l];
    }
    const int f = s; /* the last feature map's side */
    int out = s, y0 = 0, y1 = 0;
    if (m->upsample == FSR_UP_DECONV) {
        deconv_valid(m->layers[m->n_layers - 1].kh, sc, f, &y0, &y1);
        out = y1 - y0 + 1;
        deconv_fwd(w, &m->layers[m->n_layers - 1], sc, x, f, w->act[m->n_layers - 1], out, y0);
        x = w->act[m->n_layers - 1];
    } else if (m->upsample == FSR_UP_SHUFFLE) {
        out = sc * f;
    }
    double sse = 0;
    if (m->upsample == FSR_UP_SHUFFLE) {
        /* HR (sc*y + i, sc*x + j) is channel i*sc + j at (y, x); the
         * gradient goes to the same place in channel layout */
        for (int Y = 0; Y < out; Y++)
            for (int X = 0; X < out; X++) {
                const size_t idx = ((size_t)((Y % sc) * sc + X % sc) * f + Y / sc) * f + X / sc;
                const float d = x[idx] - target[(size_t)Y * out + X];
                sse += (double)d * d;
                w->g[idx] = 2.f * d * gscale;
            }
    } else {
        for (int i = 0; i < out * out; i++) {
            const float d = x[i] - target[i];
            sse += (double)d * d;
            w->g[i] = 2.f * d * gscale;
        }
    }
    if (!grads)
        return sse;
    /* parameter offsets */
    int64_t off[FSR_MODEL_MAX_LAYERS];
    int64_t o = 0;
    for (int l = 0; l < m->n_layers; l++) {
        off[l] = o;
        o += layer_params(&m->layers[l]);
    }
    if (m->upsample == FSR_UP_DECONV) {
        const int l = m->n_layers - 1;
        const FsrConvLayer *L = &m->layers[l];
        const size_t nw = (size_t)L->in_ch * L->kh * L->kw;
        deconv_bwd(w, L, sc, n_conv ? w->act[n_conv - 1] : input, f, w->g, out, y0, grads + off[l],
                   grads + off[l] + nw, n_conv ? w->g2 : NULL);
        float *t = w->g;
        w->g = w->g2;
        w->g2 = t;
    }
    for (int l = n_conv - 1; l >= 0; l--) {
        const FsrConvLayer *L = &m->layers[l];
        const int p = padding == FSR_TRAIN_VALID ? 0 : L->kh / 2;
        const int sin = sizes[l], sp = sin + 2 * p, so = sizes[l + 1];
        const int K = L->in_ch * L->kh * L->kw;
        const size_t nw = (size_t)L->out_ch * K;
        activate_back(L, fsr_model_layer_act(m, l), w->g, w->act[l], w->pre[l], (size_t)so * so,
                      grads + off[l] + nw + L->out_ch);
        train_gemm_bwd_w(grads + off[l], grads + off[l] + nw, w->g, w->col[l], L->out_ch, K, so * so);
        if (l == 0)
            break;
        train_gemm_bwd_col(w->gcol, w->g, L->weight, L->out_ch, K, so * so);
        memset(w->gpad, 0, sizeof(float) * (size_t)L->in_ch * sp * sp);
        train_col2im(w->gpad, w->gcol, L->in_ch, L->kh, sp, sp);
        train_unpad_grad(w->g2, w->gpad, L->in_ch, sin, sin, p, padding == FSR_TRAIN_VALID ? FSR_PAD_ZERO : padding);
        float *t = w->g;
        w->g = w->g2;
        w->g2 = t;
    }
    return sse;
}

static int check_padding(int padding)
{
    return padding == FSR_TRAIN_VALID || padding == FSR_PAD_ZERO || padding == FSR_PAD_REPLICATE;
}

/* LR-input models train on valid layers only: the HR target is the region
 * the whole network sees without padding (fsr_train_out_offset). */
static int check_model(const FsrModel *m, int padding)
{
    if (fsr_model_validate(m, "train: model") < 0)
        return -1;
    if (m->input == FSR_INPUT_LR_Y && padding != FSR_TRAIN_VALID)
        return fsr_error(FSR_ERR(EINVAL), "train: LR-input models train with valid (unpadded) layers only");
    return 0;
}

int fsr_train_gradients(const FsrModel *m, int padding, const float *input, int in_size, const float *target,
                        float *grads, double *loss)
{
    if (!m || !input || !target || !check_padding(padding))
        return fsr_error(FSR_ERR(EINVAL), "train: bad arguments");
    if (check_model(m, padding) < 0)
        return FSR_ERR(EINVAL);
    const int out = fsr_train_out_size(m, padding, in_size);
    if (out < 1)
        return fsr_error(FSR_ERR(EINVAL), "train: patch of %d pixels is too small for this network", in_size);
    Work w;
    if (work_alloc(&w, m, padding, in_size) < 0) {
        work_free(&w, m->n_layers);
        return fsr_error(FSR_ERR(ENOMEM), "train: out of memory");
    }
    if (grads)
        memset(grads, 0, sizeof(float) * (size_t)fsr_model_param_count(m));
    const double sse = patch_pass(m, padding, &w, input, in_size, target, grads, 1.f / (out * out));
    if (loss)
        *loss = sse / (out * out);
    work_free(&w, m->n_layers);
    return 0;
}

/* ---- the trainer ---- */

struct FsrTrainer {
    FsrModel *model;
    FsrTrainSettings s;
    int64_t n_params;
    float *m1, *m2;          /* Adam moments */
    float *grads;            /* threads x n_params */
    int threads;
    int64_t steps;
    Work *work;
    int work_in_size;
};

int fsr_trainer_open(FsrTrainer **pt, FsrModel *model, const FsrTrainSettings *s)
{
    *pt = NULL;
    if (!model || !s || !check_padding(s->padding) || s->batch < 1 || !(s->lr > 0) || !(s->lr_last > 0))
        return fsr_error(FSR_ERR(EINVAL), "train: bad settings (batch >= 1, learning rates > 0)");
    if (check_model(model, s->padding) < 0)
        return FSR_ERR(EINVAL);
    FsrTrainer *t = calloc(1, sizeof(*t));
    if (!t)
        return fsr_error(FSR_ERR(ENOMEM), "train: out of memory");
    t->model = model;
    t->s = *s;
    t->threads = s->threads > 0 ? s->threads : omp_get_max_threads();
    t->n_params = fsr_model_param_count(model);
    t->m1 = calloc((size_t)t->n_params, sizeof(float));
    t->m2 = calloc((size_t)t->n_params, sizeof(float));
    t->grads = calloc((size_t)t->n_params * t->threads, sizeof(float));
    t->work = calloc((size_t)t->threads, sizeof(Work));
    if (!t->m1 || !t->m2 || !t->grads || !t->work) {
        fsr_trainer_close(&t);
        return fsr_error(FSR_ERR(ENOMEM), "train: out of memory");
    }
    *pt = t;
    return 0;
}

void fsr_trainer_close(FsrTrainer **pt)
{
    FsrTrainer *t = *pt;
    if (!t)
        return;
    if (t->work)
        for (int i = 0; i < t->threads; i++)
            work_free(&t->work[i], t->model->n_layers);
    free(t->work);
    free(t->m1);
    free(t->m2);
    free(t->grads);
    free(t);
    *pt = NULL;
}

int64_t fsr_trainer_steps(const FsrTrainer *t) { return t->steps; }

int fsr_trainer_step(FsrTrainer *t, const float *inputs, const float *targets, int n, int in_size, double *loss)
{
    const FsrModel *m = t->model;
    const int out = fsr_train_out_size(m, t->s.padding, in_size);
    if (n < 1 || out < 1)
        return fsr_error(FSR_ERR(EINVAL), "train: empty batch or patch too small");
    if (t->work_in_size != in_size) {
        for (int i = 0; i < t->threads; i++) {
            work_free(&t->work[i], m->n_layers);
            if (work_alloc(&t->work[i], m, t->s.padding, in_size) < 0)
                return fsr_error(FSR_ERR(ENOMEM), "train: out of memory");
        }
        t->work_in_size = in_size;
    }
    const int64_t np = t->n_params;
    memset(t->grads, 0, sizeof(float) * (size_t)np * t->threads);
    double sse_thread[256] = { 0 };
    const int T = t->threads < 256 ? t->threads : 256;
    const float gscale = 1.f / ((float)n * out * out);
#pragma omp parallel num_threads(T)
    {
        const int id = omp_get_thread_num();
        /* fixed contiguous ranges: the same patches go to the same thread */
        const int lo = (int)((int64_t)n * id / T), hi = (int)((int64_t)n * (id + 1) / T);
        double sse = 0;
        for (int i = lo; i < hi; i++)
            sse += patch_pass(m, t->s.padding, &t->work[id], inputs + (size_t)i * in_size * in_size, in_size,
                              targets + (size_t)i * out * out, t->grads + (size_t)np * id, gscale);
        sse_thread[id] = sse;
    }
    double sse = 0;
    for (int i = 0; i < T; i++) {
        sse += sse_thread[i];
        if (i)
            for (int64_t k = 0; k < np; k++)
                t->grads[k] += t->grads[(size_t)np * i + k];
    }
    if (loss)
        *loss = sse / ((double)n * out * out);
    /* Adam */
    t->steps++;
    const double bc1 = 1.0 - pow(t->s.beta1, (double)t->steps), bc2 = 1.0 - pow(t->s.beta2, (double)t->steps);
    int64_t k = 0;
    for (int l = 0; l < m->n_layers; l++) {
        FsrConvLayer *L = &t->model->layers[l];
        const float lr = l == m->n_layers - 1 ? t->s.lr_last : t->s.lr;
        const float step = (float)(lr * sqrt(bc2) / bc1);
        const size_t nw = (size_t)L->out_ch * L->in_ch * L->kh * L->kw;
        for (int part = 0; part < 3; part++) {
            if (part == 2 && !L->slope)
                break;
            float *p = part == 2 ? L->slope : part ? L->bias : L->weight;
            const size_t cnt = part ? (size_t)L->out_ch : nw;
            for (size_t i = 0; i < cnt; i++, k++) {
                const float g = t->grads[k];
                t->m1[k] = t->s.beta1 * t->m1[k] + (1.f - t->s.beta1) * g;
                t->m2[k] = t->s.beta2 * t->m2[k] + (1.f - t->s.beta2) * g * g;
                p[i] -= step * t->m1[k] / (sqrtf(t->m2[k]) + t->s.eps);
            }
        }
    }
    for (int l = 0; l < m->n_layers; l++) {
        const FsrConvLayer *L = &m->layers[l];
        const size_t nw = (size_t)L->out_ch * L->in_ch * L->kh * L->kw;
        for (size_t i = 0; i < nw; i++)
            if (!isfinite(L->weight[i]))
                return fsr_error(FSR_ERR(ERANGE), "train: weights diverged (non-finite) at step %lld; lower the "
                                 "learning rate", (long long)t->steps);
    }
    return 0;
}

/* ---- checkpoints ---- */

#define CKPT_MAGIC "FSRCKPT1"

typedef struct CkptHeader {
    char magic[8];
    int64_t steps;
    int64_t n_params;
    int32_t n_layers, extra_size;
    int32_t shape[FSR_MODEL_MAX_LAYERS][3]; /* in, out, k */
} CkptHeader;

static void ckpt_header(const FsrTrainer *t, CkptHeader *h, int extra_size)
{
    memset(h, 0, sizeof(*h));
    memcpy(h->magic, CKPT_MAGIC, 8);
    h->steps = t->steps;
    h->n_params = t->n_params;
    h->n_layers = t->model->n_layers;
    h->extra_size = extra_size;
    for (int l = 0; l < t->model->n_layers; l++) {
        h->shape[l][0] = t->model->layers[l].in_ch;
        h->shape[l][1] = t->model->layers[l].out_ch;
        h->shape[l][2] = t->model->layers[l].kh;
    }
}

int fsr_trainer_save(const FsrTrainer *t, const char *path, const void *extra, int extra_size)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return fsr_error(FSR_ERR(errno), "%s: cannot write checkpoint: %s", path, strerror(errno));
    CkptHeader h;
    ckpt_header(t, &h, extra_size);
    int ok = fwrite(&h, sizeof(h), 1, f) == 1;
    for (int l = 0; l < t->model->n_layers && ok; l++) {
        const FsrConvLayer *L = &t->model->layers[l];
        const size_t nw = (size_t)L->out_ch * L->in_ch * L->kh * L->kw;
        ok = fwrite(L->weight, sizeof(float), nw, f) == nw &&
             fwrite(L->bias, sizeof(float), (size_t)L->out_ch, f) == (size_t)L->out_ch;
        if (ok && L->slope)
            ok = fwrite(L->slope, sizeof(float), (size_t)L->out_ch, f) == (size_t)L->out_ch;
    }
    ok = ok && fwrite(t->m1, sizeof(float), (size_t)t->n_params, f) == (size_t)t->n_params;
    ok = ok && fwrite(t->m2, sizeof(float), (size_t)t->n_params, f) == (size_t)t->n_params;
    if (extra_size > 0)
        ok = ok && fwrite(extra, 1, (size_t)extra_size, f) == (size_t)extra_size;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) < 0) {
        unlink(tmp);
        return fsr_error(FSR_ERR(EIO), "%s: cannot write checkpoint", path);
    }
    return 0;
}

int fsr_trainer_load(FsrTrainer *t, const char *path, void *extra, int extra_size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fsr_error(FSR_ERR(errno), "%s: cannot open checkpoint: %s", path, strerror(errno));
    CkptHeader h, want;
    ckpt_header(t, &want, extra_size);
    int ret = 0;
    if (fread(&h, sizeof(h), 1, f) != 1 || memcmp(h.magic, CKPT_MAGIC, 8)) {
        ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: not a fastsr checkpoint", path);
        goto end;
    }
    if (h.n_params != want.n_params || h.n_layers != want.n_layers || memcmp(h.shape, want.shape, sizeof(h.shape)) ||
        h.extra_size != extra_size) {
        ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: checkpoint is for another architecture or trainer version", path);
        goto end;
    }
    int ok = 1;
    for (int l = 0; l < t->model->n_layers && ok; l++) {
        FsrConvLayer *L = &t->model->layers[l];
        const size_t nw = (size_t)L->out_ch * L->in_ch * L->kh * L->kw;
        ok = fread(L->weight, sizeof(float), nw, f) == nw &&
             fread(L->bias, sizeof(float), (size_t)L->out_ch, f) == (size_t)L->out_ch;
        if (ok && L->slope)
            ok = fread(L->slope, sizeof(float), (size_t)L->out_ch, f) == (size_t)L->out_ch;
    }
    ok = ok && fread(t->m1, sizeof(float), (size_t)t->n_params, f) == (size_t)t->n_params;
    ok = ok && fread(t->m2, sizeof(float), (size_t)t->n_params, f) == (size_t)t->n_params;
    if (extra_size > 0)
        ok = ok && fread(extra, 1, (size_t)extra_size, f) == (size_t)extra_size;
    if (!ok || fgetc(f) != EOF) {
        ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: checkpoint is truncated or has trailing data", path);
        goto end;
    }
    t->steps = h.steps;
end:
    fclose(f);
    return ret;
}
