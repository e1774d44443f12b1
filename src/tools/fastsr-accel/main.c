/* fastsr-accel: runs a network through the accelerator model and prints the
 * per-layer table and totals (and, with --json, the machine-readable report). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/accel.h"

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
            "  --compare-jssc     Eyeriss v1 / AlexNet batch 4 against the JSSC 2017 paper (model-vs-paper table)\n"
            "  --fast K           FAST cost per frame: SR of NET on one frame in K, transfer on the others\n"
            "  --scale S          SR factor for the transfer model (2..4, default 2)\n"
            "  --help\n");
}

static int fail(const char *msg)
{
    fprintf(stderr, "fastsr-accel: %s\n", msg);
    return 1;
}

/* Published Eyeriss v1 figures (Chen et al., JSSC 2017): AlexNet CONV1-5,
 * batch 4, 200 MHz.  Reference data for the comparison, not model inputs. */
static const struct {
    const char *layer;
    double mmacs, latency_ms;
    int active_pes;
} jssc[5] = {
    { "CONV1", 421.7, 16.5, 154 }, { "CONV2", 895.8, 39.2, 135 }, { "CONV3", 598.1, 21.8, 156 },
    { "CONV4", 448.6, 16.0, 156 }, { "CONV5", 299.0, 10.0, 156 },
};
static const double jssc_processing_ms = 103.5, jssc_total_ms = 115.3, jssc_dram_mb = 15.4;

static int compare_jssc(const FsrAccelOptions *opt)
{
    FsrAccelArch arch;
    fsr_accel_arch_eyeriss_v1(&arch);
    FsrAccelNet *net = NULL;
    if (fsr_accel_net_builtin(&net, "alexnet", 0, 0) < 0)
        return fail(fsr_last_error());
    static const char *const obj[] = { "energy", "latency", "edp" };
    FsrAccelReport *rep = NULL;
    int ret = fsr_accel_eval_net(&rep, &arch, net, 4, opt);
    fsr_accel_net_close(&net);
    if (ret < 0)
        return fail(fsr_last_error());
    printf("Eyeriss v1 (JSSC 2017) vs model: AlexNet CONV1-5, batch 4, objective %s\n", obj[opt->objective]);
    printf("| layer | MMACs | active PEs model / paper | processing ms model / paper (diff) | model DRAM MB | model mapping |\n");
    printf("|---|---|---|---|---|---|\n");
    double proc = 0;
    for (int i = 0; i < rep->n_layers; i++) {
        const FsrAccelResult *r = &rep->layers[i];
        const FsrAccelMapping *m = &r->mapping;
        const double ms = r->compute_cycles / arch.clock_hz * 1e3;
        proc += ms;
        printf("| %s | %.1f | %d / %d | %.1f / %.1f (%+.1f%%) | %.2f | e=%d n=%d p=%d q=%d r=%d t=%d m=%d%s |\n",
               r->name, r->macs / 1e6, r->active_pes, jssc[i].active_pes, ms, jssc[i].latency_ms,
               100 * (ms / jssc[i].latency_ms - 1), r->dram_bytes / 1e6, m->e, m->n, m->p, m->q, m->r, m->t, m->m,
               m->q_tiles > 1 ? " (column tiles)" : "");
    }
    const double total = rep->total.latency_s * 1e3, dram = rep->total.dram_bytes / 1e6;
    printf("| processing, sum | %.1f | | %.1f / %.1f (%+.1f%%) | | |\n", rep->total.macs / 1e6, proc,
           jssc_processing_ms, 100 * (proc / jssc_processing_ms - 1));
    printf("| total latency (processing + DRAM, no overlap) | | | %.1f / %.1f (%+.1f%%) | | |\n", total, jssc_total_ms,
           100 * (total / jssc_total_ms - 1));
    printf("| DRAM traffic per batch, MB (model: uncompressed words) | | | | %.1f / %.1f (%+.1f%%) | |\n", dram,
           jssc_dram_mb, 100 * (dram / jssc_dram_mb - 1));
    fsr_accel_report_close(&rep);
    return 0;
}


int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "arch", required_argument, 0, 'a' },      { "net", required_argument, 0, 'n' },
        { "input", required_argument, 0, 'i' },     { "batch", required_argument, 0, 'b' },
        { "objective", required_argument, 0, 'o' }, { "dataflow", required_argument, 0, 'd' },
        { "json", required_argument, 0, 'j' },      { "help", no_argument, 0, 'h' },
        { "compare-jssc", no_argument, 0, 'c' },   { "fast", required_argument, 0, 'f' },
        { "scale", required_argument, 0, 's' },
        { 0, 0, 0, 0 },
    };
    const char *arch_spec = NULL, *net_spec = NULL, *json = NULL;
    int w = 1920, h = 1080, batch = 1, compare = 0, key_interval = 0, scale = 2;
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
        case 'f':
            errno = 0;
            key_interval = (int)strtol(optarg, &end, 10);
            if (errno || *end || key_interval < 1 || key_interval > 100000)
                return fail("--fast wants the key-frame interval, an integer >= 1");
            break;
        case 's':
            errno = 0;
            scale = (int)strtol(optarg, &end, 10);
            if (errno || *end || scale < 2 || scale > 4)
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
    if (compare)
        return compare_jssc(&opt);
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
    fsr_accel_net_close(&net);
    if (ret < 0)
        return fail(fsr_last_error());
    if (!json || strcmp(json, "-"))
        fsr_accel_report_print(stdout, rep);
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
        const double k = key_interval;
        printf("FAST at %dx%d, x%d, SR on 1 frame in %d (transfer defaults: %d-tap HR filter on %.0f%% of pixels, "
               "every block with a residual, P only):\n", w, h, scale, key_interval, tp.interp_taps, 100 * tp.frac_mv);
        printf("  SR frame:       %10.4f s  %14.4g %s  %12.0f DRAM bytes\n", sr_s, sr_e, rep->energy_unit,
               (double)rep->total.dram_bytes / batch);
        printf("  transfer frame: %10.6f s  %14.4g %s  %12lld DRAM bytes  (%lld MACs)\n", tc.seconds, tc.energy,
               tc.energy_unit, (long long)tc.dram_bytes, (long long)tc.macs);
        printf("  FAST average:   %10.4f s  %14.4g %s  per frame (%.1fx less time, %.1fx less energy than SR on all)\n",
               (sr_s + (k - 1) * tc.seconds) / k, (sr_e + (k - 1) * tc.energy) / k, rep->energy_unit,
               sr_s / ((sr_s + (k - 1) * tc.seconds) / k), sr_e / ((sr_e + (k - 1) * tc.energy) / k));
    }
    if (json && fsr_accel_report_write_json(rep, json) < 0) {
        fsr_accel_report_close(&rep);
        return fail(fsr_last_error());
    }
    fsr_accel_report_close(&rep);
    return 0;
}
