/* Model files: safetensors (https://github.com/huggingface/safetensors).
 * Layout: 8-byte little-endian header length N, N bytes of JSON (possibly
 * padded with spaces), then the raw little-endian tensor data.  Each tensor
 * entry gives dtype, shape and [begin, end) byte offsets into the data.
 * The loader is strict: a model that loads is safe to run without further
 * checks (shapes chain, odd kernels, finite values, data fully accounted
 * for), because a broken model otherwise shows up as garbage pictures. */
#include "fastsr/model.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <unistd.h>

#include <cjson/cJSON.h>

#include "fastsr/bicubic.h"
#include "log.h"

/* Headers of real models are a few kB; anything near this is not a model. */
#define MAX_HEADER_BYTES (16u << 20)
#define MAX_FILE_BYTES (1ull << 31)

void fsr_model_close(FsrModel **model)
{
    if (!model || !*model)
        return;
    FsrModel *m = *model;
    if (m->layers)
        for (int i = 0; i < m->n_layers; i++) {
            free(m->layers[i].weight);
            free(m->layers[i].bias);
            free(m->layers[i].slope);
        }
    free(m->layers);
    free(m);
    *model = NULL;
}

long long fsr_model_macs_per_pixel(const FsrModel *m)
{
    if (!m || !m->layers)
        return 0;
    long long macs = 0;
    for (int i = 0; i < m->n_layers; i++) {
        const FsrConvLayer *l = &m->layers[i];
        macs += (long long)l->in_ch * l->out_ch * l->kh * l->kw;
    }
    /* LR-space layers run once per LR pixel, i.e. per scale^2 HR pixels
     * (a transposed convolution too: each LR pixel spreads kh*kw taps) */
    if (m->input == FSR_INPUT_LR_Y && m->scale > 0)
        macs = (macs + m->scale * m->scale / 2) / (m->scale * m->scale);
    return macs;
}

static void make_name(FsrModel *m)
{
    size_t n = 0;
    m->name[0] = 0;
    for (int i = 0; i < m->n_layers && n < sizeof(m->name); i++) {
        const FsrConvLayer *l = &m->layers[i];
        int r = l->kh == l->kw ? snprintf(m->name + n, sizeof(m->name) - n, "%s%d", i ? "-" : "", l->kh)
                               : snprintf(m->name + n, sizeof(m->name) - n, "%s%dx%d", i ? "-" : "", l->kh, l->kw);
        if (r < 0)
            break;
        n += (size_t)r;
    }
}

static int check_kernel(int k)
{
    return k >= 1 && k <= FSR_MODEL_MAX_KERNEL && (k & 1);
}

static int check_channels(int c)
{
    return c >= 1 && c <= FSR_MODEL_MAX_CHANNELS;
}

int fsr_model_open_empty(FsrModel **model, const char *arch, int scale, int padding,
                     int n_layers, const int *channels, const int *kernels)
{
    if (!model || !channels || !kernels)
        return fsr_error(FSR_ERR(EINVAL), "model: NULL argument");
    *model = NULL;
    if (n_layers < 1 || n_layers > FSR_MODEL_MAX_LAYERS)
        return fsr_error(FSR_ERR(EINVAL), "model: %d layers (1..%d)", n_layers, FSR_MODEL_MAX_LAYERS);
    if (channels[0] != 1 || channels[n_layers] != 1)
        return fsr_error(FSR_ERR(EINVAL), "model: the network must map 1 channel to 1 channel");
    for (int i = 0; i <= n_layers; i++)
        if (!check_channels(channels[i]))
            return fsr_error(FSR_ERR(EINVAL), "model: %d channels (1..%d)", channels[i], FSR_MODEL_MAX_CHANNELS);
    for (int i = 0; i < n_layers; i++)
        if (!check_kernel(kernels[i]))
            return fsr_error(FSR_ERR(EINVAL), "model: kernel size %d (odd, 1..%d)", kernels[i], FSR_MODEL_MAX_KERNEL);
    FsrModel *m = calloc(1, sizeof(*m));
    if (!m || !(m->layers = calloc((size_t)n_layers, sizeof(*m->layers)))) {
        free(m);
        return fsr_error(FSR_ERR(ENOMEM), "model: out of memory");
    }
    snprintf(m->arch, sizeof(m->arch), "%s", arch ? arch : "srcnn");
    m->scale = scale;
    m->padding = padding;
    m->input = FSR_INPUT_BICUBIC_Y;
    m->n_layers = n_layers;
    for (int i = 0; i < n_layers; i++) {
        FsrConvLayer *l = &m->layers[i];
        l->in_ch = channels[i];
        l->out_ch = channels[i + 1];
        l->kh = l->kw = kernels[i];
        l->act = i < n_layers - 1 ? FSR_ACT_RELU : FSR_ACT_NONE;
        l->weight = calloc((size_t)l->out_ch * l->in_ch * l->kh * l->kw, sizeof(float));
        l->bias = calloc((size_t)l->out_ch, sizeof(float));
        if (!l->weight || !l->bias) {
            fsr_model_close(&m);
            return fsr_error(FSR_ERR(ENOMEM), "model: out of memory");
        }
    }
    make_name(m);
    *model = m;
    return 0;
}

