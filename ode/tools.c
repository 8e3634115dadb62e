/* tools.c — global error estimates, tolerance selection, invariants and derivative data. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "uat/ode.h"

double uat_ode_trajectory_distance(const uat_ode_trajectory *a, const uat_ode_trajectory *b) {
  if (a->n != b->n || a->dim != b->dim) return NAN;
  double worst = 0.0;
  for (size_t k = 0; k < a->n; k++) {
    double diff = 0.0, size = 0.0;
    for (size_t i = 0; i < a->dim; i++) {
      diff = fmax(diff, fabs(a->y[k * a->dim + i] - b->y[k * b->dim + i]));
      size = fmax(size, fabs(b->y[k * b->dim + i]));
    }
    const double e = size > 0 ? diff / size : diff;
    if (!(e <= worst)) worst = e; /* also propagates NaN */
  }
  return worst;
}

int uat_ode_solve_estimate(const uat_ode_system *sys, const double *p, const double *y0,
                           size_t n_times, const double *times, const uat_ode_params *params,
                           uat_ode_trajectory **out, double *estimate, uat_ode_stats *stats,
                           uat_error *err) {
  *estimate = NAN;
  uat_ode_trajectory *tr = NULL, *ref = NULL;
  int st = uat_ode_solve(sys, p, y0, n_times, times, params, &tr, stats, err);
  if (st != UAT_OK) return st;
  /* The reference: 100 times tighter, at the same output times (those of tr when the
   * solution was sampled at CVODE's own steps). */
  uat_ode_params tight = *params;
  tight.rtol /= 100.0;
  tight.atol /= 100.0;
  if (tight.output == UAT_ODE_OUTPUT_STEPS) tight.output = UAT_ODE_OUTPUT_STOP;
  uat_ode_stats ref_stats;
  st = uat_ode_solve(sys, p, y0, tr->n, tr->t, &tight, &ref, &ref_stats, err);
  if (st != UAT_OK) {
    uat_ode_trajectory_free(tr);
    return st;
  }
  *estimate = uat_ode_trajectory_distance(tr, ref);
  uat_ode_trajectory_free(ref);
  *out = tr;
  return UAT_OK;
}

int uat_ode_solve_accuracy(const uat_ode_system *sys, const double *p, const double *y0,
                           size_t n_times, const double *times, const uat_ode_params *params,
                           double accuracy, double atol_scale, uat_ode_trajectory **out,
                           double *estimate, uat_ode_params *used, uat_ode_stats *stats,
                           uat_error *err) {
  *out = NULL;
  if (!(accuracy >= UAT_ODE_ACCURACY_MIN) || !isfinite(accuracy))
    return uat_error_set(err, UAT_EDOMAIN,
                         "ode: accuracy %g is below what double precision allows (at least %g)",
                         accuracy, UAT_ODE_ACCURACY_MIN);
  if (!(atol_scale >= 0)) return uat_error_set(err, UAT_EINVAL, "ode: atol scale must be >= 0");
  uat_ode_params cand = *params;
  double last = NAN;
  for (cand.rtol = fmin(accuracy, 1e-3); cand.rtol / 100.0 >= 1e-14 * (1 - 1e-9); cand.rtol /= 10) {
    cand.atol = cand.rtol * atol_scale;
    uat_ode_trajectory *tr = NULL;
    const int st =
        uat_ode_solve_estimate(sys, p, y0, n_times, times, &cand, &tr, &last, stats, err);
    if (st != UAT_OK) return st;
    if (last <= accuracy) {
      *out = tr;
      *estimate = last;
      *used = cand;
      return UAT_OK;
    }
    uat_ode_trajectory_free(tr);
  }
  *estimate = last;
  return uat_error_set(err, UAT_EDOMAIN,
                       "ode: cannot reach accuracy %g: estimated error %.3g at rtol %g, the "
                       "tightest tolerance whose reference CVODE can still honour",
                       accuracy, last, cand.rtol * 10);
}

