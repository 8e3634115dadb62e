/* equilibria.c — fixed points of a system in a box and their linear stability. */
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multiroots.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gsl_quiet.h"
#include "uat/ode.h"
#include "uat/util.h"

enum { MAX_DIM = 16 };

static const char *const class_names[] = {"stable node",    "unstable node",   "saddle",
                                          "stable spiral",  "unstable spiral", "center",
                                          "non-hyperbolic", "non-isolated"};

const char *uat_eq_class_name(uat_eq_class c) {
  return uat_enum_name(class_names, sizeof class_names / sizeof *class_names, (int)c);
}

uat_eq_params uat_eq_default_params(void) {
  const uat_eq_params p = {7, 1e-10, 1e-6, 1e-9, 100};
  return p;
}

typedef struct {
  const uat_ode_system *sys;
  const double *p;
  double jac[MAX_DIM * MAX_DIM];
} eq_ctx;

static int f_cb(const gsl_vector *x, void *params, gsl_vector *f) {
  eq_ctx *c = params;
  if (c->sys->rhs(0.0, x->data, f->data, c->p, c->sys->ctx) != 0) return GSL_EBADFUNC;
  for (size_t i = 0; i < c->sys->dim; i++)
    if (!isfinite(f->data[i])) return GSL_EBADFUNC;
  return GSL_SUCCESS;
}

/* The analytic Jacobian, or central differences when the system has none. */
static int jacobian(eq_ctx *c, const double *y, double *J) {
  const size_t n = c->sys->dim;
  if (c->sys->jac) return c->sys->jac(0.0, y, J, c->p, c->sys->ctx);
  double yy[MAX_DIM], fp[MAX_DIM], fm[MAX_DIM];
  memcpy(yy, y, n * sizeof *y);
  for (size_t j = 0; j < n; j++) {
    const double h = 1e-6 * fmax(1.0, fabs(y[j]));
    yy[j] = y[j] + h;
    if (c->sys->rhs(0.0, yy, fp, c->p, c->sys->ctx) != 0) return -1;
    yy[j] = y[j] - h;
    if (c->sys->rhs(0.0, yy, fm, c->p, c->sys->ctx) != 0) return -1;
    yy[j] = y[j];
    for (size_t i = 0; i < n; i++) J[i * n + j] = (fp[i] - fm[i]) / (2 * h);
  }
  return 0;
}

static int df_cb(const gsl_vector *x, void *params, gsl_matrix *J) {
  eq_ctx *c = params;
  const size_t n = c->sys->dim;
  if (jacobian(c, x->data, c->jac) != 0) return GSL_EBADFUNC;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) gsl_matrix_set(J, i, j, c->jac[i * n + j]);
  return GSL_SUCCESS;
}

static int fdf_cb(const gsl_vector *x, void *params, gsl_vector *f, gsl_matrix *J) {
  const int st = f_cb(x, params, f);
  return st != GSL_SUCCESS ? st : df_cb(x, params, J);
}

static double max_abs(size_t n, const double *v) {
  double m = 0.0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(v[i]));
  return m;
}

/* Newton (hybridsj) from one start; 1 and the root in y when it converges. */
static int solve_from(gsl_multiroot_fdfsolver *s, gsl_multiroot_function_fdf *F,
                      const double *start, const uat_eq_params *prm, double *y) {
  const size_t n = F->n;
  gsl_vector_const_view x0 = gsl_vector_const_view_array(start, n);
  if (gsl_multiroot_fdfsolver_set(s, F, &x0.vector) != GSL_SUCCESS) return 0;
  for (size_t it = 0; it < prm->max_iter; it++) {
    if (gsl_multiroot_fdfsolver_iterate(s) != GSL_SUCCESS) break;
    const double scale = 1.0 + max_abs(n, s->x->data);
    if (max_abs(n, s->f->data) <= prm->ftol * scale) {
      memcpy(y, s->x->data, n * sizeof *y);
      return 1;
    }
  }
  return 0;
}

/* f at y into f; 0 when every value is finite. */
static int rhs_at(eq_ctx *c, const double *y, double *f) {
  if (c->sys->rhs(0.0, y, f, c->p, c->sys->ctx) != 0) return -1;
  for (size_t i = 0; i < c->sys->dim; i++)
    if (!isfinite(f[i])) return -1;
  return 0;
}

