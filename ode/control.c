/* control.c — control environments: the catalogue's cart-pole and pendulum swing-up stepped by
 * CVODE with the control held over each step (one integrator, re-initialised at every step
 * because the control jumps there), or by the benchmark implementations' Euler updates. */
#define _DEFAULT_SOURCE /* M_PI */
#include "uat/control.h"

#include <cvodes/cvodes.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <nvector/nvector_serial.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include "sundials_compat.h"
#include "uat/init.h"
#include "uat/ode.h"

enum { MAXS = 4 };

struct uat_env {
  uat_env_kind kind;
  uat_integrator integ;
  const uat_ode_system *sys;
  double p[8];    /* the system's parameters; p[ctl] is the control */
  size_t ctl;     /* the control's index among them */
  double y[MAXS]; /* the state */
  double t;
  size_t steps;
  char cvode_msg[300];
  /* CVODE, kept between steps */
  SUNContext ctx;
  N_Vector v;
  void *mem;
  SUNMatrix A;
  SUNLinearSolver LS;
};

static int env_rhs(sunrealtype t, N_Vector y, N_Vector ydot, void *user) {
  uat_env *e = user;
  return e->sys->rhs(t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot), e->p, NULL);
}

static void env_cv_error(int code, const char *module, const char *function, char *msg,
                         void *user) {
  (void)code;
  (void)module;
  uat_env *e = user;
  snprintf(e->cvode_msg, sizeof e->cvode_msg, "%s: %s", function, msg);
}

static int cvode_setup(uat_env *e) {
  const sunindextype n = (sunindextype)e->sys->dim;
  if (uat_sun_context_create(&e->ctx) != 0) return -1;
  e->v = N_VNew_Serial(n, e->ctx);
  if (e->v == NULL) return -1;
  memcpy(N_VGetArrayPointer(e->v), e->sys->y0_default, e->sys->dim * sizeof(double));
  e->mem = CVodeCreate(CV_ADAMS, e->ctx);
  if (e->mem == NULL || uat_cvode_capture_errors(e->mem, env_cv_error, e) != CV_SUCCESS ||
      CVodeInit(e->mem, env_rhs, 0.0, e->v) != CV_SUCCESS ||
      CVodeSStolerances(e->mem, 1e-8, 1e-10) != CV_SUCCESS ||
      CVodeSetUserData(e->mem, e) != CV_SUCCESS ||
      CVodeSetMaxNumSteps(e->mem, 100000) != CV_SUCCESS)
    return -1;
  e->A = SUNDenseMatrix(n, n, e->ctx);
  e->LS = e->A ? SUNLinSol_Dense(e->v, e->A, e->ctx) : NULL;
  return e->LS && CVodeSetLinearSolver(e->mem, e->LS, e->A) == CV_SUCCESS ? 0 : -1;
}

void uat_env_free(uat_env *e) {
  if (e == NULL) return;
  if (e->LS) SUNLinSolFree(e->LS);
  if (e->A) SUNMatDestroy(e->A);
  if (e->mem) CVodeFree(&e->mem);
  if (e->v) N_VDestroy(e->v);
  if (e->ctx) SUNContext_Free(&e->ctx);
  free(e);
}

uat_env *uat_env_alloc(const char *name, uat_integrator integ, uat_error *err) {
  uat_env_kind kind;
  if (strcmp(name, "cartpole") == 0)
    kind = UAT_ENV_CARTPOLE;
  else if (strcmp(name, "pendulum") == 0)
    kind = UAT_ENV_PENDULUM;
  else {
    uat_error_set(err, UAT_ENOTFOUND, "control: expected cartpole or pendulum, found '%s'", name);
    return NULL;
  }
  uat_env *e = calloc(1, sizeof *e);
  if (e == NULL) {
    uat_error_set(err, UAT_ENOMEM, "control: out of memory");
    return NULL;
  }
  e->kind = kind;
  e->integ = integ;
  e->sys = uat_ode_catalogue_find(kind == UAT_ENV_CARTPOLE ? "cartpole" : "pendulum-swingup");
  memcpy(e->p, e->sys->param_defaults, e->sys->n_params * sizeof(double));
  e->ctl = e->sys->n_params - 1;
  memcpy(e->y, e->sys->y0_default, e->sys->dim * sizeof(double));
  if (integ == UAT_INTEGRATOR_CVODE && cvode_setup(e) != 0) {
    uat_env_free(e);
    uat_error_set(err, UAT_ENOMEM, "control: cannot set up CVODE");
    return NULL;
  }
  return e;
}

uat_env_kind uat_env_get_kind(const uat_env *e) { return e->kind; }
const char *uat_env_name(const uat_env *e) {
  return e->kind == UAT_ENV_CARTPOLE ? "cartpole" : "pendulum";
}
size_t uat_env_obs_dim(const uat_env *e) { return e->kind == UAT_ENV_CARTPOLE ? 4 : 3; }
size_t uat_env_state_dim(const uat_env *e) { return e->sys->dim; }
size_t uat_env_max_steps(const uat_env *e) { return e->kind == UAT_ENV_CARTPOLE ? 500 : 200; }
double uat_env_dt(const uat_env *e) { return e->kind == UAT_ENV_CARTPOLE ? 0.02 : 0.05; }
const char *uat_env_state_name(const uat_env *e, size_t i) { return e->sys->state_names[i]; }
const double *uat_env_state(const uat_env *e) { return e->y; }

void uat_env_set_state(uat_env *e, const double *state) {
  memcpy(e->y, state, e->sys->dim * sizeof *state);
  e->t = 0;
  e->steps = 0;
}

