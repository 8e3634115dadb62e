/* xor.c — the seed post's XOR experiments.
 *
 * torch: 2-2-1, sigmoid hidden, linear output, weights N(0, 1), PyTorch-default biases,
 *        MSE, SGD lr 0.02 momentum 0.9, 2001 full-batch epochs.
 * numpy: 2-2-1, sigmoid hidden, ReLU output, weights 0.1 N(0, 1), zero biases, per-sample
 *        updates, lr 0.1, 3000 epochs. The post's update is lr (y - yhat), the gradient of
 *        (y - yhat)^2 / 2, so the loss here is half-MSE. The post also multiplies by 1
 *        where the ReLU derivative belongs (`grad_2 = 1`); "numpy" uses the true derivative,
 *        "numpy-post" the post's. Both follow the post's order within a sample: the output
 *        layer is updated first, and the hidden layer's delta is computed from the updated
 *        output weights (`weights_2 += ...` comes before `d_1 = (weights_2.T * d_2) * grad_1`).
 *        "numpy-sync" and "numpy-post-sync" compute both gradients from the same weights
 *        (backpropagation proper), which fails more seeds.
 * keras: one sigmoid neuron (a logit with binary cross-entropy), Glorot-uniform weights,
 *        zero bias (Keras' Dense defaults), Adam lr 0.001 eps 1e-7, 20 epochs of one batch. */
#include "uat/xor.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clones.h"
#include "uat/data.h"
#include "uat/lanes.h"
#include "uat/status.h"
#include "uat/train.h"

const char *const uat_xor_config_names[] = {"torch",           "numpy", "numpy-post", "numpy-sync",
                                            "numpy-post-sync", "keras", NULL};

static const double xor_x[8] = {0, 0, 0, 1, 1, 0, 1, 1};
static const double xor_y[4] = {0, 1, 1, 0};

int uat_xor_config_get(const char *name, uat_xor_config *c) {
  memset(c, 0, sizeof *c);
  c->trainer = -1;
  if (strcmp(name, "torch") == 0) {
    const uat_init_spec init = {UAT_INIT_NORMAL, 0.0, 1.0, UAT_INIT_TORCH, 0.0, 0.0};
    c->name = "torch";
    c->hidden = 2;
    c->hidden_act = UAT_ACT_SIGMOID;
    c->out_act = UAT_ACT_IDENTITY;
    c->init = init;
    c->loss = UAT_LOSS_MSE;
    c->opt = uat_optimizer_default_params(UAT_OPT_MOMENTUM);
    c->opt.lr = 0.02;
    c->opt.momentum = 0.9;
    c->epochs = 2001;
    c->batch_size = 0;
    return UAT_OK;
  }
  if (strncmp(name, "numpy", 5) == 0) {
    const uat_init_spec init = {UAT_INIT_NORMAL, 0.0, 0.1, UAT_INIT_ZERO, 0.0, 0.0};
    size_t k = 1;
    while (uat_xor_config_names[k] && strcmp(uat_xor_config_names[k], name) != 0) k++;
    if (uat_xor_config_names[k] == NULL || k > 4) return UAT_ENOTFOUND;
    c->name = uat_xor_config_names[k];
    c->post_gradient = strstr(name, "post") != NULL;
    c->output_first = strstr(name, "sync") == NULL;
    c->hidden = 2;
    c->hidden_act = UAT_ACT_SIGMOID;
    c->out_act = UAT_ACT_RELU;
    c->init = init;
    c->loss = UAT_LOSS_HALF_MSE;
    c->opt = uat_optimizer_default_params(UAT_OPT_SGD);
    c->opt.lr = 0.1;
    c->epochs = 3000;
    c->batch_size = 1;
    return UAT_OK;
  }
  if (strcmp(name, "keras") == 0) {
    const uat_init_spec init = {UAT_INIT_XAVIER, 0.0, 0.0, UAT_INIT_ZERO, 0.0, 0.0};
    c->name = "keras";
    c->hidden = 0;
    c->hidden_act = UAT_ACT_SIGMOID;
    c->out_act = UAT_ACT_IDENTITY;
    c->init = init;
    c->loss = UAT_LOSS_BCE;
    c->opt = uat_optimizer_default_params(UAT_OPT_ADAM);
    c->opt.eps = 1e-7;
    c->epochs = 20;
    c->batch_size = 0;
    return UAT_OK;
  }
  return UAT_ENOTFOUND;
}

