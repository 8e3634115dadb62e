/* lanes.c — networks side by side in SIMD lanes, bit-identical to training each alone. */
#include "uat/lanes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clones.h"
#include "uat/kernels.h"
#include "uat/limits.h"
#include "uat/status.h"

uat_mlp_lanes *uat_mlp_lanes_alloc(size_t lanes, size_t n_sizes, const size_t *sizes,
                                   const uat_activation *act) {
  if (lanes == 0 || lanes > ((size_t)1 << 20)) return NULL;
  /* the shape is checked and laid out by uat_mlp_alloc itself */
  uat_mlp *shape = uat_mlp_alloc(n_sizes, sizes, act);
  if (shape == NULL) return NULL;
  uat_mlp_lanes *l = calloc(1, sizeof *l);
  if (l == NULL) {
    uat_mlp_free(shape);
    return NULL;
  }
  l->lanes = lanes;
  l->stride = (lanes + 7) / 8 * 8;
  l->n_layers = shape->n_layers;
  l->n_params = shape->n_params;
  l->sizes = shape->sizes;
  l->act = shape->act;
  l->offset = shape->offset;
  shape->sizes = NULL;
  shape->act = NULL;
  shape->offset = NULL;
  uat_mlp_free(shape);
  size_t cells;
  l->theta = uat_size_mul(l->n_params, l->stride, &cells) ? calloc(cells, sizeof *l->theta) : NULL;
  if (l->theta == NULL) {
    uat_mlp_lanes_free(l);
    return NULL;
  }
  return l;
}

void uat_mlp_lanes_free(uat_mlp_lanes *l) {
  if (l == NULL) return;
  free(l->sizes);
  free(l->act);
  free(l->offset);
  free(l->theta);
  free(l);
}

static int same_shape(const uat_mlp_lanes *l, const uat_mlp *m) {
  if (m->n_layers != l->n_layers) return 0;
  for (size_t i = 0; i <= l->n_layers; i++)
    if (m->sizes[i] != l->sizes[i]) return 0;
  for (size_t i = 0; i < l->n_layers; i++)
    if (m->act[i] != l->act[i]) return 0;
  return 1;
}

int uat_mlp_lanes_set(uat_mlp_lanes *l, size_t k, const uat_mlp *m) {
  if (k >= l->lanes || !same_shape(l, m)) return UAT_EINVAL;
  for (size_t p = 0; p < l->n_params; p++) l->theta[p * l->stride + k] = m->theta[p];
  return UAT_OK;
}

int uat_mlp_lanes_get(const uat_mlp_lanes *l, size_t k, uat_mlp *m) {
  if (k >= l->lanes || !same_shape(l, m)) return UAT_EINVAL;
  for (size_t p = 0; p < l->n_params; p++) m->theta[p] = l->theta[p * l->stride + k];
  return UAT_OK;
}

/* a x b x c doubles (at least one, so that no allocation has size 0); NULL on overflow */
static double *alloc_doubles(size_t a, size_t b, size_t c) {
  size_t n;
  if (!uat_size_mul3(a, b, c, &n) || n > (size_t)-1 / sizeof(double)) return NULL;
  return malloc((n ? n : 1) * sizeof(double));
}

uat_mlp_lanes_workspace *uat_mlp_lanes_workspace_alloc(const uat_mlp_lanes *l, size_t max_batch) {
  if (l == NULL || max_batch == 0) return NULL;
  uat_mlp_lanes_workspace *w = calloc(1, sizeof *w);
  if (w == NULL) return NULL;
  w->max_batch = max_batch;
  w->n_layers = l->n_layers;
  w->stride = l->stride;
  size_t wide = 0;
  for (size_t i = 0; i <= l->n_layers; i++)
    if (l->sizes[i] > wide) wide = l->sizes[i];
  w->z = calloc(l->n_layers ? l->n_layers : 1, sizeof *w->z);
  w->a = calloc(l->n_layers ? l->n_layers : 1, sizeof *w->a);
  w->g0 = alloc_doubles(max_batch, wide, l->stride);
  w->g1 = alloc_doubles(max_batch, wide, l->stride);
  if (!w->z || !w->a || !w->g0 || !w->g1) {
    uat_mlp_lanes_workspace_free(w);
    return NULL;
  }
  for (size_t i = 0; i < l->n_layers; i++) {
    w->z[i] = alloc_doubles(max_batch, l->sizes[i + 1], l->stride);
    w->a[i] = alloc_doubles(max_batch, l->sizes[i + 1], l->stride);
    if (!w->z[i] || !w->a[i]) {
      uat_mlp_lanes_workspace_free(w);
      return NULL;
    }
  }
  return w;
}

