#include "sideinfo.h"

#include <stdlib.h>
#include <string.h>

#include <libavutil/motion_vector.h>
#include <libavutil/pixdesc.h>

#include "blockmap_build.h"
#include "h264_parse.h"
#include "mpeg_sideinfo.h"
#include "avlog.h"
#include "log.h"

/* Frames held back for their references before they are handed out
 * regardless (a reference the decoder never delivered). */
#define MAX_HELD 24
/* Parsed pictures whose frame did not come out (dropped by the decoder) are
 * forgotten this many pictures later: H.264 reorders by at most 16. */
#define AU_HORIZON 20
#define MAX_SLOTS 96

/* A decoded picture held for reference or for reordering: a reference to
 * libavcodec's own buffer (decoded pictures are not modified once output),
 * so nothing is copied. */
typedef struct Slot {
    int used;
    int emitted;
    int64_t au;
    FsrRefPic rp;
    FsrPicture pic; /* coded size, pointing into frame */
    AVFrame *frame;
} Slot;

typedef struct Pending {
    FsrFrame frame;
    int slot;
    int crop_left, crop_top;
    int has_au;
    FsrH264AU au;
    int has_table;
    FsrMbTable table;
    AVMotionVector *mvs;
    int nb_mvs;
} Pending;

/* A macroblock table being read from the log, cell by cell. */
typedef struct TableReader {
    int active;
    FsrMbTable t;
    int cells, cap;
    int row, col, field; /* field: 0 QP next, 1 type, 2 partition, 3 interlace */
    int bad;
} TableReader;

struct FsrSideInfo {
    int mpeg_plain;        /* FsrDecoderSettings.mpeg_plain */
    FsrDecoder *dec;
    FsrDecoderHook hook;
    int supported;
    const AVCodecContext *avctx;
    int registered;
    FsrH264Parser *parser;
    FsrMpegSide *mpeg;     /* MPEG-2 / MPEG-4 Part 2: maps from exported vectors */
    TableReader tr;
    FsrH264AU *aus;
    int naus, aus_cap;
    Pending *q;
    int nq, q_cap;
    Slot **slots; /* stable addresses: maps point at their pictures */
    int nslots;
    int out_slot;
    int eof;
    int pending_err;
    FsrBlockMapBuilder bld;
    FsrBlockMap plain; /* map of codecs without side info */
    FsrSideInfoStats stats;
    char codec_name[64];
};

/* ---- the macroblock-type table, from this codec context's log lines ---- */

static void table_free(FsrMbTable *t)
{
    free(t->qp);
    free(t->type);
    free(t->part);
    memset(t, 0, sizeof(*t));
}

static void table_put(FsrSideInfo *si, int field, int v)
{
    TableReader *r = &si->tr;
    if (r->bad)
        return;
    if (field == 0) {
        if (r->cells >= r->cap) {
            int cap = r->cap ? r->cap * 2 : 1024;
            if (cap > 1024 * 1024) {
                r->bad = 1;
                return;
            }
            uint8_t *qp = realloc(r->t.qp, cap);
            if (qp)
                r->t.qp = qp;
            char *ty = realloc(r->t.type, cap);
            if (ty)
                r->t.type = ty;
            char *pa = realloc(r->t.part, cap);
            if (pa)
                r->t.part = pa;
            if (!qp || !ty || !pa) {
                r->bad = 1;
                return;
            }
            r->cap = cap;
        }
        r->t.qp[r->cells] = (uint8_t)v;
        r->t.type[r->cells] = '?';
        r->t.part[r->cells] = '?';
        r->field = 1;
        return;
    }
    if (r->field == 1)
        r->t.type[r->cells] = (char)v;
    else if (r->field == 2)
        r->t.part[r->cells] = (char)v;
    if (r->field == 3 || r->field == 0) {
        r->cells++;
        r->col++;
        r->field = 0;
    } else {
        r->field++;
    }
}

