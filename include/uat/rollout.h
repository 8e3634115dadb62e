/* rollout.h — integrate a learned vector field with CVODE (its Jacobian from the network's input
 * gradient) and compare with the true dynamics. */
#ifndef UAT_ROLLOUT_H
#define UAT_ROLLOUT_H

#include "uat/mlp.h"
#include "uat/ode.h"

typedef struct {
  double max_rel_error; /**< max over times of ||y_learned - y_true|| / ||y_true|| (inf-norms) */
  double final_rel_error;
  double invariant_drift;      /**< of the learned trajectory (NaN when the system has none) */
  double true_invariant_drift; /**< of the reference trajectory, for scale */
} uat_rollout_result;

/** A network mapping dim states to their time derivatives, as an ODE system with the names,
 *  defaults and time span of like (its Jacobian from the network's input gradient): for
 *  uat_ode_solve and uat_ode_equilibria. NULL with err set when the widths do not match. */
typedef struct uat_mlp_system uat_mlp_system;
uat_mlp_system *uat_mlp_system_alloc(const uat_mlp *m, const uat_ode_system *like, uat_error *err);
const uat_ode_system *uat_mlp_system_get(const uat_mlp_system *s);

/** The most states a network system has. */
enum { UAT_MLP_SYSTEM_MAX_DIM = 16 };

/** Add a known part: y' = m(y) + known(y) (the hybrid, universal-differential-equation form),
 *  known's right-hand side and Jacobian at parameters p (both kept, not copied; NULL: none). */
int uat_mlp_system_set_known(uat_mlp_system *s, const uat_ode_system *known, const double *p,
                             uat_error *err);

/** Vector-Jacobian products at y: jt_lambda (dim) = J^T lambda of the whole field, and grad (P)
 *  = (d m / d theta)^T lambda; either may be NULL. One forward and one reverse pass. 0 or -1. */
int uat_mlp_system_vjp(const uat_mlp_system *s, const double *y, const double *lambda,
                       double *jt_lambda, double *grad);

/** The whole field f (dim), its Jacobian J (dim x dim) and d m / d theta (dim rows of P, row
 *  stride ld >= P) at y: one forward and dim reverse passes (uat_ode_fjq's needs). 0 or -1. */
int uat_mlp_system_fjq(const uat_mlp_system *s, const double *y, double *f, double *J, double *dfdq,
                       size_t ld);

/** d m / d theta at y into out (dim rows of P, row stride ld >= P). 0 or -1. */
int uat_mlp_system_dfdtheta(const uat_mlp_system *s, const double *y, double *out, size_t ld);
void uat_mlp_system_free(uat_mlp_system *s);

/** The learned field's solution from y0 at the n increasing times and its forward
 *  sensitivities to every parameter of the network (CVODES, uat_ode_solve_sens; df/dtheta by
 *  one reverse pass per output): Y (n x dim), S (n x dim x P). A neural ODE's gradients. */
int uat_mlp_system_sens(const uat_mlp_system *s, const double *y0, size_t n, const double *times,
                        const uat_ode_params *params, double *Y, double *S, uat_error *err);

/** Integrate y' = m(y) from sys's default initial state at the n times (BDF, rtol 1e-10), and
 *  the true system likewise (rtol 1e-12); compare. *learned (may be NULL) receives the learned
 *  trajectory. */
int uat_rollout(const uat_mlp *m, const uat_ode_system *sys, size_t n, const double *times,
                uat_ode_trajectory **learned, uat_ode_trajectory **truth, uat_rollout_result *r,
                uat_error *err);

#endif
