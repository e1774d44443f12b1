/* Accelerator model: architectures, layer shapes, costing a mapping, the
 * per-layer and whole-network evaluation with its Eyexam bounds, and the
 * human-readable report. */
#include "accel_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void fsr_accel_arch_eyeriss_v1(FsrAccelArch *a)
{
    memset(a, 0, sizeof(*a));
    snprintf(a->name, sizeof(a->name), "eyeriss-v1");
    a->pe_rows = 12;
    a->pe_cols = 14;
    a->rf_ifmap = 12;
    a->rf_filter = 224;
    a->rf_psum = 24;
    a->glb_bytes = 108 * 1024;
    a->word_bits = 16;
    /* The JSSC paper gives 16-bit operands; the accumulator width and the
     * rounding are this model's assumptions (wide enough never to wrap for
     * SRCNN; round to nearest when shifting back to 16 bits). */
    a->acc_bits = 32;
    a->rounding = FSR_ROUND_NEAREST;
    a->clock_hz = 200e6;
    a->dram_bytes_per_cycle = 8.0 * 60e6 / 200e6; /* 64 bit at 60 MHz */
    /* The link runs in its own clock domain behind asynchronous FIFOs and
     * the buffer holds ifmaps and psums, so those move while the array
     * runs; filters go straight into the single-buffered filter spads. */
    a->dram_overlap = FSR_ACCEL_OVERLAP_PREFETCH;
    for (int d = 0; d < FSR_ACCEL_NDATA; d++)
        a->noc_words_per_cycle[d] = 4; /* 64-bit buses of 16-bit words */
    a->filters_in_glb = 0;
    a->psum_add_uses_mac = 1;
    a->set_rule = FSR_ACCEL_SETS_EYERISS;
    a->column_tiles = 0;
    /* The chip's data-dependent features (JSSC 2017, Sec. IV-C): run-length
     * coded activations on the DRAM link, zero ifmaps gate the MAC and the
     * filter spad read.  They act on the layers' measured zeros only. */
    a->rlc = 1;
    a->zero_gating = 1;
    a->dataflow = FSR_ACCEL_RS;
    /* Energy per access in pJ: the Eyeriss ratios MAC : RF : array : GLB :
     * DRAM = 1 : 1 : 2 : 6 : 200 (ISCA 2016, Table IV; 65 nm, 16 bits), their
     * scale and the static power fitted to the chip's measured power per
     * layer (JSSC 2017, Table V; `fastsr-accel --calibrate-jssc`, checked by
     * tests/test_accel_model.c): 2.51 pJ per MAC, no static power left
     * (the fit's best static share was negative, so it is 0).  DRAM is
     * off-chip and not in that power: 200 x 2.51 = 502 pJ per 16-bit word
     * (31.4 pJ/bit) is the ratio's prediction. */
    const double k = EYERISS_V1_PJ_PER_MAC;
    a->e_mac = k;
    a->e_level[FSR_ACCEL_RF] = k;
    a->e_level[FSR_ACCEL_ARRAY] = 2 * k;
    a->e_level[FSR_ACCEL_GLB] = 6 * k;
    a->e_level[FSR_ACCEL_DRAM] = 200 * k;
    a->static_mw = EYERISS_V1_STATIC_MW;
    snprintf(a->energy_unit, sizeof(a->energy_unit), "pJ");
    snprintf(a->energy_source, sizeof(a->energy_source),
             "ISCA 2016 ratios, pJ scale fitted to the chip's measured power (JSSC 2017 Table V)");
    /* published, not modelled (JSSC 2017, Table IV) */
    snprintf(a->process, sizeof(a->process), "65 nm (TSMC 65 nm LP 1P9M)");
    a->core_area_mm2 = 3.5 * 3.5;
    snprintf(a->source, sizeof(a->source), "Chen et al., JSSC 2017, Table IV");
}

