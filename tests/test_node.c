/* test_node.c — forward sensitivities of a network vector field through CVODES (the gradients
 * of a neural ODE) against central finite differences of whole solves, and against a linear
 * system whose sensitivities are known in closed form. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "uat/init.h"
#include "uat/node.h"
#include "uat/rollout.h"

/* y' = -q y: y = y0 e^{-q t}, dy/dq = -t y0 e^{-q t}. */
static int decay_rhs(double t, const double *y, double *f, const double *p, void *ctx) {
  (void)t;
  (void)p;
  f[0] = -*(const double *)ctx * y[0];
  return 0;
}
static int decay_jac(double t, const double *y, double *J, const double *p, void *ctx) {
  (void)t;
  (void)y;
  (void)p;
  J[0] = -*(const double *)ctx;
  return 0;
}
static int decay_dfdq(double t, const double *y, double *out, void *ctx) {
  (void)t;
  (void)ctx;
  out[0] = -y[0];
  return 0;
}

static void test_closed_form(void **st) {
  (void)st;
  double q = 0.7;
  const char *const names[] = {"y"};
  uat_ode_system sys = {.name = "decay",
                        .dim = 1,
                        .state_names = names,
                        .rhs = decay_rhs,
                        .jac = decay_jac,
                        .ctx = &q};
  double times[11], Y[11], S[11];
  for (int k = 0; k < 11; k++) times[k] = 0.5 * k;
  const double y0 = 2.0;
  uat_ode_params prm = uat_ode_default_params();
  prm.rtol = 1e-11;
  prm.atol = 1e-13;
  uat_error err;
  assert_int_equal(
      uat_ode_solve_sens(&sys, NULL, &y0, 1, decay_dfdq, NULL, 11, times, &prm, Y, S, &err),
      UAT_OK);
  for (int k = 0; k < 11; k++) {
    uat_assert_close(Y[k], y0 * exp(-q * times[k]), 1e-9, 0);
    uat_assert_close(S[k], -times[k] * y0 * exp(-q * times[k]), 1e-9, 0);
  }
}

/* A 2-H-2 tanh field with PyTorch's initialisation from seed. */
static uat_mlp *field_net(size_t H, unsigned long seed) {
  const size_t sizes[] = {2, H, 2};
  const uat_activation act[] = {UAT_ACT_TANH, UAT_ACT_IDENTITY};
  uat_mlp *m = uat_mlp_alloc(3, sizes, act);
  gsl_rng *r = uat_rng_alloc(seed);
  const uat_init_spec spec = uat_init_spec_torch();
  assert_int_equal(uat_mlp_init(m, &spec, r), UAT_OK);
  gsl_rng_free(r);
  return m;
}

/* A 2-8-2 tanh field: every sensitivity column against central differences of two solves at
 * rtol 1e-12, to 1e-6 of the column's largest entry. */
static void test_network_against_finite_differences(void **st) {
  (void)st;
  uat_mlp *m = field_net(8, 4);
  const uat_ode_system *like = uat_ode_catalogue_find("lotka-volterra");
  uat_error err;
  uat_mlp_system *s = uat_mlp_system_alloc(m, like, &err);
  assert_non_null(s);
  enum { N = 9 };
  const size_t P = m->n_params;
  double times[N], Y[(size_t)N * 2];
  for (int k = 0; k < N; k++) times[k] = 0.25 * k;
  const double y0[2] = {0.8, -0.3};
  double *S = malloc((size_t)N * 2 * P * sizeof *S);
  uat_ode_params prm = uat_ode_default_params();
  prm.rtol = 1e-11;
  prm.atol = 1e-13;
  assert_int_equal(uat_mlp_system_sens(s, y0, N, times, &prm, Y, S, &err), UAT_OK);
  /* the states agree with the plain solve */
  uat_ode_params tight = prm;
  tight.method = UAT_ODE_BDF;
  tight.rtol = 1e-12;
  tight.atol = 1e-14;
  uat_ode_trajectory *tr = NULL;
  assert_int_equal(
      uat_ode_solve(uat_mlp_system_get(s), NULL, y0, N, times, &tight, &tr, NULL, &err), UAT_OK);
  for (size_t k = 0; k < (size_t)N * 2; k++) uat_assert_close(Y[k], tr->y[k], 1e-9, 0);
  uat_ode_trajectory_free(tr);
  double worst = 0.0;
  for (size_t j = 0; j < P; j++) {
    const double keep = m->theta[j], h = 1e-5 * fmax(1.0, fabs(keep));
    uat_ode_trajectory *a = NULL, *b = NULL;
    m->theta[j] = keep + h;
    assert_int_equal(
        uat_ode_solve(uat_mlp_system_get(s), NULL, y0, N, times, &tight, &a, NULL, &err), UAT_OK);
    m->theta[j] = keep - h;
    assert_int_equal(
        uat_ode_solve(uat_mlp_system_get(s), NULL, y0, N, times, &tight, &b, NULL, &err), UAT_OK);
    m->theta[j] = keep;
    double scale = 0.0, diff = 0.0;
    for (size_t k = 0; k < (size_t)N * 2; k++) {
      const double fd = (a->y[k] - b->y[k]) / (2 * h);
      scale = fmax(scale, fabs(S[k * P + j]));
      diff = fmax(diff, fabs(S[k * P + j] - fd));
    }
    worst = fmax(worst, diff / fmax(scale, 1e-3));
    uat_ode_trajectory_free(a);
    uat_ode_trajectory_free(b);
  }
  printf(
      "sensitivities vs finite differences: worst relative difference %.2e over %zu parameters\n",
      worst, P);
  if (worst > 1e-6) {
    print_error("worst relative difference to finite differences %g\n", worst);
    fail();
  }
  free(S);
  uat_mlp_system_free(s);
  uat_mlp_free(m);
}

