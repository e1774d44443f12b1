/* Model files: round trip through the writer, and one test per way a
 * safetensors file can be wrong, each checking that the loader refuses it
 * with a message naming the file and the problem. */
#include "testutil.h"

#include "model_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/model.h"

#define META "{\"arch\":\"srcnn\",\"scale\":\"2\",\"padding\":\"zero\",\"input\":\"bicubic_y\"}"

typedef struct Tensor {
    const char *name, *dtype, *shape;
    size_t bytes;
} Tensor;

/* A 1 -> 2 -> 1 network, kernels 3 and 1: 18 + 2 + 2 + 1 floats. */
static const Tensor good[] = {
    { "conv1.weight", "F32", "[2,1,3,3]", 72 },
    { "conv1.bias", "F32", "[2]", 8 },
    { "conv2.weight", "F32", "[1,2,1,1]", 8 },
    { "conv2.bias", "F32", "[1]", 4 },
};
#define N_GOOD 4
#define GOOD_BYTES 92

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

/* Writes a safetensors file: the tensors get consecutive offsets, then
 * data_len bytes of data follow (the caller decides whether that matches). */
static void write_model(const char *path, const char *meta, const Tensor *t, int n, const void *data,
                        size_t data_len)
{
    char json[4096];
    int len = snprintf(json, sizeof(json), "{\"__metadata__\":%s", meta);
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        len += snprintf(json + len, sizeof(json) - len, ",\"%s\":{\"dtype\":\"%s\",\"shape\":%s,\"data_offsets\":[%zu,%zu]}",
                        t[i].name, t[i].dtype, t[i].shape, off, off + t[i].bytes);
        off += t[i].bytes;
    }
    len += snprintf(json + len, sizeof(json) - len, "}");
    uint8_t *buf = malloc(8 + (size_t)len + data_len);
    for (int i = 0; i < 8; i++)
        buf[i] = (uint8_t)((uint64_t)len >> (8 * i));
    memcpy(buf + 8, json, (size_t)len);
    if (data_len)
        memcpy(buf + 8 + len, data, data_len);
    write_bytes(path, buf, 8 + (size_t)len + data_len);
    free(buf);
}

static float values[64];

static int setup(void **state)
{
    (void)state;
    for (int i = 0; i < 64; i++)
        values[i] = 0.01f * (float)(i - 20);
    return 0;
}

/* Loads path and checks it fails with a message naming the file and
 * containing `expect`. */
static void expect_reject(const char *path, const char *expect)
{
    FsrModel *m = (FsrModel *)0x1;
    const int ret = fsr_model_open(&m, path);
    if (ret >= 0)
        fail_msg("%s was accepted, expected an error about \"%s\"", path, expect);
    assert_null(m);
    const char *msg = fsr_last_error();
    if (!strstr(msg, path) || !strstr(msg, expect))
        fail_msg("message \"%s\" should name %s and say \"%s\"", msg, path, expect);
}

