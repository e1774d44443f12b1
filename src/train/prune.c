/* Structured pruning: whole filters (output channels) out of a conv stack,
 * with the input channels of the next layer that read them, so that every
 * backend (the CPU engine included) runs a smaller network, not a sparser
 * one. */
#include "fastsr/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int fsr_prune_layer_ok(const FsrModel *m, int layer)
{
    /* the last layer's outputs are the picture (or the pixel shuffle's
     * phases); a layer with one filter has nothing left to give */
    return m && layer >= 0 && layer < m->n_layers - 1 && m->layers[layer].out_ch > 1;
}

static int check_layer(const FsrModel *m, int layer)
{
    if (!m || !m->layers || layer < 0 || layer >= m->n_layers - 1)
        return fsr_error(FSR_ERR(EINVAL), "prune: layer %d cannot lose filters (the last layer's outputs are the picture)",
                         layer + 1);
    const FsrConvLayer *a = &m->layers[layer], *b = &m->layers[layer + 1];
    if (a->out_ch != b->in_ch)
        return fsr_error(FSR_ERR(EINVAL), "prune: layers %d and %d do not chain", layer + 1, layer + 2);
    return 0;
}

int fsr_prune_importance(const FsrModel *m, int layer, float *imp)
{
    int ret = check_layer(m, layer);
    if (ret < 0)
        return ret;
    const FsrConvLayer *a = &m->layers[layer], *b = &m->layers[layer + 1];
    const int ka = a->in_ch * a->kh * a->kw, kb = b->kh * b->kw;
    for (int c = 0; c < a->out_ch; c++) {
        double in = (double)a->bias[c] * a->bias[c], out = 0;
        for (int i = 0; i < ka; i++)
            in += (double)a->weight[(size_t)c * ka + i] * a->weight[(size_t)c * ka + i];
        for (int o = 0; o < b->out_ch; o++)
            for (int i = 0; i < kb; i++) {
                const double w = b->weight[((size_t)o * b->in_ch + c) * kb + i];
                out += w * w;
            }
        imp[c] = (float)(sqrt(in) * sqrt(out));
    }
    return 0;
}

/* Keeps the entries of a[n][inner] whose keep[] is set, in place. */
static void compact_rows(float *a, int n, size_t inner, const uint8_t *keep)
{
    size_t d = 0;
    for (int i = 0; i < n; i++)
        if (keep[i]) {
            memmove(a + d * inner, a + (size_t)i * inner, inner * sizeof(float));
            d++;
        }
}

int fsr_prune_filters(FsrModel *m, int layer, const uint8_t *keep)
{
    int ret = check_layer(m, layer);
    if (ret < 0)
        return ret;
    FsrConvLayer *a = &m->layers[layer], *b = &m->layers[layer + 1];
    int kept = 0;
    for (int c = 0; c < a->out_ch; c++)
        kept += keep[c] != 0;
    if (!kept)
        return fsr_error(FSR_ERR(EINVAL), "prune: layer %d would lose all its %d filters", layer + 1, a->out_ch);
    if (kept == a->out_ch)
        return 0;
    /* layer: rows of weights, bias and slopes; next layer: the input
     * channels inside each of its filters */
    compact_rows(a->weight, a->out_ch, (size_t)a->in_ch * a->kh * a->kw, keep);
    compact_rows(a->bias, a->out_ch, 1, keep);
    if (a->slope)
        compact_rows(a->slope, a->out_ch, 1, keep);
    const size_t kb = (size_t)b->kh * b->kw;
    for (int o = 0; o < b->out_ch; o++) {
        float *src = b->weight + (size_t)o * b->in_ch * kb, *dst = b->weight + (size_t)o * kept * kb;
        size_t d = 0;
        for (int c = 0; c < b->in_ch; c++)
            if (keep[c]) {
                memmove(dst + d * kb, src + (size_t)c * kb, kb * sizeof(float));
                d++;
            }
    }
    a->out_ch = kept;
    b->in_ch = kept;
    /* the arrays keep their old size: shrinking them is only a saving */
    return 0;
}

typedef struct Ranked {
    float imp;
    int c;
} Ranked;

static int by_importance(const void *x, const void *y)
{
    const Ranked *a = x, *b = y;
    /* ties by channel index: the same removal on every machine */
    return a->imp < b->imp ? -1 : a->imp > b->imp ? 1 : a->c - b->c;
}

int fsr_prune_smallest(FsrModel *m, int layer, int n)
{
    int ret = check_layer(m, layer);
    if (ret < 0)
        return ret;
    const int oc = m->layers[layer].out_ch;
    if (n < 0 || n >= oc)
        return fsr_error(FSR_ERR(EINVAL), "prune: cannot remove %d of layer %d's %d filters", n, layer + 1, oc);
    if (!n)
        return 0;
    float *imp = malloc(sizeof(float) * oc);
    Ranked *r = malloc(sizeof(Ranked) * oc);
    uint8_t *keep = malloc(oc);
    if (!imp || !r || !keep) {
        free(imp), free(r), free(keep);
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    }
    fsr_prune_importance(m, layer, imp);
    for (int c = 0; c < oc; c++)
        r[c] = (Ranked){ imp[c], c }, keep[c] = 1;
    qsort(r, oc, sizeof(*r), by_importance);
    for (int i = 0; i < n; i++)
        keep[r[i].c] = 0;
    ret = fsr_prune_filters(m, layer, keep);
    free(imp), free(r), free(keep);
    return ret;
}
