/* HR motion compensation: the interpolation filters, the C kernels (the
 * references and the C entries of the kernel table; the AVX2 twins are in
 * x86/hrmc_avx2.c) and the table's init. */
#include "hrmc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bicubic_internal.h"
#include "cpu.h"
#include "intops.h"

/* Rounds real weights (summing to one) to integers summing to 64, putting
 * the rounding remainder on the largest tap.  1/64 is exact for the
 * half-pel phase that x2 uses (bicubic: -4 36 36 -4), for H.264's filters
 * and for bilinear; it lets the SIMD kernel multiply bytes by signed bytes
 * (vpmaddubsw) and keep every sum in 16 bits. */
static void quantise(int16_t *c, const double *w)
{
    int sum = 0, big = 0;
    for (int k = 0; k < FSR_HRMC_TAPS; k++) {
        c[k] = (int16_t)lrint(w[k] * 64.0);
        sum += c[k];
        if (fabs(w[k]) > fabs(w[big]))
            big = k;
    }
    c[big] += (int16_t)(64 - sum);
}

void fsr_hr_filter_init(FsrHrFilter *f, int kind, double a)
{
    memset(f, 0, sizeof(*f));
    f->kind = kind;
    f->a = a;
    for (int q = 0; q < 4; q++) {
        const double t = q / 4.0; /* position between taps 0 and 1 (indices 2, 3) */
        double w[FSR_HRMC_TAPS] = { 0 };
        switch (kind) {
        case FSR_HRFILTER_BILINEAR:
            w[2] = 1.0 - t;
            w[3] = t;
            break;
        case FSR_HRFILTER_CUBIC:
            for (int k = 1; k <= 4; k++)
                w[k] = fsr_keys_kernel(t - (k - 2), a);
            break;
        default: { /* H.264: half = (1,-5,20,20,-5,1)/32, quarters average with the nearer integer */
            static const double half[6] = { 1 / 32.0, -5 / 32.0, 20 / 32.0, 20 / 32.0, -5 / 32.0, 1 / 32.0 };
            if (q == 0) {
                w[2] = 1.0;
            } else {
                for (int k = 0; k < 6; k++)
                    w[k] = q == 2 ? half[k] : half[k] / 2.0;
                w[q == 1 ? 2 : 3] += 0.5;
            }
        }
        }
        quantise(f->coef[q], w);
        const int16_t *c = f->coef[q];
        int k0 = 0, k1 = FSR_HRMC_TAPS;
        while (k0 < k1 - 1 && !c[k0])
            k0++;
        while (k1 > k0 + 1 && !c[k1 - 1])
            k1--;
        f->tap0[q] = (int8_t)k0;
        f->tap1[q] = (int8_t)k1;
        if ((k1 - k0) & 1)
            k0 > 0 ? k0-- : k1++;
        f->pair_k0[q] = (int8_t)k0;
        f->pairs[q] = (int8_t)((k1 - k0) / 2);
        for (int k = 0; k < f->pairs[q]; k++)
            f->pair_bytes[q][k] = (int16_t)((uint16_t)(uint8_t)c[k0 + 2 * k] | (uint16_t)(uint8_t)c[k0 + 2 * k + 1] << 8);
    }
}

int fsr_hr_filter_parse(FsrHrFilter *f, const char *name)
{
    if (!strcmp(name, "bilinear"))
        fsr_hr_filter_init(f, FSR_HRFILTER_BILINEAR, 0);
    else if (!strcmp(name, "bicubic"))
        fsr_hr_filter_init(f, FSR_HRFILTER_CUBIC, -0.5);
    else if (!strcmp(name, "h264"))
        fsr_hr_filter_init(f, FSR_HRFILTER_H264, 0);
    else if (!strncmp(name, "cubic:", 6)) {
        char *end;
        const double a = strtod(name + 6, &end);
        if (end == name + 6 || *end || !(a >= -1.0 && a <= 0.0))
            return -1;
        fsr_hr_filter_init(f, FSR_HRFILTER_CUBIC, a);
    } else
        return -1;
    return 0;
}

const char *fsr_hr_filter_name(const FsrHrFilter *f, char *buf, int size)
{
    if (f->kind == FSR_HRFILTER_BILINEAR)
        snprintf(buf, size, "bilinear");
    else if (f->kind == FSR_HRFILTER_H264)
        snprintf(buf, size, "h264");
    else if (f->a == -0.5)
        snprintf(buf, size, "bicubic");
    else
        snprintf(buf, size, "cubic:%g", f->a);
    return buf;
}


