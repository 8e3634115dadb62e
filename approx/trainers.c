/* trainers.c — the trainers of uat fit: first-order, iRPROP-, L-BFGS, Levenberg-Marquardt,
 * variable projection, and boosting. */
#define _POSIX_C_SOURCE 200809L
#include "uat/trainers.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "uat/init.h"
#include "uat/kernels.h"
#include "uat/lanes.h"
#include "uat/loss.h"
#include "uat/optim.h"
#include "uat/train.h"

static const char *const kind_names[UAT_FIT_KIND_COUNT] = {"adam",  "sgd", "rprop",
                                                           "lbfgs", "lm",  "varpro"};
static const char *const stop_names[UAT_FITSTOP_COUNT] = {"target",  "iterations", "time",
                                                          "plateau", "converged",  "diverged"};

const char *uat_fit_kind_name(uat_fit_kind k) {
  return (k >= 0 && k < UAT_FIT_KIND_COUNT) ? kind_names[k] : "unknown";
}

int uat_fit_kind_parse(const char *name, uat_fit_kind *k) {
  for (int i = 0; i < UAT_FIT_KIND_COUNT; i++)
    if (strcmp(name, kind_names[i]) == 0) {
      *k = (uat_fit_kind)i;
      return UAT_OK;
    }
  return UAT_ENOTFOUND;
}

const char *uat_fit_stop_name(uat_fit_stop s) {
  return (s >= 0 && s < UAT_FITSTOP_COUNT) ? stop_names[s] : "unknown";
}

uat_fit_params uat_fit_default_params(uat_fit_kind kind) {
  uat_fit_params p;
  memset(&p, 0, sizeof p);
  p.kind = kind;
  p.max_iter =
      (kind == UAT_FIT_LM || kind == UAT_FIT_VARPRO || kind == UAT_FIT_LBFGS) ? 1000 : 10000;
  p.boost = 1;
  return p;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double uat_fit_rmse(const uat_mlp *m, const uat_dataset *d) {
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, d->n);
  if (w == NULL) return NAN;
  const double *y = uat_mlp_forward(m, w, d->n, d->x);
  const double mse = uat_loss_eval(UAT_LOSS_MSE, d->n * d->out, y, d->y, NULL);
  uat_mlp_workspace_free(w);
  return sqrt(mse);
}

/* ---- the stopping rules every trainer shares ------------------------------------------------ */
typedef struct {
  const uat_fit_params *p;
  uat_fit_result *res;
  double t0;
  double best_window; /* RMSE at the start of the current plateau window */
  size_t window_start;
  size_t iter;
} monitor;

static void monitor_init(monitor *mo, const uat_fit_params *p, uat_fit_result *res) {
  mo->p = p;
  mo->res = res;
  mo->t0 = now();
  mo->best_window = INFINITY;
  mo->window_start = 0;
  mo->iter = 0;
}

/* Record one iteration's RMSE; returns 1 (and sets res->stop) when training must stop. */
static int monitor_step(monitor *mo, double rmse) {
  uat_fit_result *r = mo->res;
  mo->iter++;
  r->iterations++;
  r->rmse = rmse;
  if (r->history && r->history_len < r->history_cap) r->history[r->history_len++] = rmse;
  if (!isfinite(rmse)) {
    r->stop = UAT_FITSTOP_DIVERGED;
    return 1;
  }
  if (rmse <= mo->p->target_rmse) {
    r->stop = UAT_FITSTOP_TARGET;
    return 1;
  }
  if (mo->p->max_seconds > 0 && now() - mo->t0 >= mo->p->max_seconds) {
    r->stop = UAT_FITSTOP_TIME;
    return 1;
  }
  if (mo->p->plateau_window > 0 && mo->iter - mo->window_start >= mo->p->plateau_window) {
    if (rmse > mo->best_window * (1.0 - mo->p->plateau_rel)) {
      r->stop = UAT_FITSTOP_PLATEAU;
      return 1;
    }
    mo->best_window = rmse;
    mo->window_start = mo->iter;
  }
  if (mo->best_window == INFINITY) mo->best_window = rmse;
  if (mo->iter >= mo->p->max_iter) {
    r->stop = UAT_FITSTOP_ITER;
    return 1;
  }
  return 0;
}

