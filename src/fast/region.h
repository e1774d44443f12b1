/* Region SR inside transferred frames: the cells (LR REGION_CELL x
 * REGION_CELL squares) that the transfer cannot serve are grouped into
 * rectangles (connected cells, then merged while one rectangle with its
 * halo costs no more than two), which the SR network then runs on. */
#ifndef FASTSR_SRC_REGION_H
#define FASTSR_SRC_REGION_H

#include <stdint.h>

#define REGION_CELL 8 /* LR pixels per cell side */

typedef struct FsrRect {
    int x, y, w, h;   /* HR output pixels */
} FsrRect;

typedef struct FsrRegionPlan {
    FsrRect *rects;
    int n, cap;
    /* HR pixels the network computes: every rectangle with its halo (the
     * network's context margin), clipped to the picture */
    int64_t cost;
    int64_t area;     /* HR pixels of the rectangles */
    int *stack;       /* flood-fill scratch, one entry per cell */
    uint8_t *seen;
    int ncells;
} FsrRegionPlan;

/* Groups the marked cells (cw x ch, 1 = needs SR) of an LR picture lw x lh
 * into HR rectangles at scale s with the halo (mx, my) in HR pixels.
 * Rectangles whose merging costs no more than keeping them apart are
 * merged (one pass until nothing merges); more than max_rects components
 * give up (returns 1: SR the whole frame instead).  0, 1, or a negative
 * error. */
int fsr_region_plan(FsrRegionPlan *p, const uint8_t *cells, int cw, int ch, int lw, int lh, int s, int mx,
                    int my, int max_rects);
void fsr_region_plan_free(FsrRegionPlan *p);

/* HR pixels computed for rectangle r with its halo, clipped to w x h. */
int64_t fsr_region_cost(const FsrRect *r, int w, int h, int mx, int my);

#endif
