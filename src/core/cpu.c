#include "cpu.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastsr/common.h"

unsigned fsr_cpu_flags(void)
{
    unsigned flags = 0;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        flags |= FSR_CPU_AVX2_FMA;
#endif
    const char *force = getenv("FASTSR_CPU");
    if (force && !strcmp(force, "c"))
        flags = 0;
    return flags;
}

void fsr_prefer_passive_threads(char **argv)
{
    if (!getenv("OMP_WAIT_POLICY") && setenv("OMP_WAIT_POLICY", "passive", 1) == 0)
        execv("/proc/self/exe", argv); /* returns only on failure: go on as we are */
}
