/* Training: finite-difference gradient checks in every padding mode, a tiny
 * network overfits a tiny set, a resumed checkpoint continues exactly, and
 * fastsr-train saves its state on Ctrl-C. */
#include "testutil.h"

#include "train_internal.h"

#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fastsr/train.h"

static FsrModel *tiny_model(uint64_t seed)
{
    const int ch[4] = { 1, 3, 2, 1 }, k[3] = { 3, 1, 3 };
    FsrModel *m = NULL;
    assert_int_equal(fsr_model_open_empty(&m, "srcnn", 2, FSR_PAD_ZERO, 3, ch, k), 0);
    fsr_train_init_weights(m, seed);
    /* a larger last layer than the default init, so every gradient matters */
    for (int i = 0; i < 2 * 9; i++)
        m->layers[2].weight[i] *= 300.f;
    for (int i = 0; i < 2 * 3; i++)
        m->layers[1].weight[i] = fabsf(m->layers[1].weight[i]);
    /* positive biases keep the ReLUs mostly open: a dead network has zero
     * gradients everywhere and would pass any check */
    for (int l = 0; l < 3; l++)
        for (int i = 0; i < m->layers[l].out_ch; i++)
            m->layers[l].bias[i] = 0.3f + 0.1f * (float)i;
    return m;
}

static float *param_ptr(FsrModel *m, int64_t idx)
{
    for (int l = 0; l < m->n_layers; l++) {
        FsrConvLayer *L = &m->layers[l];
        const int64_t nw = (int64_t)L->out_ch * L->in_ch * L->kh * L->kw;
        if (idx < nw)
            return &L->weight[idx];
        idx -= nw;
        if (idx < L->out_ch)
            return &L->bias[idx];
        idx -= L->out_ch;
        if (L->slope) {
            if (idx < L->out_ch)
                return &L->slope[idx];
            idx -= L->out_ch;
        }
    }
    return NULL;
}

static void gradient_check(int padding)
{
    FsrModel *m = tiny_model(11);
    const int in = 7, out = fsr_train_out_size(m, padding, in);
    assert_true(out >= 1);
    float input[49], target[49];
    uint32_t seed = 3;
    for (int i = 0; i < 49; i++)
        input[i] = (float)(tu_rand(&seed) % 1000) / 1000.f;
    for (int i = 0; i < out * out; i++)
        target[i] = (float)(tu_rand(&seed) % 1000) / 1000.f;
    const int64_t np = fsr_model_param_count(m);
    float *g = malloc(sizeof(float) * np);
    double loss;
    assert_int_equal(fsr_train_gradients(m, padding, input, in, target, g, &loss), 0);
    int checked = 0, nonzero = 0;
    for (int64_t i = 0; i < np; i++) {
        float *p = param_ptr(m, i);
        const float orig = *p, h = 1e-2f;
        double lp, lm;
        *p = orig + h;
        fsr_train_gradients(m, padding, input, in, target, NULL, &lp);
        *p = orig - h;
        fsr_train_gradients(m, padding, input, in, target, NULL, &lm);
        *p = orig;
        const double num = (lp - lm) / (2.0 * ((double)(orig + h) - (double)orig));
        const double err = fabs(num - g[i]);
        if (err > 2e-3 + 2e-2 * fabs(num))
            fail_msg("padding %d, parameter %lld: analytic %.6g, numeric %.6g", padding, (long long)i, g[i], num);
        checked++;
        nonzero += fabs(num) > 1e-4;
    }
    assert_int_equal(checked, np);
    assert_true(nonzero >= np * 8 / 10);
    free(g);
    fsr_model_close(&m);
}

/* LR-input networks: a tiny FSRCNN-like stack (PReLU, transposed
 * convolution) and a tiny ESPCN-like one (ReLU, pixel shuffle). */
