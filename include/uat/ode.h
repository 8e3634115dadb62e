/* uat/ode.h — ODE systems, the CVODE driver that turns them into ground truth, and
 * derivative data for learning vector fields.
 *
 * A system is a small struct of function pointers, sizes and names (like GSL's
 * gsl_odeiv2_system); the built-in catalogue holds the standard ones, and callers may fill one
 * in for their own right-hand side. */
#ifndef UAT_ODE_H
#define UAT_ODE_H

#include <stddef.h>

#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Right-hand side dy/dt = f(t, y; p). Return 0 on success, > 0 for a recoverable failure
 *  (the solver retries with a smaller step), < 0 for a fatal one. */
typedef int (*uat_ode_rhs)(double t, const double *y, double *dydt, const double *p, void *ctx);

/** Jacobian J = df/dy (dim x dim, row-major: J[i*dim + j] = dfi/dyj). Same return values. */
typedef int (*uat_ode_jac)(double t, const double *y, double *jac, const double *p, void *ctx);

/** A conserved quantity of the system, or NaN when the parameters p break its conservation. */
typedef double (*uat_ode_invariant)(const double *y, const double *p, void *ctx);

/** The exact solution at time t from y0 at time t0, where one is known. Returns 0 or < 0. */
typedef int (*uat_ode_exact)(double t, double t0, const double *y0, const double *p, double *y,
                             void *ctx);

typedef struct {
  const char *name;      /**< catalogue name, e.g. "lotka-volterra" */
  const char *equations; /**< the equations as text, for listings and docs */
  size_t dim;            /**< number of states */
  const char *const *state_names;
  size_t n_params;
  const char *const *param_names;
  const double *param_defaults;
  const double *y0_default;      /**< default initial state */
  double t0_default, t1_default; /**< default time span */
  uat_ode_rhs rhs;
  uat_ode_jac jac;             /**< NULL: CVODE approximates it by difference quotients */
  uat_ode_invariant invariant; /**< NULL if none */
  const char *invariant_text;  /**< the invariant as text */
  uat_ode_exact exact;         /**< NULL if none */
  void *ctx;                   /**< passed to every callback */
} uat_ode_system;

/** Number of built-in systems, and the i-th (0-based; NULL past the end). */
size_t uat_ode_catalogue_count(void);
const uat_ode_system *uat_ode_catalogue_get(size_t i);

/** A built-in system by name, or NULL. */
const uat_ode_system *uat_ode_catalogue_find(const char *name);

/** Index of a parameter or state name in sys, or -1. */
int uat_ode_param_index(const uat_ode_system *sys, const char *name);
int uat_ode_state_index(const uat_ode_system *sys, const char *name);

/** Set parameters of sys from "name=value,name=value,..." (NULL or "" sets none): p[k] for
 *  each name's index k; the rest of p is left as it is. UAT_EINVAL with a message in err (NULL
 *  accepted) for an item without '=', a name sys does not have (the message lists the ones it
 *  has) or a value that is not a finite number; p may then be partly set. */
int uat_ode_params_set(const uat_ode_system *sys, const char *list, double *p, uat_error *err);

/** Linear multistep method. */
typedef enum {
  UAT_ODE_ADAMS = 0, /**< Adams–Moulton, orders 1–12: non-stiff problems */
  UAT_ODE_BDF        /**< backward differentiation, orders 1–5: stiff problems */
} uat_ode_method;
/* Both methods solve their implicit equations by Newton iterations with a dense direct
 * linear solver, using the system's analytic Jacobian when asked and available. */

/** How output values are produced. */
typedef enum {
  UAT_ODE_OUTPUT_INTERP = 0, /**< CV_NORMAL: CVODE steps past each output time and
                                  interpolates back to it (fewest steps) */
  UAT_ODE_OUTPUT_STOP,       /**< a stop time at every output time: values come from a step
                                  that ends there, never from interpolation */
  UAT_ODE_OUTPUT_STEPS       /**< every internal step of CVODE between the first and last
                                  requested time (dense sampling at the solver's own steps) */
} uat_ode_output;

