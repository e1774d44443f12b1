/* For harnesses whose parser reads a file, not memory: each input is
 * written to one temporary file per process ($TMPDIR or /tmp), removed at
 * exit. */
#ifndef FASTSR_TESTS_FUZZ_FILE_H
#define FASTSR_TESTS_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char fuzz_path[512];

static void fuzz_remove_file(void)
{
    if (fuzz_path[0])
        unlink(fuzz_path);
}

/* Writes data to $TMPDIR/fastsr-fuzz-NAME-PID.EXT (made on the first call);
 * its path, or NULL when it cannot be written. */
static inline const char *fuzz_write_file(const char *name, const char *ext, const uint8_t *data, size_t size)
{
    if (!fuzz_path[0]) {
        const char *dir = getenv("TMPDIR");
        snprintf(fuzz_path, sizeof(fuzz_path), "%s/fastsr-fuzz-%s-%ld.%s", dir && *dir ? dir : "/tmp", name,
                 (long)getpid(), ext);
        atexit(fuzz_remove_file);
    }
    FILE *f = fopen(fuzz_path, "wb");
    if (!f)
        return NULL;
    const int ok = fwrite(data, 1, size, f) == size;
    return fclose(f) == 0 && ok ? fuzz_path : NULL;
}

#endif
