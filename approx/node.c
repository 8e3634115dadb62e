/* node.c — a neural ODE fitted to observations: y' = N_theta(y) integrated by CVODES from the
 * first observation, the residuals y(t_k) - obs_k and their Jacobian dy(t_k)/dtheta from the
 * forward sensitivities, Levenberg-Marquardt by GSL (uat/node.h). */
#include <gsl/gsl_blas.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "uat/node.h"
#include "uat/trainers.h"

typedef struct {
  uat_mlp *m;
  uat_mlp_system *sys;
  const double *times, *obs;
  size_t n, dim, P;
  uat_ode_params prm;
  double *Y, *S; /* the last solve, at theta = *at */
  double *at;
  double ridge; /* sqrt(lambda) of the regularising residuals sqrt(lambda) theta_j */
  int ok;
  uat_error err;
} node_ctx;

/* Solve at x unless the last solve was there (f and df ask at the same point). */
static int solve_at(node_ctx *c, const gsl_vector *x) {
  int same = c->ok;
  for (size_t j = 0; j < c->P && same; j++) same = c->at[j] == gsl_vector_get(x, j);
  if (same) return 0;
  for (size_t j = 0; j < c->P; j++) c->m->theta[j] = c->at[j] = gsl_vector_get(x, j);
  c->ok =
      uat_mlp_system_sens(c->sys, c->obs, c->n, c->times, &c->prm, c->Y, c->S, &c->err) == UAT_OK;
  return c->ok ? 0 : -1;
}

static int node_f(const gsl_vector *x, void *params, gsl_vector *f) {
  node_ctx *c = params;
  if (solve_at(c, x) != 0) return GSL_EBADFUNC;
  for (size_t k = 1; k < c->n; k++)
    for (size_t i = 0; i < c->dim; i++)
      gsl_vector_set(f, (k - 1) * c->dim + i, c->Y[k * c->dim + i] - c->obs[k * c->dim + i]);
  for (size_t j = 0; j < c->P; j++)
    gsl_vector_set(f, (c->n - 1) * c->dim + j, c->ridge * gsl_vector_get(x, j));
  return GSL_SUCCESS;
}

static int node_df(const gsl_vector *x, void *params, gsl_matrix *J) {
  node_ctx *c = params;
  if (solve_at(c, x) != 0) return GSL_EBADFUNC;
  for (size_t k = 1; k < c->n; k++)
    for (size_t i = 0; i < c->dim; i++)
      for (size_t j = 0; j < c->P; j++)
        gsl_matrix_set(J, (k - 1) * c->dim + i, j, c->S[(k * c->dim + i) * c->P + j]);
  for (size_t j = 0; j < c->P; j++)
    for (size_t q = 0; q < c->P; q++)
      gsl_matrix_set(J, (c->n - 1) * c->dim + j, q, j == q ? c->ridge : 0.0);
  return GSL_SUCCESS;
}

/* RMS of the data residuals (the ridge rows aside). */
static double data_rmse(const node_ctx *c, const gsl_vector *f) {
  const size_t nd = (c->n - 1) * c->dim;
  double s = 0.0;
  for (size_t i = 0; i < nd; i++) s += gsl_vector_get(f, i) * gsl_vector_get(f, i);
  return sqrt(s / (double)nd);
}

static void ctx_free(node_ctx *c) {
  uat_mlp_system_free(c->sys);
  free(c->Y);
  free(c->S);
  free(c->at);
}