int fsr_model_open_empty_lr(FsrModel **model, const char *arch, int scale, int padding, int upsample,
                        int n_layers, const int *channels, const int *kernels, int act)
{
    if (!model || !channels || !kernels)
        return fsr_error(FSR_ERR(EINVAL), "model: NULL argument");
    *model = NULL;
    if (n_layers < 2 || n_layers > FSR_MODEL_MAX_LAYERS)
        return fsr_error(FSR_ERR(EINVAL), "model: %d layers (2..%d for an LR-input model)", n_layers,
                         FSR_MODEL_MAX_LAYERS);
    if (upsample != FSR_UP_DECONV && upsample != FSR_UP_SHUFFLE)
        return fsr_error(FSR_ERR(EINVAL), "model: unknown upsampling %d", upsample);
    if (act != FSR_ACT_RELU && act != FSR_ACT_PRELU)
        return fsr_error(FSR_ERR(EINVAL), "model: hidden activation must be ReLU or PReLU");
    if (scale < 2 || scale > 4)
        return fsr_error(FSR_ERR(EINVAL), "model: scale %d (2..4)", scale);
    /* fsr_model_open_empty wants 1 channel out: build the stack with that, then
     * set the last layer's real width */
    int ch[FSR_MODEL_MAX_LAYERS + 1];
    memcpy(ch, channels, sizeof(int) * (size_t)n_layers);
    ch[n_layers] = 1;
    FsrModel *m;
    int ret = fsr_model_open_empty(&m, arch, scale, padding, n_layers, ch, kernels);
    if (ret < 0)
        return ret;
    m->input = FSR_INPUT_LR_Y;
    m->upsample = upsample;
    FsrConvLayer *last = &m->layers[n_layers - 1];
    if (upsample == FSR_UP_SHUFFLE) {
        last->out_ch = scale * scale;
        free(last->weight);
        free(last->bias);
        last->weight = calloc((size_t)last->out_ch * last->in_ch * last->kh * last->kw, sizeof(float));
        last->bias = calloc((size_t)last->out_ch, sizeof(float));
        if (!last->weight || !last->bias) {
            fsr_model_close(&m);
            return fsr_error(FSR_ERR(ENOMEM), "model: out of memory");
        }
    }
    for (int i = 0; i < n_layers - 1; i++) {
        FsrConvLayer *l = &m->layers[i];
        l->act = act;
        if (act == FSR_ACT_PRELU) {
            if (!(l->slope = malloc(sizeof(float) * (size_t)l->out_ch))) {
                fsr_model_close(&m);
                return fsr_error(FSR_ERR(ENOMEM), "model: out of memory");
            }
            for (int c = 0; c < l->out_ch; c++)
                l->slope[c] = 0.25f; /* PyTorch's PReLU default */
        }
    }
    *model = m;
    return 0;
}

int fsr_model_validate(const FsrModel *m, const char *what)
{
    if (!what)
        what = "model";
    if (!m || !m->layers)
        return fsr_error(FSR_ERR(EINVAL), "%s: NULL model", what);
    if (!fsr_scale_supported(m->scale))
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: scale %d not supported (2, 3 or 4)", what, m->scale);
    if (m->padding != FSR_PAD_ZERO && m->padding != FSR_PAD_REPLICATE)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: unknown padding %d", what, m->padding);
    if (m->input != FSR_INPUT_BICUBIC_Y && m->input != FSR_INPUT_LR_Y)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: unknown input kind %d", what, m->input);
    if (m->input == FSR_INPUT_BICUBIC_Y && m->upsample != FSR_UP_NONE)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: a bicubic-input model cannot upsample", what);
    if (m->input == FSR_INPUT_LR_Y && m->upsample != FSR_UP_DECONV && m->upsample != FSR_UP_SHUFFLE)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: an LR-input model must end in a transposed convolution "
                         "or a pixel shuffle", what);
    if (m->n_layers < 1 || m->n_layers > FSR_MODEL_MAX_LAYERS)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: %d layers (1..%d)", what, m->n_layers, FSR_MODEL_MAX_LAYERS);
    for (int i = 0; i < m->n_layers; i++) {
        const FsrConvLayer *l = &m->layers[i];
        if (!check_kernel(l->kh) || !check_kernel(l->kw))
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: conv%d kernel %dx%d: sizes must be odd and 1..%d",
                             what, i + 1, l->kh, l->kw, FSR_MODEL_MAX_KERNEL);
        if (!check_channels(l->in_ch) || !check_channels(l->out_ch))
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: conv%d has %d -> %d channels (1..%d)",
                             what, i + 1, l->in_ch, l->out_ch, FSR_MODEL_MAX_CHANNELS);
        const int want_in = i ? m->layers[i - 1].out_ch : 1;
        if (l->in_ch != want_in)
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: conv%d takes %d input channels but %s %d",
                             what, i + 1, l->in_ch, i ? "the previous layer gives" : "the network input has", want_in);
        if (!l->weight || !l->bias)
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: conv%d has no weights", what, i + 1);
        const size_t nw = (size_t)l->out_ch * l->in_ch * l->kh * l->kw;
        for (size_t k = 0; k < nw; k++)
            if (!isfinite(l->weight[k]))
                return fsr_error(FSR_ERR_INVALIDDATA, "%s: conv%d.weight holds a NaN or infinite value", what, i + 1);
        for (int k = 0; k < l->out_ch; k++)
            if (!isfinite(l->bias[k]))
                return fsr_error(FSR_ERR_INVALIDDATA, "%s: conv%d.bias holds a NaN or infinite value", what, i + 1);
        if (l->act < FSR_ACT_DEFAULT || l->act > FSR_ACT_PRELU)
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: conv%d has an unknown activation %d", what, i + 1, l->act);
        if (i == m->n_layers - 1 && fsr_model_layer_act(m, i) != FSR_ACT_NONE)
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: the last layer must have no activation", what);
        if ((l->act == FSR_ACT_PRELU) != (l->slope != NULL))
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: conv%d: PReLU slopes %s", what, i + 1,
                             l->slope ? "given for a layer without PReLU" : "missing");
        for (int k = 0; l->slope && k < l->out_ch; k++)
            if (!isfinite(l->slope[k]))
                return fsr_error(FSR_ERR_INVALIDDATA, "%s: conv%d.prelu holds a NaN or infinite value", what, i + 1);
    }
    const int last_ch = m->layers[m->n_layers - 1].out_ch;
    const int want_ch = m->upsample == FSR_UP_SHUFFLE ? m->scale * m->scale : 1;
    if (last_ch != want_ch)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: the last layer gives %d channels, expected %d (%s)",
                         what, last_ch, want_ch, m->upsample == FSR_UP_SHUFFLE ? "scale^2 for the pixel shuffle"
                                                                               : "luma");
    return 0;
}

