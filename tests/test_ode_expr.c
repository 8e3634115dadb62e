/* test_ode_expr.c — ODE systems written as expressions (against the built-in Lotka-Volterra),
 * symbolic Jacobians, and equilibria with their known classifications. */
#include <math.h>
#include <string.h>

#include "test_util.h"
#include "uat/ode.h"

static const char *const lv_eqs[2] = {"x = alpha*x - beta*x*y", "y = delta*x*y - gamma*y"};

/* The same trajectory as the built-in system to 1e-10. */
static void test_expressions_match_builtin(void **s) {
  (void)s;
  uat_ode_expr_system *es = NULL;
  uat_error err;
  assert_int_equal(uat_ode_expr_system_alloc(2, lv_eqs, &es, &err), 0);
  const uat_ode_system *sys = uat_ode_expr_system_get(es);
  assert_int_equal(sys->dim, 2);
  assert_int_equal(sys->n_params, 4);
  assert_string_equal(sys->param_names[0], "alpha");
  assert_string_equal(sys->param_names[3], "gamma");
  const double p[4] = {1.5, 1.0, 1.0, 3.0}, y0[2] = {10.0, 5.0};
  double t[151];
  for (int k = 0; k < 151; k++) t[k] = 0.1 * k;
  uat_ode_params prm = uat_ode_default_params();
  uat_ode_trajectory *a = NULL, *b = NULL;
  assert_int_equal(uat_ode_solve(sys, p, y0, 151, t, &prm, &a, NULL, &err), 0);
  const uat_ode_system *lv = uat_ode_catalogue_find("lotka-volterra");
  assert_int_equal(uat_ode_solve(lv, p, y0, 151, t, &prm, &b, NULL, &err), 0);
  const double d = uat_ode_trajectory_distance(a, b);
  if (!(d <= 1e-10)) print_error("distance %g\n", d);
  assert_true(d <= 1e-10);

  /* The symbolic Jacobian equals the hand-written one. */
  double J1[4], J2[4];
  sys->jac(0.0, y0, J1, p, sys->ctx);
  lv->jac(0.0, y0, J2, p, NULL);
  for (int k = 0; k < 4; k++) uat_assert_close(J1[k], J2[k], 0, 1e-15);
  char buf[128];
  uat_expr_print(uat_ode_expr_system_jacobian(es, 0, 0), buf, sizeof buf);
  assert_string_equal(buf, "alpha - beta*y");
  uat_expr_print(uat_ode_expr_system_jacobian(es, 1, 0), buf, sizeof buf);
  assert_string_equal(buf, "delta*y");
  uat_ode_trajectory_free(a);
  uat_ode_trajectory_free(b);
  uat_ode_expr_system_free(es);
}

static void test_expression_errors(void **s) {
  (void)s;
  uat_ode_expr_system *es = (uat_ode_expr_system *)&es;
  uat_error err;
  const char *bad1[2] = {"x = alpha*x", "y = delta*x*"};
  assert_int_equal(uat_ode_expr_system_alloc(2, bad1, &es, &err), UAT_EFORMAT);
  assert_null(es);
  assert_true(uat_test_contains(err.msg, "equation 2 'y = delta*x*': 1:13: expected a number"));
  const char *bad2[1] = {"alpha*x"};
  assert_int_equal(uat_ode_expr_system_alloc(1, bad2, &es, &err), UAT_EFORMAT);
  assert_true(uat_test_contains(err.msg, "expected 'state = expression'"));
  const char *bad3[2] = {"x = y", "x = 1"};
  assert_int_equal(uat_ode_expr_system_alloc(2, bad3, &es, &err), UAT_EFORMAT);
  assert_true(uat_test_contains(err.msg, "state 'x' has two equations"));
  const char *bad4[1] = {"t = 1"};
  assert_int_equal(uat_ode_expr_system_alloc(1, bad4, &es, &err), UAT_EFORMAT);
  assert_true(uat_test_contains(err.msg, "reserved for time"));
}

