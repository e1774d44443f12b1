/* The metrics sheet of Sze et al. (Proc. IEEE 2017, Sec. VIII): the figures a
 * hardware result should state, each marked simulated (this model),
 * measured (real data) or published (the chip's paper).  One filler for
 * fastsr-accel --sheet and fastsr-bench --hr --json. */
#include "accel_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "log.h"

void fsr_accel_sheet_run_defaults(FsrAccelSheetRun *run)
{
    memset(run, 0, sizeof(*run));
    run->seconds_per_frame = -1;
    run->energy_per_frame = -1;
    run->dram_energy_per_frame = -1;
    run->dram_bytes_per_frame = -1;
    run->psnr_db = NAN;
}

const char *fsr_accel_sheet_kind_name(int kind)
{
    switch (kind) {
    case FSR_ACCEL_SIMULATED: return "simulated";
    case FSR_ACCEL_MEASURED: return "measured";
    case FSR_ACCEL_PUBLISHED: return "published";
    default: return "not known";
    }
}

/* Appends a row: value (NAN for text or unknown), unit, kind, the text as
 * people read it (printf-style) and the source. */
static void add(FsrAccelSheet *s, const char *key, const char *metric, double value, const char *unit, int kind,
                const char *source, const char *fmt, ...) __attribute__((format(printf, 8, 9)));
static void add(FsrAccelSheet *s, const char *key, const char *metric, double value, const char *unit, int kind,
                const char *source, const char *fmt, ...)
{
    if (s->n_items >= FSR_ACCEL_SHEET_ITEMS) /* fill adds fewer rows than that */
        return;
    FsrAccelSheetItem *it = &s->items[s->n_items++];
    it->key = key;
    it->metric = metric;
    it->value = value;
    snprintf(it->unit, sizeof(it->unit), "%s", unit ? unit : "");
    it->kind = kind;
    snprintf(it->source, sizeof(it->source), "%s", source ? source : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->text, sizeof(it->text), fmt, ap);
    va_end(ap);
}

static int is_image_net(const char *name)
{
    return strcmp(name, "alexnet") && strcmp(name, "vgg16");
}

