/* Internal logging and error recording. */
#ifndef FASTSR_SRC_LOG_H
#define FASTSR_SRC_LOG_H

#include "fastsr/common.h"

/* Records the calling thread's error line (see fsr_last_error) and returns
 * err, so failures read: return fsr_error(FSR_ERR(EINVAL), "...", ...); */
int fsr_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void fsr_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* 1 when messages of this level are shown (fsr_set_log_level). */
int fsr_log_enabled(int level);

#endif
