/* test_init.c — initialiser statistics against their defining distributions. */
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "uat/init.h"

enum { IN = 400, OUT = 500 };

typedef struct {
  double mean, var, min, max;
} stats;

static stats weight_stats(uat_init_rule rule, double a, double b, unsigned long seed) {
  const size_t sizes[2] = {IN, OUT};
  const uat_activation act = UAT_ACT_TANH;
  uat_mlp *m = uat_mlp_alloc(2, sizes, &act);
  const uat_init_spec spec = {rule, a, b, UAT_INIT_ZERO, 0, 0};
  gsl_rng *r = uat_rng_alloc(seed);
  assert_int_equal(uat_mlp_init(m, &spec, r), 0);
  const double *W = uat_mlp_weights(m, 0);
  const size_t n = IN * OUT;
  stats s = {gsl_stats_mean(W, 1, n), gsl_stats_variance(W, 1, n), 0, 0};
  gsl_stats_minmax(&s.min, &s.max, W, 1, n);
  const double *bias = uat_mlp_bias(m, 0);
  for (size_t j = 0; j < OUT; j++) assert_true(bias[j] == 0.0);
  gsl_rng_free(r);
  uat_mlp_free(m);
  return s;
}

/* With n = 200000 draws the sample mean has standard error sd / sqrt(n) and the sample
 * variance relative standard error about sqrt(2 / n) (normal) or less (uniform); five
 * standard errors make a false failure a one-in-a-million event, and the seeds are fixed. */
static void expect_moments(stats s, double mean, double var) {
  const double n = IN * OUT;
  uat_assert_close(s.mean, mean, 5.0 * sqrt(var / n), 0);
  uat_assert_close(s.var, var, 0, 5.0 * sqrt(2.0 / n));
}

static void test_normal(void **state) {
  (void)state;
  expect_moments(weight_stats(UAT_INIT_NORMAL, 0.3, 1.7, 1), 0.3, 1.7 * 1.7);
}

static void test_uniform(void **state) {
  (void)state;
  const stats s = weight_stats(UAT_INIT_UNIFORM, -0.5, 2.0, 2);
  expect_moments(s, 0.75, 2.5 * 2.5 / 12.0);
  assert_true(s.min >= -0.5 && s.max < 2.0);
}

static void test_xavier_and_he(void **state) {
  (void)state;
  const double r = sqrt(6.0 / (IN + OUT));
  stats s = weight_stats(UAT_INIT_XAVIER, 0, 0, 3);
  expect_moments(s, 0.0, r * r / 3.0);
  assert_true(s.min >= -r && s.max <= r);
  expect_moments(weight_stats(UAT_INIT_XAVIER_NORMAL, 0, 0, 4), 0.0, 2.0 / (IN + OUT));
  expect_moments(weight_stats(UAT_INIT_HE, 0, 0, 5), 0.0, 2.0 / IN);
  const double rh = sqrt(6.0 / IN);
  s = weight_stats(UAT_INIT_HE_UNIFORM, 0, 0, 6);
  expect_moments(s, 0.0, rh * rh / 3.0);
  assert_true(s.min >= -rh && s.max <= rh);
}

/* PyTorch's nn.Linear: weights and biases uniform on +-1/sqrt(fan_in). */
static void test_torch_default(void **state) {
  (void)state;
  const double bound = 1.0 / sqrt((double)IN);
  const stats s = weight_stats(UAT_INIT_TORCH, 0, 0, 7);
  expect_moments(s, 0.0, bound * bound / 3.0);
  assert_true(s.min >= -bound && s.max <= bound);
  /* the spread fills the interval */
  assert_true(s.max > 0.999 * bound && s.min < -0.999 * bound);

  const size_t sizes[2] = {IN, OUT};
  const uat_activation act = UAT_ACT_IDENTITY;
  uat_mlp *m = uat_mlp_alloc(2, sizes, &act);
  const uat_init_spec spec = uat_init_spec_torch();
  gsl_rng *r = uat_rng_alloc(8);
  uat_mlp_init(m, &spec, r);
  double lo, hi;
  gsl_stats_minmax(&lo, &hi, uat_mlp_bias(m, 0), 1, OUT);
  assert_true(lo >= -bound && hi <= bound && hi - lo > bound);
  gsl_rng_free(r);
  uat_mlp_free(m);
}

static void test_deterministic(void **state) {
  (void)state;
  const size_t sizes[3] = {3, 7, 2};
  const uat_activation act[2] = {UAT_ACT_TANH, UAT_ACT_IDENTITY};
  uat_mlp *a = uat_mlp_alloc(3, sizes, act), *b = uat_mlp_alloc(3, sizes, act);
  const uat_init_spec spec = {UAT_INIT_HE, 0, 0, UAT_INIT_CONST, 0.25, 0};
  gsl_rng *r1 = uat_rng_alloc(42), *r2 = uat_rng_alloc(42);
  uat_mlp_init(a, &spec, r1);
  uat_mlp_init(b, &spec, r2);
  assert_memory_equal(a->theta, b->theta, a->n_params * sizeof(double));
  assert_true(uat_mlp_bias(a, 1)[1] == 0.25);
  gsl_rng_set(r2, 43);
  uat_mlp_init(b, &spec, r2);
  assert_memory_not_equal(a->theta, b->theta, 21 * sizeof(double));
  uat_init_rule rule;
  assert_int_equal(uat_init_rule_parse("xavier-normal", &rule), 0);
  assert_int_equal(rule, UAT_INIT_XAVIER_NORMAL);
  assert_int_not_equal(uat_init_rule_parse("lecun", &rule), 0);
  gsl_rng_free(r1);
  gsl_rng_free(r2);
  uat_mlp_free(a);
  uat_mlp_free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_normal),        cmocka_unit_test(test_uniform),
      cmocka_unit_test(test_xavier_and_he), cmocka_unit_test(test_torch_default),
      cmocka_unit_test(test_deterministic),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
