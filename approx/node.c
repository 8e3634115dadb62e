/* node.c — a neural ODE fitted to observations (uat/node.h). The model y' = N_theta(y) (+ a
 * known part) is integrated by CVODES from the first observation (or a fitted initial state),
 * segment by segment under multiple shooting; residuals y(t_k) - obs_k with their Jacobian from
 * the forward sensitivities (the network's parameters and the segment's initial state), the
 * loss gradient from J^T r or from the adjoint. */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "uat/init.h"
#include "uat/kernels.h"
#include "uat/lbfgs.h"
#include "uat/node.h"
#include "uat/optim.h"
#include "uat/trainers.h"
#include "uat/util.h"

/* Above this many parameters, AUTO computes single shooting's gradient by the adjoint. */
enum { NODE_ADJOINT_ABOVE = 5000 };

struct uat_node {
  uat_mlp *m;
  uat_node_problem pb;
  uat_node_params par;
  uat_mlp_system *sys;
  uat_ode_sens *sens;    /* BDF: CVODES' staggered sensitivities */
  uat_ode_sens_aug *aug; /* Adams: the augmented system */
  uat_ode_params prm;
  size_t dim, P, q, nx, nres, S, off_z, longest;
  size_t rows_data, rows_init, rows_cont;
  size_t *b;         /* S + 1 segment boundaries (observation indices) */
  double *Y;         /* the longest segment's states */
  double *Sv;        /* ... and sensitivities (longest x dim x q) */
  double *S0;        /* dim x q: zero, the identity in the initial state's columns */
  double *y0;        /* the model's initial state */
  double *r, *J, *x; /* scratch: residuals, their Jacobian, a parameter vector */
  size_t solves, sens_solves;
};

static const char *const trainer_names[] = {"lm", "adam", "lbfgs", "adam+lbfgs"};
static const char *const gradient_names[] = {"auto", "forward", "adjoint"};

int uat_node_trainer_parse(const char *name, uat_node_trainer *t) {
  for (size_t i = 0; i < sizeof trainer_names / sizeof *trainer_names; i++)
    if (strcmp(name, trainer_names[i]) == 0) {
      *t = (uat_node_trainer)i;
      return UAT_OK;
    }
  return UAT_ENOTFOUND;
}

const char *uat_node_trainer_name(uat_node_trainer t) { return trainer_names[t]; }

int uat_node_gradient_parse(const char *name, uat_node_gradient *g) {
  for (size_t i = 0; i < sizeof gradient_names / sizeof *gradient_names; i++)
    if (strcmp(name, gradient_names[i]) == 0) {
      *g = (uat_node_gradient)i;
      return UAT_OK;
    }
  return UAT_ENOTFOUND;
}

const char *uat_node_gradient_name(uat_node_gradient g) { return gradient_names[g]; }

uat_node_params uat_node_default_params(void) {
  return (uat_node_params){UAT_NODE_LM, 100, 300, 0.01, UAT_NODE_GRAD_AUTO, 1e-10, UAT_ODE_ADAMS};
}

/* f does not depend on the initial state: its columns of df/dq (dim rows of q) are zero. */
static void zero_state_columns(const uat_node *nd, double *dfdq) {
  for (size_t i = 0; i < nd->dim; i++) memset(dfdq + i * nd->q + nd->P, 0, nd->dim * sizeof *dfdq);
}

/* df/dq for the sensitivity solves: the network's df/dtheta, zero for the initial state. */
static int node_dfdq(double t, const double *y, double *out, void *ctx) {
  (void)t;
  const uat_node *nd = ctx;
  if (uat_mlp_system_dfdtheta(nd->sys, y, out, nd->q) != 0) return -1;
  zero_state_columns(nd, out);
  return 0;
}

/* f, J and df/dq together for the augmented sensitivities. */
static int node_fjq(double t, const double *y, double *f, double *J, double *dfdq, void *ctx) {
  (void)t;
  const uat_node *nd = ctx;
  if (uat_mlp_system_fjq(nd->sys, y, f, J, dfdq, nd->q) != 0) return -1;
  zero_state_columns(nd, dfdq);
  return 0;
}

void uat_node_free(uat_node *nd) {
  if (nd == NULL) return;
  uat_ode_sens_free(nd->sens);
  uat_ode_sens_aug_free(nd->aug);
  uat_mlp_system_free(nd->sys);
  free(nd->b);
  free(nd->Y);
  free(nd->Sv);
  free(nd->S0);
  free(nd->y0);
  free(nd->r);
  free(nd->J);
  free(nd->x);
  free(nd);
}

