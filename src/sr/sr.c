/* SR engine: layer-fused, row-streamed tiles.
 *
 * What costs time in a conv stack like SRCNN is moving feature maps (64
 * channels of floats per pixel after layer 1), not the MACs.  So the output
 * is cut into tiles (FSR_SR_TILE_W wide column strips, FSR_SR_TILE_H rows),
 * and each tile streams down its rows through *all* layers: layer m keeps
 * only the kh_m input rows its kernel needs, in a ring buffer.  A
 * single-channel last layer (the luma output) keeps none: each of its input
 * rows is turned at once into kh partial rows (fsr_conv_pack_parts), and an
 * output row is the sum of kh of those.  A tile's rings (about 420 kB for
 * 9-5-5 at the default tile width, next to 229 kB of weights) live in the
 * core's L2 and the shared L3, and nothing but the 8-bit input and output
 * goes to memory.
 *
 * Wide layers with 3x3 or larger kernels (layer 2 of 9-5-5) run the
 * channel-interleaved kernel (fsr_conv_pack_c8): their ring rows hold the
 * 8 channels of a column together.  A single-channel layer before such a
 * layer writes them in that order directly; any other layer writes a planar
 * row that is then interleaved into the ring.
 *
 * Naming: feature f is the input of layer f (feature 0 is the luma plane,
 * feature f >= 1 the output of layer f-1).  Features are computed only for
 * rows and columns inside the picture; outside it, the padding rule gives
 * them (zero, or a copy of the nearest row/column as MATLAB's 'replicate').
 * That is what PyTorch's padding and the original SRCNN code do at every
 * layer, and it makes every in-picture value independent of the tiling. */
#include "sr_internal.h"

#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "bicubic_internal.h"
#include "clock.h"
#include "conv.h"
#include "cpu.h"
#include "fixed.h"
#include "intops.h"
#include "log.h"
#include "model_internal.h"


/* Tile geometry: feature f covers picture columns [ox[f], ox[f] + fw[f]);
 * layer m computes cw[m] (a multiple of 8) columns of feature m+1.  Layer
 * m-1 computes only the columns of feature m that layer m's *needed*
 * outputs read (rounded up to 8), not all that its rounded-up cw[m] reads:
 * the extra outputs of layer m are never used, so they may read columns no
 * layer wrote (kept finite: the rings start zeroed, and hold only finite
 * values after). */
typedef struct Geometry {
    int ox[SR_MAX_LAYERS + 1], fw[SR_MAX_LAYERS + 1], cw[SR_MAX_LAYERS];
    /* Layer f reads its rows from column off[f] of feature f's ring: 0, or
     * the 1..3 columns by which a Winograd layer before it started its
     * output early, at a picture column that is a multiple of 4 (1..7 and
     * 8 for an F(8,9) layer, FsrPackedConv.wino_tile; its
     * tiles then sit at the same columns whatever the tiling, and the
     * output does not depend on it).  Before a Winograd layer f, the
     * tiles start where layer f's input does, which layer f's own tiles
     * fix modulo 4: off[f] is 0. */
    int off[SR_MAX_LAYERS + 1];
} Geometry;

static inline int round8(int v)
{
    return (v + 7) & ~7;
}

static void tile_geometry(const FsrSR *sr, Geometry *g, int tx, int tw)
{
    const int L = sr->n_layers;
    int need = tw; /* columns of layer m's output that must be right */
    g->cw[L - 1] = round8(tw);
    g->ox[L] = tx;
    g->off[L] = 0;
    g->fw[L] = g->cw[L - 1];
    for (int m = L - 1; m >= 0; m--) {
        const int rx = sr->layer[m].kw / 2;
        g->ox[m] = g->ox[m + 1] - rx;
        g->off[m] = 0;
        need += 2 * rx;
        g->fw[m] = g->cw[m] + 2 * rx; /* what layer m reads */
        /* A Winograd layer's spare outputs (past the needed ones, in its
         * last tile) share their tile's transform with needed ones: in
         * float, inputs they alone read still round into those, so every
         * column its tiles read is computed, never a stale one (with a
         * nested F(3,3) first layer, tried, stale columns made 40-wide
         * strips differ from 256-wide ones in the last bits). */
        if (sr->layer[m].wino && need < g->fw[m])
            need = g->fw[m];
        if (m) {
            /* (A Winograd layer m reads from column 0: its own tiles
             * already fix ox[m] modulo 4, and layer m-1's with it.) */
            if (sr->layer[m - 1].wino && !sr->layer[m].wino) {
                const int q = sr->layer[m - 1].wino_tile;
                const int a = (g->ox[m] % q + q) % q;
                g->ox[m] -= a;
                g->off[m] = a;
                g->fw[m] += a;
                need += a;
            }
            g->cw[m - 1] = round8(need);
            if (g->cw[m - 1] > g->fw[m])
                g->fw[m] = g->cw[m - 1];
        }
    }
}

static void free_scratch(FsrSR *sr)
{
    if (!sr->scratch)
        return;
    for (int t = 0; t < sr->threads; t++) {
        for (int f = 0; f < sr->n_layers; f++)
            free(sr->scratch[t].ring[f]);
        free(sr->scratch[t].parts);
        free(sr->scratch[t].zero);
        free(sr->scratch[t].out);
        free(sr->scratch[t].plane);
        free(sr->scratch[t].acc);
        free(sr->scratch[t].plane8);
        free(sr->scratch[t].wm);
    }
    free(sr->scratch);
    sr->scratch = NULL;
}

/* Layer l writes its output channel-interleaved (conv_row_1_to_c8): a
 * single-channel layer packed by fsr_conv_pack_c8.  An interleaved layer
 * with more inputs writes planar rows. */
static int writes_c8(const FsrPackedConv *l)
{
    return l->c8 && l->in_ch == 1;
}

static float *alloc_floats(size_t n)
{
    return aligned_alloc(64, (n * sizeof(float) + 63) & ~(size_t)63);
}

