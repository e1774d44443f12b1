/* --hr REF: FAST against per-frame SRCNN and bicubic on a video with ground
 * truth.  The LR video is made here (antialiased bicubic downscale, then
 * libx264), every run goes through the library's pipeline with encoding
 * off, and each HR frame is compared with REF as it comes out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "bench.h"
#include "fastsr/accel.h"
#include "fastsr/bicubic.h"
#include "fastsr/eval.h"
#include "fastsr/model.h"
#include "fastsr/pipeline.h"
#include "fastsr/reader.h"
#include "toolutil.h"

#define MAX_RUNS 32

void bench_video_usage(void)
{
    printf("  --hr REF [--scale S] [--model FILE] [--crf N] [--preset P] [--x264 PARAMS]\n"
           "        [--modes bicubic,srcnn,fast] [--keyframes every:4,every:8,every:16,intra,adaptive,regions]\n"
           "        [--frames N] [--threads N] [--hr-filter F] [--fallback T] [--accel ARCH|none] [--backend float|accel]\n"
           "        [--no-ssim] [--deblock] [--back-project on|off] [--refine on|off] [--cells] [--motion auto|stream|search|none] [--motion-refs N] [--lr-codec NAME[:K=V:...]]\n"
           "        [--lr-in FILE] [--lr-out FILE] [--json OUT] [--csv OUT] [--plot OUT.svg]\n"
           "        REF is any video or image sequence FFmpeg reads (.y4m, .mp4, dir/%%08d.png): it is\n"
           "        downscaled by S (MATLAB-style antialiased bicubic) and encoded with libx264 (CRF 18,\n"
           "        x264 defaults unless --x264), then each mode/policy upscales it; PSNR-Y/SSIM-Y per\n"
           "        frame against REF, SR frames, seconds, fps, speedup against per-frame SRCNN; with --json,\n"
           "        each SR run's metrics sheet (Sze et al. 2017) on the --accel architecture\n");
}

typedef struct Ref {
    int w, h, n;           /* cropped HR size (multiple of 2*scale), frames */
    uint8_t **y;           /* HR luma per frame */
    uint8_t **lr;          /* --cells: the decoded LR luma per frame */
    int cw, ch;            /* --cells: cells of CELL x CELL LR pixels */
} Ref;

/* --cells: the unit of the per-cell analysis, as the regions policy's */
#define CELL 8

typedef struct Run {
    char mode[16], keyframes[32], label[48];
    FsrReport rep;
    double *psnr, *ssim, *est;
    double *seconds;    /* per frame: SR, transfer or bicubic (FsrFastFrame.seconds) */
    int *key;
    double psnr_mean, ssim_mean;
    float *cell_mse;    /* --cells: [frame][cell] squared error against REF */
    float *cell_lrc;    /* --cells, fast runs: [frame][cell] fsr_lr_consistency */
} Run;

typedef struct Measure {
    const Ref *ref;
    Run *run;
    int scale, ssim;
} Measure;

static int on_frame(void *opaque, const FsrFastFrame *f)
{
    Measure *m = opaque;
    const int i = (int)f->display_index;
    if (i < 0 || i >= m->ref->n)
        return 0;
    const FsrPicture *hr = f->hr;
    if (hr->w != m->ref->w || hr->h != m->ref->h) {
        /* an --lr-in video of another size than REF / scale */
        fprintf(stderr, "fastsr-bench: error: HR frames are %dx%d, the reference is %dx%d\n", hr->w, hr->h,
                m->ref->w, m->ref->h);
        return -1;
    }
    m->run->psnr[i] = fsr_psnr_u8(hr->data[0], hr->stride[0], m->ref->y[i], m->ref->w, m->ref->w, m->ref->h,
                                  m->scale);
    m->run->ssim[i] = m->ssim ? fsr_ssim_u8(hr->data[0], hr->stride[0], m->ref->y[i], m->ref->w, m->ref->w,
                                            m->ref->h, m->scale)
                              : NAN;
    m->run->key[i] = f->key;
    m->run->est[i] = f->estimated_loss_db;
    m->run->seconds[i] = f->seconds;
    const Ref *ref = m->ref;
    if (m->run->cell_mse) {
        const int s = m->scale, ncell = ref->cw * ref->ch, c = CELL * s;
        float *mse = m->run->cell_mse + (size_t)i * ncell;
        for (int cy = 0; cy < ref->ch; cy++)
            for (int cx = 0; cx < ref->cw; cx++) {
                const int x1 = (cx + 1) * c < ref->w ? (cx + 1) * c : ref->w;
                const int y1 = (cy + 1) * c < ref->h ? (cy + 1) * c : ref->h;
                double e = 0;
                for (int y = cy * c; y < y1; y++)
                    for (int x = cx * c; x < x1; x++) {
                        const double d = (double)hr->data[0][(ptrdiff_t)y * hr->stride[0] + x] - ref->y[i][y * ref->w + x];
                        e += d * d;
                    }
                mse[cy * ref->cw + cx] = (float)(e / ((double)(x1 - cx * c) * (y1 - cy * c)));
            }
    }
    if (m->run->cell_lrc && !f->key && ref->lr[i] &&
        fsr_lr_consistency(m->run->cell_lrc + (size_t)i * ref->cw * ref->ch, ref->cw, ref->ch, CELL, hr->data[0],
                           hr->stride[0], ref->lr[i], ref->w / m->scale, ref->w / m->scale, ref->h / m->scale,
                           m->scale) < 0)
        return -1;
    return 0;
}

