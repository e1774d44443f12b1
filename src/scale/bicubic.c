/* Integer-factor bicubic upscaling of 8-bit and 16-bit planes.  Vertical
 * pass first into a float row (LR width, padded by two mirrored columns
 * each side), then the horizontal pass per output phase; the row kernels sit behind FsrBicubicDSP: the C
 * ones here (their arithmetic in bicubic.h), the AVX2 twins in
 * x86/bicubic_avx2.c. */
#include "bicubic_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "log.h"

#define PAD FSR_BICUBIC_PAD

double fsr_keys_kernel(double x, double a)
{
    x = fabs(x);
    if (x <= 1.0)
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
    if (x < 2.0)
        return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
    return 0.0;
}

double fsr_cubic_kernel(double x)
{
    return fsr_keys_kernel(x, -0.5);
}

static FsrBicubicPhases phase_table[FSR_MAX_SCALE + 1];
static pthread_once_t phase_once = PTHREAD_ONCE_INIT;

static void compute_phases(FsrBicubicPhases *ph, int scale);

static void init_phase_table(void)
{
    for (int s = 2; s <= FSR_MAX_SCALE; s++)
        compute_phases(&phase_table[s], s);
}

/* The per-phase filters are the same for every call: computed once (the
 * residual path asks for them once per block). */
void fsr_bicubic_phases(FsrBicubicPhases *ph, int scale)
{
    pthread_once(&phase_once, init_phase_table);
    *ph = phase_table[scale];
}

static void compute_phases(FsrBicubicPhases *ph, int scale)
{
    memset(ph, 0, sizeof(*ph));
    ph->scale = scale;
    for (int p = 0; p < scale; p++) {
        /* Pixel-centre alignment: output p of LR pixel j sits at
         * j + (p + 0.5) / scale - 0.5 in LR coordinates. */
        const double x = (p + 0.5) / scale - 0.5;
        const double f = floor(x);
        double w[4], sum = 0;
        for (int i = 0; i < 4; i++)
            sum += w[i] = fsr_cubic_kernel(x - (f - 1 + i));
        ph->offset[p] = (int)f - 1;
        for (int i = 0; i < 4; i++)
            ph->weight[p][i] = (float)(w[i] / sum);
    }
}

static int check_args(const void *dst, const void *src, int sw, int sh, int scale)
{
    if (!dst || !src)
        return fsr_error(FSR_ERR(EINVAL), "bicubic: NULL plane");
    if (sw <= 0 || sh <= 0 || sw > 16384 || sh > 16384)
        return fsr_error(FSR_ERR(EINVAL), "bicubic: plane size %dx%d out of range", sw, sh);
    if (!fsr_scale_supported(scale))
        return fsr_error(FSR_ERR(EINVAL), "bicubic: scale %d not supported (2..%d)", scale, FSR_MAX_SCALE);
    return 0;
}

/* ---- reference ---- */

/* HR sample (ox, oy) of an 8-bit (src8), signed 16-bit (src16) or
 * unsigned 16-bit (srcu) plane, src_stride in samples, one tap at a time:
 * the definition the references share. */
static float ref_sample(const FsrBicubicPhases *ph, const uint8_t *src8, const int16_t *src16, const uint16_t *srcu,
                        ptrdiff_t src_stride, int sw, int sh, int ox, int oy)
{
    const int scale = ph->scale, px = ox % scale, jx = ox / scale, py = oy % scale, jy = oy / scale;
    float acc = 0.f;
    for (int i = 0; i < 4; i++) {
        const int x = fsr_mirror(jx + ph->offset[px] + i, sw);
        float col = 0.f;
        for (int k = 0; k < 4; k++) {
            const ptrdiff_t at = fsr_mirror(jy + ph->offset[py] + k, sh) * src_stride + x;
            const float t = ph->weight[py][k] * (float)(src8 ? src8[at] : src16 ? src16[at] : srcu[at]);
            col = k ? col + t : t;
        }
        const float t = ph->weight[px][i] * col;
        acc = i ? acc + t : t;
    }
    return acc;
}

static inline int16_t round_s16(float acc)
{
    float r = floorf(acc + 0.5f);
    r = r < -32768.f ? -32768.f : r > 32767.f ? 32767.f : r;
    return (int16_t)r;
}

