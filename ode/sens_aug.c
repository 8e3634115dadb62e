/* sens_aug.c — forward sensitivities of a non-stiff system as one augmented ODE
 * (uat_ode_sens_aug): z = [y; S] with y' = f and S' = J S + df/dq, S row-major dim x P,
 * integrated by CVODE's Adams-Moulton method with fixed-point iteration. One right-hand side
 * call computes f, J and df/dq together (for a network: one forward and dim reverse passes), and
 * every vector operation is one call over dim (1 + P) numbers — with a handful of states,
 * CVODES' per-sensitivity-vector calls (uat_ode_sens) cost more than the arithmetic. The error
 * test and the corrector's convergence test weigh the states alone, scaled so that the norm is
 * the plain solve's: the steps are the plain Adams solve's, and the sensitivities, linear in S
 * with the states' Jacobian, converge with them (tests/test_node.c checks them against finite
 * differences). */
#include <cvodes/cvodes.h>
#include <math.h>
#include <nvector/nvector_serial.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sunnonlinsol/sunnonlinsol_fixedpoint.h>

#include "sundials_compat.h"
#include "uat/ode.h"

struct uat_ode_sens_aug {
  size_t dim, P;
  uat_ode_fjq fjq;
  void *ctx;
  uat_ode_params prm;
  double *J, *F; /* dim x dim, dim x P */
  double scale;  /* sqrt(dim (1 + P) / dim): the weights' factor */
  SUNContext sun;
  void *mem;
  N_Vector z;
  SUNNonlinearSolver nls;
  int started;
  char msg[400];
};

/* The weighted RMS norm with the weights aug_weights gives: zero beyond the states, so the sum
 * over the states alone is the same number (skipping terms that add +0) at a fraction of the
 * cost. CVODE calls it only inside CVode, on the calling thread, after the solve below has set
 * the state count. */
static _Thread_local size_t norm_states;

static sunrealtype aug_wrms(N_Vector x, N_Vector w) {
  const double *a = N_VGetArrayPointer(x), *b = N_VGetArrayPointer(w);
  double s = 0.0;
  for (size_t i = 0; i < norm_states; i++) s += (a[i] * b[i]) * (a[i] * b[i]);
  return sqrt(s / (double)N_VGetLength(x));
}

static int aug_rhs(sunrealtype t, N_Vector z, N_Vector zdot, void *user) {
  uat_ode_sens_aug *o = user;
  const size_t n = o->dim, P = o->P;
  const double *y = N_VGetArrayPointer(z), *S = y + n;
  double *f = N_VGetArrayPointer(zdot), *dS = f + n;
  if (o->fjq(t, y, f, o->J, o->F, o->ctx) != 0) return -1;
  for (size_t i = 0; i < n; i++)
    if (!isfinite(f[i])) return 1; /* recoverable: a smaller step */
  for (size_t i = 0; i < n; i++) {
    double *row = dS + i * P;
    memcpy(row, o->F + i * P, P * sizeof *row);
    for (size_t k = 0; k < n; k++) {
      const double a = o->J[i * n + k];
      const double *sk = S + k * P;
      for (size_t j = 0; j < P; j++) row[j] += a * sk[j];
    }
  }
  return 0;
}

/* The plain solve's weights on the states, scaled for the longer vector; none on S. */
static int aug_weights(N_Vector z, N_Vector w, void *user) {
  const uat_ode_sens_aug *o = user;
  const double *y = N_VGetArrayPointer(z);
  double *v = N_VGetArrayPointer(w);
  const size_t N = o->dim * (1 + o->P);
  for (size_t i = 0; i < N; i++)
    v[i] = i < o->dim ? o->scale / (o->prm.rtol * fabs(y[i]) + o->prm.atol) : 0.0;
  return 0;
}

static void aug_error(int code, const char *module, const char *function, char *msg, void *user) {
  (void)code;
  (void)module;
  (void)function;
  uat_ode_sens_aug *o = user;
  snprintf(o->msg, sizeof o->msg, "%s", msg);
}

void uat_ode_sens_aug_free(uat_ode_sens_aug *o) {
  if (o == NULL) return;
  if (o->nls) SUNNonlinSolFree(o->nls);
  if (o->mem) CVodeFree(&o->mem);
  if (o->z) N_VDestroy(o->z);
  if (o->sun) SUNContext_Free(&o->sun);
  free(o->J);
  free(o->F);
  free(o);
}

