#include "h264_parse.h"
#include "h264_syntax.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

/* ---- bit reader over an unescaped NAL payload ---- */

typedef struct Bits {
    const uint8_t *buf;
    int size_bits, pos;
    int overrun;
} Bits;

static unsigned get_bit(Bits *b)
{
    if (b->pos >= b->size_bits) {
        b->overrun = 1;
        return 0;
    }
    unsigned v = (b->buf[b->pos >> 3] >> (7 - (b->pos & 7))) & 1;
    b->pos++;
    return v;
}

static unsigned get_bits(Bits *b, int n)
{
    unsigned v = 0;
    while (n--)
        v = v << 1 | get_bit(b);
    return v;
}

static unsigned get_ue(Bits *b)
{
    int zeros = 0;
    while (!get_bit(b)) {
        if (++zeros > 31 || b->overrun) {
            b->overrun = 1;
            return 0;
        }
    }
    return zeros ? ((1u << zeros) - 1 + get_bits(b, zeros)) : 0;
}

/* ue(v) limited to 0..max (the range the standard allows, or what fastsr
 * can hold): a larger value marks the header unreadable (overrun) and
 * reads as max, so no caller ever sees a value outside the range. */
static int get_ue_max(Bits *b, unsigned max)
{
    unsigned v = get_ue(b);
    if (v > max) {
        b->overrun = 1;
        return (int)max;
    }
    return (int)v;
}

static int get_se(Bits *b)
{
    unsigned v = get_ue(b);
    return v & 1 ? (int)((v + 1) >> 1) : -(int)(v >> 1);
}

/* Removes emulation prevention bytes (00 00 03); headers are short, so only
 * the first max bytes are kept. */
static int unescape(uint8_t *dst, int max, const uint8_t *src, int size)
{
    int n = 0, zeros = 0;
    for (int i = 0; i < size && n < max; i++) {
        if (zeros >= 2 && src[i] == 3) {
            zeros = 0;
            continue;
        }
        zeros = src[i] ? 0 : zeros + 1;
        dst[n++] = src[i];
    }
    return n;
}

/* ---- parameter sets ---- */

static void skip_scaling_list(Bits *b, int size)
{
    int last = 8, next = 8;
    for (int j = 0; j < size; j++) {
        if (next) {
            int delta = get_se(b);
            next = (last + delta + 256) % 256;
        }
        last = next ? next : last;
    }
}

static void parse_sps(FsrH264Parser *p, Bits *b)
{
    Sps s = { 0 };
    int profile = get_bits(b, 8);
    get_bits(b, 16); /* constraint flags, level */
    unsigned id = get_ue(b);
    if (id >= 32)
        return;
    s.chroma_format_idc = 1;
    s.bit_depth = 8;
    if (profile == 100 || profile == 110 || profile == 122 || profile == 244 || profile == 44 || profile == 83 ||
        profile == 86 || profile == 118 || profile == 128 || profile == 138 || profile == 139 || profile == 134 ||
        profile == 135) {
        s.chroma_format_idc = get_ue_max(b, 3);
        if (s.chroma_format_idc == 3)
            s.separate_colour_plane = get_bit(b);
        s.bit_depth = 8 + get_ue_max(b, 6);
        get_ue_max(b, 6);
        get_bit(b);
        if (get_bit(b))
            for (int i = 0; i < (s.chroma_format_idc != 3 ? 8 : 12); i++)
                if (get_bit(b))
                    skip_scaling_list(b, i < 6 ? 16 : 64);
    }
    s.log2_max_frame_num = get_ue_max(b, 12) + 4;
    s.poc_type = get_ue_max(b, 2);
    if (s.poc_type == 0) {
        s.log2_max_poc_lsb = get_ue_max(b, 12) + 4;
    } else if (s.poc_type == 1) {
        s.delta_pic_order_always_zero = get_bit(b);
        get_se(b);
        get_se(b);
        unsigned n = get_ue(b);
        if (n > 255)
            return;
        for (unsigned i = 0; i < n; i++)
            get_se(b);
    }
    s.max_num_ref_frames = get_ue_max(b, 16);
    get_bit(b); /* gaps_in_frame_num_value_allowed_flag */
    s.mb_w = get_ue_max(b, 1023) + 1;
    int map_h = get_ue_max(b, 1023) + 1;
    s.frame_mbs_only = get_bit(b);
    if (!s.frame_mbs_only)
        s.mbaff = get_bit(b);
    s.mb_h = map_h * (2 - s.frame_mbs_only);
    if (b->overrun || s.log2_max_frame_num > 16 || s.log2_max_poc_lsb > 16 || s.max_num_ref_frames > 16 ||
        s.mb_w > 1024 || s.mb_h > 1024)
        return;
    s.valid = 1;
    p->sps[id] = s;
}

