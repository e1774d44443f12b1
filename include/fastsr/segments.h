/* Segmented runs: one job cut into segments of about a chosen duration,
 * each upscaled and encoded on its own, then merged without re-encoding
 * into the output a single run would have written (the same frames and
 * timestamps; pictures differ only where a segment starts with an SR key
 * frame).  Cuts are made at closed-GOP IDR frames, where a segment decodes
 * exactly its own packets; where there are none near (open GOPs, sparse
 * IDRs), at key I frames that are not IDR (open cuts): such a segment
 * starts decoding at its I frame and drops the leading pictures after it
 * (they refer to the GOP before), and the segment before it decodes on
 * past its end through that I frame and its leading pictures, which
 * display in it.  A closed cut is preferred when one is near.
 * A work folder holds the plan (manifest.json: input digest, options,
 * segments with frame ranges, packets to decode, display windows and
 * state) and every finished segment, so a run resumes where it stopped,
 * and any job engine (this process, GNU parallel, Slurm) can run the
 * segments. */
#ifndef FASTSR_SEGMENTS_H
#define FASTSR_SEGMENTS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "fastsr/common.h"
#include "fastsr/pipeline.h"

#define FSR_SEGMENTS_DEFAULT_SECONDS 30.0

typedef enum FsrSegmentState {
    FSR_SEGMENT_PENDING = 0,  /* not run, running, interrupted or invalid */
    FSR_SEGMENT_DONE = 1,     /* its files are complete and valid */
} FsrSegmentState;

typedef struct FsrSegment {
    int index;
    int64_t first_frame, frames;  /* display order, in the whole input */
    int64_t cut_pts;              /* the packet decoding starts at (input video time base) */
    /* video packets decoded, in decode order from the cut: its frames',
     * its cut's leading pictures (open cut: dropped) and the next cut's
     * picture and leading pictures (open next cut: its last frames refer
     * to them); frames when neither cut is open */
    int64_t packets;
    int64_t start_pts, end_pts;   /* its frames display in [start_pts, end_pts) */
    double start_seconds, end_seconds;
    FsrSegmentState state;
} FsrSegment;

typedef struct FsrSegmentPlan {
    char work_dir[4096];
    /* The job as the manifest holds it: input and output are absolute
     * paths; the strings belong to the plan. */
    FsrSettings settings;
    double segment_seconds;
    int tb_num, tb_den;           /* input video time base */
    int64_t frames;
    int n_segments;
    FsrSegment *segments;
    char input_sha256[65];
    int64_t input_size;
    void *priv;
} FsrSegmentPlan;

/* The work folder fastsr uses for OUTPUT when none is given:
 * "OUTPUT.segments", next to it. */
FSR_API void fsr_segments_default_dir(const char *output, char *dir, size_t size);

/* Plans the job s (input, output and every option that changes the
 * output) in segments of about seconds, in work_dir (created if missing).
 * When work_dir already holds a plan for the same input (by SHA-256) and
 * the same options, that plan is returned with each segment's state read
 * from its files; a plan for another input or other options is refused
 * with an error naming the difference. */
FSR_API int fsr_segments_plan(FsrSegmentPlan **plan, const FsrSettings *s, double seconds, const char *work_dir);

/* Opens the plan in work_dir, segment states read from their files. */
FSR_API int fsr_segments_open(FsrSegmentPlan **plan, const char *work_dir);

/* Rereads every segment's state from its files; returns how many are done. */
FSR_API int fsr_segments_refresh(FsrSegmentPlan *plan);

/* Runs segment index: cuts its packets from the input, upscales and
 * encodes them as fsr_run does (threads: as FsrSettings.threads; cancel
 * may be NULL), and moves its files into place only when complete and
 * checked, so that an interrupted or killed run never leaves a segment that
 * looks done.  The report (may be NULL) is the segment's. */
FSR_API int fsr_segments_run_one(FsrSegmentPlan *plan, int index, int threads, volatile sig_atomic_t *cancel,
                                 FsrReport *report);

/* Runs every pending segment on this machine, workers at a time (0: one
 * per core), each in a process of its own; on_done (may be NULL) is
 * called after each segment with its report.  Stops at the first failed
 * segment, with its error. */
FSR_API int fsr_segments_run_local(FsrSegmentPlan *plan, int workers, volatile sig_atomic_t *cancel,
                                   void (*on_done)(void *opaque, const FsrSegment *seg, const FsrReport *r),
                                   void *opaque);

/* Merges the done segments into output (the plan's output when NULL)
 * without re-encoding: checks that every segment is done and was encoded
 * with the same settings, copies the input's audio and subtitle streams
 * once, and writes the output atomically.  total (may be NULL) gets the
 * sum of the segments' reports. */
FSR_API int fsr_segments_merge(FsrSegmentPlan *plan, const char *output, int overwrite, FsrReport *total);

FSR_API void fsr_segments_close(FsrSegmentPlan **plan);

#endif