/* Everything one run needs, allocated once. */
typedef struct {
  const uat_xor_config *c;
  uat_mlp_workspace *w;
  uat_xor_run *r;
  const uat_mlp *m; /* the network a table trainer trains (its progress callback) */
} xor_watch;

/* Whether the network's output is a logit whose sigmoid is the reported output: a loss on
 * logits with an identity output layer (with a sigmoid output layer the output is already a
 * probability). */
static int logit_output(const uat_xor_config *c) {
  return uat_loss_on_logits(c->loss) && c->out_act == UAT_ACT_IDENTITY;
}

static void outputs(const uat_xor_config *c, const uat_mlp *m, uat_mlp_workspace *w,
                    double out[4]) {
  const double *y = uat_mlp_forward(m, w, 4, xor_x);
  for (int i = 0; i < 4; i++) {
    const double v = y[i];
    out[i] = logit_output(c) ? 1.0 / (1.0 + exp(-v)) : v;
  }
}

static void judge(const double out[4], int *solved, int *strict) {
  *solved = *strict = 1;
  for (int i = 0; i < 4; i++) {
    if (!((out[i] > 0.5) == (xor_y[i] > 0.5))) *solved = 0;
    if (!(fabs(out[i] - xor_y[i]) < 0.1)) *strict = 0;
  }
}

static int watch_epoch(size_t epoch, double loss, const uat_mlp *m, void *ctx) {
  (void)loss;
  xor_watch *x = ctx;
  double out[4];
  int solved, strict;
  outputs(x->c, m, x->w, out);
  judge(out, &solved, &strict);
  if (solved && x->r->epochs_solved == 0) x->r->epochs_solved = epoch;
  if (strict && x->r->epochs_strict == 0) x->r->epochs_strict = epoch;
  return 0;
}

static uat_mlp *build(const uat_xor_config *c) {
  if (c->hidden == 0) {
    const size_t sizes[2] = {2, 1};
    return uat_mlp_alloc(2, sizes, &c->out_act);
  }
  const size_t sizes[3] = {2, c->hidden, 1};
  const uat_activation act[2] = {c->hidden_act, c->out_act};
  return uat_mlp_alloc(3, sizes, act);
}

/* One sample of the seed post's loop (output_first): forward, the output layer's delta and
 * update, then the hidden layer's delta from the updated output weights and its update — the
 * post's operations in the post's order. Returns the sample's half squared error before the
 * update. */
static double output_first_sample(const uat_xor_config *c, uat_mlp *m, uat_mlp_workspace *w,
                                  const double *x, double y, double *d1) {
  const size_t H = m->sizes[1];
  const double lr = c->opt.lr;
  const double y2 = uat_mlp_forward(m, w, 1, x)[0];
  const double *a1 = w->a[0];
  double g2 = 1.0; /* the output activation's derivative, or the post's 1 */
  if (!c->post_gradient) uat_activation_backprop(m->act[1], 1, w->z[1], w->a[1], &g2);
  const double diff = y - y2, d2 = diff * g2;
  double *W1 = uat_mlp_weights(m, 0), *b1 = uat_mlp_bias(m, 0);
  double *W2 = uat_mlp_weights(m, 1), *b2 = uat_mlp_bias(m, 1);
  for (size_t j = 0; j < H; j++) W2[j] += lr * (a1[j] * d2); /* weights_2 += lr * dw2 */
  b2[0] += lr * d2;
  for (size_t j = 0; j < H; j++) {
    double g1 = 1.0; /* the hidden activation's derivative: y_1 (1 - y_1) for sigmoid */
    uat_activation_backprop(m->act[0], 1, w->z[0] + j, a1 + j, &g1);
    d1[j] = (W2[j] * d2) * g1; /* the updated weights_2 */
  }
  for (size_t j = 0; j < H; j++) {
    for (size_t i = 0; i < 2; i++) W1[j * 2 + i] += lr * (x[i] * d1[j]);
    b1[j] += lr * d1[j];
  }
  return 0.5 * diff * diff;
}

