/* Accelerator model files: architecture and network JSON, the built-in
 * networks, networks from SR models, and the --json report. */
#include "accel_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "conv.h"
#include "log.h"

/* Puts prefix before the error recorded by a callee (copied first: the
 * record is the buffer fsr_error writes). */
static int prefix_error(int err, const char *prefix)
{
    char why[768];
    snprintf(why, sizeof(why), "%s", fsr_last_error());
    return fsr_error(err, "%s: %s", prefix, why);
}

static char *read_text(const char *path, const char *what)
{
    (void)what;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fsr_error(FSR_ERR(errno ? errno : ENOENT), "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 65536;
            if (cap > (64u << 20)) {
                fsr_error(FSR_ERR(EFBIG), "%s: file too large for a description", path);
                goto fail;
            }
            char *nb = realloc(buf, cap);
            if (!nb) {
                fsr_error(FSR_ERR(ENOMEM), "%s: out of memory", path);
                goto fail;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, 4096, f);
        n += got;
        if (got < 4096)
            break;
    }
    if (ferror(f)) {
        fsr_error(FSR_ERR(EIO), "%s: read error", path);
        goto fail;
    }
    fclose(f);
    buf[n] = 0;
    return buf;
fail:
    fclose(f);
    free(buf);
    return NULL;
}

static int json_error(const char *json, const char *what)
{
    const char *at = cJSON_GetErrorPtr();
    int line = 1;
    if (at && json)
        for (const char *p = json; p < at && *p; p++)
            line += *p == '\n';
    return fsr_error(FSR_ERR_INVALIDDATA, "%s: invalid JSON near line %d", what, line);
}

/* Reads an integer key; missing is an error when required. */
static int get_int(const cJSON *obj, const char *key, int required, int64_t lo, int64_t hi, int64_t *out,
                   const char *what)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!it) {
        if (required)
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: missing key \"%s\"", what, key);
        return 0;
    }
    if (!cJSON_IsNumber(it) || it->valuedouble != floor(it->valuedouble))
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: \"%s\" must be an integer", what, key);
    if (it->valuedouble < (double)lo || it->valuedouble > (double)hi)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: \"%s\" = %.0f outside %lld..%lld", what, key, it->valuedouble,
                         (long long)lo, (long long)hi);
    *out = (int64_t)it->valuedouble;
    return 1;
}

static int get_num(const cJSON *obj, const char *key, int required, double lo, double *out, const char *what)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!it) {
        if (required)
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: missing key \"%s\"", what, key);
        return 0;
    }
    if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) || it->valuedouble < lo)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: \"%s\" must be a number >= %g", what, key, lo);
    *out = it->valuedouble;
    return 1;
}

static int get_bool(const cJSON *obj, const char *key, int *out, const char *what)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!it)
        return 0;
    if (!cJSON_IsBool(it))
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: \"%s\" must be true or false", what, key);
    *out = cJSON_IsTrue(it);
    return 1;
}

/* A string key that must be one of names[]; stores its index. */
static int get_enum(const cJSON *obj, const char *key, const char *const *names, int count, int *out,
                    const char *what)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!it)
        return 0;
    if (cJSON_IsString(it))
        for (int i = 0; i < count; i++)
            if (!strcmp(it->valuestring, names[i])) {
                *out = i;
                return 1;
            }
    char list[128] = "";
    for (int i = 0; i < count; i++)
        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s\"%s\"", i ? ", " : "", names[i]);
    return fsr_error(FSR_ERR_INVALIDDATA, "%s: \"%s\" must be one of %s", what, key, list);
}

static const char *const datatype_names[] = { "ifmap", "filter", "psum" };
static const char *const level_names[] = { "dram", "glb", "array", "rf" };

/* get_int into an int field: the field changes only when the key is there. */
static int set_int(const cJSON *obj, const char *key, int required, int64_t lo, int64_t hi, int *field,
                   const char *what)
{
    int64_t v = 0;
    const int ret = get_int(obj, key, required, lo, hi, &v, what);
    if (ret > 0)
        *field = (int)v;
    return ret;
}

/* The starting point and the name.  "base" starts from a built-in
 * architecture, so a file may change just a few parameters; without it
 * *required is set: every size must be given. */
