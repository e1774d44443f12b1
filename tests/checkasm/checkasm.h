/* checkasm: every entry of every kernel table against its C version, at
 * every ISA level this CPU has, on random inputs and edge sizes; --bench
 * times them.  A family's check function (one per file here) is called
 * once per level above C, fills its table for that level and for the one
 * below, and for each entry asks checkasm_func() whether this level brings
 * a version of its own; if so it compares, optionally benchmarks, and
 * reports. */
#ifndef FASTSR_CHECKASM_H
#define FASTSR_CHECKASM_H

#include <stddef.h>
#include <stdint.h>

#include "cpu.h"

/* The flags of the level under test and of the level below it. */
unsigned checkasm_flags(void);
unsigned checkasm_lower_flags(void);

/* Begins entry `name`: 1 when fn (this level's version) differs from prev
 * (the level below's), so that it is compared with ref (the C version);
 * else reports the entry skipped at this level and returns 0. */
int checkasm_func(const void *ref, const void *prev, const void *fn, const char *name);
/* Marks the current entry failed; the first few messages are printed. */
void checkasm_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Ends the current entry: prints ok or FAILED (and the timings when
 * benchmarked). */
void checkasm_report(void);

/* Random numbers of the run (--seed=N sets the seed). */
uint32_t checkasm_rand(void);
/* Uniform in [lo, hi]. */
int checkasm_rand_int(int lo, int hi);
float checkasm_rand_float(float lo, float hi);
void checkasm_fill_u8(uint8_t *p, size_t n);

/* Under --bench: ns per call of the C version and of this level's. */
int checkasm_benching(void);
uint64_t checkasm_ns(void);
void checkasm_set_bench(double ns_ref, double ns_new);

/* Runs call over and over for about 10 ms; ns: the time per call. */
#define CHECKASM_TIME(ns, call)                                                                                    \
    do {                                                                                                           \
        uint64_t n_ = 0, t_;                                                                                       \
        const uint64_t t0_ = checkasm_ns();                                                                        \
        do {                                                                                                       \
            for (int r_ = 0; r_ < 8; r_++) {                                                                       \
                call;                                                                                              \
            }                                                                                                      \
            n_ += 8;                                                                                               \
        } while ((t_ = checkasm_ns() - t0_) < 10000000u);                                                          \
        (ns) = (double)t_ / (double)n_;                                                                            \
    } while (0)

/* Times the C call and this level's call of the current entry under --bench. */
#define checkasm_bench(call_ref, call_new)                                                                         \
    do {                                                                                                           \
        if (checkasm_benching()) {                                                                                 \
            double ref_ns_, new_ns_;                                                                               \
            CHECKASM_TIME(ref_ns_, call_ref);                                                                      \
            CHECKASM_TIME(new_ns_, call_new);                                                                      \
            checkasm_set_bench(ref_ns_, new_ns_);                                                                  \
        }                                                                                                          \
    } while (0)

/* The families, one file each. */
void checkasm_check_bicubic(void);
void checkasm_check_hrmc(void);
void checkasm_check_h264_mc(void);
void checkasm_check_conv(void);
void checkasm_check_accel_sr(void);

#endif
