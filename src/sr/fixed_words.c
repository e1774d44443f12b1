/* The integer SR engine's driver (fastsr --precision int8 / int16: fixed.c's
 * channel scheme with 8- or 16-bit words), for the row kernels of an ISA
 * (FsrWordsDSP: x86/fixed_words_avx512.c, x86/fixed_words_avx2.c).  The
 * row kernels of fixed.c keep one int32 per activation and gather every
 * input row again for each output row; this engine keeps activations as
 * words of eb bytes, pixel-major (NHWC: a row is pixels of C channels), so
 * that for one kernel row ky the kw x C products of an output pixel read
 * kw * C consecutive words, which the kernels take 32 bits at a time
 * against 16 output channels' weights packed here.  Each thread walks down
 * its share of the output rows; every layer keeps only the rows the next
 * one reads (a ring of kernel-height rows), so activations stay in cache
 * and rows are computed once.
 *
 * Integer sums are exact in any order within the accumulator bound that
 * fixed_model_build checks (every partial sum included), and the kernels
 * requantise as fixed.c's layer_out: the same bits as fixed_sr_luma_ref
 * (tests/test_accel_sr.c, tests/checkasm). */
#include "fixed.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "log.h"

/* A row of (w + 2 pad + FIXED_WORDS_PX) pixels of cb bytes and slack for
 * the 32-bit groups and 32-word chunks that run past a kernel row, in
 * whole cache lines. */
static ptrdiff_t plane_stride(int w, int cb, int pad)
{
    return ((ptrdiff_t)(w + 2 * pad + FIXED_WORDS_PX) * cb + 128 + 63) & ~(ptrdiff_t)63;
}

/* Left and right padding of one row of w pixels of c bytes. */
static void pad_row(uint8_t *row, int w, int c, int pad, int padding)
{
    for (int i = 0; i < pad; i++) {
        uint8_t *l = row + (ptrdiff_t)i * c, *r = row + (ptrdiff_t)(pad + w + i) * c;
        if (padding == FSR_PAD_ZERO) {
            memset(l, 0, c);
            memset(r, 0, c);
        } else {
            memcpy(l, row + (ptrdiff_t)pad * c, c);
            memcpy(r, row + (ptrdiff_t)(pad + w - 1) * c, c);
        }
    }
}

/* Hidden-layer weights as [block of 16 outputs][ky][group of 32 bits of
 * (kx, ci)][output lane][4 bytes or 2 words], zero past the layer; eb: the
 * word's bytes. */
static void *pack_hidden(const FixedLayer *l, int eb, int *groups)
{
    const int C = l->in_ch, ks = l->kw * C, per = 4 / eb, G = (ks + per - 1) / per, nb = (l->out_ch + 15) / 16;
    const size_t n = (size_t)nb * l->kh * G * 64;
    uint8_t *p = aligned_alloc(64, n);
    if (!p)
        return NULL;
    memset(p, 0, n);
    for (int o = 0; o < l->out_ch; o++)
        for (int ci = 0; ci < C; ci++)
            for (int ky = 0; ky < l->kh; ky++)
                for (int kx = 0; kx < l->kw; kx++) {
                    const int k = kx * C + ci;
                    const size_t at = (((size_t)(o / 16) * l->kh + ky) * G + k / per) * 64 + (o % 16) * 4 + k % per * eb;
                    const int32_t v = l->w[(((size_t)o * C + ci) * l->kh + ky) * l->kw + kx];
                    if (eb == 1)
                        p[at] = (uint8_t)(int8_t)v;
                    else {
                        const int16_t v16 = (int16_t)v;
                        memcpy(p + at, &v16, 2);
                    }
                }
    *groups = G;
    return p;
}