static int arch_parse_base(FsrAccelArch *a, const cJSON *root, int *required, const char *what)
{
    const cJSON *base = cJSON_GetObjectItemCaseSensitive(root, "base");
    *required = !base;
    if (base) {
        if (!cJSON_IsString(base) ||
            (strcmp(base->valuestring, "eyeriss-v1") && strcmp(base->valuestring, "eyeriss-v1-tiled")))
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: \"base\" must be \"eyeriss-v1\" or \"eyeriss-v1-tiled\"",
                             what);
        fsr_accel_arch_get(a, base->valuestring);
    } else {
        /* Defaults that are not sizes: no overlap, no filter buffering... as
         * Eyeriss v1; the sizes are required. */
        fsr_accel_arch_eyeriss_v1(a);
    }
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    if (name && !cJSON_IsString(name))
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: \"name\" must be a string", what);
    if (!name && *required)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: missing key \"name\"", what);
    if (name)
        snprintf(a->name, sizeof(a->name), "%s", name->valuestring);
    return 0;
}

/* The array, the buffers and the word sizes. */
static int arch_parse_sizes(FsrAccelArch *a, const cJSON *root, int req, const char *what)
{
    int ret;
    if ((ret = set_int(root, "pe_rows", req, 1, 4096, &a->pe_rows, what)) < 0 ||
        (ret = set_int(root, "pe_cols", req, 1, 4096, &a->pe_cols, what)) < 0 ||
        (ret = get_int(root, "glb_bytes", req, 1, (int64_t)1 << 40, &a->glb_bytes, what)) < 0 ||
        (ret = set_int(root, "word_bits", req, 2, 32, &a->word_bits, what)) < 0 ||
        (ret = set_int(root, "acc_bits", 0, 2, 64, &a->acc_bits, what)) < 0)
        return ret;
    /* an accumulator twice the word unless given (or kept from the base
     * while still wide enough) */
    if (!ret && (req || a->acc_bits < a->word_bits))
        a->acc_bits = a->word_bits * 2 > 64 ? 64 : a->word_bits * 2;
    const cJSON *rf = cJSON_GetObjectItemCaseSensitive(root, "rf_words");
    if (rf && !cJSON_IsObject(rf))
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: \"rf_words\" must be an object {\"ifmap\", \"filter\", \"psum\"}",
                         what);
    if (!rf && req)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: missing key \"rf_words\"", what);
    if (!rf)
        return 0;
    int *f[3] = { &a->rf_ifmap, &a->rf_filter, &a->rf_psum };
    for (int i = 0; i < 3; i++)
        if ((ret = set_int(rf, datatype_names[i], req, 1, 1 << 20, f[i], what)) < 0)
            return ret;
    return 0;
}

/* The clock and the DRAM bandwidth: bytes per core cycle, or a bus width
 * and its clock. */
static int arch_parse_clocks(FsrAccelArch *a, const cJSON *root, int req, const char *what)
{
    int ret;
    if ((ret = get_num(root, "clock_hz", req, 1, &a->clock_hz, what)) < 0 ||
        (ret = get_num(root, "dram_bytes_per_cycle", 0, 1e-9, &a->dram_bytes_per_cycle, what)) != 0)
        return ret < 0 ? ret : 0;
    int64_t bits = 0;
    double hz = 0;
    const int r_bits = get_int(root, "dram_bus_bits", 0, 1, 4096, &bits, what);
    const int r_hz = get_num(root, "dram_clock_hz", 0, 1, &hz, what);
    if (r_bits < 0 || r_hz < 0)
        return FSR_ERR_INVALIDDATA;
    if (r_bits != r_hz)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: \"dram_bus_bits\" and \"dram_clock_hz\" go together", what);
    if (r_bits)
        a->dram_bytes_per_cycle = bits / 8.0 * hz / a->clock_hz;
    else if (req)
        return fsr_error(FSR_ERR_INVALIDDATA,
                         "%s: missing key \"dram_bytes_per_cycle\" (or \"dram_bus_bits\" + \"dram_clock_hz\")", what);
    return 0;
}

