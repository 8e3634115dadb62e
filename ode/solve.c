/* solve.c — the CVODE driver.
 *
 * The code follows CVODE's documented call order (as in its cvRoberts_dns example):
 * context -> create -> init -> tolerances -> options -> linear solver -> solve loop ->
 * statistics -> free in reverse. */
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

uat_ode_params uat_ode_default_params(void) {
  const uat_ode_params p = {UAT_ODE_ADAMS, UAT_ODE_OUTPUT_INTERP, 1e-10, 1e-12, 100000, 1};
  return p;
}

uat_ode_trajectory *uat_ode_trajectory_alloc(size_t dim, size_t cap) {
  if (dim == 0 || cap == 0) return NULL;
  uat_ode_trajectory *tr = calloc(1, sizeof *tr);
  if (tr == NULL) return NULL;
  tr->dim = dim;
  tr->cap = cap;
  tr->t = malloc(cap * sizeof *tr->t);
  tr->y = malloc(cap * dim * sizeof *tr->y);
  if (!tr->t || !tr->y) {
    uat_ode_trajectory_free(tr);
    return NULL;
  }
  return tr;
}

void uat_ode_trajectory_free(uat_ode_trajectory *tr) {
  if (tr == NULL) return;
  free(tr->t);
  free(tr->y);
  free(tr);
}

/* Append a row, growing the arrays (only the dense-sampling mode needs to grow). */
static int append(uat_ode_trajectory *tr, double t, const double *y) {
  if (tr->n == tr->cap) {
    const size_t cap = 2 * tr->cap;
    double *nt = realloc(tr->t, cap * sizeof *nt);
    if (nt == NULL) return -1;
    tr->t = nt;
    double *ny = realloc(tr->y, cap * tr->dim * sizeof *ny);
    if (ny == NULL) return -1;
    tr->y = ny;
    tr->cap = cap;
  }
  tr->t[tr->n] = t;
  memcpy(tr->y + tr->n * tr->dim, y, tr->dim * sizeof *y);
  tr->n++;
  return 0;
}

/* What the callbacks see, and what they found. */
typedef struct {
  const uat_ode_system *sys;
  const double *p;
  double *jac;         /* dim x dim row-major scratch */
  int nonfinite;       /* the right-hand side returned NaN or Inf */
  double nonfinite_t;  /* ... first at this time */
  int rhs_status;      /* last non-zero status returned by the user's rhs */
  char cvode_msg[400]; /* CVODE's own words for its last error */
} solve_ctx;

static int cv_rhs(sunrealtype t, N_Vector y, N_Vector ydot, void *user) {
  solve_ctx *c = user;
  const double *yv = N_VGetArrayPointer(y);
  double *f = N_VGetArrayPointer(ydot);
  const int st = c->sys->rhs(t, yv, f, c->p, c->sys->ctx);
  if (st != 0) {
    c->rhs_status = st;
    return st;
  }
  for (size_t i = 0; i < c->sys->dim; i++) {
    if (!isfinite(f[i])) {
      /* Recoverable: CVODE retries with a smaller step before giving up. */
      if (!c->nonfinite) c->nonfinite_t = t;
      c->nonfinite = 1;
      return 1;
    }
  }
  return 0;
}

static int cv_jac(sunrealtype t, N_Vector y, N_Vector fy, SUNMatrix J, void *user, N_Vector t1,
                  N_Vector t2, N_Vector t3) {
  (void)fy;
  (void)t1;
  (void)t2;
  (void)t3;
  solve_ctx *c = user;
  const size_t n = c->sys->dim;
  const int st = c->sys->jac(t, N_VGetArrayPointer(y), c->jac, c->p, c->sys->ctx);
  if (st != 0) return st;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      if (!isfinite(c->jac[i * n + j])) return 1;
      SM_ELEMENT_D(J, (sunindextype)i, (sunindextype)j) = c->jac[i * n + j];
    }
  return 0;
}

static void cv_error(int code, const char *module, const char *function, char *msg, void *user) {
  (void)code;
  (void)module;
  solve_ctx *c = user;
  snprintf(c->cvode_msg, sizeof c->cvode_msg, "%s: %s", function, msg);
}