/* Both references: an 8-bit (src8, dst8) or 16-bit (src16, dst16) plane. */
static int ref_plane(uint8_t *dst8, int16_t *dst16, ptrdiff_t dst_stride, const uint8_t *src8, const int16_t *src16,
                     ptrdiff_t src_stride, int sw, int sh, int scale)
{
    int ret = check_args(dst8 ? (const void *)dst8 : dst16, src8 ? (const void *)src8 : src16, sw, sh, scale);
    if (ret < 0)
        return ret;
    FsrBicubicPhases ph;
    fsr_bicubic_phases(&ph, scale);
    for (int oy = 0; oy < sh * scale; oy++)
        for (int ox = 0; ox < sw * scale; ox++) {
            const float v = ref_sample(&ph, src8, src16, NULL, src_stride, sw, sh, ox, oy);
            if (dst8)
                dst8[oy * dst_stride + ox] = fsr_bicubic_round_u8(v);
            else
                dst16[oy * dst_stride + ox] = round_s16(v);
        }
    return 0;
}

int fsr_bicubic_plane_ref(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride, int sw, int sh,
                          int scale)
{
    return ref_plane(dst, NULL, dst_stride, src, NULL, src_stride, sw, sh, scale);
}

int fsr_bicubic_plane_s16_ref(int16_t *dst, ptrdiff_t dst_stride, const int16_t *src, ptrdiff_t src_stride, int sw,
                              int sh, int scale)
{
    return ref_plane(NULL, dst, dst_stride, NULL, src, src_stride, sw, sh, scale);
}

/* check_args, and for 16-bit planes the depth and the strides (bytes,
 * even: uint16_t rows). */
static int check_args16(const void *dst, ptrdiff_t dst_stride, const void *src, ptrdiff_t src_stride, int sw, int sh,
                        int scale, int bitdepth_max)
{
    int ret = check_args(dst, src, sw, sh, scale);
    if (ret < 0)
        return ret;
    if (bitdepth_max < 1 || bitdepth_max > 65535)
        return fsr_error(FSR_ERR(EINVAL), "bicubic: maximum sample %d out of range (1..65535)", bitdepth_max);
    if ((dst_stride | src_stride) & 1)
        return fsr_error(FSR_ERR(EINVAL), "bicubic: odd stride of a 16-bit plane");
    return 0;
}

int fsr_bicubic_plane16_ref(uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src, ptrdiff_t src_stride, int sw,
                            int sh, int scale, int bitdepth_max)
{
    int ret = check_args16(dst, dst_stride, src, src_stride, sw, sh, scale, bitdepth_max);
    if (ret < 0)
        return ret;
    FsrBicubicPhases ph;
    fsr_bicubic_phases(&ph, scale);
    for (int oy = 0; oy < sh * scale; oy++)
        for (int ox = 0; ox < sw * scale; ox++)
            dst[oy * (dst_stride / 2) + ox] =
                fsr_bicubic_round_u16(ref_sample(&ph, NULL, NULL, src, src_stride / 2, sw, sh, ox, oy), bitdepth_max);
    return 0;
}

/* One HR row oy of the LR columns [rx, rx + rw): the vertical pass over
 * those columns and PAD more on each side (mirrored at the plane's edges),
 * then the horizontal pass.  tmp holds rw + 2 * PAD + 8 floats. */
static void region_row(const FsrBicubicDSP *k, const FsrBicubicPhases *ph, uint8_t *dst, const uint8_t *src,
                       ptrdiff_t src_stride, int sw, int sh, int oy, int rx, int rw, float *tmp)
{
    ptrdiff_t at[4];
    const float *wy = fsr_bicubic_vert_taps(at, ph, oy, sh, src_stride);
    /* columns [c0, c1) exist in the plane; the rest of the window mirrors */
    const int w0 = rx - PAD, c0 = w0 < 0 ? 0 : w0, c1 = rx + rw + PAD > sw ? sw : rx + rw + PAD;
    const uint8_t *crow[4] = { src + at[0] + c0, src + at[1] + c0, src + at[2] + c0, src + at[3] + c0 };
    k->vert_row(tmp + (c0 - w0), crow, wy, c1 - c0);
    for (int c = w0; c < c0; c++)
        tmp[c - w0] = tmp[fsr_mirror(c, sw) - w0];
    for (int c = c1; c < rx + rw + PAD; c++)
        tmp[c - w0] = tmp[fsr_mirror(c, sw) - w0];
    k->horz_row(dst, tmp + PAD, ph, rw);
}

