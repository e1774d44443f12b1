/* Reads a media file back with libavformat/libavcodec so tests can check
 * what the tools wrote. */
#ifndef FASTSR_TEST_MEDIAINFO_H
#define FASTSR_TEST_MEDIAINFO_H

#include <stdint.h>

#define TU_MAX_FRAMES 4096

typedef struct TuMediaInfo {
    int width, height;            /* video */
    char video_codec[32];
    int frames;                   /* decoded video frames */
    double pts[TU_MAX_FRAMES];    /* their timestamps in seconds, display order */
    int sar_num, sar_den;
    int color_primaries, color_trc, colorspace, color_range;
    int audio_streams, subtitle_streams;
    int audio_packets;
    uint64_t audio_hash;          /* FNV-1a over all audio packet payloads */
    int64_t audio_bytes;
    int chapters;                 /* all of them; the first TU_MAX_CHAPTERS below */
    double chapter_start[8], chapter_end[8]; /* seconds */
    char chapter_title[8][32];
} TuMediaInfo;
#define TU_MAX_CHAPTERS 8

/* 0 on success, -1 when the file cannot be read. */
int tu_media_info(const char *path, TuMediaInfo *info);

/* Decodes the first video frame's luma (converted to gray8) into a malloc'ed
 * buffer of w*h bytes; returns NULL on failure. */
uint8_t *tu_first_luma(const char *path, int *w, int *h);

#endif
