/* test_sindy.c — equations recovered from data against the systems' known coefficients:
 * Lotka-Volterra, harmonic oscillator, van der Pol and Lorenz from exact derivatives (1e-6, no
 * spurious term, rollouts within 1e-6), Lotka-Volterra from finite differences of 1%-noisy
 * states with a cross-validated threshold (5%), from a trained width-64 field network (1e-4);
 * libraries, standard errors against their formula's independent evaluation, errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "uat/run.h"
#include "uat/sindy.h"
#include "uat/target.h"

static void test_library(void **st) {
  (void)st;
  const char *const xy[] = {"x", "y"};
  uat_sindy_library *lib = NULL;
  uat_error err;
  const char *const terms[] = {"x*sin(y)", "x * y"}; /* the second duplicates poly's x*y */
  assert_int_equal(uat_sindy_library_alloc(2, xy, "poly:2,trig,exp", 2, terms, &lib, &err), UAT_OK);
  const char *const want[] = {"1",      "x",      "y",      "x^2",    "x*y",    "y^2",     "sin(x)",
                              "cos(x)", "sin(y)", "cos(y)", "exp(x)", "exp(y)", "x*sin(y)"};
  assert_int_equal(uat_sindy_library_size(lib), 13);
  for (size_t j = 0; j < 13; j++) assert_string_equal(uat_sindy_library_term(lib, j), want[j]);
  const double X[2] = {0.5, -2.0};
  double theta[13];
  uat_sindy_library_eval(lib, 1, X, theta);
  uat_assert_close(theta[4], -1.0, 0, 0);
  uat_assert_close(theta[12], 0.5 * sin(-2.0), 1e-16, 0);
  uat_sindy_library_free(lib);
  /* 3 states, degree 3: C(6, 3) = 20 monomials */
  const char *const xyz[] = {"x", "y", "z"};
  assert_int_equal(uat_sindy_library_alloc(3, xyz, "poly:3", 0, NULL, &lib, &err), UAT_OK);
  assert_int_equal(uat_sindy_library_size(lib), 20);
  uat_sindy_library_free(lib);
  assert_int_equal(uat_sindy_library_alloc(2, xy, "poly:x", 0, NULL, &lib, &err), UAT_EFORMAT);
  assert_non_null(strstr(err.msg, "expected poly:D"));
  const char *const bad[] = {"x*"};
  assert_int_equal(uat_sindy_library_alloc(2, xy, "poly:1", 1, bad, &lib, &err), UAT_EFORMAT);
  assert_non_null(strstr(err.msg, "1:3: expected"));
  const char *const unknown[] = {"z*x"};
  assert_int_equal(uat_sindy_library_alloc(2, xy, "poly:1", 1, unknown, &lib, &err), UAT_EFORMAT);
  assert_non_null(strstr(err.msg, "unknown variable 'z'"));
}

/* Ground truth of a catalogue system; every coefficient of f compared with want (dim x p, the
 * library's order), then the rollout over the same span. */
