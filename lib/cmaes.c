/* cmaes.c — CMA-ES (Hansen's (mu/mu_w, lambda) evolution strategy with cumulative step-size
 * adaptation and the rank-one and rank-mu covariance updates), written from Hansen's tutorial
 * ("The CMA Evolution Strategy: A Tutorial", arXiv:1604.00772, Table 1 and the algorithm of
 * Fig. 7 / Appendix A), with IPOP restarts (Auger & Hansen 2005: population doubled at each
 * restart) and the separable variant (diagonal C, Ros & Hansen 2008) for many parameters.
 * It needs only function values, no gradient. One iteration is one generation of lambda
 * evaluations. (approx/fit_cmaes.c makes it a trainer.) */
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "uat/cmaes.h"
#include "uat/init.h"
#include "uat/status.h"

struct uat_cmaes {
  uat_cmaes_params tune_copy;
  const uat_cmaes_params *tune;
  uat_cmaes_fn fn;
  void *ctx;
  size_t evaluations;
  gsl_rng *r;
  size_t n, lambda, mu, gen, eigen_gen, restarts, stall;
  size_t last_lambda; /* the last generation's size (a restart doubles lambda after it) */
  int sep;            /* separable: C diagonal */
  double sigma, mueff, cs, ds, cc, c1, cmu, chi;
  double *w, *m, *ps, *pc, *C, *B, *D, *x, *y, *z, *f, *tmp, *x0, *best, *yw;
  size_t *order;
  double best_f, hist[64]; /* the best loss of the last generations (stagnation test) */
  double run_best;         /* the best of this (re)start, for the stagnation test */
  gsl_eigen_symmv_workspace *ew;
  gsl_matrix *em, *evec;
  gsl_vector *eval;
};
typedef struct uat_cmaes cmaes;

/* Strategy parameters for population lambda (Hansen's Table 1). */
static void set_parameters(cmaes *s) {
  const double n = (double)s->n;
  s->mu = s->lambda / 2;
  double sum = 0, sum2 = 0;
  for (size_t i = 0; i < s->mu; i++) {
    s->w[i] = log((double)s->mu + 0.5) - log((double)i + 1.0);
    sum += s->w[i];
  }
  for (size_t i = 0; i < s->mu; i++) {
    s->w[i] /= sum;
    sum2 += s->w[i] * s->w[i];
  }
  s->mueff = 1.0 / sum2;
  s->cs = (s->mueff + 2) / (n + s->mueff + 5);
  s->ds = 1 + 2 * fmax(0, sqrt((s->mueff - 1) / (n + 1)) - 1) + s->cs;
  s->cc = (4 + s->mueff / n) / (n + 4 + 2 * s->mueff / n);
  s->c1 = 2 / ((n + 1.3) * (n + 1.3) + s->mueff);
  s->cmu = fmin(1 - s->c1, 2 * (s->mueff - 2 + 1 / s->mueff) / ((n + 2) * (n + 2) + s->mueff));
  if (s->sep) { /* the diagonal model learns faster (Ros & Hansen) */
    s->c1 = fmin(1, s->c1 * (n + 2) / 3);
    s->cmu = fmin(1 - s->c1, s->cmu * (n + 2) / 3);
  }
  s->chi = sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
}

/* A (re)start with population lambda, sigma0 and C = I: the first from x0, a restart from x0
 * moved by 2 sigma0 N(0, I) (IPOP restarts from a new point of the search region). */
static void start(cmaes *s) {
  const size_t n = s->n;
  set_parameters(s);
  for (size_t i = 0; i < n; i++)
    s->m[i] = s->x0[i] + (s->restarts ? 2 * s->tune->sigma0 * gsl_ran_gaussian(s->r, 1.0) : 0);
  s->sigma = s->tune->sigma0;
  memset(s->ps, 0, n * sizeof *s->ps);
  memset(s->pc, 0, n * sizeof *s->pc);
  for (size_t i = 0; i < n; i++) {
    s->D[i] = 1;
    if (s->sep) {
      s->C[i] = 1;
      continue;
    }
    for (size_t j = 0; j < n; j++) s->C[i * n + j] = s->B[i * n + j] = i == j;
  }
  s->gen = s->eigen_gen = s->stall = 0;
  s->run_best = INFINITY;
}

