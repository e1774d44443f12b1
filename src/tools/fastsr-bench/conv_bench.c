/* fastsr-bench --conv: time the SR engine on SRCNN-shaped networks at
 * 1920x1080 and put the figures next to this machine's FMA peak, measured in
 * the same run, and next to oneDNN running the same layers one by one.
 * Random weights: speed does not depend on the values. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omp.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#ifdef FASTSR_HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#endif

#include "bench.h"
#include "fastsr/model.h"
#include "fastsr/sr.h"
#include "toolutil.h"

void bench_conv_usage(void)
{
    printf("  --conv [--size WxH] [--reps N] [--threads N,...] [--nets 9-1-5,9-5-5] [--tile WxH] [--no-dnnl]\n"
           "        [--precision fp32|int16|int8]\n"
           "        SR engine speed per layer against the FMA peak and oneDNN (SRCNN 64/32 channels);\n"
           "        best and median of N runs (default 5), fastsr and oneDNN alternating; a --nets entry\n"
           "        ending in .safetensors is that model file (FSRCNN/ESPCN: LR input, output at --size);\n"
           "        --precision int16/int8: the integer paths (SRCNN shapes), %%peak against the dot-product\n"
           "        peak of their words (vpdpwssd / vpdpbusd), totals only\n");
}

/* ---- FMA peak ---- */

#if defined(__x86_64__)
/* 12 independent accumulator chains: enough to cover FMA latency x ports
 * on current x86 cores.  Returns a value so the work is not optimised out. */
__attribute__((target("avx2,fma"), noinline)) static float fma_loop(long iters)
{
    __m256 a[12];
    const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < 12; i++)
        a[i] = _mm256_set1_ps((float)i);
    for (long n = 0; n < iters; n++)
        for (int i = 0; i < 12; i++)
            a[i] = _mm256_fmadd_ps(a[i], m, c);
    __m256 s = a[0];
    for (int i = 1; i < 12; i++)
        s = _mm256_add_ps(s, a[i]);
    float out[8];
    _mm256_storeu_ps(out, s);
    return out[0];
}

/* The same with 16-wide vectors and 24 chains (the 32 registers of
 * AVX-512 allow them; more chains cannot lower the figure). */
__attribute__((target("avx512f,fma"), noinline)) static float fma_loop512(long iters)
{
    __m512 a[24];
    const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < 24; i++)
        a[i] = _mm512_set1_ps((float)i);
    for (long n = 0; n < iters; n++) {
#pragma GCC unroll 24
        for (int i = 0; i < 24; i++)
            a[i] = _mm512_fmadd_ps(a[i], m, c);
    }
    __m512 s = a[0];
    for (int i = 1; i < 24; i++)
        s = _mm512_add_ps(s, a[i]);
    return _mm512_reduce_add_ps(s);
}

/* Integer dot products with AVX-512 VNNI, 24 chains: vpdpbusd (64
 * multiply-adds of bytes per instruction) or vpdpwssd (32 of 16-bit
 * words). */
enum { DOT_ITERS = 1000000 };

/* The count is a constant: with it a parameter, GCC kept the 24
 * accumulators in memory (2.2x lower figures). */
__attribute__((target("avx512f,avx512vnni"), noinline)) static float dot_loop512(int bytes)
{
    __m512i a[24];
    const __m512i x = _mm512_set1_epi32(0x01010101), y = _mm512_set1_epi32(0x00010001);
    for (int i = 0; i < 24; i++)
        a[i] = _mm512_set1_epi32(i);
    if (bytes)
        for (long n = 0; n < DOT_ITERS; n++) {
#pragma GCC unroll 24
            for (int i = 0; i < 24; i++)
                a[i] = _mm512_dpbusd_epi32(a[i], x, x);
        }
    else
        for (long n = 0; n < DOT_ITERS; n++) {
#pragma GCC unroll 24
            for (int i = 0; i < 24; i++)
                a[i] = _mm512_dpwssd_epi32(a[i], y, y);
        }
    __m512i s = a[0];
    for (int i = 1; i < 24; i++)
        s = _mm512_add_epi32(s, a[i]);
    return (float)_mm512_reduce_add_epi32(s);
}
#endif

#if defined(__x86_64__)
/* The instruction loops a peak is measured with; kind: 0 the AVX2 FMA, 1
 * the AVX-512 FMA (iters iterations), 2 vpdpwssd, 3 vpdpbusd (DOT_ITERS). */
