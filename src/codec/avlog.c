/* libav* logging and errors: fastsr installs one process-wide av_log
 * callback that routes FFmpeg's messages into fastsr's log (core/log.c).
 * Kept out of core so that the SR engine and the accelerator model do not
 * depend on FFmpeg. */
#include "avlog.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/error.h>
#include <libavutil/log.h>

#include "log.h"

const char *fsr_av_err2str(int averr, char *buf, int size)
{
    if (av_strerror(averr, buf, size) < 0)
        snprintf(buf, size, "error %d", averr);
    return buf;
}

/* ---- av_log routing ---- */

#define MAX_AVLOG_HANDLERS 64
/* The lookup runs for every av_log call (the macroblock-type table alone
 * makes several thousand per frame), so it takes no lock: a slot's handler
 * and opaque are written before its avcl is published (release), and read
 * only after avcl matched (acquire).  A context is registered, used and
 * unregistered by one thread at a time, so a slot never changes under the
 * one thread that can match it; registration itself is serialised. */
static struct {
    _Atomic(const void *) avcl;
    FsrAvLogHandler handler;
    void *opaque;
} avlog_handlers[MAX_AVLOG_HANDLERS];
static pthread_mutex_t avlog_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t avlog_once = PTHREAD_ONCE_INIT;

static void avlog_callback(void *avcl, int level, const char *fmt, va_list vl)
{
    FsrAvLogHandler handler = NULL;
    void *opaque = NULL;
    if (avcl) {
        for (int i = 0; i < MAX_AVLOG_HANDLERS; i++)
            if (atomic_load_explicit(&avlog_handlers[i].avcl, memory_order_acquire) == avcl) {
                handler = avlog_handlers[i].handler;
                opaque = avlog_handlers[i].opaque;
                break;
            }
    }
    if (handler) {
        handler(opaque, level, fmt, vl);
        return;
    }
    /* FFmpeg's own messages (decode errors on corrupt input, ...) are counted
     * and summarised by the callers; show them raw only when debugging. */
    if (!fsr_log_enabled(FSR_LOG_DEBUG) || level > AV_LOG_WARNING)
        return;
    char line[1024];
    int prefix = 1;
    av_log_format_line(avcl, level, fmt, vl, line, sizeof(line), &prefix);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = 0;
    if (n)
        fsr_log(FSR_LOG_DEBUG, "libav: %s", line);
}

static void avlog_install_once(void)
{
    av_log_set_callback(avlog_callback);
}

void fsr_avlog_install(void)
{
    pthread_once(&avlog_once, avlog_install_once);
}

int fsr_avlog_register(const void *avcl, FsrAvLogHandler handler, void *opaque)
{
    fsr_avlog_install();
    int ret = FSR_ERR(ENOSPC);
    pthread_mutex_lock(&avlog_mutex);
    for (int i = 0; i < MAX_AVLOG_HANDLERS; i++)
        if (!atomic_load_explicit(&avlog_handlers[i].avcl, memory_order_relaxed)) {
            avlog_handlers[i].handler = handler;
            avlog_handlers[i].opaque = opaque;
            atomic_store_explicit(&avlog_handlers[i].avcl, avcl, memory_order_release);
            ret = 0;
            break;
        }
    pthread_mutex_unlock(&avlog_mutex);
    return ret;
}

void fsr_avlog_unregister(const void *avcl)
{
    pthread_mutex_lock(&avlog_mutex);
    for (int i = 0; i < MAX_AVLOG_HANDLERS; i++)
        if (atomic_load_explicit(&avlog_handlers[i].avcl, memory_order_relaxed) == avcl)
            atomic_store_explicit(&avlog_handlers[i].avcl, NULL, memory_order_release);
    pthread_mutex_unlock(&avlog_mutex);
}
