/* The cost NetAdapt adapts to, measured rather than counted: the SR
 * engine's latency on this CPU (one frame as users run it), or the
 * accelerator model's latency or energy (with the activations' zeros of a
 * real patch where the architecture exploits them). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt.h"
#include "fastsr/sr.h"
#include "toolutil.h"

void adapt_signature(const FsrModel *m, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i <= m->n_layers && n < size; i++) {
        const int c = i < m->n_layers ? m->layers[i].in_ch : m->layers[i - 1].out_ch;
        const int r = snprintf(buf + n, size - n, "%s%d", i ? "-" : "", c);
        if (r < 0)
            break;
        n += (size_t)r;
    }
}

int adapt_cost_open(Adapt *a)
{
    const AdaptOptions *o = a->o;
    a->accel = strcmp(o->platform, "cpu") != 0;
    a->unit = o->cost_kind == COST_ENERGY ? "J" : "ms";
    if (a->accel) {
        if (fsr_accel_arch_get(&a->arch, o->platform) < 0) {
            fprintf(stderr, "fastsr-adapt: error: --platform %s: %s\n", o->platform, fsr_last_error());
            return -1;
        }
        if (o->cost_kind == COST_ENERGY && fsr_accel_joules(1, a->arch.energy_unit) < 0)
            a->unit = a->arch.energy_unit;   /* relative units: no joules to give */
        return 0;
    }
    /* a textured frame: the float engine's time does not depend on the
     * content, but a constant plane could hide a path that does */
    const size_t n = (size_t)o->w * o->h;
    a->in = malloc(n);
    a->out = malloc(n);
    if (!a->in || !a->out) {
        fprintf(stderr, "fastsr-adapt: error: out of memory\n");
        return -1;
    }
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        a->in[i] = (uint8_t)(128 + 60 * sin((double)(i % (size_t)o->w) * 0.05) + (x >> 28));
    }
    return 0;
}

void adapt_cost_close(Adapt *a)
{
    free(a->in);
    free(a->out);
    free(a->sample);
    free(a->cache);
    a->in = a->out = a->sample = NULL;
    a->cache = NULL;
    a->ncache = a->cache_cap = 0;
}

/* The input patch the accelerator's zeros are counted on: one patch of the
 * validation set's first image, as the network reads it (LR luma, or the
 * bicubic-upscaled luma), from a fixed seed. */