void fsr_hrmc_block_ref(uint8_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int bw, int bh,
                        int dx4, int dy4, const FsrHrFilter *f)
{
    int ix, iy, qx, qy;
    fsr_hrmc_split4(dx4, &ix, &qx);
    fsr_hrmc_split4(dy4, &iy, &qy);
    const int16_t *cx = f->coef[qx], *cy = f->coef[qy];
    for (int j = 0; j < bh; j++)
        for (int i = 0; i < bw; i++) {
            int32_t acc = 32;
            for (int ky = 0; ky < FSR_HRMC_TAPS; ky++) {
                const int sy = clampi(y + j + iy + ky - 2, 0, ref->h - 1);
                int32_t row = 32;
                for (int kx = 0; kx < FSR_HRMC_TAPS; kx++) {
                    const int sx = clampi(x + i + ix + kx - 2, 0, ref->w - 1);
                    row += cx[kx] * ref->data[sy * ref->stride + sx];
                }
                acc += cy[ky] * (row >> 6); /* 8-bit scale in between: a 16-bit datapath keeps it */
            }
            dst[j * dst_stride + i] = clip8(acc >> 6);
        }
}

/* ---- the C entry: a clamped source window, then the two passes ---- */

void fsr_hrmc_block_c(uint8_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int bw, int bh,
                      int dx4, int dy4, const FsrHrFilter *f)
{
    int ix, iy, qx, qy;
    fsr_hrmc_split4(dx4, &ix, &qx);
    fsr_hrmc_split4(dy4, &iy, &qy);
    static _Thread_local uint8_t buf[FSR_HRMC_WIN_MAX * FSR_HRMC_WIN_MAX];
    static _Thread_local int16_t tmp[FSR_HRMC_WIN_MAX * 256];
    ptrdiff_t ss;
    const uint8_t *src =
        fsr_hrmc_window(ref, x + ix - 2, y + iy - 2, bw + FSR_HRMC_TAPS - 1, bh + FSR_HRMC_TAPS - 1, buf, &ss);
    const int16_t *cx = f->coef[qx], *cy = f->coef[qy];
    const int rows = bh + FSR_HRMC_TAPS - 1;
    for (int j = 0; j < rows; j++)
        for (int i = 0; i < bw; i++) {
            int32_t acc = 32;
            for (int k = 0; k < FSR_HRMC_TAPS; k++)
                acc += cx[k] * src[j * ss + i + k];
            tmp[j * bw + i] = (int16_t)(acc >> 6);
        }
    for (int j = 0; j < bh; j++)
        for (int i = 0; i < bw; i++) {
            int32_t acc = 32;
            for (int k = 0; k < FSR_HRMC_TAPS; k++)
                acc += cy[k] * tmp[(j + k) * bw + i];
            dst[j * dst_stride + i] = clip8(acc >> 6);
        }
}

void fsr_avg_block_ref(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride, int w, int h)
{
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            dst[j * dst_stride + i] = (uint8_t)((dst[j * dst_stride + i] + src[j * src_stride + i] + 1) >> 1);
}

void fsr_biweight_block_ref(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride, int w,
                            int h, int d, int w0, int w1, int o)
{
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++) {
            uint8_t *p = dst + j * dst_stride + i;
            *p = clip8(((*p * w0 + src[j * src_stride + i] * w1 + (1 << d)) >> (d + 1)) + o);
        }
}

/* ---- residual: bicubic upsampling in fixed point, added to the block ---- */

void fsr_upres_phases(FsrUpResPhases *ph, int scale)
{
    FsrBicubicPhases fp;
    fsr_bicubic_phases(&fp, scale);
    memset(ph, 0, sizeof(*ph));
    ph->scale = scale;
    for (int p = 0; p < scale; p++) {
        for (int k = 0; k < 4; k++) { /* |weight| <= 1; a weight of 1 (x3's middle phase) becomes 32767 */
            const long v = lrint(fp.weight[p][k] * 32768.0);
            ph->w[p][k] = (int16_t)(v > 32767 ? 32767 : v);
        }
        ph->offset[p] = fp.offset[p];
    }
}

/* One tap as vpmulhrsw computes it: a * w / 2^15, rounded. */
static inline int32_t mulhrs(int32_t a, int32_t w)
{
    return (a * w + (1 << 14)) >> 15;
}

/* The horizontal pass of both depths' references: t[y][ox], the LR row y
 * upsampled in x, with 4 fraction bits. */