/* ---- loading ---- */

static float half_to_float(uint16_t h)
{
    const int sign = h >> 15, exp = (h >> 10) & 31, mant = h & 1023;
    float v;
    if (exp == 0)
        v = ldexpf((float)mant, -24);
    else if (exp == 31)
        v = mant ? NAN : INFINITY;
    else
        v = ldexpf((float)(mant | 1024), exp - 25);
    return sign ? -v : v;
}

static float bf16_to_float(uint16_t h)
{
    const uint32_t u = (uint32_t)h << 16;
    float v;
    memcpy(&v, &u, 4);
    return v;
}

typedef struct TensorRef {
    const char *name;
    int dtype_size;
    int dtype;          /* 0 F32, 1 F16, 2 BF16 */
    int ndim;
    long long shape[4];
    size_t begin, end;
} TensorRef;

static int read_file(const char *path, uint8_t **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fsr_error(FSR_ERR(errno ? errno : ENOENT), "%s: cannot open model file: %s", path, strerror(errno));
    int ret = 0;
    long long len = -1;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return fsr_error(FSR_ERR(EISDIR), "%s: is a directory, not a model file", path);
    }
    if (fseek(f, 0, SEEK_END) == 0)
        len = ftell(f);
    if (len < 0 || fseek(f, 0, SEEK_SET) != 0) {
        ret = fsr_error(FSR_ERR(EIO), "%s: cannot read model file", path);
    } else if ((unsigned long long)len > MAX_FILE_BYTES) {
        ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: %lld bytes is too large for a model file", path, len);
    } else {
        *data = malloc(len ? (size_t)len : 1);
        if (!*data)
            ret = fsr_error(FSR_ERR(ENOMEM), "%s: out of memory", path);
        else if (fread(*data, 1, (size_t)len, f) != (size_t)len)
            ret = fsr_error(FSR_ERR(EIO), "%s: short read", path);
        *size = (size_t)len;
    }
    fclose(f);
    if (ret < 0) {
        free(*data);
        *data = NULL;
    }
    return ret;
}

/* Parses one tensor entry of the header into t; data_size bounds offsets. */
static int parse_tensor(const char *path, const cJSON *e, size_t data_size, TensorRef *t)
{
    t->name = e->string;
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsObject(e) || !cJSON_IsString(dt) || !cJSON_IsArray(sh) || !cJSON_IsArray(off) ||
        cJSON_GetArraySize(off) != 2)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: tensor %s: entry needs dtype, shape and data_offsets [begin, end]",
                         path, t->name);
    if (!strcmp(dt->valuestring, "F32"))
        t->dtype = 0, t->dtype_size = 4;
    else if (!strcmp(dt->valuestring, "F16"))
        t->dtype = 1, t->dtype_size = 2;
    else if (!strcmp(dt->valuestring, "BF16"))
        t->dtype = 2, t->dtype_size = 2;
    else
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: tensor %s has dtype %s; supported: F32, F16, BF16",
                         path, t->name, dt->valuestring);
    t->ndim = cJSON_GetArraySize(sh);
    if (t->ndim > 4)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: tensor %s has %d dimensions", path, t->name, t->ndim);
    long long count = 1;
    for (int i = 0; i < t->ndim; i++) {
        const cJSON *d = cJSON_GetArrayItem(sh, i);
        if (!cJSON_IsNumber(d) || d->valuedouble < 0 || d->valuedouble > 1e6 ||
            d->valuedouble != floor(d->valuedouble))
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: tensor %s: bad shape entry", path, t->name);
        t->shape[i] = (long long)d->valuedouble;
        count *= t->shape[i];
        if (count > (1ll << 32))
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: tensor %s is absurdly large", path, t->name);
    }
    double ob = cJSON_GetArrayItem(off, 0)->valuedouble, oe = cJSON_GetArrayItem(off, 1)->valuedouble;
    if (!cJSON_IsNumber(cJSON_GetArrayItem(off, 0)) || !cJSON_IsNumber(cJSON_GetArrayItem(off, 1)) ||
        ob < 0 || oe < ob || ob != floor(ob) || oe != floor(oe))
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: tensor %s: bad data_offsets", path, t->name);
    if (oe > (double)data_size)
        return fsr_error(FSR_ERR_INVALIDDATA,
                         "%s: tensor %s: data_offsets [%.0f, %.0f) lie outside the %zu data bytes of the file",
                         path, t->name, ob, oe, data_size);
    t->begin = (size_t)ob;
    t->end = (size_t)oe;
    if ((long long)(t->end - t->begin) != count * t->dtype_size)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: tensor %s: %zu data bytes for %lld %s values",
                         path, t->name, t->end - t->begin, count, dt->valuestring);
    return 0;
}

