/* Training data for fastsr-train: see fsr_patches_* in fastsr/train.h. */
#include "fastsr/train.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fastsr/bicubic.h"
#include "fastsr/eval.h"
#include "eval_internal.h"
#include "log.h"

typedef struct Image {
    int w, h;
    float *hr;    /* HR luma / 255 */
    float *up;    /* imresize(imresize(hr, 1/s), s) */
    float *lr;    /* imresize(hr, 1/s): w/s x h/s */
} Image;

struct FsrPatchSource {
    FsrPatchSourceSettings s;
    Image *img;
    int n, cap;
    int64_t total_area;
};

int fsr_patches_open(FsrPatchSource **pps, const FsrPatchSourceSettings *s)
{
    *pps = NULL;
    if (!s || !fsr_scale_supported(s->scale))
        return fsr_error(FSR_ERR(EINVAL), "training data: scale must be 2, 3 or 4");
    FsrPatchSource *ps = calloc(1, sizeof(*ps));
    if (!ps)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    ps->s = *s;
    *pps = ps;
    return 0;
}

void fsr_patches_close(FsrPatchSource **pps)
{
    FsrPatchSource *ps = *pps;
    if (!ps)
        return;
    for (int i = 0; i < ps->n; i++) {
        free(ps->img[i].hr);
        free(ps->img[i].up);
        free(ps->img[i].lr);
    }
    free(ps->img);
    free(ps);
    *pps = NULL;
}

int fsr_patches_count(const FsrPatchSource *ps) { return ps->n; }

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prepares one image; 1 when it is skipped (too small), <0 on error. */
static int prepare(FsrPatchSource *ps, const char *path, const uint8_t *rgb, int w, int h)
{
    const int s = ps->s.scale;
    double *y = malloc(sizeof(double) * (size_t)w * h);
    if (!y)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    for (int i = 0; i < w * h; i++)
        y[i] = fsr_matlab_u8(fsr_rgb_to_y(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2])) / 255.0;
    /* large photographs are shrunk first: full-size JPEG detail is mostly
     * compression noise, and small patches would see no structure */
    if (ps->s.max_size > 0 && (w > ps->s.max_size || h > ps->s.max_size)) {
        const double f = (double)ps->s.max_size / (w > h ? w : h);
        const int nw = (int)(w * f + 0.5), nh = (int)(h * f + 0.5);
        double *small = malloc(sizeof(double) * (size_t)nw * nh);
        if (!small || fsr_imresize(small, nw, nh, y, w, h) < 0) {
            free(small);
            free(y);
            return fsr_error(FSR_ERR(ENOMEM), "%s: cannot shrink", path);
        }
        /* the shrunk image is what an 8-bit photo of that size would hold */
        for (int i = 0; i < nw * nh; i++)
            small[i] = fsr_matlab_u8(small[i] * 255.0) / 255.0;
        free(y);
        y = small;
        w = nw;
        h = nh;
    }
    const int cw = w - w % s, ch = h - h % s;
    if (cw < ps->s.min_size || ch < ps->s.min_size) {
        free(y);
        return 1;
    }
    Image im = { cw, ch, malloc(sizeof(float) * (size_t)cw * ch), malloc(sizeof(float) * (size_t)cw * ch),
                 malloc(sizeof(float) * (size_t)(cw / s) * (ch / s)) };
    double *crop = malloc(sizeof(double) * (size_t)cw * ch);
    double *lr = malloc(sizeof(double) * (size_t)(cw / s) * (ch / s));
    double *up = malloc(sizeof(double) * (size_t)cw * ch);
    int ret = 0;
    if (!im.hr || !im.up || !im.lr || !crop || !lr || !up) {
        ret = fsr_error(FSR_ERR(ENOMEM), "out of memory");
        goto end;
    }
    for (int j = 0; j < ch; j++)
        memcpy(crop + (size_t)j * cw, y + (size_t)j * w, sizeof(double) * cw);
    if ((ret = fsr_imresize(lr, cw / s, ch / s, crop, cw, ch)) < 0 ||
        (ret = fsr_imresize(up, cw, ch, lr, cw / s, ch / s)) < 0)
        goto end;
    for (int i = 0; i < cw * ch; i++) {
        im.hr[i] = (float)crop[i];
        im.up[i] = (float)up[i];
    }
    for (int i = 0; i < (cw / s) * (ch / s); i++)
        im.lr[i] = (float)lr[i];
    if (ps->n == ps->cap) {
        const int cap = ps->cap ? ps->cap * 2 : 64;
        Image *n = realloc(ps->img, sizeof(Image) * cap);
        if (!n) {
            ret = fsr_error(FSR_ERR(ENOMEM), "out of memory");
            goto end;
        }
        ps->img = n;
        ps->cap = cap;
    }
    ps->img[ps->n++] = im;
    ps->total_area += (int64_t)cw * ch;
    im.hr = im.up = im.lr = NULL;
end:
    free(im.hr);
    free(im.up);
    free(im.lr);
    free(crop);
    free(lr);
    free(up);
    free(y);
    return ret;
}

int fsr_patches_add_dir(FsrPatchSource *ps, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return fsr_error(FSR_ERR(errno), "%s: cannot open data folder: %s", dir, strerror(errno));
    char **names = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, sizeof(char *) * cap);
            if (!nn)
                break;
            names = nn;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    /* sorted: the data set, hence a seeded run, does not depend on the
     * order the file system lists files in */
    qsort(names, n, sizeof(char *), cmp_names);
    int added = 0, ret = 0;
    for (int i = 0; i < n && ret >= 0; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        uint8_t *rgb = NULL;
        int w, h;
        if (fsr_image_load_rgb(path, &rgb, &w, &h) < 0) {
            fsr_log(FSR_LOG_WARNING, "%s: skipped: %s", path, fsr_last_error());
            continue;
        }
        ret = prepare(ps, path, rgb, w, h);
        free(rgb);
        if (ret == 1) {
            fsr_log(FSR_LOG_WARNING, "%s: skipped: %dx%d is smaller than a training patch", path, w, h);
            ret = 0;
        } else if (ret == 0) {
            added++;
        }
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (ret < 0)
        return ret;
    if (!added)
        return fsr_error(FSR_ERR(ENOENT), "%s: no usable training image in this folder", dir);
    return added;
}