/* Find the equilibrium nearest y in the list. */
static const uat_ode_equilibrium *near(const uat_ode_equilibrium *e, size_t n, double y0,
                                       double y1) {
  for (size_t i = 0; i < n; i++)
    if (fabs(e[i].y[0] - y0) < 1e-8 && fabs(e[i].y[1] - y1) < 1e-8) return &e[i];
  return NULL;
}

static void test_equilibria_lotka_volterra(void **s) {
  (void)s;
  const uat_ode_system *lv = uat_ode_catalogue_find("lotka-volterra");
  const double lo[2] = {-1, -1}, hi[2] = {10, 10};
  uat_eq_params prm = uat_eq_default_params();
  uat_ode_equilibrium e[8];
  size_t n;
  uat_error err;
  assert_int_equal(uat_ode_equilibria(lv, NULL, lo, hi, &prm, e, 8, &n, &err), 0);
  assert_int_equal(n, 2);
  const uat_ode_equilibrium *origin = near(e, n, 0, 0), *inner = near(e, n, 3.0, 1.5);
  assert_non_null(origin);
  assert_non_null(inner);
  assert_int_equal(origin->kind, UAT_EQ_SADDLE);
  assert_int_equal(inner->kind, UAT_EQ_CENTER);
  /* eigenvalues at (gamma/delta, alpha/beta) are +-i sqrt(alpha gamma) */
  uat_assert_close(fabs(inner->im[0]), sqrt(4.5), 0, 1e-12);
  uat_assert_close(inner->re[0], 0.0, 1e-12, 0);
  /* the same from the expression system with its symbolic Jacobian */
  uat_ode_expr_system *es = NULL;
  assert_int_equal(uat_ode_expr_system_alloc(2, lv_eqs, &es, &err), 0);
  const double p[4] = {1.5, 1.0, 1.0, 3.0};
  assert_int_equal(uat_ode_equilibria(uat_ode_expr_system_get(es), p, lo, hi, &prm, e, 8, &n, &err),
                   0);
  assert_int_equal(n, 2);
  assert_int_equal(near(e, n, 3.0, 1.5)->kind, UAT_EQ_CENTER);
  assert_int_equal(near(e, n, 0, 0)->kind, UAT_EQ_SADDLE);
  uat_ode_expr_system_free(es);
}

static void test_equilibria_van_der_pol_and_pendulum(void **s) {
  (void)s;
  uat_eq_params prm = uat_eq_default_params();
  uat_ode_equilibrium e[8];
  size_t n;
  uat_error err;
  /* van der Pol, mu = 1: the origin, eigenvalues (1 +- i sqrt 3)/2: an unstable spiral */
  const uat_ode_system *vdp = uat_ode_catalogue_find("van-der-pol");
  const double lo[2] = {-3, -3}, hi[2] = {3, 3};
  assert_int_equal(uat_ode_equilibria(vdp, NULL, lo, hi, &prm, e, 8, &n, &err), 0);
  assert_int_equal(n, 1);
  assert_int_equal(e[0].kind, UAT_EQ_UNSTABLE_SPIRAL);
  uat_assert_close(e[0].re[0], 0.5, 0, 1e-12);
  uat_assert_close(fabs(e[0].im[0]), sqrt(3.0) / 2, 0, 1e-12);
  /* mu = 3: eigenvalues (3 +- sqrt 5)/2, both real and positive: an unstable node */
  const double mu3 = 3.0;
  assert_int_equal(uat_ode_equilibria(vdp, &mu3, lo, hi, &prm, e, 8, &n, &err), 0);
  assert_int_equal(e[0].kind, UAT_EQ_UNSTABLE_NODE);

  /* damped pendulum (c = 0.5): theta = 0 a stable spiral, theta = +-pi saddles */
  const uat_ode_system *pd = uat_ode_catalogue_find("pendulum");
  const double p[5] = {9.81, 1.0, 0.5, 0.0, 2.0 / 3.0};
  const double plo[2] = {-4, -2}, phi[2] = {4, 2};
  assert_int_equal(uat_ode_equilibria(pd, p, plo, phi, &prm, e, 8, &n, &err), 0);
  assert_int_equal(n, 3);
  uat_assert_close(e[0].y[0], -M_PI, 1e-10, 0);
  assert_int_equal(e[0].kind, UAT_EQ_SADDLE);
  uat_assert_close(e[1].y[0], 0.0, 1e-10, 0);
  assert_int_equal(e[1].kind, UAT_EQ_STABLE_SPIRAL);
  uat_assert_close(e[2].y[0], M_PI, 1e-10, 0);
  assert_int_equal(e[2].kind, UAT_EQ_SADDLE);
  /* undamped: the bottom becomes a center */
  const double p0[5] = {9.81, 1.0, 0.0, 0.0, 2.0 / 3.0};
  assert_int_equal(uat_ode_equilibria(pd, p0, plo, phi, &prm, e, 8, &n, &err), 0);
  assert_int_equal(e[1].kind, UAT_EQ_CENTER);
  assert_string_equal(uat_eq_class_name(UAT_EQ_STABLE_SPIRAL), "stable spiral");
}

