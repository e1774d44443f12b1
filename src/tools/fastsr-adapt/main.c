/* fastsr-adapt: adapts a trained SR model to a budget measured on a
 * platform (NetAdapt), or prunes it in the order of its layers' energy on
 * an accelerator (energy-aware pruning), against magnitude-based and
 * uniform pruning.  Every network of the run is kept with its measured cost
 * and validation PSNR; a run resumes from its output folder. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "adapt.h"
#include "toolutil.h"

volatile sig_atomic_t adapt_stop;

static void on_signal(int sig)
{
    (void)sig;
    adapt_stop = 1;
}

static const char *const method_names[M_COUNT] = { "netadapt", "energy-aware", "magnitude", "uniform", "finetune" };

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: fastsr-adapt --model MODEL --data DIR [--data DIR ...] --val DIR --out-dir DIR\n"
            "                    [--method M] [--budget KIND:VALUE[@WxH]] [--platform cpu|ARCH] [options]\n"
            "Adapts a trained SR model to a cost budget measured on a platform, keeping every network\n"
            "of the way with its measured cost and validation PSNR.\n"
            "\n"
            "  --model MODEL        the trained model (.safetensors, any architecture fastsr runs)\n"
            "  --method M           netadapt (default), energy-aware, magnitude, uniform or finetune.\n"
            "                       netadapt: each iteration tightens the budget by a step, makes\n"
            "                       one proposal per layer that meets it by removing that layer's least\n"
            "                       important filters, fine-tunes each briefly and keeps the most accurate;\n"
            "                       energy-aware: layers in order of their energy on --platform, each pruned\n"
            "                       as far as --tolerance allows; magnitude: the least important filters of\n"
            "                       the whole network, as far as --tolerance allows; uniform: every layer's\n"
            "                       channels scaled by one factor until the budget is met; finetune: no\n"
            "                       pruning, the parent fine-tuned as the others are (the control that\n"
            "                       tells what pruning costs from what the extra training gives)\n"
            "  --budget B           latency:MS, latency:P%%, energy:J or energy:P%% (P%% of the parent's cost),\n"
            "                       optionally @WxH: the output frame the cost is for (default 1920x1080);\n"
            "                       required by netadapt and uniform, a stopping point for the others\n"
            "  --platform P         cpu (default): the SR engine's latency measured on this machine;\n"
            "                       or an accelerator (eyeriss-v1, or an architecture JSON): latency or\n"
            "                       energy from the accelerator model, activation zeros sampled on a patch\n"
            "  --data DIR           training images (repeatable), as fastsr-train\n"
            "  --val DIR            images whose PSNR-Y chooses between proposals\n"
            "  --test DIR           images for the final PSNR only (e.g. Set5; default: none)\n"
            "  --out-dir DIR        iteration models, state.json, table.md/.csv, proposals.csv, plot.svg\n"
            "  --resume             continue the run in --out-dir (same model, method and budget)\n"
            "  --step F             netadapt: first step, a fraction of the parent's cost (default 0.05)\n"
            "  --step-decay F       netadapt: each step is the previous one times F (default 0.96)\n"
            "  --max-iters N        netadapt: at most N iterations (default 50)\n"
            "  --tolerance DB       energy-aware, magnitude: PSNR loss allowed (default 0.1)\n"
            "  --short-iters N      fine-tune steps of each proposal (default 500)\n"
            "  --final-iters N      fine-tune steps of the last network (default 20000; 0: none)\n"
            "  --warmup-iters N     fine-tune the parent N steps first, so that an under-trained parent\n"
            "                       does not make pruning look free (default 0)\n"
            "  --reps N             latency: timed runs per network, the fastest counts (default 5)\n"
            "  --clock cpu|wall     CPU latency as the process's CPU time over the threads (default: other\n"
            "                       programs on a shared machine barely move it) or as wall time\n"
            "  --batch N, --patch N, --lr X, --lr-last X, --seed N, --max-size N: as fastsr-train\n"
            "                       (defaults 16, the trainer's patch, 1e-4, lr/10, 1, 800)\n"
            "  --threads N          threads for training and the latency (default: all cores)\n"
            "  -q, --quiet          no progress lines\n"
            "  -h, --help\n");
}

#define BAD(...) do { fprintf(stderr, "fastsr-adapt: " __VA_ARGS__); fputc('\n', stderr); return 2; } while (0)

static int parse_budget(AdaptOptions *o, const char *s)
{
    const char *colon = strchr(s, ':');
    if (!colon)
        return -1;
    if (!strncmp(s, "latency", (size_t)(colon - s)) && colon - s == 7)
        o->cost_kind = COST_LATENCY;
    else if (!strncmp(s, "energy", (size_t)(colon - s)) && colon - s == 6)
        o->cost_kind = COST_ENERGY;
    else
        return -1;
    char *end;
    o->budget_value = strtod(colon + 1, &end);
    if (end == colon + 1 || !(o->budget_value > 0) || !isfinite(o->budget_value))
        return -1;
    if (*end == '%') {
        o->budget_relative = 1;
        o->budget_value /= 100;
        if (o->budget_value >= 1)
            return -1;
        end++;
    }
    if (*end == '@') {
        int n = 0;
        if (sscanf(end + 1, "%dx%d%n", &o->w, &o->h, &n) != 2 || end[1 + n] || o->w < 16 || o->h < 16 ||
            o->w > 8192 || o->h > 8192)
            return -1;
    } else if (*end) {
        return -1;
    }
    return 0;
}

static int parse_options(AdaptOptions *o, int argc, char **argv)
{
    enum { O_MODEL = 256, O_METHOD, O_BUDGET, O_PLATFORM, O_DATA, O_VAL, O_TEST, O_OUT, O_RESUME, O_STEP, O_DECAY,
           O_MAXIT, O_TOL, O_SHORT, O_FINAL, O_WARM, O_REPS, O_BATCH, O_PATCH, O_LR, O_LRL, O_SEED, O_MAX, O_THREADS, O_CLOCK };
    static const struct option opts[] = {
        { "model", required_argument, NULL, O_MODEL }, { "method", required_argument, NULL, O_METHOD },
        { "budget", required_argument, NULL, O_BUDGET }, { "platform", required_argument, NULL, O_PLATFORM },
        { "data", required_argument, NULL, O_DATA }, { "val", required_argument, NULL, O_VAL },
        { "test", required_argument, NULL, O_TEST }, { "out-dir", required_argument, NULL, O_OUT },
        { "resume", no_argument, NULL, O_RESUME }, { "step", required_argument, NULL, O_STEP },
        { "step-decay", required_argument, NULL, O_DECAY }, { "max-iters", required_argument, NULL, O_MAXIT },
        { "tolerance", required_argument, NULL, O_TOL }, { "short-iters", required_argument, NULL, O_SHORT },
        { "final-iters", required_argument, NULL, O_FINAL }, { "warmup-iters", required_argument, NULL, O_WARM },
        { "reps", required_argument, NULL, O_REPS }, { "batch", required_argument, NULL, O_BATCH },
        { "patch", required_argument, NULL, O_PATCH }, { "lr", required_argument, NULL, O_LR },
        { "lr-last", required_argument, NULL, O_LRL }, { "seed", required_argument, NULL, O_SEED },
        { "max-size", required_argument, NULL, O_MAX }, { "threads", required_argument, NULL, O_THREADS },
        { "clock", required_argument, NULL, O_CLOCK },
        { "quiet", no_argument, NULL, 'q' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof(*o));
    o->platform = "cpu";
    o->w = 1920, o->h = 1080;
    o->step = 0.05, o->step_decay = 0.96, o->tolerance = 0.1;
    o->short_iters = 500, o->final_iters = 20000;
    o->max_iters = 50, o->reps = 5, o->batch = 16, o->max_size = 800;
    o->lr = 1e-4, o->lr_last = -1, o->seed = 1;
    opterr = 0;
    int c;
    long v;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case O_MODEL: o->model = optarg; break;
        case O_METHOD:
            o->method = -1;
            for (int i = 0; i < M_COUNT; i++)
                if (!strcmp(optarg, method_names[i]))
                    o->method = i;
            if (o->method < 0)
                BAD("--method must be netadapt, energy-aware, magnitude, uniform or finetune");
            break;
        case O_BUDGET: o->budget = optarg; if (parse_budget(o, optarg) < 0) BAD("--budget must be latency:MS, latency:P%%, energy:J or energy:P%% (P < 100), optionally @WxH"); break;
        case O_PLATFORM: o->platform = optarg; break;
        case O_DATA: if (o->ndirs == ADAPT_MAX_DIRS) BAD("at most %d --data folders", ADAPT_MAX_DIRS); o->dirs[o->ndirs++] = optarg; break;
        case O_VAL: o->val_dir = optarg; break;
        case O_TEST: o->test_dir = optarg; break;
        case O_OUT: o->out_dir = optarg; break;
        case O_RESUME: o->resume = 1; break;
        case O_STEP: o->step = strtod(optarg, &end); if (*end || !(o->step > 0 && o->step < 1)) BAD("--step must be in (0, 1)"); break;
        case O_DECAY: o->step_decay = strtod(optarg, &end); if (*end || !(o->step_decay > 0 && o->step_decay <= 1)) BAD("--step-decay must be in (0, 1]"); break;
        case O_MAXIT: if (tool_parse_int(optarg, 1, 1000, &o->max_iters) < 0) BAD("--max-iters must be 1..1000"); break;
        case O_TOL: o->tolerance = strtod(optarg, &end); if (*end || !(o->tolerance >= 0 && o->tolerance < 10)) BAD("--tolerance must be in [0, 10) dB"); break;
        case O_SHORT: if (tool_parse_long(optarg, 1, 100000000, &v) < 0) BAD("--short-iters must be 1..1e8"); o->short_iters = v; break;
        case O_FINAL: if (tool_parse_long(optarg, 0, 1000000000, &v) < 0) BAD("--final-iters must be 0..1e9"); o->final_iters = v; break;
        case O_WARM: if (tool_parse_long(optarg, 0, 1000000000, &v) < 0) BAD("--warmup-iters must be 0..1e9"); o->warmup_iters = v; break;
        case O_REPS: if (tool_parse_int(optarg, 1, 1000, &o->reps) < 0) BAD("--reps must be 1..1000"); break;
        case O_BATCH: if (tool_parse_int(optarg, 1, 4096, &o->batch) < 0) BAD("--batch must be 1..4096"); break;
        case O_PATCH: if (tool_parse_int(optarg, 8, 256, &o->patch) < 0) BAD("--patch must be 8..256"); break;
        case O_LR: o->lr = strtod(optarg, &end); if (*end || !(o->lr > 0 && o->lr < 1)) BAD("--lr must be in (0, 1)"); break;
        case O_LRL: o->lr_last = strtod(optarg, &end); if (*end || !(o->lr_last > 0 && o->lr_last < 1)) BAD("--lr-last must be in (0, 1)"); break;
        case O_SEED: o->seed = strtoull(optarg, &end, 10); if (*end) BAD("--seed must be an integer"); break;
        case O_MAX: if (tool_parse_int(optarg, 0, 1 << 16, &o->max_size) < 0) BAD("--max-size must be >= 0"); break;
        case O_THREADS: if (tool_parse_int(optarg, 1, 256, &o->threads) < 0) BAD("--threads must be 1..256"); break;
        case O_CLOCK:
            if (strcmp(optarg, "cpu") && strcmp(optarg, "wall"))
                BAD("--clock must be cpu or wall");
            o->wall_clock = !strcmp(optarg, "wall");
            break;
        case 'q': o->quiet = 1; break;
        case 'h': usage(stdout); return 1;
        default: BAD("unknown or incomplete option '%s' (see --help)", argv[optind - 1]);
        }
    }
    if (optind != argc)
        BAD("unexpected argument '%s'", argv[optind]);
    if (!o->model)
        BAD("--model is required");
    if (!o->ndirs)
        BAD("at least one --data folder is required");
    if (!o->val_dir)
        BAD("--val is required (the images that choose between proposals)");
    if (!o->out_dir)
        BAD("--out-dir is required");
    if (!o->budget && (o->method == M_NETADAPT || o->method == M_UNIFORM))
        BAD("--method %s needs a --budget", method_names[o->method]);
    if (!o->budget)   /* the cost the table shows: energy where there is one */
        o->cost_kind = strcmp(o->platform, "cpu") ? COST_ENERGY : COST_LATENCY;
    if (o->cost_kind == COST_ENERGY && !strcmp(o->platform, "cpu"))
        BAD("energy budgets need an accelerator --platform (e.g. eyeriss-v1): this CPU's energy is not measured");
    if (o->method == M_ENERGY_AWARE && !strcmp(o->platform, "cpu"))
        BAD("--method energy-aware orders layers by their energy: it needs an accelerator --platform");
    if (o->lr_last < 0)
        o->lr_last = o->lr / 10;
    if (!o->threads)
        o->threads = omp_get_max_threads();
    return 0;
}

