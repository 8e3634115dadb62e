/* gradcheck.c — finite-difference gradient checks. */
#include "uat/gradcheck.h"

#include <float.h>
#include <gsl/gsl_deriv.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <string.h>

#include "uat/status.h"
#include "uat/util.h"

static const char *const method_names[] = {"central", "richardson", "forward"};

const char *uat_fd_method_name(uat_fd_method m) {
  return uat_enum_name(method_names, sizeof method_names / sizeof *method_names, (int)m);
}

int uat_fd_method_parse(const char *name, uat_fd_method *m) {
  int k = 0;
  const int st = uat_enum_parse(method_names, sizeof method_names / sizeof *method_names, name, &k);
  if (st == UAT_OK) *m = (uat_fd_method)k;
  return st;
}

uat_gradcheck_params uat_gradcheck_default_params(void) {
  const uat_gradcheck_params p = {UAT_FD_RICHARDSON, 0.0, 1e-12, 1e-2};
  return p;
}

/* The relative step for a method: the classical balance of truncation against rounding. */
double uat_fd_step(const uat_gradcheck_params *p) {
  if (p->h_rel > 0) return p->h_rel;
  switch (p->method) {
  case UAT_FD_FORWARD: return sqrt(DBL_EPSILON);
  case UAT_FD_CENTRAL: return cbrt(DBL_EPSILON);
  default: return 1e-2;
  }
}

/* f as a function of component i alone, for gsl_deriv_central. */
typedef struct {
  uat_scalar_fn f;
  void *params;
  double *theta;
  size_t i;
} component_fn;

static double along(double x, void *ctx) {
  component_fn *c = ctx;
  const double saved = c->theta[c->i];
  c->theta[c->i] = x;
  const double v = c->f(c->theta, c->params);
  c->theta[c->i] = saved;
  return v;
}

static double derivative(component_fn *c, const uat_gradcheck_params *p) {
  const double x = c->theta[c->i];
  const double h = uat_fd_step(p) * fmax(1.0, fabs(x));
  if (p->method == UAT_FD_CENTRAL) return (along(x + h, c) - along(x - h, c)) / (2.0 * h);
  if (p->method == UAT_FD_FORWARD) return (along(x + h, c) - along(x, c)) / h;
  gsl_function F = {along, c};
  double result, abserr;
  gsl_deriv_central(&F, x, h, &result, &abserr);
  return result;
}

double uat_fd_derivative(uat_scalar_fn f, void *params, double *theta, size_t i,
                         const uat_gradcheck_params *p) {
  component_fn c = {f, params, theta, i};
  return derivative(&c, p);
}

double uat_fd_rel_error(double g, double fd, double floor) {
  return fabs(g - fd) / fmax(fmax(fabs(g), fabs(fd)), floor);
}

int uat_gradcheck(uat_scalar_fn f, void *params, size_t n, double *theta, const double *grad,
                  const uat_gradcheck_params *p, double *fd, uat_gradcheck_result *res) {
  component_fn c = {f, params, theta, 0};
  res->worst = 0;
  res->max_abs_err = 0.0;
  res->max_rel_err = 0.0;
  double gmax = 0.0;
  for (size_t i = 0; i < n; i++) gmax = fmax(gmax, fabs(grad[i]));
  const double floor = fmax(p->floor, p->floor_rel * gmax);
  for (size_t i = 0; i < n; i++) {
    c.i = i;
    const double d = derivative(&c, p);
    if (fd) fd[i] = d;
    if (!isfinite(d)) return UAT_EDIVERGED;
    const double abs_err = fabs(grad[i] - d);
    const double rel_err = uat_fd_rel_error(grad[i], d, floor);
    if (abs_err > res->max_abs_err) res->max_abs_err = abs_err;
    if (rel_err > res->max_rel_err) {
      res->max_rel_err = rel_err;
      res->worst = i;
    }
  }
  return UAT_OK;
}
