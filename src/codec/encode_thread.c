#include "encode_thread.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"

typedef struct Item {
    int is_packet;
    FsrPicture pic;         /* frames: an owned copy */
    int64_t pts, duration;
    AVPacket *pkt;          /* packets: a clone */
    AVFrame *first;         /* the input's first decoded frame (a reference), for fsr_encoder_first_frame */
} Item;

#define MAX_ITEMS 512       /* frames and packets together */

struct FsrEncodeThread {
    FsrEncoder *enc;
    pthread_t thread;
    pthread_mutex_t mutex;
    pthread_cond_t changed;
    Item items[MAX_ITEMS];
    int head, count, frames_queued, max_frames;
    int closing, finish, error;
    char error_text[1024];
    double seconds;
    FsrPicture spare[4];    /* recycled frame copies */
    int nspare;
};

static void *run(void *opaque)
{
    FsrEncodeThread *t = opaque;
    pthread_mutex_lock(&t->mutex);
    for (;;) {
        while (!t->count && !t->closing)
            pthread_cond_wait(&t->changed, &t->mutex);
        if (!t->count)
            break;
        Item it = t->items[t->head];
        pthread_mutex_unlock(&t->mutex);
        int ret = 0;
        const double t0 = clock_wall();
        if (!t->error)
            ret = it.first       ? fsr_encoder_first_frame(t->enc, it.first)
                  : it.is_packet ? fsr_encoder_copy_packet(t->enc, it.pkt)
                                 : fsr_encoder_write(t->enc, &it.pic, it.pts, it.duration);
        const double dt = clock_wall() - t0;
        pthread_mutex_lock(&t->mutex);
        t->seconds += dt;
        if (ret < 0 && !t->error) {
            t->error = ret;
            snprintf(t->error_text, sizeof(t->error_text), "%s", fsr_last_error());
        }
        if (it.first) {
            av_frame_free(&it.first);
        } else if (it.is_packet) {
            av_packet_free(&it.pkt);
        } else {
            t->frames_queued--;
            if (t->nspare < 4)
                t->spare[t->nspare++] = it.pic;
            else
                fsr_picture_close(&it.pic);
        }
        t->head = (t->head + 1) % MAX_ITEMS;
        t->count--;
        pthread_cond_broadcast(&t->changed);
    }
    if (t->finish && !t->error) {
        pthread_mutex_unlock(&t->mutex);
        const double t0 = clock_wall();
        int ret = fsr_encoder_finish(t->enc);
        pthread_mutex_lock(&t->mutex);
        t->seconds += clock_wall() - t0;
        if (ret < 0) {
            t->error = ret;
            snprintf(t->error_text, sizeof(t->error_text), "%s", fsr_last_error());
        }
    }
    pthread_mutex_unlock(&t->mutex);
    return NULL;
}

int fsr_encode_thread_start(FsrEncodeThread **pt, FsrEncoder *enc, int depth)
{
    *pt = NULL;
    FsrEncodeThread *t = calloc(1, sizeof(*t));
    if (!t)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    t->enc = enc;
    t->max_frames = depth < 1 ? 1 : depth;
    pthread_mutex_init(&t->mutex, NULL);
    pthread_cond_init(&t->changed, NULL);
    if (pthread_create(&t->thread, NULL, run, t)) {
        free(t);
        return fsr_error(FSR_ERR(EAGAIN), "cannot start the encoder thread");
    }
    *pt = t;
    return 0;
}

/* Waits for room; returns the thread's error if it failed meanwhile. */
static int wait_room(FsrEncodeThread *t, int frame)
{
    while (!t->error && (t->count == MAX_ITEMS || (frame && t->frames_queued >= t->max_frames)))
        pthread_cond_wait(&t->changed, &t->mutex);
    return t->error ? fsr_error(t->error, "%s", t->error_text) : 0;
}

int fsr_encode_thread_frame(FsrEncodeThread *t, const FsrPicture *hr, int64_t pts, int64_t duration)
{
    pthread_mutex_lock(&t->mutex);
    int ret = wait_room(t, 1);
    FsrPicture pic = { 0 };
    if (!ret && t->nspare)
        pic = t->spare[--t->nspare];
    pthread_mutex_unlock(&t->mutex);
    if (ret)
        return ret;
    /* at the picture's own depth (8 or 10 bits a sample); the encoder
     * converts to its output depth */
    if ((ret = fsr_picture_copy(&pic, hr)) < 0) {
        fsr_picture_close(&pic);
        return ret;
    }
    pthread_mutex_lock(&t->mutex);
    Item *it = &t->items[(t->head + t->count) % MAX_ITEMS];
    memset(it, 0, sizeof(*it));
    it->pic = pic;
    it->pts = pts;
    it->duration = duration;
    t->count++;
    t->frames_queued++;
    pthread_cond_broadcast(&t->changed);
    pthread_mutex_unlock(&t->mutex);
    return 0;
}

/* Queues an item that is not a frame (a packet, the first frame's
 * reference) once there is room; the thread's error if it failed. */
static int queue_item(FsrEncodeThread *t, const Item *item)
{
    pthread_mutex_lock(&t->mutex);
    int ret = wait_room(t, 0);
    if (!ret) {
        t->items[(t->head + t->count) % MAX_ITEMS] = *item;
        t->count++;
        pthread_cond_broadcast(&t->changed);
    }
    pthread_mutex_unlock(&t->mutex);
    return ret;
}

int fsr_encode_thread_packet(FsrEncodeThread *t, AVPacket *pkt)
{
    Item it = { .is_packet = 1, .pkt = av_packet_clone(pkt) };
    if (!it.pkt)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    int ret = queue_item(t, &it);
    if (ret)
        av_packet_free(&it.pkt);
    return ret;
}

int fsr_encode_thread_first_frame(FsrEncodeThread *t, const AVFrame *frame)
{
    if (!frame)
        return 0;
    Item it = { .first = av_frame_clone(frame) };
    if (!it.first)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    int ret = queue_item(t, &it);
    if (ret)
        av_frame_free(&it.first);
    return ret;
}

int fsr_encode_thread_end(FsrEncodeThread **pt, int finish, double *seconds)
{
    FsrEncodeThread *t = *pt;
    if (!t)
        return 0;
    pthread_mutex_lock(&t->mutex);
    t->closing = 1;
    t->finish = finish;
    if (!finish && !t->error)
        t->error = FSR_ERR(ECANCELED); /* drop what is queued */
    pthread_cond_broadcast(&t->changed);
    pthread_mutex_unlock(&t->mutex);
    pthread_join(t->thread, NULL);
    int ret = finish && t->error ? fsr_error(t->error, "%s", t->error_text) : 0;
    if (seconds)
        *seconds = t->seconds;
    for (int i = 0; i < t->nspare; i++)
        fsr_picture_close(&t->spare[i]);
    pthread_mutex_destroy(&t->mutex);
    pthread_cond_destroy(&t->changed);
    free(t);
    *pt = NULL;
    return ret;
}