/* Floats for n values rounded up to an odd number of 64-byte lines (see
 * alloc_scratch: rows a multiple of 4 kB apart would share L1 sets). */
static ptrdiff_t odd_lines(int n)
{
    ptrdiff_t v = (n + 15) & ~15;
    return (v / 16) % 2 ? v : v + 16;
}

/* Input tiles a single-channel Winograd layer transforms for cw output
 * columns: one per 4 outputs, and n - 1 more for its pieces (conv.h); by
 * F(8,9), one per 8 outputs. */
static int wino_in_tiles(const FsrPackedConv *l, int cw)
{
    return l->wino_tile == 8 ? cw / 8 : cw / 4 + (l->kw - 1) / 4 - 1;
}

static int alloc_scratch(FsrSR *sr)
{
    free_scratch(sr);
    /* The largest of each width over the tile's columns modulo 8 (where a
     * Winograd layer's tiles start moves with them). */
    Geometry g;
    tile_geometry(sr, &g, 0, sr->tile_w);
    for (int tx = 1; tx < 8; tx++) {
        Geometry o;
        tile_geometry(sr, &o, tx, sr->tile_w);
        for (int f = 0; f <= sr->n_layers; f++) {
            g.fw[f] = o.fw[f] > g.fw[f] ? o.fw[f] : g.fw[f];
            if (f < sr->n_layers)
                g.cw[f] = o.cw[f] > g.cw[f] ? o.cw[f] : g.cw[f];
        }
    }
    size_t zero_size = 0, plane8 = 0, wm = 0;
    for (int f = 0; f < sr->n_layers; f++) {
        /* The kernel reads a window of kh rows x a chunk of channels; if
         * those rows were a multiple of 4 kB apart they would all fall into
         * the same few L1 sets and evict each other (8 ways).  So a channel
         * row is an odd number of cache lines, and ring slots are 3 lines
         * more than a whole number of channel rows.  Beyond that no
         * padding: the rings and the weights must share the core's L2. */
        sr->stride[f] = odd_lines(g.fw[f]);
        /* channel rows per ring row: a single-channel Winograd layer's
         * input is one row per point */
        size_t chrows = (size_t)sr->layer[f].in_ch;
        if (sr->layer[f].wino) {
            /* the transformed rows: 8 points per 4 columns (16 per 8 by
             * F(8,9)); a single-channel layer's tiles reach n - 1 past its
             * outputs' */
            sr->wstride[f] = sr->stride[f];
            if (sr->layer[f].in_ch == 1) {
                sr->stride[f] = odd_lines(wino_in_tiles(&sr->layer[f], g.cw[f]));
                chrows = 2 * sr->layer[f].wino_tile;
            } else
                sr->stride[f] = odd_lines(2 * g.cw[f]);
            const size_t row8 = (size_t)sr->layer[f].in_ch * sr->wstride[f];
            plane8 = row8 > plane8 ? row8 : plane8;
            const size_t n = (size_t)8 * (g.cw[f] / 4) * 32;
            wm = n > wm ? n : wm;
        }
        sr->slot[f] = chrows * sr->stride[f] + 48;
        /* The last layer's input row is turned into partials as soon as it
         * is made: one slot. */
        sr->nslot[f] = sr->parts && f == sr->n_layers - 1 ? 1 : sr->layer[f].kh;
        /* (+ 32: rows read from an offset, Geometry.off) */
        const size_t row = chrows * sr->stride[f] + 32;
        if (row > zero_size)
            zero_size = row;
    }
    /* Interleaved layers: a planar row of their input, and accumulators. */
    size_t c8_plane = 0, c8_acc = 0;
    for (int f = 1; f < sr->n_layers; f++)
        if (sr->layer[f].c8 || sr->layer[f].wino) {
            /* No planar row when the layer before writes interleaved. */
            const ptrdiff_t cs = sr->layer[f].wino ? sr->wstride[f] : sr->stride[f];
            const size_t row = writes_c8(&sr->layer[f - 1]) ? 0 : (size_t)sr->layer[f].in_ch * cs;
            const size_t acc = (size_t)g.cw[f] * 32;
            c8_plane = row > c8_plane ? row : c8_plane;
            c8_acc = acc > c8_acc ? acc : c8_acc;
        }
    /* Partial rows: an odd number of cache lines apart, like channel rows. */
    sr->pstride = odd_lines(g.cw[sr->n_layers - 1]);
    sr->ostride = odd_lines(round8(sr->tile_w));
    sr->scratch = calloc((size_t)sr->threads, sizeof(*sr->scratch));
    if (!sr->scratch)
        return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory");
    for (int t = 0; t < sr->threads; t++) {
        Scratch *s = &sr->scratch[t];
        for (int f = 0; f < sr->n_layers; f++)
            if (!(s->ring[f] = alloc_floats((size_t)sr->nslot[f] * sr->slot[f])))
                goto fail;
        if (sr->parts) {
            const int kh = sr->layer[sr->n_layers - 1].kh;
            if (!(s->parts = alloc_floats((size_t)kh * kh * sr->pstride)))
                goto fail;
        }
        for (int f = 0; f < sr->n_layers; f++)
            memset(s->ring[f], 0, (size_t)sr->nslot[f] * sr->slot[f] * sizeof(float));
        s->zero = alloc_floats(zero_size);
        s->out = alloc_floats((size_t)sr->layer[sr->n_layers - 1].out_ch * sr->ostride);
        if (!s->zero || !s->out)
            goto fail;
        memset(s->zero, 0, zero_size * sizeof(float));
        if (c8_acc && !(s->acc = alloc_floats(c8_acc)))
            goto fail;
        if (plane8 && (!(s->plane8 = alloc_floats(plane8)) || !(s->wm = alloc_floats(wm))))
            goto fail;
        if (plane8) {
            /* columns past those written are read by the transform of the
             * last tile's spare outputs: finite */
            memset(s->plane8, 0, plane8 * sizeof(float));
            memset(s->wm, 0, wm * sizeof(float));
        }
        if (c8_plane) {
            /* Zeroed: columns no layer writes are copied, and must be finite. */
            if (!(s->plane = alloc_floats(c8_plane)))
                goto fail;
            memset(s->plane, 0, c8_plane * sizeof(float));
        }
    }
    return 0;
fail:
    free_scratch(sr);
    return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory for tile buffers");
}