/* The one-output last layer's weights as [ky][32-sample chunk] int16. */
static int16_t *pack_last(const FixedLayer *l, int *chunks)
{
    const int C = l->in_ch, ks = l->kw * C, K = (ks + 31) / 32;
    const size_t n = (size_t)l->kh * K * 32;
    int16_t *p = aligned_alloc(64, n * sizeof(*p));
    if (!p)
        return NULL;
    memset(p, 0, n * sizeof(*p));
    for (int ci = 0; ci < C; ci++)
        for (int ky = 0; ky < l->kh; ky++)
            for (int kx = 0; kx < l->kw; kx++)
                p[(size_t)ky * K * 32 + kx * C + ci] = (int16_t)l->w[((size_t)ci * l->kh + ky) * l->kw + kx];
    *chunks = K;
    return p;
}


/* One thread's rows of a layer's output (or of the input plane): the last
 * `rows` rows computed, row y in slot y % rows; pixel x of a row at
 * (x + pad) * cb bytes, slack after the row for reads past its end. */
typedef struct Ring {
    uint8_t *data;
    ptrdiff_t stride;
    int rows, cb, pad;
    int next; /* the next row to compute */
} Ring;

static uint8_t *ring_row(const Ring *r, int y)
{
    /* y may be negative in a stacked ring (below) */
    return r->data + (ptrdiff_t)(((y % r->rows) + r->rows) % r->rows) * r->stride;
}

/* The row that input row yy (of a plane h rows high) stands for at the
 * plane's borders. */
static const uint8_t *ring_in(const Ring *r, const uint8_t *zero, int yy, int h, int padding)
{
    if (yy < 0 || yy >= h) {
        if (padding == FSR_PAD_ZERO)
            return zero;
        yy = yy < 0 ? 0 : h - 1;
    }
    return ring_row(r, yy);
}

/* A single-channel first layer of byte words (SRCNN's 9x9 on the luma) fills
 * only kw bytes of each kernel row: 9 of the 12 that 3 groups of 4 take.
 * Stacked, its input ring holds for each row r the bytes of rows r, r + 1
 * and r + 2 side by side (3 channels, the picture's padding inside them),
 * and the layer runs as 3 input channels by ceil(kh / 3) kernel rows:
 * kw x 3 = 27 bytes in 7 groups of 4 per kernel row, 21 groups where there
 * were 27. */
enum { STACK = 3 };

typedef struct Net {
    const FixedModel *q;
    const FsrWordsDSP *k;
    int stack;       /* 1: layer 0 runs stacked, as l0s */
    FixedLayer l0s;  /* layer 0 stacked: in_ch STACK, kh ceil(kh / STACK) */
    int w, h, eb, K, G[64];
    uint8_t *wh[64];
    void *consts[64];
    int16_t *wl;
    const uint8_t *zero;
    const uint8_t *src;
    ptrdiff_t src_stride;
} Net;

/* Computes rows of ring[li] (ring 0: the input words; ring li + 1: the
 * output of hidden layer li) up to row r (at most h - 1). */