static void test_round_trip(void **state)
{
    (void)state;
    const int ch[4] = { 1, 6, 3, 1 }, k[3] = { 5, 1, 3 };
    FsrModel *m = NULL, *r = NULL;
    assert_int_equal(fsr_model_open_empty(&m, "srcnn", 3, FSR_PAD_REPLICATE, 3, ch, k), 0);
    assert_string_equal(m->name, "5-1-3");
    uint32_t seed = 1;
    for (int i = 0; i < 3; i++) {
        FsrConvLayer *l = &m->layers[i];
        for (int j = 0; j < l->out_ch * l->in_ch * l->kh * l->kw; j++)
            l->weight[j] = (float)((int32_t)tu_rand(&seed)) * 1e-9f;
        for (int j = 0; j < l->out_ch; j++)
            l->bias[j] = (float)((int32_t)tu_rand(&seed)) * 1e-10f;
    }
    const char *path = tu_tmp("rt.safetensors");
    assert_int_equal(fsr_model_save(m, path), 0);
    /* Data after the header is 8-byte aligned, as safetensors writes it. */
    FILE *f = fopen(path, "rb");
    uint8_t len8[8];
    assert_int_equal(fread(len8, 1, 8, f), 8);
    fclose(f);
    assert_int_equal(len8[0] % 8, 0);
    assert_int_equal(fsr_model_open(&r, path), 0);
    assert_string_equal(r->arch, "srcnn");
    assert_string_equal(r->name, "5-1-3");
    assert_int_equal(r->scale, 3);
    assert_int_equal(r->padding, FSR_PAD_REPLICATE);
    assert_int_equal(r->input, FSR_INPUT_BICUBIC_Y);
    assert_int_equal(r->n_layers, 3);
    assert_int_equal(fsr_model_macs_per_pixel(r), 6 * 25 + 18 + 27);
    for (int i = 0; i < 3; i++) {
        const FsrConvLayer *a = &m->layers[i], *b = &r->layers[i];
        assert_int_equal(a->in_ch, b->in_ch);
        assert_int_equal(a->out_ch, b->out_ch);
        assert_int_equal(a->kh, b->kh);
        assert_int_equal(a->kw, b->kw);
        assert_memory_equal(a->weight, b->weight, sizeof(float) * a->out_ch * a->in_ch * a->kh * a->kw);
        assert_memory_equal(a->bias, b->bias, sizeof(float) * a->out_ch);
    }
    fsr_model_close(&r);
    assert_null(r);
    fsr_model_close(&r); /* harmless */
    /* The writer refuses an invalid model and leaves nothing behind. */
    m->layers[1].bias[0] = NAN;
    const char *bad = tu_tmp("bad.safetensors");
    assert_true(fsr_model_save(m, bad) < 0);
    assert_false(tu_exists(bad));
    fsr_model_close(&m);
    remove(path);
}

static void test_hand_written_file_loads(void **state)
{
    (void)state;
    /* Tensors listed in another order than their data, as PyTorch's
     * exporter may write them: the header decides, not the order. */
    const Tensor t[] = { good[1], good[0], good[3], good[2] };
    const char *path = tu_tmp("order.safetensors");
    write_model(path, META, t, 4, values, GOOD_BYTES);
    FsrModel *m = NULL;
    assert_int_equal(fsr_model_open(&m, path), 0);
    assert_string_equal(m->name, "3-1");
    /* conv1.bias came first in the data. */
    assert_true(m->layers[0].bias[0] == values[0]);
    assert_true(m->layers[0].weight[0] == values[2]);
    assert_true(m->layers[1].bias[0] == values[20]);
    assert_true(m->layers[1].weight[1] == values[22]);
    fsr_model_close(&m);
    remove(path);
}

static void test_f16(void **state)
{
    (void)state;
    const Tensor t[] = { { "conv1.weight", "F16", "[2,1,3,3]", 36 }, { "conv1.bias", "F16", "[2]", 4 },
                         { "conv2.weight", "F16", "[1,2,1,1]", 4 }, { "conv2.bias", "F16", "[1]", 2 } };
    uint16_t h[23];
    for (int i = 0; i < 23; i++)
        h[i] = 0x3c00; /* 1.0 */
    h[0] = 0xc000;     /* -2.0 */
    h[1] = 0x3555;     /* 0.33325195 */
    h[22] = 0x0001;    /* smallest subnormal, 2^-24 */
    const char *path = tu_tmp("f16.safetensors");
    write_model(path, META, t, 4, h, sizeof(h));
    FsrModel *m = NULL;
    assert_int_equal(fsr_model_open(&m, path), 0);
    assert_true(m->layers[0].weight[0] == -2.0f);
    assert_true(fabsf(m->layers[0].weight[1] - 0.33325195f) < 1e-7f);
    assert_true(m->layers[0].weight[2] == 1.0f);
    assert_true(m->layers[1].bias[0] == ldexpf(1.f, -24));
    fsr_model_close(&m);
    remove(path);
}

static void test_reject_not_safetensors(void **state)
{
    (void)state;
    const char *path = tu_tmp("text.safetensors");
    const char *text = "hello, this is a text file and no model at all\n";
    write_bytes(path, text, strlen(text));
    expect_reject(path, "not a safetensors file");
    const uint8_t png[16] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R' };
    write_bytes(path, png, sizeof(png));
    expect_reject(path, "not a safetensors file");
    remove(path);
}