static int cmp_begin(const void *a, const void *b)
{
    const TensorRef *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

static void convert(float *dst, const uint8_t *src, const TensorRef *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (t->dtype == 0) {
            memcpy(&dst[i], src + 4 * i, 4);
        } else {
            uint16_t h;
            memcpy(&h, src + 2 * i, 2);
            dst[i] = t->dtype == 1 ? half_to_float(h) : bf16_to_float(h);
        }
    }
}

static const char *meta_string(const cJSON *meta, const char *key)
{
    const cJSON *v = meta ? cJSON_GetObjectItemCaseSensitive(meta, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int parse_metadata(const char *path, const cJSON *meta, FsrModel *m, const char **acts)
{
    if (meta && !cJSON_IsObject(meta))
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: __metadata__ is not an object", path);
    const char *arch = meta_string(meta, "arch"), *scale = meta_string(meta, "scale");
    const char *pad = meta_string(meta, "padding"), *input = meta_string(meta, "input");
    if (!arch || !scale || !pad)
        return fsr_error(FSR_ERR_INVALIDDATA,
                         "%s: __metadata__ must give arch, scale and padding as strings (missing %s)",
                         path, !arch ? "arch" : !scale ? "scale" : "padding");
    if (strlen(arch) >= sizeof(m->arch))
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: arch name too long", path);
    snprintf(m->arch, sizeof(m->arch), "%s", arch);
    if (!strcmp(scale, "2") || !strcmp(scale, "3") || !strcmp(scale, "4"))
        m->scale = scale[0] - '0';
    else
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: scale \"%s\" not supported (\"2\", \"3\" or \"4\")", path, scale);
    if (!strcmp(pad, "zero"))
        m->padding = FSR_PAD_ZERO;
    else if (!strcmp(pad, "replicate"))
        m->padding = FSR_PAD_REPLICATE;
    else
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: padding \"%s\" not supported (zero or replicate)", path, pad);
    if (input && strcmp(input, "bicubic_y") && strcmp(input, "lr_y"))
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: input \"%s\" not supported (bicubic_y or lr_y)", path, input);
    m->input = input && !strcmp(input, "lr_y") ? FSR_INPUT_LR_Y : FSR_INPUT_BICUBIC_Y;
    const char *up = meta_string(meta, "upsample");
    if (m->input == FSR_INPUT_LR_Y) {
        if (!up)
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: input lr_y needs __metadata__ upsample "
                             "(deconv or pixel_shuffle)", path);
        if (!strcmp(up, "deconv"))
            m->upsample = FSR_UP_DECONV;
        else if (!strcmp(up, "pixel_shuffle"))
            m->upsample = FSR_UP_SHUFFLE;
        else
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: upsample \"%s\" not supported (deconv or pixel_shuffle)",
                             path, up);
    } else if (up && strcmp(up, "none")) {
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: upsample \"%s\" with input bicubic_y (only none)", path, up);
    }
    *acts = meta_string(meta, "activations");
    if (meta && cJSON_GetObjectItemCaseSensitive(meta, "activations") && !*acts)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: __metadata__ activations must be a string", path);
    return 0;
}

/* The "activations" metadata: one name per layer, comma-separated
 * ("prelu,prelu,none").  Without it, SRCNN's rule: ReLU after every layer
 * but the last (files written before activations existed). */
static int parse_activations(const char *path, const char *acts, FsrModel *m)
{
    for (int i = 0; i < m->n_layers; i++)
        m->layers[i].act = i < m->n_layers - 1 ? FSR_ACT_RELU : FSR_ACT_NONE;
    if (!acts)
        return 0;
    const char *p = acts;
    for (int i = 0; i < m->n_layers; i++) {
        const size_t n = strcspn(p, ",");
        if (n == 4 && !strncmp(p, "none", 4))
            m->layers[i].act = FSR_ACT_NONE;
        else if (n == 4 && !strncmp(p, "relu", 4))
            m->layers[i].act = FSR_ACT_RELU;
        else if (n == 5 && !strncmp(p, "prelu", 5))
            m->layers[i].act = FSR_ACT_PRELU;
        else
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: activations \"%s\": entry %d is not none, relu or prelu",
                             path, acts, i + 1);
        p += n;
        if (i < m->n_layers - 1 && *p++ != ',')
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: activations \"%s\" names %d layers, the model has %d",
                             path, acts, i + 1, m->n_layers);
    }
    if (*p)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: activations \"%s\" names more than the %d layers of the model",
                         path, acts, m->n_layers);
    if (m->layers[m->n_layers - 1].act != FSR_ACT_NONE)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: activations: the last layer must be none", path);
    return 0;
}

