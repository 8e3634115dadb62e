/* test_ode.c — the CVODE driver against exact solutions, invariants, equilibria, an
 * independent integrator (GSL's rk8pd), and its failure reports. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "uat/io.h"
#include "uat/ode.h"

static double *linspace(double a, double b, size_t n) {
  double *t = malloc(n * sizeof *t);
  for (size_t k = 0; k < n; k++) t[k] = a + (b - a) * (double)k / (double)(n - 1);
  return t;
}

/* Max over output times of the normwise relative error against the exact solution. */
static double exact_error(const uat_ode_system *sys, const uat_ode_trajectory *tr) {
  double worst = 0.0, *y = malloc(sys->dim * sizeof *y);
  for (size_t k = 0; k < tr->n; k++) {
    sys->exact(tr->t[k], tr->t[0], tr->y, sys->param_defaults, y, NULL);
    double d = 0.0, s = 0.0;
    for (size_t i = 0; i < sys->dim; i++) {
      d = fmax(d, fabs(tr->y[k * sys->dim + i] - y[i]));
      s = fmax(s, fabs(y[i]));
    }
    worst = fmax(worst, d / s);
  }
  free(y);
  return worst;
}

/* The error shrinks with the tolerance and stays within a modest multiple of it. */
static void check_exact(const char *name, uat_ode_method method) {
  const uat_ode_system *sys = uat_ode_catalogue_find(name);
  assert_non_null(sys);
  double *t = linspace(sys->t0_default, sys->t1_default, 51);
  double prev = INFINITY;
  const double rtols[3] = {1e-6, 1e-8, 1e-10};
  for (int i = 0; i < 3; i++) {
    uat_ode_params p = uat_ode_default_params();
    p.method = method;
    p.rtol = rtols[i];
    p.atol = rtols[i] * 1e-2;
    uat_ode_trajectory *tr = NULL;
    uat_error err;
    assert_int_equal(uat_ode_solve(sys, NULL, sys->y0_default, 51, t, &p, &tr, NULL, &err), 0);
    const double e = exact_error(sys, tr);
    /* global error = local tolerance times an error growth factor; 1000 bounds it here */
    if (!(e < 1000 * rtols[i] && e < prev))
      print_error("%s: rtol %g error %g (previous %g)\n", name, rtols[i], e, prev);
    assert_true(e < 1000 * rtols[i]);
    assert_true(e < prev);
    prev = e;
    uat_ode_trajectory_free(tr);
  }
  free(t);
}

static void test_exp_decay_exact(void **s) {
  (void)s;
  check_exact("exp-decay", UAT_ODE_BDF);
  check_exact("exp-decay", UAT_ODE_ADAMS);
}

static void test_harmonic_exact(void **s) {
  (void)s;
  check_exact("harmonic", UAT_ODE_BDF);
  check_exact("harmonic", UAT_ODE_ADAMS);
}

static const double lv_p[4] = {1.5, 1.0, 1.0, 3.0};

static void test_lv_invariant_and_equilibrium(void **s) {
  (void)s;
  const uat_ode_system *lv = uat_ode_catalogue_find("lotka-volterra");
  double *t = linspace(0, 15, 301);
  uat_ode_params p = uat_ode_default_params();
  uat_ode_trajectory *tr = NULL;
  uat_error err;
  uat_ode_stats st;
  assert_int_equal(uat_ode_solve(lv, lv_p, lv->y0_default, 301, t, &p, &tr, &st, &err), 0);
  double drift;
  assert_int_equal(uat_ode_invariant_drift(lv, lv_p, tr, &drift), 0);
  /* rtol 1e-10 bounds the local error; the invariant drifts by the global error, ~1e-8 */
  assert_true(drift < 1e-8);
  assert_true(st.steps > 0 && st.rhs_evals > st.steps && st.jac_evals > 0);
  uat_ode_trajectory_free(tr);

  /* At (gamma/delta, alpha/beta) the field vanishes: the state must not move. */
  const double eq[2] = {3.0, 1.5};
  assert_int_equal(uat_ode_solve(lv, lv_p, eq, 301, t, &p, &tr, NULL, &err), 0);
  for (size_t k = 0; k < tr->n; k++) {
    uat_assert_close(tr->y[2 * k], 3.0, 1e-14, 0);
    uat_assert_close(tr->y[2 * k + 1], 1.5, 1e-14, 0);
  }
  uat_ode_trajectory_free(tr);
  free(t);
}

