/* adapt.c — adaptive learning: online tracking of a drifting target against a frozen network,
 * and LMS's misadjustment on a stationary one. */
#include "uat/adapt.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uat/init.h"
#include "uat/loss.h"
#include "uat/target.h"
#include "uat/trainers.h"

void uat_adapt_spec_defaults(uat_adapt_spec *s) {
  memset(s, 0, sizeof *s);
  s->steps = 20000;
  s->dt = 0.01;
  s->n_hidden = 1;
  s->width = 16;
  s->act = UAT_ACT_TANH;
  s->lr = 0.01;
  s->pretrain = 500;
  s->window = 500;
}

void uat_adapt_result_free(uat_adapt_result *r) {
  free(r->t);
  free(r->online);
  free(r->frozen);
  uat_mlp_free(r->model);
  memset(r, 0, sizeof *r);
}

/* The target over the inputs and t in [0, steps dt]: t is its last variable. */
static int adapt_target(const uat_adapt_spec *s, uat_target **t, uat_error *err) {
  char domain[1200];
  const double T = (double)s->steps * s->dt;
  if (!(s->dt > 0) || !isfinite(T) || s->steps == 0 || s->window == 0 || s->window > s->steps ||
      !(s->lr > 0))
    return uat_error_set(err, UAT_EINVAL,
                         "adapt: expected steps >= window > 0, dt > 0 and a "
                         "positive learning rate");
  const int n = snprintf(domain, sizeof domain, "%s,t=0:%.17g",
                         s->domain && *s->domain ? s->domain : "-1:1", T);
  if (n < 0 || (size_t)n >= sizeof domain)
    return uat_error_set(err, UAT_EFORMAT, "adapt: domain too long");
  const int st = uat_target_alloc(s->target, domain, t, err);
  if (st == UAT_OK && uat_target_get_kind(*t) != UAT_TARGET_EXPR) {
    uat_target_free(*t);
    *t = NULL;
    return uat_error_set(err, UAT_EFORMAT,
                         "adapt: the target must be an expression in the "
                         "inputs and t");
  }
  return st;
}

/* The network, initialised from the seed and fitted by L-BFGS to the target at t = 0 on a grid
 * (256 points, or 16 per axis in 2-D, ...). */
static uat_mlp *pretrained(const uat_adapt_spec *s, uat_target *t, uat_error *err) {
  const size_t in = uat_target_in(t) - 1, L = s->n_hidden + 1;
  size_t sizes[UAT_TARGET_MAX_DIM + 2];
  uat_activation act[UAT_TARGET_MAX_DIM + 1];
  if (s->n_hidden > UAT_TARGET_MAX_DIM) {
    uat_error_set(err, UAT_EINVAL, "adapt: at most %d hidden layers", UAT_TARGET_MAX_DIM);
    return NULL;
  }
  sizes[0] = in;
  for (size_t l = 1; l < L; l++) sizes[l] = s->width, act[l - 1] = s->act;
  sizes[L] = 1;
  act[L - 1] = UAT_ACT_IDENTITY;
  uat_mlp *m = uat_mlp_alloc(L + 1, sizes, act);
  gsl_rng *r = uat_rng_alloc(s->seed);
  const size_t per = in == 1 ? 256 : in == 2 ? 16 : 4;
  size_t n = 1;
  for (size_t i = 0; i < in; i++) n *= per;
  uat_dataset *d = uat_dataset_alloc(n, in, 1);
  int st = m && r && d ? UAT_OK : UAT_ENOMEM;
  const uat_init_spec init = uat_init_spec_torch();
  if (st == UAT_OK) st = uat_mlp_init(m, &init, r);
  for (size_t k = 0; k < n && st == UAT_OK; k++) {
    double v[UAT_TARGET_MAX_DIM + 1];
    size_t rest = k;
    for (size_t i = in; i-- > 0; rest /= per)
      v[i] = uat_target_lo(t)[i] +
             (uat_target_hi(t)[i] - uat_target_lo(t)[i]) * (double)(rest % per) / (double)(per - 1);
    v[in] = 0.0;
    memcpy(d->x + k * in, v, in * sizeof *v);
    st = uat_target_eval(t, v, d->y + k);
  }
  if (st == UAT_OK && s->pretrain > 0) {
    uat_fit_params p = uat_fit_default_params(UAT_FIT_LBFGS);
    p.max_iter = s->pretrain;
    uat_fit_result res;
    memset(&res, 0, sizeof res);
    st = uat_fit_train(&m, d, &p, &res, err);
  }
  gsl_rng_free(r);
  uat_dataset_free(d);
  if (st != UAT_OK) {
    if (st == UAT_ENOMEM) uat_error_set(err, st, "adapt: out of memory");
    uat_mlp_free(m);
    return NULL;
  }
  return m;
}

