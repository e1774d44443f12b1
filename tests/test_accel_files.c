/* Accelerator model files and tool: architecture and network JSON (good and
 * bad), the fastsr-accel table, --json report schema, and error lines. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "accel_internal.h"

static const char *write_file(const char *name, const char *text)
{
    const char *path = tu_tmp(name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_arch_json(void **state)
{
    (void)state;
    FsrAccelArch a;
    const char *full =
        "{\"name\": \"mini\", \"pe_rows\": 8, \"pe_cols\": 6, \"rf_words\": {\"ifmap\": 16, \"filter\": 128, \"psum\": 16},"
        " \"glb_bytes\": 32768, \"word_bits\": 8, \"acc_bits\": 24, \"rounding\": \"truncate\", \"clock_hz\": 5e8,"
        " \"dram_bus_bits\": 32, \"dram_clock_hz\": 1e9, \"dram_overlap\": true, \"filters_in_glb\": true,"
        " \"set_rule\": \"free\", \"dataflow\": \"ws\", \"noc_words_per_cycle\": {\"ifmap\": 8},"
        " \"energy\": {\"unit\": \"pJ\", \"mac\": 0.2, \"rf\": 0.1, \"array\": 0.3, \"glb\": 1.5, \"dram\": 60}}";
    assert_int_equal(fsr_accel_arch_parse(&a, full, "mini.json"), 0);
    assert_string_equal(a.name, "mini");
    assert_int_equal(a.pe_rows, 8);
    assert_int_equal(a.pe_cols, 6);
    assert_int_equal(a.rf_filter, 128);
    assert_int_equal(a.glb_bytes, 32768);
    assert_int_equal(a.word_bits, 8);
    assert_int_equal(a.acc_bits, 24);
    assert_int_equal(a.rounding, FSR_ROUND_TRUNCATE);
    assert_true(fabs(a.dram_bytes_per_cycle - 8.0) < 1e-12); /* 4 bytes at twice the core clock */
    assert_int_equal(a.dram_overlap, 1);
    assert_int_equal(a.set_rule, FSR_ACCEL_SETS_FREE);
    assert_int_equal(a.dataflow, FSR_ACCEL_WS);
    assert_true(fabs(a.noc_words_per_cycle[FSR_ACCEL_IFMAP] - 8) < 1e-12);
    assert_string_equal(a.energy_unit, "pJ");
    assert_true(fabs(a.e_level[FSR_ACCEL_DRAM] - 60) < 1e-12);

    /* "base" changes a few parameters of a built-in. */
    assert_int_equal(fsr_accel_arch_parse(&a, "{\"base\": \"eyeriss-v1\", \"name\": \"e8\", \"word_bits\": 8,"
                                              " \"rlc\": true, \"zero_gating\": true}", "e8"), 0);
    assert_int_equal(a.word_bits, 8);
    assert_int_equal(a.rlc, 1);
    assert_int_equal(a.zero_gating, 1);
    assert_int_equal(a.pe_rows, 12);
    assert_int_equal(a.rf_filter, 224);
    /* the preset's published process and area are not a file's; its pJ
     * stay the preset's (and say so) until the file gives its own */
    assert_string_equal(a.process, "");
    assert_true(a.core_area_mm2 == 0);
    assert_non_null(strstr(a.energy_source, "JSSC 2017"));
    assert_int_equal(fsr_accel_arch_parse(&a, "{\"base\": \"eyeriss-v1\", \"energy\": {\"unit\": \"pJ\", \"mac\": 1,"
                                              " \"rf\": 1, \"array\": 2, \"glb\": 6, \"dram\": 200}}", "pj"), 0);
    assert_string_equal(a.energy_source, "");
    fsr_accel_arch_get(&a, "eyeriss-v1");
    assert_non_null(strstr(a.process, "65 nm"));

    /* Errors name the file and the problem. */
    static const struct { const char *json, *expect; } bad[] = {
        { "{\"name\": \"x\", \"pe_rows\": 12", "invalid JSON" },
        { "{\"name\": \"x\", \"pe_cols\": 14, \"rf_words\": {\"ifmap\": 1, \"filter\": 1, \"psum\": 1}, \"glb_bytes\": 1024,"
          " \"word_bits\": 16, \"clock_hz\": 1e8, \"dram_bytes_per_cycle\": 1}", "\"pe_rows\"" },
        { "{\"base\": \"eyeriss-v1\", \"rf_words\": {\"ifmap\": 0}}", "\"ifmap\"" },
        { "{\"base\": \"eyeriss-v1\", \"rounding\": \"up\"}", "\"rounding\" must be one of" },
        { "{\"base\": \"eyeriss-v1\", \"energy\": {\"unit\": \"pJ\", \"mac\": 1}}", "missing key \"dram\"" },
        { "{\"base\": \"eyeriss-v1\", \"pe_rows\": 2.5}", "integer" },
        { "{\"base\": \"eyeriss-v1\", \"dram_bus_bits\": 64}", "go together" },
        { "{\"base\": \"eyeriss-v2\"}", "\"base\"" },
        { "[1, 2]", "object" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        assert_true(fsr_accel_arch_parse(&a, bad[i].json, "bad.json") < 0);
        if (!strstr(fsr_last_error(), bad[i].expect) || !strstr(fsr_last_error(), "bad.json"))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, fsr_last_error(), bad[i].expect);
    }
}

