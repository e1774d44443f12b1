/* Internal side of the trainer: gradients without an update, for the
 * gradient checks of the tests. */
#ifndef FASTSR_SRC_TRAIN_INTERNAL_H
#define FASTSR_SRC_TRAIN_INTERNAL_H

#include <stdint.h>

#include "fastsr/train.h"

/* Loss and gradient of one patch, without updating anything: grads has one
 * float per parameter (fsr_model_param_count), layer by layer, weights then
 * bias then PReLU slopes. */
int fsr_train_gradients(const FsrModel *m, int padding, const float *input, int in_size, const float *target,
                        float *grads, double *loss);
int64_t fsr_model_param_count(const FsrModel *m);

#endif
