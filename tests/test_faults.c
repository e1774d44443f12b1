/* Fault injection on the fastsr tool (README "Fuzzing and faults"): SIGKILL
 * at random points, a full disk (RLIMIT_FSIZE) during the encode, memory
 * exhaustion (RLIMIT_AS) at start-up and mid-run, an unreadable model, and
 * the output's folder removed mid-run.  Each ends with one clear error line
 * and exit status 1 (SIGKILL: whatever the moment), never a crash or a hang,
 * and never a partial file at OUTPUT: there is nothing there, or (SIGKILL
 * after the rename) the complete output.
 *
 * "Mid-run" and "at start-up" are exact, whatever the machine's speed: the
 * input comes through a FIFO, the fault is applied when fastsr has opened it
  * (start-up: nothing read yet) or once the output's temporary exists (a
 * third of the input sent, the encoder writing, the pipeline still filling
 * up), and only then the rest follows.
 * Limits are set on the running process with prlimit(2). */
#define _GNU_SOURCE
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mediainfo.h"

#if defined(__SANITIZE_ADDRESS__)
#define ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_BUILD 1
#endif
#endif
#ifndef ASAN_BUILD
#define ASAN_BUILD 0
#endif

#define FFMPEG "ffmpeg -hide_banner -loglevel error -y "
#define CLIP_FRAMES 75

static char out[65536];
static char clip[1024], model[1100], tool[1024];

static int setup(void **state)
{
    (void)state;
    snprintf(clip, sizeof(clip), "%s", tu_tmp("faults.ts"));
    snprintf(model, sizeof(model), "%s", tu_tmp("faults.safetensors"));
    snprintf(tool, sizeof(tool), "%s", tu_tool("fastsr"));
    if (tu_tiny_model(model, 2) < 0)
        return -1;
    /* MPEG-TS: readable from a FIFO (no index to seek to) */
    return tu_run(NULL, 0, FFMPEG "-f lavfi -i testsrc2=size=320x192:rate=25 -frames:v %d -c:v libx264 "
                  "-preset ultrafast -f mpegts %s", CLIP_FRAMES, clip) ? -1 : 0;
}

/* Temporaries the encoder left for path (".<name>.<pid>.part.<ext>"). */
static int parts_left(const char *path, int remove_them)
{
    char dir[1024], prefix[1100];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return 0;
    *slash = 0;
    snprintf(prefix, sizeof(prefix), ".%s.", slash + 1);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, prefix, strlen(prefix)) && strstr(e->d_name, ".part.")) {
            n++;
            if (remove_them) {
                char p[2400];
                snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
                unlink(p);
            }
        }
    closedir(d);
    return n;
}

static void assert_no_output(const char *path)
{
    if (tu_exists(path))
        fail_msg("%s exists after a failed run", path);
    assert_int_equal(parts_left(path, 0), 0);
}

/* The log is exactly one line, an error that contains `what`. */
static void assert_one_error_line(const char *log, const char *what)
{
    assert_true(tu_read_file(log, out, sizeof(out)) >= 0);
    if (strncmp(out, "fastsr: error: ", 15) || !strstr(out, what))
        fail_msg("expected one error line about '%s', got: %s", what, out);
    const char *nl = strchr(out, '\n');
    if (!nl || nl[1])
        fail_msg("expected exactly one line, got: %s", out);
    printf("%s", out);
}

/* Starts fastsr ARGS INPUT OUTPUT (as user nobody when as_nobody) with
 * stdout and stderr into log. */
