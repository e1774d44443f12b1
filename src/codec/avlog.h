/* libav* messages and errors (codec/avlog.c). */
#ifndef FASTSR_SRC_AVLOG_H
#define FASTSR_SRC_AVLOG_H

#include <stdarg.h>

/* libav* messages: fastsr installs one process-wide av_log callback.  A
 * module that must read a codec context's own log lines (the H.264
 * macroblock-type table) registers a handler for that context; every other
 * message goes to fastsr's log at its level (FFmpeg's chatter is shown only
 * at FSR_LOG_DEBUG).  Thread-safe. */
typedef void (*FsrAvLogHandler)(void *opaque, int av_level, const char *fmt, va_list vl);
void fsr_avlog_install(void);
int fsr_avlog_register(const void *avcl, FsrAvLogHandler handler, void *opaque);
void fsr_avlog_unregister(const void *avcl);

/* Text of a libav* error code. */
const char *fsr_av_err2str(int averr, char *buf, int size);

#endif