static int check_problem(const uat_node_problem *pb, size_t S, uat_error *err) {
  if (pb->n < 2 || S == 0 || S > pb->n - 1)
    return uat_error_set(err, UAT_EINVAL,
                         "%zu observations and %zu segments: need 2 observations or more and at "
                         "most one segment per interval",
                         pb->n, S);
  for (size_t k = 1; k < pb->n; k++)
    if (!(pb->times[k] > pb->times[k - 1]))
      return uat_error_set(err, UAT_EINVAL, "observation times must increase (row %zu)", k + 1);
  for (size_t k = 0; k < pb->n * pb->like->dim; k++)
    if (!isfinite(pb->obs[k]))
      return uat_error_set(err, UAT_EINVAL, "observation %zu is not finite", k / pb->like->dim + 1);
  if (!(pb->ridge >= 0) || !(pb->continuity >= 0))
    return uat_error_set(err, UAT_EINVAL, "the ridge and the continuity weight must be >= 0");
  return UAT_OK;
}

/* Sizes and boundaries: segment s covers observations b[s] .. b[s+1]. */
static void layout(uat_node *nd) {
  const size_t n = nd->pb.n, S = nd->S, dim = nd->dim;
  for (size_t s = 0; s <= S; s++) nd->b[s] = (s * (n - 1) + S / 2) / S;
  nd->longest = 0;
  for (size_t s = 0; s < S; s++)
    if (nd->b[s + 1] - nd->b[s] + 1 > nd->longest) nd->longest = nd->b[s + 1] - nd->b[s] + 1;
  nd->off_z = nd->P + (nd->pb.fit_y0 ? dim : 0);
  nd->nx = nd->off_z + (S - 1) * dim;
  nd->rows_data = (n - 1) * dim;
  nd->rows_init = ((nd->pb.fit_y0 ? 1 : 0) + S - 1) * dim;
  nd->rows_cont = (S - 1) * dim;
  nd->nres = nd->rows_data + nd->rows_init + nd->rows_cont + (nd->pb.ridge > 0 ? nd->P : 0);
}

uat_node *uat_node_alloc(uat_mlp *m, const uat_node_problem *pb, const uat_node_params *par,
                         uat_error *err) {
  const size_t S = pb->segments ? pb->segments : 1;
  if (check_problem(pb, S, err) != UAT_OK) return NULL;
  uat_node *nd = calloc(1, sizeof *nd);
  if (nd == NULL) {
    uat_error_set(err, UAT_ENOMEM, "out of memory");
    return NULL;
  }
  nd->m = m;
  nd->pb = *pb;
  if (nd->pb.continuity == 0) nd->pb.continuity = 1.0;
  nd->par = par ? *par : uat_node_default_params();
  nd->S = S;
  nd->dim = pb->like->dim;
  nd->P = m->n_params;
  nd->q = nd->P + nd->dim;
  nd->prm = uat_ode_default_params();
  nd->prm.method = nd->par.method == UAT_ODE_BDF ? UAT_ODE_BDF : UAT_ODE_ADAMS;
  nd->prm.rtol = nd->par.rtol;
  nd->prm.atol = nd->par.rtol / 100;
  nd->b = malloc((S + 1) * sizeof *nd->b);
  if (nd->b) layout(nd);
  nd->sys = uat_mlp_system_alloc(m, pb->like, err);
  if (nd->sys == NULL ||
      uat_mlp_system_set_known(nd->sys, pb->known, pb->known_params, err) != UAT_OK) {
    uat_node_free(nd);
    return NULL;
  }
  if (nd->prm.method == UAT_ODE_BDF)
    nd->sens = uat_ode_sens_alloc(uat_mlp_system_get(nd->sys), nd->q, node_dfdq, nd, &nd->prm, err);
  else
    nd->aug = uat_ode_sens_aug_alloc(nd->dim, nd->q, node_fjq, nd, &nd->prm, err);
  nd->Y = malloc(nd->longest * nd->dim * sizeof *nd->Y);
  nd->Sv = malloc(nd->longest * nd->dim * nd->q * sizeof *nd->Sv);
  nd->S0 = calloc(nd->dim * nd->q, sizeof *nd->S0);
  nd->y0 = malloc(nd->dim * sizeof *nd->y0);
  nd->r = malloc(nd->nres * sizeof *nd->r);
  nd->J = malloc(nd->nres * nd->nx * sizeof *nd->J);
  nd->x = malloc(nd->nx * sizeof *nd->x);
  const int solver = nd->sens != NULL || nd->aug != NULL;
  if (!nd->b || !solver || !nd->Y || !nd->Sv || !nd->S0 || !nd->y0 || !nd->r || !nd->J || !nd->x) {
    if (solver) uat_error_set(err, UAT_ENOMEM, "out of memory");
    uat_node_free(nd);
    return NULL;
  }
  for (size_t i = 0; i < nd->dim; i++) nd->S0[i * nd->q + nd->P + i] = 1.0;
  memcpy(nd->y0, pb->obs, nd->dim * sizeof *nd->y0);
  return nd;
}