/* --cells: the decoded LR luma of every frame, for the LR consistency. */
static int read_lr(const char *path, Ref *ref, int scale)
{
    FsrReader *rd = NULL;
    const FsrReaderSettings rs = { .block_maps = 0 };
    int ret = fsr_reader_open(&rd, path, &rs);
    const int lw = ref->w / scale, lh = ref->h / scale;
    ref->cw = (lw + CELL - 1) / CELL;
    ref->ch = (lh + CELL - 1) / CELL;
    if (ret >= 0 && !(ref->lr = calloc(ref->n, sizeof(*ref->lr))))
        ret = -1;
    while (ret >= 0) {
        FsrReaderFrame f;
        if ((ret = fsr_reader_read(rd, &f)) != 0)
            break;
        const int64_t i = f.display_index;
        if (i < 0 || i >= ref->n || ref->lr[i] || f.pic.w != lw || f.pic.h != lh)
            continue;
        if (!(ref->lr[i] = malloc((size_t)lw * lh))) {
            ret = -1;
            break;
        }
        for (int y = 0; y < lh; y++)
            memcpy(ref->lr[i] + (size_t)y * lw, f.pic.data[0] + (ptrdiff_t)y * f.pic.stride[0], (size_t)lw);
    }
    fsr_reader_close(&rd);
    if (ret < 0)
        fprintf(stderr, "fastsr-bench: error: %s: %s\n", path, fsr_last_error());
    return ret < 0 ? -1 : 0;
}

static double pearson(const double *x, const double *y, size_t n)
{
    double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < n; i++)
        mx += x[i], my += y[i];
    mx /= (double)n, my /= (double)n;
    for (size_t i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
        sxy += (x[i] - mx) * (y[i] - my);
    }
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

/* --cells: over the cells of each fast run's transferred frames, how well
 * the LR consistency predicts the real error against REF and the loss
 * against per-frame SR (squared-error difference), as Pearson r; and the
 * mean loss of the cells above each LR-consistency decile. */
static void print_cells(const Run *runs, int nruns, const Ref *ref, const Run *srcnn)
{
    const size_t ncell = (size_t)ref->cw * ref->ch;
    double *x = malloc(sizeof(double) * ncell * ref->n), *err = malloc(sizeof(double) * ncell * ref->n);
    double *loss = malloc(sizeof(double) * ncell * ref->n);
    for (int i = 0; x && err && loss && srcnn && srcnn->cell_mse && i < nruns; i++) {
        const Run *r = &runs[i];
        if (!r->cell_lrc)
            continue;
        size_t n = 0;
        for (int k = 0; k < ref->n; k++)
            if (!r->key[k] && isfinite(r->psnr[k]) && ref->lr[k])
                for (size_t c = 0; c < ncell; c++) {
                    x[n] = r->cell_lrc[k * ncell + c];
                    err[n] = r->cell_mse[k * ncell + c];
                    loss[n] = r->cell_mse[k * ncell + c] - srcnn->cell_mse[k * ncell + c];
                    n++;
                }
        if (!n)
            continue;
        printf("cells %-16s %zu cells of %dx%d LR pixels in transferred frames: LR consistency vs squared error "
               "r = %.3f, vs loss against per-frame SR r = %.3f\n",
               r->keyframes, n, CELL, CELL, pearson(x, err, n), pearson(x, loss, n));
    }
    free(x);
    free(err);
    free(loss);
}

/* Reads REF, keeps the HR luma, and writes the LR video (lr_path NULL: the
 * LR video exists already, --lr-in). */
static int make_lr(const char *ref_path, int scale, int max_frames, int crf, const char *preset,
                   const char *x264, const char *codec, const char *codec_options, const char *lr_path, Ref *ref)
{
    FsrReader *rd = NULL;
    FsrWriter *wr = NULL;
    const FsrReaderSettings rs = { .block_maps = 0 };
    int ret = fsr_reader_open(&rd, ref_path, &rs);
    if (ret < 0) {
        fprintf(stderr, "fastsr-bench: error: %s\n", fsr_last_error());
        return -1;
    }
    const FsrReaderInfo *info = fsr_reader_info(rd);
    const int w = info->width - info->width % (2 * scale), h = info->height - info->height % (2 * scale);
    const int lw = w / scale, lh = h / scale;
    if (lw < 16 || lh < 16) {
        fsr_reader_close(&rd);
        fprintf(stderr, "fastsr-bench: error: %s: too small for x%d\n", ref_path, scale);
        return -1;
    }
    ref->w = w;
    ref->h = h;
    const FsrWriterSettings ws = { .path = lr_path, .overwrite = 1, .width = lw, .height = lh, .crf = crf,
                                   .preset = preset, .x264_params = x264,
                                   .codec = codec, .codec_options = codec_options };
    FsrPicture lr = { 0 };
    double *in = malloc(sizeof(double) * (size_t)w * h), *out = malloc(sizeof(double) * (size_t)lw * lh);
    int cap = 0;
    if (!in || !out || (ret = fsr_picture_open(&lr, lw, lh)) < 0 ||
        (lr_path && (ret = fsr_writer_open(&wr, &ws, rd)) < 0))
        goto end;
    for (;;) {
        if (max_frames && ref->n >= max_frames)
            break;
        FsrReaderFrame f;
        ret = fsr_reader_read(rd, &f);
        if (ret < 0)
            goto end;
        if (ret == 1)
            break;
        if (ref->n == cap) {
            cap = cap ? cap * 2 : 64;
            uint8_t **ny = realloc(ref->y, sizeof(uint8_t *) * cap);
            if (!ny) {
                ret = -1;
                goto end;
            }
            ref->y = ny;
        }
        uint8_t *y = malloc((size_t)w * h);
        if (!y) {
            ret = -1;
            goto end;
        }
        for (int j = 0; j < h; j++)
            memcpy(y + (size_t)j * w, f.pic.data[0] + j * f.pic.stride[0], w);
        ref->y[ref->n++] = y;
        if (!lr_path)
            continue;
        /* each plane: MATLAB imresize with antialiasing, rounded */
        for (int c = 0; c < 3; c++) {
            const int pw = c ? w / 2 : w, ph = c ? h / 2 : h, qw = pw / scale, qh = ph / scale;
            for (int j = 0; j < ph; j++)
                for (int i = 0; i < pw; i++)
                    in[(size_t)j * pw + i] = f.pic.data[c][j * f.pic.stride[c] + i];
            fsr_imresize(out, qw, qh, in, pw, ph);
            for (int j = 0; j < qh; j++)
                for (int i = 0; i < qw; i++)
                    lr.data[c][j * lr.stride[c] + i] = fsr_matlab_u8(out[(size_t)j * qw + i]);
        }
        if ((ret = fsr_writer_write(wr, &lr, f.pts, f.duration)) < 0)
            goto end;
    }
    ret = !ref->n ? -1 : lr_path ? fsr_writer_finish(wr) : 0;
end:
    if (ret < 0)
        fprintf(stderr, "fastsr-bench: error: %s\n", fsr_last_error());
    fsr_writer_close(&wr);
    fsr_reader_close(&rd);
    fsr_picture_close(&lr);
    free(in);
    free(out);
    return ret < 0 ? -1 : 0;
}

