/* sindy.c — sparse identification of nonlinear dynamics (uat/sindy.h): candidate libraries,
 * sequentially thresholded least squares with cross-validated thresholds, and the data sources
 * (ground truth, noisy finite differences, field and trajectory networks). */
#define _POSIX_C_SOURCE 200809L
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uat/expr.h"
#include "uat/init.h"
#include "uat/sindy.h"

struct uat_sindy_library {
  size_t dim, p;
  char *text[UAT_SINDY_MAX_TERMS];
  uat_expr_program *prog[UAT_SINDY_MAX_TERMS];
};

/* ---- the library -------------------------------------------------------------------------- */

/* Add a term given as text, unless an equal one (printed alike) is there. */
static int add_term(uat_sindy_library *lib, const char *const *states, const char *text,
                    uat_error *err) {
  uat_expr *e = NULL;
  uat_error inner; /* its message is quoted in err's */
  if (uat_expr_parse(text, &e, &inner) != UAT_OK)
    return uat_error_set(err, UAT_EFORMAT, "term '%s': %s", text, inner.msg);
  char buf[512];
  uat_expr_print(e, buf, sizeof buf);
  for (size_t j = 0; j < lib->p; j++)
    if (strcmp(lib->text[j], buf) == 0) {
      uat_expr_free(e);
      return UAT_OK;
    }
  if (lib->p == UAT_SINDY_MAX_TERMS) {
    uat_expr_free(e);
    return uat_error_set(err, UAT_EINVAL, "more than %d candidate terms", UAT_SINDY_MAX_TERMS);
  }
  int st = uat_expr_compile(e, lib->dim, states, &lib->prog[lib->p], &inner);
  uat_expr_free(e);
  if (st != UAT_OK) return uat_error_set(err, UAT_EFORMAT, "term '%s': %s", text, inner.msg);
  if ((lib->text[lib->p] = strdup(buf)) == NULL) {
    uat_expr_program_free(lib->prog[lib->p]);
    return uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  lib->p++;
  return UAT_OK;
}

/* Every monomial of total degree d, the first state's power highest first (x^2, x*y, y^2). */
static int add_monomials(uat_sindy_library *lib, const char *const *states, int *e, size_t i,
                         int left, uat_error *err) {
  if (i + 1 == lib->dim) {
    e[i] = left;
    char buf[512] = "";
    size_t used = 0;
    for (size_t k = 0; k < lib->dim && used < sizeof buf; k++) {
      if (e[k] == 0) continue;
      used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", used ? "*" : "", states[k]);
      if (e[k] > 1 && used < sizeof buf)
        used += (size_t)snprintf(buf + used, sizeof buf - used, "^%d", e[k]);
    }
    return add_term(lib, states, used ? buf : "1", err);
  }
  for (int k = left; k >= 0; k--) {
    e[i] = k;
    const int st = add_monomials(lib, states, e, i + 1, left - k, err);
    if (st != UAT_OK) return st;
  }
  return UAT_OK;
}

static int add_item(uat_sindy_library *lib, const char *const *states, const char *item,
                    uat_error *err) {
  int st = UAT_OK;
  if (strncmp(item, "poly:", 5) == 0) {
    char *end = NULL;
    const long d = strtol(item + 5, &end, 10);
    if (end == item + 5 || *end != '\0' || d < 0 || d > 12)
      return uat_error_set(err, UAT_EFORMAT, "library item '%s': expected poly:D, D from 0 to 12",
                           item);
    int e[UAT_SINDY_MAX_STATES];
    for (int k = 0; k <= d && st == UAT_OK; k++) st = add_monomials(lib, states, e, 0, k, err);
  } else if (strcmp(item, "trig") == 0 || strcmp(item, "exp") == 0) {
    const char *const fn[2][2] = {{"sin", "cos"}, {"exp", NULL}};
    const int which = item[0] == 'e';
    for (size_t i = 0; i < lib->dim && st == UAT_OK; i++)
      for (int f = 0; f < 2 && fn[which][f] && st == UAT_OK; f++) {
        char buf[128];
        snprintf(buf, sizeof buf, "%s(%s)", fn[which][f], states[i]);
        st = add_term(lib, states, buf, err);
      }
  } else {
    st = uat_error_set(err, UAT_EFORMAT,
                       "library item '%s': expected poly:D, trig or exp (further terms as "
                       "expressions with --term)",
                       item);
  }
  return st;
}

int uat_sindy_library_alloc(size_t dim, const char *const *states, const char *spec, size_t n_terms,
                            const char *const *terms, uat_sindy_library **out, uat_error *err) {
  *out = NULL;
  if (dim == 0 || dim > UAT_SINDY_MAX_STATES)
    return uat_error_set(err, UAT_EINVAL, "between 1 and %d states", UAT_SINDY_MAX_STATES);
  uat_sindy_library *lib = calloc(1, sizeof *lib);
  char *copy = spec ? strdup(spec) : NULL;
  if (lib == NULL || (spec && copy == NULL)) {
    free(lib);
    free(copy);
    return uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  lib->dim = dim;
  int st = UAT_OK;
  char *save = NULL;
  for (char *item = copy ? strtok_r(copy, ",", &save) : NULL; item && st == UAT_OK;
       item = strtok_r(NULL, ",", &save))
    st = add_item(lib, states, item, err);
  for (size_t i = 0; i < n_terms && st == UAT_OK; i++) st = add_term(lib, states, terms[i], err);
  free(copy);
  if (st == UAT_OK && lib->p == 0) st = uat_error_set(err, UAT_EINVAL, "an empty library");
  if (st != UAT_OK) {
    uat_sindy_library_free(lib);
    return st;
  }
  *out = lib;
  return UAT_OK;
}

void uat_sindy_library_free(uat_sindy_library *lib) {
  if (lib == NULL) return;
  for (size_t j = 0; j < lib->p; j++) {
    free(lib->text[j]);
    uat_expr_program_free(lib->prog[j]);
  }
  free(lib);
}

size_t uat_sindy_library_size(const uat_sindy_library *lib) { return lib->p; }

const char *uat_sindy_library_term(const uat_sindy_library *lib, size_t j) {
  return j < lib->p ? lib->text[j] : NULL;
}

void uat_sindy_library_eval(const uat_sindy_library *lib, size_t n, const double *X,
                            double *theta) {
  for (size_t k = 0; k < n; k++)
    for (size_t j = 0; j < lib->p; j++)
      theta[k * lib->p + j] = uat_expr_program_eval(lib->prog[j], X + k * lib->dim);
}

uat_sindy_params uat_sindy_default_params(void) {
  return (uat_sindy_params){.threshold = 0.05,
                            .ridge = 0.0,
                            .max_iter = 20,
                            .n_thresholds = 40,
                            .fold = 5,
                            .cv_tolerance = 1.5};
}

/* ---- sequentially thresholded least squares ----------------------------------------------- */

/* Least squares on the rows in use (use[k] != 0, or all when use is NULL) and the active
 * columns: c (p, zero outside the support); se (p, may be NULL) the standard errors. */
static int lsq(const double *theta, size_t n, size_t p, const unsigned char *use,
               const unsigned char *active, const double *y, double ridge, double *c, double *se) {
  size_t m = 0, q = 0;
  size_t cols[UAT_SINDY_MAX_TERMS];
  for (size_t k = 0; k < n; k++) m += use == NULL || use[k];
  for (size_t j = 0; j < p; j++)
    if (active[j]) cols[q++] = j;
  memset(c, 0, p * sizeof *c);
  if (se) memset(se, 0, p * sizeof *se);
  if (q == 0) return UAT_OK;
  if (m <= q) return UAT_EINVAL; /* GSL's SVD needs more rows than columns */
  gsl_matrix *A = gsl_matrix_alloc(m, q), *V = gsl_matrix_alloc(q, q);
  gsl_vector *b = gsl_vector_alloc(m), *x = gsl_vector_alloc(q), *S = gsl_vector_alloc(q),
             *wk = gsl_vector_alloc(q);
  gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(m, q);
  int st = (A && V && b && x && S && wk && w) ? UAT_OK : UAT_ENOMEM;
  for (size_t k = 0, r = 0; st == UAT_OK && k < n; k++) {
    if (use && !use[k]) continue;
    for (size_t i = 0; i < q; i++) gsl_matrix_set(A, r, i, theta[k * p + cols[i]]);
    gsl_vector_set(b, r++, y[k]);
  }
  double rnorm = 0.0, snorm = 0.0;
  if (st == UAT_OK &&
      (gsl_multifit_linear_svd(A, w) != GSL_SUCCESS ||
       gsl_multifit_linear_solve(sqrt(ridge), A, b, x, &rnorm, &snorm, w) != GSL_SUCCESS))
    st = UAT_ESOLVER;
  for (size_t i = 0; st == UAT_OK && i < q; i++) c[cols[i]] = gsl_vector_get(x, i);
  if (st == UAT_OK && se) {
    /* cov = s^2 V diag(sigma^2/(sigma^2 + lambda)^2) V' from A = U diag(sigma) V' */
    const double s2 = rnorm * rnorm / (double)(m - q);
    if (gsl_linalg_SV_decomp(A, V, S, wk) != GSL_SUCCESS) st = UAT_ESOLVER;
    const double smax = st == UAT_OK ? gsl_vector_get(S, 0) : 0.0;
    for (size_t i = 0; st == UAT_OK && i < q; i++) {
      double v = 0.0;
      for (size_t k = 0; k < q; k++) {
        const double sg = gsl_vector_get(S, k), d = sg * sg + ridge;
        if (sg <= 1e-14 * smax || d == 0.0) continue; /* the null space carries no estimate */
        const double vik = gsl_matrix_get(V, i, k);
        v += vik * vik * sg * sg / (d * d);
      }
      se[cols[i]] = sqrt(s2 * v);
    }
  }
  gsl_multifit_linear_free(w);
  gsl_matrix_free(A);
  gsl_matrix_free(V);
  gsl_vector_free(b);
  gsl_vector_free(x);
  gsl_vector_free(S);
  gsl_vector_free(wk);
  return st;
}

/* STLSQ for one state: least squares, drop coefficients below the threshold, repeat until the
 * support stops changing. */
static int stlsq(const double *theta, size_t n, size_t p, const unsigned char *use, const double *y,
                 const uat_sindy_params *par, double threshold, double *c, double *se) {
  unsigned char active[UAT_SINDY_MAX_TERMS];
  memset(active, 1, p);
  int st = lsq(theta, n, p, use, active, y, par->ridge, c, NULL);
  for (int it = 0; st == UAT_OK && it < par->max_iter; it++) {
    int changed = 0;
    for (size_t j = 0; j < p; j++)
      if (active[j] && fabs(c[j]) < threshold) {
        active[j] = 0;
        changed = 1;
      }
    if (!changed) break;
    st = lsq(theta, n, p, use, active, y, par->ridge, c, NULL);
  }
  if (st == UAT_OK && se) st = lsq(theta, n, p, use, active, y, par->ridge, c, se);
  return st;
}

/* Relative error of the model c (dim x p) on the rows not in use. */
static double validation_error(const double *theta, size_t n, size_t p, size_t dim,
                               const unsigned char *use, const double *dX, const double *c) {
  double num = 0.0, den = 0.0;
  for (size_t k = 0; k < n; k++) {
    if (use[k]) continue;
    for (size_t i = 0; i < dim; i++) {
      double f = 0.0;
      for (size_t j = 0; j < p; j++) f += theta[k * p + j] * c[i * p + j];
      const double r = f - dX[k * dim + i];
      num += r * r;
      den += dX[k * dim + i] * dX[k * dim + i];
    }
  }
  return den > 0 ? sqrt(num / den) : sqrt(num);
}

/* The state's derivative column. */
static void column(const double *dX, size_t n, size_t dim, size_t i, double *y) {
  for (size_t k = 0; k < n; k++) y[k] = dX[k * dim + i];
}

/* Thresholds on a log grid below the largest least-squares coefficient; the sparsest model
 * whose held-out error is within cv_tolerance of the best is chosen. */
static int cross_validate(const double *theta, size_t n, size_t p, size_t dim, const double *dX,
                          const uat_sindy_params *par, double *y, double *c,
                          uat_sindy_result *out) {
  unsigned char *use = calloc(n, 1);
  const size_t nt = par->n_thresholds < 2 ? 2 : par->n_thresholds,
               fold = par->fold < 2 ? 2 : par->fold;
  out->pareto = calloc(nt + 1, sizeof *out->pareto);
  if (use == NULL || out->pareto == NULL) {
    free(use);
    return UAT_ENOMEM;
  }
  for (size_t k = 0; k < n; k++) use[k] = k % fold != fold - 1;
  unsigned char all[UAT_SINDY_MAX_TERMS];
  memset(all, 1, p);
  double cmax = 0.0;
  int st = UAT_OK;
  for (size_t i = 0; i < dim && st == UAT_OK; i++) {
    column(dX, n, dim, i, y);
    st = lsq(theta, n, p, use, all, y, par->ridge, c, NULL);
    for (size_t j = 0; j < p; j++) cmax = fmax(cmax, fabs(c[j]));
  }
  for (size_t t = 0; t <= nt && st == UAT_OK; t++) {
    const double thr =
        t == 0 ? 0.0 : cmax * pow(10.0, -8.0 + 8.0 * (double)(t - 1) / (double)(nt - 1)) * 0.999;
    size_t terms = 0;
    for (size_t i = 0; i < dim && st == UAT_OK; i++) {
      column(dX, n, dim, i, y);
      st = stlsq(theta, n, p, use, y, par, thr, c + i * p, NULL);
      for (size_t j = 0; j < p; j++) terms += c[i * p + j] != 0.0;
    }
    out->pareto[t] = (uat_sindy_pareto){thr, terms, validation_error(theta, n, p, dim, use, dX, c)};
  }
  out->n_pareto = nt + 1;
  double best = INFINITY;
  for (size_t t = 0; t < out->n_pareto; t++) best = fmin(best, out->pareto[t].error);
  size_t pick = 0;
  for (size_t t = 0; t < out->n_pareto; t++) {
    const uat_sindy_pareto *a = &out->pareto[t], *b = &out->pareto[pick];
    if (a->error <= par->cv_tolerance * best + 1e-9 && a->terms > 0 &&
        (a->terms < b->terms || b->error > par->cv_tolerance * best + 1e-9))
      pick = t;
  }
  out->threshold = out->pareto[pick].threshold;
  free(use);
  return st;
}

int uat_sindy_fit(const uat_sindy_library *lib, size_t n, const double *X, const double *dXdt,
                  const uat_sindy_params *par, uat_sindy_result *out, uat_error *err) {
  memset(out, 0, sizeof *out);
  uat_error_clear(err);
  const size_t dim = lib->dim, p = lib->p;
  if (p == 0 || dim == 0) return uat_error_set(err, UAT_EINVAL, "an empty library");
  if (n <= p) return uat_error_set(err, UAT_EINVAL, "%zu samples for %zu terms: need more", n, p);
  for (size_t k = 0; k < n * dim; k++)
    if (!isfinite(X[k]) || !isfinite(dXdt[k]))
      return uat_error_set(err, UAT_EDIVERGED, "sample %zu is not finite", k / dim + 1);
  double *theta = malloc(n * p * sizeof *theta), *y = malloc(n * sizeof *y);
  out->dim = dim;
  out->p = p;
  out->coef = calloc(dim * p, sizeof *out->coef);
  out->stderr_ = calloc(dim * p, sizeof *out->stderr_);
  out->rms = calloc(dim, sizeof *out->rms);
  int st = theta && y && out->coef && out->stderr_ && out->rms ? UAT_OK : UAT_ENOMEM;
  if (st == UAT_OK) uat_sindy_library_eval(lib, n, X, theta);
  for (size_t k = 0; st == UAT_OK && k < n * p; k++)
    if (!isfinite(theta[k]))
      st = uat_error_set(err, UAT_EDOMAIN, "term '%s' is not finite at sample %zu",
                         lib->text[k % p], k / p + 1);
  out->threshold = par->threshold;
  if (st == UAT_OK && par->threshold < 0)
    st = cross_validate(theta, n, p, dim, dXdt, par, y, out->coef, out);
  for (size_t i = 0; st == UAT_OK && i < dim; i++) {
    column(dXdt, n, dim, i, y);
    st = stlsq(theta, n, p, NULL, y, par, out->threshold, out->coef + i * p, out->stderr_ + i * p);
    double ss = 0.0;
    for (size_t k = 0; k < n; k++) {
      double f = 0.0;
      for (size_t j = 0; j < p; j++) f += theta[k * p + j] * out->coef[i * p + j];
      ss += (f - y[k]) * (f - y[k]);
    }
    out->rms[i] = sqrt(ss / (double)n);
  }
  free(theta);
  free(y);
  if (st != UAT_OK) {
    if (err && err->status == UAT_OK) uat_error_set(err, st, "least squares: %s", uat_strerror(st));
    uat_sindy_result_free(out);
  }
  return st;
}

void uat_sindy_result_free(uat_sindy_result *r) {
  if (r == NULL) return;
  free(r->coef);
  free(r->stderr_);
  free(r->rms);
  free(r->pareto);
  memset(r, 0, sizeof *r);
}

/* Append to buf (length len, may be NULL with len 0) at used; the full length is returned. */
static size_t append(char *buf, size_t len, size_t used, const char *fmt, ...) {
  char tmp[1024];
  va_list ap;
  va_start(ap, fmt);
  const int w = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  const size_t n = w > 0 ? strlen(tmp) : 0;
  if (buf != NULL && used < len) {
    const size_t room = len - used - 1, k = n < room ? n : room;
    memcpy(buf + used, tmp, k);
    buf[used + k] = '\0';
  }
  return used + n;
}

size_t uat_sindy_equation(const uat_sindy_result *r, const uat_sindy_library *lib,
                          const char *state, size_t i, int digits, char *buf, size_t len) {
  size_t used = append(buf, len, 0, "%s =", state);
  int first = 1;
  for (size_t j = 0; j < r->p; j++) {
    const double c = r->coef[i * r->p + j];
    if (c == 0.0) continue;
    char num[64];
    for (int d = 1; d <= digits; d++) { /* the fewest digits that give c to digits digits */
      snprintf(num, sizeof num, "%.*g", d, fabs(c));
      if (d == digits || strtod(num, NULL) == fabs(c)) break;
    }
    const char *sign = c < 0 ? (first ? " -" : " - ") : (first ? " " : " + ");
    const int one = strcmp(lib->text[j], "1") == 0;
    used = append(buf, len, used, "%s%s%s%s", sign, num, one ? "" : "*", one ? "" : lib->text[j]);
    first = 0;
  }
  if (first) used = append(buf, len, used, " 0");
  return used;
}

/* ---- data ----------------------------------------------------------------------------------- */

void uat_sindy_data_free(uat_sindy_data *d) {
  if (d == NULL) return;
  free(d->t);
  free(d->X);
  free(d->dXdt);
  memset(d, 0, sizeof *d);
}

static int data_alloc(uat_sindy_data *d, size_t n, size_t dim, int times) {
  memset(d, 0, sizeof *d);
  if (n == 0 || dim == 0) return UAT_EINVAL;
  d->n = n;
  d->dim = dim;
  d->X = calloc(n * dim, sizeof *d->X);
  d->dXdt = calloc(n * dim, sizeof *d->dXdt);
  if (times) d->t = calloc(n, sizeof *d->t);
  if (d->X && d->dXdt && (!times || d->t)) return UAT_OK;
  uat_sindy_data_free(d);
  return UAT_ENOMEM;
}

static void add_noise(uat_sindy_data *d, double noise, unsigned long seed) {
  gsl_rng *r = uat_rng_alloc(seed);
  for (size_t i = 0; r && i < d->dim; i++) {
    double ss = 0.0;
    for (size_t k = 0; k < d->n; k++) ss += d->X[k * d->dim + i] * d->X[k * d->dim + i];
    const double sd = noise * sqrt(ss / (double)d->n);
    for (size_t k = 0; k < d->n; k++) d->X[k * d->dim + i] += gsl_ran_gaussian(r, sd);
  }
  gsl_rng_free(r);
}

int uat_sindy_data_ode(const uat_ode_system *sys, const double *p, const double *y0, size_t n_times,
                       const double *times, uat_sindy_derivatives deriv, double noise,
                       unsigned long seed, uat_sindy_data *out, uat_error *err) {
  memset(out, 0, sizeof *out);
  uat_error_clear(err);
  if (n_times < 5) return uat_error_set(err, UAT_EINVAL, "at least 5 times");
  if (!(noise >= 0) || !isfinite(noise))
    return uat_error_set(err, UAT_EINVAL, "noise: expected a finite value >= 0");
  uat_ode_params op = uat_ode_default_params();
  op.rtol = 1e-12;
  op.atol = 1e-14;
  uat_ode_trajectory *tr = NULL;
  const double *pp = p ? p : sys->param_defaults;
  int st = uat_ode_solve(sys, pp, y0 ? y0 : sys->y0_default, n_times, times, &op, &tr, NULL, err);
  if (st != UAT_OK) return st;
  const size_t dim = sys->dim;
  if ((st = data_alloc(out, n_times, dim, 1)) != UAT_OK) {
    uat_ode_trajectory_free(tr);
    return uat_error_set(err, st, "out of memory");
  }
  memcpy(out->t, tr->t, n_times * sizeof *out->t);
  memcpy(out->X, tr->y, n_times * dim * sizeof *out->X);
  uat_ode_trajectory_free(tr);
  for (size_t k = 0; k < n_times && st == UAT_OK && deriv == UAT_SINDY_DERIV_RHS; k++)
    st = uat_ode_eval_field(sys, pp, out->t[k], 1, out->X + k * dim, out->dXdt + k * dim);
  if (noise > 0) add_noise(out, noise, seed);
  if (st == UAT_OK && deriv != UAT_SINDY_DERIV_RHS &&
      uat_ode_fd_derivative(n_times, dim, out->t, out->X, deriv == UAT_SINDY_DERIV_FD4 ? 4 : 2,
                            out->dXdt) != UAT_OK)
    st = uat_error_set(err, UAT_EINVAL, "finite differences need equally spaced times");
  if (st != UAT_OK) {
    if (err && err->status == UAT_OK) uat_error_set(err, st, "the right-hand side failed");
    uat_sindy_data_free(out);
  }
  return st;
}

int uat_sindy_data_field(const uat_mlp *m, const double *lo, const double *hi, size_t per_dim,
                         uat_sindy_data *out, uat_error *err) {
  memset(out, 0, sizeof *out);
  const size_t dim = uat_mlp_in(m);
  if (uat_mlp_out(m) != dim || dim > UAT_SINDY_MAX_STATES)
    return uat_error_set(err, UAT_EINVAL,
                         "a field network maps n states to n derivatives (%zu -> %zu)", dim,
                         uat_mlp_out(m));
  size_t n = 1;
  for (size_t i = 0; i < dim; i++) n *= per_dim;
  if (per_dim < 2 || n > 10000000)
    return uat_error_set(err, UAT_EINVAL, "grid: 2 or more points per axis, 1e7 in all");
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, 256);
  if (w == NULL || data_alloc(out, n, dim, 0) != UAT_OK) {
    uat_mlp_workspace_free(w);
    return uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  uat_ode_grid_box(dim, lo, hi, per_dim, out->X);
  const int st = uat_mlp_predict(m, w, n, out->X, out->dXdt);
  uat_mlp_workspace_free(w);
  if (st != UAT_OK) {
    uat_sindy_data_free(out);
    return uat_error_set(err, st, "the network failed");
  }
  return UAT_OK;
}

int uat_sindy_data_trajectory(const uat_mlp *m, double t0, double t1, size_t n, uat_sindy_data *out,
                              uat_error *err) {
  memset(out, 0, sizeof *out);
  const size_t dim = uat_mlp_out(m);
  if (uat_mlp_in(m) != 1 || dim > UAT_SINDY_MAX_STATES)
    return uat_error_set(err, UAT_EINVAL, "a trajectory network maps t to the states (1 -> n)");
  if (n < 5 || !(t1 > t0)) return uat_error_set(err, UAT_EINVAL, "at least 5 times, t0 < t1");
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, 256);
  if (w == NULL || data_alloc(out, n, dim, 1) != UAT_OK) {
    uat_mlp_workspace_free(w);
    return uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  int st = UAT_OK;
  for (size_t k = 0; k < n; k++) out->t[k] = t0 + (t1 - t0) * (double)k / (double)(n - 1);
  st = uat_mlp_predict(m, w, n, out->t, out->X);
  for (size_t k = 0; k < n && st == UAT_OK; k++) /* out x 1: the column d y / d t */
    st = uat_mlp_input_jacobian(m, w, out->t + k, out->dXdt + k * dim);
  uat_mlp_workspace_free(w);
  if (st != UAT_OK) {
    uat_sindy_data_free(out);
    return uat_error_set(err, st, "the network failed");
  }
  return UAT_OK;
}

int uat_sindy_rollout(const uat_sindy_result *r, const uat_sindy_library *lib,
                      const char *const *states, const double *y0, size_t n, const double *times,
                      const double *ref, double *error, uat_ode_trajectory **traj, uat_error *err) {
  const size_t dim = r->dim;
  char *eq[UAT_SINDY_MAX_STATES] = {0};
  int st = UAT_OK;
  for (size_t i = 0; i < dim && st == UAT_OK; i++) {
    const size_t len = uat_sindy_equation(r, lib, states[i], i, 17, NULL, 0) + 1;
    if ((eq[i] = malloc(len)) == NULL)
      st = uat_error_set(err, UAT_ENOMEM, "out of memory");
    else
      uat_sindy_equation(r, lib, states[i], i, 17, eq[i], len);
  }
  uat_ode_expr_system *es = NULL;
  uat_ode_trajectory *tr = NULL;
  if (st == UAT_OK) st = uat_ode_expr_system_alloc(dim, (const char *const *)eq, &es, err);
  uat_ode_params op = uat_ode_default_params();
  op.rtol = 1e-12;
  op.atol = 1e-14;
  if (st == UAT_OK)
    st = uat_ode_solve(uat_ode_expr_system_get(es), NULL, y0, n, times, &op, &tr, NULL, err);
  if (st == UAT_OK) {
    double num = 0.0, den = 0.0;
    for (size_t k = 0; k < n; k++)
      for (size_t i = 0; i < dim; i++) {
        num = fmax(num, fabs(tr->y[k * dim + i] - ref[k * dim + i]));
        den = fmax(den, fabs(ref[k * dim + i]));
      }
    *error = den > 0 ? num / den : num;
  }
  if (traj && st == UAT_OK)
    *traj = tr;
  else
    uat_ode_trajectory_free(tr);
  uat_ode_expr_system_free(es);
  for (size_t i = 0; i < dim; i++) free(eq[i]);
  return st;
}