static float peak_burst(int kind, long iters)
{
    return kind == 0 ? fma_loop(iters) : kind == 1 ? fma_loop512(iters) : dot_loop512(kind == 3);
}

/* The shortest of 25 bursts of iters iterations on all threads, in
 * seconds.  Each thread times its own burst in thread CPU time, so bursts
 * that shared a core with another process still measure the core itself;
 * a round lasts as long as its slowest thread. */
static double best_burst(int threads, int kind, long iters)
{
    double best = INFINITY;
    volatile float sink = 0;
    for (int rep = 0; rep < 25; rep++) {
        double slowest = 0;
#pragma omp parallel num_threads(threads)
        {
            const double t0 = tool_thread_seconds();
            const float r = peak_burst(kind, iters);
            const double dt = tool_thread_seconds() - t0;
#pragma omp critical
            {
                sink += r;
                if (dt > slowest)
                    slowest = dt;
            }
        }
        if (slowest < best)
            best = slowest;
    }
    (void)sink;
    return best;
}
#endif

/* Giga-operations per second (2 per multiply-add) of the integer dot
 * products of the precision's words, all threads; 0 without AVX-512 VNNI. */
static double dot_peak(int threads, int precision)
{
#if defined(__x86_64__)
    if (!(fsr_cpu_flags() & FSR_CPU_AVX512_VNNI))
        return 0;
    const int bytes = precision == FSR_PRECISION_INT8;
    return 2.0 * (bytes ? 64 : 32) * 24 * (double)DOT_ITERS * threads / best_burst(threads, 2 + bytes, DOT_ITERS) *
           1e-9;
#else
    (void)threads;
    (void)precision;
    return 0;
#endif
}

/* GFLOP/s of all threads together. */
static double fma_peak(int threads, int avx512)
{
#if defined(__x86_64__)
    /* no peak to compare with where the engine cannot use AVX2 and FMA:
     * not on this CPU, or FASTSR_CPU caps it at a lower level */
    if (!(fsr_cpu_flags() & FSR_CPU_AVX2_FMA) || (avx512 && !(fsr_cpu_flags() & FSR_CPU_AVX512)))
        return 0;
    const long iters = 4000000;
    return avx512 ? 2.0 * 16 * 24 * (double)(iters / 4) * threads / best_burst(threads, 1, iters / 4) * 1e-9
                  : 2.0 * 8 * 12 * (double)iters * threads / best_burst(threads, 0, iters) * 1e-9;
#else
    (void)threads;
    return 0;
#endif
}

/* ---- networks ---- */

static float frand(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (float)(*s >> 8) / 16777216.f - 0.5f;
}

static int make_net(FsrModel **m, const char *name)
{
    /* a model file (e.g. an FSRCNN): timed as it is, output at --size */
    const size_t len = strlen(name);
    if (len > 12 && !strcmp(name + len - 12, ".safetensors")) {
        if (fsr_model_open(m, name) < 0) {
            fprintf(stderr, "fastsr-bench: %s\n", fsr_last_error());
            return -1;
        }
        snprintf((*m)->name, sizeof((*m)->name), "%s-x%d", (*m)->arch, (*m)->scale);
        return 0;
    }
    int k[3];
    if (sscanf(name, "%d-%d-%d", &k[0], &k[1], &k[2]) != 3) {
        fprintf(stderr, "fastsr-bench: network %s: expected three kernel sizes like 9-5-5\n", name);
        return -1;
    }
    const int ch[4] = { 1, 64, 32, 1 };
    if (fsr_model_open_empty(m, "srcnn", 2, FSR_PAD_ZERO, 3, ch, k) < 0) {
        fprintf(stderr, "fastsr-bench: %s\n", fsr_last_error());
        return -1;
    }
    unsigned seed = 1;
    for (int i = 0; i < 3; i++) {
        FsrConvLayer *l = &(*m)->layers[i];
        const float a = 2.f / sqrtf((float)(l->in_ch * l->kh * l->kw));
        for (int j = 0; j < l->out_ch * l->in_ch * l->kh * l->kw; j++)
            l->weight[j] = a * frand(&seed);
        for (int j = 0; j < l->out_ch; j++)
            l->bias[j] = 0.1f * frand(&seed);
    }
    return 0;
}

typedef struct Options {
    int w, h, reps, n_threads, threads[8], tile_w, tile_h, dnnl;
    char nets[8][256];
    int n_nets;
    int precision; /* enum FsrPrecision */
} Options;