/* Checks the 8-byte length and parses the JSON header; *hlen gets its
 * length, *root the object (the caller deletes it). */
static int parse_header(const char *path, const uint8_t *file, size_t size, cJSON **root, uint64_t *hlen)
{
    if (size < 8)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: not a safetensors file (only %zu bytes)", path, size);
    uint64_t len = 0;
    for (int i = 7; i >= 0; i--)
        len = len << 8 | file[i];
    if (len < 2 || len > MAX_HEADER_BYTES || len > size - 8)
        return fsr_error(FSR_ERR_INVALIDDATA,
                         "%s: not a safetensors file (header length %llu, file has %zu bytes)",
                         path, (unsigned long long)len, size);
    const char *hdr = (const char *)file + 8;
    if (hdr[0] != '{')
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: not a safetensors file (header is not a JSON object)", path);
    const char *end = NULL;
    cJSON *r = cJSON_ParseWithLengthOpts(hdr, (size_t)len, &end, 0);
    if (!r || !cJSON_IsObject(r)) {
        cJSON_Delete(r);
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: malformed JSON header near byte %td", path,
                         (cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() : hdr) - hdr + 8);
    }
    /* The writer pads the header with spaces to keep the data aligned. */
    for (const char *p = end; p < hdr + len; p++)
        if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t' && *p != 0) {
            cJSON_Delete(r);
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: malformed JSON header: junk after the object", path);
        }
    *root = r;
    *hlen = len;
    return 0;
}

/* Parses every tensor entry into refs and checks its name; *n_layers gets
 * the highest layer number. */
static int parse_tensors(const char *path, const cJSON *root, size_t data_size, TensorRef *refs, int *n_layers)
{
    int ret, k = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, root) {
        if (!strcmp(e->string, "__metadata__"))
            continue;
        if ((ret = parse_tensor(path, e, data_size, &refs[k])) < 0)
            return ret;
        int layer;
        char kind[8], extra;
        if (sscanf(e->string, "conv%d.%7[a-z]%c", &layer, kind, &extra) != 2 || layer < 1 ||
            layer > FSR_MODEL_MAX_LAYERS || (strcmp(kind, "weight") && strcmp(kind, "bias") && strcmp(kind, "prelu")))
            return fsr_error(FSR_ERR_INVALIDDATA,
                             "%s: unexpected tensor %s (expected conv1.weight, conv1.bias, conv1.prelu, ...)",
                             path, e->string);
        if (layer > *n_layers)
            *n_layers = layer;
        k++;
    }
    if (*n_layers == 0)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: no tensors (missing tensor conv1.weight)", path);
    return 0;
}

/* The tensors must tile the data area exactly: overlaps would alias
 * weights, gaps or a tail mean the file is not what its header says. */
static int check_tiling(const char *path, TensorRef *refs, int n_tensors, size_t data_size)
{
    qsort(refs, (size_t)n_tensors, sizeof(*refs), cmp_begin);
    size_t pos = 0;
    for (int i = 0; i < n_tensors; i++) {
        if (refs[i].begin != pos)
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: tensor %s starts at data byte %zu, expected %zu (%s)",
                             path, refs[i].name, refs[i].begin, pos, refs[i].begin < pos ? "overlap" : "gap");
        pos = refs[i].end;
    }
    if (pos != data_size)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: %zu bytes of trailing garbage after the last tensor",
                         path, data_size - pos);
    return 0;
}

/* Fills layer i (0-based) of m from its conv<i+1>.weight and .bias tensors,
 * checking their shapes against the limits and the previous layer. */