/* region_row for 16-bit samples; src_stride in samples. */
static void region_row16(const FsrBicubicDSP *k, const FsrBicubicPhases *ph, uint16_t *dst, const uint16_t *src,
                         ptrdiff_t src_stride, int sw, int sh, int oy, int rx, int rw, float *tmp, int bitdepth_max)
{
    ptrdiff_t at[4];
    const float *wy = fsr_bicubic_vert_taps(at, ph, oy, sh, src_stride);
    const int w0 = rx - PAD, c0 = w0 < 0 ? 0 : w0, c1 = rx + rw + PAD > sw ? sw : rx + rw + PAD;
    const uint16_t *crow[4] = { src + at[0] + c0, src + at[1] + c0, src + at[2] + c0, src + at[3] + c0 };
    k->vert_row16(tmp + (c0 - w0), crow, wy, c1 - c0);
    for (int c = w0; c < c0; c++)
        tmp[c - w0] = tmp[fsr_mirror(c, sw) - w0];
    for (int c = c1; c < rx + rw + PAD; c++)
        tmp[c - w0] = tmp[fsr_mirror(c, sw) - w0];
    k->horz_row16(dst, tmp + PAD, ph, rw, bitdepth_max);
}

int fsr_bicubic_plane16_dsp(const FsrBicubicDSP *k, uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src,
                            ptrdiff_t src_stride, int sw, int sh, int scale, int bitdepth_max)
{
    int ret = check_args16(dst, dst_stride, src, src_stride, sw, sh, scale, bitdepth_max);
    if (ret < 0)
        return ret;
    FsrBicubicPhases ph;
    fsr_bicubic_phases(&ph, scale);
    const int oh = sh * scale;
    int failed = 0;
#pragma omp parallel if ((long)sw * oh > 65536)
    {
        float *tmp = malloc(sizeof(float) * (size_t)(sw + 2 * PAD + 8));
        if (!tmp) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int oy = 0; oy < oh; oy++)
            if (tmp)
                region_row16(k, &ph, (uint16_t *)(void *)((uint8_t *)dst + oy * dst_stride), src, src_stride / 2, sw,
                             sh, oy, 0, sw, tmp, bitdepth_max);
        free(tmp);
    }
    if (failed)
        return fsr_error(FSR_ERR(ENOMEM), "bicubic: out of memory");
    return 0;
}

int fsr_bicubic_region16_dsp(const FsrBicubicDSP *k, uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src,
                             ptrdiff_t src_stride, int sw, int sh, int scale, int rx, int ry, int rw, int rh,
                             int bitdepth_max)
{
    int ret = check_args16(dst, dst_stride, src, src_stride, sw, sh, scale, bitdepth_max);
    if (ret < 0)
        return ret;
    if (rx < 0 || ry < 0 || rw <= 0 || rh <= 0 || rx + rw > sw || ry + rh > sh || rw > 4096)
        return fsr_error(FSR_ERR(EINVAL), "bicubic: region %d,%d %dx%d outside the %dx%d plane", rx, ry, rw, rh,
                         sw, sh);
    FsrBicubicPhases ph;
    fsr_bicubic_phases(&ph, scale);
    float tmp[4096 + 2 * PAD + 8];
    for (int j = 0; j < rh * scale; j++)
        region_row16(k, &ph, (uint16_t *)(void *)((uint8_t *)dst + j * dst_stride), src, src_stride / 2, sw, sh,
                     ry * scale + j, rx, rw, tmp, bitdepth_max);
    return 0;
}

int fsr_bicubic_plane_dsp(const FsrBicubicDSP *k, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                          ptrdiff_t src_stride, int sw, int sh, int scale)
{
    int ret = check_args(dst, src, sw, sh, scale);
    if (ret < 0)
        return ret;
    FsrBicubicPhases ph;
    fsr_bicubic_phases(&ph, scale);
    const int oh = sh * scale;
    int failed = 0;
    /* Small planes (residual blocks) stay on the calling thread. */
#pragma omp parallel if ((long)sw * oh > 65536)
    {
        float *tmp = malloc(sizeof(float) * (size_t)(sw + 2 * PAD + 8));
        if (!tmp) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int oy = 0; oy < oh; oy++)
            if (tmp)
                region_row(k, &ph, dst + oy * dst_stride, src, src_stride, sw, sh, oy, 0, sw, tmp);
        free(tmp);
    }
    if (failed)
        return fsr_error(FSR_ERR(ENOMEM), "bicubic: out of memory");
    return 0;
}

