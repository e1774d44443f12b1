/* Default models: $FASTSR_MODEL_DIR first, its "defaults" file naming the
 * model per scale, otherwise the most accurate architecture present. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/pipeline.h"

static void touch(const char *dir, const char *name)
{
    char p[1200];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
}

static void test_defaults_file_and_preference(void **state)
{
    (void)state;
    char dir[1024], path[4096];
    snprintf(dir, sizeof(dir), "%s", tu_tmp("models"));
    assert_int_equal(tu_run(NULL, 0, "rm -rf '%s' && mkdir -p '%s'", dir, dir), 0);
    setenv("FASTSR_MODEL_DIR", dir, 1);
    touch(dir, "srcnn-9-1-5-x2.safetensors");
    touch(dir, "srcnn-9-5-5-x2.safetensors");
    /* without a defaults file: the larger architecture */
    assert_int_equal(fsr_model_default_path(2, path, sizeof(path)), 0);
    assert_non_null(strstr(path, "srcnn-9-5-5-x2"));
    /* the defaults file wins */
    char p[1200];
    snprintf(p, sizeof(p), "%s/defaults", dir);
    FILE *f = fopen(p, "w");
    fputs("# scale model\n2 srcnn-9-1-5-x2.safetensors\n3 srcnn-9-1-5-x3.safetensors\n", f);
    fclose(f);
    assert_int_equal(fsr_model_default_path(2, path, sizeof(path)), 0);
    assert_non_null(strstr(path, "srcnn-9-1-5-x2"));
    /* a default naming a missing file falls back to what is there */
    touch(dir, "srcnn-9-3-5-x3.safetensors");
    assert_int_equal(fsr_model_default_path(3, path, sizeof(path)), 0);
    assert_non_null(strstr(path, "srcnn-9-3-5-x3"));
    unsetenv("FASTSR_MODEL_DIR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_file_and_preference),
    };
    return tu_result(cmocka_run_group_tests_name("model_path", tests, NULL, NULL));
}