static int load_layer(const char *path, const TensorRef *refs, int n_tensors, const uint8_t *data, FsrModel *m,
                      int i)
{
    FsrConvLayer *l = &m->layers[i];
    char wname[32], bname[32];
    snprintf(wname, sizeof(wname), "conv%d.weight", i + 1);
    snprintf(bname, sizeof(bname), "conv%d.bias", i + 1);
    const TensorRef *w = NULL, *b = NULL;
    for (int j = 0; j < n_tensors; j++) {
        if (!strcmp(refs[j].name, wname))
            w = &refs[j];
        if (!strcmp(refs[j].name, bname))
            b = &refs[j];
    }
    if (!w || !b)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: missing tensor %s", path, !w ? wname : bname);
    /* a transposed convolution is stored as PyTorch's ConvTranspose2d
     * weight, [in, out, kh, kw]: with out = 1 the same floats as ours */
    const int deconv = m->upsample == FSR_UP_DECONV && i == m->n_layers - 1;
    const int oi = deconv ? 1 : 0, ii = deconv ? 0 : 1;
    if (w->ndim != 4 || b->ndim != 1)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: %s must be 4-D [%s,kh,kw] and %s 1-D [out]",
                         path, wname, deconv ? "in,out" : "out,in", bname);
    if (deconv && w->shape[oi] != 1)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: %s: the transposed convolution must give 1 channel, not %lld",
                         path, wname, w->shape[oi]);
    if (w->shape[2] < 1 || w->shape[2] > FSR_MODEL_MAX_KERNEL || !(w->shape[2] & 1) ||
        w->shape[3] < 1 || w->shape[3] > FSR_MODEL_MAX_KERNEL || !(w->shape[3] & 1))
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: %s has a %lldx%lld kernel: sizes must be odd and 1..%d",
                         path, wname, w->shape[2], w->shape[3], FSR_MODEL_MAX_KERNEL);
    if (w->shape[oi] < 1 || w->shape[oi] > FSR_MODEL_MAX_CHANNELS ||
        w->shape[ii] < 1 || w->shape[ii] > FSR_MODEL_MAX_CHANNELS)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: %s has %lld -> %lld channels (1..%d)",
                         path, wname, w->shape[ii], w->shape[oi], FSR_MODEL_MAX_CHANNELS);
    if (b->shape[0] != w->shape[oi])
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: %s has %lld values for %lld output channels",
                         path, bname, b->shape[0], w->shape[oi]);
    const long long want_in = i ? m->layers[i - 1].out_ch : 1;
    if (w->shape[ii] != want_in)
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: shapes do not chain: %s takes %lld input channels but %s %lld",
                         path, wname, w->shape[ii], i ? "the previous layer gives" : "the luma input has", want_in);
    l->out_ch = (int)w->shape[oi];
    l->in_ch = (int)w->shape[ii];
    l->kh = (int)w->shape[2];
    l->kw = (int)w->shape[3];
    const size_t nw = (size_t)l->out_ch * l->in_ch * l->kh * l->kw;
    l->weight = malloc(nw * sizeof(float));
    l->bias = malloc((size_t)l->out_ch * sizeof(float));
    if (!l->weight || !l->bias)
        return fsr_error(FSR_ERR(ENOMEM), "%s: out of memory", path);
    convert(l->weight, data + w->begin, w, nw);
    convert(l->bias, data + b->begin, b, (size_t)l->out_ch);
    char pname[32];
    snprintf(pname, sizeof(pname), "conv%d.prelu", i + 1);
    const TensorRef *p = NULL;
    for (int j = 0; j < n_tensors; j++)
        if (!strcmp(refs[j].name, pname))
            p = &refs[j];
    if ((l->act == FSR_ACT_PRELU) != (p != NULL))
        return fsr_error(FSR_ERR_INVALIDDATA, "%s: %s tensor %s", path, p ? "unexpected" : "missing", pname);
    if (p) {
        if (p->ndim != 1 || p->shape[0] != l->out_ch)
            return fsr_error(FSR_ERR_INVALIDDATA, "%s: %s must be 1-D with %d values (one per output channel)",
                             path, pname, l->out_ch);
        if (!(l->slope = malloc((size_t)l->out_ch * sizeof(float))))
            return fsr_error(FSR_ERR(ENOMEM), "%s: out of memory", path);
        convert(l->slope, data + p->begin, p, (size_t)l->out_ch);
    }
    return 0;
}

static int parse_model(const char *path, const uint8_t *file, size_t size, FsrModel **out)
{
    cJSON *root = NULL;
    uint64_t hlen = 0;
    int ret = parse_header(path, file, size, &root, &hlen);
    if (ret < 0)
        return ret;
    const uint8_t *data = file + 8 + hlen;
    const size_t data_size = size - 8 - (size_t)hlen;

    int n_tensors = 0, n_layers = 0;
    TensorRef *refs = NULL;
    FsrModel *m = calloc(1, sizeof(*m));
    const cJSON *e;
    cJSON_ArrayForEach(e, root)
        n_tensors += strcmp(e->string, "__metadata__") != 0;
    refs = calloc((size_t)n_tensors + 1, sizeof(*refs));
    if (!m || !refs) {
        ret = fsr_error(FSR_ERR(ENOMEM), "%s: out of memory", path);
        goto fail;
    }
    const char *acts = NULL;
    if ((ret = parse_metadata(path, cJSON_GetObjectItemCaseSensitive(root, "__metadata__"), m, &acts)) < 0)
        goto fail;
    if ((ret = parse_tensors(path, root, data_size, refs, &n_layers)) < 0)
        goto fail;
    if ((ret = check_tiling(path, refs, n_tensors, data_size)) < 0)
        goto fail;

    m->n_layers = n_layers;
    m->layers = calloc((size_t)n_layers, sizeof(*m->layers));
    if (!m->layers) {
        ret = fsr_error(FSR_ERR(ENOMEM), "%s: out of memory", path);
        goto fail;
    }
    if ((ret = parse_activations(path, acts, m)) < 0)
        goto fail;
    int n_prelu = 0;
    for (int i = 0; i < n_layers; i++) {
        if ((ret = load_layer(path, refs, n_tensors, data, m, i)) < 0)
            goto fail;
        n_prelu += m->layers[i].act == FSR_ACT_PRELU;
    }
    if (n_tensors != 2 * n_layers + n_prelu) {
        ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: %d tensors for %d layers: a conv layer is missing a tensor",
                        path, n_tensors, n_layers);
        goto fail;
    }
    const int want_ch = m->upsample == FSR_UP_SHUFFLE ? m->scale * m->scale : 1;
    if (m->layers[n_layers - 1].out_ch != want_ch) {
        ret = fsr_error(FSR_ERR_INVALIDDATA, "%s: conv%d gives %d channels, expected %d (%s)",
                        path, n_layers, m->layers[n_layers - 1].out_ch, want_ch,
                        m->upsample == FSR_UP_SHUFFLE ? "scale^2 for the pixel shuffle" : "luma");
        goto fail;
    }
    make_name(m);
    if ((ret = fsr_model_validate(m, path)) < 0)
        goto fail;
    free(refs);
    cJSON_Delete(root);
    *out = m;
    return 0;