static FsrModel *tiny_lr_model(int upsample, int scale, uint64_t seed)
{
    FsrModel *m = NULL;
    if (upsample == FSR_UP_DECONV) {
        const int ch[5] = { 1, 3, 2, 3, 1 }, k[4] = { 3, 1, 3, 5 };
        assert_int_equal(fsr_model_open_empty_lr(&m, "fsrcnn", scale, FSR_PAD_REPLICATE, FSR_UP_DECONV, 4, ch, k,
                                             FSR_ACT_PRELU), 0);
    } else {
        const int ch[4] = { 1, 3, 2, 0 }, k[3] = { 3, 1, 3 };
        assert_int_equal(fsr_model_open_empty_lr(&m, "espcn", scale, FSR_PAD_REPLICATE, FSR_UP_SHUFFLE, 3, ch, k,
                                             FSR_ACT_RELU), 0);
    }
    fsr_train_init_weights(m, seed);
    FsrConvLayer *last = &m->layers[m->n_layers - 1];
    for (int i = 0; i < last->out_ch * last->in_ch * last->kh * last->kw; i++)
        last->weight[i] *= 300.f;
    for (int l = 0; l < m->n_layers; l++) {
        FsrConvLayer *L = &m->layers[l];
        /* ReLUs mostly open; PReLU inputs of both signs, distinct slopes */
        for (int i = 0; i < L->out_ch; i++)
            L->bias[i] = (upsample == FSR_UP_DECONV ? 0.05f : 0.3f) + 0.1f * (float)i;
        for (int i = 0; L->slope && i < L->out_ch; i++)
            L->slope[i] = 0.1f + 0.15f * (float)i;
        /* no ReLU layer dead everywhere: positive hidden weights */
        for (int i = 0; upsample == FSR_UP_SHUFFLE && l == 1 && i < L->out_ch * L->in_ch * L->kh * L->kw; i++)
            L->weight[i] = fabsf(L->weight[i]);
    }
    return m;
}

static void gradient_check_lr(int upsample, int scale)
{
    FsrModel *m = tiny_lr_model(upsample, scale, 7);
    const int in = 8, out = fsr_train_out_size(m, FSR_TRAIN_VALID, in);
    const int off = fsr_train_out_offset(m, FSR_TRAIN_VALID, in);
    assert_true(out >= 2);
    assert_true(off >= 0 && off + out <= scale * in);
    float input[64], target[32 * 32];
    uint32_t seed = 5;
    for (int i = 0; i < 64; i++)
        input[i] = (float)(tu_rand(&seed) % 1000) / 1000.f - (upsample == FSR_UP_DECONV ? 0.3f : 0.f);
    for (int i = 0; i < out * out; i++)
        target[i] = (float)(tu_rand(&seed) % 1000) / 1000.f;
    const int64_t np = fsr_model_param_count(m);
    float *g = malloc(sizeof(float) * np);
    double loss;
    assert_int_equal(fsr_train_gradients(m, FSR_TRAIN_VALID, input, in, target, g, &loss), 0);
    int nonzero = 0;
    for (int64_t i = 0; i < np; i++) {
        float *p = param_ptr(m, i);
        assert_non_null(p);
        const float orig = *p, h = 1e-2f;
        double lp, lm;
        *p = orig + h;
        fsr_train_gradients(m, FSR_TRAIN_VALID, input, in, target, NULL, &lp);
        *p = orig - h;
        fsr_train_gradients(m, FSR_TRAIN_VALID, input, in, target, NULL, &lm);
        *p = orig;
        const double num = (lp - lm) / (2.0 * ((double)(orig + h) - (double)orig));
        if (fabs(num - g[i]) > 2e-3 + 2e-2 * fabs(num))
            fail_msg("upsample %d x%d, parameter %lld of %lld: analytic %.6g, numeric %.6g", upsample, scale,
                     (long long)i, (long long)np, g[i], num);
        nonzero += fabs(num) > 1e-4;
    }
    assert_true(nonzero >= np * 7 / 10);
    /* padded training is refused for LR-input models, with a message */
    assert_true(fsr_train_gradients(m, FSR_PAD_ZERO, input, in, target, g, &loss) < 0);
    free(g);
    fsr_model_close(&m);
}

