/* gradcheck.c — finite-difference gradient checks. */
#include "uat/gradcheck.h"

#include <gsl/gsl_deriv.h>
#include <gsl/gsl_errno.h>
#include <math.h>

#include "uat/status.h"

uat_gradcheck_params uat_gradcheck_default_params(void) {
  const uat_gradcheck_params p = {UAT_FD_RICHARDSON, 1e-3, 1e-6};
  return p;
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
  const double h = p->h_rel * fmax(1.0, fabs(x));
  if (p->method == UAT_FD_CENTRAL) return (along(x + h, c) - along(x - h, c)) / (2.0 * h);
  gsl_function F = {along, c};
  double result, abserr;
  gsl_deriv_central(&F, x, h, &result, &abserr);
  return result;
}

int uat_gradcheck(uat_scalar_fn f, void *params, size_t n, double *theta, const double *grad,
                  const uat_gradcheck_params *p, double *fd, uat_gradcheck_result *res) {
  component_fn c = {f, params, theta, 0};
  res->worst = 0;
  res->max_abs_err = 0.0;
  res->max_rel_err = 0.0;
  for (size_t i = 0; i < n; i++) {
    c.i = i;
    const double d = derivative(&c, p);
    if (fd) fd[i] = d;
    if (!isfinite(d)) return UAT_EDIVERGED;
    const double abs_err = fabs(grad[i] - d);
    const double rel_err = abs_err / fmax(fmax(fabs(grad[i]), fabs(d)), p->floor);
    if (abs_err > res->max_abs_err) res->max_abs_err = abs_err;
    if (rel_err > res->max_rel_err) {
      res->max_rel_err = rel_err;
      res->worst = i;
    }
  }
  return UAT_OK;
}