size_t uat_node_size(const uat_node *nd) { return nd->nx; }
size_t uat_node_residual_count(const uat_node *nd) { return nd->nres; }
const double *uat_node_y0(const uat_node *nd) { return nd->y0; }

void uat_node_set_y0(uat_node *nd, const double *y0) { memmove(nd->y0, y0, nd->dim * sizeof *y0); }

void uat_node_get(const uat_node *nd, double *x) {
  memcpy(x, nd->m->theta, nd->P * sizeof *x);
  if (nd->pb.fit_y0) memcpy(x + nd->P, nd->y0, nd->dim * sizeof *x);
  for (size_t s = 1; s < nd->S; s++)
    memcpy(x + nd->off_z + (s - 1) * nd->dim, nd->pb.obs + nd->b[s] * nd->dim, nd->dim * sizeof *x);
}

/* The network's parameters and the initial state from x. */
static void put(uat_node *nd, const double *x) {
  memcpy(nd->m->theta, x, nd->P * sizeof *x);
  if (nd->pb.fit_y0) memcpy(nd->y0, x + nd->P, nd->dim * sizeof *x);
}

/* Column of segment s's initial state in x, or -1 when it is fixed (the first observation). */
static long start_column(const uat_node *nd, size_t s) {
  if (s == 0) return nd->pb.fit_y0 ? (long)nd->P : -1;
  return (long)(nd->off_z + (s - 1) * nd->dim);
}

/* Solve segment s from z: states into nd->Y, and with sens the sensitivities into nd->Sv. */
static int solve_segment(uat_node *nd, size_t s, const double *z, int sens, uat_error *err) {
  const size_t k0 = nd->b[s], len = nd->b[s + 1] - k0 + 1;
  const double *t = nd->pb.times + k0;
  if (sens) {
    nd->sens_solves++;
    if (nd->aug) return uat_ode_sens_aug_solve(nd->aug, z, nd->S0, len, t, nd->Y, nd->Sv, err);
    return uat_ode_sens_solve(nd->sens, NULL, z, nd->S0, len, t, nd->Y, nd->Sv, err);
  }
  nd->solves++;
  uat_ode_trajectory *tr = NULL;
  const int st =
      uat_ode_solve(uat_mlp_system_get(nd->sys), NULL, z, len, t, &nd->prm, &tr, NULL, err);
  if (st == UAT_OK) memcpy(nd->Y, tr->y, len * nd->dim * sizeof *nd->Y);
  uat_ode_trajectory_free(tr);
  return st;
}

/* Segment s's rows of r (and J): its data, its free initial state, its continuity. */
static void segment_rows(uat_node *nd, size_t s, const double *x, const double *z, double *r,
                         double *J) {
  const size_t dim = nd->dim, k0 = nd->b[s], k1 = nd->b[s + 1], q = nd->q, nx = nd->nx;
  const long zc = start_column(nd, s);
  const double *obs = nd->pb.obs;
  for (size_t k = k0 + 1; k <= k1; k++)
    for (size_t i = 0; i < dim; i++) {
      const size_t row = (k - 1) * dim + i, at = (k - k0) * dim + i;
      r[row] = nd->Y[at] - obs[k * dim + i];
      if (J == NULL) continue;
      memcpy(J + row * nx, nd->Sv + at * q, nd->P * sizeof *J);
      if (zc >= 0) memcpy(J + row * nx + zc, nd->Sv + at * q + nd->P, dim * sizeof *J);
    }
  if (zc >= 0) { /* the free initial state is also an observation */
    const size_t base = nd->rows_data + (nd->pb.fit_y0 ? s : s - 1) * dim;
    for (size_t i = 0; i < dim; i++) {
      r[base + i] = z[i] - obs[k0 * dim + i];
      if (J) J[(base + i) * nx + (size_t)zc + i] = 1.0;
    }
  }
  if (s + 1 < nd->S) { /* continuity with the next segment's initial state */
    const double w = nd->pb.continuity;
    const size_t base = nd->rows_data + nd->rows_init + s * dim, at = (k1 - k0) * dim;
    const size_t next = (size_t)start_column(nd, s + 1);
    for (size_t i = 0; i < dim; i++) {
      r[base + i] = w * (nd->Y[at + i] - x[next + i]);
      if (J == NULL) continue;
      for (size_t j = 0; j < nd->P; j++) J[(base + i) * nx + j] = w * nd->Sv[(at + i) * q + j];
      if (zc >= 0)
        for (size_t j = 0; j < dim; j++)
          J[(base + i) * nx + (size_t)zc + j] = w * nd->Sv[(at + i) * q + nd->P + j];
      J[(base + i) * nx + next + i] = -w;
    }
  }
}

