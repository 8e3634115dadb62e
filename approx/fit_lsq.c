/* fit_lsq.c — the least-squares trainers: Levenberg-Marquardt on all parameters, and variable
 * projection (Golub & Pereyra; Kaufman's Jacobian): the linear last layer solved exactly at
 * every step, Levenberg-Marquardt on the hidden parameters. Both through GSL's trust-region
 * solver (multifit_nlinear), Jacobians by batched backpropagation. */
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fit_internal.h"
#include "uat/kernels.h"
#include "uat/util.h"

/* ---- Levenberg-Marquardt and variable projection ------------------------------------------- */
typedef struct {
  uat_mlp *m;
  const uat_dataset *d;
  uat_mlp_workspace *wn; /* the whole set */
  size_t np;             /* parameters optimised: all (LM) or the hidden ones (varpro) */
  int varpro;
  /* varpro: A = [phi, 1] (n x k), its SVD, and the projector's basis */
  gsl_matrix *A, *V;
  gsl_vector *S, *work;
  size_t rank;
  double *T, *pack;    /* varpro: the projection's k x np product and the products' scratch */
  double *solved_at;   /* varpro: hidden parameters of the last linear solve (np) */
  double *coef;        /* varpro: one output's linear coefficients (k) */
  int solved;          /* whether solved_at holds a point */
  double rcond;        /* varpro: relative singular value threshold */
  uat_fit_result *res; /* counts evaluations and their time */
} lsq_ctx;

/* The residual Jacobian rows d y_k,o / d theta[0..np) at the current theta: one batched
 * forward pass and one batched backward pass per output. */
static void residual_jacobian(lsq_ctx *c, gsl_matrix *J) {
  const size_t n = c->d->n, out = c->d->out;
  uat_mlp_forward(c->m, c->wn, n, c->d->x);
  for (size_t o = 0; o < out; o++)
    uat_mlp_backward_rows(c->m, c->wn, o, c->np, gsl_matrix_ptr(J, o * n, 0), J->tda);
}

/* varpro: solve the last layer exactly for the current hidden parameters (truncated SVD). */
static int solve_linear(lsq_ctx *c) {
  uat_mlp *m = c->m;
  /* GSL asks for the residual and the Jacobian at the same point: one SVD serves both */
  if (c->solved && memcmp(c->solved_at, m->theta, c->np * sizeof *m->theta) == 0) return 0;
  c->solved = 0;
  const size_t L = m->n_layers, n = c->d->n, h = m->sizes[L - 1], out = c->d->out;
  uat_mlp_forward(m, c->wn, n, c->d->x);
  const double *phi = L >= 2 ? c->wn->a[L - 2] : c->d->x;
  for (size_t k = 0; k < n; k++) {
    for (size_t j = 0; j < h; j++) gsl_matrix_set(c->A, k, j, phi[k * h + j]);
    gsl_matrix_set(c->A, k, h, 1.0);
  }
  if (gsl_linalg_SV_decomp(c->A, c->V, c->S, c->work) != GSL_SUCCESS) return -1;
  /* A now holds U. Singular values below rcond times the largest count as zero. */
  const double smax = gsl_vector_get(c->S, 0);
  c->rank = 0;
  while (c->rank < h + 1 && gsl_vector_get(c->S, c->rank) > c->rcond * smax) c->rank++;
  double *W = uat_mlp_weights(m, L - 1), *b = uat_mlp_bias(m, L - 1);
  double *coef = c->coef;
  for (size_t o = 0; o < out; o++) {
    memset(coef, 0, (h + 1) * sizeof *coef);
    for (size_t r = 0; r < c->rank; r++) {
      double u_t = 0.0;
      for (size_t k = 0; k < n; k++) u_t += gsl_matrix_get(c->A, k, r) * c->d->y[k * out + o];
      u_t /= gsl_vector_get(c->S, r);
      for (size_t j = 0; j <= h; j++) coef[j] += gsl_matrix_get(c->V, j, r) * u_t;
    }
    for (size_t j = 0; j < h; j++) W[o * h + j] = coef[j];
    b[o] = coef[h];
  }
  memcpy(c->solved_at, m->theta, c->np * sizeof *m->theta);
  c->solved = 1;
  return 0;
}

static int lsq_f_timed(const gsl_vector *x, void *p, gsl_vector *f);

static int lsq_f(const gsl_vector *x, void *p, gsl_vector *f) {
  lsq_ctx *c = p;
  const double t0 = uat_seconds();
  const int st = lsq_f_timed(x, p, f);
  c->res->eval_seconds += uat_seconds() - t0;
  return st;
}

static int lsq_f_timed(const gsl_vector *x, void *p, gsl_vector *f) {
  lsq_ctx *c = p;
  memcpy(c->m->theta, x->data, c->np * sizeof(double));
  if (c->varpro && solve_linear(c) != 0) return GSL_EFAILED;
  const size_t n = c->d->n, out = c->d->out;
  const double *y = uat_mlp_forward(c->m, c->wn, n, c->d->x);
  c->res->evaluations++;
  for (size_t k = 0; k < n; k++)
    for (size_t o = 0; o < out; o++) {
      const double r = y[k * out + o] - c->d->y[k * out + o];
      if (!isfinite(r)) return GSL_EBADFUNC;
      gsl_vector_set(f, o * n + k, r);
    }
  return GSL_SUCCESS;
}