/* Found by fuzzing (tests/fuzz/crashes/accel_json/dram-cycles-overflow.json):
 * a DRAM interface at 1e-54 bytes per core cycle made the DRAM cycles of a
 * layer overflow int64 (undefined behaviour).  Such a chip still parses; a
 * layer it needs more than 2^48 cycles for is refused with one line. */
static void test_arch_crawling_dram(void **state)
{
    (void)state;
    FsrAccelArch a;
    assert_int_equal(fsr_accel_arch_parse(&a, "{\"base\": \"eyeriss-v1\", \"name\": \"slow\", \"clock_hz\": 2e62,"
                                              " \"dram_bus_bits\": 64, \"dram_clock_hz\": 60e6}", "slow.json"), 0);
    FsrAccelNet *net = NULL;
    assert_int_equal(fsr_accel_net_builtin(&net, "srcnn-9-1-5", 24, 16), 0);
    FsrAccelReport *rep = NULL;
    assert_int_equal(fsr_accel_eval_net(&rep, &a, net, 1, NULL), FSR_ERR(EOVERFLOW));
    assert_null(rep);
    if (!strstr(fsr_last_error(), "conv1 on slow") || !strstr(fsr_last_error(), "beyond the model's range"))
        fail_msg("error line: %s", fsr_last_error());
    /* the same chip at a sane DRAM speed maps the network */
    a.dram_bytes_per_cycle = 1;
    assert_int_equal(fsr_accel_eval_net(&rep, &a, net, 1, NULL), 0);
    assert_true(rep->total.dram_cycles > 0 && rep->total.cycles >= rep->total.dram_cycles);
    fsr_accel_report_close(&rep);
    fsr_accel_net_close(&net);
}

