/* fastsr --segments (run_segments.c). */
#ifndef FASTSR_TOOLS_RUN_SEGMENTS_H
#define FASTSR_TOOLS_RUN_SEGMENTS_H

#include <signal.h>

#include "options.h"

/* Runs the job of o in segments; returns the exit status. */
int cli_run_segments(const CliOptions *o, volatile sig_atomic_t *interrupted);

#endif
