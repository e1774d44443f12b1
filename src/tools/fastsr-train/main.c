/* fastsr-train: trains an SRCNN-style model on image folders. */
#include <dirent.h>
#include <getopt.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fastsr/eval.h"
#include "fastsr/model.h"
#include "fastsr/sr.h"
#include "fastsr/train.h"

#define MAX_DIRS 16
#define MAX_VAL 64

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: fastsr-train --arch 9-5-5|9-3-5|9-1-5 --scale S --data DIR [--data DIR ...] --out MODEL\n"
            "                    [options]\n"
            "Trains SRCNN on luma patches (bicubic-upscaled LR in, HR out), MSE loss, Adam.\n"
            "\n"
            "  --arch A             9-5-5, 9-3-5, 9-1-5, or any K1-K2-K3 (64 and 32 channels)\n"
            "  --scale S            2, 3 or 4\n"
            "  --data DIR           training images (any format FFmpeg reads); repeatable\n"
            "  --val DIR            validation images: PSNR-Y with the standard protocol every epoch;\n"
            "                       MODEL keeps the best epoch\n"
            "  --out MODEL          output .safetensors\n"
            "  --epochs N           passes over the data (default 50); one pass = patches at stride 14\n"
            "  --iters N            stop after N steps instead\n"
            "  --batch N            patches per step (default 16)\n"
            "  --patch N            input patch size (default 33)\n"
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

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct ValSet {
    int n;
    uint8_t *rgb[MAX_VAL];
    int w[MAX_VAL], h[MAX_VAL];
} ValSet;

/* What a checkpoint carries besides the weights. */
typedef struct Progress {
    uint64_t rng;
    int64_t epoch, step_in_epoch;
    double best_psnr;
    int64_t best_epoch;
} Progress;