static void test_gradients_deconv_x2(void **state) { (void)state; gradient_check_lr(FSR_UP_DECONV, 2); }
static void test_gradients_deconv_x3(void **state) { (void)state; gradient_check_lr(FSR_UP_DECONV, 3); }
static void test_gradients_shuffle_x2(void **state) { (void)state; gradient_check_lr(FSR_UP_SHUFFLE, 2); }
static void test_gradients_shuffle_x3(void **state) { (void)state; gradient_check_lr(FSR_UP_SHUFFLE, 3); }

/* The valid output of a transposed convolution: each output pixel is
 * reached by all the taps of its phase (checked against a direct count). */
static void test_deconv_geometry(void **state)
{
    (void)state;
    FsrModel *m = tiny_lr_model(FSR_UP_DECONV, 2, 1);
    for (int s = 2; s <= 4; s++) {
        m->scale = s;
        for (int in = 5; in < 12; in++) {
            const int out = fsr_train_out_size(m, FSR_TRAIN_VALID, in), off = fsr_train_out_offset(m, FSR_TRAIN_VALID, in);
            const int f = in - 2 - 2, b = 2, k = 5, p = 2; /* conv 3, 1, 3 shave 2 on each side */
            for (int Y = off; Y < off + out; Y++) {
                const int rel = Y - s * b; /* relative to s * the first feature row */
                for (int ky = 0; ky < k; ky++) {
                    const int t = rel + p - ky;
                    if (((t % s) + s) % s)
                        continue;
                    if (t < 0 || t / s >= f)
                        fail_msg("x%d in %d: output row %d misses tap %d", s, in, Y, ky);
                }
            }
        }
    }
    fsr_model_close(&m);
}

/* A checkpoint of a PReLU network round-trips the slopes. */
static void test_checkpoint_prelu(void **state)
{
    (void)state;
    FsrModel *a = tiny_lr_model(FSR_UP_DECONV, 2, 3), *b = tiny_lr_model(FSR_UP_DECONV, 2, 4);
    FsrTrainSettings s;
    fsr_trainer_defaults(&s);
    s.threads = 1;
    FsrTrainer *ta, *tb;
    assert_int_equal(fsr_trainer_open(&ta, a, &s), 0);
    const int in = 8, out = fsr_train_out_size(a, s.padding, in);
    float input[2 * 64], target[2 * 32 * 32];
    uint32_t seed = 9;
    for (int i = 0; i < 2 * 64; i++)
        input[i] = (float)(tu_rand(&seed) % 1000) / 1000.f;
    for (int i = 0; i < 2 * out * out; i++)
        target[i] = (float)(tu_rand(&seed) % 1000) / 1000.f;
    double loss;
    for (int i = 0; i < 5; i++)
        assert_int_equal(fsr_trainer_step(ta, input, target, 2, in, &loss), 0);
    char ck[4096];
    snprintf(ck, sizeof(ck), "%s", tu_tmp("prelu.ckpt"));
    assert_int_equal(fsr_trainer_save(ta, ck, NULL, 0), 0);
    assert_int_equal(fsr_trainer_open(&tb, b, &s), 0);
    assert_int_equal(fsr_trainer_load(tb, ck, NULL, 0), 0);
    for (int l = 0; l < a->n_layers; l++)
        for (int c = 0; a->layers[l].slope && c < a->layers[l].out_ch; c++)
            assert_true(a->layers[l].slope[c] == b->layers[l].slope[c]);
    assert_true(a->layers[0].slope[0] != 0.1f); /* the slopes did train */
    assert_int_equal(fsr_trainer_step(ta, input, target, 2, in, &loss), 0);
    assert_int_equal(fsr_trainer_step(tb, input, target, 2, in, &loss), 0);
    for (int l = 0; l < a->n_layers; l++)
        assert_memory_equal(a->layers[l].weight, b->layers[l].weight,
                            sizeof(float) * a->layers[l].out_ch * a->layers[l].in_ch * a->layers[l].kh * a->layers[l].kw);
    fsr_trainer_close(&ta);
    fsr_trainer_close(&tb);
    fsr_model_close(&a);
    fsr_model_close(&b);
    remove(ck);
}

