/* uat/adapt.h — adaptive learning: a target that drifts in time, streamed one sample at a time,
 * tracked by a network that keeps learning (online gradient steps: without a hidden layer
 * exactly Widrow and Hoff's LMS rule, the Adaline's) against the same network frozen after
 * training once; and LMS's steady-state misadjustment against theory. */
#ifndef UAT_ADAPT_H
#define UAT_ADAPT_H

#include <stddef.h>

#include "uat/mlp.h"
#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  const char *target; /**< an expression in the inputs and the time t: "sin(x + 0.1*t)" */
  const char *domain; /**< the inputs' box, "x=-pi:pi" (t is not part of it) */
  size_t steps;       /**< samples streamed, one per time step (20000) */
  double dt;          /**< time between samples: sample k is taken at t = k dt (0.01) */
  size_t n_hidden;    /**< hidden layers (0: one linear neuron, the Adaline) ... */
  size_t width;       /**< ... each this wide (16) */
  uat_activation act; /**< hidden activation (tanh) */
  double lr;          /**< the online step size: LMS's mu without hidden layers (0.01) */
  size_t pretrain;    /**< L-BFGS iterations fitting the target at t = 0 on a grid of 256
                           points: both learners start from that network (500) */
  size_t window;      /**< errors are reported as RMS over windows of this many samples (500) */
  double noise;       /**< standard deviation of Gaussian noise on every streamed sample (0) */
  unsigned long seed; /**< initialisation, the inputs drawn, the noise (0) */
} uat_adapt_spec;

/** The defaults above, for target and domain NULL (the caller sets them). */
void uat_adapt_spec_defaults(uat_adapt_spec *s);

typedef struct {
  size_t windows;     /**< steps / window */
  double *t;          /**< the time at each window's end */
  double *online;     /**< RMS of the learning network's errors in the window, each error taken
                           on the new sample before the step that learns from it */
  double *frozen;     /**< RMS of the frozen network's errors on the same samples */
  double online_late; /**< RMS over the second half of the stream: online ... */
  double frozen_late; /**< ... and frozen */
  uat_mlp *model;     /**< the online network at the end (owned; uat_adapt_result_free) */
} uat_adapt_result;

/** Stream s->steps samples (x uniform in the domain) of the target at t = k dt; both learners
 *  predict each one, then the online learner takes one gradient step on half its squared error.
 *  Returns UAT_OK, UAT_EFORMAT (target or domain, err says where), UAT_EDIVERGED (the online
 *  network's error became non-finite: err gives the step), UAT_ENOMEM. */
int uat_adapt_run(const uat_adapt_spec *s, uat_adapt_result *r, uat_error *err);

/** Free the result's arrays and model; NULL fields are accepted. */
void uat_adapt_result_free(uat_adapt_result *r);

/** LMS on a stationary linear target with noise: d = w*.x + b* + noise, x uniform on [-1, 1]^n,
 *  started at the optimum and run for steps samples (the first burn_in not counted). */
typedef struct {
  size_t inputs;  /**< n (2) */
  double mu;      /**< the step size (0.05) */
  double noise;   /**< the noise's standard deviation sigma (0.1) */
  size_t steps;   /**< samples (1000000) */
  size_t burn_in; /**< samples before measuring (10000) */
  unsigned long seed;
} uat_misadjustment_spec;

void uat_misadjustment_spec_defaults(uat_misadjustment_spec *s);

typedef struct {
  double trace_r;   /**< tr R of the input correlation matrix R = E[u u^T], u = (x, 1):
                         n/3 + 1 */
  double theory;    /**< M = (mu/2) tr R / (1 - (mu/2) tr R): Widrow and Stearns' mu tr R / (1 - mu
                         tr R) for their update w += 2 mu e x, here written for w += mu e x */
  double measured;  /**< the mean excess error (w - w*)^T R (w - w*) over the measured samples,
                         divided by sigma^2 (R known exactly, so no noise enters) */
  double mse_ratio; /**< the mean squared error over the measured samples divided by sigma^2,
                         minus 1: the same misadjustment from the errors themselves (noisier) */
} uat_misadjustment;

/** Run it. UAT_OK, UAT_EINVAL (inputs 0 or above 16, mu not positive, steps <= burn_in). */
int uat_misadjustment_run(const uat_misadjustment_spec *s, uat_misadjustment *m, uat_error *err);

#ifdef __cplusplus
}
#endif
#endif