int fsr_accel_sheet_fill(FsrAccelSheet *s, const FsrAccelArch *a, const FsrAccelNet *net,
                         const FsrAccelReport *rep, const FsrAccelOptions *opt, const FsrAccelSheetRun *run_in)
{
    if (!s || !a || !net || !rep || !opt || rep->batch < 1)
        return fsr_error(FSR_ERR(EINVAL), "metrics sheet: missing architecture, network or report");
    FsrAccelSheetRun run;
    if (run_in)
        run = *run_in;
    else
        fsr_accel_sheet_run_defaults(&run);
    memset(s, 0, sizeof(*s));
    snprintf(s->arch, sizeof(s->arch), "%s", rep->arch);
    snprintf(s->net, sizeof(s->net), "%s", rep->net);
    const FsrAccelResult *t = &rep->total;
    const int n = rep->batch, pj = fsr_accel_joules(1, rep->energy_unit) >= 0;
    char arch_src[96];
    snprintf(arch_src, sizeof(arch_src), "architecture %s", a->name);

    /* the run's figures: its own (FAST) or the network's per frame */
    const double frame_s = run.seconds_per_frame >= 0 ? run.seconds_per_frame : t->latency_s / n;
    const double energy = run.energy_per_frame >= 0 ? run.energy_per_frame : t->energy_total / n;
    const double dram_e = run.dram_energy_per_frame >= 0 ? run.dram_energy_per_frame
                                                         : t->energy_level[FSR_ACCEL_DRAM] / n;
    const double dram_b = run.dram_bytes_per_frame >= 0 ? run.dram_bytes_per_frame : (double)t->dram_bytes / n;
    int zeros = 0;
    for (int i = 0; i < net->n_layers; i++)
        zeros |= net->layers[i].ifmap_zeros > 0 || net->layers[i].ofmap_zeros > 0;
    const int zeros_used = zeros && !opt->shape_only && (a->rlc || a->zero_gating);

    char size[32] = "";
    if (run.w > 0 && run.h > 0 && is_image_net(rep->net))
        snprintf(size, sizeof(size), " at %dx%d", run.w, run.h);
    add(s, "model", "model", NAN, NULL, FSR_ACCEL_SIMULATED, "layer shapes", "%s, %d layers, %.1f MMACs per %sframe%s%s%s",
        rep->net, rep->n_layers, t->macs / 1e6 / n, run.what ? "SR " : "", size, run.what ? "; " : "", run.what ? run.what : "");

    if (!isnan(run.psnr_db))
        add(s, "accuracy", "accuracy (PSNR-Y on a named data set)", run.psnr_db, "dB", FSR_ACCEL_MEASURED,
            run.psnr_source ? run.psnr_source : "", "%.3f dB on %s", run.psnr_db, run.psnr_on ? run.psnr_on : "?");
    else
        add(s, "accuracy", "accuracy (PSNR-Y on a named data set)", NAN, "dB", FSR_ACCEL_NOT_KNOWN,
            "`fastsr-bench --hr REF --json OUT` (the run's frames) or `--images DIR --backends accel16` (this "
            "datapath) measure PSNR-Y",
            "not measured here");
    char bits_src[128];
    snprintf(bits_src, sizeof(bits_src), "architecture %s (accumulator %d bits)", a->name, a->acc_bits);
    add(s, "bits_per_weight", "bits per weight", a->word_bits, "bits", FSR_ACCEL_SIMULATED, bits_src, "%d",
        a->word_bits);
    add(s, "bits_per_activation", "bits per activation", a->word_bits, "bits", FSR_ACCEL_SIMULATED, bits_src, "%d",
        a->word_bits);
    add(s, "batch_size", "batch size", n, "frames", FSR_ACCEL_SIMULATED,
        run.frames > 0 ? "the run prices its frames one at a time" : "--batch", "%d", n);
    if (run.seconds_per_frame >= 0)
        add(s, "runtime_per_frame", "runtime per frame", frame_s, "s", FSR_ACCEL_SIMULATED, "this model, the run's average",
            "%.4g ms (%.1f fps)", frame_s * 1e3, 1 / frame_s);
    else
        add(s, "runtime_per_frame", "runtime per frame", frame_s, "s", FSR_ACCEL_SIMULATED, "this model",
            "%.4g ms (%.1f fps; processing %.4g ms)", frame_s * 1e3, 1 / frame_s,
            t->compute_cycles / a->clock_hz / n * 1e3);
    if (pj && frame_s > 0) {
        const double mw = (energy - dram_e) * 1e-12 / frame_s * 1e3;
        char src[192];
        snprintf(src, sizeof(src), "this model; %s", a->energy_source[0] ? a->energy_source : "the architecture's pJ");
        add(s, "power", "power (on chip, average)", mw, "mW", FSR_ACCEL_SIMULATED, src, "%.0f mW", mw);
        snprintf(src, sizeof(src), "this model, DRAM at %.4g pJ per %d-bit word", a->e_level[FSR_ACCEL_DRAM],
                 a->word_bits);
        add(s, "energy_per_frame", "energy per frame", energy * 1e-12, "J", FSR_ACCEL_SIMULATED, src,
            "%.4g J (on chip %.4g J, DRAM %.4g J)", energy * 1e-12, (energy - dram_e) * 1e-12, dram_e * 1e-12);
    } else {
        add(s, "power", "power (on chip, average)", NAN, "mW", FSR_ACCEL_NOT_KNOWN, "the architecture gives no pJ",
            "not known (relative energy units)");
        add(s, "energy_per_frame", "energy per frame", energy, rep->energy_unit, FSR_ACCEL_SIMULATED, "this model",
            "%.4g %s (DRAM %.4g)", energy, rep->energy_unit, dram_e);
    }
    add(s, "offchip_bytes_per_frame", "off-chip (DRAM) bytes per frame", dram_b, "bytes", FSR_ACCEL_SIMULATED,
        a->rlc && zeros_used ? "this model, activations run-length coded" : "this model, raw words", "%.0f", dram_b);

    if (run.frames > 0) {
        char src[192];
        if (zeros_used && run.zeros_frames > 0)
            snprintf(src, sizeof(src), "PSNR on every frame; activation zeros sampled on %d SR frames",
                     run.zeros_frames);
        else
            snprintf(src, sizeof(src), "PSNR on every frame; costs from the layer shapes (no zeros used)");
        add(s, "frames_tested", "frames tested", run.frames, "frames", FSR_ACCEL_MEASURED, src, "%d frames of %s",
            run.frames, run.psnr_on ? run.psnr_on : "the input");
    } else if (!zeros_used) {
        add(s, "frames_tested", "frames tested", 0, "frames", FSR_ACCEL_SIMULATED, "analytical model, no data",
            "none: shapes only");
    } else if (!strcmp(rep->net, "alexnet")) {
        add(s, "frames_tested", "frames tested", NAN, "frames", FSR_ACCEL_MEASURED, "published sparsity",
            "the chip's (zeros per layer as measured in JSSC 2017 Table V)");
    } else {
        add(s, "frames_tested", "frames tested", NAN, "frames", FSR_ACCEL_MEASURED,
            "the file's ifmap_zeros / ofmap_zeros", "zeros from the network file");
    }

    if (a->process[0])
        add(s, "process_technology", "process technology", NAN, NULL, FSR_ACCEL_PUBLISHED, a->source, "%s", a->process);
    else
        add(s, "process_technology", "process technology", NAN, NULL, FSR_ACCEL_NOT_KNOWN, arch_src, "not known");
    const double spad_bytes =
        (double)a->pe_rows * a->pe_cols * (a->rf_ifmap + a->rf_filter + a->rf_psum) * a->word_bits / 8;
    add(s, "onchip_memory", "on-chip memory", (a->glb_bytes + spad_bytes) / 1024, "kB", FSR_ACCEL_SIMULATED, arch_src,
        "%.1f kB (buffer %.1f kB + spads %d x %d words)", (a->glb_bytes + spad_bytes) / 1024, a->glb_bytes / 1024.0,
        a->pe_rows * a->pe_cols, a->rf_ifmap + a->rf_filter + a->rf_psum);
    add(s, "multipliers", "multipliers", a->pe_rows * a->pe_cols, NULL, FSR_ACCEL_SIMULATED, arch_src, "%d (%d-bit)",
        a->pe_rows * a->pe_cols, a->word_bits);
    add(s, "clock", "clock", a->clock_hz / 1e6, "MHz", FSR_ACCEL_SIMULATED, arch_src, "%.0f MHz", a->clock_hz / 1e6);
    if (a->core_area_mm2 > 0) {
        char src[128];
        snprintf(src, sizeof(src), "%s (not modelled)", a->source);
        add(s, "core_area", "core area", a->core_area_mm2, "mm2", FSR_ACCEL_PUBLISHED, src, "%.2f mm2",
            a->core_area_mm2);
    } else {
        add(s, "core_area", "core area", NAN, "mm2", FSR_ACCEL_NOT_KNOWN, "not modelled", "not known");
    }
    return 0;
}

