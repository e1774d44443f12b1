/* Eyeriss-style DNN accelerator model: an analytical model of a spatial array
 * of PEs (per-PE register files, a global buffer, DRAM) running conv / fc
 * layers with the row-stationary dataflow of Eyeriss (Chen, Emer, Sze), or
 * weight- or output-stationary for comparison.  For every layer it searches
 * the mapping under the storage and array constraints and reports MACs,
 * active PEs, cycles, DRAM traffic, accesses and energy per memory level and
 * data type, and an Eyexam-style list of throughput bounds.
 *
 * It also runs SRCNN-style models in the chip's fixed-point arithmetic
 * (fsr_accel_sr_luma) and prices FAST's transferred frames
 * (fsr_accel_transfer_cost).  See README "Accelerator model". */
#ifndef FASTSR_ACCEL_H
#define FASTSR_ACCEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fastsr/common.h"
#include "fastsr/model.h"

enum FsrAccelDataflow {
    FSR_ACCEL_RS = 0, /* row stationary (Eyeriss) */
    FSR_ACCEL_WS = 1, /* weight stationary */
    FSR_ACCEL_OS = 2, /* output stationary */
};

enum FsrAccelObjective {
    FSR_ACCEL_MIN_ENERGY = 0,
    FSR_ACCEL_MIN_LATENCY = 1,
    FSR_ACCEL_MIN_EDP = 2,
};

/* How a wide accumulator is brought back to the word width. */
enum FsrAccelRounding {
    FSR_ROUND_NEAREST = 0,  /* add half an LSB, then shift (ties up) */
    FSR_ROUND_TRUNCATE = 1, /* arithmetic shift (towards -inf) */
};

/* How the row-stationary mapper may shape a logical PE set (R filter rows x
 * e ofmap rows). */
enum FsrAccelSetRule {
    /* As the Eyeriss v1 chip: the whole R x E set if it fits the array
     * (folded if E exceeds the columns), otherwise strip-mined into R x e
     * pieces with e <= columns; then as many sets as fit, replicated. */
    FSR_ACCEL_SETS_EYERISS = 0,
    /* Any e, any number of sets: the mapper chooses freely. */
    FSR_ACCEL_SETS_FREE = 1,
};

enum FsrAccelLevel {
    FSR_ACCEL_DRAM = 0,
    FSR_ACCEL_GLB = 1,
    FSR_ACCEL_ARRAY = 2,
    FSR_ACCEL_RF = 3,
    FSR_ACCEL_NLEVELS = 4,
};

enum FsrAccelDatatype {
    FSR_ACCEL_IFMAP = 0,
    FSR_ACCEL_FILTER = 1,
    FSR_ACCEL_PSUM = 2, /* partial sums and the final ofmap */
    FSR_ACCEL_NDATA = 3,
};

typedef struct FsrAccelArch {
    char name[64];
    int pe_rows, pe_cols;
    int rf_ifmap, rf_filter, rf_psum; /* words per PE */
    int64_t glb_bytes;
    int word_bits;           /* data word (ifmap, filter, ofmap) */
    int acc_bits;            /* accumulator of the fixed-point datapath */
    int rounding;            /* enum FsrAccelRounding */
    double clock_hz;
    double dram_bytes_per_cycle; /* per core clock cycle */
    int dram_overlap;        /* 1: DRAM transfers overlap compute */
    /* Words per cycle between the global buffer and the array, per data type
     * (Eyeriss v1: 64-bit buses of 16-bit words, so 4). */
    double noc_words_per_cycle[FSR_ACCEL_NDATA];
    /* 0: filters go from DRAM straight to the PE spads (Eyeriss v1 keeps
     * only ifmaps and psums in its global buffer); 1: through the buffer. */
    int filters_in_glb;
    /* 1: the PE's MAC datapath also adds the psums arriving from its
     * neighbour / the buffer, one cycle per add (Eyeriss v1). */
    int psum_add_uses_mac;
    int set_rule;            /* enum FsrAccelSetRule */
    /* 1: the mapper may cut wide ofmaps into column tiles that the host
     * feeds as narrower images (halo columns re-read); the Eyeriss v1 chip
     * as published processes whole rows, so 0 there. */
    int column_tiles;
    /* Eyeriss v1 features that depend on the data, off unless asked for:
     * rlc: activations cross the DRAM interface run-length coded (5-bit
     * zero runs + one word per non-zero, three pairs per 64 bits), when
     * that is smaller than raw; zero_gating: a zero ifmap skips the MAC and
     * the filter spad read (energy only).  Both use the layers' measured
     * ifmap_zeros / ofmap_zeros. */
    int rlc, zero_gating;
    int dataflow;            /* enum FsrAccelDataflow */
    /* Energy of one MAC and of one word access at each level, in
     * energy_unit ("mac": relative to one MAC, or "pJ"). */
    double e_mac;
    double e_level[FSR_ACCEL_NLEVELS];
    char energy_unit[8];
} FsrAccelArch;

