/* adjoint.c — the gradient of a loss over observations of an ODE solution by the adjoint method
 * (uat_ode_adjoint_gradient). With g = sum_k g_k(y(t_k)) and lambda(t) = dg/dy(t) (the effect
 * of the state at t on the loss still to come):
 *   lambda' = -J^T lambda between observations, lambda(t_k-) = lambda(t_k+) + dg_k/dy,
 *   dg/dq   = integral over [t_0, t_N] of lambda^T df/dq dt,   dg/dy0 = lambda(t_0-).
 * CVODES integrates lambda backwards (re-initialised at each observation with the jump) from a
 * checkpointed forward solve, and the integral as a backward quadrature. Cost: one forward and
 * one backward solve of dim states plus a P-vector quadrature, against P sensitivity vectors
 * for the forward method. */
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
  uat_ode_vjp vjp;
  void *ctx;
  double *jac; /* dim x dim */
  char msg[400];
} adj_ctx;

static int a_rhs(sunrealtype t, N_Vector y, N_Vector ydot, void *user) {
  adj_ctx *c = user;
  const int st = c->sys->rhs(t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot), c->p, c->sys->ctx);
  const double *f = N_VGetArrayPointer(ydot);
  for (size_t i = 0; i < c->sys->dim; i++)
    if (!isfinite(f[i])) return 1;
  return st;
}

/* The system's Jacobian J at (t, y) into M, or -J^T for the backward problem. */
static int jacobian(adj_ctx *c, sunrealtype t, N_Vector y, SUNMatrix M, int backward) {
  const size_t n = c->sys->dim;
  const int st = c->sys->jac(t, N_VGetArrayPointer(y), c->jac, c->p, c->sys->ctx);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++)
      SM_ELEMENT_D(M, i, j) = backward ? -c->jac[j * n + i] : c->jac[i * n + j];
  return st;
}

static int a_jac(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix J, void *user, N_Vector t1,
                 N_Vector t2, N_Vector t3) {
  (void)fy;
  (void)t1;
  (void)t2;
  (void)t3;
  return jacobian(user, t, y, J, 0);
}

/* lambda' = -J^T lambda */
static int b_rhs(sunrealtype t, N_Vector y, N_Vector yB, N_Vector yBdot, void *user) {
  adj_ctx *c = user;
  double *d = N_VGetArrayPointer(yBdot);
  const int st = c->vjp(t, N_VGetArrayPointer(y), N_VGetArrayPointer(yB), d, NULL, c->ctx);
  for (size_t i = 0; i < c->sys->dim; i++) d[i] = -d[i];
  return st;
}

static int b_jac(sunrealtype t, N_Vector y, N_Vector yB, N_Vector fyB, SUNMatrix JB, void *user,
                 N_Vector t1, N_Vector t2, N_Vector t3) {
  (void)yB;
  (void)fyB;
  (void)t1;
  (void)t2;
  (void)t3;
  return jacobian(user, t, y, JB, 1);
}

/* q' = lambda^T df/dq; integrated backwards from 0, q(t_0) = -dg/dq */
static int b_quad(sunrealtype t, N_Vector y, N_Vector yB, N_Vector qBdot, void *user) {
  adj_ctx *c = user;
  return c->vjp(t, N_VGetArrayPointer(y), N_VGetArrayPointer(yB), NULL, N_VGetArrayPointer(qBdot),
                c->ctx);
}

static void a_error(int code, const char *module, const char *function, char *msg, void *user) {
  (void)code;
  (void)module;
  (void)function;
  adj_ctx *c = user;
  snprintf(c->msg, sizeof c->msg, "%s", msg);
}

typedef struct {
  SUNContext sun;
  void *mem;
  N_Vector y, yB, qB;
  SUNMatrix A, AB;
  SUNLinearSolver LS, LSB;
  int which;
} adj_objects;

static void objects_free(adj_objects *o) {
  if (o->LSB) SUNLinSolFree(o->LSB);
  if (o->AB) SUNMatDestroy(o->AB);
  if (o->LS) SUNLinSolFree(o->LS);
  if (o->A) SUNMatDestroy(o->A);
  if (o->mem) CVodeFree(&o->mem);
  if (o->qB) N_VDestroy(o->qB);
  if (o->yB) N_VDestroy(o->yB);
  if (o->y) N_VDestroy(o->y);
  if (o->sun) SUNContext_Free(&o->sun);
}