/* varpro's Kaufman Jacobian: the projection of the full Jacobian (at the optimal linear
 * parameters) onto the orthogonal complement of range(A): J - U_r (U_r^T J), one column u of
 * U_r at a time (modified Gram-Schmidt: each u meets the columns already cleared of the ones
 * before it), each step as two products: t = u^T J_o, then J_o += u (-t). */
static void project_out(lsq_ctx *c, gsl_matrix *J) {
  const size_t n = c->d->n, out = c->d->out, np = c->np, k = c->A->tda;
  for (size_t o = 0; o < out; o++) {
    double *Jo = gsl_matrix_ptr(J, o * n, 0);
    for (size_t r = 0; r < c->rank; r++) {
      const double *u = c->A->data + r; /* column r of U, stride k */
      uat_gemm(1, 0, 1, np, n, u, k, Jo, J->tda, 0, c->T, np, c->pack);
      for (size_t i = 0; i < np; i++) c->T[i] = -c->T[i];
      uat_gemm(0, 0, n, np, 1, u, k, c->T, np, 1, Jo, J->tda, c->pack);
    }
  }
}

static int lsq_df(const gsl_vector *x, void *p, gsl_matrix *J) {
  lsq_ctx *c = p;
  const double t0 = uat_seconds();
  memcpy(c->m->theta, x->data, c->np * sizeof(double));
  int st = GSL_SUCCESS;
  if (c->varpro && solve_linear(c) != 0) st = GSL_EFAILED;
  if (st == GSL_SUCCESS) {
    residual_jacobian(c, J);
    if (c->varpro) project_out(c, J);
  }
  c->res->eval_seconds += uat_seconds() - t0;
  return st;
}

static int lsq_alloc(lsq_ctx *c, uat_mlp *m, const uat_dataset *d, int varpro, double rcond,
                     uat_fit_result *res) {
  memset(c, 0, sizeof *c);
  c->m = m;
  c->d = d;
  c->varpro = varpro;
  c->rcond = rcond;
  c->res = res;
  c->np = varpro ? m->offset[m->n_layers - 1] : m->n_params;
  c->wn = uat_mlp_workspace_alloc(m, d->n);
  if (!c->wn) return UAT_ENOMEM;
  if (varpro) {
    const size_t k = m->sizes[m->n_layers - 1] + 1;
    if (d->n < k) return UAT_EINVAL;
    c->A = gsl_matrix_alloc(d->n, k);
    c->V = gsl_matrix_alloc(k, k);
    c->S = gsl_vector_alloc(k);
    c->work = gsl_vector_alloc(k);
    c->T = malloc(k * (c->np ? c->np : 1) * sizeof *c->T);
    const size_t pk = uat_gemm_pack_size(k, c->np, d->n), pn = uat_gemm_pack_size(d->n, c->np, k);
    c->pack = malloc((pk > pn ? pk : pn) * sizeof *c->pack + 1);
    c->solved_at = malloc((c->np ? c->np : 1) * sizeof *c->solved_at);
    c->coef = malloc(k * sizeof *c->coef);
    if (!c->A || !c->V || !c->S || !c->work || !c->T || !c->pack || !c->solved_at || !c->coef)
      return UAT_ENOMEM;
  }
  return UAT_OK;
}

static void lsq_free(lsq_ctx *c) {
  uat_mlp_workspace_free(c->wn);
  if (c->A) gsl_matrix_free(c->A);
  if (c->V) gsl_matrix_free(c->V);
  if (c->S) gsl_vector_free(c->S);
  if (c->work) gsl_vector_free(c->work);
  free(c->T);
  free(c->pack);
  free(c->solved_at);
  free(c->coef);
}

/* ---- variable projection's evaluation on its own (benchmarks, checks) ---------------------- */
struct uat_varpro {
  lsq_ctx c;
  uat_fit_result res;
  gsl_vector *x, *f;
  gsl_matrix *J;
};

void uat_varpro_free(uat_varpro *v) {
  if (v == NULL) return;
  lsq_free(&v->c);
  if (v->x) gsl_vector_free(v->x);
  if (v->f) gsl_vector_free(v->f);
  if (v->J) gsl_matrix_free(v->J);
  free(v);
}

uat_varpro *uat_varpro_alloc(uat_mlp *m, const uat_dataset *d) {
  if (m == NULL || d == NULL || m->n_layers < 2 || m->act[m->n_layers - 1] != UAT_ACT_IDENTITY ||
      d->in != uat_mlp_in(m) || d->out != uat_mlp_out(m))
    return NULL;
  uat_varpro *v = calloc(1, sizeof *v);
  if (v == NULL) return NULL;
  const uat_fit_params p = uat_fit_default_params(UAT_FIT_VARPRO);
  const int st = lsq_alloc(&v->c, m, d, 1, p.tune.varpro_rcond, &v->res);
  const size_t np = v->c.np ? v->c.np : 1;
  v->x = gsl_vector_alloc(np);
  v->f = gsl_vector_alloc(d->n * d->out);
  v->J = gsl_matrix_alloc(d->n * d->out, np);
  if (st != UAT_OK || !v->x || !v->f || !v->J) {
    uat_varpro_free(v);
    return NULL;
  }
  return v;
}

