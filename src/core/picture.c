#include "fastsr/picture.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

#define PIC_ALIGN 64
#define PIC_MAX_DIM 16384

int fsr_picture_open(FsrPicture *pic, int w, int h) { return fsr_picture_open_depth(pic, w, h, 8); }

int fsr_picture_open_depth(FsrPicture *pic, int w, int h, int depth)
{
    memset(pic, 0, sizeof(*pic));
    if (w <= 0 || h <= 0 || w > PIC_MAX_DIM || h > PIC_MAX_DIM)
        return fsr_error(FSR_ERR(EINVAL), "picture size %dx%d out of range (1..%d)", w, h, PIC_MAX_DIM);
    if (depth < 8 || depth > 16)
        return fsr_error(FSR_ERR(EINVAL), "picture depth %d bits out of range (8..16)", depth);
    const int bps = depth > 8 ? 2 : 1;
    const int wb = w * bps, cw = fsr_chroma_w(w) * bps, ch = fsr_chroma_h(h); /* row bytes */
    /* Spare rows and a padded stride let SIMD kernels read a vector past the
     * last pixel without faulting. */
    const size_t ys = ((size_t)wb + PIC_ALIGN + PIC_ALIGN - 1) & ~(size_t)(PIC_ALIGN - 1);
    const size_t cs = ((size_t)cw + PIC_ALIGN + PIC_ALIGN - 1) & ~(size_t)(PIC_ALIGN - 1);
    const size_t ysize = ys * (size_t)(h + 2), csize = cs * (size_t)(ch + 2);
    uint8_t *buf = aligned_alloc(PIC_ALIGN, ysize + 2 * csize);
    if (!buf)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory for a %dx%d picture", w, h);
    memset(buf, 0, ysize + 2 * csize);
    pic->w = w;
    pic->h = h;
    pic->depth = depth;
    pic->buf = buf;
    pic->data[0] = buf;
    pic->data[1] = buf + ysize;
    pic->data[2] = buf + ysize + csize;
    pic->stride[0] = (ptrdiff_t)ys;
    pic->stride[1] = pic->stride[2] = (ptrdiff_t)cs;
    return 0;
}

void fsr_picture_close(FsrPicture *pic)
{
    if (!pic)
        return;
    free(pic->buf);
    memset(pic, 0, sizeof(*pic));
}

int fsr_picture_copy(FsrPicture *dst, const FsrPicture *src)
{
    if (!dst->buf || dst->w != src->w || dst->h != src->h || fsr_picture_depth(dst) != fsr_picture_depth(src)) {
        fsr_picture_close(dst);
        int ret = fsr_picture_open_depth(dst, src->w, src->h, fsr_picture_depth(src));
        if (ret < 0)
            return ret;
    }
    for (int c = 0; c < 3; c++) {
        const int w = (c ? fsr_chroma_w(src->w) : src->w) * fsr_picture_bps(src);
        const int h = c ? fsr_chroma_h(src->h) : src->h;
        for (int y = 0; y < h; y++)
            memcpy(dst->data[c] + y * dst->stride[c], src->data[c] + y * src->stride[c], w);
    }
    return 0;
}