/* ---- first-order (Adam, SGD with momentum) through the core training loop ------------------- */
static int epoch_cb(size_t epoch, double loss, const uat_mlp *m, void *ctx) {
  (void)epoch;
  (void)m;
  monitor *mo = ctx;
  mo->res->evaluations++;
  return monitor_step(mo, sqrt(loss));
}

/* The optimizer and loop settings of a first-order fit (one network, or many in lanes). */
static void first_order_setup(const uat_fit_params *p, const uat_dataset *d,
                              uat_optimizer_params *op, uat_train_params *tp) {
  *op = uat_optimizer_default_params(p->kind == UAT_FIT_ADAM ? UAT_OPT_ADAM : UAT_OPT_MOMENTUM);
  if (p->lr > 0) op->lr = p->lr;
  *tp = uat_train_default_params();
  tp->max_epochs = p->max_iter;
  tp->batch_size = p->batch;
  tp->shuffle = p->batch > 0 && p->batch < d->n;
}

static int train_first_order(uat_mlp *m, const uat_dataset *d, const uat_fit_params *p,
                             monitor *mo) {
  uat_optimizer_params op;
  uat_train_params tp;
  first_order_setup(p, d, &op, &tp);
  uat_optimizer *o = uat_optimizer_alloc(&op, m->n_params);
  uat_trainer *t = uat_trainer_alloc(m, &tp, d->n);
  gsl_rng *r = uat_rng_alloc(p->seed);
  int st = UAT_ENOMEM;
  if (o && t && r) {
    uat_train_result tr;
    st = uat_trainer_run(t, m, o, d, r, epoch_cb, mo, &tr);
    if (st == UAT_EDIVERGED) mo->res->stop = UAT_FITSTOP_DIVERGED;
    if (tr.reason == UAT_STOP_EPOCHS) mo->res->stop = UAT_FITSTOP_ITER;
  }
  gsl_rng_free(r);
  uat_trainer_free(t);
  uat_optimizer_free(o);
  return st;
}

/* ---- full-batch gradient, for iRPROP- and L-BFGS ------------------------------------------- */
typedef struct {
  uat_mlp *m;
  const uat_dataset *d;
  uat_mlp_workspace *w;
  double *dy;
  monitor *mo;
} batch_ctx;

/* MSE and its gradient at m->theta. */
static double mse_grad(batch_ctx *c, double *grad) {
  const double *y = uat_mlp_forward(c->m, c->w, c->d->n, c->d->x);
  const double loss =
      uat_loss_eval(UAT_LOSS_MSE, c->d->n * c->d->out, y, c->d->y, grad ? c->dy : NULL);
  if (grad) uat_mlp_backward(c->m, c->w, c->dy, grad, NULL);
  c->mo->res->evaluations++;
  return loss;
}

static int train_rprop(batch_ctx *c) {
  const size_t P = c->m->n_params;
  double *g = malloc(P * sizeof *g), *gprev = calloc(P, sizeof *gprev),
         *delta = malloc(P * sizeof *delta);
  if (!g || !gprev || !delta) {
    free(g);
    free(gprev);
    free(delta);
    return UAT_ENOMEM;
  }
  for (size_t i = 0; i < P; i++) delta[i] = 0.1; /* FANN's initial step */
  int st = UAT_OK;
  for (;;) {
    const double loss = mse_grad(c, g);
    if (monitor_step(c->mo, sqrt(loss))) break;
    for (size_t i = 0; i < P; i++) {
      const double s = g[i] * gprev[i];
      if (s > 0)
        delta[i] = fmin(delta[i] * 1.2, 50.0);
      else if (s < 0) {
        delta[i] = fmax(delta[i] * 0.5, 1e-6);
        g[i] = 0.0; /* iRPROP-: forget the gradient after a sign change */
      }
      if (g[i] > 0)
        c->m->theta[i] -= delta[i];
      else if (g[i] < 0)
        c->m->theta[i] += delta[i];
      gprev[i] = g[i];
    }
  }
  if (c->mo->res->stop == UAT_FITSTOP_DIVERGED) st = UAT_EDIVERGED;
  free(g);
  free(gprev);
  free(delta);
  return st;
}