/* Bytes of one thread's rings at the current tile width. */
static size_t ring_bytes(const FsrSR *sr)
{
    size_t n = 0;
    for (int f = 0; f < sr->n_layers; f++)
        n += (size_t)sr->nslot[f] * sr->slot[f] * sizeof(float);
    return n;
}

void sr_set_margin(FsrSR *sr, const FsrModel *m)
{
    for (int i = 0; m && i < m->n_layers; i++) {
        /* a transposed convolution reads LR features: its footprint in HR
         * pixels is divided by the scale (fsr_conv_deconv_radius), where
         * adding its k/2 as LR pixels gave FSRCNN x2 a halo of 10 LR
         * pixels for a context of 8 */
        const int deconv = m->upsample == FSR_UP_DECONV && i == m->n_layers - 1;
        sr->margin_x += deconv ? fsr_conv_deconv_radius(m->layers[i].kw, m->scale, NULL) : m->layers[i].kw / 2;
        sr->margin_y += deconv ? fsr_conv_deconv_radius(m->layers[i].kh, m->scale, NULL) : m->layers[i].kh / 2;
    }
    if (m && m->input == FSR_INPUT_LR_Y) {
        /* LR pixels, seen from any of the scale x scale HR pixels over one */
        sr->margin_x = sr->margin_x * m->scale + m->scale - 1;
        sr->margin_y = sr->margin_y * m->scale + m->scale - 1;
    }
}

int fsr_sr_open_flags(FsrSR **psr, const FsrModel *m, int threads, unsigned cpu_flags)
{
    /* FASTSR_WINOGRAD=0 runs every layer by direct convolution, and
     * FASTSR_WINOGRAD=f45 a 9-wide single-channel layer by F(4,5) in pieces
     * instead of F(8,9), for comparisons (fastsr-bench --conv), as
     * FASTSR_CPU caps the level */
    const char *e = getenv("FASTSR_WINOGRAD");
    const unsigned opts = !e ? 0 : !strcmp(e, "0") ? FSR_SR_DIRECT : !strcmp(e, "f45") ? FSR_SR_WINO45 : 0;
    return fsr_sr_open_engine(psr, m, threads, cpu_flags, opts);
}