static void on_avlog(void *opaque, int level, const char *fmt, va_list vl)
{
    FsrSideInfo *si = opaque;
    TableReader *r = &si->tr;
    if (level == AV_LOG_DEBUG && fmt) {
        /* most frequent first: one call per character of every cell */
        if (fmt[0] && !fmt[1]) {
            if (fmt[0] == '\n') {
                if (!r->active)
                    return;
                if (r->row == 0)
                    r->t.mb_w = r->col;
                else if (r->col != r->t.mb_w)
                    r->bad = 1;
                r->row++;
                r->col = 0;
                r->t.mb_h = r->row;
            } else if (r->active && r->field) {
                table_put(si, r->field, (unsigned char)fmt[0]);
            }
            return;
        }
        if (fmt[0] == '%' && fmt[1] == '2' && fmt[2] == 'd' && !fmt[3]) {
            if (r->active) {
                va_list c;
                va_copy(c, vl);
                table_put(si, 0, va_arg(c, int));
                va_end(c);
            }
            return;
        }
        if (!strncmp(fmt, "New frame, type: ", 17)) {
            if (r->active)
                si->stats.tables_lost++;
            va_list c;
            va_copy(c, vl);
            r->active = 1;
            r->bad = 0;
            r->t.pict_type = (char)va_arg(c, int);
            va_end(c);
            r->cells = r->row = r->col = r->field = 0;
            r->t.mb_w = r->t.mb_h = 0;
            return;
        }
        if (r->active && r->field && !strcmp(fmt, "%c")) {
            va_list c;
            va_copy(c, vl);
            table_put(si, r->field, va_arg(c, int));
            va_end(c);
        }
        return;
    }
    /* the decoder's own warnings, as fastsr shows libav messages: debug only */
    if (level <= AV_LOG_WARNING) {
        char line[512];
        vsnprintf(line, sizeof(line), fmt, vl);
        size_t n = strlen(line);
        while (n && line[n - 1] == '\n')
            line[--n] = 0;
        fsr_log(FSR_LOG_DEBUG, "libav: %s", line);
    }
}

/* ---- decoder hook ---- */

static int hook_open(void *opaque, AVCodecContext *avctx, const AVStream *st)
{
    FsrSideInfo *si = opaque;
    (void)st;
    snprintf(si->codec_name, sizeof(si->codec_name), "%s", avcodec_get_name(avctx->codec_id));
    const int mpeg = avctx->codec_id == AV_CODEC_ID_MPEG2VIDEO || avctx->codec_id == AV_CODEC_ID_MPEG4;
    if (avctx->codec_id != AV_CODEC_ID_H264 && (!mpeg || si->mpeg_plain))
        return 0; /* plain frames */
    /* fastsr's motion compensation is 8-bit 4:2:0 (as its pictures are) */
    if (avctx->pix_fmt != AV_PIX_FMT_YUV420P && avctx->pix_fmt != AV_PIX_FMT_YUVJ420P &&
        avctx->pix_fmt != AV_PIX_FMT_NONE) {
        snprintf(si->codec_name, sizeof(si->codec_name), "%s (%s)", avcodec_get_name(avctx->codec_id),
                 av_get_pix_fmt_name(avctx->pix_fmt));
        return 0;
    }
    int ret;
    if (mpeg) {
        /* the decoder exports the vectors (AV_CODEC_EXPORT_DATA_MVS, set
         * with side_info): no parsing of our own */
        if ((ret = fsr_mpeg_side_open(&si->mpeg, avctx->codec_id)) < 0)
            return ret;
        si->supported = 1;
        return 0;
    }
    ret = fsr_h264_parser_open(&si->parser, avctx->extradata, avctx->extradata_size);
    if (ret < 0)
        return ret;
    if ((ret = fsr_avlog_register(avctx, on_avlog, si)) < 0)
        return fsr_error(ret, "too many decoders with side information open at once");
    si->avctx = avctx;
    si->registered = 1;
    avctx->debug |= FF_DEBUG_MB_TYPE | FF_DEBUG_QP;
    si->supported = 1;
    return 0;
}

static int hook_packet(void *opaque, const AVPacket *pkt)
{
    FsrSideInfo *si = opaque;
    if (si->mpeg)
        fsr_mpeg_side_packet(si->mpeg, pkt->data, pkt->size);
    if (!si->supported || si->mpeg)
        return 0;
    if (si->naus >= si->aus_cap) {
        int cap = si->aus_cap ? si->aus_cap * 2 : 16;
        FsrH264AU *a = realloc(si->aus, sizeof(*a) * cap);
        if (!a)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        si->aus = a;
        si->aus_cap = cap;
    }
    int ret = fsr_h264_parse_packet(si->parser, pkt->data, pkt->size, pkt->pts, &si->aus[si->naus]);
    if (ret < 0)
        return ret;
    if (ret > 0)
        si->naus++;
    return 0;
}

static void hook_close(void *opaque, AVCodecContext *avctx)
{
    FsrSideInfo *si = opaque;
    if (si->registered)
        fsr_avlog_unregister(avctx);
    si->registered = 0;
}