static double bfgs_f(const gsl_vector *x, void *p) {
  batch_ctx *c = p;
  memcpy(c->m->theta, x->data, c->m->n_params * sizeof(double));
  return mse_grad(c, NULL);
}

static void bfgs_df(const gsl_vector *x, void *p, gsl_vector *g) {
  batch_ctx *c = p;
  memcpy(c->m->theta, x->data, c->m->n_params * sizeof(double));
  mse_grad(c, g->data);
}

static void bfgs_fdf(const gsl_vector *x, void *p, double *f, gsl_vector *g) {
  batch_ctx *c = p;
  memcpy(c->m->theta, x->data, c->m->n_params * sizeof(double));
  *f = mse_grad(c, g->data);
}

static int train_lbfgs(batch_ctx *c) {
  const size_t P = c->m->n_params;
  gsl_multimin_function_fdf F = {bfgs_f, bfgs_df, bfgs_fdf, P, c};
  gsl_multimin_fdfminimizer *s =
      gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, P);
  gsl_vector *x = gsl_vector_alloc(P);
  if (s == NULL || x == NULL) {
    gsl_multimin_fdfminimizer_free(s);
    gsl_vector_free(x);
    return UAT_ENOMEM;
  }
  memcpy(x->data, c->m->theta, P * sizeof(double));
  gsl_multimin_fdfminimizer_set(s, &F, x, 0.01, 0.1);
  for (;;) {
    const int it = gsl_multimin_fdfminimizer_iterate(s);
    const double rmse = sqrt(gsl_multimin_fdfminimizer_minimum(s));
    if (monitor_step(c->mo, rmse)) break;
    if (it != GSL_SUCCESS ||
        gsl_multimin_test_gradient(gsl_multimin_fdfminimizer_gradient(s), 1e-15) == GSL_SUCCESS) {
      c->mo->res->stop = UAT_FITSTOP_CONVERGED;
      break;
    }
  }
  memcpy(c->m->theta, gsl_multimin_fdfminimizer_x(s)->data, P * sizeof(double));
  gsl_multimin_fdfminimizer_free(s);
  gsl_vector_free(x);
  return c->mo->res->stop == UAT_FITSTOP_DIVERGED ? UAT_EDIVERGED : UAT_OK;
}

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
  double *T, *pack;  /* varpro: the projection's k x np product and the products' scratch */
  double *solved_at; /* varpro: hidden parameters of the last linear solve (np) */
  double *coef;      /* varpro: one output's linear coefficients (k) */
  int solved;        /* whether solved_at holds a point */
  monitor *mo;
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
  /* A now holds U. Singular values below 1e-13 of the largest count as zero. */
  const double smax = gsl_vector_get(c->S, 0);
  c->rank = 0;
  while (c->rank < h + 1 && gsl_vector_get(c->S, c->rank) > 1e-13 * smax) c->rank++;
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
  const double t0 = now();
  const int st = lsq_f_timed(x, p, f);
  c->mo->res->eval_seconds += now() - t0;
  return st;
}

static int lsq_f_timed(const gsl_vector *x, void *p, gsl_vector *f) {
  lsq_ctx *c = p;
  memcpy(c->m->theta, x->data, c->np * sizeof(double));
  if (c->varpro && solve_linear(c) != 0) return GSL_EFAILED;
  const size_t n = c->d->n, out = c->d->out;
  const double *y = uat_mlp_forward(c->m, c->wn, n, c->d->x);
  c->mo->res->evaluations++;
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
  const double t0 = now();
  memcpy(c->m->theta, x->data, c->np * sizeof(double));
  int st = GSL_SUCCESS;
  if (c->varpro && solve_linear(c) != 0) st = GSL_EFAILED;
  if (st == GSL_SUCCESS) {
    residual_jacobian(c, J);
    if (c->varpro) project_out(c, J);
  }
  c->mo->res->eval_seconds += now() - t0;
  return st;
}