int fsr_sr_open_engine(FsrSR **psr, const FsrModel *m, int threads, unsigned cpu_flags, unsigned opts)
{
    if (!psr)
        return fsr_error(FSR_ERR(EINVAL), "sr: NULL handle");
    *psr = NULL;
    int ret = fsr_model_validate(m, "sr: model");
    if (ret < 0)
        return ret;
    if (threads < 0 || threads > 1024)
        return fsr_error(FSR_ERR(EINVAL), "sr: %d threads", threads);
    FsrSR *sr = calloc(1, sizeof(*sr));
    if (!sr)
        return fsr_error(FSR_ERR(ENOMEM), "sr: out of memory");
    sr->backend = FSR_SR_FLOAT;
    sr->n_layers = m->n_layers;
    sr->scale = m->scale;
    sr->padding = m->padding;
    sr->threads = threads ? threads : omp_get_max_threads();
    sr_set_margin(sr, m);
    fsr_conv_dsp_init(&sr->dsp, cpu_flags);
    sr->lr_input = m->input == FSR_INPUT_LR_Y;
    sr->tile_w = sr->lr_input ? FSR_SR_TILE_W_LR : FSR_SR_TILE_W;
    /* LR-input networks tile the LR picture: bands of 540 / scale rows, so
     * that a frame still has enough tiles to share between threads (1080p
     * at x3 in one band is 3 strips, 2 of them on one of 2 threads).  One
     * thread shares nothing: bands of 540 LR rows, one band at 1080p, so
     * no vertical halo is recomputed (FSRCNN x2, AVX-512: about 1 cpu-ms
     * of 132 per frame; same bits, as for any tiling). */
    sr->tile_h = !sr->lr_input ? FSR_SR_TILE_H : sr->threads == 1 ? FSR_SR_TILE_H_LR : FSR_SR_TILE_H_LR / m->scale;
    sr->shuffle = m->upsample != FSR_UP_NONE;
    /* The layers as the tiles run them: a transposed convolution becomes
     * the convolution giving its phases. */
    FsrConvLayer layers[SR_MAX_LAYERS], phases = { 0 };
    memcpy(layers, m->layers, sizeof(*layers) * (size_t)m->n_layers);
    if (m->upsample == FSR_UP_DECONV) {
        if ((ret = fsr_conv_deconv_phases(&phases, &m->layers[m->n_layers - 1], m->scale, &sr->shift)) < 0)
            goto fail;
        layers[m->n_layers - 1] = phases;
    }
    for (int i = 0; i < m->n_layers; i++)
        if (fsr_model_layer_act(m, i) == FSR_ACT_PRELU) {
            if (!(sr->slope[i] = malloc(sizeof(float) * (size_t)layers[i].out_ch))) {
                ret = fsr_error(FSR_ERR(ENOMEM), "sr: out of memory");
                goto fail;
            }
            memcpy(sr->slope[i], layers[i].slope, sizeof(float) * (size_t)layers[i].out_ch);
        }
    /* A single-channel last layer (luma out) goes by row partials: its
     * input needs no kh-row ring (for 9-5-5, 140 kB less next to layer 2's
     * ring and weights in L2), and its kernel has 10 accumulators where a
     * one-channel output row has few independent sums. */
    sr->parts = layers[m->n_layers - 1].out_ch == 1;
    int c8[SR_MAX_LAYERS] = { 0 };
    for (int i = 1; i < m->n_layers; i++) {
        const FsrConvLayer *l = &layers[i];
        c8[i] = !(i + 1 == m->n_layers && sr->parts) && l->in_ch % 8 == 0 && fsr_conv_c8_ok(l) && l->kh * l->kw >= 9;
    }
    /* Winograd F(4,5) for the interleaved 5-wide layers (conv.h,
     * fsr_conv_wino_ok): not the last (its output columns are the tile's,
     * which need not start at a multiple of 4), nor right after another
     * of them (no network here has two; a single-channel first layer
     * before one is, below). */
    int wino[SR_MAX_LAYERS] = { 0 };
    const int winograd = !(opts & FSR_SR_DIRECT);
    for (int i = 1; i + 1 < m->n_layers; i++)
        wino[i] = winograd && c8[i] && fsr_conv_wino_ok(&layers[i]) && !wino[i - 1];
    /* A single-channel first layer too (SRCNN's 9x9, 2.4x fewer
     * multiplies), before a Winograd layer or not: its tiles then start
     * where that layer's input does (tile_geometry). */
    wino[0] = winograd && m->n_layers > 1 && layers[0].in_ch == 1 && fsr_conv_wino_ok(&layers[0]);
    /* By F(8,9) where it can (SRCNN 9-1-5's 9x9: 18 multiplies per output
     * and channel instead of 33.75): a 9-wide layer whose output a direct
     * layer reads (its 8-column tiles' alignment would not survive a
     * Winograd layer after it, whose own tiles fix columns modulo 4). */
    const int wino16 = wino[0] && !wino[1] && !(opts & FSR_SR_WINO45) && fsr_conv_wino16_ok(&layers[0]);
    for (int i = 0; i < m->n_layers; i++) {
        const int last = i + 1 == m->n_layers;
        const FsrConvLayer *l = &layers[i];
        /* ReLU inside the kernels; PReLU too where the kernel takes it
         * (fsr_conv_pack_prelu), else after them (run_layer_row) */
        const int relu = fsr_model_layer_act(m, i) == FSR_ACT_RELU;
        /* Channel-interleaved input for wide layers with 3x3 or larger
         * kernels (fsr_conv_pack_c8): about 10% faster than the planar
         * kernel on layer 2 of 9-5-5.  (1x1 layers keep the planar one:
         * 8 taps per accumulator round trip would be too few.) */
        if (last && sr->parts)
            ret = fsr_conv_pack_parts(&sr->layer[i], l, 0);
        else if (i == 0 && wino16)
            ret = fsr_conv_pack_wino16(&sr->layer[i], l, relu);
        else if (wino[i])
            ret = fsr_conv_pack_wino(&sr->layer[i], l, relu);
        else if (c8[i] || (i + 1 < m->n_layers && c8[i + 1] && !wino[i + 1] && l->in_ch == 1 && fsr_conv_c8_ok(l)))
            /* An interleaved layer, or a single-channel one before it that
             * writes its input straight in that order (no planar row, no
             * copy).  Not before a Winograd layer: there the planar kernel
             * and a copy (to_c8, before the transform) ran SRCNN's 1 -> 64
             * 9x9 layer 1 in 62-66 ms per 1080p frame against 110-118 at
             * the AVX-512 level (2 threads, whole net 431 -> 371 ms,
             * fastsr-bench --conv --no-dnnl, alternating), and the same
             * within noise at the AVX2 level. */
            ret = fsr_conv_pack_c8(&sr->layer[i], l, relu);
        else
            ret = fsr_conv_pack(&sr->layer[i], l, relu);
        /* PReLU in the kernel's store where it has one */
        if (ret >= 0 && sr->slope[i] && (ret = fsr_conv_pack_prelu(&sr->layer[i], sr->slope[i])) > 0)
            ret = 0;
        if (ret < 0)
            goto fail;
    }
    /* Bicubic-input networks whose rings stay small at twice the default
     * width (SRCNN 9-1-5: one row of each wide feature, about 250 kB a
     * tile at 512 columns) tile twice as wide: half the strip edges the
     * layers recompute.  9-1-5 at 1080p, 2 threads, fastsr-bench --conv
     * --reps 15 --tile, three alternating rounds: 50.1-52.3 ms in 480-wide
     * strips against 52.5-55.0 in 240-wide ones.  Wider rings (9-5-5's
     * five rows of 64 channels: 1.4 MB at 512, 0.6 MB for its pruned
     * variant) would crowd the core's L2 (1 MB here). */
    if (!sr->lr_input)
        sr->tile_w = 2 * FSR_SR_TILE_W;
    if ((ret = alloc_scratch(sr)) < 0)
        goto fail;
    if (!sr->lr_input && ring_bytes(sr) > FSR_SR_WIDE_RINGS) {
        sr->tile_w = FSR_SR_TILE_W;
        if ((ret = alloc_scratch(sr)) < 0)
            goto fail;
    }
    free(phases.weight);
    free(phases.bias);
    *psr = sr;
    return 0;
fail:
    free(phases.weight);
    free(phases.bias);
    fsr_sr_close(&sr);
    return ret;
}

void fsr_sr_close(FsrSR **psr)
{
    if (!psr || !*psr)
        return;
    FsrSR *sr = *psr;
    if (sr->zq && sr->zq != sr->fixed) {
        fixed_model_close(sr->zq);
        free(sr->zq);
    }
    if (sr->fixed) {
        fixed_model_close(sr->fixed);
        free(sr->fixed);
    }
    free_scratch(sr);
    for (int i = 0; i < sr->n_layers; i++)
        fsr_conv_pack_close(&sr->layer[i]);
    free(sr->tmp);
    for (int i = 0; i < SR_MAX_LAYERS; i++)
        free(sr->slope[i]);
    free(sr);
    *psr = NULL;
}