static double validate(const FsrModel *m, const ValSet *val, int scale, int threads)
{
    FsrSR *sr = NULL;
    if (fsr_sr_open(&sr, m, threads) < 0)
        return NAN;
    double sum = 0;
    for (int i = 0; i < val->n; i++) {
        FsrEvalOptions opt = { .scale = scale, .protocol = FSR_EVAL_Y_FIRST, .upscaler = FSR_EVAL_UP_IMRESIZE,
                               .sr = sr };
        FsrEvalResult res;
        if (fsr_eval_rgb(&res, val->rgb[i], (ptrdiff_t)val->w[i] * 3, val->w[i], val->h[i], &opt) < 0) {
            fsr_sr_close(&sr);
            return NAN;
        }
        sum += res.psnr_y;
    }
    fsr_sr_close(&sr);
    return sum / val->n;
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

int main(int argc, char **argv)
{
    enum { O_ARCH = 256, O_SCALE, O_DATA, O_VAL, O_OUT, O_EPOCHS, O_ITERS, O_BATCH, O_PATCH, O_LR, O_LRL, O_SEED,
           O_THREADS, O_MAX, O_CKPT, O_RESUME };
    static const struct option opts[] = {
        { "arch", required_argument, NULL, O_ARCH }, { "scale", required_argument, NULL, O_SCALE },
        { "data", required_argument, NULL, O_DATA }, { "val", required_argument, NULL, O_VAL },
        { "out", required_argument, NULL, O_OUT }, { "epochs", required_argument, NULL, O_EPOCHS },
        { "iters", required_argument, NULL, O_ITERS }, { "batch", required_argument, NULL, O_BATCH },
        { "patch", required_argument, NULL, O_PATCH }, { "lr", required_argument, NULL, O_LR },
        { "lr-last", required_argument, NULL, O_LRL }, { "seed", required_argument, NULL, O_SEED },
        { "threads", required_argument, NULL, O_THREADS }, { "max-size", required_argument, NULL, O_MAX },
        { "checkpoint", required_argument, NULL, O_CKPT }, { "resume", required_argument, NULL, O_RESUME },
        { "quiet", no_argument, NULL, 'q' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
    };
    const char *arch = NULL, *out = NULL, *val_dir = NULL, *ckpt = NULL, *resume = NULL;
    const char *dirs[MAX_DIRS];
    int ndirs = 0, scale = 0, epochs = 50, batch = 16, patch = 33, threads = 0, max_size = 800, quiet = 0;
    long long iters = 0;
    double lr = 1e-4, lr_last = -1;
    unsigned long long seed = 1;
    int c;
    opterr = 0;
#define BAD(...) do { fprintf(stderr, "fastsr-train: " __VA_ARGS__); fputc('\n', stderr); return 2; } while (0)
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case O_ARCH: arch = optarg; break;
        case O_SCALE: scale = (int)strtol(optarg, &end, 10); if (*end || scale < 2 || scale > 4) BAD("--scale must be 2, 3 or 4"); break;
        case O_DATA: if (ndirs == MAX_DIRS) BAD("at most %d --data folders", MAX_DIRS); dirs[ndirs++] = optarg; break;
        case O_VAL: val_dir = optarg; break;
        case O_OUT: out = optarg; break;
        case O_EPOCHS: epochs = (int)strtol(optarg, &end, 10); if (*end || epochs < 1) BAD("--epochs must be >= 1"); break;
        case O_ITERS: iters = strtoll(optarg, &end, 10); if (*end || iters < 1) BAD("--iters must be >= 1"); break;
        case O_BATCH: batch = (int)strtol(optarg, &end, 10); if (*end || batch < 1 || batch > 4096) BAD("--batch must be 1..4096"); break;
        case O_PATCH: patch = (int)strtol(optarg, &end, 10); if (*end || patch < 8 || patch > 256) BAD("--patch must be 8..256"); break;
        case O_LR: lr = strtod(optarg, &end); if (*end || !(lr > 0 && lr < 1)) BAD("--lr must be in (0, 1)"); break;
        case O_LRL: lr_last = strtod(optarg, &end); if (*end || !(lr_last > 0 && lr_last < 1)) BAD("--lr-last must be in (0, 1)"); break;
        case O_SEED: seed = strtoull(optarg, &end, 10); if (*end) BAD("--seed must be an integer"); break;
        case O_THREADS: threads = (int)strtol(optarg, &end, 10); if (*end || threads < 1 || threads > 256) BAD("--threads must be 1..256"); break;
        case O_MAX: max_size = (int)strtol(optarg, &end, 10); if (*end || max_size < 0) BAD("--max-size must be >= 0"); break;
        case O_CKPT: ckpt = optarg; break;
        case O_RESUME: resume = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default: BAD("unknown or incomplete option '%s' (see --help)", argv[optind - 1]);
        }
    }
    int k[3];
    if (!arch || parse_arch(arch, k) < 0)
        BAD("--arch must be K1-K2-K3 with odd kernel sizes, e.g. 9-5-5");
    if (!scale)
        BAD("--scale is required");
    if (!ndirs)
        BAD("at least one --data folder is required");
    if (!out)
        BAD("--out is required");
    if (optind != argc)
        BAD("unexpected argument '%s'", argv[optind]);
    if (lr_last < 0)
        lr_last = lr / 10;
    char ckpt_buf[4096];
    if (!ckpt) {
        snprintf(ckpt_buf, sizeof(ckpt_buf), "%s.ckpt", out);
        ckpt = ckpt_buf;
    }
    if (threads)
        omp_set_num_threads(threads);
    threads = threads ? threads : omp_get_max_threads();

    FsrPatchSourceSettings pss = { .scale = scale, .max_size = max_size, .min_size = patch };
    FsrPatchSource *ps = NULL;
    if (fsr_patches_open(&ps, &pss) < 0)
        goto fail;
    for (int i = 0; i < ndirs; i++)
        if (fsr_patches_add_dir(ps, dirs[i]) < 0)
            goto fail;
    ValSet val = { 0 };
    if (val_dir) {
        /* validation images: every image file in the folder, sorted */
        char cmd_dir[4096];
        snprintf(cmd_dir, sizeof(cmd_dir), "%s", val_dir);
        struct dirent **list = NULL;
        int n = scandir(cmd_dir, &list, NULL, alphasort);
        if (n < 0) {
            fprintf(stderr, "fastsr-train: error: %s: cannot open validation folder\n", val_dir);
            return 1;
        }
        for (int i = 0; i < n; i++) {
            char path[8192];
            snprintf(path, sizeof(path), "%s/%s", val_dir, list[i]->d_name);
            if (list[i]->d_name[0] != '.' && val.n < MAX_VAL &&
                fsr_image_load_rgb(path, &val.rgb[val.n], &val.w[val.n], &val.h[val.n]) == 0)
                val.n++;
            free(list[i]);
        }
        free(list);
        if (!val.n) {
            fprintf(stderr, "fastsr-train: error: %s: no readable validation image\n", val_dir);
            return 1;
        }
    }

    const int ch[4] = { 1, 64, 32, 1 };
    FsrModel *model = NULL;
    if (fsr_model_create(&model, "srcnn", scale, FSR_PAD_REPLICATE, 3, ch, k) < 0)
        goto fail;
    fsr_train_init_weights(model, seed);
    FsrTrainSettings ts;
    fsr_train_default_settings(&ts);
    ts.batch = batch;
    ts.lr = (float)lr;
    ts.lr_last = (float)lr_last;
    ts.threads = threads;
    FsrTrainer *tr = NULL;
    if (fsr_trainer_create(&tr, model, &ts) < 0)
        goto fail;
    const int out_size = fsr_train_out_size(model, ts.padding, patch);
    if (out_size < 1)
        BAD("--patch %d is too small for %s", patch, arch);
    Progress pr = { .rng = seed * 0x9e3779b97f4a7c15ull + 1, .best_psnr = -1 };
    if (resume) {
        if (fsr_trainer_load(tr, resume, &pr, sizeof(pr)) < 0)
            goto fail;
        /* a checkpoint holds the last weights; OUT keeps the best epoch */
        if (!quiet)
            fprintf(stderr, "fastsr-train: resumed %s at epoch %lld, step %lld\n", resume, (long long)pr.epoch,
                    (long long)fsr_trainer_steps(tr));
    }
    const int64_t per_epoch = fsr_patches_per_epoch(ps, patch, 14);
    const int64_t steps_per_epoch = per_epoch / batch > 0 ? per_epoch / batch : 1;
    const int64_t total_steps = iters ? iters : steps_per_epoch * epochs;
    if (!quiet)
        fprintf(stderr,
                "fastsr-train: %s x%d, %d images, %lld patches per epoch (%lld steps of %d), %lld steps, %d threads\n",
                arch, scale, fsr_patches_count(ps), (long long)per_epoch, (long long)steps_per_epoch, batch,
                (long long)total_steps, threads);
    float *inputs = malloc(sizeof(float) * (size_t)batch * patch * patch);
    float *targets = malloc(sizeof(float) * (size_t)batch * out_size * out_size);
    if (!inputs || !targets)
        BAD("out of memory");
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    const double t0 = now();
    const int64_t start_step = fsr_trainer_steps(tr);
    double loss_avg = 0, last_print = 0, val_psnr = pr.best_psnr;
    int tty = isatty(STDERR_FILENO) && !quiet;
    while (fsr_trainer_steps(tr) < total_steps && !stop) {
        double loss;
        if (fsr_patches_sample(ps, &pr.rng, batch, patch, out_size, inputs, targets) < 0 ||
            fsr_trainer_step(tr, inputs, targets, batch, patch, &loss) < 0)
            goto fail;
        loss_avg = loss_avg ? 0.99 * loss_avg + 0.01 * loss : loss;
        const int64_t step = fsr_trainer_steps(tr);
        const int epoch_end = step % steps_per_epoch == 0 || step == total_steps;
        if (epoch_end) {
            pr.epoch = step / steps_per_epoch;
            double psnr = val.n ? validate(model, &val, scale, threads) : NAN;
            if (val.n) {
                val_psnr = psnr;
                if (psnr > pr.best_psnr) {
                    pr.best_psnr = psnr;
                    pr.best_epoch = pr.epoch;
                    if (fsr_model_save(model, out) < 0)
                        goto fail;
                }
            } else if (fsr_model_save(model, out) < 0) {
                goto fail;
            }
            if (fsr_trainer_save(tr, ckpt, &pr, sizeof(pr)) < 0)
                goto fail;
            if (!quiet) {
                const double el = now() - t0, rate = (step - start_step) / el;
                fprintf(stderr, "%sepoch %lld  step %lld  loss %.6f  PSNR(val) %.3f dB  best %.3f (epoch %lld)  %.0f s\n",
                        tty ? "\r\033[K" : "", (long long)pr.epoch, (long long)step, loss_avg, psnr, pr.best_psnr,
                        (long long)pr.best_epoch, el);
                (void)rate;
            }
        } else if (tty && now() - last_print > 1.0) {
            last_print = now();
            const double el = now() - t0, rate = (step - start_step) / el;
            const double eta = rate > 0 ? (total_steps - step) / rate : 0;
            fprintf(stderr, "\r\033[Kstep %lld/%lld  loss %.6f  val %.3f dB  %.0f patches/s  ETA %dh%02dm",
                    (long long)step, (long long)total_steps, loss_avg, val_psnr, rate * batch, (int)(eta / 3600),
                    (int)fmod(eta / 60, 60));
        }
    }
    int status = 0;
    if (stop) {
        /* interrupted: the state is saved, then the same clean-up as a
         * finished run */
        if (fsr_trainer_save(tr, ckpt, &pr, sizeof(pr)) < 0)
            goto fail;
        fprintf(stderr, "\nfastsr-train: interrupted; state saved in %s (continue with --resume %s)\n", ckpt, ckpt);
        status = 130;
    } else {
        if (!val.n && fsr_model_save(model, out) < 0)
            goto fail;
        if (!quiet)
            fprintf(stderr, "fastsr-train: done in %.0f s; %s%s\n", now() - t0, out,
                    val.n ? " holds the best validation epoch" : "");
    }
    free(inputs);
    free(targets);
    fsr_trainer_free(&tr);
    fsr_model_free(&model);
    fsr_patches_close(&ps);
    for (int i = 0; i < val.n; i++)
        free(val.rgb[i]);
    return status;
fail:
    fprintf(stderr, "fastsr-train: error: %s\n", fsr_last_error());
    return 1;
}
