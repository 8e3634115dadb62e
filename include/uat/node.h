/* uat/node.h — neural ODEs: a network vector field y' = N_theta(y) (plus, optionally, a known
 * part: the hybrid or universal-differential-equation form) fitted to observations of a
 * trajectory. Residuals y(t_k) - obs_k with their exact Jacobian from CVODES forward
 * sensitivities feed Levenberg-Marquardt; the loss gradient, from the sensitivities or from the
 * adjoint method, feeds Adam and L-BFGS. Multiple shooting splits long horizons into segments
 * whose initial states are parameters, joined by continuity residuals. docs/neural-ode.md. */
#ifndef UAT_NODE_H
#define UAT_NODE_H

#include "uat/mlp.h"
#include "uat/ode.h"
#include "uat/rollout.h"
#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The data and the model's form. */
typedef struct {
  const uat_ode_system *like;  /**< names and dimension of the states */
  const uat_ode_system *known; /**< NULL, or a known part added to the network (rhs + jac) */
  const double *known_params;  /**< its parameters */
  size_t n;                    /**< observations, at least 2 */
  const double *times;         /**< n increasing times */
  const double *obs;           /**< n x dim observed states */
  size_t segments;   /**< multiple shooting: segments of the observations (0 or 1: single) */
  double continuity; /**< weight of the continuity residuals between segments (0: 1) */
  double ridge;      /**< lambda of the penalty lambda |theta|^2 (residuals sqrt(lambda) theta) */
  int fit_y0;        /**< the initial state is a parameter (else the first observation) */
} uat_node_problem;

typedef enum {
  UAT_NODE_LM = 0,    /**< Levenberg-Marquardt on the residuals (GSL trust region) */
  UAT_NODE_ADAM,      /**< Adam on the loss */
  UAT_NODE_LBFGS,     /**< L-BFGS on the loss */
  UAT_NODE_ADAM_LBFGS /**< Adam, then L-BFGS from where it ended (the UDE recipe) */
} uat_node_trainer;

/** How the loss gradient is computed for Adam and L-BFGS (LM always uses the sensitivities). */
typedef enum {
  UAT_NODE_GRAD_AUTO = 0, /**< adjoint for single shooting above 5000 parameters, else forward */
  UAT_NODE_GRAD_FORWARD,  /**< J^T r from the forward sensitivities */
  UAT_NODE_GRAD_ADJOINT   /**< the adjoint method (single shooting only) */
} uat_node_gradient;

int uat_node_trainer_parse(const char *name, uat_node_trainer *t);
const char *uat_node_trainer_name(uat_node_trainer t);
int uat_node_gradient_parse(const char *name, uat_node_gradient *g);
const char *uat_node_gradient_name(uat_node_gradient g);

typedef struct {
  uat_node_trainer trainer;
  size_t iterations; /**< LM or L-BFGS iterations (100) */
  size_t adam_steps; /**< Adam steps (adam, adam+lbfgs: 300) */
  double adam_lr;    /**< Adam's learning rate (0.01) */
  uat_node_gradient gradient;
  double rtol; /**< CVODES relative tolerance of the fits' solves (1e-10; atol rtol/100) */
  uat_ode_method method; /**< UAT_ODE_ADAMS (default): Adams solves, sensitivities as one
                              augmented system (uat_ode_sens_aug); UAT_ODE_BDF, for stiff
                              systems: BDF solves, CVODES' staggered sensitivities */
} uat_node_params;

uat_node_params uat_node_default_params(void);

typedef struct {
  size_t iterations;          /**< LM/L-BFGS iterations, plus Adam's steps */
  double rmse;                /**< RMS of y(t_k) - obs_k over the observations the segments fit */
  double loss;                /**< 1/2 the sum of squared residuals, penalties included */
  size_t sens_solves;         /**< solves with sensitivities or adjoints */
  size_t solves;              /**< solves without */
  uat_node_gradient gradient; /**< the gradient used (forward or adjoint) */
} uat_node_result;

/** A fit of m (dim -> dim, initialised; kept, not copied: its parameters are the fit's) to the
 *  problem (kept: its arrays must outlive the object). */
typedef struct uat_node uat_node;
uat_node *uat_node_alloc(uat_mlp *m, const uat_node_problem *pb, const uat_node_params *par,
                         uat_error *err);
