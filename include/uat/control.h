/* uat/control.h — control environments simulated by CVODE (or by the explicit-Euler update the
 * common benchmark implementations use), and episodes run by a policy network.
 *
 *   cartpole   the classic cart-pole (Barto, Sutton & Anderson 1983; the equations of Florian
 *              2005 without friction): g 9.8, cart 1.0 kg, pole 0.1 kg, half-length 0.5 m, force
 *              +-10 N held for tau = 0.02 s; fails when |theta| > 12 degrees or |x| > 2.4;
 *              reward 1 per step, episodes of at most 500 steps; start uniform in +-0.05. The
 *              policy sees (x, v, theta, omega) and pushes right when its output is positive.
 *   pendulum   swing-up (Gym's Pendulum): g 10, m = l = 1, torque u = 2 tanh(output) in
 *              [-2, 2], dt 0.05, 200 steps, reward -(theta^2 + 0.1 omega^2 + 0.001 u^2) with
 *              theta wrapped to [-pi, pi), 0 upright; start theta uniform in [-pi, pi], omega in
 *              [-1, 1]; the policy sees (cos theta, sin theta, omega). The Euler update is Gym's
 *              semi-implicit one with omega clipped to +-8.
 *
 * Both systems are also in the ODE catalogue (uat/ode.h: "cartpole", "pendulum-swingup") with
 * the control as a parameter. */
#ifndef UAT_CONTROL_H
#define UAT_CONTROL_H

#include <gsl/gsl_rng.h>
#include <stddef.h>

#include "uat/mlp.h"
#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { UAT_ENV_CARTPOLE = 0, UAT_ENV_PENDULUM } uat_env_kind;
typedef enum {
  UAT_INTEGRATOR_CVODE =
      0,               /**< CVODE (Adams, rtol 1e-8, atol 1e-10) over each step, the control held */
  UAT_INTEGRATOR_EULER /**< the benchmark implementations' explicit (semi-implicit) Euler */
} uat_integrator;

/** An environment: its state, and a CVODE integrator kept between steps. */
typedef struct uat_env uat_env;

/** "cartpole" or "pendulum"; NULL with err set on an unknown name or out of memory. */
uat_env *uat_env_alloc(const char *name, uat_integrator integ, uat_error *err);
void uat_env_free(uat_env *e);

uat_env_kind uat_env_get_kind(const uat_env *e);
const char *uat_env_name(const uat_env *e);
size_t uat_env_obs_dim(const uat_env *e);   /**< policy inputs: 4 or 3 */
size_t uat_env_state_dim(const uat_env *e); /**< 4 or 2 */
size_t uat_env_max_steps(const uat_env *e); /**< 500 or 200 */
double uat_env_dt(const uat_env *e);        /**< 0.02 or 0.05 */
const char *uat_env_state_name(const uat_env *e, size_t i);

/** A new episode from a random start. */
void uat_env_reset(uat_env *e, gsl_rng *r);

/** Set the state directly (state_dim values). */
void uat_env_set_state(uat_env *e, const double *state);
const double *uat_env_state(const uat_env *e);

/** The policy's inputs for the current state (obs_dim values). */
void uat_env_observe(const uat_env *e, double *obs);

/** Apply the control for one step: cart-pole's force in newtons, the pendulum's torque (clipped
 *  to [-2, 2]). *reward receives the step's reward, *done whether the episode is over (failure
 *  or the step limit). UAT_OK, or UAT_ESOLVER when CVODE fails (err says at what time). */
int uat_env_step(uat_env *e, double control, double *reward, int *done, uat_error *err);

/** The control a policy network chooses for an observation: cart-pole +-10 N by the sign of
 *  its output, the pendulum 2 tanh(output). */
double uat_env_policy_control(const uat_env *e, const uat_mlp *policy, uat_mlp_workspace *w,
                              const double *obs);

/** One episode of policy from a random start: its return; the states visited into states
 *  (max_steps + 1 rows of state_dim, may be NULL) and their number into *n (may be NULL).
 *  NaN with err set when the integration fails. */
double uat_env_episode(uat_env *e, const uat_mlp *policy, gsl_rng *r, double *states, size_t *n,
                       uat_error *err);

/** The same from the current state (uat_env_set_state) instead of a random start. */
double uat_env_run(uat_env *e, const uat_mlp *policy, double *states, size_t *n, uat_error *err);

/** The mean return of episodes episodes from starts drawn by seed. */
double uat_env_evaluate(uat_env *e, const uat_mlp *policy, size_t episodes, unsigned long seed,
                        uat_error *err);

#ifdef __cplusplus
}
#endif
#endif
