/* The fixed-point SR backend (FSR_SR_FIXED): conv stacks in the integer
 * arithmetic of a DNN accelerator's datapath (word and accumulator widths,
 * rounding: the accelerator model's architecture gives them).
 *
 * Quantisation (all scales powers of two, value = integer * 2^-frac):
 * - words are signed word_bits two's complement: qmax = 2^(B-1) - 1;
 * - network input Y/255 in [0, 1]: frac = floor(log2(qmax)), the integer is
 *   round(Y * 2^frac / 255);
 * - weights of a layer share one frac, the largest with max|w| * 2^frac <=
 *   qmax, lowered while the accumulator bound (below) would not fit
 *   acc_bits; biases are stored at the accumulator's scale;
 * - a hidden layer's output frac is the largest for which its range U_out
 *   fits: U_out = min(twice the largest value seen on a fixed synthetic
 *   calibration image (ramps, an edge, a checkerboard, noise), the interval
 *   bound b + sum(max(w, 0)) * U_in); larger values saturate.  The bound
 *   alone is safe but wastes 3-6 bits per layer; the last layer uses the
 *   input's frac (only [0, 1] survives the final clip);
 * - accumulation is exact in acc_bits: the bound sum(|w_q|) * xmax_q + |b_q|
 *   of every partial sum is checked against 2^(acc_bits-1) when the model
 *   is prepared;
 * - the accumulator is shifted back by w_frac + in_frac - out_frac with the
 *   architecture's rounding (nearest: add half, floor; truncate: floor),
 *   then ReLU (hidden layers) and saturation to the word;
 * - output pixel = clip(round(y * 255 / 2^frac), 0, 255).
 * Padding (zero or replicate) is applied to every layer's input in the
 * integer domain.
 *
 * The channel scheme (channel_scales = 1: fastsr --precision int16/int8)
 * is the usual one of CPU integer inference, not a chip's: scales are not
 * powers of two, which would waste up to a bit of each word, and:
 * - the input word is Y << input_shift (Y itself with 8-bit words), scale
 *   1 / (255 << input_shift): no input level is lost;
 * - each output channel o has its own weight scale s_o = max|w_o| / qmax
 *   (a channel of small weights keeps its bits), narrowed while the
 *   accumulator bound would not fit acc_bits; biases at s_o * a_in; the
 *   last layer's weights have 16 bits when the words have fewer;
 * - activations, all >= 0 after ReLU, use the unsigned range of 8-bit
 *   words (0..255, the u8 operand of vpdpbusd) and the signed one of wider
 *   words (0..2^(B-3)-1, in the s16 operands of vpdpwssd): act_max; a hidden
 *   layer's scale is a_out = U / act_max with U the largest value on the
 *   calibration image (larger values saturate) within the interval bound;
 * - requantisation multiplies the accumulator by the 15-bit mult[o] and
 *   shifts right with rounding to nearest: mult[o] / 2^shift[o] =
 *   s_o * a_in / a_out to 15 significant bits;
 * - the last layer's words are the output pixels (a_out = 1/255, clipped
 *   to 0..255), taken from its accumulator. */
#include "fixed.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "conv.h"
#include "cpu.h"
#include "intops.h"
#include "log.h"

/* floor(v / 2^sh) for any sign, without relying on >> of negatives. */
static inline int64_t floor_shift(int64_t v, int sh)
{
    return v >= 0 ? v >> sh : -((-v - 1) >> sh) - 1;
}

static inline int64_t requant(int64_t acc, int sh, int rounding, int64_t qmin, int64_t qmax, int relu)
{
    int64_t v;
    if (sh > 0)
        v = floor_shift(rounding == FSR_ROUND_NEAREST ? acc + ((int64_t)1 << (sh - 1)) : acc, sh);
    else {
        /* Left shifts only occur with tiny weights; saturate before shifting. */
        const int64_t lim = qmax >> -sh;
        v = acc > lim ? qmax + 1 : acc < -lim - 1 ? qmin - 1 : acc * ((int64_t)1 << -sh);
    }
    if (relu && v < 0)
        v = 0;
    return v < qmin ? qmin : v > qmax ? qmax : v;
}

