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
#endif
    cpu_flags = flags & env_cap();
}

unsigned fsr_cpu_flags(void)
{
    pthread_once(&cpu_once, detect);
    return cpu_flags;
}

void fsr_prefer_passive_threads(char **argv)
{
    if (!getenv("OMP_WAIT_POLICY") && setenv("OMP_WAIT_POLICY", "passive", 1) == 0)
        execv("/proc/self/exe", argv); /* returns only on failure: go on as we are */
}
