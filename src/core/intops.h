/* Small integer helpers shared by the kernels (as dav1d's intops.h). */
#ifndef FASTSR_SRC_INTOPS_H
#define FASTSR_SRC_INTOPS_H

#include <stdint.h>

static inline int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static inline uint8_t clip8(int v)
{
    return (uint8_t)clampi(v, 0, 255);
}

#endif