/* The forward problem with checkpoints every 50 steps and polynomial interpolation between
 * them (the method's own order, not Hermite's cubic). Adams or BDF as params say, both ways:
 * Adams takes far fewer steps at tight tolerances on non-stiff systems. The quadrature is not
 * in the error test: the steps follow lambda alone (the gradient still converges with the
 * tolerance: test_node compares it with the forward sensitivities). */
static int setup_forward(adj_objects *o, adj_ctx *c, const double *y0, double t0,
                         const uat_ode_params *prm) {
  const sunindextype n = (sunindextype)c->sys->dim;
  if (uat_sun_context_create(&o->sun) != 0 || (o->y = N_VNew_Serial(n, o->sun)) == NULL ||
      (o->yB = N_VNew_Serial(n, o->sun)) == NULL ||
      (o->qB = N_VNew_Serial((sunindextype)c->P, o->sun)) == NULL)
    return -1;
  memcpy(N_VGetArrayPointer(o->y), y0, c->sys->dim * sizeof *y0);
  if ((o->mem = CVodeCreate(prm->method == UAT_ODE_BDF ? CV_BDF : CV_ADAMS, o->sun)) == NULL ||
      uat_cvode_capture_errors(o->mem, a_error, c) != CV_SUCCESS ||
      CVodeInit(o->mem, a_rhs, t0, o->y) != CV_SUCCESS ||
      CVodeSStolerances(o->mem, prm->rtol, prm->atol) != CV_SUCCESS ||
      CVodeSetUserData(o->mem, c) != CV_SUCCESS ||
      CVodeSetMaxNumSteps(o->mem, prm->max_steps) != CV_SUCCESS)
    return -1;
  if ((o->A = SUNDenseMatrix(n, n, o->sun)) == NULL ||
      (o->LS = SUNLinSol_Dense(o->y, o->A, o->sun)) == NULL ||
      CVodeSetLinearSolver(o->mem, o->LS, o->A) != CV_SUCCESS ||
      CVodeSetJacFn(o->mem, a_jac) != CV_SUCCESS)
    return -1;
  return CVodeAdjInit(o->mem, 50, CV_POLYNOMIAL) == CV_SUCCESS ? 0 : -1;
}

static int setup_backward(adj_objects *o, adj_ctx *c, double tB0, const uat_ode_params *prm) {
  const sunindextype n = (sunindextype)c->sys->dim;
  N_VConst(0.0, o->qB);
  if (CVodeCreateB(o->mem, prm->method == UAT_ODE_BDF ? CV_BDF : CV_ADAMS, &o->which) !=
          CV_SUCCESS ||
      CVodeInitB(o->mem, o->which, b_rhs, tB0, o->yB) != CV_SUCCESS ||
      CVodeSStolerancesB(o->mem, o->which, prm->rtol, prm->atol) != CV_SUCCESS ||
      CVodeSetUserDataB(o->mem, o->which, c) != CV_SUCCESS ||
      CVodeSetMaxNumStepsB(o->mem, o->which, prm->max_steps) != CV_SUCCESS)
    return -1;
  if ((o->AB = SUNDenseMatrix(n, n, o->sun)) == NULL ||
      (o->LSB = SUNLinSol_Dense(o->yB, o->AB, o->sun)) == NULL ||
      CVodeSetLinearSolverB(o->mem, o->which, o->LSB, o->AB) != CV_SUCCESS ||
      CVodeSetJacFnB(o->mem, o->which, b_jac) != CV_SUCCESS)
    return -1;
  return CVodeQuadInitB(o->mem, o->which, b_quad, o->qB) == CV_SUCCESS &&
                 CVodeQuadSStolerancesB(o->mem, o->which, prm->rtol, prm->atol) == CV_SUCCESS &&
                 CVodeSetQuadErrConB(o->mem, o->which, SUNFALSE) == CV_SUCCESS
             ? 0
             : -1;
}

/* Forward to every observation time: the states into Y, the loss into *value, dg_k/dy into
 * D (n x dim). */
static int forward(adj_objects *o, adj_ctx *c, uat_ode_obs_loss loss, size_t n, const double *times,
                   double *Y, double *D, double *value, uat_error *err) {
  const size_t dim = c->sys->dim;
  *value = 0.0;
  for (size_t k = 0; k < n; k++) {
    double tret = times[0];
    int ncheck = 0;
    if (k > 0) {
      const int flag = CVodeF(o->mem, times[k], o->y, &tret, CV_NORMAL, &ncheck);
      if (flag < 0)
        return uat_error_set(err, UAT_ESOLVER,
                             "CVODES failed at t = %.17g (integrating to %.17g): %s", tret,
                             times[k], c->msg[0] ? c->msg : CVodeGetReturnFlagName(flag));
    }
    memcpy(Y + k * dim, N_VGetArrayPointer(o->y), dim * sizeof *Y);
    *value += loss(k, Y + k * dim, D + k * dim, c->ctx);
  }
  return UAT_OK;
}

