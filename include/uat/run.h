/* run.h — one approximation run: target, points, network, trainer, report. `uat fit` runs one;
 * `uat sweep` runs many, with identical results for identical specifications. */
#ifndef UAT_RUN_H
#define UAT_RUN_H

#include "uat/fitreport.h"
#include "uat/init.h"
#include "uat/io.h"
#include "uat/target.h"
#include "uat/trainers.h"

typedef struct {
  const char *target;     /**< target spec (target.h) */
  const char *domain;     /**< domain, or NULL for the default */
  size_t n_hidden;        /**< hidden layers: as many as the input asks for */
  const size_t *hidden;   /**< their widths (n_hidden, the caller's array), or NULL: every hidden
                               layer is `width` wide */
  size_t width;           /**< the hidden width when hidden is NULL */
  uat_activation act;     /**< hidden activation */
  uat_activation out_act; /**< output activation (identity, the default: a linear output layer;
                               another, e.g. sigmoid, trains on unstandardised outputs) */
  uat_init_spec init;     /**< initialiser */
  uat_fit_params fit;     /**< trainer, budgets, boosting; fit.seed is set from seed */
  uat_points points;      /**< training points */
  size_t train_n, test_n; /**< training points, test points (the test set is a denser grid) */
  unsigned long seed;     /**< network initialisation and random points */
  double *history;        /**< optional: training RMSE per iteration (normalised units) */
  size_t history_cap;     /**< its capacity */
  double *history_mean;   /**< optional (capacity history_cap): the generations' mean (ga,
                               cmaes) */
  size_t max_memory;      /**< bytes a run may need (uat_run_memory); 0: no budget */
  int raw;                /**< 0 (default): train on inputs mapped to [-1, 1] and standardised
                               outputs, then fold both maps into the first and last layers, so
                               the model works in the target's own units; 1: train as is */
  int no_bias;            /**< 1: bias-free layers (uat_mlp.no_bias), trained as is (raw: the
                               maps could not be folded without a bias) */
} uat_run_spec;

/** The width of hidden layer l of s. */
size_t uat_run_spec_hidden(const uat_run_spec *s, size_t l);

/** One hidden layer 32 wide, 256 training points on a grid, test 2001 (1-D) or 101^2 (2-D) or 11^n,
 * tanh, PyTorch init, Adam. */
void uat_run_spec_defaults(uat_run_spec *s);

typedef struct {
  size_t params;
  size_t train_points; /**< the training set's size */
  uat_fit_result fit;
  uat_fit_report report;
} uat_run_result;

/** Run s. *model receives the trained network (NULL to discard it). A diverged run returns
 *  UAT_EDIVERGED with r->fit.stop = diverged and no model. */
int uat_run(const uat_run_spec *s, uat_mlp **model, uat_run_result *r, uat_error *err);

/** Runs s[0..n) that may differ only in their seed (the seeds of one cell of a sweep): with
 *  Adam or SGD, full batches and points that do not depend on the seed they train side by side
 *  in SIMD lanes (uat_fit_train_lanes), otherwise one after the other. Either way status[k],
 *  r[k], models[k] (when models is not NULL) and err[k] are exactly what uat_run(&s[k], ...)
 *  gives, except r[k].fit.seconds (the lanes' time shared out). Returns UAT_OK, or
 *  UAT_ENOMEM. */
int uat_run_seeds(size_t n, const uat_run_spec *s, uat_mlp **models, uat_run_result *r, int *status,
                  uat_error *err);

/** About how many bytes run s needs with in inputs and out outputs: parameters and optimizer
 *  state, forward and backward buffers, data sets, the least-squares trainers' Jacobian and
 *  the loss history (an upper estimate; saturates at SIZE_MAX). uat_run refuses a run above
 *  s->max_memory before allocating anything. */
size_t uat_run_memory(const uat_run_spec *s, size_t in, size_t out);

/** Half the physical memory: the default budget of the command line (--max-memory). */
size_t uat_default_memory_budget(void);

/** The provenance of a model trained by s (uat/io.h): s's target, the domain it trained on
 *  with exact bounds, the trainer, the seed, the uat version and commit. UAT_OK, or
 *  UAT_ENOMEM / an error of the target's (the strings are then freed); free info with
 *  uat_model_info_free. */
int uat_run_model_info(const uat_run_spec *s, uat_model_info *info, uat_error *err);

/** Test points for a target of in inputs when s->test_n is 0. */
size_t uat_run_default_test(size_t in);

#endif
