/* test_xor.c — the seed post's XOR configurations. */
#include <math.h>

#include "test_util.h"
#include "uat/xor.h"

static const double target[4] = {0, 1, 1, 0};

/* The torch set-up solves XOR from seed 0: every output within 0.1 of its target. */
static void test_torch_solves_seed0(void **state) {
  (void)state;
  uat_xor_config c;
  assert_int_equal(uat_xor_config_get("torch", &c), 0);
  uat_xor_run r;
  assert_int_equal(uat_xor_run_seed(&c, 0, &r, NULL), 0);
  assert_false(r.diverged);
  assert_int_equal(r.epochs_run, 2001);
  assert_true(r.solved && r.strict);
  for (int i = 0; i < 4; i++) uat_assert_close(r.out[i], target[i], 0.1, 0);
  assert_true(r.epochs_solved > 0 && r.epochs_solved <= r.epochs_strict);
  /* the same seed gives the same run, bit for bit */
  uat_xor_run again;
  uat_xor_run_seed(&c, 0, &again, NULL);
  assert_memory_equal(r.out, again.out, sizeof r.out);
}

/* A single neuron has a linear decision boundary: at most 3 of the 4 points right, however
 * long it trains. */
static void test_keras_cannot_represent(void **state) {
  (void)state;
  uat_xor_config c;
  assert_int_equal(uat_xor_config_get("keras", &c), 0);
  c.epochs = 3000;
  c.opt.lr = 0.05;
  for (unsigned long seed = 0; seed < 10; seed++) {
    uat_xor_run r;
    assert_int_equal(uat_xor_run_seed(&c, seed, &r, NULL), 0);
    int right = 0;
    for (int i = 0; i < 4; i++) right += (r.out[i] > 0.5) == (target[i] > 0.5);
    assert_true(right <= 3);
    assert_false(r.solved);
  }
}

/* Both numpy variants run their full epoch budget with per-sample updates and give finite
 * outputs; the post's gradient differs from the true one, so the runs differ. */
static void test_numpy_variants(void **state) {
  (void)state;
  uat_xor_config a, b;
  assert_int_equal(uat_xor_config_get("numpy", &a), 0);
  assert_int_equal(uat_xor_config_get("numpy-post", &b), 0);
  assert_int_equal(a.batch_size, 1);
  assert_true(b.post_gradient && !a.post_gradient);
  uat_xor_run ra, rb;
  size_t differ = 0;
  for (unsigned long seed = 0; seed < 20; seed++) {
    uat_xor_run_seed(&a, seed, &ra, NULL);
    uat_xor_run_seed(&b, seed, &rb, NULL);
    assert_int_equal(ra.epochs_run, 3000);
    for (int i = 0; i < 4; i++) assert_true(isfinite(ra.out[i]) && isfinite(rb.out[i]));
    differ += ra.out[0] != rb.out[0];
  }
  assert_true(differ > 0);
}

static void test_summary(void **state) {
  (void)state;
  uat_xor_run runs[4] = {{0}};
  runs[0].solved = 1, runs[0].epochs_solved = 10, runs[0].strict = 1, runs[0].epochs_strict = 30;
  runs[1].solved = 1, runs[1].epochs_solved = 20;
  runs[2].solved = 1, runs[2].epochs_solved = 50;
  runs[3].diverged = 1;
  double scratch[4];
  uat_xor_summary s;
  uat_xor_summarise(runs, 4, scratch, &s);
  assert_int_equal(s.solved, 3);
  assert_int_equal(s.strict, 1);
  assert_int_equal(s.diverged, 1);
  uat_assert_close(s.median_epochs_solved, 20.0, 0, 0);
  uat_assert_close(s.median_epochs_strict, 30.0, 0, 0);
  uat_xor_config c;
  assert_int_not_equal(uat_xor_config_get("tensorflow", &c), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_torch_solves_seed0),
      cmocka_unit_test(test_keras_cannot_represent),
      cmocka_unit_test(test_numpy_variants),
      cmocka_unit_test(test_summary),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