/* ms: best wall time; cpu_ms: best process CPU time / threads, which
 * leaves out the time other processes on this shared machine held our
 * cores (it includes OpenMP's spin-waiting, so it is not flattering). */
static void print_row(const char *net, int threads, const char *impl, const char *layer, double ms,
                      double cpu_ms, double flops, double peak)
{
    const double gf = flops / (ms * 1e-3) * 1e-9, gf_cpu = flops / (cpu_ms * 1e-3) * 1e-9;
    printf("%-6s %7d  %-7s %-6s %10.1f %9.1f %7.1f%% %10.1f %7.1f%%\n", net, threads, impl, layer, ms, gf,
           peak > 0 ? 100.0 * gf / peak : 0.0, cpu_ms, peak > 0 ? 100.0 * gf_cpu / peak : 0.0);
}

/* Times of the interleaved runs: wall and CPU seconds of each run, per
 * layer and in total (index n_layers). */
#define MAX_REPS 1000

typedef struct Runs {
    int n, layers;
    double *wall, *cpu; /* [run][layers + 1] */
} Runs;

static int runs_alloc(Runs *r, int reps, int layers)
{
    r->n = 0;
    r->layers = layers;
    r->wall = calloc((size_t)reps * (layers + 1), sizeof(double));
    r->cpu = calloc((size_t)reps * (layers + 1), sizeof(double));
    return r->wall && r->cpu ? 0 : -1;
}

/* Column i (a layer, or the total at i = layers) of the run being
 * recorded, run n. */
static void runs_put(Runs *r, int i, double wall, double cpu)
{
    r->wall[(size_t)r->n * (r->layers + 1) + i] = wall;
    r->cpu[(size_t)r->n * (r->layers + 1) + i] = cpu;
}

