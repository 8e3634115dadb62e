/* norms.c — error norms between a model and a target on a box. */
#include "uat/norms.h"
#include "gsl_quiet.h"

#include <float.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_DIM = 16, MAX_REFINE = 64 };

uat_norm_params uat_norm_default_params(size_t dim) {
  const uat_norm_params p = {
      dim <= 1 ? 1001 : dim == 2 ? 101 : 21, 0.0, 1e-10, 1000, 5, 16, 1, NULL, 0};
  return p;
}

/* What is integrated: e^2, |e|, t^2 or |t| (e = model - target, t = target). */
typedef enum { SQ_ERR = 0, ABS_ERR, SQ_TARGET, ABS_TARGET } quantity;

typedef struct {
  size_t dim;
  const double *lo, *hi;
  uat_fn model, target;
  void *mctx, *tctx;
  const uat_norm_params *p;
  quantity q;
  double x[MAX_DIM];
  int failed;                      /* a function failed or returned a non-finite value */
  int inaccurate;                  /* a quadrature did not reach its tolerance */
  gsl_integration_workspace *w[2]; /* outer and inner workspaces of nested quadrature */
  double inner_abserr;             /* largest inner error estimate seen */
} ctx;

/* e(x) (or t(x) for the target quantities); failures are remembered and count as 0. */
static double eval_at(ctx *c, const double *x, int error) {
  double m = 0.0, t = 0.0;
  if (c->target(x, &t, c->tctx) != 0 || !isfinite(t)) c->failed = 1;
  if (error && (c->model(x, &m, c->mctx) != 0 || !isfinite(m))) c->failed = 1;
  if (c->failed) return 0.0;
  return error ? m - t : t;
}

static double integrand(ctx *c) {
  const double v = eval_at(c, c->x, c->q == SQ_ERR || c->q == ABS_ERR);
  return (c->q == SQ_ERR || c->q == SQ_TARGET) ? v * v : fabs(v);
}

static double f_last(double x, void *p) {
  ctx *c = p;
  c->x[c->dim - 1] = x;
  return integrand(c);
}

static int qags(ctx *c, gsl_function *F, double a, double b, gsl_integration_workspace *w,
                double *result, double *abserr) {
  const int st =
      gsl_integration_qags(F, a, b, c->p->epsabs, c->p->epsrel, c->p->limit, w, result, abserr);
  /* A tiny error sampled with ~1e-16 rounding noise cannot be integrated to epsrel: GSL then
   * reports roundoff or the subinterval limit. The result is as good as the integrand allows
   * and its error estimate says how good; it counts as a shortfall only when that estimate is
   * above 0.1% of the value. */
  if (st != GSL_SUCCESS && st != GSL_EROUND && *abserr > 1e-3 * fabs(*result)) c->inaccurate = 1;
  return st;
}

/* Inner integral over the last axis at fixed x[0] (2-D). */
static double f_outer(double x0, void *p) {
  ctx *c = p;
  c->x[0] = x0;
  gsl_function F = {f_last, c};
  double r, e;
  qags(c, &F, c->lo[1], c->hi[1], c->w[1], &r, &e);
  if (e > c->inner_abserr) c->inner_abserr = e;
  return r;
}

/* Gauss-Legendre product rule with n points per axis. */
static double gauss_product(ctx *c, size_t n) {
  gsl_integration_glfixed_table *tab = gsl_integration_glfixed_table_alloc(n);
  if (tab == NULL) {
    c->failed = 1;
    return 0.0;
  }
  size_t total = 1, idx[MAX_DIM] = {0};
  for (size_t i = 0; i < c->dim; i++) total *= n;
  double sum = 0.0;
  for (size_t k = 0; k < total; k++) {
    size_t rest = k;
    double w = 1.0;
    for (size_t i = 0; i < c->dim; i++) {
      idx[i] = rest % n;
      rest /= n;
      double xi, wi;
      gsl_integration_glfixed_point(c->lo[i], c->hi[i], idx[i], &xi, &wi, tab);
      c->x[i] = xi;
      w *= wi;
    }
    sum += w * integrand(c);
  }
  gsl_integration_glfixed_table_free(tab);
  return sum;
}

