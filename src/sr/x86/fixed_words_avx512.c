/* The integer SR engines (fastsr --precision int8 / int16: fixed.c's
 * channel scheme with 8- or 16-bit words) on AVX-512 VNNI.  The row kernels
 * of fixed.c keep one int32 per activation and gather every input row again
 * for each output row; these engines keep activations as words of the
 * precision, pixel-major (NHWC: a row is pixels of C channels), so that for
 * one kernel row ky the kw x C products of an output pixel read kw * C
 * consecutive words.  Those are taken 32 bits at a time (one broadcast:
 * 4 bytes or 2 words) against 16 output channels' weights (one vpdpbusd:
 * u8 x s8, 64 products; or one vpdpwssd: s16 x s16, 32 products), 6 pixels
 * x up to 4 blocks of 16 channels in registers.  The last layer (one output
 * channel, 16-bit weights in the channel scheme) takes 32 words at a time
 * (bytes widened to 16 bits) with vpdpwssd and adds the lanes up per pixel.
 *
 * Integer sums are exact in any order within the accumulator bound that
 * fixed_model_build checks (every partial sum included), and the
 * requantisation is fixed.c's layer_out in 64-bit lanes: the same bits as
 * fixed_sr_luma_ref (tests/test_accel_sr.c compares them). */
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#include "fixed.h"
#include "log.h"

#include <errno.h>
#include <omp.h>

#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))

enum {
    PX = 12, /* the most output pixels of a register block (NB x P <= 24) */
    MAXB = 4, /* blocks of 16 output channels per register block */
};

/* Where the hidden kernels write a row: pixel x at (x + pad) * cb bytes
 * (cb: bytes per pixel, channels x word bytes). */
typedef struct Plane {
    uint8_t *data;
    ptrdiff_t stride;
    int cb, pad;
} Plane;

/* A row of (w + 2 pad + PX) pixels and slack for the 32-bit groups and
 * 32-word chunks that run past a kernel row, in whole cache lines. */

static ptrdiff_t plane_stride(int w, int cb, int pad)
{
    return ((ptrdiff_t)(w + 2 * pad + PX) * cb + 128 + 63) & ~(ptrdiff_t)63;
}

/* Left and right padding of one row of w pixels. */
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

/* fixed.c's layer_out for 16 channels: (acc * mult + half) >> shift in
 * 64-bit lanes, clipped to 0..hi, in 32-bit lanes. */
VNNI static inline __m512i requant16(__m512i acc, __m512i mlo, __m512i mhi, __m512i slo, __m512i shi, __m512i rlo,
                                     __m512i rhi, __m512i hi)
{
    __m512i lo = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(acc));
    __m512i up = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(acc, 1));
    lo = _mm512_srav_epi64(_mm512_add_epi64(_mm512_mullo_epi64(lo, mlo), rlo), slo);
    up = _mm512_srav_epi64(_mm512_add_epi64(_mm512_mullo_epi64(up, mhi), rhi), shi);
    /* clip in 64 bits: a product shifted down may exceed 32 bits */
    lo = _mm512_min_epi64(_mm512_max_epi64(lo, _mm512_setzero_si512()), _mm512_cvtepi32_epi64(_mm512_castsi512_si256(hi)));
    up = _mm512_min_epi64(_mm512_max_epi64(up, _mm512_setzero_si512()), _mm512_cvtepi32_epi64(_mm512_castsi512_si256(hi)));
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(lo)), _mm512_cvtepi64_epi32(up), 1);
}

/* Per-block requantisation constants. */
typedef struct Block {
    __m512i bias, mlo, mhi, slo, shi, rlo, rhi;
    __mmask16 store;
} Block;

