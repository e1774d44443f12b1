/* Builds a frame's block map from what the decoder hook gathered: the
 * macroblock-type table, the exported vectors, the parsed slice headers,
 * and the decoded reference pictures. */
#ifndef FASTSR_SRC_BLOCKMAP_BUILD_H
#define FASTSR_SRC_BLOCKMAP_BUILD_H

#include <libavutil/motion_vector.h>

#include "fastsr/blockmap.h"
#include "h264_mc.h"
#include "h264_parse.h"

/* One frame's FF_DEBUG_MB_TYPE | FF_DEBUG_QP table. */
typedef struct FsrMbTable {
    int mb_w, mb_h;
    char pict_type;
    uint8_t *qp;
    char *type;  /* libavcodec's type character per macroblock */
    char *part;  /* partition character: ' ' '-' '|' '+' */
} FsrMbTable;

typedef struct FsrRefPic {
    const FsrPicture *pic;  /* coded size */
    int pad;                /* replicated border samples around luma (chroma: half) */
    int64_t display;
} FsrRefPic;

/* Returns the decoded picture of decode index au, or NULL if unavailable. */
typedef const FsrRefPic *(*FsrRefResolve)(void *opaque, int64_t au);

typedef struct FsrBlockMapBuilder {
    FsrBlockMap map;
    FsrBlock *blocks;
    int blocks_cap;
    int16_t *res;
    size_t res_size;
    int16_t (*cell_mv)[2][2]; /* per 8x8 cell and list */
    uint8_t *cell_lists;
    /* per 8x8 cell: the residual planes may hold non-zero values there
     * (they are reused from frame to frame; zeros are rewritten only where
     * needed) */
    uint8_t *cell_dirty;
    int dirty_w, dirty_h;
    size_t cells_cap;
    /* the LR MC kernels for fsr_cpu_flags(), filled at the first frame (a
     * zeroed builder is a new one) */
    FsrH264McDSP mc;
    int mc_filled;
} FsrBlockMapBuilder;

/* cur: the decoded frame at coded size; table may be NULL (then intra is
 * "no vectors"), au may be NULL (then there are no lists: NO_REF).  The
 * caller fills the frame facts of b->map afterwards; this sets the
 * geometry, blocks, residual and counts. */
int fsr_blockmap_build(FsrBlockMapBuilder *b, const FsrPicture *cur, int64_t cur_display, const FsrMbTable *table,
                       const AVMotionVector *mvs, int nb_mvs, const FsrH264AU *au, FsrRefResolve resolve,
                       void *opaque);
void fsr_blockmap_builder_close(FsrBlockMapBuilder *b);

#endif