/** Solver settings; get them from uat_ode_default_params. */
typedef struct {
  uat_ode_method method;
  uat_ode_output output;
  double rtol;      /**< relative tolerance of the local error per step */
  double atol;      /**< absolute tolerance, the same for every state */
  long max_steps;   /**< internal steps allowed between two output times */
  int use_jacobian; /**< hand the system's analytic Jacobian to CVODE when it has one */
} uat_ode_params;

/** Adams, interpolated output, rtol 1e-10, atol 1e-12, 100000 steps, analytic Jacobian. */
uat_ode_params uat_ode_default_params(void);

/** CVODE's counters for one solve. */
typedef struct {
  long steps;             /**< internal steps */
  long rhs_evals;         /**< right-hand side evaluations by the integrator */
  long lin_rhs_evals;     /**< further evaluations for difference-quotient Jacobians */
  long jac_evals;         /**< Jacobian evaluations (analytic or difference quotient) */
  long err_test_fails;    /**< local error test failures */
  long nonlin_iters;      /**< nonlinear (Newton) iterations */
  long nonlin_conv_fails; /**< nonlinear convergence failures */
  int last_order;         /**< method order of the last step */
  double last_step;       /**< size of the last step */
  double t_reached;       /**< the time the integration reached (on failure: where it stopped) */
} uat_ode_stats;

/** A trajectory: n rows of (t, y[0..dim-1]). */
typedef struct {
  size_t n, dim, cap;
  double *t; /**< n times */
  double *y; /**< n x dim states, row-major */
} uat_ode_trajectory;

uat_ode_trajectory *uat_ode_trajectory_alloc(size_t dim, size_t cap);
void uat_ode_trajectory_free(uat_ode_trajectory *tr);

/** Integrate sys from y0 at times[0] and report the state at every times[k] (strictly
 *  increasing, n_times >= 2; row 0 is y0 itself). p holds sys->n_params values (NULL: the
 *  defaults). On success *out holds the trajectory; on failure *out is NULL — never a partial
 *  trajectory — and err says why and the time reached (also in stats->t_reached). stats may be
 *  NULL. Errors: UAT_EINVAL (bad arguments), UAT_ESOLVER (CVODE failed: too much work,
 *  error test or convergence failures, a right-hand side that failed or returned non-finite
 *  values), UAT_ENOMEM. */
int uat_ode_solve(const uat_ode_system *sys, const double *p, const double *y0, size_t n_times,
                  const double *times, const uat_ode_params *params, uat_ode_trajectory **out,
                  uat_ode_stats *stats, uat_error *err);

/** Normwise relative difference of two trajectories at the same times:
 *  max over k of ||a_k - b_k||_inf / ||b_k||_inf (absolute where ||b_k|| = 0). */
double uat_ode_trajectory_distance(const uat_ode_trajectory *a, const uat_ode_trajectory *b);

/** Global error estimate: solve at params and at tolerances 100 times tighter, and return the
 *  normwise relative difference (uat_ode_trajectory_distance) in *estimate. *out receives the
 *  solution at params (not the tighter one), NULL on failure. */
int uat_ode_solve_estimate(const uat_ode_system *sys, const double *p, const double *y0,
                           size_t n_times, const double *times, const uat_ode_params *params,
                           uat_ode_trajectory **out, double *estimate, uat_ode_stats *stats,
                           uat_error *err);

/** Smallest accuracy uat_ode_solve_accuracy accepts: the reference solve must stay at a
 *  relative tolerance CVODE can honour in double precision. */
#define UAT_ODE_ACCURACY_MIN 1e-12

