/* test_norms.c — error norms of functions whose norms are known in closed form. */
#include <math.h>

#include "test_util.h"
#include "uat/norms.h"

static int f_sin(const double *x, double *y, void *c) {
  (void)c;
  *y = sin(x[0]);
  return 0;
}
static int f_zero(const double *x, double *y, void *c) {
  (void)x;
  (void)c;
  *y = 0.0;
  return 0;
}
static int f_sin_shift(const double *x, double *y, void *c) {
  (void)c;
  *y = sin(x[0]) + 0.01;
  return 0;
}

/* ||sin||_2 on [-pi, pi] = sqrt(pi), ||sin||_1 = 4; on the 1001-point grid including both ends
 * the mean of sin^2 is exactly 500/1001. */
static void test_sin_norms(void **s) {
  (void)s;
  const double lo = -M_PI, hi = M_PI;
  const uat_norm_params p = uat_norm_default_params(1);
  uat_norms n;
  uat_error err;
  assert_int_equal(uat_norms_compute(1, &lo, &hi, f_sin, NULL, f_zero, NULL, &p, &n, &err), 0);
  uat_assert_close(n.l2, sqrt(M_PI), 0, 1e-12);
  uat_assert_close(n.l1, 4.0, 0, 1e-12);
  assert_true(n.l2_abserr < 1e-10 && n.l1_abserr < 1e-9);
  uat_assert_close(n.rmse, sqrt(500.0 / 1001.0), 0, 1e-14);
  uat_assert_close(n.linf, 1.0, 0, 1e-14);
  uat_assert_close(fabs(n.linf_at[0]), M_PI / 2, 1e-7, 0);
  assert_true(isnan(n.l2_rel)); /* relative to a zero target is undefined */
}

/* e = 0.01 everywhere: ||e||_2 = 0.01 sqrt(2 pi), relative to ||sin||_2 = sqrt(pi): 0.01 sqrt 2 */
static void test_relative_norms(void **s) {
  (void)s;
  const double lo = -M_PI, hi = M_PI;
  const uat_norm_params p = uat_norm_default_params(1);
  uat_norms n;
  uat_error err;
  assert_int_equal(uat_norms_compute(1, &lo, &hi, f_sin_shift, NULL, f_sin, NULL, &p, &n, &err), 0);
  uat_assert_close(n.l2, 0.01 * sqrt(2 * M_PI), 0, 1e-10);
  uat_assert_close(n.l2_rel, 0.01 * sqrt(2.0), 0, 1e-10);
  uat_assert_close(n.l1, 0.02 * M_PI, 0, 1e-10);
  uat_assert_close(n.l1_rel, 0.02 * M_PI / 4, 0, 1e-10);
  uat_assert_close(n.linf, 0.01, 0, 1e-12);
  uat_assert_close(n.rmse, 0.01, 0, 1e-12);
}

/* A narrow bump centred between grid points: the grid sees a quarter of it, refinement all. */
static int f_bump(const double *x, double *y, void *c) {
  (void)c;
  const double u = (x[0] - 0.123456789) / 0.003;
  *y = exp(-u * u);
  return 0;
}

static void test_linf_refinement_1d(void **s) {
  (void)s;
  const double lo = 0.0, hi = 1.0;
  uat_norm_params p = uat_norm_default_params(1);
  p.grid = 101;
  uat_norms n;
  uat_error err;
  assert_int_equal(uat_norms_compute(1, &lo, &hi, f_bump, NULL, f_zero, NULL, &p, &n, &err), 0);
  assert_true(n.max_grid < 0.3);
  uat_assert_close(n.linf, 1.0, 0, 1e-12);
  uat_assert_close(n.linf_at[0], 0.123456789, 1e-7, 0);
  /* and its L2 norm: integral of exp(-2u^2) = 0.003 sqrt(pi/2) (the tails outside [0, 1] are
   * below 1e-1000) */
  uat_assert_close(n.l2, sqrt(0.003 * sqrt(M_PI / 2)), 0, 1e-9);
}

