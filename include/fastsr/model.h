/* SR models: a stack of 2-D convolutions with an activation (ReLU by
 * default, or PReLU, or none) after each but the last, stored as
 * safetensors (see README "Model format").  Two kinds: SRCNN-style networks
 * that read the bicubic-upscaled luma and keep its size, and LR-space
 * networks (FSRCNN, ESPCN) that read the LR luma and end in an upsampling
 * layer (a transposed convolution or a pixel shuffle). */
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
    /* LR luma as Y/255 in, HR luma (scale x the size) x255 out; the last
     * layer upsamples (enum FsrUpsample). */
    FSR_INPUT_LR_Y = 1,
};

/* The activation after a layer's bias.  0 is SRCNN's rule, so a layer
 * filled in by hand (zeroed) keeps meaning what it always did; read it
 * through fsr_model_layer_act. */
enum FsrActivation {
    FSR_ACT_DEFAULT = 0, /* ReLU, or none after the last layer */
    FSR_ACT_NONE = 1,
    FSR_ACT_RELU = 2,
    FSR_ACT_PRELU = 3,   /* x > 0 ? x : slope[c] * x, one slope per output channel */
};

/* How the last layer of an LR-input model reaches HR size. */
enum FsrUpsample {
    FSR_UP_NONE = 0,     /* bicubic-input models: no upsampling */
    /* The last layer is a transposed convolution, stride = scale, 1 output
     * channel: HR pixel Y = scale * y + ky - kh/2 gets w[ky] * feature[y]
     * (PyTorch ConvTranspose2d(padding=k//2, output_padding=scale-1), so the
     * output is exactly scale x the input).  Feature rows and columns
     * outside the picture come from the padding rule, as for a convolution:
     * with zero padding this is PyTorch's result exactly. */
    FSR_UP_DECONV = 1,
    /* The last layer is a convolution to scale^2 channels, then a pixel
     * shuffle: HR (scale*y + i, scale*x + j) = channel i*scale + j at (y, x)
     * (PyTorch PixelShuffle). */
    FSR_UP_SHUFFLE = 2,
};

#define FSR_MODEL_MAX_LAYERS 16
#define FSR_MODEL_MAX_KERNEL 15
#define FSR_MODEL_MAX_CHANNELS 1024

typedef struct FsrConvLayer {
    int in_ch, out_ch;
    int kh, kw;          /* odd; padding keeps the spatial size */
    float *weight;       /* [out_ch][in_ch][kh][kw], cross-correlation; a
                          * transposed convolution (out_ch 1) the same:
                          * [1][in_ch][kh][kw] */
    float *bias;         /* [out_ch] */
    int act;             /* enum FsrActivation */
    float *slope;        /* [out_ch] PReLU slopes; NULL unless act is PReLU */
} FsrConvLayer;

typedef struct FsrModel {
    char arch[32];       /* e.g. "srcnn" */
    char name[64];       /* e.g. "9-5-5": kernel sizes joined by '-' */
    int scale;           /* 2, 3 or 4 */
    int padding;         /* enum FsrPadding */
    int n_layers;
    FsrConvLayer *layers;
    int input;           /* enum FsrModelInput */
    int upsample;        /* enum FsrUpsample: FSR_UP_NONE unless input is LR */
} FsrModel;

/* The activation after layer i, FSR_ACT_DEFAULT resolved. */
static inline int fsr_model_layer_act(const FsrModel *m, int i)
{
    const int a = m->layers[i].act;
    return a != FSR_ACT_DEFAULT ? a : i + 1 < m->n_layers ? FSR_ACT_RELU : FSR_ACT_NONE;
}

/* Loads and validates a model file: a path, or the name of a shipped model
 * (e.g. "fsrcnn-x2-half", see fsr_model_path).  On failure returns a negative error and
 * fsr_last_error() names the file and the problem. */
FSR_API int fsr_model_open(FsrModel **model, const char *path);
FSR_API void fsr_model_close(FsrModel **model);

/* Allocates a model of n_layers convolutions with zero weights and biases:
 * layer i maps channels[i] -> channels[i+1] with a kernels[i] x kernels[i]
 * kernel.  channels[0] and channels[n_layers] must be 1 (luma in, luma out).
 * For trainers and tests; the caller fills the weights. */
FSR_API int fsr_model_open_empty(FsrModel **model, const char *arch, int scale, int padding,
                             int n_layers, const int *channels, const int *kernels);

/* Allocates an LR-input model (FSR_INPUT_LR_Y) ending in `upsample`:
 * convolutions channels[i] -> channels[i+1] with kernels[i], each followed
 * by `act` (FSR_ACT_RELU or FSR_ACT_PRELU, slopes set to 0.25), and a last
 * layer channels[n_layers-1] -> 1 (transposed convolution, FSR_UP_DECONV)
 * or -> scale^2 (convolution before the pixel shuffle, FSR_UP_SHUFFLE);
 * channels[n_layers] is ignored.  Zero weights, for trainers and tests. */
FSR_API int fsr_model_open_empty_lr(FsrModel **model, const char *arch, int scale, int padding, int upsample,
                                    int n_layers, const int *channels, const int *kernels, int act);

/* Writes a model as safetensors (F32, metadata arch/scale/padding/input), the
 * format fsr_model_open reads.  Writes to a temporary name and renames, so a
 * failed save never leaves a half-written model behind. */
FSR_API int fsr_model_save(const FsrModel *model, const char *path);

/* fsr_model_save with n_extra more string entries in the file's
 * __metadata__ (an adapted model's parent, budget and measured cost, ...);
 * the format's own keys (arch, scale, padding, input, upsample,
 * activations) are refused. */
FSR_API int fsr_model_save_meta(const FsrModel *model, const char *path, int n_extra, const char *const *keys,
                                const char *const *values);

/* A __metadata__ string of a model file into buf; FSR_ERR(ENOENT) when the
 * file has no such key. */
FSR_API int fsr_model_file_meta(const char *path, const char *key, char *buf, size_t size);

/* A deep copy (weights included); close it with fsr_model_close. */
FSR_API int fsr_model_clone(FsrModel **copy, const FsrModel *model);

/* Multiply-accumulates per output (HR) pixel (sum over layers of
 * in_ch*out_ch*kh*kw, divided by scale^2 for LR-input models, rounded):
 * 57,184 for SRCNN 9-5-5, 3,121 for FSRCNN(56,12,4) x2. */
FSR_API long long fsr_model_macs_per_pixel(const FsrModel *model);

/* The file of a model given by path or by the name of a shipped model
 * (NAME or NAME.safetensors in the folders fsr_model_default_path
 * searches): a name with a '/', or a file that exists, is a path. */
FSR_API int fsr_model_path(const char *name_or_path, char *buf, size_t size);

/* Path of the default SR model for a scale: srcnn-ARCH-xS.safetensors, the
 * most accurate architecture found, searched in $FASTSR_MODEL_DIR, then the
 * installed share/fastsr/models beside the running tool, then the source
 * tree's models/.  0 or a negative error. */
FSR_API int fsr_model_default_path(int scale, char *buf, size_t size);

#endif
