/* Where the shipped models are: next to an installed tool
 * (BIN/../share/fastsr/models), in the source tree when running from a build
 * folder, or wherever FASTSR_MODEL_DIR points. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastsr/model.h"
#include "log.h"

static int file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

/* Best architecture first: the default is the most accurate shipped model. */
static const char *const preferred[] = { "9-5-5", "9-3-5", "9-1-5" };

/* DIR/defaults names the default model per scale, one "SCALE FILE" per
 * line (the best measured model, see models/README.md). */
static int from_defaults(const char *dir, int scale, char *buf, size_t size)
{
    char path[4096 + 16], line[512];
    snprintf(path, sizeof(path), "%s/defaults", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ret = -1;
    while (ret < 0 && fgets(line, sizeof(line), f)) {
        int s;
        char name[256];
        if (line[0] != '#' && sscanf(line, "%d %255s", &s, name) == 2 && s == scale && !strchr(name, '/')) {
            snprintf(buf, size, "%s/%s", dir, name);
            ret = file_exists(buf) ? 0 : -1;
        }
    }
    fclose(f);
    return ret;
}

static int find_in(const char *dir, int scale, char *buf, size_t size)
{
    if (from_defaults(dir, scale, buf, size) == 0)
        return 0;
    for (size_t i = 0; i < sizeof(preferred) / sizeof(preferred[0]); i++) {
        snprintf(buf, size, "%s/srcnn-%s-x%d.safetensors", dir, preferred[i], scale);
        if (file_exists(buf))
            return 0;
    }
    return -1;
}

int fsr_model_dir(int index, char *buf, size_t size)
{
    switch (index) {
    case 0: {
        const char *env = getenv("FASTSR_MODEL_DIR");
        if (!env || !*env)
            return -1;
        snprintf(buf, size, "%s", env);
        return 0;
    }
    case 1: {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n <= 0)
            return -1;
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (!slash)
            return -1;
        *slash = 0;
        snprintf(buf, size, "%s/../%s", exe, FASTSR_INSTALL_MODELS_RELDIR);
        return 0;
    }
    case 2:
        snprintf(buf, size, "%s", FASTSR_SOURCE_MODELS_DIR);
        return 0;
    }
    return -1;
}

int fsr_model_default_path(int scale, char *buf, size_t size)
{
    char dir[PATH_MAX];
    for (int i = 0; i < 3; i++)
        if (fsr_model_dir(i, dir, sizeof(dir)) == 0 && find_in(dir, scale, buf, size) == 0)
            return 0;
    return fsr_error(FSR_ERR(ENOENT),
                     "no default SR model for scale %d (looked for srcnn-*-x%d.safetensors in $FASTSR_MODEL_DIR, "
                     "the install's share/fastsr/models and the source tree)",
                     scale, scale);
}

int fsr_model_path(const char *name, char *buf, size_t size)
{
    if (!name || !buf || !size)
        return fsr_error(FSR_ERR(EINVAL), "model: NULL argument");
    if (strchr(name, '/') || file_exists(name)) {
        if (snprintf(buf, size, "%s", name) >= (int)size)
            return fsr_error(FSR_ERR(ENAMETOOLONG), "%s: path too long", name);
        return 0;
    }
    const size_t len = strlen(name);
    const int ext = len > 12 && !strcmp(name + len - 12, ".safetensors");
    char dir[PATH_MAX];
    for (int i = 0; i < 3; i++)
        if (fsr_model_dir(i, dir, sizeof(dir)) == 0) {
            snprintf(buf, size, "%s/%s%s", dir, name, ext ? "" : ".safetensors");
            if (file_exists(buf))
                return 0;
        }
    return fsr_error(FSR_ERR(ENOENT),
                     "%s: no such model file, nor a shipped model of that name (models/README.md lists them; "
                     "looked in $FASTSR_MODEL_DIR, the install's share/fastsr/models and the source tree)", name);
}