static void up_residual_rows(int16_t t[FSR_UPRES_MAX][FSR_UPRES_MAX * 4], const int16_t *res, ptrdiff_t res_stride,
                             int w, int h, const FsrUpResPhases *ph)
{
    const int s = ph->scale;
    for (int y = 0; y < h; y++)
        for (int ox = 0; ox < w * s; ox++) {
            const int px = ox % s, jx = ox / s;
            int32_t acc = 0;
            for (int k = 0; k < 4; k++) {
                const int v = res[y * res_stride + fsr_mirror(jx + ph->offset[px] + k, w)];
                acc += mulhrs((v < -1024 ? -1024 : v > 1023 ? 1023 : v) * 16, ph->w[px][k]);
            }
            t[y][ox] = (int16_t)acc;
        }
}

/* The rows of t that HR row oy reads, and their weights. */
static inline const int16_t *up_residual_taps(const int16_t *r[4], int16_t t[FSR_UPRES_MAX][FSR_UPRES_MAX * 4],
                                              int h, const FsrUpResPhases *ph, int oy)
{
    const int s = ph->scale, py = oy % s, jy = oy / s;
    for (int k = 0; k < 4; k++)
        r[k] = t[fsr_mirror(jy + ph->offset[py] + k, h)];
    return ph->w[py];
}

/* The vertical pass of column ox, rounded to whole levels. */
static inline int up_residual_at(const int16_t *const r[4], const int16_t *w, int ox)
{
    int32_t acc = 8;
    for (int k = 0; k < 4; k++)
        acc += mulhrs(r[k][ox], w[k]);
    return acc >> 4;
}

void fsr_add_up_residual_ref(uint8_t *dst, ptrdiff_t dst_stride, const int16_t *res, ptrdiff_t res_stride, int w,
                             int h, const FsrUpResPhases *ph)
{
    const int s = ph->scale;
    int16_t t[FSR_UPRES_MAX][FSR_UPRES_MAX * 4];
    up_residual_rows(t, res, res_stride, w, h, ph);
    for (int oy = 0; oy < h * s; oy++) {
        const int16_t *r[4];
        const int16_t *wy = up_residual_taps(r, t, h, ph, oy);
        uint8_t *d = dst + oy * dst_stride;
        for (int ox = 0; ox < w * s; ox++)
            d[ox] = clip8(d[ox] + up_residual_at(r, wy, ox));
    }
}

void fsr_add_up_residual16_ref(uint16_t *dst, ptrdiff_t dst_stride, const int16_t *res, ptrdiff_t res_stride, int w,
                               int h, const FsrUpResPhases *ph, int bitdepth_max)
{
    const int s = ph->scale;
    int16_t t[FSR_UPRES_MAX][FSR_UPRES_MAX * 4];
    up_residual_rows(t, res, res_stride, w, h, ph);
    for (int oy = 0; oy < h * s; oy++) {
        const int16_t *r[4];
        const int16_t *wy = up_residual_taps(r, t, h, ph, oy);
        uint16_t *d = (uint16_t *)((uint8_t *)dst + oy * dst_stride);
        for (int ox = 0; ox < w * s; ox++)
            d[ox] = (uint16_t)clampi(d[ox] + up_residual_at(r, wy, ox), 0, bitdepth_max);
    }
}

/* ---- high bit depth: motion compensation, average, weights ---- */

/* Row y of a 16-bit plane with its stride in bytes. */
static inline uint16_t *row16(uint16_t *p, ptrdiff_t stride, int y)
{
    return (uint16_t *)(void *)((uint8_t *)p + y * stride);
}

static inline const uint16_t *crow16(const uint16_t *p, ptrdiff_t stride, int y)
{
    return (const uint16_t *)(const void *)((const uint8_t *)p + y * stride);
}

void fsr_hrmc_block16_ref(uint16_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int bw, int bh,
                          int dx4, int dy4, const FsrHrFilter *f, int bitdepth_max)
{
    int ix, iy, qx, qy;
    fsr_hrmc_split4(dx4, &ix, &qx);
    fsr_hrmc_split4(dy4, &iy, &qy);
    const int16_t *cx = f->coef[qx], *cy = f->coef[qy];
    const uint16_t *data = (const uint16_t *)(const void *)ref->data;
    for (int j = 0; j < bh; j++)
        for (int i = 0; i < bw; i++) {
            int32_t acc = 32;
            for (int ky = 0; ky < FSR_HRMC_TAPS; ky++) {
                const uint16_t *r = crow16(data, ref->stride, clampi(y + j + iy + ky - 2, 0, ref->h - 1));
                int32_t row = 32;
                for (int kx = 0; kx < FSR_HRMC_TAPS; kx++)
                    row += cx[kx] * r[clampi(x + i + ix + kx - 2, 0, ref->w - 1)];
                acc += cy[ky] * (row >> 6); /* the sample scale in between, as the 8-bit kernels */
            }
            row16(dst, dst_stride, j)[i] = (uint16_t)clampi(acc >> 6, 0, bitdepth_max);
        }
}

