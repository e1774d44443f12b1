/* The library's clocks, in seconds as doubles. */
#ifndef FASTSR_SRC_CLOCK_H
#define FASTSR_SRC_CLOCK_H

#include <time.h>

/* Wall-clock time on a monotonic clock: stage times in reports. */
static inline double clock_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU time of the calling thread: per-layer profiles, where a thread that
 * waits for a core must not be billed. */
static inline double clock_thread(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
