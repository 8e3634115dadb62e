/* fit_perceptron.c — Rosenblatt's perceptron rule for networks without a hidden layer: per
 * sample, in order, the thresholded output y = [w.x + b > 0] and, when it is wrong, w += lr
 * (t - y) x, b += lr (t - y), output by output. On linearly separable data it stops after
 * finitely many updates (Novikoff); on XOR it never does. An epoch is one iteration; its RMSE is
 * the root of the misclassified fraction (targets 0 and 1); no errors in an epoch is
 * convergence. Use it with --out-act step, so that the model's outputs are the rule's. */
#include <math.h>

#include "fit_internal.h"

typedef struct {
  uat_mlp *m;
  const uat_dataset *d;
  uat_fit_result *res;
  double lr;
} perceptron;

static int perceptron_alloc(void *state, const uat_fit_problem *pb) {
  perceptron *s = state;
  s->m = pb->m;
  s->d = pb->d;
  s->res = pb->res;
  s->lr = pb->p->lr > 0 ? pb->p->lr : 1.0;
  return UAT_OK;
}

static int perceptron_iterate(void *state, double *rmse, int *converged) {
  perceptron *s = state;
  const size_t in = s->d->in, out = s->d->out;
  double *W = uat_mlp_weights(s->m, 0), *b = uat_mlp_bias(s->m, 0);
  size_t wrong = 0;
  for (size_t k = 0; k < s->d->n; k++) {
    const double *x = s->d->x + k * in, *t = s->d->y + k * out;
    for (size_t o = 0; o < out; o++) {
      double z = b[o];
      for (size_t j = 0; j < in; j++) z += W[o * in + j] * x[j];
      const double err = (t[o] > 0.5 ? 1.0 : 0.0) - (z > 0 ? 1.0 : 0.0);
      if (err == 0.0) continue;
      wrong++;
      s->res->updates++;
      for (size_t j = 0; j < in; j++) W[o * in + j] += s->lr * err * x[j];
      if (!s->m->no_bias) b[o] += s->lr * err;
    }
  }
  s->res->evaluations++;
  *rmse = sqrt((double)wrong / (double)(s->d->n * out));
  *converged = wrong == 0;
  return UAT_OK;
}

static void perceptron_free(void *state) { (void)state; }

const uat_fit_type uat_fit_type_perceptron = {
    "perceptron",
    "Rosenblatt's rule, networks without a hidden layer (use --out-act step)",
    1000,
    UAT_FIT_NEEDS_SINGLE_LAYER,
    sizeof(perceptron),
    perceptron_alloc,
    perceptron_iterate,
    NULL,
    perceptron_free};
