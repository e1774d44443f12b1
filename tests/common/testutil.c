#include "testutil.h"

#include "cpu.h"
#include "fastsr/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RING 16
static char ring[RING][1024];
static int ring_pos;

static char *next_slot(void)
{
    char *s = ring[ring_pos];
    ring_pos = (ring_pos + 1) % RING;
    return s;
}

static int skipped;

static void vskip(const char *test, const char *fmt, va_list ap) __attribute__((noreturn));
static void vskip(const char *test, const char *fmt, va_list ap)
{
    char why[512];
    vsnprintf(why, sizeof(why), fmt, ap);
    /* one line, whole: CI collects these lines as the reasons */
    fprintf(stderr, "SKIPPED: %s%s%s\n", test ? test : "", test ? ": " : "", why);
    fflush(stderr);
    skipped++;
    skip();
    abort(); /* skip() does not return; this tells the compiler so */
}

void(tu_skip)(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vskip(NULL, fmt, ap);
}

void tu_skip_in(const char *test, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vskip(test, fmt, ap);
}

unsigned tu_require_simd_in(const char *test)
{
    /* the SIMD kernels these tests compare are AVX2 (SSE2 alone, which
     * every x86-64 has, adds only the LR MC rows: tests/checkasm covers it) */
    const unsigned flags = fsr_cpu_flags();
    if (flags & FSR_CPU_AVX2_FMA)
        return flags;
    const char *force = getenv("FASTSR_CPU");
    if (force && (!strcmp(force, "c") || !strcmp(force, "sse2")))
        tu_skip_in(test, "no SIMD kernel to compare with C: FASTSR_CPU=%s caps the CPU path below AVX2", force);
#if defined(__x86_64__)
    tu_skip_in(test, "no SIMD kernel to compare with C: this CPU lacks AVX2+FMA");
#else
    tu_skip_in(test, "no SIMD kernel to compare with C: not an x86-64 build");
#endif
}

int tu_result(int failed)
{
    if (failed)
        return failed;
    if (skipped) {
        fprintf(stderr, "%d test(s) skipped: exiting 77 so that ctest reports this program as skipped\n", skipped);
        return 77;
    }
    return 0;
}

const char *tu_tmp(const char *name)
{
    char *s = next_slot();
    snprintf(s, 1024, "%s/%d-%s", FASTSR_TEST_TMP_DIR, (int)getpid(), name);
    return s;
}

const char *tu_tool(const char *name)
{
    char *s = next_slot();
    snprintf(s, 1024, "%s/%s", FASTSR_TEST_BIN_DIR, name);
    return s;
}

const char *tu_src(const char *relpath)
{
    char *s = next_slot();
    snprintf(s, 1024, "%s/%s", FASTSR_TEST_SRC_DIR, relpath);
    return s;
}

int tu_run(char *out, size_t out_size, const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    if (!out) {
        int st = system(cmd);
        return st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    char full[8300];
    snprintf(full, sizeof(full), "(%s) 2>&1", cmd);
    FILE *p = popen(full, "r");
    if (!p)
        return -1;
    size_t n = 0;
    if (out_size)
        out[0] = 0;
    int c;
    while ((c = fgetc(p)) != EOF)
        if (n + 1 < out_size)
            out[n++] = (char)c, out[n] = 0;
    int st = pclose(p);
    return st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

long tu_read_file(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    if (!f || !size)
        return f ? (fclose(f), -1) : -1;
    const size_t n = fread(buf, 1, size - 1, f);
    buf[n] = 0;
    fclose(f);
    return (long)n;
}

int tu_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

long long tu_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

uint32_t tu_rand(uint32_t *state)
{
    /* xorshift32: enough for test data, identical everywhere. */
    uint32_t x = *state ? *state : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

void tu_random_picture(FsrPicture *pic, uint32_t *seed)
{
    for (int c = 0; c < 3; c++) {
        const int w = c ? (pic->w + 1) / 2 : pic->w, h = c ? (pic->h + 1) / 2 : pic->h;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                pic->data[c][y * pic->stride[c] + x] = (uint8_t)tu_rand(seed);
    }
}

int tu_tiny_model(const char *path, int scale)
{
    const int ch[4] = { 1, 4, 2, 1 }, k[3] = { 3, 1, 3 };
    FsrModel *m = NULL;
    if (fsr_model_open_empty(&m, "srcnn", scale, FSR_PAD_REPLICATE, 3, ch, k) < 0)
        return -1;
    m->layers[0].weight[4] = 0.9f;
    m->layers[0].weight[3] = 0.05f;
    m->layers[0].weight[5] = 0.05f;
    m->layers[1].weight[0] = 1.f;
    m->layers[2].weight[4] = 1.f;
    const int ret = fsr_model_save(m, path);
    fsr_model_close(&m);
    return ret;
}

void tu_sleep_ms(int ms)
{
    const struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

int tu_spawn(char *const argv[], const char *log)
{
    fflush(NULL);
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        const int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            _exit(126);
        dup2(fd, 1);
        dup2(fd, 2);
        signal(SIGINT, SIG_DFL);
        execv(argv[0], argv);
        _exit(127);
    }
    return (int)pid;
}

int tu_wait_exit(int pid, int limit_s)
{
    int st = 0;
    for (int i = 0; i < limit_s * 20; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        tu_sleep_ms(50);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    fail_msg("process %d still running after %d s", pid, limit_s);
    return -1;
}