/** Choose tolerances so that the estimated global error is at most accuracy: start at
 *  rtol = accuracy (atol = rtol * atol_scale) and tighten tenfold until the estimate is below
 *  it. params->rtol and ->atol are ignored; the tolerances used are written back into
 *  *used. Fails with UAT_EDOMAIN when accuracy < UAT_ODE_ACCURACY_MIN or the tolerances
 *  would have to go below 1e-14 * 100. */
int uat_ode_solve_accuracy(const uat_ode_system *sys, const double *p, const double *y0,
                           size_t n_times, const double *times, const uat_ode_params *params,
                           double accuracy, double atol_scale, uat_ode_trajectory **out,
                           double *estimate, uat_ode_params *used, uat_ode_stats *stats,
                           uat_error *err);

/** Maximum relative drift of the invariant over a trajectory: max_k |V(y_k) - V(y_0)| / |V(y_0)|
 *  (absolute when V(y_0) = 0). UAT_ENOTFOUND if the system has none or p breaks it. */
/** df/dq (dim x P, row-major: out[i*P + j] = dfi/dqj) at (t, y) for forward sensitivities; 0
 *  on success. */
typedef int (*uat_ode_dfdq)(double t, const double *y, double *dfdq, void *ctx);

/** Forward sensitivities (CVODES): y' = f(t, y) of sys (its rhs and jac, at parameters p) from
 *  y0, together with s_j = dy/dq_j for P quantities q on which f depends through dfdq (y0 does
 *  not depend on them: s_j(t0) = 0): s_j' = J s_j + df/dq_j, BDF with the dense Newton solver,
 *  staggered corrector, sensitivities in the error test (tolerances from params, or the
 *  defaults). Y (n_times x dim) and S (n_times x dim x P: S[(k*dim + i)*P + j] = dy_i(t_k)/dq_j)
 *  at the increasing times (times[0] the initial time). UAT_OK, UAT_EINVAL, UAT_ENOMEM, or
 *  UAT_ESOLVER with the time reached. */
int uat_ode_solve_sens(const uat_ode_system *sys, const double *p, const double *y0, size_t P,
                       uat_ode_dfdq dfdq, void *ctx, size_t n_times, const double *times,
                       const uat_ode_params *params, double *Y, double *S, uat_error *err);

/** A forward-sensitivity solver kept between solves (one CVODES memory, re-initialised): for
 *  fits that solve the same system many times. Same method as uat_ode_solve_sens, except that
 *  the step size is controlled by the states alone (the sensitivities converge with the
 *  tolerance; half the steps). One solve at a time per object. */
typedef struct uat_ode_sens uat_ode_sens;
uat_ode_sens *uat_ode_sens_alloc(const uat_ode_system *sys, size_t P, uat_ode_dfdq dfdq, void *ctx,
                                 const uat_ode_params *params, uat_error *err);
void uat_ode_sens_free(uat_ode_sens *s);

/** Solve from y0 with initial sensitivities S0 (dim x P, row-major; NULL: zero, when y0 does
 *  not depend on the quantities; the identity in some columns makes them the initial state's).
 *  Y and S as uat_ode_solve_sens. */
int uat_ode_sens_solve(uat_ode_sens *s, const double *p, const double *y0, const double *S0,
                       size_t n_times, const double *times, double *Y, double *S, uat_error *err);

/** f (dim), J (dim x dim, row-major) and df/dq (dim x P, row-major) at (t, y) together; 0 on
 *  success. */
typedef int (*uat_ode_fjq)(double t, const double *y, double *f, double *J, double *dfdq,
                           void *ctx);

/** Forward sensitivities of a non-stiff system as one augmented ODE [y; S] (Adams-Moulton with
 *  fixed-point iteration, one fjq call per right-hand side, error and convergence tests on the
 *  states alone: the steps of a plain Adams solve). Several times cheaper than uat_ode_sens for
 *  a handful of states and many quantities; for stiff systems use uat_ode_sens (BDF). Kept
 *  between solves; Y, S, S0 as uat_ode_sens_solve. */
