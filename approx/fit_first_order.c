/* fit_first_order.c — Adam and SGD with momentum, an epoch per iteration, through the core
 * training loop (uat/train.h). */
#include <math.h>

#include "fit_internal.h"
#include "uat/init.h"

typedef struct {
  uat_optimizer *o;
  uat_trainer *t;
  gsl_rng *r;
  uat_mlp *m;
  const uat_dataset *d;
  uat_fit_result *res;
} first_order;

void uat_fit_first_order_setup(const uat_fit_params *p, const uat_dataset *d,
                               uat_optimizer_params *op, uat_train_params *tp) {
  *op = uat_optimizer_default_params(p->kind == UAT_FIT_ADAM ? UAT_OPT_ADAM : UAT_OPT_MOMENTUM);
  if (p->lr > 0) op->lr = p->lr;
  *tp = uat_train_default_params();
  tp->loss = p->loss;
  tp->max_epochs = p->max_iter;
  tp->batch_size = p->batch;
  tp->shuffle = p->batch > 0 && p->batch < d->n;
}

static int fo_alloc(void *state, const uat_fit_problem *pb) {
  first_order *s = state;
  uat_optimizer_params op;
  uat_train_params tp;
  uat_fit_first_order_setup(pb->p, pb->d, &op, &tp);
  s->m = pb->m;
  s->d = pb->d;
  s->res = pb->res;
  s->o = uat_optimizer_alloc(&op, pb->m->n_params);
  s->t = uat_trainer_alloc(pb->m, &tp, pb->d->n);
  s->r = uat_rng_alloc(pb->p->seed); /* shuffles mini-batches */
  return s->o && s->t && s->r ? UAT_OK : UAT_ENOMEM;
}

static int fo_iterate(void *state, double *rmse, int *converged) {
  first_order *s = state;
  (void)converged;
  double loss;
  const int st = uat_trainer_epoch(s->t, s->m, s->o, s->d, s->r, &loss);
  if (st != UAT_OK) return st;
  s->res->evaluations++;
  *rmse = sqrt(loss);
  return UAT_OK;
}

static void fo_free(void *state) {
  first_order *s = state;
  gsl_rng_free(s->r);
  uat_trainer_free(s->t);
  uat_optimizer_free(s->o);
}

const uat_fit_type uat_fit_type_adam = {
    "adam",
    "Adam (Kingma & Ba), learning rate 1e-3, full batch unless --batch",
    10000,
    UAT_FIT_LANES,
    sizeof(first_order),
    fo_alloc,
    fo_iterate,
    NULL,
    fo_free};

const uat_fit_type uat_fit_type_sgd = {"sgd",
                                       "gradient descent with momentum 0.9, learning rate 1e-2",
                                       10000,
                                       UAT_FIT_LANES,
                                       sizeof(first_order),
                                       fo_alloc,
                                       fo_iterate,
                                       NULL,
                                       fo_free};