/* A neural ODE from 31 noise-free observations of Lotka-Volterra on [0, 3]: input-scaled
 * initialisation, collocation, then Levenberg-Marquardt through the sensitivities, which must
 * cut the trajectory error of collocation alone by 10x or more. */
static void test_fit_through_sensitivities(void **st) {
  (void)st;
  enum { N = 31, H = 8 };
  const uat_ode_system *lv = uat_ode_catalogue_find("lotka-volterra");
  double t[N], obs[N * 2];
  for (int k = 0; k < N; k++) t[k] = 3.0 * k / (N - 1.0);
  uat_ode_params prm = uat_ode_default_params();
  prm.rtol = 1e-12;
  prm.atol = 1e-14;
  uat_ode_trajectory *tr = NULL;
  uat_error err;
  assert_int_equal(uat_ode_solve(lv, NULL, lv->y0_default, N, t, &prm, &tr, NULL, &err), UAT_OK);
  memcpy(obs, tr->y, sizeof obs);
  double mean[2] = {0, 0}, sd[2] = {0, 0};
  for (int k = 0; k < N; k++)
    for (int i = 0; i < 2; i++) mean[i] += obs[2 * k + i] / N;
  for (int k = 0; k < N; k++)
    for (int i = 0; i < 2; i++)
      sd[i] += (obs[2 * k + i] - mean[i]) * (obs[2 * k + i] - mean[i]) / N;
  uat_mlp *m = field_net(H, 1);
  double *W1 = uat_mlp_weights(m, 0), *b1 = uat_mlp_bias(m, 0), *W2 = uat_mlp_weights(m, 1);
  for (int h = 0; h < H; h++)
    for (int i = 0; i < 2; i++) { /* inputs to unit scale, outputs to the states' */
      W1[h * 2 + i] /= sqrt(sd[i]);
      b1[h] -= W1[h * 2 + i] * mean[i];
      W2[i * H + h] *= sqrt(sd[i]);
    }
  double slope_rmse = 0, e0 = 0, e1 = 0;
  assert_int_equal(uat_node_init_collocation(&m, N, 2, t, obs, NULL, NULL, 200, &slope_rmse, &err),
                   UAT_OK);
  assert_int_equal(
      uat_node_trajectory_error(m, lv, NULL, NULL, lv->y0_default, N, t, tr->y, &e0, &err), UAT_OK);
  uat_node_result res;
  assert_int_equal(uat_node_fit_lm(m, lv, N, t, obs, 40, 1e-10, &res, &err), UAT_OK);
  assert_int_equal(
      uat_node_trajectory_error(m, lv, NULL, NULL, lv->y0_default, N, t, tr->y, &e1, &err), UAT_OK);
  printf("collocation: slopes %.2e, trajectory %.2e; after %zu LM iterations: %.2e\n", slope_rmse,
         e0, res.iterations, e1);
  assert_true(e1 < e0 / 10 && e1 < 1e-2);
  uat_ode_trajectory_free(tr);
  uat_mlp_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_closed_form),
      cmocka_unit_test(test_network_against_finite_differences),
      cmocka_unit_test(test_fit_through_sensitivities),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