static void runs_free(Runs *r)
{
    free(r->wall);
    free(r->cpu);
    r->wall = r->cpu = NULL;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Best (q = 0) or median (q = 1) of column i over the runs. */
static double runs_stat(const Runs *r, const double *v, int i, int q)
{
    double t[MAX_REPS];
    for (int k = 0; k < r->n; k++)
        t[k] = v[(size_t)k * (r->layers + 1) + i];
    qsort(t, (size_t)r->n, sizeof(double), cmp_double);
    if (!q)
        return t[0];
    return r->n % 2 ? t[r->n / 2] : 0.5 * (t[r->n / 2 - 1] + t[r->n / 2]);
}

static double layer_flops(const FsrConvLayer *l, double pixels)
{
    return 2.0 * pixels * l->in_ch * l->out_ch * l->kh * l->kw;
}

/* ---- fastsr ---- */

static int fastsr_open(FsrSR **sr, const Options *o, const FsrModel *m, int threads)
{
    FsrSRSettings ss;
    fsr_sr_defaults(&ss);
    ss.threads = threads;
    fsr_sr_set_precision(&ss, o->precision);
    if (fsr_sr_open(sr, m, &ss) < 0 || (o->tile_w && fsr_sr_set_tile(*sr, o->tile_w, o->tile_h) < 0)) {
        fprintf(stderr, "fastsr-bench: %s\n", fsr_last_error());
        fsr_sr_close(sr);
        return -1;
    }
    return 0;
}

/* One frame: an LR-input model reads the LR plane (--size / scale) and
 * writes the --size output. */
static void run_luma(FsrSR *sr, const Options *o, const uint8_t *in, uint8_t *out)
{
    const int s = fsr_sr_lr_input(sr) > 0 ? fsr_sr_scale(sr) : 1;
    fsr_sr_luma(sr, out, o->w, in, o->w / s, o->w / s, o->h / s);
}

static void fastsr_run(FsrSR *sr, const Options *o, const uint8_t *in, uint8_t *out, int threads, Runs *r)
{
    const double t0 = tool_wall_seconds(), c0 = tool_process_seconds();
    run_luma(sr, o, in, out);
    runs_put(r, r->layers, tool_wall_seconds() - t0, (tool_process_seconds() - c0) / threads);
    r->n++;
}

/* Rows of the best run, split over the layers by the time each
 * took in a separate profiled run. */
static void fastsr_report(FsrSR *sr, const Options *o, const FsrModel *m, const uint8_t *in, uint8_t *out,
                          int threads, double peak, const Runs *r)
{
    double sec[FSR_MODEL_MAX_LAYERS] = { 0 }, sum = 0;
    const char *impl = o->precision == FSR_PRECISION_FP32 ? "fastsr" : fsr_sr_precision_name(o->precision);
    const double pixels = (double)o->w * o->h;
    const double flops = 2.0 * pixels * (double)fsr_model_macs_per_pixel(m);
    if (o->precision != FSR_PRECISION_FP32) { /* no per-layer profile in the fixed-point backend */
        print_row(m->name, threads, impl, "total", runs_stat(r, r->wall, m->n_layers, 0) * 1e3,
                  runs_stat(r, r->cpu, m->n_layers, 0) * 1e3, flops, peak);
        print_row(m->name, threads, impl, "median", runs_stat(r, r->wall, m->n_layers, 1) * 1e3,
                  runs_stat(r, r->cpu, m->n_layers, 1) * 1e3, flops, peak);
        return;
    }
    fsr_sr_profile(sr, sec);
    run_luma(sr, o, in, out);
    fsr_sr_profile(sr, NULL);
    for (int i = 0; i < m->n_layers; i++)
        sum += sec[i];
    /* the layers of an LR-input model run once per LR pixel */
    const double layer_pixels = m->input == FSR_INPUT_LR_Y ? pixels / (m->scale * m->scale) : pixels;
    const double best = runs_stat(r, r->wall, m->n_layers, 0), best_cpu = runs_stat(r, r->cpu, m->n_layers, 0);
    for (int i = 0; i < m->n_layers; i++) {
        char name[16];
        snprintf(name, sizeof(name), "conv%d", i + 1);
        print_row(m->name, threads, "fastsr", name, best * 1e3 * sec[i] / sum, best_cpu * 1e3 * sec[i] / sum,
                  layer_flops(&m->layers[i], layer_pixels), peak);
    }
    print_row(m->name, threads, "fastsr", "total", best * 1e3, best_cpu * 1e3, flops, peak);
    print_row(m->name, threads, "fastsr", "median", runs_stat(r, r->wall, m->n_layers, 1) * 1e3,
              runs_stat(r, r->cpu, m->n_layers, 1) * 1e3, flops, peak);
}

#ifdef FASTSR_HAVE_DNNL
/* ---- oneDNN ---- */

/* The same layers as oneDNN primitives executed one after the other (every
 * layout left to oneDNN, with a reorder where two disagree, timed as part of
 * the layer that needs it; ReLU fused as a post-op; weights in place before
 * timing). */
typedef struct DnnlNet {
    int layers, threads;
    dnnl_engine_t eng;
    dnnl_stream_t stream;
    dnnl_primitive_t prim[FSR_MODEL_MAX_LAYERS], reorder[FSR_MODEL_MAX_LAYERS];
    dnnl_memory_t src[FSR_MODEL_MAX_LAYERS + 1], wei[FSR_MODEL_MAX_LAYERS], bia[FSR_MODEL_MAX_LAYERS],
        conv_src[FSR_MODEL_MAX_LAYERS];
} DnnlNet;

#define DNNL_CHECK(call)                                                              \
    do {                                                                              \
        dnnl_status_t st_ = (call);                                                   \
        if (st_ != dnnl_success) {                                                    \
            fprintf(stderr, "fastsr-bench: oneDNN: %s failed (%d)\n", #call, (int)st_); \
            goto fail;                                                                \
        }                                                                             \
    } while (0)

static void fill_memory(dnnl_memory_t mem, unsigned seed)
{
    const dnnl_memory_desc_t *md;
    void *p;
    dnnl_memory_get_memory_desc(mem, &md);
    dnnl_memory_get_data_handle(mem, &p);
    const size_t n = dnnl_memory_desc_get_size(md) / sizeof(float);
    for (size_t i = 0; i < n; i++)
        ((float *)p)[i] = 0.1f * frand(&seed);
}

static void dnnl_net_close(DnnlNet *d)
{
    for (int i = 0; i < d->layers; i++) {
        dnnl_primitive_destroy(d->prim[i]);
        if (d->reorder[i]) {
            dnnl_primitive_destroy(d->reorder[i]);
            dnnl_memory_destroy(d->conv_src[i]);
        }
        dnnl_memory_destroy(d->wei[i]);
        dnnl_memory_destroy(d->bia[i]);
    }
    for (int i = 0; i <= d->layers; i++)
        dnnl_memory_destroy(d->src[i]);
    dnnl_stream_destroy(d->stream);
    dnnl_engine_destroy(d->eng);
    memset(d, 0, sizeof(*d));
}

static int dnnl_net_open(DnnlNet *d, const Options *o, const FsrModel *m, int threads, int verbose)
{
    memset(d, 0, sizeof(*d));
    d->layers = m->n_layers;
    d->threads = threads;
    /* oneDNN sizes its work split by the thread count at creation. */
    omp_set_num_threads(threads);
    DNNL_CHECK(dnnl_engine_create(&d->eng, dnnl_cpu, 0));
    DNNL_CHECK(dnnl_stream_create(&d->stream, d->eng, dnnl_stream_default_flags));
    dnnl_memory_desc_t in_md;
    dnnl_dims_t in_dims = { 1, 1, o->h, o->w };
    DNNL_CHECK(dnnl_memory_desc_init_by_tag(&in_md, 4, in_dims, dnnl_f32, dnnl_nchw));
    DNNL_CHECK(dnnl_memory_create(&d->src[0], &in_md, d->eng, DNNL_MEMORY_ALLOCATE));
    fill_memory(d->src[0], 3);
    for (int i = 0; i < d->layers; i++) {
        const FsrConvLayer *l = &m->layers[i];
        const dnnl_memory_desc_t *prev;
        DNNL_CHECK(dnnl_memory_get_memory_desc(d->src[i], &prev));
        dnnl_memory_desc_t s_md, w_md, b_md, d_md;
        dnnl_dims_t s_dims = { 1, l->in_ch, o->h, o->w };
        DNNL_CHECK(dnnl_memory_desc_init_by_tag(&s_md, 4, s_dims, dnnl_f32, dnnl_format_tag_any));
        dnnl_dims_t w_dims = { l->out_ch, l->in_ch, l->kh, l->kw }, b_dims = { l->out_ch },
                    d_dims = { 1, l->out_ch, o->h, o->w };
        DNNL_CHECK(dnnl_memory_desc_init_by_tag(&w_md, 4, w_dims, dnnl_f32, dnnl_format_tag_any));
        DNNL_CHECK(dnnl_memory_desc_init_by_tag(&b_md, 1, b_dims, dnnl_f32, dnnl_x));
        /* Every layer's output in the layout oneDNN prefers, the last too
         * (the protocol: dnnl_format_tag_any throughout).  Asked
         * for plain nchw, SRCNN's 32 -> 1 last layer fell to gemm:jit at
         * 1-2% of the peak (500-1000 ms per 1080p frame at 2 threads);
         * with its own layout it runs brgconv (about 170 cpu-ms, the one
         * output channel padded to a vector).  The copy of that layout to
         * an output plane is not timed. */
        DNNL_CHECK(dnnl_memory_desc_init_by_tag(&d_md, 4, d_dims, dnnl_f32, dnnl_format_tag_any));
        dnnl_convolution_desc_t cd;
        dnnl_dims_t strides = { 1, 1 }, pad = { l->kh / 2, l->kw / 2 };
        DNNL_CHECK(dnnl_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct,
                                                      &s_md, &w_md, &b_md, &d_md, strides, pad, pad));
        dnnl_primitive_attr_t attr;
        DNNL_CHECK(dnnl_primitive_attr_create(&attr));
        if (i + 1 < d->layers) {
            dnnl_post_ops_t po;
            dnnl_post_ops_create(&po);
            dnnl_post_ops_append_eltwise(po, 1.f, dnnl_eltwise_relu, 0.f, 0.f);
            dnnl_primitive_attr_set_post_ops(attr, po);
            dnnl_post_ops_destroy(po);
        }
        dnnl_primitive_desc_t pd;
        dnnl_status_t st = dnnl_primitive_desc_create(&pd, &cd, attr, d->eng, NULL);
        dnnl_primitive_attr_destroy(attr);
        DNNL_CHECK(st);
        const char *impl = NULL;
        dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
        if (verbose)
            printf("# oneDNN conv%d implementation: %s\n", i + 1, impl ? impl : "?");
        const dnnl_memory_desc_t *want = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
        if (dnnl_memory_desc_equal(want, prev)) {
            d->conv_src[i] = d->src[i];
        } else {
            DNNL_CHECK(dnnl_memory_create(&d->conv_src[i], want, d->eng, DNNL_MEMORY_ALLOCATE));
            dnnl_primitive_desc_t rpd;
            DNNL_CHECK(dnnl_reorder_primitive_desc_create(&rpd, prev, d->eng, want, d->eng, NULL));
            st = dnnl_primitive_create(&d->reorder[i], rpd);
            dnnl_primitive_desc_destroy(rpd);
            DNNL_CHECK(st);
        }
        DNNL_CHECK(dnnl_memory_create(&d->wei[i], dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0),
                                      d->eng, DNNL_MEMORY_ALLOCATE));
        DNNL_CHECK(dnnl_memory_create(&d->bia[i], &b_md, d->eng, DNNL_MEMORY_ALLOCATE));
        DNNL_CHECK(dnnl_memory_create(&d->src[i + 1], dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0),
                                      d->eng, DNNL_MEMORY_ALLOCATE));
        fill_memory(d->wei[i], 10 + i);
        fill_memory(d->bia[i], 20 + i);
        st = dnnl_primitive_create(&d->prim[i], pd);
        dnnl_primitive_desc_destroy(pd);
        DNNL_CHECK(st);
    }
    return 0;
