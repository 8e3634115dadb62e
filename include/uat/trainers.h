/* uat/trainers.h — training a network to a target with the whole toolbox: first-order
 * optimizers, iRPROP-, limited-memory BFGS, GSL's BFGS, Levenberg-Marquardt (GSL
 * multifit_nlinear), variable projection, and boosting. All work on the network's flat
 * parameter vector.
 *
 * The trainers are a table of types, the way GSL's minimizers are (gsl_multimin_fdfminimizer_type):
 * each has a name, its default budget, and alloc / iterate / finish / free functions on a state
 * of its own. uat_fit_train drives any of them through one loop with one set of stopping rules
 * (target, iterations, time, plateau, the method's own convergence, divergence). Adding a
 * trainer is one file defining a uat_fit_type plus one row in the table (approx/fit_types.c):
 * the command line, experiment files and `uat fit --list-trainers` find it by name. */
#ifndef UAT_TRAINERS_H
#define UAT_TRAINERS_H

#include <stddef.h>

#include "uat/data.h"
#include "uat/ga.h"
#include "uat/mlp.h"
#include "uat/status.h"
#include "uat/train.h"

#ifdef __cplusplus
extern "C" {
#ifdef __cplusplus
}
#endif
#endif

/** The built-in trainers: indices into the table (uat_fit_type_get). A trainer added to the
 *  table after these is reached by name (uat_fit_kind_parse). */
typedef enum {
  UAT_FIT_ADAM = 0,   /**< Adam, full batch unless batch is set */
  UAT_FIT_SGD,        /**< SGD with momentum 0.9 */
  UAT_FIT_RPROP,      /**< iRPROP- (Igel & Huesken), full batch: FANN's default trainer */
  UAT_FIT_LBFGS,      /**< limited-memory BFGS (two-loop recursion, strong Wolfe line search) */
  UAT_FIT_BFGS,       /**< GSL's vector_bfgs2 (Fletcher's BFGS with a dense inverse Hessian) */
  UAT_FIT_LM,         /**< Levenberg-Marquardt (GSL trust region, Jacobian by backpropagation) */
  UAT_FIT_VARPRO,     /**< variable projection: the linear last layer solved exactly (SVD) at every
                           step, Levenberg-Marquardt on the hidden parameters with Kaufman's
                           Jacobian */
  UAT_FIT_PERCEPTRON, /**< Rosenblatt's perceptron rule (networks without a hidden layer) */
  UAT_FIT_LMS,        /**< Widrow and Hoff's LMS (Adaline) rule, online, networks without a hidden
                           layer */
  UAT_FIT_CMAES,      /**< CMA-ES: no gradients */
  UAT_FIT_GA          /**< a genetic algorithm: no gradients */
} uat_fit_kind;

/** Trainers in the table (the built-ins and any added after them). */
size_t uat_fit_kind_count(void);

/** The table's name of trainer k ("adam", "sgd", "rprop", "lbfgs", "bfgs", "lm", "varpro"),
 *  "unknown" outside the table. */
const char *uat_fit_kind_name(uat_fit_kind k);

/** The trainer called name: UAT_OK, or UAT_ENOTFOUND. */
int uat_fit_kind_parse(const char *name, uat_fit_kind *k);

/** The trainers' names separated by ", " into buf (for messages and help texts). */
void uat_fit_kind_list(char *buf, size_t len);

/** The trainers' tuning values: what the literature or the peer tools choose, in one place
 *  (uat_fit_default_params fills them); a trainer reads only its own. */