static double mean(const double *v, int n)
{
    double s = 0;
    int k = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(v[i]))
            s += v[i], k++;
    return k ? s / k : NAN;
}

/* A small SVG: per-frame PSNR of every run with its SR frames marked, and
 * speedup against PSNR loss for the FAST runs. */
static int write_svg(const char *path, const Run *runs, int nruns, int n, const Run *srcnn)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    static const char *colors[] = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" };
    const int W = 900, H1 = 360, H2 = 320, L = 60, R = 200, T = 30;
    double lo = 1e9, hi = -1e9;
    for (int r = 0; r < nruns; r++)
        for (int i = 0; i < n; i++)
            if (!isnan(runs[r].psnr[i]) && !isinf(runs[r].psnr[i])) {
                lo = fmin(lo, runs[r].psnr[i]);
                hi = fmax(hi, runs[r].psnr[i]);
            }
    if (hi <= lo)
        hi = lo + 1;
    lo = floor(lo - 0.5);
    hi = ceil(hi + 0.5);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
               "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            W, H1 + H2 + 60);
    const int pw = W - L - R, ph = H1 - T - 40;
#define PX(i) (L + (n > 1 ? (double)(i) * pw / (n - 1) : 0))
#define PY(v) (T + ph - ((v) - lo) * ph / (hi - lo))
    fprintf(f, "<text x=\"%d\" y=\"18\" font-size=\"14\">PSNR-Y per frame (circles: SR frames)</text>\n", L);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n", L, T, pw, ph);
    for (double v = lo; v <= hi + 1e-9; v += (hi - lo) > 8 ? 2 : 1)
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n", L - 5, PY(v) + 4, v);
    for (int i = 0; i < n; i += n > 20 ? n / 10 : 1)
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", PX(i), T + ph + 16, i);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">frame</text>\n", L + pw / 2, T + ph + 32);
    for (int r = 0; r < nruns; r++) {
        const char *c = colors[r % 10];
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", c);
        for (int i = 0; i < n; i++)
            if (!isnan(runs[r].psnr[i]) && !isinf(runs[r].psnr[i]))
                fprintf(f, "%.1f,%.1f ", PX(i), PY(runs[r].psnr[i]));
        fprintf(f, "\"/>\n");
        if (strcmp(runs[r].mode, "fast") == 0)
            for (int i = 0; i < n; i++)
                if (runs[r].key[i] && !isinf(runs[r].psnr[i]))
                    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", PX(i), PY(runs[r].psnr[i]), c);
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s %.2f dB</text>\n",
                L + pw + 10, T + 10 + 16 * r, c, L + pw + 26, T + 15 + 16 * r, runs[r].label, runs[r].psnr_mean);
    }
    /* speedup vs loss */
    if (srcnn) {
        const int t2 = H1 + 40, ph2 = H2 - 60;
        double smax = 1, lmax = 0.1, lmin = 0;
        for (int r = 0; r < nruns; r++) {
            const double sp = runs[r].rep.seconds.upscale > 0 ? srcnn->rep.seconds.upscale / runs[r].rep.seconds.upscale : 0;
            smax = fmax(smax, sp);
            lmax = fmax(lmax, srcnn->psnr_mean - runs[r].psnr_mean);
            lmin = fmin(lmin, srcnn->psnr_mean - runs[r].psnr_mean);
        }
        smax = pow(2, ceil(log2(smax * 1.1)));
        fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"14\">SR-stage speedup over per-frame SRCNN vs PSNR loss</text>\n",
                L, t2 - 12);
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n", L, t2, pw,
                ph2);
#define SX(v) (L + log2(fmax(v, 1)) / log2(smax) * pw)
#define SY(v) (t2 + ((v) - lmin) / (lmax - lmin) * ph2)
        for (double v = 1; v <= smax; v *= 2)
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%gx</text>\n", SX(v), t2 + ph2 + 16, v);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.2f dB</text>\n", L - 5, SY(lmin) + 4, lmin);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.2f dB</text>\n", L - 5, SY(lmax) + 4, lmax);
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">speedup (log scale); down = more loss</text>\n",
                L + pw / 2, t2 + ph2 + 32);
        for (int r = 0; r < nruns; r++) {
            const double sp = runs[r].rep.seconds.upscale > 0 ? srcnn->rep.seconds.upscale / runs[r].rep.seconds.upscale : 0;
            const double loss = srcnn->psnr_mean - runs[r].psnr_mean;
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                    SX(sp), SY(loss), colors[r % 10], SX(sp) + 6, SY(loss) - 4, runs[r].label);
        }
    }
    fprintf(f, "</svg>\n");
    return fclose(f) ? -1 : 0;
}

static int split(char *s, char **out, int max)
{
    int n = 0;
    for (char *t = strtok(s, ","); t && n < max; t = strtok(NULL, ","))
        out[n++] = t;
    return n;
}