void uat_node_free(uat_node *nd);

/** The parameter vector x = [theta | y0 (fit_y0) | initial states of segments 2..S], its
 *  length, the number of residuals, and x now (from the network and the observations). */
size_t uat_node_size(const uat_node *nd);
size_t uat_node_residual_count(const uat_node *nd);
void uat_node_get(const uat_node *nd, double *x);

/** Residuals at x (uat_node_residual_count values): data, initial-state data, continuity,
 *  ridge, in that order; and with J not NULL their Jacobian (rows x uat_node_size,
 *  row-major) from the sensitivities. Sets the network's parameters to x's. */
int uat_node_residuals(uat_node *nd, const double *x, double *r, double *J, uat_error *err);

/** Loss 1/2 |r|^2 and its gradient (uat_node_size values) at x, by the sensitivities or the
 *  adjoint (how: AUTO chooses as documented above; the adjoint refuses multiple shooting). */
int uat_node_loss(uat_node *nd, const double *x, uat_node_gradient how, double *loss, double *g,
                  uat_error *err);

/** Train: x from uat_node_get, the trainer of the params given at alloc; the network (and the
 *  fitted initial state) receive the result. */
int uat_node_fit(uat_node *nd, uat_node_result *r, uat_error *err);

/** The initial state of the model (dim values): the fitted one, or the first observation. */
const double *uat_node_y0(const uat_node *nd);

/** Set the model's initial state (the fit's start when it is a parameter). */
void uat_node_set_y0(uat_node *nd, const double *y0);

/** A fit of m to the observations in one call: single shooting from obs[0],
 *  Levenberg-Marquardt with ridge (> 0), at most max_iter iterations. */
int uat_node_fit_lm(uat_mlp *m, const uat_ode_system *like, size_t n, const double *times,
                    const double *obs, size_t max_iter, double ridge, uat_node_result *r,
                    uat_error *err);

/** A starting point: fit m to the central-difference slopes of the observations minus the
 *  known part there (known may be NULL), by Levenberg-Marquardt, at most max_iter iterations.
 *  Needs equally spaced times. *rmse (may be NULL) receives the slopes' fit. */
int uat_node_init_collocation(uat_mlp **m, size_t n, size_t dim, const double *times,
                              const double *obs, const uat_ode_system *known,
                              const double *known_params, size_t max_iter, double *rmse,
                              uat_error *err);

/** Scale a freshly initialised m (dim -> dim) to the data: inputs standardised by the
 *  observations' mean and standard deviation, outputs by the standard deviation of their
 *  slopes (so a tanh network starts in its working range whatever the units). */
void uat_node_scale_init(uat_mlp *m, size_t n, const double *times, const double *obs);

/** The learned system's solution (known part included, may be NULL) from y0 at the n times
 *  (BDF, rtol 1e-12) into y (n x dim). */
int uat_node_solve(const uat_mlp *m, const uat_ode_system *like, const uat_ode_system *known,
                   const double *known_params, const double *y0, size_t n, const double *times,
                   double *y, uat_error *err);

/** sqrt(sum |y - truth|^2 / sum |truth|^2) of the learned system's solution (known part
 *  included, may be NULL) from y0 (CVODE, rtol 1e-12) at the n times, against truth
 *  (n x dim). */
int uat_node_trajectory_error(const uat_mlp *m, const uat_ode_system *like,
                              const uat_ode_system *known, const double *known_params,
                              const double *y0, size_t n, const double *times, const double *truth,
                              double *error, uat_error *err);

/** How observation noise scales. */
typedef enum {
  UAT_NODE_NOISE_MEAN = 0, /**< sigma = noise x the state's mean magnitude over the times, the
                                same for every observation of it (the UDE paper's data) */
  UAT_NODE_NOISE_RELATIVE  /**< each observation y (1 + noise eps): proportional to its value */
} uat_node_noise;

int uat_node_noise_parse(const char *name, uat_node_noise *kind);
const char *uat_node_noise_name(uat_node_noise kind);

/** Observations of a system: the solution from y0 (NULL: its default) at the n times
 *  (CVODE, rtol 1e-12) into truth (n x dim), and obs = truth plus Gaussian noise of the kind
 *  (seeded; noise 0: obs = truth). */