void uat_env_reset(uat_env *e, gsl_rng *r) {
  double s[MAXS];
  if (e->kind == UAT_ENV_CARTPOLE) {
    for (size_t i = 0; i < 4; i++) s[i] = gsl_ran_flat(r, -0.05, 0.05);
  } else {
    s[0] = gsl_ran_flat(r, -M_PI, M_PI);
    s[1] = gsl_ran_flat(r, -1, 1);
  }
  uat_env_set_state(e, s);
}

void uat_env_observe(const uat_env *e, double *obs) {
  if (e->kind == UAT_ENV_CARTPOLE) {
    memcpy(obs, e->y, 4 * sizeof *obs);
    return;
  }
  obs[0] = cos(e->y[0]);
  obs[1] = sin(e->y[0]);
  obs[2] = e->y[1];
}

/* The benchmark implementations' update: cart-pole's explicit Euler from the old state, the
 * pendulum's semi-implicit Euler with omega clipped to +-8. */
static void euler_step(uat_env *e) {
  double f[MAXS];
  const double dt = uat_env_dt(e);
  e->sys->rhs(e->t, e->y, f, e->p, NULL);
  if (e->kind == UAT_ENV_CARTPOLE) {
    for (size_t i = 0; i < 4; i++) e->y[i] += dt * f[i];
    return;
  }
  e->y[1] = fmin(8.0, fmax(-8.0, e->y[1] + dt * f[1]));
  e->y[0] += dt * e->y[1];
}

static int cvode_step(uat_env *e, uat_error *err) {
  const double t1 = e->t + uat_env_dt(e);
  sunrealtype tret = e->t;
  memcpy(N_VGetArrayPointer(e->v), e->y, e->sys->dim * sizeof(double));
  if (CVodeReInit(e->mem, e->t, e->v) != CV_SUCCESS || CVodeSetStopTime(e->mem, t1) != CV_SUCCESS ||
      CVode(e->mem, t1, e->v, &tret, CV_NORMAL) < 0)
    return uat_error_set(err, UAT_ESOLVER, "control: CVODE failed at t = %g: %s", (double)tret,
                         e->cvode_msg);
  memcpy(e->y, N_VGetArrayPointer(e->v), e->sys->dim * sizeof(double));
  return UAT_OK;
}

static double wrap(double a) { return a - 2 * M_PI * floor((a + M_PI) / (2 * M_PI)); }

int uat_env_step(uat_env *e, double control, double *reward, int *done, uat_error *err) {
  if (e->kind == UAT_ENV_PENDULUM) control = fmin(2.0, fmax(-2.0, control));
  e->p[e->ctl] = control;
  /* the pendulum's cost is of the state before the step (as the benchmark computes it) */
  const double th = wrap(e->y[0]), w = e->y[1];
  const double cost = th * th + 0.1 * w * w + 0.001 * control * control;
  if (e->integ == UAT_INTEGRATOR_EULER)
    euler_step(e);
  else if (cvode_step(e, err) != UAT_OK)
    return UAT_ESOLVER;
  e->t += uat_env_dt(e);
  e->steps++;
  if (e->kind == UAT_ENV_CARTPOLE) {
    const int failed = fabs(e->y[0]) > 2.4 || fabs(e->y[2]) > 12 * 2 * M_PI / 360;
    *reward = 1.0;
    *done = failed || e->steps >= 500;
  } else {
    *reward = -cost;
    *done = e->steps >= 200;
  }
  return UAT_OK;
}

double uat_env_policy_control(const uat_env *e, const uat_mlp *policy, uat_mlp_workspace *w,
                              const double *obs) {
  const double out = uat_mlp_forward(policy, w, 1, obs)[0];
  if (e->kind == UAT_ENV_CARTPOLE) return out > 0 ? 10.0 : -10.0;
  return 2.0 * tanh(out);
}

double uat_env_episode(uat_env *e, const uat_mlp *policy, gsl_rng *r, double *states, size_t *n,
                       uat_error *err) {
  uat_env_reset(e, r);
  return uat_env_run(e, policy, states, n, err);
}

double uat_env_run(uat_env *e, const uat_mlp *policy, double *states, size_t *n, uat_error *err) {
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(policy, 1);
  if (w == NULL) {
    uat_error_set(err, UAT_ENOMEM, "control: out of memory");
    return NAN;
  }
  const size_t sd = uat_env_state_dim(e);
  size_t k = 0;
  if (states) memcpy(states, e->y, sd * sizeof *states);
  double ret = 0, obs[MAXS];
  for (int done = 0; !done;) {
    uat_env_observe(e, obs);
    double reward;
    if (uat_env_step(e, uat_env_policy_control(e, policy, w, obs), &reward, &done, err) != UAT_OK) {
      ret = NAN;
      break;
    }
    ret += reward;
    k++;
    if (states) memcpy(states + k * sd, e->y, sd * sizeof *states);
  }
  if (n) *n = k + 1;
  uat_mlp_workspace_free(w);
  return ret;
}

double uat_env_evaluate(uat_env *e, const uat_mlp *policy, size_t episodes, unsigned long seed,
                        uat_error *err) {
  gsl_rng *r = uat_rng_alloc(seed);
  if (r == NULL || episodes == 0) {
    gsl_rng_free(r);
    uat_error_set(err, UAT_EINVAL, "control: no episodes");
    return NAN;
  }
  double sum = 0;
  for (size_t k = 0; k < episodes && isfinite(sum); k++)
    sum += uat_env_episode(e, policy, r, NULL, NULL, err);
  gsl_rng_free(r);
  return sum / (double)episodes;
}