/* Switches and named choices; all optional. */
static int arch_parse_options(FsrAccelArch *a, const cJSON *root, const char *what)
{
    static const char *const rounding[] = { "nearest", "truncate" };
    static const char *const rules[] = { "eyeriss", "free" };
    static const char *const dfs[] = { "rs", "ws", "os" };
    static const char *const overlaps[] = { "none", "full", "prefetch" };
    const cJSON *ov = cJSON_GetObjectItemCaseSensitive(root, "dram_overlap");
    if (ov && (cJSON_IsString(ov) ? get_enum(root, "dram_overlap", overlaps, 3, &a->dram_overlap, what)
                                  : get_bool(root, "dram_overlap", &a->dram_overlap, what)) < 0)
        return FSR_ERR_INVALIDDATA;
    if (
        get_bool(root, "filters_in_glb", &a->filters_in_glb, what) < 0 ||
        get_bool(root, "psum_add_uses_mac", &a->psum_add_uses_mac, what) < 0 ||
        get_bool(root, "column_tiles", &a->column_tiles, what) < 0 ||
        get_bool(root, "rlc", &a->rlc, what) < 0 || get_bool(root, "zero_gating", &a->zero_gating, what) < 0 ||
        get_enum(root, "rounding", rounding, 2, &a->rounding, what) < 0 ||
        get_enum(root, "set_rule", rules, 2, &a->set_rule, what) < 0 ||
        get_enum(root, "dataflow", dfs, 3, &a->dataflow, what) < 0)
        return FSR_ERR_INVALIDDATA;
    const cJSON *noc = cJSON_GetObjectItemCaseSensitive(root, "noc_words_per_cycle");
    if (!noc)
        return 0;
    if (!cJSON_IsObject(noc))
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: \"noc_words_per_cycle\" must be an object", what);
    for (int i = 0; i < 3; i++)
        if (get_num(noc, datatype_names[i], 0, 0, &a->noc_words_per_cycle[i], what) < 0)
            return FSR_ERR_INVALIDDATA;
    return 0;
}

/* Energy per access: relative to a MAC (defaults from the base) or in pJ. */
static int arch_parse_energy(FsrAccelArch *a, const cJSON *root, const char *what)
{
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(root, "energy");
    if (!en)
        return 0;
    if (!cJSON_IsObject(en))
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: \"energy\" must be an object", what);
    int unit = 0;
    static const char *const units[] = { "mac", "pJ" };
    if (get_enum(en, "unit", units, 2, &unit, what) < 0)
        return FSR_ERR_INVALIDDATA;
    snprintf(a->energy_unit, sizeof(a->energy_unit), "%s", units[unit]);
    /* Relative: the Eyeriss ratios unless given; no static power (it has no
     * relative size).  In pJ nothing can default. */
    const int need = unit == 1;
    if (!need)
        accel_relative_energies(a);
    a->static_mw = 0;
    if (get_num(en, "mac", need, 0, &a->e_mac, what) < 0)
        return FSR_ERR_INVALIDDATA;
    for (int l = 0; l < FSR_ACCEL_NLEVELS; l++)
        if (get_num(en, level_names[l], need, 0, &a->e_level[l], what) < 0)
            return FSR_ERR_INVALIDDATA;
    if (get_num(en, "static_mw", 0, 0, &a->static_mw, what) < 0)
        return FSR_ERR_INVALIDDATA;
    if (!need && a->static_mw > 0)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: \"static_mw\" needs \"unit\": \"pJ\"", what);
    return 0;
}

int fsr_accel_arch_parse(FsrAccelArch *a, const char *json, const char *what)
{
    cJSON *root = cJSON_Parse(json);
    if (!root)
        return json_error(json, what);
    int ret, req;
    if (!cJSON_IsObject(root))
        ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: an architecture is a JSON object", what);
    else if ((ret = arch_parse_base(a, root, &req, what)) >= 0 && (ret = arch_parse_sizes(a, root, req, what)) >= 0 &&
             (ret = arch_parse_clocks(a, root, req, what)) >= 0 && (ret = arch_parse_options(a, root, what)) >= 0 &&
             (ret = arch_parse_energy(a, root, what)) >= 0 && (ret = fsr_accel_arch_check(a)) < 0)
        prefix_error(ret, what);
    cJSON_Delete(root);
    return ret;
}

int fsr_accel_arch_get(FsrAccelArch *a, const char *spec)
{
    if (!spec)
        return fsr_error(FSR_ERR(EINVAL), "accelerator: no architecture given");
    if (!strcmp(spec, "eyeriss-v1")) {
        fsr_accel_arch_eyeriss_v1(a);
        return 0;
    }
    if (!strcmp(spec, "eyeriss-v1-tiled")) {
        /* The same chip fed column tiles of wide frames by its host: what
         * SR-sized inputs need (the 108 kB buffer holds few 1920-wide rows). */
        fsr_accel_arch_eyeriss_v1(a);
        a->column_tiles = 1;
        snprintf(a->name, sizeof(a->name), "eyeriss-v1-tiled");
        return 0;
    }
    char *text = read_text(spec, "architecture");
    if (!text) {
        char prefix[300];
        snprintf(prefix, sizeof(prefix), "architecture %s: not a built-in (eyeriss-v1, eyeriss-v1-tiled), and", spec);
        return prefix_error(FSR_ERR(ENOENT), prefix);
    }
    int ret = fsr_accel_arch_parse(a, text, spec);
    free(text);
    return ret;
}

