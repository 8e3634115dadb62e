/* fit_cmaes.c — CMA-ES (uat/cmaes.h) on a network's loss: the trainer `cmaes`. One iteration is
 * one generation; the network holds the best point found so far after every generation. */
#include <math.h>
#include <string.h>

#include "fit_internal.h"
#include "uat/cmaes.h"

typedef struct {
  uat_fit_batch b;
  uat_cmaes *es;
} fit_cmaes;

static double loss_at(const double *x, void *ctx) {
  uat_fit_batch *b = ctx;
  memcpy(b->m->theta, x, b->m->n_params * sizeof *x);
  return uat_fit_batch_mse(b, NULL);
}

static int fit_cmaes_alloc(void *state, const uat_fit_problem *pb) {
  fit_cmaes *s = state;
  const uat_fit_tuning *t = &pb->p->tune;
  const uat_cmaes_params cp = {t->cmaes_sigma0,       t->cmaes_lambda, t->cmaes_full_max,
                               t->cmaes_max_restarts, t->cmaes_tolfun, t->cmaes_tolx};
  if (uat_fit_batch_alloc(&s->b, pb) != UAT_OK) return UAT_ENOMEM;
  s->es = uat_cmaes_alloc(pb->m->n_params, &cp, pb->p->seed);
  if (s->es == NULL) return UAT_ENOMEM;
  uat_cmaes_set(s->es, loss_at, &s->b, pb->m->theta);
  return UAT_OK;
}

static int fit_cmaes_iterate(void *state, double *rmse, int *converged) {
  fit_cmaes *s = state;
  (void)converged;
  const int st = uat_cmaes_iterate(s->es);
  memcpy(s->b.m->theta, uat_cmaes_best(s->es), s->b.m->n_params * sizeof(double));
  uat_fit_result *res = s->b.res; /* the generation's mean beside the best, when asked */
  if (res->history && res->history_mean && res->iterations < res->history_cap)
    res->history_mean[res->iterations] = sqrt(uat_cmaes_mean_f(s->es));
  *rmse = sqrt(uat_cmaes_best_f(s->es));
  return st;
}

static void fit_cmaes_free(void *state) {
  fit_cmaes *s = state;
  uat_cmaes_free(s->es);
  uat_fit_batch_free(&s->b);
}

const uat_fit_type uat_fit_type_cmaes = {
    "cmaes",
    "CMA-ES (Hansen), no gradients; IPOP restarts; diagonal C above 200 parameters",
    1000,
    0,
    sizeof(fit_cmaes),
    fit_cmaes_alloc,
    fit_cmaes_iterate,
    NULL,
    fit_cmaes_free};