/* |e| has a kink wherever e changes sign; adaptive quadrature converges slowly across kinks
 * inside its intervals. In 1-D the sign changes are found on the grid, bisected to machine
 * precision and handed to GSL's qagp as break points, so every piece is smooth. */
static size_t sign_changes(ctx *c, double *pts, size_t max) {
  const size_t g = c->p->grid;
  const int error = c->q == ABS_ERR;
  size_t n = 0;
  pts[n++] = c->lo[0];
  double xa = c->lo[0], fa = eval_at(c, &xa, error);
  for (size_t k = 1; k < g && n + 1 < max; k++) {
    double xb = c->lo[0] + (c->hi[0] - c->lo[0]) * (double)k / (double)(g - 1);
    const double fb = eval_at(c, &xb, error);
    if ((fa < 0 && fb > 0) || (fa > 0 && fb < 0)) {
      double a = xa, b = xb, f_a = fa;
      for (int it = 0; it < 60 && b - a > 4 * DBL_EPSILON * fmax(fabs(a), fabs(b)); it++) {
        double m = 0.5 * (a + b);
        const double fm = eval_at(c, &m, error);
        if ((fm < 0) == (f_a < 0)) {
          a = m;
          f_a = fm;
        } else {
          b = m;
        }
      }
      const double root = 0.5 * (a + b);
      if (root > pts[n - 1]) pts[n++] = root;
    }
    xa = xb;
    fa = fb;
  }
  if (c->hi[0] > pts[n - 1]) pts[n++] = c->hi[0];
  return n;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The given breaks inside the interval added to pts[0..n) (which starts at lo and ends at hi),
 * sorted, duplicates dropped; returns the new count (at most max). */
static size_t add_breaks(const ctx *c, double *pts, size_t n, size_t max) {
  for (size_t k = 0; k < c->p->n_breaks && n < max; k++) {
    const double b = c->p->breaks[k];
    if (b > c->lo[0] && b < c->hi[0] && isfinite(b)) pts[n++] = b;
  }
  qsort(pts, n, sizeof *pts, cmp_double);
  size_t m = 0;
  for (size_t k = 0; k < n; k++)
    if (m == 0 || pts[k] > pts[m - 1]) pts[m++] = pts[k];
  return m;
}

/* The integral of quantity q over the box, with an error estimate. */
static double integral(ctx *c, quantity q, double *abserr) {
  c->q = q;
  double r = 0.0;
  *abserr = 0.0;
  if (c->dim == 1 && (q == ABS_ERR || q == ABS_TARGET || c->p->n_breaks > 0)) {
    gsl_function F = {f_last, c};
    double *pts = malloc(c->p->limit * sizeof *pts);
    size_t n = 0;
    if (pts && (q == ABS_ERR || q == ABS_TARGET)) {
      n = sign_changes(c, pts, c->p->limit / 4);
    } else if (pts) {
      pts[n++] = c->lo[0];
      pts[n++] = c->hi[0];
    }
    if (pts && c->p->n_breaks > 0) n = add_breaks(c, pts, n, c->p->limit / 2);
    if (n >= 2) {
      const int st = gsl_integration_qagp(&F, pts, n, c->p->epsabs, c->p->epsrel, c->p->limit,
                                          c->w[0], &r, abserr);
      if (st != GSL_SUCCESS && st != GSL_EROUND && *abserr > 1e-3 * fabs(r)) c->inaccurate = 1;
    } else {
      qags(c, &F, c->lo[0], c->hi[0], c->w[0], &r, abserr);
    }
    free(pts);
  } else if (c->dim == 1) {
    gsl_function F = {f_last, c};
    qags(c, &F, c->lo[0], c->hi[0], c->w[0], &r, abserr);
  } else if (c->dim == 2 && c->p->nested_2d) {
    gsl_function F = {f_outer, c};
    c->inner_abserr = 0.0;
    qags(c, &F, c->lo[0], c->hi[0], c->w[0], &r, abserr);
    /* the inner integrals' errors add up over the outer interval at most like this */
    *abserr += c->inner_abserr * (c->hi[0] - c->lo[0]);
  } else {
    r = gauss_product(c, c->p->gauss_points);
    *abserr = fabs(r - gauss_product(c, c->p->gauss_points / 2));
  }
  return r;
}

/* The grid: RMSE, maxima, and the worst points (largest |e| first) for refinement. */
typedef struct {
  double val;
  double x[MAX_DIM];
} worst_point;

static void keep_worst(worst_point *w, size_t *n, size_t max, double val, const double *x,
                       size_t dim) {
  if (max == 0 || (*n == max && val <= w[*n - 1].val)) return;
  size_t i = *n < max ? (*n)++ : max - 1;
  while (i > 0 && w[i - 1].val < val) {
    w[i] = w[i - 1];
    i--;
  }
  w[i].val = val;
  memcpy(w[i].x, x, dim * sizeof *x);
}

/* The grid pass; in 1-D and 2-D it also keeps the signed errors in e (total values, last axis
 * fastest) for the L-infinity error estimate, when e is not NULL. */
static void grid_pass(ctx *c, uat_norms *out, worst_point *worst, size_t *n_worst, double *e_all) {
  const size_t g = c->p->grid, dim = c->dim;
  size_t total = 1;
  for (size_t i = 0; i < dim; i++) total *= g;
  double sum = 0.0, x[MAX_DIM];
  for (size_t k = 0; k < total; k++) {
    size_t rest = k;
    for (size_t i = dim; i-- > 0;) {
      const size_t j = rest % g;
      rest /= g;
      x[i] = g == 1 ? c->lo[i] : c->lo[i] + (c->hi[i] - c->lo[i]) * (double)j / (double)(g - 1);
    }
    const double t = eval_at(c, x, 0), signed_e = eval_at(c, x, 1), e = fabs(signed_e);
    if (e_all) e_all[k] = signed_e;
    sum += e * e;
    out->max_grid = fmax(out->max_grid, e);
    out->target_linf = fmax(out->target_linf, fabs(t));
    keep_worst(worst, n_worst, c->p->refine, e, x, dim);
  }
  out->grid_points = total;
  out->rmse = sqrt(sum / (double)total);
}

/* -|e| at x clamped into the box, for the minimisers. */
static double neg_abs_err_1d(double x, void *p) {
  ctx *c = p;
  const double xx = fmin(fmax(x, c->lo[0]), c->hi[0]);
  return -fabs(eval_at(c, &xx, 1));
}

static double neg_abs_err_nd(const gsl_vector *v, void *p) {
  ctx *c = p;
  double x[MAX_DIM];
  for (size_t i = 0; i < c->dim; i++) x[i] = fmin(fmax(v->data[i], c->lo[i]), c->hi[i]);
  return -fabs(eval_at(c, x, 1));
}

/* Brent's method on [x - h, x + h]: needs the grid point to beat both ends, i.e. an interior
 * local maximum; otherwise the grid value stands. */
static void refine_1d(ctx *c, worst_point *w) {
  const double h = (c->hi[0] - c->lo[0]) / (double)(c->p->grid - 1);
  double a = fmax(c->lo[0], w->x[0] - h), b = fmin(c->hi[0], w->x[0] + h);
  gsl_function F = {neg_abs_err_1d, c};
  if (!(F.function(w->x[0], c) < F.function(a, c) && F.function(w->x[0], c) < F.function(b, c)))
    return;
  gsl_min_fminimizer *s = gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent);
  if (s == NULL || gsl_min_fminimizer_set(s, &F, w->x[0], a, b) != GSL_SUCCESS) {
    gsl_min_fminimizer_free(s);
    return;
  }
  for (int it = 0; it < 200; it++) {
    if (gsl_min_fminimizer_iterate(s) != GSL_SUCCESS) break;
    a = gsl_min_fminimizer_x_lower(s);
    b = gsl_min_fminimizer_x_upper(s);
    if (gsl_min_test_interval(a, b, 1e-15, 1e-13) == GSL_SUCCESS) break;
  }
  const double x = gsl_min_fminimizer_x_minimum(s), v = -gsl_min_fminimizer_f_minimum(s);
  if (v > w->val) {
    w->val = v;
    w->x[0] = x;
  }
  gsl_min_fminimizer_free(s);
}