static void test_reject_too_short(void **state)
{
    (void)state;
    const char *path = tu_tmp("short.safetensors");
    write_bytes(path, "\x02\0\0", 3);
    expect_reject(path, "not a safetensors file");
    remove(path);
}

static void test_reject_bad_header_length(void **state)
{
    (void)state;
    const char *path = tu_tmp("hlen.safetensors");
    /* Claims 1000 header bytes, has 2. */
    uint8_t b[10] = { 0xe8, 0x03, 0, 0, 0, 0, 0, 0, '{', '}' };
    write_bytes(path, b, sizeof(b));
    expect_reject(path, "header length 1000");
    /* Absurd: 2^40. */
    uint8_t c[10] = { 0, 0, 0, 0, 0, 1, 0, 0, '{', '}' };
    write_bytes(path, c, sizeof(c));
    expect_reject(path, "header length");
    remove(path);
}

static void test_reject_malformed_json(void **state)
{
    (void)state;
    const char *path = tu_tmp("json.safetensors");
    const char *j = "{\"__metadata__\":{\"arch\":\"srcnn\",";
    uint8_t buf[64] = { (uint8_t)strlen(j) };
    memcpy(buf + 8, j, strlen(j));
    write_bytes(path, buf, 8 + strlen(j));
    expect_reject(path, "malformed JSON");
    /* Valid object followed by junk inside the header. */
    const char *k = "{\"a\":1} xx";
    uint8_t buf2[64] = { (uint8_t)strlen(k) };
    memcpy(buf2 + 8, k, strlen(k));
    write_bytes(path, buf2, 8 + strlen(k));
    expect_reject(path, "malformed JSON");
    remove(path);
}

static void test_reject_missing_tensor(void **state)
{
    (void)state;
    const char *path = tu_tmp("missing.safetensors");
    const Tensor t[] = { good[0], good[2], good[3] };
    write_model(path, META, t, 3, values, 84);
    expect_reject(path, "missing tensor conv1.bias");
    const Tensor u[] = { good[2], good[3] }; /* only conv2: conv1 missing */
    write_model(path, META, u, 2, values, 12);
    expect_reject(path, "missing tensor conv1.weight");
    remove(path);
}

static void test_reject_unknown_tensor(void **state)
{
    (void)state;
    const char *path = tu_tmp("unknown.safetensors");
    const Tensor t[] = { good[0], good[1], good[2], good[3], { "0.weight", "F32", "[1]", 4 } };
    write_model(path, META, t, 5, values, 96);
    expect_reject(path, "unexpected tensor 0.weight");
    remove(path);
}

static void test_reject_wrong_dtype(void **state)
{
    (void)state;
    const char *path = tu_tmp("dtype.safetensors");
    const Tensor t[] = { { "conv1.weight", "I64", "[2,1,3,3]", 144 }, good[1], good[2], good[3] };
    float big[64] = { 0 };
    write_model(path, META, t, 4, big, 164);
    expect_reject(path, "dtype I64");
    remove(path);
}

static void test_reject_shape_chain(void **state)
{
    (void)state;
    const char *path = tu_tmp("chain.safetensors");
    /* conv2 takes 3 channels, conv1 gives 2. */
    const Tensor t[] = { good[0], good[1], { "conv2.weight", "F32", "[1,3,1,1]", 12 }, good[3] };
    write_model(path, META, t, 4, values, 96);
    expect_reject(path, "do not chain");
    /* First layer must take the single luma channel. */
    const Tensor u[] = { { "conv1.weight", "F32", "[2,2,3,3]", 144 }, good[1], good[2], good[3] };
    float big[64] = { 0 };
    write_model(path, META, u, 4, big, 164);
    expect_reject(path, "do not chain");
    /* Last layer must give one channel. */
    const Tensor v[] = { good[0], good[1], { "conv2.weight", "F32", "[2,2,1,1]", 16 },
                         { "conv2.bias", "F32", "[2]", 8 } };
    write_model(path, META, v, 4, values, 104);
    expect_reject(path, "expected 1");
    /* Bias length differs from the output channels. */
    const Tensor w[] = { good[0], { "conv1.bias", "F32", "[3]", 12 }, good[2], good[3] };
    write_model(path, META, w, 4, values, 96);
    expect_reject(path, "conv1.bias has 3 values");
    /* Weight must be 4-D. */
    const Tensor x[] = { { "conv1.weight", "F32", "[18]", 72 }, good[1], good[2], good[3] };
    write_model(path, META, x, 4, values, GOOD_BYTES);
    expect_reject(path, "4-D");
    remove(path);
}