void fsr_accel_sheet_print(FILE *f, const FsrAccelSheet *s)
{
    fprintf(f, "Metrics sheet (Sze et al., Proc. IEEE 2017): %s on %s\n", s->net, s->arch);
    fprintf(f, "| metric | value | kind | source |\n| --- | --- | --- | --- |\n");
    for (int i = 0; i < s->n_items; i++) {
        const FsrAccelSheetItem *it = &s->items[i];
        fprintf(f, "| %s | %s | %s | %s |\n", it->metric, it->text, fsr_accel_sheet_kind_name(it->kind), it->source);
    }
}

char *fsr_accel_sheet_json(const FsrAccelSheet *s)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    int ok = cJSON_AddStringToObject(o, "standard", "Sze et al., Proc. IEEE 2017, Sec. VIII") &&
             cJSON_AddStringToObject(o, "arch", s->arch) && cJSON_AddStringToObject(o, "net", s->net);
    for (int i = 0; ok && i < s->n_items; i++) {
        const FsrAccelSheetItem *it = &s->items[i];
        cJSON *j = cJSON_AddObjectToObject(o, it->key);
        ok = j != NULL;
        if (!ok)
            break;
        if (!isnan(it->value))
            ok = cJSON_AddNumberToObject(j, "value", it->value) != NULL;
        else if (it->kind != FSR_ACCEL_NOT_KNOWN)
            ok = cJSON_AddStringToObject(j, "value", it->text) != NULL;
        else
            ok = cJSON_AddNullToObject(j, "value") != NULL;
        ok = ok && (!it->unit[0] || cJSON_AddStringToObject(j, "unit", it->unit)) &&
             cJSON_AddStringToObject(j, "text", it->text) &&
             cJSON_AddStringToObject(j, "kind", fsr_accel_sheet_kind_name(it->kind)) &&
             cJSON_AddStringToObject(j, "source", it->source);
    }
    char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return text;
}
