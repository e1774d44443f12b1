/* Planar 4:2:0 pictures, the working format of every stage: 8 bits per
 * sample (uint8_t samples, the fast path) or 9..16 (uint16_t samples, native
 * endian, the low `depth` bits used; fastsr's high-depth path is 10-bit).
 * Strides are in bytes either way. */
#ifndef FASTSR_PICTURE_H
#define FASTSR_PICTURE_H

#include <stddef.h>
#include <stdint.h>

#include "fastsr/common.h"

typedef struct FsrPicture {
    int w, h;              /* luma size; chroma is (w+1)/2 x (h+1)/2 */
    uint8_t *data[3];      /* Y, Cb, Cr */
    ptrdiff_t stride[3];
    void *buf;             /* owned allocation, NULL when data is borrowed */
    int depth;             /* bits per sample; 0 (a zeroed struct) means 8 */
} FsrPicture;

/* Allocates the planes (rows 64-byte aligned, with padding to a multiple of
 * 64 bytes and 2 spare rows so SIMD kernels may over-read).  Returns 0 or a
 * negative error; sizes up to 16384x16384. */
FSR_API int fsr_picture_open(FsrPicture *pic, int w, int h);
/* The same for depth bits per sample (8..16; above 8, two bytes a sample). */
FSR_API int fsr_picture_open_depth(FsrPicture *pic, int w, int h, int depth);
FSR_API void fsr_picture_close(FsrPicture *pic);
/* Copies src's pixels into dst, (re)allocating dst when it has no planes or
 * another size or depth.  0 or a negative error. */
FSR_API int fsr_picture_copy(FsrPicture *dst, const FsrPicture *src);

static inline int fsr_picture_depth(const FsrPicture *pic) { return pic->depth > 8 ? pic->depth : 8; }
/* 1 when the samples are uint16_t */
static inline int fsr_picture_high(const FsrPicture *pic) { return pic->depth > 8; }
/* Bytes per sample: 1 or 2. */
static inline int fsr_picture_bps(const FsrPicture *pic) { return pic->depth > 8 ? 2 : 1; }

static inline int fsr_chroma_w(int w) { return (w + 1) >> 1; }
static inline int fsr_chroma_h(int h) { return (h + 1) >> 1; }

#endif