int64_t fsr_patches_per_epoch(const FsrPatchSource *ps, int in_size, int stride)
{
    int64_t n = 0;
    for (int i = 0; i < ps->n; i++)
        n += (int64_t)((ps->img[i].w - in_size) / stride + 1) * ((ps->img[i].h - in_size) / stride + 1);
    return n;
}

static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* (x, y) of a size x size patch seen through one of the 8 symmetries. */
static inline void transform(int t, int size, int x, int y, int *sx, int *sy)
{
    if (t & 4) {
        const int k = x;
        x = y;
        y = k;
    }
    *sx = (t & 1) ? size - 1 - x : x;
    *sy = (t & 2) ? size - 1 - y : y;
}

/* An image drawn in proportion to its area, so that every pixel of the
 * data is equally likely to be in a patch. */
static const Image *pick_image(const FsrPatchSource *ps, uint64_t *rng)
{
    int64_t pick = (int64_t)(next_u64(rng) % (uint64_t)ps->total_area);
    int i = 0;
    while (pick >= (int64_t)ps->img[i].w * ps->img[i].h) {
        pick -= (int64_t)ps->img[i].w * ps->img[i].h;
        i++;
    }
    return &ps->img[i];
}

int fsr_patches_sample(FsrPatchSource *ps, uint64_t *rng, int n, int in_size, int out_size, float *inputs,
                       float *targets)
{
    if (!ps->n)
        return fsr_error(FSR_ERR(ENOENT), "training data: no images");
    const int border = (in_size - out_size) / 2;
    if (out_size < 1 || border < 0)
        return fsr_error(FSR_ERR(EINVAL), "training data: target %d does not fit a %d patch", out_size, in_size);
    for (int p = 0; p < n; p++) {
        const Image *im = pick_image(ps, rng);
        /* min_size keeps small images out, but a caller may ask for more */
        if (im->w < in_size || im->h < in_size)
            return fsr_error(FSR_ERR(EINVAL), "training data: image of %dx%d pixels is smaller than a %d patch",
                             im->w, im->h, in_size);
        const int x0 = (int)(next_u64(rng) % (uint64_t)(im->w - in_size + 1));
        const int y0 = (int)(next_u64(rng) % (uint64_t)(im->h - in_size + 1));
        const int t = (int)(next_u64(rng) & 7);
        float *in = inputs + (size_t)p * in_size * in_size;
        for (int y = 0; y < in_size; y++)
            for (int x = 0; x < in_size; x++) {
                int sx, sy;
                transform(t, in_size, x, y, &sx, &sy);
                in[y * in_size + x] = im->up[(size_t)(y0 + sy) * im->w + x0 + sx];
            }
        float *tg = targets + (size_t)p * out_size * out_size;
        for (int y = 0; y < out_size; y++)
            for (int x = 0; x < out_size; x++) {
                int sx, sy;
                transform(t, in_size, x + border, y + border, &sx, &sy);
                tg[y * out_size + x] = im->hr[(size_t)(y0 + sy) * im->w + x0 + sx];
            }
    }
    return 0;
}

int fsr_patches_sample_lr(FsrPatchSource *ps, uint64_t *rng, int n, int lr_size, int out_size, int out_offset,
                          float *inputs, float *targets)
{
    if (!ps->n)
        return fsr_error(FSR_ERR(ENOENT), "training data: no images");
    const int s = ps->s.scale, hr_size = s * lr_size;
    if (out_offset < 0 || out_offset + out_size > hr_size)
        return fsr_error(FSR_ERR(EINVAL), "training data: target %d at %d outside the %d HR pixels of a patch",
                         out_size, out_offset, hr_size);
    for (int p = 0; p < n; p++) {
        const Image *im = pick_image(ps, rng);
        const int lw = im->w / s, lh = im->h / s;
        if (lw < lr_size || lh < lr_size)
            return fsr_error(FSR_ERR(EINVAL), "training data: image of %dx%d LR pixels is smaller than a %d patch",
                             lw, lh, lr_size);
        const int x0 = (int)(next_u64(rng) % (uint64_t)(lw - lr_size + 1));
        const int y0 = (int)(next_u64(rng) % (uint64_t)(lh - lr_size + 1));
        const int t = (int)(next_u64(rng) & 7);
        float *in = inputs + (size_t)p * lr_size * lr_size;
        for (int y = 0; y < lr_size; y++)
            for (int x = 0; x < lr_size; x++) {
                int sx, sy;
                transform(t, lr_size, x, y, &sx, &sy);
                in[y * lr_size + x] = im->lr[(size_t)(y0 + sy) * lw + x0 + sx];
            }
        /* the transform of the whole HR patch, so LR pixel x still sits
         * over HR pixels s*x .. s*x+s-1 */
        float *tg = targets + (size_t)p * out_size * out_size;
        for (int y = 0; y < out_size; y++)
            for (int x = 0; x < out_size; x++) {
                int sx, sy;
                transform(t, hr_size, x + out_offset, y + out_offset, &sx, &sy);
                tg[y * out_size + x] = im->hr[(size_t)(s * y0 + sy) * im->w + s * x0 + sx];
            }
    }
    return 0;
}
