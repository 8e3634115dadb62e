/* sens.c — forward sensitivities with CVODES (uat_ode_solve_sens): y' = f(t, y; q) with the
 * derivatives of the solution with respect to q, s_j' = J s_j + df/dq_j, integrated together
 * (staggered corrector, sensitivities in the error test, SUNDIALS' fused vector operations). */
#include <cvodes/cvodes.h>
#include <math.h>
#include <nvector/nvector_serial.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include "sundials_compat.h"
#include "uat/ode.h"

typedef struct {
  const uat_ode_system *sys;
  const double *p;
  size_t P;
  uat_ode_dfdq dfdq;
  void *ctx;
  double *jac;      /* dim x dim */
  double *dfdq_buf; /* dim x P */
  char msg[400];
} sens_ctx;

static int s_rhs(sunrealtype t, N_Vector y, N_Vector ydot, void *user) {
  sens_ctx *c = user;
  const int st = c->sys->rhs(t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot), c->p, c->sys->ctx);
  const double *f = N_VGetArrayPointer(ydot);
  for (size_t i = 0; i < c->sys->dim; i++)
    if (!isfinite(f[i])) return 1; /* recoverable: CVODES retries with a smaller step */
  return st;
}

static int s_jac(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix J, void *user, N_Vector t1,
                 N_Vector t2, N_Vector t3) {
  (void)fy;
  (void)t1;
  (void)t2;
  (void)t3;
  sens_ctx *c = user;
  const size_t n = c->sys->dim;
  const int st = c->sys->jac(t, N_VGetArrayPointer(y), c->jac, c->p, c->sys->ctx);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) SM_ELEMENT_D(J, i, j) = c->jac[i * n + j];
  return st;
}

/* s_j' = J s_j + df/dq_j for every j: one Jacobian and one df/dq per call. */
static int s_sens(int Ns, sunrealtype t, N_Vector y, N_Vector ydot, N_Vector *yS, N_Vector *ySdot,
                  void *user, N_Vector tmp1, N_Vector tmp2) {
  (void)ydot;
  (void)tmp1;
  (void)tmp2;
  sens_ctx *c = user;
  const size_t n = c->sys->dim, P = (size_t)Ns;
  const double *yv = N_VGetArrayPointer(y);
  int st = c->sys->jac(t, yv, c->jac, c->p, c->sys->ctx);
  if (st == 0) st = c->dfdq(t, yv, c->dfdq_buf, c->ctx);
  for (size_t j = 0; st == 0 && j < P; j++) {
    const double *s = N_VGetArrayPointer(yS[j]);
    double *ds = N_VGetArrayPointer(ySdot[j]);
    for (size_t i = 0; i < n; i++) {
      double v = c->dfdq_buf[i * P + j];
      for (size_t k = 0; k < n; k++) v += c->jac[i * n + k] * s[k];
      ds[i] = v;
    }
  }
  return st;
}

static void s_error(int code, const char *module, const char *function, char *msg, void *user) {
  (void)code;
  (void)module;
  (void)function;
  sens_ctx *c = user;
  snprintf(c->msg, sizeof c->msg, "%s", msg);
}

struct uat_ode_sens {
  sens_ctx c;
  uat_ode_params prm;
  SUNContext sun;
  void *mem;
  N_Vector y;
  N_Vector *yS;
  SUNMatrix A;
  SUNLinearSolver LS;
  size_t P;
  int started; /* CVodeInit done: later solves re-initialise */
};

void uat_ode_sens_free(uat_ode_sens *o) {
  if (o == NULL) return;
  if (o->LS) SUNLinSolFree(o->LS);
  if (o->A) SUNMatDestroy(o->A);
  if (o->mem) CVodeFree(&o->mem);
  if (o->yS) N_VDestroyVectorArray(o->yS, (int)o->P);
  if (o->y) N_VDestroy(o->y);
  if (o->sun) SUNContext_Free(&o->sun);
  free(o->c.jac);
  free(o->c.dfdq_buf);
  free(o);
}

/* Everything but the integrator's state: vectors, solver memory, linear solver. */
static int setup(uat_ode_sens *o) {
  const sunindextype n = (sunindextype)o->c.sys->dim;
  if (uat_sun_context_create(&o->sun) != 0) return -1;
  if ((o->y = N_VNew_Serial(n, o->sun)) == NULL) return -1;
  /* one fused call per operation over all P sensitivity vectors, not P calls: with a handful
   * of states the per-call cost is most of the work */
  if (N_VEnableFusedOps_Serial(o->y, SUNTRUE) != 0) return -1;
  if ((o->mem = CVodeCreate(CV_BDF, o->sun)) == NULL) return -1;
  if (uat_cvode_capture_errors(o->mem, s_error, &o->c) != CV_SUCCESS) return -1;
  if ((o->A = SUNDenseMatrix(n, n, o->sun)) == NULL ||
      (o->LS = SUNLinSol_Dense(o->y, o->A, o->sun)) == NULL)
    return -1;
  if ((o->yS = N_VCloneVectorArray((int)o->P, o->y)) == NULL) return -1;
  return 0;
}