int uat_ode_invariant_drift(const uat_ode_system *sys, const double *p,
                            const uat_ode_trajectory *tr, double *drift) {
  const double *pp = p ? p : sys->param_defaults;
  if (sys->invariant == NULL || tr->n == 0) return UAT_ENOTFOUND;
  const double v0 = sys->invariant(tr->y, pp, sys->ctx);
  if (!isfinite(v0)) return UAT_ENOTFOUND;
  double worst = 0.0;
  for (size_t k = 1; k < tr->n; k++) {
    const double v = sys->invariant(tr->y + k * tr->dim, pp, sys->ctx);
    const double d = v0 != 0 ? fabs(v - v0) / fabs(v0) : fabs(v - v0);
    if (!(d <= worst)) worst = d;
  }
  *drift = worst;
  return UAT_OK;
}

int uat_ode_eval_field(const uat_ode_system *sys, const double *p, double t, size_t n,
                       const double *y, double *f) {
  const double *pp = p ? p : sys->param_defaults;
  for (size_t k = 0; k < n; k++) {
    const int st = sys->rhs(t, y + k * sys->dim, f + k * sys->dim, pp, sys->ctx);
    if (st != 0) return UAT_ESOLVER;
  }
  return UAT_OK;
}

void uat_ode_grid_box(size_t dim, const double *lo, const double *hi, size_t per_dim, double *out) {
  size_t total = 1;
  for (size_t i = 0; i < dim; i++) total *= per_dim;
  for (size_t k = 0; k < total; k++) {
    size_t rest = k;
    for (size_t i = dim; i-- > 0;) {
      const size_t j = rest % per_dim;
      rest /= per_dim;
      out[k * dim + i] =
          per_dim == 1 ? lo[i] : lo[i] + (hi[i] - lo[i]) * (double)j / (double)(per_dim - 1);
    }
  }
}

/* Weights of one-sided and central difference formulas on uniform grids (in units of 1/h):
 * row r gives the derivative at point r of the stencil from samples 0..width-1. */
static const double fd2[3][3] = {{-1.5, 2.0, -0.5}, {-0.5, 0.0, 0.5}, {0.5, -2.0, 1.5}};
static const double fd4[5][5] = {{-25.0 / 12, 4.0, -3.0, 4.0 / 3, -0.25},
                                 {-0.25, -5.0 / 6, 1.5, -0.5, 1.0 / 12},
                                 {1.0 / 12, -2.0 / 3, 0.0, 2.0 / 3, -1.0 / 12},
                                 {-1.0 / 12, 0.5, -1.5, 5.0 / 6, 0.25},
                                 {0.25, -4.0 / 3, 3.0, -4.0, 25.0 / 12}};

int uat_ode_fd_derivative(size_t n, size_t dim, const double *t, const double *y, int order,
                          double *dydt) {
  const size_t width = order == 2 ? 3 : order == 4 ? 5 : 0;
  if (width == 0 || n < width) return UAT_EINVAL;
  const double h = (t[n - 1] - t[0]) / (double)(n - 1);
  if (!(h > 0)) return UAT_EINVAL;
  for (size_t k = 1; k < n; k++)
    if (fabs((t[k] - t[k - 1]) - h) > 1e-9 * h) return UAT_EINVAL;
  const size_t half = width / 2;
  for (size_t k = 0; k < n; k++) {
    /* The stencil starts at s; r is k's place in it: central inside, one-sided at the ends. */
    const size_t s = k < half ? 0 : (k + half >= n ? n - width : k - half);
    const size_t r = k - s;
    for (size_t i = 0; i < dim; i++) {
      double d = 0.0;
      for (size_t j = 0; j < width; j++)
        d += (order == 2 ? fd2[r][j] : fd4[r][j]) * y[(s + j) * dim + i];
      dydt[k * dim + i] = d / h;
    }
  }
  return UAT_OK;
}