static void ensure(const Net *nt, Ring *ring, int li, int r)
{
    const FixedModel *q = nt->q;
    Ring *o = &ring[li];
    const FixedLayer *l0 = &q->layers[0];
    /* a stacked ring's last row starts its last group of kernel rows */
    const int last = li == 0 && nt->stack ? nt->h - 1 - l0->kh / 2 + STACK * (nt->l0s.kh - 1) : nt->h - 1;
    if (r > last)
        r = last;
    for (; o->next <= r; o->next++) {
        const int y = o->next;
        uint8_t *row = ring_row(o, y);
        if (li == 0 && nt->stack) {
            /* source rows y .. y + STACK - 1, padded vertically here */
            for (int j = 0; j < STACK; j++) {
                int yy = y + j;
                const int outside = yy < 0 || yy >= nt->h;
                yy = yy < 0 ? 0 : yy >= nt->h ? nt->h - 1 : yy;
                const uint8_t *s = nt->src + yy * nt->src_stride;
                for (int x = 0; x < nt->w; x++)
                    row[(o->pad + x) * STACK + j] = outside && q->padding == FSR_PAD_ZERO ? 0 : s[x];
            }
        } else if (li == 0) {
            const uint8_t *s = nt->src + y * nt->src_stride;
            if (nt->eb == 1)
                for (int x = 0; x < nt->w; x++)
                    row[o->pad + x] = (uint8_t)(s[x] << q->input_shift);
            else
                for (int x = 0; x < nt->w; x++) {
                    const int16_t v = (int16_t)(s[x] << q->input_shift);
                    memcpy(row + 2 * (o->pad + x), &v, 2);
                }
        } else {
            /* layer li - 1; stacked, its kernel rows step STACK input rows
             * and the stacked ring holds its padding itself */
            const int stacked = li == 1 && nt->stack, step = stacked ? STACK : 1;
            const FixedLayer *l = stacked ? &nt->l0s : &q->layers[li - 1];
            const int py = q->layers[li - 1].kh / 2;
            ensure(nt, ring, li - 1, y - py + step * (l->kh - 1));
            const uint8_t *rows[64];
            for (int ky = 0; ky < l->kh; ky++)
                rows[ky] = stacked ? ring_row(&ring[0], y - py + STACK * ky)
                                   : ring_in(&ring[li - 1], nt->zero, y - py + ky, nt->h, q->padding);
            nt->k->hidden_row(row, o->pad, o->cb, rows, nt->w, nt->wh[li - 1], nt->consts[li - 1], l, nt->G[li - 1],
                              (int32_t)q->act_max);
        }
        pad_row(row, nt->w, o->cb, o->pad, q->padding);
        const ptrdiff_t used = (ptrdiff_t)(nt->w + 2 * o->pad) * o->cb;
        memset(row + used, 0, o->stride - used);
    }
}

/* The network row by row: each thread takes a contiguous share of the
 * output rows and walks down it, every layer keeping only the rows the
 * next one reads (its kernel height), so a thread's activations stay in
 * its caches (9-5-5 in int8: 0.6 + 1.5 MB) and rows are computed once,
 * except the kernel halos at the borders between threads' shares. */