void uat_mlp_lanes_workspace_free(uat_mlp_lanes_workspace *w) {
  if (w == NULL) return;
  for (size_t i = 0; i < w->n_layers; i++) {
    if (w->z) free(w->z[i]);
    if (w->a) free(w->a[i]);
  }
  free(w->z);
  free(w->a);
  free(w->g0);
  free(w->g1);
  free(w);
}

const double *uat_mlp_lanes_forward(const uat_mlp_lanes *l, uat_mlp_lanes_workspace *w, size_t n,
                                    const double *x) {
  if (n == 0 || n > w->max_batch || w->n_layers != l->n_layers || w->stride != l->stride)
    return NULL;
  const size_t S = l->stride;
  w->n = n;
  w->x = x;
  const double *prev = x;
  for (size_t i = 0; i < l->n_layers; i++) {
    const size_t in = l->sizes[i], out = l->sizes[i + 1];
    const double *W = l->theta + l->offset[i] * S, *b = W + out * in * S;
    uat_lanes_affine(n, in, out, S, prev, i > 0, W, b, w->z[i]);
    uat_activation_apply(l->act[i], n * out * S, w->z[i], w->a[i]);
    prev = w->a[i];
  }
  return w->a[l->n_layers - 1];
}

int uat_mlp_lanes_backward(const uat_mlp_lanes *l, uat_mlp_lanes_workspace *w, const double *dy,
                           double *grad, int flags) {
  if (w->n == 0 || w->n_layers != l->n_layers || dy == NULL || grad == NULL) return UAT_EINVAL;
  const size_t n = w->n, L = l->n_layers, S = l->stride;
  double *D = w->g0, *G = w->g1;
  memcpy(D, dy, n * l->sizes[L] * S * sizeof *D);
  for (size_t i = L; i-- > 0;) {
    const size_t in = l->sizes[i], out = l->sizes[i + 1];
    const double *A = i > 0 ? w->a[i - 1] : w->x;
    if (!(i + 1 == L && (flags & UAT_BACKWARD_OUTPUT_AS_IDENTITY)))
      uat_activation_backprop(l->act[i], n * out * S, w->z[i], w->a[i], D);
    double *dW = grad + l->offset[i] * S;
    uat_lanes_param_grad(n, in, out, S, D, A, i > 0, dW, dW + out * in * S);
    if (i > 0) {
      uat_lanes_input_grad(n, in, out, S, D, l->theta + l->offset[i] * S, G);
      double *t = D;
      D = G;
      G = t;
    }
  }
  return UAT_OK;
}

/* ---- training ----------------------------------------------------------------------------- */
typedef struct {
  uat_mlp_lanes *l;
  uat_mlp_lanes_workspace *w;
  uat_optimizer *o;
  double *grad, *dy, *ytmp, *dytmp, *frozen, *sum, *loss, *lossv;
  unsigned char *done, *bad, *prev; /* prev: done before the callback */
  size_t active;                    /* lanes not done */
  uat_train_result *res;
} lanes_run;

static void lanes_run_free(lanes_run *r) {
  uat_mlp_lanes_workspace_free(r->w);
  uat_optimizer_free(r->o);
  free(r->grad);
  free(r->dy);
  free(r->ytmp);
  free(r->dytmp);
  free(r->frozen);
  free(r->sum);
  free(r->loss);
  free(r->lossv);
  free(r->done);
  free(r->bad);
  free(r->prev);
}

/* Keep lane k's parameters as they are now: it has finished. */
static void freeze(lanes_run *r, size_t k, size_t epochs, double loss, uat_stop_reason why) {
  const uat_mlp_lanes *l = r->l;
  for (size_t p = 0; p < l->n_params; p++)
    r->frozen[p * l->stride + k] = l->theta[p * l->stride + k];
  r->done[k] = 1;
  r->active--;
  r->res[k].epochs = epochs;
  r->res[k].loss = loss;
  r->res[k].reason = why;
}

/* Each lane's loss and output gradient, exactly as uat_loss_eval computes them for that
 * lane alone: the (half-)MSE written out with the same operations in the same order, lanes
 * innermost so that they vectorise; other losses through uat_loss_eval lane by lane. */
