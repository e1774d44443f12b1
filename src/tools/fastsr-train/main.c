/* fastsr-train: trains an SRCNN-style model, or an LR-space one (FSRCNN,
 * ESPCN), on image folders. */
#include <getopt.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fastsr/bicubic.h"
#include "fastsr/eval.h"
#include "fastsr/model.h"
#include "fastsr/sr.h"
#include "fastsr/train.h"
#include "toolutil.h"
#include "trainutil.h"

#define MAX_DIRS 16

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: fastsr-train --arch 9-5-5|9-3-5|9-1-5|fsrcnn|espcn --scale S --data DIR [--data DIR ...]\n"
            "                    --out MODEL [options]\n"
            "Trains SRCNN on luma patches (bicubic-upscaled LR in, HR out), or an LR-space network\n"
            "(LR luma in, HR out), MSE loss, Adam.\n"
            "\n"
            "  --arch A             9-5-5, 9-3-5, 9-1-5, or any K1-K2-K3 (SRCNN, 64 and 32 channels);\n"
            "                       fsrcnn or fsrcnn:D,S,M (default 56,12,4: PReLU, 9x9 transposed conv);\n"
            "                       espcn (5x5 64, 3x3 32, 3x3 scale^2, ReLU, pixel shuffle)\n"
            "  --scale S            2, 3 or 4\n"
            "  --data DIR           training images (any format FFmpeg reads); repeatable\n"
            "  --val DIR            validation images: PSNR-Y with the standard protocol every epoch;\n"
            "                       MODEL keeps the best epoch\n"
            "  --out MODEL          output .safetensors\n"
            "  --epochs N           passes over the data (default 50); one pass = patches at stride 14\n"
            "  --iters N            stop after N steps instead\n"
            "  --batch N            patches per step (default 16)\n"
            "  --patch N            input patch size (default 33; LR pixels for fsrcnn/espcn, default 24)\n"
            "  --stride N           patch stride that defines an epoch (default 14; LR pixels for\n"
            "                       fsrcnn/espcn, default 7)\n"
            "  --lr X               Adam learning rate (default 1e-4)\n"
            "  --lr-last X          learning rate of the last layer (default lr/10, as SRCNN)\n"
            "  --seed N             random seed (default 1)\n"
            "  --threads N          threads (default: all cores); a run depends on seed and threads\n"
            "  --max-size N         shrink images larger than N first (default 800; 0: never)\n"
            "  --checkpoint FILE    checkpoint path (default MODEL.ckpt), written every epoch\n"
            "  --resume FILE        continue from a checkpoint\n"
            "  -q, --quiet          no progress line\n"
            "  -h, --help\n");
}

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* What a checkpoint carries besides the weights. */
typedef struct Progress {
    uint64_t rng;
    int64_t epoch, step_in_epoch;
    double best_psnr;
    int64_t best_epoch;
} Progress;

enum { ARCH_SRCNN, ARCH_FSRCNN, ARCH_ESPCN };

/* fsrcnn or fsrcnn:D,S,M; espcn.  Returns the kind, or -1. */
static int parse_lr_arch(const char *a, int dsm[3])
{
    dsm[0] = 56, dsm[1] = 12, dsm[2] = 4;
    if (!strcmp(a, "espcn"))
        return ARCH_ESPCN;
    if (strncmp(a, "fsrcnn", 6))
        return -1;
    if (!a[6])
        return ARCH_FSRCNN;
    if (a[6] != ':')
        return -1;
    char *end;
    a += 7;
    for (int i = 0; i < 3; i++) {
        long v = strtol(a, &end, 10);
        if (end == a || v < (i == 2 ? 0 : 1) || v > (i == 2 ? 12 : 256) || (i < 2 ? *end != ',' : *end != 0))
            return -1;
        dsm[i] = (int)v;
        a = end + 1;
    }
    return ARCH_FSRCNN;
}

static int parse_arch(const char *a, int k[3])
{
    char *end;
    for (int i = 0; i < 3; i++) {
        long v = strtol(a, &end, 10);
        if (end == a || v < 1 || v > 15 || !(v & 1) || (i < 2 ? *end != '-' : *end != 0))
            return -1;
        k[i] = (int)v;
        a = end + 1;
    }
    return 0;
}