/* Largest frac with u * 2^frac <= qmax, kept in a sane range. */
static int frac_for(double u, int64_t qmax)
{
    if (!(u > 0))
        return 24;
    int f = (int)floor(log2((double)qmax / u));
    while (ldexp(u, f) > (double)qmax)
        f--;
    return f < -24 ? -24 : f > 24 ? 24 : f;
}

void fixed_model_close(FixedModel *q)
{
    if (!q->layers)
        return;
    for (int i = 0; i < q->n_layers; i++) {
        free(q->layers[i].w);
        free(q->layers[i].b);
        free(q->layers[i].mult);
        free(q->layers[i].shift);
    }
    free(q->layers);
    q->layers = NULL;
}

static int check_model(const FsrModel *m)
{
    if (!m || m->n_layers < 1 || !m->layers)
        return fsr_error(FSR_ERR(EINVAL), "fixed-point SR: model has no layers");
    if (m->padding != FSR_PAD_ZERO && m->padding != FSR_PAD_REPLICATE)
        return fsr_error(FSR_ERR(EINVAL), "fixed-point SR: unknown padding %d", m->padding);
    /* the fixed-point backend runs SRCNN's shape only (bicubic input, ReLU
     * between layers); the accelerator's cost model takes any model */
    if (m->input != FSR_INPUT_BICUBIC_Y)
        return fsr_error(FSR_ERR_UNSUPPORTED, "fixed-point SR: the backend runs bicubic-input "
                         "(SRCNN-style) models only, not %s", m->arch);
    for (int i = 0; i < m->n_layers; i++)
        if (fsr_model_layer_act(m, i) != (i + 1 < m->n_layers ? FSR_ACT_RELU : FSR_ACT_NONE))
            return fsr_error(FSR_ERR_UNSUPPORTED, "fixed-point SR: the backend needs ReLU after every "
                             "layer but the last");
    for (int i = 0; i < m->n_layers; i++) {
        const FsrConvLayer *l = &m->layers[i];
        if (l->in_ch < 1 || l->out_ch < 1 || l->kh < 1 || l->kw < 1 || !(l->kh & 1) || !(l->kw & 1) ||
            l->kh > 63 || l->kw > 63 || l->in_ch > 4096 || l->out_ch > 4096 || !l->weight || !l->bias)
            return fsr_error(FSR_ERR(EINVAL), "fixed-point SR: layer %d has an impossible shape", i + 1);
        if (l->in_ch != (i ? m->layers[i - 1].out_ch : 1))
            return fsr_error(FSR_ERR(EINVAL), "fixed-point SR: layer %d takes %d channels, expected %d", i + 1,
                             l->in_ch, i ? m->layers[i - 1].out_ch : 1);
    }
    if (m->layers[m->n_layers - 1].out_ch != 1)
        return fsr_error(FSR_ERR(EINVAL), "fixed-point SR: the last layer must output one channel");
    return 0;
}

/* Largest output of every layer on the calibration image, in float. */
#define CALIB_SIZE 24
static int calibrate(const FsrModel *m, double *maxima)
{
    const int w = CALIB_SIZE, h = CALIB_SIZE;
    const size_t plane = (size_t)w * h;
    double *in = malloc(plane * sizeof(*in));
    if (!in)
        return FSR_ERR(ENOMEM);
    uint32_t seed = 0x2545f491u;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double v;
            seed = seed * 1664525u + 1013904223u;
            if (y < h / 4)
                v = x / (double)(w - 1); /* ramp */
            else if (y < h / 2)
                v = x < w / 2 ? 0.1 : 0.9; /* edge */
            else if (y < 3 * h / 4)
                v = ((x ^ y) & 1) ? 1.0 : 0.0; /* checkerboard */
            else
                v = (seed >> 8) / 16777216.0; /* noise */
            in[(size_t)y * w + x] = v;
        }
    for (int li = 0; li < m->n_layers; li++) {
        const FsrConvLayer *l = &m->layers[li];
        double *out = malloc(plane * l->out_ch * sizeof(*out));
        if (!out) {
            free(in);
            return FSR_ERR(ENOMEM);
        }
        /* ReLU on every layer: only the largest value counts */
        fsr_conv_ref_layer(out, in, w, h, l, m->padding, 1);
        double mx = 0;
        for (size_t i = 0; i < plane * l->out_ch; i++)
            mx = fmax(mx, out[i]);
        maxima[li] = mx;
        free(in);
        in = out;
    }
    free(in);
    return 0;
}