/* ---- fine-tuning and validation ---- */

static uint64_t mix_seed(unsigned long long seed, int a, int b)
{
    uint64_t x = seed * 0x9e3779b97f4a7c15ull + (uint64_t)a * 0xbf58476d1ce4e5b9ull + (uint64_t)b * 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x | 1;
}

/* steps Adam steps on m (in place).  With ckpt, the state is saved every
 * ckpt_every steps and on a signal, and a checkpoint already there is
 * resumed.  0 done, 1 stopped by a signal (state saved), -1 error. */
static int finetune(Adapt *a, FsrModel *m, long long steps, uint64_t seed, const char *ckpt, long long ckpt_every,
                    const char *what)
{
    const AdaptOptions *o = a->o;
    if (steps <= 0)
        return 0;
    FsrTrainSettings ts;
    fsr_trainer_defaults(&ts);
    ts.batch = o->batch;
    ts.lr = (float)o->lr;
    ts.lr_last = (float)o->lr_last;
    ts.threads = o->threads;
    const int lr_in = m->input == FSR_INPUT_LR_Y;
    const int patch = o->patch ? o->patch : lr_in ? (m->scale == 2 ? 32 : m->scale == 3 ? 24 : 20) : 33;
    const int out = fsr_train_out_size(m, ts.padding, patch), off = fsr_train_out_offset(m, ts.padding, patch);
    if (out < 1) {
        fprintf(stderr, "fastsr-adapt: error: --patch %d is too small for this network\n", patch);
        return -1;
    }
    FsrTrainer *tr = NULL;
    float *in = malloc(sizeof(float) * o->batch * patch * patch), *tgt = malloc(sizeof(float) * o->batch * out * out);
    uint64_t rng = seed;
    int ret = 0;
    if (!in || !tgt || fsr_trainer_open(&tr, m, &ts) < 0) {
        ret = -1;
        goto end;
    }
    if (ckpt && access(ckpt, F_OK) == 0 && fsr_trainer_load(tr, ckpt, &rng, sizeof(rng)) < 0) {
        ret = -1;
        goto end;
    }
    const int tty = isatty(STDERR_FILENO) && !o->quiet;
    double last = 0, loss_avg = 0;
    const double t0 = tool_wall_seconds();
    const long long first = fsr_trainer_steps(tr);
    for (long long s = first; s < steps; s++) {
        if (adapt_stop) {
            if (ckpt && fsr_trainer_save(tr, ckpt, &rng, sizeof(rng)) < 0)
                ret = -1;
            else
                ret = 1;
            goto end;
        }
        double loss;
        const int sampled = lr_in ? fsr_patches_sample_lr(a->ps, &rng, o->batch, patch, out, off, in, tgt)
                                  : fsr_patches_sample(a->ps, &rng, o->batch, patch, out, in, tgt);
        if (sampled < 0 || fsr_trainer_step(tr, in, tgt, o->batch, patch, &loss) < 0) {
            ret = -1;
            goto end;
        }
        loss_avg = loss_avg ? 0.99 * loss_avg + 0.01 * loss : loss;
        if (ckpt && (s + 1) % ckpt_every == 0 && fsr_trainer_save(tr, ckpt, &rng, sizeof(rng)) < 0) {
            ret = -1;
            goto end;
        }
        /* a live line on a terminal; a line a minute in a log */
        if (!o->quiet && tool_wall_seconds() - last > (tty ? 1.0 : 60.0)) {
            if (last > 0 || tty) {
                const double now = tool_wall_seconds(), rate = (double)(s + 1 - first) / (now - t0);
                fprintf(stderr, "%s%s: step %lld/%lld  loss %.6f  ETA %.0f s%s", tty ? "\r\033[K" : "fastsr-adapt: ",
                        what, s + 1, steps, loss_avg, rate > 0 ? (double)(steps - s - 1) / rate : 0, tty ? "" : "\n");
            }
            last = tool_wall_seconds();
        }
    }
    if (tty)
        fprintf(stderr, "\r\033[K");
end:
    if (ret < 0)
        fprintf(stderr, "%sfastsr-adapt: error: fine-tune: %s\n", isatty(STDERR_FILENO) ? "\r\033[K" : "",
                fsr_last_error());
    fsr_trainer_close(&tr);
    free(in);
    free(tgt);
    return ret;
}

