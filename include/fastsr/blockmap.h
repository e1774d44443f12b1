/* The block map: per decoded frame, the H.264 side information FAST needs —
 * partitions, kinds, vectors, the recovered reference pictures and weights —
 * plus fastsr's own bit-exact LR motion-compensated prediction and the LR
 * residual (decoded minus that prediction).
 *
 * Geometry: blocks tile the *coded* picture (mb_w*16 x mb_h*16) in the
 * partitions the bitstream used: 16x16, 16x8, 8x16, 8x8.  libavcodec exports
 * no finer partition: an 8x8 quadrant split into 8x4/4x8/4x4 carries the
 * vector of its top-left 4x4, so its prediction (and residual) is only that
 * of the top-left sub-block's motion (x264's presets do not use sub-8x8).
 * The displayed picture is the coded one cropped by (crop_left, crop_top,
 * width, height).
 *
 * Prediction of an inter block (8.4.2.3), per plane c (0 Y, 1 Cb, 2 Cr),
 * d = log2_denom[c ? 1 : 0], from the list predictions p0 / p1 (6-tap
 * quarter-pel luma, eighth-pel bilinear chroma, edge-clamped at the coded
 * size):
 *   one list L:  clip(((pL * weight[L][c] + round) >> d) + offset[L][c]),
 *                round = d ? 1 << (d - 1) : 0
 *   both lists:  clip(((p0 * weight[0][c] + p1 * weight[1][c] + (1 << d)) >> (d + 1))
 *                     + ((offset[0][c] + offset[1][c] + 1) >> 1))
 * Unweighted blocks carry d = 0, weights 1, offsets 0 (the plain average);
 * implicit B weights carry d = 5 and w0 + w1 = 64.
 *
 * MPEG-2 and MPEG-4 Part 2 maps (src/h264/mpeg_sideinfo.h) have the same
 * shape: 16x16 blocks, 8x8 for MPEG-4 4MV; lists 1 = the past and 2 = the
 * future reference; vectors in LR quarter-pel, the stream's as coded, and
 * the residual against fastsr's model of MPEG's prediction (bilinear
 * half-pel, unweighted); MPEG-4 B pictures' vectors are derived and
 * refined (FSR_UNMODELLED_DERIVED), their residual against the H.264
 * prediction above. */
#ifndef FASTSR_BLOCKMAP_H
#define FASTSR_BLOCKMAP_H

#include <stddef.h>
#include <stdint.h>

#include "fastsr/common.h"
#include "fastsr/picture.h"

typedef enum FsrBlockKind {
    FSR_BLOCK_INTRA = 0,
    FSR_BLOCK_PSKIP = 1,   /* P_Skip: 16x16 L0, no residual coded */
    FSR_BLOCK_BSKIP = 2,   /* B_Skip: direct prediction, no residual coded */
    FSR_BLOCK_DIRECT = 3,  /* B_Direct_16x16 (direct 8x8 inside B_8x8 shows as INTER) */
    FSR_BLOCK_INTER = 4,
} FsrBlockKind;

enum {
    FSR_LIST_L0 = 1,
    FSR_LIST_L1 = 2,
};

/* FsrBlock.flags */
enum {
    FSR_BLOCK_ZERO_RESIDUAL = 1 << 0, /* prediction equals the decoded block (Y, Cb, Cr) */
    FSR_BLOCK_NO_REF = 1 << 1,        /* a reference picture was unavailable: no prediction,
                                         residual left 0, not valid for transfer */
    FSR_BLOCK_DROPPED_MV = 1 << 2,    /* a bogus (0,0) vector of the unused list was dropped */
};

typedef struct FsrBlock {
    int16_t x, y;          /* luma position in the coded picture */
    uint8_t w, h;          /* 16 or 8 */
    uint8_t kind;          /* FsrBlockKind */
    uint8_t lists;         /* FSR_LIST_L0 | FSR_LIST_L1; 0 for intra */
    uint8_t qp;            /* macroblock QP */
    uint8_t flags;         /* FSR_BLOCK_* */
    int16_t mv[2][2];      /* per list: LR quarter-pel (x, y) */
    int32_t ref[2];        /* per list: display index of the reference picture, -1 if unused */
    int8_t ref_idx[2];     /* per list: recovered index in the slice's list, -1 if unused */
    int8_t log2_denom[2];  /* weighting, luma and chroma (see the formula above) */
    int16_t weight[2][3];  /* [list][plane] */
    int16_t offset[2][3];
    uint32_t sad;          /* SAD of the prediction against the decoded block, Y + Cb + Cr */
} FsrBlock;