uat_cmaes_params uat_cmaes_default_params(void) {
  const uat_cmaes_params p = {0.5, 0, 200, 9, 1e-12, 1e-12};
  return p;
}

uat_cmaes *uat_cmaes_alloc(size_t n, const uat_cmaes_params *p, unsigned long seed) {
  if (n == 0 || p == NULL || !(p->sigma0 > 0) || p->max_restarts > 20) return NULL;
  cmaes *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->tune_copy = *p;
  s->tune = &s->tune_copy;
  s->n = n;
  s->sep = n > s->tune->full_max;
  s->lambda = s->tune->lambda ? s->tune->lambda : 4 + (size_t)(3 * log((double)n));
  if (s->lambda < 4) s->lambda = 4;
  const size_t most = s->lambda << s->tune->max_restarts; /* IPOP's largest population */
  const size_t nn = s->sep ? n : n * n;
  s->r = uat_rng_alloc(seed);
  s->w = malloc(most * sizeof *s->w);
  s->m = malloc(n * sizeof *s->m), s->ps = malloc(n * sizeof *s->ps);
  s->pc = malloc(n * sizeof *s->pc), s->D = malloc(n * sizeof *s->D);
  s->C = malloc(nn * sizeof *s->C), s->B = malloc(nn * sizeof *s->B);
  s->x = malloc(most * n * sizeof *s->x), s->y = malloc(most * n * sizeof *s->y);
  s->z = malloc(n * sizeof *s->z), s->tmp = malloc(n * sizeof *s->tmp);
  s->f = malloc(most * sizeof *s->f), s->order = malloc(most * sizeof *s->order);
  s->x0 = malloc(n * sizeof *s->x0), s->best = malloc(n * sizeof *s->best);
  s->yw = malloc(n * sizeof *s->yw);
  if (!s->sep) {
    s->ew = gsl_eigen_symmv_alloc(n);
    s->em = gsl_matrix_alloc(n, n);
    s->evec = gsl_matrix_alloc(n, n);
    s->eval = gsl_vector_alloc(n);
  }
  if (!s->r || !s->w || !s->m || !s->ps || !s->pc || !s->D || !s->C || !s->B || !s->x || !s->y ||
      !s->z || !s->tmp || !s->f || !s->order || !s->x0 || !s->best || !s->yw ||
      (!s->sep && (!s->ew || !s->em || !s->evec || !s->eval))) {
    uat_cmaes_free(s);
    return NULL;
  }
  return s;
}

void uat_cmaes_set(uat_cmaes *s, uat_cmaes_fn fn, void *ctx, const double *x0) {
  s->fn = fn;
  s->ctx = ctx;
  memcpy(s->x0, x0, s->n * sizeof *s->x0);
  memcpy(s->best, x0, s->n * sizeof *s->best);
  s->best_f = INFINITY;
  s->evaluations = s->restarts = 0;
  s->lambda = s->tune->lambda ? s->tune->lambda : 4 + (size_t)(3 * log((double)s->n));
  if (s->lambda < 4) s->lambda = 4;
  start(s);
}

/* B and D from C (C = B diag(D^2) B^T), every few generations as Hansen advises. */
static int decompose(cmaes *s) {
  const size_t n = s->n;
  if (s->sep) {
    for (size_t i = 0; i < n; i++) s->D[i] = sqrt(fmax(s->C[i], 0));
    return UAT_OK;
  }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) gsl_matrix_set(s->em, i, j, s->C[i * n + j]);
  if (gsl_eigen_symmv(s->em, s->eval, s->evec, s->ew) != GSL_SUCCESS) return UAT_EDIVERGED;
  for (size_t i = 0; i < n; i++) {
    s->D[i] = sqrt(fmax(gsl_vector_get(s->eval, i), 1e-300));
    for (size_t j = 0; j < n; j++) s->B[i * n + j] = gsl_matrix_get(s->evec, i, j);
  }
  return UAT_OK;
}