static double val_psnr(Adapt *a, const FsrModel *m)
{
    const double p = tool_val_psnr(m, &a->val, a->o->threads);
    if (!isfinite(p))
        fprintf(stderr, "fastsr-adapt: error: validation: %s\n", fsr_last_error());
    return p;
}

/* ---- the family's files and the run's state ---- */

static void out_path(const Adapt *a, char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", a->o->out_dir, name);
}

static int save_model(Adapt *a, const FsrModel *m, const Row *r, double test_psnr)
{
    const AdaptOptions *o = a->o;
    char path[4096], cost[64], psnr[32], tpsnr[32], platform[96], parent[512];
    out_path(a, path, sizeof(path), r->file);
    snprintf(cost, sizeof(cost), "%.6g %s", r->cost, a->unit);
    snprintf(psnr, sizeof(psnr), "%.4f", r->psnr);
    snprintf(tpsnr, sizeof(tpsnr), "%.4f", test_psnr);
    snprintf(platform, sizeof(platform), "%s %dx%d%s", a->accel ? o->platform : "cpu", o->w, o->h,
             a->accel ? "" : " (SR engine)");
    const char *slash = strrchr(o->model, '/');
    snprintf(parent, sizeof(parent), "%s", slash ? slash + 1 : o->model);
    const char *keys[] = { "adapt_parent", "adapt_method", "adapt_budget", "adapt_cost", "adapt_platform",
                           "adapt_channels", "adapt_change", "adapt_val_psnr", "adapt_test_psnr" };
    const char *vals[] = { parent, method_names[o->method], o->budget ? o->budget : "none", cost, platform,
                           r->channels, r->change, psnr, tpsnr };
    const int n = isfinite(test_psnr) ? 9 : 8;
    if (fsr_model_save_meta(m, path, n, keys, vals) < 0) {
        fprintf(stderr, "fastsr-adapt: error: %s\n", fsr_last_error());
        return -1;
    }
    return 0;
}

