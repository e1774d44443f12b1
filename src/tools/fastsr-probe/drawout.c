#include "drawout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fastsr/common.h"

struct DrawOut {
    FILE *y4m;
    FsrWriter *writer;
    char path[1024];
};

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcasecmp(s + n - m, suffix);
}

static int write_failed(const DrawOut *o)
{
    fprintf(stderr, "fastsr-probe: error: %s: write failed\n", o->path);
    return -1;
}

static int library_failed(void)
{
    fprintf(stderr, "fastsr-probe: error: %s\n", fsr_last_error());
    return -1;
}

int drawout_open(DrawOut **out, const char *path, const FsrReader *input)
{
    *out = NULL;
    DrawOut *o = calloc(1, sizeof(*o));
    if (!o) {
        fprintf(stderr, "fastsr-probe: error: out of memory\n");
        return -1;
    }
    snprintf(o->path, sizeof(o->path), "%s", path);
    const FsrReaderInfo *info = fsr_reader_info(input);
    if (ends_with(path, ".y4m")) {
        FsrRational fps = info->frame_rate;
        if (fps.num <= 0 || fps.den <= 0)
            fps = (FsrRational){ 25, 1 };
        if (!(o->y4m = fopen(path, "wb"))) {
            fprintf(stderr, "fastsr-probe: error: %s: %s\n", path, strerror(errno));
            free(o);
            return -1;
        }
        fprintf(o->y4m, "YUV4MPEG2 W%d H%d F%d:%d Ip A1:1 C420jpeg\n", info->width, info->height, fps.num, fps.den);
        *out = o;
        return 0;
    }
    const FsrWriterSettings ws = { .path = path, .overwrite = 1, .width = info->width, .height = info->height,
                                   .crf = 20, .preset = "veryfast" };
    if (fsr_writer_open(&o->writer, &ws, input) < 0) {
        free(o);
        return library_failed();
    }
    *out = o;
    return 0;
}

int drawout_write(DrawOut *o, const FsrPicture *pic, int64_t pts, int64_t duration)
{
    if (o->writer)
        return fsr_writer_write(o->writer, pic, pts, duration) < 0 ? library_failed() : 0;
    if (fputs("FRAME\n", o->y4m) < 0)
        return write_failed(o);
    for (int c = 0; c < 3; c++) {
        const int w = c ? fsr_chroma_w(pic->w) : pic->w, h = c ? fsr_chroma_h(pic->h) : pic->h;
        for (int y = 0; y < h; y++)
            if (fwrite(pic->data[c] + y * pic->stride[c], 1, (size_t)w, o->y4m) != (size_t)w)
                return write_failed(o);
    }
    return 0;
}

int drawout_close(DrawOut **po, int finish)
{
    DrawOut *o = *po;
    int ret = 0;
    if (!o)
        return 0;
    if (o->y4m && fclose(o->y4m) && finish)
        ret = write_failed(o);
    if (o->writer && finish && fsr_writer_finish(o->writer) < 0)
        ret = library_failed();
    fsr_writer_close(&o->writer);
    free(o);
    *po = NULL;
    return ret;
}
