/* fit_lms.c — Widrow and Hoff's LMS rule (the Adaline's), online: per sample, in order, the
 * linear output z = W x + b, its error e = t - z, and W += mu e x^T, b += mu e — a stochastic
 * gradient step on half the squared error, one sample at a time. On a stationary linear target
 * it converges in the mean to the least-squares solution (for 0 < mu < 2 / tr(R)), with a
 * steady-state excess error (misadjustment) of about mu tr(R) / 2 for small mu; because it
 * follows every sample, it tracks a target that drifts (docs/adaptive.md). An epoch is one
 * iteration; its RMSE is that of the errors met on the way (each before its update). */
#include <math.h>

#include "fit_internal.h"

typedef struct {
  uat_mlp *m;
  const uat_dataset *d;
  uat_fit_result *res;
  double mu;
} lms;

static int lms_alloc(void *state, const uat_fit_problem *pb) {
  lms *s = state;
  s->m = pb->m;
  s->d = pb->d;
  s->res = pb->res;
  s->mu = pb->p->lr > 0 ? pb->p->lr : 0.01;
  return UAT_OK;
}

static int lms_iterate(void *state, double *rmse, int *converged) {
  lms *s = state;
  (void)converged;
  const size_t in = s->d->in, out = s->d->out;
  double *W = uat_mlp_weights(s->m, 0), *b = uat_mlp_bias(s->m, 0);
  double sq = 0.0;
  for (size_t k = 0; k < s->d->n; k++) {
    const double *x = s->d->x + k * in, *t = s->d->y + k * out;
    for (size_t o = 0; o < out; o++) {
      double z = b[o];
      for (size_t j = 0; j < in; j++) z += W[o * in + j] * x[j];
      const double e = t[o] - z;
      sq += e * e;
      for (size_t j = 0; j < in; j++) W[o * in + j] += s->mu * e * x[j];
      if (!s->m->no_bias) b[o] += s->mu * e;
    }
    s->res->updates++;
  }
  s->res->evaluations++;
  *rmse = sqrt(sq / (double)(s->d->n * out));
  return isfinite(*rmse) ? UAT_OK : UAT_EDIVERGED;
}

static void lms_free(void *state) { (void)state; }

const uat_fit_type uat_fit_type_lms = {
    "lms",
    "Widrow-Hoff LMS (Adaline), online, networks without a hidden layer; --lr is mu (0.01)",
    1000,
    UAT_FIT_NEEDS_SINGLE_LAYER,
    sizeof(lms),
    lms_alloc,
    lms_iterate,
    NULL,
    lms_free};
