/* The cost of FAST's transfer of an SR'd frame to a non-key frame on the
 * modelled accelerator: sub-pel interpolation of the HR reference, residual
 * upsampling, and the DRAM traffic of reference blocks, residuals and the HR
 * output (assumptions in README "FAST cost on the accelerator"). */
#include "accel_internal.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "fastsr/bicubic.h"
#include "log.h"

void fsr_accel_transfer_defaults(FsrAccelTransferParams *p, int scale)
{
    memset(p, 0, sizeof(*p));
    p->scale = scale;
    p->interp_taps = 8;
    /* Uniform quarter-pel LR vectors: an HR component is integer when
     * scale * frac is a multiple of 4 (x2: half of them, x3: a quarter,
     * x4: all); a pixel needs filtering unless both are. */
    const double integer_1d = scale == 4 ? 1.0 : scale == 2 ? 0.5 : 0.25;
    p->frac_mv = 1.0 - integer_1d * integer_1d;
    p->bipred = 0.0;         /* low-delay P, as the released FAST code */
    p->inter = 1.0;          /* every block predicted: the costlier case */
    p->residual_taps = 4;    /* bicubic */
    p->coded_residual = 1.0; /* every block with a residual: an upper bound */
    p->block = 16;
    p->residual_bytes = 2;
}

int fsr_accel_transfer_cost(FsrAccelFrameCost *cost, const FsrAccelArch *a, const FsrAccelTransferParams *p,
                            int w, int h)
{
    memset(cost, 0, sizeof(*cost));
    int ret = fsr_accel_arch_check(a);
    if (ret < 0)
        return ret;
    if (!p || !fsr_scale_supported(p->scale) || p->interp_taps < 1 || p->residual_taps < 1 || p->block < 1 ||
        p->residual_bytes < 1 || w < 1 || h < 1 || !(p->frac_mv >= 0 && p->frac_mv <= 1) ||
        !(p->bipred >= 0 && p->bipred <= 1) || !(p->inter >= 0 && p->inter <= 1) ||
        !(p->coded_residual >= 0 && p->coded_residual <= 1))
        return fsr_error(FSR_ERR(EINVAL), "transfer cost: parameters out of range");
    const double s = p->scale, pix = (double)w * h;
    const double predicted = p->inter * pix, preds = predicted * (1 + p->bipred);
    /* Separable sub-pel filter: a horizontal and a vertical pass of taps
     * MACs each; bi-prediction adds one averaging op per pixel. */
    const double mac_interp = preds * p->frac_mv * 2 * p->interp_taps + predicted * p->bipred;
    /* Separable x s upsampling from LR: the horizontal pass runs on LR rows
     * (1/s of the HR rows), the vertical on all HR pixels; plus the add. */
    const double up = p->residual_taps * (1 + 1 / s);
    const double mac_resid = predicted * p->coded_residual * (up + 1);
    const double mac_bicubic = (pix - predicted) * up; /* intra / fallback blocks */
    const double macs = mac_interp + mac_resid + mac_bicubic;
    /* DRAM bytes: HR reference blocks with the filter's halo, LR residuals,
     * LR pixels for the bicubic blocks, and the HR output; luma only. */
    const double bh = p->block * s + (p->frac_mv > 0 ? p->interp_taps - 1 : 0);
    const double ref_bytes = preds * (bh * bh) / (p->block * s * p->block * s);
    const double res_bytes = predicted * p->coded_residual / (s * s) * p->residual_bytes;
    const double lr_bytes = (pix - predicted) / (s * s);
    const double bytes = ref_bytes + res_bytes + lr_bytes + pix;
    const double word_bytes = a->word_bits / 8.0;
    const double words = bytes / (word_bytes < 1 ? 1 : word_bytes);
    /* Every word read passes through the buffer (written, read into the
     * array) and the output is written back the same way; each MAC reads
     * its operands from the register file and updates a psum (4 accesses,
     * as the row-stationary count). */
    const double e = a->e_mac * macs + a->e_level[FSR_ACCEL_RF] * 4 * macs + a->e_level[FSR_ACCEL_ARRAY] * words +
                     a->e_level[FSR_ACCEL_GLB] * 2 * words + a->e_level[FSR_ACCEL_DRAM] * words;
    const double compute = ceil(macs / (a->pe_rows * a->pe_cols));
    const double dram = ceil(bytes / a->dram_bytes_per_cycle);
    cost->macs = (int64_t)llround(macs);
    /* The transfer streams blocks through the buffer: with any overlap
     * (prefetch included) the slower of the two sets the pace. */
    cost->cycles = (int64_t)(a->dram_overlap != FSR_ACCEL_OVERLAP_NONE ? fmax(compute, dram) : compute + dram);
    cost->seconds = cost->cycles / a->clock_hz;
    cost->dram_energy = a->e_level[FSR_ACCEL_DRAM] * words;
    cost->energy = e + (!strcmp(a->energy_unit, "pJ") ? a->static_mw * 1e9 * cost->seconds : 0);
    cost->dram_bytes = (int64_t)llround(bytes);
    snprintf(cost->energy_unit, sizeof(cost->energy_unit), "%s", a->energy_unit);
    return 0;
}
