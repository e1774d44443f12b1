/* Block maps for MPEG-2 (mpeg2video) and MPEG-4 Part 2 (mpeg4) streams from
 * the vectors libavcodec exports (AV_FRAME_DATA_MOTION_VECTORS), the way
 * sideinfo.c makes them for H.264 from its own parsing.
 *
 * What libavcodec 5.1 gives (measured, README "MPEG-2 and MPEG-4 block
 * maps"): one AVMotionVector per list and block of P and B pictures, 16x16
 * or 8x8 (MPEG-4 4MV), 16x8 for field prediction; motion_scale 2 (half-pel)
 * or 4 (MPEG-4 quarter-pel); source -1 past, +1 future; skipped P
 * macroblocks as zero vectors, intra macroblocks absent.  Its MPEG-4 B
 * pictures carry no usable vectors (stale or zero: the decoder never
 * stores them), and the last reference picture of a stream, output at the
 * flush, carries none at all.
 *
 * References follow the MPEG rules: a P picture predicts from the previous
 * I/P picture in display order, a B picture from the I/P pictures around
 * it.  Pictures arrive in display order; a B picture is held until its
 * future reference has arrived.  Decode indices are recovered from that
 * order (a reference picture is decoded before the B pictures before it).
 *
 * The prediction is fastsr's model of MPEG's: half-pel bilinear with MPEG
 * rounding (MPEG-4 P pictures: both rounding types are tried), MPEG-4
 * quarter-pel luma approximated by H.264's 6-tap filter, chroma vectors
 * derived as each standard does; the residual is the decoded picture minus
 * it.  Derived vectors (MPEG-4 B) are refined by quarter samples and
 * predicted with the H.264 kernels instead. */
#ifndef FASTSR_SRC_MPEG_SIDEINFO_H
#define FASTSR_SRC_MPEG_SIDEINFO_H

#include <stdint.h>

#include "decode.h"
#include "fastsr/blockmap.h"

typedef struct FsrMpegStats {
    int64_t frames;            /* maps made */
    int64_t blocks_stream;     /* inter blocks predicted from exported vectors */
    int64_t blocks_exact;      /* of those, prediction == decoded block (Y, Cb, Cr) */
    int64_t blocks_exact_luma; /* of those, prediction == decoded block in luma */
    int64_t skip_found;        /* P macroblocks without a vector whose zero-vector prediction was exact */
    int64_t intra_mbs;         /* macroblocks of P/B pictures without vectors, made intra */
    int64_t fallback_field;    /* macroblocks with field prediction (16x8 / 8x16 entries): intra */
    int64_t fallback_grid;     /* vectors that did not fit the macroblock grid (ignored) */
    int64_t derived;           /* MPEG-4 B blocks with direct-mode vectors from the co-located P vectors */
    int64_t derived_intra;
    int64_t refined;           /* derived list vectors moved by the quarter-pel refinement */     /* MPEG-4 B blocks no derived vector fitted: intra */
    int64_t frames_no_vectors; /* P/B pictures without any exported vector: every block intra (SR) */
    int64_t frames_gmc;        /* MPEG-4 S-VOPs (global motion compensation): every block intra (SR) */
    int64_t frames_format;     /* pictures not in 8-bit 4:2:0: every block intra (SR) */
    int64_t field_packets;     /* MPEG-2 packets with a field picture */
    int64_t frames_field;      /* pictures made all intra (SR) once field pictures were seen */
    int64_t missing_refs;      /* list entries whose reference picture was not available */
    double seconds;            /* wall-clock time building maps */
} FsrMpegStats;

typedef struct FsrMpegSide FsrMpegSide;

/* codec_id: AV_CODEC_ID_MPEG2VIDEO or AV_CODEC_ID_MPEG4. */
int fsr_mpeg_side_open(FsrMpegSide **ms, int codec_id);

/* A packet of the stream, in decode order, before the decoder sees it:
 * MPEG-2 field pictures (picture_structure of the picture coding
 * extension other than "frame") are found here, since libavcodec's frames
 * do not say.  From the first one on, maps are all intra (SR). */
void fsr_mpeg_side_packet(FsrMpegSide *ms, const uint8_t *data, int size);

/* The next picture in display order with its map (valid until the next
 * call): 0, 1 at the end, or a negative error. */
int fsr_mpeg_side_read(FsrMpegSide *ms, FsrDecoder *dec, FsrFrame *frame, const FsrBlockMap **map);

void fsr_mpeg_side_stats(const FsrMpegSide *ms, FsrMpegStats *st);
void fsr_mpeg_side_close(FsrMpegSide **ms);

#endif
