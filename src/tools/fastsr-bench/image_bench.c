/* fastsr-bench --images DIR: PSNR-Y / SSIM-Y of bicubic or a model on an
 * image set with the published-table protocol (fastsr/eval.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "bench.h"
#include "fastsr/accel.h"
#include "fastsr/bicubic.h"
#include "fastsr/eval.h"
#include "fastsr/model.h"
#include "fastsr/sr.h"

void bench_images_usage(void)
{
    printf("  --images DIR|FILE --scale S [--model FILE | --mode bicubic] [--json OUT]\n"
           "        [--backends float,fp32,accel16,accel8,int16,int8] [--accel ARCH]\n"
           "        [--protocol y|rgb] [--upscaler imresize|kernel] [--threads N]\n"
           "        PSNR-Y and SSIM-Y per image and mean, protocol of the SRCNN tables\n"
           "        (y: Y first, resize in double; rgb: resize RGB with 8-bit rounding)\n");
}

static int has_image_ext(const char *name)
{
    static const char *const exts[] = { ".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff", ".ppm", ".pgm", ".webp" };
    const char *dot = strrchr(name, '.');
    if (!dot)
        return 0;
    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
        if (!strcasecmp(dot, exts[i]))
            return 1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Image files of dir, sorted by name (or the path itself if it is a file). */
static int list_images(const char *path, char ***names, int *n)
{
    struct stat st;
    *names = NULL;
    *n = 0;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "fastsr-bench: %s: no such file or directory\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        *names = malloc(sizeof(char *));
        if (!*names || !((*names)[0] = strdup(path)))
            return -1;
        *n = 1;
        return 0;
    }
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "fastsr-bench: %s: cannot read directory\n", path);
        return -1;
    }
    int cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !has_image_ext(e->d_name))
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            char **p = realloc(*names, sizeof(char *) * cap);
            if (!p)
                break;
            *names = p;
        }
        const size_t len = strlen(path) + strlen(e->d_name) + 2;
        char *full = malloc(len);
        if (!full)
            break;
        snprintf(full, len, "%s/%s", path, e->d_name);
        (*names)[(*n)++] = full;
    }
    closedir(d);
    if (*n)
        qsort(*names, (size_t)*n, sizeof(char *), cmp_str);
    return 0;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

typedef struct ImageOptions {
    const char *dir, *model_path, *json_path, *accel_arch;
    FsrEvalOptions eval;
    int threads;
    char backends_buf[128];
} ImageOptions;

/* 0, or the exit status 2 after a message. */
static int parse_image_options(ImageOptions *o, int argc, char **argv)
{
    *o = (ImageOptions) {
        .dir = argc > 1 ? argv[1] : NULL, .accel_arch = "eyeriss-v1-tiled", .backends_buf = "float",
        .eval = { .scale = 0, .protocol = FSR_EVAL_Y_FIRST, .upscaler = FSR_EVAL_UP_IMRESIZE },
    };
    if (!o->dir || o->dir[0] == '-') {
        fprintf(stderr, "fastsr-bench --images: needs a directory or image file\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "fastsr-bench --images: %s needs a value\n", a);
            return 2;
        }
        i++;
        if (!strcmp(a, "--scale"))
            o->eval.scale = atoi(v);
        else if (!strcmp(a, "--model"))
            o->model_path = v;
        else if (!strcmp(a, "--json"))
            o->json_path = v;
        else if (!strcmp(a, "--threads"))
            o->threads = atoi(v);
        else if (!strcmp(a, "--backends"))
            snprintf(o->backends_buf, sizeof(o->backends_buf), "%s", v);
        else if (!strcmp(a, "--accel"))
            o->accel_arch = v;
        else if (!strcmp(a, "--mode") && !strcmp(v, "bicubic"))
            o->model_path = NULL;
        else if (!strcmp(a, "--protocol") && (!strcmp(v, "y") || !strcmp(v, "rgb")))
            o->eval.protocol = !strcmp(v, "y") ? FSR_EVAL_Y_FIRST : FSR_EVAL_RGB;
        else if (!strcmp(a, "--upscaler") && (!strcmp(v, "imresize") || !strcmp(v, "kernel")))
            o->eval.upscaler = !strcmp(v, "imresize") ? FSR_EVAL_UP_IMRESIZE : FSR_EVAL_UP_KERNEL;
        else {
            fprintf(stderr, "fastsr-bench --images: bad option %s %s\n", a, v);
            return 2;
        }
    }
    if (!fsr_scale_supported(o->eval.scale)) {
        fprintf(stderr, "fastsr-bench --images: --scale 2, 3 or 4 is required\n");
        return 2;
    }
    return 0;
}