typedef struct VideoOptions {
    const char *ref_path, *model, *json, *csv, *plot, *lr_out;
    const char *lr_in;     /* an LR video made elsewhere (any codec), instead of the bench's x264 one */
    char lr_codec[64];     /* --lr-codec NAME: the LR encoder instead of libx264 ("" none) */
    const char *lr_codec_options; /* its key=value:key=value, or NULL */
    int motion;            /* FsrMotionSource of the fast runs */
    int motion_refs;       /* the search's reference pictures (0: default) */
    const char *x264, *preset, *hr_filter, *accel;
    char modes_buf[256], keys_buf[512];
    int scale, frames, threads, crf, ssim, deblock, cells, back_project, refine;
    int backend; /* FSR_SR_FLOAT or FSR_SR_FIXED (--backend accel) */
    double fallback;
} VideoOptions;

/* 0, or the exit status 2 after a message. */
static int parse_video_options(VideoOptions *o, int argc, char **argv)
{
    *o = (VideoOptions) {
        .preset = "medium", .accel = FSR_ACCEL_DEFAULT_ARCH,
        .modes_buf = "bicubic,srcnn,fast", .keys_buf = "every:4,every:8,every:16,intra,adaptive,regions",
        .scale = 2, .crf = 18, .ssim = 1, .fallback = FSR_TRANSFER_DEFAULT_FALLBACK, .backend = FSR_SR_FLOAT, .back_project = 1, .refine = 1,
    };
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int used = 1;
        if (!strcmp(a, "--hr") && v) o->ref_path = v;
        else if (!strcmp(a, "--scale") && v) o->scale = atoi(v);
        else if (!strcmp(a, "--model") && v) o->model = v;
        else if (!strcmp(a, "--crf") && v) o->crf = atoi(v);
        else if (!strcmp(a, "--preset") && v) o->preset = v;
        else if (!strcmp(a, "--x264") && v) o->x264 = v;
        else if (!strcmp(a, "--modes") && v) snprintf(o->modes_buf, sizeof(o->modes_buf), "%s", v);
        else if (!strcmp(a, "--keyframes") && v) snprintf(o->keys_buf, sizeof(o->keys_buf), "%s", v);
        else if (!strcmp(a, "--frames") && v) o->frames = atoi(v);
        else if (!strcmp(a, "--threads") && v) o->threads = atoi(v);
        else if (!strcmp(a, "--hr-filter") && v) o->hr_filter = v;
        else if (!strcmp(a, "--fallback") && v) o->fallback = atof(v);
        else if (!strcmp(a, "--back-project") && v) {
            if (strcmp(v, "on") && strcmp(v, "off")) {
                fprintf(stderr, "fastsr-bench: --back-project wants on or off, not '%s'\n", v);
                return 2;
            }
            o->back_project = !strcmp(v, "on");
        }
        else if (!strcmp(a, "--refine") && v) {
            if (strcmp(v, "on") && strcmp(v, "off")) {
                fprintf(stderr, "fastsr-bench: --refine wants on or off, not '%s'\n", v);
                return 2;
            }
            o->refine = !strcmp(v, "on");
        }
        else if (!strcmp(a, "--accel") && v) o->accel = strcmp(v, "none") ? v : NULL;
        else if (!strcmp(a, "--backend") && v) {
            if (strcmp(v, "float") && strcmp(v, "accel")) {
                fprintf(stderr, "fastsr-bench: --backend wants float or accel, not '%s'\n", v);
                return 2;
            }
            o->backend = strcmp(v, "float") ? FSR_SR_FIXED : FSR_SR_FLOAT;
        }
        else if (!strcmp(a, "--lr-out") && v) o->lr_out = v;
        else if (!strcmp(a, "--json") && v) o->json = v;
        else if (!strcmp(a, "--csv") && v) o->csv = v;
        else if (!strcmp(a, "--plot") && v) o->plot = v;
        else if (!strcmp(a, "--no-ssim")) { o->ssim = 0; used = 0; }
        else if (!strcmp(a, "--deblock")) { o->deblock = 1; used = 0; }
        else if (!strcmp(a, "--cells")) { o->cells = 1; used = 0; }
        else if (!strcmp(a, "--motion-refs") && v) {
            char *end;
            const long n = strtol(v, &end, 10);
            if (end == v || *end || n < 1 || n > 4) {
                fprintf(stderr, "fastsr-bench: --motion-refs wants 1..4, not '%s'\n", v);
                return 2;
            }
            o->motion_refs = (int)n;
        }
        else if (!strcmp(a, "--motion") && v) {
            if ((o->motion = fsr_motion_source_parse(v)) < 0) {
                fprintf(stderr, "fastsr-bench: --motion wants auto, stream, search or none, not '%s'\n", v);
                return 2;
            }
        }
        else if (!strcmp(a, "--lr-in") && v) o->lr_in = v;
        else if (!strcmp(a, "--lr-codec") && v) {
            const char *colon = strchr(v, ':');
            const size_t n = colon ? (size_t)(colon - v) : strlen(v);
            if (!n || n >= sizeof(o->lr_codec)) {
                fprintf(stderr, "fastsr-bench: --lr-codec wants NAME[:KEY=VALUE:...], not '%s'\n", v);
                return 2;
            }
            memcpy(o->lr_codec, v, n);
            o->lr_codec[n] = 0;
            o->lr_codec_options = colon ? colon + 1 : NULL;
        }
        else {
            fprintf(stderr, "fastsr-bench: unknown or incomplete option '%s' for --hr\n", a);
            return 2;
        }
        i += used;
    }
    if (!o->ref_path || !fsr_scale_supported(o->scale) || o->frames < 0 || o->crf < 0 || o->crf > 51) {
        fprintf(stderr, "fastsr-bench: --hr REF is required; --scale 2..4, --crf 0..51\n");
        return 2;
    }
    return 0;
}