typedef struct TrainOptions {
    const char *arch, *out, *val_dir, *ckpt, *resume;
    const char *dirs[MAX_DIRS];
    int ndirs, scale, epochs, batch, patch, stride, threads, max_size, quiet;
    int k[3];
    int kind, dsm[3];   /* ARCH_*; FSRCNN's d, s, m */
    long long iters;
    double lr, lr_last;
    unsigned long long seed;
    char ckpt_buf[4096];
} TrainOptions;

#define BAD(...) do { fprintf(stderr, "fastsr-train: " __VA_ARGS__); fputc('\n', stderr); return 2; } while (0)

/* 0 to train, 1 for --help (printed), 2 for a usage error (printed). */
static int parse_options(TrainOptions *o, int argc, char **argv)
{
    enum { O_ARCH = 256, O_SCALE, O_DATA, O_VAL, O_OUT, O_EPOCHS, O_ITERS, O_BATCH, O_PATCH, O_LR, O_LRL, O_SEED,
           O_THREADS, O_MAX, O_CKPT, O_RESUME, O_STRIDE };
    static const struct option opts[] = {
        { "arch", required_argument, NULL, O_ARCH }, { "scale", required_argument, NULL, O_SCALE },
        { "data", required_argument, NULL, O_DATA }, { "val", required_argument, NULL, O_VAL },
        { "out", required_argument, NULL, O_OUT }, { "epochs", required_argument, NULL, O_EPOCHS },
        { "iters", required_argument, NULL, O_ITERS }, { "batch", required_argument, NULL, O_BATCH },
        { "patch", required_argument, NULL, O_PATCH }, { "lr", required_argument, NULL, O_LR },
        { "lr-last", required_argument, NULL, O_LRL }, { "seed", required_argument, NULL, O_SEED },
        { "threads", required_argument, NULL, O_THREADS }, { "max-size", required_argument, NULL, O_MAX },
        { "checkpoint", required_argument, NULL, O_CKPT }, { "resume", required_argument, NULL, O_RESUME },
        { "stride", required_argument, NULL, O_STRIDE },
        { "quiet", no_argument, NULL, 'q' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof(*o));
    o->epochs = 50;
    o->batch = 16;
    o->patch = 0;
    o->max_size = 800;
    o->lr = 1e-4;
    o->lr_last = -1;
    o->seed = 1;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case O_ARCH: o->arch = optarg; break;
        case O_SCALE: o->scale = (int)strtol(optarg, &end, 10); if (*end || !fsr_scale_supported(o->scale)) BAD("--scale must be 2, 3 or 4"); break;
        case O_DATA: if (o->ndirs == MAX_DIRS) BAD("at most %d --data folders", MAX_DIRS); o->dirs[o->ndirs++] = optarg; break;
        case O_VAL: o->val_dir = optarg; break;
        case O_OUT: o->out = optarg; break;
        case O_EPOCHS: o->epochs = (int)strtol(optarg, &end, 10); if (*end || o->epochs < 1) BAD("--epochs must be >= 1"); break;
        case O_ITERS: o->iters = strtoll(optarg, &end, 10); if (*end || o->iters < 1) BAD("--iters must be >= 1"); break;
        case O_BATCH: o->batch = (int)strtol(optarg, &end, 10); if (*end || o->batch < 1 || o->batch > 4096) BAD("--batch must be 1..4096"); break;
        case O_PATCH: o->patch = (int)strtol(optarg, &end, 10); if (*end || o->patch < 8 || o->patch > 256) BAD("--patch must be 8..256"); break;
        case O_LR: o->lr = strtod(optarg, &end); if (*end || !(o->lr > 0 && o->lr < 1)) BAD("--lr must be in (0, 1)"); break;
        case O_LRL: o->lr_last = strtod(optarg, &end); if (*end || !(o->lr_last > 0 && o->lr_last < 1)) BAD("--lr-last must be in (0, 1)"); break;
        case O_SEED: o->seed = strtoull(optarg, &end, 10); if (*end) BAD("--seed must be an integer"); break;
        case O_THREADS: o->threads = (int)strtol(optarg, &end, 10); if (*end || o->threads < 1 || o->threads > 256) BAD("--threads must be 1..256"); break;
        case O_MAX: o->max_size = (int)strtol(optarg, &end, 10); if (*end || o->max_size < 0) BAD("--max-size must be >= 0"); break;
        case O_STRIDE: o->stride = (int)strtol(optarg, &end, 10); if (*end || o->stride < 1 || o->stride > 256) BAD("--stride must be 1..256"); break;
        case O_CKPT: o->ckpt = optarg; break;
        case O_RESUME: o->resume = optarg; break;
        case 'q': o->quiet = 1; break;
        case 'h': usage(stdout); return 1;
        default: BAD("unknown or incomplete option '%s' (see --help)", argv[optind - 1]);
        }
    }
    if (!o->arch)
        BAD("--arch is required (9-5-5, fsrcnn, espcn, ...)");
    if ((o->kind = parse_lr_arch(o->arch, o->dsm)) < 0) {
        if (parse_arch(o->arch, o->k) < 0)
            BAD("--arch must be K1-K2-K3 with odd kernel sizes (e.g. 9-5-5), fsrcnn, fsrcnn:D,S,M or espcn");
        o->kind = ARCH_SRCNN;
    }
    if (!o->patch)
        o->patch = o->kind == ARCH_SRCNN ? 33 : 24;
    if (!o->stride)
        o->stride = o->kind == ARCH_SRCNN ? 14 : 7;
    if (!o->scale)
        BAD("--scale is required");
    if (!o->ndirs)
        BAD("at least one --data folder is required");
    if (!o->out)
        BAD("--out is required");
    if (optind != argc)
        BAD("unexpected argument '%s'", argv[optind]);
    if (o->lr_last < 0)
        o->lr_last = o->lr / 10;
    if (!o->ckpt) {
        snprintf(o->ckpt_buf, sizeof(o->ckpt_buf), "%s.ckpt", o->out);
        o->ckpt = o->ckpt_buf;
    }
    return 0;
}