/* The seed post's loop over epochs and samples (output_first); res as uat_trainer_run's. */
static int run_output_first(const uat_xor_config *c, uat_mlp *m, xor_watch *watch,
                            uat_train_result *res) {
  if (m->n_layers != 2 || uat_mlp_out(m) != 1 || c->batch_size != 1 || c->opt.kind != UAT_OPT_SGD)
    return UAT_EINVAL;
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, 1);
  double *d1 = malloc(m->sizes[1] * sizeof *d1);
  int st = w && d1 ? UAT_OK : UAT_ENOMEM;
  for (size_t e = 1; e <= c->epochs && st == UAT_OK; e++) {
    double sum = 0.0;
    for (size_t i = 0; i < 4; i++) sum += output_first_sample(c, m, w, xor_x + 2 * i, xor_y[i], d1);
    res->loss = sum / 4.0;
    int finite = isfinite(res->loss);
    for (size_t p = 0; p < m->n_params; p++) finite = finite && isfinite(m->theta[p]);
    if (!finite) {
      res->loss = NAN;
      res->reason = UAT_STOP_DIVERGED;
      st = UAT_EDIVERGED;
      break;
    }
    res->epochs = e;
    watch_epoch(e, res->loss, m, watch);
  }
  uat_mlp_workspace_free(w);
  free(d1);
  return st;
}

/* A table trainer's iteration: the network it holds is watched as an epoch is. */
static void trainer_progress(void *ctx, size_t iteration, double rmse) {
  xor_watch *x = ctx;
  (void)rmse;
  watch_epoch(iteration, NAN, x->m, x);
}

/* Configuration c with a trainer of the table (c->trainer >= 0) on the four points. */
static int run_trainer(const uat_xor_config *c, unsigned long seed, uat_mlp **m,
                       const uat_dataset *d, xor_watch *watch, uat_train_result *res) {
  uat_fit_params p = uat_fit_default_params((uat_fit_kind)c->trainer);
  if (c->tune) p.tune = *c->tune;
  p.max_iter = c->epochs;
  p.loss = c->loss;
  p.seed = seed;
  p.progress = trainer_progress;
  p.progress_ctx = watch;
  watch->m = *m;
  uat_fit_result fr;
  memset(&fr, 0, sizeof fr);
  uat_error err;
  const int st = uat_fit_train(m, d, &p, &fr, &err);
  res->epochs = fr.iterations;
  res->loss = fr.rmse * fr.rmse;
  res->reason = fr.stop;
  return st;
}

int uat_xor_run_seed(const uat_xor_config *c, unsigned long seed, uat_xor_run *r,
                     uat_mlp **trained) {
  memset(r, 0, sizeof *r);
  if (trained) *trained = NULL;
  r->seed = seed;
  uat_train_params tp = uat_train_default_params();
  tp.loss = c->loss;
  tp.max_epochs = c->epochs;
  tp.batch_size = c->batch_size;
  /* the seed post's hand-written output gradient: the output activation's derivative as 1 */
  tp.backward_flags = c->post_gradient ? UAT_BACKWARD_OUTPUT_AS_IDENTITY : 0;
  uat_mlp *m = build(c);
  gsl_rng *rng = uat_rng_alloc(seed);
  uat_dataset *d = uat_dataset_alloc(4, 2, 1);
  uat_optimizer *o = m ? uat_optimizer_alloc(&c->opt, m->n_params) : NULL;
  uat_trainer *t = m ? uat_trainer_alloc(m, &tp, 4) : NULL;
  xor_watch watch = {c, m ? uat_mlp_workspace_alloc(m, 4) : NULL, r, NULL};
  int st = UAT_ENOMEM;
  if (m && rng && d && o && t && watch.w) {
    memcpy(d->x, xor_x, sizeof xor_x);
    memcpy(d->y, xor_y, sizeof xor_y);
    st = uat_mlp_init(m, &c->init, rng);
  }
  if (st == UAT_OK) {
    uat_train_result res = {0, NAN, UAT_STOP_ITER};
    st = c->trainer >= 0   ? run_trainer(c, seed, &m, d, &watch, &res)
         : c->output_first ? run_output_first(c, m, &watch, &res)
                           : uat_trainer_run(t, m, o, d, NULL, watch_epoch, &watch, &res);
    r->epochs_run = res.epochs;
    r->loss = res.loss;
    if (st == UAT_EDIVERGED) {
      r->diverged = 1;
      for (int i = 0; i < 4; i++) r->out[i] = NAN;
      st = UAT_OK;
    } else if (st == UAT_OK) {
      outputs(c, m, watch.w, r->out);
      judge(r->out, &r->solved, &r->strict);
      if (trained) {
        *trained = m;
        m = NULL;
      }
    }
  }
  uat_mlp_workspace_free(watch.w);
  uat_trainer_free(t);
  uat_optimizer_free(o);
  uat_dataset_free(d);
  gsl_rng_free(rng);
  uat_mlp_free(m);
  return st;
}