static void recover(const char *name, const char *library, double t1, size_t n,
                    uat_sindy_derivatives deriv, double noise, double threshold, const double *want,
                    double tol, double rollout_tol) {
  const uat_ode_system *sys = uat_ode_catalogue_find(name);
  assert_non_null(sys);
  double *t = malloc(n * sizeof *t);
  for (size_t k = 0; k < n; k++) t[k] = t1 * (double)k / (double)(n - 1);
  uat_sindy_data d;
  uat_error err;
  assert_int_equal(uat_sindy_data_ode(sys, NULL, NULL, n, t, deriv, noise, 1, &d, &err), UAT_OK);
  uat_sindy_library *lib = NULL;
  assert_int_equal(
      uat_sindy_library_alloc(sys->dim, sys->state_names, library, 0, NULL, &lib, &err), UAT_OK);
  uat_sindy_params par = uat_sindy_default_params();
  par.threshold = threshold;
  uat_sindy_result r;
  assert_int_equal(uat_sindy_fit(lib, d.n, d.X, d.dXdt, &par, &r, &err), UAT_OK);
  const size_t p = uat_sindy_library_size(lib);
  for (size_t k = 0; k < sys->dim * p; k++) {
    if (want[k] == 0.0 && r.coef[k] != 0.0) {
      print_error("%s: spurious term %s in equation %zu: %g\n", name,
                  uat_sindy_library_term(lib, k % p), k / p + 1, r.coef[k]);
      fail();
    }
    if (want[k] != 0.0) uat_assert_close(r.coef[k], want[k], 0, tol); /* relative */
  }
  if (rollout_tol > 0) {
    uat_ode_params op = uat_ode_default_params();
    op.rtol = 1e-12;
    op.atol = 1e-14;
    uat_ode_trajectory *truth = NULL;
    assert_int_equal(uat_ode_solve(sys, NULL, sys->y0_default, n, t, &op, &truth, NULL, &err),
                     UAT_OK);
    double e = 1.0;
    assert_int_equal(uat_sindy_rollout(&r, lib, sys->state_names, sys->y0_default, n, t, truth->y,
                                       &e, NULL, &err),
                     UAT_OK);
    if (e > rollout_tol) {
      print_error("%s: rollout error %g above %g\n", name, e, rollout_tol);
      fail();
    }
    uat_ode_trajectory_free(truth);
  }
  uat_sindy_result_free(&r);
  uat_sindy_library_free(lib);
  uat_sindy_data_free(&d);
  free(t);
}

/* Library order for two states, poly:3: 1 x y x^2 xy y^2 x^3 x^2y xy^2 y^3 */
static const double lv[2][10] = {{0, 1.5, 0, 0, -1, 0, 0, 0, 0, 0},
                                 {0, 0, -3, 0, 1, 0, 0, 0, 0, 0}};

static void test_exact_derivatives(void **st) {
  (void)st;
  recover("lotka-volterra", "poly:3", 15, 1501, UAT_SINDY_DERIV_RHS, 0, 0.05, &lv[0][0], 1e-6,
          1e-6);
  const double harmonic[2][10] = {{0, 0, 1, 0, 0, 0, 0, 0, 0, 0}, {0, -4, 0, 0, 0, 0, 0, 0, 0, 0}};
  recover("harmonic", "poly:3", 10, 1001, UAT_SINDY_DERIV_RHS, 0, 0.05, &harmonic[0][0], 1e-6,
          1e-6);
  const double vdp[2][10] = {{0, 0, 1, 0, 0, 0, 0, 0, 0, 0}, {0, -1, 1, 0, 0, 0, 0, -1, 0, 0}};
  recover("van-der-pol", "poly:3", 20, 2001, UAT_SINDY_DERIV_RHS, 0, 0.05, &vdp[0][0], 1e-6, 1e-6);
  /* Lorenz, poly:2 over x y z: 1 x y z x^2 xy xz y^2 yz z^2; a short horizon (chaos) */
  const double lorenz[3][10] = {{0, -10, 10, 0, 0, 0, 0, 0, 0, 0},
                                {0, 28, -1, 0, 0, 0, -1, 0, 0, 0},
                                {0, 0, 0, -8.0 / 3.0, 0, 1, 0, 0, 0, 0}};
  recover("lorenz", "poly:2", 2, 401, UAT_SINDY_DERIV_RHS, 0, 0.05, &lorenz[0][0], 1e-6, 1e-6);
}

/* Finite differences of states with 1% noise; the threshold by cross-validation. */
static void test_noisy_finite_differences(void **st) {
  (void)st;
  recover("lotka-volterra", "poly:3", 15, 1501, UAT_SINDY_DERIV_FD, 0.01, -1.0, &lv[0][0], 0.05, 0);
  /* without noise, central differences at dt = 0.01 are within 1e-3 */
  recover("lotka-volterra", "poly:3", 15, 1501, UAT_SINDY_DERIV_FD, 0.0, 0.05, &lv[0][0], 1e-3, 0);
  recover("lotka-volterra", "poly:3", 15, 1501, UAT_SINDY_DERIV_FD4, 0.0, 0.05, &lv[0][0], 1e-5, 0);
}