/* state.json: the settings a resume must match, the rows so far, and how
 * far the method got (next). */
static int save_state(Adapt *a, const char *phase, int next, const int *order, int norder)
{
    const AdaptOptions *o = a->o;
    cJSON *root = cJSON_CreateObject(), *rows = cJSON_AddArrayToObject(root, "rows");
    cJSON_AddStringToObject(root, "model", o->model);
    cJSON_AddStringToObject(root, "method", method_names[o->method]);
    cJSON_AddStringToObject(root, "budget", o->budget ? o->budget : "none");
    cJSON_AddStringToObject(root, "platform", o->platform);
    cJSON_AddStringToObject(root, "phase", phase);
    cJSON_AddNumberToObject(root, "next", next);
    cJSON *ord = cJSON_AddArrayToObject(root, "order");
    for (int i = 0; i < norder; i++)
        cJSON_AddItemToArray(ord, cJSON_CreateNumber(order[i]));
    for (int i = 0; i < a->nrows; i++) {
        const Row *r = &a->rows[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "file", r->file);
        cJSON_AddStringToObject(e, "channels", r->channels);
        cJSON_AddStringToObject(e, "change", r->change);
        cJSON_AddNumberToObject(e, "macs", (double)r->macs);
        cJSON_AddNumberToObject(e, "cost", r->cost);
        cJSON_AddNumberToObject(e, "psnr", r->psnr);
        cJSON_AddNumberToObject(e, "seconds", r->seconds);
        cJSON_AddItemToArray(rows, e);
    }
    char *json = cJSON_Print(root);
    cJSON_Delete(root);
    char path[4096], tmp[4200];
    out_path(a, path, sizeof(path), "state.json");
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = json ? fopen(tmp, "w") : NULL;
    int ok = f && fputs(json, f) >= 0;
    if (f && fclose(f) != 0)
        ok = 0;
    free(json);
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, "fastsr-adapt: error: %s: cannot write the state\n", path);
        return -1;
    }
    return adapt_write_table(a, o->model) < 0 || adapt_write_plot(a, "plot.svg") < 0 ? -1 : 0;
}

static int json_str(const cJSON *o, const char *k, char *buf, size_t size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= size)
        return -1;
    snprintf(buf, size, "%s", v->valuestring);
    return 0;
}

static int json_num(const cJSON *o, const char *k, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return -1;
    *out = v->valuedouble;
    return 0;
}

/* Reads state.json back; 0, or -1 with one error line. */
static int load_state(Adapt *a, char *phase, size_t phase_size, int *next, int *order, int *norder)
{
    const AdaptOptions *o = a->o;
    char path[4096];
    out_path(a, path, sizeof(path), "state.json");
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fastsr-adapt: error: --resume: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(1 << 20);
    const size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (!buf)
        return -1;
    buf[n] = 0;
    cJSON *root = cJSON_Parse(buf);
    free(buf);
    char model[4096], method[32], budget[128], platform[4096];
    double nx;
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "rows"), *ord = cJSON_GetObjectItemCaseSensitive(root, "order");
    int ret = -1;
    if (!root || json_str(root, "model", model, sizeof(model)) < 0 || json_str(root, "method", method, sizeof(method)) < 0 ||
        json_str(root, "budget", budget, sizeof(budget)) < 0 || json_str(root, "platform", platform, sizeof(platform)) < 0 ||
        json_str(root, "phase", phase, phase_size) < 0 || json_num(root, "next", &nx) < 0 || !cJSON_IsArray(rows) ||
        !cJSON_IsArray(ord) || cJSON_GetArraySize(rows) < 1 || cJSON_GetArraySize(rows) > ADAPT_MAX_ROWS ||
        cJSON_GetArraySize(ord) > FSR_MODEL_MAX_LAYERS || nx < 0 || nx > 1000) {
        fprintf(stderr, "fastsr-adapt: error: --resume: %s is not a state this tool wrote\n", path);
        goto end;
    }
    if (strcmp(model, o->model) || strcmp(method, method_names[o->method]) ||
        strcmp(budget, o->budget ? o->budget : "none") || strcmp(platform, o->platform)) {
        fprintf(stderr, "fastsr-adapt: error: --resume: %s is a run of %s (%s, budget %s, platform %s), not of "
                        "these options\n", path, model, method, budget, platform);
        goto end;
    }
    *next = (int)nx;
    *norder = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, ord) {
        if (!cJSON_IsNumber(e) || e->valuedouble < 0 || e->valuedouble >= FSR_MODEL_MAX_LAYERS) {
            fprintf(stderr, "fastsr-adapt: error: --resume: %s: bad layer order\n", path);
            goto end;
        }
        order[(*norder)++] = (int)e->valuedouble;
    }
    a->nrows = 0;
    cJSON_ArrayForEach(e, rows) {
        Row *r = &a->rows[a->nrows];
        double macs;
        if (json_str(e, "file", r->file, sizeof(r->file)) < 0 || strchr(r->file, '/') ||
            json_str(e, "channels", r->channels, sizeof(r->channels)) < 0 ||
            json_str(e, "change", r->change, sizeof(r->change)) < 0 || json_num(e, "macs", &macs) < 0 ||
            json_num(e, "cost", &r->cost) < 0 || json_num(e, "psnr", &r->psnr) < 0 ||
            json_num(e, "seconds", &r->seconds) < 0) {
            fprintf(stderr, "fastsr-adapt: error: --resume: %s: row %d is damaged\n", path, a->nrows + 1);
            goto end;
        }
        r->macs = (long long)macs;
        a->nrows++;
    }
    ret = 0;
end:
    cJSON_Delete(root);
    return ret;
}