/* The channel scheme (see the top of the file). */
static int build_channel(FixedModel *q, const FsrModel *m, const double *cal)
{
    const int B = q->word_bits;
    /* Wider words keep activations at B - 3 bits: a 32-bit accumulator
     * holds weights x activations x taps, and every activation bit is a
     * weight bit less (the bound narrows the weights); on the random
     * network of test_precision_close_to_float, 16-bit words gave a mean
     * error of 0.073 grey levels with 15-bit activations, 0.016 with 13,
     * 0.031 with 12; Set5 moved by under 0.005 dB. */
    const int64_t qmax = ((int64_t)1 << (B - 1)) - 1, act_max = B == 8 ? 255 : ((int64_t)1 << (B - 3)) - 1;
    const double acc_lim = ldexp(1.0, q->acc_bits - 1);
    q->act_max = act_max;
    for (q->input_shift = 0; ((int64_t)255 << (q->input_shift + 1)) <= act_max && q->input_shift < 22;)
        q->input_shift++;
    double a_in = 1.0 / ((int64_t)255 << q->input_shift); /* value of one input word */
    double u_in = 1.0;                                       /* largest input value */
    for (int li = 0; li < m->n_layers; li++) {
        const FsrConvLayer *l = &m->layers[li];
        FixedLayer *ql = &q->layers[li];
        const int taps = l->in_ch * l->kh * l->kw;
        ql->mult = malloc((size_t)l->out_ch * sizeof(*ql->mult));
        ql->shift = malloc((size_t)l->out_ch * sizeof(*ql->shift));
        if (!ql->mult || !ql->shift)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        ql->to_pixel = !ql->relu;
        double u_out = 0;
        for (int o = 0; o < l->out_ch; o++) {
            double pos = l->bias[o];
            for (int i = 0; i < taps; i++)
                pos += fmax(l->weight[(size_t)o * taps + i], 0.0) * u_in;
            u_out = fmax(u_out, pos);
        }
        /* headroom over the calibration image's largest value where the
         * words have bits to spare (the accelerator scheme's factor 2);
         * 8-bit words need every level (Set5 x2, 9-1-5: 2x costs 0.04 dB) */
        const double headroom = B > 8 ? 2.0 : 1.0;
        if (cal[li] > 0 && headroom * cal[li] < u_out)
            u_out = headroom * cal[li];
        if (!(u_out > 0))
            u_out = 1.0;
        const double a_out = ql->relu ? u_out / (double)act_max : 1.0 / 255;
        const double xmax = fmin((double)act_max, ceil(u_in / a_in));
        /* The last layer's weights have 16 bits at least: it has one output
         * channel, so one scale for all its input channels' weights, and
         * 8 bits there cost SRCNN 9-1-5 0.2-0.3 dB on Set5 (x2, x3) where
         * the whole rest of the network in 8 bits costs 0.05; it is 10%
         * of 9-1-5's MACs and 1.4% of 9-5-5's. */
        const int64_t wq_max = ql->to_pixel && qmax < 32767 ? 32767 : qmax;
        for (int o = 0; o < l->out_ch; o++) {
            const float *wo = l->weight + (size_t)o * taps;
            double wmax = 0;
            for (int i = 0; i < taps; i++)
                wmax = fmax(wmax, fabs(wo[i]));
            double s_o = wmax > 0 ? wmax / (double)wq_max : 1.0;
            for (int tries = 0;; tries++) {
                double worst = fabs(nearbyint(l->bias[o] / (s_o * a_in)));
                for (int i = 0; i < taps; i++)
                    worst += fabs(nearbyint(wo[i] / s_o)) * xmax;
                if (worst < acc_lim)
                    break;
                /* a few significant bits must be left, or the channel
                 * would silently vanish */
                if (tries > 64 || wmax / s_o < 8)
                    return fsr_error(FSR_ERR(ERANGE), "fixed-point SR: a %d-bit accumulator is too narrow for layer %d",
                                     q->acc_bits, li + 1);
                s_o *= 1.001 * worst / acc_lim;
            }
            for (int i = 0; i < taps; i++)
                ql->w[(size_t)o * taps + i] = (int32_t)nearbyint(wo[i] / s_o); /* |.| <= qmax */
            ql->b[o] = (int64_t)nearbyint(l->bias[o] / (s_o * a_in));
            /* mult / 2^shift = r with mult in [2^14, 2^15) */
            const double r = s_o * a_in / a_out;
            int sh = 14 - (int)floor(log2(r));
            int64_t mu = (int64_t)nearbyint(ldexp(r, sh));
            if (mu >= (1 << 15))
                mu = (int64_t)nearbyint(ldexp(r, --sh));
            if (sh < 1 || sh > 62)
                return fsr_error(FSR_ERR(ERANGE), "fixed-point SR: layer %d's scales are out of range", li + 1);
            ql->mult[o] = (int32_t)mu;
            ql->shift[o] = sh;
        }
        a_in = a_out;
        u_in = u_out;
    }
    return 0;
}