static int make_sample(Adapt *a, const FsrModel *m)
{
    if (a->sample)
        return 0;
    /* the largest patch every training image holds */
    const int lr = m->input == FSR_INPUT_LR_Y;
    int ret = -1, size = lr ? 96 : 192;
    for (; size >= 24 && ret < 0; size = size * 3 / 4) {
        const int out = fsr_train_out_size(m, FSR_TRAIN_VALID, size), off = fsr_train_out_offset(m, FSR_TRAIN_VALID, size);
        if (out < 1)
            break;
        float *in = malloc(sizeof(float) * size * size), *tgt = malloc(sizeof(float) * out * out);
        free(a->sample);
        a->sample = malloc((size_t)size * size);
        uint64_t rng = 0x5eed;
        ret = !in || !tgt || !a->sample ? -1
              : lr ? fsr_patches_sample_lr(a->ps, &rng, 1, size, out, off, in, tgt)
                   : fsr_patches_sample(a->ps, &rng, 1, size, out, in, tgt);
        for (int i = 0; ret >= 0 && i < size * size; i++) {
            const float v = in[i] * 255.0f + 0.5f;
            a->sample[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
        free(in);
        free(tgt);
        if (ret >= 0)
            break;
    }
    if (ret < 0) {
        free(a->sample);
        a->sample = NULL;
        fprintf(stderr, "fastsr-adapt: error: cannot take the activation sample: %s\n", fsr_last_error());
        return -1;
    }
    a->sample_size = size;
    return 0;
}

static int accel_cost(Adapt *a, const FsrModel *m, int kind, double *cost, double *layer_energy)
{
    if (make_sample(a, m) < 0)
        return -1;
    FsrAccelFrameCost c;
    if (fsr_accel_frame_cost_sampled(&c, layer_energy, &a->arch, m, a->sample, a->sample_size, a->sample_size,
                                     a->sample_size, a->o->w, a->o->h) < 0) {
        fprintf(stderr, "fastsr-adapt: error: accelerator model: %s\n", fsr_last_error());
        return -1;
    }
    if (kind == COST_LATENCY) {
        *cost = c.seconds * 1e3;
    } else {
        const double j = fsr_accel_joules(c.energy, c.energy_unit);
        *cost = j >= 0 ? j : c.energy;
        if (layer_energy && j >= 0)
            for (int i = 0; i < m->n_layers; i++)
                layer_energy[i] = fsr_accel_joules(layer_energy[i], c.energy_unit);
    }
    return 0;
}

/* The engine on one frame, as fastsr runs it: the fastest of reps runs after
 * a warm-up.  With --clock cpu (the default) a run's time is the process's
 * CPU time over the threads: time the cores spent on other programs does not
 * count, so a build or a test beside the run moves it little (with
 * OMP_WAIT_POLICY=passive, threads that wait at a barrier do not count
 * either, so on a quiet machine it is a little below the wall time).  The
 * minimum is what load from elsewhere cannot lower. */
static int cpu_latency(Adapt *a, const FsrModel *m, double *ms)
{
    const AdaptOptions *o = a->o;
    FsrSR *sr = NULL;
    if (fsr_sr_open(&sr, m, &(FsrSRSettings){ .threads = o->threads }) < 0) {
        fprintf(stderr, "fastsr-adapt: error: %s\n", fsr_last_error());
        return -1;
    }
    const int lr = m->input == FSR_INPUT_LR_Y;
    const int iw = lr ? o->w / m->scale : o->w, ih = lr ? o->h / m->scale : o->h;
    double best = INFINITY;
    for (int r = 0; r <= o->reps; r++) {
        const double w0 = tool_wall_seconds(), c0 = tool_process_seconds();
        if (fsr_sr_luma(sr, a->out, o->w, a->in, iw, iw, ih) < 0) {
            fprintf(stderr, "fastsr-adapt: error: %s\n", fsr_last_error());
            fsr_sr_close(&sr);
            return -1;
        }
        const double dt = o->wall_clock ? tool_wall_seconds() - w0 : (tool_process_seconds() - c0) / o->threads;
        if (r && dt < best)   /* run 0 warms caches and pages */
            best = dt;
    }
    fsr_sr_close(&sr);
    *ms = best * 1e3;
    return 0;
}

int adapt_cost(Adapt *a, const FsrModel *m, double *cost)
{
    char sig[128];
    adapt_signature(m, sig, sizeof(sig));
    for (int i = 0; i < a->ncache; i++)
        if (!strcmp(a->cache[i].sig, sig)) {
            *cost = a->cache[i].cost;
            return 0;
        }
    if ((a->accel ? accel_cost(a, m, a->o->cost_kind, cost, NULL) : cpu_latency(a, m, cost)) < 0)
        return -1;
    if (a->ncache == a->cache_cap) {
        const int cap = a->cache_cap ? 2 * a->cache_cap : 64;
        void *p = realloc(a->cache, sizeof(*a->cache) * cap);
        if (!p)
            return 0;   /* not cached: only slower */
        a->cache = p;
        a->cache_cap = cap;
    }
    snprintf(a->cache[a->ncache].sig, sizeof(a->cache[a->ncache].sig), "%s", sig);
    a->cache[a->ncache++].cost = *cost;
    return 0;
}

int adapt_layer_energy(Adapt *a, const FsrModel *m, double *energy)
{
    double total;
    if (!a->accel) {
        fprintf(stderr, "fastsr-adapt: error: layer energies need an accelerator --platform\n");
        return -1;
    }
    return accel_cost(a, m, COST_ENERGY, &total, energy);
}