static int lsq_alloc(lsq_ctx *c, uat_mlp *m, const uat_dataset *d, int varpro, monitor *mo) {
  memset(c, 0, sizeof *c);
  c->m = m;
  c->d = d;
  c->varpro = varpro;
  c->mo = mo;
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

static int train_lsq(uat_mlp *m, const uat_dataset *d, int varpro, monitor *mo) {
  lsq_ctx c;
  int st = lsq_alloc(&c, m, d, varpro, mo);
  const size_t nres = d->n * d->out;
  gsl_multifit_nlinear_workspace *w = NULL;
  gsl_vector *x = gsl_vector_alloc(c.np ? c.np : 1);
  if (st == UAT_OK && (c.np == 0 || nres < c.np)) st = UAT_EINVAL;
  if (st == UAT_OK) {
    gsl_multifit_nlinear_parameters fp = gsl_multifit_nlinear_default_parameters();
    /* Geodesic acceleration (Transtrum & Sethna) takes plain LM from ~1e-7 to ~1e-10 on sin in
     * the same 2000 iterations; varpro converges in a few dozen steps without it and stops
     * early with it (measured in bench/bench_precision). */
    if (!varpro) fp.trs = gsl_multifit_nlinear_trs_lmaccel;
    w = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp, nres, c.np);
    if (w == NULL || x == NULL) st = UAT_ENOMEM;
  }
  if (st == UAT_OK) {
    gsl_multifit_nlinear_fdf fdf = {lsq_f, lsq_df, NULL, nres, c.np, &c, 0, 0, 0};
    memcpy(x->data, m->theta, c.np * sizeof(double));
    if (gsl_multifit_nlinear_init(x, &fdf, w) != GSL_SUCCESS) {
      mo->res->stop = UAT_FITSTOP_DIVERGED;
    } else {
      for (;;) {
        const int it = gsl_multifit_nlinear_iterate(w);
        const gsl_vector *f = gsl_multifit_nlinear_residual(w);
        const double rmse = gsl_blas_dnrm2(f) / sqrt((double)nres);
        if (monitor_step(mo, rmse)) break;
        int info = 0;
        if (it != GSL_SUCCESS ||
            gsl_multifit_nlinear_test(1e-15, 0.0, 0.0, &info, w) == GSL_SUCCESS) {
          mo->res->stop = UAT_FITSTOP_CONVERGED;
          break;
        }
      }
      /* leave the network at the solver's best point (varpro: with its exact last layer) */
      gsl_vector *best = gsl_multifit_nlinear_position(w);
      gsl_vector *f = gsl_vector_alloc(nres);
      if (f) lsq_f(best, &c, f);
      gsl_vector_free(f);
    }
  }
  if (w) gsl_multifit_nlinear_free(w);
  gsl_vector_free(x);
  lsq_free(&c);
  if (st == UAT_OK && mo->res->stop == UAT_FITSTOP_DIVERGED) st = UAT_EDIVERGED;
  return st;
}