static double frobenius(size_t n, const double *J) {
  double s = 0.0;
  for (size_t i = 0; i < n * n; i++) s += J[i] * J[i];
  return sqrt(s);
}

/* The SVD of J (n x n): J = U S V'; V's columns in V (row-major n x n), S descending. */
static int svd(size_t n, const double *J, double *U, double *S, double *V) {
  gsl_matrix_view A = gsl_matrix_view_array(U, n, n);
  memcpy(U, J, n * n * sizeof *J);
  gsl_matrix_view Vm = gsl_matrix_view_array(V, n, n);
  gsl_vector_view Sv = gsl_vector_view_array(S, n);
  double work[MAX_DIM];
  gsl_vector_view W = gsl_vector_view_array(work, n);
  return gsl_linalg_SV_decomp(&A.matrix, &Vm.matrix, &Sv.vector, &W.vector) == GSL_SUCCESS ? 0 : -1;
}

/* Newton steps y -= J^+ f (pseudo-inverse over the nonzero singular values; a step that does
 * not lower the residual, e.g. from one at rounding level, is refused) while the residual
 * keeps falling: a simple root gains the last digits, a
 * degenerate one (x^3 = 0, where hybridsj stops near the tolerance's cube root and the Jacobian
 * is nearly singular) converges on linearly. */
static void polish(eq_ctx *c, double *y) {
  const size_t n = c->sys->dim;
  double f[MAX_DIM], J[MAX_DIM * MAX_DIM], U[MAX_DIM * MAX_DIM], V[MAX_DIM * MAX_DIM], S[MAX_DIM];
  double yt[MAX_DIM], ft[MAX_DIM];
  if (rhs_at(c, y, f) != 0) return;
  double r = max_abs(n, f);
  for (int it = 0; it < 200 && r > 0; it++) {
    if (jacobian(c, y, J) != 0 || svd(n, J, U, S, V) != 0) return;
    for (size_t i = 0; i < n; i++) yt[i] = y[i];
    for (size_t k = 0; k < n; k++) {
      if (!(S[k] > 0)) continue;
      double ut = 0.0; /* (U' f)_k / s_k */
      for (size_t i = 0; i < n; i++) ut += U[i * n + k] * f[i];
      ut /= S[k];
      for (size_t i = 0; i < n; i++) yt[i] -= V[i * n + k] * ut;
    }
    if (rhs_at(c, yt, ft) != 0) return;
    const double rt = max_abs(n, ft);
    if (!(rt < r)) return;
    memcpy(y, yt, n * sizeof *y);
    memcpy(f, ft, n * sizeof *f);
    r = rt;
  }
}

/* Whether y lies on a set of equilibria: the Jacobian has a null direction v (a singular value
 * below zero * |J|) along which f stays at the root's level: |f(y + h v)| and |f(y - h v)| within
 * ftol of the scale, for h a thousandth of the scale. */
static int on_a_set(eq_ctx *c, const double *y, const uat_eq_params *prm) {
  const size_t n = c->sys->dim;
  double J[MAX_DIM * MAX_DIM], U[MAX_DIM * MAX_DIM], V[MAX_DIM * MAX_DIM], S[MAX_DIM];
  if (jacobian(c, y, J) != 0 || svd(n, J, U, S, V) != 0) return 0;
  const double norm = frobenius(n, J);
  for (size_t k = 0; k < n; k++) {
    if (S[k] > prm->zero * norm) continue;
    const double scale = 1.0 + max_abs(n, y), h = 1e-3 * scale;
    int flat = 1;
    for (int sgn = -1; sgn <= 1 && flat; sgn += 2) {
      double yt[MAX_DIM], f[MAX_DIM];
      for (size_t i = 0; i < n; i++) yt[i] = y[i] + sgn * h * V[i * n + k];
      flat = rhs_at(c, yt, f) == 0 && max_abs(n, f) <= prm->ftol * scale;
    }
    if (flat) return 1;
  }
  return 0;
}