/* L-infinity piece by piece between the breaks (1-D): the error at both ends (just inside) and
 * the middle of every piece, then Brent's method inside the piece from the best of them when
 * it is the middle. A piece narrower than the grid spacing is visited like any other. */
static void pieces_linf(ctx *c, uat_norms *out) {
  const size_t max = c->p->n_breaks + 2;
  double *pts = malloc(max * sizeof *pts);
  if (pts == NULL) return;
  pts[0] = c->lo[0];
  pts[1] = c->hi[0];
  const size_t n = add_breaks(c, pts, 2, max);
  for (size_t k = 0; k + 1 < n; k++) {
    const double a = pts[k], b = pts[k + 1], d = 1e-12 * (c->hi[0] - c->lo[0]);
    if (!(b - a > 2 * d)) continue;
    const double xs[3] = {a + d, 0.5 * (a + b), b - d};
    worst_point w = {-1.0, {0}};
    int at = 0;
    for (int j = 0; j < 3; j++) {
      const double v = fabs(eval_at(c, &xs[j], 1));
      if (v > w.val) {
        w.val = v;
        w.x[0] = xs[j];
        at = j;
      }
    }
    if (at == 1) { /* an interior maximum: climb to it inside the piece */
      gsl_function F = {neg_abs_err_1d, c};
      gsl_min_fminimizer *s = gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent);
      if (s && gsl_min_fminimizer_set(s, &F, xs[1], xs[0], xs[2]) == GSL_SUCCESS) {
        for (int it = 0; it < 200; it++) {
          if (gsl_min_fminimizer_iterate(s) != GSL_SUCCESS) break;
          if (gsl_min_test_interval(gsl_min_fminimizer_x_lower(s), gsl_min_fminimizer_x_upper(s),
                                    1e-15, 1e-13) == GSL_SUCCESS)
            break;
        }
        const double v = -gsl_min_fminimizer_f_minimum(s);
        if (v > w.val) {
          w.val = v;
          w.x[0] = gsl_min_fminimizer_x_minimum(s);
        }
      }
      gsl_min_fminimizer_free(s);
    }
    if (w.val > out->linf) {
      out->linf = w.val;
      out->linf_at[0] = w.x[0];
    }
  }
  free(pts);
}