/* Candidate k: y = B D z, x = m + sigma y; its loss into f[k]. */
static void sample(cmaes *s, size_t k) {
  const size_t n = s->n;
  double *x = s->x + k * n, *y = s->y + k * n;
  for (size_t i = 0; i < n; i++) s->z[i] = gsl_ran_gaussian_ziggurat(s->r, 1.0) * s->D[i];
  for (size_t i = 0; i < n; i++) {
    if (s->sep) {
      y[i] = s->z[i];
    } else {
      double v = 0;
      for (size_t j = 0; j < n; j++) v += s->B[i * n + j] * s->z[j];
      y[i] = v;
    }
    x[i] = s->m[i] + s->sigma * y[i];
  }
  s->f[k] = s->fn(x, s->ctx);
  s->evaluations++;
  if (!isfinite(s->f[k])) s->f[k] = INFINITY; /* a non-finite candidate ranks last */
}

static const double *sort_f;
static int by_f(const void *a, const void *b) {
  const double fa = sort_f[*(const size_t *)a], fb = sort_f[*(const size_t *)b];
  return (fa > fb) - (fa < fb);
}

/* C^{-1/2} v into out: B D^{-1} B^T v. */
static void inv_sqrt_c(const cmaes *s, const double *v, double *out) {
  const size_t n = s->n;
  if (s->sep) {
    for (size_t i = 0; i < n; i++) out[i] = v[i] / s->D[i];
    return;
  }
  for (size_t j = 0; j < n; j++) {
    double t = 0;
    for (size_t i = 0; i < n; i++) t += s->B[i * n + j] * v[i];
    s->tmp[j] = t / s->D[j];
  }
  for (size_t i = 0; i < n; i++) {
    double t = 0;
    for (size_t j = 0; j < n; j++) t += s->B[i * n + j] * s->tmp[j];
    out[i] = t;
  }
}

/* Mean, evolution paths, covariance and step size from the sorted generation. */
static void update(cmaes *s) {
  const size_t n = s->n;
  double *mold = s->z; /* z is free after sampling: the old mean */
  memcpy(mold, s->m, n * sizeof *mold);
  for (size_t i = 0; i < n; i++) {
    double v = 0;
    for (size_t k = 0; k < s->mu; k++) v += s->w[k] * s->x[s->order[k] * n + i];
    s->m[i] = v;
  }
  double *ywv = s->yw; /* y_w = (m - m_old) / sigma */
  for (size_t i = 0; i < n; i++) ywv[i] = (s->m[i] - mold[i]) / s->sigma;
  double *cy = mold;
  inv_sqrt_c(s, ywv, cy);
  const double a = sqrt(s->cs * (2 - s->cs) * s->mueff);
  double psn = 0;
  for (size_t i = 0; i < n; i++) {
    s->ps[i] = (1 - s->cs) * s->ps[i] + a * cy[i];
    psn += s->ps[i] * s->ps[i];
  }
  psn = sqrt(psn);
  const double gens = (double)(s->gen + 1);
  const int hs = psn / sqrt(1 - pow(1 - s->cs, 2 * gens)) < (1.4 + 2 / ((double)n + 1)) * s->chi;
  const double ac = sqrt(s->cc * (2 - s->cc) * s->mueff);
  for (size_t i = 0; i < n; i++) s->pc[i] = (1 - s->cc) * s->pc[i] + (hs ? ac * ywv[i] : 0);
  const double c1a = s->c1 * (1 - (1 - hs) * s->cc * (2 - s->cc)); /* Hansen's (47) */
  const size_t cols = s->sep ? 1 : n;
  for (size_t i = 0; i < n; i++)
    for (size_t j = s->sep ? i : 0; j < (s->sep ? i + 1 : n); j++) {
      double rank_mu = 0;
      for (size_t k = 0; k < s->mu; k++) {
        const double *yk = s->y + s->order[k] * n;
        rank_mu += s->w[k] * yk[i] * yk[j];
      }
      double *c = s->sep ? &s->C[i] : &s->C[i * cols + j];
      *c = (1 - c1a - s->cmu) * *c + s->c1 * s->pc[i] * s->pc[j] + s->cmu * rank_mu;
    }
  s->sigma *= exp((s->cs / s->ds) * (psn / s->chi - 1));
}

/* IPOP: a restart with twice the population when this start has done what it can — Hansen's
 * TolFun (the recent best values and this generation's values within tolfun), TolHistFun (the
 * recent best values alone within tolfun), TolX (the step below tolx), ConditionCov (C's
 * condition above 1e14), or stagnation (no improvement by 0.1% for 120 + 30 n / lambda
 * generations: a creep towards a local minimum at infinity, as saturating units do). */
