/* Chapters carried from an input to an output (codec/chapters.c). */
#ifndef FASTSR_SRC_CHAPTERS_H
#define FASTSR_SRC_CHAPTERS_H

#include <libavformat/avformat.h>

/* Gives out (before avformat_write_header) a copy of every chapter of in:
 * id, time base, start, end and metadata (titles), as ffmpeg's
 * -map_chapters does.  fastsr keeps every timestamp of the input, so the
 * times are copied as they are.  Muxers that store no chapters ignore them.
 * 0 or FSR_ERR(ENOMEM). */
int fsr_copy_chapters(AVFormatContext *out, const AVFormatContext *in);

/* 1 when stream i of in is the text track in which MP4/QuickTime stores
 * the chapters (the mov demuxer shows it as a data stream): the chapters
 * are copied as chapters, so dropping the track loses nothing. */
int fsr_is_chapter_track(const AVFormatContext *in, unsigned i);

#endif