int uat_node_observe(const uat_ode_system *sys, const double *p, const double *y0, size_t n,
                     const double *times, double noise, uat_node_noise kind, unsigned long seed,
                     double *truth, double *obs, uat_error *err);

/* ---- the whole experiment: data, model, fit, reports (uat fit --target ode-data:...) ------- */

/** Observations: read from a CSV file (a time column, then one column per state, a header
 *  naming them; columns STATE_true, when every state has one, hold the noise-free truth) or
 *  generated from a catalogue system. */
typedef struct {
  size_t n, dim;
  double *t, *obs;
  double *truth;                /**< the noise-free states (generated data, or a file's
                                     STATE_true columns), or NULL */
  const uat_ode_system *system; /**< the catalogue system behind generated data, or NULL */
  double p[16];                 /**< its parameters */
  double y0_true[UAT_MLP_SYSTEM_MAX_DIM];
  char names[UAT_MLP_SYSTEM_MAX_DIM][32];
  uat_ode_system like; /**< names and dimension (for CSV data, a system without equations) */
  const char *name_ptrs[UAT_MLP_SYSTEM_MAX_DIM];
} uat_node_data;

/** What to do. Strings may be NULL (defaults). */
typedef struct {
  const char *data;   /**< "FILE.csv" (a name ending in .csv) or a catalogue system's name */
  const char *params; /**< "NAME=VALUE,...": the system's parameters, and the values of any
                           other names the known part uses */
  const char *y0;     /**< "V,V,...": generated data's initial state (default the system's) */
  double t0, t1;      /**< generated data's times: n_times from t0 to t1 */
  size_t n_times;     /**< 0: 31 over the system's default span */
  double noise;       /**< Gaussian noise, scaled as noise_kind says */
  uat_node_noise noise_kind; /**< its scale: each state's mean (default) or each value */
  unsigned long seed;        /**< the noise's and the initialisation's seed */
  const char *known;         /**< "EXPR;EXPR;...": a known part, one expression per state, in the
                                  states' names and parameters; NULL: none */
  size_t hidden[8];          /**< hidden widths (n_hidden 0: 8) */
  size_t n_hidden;
  uat_activation act;     /**< hidden activation (tanh) */
  uat_node_params fit;    /**< trainer and its settings */
  size_t segments;        /**< multiple shooting (0, 1: single) */
  double ridge;           /**< penalty on theta (0: 1e-10, enough to keep LM well posed) */
  double continuity;      /**< weight of the continuity residuals (0: 1) */
  size_t polish;          /**< after multiple shooting, this many LM iterations of single
                               shooting from its result (0: none) */
  int fit_y0;             /**< -1: when the data are noisy or read from a file; 0 no; 1 yes */
  int collocation;        /**< -1: for noise-free generated data when the slopes outnumber the
                               parameters (noisy slopes mislead); 0 no; 1 yes */
  double horizon;         /**< extrapolation to this time (0: t1 + (t1 - t0)) */
  const char *sindy;      /**< a SINDy library (uat/sindy.h, e.g. "poly:2"): extract equations of
                               the network's part along the learned solution (NULL: none) */
  double sindy_threshold; /**< SINDy's threshold (0: 0.05) */
} uat_node_spec;

void uat_node_spec_defaults(uat_node_spec *s);

typedef struct {
  uat_node_result fit;
  size_t n_params;
  double seconds;
  double collocation_rmse;    /**< the slopes' fit of the starting point (NaN: none) */
  double trajectory_error;    /**< relative RMS against the noise-free truth at the observation
                                   times (against the data when there is no truth); the
                                   truth's other figures need a catalogue system */
  double heldout_error;       /**< ... at the midpoints between observations (NaN: no truth) */
  double extrapolation_error; /**< ... at 101 times in (t1, horizon] (NaN: no truth) */
  double field_error;         /**< the learned field against the true one at the true states
                                   of [t0, t1], relative RMS (NaN: no truth) */
  double learned_part_error;  /**< hybrid: the network against the true field minus the known
                                   part, relative RMS (NaN otherwise) */
  double oracle_error;        /**< noisy generated data: the trajectory error of the true
                                   system with its parameters and initial state refitted to
                                   the same observations (LM from the true values): how close
                                   the data let any model come (NaN otherwise) */
  double invariant_drift;     /**< of the learned solution over [t0, horizon] (NaN: none) */
  double true_invariant_drift;
  double y0[UAT_MLP_SYSTEM_MAX_DIM]; /**< the model's initial state */
  double horizon;
  char sindy[UAT_MLP_SYSTEM_MAX_DIM][512]; /**< with spec->sindy: the network's part of each
                                                state's derivative, "-0.9*x*y" */
} uat_node_report;