static void test_reject_kernel_sizes(void **state)
{
    (void)state;
    const char *path = tu_tmp("kernel.safetensors");
    float big[2 * 31 * 31 + 8] = { 0 };
    const Tensor even[] = { { "conv1.weight", "F32", "[2,1,4,4]", 128 }, good[1], good[2], good[3] };
    write_model(path, META, even, 4, big, 148);
    expect_reject(path, "4x4 kernel");
    const Tensor absurd[] = { { "conv1.weight", "F32", "[2,1,31,31]", 2 * 31 * 31 * 4 }, good[1], good[2], good[3] };
    write_model(path, META, absurd, 4, big, 2 * 31 * 31 * 4 + 20);
    expect_reject(path, "31x31 kernel");
    const Tensor zero[] = { { "conv1.weight", "F32", "[2,1,0,3]", 0 }, good[1], good[2], good[3] };
    write_model(path, META, zero, 4, big, 20);
    expect_reject(path, "0x3 kernel");
    remove(path);
}

static void test_reject_non_finite(void **state)
{
    (void)state;
    const char *path = tu_tmp("nan.safetensors");
    float v[23];
    memcpy(v, values, sizeof(v));
    v[5] = NAN;
    write_model(path, META, good, N_GOOD, v, GOOD_BYTES);
    expect_reject(path, "NaN");
    v[5] = 0.f;
    v[22] = -INFINITY; /* conv2.bias */
    write_model(path, META, good, N_GOOD, v, GOOD_BYTES);
    expect_reject(path, "conv2.bias holds a NaN or infinite value");
    remove(path);
}

static void test_reject_offsets_outside(void **state)
{
    (void)state;
    const char *path = tu_tmp("offsets.safetensors");
    /* The header describes 92 bytes, the file holds 60. */
    write_model(path, META, good, N_GOOD, values, 60);
    expect_reject(path, "outside");
    remove(path);
}

static void test_reject_trailing_garbage(void **state)
{
    (void)state;
    const char *path = tu_tmp("trailing.safetensors");
    write_model(path, META, good, N_GOOD, values, GOOD_BYTES + 16);
    expect_reject(path, "16 bytes of trailing garbage");
    remove(path);
}

/* Writes the 1 -> 2 -> 1 network with the given [begin, end) offsets for
 * conv1.weight, conv1.bias, conv2.weight, conv2.bias and data_len zero
 * bytes of data. */
static void write_with_offsets(const char *path, const size_t off[N_GOOD][2], size_t data_len)
{
    char j[2048];
    size_t len = (size_t)snprintf(j, sizeof(j), "{\"__metadata__\":" META);
    for (int i = 0; i < N_GOOD; i++)
        len += (size_t)snprintf(j + len, sizeof(j) - len, ",\"%s\":{\"dtype\":\"F32\",\"shape\":%s,\"data_offsets\":[%zu,%zu]}",
                                good[i].name, good[i].shape, off[i][0], off[i][1]);
    len += (size_t)snprintf(j + len, sizeof(j) - len, "}");
    uint8_t *buf = calloc(1, 8 + len + data_len);
    for (int i = 0; i < 8; i++)
        buf[i] = (uint8_t)((uint64_t)len >> (8 * i));
    memcpy(buf + 8, j, len);
    write_bytes(path, buf, 8 + len + data_len);
    free(buf);
}