/* One run per plain mode and one per keyframe policy of fast; the number of
 * runs, or -1 after a message on an unknown mode. */
static int plan_runs(Run *runs, VideoOptions *o)
{
    int nruns = 0;
    char *modes[8], *keys[16];
    const int nm = split(o->modes_buf, modes, 8), nk = split(o->keys_buf, keys, 16);
    for (int m = 0; m < nm; m++) {
        const int is_fast = !strcmp(modes[m], "fast");
        if (!is_fast && strcmp(modes[m], "bicubic") && strcmp(modes[m], "srcnn")) {
            fprintf(stderr, "fastsr-bench: unknown mode '%s'\n", modes[m]);
            return -1;
        }
        for (int k = 0; k < (is_fast ? nk : 1) && nruns < MAX_RUNS; k++) {
            Run *r = &runs[nruns++];
            memset(r, 0, sizeof(*r));
            snprintf(r->mode, sizeof(r->mode), "%s", modes[m]);
            snprintf(r->keyframes, sizeof(r->keyframes), "%s", is_fast ? keys[k] : "all");
            snprintf(r->label, sizeof(r->label), "%s%s%s", modes[m], is_fast ? " " : "", is_fast ? keys[k] : "");
        }
    }
    return nruns;
}

/* Every run through the pipeline, each HR frame measured as it comes out;
 * stops at the first failure.  *srcnn: the SRCNN run, the speedup baseline. */
static int do_runs(Run *runs, int nruns, const Ref *ref, const VideoOptions *o, const Run **srcnn)
{
    *srcnn = NULL;
    for (int i = 0; i < nruns; i++) {
        Run *r = &runs[i];
        r->psnr = calloc(ref->n, sizeof(double));
        r->ssim = calloc(ref->n, sizeof(double));
        r->key = calloc(ref->n, sizeof(int));
        r->seconds = calloc(ref->n, sizeof(double));
        r->est = calloc(ref->n, sizeof(double));
        for (int k = 0; k < ref->n; k++)
            r->psnr[k] = r->ssim[k] = NAN;
        if (ref->lr && strcmp(r->mode, "bicubic")) {
            r->cell_mse = calloc((size_t)ref->n * ref->cw * ref->ch, sizeof(float));
            if (!strcmp(r->mode, "fast"))
                r->cell_lrc = calloc((size_t)ref->n * ref->cw * ref->ch, sizeof(float));
        }
        FsrSettings s;
        fsr_run_defaults(&s);
        s.input = o->lr_out;
        s.output = NULL;
        s.scale = o->scale;
        s.mode = !strcmp(r->mode, "fast") ? FSR_MODE_FAST : !strcmp(r->mode, "srcnn") ? FSR_MODE_SRCNN
                                                                                       : FSR_MODE_BICUBIC;
        s.sr.model = o->model;
        s.fast.keyframes = !strcmp(r->mode, "fast") ? r->keyframes : NULL;
        s.fast.hr_filter = o->hr_filter;
        s.fast.fallback = o->fallback;
        s.fast.deblock = o->deblock;
        s.fast.back_project = o->back_project;
        s.fast.refine = o->refine;
        s.fast.motion = o->motion;
        s.fast.motion_refs = o->motion_refs;
        s.threads = o->threads;
        s.accel.arch = o->accel;
        s.sr.backend = o->backend;
        Measure me = { ref, r, o->scale, o->ssim };
        s.frame_done = on_frame;
        s.opaque = &me;
        if (fsr_run(&s, &r->rep) < 0) {
            fprintf(stderr, "fastsr-bench: error: %s: %s\n", r->label, fsr_last_error());
            return 1;
        }
        r->psnr_mean = mean(r->psnr, ref->n);
        r->ssim_mean = mean(r->ssim, ref->n);
        if (!strcmp(r->mode, "srcnn"))
            *srcnn = r;
        fprintf(stderr, "fastsr-bench: %-18s %.3f dB\n", r->label, r->psnr_mean);
    }
    return 0;
}

/* The transfer's own cost against a bicubic upscale of the same frames:
 * each fast run's transferred frames, and the same frames in the bicubic
 * run of this bench (one per frame in each; the sums over many frames even
 * out the machine's noise). */
static void print_transfer_cost(const Run *runs, int nruns, int n)
{
    const Run *bicubic = NULL;
    for (int i = 0; i < nruns; i++)
        if (!strcmp(runs[i].mode, "bicubic"))
            bicubic = &runs[i];
    for (int i = 0; bicubic && i < nruns; i++) {
        double tr = 0, bic = 0;
        int count = 0;
        for (int k = 0; k < n; k++)
            if (!strcmp(runs[i].mode, "fast") && !runs[i].key[k] && isfinite(runs[i].psnr[k])) {
                tr += runs[i].seconds[k];
                bic += bicubic->seconds[k];
                count++;
            }
        if (count && bic > 0)
            printf("transfer %-13s %.2f ms per frame = %.2fx a bicubic upscale of the same frames (%.2f ms)\n",
                   runs[i].keyframes, tr / count * 1e3, tr / bic, bic / count * 1e3);
        /* the motion search runs on every frame (it makes the map a key
         * frame's successor needs), so its cost is per searched frame */
        if (count && runs[i].rep.fast.searched_frames > 0)
            printf("motion search %-8s %.2f ms per frame = %.2fx the transfer per frame (%lld frames searched)\n",
                   runs[i].keyframes, runs[i].rep.fast.motion_seconds / runs[i].rep.fast.searched_frames * 1e3,
                   runs[i].rep.fast.motion_seconds / runs[i].rep.fast.searched_frames / (tr / count),
                   (long long)runs[i].rep.fast.searched_frames);
        /* MPEG-2 / MPEG-4 maps from the stream's vectors: built for every frame */
        if (count && runs[i].rep.fast.stream_map_frames > 0)
            printf("stream maps %-10s %.3f ms per frame = %.2fx the transfer per frame (%lld maps; %lld fallback "
                   "macroblocks, %lld derived blocks, %lld all-intra pictures)\n",
                   runs[i].keyframes, runs[i].rep.fast.stream_map_seconds / runs[i].rep.fast.stream_map_frames * 1e3,
                   runs[i].rep.fast.stream_map_seconds / runs[i].rep.fast.stream_map_frames / (tr / count),
                   (long long)runs[i].rep.fast.stream_map_frames, (long long)runs[i].rep.fast.stream_fallback_mbs,
                   (long long)runs[i].rep.fast.stream_derived_blocks,
                   (long long)runs[i].rep.fast.stream_fallback_frames);
    }
}