typedef struct {
  /* rprop: iRPROP- step sizes (Igel & Huesken; FANN's values) */
  double rprop_delta0;    /**< initial step, 0.1 */
  double rprop_eta_plus;  /**< growth on an unchanged gradient sign, 1.2 */
  double rprop_eta_minus; /**< shrink on a sign change, 0.5 */
  double rprop_delta_max; /**< 50 */
  double rprop_delta_min; /**< 1e-6 */
  /* bfgs: GSL's vector_bfgs2 */
  double bfgs_step; /**< first trial step, 0.01 */
  double bfgs_tol;  /**< line search accuracy (sigma), 0.1 */
  double bfgs_gtol; /**< converged when |gradient| < this, 1e-15 */
  /* lbfgs */
  size_t lbfgs_m;      /**< correction pairs kept (history), 10 as SciPy's L-BFGS-B */
  double lbfgs_c1;     /**< sufficient decrease (Armijo) constant, 1e-4 */
  double lbfgs_c2;     /**< curvature constant of the strong Wolfe conditions, 0.9 */
  size_t lbfgs_max_ls; /**< function evaluations per line search, 20 as SciPy */
  double lbfgs_gtol;   /**< converged when max |gradient_i| <= this, 1e-15 */
  double lbfgs_ftol;   /**< ... or when the loss changes by <= ftol * max(|f|, 1), 0 */
  /* lm, varpro: GSL's trust-region solver */
  double lsq_xtol;     /**< converged when the step is below this (relative), 1e-15 */
  size_t lm_geodesic;  /**< lm: 1 for geodesic acceleration (Transtrum & Sethna), 1 */
  double varpro_rcond; /**< varpro: singular values below this times the largest are 0, 1e-13 */
  unsigned long boost_seed_step; /**< boosting: member k starts from seed + k * this, 1000003 */
  /* cmaes: Hansen's CMA-ES with IPOP restarts */
  double cmaes_sigma0;       /**< initial step size, 0.5 */
  size_t cmaes_lambda;       /**< population; 0: 4 + floor(3 ln n) (Hansen's default) */
  size_t cmaes_full_max;     /**< above this many parameters C is diagonal (sep-CMA), 200 */
  size_t cmaes_max_restarts; /**< IPOP restarts, each doubling the population, 9 */
  double cmaes_tolfun;       /**< restart when the best losses vary less than this, 1e-12 */
  double cmaes_tolx;         /**< ... or the step sigma max(D) is below this, 1e-12 */
  /* ga: a genetic algorithm with PyGAD's choices and defaults */
  size_t ga_population;    /**< solutions per generation (PyGAD sol_per_pop), 50 */
  size_t ga_parents;       /**< parents mating (num_parents_mating), population / 2 if 0 */
  int ga_selection;        /**< UAT_GA_SSS (steady state, PyGAD's default), _TOURNAMENT, _RANK */
  size_t ga_tournament;    /**< tournament size, 3 (PyGAD K_tournament) */
  int ga_crossover;        /**< UAT_GA_SINGLE_POINT (PyGAD's default) or UAT_GA_UNIFORM */
  int ga_mutation;         /**< UAT_GA_RANDOM (PyGAD's default: add uniform [-1, 1]),
                                UAT_GA_GAUSSIAN (add N(0, ga_mutation_sd)), UAT_GA_ADAPTIVE */
  double ga_mutation_rate; /**< fraction of genes mutated, 0.1 (PyGAD's 10%); adaptive: for
                                solutions below the mean, twice this for them */
  double ga_mutation_sd;   /**< gaussian mutation's standard deviation, 0.5 */
  size_t ga_elitism;       /**< best solutions kept as they are, 1 (PyGAD keep_elitism) */
  double ga_init_low, ga_init_high; /**< the first population uniform in [low, high] around
                                         nothing (PyGAD's -4, 4); solution 0 is the network */
} uat_fit_tuning;

typedef struct {
  uat_fit_kind kind;
  size_t max_iter;       /**< epochs (first-order, rprop) or iterations (lbfgs, bfgs, lm, varpro) */
  double max_seconds;    /**< 0: no time budget (runs are then deterministic) */
  double target_rmse;    /**< stop at this training RMSE; 0: none */
  double plateau_rel;    /**< plateau: relative improvement below this ... */
  size_t plateau_window; /**< ... over this many iterations; 0: no plateau test */
  double lr;             /**< learning rate (adam, sgd); 0: the default (1e-3, 1e-2) */
  size_t batch;          /**< first-order batch size; 0: full batch */
  unsigned long seed;    /**< shuffling of mini-batches */
  size_t boost;          /**< members: 1 plain; 2 or more fits each next member to the rescaled
                              residual of the sum so far */
  uat_loss loss;         /**< what the gradient trainers minimise (uat/loss.h): mse (the
                              default), half-mse, bce or ce (on logits, uat_mlp_loss); the
                              least-squares trainers (lm, varpro) take mse only, and an
                              iteration's reported value is the root of the loss */
  uat_fit_tuning tune;   /**< the trainers' tuning values */
  /** called after every iteration with its number (over all boosting members) and the
   *  training RMSE (in the units the trainer sees); NULL: none. It must not change the fit. */
  void (*progress)(void *ctx, size_t iteration, double rmse);
  void *progress_ctx;
} uat_fit_params;

