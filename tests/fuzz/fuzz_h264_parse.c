/* Fuzz harness 1: the H.264 parameter-set and slice-header parser and its
 * simulated DPB (src/h264/h264_parse.c, h264_dpb.c) on raw NAL units.
 *
 * Input: one flags byte, then an Annex B byte stream (start codes).
 *   flags & 1 == 0: Annex B framing, as a raw .h264 file is demuxed: no
 *     extradata, one packet per access unit (the stream is cut before each
 *     access unit delimiter, NAL type 9; without delimiters it is one packet).
 *   flags & 1 == 1: MP4 framing: the SPS and PPS of the stream become avcC
 *     extradata, and every packet's NAL units are prefixed with their length
 *     in (flags >> 1 & 3) + 1 bytes (lengths that do not fit are cut to the
 *     largest value that does, as a damaged file would carry them).
 *     With flags & 8 as well, the extradata is not made but taken raw: the
 *     byte after the flags gives its length, the bytes after it are it, and
 *     the stream follows.
 * Every picture the parser returns is checked for what its users rely on:
 * list entries name earlier pictures or none, weights within their ranges. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/common.h"
#include "h264_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct Nal {
    const uint8_t *p;
    size_t n;
} Nal;

/* Splits an Annex B stream into NAL units (start codes dropped). */
static size_t split_nals(const uint8_t *d, size_t size, Nal *out, size_t max)
{
    size_t n = 0, i = 0, start = SIZE_MAX;
    while (i + 3 <= size) {
        if (d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1) {
            if (start != SIZE_MAX && n < max) {
                size_t end = i;
                while (end > start && d[end - 1] == 0)
                    end--;
                out[n++] = (Nal){ d + start, end - start };
            }
            i += 3;
            start = i;
        } else {
            i++;
        }
    }
    if (start != SIZE_MAX && n < max)
        out[n++] = (Nal){ d + start, size - start };
    return n;
}

static void check_au(const FsrH264AU *au, int64_t expect_index)
{
    if (au->au != expect_index)
        abort();
    if (au->nb_slices < 0 || (au->nb_slices && !au->slices))
        abort();
    for (int s = 0; s < au->nb_slices; s++) {
        const FsrH264Slice *sl = &au->slices[s];
        for (int l = 0; l < 2; l++) {
            if (sl->num_ref[l] < 0 || sl->num_ref[l] > FSR_H264_MAX_REFS)
                abort();
            for (int i = 0; i < FSR_H264_MAX_REFS; i++) {
                /* a list entry is an earlier picture, or none */
                if (sl->ref[l][i] < -1 || sl->ref[l][i] >= au->au)
                    abort();
                if (i >= sl->num_ref[l] && sl->ref[l][i] != -1)
                    abort();
            }
        }
        if (sl->weight_mode == FSR_WEIGHT_EXPLICIT &&
            (sl->log2_denom[0] < 0 || sl->log2_denom[0] > 7 || sl->log2_denom[1] < 0 || sl->log2_denom[1] > 7))
            abort();
        if (sl->weight_mode == FSR_WEIGHT_IMPLICIT && sl->num_ref[0] && sl->num_ref[1]) {
            int w0, w1;
            fsr_h264_implicit_weights(au->poc, sl->ref_poc[0][0], sl->ref_poc[1][0], sl->ref_long[0][0],
                                      sl->ref_long[1][0], &w0, &w1);
            if (w0 + w1 != 64)
                abort();
        }
    }
}

static int unreadable; /* pictures of this input with FSR_UNMODELLED_HEADER */

static int feed(FsrH264Parser *p, const uint8_t *pkt, size_t size, int64_t *next)
{
    FsrH264AU au;
    int ret = fsr_h264_parse_packet(p, pkt, (int)size, *next, &au);
    if (ret < 0)
        return ret;
    if (ret == 1) {
        unreadable += (au.unmodelled & FSR_UNMODELLED_HEADER) != 0;
        check_au(&au, *next);
        (*next)++;
        for (int s = 0; s < au.nb_slices; s++)
            for (int l = 0; l < 2; l++)
                for (int i = 0; i < au.slices[s].num_ref[l]; i++)
                    (void)fsr_h264_parser_holds(p, au.slices[s].ref[l][i]);
        fsr_h264_au_free(&au);
        if (au.slices || au.nb_slices)
            abort();
    }
    return 0;
}

