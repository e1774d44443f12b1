/* SR models: a stack of 2-D convolutions with ReLU between them and none
 * after the last, stored as safetensors (see README "Model format"). */
#ifndef FASTSR_MODEL_H
#define FASTSR_MODEL_H

#include <stddef.h>

#include "fastsr/common.h"

enum FsrPadding {
    FSR_PAD_ZERO = 0,      /* PyTorch Conv2d padding=k//2 */
    FSR_PAD_REPLICATE = 1, /* the original SRCNN test code */
};

/* What the network sees and produces. */
enum FsrModelInput {
    /* Bicubic-upscaled luma as Y/255 in, new luma x255 out (SRCNN). */
    FSR_INPUT_BICUBIC_Y = 0,
};

#define FSR_MODEL_MAX_LAYERS 16
#define FSR_MODEL_MAX_KERNEL 15
#define FSR_MODEL_MAX_CHANNELS 1024

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
    int input;           /* enum FsrModelInput */
} FsrModel;

/* Loads and validates a model file.  On failure returns a negative error and
 * fsr_last_error() names the file and the problem. */
FSR_API int fsr_model_open(FsrModel **model, const char *path);
FSR_API void fsr_model_close(FsrModel **model);

/* Allocates a model of n_layers convolutions with zero weights and biases:
 * layer i maps channels[i] -> channels[i+1] with a kernels[i] x kernels[i]
 * kernel.  channels[0] and channels[n_layers] must be 1 (luma in, luma out).
 * For trainers and tests; the caller fills the weights. */
FSR_API int fsr_model_open_empty(FsrModel **model, const char *arch, int scale, int padding,
                             int n_layers, const int *channels, const int *kernels);

/* Writes a model as safetensors (F32, metadata arch/scale/padding/input), the
 * format fsr_model_open reads.  Writes to a temporary name and renames, so a
 * failed save never leaves a half-written model behind. */
FSR_API int fsr_model_save(const FsrModel *model, const char *path);

/* Multiply-accumulates per output pixel (sum over layers of
 * in_ch*out_ch*kh*kw): 57,184 for SRCNN 9-5-5. */
FSR_API long long fsr_model_macs_per_pixel(const FsrModel *model);

/* Path of the default SR model for a scale: srcnn-ARCH-xS.safetensors, the
 * most accurate architecture found, searched in $FASTSR_MODEL_DIR, then the
 * installed share/fastsr/models beside the running tool, then the source
 * tree's models/.  0 or a negative error. */
FSR_API int fsr_model_default_path(int scale, char *buf, size_t size);

#endif
