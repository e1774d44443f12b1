/* Audio: the input's first audio stream, demuxed by its own reader (so
 * sound never waits for the upscaler), decoded to interleaved float and
 * handed to SDL through a ring buffer.  The device's position is the
 * player's master clock. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "play.h"

#define RING_SECONDS 2

struct Audio {
    AVFormatContext *fmt;
    AVCodecContext *dec;
    int stream;
    double time_base;
    SDL_AudioDeviceID dev;
    SDL_AudioSpec spec;
    int channels, rate;
    SDL_Thread *thread;
    SDL_mutex *lock;
    SDL_cond *cond;
    float *ring;
    size_t cap, head, len;       /* in floats */
    int have_pts;
    double first_pts;            /* media time of the first sample */
    double ring_pts;             /* media time of the sample at head */
    double played_pts;           /* media time after the last callback's data */
    Uint64 cb_time;              /* when the last callback ran */
    int eof;                     /* the reader is done */
    int drained;                 /* eof and everything handed to the device */
    Uint64 drain_time;
    double drain_elapsed;        /* system-clock seconds played after draining, before drain_time */
    int paused;
    int abort;
    int64_t underruns;
};

static double seconds_since(Uint64 t)
{
    return (double)(SDL_GetPerformanceCounter() - t) / (double)SDL_GetPerformanceFrequency();
}

static void callback(void *opaque, Uint8 *stream, int bytes)
{
    Audio *a = opaque;
    float *out = (float *)stream;
    size_t want = (size_t)bytes / sizeof(float), got = 0;
    SDL_LockMutex(a->lock);
    while (got < want && a->len) {
        size_t n = a->cap - a->head;
        if (n > a->len)
            n = a->len;
        if (n > want - got)
            n = want - got;
        memcpy(out + got, a->ring + a->head, n * sizeof(float));
        a->head = (a->head + n) % a->cap;
        a->len -= n;
        got += n;
    }
    a->ring_pts += (double)got / a->channels / a->rate;
    a->played_pts = a->ring_pts;
    a->cb_time = SDL_GetPerformanceCounter();
    if (got < want) {
        memset(out + got, 0, (want - got) * sizeof(float));
        if (a->eof && !a->drained) {
            a->drained = 1;
            a->drain_time = a->cb_time;
        } else if (!a->eof) {
            a->underruns++;
        }
    }
    SDL_CondBroadcast(a->cond);
    SDL_UnlockMutex(a->lock);
}

static float sample_at(const uint8_t *p, enum AVSampleFormat fmt, size_t i)
{
    switch (fmt) {
    case AV_SAMPLE_FMT_U8: return (p[i] - 128) / 128.f;
    case AV_SAMPLE_FMT_S16: return ((const int16_t *)p)[i] / 32768.f;
    case AV_SAMPLE_FMT_S32: return (float)(((const int32_t *)p)[i] / 2147483648.0);
    case AV_SAMPLE_FMT_S64: return (float)(((const int64_t *)p)[i] / 9223372036854775808.0);
    case AV_SAMPLE_FMT_FLT: return ((const float *)p)[i];
    case AV_SAMPLE_FMT_DBL: return (float)((const double *)p)[i];
    default: return 0;
    }
}

/* Appends a decoded frame to the ring, waiting for room. */
static int push_frame(Audio *a, const AVFrame *fr)
{
    const enum AVSampleFormat fmt = fr->format, packed = av_get_packed_sample_fmt(fmt);
    const int planar = av_sample_fmt_is_planar(fmt);
    const int ch = a->channels;
    int done = 0;
    while (done < fr->nb_samples) {
        SDL_LockMutex(a->lock);
        while (!a->abort && a->cap - a->len < (size_t)ch)
            SDL_CondWait(a->cond, a->lock);
        if (a->abort) {
            SDL_UnlockMutex(a->lock);
            return -1;
        }
        if (!a->have_pts) {
            /* the clock starts at the first sample's time */
            int64_t pts = fr->best_effort_timestamp;
            a->ring_pts = pts == AV_NOPTS_VALUE ? 0 : pts * a->time_base + (double)done / a->rate;
            a->played_pts = a->first_pts = a->ring_pts;
            a->have_pts = 1;
        }
        int n = (int)((a->cap - a->len) / ch);
        if (n > fr->nb_samples - done)
            n = fr->nb_samples - done;
        for (int s = done; s < done + n; s++) {
            size_t pos = (a->head + a->len) % a->cap;
            for (int c = 0; c < ch; c++) {
                a->ring[pos] = planar ? sample_at(fr->extended_data[c], packed, s)
                                      : sample_at(fr->extended_data[0], packed, (size_t)s * ch + c);
                pos = (pos + 1) % a->cap;
            }
            a->len += ch;
        }
        done += n;
        SDL_UnlockMutex(a->lock);
    }
    return 0;
}

