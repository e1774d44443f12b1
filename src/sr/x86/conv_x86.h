/* Kernels the x86 convolution files share: the AVX-512 entries
 * (conv_avx512.c) hand the shapes they do not speed up to the AVX2 ones. */
#ifndef FASTSR_SRC_SR_X86_CONV_X86_H
#define FASTSR_SRC_SR_X86_CONV_X86_H

#include "conv.h"

/* The AVX2 conv_row (all block shapes). */
void fsr_conv_row_avx2(float *out, ptrdiff_t out_cs, const float *const *rows, ptrdiff_t in_cs,
                       const FsrPackedConv *c, int width);
/* acc [width][32] to 32 planar rows of out (channel stride out_cs), with
 * the ReLU when relu (max with 0, NaN to 0, as the C version). */
void fsr_conv_c8_store_avx2(float *out, ptrdiff_t out_cs, const float *acc, int width, int relu);

#endif