static pid_t spawn_fastsr(const char *input, const char *output, const char *log, int as_nobody)
{
    char *argv[] = { tool, "-q", "-m", "fast", "--model", model, "--preset", "ultrafast", "-t", "2",
                     (char *)input, (char *)output, NULL };
    fflush(NULL);
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        const int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd < 0)
            _exit(126);
        dup2(fd, 1);
        dup2(fd, 2);
        signal(SIGINT, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        if (as_nobody && (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0))
            _exit(125);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static long vm_size_bytes(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "VmSize: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb < 0 ? -1 : kb * 1024;
}

static void set_limit(pid_t pid, int resource, rlim_t value)
{
    const struct rlimit rl = { value, value };
    if (prlimit(pid, resource, &rl, NULL) < 0)
        fail_msg("prlimit on %d: %s", (int)pid, strerror(errno));
}

enum When { AT_START, MID_RUN };
typedef void (*Fault)(pid_t pid, void *ctx);

/* Runs fastsr on the clip through a FIFO, applies fault when asked, sends
 * the rest of the input and returns fastsr's exit status (-1 for a signal;
 * a hang fails the test). */
static int run_with_fault(const char *output, const char *log, enum When when, Fault fault, void *ctx)
{
    char fifo[1024];
    snprintf(fifo, sizeof(fifo), "%s", tu_tmp("faults.fifo"));
    const long long size = tu_file_size(clip);
    assert_true(size > 10000);
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    int ready[2], go[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(go), 0);
    fflush(NULL);
    const pid_t writer = fork();
    assert_true(writer >= 0);
    if (writer == 0) {
        close(ready[0]);
        close(go[1]);
        FILE *in = fopen(clip, "rb");
        char *data = malloc((size_t)size);
        if (!in || !data || fread(data, 1, (size_t)size, in) != (size_t)size)
            _exit(1);
        const int fd = open(fifo, O_WRONLY); /* returns once fastsr opened it */
        if (fd < 0 || write(ready[1], "r", 1) != 1)
            _exit(1);
        const size_t first = when == AT_START ? 0 : (size_t)size / 3;
        char c;
        if (write(fd, data, first) != (ssize_t)first || read(go[0], &c, 1) != 1)
            _exit(1);
        const ssize_t n = write(fd, data + first, (size_t)size - first);
        _exit(n == (ssize_t)((size_t)size - first) ? 0 : 1);
    }
    close(ready[1]);
    close(go[0]);
    const pid_t pid = spawn_fastsr(fifo, output, log, 0);
    int st, ok = 0;
    for (int i = 0; i < 1200 && !ok; i++) {
        if (when == AT_START) {
            struct pollfd p = { ready[0], POLLIN, 0 };
            ok = poll(&p, 1, 50) == 1;
        } else {
            ok = parts_left(output, 0) > 0;
            if (!ok)
                tu_sleep_ms(50);
        }
        if (!ok && waitpid(pid, &st, WNOHANG) == pid) {
            kill(writer, SIGKILL);
            waitpid(writer, &st, 0);
            tu_read_file(log, out, sizeof(out));
            fail_msg("fastsr ended before the fault: %s", out);
        }
    }
    if (!ok) {
        kill(pid, SIGKILL);
        kill(writer, SIGKILL);
        fail_msg("fastsr never reached the point of the fault");
    }
    fault(pid, ctx);
    void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN); /* a writer already gone is no error here */
    const ssize_t sent = write(go[1], "x", 1);
    (void)sent;
    close(go[1]);
    close(ready[0]);
    signal(SIGPIPE, old_pipe);
    const int rc = tu_wait_exit(pid, 300);
    kill(writer, SIGKILL); /* blocked on a FIFO nobody reads any more */
    waitpid(writer, &st, 0);
    unlink(fifo);
    return rc;
}

/* ---- memory exhaustion ---- */

static void limit_as_to_current(pid_t pid, void *ctx)
{
    const double share = *(const double *)ctx;
    const long vm = vm_size_bytes(pid);
    assert_true(vm > 0);
    set_limit(pid, RLIMIT_AS, (rlim_t)(vm * share));
}

/* may_finish: the run may also end well, with the complete output (memory
 * no longer grows mid-run, so it may need no more). */