static void parse_pps(FsrH264Parser *p, Bits *b)
{
    Pps s = { 0 };
    unsigned id = get_ue(b);
    s.sps_id = get_ue_max(b, 31);
    if (id >= 256 || b->overrun)
        return;
    get_bit(b); /* entropy_coding_mode_flag */
    s.bottom_field_pic_order_present = get_bit(b);
    s.num_slice_groups = get_ue_max(b, 7) + 1;
    if (s.num_slice_groups > 1) {
        /* FMO: the slice-group map is not needed to name it unmodelled. */
        s.valid = 1;
        p->pps[id] = s;
        return;
    }
    s.num_ref_idx_default[0] = get_ue_max(b, 31) + 1;
    s.num_ref_idx_default[1] = get_ue_max(b, 31) + 1;
    s.weighted_pred = get_bit(b);
    s.weighted_bipred_idc = get_bits(b, 2);
    get_se(b);
    get_se(b);
    get_se(b);
    get_bit(b); /* deblocking_filter_control_present_flag */
    get_bit(b); /* constrained_intra_pred_flag */
    s.redundant_pic_cnt_present = get_bit(b);
    if (b->overrun || s.num_ref_idx_default[0] > 32 || s.num_ref_idx_default[1] > 32)
        return;
    s.valid = 1;
    p->pps[id] = s;
}


/* ---- slice header ---- */

/* The slice header (7.3.3) in the order of its syntax: the picture's
 * identity and POC, the reference counts and list modifications, the
 * prediction weight table, the reference marking.  Each stage returns -1
 * for a header fastsr cannot use. */

/* first_mb_in_slice .. direct_spatial_mv_pred_flag */
static int parse_slice_identity(FsrH264Parser *p, Bits *b, int nal_type, SliceHeader *sh, const Sps **psps,
                                unsigned *unmodelled)
{
    sh->first_mb = get_ue_max(b, 1024 * 1024 - 1);
    sh->type = get_ue_max(b, 9) % 5;
    if (sh->type == 3)
        sh->type = FSR_SLICE_P; /* SP */
    else if (sh->type == 4)
        sh->type = FSR_SLICE_I; /* SI */
    sh->pps_id = get_ue_max(b, 255);
    if (b->overrun || !p->pps[sh->pps_id].valid)
        return -1;
    const Pps *pps = &p->pps[sh->pps_id];
    const Sps *sps = &p->sps[pps->sps_id];
    if (!sps->valid)
        return -1;
    *psps = sps;
    if (pps->num_slice_groups > 1) {
        *unmodelled |= FSR_UNMODELLED_FMO;
        return -1;
    }
    if (sps->chroma_format_idc != 1 || sps->bit_depth != 8)
        *unmodelled |= FSR_UNMODELLED_FORMAT;
    if (sps->separate_colour_plane)
        get_bits(b, 2); /* colour_plane_id */
    sh->frame_num = get_bits(b, sps->log2_max_frame_num);
    if (!sps->frame_mbs_only) {
        sh->field = get_bit(b);
        if (sh->field)
            get_bit(b);
        if (sh->field || sps->mbaff)
            *unmodelled |= FSR_UNMODELLED_FIELD;
    }
    if (nal_type == 5)
        sh->idr_pic_id = get_ue_max(b, 65535);
    if (sps->poc_type == 0) {
        sh->poc_lsb = get_bits(b, sps->log2_max_poc_lsb);
        if (pps->bottom_field_pic_order_present && !sh->field)
            sh->delta_poc_bottom = get_se(b);
    } else if (sps->poc_type == 1) {
        *unmodelled |= FSR_UNMODELLED_POC;
        if (!sps->delta_pic_order_always_zero) {
            get_se(b);
            if (pps->bottom_field_pic_order_present && !sh->field)
                get_se(b);
        }
    }
    if (pps->redundant_pic_cnt_present)
        get_ue(b);
    if (sh->type == FSR_SLICE_B)
        get_bit(b); /* direct_spatial_mv_pred_flag */
    return 0;
}

