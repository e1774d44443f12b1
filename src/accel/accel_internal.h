/* Internal side of the accelerator model: the layer shape every mapper sees,
 * the candidate mapping they produce, and the fixed-point SR reference. */
#ifndef FASTSR_SRC_ACCEL_INTERNAL_H
#define FASTSR_SRC_ACCEL_INTERNAL_H

#include "fastsr/accel.h"
#include "fastsr/sr.h"

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
    /* DRAM words (part of acc[DRAM]) the array cannot run while they move
     * (FSR_ACCEL_OVERLAP_PREFETCH): filters written into busy spads, the
     * first pass's inputs, the last pass's outputs. */
    int64_t serial[FSR_ACCEL_NDATA];
    /* Eyexam: MACs the dataflow could run in parallel on an unbounded array,
     * and the most PEs any legal placement of this layer keeps busy. */
    double df_parallelism;
    int max_active_pes;
} AccelCand;

/* Energy, cycles and the objective's score of a candidate. */
/* Cycles of one layer the model reports (as MACs: 2^48). */
#define FSR_ACCEL_MAX_CYCLES (INT64_C(1) << 48)

typedef struct AccelCost {
    double energy;        /* dynamic + static, DRAM included */
    double energy_static;
    int64_t dram_cycles, exposed_cycles, cycles;
    double score;
} AccelCost;

/* The accesses that really happen once the data-dependent features (RLC on
 * the DRAM interface, zero gating) act on the mapper's dense counts; and
 * the MACs that spend energy. */
void accel_effective(int64_t out[FSR_ACCEL_NLEVELS][FSR_ACCEL_NDATA], int64_t serial[FSR_ACCEL_NDATA],
                     double *mac_energy_count, const FsrAccelArch *a, const AccelShape *sh, const AccelCand *cand);

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

/* ---- the accelerator as SR backend (accel_sr.c) ---- */

/* A model prepared for many frames in the architecture's fixed-point
 * arithmetic (the FSR_SR_FIXED backend of fastsr/sr.h, with the
 * architecture's datapath), with the frame cost cached per size.  cost (may
 * be NULL) receives the frame's cycles and energy; with rlc or zero_gating
 * it depends on the frame's measured activations. */
typedef struct AccelSr AccelSr;
int accel_sr_open(AccelSr **ctx, const FsrModel *model, const FsrAccelArch *arch);
int accel_sr_run(AccelSr *ctx, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride,
                 int w, int h, FsrAccelFrameCost *cost);
void accel_sr_close(AccelSr **ctx);
/* One-shot form of open + run + close. */
int accel_sr_luma(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride, int w, int h,
                  const FsrModel *model, const FsrAccelArch *arch, FsrAccelFrameCost *cost);
/* The fixed-point datapath of an architecture, as SR backend settings. */
void accel_sr_settings(FsrSRSettings *s, const FsrAccelArch *arch);

/* eyeriss-v1's energy scale and static power as fitted by
 * fsr_accel_fit_power to the JSSC 2017 per-layer powers (see accel.c). */
#define EYERISS_V1_PJ_PER_MAC 2.51
#define EYERISS_V1_STATIC_MW 0.0

/* Eyeriss v1 (JSSC 2017): 12x14 PEs, 200 MHz, 16-bit, 108 kB buffer, spads
 * 12/224/24 words, 64-bit DRAM interface at 60 MHz, no overlap. */
void fsr_accel_arch_eyeriss_v1(FsrAccelArch *arch);

int fsr_accel_arch_parse(FsrAccelArch *arch, const char *json, const char *what);

/* Checks an architecture for impossible values. */
int fsr_accel_arch_check(const FsrAccelArch *arch);

/* Built-in networks: "alexnet" (CONV1-5, grouped, as Eyeriss ran it),
 * "vgg16" (13 conv + 3 fc), "srcnn-9-5-5", "srcnn-9-3-5", "srcnn-9-1-5"
 * (at w x h, padded to keep the size).  w, h only matter for SRCNN. */
int fsr_accel_net_builtin(FsrAccelNet **net, const char *name, int w, int h);

/* Network JSON file (see README for the schema). */
int fsr_accel_net_load(FsrAccelNet **net, const char *path);

int fsr_accel_net_parse(FsrAccelNet **net, const char *json, const char *what);

/* The conv stack of an SR model applied to a w x h luma plane. */
int fsr_accel_net_from_model(FsrAccelNet **net, const FsrModel *model, int w, int h);

/* Validates a layer and derives P and Q. */
int fsr_accel_layer_check(FsrAccelLayer *layer);

/* Best mapping of one layer at batch n and its costs.  Fails (with the
 * reason in fsr_last_error) when no mapping fits the architecture. */
int fsr_accel_eval_layer(FsrAccelResult *res, const FsrAccelArch *arch,
                         const FsrAccelLayer *layer, int batch,
                         const FsrAccelOptions *opt);

/* The same for any network (e.g. fsr_accel_net_builtin "srcnn-9-1-5"). */
int fsr_accel_net_frame_cost(FsrAccelFrameCost *cost, const FsrAccelArch *arch,
                             const FsrAccelNet *net);

/* Energies relative to one MAC, in Eyeriss's ratios (MAC 1, RF 1, array 2,
 * buffer 6, DRAM 200), unit "mac", no static power. */
void accel_relative_energies(FsrAccelArch *a);

#endif
