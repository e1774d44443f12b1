/* fastsr-accel: runs a network through the accelerator model and prints the
 * per-layer table and totals (and, with --json, the machine-readable report). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/accel.h"
#include "fastsr/bicubic.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: fastsr-accel --arch eyeriss-v1|eyeriss-v1-tiled|ARCH.json --net NET [options]\n"
            "  NET: alexnet | vgg16 | srcnn-9-5-5 | srcnn-9-3-5 | srcnn-9-1-5 | MODEL.safetensors | NET.json\n"
            "  --input WxH        SR input (HR) size for SRCNN and model files (default 1920x1080)\n"
            "  --batch N          images per batch (default 1)\n"
            "  --objective energy|latency|edp   what the mapper minimises (default energy)\n"
            "  --dataflow rs|ws|os  override the architecture's dataflow\n"
            "  --json OUT         also write the report as JSON (\"-\" for stdout)\n"
            "  --compare-jssc     AlexNet batch 4 on --arch (default eyeriss-v1) against the Eyeriss v1 chip (JSSC 2017)\n"
            "  --calibrate-jssc   fit eyeriss-v1's pJ scale and static power to the chip's per-layer power\n"
            "  --shape-only       ignore measured zeros (no zero gating, raw DRAM words)\n"
            "  --sheet            the metrics sheet of Sze et al. (Proc. IEEE 2017), each figure marked\n"
            "  --fast K           FAST cost per frame: SR of NET on one frame in K, transfer on the others\n"
            "  --scale S          SR factor for the transfer model (2..4, default 2)\n"
            "  --help\n");
}

static int fail(const char *msg)
{
    fprintf(stderr, "fastsr-accel: %s\n", msg);
    return 1;
}

/* Published Eyeriss v1 figures (Chen et al., JSSC 2017, Table V): AlexNet
 * CONV1-5, batch 4, 200 MHz core, 60 MHz link.  Reference data for the
 * comparison and the power fit, not inputs of the timing or traffic model. */
static const struct {
    const char *layer;
    double mmacs, processing_ms, total_ms, dram_mb, power_mw;
    int active_pes;
} jssc[5] = {
    { "CONV1", 421.7, 16.5, 20.9, 5.0, 332, 154 }, { "CONV2", 895.8, 39.2, 41.9, 4.0, 288, 135 },
    { "CONV3", 598.1, 21.8, 23.6, 3.0, 266, 156 }, { "CONV4", 448.6, 16.0, 18.4, 2.1, 235, 156 },
    { "CONV5", 299.0, 10.0, 10.5, 1.3, 236, 156 },
};
static const double jssc_processing_ms = 103.5, jssc_total_ms = 115.3, jssc_dram_mb = 15.4, jssc_power_mw = 278;

static double pct(double model, double ref)
{
    return 100 * (model / ref - 1);
}

