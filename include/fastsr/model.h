/* SR models: a stack of 2-D convolutions with ReLU between them and none
 * after the last, stored as safetensors (see README "Model format"). */
#ifndef FASTSR_MODEL_H
#define FASTSR_MODEL_H

#include "fastsr/common.h"

enum FsrPadding {
    FSR_PAD_ZERO = 0,      /* PyTorch Conv2d padding=k//2 */
    FSR_PAD_REPLICATE = 1, /* the original SRCNN test code */
};

typedef struct FsrConvLayer {
    int in_ch, out_ch;
    int kh, kw;          /* odd; padding keeps the spatial size */
    float *weight;       /* [out_ch][in_ch][kh][kw], cross-correlation */
    float *bias;         /* [out_ch] */
} FsrConvLayer;

typedef struct FsrModel {
    char arch[32];       /* e.g. "srcnn" */
    char name[64];       /* e.g. "9-5-5": kernel sizes joined by '-' */
    int scale;           /* 2, 3 or 4 */
    int padding;         /* enum FsrPadding */
    int n_layers;
    FsrConvLayer *layers;
} FsrModel;

/* Loads and validates a model file.  On failure returns a negative error and
 * fsr_last_error() names the file and the problem. */
FSR_API int fsr_model_load(FsrModel **model, const char *path);
FSR_API void fsr_model_free(FsrModel **model);

#endif