int fsr_bicubic_region_dsp(const FsrBicubicDSP *k, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                           ptrdiff_t src_stride, int sw, int sh, int scale, int rx, int ry, int rw, int rh)
{
    int ret = check_args(dst, src, sw, sh, scale);
    if (ret < 0)
        return ret;
    if (rx < 0 || ry < 0 || rw <= 0 || rh <= 0 || rx + rw > sw || ry + rh > sh || rw > 4096)
        return fsr_error(FSR_ERR(EINVAL), "bicubic: region %d,%d %dx%d outside the %dx%d plane", rx, ry, rw, rh,
                         sw, sh);
    FsrBicubicPhases ph;
    fsr_bicubic_phases(&ph, scale);
    float tmp[4096 + 2 * PAD + 8];
    for (int j = 0; j < rh * scale; j++)
        region_row(k, &ph, dst + j * dst_stride, src, src_stride, sw, sh, ry * scale + j, rx, rw, tmp);
    return 0;
}

/* Same arithmetic as the reference, organised for small planes (residual
 * blocks): mirrored indices from tables, vertical pass into a float buffer,
 * then the horizontal pass. */
static void block_s16_c(int16_t *dst, ptrdiff_t dst_stride, const int16_t *src, ptrdiff_t src_stride, int sw, int sh,
                        int scale)
{
    FsrBicubicPhases ph;
    fsr_bicubic_phases(&ph, scale);
    int xi[FSR_BICUBIC_BLOCK_MAX * FSR_MAX_SCALE][4];
    float col[FSR_BICUBIC_BLOCK_MAX + 2 * PAD];
    for (int ox = 0; ox < sw * scale; ox++)
        for (int i = 0; i < 4; i++)
            xi[ox][i] = fsr_mirror(ox / scale + ph.offset[ox % scale] + i, sw) + PAD;
    for (int oy = 0; oy < sh * scale; oy++) {
        ptrdiff_t at[4];
        const float *w = fsr_bicubic_vert_taps(at, &ph, oy, sh, src_stride);
        const int16_t *const r[4] = { src + at[0], src + at[1], src + at[2], src + at[3] };
        for (int x = 0; x < sw; x++)
            col[x + PAD] = fsr_bicubic_vert_s16(r, w, x);
        int16_t *d = dst + oy * dst_stride;
        for (int ox = 0; ox < sw * scale; ox++) {
            const float *wx = ph.weight[ox % scale];
            const int *ix = xi[ox];
            float acc = wx[0] * col[ix[0]];
            acc = acc + wx[1] * col[ix[1]];
            acc = acc + wx[2] * col[ix[2]];
            acc = acc + wx[3] * col[ix[3]];
            d[ox] = round_s16(acc);
        }
    }
}

int fsr_bicubic_plane_s16_dsp(const FsrBicubicDSP *dsp, int16_t *dst, ptrdiff_t dst_stride, const int16_t *src,
                              ptrdiff_t src_stride, int sw, int sh, int scale)
{
    int ret = check_args(dst, src, sw, sh, scale);
    if (ret < 0)
        return ret;
    if (sw > FSR_BICUBIC_BLOCK_MAX)
        return fsr_bicubic_plane_s16_ref(dst, dst_stride, src, src_stride, sw, sh, scale);
    dsp->block_s16(dst, dst_stride, src, src_stride, sw, sh, scale);
    return 0;
}

/* ---- the kernel table ---- */

