/* `cmake --install` gives a usable prefix: the tool runs from there, the
 * headers and fastsr.pc let a program link the library without the tools. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

static char out[16384];

static void test_install_prefix(void **state)
{
    (void)state;
    const char *prefix = tu_tmp("prefix");
    assert_int_equal(tu_run(out, sizeof(out), "cmake --install %s --prefix %s", FASTSR_TEST_BIN_DIR, prefix), 0);
    char path[1200];
    snprintf(path, sizeof(path), "%s/bin/fastsr", prefix);
    assert_true(tu_exists(path));
    assert_int_equal(tu_run(out, sizeof(out), "%s --version", path), 0);
    assert_non_null(strstr(out, "fastsr "));
    snprintf(path, sizeof(path), "%s/include/fastsr/fastsr.h", prefix);
    assert_true(tu_exists(path));
    snprintf(path, sizeof(path), "%s/share/fastsr/models", prefix);
    assert_true(tu_exists(path));

    /* A program that only uses the library, built through pkg-config. */
    const char *src = tu_tmp("libuser.c"), *exe = tu_tmp("libuser");
    FILE *f = fopen(src, "w");
    assert_non_null(f);
    fputs("#include <fastsr/fastsr.h>\n#include <stdio.h>\n#include <string.h>\n"
          "int main(void) {\n"
          "  uint8_t in[4*4], hr[8*8];\n  memset(in, 100, sizeof(in));\n"
          "  if (fsr_bicubic_plane(hr, 8, in, 4, 4, 4, 2) < 0) return 1;\n"
          "  char model[4096];\n  int r = fsr_model_default_path(2, model, sizeof(model));\n"
          "  printf(\"%s %d %d\\n\", fsr_version(), hr[27], r < 0 ? 0 : 1);\n  return hr[27] == 100 ? 0 : 1;\n}\n",
          f);
    fclose(f);
    int rc = tu_run(out, sizeof(out),
                    "PKG_CONFIG_PATH=%s/lib/pkgconfig cc -std=c11 %s %s -o %s $(PKG_CONFIG_PATH=%s/lib/pkgconfig "
                    "pkg-config --cflags --libs fastsr) && %s",
                    prefix, FASTSR_TEST_EXTRA_CFLAGS, src, exe, prefix, exe);
    if (rc != 0)
        fail_msg("library user failed (%d): %s", rc, out);
    assert_non_null(strstr(out, " 100 "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_install_prefix),
    };
    return tu_result(cmocka_run_group_tests_name("install", tests, NULL, NULL));
}