/* Whether a and b lie on one connected set: f vanishes at the points between them. */
static int connected(eq_ctx *c, const double *a, const double *b, const uat_eq_params *prm) {
  const size_t n = c->sys->dim;
  for (int k = 1; k < 8; k++) {
    double y[MAX_DIM], f[MAX_DIM];
    for (size_t i = 0; i < n; i++) y[i] = a[i] + (b[i] - a[i]) * k / 8.0;
    if (rhs_at(c, y, f) != 0 || max_abs(n, f) > prm->ftol * (1.0 + max_abs(n, y))) return 0;
  }
  return 1;
}

static int classify(eq_ctx *c, uat_ode_equilibrium *e, double zero) {
  const size_t n = c->sys->dim;
  double J[MAX_DIM * MAX_DIM];
  if (jacobian(c, e->y, J) != 0) return -1;
  const double norm = frobenius(n, J);
  e->jac_norm = norm;
  gsl_matrix_view A = gsl_matrix_view_array(J, n, n);
  gsl_vector_complex *eval = gsl_vector_complex_alloc(n);
  gsl_eigen_nonsymm_workspace *w = gsl_eigen_nonsymm_alloc(n);
  int st = -1;
  if (eval && w && gsl_eigen_nonsymm(&A.matrix, eval, w) == GSL_SUCCESS) {
    /* zero against the Jacobian's norm, not its largest eigenvalue: a nilpotent Jacobian has
     * only zero eigenvalues, and rounding leaves them tiny but not zero */
    const double big = norm;
    for (size_t i = 0; i < n; i++) {
      e->re[i] = GSL_REAL(gsl_vector_complex_get(eval, i));
      e->im[i] = GSL_IMAG(gsl_vector_complex_get(eval, i));
    }
    int neg = 0, pos = 0, nil = 0, cplx = 0;
    for (size_t i = 0; i < n; i++) {
      if (fabs(e->re[i]) <= zero * big)
        nil++;
      else if (e->re[i] < 0)
        neg++;
      else
        pos++;
      cplx |= fabs(e->im[i]) > zero * big;
    }
    if (nil == (int)n && cplx)
      e->kind = UAT_EQ_CENTER;
    else if (nil > 0)
      e->kind = UAT_EQ_NONHYPERBOLIC;
    else if (neg > 0 && pos > 0)
      e->kind = UAT_EQ_SADDLE;
    else if (neg > 0)
      e->kind = cplx ? UAT_EQ_STABLE_SPIRAL : UAT_EQ_STABLE_NODE;
    else
      e->kind = cplx ? UAT_EQ_UNSTABLE_SPIRAL : UAT_EQ_UNSTABLE_NODE;
    st = 0;
  }
  gsl_eigen_nonsymm_free(w);
  gsl_vector_complex_free(eval);
  return st;
}

/* The right-hand side is finite at y and around it (a point where it is 0/0, like S+I+R = 0
 * in SIR, can be approached with finite values but is no equilibrium). */
static int finite_near(eq_ctx *c, const double *y) {
  const size_t n = c->sys->dim;
  double yt[MAX_DIM], f[MAX_DIM];
  for (size_t j = 0; j < n; j++)
    for (int sgn = -1; sgn <= 1; sgn += 2) {
      memcpy(yt, y, n * sizeof *y);
      yt[j] += sgn * 1e-7 * (1.0 + fabs(y[j]));
      if (rhs_at(c, yt, f) != 0) return 0;
    }
  return 1;
}

/* Non-isolated roots connected through f = 0 become one entry (the first found), with the box
 * they span; returns the new count. */
static size_t merge_sets(eq_ctx *c, uat_ode_equilibrium *r, size_t k, const uat_eq_params *prm) {
  const size_t n = c->sys->dim;
  size_t m = 0;
  for (size_t i = 0; i < k; i++) {
    if (r[i].kind != UAT_EQ_NONISOLATED) {
      r[m++] = r[i];
      continue;
    }
    size_t j = 0;
    while (j < m && !(r[j].kind == UAT_EQ_NONISOLATED && connected(c, r[j].y, r[i].y, prm))) j++;
    if (j == m) {
      r[m] = r[i];
      for (size_t d = 0; d < n; d++) r[m].set_lo[d] = r[m].set_hi[d] = r[m].y[d];
      m++;
      continue;
    }
    r[j].set_points++;
    for (size_t d = 0; d < n; d++) {
      r[j].set_lo[d] = fmin(r[j].set_lo[d], r[i].y[d]);
      r[j].set_hi[d] = fmax(r[j].set_hi[d], r[i].y[d]);
    }
  }
  return m;
}

