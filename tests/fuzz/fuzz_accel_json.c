/* Fuzz harness 4: the accelerator model's architecture and network JSON
 * (src/accel/accel_json.c), then what a file that parses is used for: an
 * architecture maps a tiny two-layer network, a network (within the
 * harness's budget) is mapped on Eyeriss v1, and each report is printed (to
 * /dev/null).
 *
 * Input: the text of a JSON file; both parsers read every input (the seeds
 * hold architectures and networks, mutations cross over between them). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel_internal.h"
#include "fastsr/accel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The harness's budget: the mapper searches longer on larger layers (an
 * AlexNet layer takes seconds under the sanitizers), so networks above it
 * are parsed and checked but not mapped. */
#define MAX_NET_MACS 2e7

static double net_macs(const FsrAccelNet *net)
{
    double macs = 0;
    for (int i = 0; i < net->n_layers; i++) {
        const FsrAccelLayer *l = &net->layers[i];
        if (l->groups < 1 || l->C % l->groups || l->M % l->groups || l->P < 1 || l->Q < 1)
            abort(); /* fsr_accel_layer_check lets no such layer through */
        macs += (double)(l->C / l->groups) * l->M * l->R * l->S * l->P * l->Q;
    }
    return macs;
}

static void evaluate(const FsrAccelArch *arch, const FsrAccelNet *net, FILE *sink)
{
    FsrAccelOptions opt;
    fsr_accel_defaults(&opt);
    FsrAccelReport *rep = NULL;
    if (fsr_accel_eval_net(&rep, arch, net, 1, &opt) < 0) {
        if (rep || !fsr_last_error()[0])
            abort(); /* a failure leaves no report and says why */
        if (getenv("FASTSR_FUZZ_VERBOSE"))
            printf("accel: no mapping: %s\n", fsr_last_error());
        return;
    }
    if (!rep || rep->n_layers != net->n_layers)
        abort();
    if (sink)
        fsr_accel_report_print(sink, rep);
    if (getenv("FASTSR_FUZZ_VERBOSE"))
        printf("accel: %s on %s: %d layers, %lld cycles\n", rep->net, rep->arch, rep->n_layers,
               (long long)rep->total.cycles);
    fsr_accel_report_close(&rep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    static FILE *sink;
    if (!init) {
        fsr_set_log_level(-1);
        sink = fopen("/dev/null", "w");
        init = 1;
    }
    if (size > (1 << 20))
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;

    FsrAccelArch arch;
    memset(&arch, 0, sizeof(arch));
    if (fsr_accel_arch_parse(&arch, text, "fuzz.json") == 0) {
        if (fsr_accel_arch_check(&arch) < 0)
            abort(); /* what parses is a valid architecture */
        /* small: the free set rule searches much longer than Eyeriss' */
        static const char tiny[] = "{\"name\": \"tiny\", \"layers\": ["
                                   "{\"name\": \"c1\", \"type\": \"conv\", \"C\": 1, \"M\": 4, \"H\": 12, \"W\": 8, "
                                   "\"R\": 5, \"S\": 5, \"pad\": 2},"
                                   "{\"name\": \"c2\", \"type\": \"conv\", \"C\": 4, \"M\": 1, \"H\": 12, \"W\": 8, "
                                   "\"R\": 3, \"S\": 3, \"pad\": 1}]}";
        FsrAccelNet *net = NULL;
        if (fsr_accel_net_parse(&net, tiny, "tiny") < 0)
            abort();
        evaluate(&arch, net, sink);
        fsr_accel_net_close(&net);
    }

    FsrAccelNet *net = NULL;
    if (fsr_accel_net_parse(&net, text, "fuzz.json") == 0) {
        if (!net || net->n_layers < 1)
            abort();
        FsrAccelArch eyeriss;
        if (fsr_accel_arch_get(&eyeriss, "eyeriss-v1") < 0)
            abort();
        if (net_macs(net) <= MAX_NET_MACS)
            evaluate(&eyeriss, net, sink);
        fsr_accel_net_close(&net);
    } else if (net) {
        abort(); /* a refusal leaves no network */
    }
    free(text);
    return 0;
}
