/* Command-line options of the fastsr tool. */
#ifndef FASTSR_TOOLS_OPTIONS_H
#define FASTSR_TOOLS_OPTIONS_H

#include <stdio.h>

#include "fastsr/pipeline.h"

typedef struct CliOptions {
    FsrSettings settings;
    /* -o OUTDIR: a batch; inputs are files or folders (argv entries) */
    const char *outdir;
    char **inputs;
    int n_inputs;
    const char *report;   /* --report FILE.json */
    int quiet;
    int verbose;
    int help, version;
    struct {                /* --segments: a segmented, resumable run */
        int on;
        double seconds;     /* --segment-seconds */
        const char *work_dir; /* --work-dir; NULL: OUTPUT.segments */
        int jobs;           /* --jobs; 0: one per core */
    } segments;
} CliOptions;

/* Exit codes (documented in --help and the README). */
enum {
    EXIT_OK = 0,
    EXIT_FAILED = 1,      /* the input, the output or the processing failed */
    EXIT_USAGE = 2,       /* bad command line */
    EXIT_INTERRUPTED = 130,
};

/* Parses argv; returns 0, or -1 with a one-line message in err. */
int cli_parse(CliOptions *o, int argc, char **argv, char *err, int err_size);
void cli_usage(FILE *f);

#endif
