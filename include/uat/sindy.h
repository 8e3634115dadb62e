/* uat/sindy.h — equations from data (sparse identification of nonlinear dynamics): a library
 * of candidate terms, sequentially thresholded least squares with an optional ridge penalty,
 * the threshold given or chosen by cross-validation along a Pareto curve of error against
 * terms, coefficients with standard errors; and the data from ground truth, finite
 * differences with noise, a vector-field network or a trajectory network. docs/extraction.md. */
#ifndef UAT_SINDY_H
#define UAT_SINDY_H

#include <stddef.h>

#include "uat/mlp.h"
#include "uat/ode.h"
#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most candidate terms and states. */
#define UAT_SINDY_MAX_TERMS 512
#define UAT_SINDY_MAX_STATES 16

typedef struct uat_sindy_library uat_sindy_library;

/** Candidate terms in the states: spec is a comma list of `poly:D` (every monomial of total
 *  degree 0..D: 1, x, y, x^2, x*y, y^2, ...), `trig` (sin and cos of each state) and `exp`
 *  (exp of each state); terms are further expressions in the states (`x*sin(y)`). Duplicates
 *  are dropped. Errors: UAT_EFORMAT with the offending item or `1:COL:` of a term. */
int uat_sindy_library_alloc(size_t dim, const char *const *states, const char *spec, size_t n_terms,
                            const char *const *terms, uat_sindy_library **out, uat_error *err);
void uat_sindy_library_free(uat_sindy_library *lib);
size_t uat_sindy_library_size(const uat_sindy_library *lib);
/** The j-th term as an expression's text ("1", "x*y", "sin(x)"). */
const char *uat_sindy_library_term(const uat_sindy_library *lib, size_t j);
/** Theta (n x size, row-major) = every term at every row of X (n x dim). */
void uat_sindy_library_eval(const uat_sindy_library *lib, size_t n, const double *X, double *theta);

typedef struct {
  double threshold;    /**< coefficients below it (in magnitude) are dropped; < 0: choose by
                            cross-validation (default 0.05) */
  double ridge;        /**< lambda of ||Theta c - dx||^2 + lambda ||c||^2 (default 0) */
  int max_iter;        /**< thresholding rounds (default 20) */
  size_t n_thresholds; /**< cross-validation: thresholds on a log grid (default 40) */
  size_t fold;         /**< cross-validation: every fold-th row is held out (default 5) */
  double cv_tolerance; /**< choose the sparsest model with validation error within this
                            factor of the best (default 1.5) */
} uat_sindy_params;

uat_sindy_params uat_sindy_default_params(void);

/** One point of the Pareto curve: threshold, terms kept, relative validation error. */
typedef struct {
  double threshold;
  size_t terms;
  double error;
} uat_sindy_pareto;

typedef struct {
  size_t dim, p;
  double *coef;    /**< dim x p; 0 where a term is dropped */
  double *stderr_; /**< dim x p standard errors (0 where dropped) */
  double *rms;     /**< dim: RMS residual of each equation */
  double threshold;
  size_t n_pareto; /**< with cross-validation: the curve, thresholds ascending */
  uat_sindy_pareto *pareto;
} uat_sindy_result;

/** Fit dXdt (n x dim) ~ Theta(X) c by sequentially thresholded least squares (GSL's
 *  gsl_multifit_linear_svd and gsl_multifit_linear_solve for each support; standard errors
 *  from s^2 (A + lambda I)^-1 A (A + lambda I)^-1, A = Theta_S' Theta_S, s^2 = RSS/(n - |S|)).
 *  UAT_OK, UAT_EINVAL (too few rows), UAT_ENOMEM, UAT_EDIVERGED (non-finite data). */
int uat_sindy_fit(const uat_sindy_library *lib, size_t n, const double *X, const double *dXdt,
                  const uat_sindy_params *par, uat_sindy_result *out, uat_error *err);
void uat_sindy_result_free(uat_sindy_result *r);

/** Equation i as `uat ode --rhs` reads it: "x = 1.5*x - 1*x*y" (coefficients with digits
 *  significant digits; 17 reads back exactly). Returns the full length, as snprintf. */
size_t uat_sindy_equation(const uat_sindy_result *r, const uat_sindy_library *lib,
                          const char *state, size_t i, int digits, char *buf, size_t len);

/** Data for a fit: X and dXdt (n x dim each, malloc'ed, freed by uat_sindy_data_free). */
typedef struct {
  size_t n, dim;
  double *t; /**< n times (NULL for field samples) */
  double *X, *dXdt;
} uat_sindy_data;
void uat_sindy_data_free(uat_sindy_data *d);

/** Derivatives for ground-truth data. */
typedef enum {
  UAT_SINDY_DERIV_RHS = 0, /**< the system's right-hand side at the samples */
  UAT_SINDY_DERIV_FD,      /**< central differences (order 2) of the (noisy) samples */
  UAT_SINDY_DERIV_FD4      /**< five-point differences (order 4) */
} uat_sindy_derivatives;

/** Ground truth: sys solved by CVODE (rtol 1e-12) from y0 at n_times times (equally spaced for
 *  finite differences); Gaussian noise of noise x (the RMS of each state) added to the states
 *  (seeded), derivatives as chosen. p, y0 NULL: the defaults. */
int uat_sindy_data_ode(const uat_ode_system *sys, const double *p, const double *y0, size_t n_times,
                       const double *times, uat_sindy_derivatives deriv, double noise,
                       unsigned long seed, uat_sindy_data *out, uat_error *err);

/** A vector-field network (dim inputs -> dim outputs) sampled on a grid of per_dim points per
 *  axis of the box [lo, hi]: X the grid, dXdt the network. */
int uat_sindy_data_field(const uat_mlp *m, const double *lo, const double *hi, size_t per_dim,
                         uat_sindy_data *out, uat_error *err);

/** A trajectory network (t -> dim states) at n times in [t0, t1]: X the network's outputs,
 *  dXdt their time derivatives through the network's input Jacobian. */
int uat_sindy_data_trajectory(const uat_mlp *m, double t0, double t1, size_t n, uat_sindy_data *out,
                              uat_error *err);

/** The recovered equations integrated by CVODE (rtol 1e-12) from y0 at the n times, against
 *  reference states ref (n x dim): max over times of ||y - ref||_inf / max ||ref||_inf. The
 *  trajectory is returned in *traj when traj is not NULL. */
int uat_sindy_rollout(const uat_sindy_result *r, const uat_sindy_library *lib,
                      const char *const *states, const double *y0, size_t n, const double *times,
                      const double *ref, double *error, uat_ode_trajectory **traj, uat_error *err);

#ifdef __cplusplus
}
#endif
#endif