int fixed_model_build(FixedModel *q, const FsrModel *m, const FsrSRSettings *a)
{
    memset(q, 0, sizeof(*q));
    int ret = check_model(m);
    if (ret < 0)
        return ret;
    const int B = a->word_bits;
    if (B < 4 || B > 32)
        return fsr_error(FSR_ERR(EINVAL), "fixed-point SR: %d-bit words cannot represent the network", B);
    if (a->acc_bits < B || a->acc_bits > 64)
        return fsr_error(FSR_ERR(EINVAL), "fixed-point SR: a %d-bit accumulator must be between the word width (%d) and 64",
                         a->acc_bits, B);
    if (a->rounding != FSR_ROUND_NEAREST && a->rounding != FSR_ROUND_TRUNCATE)
        return fsr_error(FSR_ERR(EINVAL), "fixed-point SR: unknown rounding %d", a->rounding);
    const int64_t qmax = ((int64_t)1 << (B - 1)) - 1;
    const double acc_lim = ldexp(1.0, a->acc_bits - 1);
    q->n_layers = m->n_layers;
    q->word_bits = B;
    q->acc_bits = a->acc_bits;
    q->rounding = a->rounding;
    q->padding = m->padding;
    q->act_max = qmax;
    q->threads = a->threads > 0 ? a->threads : 0;
    if (a->channel_scales != 0 && a->channel_scales != 1)
        return fsr_error(FSR_ERR(EINVAL), "fixed-point SR: channel_scales must be 0 or 1, not %d", a->channel_scales);
    if (a->channel_scales && B < 8)
        return fsr_error(FSR_ERR(EINVAL), "fixed-point SR: per-channel scales need words of 8 bits or more, not %d", B);
    q->channel_scales = a->channel_scales;
    if (!(q->layers = calloc(m->n_layers, sizeof(*q->layers))))
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    double *cal = malloc(m->n_layers * sizeof(*cal));
    if (!cal || calibrate(m, cal) < 0) {
        free(cal);
        fixed_model_close(q);
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    }
    double u_in = 1.0; /* float upper bound of the layer's input */
    int in_frac = frac_for(1.0, qmax);
    const int out_frac_last = in_frac;
    for (int li = 0; li < m->n_layers; li++) {
        const FsrConvLayer *l = &m->layers[li];
        FixedLayer *ql = &q->layers[li];
        const int taps = l->in_ch * l->kh * l->kw;
        const size_t nw = (size_t)l->out_ch * taps;
        ql->in_ch = l->in_ch, ql->out_ch = l->out_ch, ql->kh = l->kh, ql->kw = l->kw;
        ql->relu = li + 1 < m->n_layers;
        ql->in_frac = in_frac;
        ql->w = malloc(nw * sizeof(*ql->w));
        ql->b = malloc((size_t)l->out_ch * sizeof(*ql->b));
        if (!ql->w || !ql->b) {
            free(cal);
            fixed_model_close(q);
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        }
        double wmax = 0, u_out = 0;
        for (size_t i = 0; i < nw; i++) {
            if (!isfinite(l->weight[i])) {
                free(cal);
                fixed_model_close(q);
                return fsr_error(FSR_ERR(EINVAL), "fixed-point SR: layer %d has a non-finite weight", li + 1);
            }
            wmax = fmax(wmax, fabs(l->weight[i]));
        }
        for (int o = 0; o < l->out_ch; o++) {
            if (!isfinite(l->bias[o])) {
                free(cal);
                fixed_model_close(q);
                return fsr_error(FSR_ERR(EINVAL), "fixed-point SR: layer %d has a non-finite bias", li + 1);
            }
            double pos = l->bias[o];
            for (int i = 0; i < taps; i++)
                pos += fmax(l->weight[(size_t)o * taps + i], 0.0) * u_in;
            u_out = fmax(u_out, pos);
        }
        if (q->channel_scales) /* build_channel, below */
            continue;
        if (cal[li] > 0 && 2 * cal[li] < u_out)
            u_out = 2 * cal[li];
        ql->out_frac = ql->relu ? frac_for(u_out, qmax) : out_frac_last;
        /* Largest integer any input can hold at this layer. */
        const double xmax = fmin((double)qmax, floor(ldexp(u_in, in_frac) + 0.5));
        int wf = frac_for(wmax, qmax);
        for (;; wf--) {
            double worst = 0;
            for (int o = 0; o < l->out_ch && worst < acc_lim; o++) {
                double s = fabs(nearbyint(ldexp(l->bias[o], wf + in_frac)));
                for (int i = 0; i < taps; i++)
                    s += fabs(nearbyint(ldexp(l->weight[(size_t)o * taps + i], wf))) * xmax;
                worst = fmax(worst, s);
            }
            if (worst < acc_lim)
                break;
            if (wf <= -24) {
                free(cal);
                fixed_model_close(q);
                return fsr_error(FSR_ERR(ERANGE), "fixed-point SR: a %d-bit accumulator cannot hold layer %d",
                                 a->acc_bits, li + 1);
            }
        }
        /* frac_for stops at 2^-24: larger weights fit no word at all. */
        if (ldexp(wmax, wf) > (double)qmax) {
            free(cal);
            fixed_model_close(q);
            return fsr_error(FSR_ERR(ERANGE), "fixed-point SR: layer %d has weights up to %g, beyond what %d-bit words hold",
                             li + 1, wmax, B);
        }
        /* Narrowing the weights to fit the accumulator must leave them a
         * few significant bits, or the layer would silently vanish. */
        if (wmax > 0 && ldexp(wmax, wf) < 4) {
            free(cal);
            fixed_model_close(q);
            return fsr_error(FSR_ERR(ERANGE), "fixed-point SR: a %d-bit accumulator is too narrow for layer %d",
                             a->acc_bits, li + 1);
        }
        ql->w_frac = wf;
        for (size_t i = 0; i < nw; i++)
            ql->w[i] = (int32_t)nearbyint(ldexp(l->weight[i], wf)); /* |.| <= qmax by choice of wf */
        for (int o = 0; o < l->out_ch; o++)
            ql->b[o] = (int64_t)nearbyint(ldexp(l->bias[o], wf + in_frac));
        u_in = u_out > 0 ? u_out : ldexp(1.0, -24);
        in_frac = ql->out_frac;
    }
    if (q->channel_scales && (ret = build_channel(q, m, cal)) < 0)
        fixed_model_close(q);
    free(cal);
    return ret < 0 ? ret : 0;
}

