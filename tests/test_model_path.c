/* Default models: $FASTSR_MODEL_DIR first, its "defaults" file naming the
 * model per scale, otherwise the most accurate architecture present. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastsr/model.h"
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

/* A shipped model by name: fsr_model_path finds NAME or NAME.safetensors
 * in the model folders, fsr_model_open takes the name, a path stays a path,
 * and an unknown name says where it looked. */
static void test_model_by_name(void **state)
{
    (void)state;
    char dir[1024], path[4096];
    snprintf(dir, sizeof(dir), "%s", tu_tmp("named"));
    assert_int_equal(tu_run(NULL, 0, "rm -rf '%s' && mkdir -p '%s'", dir, dir), 0);
    snprintf(path, sizeof(path), "%s/tiny-x2-half.safetensors", dir);
    assert_int_equal(tu_tiny_model(path, 2), 0);
    setenv("FASTSR_MODEL_DIR", dir, 1);
    assert_int_equal(fsr_model_path("tiny-x2-half", path, sizeof(path)), 0);
    assert_non_null(strstr(path, "/tiny-x2-half.safetensors"));
    assert_int_equal(fsr_model_path("tiny-x2-half.safetensors", path, sizeof(path)), 0);
    assert_non_null(strstr(path, dir));
    FsrModel *m = NULL;
    assert_int_equal(fsr_model_open(&m, "tiny-x2-half"), 0);
    assert_int_equal(m->scale, 2);
    fsr_model_close(&m);
    assert_int_equal(fsr_model_path("./tiny-x2-half", path, sizeof(path)), 0);
    assert_string_equal(path, "./tiny-x2-half");
    assert_true(fsr_model_open(&m, "no-such-model-x2") < 0);
    assert_non_null(strstr(fsr_last_error(), "no-such-model-x2: no such model file, nor a shipped model"));
    assert_null(m);
    unsetenv("FASTSR_MODEL_DIR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_file_and_preference),
        cmocka_unit_test(test_model_by_name),
    };
    return tu_result(cmocka_run_group_tests_name("model_path", tests, NULL, NULL));
}