VNNI static void make_blocks(Block *bk, const FixedLayer *l)
{
    for (int b = 0; b * 16 < l->out_ch; b++) {
        int32_t bias[16] = { 0 };
        int64_t m[16], s[16], r[16];
        for (int i = 0; i < 16; i++) {
            const int o = b * 16 + i < l->out_ch ? b * 16 + i : l->out_ch - 1;
            bias[i] = (int32_t)l->b[o];
            m[i] = l->mult[o];
            s[i] = l->shift[o];
            r[i] = (int64_t)1 << (l->shift[o] - 1);
        }
        bk[b].bias = _mm512_loadu_si512(bias);
        bk[b].mlo = _mm512_loadu_si512(m);
        bk[b].mhi = _mm512_loadu_si512(m + 8);
        bk[b].slo = _mm512_loadu_si512(s);
        bk[b].shi = _mm512_loadu_si512(s + 8);
        bk[b].rlo = _mm512_loadu_si512(r);
        bk[b].rhi = _mm512_loadu_si512(r + 8);
        const int left = l->out_ch - b * 16;
        bk[b].store = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
    }
}

/* The words of one precision: SUF names the functions, EB the word's
 * bytes, DOT the dot product, STORE the 16 words of a block at p. */
#define STORE_8(p, m, v) _mm_mask_storeu_epi8(p, m, _mm512_cvtepi32_epi8(v))
#define STORE_16(p, m, v) _mm256_mask_storeu_epi16(p, m, _mm512_cvtepi32_epi16(v))
#define LOAD32_8(p) _mm512_cvtepu8_epi16(_mm256_loadu_si256((const void *)(p)))
#define LOAD32_16(p) _mm512_loadu_si512(p)

/* P pixels from x0 of an output row, blocks b0 .. b0 + NB - 1.  NB and P
 * are constants in each instance, so the accumulators stay in registers. */
#define HIDDEN_BLOCK(NB, P, SUF, EB, DOT)                                                                             \
    VNNI static void hidden_px_##NB##SUF(uint8_t *orow, const Plane *out, const uint8_t *const *rows, int x0,        \
                                         int np, const uint8_t *wp, const Block *bk, int b0, int kh, int G, int cb,   \
                                         __m512i hi)                                                                 \
    {                                                                                                               \
        __m512i acc[NB][P];                                                                                         \
        for (int b = 0; b < NB; b++)                                                                                \
            for (int p = 0; p < P; p++)                                                                             \
                acc[b][p] = bk[b0 + b].bias;                                                                        \
        for (int ky = 0; ky < kh; ky++) {                                                                           \
            const uint8_t *r = rows[ky] + (ptrdiff_t)x0 * cb;                                                       \
            const uint8_t *wk = wp + ((size_t)b0 * kh + ky) * G * 64;                                               \
            for (int g = 0; g < G; g++, r += 4, wk += 64) {                                                         \
                __m512i wv[NB];                                                                                     \
                for (int b = 0; b < NB; b++)                                                                        \
                    wv[b] = _mm512_load_si512(wk + (size_t)b * kh * G * 64);                                        \
                for (int p = 0; p < P; p++) {                                                                       \
                    int32_t a4;                                                                                     \
                    memcpy(&a4, r + (ptrdiff_t)p * cb, 4);                                                          \
                    const __m512i av = _mm512_set1_epi32(a4);                                                       \
                    for (int b = 0; b < NB; b++)                                                                    \
                        acc[b][p] = DOT(acc[b][p], av, wv[b]);                                                      \
                }                                                                                                   \
            }                                                                                                       \
        }                                                                                                           \
        for (int p = 0; p < np; p++)                                                                                \
            for (int b = 0; b < NB; b++) {                                                                          \
                const Block *k = &bk[b0 + b];                                                                       \
                const __m512i v = requant16(acc[b][p], k->mlo, k->mhi, k->slo, k->shi, k->rlo, k->rhi, hi);         \
                STORE##SUF(orow + (ptrdiff_t)(out->pad + x0 + p) * out->cb + (b0 + b) * 16 * EB, k->store, v);      \
            }                                                                                                       \
    }

