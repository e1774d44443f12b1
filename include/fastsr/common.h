/* Errors, logging and version: shared by every part of the public API. */
#ifndef FASTSR_COMMON_H
#define FASTSR_COMMON_H

#include <errno.h>
#include <stdarg.h>

#define FSR_API __attribute__((visibility("default")))

/* Errors are negative errno values, as in dav1d. */
#define FSR_ERR(e) (-(e))
/* Input not decodable / not supported (fastsr-specific, outside errno). */
#define FSR_ERR_INVALIDDATA (-0x46535201)
#define FSR_ERR_UNSUPPORTED (-0x46535202)

FSR_API const char *fsr_version(void);

/* Every failing public call records one human-readable line describing what
 * went wrong (naming the file when there is one); this returns it for the
 * calling thread, or "" when nothing failed yet. */
FSR_API const char *fsr_last_error(void);

enum FsrLogLevel {
    FSR_LOG_ERROR = 0,
    FSR_LOG_WARNING = 1,
    FSR_LOG_INFO = 2,
    FSR_LOG_DEBUG = 3,
};

/* The instruction-set levels the library's kernels use (flags of
 * fsr_cpu_flags); each level includes the ones below it. */
enum {
    FSR_CPU_SSE2 = 1 << 0,     /* every x86-64 */
    FSR_CPU_AVX2_FMA = 1 << 1, /* AVX2 and FMA3 together */
    FSR_CPU_AVX512 = 1 << 2,   /* AVX-512 F, BW, VL and DQ together (with OS support for the zmm state) */
    FSR_CPU_AVX512_VNNI = 1 << 3, /* AVX-512 VNNI (vpdpwssd, vpdpbusd) */
};

/* Flags of this CPU as the library's kernels use them: detected once, and
 * capped by the environment variable FASTSR_CPU naming a level ("c" forces
 * the plain C kernels, "sse2", "avx2", "avx512", "avx512vnni"), read at the
 * first call.  Programs
 * with kernels of their own ask here so that one variable caps them all. */
FSR_API unsigned fsr_cpu_flags(void);

/* For programs: restarts the process once (execv of /proc/self/exe with the
 * same argv) with OMP_WAIT_POLICY=passive unless the variable is set.
 * libgomp's default lets idle OpenMP threads spin at barriers, which starves
 * the decoder, encoder and display threads on a 2-core machine (measured:
 * twice the wall time of a fast-mode run); libgomp reads the policy only
 * when it loads, hence the restart.  Returns only if it did not restart. */
FSR_API void fsr_prefer_passive_threads(char **argv);

/* Log sink for warnings and information.  The default prints
 * "fastsr: warning: ..." to stderr for levels up to the current level. */
typedef void (*FsrLogCallback)(void *opaque, int level, const char *msg);
FSR_API void fsr_set_log_callback(FsrLogCallback cb, void *opaque);
FSR_API void fsr_set_log_level(int level);

#endif