static void test_net_json(void **state)
{
    (void)state;
    FsrAccelNet *net = NULL;
    const char *good = "{\"name\": \"two\", \"layers\": ["
                       "{\"name\": \"c1\", \"type\": \"conv\", \"C\": 3, \"M\": 16, \"H\": 32, \"W\": 48, \"R\": 5, \"S\": 3,"
                       " \"stride\": 2, \"pad\": 1, \"groups\": 1},"
                       "{\"name\": \"f\", \"type\": \"fc\", \"C\": 16, \"M\": 10, \"H\": 15, \"W\": 24,"
                       " \"ifmap_zeros\": 0.4}]}";
    assert_int_equal(fsr_accel_net_parse(&net, good, "two.json"), 0);
    assert_int_equal(net->n_layers, 2);
    assert_int_equal(net->layers[0].P, 15); /* (32 + 2 - 5) / 2 + 1 */
    assert_int_equal(net->layers[0].Q, 24); /* (48 + 2 - 3) / 2 + 1 */
    assert_int_equal(net->layers[1].R, 15);
    assert_int_equal(net->layers[1].S, 24);
    assert_int_equal(net->layers[1].P, 1);
    assert_true(fabs(net->layers[1].ifmap_zeros - 0.4) < 1e-12);
    fsr_accel_net_close(&net);
    assert_null(net);

    static const struct { const char *json, *expect; } bad[] = {
        { "{\"layers\": []}", "\"name\"" },
        { "{\"name\": \"n\", \"layers\": []}", "non-empty" },
        { "{\"name\": \"n\", \"layers\": [{\"name\": \"a\", \"type\": \"conv\", \"C\": 3, \"H\": 8, \"W\": 8, \"R\": 3, \"S\": 3}]}",
          "\"M\"" },
        { "{\"name\": \"n\", \"layers\": [{\"name\": \"a\", \"type\": \"pool\", \"C\": 3}]}", "\"type\"" },
        { "{\"name\": \"n\", \"layers\": [{\"name\": \"a\", \"type\": \"conv\", \"C\": 3, \"M\": 4, \"H\": 4, \"W\": 4,"
          " \"R\": 7, \"S\": 7}]}", "does not fit" },
        { "{\"name\": \"n\", \"layers\": [{\"name\": \"a\", \"type\": \"conv\", \"C\": 3, \"M\": 4, \"H\": 8, \"W\": 8,"
          " \"R\": 3, \"S\": 3, \"groups\": 2}]}", "groups" },
        { "{\"name\": \"n\", \"layers\": [{\"name\": \"a\", \"type\": \"conv\", \"C\": -3, \"M\": 4, \"H\": 8, \"W\": 8,"
          " \"R\": 3, \"S\": 3}]}", "\"C\"" },
        { "{\"name\": \"n\", \"layers\": [{\"name\": \"a\", \"type\": \"conv\", \"C\": 3, \"M\": 4, \"H\": 8, \"W\": 8,"
          " \"R\": 3, \"S\": 3, \"ofmap_zeros\": 2}]}", "zero fractions" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        assert_true(fsr_accel_net_parse(&net, bad[i].json, "bad.json") < 0);
        assert_null(net);
        if (!strstr(fsr_last_error(), bad[i].expect))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, fsr_last_error(), bad[i].expect);
    }
    /* Built-ins and the model route. */
    assert_int_equal(fsr_accel_net_open(&net, "srcnn-9-3-5", 64, 48), 0);
    assert_int_equal(net->layers[1].R, 3);
    assert_int_equal(net->layers[2].P, 48);
    fsr_accel_net_close(&net);
    assert_true(fsr_accel_net_open(&net, "no-such-net.json", 64, 48) < 0);
    assert_non_null(strstr(fsr_last_error(), "no-such-net.json"));
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(it))
        fail_msg("key %s missing", k);
    return it->valuedouble;
}

static void test_tool_json_report(void **state)
{
    (void)state;
    const char *out = tu_tmp("alexnet.json");
    static char buf[1 << 16];
    int rc = tu_run(buf, sizeof(buf), "%s --arch eyeriss-v1 --net alexnet --batch 4 --json %s", tu_tool("fastsr-accel"),
                    out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(buf, "CONV5"));
    assert_non_null(strstr(buf, "Eyexam"));
    FILE *f = fopen(out, "rb");
    assert_non_null(f);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = 0;
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    assert_string_equal(cJSON_GetObjectItem(root, "arch")->valuestring, "eyeriss-v1");
    assert_string_equal(cJSON_GetObjectItem(root, "net")->valuestring, "alexnet");
    assert_int_equal((int)num(root, "batch"), 4);
    const cJSON *layers = cJSON_GetObjectItem(root, "layers"), *total = cJSON_GetObjectItem(root, "total");
    assert_int_equal(cJSON_GetArraySize(layers), 5);
    static const char *const keys[] = { "macs", "active_pes", "utilization", "cycles", "compute_cycles", "dram_cycles",
                                        "latency_s", "dram_bytes" };
    double sum_macs = 0, sum_dram = 0, sum_energy = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, layers) {
        for (size_t k = 0; k < sizeof(keys) / sizeof(*keys); k++)
            num(l, keys[k]);
        const cJSON *acc = cJSON_GetObjectItem(l, "accesses");
        static const char *const lv[] = { "dram", "glb", "array", "rf" }, *const dt[] = { "ifmap", "filter", "psum" };
        double dram_words = 0;
        for (int a = 0; a < 4; a++)
            for (int d = 0; d < 3; d++) {
                double v = num(cJSON_GetObjectItem(acc, lv[a]), dt[d]);
                if (a == 0)
                    dram_words += v;
            }
        assert_true(fabs(dram_words * 2 - num(l, "dram_bytes")) < 1); /* 16-bit words */
        const cJSON *en = cJSON_GetObjectItem(l, "energy");
        const double parts = num(en, "mac") + num(en, "rf") + num(en, "array") + num(en, "glb") + num(en, "dram") +
                             num(en, "static");
        assert_true(fabs(parts - num(en, "total")) <= 1e-9 * parts);
        assert_true(fabs(num(en, "onchip") + num(en, "dram") - num(en, "total")) <= 1e-9 * parts);
        /* eyeriss-v1 is in pJ: joules and the average on-chip power */
        assert_string_equal(cJSON_GetObjectItem(l, "energy_unit")->valuestring, "pJ");
        assert_true(fabs(num(l, "joules") - num(en, "total") * 1e-12) <= 1e-9 * num(l, "joules"));
        assert_true(fabs(num(l, "dram_joules") - num(en, "dram") * 1e-12) <= 1e-9 * num(l, "joules"));
        assert_true(num(l, "power_mw") > 100 && num(l, "power_mw") < 500);
        const cJSON *shape = cJSON_GetObjectItem(l, "shape");
        assert_int_equal((int)num(shape, "N"), 4);
        assert_true(num(shape, "P") >= 13 && num(shape, "Q") <= 55);
        const cJSON *map = cJSON_GetObjectItem(l, "mapping");
        assert_string_equal(cJSON_GetObjectItem(map, "dataflow")->valuestring, "rs");
        num(map, "e");
        assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(l, "bounds")) >= 5);
        sum_macs += num(l, "macs");
        sum_dram += num(l, "dram_bytes");
        sum_energy += num(en, "total");
    }
    assert_true(fabs(num(total, "macs") - sum_macs) < 0.5);
    assert_true(fabs(num(total, "dram_bytes") - sum_dram) < 0.5);
    assert_true(fabs(num(cJSON_GetObjectItem(total, "energy"), "total") - sum_energy) <= 1e-9 * sum_energy);
    cJSON_Delete(root);
}