int fsr_sr_set_tile(FsrSR *sr, int tile_w, int tile_h)
{
    if (!sr || tile_w < 8 || tile_h < 1 || tile_w > SR_MAX_DIM || tile_h > SR_MAX_DIM)
        return fsr_error(FSR_ERR(EINVAL), "sr: bad tile size");
    if (sr->backend != FSR_SR_FLOAT)
        return 0;
    sr->tile_w = tile_w & ~7; /* so tiles of round8(width) never exceed it */
    sr->tile_h = tile_h;
    return alloc_scratch(sr);
}

/* The profile reads the monotonic clock around every row call: the thread
 * CPU-time clock is a system call that cost 1.3 us a read on this machine's
 * hypervisor (30 ns for the monotonic one), which billed the many short
 * calls of the last layer at twice their time (fastsr-bench --conv showed
 * 9-1-5's conv3 at 51% of peak; perf put it at about 85%). */
void fsr_sr_profile(FsrSR *sr, double *seconds)
{
    if (sr)
        sr->profile = seconds;
}

/* ---- one tile ---- */

typedef struct Job {
    const void *src;            /* uint8_t, uint16_t or float plane */
    ptrdiff_t stride;           /* in samples */
    int src_float;              /* 1: float input/output, no scaling */
    int depth;                  /* > 8: uint16_t planes of that many bits */
    void *dst;                  /* rectangle's top-left */
    ptrdiff_t dst_stride;
    int w, h, rx, ry;           /* picture size, rectangle origin (the input's grid) */
    int hx, hy, hw, hh;         /* LR-input models: the HR output rectangle */
} Job;

typedef struct TileState {
    const FsrSR *sr;
    const Job *job;
    Scratch *s;
    Geometry g;
    int next[SR_MAX_LAYERS];       /* next row of feature f to produce */
} TileState;

static inline float *ring_row(const TileState *t, int f, int r)
{
    return t->s->ring[f] + (size_t)(r % t->sr->nslot[f]) * t->sr->slot[f];
}

/* Partial row ky of input row r of the last layer. */
static inline float *parts_row(const TileState *t, int r, int ky)
{
    const int kh = t->sr->layer[t->sr->n_layers - 1].kh;
    return t->s->parts + ((size_t)(r % kh) * kh + ky) * t->sr->pstride;
}

static void load_input_row(TileState *t, int r, float *restrict dst)
{
    const Job *j = t->job;
    const int ox = t->g.ox[0], n = t->g.fw[0], w = j->w;
    const float maxv = (float)((1 << j->depth) - 1); /* high depth: 1.0 is the top of the range */
    /* Columns lo .. hi-1 lie inside the picture: one plain loop per sample
     * type there, which the compiler vectorises (per column with the
     * border tests, it was 4% of 9-1-5's time once layer 1 ran by
     * Winograd); the padding after. */
    const int lo = ox < 0 ? (-ox < n ? -ox : n) : 0, hi = w - ox < n ? (w - ox > lo ? w - ox : lo) : n;
    const ptrdiff_t at = (ptrdiff_t)r * j->stride + ox + lo; /* column lo */
    if (j->src_float) {
        const float *restrict src = (const float *)j->src + at;
        for (int c = lo; c < hi; c++)
            dst[c] = src[c - lo];
    } else if (j->depth > 8) {
        const uint16_t *restrict src = (const uint16_t *)j->src + at;
        for (int c = lo; c < hi; c++)
            dst[c] = (float)src[c - lo] / maxv;
    } else {
        const uint8_t *restrict src = (const uint8_t *)j->src + at;
        for (int c = lo; c < hi; c++)
            dst[c] = (float)src[c - lo] / 255.f;
    }
    const int zero = t->sr->padding == FSR_PAD_ZERO;
    for (int c = 0; c < lo; c++)
        dst[c] = zero ? 0.f : dst[lo];
    for (int c = hi; c < n; c++)
        dst[c] = zero ? 0.f : dst[hi - 1];
}

/* Columns of a computed row that fall outside the picture get the padding
 * value instead of what the kernel computed there.  c8: the row is
 * channel-interleaved (fsr_conv_pack_c8), else planar. */
static void pad_columns(const TileState *t, float *row, int f, int channels, int c8, ptrdiff_t cs)
{
    const int ox = t->g.ox[f], n = t->g.fw[f], w = t->job->w;
    const int lo = ox < 0 ? -ox : 0, hi = w - ox < n ? w - ox : n;
    if (lo == 0 && hi == n)
        return;
    const int zero = t->sr->padding == FSR_PAD_ZERO, step = c8 ? 8 : 1;
    for (int ch = 0; ch < channels; ch++) {
        float *p = c8 ? row + ch / 8 * 8 * cs + ch % 8 : row + ch * cs;
        const float left = zero ? 0.f : p[lo * step], right = zero ? 0.f : p[(hi - 1) * step];
        for (int c = 0; c < lo; c++)
            p[c * step] = left;
        for (int c = hi; c < n; c++)
            p[c * step] = right;
    }
}

/* The picture row that stands for row sy of a feature: sy itself inside
 * the picture; outside it, the nearest edge row under replicate padding,
 * -1 (zeros) under zero padding. */
static int source_row(const TileState *t, int sy)
{
    const int h = t->job->h;
    if (sy >= 0 && sy < h)
        return sy;
    return t->sr->padding == FSR_PAD_ZERO ? -1 : sy < 0 ? 0 : h - 1;
}

static void ensure_rows(TileState *t, int f, int upto);

