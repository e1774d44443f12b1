/* Structured pruning and fastsr-adapt: removing a filter that nothing reads
 * leaves the network's output unchanged (SRCNN- and FSRCNN-shaped, PReLU,
 * transposed convolution), the least important filter goes first, extra
 * metadata round-trips, the accelerator's per-layer energies add up; the
 * tool's iteration loop on a tiny network and generated images meets its
 * budget, writes each network with its parent, budget and measured cost,
 * resumes after Ctrl-C to the same result as an uninterrupted run, and
 * refuses bad input with one line. */
#include "testutil.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fastsr/accel.h"
#include "fastsr/model.h"
#include "fastsr/sr.h"
#include "fastsr/train.h"

static FsrModel *fsrcnn_like(int scale)
{
    const int ch[6] = { 1, 6, 3, 3, 6, 0 }, k[5] = { 5, 1, 3, 1, 9 };
    FsrModel *m = NULL;
    assert_int_equal(fsr_model_open_empty_lr(&m, "fsrcnn", scale, FSR_PAD_REPLICATE, FSR_UP_DECONV, 5, ch, k,
                                             FSR_ACT_PRELU), 0);
    fsr_train_init_weights(m, 7);
    for (int l = 0; l < m->n_layers; l++)
        for (int c = 0; c < m->layers[l].out_ch; c++) {
            m->layers[l].bias[c] = 0.05f * (float)(c + 1);
            if (m->layers[l].slope)
                m->layers[l].slope[c] = 0.1f + 0.05f * (float)c;
        }
    /* the deconvolution larger than its init, so the output depends on
     * every channel */
    FsrConvLayer *last = &m->layers[m->n_layers - 1];
    for (int i = 0; i < last->in_ch * last->kh * last->kw; i++)
        last->weight[i] *= 50.f;
    return m;
}

static FsrModel *srcnn_like(void)
{
    const int ch[4] = { 1, 6, 4, 1 }, k[3] = { 5, 3, 3 };
    FsrModel *m = NULL;
    assert_int_equal(fsr_model_open_empty(&m, "srcnn", 2, FSR_PAD_REPLICATE, 3, ch, k), 0);
    fsr_train_init_weights(m, 3);
    for (int l = 0; l < 3; l++)
        for (int c = 0; c < m->layers[l].out_ch; c++)
            m->layers[l].bias[c] = 0.1f;
    for (int i = 0; i < 4 * 9; i++)
        m->layers[2].weight[i] *= 100.f;
    return m;
}

/* Nothing reads filter c of layer l: the next layer's weights on it are 0. */
static void kill_readers(FsrModel *m, int l, int c)
{
    FsrConvLayer *b = &m->layers[l + 1];
    const int kb = b->kh * b->kw;
    for (int o = 0; o < b->out_ch; o++)
        for (int i = 0; i < kb; i++)
            b->weight[((size_t)o * b->in_ch + c) * kb + i] = 0;
}

static void run_sr(const FsrModel *m, uint8_t *out, const uint8_t *in, int w, int h)
{
    FsrSR *sr = NULL;
    assert_int_equal(fsr_sr_open(&sr, m, &(FsrSRSettings){ .threads = 1 }), 0);
    const int up = m->input == FSR_INPUT_LR_Y ? m->scale : 1;
    assert_int_equal(fsr_sr_luma(sr, out, (ptrdiff_t)w * up, in, w, w, h), 0);
    fsr_sr_close(&sr);
}

/* Prunes the dead filter of every prunable layer in turn: the smallest
 * importance, so fsr_prune_smallest(1) takes it, and the output stays. */
