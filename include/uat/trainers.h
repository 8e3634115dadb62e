/* trainers.h — training a network to a target with the whole toolbox: first-order optimizers,
 * iRPROP-, L-BFGS (GSL), Levenberg-Marquardt (GSL multifit_nlinear), variable projection, and
 * boosting. All work on the network's flat parameter vector. */
#ifndef UAT_TRAINERS_H
#define UAT_TRAINERS_H

#include <stddef.h>

#include "uat/data.h"
#include "uat/mlp.h"
#include "uat/status.h"

typedef enum {
  UAT_FIT_ADAM = 0, /**< Adam, full batch unless batch is set */
  UAT_FIT_SGD,      /**< SGD with momentum 0.9 */
  UAT_FIT_RPROP,    /**< iRPROP- (Igel & Huesken), full batch: FANN's default trainer */
  UAT_FIT_LBFGS,    /**< GSL's vector_bfgs2 on the MSE, gradient by backpropagation */
  UAT_FIT_LM,       /**< Levenberg-Marquardt (GSL trust region, Jacobian by backpropagation) */
  UAT_FIT_VARPRO,   /**< variable projection: the linear last layer solved exactly (SVD) at every
                         step, Levenberg-Marquardt on the hidden parameters with Kaufman's
                         Jacobian */
  UAT_FIT_KIND_COUNT
} uat_fit_kind;

const char *uat_fit_kind_name(uat_fit_kind k);
int uat_fit_kind_parse(const char *name, uat_fit_kind *k);

/** Why training stopped. */
typedef enum {
  UAT_FITSTOP_TARGET = 0, /**< training RMSE reached target_rmse */
  UAT_FITSTOP_ITER,       /**< iteration budget used up */
  UAT_FITSTOP_TIME,       /**< time budget used up */
  UAT_FITSTOP_PLATEAU,    /**< RMSE improved by less than plateau_rel over plateau_window */
  UAT_FITSTOP_CONVERGED,  /**< the method's own convergence test (step or gradient tiny) */
  UAT_FITSTOP_DIVERGED,   /**< NaN or Inf: the parameters are not a result */
  UAT_FITSTOP_COUNT
} uat_fit_stop;

const char *uat_fit_stop_name(uat_fit_stop s);

typedef struct {
  uat_fit_kind kind;
  size_t max_iter;       /**< epochs (first-order, rprop) or iterations (lbfgs, lm, varpro) */
  double max_seconds;    /**< 0: no time budget (runs are then deterministic) */
  double target_rmse;    /**< stop at this training RMSE; 0: none */
  double plateau_rel;    /**< plateau: relative improvement below this ... */
  size_t plateau_window; /**< ... over this many iterations; 0: no plateau test */
  double lr;             /**< learning rate (adam, sgd); 0: the default (1e-3, 1e-2) */
  size_t batch;          /**< first-order batch size; 0: full batch */
  unsigned long seed;    /**< shuffling of mini-batches */
  size_t boost;          /**< members: 1 plain; 2 or more fits each next member to the rescaled
                              residual of the sum so far */
} uat_fit_params;

/** Adam, 10000 iterations, no time budget, no target, no plateau test, full batch. Per kind,
 *  uat_fit_default_iterations gives a sensible budget. */
uat_fit_params uat_fit_default_params(uat_fit_kind kind);

typedef struct {
  size_t iterations;   /**< iterations (or epochs) done, over all members */
  size_t evaluations;  /**< forward passes over the training set (function evaluations) */
  double rmse;         /**< final training RMSE */
  double seconds;      /**< wall time */
  double eval_seconds; /**< lm, varpro: wall time inside residual and Jacobian evaluations (the
                            rest is GSL's trust-region solver) */
  uat_fit_stop stop;   /**< why the (last member's) training stopped */
  double *history;     /**< optional: training RMSE after each iteration (caller's array) */
  size_t history_cap;  /**< its capacity */
  size_t history_len;  /**< entries written */
} uat_fit_result;

/** Whether two parameter sets agree in everything but the seed. */
int uat_fit_params_same_but_seed(const uat_fit_params *a, const uat_fit_params *b);

/** Whether uat_fit_train_lanes can train fits with parameters p on d side by side: Adam or
 *  SGD, no boosting, no time budget, no shuffled mini-batches. */
int uat_fit_lanes_possible(const uat_fit_params *p, const uat_dataset *d);

/** Train n networks of one shape on the same data d, with parameters p[0..n) that differ at
 *  most in their seed, side by side in SIMD lanes (uat/lanes.h): every m[k], res[k], status[k]
 *  (and err[k]) exactly as uat_fit_train(&m[k], d, &p[k], &res[k], &err[k]) would leave them,
 *  except res[k].seconds, the lanes' time divided by n. Returns UAT_OK when it trained (see
 *  status[] for each fit), UAT_EINVAL when these fits cannot go side by side (nothing is done:
 *  train them one by one), UAT_ENOMEM. */
int uat_fit_train_lanes(size_t n, uat_mlp **m, const uat_dataset *d, const uat_fit_params *p,
                        uat_fit_result *res, int *status, uat_error *err);

/** Variable projection's evaluation at one point, on its own: for hidden parameters theta
 *  (the first uat_varpro_nparams of the network's), the optimal linear last layer (truncated
 *  SVD), the residuals f (n*out, output-major) and Kaufman's reduced Jacobian J (n*out x np,
 *  row-major) — what the varpro trainer hands GSL's trust-region solver at each point. The
 *  network m is changed (its theta) and must outlive the object. */
typedef struct uat_varpro uat_varpro;
uat_varpro *uat_varpro_alloc(uat_mlp *m, const uat_dataset *d);
void uat_varpro_free(uat_varpro *v);
size_t uat_varpro_nparams(const uat_varpro *v);
/** Evaluate at theta; *f and *J (either may be NULL) point into v. UAT_OK, or UAT_EDIVERGED
 *  for non-finite residuals or a failed SVD. */
int uat_varpro_eval(uat_varpro *v, const double *theta, const double **f, const double **J);

/** Train m (initialised by the caller) on d. The network's last layer must be linear
 *  (identity) for varpro. With boost > 1, *m is replaced by one network that holds all members
 *  side by side (block-diagonal hidden layers, summed outputs): the same function as the sum.
 *  Returns UAT_OK, UAT_EDIVERGED (stop = diverged), UAT_EINVAL, UAT_ENOMEM. */
int uat_fit_train(uat_mlp **m, const uat_dataset *d, const uat_fit_params *p, uat_fit_result *res,
                  uat_error *err);

/** Training RMSE of m on d. */
double uat_fit_rmse(const uat_mlp *m, const uat_dataset *d);

/** A network computing a(x) + scale * b(x) for two networks with the same layer count, input and
 *  output widths: hidden layers side by side, block-diagonal weights, outputs summed. */
uat_mlp *uat_mlp_sum(const uat_mlp *a, const uat_mlp *b, double scale);

#endif
