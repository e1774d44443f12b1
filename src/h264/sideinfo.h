/* The decoder hook: decodes a file with H.264 side information and hands
 * out, in display order, each decoded picture with its block map.  MPEG-2
 * and MPEG-4 Part 2 streams get theirs from the decoder's exported vectors
 * (mpeg_sideinfo.h).
 *
 * Frames leave libavcodec in display order, but a B picture's prediction
 * needs its future references, which leave the decoder after it: frames are
 * therefore copied and held until every picture their slices reference has
 * come out (at most the reorder depth), and decoded reference pictures are
 * kept while the stream can still reference them (the parsed DPB). */
#ifndef FASTSR_SRC_SIDEINFO_H
#define FASTSR_SRC_SIDEINFO_H

#include "decode.h"
#include "fastsr/blockmap.h"
#include "mpeg_sideinfo.h"

typedef struct FsrSideInfo FsrSideInfo;

typedef struct FsrSideInfoFrame {
    /* Facts and the cropped LR picture; pic stays valid until the next
     * fsr_sideinfo_read.  av is NULL (the decoder has moved on). */
    FsrFrame frame;
    const FsrBlockMap *map; /* map->side_info == 0 for codecs without it */
} FsrSideInfoFrame;

/* Opens path like fsr_decoder_open (settings->hook must be NULL; on_packet
 * is honoured).  Codecs other than H.264, MPEG-2 and MPEG-4 Part 2 open fine and yield frames with
 * map->side_info == 0; fsr_sideinfo_supported says which case it is. */
int fsr_sideinfo_open(FsrSideInfo **si, const char *path, const FsrDecoderSettings *settings);

/* 0 and *out filled, 1 at the end, negative on error. */
int fsr_sideinfo_read(FsrSideInfo *si, FsrSideInfoFrame *out);

int fsr_sideinfo_supported(const FsrSideInfo *si);
FsrDecoder *fsr_sideinfo_decoder(FsrSideInfo *si);
/* Name of the video codec (for messages), with the pixel format when that
 * is what rules side information out, e.g. "h264 (yuv444p)". */
const char *fsr_sideinfo_codec_name(const FsrSideInfo *si);
/* The map of a frame without side information: its facts only
 * (side_info 0, no blocks, is_ref unknown). */
void fsr_sideinfo_plain_map(FsrBlockMap *m, const FsrFrame *f);

/* Totals over the frames read so far. */
typedef struct FsrSideInfoStats {
    int64_t frames, frames_unmodelled;
    int64_t tables_lost;   /* macroblock-type tables that matched no frame */
    int64_t frames_no_au;  /* frames no packet was matched to */
    int64_t frames_no_map; /* frames whose map did not cover them (damaged): handed out without one */
    int64_t forced;        /* frames handed out before all references came */
} FsrSideInfoStats;
void fsr_sideinfo_stats(const FsrSideInfo *si, FsrSideInfoStats *st);
/* MPEG-2 / MPEG-4 Part 2 streams: their map totals and 1; else zeros and 0. */
int fsr_sideinfo_mpeg_stats(const FsrSideInfo *si, FsrMpegStats *st);

void fsr_sideinfo_close(FsrSideInfo **si);

#endif
