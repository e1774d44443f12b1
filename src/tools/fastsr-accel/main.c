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
            "usage: fastsr-accel --arch eyeriss-v1|ARCH.json --net NET [options]\n"
            "  NET: alexnet | vgg16 | srcnn-9-5-5 | srcnn-9-3-5 | srcnn-9-1-5 | MODEL.safetensors | NET.json\n"
            "  --input WxH        SR input (HR) size for SRCNN and model files (default 1920x1080)\n"
            "  --batch N          images per batch (default 1)\n"
            "  --objective energy|latency|edp   what the mapper minimises (default energy)\n"
            "  --dataflow rs|ws|os  override the architecture's dataflow\n"
            "  --json OUT         also write the report as JSON (\"-\" for stdout)\n"
            "  --help\n");
}

static int fail(const char *msg)
{
    fprintf(stderr, "fastsr-accel: %s\n", msg);
    return 1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "arch", required_argument, 0, 'a' },      { "net", required_argument, 0, 'n' },
        { "input", required_argument, 0, 'i' },     { "batch", required_argument, 0, 'b' },
        { "objective", required_argument, 0, 'o' }, { "dataflow", required_argument, 0, 'd' },
        { "json", required_argument, 0, 'j' },      { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    const char *arch_spec = NULL, *net_spec = NULL, *json = NULL;
    int w = 1920, h = 1080, batch = 1;
    FsrAccelOptions opt;
    fsr_accel_default_options(&opt);
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
        default: {
            char msg[128];
            snprintf(msg, sizeof(msg), "unknown or incomplete option %s (see --help)", argv[optind - 1]);
            return fail(msg);
        }
        }
    }
    if (optind < argc)
        return fail("unexpected argument (see --help)");
    if (!arch_spec || !net_spec)
        return fail("--arch and --net are required (see --help)");
    FsrAccelArch arch;
    if (fsr_accel_arch_get(&arch, arch_spec) < 0)
        return fail(fsr_last_error());
    FsrAccelNet *net = NULL;
    if (fsr_accel_net_get(&net, net_spec, w, h) < 0)
        return fail(fsr_last_error());
    FsrAccelReport *rep = NULL;
    int ret = fsr_accel_eval_net(&rep, &arch, net, batch, &opt);
    fsr_accel_net_free(&net);
    if (ret < 0)
        return fail(fsr_last_error());
    if (!json || strcmp(json, "-"))
        fsr_accel_report_print(stdout, rep);
    if (json && fsr_accel_report_write_json(rep, json) < 0) {
        fsr_accel_report_free(&rep);
        return fail(fsr_last_error());
    }
    fsr_accel_report_free(&rep);
    return 0;
}