int uat_node_fit_lm(uat_mlp *m, const uat_ode_system *like, size_t n, const double *times,
                    const double *obs, size_t max_iter, double ridge, uat_node_result *r,
                    uat_error *err) {
  memset(r, 0, sizeof *r);
  const size_t dim = like->dim, P = m->n_params;
  if (n < 2 || !(ridge > 0))
    return uat_error_set(err, UAT_EINVAL, "two observations or more and a ridge above 0");
  node_ctx c = {.m = m,
                .times = times,
                .obs = obs,
                .n = n,
                .dim = dim,
                .P = P,
                .prm = uat_ode_default_params(),
                .ridge = sqrt(ridge)};
  c.prm.method = UAT_ODE_BDF;
  c.prm.rtol = 1e-10;
  c.prm.atol = 1e-12;
  c.sys = uat_mlp_system_alloc(m, like, err);
  c.Y = malloc(n * dim * sizeof *c.Y);
  c.S = malloc(n * dim * P * sizeof *c.S);
  c.at = malloc(P * sizeof *c.at);
  if (c.sys == NULL || !c.Y || !c.S || !c.at) {
    ctx_free(&c);
    return err && err->status ? err->status : uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  const size_t nres = (n - 1) * dim + P; /* the ridge rows also let P exceed the data */
  gsl_multifit_nlinear_parameters fp = gsl_multifit_nlinear_default_parameters();
  gsl_multifit_nlinear_workspace *w =
      gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp, nres, P);
  gsl_vector_view x0 = gsl_vector_view_array(m->theta, P);
  gsl_vector *x = gsl_vector_alloc(P);
  gsl_multifit_nlinear_fdf fdf = {node_f, node_df, NULL, nres, P, &c, 0, 0, 0};
  int st = w && x ? UAT_OK : UAT_ENOMEM;
  if (st == UAT_OK) gsl_vector_memcpy(x, &x0.vector);
  if (st == UAT_OK && gsl_multifit_nlinear_init(x, &fdf, w) != GSL_SUCCESS)
    st = uat_error_set(err, UAT_ESOLVER, "the first solve failed: %s", c.err.msg);
  double prev = INFINITY;
  for (size_t it = 0; st == UAT_OK && it < max_iter; it++) {
    const int flag = gsl_multifit_nlinear_iterate(w);
    const double rmse = data_rmse(&c, gsl_multifit_nlinear_residual(w));
    r->iterations = it + 1;
    r->rmse = rmse;
    if (flag != GSL_SUCCESS || !(rmse > 0) || fabs(prev - rmse) <= 1e-14 * rmse) break;
    prev = rmse;
  }
  if (st == UAT_OK) { /* the network at the best point, as the trust region left it */
    const gsl_vector *xb = gsl_multifit_nlinear_position(w);
    for (size_t j = 0; j < P; j++) m->theta[j] = gsl_vector_get(xb, j);
    r->rmse = data_rmse(&c, gsl_multifit_nlinear_residual(w));
  }
  gsl_multifit_nlinear_free(w);
  gsl_vector_free(x);
  ctx_free(&c);
  return st;
}

int uat_node_trajectory_error(const uat_mlp *m, const uat_ode_system *like, const double *y0,
                              size_t n, const double *times, const double *truth, double *error,
                              uat_error *err) {
  uat_mlp_system *s = uat_mlp_system_alloc(m, like, err);
  if (s == NULL) return err->status;
  uat_ode_params prm = uat_ode_default_params();
  prm.method = UAT_ODE_BDF;
  prm.rtol = 1e-12;
  prm.atol = 1e-14;
  uat_ode_trajectory *tr = NULL;
  const int st = uat_ode_solve(uat_mlp_system_get(s), NULL, y0, n, times, &prm, &tr, NULL, err);
  if (st == UAT_OK) {
    double num = 0.0, den = 0.0;
    for (size_t k = 0; k < n * like->dim; k++) {
      num += (tr->y[k] - truth[k]) * (tr->y[k] - truth[k]);
      den += truth[k] * truth[k];
    }
    *error = sqrt(num / den);
  }
  uat_ode_trajectory_free(tr);
  uat_mlp_system_free(s);
  return st;
}

int uat_node_init_collocation(uat_mlp **m, size_t n, size_t dim, const double *times,
                              const double *obs, size_t max_iter, double *rmse, uat_error *err) {
  uat_dataset *d = uat_dataset_alloc(n, dim, dim);
  if (d == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory");
  memcpy(d->x, obs, n * dim * sizeof *obs);
  int st = uat_ode_fd_derivative(n, dim, times, obs, 2, d->y) == UAT_OK
               ? UAT_OK
               : uat_error_set(err, UAT_EINVAL, "collocation needs 3 or more equally spaced times");
  uat_fit_params p = uat_fit_default_params(UAT_FIT_LM);
  p.max_iter = max_iter;
  uat_fit_result res;
  memset(&res, 0, sizeof res);
  if (st == UAT_OK) st = uat_fit_train(m, d, &p, &res, err);
  if (rmse) *rmse = res.rmse;
  uat_dataset_free(d);
  return st;
}
