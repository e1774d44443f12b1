/* A read-only view of one picture plane, as the motion-compensation kernels
 * (LR H.264 MC, HR transfer MC) take their reference. */
#ifndef FASTSR_SRC_PLANE_H
#define FASTSR_SRC_PLANE_H

#include <stddef.h>
#include <stdint.h>

/* Samples outside w x h are the nearest edge sample.  pad: how many such
 * samples the buffer already holds around the plane (replicated borders),
 * so that most blocks need no clamping; 0 when it holds none. */
typedef struct FsrPlaneRef {
    const uint8_t *data;
    ptrdiff_t stride;
    int w, h;
    int pad;
} FsrPlaneRef;

#endif