static void test_reject_overlap_and_gap(void **state)
{
    (void)state;
    const char *path = tu_tmp("overlap.safetensors");
    /* control: the same writer with the tensors back to back loads, so each
     * refusal below is the layout's doing */
    const size_t tiled[N_GOOD][2] = { { 0, 72 }, { 72, 80 }, { 80, 88 }, { 88, 92 } };
    write_with_offsets(path, tiled, 92);
    FsrModel *m = NULL;
    if (fsr_model_open(&m, path) < 0)
        fail_msg("a tiled layout was refused: %s", fsr_last_error());
    fsr_model_close(&m);
    /* conv1.bias inside conv1.weight's bytes */
    const size_t overlap[N_GOOD][2] = { { 0, 72 }, { 64, 72 }, { 72, 80 }, { 80, 84 } };
    write_with_offsets(path, overlap, 84);
    expect_reject(path, "tensor conv1.bias starts at data byte 64, expected 72 (overlap)");
    /* 4 unused bytes between conv1.weight and conv1.bias; the last tensor
     * ends where the data ends, so no trailing-bytes or bounds check can
     * refuse it, only the gap check */
    const size_t gap[N_GOOD][2] = { { 0, 72 }, { 76, 84 }, { 84, 92 }, { 92, 96 } };
    write_with_offsets(path, gap, 96);
    expect_reject(path, "tensor conv1.bias starts at data byte 76, expected 72 (gap)");
    /* unused bytes before the first tensor */
    const size_t lead[N_GOOD][2] = { { 8, 80 }, { 80, 88 }, { 88, 96 }, { 96, 100 } };
    write_with_offsets(path, lead, 100);
    expect_reject(path, "tensor conv1.weight starts at data byte 8, expected 0 (gap)");
    remove(path);
}

static void test_reject_metadata(void **state)
{
    (void)state;
    const char *path = tu_tmp("meta.safetensors");
    write_model(path, "{\"arch\":\"srcnn\",\"padding\":\"zero\"}", good, N_GOOD, values, GOOD_BYTES);
    expect_reject(path, "missing scale");
    write_model(path, "{\"arch\":\"srcnn\",\"scale\":\"5\",\"padding\":\"zero\"}", good, N_GOOD, values, GOOD_BYTES);
    expect_reject(path, "scale \"5\"");
    write_model(path, "{\"arch\":\"srcnn\",\"scale\":\"2\",\"padding\":\"reflect\"}", good, N_GOOD, values, GOOD_BYTES);
    expect_reject(path, "padding \"reflect\"");
    write_model(path, "{\"arch\":\"srcnn\",\"scale\":\"2\",\"padding\":\"zero\",\"input\":\"rgb\"}", good, N_GOOD,
                values, GOOD_BYTES);
    expect_reject(path, "input \"rgb\"");
    remove(path);
}

/* LR-input models: round trip of an FSRCNN-like (PReLU, transposed
 * convolution) and an ESPCN-like (ReLU, pixel shuffle) network. */
