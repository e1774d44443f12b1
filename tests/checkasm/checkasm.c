/* The checkasm harness: levels, reporting, random numbers, timing.
 *   checkasm [--test=FAMILY] [--bench] [--seed=N]
 * Exit status: 1 when an entry failed, 77 (ctest's skip) when nothing could
 * be compared (no SIMD level on this CPU, or FASTSR_CPU=c), else 0.  Levels
 * this CPU lacks and entries without a version at a level are reported as
 * skipped, never failed. */
#include "checkasm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct {
    const char *name;
    void (*check)(void);
} families[] = {
    { "bicubic", checkasm_check_bicubic }, { "hrmc", checkasm_check_hrmc },
    { "h264_mc", checkasm_check_h264_mc }, { "conv", checkasm_check_conv },
    { "accel_sr", checkasm_check_accel_sr },
};

static struct {
    const char *family;
    int level;
    int bench;
    uint32_t rng;
    /* the current entry */
    const char *entry;
    int entry_failed, entry_msgs;
    double ns_ref, ns_new;
    /* the run */
    int compared, failed, skipped;
} st;

unsigned checkasm_flags(void)
{
    return fsr_cpu_levels[st.level].flags;
}

unsigned checkasm_lower_flags(void)
{
    return fsr_cpu_levels[st.level - 1].flags;
}

static void line(const char *entry, const char *what)
{
    printf("%-9s %-18s %-10s %s\n", st.family, entry, fsr_cpu_levels[st.level].name, what);
}

int checkasm_func(const void *ref, const void *prev, const void *fn, const char *name)
{
    st.entry = name;
    st.entry_failed = st.entry_msgs = 0;
    st.ns_ref = st.ns_new = 0;
    if (fn != prev && fn != ref)
        return 1;
    char why[64];
    snprintf(why, sizeof(why), "skipped (no %s version)", fsr_cpu_levels[st.level].name);
    line(name, why);
    st.skipped++;
    return 0;
}

void checkasm_fail(const char *fmt, ...)
{
    st.entry_failed = 1;
    if (st.entry_msgs++ >= 5)
        return;
    va_list ap;
    va_start(ap, fmt);
    printf("  %s.%s %s: ", st.family, st.entry, fsr_cpu_levels[st.level].name);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

void checkasm_report(void)
{
    char what[128];
    if (st.ns_new > 0)
        snprintf(what, sizeof(what), "%-6s c %10.1f ns  %s %10.1f ns  x%.2f", st.entry_failed ? "FAILED" : "ok",
                 st.ns_ref, fsr_cpu_levels[st.level].name, st.ns_new, st.ns_ref / st.ns_new);
    else
        snprintf(what, sizeof(what), "%s", st.entry_failed ? "FAILED" : "ok");
    line(st.entry, what);
    st.compared++;
    st.failed += st.entry_failed;
}

uint32_t checkasm_rand(void)
{
    /* xorshift32 */
    st.rng ^= st.rng << 13;
    st.rng ^= st.rng >> 17;
    st.rng ^= st.rng << 5;
    return st.rng;
}

int checkasm_rand_int(int lo, int hi)
{
    return lo + (int)(checkasm_rand() % (uint32_t)(hi - lo + 1));
}

float checkasm_rand_float(float lo, float hi)
{
    return lo + (hi - lo) * (float)(checkasm_rand() >> 8) / 16777216.f;
}

void checkasm_fill_u8(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)checkasm_rand();
}

int checkasm_benching(void)
{
    return st.bench;
}

uint64_t checkasm_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void checkasm_set_bench(double ns_ref, double ns_new)
{
    st.ns_ref = ns_ref;
    st.ns_new = ns_new;
}

int main(int argc, char **argv)
{
    const char *only = NULL;
    uint32_t seed = 0x5eed1234u;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--bench"))
            st.bench = 1;
        else if (!strncmp(argv[i], "--test=", 7))
            only = argv[i] + 7;
        else if (!strncmp(argv[i], "--seed=", 7))
            seed = (uint32_t)strtoul(argv[i] + 7, NULL, 0);
        else {
            fprintf(stderr, "usage: %s [--test=FAMILY] [--bench] [--seed=N]\n", argv[0]);
            return 2;
        }
    }
    const unsigned flags = fsr_cpu_flags();
    /* The levels compared with C here, and those skipped (the CPU lacks
     * them, or FASTSR_CPU caps below them). */
    char ran[128] = "", skipped[128] = "";
    for (int l = 1; l < FSR_CPU_NB_LEVELS; l++) {
        char *to = (flags & fsr_cpu_levels[l].flags) == fsr_cpu_levels[l].flags ? ran : skipped;
        strncat(to, " ", sizeof(ran) - strlen(to) - 1);
        strncat(to, fsr_cpu_levels[l].name, sizeof(ran) - strlen(to) - 1);
    }
    printf("checkasm: seed %u, levels run:%s, skipped:%s\n", seed, *ran ? ran : " none", *skipped ? skipped : " none");
    int found = 0;
    for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
        if (only && strcmp(only, families[f].name))
            continue;
        found = 1;
        st.family = families[f].name;
        for (st.level = 1; st.level < FSR_CPU_NB_LEVELS; st.level++) {
            const unsigned need = fsr_cpu_levels[st.level].flags;
            if ((flags & need) != need) {
                line("*", "skipped (not on this CPU, or capped by FASTSR_CPU)");
                st.skipped++;
                continue;
            }
            st.rng = seed ^ (uint32_t)(f * 7919 + st.level * 104729);
            families[f].check();
        }
    }
    if (!found) {
        fprintf(stderr, "checkasm: no family '%s'\n", only);
        return 2;
    }
    printf("checkasm: %d compared, %d failed, %d skipped; levels run:%s, skipped:%s\n", st.compared, st.failed,
           st.skipped, *ran ? ran : " none", *skipped ? skipped : " none");
    if (st.failed)
        return 1;
    return st.compared ? 0 : 77;
}