void fsr_hrmc_block16_c(uint16_t *dst, ptrdiff_t dst_stride, const FsrPlaneRef *ref, int x, int y, int bw, int bh,
                        int dx4, int dy4, const FsrHrFilter *f, int bitdepth_max)
{
    int ix, iy, qx, qy;
    fsr_hrmc_split4(dx4, &ix, &qx);
    fsr_hrmc_split4(dy4, &iy, &qy);
    static _Thread_local uint16_t buf[FSR_HRMC_WIN_MAX * FSR_HRMC_WIN_MAX];
    static _Thread_local int32_t tmp[FSR_HRMC_WIN_MAX * 256];
    ptrdiff_t ss;
    const uint16_t *src =
        fsr_hrmc_window16(ref, x + ix - 2, y + iy - 2, bw + FSR_HRMC_TAPS - 1, bh + FSR_HRMC_TAPS - 1, buf, &ss);
    const int16_t *cx = f->coef[qx], *cy = f->coef[qy];
    const int rows = bh + FSR_HRMC_TAPS - 1;
    for (int j = 0; j < rows; j++)
        for (int i = 0; i < bw; i++) {
            int32_t acc = 32;
            for (int k = 0; k < FSR_HRMC_TAPS; k++)
                acc += cx[k] * src[j * ss + i + k];
            tmp[j * bw + i] = acc >> 6;
        }
    for (int j = 0; j < bh; j++) {
        uint16_t *d = row16(dst, dst_stride, j);
        for (int i = 0; i < bw; i++) {
            int32_t acc = 32;
            for (int k = 0; k < FSR_HRMC_TAPS; k++)
                acc += cy[k] * tmp[(j + k) * bw + i];
            d[i] = (uint16_t)clampi(acc >> 6, 0, bitdepth_max);
        }
    }
}

void fsr_avg_block16_ref(uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src, ptrdiff_t src_stride, int w,
                         int h)
{
    for (int j = 0; j < h; j++) {
        uint16_t *d = row16(dst, dst_stride, j);
        const uint16_t *s = crow16(src, src_stride, j);
        for (int i = 0; i < w; i++)
            d[i] = (uint16_t)((d[i] + s[i] + 1) >> 1);
    }
}

void fsr_biweight_block16_ref(uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src, ptrdiff_t src_stride, int w,
                              int h, int d, int w0, int w1, int o, int bitdepth_max)
{
    for (int j = 0; j < h; j++) {
        uint16_t *p = row16(dst, dst_stride, j);
        const uint16_t *s = crow16(src, src_stride, j);
        for (int i = 0; i < w; i++)
            p[i] = (uint16_t)clampi(((p[i] * w0 + s[i] * w1 + (1 << d)) >> (d + 1)) + o, 0, bitdepth_max);
    }
}

void fsr_h264_weight16(uint16_t *p, ptrdiff_t stride, int w, int h, int log2_denom, int weight, int offset,
                       int bitdepth_max)
{
    for (int j = 0; j < h; j++) {
        uint16_t *r = row16(p, stride, j);
        for (int i = 0; i < w; i++) {
            /* 16-bit sample times a weight within [-128, 127]: int32 */
            int v = r[i] * weight;
            v = log2_denom >= 1 ? ((v + (1 << (log2_denom - 1))) >> log2_denom) + offset : v + offset;
            r[i] = (uint16_t)clampi(v, 0, bitdepth_max);
        }
    }
}

/* ---- the kernel table ---- */

void fsr_hrmc_dsp_init(FsrHrMcDSP *dsp, unsigned cpu_flags)
{
    dsp->mc = fsr_hrmc_block_c;
    dsp->avg = fsr_avg_block_ref;
    dsp->biweight = fsr_biweight_block_ref;
    dsp->add_up_residual = fsr_add_up_residual_ref;
    dsp->mc16 = fsr_hrmc_block16_c;
    dsp->avg16 = fsr_avg_block16_ref;
    dsp->biweight16 = fsr_biweight_block16_ref;
    dsp->add_up_residual16 = fsr_add_up_residual16_ref;
#if defined(__x86_64__)
    if (cpu_flags & FSR_CPU_AVX2_FMA)
        fsr_hrmc_dsp_init_avx2(dsp);
#else
    (void)cpu_flags;
#endif
}