/* A row for m and the file it is saved in. */
static int add_row(Adapt *a, FsrModel *m, const char *file, const char *change, double psnr, double t0)
{
    if (a->nrows == ADAPT_MAX_ROWS) {
        fprintf(stderr, "fastsr-adapt: error: more than %d networks in one run\n", ADAPT_MAX_ROWS);
        return -1;
    }
    Row *r = &a->rows[a->nrows];
    memset(r, 0, sizeof(*r));
    snprintf(r->file, sizeof(r->file), "%s", file);
    snprintf(r->change, sizeof(r->change), "%s", change);
    adapt_signature(m, r->channels, sizeof(r->channels));
    r->macs = fsr_model_macs_per_pixel(m);
    r->psnr = psnr;
    r->seconds = tool_wall_seconds() - t0;
    if (adapt_cost(a, m, &r->cost) < 0 || save_model(a, m, r, NAN) < 0)
        return -1;
    a->nrows++;
    if (!a->o->quiet) {
        fprintf(stderr, "fastsr-adapt: ");
        adapt_row_print(a, r, stderr);
    }
    return 0;
}

static FsrModel *load_row_model(Adapt *a, int i)
{
    char path[4096];
    out_path(a, path, sizeof(path), a->rows[i].file);
    FsrModel *m = NULL;
    if (fsr_model_open(&m, path) < 0)
        fprintf(stderr, "fastsr-adapt: error: %s\n", fsr_last_error());
    return m;
}

/* ---- NetAdapt ---- */

/* The fewest filters of layer l whose removal brings cur to target or
 * below (measured), or -1: binary search, the cost falling with the
 * filters removed (flat steps where the engine's vector width rounds). */
static int fewest_to_remove(Adapt *a, const FsrModel *cur, int l, double target)
{
    const int oc = cur->layers[l].out_ch;
    int lo = 1, hi = oc - 1, found = -1;
    while (lo <= hi && !adapt_stop) {
        const int mid = (lo + hi) / 2;
        FsrModel *p = NULL;
        double c;
        if (fsr_model_clone(&p, cur) < 0 || fsr_prune_smallest(p, l, mid) < 0 || adapt_cost(a, p, &c) < 0) {
            fsr_model_close(&p);
            return -2;
        }
        fsr_model_close(&p);
        if (c <= target)
            found = mid, hi = mid - 1;
        else
            lo = mid + 1;
    }
    return found;
}

/* The model with n filters of layer l removed, fine-tuned briefly from
 * seed, its validation PSNR and cost, logged as proposal what (48 bytes)
 * of the stage.  0 with *out set, 1 when stopped by a signal, -1 on error. */
static int probe(Adapt *a, const FsrModel *cur, int l, int n, int stage, uint64_t seed, FsrModel **out,
                 double *psnr, double *cost, char *what)
{
    FsrModel *p = NULL;
    snprintf(what, 48, "conv%d -%d (%d->%d)", l + 1, n, cur->layers[l].out_ch, cur->layers[l].out_ch - n);
    if (fsr_model_clone(&p, cur) < 0 || fsr_prune_smallest(p, l, n) < 0) {
        fsr_model_close(&p);
        return -1;
    }
    const int r = finetune(a, p, a->o->short_iters, seed, NULL, 0, what);
    if (r) {
        fsr_model_close(&p);
        return r < 0 ? -1 : 1;
    }
    *psnr = val_psnr(a, p);
    if (!isfinite(*psnr) || adapt_cost(a, p, cost) < 0) {
        fsr_model_close(&p);
        return -1;
    }
    adapt_proposal_log(a, stage, what, p, *cost, *psnr);
    if (!a->o->quiet)
        fprintf(stderr, "fastsr-adapt:   %s: %.4g %s, %lld MACs/px, PSNR %.3f dB (%+.3f)\n", what, *cost, a->unit,
                fsr_model_macs_per_pixel(p), *psnr, *psnr - a->rows[0].psnr);
    *out = p;
    return 0;
}

static int run_netadapt(Adapt *a, FsrModel **curp)
{
    const AdaptOptions *o = a->o;
    const double c0 = a->rows[0].cost;
    while (a->rows[a->nrows - 1].cost > a->budget && !adapt_stop) {
        const int it = a->nrows;   /* rows[0] is the parent */
        if (it > o->max_iters) {
            fprintf(stderr, "fastsr-adapt: stopped after --max-iters %d iterations above the budget\n", o->max_iters);
            break;
        }
        const double t0 = tool_wall_seconds(), cur_cost = a->rows[it - 1].cost;
        const double target = fmax(a->budget, cur_cost - o->step * c0 * pow(o->step_decay, it - 1));
        FsrModel *cur = *curp, *best = NULL;
        double best_psnr = -INFINITY, best_cost = 0;
        char best_change[48] = "";
        if (!o->quiet)
            fprintf(stderr, "fastsr-adapt: iteration %d: %.4g -> %.4g %s\n", it, cur_cost, target, a->unit);
        for (int l = 0; l < cur->n_layers - 1 && !adapt_stop; l++) {
            if (!fsr_prune_layer_ok(cur, l))
                continue;
            const int n = fewest_to_remove(a, cur, l, target);
            if (n == -2) {
                fsr_model_close(&best);
                return -1;
            }
            if (n < 0) {
                if (!o->quiet)
                    fprintf(stderr, "fastsr-adapt:   conv%d: no removal reaches %.4g %s\n", l + 1, target, a->unit);
                continue;
            }
            FsrModel *p = NULL;
            double psnr, c;
            char what[48];
            const int r = probe(a, cur, l, n, it, mix_seed(o->seed, it, l), &p, &psnr, &c, what);
            if (r < 0) {
                fsr_model_close(&best);
                return -1;
            }
            if (r > 0)
                break;
            if (psnr > best_psnr || (psnr == best_psnr && c < best_cost)) {
                fsr_model_close(&best);
                best = p, best_psnr = psnr, best_cost = c;
                snprintf(best_change, sizeof(best_change), "%s", what);
            } else {
                fsr_model_close(&p);
            }
        }
        if (adapt_stop) {
            fsr_model_close(&best);
            break;
        }
        if (!best) {
            fprintf(stderr, "fastsr-adapt: iteration %d: no layer can lose filters and reach %.4g %s; stopping\n", it,
                    target, a->unit);
            break;
        }
        char file[64];
        snprintf(file, sizeof(file), "iter-%02d.safetensors", it);
        if (add_row(a, best, file, best_change, best_psnr, t0) < 0 || save_state(a, "search", it + 1, NULL, 0) < 0) {
            fsr_model_close(&best);
            return -1;
        }
        fsr_model_close(curp);
        *curp = best;
    }
    return 0;
}

/* ---- energy-aware, magnitude and uniform pruning ---- */