fail:
    dnnl_net_close(d);
    return -1;
}

/* One run of all layers; r == NULL warms up. */
static int dnnl_net_run(DnnlNet *d, Runs *r)
{
    omp_set_num_threads(d->threads);
    double total = 0, total_cpu = 0;
    for (int i = 0; i < d->layers; i++) {
        dnnl_exec_arg_t args[4] = { { DNNL_ARG_SRC, d->conv_src[i] }, { DNNL_ARG_WEIGHTS, d->wei[i] },
                                    { DNNL_ARG_BIAS, d->bia[i] }, { DNNL_ARG_DST, d->src[i + 1] } };
        const double t0 = tool_wall_seconds(), c0 = tool_process_seconds();
        if (d->reorder[i]) {
            dnnl_exec_arg_t rargs[2] = { { DNNL_ARG_FROM, d->src[i] }, { DNNL_ARG_TO, d->conv_src[i] } };
            DNNL_CHECK(dnnl_primitive_execute(d->reorder[i], d->stream, 2, rargs));
        }
        DNNL_CHECK(dnnl_primitive_execute(d->prim[i], d->stream, 4, args));
        DNNL_CHECK(dnnl_stream_wait(d->stream));
        const double dt = tool_wall_seconds() - t0, dc = (tool_process_seconds() - c0) / d->threads;
        total += dt;
        total_cpu += dc;
        if (r)
            runs_put(r, i, dt, dc);
    }
    if (r) {
        runs_put(r, r->layers, total, total_cpu);
        r->n++;
    }
    return 0;
fail:
    return -1;
}