/* Whether a break lies in [a, b]. */
static int break_in(const ctx *c, double a, double b) {
  for (size_t k = 0; k < c->p->n_breaks; k++)
    if (c->p->breaks[k] >= a && c->p->breaks[k] <= b) return 1;
  return 0;
}

/* Between grid points a smooth e exceeds the largest corner value by at most (h^2/8) times the
 * sum over axes of max|e_ii| (the interpolation bound); with second differences of the grid
 * pass's errors e (last axis fastest) standing in for h^2 e_ii, the grid maximum plus their
 * largest values over 8 estimates how high |e| can get, and what linf leaves of that is its
 * error estimate. 1-D and 2-D (what the grid pass keeps; NaN otherwise); cells around a 1-D
 * break are left out: they are visited piece by piece. */
static double linf_gap(const ctx *c, const uat_norms *out, const double *e) {
  const size_t g = c->p->grid, dim = c->dim;
  if (e == NULL) return NAN;
  const size_t total = dim == 1 ? g : g * g;
  double sum = 0.0;
  for (size_t axis = 0; axis < dim; axis++) {
    const size_t stride = axis + 1 == dim ? 1 : g;
    double d2 = 0.0;
    for (size_t k = 0; k < total; k++) {
      const size_t pos = (k / stride) % g;
      if (pos < 1 || pos + 1 >= g || k < stride || k + stride >= total) continue;
      if (dim == 1) {
        const double h = (c->hi[0] - c->lo[0]) / (double)(g - 1), xc = c->lo[0] + (double)pos * h;
        if (break_in(c, xc - h, xc + h)) continue;
      }
      d2 = fmax(d2, fabs(e[k - stride] - 2 * e[k] + e[k + stride]));
    }
    sum += d2;
  }
  return fmax(0.0, out->max_grid + sum / 8 - out->linf);
}