/* Standard errors: with y = a*x + noise, se(a) = s / sqrt(sum x^2) (the textbook formula). */
static void test_standard_errors(void **st) {
  (void)st;
  const char *const x1[] = {"x"};
  uat_sindy_library *lib = NULL;
  uat_error err;
  const char *const terms[] = {"x"};
  assert_int_equal(uat_sindy_library_alloc(1, x1, NULL, 1, terms, &lib, &err), UAT_OK);
  enum { N = 200 };
  double X[N], Y[N], sxx = 0, a = 0;
  for (int k = 0; k < N; k++) {
    X[k] = 0.01 * k;
    Y[k] = 2 * X[k] + 0.01 * sin(12345.0 * k); /* a fixed, noise-like residual */
    sxx += X[k] * X[k];
    a += X[k] * Y[k];
  }
  a /= sxx;
  double rss = 0;
  for (int k = 0; k < N; k++) rss += (Y[k] - a * X[k]) * (Y[k] - a * X[k]);
  uat_sindy_params par = uat_sindy_default_params();
  uat_sindy_result r;
  assert_int_equal(uat_sindy_fit(lib, N, X, Y, &par, &r, &err), UAT_OK);
  uat_assert_close(r.coef[0], a, 1e-13, 0);
  uat_assert_close(r.stderr_[0], sqrt(rss / (N - 1) / sxx), 1e-10, 0);
  char buf[128];
  uat_sindy_equation(&r, lib, "x", 0, 3, buf, sizeof buf);
  assert_string_equal(buf, "x = 2*x");
  uat_sindy_result_free(&r);
  /* too few samples, and non-finite data, are errors */
  assert_int_equal(uat_sindy_fit(lib, 1, X, Y, &par, &r, &err), UAT_EINVAL);
  Y[3] = NAN;
  assert_int_equal(uat_sindy_fit(lib, N, X, Y, &par, &r, &err), UAT_EDIVERGED);
  assert_non_null(strstr(err.msg, "sample 4"));
  uat_sindy_library_free(lib);
}

/* The flagship's width-64 field network (varpro, seed 2): the four terms within 1e-4. */
static void test_field_network(void **st) {
  (void)st;
  uat_run_spec s;
  uat_run_spec_defaults(&s);
  s.target = "ode:lotka-volterra:field";
  s.width = 64;
  s.fit = uat_fit_default_params(UAT_FIT_VARPRO);
  s.fit.max_iter = 200;
  s.train_n = 400;
  s.seed = 2;
  uat_mlp *m = NULL;
  uat_run_result rr;
  uat_error err;
  assert_int_equal(uat_run(&s, &m, &rr, &err), UAT_OK);
  uat_target *t = NULL;
  assert_int_equal(uat_target_alloc(s.target, NULL, &t, &err), UAT_OK);
  uat_sindy_data d;
  assert_int_equal(uat_sindy_data_field(m, uat_target_lo(t), uat_target_hi(t), 20, &d, &err),
                   UAT_OK);
  const char *const xy[] = {"x", "y"};
  uat_sindy_library *lib = NULL;
  assert_int_equal(uat_sindy_library_alloc(2, xy, "poly:3", 0, NULL, &lib, &err), UAT_OK);
  uat_sindy_params par = uat_sindy_default_params();
  uat_sindy_result r;
  assert_int_equal(uat_sindy_fit(lib, d.n, d.X, d.dXdt, &par, &r, &err), UAT_OK);
  for (size_t k = 0; k < 20; k++) {
    if ((&lv[0][0])[k] == 0.0)
      assert_true(r.coef[k] == 0.0);
    else
      uat_assert_close(r.coef[k], (&lv[0][0])[k], 1e-4, 0);
  }
  uat_sindy_result_free(&r);
  uat_sindy_library_free(lib);
  uat_sindy_data_free(&d);
  uat_target_free(t);
  uat_mlp_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_library),
      cmocka_unit_test(test_exact_derivatives),
      cmocka_unit_test(test_noisy_finite_differences),
      cmocka_unit_test(test_standard_errors),
      cmocka_unit_test(test_field_network),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
