/* uat/node.h — neural ODEs: a network vector field y' = N_theta(y) fitted to observations of a
 * trajectory through CVODES forward sensitivities (Levenberg-Marquardt on the residuals
 * y(t_k) - obs_k with their exact Jacobian dy(t_k)/dtheta), and the relative trajectory error
 * of the learned system. The first part of the neural-ODE work; docs/ode.md. */
#ifndef UAT_NODE_H
#define UAT_NODE_H

#include "uat/mlp.h"
#include "uat/ode.h"
#include "uat/rollout.h"
#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  size_t iterations;
  double rmse; /**< of the residuals y(t_k) - obs_k over k >= 1 and the states */
} uat_node_result;

/** Fit m (dim -> dim, initialised) so that the solution of y' = m(y) from obs[0] at times[0]
 *  passes through obs (n x dim) at the n increasing times: GSL's trust-region
 *  Levenberg-Marquardt on the residuals y(t_k) - obs_k and sqrt(ridge) theta_j (a ridge > 0
 *  keeps the problem well posed when there are more parameters than observations), residuals
 *  and Jacobian from one CVODES solve with sensitivities (BDF, rtol 1e-10) per point, at most
 *  max_iter iterations. like names the states. m->theta receives the best point. */
int uat_node_fit_lm(uat_mlp *m, const uat_ode_system *like, size_t n, const double *times,
                    const double *obs, size_t max_iter, double ridge, uat_node_result *r,
                    uat_error *err);

/** A starting point: fit m to the central-difference slopes of the observations (the field at
 *  the observed states, "collocation"), by Levenberg-Marquardt, at most max_iter iterations.
 *  Needs equally spaced times. *rmse (may be NULL) receives the slopes' fit. */
int uat_node_init_collocation(uat_mlp **m, size_t n, size_t dim, const double *times,
                              const double *obs, size_t max_iter, double *rmse, uat_error *err);

/** sqrt(sum |y - truth|^2 / sum |truth|^2) of the learned system's solution from y0 (CVODE,
 *  rtol 1e-12) at the n times, against truth (n x dim). */
int uat_node_trajectory_error(const uat_mlp *m, const uat_ode_system *like, const double *y0,
                              size_t n, const double *times, const double *truth, double *error,
                              uat_error *err);

#ifdef __cplusplus
}
#endif
#endif