#define ENGINE(SUF, EB, DOT)                                                                                          \
    HIDDEN_BLOCK(1, 12, SUF, EB, DOT)                                                                                 \
    HIDDEN_BLOCK(2, 12, SUF, EB, DOT)                                                                                 \
    HIDDEN_BLOCK(4, 6, SUF, EB, DOT)                                                                                  \
    VNNI static void hidden_row##SUF(uint8_t *orow, const Plane *out, const uint8_t *const *rows, int w,            \
                                     const uint8_t *wp, const Block *bk, const FixedLayer *l, int G, int32_t act_max) \
    {                                                                                                               \
        const int nb = (l->out_ch + 15) / 16, cb = l->in_ch * EB;                                                   \
        const __m512i hi = _mm512_set1_epi32(act_max);                                                              \
        int b = 0;                                                                                                  \
        for (; b + 4 <= nb; b += 4)                                                                                 \
            for (int x0 = 0; x0 < w; x0 += 6)                                                                       \
                hidden_px_4##SUF(orow, out, rows, x0, w - x0 < 6 ? w - x0 : 6, wp, bk, b, l->kh, G, cb, hi);        \
        for (; b + 2 <= nb; b += 2)                                                                                 \
            for (int x0 = 0; x0 < w; x0 += 12)                                                                      \
                hidden_px_2##SUF(orow, out, rows, x0, w - x0 < 12 ? w - x0 : 12, wp, bk, b, l->kh, G, cb, hi);      \
        for (; b < nb; b++)                                                                                         \
            for (int x0 = 0; x0 < w; x0 += 12)                                                                      \
                hidden_px_1##SUF(orow, out, rows, x0, w - x0 < 12 ? w - x0 : 12, wp, bk, b, l->kh, G, cb, hi);      \
    }                                                                                                               \
    VNNI static void last_row##SUF(uint8_t *dst, const uint8_t *const *rows, int w, const int16_t *wp, int K,       \
                                   const FixedLayer *l)                                                             \
    {                                                                                                               \
        const int cb = l->in_ch * EB;                                                                               \
        const int64_t bias = l->b[0], mult = l->mult[0], half = (int64_t)1 << (l->shift[0] - 1);                    \
        /* 8 pixels at a time: 8 independent chains of vpdpwssd (one       \
         * chain per pixel would wait on its latency) */                    \
        for (int x0 = 0; x0 < w; x0 += 8) {                                                                         \
            __m512i acc[8];                                                                                         \
            for (int p = 0; p < 8; p++)                                                                             \
                acc[p] = _mm512_setzero_si512();                                                                    \
            for (int ky = 0; ky < l->kh; ky++) {                                                                    \
                const uint8_t *r = rows[ky] + (ptrdiff_t)x0 * cb;                                                   \
                const int16_t *wk = wp + (size_t)ky * K * 32;                                                       \
                for (int k = 0; k < K; k++) {                                                                       \
                    const __m512i wv = _mm512_load_si512(wk + 32 * k);                                              \
                    for (int p = 0; p < 8; p++)                                                                     \
                        acc[p] = _mm512_dpwssd_epi32(acc[p], LOAD32##SUF(r + (ptrdiff_t)p * cb + 32 * EB * k), wv); \
                }                                                                                                   \
            }                                                                                                       \
            for (int p = 0; p < 8 && x0 + p < w; p++) {                                                             \
                const int64_t s = bias + _mm512_reduce_add_epi32(acc[p]);                                           \
                /* floor((s * mult + half) / 2^shift): >> of a negative int64 is                                    \
                 * arithmetic on every compiler this builds with (as vpsravq) */                                    \
                const int64_t v = (s * mult + half) >> l->shift[0];                                                 \
                dst[x0 + p] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);                                             \
            }                                                                                                       \
        }                                                                                                           \
    }

ENGINE(_8, 1, _mm512_dpbusd_epi32)
ENGINE(_16, 2, _mm512_dpwssd_epi32)

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
    return r->data + (ptrdiff_t)(y % r->rows) * r->stride;
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