int fixed_check_plane_args(const uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride,
                            int w, int h)
{
    if (!dst || !src || w < 1 || h < 1 || w > 16384 || h > 16384 || dst_stride < w || src_stride < w)
        return fsr_error(FSR_ERR(EINVAL), "fixed-point SR: bad plane arguments (%dx%d)", w, h);
    return 0;
}

static inline int32_t input_code(uint8_t y, int frac, int channel_shift)
{
    if (channel_shift >= 0)
        return (int32_t)y << channel_shift;
    /* round(Y * 2^frac / 255), half up */
    return (int32_t)(((int64_t)y * ((int64_t)2 << frac) + 255) / 510);
}

/* The network input of a plane as integer codes (w x h, packed); NULL when
 * out of memory. */
static int32_t *quantise_input(const uint8_t *src, ptrdiff_t src_stride, int w, int h, const FixedModel *q)
{
    const int frac = q->layers[0].in_frac, channel_shift = q->channel_scales ? q->input_shift : -1;
    int32_t *in = malloc((size_t)w * h * sizeof(*in));
    for (int y = 0; in && y < h; y++)
        for (int x = 0; x < w; x++)
            in[(size_t)y * w + x] = input_code(src[y * src_stride + x], frac, channel_shift);
    return in;
}

static inline uint8_t output_pixel(int64_t v, int frac)
{
    int64_t p = floor_shift(v * 255 + ((int64_t)1 << (frac - 1)), frac);
    return (uint8_t)(p < 0 ? 0 : p > 255 ? 255 : p);
}

