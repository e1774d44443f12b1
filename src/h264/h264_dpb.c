/* The decoded picture buffer's side of the H.264 syntax: reference list
 * construction (8.2.4), picture order count (8.2.1) and reference marking
 * (8.2.5), over the parser state of h264_syntax.h. */
#include "h264_syntax.h"

#include <stdlib.h>
#include <string.h>

/* ---- reference lists (8.2.4) ---- */

static int pic_num(const FsrH264Parser *p, const DpbPic *d, int cur_frame_num, int max_frame_num)
{
    (void)p;
    return d->frame_num > cur_frame_num ? d->frame_num - max_frame_num : d->frame_num;
}

static int cmp_desc(const void *a, const void *b)
{
    const int *x = a, *y = b;
    return (x[0] < y[0]) - (x[0] > y[0]);
}

static int cmp_asc(const void *a, const void *b)
{
    const int *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Fills list with DPB indices: sorted keys {key, dpb index}. */
static int init_list(const FsrH264Parser *p, int *list, int type, int lx, int32_t cur_poc, int frame_num,
                     int max_frame_num)
{
    int keys[FSR_H264_MAX_DPB + 1][2], n = 0, k = 0;
    if (type == FSR_SLICE_P) {
        for (int i = 0; i < p->dpb_n; i++)
            if (!p->dpb[i].long_term) {
                keys[k][0] = pic_num(p, &p->dpb[i], frame_num, max_frame_num);
                keys[k++][1] = i;
            }
        qsort(keys, k, sizeof(keys[0]), cmp_desc);
        for (int i = 0; i < k; i++)
            list[n++] = keys[i][1];
    } else {
        /* B: L0 = earlier POCs descending then later ascending; L1 the reverse. */
        int before[FSR_H264_MAX_DPB + 1][2], after[FSR_H264_MAX_DPB + 1][2], nb = 0, na = 0;
        for (int i = 0; i < p->dpb_n; i++)
            if (!p->dpb[i].long_term) {
                if (p->dpb[i].poc < cur_poc) {
                    before[nb][0] = p->dpb[i].poc;
                    before[nb++][1] = i;
                } else {
                    after[na][0] = p->dpb[i].poc;
                    after[na++][1] = i;
                }
            }
        qsort(before, nb, sizeof(before[0]), cmp_desc);
        qsort(after, na, sizeof(after[0]), cmp_asc);
        if (lx == 0) {
            for (int i = 0; i < nb; i++)
                list[n++] = before[i][1];
            for (int i = 0; i < na; i++)
                list[n++] = after[i][1];
        } else {
            for (int i = 0; i < na; i++)
                list[n++] = after[i][1];
            for (int i = 0; i < nb; i++)
                list[n++] = before[i][1];
        }
    }
    k = 0;
    for (int i = 0; i < p->dpb_n; i++)
        if (p->dpb[i].long_term) {
            keys[k][0] = p->dpb[i].lt_idx;
            keys[k++][1] = i;
        }
    qsort(keys, k, sizeof(keys[0]), cmp_asc);
    for (int i = 0; i < k; i++)
        list[n++] = keys[i][1];
    return n;
}

void fsr_h264_build_lists(const FsrH264Parser *p, const Sps *sps, const SliceHeader *sh, int32_t cur_poc,
                          FsrH264Slice *out)
{
    const int max_frame_num = 1 << sps->log2_max_frame_num;
    int full[2][FSR_H264_MAX_DPB + 1], len[2] = { 0, 0 };
    int nlists = sh->type == FSR_SLICE_B ? 2 : sh->type == FSR_SLICE_P ? 1 : 0;
    for (int l = 0; l < nlists; l++)
        len[l] = init_list(p, full[l], sh->type, l, cur_poc, sh->frame_num, max_frame_num);
    if (nlists == 2 && len[1] > 1 && len[0] == len[1] && !memcmp(full[0], full[1], sizeof(int) * len[0])) {
        int t = full[1][0];
        full[1][0] = full[1][1];
        full[1][1] = t;
    }
    for (int l = 0; l < 2; l++) {
        out->num_ref[l] = l < nlists ? sh->num_ref[l] : 0;
        int list[FSR_H264_MAX_REFS + 1];
        for (int i = 0; i < FSR_H264_MAX_REFS + 1; i++)
            list[i] = i < len[l] && i < out->num_ref[l] ? full[l][i] : -1;
        /* ref_pic_list_modification (8.2.4.3) */
        int pred = sh->frame_num;
        for (int m = 0, idx = 0; l < nlists && m < sh->mod_n[l] && idx < out->num_ref[l]; m++, idx++) {
            int idc = sh->mod_idc[l][m], found = -1;
            if (idc == 0 || idc == 1) {
                int diff = sh->mod_val[l][m] + 1;
                int nowrap = idc == 0 ? pred - diff : pred + diff;
                if (nowrap < 0)
                    nowrap += max_frame_num;
                else if (nowrap >= max_frame_num)
                    nowrap -= max_frame_num;
                pred = nowrap;
                int num = nowrap > sh->frame_num ? nowrap - max_frame_num : nowrap;
                for (int i = 0; i < p->dpb_n; i++)
                    if (!p->dpb[i].long_term && pic_num(p, &p->dpb[i], sh->frame_num, max_frame_num) == num)
                        found = i;
            } else {
                for (int i = 0; i < p->dpb_n; i++)
                    if (p->dpb[i].long_term && p->dpb[i].lt_idx == sh->mod_val[l][m])
                        found = i;
            }
            /* insert at idx, drop the later copy of the same picture */
            for (int i = out->num_ref[l]; i > idx; i--)
                list[i] = list[i - 1];
            list[idx] = found;
            int w = idx + 1;
            for (int i = idx + 1; i <= out->num_ref[l]; i++)
                if (list[i] != found || found < 0)
                    list[w++] = list[i];
        }
        for (int i = 0; i < FSR_H264_MAX_REFS; i++) {
            int d = i < out->num_ref[l] ? list[i] : -1;
            out->ref[l][i] = d >= 0 ? p->dpb[d].au : -1;
            out->ref_poc[l][i] = d >= 0 ? p->dpb[d].poc : 0;
            out->ref_long[l][i] = d >= 0 ? (uint8_t)p->dpb[d].long_term : 0;
        }
    }
}

/* ---- POC (8.2.1) and reference marking (8.2.5) ---- */

/* POCs of a damaged or hostile stream can run away (an MSB step per
 * picture, delta_pic_order_cnt_bottom of +-2^31): kept within +-2^30 so
 * that differences of two POCs fit an int32. */
#define POC_LIMIT (1 << 30)

static int32_t clamp_poc(int64_t v)
{
    return (int32_t)(v < -POC_LIMIT ? -POC_LIMIT : v > POC_LIMIT ? POC_LIMIT : v);
}

int32_t fsr_h264_compute_poc(FsrH264Parser *p, const Sps *sps, const SliceHeader *sh, int idr, int ref)
{
    const int max_frame_num = 1 << sps->log2_max_frame_num;
    if (sps->poc_type == 0) {
        int prev_msb = p->prev_poc_msb, prev_lsb = p->prev_poc_lsb;
        if (idr)
            prev_msb = prev_lsb = 0;
        const int max_lsb = 1 << sps->log2_max_poc_lsb;
        int msb = prev_msb;
        if (sh->poc_lsb < prev_lsb && prev_lsb - sh->poc_lsb >= max_lsb / 2)
            msb = clamp_poc((int64_t)prev_msb + max_lsb);
        else if (sh->poc_lsb > prev_lsb && sh->poc_lsb - prev_lsb > max_lsb / 2)
            msb = clamp_poc((int64_t)prev_msb - max_lsb);
        const int64_t top = (int64_t)msb + sh->poc_lsb, bottom = top + sh->delta_poc_bottom;
        if (ref) {
            p->prev_poc_msb = msb;
            p->prev_poc_lsb = sh->poc_lsb;
        }
        return clamp_poc(top < bottom ? top : bottom);
    }
    /* types 1 (approximated, flagged) and 2 */
    const int offset =
        idr ? 0 : clamp_poc((int64_t)p->prev_frame_num_offset + (p->prev_frame_num > sh->frame_num ? max_frame_num : 0));
    p->prev_frame_num_offset = offset;
    p->prev_frame_num = sh->frame_num;
    if (idr)
        return 0;
    return clamp_poc(2 * ((int64_t)offset + sh->frame_num) - (ref ? 0 : 1));
}

static void dpb_remove(FsrH264Parser *p, int i)
{
    memmove(&p->dpb[i], &p->dpb[i + 1], sizeof(p->dpb[0]) * (p->dpb_n - i - 1));
    p->dpb_n--;
}

void fsr_h264_mark_reference(FsrH264Parser *p, const Sps *sps, const SliceHeader *sh, int idr, int64_t au,
                             int32_t *poc)
{
    const int max_frame_num = 1 << sps->log2_max_frame_num;
    DpbPic cur = { .au = au, .frame_num = sh->frame_num, .poc = *poc };
    if (idr) {
        p->dpb_n = 0;
        cur.long_term = sh->long_term_reference_flag;
    } else if (sh->adaptive) {
        for (int m = 0; m < sh->mmco_n; m++) {
            const int op = sh->mmco[m][0], a = sh->mmco[m][1], c = sh->mmco[m][2];
            const int num = sh->frame_num - (a + 1);
            if (op == 1 || op == 3) {
                for (int i = 0; i < p->dpb_n; i++)
                    if (!p->dpb[i].long_term && pic_num(p, &p->dpb[i], sh->frame_num, max_frame_num) == num) {
                        if (op == 1) {
                            dpb_remove(p, i);
                        } else {
                            for (int j = 0; j < p->dpb_n; j++)
                                if (p->dpb[j].long_term && p->dpb[j].lt_idx == c) {
                                    dpb_remove(p, j);
                                    if (j < i)
                                        i--;
                                    break;
                                }
                            p->dpb[i].long_term = 1;
                            p->dpb[i].lt_idx = c;
                        }
                        break;
                    }
            } else if (op == 2) {
                for (int i = 0; i < p->dpb_n; i++)
                    if (p->dpb[i].long_term && p->dpb[i].lt_idx == a) {
                        dpb_remove(p, i);
                        break;
                    }
            } else if (op == 4) {
                for (int i = p->dpb_n - 1; i >= 0; i--)
                    if (p->dpb[i].long_term && p->dpb[i].lt_idx >= c)
                        dpb_remove(p, i);
            } else if (op == 5) {
                p->dpb_n = 0;
                /* the picture behaves as frame_num 0, POC rebased to 0 */
                cur.frame_num = 0;
                cur.poc = 0;
                p->prev_poc_msb = 0;
                p->prev_poc_lsb = 0;
                p->prev_frame_num_offset = 0;
                p->prev_frame_num = 0;
            } else if (op == 6) {
                for (int j = 0; j < p->dpb_n; j++)
                    if (p->dpb[j].long_term && p->dpb[j].lt_idx == c) {
                        dpb_remove(p, j);
                        break;
                    }
                cur.long_term = 1;
                cur.lt_idx = c;
            }
        }
    } else {
        int max = sps->max_num_ref_frames > 0 ? sps->max_num_ref_frames : 1;
        while (p->dpb_n >= max) {
            int oldest = -1;
            for (int i = 0; i < p->dpb_n; i++)
                if (!p->dpb[i].long_term &&
                    (oldest < 0 || pic_num(p, &p->dpb[i], sh->frame_num, max_frame_num) <
                                       pic_num(p, &p->dpb[oldest], sh->frame_num, max_frame_num)))
                    oldest = i;
            if (oldest < 0)
                break;
            dpb_remove(p, oldest);
        }
    }
    /* a damaged stream can overfill it; keep the newest */
    while (p->dpb_n >= FSR_H264_MAX_DPB)
        dpb_remove(p, 0);
    p->dpb[p->dpb_n++] = cur;
    *poc = cur.poc;
}