enum FsrAccelLayerType { FSR_ACCEL_CONV = 0, FSR_ACCEL_FC = 1 };

/* Timeloop-like names: C input channels, M output channels (both totals
 * over all groups), H x W input (unpadded), R x S filter, P x Q output,
 * N batch. */
typedef struct FsrAccelLayer {
    char name[32];
    int type;
    int C, M, H, W, R, S, stride, pad, groups;
    int P, Q; /* derived by fsr_accel_layer_check */
    /* Measured share of zeros in the layer's input and output activations
     * (0 when unknown); used only by architectures with rlc / zero_gating. */
    double ifmap_zeros, ofmap_zeros;
} FsrAccelLayer;

typedef struct FsrAccelNet {
    char name[64];
    int n_layers;
    FsrAccelLayer *layers;
} FsrAccelNet;

/* The chosen mapping.  Row stationary uses the Eyeriss JSSC names: e ofmap
 * rows per PE set, n images per pass, p filters and q channels per PE, r
 * sets on different channels, t sets on different filters, m ofmap channels
 * whose psums live in the global buffer; plus g sets on different groups,
 * folds (set segments stacked when e > columns) and r_chunks (filter rows
 * split when R > rows) and q_tile (ofmap columns per column tile).  Weight/output stationary fill what applies. */
typedef struct FsrAccelMapping {
    int dataflow;
    int e, n, p, q, r, t, m, g;
    int folds, r_chunks;
    int q_tile, q_tiles; /* ofmap columns per tile, tiles */
    int set_rows, set_cols, sets;
    int64_t passes;
    int64_t glb_words_used;
    const char *order; /* loop order, outermost first */
} FsrAccelMapping;

#define FSR_ACCEL_MAX_BOUNDS 8

/* One Eyexam step: the MAC/cycle bound once this constraint is applied. */
typedef struct FsrAccelBound {
    const char *step;
    double macs_per_cycle;
} FsrAccelBound;

typedef struct FsrAccelResult {
    char name[32];
    FsrAccelLayer layer;     /* the layer as checked (P, Q derived) */
    int batch;
    int64_t macs;
    int active_pes;          /* PEs holding work in a full pass */
    double utilization;      /* macs / (cycles x all PEs) */
    int64_t cycles, compute_cycles, dram_cycles;
    int dram_bound;          /* 1 when DRAM cycles exceed compute cycles */
    double latency_s;
    int64_t dram_bytes;
    int64_t accesses[FSR_ACCEL_NLEVELS][FSR_ACCEL_NDATA]; /* words */
    double energy_mac;
    double energy_level[FSR_ACCEL_NLEVELS];
    double energy_data[FSR_ACCEL_NDATA];
    double energy_total;
    FsrAccelMapping mapping;
    int n_bounds;
    FsrAccelBound bounds[FSR_ACCEL_MAX_BOUNDS];
} FsrAccelResult;

typedef struct FsrAccelReport {
    char arch[64], net[64];
    char energy_unit[8];
    int batch;
    int objective;
    int n_layers;
    FsrAccelResult *layers;
    FsrAccelResult total; /* sums; active_pes is the maximum */
} FsrAccelReport;

/* ---- architectures ---- */

/* Eyeriss v1 (JSSC 2017): 12x14 PEs, 200 MHz, 16-bit, 108 kB buffer, spads
 * 12/224/24 words, 64-bit DRAM interface at 60 MHz, no overlap. */
FSR_API void fsr_accel_arch_eyeriss_v1(FsrAccelArch *arch);
/* A built-in architecture by name ("eyeriss-v1"; "eyeriss-v1-tiled": the
 * same with column tiling of wide frames), or a JSON file. */
FSR_API int fsr_accel_arch_get(FsrAccelArch *arch, const char *name_or_path);
FSR_API int fsr_accel_arch_parse(FsrAccelArch *arch, const char *json, const char *what);
/* Checks an architecture for impossible values. */
FSR_API int fsr_accel_arch_check(const FsrAccelArch *arch);

/* ---- networks ---- */

/* Built-in networks: "alexnet" (CONV1-5, grouped, as Eyeriss ran it),
 * "vgg16" (13 conv + 3 fc), "srcnn-9-5-5", "srcnn-9-3-5", "srcnn-9-1-5"
 * (at w x h, padded to keep the size).  w, h only matter for SRCNN. */
FSR_API int fsr_accel_net_builtin(FsrAccelNet **net, const char *name, int w, int h);
/* Network JSON file (see README for the schema). */
FSR_API int fsr_accel_net_load(FsrAccelNet **net, const char *path);
FSR_API int fsr_accel_net_parse(FsrAccelNet **net, const char *json, const char *what);
/* The conv stack of an SR model applied to a w x h luma plane. */
FSR_API int fsr_accel_net_from_model(FsrAccelNet **net, const FsrModel *model, int w, int h);
/* Built-in name, .safetensors model (through fsr_model_open) or JSON file. */
FSR_API int fsr_accel_net_open(FsrAccelNet **net, const char *spec, int w, int h);
FSR_API void fsr_accel_net_close(FsrAccelNet **net);
/* Validates a layer and derives P and Q. */
FSR_API int fsr_accel_layer_check(FsrAccelLayer *layer);