static int should_restart(cmaes *s) {
  const double fbest = s->f[s->order[0]], fworst = s->f[s->order[s->lambda - 1]];
  s->hist[s->gen % 64] = fbest;
  const size_t window = 10 + (size_t)ceil(30.0 * (double)s->n / (double)s->lambda);
  const size_t seen = s->gen + 1 < 64 ? s->gen + 1 : 64;
  double hmin = fbest, hmax = fbest;
  for (size_t k = 0; k < seen; k++) hmin = fmin(hmin, s->hist[k]), hmax = fmax(hmax, s->hist[k]);
  const int full = s->gen + 1 >= (window < 64 ? window : 64);
  const int flat = full && hmax - hmin <= s->tune->tolfun;
  const int flat_all = flat && fworst - fbest <= s->tune->tolfun;
  double dmax = 0, dmin = INFINITY;
  for (size_t i = 0; i < s->n; i++) dmax = fmax(dmax, s->D[i]), dmin = fmin(dmin, s->D[i]);
  const int tiny = s->sigma * dmax < s->tune->tolx || dmax > 1e7 * dmin;
  if (fbest < s->run_best * (1 - 1e-3)) {
    s->run_best = fbest;
    s->stall = 0;
  } else {
    s->stall++;
  }
  const int stagnant = s->stall > 120 + (size_t)(30.0 * (double)s->n / (double)s->lambda);
  return (flat || flat_all || tiny || stagnant) && s->restarts < s->tune->max_restarts;
}

int uat_cmaes_iterate(uat_cmaes *s) {
  if (s->gen >= s->eigen_gen) { /* the decomposition lags C by about n/10 generations */
    if (decompose(s) != UAT_OK) return UAT_EDIVERGED;
    s->eigen_gen =
        s->gen + 1 + (size_t)((double)s->lambda / ((s->c1 + s->cmu) * (double)s->n * 10));
  }
  for (size_t k = 0; k < s->lambda; k++) {
    sample(s, k);
    s->order[k] = k;
  }
  sort_f = s->f;
  s->last_lambda = s->lambda;
  qsort(s->order, s->lambda, sizeof *s->order, by_f);
  const double fb = s->f[s->order[0]];
  if (fb < s->best_f) {
    s->best_f = fb;
    memcpy(s->best, s->x + s->order[0] * s->n, s->n * sizeof *s->best);
  }
  update(s);
  if (should_restart(s)) {
    s->restarts++;
    s->lambda *= 2;
    start(s);
  } else {
    s->gen++;
  }
  return isfinite(s->sigma) ? UAT_OK : UAT_EDIVERGED;
}

const double *uat_cmaes_best(const uat_cmaes *s) { return s->best; }
double uat_cmaes_best_f(const uat_cmaes *s) { return s->best_f; }
size_t uat_cmaes_evaluations(const uat_cmaes *s) { return s->evaluations; }

double uat_cmaes_mean_f(const uat_cmaes *s) {
  double sum = 0;
  size_t n = 0;
  for (size_t k = 0; k < s->last_lambda; k++)
    if (isfinite(s->f[k])) sum += s->f[k], n++;
  return n ? sum / (double)n : INFINITY;
}
size_t uat_cmaes_restarts(const uat_cmaes *s) { return s->restarts; }
size_t uat_cmaes_lambda(const uat_cmaes *s) { return s->lambda; }
double uat_cmaes_sigma(const uat_cmaes *s) { return s->sigma; }

void uat_cmaes_free(uat_cmaes *s) {
  if (s == NULL) return;
  gsl_rng_free(s->r);
  free(s->w), free(s->m), free(s->ps), free(s->pc), free(s->D), free(s->C), free(s->B);
  free(s->x), free(s->y), free(s->z), free(s->tmp), free(s->f), free(s->order);
  free(s->x0), free(s->best), free(s->yw);
  if (s->ew) gsl_eigen_symmv_free(s->ew);
  gsl_matrix_free(s->em);
  gsl_matrix_free(s->evec);
  gsl_vector_free(s->eval);
  free(s);
}