/* Runs layer m for output row r into out (channel stride out_cs). */
static void run_layer_row(TileState *t, int m, int r, float *out, ptrdiff_t out_cs)
{
    const FsrPackedConv *l = &t->sr->layer[m];
    const int ry = l->kh / 2, h = t->job->h;
    ensure_rows(t, m, r + ry < h ? r + ry : h - 1);
    if (l->parts) {
        /* Output row r from the partials of input rows r-ry..r+ry (already
         * made by ensure_rows), in ky order whatever the tile. */
        const float *parts[FSR_MODEL_MAX_KERNEL];
        for (int ky = 0; ky < l->kh; ky++) {
            const int sy = source_row(t, r - ry + ky);
            parts[ky] = sy < 0 ? NULL : parts_row(t, sy, ky);
        }
        const double t0 = t->sr->profile ? clock_wall() : 0;
        fsr_conv_sum_parts(out, parts, l, t->g.cw[m]);
        if (t->sr->profile)
            t->s->seconds[m] += clock_wall() - t0;
        return;
    }
    const float *rows[FSR_MODEL_MAX_KERNEL];
    const int off = t->g.off[m] * (l->c8 && !writes_c8(l) ? 8 : 1);
    for (int ky = 0; ky < l->kh; ky++) {
        const int sy = source_row(t, r - ry + ky);
        rows[ky] = (sy < 0 ? t->s->zero : ring_row(t, m, sy)) + off;
    }
    const double t0 = t->sr->profile ? clock_wall() : 0;
    if (l->wino)
        fsr_conv_wino_row(&t->sr->dsp, out, out_cs, rows, t->sr->stride[m], l, t->g.cw[m] / l->wino_tile,
                          t->s->wm);
    else if (writes_c8(l))
        t->sr->dsp.conv_row_1_to_c8(out, out_cs, rows, t->sr->stride[m], l, t->g.cw[m]);
    else if (l->c8)
        t->sr->dsp.conv_row_c8(out, out_cs, rows, 8 * t->sr->stride[m], l, t->g.cw[m], t->s->acc);
    else
        t->sr->dsp.conv_row(out, out_cs, rows, t->sr->stride[m], l, t->g.cw[m]);
    if (t->sr->slope[m] && !l->slope)
        t->sr->dsp.prelu_row(out, out_cs, l->out_ch, t->sr->slope[m], t->g.cw[m], writes_c8(l));
    if (t->sr->profile)
        t->s->seconds[m] += clock_wall() - t0;
}

/* Row r of feature f, channel-interleaved (block stride 8 * cs) into dst
 * and padded: written so by the layer before, or made planar, padded and
 * then interleaved (the copy billed to layer f, which needs it). */
static void interleaved_row(TileState *t, int f, int r, float *dst, ptrdiff_t cs)
{
    const int in_ch = t->sr->layer[f].in_ch;
    if (writes_c8(&t->sr->layer[f - 1])) {
        run_layer_row(t, f - 1, r, dst, 8 * cs);
        pad_columns(t, dst, f, in_ch, 1, cs);
        return;
    }
    run_layer_row(t, f - 1, r, t->s->plane, cs);
    pad_columns(t, t->s->plane, f, in_ch, 0, cs);
    const double t0 = t->sr->profile ? clock_wall() : 0;
    t->sr->dsp.to_c8(dst, 8 * cs, t->s->plane, cs, in_ch, t->g.fw[f]);
    if (t->sr->profile)
        t->s->seconds[f] += clock_wall() - t0;
}

static void ensure_rows(TileState *t, int f, int upto)
{
    for (; t->next[f] <= upto; t->next[f]++) {
        const int r = t->next[f];
        if (f == 0 && t->sr->layer[0].wino) {
            /* transformed into the ring once for the kh output rows */
            load_input_row(t, r, t->s->plane8);
            const double t0 = t->sr->profile ? clock_wall() : 0;
            (t->sr->layer[0].wino_tile == 8 ? t->sr->dsp.wino16_in_1 : t->sr->dsp.wino_in_1)(
                ring_row(t, 0, r), t->sr->stride[0], t->s->plane8, wino_in_tiles(&t->sr->layer[0], t->g.cw[0]));
            if (t->sr->profile)
                t->s->seconds[0] += clock_wall() - t0;
        } else if (f == 0) {
            load_input_row(t, r, ring_row(t, 0, r));
        } else if (t->sr->layer[f].wino) {
            /* Made interleaved, then transformed into the ring once for the
             * kh output rows that read it (billed to layer f). */
            interleaved_row(t, f, r, t->s->plane8, t->sr->wstride[f]);
            const double t0 = t->sr->profile ? clock_wall() : 0;
            t->sr->dsp.wino_in(ring_row(t, f, r), t->sr->stride[f], t->s->plane8, 8 * t->sr->wstride[f],
                               t->sr->layer[f].in_ch, t->g.cw[f] / 4);
            if (t->sr->profile)
                t->s->seconds[f] += clock_wall() - t0;
        } else if (t->sr->layer[f].c8) {
            interleaved_row(t, f, r, ring_row(t, f, r), t->sr->stride[f]);
        } else {
            float *out = ring_row(t, f, r);
            run_layer_row(t, f - 1, r, out, t->sr->stride[f]);
            pad_columns(t, out, f, t->sr->layer[f].in_ch, 0, t->sr->stride[f]);
        }
        const FsrPackedConv *l = &t->sr->layer[f];
        if (l->parts) {
            const double t0 = t->sr->profile ? clock_wall() : 0;
            t->sr->dsp.conv_parts(parts_row(t, r, 0), t->sr->pstride, ring_row(t, f, r) + t->g.off[f], t->sr->stride[f], l,
                                  t->g.cw[f]);
            if (t->sr->profile)
                t->s->seconds[f] += clock_wall() - t0;
        }
    }
}

/* HR column X of a shuffled row: phase (X + shift) % scale of LR column
 * (X + shift) / scale, from the phases ph of a tile starting at LR column
 * tx. */
static inline float shuffled(const FsrSR *sr, const float *ph, int X, int tx)
{
    const int x = X + sr->shift;
    return ph[(x % sr->scale) * sr->ostride + x / sr->scale - tx];
}