#define MAX_NALS 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) {
        fsr_set_log_level(-1);
        quiet = 1;
    }
    if (size < 1 || size > (1 << 20))
        return 0;
    const unsigned flags = data[0];
    data++;
    size--;
    const uint8_t *raw_ext = NULL;
    size_t raw_ext_size = 0;
    if ((flags & 9) == 9 && size >= 1) {
        raw_ext_size = data[0] < size - 1 ? data[0] : size - 1;
        raw_ext = data + 1;
        data += 1 + raw_ext_size;
        size -= 1 + raw_ext_size;
    }
    Nal *nals = malloc(sizeof(*nals) * MAX_NALS);
    uint8_t *buf = NULL, *ext = NULL;
    FsrH264Parser *p = NULL;
    if (!nals)
        return 0;
    const size_t n = split_nals(data, size, nals, MAX_NALS);
    int64_t next = 0;

    if (!(flags & 1)) {
        if (fsr_h264_parser_open(&p, NULL, 0) < 0)
            goto done;
        /* one packet per access unit: cut before each delimiter */
        const uint8_t *pkt = data;
        for (size_t i = 0; i < n; i++) {
            if (!nals[i].n || (nals[i].p[0] & 31) != 9 || i == 0)
                continue;
            const uint8_t *cut = nals[i].p - 3; /* its start code */
            if (cut > pkt && feed(p, pkt, (size_t)(cut - pkt), &next) < 0)
                goto done;
            pkt = cut;
        }
        if (data + size > pkt)
            feed(p, pkt, (size_t)(data + size - pkt), &next);
        goto done;
    }

    /* MP4 framing: avcC from the parameter sets, length-prefixed NALs */
    const int len_size = (int)(flags >> 1 & 3) + 1;
    const uint32_t max_len = len_size == 4 ? UINT32_MAX : (1u << (8 * len_size)) - 1;
    size_t ext_size = 7, n_sps = 0, n_pps = 0;
    for (size_t i = 0; i < n; i++) {
        const int type = nals[i].n ? nals[i].p[0] & 31 : 0;
        if ((type == 7 && n_sps < 31) || (type == 8 && n_pps < 255)) {
            ext_size += 2 + (nals[i].n > 0xffff ? 0xffff : nals[i].n);
            n_sps += type == 7;
            n_pps += type == 8;
        }
    }
    ext = malloc(ext_size);
    buf = malloc(size + (size_t)n * 4 + 4);
    if (!ext || !buf)
        goto done;
    const uint8_t *first_sps = NULL;
    for (size_t i = 0; i < n && !first_sps; i++)
        if (nals[i].n >= 4 && (nals[i].p[0] & 31) == 7)
            first_sps = nals[i].p;
    size_t e = 0;
    ext[e++] = 1;
    ext[e++] = first_sps ? first_sps[1] : 100;
    ext[e++] = first_sps ? first_sps[2] : 0;
    ext[e++] = first_sps ? first_sps[3] : 30;
    ext[e++] = (uint8_t)(0xfc | (len_size - 1));
    for (int set = 0; set < 2; set++) {
        ext[e++] = set == 0 ? (uint8_t)(0xe0 | n_sps) : (uint8_t)n_pps;
        size_t count = 0;
        for (size_t i = 0; i < n; i++) {
            const int type = nals[i].n ? nals[i].p[0] & 31 : 0;
            if (type != (set == 0 ? 7 : 8) || count >= (set == 0 ? n_sps : n_pps))
                continue;
            const size_t len = nals[i].n > 0xffff ? 0xffff : nals[i].n;
            ext[e++] = (uint8_t)(len >> 8);
            ext[e++] = (uint8_t)len;
            memcpy(ext + e, nals[i].p, len);
            e += len;
            count++;
        }
    }
    if (fsr_h264_parser_open(&p, raw_ext ? raw_ext : ext, raw_ext ? (int)raw_ext_size : (int)e) < 0)
        goto done;
    size_t b = 0;
    for (size_t i = 0; i < n; i++) {
        const int type = nals[i].n ? nals[i].p[0] & 31 : 0;
        if (type == 9 && b) {
            if (feed(p, buf, b, &next) < 0)
                goto done;
            b = 0;
        }
        const uint32_t len = nals[i].n > max_len ? max_len : (uint32_t)nals[i].n;
        for (int k = len_size - 1; k >= 0; k--)
            buf[b++] = (uint8_t)(len >> (8 * k));
        memcpy(buf + b, nals[i].p, nals[i].n);
        b += nals[i].n;
    }
    if (b)
        feed(p, buf, b, &next);
done:
    if (getenv("FASTSR_FUZZ_VERBOSE"))
        printf("h264_parse: flags 0x%02x: %lld pictures, %d with unreadable headers\n", flags, (long long)next,
               unreadable);
    unreadable = 0;
    fsr_h264_parser_close(&p);
    free(buf);
    free(ext);
    free(nals);
    return 0;
}