static void test_gradients_valid(void **state) { (void)state; gradient_check(FSR_TRAIN_VALID); }
static void test_gradients_zero(void **state) { (void)state; gradient_check(FSR_PAD_ZERO); }
static void test_gradients_replicate(void **state) { (void)state; gradient_check(FSR_PAD_REPLICATE); }

/* Four 12x12 patches: target = a sharpened version of the input. */
static void make_set(float *in, float *tgt, int n, int size, int out, int border)
{
    uint32_t seed = 42;
    for (int p = 0; p < n; p++) {
        float *x = in + p * size * size;
        for (int i = 0; i < size * size; i++)
            x[i] = 0.2f + 0.6f * (float)(tu_rand(&seed) % 1000) / 1000.f;
        for (int y = 0; y < out; y++)
            for (int xx = 0; xx < out; xx++) {
                const int cy = y + border, cx = xx + border;
                tgt[(p * out + y) * out + xx] =
                    1.5f * x[cy * size + cx] - 0.125f * (x[(cy - 1) * size + cx] + x[(cy + 1) * size + cx] +
                                                         x[cy * size + cx - 1] + x[cy * size + cx + 1]);
            }
    }
}

static FsrModel *small_model(void)
{
    const int ch[3] = { 1, 8, 1 }, k[2] = { 3, 3 };
    FsrModel *m = NULL;
    assert_int_equal(fsr_model_open_empty(&m, "srcnn", 2, FSR_PAD_REPLICATE, 2, ch, k), 0);
    fsr_train_init_weights(m, 5);
    return m;
}

static void test_overfit(void **state)
{
    (void)state;
    FsrModel *m = small_model();
    FsrTrainSettings s;
    fsr_trainer_defaults(&s);
    s.lr = 3e-3f;
    s.lr_last = 3e-3f;
    s.batch = 4;
    const int size = 12, out = fsr_train_out_size(m, s.padding, size);
    float in[4 * 144], tgt[4 * 144];
    make_set(in, tgt, 4, size, out, (size - out) / 2);
    FsrTrainer *t;
    assert_int_equal(fsr_trainer_open(&t, m, &s), 0);
    double first = 0, loss = 0;
    for (int i = 0; i < 600; i++) {
        assert_int_equal(fsr_trainer_step(t, in, tgt, 4, size, &loss), 0);
        if (i == 0)
            first = loss;
    }
    assert_true(loss < 0.02 * first);
    assert_int_equal(fsr_trainer_steps(t), 600);
    fsr_trainer_close(&t);
    fsr_model_close(&m);
}

static void weights_of(const FsrModel *m, float *buf)
{
    for (int l = 0, k = 0; l < m->n_layers; l++) {
        const FsrConvLayer *L = &m->layers[l];
        const int nw = L->out_ch * L->in_ch * L->kh * L->kw;
        memcpy(buf + k, L->weight, sizeof(float) * nw);
        k += nw;
        memcpy(buf + k, L->bias, sizeof(float) * L->out_ch);
        k += L->out_ch;
    }
}

static void run_steps(FsrTrainer *t, const float *in, const float *tgt, int size, int from, int to)
{
    for (int i = from; i < to; i++) {
        double loss;
        /* a different pair of patches each step */
        const int a = i % 3;
        assert_int_equal(fsr_trainer_step(t, in + a * size * size, tgt + a * 64, 2, size, &loss), 0);
    }
}