/* ---- an independent reference: GSL's embedded Runge-Kutta-Prince-Dormand (8,9) ---------- */
static int gsl_lv(double t, const double y[], double f[], void *params) {
  const uat_ode_system *lv = params;
  return lv->rhs(t, y, f, lv_p, NULL) == 0 ? GSL_SUCCESS : GSL_EBADFUNC;
}

static void rk8pd_reference(const double *t, size_t n, double *y) {
  const uat_ode_system *lv = uat_ode_catalogue_find("lotka-volterra");
  gsl_odeiv2_system sys = {gsl_lv, NULL, 2, (void *)lv};
  gsl_odeiv2_driver *d =
      gsl_odeiv2_driver_alloc_y_new(&sys, gsl_odeiv2_step_rk8pd, 1e-6, 0.0, 1e-14);
  double tt = t[0], yy[2] = {10.0, 5.0};
  memcpy(y, yy, sizeof yy);
  for (size_t k = 1; k < n; k++) {
    assert_int_equal(gsl_odeiv2_driver_apply(d, &tt, t[k], yy), GSL_SUCCESS);
    memcpy(y + 2 * k, yy, sizeof yy);
  }
  gsl_odeiv2_driver_free(d);
}

static void test_lv_error_estimate_and_accuracy(void **s) {
  (void)s;
  const uat_ode_system *lv = uat_ode_catalogue_find("lotka-volterra");
  enum { N = 151 };
  double *t = linspace(0, 15, N);
  uat_ode_trajectory ref = {N, 2, N, t, malloc(2 * N * sizeof(double))};
  rk8pd_reference(t, N, ref.y);

  uat_ode_params p = uat_ode_default_params();
  uat_ode_trajectory *tr = NULL;
  uat_error err;
  double est;
  assert_int_equal(
      uat_ode_solve_estimate(lv, lv_p, lv->y0_default, N, t, &p, &tr, &est, NULL, &err), 0);
  const double actual = uat_ode_trajectory_distance(tr, &ref);
  /* The estimate is the right size: within a factor 10 of the error against rk8pd. */
  if (!(est > actual / 10 && est < actual * 10)) print_error("est %g actual %g\n", est, actual);
  assert_true(est > actual / 10 && est < actual * 10);
  uat_ode_trajectory_free(tr);

  uat_ode_params used;
  assert_int_equal(uat_ode_solve_accuracy(lv, lv_p, lv->y0_default, N, t, &p, 1e-9, 1e-3, &tr, &est,
                                          &used, NULL, &err),
                   0);
  assert_true(est <= 1e-9);
  const double true_err = uat_ode_trajectory_distance(tr, &ref);
  if (!(true_err < 1e-9)) print_error("accuracy 1e-9: error %g vs rk8pd\n", true_err);
  assert_true(true_err < 1e-9);
  uat_ode_trajectory_free(tr);

  assert_int_equal(uat_ode_solve_accuracy(lv, lv_p, lv->y0_default, N, t, &p, 1e-15, 1e-3, &tr,
                                          &est, &used, NULL, &err),
                   UAT_EDOMAIN);
  assert_null(tr);
  assert_true(uat_test_contains(err.msg, "below what double precision allows"));
  free(ref.y);
  free(t);
}