static void check_out_of_memory(const char *test, enum When when, double share, const char *name, int may_finish)
{
    if (ASAN_BUILD)
        tu_skip_in(test, "RLIMIT_AS cannot limit an AddressSanitizer process (its shadow memory is reserved up front)");
    char o[1024], log[1100];
    snprintf(o, sizeof(o), "%s", tu_tmp(name));
    snprintf(log, sizeof(log), "%s.log", o);
    unlink(o);
    const int rc = run_with_fault(o, log, when, limit_as_to_current, &share);
    if (rc == 0 && may_finish) {
        TuMediaInfo *info = malloc(sizeof(*info));
        assert_non_null(info);
        if (tu_media_info(o, info) < 0 || info->frames != CLIP_FRAMES)
            fail_msg("exit 0 but %s is incomplete", o);
        free(info);
        assert_int_equal(parts_left(o, 0), 0);
        printf("finished without needing more memory: complete output\n");
        unlink(o);
        return;
    }
    if (rc != 1)
        fail_msg("exit %d with the address space limited, expected 1: %s",
                 rc, tu_read_file(log, out, sizeof(out)) >= 0 ? out : "");
    assert_one_error_line(log, "");
    if (!strstr(out, "out of memory") && !strstr(out, "Cannot allocate memory"))
        fail_msg("the error line does not say memory ran out: %s", out);
    assert_no_output(o);
}

/* Nothing more may be mapped once fastsr has opened its input. */
static void test_out_of_memory_at_start(void **state)
{
    (void)state;
    check_out_of_memory(__func__, AT_START, 1.0, "oom-start-x2.mkv", 0);
}

/* Half the address space in use is taken away in the middle of the run:
 * whatever still needs a new mapping fails (about half the runs here), or
 * the run ends with its complete output. */
static void test_out_of_memory_mid_run(void **state)
{
    (void)state;
    check_out_of_memory(__func__, MID_RUN, 0.5, "oom-mid-x2.mkv", 1);
}

/* ---- full disk ---- */

/* Files may not grow past 16 kB any more (the temporary is larger by now). */
static void limit_file_size(pid_t pid, void *ctx)
{
    (void)ctx;
    set_limit(pid, RLIMIT_FSIZE, 16 * 1024);
}

static void test_disk_full_during_encode(void **state)
{
    (void)state;
    char o[1024], log[1100];
    snprintf(o, sizeof(o), "%s", tu_tmp("full-x2.mkv"));
    snprintf(log, sizeof(log), "%s.log", o);
    unlink(o);
    const int rc = run_with_fault(o, log, MID_RUN, limit_file_size, NULL);
    if (rc != 1)
        fail_msg("exit %d with the disk full, expected 1: %s", rc, tu_read_file(log, out, sizeof(out)) >= 0 ? out : "");
    assert_one_error_line(log, "full-x2.mkv");
    if (!strstr(out, "File too large"))
        fail_msg("the error line does not say the file could not grow: %s", out);
    assert_no_output(o);
}

/* ---- the output's folder removed ---- */

static void remove_folder(pid_t pid, void *ctx)
{
    (void)pid;
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (const char *)ctx);
    assert_int_equal(system(cmd), 0);
}

