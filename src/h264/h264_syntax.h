/* The parser's state and the parsed syntax shared by h264_parse.c (bit
 * reader, parameter sets, slice headers, NAL units) and h264_dpb.c
 * (reference lists, POC, reference marking). */
#ifndef FASTSR_SRC_H264_SYNTAX_H
#define FASTSR_SRC_H264_SYNTAX_H

#include <stdint.h>

#include "h264_parse.h"

typedef struct Sps {
    int valid;
    int chroma_format_idc, bit_depth;
    int separate_colour_plane;       /* 4:4:4 coded as three monochrome planes */
    int log2_max_frame_num, poc_type, log2_max_poc_lsb;
    int delta_pic_order_always_zero;
    int max_num_ref_frames;
    int frame_mbs_only, mbaff;
    int mb_w, mb_h;
} Sps;

typedef struct Pps {
    int valid;
    int sps_id;
    int bottom_field_pic_order_present;
    int num_slice_groups;
    int num_ref_idx_default[2];
    int weighted_pred, weighted_bipred_idc;
    int redundant_pic_cnt_present;
} Pps;

typedef struct DpbPic {
    int64_t au;
    int frame_num;
    int32_t poc;
    int long_term;  /* 0 short-term, 1 long-term */
    int lt_idx;
} DpbPic;

struct FsrH264Parser {
    int nal_length_size; /* 0: Annex B start codes */
    Sps sps[32];
    Pps pps[256];
    DpbPic dpb[FSR_H264_MAX_DPB + 1];
    int dpb_n;
    int64_t next_au;
    /* POC state (8.2.1) */
    int prev_poc_msb, prev_poc_lsb;
    int prev_frame_num_offset, prev_frame_num, prev_ref_frame_num;
    int prev_had_mmco5;
    int have_prev;
};

typedef struct SliceHeader {
    int first_mb, type, pps_id, frame_num, field, idr_pic_id;
    int poc_lsb, delta_poc_bottom;
    int num_ref[2];
    int mod_n[2];
    int mod_idc[2][FSR_H264_MAX_REFS + 1], mod_val[2][FSR_H264_MAX_REFS + 1];
    int long_term_reference_flag, adaptive;
    int mmco_n;
    int mmco[66][3];
} SliceHeader;

/* Fills the slice's reference lists (RefPicList0/1 after modification):
 * each entry's access unit, POC and long-term flag. */
void fsr_h264_build_lists(const FsrH264Parser *p, const Sps *sps, const SliceHeader *sh, int32_t cur_poc,
                          FsrH264Slice *out);
/* PicOrderCnt of the current picture; updates the POC state. */
int32_t fsr_h264_compute_poc(FsrH264Parser *p, const Sps *sps, const SliceHeader *sh, int idr, int ref);
/* Reference marking after the current picture (sliding window or MMCO). */
void fsr_h264_mark_reference(FsrH264Parser *p, const Sps *sps, const SliceHeader *sh, int idr, int64_t au,
                             int32_t *poc);

#endif