fail:
    free(refs);
    cJSON_Delete(root);
    fsr_model_close(&m);
    return ret;
}

int fsr_model_open(FsrModel **model, const char *path)
{
    if (!model || !path)
        return fsr_error(FSR_ERR(EINVAL), "model: NULL argument");
    *model = NULL;
    /* a bare name that is no file here is a shipped model's name */
    char found[4096];
    int ret;
    if (!strchr(path, '/') && access(path, F_OK) != 0) {
        if ((ret = fsr_model_path(path, found, sizeof(found))) < 0)
            return ret;
        path = found;
    }
    uint8_t *file = NULL;
    size_t size = 0;
    ret = read_file(path, &file, &size);
    if (ret < 0)
        return ret;
    ret = parse_model(path, file, size, model);
    free(file);
    return ret;
}

/* ---- saving ---- */

/* The keys the format itself writes: extra metadata may not replace them. */
static int reserved_meta_key(const char *k)
{
    static const char *const keys[] = { "arch", "scale", "padding", "input", "upsample", "activations" };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (!strcmp(k, keys[i]))
            return 1;
    return 0;
}

int fsr_model_save(const FsrModel *m, const char *path)
{
    return fsr_model_save_meta(m, path, 0, NULL, NULL);
}

int fsr_model_save_meta(const FsrModel *m, const char *path, int n_extra, const char *const *keys,
                        const char *const *values)
{
    if (!path)
        return fsr_error(FSR_ERR(EINVAL), "model: NULL path");
    int ret = fsr_model_validate(m, path);
    if (ret < 0)
        return ret;
    if (n_extra < 0 || (n_extra && (!keys || !values)))
        return fsr_error(FSR_ERR(EINVAL), "%s: bad extra metadata", path);
    for (int i = 0; i < n_extra; i++)
        if (!keys[i] || !values[i] || !keys[i][0] || reserved_meta_key(keys[i]) || !strcmp(keys[i], "__metadata__"))
            return fsr_error(FSR_ERR(EINVAL), "%s: extra metadata key \"%s\" is empty or reserved", path,
                             keys[i] ? keys[i] : "(null)");
    cJSON *root = cJSON_CreateObject(), *meta = cJSON_CreateObject();
    char *json = NULL;
    if (!root || !meta) {
        cJSON_Delete(root);
        cJSON_Delete(meta);
        return fsr_error(FSR_ERR(ENOMEM), "%s: out of memory", path);
    }
    char scale[4];
    snprintf(scale, sizeof(scale), "%d", m->scale);
    cJSON_AddItemToObject(root, "__metadata__", meta);
    int ok = cJSON_AddStringToObject(meta, "arch", m->arch) && cJSON_AddStringToObject(meta, "scale", scale) &&
             cJSON_AddStringToObject(meta, "padding", m->padding == FSR_PAD_ZERO ? "zero" : "replicate") &&
             cJSON_AddStringToObject(meta, "input", m->input == FSR_INPUT_LR_Y ? "lr_y" : "bicubic_y");
    if (ok && m->input == FSR_INPUT_LR_Y) {
        /* only new kinds of model carry the new keys: SRCNN files stay
         * byte-identical to what older versions wrote */
        char acts[FSR_MODEL_MAX_LAYERS * 6 + 1];
        size_t n = 0;
        static const char *const names[] = { "", "none", "relu", "prelu" };
        for (int i = 0; i < m->n_layers; i++)
            n += (size_t)snprintf(acts + n, sizeof(acts) - n, "%s%s", i ? "," : "", names[fsr_model_layer_act(m, i)]);
        ok = cJSON_AddStringToObject(meta, "upsample", m->upsample == FSR_UP_DECONV ? "deconv" : "pixel_shuffle") &&
             cJSON_AddStringToObject(meta, "activations", acts);
    }
    for (int i = 0; i < n_extra && ok; i++)
        ok = cJSON_GetObjectItemCaseSensitive(meta, keys[i]) == NULL && cJSON_AddStringToObject(meta, keys[i], values[i]);
    size_t off = 0;
    for (int i = 0; i < m->n_layers && ok; i++) {
        const FsrConvLayer *l = &m->layers[i];
        const int deconv = m->upsample == FSR_UP_DECONV && i == m->n_layers - 1;
        for (int t = 0; t < 3 && ok; t++) {
            if (t == 2 && !l->slope)
                break;
            char name[32];
            snprintf(name, sizeof(name), "conv%d.%s", i + 1, t == 2 ? "prelu" : t ? "bias" : "weight");
            const double shape[4] = { deconv ? l->in_ch : l->out_ch, deconv ? l->out_ch : l->in_ch, l->kh, l->kw };
            const size_t bytes = 4 * (t ? (size_t)l->out_ch : (size_t)l->out_ch * l->in_ch * l->kh * l->kw);
            const double offs[2] = { (double)off, (double)(off + bytes) };
            cJSON *e = cJSON_CreateObject();
            ok = e && cJSON_AddStringToObject(e, "dtype", "F32");
            const double vshape[1] = { l->out_ch };
            cJSON *sh = t ? cJSON_CreateDoubleArray(vshape, 1) : cJSON_CreateDoubleArray(shape, 4), *of = cJSON_CreateDoubleArray(offs, 2);
            ok = ok && sh && of;
            if (ok) {
                cJSON_AddItemToObject(e, "shape", sh);
                cJSON_AddItemToObject(e, "data_offsets", of);
                cJSON_AddItemToObject(root, name, e);
            } else {
                cJSON_Delete(e);
                cJSON_Delete(sh);
                cJSON_Delete(of);
            }
            off += bytes;
        }
    }
    if (ok)
        json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!json)
        return fsr_error(FSR_ERR(ENOMEM), "%s: out of memory", path);

    /* Pad the header with spaces so the tensor data starts 8-byte aligned,
     * as the reference implementation does. */
    const size_t jlen = strlen(json), hlen = (jlen + 8 + 7) / 8 * 8 - 8;
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
        free(json);
        return fsr_error(FSR_ERR(ENAMETOOLONG), "%s: path too long", path);
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        ret = fsr_error(FSR_ERR(errno ? errno : EIO), "%s: cannot write: %s", tmp, strerror(errno));
        free(json);
        return ret;
    }
    uint8_t len8[8];
    for (int i = 0; i < 8; i++)
        len8[i] = (uint8_t)((uint64_t)hlen >> (8 * i));
    ok = fwrite(len8, 1, 8, f) == 8 && fwrite(json, 1, jlen, f) == jlen;
    for (size_t i = jlen; i < hlen && ok; i++)
        ok = fputc(' ', f) != EOF;
    free(json);
    for (int i = 0; i < m->n_layers && ok; i++) {
        const FsrConvLayer *l = &m->layers[i];
        const size_t nw = (size_t)l->out_ch * l->in_ch * l->kh * l->kw;
        ok = fwrite(l->weight, sizeof(float), nw, f) == nw &&
             fwrite(l->bias, sizeof(float), (size_t)l->out_ch, f) == (size_t)l->out_ch;
        if (ok && l->slope)
            ok = fwrite(l->slope, sizeof(float), (size_t)l->out_ch, f) == (size_t)l->out_ch;
    }
    if (fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        return fsr_error(FSR_ERR(EIO), "%s: write failed", path);
    }
    return 0;
}

