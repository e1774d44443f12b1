/* Fuzz harness 3: the safetensors model loader and its validation
 * (fsr_model_open), then one forward pass of whatever loads, through the
 * public API only, so that it holds for every kind of model the loader
 * accepts: the float and the fixed-point SR backends (fsr_sr_open) each run
 * on a tiny picture (fsr_sr_picture).
 *
 * Input: a model file.  fsr_model_open reads paths only, so each input is
 * written to one temporary file per process ($TMPDIR, else /tmp). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastsr/model.h"
#include "fastsr/picture.h"
#include "fastsr/sr.h"

#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LR picture of the forward pass */
#define LR_W 12
#define LR_H 10
/* the harness's budget: larger networks load, but are not run */
#define MAX_MACS_PER_PIXEL 200000


static void forward(const FsrModel *m, int backend)
{
    FsrSRSettings s;
    fsr_sr_defaults(&s);
    s.backend = backend;
    s.threads = 1;
    FsrSR *sr = NULL;
    FsrPicture lr = { 0 }, hr = { 0 };
    if (fsr_sr_open(&sr, m, &s) < 0)
        return;
    const int scale = fsr_sr_scale(sr);
    if (scale < 2 || scale > 4)
        abort(); /* a model that loads has a scale the engine supports */
    if (fsr_picture_open(&lr, LR_W, LR_H) < 0 || fsr_picture_open(&hr, LR_W * scale, LR_H * scale) < 0)
        goto done;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < (c ? LR_H / 2 : LR_H); y++)
            for (int x = 0; x < (c ? LR_W / 2 : LR_W); x++)
                lr.data[c][y * lr.stride[c] + x] = (uint8_t)(x * 19 + y * 7 + c * 40);
    if (fsr_sr_picture(sr, &hr, &lr) < 0)
        goto done;
    int mx, my;
    fsr_sr_margin(sr, &mx, &my);
    if (mx < 0 || my < 0)
        abort();
done:
    fsr_picture_close(&hr);
    fsr_picture_close(&lr);
    fsr_sr_close(&sr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) {
        fsr_set_log_level(-1);
        quiet = 1;
    }
    const char *path = size > (1 << 20) ? NULL : fuzz_write_file("model", "safetensors", data, size);
    if (!path)
        return 0;
    FsrModel *m = NULL;
    if (fsr_model_open(&m, path) < 0) {
        if (m || !fsr_last_error()[0])
            abort(); /* a refusal leaves no model and says why */
        if (getenv("FASTSR_FUZZ_VERBOSE"))
            printf("model: refused: %s\n", fsr_last_error());
        return 0;
    }
    if (!m || m->n_layers < 1 || m->n_layers > FSR_MODEL_MAX_LAYERS)
        abort();
    const long long macs = fsr_model_macs_per_pixel(m);
    if (macs <= 0)
        abort();
    if (getenv("FASTSR_FUZZ_VERBOSE"))
        printf("model: %s %s x%d, %d layers, %lld MACs per pixel\n", m->arch, m->name, m->scale, m->n_layers, macs);
    if (macs <= MAX_MACS_PER_PIXEL) {
        forward(m, FSR_SR_FLOAT);
        forward(m, FSR_SR_FIXED);
    }
    fsr_model_close(&m);
    return 0;
}
