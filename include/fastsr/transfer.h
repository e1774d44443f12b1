/* The FAST transfer: builds the HR version of a non-key frame from HR
 * reference pictures, the block map's vectors and weights, and the LR
 * residual upsampled with bicubic.  Intra blocks, blocks whose reference is
 * missing and (optionally) blocks with a large residual are bicubic of the
 * decoded LR block instead.  Chroma is bicubic of the decoded LR chroma. */
#ifndef FASTSR_TRANSFER_H
#define FASTSR_TRANSFER_H

#include <stdint.h>

#include "fastsr/blockmap.h"
#include "fastsr/common.h"
#include "fastsr/picture.h"

typedef struct FsrTransferSettings {
    int scale;             /* 2, 3 or 4 */
    /* HR interpolation filter: "bilinear", "bicubic", "h264" or "cubic:A"
     * (Keys' parameter A in [-1, 0]); NULL for the default (README). */
    const char *filter;
    /* Per-block fallback: a block whose mean |LR luma residual| is at least
     * this becomes bicubic of the decoded block; <= 0 disables. */
    double fallback;
    int threads;           /* OpenMP threads, 0 = all */
    /* Deblocking of the HR picture on the LR 8x8 block grid (H.264's
     * normal-strength luma filter with fixed thresholds) after the
     * transfer; 0 off (the default, see README "Choices, measured"). */
    int deblock;
    /* One back-projection step on each transferred frame's luma (FAST's
     * pipeline, fsr_fast_*; not fsr_transfer_frame alone): the bicubic
     * upscale of LR - downscale(HR) added to the transferred blocks; 0 off
     * (README "Back projection"). */
    int back_project;
    /* Sub-pel refinement of the vectors of single-list blocks in referenced
     * P pictures (any depth): each 4x4 LR cell's HR vector moves
     * by up to the rounding of the LR quarter-pel vector (a quarter HR
     * pixel at x2, half at x3 and x4) where that makes the downscaled
     * prediction match the decoded LR picture better (one regularised
     * Lucas-Kanade step); 0 off (README "Sub-pel refinement"). */
    int refine;
} FsrTransferSettings;

#define FSR_TRANSFER_DEFAULT_FILTER "bicubic"
#define FSR_TRANSFER_DEFAULT_FALLBACK 10.0

typedef struct FsrTransferStats {
    /* pixel areas (LR pixels) by what the transfer did */
    int64_t area_total;
    int64_t area_copied;      /* inter blocks transferred without residual */
    int64_t area_residual;    /* inter blocks transferred with residual */
    int64_t area_intra;       /* intra blocks: bicubic */
    int64_t area_fallback;    /* residual too large: bicubic */
    int64_t area_noref;       /* reference missing: bicubic */
    double residual_abs_sum;  /* sum of |LR luma residual| over transferred blocks */
    int64_t cells_refined;    /* 4x4 LR cells whose vector the refinement moved */
} FsrTransferStats;

FSR_API void fsr_transfer_defaults(FsrTransferSettings *s);

#endif