static int f_sin2(const double *x, double *y, void *c) {
  (void)c;
  *y = sin(x[0]) * sin(x[1]);
  return 0;
}
static int f_bump2(const double *x, double *y, void *c) {
  (void)c;
  const double u = (x[0] - 0.3141), v = (x[1] + 0.2718);
  *y = 2.385 * exp(-(u * u + v * v) / (0.02 * 0.02));
  return 0;
}

/* ||sin x sin y||_2 on [-pi, pi]^2 = pi; an off-grid peak of height 2.385 in 2-D. */
static void test_norms_2d(void **s) {
  (void)s;
  const double lo[2] = {-M_PI, -M_PI}, hi[2] = {M_PI, M_PI};
  const uat_norm_params p = uat_norm_default_params(2);
  uat_norms n;
  uat_error err;
  assert_int_equal(uat_norms_compute(2, lo, hi, f_sin2, NULL, f_zero, NULL, &p, &n, &err), 0);
  uat_assert_close(n.l2, M_PI, 0, 1e-9);
  uat_assert_close(n.l1, 16.0, 0, 1e-8);
  const double lo2[2] = {-1, -1}, hi2[2] = {1, 1};
  uat_norm_params q = uat_norm_default_params(2);
  q.grid = 41;
  assert_int_equal(uat_norms_compute(2, lo2, hi2, f_bump2, NULL, f_zero, NULL, &q, &n, &err), 0);
  assert_true(n.max_grid < 2.0);
  uat_assert_close(n.linf, 2.385, 0, 1e-9);
  uat_assert_close(n.linf_at[0], 0.3141, 1e-5, 0);
  uat_assert_close(n.linf_at[1], -0.2718, 1e-5, 0);
}

static int f_xyz(const double *x, double *y, void *c) {
  (void)c;
  *y = x[0] * x[1] * x[2];
  return 0;
}

/* (xyz)^2 has degree 6: the 16-point Gauss-Legendre product rule is exact: 1/27. */
static void test_norms_3d(void **s) {
  (void)s;
  const double lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};
  const uat_norm_params p = uat_norm_default_params(3);
  uat_norms n;
  uat_error err;
  assert_int_equal(uat_norms_compute(3, lo, hi, f_xyz, NULL, f_zero, NULL, &p, &n, &err), 0);
  uat_assert_close(n.l2, 1.0 / sqrt(27.0), 0, 1e-14);
  uat_assert_close(n.l1, 0.125, 0, 1e-14);
  uat_assert_close(n.linf, 1.0, 0, 1e-14);
}

static int f_nan(const double *x, double *y, void *c) {
  (void)c;
  *y = x[0] > 0.5 ? NAN : 0.0;
  return 0;
}

static void test_failures(void **s) {
  (void)s;
  const double lo = 0.0, hi = 1.0, bad = 0.0;
  const uat_norm_params p = uat_norm_default_params(1);
  uat_norms n;
  uat_error err;
  assert_int_equal(uat_norms_compute(1, &lo, &hi, f_nan, NULL, f_zero, NULL, &p, &n, &err),
                   UAT_EDIVERGED);
  assert_int_equal(uat_norms_compute(1, &lo, &bad, f_sin, NULL, f_zero, NULL, &p, &n, &err),
                   UAT_EINVAL);
}

/* A network y = 2x against 2x + 0.1 sin x on [0, pi]: the value error is 0.1 sin x and the
 * derivative error 0.1 cos x, both with L2 norm 0.1 sqrt(pi/2). */
static int f_target(const double *x, double *y, void *c) {
  (void)c;
  *y = 2 * x[0] + 0.1 * sin(x[0]);
  return 0;
}
static int f_target_d(const double *x, double *y, void *c) {
  (void)c;
  *y = 2 + 0.1 * cos(x[0]);
  return 0;
}

