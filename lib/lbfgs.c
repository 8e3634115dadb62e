/* lbfgs.c — limited-memory BFGS with a strong Wolfe line search (uat/lbfgs.h). Every vector
 * operation is a plain loop in fixed order, so the iterates are the same bits everywhere. */
#include "uat/lbfgs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "uat/status.h"

struct uat_lbfgs {
  size_t n;
  uat_lbfgs_params p;
  uat_lbfgs_fn fn;
  void *ctx;
  double *x, *g, f, f_prev;
  double *d, *xt, *gt;         /* direction, trial point and its gradient */
  double *S, *Y, *rho, *alpha; /* history: m pairs, row k at k*n; ring buffer */
  size_t pairs, newest;
  size_t evals;
  double step;
  double last_a; /* the step of the point in xt, gt */
  int moved;     /* an iteration has moved x (f_prev is meaningful) */
};

uat_lbfgs_params uat_lbfgs_default_params(void) {
  const uat_lbfgs_params p = {10, 1e-4, 0.9, 20, 1e-5, 0.0};
  return p;
}

static double dot(size_t n, const double *a, const double *b) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

static int all_finite(size_t n, const double *v) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i])) return 0;
  return 1;
}

void uat_lbfgs_free(uat_lbfgs *s) {
  if (s == NULL) return;
  free(s->x);
  free(s->g);
  free(s->d);
  free(s->xt);
  free(s->gt);
  free(s->S);
  free(s->Y);
  free(s->rho);
  free(s->alpha);
  free(s);
}

uat_lbfgs *uat_lbfgs_alloc(size_t n, const uat_lbfgs_params *p) {
  if (n == 0 || p == NULL || p->m == 0 || !(p->c1 > 0) || !(p->c2 > p->c1) || !(p->c2 < 1) ||
      p->max_ls == 0 || n > (size_t)-1 / sizeof(double) / p->m)
    return NULL;
  uat_lbfgs *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->n = n;
  s->p = *p;
  s->x = malloc(n * sizeof *s->x);
  s->g = malloc(n * sizeof *s->g);
  s->d = malloc(n * sizeof *s->d);
  s->xt = malloc(n * sizeof *s->xt);
  s->gt = malloc(n * sizeof *s->gt);
  s->S = malloc(p->m * n * sizeof *s->S);
  s->Y = malloc(p->m * n * sizeof *s->Y);
  s->rho = malloc(p->m * sizeof *s->rho);
  s->alpha = malloc(p->m * sizeof *s->alpha);
  if (!s->x || !s->g || !s->d || !s->xt || !s->gt || !s->S || !s->Y || !s->rho || !s->alpha) {
    uat_lbfgs_free(s);
    return NULL;
  }
  return s;
}

int uat_lbfgs_set(uat_lbfgs *s, uat_lbfgs_fn fn, void *ctx, const double *x0) {
  s->fn = fn;
  s->ctx = ctx;
  memcpy(s->x, x0, s->n * sizeof *x0);
  s->f = fn(s->x, s->g, ctx);
  s->evals = 1;
  s->pairs = 0;
  s->newest = 0;
  s->step = 0.0;
  s->moved = 0;
  s->f_prev = s->f;
  return isfinite(s->f) && all_finite(s->n, s->g) ? UAT_OK : UAT_EDIVERGED;
}

/* d = -H g by the two-loop recursion over the stored pairs, newest first then oldest first. */
static void direction(uat_lbfgs *s) {
  const size_t n = s->n, m = s->p.m;
  for (size_t i = 0; i < n; i++) s->d[i] = -s->g[i];
  if (s->pairs == 0) return;
  for (size_t k = 0; k < s->pairs; k++) {
    const size_t j = (s->newest + m - k) % m;
    s->alpha[j] = s->rho[j] * dot(n, s->S + j * n, s->d);
    const double *y = s->Y + j * n;
    for (size_t i = 0; i < n; i++) s->d[i] -= s->alpha[j] * y[i];
  }
  const double *sn = s->S + s->newest * n, *yn = s->Y + s->newest * n;
  const double gamma = dot(n, sn, yn) / dot(n, yn, yn);
  for (size_t i = 0; i < n; i++) s->d[i] *= gamma;
  for (size_t k = s->pairs; k-- > 0;) {
    const size_t j = (s->newest + m - k) % m;
    const double beta = s->rho[j] * dot(n, s->Y + j * n, s->d);
    const double *sj = s->S + j * n;
    for (size_t i = 0; i < n; i++) s->d[i] += sj[i] * (s->alpha[j] - beta);
  }
}

/* phi(a) = f(x + a d) and phi'(a) = g(x + a d)'d, leaving the point in xt, gt. */
static double phi(uat_lbfgs *s, double a, double *dphi) {
  for (size_t i = 0; i < s->n; i++) s->xt[i] = s->x[i] + a * s->d[i];
  const double f = s->fn(s->xt, s->gt, s->ctx);
  s->evals++;
  s->last_a = a;
  *dphi = dot(s->n, s->gt, s->d);
  return f;
}

/* The minimizer of the cubic through (a, fa, da) and (b, fb, db) (Nocedal & Wright eq. 3.59),
 * kept inside the middle 80% of [a, b]; the midpoint when the cubic has none. */