/* num_ref_idx_active_override and ref_pic_list_modification (7.3.3.1) */
static int parse_ref_lists(const Pps *pps, Bits *b, SliceHeader *sh)
{
    sh->num_ref[0] = pps->num_ref_idx_default[0];
    sh->num_ref[1] = pps->num_ref_idx_default[1];
    if (sh->type == FSR_SLICE_I)
        return 0;
    if (get_bit(b)) {
        sh->num_ref[0] = get_ue_max(b, 31) + 1;
        if (sh->type == FSR_SLICE_B)
            sh->num_ref[1] = get_ue_max(b, 31) + 1;
    }
    if (sh->num_ref[0] > FSR_H264_MAX_REFS || sh->num_ref[1] > FSR_H264_MAX_REFS)
        return -1;
    for (int l = 0; l < (sh->type == FSR_SLICE_B ? 2 : 1); l++) {
        if (!get_bit(b))
            continue;
        for (;;) {
            int idc = get_ue_max(b, 5);
            if (idc == 3)
                break;
            if (idc > 3 || sh->mod_n[l] > FSR_H264_MAX_REFS || b->overrun)
                return -1;
            sh->mod_idc[l][sh->mod_n[l]] = idc;
            /* abs_diff_pic_num_minus1 < MaxPicNum (2^16), long_term_pic_num */
            sh->mod_val[l][sh->mod_n[l]++] = get_ue_max(b, 65535);
        }
    }
    return 0;
}

/* pred_weight_table (7.3.3.2): default entries first, then the table
 * overrides them */
static int parse_pred_weights(const Sps *sps, const Pps *pps, Bits *b, const SliceHeader *sh, FsrH264Slice *sl)
{
    sl->weight_mode = FSR_WEIGHT_NONE;
    for (int l = 0; l < 2; l++)
        for (int i = 0; i < FSR_H264_MAX_REFS; i++)
            for (int c = 0; c < 3; c++) {
                sl->weight[l][i][c] = 1;
                sl->offset[l][i][c] = 0;
            }
    if (pps->weighted_bipred_idc == 2 && sh->type == FSR_SLICE_B) {
        sl->weight_mode = FSR_WEIGHT_IMPLICIT;
        return 0;
    }
    if (!(pps->weighted_pred && sh->type == FSR_SLICE_P) && !(pps->weighted_bipred_idc == 1 && sh->type == FSR_SLICE_B))
        return 0;
    sl->weight_mode = FSR_WEIGHT_EXPLICIT;
    sl->log2_denom[0] = get_ue_max(b, 7);
    /* chroma weights where ChromaArrayType != 0 */
    const int chroma = sps->chroma_format_idc && !sps->separate_colour_plane;
    sl->log2_denom[1] = chroma ? get_ue_max(b, 7) : 0;
    if (b->overrun)
        return -1;
    for (int l = 0; l < (sh->type == FSR_SLICE_B ? 2 : 1); l++)
        for (int i = 0; i < sh->num_ref[l]; i++) {
            sl->weight[l][i][0] = (int16_t)(1 << sl->log2_denom[0]);
            sl->weight[l][i][1] = sl->weight[l][i][2] = (int16_t)(1 << sl->log2_denom[1]);
            if (get_bit(b)) {
                sl->weight[l][i][0] = (int16_t)get_se(b);
                sl->offset[l][i][0] = (int16_t)get_se(b);
            }
            if (chroma && get_bit(b))
                for (int c = 1; c < 3; c++) {
                    sl->weight[l][i][c] = (int16_t)get_se(b);
                    sl->offset[l][i][c] = (int16_t)get_se(b);
                }
        }
    return 0;
}

/* dec_ref_pic_marking (7.3.3.3) */
static int parse_ref_marking(Bits *b, int nal_type, SliceHeader *sh)
{
    if (nal_type == 5) {
        get_bit(b);
        sh->long_term_reference_flag = get_bit(b);
        return 0;
    }
    if (!(sh->adaptive = get_bit(b)))
        return 0;
    for (;;) {
        int op = get_ue_max(b, 7);
        if (!op)
            break;
        if (op > 6 || sh->mmco_n >= 66 || b->overrun)
            return -1;
        sh->mmco[sh->mmco_n][0] = op;
        /* difference_of_pic_nums_minus1 < MaxPicNum (2^16); long-term
         * picture numbers and indices below 32 */
        if (op == 1 || op == 3)
            sh->mmco[sh->mmco_n][1] = get_ue_max(b, 65535);
        if (op == 2)
            sh->mmco[sh->mmco_n][1] = get_ue_max(b, 31);
        if (op == 3 || op == 6 || op == 4)
            sh->mmco[sh->mmco_n][2] = get_ue_max(b, 32);
        sh->mmco_n++;
    }
    return 0;
}