/* ---- evaluation ---- */

typedef struct FsrAccelOptions {
    int objective; /* enum FsrAccelObjective */
    int dataflow;  /* -1: the architecture's; else enum FsrAccelDataflow */
} FsrAccelOptions;

FSR_API void fsr_accel_defaults(FsrAccelOptions *opt);

/* Best mapping of one layer at batch n and its costs.  Fails (with the
 * reason in fsr_last_error) when no mapping fits the architecture. */
FSR_API int fsr_accel_eval_layer(FsrAccelResult *res, const FsrAccelArch *arch,
                                 const FsrAccelLayer *layer, int batch,
                                 const FsrAccelOptions *opt);
FSR_API int fsr_accel_eval_net(FsrAccelReport **report, const FsrAccelArch *arch,
                               const FsrAccelNet *net, int batch,
                               const FsrAccelOptions *opt);
FSR_API void fsr_accel_report_close(FsrAccelReport **report);
/* Per-layer table and totals for people. */
FSR_API void fsr_accel_report_print(FILE *f, const FsrAccelReport *report);
/* The --json schema of fastsr-accel (see README). */
FSR_API int fsr_accel_report_write_json(const FsrAccelReport *report, const char *path);

/* ---- SR backend ---- */

/* Time and energy of one frame (batch 1) on the accelerator. */
typedef struct FsrAccelFrameCost {
    int64_t macs;
    int64_t cycles;
    double seconds;
    double energy;        /* in energy_unit */
    int64_t dram_bytes;
    char energy_unit[8];
} FsrAccelFrameCost;

FSR_API int fsr_accel_frame_cost(FsrAccelFrameCost *cost, const FsrAccelArch *arch,
                                 const FsrModel *model, int w, int h);
/* The same for any network (e.g. fsr_accel_net_builtin "srcnn-9-1-5"). */
FSR_API int fsr_accel_net_frame_cost(FsrAccelFrameCost *cost, const FsrAccelArch *arch,
                                     const FsrAccelNet *net);

/* FAST's transfer of an SR'd frame to a non-key frame, per HR frame.  The
 * defaults (fsr_accel_transfer_defaults) and the assumptions are described
 * in README "Accelerator model: transfer cost". */
typedef struct FsrAccelTransferParams {
    int scale;            /* SR factor (2..4) */
    int interp_taps;      /* sub-pel filter taps at HR (8: HEVC luma) */
    double frac_mv;       /* share of predicted pixels with a fractional HR vector */
    double bipred;        /* share of predicted pixels with two predictions */
    double inter;         /* share of pixels that are predicted (rest: bicubic) */
    int residual_taps;    /* residual upsampling filter taps (4: bicubic) */
    double coded_residual;/* share of pixels whose block has a coded residual */
    int block;            /* LR block size for the reference halo (16) */
    int residual_bytes;   /* bytes per LR residual sample (2: int16) */
} FsrAccelTransferParams;

FSR_API void fsr_accel_transfer_defaults(FsrAccelTransferParams *p, int scale);
FSR_API int fsr_accel_transfer_cost(FsrAccelFrameCost *cost, const FsrAccelArch *arch,
                                     const FsrAccelTransferParams *p, int w, int h);

/* A prepared fixed-point model for many frames: quantisation is done once,
 * and the frame cost is cached per size.  Every call validates its
 * arguments; close frees and NULLs. */
typedef struct FsrAccelSr FsrAccelSr;
FSR_API int fsr_accel_sr_open(FsrAccelSr **ctx, const FsrModel *model, const FsrAccelArch *arch);
FSR_API int fsr_accel_sr_run(FsrAccelSr *ctx, uint8_t *dst, ptrdiff_t dst_stride,
                             const uint8_t *src, ptrdiff_t src_stride, int w, int h,
                             FsrAccelFrameCost *cost);
FSR_API void fsr_accel_sr_close(FsrAccelSr **ctx);

/* One-shot form of open + run + close.
 * Runs the model on a bicubic-upscaled luma plane in the architecture's
 * fixed-point arithmetic (word_bits, acc_bits, rounding; scheme in README
 * "Accelerator model: quantisation").  dst may not alias src.  When cost is
 * not NULL it receives the model's cycles and energy for this frame. */
FSR_API int fsr_accel_sr_luma(uint8_t *dst, ptrdiff_t dst_stride,
                              const uint8_t *src, ptrdiff_t src_stride, int w, int h,
                              const FsrModel *model, const FsrAccelArch *arch,
                              FsrAccelFrameCost *cost);

#endif