static void test_output_folder_removed(void **state)
{
    (void)state;
    char dir[1024], o[1200], log[1024];
    snprintf(dir, sizeof(dir), "%s", tu_tmp("gone"));
    snprintf(o, sizeof(o), "%s/out-x2.mkv", dir);
    snprintf(log, sizeof(log), "%s", tu_tmp("gone.log"));
    remove_folder(0, dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    const int rc = run_with_fault(o, log, MID_RUN, remove_folder, dir);
    if (rc != 1)
        fail_msg("exit %d with the output folder gone, expected 1: %s", rc,
                 tu_read_file(log, out, sizeof(out)) >= 0 ? out : "");
    assert_one_error_line(log, "out-x2.mkv");
    assert_false(tu_exists(dir));
}

/* ---- unreadable model ---- */

static void test_unreadable_model(void **state)
{
    (void)state;
    char o[1100], log[1024], saved[1100], dir[1024];
    snprintf(saved, sizeof(saved), "%s", model);
    /* a model without read permission (as root: run as nobody, whom the
     * permission bits do stop) */
    snprintf(dir, sizeof(dir), "%s", tu_tmp("nobody"));
    mkdir(dir, 0777);
    chmod(dir, 0777);
    snprintf(model, sizeof(model), "%s/locked.safetensors", dir);
    assert_int_equal(tu_tiny_model(model, 2), 0);
    assert_int_equal(chmod(model, 0), 0);
    chmod(clip, 0644);
    snprintf(o, sizeof(o), "%s/locked-x2.mkv", dir);
    snprintf(log, sizeof(log), "%s", tu_tmp("locked.log"));
    unlink(o);
    int rc = tu_wait_exit(spawn_fastsr(clip, o, log, geteuid() == 0), 120);
    if (rc != 1)
        fail_msg("exit %d with an unreadable model, expected 1: %s", rc,
                 tu_read_file(log, out, sizeof(out)) >= 0 ? out : "");
    assert_one_error_line(log, "locked.safetensors: cannot open model file: Permission denied");
    assert_no_output(o);
    /* a folder where the model should be */
    snprintf(model, sizeof(model), "%s", tu_tmp("folder.safetensors"));
    mkdir(model, 0755);
    snprintf(o, sizeof(o), "%s", tu_tmp("folder-x2.mkv"));
    unlink(o);
    rc = tu_wait_exit(spawn_fastsr(clip, o, log, 0), 120);
    if (rc != 1)
        fail_msg("exit %d with a folder as model, expected 1: %s", rc, tu_read_file(log, out, sizeof(out)) >= 0 ? out : "");
    assert_one_error_line(log, "folder.safetensors: is a directory, not a model file");
    assert_no_output(o);
    snprintf(model, sizeof(model), "%s", saved);
}

/* ---- SIGKILL at random points ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Kills fastsr at random moments of a run (uniform over a whole run's
 * measured duration, seed printed, FASTSR_FAULT_SEED to repeat): OUTPUT is
 * then absent or complete.  The temporary a SIGKILL leaves (nothing can
 * remove it) keeps its hidden .part name. */
static void test_sigkill_anywhere(void **state)
{
    (void)state;
    char o[1024], log[1100];
    snprintf(o, sizeof(o), "%s", tu_tmp("killed-x2.mkv"));
    snprintf(log, sizeof(log), "%s", tu_tmp("killed.log"));
    unlink(o);
    double t0 = now_s();
    assert_int_equal(tu_wait_exit(spawn_fastsr(clip, o, log, 0), 300), 0);
    const double full = now_s() - t0;
    TuMediaInfo *info = malloc(sizeof(*info));
    assert_non_null(info);
    assert_int_equal(tu_media_info(o, info), 0);
    assert_int_equal(info->frames, CLIP_FRAMES);
    const char *env = getenv("FASTSR_FAULT_SEED");
    uint32_t seed = env ? (uint32_t)strtoul(env, NULL, 0) : (uint32_t)time(NULL);
    printf("sigkill: a full run takes %.2f s; seed %u (FASTSR_FAULT_SEED)\n", full, seed);
    int absent = 0, complete = 0;
    for (int trial = 0; trial < 8; trial++) {
        unlink(o);
        const int ms = (int)(tu_rand(&seed) % (uint32_t)(full * 1100 + 1));
        const pid_t pid = spawn_fastsr(clip, o, log, 0);
        tu_sleep_ms(ms);
        kill(pid, SIGKILL);
        int st;
        waitpid(pid, &st, 0);
        if (tu_exists(o)) {
            if (tu_media_info(o, info) < 0 || info->frames != CLIP_FRAMES)
                fail_msg("killed after %d ms: %s is there but incomplete (%d frames)", ms, o, info->frames);
            complete++;
        } else {
            absent++;
        }
        parts_left(o, 1);
        printf("sigkill after %4d ms: %s\n", ms, tu_exists(o) ? "complete output" : "no output");
    }
    printf("sigkill: %d runs left no output, %d a complete one\n", absent, complete);
    unlink(o);
    free(info);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unreadable_model),
        cmocka_unit_test(test_disk_full_during_encode),
        cmocka_unit_test(test_output_folder_removed),
        cmocka_unit_test(test_out_of_memory_at_start),
        cmocka_unit_test(test_out_of_memory_mid_run),
        cmocka_unit_test(test_sigkill_anywhere),
    };
    return tu_result(cmocka_run_group_tests_name("faults", tests, setup, NULL));
}
