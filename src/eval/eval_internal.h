/* Internal side of the evaluation protocol's colour step. */
#ifndef FASTSR_SRC_EVAL_INTERNAL_H
#define FASTSR_SRC_EVAL_INTERNAL_H

#include "fastsr/eval.h"

/* Y of MATLAB's rgb2ycbcr on 8-bit RGB: 16 + (65.481 R + 128.553 G +
 * 24.966 B) / 255, unrounded (MATLAB rounds it when the input is uint8). */
double fsr_rgb_to_y(int r, int g, int b);

#endif
