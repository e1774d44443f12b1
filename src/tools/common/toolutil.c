#include "toolutil.h"

#include <stdlib.h>
#include <time.h>

static double seconds_of(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double tool_wall_seconds(void)
{
    return seconds_of(CLOCK_MONOTONIC);
}

double tool_thread_seconds(void)
{
    return seconds_of(CLOCK_THREAD_CPUTIME_ID);
}

double tool_process_seconds(void)
{
    return seconds_of(CLOCK_PROCESS_CPUTIME_ID);
}

int tool_parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    const long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int tool_parse_int(const char *s, int lo, int hi, int *out)
{
    long v;
    if (tool_parse_long(s, lo, hi, &v) < 0)
        return -1;
    *out = (int)v;
    return 0;
}