static void test_resume_matches_uninterrupted(void **state)
{
    (void)state;
    FsrTrainSettings s;
    fsr_trainer_defaults(&s);
    s.lr = 1e-3f;
    s.threads = 2;
    const int size = 12;
    float in[4 * 144], tgt[4 * 144];
    make_set(in, tgt, 4, size, 8, 2);

    FsrModel *a = small_model();
    FsrTrainer *ta;
    assert_int_equal(fsr_trainer_open(&ta, a, &s), 0);
    run_steps(ta, in, tgt, size, 0, 20);

    FsrModel *b = small_model();
    FsrTrainer *tb;
    assert_int_equal(fsr_trainer_open(&tb, b, &s), 0);
    run_steps(tb, in, tgt, size, 0, 10);
    const char *ck = tu_tmp("resume.ckpt");
    const int extra_out = 1234;
    assert_int_equal(fsr_trainer_save(tb, ck, &extra_out, sizeof(extra_out)), 0);
    fsr_trainer_close(&tb);
    fsr_model_close(&b);

    FsrModel *c = small_model();
    fsr_train_init_weights(c, 999); /* overwritten by the checkpoint */
    FsrTrainer *tc;
    assert_int_equal(fsr_trainer_open(&tc, c, &s), 0);
    int extra_in = 0;
    assert_int_equal(fsr_trainer_load(tc, ck, &extra_in, sizeof(extra_in)), 0);
    assert_int_equal(extra_in, 1234);
    assert_int_equal(fsr_trainer_steps(tc), 10);
    run_steps(tc, in, tgt, size, 10, 20);

    const int64_t np = fsr_model_param_count(a);
    float *wa = malloc(sizeof(float) * np), *wc = malloc(sizeof(float) * np);
    weights_of(a, wa);
    weights_of(c, wc);
    assert_memory_equal(wa, wc, sizeof(float) * np);

    /* a checkpoint of another architecture is refused */
    FsrModel *other = tiny_model(1);
    FsrTrainer *to;
    assert_int_equal(fsr_trainer_open(&to, other, &s), 0);
    assert_true(fsr_trainer_load(to, ck, &extra_in, sizeof(extra_in)) < 0);
    assert_non_null(strstr(fsr_last_error(), "another architecture"));
    fsr_trainer_close(&to);
    fsr_model_close(&other);

    free(wa);
    free(wc);
    fsr_trainer_close(&ta);
    fsr_trainer_close(&tc);
    fsr_model_close(&a);
    fsr_model_close(&c);
}

static void test_same_seed_same_result(void **state)
{
    (void)state;
    FsrTrainSettings s;
    fsr_trainer_defaults(&s);
    s.threads = 2;
    const int size = 12;
    float in[4 * 144], tgt[4 * 144];
    make_set(in, tgt, 4, size, 8, 2);
    float w[2][200];
    for (int r = 0; r < 2; r++) {
        FsrModel *m = small_model();
        FsrTrainer *t;
        assert_int_equal(fsr_trainer_open(&t, m, &s), 0);
        run_steps(t, in, tgt, size, 0, 5);
        weights_of(m, w[r]);
        fsr_trainer_close(&t);
        fsr_model_close(&m);
    }
    assert_memory_equal(w[0], w[1], sizeof(float) * (8 * 9 + 8 + 8 * 9 + 1));
}

/* 1 once the process catches SIGINT (its SigCgt mask in /proc): the child
 * starts with SIGINT at its default, so only the program's own handler
 * sets the bit. */
static int catches_sigint(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int yes = 0;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, "SigCgt:", 7))
            yes = (strtoull(line + 7, NULL, 16) >> (SIGINT - 1)) & 1;
    fclose(f);
    return yes;
}

/* README: "Ctrl-C saves the checkpoint before exiting".  An 800x800 image
 * at batch 1 makes 3025 steps per epoch, far more than run before the
 * interrupt, so no epoch-end checkpoint or model exists: the checkpoint
 * can only come from the Ctrl-C path.  It must hold the exact state:
 * resumed for 5 more steps it gives the same model, byte for byte, as an
 * uninterrupted run of as many steps. */