static void refine_nd(ctx *c, worst_point *w) {
  const size_t dim = c->dim;
  gsl_multimin_function F = {neg_abs_err_nd, dim, c};
  gsl_multimin_fminimizer *s =
      gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, dim);
  gsl_vector *x = gsl_vector_alloc(dim), *step = gsl_vector_alloc(dim);
  if (s && x && step) {
    for (size_t i = 0; i < dim; i++) {
      gsl_vector_set(x, i, w->x[i]);
      gsl_vector_set(step, i, 0.5 * (c->hi[i] - c->lo[i]) / (double)(c->p->grid - 1));
    }
    if (gsl_multimin_fminimizer_set(s, &F, x, step) == GSL_SUCCESS) {
      for (int it = 0; it < 1000; it++) {
        if (gsl_multimin_fminimizer_iterate(s) != GSL_SUCCESS) break;
        if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), 1e-13) == GSL_SUCCESS) break;
      }
      const double v = -gsl_multimin_fminimizer_minimum(s);
      if (v > w->val) {
        w->val = v;
        for (size_t i = 0; i < dim; i++)
          w->x[i] = fmin(fmax(gsl_vector_get(s->x, i), c->lo[i]), c->hi[i]);
      }
    }
  }
  gsl_vector_free(x);
  gsl_vector_free(step);
  gsl_multimin_fminimizer_free(s);
}

static int check_args(size_t dim, const double *lo, const double *hi, const uat_norm_params *p,
                      uat_error *err) {
  if (dim == 0 || dim > MAX_DIM) return uat_error_set(err, UAT_EINVAL, "norms: 1 to 16 variables");
  for (size_t i = 0; i < dim; i++)
    if (!(hi[i] > lo[i]) || !isfinite(lo[i]) || !isfinite(hi[i]))
      return uat_error_set(err, UAT_EINVAL, "norms: expected a finite box with lo < hi");
  if (p->grid < 2 || p->refine > MAX_REFINE || p->gauss_points < 2)
    return uat_error_set(err, UAT_EINVAL, "norms: grid >= 2, refine <= 64, gauss_points >= 2");
  double total = 1.0;
  for (size_t i = 0; i < dim; i++)
    total *= (double)((dim > 2 || (dim == 2 && !p->nested_2d)) ? p->gauss_points : p->grid);
  if (total > 1e8) return uat_error_set(err, UAT_EINVAL, "norms: more than 1e8 points");
  return UAT_OK;
}