/* The model and its float engine in o->eval.sr when --model is given;
 * 0, or 1 after a message with nothing left open. */
static int open_model(FsrModel **model, ImageOptions *o)
{
    *model = NULL;
    if (!o->model_path)
        return 0;
    if (fsr_model_open(model, o->model_path) < 0 || fsr_sr_open(&o->eval.sr, *model, &(FsrSRSettings){ .threads = o->threads }) < 0) {
        fprintf(stderr, "fastsr-bench: %s\n", fsr_last_error());
        fsr_model_close(model);
        return 1;
    }
    if ((*model)->scale != o->eval.scale) {
        fprintf(stderr, "fastsr-bench: %s is a x%d model, --scale is %d\n", o->model_path, (*model)->scale,
                o->eval.scale);
        fsr_sr_close(&o->eval.sr);
        fsr_model_close(model);
        return 1;
    }
    return 0;
}

enum { MAX_B = 6 };

typedef struct Backends {
    const char *name[MAX_B];
    FsrSR *sr[MAX_B]; /* NULL: the float engine of --model */
    int n;
} Backends;

/* Backends side by side: the float engine, the accelerator model's
 * fixed-point datapath at 16 and 8 bits (one weight scale per layer), and
 * the --precision paths int16 and int8 (one per output channel), and fp32,
 * the float engine on the bicubic rounded to 8 bits as they read it: what
 * the number format costs.
 * 0, or the exit status (2: bad list, 1: accelerator error) after a message. */
static int open_backends(Backends *b, char *list, const FsrModel *model, const char *accel_arch)
{
    *b = (Backends) { 0 };
    for (char *t = strtok(list, ","); t && b->n < MAX_B; t = strtok(NULL, ",")) {
        const int bits = !strcmp(t, "accel16") ? 16 : !strcmp(t, "accel8") ? 8 : 0;
        const int precision = fsr_sr_precision_parse(t);
        if (strcmp(t, "float") && !bits && precision < 0) {
            fprintf(stderr, "fastsr-bench --images: --backends takes float, fp32, accel16, accel8, int16, int8\n");
            return 2;
        }
        if (precision == FSR_PRECISION_FP32) { /* --model's float engine on 8-bit input */
            b->name[b->n++] = t;
            continue;
        }
        const int fixed = bits || precision > FSR_PRECISION_FP32;
        if (fixed && !model) {
            fprintf(stderr, "fastsr-bench --images: --backends %s needs --model\n", t);
            return 2;
        }
        if (fixed) {
            FsrSRSettings ss;
            fsr_sr_defaults(&ss);
            if (bits) {
                FsrAccelArch arch;
                if (fsr_accel_arch_get(&arch, accel_arch) < 0) {
                    fprintf(stderr, "fastsr-bench: %s\n", fsr_last_error());
                    return 1;
                }
                /* the accumulator stays the architecture's (32 bits on eyeriss-v1): 8-bit
                 * datapaths accumulate in 32 bits as well */
                ss.backend = FSR_SR_FIXED;
                ss.word_bits = bits;
                ss.acc_bits = arch.acc_bits;
                ss.rounding = arch.rounding;
            } else {
                fsr_sr_set_precision(&ss, precision);
            }
            if (fsr_sr_open(&b->sr[b->n], model, &ss) < 0) {
                fprintf(stderr, "fastsr-bench: %s\n", fsr_last_error());
                return 1;
            }
        }
        b->name[b->n++] = t;
    }
    return 0;
}

/* Prints a row per image and the mean, and adds them to root; the number of
 * images measured, *ret set to 1 when one fails. */