static int parse_slice_header(FsrH264Parser *p, Bits *b, int nal_type, int nal_ref_idc, SliceHeader *sh,
                              FsrH264Slice *sl, const Sps **psps, unsigned *unmodelled)
{
    memset(sh, 0, sizeof(*sh));
    if (parse_slice_identity(p, b, nal_type, sh, psps, unmodelled) < 0)
        return -1;
    const Pps *pps = &p->pps[sh->pps_id];
    if (parse_ref_lists(pps, b, sh) < 0 || parse_pred_weights(*psps, pps, b, sh, sl) < 0)
        return -1;
    if (nal_ref_idc && parse_ref_marking(b, nal_type, sh) < 0)
        return -1;
    sl->first_mb = sh->first_mb;
    sl->type = sh->type;
    return b->overrun ? -1 : 0;
}

/* ---- NAL iteration ---- */

typedef struct Nal {
    const uint8_t *data;
    int size;
} Nal;

static int next_nal(const FsrH264Parser *p, const uint8_t **pos, const uint8_t *end, Nal *nal)
{
    const uint8_t *q = *pos;
    if (p->nal_length_size) {
        if (end - q < p->nal_length_size)
            return 0;
        uint32_t len = 0;
        for (int i = 0; i < p->nal_length_size; i++)
            len = len << 8 | *q++;
        if (len > (uint32_t)(end - q))
            len = (uint32_t)(end - q);
        nal->data = q;
        nal->size = (int)len;
        *pos = q + len;
        return 1;
    }
    /* Annex B: find a start code, the NAL runs to the next one */
    while (end - q >= 3 && !(q[0] == 0 && q[1] == 0 && q[2] == 1))
        q++;
    if (end - q < 3)
        return 0;
    q += 3;
    const uint8_t *s = q;
    while (end - q >= 3 && !(q[0] == 0 && q[1] == 0 && (q[2] == 1 || q[2] == 0)))
        q++;
    if (end - q < 3)
        q = end;
    nal->data = s;
    nal->size = (int)(q - s);
    *pos = q;
    return 1;
}

static void parse_param_nal(FsrH264Parser *p, const Nal *nal)
{
    if (nal->size < 2)
        return;
    int type = nal->data[0] & 31;
    if (type != 7 && type != 8)
        return;
    uint8_t buf[1024];
    int n = unescape(buf, sizeof(buf), nal->data + 1, nal->size - 1);
    Bits b = { buf, n * 8, 0, 0 };
    if (type == 7)
        parse_sps(p, &b);
    else
        parse_pps(p, &b);
}

int fsr_h264_parser_open(FsrH264Parser **out, const uint8_t *ext, int size)
{
    FsrH264Parser *p = calloc(1, sizeof(*p));
    if (!p)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    if (size >= 7 && ext[0] == 1) {
        /* avcC */
        p->nal_length_size = (ext[4] & 3) + 1;
        const uint8_t *q = ext + 5, *end = ext + size;
        for (int set = 0; set < 2; set++) {
            if (q >= end)
                break;
            int count = set == 0 ? (*q++ & 31) : *q++;
            for (int i = 0; i < count && end - q >= 2; i++) {
                int len = q[0] << 8 | q[1];
                q += 2;
                if (len > end - q)
                    break;
                Nal nal = { q, len };
                parse_param_nal(p, &nal);
                q += len;
            }
        }
    } else if (size > 0) {
        Nal nal;
        const uint8_t *q = ext;
        while (next_nal(p, &q, ext + size, &nal))
            parse_param_nal(p, &nal);
    }
    *out = p;
    return 0;
}

void fsr_h264_parser_close(FsrH264Parser **p)
{
    free(*p);
    *p = NULL;
}

void fsr_h264_au_free(FsrH264AU *au)
{
    free(au->slices);
    au->slices = NULL;
    au->nb_slices = 0;
}

int fsr_h264_parser_holds(const FsrH264Parser *p, int64_t au)
{
    for (int i = 0; i < p->dpb_n; i++)
        if (p->dpb[i].au == au)
            return 1;
    return 0;
}

