/* Internal side of the accelerator model: the layer shape every mapper sees,
 * the candidate mapping they produce, and the fixed-point SR reference. */
#ifndef FASTSR_SRC_ACCEL_H
#define FASTSR_SRC_ACCEL_H

#include "fastsr/accel.h"

/* A layer at a batch size, per group, with padding applied. */
typedef struct AccelShape {
    int64_t N, G, Cg, Mg, R, S, P, Q, U, Hp, Wp;
    int64_t macs;
    double if_zeros, of_zeros; /* measured activation sparsity, 0 if unknown */
} AccelShape;

void accel_shape(AccelShape *sh, const FsrAccelLayer *layer, int batch);

/* One mapping as a mapper costs it. */
typedef struct AccelCand {
    FsrAccelMapping map;
    int active_pes;
    int64_t ideal_cycles;   /* array cycles with unlimited buffer bandwidth */
    int64_t compute_cycles; /* with the array's per-data-type bandwidth */
    int64_t acc[FSR_ACCEL_NLEVELS][FSR_ACCEL_NDATA];
    /* Eyexam: MACs the dataflow could run in parallel on an unbounded array,
     * and the most PEs any legal placement of this layer keeps busy. */
    double df_parallelism;
    int max_active_pes;
} AccelCand;

/* Energy, cycles and the objective's score of a candidate. */
typedef struct AccelCost {
    double energy;
    int64_t dram_cycles, cycles;
    double score;
} AccelCost;

/* The accesses that really happen once the data-dependent features (RLC on
 * the DRAM interface, zero gating) act on the mapper's dense counts; and
 * the MACs that spend energy. */
void accel_effective(int64_t out[FSR_ACCEL_NLEVELS][FSR_ACCEL_NDATA], double *mac_energy_count,
                     const FsrAccelArch *a, const AccelShape *sh, const AccelCand *cand);

void accel_cost(AccelCost *c, const FsrAccelArch *arch, const AccelShape *sh,
                const AccelCand *cand, int objective);

/* The mappers: best candidate for the objective, or a negative error with
 * fsr_error() set when nothing fits. */
int accel_map_rs(AccelCand *best, const FsrAccelArch *arch, const AccelShape *sh, int objective);
int accel_map_ws(AccelCand *best, const FsrAccelArch *arch, const AccelShape *sh, int objective);
int accel_map_os(AccelCand *best, const FsrAccelArch *arch, const AccelShape *sh, int objective);

/* The row-stationary cost of one given mapping (e, n, p, q, r, t, g, m,
 * q_tile), as the mapper computes it; for tests against a loop-by-loop
 * count. */
void accel_rs_cost(AccelCand *c, const FsrAccelArch *arch, const AccelShape *sh, const FsrAccelMapping *m);

static inline int64_t accel_ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
static inline int64_t accel_min64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t accel_max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* Words the global buffer holds at the architecture's word width. */
static inline int64_t accel_glb_words(const FsrAccelArch *a)
{
    return a->glb_bytes * 8 / a->word_bits;
}

/* ---- fixed-point SR (accel_sr.c) ---- */

/* Per-layer fixed-point formats: value = integer * 2^-frac. */
typedef struct AccelQLayer {
    int in_ch, out_ch, kh, kw;
    int w_frac;   /* weights */
    int in_frac;  /* input activations */
    int out_frac; /* output activations (input of the next layer) */
    int32_t *w;   /* [out][in][kh][kw] */
    int64_t *b;   /* at the accumulator's scale 2^-(w_frac + in_frac) */
    int relu;
} AccelQLayer;

typedef struct AccelQModel {
    int n_layers;
    int word_bits, acc_bits, rounding, padding;
    AccelQLayer *layers;
} AccelQModel;

int accel_qmodel_build(AccelQModel *q, const FsrModel *model, const FsrAccelArch *arch);
void accel_qmodel_free(AccelQModel *q);
/* Plain reference: one output at a time, straight from the definition.
 * When zeros is not NULL, zeros[i] receives the number of zero words in
 * layer i's input (what run-length coding and zero gating act on). */
int accel_sr_luma_ref(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                      ptrdiff_t src_stride, int w, int h, const AccelQModel *q, int64_t *zeros);

/* The row kernels of the faster version.  rows: the layer's padded input
 * rows of one output row, [(ci * kh + ky) * (width + kw - 1)]; w: one output
 * channel's weights [ci][ky][kx]; acc[x] = bias + sum of w * rows, exact. */
typedef struct FsrAccelSrDSP {
    /* accumulators of at most 32 bits */
    void (*conv_row32)(int32_t *acc, const int32_t *rows, const int32_t *w, int64_t bias, const AccelQLayer *l,
                       int width);
    /* the same for words of at most 16 bits, two taps per multiply: pairs
     * from accel_sr_make_pairs, weights paired alike ([ci][ky][kx / 2], tap
     * kx in the low half, kx + 1 in the high half, 0 past the kernel) */
    void (*conv_row_pairs)(int32_t *acc, const int32_t *pairs, const int32_t *wpairs, int64_t bias,
                           const AccelQLayer *l, int width);
    int prefer_pairs; /* 1: conv_row_pairs is faster, pairing included */
} FsrAccelSrDSP;

void accel_sr_dsp_init(FsrAccelSrDSP *dsp, unsigned cpu_flags);
/* The AVX2 entries (x86/accel_sr_avx2.c), for accel_sr_dsp_init. */
void accel_sr_dsp_init_avx2(FsrAccelSrDSP *dsp);
/* pairs[r * pw + j] = (rows[r * pw + j], rows[r * pw + j + 1]) as int16
 * halves, the last of a row paired with 0. */
void accel_sr_make_pairs(int32_t *pairs, const int32_t *rows, int nrows, int pw);

/* 16-bit words with a 32-bit accumulator: two taps per 16-bit multiply-add.
 * pairs[j] holds (in[j], in[j + 1]) as two int16 halves and each weight word
 * (w[kx], w[kx + 1]), so one madd gives w[kx] in[x+kx] + w[kx+1] in[x+kx+1].
 * Exact: inputs are >= 0 and |w| <= 2^15 - 1, so a pair stays below 2^31,
 * and every partial sum is inside the accumulator bound checked at build. */
static inline int32_t accel_madd_pair(int32_t a, int32_t b)
{
    return (int32_t)(int16_t)(a & 0xffff) * (int16_t)(b & 0xffff) + (int32_t)(int16_t)(a >> 16) * (int16_t)(b >> 16);
}

/* Outputs x0 .. w - 1 of conv_row_pairs, one at a time: the C entry, and
 * the tail of the AVX2 one. */
static inline void accel_sr_pairs_from(int32_t *acc, const int32_t *pairs, const int32_t *wp, int64_t bias,
                                       const AccelQLayer *l, int w, int x0)
{
    const int pw = w + 2 * (l->kw / 2), np = (l->kw + 1) / 2, nr = l->in_ch * l->kh;
    for (int x = x0; x < w; x++) {
        int32_t a = (int32_t)bias;
        const int32_t *wk = wp;
        for (int r = 0; r < nr; r++)
            for (int k = 0; k < np; k++)
                a += accel_madd_pair(pairs[(size_t)r * pw + x + 2 * k], *wk++);
        acc[x] = a;
    }
}

/* The faster version used by fsr_accel_sr_luma; bit-identical. */
int accel_sr_luma_fast(const FsrAccelSrDSP *dsp, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                       ptrdiff_t src_stride, int w, int h, const AccelQModel *q, int64_t *zeros);

#endif
