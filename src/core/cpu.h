/* CPU features for run-time kernel selection.  Every kernel family has a
 * DSP context (a table of function pointers) that its init function fills
 * from these flags once: C versions first, then each ISA level the flags
 * allow overwrites what it does better.  Kernels never test flags. */
#ifndef FASTSR_SRC_CPU_H
#define FASTSR_SRC_CPU_H

#include "fastsr/common.h" /* the flags and fsr_cpu_flags() */

/* The ISA levels, lowest first; each includes the flags of those below it.
 * Names as FASTSR_CPU takes them. */
typedef struct FsrCpuLevel {
    const char *name;
    unsigned flags;
} FsrCpuLevel;

#define FSR_CPU_NB_LEVELS 5
extern const FsrCpuLevel fsr_cpu_levels[FSR_CPU_NB_LEVELS];

#endif