uat_ode_sens_aug *uat_ode_sens_aug_alloc(size_t dim, size_t P, uat_ode_fjq fjq, void *ctx,
                                         const uat_ode_params *params, uat_error *err) {
  if (dim == 0 || P == 0 || fjq == NULL) {
    uat_error_set(err, UAT_EINVAL, "augmented sensitivities need states, P > 0 and f, J, df/dq");
    return NULL;
  }
  uat_ode_sens_aug *o = calloc(1, sizeof *o);
  if (o == NULL) {
    uat_error_set(err, UAT_ENOMEM, "out of memory");
    return NULL;
  }
  o->dim = dim;
  o->P = P;
  o->fjq = fjq;
  o->ctx = ctx;
  o->prm = params ? *params : uat_ode_default_params();
  o->scale = sqrt((double)(1 + P));
  o->J = malloc(dim * dim * sizeof *o->J);
  o->F = malloc(dim * P * sizeof *o->F);
  const sunindextype N = (sunindextype)(dim * (1 + P));
  if (o->J == NULL || o->F == NULL || uat_sun_context_create(&o->sun) != 0 ||
      (o->z = N_VNew_Serial(N, o->sun)) == NULL ||
      (o->z->ops->nvwrmsnorm = aug_wrms) == NULL || /* inherited by CVODE's clones */
      (o->mem = CVodeCreate(CV_ADAMS, o->sun)) == NULL ||
      uat_cvode_capture_errors(o->mem, aug_error, o) != CV_SUCCESS ||
      (o->nls = SUNNonlinSol_FixedPoint(o->z, 0, o->sun)) == NULL) {
    uat_error_set(err, UAT_ENOMEM, "out of memory or CVODE set-up failed");
    uat_ode_sens_aug_free(o);
    return NULL;
  }
  return o;
}

static int aug_start(uat_ode_sens_aug *o, const double *y0, const double *S0, double t0) {
  double *z = N_VGetArrayPointer(o->z);
  memcpy(z, y0, o->dim * sizeof *z);
  if (S0)
    memcpy(z + o->dim, S0, o->dim * o->P * sizeof *z);
  else
    memset(z + o->dim, 0, o->dim * o->P * sizeof *z);
  if (o->started) return CVodeReInit(o->mem, t0, o->z) == CV_SUCCESS ? 0 : -1;
  if (CVodeInit(o->mem, aug_rhs, t0, o->z) != CV_SUCCESS ||
      CVodeWFtolerances(o->mem, aug_weights) != CV_SUCCESS ||
      CVodeSetUserData(o->mem, o) != CV_SUCCESS ||
      CVodeSetMaxNumSteps(o->mem, o->prm.max_steps) != CV_SUCCESS ||
      CVodeSetNonlinearSolver(o->mem, o->nls) != CV_SUCCESS)
    return -1;
  o->started = 1;
  return 0;
}

int uat_ode_sens_aug_solve(uat_ode_sens_aug *o, const double *y0, const double *S0, size_t n_times,
                           const double *times, double *Y, double *S, uat_error *err) {
  const size_t dim = o->dim, P = o->P;
  if (n_times == 0) return uat_error_set(err, UAT_EINVAL, "no output times");
  for (size_t k = 1; k < n_times; k++)
    if (!(times[k] > times[k - 1]))
      return uat_error_set(err, UAT_EINVAL, "output times must increase");
  o->msg[0] = '\0';
  if (aug_start(o, y0, S0, times[0]) != 0)
    return uat_error_set(err, UAT_ESOLVER, "CVODE set-up failed%s%s", o->msg[0] ? ": " : "",
                         o->msg);
  const double *z = N_VGetArrayPointer(o->z);
  norm_states = dim;
  for (size_t k = 0; k < n_times; k++) {
    double tret = times[0];
    if (k > 0) {
      const int flag = CVode(o->mem, times[k], o->z, &tret, CV_NORMAL);
      if (flag < 0)
        return uat_error_set(err, UAT_ESOLVER,
                             "CVODE failed at t = %.17g (integrating to %.17g): %s", tret, times[k],
                             o->msg[0] ? o->msg : CVodeGetReturnFlagName(flag));
    }
    memcpy(Y + k * dim, z, dim * sizeof *Y);
    memcpy(S + k * dim * P, z + dim, dim * P * sizeof *S);
  }
  return UAT_OK;
}
