/* The library's clocks, in seconds as doubles. */
#ifndef FASTSR_SRC_CLOCK_H
#define FASTSR_SRC_CLOCK_H

#include <time.h>

/* Wall-clock time on a monotonic clock: stage times in reports, and the
 * SR engine's per-layer profile (fsr_sr_profile). */
static inline double clock_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