static int is_new(const uat_ode_equilibrium *found, size_t k, size_t n, const double *y,
                  double same) {
  for (size_t i = 0; i < k; i++) {
    double d = 0.0;
    for (size_t j = 0; j < n; j++) d = fmax(d, fabs(found[i].y[j] - y[j]));
    if (d <= same * (1.0 + max_abs(n, y))) return 0;
  }
  return 1;
}

static int before(const uat_ode_equilibrium *x, const uat_ode_equilibrium *y, size_t dim) {
  for (size_t i = 0; i < dim; i++)
    if (x->y[i] != y->y[i]) return x->y[i] < y->y[i];
  return 0;
}

/* Insertion sort by coordinates (there are few roots; qsort would need the dimension in a
 * global). */
static void sort_roots(uat_ode_equilibrium *r, size_t k, size_t dim) {
  for (size_t i = 1; i < k; i++) {
    const uat_ode_equilibrium t = r[i];
    size_t j = i;
    for (; j > 0 && before(&t, &r[j - 1], dim); j--) r[j] = r[j - 1];
    r[j] = t;
  }
}

int uat_ode_equilibria(const uat_ode_system *sys, const double *p, const double *lo,
                       const double *hi, const uat_eq_params *params, uat_ode_equilibrium *out,
                       size_t max, size_t *n, uat_error *err) {
  *n = 0;
  const size_t dim = sys->dim;
  if (dim == 0 || dim > MAX_DIM || params->starts_per_dim == 0)
    return uat_error_set(err, UAT_EINVAL, "equilibria: expected 1 to %d states", MAX_DIM);
  for (size_t i = 0; i < dim; i++)
    if (!(hi[i] > lo[i])) return uat_error_set(err, UAT_EINVAL, "equilibria: empty box");
  size_t total = 1;
  for (size_t i = 0; i < dim; i++) {
    total *= params->starts_per_dim;
    if (total > 10000000) return uat_error_set(err, UAT_EINVAL, "equilibria: too many starts");
  }
  eq_ctx c = {sys, p ? p : sys->param_defaults, {0}};
  /* GSL's default error handler aborts; a failed start is simply skipped instead. */
  uat_gsl_quiet_begin();
  gsl_multiroot_function_fdf F = {f_cb, df_cb, fdf_cb, dim, &c};
  gsl_multiroot_fdfsolver *s = gsl_multiroot_fdfsolver_alloc(gsl_multiroot_fdfsolver_hybridsj, dim);
  double *starts = malloc(total * dim * sizeof *starts);
  uat_ode_equilibrium *found = malloc(total * sizeof *found);
  if (!s || !starts || !found) {
    gsl_multiroot_fdfsolver_free(s);
    free(starts);
    free(found);
    uat_gsl_quiet_end();
    return uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  uat_ode_grid_box(dim, lo, hi, params->starts_per_dim, starts);
  size_t k = 0;
  for (size_t t = 0; t < total; t++) {
    double y[MAX_DIM], f[MAX_DIM];
    if (!solve_from(s, &F, starts + t * dim, params, y)) continue;
    polish(&c, y);
    int inside = rhs_at(&c, y, f) == 0 && finite_near(&c, y);
    for (size_t i = 0; i < dim; i++) {
      const double slack = 1e-9 * (hi[i] - lo[i]);
      inside &= y[i] >= lo[i] - slack && y[i] <= hi[i] + slack;
    }
    if (!inside || !is_new(found, k, dim, y, params->same)) continue;
    memset(&found[k], 0, sizeof found[k]);
    memcpy(found[k].y, y, dim * sizeof *y);
    found[k].residual = max_abs(dim, f);
    found[k].set_points = 1;
    if (on_a_set(&c, y, params)) {
      found[k].kind = UAT_EQ_NONISOLATED;
      k++;
    } else if (classify(&c, &found[k], params->zero) == 0) {
      k++;
    }
  }
  k = merge_sets(&c, found, k, params);
  sort_roots(found, k, dim);
  memcpy(out, found, (k < max ? k : max) * sizeof *found);
  *n = k;
  gsl_multiroot_fdfsolver_free(s);
  free(starts);
  free(found);
  uat_gsl_quiet_end();
  return UAT_OK;
}