int fsr_accel_arch_check(const FsrAccelArch *a)
{
    if (!a)
        return fsr_error(FSR_ERR(EINVAL), "accelerator: no architecture");
#define NEED(cond, ...) do { if (!(cond)) return fsr_error(FSR_ERR(EINVAL), __VA_ARGS__); } while (0)
    NEED(a->pe_rows >= 1 && a->pe_cols >= 1 && (int64_t)a->pe_rows * a->pe_cols <= 1 << 20,
         "architecture %s: PE array %dx%d is impossible", a->name, a->pe_rows, a->pe_cols);
    NEED(a->rf_ifmap >= 1 && a->rf_filter >= 1 && a->rf_psum >= 1,
         "architecture %s: every register file needs at least one word (ifmap %d, filter %d, psum %d)",
         a->name, a->rf_ifmap, a->rf_filter, a->rf_psum);
    NEED(a->word_bits >= 2 && a->word_bits <= 32,
         "architecture %s: word_bits %d outside 2..32", a->name, a->word_bits);
    NEED(a->acc_bits >= a->word_bits && a->acc_bits <= 64,
         "architecture %s: acc_bits %d must be between word_bits (%d) and 64", a->name, a->acc_bits, a->word_bits);
    NEED(a->glb_bytes * 8 >= a->word_bits,
         "architecture %s: global buffer of %lld bytes holds no word", a->name, (long long)a->glb_bytes);
    NEED(a->clock_hz > 0 && isfinite(a->clock_hz), "architecture %s: clock must be positive", a->name);
    NEED(a->dram_bytes_per_cycle > 0 && isfinite(a->dram_bytes_per_cycle),
         "architecture %s: DRAM bandwidth must be positive", a->name);
    NEED(a->rounding == FSR_ROUND_NEAREST || a->rounding == FSR_ROUND_TRUNCATE,
         "architecture %s: unknown rounding", a->name);
    NEED(a->set_rule == FSR_ACCEL_SETS_EYERISS || a->set_rule == FSR_ACCEL_SETS_FREE,
         "architecture %s: unknown set rule", a->name);
    NEED(a->dataflow >= FSR_ACCEL_RS && a->dataflow <= FSR_ACCEL_OS, "architecture %s: unknown dataflow", a->name);
    NEED(a->e_mac >= 0 && isfinite(a->e_mac), "architecture %s: negative MAC energy", a->name);
    NEED(a->dram_overlap >= FSR_ACCEL_OVERLAP_NONE && a->dram_overlap <= FSR_ACCEL_OVERLAP_PREFETCH,
         "architecture %s: unknown DRAM overlap", a->name);
    NEED(a->static_mw >= 0 && isfinite(a->static_mw), "architecture %s: negative static power", a->name);
    NEED(a->static_mw == 0 || !strcmp(a->energy_unit, "pJ"),
         "architecture %s: static power needs energies in pJ", a->name);
    for (int l = 0; l < FSR_ACCEL_NLEVELS; l++)
        NEED(a->e_level[l] >= 0 && isfinite(a->e_level[l]), "architecture %s: negative access energy", a->name);
    for (int d = 0; d < FSR_ACCEL_NDATA; d++)
        NEED(a->noc_words_per_cycle[d] >= 0 && isfinite(a->noc_words_per_cycle[d]),
             "architecture %s: negative array bandwidth", a->name);
#undef NEED
    return 0;
}

int fsr_accel_layer_check(FsrAccelLayer *l)
{
    const char *n = l->name;
    if (l->type == FSR_ACCEL_FC) {
        /* A fully connected layer is a convolution whose filter covers the
         * whole input. */
        if (l->R == 0)
            l->R = l->H;
        if (l->S == 0)
            l->S = l->W;
        if (l->stride == 0)
            l->stride = 1;
        if (l->groups == 0)
            l->groups = 1;
        if (l->R != l->H || l->S != l->W || l->pad != 0)
            return fsr_error(FSR_ERR(EINVAL), "layer %s: a fully connected layer needs R = H, S = W and no padding", n);
    }
    if (l->type != FSR_ACCEL_CONV && l->type != FSR_ACCEL_FC)
        return fsr_error(FSR_ERR(EINVAL), "layer %s: unknown type", n);
    if (l->C < 1 || l->M < 1 || l->H < 1 || l->W < 1 || l->R < 1 || l->S < 1)
        return fsr_error(FSR_ERR(EINVAL), "layer %s: C, M, H, W, R, S must all be at least 1", n);
    if (l->stride < 1 || l->pad < 0 || l->groups < 1)
        return fsr_error(FSR_ERR(EINVAL), "layer %s: stride >= 1, pad >= 0 and groups >= 1 are required", n);
    if (l->C % l->groups || l->M % l->groups)
        return fsr_error(FSR_ERR(EINVAL), "layer %s: groups (%d) must divide C (%d) and M (%d)", n, l->groups, l->C, l->M);
    if (l->H > 1 << 16 || l->W > 1 << 16 || l->C > 1 << 20 || l->M > 1 << 20 || l->R > 1024 || l->S > 1024 ||
        l->pad > 1024 || l->stride > 1024)
        return fsr_error(FSR_ERR(EINVAL), "layer %s: dimensions too large", n);
    if (l->H + 2 * l->pad < l->R || l->W + 2 * l->pad < l->S)
        return fsr_error(FSR_ERR(EINVAL), "layer %s: a %dx%d filter does not fit a %dx%d input padded by %d",
                         n, l->R, l->S, l->H, l->W, l->pad);
    if (!(l->ifmap_zeros >= 0 && l->ifmap_zeros <= 1) || !(l->ofmap_zeros >= 0 && l->ofmap_zeros <= 1))
        return fsr_error(FSR_ERR(EINVAL), "layer %s: zero fractions must lie in 0..1", n);
    l->P = (l->H + 2 * l->pad - l->R) / l->stride + 1;
    l->Q = (l->W + 2 * l->pad - l->S) / l->stride + 1;
    return 0;
}