int fsr_sideinfo_open(FsrSideInfo **out, const char *path, const FsrDecoderSettings *settings)
{
    *out = NULL;
    FsrSideInfo *si = calloc(1, sizeof(*si));
    if (!si)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    si->out_slot = -1;
    si->hook = (FsrDecoderHook){ si, hook_open, hook_packet, hook_close };
    FsrDecoderSettings s = { 0 };
    if (settings)
        s = *settings;
    s.side_info = 1;
    s.hook = &si->hook;
    si->mpeg_plain = s.mpeg_plain;
    int ret = fsr_decoder_open(&si->dec, path, &s);
    if (ret < 0) {
        fsr_sideinfo_close(&si);
        return ret;
    }
    *out = si;
    return 0;
}

int fsr_sideinfo_supported(const FsrSideInfo *si) { return si->supported; }
FsrDecoder *fsr_sideinfo_decoder(FsrSideInfo *si) { return si->dec; }
const char *fsr_sideinfo_codec_name(const FsrSideInfo *si) { return si->codec_name; }
void fsr_sideinfo_stats(const FsrSideInfo *si, FsrSideInfoStats *st) { *st = si->stats; }

int fsr_sideinfo_mpeg_stats(const FsrSideInfo *si, FsrMpegStats *st)
{
    if (!si->mpeg) {
        memset(st, 0, sizeof(*st));
        return 0;
    }
    fsr_mpeg_side_stats(si->mpeg, st);
    return 1;
}

static void pending_free(Pending *p)
{
    fsr_h264_au_free(&p->au);
    table_free(&p->table);
    free(p->mvs);
    memset(p, 0, sizeof(*p));
}

void fsr_sideinfo_close(FsrSideInfo **psi)
{
    FsrSideInfo *si = *psi;
    if (!si)
        return;
    fsr_decoder_close(&si->dec); /* unregisters the log handler first */
    fsr_h264_parser_close(&si->parser);
    fsr_mpeg_side_close(&si->mpeg);
    table_free(&si->tr.t);
    for (int i = 0; i < si->naus; i++)
        fsr_h264_au_free(&si->aus[i]);
    free(si->aus);
    for (int i = 0; i < si->nq; i++)
        pending_free(&si->q[i]);
    free(si->q);
    for (int i = 0; i < si->nslots; i++) {
        av_frame_free(&si->slots[i]->frame);
        free(si->slots[i]);
    }
    free(si->slots);
    fsr_blockmap_builder_close(&si->bld);
    free(si);
    *psi = NULL;
}

/* ---- decoded pictures kept for reference ---- */

static const FsrRefPic *resolve(void *opaque, int64_t au)
{
    FsrSideInfo *si = opaque;
    for (int i = 0; i < si->nslots; i++)
        if (si->slots[i]->used && si->slots[i]->au == au)
            return &si->slots[i]->rp;
    return NULL;
}

static int referenced_by_pending(const FsrSideInfo *si, int64_t au)
{
    for (int k = 0; k < si->naus + si->nq; k++) {
        const FsrH264AU *a = k < si->naus ? &si->aus[k] : si->q[k - si->naus].has_au ? &si->q[k - si->naus].au : NULL;
        if (!a)
            continue;
        for (int s = 0; s < a->nb_slices; s++)
            for (int l = 0; l < 2; l++)
                for (int i = 0; i < a->slices[s].num_ref[l]; i++)
                    if (a->slices[s].ref[l][i] == au)
                        return 1;
    }
    return 0;
}

static void release_slots(FsrSideInfo *si)
{
    for (int i = 0; i < si->nslots; i++) {
        Slot *s = si->slots[i];
        if (!s->used || !s->emitted || i == si->out_slot)
            continue;
        if (s->au >= 0 && (fsr_h264_parser_holds(si->parser, s->au) || referenced_by_pending(si, s->au)))
            continue;
        s->used = 0;
        av_frame_unref(s->frame);
    }
}

static int take_slot(FsrSideInfo *si, const AVFrame *av)
{
    int i;
    for (i = 0; i < si->nslots; i++)
        if (!si->slots[i]->used)
            break;
    if (i == si->nslots) {
        if (si->nslots >= MAX_SLOTS)
            return fsr_error(FSR_ERR_INVALIDDATA, "side information: more than %d pictures held (damaged stream?)",
                             MAX_SLOTS);
        Slot **sl = realloc(si->slots, sizeof(*sl) * (si->nslots + 1));
        if (!sl)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        si->slots = sl;
        if (!(sl[si->nslots] = calloc(1, sizeof(Slot))))
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        si->nslots++;
    }
    Slot *s = si->slots[i];
    if (!s->frame && !(s->frame = av_frame_alloc()))
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    if (av_frame_ref(s->frame, av) < 0)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    s->pic.w = av->width & ~15;
    s->pic.h = av->height & ~15;
    for (int c = 0; c < 3; c++) {
        s->pic.data[c] = s->frame->data[c];
        s->pic.stride[c] = s->frame->linesize[c];
    }
    s->used = 1;
    s->emitted = 0;
    return i;
}

