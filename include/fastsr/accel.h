/* Eyeriss-style DNN accelerator model: an analytical model of a spatial array
 * of PEs (per-PE register files, a global buffer, DRAM) running conv / fc
 * layers with the row-stationary dataflow of Eyeriss (Chen, Emer, Sze), or
 * weight- or output-stationary for comparison.  For every layer it searches
 * the mapping under the storage and array constraints and reports MACs,
 * active PEs, cycles, DRAM traffic, accesses and energy per memory level and
 * data type, and an Eyexam-style list of throughput bounds.
 *
 * It also prices SR and FAST's transferred frames per frame
 * (fsr_accel_frame_cost, fsr_accel_transfer_cost); the chip's fixed-point
 * arithmetic is the FSR_SR_FIXED backend of fastsr/sr.h.  See README
 * "Accelerator model". */
#ifndef FASTSR_ACCEL_H
#define FASTSR_ACCEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fastsr/common.h"
#include "fastsr/model.h"
#include "fastsr/sr.h"

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

/* How DRAM transfers and processing share time. */
enum FsrAccelOverlap {
    FSR_ACCEL_OVERLAP_NONE = 0, /* every transfer stalls the array */
    FSR_ACCEL_OVERLAP_FULL = 1, /* all transfers hidden behind processing */
    /* Eyeriss v1: the buffer prefetches ifmaps and drains ofmaps while the
     * array runs; what the array cannot run without stalls it: filters
     * written straight into the (single-buffered) filter spads, the first
     * pass's ifmap and the last pass's ofmap.  See README "Timing". */
    FSR_ACCEL_OVERLAP_PREFETCH = 2,
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
    int rounding;            /* enum FsrRounding (fastsr/sr.h) */
    double clock_hz;
    double dram_bytes_per_cycle; /* per core clock cycle */
    int dram_overlap;        /* enum FsrAccelOverlap */
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
    /* On-chip power that no access accounts for (clock network, leakage,
     * control), in mW, charged for the whole latency; "pJ" only. */
    double static_mw;
    /* What the chip's paper publishes and this model does not compute, for
     * the metrics sheet (fsr_accel_sheet_fill): process technology ("":
     * not known), core area in mm^2 (0: not known), the paper (source), and
     * where the pJ figures come from (energy_source).  Set by the built-in
     * presets; an architecture file leaves them unknown (energy_source too
     * when it gives its own "energy"). */
    char process[48];
    double core_area_mm2;
    char source[96];
    char energy_source[96];
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
    /* DRAM cycles the array waits for (cycles = compute + exposed, or more
     * when the hidden transfers outlast processing) */
    int64_t exposed_dram_cycles;
    int dram_bound;          /* 1 when DRAM cycles exceed compute cycles */
    double latency_s;
    int64_t dram_bytes;
    int64_t accesses[FSR_ACCEL_NLEVELS][FSR_ACCEL_NDATA]; /* words */
    double energy_mac;
    double energy_level[FSR_ACCEL_NLEVELS];
    double energy_data[FSR_ACCEL_NDATA];
    double energy_static;    /* static_mw over the latency */
    double energy_total;     /* mac + levels + static */
    double energy_onchip;    /* energy_total less DRAM */
    /* Average on-chip power over the latency, mW ("pJ" architectures; 0
     * otherwise): what a chip's measured power compares with. */
    double power_mw;
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

/* A built-in architecture by name ("eyeriss-v1"; "eyeriss-v1-tiled": the
 * same with column tiling of wide frames), or a JSON file. */
FSR_API int fsr_accel_arch_get(FsrAccelArch *arch, const char *name_or_path);

/* ---- networks ---- */

/* Built-in name, .safetensors model (through fsr_model_open) or JSON file. */
FSR_API int fsr_accel_net_open(FsrAccelNet **net, const char *spec, int w, int h);
FSR_API void fsr_accel_net_close(FsrAccelNet **net);

/* ---- evaluation ---- */

typedef struct FsrAccelOptions {
    int objective; /* enum FsrAccelObjective */
    int dataflow;  /* -1: the architecture's; else enum FsrAccelDataflow */
    /* 1: ignore the layers' measured zeros (no zero gating, raw DRAM
     * words): costs from the shapes alone, as before sparsity was modelled */
    int shape_only;
} FsrAccelOptions;

FSR_API void fsr_accel_defaults(FsrAccelOptions *opt);

/* The best mapping of every layer at batch n, and the totals.  Fails (with
 * the reason in fsr_last_error) when a layer fits no mapping. */
FSR_API int fsr_accel_eval_net(FsrAccelReport **report, const FsrAccelArch *arch,
                               const FsrAccelNet *net, int batch,
                               const FsrAccelOptions *opt);
FSR_API void fsr_accel_report_close(FsrAccelReport **report);

/* Calibrates an architecture's energies against measured on-chip power per
 * layer (mW at the architecture's clock, one per layer of net at batch):
 * keeps the ratios of e_mac and e_level, fits their scale in pJ and
 * static_mw by least squares on the relative error (model power = on-chip
 * energy / latency), re-mapping until the mappings stop changing.  arch
 * leaves in "pJ"; rms_rel_error (may be NULL) gets the fit's residual. */
FSR_API int fsr_accel_fit_power(FsrAccelArch *arch, const FsrAccelNet *net, int batch, const double *power_mw,
                                const FsrAccelOptions *opt, double *rms_rel_error);
/* Per-layer table and totals for people. */
FSR_API void fsr_accel_report_print(FILE *f, const FsrAccelReport *report);
/* The --json schema of fastsr-accel (see README). */
FSR_API int fsr_accel_report_write_json(const FsrAccelReport *report, const char *path);

/* ---- the metrics sheet ---- */

/* The figures Sze et al. (Proc. IEEE 2017, "Efficient Processing of Deep
 * Neural Networks: A Tutorial and Survey", Sec. VIII) ask a hardware result
 * to state, each marked with where it comes from. */
enum FsrAccelSheetKind {
    FSR_ACCEL_NOT_KNOWN = 0, /* no value */
    FSR_ACCEL_SIMULATED = 1, /* this model */
    FSR_ACCEL_MEASURED = 2,  /* on real data (PSNR, activation zeros) */
    FSR_ACCEL_PUBLISHED = 3, /* the chip's paper */
};

typedef struct FsrAccelSheetItem {
    const char *key;    /* JSON member name, e.g. "runtime_per_frame" */
    const char *metric; /* the sheet's row name */
    double value;       /* NAN: the figure is text (model, process) or not known */
    char unit[16];
    char text[192];     /* the value as people read it */
    int kind;           /* enum FsrAccelSheetKind */
    char source[192];
} FsrAccelSheetItem;

#define FSR_ACCEL_SHEET_ITEMS 16

typedef struct FsrAccelSheet {
    char arch[64], net[64];
    int n_items;
    FsrAccelSheetItem items[FSR_ACCEL_SHEET_ITEMS];
} FsrAccelSheet;

/* What a sheet states beyond the architecture and the network's report: the
 * frame size, measured quality, and, for a run that is not the network on
 * every frame (FAST), the run's own per-frame averages. */
typedef struct FsrAccelSheetRun {
    int w, h;                    /* frame size of an SR network (0: none) */
    const char *what;            /* the run, e.g. "FAST every:4: SR on 6 of 24 frames"; NULL: the network per frame */
    double seconds_per_frame;    /* < 0: the report's latency / batch */
    double energy_per_frame;     /* in the architecture's unit, DRAM included; < 0: the report's */
    double dram_energy_per_frame;/* its DRAM part; < 0: the report's */
    double dram_bytes_per_frame; /* < 0: the report's */
    double psnr_db;              /* NAN: not measured */
    const char *psnr_on;         /* the data PSNR was measured on */
    const char *psnr_source;     /* how it was measured */
    int frames;                  /* frames measured (0: none) */
    int zeros_frames;            /* frames the activation zeros were sampled on (0: not said) */
} FsrAccelSheetRun;

FSR_API void fsr_accel_sheet_run_defaults(FsrAccelSheetRun *run);

/* Fills the sheet of net (as evaluated in report with opt) on arch; run may
 * be NULL (the network alone, as fastsr-accel --sheet). */
FSR_API int fsr_accel_sheet_fill(FsrAccelSheet *sheet, const FsrAccelArch *arch, const FsrAccelNet *net,
                                 const FsrAccelReport *report, const FsrAccelOptions *opt,
                                 const FsrAccelSheetRun *run);
/* The sheet as a Markdown table (metric | value | kind | source). */
FSR_API void fsr_accel_sheet_print(FILE *f, const FsrAccelSheet *sheet);
/* The sheet as a JSON object (schema in README "Metrics sheet"); free() it.
 * NULL when out of memory. */
FSR_API char *fsr_accel_sheet_json(const FsrAccelSheet *sheet);
/* "not known", "simulated", "measured" or "published". */
FSR_API const char *fsr_accel_sheet_kind_name(int kind);

/* ---- per-frame costs (what fsr_run reports) ---- */

/* Time and energy of one frame (batch 1) on the accelerator. */
typedef struct FsrAccelFrameCost {
    int64_t macs;
    int64_t cycles;
    double seconds;
    double energy;        /* in energy_unit, DRAM included */
    double dram_energy;   /* the DRAM part of energy */
    int64_t dram_bytes;
    char energy_unit[8];
} FsrAccelFrameCost;

/* Joules of an energy in an architecture's unit; -1 when the unit is the
 * relative "mac". */
FSR_API double fsr_accel_joules(double energy, const char *energy_unit);

FSR_API int fsr_accel_frame_cost(FsrAccelFrameCost *cost, const FsrAccelArch *arch,
                                 const FsrModel *model, int w, int h);

/* The same with the activations' zeros measured on a sample: sample is the
 * network's input (the LR luma for an LR-input model, the bicubic-upscaled
 * luma otherwise, sw x sh), run through the chip's fixed-point datapath;
 * its share of zeros per layer stands for the w x h frame's.  Shapes alone
 * (fsr_accel_frame_cost) when sample is NULL, when the architecture neither
 * gates zeros nor run-length codes them, or for an LR-input model (the
 * fixed-point datapath runs bicubic-input models only).  layer_energy (NULL, or one per
 * model layer) gets each layer's energy in the architecture's unit. */
FSR_API int fsr_accel_frame_cost_sampled(FsrAccelFrameCost *cost, double *layer_energy, const FsrAccelArch *arch,
                                         const FsrModel *model, const uint8_t *sample, ptrdiff_t stride, int sw,
                                         int sh, int w, int h);

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

#endif
