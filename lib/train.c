/* train.c — the training loop. */
#include "uat/train.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "uat/status.h"
#include "uat/util.h"

struct uat_trainer {
  uat_train_params p;
  size_t n;          /* samples */
  size_t batch;      /* effective batch size */
  size_t in, out, P; /* widths of the network it was made for */
  uat_mlp_workspace *w;
  double *grad;    /* P */
  double *dy;      /* batch x out */
  double *xb, *yb; /* gathered batch when the order is not the natural one */
  size_t *perm;    /* sample order */
};

static const char *const stop_names[UAT_STOP_COUNT] = {
    "iterations", "target", "diverged", "callback", "time", "plateau", "converged"};

const char *uat_stop_reason_name(uat_stop_reason reason) {
  return uat_enum_name(stop_names, UAT_STOP_COUNT, (int)reason);
}

int uat_mlp_loss_fits(const uat_mlp *m, uat_loss loss) {
  const uat_activation a = m->act[m->n_layers - 1];
  if (loss == UAT_LOSS_BCE) return a == UAT_ACT_IDENTITY || a == UAT_ACT_SIGMOID;
  if (loss == UAT_LOSS_CE) return a == UAT_ACT_IDENTITY || a == UAT_ACT_SOFTMAX;
  return loss == UAT_LOSS_MSE || loss == UAT_LOSS_HALF_MSE;
}

double uat_mlp_loss(const uat_mlp *m, const uat_mlp_workspace *w, uat_loss loss, const double *t,
                    double *dy, int *flags) {
  const size_t L = m->n_layers, out = uat_mlp_out(m);
  *flags = 0;
  if (!uat_mlp_loss_fits(m, loss)) return NAN;
  if (!uat_loss_on_logits(loss)) return uat_loss_eval(loss, w->n * out, w->a[L - 1], t, dy);
  *flags = UAT_BACKWARD_OUTPUT_AS_IDENTITY;
  return uat_loss_eval_rows(loss, w->n, out, w->z[L - 1], t, dy);
}

uat_train_params uat_train_default_params(void) {
  const uat_train_params p = {UAT_LOSS_MSE, 1000, 0, 0, -1.0, 0};
  return p;
}

uat_trainer *uat_trainer_alloc(const uat_mlp *m, const uat_train_params *p, size_t n_samples) {
  if (m == NULL || p == NULL || n_samples == 0 || p->loss < 0 || p->loss >= UAT_LOSS_COUNT)
    return NULL;
  uat_trainer *t = calloc(1, sizeof *t);
  if (t == NULL) return NULL;
  t->p = *p;
  t->n = n_samples;
  t->batch = (p->batch_size == 0 || p->batch_size > n_samples) ? n_samples : p->batch_size;
  t->in = uat_mlp_in(m);
  t->out = uat_mlp_out(m);
  t->P = m->n_params;
  t->w = uat_mlp_workspace_alloc(m, t->batch);
  t->grad = malloc(t->P * sizeof *t->grad);
  t->dy = malloc(t->batch * t->out * sizeof *t->dy);
  t->xb = malloc(t->batch * t->in * sizeof *t->xb);
  t->yb = malloc(t->batch * t->out * sizeof *t->yb);
  t->perm = malloc(n_samples * sizeof *t->perm);
  if (!t->w || !t->grad || !t->dy || !t->xb || !t->yb || !t->perm) {
    uat_trainer_free(t);
    return NULL;
  }
  for (size_t i = 0; i < n_samples; i++) t->perm[i] = i;
  return t;
}

void uat_trainer_free(uat_trainer *t) {
  if (t == NULL) return;
  uat_mlp_workspace_free(t->w);
  free(t->grad);
  free(t->dy);
  free(t->xb);
  free(t->yb);
  free(t->perm);
  free(t);
}

static int all_finite(size_t n, const double *v) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i])) return 0;
  return 1;
}

/* Rows [start, start + k) of the current order, as contiguous matrices. Without shuffling the
 * natural order is used in place: no copy. */
static void gather(uat_trainer *t, const uat_dataset *d, size_t start, size_t k, const double **x,
                   const double **y) {
  if (!t->p.shuffle) {
    *x = d->x + start * t->in;
    *y = d->y + start * t->out;
    return;
  }
  for (size_t i = 0; i < k; i++) {
    const size_t s = t->perm[start + i];
    memcpy(t->xb + i * t->in, d->x + s * t->in, t->in * sizeof *t->xb);
    memcpy(t->yb + i * t->out, d->y + s * t->out, t->out * sizeof *t->yb);
  }
  *x = t->xb;
  *y = t->yb;
}

/* One pass over the data; returns the epoch loss (NaN if anything became non-finite). */
static double run_epoch(uat_trainer *t, uat_mlp *m, uat_optimizer *o, const uat_dataset *d) {
  double sum = 0.0;
  for (size_t start = 0; start < t->n; start += t->batch) {
    const size_t k = t->n - start < t->batch ? t->n - start : t->batch;
    const double *x, *y;
    gather(t, d, start, k, &x, &y);
    int flags = 0;
    uat_mlp_forward(m, t->w, k, x);
    const double loss = uat_mlp_loss(m, t->w, t->p.loss, y, t->dy, &flags);
    uat_mlp_backward_flags(m, t->w, t->dy, t->grad, NULL, t->p.backward_flags | flags);
    uat_mlp_mask_grad(m, t->grad);
    if (!isfinite(loss) || !all_finite(t->P, t->grad)) return NAN;
    uat_optimizer_step(o, m->theta, t->grad);
    sum += loss * (double)k;
  }
  return sum / (double)t->n;
}

static int shapes_match(const uat_trainer *t, const uat_mlp *m, const uat_dataset *d,
                        const gsl_rng *r) {
  return d->n == t->n && d->in == t->in && d->out == t->out && m->n_params == t->P &&
         uat_mlp_in(m) == t->in && uat_mlp_out(m) == t->out && !(t->p.shuffle && r == NULL);
}

int uat_trainer_epoch(uat_trainer *t, uat_mlp *m, uat_optimizer *o, const uat_dataset *d,
                      gsl_rng *r, double *loss) {
  *loss = NAN;
  if (!shapes_match(t, m, d, r)) return UAT_EINVAL;
  if (t->p.shuffle) gsl_ran_shuffle(r, t->perm, t->n, sizeof *t->perm);
  *loss = run_epoch(t, m, o, d);
  return isfinite(*loss) ? UAT_OK : UAT_EDIVERGED;
}

int uat_trainer_run(uat_trainer *t, uat_mlp *m, uat_optimizer *o, const uat_dataset *d, gsl_rng *r,
                    uat_epoch_callback cb, void *ctx, uat_train_result *res) {
  res->epochs = 0;
  res->loss = NAN;
  res->reason = UAT_STOP_ITER;
  if (!shapes_match(t, m, d, r)) return UAT_EINVAL;
  for (size_t e = 1; e <= t->p.max_epochs; e++) {
    double loss;
    const int st = uat_trainer_epoch(t, m, o, d, r, &loss);
    res->loss = loss;
    if (st != UAT_OK) {
      res->reason = UAT_STOP_DIVERGED;
      return st;
    }
    res->epochs = e;
    if (loss <= t->p.target_loss) {
      res->reason = UAT_STOP_TARGET;
      return UAT_OK;
    }
    if (cb != NULL && cb(e, loss, m, ctx) != 0) {
      res->reason = UAT_STOP_CALLBACK;
      return UAT_OK;
    }
  }
  return UAT_OK;
}