static void check_dead_filters_go_first(FsrModel *m, int w, int h)
{
    const int up = m->input == FSR_INPUT_LR_Y ? m->scale : 1;
    uint8_t *in = malloc((size_t)w * h), *ref = malloc((size_t)w * h * up * up), *out = malloc((size_t)w * h * up * up);
    uint32_t seed = 5;
    for (int i = 0; i < w * h; i++)
        in[i] = (uint8_t)(96 + tu_rand(&seed) % 64 + (i % w));
    for (int l = 0; l < m->n_layers - 1; l++) {
        const int dead = m->layers[l].out_ch / 2;
        kill_readers(m, l, dead);
        run_sr(m, ref, in, w, h);
        float imp[64];
        assert_int_equal(fsr_prune_importance(m, l, imp), 0);
        for (int c = 0; c < m->layers[l].out_ch; c++)
            if (c != dead && !(imp[c] > 0))
                fail_msg("layer %d filter %d: importance %g, expected > 0", l + 1, c, imp[c]);
        assert_true(imp[dead] == 0);
        const int oc = m->layers[l].out_ch;
        assert_int_equal(fsr_prune_smallest(m, l, 1), 0);
        assert_int_equal(m->layers[l].out_ch, oc - 1);
        assert_int_equal(m->layers[l + 1].in_ch, oc - 1);
        run_sr(m, out, in, w, h);
        for (int i = 0; i < w * h * up * up; i++)
            if (out[i] != ref[i])
                fail_msg("layer %d: pixel %d %d after removing a dead filter, %d before", l + 1, i, out[i], ref[i]);
    }
    /* and removing a live filter does change it (the check above can fail) */
    run_sr(m, ref, in, w, h);
    assert_int_equal(fsr_prune_smallest(m, 0, 1), 0);
    run_sr(m, out, in, w, h);
    assert_true(memcmp(out, ref, (size_t)w * h * up * up) != 0);
    free(in);
    free(ref);
    free(out);
}

/* What is left after pruning saves and loads as a valid model. */
static FsrModel *save_and_reload(const FsrModel *m, const char *name)
{
    const char *path = tu_tmp(name);
    assert_int_equal(fsr_model_save(m, path), 0);
    FsrModel *back = NULL;
    assert_int_equal(fsr_model_open(&back, path), 0);
    return back;
}

static void test_prune_srcnn(void **state)
{
    (void)state;
    FsrModel *m = srcnn_like();
    check_dead_filters_go_first(m, 40, 32);
    FsrModel *back = save_and_reload(m, "pruned-srcnn.safetensors");
    assert_int_equal(back->layers[0].out_ch, 4);
    assert_int_equal(back->layers[1].in_ch, 4);
    assert_int_equal(back->layers[1].out_ch, 3);
    fsr_model_close(&back);
    fsr_model_close(&m);
}

static void test_prune_fsrcnn(void **state)
{
    (void)state;
    for (int scale = 2; scale <= 3; scale++) {
        FsrModel *m = fsrcnn_like(scale);
        check_dead_filters_go_first(m, 24, 20);
        FsrModel *back = save_and_reload(m, "pruned-fsrcnn.safetensors");
        assert_int_equal(back->layers[3].out_ch, 5);
        assert_int_equal(back->layers[4].in_ch, 5);
        assert_non_null(back->layers[3].slope);
        fsr_model_close(&back);
        fsr_model_close(&m);
    }
}

static void test_prune_refuses(void **state)
{
    (void)state;
    FsrModel *m = srcnn_like();
    assert_false(fsr_prune_layer_ok(m, 2));              /* the last layer's output is the picture */
    assert_true(fsr_prune_smallest(m, 2, 1) < 0);
    assert_true(fsr_prune_smallest(m, 0, 6) < 0);        /* all of them */
    assert_true(fsr_prune_smallest(m, -1, 1) < 0);
    uint8_t none[6] = { 0 };
    assert_true(fsr_prune_filters(m, 0, none) < 0);
    assert_int_equal(m->layers[0].out_ch, 6);            /* unchanged by the refusals */
    fsr_model_close(&m);
}

