#include "batch.h"

#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "messages.h"

/* What a folder given as INPUT contributes: its files with these
 * extensions (any case), sorted by name; other files (subtitles, notes) and
 * sub-folders are left alone. */
static const char *const video_exts[] = {
    "mp4", "m4v", "mkv", "webm", "mov", "avi", "ts", "m2ts", "mts", "mpg", "mpeg", "vob", "flv", "wmv",
    "asf", "ogv", "3gp", "y4m", "264", "h264", "265", "h265", "hevc", "ivf", "png", "jpg", "jpeg", "bmp",
    "tif", "tiff", "webp", NULL,
};

typedef enum { ITEM_PENDING, ITEM_OK, ITEM_SKIPPED, ITEM_FAILED } ItemStatus;

typedef struct Item {
    char *input;
    char output[PATH_MAX];
    ItemStatus status;
    int64_t frames;
    double seconds;
    char *error; /* why it failed (owned), or NULL */
} Item;

typedef struct Batch {
    Item *items;
    int n, cap;
} Batch;

static int add_item(Batch *b, const char *input)
{
    if (b->n == b->cap) {
        const int cap = b->cap ? 2 * b->cap : 32;
        Item *items = realloc(b->items, sizeof(*items) * (size_t)cap);
        if (!items)
            return -1;
        b->items = items;
        b->cap = cap;
    }
    Item *it = &b->items[b->n];
    memset(it, 0, sizeof(*it));
    if (!(it->input = strdup(input)))
        return -1;
    b->n++;
    return 0;
}

static int is_video_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || name[0] == '.')
        return 0;
    for (int i = 0; video_exts[i]; i++)
        if (!strcasecmp(dot + 1, video_exts[i]))
            return 1;
    return 0;
}

static int name_order(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* A folder's video files, or the argument itself (a missing file then
 * fails as a missing input, with the others going on). */
static int add_argument(Batch *b, const char *arg)
{
    struct stat st;
    if (stat(arg, &st) < 0 || !S_ISDIR(st.st_mode))
        return add_item(b, arg);
    struct dirent **names;
    const int n = scandir(arg, &names, NULL, name_order);
    if (n < 0) {
        fprintf(stderr, "fastsr: error: %s: cannot read the folder\n", arg);
        return add_item(b, arg); /* fails and is counted */
    }
    int ret = 0, found = 0;
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX];
        const size_t len = strlen(arg);
        snprintf(path, sizeof(path), "%s%s%s", arg, len && arg[len - 1] == '/' ? "" : "/", names[i]->d_name);
        if (!ret && is_video_name(names[i]->d_name) && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            ret = add_item(b, path);
            found++;
        }
        free(names[i]);
    }
    free(names);
    if (!found && !ret)
        fprintf(stderr, "fastsr: warning: %s: no video files in this folder\n", arg);
    return ret;
}

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Marks an item failed with its message, which may name up to three paths
 * of any length (a fixed buffer would cut them). */