static void test_tool_errors(void **state)
{
    (void)state;
    static char buf[8192];
    const char *tool = tu_tool("fastsr-accel");
    assert_int_equal(tu_run(buf, sizeof(buf), "%s --help", tool), 0);
    assert_non_null(strstr(buf, "usage"));
    const char *badjson = write_file("bad-arch.json", "{\"name\": \"x\",, }");
    const char *tiny = write_file("tiny-arch.json", "{\"base\": \"eyeriss-v1\", \"name\": \"tiny\", \"glb_bytes\": 256}");
    const char *net = write_file("net.json", "{\"name\": \"n\", \"layers\": [{\"name\": \"a\", \"type\": \"conv\","
                                             " \"C\": 3, \"M\": 4, \"H\": 4, \"W\": 4, \"R\": 7, \"S\": 7}]}");
    static const struct { const char *args, *expect; } cases[] = {
        { "--arch eyeriss-v1", "required" },
        { "--arch nope.json --net alexnet", "nope.json" },
        { "--arch %s --net alexnet", "invalid JSON" },
        { "--arch %s --net vgg16", "global buffer" },
        { "--arch eyeriss-v1 --net %s", "does not fit" },
        { "--arch eyeriss-v1 --net alexnet --objective speed", "--objective" },
        { "--arch eyeriss-v1 --net srcnn-9-5-5 --input 1920", "--input" },
        { "--arch eyeriss-v1 --net alexnet --batch 0", "--batch" },
        { "--arch eyeriss-v1 --net alexnet --frobnicate", "unknown" },
        { "--arch eyeriss-v1 --net model.safetensors", "model.safetensors" },
        { "--arch %s --net alexnet", "dram_overlap" },
        { "--arch %s --net alexnet", "static_mw" },
    };
    const char *overlap = write_file("overlap-arch.json",
                                     "{\"base\": \"eyeriss-v1\", \"name\": \"o\", \"dram_overlap\": \"sideways\"}");
    const char *stat = write_file("static-arch.json", "{\"base\": \"eyeriss-v1\", \"name\": \"s\", "
                                                      "\"energy\": {\"unit\": \"mac\", \"static_mw\": 5}}");
    const char *files[] = { NULL, NULL, badjson, tiny, net, NULL, NULL, NULL, NULL, NULL, overlap, stat };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char args[2048];
        snprintf(args, sizeof(args), cases[i].args, files[i] ? files[i] : "");
        int rc = tu_run(buf, sizeof(buf), "%s %s", tool, args);
        if (rc == 0 || !strstr(buf, cases[i].expect))
            fail_msg("`%s`: rc %d, output \"%s\" lacks \"%s\"", args, rc, buf, cases[i].expect);
        /* One line, prefixed with the tool's name. */
        assert_int_equal(strncmp(buf, "fastsr-accel: ", 14), 0);
        assert_ptr_equal(strchr(buf, '\n'), buf + strlen(buf) - 1);
    }
}