void accel_shape(AccelShape *sh, const FsrAccelLayer *l, int batch)
{
    sh->N = batch;
    sh->G = l->groups;
    sh->Cg = l->C / l->groups;
    sh->Mg = l->M / l->groups;
    sh->R = l->R;
    sh->S = l->S;
    sh->P = l->P;
    sh->Q = l->Q;
    sh->U = l->stride;
    /* Only the rows and columns the filter windows reach are stored. */
    sh->Hp = (sh->P - 1) * sh->U + sh->R;
    sh->Wp = (sh->Q - 1) * sh->U + sh->S;
    sh->macs = sh->N * sh->G * sh->Mg * sh->Cg * sh->R * sh->S * sh->P * sh->Q;
    sh->if_zeros = l->ifmap_zeros;
    sh->of_zeros = l->ofmap_zeros;
}

/* Bits of run-length code per value against the raw word: one (5-bit run,
 * word) pair per non-zero value, three pairs and a flag per 64 bits (the
 * Eyeriss v1 format at 16 bits).  Raw when the code would be longer, and
 * for data whose sparsity is unknown (such as the input image). */
static double rlc_ratio(const FsrAccelArch *a, double zeros)
{
    if (!a->rlc || !(zeros > 0))
        return 1.0;
    const double r = (1 - zeros) * (5.0 + a->word_bits) * 64.0 / 63.0 / a->word_bits;
    return r < 1 ? r : 1;
}

void accel_effective(int64_t out[FSR_ACCEL_NLEVELS][FSR_ACCEL_NDATA], int64_t serial[FSR_ACCEL_NDATA],
                     double *mac_count, const FsrAccelArch *a, const AccelShape *sh, const AccelCand *cand)
{
    memcpy(out, cand->acc, sizeof(cand->acc));
    memcpy(serial, cand->serial, sizeof(cand->serial));
    const double rif = rlc_ratio(a, sh->if_zeros), rof = rlc_ratio(a, sh->of_zeros);
    out[FSR_ACCEL_DRAM][FSR_ACCEL_IFMAP] = (int64_t)llround((double)out[FSR_ACCEL_DRAM][FSR_ACCEL_IFMAP] * rif);
    out[FSR_ACCEL_DRAM][FSR_ACCEL_PSUM] = (int64_t)llround((double)out[FSR_ACCEL_DRAM][FSR_ACCEL_PSUM] * rof);
    serial[FSR_ACCEL_IFMAP] = (int64_t)llround((double)serial[FSR_ACCEL_IFMAP] * rif);
    serial[FSR_ACCEL_PSUM] = (int64_t)llround((double)serial[FSR_ACCEL_PSUM] * rof);
    double macs = (double)sh->macs;
    if (a->zero_gating && sh->if_zeros > 0) {
        const int64_t skipped = (int64_t)llround(sh->if_zeros * (double)sh->macs);
        macs -= (double)skipped;
        out[FSR_ACCEL_RF][FSR_ACCEL_FILTER] -= skipped;
    }
    *mac_count = macs;
}

