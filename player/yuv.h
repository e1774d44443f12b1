/* YUV 4:2:0 -> 32-bit XRGB for the software display path.
 *
 * SDL's software renderer converts IYUV textures on one thread after a copy
 * of the planes; on a machine without a GPU the player converts the frame's
 * own planes straight into an XRGB texture instead, and only the columns
 * that are shown (the split view needs half of each picture). */
#ifndef FASTSR_PLAYER_YUV_H
#define FASTSR_PLAYER_YUV_H

#include <stddef.h>
#include <stdint.h>

enum YuvMatrix { YUV_BT601 = 0, YUV_BT709 = 1 };

/* Fixed-point coefficients, 16 fractional bits; see yuv_coeffs_init. */
typedef struct YuvCoeffs {
    int32_t y_off;      /* 16 for limited range, 0 for full range */
    int32_t cy;         /* luma gain */
    int32_t rv, gu, gv, bu;
} YuvCoeffs;

void yuv_coeffs_init(YuvCoeffs *c, int matrix, int full_range);

/* Converts columns [x0, x1) of all h rows to XRGB8888 (0xffRRGGBB as a
 * 32-bit word; bytes B, G, R, 255 in memory): dst points at column 0 of
 * row 0.  Chroma is not interpolated (each sample serves its 2x2 pixels).  flags: 0 forces
 * the plain C kernel, YUV_SIMD allows the fastest one this CPU runs; both
 * give identical bytes. */
#define YUV_SIMD 1u
void yuv420_to_xrgb(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *y, ptrdiff_t y_stride, const uint8_t *u,
                    ptrdiff_t u_stride, const uint8_t *v, ptrdiff_t v_stride, int x0, int x1, int h,
                    const YuvCoeffs *c, unsigned flags);

#endif