/** Set one tuning value by its field name ("rprop_delta0", "lbfgs_m", "cmaes_sigma0",
 *  "ga_mutation_rate", ...; the ga_selection, ga_crossover and ga_mutation fields take the
 *  names sss, tournament, rank; single_point, uniform; random, gaussian, adaptive). Returns
 *  UAT_OK, or UAT_ENOTFOUND (no such field) / UAT_EINVAL (not a valid value) with err saying
 *  what was expected. */
int uat_fit_tuning_set(uat_fit_tuning *t, const char *name, const char *value, uat_error *err);

/** The same from "NAME=VALUE" (the form of `--tune`): UAT_EINVAL with `expected KEY=VALUE` when
 *  there is no '=' or no name, else as uat_fit_tuning_set. */
int uat_fit_tuning_set_pair(uat_fit_tuning *t, const char *pair, uat_error *err);

/** The tuning fields' names separated by ", " into buf. */
void uat_fit_tuning_list(char *buf, size_t len);

/** Trainer kind with its default budget (its type's default_max_iter), no time budget, no
 *  target, no plateau test, full batch, no boosting, the default tuning values. */
uat_fit_params uat_fit_default_params(uat_fit_kind kind);

/** Switch p to trainer kind as `--trainer` does: that trainer's defaults and tuning, keeping
 *  what does not belong to a trainer (boost, target RMSE, time budget, plateau test, learning
 *  rate, batch, loss) and, when keep_max_iter, the iteration budget. */
void uat_fit_params_switch(uat_fit_params *p, uat_fit_kind kind, int keep_max_iter);

typedef struct {
  size_t iterations;    /**< iterations (or epochs) done, over all members */
  size_t evaluations;   /**< forward passes over the training set (function evaluations) */
  size_t updates;       /**< perceptron: weight updates (mistakes); lms: samples seen */
  double rmse;          /**< final training RMSE */
  double seconds;       /**< wall time */
  double eval_seconds;  /**< lm, varpro: wall time inside residual and Jacobian evaluations (the
                             rest is GSL's trust-region solver) */
  uat_stop_reason stop; /**< why the (last member's) training stopped */
  double *history;      /**< optional: training RMSE after each iteration (caller's array) */
  double *history_mean; /**< optional, with history: ga and cmaes record the root of each
                             generation's mean loss here (the best is in history) */
  size_t history_cap;   /**< its capacity */
  size_t history_len;   /**< entries written */
} uat_fit_result;

/* ---- the trainer table ---------------------------------------------------------------------- */

/** What a trainer works on: the network (its theta is the trainer's to change), the data, the
 *  parameters, and the result whose counters (evaluations, eval_seconds) it keeps up. */
typedef struct {
  uat_mlp *m;
  const uat_dataset *d;
  const uat_fit_params *p;
  uat_fit_result *res;
} uat_fit_problem;

/** What a trainer needs of the network and the data (checked before alloc). */
enum {
  UAT_FIT_NEEDS_LINEAR_OUTPUT = 1, /**< a hidden layer and an identity output layer */
  UAT_FIT_NEEDS_RESIDUALS = 2,     /**< at least as many residuals (points x outputs) as the
                                        parameters it optimises (least squares) */
  UAT_FIT_LANES = 4,               /**< first-order: may train side by side in SIMD lanes */
  UAT_FIT_NEEDS_SINGLE_LAYER = 8   /**< no hidden layer (the perceptron rule) */
};

/** A trainer. iterate does one iteration (an epoch for first-order methods) and gives the
 *  training RMSE at the point it reports; it sets *converged when the method's own test says
 *  it cannot improve further. It returns UAT_OK, UAT_EDIVERGED (non-finite values: training
 *  stops as diverged) or UAT_ENOMEM / UAT_ESOLVER. finish (may be NULL) leaves the network at
 *  the trainer's final point when that is not already in m->theta. */
typedef struct {
  const char *name;
  const char *summary;     /**< one line for help texts */
  size_t default_max_iter; /**< the budget uat_fit_default_params gives */
  unsigned needs;          /**< UAT_FIT_NEEDS_* and UAT_FIT_LANES */
  size_t state_size;       /**< bytes of the state alloc receives (zeroed) */
  int (*alloc)(void *state, const uat_fit_problem *pb);
  int (*iterate)(void *state, double *rmse, int *converged);
  void (*finish)(void *state);
  void (*free)(void *state); /**< frees what alloc allocated, also after a failed alloc */
} uat_fit_type;

/** Row k of the table (NULL outside it). */
const uat_fit_type *uat_fit_type_get(uat_fit_kind k);

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

#ifdef __cplusplus
}
#endif
#endif