static void test_stiff_van_der_pol(void **s) {
  (void)s;
  const uat_ode_system *vdp = uat_ode_catalogue_find("van-der-pol");
  const double mu = 1000.0;
  double *t = linspace(0, 3000, 31);
  uat_ode_params p = uat_ode_default_params();
  p.method = UAT_ODE_BDF;
  p.rtol = 1e-8;
  p.atol = 1e-10;
  uat_ode_trajectory *tr = NULL;
  uat_error err;
  uat_ode_stats st;
  assert_int_equal(uat_ode_solve(vdp, &mu, vdp->y0_default, 31, t, &p, &tr, &st, &err), 0);
  const long bdf_steps = st.steps;
  uat_ode_trajectory_free(tr);
  /* The relaxation oscillation's amplitude against its asymptotic expansion (Dorodnitsyn):
   * 2 + 0.7793 mu^(-4/3) - (16/27) mu^(-2) ln mu = 2.0000738 for mu = 1000, the next terms
   * below 1e-6. Sampled every 0.1 after the transient; the samples miss the peak by at most
   * the slow drift there, about 1e-5 (measured 2.0000669). */
  double *td = linspace(0, 3000, 30001);
  assert_int_equal(uat_ode_solve(vdp, &mu, vdp->y0_default, 30001, td, &p, &tr, NULL, &err), 0);
  double amp = 0.0;
  for (size_t k = 10000; k < tr->n; k++) amp = fmax(amp, fabs(tr->y[2 * k]));
  const double expect = 2 + 0.7793 * pow(mu, -4.0 / 3) - 16.0 / 27 * log(mu) / (mu * mu);
  print_message("van der Pol mu = 1000: amplitude %.7f, asymptotic %.7f\n", amp, expect);
  uat_assert_close(amp, expect, 2e-5, 0);
  uat_ode_trajectory_free(tr);
  free(td);
  /* Adams' stability region shrinks with its order, so on this stiff problem it needs more
   * than twice BDF's steps (9706 vs 4079 when measured). */
  p.method = UAT_ODE_ADAMS;
  assert_int_equal(uat_ode_solve(vdp, &mu, vdp->y0_default, 31, t, &p, &tr, &st, &err), 0);
  if (!(st.steps > 2 * bdf_steps)) print_error("adams %ld bdf %ld\n", st.steps, bdf_steps);
  assert_true(st.steps > 2 * bdf_steps);
  uat_ode_trajectory_free(tr);
  free(t);
}

/* The converse on the non-stiff Lotka-Volterra system: Adams' high orders take fewer steps
 * than BDF's (at most order 5) for the same tolerance (1268 vs 3151 when measured). */
static void test_nonstiff_prefers_adams(void **s) {
  (void)s;
  const uat_ode_system *lv = uat_ode_catalogue_find("lotka-volterra");
  double *t = linspace(0, 15, 301);
  uat_ode_params p = uat_ode_default_params();
  uat_ode_trajectory *tr = NULL;
  uat_error err;
  uat_ode_stats adams, bdf;
  assert_int_equal(uat_ode_solve(lv, lv_p, lv->y0_default, 301, t, &p, &tr, &adams, &err), 0);
  uat_ode_trajectory_free(tr);
  p.method = UAT_ODE_BDF;
  assert_int_equal(uat_ode_solve(lv, lv_p, lv->y0_default, 301, t, &p, &tr, &bdf, &err), 0);
  uat_ode_trajectory_free(tr);
  assert_true(2 * adams.steps < bdf.steps);
  free(t);
}

/* ---- failures ----------------------------------------------------------------------------- */
static int blowup_rhs(double t, const double *y, double *f, const double *p, void *ctx) {
  (void)t;
  (void)p;
  (void)ctx;
  f[0] = y[0] * y[0];
  return 0;
}

static int nan_rhs(double t, const double *y, double *f, const double *p, void *ctx) {
  (void)p;
  (void)ctx;
  f[0] = t < 0.5 ? -y[0] : NAN;
  return 0;
}

static const char *const one_state[] = {"y"};

static uat_ode_system custom(const char *name, uat_ode_rhs rhs) {
  uat_ode_system s;
  memset(&s, 0, sizeof s);
  s.name = name;
  s.dim = 1;
  s.state_names = one_state;
  s.rhs = rhs;
  return s;
}