int uat_node_residuals(uat_node *nd, const double *x, double *r, double *J, uat_error *err) {
  put(nd, x);
  if (J) memset(J, 0, nd->nres * nd->nx * sizeof *J);
  for (size_t s = 0; s < nd->S; s++) {
    const long zc = start_column(nd, s);
    const double *z = zc >= 0 ? x + zc : nd->pb.obs;
    const int st = solve_segment(nd, s, z, J != NULL, err);
    if (st != UAT_OK) return st;
    segment_rows(nd, s, x, z, r, J);
  }
  if (nd->pb.ridge > 0) {
    const double w = sqrt(nd->pb.ridge);
    const size_t base = nd->nres - nd->P;
    for (size_t j = 0; j < nd->P; j++) {
      r[base + j] = w * x[j];
      if (J) J[(base + j) * nd->nx + j] = w;
    }
  }
  return UAT_OK;
}

/* ---- the loss and its gradient ------------------------------------------------------------- */

static double obs_loss(size_t k, const double *y, double *dgdy, void *ctx) {
  const uat_node *nd = ctx;
  const double *o = nd->pb.obs + k * nd->dim;
  double g = 0.0;
  for (size_t i = 0; i < nd->dim; i++) {
    dgdy[i] = (k > 0 || nd->pb.fit_y0) ? y[i] - o[i] : 0.0;
    g += 0.5 * dgdy[i] * dgdy[i];
  }
  return g;
}

static int node_vjp(double t, const double *y, const double *lambda, double *jt, double *ft,
                    void *ctx) {
  (void)t;
  const uat_node *nd = ctx;
  return uat_mlp_system_vjp(nd->sys, y, lambda, jt, ft);
}

static int loss_adjoint(uat_node *nd, const double *x, double *loss, double *g, uat_error *err) {
  put(nd, x);
  nd->sens_solves++;
  double *gy0 = nd->pb.fit_y0 ? g + nd->P : NULL;
  const int st =
      uat_ode_adjoint_gradient(uat_mlp_system_get(nd->sys), NULL, nd->y0, nd->P, node_vjp, obs_loss,
                               nd, nd->pb.n, nd->pb.times, &nd->prm, loss, g, gy0, err);
  if (st != UAT_OK) return st;
  for (size_t j = 0; j < nd->P; j++) {
    *loss += 0.5 * nd->pb.ridge * x[j] * x[j];
    g[j] += nd->pb.ridge * x[j];
  }
  return UAT_OK;
}

static uat_node_gradient choose(const uat_node *nd, uat_node_gradient how) {
  if (how != UAT_NODE_GRAD_AUTO) return how;
  return nd->S == 1 && nd->P > NODE_ADJOINT_ABOVE ? UAT_NODE_GRAD_ADJOINT : UAT_NODE_GRAD_FORWARD;
}

int uat_node_loss(uat_node *nd, const double *x, uat_node_gradient how, double *loss, double *g,
                  uat_error *err) {
  how = choose(nd, how);
  if (how == UAT_NODE_GRAD_ADJOINT) {
    if (nd->S > 1)
      return uat_error_set(err, UAT_EINVAL, "the adjoint gradient is for single shooting");
    return loss_adjoint(nd, x, loss, g, err);
  }
  const int st = uat_node_residuals(nd, x, nd->r, nd->J, err);
  if (st != UAT_OK) return st;
  double f = 0.0;
  for (size_t i = 0; i < nd->nres; i++) f += 0.5 * nd->r[i] * nd->r[i];
  memset(g, 0, nd->nx * sizeof *g);
  for (size_t i = 0; i < nd->nres; i++)
    if (nd->r[i] != 0.0)
      for (size_t j = 0; j < nd->nx; j++) g[j] += nd->J[i * nd->nx + j] * nd->r[i];
  *loss = f;
  return UAT_OK;
}

/* ---- trainers ------------------------------------------------------------------------------ */

/* RMS of the data residuals (the observations' rows of r). */
static double data_rmse(const uat_node *nd, const double *r) {
  double s = 0.0;
  for (size_t i = 0; i < nd->rows_data; i++) s += r[i] * r[i];
  return sqrt(s / (double)nd->rows_data);
}

/* Cholesky factor L (lower, row-major, in place) of the n x n matrix M; -1 when M is not
 * positive definite. A fixed order of operations: the same bits everywhere. */