/* ---- frames in, maps out ---- */

static int intake(FsrSideInfo *si, const FsrFrame *f)
{
    const AVFrame *av = f->av;
    if (si->nq >= si->q_cap) {
        int cap = si->q_cap ? si->q_cap * 2 : 16;
        Pending *q = realloc(si->q, sizeof(*q) * cap);
        if (!q)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        si->q = q;
        si->q_cap = cap;
    }
    Pending *p = &si->q[si->nq];
    memset(p, 0, sizeof(*p));
    p->frame = *f;
    p->frame.av = NULL;
    p->crop_left = (int)av->crop_left;
    p->crop_top = (int)av->crop_top;
    /* the maps and the pictures handed out read the decoder's own frame:
     * it must hold the frame the decoder layer made (a damaged stream can
     * change the coded size under a picture converted at the first size) */
    if (!av->data[0] || !av->data[1] || !av->data[2] || av->width < p->crop_left + f->pic.w ||
        av->height < p->crop_top + f->pic.h)
        return fsr_error(FSR_ERR_INVALIDDATA,
                         "side information: the decoded picture (%dx%d, %s) does not hold the %dx%d frame "
                         "(damaged stream?)",
                         av->width, av->height, av_get_pix_fmt_name(av->format) ? av_get_pix_fmt_name(av->format) : "?",
                         f->pic.w, f->pic.h);
    /* the table printed while this frame was output */
    if (si->tr.active && !si->tr.bad && si->tr.t.mb_w > 0 && si->tr.cells == si->tr.t.mb_w * si->tr.t.mb_h) {
        p->table = si->tr.t;
        p->has_table = 1;
        memset(&si->tr.t, 0, sizeof(si->tr.t));
        si->tr.cap = 0;
    }
    si->tr.active = 0;
    /* its packet: by pts, else by decode order */
    int match = -1;
    for (int i = 0; i < si->naus && match < 0; i++)
        if (f->pts != AV_NOPTS_VALUE && si->aus[i].pts == f->pts)
            match = i;
    for (int i = 0; i < si->naus && match < 0; i++)
        if ((f->pts == AV_NOPTS_VALUE || si->aus[i].pts == AV_NOPTS_VALUE) && si->aus[i].au == f->decode_index)
            match = i;
    if (match >= 0) {
        p->au = si->aus[match];
        p->has_au = 1;
        memmove(&si->aus[match], &si->aus[match + 1], sizeof(si->aus[0]) * (si->naus - match - 1));
        si->naus--;
        for (int i = 0; i < si->naus;)
            if (si->aus[i].au < p->au.au - AU_HORIZON) {
                fsr_h264_au_free(&si->aus[i]);
                memmove(&si->aus[i], &si->aus[i + 1], sizeof(si->aus[0]) * (si->naus - i - 1));
                si->naus--;
            } else {
                i++;
            }
    } else {
        si->stats.frames_no_au++;
    }
    const AVFrameSideData *sd = av_frame_get_side_data(av, AV_FRAME_DATA_MOTION_VECTORS);
    if (sd && sd->size >= sizeof(AVMotionVector)) {
        p->nb_mvs = (int)(sd->size / sizeof(AVMotionVector));
        p->mvs = malloc(sizeof(AVMotionVector) * p->nb_mvs);
        if (!p->mvs) {
            pending_free(p);
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        }
        memcpy(p->mvs, sd->data, sizeof(AVMotionVector) * p->nb_mvs);
    }
    int slot = take_slot(si, av);
    if (slot < 0) {
        pending_free(p);
        return slot;
    }
    Slot *s = si->slots[slot];
    s->au = p->has_au ? p->au.au : -1;
    s->rp.pic = &s->pic;
    s->rp.pad = 0;
    s->rp.display = f->display_index;
    p->slot = slot;
    si->nq++;
    return 0;
}

static int head_ready(const FsrSideInfo *si)
{
    const Pending *p = &si->q[0];
    if (si->eof || !p->has_au || si->nq > MAX_HELD)
        return 1;
    for (int s = 0; s < p->au.nb_slices; s++)
        for (int l = 0; l < 2; l++)
            for (int i = 0; i < p->au.slices[s].num_ref[l]; i++) {
                int64_t au = p->au.slices[s].ref[l][i];
                if (au >= 0 && !resolve((void *)si, au))
                    return 0;
            }
    return 1;
}