static int reader(void *opaque)
{
    Audio *a = opaque;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *fr = av_frame_alloc();
    int eof = 0;
    while (pkt && fr && !a->abort) {
        int ret = 0;
        if (!eof) {
            ret = av_read_frame(a->fmt, pkt);
            if (ret < 0) {
                eof = 1;
                ret = avcodec_send_packet(a->dec, NULL);
            } else {
                if (pkt->stream_index == a->stream)
                    avcodec_send_packet(a->dec, pkt); /* a bad packet only costs its samples */
                av_packet_unref(pkt);
            }
        }
        while ((ret = avcodec_receive_frame(a->dec, fr)) == 0) {
            int r = push_frame(a, fr);
            av_frame_unref(fr);
            if (r < 0)
                break;
        }
        if (eof && ret == AVERROR_EOF)
            break;
    }
    av_packet_free(&pkt);
    av_frame_free(&fr);
    SDL_LockMutex(a->lock);
    a->eof = 1;
    SDL_UnlockMutex(a->lock);
    return 0;
}

static void warn(const char *path, const char *what)
{
    fprintf(stderr, PLAY_NAME ": warning: %s: %s; playing without sound\n", path, what);
}

int audio_open(Audio **pa, const char *path)
{
    *pa = NULL;
    Audio *a = calloc(1, sizeof(*a));
    if (!a)
        return -1;
    a->stream = -1;
    if (avformat_open_input(&a->fmt, path, NULL, NULL) < 0 || avformat_find_stream_info(a->fmt, NULL) < 0) {
        audio_close(&a);
        return 1; /* the video side reports unreadable inputs */
    }
    const AVCodec *codec = NULL;
    a->stream = av_find_best_stream(a->fmt, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
    if (a->stream < 0) {
        audio_close(&a);
        return 1;
    }
    for (unsigned i = 0; i < a->fmt->nb_streams; i++)
        a->fmt->streams[i]->discard = (int)i == a->stream ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
    AVStream *st = a->fmt->streams[a->stream];
    a->time_base = av_q2d(st->time_base);
    if (!codec || !(a->dec = avcodec_alloc_context3(codec)) ||
        avcodec_parameters_to_context(a->dec, st->codecpar) < 0 || avcodec_open2(a->dec, codec, NULL) < 0) {
        warn(path, "the audio codec cannot be decoded");
        audio_close(&a);
        return 1;
    }
    a->channels = a->dec->ch_layout.nb_channels;
    a->rate = a->dec->sample_rate;
    if (a->channels < 1 || a->channels > 8 || a->rate < 1000 || a->rate > 384000) {
        warn(path, "unsupported audio layout");
        audio_close(&a);
        return 1;
    }
    a->lock = SDL_CreateMutex();
    a->cond = SDL_CreateCond();
    a->cap = (size_t)a->rate * a->channels * RING_SECONDS;
    a->ring = malloc(a->cap * sizeof(float));
    if (!a->lock || !a->cond || !a->ring) {
        audio_close(&a);
        return -1;
    }
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) < 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "no audio output (%s)", SDL_GetError());
        warn(path, msg);
        audio_close(&a);
        return 1;
    }
    SDL_AudioSpec want = { 0 };
    want.freq = a->rate;
    want.format = AUDIO_F32SYS;
    want.channels = (Uint8)a->channels;
    /* about 20 ms per callback: the clock's granularity */
    want.samples = 512;
    while (want.samples * 50 < a->rate)
        want.samples *= 2;
    want.callback = callback;
    want.userdata = a;
    /* no allowed changes: SDL converts to whatever the device wants */
    a->dev = SDL_OpenAudioDevice(NULL, 0, &want, &a->spec, 0);
    if (!a->dev) {
        char msg[512];
        snprintf(msg, sizeof(msg), "no audio output (%s)", SDL_GetError());
        warn(path, msg);
        audio_close(&a);
        return 1;
    }
    a->paused = 1;
    *pa = a;
    return 0;
}