void fsr_bicubic_dsp_init(FsrBicubicDSP *dsp, unsigned cpu_flags)
{
    dsp->vert_row = fsr_bicubic_vert_row_c;
    dsp->horz_row = fsr_bicubic_horz_row_c;
    dsp->block_s16 = block_s16_c;
    dsp->vert_row16 = fsr_bicubic_vert_row16_c;
    dsp->horz_row16 = fsr_bicubic_horz_row16_c;
    dsp->down_vert = fsr_down_vert_c;
    dsp->down_vert16 = fsr_down_vert16_c;
    dsp->down_horz = fsr_down_horz_c;
    dsp->lr_diff = fsr_lr_diff_c;
    dsp->lr_diff16 = fsr_lr_diff16_c;
    dsp->bp_add = fsr_bp_add_c;
    dsp->bp_add16 = fsr_bp_add16_c;
#if defined(__x86_64__)
    if (cpu_flags & FSR_CPU_AVX2_FMA)
        fsr_bicubic_dsp_init_avx2(dsp);
#else
    (void)cpu_flags;
#endif
}

static FsrBicubicDSP cpu_dsp;
static pthread_once_t cpu_dsp_once = PTHREAD_ONCE_INIT;

static void init_cpu_dsp(void)
{
    fsr_bicubic_dsp_init(&cpu_dsp, fsr_cpu_flags());
}

const FsrBicubicDSP *fsr_bicubic_dsp(void)
{
    pthread_once(&cpu_dsp_once, init_cpu_dsp);
    return &cpu_dsp;
}

int fsr_bicubic_plane(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride, int sw, int sh,
                      int scale)
{
    return fsr_bicubic_plane_dsp(fsr_bicubic_dsp(), dst, dst_stride, src, src_stride, sw, sh, scale);
}

int fsr_bicubic_region(uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src, ptrdiff_t src_stride, int sw, int sh,
                       int scale, int rx, int ry, int rw, int rh)
{
    return fsr_bicubic_region_dsp(fsr_bicubic_dsp(), dst, dst_stride, src, src_stride, sw, sh, scale, rx, ry, rw, rh);
}

int fsr_bicubic_plane16(uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src, ptrdiff_t src_stride, int sw,
                        int sh, int scale, int bitdepth_max)
{
    return fsr_bicubic_plane16_dsp(fsr_bicubic_dsp(), dst, dst_stride, src, src_stride, sw, sh, scale, bitdepth_max);
}

int fsr_bicubic_region16(uint16_t *dst, ptrdiff_t dst_stride, const uint16_t *src, ptrdiff_t src_stride, int sw,
                         int sh, int scale, int rx, int ry, int rw, int rh, int bitdepth_max)
{
    return fsr_bicubic_region16_dsp(fsr_bicubic_dsp(), dst, dst_stride, src, src_stride, sw, sh, scale, rx, ry, rw,
                                     rh, bitdepth_max);
}

int fsr_bicubic_plane_s16(int16_t *dst, ptrdiff_t dst_stride, const int16_t *src, ptrdiff_t src_stride, int sw,
                          int sh, int scale)
{
    return fsr_bicubic_plane_s16_dsp(fsr_bicubic_dsp(), dst, dst_stride, src, src_stride, sw, sh, scale);
}

int fsr_bicubic_picture(FsrPicture *dst, const FsrPicture *src, int scale)
{
    if (!dst || !src)
        return fsr_error(FSR_ERR(EINVAL), "bicubic: NULL picture");
    if (dst->w != src->w * scale || dst->h != src->h * scale)
        return fsr_error(FSR_ERR(EINVAL), "bicubic: destination is %dx%d, expected %dx%d",
                         dst->w, dst->h, src->w * scale, src->h * scale);
    const int depth = fsr_picture_depth(src);
    if (fsr_picture_depth(dst) != depth)
        return fsr_error(FSR_ERR(EINVAL), "bicubic: destination has %d bits a sample, source %d",
                         fsr_picture_depth(dst), depth);
    if (depth > 16)
        return fsr_error(FSR_ERR(EINVAL), "bicubic: %d bits a sample not supported", depth);
    for (int c = 0; c < 3; c++) {
        const int w = c ? fsr_chroma_w(src->w) : src->w, h = c ? fsr_chroma_h(src->h) : src->h;
        int ret = fsr_picture_high(src)
                      ? fsr_bicubic_plane16((uint16_t *)(void *)dst->data[c], dst->stride[c],
                                            (const uint16_t *)(const void *)src->data[c], src->stride[c], w, h,
                                            scale, (1 << depth) - 1)
                      : fsr_bicubic_plane(dst->data[c], dst->stride[c], src->data[c], src->stride[c], w, h, scale);
        if (ret < 0)
            return ret;
    }
    return 0;
}
