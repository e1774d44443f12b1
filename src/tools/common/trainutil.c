#include "trainutil.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "fastsr/eval.h"
#include "fastsr/sr.h"

int tool_val_load(ToolValSet *val, const char *dir, const char *prog)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "%s: error: %s: cannot open validation folder\n", prog, dir);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
        if (list[i]->d_name[0] != '.' && val->n < TOOL_MAX_VAL &&
            fsr_image_load_rgb(path, &val->rgb[val->n], &val->w[val->n], &val->h[val->n]) == 0)
            val->n++;
        free(list[i]);
    }
    free(list);
    if (!val->n) {
        fprintf(stderr, "%s: error: %s: no readable validation image\n", prog, dir);
        return 1;
    }
    return 0;
}

void tool_val_free(ToolValSet *val)
{
    for (int i = 0; i < val->n; i++)
        free(val->rgb[i]);
    val->n = 0;
}

double tool_val_psnr(const FsrModel *m, const ToolValSet *val, int threads)
{
    FsrSR *sr = NULL;
    if (fsr_sr_open(&sr, m, &(FsrSRSettings){ .threads = threads }) < 0)
        return NAN;
    double sum = 0;
    for (int i = 0; i < val->n; i++) {
        FsrEvalOptions opt = { .scale = m->scale, .protocol = FSR_EVAL_Y_FIRST, .upscaler = FSR_EVAL_UP_IMRESIZE,
                               .sr = sr };
        FsrEvalResult res;
        if (fsr_eval_rgb(&res, val->rgb[i], (ptrdiff_t)val->w[i] * 3, val->w[i], val->h[i], &opt) < 0) {
            fsr_sr_close(&sr);
            return NAN;
        }
        sum += res.psnr_y;
    }
    fsr_sr_close(&sr);
    return sum / val->n;
}