/* FsrBlockMap.unmodelled: stream features whose effect fastsr does not
 * reproduce; blocks of such frames may carry non-zero residuals or wrong
 * references.  Counted in the frame facts, never silent. */
enum {
    FSR_UNMODELLED_FIELD = 1 << 0,     /* interlaced (field / MBAFF) coding */
    FSR_UNMODELLED_POC = 1 << 1,       /* pic_order_cnt_type 1: implicit weights approximated */
    FSR_UNMODELLED_GAP = 1 << 2,       /* frame_num gap: missing references */
    FSR_UNMODELLED_FMO = 1 << 3,       /* slice groups */
    FSR_UNMODELLED_HEADER = 1 << 4,    /* slice header unreadable: lists / weights unknown */
    FSR_UNMODELLED_SLICES = 1 << 5,    /* too many slices */
    FSR_UNMODELLED_FORMAT = 1 << 6,    /* not 8-bit 4:2:0 coding */
    FSR_UNMODELLED_NO_TYPES = 1 << 7,  /* no macroblock-type table for this frame */
    FSR_UNMODELLED_NO_HEADER = 1 << 8, /* no packet matched the frame: no lists or weights */
    FSR_UNMODELLED_MV = 1 << 9,        /* an inter macroblock without exported vectors */
    FSR_UNMODELLED_GMC = 1 << 10,      /* MPEG-4 global motion compensation (S-VOP) */
    FSR_UNMODELLED_DERIVED = 1 << 11,  /* vectors derived by fastsr, not read (MPEG-4 B pictures) */
    /* the picture's side information was unusable (the reason is another
     * bit): every block is intra and the picture gets SR like an I picture */
    FSR_UNMODELLED_NO_MAP = 1 << 12,
};

typedef struct FsrBlockMapCounts {
    int intra, pskip, bskip, direct, inter; /* blocks per kind */
    int bi;                /* inter blocks predicted from both lists */
    int predicted;         /* blocks with a prediction (inter, not NO_REF) */
    int zero_residual;     /* of those, with an exact (zero) residual */
    int no_ref;            /* blocks whose reference was unavailable */
    int dropped_mv;        /* bogus (0,0) vectors dropped */
    int ref_nonzero_idx;   /* list entries recovered at an index other than 0 */
    int missing_refs;      /* entries of the slices' reference lists whose picture was not
                              available (damaged stream, open-GOP start): the recovery
                              chose among the others */
} FsrBlockMapCounts;

typedef struct FsrBlockMap {
    int side_info;         /* 1: block map below (H.264, MPEG-2, MPEG-4 Part 2, or the motion
                              search's); 0: codec without side information */
    int64_t display_index; /* output order, from 0 */
    int64_t decode_index;  /* coded order, from 0 (-1 unknown) */
    int64_t pts;
    char type;             /* 'I', 'P', 'B' (decoder's picture type) */
    int is_ref;            /* nal_ref_idc != 0: other pictures may predict from it */
    int nal_ref_idc;
    int32_t poc;
    int width, height;     /* displayed LR size */
    int coded_w, coded_h;  /* mb_w * 16, mb_h * 16 */
    int crop_left, crop_top;
    int mb_w, mb_h;
    int nb_blocks;
    const FsrBlock *blocks;  /* raster order of macroblocks, partitions in scan order */
    /* decoded minus fastsr's prediction over the coded picture (chroma at
     * half size), 0 in intra and NO_REF blocks; stride in elements */
    const int16_t *residual[3];
    ptrdiff_t residual_stride[3];
    FsrBlockMapCounts counts;
    unsigned unmodelled;   /* FSR_UNMODELLED_* */
    int corrupt;           /* the decoder concealed errors in this frame */
} FsrBlockMap;

FSR_API const char *fsr_block_kind_name(int kind); /* "intra", "skip", "direct", "inter" */

/* Overlays the map on pic: partition outlines coloured by kind (intra red,
 * skip green, direct cyan, inter blue, bi magenta) and a vector line per
 * block.  pic is the displayed picture, LR or upscaled by an integer
 * factor (pic->w / map->width).  Returns 0 or a negative error. */
FSR_API int fsr_blockmap_draw(FsrPicture *pic, const FsrBlockMap *map);

#endif
