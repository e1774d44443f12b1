/* fastsr-adapt: a trained SR model adapted to a measured budget (NetAdapt,
 * Yang et al. ECCV 2018) or pruned in the order of its layers' energy on an
 * accelerator (energy-aware pruning, Yang et al. CVPR 2017), with the
 * magnitude-based and uniform baselines they are compared with. */
#ifndef FASTSR_ADAPT_H
#define FASTSR_ADAPT_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "fastsr/accel.h"
#include "fastsr/model.h"
#include "fastsr/train.h"
#include "trainutil.h"

#define ADAPT_MAX_DIRS 16
#define ADAPT_MAX_ROWS 256

enum AdaptMethod { M_NETADAPT, M_ENERGY_AWARE, M_MAGNITUDE, M_UNIFORM, M_FINETUNE, M_COUNT };
enum CostKind { COST_LATENCY, COST_ENERGY };

typedef struct AdaptOptions {
    const char *model, *budget, *platform, *out_dir, *val_dir, *test_dir;
    const char *dirs[ADAPT_MAX_DIRS];
    int ndirs;
    int method;
    int w, h;                         /* output frame the cost is for */
    int cost_kind;                    /* enum CostKind */
    double budget_value;              /* in cost units, or a fraction of the parent's cost */
    int budget_relative;
    double step, step_decay, tolerance;
    long long short_iters, final_iters, warmup_iters;
    int max_iters, reps, threads, batch, patch, max_size, resume, quiet;
    int wall_clock;                   /* CPU latency in wall time, not CPU time / threads */
    double lr, lr_last;
    unsigned long long seed;
} AdaptOptions;

/* One network of the family: what the table shows for it. */
typedef struct Row {
    char file[64];
    char channels[128];   /* e.g. 1-56-12-12-12-12-12-56-1 */
    char change[48];      /* e.g. "conv3 -2 (12->10)", "parent" */
    long long macs;       /* per output pixel */
    double cost;          /* measured: ms or J per frame */
    double psnr;          /* validation PSNR-Y after its (short) fine-tune */
    double seconds;       /* wall time spent making it */
} Row;

typedef struct Adapt {
    const AdaptOptions *o;
    FsrPatchSource *ps;
    ToolValSet val, test;
    FsrAccelArch arch;
    int accel;                 /* cost from the accelerator model, else this CPU */
    const char *unit;          /* "ms" or "J" */
    /* CPU latency: input and output planes of one frame */
    uint8_t *in, *out;
    /* the accelerator's activation zeros are sampled on this input patch */
    uint8_t *sample;
    int sample_size;
    /* measured costs by channel signature (the same network is never timed twice) */
    struct CostEntry { char sig[128]; double cost; } *cache;
    int ncache, cache_cap;
    double budget;             /* absolute, in cost units */
    Row rows[ADAPT_MAX_ROWS];
    int nrows;
    double t0;
} Adapt;

extern volatile sig_atomic_t adapt_stop;

/* cost.c */
int adapt_cost_open(Adapt *a);
void adapt_cost_close(Adapt *a);
void adapt_signature(const FsrModel *m, char *buf, size_t size);
/* Measured cost of m (cached by channel signature); 0 or -1 (printed). */
int adapt_cost(Adapt *a, const FsrModel *m, double *cost);
/* Each layer's share of the accelerator's energy (accelerator costs only). */
int adapt_layer_energy(Adapt *a, const FsrModel *m, double *energy);

/* report.c */
int adapt_write_table(const Adapt *a, const char *parent_name);
int adapt_write_plot(const Adapt *a, const char *path);
void adapt_row_print(const Adapt *a, const Row *r, FILE *f);
int adapt_proposal_log(const Adapt *a, int iter, const char *what, const FsrModel *m, double cost, double psnr);

#endif
