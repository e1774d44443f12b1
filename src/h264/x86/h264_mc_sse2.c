/* The SSE2 level of the LR H.264 motion compensation: the block code of
 * ../h264_mc_tmpl.h over the SSE2 rows of h264_mc_sse2.h.  Exact to the C
 * entries (tests/checkasm and tests/test_h264_mc.c compare them);
 * installed by fsr_h264_mc_dsp_init on every x86-64 (FSR_CPU_SSE2). */
#if defined(__x86_64__)
#include "h264_mc_sse2.h"

#define H264_MC_LEVEL H264_MC_SSE2
#include "h264_mc_tmpl.h"

void fsr_h264_mc_dsp_init_sse2(FsrH264McDSP *dsp)
{
    fill_entries(dsp);
}
#endif