static void run_tile(const FsrSR *sr, const Job *j, Scratch *s, int tx, int ty, int tw, int th)
{
    TileState t = { .sr = sr, .job = j, .s = s };
    tile_geometry(sr, &t.g, tx, tw);
    const int L = sr->n_layers;
    /* The first row of feature f this tile needs: ty minus the vertical
     * radii of layers f..L-1. */
    int margin = 0;
    for (int f = L - 1; f >= 0; f--) {
        margin += sr->layer[f].kh / 2;
        t.next[f] = ty - margin > 0 ? ty - margin : 0;
    }
    for (int y = ty; y < ty + th; y++) {
        if (sr->shuffle) {
            /* LR row y gives HR rows s*y .. s*y+s-1: phase (i, k) of
             * column x is HR (s*y + i, s*x + k), kept where it falls
             * inside the HR rectangle */
            run_layer_row(&t, L - 1, y, s->out, sr->ostride);
            const int sc = sr->scale, sh = sr->shift;
            const int X0 = sc * tx - sh > j->hx ? sc * tx - sh : j->hx;
            const int X1 = sc * (tx + tw) - sh < j->hx + j->hw ? sc * (tx + tw) - sh : j->hx + j->hw;
            for (int i = 0; i < sc; i++) {
                const int Y = sc * y + i - sh;
                if (Y < j->hy || Y >= j->hy + j->hh)
                    continue;
                const float *ph = s->out + (size_t)i * sc * sr->ostride;
                if (j->src_float) {
                    float *d = (float *)j->dst + (ptrdiff_t)(Y - j->hy) * j->dst_stride - j->hx;
                    for (int X = X0; X < X1; X++)
                        d[X] = shuffled(sr, ph, X, tx);
                } else if (j->depth > 8) {
                    uint16_t *d = (uint16_t *)j->dst + (ptrdiff_t)(Y - j->hy) * j->dst_stride - j->hx;
                    const int maxv = (1 << j->depth) - 1;
                    for (int X = X0; X < X1; X++)
                        d[X] = fsr_float_to_u16(shuffled(sr, ph, X, tx), maxv);
                } else {
                    /* the columns before the first phase-0 one and after
                     * the last whole group one by one, the groups between
                     * by the kernel */
                    uint8_t *d = (uint8_t *)j->dst + (ptrdiff_t)(Y - j->hy) * j->dst_stride - j->hx;
                    int X = X0;
                    for (; X < X1 && (X + sh) % sc; X++)
                        d[X] = fsr_float_to_u8(shuffled(sr, ph, X, tx));
                    const int groups = X1 > X ? (X1 - X) / sc : 0;
                    sr->dsp.phases_to_u8(d + X, ph + (X + sh) / sc - tx, sr->ostride, sc, groups);
                    for (X += groups * sc; X < X1; X++)
                        d[X] = fsr_float_to_u8(shuffled(sr, ph, X, tx));
                }
            }
            continue;
        }
        run_layer_row(&t, L - 1, y, s->out, 0);
        if (j->src_float) {
            float *d = (float *)j->dst + (ptrdiff_t)(y - j->ry) * j->dst_stride + (tx - j->rx);
            memcpy(d, s->out, (size_t)tw * sizeof(float));
        } else if (j->depth > 8) {
            uint16_t *d = (uint16_t *)j->dst + (ptrdiff_t)(y - j->ry) * j->dst_stride + (tx - j->rx);
            const int maxv = (1 << j->depth) - 1;
            for (int i = 0; i < tw; i++)
                d[i] = fsr_float_to_u16(s->out[i], maxv);
        } else {
            uint8_t *d = (uint8_t *)j->dst + (ptrdiff_t)(y - j->ry) * j->dst_stride + (tx - j->rx);
            sr->dsp.phases_to_u8(d, s->out, 0, 1, tw);
        }
    }
}

/* Left edge of strip i of n over rw columns: the column nearest i*rw/n
 * that is i*align modulo 8 (so every strip but the last is align modulo 8
 * wide); rw for i = n. */
static int strip_edge(int i, int n, int rw, int align)
{
    if (i >= n)
        return rw;
    const int t = (int)((long long)i * rw / n), r = i * align % 8;
    int v = t - ((t - r) % 8 + 8) % 8;
    if (t - v > 4)
        v += 8;
    return v;
}

static int run(FsrSR *sr, const Job *j, int rw, int rh)
{

    /* Tiles at most tile_w x tile_h, all of nearly the same size: the last
     * strip is not a sliver that pays a whole halo for a few columns. */
    int ntx = (rw + sr->tile_w - 1) / sr->tile_w;
    const int nty = (rh + sr->tile_h - 1) / sr->tile_h;
    int step_w = round8((rw + ntx - 1) / ntx);
    const int step_h = (rh + nty - 1) / nty;
    /* Strip widths w with w + 2 rx_last a multiple of 8 (rx_last: the last
     * layer's radius), so the layer before the last (SRCNN's 64->32 conv2,
     * 90% of the work) computes exactly the columns it must, none for
     * rounding: for 9-5-5 at 1920 wide, strips of 236 and 244 instead of
     * 240 make it compute 488 columns per 480, not 496.  Boundaries within
     * 4 of the equal split, so strips are at most tile_w wide. */
    const int align = (8 - sr->layer[sr->n_layers - 1].kw / 2 * 2 % 8) % 8;
    int aligned = 0;
    if (align && sr->tile_w >= 32) {
        const int n = (rw + sr->tile_w - 9) / (sr->tile_w - 8);
        if (rw / n >= 24) {
            ntx = n;
            aligned = 1;
        }
    }
    const int ntiles = ntx * nty;
    for (int t = 0; t < sr->threads; t++)
        memset(sr->scratch[t].seconds, 0, sizeof(sr->scratch[t].seconds));
    /* The tile grid depends only on the rectangle and the tile size, never
     * on the thread count (nor do the results depend on the grid). */
#pragma omp parallel for schedule(dynamic, 1) num_threads(sr->threads) if (ntiles > 1 && sr->threads > 1)
    for (int i = 0; i < ntiles; i++) {
        int tx, tw;
        if (aligned) {
            /* Odd bands right to left: two threads taking turns would
             * otherwise get all the narrow strips and all the wide ones. */
            const int band = i / ntx, sx = band & 1 ? ntx - 1 - i % ntx : i % ntx;
            const int b0 = strip_edge(sx, ntx, rw, align), b1 = strip_edge(sx + 1, ntx, rw, align);
            tx = j->rx + b0;
            tw = b1 - b0;
        } else {
            tx = j->rx + (i % ntx) * step_w;
            tw = j->rx + rw - tx < step_w ? j->rx + rw - tx : step_w;
        }
        const int ty = j->ry + (i / ntx) * step_h;
        const int th = j->ry + rh - ty < step_h ? j->ry + rh - ty : step_h;
        if (tw <= 0 || th <= 0)
            continue;
        run_tile(sr, j, &sr->scratch[omp_get_thread_num() % sr->threads], tx, ty, tw, th);
    }
    if (sr->profile)
        for (int t = 0; t < sr->threads; t++)
            for (int m = 0; m < sr->n_layers; m++)
                sr->profile[m] += sr->scratch[t].seconds[m];
    return 0;
}