static void print_table(const Run *runs, int nruns, const Ref *ref, const VideoOptions *o, const Run *srcnn)
{
    const int scale = o->scale;
    if (o->lr_in || o->lr_codec[0])
        printf("\n%s x%d, %d frames %dx%d -> %dx%d, LR: %s%s%s\n", o->ref_path, scale, ref->n, ref->w / scale,
               ref->h / scale, ref->w, ref->h, o->lr_in ? o->lr_in : o->lr_codec,
               !o->lr_in && o->lr_codec_options ? " " : "", !o->lr_in && o->lr_codec_options ? o->lr_codec_options : "");
    else
        printf("\n%s x%d, %d frames %dx%d -> %dx%d, LR: libx264 crf %d%s%s\n", o->ref_path, scale, ref->n,
               ref->w / scale, ref->h / scale, ref->w, ref->h, o->crf, o->x264 ? " " : "", o->x264 ? o->x264 : "");
    printf("%-20s %8s %8s %7s %5s %7s %9s %9s %7s %8s", "run", "PSNR-Y", "vs SRCNN", "SSIM-Y", "SR", "SR work",
           "SR+xfer s", "total s", "fps", "speedup");
    if (o->accel)
        printf(" %10s %10s %11s", "acc speed", "acc energy", "acc mJ/frame");
    printf("\n");
    for (int i = 0; i < nruns; i++) {
        const Run *r = &runs[i];
        const double sp = srcnn && r->rep.seconds.upscale > 0 ? srcnn->rep.seconds.upscale / r->rep.seconds.upscale : NAN;
        printf("%-20s %8.3f %+8.3f %7.4f %5lld %6.1f%% %9.2f %9.2f %7.1f %7.1fx", r->label, r->psnr_mean,
               srcnn ? r->psnr_mean - srcnn->psnr_mean : NAN, r->ssim_mean, (long long)r->rep.sr.frames,
               r->rep.fast.sr_work_share * 100,
               r->rep.seconds.upscale, r->rep.seconds.total, r->rep.seconds.total > 0 ? r->rep.frames / r->rep.seconds.total : 0, sp);
        if (o->accel && r->rep.accel.valid)
            printf(" %9.1fx %9.1fx %11.3f", r->rep.accel.srcnn_seconds_per_frame / r->rep.accel.seconds_per_frame,
                   r->rep.accel.srcnn_energy_per_frame / r->rep.accel.energy_per_frame,
                   r->rep.accel.joules_per_frame >= 0 ? r->rep.accel.joules_per_frame * 1e3 : NAN);
        printf("\n");
    }
    print_transfer_cost(runs, nruns, ref->n);
}

/* The metrics sheet (Sze et al., Proc. IEEE 2017) of an SR run on the
 * --accel architecture: the model's layers priced per frame as the run
 * priced them (its sampled zeros), the run's own per-frame averages, and
 * the PSNR measured here.  NULL after a message. */
static cJSON *run_sheet(const Run *r, const Ref *ref, const VideoOptions *o)
{
    char path[4096];
    FsrAccelArch arch;
    FsrAccelNet *net = NULL;
    FsrAccelReport *rep = NULL;
    FsrAccelOptions opt;
    fsr_accel_defaults(&opt);
    cJSON *sheet = NULL;
    int ret = 0;
    if (o->model)
        ret = fsr_model_path(o->model, path, sizeof(path));
    else
        ret = fsr_model_default_path(o->scale, path, sizeof(path));
    if (ret >= 0 && (ret = fsr_accel_arch_get(&arch, o->accel)) >= 0 &&
        (ret = fsr_accel_net_open(&net, path, r->rep.out_w, r->rep.out_h)) >= 0) {
        /* the zeros the pipeline sampled on this run's key frames */
        const int zf = r->rep.accel.zeros_frames;
        opt.shape_only = zf <= 0;
        for (int i = 0; zf > 0 && i < net->n_layers && i < r->rep.accel.n_layers; i++) {
            net->layers[i].ifmap_zeros = r->rep.accel.ifmap_zeros[i];
            if (i > 0)
                net->layers[i - 1].ofmap_zeros = r->rep.accel.ifmap_zeros[i];
        }
        ret = fsr_accel_eval_net(&rep, &arch, net, 1, &opt);
    }
    if (ret >= 0) {
        char what[128] = "SR on every frame", on[1200], how[256];
        if (r->rep.fast.transferred_frames)
            snprintf(what, sizeof(what), "FAST %s: SR on %lld of %lld frames, transfer on the rest", r->keyframes,
                     (long long)r->rep.sr.frames, (long long)r->rep.frames);
        snprintf(on, sizeof(on), "%s (%dx%d, x%d from libx264 crf %d)", o->ref_path, ref->w, ref->h, o->scale, o->crf);
        snprintf(how, sizeof(how), "fastsr-bench --hr: every HR frame of the run against REF, %d pixels shaved; SR in %s",
                 o->scale, o->backend == FSR_SR_FIXED ? "this architecture's fixed-point datapath (--backend accel)"
                                                      : "the float engine (--backend float), not this datapath");
        FsrAccelSheetRun run;
        fsr_accel_sheet_run_defaults(&run);
        run.w = r->rep.out_w;
        run.h = r->rep.out_h;
        run.what = what;
        run.seconds_per_frame = r->rep.accel.seconds_per_frame;
        run.energy_per_frame = r->rep.accel.energy_per_frame;
        run.dram_energy_per_frame = r->rep.accel.dram_energy_per_frame;
        run.dram_bytes_per_frame = r->rep.accel.dram_bytes_per_frame;
        run.psnr_db = r->psnr_mean;
        run.psnr_on = on;
        run.psnr_source = how;
        run.frames = ref->n;
        run.zeros_frames = r->rep.accel.zeros_frames;
        FsrAccelSheet s;
        if ((ret = fsr_accel_sheet_fill(&s, &arch, net, rep, &opt, &run)) >= 0) {
            char *text = fsr_accel_sheet_json(&s);
            sheet = text ? cJSON_Parse(text) : NULL;
            free(text);
            if (!sheet)
                fprintf(stderr, "fastsr-bench: error: %s: metrics sheet: out of memory\n", r->label);
        }
    }
    if (ret < 0)
        fprintf(stderr, "fastsr-bench: error: %s: metrics sheet: %s\n", r->label, fsr_last_error());
    fsr_accel_report_close(&rep);
    fsr_accel_net_close(&net);
    return sheet;
}