int uat_norms_compute(size_t dim, const double *lo, const double *hi, uat_fn model, void *model_ctx,
                      uat_fn target, void *target_ctx, const uat_norm_params *params,
                      uat_norms *out, uat_error *err) {
  memset(out, 0, sizeof *out);
  int st = check_args(dim, lo, hi, params, err);
  if (st != UAT_OK) return st;
  ctx c;
  memset(&c, 0, sizeof c);
  c.dim = dim;
  c.lo = lo;
  c.hi = hi;
  c.model = model;
  c.target = target;
  c.mctx = model_ctx;
  c.tctx = target_ctx;
  c.p = params;
  /* qags and qagp report a quadrature short of its tolerance, and Brent a bracket without a
   * minimum, through GSL's error handler (which aborts by default): off for this call. */
  uat_gsl_quiet_begin();
  c.w[0] = gsl_integration_workspace_alloc(params->limit);
  c.w[1] = gsl_integration_workspace_alloc(params->limit);
  worst_point worst[MAX_REFINE];
  memset(worst, 0, sizeof worst); /* every entry defined, whatever the grid pass keeps */
  size_t n_worst = 0;
  if (c.w[0] == NULL || c.w[1] == NULL) {
    st = uat_error_set(err, UAT_ENOMEM, "out of memory");
  } else {
    double *grid_e =
        dim <= 2 ? malloc((dim == 1 ? params->grid : params->grid * params->grid) * sizeof *grid_e)
                 : NULL;
    grid_pass(&c, out, worst, &n_worst, grid_e);
    double e2, e1, t2, t1;
    out->l2 = sqrt(integral(&c, SQ_ERR, &e2));
    out->l2_short = c.inaccurate;
    c.inaccurate = 0;
    out->l2_abserr = out->l2 > 0 ? e2 / (2 * out->l2) : sqrt(e2); /* d sqrt(I) = dI / 2 sqrt(I) */
    out->l1 = integral(&c, ABS_ERR, &e1);
    out->l1_abserr = e1;
    out->l1_short = c.inaccurate;
    c.inaccurate |= out->l2_short;
    out->target_l2 = sqrt(integral(&c, SQ_TARGET, &t2));
    out->target_l1 = integral(&c, ABS_TARGET, &t1);
    out->l2_rel = out->target_l2 > 0 ? out->l2 / out->target_l2 : NAN;
    out->l1_rel = out->target_l1 > 0 ? out->l1 / out->target_l1 : NAN;
    out->linf = -1.0;
    for (size_t k = 0; k < n_worst; k++) {
      if (dim == 1)
        refine_1d(&c, &worst[k]);
      else
        refine_nd(&c, &worst[k]);
      if (worst[k].val > out->linf) {
        out->linf = worst[k].val;
        memcpy(out->linf_at, worst[k].x, dim * sizeof(double));
      }
    }
    if (dim == 1 && params->n_breaks > 0) pieces_linf(&c, out);
    out->linf = fmax(out->linf, out->max_grid);
    out->linf_abserr = linf_gap(&c, out, grid_e);
    free(grid_e);
    out->linf_rel = out->target_linf > 0 ? out->linf / out->target_linf : NAN;
    if (c.failed)
      st = uat_error_set(err, UAT_EDIVERGED, "norms: a function failed or was not finite");
    else if (c.inaccurate)
      st = uat_error_set(err, UAT_ESOLVER,
                         "norms: quadrature did not reach epsrel %g (see the error estimates)",
                         params->epsrel);
  }
  gsl_integration_workspace_free(c.w[0]);
  gsl_integration_workspace_free(c.w[1]);
  uat_gsl_quiet_end();
  return st;
}

int uat_mlp_fn(const double *x, double *y, void *p) {
  uat_mlp_fn_ctx *c = p;
  const size_t in = uat_mlp_in(c->m), out = uat_mlp_out(c->m);
  if (!c->deriv) {
    const double *v = uat_mlp_forward(c->m, c->w, 1, x);
    if (v == NULL) return -1;
    *y = v[c->output];
    return 0;
  }
  if (in * out > sizeof c->jac / sizeof c->jac[0]) return -1;
  if (uat_mlp_input_jacobian(c->m, c->w, x, c->jac) != UAT_OK) return -1;
  *y = c->jac[c->output * in + c->wrt];
  return 0;
}