static void test_network_sobolev(void **s) {
  (void)s;
  const size_t sizes[2] = {1, 1};
  const uat_activation act = UAT_ACT_IDENTITY;
  uat_mlp *m = uat_mlp_alloc(2, sizes, &act);
  m->theta[0] = 2.0;
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, 1);
  uat_mlp_fn_ctx value = {m, w, 0, 0, 0, {0}}, deriv = {m, w, 0, 1, 0, {0}};
  const double lo = 0.0, hi = M_PI;
  const uat_norm_params p = uat_norm_default_params(1);
  uat_norms n;
  uat_error err;
  assert_int_equal(uat_norms_compute(1, &lo, &hi, uat_mlp_fn, &value, f_target, NULL, &p, &n, &err),
                   0);
  uat_assert_close(n.l2, 0.1 * sqrt(M_PI / 2), 0, 1e-10);
  uat_assert_close(n.linf, 0.1, 0, 1e-12);
  assert_int_equal(
      uat_norms_compute(1, &lo, &hi, uat_mlp_fn, &deriv, f_target_d, NULL, &p, &n, &err), 0);
  uat_assert_close(n.l2, 0.1 * sqrt(M_PI / 2), 0, 1e-10);
  uat_assert_close(n.linf, 0.1, 0, 1e-12);
  uat_mlp_workspace_free(w);
  uat_mlp_free(m);
}

/* The L-infinity error estimate: |0 - sin| on [0, 3] with an 11-point grid, whose points miss
 * the maximum 1 at pi/2 (the grid's best is sin(1.5) = 0.99749...). Without refinement linf is
 * that grid value and the estimate must cover the 0.0025 it falls short; with refinement linf
 * is 1 to 1e-12 and the estimate stays below the interpolation bound h^2/8 = 0.011. */
static void test_linf_error_estimate(void **state) {
  (void)state;
  const double lo = 0, hi = 3;
  uat_norm_params p = uat_norm_default_params(1);
  p.grid = 11;
  for (int refine = 0; refine <= 1; refine++) {
    p.refine = refine ? 5 : 0;
    uat_norms n;
    uat_error err;
    assert_int_equal(uat_norms_compute(1, &lo, &hi, f_zero, NULL, f_sin, NULL, &p, &n, &err), 0);
    print_message("refine %d: linf %.12f, estimate %.3e\n", refine, n.linf, n.linf_abserr);
    assert_true(1.0 - n.linf <= n.linf_abserr + 1e-12);
    assert_true(n.linf_abserr < 0.3 * 0.3 / 8 + 1e-12);
    if (refine)
      uat_assert_close(n.linf, 1.0, 1e-12, 0);
    else
      uat_assert_close(n.linf, sin(1.5), 1e-15, 0);
  }
  /* 2-D: |sin x sin y| on [0, 3]^2, 11 x 11 grid without refinement: the grid's best is
   * sin(1.5)^2, 0.005 short of the maximum 1; the estimate covers it */
  const double lo2[2] = {0, 0}, hi2[2] = {3, 3};
  uat_norm_params p2 = uat_norm_default_params(2);
  p2.grid = 11;
  p2.refine = 0;
  p2.nested_2d = 0;
  uat_norms n2;
  uat_error err;
  assert_int_equal(uat_norms_compute(2, lo2, hi2, f_zero, NULL, f_sin2, NULL, &p2, &n2, &err), 0);
  print_message("2-D: linf %.12f, estimate %.3e\n", n2.linf, n2.linf_abserr);
  uat_assert_close(n2.linf, sin(1.5) * sin(1.5), 1e-15, 0);
  assert_true(1.0 - n2.linf <= n2.linf_abserr);
  assert_true(n2.linf_abserr < 2 * 0.3 * 0.3 / 8);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_linf_error_estimate),
      cmocka_unit_test(test_sin_norms),
      cmocka_unit_test(test_relative_norms),
      cmocka_unit_test(test_linf_refinement_1d),
      cmocka_unit_test(test_norms_2d),
      cmocka_unit_test(test_norms_3d),
      cmocka_unit_test(test_failures),
      cmocka_unit_test(test_network_sobolev),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
