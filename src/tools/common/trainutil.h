/* What the trainer and fastsr-adapt share: validation images and their
 * PSNR under the standard protocol. */
#ifndef FASTSR_TRAINUTIL_H
#define FASTSR_TRAINUTIL_H

#include <stdint.h>

#include "fastsr/model.h"

#define TOOL_MAX_VAL 64

typedef struct ToolValSet {
    int n;
    uint8_t *rgb[TOOL_MAX_VAL];
    int w[TOOL_MAX_VAL], h[TOOL_MAX_VAL];
} ToolValSet;

/* Every readable image in dir, sorted by name (at most TOOL_MAX_VAL).  0,
 * or 1 with the error printed after "prog: error: ". */
int tool_val_load(ToolValSet *val, const char *dir, const char *prog);
void tool_val_free(ToolValSet *val);

/* Mean PSNR-Y of model over the set (Y first, imresize, the SRCNN
 * protocol: fastsr/eval.h); NAN on error. */
double tool_val_psnr(const FsrModel *model, const ToolValSet *val, int threads);

#endif
