/* What the command-line tools and the player share, built on the public API
 * only (it is not part of the library): clocks and number options. */
#ifndef FASTSR_TOOLUTIL_H
#define FASTSR_TOOLUTIL_H

/* Seconds on a monotonic clock: wall time of runs and stages. */
double tool_wall_seconds(void);
/* CPU seconds of the calling thread: kernel timings where waits for a
 * core must not count. */
double tool_thread_seconds(void);
/* CPU seconds of the whole process (all threads). */
double tool_process_seconds(void);

/* A whole decimal number in [lo, hi] (nothing else in s): 0 and *out set,
 * or -1. */
int tool_parse_long(const char *s, long lo, long hi, long *out);
int tool_parse_int(const char *s, int lo, int hi, int *out);

#endif