static void test_lr_round_trip(void **state)
{
    (void)state;
    for (int up = FSR_UP_DECONV; up <= FSR_UP_SHUFFLE; up++) {
        const int ch[5] = { 1, 4, 2, 4, 0 }, k[4] = { 5, 1, 3, 9 };
        const int n = up == FSR_UP_DECONV ? 4 : 3;
        FsrModel *m = NULL, *r = NULL;
        assert_int_equal(fsr_model_open_empty_lr(&m, up == FSR_UP_DECONV ? "fsrcnn" : "espcn", 3, FSR_PAD_ZERO, up, n,
                                             ch, k, up == FSR_UP_DECONV ? FSR_ACT_PRELU : FSR_ACT_RELU), 0);
        uint32_t seed = 2;
        for (int i = 0; i < n; i++) {
            FsrConvLayer *l = &m->layers[i];
            for (int j = 0; j < l->out_ch * l->in_ch * l->kh * l->kw; j++)
                l->weight[j] = (float)((int32_t)tu_rand(&seed)) * 1e-9f;
            for (int j = 0; j < l->out_ch; j++)
                l->bias[j] = (float)((int32_t)tu_rand(&seed)) * 1e-10f;
            for (int j = 0; l->slope && j < l->out_ch; j++)
                l->slope[j] = (float)((int32_t)tu_rand(&seed)) * 1e-10f;
        }
        const char *path = tu_tmp("lr.safetensors");
        assert_int_equal(fsr_model_save(m, path), 0);
        assert_int_equal(fsr_model_open(&r, path), 0);
        assert_int_equal(r->input, FSR_INPUT_LR_Y);
        assert_int_equal(r->upsample, up);
        assert_int_equal(r->n_layers, n);
        assert_int_equal(r->layers[n - 1].out_ch, up == FSR_UP_DECONV ? 1 : 9);
        /* per HR pixel: the LR layers' MACs / 9 */
        const long long lr_macs = up == FSR_UP_DECONV ? 4 * 25 + 8 + 18 * 4 + 4 * 81 : 4 * 25 + 8 + 2 * 9 * 9;
        assert_int_equal(fsr_model_macs_per_pixel(r), (lr_macs + 4) / 9);
        for (int i = 0; i < n; i++) {
            const FsrConvLayer *a = &m->layers[i], *b = &r->layers[i];
            assert_int_equal(a->in_ch, b->in_ch);
            assert_int_equal(a->out_ch, b->out_ch);
            assert_int_equal(a->kh, b->kh);
            assert_int_equal(a->act, b->act);
            assert_memory_equal(a->weight, b->weight, sizeof(float) * a->out_ch * a->in_ch * a->kh * a->kw);
            assert_memory_equal(a->bias, b->bias, sizeof(float) * a->out_ch);
            assert_int_equal(a->slope != NULL, b->slope != NULL);
            if (a->slope)
                assert_memory_equal(a->slope, b->slope, sizeof(float) * a->out_ch);
        }
        fsr_model_close(&r);
        fsr_model_close(&m);
        remove(path);
    }
}

#define LR_META "{\"arch\":\"fsrcnn\",\"scale\":\"2\",\"padding\":\"zero\",\"input\":\"lr_y\"," \
                "\"upsample\":\"deconv\",\"activations\":\"prelu,none\"}"

/* 1 -> 2 (3x3, PReLU) -> transposed 3x3 to 1, written by hand in PyTorch's
 * ConvTranspose2d layout [in, out, kh, kw]. */
static const Tensor good_lr[] = {
    { "conv1.weight", "F32", "[2,1,3,3]", 72 },
    { "conv1.bias", "F32", "[2]", 8 },
    { "conv1.prelu", "F32", "[2]", 8 },
    { "conv2.weight", "F32", "[2,1,3,3]", 72 },
    { "conv2.bias", "F32", "[1]", 4 },
};
#define N_GOOD_LR 5
#define GOOD_LR_BYTES 164

static void test_lr_hand_written(void **state)
{
    (void)state;
    const char *path = tu_tmp("lrhand.safetensors");
    write_model(path, LR_META, good_lr, N_GOOD_LR, values, GOOD_LR_BYTES);
    FsrModel *m = NULL;
    assert_int_equal(fsr_model_open(&m, path), 0);
    assert_int_equal(m->input, FSR_INPUT_LR_Y);
    assert_int_equal(m->upsample, FSR_UP_DECONV);
    assert_int_equal(m->layers[0].act, FSR_ACT_PRELU);
    assert_int_equal(m->layers[1].act, FSR_ACT_NONE);
    assert_int_equal(m->layers[1].in_ch, 2);
    assert_int_equal(m->layers[1].out_ch, 1);
    assert_true(m->layers[0].slope[1] == values[18 + 2 + 1]);
    assert_true(m->layers[1].weight[10] == values[18 + 2 + 2 + 10]);
    fsr_model_close(&m);
    /* an old SRCNN file: ReLU after all but the last, no slopes */
    write_model(path, META, good, N_GOOD, values, GOOD_BYTES);
    assert_int_equal(fsr_model_open(&m, path), 0);
    assert_int_equal(m->layers[0].act, FSR_ACT_RELU);
    assert_int_equal(m->layers[1].act, FSR_ACT_NONE);
    assert_null(m->layers[0].slope);
    assert_int_equal(m->upsample, FSR_UP_NONE);
    fsr_model_close(&m);
    remove(path);
}