static void lanes_loss(lanes_run *r, uat_loss loss, size_t count, const double *y, const double *t,
                       double *batch_loss) {
  const size_t S = r->l->stride, K = r->l->lanes;
  if (loss == UAT_LOSS_MSE || loss == UAT_LOSS_HALF_MSE) {
    uat_lanes_mse(count, S, loss == UAT_LOSS_MSE ? 1.0 : 0.5, y, t, r->dy, r->lossv);
    memcpy(batch_loss, r->lossv, K * sizeof *batch_loss);
    return;
  }
  for (size_t k = 0; k < K; k++) {
    for (size_t i = 0; i < count; i++) r->ytmp[i] = y[i * S + k];
    batch_loss[k] = uat_loss_eval(loss, count, r->ytmp, t, r->dytmp);
    for (size_t i = 0; i < count; i++) r->dy[i * S + k] = r->dytmp[i];
  }
}

/* bad[k] = 1 where lane k's gradient has a non-finite entry: g * 0 is NaN exactly for
 * infinite or NaN g, and a NaN stays in the sum (a form that vectorises). */
UAT_CLONES static void grad_bad(size_t P, size_t S, size_t K, const double *grad,
                                unsigned char *bad) {
  for (size_t k0 = 0; k0 < K; k0 += 8) { /* eight lanes at a time, their sums in registers */
    double chk[8] = {0};
    for (size_t p = 0; p < P; p++)
      for (size_t j = 0; j < 8; j++) chk[j] += grad[p * S + k0 + j] * 0.0; /* S >= k0 + 8 */
    for (size_t j = 0; j < 8 && k0 + j < K; j++) bad[k0 + j] = (unsigned char)isnan(chk[j]);
  }
}

/* Whether any lane still running needs a look: a batch loss that is not finite or a
 * non-finite gradient (bad) — the rare case, so the lanes are scanned with comparisons only
 * (x - x is 0 exactly for finite x) and walked one by one only then. */
UAT_CLONES static int any_diverged(size_t K, const unsigned char *done, const double *loss,
                                   const unsigned char *bad) {
  int any = 0;
  for (size_t k = 0; k < K; k++) {
    const int finite = loss[k] - loss[k] == 0.0;
    any |= (done[k] == 0) & ((finite == 0) | (bad[k] != 0));
  }
  return any;
}

/* Whether any lane still running has a non-finite epoch loss or one at or below target. */
UAT_CLONES static int any_finished(size_t K, const unsigned char *done, const double *loss,
                                   double target) {
  int any = 0;
  for (size_t k = 0; k < K; k++) {
    const int running = (loss[k] - loss[k] == 0.0) & (loss[k] > target);
    any |= (done[k] == 0) & (running == 0);
  }
  return any;
}

/* sum += batch loss x its rows; with the last batch, loss = sum / n (run_epoch's steps) */
UAT_CLONES static void loss_sums(size_t K, double rows, double n, const double *batch_loss,
                                 double *sum, double *loss) {
  for (size_t k = 0; k < K; k++) sum[k] += batch_loss[k] * rows;
  if (loss != NULL)
    for (size_t k = 0; k < K; k++) loss[k] = sum[k] / n;
}

/* One pass over the data, as run_epoch in train.c, lane by lane. With a full batch the
 * forward pass may already be in the workspace (have_forward): the callback's outputs. */
static void lanes_epoch(lanes_run *r, const uat_train_params *tp, const uat_dataset *d,
                        size_t batch, size_t epoch, int flags, int have_forward,
                        double *batch_loss) {
  uat_mlp_lanes *l = r->l;
  const size_t K = l->lanes;
  for (size_t k = 0; k < K; k++) r->sum[k] = 0.0;
  for (size_t start = 0; start < d->n; start += batch) {
    const size_t nb = d->n - start < batch ? d->n - start : batch;
    const double *y = have_forward ? r->w->a[l->n_layers - 1]
                                   : uat_mlp_lanes_forward(l, r->w, nb, d->x + start * d->in);
    lanes_loss(r, tp->loss, nb * d->out, y, d->y + start * d->out, batch_loss);
    uat_mlp_lanes_backward(l, r->w, r->dy, r->grad, flags);
    grad_bad(l->n_params, l->stride, K, r->grad, r->bad);
    if (any_diverged(K, r->done, batch_loss, r->bad))
      for (size_t k = 0; k < K; k++)
        if (!r->done[k] && (!isfinite(batch_loss[k]) || r->bad[k]))
          freeze(r, k, epoch - 1, NAN, UAT_STOP_DIVERGED);
    uat_optimizer_step(r->o, l->theta, r->grad);
    loss_sums(K, (double)nb, (double)d->n, batch_loss, r->sum, start + nb < d->n ? NULL : r->loss);
  }
}