int audio_start(Audio *a)
{
    a->thread = SDL_CreateThread(reader, "fastsr-audio", a);
    return a->thread ? 0 : -1;
}

void audio_pause(Audio *a, int paused)
{
    SDL_LockMutex(a->lock);
    if (a->drained && paused && !a->paused)
        a->drain_elapsed += seconds_since(a->drain_time);
    a->paused = paused;
    /* resume from where it stopped */
    a->cb_time = a->drain_time = SDL_GetPerformanceCounter();
    SDL_UnlockMutex(a->lock);
    SDL_PauseAudioDevice(a->dev, paused);
}

double audio_clock(Audio *a)
{
    SDL_LockMutex(a->lock);
    double t;
    if (a->drained) {
        /* the sound has ended before the picture: go on with the system clock */
        t = a->played_pts + a->drain_elapsed + (a->paused ? 0 : seconds_since(a->drain_time));
    } else {
        /* the last callback's data plays during the next period */
        const double period = (double)a->spec.samples / a->spec.freq;
        double since = a->paused ? 0 : seconds_since(a->cb_time);
        t = a->played_pts - period + (since < period ? since : period);
    }
    SDL_UnlockMutex(a->lock);
    return t;
}

void audio_skip_to(Audio *a, double t)
{
    SDL_LockMutex(a->lock);
    if (t > a->ring_pts) {
        size_t n = (size_t)((t - a->ring_pts) * a->rate) * a->channels;
        if (n > a->len)
            n = a->len - a->len % a->channels;
        a->head = (a->head + n) % a->cap;
        a->len -= n;
        a->ring_pts += (double)(n / a->channels) / a->rate;
        a->played_pts = a->ring_pts;
        a->cb_time = SDL_GetPerformanceCounter();
        SDL_CondBroadcast(a->cond);
    }
    SDL_UnlockMutex(a->lock);
}

double audio_played(Audio *a)
{
    SDL_LockMutex(a->lock);
    double t = a->have_pts ? a->played_pts - a->first_pts : 0;
    SDL_UnlockMutex(a->lock);
    return t;
}

int64_t audio_underruns(Audio *a)
{
    SDL_LockMutex(a->lock);
    int64_t n = a->underruns;
    SDL_UnlockMutex(a->lock);
    return n;
}

void audio_close(Audio **pa)
{
    Audio *a = *pa;
    if (!a)
        return;
    if (a->thread) {
        SDL_LockMutex(a->lock);
        a->abort = 1;
        SDL_CondBroadcast(a->cond);
        SDL_UnlockMutex(a->lock);
        SDL_WaitThread(a->thread, NULL);
    }
    if (a->dev)
        SDL_CloseAudioDevice(a->dev);
    avcodec_free_context(&a->dec);
    avformat_close_input(&a->fmt);
    if (a->cond)
        SDL_DestroyCond(a->cond);
    if (a->lock)
        SDL_DestroyMutex(a->lock);
    free(a->ring);
    free(a);
    *pa = NULL;
}

/* ---- the master clock ---- */

double clock_now(PlayClock *c)
{
    if (!c->started)
        return -INFINITY;
    if (c->paused)
        return c->base;
    if (c->audio)
        return audio_clock(c->audio);
    return c->base + seconds_since(c->since);
}

void clock_start(PlayClock *c, double media_time)
{
    c->started = 1;
    c->paused = 0;
    c->base = media_time;
    c->since = SDL_GetPerformanceCounter();
    if (c->audio)
        audio_pause(c->audio, 0);
}

void clock_pause(PlayClock *c, int paused)
{
    if (!c->started || paused == c->paused)
        return;
    if (paused) {
        c->base = clock_now(c);
        c->paused = 1;
        if (c->audio)
            audio_pause(c->audio, 1);
    } else {
        c->paused = 0;
        c->since = SDL_GetPerformanceCounter();
        if (c->audio)
            audio_pause(c->audio, 0);
    }
}

void clock_seek_forward(PlayClock *c, double t)
{
    if (!c->started || t <= clock_now(c))
        return;
    if (c->audio)
        audio_skip_to(c->audio, t);
    c->base = t;
    c->since = SDL_GetPerformanceCounter();
}
