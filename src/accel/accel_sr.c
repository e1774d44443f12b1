/* The accelerator as an SR backend: a model run in the chip's fixed-point
 * arithmetic (sr/fixed.c) with the per-frame cost of SR on the modelled chip
 * (FAST's transferred frames: accel_transfer.c). */
#include "accel_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "fixed.h"
#include "log.h"

void accel_sr_settings(FsrSRSettings *s, const FsrAccelArch *arch)
{
    fsr_sr_defaults(s);
    s->backend = FSR_SR_FIXED;
    s->word_bits = arch->word_bits;
    s->acc_bits = arch->acc_bits;
    s->rounding = arch->rounding;
}

/* With layer_energy (one per layer of net, may be NULL): each layer's share. */
static int net_frame_cost(FsrAccelFrameCost *cost, const FsrAccelArch *a, const FsrAccelNet *net,
                          double *layer_energy)
{
    memset(cost, 0, sizeof(*cost));
    FsrAccelReport *rep = NULL;
    int ret = fsr_accel_eval_net(&rep, a, net, 1, NULL);
    if (ret < 0)
        return ret;
    cost->macs = rep->total.macs;
    cost->cycles = rep->total.cycles;
    cost->seconds = rep->total.latency_s;
    cost->energy = rep->total.energy_total;
    cost->dram_energy = rep->total.energy_level[FSR_ACCEL_DRAM];
    cost->dram_bytes = rep->total.dram_bytes;
    snprintf(cost->energy_unit, sizeof(cost->energy_unit), "%s", a->energy_unit);
    for (int i = 0; layer_energy && i < rep->n_layers; i++)
        layer_energy[i] = rep->layers[i].energy_total;
    fsr_accel_report_close(&rep);
    return 0;
}

int fsr_accel_net_frame_cost(FsrAccelFrameCost *cost, const FsrAccelArch *a, const FsrAccelNet *net)
{
    return net_frame_cost(cost, a, net, NULL);
}

int fsr_accel_frame_cost(FsrAccelFrameCost *cost, const FsrAccelArch *a, const FsrModel *m, int w, int h)
{
    memset(cost, 0, sizeof(*cost));
    FsrAccelNet *net = NULL;
    int ret = fsr_accel_net_from_model(&net, m, w, h);
    if (ret < 0)
        return ret;
    ret = fsr_accel_net_frame_cost(cost, a, net);
    fsr_accel_net_close(&net);
    return ret;
}

struct AccelSr {
    FixedModel q;
    FsrFixedDSP dsp;
    FsrAccelArch arch;
    FsrModel shape; /* the model's layer shapes, for the cost (no weights) */
    FsrConvLayer *layers;
    int cost_w, cost_h;
    FsrAccelFrameCost cost;
};

void accel_sr_close(AccelSr **ctx)
{
    if (!ctx || !*ctx)
        return;
    fixed_model_close(&(*ctx)->q);
    free((*ctx)->layers);
    free(*ctx);
    *ctx = NULL;
}

int accel_sr_open(AccelSr **out, const FsrModel *model, const FsrAccelArch *arch)
{
    if (!out)
        return fsr_error(FSR_ERR(EINVAL), "accelerator SR: no context pointer");
    *out = NULL;
    AccelSr *c = calloc(1, sizeof(*c));
    if (!c)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    FsrSRSettings s;
    accel_sr_settings(&s, arch);
    int ret = fsr_accel_arch_check(arch);
    if (ret < 0 || (ret = fixed_model_build(&c->q, model, &s)) < 0) {
        free(c);
        return ret;
    }
    fixed_dsp_init(&c->dsp, fsr_cpu_flags());
    c->arch = *arch;
    c->shape = *model;
    c->layers = calloc(model->n_layers, sizeof(*c->layers));
    if (!c->layers) {
        accel_sr_close(&c);
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    }
    for (int i = 0; i < model->n_layers; i++) {
        c->layers[i] = model->layers[i];
        c->layers[i].weight = c->layers[i].bias = NULL; /* the caller's; not kept */
    }
    c->shape.layers = c->layers;
    *out = c;
    return 0;
}