/* A layer's accumulator for output channel o as the layer stores it: a word
 * of the next layer's input, or (the channel scheme's last layer) a pixel.
 * sh: the accelerator scheme's shift. */
static inline int32_t layer_out(const FixedModel *q, const FixedLayer *l, int o, int64_t acc, int sh)
{
    const int64_t qmax = ((int64_t)1 << (q->word_bits - 1)) - 1;
    if (!q->channel_scales)
        return (int32_t)requant(acc, sh, q->rounding, -qmax - 1, qmax, l->relu);
    return (int32_t)fixed_requant_channel(acc, l, o, l->to_pixel ? 255 : q->act_max);
}

/* The last layer's words to pixels. */
static void store_pixels(uint8_t *dst, ptrdiff_t dst_stride, const int32_t *in, int w, int h, const FixedModel *q)
{
    const FixedLayer *l = &q->layers[q->n_layers - 1];
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            dst[y * dst_stride + x] = l->to_pixel ? (uint8_t)in[(size_t)y * w + x]
                                                  : output_pixel(in[(size_t)y * w + x], l->out_frac);
}


static int64_t count_zeros(const int32_t *p, size_t n)
{
    int64_t z = 0;
    for (size_t i = 0; i < n; i++)
        z += p[i] == 0;
    return z;
}

int fixed_sr_luma_ref(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride, int w, int h,
                      const FixedModel *q, int64_t *zeros)
{
    int ret = fixed_check_plane_args(dst, dst_stride, src, src_stride, w, h);
    if (ret < 0)
        return ret;
    const size_t plane = (size_t)w * h;
    int32_t *in = quantise_input(src, src_stride, w, h, q);
    if (!in)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    for (int li = 0; li < q->n_layers; li++) {
        const FixedLayer *l = &q->layers[li];
        if (zeros)
            zeros[li] = count_zeros(in, plane * l->in_ch);
        int32_t *out = malloc(plane * l->out_ch * sizeof(*out));
        if (!out) {
            free(in);
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        }
        const int sh = l->w_frac + l->in_frac - l->out_frac;
        for (int o = 0; o < l->out_ch; o++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int64_t acc = l->b[o];
                    const int32_t *wt = l->w + (size_t)o * l->in_ch * l->kh * l->kw;
                    for (int c = 0; c < l->in_ch; c++)
                        for (int ky = 0; ky < l->kh; ky++)
                            for (int kx = 0; kx < l->kw; kx++, wt++) {
                                const ptrdiff_t at = fsr_conv_tap_offset(x, y, ky, kx, l->kh, l->kw, w, h, q->padding);
                                if (at >= 0)
                                    acc += (int64_t)*wt * in[c * plane + at];
                            }
                    out[o * plane + (size_t)y * w + x] = layer_out(q, l, o, acc, sh);
                }
        free(in);
        in = out;
    }
    store_pixels(dst, dst_stride, in, w, h, q);
    free(in);
    return 0;
}