static void dnnl_report(const Options *o, const FsrModel *m, int threads, double peak, const Runs *r)
{
    const double pixels = (double)o->w * o->h;
    for (int i = 0; i < m->n_layers; i++) {
        char name[16];
        snprintf(name, sizeof(name), "conv%d", i + 1);
        print_row(m->name, threads, "onednn", name, runs_stat(r, r->wall, i, 0) * 1e3,
                  runs_stat(r, r->cpu, i, 0) * 1e3, layer_flops(&m->layers[i], pixels), peak);
    }
    const double flops = 2.0 * pixels * (double)fsr_model_macs_per_pixel(m);
    const int L = m->n_layers;
    print_row(m->name, threads, "onednn", "total", runs_stat(r, r->wall, L, 0) * 1e3,
              runs_stat(r, r->cpu, L, 0) * 1e3, flops, peak);
    print_row(m->name, threads, "onednn", "median", runs_stat(r, r->wall, L, 1) * 1e3,
              runs_stat(r, r->cpu, L, 1) * 1e3, flops, peak);
}
#endif

/* One network at one thread count: fastsr and oneDNN runs alternate, so
 * both see the same load from the other users of this shared machine. */
static int bench_net(const Options *o, const FsrModel *m, const uint8_t *in, uint8_t *out, int threads, double peak,
                     double dpeak, int first)
{
    FsrSR *sr = NULL;
    Runs fr = { 0 };
    int ret = -1;
#ifdef FASTSR_HAVE_DNNL
    DnnlNet dn = { 0 };
    Runs dr = { 0 };
    /* oneDNN runs the SRCNN shape only */
    const int dnnl = o->dnnl && m->input == FSR_INPUT_BICUBIC_Y && fsr_model_layer_act(m, 0) == FSR_ACT_RELU;
#else
    (void)first;
#endif
    if (fastsr_open(&sr, o, m, threads) < 0)
        return -1;
    if (runs_alloc(&fr, o->reps, m->n_layers) < 0)
        goto oom;
#ifdef FASTSR_HAVE_DNNL
    if (dnnl && (runs_alloc(&dr, o->reps, m->n_layers) < 0))
        goto oom;
    if (dnnl && dnnl_net_open(&dn, o, m, threads, first) < 0)
        goto done;
    if (dnnl && dnnl_net_run(&dn, NULL) < 0) /* warm up */
        goto done;
#endif
    run_luma(sr, o, in, out); /* warm up: page faults, caches */
    for (int k = 0; k < o->reps; k++) {
        fastsr_run(sr, o, in, out, threads, &fr);
#ifdef FASTSR_HAVE_DNNL
        if (dnnl && dnnl_net_run(&dn, &dr) < 0)
            goto done;
#endif
    }
    fastsr_report(sr, o, m, in, out, threads, o->precision != FSR_PRECISION_FP32 ? dpeak : peak, &fr);
#ifdef FASTSR_HAVE_DNNL
    if (dnnl) {
        const int L = m->n_layers;
        dnnl_report(o, m, threads, peak, &dr);
        printf("%-6s %7d  oneDNN layer-by-layer / fastsr wall time: %.2fx best, %.2fx median\n", m->name, threads,
               runs_stat(&dr, dr.wall, L, 0) / runs_stat(&fr, fr.wall, L, 0),
               runs_stat(&dr, dr.wall, L, 1) / runs_stat(&fr, fr.wall, L, 1));
    }
#endif
    ret = 0;
    goto done;
oom:
    fprintf(stderr, "fastsr-bench: out of memory\n");
done:
#ifdef FASTSR_HAVE_DNNL
    if (dn.eng)
        dnnl_net_close(&dn);
    runs_free(&dr);
#endif
    runs_free(&fr);
    fsr_sr_close(&sr);
    return ret;
}

