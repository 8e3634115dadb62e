/* test_optim.c — optimizer steps against updates computed by hand. */
#include <math.h>

#include "test_util.h"
#include "uat/optim.h"

static const double g1[2] = {0.5, -0.25}, g2[2] = {0.1, 0.4};

static void two_steps(uat_optimizer_kind kind, double lr, double theta[2]) {
  uat_optimizer_params p = uat_optimizer_default_params(kind);
  p.lr = lr;
  uat_optimizer *o = uat_optimizer_alloc(&p, 2);
  assert_non_null(o);
  theta[0] = 1.0;
  theta[1] = -2.0;
  uat_optimizer_step(o, theta, g1);
  uat_optimizer_step(o, theta, g2);
  uat_optimizer_free(o);
}

static void test_sgd(void **state) {
  (void)state;
  double t[2];
  two_steps(UAT_OPT_SGD, 0.1, t);
  uat_assert_close(t[0], 1.0 - 0.05 - 0.01, 0, 1e-15);
  uat_assert_close(t[1], -2.0 + 0.025 - 0.04, 0, 1e-15);
}

/* v1 = g1; theta -= 0.1 v1; v2 = 0.9 g1 + g2 = (0.55, 0.175); theta -= 0.1 v2. */
static void test_momentum(void **state) {
  (void)state;
  double t[2];
  two_steps(UAT_OPT_MOMENTUM, 0.1, t);
  uat_assert_close(t[0], 0.895, 0, 1e-15);
  uat_assert_close(t[1], -1.9925, 0, 1e-15);
}

/* theta -= 0.1 (g1 + 0.9 g1) = (0.905, -1.9525); then v2 = (0.55, 0.175),
 * theta -= 0.1 (g2 + 0.9 v2) = 0.1 (0.595, 0.5575). */
static void test_nesterov(void **state) {
  (void)state;
  double t[2];
  two_steps(UAT_OPT_NESTEROV, 0.1, t);
  uat_assert_close(t[0], 0.8455, 0, 1e-15);
  uat_assert_close(t[1], -2.00825, 0, 1e-15);
}

/* Step 1: mhat = g1, vhat = g1^2, so theta moves by lr g/(|g| + eps).
 * Step 2: m = 0.09 g1 + 0.1 g2, v = 0.000999 g1^2 + 0.001 g2^2, corrections 1 - 0.81 and
 * 1 - 0.998001. */
static void test_adam(void **state) {
  (void)state;
  double t[2];
  const double lr = 0.01, eps = 1e-8;
  two_steps(UAT_OPT_ADAM, lr, t);
  for (int i = 0; i < 2; i++) {
    const double g[2] = {g1[i], g2[i]};
    double x = (i == 0 ? 1.0 : -2.0) - lr * g[0] / (fabs(g[0]) + eps);
    const double m = 0.09 * g[0] + 0.1 * g[1];
    const double v = 0.000999 * g[0] * g[0] + 0.001 * g[1] * g[1];
    x -= lr * (m / 0.19) / (sqrt(v / 0.001999) + eps);
    uat_assert_close(t[i], x, 0, 1e-14);
  }
}

static void test_reset_and_names(void **state) {
  (void)state;
  uat_optimizer_params p = uat_optimizer_default_params(UAT_OPT_MOMENTUM);
  p.lr = 0.1;
  uat_optimizer *o = uat_optimizer_alloc(&p, 2);
  double t[2] = {1.0, -2.0};
  uat_optimizer_step(o, t, g1);
  uat_optimizer_reset(o);
  t[0] = 1.0;
  t[1] = -2.0;
  uat_optimizer_step(o, t, g1); /* after a reset the first step is plain SGD again */
  uat_assert_close(t[0], 0.95, 0, 1e-15);
  assert_true(uat_optimizer_get_params(o)->lr == 0.1);
  uat_optimizer_free(o);
  p.lr = -1.0;
  assert_null(uat_optimizer_alloc(&p, 2));
  uat_optimizer_kind k;
  assert_int_equal(uat_optimizer_parse("nesterov", &k), 0);
  assert_int_equal(k, UAT_OPT_NESTEROV);
  assert_int_not_equal(uat_optimizer_parse("adagrad", &k), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sgd),
      cmocka_unit_test(test_momentum),
      cmocka_unit_test(test_nesterov),
      cmocka_unit_test(test_adam),
      cmocka_unit_test(test_reset_and_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