/* ---- variable projection's evaluation on its own (benchmarks, checks) ---------------------- */
struct uat_varpro {
  lsq_ctx c;
  monitor mo;
  uat_fit_params p;
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
  v->p = uat_fit_default_params(UAT_FIT_VARPRO);
  monitor_init(&v->mo, &v->p, &v->res);
  const int st = lsq_alloc(&v->c, m, d, 1, &v->mo);
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

/* ---- one member, then boosting ------------------------------------------------------------- */
static int train_one(uat_mlp *m, const uat_dataset *d, const uat_fit_params *p, monitor *mo) {
  switch (p->kind) {
  case UAT_FIT_ADAM:
  case UAT_FIT_SGD: return train_first_order(m, d, p, mo);
  case UAT_FIT_RPROP:
  case UAT_FIT_LBFGS: {
    batch_ctx c = {m, d, uat_mlp_workspace_alloc(m, d->n), malloc(d->n * d->out * sizeof(double)),
                   mo};
    const int st =
        (c.w && c.dy) ? (p->kind == UAT_FIT_RPROP ? train_rprop(&c) : train_lbfgs(&c)) : UAT_ENOMEM;
    uat_mlp_workspace_free(c.w);
    free(c.dy);
    return st;
  }
  case UAT_FIT_LM: return train_lsq(m, d, 0, mo);
  case UAT_FIT_VARPRO: return train_lsq(m, d, 1, mo);
  default: return UAT_EINVAL;
  }
}

uat_mlp *uat_mlp_sum(const uat_mlp *a, const uat_mlp *b, double scale) {
  const size_t L = a->n_layers;
  if (b->n_layers != L || uat_mlp_in(a) != uat_mlp_in(b) || uat_mlp_out(a) != uat_mlp_out(b) ||
      a->act[L - 1] != UAT_ACT_IDENTITY || b->act[L - 1] != UAT_ACT_IDENTITY)
    return NULL;
  size_t sizes[65];
  if (L > 64) return NULL;
  for (size_t l = 0; l <= L; l++) {
    if (l > 0 && l < L && a->act[l - 1] != b->act[l - 1]) return NULL;
    sizes[l] = (l == 0 || l == L) ? a->sizes[l] : a->sizes[l] + b->sizes[l];
  }
  uat_mlp *s = uat_mlp_alloc(L + 1, sizes, a->act);
  if (s == NULL) return NULL;
  for (size_t l = 0; l < L; l++) {
    const size_t ina = a->sizes[l], outa = a->sizes[l + 1], inb = b->sizes[l],
                 outb = b->sizes[l + 1];
    const size_t in = s->sizes[l], out = s->sizes[l + 1];
    double *W = uat_mlp_weights(s, l), *bias = uat_mlp_bias(s, l);
    const double *Wa = uat_mlp_weights(a, l), *Wb = uat_mlp_weights(b, l);
    const double *ba = uat_mlp_bias(a, l), *bb = uat_mlp_bias(b, l);
    const int first = l == 0, last = l + 1 == L;
    for (size_t i = 0; i < outa; i++)
      for (size_t j = 0; j < ina; j++) W[i * in + j] = Wa[i * ina + j];
    for (size_t i = 0; i < outb; i++)
      for (size_t j = 0; j < inb; j++) {
        /* rows of b below a's (except the summed last layer), columns right of a's (except
         * the shared input layer) */
        const size_t row = last ? i : outa + i, col = first ? j : ina + j;
        W[row * in + col] += (last ? scale : 1.0) * Wb[i * inb + j];
      }
    for (size_t i = 0; i < out; i++) bias[i] = 0.0;
    for (size_t i = 0; i < outa; i++) bias[i] = ba[i];
    for (size_t i = 0; i < outb; i++) bias[last ? i : outa + i] += (last ? scale : 1.0) * bb[i];
  }
  return s;
}

static int boost(uat_mlp **m, const uat_dataset *d, const uat_fit_params *p, monitor *mo) {
  for (size_t k = 1; k < p->boost; k++) {
    const double rmse = uat_fit_rmse(*m, d);
    if (!(rmse > 0) || rmse <= p->target_rmse) break;
    /* the next member fits the residual scaled to unit RMS */
    uat_dataset *r = uat_dataset_alloc(d->n, d->in, d->out);
    uat_mlp *member = uat_mlp_clone(*m), *sum = NULL;
    uat_mlp_workspace *w = uat_mlp_workspace_alloc(*m, d->n);
    gsl_rng *rng = uat_rng_alloc(p->seed + 1000003 * k);
    int st = (r && member && w && rng) ? UAT_OK : UAT_ENOMEM;
    if (st == UAT_OK) {
      memcpy(r->x, d->x, d->n * d->in * sizeof(double));
      const double *y = uat_mlp_forward(*m, w, d->n, d->x);
      for (size_t i = 0; i < d->n * d->out; i++) r->y[i] = (d->y[i] - y[i]) / rmse;
      const uat_init_spec init = uat_init_spec_torch();
      uat_mlp_init(member, &init, rng);
      uat_fit_params q = *p;
      q.target_rmse = p->target_rmse / rmse;
      /* each member has the whole iteration budget; the time budget is shared */
      mo->iter = 0;
      mo->window_start = 0;
      mo->best_window = INFINITY;
      mo->p = &q;
      st = train_one(member, r, &q, mo);
      mo->p = p;
    }
    if (st == UAT_OK && (sum = uat_mlp_sum(*m, member, rmse)) == NULL) st = UAT_EINVAL;
    if (st == UAT_OK) {
      uat_mlp_free(*m);
      *m = sum;
    }
    gsl_rng_free(rng);
    uat_mlp_workspace_free(w);
    uat_mlp_free(member);
    uat_dataset_free(r);
    if (st != UAT_OK) return st;
  }
  return UAT_OK;
}

/* The checks every fit starts with; UAT_OK or an error set in err. */
static int fit_begin(const uat_mlp *m, const uat_dataset *d, const uat_fit_params *p,
                     uat_fit_result *res, uat_error *err) {
  res->iterations = res->evaluations = res->history_len = 0;
  res->eval_seconds = 0.0;
  if (res->history == NULL) res->history_cap = 0;
  res->rmse = NAN;
  res->stop = UAT_FITSTOP_ITER;
  if (d->in != uat_mlp_in(m) || d->out != uat_mlp_out(m) || p->kind >= UAT_FIT_KIND_COUNT)
    return uat_error_set(err, UAT_EINVAL, "fit: the data do not match the network");
  if (p->kind == UAT_FIT_VARPRO && (m->act[m->n_layers - 1] != UAT_ACT_IDENTITY || m->n_layers < 2))
    return uat_error_set(err, UAT_EINVAL,
                         "fit: varpro needs a hidden layer and a linear (identity) output layer");
  if (p->boost > 1 && m->act[m->n_layers - 1] != UAT_ACT_IDENTITY)
    return uat_error_set(err, UAT_EINVAL, "fit: boosting needs a linear (identity) output layer");
  return UAT_OK;
}

/* The final RMSE and the status every fit ends with. */
static int fit_end(const uat_mlp *m, const uat_dataset *d, int st, uat_fit_result *res,
                   uat_error *err) {
  if (st == UAT_OK) res->rmse = uat_fit_rmse(m, d);
  if (st == UAT_OK && !isfinite(res->rmse)) {
    st = UAT_EDIVERGED;
    res->stop = UAT_FITSTOP_DIVERGED;
  }
  if (st == UAT_EDIVERGED) return uat_error_set(err, st, "fit: diverged (NaN or Inf)");
  if (st == UAT_ENOMEM) return uat_error_set(err, st, "fit: out of memory");
  if (st == UAT_EINVAL) return uat_error_set(err, st, "fit: fewer residuals than parameters");
  return st;
}

int uat_fit_train(uat_mlp **m, const uat_dataset *d, const uat_fit_params *p, uat_fit_result *res,
                  uat_error *err) {
  int st = fit_begin(*m, d, p, res, err);
  if (st != UAT_OK) return st;
  gsl_error_handler_t *handler = gsl_set_error_handler_off();
  monitor mo;
  monitor_init(&mo, p, res);
  st = train_one(*m, d, p, &mo);
  if (st == UAT_OK && p->boost > 1) st = boost(m, d, p, &mo);
  gsl_set_error_handler(handler);
  res->seconds = now() - mo.t0;
  return fit_end(*m, d, st, res, err);
}

/* ---- many seeds side by side ---------------------------------------------------------------- */
int uat_fit_params_same_but_seed(const uat_fit_params *a, const uat_fit_params *b) {
  return a->kind == b->kind && a->max_iter == b->max_iter && a->max_seconds == b->max_seconds &&
         a->target_rmse == b->target_rmse && a->plateau_rel == b->plateau_rel &&
         a->plateau_window == b->plateau_window && a->lr == b->lr && a->batch == b->batch &&
         a->boost == b->boost;
}

int uat_fit_lanes_possible(const uat_fit_params *p, const uat_dataset *d) {
  return (p->kind == UAT_FIT_ADAM || p->kind == UAT_FIT_SGD) && p->boost <= 1 &&
         !(p->max_seconds > 0) && !(p->batch > 0 && p->batch < d->n);
}

typedef struct {
  monitor *mo;
} lanes_ctx;

/* The stopping rules of train_first_order's epoch_cb, lane by lane. */
static void lanes_epoch_cb(size_t epoch, const double *loss, const double *y,
                           const uat_mlp_lanes *l, unsigned char *done, void *ctx) {
  (void)epoch;
  (void)y;
  lanes_ctx *c = ctx;
  for (size_t k = 0; k < l->lanes; k++) {
    if (done[k]) continue;
    c->mo[k].res->evaluations++;
    if (monitor_step(&c->mo[k], sqrt(loss[k]))) done[k] = 1;
  }
}

int uat_fit_train_lanes(size_t n, uat_mlp **m, const uat_dataset *d, const uat_fit_params *p,
                        uat_fit_result *res, int *status, uat_error *err) {
  if (n == 0 || !uat_fit_lanes_possible(&p[0], d)) return UAT_EINVAL;
  for (size_t k = 0; k < n; k++) {
    /* the seed only shuffles mini-batches, which lanes do not: everything else must agree */
    if (!uat_fit_params_same_but_seed(&p[0], &p[k]) || res[k].history != NULL) return UAT_EINVAL;
    if (k > 0 && (m[k]->n_layers != m[0]->n_layers || m[k]->n_params != m[0]->n_params))
      return UAT_EINVAL;
  }
  for (size_t k = 0; k < n; k++) status[k] = fit_begin(m[k], d, &p[k], &res[k], &err[k]);
  for (size_t k = 0; k < n; k++)
    if (status[k] != UAT_OK) return UAT_EINVAL;
  uat_optimizer_params op;
  uat_train_params tp;
  first_order_setup(p, d, &op, &tp); /* no shuffling here: uat_fit_lanes_possible */
  uat_mlp_lanes *l = uat_mlp_lanes_alloc(n, m[0]->n_layers + 1, m[0]->sizes, m[0]->act);
  monitor *mo = calloc(n, sizeof *mo);
  uat_train_result *tr = calloc(n, sizeof *tr);
  int st = (l && mo && tr) ? UAT_OK : UAT_ENOMEM;
  for (size_t k = 0; k < n && st == UAT_OK; k++) {
    st = uat_mlp_lanes_set(l, k, m[k]);
    monitor_init(&mo[k], &p[k], &res[k]);
  }
  const double t0 = now();
  lanes_ctx ctx = {mo};
  if (st == UAT_OK) st = uat_lanes_train(l, &op, &tp, d, 0, lanes_epoch_cb, &ctx, tr);
  const double seconds = (now() - t0) / (double)n;
  for (size_t k = 0; k < n; k++) {
    res[k].seconds = seconds; /* the lanes' time, shared */
    int sk = st;
    if (sk == UAT_OK) {
      uat_mlp_lanes_get(l, k, m[k]);
      if (tr[k].reason == UAT_STOP_DIVERGED) {
        res[k].stop = UAT_FITSTOP_DIVERGED;
        sk = UAT_EDIVERGED;
      }
      if (tr[k].reason == UAT_STOP_EPOCHS) res[k].stop = UAT_FITSTOP_ITER;
    }
    status[k] = fit_end(m[k], d, sk, &res[k], &err[k]);
  }
  uat_mlp_lanes_free(l);
  free(mo);
  free(tr);
  return st == UAT_ENOMEM ? UAT_ENOMEM : UAT_OK;
}
