/* fastsr -o OUTDIR IN...: one run per input, each failure said and counted,
 * the others going on; a table at the end. */
#ifndef FASTSR_TOOLS_BATCH_H
#define FASTSR_TOOLS_BATCH_H

#include <signal.h>

#include "options.h"

/* Runs the batch o describes; returns the exit status (EXIT_OK when every
 * input succeeded or was skipped, EXIT_FAILED when any failed,
 * EXIT_INTERRUPTED when *cancel stopped it). */
int batch_run(CliOptions *o, volatile sig_atomic_t *cancel);

#endif