/* ---- networks ---- */

static FsrAccelNet *net_new(const char *name, int n)
{
    FsrAccelNet *net = calloc(1, sizeof(*net));
    if (!net)
        return NULL;
    net->layers = calloc(n, sizeof(*net->layers));
    if (!net->layers) {
        free(net);
        return NULL;
    }
    snprintf(net->name, sizeof(net->name), "%.63s", name);
    net->n_layers = n;
    return net;
}

void fsr_accel_net_close(FsrAccelNet **net)
{
    if (!net || !*net)
        return;
    free((*net)->layers);
    free(*net);
    *net = NULL;
}

static void set_layer(FsrAccelLayer *l, const char *name, int type, int C, int M, int H, int W, int R, int S,
                      int stride, int pad, int groups)
{
    snprintf(l->name, sizeof(l->name), "%s", name);
    l->type = type;
    l->C = C, l->M = M, l->H = H, l->W = W, l->R = R, l->S = S;
    l->stride = stride, l->pad = pad, l->groups = groups;
}

static int finish_net(FsrAccelNet **out, FsrAccelNet *net)
{
    for (int i = 0; i < net->n_layers; i++) {
        int ret = fsr_accel_layer_check(&net->layers[i]);
        if (ret < 0) {
            fsr_accel_net_close(&net);
            return prefix_error(ret, "network");
        }
    }
    *out = net;
    return 0;
}

static int srcnn_net(FsrAccelNet **out, const char *name, int f2, int w, int h)
{
    FsrAccelNet *net = net_new(name, 3);
    if (!net)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    set_layer(&net->layers[0], "conv1", FSR_ACCEL_CONV, 1, 64, h, w, 9, 9, 1, 4, 1);
    set_layer(&net->layers[1], "conv2", FSR_ACCEL_CONV, 64, 32, h, w, f2, f2, 1, f2 / 2, 1);
    set_layer(&net->layers[2], "conv3", FSR_ACCEL_CONV, 32, 1, h, w, 5, 5, 1, 2, 1);
    return finish_net(out, net);
}

