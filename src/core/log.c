#include "log.h"

#include <stdio.h>
#include <string.h>


static _Thread_local char last_error[1024];

static void default_log(void *opaque, int level, const char *msg)
{
    (void)opaque;
    static const char *const names[] = { "error", "warning", "info", "debug" };
    if (level <= FSR_LOG_WARNING)
        fprintf(stderr, "fastsr: %s: %s\n", names[level], msg);
    else
        fprintf(stderr, "fastsr: %s\n", msg);
}

static FsrLogCallback log_cb = default_log;
static void *log_opaque;
static int log_level = FSR_LOG_WARNING;

const char *fsr_version(void) { return FASTSR_VERSION; }
const char *fsr_last_error(void) { return last_error; }

void fsr_set_log_callback(FsrLogCallback cb, void *opaque)
{
    log_cb = cb ? cb : default_log;
    log_opaque = opaque;
}

void fsr_set_log_level(int level) { log_level = level; }

int fsr_log_enabled(int level) { return level <= log_level; }

int fsr_error(int err, const char *fmt, ...)
{
    /* through a copy: callers add context to the last error with
     * fsr_error(e, "...: %s", fsr_last_error()) */
    char msg[sizeof(last_error)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    memcpy(last_error, msg, sizeof(msg));
    return err;
}

void fsr_log(int level, const char *fmt, ...)
{
    if (level > log_level)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_cb(log_opaque, level, msg);
}