static int compare_jssc(const char *arch_spec, const FsrAccelOptions *opt)
{
    FsrAccelArch arch;
    FsrAccelNet *net = NULL;
    if (fsr_accel_arch_get(&arch, arch_spec ? arch_spec : "eyeriss-v1") < 0 ||
        fsr_accel_net_open(&net, "alexnet", 0, 0) < 0)
        return fail(fsr_last_error());
    static const char *const obj[] = { "energy", "latency", "edp" };
    FsrAccelReport *rep = NULL;
    int ret = fsr_accel_eval_net(&rep, &arch, net, 4, opt);
    fsr_accel_net_close(&net);
    if (ret < 0)
        return fail(fsr_last_error());
    printf("%s vs Eyeriss v1 (JSSC 2017, Table V): AlexNet CONV1-5, batch 4, objective %s%s\n", arch.name,
           obj[opt->objective], opt->shape_only ? ", shape only (zeros ignored)" : ", the paper's measured zeros");
    printf("| layer | active PEs model / chip | processing ms model / chip | total ms model / chip | "
           "DRAM MB model / chip | power mW model / chip | model mapping |\n");
    printf("|---|---|---|---|---|---|---|\n");
    double proc = 0;
    for (int i = 0; i < rep->n_layers; i++) {
        const FsrAccelResult *r = &rep->layers[i];
        const FsrAccelMapping *m = &r->mapping;
        const double ms = r->compute_cycles / arch.clock_hz * 1e3, tot = r->latency_s * 1e3;
        const double mb = r->dram_bytes / 1e6;
        proc += ms;
        char power[48] = "n/a (relative energy)";
        if (r->power_mw > 0)
            snprintf(power, sizeof(power), "%.0f / %.0f (%+.1f%%)", r->power_mw, jssc[i].power_mw,
                     pct(r->power_mw, jssc[i].power_mw));
        printf("| %s | %d / %d | %.1f / %.1f (%+.1f%%) | %.1f / %.1f (%+.1f%%) | %.2f / %.1f (%+.1f%%) | %s | "
               "e=%d n=%d p=%d q=%d r=%d t=%d m=%d%s |\n",
               r->name, r->active_pes, jssc[i].active_pes, ms, jssc[i].processing_ms, pct(ms, jssc[i].processing_ms),
               tot, jssc[i].total_ms, pct(tot, jssc[i].total_ms), mb, jssc[i].dram_mb, pct(mb, jssc[i].dram_mb),
               power, m->e, m->n, m->p, m->q, m->r, m->t, m->m, m->q_tiles > 1 ? " (column tiles)" : "");
    }
    const double total = rep->total.latency_s * 1e3, dram = rep->total.dram_bytes / 1e6;
    char power[48] = "n/a";
    if (rep->total.power_mw > 0)
        snprintf(power, sizeof(power), "%.0f / %.0f (%+.1f%%)", rep->total.power_mw, jssc_power_mw,
                 pct(rep->total.power_mw, jssc_power_mw));
    printf("| total | | %.1f / %.1f (%+.1f%%) | %.1f / %.1f (%+.1f%%) | %.2f / %.1f (%+.1f%%) | %s | |\n", proc,
           jssc_processing_ms, pct(proc, jssc_processing_ms), total, jssc_total_ms, pct(total, jssc_total_ms), dram,
           jssc_dram_mb, pct(dram, jssc_dram_mb), power);
    fsr_accel_report_close(&rep);
    return 0;
}

/* Fits eyeriss-v1's energy scale and static power to the chip's per-layer
 * power, from the 1 : 1 : 2 : 6 : 200 ratios (MAC, RF, array, GLB, DRAM). */
static int calibrate_jssc(const FsrAccelOptions *opt)
{
    FsrAccelArch arch;
    FsrAccelNet *net = NULL;
    if (fsr_accel_arch_get(&arch, "eyeriss-v1") < 0 || fsr_accel_net_open(&net, "alexnet", 0, 0) < 0)
        return fail(fsr_last_error());
    arch.e_mac = 1;
    arch.e_level[FSR_ACCEL_RF] = 1;
    arch.e_level[FSR_ACCEL_ARRAY] = 2;
    arch.e_level[FSR_ACCEL_GLB] = 6;
    arch.e_level[FSR_ACCEL_DRAM] = 200;
    arch.static_mw = 0;
    double power[5], rms = 0;
    for (int i = 0; i < 5; i++)
        power[i] = jssc[i].power_mw;
    int ret = fsr_accel_fit_power(&arch, net, 4, power, opt, &rms);
    fsr_accel_net_close(&net);
    if (ret < 0)
        return fail(fsr_last_error());
    printf("fit to JSSC 2017 Table V power (CONV1-5, batch 4): MAC = RF = %.4f pJ, array %.4f, GLB %.4f, "
           "DRAM %.3f pJ per 16-bit word (%.3f pJ/bit), static %.1f mW; rms error %.1f%%\n",
           arch.e_mac, arch.e_level[FSR_ACCEL_ARRAY], arch.e_level[FSR_ACCEL_GLB], arch.e_level[FSR_ACCEL_DRAM],
           arch.e_level[FSR_ACCEL_DRAM] / arch.word_bits, arch.static_mw, 100 * rms);
    return 0;
}

