/* High bit depth for searched block maps: the search runs on 8-bit proxies
 * of 10-bit pictures (fsr_motion_search), and fsr_motion_residual16 then
 * recomputes the map's prediction residual at the pictures' own depth, with
 * the vectors, references and weights the search chose, through the 16-bit
 * entries of the H.264 MC table (luma16, chroma16, biweight16, residual16). */
#ifndef FASTSR_SRC_MOTION_MOTION16_H
#define FASTSR_SRC_MOTION_MOTION16_H

#include <stdint.h>

#include "fastsr/blockmap.h"
#include "fastsr/picture.h"

/* A high-bit-depth reference picture, by the display index the map's
 * blocks name in FsrBlock.ref[]. */
typedef struct FsrMotionRef16 {
    int64_t display_index;
    const FsrPicture *pic;
} FsrMotionRef16;

/* Rewrites map's residual as cur16 minus the prediction of each predicted
 * block (inter, not NO_REF) from the 16-bit references: H.264's 6-tap luma
 * and bilinear chroma interpolation at cur16's depth, edges clamped at the
 * picture's size (as the search's own prediction), the weighting of
 * fastsr/blockmap.h with the offsets scaled to the depth (o << (depth - 8)).
 * Each predicted block's sad becomes the SAD of the new residual and its
 * FSR_BLOCK_ZERO_RESIDUAL flag says whether that is 0; counts.zero_residual
 * follows.  Intra and NO_REF blocks keep their zero residual.
 *
 * planes: 3 (Y, Cb, Cr: the map then reads as an 8-bit one does, at the
 * depth) or 1 (luma only: residual[0], and sad and the flag from luma
 * alone; the chroma residual is left as it was).
 * map: a map whose blocks and residual may be written, such as the one
 * fsr_motion_search returns (its storage, until the next search).  cur16
 * and every reference: depth 9..16, the map's displayed size; refs: the
 * pictures of every display index a predicted block names (nb_refs of
 * them).  The residual is int16_t: exact up to 15 bits.
 * Returns 0, or a negative error (bad arguments, a reference missing or of
 * another size or depth: one line in fsr_last_error) with the map
 * untouched. */
int fsr_motion_residual16(FsrBlockMap *map, const FsrPicture *cur16, const FsrMotionRef16 *refs, int nb_refs,
                          int planes);

#endif