/* The SUNDIALS objects of one solve, freed together in reverse order of creation. */
typedef struct {
  SUNContext ctx;
  N_Vector y;
  void *mem;
  SUNMatrix A;
  SUNLinearSolver LS;
} cvode_objects;

static void free_objects(cvode_objects *o) {
  if (o->LS) SUNLinSolFree(o->LS);
  if (o->A) SUNMatDestroy(o->A);
  if (o->mem) CVodeFree(&o->mem);
  if (o->y) N_VDestroy(o->y);
  if (o->ctx) SUNContext_Free(&o->ctx);
}

static int check_args(const uat_ode_system *sys, const double *y0, size_t n_times,
                      const double *times, const uat_ode_params *params, uat_error *err) {
  if (sys == NULL || sys->rhs == NULL || sys->dim == 0 || y0 == NULL || times == NULL ||
      params == NULL)
    return uat_error_set(err, UAT_EINVAL, "ode: missing system, initial state or times");
  if (n_times < 2) return uat_error_set(err, UAT_EINVAL, "ode: expected at least two times");
  for (size_t k = 0; k < n_times; k++) {
    if (!isfinite(times[k]) || (k > 0 && !(times[k] > times[k - 1])))
      return uat_error_set(err, UAT_EINVAL, "ode: expected finite, strictly increasing times");
  }
  for (size_t i = 0; i < sys->dim; i++)
    if (!isfinite(y0[i]))
      return uat_error_set(err, UAT_EINVAL, "ode: initial value of %s is not finite",
                           sys->state_names[i]);
  if (!(params->rtol > 0) || !(params->atol >= 0) || !isfinite(params->rtol) ||
      !isfinite(params->atol) || params->max_steps <= 0)
    return uat_error_set(err, UAT_EINVAL, "ode: expected rtol > 0, atol >= 0 and max_steps > 0");
  return UAT_OK;
}

static int setup(cvode_objects *o, solve_ctx *c, const double *y0, double t0,
                 const uat_ode_params *params) {
  const sunindextype n = (sunindextype)c->sys->dim;
  if (uat_sun_context_create(&o->ctx) != 0) return -1;
  o->y = N_VNew_Serial(n, o->ctx);
  if (o->y == NULL) return -1;
  memcpy(N_VGetArrayPointer(o->y), y0, c->sys->dim * sizeof *y0);
  o->mem = CVodeCreate(params->method == UAT_ODE_BDF ? CV_BDF : CV_ADAMS, o->ctx);
  if (o->mem == NULL) return -1;
  if (uat_cvode_capture_errors(o->mem, cv_error, c) != CV_SUCCESS) return -1;
  if (CVodeInit(o->mem, cv_rhs, t0, o->y) != CV_SUCCESS) return -1;
  if (CVodeSStolerances(o->mem, params->rtol, params->atol) != CV_SUCCESS) return -1;
  if (CVodeSetUserData(o->mem, c) != CV_SUCCESS) return -1;
  if (CVodeSetMaxNumSteps(o->mem, params->max_steps) != CV_SUCCESS) return -1;
  o->A = SUNDenseMatrix(n, n, o->ctx);
  if (o->A == NULL) return -1;
  o->LS = SUNLinSol_Dense(o->y, o->A, o->ctx);
  if (o->LS == NULL) return -1;
  if (CVodeSetLinearSolver(o->mem, o->LS, o->A) != CV_SUCCESS) return -1;
  if (params->use_jacobian && c->sys->jac != NULL && CVodeSetJacFn(o->mem, cv_jac) != CV_SUCCESS)
    return -1;
  return 0;
}

static int integrate(cvode_objects *o, size_t n_times, const double *times,
                     const uat_ode_params *params, uat_ode_trajectory *tr) {
  sunrealtype tret = times[0];
  const double *y = N_VGetArrayPointer(o->y);
  if (params->output == UAT_ODE_OUTPUT_STEPS) {
    const double tend = times[n_times - 1];
    if (CVodeSetStopTime(o->mem, tend) != CV_SUCCESS) return CV_ILL_INPUT;
    while (tret < tend) {
      const int flag = CVode(o->mem, tend, o->y, &tret, CV_ONE_STEP);
      if (flag < 0) return flag;
      if (append(tr, tret, y) != 0) return CV_MEM_FAIL;
    }
    return CV_SUCCESS;
  }
  for (size_t k = 1; k < n_times; k++) {
    if (params->output == UAT_ODE_OUTPUT_STOP && CVodeSetStopTime(o->mem, times[k]) != CV_SUCCESS)
      return CV_ILL_INPUT;
    const int flag = CVode(o->mem, times[k], o->y, &tret, CV_NORMAL);
    if (flag < 0) return flag;
    if (append(tr, times[k], y) != 0) return CV_MEM_FAIL;
  }
  return CV_SUCCESS;
}

