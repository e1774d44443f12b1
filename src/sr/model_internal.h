/* Internal side of the models: validation and the default-model search
 * folders, for the loader, the engine and tests. */
#ifndef FASTSR_SRC_MODEL_INTERNAL_H
#define FASTSR_SRC_MODEL_INTERNAL_H

#include <stddef.h>

#include "fastsr/model.h"

/* Checks a model in memory with the same rules as the loader (shapes chain,
 * odd kernels, finite values, scale, padding).  what names it in the error. */
int fsr_model_validate(const FsrModel *model, const char *what);

/* The index-th folder of the default-model search (fsr_model_default_path,
 * 0..2); -1 when it does not apply. */
int fsr_model_dir(int index, char *buf, size_t size);

#endif
