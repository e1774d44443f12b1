/* The fastsr tool's messages about one run. */
#ifndef FASTSR_TOOLS_MESSAGES_H
#define FASTSR_TOOLS_MESSAGES_H

#include <stdio.h>

#include "fastsr/fastsr.h"

/* "fastsr: error: PREFIXmessage" with what the command line can do about
 * it. */
void print_error(const FsrSettings *s, const FsrReport *r, const char *prefix);
/* --keep-going kept a damaged input's output: the damage is still said. */
void print_damage(const FsrSettings *s, const FsrReport *r);
/* "fastsr: LABEL: N frames WxH -> WxH ..." (and the accelerator's line). */
void print_done(const FsrSettings *s, const FsrReport *r, const char *label);

#endif
