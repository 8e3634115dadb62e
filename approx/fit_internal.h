/* fit_internal.h — what the trainer files share with the driver (fit.c). */
#ifndef UAT_FIT_INTERNAL_H
#define UAT_FIT_INTERNAL_H

#include "uat/optim.h"
#include "uat/train.h"
#include "uat/trainers.h"

/* The rows of the table (approx/fit_types.c), one file each. */
extern const uat_fit_type uat_fit_type_adam, uat_fit_type_sgd, uat_fit_type_rprop,
    uat_fit_type_lbfgs, uat_fit_type_bfgs, uat_fit_type_lm, uat_fit_type_varpro,
    uat_fit_type_perceptron, uat_fit_type_lms, uat_fit_type_cmaes, uat_fit_type_ga;

/* The MSE over the whole training set and its gradient at m->theta: rprop, lbfgs, bfgs. */
typedef struct {
  uat_mlp *m;
  const uat_dataset *d;
  uat_mlp_workspace *w;
  double *dy;
  uat_loss loss;
  uat_fit_result *res; /* counts evaluations */
} uat_fit_batch;

int uat_fit_batch_alloc(uat_fit_batch *b, const uat_fit_problem *pb);
void uat_fit_batch_free(uat_fit_batch *b);
/* The loss (MSE unless the parameters chose another) at m->theta; the gradient into grad when
 * not NULL. */
double uat_fit_batch_mse(uat_fit_batch *b, double *grad);

/* The optimizer and loop settings of a first-order fit (one network, or many in lanes). */
void uat_fit_first_order_setup(const uat_fit_params *p, const uat_dataset *d,
                               uat_optimizer_params *op, uat_train_params *tp);

#endif
