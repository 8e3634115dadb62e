/* test_logic.c — Boolean functions and single neurons: separability against the known counts of
 * threshold functions, threshold rules, and seeds of trained neurons and networks. */
#include <string.h>

#include "test_util.h"
#include "uat/logic.h"

/* The 16 functions of two inputs: all but XOR (0110) and XNOR (1001) are threshold functions,
 * and the exact rule of each reproduces its truth table. */
static void test_two_inputs(void **state) {
  (void)state;
  size_t separable = 0;
  for (unsigned bits = 0; bits < 16; bits++) {
    unsigned char t[4];
    for (int k = 0; k < 4; k++) t[k] = (bits >> (3 - k)) & 1;
    uat_logic_verdict v;
    assert_int_equal(uat_logic_separable(2, t, &v), UAT_OK);
    assert_int_equal(v.separable, bits != 6 && bits != 9);
    separable += (size_t)v.separable;
    if (!v.separable) continue;
    assert_true(v.updates <= v.bound);
    for (int k = 0; k < 4; k++) {
      const double s = (double)v.w[0] * (k >> 1) + (double)v.w[1] * (k & 1);
      assert_int_equal(s >= v.threshold, t[k]);
    }
  }
  assert_int_equal(separable, 14);
  unsigned char and_[4] = {0, 0, 0, 1};
  uat_logic_verdict v;
  char rule[64];
  assert_int_equal(uat_logic_separable(2, and_, &v), UAT_OK);
  uat_logic_rule_string(&v, rule, sizeof rule);
  assert_string_equal(rule, "x1 + x2 >= 1.5");
  assert_string_equal(uat_logic_gate_name(6), "xor");
}

/* The number of threshold functions of n inputs is 4, 14, 104, 1882 for n = 1 ... 4 (Muroga;
 * OEIS A000609): every function of up to four inputs is decided, and the counts must agree. */
static void test_counts(void **state) {
  (void)state;
  const size_t expect[5] = {0, 4, 14, 104, 1882};
  for (size_t n = 1; n <= 4; n++) {
    const size_t rows = (size_t)1 << n;
    size_t count = 0;
    for (unsigned long f = 0; f < (1UL << rows); f++) {
      unsigned char t[16];
      for (size_t r = 0; r < rows; r++) t[r] = (f >> r) & 1;
      uat_logic_verdict v;
      assert_int_equal(uat_logic_separable(n, t, &v), UAT_OK);
      count += (size_t)v.separable;
    }
    print_message("threshold functions of %zu inputs: %zu\n", n, count);
    assert_int_equal(count, expect[n]);
  }
}

/* Parity of two or more inputs is never separable; majority always is, with equal weights. */
static void test_parity_majority(void **state) {
  (void)state;
  for (size_t n = 2; n <= UAT_LOGIC_MAX_INPUTS; n++) {
    unsigned char t[64];
    uat_logic_verdict v;
    uat_logic_parity(n, t);
    assert_int_equal(uat_logic_separable(n, t, &v), UAT_OK);
    assert_false(v.separable);
    assert_true(v.updates > v.bound);
    uat_logic_majority(n, t);
    assert_int_equal(uat_logic_separable(n, t, &v), UAT_OK);
    assert_true(v.separable);
    for (size_t i = 0; i < n; i++) assert_int_equal(v.w[i], 1);
    uat_assert_close(v.threshold, (double)(n / 2) + 0.5, 0, 0); /* more ones than zeros */
  }
  unsigned char bad[4] = {0, 2, 0, 1};
  uat_logic_verdict v;
  assert_int_equal(uat_logic_separable(2, bad, &v), UAT_EINVAL);
  assert_int_equal(uat_logic_separable(7, bad, &v), UAT_EINVAL);
}

/* Seeds: one neuron learns AND from every seed and XOR from none, where its best is 3 rows of 4;
 * a hidden layer of one unit cannot do XOR either (its output is monotone in one projection of
 * the inputs), while some networks with 2 or more units do. */
static void test_seeds(void **state) {
  (void)state;
  uat_logic_params p = uat_logic_default_params();
  p.seeds = 16;
  p.epochs = 500;
  p.max_width = 3;
  const unsigned char and_[4] = {0, 0, 0, 1}, xor_[4] = {0, 1, 1, 0};
  uat_logic_seeds s;
  uat_error err;
  assert_int_equal(uat_logic_train(2, and_, &p, &s, &err), UAT_OK);
  uat_assert_close(s.neuron_rate, 1.0, 0, 0);
  assert_true(s.neuron_found);
  /* the trained neuron is a rule for AND: w1, w2 > 0 and each alone below the threshold */
  assert_true(s.neuron_w[0] > 0 && s.neuron_w[1] > 0 && s.neuron_b < 0);
  assert_true(s.neuron_w[0] + s.neuron_b < 0 && s.neuron_w[0] + s.neuron_w[1] + s.neuron_b > 0);
  assert_int_equal(uat_logic_train(2, xor_, &p, &s, &err), UAT_OK);
  uat_assert_close(s.neuron_rate, 0.0, 0, 0);
  uat_assert_close(s.neuron_best, 0.75, 0, 0);
  assert_false(s.neuron_found);
  uat_assert_close(s.hidden_rate[0], 0.0, 0, 0);
  assert_true(s.hidden_rate[2] > 0.0);
  p.lr = 0;
  assert_int_equal(uat_logic_train(2, xor_, &p, &s, &err), UAT_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_two_inputs),
      cmocka_unit_test(test_counts),
      cmocka_unit_test(test_parity_majority),
      cmocka_unit_test(test_seeds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