/* What a binary search tries: the network for an amount of pruning,
 * fine-tuned and validated (0), stopped by a signal (1) or failed (-1). */
typedef int (*ProbeFn)(Adapt *a, const void *ctx, int amount, FsrModel **out, double *psnr);

/* The largest amount in [0, hi] whose probe keeps the PSNR at floor_psnr or
 * above (amount 0 is the network as it is); *kept gets its network (NULL
 * for 0).  0, 1 when stopped by a signal, -1 on error. */
static int largest_within(Adapt *a, ProbeFn fn, const void *ctx, int hi, double floor_psnr, FsrModel **kept,
                          double *kept_psnr, int *amount)
{
    int lo = 0;
    *kept = NULL;
    while (lo < hi) {
        if (adapt_stop)
            return 1;
        const int mid = (lo + hi + 1) / 2;
        FsrModel *p = NULL;
        double psnr;
        const int r = fn(a, ctx, mid, &p, &psnr);
        if (r)
            return r;
        if (psnr >= floor_psnr) {
            lo = mid;
            fsr_model_close(kept);
            *kept = p, *kept_psnr = psnr;
        } else {
            hi = mid - 1;
            fsr_model_close(&p);
        }
    }
    *amount = lo;
    return 0;
}

typedef struct LayerProbe {
    const FsrModel *cur;
    int layer, stage;
} LayerProbe;

static int probe_layer(Adapt *a, const void *ctx, int n, FsrModel **out, double *psnr)
{
    const LayerProbe *lp = ctx;
    double cost;
    char what[48];
    return probe(a, lp->cur, lp->layer, n, lp->stage, mix_seed(a->o->seed, lp->stage, n), out, psnr, &cost, what);
}

/* Yang et al. 2017, with whole filters: the layers in order of the energy
 * their filters take part in (their own and the next layer's, which reads
 * them), each pruned as far as the tolerance allows (binary search on the
 * count, each probe fine-tuned briefly). */
static int run_energy_aware(Adapt *a, FsrModel **curp, int next, int *order, int *norder)
{
    const AdaptOptions *o = a->o;
    if (!*norder) {
        double e[FSR_MODEL_MAX_LAYERS] = { 0 }, key[FSR_MODEL_MAX_LAYERS];
        if (adapt_layer_energy(a, *curp, e) < 0)
            return -1;
        for (int l = 0; l < (*curp)->n_layers - 1; l++)
            if (fsr_prune_layer_ok(*curp, l)) {
                key[*norder] = e[l] + e[l + 1];
                order[(*norder)++] = l;
            }
        for (int i = 1; i < *norder; i++)   /* insertion sort, most energy first */
            for (int j = i; j > 0 && key[j] > key[j - 1]; j--) {
                double t = key[j]; key[j] = key[j - 1]; key[j - 1] = t;
                int u = order[j]; order[j] = order[j - 1]; order[j - 1] = u;
            }
        if (!o->quiet)
            for (int i = 0; i < *norder; i++)
                fprintf(stderr, "fastsr-adapt: energy order %d: conv%d (%.4g J with the layer reading it)\n", i + 1,
                        order[i] + 1, key[i]);
    }
    const double floor_psnr = a->rows[0].psnr - o->tolerance;
    for (int k = next; k < *norder && !adapt_stop; k++) {
        if (a->rows[a->nrows - 1].cost <= a->budget)
            break;
        const double t0 = tool_wall_seconds();
        FsrModel *cur = *curp, *kept = NULL;
        const int l = order[k];
        int lo = 0;
        double kept_psnr = 0;
        const LayerProbe lp = { cur, l, k + 1 };
        const int r = largest_within(a, probe_layer, &lp, cur->layers[l].out_ch - 1, floor_psnr, &kept, &kept_psnr,
                                     &lo);
        if (r < 0) {
            fsr_model_close(&kept);
            return -1;
        }
        if (r > 0) {
            fsr_model_close(&kept);
            break;
        }
        char file[64], change[48];
        snprintf(file, sizeof(file), "iter-%02d.safetensors", a->nrows);
        if (kept) {
            snprintf(change, sizeof(change), "conv%d -%d (%d->%d)", l + 1, lo, cur->layers[l].out_ch,
                     cur->layers[l].out_ch - lo);
            if (add_row(a, kept, file, change, kept_psnr, t0) < 0)
                return -1;
            fsr_model_close(curp);
            *curp = kept;
        } else if (!o->quiet) {
            fprintf(stderr, "fastsr-adapt: conv%d keeps all its filters within %.2f dB\n", l + 1, o->tolerance);
        }
        if (save_state(a, "search", k + 1, order, *norder) < 0)
            return -1;
    }
    return 0;
}

/* The filters to keep when the least important share f of the whole
 * network goes (importance relative to its layer's mean, so that layers of
 * different sizes compare), at least one per layer. */
static int magnitude_prune(const FsrModel *parent, double f, FsrModel **out)
{
    float imp[FSR_MODEL_MAX_LAYERS][FSR_MODEL_MAX_CHANNELS];
    int total = 0;
    for (int l = 0; l < parent->n_layers - 1; l++) {
        if (fsr_prune_importance(parent, l, imp[l]) < 0)
            return -1;
        double mean = 0;
        const int oc = parent->layers[l].out_ch;
        for (int c = 0; c < oc; c++)
            mean += imp[l][c] / oc;
        for (int c = 0; c < oc; c++)
            imp[l][c] = mean > 0 ? (float)(imp[l][c] / mean) : 0;
        total += oc;
    }
    float *all = malloc(sizeof(float) * (total + 1));
    if (!all)
        return -1;
    int n = 0;
    for (int l = 0; l < parent->n_layers - 1; l++)
        for (int c = 0; c < parent->layers[l].out_ch; c++)
            all[n++] = imp[l][c];
    /* threshold: the k-th smallest (k = f * total) */
    const int k = (int)floor(f * total);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && all[j] < all[j - 1]; j--) {
            float t = all[j]; all[j] = all[j - 1]; all[j - 1] = t;
        }
    const float thr = k > 0 ? all[k - 1] : -1;
    free(all);
    if (fsr_model_clone(out, parent) < 0)
        return -1;
    for (int l = 0; l < parent->n_layers - 1; l++) {
        uint8_t keep[FSR_MODEL_MAX_CHANNELS];
        const int oc = parent->layers[l].out_ch;
        int kept = 0, best = 0;
        for (int c = 0; c < oc; c++) {
            keep[c] = imp[l][c] > thr;
            kept += keep[c];
            if (imp[l][c] > imp[l][best])
                best = c;
        }
        if (!kept)
            keep[best] = 1;
        if (fsr_prune_filters(*out, l, keep) < 0) {
            fsr_model_close(out);
            return -1;
        }
    }
    return 0;
}

