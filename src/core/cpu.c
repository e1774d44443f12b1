#include "cpu.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastsr/common.h"

const FsrCpuLevel fsr_cpu_levels[FSR_CPU_NB_LEVELS] = {
    { "c", 0 },
    { "sse2", FSR_CPU_SSE2 },
    { "avx2", FSR_CPU_SSE2 | FSR_CPU_AVX2_FMA },
    { "avx512", FSR_CPU_SSE2 | FSR_CPU_AVX2_FMA | FSR_CPU_AVX512 },
    { "avx512vnni", FSR_CPU_SSE2 | FSR_CPU_AVX2_FMA | FSR_CPU_AVX512 | FSR_CPU_AVX512_VNNI },
};

static unsigned cpu_flags;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

/* The flags FASTSR_CPU allows: those of the level it names; all when it is
 * unset or names no level. */
static unsigned env_cap(void)
{
    const char *name = getenv("FASTSR_CPU");
    for (int i = 0; name && i < FSR_CPU_NB_LEVELS; i++)
        if (!strcmp(name, fsr_cpu_levels[i].name))
            return fsr_cpu_levels[i].flags;
    return ~0u;
}

static void detect(void)
{
    unsigned flags = 0;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("sse2"))
        flags |= FSR_CPU_SSE2;
    if ((flags & FSR_CPU_SSE2) && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        flags |= FSR_CPU_AVX2_FMA;
    /* libgcc sets the avx512* features only when XGETBV says the OS saves
     * the opmask and zmm state. */
    if ((flags & FSR_CPU_AVX2_FMA) && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
        flags |= FSR_CPU_AVX512;
    if ((flags & FSR_CPU_AVX512) && __builtin_cpu_supports("avx512vnni"))
        flags |= FSR_CPU_AVX512_VNNI;
#endif
    cpu_flags = flags & env_cap();
}

unsigned fsr_cpu_flags(void)
{
    pthread_once(&cpu_once, detect);
    return cpu_flags;
}

/* Why a restart and not a setenv: libgomp reads OMP_WAIT_POLICY (and
 * GOMP_SPINCOUNT) once, in its ELF constructor (initialize_env, env.c),
 * which the loader runs before any constructor of a program or library
 * that links libgomp.  A setenv in main or in the program's own
 * constructor(101) is too late; the spin counts it derives
 * (gomp_spin_count_var) are not exported, and OpenMP has no call that sets
 * the wait policy.  omp_pause_resource_all() is no substitute: libgomp
 * implements it by ending the pool's threads, so the next region starts
 * new ones.  Measured (GCC 12 libgomp, 100 two-thread regions each
 * followed by 5 ms of sleep, a test program not kept): CPU 0.69 s by
 * default, 0.72 s with setenv in main, 0.68 s with setenv in a constructor,
 * 0.89 s with omp_pause_resource_all after each region, 0.003 s with
 * OMP_WAIT_POLICY=passive (or GOMP_SPINCOUNT=0) in the environment at
 * exec.  So the variable must be in the environment when the process
 * starts: this re-exec, or a wrapper that sets it. */
void fsr_prefer_passive_threads(char **argv)
{
    if (!getenv("OMP_WAIT_POLICY") && setenv("OMP_WAIT_POLICY", "passive", 1) == 0)
        execv("/proc/self/exe", argv); /* returns only on failure: go on as we are */
}