int fsr_accel_net_builtin(FsrAccelNet **out, const char *name, int w, int h)
{
    *out = NULL;
    if (!strcmp(name, "alexnet")) {
        /* CONV1-5 of the original two-GPU AlexNet, as Eyeriss ran it
         * (CONV2, 4, 5 in two groups); inputs after pooling. */
        FsrAccelNet *net = net_new("alexnet", 5);
        if (!net)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        set_layer(&net->layers[0], "CONV1", FSR_ACCEL_CONV, 3, 96, 227, 227, 11, 11, 4, 0, 1);
        set_layer(&net->layers[1], "CONV2", FSR_ACCEL_CONV, 96, 256, 27, 27, 5, 5, 1, 2, 2);
        set_layer(&net->layers[2], "CONV3", FSR_ACCEL_CONV, 256, 384, 13, 13, 3, 3, 1, 1, 1);
        set_layer(&net->layers[3], "CONV4", FSR_ACCEL_CONV, 384, 384, 13, 13, 3, 3, 1, 1, 2);
        set_layer(&net->layers[4], "CONV5", FSR_ACCEL_CONV, 384, 256, 13, 13, 3, 3, 1, 1, 2);
        /* Zeros in the ifmaps the chip measured (JSSC 2017, Table V).  An
         * ofmap's zeros: the next layer's ifmap share, a lower bound where a
         * max-pool lies between (pooling only removes zeros); CONV5's are
         * not published (0: written raw). */
        static const double ifmap_zeros[5] = { 0.0001, 0.387, 0.725, 0.793, 0.776 };
        for (int i = 0; i < 5; i++) {
            net->layers[i].ifmap_zeros = ifmap_zeros[i];
            net->layers[i].ofmap_zeros = i < 4 ? ifmap_zeros[i + 1] : 0;
        }
        return finish_net(out, net);
    }
    if (!strcmp(name, "vgg16")) {
        static const struct { const char *n; int c, m, hw; } convs[13] = {
            { "conv1_1", 3, 64, 224 },    { "conv1_2", 64, 64, 224 },   { "conv2_1", 64, 128, 112 },
            { "conv2_2", 128, 128, 112 }, { "conv3_1", 128, 256, 56 },  { "conv3_2", 256, 256, 56 },
            { "conv3_3", 256, 256, 56 },  { "conv4_1", 256, 512, 28 },  { "conv4_2", 512, 512, 28 },
            { "conv4_3", 512, 512, 28 },  { "conv5_1", 512, 512, 14 },  { "conv5_2", 512, 512, 14 },
            { "conv5_3", 512, 512, 14 },
        };
        FsrAccelNet *net = net_new("vgg16", 16);
        if (!net)
            return fsr_error(FSR_ERR(ENOMEM), "out of memory");
        for (int i = 0; i < 13; i++)
            set_layer(&net->layers[i], convs[i].n, FSR_ACCEL_CONV, convs[i].c, convs[i].m, convs[i].hw, convs[i].hw,
                      3, 3, 1, 1, 1);
        set_layer(&net->layers[13], "fc6", FSR_ACCEL_FC, 512, 4096, 7, 7, 7, 7, 1, 0, 1);
        set_layer(&net->layers[14], "fc7", FSR_ACCEL_FC, 4096, 4096, 1, 1, 1, 1, 1, 0, 1);
        set_layer(&net->layers[15], "fc8", FSR_ACCEL_FC, 4096, 1000, 1, 1, 1, 1, 1, 0, 1);
        return finish_net(out, net);
    }
    if (w < 1 || h < 1 || w > 1 << 16 || h > 1 << 16)
        return fsr_error(FSR_ERR(EINVAL), "network %s: input size %dx%d is impossible", name, w, h);
    if (!strcmp(name, "srcnn-9-5-5"))
        return srcnn_net(out, name, 5, w, h);
    if (!strcmp(name, "srcnn-9-3-5"))
        return srcnn_net(out, name, 3, w, h);
    if (!strcmp(name, "srcnn-9-1-5"))
        return srcnn_net(out, name, 1, w, h);
    return fsr_error(FSR_ERR(ENOENT), "no built-in network \"%s\" (alexnet, vgg16, srcnn-9-5-5, srcnn-9-3-5, srcnn-9-1-5)",
                     name);
}

int fsr_accel_net_from_model(FsrAccelNet **out, const FsrModel *m, int w, int h)
{
    *out = NULL;
    if (!m || m->n_layers < 1 || !m->layers)
        return fsr_error(FSR_ERR(EINVAL), "model has no layers");
    if (w < 1 || h < 1 || w > 1 << 16 || h > 1 << 16)
        return fsr_error(FSR_ERR(EINVAL), "input size %dx%d is impossible", w, h);
    char name[128];
    snprintf(name, sizeof(name), "%s-%s", m->arch[0] ? m->arch : "model", m->name);
    /* LR-input models: every layer runs on the LR grid (w, h are the HR
     * output's size).  A transposed convolution maps as the convolution
     * over its LR input that gives its scale^2 phases as channels (as the
     * engine runs it, fsr_conv_deconv_phases: 5x5 at x2, 3x3 at x3, x4);
     * the pixel shuffle after it is data movement only: the phases are
     * written to DRAM in HR order, which the ofmap traffic already counts. */
    const int lr = m->input == FSR_INPUT_LR_Y;
    if (lr && (m->scale < 2 || w % m->scale || h % m->scale))
        return fsr_error(FSR_ERR(EINVAL), "output %dx%d is not a multiple of the model's scale %d", w, h, m->scale);
    if (lr) {
        w /= m->scale;
        h /= m->scale;
    }
    FsrAccelNet *net = net_new(name, m->n_layers);
    if (!net)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    for (int i = 0; i < m->n_layers; i++) {
        FsrConvLayer phases = { 0 };
        const FsrConvLayer *c = &m->layers[i];
        if (lr && m->upsample == FSR_UP_DECONV && i == m->n_layers - 1) {
            int shift, ret;
            if ((ret = fsr_conv_deconv_phases(&phases, c, m->scale, &shift)) < 0) {
                fsr_accel_net_close(&net);
                return ret;
            }
            free(phases.weight);
            free(phases.bias);
            c = &phases;
        }
        char ln[16];
        snprintf(ln, sizeof(ln), "conv%d", i + 1);
        if (c->kh < 1 || c->kw < 1 || !(c->kh & 1) || !(c->kw & 1)) {
            fsr_accel_net_close(&net);
            return fsr_error(FSR_ERR(EINVAL), "model layer %d: kernel %dx%d is not odd", i + 1, c->kh, c->kw);
        }
        /* Replicate and zero padding cost the same on the array. */
        set_layer(&net->layers[i], ln, FSR_ACCEL_CONV, c->in_ch, c->out_ch, h, w, c->kh, c->kw, 1, 0, 1);
        net->layers[i].pad = c->kh / 2;
        if (c->kw != c->kh) {
            /* P, Q derive from one pad; rectangular kernels are outside the
             * network schema. */
            fsr_accel_net_close(&net);
            return fsr_error(FSR_ERR_UNSUPPORTED, "model layer %d: non-square %dx%d kernel", i + 1, c->kh, c->kw);
        }
    }
    return finish_net(out, net);
}