#define MAX_SLICES 64

int fsr_h264_parse_packet(FsrH264Parser *p, const uint8_t *data, int size, int64_t pts, FsrH264AU *au)
{
    memset(au, 0, sizeof(*au));
    au->pts = pts;
    const uint8_t *q = data, *end = data + size;
    Nal nal;
    int have_pic = 0, slices_cap = 0;
    SliceHeader *sh = NULL, *first = NULL;
    const Sps *sps = NULL;
    int first_type = 0;
    int ret = 0;
    sh = malloc(sizeof(*sh) * 2);
    if (!sh)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    first = sh + 1;
    while (next_nal(p, &q, end, &nal)) {
        if (nal.size < 2)
            continue;
        int type = nal.data[0] & 31, ref_idc = (nal.data[0] >> 5) & 3;
        if (type == 7 || type == 8) {
            parse_param_nal(p, &nal);
            continue;
        }
        if (type != 1 && type != 5)
            continue; /* data partitioning (2-4) is Extended profile only */
        uint8_t buf[2048];
        int n = unescape(buf, sizeof(buf), nal.data + 1, nal.size - 1);
        Bits b = { buf, n * 8, 0, 0 };
        if (au->nb_slices >= slices_cap) {
            if (slices_cap >= MAX_SLICES) {
                au->unmodelled |= FSR_UNMODELLED_SLICES;
                continue;
            }
            slices_cap = slices_cap ? slices_cap * 2 : 4;
            FsrH264Slice *s = realloc(au->slices, sizeof(*s) * slices_cap);
            if (!s) {
                ret = fsr_error(FSR_ERR(ENOMEM), "out of memory");
                goto done;
            }
            au->slices = s;
        }
        FsrH264Slice *sl = &au->slices[au->nb_slices];
        memset(sl, 0, sizeof(*sl));
        const Sps *s_sps = NULL;
        if (parse_slice_header(p, &b, type, ref_idc, sh, sl, &s_sps, &au->unmodelled) < 0) {
            au->unmodelled |= FSR_UNMODELLED_HEADER;
            if (!have_pic) {
                have_pic = 1;
                au->nal_ref_idc = ref_idc;
                au->idr = type == 5;
            }
            continue;
        }
        if (!have_pic) {
            have_pic = 1;
            au->nal_ref_idc = ref_idc;
            au->idr = type == 5;
            *first = *sh;
            sps = s_sps;
            first_type = type;
            au->frame_num = sh->frame_num;
            au->mb_w = sps->mb_w;
            au->mb_h = sps->mb_h;
            au->poc = fsr_h264_compute_poc(p, sps, sh, au->idr, ref_idc != 0);
            if (!au->idr && p->have_prev && sh->frame_num != p->prev_ref_frame_num &&
                sh->frame_num != (p->prev_ref_frame_num + 1) % (1 << sps->log2_max_frame_num))
                au->unmodelled |= FSR_UNMODELLED_GAP;
        }
        fsr_h264_build_lists(p, s_sps, sh, au->poc, sl);
        au->nb_slices++;
    }
    if (have_pic) {
        au->au = p->next_au++;
        if (sps && au->nal_ref_idc) {
            fsr_h264_mark_reference(p, sps, first, first_type == 5, au->au, &au->poc);
            p->prev_ref_frame_num = first->frame_num;
            p->have_prev = 1;
        }
        ret = 1;
    }
done:
    free(sh);
    if (ret <= 0)
        fsr_h264_au_free(au);
    return ret;
}

void fsr_h264_implicit_weights(int32_t cur, int32_t poc0, int32_t poc1, int long0, int long1, int *w0, int *w1)
{
    *w0 = *w1 = 32;
    const int64_t td64 = (int64_t)poc1 - poc0, tb64 = (int64_t)cur - poc0;
    const int td = td64 < -128 ? -128 : td64 > 127 ? 127 : (int)td64;
    if (!td || long0 || long1)
        return;
    const int tb = tb64 < -128 ? -128 : tb64 > 127 ? 127 : (int)tb64;
    int tx = (16384 + abs(td / 2)) / td;
    int dsf = (tb * tx + 32) >> 6;
    dsf = dsf < -1024 ? -1024 : dsf > 1023 ? 1023 : dsf;
    if ((dsf >> 2) < -64 || (dsf >> 2) > 128)
        return;
    *w0 = 64 - (dsf >> 2);
    *w1 = dsf >> 2;
}