static int sr_luma_words(const FsrWordsDSP *k, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                         ptrdiff_t src_stride, int w, int h, const FixedModel *q)
{
    const int n = q->n_layers;
    Net nt = { .q = q, .k = k, .w = w, .h = h, .eb = k->eb, .src = src, .src_stride = src_stride };
    int ret = 0, halo[65] = { 0 };
    /* halo[li]: how far above a thread's first output row ring li starts
     * (the kernel radii of layer li and the layers after it) */
    for (int li = n - 1; li >= 0; li--)
        halo[li] = halo[li + 1] + q->layers[li].kh / 2;
    nt.wl = pack_last(&q->layers[n - 1], &nt.K);
    const FixedLayer *l0 = &q->layers[0];
    nt.stack = n > 1 && k->eb == 1 && l0->in_ch == 1 && l0->kh >= STACK;
    int32_t *w0s = NULL;
    if (nt.stack) {
        const int khs = (l0->kh + STACK - 1) / STACK;
        nt.l0s = *l0;
        nt.l0s.in_ch = STACK;
        nt.l0s.kh = khs;
        w0s = calloc((size_t)l0->out_ch * STACK * khs * l0->kw, sizeof(*w0s));
        for (int o = 0; w0s && o < l0->out_ch; o++)
            for (int ky = 0; ky < l0->kh; ky++)
                for (int kx = 0; kx < l0->kw; kx++)
                    w0s[(((size_t)o * STACK + ky % STACK) * khs + ky / STACK) * l0->kw + kx] =
                        l0->w[((size_t)o * l0->kh + ky) * l0->kw + kx];
        nt.l0s.w = w0s;
        if (!w0s)
            ret = -1;
    }
    ptrdiff_t zero_size = 0;
    for (int li = 0; li < n && !ret; li++) {
        const FixedLayer *l = li == 0 && nt.stack ? &nt.l0s : &q->layers[li];
        const ptrdiff_t st = plane_stride(w, l->in_ch * nt.eb, l->kw / 2);
        zero_size = st > zero_size ? st : zero_size;
        if (li < n - 1) {
            if (!(nt.consts[li] = k->make_consts(l)) || !(nt.wh[li] = pack_hidden(l, nt.eb, &nt.G[li])))
                ret = -1;
        }
    }
    uint8_t *zero = aligned_alloc(64, zero_size);
    if (!zero || !nt.wl)
        ret = -1;
    else
        memset(zero, 0, zero_size);
    nt.zero = zero;
    int failed = 0;
    const int nthreads = q->threads ? q->threads : omp_get_max_threads();
#pragma omp parallel reduction(| : failed) if (!ret) num_threads(nthreads)
    {
        const int t = omp_get_thread_num(), nth = omp_get_num_threads();
        const int ya = (int)((int64_t)h * t / nth), yb = (int)((int64_t)h * (t + 1) / nth);
        Ring ring[64];
        for (int li = 0; li < n; li++) { /* ring li: the input of layer li */
            const FixedLayer *l = &q->layers[li];
            ring[li] = (Ring) { .rows = l->kh, .cb = l->in_ch * nt.eb, .pad = l->kw / 2 };
            ring[li].next = ya - halo[li] > 0 ? ya - halo[li] : 0;
            if (li == 0 && nt.stack) { /* from layer 0's first output row less its radius */
                ring[0] = (Ring) { .rows = STACK * (nt.l0s.kh - 1) + 1, .cb = STACK, .pad = l->kw / 2 };
                ring[0].next = (ya - halo[1] > 0 ? ya - halo[1] : 0) - l->kh / 2;
            }
            ring[li].stride = plane_stride(w, ring[li].cb, ring[li].pad);
            ring[li].data = aligned_alloc(64, (size_t)ring[li].stride * ring[li].rows);
            failed |= !ring[li].data;
        }
        const FixedLayer *last = &q->layers[n - 1];
        for (int y = ya; y < yb && !failed; y++) {
            ensure(&nt, ring, n - 1, y + last->kh / 2);
            const uint8_t *rows[64];
            for (int ky = 0; ky < last->kh; ky++)
                rows[ky] = ring_in(&ring[n - 1], zero, y + ky - last->kh / 2, h, q->padding);
            k->last_row(dst + (ptrdiff_t)y * dst_stride, rows, w, nt.wl, nt.K, last);
        }
        for (int li = 0; li < n; li++)
            free(ring[li].data);
    }
    for (int li = 0; li < n; li++) {
        free(nt.wh[li]);
        free(nt.consts[li]);
    }
    free(nt.wl);
    free(w0s);
    free(zero);
    return ret < 0 || failed ? fsr_error(FSR_ERR(ENOMEM), "out of memory") : 0;
}

/* Whether the engines run a model: the channel scheme in 8- or 16-bit
 * words with a 32-bit accumulator, the last layer of one output channel
 * (16-bit weights), at most 63 layers; kernels have at most 63 rows
 * (check_model). */
static int runs(const FixedModel *q)
{
    if (!q->channel_scales || (q->word_bits != 8 && q->word_bits != 16) || q->acc_bits > 32 || q->n_layers < 1 ||
        q->n_layers > 63)
        return 0;
    const FixedLayer *last = &q->layers[q->n_layers - 1];
    return last->out_ch == 1 && last->to_pixel;
}

int fixed_sr_luma_words(const FsrWordsDSP *k, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                        ptrdiff_t src_stride, int w, int h, const FixedModel *q)
{
    if (!k || !runs(q))
        return 1;
    return sr_luma_words(k, dst, dst_stride, src, src_stride, w, h, q);
}