typedef struct uat_ode_sens_aug uat_ode_sens_aug;
uat_ode_sens_aug *uat_ode_sens_aug_alloc(size_t dim, size_t P, uat_ode_fjq fjq, void *ctx,
                                         const uat_ode_params *params, uat_error *err);
void uat_ode_sens_aug_free(uat_ode_sens_aug *s);
int uat_ode_sens_aug_solve(uat_ode_sens_aug *s, const double *y0, const double *S0, size_t n_times,
                           const double *times, double *Y, double *S, uat_error *err);

/** Gradient of a loss sum_k g_k(y(t_k)) by the adjoint method (CVODES: checkpointed forward
 *  solve, then lambda' = -J^T lambda backwards with the jumps lambda += dg_k/dy at the
 *  observation times and the quadrature of lambda^T df/dq): the cost of a few solves, whatever
 *  P. loss receives y(t_k) and writes dg_k/dy (dim values), returning g_k; vjp writes
 *  J^T lambda (dim) and (df/dq)^T lambda (P) at (t, y). grad_q (P) and grad_y0 (dim, may be
 *  NULL) receive the gradient; *value the loss. Method and tolerances from params, both
 *  ways (Adams for non-stiff systems: fewer steps); the quadrature is not in the error test. */
typedef double (*uat_ode_obs_loss)(size_t k, const double *y, double *dgdy, void *ctx);
typedef int (*uat_ode_vjp)(double t, const double *y, const double *lambda, double *jt_lambda,
                           double *ft_lambda, void *ctx);
int uat_ode_adjoint_gradient(const uat_ode_system *sys, const double *p, const double *y0, size_t P,
                             uat_ode_vjp vjp, uat_ode_obs_loss loss, void *ctx, size_t n_times,
                             const double *times, const uat_ode_params *params, double *value,
                             double *grad_q, double *grad_y0, uat_error *err);

int uat_ode_invariant_drift(const uat_ode_system *sys, const double *p,
                            const uat_ode_trajectory *tr, double *drift);

/** f(t, y) at n states (n x dim, row-major) into f (n x dim), at time t for every row. */
int uat_ode_eval_field(const uat_ode_system *sys, const double *p, double t, size_t n,
                       const double *y, double *f);

/** Points of a regular grid in a box: per_dim points along each of dim axes between lo[i]
 *  and hi[i] (inclusive), in row-major order (last axis fastest); out holds per_dim^dim x dim. */
void uat_ode_grid_box(size_t dim, const double *lo, const double *hi, size_t per_dim, double *out);

/** Finite-difference estimate of dy/dt from samples y (n x dim) at equally spaced times t:
 *  order 2 (central differences, second-order one-sided ends) or 4 (five-point central,
 *  fourth-order one-sided ends). UAT_EINVAL when the spacing is not uniform (relative 1e-9),
 *  n is too small (3 for order 2, 5 for order 4) or the order is not 2 or 4. */
int uat_ode_fd_derivative(size_t n, size_t dim, const double *t, const double *y, int order,
                          double *dydt);

#ifdef __cplusplus
}
#endif

/* ---- systems written as expressions ------------------------------------------------------- */
#include "uat/expr.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An ODE system built from equations "name = expression", one per state, in the order given.
 *  Every other name in the expressions except `t` is a parameter, in order of first
 *  appearance; parameters have no default (NaN) and must be given values. The Jacobian is
 *  derived symbolically and handed to CVODE. The callbacks use scratch space inside the
 *  object: one solve at a time per object. */
typedef struct uat_ode_expr_system uat_ode_expr_system;

/** Parse the equations. Errors name the equation and the column within it
 *  (`equation 2 'y = delta*x*'`: `1:12: expected ...`). */
int uat_ode_expr_system_alloc(size_t n_equations, const char *const *equations,
                              uat_ode_expr_system **out, uat_error *err);
void uat_ode_expr_system_free(uat_ode_expr_system *s);