static void item_fail(Item *it, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void item_fail(Item *it, const char *fmt, ...)
{
    it->status = ITEM_FAILED;
    va_list ap;
    va_start(ap, fmt);
    const int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    free(it->error);
    if (n < 0 || !(it->error = malloc((size_t)n + 1)))
        return;
    va_start(ap, fmt);
    vsnprintf(it->error, (size_t)n + 1, fmt, ap);
    va_end(ap);
}

/* Names each item's output; an output name two inputs would share, or one
 * that is an input itself, fails that item rather than overwrite. */
static void name_outputs(Batch *b, const CliOptions *o)
{
    for (int i = 0; i < b->n; i++) {
        Item *it = &b->items[i];
        if (fsr_output_name(&o->settings, it->input, o->outdir, it->output, sizeof(it->output)) < 0) {
            item_fail(it, "%s", fsr_last_error());
            continue;
        }
        for (int j = 0; j < i && it->status == ITEM_PENDING; j++)
            if (!strcmp(b->items[j].output, it->output))
                item_fail(it, "%s: would be written to %s as %s is; rename one", it->input, it->output,
                          b->items[j].input);
        if (it->status == ITEM_PENDING && same_file(it->input, it->output))
            item_fail(it, "%s: the output %s would replace the input; choose another -o", it->input, it->output);
    }
}

static void print_table(const Batch *b, int ok, int skipped, int failed)
{
    fprintf(stderr, "fastsr: batch of %d: %d done, %d skipped, %d failed\n", b->n, ok, skipped, failed);
    fprintf(stderr, "  %4s  %-7s %7s %8s %7s  %s\n", "#", "status", "frames", "seconds", "fps", "input -> output");
    for (int i = 0; i < b->n; i++) {
        const Item *it = &b->items[i];
        static const char *const names[] = { "-", "ok", "skipped", "FAILED" };
        if (it->status == ITEM_OK)
            fprintf(stderr, "  %4d  %-7s %7lld %8.1f %7.1f  %s -> %s\n", i + 1, names[it->status],
                    (long long)it->frames, it->seconds, it->seconds > 0 ? it->frames / it->seconds : 0.0, it->input,
                    it->output);
        else
            fprintf(stderr, "  %4d  %-7s %7s %8s %7s  %s -> %s\n", i + 1, names[it->status], "-", "-", "-", it->input,
                    it->status == ITEM_PENDING ? "(not run)" : it->output);
    }
}

int batch_run(CliOptions *o, volatile sig_atomic_t *cancel)
{
    struct stat st;
    if (stat(o->outdir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "fastsr: error: -o %s: output folder does not exist\n", o->outdir);
        return EXIT_FAILED;
    }
    Batch b = { 0 };
    for (int i = 0; i < o->n_inputs; i++)
        if (add_argument(&b, o->inputs[i]) < 0) {
            fprintf(stderr, "fastsr: error: out of memory\n");
            return EXIT_FAILED;
        }
    name_outputs(&b, o);
    int ok = 0, skipped = 0, failed = 0, status = EXIT_OK;
    for (int i = 0; i < b.n; i++) {
        Item *it = &b.items[i];
        if (*cancel) {
            status = EXIT_INTERRUPTED;
            break;
        }
        if (it->status == ITEM_FAILED) {
            fprintf(stderr, "fastsr: error: [%d/%d] %s\n", i + 1, b.n, it->error ? it->error : "out of memory");
            failed++;
            continue;
        }
        /* outputs are written whole or not at all: one that exists is done */
        if (!o->settings.encode.overwrite && stat(it->output, &st) == 0) {
            it->status = ITEM_SKIPPED;
            skipped++;
            if (!o->quiet)
                fprintf(stderr, "fastsr: [%d/%d] %s: skipped, %s exists (-y redoes it)\n", i + 1, b.n, it->input,
                        it->output);
            continue;
        }
        FsrSettings s = o->settings;
        s.input = it->input;
        s.output = it->output;
        FsrReport r;
        if (fsr_run(&s, &r) < 0) {
            if (*cancel) {
                status = EXIT_INTERRUPTED;
                fprintf(stderr, "fastsr: error: [%d/%d] %s\n", i + 1, b.n, fsr_last_error());
                break;
            }
            item_fail(it, "%s", fsr_last_error());
            /* every line names its input, whatever the library's message says */
            char prefix[PATH_MAX + 32];
            const int named = !strncmp(fsr_last_error(), it->input, strlen(it->input));
            snprintf(prefix, sizeof(prefix), "[%d/%d] %s%s", i + 1, b.n, named ? "" : it->input, named ? "" : ": ");
            print_error(&s, &r, prefix);
            failed++;
            continue;
        }
        it->status = ITEM_OK;
        it->frames = r.frames;
        it->seconds = r.seconds.total;
        ok++;
        if (!o->quiet) {
            print_damage(&s, &r);
            char label[PATH_MAX + 64];
            snprintf(label, sizeof(label), "[%d/%d] %s -> %s", i + 1, b.n, it->input, it->output);
            print_done(&s, &r, label);
        }
    }
    if (!o->quiet || failed)
        print_table(&b, ok, skipped, failed);
    if (status == EXIT_OK && failed)
        status = EXIT_FAILED;
    for (int i = 0; i < b.n; i++) {
        free(b.items[i].input);
        free(b.items[i].error);
    }
    free(b.items);
    return status;
}