static int64_t bytes_of(const FsrAccelArch *a, const int64_t words[FSR_ACCEL_NDATA])
{
    int64_t n = 0;
    for (int d = 0; d < FSR_ACCEL_NDATA; d++)
        n += words[d];
    return (n * a->word_bits + 7) / 8;
}

static int64_t dram_bytes_of(const FsrAccelArch *a, const int64_t acc[FSR_ACCEL_NLEVELS][FSR_ACCEL_NDATA])
{
    return bytes_of(a, acc[FSR_ACCEL_DRAM]);
}

/* Cycles to move bytes over the DRAM interface, saturated at 2^62. */
static int64_t dram_cycles_of(const FsrAccelArch *a, int64_t bytes)
{
    const double cycles = ceil((double)bytes / a->dram_bytes_per_cycle);
    return cycles < 0x1p62 ? (int64_t)cycles : INT64_C(1) << 62;
}

static int unit_is_pj(const FsrAccelArch *a)
{
    return !strcmp(a->energy_unit, "pJ");
}

void accel_cost(AccelCost *c, const FsrAccelArch *a, const AccelShape *sh, const AccelCand *cand, int objective)
{
    int64_t acc[FSR_ACCEL_NLEVELS][FSR_ACCEL_NDATA], serial[FSR_ACCEL_NDATA];
    double macs;
    accel_effective(acc, serial, &macs, a, sh, cand);
    double e = a->e_mac * macs;
    for (int l = 0; l < FSR_ACCEL_NLEVELS; l++)
        for (int d = 0; d < FSR_ACCEL_NDATA; d++)
            e += a->e_level[l] * (double)acc[l][d];
    const int64_t compute = cand->compute_cycles;
    /* Saturated: a crawling DRAM interface (a valid, if absurd, design) can
     * need more cycles than int64 holds; fsr_accel_eval_layer refuses a
     * layer beyond FSR_ACCEL_MAX_CYCLES. */
    c->dram_cycles = dram_cycles_of(a, dram_bytes_of(a, acc));
    switch (a->dram_overlap) {
    case FSR_ACCEL_OVERLAP_FULL:
        c->cycles = accel_max64(compute, c->dram_cycles);
        break;
    case FSR_ACCEL_OVERLAP_PREFETCH: {
        /* The serial part stalls the array (and keeps the link busy); the
         * rest moves while the array runs and only shows when it is longer. */
        const int64_t ser = accel_min64(c->dram_cycles, dram_cycles_of(a, bytes_of(a, serial)));
        c->cycles = ser + accel_max64(compute, c->dram_cycles - ser);
        break;
    }
    default:
        c->cycles = compute + c->dram_cycles;
        break;
    }
    c->exposed_cycles = c->cycles - compute;
    /* pJ: static mW x seconds = 1e9 pJ per mW s */
    c->energy_static = unit_is_pj(a) ? a->static_mw * 1e9 * (double)c->cycles / a->clock_hz : 0;
    e += c->energy_static;
    c->energy = e;
    switch (objective) {
    case FSR_ACCEL_MIN_LATENCY: c->score = (double)c->cycles; break;
    case FSR_ACCEL_MIN_EDP: c->score = e * (double)c->cycles; break;
    default: c->score = e; break;
    }
}

double fsr_accel_joules(double energy, const char *unit)
{
    return unit && !strcmp(unit, "pJ") ? energy * 1e-12 : -1;
}

void fsr_accel_defaults(FsrAccelOptions *opt)
{
    opt->objective = FSR_ACCEL_MIN_ENERGY;
    opt->dataflow = -1;
    opt->shape_only = 0;
}

static void add_bound(FsrAccelResult *r, const char *step, double v)
{
    if (r->n_bounds > 0 && v > r->bounds[r->n_bounds - 1].macs_per_cycle)
        v = r->bounds[r->n_bounds - 1].macs_per_cycle; /* each step only tightens */
    r->bounds[r->n_bounds].step = step;
    r->bounds[r->n_bounds].macs_per_cycle = v;
    r->n_bounds++;
}

