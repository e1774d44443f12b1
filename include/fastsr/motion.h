/* fastsr's own motion search: a block map (fastsr/blockmap.h) made from the
 * decoded LR pictures alone, for streams whose side information fastsr does
 * not read (MPEG-2, MPEG-4 Part 2, HEVC, VP9, AV1, ProRes, raw video...).
 *
 * Pictures go in display order; each one is predicted from the last
 * anchor picture before it (list 0; an anchor every
 * FsrMotionSettings.anchor pictures, and every picture the caller marks as
 * a key frame), or block by block from one of the anchors before that
 * (FsrMotionSettings.refs), so the map's decode order is its display order.  Per 16x16 macroblock: candidate
 * vectors from the left, top and top-right neighbours and from the
 * co-located and right/bottom macroblocks of the previous map, an integer
 * small-diamond descent from the best (a logarithmic eight-point search
 * first when no candidate matches well), half- then quarter-pel refinement
 * on H.264's half-sample planes of the reference (the 6-tap luma
 * interpolation, computed once per picture) compared by SATD (by default;
 * the integer search, split and intra decisions compare SAD), an 8x8
 * split where four vectors pay for themselves, and "intra" where the best match is no better than the
 * block's own mean.  The prediction is the H.264 LR motion compensation of
 * the stream path (6-tap luma, bilinear chroma), and the residual is the
 * decoded picture minus it, so the transfer consumes these maps exactly as
 * H.264 ones.
 *
 * Lifecycle: fsr_motion_open, fsr_motion_search per picture,
 * fsr_motion_close (which NULLs the pointer). */
#ifndef FASTSR_MOTION_H
#define FASTSR_MOTION_H

#include <stdint.h>

#include "fastsr/blockmap.h"
#include "fastsr/common.h"
#include "fastsr/picture.h"

/* What the half/quarter-pel decisions compare (the integer search always
 * compares SAD): SATD (sum of absolute 4x4 Hadamard-transformed
 * differences, as x264's sub-pel search) or plain SAD. */
enum { FSR_MOTION_METRIC_SAD = 0, FSR_MOTION_METRIC_SATD = 1 };

typedef struct FsrMotionSettings {
    int range;             /* integer search range in LR pixels (default 32, 4..32) */
    int split;             /* 1 (default): 8x8 blocks where they pay; 0: 16x16 only */
    int anchor;            /* every anchor-th picture after an all-intra one is an anchor, the
                            * reference of the pictures up to the next anchor, which is predicted
                            * from it in turn (default 4, 1..16; 0: the default; 1: every picture
                            * from the one before it) */
    int threads;           /* 0 (default): all cores; the map does not depend on it */
    int subpel_metric;     /* FSR_MOTION_METRIC_SAD (default) or FSR_MOTION_METRIC_SATD */
    int subpel_margin;     /* a sub-pel vector must beat the integer one by this much (in the sub-pel
                            * metric, per 256 samples) to be chosen: fsr_motion_defaults 64, 0..1024
                            * (0: none) */
    int refs;              /* reference pictures: the last `refs` anchors (default 1, 1..4; 0: the
                            * default).  Each macroblock is searched in the newest, then in each
                            * older one no more than FSR_MOTION_MAX_REF_DIST pictures back (from
                            * the newest one's vector scaled to the distance), which it takes only
                            * when its SAD is lower by a margin */
} FsrMotionSettings;

/* The farthest an older reference may be, in pictures (display order): a
 * FAST transfer keeps the 16 latest HR pictures, as H.264 allows. */
#define FSR_MOTION_MAX_REF_DIST 16

/* Totals over the pictures searched so far. */
typedef struct FsrMotionStats {
    int64_t frames;        /* pictures with a searched map */
    int64_t restarts;      /* pictures without a previous one of their size (first, size change) */
    int64_t blocks16, blocks8, blocks_intra;
    int64_t sad_calls, mc_calls; /* kernel calls: the search's cost (sad_calls: SAD and SATD) */
    double seconds;        /* wall-clock time in fsr_motion_search */
    int64_t anchors;       /* pictures that became the reference */
    int64_t key_anchors;   /* of those, made anchors by fsr_motion_mark_key */
    int64_t motion_anchors; /* of those, made anchors early for fast motion or much intra */
    int64_t blocks_older_ref; /* inter blocks predicted from an older anchor (FsrMotionSettings.refs) */
} FsrMotionStats;

typedef struct FsrMotionSearch FsrMotionSearch;

FSR_API void fsr_motion_defaults(FsrMotionSettings *s);
/* s may be NULL for the defaults.  0 or a negative error. */
FSR_API int fsr_motion_open(FsrMotionSearch **ms, const FsrMotionSettings *s);

/* Searches pic (the next picture in display order) against the last
 * anchor before it.  facts: the picture's per-frame facts (display_index, pts, corrupt;
 * a map without side information is fine); their size must be pic's.  On
 * success *out points to a map valid until the next call, with side
 * information: type 'P', every block predicted from the last anchor or
 * intra; the first picture and the first after a size change are type
 * 'I', all intra (they need SR).  The stream's own picture types are not
 * kept: a searched map has motion for the stream's I pictures too.
 * Returns 0 or a negative error (bad arguments: one line in
 * fsr_last_error). */
FSR_API int fsr_motion_search(FsrMotionSearch *ms, const FsrPicture *pic, const FsrBlockMap *facts,
                              const FsrBlockMap **out);

/* Says that the picture with this display index got SR (a key frame):
 * the pictures after it are predicted from it (it becomes an anchor and
 * the anchor interval counts from it).  Only the picture searched last
 * can be marked, before the next fsr_motion_search; returns 1 when taken,
 * 0 when too late (another picture was searched since) or unknown. */
FSR_API int fsr_motion_mark_key(FsrMotionSearch *ms, int64_t display_index);

FSR_API void fsr_motion_stats(const FsrMotionSearch *ms, FsrMotionStats *st);

FSR_API void fsr_motion_close(FsrMotionSearch **ms);

#endif
