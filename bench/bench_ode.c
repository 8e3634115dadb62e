/* bench_ode.c — work-precision of the CVODE driver on Lotka–Volterra (alpha 1.5, beta 1,
 * delta 1, gamma 3, x0 10, y0 5, t in [0, 15], 301 output times), never part of the tests.
 *
 * Reference: GSL's Runge–Kutta–Prince–Dormand (8,9) at relative tolerance 1e-14, a method and
 * code independent of CVODE. For rtol 1e-4 ... 1e-13, Adams and BDF, with the analytic
 * Jacobian and with CVODE's difference quotients: the error against the reference (normwise
 * relative, max over times), steps, right-hand-side evaluations (including those for the
 * Jacobian) and time per solve (median of 7). Then `--accuracy 1e-9`: the tolerances it picks,
 * its estimate, and the error it really has. */
#define _POSIX_C_SOURCE 200809L
#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "uat/ode.h"

enum { N = 301, REPEATS = 7 };

static int gsl_rhs(double t, const double y[], double f[], void *params) {
  const uat_ode_system *s = params;
  return s->rhs(t, y, f, s->param_defaults, NULL) == 0 ? GSL_SUCCESS : GSL_EBADFUNC;
}

static void reference(const uat_ode_system *lv, const double *t, double *y) {
  gsl_odeiv2_system sys = {gsl_rhs, NULL, 2, (void *)lv};
  gsl_odeiv2_driver *d =
      gsl_odeiv2_driver_alloc_y_new(&sys, gsl_odeiv2_step_rk8pd, 1e-6, 0.0, 1e-14);
  double tt = t[0], yy[2] = {lv->y0_default[0], lv->y0_default[1]};
  memcpy(y, yy, sizeof yy);
  for (size_t k = 1; k < N; k++) {
    gsl_odeiv2_driver_apply(d, &tt, t[k], yy);
    memcpy(y + 2 * k, yy, sizeof yy);
  }
  gsl_odeiv2_driver_free(d);
}

static double timed_solve(const uat_ode_system *lv, const double *t, const uat_ode_params *p,
                          uat_ode_trajectory **tr, uat_ode_stats *st) {
  double secs[REPEATS];
  uat_error err;
  for (int r = 0; r < REPEATS; r++) {
    const double t0 = bench_now();
    if (uat_ode_solve(lv, NULL, lv->y0_default, N, t, p, tr, st, &err) != UAT_OK) {
      fprintf(stderr, "%s\n", err.msg);
      return -1;
    }
    secs[r] = bench_now() - t0;
    if (r + 1 < REPEATS) uat_ode_trajectory_free(*tr);
  }
  return bench_median(secs, REPEATS);
}

int main(void) {
  gsl_set_error_handler_off();
  const uat_ode_system *lv = uat_ode_catalogue_find("lotka-volterra");
  double t[N], yref[2 * N];
  for (size_t k = 0; k < N; k++) t[k] = 15.0 * (double)k / (N - 1);
  reference(lv, t, yref);
  uat_ode_trajectory ref = {N, 2, N, t, yref};

  printf("method,jacobian,rtol,atol,error_vs_rk8pd,steps,rhs_evals,us_per_solve\n");
  for (int m = 0; m < 2; m++)
    for (int jac = 1; jac >= 0; jac--)
      for (int e = 4; e <= 13; e++) {
        uat_ode_params p = uat_ode_default_params();
        p.method = m ? UAT_ODE_BDF : UAT_ODE_ADAMS;
        p.use_jacobian = jac;
        p.rtol = pow(10.0, -e);
        p.atol = p.rtol * 1e-3;
        uat_ode_trajectory *tr = NULL;
        uat_ode_stats st;
        const double secs = timed_solve(lv, t, &p, &tr, &st);
        if (secs < 0) continue;
        printf("%s,%s,%.0e,%.0e,%.3e,%ld,%ld,%.1f\n", m ? "bdf" : "adams",
               jac ? "analytic" : "difference", p.rtol, p.atol,
               uat_ode_trajectory_distance(tr, &ref), st.steps, st.rhs_evals + st.lin_rhs_evals,
               secs * 1e6);
        uat_ode_trajectory_free(tr);
      }

  uat_ode_params p = uat_ode_default_params(), used;
  uat_ode_trajectory *tr = NULL;
  uat_ode_stats st;
  uat_error err;
  double estimate;
  const double t0 = bench_now();
  if (uat_ode_solve_accuracy(lv, NULL, lv->y0_default, N, t, &p, 1e-9, 1e-3, &tr, &estimate, &used,
                             &st, &err) != UAT_OK) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  const double secs = bench_now() - t0;
  printf("\naccuracy = 1e-9\nrtol_used = %g\natol_used = %g\nerror_estimate = %.3e\n"
         "error_vs_rk8pd = %.3e\nseconds_including_search = %.4f\n",
         used.rtol, used.atol, estimate, uat_ode_trajectory_distance(tr, &ref), secs);
  uat_ode_trajectory_free(tr);
  return 0;
}