int accel_sr_run(AccelSr *c, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride,
                     int w, int h, FsrAccelFrameCost *cost)
{
    if (!c)
        return fsr_error(FSR_ERR(EINVAL), "accelerator SR: no context");
    int ret = fixed_check_plane_args(dst, dst_stride, src, src_stride, w, h);
    if (ret < 0)
        return ret;
    const int sparse = cost && (c->arch.rlc || c->arch.zero_gating);
    int64_t *zeros = NULL;
    if (sparse && !(zeros = calloc(c->q.n_layers, sizeof(*zeros))))
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    ret = fixed_sr_luma(&c->dsp, dst, dst_stride, src, src_stride, w, h, &c->q, zeros);
    if (ret >= 0 && sparse) {
        /* The cost depends on this frame's activations. */
        FsrAccelNet *net = NULL;
        if ((ret = fsr_accel_net_from_model(&net, &c->shape, w, h)) >= 0) {
            for (int i = 0; i < net->n_layers; i++) {
                const double values = (double)w * h * c->q.layers[i].in_ch;
                net->layers[i].ifmap_zeros = zeros[i] / values;
                if (i > 0)
                    net->layers[i - 1].ofmap_zeros = net->layers[i].ifmap_zeros;
            }
            ret = fsr_accel_net_frame_cost(cost, &c->arch, net);
        }
        fsr_accel_net_close(&net);
    } else if (ret >= 0 && cost) {
        if (c->cost_w != w || c->cost_h != h) {
            if ((ret = fsr_accel_frame_cost(&c->cost, &c->arch, &c->shape, w, h)) < 0)
                return ret;
            c->cost_w = w, c->cost_h = h;
        }
        *cost = c->cost;
    }
    free(zeros);
    return ret;
}

int accel_sr_luma(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride, int w, int h,
                      const FsrModel *model, const FsrAccelArch *arch, FsrAccelFrameCost *cost)
{
    int ret = fixed_check_plane_args(dst, dst_stride, src, src_stride, w, h);
    if (ret < 0)
        return ret;
    AccelSr *c = NULL;
    if ((ret = accel_sr_open(&c, model, arch)) < 0)
        return ret;
    ret = accel_sr_run(c, dst, dst_stride, src, src_stride, w, h, cost);
    accel_sr_close(&c);
    return ret;
}

int fsr_accel_frame_cost_sampled(FsrAccelFrameCost *cost, double *layer_energy, const FsrAccelArch *arch,
                                 const FsrModel *model, const uint8_t *sample, ptrdiff_t stride, int sw, int sh,
                                 int w, int h)
{
    if (!cost || !arch || !model)
        return fsr_error(FSR_ERR(EINVAL), "accelerator cost: NULL argument");
    memset(cost, 0, sizeof(*cost));
    FsrAccelNet *net = NULL;
    int ret;
    /* the fixed-point datapath runs bicubic-input models only: LR-input
     * ones are priced from their shapes */
    if (!sample || !(arch->rlc || arch->zero_gating) || model->input == FSR_INPUT_LR_Y) {
        if ((ret = fsr_accel_net_from_model(&net, model, w, h)) >= 0)
            ret = net_frame_cost(cost, arch, net, layer_energy);
        fsr_accel_net_close(&net);
        return ret;
    }
    AccelSr *c = NULL;
    if ((ret = accel_sr_open(&c, model, arch)) < 0)
        return ret;
    const int up = model->input == FSR_INPUT_LR_Y ? model->scale : 1;
    const ptrdiff_t dst_stride = (ptrdiff_t)sw * up;
    uint8_t *dst = malloc((size_t)dst_stride * sh * up);
    int64_t *zeros = calloc(c->q.n_layers, sizeof(*zeros));
    if (!dst || !zeros) {
        ret = fsr_error(FSR_ERR(ENOMEM), "out of memory");
    } else if ((ret = fixed_sr_luma(&c->dsp, dst, dst_stride, sample, stride, sw, sh, &c->q, zeros)) >= 0 &&
               (ret = fsr_accel_net_from_model(&net, &c->shape, w, h)) >= 0) {
        /* the sample's share of zeros stands for the whole frame's */
        for (int i = 0; i < net->n_layers; i++) {
            net->layers[i].ifmap_zeros = (double)zeros[i] / ((double)sw * sh * c->q.layers[i].in_ch);
            if (i > 0)
                net->layers[i - 1].ofmap_zeros = net->layers[i].ifmap_zeros;
        }
        ret = net_frame_cost(cost, &c->arch, net, layer_energy);
    }
    fsr_accel_net_close(&net);
    free(zeros);
    free(dst);
    accel_sr_close(&c);
    return ret;
}
