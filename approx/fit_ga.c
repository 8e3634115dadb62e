/* fit_ga.c — the genetic algorithm (uat/ga.h) on a network's loss: the trainer `ga`. One
 * iteration is one generation; the network holds the best solution found so far after every
 * generation. */
#include <math.h>
#include <string.h>

#include "fit_internal.h"
#include "uat/ga.h"

typedef struct {
  uat_fit_batch b;
  uat_ga *ga;
} fit_ga;

static double loss_at(const double *x, void *ctx) {
  uat_fit_batch *b = ctx;
  memcpy(b->m->theta, x, b->m->n_params * sizeof *x);
  return uat_fit_batch_mse(b, NULL);
}

static int fit_ga_alloc(void *state, const uat_fit_problem *pb) {
  fit_ga *s = state;
  const uat_fit_tuning *t = &pb->p->tune;
  const uat_ga_params gp = {t->ga_population,    t->ga_parents,     t->ga_selection,
                            t->ga_tournament,    t->ga_crossover,   t->ga_mutation,
                            t->ga_mutation_rate, t->ga_mutation_sd, t->ga_elitism,
                            t->ga_init_low,      t->ga_init_high};
  if (uat_fit_batch_alloc(&s->b, pb) != UAT_OK) return UAT_ENOMEM;
  s->ga = uat_ga_alloc(pb->m->n_params, &gp, pb->p->seed);
  if (s->ga == NULL) return UAT_ENOMEM;
  uat_ga_set(s->ga, loss_at, &s->b, pb->m->theta);
  return UAT_OK;
}

static int fit_ga_iterate(void *state, double *rmse, int *converged) {
  fit_ga *s = state;
  (void)converged;
  const int st = uat_ga_iterate(s->ga);
  memcpy(s->b.m->theta, uat_ga_best(s->ga), s->b.m->n_params * sizeof(double));
  uat_fit_result *res = s->b.res; /* the generation's mean beside the best, when asked */
  if (res->history && res->history_mean && res->iterations < res->history_cap)
    res->history_mean[res->iterations] = sqrt(uat_ga_mean_f(s->ga));
  *rmse = sqrt(uat_ga_best_f(s->ga));
  return st;
}

static void fit_ga_free(void *state) {
  fit_ga *s = state;
  uat_ga_free(s->ga);
  uat_fit_batch_free(&s->b);
}

const uat_fit_type uat_fit_type_ga = {
    "ga",           "genetic algorithm (PyGAD's choices and defaults), no gradients, population 50",
    1000,           0,
    sizeof(fit_ga), fit_ga_alloc,
    fit_ga_iterate, NULL,
    fit_ga_free};
