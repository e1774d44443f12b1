/* Fuzz harness 2: the whole input path through the public API on mutated
 * H.264 streams: demux + decode, the side-information hook (parser, block
 * map, LR motion compensation, residuals), the block-map overlay, and FAST
 * (bicubic key frames, transfer of the others) at x2.
 *
 * Input: a media file, usually a raw H.264 elementary stream.  The reader
 * opens paths only, so each input is written to one temporary file per
 * process ($TMPDIR, else /tmp), named .h264 so that FFmpeg probes it as
 * such first.  Pictures above MAX_PIXELS are not pushed through FAST (the
 * harness's budget, as FFmpeg's own fuzzers cap max_pixels). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastsr/fast.h"
#include "fastsr/reader.h"

#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAMES 48
#define MAX_PIXELS (256 * 256)


/* What FAST and the player rely on in every map the reader hands out. */
static void check_frame(const FsrReaderInfo *info, const FsrReaderFrame *fr)
{
    const FsrBlockMap *m = fr->map;
    if (!m || fr->pic.w != info->width || fr->pic.h != info->height)
        abort();
    if (!m->side_info)
        return;
    if (m->width != info->width || m->height != info->height || m->crop_left < 0 || m->crop_top < 0 ||
        m->crop_left + m->width > m->coded_w || m->crop_top + m->height > m->coded_h ||
        m->coded_w != m->mb_w * 16 || m->coded_h != m->mb_h * 16 || m->nb_blocks < 0 ||
        (m->nb_blocks && !m->blocks))
        abort();
    for (int i = 0; i < m->nb_blocks; i++) {
        const FsrBlock *b = &m->blocks[i];
        if (b->x < 0 || b->y < 0 || b->x + b->w > m->coded_w || b->y + b->h > m->coded_h || b->kind > FSR_BLOCK_INTER)
            abort();
        for (int l = 0; l < 2; l++)
            if ((b->lists & (1 << l)) && !(b->flags & FSR_BLOCK_NO_REF) && (b->ref[l] < 0 || b->ref[l] == m->display_index))
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) {
        fsr_set_log_level(-1);
        quiet = 1;
    }
    const char *path = size > (1 << 20) ? NULL : fuzz_write_file("reader", "h264", data, size);
    if (!path)
        return 0;
    FsrReader *r = NULL;
    FsrFast *fast = NULL;
    FsrPicture overlay = { 0 };
    if (fsr_reader_open(&r, path, NULL) < 0) {
        if (getenv("FASTSR_FUZZ_VERBOSE"))
            printf("reader: refused: %s\n", fsr_last_error());
        return 0;
    }
    const FsrReaderInfo *info = fsr_reader_info(r);
    const int small = (int64_t)info->width * info->height <= MAX_PIXELS;
    FsrFastSettings fs = { 0 };
    fsr_key_policy_parse(&fs.policy, "intra");
    fsr_transfer_defaults(&fs.transfer);
    fs.transfer.scale = 2;
    fs.transfer.threads = 1;
    if (small && fsr_fast_open(&fast, &fs) < 0)
        goto done;
    FsrReaderFrame fr;
    FsrFastFrame out;
    int ret;
    for (int n = 0; n < MAX_FRAMES && (ret = fsr_reader_read(r, &fr)) == 0; n++) {
        check_frame(info, &fr);
        if (!small)
            continue;
        if (fsr_picture_copy(&overlay, &fr.pic) < 0 || fsr_blockmap_draw(&overlay, fr.map) < 0)
            goto done;
        if (fsr_fast_push(fast, &fr.pic, fr.map, fr.pts, fr.duration) < 0)
            goto done;
        while ((ret = fsr_fast_pull(fast, &out)) == 0)
            if (out.hr->w != 2 * info->width || out.hr->h != 2 * info->height)
                abort();
        if (ret < 0)
            goto done;
    }
    if (fast) {
        fsr_fast_flush(fast);
        while (fsr_fast_pull(fast, &out) == 0)
            ;
    }
    FsrReaderStats st;
    fsr_reader_stats(r, &st);
    if (getenv("FASTSR_FUZZ_VERBOSE"))
        printf("reader: %dx%d %s, %lld frames (%lld unmodelled), %lld decode errors\n", info->width, info->height,
               info->codec_name, (long long)st.frames, (long long)st.frames_unmodelled, (long long)st.decode_errors);
done:
    fsr_picture_close(&overlay);
    fsr_fast_close(&fast);
    fsr_reader_close(&r);
    return 0;
}
