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
#include "cpu.h"
#include "fastsr/model.h"
#include "fastsr/sr.h"
#include "sr.h"

void bench_conv_usage(void)
{
    printf("  --conv [--size WxH] [--reps N] [--threads N,...] [--nets 9-1-5,9-5-5] [--tile WxH] [--no-dnnl]\n"
           "        SR engine speed per layer against the FMA peak and oneDNN (SRCNN 64/32 channels)\n");
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
#endif

/* GFLOP/s of all threads together.  Each thread times its own burst in
 * thread CPU time, so bursts that shared a core with another process still
 * measure the core itself; the best burst counts. */
static double fma_peak(int threads)
{
#if defined(__x86_64__)
    if (!(fsr_cpu_flags() & FSR_CPU_AVX2_FMA))
        return 0;
    const long iters = 4000000;
    double best = INFINITY;
    volatile float sink = 0;
    for (int rep = 0; rep < 25; rep++) {
        double slowest = 0;
#pragma omp parallel num_threads(threads)
        {
            struct timespec a, b;
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
            const float r = fma_loop(iters);
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
            const double dt = (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
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
    return 2.0 * 8 * 12 * (double)iters * threads / best * 1e-9;
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
    int k[3];
    if (sscanf(name, "%d-%d-%d", &k[0], &k[1], &k[2]) != 3) {
        fprintf(stderr, "fastsr-bench: network %s: expected three kernel sizes like 9-5-5\n", name);
        return -1;
    }
    const int ch[4] = { 1, 64, 32, 1 };
    if (fsr_model_create(m, "srcnn", 2, FSR_PAD_ZERO, 3, ch, k) < 0) {
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
    char nets[8][16];
    int n_nets;
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

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Returns total ms of the best run. */
static double bench_fastsr(const Options *o, const FsrModel *m, const uint8_t *in, uint8_t *out, int threads,
                           double peak)
{
    FsrSR *sr = NULL;
    if (fsr_sr_open(&sr, m, threads) < 0 || (o->tile_w && fsr_sr_set_tile(sr, o->tile_w, o->tile_h) < 0)) {
        fprintf(stderr, "fastsr-bench: %s\n", fsr_last_error());
        fsr_sr_close(&sr);
        return -1;
    }
    fsr_sr_luma(sr, out, o->w, in, o->w, o->w, o->h); /* warm up: page faults, caches */
    double best = INFINITY, best_cpu = INFINITY;
    for (int r = 0; r < o->reps; r++) {
        const double t0 = bench_now(), c0 = cpu_now();
        fsr_sr_luma(sr, out, o->w, in, o->w, o->w, o->h);
        const double dt = bench_now() - t0, dc = (cpu_now() - c0) / threads;
        if (dt < best)
            best = dt;
        if (dc < best_cpu)
            best_cpu = dc;
    }
    /* Split the best total over the layers by the thread CPU time each took
     * in a separate profiled run. */
    double sec[FSR_MODEL_MAX_LAYERS] = { 0 }, sum = 0;
    fsr_sr_profile(sr, sec);
    fsr_sr_luma(sr, out, o->w, in, o->w, o->w, o->h);
    fsr_sr_profile(sr, NULL);
    for (int i = 0; i < m->n_layers; i++)
        sum += sec[i];
    const double pixels = (double)o->w * o->h;
    for (int i = 0; i < m->n_layers; i++) {
        const FsrConvLayer *l = &m->layers[i];
        char name[16];
        snprintf(name, sizeof(name), "conv%d", i + 1);
        print_row(m->name, threads, "fastsr", name, best * 1e3 * sec[i] / sum, best_cpu * 1e3 * sec[i] / sum,
                  2.0 * pixels * l->in_ch * l->out_ch * l->kh * l->kw, peak);
    }
    print_row(m->name, threads, "fastsr", "total", best * 1e3, best_cpu * 1e3, 2.0 * pixels * (double)fsr_model_macs_per_pixel(m),
              peak);
    fsr_sr_close(&sr);
    return best * 1e3;
}

#ifdef FASTSR_HAVE_DNNL
#define DNNL_CHECK(call)                                                              \
    do {                                                                              \
        dnnl_status_t st_ = (call);                                                   \
        if (st_ != dnnl_success) {                                                    \
            fprintf(stderr, "fastsr-bench: oneDNN: %s failed (%d)\n", #call, (int)st_); \
            goto done;                                                                \
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

/* The same three layers as oneDNN primitives executed one after the other
 * (every layout left to oneDNN, with a reorder where two disagree, timed as
 * part of the layer that needs it; ReLU fused as a post-op; weights in
 * place before timing).  Returns total ms of the best run, -1 on failure. */
static double bench_dnnl(const Options *o, const FsrModel *m, int threads, double peak)
{
    double result = -1;
    const int L = m->n_layers;
    dnnl_engine_t eng = NULL;
    dnnl_stream_t stream = NULL;
    dnnl_primitive_t prim[FSR_MODEL_MAX_LAYERS] = { 0 };
    dnnl_primitive_t reorder[FSR_MODEL_MAX_LAYERS] = { 0 };
    dnnl_memory_t src[FSR_MODEL_MAX_LAYERS + 1] = { 0 }, wei[FSR_MODEL_MAX_LAYERS] = { 0 },
                  bia[FSR_MODEL_MAX_LAYERS] = { 0 }, conv_src[FSR_MODEL_MAX_LAYERS] = { 0 };
    omp_set_num_threads(threads);
    DNNL_CHECK(dnnl_engine_create(&eng, dnnl_cpu, 0));
    DNNL_CHECK(dnnl_stream_create(&stream, eng, dnnl_stream_default_flags));
    dnnl_memory_desc_t in_md;
    dnnl_dims_t in_dims = { 1, 1, o->h, o->w };
    DNNL_CHECK(dnnl_memory_desc_init_by_tag(&in_md, 4, in_dims, dnnl_f32, dnnl_nchw));
    DNNL_CHECK(dnnl_memory_create(&src[0], &in_md, eng, DNNL_MEMORY_ALLOCATE));
    fill_memory(src[0], 3);
    for (int i = 0; i < L; i++) {
        const FsrConvLayer *l = &m->layers[i];
        const dnnl_memory_desc_t *prev;
        DNNL_CHECK(dnnl_memory_get_memory_desc(src[i], &prev));
        dnnl_memory_desc_t s_md, w_md, b_md, d_md;
        dnnl_dims_t s_dims = { 1, l->in_ch, o->h, o->w };
        DNNL_CHECK(dnnl_memory_desc_init_by_tag(&s_md, 4, s_dims, dnnl_f32, dnnl_format_tag_any));
        dnnl_dims_t w_dims = { l->out_ch, l->in_ch, l->kh, l->kw }, b_dims = { l->out_ch },
                    d_dims = { 1, l->out_ch, o->h, o->w };
        DNNL_CHECK(dnnl_memory_desc_init_by_tag(&w_md, 4, w_dims, dnnl_f32, dnnl_format_tag_any));
        DNNL_CHECK(dnnl_memory_desc_init_by_tag(&b_md, 1, b_dims, dnnl_f32, dnnl_x));
        /* The last layer writes plain nchw, as an output plane would be. */
        DNNL_CHECK(dnnl_memory_desc_init_by_tag(&d_md, 4, d_dims, dnnl_f32,
                                                i + 1 < L ? dnnl_format_tag_any : dnnl_nchw));
        dnnl_convolution_desc_t cd;
        dnnl_dims_t strides = { 1, 1 }, pad = { l->kh / 2, l->kw / 2 };
        DNNL_CHECK(dnnl_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct,
                                                      &s_md, &w_md, &b_md, &d_md, strides, pad, pad));
        dnnl_primitive_attr_t attr;
        DNNL_CHECK(dnnl_primitive_attr_create(&attr));
        if (i + 1 < L) {
            dnnl_post_ops_t po;
            dnnl_post_ops_create(&po);
            dnnl_post_ops_append_eltwise(po, 1.f, dnnl_eltwise_relu, 0.f, 0.f);
            dnnl_primitive_attr_set_post_ops(attr, po);
            dnnl_post_ops_destroy(po);
        }
        dnnl_primitive_desc_t pd;
        dnnl_status_t st = dnnl_primitive_desc_create(&pd, &cd, attr, eng, NULL);
        dnnl_primitive_attr_destroy(attr);
        DNNL_CHECK(st);
        const char *impl = NULL;
        dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
        printf("# oneDNN conv%d implementation: %s\n", i + 1, impl ? impl : "?");
        const dnnl_memory_desc_t *want = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
        if (dnnl_memory_desc_equal(want, prev)) {
            conv_src[i] = src[i];
        } else {
            DNNL_CHECK(dnnl_memory_create(&conv_src[i], want, eng, DNNL_MEMORY_ALLOCATE));
            dnnl_primitive_desc_t rpd;
            DNNL_CHECK(dnnl_reorder_primitive_desc_create(&rpd, prev, eng, want, eng, NULL));
            st = dnnl_primitive_create(&reorder[i], rpd);
            dnnl_primitive_desc_destroy(rpd);
            DNNL_CHECK(st);
        }
        DNNL_CHECK(dnnl_memory_create(&wei[i], dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), eng,
                                      DNNL_MEMORY_ALLOCATE));
        DNNL_CHECK(dnnl_memory_create(&bia[i], &b_md, eng, DNNL_MEMORY_ALLOCATE));
        DNNL_CHECK(dnnl_memory_create(&src[i + 1], dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0), eng,
                                      DNNL_MEMORY_ALLOCATE));
        fill_memory(wei[i], 10 + i);
        fill_memory(bia[i], 20 + i);
        st = dnnl_primitive_create(&prim[i], pd);
        dnnl_primitive_desc_destroy(pd);
        DNNL_CHECK(st);
    }
    double best[FSR_MODEL_MAX_LAYERS + 1], best_cpu[FSR_MODEL_MAX_LAYERS + 1];
    for (int i = 0; i <= L; i++)
        best[i] = best_cpu[i] = INFINITY;
    for (int r = 0; r <= o->reps; r++) { /* run 0 warms up */
        double total = 0, total_cpu = 0;
        for (int i = 0; i < L; i++) {
            dnnl_exec_arg_t args[4] = { { DNNL_ARG_SRC, conv_src[i] }, { DNNL_ARG_WEIGHTS, wei[i] },
                                        { DNNL_ARG_BIAS, bia[i] }, { DNNL_ARG_DST, src[i + 1] } };
            const double t0 = bench_now(), c0 = cpu_now();
            if (reorder[i]) {
                dnnl_exec_arg_t rargs[2] = { { DNNL_ARG_FROM, src[i] }, { DNNL_ARG_TO, conv_src[i] } };
                DNNL_CHECK(dnnl_primitive_execute(reorder[i], stream, 2, rargs));
            }
            DNNL_CHECK(dnnl_primitive_execute(prim[i], stream, 4, args));
            DNNL_CHECK(dnnl_stream_wait(stream));
            const double dt = bench_now() - t0, dc = (cpu_now() - c0) / threads;
            total += dt;
            total_cpu += dc;
            if (r && dt < best[i])
                best[i] = dt;
            if (r && dc < best_cpu[i])
                best_cpu[i] = dc;
        }
        if (r && total < best[L])
            best[L] = total;
        if (r && total_cpu < best_cpu[L])
            best_cpu[L] = total_cpu;
    }
    const double pixels = (double)o->w * o->h;
    for (int i = 0; i < L; i++) {
        const FsrConvLayer *l = &m->layers[i];
        char name[16];
        snprintf(name, sizeof(name), "conv%d", i + 1);
        print_row(m->name, threads, "onednn", name, best[i] * 1e3, best_cpu[i] * 1e3,
                  2.0 * pixels * l->in_ch * l->out_ch * l->kh * l->kw, peak);
    }
    print_row(m->name, threads, "onednn", "total", best[L] * 1e3, best_cpu[L] * 1e3,
              2.0 * pixels * (double)fsr_model_macs_per_pixel(m), peak);
    result = best[L] * 1e3;
done:
    for (int i = 0; i < L; i++) {
        dnnl_primitive_destroy(prim[i]);
        if (reorder[i]) {
            dnnl_primitive_destroy(reorder[i]);
            dnnl_memory_destroy(conv_src[i]);
        }
        dnnl_memory_destroy(wei[i]);
        dnnl_memory_destroy(bia[i]);
    }
    for (int i = 0; i <= L; i++)
        dnnl_memory_destroy(src[i]);
    dnnl_stream_destroy(stream);
    dnnl_engine_destroy(eng);
    return result;
}
#endif

static int parse_options(Options *o, int argc, char **argv)
{
    memset(o, 0, sizeof(*o));
    o->w = 1920;
    o->h = 1080;
    o->reps = 3;
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
            if ((o->reps = atoi(v)) < 1 || o->reps > 1000)
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

    double peak[8];
    printf("# %dx%d luma, best of %d runs; GFLOP/s count 2 FLOP per multiply-accumulate of the network\n",
           o.w, o.h, o.reps);
    printf("# (useful work only: halo recomputation and padding count against the engine)\n");
    printf("# ms/frame: wall time; cpu-ms: process CPU time / threads (excludes time other processes\n"
           "# held the cores of this shared machine); %%peak columns: against the FMA peak below\n");
    for (int t = 0; t < o.n_threads; t++) {
        peak[t] = fma_peak(o.threads[t]);
        printf("# FMA peak, %d thread%s: %.1f GFLOP/s (12 independent 8-wide FMA chains per thread, thread CPU time)\n",
               o.threads[t], o.threads[t] > 1 ? "s" : "", peak[t]);
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
        for (int t = 0; t < o.n_threads; t++) {
            const double ms = bench_fastsr(&o, m, in, out, o.threads[t], peak[t]);
            if (ms < 0) {
                ret = 1;
                break;
            }
#ifdef FASTSR_HAVE_DNNL
            if (o.dnnl) {
                const double dms = bench_dnnl(&o, m, o.threads[t], peak[t]);
                if (dms > 0)
                    printf("%-6s %7d  oneDNN layer-by-layer / fastsr wall time: %.2fx\n", m->name, o.threads[t],
                           dms / ms);
            }
#endif
        }
        fsr_model_free(&m);
    }
#ifndef FASTSR_HAVE_DNNL
    printf("# built without oneDNN: no comparison\n");
#endif
    free(in);
    free(out);
    return ret;
}