int sr_check_rect(const FsrSR *sr, const void *dst, const void *src, ptrdiff_t dst_stride,
                  ptrdiff_t stride, int w, int h, int x, int y, int rw, int rh)
{
    if (!sr || !dst || !src)
        return fsr_error(FSR_ERR(EINVAL), "sr: NULL argument");
    if (sr->lr_input) {
        /* w x h is the LR input; the rectangle is in the HR output */
        if (w <= 0 || h <= 0 || w > SR_MAX_DIM / sr->scale || h > SR_MAX_DIM / sr->scale)
            return fsr_error(FSR_ERR(EINVAL), "sr: LR plane size %dx%d out of range", w, h);
        if (stride < w || dst_stride < rw)
            return fsr_error(FSR_ERR(EINVAL), "sr: stride smaller than the width");
        const int W = w * sr->scale, H = h * sr->scale;
        if (x < 0 || y < 0 || rw <= 0 || rh <= 0 || x > W - rw || y > H - rh)
            return fsr_error(FSR_ERR(EINVAL), "sr: rectangle %dx%d at (%d,%d) is not inside the %dx%d output",
                             rw, rh, x, y, W, H);
        return sr->scratch ? 0 : fsr_error(FSR_ERR(ENOMEM), "sr: no tile buffers (a failed fsr_sr_set_tile)");
    }
    if (sr->backend == FSR_SR_FLOAT && !sr->scratch)
        return fsr_error(FSR_ERR(ENOMEM), "sr: no tile buffers (a failed fsr_sr_set_tile)");
    if (w <= 0 || h <= 0 || w > SR_MAX_DIM || h > SR_MAX_DIM)
        return fsr_error(FSR_ERR(EINVAL), "sr: plane size %dx%d out of range", w, h);
    if (stride < w || dst_stride < rw)
        return fsr_error(FSR_ERR(EINVAL), "sr: stride smaller than the width");
    if (x < 0 || y < 0 || rw <= 0 || rh <= 0 || x > w - rw || y > h - rh)
        return fsr_error(FSR_ERR(EINVAL), "sr: rectangle %dx%d at (%d,%d) is not inside the %dx%d plane",
                         rw, rh, x, y, w, h);
    return 0;
}

/* An LR-input model's HR rectangle is made from the LR rectangle of the
 * pixels under it. */
static int run_job(FsrSR *sr, Job *j, int x, int y, int rw, int rh)
{
    if (!sr->lr_input)
        return run(sr, j, rw, rh);
    /* HR row Y comes from LR row (Y + shift) / s: with a shift, the last
     * HR rows come from LR row h, one past the picture, which the last
     * layer computes from padded features like any border row */
    const int s = sr->scale, sh = sr->shift;
    j->hx = x, j->hy = y, j->hw = rw, j->hh = rh;
    j->rx = (x + sh) / s, j->ry = (y + sh) / s;
    return run(sr, j, (x + rw - 1 + sh) / s + 1 - j->rx, (y + rh - 1 + sh) / s + 1 - j->ry);
}

int fsr_sr_run_float(FsrSR *sr, float *dst, ptrdiff_t dst_stride, const float *src, ptrdiff_t stride,
                     int w, int h, int x, int y, int rw, int rh)
{
    int ret = sr_check_rect(sr, dst, src, dst_stride, stride, w, h, x, y, rw, rh);
    if (ret < 0)
        return ret;
    if (sr->backend != FSR_SR_FLOAT)
        return fsr_error(FSR_ERR(EINVAL), "sr: float planes need the float backend");
    Job j = { .src = src, .stride = stride, .src_float = 1, .dst = dst, .dst_stride = dst_stride,
              .w = w, .h = h, .rx = x, .ry = y };
    return run_job(sr, &j, x, y, rw, rh);
}

int sr_engine_luma_rect(FsrSR *sr, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t stride,
                        int w, int h, int x, int y, int rw, int rh)
{
    Job j = { .src = src, .stride = stride, .dst = dst, .dst_stride = dst_stride,
              .w = w, .h = h, .rx = x, .ry = y };
    return run_job(sr, &j, x, y, rw, rh);
}

int sr_engine_luma_rect16(FsrSR *sr, uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src, ptrdiff_t stride,
                          int w, int h, int x, int y, int rw, int rh, int depth)
{
    /* strides arrive in bytes, as in FsrPicture */
    Job j = { .src = src, .stride = stride / 2, .depth = depth, .dst = dst, .dst_stride = dst_stride / 2,
              .w = w, .h = h, .rx = x, .ry = y };
    return run_job(sr, &j, x, y, rw, rh);
}
