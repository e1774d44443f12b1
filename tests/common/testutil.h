/* Helpers shared by the cmocka tests: temporary paths, running the tools,
 * generating clips with the ffmpeg command-line tool. */
#ifndef FASTSR_TESTUTIL_H
#define FASTSR_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fastsr/picture.h"

/* A path under the test build's tmp/ folder, unique per test program.
 * Returns a static buffer from a small ring: copy it if you keep many. */
const char *tu_tmp(const char *name);

/* Path of a built tool (e.g. "fastsr"), or of a source file. */
const char *tu_tool(const char *name);
const char *tu_src(const char *relpath);

/* Runs a shell command; returns its exit status (or -1).  When out is not
 * NULL, stdout+stderr are captured into it (NUL-terminated, truncated). */
int tu_run(char *out, size_t out_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reads a whole (text) file into buf, NUL-terminated and truncated to
 * size - 1 bytes; returns the length, or -1 when it cannot be opened. */
long tu_read_file(const char *path, char *buf, size_t size);

/* Sleeps ms milliseconds. */
void tu_sleep_ms(int ms);

/* Starts argv[0] with stdout and stderr into log, SIGINT at its default
 * until the program installs its own handler; returns its pid. */
int tu_spawn(char *const argv[], const char *log);

/* The exit status of pid (-1 when it did not exit normally), killing it
 * after limit_s seconds so that a hang fails the test instead of blocking. */
int tu_wait_exit(int pid, int limit_s);

/* 1 when the file exists. */
int tu_exists(const char *path);
long long tu_file_size(const char *path);

/* Writes a tiny 1-4-2-1 SRCNN-shaped model (3x3, 1x1, 3x3, replicate
 * padding) for the scale: channel 0 passes a lightly smoothed input
 * through, so outputs stay close to bicubic.  0 on success. */
int tu_tiny_model(const char *path, int scale);

/* Skips the running test visibly: prints "SKIPPED: <test>: <reason>" on
 * stderr, counts it, and leaves the test through cmocka's skip().  A program
 * whose tests skipped ends with tu_result()'s 77, ctest's SKIP_RETURN_CODE,
 * so ctest shows it as skipped instead of passed, and CI lists the reasons.
 * The macro adds the calling test's name; (tu_skip)(fmt, ...) is the plain
 * function. */
void tu_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void tu_skip_in(const char *test, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
#define tu_skip(...) tu_skip_in(__func__, __VA_ARGS__)

/* The CPU flags (cpu.h's fsr_cpu_flags()) when they include AVX2+FMA, the
 * level of the SIMD kernels the tests compare, or a visible skip of the
 * running test: the CPU lacks AVX2+FMA, it is not x86-64, or FASTSR_CPU
 * caps the path below AVX2.  A test
 * comparing SIMD with C calls it first, so that it never compares C with C
 * and calls that a pass. */
#define tu_require_simd() tu_require_simd_in(__func__)
unsigned tu_require_simd_in(const char *test);

/* The exit status of a test program: the number of failed tests when any
 * failed, else 77 when any test was skipped with tu_skip(), else 0.  Use as
 *     return tu_result(cmocka_run_group_tests_name(...)); */
int tu_result(int failed);

/* Defines the two tests of one check(unsigned cpu_flags) of a kernel
 * family: c_test runs it with the C kernels (flags 0) on every machine,
 * simd_test with the CPU's SIMD ones, or skips visibly (tu_require_simd)
 * where the CPU has none. */
#define TU_C_AND_SIMD_TESTS(check, c_test, simd_test)                                                          \
    static void c_test(void **state)                                                                           \
    {                                                                                                          \
        (void)state;                                                                                           \
        check(0);                                                                                              \
    }                                                                                                          \
    static void simd_test(void **state)                                                                        \
    {                                                                                                          \
        (void)state;                                                                                           \
        check(tu_require_simd());                                                                              \
    }

/* Deterministic pseudo-random numbers for test inputs. */
uint32_t tu_rand(uint32_t *state);

/* Fills the visible pixels of all three planes of an open picture (chroma
 * (w+1)/2 x (h+1)/2) with tu_rand bytes, Y then Cb then Cr, row by row;
 * seed carries on, so pictures filled one after another differ. */
void tu_random_picture(FsrPicture *pic, uint32_t *seed);

#endif