/* A training run: its data, model, optimiser and where it stands. */
typedef struct Training {
    const TrainOptions *o;
    int threads, out_size;
    FsrPatchSource *ps;
    ToolValSet val;
    FsrModel *model;
    FsrTrainer *tr;
    Progress pr;
    int64_t steps_per_epoch, total_steps, start_step;
    int out_offset;
    float *inputs, *targets;
    double t0, loss_avg, val_psnr;
} Training;

/* The patch source and the model with its trainer, resumed from a
 * checkpoint if asked.  0, or a negative error with fsr_last_error() set. */
static int training_open_data(Training *t)
{
    const TrainOptions *o = t->o;
    FsrPatchSourceSettings pss = { .scale = o->scale, .max_size = o->max_size,
                                   .min_size = o->kind == ARCH_SRCNN ? o->patch : o->patch * o->scale };
    int ret;
    if ((ret = fsr_patches_open(&t->ps, &pss)) < 0)
        return ret;
    for (int i = 0; i < o->ndirs; i++)
        if ((ret = fsr_patches_add_dir(t->ps, o->dirs[i])) < 0)
            return ret;
    return 0;
}

static int training_create_model(Training *t)
{
    const TrainOptions *o = t->o;
    int ret;
    if (o->kind == ARCH_SRCNN) {
        const int ch[4] = { 1, 64, 32, 1 };
        ret = fsr_model_open_empty(&t->model, "srcnn", o->scale, FSR_PAD_REPLICATE, 3, ch, o->k);
    } else if (o->kind == ARCH_FSRCNN) {
        /* Dong et al. 2016: 5x5 d, 1x1 s, m x 3x3 s, 1x1 d, PReLU after
         * each, 9x9 transposed convolution to the HR luma */
        const int d = o->dsm[0], sh = o->dsm[1], mm = o->dsm[2], n = mm + 4;
        int ch[FSR_MODEL_MAX_LAYERS + 1], k[FSR_MODEL_MAX_LAYERS];
        ch[0] = 1, k[0] = 5, ch[1] = d;
        k[1] = 1, ch[2] = sh;
        for (int i = 0; i < mm; i++)
            k[2 + i] = 3, ch[3 + i] = sh;
        k[2 + mm] = 1, ch[3 + mm] = d;
        k[3 + mm] = 9, ch[4 + mm] = 1;
        ret = fsr_model_open_empty_lr(&t->model, "fsrcnn", o->scale, FSR_PAD_REPLICATE, FSR_UP_DECONV, n, ch, k,
                                  FSR_ACT_PRELU);
    } else {
        const int ch[4] = { 1, 64, 32, o->scale * o->scale }, k[3] = { 5, 3, 3 };
        ret = fsr_model_open_empty_lr(&t->model, "espcn", o->scale, FSR_PAD_REPLICATE, FSR_UP_SHUFFLE, 3, ch, k,
                                  FSR_ACT_RELU);
    }
    if (ret < 0)
        return ret;
    fsr_train_init_weights(t->model, o->seed);
    FsrTrainSettings ts;
    fsr_trainer_defaults(&ts);
    ts.batch = o->batch;
    ts.lr = (float)o->lr;
    ts.lr_last = (float)o->lr_last;
    ts.threads = t->threads;
    if ((ret = fsr_trainer_open(&t->tr, t->model, &ts)) < 0)
        return ret;
    t->out_size = fsr_train_out_size(t->model, ts.padding, o->patch);
    t->out_offset = fsr_train_out_offset(t->model, ts.padding, o->patch);
    return 0;
}