/* ---- many seeds side by side (uat/lanes.h) ------------------------------------------------- */
enum { XOR_LANES = 64 };

typedef struct {
  const uat_xor_config *c;
  uat_mlp_lanes_workspace *w;
  uat_xor_run *runs;
  size_t solved_at[XOR_LANES], strict_at[XOR_LANES]; /* identity outputs: judge_lanes */
} lanes_watch;

static void lanes_outputs(const uat_xor_config *c, const uat_mlp_lanes *l,
                          uat_mlp_lanes_workspace *w, size_t k, double out[4]) {
  const double *y = uat_mlp_lanes_forward(l, w, 4, xor_x);
  for (int i = 0; i < 4; i++) {
    const double v = y[(size_t)i * l->stride + k];
    out[i] = logit_output(c) ? 1.0 / (1.0 + exp(-v)) : v;
  }
}

/* The first epochs at which each lane was solved and strictly solved (0: not yet), judged on
 * identity outputs with comparisons only and lanes innermost: a branch-free loop that
 * vectorises (judge() lane by lane cost as much as the training). */
UAT_CLONES static void judge_lanes(const double *y, size_t stride, size_t lanes,
                                   const unsigned char *done, size_t epoch, size_t *solved_at,
                                   size_t *strict_at) {
  for (size_t k = 0; k < lanes; k++) {
    size_t solved = !done[k], strict = !done[k];
    for (size_t i = 0; i < 4; i++) {
      const double v = y[i * stride + k];
      solved &= (size_t)((v > 0.5) == (xor_y[i] > 0.5));
      strict &= (size_t)(fabs(v - xor_y[i]) < 0.1);
    }
    solved_at[k] = solved_at[k] == 0 && solved ? epoch : solved_at[k];
    strict_at[k] = strict_at[k] == 0 && strict ? epoch : strict_at[k];
  }
}

static void lanes_watch_epoch(size_t epoch, const double *loss, const double *y,
                              const uat_mlp_lanes *l, unsigned char *done, void *ctx) {
  (void)loss;
  lanes_watch *x = ctx;
  if (!logit_output(x->c)) {
    judge_lanes(y, l->stride, l->lanes, done, epoch, x->solved_at, x->strict_at);
    return;
  }
  for (size_t k = 0; k < l->lanes; k++) {
    uat_xor_run *r = &x->runs[k];
    if (done[k] || (r->epochs_solved != 0 && r->epochs_strict != 0)) continue; /* both known */
    double out[4];
    for (int i = 0; i < 4; i++) {
      const double v = y[(size_t)i * l->stride + k];
      out[i] = logit_output(x->c) ? 1.0 / (1.0 + exp(-v)) : v;
    }
    int solved, strict;
    judge(out, &solved, &strict);
    if (solved && r->epochs_solved == 0) r->epochs_solved = epoch;
    if (strict && r->epochs_strict == 0) r->epochs_strict = epoch;
  }
}