static int probe_magnitude(Adapt *a, const void *ctx, int share, FsrModel **out, double *psnr)
{
    const FsrModel *cur = ctx;
    FsrModel *p = NULL;
    char what[48];
    snprintf(what, sizeof(what), "magnitude %.1f%%", share * 100.0 / 64);
    if (magnitude_prune(cur, share / 64.0, &p) < 0) {
        fprintf(stderr, "fastsr-adapt: error: %s\n", fsr_last_error());
        return -1;
    }
    const int r = finetune(a, p, a->o->short_iters, mix_seed(a->o->seed, 1, share), NULL, 0, what);
    double c = 0;
    if (r || !isfinite(*psnr = val_psnr(a, p)) || adapt_cost(a, p, &c) < 0) {
        fsr_model_close(&p);
        return r > 0 ? 1 : -1;
    }
    adapt_proposal_log(a, 1, what, p, c, *psnr);
    if (!a->o->quiet)
        fprintf(stderr, "fastsr-adapt:   %s: %.4g %s, PSNR %.3f dB (%+.3f)\n", what, c, a->unit, *psnr,
                *psnr - a->rows[0].psnr);
    *out = p;
    return 0;
}

/* The largest share of the network's filters (in 1/64 steps) that the
 * tolerance allows. */
static int run_magnitude(Adapt *a, FsrModel **curp)
{
    const double t0 = tool_wall_seconds();
    FsrModel *kept = NULL;
    double kept_psnr = 0;
    int share = 0;
    const int r = largest_within(a, probe_magnitude, *curp, 63, a->rows[0].psnr - a->o->tolerance, &kept,
                                 &kept_psnr, &share);
    if (r || !kept) {
        fsr_model_close(&kept);
        return r < 0 ? -1 : 0;
    }
    char change[48];
    snprintf(change, sizeof(change), "magnitude %.1f%%", share * 100.0 / 64);
    if (add_row(a, kept, "iter-01.safetensors", change, kept_psnr, t0) < 0) {
        fsr_model_close(&kept);
        return -1;
    }
    fsr_model_close(curp);
    *curp = kept;
    return save_state(a, "search", 1, NULL, 0);
}

/* Every prunable layer to round(alpha * its channels) (at least 1). */
static int uniform_prune(const FsrModel *parent, double alpha, FsrModel **out)
{
    if (fsr_model_clone(out, parent) < 0)
        return -1;
    for (int l = 0; l < parent->n_layers - 1; l++) {
        const int oc = parent->layers[l].out_ch, keep = (int)fmax(1, lround(alpha * oc));
        if (keep < oc && fsr_prune_smallest(*out, l, oc - keep) < 0) {
            fsr_model_close(out);
            return -1;
        }
    }
    return 0;
}

/* The largest factor (1/128 steps) whose network meets the budget: the
 * baseline NetAdapt must beat.  Fine-tuned by the final phase only. */
static int run_uniform(Adapt *a, FsrModel **curp)
{
    const double t0 = tool_wall_seconds();
    int lo = 1, hi = 127, found = -1;
    while (lo <= hi && !adapt_stop) {
        const int mid = (lo + hi) / 2;
        FsrModel *p = NULL;
        double c;
        if (uniform_prune(*curp, mid / 128.0, &p) < 0 || adapt_cost(a, p, &c) < 0) {
            fsr_model_close(&p);
            return -1;
        }
        fsr_model_close(&p);
        if (c <= a->budget)
            found = mid, lo = mid + 1;
        else
            hi = mid - 1;
    }
    if (adapt_stop)
        return 0;
    if (found < 0) {
        fprintf(stderr, "fastsr-adapt: error: no uniform scaling reaches %.4g %s\n", a->budget, a->unit);
        return -1;
    }
    FsrModel *p = NULL;
    if (uniform_prune(*curp, found / 128.0, &p) < 0)
        return -1;
    char change[48];
    snprintf(change, sizeof(change), "uniform x%.3f", found / 128.0);
    const double psnr = val_psnr(a, p);
    if (!isfinite(psnr) || add_row(a, p, "iter-01.safetensors", change, psnr, t0) < 0) {
        fsr_model_close(&p);
        return -1;
    }
    fsr_model_close(curp);
    *curp = p;
    return save_state(a, "search", 1, NULL, 0);
}

/* ---- the run ---- */

static int open_data(Adapt *a, FsrModel *m)
{
    const AdaptOptions *o = a->o;
    const int lr = m->input == FSR_INPUT_LR_Y;
    const int patch = o->patch ? o->patch : lr ? (m->scale == 2 ? 32 : m->scale == 3 ? 24 : 20) : 33;
    FsrPatchSourceSettings pss = { .scale = m->scale, .max_size = o->max_size, .min_size = lr ? patch * m->scale : patch };
    if (fsr_patches_open(&a->ps, &pss) < 0)
        return -1;
    for (int i = 0; i < o->ndirs; i++)
        if (fsr_patches_add_dir(a->ps, o->dirs[i]) < 0)
            return -1;
    return 0;
}