static void test_lr_reject(void **state)
{
    (void)state;
    const char *path = tu_tmp("lrbad.safetensors");
    write_model(path, "{\"arch\":\"f\",\"scale\":\"2\",\"padding\":\"zero\",\"input\":\"lr_y\"}", good_lr,
                N_GOOD_LR, values, GOOD_LR_BYTES);
    expect_reject(path, "needs __metadata__ upsample");
    write_model(path, "{\"arch\":\"f\",\"scale\":\"2\",\"padding\":\"zero\",\"input\":\"lr_y\","
                "\"upsample\":\"bilinear\"}", good_lr, N_GOOD_LR, values, GOOD_LR_BYTES);
    expect_reject(path, "upsample \"bilinear\"");
    write_model(path, "{\"arch\":\"f\",\"scale\":\"2\",\"padding\":\"zero\",\"upsample\":\"deconv\"}", good,
                N_GOOD, values, GOOD_BYTES);
    expect_reject(path, "with input bicubic_y");
    write_model(path, "{\"arch\":\"f\",\"scale\":\"2\",\"padding\":\"zero\",\"input\":\"lr_y\","
                "\"upsample\":\"deconv\",\"activations\":\"prelu\"}", good_lr, N_GOOD_LR, values, GOOD_LR_BYTES);
    expect_reject(path, "names 1 layers, the model has 2");
    write_model(path, "{\"arch\":\"f\",\"scale\":\"2\",\"padding\":\"zero\",\"input\":\"lr_y\","
                "\"upsample\":\"deconv\",\"activations\":\"prelu,none,relu\"}", good_lr, N_GOOD_LR, values,
                GOOD_LR_BYTES);
    expect_reject(path, "names more than the 2 layers");
    write_model(path, "{\"arch\":\"f\",\"scale\":\"2\",\"padding\":\"zero\",\"input\":\"lr_y\","
                "\"upsample\":\"deconv\",\"activations\":\"tanh,none\"}", good_lr, N_GOOD_LR, values, GOOD_LR_BYTES);
    expect_reject(path, "entry 1 is not none, relu or prelu");
    write_model(path, "{\"arch\":\"f\",\"scale\":\"2\",\"padding\":\"zero\",\"input\":\"lr_y\","
                "\"upsample\":\"deconv\",\"activations\":\"prelu,relu\"}", good_lr, N_GOOD_LR, values, GOOD_LR_BYTES);
    expect_reject(path, "the last layer must be none");
    /* PReLU slopes: missing, where no PReLU is, wrong size */
    const Tensor no_slope[] = { good_lr[0], good_lr[1], good_lr[3], good_lr[4] };
    write_model(path, LR_META, no_slope, 4, values, GOOD_LR_BYTES - 8);
    expect_reject(path, "missing tensor conv1.prelu");
    write_model(path, "{\"arch\":\"f\",\"scale\":\"2\",\"padding\":\"zero\",\"input\":\"lr_y\","
                "\"upsample\":\"deconv\",\"activations\":\"relu,none\"}", good_lr, N_GOOD_LR, values, GOOD_LR_BYTES);
    expect_reject(path, "unexpected tensor conv1.prelu");
    const Tensor short_slope[] = { good_lr[0], good_lr[1], { "conv1.prelu", "F32", "[1]", 4 }, good_lr[3], good_lr[4] };
    write_model(path, LR_META, short_slope, 5, values, GOOD_LR_BYTES - 4);
    expect_reject(path, "conv1.prelu must be 1-D with 2 values");
    float bad[64];
    memcpy(bad, values, sizeof(bad));
    bad[18 + 2] = NAN;
    write_model(path, LR_META, good_lr, N_GOOD_LR, bad, GOOD_LR_BYTES);
    expect_reject(path, "conv1.prelu holds a NaN");
    /* a transposed convolution gives the one luma channel */
    const Tensor two_out[] = { good_lr[0], good_lr[1], good_lr[2], { "conv2.weight", "F32", "[2,2,3,3]", 144 },
                               { "conv2.bias", "F32", "[2]", 8 } };
    write_model(path, LR_META, two_out, 5, values, 72 + 8 + 8 + 144 + 8);
    expect_reject(path, "the transposed convolution must give 1 channel");
    /* [out, in] instead of [in, out]: the chain check names it */
    const Tensor swapped[] = { good_lr[0], good_lr[1], good_lr[2], { "conv2.weight", "F32", "[1,2,3,3]", 72 },
                               good_lr[4] };
    write_model(path, LR_META, swapped, 5, values, GOOD_LR_BYTES);
    expect_reject(path, "conv2.weight");
    /* a pixel shuffle needs scale^2 channels */
    write_model(path, "{\"arch\":\"e\",\"scale\":\"2\",\"padding\":\"zero\",\"input\":\"lr_y\","
                "\"upsample\":\"pixel_shuffle\"}", good, N_GOOD, values, GOOD_BYTES);
    expect_reject(path, "expected 4 (scale^2 for the pixel shuffle)");
    remove(path);
}

