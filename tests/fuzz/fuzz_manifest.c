/* Fuzz harness 5: the segment plan of a work folder (src/pipeline/
 * segments.c: manifest.json, the file fastsr --segments, fastsr-segments
 * and a Slurm array read back, and that a user or a crashed run may have
 * left damaged), through the public fsr_segments_open and refresh.
 *
 * Input: the text of a manifest.json, written into a private temporary work
 * folder (the plan is read from a folder, not from memory). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fastsr/segments.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], path[96];

static void remove_dir(void)
{
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/fastsr-fuzz-manifest-XXXXXX");
        if (!mkdtemp(dir))
            abort();
        snprintf(path, sizeof(path), "%s/manifest.json", dir);
        atexit(remove_dir);
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f))
        abort();
    FsrSegmentPlan *plan = NULL;
    if (fsr_segments_open(&plan, dir) < 0) {
        if (plan || !fsr_last_error()[0])
            abort(); /* a refusal leaves no plan and says why */
        return 0;
    }
    /* what the runner relies on of a plan that opened */
    if (!plan || plan->n_segments < 1 || !plan->segments || !plan->settings.input || !plan->settings.output)
        abort();
    for (int i = 0; i < plan->n_segments; i++)
        if (plan->segments[i].first_frame < 0 || plan->segments[i].frames < 1)
            abort();
    fsr_segments_refresh(plan); /* no segment files here: none is done */
    for (int i = 0; i < plan->n_segments; i++)
        if (plan->segments[i].state == FSR_SEGMENT_DONE)
            abort();
    fsr_segments_close(&plan);
    if (plan)
        abort();
    return 0;
}