static int final_phase(Adapt *a, FsrModel *cur)
{
    const AdaptOptions *o = a->o;
    const double t0 = tool_wall_seconds();
    char ckpt[4096];
    out_path(a, ckpt, sizeof(ckpt), "final.ckpt");
    if (!o->quiet && o->final_iters)
        fprintf(stderr, "fastsr-adapt: final fine-tune of %s: %lld steps\n", a->rows[a->nrows - 1].file,
                o->final_iters);
    const int r = finetune(a, cur, o->final_iters, mix_seed(o->seed, 999, 0), ckpt, 1000, "final fine-tune");
    if (r) {
        if (r > 0)
            fprintf(stderr, "\nfastsr-adapt: interrupted; the final fine-tune's state is in %s (continue with "
                            "--resume)\n", ckpt);
        return r < 0 ? -1 : 130;
    }
    const double psnr = val_psnr(a, cur);
    if (!isfinite(psnr) || add_row(a, cur, "final.safetensors", "final", psnr, t0) < 0)
        return -1;
    if (a->test.n) {
        FsrModel *parent = load_row_model(a, 0);
        const double tp = parent ? tool_val_psnr(parent, &a->test, o->threads) : NAN;
        const double tf = tool_val_psnr(cur, &a->test, o->threads);
        fsr_model_close(&parent);
        if (!isfinite(tp) || !isfinite(tf) || save_model(a, cur, &a->rows[a->nrows - 1], tf) < 0)
            return -1;
        fprintf(stderr, "fastsr-adapt: test set: parent %.3f dB, final %.3f dB (%+.3f); cost %.4g -> %.4g %s "
                        "(%.2fx); MACs/px %lld -> %lld (%.2fx)\n",
                tp, tf, tf - tp, a->rows[0].cost, a->rows[a->nrows - 1].cost, a->unit,
                a->rows[0].cost / a->rows[a->nrows - 1].cost, a->rows[0].macs, a->rows[a->nrows - 1].macs,
                (double)a->rows[0].macs / (double)a->rows[a->nrows - 1].macs);
    }
    if (save_state(a, "done", 0, NULL, 0) < 0)
        return -1;
    remove(ckpt);   /* only now: a run killed before "done" resumes from it */
    return 0;
}

static int run(Adapt *a)
{
    const AdaptOptions *o = a->o;
    FsrModel *parent = NULL, *cur = NULL;
    int ret = -1, next = 0, order[FSR_MODEL_MAX_LAYERS], norder = 0;
    char phase[32] = "search";
    a->t0 = tool_wall_seconds();
    if (fsr_model_open(&parent, o->model) < 0) {
        fprintf(stderr, "fastsr-adapt: error: %s\n", fsr_last_error());
        return -1;
    }
    if (open_data(a, parent) < 0) {
        fprintf(stderr, "fastsr-adapt: error: %s\n", fsr_last_error());
        goto end;
    }
    if (tool_val_load(&a->val, o->val_dir, "fastsr-adapt") || (o->test_dir && tool_val_load(&a->test, o->test_dir, "fastsr-adapt")))
        goto end;
    if (adapt_cost_open(a) < 0)
        goto end;
    if (mkdir(o->out_dir, 0777) < 0 && errno != EEXIST) {
        fprintf(stderr, "fastsr-adapt: error: %s: cannot create: %s\n", o->out_dir, strerror(errno));
        goto end;
    }
    if (o->resume) {
        if (load_state(a, phase, sizeof(phase), &next, order, &norder) < 0 || !(cur = load_row_model(a, a->nrows - 1)))
            goto end;
        if (!strcmp(phase, "done")) {
            fprintf(stderr, "fastsr-adapt: %s: this run is complete (table.md)\n", o->out_dir);
            ret = 0;
            goto end;
        }
        if (!o->quiet)
            fprintf(stderr, "fastsr-adapt: resumed %s: %d networks so far, phase %s\n", o->out_dir, a->nrows, phase);
    } else {
        char path[4096];
        out_path(a, path, sizeof(path), "state.json");
        if (access(path, F_OK) == 0) {
            fprintf(stderr, "fastsr-adapt: error: %s holds a run already: --resume it, or choose another --out-dir\n",
                    o->out_dir);
            goto end;
        }
        out_path(a, path, sizeof(path), "proposals.csv");
        remove(path);
        if (fsr_model_clone(&cur, parent) < 0)
            goto end;
        const double t0 = tool_wall_seconds();
        char change[48] = "parent";
        if (o->warmup_iters) {
            snprintf(change, sizeof(change), "parent +%lld steps", o->warmup_iters);
            const int r = finetune(a, cur, o->warmup_iters, mix_seed(o->seed, 0, 0), NULL, 0, "warm-up");
            if (r) {
                if (r > 0)
                    fprintf(stderr, "\nfastsr-adapt: interrupted in the warm-up, before anything was kept; run the "
                                    "same command again (without --resume)\n");
                ret = r < 0 ? -1 : 130;
                goto end;
            }
        }
        const double psnr = val_psnr(a, cur);
        if (!isfinite(psnr) || add_row(a, cur, "iter-00.safetensors", change, psnr, t0) < 0 ||
            save_state(a, "search", 1, NULL, 0) < 0)
            goto end;
    }
    a->budget = !o->budget ? 0 : o->budget_relative ? o->budget_value * a->rows[0].cost : o->budget_value;
    if (o->budget && !o->quiet)
        fprintf(stderr, "fastsr-adapt: budget %.4g %s (parent %.4g %s)\n", a->budget, a->unit, a->rows[0].cost, a->unit);
    if (!strcmp(phase, "search")) {
        int r = 0;
        if (o->method == M_NETADAPT)
            r = run_netadapt(a, &cur);
        else if (o->method == M_ENERGY_AWARE)
            r = run_energy_aware(a, &cur, next, order, &norder);
        else if (a->nrows == 1 && o->method != M_FINETUNE)   /* one pruning, then the final phase */
            r = o->method == M_MAGNITUDE ? run_magnitude(a, &cur) : run_uniform(a, &cur);
        if (r < 0)
            goto end;
        if (adapt_stop) {
            fprintf(stderr, "\nfastsr-adapt: interrupted; %s/state.json has the %d networks so far (continue with "
                            "--resume)\n", o->out_dir, a->nrows);
            ret = 130;
            goto end;
        }
        if (save_state(a, "final", 0, order, norder) < 0)
            goto end;
    }
    ret = final_phase(a, cur);
    if (ret == 0 && !o->quiet)
        fprintf(stderr, "fastsr-adapt: done in %.0f s: %s/table.md, plot.svg, final.safetensors\n",
                tool_wall_seconds() - a->t0, o->out_dir);
end:
    fsr_model_close(&cur);
    fsr_model_close(&parent);
    return ret;
}

int main(int argc, char **argv)
{
    AdaptOptions o;
    int ret = parse_options(&o, argc, argv);
    if (ret)
        return ret == 1 ? 0 : ret;
    omp_set_num_threads(o.threads);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    Adapt a = { .o = &o };
    ret = run(&a);
    adapt_cost_close(&a);
    fsr_patches_close(&a.ps);
    tool_val_free(&a.val);
    tool_val_free(&a.test);
    return ret < 0 ? 1 : ret;
}