static int emit(FsrSideInfo *si, FsrSideInfoFrame *out)
{
    Pending *p = &si->q[0];
    Slot *s = si->slots[p->slot];
    if (!head_ready(si))
        return 0;
    if (!si->eof && p->has_au && si->nq > MAX_HELD)
        si->stats.forced++;
    int ret = fsr_blockmap_build(&si->bld, &s->pic, p->frame.display_index, p->has_table ? &p->table : NULL, p->mvs,
                                 p->nb_mvs, p->has_au ? &p->au : NULL, resolve, si);
    if (ret < 0)
        return ret;
    FsrBlockMap *m = &si->bld.map;
    m->display_index = p->frame.display_index;
    m->decode_index = p->has_au ? p->au.au : p->frame.decode_index;
    m->pts = p->frame.pts;
    m->type = p->frame.pict_type;
    m->nal_ref_idc = p->has_au ? p->au.nal_ref_idc : -1;
    m->is_ref = p->has_au ? p->au.nal_ref_idc != 0 : 1;
    m->poc = p->has_au ? p->au.poc : 0;
    m->width = p->frame.pic.w;
    m->height = p->frame.pic.h;
    m->crop_left = p->crop_left;
    m->crop_top = p->crop_top;
    m->corrupt = p->frame.corrupt;
    if (p->has_au)
        m->unmodelled |= p->au.unmodelled;
    si->stats.frames++;
    si->stats.frames_unmodelled += m->unmodelled != 0;
    out->frame = p->frame;
    out->frame.decode_index = m->decode_index;
    for (int c = 0; c < 3; c++) {
        const int sh = c ? 1 : 0;
        out->frame.pic.data[c] = s->pic.data[c] + (ptrdiff_t)(p->crop_top >> sh) * s->pic.stride[c] +
                                 (p->crop_left >> sh);
        out->frame.pic.stride[c] = s->pic.stride[c];
    }
    out->frame.pic.buf = NULL;
    out->map = m;
    /* a map of fewer macroblocks than the frame needs (a damaged stream
     * whose coded size changed under the first frames' size): the frame
     * goes without side information, so it gets SR */
    if (m->crop_left + m->width > m->coded_w || m->crop_top + m->height > m->coded_h) {
        fsr_sideinfo_plain_map(&si->plain, &out->frame);
        out->map = &si->plain;
        si->stats.frames_no_map++;
    }
    s->emitted = 1;
    si->out_slot = p->slot;
    pending_free(p);
    memmove(&si->q[0], &si->q[1], sizeof(si->q[0]) * (si->nq - 1));
    si->nq--;
    return 1;
}

void fsr_sideinfo_plain_map(FsrBlockMap *m, const FsrFrame *f)
{
    memset(m, 0, sizeof(*m));
    m->display_index = f->display_index;
    m->decode_index = f->decode_index;
    m->pts = f->pts;
    m->type = f->pict_type;
    m->is_ref = -1;
    m->width = f->pic.w;
    m->height = f->pic.h;
    m->corrupt = f->corrupt;
}

int fsr_sideinfo_read(FsrSideInfo *si, FsrSideInfoFrame *out)
{
    int ret;
    memset(out, 0, sizeof(*out));
    if (!si->supported && si->dec) {
        /* no side information: frames pass straight through */
        FsrFrame f;
        ret = fsr_decoder_read(si->dec, &f);
        if (ret)
            return ret;
        fsr_sideinfo_plain_map(&si->plain, &f);
        out->frame = f;
        out->map = &si->plain;
        si->stats.frames++;
        return 0;
    }
    if (si->mpeg) {
        const FsrBlockMap *map = NULL;
        if ((ret = fsr_mpeg_side_read(si->mpeg, si->dec, &out->frame, &map)))
            return ret;
        out->map = map;
        si->stats.frames++;
        si->stats.frames_unmodelled += map->unmodelled != 0;
        return 0;
    }
    si->out_slot = -1;
    release_slots(si);
    for (;;) {
        if (si->nq) {
            ret = emit(si, out);
            if (ret < 0)
                return ret;
            if (ret)
                return 0;
        } else if (si->eof) {
            return si->pending_err ? si->pending_err : 1;
        }
        FsrFrame f;
        ret = fsr_decoder_read(si->dec, &f);
        if (ret < 0 && ret != FSR_ERR(ENOMEM) && si->nq) {
            /* unreadable rest of the file: hand out what was decoded first */
            si->pending_err = ret;
            si->eof = 1;
            continue;
        }
        if (ret < 0)
            return ret;
        if (ret == 1) {
            si->eof = 1;
            continue;
        }
        if ((ret = intake(si, &f)) < 0)
            return ret;
    }
}