static void test_sigint_saves_checkpoint(void **state)
{
    (void)state;
    char data[1024], model[1024], ckpt[1100], log[1024], resumed[1024], straight[1024];
    snprintf(data, sizeof(data), "%s", tu_tmp("sigint-data"));
    snprintf(model, sizeof(model), "%s", tu_tmp("sigint.safetensors"));
    snprintf(ckpt, sizeof(ckpt), "%s.ckpt", model);
    snprintf(log, sizeof(log), "%s", tu_tmp("sigint.log"));
    snprintf(resumed, sizeof(resumed), "%s", tu_tmp("sigint-resumed.safetensors"));
    snprintf(straight, sizeof(straight), "%s", tu_tmp("sigint-straight.safetensors"));
    assert_int_equal(tu_run(NULL, 0, "mkdir -p %s && ffmpeg -hide_banner -loglevel error -y -f lavfi "
                            "-i testsrc2=size=800x800:rate=1 -frames:v 1 %s/a.png", data, data), 0);
    char train[1024];
    snprintf(train, sizeof(train), "%s", tu_tool("fastsr-train"));
    char *argv[] = { train, "--arch", "3-1-3", "--scale", "2", "--data", data, "--out", model, "--batch", "1",
                     "--threads", "2", "--iters", "100000000", NULL };
    const pid_t pid = tu_spawn(argv, log);
    int ready = 0;
    for (int i = 0; i < 600 && !(ready = catches_sigint(pid)); i++)
        tu_sleep_ms(50);
    if (!ready) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fail_msg("fastsr-train never installed its SIGINT handler");
    }
    tu_sleep_ms(300); /* let it take some steps: any number is fine */
    assert_int_equal(kill(pid, SIGINT), 0);
    const int rc = tu_wait_exit(pid, 120);
    static char text[8192];
    assert_true(tu_read_file(log, text, sizeof(text)) >= 0);
    if (rc != 130)
        fail_msg("exit %d after SIGINT, expected 130: %s", rc, text);
    char line[3000];
    snprintf(line, sizeof(line), "fastsr-train: interrupted; state saved in %s (continue with --resume %s)\n", ckpt,
             ckpt);
    if (!strstr(text, line))
        fail_msg("expected \"%s\" in: %s", line, text);
    assert_true(tu_exists(ckpt));
    assert_false(tu_exists(model)); /* no epoch ended: the checkpoint is the Ctrl-C one */

    /* --resume loads it and says where it stopped */
    assert_int_equal(tu_run(text, sizeof(text), "%s --arch 3-1-3 --scale 2 --data %s --out %s --batch 1 --threads 2 "
                            "--resume %s --iters 1", train, data, resumed, ckpt), 0);
    long long step = -1;
    const char *at = strstr(text, "at epoch 0, step ");
    if (!at || sscanf(at, "at epoch 0, step %lld", &step) != 1 || step < 0)
        fail_msg("no \"resumed ... at epoch 0, step N\" line: %s", text);
    remove(resumed);
    assert_int_equal(tu_run(text, sizeof(text), "%s -q --arch 3-1-3 --scale 2 --data %s --out %s --batch 1 --threads 2 "
                            "--resume %s --iters %lld", train, data, resumed, ckpt, step + 5), 0);
    assert_int_equal(tu_run(text, sizeof(text), "%s -q --arch 3-1-3 --scale 2 --data %s --out %s --batch 1 --threads 2 "
                            "--iters %lld", train, data, straight, step + 5), 0);
    FsrModel *m = NULL;
    assert_int_equal(fsr_model_open(&m, resumed), 0);
    fsr_model_close(&m);
    if (tu_run(text, sizeof(text), "cmp %s %s", resumed, straight) != 0)
        fail_msg("resumed after Ctrl-C at step %lld differs from an uninterrupted run: %s", step, text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradients_valid),
        cmocka_unit_test(test_gradients_zero),
        cmocka_unit_test(test_gradients_replicate),
        cmocka_unit_test(test_gradients_deconv_x2),
        cmocka_unit_test(test_gradients_deconv_x3),
        cmocka_unit_test(test_gradients_shuffle_x2),
        cmocka_unit_test(test_gradients_shuffle_x3),
        cmocka_unit_test(test_deconv_geometry),
        cmocka_unit_test(test_checkpoint_prelu),
        cmocka_unit_test(test_overfit),
        cmocka_unit_test(test_resume_matches_uninterrupted),
        cmocka_unit_test(test_same_seed_same_result),
        cmocka_unit_test(test_sigint_saves_checkpoint),
    };
    return tu_result(cmocka_run_group_tests_name("train", tests, NULL, NULL));
}
