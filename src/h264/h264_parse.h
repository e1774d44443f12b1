/* H.264 bitstream facts that libavcodec does not export: per picture the
 * nal_ref_idc, POC and frame_num, and per slice the reference picture lists
 * (after ref_pic_list_modification) and the prediction weights (explicit
 * pred_weight_table, implicit B weights).  It parses SPS, PPS and slice
 * headers from the packets in decode order and simulates the decoded
 * reference picture marking (sliding window and MMCO), so every list entry
 * is named by the decode index ("AU index") of the picture it points at. */
#ifndef FASTSR_SRC_H264_PARSE_H
#define FASTSR_SRC_H264_PARSE_H

#include <stdint.h>

#include "fastsr/blockmap.h"

#define FSR_H264_MAX_REFS 32   /* list entries per list (fields would need 32) */
#define FSR_H264_MAX_DPB 16

enum FsrH264SliceType { FSR_SLICE_P = 0, FSR_SLICE_B = 1, FSR_SLICE_I = 2 };

enum FsrH264WeightMode { FSR_WEIGHT_NONE = 0, FSR_WEIGHT_EXPLICIT = 1, FSR_WEIGHT_IMPLICIT = 2 };

typedef struct FsrH264Slice {
    int first_mb;
    int type;                              /* FsrH264SliceType */
    int num_ref[2];                        /* active entries per list */
    int64_t ref[2][FSR_H264_MAX_REFS];     /* AU index per entry, -1: no picture */
    int32_t ref_poc[2][FSR_H264_MAX_REFS];
    uint8_t ref_long[2][FSR_H264_MAX_REFS];
    int weight_mode;                       /* FsrH264WeightMode */
    int log2_denom[2];                     /* luma, chroma (explicit) */
    /* explicit weights per list, entry and plane (Y, Cb, Cr); entries that
     * the table does not set hold the default 1 << denom, offset 0 */
    int16_t weight[2][FSR_H264_MAX_REFS][3];
    int16_t offset[2][FSR_H264_MAX_REFS][3];
} FsrH264Slice;

/* One coded picture (access unit). */
typedef struct FsrH264AU {
    int64_t au;          /* decode index: 0, 1, 2, ... over the pictures parsed */
    int64_t pts;
    int nal_ref_idc;     /* of the first slice */
    int idr;
    int32_t poc;
    int frame_num;
    int mb_w, mb_h;
    unsigned unmodelled; /* what the parser saw but does not model: FSR_UNMODELLED_* of fastsr/blockmap.h */
    int nb_slices;
    FsrH264Slice *slices;
} FsrH264AU;

typedef struct FsrH264Parser FsrH264Parser;

/* extradata: avcC (MP4/MKV) or Annex B parameter sets, may be empty. */
int fsr_h264_parser_open(FsrH264Parser **p, const uint8_t *extradata, int size);
void fsr_h264_parser_close(FsrH264Parser **p);

/* Parses one packet (one access unit, as demuxers deliver them).  Returns 1
 * and fills au (slices allocated; free with fsr_h264_au_free) when it holds
 * a picture, 0 when it holds none (parameter sets only), negative on
 * allocation failure.  Damaged headers do not fail: the picture is
 * returned with FSR_UNMODELLED_HEADER set. */
int fsr_h264_parse_packet(FsrH264Parser *p, const uint8_t *data, int size, int64_t pts, FsrH264AU *au);
void fsr_h264_au_free(FsrH264AU *au);

/* 1 when the AU index is still held for reference by the simulated DPB. */
int fsr_h264_parser_holds(const FsrH264Parser *p, int64_t au);

/* Implicit bi-prediction weights (8.4.2.3.1) for entries with POCs poc0,
 * poc1 seen from cur: w0 + w1 = 64, denominator 2^5. */
void fsr_h264_implicit_weights(int32_t cur, int32_t poc0, int32_t poc1, int long0, int long1, int *w0, int *w1);

#endif
