/* fastsr-bench: benchmarks and quality measurements of the fastsr library.
 * Each mode lives in its own file; this only dispatches. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "fastsr/common.h"

static const struct {
    const char *option;
    int (*run)(int argc, char **argv);
    void (*usage)(void);
} modes[] = {
    { "--conv", bench_conv, bench_conv_usage },
    { "--images", bench_images, bench_images_usage },
    { "--hr", bench_video, bench_video_usage },
};

static void usage(void)
{
    printf("usage: fastsr-bench MODE [options]\nmodes:\n");
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
        modes[i].usage();
}

int main(int argc, char **argv)
{
    fsr_prefer_passive_threads(argv);
    /* Rows appear as they are measured, also when piped to a file. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage();
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("fastsr-bench %s\n", FASTSR_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
        if (!strcmp(argv[1], modes[i].option))
            /* The mode gets its own option as argv[0], so "--images DIR"
             * finds DIR in argv[1]. */
            return modes[i].run(argc - 1, argv + 1);
    /* --hr takes its REF as a value and may come after other options: the
     * video mode parses the whole line */
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--hr"))
            return bench_video(argc - 1, argv + 1);
    fprintf(stderr, "fastsr-bench: unknown mode %s (fastsr-bench --help lists them)\n", argv[1]);
    return 2;
}
