/* Plain C reference of a whole network (any kind in fastsr/model.h) on a
 * float plane: the definition the tiled engine and its kernels are tested
 * against, and what runs models the tiled engine does not handle. */
#ifndef FASTSR_SRC_NET_REF_H
#define FASTSR_SRC_NET_REF_H

#include <stddef.h>

#include "fastsr/model.h"

/* src: the network input, w x h floats (bicubic luma for FSR_INPUT_BICUBIC_Y,
 * LR luma for FSR_INPUT_LR_Y, both /255).  dst: the raw output of the last
 * layer after any upsampling, w x h or scale*w x scale*h.  Padding at the
 * picture's borders as the model says, at every layer (for a transposed
 * convolution, on its input feature).  threads: OpenMP threads over output
 * channels (the result does not depend on it).  0 or a negative error. */
int fsr_net_forward_ref(const FsrModel *m, float *dst, ptrdiff_t dst_stride, const float *src, ptrdiff_t stride,
                        int w, int h, int threads);

/* One layer each, for tests of the optimised kernels.  Planes are C x h x w
 * contiguous (channel stride h*w). */

/* out = act(b + conv(in)) with the model's padding; out_ch x h x w (a
 * layer alone: FSR_ACT_DEFAULT counts as none). */
void fsr_ref_conv(float *out, const float *in, const FsrConvLayer *l, int padding, int w, int h);
/* The activation alone, in place, on n values of each of C channels. */
void fsr_ref_act(float *x, int act, const float *slope, int C, size_t n);
/* Transposed convolution, stride s, 1 output channel: out (s*w x s*h,
 * stride out_stride) from in (l->in_ch x h x w), FSR_UP_DECONV's rule. */
void fsr_ref_deconv(float *out, ptrdiff_t out_stride, const float *in, const FsrConvLayer *l, int s, int padding,
                    int w, int h);
/* Pixel shuffle: out (s*w x s*h) from in (s*s x h x w). */
void fsr_ref_shuffle(float *out, ptrdiff_t out_stride, const float *in, int s, int w, int h);

#endif