typedef struct Net {
    const FixedModel *q;
    int w, h, eb, K, G[64];
    uint8_t *wh[64];
    Block *bk[64];
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
    if (r > nt->h - 1)
        r = nt->h - 1;
    for (; o->next <= r; o->next++) {
        const int y = o->next;
        uint8_t *row = ring_row(o, y);
        if (li == 0) {
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
            const FixedLayer *l = &q->layers[li - 1];
            const int py = l->kh / 2;
            ensure(nt, ring, li - 1, y + py);
            const uint8_t *rows[64];
            for (int ky = 0; ky < l->kh; ky++)
                rows[ky] = ring_in(&ring[li - 1], nt->zero, y + ky - py, nt->h, q->padding);
            /* the kernels write pixels (o->pad + x) * cb on */
            const Plane out = { .data = row, .cb = o->cb, .pad = o->pad };
            (nt->eb == 1 ? hidden_row_8 : hidden_row_16)(row, &out, rows, nt->w, nt->wh[li - 1], nt->bk[li - 1], l,
                                                         nt->G[li - 1], (int32_t)q->act_max);
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
static int sr_luma_words(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride, int w,
                         int h, const FixedModel *q)
{
    const int n = q->n_layers;
    Net nt = { .q = q, .w = w, .h = h, .eb = q->word_bits == 8 ? 1 : 2, .src = src, .src_stride = src_stride };
    int ret = 0, halo[65] = { 0 };
    /* halo[li]: how far above a thread's first output row ring li starts
     * (the kernel radii of layer li and the layers after it) */
    for (int li = n - 1; li >= 0; li--)
        halo[li] = halo[li + 1] + q->layers[li].kh / 2;
    nt.wl = pack_last(&q->layers[n - 1], &nt.K);
    ptrdiff_t zero_size = 0;
    for (int li = 0; li < n; li++) {
        const FixedLayer *l = &q->layers[li];
        const ptrdiff_t st = plane_stride(w, l->in_ch * nt.eb, l->kw / 2);
        zero_size = st > zero_size ? st : zero_size;
        if (li < n - 1) {
            nt.bk[li] = aligned_alloc(64, ((l->out_ch + 15) / 16) * sizeof(Block));
            if (!nt.bk[li] || !(nt.wh[li] = pack_hidden(l, nt.eb, &nt.G[li])))
                ret = -1;
            else
                make_blocks(nt.bk[li], l);
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
            ring[li].stride = plane_stride(w, ring[li].cb, ring[li].pad);
            ring[li].data = aligned_alloc(64, (size_t)ring[li].stride * ring[li].rows);
            failed |= !ring[li].data;
            ring[li].next = ya - halo[li] > 0 ? ya - halo[li] : 0;
        }
        const FixedLayer *last = &q->layers[n - 1];
        for (int y = ya; y < yb && !failed; y++) {
            ensure(&nt, ring, n - 1, y + last->kh / 2);
            const uint8_t *rows[64];
            for (int ky = 0; ky < last->kh; ky++)
                rows[ky] = ring_in(&ring[n - 1], zero, y + ky - last->kh / 2, h, q->padding);
            (nt.eb == 1 ? last_row_8 : last_row_16)(dst + (ptrdiff_t)y * dst_stride, rows, w, nt.wl, nt.K, last);
        }
        for (int li = 0; li < n; li++)
            free(ring[li].data);
    }
    for (int li = 0; li < n; li++) {
        free(nt.wh[li]);
        free(nt.bk[li]);
    }
    free(nt.wl);
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

static int sr_luma_words_entry(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride,
                               int w, int h, const FixedModel *q)
{
    if (!runs(q))
        return 1;
    return sr_luma_words(dst, dst_stride, src, src_stride, w, h, q);
}

void fixed_dsp_init_words_vnni(FsrFixedDSP *dsp)
{
    dsp->sr_luma_words = sr_luma_words_entry;
}
#endif