static int parse_options(Options *o, int argc, char **argv)
{
    memset(o, 0, sizeof(*o));
    o->w = 1920;
    o->h = 1080;
    o->reps = 5;
    o->dnnl = 1;
    o->n_threads = 2;
    o->threads[0] = 1;
    o->threads[1] = 2;
    o->n_nets = 2;
    strcpy(o->nets[0], "9-1-5");
    strcpy(o->nets[1], "9-5-5");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-dnnl")) {
            o->dnnl = 0;
            continue;
        }
        if (!v) {
            fprintf(stderr, "fastsr-bench --conv: %s needs a value\n", a);
            return -1;
        }
        i++;
        if (!strcmp(a, "--size")) {
            if (sscanf(v, "%dx%d", &o->w, &o->h) != 2 || o->w < 16 || o->h < 16 || o->w > 8192 || o->h > 8192)
                goto bad;
        } else if (!strcmp(a, "--tile")) {
            if (sscanf(v, "%dx%d", &o->tile_w, &o->tile_h) != 2 || o->tile_w < 8 || o->tile_h < 1)
                goto bad;
        } else if (!strcmp(a, "--reps")) {
            if ((o->reps = atoi(v)) < 1 || o->reps > MAX_REPS)
                goto bad;
        } else if (!strcmp(a, "--threads")) {
            o->n_threads = 0;
            for (const char *p = v; *p && o->n_threads < 8;) {
                const int t = atoi(p);
                if (t < 1 || t > 256)
                    goto bad;
                o->threads[o->n_threads++] = t;
                p = strchr(p, ',');
                p = p ? p + 1 : "";
            }
        } else if (!strcmp(a, "--precision")) {
            if ((o->precision = fsr_sr_precision_parse(v)) < 0)
                goto bad;
        } else if (!strcmp(a, "--nets")) {
            o->n_nets = 0;
            for (const char *p = v; *p && o->n_nets < 8;) {
                size_t n = strcspn(p, ",");
                if (n == 0 || n >= sizeof(o->nets[0]))
                    goto bad;
                memcpy(o->nets[o->n_nets], p, n);
                o->nets[o->n_nets++][n] = 0;
                p += n + (p[n] == ',');
            }
        } else {
            fprintf(stderr, "fastsr-bench --conv: unknown option %s\n", a);
            return -1;
        }
        continue;
bad:
        fprintf(stderr, "fastsr-bench --conv: bad value %s for %s\n", v, a);
        return -1;
    }
    return 0;
}