int fsr_accel_net_parse(FsrAccelNet **out, const char *json, const char *what)
{
    *out = NULL;
    cJSON *root = cJSON_Parse(json);
    if (!root)
        return json_error(json, what);
    int ret = FSR_ERR_INVALIDDATA;
    FsrAccelNet *net = NULL;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
    if (!cJSON_IsObject(root)) {
        fsr_error(ret, "%s: a network is a JSON object", what);
        goto out;
    }
    if (!cJSON_IsString(name)) {
        fsr_error(ret, "%s: %s \"name\"", what, name ? "non-string" : "missing key");
        goto out;
    }
    if (!cJSON_IsArray(layers) || cJSON_GetArraySize(layers) < 1) {
        fsr_error(ret, "%s: \"layers\" must be a non-empty array", what);
        goto out;
    }
    const int n = cJSON_GetArraySize(layers);
    if (n > 10000) {
        fsr_error(ret, "%s: %d layers is too many", what, n);
        goto out;
    }
    if (!(net = net_new(name->valuestring, n))) {
        ret = fsr_error(FSR_ERR(ENOMEM), "out of memory");
        goto out;
    }
    int i = 0;
    const cJSON *L;
    cJSON_ArrayForEach(L, layers) {
        FsrAccelLayer *l = &net->layers[i];
        char lw[160];
        snprintf(lw, sizeof(lw), "%s: layer %d", what, i);
        if (!cJSON_IsObject(L)) {
            fsr_error(ret, "%s: not an object", lw);
            goto out;
        }
        const cJSON *ln = cJSON_GetObjectItemCaseSensitive(L, "name");
        if (!cJSON_IsString(ln)) {
            fsr_error(ret, "%s: %s \"name\"", lw, ln ? "non-string" : "missing key");
            goto out;
        }
        snprintf(l->name, sizeof(l->name), "%s", ln->valuestring);
        snprintf(lw, sizeof(lw), "%s: layer %s", what, l->name);
        static const char *const types[] = { "conv", "fc" };
        if (!cJSON_GetObjectItemCaseSensitive(L, "type")) {
            fsr_error(ret, "%s: missing key \"type\"", lw);
            goto out;
        }
        if (get_enum(L, "type", types, 2, &l->type, lw) < 0)
            goto out;
        const int conv = l->type == FSR_ACCEL_CONV;
        static const char *const keys[] = { "C", "M", "H", "W", "R", "S", "stride", "pad", "groups" };
        int *fields[] = { &l->C, &l->M, &l->H, &l->W, &l->R, &l->S, &l->stride, &l->pad, &l->groups };
        /* fc layers may leave out R, S (= H, W), and all layers the stride,
         * padding and groups. */
        const int required[] = { 1, 1, 1, 1, conv, conv, 0, 0, 0 };
        const int64_t deflt[] = { 0, 0, 0, 0, 0, 0, 1, 0, 1 };
        for (int k = 0; k < 9; k++) {
            int64_t v = deflt[k];
            int r_ = get_int(L, keys[k], required[k], k == 7 ? 0 : 1, 1 << 20, &v, lw);
            if (r_ < 0)
                goto out;
            *fields[k] = (int)v;
        }
        double z = 0;
        if (get_num(L, "ifmap_zeros", 0, 0, &z, lw) < 0)
            goto out;
        l->ifmap_zeros = z;
        z = 0;
        if (get_num(L, "ofmap_zeros", 0, 0, &z, lw) < 0)
            goto out;
        l->ofmap_zeros = z;
        if (fsr_accel_layer_check(l) < 0) {
            prefix_error(ret, what);
            goto out;
        }
        i++;
    }
    *out = net;
    net = NULL;
    ret = 0;
out:
    fsr_accel_net_close(&net);
    cJSON_Delete(root);
    return ret;
}

