/* fit_lbfgs.c — limited-memory BFGS (uat/lbfgs.h) on the MSE, gradient by backpropagation:
 * history m, two-loop recursion, strong Wolfe line search. */
#include <math.h>
#include <string.h>

#include "fit_internal.h"
#include "uat/lbfgs.h"

typedef struct {
  uat_fit_batch b;
  uat_lbfgs *s;
} lbfgs;

static double lbfgs_fn(const double *x, double *g, void *ctx) {
  lbfgs *s = ctx;
  memcpy(s->b.m->theta, x, s->b.m->n_params * sizeof *x);
  return uat_fit_batch_mse(&s->b, g); /* counts the evaluation */
}

static int lbfgs_alloc(void *state, const uat_fit_problem *pb) {
  lbfgs *s = state;
  const uat_fit_tuning *t = &pb->p->tune;
  const uat_lbfgs_params lp = {t->lbfgs_m,      t->lbfgs_c1,   t->lbfgs_c2,
                               t->lbfgs_max_ls, t->lbfgs_gtol, t->lbfgs_ftol};
  if (uat_fit_batch_alloc(&s->b, pb) != UAT_OK) return UAT_ENOMEM;
  s->s = uat_lbfgs_alloc(pb->m->n_params, &lp);
  if (s->s == NULL) return UAT_ENOMEM;
  return uat_lbfgs_set(s->s, lbfgs_fn, s, pb->m->theta);
}

static int lbfgs_iterate(void *state, double *rmse, int *converged) {
  lbfgs *s = state;
  const int st = uat_lbfgs_iterate(s->s);
  *rmse = sqrt(uat_lbfgs_f(s->s));
  if (st == UAT_ESOLVER) { /* no acceptable step from here: as far as it goes */
    *converged = 1;
    return UAT_OK;
  }
  *converged = uat_lbfgs_converged(s->s);
  return st;
}

static void lbfgs_finish(void *state) {
  lbfgs *s = state;
  memcpy(s->b.m->theta, uat_lbfgs_x(s->s), s->b.m->n_params * sizeof(double));
}

static void lbfgs_free(void *state) {
  lbfgs *s = state;
  uat_fit_batch_free(&s->b);
  uat_lbfgs_free(s->s);
}

const uat_fit_type uat_fit_type_lbfgs = {
    "lbfgs",       "limited-memory BFGS: history 10, two-loop recursion, strong Wolfe line search",
    1000,          0,
    sizeof(lbfgs), lbfgs_alloc,
    lbfgs_iterate, lbfgs_finish,
    lbfgs_free};
