/* Small integer helpers shared by the kernels (as dav1d's intops.h). */
#ifndef FASTSR_SRC_INTOPS_H
#define FASTSR_SRC_INTOPS_H

#include <math.h>
#include <stdint.h>

static inline int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static inline uint8_t clip8(int v)
{
    return (uint8_t)clampi(v, 0, 255);
}

/* MATLAB's uint8() of a double: round half away from zero, saturate. */
static inline uint8_t matlab_u8(double v)
{
    if (!(v > 0))
        return 0;
    if (v >= 255)
        return 255;
    return (uint8_t)floor(v + 0.5); /* v > 0: half away from zero */
}

#endif