/* The padded input rows that output row y reads: rows[(c * kh + ky) * pw]. */
static void gather_rows(int32_t *rows, const int32_t *in, size_t plane, const FixedLayer *l, int w, int h, int y,
                        int padding)
{
    const int px = l->kw / 2, py = l->kh / 2, pw = w + 2 * px;
    for (int c = 0; c < l->in_ch; c++)
        for (int ky = 0; ky < l->kh; ky++) {
            int32_t *dst = rows + (size_t)(c * l->kh + ky) * pw;
            const int sy = y + ky - py;
            if (padding == FSR_PAD_ZERO && (sy < 0 || sy >= h)) {
                memset(dst, 0, pw * sizeof(*dst));
                continue;
            }
            const int32_t *src = in + c * plane + (size_t)clampi(sy, 0, h - 1) * w;
            for (int x = 0; x < px; x++) {
                dst[x] = padding == FSR_PAD_ZERO ? 0 : src[0];
                dst[px + w + x] = padding == FSR_PAD_ZERO ? 0 : src[w - 1];
            }
            memcpy(dst + px, src, w * sizeof(*dst));
        }
}

/* Plain C row kernels: whole rows of one tap at a time (vectorisable). */
static void conv_row_c32(int32_t *acc, const int32_t *rows, const int32_t *wo, int64_t bias, const FixedLayer *l,
                         int w)
{
    const int pw = w + 2 * (l->kw / 2);
    for (int x = 0; x < w; x++)
        acc[x] = (int32_t)bias;
    for (int r = 0; r < l->in_ch * l->kh; r++)
        for (int kx = 0; kx < l->kw; kx++) {
            const int32_t wv = *wo++;
            const int32_t *s = rows + (size_t)r * pw + kx;
            for (int x = 0; x < w; x++)
                acc[x] += wv * s[x];
        }
}

static void conv_row_c64(int64_t *acc, const int32_t *rows, const int32_t *wo, int64_t bias, const FixedLayer *l,
                         int w)
{
    const int pw = w + 2 * (l->kw / 2);
    for (int x = 0; x < w; x++)
        acc[x] = bias;
    for (int r = 0; r < l->in_ch * l->kh; r++)
        for (int kx = 0; kx < l->kw; kx++) {
            const int64_t wv = *wo++;
            const int32_t *s = rows + (size_t)r * pw + kx;
            for (int x = 0; x < w; x++)
                acc[x] += wv * s[x];
        }
}

void fixed_make_pairs(int32_t *pairs, const int32_t *rows, int nrows, int pw)
{
    for (int r = 0; r < nrows; r++) {
        const int32_t *s = rows + (size_t)r * pw;
        int32_t *d = pairs + (size_t)r * pw;
        for (int j = 0; j + 1 < pw; j++)
            d[j] = (int32_t)(((uint32_t)s[j] & 0xffff) | ((uint32_t)s[j + 1] << 16));
        d[pw - 1] = (int32_t)((uint32_t)s[pw - 1] & 0xffff);
    }
}

static void conv_row_pairs_c(int32_t *acc, const int32_t *pairs, const int32_t *wp, int64_t bias, const FixedLayer *l,
                             int w)
{
    fixed_pairs_from(acc, pairs, wp, bias, l, w, 0);
}

void fixed_dsp_init(FsrFixedDSP *dsp, unsigned cpu_flags)
{
    dsp->conv_row32 = conv_row_c32;
    dsp->conv_row_pairs = conv_row_pairs_c;
    dsp->prefer_pairs = 0;
    dsp->words8 = dsp->words16 = NULL;
#if defined(__x86_64__)
    if (cpu_flags & FSR_CPU_AVX2_FMA) {
        fixed_dsp_init_avx2(dsp);
        fixed_dsp_init_words_avx2(dsp);
    }
    if (cpu_flags & FSR_CPU_AVX512_VNNI) {
        fixed_dsp_init_avx512_vnni(dsp);
        fixed_dsp_init_words_vnni(dsp);
    }
#else
    (void)cpu_flags;
#endif
}

/* The same arithmetic, organised for speed: per output row, the padded
 * input rows are gathered once and every output channel accumulates whole
 * rows of taps; OpenMP over rows.  Integer sums are exact, so the order is
 * free; with a 32-bit accumulator the sums run in int32, and with 16-bit
 * words two taps per multiply-add where dsp prefers it. */