static int training_resume(Training *t)
{
    const TrainOptions *o = t->o;
    int ret;
    if ((ret = fsr_trainer_load(t->tr, o->resume, &t->pr, sizeof(t->pr))) < 0)
        return ret;
    /* a checkpoint holds the last weights; OUT keeps the best epoch */
    if (!o->quiet)
        fprintf(stderr, "fastsr-train: resumed %s at epoch %lld, step %lld\n", o->resume, (long long)t->pr.epoch,
                (long long)fsr_trainer_steps(t->tr));
    return 0;
}

/* The end of an epoch: validation, MODEL (the best epoch with --val, else
 * the last), the checkpoint and a line of progress. */
static int training_end_epoch(Training *t, int64_t step, int tty)
{
    const TrainOptions *o = t->o;
    Progress *pr = &t->pr;
    pr->epoch = step / t->steps_per_epoch;
    const double psnr = t->val.n ? tool_val_psnr(t->model, &t->val, t->threads) : NAN;
    if (t->val.n) {
        t->val_psnr = psnr;
        if (psnr > pr->best_psnr) {
            pr->best_psnr = psnr;
            pr->best_epoch = pr->epoch;
            if (fsr_model_save(t->model, o->out) < 0)
                return -1;
        }
    } else if (fsr_model_save(t->model, o->out) < 0) {
        return -1;
    }
    if (fsr_trainer_save(t->tr, o->ckpt, pr, sizeof(*pr)) < 0)
        return -1;
    if (!o->quiet)
        fprintf(stderr, "%sepoch %lld  step %lld  loss %.6f  PSNR(val) %.3f dB  best %.3f (epoch %lld)  %.0f s\n",
                tty ? "\r\033[K" : "", (long long)pr->epoch, (long long)step, t->loss_avg, psnr, pr->best_psnr,
                (long long)pr->best_epoch, tool_wall_seconds() - t->t0);
    return 0;
}

/* Steps until the end or a signal. */
static int training_loop(Training *t)
{
    const TrainOptions *o = t->o;
    const int tty = isatty(STDERR_FILENO) && !o->quiet;
    double last_print = 0;
    t->t0 = tool_wall_seconds();
    t->start_step = fsr_trainer_steps(t->tr);
    t->val_psnr = t->pr.best_psnr;
    while (fsr_trainer_steps(t->tr) < t->total_steps && !stop) {
        double loss;
        const int sampled = o->kind == ARCH_SRCNN
            ? fsr_patches_sample(t->ps, &t->pr.rng, o->batch, o->patch, t->out_size, t->inputs, t->targets)
            : fsr_patches_sample_lr(t->ps, &t->pr.rng, o->batch, o->patch, t->out_size, t->out_offset, t->inputs,
                                    t->targets);
        if (sampled < 0 ||
            fsr_trainer_step(t->tr, t->inputs, t->targets, o->batch, o->patch, &loss) < 0)
            return -1;
        t->loss_avg = t->loss_avg ? 0.99 * t->loss_avg + 0.01 * loss : loss;
        const int64_t step = fsr_trainer_steps(t->tr);
        if (step % t->steps_per_epoch == 0 || step == t->total_steps) {
            if (training_end_epoch(t, step, tty) < 0)
                return -1;
        } else if (tty && tool_wall_seconds() - last_print > 1.0) {
            last_print = tool_wall_seconds();
            const double el = tool_wall_seconds() - t->t0, rate = (step - t->start_step) / el;
            const double eta = rate > 0 ? (t->total_steps - step) / rate : 0;
            fprintf(stderr, "\r\033[Kstep %lld/%lld  loss %.6f  val %.3f dB  %.0f patches/s  ETA %dh%02dm",
                    (long long)step, (long long)t->total_steps, t->loss_avg, t->val_psnr, rate * o->batch,
                    (int)(eta / 3600), (int)fmod(eta / 60, 60));
        }
    }
    return 0;
}