/* Backwards from the last observation, adding each jump and re-initialising there. */
static int backward(adj_objects *o, adj_ctx *c, size_t n, const double *times, const double *D,
                    const uat_ode_params *prm, uat_error *err) {
  const size_t dim = c->sys->dim;
  memcpy(N_VGetArrayPointer(o->yB), D + (n - 1) * dim, dim * sizeof *D);
  if (setup_backward(o, c, times[n - 1], prm) != 0)
    return uat_error_set(err, UAT_ESOLVER, "CVODES backward set-up failed%s%s",
                         c->msg[0] ? ": " : "", c->msg);
  for (size_t k = n - 1; k > 0; k--) {
    double tret = times[k];
    if (k < n - 1 && (CVodeReInitB(o->mem, o->which, times[k], o->yB) != CV_SUCCESS ||
                      CVodeQuadReInitB(o->mem, o->which, o->qB) != CV_SUCCESS))
      return uat_error_set(err, UAT_ESOLVER, "CVODES backward restart failed at t = %.17g",
                           times[k]);
    const int flag = CVodeB(o->mem, times[k - 1], CV_NORMAL);
    if (flag < 0 || CVodeGetB(o->mem, o->which, &tret, o->yB) != CV_SUCCESS ||
        CVodeGetQuadB(o->mem, o->which, &tret, o->qB) != CV_SUCCESS)
      return uat_error_set(err, UAT_ESOLVER,
                           "CVODES backward solve failed at t = %.17g (integrating to %.17g): %s",
                           tret, times[k - 1], c->msg[0] ? c->msg : CVodeGetReturnFlagName(flag));
    double *l = N_VGetArrayPointer(o->yB);
    for (size_t i = 0; i < dim; i++) l[i] += D[(k - 1) * dim + i];
  }
  return UAT_OK;
}

int uat_ode_adjoint_gradient(const uat_ode_system *sys, const double *p, const double *y0, size_t P,
                             uat_ode_vjp vjp, uat_ode_obs_loss loss, void *ctx, size_t n_times,
                             const double *times, const uat_ode_params *params, double *value,
                             double *grad_q, double *grad_y0, uat_error *err) {
  const size_t dim = sys->dim;
  if (sys->jac == NULL || vjp == NULL || loss == NULL || P == 0 || n_times < 2)
    return uat_error_set(err, UAT_EINVAL,
                         "the adjoint needs the Jacobian, the products, a loss, P > 0 and two "
                         "times or more");
  for (size_t k = 1; k < n_times; k++)
    if (!(times[k] > times[k - 1]))
      return uat_error_set(err, UAT_EINVAL, "output times must increase");
  const uat_ode_params prm = params ? *params : uat_ode_default_params();
  adj_ctx c = {sys, p, P, vjp, ctx, malloc(dim * dim * sizeof(double)), ""};
  double *Y = malloc(n_times * dim * sizeof *Y), *D = malloc(n_times * dim * sizeof *D);
  adj_objects o = {0};
  int st = UAT_OK;
  if (c.jac == NULL || Y == NULL || D == NULL)
    st = uat_error_set(err, UAT_ENOMEM, "out of memory");
  else if (setup_forward(&o, &c, y0, times[0], &prm) != 0)
    st = uat_error_set(err, UAT_ESOLVER, "CVODES setup failed%s%s", c.msg[0] ? ": " : "", c.msg);
  if (st == UAT_OK && Y && D) st = forward(&o, &c, loss, n_times, times, Y, D, value, err);
  if (st == UAT_OK && D) st = backward(&o, &c, n_times, times, D, &prm, err);
  if (st == UAT_OK) {
    const double *q = N_VGetArrayPointer(o.qB);
    for (size_t j = 0; j < P; j++) grad_q[j] = -q[j];
    if (grad_y0) memcpy(grad_y0, N_VGetArrayPointer(o.yB), dim * sizeof *grad_y0);
  }
  objects_free(&o);
  free(c.jac);
  free(Y);
  free(D);
  return st;
}