int fsr_accel_net_load(FsrAccelNet **out, const char *path)
{
    *out = NULL;
    char *text = read_text(path, "network");
    if (!text)
        return FSR_ERR(ENOENT);
    int ret = fsr_accel_net_parse(out, text, path);
    free(text);
    return ret;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

int fsr_accel_net_open(FsrAccelNet **out, const char *spec, int w, int h)
{
    *out = NULL;
    if (!spec)
        return fsr_error(FSR_ERR(EINVAL), "no network given");
    static const char *const builtins[] = { "alexnet", "vgg16", "srcnn-9-5-5", "srcnn-9-3-5", "srcnn-9-1-5" };
    for (size_t i = 0; i < sizeof(builtins) / sizeof(*builtins); i++)
        if (!strcmp(spec, builtins[i]))
            return fsr_accel_net_builtin(out, spec, w, h);
    if (ends_with(spec, ".safetensors")) {
        FsrModel *m = NULL;
        int ret = fsr_model_open(&m, spec);
        if (ret < 0)
            return ret;
        ret = fsr_accel_net_from_model(out, m, w, h);
        fsr_model_close(&m);
        return ret;
    }
    return fsr_accel_net_load(out, spec);
}

/* ---- report ---- */

static cJSON *result_json(const FsrAccelResult *r, const char *unit, int layer)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", r->name);
    cJSON_AddNumberToObject(o, "macs", (double)r->macs);
    cJSON_AddNumberToObject(o, "active_pes", r->active_pes);
    cJSON_AddNumberToObject(o, "utilization", r->utilization);
    cJSON_AddNumberToObject(o, "cycles", (double)r->cycles);
    cJSON_AddNumberToObject(o, "compute_cycles", (double)r->compute_cycles);
    cJSON_AddNumberToObject(o, "dram_cycles", (double)r->dram_cycles);
    cJSON_AddNumberToObject(o, "exposed_dram_cycles", (double)r->exposed_dram_cycles);
    cJSON_AddStringToObject(o, "bound", r->dram_bound ? "dram" : "compute");
    cJSON_AddNumberToObject(o, "latency_s", r->latency_s);
    cJSON_AddNumberToObject(o, "dram_bytes", (double)r->dram_bytes);
    cJSON *acc = cJSON_AddObjectToObject(o, "accesses");
    for (int l = 0; l < FSR_ACCEL_NLEVELS; l++) {
        cJSON *lv = cJSON_AddObjectToObject(acc, level_names[l]);
        for (int d = 0; d < FSR_ACCEL_NDATA; d++)
            cJSON_AddNumberToObject(lv, datatype_names[d], (double)r->accesses[l][d]);
    }
    cJSON *en = cJSON_AddObjectToObject(o, "energy");
    cJSON_AddNumberToObject(en, "mac", r->energy_mac);
    cJSON_AddNumberToObject(en, "rf", r->energy_level[FSR_ACCEL_RF]);
    cJSON_AddNumberToObject(en, "array", r->energy_level[FSR_ACCEL_ARRAY]);
    cJSON_AddNumberToObject(en, "glb", r->energy_level[FSR_ACCEL_GLB]);
    cJSON_AddNumberToObject(en, "dram", r->energy_level[FSR_ACCEL_DRAM]);
    cJSON_AddNumberToObject(en, "static", r->energy_static);
    cJSON_AddNumberToObject(en, "onchip", r->energy_onchip);
    cJSON_AddNumberToObject(en, "total", r->energy_total);
    cJSON *ed = cJSON_AddObjectToObject(o, "energy_by_data");
    for (int d = 0; d < FSR_ACCEL_NDATA; d++)
        cJSON_AddNumberToObject(ed, datatype_names[d], r->energy_data[d]);
    cJSON_AddStringToObject(o, "energy_unit", unit);
    /* joules and mW only for architectures in pJ */
    const double j = fsr_accel_joules(r->energy_total, unit);
    if (j >= 0) {
        cJSON_AddNumberToObject(o, "joules", j);
        cJSON_AddNumberToObject(o, "dram_joules", fsr_accel_joules(r->energy_level[FSR_ACCEL_DRAM], unit));
        cJSON_AddNumberToObject(o, "power_mw", r->power_mw);
    } else {
        cJSON_AddNullToObject(o, "joules");
        cJSON_AddNullToObject(o, "dram_joules");
        cJSON_AddNullToObject(o, "power_mw");
    }
    if (layer) {
        const FsrAccelLayer *L = &r->layer;
        cJSON *shape = cJSON_AddObjectToObject(o, "shape");
        cJSON_AddStringToObject(shape, "type", L->type == FSR_ACCEL_FC ? "fc" : "conv");
        const char *k[] = { "C", "M", "H", "W", "R", "S", "P", "Q", "stride", "pad", "groups" };
        const int v[] = { L->C, L->M, L->H, L->W, L->R, L->S, L->P, L->Q, L->stride, L->pad, L->groups };
        for (int i = 0; i < 11; i++)
            cJSON_AddNumberToObject(shape, k[i], v[i]);
        cJSON_AddNumberToObject(shape, "N", r->batch);
        cJSON_AddNumberToObject(shape, "ifmap_zeros", L->ifmap_zeros);
        cJSON_AddNumberToObject(shape, "ofmap_zeros", L->ofmap_zeros);
        const FsrAccelMapping *m = &r->mapping;
        static const char *const dfs[] = { "rs", "ws", "os" };
        cJSON *mp = cJSON_AddObjectToObject(o, "mapping");
        cJSON_AddStringToObject(mp, "dataflow", dfs[m->dataflow]);
        if (m->dataflow == FSR_ACCEL_RS) {
            const char *k[] = { "e", "n", "p", "q", "r", "t", "m", "g", "folds", "r_chunks", "q_tile", "q_tiles" };
            const int v[] = { m->e, m->n, m->p, m->q, m->r, m->t, m->m, m->g, m->folds, m->r_chunks, m->q_tile, m->q_tiles };
            for (int i = 0; i < 12; i++)
                cJSON_AddNumberToObject(mp, k[i], v[i]);
        } else {
            cJSON_AddNumberToObject(mp, "n", m->n);
            if (m->dataflow == FSR_ACCEL_OS)
                cJSON_AddNumberToObject(mp, "channels_per_pe", m->p);
        }
        cJSON_AddNumberToObject(mp, "set_rows", m->set_rows);
        cJSON_AddNumberToObject(mp, "set_cols", m->set_cols);
        cJSON_AddNumberToObject(mp, "sets", m->sets);
        cJSON_AddNumberToObject(mp, "passes", (double)m->passes);
        cJSON_AddNumberToObject(mp, "glb_words", (double)m->glb_words_used);
        cJSON_AddStringToObject(mp, "order", m->order ? m->order : "");
        cJSON *b = cJSON_AddArrayToObject(o, "bounds");
        for (int i = 0; i < r->n_bounds; i++) {
            cJSON *s = cJSON_CreateObject();
            cJSON_AddStringToObject(s, "step", r->bounds[i].step);
            cJSON_AddNumberToObject(s, "macs_per_cycle", r->bounds[i].macs_per_cycle);
            cJSON_AddItemToArray(b, s);
        }
    }
    return o;
}