/* y' = y^2, y(0) = 1 is 1/(1 - t): it blows up at t = 1. */
static void test_blowup_reports_time(void **s) {
  (void)s;
  const uat_ode_system sys = custom("blowup", blowup_rhs);
  const double y0 = 1.0, t[2] = {0.0, 2.0};
  uat_ode_params p = uat_ode_default_params();
  uat_ode_trajectory *tr = (uat_ode_trajectory *)&tr;
  uat_error err;
  uat_ode_stats st;
  assert_int_equal(uat_ode_solve(&sys, NULL, &y0, 2, t, &p, &tr, &st, &err), UAT_ESOLVER);
  assert_null(tr);
  assert_true(st.t_reached > 0.99 && st.t_reached <= 1.0);
  assert_true(uat_test_contains(err.msg, "blowup: CVODE failed at t = 0.99"));
  assert_true(uat_test_contains(err.msg, "CV_"));
}

static void test_nan_rhs_reported(void **s) {
  (void)s;
  const uat_ode_system sys = custom("nan-after-half", nan_rhs);
  const double y0 = 1.0, t[3] = {0.0, 0.25, 1.0};
  uat_ode_params p = uat_ode_default_params();
  uat_ode_trajectory *tr = NULL;
  uat_error err;
  uat_ode_stats st;
  assert_int_equal(uat_ode_solve(&sys, NULL, &y0, 3, t, &p, &tr, &st, &err), UAT_ESOLVER);
  assert_null(tr);
  assert_true(uat_test_contains(err.msg, "right-hand side returned NaN or Inf (first at t = 0.5"));
  assert_true(st.t_reached >= 0.25 && st.t_reached <= 0.5);
}

static void test_bad_arguments(void **s) {
  (void)s;
  const uat_ode_system *lv = uat_ode_catalogue_find("lotka-volterra");
  const double t[2] = {1.0, 1.0}, y0[2] = {1.0, NAN};
  uat_ode_params p = uat_ode_default_params();
  uat_ode_trajectory *tr;
  uat_error err;
  assert_int_equal(uat_ode_solve(lv, NULL, lv->y0_default, 2, t, &p, &tr, NULL, &err), UAT_EINVAL);
  const double t2[2] = {0.0, 1.0};
  assert_int_equal(uat_ode_solve(lv, NULL, y0, 2, t2, &p, &tr, NULL, &err), UAT_EINVAL);
  assert_true(uat_test_contains(err.msg, "initial value of y is not finite"));
  p.rtol = 0;
  assert_int_equal(uat_ode_solve(lv, NULL, lv->y0_default, 2, t2, &p, &tr, NULL, &err), UAT_EINVAL);
  assert_null(uat_ode_catalogue_find("no-such-system"));
}

/* ---- output modes, Jacobians, files --------------------------------------------------------- */
static void test_output_modes_and_jacobian(void **s) {
  (void)s;
  const uat_ode_system *lv = uat_ode_catalogue_find("lotka-volterra");
  double *t = linspace(0, 15, 31);
  uat_ode_params p = uat_ode_default_params();
  uat_ode_trajectory *a = NULL, *b = NULL, *c = NULL, *d = NULL;
  uat_error err;
  uat_ode_stats sa, sd;
  assert_int_equal(uat_ode_solve(lv, lv_p, lv->y0_default, 31, t, &p, &a, &sa, &err), 0);
  p.output = UAT_ODE_OUTPUT_STOP;
  assert_int_equal(uat_ode_solve(lv, lv_p, lv->y0_default, 31, t, &p, &b, NULL, &err), 0);
  p.output = UAT_ODE_OUTPUT_STEPS;
  assert_int_equal(uat_ode_solve(lv, lv_p, lv->y0_default, 31, t, &p, &c, NULL, &err), 0);
  p.output = UAT_ODE_OUTPUT_INTERP;
  p.use_jacobian = 0;
  assert_int_equal(uat_ode_solve(lv, lv_p, lv->y0_default, 31, t, &p, &d, &sd, &err), 0);
  /* All agree to the size of the global error (~1e-8 here). */
  assert_true(uat_ode_trajectory_distance(a, b) < 1e-7);
  assert_true(uat_ode_trajectory_distance(a, d) < 1e-7);
  assert_true(c->n > 31 && c->t[c->n - 1] == 15.0);
  for (size_t k = 1; k < c->n; k++) assert_true(c->t[k] > c->t[k - 1]);
  /* Difference-quotient Jacobians cost extra right-hand-side evaluations; analytic ones do not */
  assert_int_equal(sa.lin_rhs_evals, 0);
  assert_true(sd.lin_rhs_evals > 0);
  uat_ode_trajectory_free(a);
  uat_ode_trajectory_free(b);
  uat_ode_trajectory_free(c);
  uat_ode_trajectory_free(d);
  free(t);
}