typedef struct {
  uat_mlp *online, *frozen;
  uat_mlp_workspace *wo, *wf;
  double *grad;
} learners;

/* One sample: both predict, the online network learns. Its squared errors go to *eo and *ef;
 * UAT_EDIVERGED when the online network's error is not finite. */
static int adapt_step(learners *L, const double *x, double y, double lr, double *eo, double *ef) {
  const double yo = uat_mlp_forward(L->online, L->wo, 1, x)[0];
  const double yf = uat_mlp_forward(L->frozen, L->wf, 1, x)[0];
  *eo = (y - yo) * (y - yo);
  *ef = (y - yf) * (y - yf);
  if (!isfinite(*eo)) return UAT_EDIVERGED;
  const double dy = yo - y; /* the gradient of half the squared error */
  uat_mlp_backward(L->online, L->wo, &dy, L->grad, NULL);
  for (size_t p = 0; p < L->online->n_params; p++) L->online->theta[p] -= lr * L->grad[p];
  return UAT_OK;
}

static int result_alloc(uat_adapt_result *r, size_t windows) {
  r->windows = windows;
  r->t = calloc(windows, sizeof *r->t);
  r->online = calloc(windows, sizeof *r->online);
  r->frozen = calloc(windows, sizeof *r->frozen);
  return r->t && r->online && r->frozen ? UAT_OK : UAT_ENOMEM;
}

/* The stream itself. */
static int stream(const uat_adapt_spec *s, uat_target *t, learners *L, uat_adapt_result *r,
                  uat_error *err) {
  const size_t in = uat_target_in(t) - 1;
  gsl_rng *rng = uat_rng_alloc(s->seed + 1); /* not the initialiser's stream */
  if (rng == NULL) return uat_error_set(err, UAT_ENOMEM, "adapt: out of memory");
  double so = 0, sf = 0, late_o = 0, late_f = 0;
  size_t late_n = 0;
  int st = UAT_OK;
  for (size_t k = 0; k < r->windows * s->window && st == UAT_OK; k++) {
    double v[UAT_TARGET_MAX_DIM + 1], y, eo, ef;
    for (size_t i = 0; i < in; i++)
      v[i] = gsl_ran_flat(rng, uat_target_lo(t)[i], uat_target_hi(t)[i]);
    v[in] = (double)k * s->dt;
    uat_target_eval(t, v, &y);
    if (s->noise > 0) y += gsl_ran_gaussian(rng, s->noise);
    st = adapt_step(L, v, y, s->lr, &eo, &ef);
    if (st != UAT_OK) {
      uat_error_set(err, st,
                    "adapt: the online network diverged at step %zu (t = %g): lower "
                    "the learning rate",
                    k, v[in]);
      break;
    }
    so += eo, sf += ef;
    if (2 * k >= s->steps) late_o += eo, late_f += ef, late_n++;
    if ((k + 1) % s->window == 0) {
      const size_t w = k / s->window;
      r->t[w] = v[in];
      r->online[w] = sqrt(so / (double)s->window);
      r->frozen[w] = sqrt(sf / (double)s->window);
      so = sf = 0;
    }
  }
  r->online_late = sqrt(late_o / (double)(late_n ? late_n : 1));
  r->frozen_late = sqrt(late_f / (double)(late_n ? late_n : 1));
  gsl_rng_free(rng);
  return st;
}

