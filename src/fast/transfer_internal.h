/* The transfer as the FAST engine drives it (fastsr/transfer.h has its
 * settings and statistics): one frame from its HR references. */
#ifndef FASTSR_SRC_TRANSFER_INTERNAL_H
#define FASTSR_SRC_TRANSFER_INTERNAL_H

#include "fastsr/transfer.h"

typedef struct FsrTransfer FsrTransfer;

/* HR picture of a frame (by display index), or NULL when it is not kept. */
typedef const FsrPicture *(*FsrRefLookup)(void *opaque, int64_t display_index);

int fsr_transfer_open(FsrTransfer **t, const FsrTransferSettings *s);
void fsr_transfer_close(FsrTransfer **t);

/* hr (lr->w*scale x lr->h*scale) receives the transferred frame; lr is the
 * decoded LR picture (displayed size), map its block map. */
int fsr_transfer_frame(FsrTransfer *t, FsrPicture *hr, const FsrPicture *lr, const FsrBlockMap *map,
                       FsrRefLookup lookup, void *opaque, FsrTransferStats *stats);

/* Block b of map in LR picture coordinates (the map's cropping undone),
 * clipped to the w x h picture: 0 when nothing of it is inside. */
static inline int fsr_block_clip(const FsrBlockMap *map, const FsrBlock *b, int w, int h, int *bx, int *by,
                                 int *bw, int *bh)
{
    int x = b->x - map->crop_left, y = b->y - map->crop_top, cw = b->w, ch = b->h;
    if (x < 0) {
        cw += x;
        x = 0;
    }
    if (y < 0) {
        ch += y;
        y = 0;
    }
    if (x + cw > w)
        cw = w - x;
    if (y + ch > h)
        ch = h - y;
    *bx = x, *by = y, *bw = cw, *bh = ch;
    return cw > 0 && ch > 0;
}

#endif