/* Every hand-written Jacobian in the catalogue against central differences of its rhs (the
 * cart-pole, a control system, leaves its Jacobian to CVODE's difference quotients). */
static void test_catalogue_jacobians(void **s) {
  (void)s;
  for (size_t i = 0; i < uat_ode_catalogue_count(); i++) {
    const uat_ode_system *sys = uat_ode_catalogue_get(i);
    const size_t n = sys->dim;
    double y[4], J[16], fp[4], fm[4];
    assert_true(n <= 4);
    for (size_t j = 0; j < n; j++) y[j] = 0.7 + 0.31 * (double)j;
    if (strcmp(sys->name, "cartpole") == 0) continue;
    assert_non_null(sys->jac);
    sys->jac(0.3, y, J, sys->param_defaults, sys->ctx);
    for (size_t j = 0; j < n; j++) {
      const double h = 1e-6, yj = y[j];
      y[j] = yj + h;
      sys->rhs(0.3, y, fp, sys->param_defaults, sys->ctx);
      y[j] = yj - h;
      sys->rhs(0.3, y, fm, sys->param_defaults, sys->ctx);
      y[j] = yj;
      for (size_t r = 0; r < n; r++)
        uat_assert_close(J[r * n + j], (fp[r] - fm[r]) / (2 * h), 1e-8, 1e-7);
    }
  }
}

static void test_csv_round_trip(void **s) {
  (void)s;
  const uat_ode_system *lv = uat_ode_catalogue_find("lotka-volterra");
  double *t = linspace(0, 15, 21);
  uat_ode_params p = uat_ode_default_params();
  uat_ode_trajectory *tr = NULL;
  uat_error err;
  assert_int_equal(uat_ode_solve(lv, lv_p, lv->y0_default, 21, t, &p, &tr, NULL, &err), 0);
  double rows[21 * 3];
  for (size_t k = 0; k < 21; k++) {
    rows[3 * k] = tr->t[k];
    rows[3 * k + 1] = tr->y[2 * k];
    rows[3 * k + 2] = tr->y[2 * k + 1];
  }
  const char *names[3] = {"t", "x", "y"};
  const char *path = uat_test_file(0, "");
  assert_int_equal(uat_table_write(path, names, 21, 3, rows, &err), 0);
  uat_table *back = NULL;
  assert_int_equal(uat_table_read(path, &back, &err), 0);
  assert_int_equal(back->rows, 21);
  assert_memory_equal(back->data, rows, sizeof rows);
  uat_table_free(back);
  uat_ode_trajectory_free(tr);
  free(t);
}

/* Finite differences of the exact harmonic solution converge at their order. */
static void test_fd_derivative_orders(void **s) {
  (void)s;
  const uat_ode_system *h = uat_ode_catalogue_find("harmonic");
  double err[2][2];
  for (int level = 0; level < 2; level++) {
    const size_t n = level == 0 ? 101 : 201;
    double *t = linspace(0, 5, n), *y = malloc(2 * n * sizeof *y), *f = malloc(2 * n * sizeof *f),
           *d = malloc(2 * n * sizeof *d);
    for (size_t k = 0; k < n; k++)
      h->exact(t[k], 0, h->y0_default, h->param_defaults, y + 2 * k, NULL);
    uat_ode_eval_field(h, NULL, 0, n, y, f);
    for (int o = 0; o < 2; o++) {
      assert_int_equal(uat_ode_fd_derivative(n, 2, t, y, o == 0 ? 2 : 4, d), 0);
      double worst = 0;
      for (size_t i = 0; i < 2 * n; i++) worst = fmax(worst, fabs(d[i] - f[i]));
      err[o][level] = worst;
    }
    free(t);
    free(y);
    free(f);
    free(d);
  }
  /* halving h divides the error by 2^order (within 25%) */
  uat_assert_close(err[0][0] / err[0][1], 4.0, 0, 0.25);
  uat_assert_close(err[1][0] / err[1][1], 16.0, 0, 0.25);
  const double bad_t[3] = {0, 1, 3}, y3[3] = {0, 1, 2};
  double d3[3];
  assert_int_equal(uat_ode_fd_derivative(3, 1, bad_t, y3, 2, d3), UAT_EINVAL);
}