int fsr_accel_eval_layer(FsrAccelResult *res, const FsrAccelArch *a, const FsrAccelLayer *layer_in,
                         int batch, const FsrAccelOptions *opt_in)
{
    int ret = fsr_accel_arch_check(a);
    if (ret < 0)
        return ret;
    if (batch < 1 || batch > 4096)
        return fsr_error(FSR_ERR(EINVAL), "batch %d outside 1..4096", batch);
    FsrAccelOptions opt;
    if (opt_in)
        opt = *opt_in;
    else
        fsr_accel_defaults(&opt);
    FsrAccelLayer layer = *layer_in;
    if ((ret = fsr_accel_layer_check(&layer)) < 0)
        return ret;
    /* Access counts reach a few hundred times the MACs: keep int64 safe. */
    const double macs = (double)batch * layer.M * (layer.C / layer.groups) * layer.R * layer.S * layer.P * layer.Q;
    if (macs > 0x1p48)
        return fsr_error(FSR_ERR(EOVERFLOW), "layer %s: %.3g MACs is beyond the model's range (2^48)", layer.name, macs);
    if (opt.shape_only)
        layer.ifmap_zeros = layer.ofmap_zeros = 0;
    AccelShape sh;
    accel_shape(&sh, &layer, batch);
    const int df = opt.dataflow >= 0 ? opt.dataflow : a->dataflow;
    AccelCand c;
    memset(&c, 0, sizeof(c));
    switch (df) {
    case FSR_ACCEL_RS: ret = accel_map_rs(&c, a, &sh, opt.objective); break;
    case FSR_ACCEL_WS: ret = accel_map_ws(&c, a, &sh, opt.objective); break;
    case FSR_ACCEL_OS: ret = accel_map_os(&c, a, &sh, opt.objective); break;
    default: return fsr_error(FSR_ERR(EINVAL), "unknown dataflow %d", df);
    }
    if (ret < 0) {
        char why[512];
        snprintf(why, sizeof(why), "%s", fsr_last_error()); /* fsr_error overwrites it */
        return fsr_error(ret, "layer %s on %s: %s", layer.name, a->name, why);
    }
    AccelCost cost;
    accel_cost(&cost, a, &sh, &c, opt.objective);
    /* Totals over up to 10000 layers must stay within int64 too. */
    if (cost.cycles > FSR_ACCEL_MAX_CYCLES)
        return fsr_error(FSR_ERR(EOVERFLOW), "layer %s on %s: %.3g cycles (DRAM: %.3g bytes per cycle) is beyond the "
                         "model's range (2^48)", layer.name, a->name, (double)cost.cycles, a->dram_bytes_per_cycle);

    memset(res, 0, sizeof(*res));
    snprintf(res->name, sizeof(res->name), "%s", layer.name);
    res->layer = layer;
    res->batch = batch;
    res->macs = sh.macs;
    res->active_pes = c.active_pes;
    res->compute_cycles = c.compute_cycles;
    res->dram_cycles = cost.dram_cycles;
    res->exposed_dram_cycles = cost.exposed_cycles;
    res->cycles = cost.cycles;
    res->dram_bound = cost.dram_cycles > c.compute_cycles;
    res->utilization = (double)sh.macs / ((double)c.compute_cycles * a->pe_rows * a->pe_cols);
    res->latency_s = (double)cost.cycles / a->clock_hz;
    double mac_count;
    int64_t serial[FSR_ACCEL_NDATA];
    accel_effective(res->accesses, serial, &mac_count, a, &sh, &c);
    res->dram_bytes = dram_bytes_of(a, res->accesses);
    res->energy_mac = a->e_mac * mac_count;
    for (int l = 0; l < FSR_ACCEL_NLEVELS; l++)
        for (int d = 0; d < FSR_ACCEL_NDATA; d++) {
            const double e = a->e_level[l] * (double)res->accesses[l][d];
            res->energy_level[l] += e;
            res->energy_data[d] += e;
        }
    res->energy_static = cost.energy_static;
    res->energy_total = cost.energy;
    res->energy_onchip = cost.energy - res->energy_level[FSR_ACCEL_DRAM];
    if (unit_is_pj(a) && res->latency_s > 0)
        res->power_mw = res->energy_onchip * 1e-9 / res->latency_s;
    res->mapping = c.map;

    /* Eyexam: the MAC/cycle bound after each constraint. */
    const int pes = a->pe_rows * a->pe_cols;
    add_bound(res, "layer shape", (double)sh.macs);
    add_bound(res, "dataflow", c.df_parallelism);
    add_bound(res, "PEs", pes);
    add_bound(res, "array shape", c.max_active_pes);
    add_bound(res, "storage", (double)sh.macs / (double)c.ideal_cycles);
    add_bound(res, "array bandwidth", (double)sh.macs / (double)c.compute_cycles);
    add_bound(res, "DRAM bandwidth", (double)sh.macs / (double)accel_max64(c.compute_cycles, cost.dram_cycles));
    add_bound(res, a->dram_overlap == FSR_ACCEL_OVERLAP_FULL       ? "overlap"
                   : a->dram_overlap == FSR_ACCEL_OVERLAP_PREFETCH ? "prefetch"
                                                                   : "no DRAM overlap",
              (double)sh.macs / (double)cost.cycles);
    return 0;
}