int fixed_sr_luma(const FsrFixedDSP *dsp, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                       ptrdiff_t src_stride, int w, int h, const FixedModel *q, int64_t *zeros)
{
    int ret = fixed_check_plane_args(dst, dst_stride, src, src_stride, w, h);
    if (ret < 0)
        return ret;
    const FsrWordsDSP *words = q->word_bits == 8 ? dsp->words8 : q->word_bits == 16 ? dsp->words16 : NULL;
    if (!zeros && (ret = fixed_sr_luma_words(words, dst, dst_stride, src, src_stride, w, h, q)) <= 0)
        return ret;
    ret = 0;
    const int narrow = q->acc_bits <= 32;
    const int paired = narrow && q->word_bits <= 16 && dsp->prefer_pairs;
    const size_t plane = (size_t)w * h;
    int32_t *in = quantise_input(src, src_stride, w, h, q);
    if (!in)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    for (int li = 0; li < q->n_layers && !ret; li++) {
        const FixedLayer *l = &q->layers[li];
        if (zeros)
            zeros[li] = count_zeros(in, plane * l->in_ch);
        const int pw = w + 2 * (l->kw / 2), nr = l->in_ch * l->kh, np = (l->kw + 1) / 2;
        int32_t *out = malloc(plane * l->out_ch * sizeof(*out));
        int32_t *wpairs = paired ? malloc((size_t)l->out_ch * nr * np * sizeof(*wpairs)) : NULL;
        if (!out || (paired && !wpairs)) {
            free(out);
            free(wpairs);
            free(in);
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        }
        if (paired)
            for (int o = 0; o < l->out_ch; o++)
                for (int r = 0; r < nr; r++)
                    for (int k = 0; k < np; k++) {
                        const int32_t *wr = l->w + ((size_t)o * nr + r) * l->kw;
                        const uint32_t lo = (uint32_t)wr[2 * k] & 0xffff;
                        const uint32_t hi = 2 * k + 1 < l->kw ? (uint32_t)wr[2 * k + 1] & 0xffff : 0;
                        wpairs[((size_t)o * nr + r) * np + k] = (int32_t)(lo | hi << 16);
                    }
        const int sh = l->w_frac + l->in_frac - l->out_frac;
        int failed = 0;
#pragma omp parallel reduction(| : failed) num_threads(q->threads ? q->threads : omp_get_max_threads())
        {
            int32_t *rows = malloc((size_t)nr * pw * sizeof(*rows));
            int32_t *pairs = paired ? malloc((size_t)nr * pw * sizeof(*pairs)) : NULL;
            void *acc = malloc((size_t)w * (narrow ? sizeof(int32_t) : sizeof(int64_t)));
            if (!rows || !acc || (paired && !pairs))
                failed = 1;
#pragma omp for schedule(dynamic, 4)
            for (int y = 0; y < h; y++) {
                if (failed)
                    continue;
                gather_rows(rows, in, plane, l, w, h, y, q->padding);
                if (paired)
                    fixed_make_pairs(pairs, rows, nr, pw);
                for (int o = 0; o < l->out_ch; o++) {
                    int32_t *orow = out + o * plane + (size_t)y * w;
                    const int32_t *wo = l->w + (size_t)o * nr * l->kw;
                    if (narrow) {
                        int32_t *a = acc;
                        if (paired)
                            dsp->conv_row_pairs(a, pairs, wpairs + (size_t)o * nr * np, l->b[o], l, w);
                        else
                            dsp->conv_row32(a, rows, wo, l->b[o], l, w);
                        for (int x = 0; x < w; x++)
                            orow[x] = layer_out(q, l, o, a[x], sh);
                    } else {
                        int64_t *a = acc;
                        conv_row_c64(a, rows, wo, l->b[o], l, w);
                        for (int x = 0; x < w; x++)
                            orow[x] = layer_out(q, l, o, a[x], sh);
                    }
                }
            }
            free(rows);
            free(pairs);
            free(acc);
        }
        free(wpairs);
        free(in);
        in = out;
        if (failed)
            ret = fsr_error(FSR_ERR(ENOMEM), "out of memory");
    }
    if (!ret) {
        store_pixels(dst, dst_stride, in, w, h, q);
    }
    free(in);
    return ret;
}