int bench_conv(int argc, char **argv)
{
    Options o;
    if (parse_options(&o, argc, argv) < 0)
        return 2;
    const size_t n = (size_t)o.w * o.h;
    uint8_t *in = malloc(n), *out = malloc(n);
    if (!in || !out) {
        fprintf(stderr, "fastsr-bench: out of memory\n");
        free(in);
        free(out);
        return 1;
    }
    unsigned seed = 7;
    for (size_t i = 0; i < n; i++)
        in[i] = (uint8_t)(128 + 200 * frand(&seed));

    double peak[8], dpeak[8] = { 0 };
    printf("# %dx%d luma, %d runs each, fastsr and oneDNN alternating; rows give the best run, 'median' the\n"
           "# median total (this machine is shared: other users' load moves single runs by 10-20%%)\n",
           o.w, o.h, o.reps);
    printf("# GFLOP/s count 2 FLOP per multiply-accumulate of the network\n");
    printf("# (useful work only: halo recomputation and padding count against the engine)\n");
    {
        const char *e = getenv("FASTSR_WINOGRAD");
        if (e && !strcmp(e, "0"))
            printf("# fp32 engine: every layer by direct convolution (FASTSR_WINOGRAD=0)\n");
        else
            printf("# fp32 engine: by Winograd along rows: F(4,5) for 5-wide layers with 8k inputs and 32k outputs\n"
                   "#   (9-5-5's conv2, 2.5x fewer multiplies) and single-channel 4n+1-wide (>= 9) first layers "
                   "with 32k\n"
                   "#   outputs before a Winograd layer (9-5-5's conv1, 2.4x fewer); F(8,9) for a single-channel "
                   "9-wide\n"
                   "#   one before a direct layer (9-1-5's conv1, 4.5x fewer%s): their GFLOP/s and %%peak count\n"
                   "#   the network's MACs and can pass 100%% (FASTSR_WINOGRAD=0: direct)\n",
                   e && !strcmp(e, "f45") ? "; FASTSR_WINOGRAD=f45: by F(4,5) instead" : "");
    }
    printf("# ms/frame: wall time; cpu-ms: process CPU time / threads (excludes time other processes\n"
           "# held the cores of this shared machine); %%peak columns: against the FMA peak below\n");
    /* The engine's fp32 kernels are those of the widest level it runs
     * (FASTSR_CPU caps it): its %peak is against that level's peak. */
    const int wide = !!(fsr_cpu_flags() & FSR_CPU_AVX512);
    for (int t = 0; t < o.n_threads; t++) {
        const double p256 = fma_peak(o.threads[t], 0), p512 = wide ? fma_peak(o.threads[t], 1) : 0;
        peak[t] = wide ? p512 : p256;
        printf("# FMA peak, %d thread%s: AVX2 %.1f GFLOP/s (12 independent 8-wide FMA chains per thread, thread CPU\n"
               "#   time)",
               o.threads[t], o.threads[t] > 1 ? "s" : "", p256);
        if (wide)
            printf(", AVX-512 %.1f GFLOP/s (24 16-wide chains)", p512);
        printf("; %%peak against %s\n", wide ? "AVX-512 (the engine's level)" : "AVX2");
        if (o.precision != FSR_PRECISION_FP32) {
            const double dp = dot_peak(o.threads[t], o.precision);
            printf("# %s dot-product peak, %d thread%s: %.1f GOP/s (24 chains of %s); the %s rows' %%peak against "
                   "it (0 without AVX-512 VNNI)\n",
                   fsr_sr_precision_name(o.precision), o.threads[t], o.threads[t] > 1 ? "s" : "", dp,
                   o.precision == FSR_PRECISION_INT8 ? "vpdpbusd" : "vpdpwssd", fsr_sr_precision_name(o.precision));
            dpeak[t] = dp;
        }
    }
    printf("%-6s %7s  %-7s %-6s %10s %9s %8s %10s %8s\n", "net", "threads", "impl", "layer", "ms/frame", "GFLOP/s",
           "%peak", "cpu-ms", "%peak");
    int ret = 0;
    for (int k = 0; k < o.n_nets && !ret; k++) {
        FsrModel *m = NULL;
        if (make_net(&m, o.nets[k]) < 0) {
            ret = 1;
            break;
        }
        for (int t = 0; t < o.n_threads && !ret; t++)
            if (bench_net(&o, m, in, out, o.threads[t], peak[t], dpeak[t], t == 0) < 0)
                ret = 1;
        fsr_model_close(&m);
    }
#ifndef FASTSR_HAVE_DNNL
    printf("# built without oneDNN: no comparison\n");
#endif
    free(in);
    free(out);
    return ret;
}