static void accumulate(FsrAccelResult *t, const FsrAccelResult *r)
{
    t->macs += r->macs;
    if (r->active_pes > t->active_pes)
        t->active_pes = r->active_pes;
    t->cycles += r->cycles;
    t->compute_cycles += r->compute_cycles;
    t->dram_cycles += r->dram_cycles;
    t->exposed_dram_cycles += r->exposed_dram_cycles;
    t->latency_s += r->latency_s;
    t->dram_bytes += r->dram_bytes;
    for (int l = 0; l < FSR_ACCEL_NLEVELS; l++)
        for (int d = 0; d < FSR_ACCEL_NDATA; d++)
            t->accesses[l][d] += r->accesses[l][d];
    t->energy_mac += r->energy_mac;
    for (int l = 0; l < FSR_ACCEL_NLEVELS; l++)
        t->energy_level[l] += r->energy_level[l];
    for (int d = 0; d < FSR_ACCEL_NDATA; d++)
        t->energy_data[d] += r->energy_data[d];
    t->energy_static += r->energy_static;
    t->energy_total += r->energy_total;
    t->energy_onchip += r->energy_onchip;
}

int fsr_accel_eval_net(FsrAccelReport **out, const FsrAccelArch *a, const FsrAccelNet *net, int batch,
                       const FsrAccelOptions *opt)
{
    *out = NULL;
    if (!net || net->n_layers < 1)
        return fsr_error(FSR_ERR(EINVAL), "accelerator: empty network");
    FsrAccelReport *rep = calloc(1, sizeof(*rep));
    if (!rep || !(rep->layers = calloc(net->n_layers, sizeof(*rep->layers)))) {
        free(rep);
        return fsr_error(FSR_ERR(ENOMEM), "accelerator: out of memory");
    }
    snprintf(rep->arch, sizeof(rep->arch), "%s", a->name);
    snprintf(rep->net, sizeof(rep->net), "%s", net->name);
    snprintf(rep->energy_unit, sizeof(rep->energy_unit), "%s", a->energy_unit);
    rep->batch = batch;
    rep->objective = opt ? opt->objective : FSR_ACCEL_MIN_ENERGY;
    rep->n_layers = net->n_layers;
    snprintf(rep->total.name, sizeof(rep->total.name), "total");
    for (int i = 0; i < net->n_layers; i++) {
        int ret = fsr_accel_eval_layer(&rep->layers[i], a, &net->layers[i], batch, opt);
        if (ret < 0) {
            fsr_accel_report_close(&rep);
            return ret;
        }
        accumulate(&rep->total, &rep->layers[i]);
    }
    FsrAccelResult *t = &rep->total;
    t->dram_bound = t->dram_cycles > t->compute_cycles;
    t->utilization = (double)t->macs / ((double)t->compute_cycles * a->pe_rows * a->pe_cols);
    t->mapping.dataflow = rep->layers[0].mapping.dataflow;
    if (unit_is_pj(a) && t->latency_s > 0)
        t->power_mw = t->energy_onchip * 1e-9 / t->latency_s;
    *out = rep;
    return 0;
}

/* One fit step: with the current mappings, power_i = k x_i + P0, where x_i
 * is the dynamic on-chip energy per second at unit scale. */