static int eval_images(cJSON *root, char **names, int n, const FsrEvalOptions *opt, const Backends *b, int *ret)
{
    cJSON *arr = cJSON_CreateArray();
    cJSON_AddItemToObject(root, "images", arr);
    double sp = 0, ss = 0, bp[MAX_B] = { 0 }, bs[MAX_B] = { 0 };
    int count = 0;
    for (int i = 0; i < n; i++) {
        uint8_t *rgb = NULL;
        int w, h;
        FsrEvalResult r, rb[MAX_B];
        int bad = fsr_image_load_rgb(names[i], &rgb, &w, &h) < 0;
        for (int k = 0; k < b->n && !bad; k++) {
            FsrEvalOptions ob = *opt;
            ob.sr = b->sr[k] ? b->sr[k] : opt->sr;
            ob.round_input = !strcmp(b->name[k], "fp32");
            bad = fsr_eval_rgb(&rb[k], rgb, 3 * (ptrdiff_t)w, w, h, &ob) < 0;
        }
        if (bad) {
            fprintf(stderr, "fastsr-bench: %s\n", fsr_last_error());
            free(rgb);
            *ret = 1;
            continue;
        }
        free(rgb);
        r = rb[0];
        printf("%-24s %10.4f %8.4f", base_name(names[i]), r.psnr_y, r.ssim_y);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", base_name(names[i]));
        cJSON_AddNumberToObject(e, "psnr_y", r.psnr_y);
        cJSON_AddNumberToObject(e, "ssim_y", r.ssim_y);
        for (int k = 1; k < b->n; k++) {
            char key[64];
            printf(" %9.4f %8.4f", rb[k].psnr_y, rb[k].ssim_y);
            snprintf(key, sizeof(key), "psnr_y_%s", b->name[k]);
            cJSON_AddNumberToObject(e, key, rb[k].psnr_y);
            snprintf(key, sizeof(key), "ssim_y_%s", b->name[k]);
            cJSON_AddNumberToObject(e, key, rb[k].ssim_y);
            bp[k] += rb[k].psnr_y;
            bs[k] += rb[k].ssim_y;
        }
        printf("\n");
        cJSON_AddItemToArray(arr, e);
        sp += r.psnr_y;
        ss += r.ssim_y;
        count++;
    }
    if (count) {
        printf("%-24s %10.4f %8.4f", "mean", sp / count, ss / count);
        cJSON_AddNumberToObject(root, "mean_psnr_y", sp / count);
        cJSON_AddNumberToObject(root, "mean_ssim_y", ss / count);
        for (int k = 1; k < b->n; k++) {
            char key[64];
            printf(" %9.4f %8.4f", bp[k] / count, bs[k] / count);
            snprintf(key, sizeof(key), "mean_psnr_y_%s", b->name[k]);
            cJSON_AddNumberToObject(root, key, bp[k] / count);
            snprintf(key, sizeof(key), "mean_ssim_y_%s", b->name[k]);
            cJSON_AddNumberToObject(root, key, bs[k] / count);
        }
        printf("   (%d images)\n", count);
    }
    return count;
}

/* 0, or 1 after a message. */
static int write_json(const cJSON *root, const char *path)
{
    int ret = 0;
    char *text = cJSON_Print(root);
    FILE *f = fopen(path, "w");
    if (!text || !f || fputs(text, f) < 0 || fputc('\n', f) == EOF) {
        fprintf(stderr, "fastsr-bench: cannot write %s\n", path);
        ret = 1;
    }
    if (f && fclose(f) != 0)
        ret = 1;
    free(text);
    return ret;
}

int bench_images(int argc, char **argv)
{
    ImageOptions o;
    int ret = parse_image_options(&o, argc, argv);
    if (ret)
        return ret;
    FsrEvalOptions *const opt = &o.eval;
    FsrModel *model;
    if (open_model(&model, &o))
        return 1;
    Backends b;
    ret = open_backends(&b, o.backends_buf, model, o.accel_arch);
    if (ret)
        return ret;
    char **names;
    int n;
    const int listed = list_images(o.dir, &names, &n);
    if (listed < 0 || n == 0) {
        if (listed == 0)
            fprintf(stderr, "fastsr-bench: no images in %s\n", o.dir);
        fsr_sr_close(&opt->sr);
        fsr_model_close(&model);
        return 1;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "scale", opt->scale);
    cJSON_AddStringToObject(root, "method", model ? model->name : "bicubic");
    cJSON_AddStringToObject(root, "protocol", opt->protocol == FSR_EVAL_Y_FIRST ? "y" : "rgb");
    printf("%-24s %10s %8s", "image", "PSNR-Y", "SSIM-Y");
    for (int k = 1; k < b.n; k++)
        printf(" %9s %8s", b.name[k], "SSIM");
    printf("   (x%d, %s%s%s, protocol %s, upscaler %s)\n", opt->scale, model ? o.model_path : "bicubic",
           model ? ", " : "", model ? b.name[0] : "", opt->protocol == FSR_EVAL_Y_FIRST ? "y" : "rgb",
           opt->upscaler == FSR_EVAL_UP_IMRESIZE ? "imresize" : "kernel");
    const int count = eval_images(root, names, n, opt, &b, &ret);
    if (o.json_path && write_json(root, o.json_path))
        ret = 1;
    cJSON_Delete(root);
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    fsr_sr_close(&opt->sr);
    for (int k = 0; k < b.n; k++)
        fsr_sr_close(&b.sr[k]);
    fsr_model_close(&model);
    return count ? ret : 1;
}
