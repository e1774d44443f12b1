/* Training of SR models (conv stacks, see model.h): forward and backward
 * passes on luma patches, MSE loss, Adam, checkpoints. */
#ifndef FASTSR_TRAIN_H
#define FASTSR_TRAIN_H

#include <stdint.h>

#include "fastsr/common.h"
#include "fastsr/model.h"

/* How the training passes treat the patch border. */
enum FsrTrainPadding {
    /* No padding: each layer shrinks the patch by k-1 and the loss sees the
     * centre only, as SRCNN was trained (no border artefacts learned). */
    FSR_TRAIN_VALID = -1,
    /* FSR_PAD_ZERO / FSR_PAD_REPLICATE: same-size layers, as at inference. */
};

typedef struct FsrTrainSettings {
    int batch;            /* patches per step */
    float lr;             /* Adam learning rate of all but the last layer */
    float lr_last;        /* of the last layer (SRCNN used a 10x smaller one) */
    float beta1, beta2, eps;
    int padding;          /* FSR_TRAIN_VALID, FSR_PAD_ZERO or FSR_PAD_REPLICATE */
    int threads;          /* OpenMP threads; results depend only on seed + threads */
} FsrTrainSettings;

typedef struct FsrTrainer FsrTrainer;

FSR_API void fsr_trainer_defaults(FsrTrainSettings *s);

/* He-style initialisation (the last layer small), from a seed. */
FSR_API void fsr_train_init_weights(FsrModel *m, uint64_t seed);

/* The trainer updates *model in place; the model must outlive it. */
FSR_API int fsr_trainer_open(FsrTrainer **t, FsrModel *model, const FsrTrainSettings *s);
FSR_API void fsr_trainer_close(FsrTrainer **t);

/* Output side of a patch of in_size x in_size pixels under the padding mode
 * (for an LR-input model, in_size is LR and the output HR: the pixels the
 * valid layers and the whole upsampling kernel reach). */
FSR_API int fsr_train_out_size(const FsrModel *m, int padding, int in_size);
/* Where that output starts: its first pixel's offset from the input patch's
 * first pixel, in output pixels (HR pixels from scale x the LR patch's
 * corner for an LR-input model). */
FSR_API int fsr_train_out_offset(const FsrModel *m, int padding, int in_size);

/* One Adam step on n patches: inputs [n][in][in] (bicubic luma / 255, or
 * LR luma / 255 for LR-input models), targets [n][out][out] (HR luma / 255,
 * at fsr_train_out_offset).
 * *loss gets the batch's mean squared error (in (1/255)^2 units). */
FSR_API int fsr_trainer_step(FsrTrainer *t, const float *inputs, const float *targets, int n, int in_size,
                             double *loss);

FSR_API int64_t fsr_trainer_steps(const FsrTrainer *t);

/* Checkpoint = weights + Adam moments + step count, in one file
 * (written to a temporary name, then renamed).  Loading needs a trainer
 * created for the same architecture. */
FSR_API int fsr_trainer_save(const FsrTrainer *t, const char *path, const void *extra, int extra_size);
FSR_API int fsr_trainer_load(FsrTrainer *t, const char *path, void *extra, int extra_size);

/* ---- training data ---- */

/* Images from folders, prepared as SRCNN's training code did: Y of
 * rgb2ycbcr (rounded to 8 bits), cropped to a multiple of the scale, LR by
 * imresize with antialiasing and back up with imresize (double, the same
 * protocol as fastsr/eval.h), kept as float planes in [0, 1]. */
typedef struct FsrPatchSource FsrPatchSource;

typedef struct FsrPatchSourceSettings {
    int scale;
    int max_size;    /* images larger than this (either side) are first shrunk to fit; 0: never */
    int min_size;    /* images smaller than this after preparation are skipped with a warning */
} FsrPatchSourceSettings;

/* Adds every readable image in dir (not recursive).  Unreadable files are
 * skipped with a warning; a folder with no usable image is an error. */
FSR_API int fsr_patches_open(FsrPatchSource **ps, const FsrPatchSourceSettings *s);
FSR_API int fsr_patches_add_dir(FsrPatchSource *ps, const char *dir);
FSR_API void fsr_patches_close(FsrPatchSource **ps);
FSR_API int fsr_patches_count(const FsrPatchSource *ps);
/* Number of in_size patches at the given stride over all images (what SRCNN
 * called one pass over the data). */
FSR_API int64_t fsr_patches_per_epoch(const FsrPatchSource *ps, int in_size, int stride);

/* n random patches (position, flips and 90-degree rotations drawn from
 * *rng): inputs [n][in][in] from the bicubic plane, targets [n][out][out]
 * from the HR plane, centred. */
FSR_API int fsr_patches_sample(FsrPatchSource *ps, uint64_t *rng, int n, int in_size, int out_size, float *inputs,
                               float *targets);

/* The same for LR-input models: inputs [n][lr][lr] from the LR plane
 * (imresize of the HR, unrounded, as the evaluation protocol), targets
 * [n][out][out] from the HR plane, starting out_offset HR pixels from
 * scale x the LR patch's corner.  Flips and rotations apply to the LR
 * patch and to its HR patch (scale * lr wide) alike. */
FSR_API int fsr_patches_sample_lr(FsrPatchSource *ps, uint64_t *rng, int n, int lr_size, int out_size,
                                  int out_offset, float *inputs, float *targets);

/* ---- structured pruning (fastsr-adapt) ---- */

/* 1 when layer's filters (output channels) may be removed: every layer but
 * the last (its outputs are the picture, or the pixel shuffle's phases),
 * while it has more than one. */
FSR_API int fsr_prune_layer_ok(const FsrModel *model, int layer);

/* Importance of each filter of layer (out_ch values): the L2 norm of its
 * weights and bias times the L2 norm of the next layer's weights that read
 * it.  ReLU and PReLU are positively homogeneous: a filter scaled by c and
 * its readers by 1/c compute the same network, and only the product is
 * blind to that (a filter's own norm is not). */
FSR_API int fsr_prune_importance(const FsrModel *model, int layer, float *importance);

/* Removes the filters of layer whose keep[c] is 0, and the next layer's
 * input channels that read them; at least one must stay. */
FSR_API int fsr_prune_filters(FsrModel *model, int layer, const uint8_t *keep);

/* Removes the n least important filters of layer (ties: lowest index). */
FSR_API int fsr_prune_smallest(FsrModel *model, int layer, int n);

#endif