/* After the loop: the state saved on a signal (status 130), else the
 * final MODEL.  Returns the exit status, or -1 on error. */
static int training_finish(Training *t)
{
    const TrainOptions *o = t->o;
    if (stop) {
        /* interrupted: the state is saved, then the same clean-up as a
         * finished run */
        if (fsr_trainer_save(t->tr, o->ckpt, &t->pr, sizeof(t->pr)) < 0)
            return -1;
        fprintf(stderr, "\nfastsr-train: interrupted; state saved in %s (continue with --resume %s)\n", o->ckpt,
                o->ckpt);
        return 130;
    }
    if (!t->val.n && fsr_model_save(t->model, o->out) < 0)
        return -1;
    if (!o->quiet)
        fprintf(stderr, "fastsr-train: done in %.0f s; %s%s\n", tool_wall_seconds() - t->t0, o->out,
                t->val.n ? " holds the best validation epoch" : "");
    return 0;
}

static void training_close(Training *t)
{
    free(t->inputs);
    free(t->targets);
    fsr_trainer_close(&t->tr);
    fsr_model_close(&t->model);
    fsr_patches_close(&t->ps);
    tool_val_free(&t->val);
}

int main(int argc, char **argv)
{
    TrainOptions o;
    int ret = parse_options(&o, argc, argv);
    if (ret)
        return ret == 1 ? 0 : ret;
    if (o.threads)
        omp_set_num_threads(o.threads);
    Training t = { .o = &o, .threads = o.threads ? o.threads : omp_get_max_threads() };
    if (training_open_data(&t) < 0)
        goto fail;
    if (o.val_dir && tool_val_load(&t.val, o.val_dir, "fastsr-train"))
        return 1;
    if (training_create_model(&t) < 0)
        goto fail;
    if (t.out_size < 1)
        BAD("--patch %d is too small for %s", o.patch, o.arch);
    t.pr = (Progress){ .rng = o.seed * 0x9e3779b97f4a7c15ull + 1, .best_psnr = -1 };
    if (o.resume && training_resume(&t) < 0)
        goto fail;
    /* an LR patch at an LR stride is its HR patch at scale x the stride */
    const int f = o.kind == ARCH_SRCNN ? 1 : o.scale;
    const int64_t per_epoch = fsr_patches_per_epoch(t.ps, o.patch * f, o.stride * f);
    t.steps_per_epoch = per_epoch / o.batch > 0 ? per_epoch / o.batch : 1;
    t.total_steps = o.iters ? o.iters : t.steps_per_epoch * o.epochs;
    if (!o.quiet)
        fprintf(stderr,
                "fastsr-train: %s x%d, %d images, %lld patches per epoch (%lld steps of %d), %lld steps, %d threads; "
                "patch %d -> target %d\n",
                o.arch, o.scale, fsr_patches_count(t.ps), (long long)per_epoch, (long long)t.steps_per_epoch,
                o.batch, (long long)t.total_steps, t.threads, o.patch, t.out_size);
    t.inputs = malloc(sizeof(float) * (size_t)o.batch * o.patch * o.patch);
    t.targets = malloc(sizeof(float) * (size_t)o.batch * t.out_size * t.out_size);
    if (!t.inputs || !t.targets)
        BAD("out of memory");
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int status;
    if (training_loop(&t) < 0 || (status = training_finish(&t)) < 0)
        goto fail;
    training_close(&t);
    return status;
fail:
    fprintf(stderr, "fastsr-train: error: %s\n", fsr_last_error());
    return 1;
}