int fsr_model_file_meta(const char *path, const char *key, char *buf, size_t size)
{
    if (!path || !key || !buf || !size)
        return fsr_error(FSR_ERR(EINVAL), "model: NULL argument");
    buf[0] = 0;
    uint8_t *file = NULL;
    size_t fsize = 0;
    int ret = read_file(path, &file, &fsize);
    if (ret < 0)
        return ret;
    cJSON *root = NULL;
    uint64_t hlen = 0;
    if ((ret = parse_header(path, file, fsize, &root, &hlen)) >= 0) {
        const char *v = meta_string(cJSON_GetObjectItemCaseSensitive(root, "__metadata__"), key);
        if (!v)
            ret = fsr_error(FSR_ERR(ENOENT), "%s: no metadata \"%s\"", path, key);
        else if (strlen(v) >= size)
            ret = fsr_error(FSR_ERR(ENAMETOOLONG), "%s: metadata \"%s\" is too long", path, key);
        else
            snprintf(buf, size, "%s", v);
        cJSON_Delete(root);
    }
    free(file);
    return ret;
}

int fsr_model_clone(FsrModel **out, const FsrModel *src)
{
    if (!out || !src || !src->layers || src->n_layers < 1 || src->n_layers > FSR_MODEL_MAX_LAYERS)
        return fsr_error(FSR_ERR(EINVAL), "model: nothing to copy");
    *out = NULL;
    FsrModel *m = calloc(1, sizeof(*m));
    if (!m || !(m->layers = calloc((size_t)src->n_layers, sizeof(*m->layers)))) {
        free(m);
        return fsr_error(FSR_ERR(ENOMEM), "model: out of memory");
    }
    FsrConvLayer *layers = m->layers;
    *m = *src;
    m->layers = layers;
    for (int i = 0; i < src->n_layers; i++) {
        const FsrConvLayer *s = &src->layers[i];
        FsrConvLayer *d = &m->layers[i];
        *d = *s;
        const size_t nw = (size_t)s->out_ch * s->in_ch * s->kh * s->kw;
        d->weight = malloc(nw * sizeof(float));
        d->bias = malloc((size_t)s->out_ch * sizeof(float));
        d->slope = s->slope ? malloc((size_t)s->out_ch * sizeof(float)) : NULL;
        if (!d->weight || !d->bias || (s->slope && !d->slope)) {
            m->n_layers = i + 1;
            fsr_model_close(&m);
            return fsr_error(FSR_ERR(ENOMEM), "model: out of memory");
        }
        memcpy(d->weight, s->weight, nw * sizeof(float));
        memcpy(d->bias, s->bias, (size_t)s->out_ch * sizeof(float));
        if (s->slope)
            memcpy(d->slope, s->slope, (size_t)s->out_ch * sizeof(float));
    }
    *out = m;
    return 0;
}
