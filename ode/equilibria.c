/* equilibria.c — fixed points of a system in a box and their linear stability. */
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multiroots.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gsl_quiet.h"
#include "uat/ode.h"
#include "uat/util.h"

enum { MAX_DIM = 16 };

static const char *const class_names[] = {"stable node",   "unstable node",   "saddle",
                                          "stable spiral", "unstable spiral", "center",
                                          "non-hyperbolic"};

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

static int classify(eq_ctx *c, uat_ode_equilibrium *e, double zero) {
  const size_t n = c->sys->dim;
  double J[MAX_DIM * MAX_DIM];
  if (jacobian(c, e->y, J) != 0) return -1;
  gsl_matrix_view A = gsl_matrix_view_array(J, n, n);
  gsl_vector_complex *eval = gsl_vector_complex_alloc(n);
  gsl_eigen_nonsymm_workspace *w = gsl_eigen_nonsymm_alloc(n);
  int st = -1;
  if (eval && w && gsl_eigen_nonsymm(&A.matrix, eval, w) == GSL_SUCCESS) {
    double big = 0.0;
    for (size_t i = 0; i < n; i++) {
      e->re[i] = GSL_REAL(gsl_vector_complex_get(eval, i));
      e->im[i] = GSL_IMAG(gsl_vector_complex_get(eval, i));
      big = fmax(big, hypot(e->re[i], e->im[i]));
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
    double y[MAX_DIM];
    if (!solve_from(s, &F, starts + t * dim, params, y)) continue;
    int inside = 1;
    for (size_t i = 0; i < dim; i++) {
      const double slack = 1e-9 * (hi[i] - lo[i]);
      inside &= y[i] >= lo[i] - slack && y[i] <= hi[i] + slack;
    }
    if (!inside || !is_new(found, k, dim, y, params->same)) continue;
    memset(&found[k], 0, sizeof found[k]);
    memcpy(found[k].y, y, dim * sizeof *y);
    found[k].residual = max_abs(dim, s->f->data);
    if (classify(&c, &found[k], params->zero) == 0) k++;
  }
  sort_roots(found, k, dim);
  memcpy(out, found, (k < max ? k : max) * sizeof *found);
  *n = k;
  gsl_multiroot_fdfsolver_free(s);
  free(starts);
  free(found);
  uat_gsl_quiet_end();
  return UAT_OK;
}