int fsr_accel_report_write_json(const FsrAccelReport *rep, const char *path)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    static const char *const obj[] = { "energy", "latency", "edp" };
    cJSON_AddStringToObject(root, "arch", rep->arch);
    cJSON_AddStringToObject(root, "net", rep->net);
    cJSON_AddNumberToObject(root, "batch", rep->batch);
    cJSON_AddStringToObject(root, "objective", obj[rep->objective >= 0 && rep->objective <= 2 ? rep->objective : 0]);
    cJSON_AddStringToObject(root, "energy_unit", rep->energy_unit);
    cJSON *layers = cJSON_AddArrayToObject(root, "layers");
    for (int i = 0; i < rep->n_layers; i++)
        cJSON_AddItemToArray(layers, result_json(&rep->layers[i], rep->energy_unit, 1));
    cJSON_AddItemToObject(root, "total", result_json(&rep->total, rep->energy_unit, 0));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return fsr_error(FSR_ERR(ENOMEM), "out of memory");
    FILE *f = !strcmp(path, "-") ? stdout : fopen(path, "w");
    if (!f) {
        int e = errno;
        free(text);
        return fsr_error(FSR_ERR(e), "%s: cannot write: %s", path, strerror(e));
    }
    int bad = fputs(text, f) < 0 || fputc('\n', f) < 0;
    if (f != stdout)
        bad |= fclose(f) != 0;
    else
        bad |= fflush(f) != 0;
    free(text);
    if (bad)
        return fsr_error(FSR_ERR(EIO), "%s: write failed", path);
    return 0;
}
