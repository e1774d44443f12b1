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
#include "fastsr/eval.h"
#include "fastsr/model.h"
#include "fastsr/sr.h"

void bench_images_usage(void)
{
    printf("  --images DIR|FILE --scale S [--model FILE | --mode bicubic] [--json OUT]\n"
           "        [--backends float,accel16,accel8] [--accel ARCH]\n"
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

int bench_images(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : NULL, *model_path = NULL, *json_path = NULL;
    FsrEvalOptions opt = { .scale = 0, .protocol = FSR_EVAL_Y_FIRST, .upscaler = FSR_EVAL_UP_IMRESIZE };
    int threads = 0;
    char backends_buf[128] = "float";
    const char *accel_arch = "eyeriss-v1-tiled";
    if (!dir || dir[0] == '-') {
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
            opt.scale = atoi(v);
        else if (!strcmp(a, "--model"))
            model_path = v;
        else if (!strcmp(a, "--json"))
            json_path = v;
        else if (!strcmp(a, "--threads"))
            threads = atoi(v);
        else if (!strcmp(a, "--backends"))
            snprintf(backends_buf, sizeof(backends_buf), "%s", v);
        else if (!strcmp(a, "--accel"))
            accel_arch = v;
        else if (!strcmp(a, "--mode") && !strcmp(v, "bicubic"))
            model_path = NULL;
        else if (!strcmp(a, "--protocol") && (!strcmp(v, "y") || !strcmp(v, "rgb")))
            opt.protocol = !strcmp(v, "y") ? FSR_EVAL_Y_FIRST : FSR_EVAL_RGB;
        else if (!strcmp(a, "--upscaler") && (!strcmp(v, "imresize") || !strcmp(v, "kernel")))
            opt.upscaler = !strcmp(v, "imresize") ? FSR_EVAL_UP_IMRESIZE : FSR_EVAL_UP_KERNEL;
        else {
            fprintf(stderr, "fastsr-bench --images: bad option %s %s\n", a, v);
            return 2;
        }
    }
    if (opt.scale < 2 || opt.scale > 4) {
        fprintf(stderr, "fastsr-bench --images: --scale 2, 3 or 4 is required\n");
        return 2;
    }
    FsrModel *model = NULL;
    if (model_path) {
        if (fsr_model_load(&model, model_path) < 0 || fsr_sr_open(&opt.sr, model, threads) < 0) {
            fprintf(stderr, "fastsr-bench: %s\n", fsr_last_error());
            fsr_model_free(&model);
            return 1;
        }
        if (model->scale != opt.scale) {
            fprintf(stderr, "fastsr-bench: %s is a x%d model, --scale is %d\n", model_path, model->scale, opt.scale);
            fsr_sr_close(&opt.sr);
            fsr_model_free(&model);
            return 1;
        }
    }
    /* Backends side by side: the float engine and the accelerator model's
     * fixed-point datapath at 16 and 8 bits (what the number format costs). */
    enum { MAX_B = 4 };
    const char *bname[MAX_B];
    FsrAccelSr *bacc[MAX_B] = { 0 };
    int nb = 0;
    for (char *t = strtok(backends_buf, ","); t && nb < MAX_B; t = strtok(NULL, ",")) {
        const int bits = !strcmp(t, "accel16") ? 16 : !strcmp(t, "accel8") ? 8 : 0;
        if (strcmp(t, "float") && !bits) {
            fprintf(stderr, "fastsr-bench --images: --backends takes float, accel16, accel8\n");
            return 2;
        }
        if (bits && !model) {
            fprintf(stderr, "fastsr-bench --images: --backends %s needs --model\n", t);
            return 2;
        }
        if (bits) {
            FsrAccelArch arch;
            if (fsr_accel_arch_get(&arch, accel_arch) < 0) {
                fprintf(stderr, "fastsr-bench: %s\n", fsr_last_error());
                return 1;
            }
            arch.word_bits = bits;
            /* the accumulator stays the architecture's (32 bits on eyeriss-v1): 8-bit
             * datapaths accumulate in 32 bits as well */
            if (fsr_accel_sr_open(&bacc[nb], model, &arch) < 0) {
                fprintf(stderr, "fastsr-bench: %s\n", fsr_last_error());
                return 1;
            }
        }
        bname[nb++] = t;
    }
    char **names;
    int n, ret = 0;
    const int listed = list_images(dir, &names, &n);
    if (listed < 0 || n == 0) {
        if (listed == 0)
            fprintf(stderr, "fastsr-bench: no images in %s\n", dir);
        fsr_sr_close(&opt.sr);
        fsr_model_free(&model);
        return 1;
    }
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    cJSON_AddNumberToObject(root, "scale", opt.scale);
    cJSON_AddStringToObject(root, "method", model ? model->name : "bicubic");
    cJSON_AddStringToObject(root, "protocol", opt.protocol == FSR_EVAL_Y_FIRST ? "y" : "rgb");
    cJSON_AddItemToObject(root, "images", arr);
    printf("%-24s %10s %8s", "image", "PSNR-Y", "SSIM-Y");
    for (int b = 1; b < nb; b++)
        printf(" %9s %8s", bname[b], "SSIM");
    printf("   (x%d, %s%s%s, protocol %s, upscaler %s)\n", opt.scale, model ? model_path : "bicubic",
           model ? ", " : "", model ? bname[0] : "", opt.protocol == FSR_EVAL_Y_FIRST ? "y" : "rgb",
           opt.upscaler == FSR_EVAL_UP_IMRESIZE ? "imresize" : "kernel");
    double sp = 0, ss = 0, bp[MAX_B] = { 0 }, bs[MAX_B] = { 0 };
    int count = 0;
    for (int i = 0; i < n; i++) {
        uint8_t *rgb = NULL;
        int w, h;
        FsrEvalResult r, rb[MAX_B];
        int bad = fsr_image_load_rgb(names[i], &rgb, &w, &h) < 0;
        for (int b = 0; b < nb && !bad; b++) {
            FsrEvalOptions ob = opt;
            ob.accel_sr = bacc[b];
            bad = fsr_eval_rgb(&rb[b], rgb, 3 * (ptrdiff_t)w, w, h, &ob) < 0;
        }
        if (bad) {
            fprintf(stderr, "fastsr-bench: %s\n", fsr_last_error());
            free(rgb);
            ret = 1;
            continue;
        }
        free(rgb);
        r = rb[0];
        printf("%-24s %10.4f %8.4f", base_name(names[i]), r.psnr_y, r.ssim_y);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", base_name(names[i]));
        cJSON_AddNumberToObject(e, "psnr_y", r.psnr_y);
        cJSON_AddNumberToObject(e, "ssim_y", r.ssim_y);
        for (int b = 1; b < nb; b++) {
            char key[64];
            printf(" %9.4f %8.4f", rb[b].psnr_y, rb[b].ssim_y);
            snprintf(key, sizeof(key), "psnr_y_%s", bname[b]);
            cJSON_AddNumberToObject(e, key, rb[b].psnr_y);
            snprintf(key, sizeof(key), "ssim_y_%s", bname[b]);
            cJSON_AddNumberToObject(e, key, rb[b].ssim_y);
            bp[b] += rb[b].psnr_y;
            bs[b] += rb[b].ssim_y;
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
        for (int b = 1; b < nb; b++) {
            char key[64];
            printf(" %9.4f %8.4f", bp[b] / count, bs[b] / count);
            snprintf(key, sizeof(key), "mean_psnr_y_%s", bname[b]);
            cJSON_AddNumberToObject(root, key, bp[b] / count);
            snprintf(key, sizeof(key), "mean_ssim_y_%s", bname[b]);
            cJSON_AddNumberToObject(root, key, bs[b] / count);
        }
        printf("   (%d images)\n", count);
    }
    if (json_path) {
        char *text = cJSON_Print(root);
        FILE *f = fopen(json_path, "w");
        if (!text || !f || fputs(text, f) < 0 || fputc('\n', f) == EOF) {
            fprintf(stderr, "fastsr-bench: cannot write %s\n", json_path);
            ret = 1;
        }
        if (f && fclose(f) != 0)
            ret = 1;
        free(text);
    }
    cJSON_Delete(root);
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    fsr_sr_close(&opt.sr);
    for (int b = 0; b < nb; b++)
        fsr_accel_sr_close(&bacc[b]);
    fsr_model_free(&model);
    return count ? ret : 1;
}
