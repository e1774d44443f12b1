/* The fixed-point SR backend's internals (fixed.c): the quantised model, the
 * plain reference and the row kernels of the faster version. */
#ifndef FASTSR_SRC_SR_FIXED_H
#define FASTSR_SRC_SR_FIXED_H

#include <stddef.h>
#include <stdint.h>

#include "fastsr/sr.h"

/* Per-layer fixed-point formats: value = integer * 2^-frac. */
typedef struct FixedLayer {
    int in_ch, out_ch, kh, kw;
    int w_frac;   /* weights */
    int in_frac;  /* input activations */
    int out_frac; /* output activations (input of the next layer) */
    int32_t *w;   /* [out][in][kh][kw] */
    int64_t *b;   /* at the accumulator's scale 2^-(w_frac + in_frac) */
    int relu;
    /* the channel scheme (FixedModel.channel_scales; fixed.c): output
     * channel o's word is (acc * mult[o] + half) >> shift[o]; w_frac,
     * in_frac and out_frac are unused */
    int32_t *mult;
    int *shift;
    int to_pixel; /* the channel scheme's last layer: its words are pixels */
} FixedLayer;

typedef struct FixedModel {
    int n_layers;
    int word_bits, acc_bits, rounding, padding;
    int channel_scales; /* FsrSRSettings.channel_scales: the channel scheme */
    int64_t act_max;    /* largest activation word (ReLU keeps them >= 0) */
    int threads;        /* FsrSRSettings.threads: OpenMP threads, 0 all */
    int input_shift;    /* the channel scheme's input word: Y << input_shift */
    FixedLayer *layers;
} FixedModel;

/* The channel scheme's requantisation of output channel o (fixed.c):
 * floor((acc * mult[o] + half) / 2^shift[o]), clipped to 0..hi (act_max,
 * or 255 for the last layer's pixels).  The reference and every kernel
 * call this one. */
static inline int64_t fixed_requant_channel(int64_t acc, const FixedLayer *l, int o, int64_t hi)
{
    const int64_t v = acc * l->mult[o] + ((int64_t)1 << (l->shift[o] - 1));
    const int64_t f = v >= 0 ? v >> l->shift[o] : -((-v - 1) >> l->shift[o]) - 1; /* floor, any sign */
    return f < 0 ? 0 : f > hi ? hi : f;
}

/* Quantises a model for the datapath of s (word_bits, acc_bits, rounding,
 * channel_scales). */
int fixed_model_build(FixedModel *q, const FsrModel *model, const FsrSRSettings *s);
void fixed_model_close(FixedModel *q);
/* 0, or an error naming what is wrong with a plane pair (NULL, sizes,
 * strides below the width). */
int fixed_check_plane_args(const uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride,
                           int w, int h);
/* Plain reference: one output at a time, straight from the definition.
 * When zeros is not NULL, zeros[i] receives the number of zero words in
 * layer i's input (what run-length coding and zero gating act on). */
int fixed_sr_luma_ref(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                      ptrdiff_t src_stride, int w, int h, const FixedModel *q, int64_t *zeros);

/* The row kernels of the faster version.  rows: the layer's padded input
 * rows of one output row, [(ci * kh + ky) * (width + kw - 1)]; w: one output
 * channel's weights [ci][ky][kx]; acc[x] = bias + sum of w * rows, exact. */
typedef struct FsrFixedDSP {
    /* accumulators of at most 32 bits */
    void (*conv_row32)(int32_t *acc, const int32_t *rows, const int32_t *w, int64_t bias, const FixedLayer *l,
                       int width);
    /* the same for words of at most 16 bits, two taps per multiply: pairs
     * from fixed_make_pairs, weights paired alike ([ci][ky][kx / 2], tap
     * kx in the low half, kx + 1 in the high half, 0 past the kernel) */
    void (*conv_row_pairs)(int32_t *acc, const int32_t *pairs, const int32_t *wpairs, int64_t bias,
                           const FixedLayer *l, int width);
    int prefer_pairs; /* 1: conv_row_pairs is faster, pairing included */
    /* the integer engine's row kernels (fixed_words.c) for models of 8-
     * and 16-bit words in the channel scheme; NULL: none at this level */
    const struct FsrWordsDSP *words8, *words16;
} FsrFixedDSP;