/** The observations the spec names (generated or read). Errors name the file, line and column
 *  or the option. */
int uat_node_data_load(const uat_node_spec *s, uat_node_data **out, uat_error *err);
void uat_node_data_free(uat_node_data *d);

/** The known part of the spec (NULL when none): an expression system over the data's states
 *  with its parameters resolved (params first, then the system's). *kp receives them (the
 *  caller frees it). */
int uat_node_known_alloc(const uat_node_spec *s, const uat_node_data *d,
                         uat_ode_expr_system **known, double **kp, uat_error *err);

/** Build the network (dim-hidden-dim, PyTorch's initialisation from the seed, scaled to the
 *  data), start from collocation when chosen, fit, and measure. *model receives the network
 *  (the caller frees it). */
int uat_node_run(const uat_node_spec *s, const uat_node_data *d, uat_mlp **model,
                 uat_node_report *rep, uat_error *err);

/** The true solution of generated data (its system, parameters and initial state; CVODE, rtol
 *  1e-12) at n times from the data's first time into truth (n x dim). UAT_EINVAL for data
 *  without a system. */
int uat_node_truth(const uat_node_data *d, size_t n, const double *times, double *truth,
                   uat_error *err);

/** The learned solution from the model's initial state at n times (n x dim into y). */
int uat_node_predict(const uat_mlp *m, const uat_node_spec *s, const uat_node_data *d,
                     const double *y0, size_t n, const double *times, double *y, uat_error *err);

/* ---- the experiment from string options (the command's and the bindings' interface) -------- */

/** A neural-ODE fit described by `uat fit --target ode-data:...`'s long options as strings
 *  (values are copied). uat_fit_job hands ode-data: targets to one of these, so bindings get
 *  the command's semantics, report and files. */
typedef struct uat_node_job uat_node_job;
uat_node_job *uat_node_job_alloc(void);
void uat_node_job_free(uat_node_job *j);

/** Keys: target (ode-data:SYSTEM or ode-data:FILE.csv), times (A:B:N), noise, param, y0, known,
 *  noise-kind (mean, relative), hidden, act, seed, collocation and fit-y0 (yes, no, auto),
 *  trainer, max-iter, adam-steps,
 *  lr, gradient, method, segments, continuity, polish, ridge, rtol, horizon, sindy,
 *  sindy-threshold. UAT_EINVAL with
 *  `--KEY: expected ...` for an unknown key or a bad value. */
int uat_node_job_set(uat_node_job *j, const char *key, const char *value, uat_error *err);

/** Read or generate the observations (run does it when not done). */
int uat_node_job_load(uat_node_job *j, uat_error *err);

/** Fit and measure; *model (may be NULL) receives the network, owned by the caller. */
int uat_node_job_run(uat_node_job *j, uat_mlp **model, uat_error *err);

/** The report the command prints (`key = value` lines), as snprintf: the full length is
 *  returned; 0 before a successful run. */
size_t uat_node_job_report(const uat_node_job *j, char *buf, size_t len);

/** Save m with the job's provenance (target, the observations' box as the domain, trainer,
 *  seed, version), as `-o` does. */
int uat_node_job_save(const uat_node_job *j, const uat_mlp *m, const char *path, uat_error *err);

/** The observations (and the truth, as STATE_true columns) as CSV, as --data-out writes them. */
int uat_node_job_write_data(const uat_node_job *j, const char *path, uat_error *err);

/** Data, truth and m's solution to the horizon (uat_plot_trajectory_fit; base: a path without
 *  .png), as --plot draws them. */
int uat_node_job_plot(const uat_node_job *j, const uat_mlp *m, const char *base, uat_error *err);

const uat_node_spec *uat_node_job_spec(const uat_node_job *j);
const uat_node_data *uat_node_job_data(const uat_node_job *j); /**< NULL before loading */
const uat_node_report *uat_node_job_result(const uat_node_job *j);

#ifdef __cplusplus
}
#endif
#endif