/* The metrics sheet of Sze et al. (Proc. IEEE 2017, Sec. VIII): what a
 * hardware result should state, each figure marked as simulated (this
 * model), measured (on real data or a real chip) or published. */
static void print_sheet(const FsrAccelArch *a, const FsrAccelNet *net, const FsrAccelReport *rep,
                        const FsrAccelOptions *opt, int w, int h)
{
    const FsrAccelResult *t = &rep->total;
    const int n = rep->batch, v1 = !strncmp(a->name, "eyeriss-v1", 10);
    const double frame_s = t->latency_s / n;
    int zeros = 0;
    for (int i = 0; i < net->n_layers; i++)
        zeros |= net->layers[i].ifmap_zeros > 0 || net->layers[i].ofmap_zeros > 0;
    const double onchip_kb = (a->glb_bytes + (double)a->pe_rows * a->pe_cols *
                                                 (a->rf_ifmap + a->rf_filter + a->rf_psum) * a->word_bits / 8) / 1024;
    printf("Metrics sheet (Sze et al., Proc. IEEE 2017): %s on %s\n", rep->net, rep->arch);
    printf("| metric | value | kind | source |\n| --- | --- | --- | --- |\n");
    printf("| model | %s, %d layers, %.1f MMACs per frame", rep->net, rep->n_layers, t->macs / 1e6 / n);
    if (w > 0 && h > 0 && strcmp(rep->net, "alexnet") && strcmp(rep->net, "vgg16"))
        printf(" at %dx%d", w, h);
    printf(" | simulated | layer shapes |\n");
    printf("| accuracy (PSNR on a named data set) | not measured by fastsr-accel | not known | "
           "`fastsr-bench --images DIR --backends accel16` measures PSNR-Y in this datapath |\n");
    printf("| bits per weight / activation | %d / %d (accumulator %d) | simulated | architecture %s |\n",
           a->word_bits, a->word_bits, a->acc_bits, a->name);
    printf("| batch size | %d | simulated | --batch |\n", n);
    printf("| runtime per frame | %.3f ms (%.1f fps; processing %.3f ms) | simulated | this model |\n", frame_s * 1e3,
           1 / frame_s, t->compute_cycles / a->clock_hz / n * 1e3);
    if (t->power_mw > 0) {
        printf("| power (on chip, average) | %.0f mW | simulated | energies fitted to the measured Eyeriss v1 power "
               "(JSSC 2017 Table V) |\n", t->power_mw);
        printf("| energy per frame | %.4g J (on chip %.4g J, DRAM %.4g J) | simulated | this model, DRAM at %.0f pJ "
               "per %d-bit word |\n", t->energy_total * 1e-12 / n, t->energy_onchip * 1e-12 / n,
               t->energy_level[FSR_ACCEL_DRAM] * 1e-12 / n, a->e_level[FSR_ACCEL_DRAM], a->word_bits);
    } else {
        printf("| power (on chip, average) | not known (relative energy units) | not known | architecture gives no pJ |\n");
        printf("| energy per frame | %.4g %s | simulated | this model |\n", t->energy_total / n, rep->energy_unit);
    }
    printf("| off-chip (DRAM) bytes per frame | %.0f | simulated | this model%s |\n", (double)t->dram_bytes / n,
           a->rlc && zeros && !opt->shape_only ? ", run-length coded" : ", raw words");
    if (opt->shape_only || !zeros)
        printf("| frames tested | none: shapes only | simulated | analytical model, no data |\n");
    else if (!strcmp(rep->net, "alexnet"))
        printf("| frames tested | the chip's (zeros per layer as measured in JSSC 2017 Table V) | measured | "
               "published sparsity |\n");
    else
        printf("| frames tested | zeros from the network file | measured | the file's ifmap_zeros / ofmap_zeros |\n");
    if (v1)
        printf("| process technology | 65 nm (TSMC 65 nm LP 1P9M) | published | JSSC 2017 Table IV |\n");
    else
        printf("| process technology | not known | not known | architecture file |\n");
    printf("| on-chip memory | %.1f kB (buffer %.1f kB + spads %d x %d words) | simulated | architecture %s |\n",
           onchip_kb, a->glb_bytes / 1024.0, a->pe_rows * a->pe_cols, a->rf_ifmap + a->rf_filter + a->rf_psum,
           a->name);
    printf("| multipliers | %d (%d-bit) | simulated | architecture %s |\n", a->pe_rows * a->pe_cols, a->word_bits,
           a->name);
    printf("| clock | %.0f MHz | simulated | architecture %s |\n", a->clock_hz / 1e6, a->name);
    if (v1)
        printf("| core area | 3.5 mm x 3.5 mm | published | JSSC 2017 Table IV (not modelled) |\n");
    else
        printf("| core area | not known | not known | not modelled |\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "arch", required_argument, 0, 'a' },      { "net", required_argument, 0, 'n' },
        { "input", required_argument, 0, 'i' },     { "batch", required_argument, 0, 'b' },
        { "objective", required_argument, 0, 'o' }, { "dataflow", required_argument, 0, 'd' },
        { "json", required_argument, 0, 'j' },      { "help", no_argument, 0, 'h' },
        { "compare-jssc", no_argument, 0, 'c' },   { "fast", required_argument, 0, 'f' },
        { "scale", required_argument, 0, 's' },     { "shape-only", no_argument, 0, 'z' },
        { "calibrate-jssc", no_argument, 0, 'k' },  { "sheet", no_argument, 0, 'S' },
        { 0, 0, 0, 0 },
    };
    const char *arch_spec = NULL, *net_spec = NULL, *json = NULL;
    int w = 1920, h = 1080, batch = 1, compare = 0, calibrate = 0, sheet = 0, key_interval = 0, scale = 2;
    FsrAccelOptions opt;
    fsr_accel_defaults(&opt);
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'a': arch_spec = optarg; break;
        case 'n': net_spec = optarg; break;
        case 'j': json = optarg; break;
        case 'i':
            if (sscanf(optarg, "%dx%d", &w, &h) != 2 || w < 1 || h < 1 || w > 65536 || h > 65536)
                return fail("--input wants WxH, e.g. 1920x1080");
            break;
        case 'b':
            errno = 0;
            batch = (int)strtol(optarg, &end, 10);
            if (errno || *end || batch < 1 || batch > 4096)
                return fail("--batch wants an integer 1..4096");
            break;
        case 'o':
            if (!strcmp(optarg, "energy")) opt.objective = FSR_ACCEL_MIN_ENERGY;
            else if (!strcmp(optarg, "latency")) opt.objective = FSR_ACCEL_MIN_LATENCY;
            else if (!strcmp(optarg, "edp")) opt.objective = FSR_ACCEL_MIN_EDP;
            else return fail("--objective wants energy, latency or edp");
            break;
        case 'd':
            if (!strcmp(optarg, "rs")) opt.dataflow = FSR_ACCEL_RS;
            else if (!strcmp(optarg, "ws")) opt.dataflow = FSR_ACCEL_WS;
            else if (!strcmp(optarg, "os")) opt.dataflow = FSR_ACCEL_OS;
            else return fail("--dataflow wants rs, ws or os");
            break;
        case 'h': usage(stdout); return 0;
        case 'c': compare = 1; break;
        case 'k': calibrate = 1; break;
        case 'S': sheet = 1; break;
        case 'z': opt.shape_only = 1; break;
        case 'f':
            errno = 0;
            key_interval = (int)strtol(optarg, &end, 10);
            if (errno || *end || key_interval < 1 || key_interval > 100000)
                return fail("--fast wants the key-frame interval, an integer >= 1");
            break;
        case 's':
            errno = 0;
            scale = (int)strtol(optarg, &end, 10);
            if (errno || *end || !fsr_scale_supported(scale))
                return fail("--scale wants 2, 3 or 4");
            break;
        default: {
            char msg[128];
            snprintf(msg, sizeof(msg), "unknown or incomplete option %s (see --help)", argv[optind - 1]);
            return fail(msg);
        }
        }
    }
    if (optind < argc)
        return fail("unexpected argument (see --help)");
    if (calibrate)
        return calibrate_jssc(&opt);
    if (compare)
        return compare_jssc(arch_spec, &opt);
    if (!arch_spec || !net_spec)
        return fail("--arch and --net are required (see --help)");
    FsrAccelArch arch;
    if (fsr_accel_arch_get(&arch, arch_spec) < 0)
        return fail(fsr_last_error());
    FsrAccelNet *net = NULL;
    if (fsr_accel_net_open(&net, net_spec, w, h) < 0)
        return fail(fsr_last_error());
    FsrAccelReport *rep = NULL;
    int ret = fsr_accel_eval_net(&rep, &arch, net, batch, &opt);
    if (ret < 0) {
        fsr_accel_net_close(&net);
        return fail(fsr_last_error());
    }
    if (sheet)
        print_sheet(&arch, net, rep, &opt, w, h);
    else if (!json || strcmp(json, "-"))
        fsr_accel_report_print(stdout, rep);
    fsr_accel_net_close(&net);
    if (key_interval) {
        /* FAST: one SR frame (batch 1) per K frames, the rest transferred. */
        FsrAccelTransferParams tp;
        fsr_accel_transfer_defaults(&tp, scale);
        FsrAccelFrameCost tc;
        if (fsr_accel_transfer_cost(&tc, &arch, &tp, w, h) < 0) {
            fsr_accel_report_close(&rep);
            return fail(fsr_last_error());
        }
        const double sr_s = rep->total.latency_s / batch, sr_e = rep->total.energy_total / batch;
        const double k = key_interval, fast_s = (sr_s + (k - 1) * tc.seconds) / k, fast_e = (sr_e + (k - 1) * tc.energy) / k;
        /* joules for architectures in pJ, the relative unit otherwise */
        const int pj = fsr_accel_joules(1, rep->energy_unit) >= 0;
        const double eu = pj ? 1e-12 : 1;
        const char *un = pj ? "J" : rep->energy_unit;
        printf("FAST at %dx%d, x%d, SR on 1 frame in %d (transfer defaults: %d-tap HR filter on %.0f%% of pixels, "
               "every block with a residual, P only):\n", w, h, scale, key_interval, tp.interp_taps, 100 * tp.frac_mv);
        printf("  SR frame:       %10.4f s  %12.4g %s (DRAM %.4g)  %12.0f DRAM bytes\n", sr_s, sr_e * eu, un,
               rep->total.energy_level[FSR_ACCEL_DRAM] / batch * eu, (double)rep->total.dram_bytes / batch);
        printf("  transfer frame: %10.6f s  %12.4g %s (DRAM %.4g)  %12lld DRAM bytes  (%lld MACs)\n", tc.seconds,
               tc.energy * eu, un, tc.dram_energy * eu, (long long)tc.dram_bytes, (long long)tc.macs);
        printf("  FAST average:   %10.4f s  %12.4g %s per frame (%.1fx less time, %.1fx less energy than SR on all; "
               "%.4g %s saved per frame)\n", fast_s, fast_e * eu, un, sr_s / fast_s, sr_e / fast_e, (sr_e - fast_e) * eu,
               un);
    }
    if (json && fsr_accel_report_write_json(rep, json) < 0) {
        fsr_accel_report_close(&rep);
        return fail(fsr_last_error());
    }
    fsr_accel_report_close(&rep);
    return 0;
}