/* Row kernels of the integer engine (fixed_words.c): activations as words
 * of eb bytes (1: u8, 2: s16), pixel x of a row at (x + pad) * cb bytes,
 * rows[ky] the input rows of kernel row ky (pixel 0 at the left padding);
 * weights packed by fixed_words.c: hidden layers [block of 16 outputs][ky]
 * [32-bit group of (kx, ci) words][output lane][4 bytes], the one-output
 * last layer [ky][32-word chunk] int16. */
typedef struct FsrWordsDSP {
    int eb;
    /* per-layer requantisation constants for hidden_row, freed with free();
     * NULL when out of memory */
    void *(*make_consts)(const FixedLayer *l);
    /* output row of a hidden layer: w pixels of l->out_ch words at
     * orow + (pad + x) * ocb, requantised and clipped to 0..act_max */
    void (*hidden_row)(uint8_t *orow, int pad, int ocb, const uint8_t *const *rows, int w, const uint8_t *wp,
                       const void *consts, const FixedLayer *l, int groups, int32_t act_max);
    /* output pixels of the last layer (one channel, to_pixel) */
    void (*last_row)(uint8_t *dst, const uint8_t *const *rows, int w, const int16_t *wp, int chunks,
                     const FixedLayer *l);
} FsrWordsDSP;

/* Pixels the kernels may compute past a row's end (they read as far). */
#define FIXED_WORDS_PX 12

/* The integer engine with the kernels k: 0 done, < 0 error, 1 when it does
 * not run the model (not the channel scheme in 8/16-bit words with a
 * 32-bit accumulator and a one-output last layer; or k NULL). */
int fixed_sr_luma_words(const FsrWordsDSP *k, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                        ptrdiff_t src_stride, int w, int h, const FixedModel *q);

void fixed_dsp_init(FsrFixedDSP *dsp, unsigned cpu_flags);
/* The AVX2 entries (x86/accel_sr_avx2.c), for fixed_dsp_init. */
void fixed_dsp_init_avx2(FsrFixedDSP *dsp);
/* The AVX-512 VNNI entry (x86/fixed_avx512.c: vpdpwssd). */
void fixed_dsp_init_avx512_vnni(FsrFixedDSP *dsp);
/* The integer engine's kernels (x86/fixed_words_avx512.c: vpdpbusd,
 * vpdpwssd; x86/fixed_words_avx2.c: vpmaddwd on 16-bit words). */
void fixed_dsp_init_words_vnni(FsrFixedDSP *dsp);
void fixed_dsp_init_words_avx2(FsrFixedDSP *dsp);
/* pairs[r * pw + j] = (rows[r * pw + j], rows[r * pw + j + 1]) as int16
 * halves, the last of a row paired with 0. */
void fixed_make_pairs(int32_t *pairs, const int32_t *rows, int nrows, int pw);

/* 16-bit words with a 32-bit accumulator: two taps per 16-bit multiply-add.
 * pairs[j] holds (in[j], in[j + 1]) as two int16 halves and each weight word
 * (w[kx], w[kx + 1]), so one madd gives w[kx] in[x+kx] + w[kx+1] in[x+kx+1].
 * Exact: inputs are >= 0 and |w| <= 2^15 - 1, so a pair stays below 2^31,
 * and every partial sum is inside the accumulator bound checked at build. */
static inline int32_t fixed_madd_pair(int32_t a, int32_t b)
{
    return (int32_t)(int16_t)(a & 0xffff) * (int16_t)(b & 0xffff) + (int32_t)(int16_t)(a >> 16) * (int16_t)(b >> 16);
}

/* Outputs x0 .. w - 1 of conv_row_pairs, one at a time: the C entry, and
 * the tail of the AVX2 one. */
static inline void fixed_pairs_from(int32_t *acc, const int32_t *pairs, const int32_t *wp, int64_t bias,
                                       const FixedLayer *l, int w, int x0)
{
    const int pw = w + 2 * (l->kw / 2), np = (l->kw + 1) / 2, nr = l->in_ch * l->kh;
    for (int x = x0; x < w; x++) {
        int32_t a = (int32_t)bias;
        const int32_t *wk = wp;
        for (int r = 0; r < nr; r++)
            for (int k = 0; k < np; k++)
                a += fixed_madd_pair(pairs[(size_t)r * pw + x + 2 * k], *wk++);
        acc[x] = a;
    }
}

/* The faster version used by the FSR_SR_FIXED backend; bit-identical. */
int fixed_sr_luma(const FsrFixedDSP *dsp, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                       ptrdiff_t src_stride, int w, int h, const FixedModel *q, int64_t *zeros);

#endif