/** The system (valid as long as s). */
const uat_ode_system *uat_ode_expr_system_get(const uat_ode_expr_system *s);

/** Right-hand side i and Jacobian entry (i, j) = d rhs_i / d state_j, simplified. */
const uat_expr *uat_ode_expr_system_rhs(const uat_ode_expr_system *s, size_t i);
const uat_expr *uat_ode_expr_system_jacobian(const uat_ode_expr_system *s, size_t i, size_t j);

/* ---- equilibria ------------------------------------------------------------------------------ */

/** Kinds of fixed point, from the eigenvalues of the Jacobian there. */
typedef enum {
  UAT_EQ_STABLE_NODE = 0, /**< all eigenvalues real and negative */
  UAT_EQ_UNSTABLE_NODE,   /**< all real and positive */
  UAT_EQ_SADDLE,          /**< real parts of both signs, none zero */
  UAT_EQ_STABLE_SPIRAL,   /**< all real parts negative, some eigenvalues complex */
  UAT_EQ_UNSTABLE_SPIRAL, /**< all real parts positive, some complex */
  UAT_EQ_CENTER,          /**< all real parts zero, eigenvalues purely imaginary */
  UAT_EQ_NONHYPERBOLIC,   /**< some real part zero otherwise: linearisation decides nothing */
  UAT_EQ_NONISOLATED      /**< on a curve (or surface) of equilibria: the Jacobian is singular
                               along it and f vanishes along it; reported once, as a set */
} uat_eq_class;

const char *uat_eq_class_name(uat_eq_class c);

typedef struct {
  double y[16];    /**< the fixed point */
  double re[16];   /**< real parts of the Jacobian's eigenvalues */
  double im[16];   /**< imaginary parts */
  double residual; /**< max |f(y)| */
  double jac_norm; /**< the Jacobian's Frobenius norm there: the scale of "zero" eigenvalues */
  uat_eq_class kind;
  size_t set_points; /**< non-isolated: how many polished roots lie on this set (else 1) */
  double set_lo[16]; /**< non-isolated: the box those roots span (y[] is one of them) */
  double set_hi[16];
} uat_ode_equilibrium;

/** Search parameters. */
typedef struct {
  size_t starts_per_dim; /**< starting points per axis of the box (grid), default 7 */
  double ftol;           /**< accept a root when max |f| <= ftol * (1 + max |y|), 1e-10 */
  double same;           /**< two roots are one when max |y1 - y2| <= same * (1 + max |y|), 1e-6 */
  double zero;           /**< an eigenvalue's real part (or a singular value) is zero when it is
                              at most zero * the Jacobian's norm, 1e-9 */
  size_t max_iter;       /**< Newton iterations per start, 100 */
} uat_eq_params;

uat_eq_params uat_eq_default_params(void);

/** Fixed points of sys (at t = 0) in the box [lo, hi] (dim <= 16): GSL's hybridsj multiroot
 *  solver from every point of a grid of starts; each root then polished by Newton steps with
 *  the Jacobian's pseudo-inverse (degenerate roots, where hybridsj stops at the tolerance's
 *  cube root or so, converge on) while the residual falls; roots where the right-hand side is
 *  not finite nearby, or outside the box, dropped; duplicates merged. A root at which f stays
 *  zero along the Jacobian's null direction lies on a set of equilibria: all such roots
 *  connected through f = 0 are reported once, as UAT_EQ_NONISOLATED with the box they span.
 *  Isolated roots are classified by the eigenvalues of the Jacobian (gsl_eigen_nonsymm),
 *  zero meaning small against the Jacobian's norm. Writes at most max results, sorted by
 *  their coordinates, and the number found to *n. */
int uat_ode_equilibria(const uat_ode_system *sys, const double *p, const double *lo,
                       const double *hi, const uat_eq_params *params, uat_ode_equilibrium *out,
                       size_t max, size_t *n, uat_error *err);

#ifdef __cplusplus
}
#endif

#endif