int uat_lanes_train(uat_mlp_lanes *l, const uat_optimizer_params *op, const uat_train_params *tp,
                    const uat_dataset *d, int flags, uat_lanes_callback cb, void *ctx,
                    uat_train_result *res) {
  if (tp->shuffle || d->in != l->sizes[0] || d->out != l->sizes[l->n_layers]) return UAT_EINVAL;
  const size_t batch = (tp->batch_size == 0 || tp->batch_size > d->n) ? d->n : tp->batch_size;
  const size_t S = l->stride, K = l->lanes, PS = l->n_params * S;
  lanes_run r = {.l = l,
                 .w = uat_mlp_lanes_workspace_alloc(l, batch),
                 .o = uat_optimizer_alloc(op, PS),
                 .grad = calloc(PS, sizeof(double)),
                 .dy = malloc(batch * d->out * S * sizeof(double)),
                 .ytmp = malloc(batch * d->out * sizeof(double)),
                 .dytmp = malloc(batch * d->out * sizeof(double)),
                 .frozen = malloc(PS * sizeof(double)),
                 .sum = malloc(K * sizeof(double)),
                 .loss = calloc(K, sizeof(double)),
                 .lossv = malloc(S * sizeof(double)),
                 .done = calloc(K, 1),
                 .bad = calloc(K, 1),
                 .prev = calloc(K, 1),
                 .active = K,
                 .res = res};
  double *batch_loss = malloc(K * sizeof *batch_loss);
  if (!r.w || !r.o || !r.grad || !r.dy || !r.ytmp || !r.dytmp || !r.frozen || !r.sum || !r.loss ||
      !r.done || !r.bad || !r.prev || !batch_loss) {
    lanes_run_free(&r);
    free(batch_loss);
    return UAT_ENOMEM;
  }
  for (size_t k = 0; k < K; k++) {
    res[k].epochs = 0;
    res[k].loss = NAN;
    res[k].reason = UAT_STOP_ITER;
  }
  /* a second workspace for the callback's outputs when batches are not the whole set */
  uat_mlp_lanes_workspace *wy = NULL;
  if (cb != NULL && batch < d->n && (wy = uat_mlp_lanes_workspace_alloc(l, d->n)) == NULL) {
    lanes_run_free(&r);
    free(batch_loss);
    return UAT_ENOMEM;
  }
  int have_forward = 0;
  size_t e = 0; /* epochs completed */
  while (e < tp->max_epochs && r.active > 0) {
    e++;
    lanes_epoch(&r, tp, d, batch, e, flags, have_forward, batch_loss);
    have_forward = 0;
    if (any_finished(K, r.done, r.loss, tp->target_loss))
      for (size_t k = 0; k < K; k++) {
        if (r.done[k]) continue;
        if (!isfinite(r.loss[k]))
          freeze(&r, k, e - 1, r.loss[k], UAT_STOP_DIVERGED);
        else if (r.loss[k] <= tp->target_loss)
          freeze(&r, k, e, r.loss[k], UAT_STOP_TARGET);
      }
    if (cb != NULL) {
      memcpy(batch_loss, r.loss, K * sizeof *batch_loss);
      memcpy(r.prev, r.done, K);
      const double *y =
          wy ? uat_mlp_lanes_forward(l, wy, d->n, d->x) : uat_mlp_lanes_forward(l, r.w, d->n, d->x);
      have_forward = wy == NULL;
      cb(e, batch_loss, y, l, r.done, ctx);
      if (memcmp(r.prev, r.done, K) != 0) /* the lanes the callback stops are the ones it marks */
        for (size_t k = 0; k < K; k++)
          if (r.done[k] && !r.prev[k]) {
            r.done[k] = 0;
            freeze(&r, k, e, r.loss[k], UAT_STOP_CALLBACK);
          }
    }
  }
  for (size_t k = 0; k < K && e > 0; k++) /* the lanes that ran every epoch */
    if (!r.done[k]) {
      res[k].epochs = e;
      res[k].loss = r.loss[k];
    }
  /* finished lanes go back to the parameters they stopped with */
  for (size_t k = 0; k < K; k++)
    if (r.done[k])
      for (size_t p = 0; p < l->n_params; p++) l->theta[p * S + k] = r.frozen[p * S + k];
  uat_mlp_lanes_workspace_free(wy);
  lanes_run_free(&r);
  free(batch_loss);
  return UAT_OK;
}
