/* The trainer's kernels (train_kernels.c), plain C compiled for AVX2 and a
 * baseline (target_clones).  col[(c, ky, kx)][(y, x)] holds the input pixel
 * each weight meets at each output position. */
#ifndef FASTSR_SRC_TRAIN_KERNELS_H
#define FASTSR_SRC_TRAIN_KERNELS_H

void train_im2col(float *col, const float *in, int C, int k, int hi, int wi);
void train_gemm_fwd(float *out, const float *col, const float *w, const float *b, int M, int K, int P);
void train_gemm_bwd_w(float *gw, float *gb, const float *g, const float *col, int M, int K, int P);
void train_gemm_bwd_col(float *gcol, const float *g, const float *w, int M, int K, int P);
void train_col2im(float *gin, const float *gcol, int C, int k, int hi, int wi);
void train_pad_planes(float *dst, const float *src, int C, int h, int w, int p, int mode);
void train_unpad_grad(float *dst, const float *src, int C, int h, int w, int p, int mode);

#endif