int fsr_accel_fit_power(FsrAccelArch *arch, const FsrAccelNet *net, int batch, const double *power_mw,
                        const FsrAccelOptions *opt, double *rms)
{
    if (!arch || !net || !power_mw || net->n_layers < 1)
        return fsr_error(FSR_ERR(EINVAL), "power fit: missing arguments");
    for (int i = 0; i < net->n_layers; i++)
        if (!(power_mw[i] > 0) || !isfinite(power_mw[i]))
            return fsr_error(FSR_ERR(EINVAL), "power fit: layer %d: power must be positive", i);
    /* Unit scale: the architecture's ratios, relative to the MAC. */
    const double ref = arch->e_mac > 0 ? arch->e_mac : 1;
    double ratio_mac = arch->e_mac / ref, ratio[FSR_ACCEL_NLEVELS];
    for (int l = 0; l < FSR_ACCEL_NLEVELS; l++)
        ratio[l] = arch->e_level[l] / ref;
    snprintf(arch->energy_unit, sizeof(arch->energy_unit), "pJ");
    if (arch->e_mac <= 0) {
        arch->e_mac = 1;
        ratio_mac = 1;
    }
    double k = arch->e_mac, p0 = arch->static_mw, prev_k = -1, prev_p0 = -1;
    int ret = 0;
    for (int iter = 0; iter < 20; iter++) {
        arch->e_mac = k * ratio_mac;
        for (int l = 0; l < FSR_ACCEL_NLEVELS; l++)
            arch->e_level[l] = k * ratio[l];
        arch->static_mw = p0;
        FsrAccelReport *rep = NULL;
        if ((ret = fsr_accel_eval_net(&rep, arch, net, batch, opt)) < 0)
            return ret;
        /* weighted least squares, weights 1 / measured^2 */
        double sw = 0, sx = 0, sxx = 0, sy = 0, sxy = 0;
        double x[256];
        const int n = net->n_layers < 256 ? net->n_layers : 256;
        for (int i = 0; i < n; i++) {
            const FsrAccelResult *r = &rep->layers[i];
            const double dyn = r->energy_onchip - r->energy_static; /* pJ at scale k */
            x[i] = dyn / k * 1e-9 / r->latency_s;                    /* mW per unit scale */
            const double w = 1 / (power_mw[i] * power_mw[i]);
            sw += w, sx += w * x[i], sxx += w * x[i] * x[i], sy += w * power_mw[i], sxy += w * x[i] * power_mw[i];
        }
        fsr_accel_report_close(&rep);
        const double det = sw * sxx - sx * sx;
        double nk = det != 0 ? (sw * sxy - sx * sy) / det : 0, np0 = det != 0 ? (sy - nk * sx) / sw : 0;
        if (!(np0 >= 0) || !(nk > 0)) { /* no static power: scale only */
            np0 = 0;
            nk = sxy / sxx;
        }
        if (!(nk > 0) || !isfinite(nk))
            return fsr_error(FSR_ERR(EDOM), "power fit: the measured powers admit no positive energy scale");
        double e2 = 0;
        for (int i = 0; i < n; i++) {
            const double d = (nk * x[i] + np0) / power_mw[i] - 1;
            e2 += d * d;
        }
        if (rms)
            *rms = sqrt(e2 / n);
        k = nk, p0 = np0;
        if (fabs(k - prev_k) <= 1e-9 * k && fabs(p0 - prev_p0) <= 1e-9 * (p0 + 1))
            break;
        prev_k = k, prev_p0 = p0;
    }
    arch->e_mac = k * ratio_mac;
    for (int l = 0; l < FSR_ACCEL_NLEVELS; l++)
        arch->e_level[l] = k * ratio[l];
    arch->static_mw = p0;
    return 0;
}

void fsr_accel_report_close(FsrAccelReport **rep)
{
    if (!rep || !*rep)
        return;
    free((*rep)->layers);
    free(*rep);
    *rep = NULL;
}

static const char *df_name(int df)
{
    return df == FSR_ACCEL_WS ? "ws" : df == FSR_ACCEL_OS ? "os" : "rs";
}

static void mapping_text(char *buf, size_t n, const FsrAccelMapping *m)
{
    if (m->dataflow == FSR_ACCEL_RS)
        snprintf(buf, n, "e%d n%d p%d q%d r%d t%d g%d m%d%s%s", m->e, m->n, m->p, m->q, m->r, m->t, m->g, m->m,
                 m->folds > 1 ? " folded" : "", m->q_tiles > 1 ? " col-tiled" : "");
    else
        snprintf(buf, n, "%s %dx%d n%d", df_name(m->dataflow), m->set_rows, m->set_cols, m->n);
}

