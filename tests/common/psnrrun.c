#include "psnrrun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/eval.h"
#include "fastsr/model.h"
#include "fastsr/reader.h"
#include "testutil.h"

void tu_psnr_open(TuPsnrRun *m, const char *test, const char *hr_path, int w, int h, int nframes)
{
    memset(m, 0, sizeof(*m));
    assert_true(nframes > 0 && nframes <= TU_PSNR_MAX_FRAMES);
    m->w = w, m->h = h, m->nframes = nframes;
    if (fsr_model_default_path(2, m->model, sizeof(m->model)) < 0)
        tu_skip_in(test, "the shipped x2 model is not found");
    char *slash = strrchr(m->model, '/');
    snprintf(slash ? slash + 1 : m->model, sizeof(m->model) - (size_t)(slash ? slash + 1 - m->model : 0),
             "srcnn-9-1-5-x2.safetensors");
    FsrReader *rd = NULL;
    assert_int_equal(fsr_reader_open(&rd, hr_path, NULL), 0);
    for (int i = 0; i < nframes; i++) {
        FsrReaderFrame f;
        assert_int_equal(fsr_reader_read(rd, &f), 0);
        m->hr[i] = malloc((size_t)w * h);
        assert_non_null(m->hr[i]);
        for (int y = 0; y < h; y++)
            memcpy(m->hr[i] + (size_t)y * w, f.pic.data[0] + (ptrdiff_t)y * f.pic.stride[0], (size_t)w);
    }
    fsr_reader_close(&rd);
}

void tu_psnr_close(TuPsnrRun *m)
{
    for (int i = 0; i < m->nframes; i++)
        free(m->hr[i]);
    memset(m, 0, sizeof(*m));
}

static int on_frame(void *opaque, const FsrFastFrame *f)
{
    TuPsnrRun *m = opaque;
    if (f->display_index < 0 || f->display_index >= m->nframes || f->hr->w != m->w || f->hr->h != m->h)
        return -1;
    m->sum += fsr_psnr_u8(f->hr->data[0], f->hr->stride[0], m->hr[f->display_index], m->w, m->w, m->h, 2);
    m->key[f->display_index] = f->key;
    m->type[f->display_index] = f->type;
    m->n++;
    return 0;
}

double tu_psnr_of_run(TuPsnrRun *m, const char *input, FsrMode mode, int motion, const char *keyframes,
                      FsrReport *r)
{
    FsrSettings s;
    fsr_run_defaults(&s);
    s.input = input;
    s.mode = mode;
    s.fast.motion = motion;
    s.fast.keyframes = keyframes;
    if (m->no_back_project)
        s.fast.back_project = 0;
    s.sr.model = m->model;
    s.accel.arch = NULL;
    s.threads = 1;
    s.frame_done = on_frame;
    s.opaque = m;
    m->sum = 0;
    m->n = 0;
    if (fsr_run(&s, r) < 0)
        fail_msg("%s: %s", input, fsr_last_error());
    assert_int_equal(m->n, m->nframes);
    return m->sum / m->n;
}

#define FFMPEG "ffmpeg -hide_banner -loglevel error -y "
#define KNOWN_SRC                                                                                              \
    "nullsrc=s=960x640:r=25,geq=lum='128+50*sin(X/9.3)*cos(Y/7.7)+40*sin((X+2*Y)/17.1)+20*cos(X*Y/3600)'" \
    ":cb='128+30*sin(Y/13.1)':cr='128+30*cos(X/11.3)',crop=640:384:x='20+6*n':y='10+2*n',scale=160:96:flags=bicubic"
#define PHOTO_SRC "crop=320:192:300:150"

int tu_make_pan_sources(const char *known, const char *photo_hr)
{
    if (tu_run(NULL, 0, FFMPEG "-f lavfi -i \"%s\" -frames:v %d -pix_fmt yuv420p -c:v ffv1 %s", KNOWN_SRC, TU_PAN_FRAMES,
               known) ||
        tu_run(NULL, 0, FFMPEG "-i %s -frames:v %d -vf %s -pix_fmt yuv420p -c:v ffv1 %s", tu_src("samples/pan-540p.mp4"),
               TU_PAN_FRAMES, PHOTO_SRC, photo_hr))
        return -1;
    return 0;
}
