/* fit_bfgs.c — GSL's vector_bfgs2 (Fletcher's BFGS with a dense inverse-Hessian update and
 * its own line search) on the MSE, gradient by backpropagation. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <string.h>

#include "fit_internal.h"

typedef struct {
  uat_fit_batch b;
  const uat_fit_tuning *tune;
  gsl_multimin_function_fdf F;
  gsl_multimin_fdfminimizer *s;
  gsl_vector *x;
} bfgs;

static void set_theta(bfgs *s, const gsl_vector *x) {
  memcpy(s->b.m->theta, x->data, s->b.m->n_params * sizeof(double));
}

static double bfgs_f(const gsl_vector *x, void *p) {
  bfgs *s = p;
  set_theta(s, x);
  return uat_fit_batch_mse(&s->b, NULL);
}

static void bfgs_df(const gsl_vector *x, void *p, gsl_vector *g) {
  bfgs *s = p;
  set_theta(s, x);
  uat_fit_batch_mse(&s->b, g->data);
}

static void bfgs_fdf(const gsl_vector *x, void *p, double *f, gsl_vector *g) {
  bfgs *s = p;
  set_theta(s, x);
  *f = uat_fit_batch_mse(&s->b, g->data);
}

static int bfgs_alloc(void *state, const uat_fit_problem *pb) {
  bfgs *s = state;
  const size_t P = pb->m->n_params;
  s->tune = &pb->p->tune;
  if (uat_fit_batch_alloc(&s->b, pb) != UAT_OK) return UAT_ENOMEM;
  s->F = (gsl_multimin_function_fdf){bfgs_f, bfgs_df, bfgs_fdf, P, s};
  s->s = gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, P);
  s->x = gsl_vector_alloc(P);
  if (s->s == NULL || s->x == NULL) return UAT_ENOMEM;
  memcpy(s->x->data, pb->m->theta, P * sizeof(double));
  gsl_multimin_fdfminimizer_set(s->s, &s->F, s->x, s->tune->bfgs_step, s->tune->bfgs_tol);
  return UAT_OK;
}

static int bfgs_iterate(void *state, double *rmse, int *converged) {
  bfgs *s = state;
  const int it = gsl_multimin_fdfminimizer_iterate(s->s);
  *rmse = sqrt(gsl_multimin_fdfminimizer_minimum(s->s));
  *converged =
      it != GSL_SUCCESS || gsl_multimin_test_gradient(gsl_multimin_fdfminimizer_gradient(s->s),
                                                      s->tune->bfgs_gtol) == GSL_SUCCESS;
  return UAT_OK;
}

static void bfgs_finish(void *state) {
  bfgs *s = state;
  set_theta(s, gsl_multimin_fdfminimizer_x(s->s));
}

static void bfgs_free(void *state) {
  bfgs *s = state;
  uat_fit_batch_free(&s->b);
  gsl_multimin_fdfminimizer_free(s->s);
  if (s->x) gsl_vector_free(s->x);
}

const uat_fit_type uat_fit_type_bfgs = {
    "bfgs",       "GSL's vector_bfgs2: BFGS with a dense inverse Hessian (P^2 memory)",
    1000,         0,
    sizeof(bfgs), bfgs_alloc,
    bfgs_iterate, bfgs_finish,
    bfgs_free};