void fsr_accel_report_print(FILE *f, const FsrAccelReport *rep)
{
    static const char *const objective[] = { "energy", "latency", "edp" };
    const int pj = !strcmp(rep->energy_unit, "pJ");
    /* pJ: energies shown in mJ, with the average on-chip power */
    const double scale = pj ? 1e-9 : 1e-6;
    const char *eu = pj ? "mJ" : "M";
    fprintf(f, "arch %s, net %s, batch %d, objective %s, energy in %s\n", rep->arch, rep->net, rep->batch,
            objective[rep->objective >= 0 && rep->objective <= 2 ? rep->objective : 0], pj ? "mJ (pJ model)" : rep->energy_unit);
    fprintf(f, "%-10s %10s %5s %6s %10s %10s %10s %5s %10s %9s %9s %8s  %s\n", "layer", "MMACs", "PEs", "util",
            "compute_Mc", "dram_Mc", "exposed_Mc", "bound", "latency_ms", "dram_MB", pj ? "energy_mJ" : "energy_M",
            pj ? "power_mW" : "", "mapping");
    for (int i = 0; i <= rep->n_layers; i++) {
        const FsrAccelResult *r = i < rep->n_layers ? &rep->layers[i] : &rep->total;
        char map[96] = "", power[16] = "";
        if (i < rep->n_layers)
            mapping_text(map, sizeof(map), &r->mapping);
        if (pj)
            snprintf(power, sizeof(power), "%.0f", r->power_mw);
        fprintf(f, "%-10s %10.1f %5d %5.1f%% %10.3f %10.3f %10.3f %5s %10.2f %9.3f %9.3f %8s  %s\n", r->name,
                r->macs / 1e6, r->active_pes, 100 * r->utilization, r->compute_cycles / 1e6, r->dram_cycles / 1e6,
                r->exposed_dram_cycles / 1e6, r->dram_bound ? "dram" : "pe", r->latency_s * 1e3, r->dram_bytes / 1e6,
                r->energy_total * scale, power, map);
    }
    const FsrAccelResult *t = &rep->total;
    static const char *const lv[] = { "dram", "glb", "array", "rf" };
    if (pj)
        fprintf(f, "energy per batch: %.4f J (on chip %.4f J at %.0f mW average, DRAM %.4f J); per image %.4f J\n",
                t->energy_total * 1e-12, t->energy_onchip * 1e-12, t->power_mw, t->energy_level[FSR_ACCEL_DRAM] * 1e-12,
                t->energy_total * 1e-12 / rep->batch);
    fprintf(f, "energy by level (%s): mac %.3f", eu, t->energy_mac * scale);
    for (int l = FSR_ACCEL_NLEVELS - 1; l >= 0; l--)
        fprintf(f, ", %s %.3f", lv[l], t->energy_level[l] * scale);
    if (t->energy_static > 0)
        fprintf(f, ", static %.3f", t->energy_static * scale);
    fprintf(f, "\nenergy by data (%s): ifmap %.3f, filter %.3f, psum %.3f\n", eu, t->energy_data[0] * scale,
            t->energy_data[1] * scale, t->energy_data[2] * scale);
    fprintf(f, "accesses (M words)       ifmap     filter       psum\n");
    for (int l = 0; l < FSR_ACCEL_NLEVELS; l++)
        fprintf(f, "  %-8s %14.3f %10.3f %10.3f\n", lv[l], t->accesses[l][0] / 1e6, t->accesses[l][1] / 1e6,
                t->accesses[l][2] / 1e6);
    fprintf(f, "Eyexam bounds (MAC/cycle) per layer:\n");
    for (int i = 0; i < rep->n_layers; i++) {
        const FsrAccelResult *r = &rep->layers[i];
        fprintf(f, "  %-10s", r->name);
        for (int b = 0; b < r->n_bounds; b++)
            fprintf(f, "%s %s %.4g", b ? "," : "", r->bounds[b].step, r->bounds[b].macs_per_cycle);
        fprintf(f, "\n");
    }
}

void accel_relative_energies(FsrAccelArch *a)
{
    a->e_mac = 1;
    a->e_level[FSR_ACCEL_RF] = 1;
    a->e_level[FSR_ACCEL_ARRAY] = 2;
    a->e_level[FSR_ACCEL_GLB] = 6;
    a->e_level[FSR_ACCEL_DRAM] = 200;
    a->static_mw = 0;
    snprintf(a->energy_unit, sizeof(a->energy_unit), "mac");
}