static void test_clone_and_metadata(void **state)
{
    (void)state;
    FsrModel *m = fsrcnn_like(2), *c = NULL;
    assert_int_equal(fsr_model_clone(&c, m), 0);
    c->layers[0].weight[0] += 1.f;
    assert_true(c->layers[0].weight[0] != m->layers[0].weight[0]);
    const char *path = tu_tmp("meta.safetensors");
    const char *keys[] = { "adapt_parent", "adapt_cost" }, *vals[] = { "fsrcnn-x2.safetensors", "37.5 ms" };
    assert_int_equal(fsr_model_save_meta(m, path, 2, keys, vals), 0);
    char buf[64];
    assert_int_equal(fsr_model_file_meta(path, "adapt_cost", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "37.5 ms");
    assert_int_equal(fsr_model_file_meta(path, "arch", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "fsrcnn");
    assert_true(fsr_model_file_meta(path, "adapt_budget", buf, sizeof(buf)) < 0);
    assert_true(fsr_model_file_meta(path, "adapt_parent", buf, 4) < 0);   /* too long for buf */
    /* the format's own keys cannot be overridden */
    const char *bad[] = { "scale" }, *bv[] = { "3" };
    assert_true(fsr_model_save_meta(m, tu_tmp("meta-bad.safetensors"), 1, bad, bv) < 0);
    assert_false(tu_exists(tu_tmp("meta-bad.safetensors")));
    FsrModel *back = NULL;
    assert_int_equal(fsr_model_open(&back, path), 0);
    assert_int_equal(back->scale, 2);
    fsr_model_close(&back);
    fsr_model_close(&c);
    fsr_model_close(&m);
}

/* The per-layer energies add up to the frame's, and measured zeros make a
 * zero-gating chip cheaper than the shapes alone say. */
static void test_accel_layer_energy(void **state)
{
    (void)state;
    FsrAccelArch arch;
    assert_int_equal(fsr_accel_arch_get(&arch, "eyeriss-v1"), 0);
    FsrModel *m = srcnn_like();
    enum { S = 48 };
    uint8_t sample[S * S];
    for (int i = 0; i < S * S; i++)
        sample[i] = (uint8_t)(i % S < S / 2 ? 30 : 200);
    FsrAccelFrameCost shape, sampled;
    double e[3];
    assert_int_equal(fsr_accel_frame_cost_sampled(&shape, e, &arch, m, NULL, 0, 0, 0, 320, 240), 0);
    assert_true(fabs(e[0] + e[1] + e[2] - shape.energy) <= 1e-9 * shape.energy);
    FsrAccelFrameCost plain;
    assert_int_equal(fsr_accel_frame_cost(&plain, &arch, m, 320, 240), 0);
    assert_true(plain.energy == shape.energy);
    assert_int_equal(fsr_accel_frame_cost_sampled(&sampled, e, &arch, m, sample, S, S, S, 320, 240), 0);
    assert_true(fabs(e[0] + e[1] + e[2] - sampled.energy) <= 1e-9 * sampled.energy);
    assert_true(sampled.energy < shape.energy);
    fsr_model_close(&m);
}

/* ---- the tool ---- */

static char data_dir[1024], val_dir[1024], parent[1024], srcnn_parent[1024];

static void make_inputs(void)
{
    if (data_dir[0])
        return;
    snprintf(data_dir, sizeof(data_dir), "%s", tu_tmp("adapt-data"));
    snprintf(val_dir, sizeof(val_dir), "%s", tu_tmp("adapt-val"));
    assert_int_equal(tu_run(NULL, 0, "mkdir -p %s %s && ffmpeg -hide_banner -loglevel error -y -f lavfi "
                            "-i testsrc2=size=192x160:rate=1 -frames:v 1 %s/a.png && ffmpeg -hide_banner -loglevel "
                            "error -y -f lavfi -i mandelbrot=size=160x160:rate=1 -frames:v 1 %s/b.png && ffmpeg "
                            "-hide_banner -loglevel error -y -f lavfi -i testsrc=size=128x96:rate=1 -frames:v 1 "
                            "%s/c.png", data_dir, val_dir, data_dir, data_dir, val_dir), 0);
    snprintf(parent, sizeof(parent), "%s", tu_tmp("adapt-parent.safetensors"));
    FsrModel *m = fsrcnn_like(2);
    assert_int_equal(fsr_model_save(m, parent), 0);
    fsr_model_close(&m);
    snprintf(srcnn_parent, sizeof(srcnn_parent), "%s", tu_tmp("adapt-srcnn.safetensors"));
    m = srcnn_like();
    assert_int_equal(fsr_model_save(m, srcnn_parent), 0);
    fsr_model_close(&m);
}

static double row_cost(const char *dir, const char *file)
{
    char path[2048], buf[64];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (fsr_model_file_meta(path, "adapt_cost", buf, sizeof(buf)) < 0)
        fail_msg("%s: %s", path, fsr_last_error());
    return atof(buf);
}

#define ADAPT_ARGS "--data %s --val %s --threads 2 --lr 1e-3 --seed 3"

/* NetAdapt on the accelerator's latency (deterministic, unlike a shared
 * CPU's): every iteration cheaper than the last, the last within the
 * budget, each model naming its parent, budget and cost. */
static void test_netadapt_loop(void **state)
{
    (void)state;
    make_inputs();
    const char *out = tu_tmp("adapt-na");
    static char text[65536];
    tu_run(NULL, 0, "rm -rf %s", out);
    const int rc = tu_run(text, sizeof(text), "%s --model %s " ADAPT_ARGS " --out-dir %s --test %s --platform eyeriss-v1 "
                          "--budget latency:60%%@320x240 --step 0.1 --short-iters 20 --final-iters 30",
                          tu_tool("fastsr-adapt"), parent, data_dir, val_dir, out, val_dir);
    if (rc != 0)
        fail_msg("fastsr-adapt exited %d: %s", rc, text);
    double prev = row_cost(out, "iter-00.safetensors"), c0 = prev;
    int iters = 0;
    for (int i = 1; i < 50; i++) {
        char file[64], path[2048];
        snprintf(file, sizeof(file), "iter-%02d.safetensors", i);
        snprintf(path, sizeof(path), "%s/%s", out, file);
        if (!tu_exists(path))
            break;
        const double c = row_cost(out, file);
        if (!(c < prev))
            fail_msg("%s: cost %g, not below the previous %g", file, c, prev);
        prev = c;
        iters++;
        char buf[256];
        assert_int_equal(fsr_model_file_meta(path, "adapt_parent", buf, sizeof(buf)), 0);
        assert_string_equal(buf, strrchr(parent, '/') + 1);
        assert_int_equal(fsr_model_file_meta(path, "adapt_budget", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "latency:60%@320x240");
        assert_int_equal(fsr_model_file_meta(path, "adapt_method", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "netadapt");
    }
    if (iters < 2)
        fail_msg("%d iterations for a 40%% cut in 10%% steps: %s", iters, text);
    if (!(prev <= 0.6 * c0 * (1 + 1e-9)))
        fail_msg("last iteration %g, budget %g: %s", prev, 0.6 * c0, text);
    char path[2048], buf[256];
    snprintf(path, sizeof(path), "%s/final.safetensors", out);
    assert_true(fabs(row_cost(out, "final.safetensors") - prev) < 1e-9 * prev);
    assert_int_equal(fsr_model_file_meta(path, "adapt_test_psnr", buf, sizeof(buf)), 0);
    assert_true(atof(buf) > 10);
    /* the table, the proposals with their MACs, the plot */
    snprintf(path, sizeof(path), "%s/table.md", out);
    assert_true(tu_read_file(path, text, sizeof(text)) > 0);
    assert_non_null(strstr(text, "| final.safetensors | final |"));
    snprintf(path, sizeof(path), "%s/proposals.csv", out);
    assert_true(tu_read_file(path, text, sizeof(text)) > 0);
    assert_non_null(strstr(text, "iteration,proposal,channels,macs_per_pixel,cost,cost_unit,psnr\n1,conv"));
    snprintf(path, sizeof(path), "%s/plot.svg", out);
    assert_true(tu_read_file(path, text, sizeof(text)) > 0);
    assert_non_null(strstr(text, "</svg>"));
    /* a finished run says so on --resume, and a new run will not overwrite it */
    assert_int_equal(tu_run(text, sizeof(text), "%s --model %s " ADAPT_ARGS " --out-dir %s --platform eyeriss-v1 "
                            "--budget latency:60%%@320x240 --resume", tu_tool("fastsr-adapt"), parent, data_dir,
                            val_dir, out), 0);
    assert_non_null(strstr(text, "this run is complete"));
    assert_int_equal(tu_run(text, sizeof(text), "%s --model %s " ADAPT_ARGS " --out-dir %s --platform eyeriss-v1 "
                            "--budget latency:60%%@320x240", tu_tool("fastsr-adapt"), parent, data_dir, val_dir, out), 1);
    assert_non_null(strstr(text, "holds a run already"));
}

/* Ctrl-C in the middle of the iterations, then --resume: the same final
 * model, byte for byte, as a run that was never interrupted. */
static void test_resume_after_sigint(void **state)
{
    (void)state;
    make_inputs();
    char straight[1024], cut[1024], log[1024], tool[1024], text[8192];
    snprintf(straight, sizeof(straight), "%s", tu_tmp("adapt-straight"));
    snprintf(cut, sizeof(cut), "%s", tu_tmp("adapt-cut"));
    snprintf(log, sizeof(log), "%s", tu_tmp("adapt-cut.log"));
    snprintf(tool, sizeof(tool), "%s", tu_tool("fastsr-adapt"));
    tu_run(NULL, 0, "rm -rf %s %s", straight, cut);
#define RESUME_ARGS "--platform eyeriss-v1 --budget energy:40%%@320x240 --step 0.04 --short-iters 60 --final-iters 40"
    int rc = tu_run(text, sizeof(text), "%s -q --model %s " ADAPT_ARGS " --out-dir %s " RESUME_ARGS, tool, parent,
                    data_dir, val_dir, straight);
    if (rc != 0)
        fail_msg("exit %d: %s", rc, text);
    char *argv[] = { tool, "-q", "--model", parent, "--data", data_dir, "--val", val_dir, "--threads", "2", "--lr",
                     "1e-3", "--seed", "3", "--out-dir", cut, "--platform", "eyeriss-v1", "--budget",
                     "energy:40%@320x240", "--step", "0.04", "--short-iters", "60", "--final-iters", "40", NULL };
    const pid_t pid = tu_spawn(argv, log);
    char first[2048];
    snprintf(first, sizeof(first), "%s/iter-01.safetensors", cut);
    for (int i = 0; i < 6000 && !tu_exists(first); i++)
        tu_sleep_ms(5);
    kill(pid, SIGINT);
    rc = tu_wait_exit(pid, 300);
    tu_read_file(log, text, sizeof(text));
    if (rc != 130)
        fail_msg("exit %d after SIGINT (expected 130: interrupted before the end): %s", rc, text);
    assert_non_null(strstr(text, "continue with --resume"));
    rc = tu_run(text, sizeof(text), "%s -q --model %s " ADAPT_ARGS " --out-dir %s " RESUME_ARGS " --resume", tool,
                parent, data_dir, val_dir, cut);
    if (rc != 0)
        fail_msg("resume exit %d: %s", rc, text);
    if (tu_run(text, sizeof(text), "cmp %s/final.safetensors %s/final.safetensors", straight, cut) != 0)
        fail_msg("the resumed run's final model differs from the uninterrupted run's: %s", text);
    /* resuming with other settings is refused */
    rc = tu_run(text, sizeof(text), "%s -q --model %s " ADAPT_ARGS " --out-dir %s --platform eyeriss-v1 --budget "
                "energy:30%%@320x240 --resume", tool, parent, data_dir, val_dir, cut);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(text, "not of these options"));
}

/* Energy-aware pruning orders the layers by energy and stays within the
 * tolerance; magnitude and uniform pruning run to their end; the CPU's
 * measured latency works as a cost. */
static void test_other_methods(void **state)
{
    (void)state;
    make_inputs();
    static char text[65536];
    const char *tool = tu_tool("fastsr-adapt");
    const char *out = tu_tmp("adapt-ea");
    tu_run(NULL, 0, "rm -rf %s %s %s %s %s", out, tu_tmp("adapt-mag"), tu_tmp("adapt-uni"), tu_tmp("adapt-cpu"),
           tu_tmp("adapt-ft"));
    int rc = tu_run(text, sizeof(text), "%s --model %s " ADAPT_ARGS " --out-dir %s --method energy-aware "
                    "--platform eyeriss-v1 --tolerance 0.5 --short-iters 20 --final-iters 20", tool, srcnn_parent,
                    data_dir, val_dir, out);
    if (rc != 0)
        fail_msg("energy-aware exit %d: %s", rc, text);
    assert_non_null(strstr(text, "energy order 1: conv"));
    assert_non_null(strstr(text, "energy order 2: conv"));
    char path[2048];
    snprintf(path, sizeof(path), "%s/table.md", out);
    assert_true(tu_read_file(path, text, sizeof(text)) > 0);
    assert_non_null(strstr(text, "| final.safetensors |"));
    rc = tu_run(text, sizeof(text), "%s -q --model %s " ADAPT_ARGS " --out-dir %s --method magnitude "
                "--platform eyeriss-v1 --tolerance 0.5 --short-iters 20 --final-iters 20", tool, srcnn_parent,
                data_dir, val_dir, tu_tmp("adapt-mag"));
    if (rc != 0)
        fail_msg("magnitude exit %d: %s", rc, text);
    rc = tu_run(text, sizeof(text), "%s -q --model %s " ADAPT_ARGS " --out-dir %s --method uniform "
                "--platform eyeriss-v1 --budget energy:50%%@320x240 --final-iters 20", tool, parent, data_dir,
                val_dir, tu_tmp("adapt-uni"));
    if (rc != 0)
        fail_msg("uniform exit %d: %s", rc, text);
    assert_true(row_cost(tu_tmp("adapt-uni"), "final.safetensors") <=
                0.5 * row_cost(tu_tmp("adapt-uni"), "iter-00.safetensors") * (1 + 1e-9));
    /* the control: the parent fine-tuned, nothing removed */
    rc = tu_run(text, sizeof(text), "%s -q --model %s " ADAPT_ARGS " --out-dir %s --method finetune "
                "--platform eyeriss-v1 --final-iters 20", tool, srcnn_parent, data_dir, val_dir, tu_tmp("adapt-ft"));
    if (rc != 0)
        fail_msg("finetune exit %d: %s", rc, text);
    assert_true(row_cost(tu_tmp("adapt-ft"), "final.safetensors") == row_cost(tu_tmp("adapt-ft"), "iter-00.safetensors"));
    /* the CPU's latency: a shared machine's timings are noisy, so this
     * checks only that the run completes with a measured cost */
    rc = tu_run(text, sizeof(text), "%s -q --model %s " ADAPT_ARGS " --out-dir %s --budget latency:80%%@256x256 "
                "--short-iters 5 --final-iters 5 --reps 2 --max-iters 5", tool, parent, data_dir, val_dir,
                tu_tmp("adapt-cpu"));
    if (rc != 0)
        fail_msg("cpu latency exit %d: %s", rc, text);
    assert_true(row_cost(tu_tmp("adapt-cpu"), "iter-00.safetensors") > 0);
}

static void expect_error(const char *args, const char *message)
{
    static char text[8192];
    const int rc = tu_run(text, sizeof(text), "%s %s", tu_tool("fastsr-adapt"), args);
    if (rc == 0 || !strstr(text, message))
        fail_msg("fastsr-adapt %s: exit %d, expected \"%s\" in: %s", args, rc, message, text);
    /* one line */
    const char *nl = strchr(text, '\n');
    if (!nl || nl[1])
        fail_msg("fastsr-adapt %s: more than one line: %s", args, text);
}

static void test_bad_input(void **state)
{
    (void)state;
    make_inputs();
    char args[4096];
    const char *out = tu_tmp("adapt-bad");
    tu_run(NULL, 0, "rm -rf %s", out);
    snprintf(args, sizeof(args), "--model %s --data %s --val %s --out-dir %s --budget latency:2x", parent, data_dir,
             val_dir, out);
    expect_error(args, "--budget must be");
    snprintf(args, sizeof(args), "--model %s --data %s --val %s --out-dir %s --budget energy:50%%", parent, data_dir,
             val_dir, out);
    expect_error(args, "energy budgets need an accelerator --platform");
    snprintf(args, sizeof(args), "--model %s --data %s --val %s --out-dir %s", parent, data_dir, val_dir, out);
    expect_error(args, "--method netadapt needs a --budget");
    snprintf(args, sizeof(args), "--model %s --data %s --val %s --out-dir %s --method energy-aware", parent, data_dir,
             val_dir, out);
    expect_error(args, "needs an accelerator --platform");
    snprintf(args, sizeof(args), "--model %s/none.safetensors --data %s --val %s --out-dir %s --budget latency:50%%",
             data_dir, data_dir, val_dir, out);
    expect_error(args, "cannot open model file");
    snprintf(args, sizeof(args), "--model %s --data %s --val %s --out-dir %s --budget latency:50%% --resume", parent,
             data_dir, val_dir, out);
    expect_error(args, "--resume");
    snprintf(args, sizeof(args), "--model %s --data %s --val %s --out-dir %s --budget latency:50%% --platform nochip",
             parent, data_dir, val_dir, out);
    expect_error(args, "--platform nochip");
    /* a damaged state file */
    tu_run(NULL, 0, "mkdir -p %s && echo '{\"rows\": 3' > %s/state.json", out, out);
    snprintf(args, sizeof(args), "--model %s --data %s --val %s --out-dir %s --budget latency:50%% --resume", parent,
             data_dir, val_dir, out);
    expect_error(args, "is not a state this tool wrote");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prune_srcnn),
        cmocka_unit_test(test_prune_fsrcnn),
        cmocka_unit_test(test_prune_refuses),
        cmocka_unit_test(test_clone_and_metadata),
        cmocka_unit_test(test_accel_layer_energy),
        cmocka_unit_test(test_netadapt_loop),
        cmocka_unit_test(test_resume_after_sigint),
        cmocka_unit_test(test_other_methods),
        cmocka_unit_test(test_bad_input),
    };
    return tu_result(cmocka_run_group_tests(tests, NULL, NULL));
}
