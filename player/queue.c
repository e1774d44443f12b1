/* The frame slots between the worker and the display (see play.h). */
#include <stdlib.h>
#include <string.h>

#include "play.h"

int queue_init(FrameQueue *q)
{
    memset(q, 0, sizeof(*q));
    q->lock = SDL_CreateMutex();
    q->cond = SDL_CreateCond();
    if (!q->lock || !q->cond)
        return -1;
    for (int i = 0; i < NSLOTS; i++)
        q->free_list[q->nfree++] = i;
    return 0;
}

void queue_destroy(FrameQueue *q)
{
    for (int i = 0; i < NSLOTS; i++) {
        PlayFrame *f = &q->slots[i];
        fsr_picture_close(&f->hr);
        fsr_picture_close(&f->cmp);
        fsr_picture_close(&f->lr);
        free(f->blocks);
    }
    if (q->cond)
        SDL_DestroyCond(q->cond);
    if (q->lock)
        SDL_DestroyMutex(q->lock);
    memset(q, 0, sizeof(*q));
}

PlayFrame *queue_get_free(FrameQueue *q)
{
    SDL_LockMutex(q->lock);
    /* Only QUEUE_DEPTH frames may wait for display: the rest of the slots
     * belong to the display's history. */
    while (!q->abort && (q->nfree == 0 || q->fifo_len >= QUEUE_DEPTH))
        SDL_CondWait(q->cond, q->lock);
    PlayFrame *f = q->abort ? NULL : &q->slots[q->free_list[--q->nfree]];
    SDL_UnlockMutex(q->lock);
    return f;
}

void queue_put_free(FrameQueue *q, PlayFrame *f)
{
    SDL_LockMutex(q->lock);
    q->free_list[q->nfree++] = (int)(f - q->slots);
    SDL_CondBroadcast(q->cond);
    SDL_UnlockMutex(q->lock);
}

void queue_push(FrameQueue *q, PlayFrame *f)
{
    SDL_LockMutex(q->lock);
    q->fifo[(q->fifo_head + q->fifo_len++) % NSLOTS] = (int)(f - q->slots);
    SDL_CondBroadcast(q->cond);
    SDL_UnlockMutex(q->lock);
}

void queue_set_eof(FrameQueue *q)
{
    SDL_LockMutex(q->lock);
    q->eof = 1;
    SDL_CondBroadcast(q->cond);
    SDL_UnlockMutex(q->lock);
}

void queue_abort(FrameQueue *q)
{
    SDL_LockMutex(q->lock);
    q->abort = 1;
    SDL_CondBroadcast(q->cond);
    SDL_UnlockMutex(q->lock);
}

PlayFrame *queue_peek(FrameQueue *q, int n)
{
    SDL_LockMutex(q->lock);
    PlayFrame *f = n < q->fifo_len ? &q->slots[q->fifo[(q->fifo_head + n) % NSLOTS]] : NULL;
    SDL_UnlockMutex(q->lock);
    return f;
}

PlayFrame *queue_pop(FrameQueue *q)
{
    SDL_LockMutex(q->lock);
    PlayFrame *f = NULL;
    if (q->fifo_len) {
        f = &q->slots[q->fifo[q->fifo_head]];
        q->fifo_head = (q->fifo_head + 1) % NSLOTS;
        q->fifo_len--;
        SDL_CondBroadcast(q->cond);
    }
    SDL_UnlockMutex(q->lock);
    return f;
}

int queue_length(FrameQueue *q)
{
    SDL_LockMutex(q->lock);
    int n = q->fifo_len;
    SDL_UnlockMutex(q->lock);
    return n;
}

int queue_ended(FrameQueue *q)
{
    SDL_LockMutex(q->lock);
    int e = q->eof;
    SDL_UnlockMutex(q->lock);
    return e;
}

int queue_aborted(FrameQueue *q)
{
    SDL_LockMutex(q->lock);
    int a = q->abort;
    SDL_UnlockMutex(q->lock);
    return a;
}

int queue_eof(FrameQueue *q)
{
    SDL_LockMutex(q->lock);
    int e = q->eof && q->fifo_len == 0;
    SDL_UnlockMutex(q->lock);
    return e;
}