/* Degenerate and non-isolated equilibria, each against its known answer:
 * x' = y, y' = -x^3: one equilibrium, (0, 0), with the nilpotent Jacobian [[0, 1], [0, 0]] —
 *   non-hyperbolic (it was 18 "centers" near 4e-4 before roots were polished and merged);
 * x' = -x^3 + y, y' = -y: one, (0, 0), eigenvalues 0 and -1 — non-hyperbolic;
 * SIR: every point with I = 0 is an equilibrium: sets, not points, none where S + I + R = 0. */
static void test_equilibria_degenerate(void **s) {
  (void)s;
  const char *const cubic[2] = {"x = y", "y = -x^3"}, *const flat[2] = {"x = -x^3 + y", "y = -y"};
  const char *const *systems[2] = {cubic, flat};
  const double lo[2] = {-2, -2}, hi[2] = {2, 2};
  uat_eq_params prm = uat_eq_default_params();
  uat_ode_equilibrium e[64];
  size_t n;
  uat_error err;
  for (int k = 0; k < 2; k++) {
    uat_ode_expr_system *es = NULL;
    assert_int_equal(uat_ode_expr_system_alloc(2, systems[k], &es, &err), 0);
    assert_int_equal(
        uat_ode_equilibria(uat_ode_expr_system_get(es), NULL, lo, hi, &prm, e, 64, &n, &err), 0);
    assert_int_equal(n, 1);
    uat_assert_close(e[0].y[0], 0.0, 1e-12, 0);
    uat_assert_close(e[0].y[1], 0.0, 1e-12, 0);
    assert_int_equal(e[0].kind, UAT_EQ_NONHYPERBOLIC);
    uat_ode_expr_system_free(es);
  }
  const uat_ode_system *sir = uat_ode_catalogue_find("sir");
  const double slo[3] = {0, 0, 0}, shi[3] = {1, 1, 1};
  assert_int_equal(uat_ode_equilibria(sir, NULL, slo, shi, &prm, e, 64, &n, &err), 0);
  assert_true(n >= 1);
  size_t points = 0;
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(e[i].kind, UAT_EQ_NONISOLATED);
    uat_assert_close(e[i].set_lo[1], 0.0, 1e-12, 0); /* I = 0 all along */
    uat_assert_close(e[i].set_hi[1], 0.0, 1e-12, 0);
    assert_true(e[i].y[0] + e[i].y[1] + e[i].y[2] > 1e-6);
    points += e[i].set_points;
  }
  print_message("sir: %zu set(s) through %zu roots\n", n, points);
  assert_true(points > 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_expressions_match_builtin),
      cmocka_unit_test(test_expression_errors),
      cmocka_unit_test(test_equilibria_lotka_volterra),
      cmocka_unit_test(test_equilibria_van_der_pol_and_pendulum),
      cmocka_unit_test(test_equilibria_degenerate),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