/* Random corruptions of a valid file (header and data bytes, truncation):
 * the loader must either load a valid model or fail with a message, never
 * crash or read out of bounds (run under the sanitizers by test.sh). */
static void test_mutations_never_crash(void **state)
{
    (void)state;
    const char *path = tu_tmp("mut.safetensors");
    write_model(path, META, good, N_GOOD, values, GOOD_BYTES);
    FILE *f = fopen(path, "rb");
    uint8_t orig[1024];
    const size_t n = fread(orig, 1, sizeof(orig), f);
    fclose(f);
    assert_true(n > 100 && n < sizeof(orig));
    uint32_t seed = 12345;
    int loaded = 0, refused = 0;
    for (int i = 0; i < 600; i++) {
        uint8_t buf[1024];
        memcpy(buf, orig, n);
        size_t len = n;
        const int edits = 1 + (int)(tu_rand(&seed) % 3);
        for (int e = 0; e < edits; e++) {
            /* Mostly inside the header, where the structure is. */
            const size_t pos = tu_rand(&seed) % 4 ? tu_rand(&seed) % (n - GOOD_BYTES) : tu_rand(&seed) % n;
            buf[pos] = (uint8_t)tu_rand(&seed);
        }
        if (tu_rand(&seed) % 8 == 0)
            len = tu_rand(&seed) % n;
        write_bytes(path, buf, len);
        FsrModel *m = NULL;
        if (fsr_model_open(&m, path) == 0) {
            assert_int_equal(fsr_model_validate(m, "mutated"), 0);
            fsr_model_close(&m);
            loaded++;
        } else {
            assert_null(m);
            assert_non_null(strstr(fsr_last_error(), path));
            refused++;
        }
    }
    /* Data bytes may change and stay valid; most header edits must not. */
    assert_true(refused > 300);
    assert_true(loaded > 0);
    remove(path);
}

static void test_reject_missing_file(void **state)
{
    (void)state;
    expect_reject(tu_tmp("does-not-exist.safetensors"), "cannot open");
    FsrModel *m = NULL;
    assert_true(fsr_model_open(&m, NULL) < 0);
    assert_true(fsr_model_open(NULL, "x") < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_hand_written_file_loads),
        cmocka_unit_test(test_f16),
        cmocka_unit_test(test_reject_not_safetensors),
        cmocka_unit_test(test_reject_too_short),
        cmocka_unit_test(test_reject_bad_header_length),
        cmocka_unit_test(test_reject_malformed_json),
        cmocka_unit_test(test_reject_missing_tensor),
        cmocka_unit_test(test_reject_unknown_tensor),
        cmocka_unit_test(test_reject_wrong_dtype),
        cmocka_unit_test(test_reject_shape_chain),
        cmocka_unit_test(test_reject_kernel_sizes),
        cmocka_unit_test(test_reject_non_finite),
        cmocka_unit_test(test_reject_offsets_outside),
        cmocka_unit_test(test_reject_trailing_garbage),
        cmocka_unit_test(test_reject_overlap_and_gap),
        cmocka_unit_test(test_reject_metadata),
        cmocka_unit_test(test_mutations_never_crash),
        cmocka_unit_test(test_lr_round_trip),
        cmocka_unit_test(test_lr_hand_written),
        cmocka_unit_test(test_lr_reject),
        cmocka_unit_test(test_reject_missing_file),
    };
    return tu_result(cmocka_run_group_tests_name("model", tests, setup, NULL));
}
