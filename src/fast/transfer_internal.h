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

#endif
