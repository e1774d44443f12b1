/* The output stage on its own thread: HR frames (copied) and stream-copy
 * packets (cloned) go through a bounded queue, in order, to an FsrEncoder
 * that only this thread touches.  Encoding then overlaps decoding, SR and
 * transfer. */
#ifndef FASTSR_SRC_ENCODE_THREAD_H
#define FASTSR_SRC_ENCODE_THREAD_H

#include "encode.h"

typedef struct FsrEncodeThread FsrEncodeThread;

/* depth: frames that may wait in the queue (each holds an HR copy). */
int fsr_encode_thread_start(FsrEncodeThread **t, FsrEncoder *enc, int depth);
/* Queue a frame / a packet; blocks while the queue is full.  A negative
 * return is the encoder thread's failure (fsr_last_error() has its text). */
int fsr_encode_thread_frame(FsrEncodeThread *t, const FsrPicture *hr, int64_t pts, int64_t duration);
int fsr_encode_thread_packet(FsrEncodeThread *t, AVPacket *pkt);
/* The input's first decoded frame (referenced, not copied), before any
 * frame: fsr_encoder_first_frame on the thread. */
int fsr_encode_thread_first_frame(FsrEncodeThread *t, const AVFrame *frame);
/* Waits until everything queued is written, then ends the thread; with
 * finish set it also finishes the file (fsr_encoder_finish).  Returns the
 * first error; *seconds gets the time the thread spent encoding. */
int fsr_encode_thread_end(FsrEncodeThread **t, int finish, double *seconds);

#endif
