/* CPU feature detection for run-time kernel selection. */
#ifndef FASTSR_SRC_CPU_H
#define FASTSR_SRC_CPU_H

enum {
    FSR_CPU_AVX2_FMA = 1 << 0, /* AVX2 and FMA3 together */
};

/* Flags of this CPU, masked by the environment variable FASTSR_CPU=c
 * (forces the plain C kernels, for tests and benchmarks). */
unsigned fsr_cpu_flags(void);

#endif