uat_ode_sens *uat_ode_sens_alloc(const uat_ode_system *sys, size_t P, uat_ode_dfdq dfdq, void *ctx,
                                 const uat_ode_params *params, uat_error *err) {
  if (sys->jac == NULL || dfdq == NULL || P == 0) {
    uat_error_set(err, UAT_EINVAL, "sensitivities need the Jacobian, df/dq and P > 0");
    return NULL;
  }
  uat_ode_sens *o = calloc(1, sizeof *o);
  if (o == NULL) {
    uat_error_set(err, UAT_ENOMEM, "out of memory");
    return NULL;
  }
  o->P = P;
  o->prm = params ? *params : uat_ode_default_params();
  o->c = (sens_ctx){sys,
                    NULL,
                    P,
                    dfdq,
                    ctx,
                    malloc(sys->dim * sys->dim * sizeof(double)),
                    malloc(sys->dim * P * sizeof(double)),
                    ""};
  if (o->c.jac == NULL || o->c.dfdq_buf == NULL || setup(o) != 0) {
    uat_error_set(err, UAT_ESOLVER, "CVODES setup failed%s%s", o->c.msg[0] ? ": " : "", o->c.msg);
    uat_ode_sens_free(o);
    return NULL;
  }
  return o;
}

/* Initial values into the vectors, then CVodeInit the first time and CVodeReInit after. */
static int start(uat_ode_sens *o, const double *y0, const double *S0, double t0) {
  const size_t dim = o->c.sys->dim, P = o->P;
  memcpy(N_VGetArrayPointer(o->y), y0, dim * sizeof *y0);
  for (size_t j = 0; j < P; j++) {
    double *s = N_VGetArrayPointer(o->yS[j]);
    for (size_t i = 0; i < dim; i++) s[i] = S0 ? S0[i * P + j] : 0.0;
  }
  if (o->started)
    return CVodeReInit(o->mem, t0, o->y) == CV_SUCCESS &&
                   CVodeSensReInit(o->mem, CV_STAGGERED, o->yS) == CV_SUCCESS
               ? 0
               : -1;
  if (CVodeInit(o->mem, s_rhs, t0, o->y) != CV_SUCCESS ||
      CVodeSStolerances(o->mem, o->prm.rtol, o->prm.atol) != CV_SUCCESS ||
      CVodeSetUserData(o->mem, &o->c) != CV_SUCCESS ||
      CVodeSetMaxNumSteps(o->mem, o->prm.max_steps) != CV_SUCCESS ||
      CVodeSetLinearSolver(o->mem, o->LS, o->A) != CV_SUCCESS ||
      CVodeSetJacFn(o->mem, s_jac) != CV_SUCCESS)
    return -1;
  /* The step size is controlled by the states alone: the sensitivities still converge with
   * the tolerance (test_node checks them against finite differences to 1e-6), at about half
   * the steps of including them in the error test. */
  if (CVodeSensInit(o->mem, (int)P, CV_STAGGERED, s_sens, o->yS) != CV_SUCCESS ||
      CVodeSensEEtolerances(o->mem) != CV_SUCCESS ||
      CVodeSetSensErrCon(o->mem, SUNFALSE) != CV_SUCCESS)
    return -1;
  o->started = 1;
  return 0;
}

int uat_ode_sens_solve(uat_ode_sens *o, const double *p, const double *y0, const double *S0,
                       size_t n_times, const double *times, double *Y, double *S, uat_error *err) {
  const size_t dim = o->c.sys->dim, P = o->P;
  if (n_times == 0) return uat_error_set(err, UAT_EINVAL, "no output times");
  for (size_t k = 1; k < n_times; k++)
    if (!(times[k] > times[k - 1]))
      return uat_error_set(err, UAT_EINVAL, "output times must increase");
  o->c.p = p;
  o->c.msg[0] = '\0';
  if (start(o, y0, S0, times[0]) != 0)
    return uat_error_set(err, UAT_ESOLVER, "CVODES set-up failed%s%s", o->c.msg[0] ? ": " : "",
                         o->c.msg);
  for (size_t k = 0; k < n_times; k++) {
    double tret = times[0];
    if (k > 0) {
      const int flag = CVode(o->mem, times[k], o->y, &tret, CV_NORMAL);
      if (flag < 0 || CVodeGetSens(o->mem, &tret, o->yS) != CV_SUCCESS)
        return uat_error_set(err, UAT_ESOLVER,
                             "CVODES failed at t = %.17g (integrating to %.17g): %s", tret,
                             times[k], o->c.msg[0] ? o->c.msg : CVodeGetReturnFlagName(flag));
    }
    memcpy(Y + k * dim, N_VGetArrayPointer(o->y), dim * sizeof *Y);
    for (size_t j = 0; j < P; j++) {
      const double *s = N_VGetArrayPointer(o->yS[j]);
      for (size_t i = 0; i < dim; i++) S[(k * dim + i) * P + j] = s[i];
    }
  }
  return UAT_OK;
}

int uat_ode_solve_sens(const uat_ode_system *sys, const double *p, const double *y0, size_t P,
                       uat_ode_dfdq dfdq, void *ctx, size_t n_times, const double *times,
                       const uat_ode_params *params, double *Y, double *S, uat_error *err) {
  uat_ode_sens *o = uat_ode_sens_alloc(sys, P, dfdq, ctx, params, err);
  if (o == NULL) return err ? err->status : UAT_ESOLVER;
  const int st = uat_ode_sens_solve(o, p, y0, NULL, n_times, times, Y, S, err);
  uat_ode_sens_free(o);
  return st;
}
