/* FAST (or per-frame SR, or bicubic) through fsr_run on a coded clip,
 * scored frame by frame against the HR frames it was made from: what the
 * motion-search and MPEG-map tests measure their bounds with. */
#ifndef FASTSR_PSNRRUN_H
#define FASTSR_PSNRRUN_H

#include <stdint.h>

#include "fastsr/pipeline.h"

#define TU_PSNR_MAX_FRAMES 64

/* The two sources of the coded-clip tests (test_motion, test_mpeg_maps),
 * TU_PAN_FRAMES frames each, FFV1:
 * - known motion: a 640x384 window moving 6 px right and 2 px down per
 *   frame over a texture, scaled to 160x96 (the crop's steps stay even, as
 *   4:2:0 cropping wants), so the LR step is (1.5, 0.5) px: quarter-pel
 *   (TU_PAN_STEP_X, TU_PAN_STEP_Y);
 * - photographic content for the PSNR checks: a 320x192 crop of the sample
 *   pan (HR ground truth; the tests code its bicubic half as the LR video).
 * 0, or -1 when ffmpeg failed. */
#define TU_PAN_FRAMES 16
#define TU_PAN_STEP_X 6
#define TU_PAN_STEP_Y 2
int tu_make_pan_sources(const char *known, const char *photo_hr);

typedef struct TuPsnrRun {
    uint8_t *hr[TU_PSNR_MAX_FRAMES];   /* HR luma, w x h, by display index */
    int w, h, nframes;
    char model[512];
    double sum;                        /* of the last run */
    int n;
    int key[TU_PSNR_MAX_FRAMES];       /* the last run's frames: key frame, picture type */
    char type[TU_PSNR_MAX_FRAMES];
    int no_back_project;               /* 1: FAST without back projection (default: with, as fsr_run) */
} TuPsnrRun;

/* Reads the first nframes luma planes of hr_path (w x h) and sets the model
 * to the shipped SRCNN 9-1-5 x2 (the model these tests' bounds were measured
 * with); skips test (the caller's name) when it is not found. */
void tu_psnr_open(TuPsnrRun *m, const char *test, const char *hr_path, int w, int h, int nframes);
void tu_psnr_close(TuPsnrRun *m);

/* Mean PSNR-Y of one fsr_run over all frames (1 thread, no accelerator);
 * fails the test when the run fails or misses a frame.  r gets its report. */
double tu_psnr_of_run(TuPsnrRun *m, const char *input, FsrMode mode, int motion, const char *keyframes,
                      FsrReport *r);

#endif