/* One run as JSON; sets *ret to 1 when its accel object or sheet is lost. */
static cJSON *run_json(const Run *r, const Ref *ref, const VideoOptions *o, const Run *srcnn, int *ret)
{
    const int n = ref->n, ssim = o->ssim;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "mode", r->mode);
    cJSON_AddStringToObject(j, "keyframes", r->keyframes);
    cJSON_AddNumberToObject(j, "psnr_y", r->psnr_mean);
    if (ssim)
        cJSON_AddNumberToObject(j, "ssim_y", r->ssim_mean);
    else
        cJSON_AddNullToObject(j, "ssim_y");
    cJSON_AddNumberToObject(j, "sr_frames", (double)r->rep.sr.frames);
    cJSON_AddNumberToObject(j, "sr_work_share", r->rep.fast.sr_work_share);
    cJSON_AddNumberToObject(j, "region_frames", (double)r->rep.fast.region_frames);
    cJSON_AddNumberToObject(j, "sr_seconds", r->rep.seconds.upscale);
    cJSON_AddStringToObject(j, "motion", r->rep.fast.motion ? r->rep.fast.motion : "none");
    cJSON_AddNumberToObject(j, "motion_search_seconds", r->rep.fast.motion_seconds);
    cJSON_AddNumberToObject(j, "stream_map_seconds", r->rep.fast.stream_map_seconds);
    cJSON_AddNumberToObject(j, "transfer_seconds", r->rep.seconds.transfer);
    cJSON_AddNumberToObject(j, "total_seconds", r->rep.seconds.total);
    cJSON_AddNumberToObject(j, "fps", r->rep.seconds.total > 0 ? r->rep.frames / r->rep.seconds.total : 0);
    if (srcnn && r->rep.seconds.upscale > 0)
        cJSON_AddNumberToObject(j, "speedup_vs_srcnn", srcnn->rep.seconds.upscale / r->rep.seconds.upscale);
    else
        cJSON_AddNullToObject(j, "speedup_vs_srcnn");
    cJSON_AddNumberToObject(j, "fallback_share", r->rep.fast.area_transferred
                                                      ? (double)r->rep.fast.area_fallback / r->rep.fast.area_transferred
                                                      : 0);
    cJSON *pf = cJSON_AddArrayToObject(j, "per_frame_psnr_y");
    cJSON *kf = cJSON_AddArrayToObject(j, "sr_frame_flags");
    for (int k = 0; k < n; k++) {
        cJSON_AddItemToArray(pf, isinf(r->psnr[k]) ? cJSON_CreateNumber(99) : cJSON_CreateNumber(r->psnr[k]));
        cJSON_AddItemToArray(kf, cJSON_CreateBool(r->key[k]));
    }
    if (r->rep.accel.valid) {
        char *accel = fsr_report_accel_json(&r->rep);
        cJSON *a = accel ? cJSON_Parse(accel) : NULL;
        free(accel);
        if (!a) {
            fprintf(stderr, "fastsr-bench: error: out of memory\n");
            *ret = 1;
        } else {
            cJSON_AddItemToObject(j, "accel", a);
        }
        cJSON *sheet = run_sheet(r, ref, o);
        if (sheet)
            cJSON_AddItemToObject(j, "sheet", sheet);
        else
            *ret = 1;
    }
    return j;
}

/* 0, or 1 after a message. */
static int write_json(const Run *runs, int nruns, const Ref *ref, const VideoOptions *o, const Run *srcnn)
{
    int ret = 0;
    cJSON *obj = cJSON_CreateObject();
    cJSON_AddStringToObject(obj, "input", o->ref_path);
    cJSON_AddNumberToObject(obj, "scale", o->scale);
    cJSON_AddNumberToObject(obj, "frames", ref->n);
    cJSON_AddStringToObject(obj, "x264", o->x264 ? o->x264 : "");
    cJSON_AddNumberToObject(obj, "crf", o->crf);
    if (o->lr_in)
        cJSON_AddStringToObject(obj, "lr_in", o->lr_in);
    else if (o->lr_codec[0])
        cJSON_AddStringToObject(obj, "lr_codec", o->lr_codec);
    cJSON *arr = cJSON_AddArrayToObject(obj, "runs");
    for (int i = 0; i < nruns; i++)
        cJSON_AddItemToArray(arr, run_json(&runs[i], ref, o, srcnn, &ret));
    char *text = cJSON_Print(obj);
    FILE *f = fopen(o->json, "w");
    if (!f || fputs(text, f) < 0 || fclose(f)) {
        fprintf(stderr, "fastsr-bench: error: cannot write %s\n", o->json);
        ret = 1;
    }
    cJSON_free(text);
    cJSON_Delete(obj);
    return ret;
}