static void test_grid_box(void **s) {
  (void)s;
  const double lo[2] = {0, -1}, hi[2] = {2, 1};
  double g[9 * 2];
  uat_ode_grid_box(2, lo, hi, 3, g);
  uat_assert_close(g[0], 0, 0, 0);
  uat_assert_close(g[1], -1, 0, 0);
  uat_assert_close(g[2 * 1 + 1], 0, 0, 0); /* second point: last axis moves first */
  uat_assert_close(g[2 * 8], 2, 0, 0);
  uat_assert_close(g[2 * 8 + 1], 1, 0, 0);
}

/* Parameters from "name=value,...": the values land at the names' indices, the rest stay;
 * each kind of malformed list is refused with the message that names the problem. */
static void test_params_set(void **state) {
  (void)state;
  const uat_ode_system *lv = uat_ode_catalogue_find("lotka-volterra");
  assert_non_null(lv);
  double p[4] = {1.0, 2.0, 3.0, 4.0};
  uat_error err;
  assert_int_equal(uat_ode_params_set(lv, "gamma=0.25,beta=-1.5e-3", p, &err), UAT_OK);
  const int b = uat_ode_param_index(lv, "beta"), g = uat_ode_param_index(lv, "gamma");
  assert_true(p[b] == -1.5e-3 && p[g] == 0.25);
  assert_true(p[uat_ode_param_index(lv, "alpha")] == 1.0 &&
              p[uat_ode_param_index(lv, "delta")] == 3.0);
  assert_int_equal(uat_ode_params_set(lv, NULL, p, &err), UAT_OK);
  assert_int_equal(uat_ode_params_set(lv, "", p, &err), UAT_OK);
  assert_int_equal(uat_ode_params_set(lv, "alpha=1,eps=3", p, &err), UAT_EINVAL);
  assert_string_equal(err.msg,
                      "lotka-volterra has no parameter 'eps' (it has alpha, beta, delta, gamma)");
  assert_int_equal(uat_ode_params_set(lv, "alpha=x", p, &err), UAT_EINVAL);
  assert_string_equal(err.msg, "expected a number for alpha, found 'x'");
  assert_int_equal(uat_ode_params_set(lv, "alpha=inf", p, &err), UAT_EINVAL);
  assert_int_equal(uat_ode_params_set(lv, "beta=1,alpha", p, &err), UAT_EINVAL);
  assert_string_equal(err.msg, "expected name=value, found 'alpha'");
  assert_int_equal(uat_ode_params_set(lv, "alpha=", p, &err), UAT_EINVAL);
}

int main(void) {
  gsl_set_error_handler_off();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exp_decay_exact),
      cmocka_unit_test(test_harmonic_exact),
      cmocka_unit_test(test_lv_invariant_and_equilibrium),
      cmocka_unit_test(test_lv_error_estimate_and_accuracy),
      cmocka_unit_test(test_stiff_van_der_pol),
      cmocka_unit_test(test_nonstiff_prefers_adams),
      cmocka_unit_test(test_blowup_reports_time),
      cmocka_unit_test(test_nan_rhs_reported),
      cmocka_unit_test(test_bad_arguments),
      cmocka_unit_test(test_output_modes_and_jacobian),
      cmocka_unit_test(test_catalogue_jacobians),
      cmocka_unit_test(test_csv_round_trip),
      cmocka_unit_test(test_fd_derivative_orders),
      cmocka_unit_test(test_grid_box),
      cmocka_unit_test(test_params_set),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