static double cubic(double a, double fa, double da, double b, double fb, double db) {
  const double lo = fmin(a, b), hi = fmax(a, b), w = hi - lo;
  const double d1 = da + db - 3.0 * (fa - fb) / (a - b);
  const double disc = d1 * d1 - da * db;
  double t = 0.5 * (a + b);
  if (disc >= 0 && isfinite(disc)) {
    const double d2 = (b > a ? 1.0 : -1.0) * sqrt(disc);
    const double c = b - (b - a) * (db + d2 - d1) / (db - da + 2.0 * d2);
    if (isfinite(c)) t = c;
  }
  return fmin(fmax(t, lo + 0.1 * w), hi - 0.1 * w);
}

typedef struct {
  double a, f, df;
} ls_point;

/* Algorithm 3.6: a point between lo and hi satisfying the strong Wolfe conditions. Returns 1
 * and leaves it in xt/gt (value in *out), or 0 when the evaluations ran out. */
static int zoom(uat_lbfgs *s, double f0, double df0, ls_point lo, ls_point hi, size_t *left,
                ls_point *out) {
  while ((*left)-- > 0) {
    ls_point t;
    t.a = cubic(lo.a, lo.f, lo.df, hi.a, hi.f, hi.df);
    t.f = phi(s, t.a, &t.df);
    if (!isfinite(t.f) || t.f > f0 + s->p.c1 * t.a * df0 || t.f >= lo.f) {
      hi = t;
      continue;
    }
    if (fabs(t.df) <= -s->p.c2 * df0) {
      *out = t;
      return 1;
    }
    if (t.df * (hi.a - lo.a) >= 0) hi = lo;
    lo = t;
  }
  *out = lo; /* the best point with sufficient decrease found, if lo.a > 0 */
  return 0;
}

/* Algorithm 3.5 from the trial step a1. Returns 1 with the accepted point in xt/gt, or 0. */
static int line_search(uat_lbfgs *s, double a1, ls_point *out) {
  const double f0 = s->f, df0 = dot(s->n, s->g, s->d);
  size_t left = s->p.max_ls;
  ls_point prev = {0.0, f0, df0}, cur;
  cur.a = a1;
  for (size_t i = 0; left-- > 0; i++) {
    cur.f = phi(s, cur.a, &cur.df);
    if (!isfinite(cur.f) || cur.f > f0 + s->p.c1 * cur.a * df0 || (i > 0 && cur.f >= prev.f))
      return zoom(s, f0, df0, prev, cur, &left, out) || out->a > 0;
    if (fabs(cur.df) <= -s->p.c2 * df0) {
      *out = cur;
      return 1;
    }
    if (cur.df >= 0) return zoom(s, f0, df0, cur, prev, &left, out) || out->a > 0;
    prev = cur;
    cur.a *= 2.0;
  }
  *out = prev; /* descent all the way: take the longest step tried */
  return prev.a > 0;
}

int uat_lbfgs_iterate(uat_lbfgs *s) {
  const size_t n = s->n, m = s->p.m;
  direction(s);
  double df0 = dot(n, s->g, s->d);
  if (!(df0 < 0)) { /* not a descent direction (rounding): start again from steepest descent */
    s->pairs = 0;
    direction(s);
    df0 = dot(n, s->g, s->d);
    if (!(df0 < 0)) return UAT_ESOLVER; /* the gradient is zero */
  }
  const double a1 = s->pairs == 0 ? 1.0 / sqrt(dot(n, s->g, s->g)) : 1.0;
  ls_point t;
  if (!line_search(s, a1, &t)) return UAT_ESOLVER;
  /* the accepted point may not be the last one evaluated: evaluate it again if so (the same
   * bits: xt = x + a d is recomputed exactly) */
  if (t.a != s->last_a) {
    double dphi;
    t.f = phi(s, t.a, &dphi);
  }
  if (!isfinite(t.f) || !all_finite(n, s->gt)) return UAT_EDIVERGED;
  /* the new pair s = x+ - x, y = g+ - g (kept only with positive curvature) */
  const size_t j = s->pairs == 0 ? 0 : (s->newest + 1) % m;
  double *sj = s->S + j * n, *yj = s->Y + j * n;
  for (size_t i = 0; i < n; i++) {
    sj[i] = s->xt[i] - s->x[i];
    yj[i] = s->gt[i] - s->g[i];
  }
  const double sy = dot(n, sj, yj);
  if (sy > 0) {
    s->rho[j] = 1.0 / sy;
    s->newest = j;
    if (s->pairs < m) s->pairs++;
  }
  s->f_prev = s->f;
  s->f = t.f;
  s->step = t.a;
  s->moved = 1;
  memcpy(s->x, s->xt, n * sizeof *s->x);
  memcpy(s->g, s->gt, n * sizeof *s->g);
  return UAT_OK;
}

int uat_lbfgs_converged(const uat_lbfgs *s) {
  double gmax = 0.0;
  for (size_t i = 0; i < s->n; i++) gmax = fmax(gmax, fabs(s->g[i]));
  if (gmax <= s->p.gtol) return 1;
  const double scale = fmax(fmax(fabs(s->f_prev), fabs(s->f)), 1.0);
  return s->moved && s->p.ftol > 0 && s->f_prev - s->f <= s->p.ftol * scale;
}

const double *uat_lbfgs_x(const uat_lbfgs *s) { return s->x; }
const double *uat_lbfgs_g(const uat_lbfgs *s) { return s->g; }
double uat_lbfgs_f(const uat_lbfgs *s) { return s->f; }
size_t uat_lbfgs_evaluations(const uat_lbfgs *s) { return s->evals; }
double uat_lbfgs_step(const uat_lbfgs *s) { return s->step; }