static int cholesky(size_t n, double *M) {
  for (size_t j = 0; j < n; j++) {
    double d = M[j * n + j];
    for (size_t k = 0; k < j; k++) d -= M[j * n + k] * M[j * n + k];
    if (!(d > 0)) return -1;
    d = sqrt(d);
    M[j * n + j] = d;
    for (size_t i = j + 1; i < n; i++) {
      double v = M[i * n + j];
      for (size_t k = 0; k < j; k++) v -= M[i * n + k] * M[j * n + k];
      M[i * n + j] = v / d;
    }
  }
  return 0;
}

/* Solve L L^T d = b (d may be b). */
static void cholesky_solve(size_t n, const double *L, const double *b, double *d) {
  for (size_t i = 0; i < n; i++) {
    double v = b[i];
    for (size_t k = 0; k < i; k++) v -= L[i * n + k] * d[k];
    d[i] = v / L[i * n + i];
  }
  for (size_t i = n; i-- > 0;) {
    double v = d[i];
    for (size_t k = i + 1; k < n; k++) v -= L[k * n + i] * d[k];
    d[i] = v / L[i * n + i];
  }
}

/* Levenberg-Marquardt's scratch: the normal matrix A = J^T J and g = J^T r at x, the scaling
 * D (More's: the largest diag(A) seen), the damped matrix, a step, a trial point and its
 * residuals, the product's packing space. */
typedef struct {
  double *A, *g, *D, *M, *d, *xn, *rn, *pack;
} lm_work;

static void lm_work_free(lm_work *w) {
  free(w->A);
  free(w->g);
  free(w->D);
  free(w->M);
  free(w->d);
  free(w->xn);
  free(w->rn);
  free(w->pack);
}

static int lm_work_alloc(lm_work *w, size_t n, size_t m) {
  w->A = calloc(n * n, sizeof *w->A);
  w->g = calloc(n, sizeof *w->g);
  w->D = calloc(n, sizeof *w->D);
  w->M = calloc(n * n, sizeof *w->M);
  w->d = calloc(n, sizeof *w->d);
  w->xn = calloc(n, sizeof *w->xn);
  w->rn = calloc(m, sizeof *w->rn);
  const size_t pk = uat_gemm_pack_size(n, n, m);
  w->pack = pk ? malloc(pk * sizeof *w->pack) : NULL;
  return w->A && w->g && w->D && w->M && w->d && w->xn && w->rn && (w->pack || pk == 0) ? 0 : -1;
}

/* Residuals and Jacobian at x, then A = J^T J (uat's fixed-order product), g = J^T r, and the
 * scaling; returns 1/2 |r|^2 through *F. */
static int lm_linearise(uat_node *nd, const double *x, lm_work *w, double *F, uat_error *err) {
  const size_t n = nd->nx, m = nd->nres;
  const int st = uat_node_residuals(nd, x, nd->r, nd->J, err);
  if (st != UAT_OK) return st;
  uat_gemm(1, 0, n, n, m, nd->J, n, nd->J, n, 0, w->A, n, w->pack);
  uat_gemm(1, 0, n, 1, m, nd->J, n, nd->r, 1, 0, w->g, 1, w->pack);
  *F = 0.0;
  for (size_t i = 0; i < m; i++) *F += 0.5 * nd->r[i] * nd->r[i];
  for (size_t j = 0; j < n; j++) w->D[j] = fmax(w->D[j], w->A[j * n + j]);
  return UAT_OK;
}

/* A damped step: (A + mu D) d = -g; -1 when the matrix is not positive definite. */
static int lm_step(size_t n, lm_work *w, double mu) {
  memcpy(w->M, w->A, n * n * sizeof *w->M);
  for (size_t j = 0; j < n; j++) w->M[j * n + j] += mu * fmax(w->D[j], 1e-300);
  if (cholesky(n, w->M) != 0) return -1;
  cholesky_solve(n, w->M, w->g, w->d);
  for (size_t j = 0; j < n; j++) w->d[j] = -w->d[j];
  return 0;
}

/* Levenberg-Marquardt with Nielsen's damping update on the normal equations (the products by
 * uat_gemm, a Cholesky factorisation: several times faster than GSL's unblocked QR at these
 * sizes, and the same bits on every machine). Trial points are plain solves; the Jacobian
 * (a sensitivity solve) only at accepted points. Stops after the iterations, when a step no
 * longer lowers the loss by more than 1e-15 of it, or when no damping gives a better point. */