static void collect_stats(void *mem, uat_ode_stats *s) {
  memset(s, 0, sizeof *s);
  CVodeGetNumSteps(mem, &s->steps);
  CVodeGetNumRhsEvals(mem, &s->rhs_evals);
  CVodeGetNumLinRhsEvals(mem, &s->lin_rhs_evals);
  CVodeGetNumJacEvals(mem, &s->jac_evals);
  CVodeGetNumErrTestFails(mem, &s->err_test_fails);
  CVodeGetNumNonlinSolvIters(mem, &s->nonlin_iters);
  CVodeGetNumNonlinSolvConvFails(mem, &s->nonlin_conv_fails);
  CVodeGetLastOrder(mem, &s->last_order);
  CVodeGetLastStep(mem, &s->last_step);
  CVodeGetCurrentTime(mem, &s->t_reached);
}

static int report_failure(const solve_ctx *c, int flag, double t0, double t_reached, double t_end,
                          uat_error *err) {
  char *name = CVodeGetReturnFlagName(flag);
  char why[480];
  if (c->nonfinite)
    snprintf(why, sizeof why, "the right-hand side returned NaN or Inf (first at t = %.17g)",
             c->nonfinite_t);
  else if (c->rhs_status < 0)
    snprintf(why, sizeof why, "the right-hand side failed with status %d", c->rhs_status);
  else
    snprintf(why, sizeof why, "%s", c->cvode_msg[0] ? c->cvode_msg : "no further detail");
  const int st = uat_error_set(err, UAT_ESOLVER,
                               "%s: CVODE failed at t = %.17g (integrating from %g to %g): "
                               "%s: %s",
                               c->sys->name ? c->sys->name : "system", t_reached, t0, t_end,
                               name ? name : "unknown flag", why);
  free(name);
  return st;
}

int uat_ode_solve(const uat_ode_system *sys, const double *p, const double *y0, size_t n_times,
                  const double *times, const uat_ode_params *params, uat_ode_trajectory **out,
                  uat_ode_stats *stats, uat_error *err) {
  *out = NULL;
  int st = check_args(sys, y0, n_times, times, params, err);
  if (st != UAT_OK) return st;
  solve_ctx c;
  memset(&c, 0, sizeof c);
  c.sys = sys;
  c.p = p ? p : sys->param_defaults;
  c.jac = malloc(sys->dim * sys->dim * sizeof *c.jac);
  uat_ode_trajectory *tr = uat_ode_trajectory_alloc(sys->dim, n_times);
  cvode_objects o;
  memset(&o, 0, sizeof o);
  uat_ode_stats local;
  uat_ode_stats *s = stats ? stats : &local;
  memset(s, 0, sizeof *s);
  s->t_reached = times[0];
  if (c.jac == NULL || tr == NULL || append(tr, times[0], y0) != 0 ||
      setup(&o, &c, y0, times[0], params) != 0) {
    st = uat_error_set(err, c.cvode_msg[0] ? UAT_ESOLVER : UAT_ENOMEM,
                       "ode: cannot set up CVODE%s%s", c.cvode_msg[0] ? ": " : "", c.cvode_msg);
  } else {
    const int flag = integrate(&o, n_times, times, params, tr);
    collect_stats(o.mem, s);
    if (flag == CV_MEM_FAIL)
      st = uat_error_set(err, UAT_ENOMEM, "ode: out of memory");
    else if (flag < 0)
      st = report_failure(&c, flag, times[0], s->t_reached, times[n_times - 1], err);
  }
  free_objects(&o);
  free(c.jac);
  if (st != UAT_OK) {
    uat_ode_trajectory_free(tr);
    return st;
  }
  *out = tr;
  return UAT_OK;
}