size_t uat_varpro_nparams(const uat_varpro *v) { return v->c.np; }

int uat_varpro_eval(uat_varpro *v, const double *theta, const double **f, const double **J) {
  memcpy(v->x->data, theta, v->c.np * sizeof *theta);
  v->c.solved = 0; /* a fresh evaluation: no linear solve is reused */
  if (lsq_f(v->x, &v->c, v->f) != GSL_SUCCESS || lsq_df(v->x, &v->c, v->J) != GSL_SUCCESS)
    return UAT_EDIVERGED;
  if (f) *f = v->f->data;
  if (J) *J = v->J->data;
  return UAT_OK;
}

/* ---- the trainers ---------------------------------------------------------------------------- */
typedef struct {
  lsq_ctx c;
  size_t nres;
  double xtol;
  gsl_multifit_nlinear_fdf fdf;
  gsl_multifit_nlinear_workspace *w;
  gsl_vector *x;
  int ready; /* initialised: finish may leave the network at the solver's point */
} lsq;

static int lsq_start(lsq *s, const uat_fit_problem *pb, int varpro) {
  const uat_fit_tuning *t = &pb->p->tune;
  int st = lsq_alloc(&s->c, pb->m, pb->d, varpro, t->varpro_rcond, pb->res);
  s->nres = pb->d->n * pb->d->out;
  s->xtol = t->lsq_xtol;
  if (st != UAT_OK) return st;
  if (s->c.np == 0 || s->nres < s->c.np) return UAT_EINVAL; /* GSL refuses n < p */
  gsl_multifit_nlinear_parameters fp = gsl_multifit_nlinear_default_parameters();
  /* Geodesic acceleration (Transtrum & Sethna) takes plain LM from ~1e-7 to ~1e-10 on sin in
   * the same 2000 iterations; varpro converges in a few dozen steps without it and stops
   * early with it (measured in bench/bench_precision). */
  if (!varpro && t->lm_geodesic) fp.trs = gsl_multifit_nlinear_trs_lmaccel;
  s->w = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp, s->nres, s->c.np);
  s->x = gsl_vector_alloc(s->c.np);
  if (s->w == NULL || s->x == NULL) return UAT_ENOMEM;
  s->fdf = (gsl_multifit_nlinear_fdf){lsq_f, lsq_df, NULL, s->nres, s->c.np, &s->c, 0, 0, 0};
  memcpy(s->x->data, pb->m->theta, s->c.np * sizeof(double));
  if (gsl_multifit_nlinear_init(s->x, &s->fdf, s->w) != GSL_SUCCESS) return UAT_EDIVERGED;
  s->ready = 1;
  return UAT_OK;
}

static int lm_alloc(void *state, const uat_fit_problem *pb) { return lsq_start(state, pb, 0); }
static int varpro_alloc(void *state, const uat_fit_problem *pb) { return lsq_start(state, pb, 1); }

static int lsq_iterate(void *state, double *rmse, int *converged) {
  lsq *s = state;
  const int it = gsl_multifit_nlinear_iterate(s->w);
  *rmse = gsl_blas_dnrm2(gsl_multifit_nlinear_residual(s->w)) / sqrt((double)s->nres);
  int info = 0;
  *converged =
      it != GSL_SUCCESS || gsl_multifit_nlinear_test(s->xtol, 0.0, 0.0, &info, s->w) == GSL_SUCCESS;
  return UAT_OK;
}

/* Leave the network at the solver's best point (varpro: with its exact last layer). */
static void lsq_finish(void *state) {
  lsq *s = state;
  if (!s->ready) return;
  gsl_vector *f = gsl_vector_alloc(s->nres);
  if (f) lsq_f(gsl_multifit_nlinear_position(s->w), &s->c, f);
  if (f) gsl_vector_free(f);
}

static void lsq_state_free(void *state) {
  lsq *s = state;
  if (s->w) gsl_multifit_nlinear_free(s->w);
  if (s->x) gsl_vector_free(s->x);
  lsq_free(&s->c);
}

const uat_fit_type uat_fit_type_lm = {
    "lm",          "Levenberg-Marquardt with geodesic acceleration (GSL trust region)",
    1000,          UAT_FIT_NEEDS_RESIDUALS,
    sizeof(lsq),   lm_alloc,
    lsq_iterate,   lsq_finish,
    lsq_state_free};

const uat_fit_type uat_fit_type_varpro = {
    "varpro",      "variable projection: exact linear last layer, LM on the hidden layers",
    1000,          UAT_FIT_NEEDS_RESIDUALS | UAT_FIT_NEEDS_LINEAR_OUTPUT,
    sizeof(lsq),   varpro_alloc,
    lsq_iterate,   lsq_finish,
    lsq_state_free};