static void test_compare_jssc(void **state)
{
    (void)state;
    static char buf[1 << 14];
    const char *tool = tu_tool("fastsr-accel");
    assert_int_equal(tu_run(buf, sizeof(buf), "%s --compare-jssc", tool), 0);
    assert_non_null(strstr(buf, "| CONV1 | 154 / 154 |"));
    assert_non_null(strstr(buf, "| CONV2 | 135 / 135 |"));
    assert_non_null(strstr(buf, "| total |"));
    assert_non_null(strstr(buf, "mW"));
    /* shape only: today's raw-word numbers stay reachable */
    assert_int_equal(tu_run(buf, sizeof(buf), "%s --compare-jssc --shape-only", tool), 0);
    assert_non_null(strstr(buf, "shape only"));
    assert_int_equal(tu_run(buf, sizeof(buf), "%s --calibrate-jssc", tool), 0);
    assert_non_null(strstr(buf, "pJ"));
    /* the metrics sheet: every figure says measured or simulated */
    assert_int_equal(tu_run(buf, sizeof(buf), "%s --sheet --arch eyeriss-v1 --net alexnet --batch 4", tool), 0);
    assert_non_null(strstr(buf, "process technology"));
    int lines = 0;
    for (char *p = buf; (p = strstr(p, "\n| ")) != NULL; p++) {
        char *end = strchr(p + 1, '\n');
        if (end) *end = 0;
        if (!strstr(p, "| --- |") && !strstr(p, "| metric |")) {
            if (!strstr(p, "simulated") && !strstr(p, "measured") && !strstr(p, "published") && !strstr(p, "not known"))
                fail_msg("sheet row without its source: %s", p + 1);
            lines++;
        }
        if (end) *end = '\n';
    }
    assert_true(lines >= 10);
    /* the same sheet as JSON text (what fastsr-bench --hr --json carries) */
    FsrAccelArch arch;
    FsrAccelNet *net = NULL;
    FsrAccelReport *rep = NULL;
    FsrAccelOptions opt;
    fsr_accel_defaults(&opt);
    assert_int_equal(fsr_accel_arch_get(&arch, "eyeriss-v1"), 0);
    assert_int_equal(fsr_accel_net_open(&net, "alexnet", 0, 0), 0);
    assert_int_equal(fsr_accel_eval_net(&rep, &arch, net, 4, &opt), 0);
    FsrAccelSheet sheet;
    assert_int_equal(fsr_accel_sheet_fill(&sheet, &arch, net, rep, &opt, NULL), 0);
    assert_int_equal(sheet.n_items, lines);
    char *text = fsr_accel_sheet_json(&sheet);
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    const cJSON *rt = cJSON_GetObjectItem(j, "runtime_per_frame");
    assert_true(fabs(cJSON_GetObjectItem(rt, "value")->valuedouble - rep->total.latency_s / 4) < 1e-12);
    assert_string_equal(cJSON_GetObjectItem(rt, "kind")->valuestring, "simulated");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "accuracy"), "kind")->valuestring, "not known");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "accuracy"), "value")));
    assert_true(fabs(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "power"), "value")->valuedouble - rep->total.power_mw) <
                1e-6 * rep->total.power_mw);
    cJSON_Delete(j);
    free(text);
    fsr_accel_report_close(&rep);
    fsr_accel_net_close(&net);
    assert_int_not_equal(fsr_accel_sheet_fill(&sheet, &arch, NULL, NULL, &opt, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arch_json),
        cmocka_unit_test(test_arch_crawling_dram),
        cmocka_unit_test(test_net_json),
        cmocka_unit_test(test_tool_json_report),
        cmocka_unit_test(test_tool_errors),
        cmocka_unit_test(test_compare_jssc),
    };
    return tu_result(cmocka_run_group_tests(tests, NULL, NULL));
}