static int fit_lm(uat_node *nd, double *x, uat_node_result *res, uat_error *err) {
  const size_t n = nd->nx, m = nd->nres;
  lm_work w = {0};
  double F = 0.0, mu = 1e-3, nu = 2.0; /* mu relative to the scaling D ~ diag(J^T J) */
  if (lm_work_alloc(&w, n, m) != 0) {
    lm_work_free(&w);
    return uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  int st = lm_linearise(nd, x, &w, &F, err);
  for (size_t it = 0; st == UAT_OK && it < nd->par.iterations && F > 0; it++) {
    res->iterations++;
    int accepted = 0;
    for (int tries = 0; tries < 40 && !accepted; tries++) {
      if (lm_step(n, &w, mu) != 0) {
        mu *= nu;
        nu *= 2;
        continue;
      }
      double pred = 0.0;
      for (size_t j = 0; j < n; j++) {
        w.xn[j] = x[j] + w.d[j];
        pred += 0.5 * w.d[j] * (mu * fmax(w.D[j], 1e-300) * w.d[j] - w.g[j]);
      }
      uat_error trial;
      double Fn = INFINITY;
      if (uat_node_residuals(nd, w.xn, w.rn, NULL, &trial) == UAT_OK) {
        Fn = 0.0;
        for (size_t i = 0; i < m; i++) Fn += 0.5 * w.rn[i] * w.rn[i];
      }
      const double rho = isfinite(Fn) && pred > 0 ? (F - Fn) / pred : -1.0;
      if (rho > 0) {
        accepted = 1;
        const double c = 2 * rho - 1;
        mu *= fmax(1.0 / 3, 1 - c * c * c);
        nu = 2.0;
      } else {
        mu *= nu;
        nu *= 2;
      }
    }
    if (!accepted) break; /* no damping gives a better point: a minimum as far as we can tell */
    memcpy(x, w.xn, n * sizeof *x);
    const double Fold = F;
    st = lm_linearise(nd, x, &w, &F, err);
    if (st == UAT_OK && Fold - F <= 1e-15 * Fold) break;
  }
  lm_work_free(&w);
  return st;
}

static int fit_adam(uat_node *nd, double *x, uat_node_result *res, uat_error *err) {
  uat_optimizer_params op = uat_optimizer_default_params(UAT_OPT_ADAM);
  op.lr = nd->par.adam_lr;
  uat_optimizer *opt = uat_optimizer_alloc(&op, nd->nx);
  double *g = malloc(nd->nx * sizeof *g), *best = malloc(nd->nx * sizeof *best);
  if (opt == NULL || g == NULL || best == NULL) {
    uat_optimizer_free(opt);
    free(g);
    free(best);
    return uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  int st = UAT_OK;
  double fbest = INFINITY;
  for (size_t it = 0; st == UAT_OK && it < nd->par.adam_steps; it++) {
    double f = NAN;
    st = uat_node_loss(nd, x, nd->par.gradient, &f, g, err);
    if (st == UAT_OK && !isfinite(f))
      st = uat_error_set(err, UAT_EDIVERGED, "the loss is not finite at Adam step %zu", it + 1);
    if (st != UAT_OK) break;
    if (f < fbest) {
      fbest = f;
      memcpy(best, x, nd->nx * sizeof *x);
    }
    uat_optimizer_step(opt, x, g);
    res->iterations++;
  }
  if (st == UAT_OK) memcpy(x, best, nd->nx * sizeof *x);
  uat_optimizer_free(opt);
  free(g);
  free(best);
  return st;
}

typedef struct {
  uat_node *nd;
  uat_error err;
} lbfgs_ctx;

static double lbfgs_fn(const double *x, double *g, void *ctx) {
  lbfgs_ctx *c = ctx;
  double f;
  if (uat_node_loss(c->nd, x, c->nd->par.gradient, &f, g, &c->err) != UAT_OK) return NAN;
  return f;
}

static int fit_lbfgs(uat_node *nd, double *x, uat_node_result *res, uat_error *err) {
  uat_lbfgs_params lp = uat_lbfgs_default_params();
  lp.gtol = 0;
  lp.ftol = 1e-15;
  uat_lbfgs *s = uat_lbfgs_alloc(nd->nx, &lp);
  lbfgs_ctx c = {nd, {0}};
  if (s == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory");
  int st = uat_lbfgs_set(s, lbfgs_fn, &c, x);
  if (st != UAT_OK)
    st = uat_error_set(err, UAT_EDIVERGED, "L-BFGS: no finite loss at the start%s%s",
                       c.err.msg[0] ? ": " : "", c.err.msg);
  for (size_t it = 0; st == UAT_OK && it < nd->par.iterations && !uat_lbfgs_converged(s); it++) {
    if (uat_lbfgs_iterate(s) != UAT_OK) break; /* no further progress from here */
    res->iterations++;
  }
  if (st == UAT_OK) memcpy(x, uat_lbfgs_x(s), nd->nx * sizeof *x);
  uat_lbfgs_free(s);
  return st;
}

int uat_node_fit(uat_node *nd, uat_node_result *r, uat_error *err) {
  memset(r, 0, sizeof *r);
  nd->solves = nd->sens_solves = 0;
  uat_node_get(nd, nd->x);
  int st = UAT_OK;
  switch (nd->par.trainer) {
  case UAT_NODE_LM: st = fit_lm(nd, nd->x, r, err); break;
  case UAT_NODE_ADAM: st = fit_adam(nd, nd->x, r, err); break;
  case UAT_NODE_LBFGS: st = fit_lbfgs(nd, nd->x, r, err); break;
  case UAT_NODE_ADAM_LBFGS:
    st = fit_adam(nd, nd->x, r, err);
    if (st == UAT_OK) st = fit_lbfgs(nd, nd->x, r, err);
    break;
  }
  r->gradient =
      nd->par.trainer == UAT_NODE_LM ? UAT_NODE_GRAD_FORWARD : choose(nd, nd->par.gradient);
  if (st == UAT_OK) st = uat_node_residuals(nd, nd->x, nd->r, NULL, err);
  if (st == UAT_OK) {
    r->rmse = data_rmse(nd, nd->r);
    r->loss = 0.0;
    for (size_t i = 0; i < nd->nres; i++) r->loss += 0.5 * nd->r[i] * nd->r[i];
  }
  r->solves = nd->solves;
  r->sens_solves = nd->sens_solves;
  return st;
}

int uat_node_fit_lm(uat_mlp *m, const uat_ode_system *like, size_t n, const double *times,
                    const double *obs, size_t max_iter, double ridge, uat_node_result *r,
                    uat_error *err) {
  memset(r, 0, sizeof *r);
  const uat_node_problem pb = {.like = like, .n = n, .times = times, .obs = obs, .ridge = ridge};
  uat_node_params par = uat_node_default_params();
  par.iterations = max_iter;
  uat_node *nd = uat_node_alloc(m, &pb, &par, err);
  if (nd == NULL) return err ? err->status : UAT_EINVAL;
  const int st = uat_node_fit(nd, r, err);
  uat_node_free(nd);
  return st;
}

/* ---- starting points, errors, data --------------------------------------------------------- */

int uat_node_init_collocation(uat_mlp **m, size_t n, size_t dim, const double *times,
                              const double *obs, const uat_ode_system *known,
                              const double *known_params, size_t max_iter, double *rmse,
                              uat_error *err) {
  uat_dataset *d = uat_dataset_alloc(n, dim, dim);
  if (d == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory");
  memcpy(d->x, obs, n * dim * sizeof *obs);
  int st = uat_ode_fd_derivative(n, dim, times, obs, 2, d->y) == UAT_OK
               ? UAT_OK
               : uat_error_set(err, UAT_EINVAL, "collocation needs 3 or more equally spaced times");
  if (st == UAT_OK && known) { /* the network learns what the known part leaves */
    double f[UAT_MLP_SYSTEM_MAX_DIM];
    for (size_t k = 0; k < n && st == UAT_OK; k++) {
      if (known->rhs(times[k], obs + k * dim, f, known_params, known->ctx) != 0)
        st = uat_error_set(err, UAT_EDOMAIN, "the known part failed at observation %zu", k + 1);
      for (size_t i = 0; i < dim; i++) d->y[k * dim + i] -= f[i];
    }
  }
  uat_fit_params p = uat_fit_default_params(UAT_FIT_LM);
  p.max_iter = max_iter;
  uat_fit_result res;
  memset(&res, 0, sizeof res);
  if (st == UAT_OK) st = uat_fit_train(m, d, &p, &res, err);
  if (rmse) *rmse = res.rmse;
  uat_dataset_free(d);
  return st;
}

/* Mean and standard deviation of column i of an n x dim array. */
static void column_stats(size_t n, size_t dim, const double *a, size_t i, double *mean,
                         double *sd) {
  double s = 0.0, s2 = 0.0;
  for (size_t k = 0; k < n; k++) s += a[k * dim + i];
  *mean = s / (double)n;
  for (size_t k = 0; k < n; k++) s2 += (a[k * dim + i] - *mean) * (a[k * dim + i] - *mean);
  *sd = sqrt(s2 / (double)n);
  if (!(*sd > 0)) *sd = 1.0;
}

void uat_node_scale_init(uat_mlp *m, size_t n, const double *times, const double *obs) {
  const size_t dim = uat_mlp_in(m), last = m->n_layers - 1, H1 = m->sizes[1];
  const size_t HL = m->sizes[last]; /* the last weight layer's input width */
  double *W1 = uat_mlp_weights(m, 0), *b1 = uat_mlp_bias(m, 0), *WL = uat_mlp_weights(m, last);
  double *slopes = malloc(n * dim * sizeof *slopes);
  const int have_slopes = slopes && uat_ode_fd_derivative(n, dim, times, obs, 2, slopes) == UAT_OK;
  for (size_t i = 0; i < dim; i++) {
    double mean, sd, smean = 0.0, ssd = sd = 1.0;
    column_stats(n, dim, obs, i, &mean, &sd);
    if (have_slopes) column_stats(n, dim, slopes, i, &smean, &ssd);
    for (size_t h = 0; h < H1; h++) { /* inputs to unit scale */
      W1[h * dim + i] /= sd;
      b1[h] -= W1[h * dim + i] * mean;
    }
    for (size_t h = 0; h < HL; h++) WL[i * HL + h] *= ssd; /* outputs to the slopes' scale */
  }
  free(slopes);
}

int uat_node_solve(const uat_mlp *m, const uat_ode_system *like, const uat_ode_system *known,
                   const double *known_params, const double *y0, size_t n, const double *times,
                   double *y, uat_error *err) {
  uat_mlp_system *s = uat_mlp_system_alloc(m, like, err);
  if (s == NULL) return err && err->status ? err->status : UAT_EINVAL;
  int st = uat_mlp_system_set_known(s, known, known_params, err);
  uat_ode_params prm = uat_ode_default_params();
  prm.method = UAT_ODE_BDF;
  prm.rtol = 1e-12;
  prm.atol = 1e-14;
  uat_ode_trajectory *tr = NULL;
  if (st == UAT_OK)
    st = uat_ode_solve(uat_mlp_system_get(s), NULL, y0, n, times, &prm, &tr, NULL, err);
  if (st == UAT_OK && tr) memcpy(y, tr->y, n * like->dim * sizeof *y);
  uat_ode_trajectory_free(tr);
  uat_mlp_system_free(s);
  return st;
}

int uat_node_trajectory_error(const uat_mlp *m, const uat_ode_system *like,
                              const uat_ode_system *known, const double *known_params,
                              const double *y0, size_t n, const double *times, const double *truth,
                              double *error, uat_error *err) {
  double *y = calloc(n * like->dim, sizeof *y);
  if (y == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory");
  const int st = uat_node_solve(m, like, known, known_params, y0, n, times, y, err);
  if (st == UAT_OK) {
    double num = 0.0, den = 0.0;
    for (size_t k = 0; k < n * like->dim; k++) {
      num += (y[k] - truth[k]) * (y[k] - truth[k]);
      den += truth[k] * truth[k];
    }
    *error = sqrt(num / den);
  }
  free(y);
  return st;
}

static const char *const noise_names[] = {"mean", "relative"};

int uat_node_noise_parse(const char *name, uat_node_noise *kind) {
  int k = 0;
  if (uat_enum_parse(noise_names, 2, name, &k) != UAT_OK) return UAT_ENOTFOUND;
  *kind = (uat_node_noise)k;
  return UAT_OK;
}

const char *uat_node_noise_name(uat_node_noise kind) { return uat_enum_name(noise_names, 2, kind); }

int uat_node_observe(const uat_ode_system *sys, const double *p, const double *y0, size_t n,
                     const double *times, double noise, uat_node_noise kind, unsigned long seed,
                     double *truth, double *obs, uat_error *err) {
  const size_t dim = sys->dim;
  if (!(noise >= 0)) return uat_error_set(err, UAT_EINVAL, "the noise must be >= 0");
  uat_ode_params prm = uat_ode_default_params();
  prm.rtol = 1e-12;
  prm.atol = 1e-14;
  uat_ode_trajectory *tr = NULL;
  const int st = uat_ode_solve(sys, p, y0 ? y0 : sys->y0_default, n, times, &prm, &tr, NULL, err);
  if (st != UAT_OK) return st;
  memcpy(truth, tr->y, n * dim * sizeof *truth);
  memcpy(obs, tr->y, n * dim * sizeof *obs);
  uat_ode_trajectory_free(tr);
  if (noise == 0) return UAT_OK;
  gsl_rng *r = uat_rng_alloc(seed);
  if (r == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory");
  for (size_t i = 0; i < dim; i++) {
    double mean = 0.0; /* the state's mean magnitude, as in the UDE paper's data */
    for (size_t k = 0; k < n; k++) mean += fabs(truth[k * dim + i]) / (double)n;
    for (size_t k = 0; k < n; k++) {
      const double sigma = noise * (kind == UAT_NODE_NOISE_RELATIVE ? truth[k * dim + i] : mean);
      obs[k * dim + i] += sigma * gsl_ran_gaussian(r, 1.0);
    }
  }
  gsl_rng_free(r);
  return UAT_OK;
}