int uat_adapt_run(const uat_adapt_spec *s, uat_adapt_result *r, uat_error *err) {
  memset(r, 0, sizeof *r);
  uat_target *t = NULL;
  int st = adapt_target(s, &t, err);
  if (st != UAT_OK) return st;
  learners L = {pretrained(s, t, err), NULL, NULL, NULL, NULL};
  if (L.online == NULL) {
    uat_target_free(t);
    return err && err->status != UAT_OK ? err->status : UAT_ENOMEM;
  }
  L.frozen = uat_mlp_clone(L.online);
  L.wo = uat_mlp_workspace_alloc(L.online, 1);
  L.wf = uat_mlp_workspace_alloc(L.online, 1);
  L.grad = malloc(L.online->n_params * sizeof *L.grad);
  st = L.frozen && L.wo && L.wf && L.grad ? result_alloc(r, s->steps / s->window) : UAT_ENOMEM;
  if (st == UAT_ENOMEM) uat_error_set(err, st, "adapt: out of memory");
  if (st == UAT_OK) st = stream(s, t, &L, r, err);
  if (st == UAT_OK) {
    r->model = L.online;
    L.online = NULL;
  } else {
    uat_adapt_result_free(r);
  }
  uat_mlp_free(L.online);
  uat_mlp_free(L.frozen);
  uat_mlp_workspace_free(L.wo);
  uat_mlp_workspace_free(L.wf);
  free(L.grad);
  uat_target_free(t);
  return st;
}

void uat_misadjustment_spec_defaults(uat_misadjustment_spec *s) {
  const uat_misadjustment_spec d = {2, 0.05, 0.1, 1000000, 10000, 0};
  *s = d;
}

int uat_misadjustment_run(const uat_misadjustment_spec *s, uat_misadjustment *m, uat_error *err) {
  enum { MAXN = 16 };
  memset(m, 0, sizeof *m);
  const size_t n = s->inputs;
  if (n == 0 || n > MAXN || !(s->mu > 0) || !(s->noise > 0) || s->steps <= s->burn_in)
    return uat_error_set(err, UAT_EINVAL,
                         "misadjustment: 1 to %d inputs, a positive step size "
                         "and noise, more steps than burn-in",
                         MAXN);
  /* R = diag(1/3, ..., 1/3, 1) for u = (x, 1), x uniform on [-1, 1]^n */
  m->trace_r = (double)n / 3.0 + 1.0;
  const double h = 0.5 * s->mu * m->trace_r;
  m->theory = h / (1.0 - h);
  gsl_rng *rng = uat_rng_alloc(s->seed);
  if (rng == NULL) return uat_error_set(err, UAT_ENOMEM, "misadjustment: out of memory");
  double wstar[MAXN + 1], w[MAXN + 1], u[MAXN + 1];
  for (size_t i = 0; i <= n; i++) wstar[i] = w[i] = 1.0 / (double)(i + 1); /* any optimum */
  double excess = 0, mse = 0;
  for (size_t k = 0; k < s->steps; k++) {
    double d = 0, y = 0;
    for (size_t i = 0; i <= n; i++) {
      u[i] = i < n ? gsl_ran_flat(rng, -1, 1) : 1.0;
      d += wstar[i] * u[i];
      y += w[i] * u[i];
    }
    d += gsl_ran_gaussian(rng, s->noise);
    const double e = d - y;
    if (k >= s->burn_in) {
      double ex = 0; /* (w - w*)^T R (w - w*) with R diagonal */
      for (size_t i = 0; i <= n; i++) ex += (i < n ? 1.0 / 3.0 : 1.0) * pow(w[i] - wstar[i], 2);
      excess += ex;
      mse += e * e;
    }
    for (size_t i = 0; i <= n; i++) w[i] += s->mu * e * u[i];
  }
  gsl_rng_free(rng);
  const double count = (double)(s->steps - s->burn_in), s2 = s->noise * s->noise;
  m->measured = excess / count / s2;
  m->mse_ratio = mse / count / s2 - 1.0;
  return UAT_OK;
}