/* Per-frame rows of every run; 0, or 1 after a message. */
static int write_csv(const char *path, const Run *runs, int nruns, int n)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "fastsr-bench: error: cannot write %s\n", path);
        return 1;
    }
    fprintf(f, "mode,keyframes,frame,psnr_y,ssim_y,sr_frame,estimated_loss_db\n");
    for (int i = 0; i < nruns; i++)
        for (int k = 0; k < n; k++)
            fprintf(f, "%s,%s,%d,%.4f,%.5f,%d,%.4f\n", runs[i].mode, runs[i].keyframes, k, runs[i].psnr[k],
                    runs[i].ssim[k], runs[i].key[k], runs[i].est[k]);
    if (fclose(f)) {
        fprintf(stderr, "fastsr-bench: error: cannot write %s\n", path);
        return 1;
    }
    return 0;
}

int bench_video(int argc, char **argv)
{
    VideoOptions o;
    const int bad = parse_video_options(&o, argc, argv);
    if (bad)
        return bad;
    fsr_set_log_level(FSR_LOG_ERROR);
    /* MP4 for x264 as always; Matroska holds what any other encoder makes */
    char tmp_lr[] = "/tmp/fastsr-bench-XXXXXX.mp4";
    if (o.lr_codec[0])
        memcpy(tmp_lr + strlen(tmp_lr) - 4, ".mkv", 4);
    if (o.lr_in && (o.lr_out || o.lr_codec[0])) {
        fprintf(stderr, "fastsr-bench: --lr-in excludes --lr-out and --lr-codec\n");
        return 2;
    }
    if (!o.lr_out && !o.lr_in) {
        int fd = mkstemps(tmp_lr, 4);
        if (fd < 0) {
            fprintf(stderr, "fastsr-bench: error: cannot create a temporary file\n");
            return 1;
        }
        close(fd);
        o.lr_out = tmp_lr;
    }
    Ref ref = { 0 };
    const double t_lr = tool_wall_seconds();
    if (make_lr(o.ref_path, o.scale, o.frames, o.crf, o.preset, o.x264, o.lr_codec[0] ? o.lr_codec : NULL,
                o.lr_codec_options, o.lr_in ? NULL : o.lr_out, &ref) < 0) {
        if (o.lr_out == tmp_lr)
            unlink(tmp_lr);
        return 1;
    }
    if (o.lr_in) {
        /* the given LR video must be REF / scale, or no frame compares */
        FsrReader *rd = NULL;
        const FsrReaderSettings rs = { .block_maps = 0 };
        int lw = 0, lh = 0;
        if (fsr_reader_open(&rd, o.lr_in, &rs) == 0) {
            lw = fsr_reader_info(rd)->width;
            lh = fsr_reader_info(rd)->height;
            fsr_reader_close(&rd);
        } else {
            fprintf(stderr, "fastsr-bench: error: %s\n", fsr_last_error());
        }
        if (lw != ref.w / o.scale || lh != ref.h / o.scale) {
            if (lw)
                fprintf(stderr, "fastsr-bench: error: %s is %dx%d; --hr %s at x%d wants %dx%d\n", o.lr_in, lw, lh,
                        o.ref_path, o.scale, ref.w / o.scale, ref.h / o.scale);
            for (int i = 0; i < ref.n; i++)
                free(ref.y[i]);
            free(ref.y);
            return 1;
        }
        o.lr_out = o.lr_in;
        fprintf(stderr, "fastsr-bench: %s: %d frames %dx%d read in %.1f s; LR %dx%d given (%s)\n", o.ref_path,
                ref.n, ref.w, ref.h, tool_wall_seconds() - t_lr, lw, lh, o.lr_out);
    } else {
        fprintf(stderr, "fastsr-bench: %s: %d frames %dx%d, LR %dx%d made in %.1f s (%s)\n", o.ref_path, ref.n,
                ref.w, ref.h, ref.w / o.scale, ref.h / o.scale, tool_wall_seconds() - t_lr, o.lr_out);
    }

    if (o.cells && read_lr(o.lr_out, &ref, o.scale) < 0)
        return 1;
    Run runs[MAX_RUNS];
    const int nruns = plan_runs(runs, &o);
    if (nruns < 0)
        return 2;
    const Run *srcnn;
    int ret = do_runs(runs, nruns, &ref, &o, &srcnn);
    if (!ret) {
        print_table(runs, nruns, &ref, &o, srcnn);
        if (o.cells)
            print_cells(runs, nruns, &ref, srcnn);
        if (o.json && write_json(runs, nruns, &ref, &o, srcnn))
            ret = 1;
        if (o.csv && write_csv(o.csv, runs, nruns, ref.n))
            ret = 1;
        if (o.plot && write_svg(o.plot, runs, nruns, ref.n, srcnn) < 0) {
            fprintf(stderr, "fastsr-bench: error: cannot write %s\n", o.plot);
            ret = 1;
        }
    }
    for (int i = 0; i < nruns; i++) {
        free(runs[i].psnr);
        free(runs[i].ssim);
        free(runs[i].key);
        free(runs[i].est);
        free(runs[i].seconds);
        free(runs[i].cell_mse);
        free(runs[i].cell_lrc);
    }
    for (int i = 0; i < ref.n; i++) {
        free(ref.y[i]);
        if (ref.lr)
            free(ref.lr[i]);
    }
    free(ref.y);
    free(ref.lr);
    if (o.lr_out == tmp_lr)
        unlink(tmp_lr);
    return ret;
}
