/* CPU features for run-time kernel selection.  Every kernel family has a
 * DSP context (a table of function pointers) that its init function fills
 * from these flags once: C versions first, then each ISA level the flags
 * allow overwrites what it does better.  Kernels never test flags. */
#ifndef FASTSR_SRC_CPU_H
#define FASTSR_SRC_CPU_H

enum {
    FSR_CPU_SSE2 = 1 << 0,     /* every x86-64 */
    FSR_CPU_AVX2_FMA = 1 << 1, /* AVX2 and FMA3 together */
};

/* The ISA levels, lowest first; each includes the flags of those below it.
 * Names as FASTSR_CPU takes them. */
typedef struct FsrCpuLevel {
    const char *name;
    unsigned flags;
} FsrCpuLevel;

#define FSR_CPU_NB_LEVELS 3
extern const FsrCpuLevel fsr_cpu_levels[FSR_CPU_NB_LEVELS];

/* Flags of this CPU, detected once, capped by the environment variable
 * FASTSR_CPU naming a level ("c" forces the plain C kernels, "sse2", "avx2"),
 * read at the first call: for tests and benchmarks. */
unsigned fsr_cpu_flags(void);

#endif