/* Seeds [seed0, seed0 + n), n <= XOR_LANES, in one lanes network. */
static int run_chunk(const uat_xor_config *c, unsigned long seed0, size_t n, uat_xor_run *runs) {
  uat_mlp *m = build(c);
  uat_mlp_lanes *l = m ? uat_mlp_lanes_alloc(n, m->n_layers + 1, m->sizes, m->act) : NULL;
  uat_dataset *d = uat_dataset_alloc(4, 2, 1);
  lanes_watch watch = {c, l ? uat_mlp_lanes_workspace_alloc(l, 4) : NULL, runs, {0}, {0}};
  uat_train_result res[XOR_LANES];
  int st = (m && l && d && watch.w) ? UAT_OK : UAT_ENOMEM;
  for (size_t k = 0; k < n && st == UAT_OK; k++) {
    memset(&runs[k], 0, sizeof runs[k]);
    runs[k].seed = seed0 + k;
    gsl_rng *rng = uat_rng_alloc(seed0 + k);
    st = rng ? uat_mlp_init(m, &c->init, rng) : UAT_ENOMEM;
    if (st == UAT_OK) st = uat_mlp_lanes_set(l, k, m);
    gsl_rng_free(rng);
  }
  if (st == UAT_OK) {
    memcpy(d->x, xor_x, sizeof xor_x);
    memcpy(d->y, xor_y, sizeof xor_y);
    uat_train_params tp = uat_train_default_params();
    tp.loss = c->loss;
    tp.max_epochs = c->epochs;
    tp.batch_size = c->batch_size;
    const int flags = c->post_gradient ? UAT_BACKWARD_OUTPUT_AS_IDENTITY : 0;
    st = uat_lanes_train(l, &c->opt, &tp, d, flags, lanes_watch_epoch, &watch, res);
  }
  for (size_t k = 0; k < n && st == UAT_OK; k++) {
    uat_xor_run *r = &runs[k];
    if (!logit_output(c)) {
      r->epochs_solved = watch.solved_at[k];
      r->epochs_strict = watch.strict_at[k];
    }
    r->epochs_run = res[k].epochs;
    r->loss = res[k].loss;
    if (res[k].reason == UAT_STOP_DIVERGED) {
      r->diverged = 1;
      for (int i = 0; i < 4; i++) r->out[i] = NAN;
    } else {
      lanes_outputs(c, l, watch.w, k, r->out);
      judge(r->out, &r->solved, &r->strict);
    }
  }
  uat_mlp_lanes_workspace_free(watch.w);
  uat_dataset_free(d);
  uat_mlp_lanes_free(l);
  uat_mlp_free(m);
  return st;
}

int uat_xor_run_seeds(const uat_xor_config *c, unsigned long seed0, size_t n, uat_xor_run *runs) {
  /* the post's order has no lanes kernel, and the lanes take every loss on the outputs: a
   * loss on logits under a sigmoid layer goes one seed at a time */
  if (c->output_first || c->trainer >= 0 ||
      (uat_loss_on_logits(c->loss) && c->out_act != UAT_ACT_IDENTITY)) {
    for (size_t i = 0; i < n; i++) {
      const int st = uat_xor_run_seed(c, seed0 + i, &runs[i], NULL);
      if (st != UAT_OK) return st;
    }
    return UAT_OK;
  }
  for (size_t i = 0; i < n; i += XOR_LANES) {
    const size_t k = n - i < XOR_LANES ? n - i : XOR_LANES;
    const int st = run_chunk(c, seed0 + i, k, runs + i);
    if (st != UAT_OK) return st;
  }
  return UAT_OK;
}

static double median_of(double *v, size_t n) {
  if (n == 0) return NAN;
  gsl_sort(v, 1, n);
  return gsl_stats_median_from_sorted_data(v, 1, n);
}

void uat_xor_summarise(const uat_xor_run *runs, size_t n, double *scratch, uat_xor_summary *s) {
  memset(s, 0, sizeof *s);
  s->runs = n;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    s->diverged += (size_t)runs[i].diverged;
    s->strict += (size_t)runs[i].strict;
    if (runs[i].solved) {
      s->solved++;
      scratch[k++] = (double)runs[i].epochs_solved;
    }
  }
  s->median_epochs_solved = median_of(scratch, k);
  k = 0;
  for (size_t i = 0; i < n; i++)
    if (runs[i].strict) scratch[k++] = (double)runs[i].epochs_strict;
  s->median_epochs_strict = median_of(scratch, k);
}
