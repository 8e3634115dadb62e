/* fit.c — the trainers' driver: the table's names and defaults, one loop with the stopping
 * rules every trainer shares, boosting, and many first-order fits side by side in lanes. The
 * trainers themselves are in fit_*.c, the table in fit_types.c. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fit_internal.h"
#include "uat/init.h"
#include "uat/lanes.h"
#include "uat/loss.h"
#include "uat/util.h"

/* ---- the table's names and defaults ---------------------------------------------------------- */
const char *uat_fit_kind_name(uat_fit_kind k) {
  const uat_fit_type *T = uat_fit_type_get(k);
  return T ? T->name : "unknown";
}

int uat_fit_kind_parse(const char *name, uat_fit_kind *k) {
  for (size_t i = 0; i < uat_fit_kind_count(); i++)
    if (strcmp(name, uat_fit_type_get((uat_fit_kind)i)->name) == 0) {
      *k = (uat_fit_kind)i;
      return UAT_OK;
    }
  return UAT_ENOTFOUND;
}

void uat_fit_kind_list(char *buf, size_t len) {
  size_t used = 0;
  if (len > 0) buf[0] = '\0';
  for (size_t i = 0; i < uat_fit_kind_count() && used < len; i++) {
    const int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                           uat_fit_type_get((uat_fit_kind)i)->name);
    if (w < 0) break;
    used += (size_t)w;
  }
}

static uat_fit_tuning default_tuning(void) {
  uat_fit_tuning t;
  memset(&t, 0, sizeof t);
  t.rprop_delta0 = 0.1; /* FANN's values */
  t.rprop_eta_plus = 1.2;
  t.rprop_eta_minus = 0.5;
  t.rprop_delta_max = 50.0;
  t.rprop_delta_min = 1e-6;
  t.bfgs_step = 0.01;
  t.bfgs_tol = 0.1;
  t.bfgs_gtol = 1e-15;
  t.lbfgs_m = 10; /* SciPy's L-BFGS-B: maxcor 10, maxls 20 */
  t.lbfgs_c1 = 1e-4;
  t.lbfgs_c2 = 0.9;
  t.lbfgs_max_ls = 20;
  t.lbfgs_gtol = 1e-15;
  t.lbfgs_ftol = 0.0;
  t.lsq_xtol = 1e-15;
  t.lm_geodesic = 1;
  t.varpro_rcond = 1e-13;
  t.boost_seed_step = 1000003;
  t.cmaes_sigma0 = 0.5;
  t.cmaes_full_max = 200;
  t.cmaes_max_restarts = 9;
  t.cmaes_tolfun = 1e-12;
  t.cmaes_tolx = 1e-12;
  t.ga_population = 50; /* PyGAD's choices, except the population it leaves to the user */
  t.ga_tournament = 3;
  t.ga_mutation_rate = 0.1;
  t.ga_mutation_sd = 0.5;
  t.ga_elitism = 1;
  t.ga_init_low = -4;
  t.ga_init_high = 4;
  return t;
}

/* The tuning fields by name: a number (double), a count (size_t), or a choice (int). */
typedef enum { TUNE_DOUBLE, TUNE_SIZE, TUNE_CHOICE } tune_type;
typedef struct {
  const char *name;
  size_t offset;
  tune_type type;
  const char *const *choices; /* NULL-terminated, for TUNE_CHOICE */
} tune_field;

static const char *const selections[] = {"sss", "tournament", "rank", NULL};
static const char *const crossovers[] = {"single_point", "uniform", NULL};
static const char *const mutations[] = {"random", "gaussian", "adaptive", NULL};

#define TD(f)                                                                                      \
  { #f, offsetof(uat_fit_tuning, f), TUNE_DOUBLE, NULL }
#define TS(f)                                                                                      \
  { #f, offsetof(uat_fit_tuning, f), TUNE_SIZE, NULL }
static const tune_field tune_fields[] = {
    TD(rprop_delta0),
    TD(rprop_eta_plus),
    TD(rprop_eta_minus),
    TD(rprop_delta_max),
    TD(rprop_delta_min),
    TD(bfgs_step),
    TD(bfgs_tol),
    TD(bfgs_gtol),
    TS(lbfgs_m),
    TD(lbfgs_c1),
    TD(lbfgs_c2),
    TS(lbfgs_max_ls),
    TD(lbfgs_gtol),
    TD(lbfgs_ftol),
    TD(lsq_xtol),
    TS(lm_geodesic),
    TD(varpro_rcond),
    TD(cmaes_sigma0),
    TS(cmaes_lambda),
    TS(cmaes_full_max),
    TS(cmaes_max_restarts),
    TD(cmaes_tolfun),
    TD(cmaes_tolx),
    TS(ga_population),
    TS(ga_parents),
    {"ga_selection", offsetof(uat_fit_tuning, ga_selection), TUNE_CHOICE, selections},
    TS(ga_tournament),
    {"ga_crossover", offsetof(uat_fit_tuning, ga_crossover), TUNE_CHOICE, crossovers},
    {"ga_mutation", offsetof(uat_fit_tuning, ga_mutation), TUNE_CHOICE, mutations},
    TD(ga_mutation_rate),
    TD(ga_mutation_sd),
    TS(ga_elitism),
    TD(ga_init_low),
    TD(ga_init_high)};
#undef TD
#undef TS
enum { N_TUNE = sizeof tune_fields / sizeof tune_fields[0] };

static int set_choice(const tune_field *f, int *v, const char *value, uat_error *err) {
  for (int k = 0; f->choices[k]; k++)
    if (strcmp(f->choices[k], value) == 0) {
      *v = k;
      return UAT_OK;
    }
  char list[128] = "";
  for (int k = 0; f->choices[k]; k++)
    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "", f->choices[k]);
  return uat_error_set(err, UAT_EINVAL, "%s: expected one of %s, found '%s'", f->name, list, value);
}

int uat_fit_tuning_set(uat_fit_tuning *t, const char *name, const char *value, uat_error *err) {
  for (size_t k = 0; k < N_TUNE; k++) {
    const tune_field *f = &tune_fields[k];
    if (strcmp(f->name, name) != 0) continue;
    char *at = (char *)t + f->offset;
    if (f->type == TUNE_CHOICE) return set_choice(f, (int *)(void *)at, value, err);
    if (f->type == TUNE_SIZE) {
      size_t v;
      if (uat_parse_size(value, &v) != 0)
        return uat_error_set(err, UAT_EINVAL, "%s: expected a count, found '%s'", name, value);
      memcpy(at, &v, sizeof v);
      return UAT_OK;
    }
    double v;
    if (uat_parse_double(value, &v) != 0 || !isfinite(v))
      return uat_error_set(err, UAT_EINVAL, "%s: expected a number, found '%s'", name, value);
    memcpy(at, &v, sizeof v);
    return UAT_OK;
  }
  char names[1024];
  uat_fit_tuning_list(names, sizeof names);
  return uat_error_set(err, UAT_ENOTFOUND, "no tuning value '%s' (expected one of %s)", name,
                       names);
}

void uat_fit_tuning_list(char *buf, size_t len) {
  size_t used = 0;
  if (len > 0) buf[0] = '\0';
  for (size_t k = 0; k < N_TUNE && used < len; k++) {
    const int w = snprintf(buf + used, len - used, "%s%s", k ? ", " : "", tune_fields[k].name);
    if (w < 0) break;
    used += (size_t)w;
  }
}

uat_fit_params uat_fit_default_params(uat_fit_kind kind) {
  uat_fit_params p;
  memset(&p, 0, sizeof p);
  p.kind = kind;
  const uat_fit_type *T = uat_fit_type_get(kind);
  p.max_iter = T ? T->default_max_iter : 10000;
  p.boost = 1;
  p.tune = default_tuning();
  return p;
}

void uat_fit_params_switch(uat_fit_params *p, uat_fit_kind kind, int keep_max_iter) {
  const uat_fit_params keep = *p;
  *p = uat_fit_default_params(kind);
  p->boost = keep.boost;
  p->target_rmse = keep.target_rmse;
  p->max_seconds = keep.max_seconds;
  p->plateau_rel = keep.plateau_rel;
  p->plateau_window = keep.plateau_window;
  p->lr = keep.lr;
  p->batch = keep.batch;
  p->loss = keep.loss;
  if (keep_max_iter) p->max_iter = keep.max_iter;
}

int uat_fit_tuning_set_pair(uat_fit_tuning *t, const char *pair, uat_error *err) {
  char key[64];
  const char *eq = strchr(pair, '=');
  const size_t len = eq ? (size_t)(eq - pair) : 0;
  if (eq == NULL || len == 0 || len >= sizeof key)
    return uat_error_set(err, UAT_EINVAL, "expected KEY=VALUE, found '%s'", pair);
  memcpy(key, pair, len);
  key[len] = '\0';
  return uat_fit_tuning_set(t, key, eq + 1, err);
}

double uat_fit_rmse(const uat_mlp *m, const uat_dataset *d) {
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, d->n);
  if (w == NULL) return NAN;
  const double *y = uat_mlp_forward(m, w, d->n, d->x);
  const double mse = uat_loss_eval(UAT_LOSS_MSE, d->n * d->out, y, d->y, NULL);
  uat_mlp_workspace_free(w);
  return sqrt(mse);
}

/* ---- the full-batch MSE of rprop, lbfgs, bfgs ----------------------------------------------- */
int uat_fit_batch_alloc(uat_fit_batch *b, const uat_fit_problem *pb) {
  b->m = pb->m;
  b->d = pb->d;
  b->res = pb->res;
  b->loss = pb->p->loss;
  b->w = uat_mlp_workspace_alloc(pb->m, pb->d->n);
  b->dy = malloc(pb->d->n * pb->d->out * sizeof *b->dy);
  return b->w && b->dy ? UAT_OK : UAT_ENOMEM;
}

void uat_fit_batch_free(uat_fit_batch *b) {
  uat_mlp_workspace_free(b->w);
  free(b->dy);
}

double uat_fit_batch_mse(uat_fit_batch *b, double *grad) {
  int flags = 0;
  uat_mlp_forward(b->m, b->w, b->d->n, b->d->x);
  const double loss = uat_mlp_loss(b->m, b->w, b->loss, b->d->y, grad ? b->dy : NULL, &flags);
  if (grad) {
    uat_mlp_backward_flags(b->m, b->w, b->dy, grad, NULL, flags);
    uat_mlp_mask_grad(b->m, grad);
  }
  b->res->evaluations++;
  return loss;
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
  mo->t0 = uat_seconds();
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
  if (mo->p->progress) mo->p->progress(mo->p->progress_ctx, r->iterations, rmse);
  if (!isfinite(rmse)) {
    r->stop = UAT_STOP_DIVERGED;
    return 1;
  }
  if (rmse <= mo->p->target_rmse) {
    r->stop = UAT_STOP_TARGET;
    return 1;
  }
  if (mo->p->max_seconds > 0 && uat_seconds() - mo->t0 >= mo->p->max_seconds) {
    r->stop = UAT_STOP_TIME;
    return 1;
  }
  if (mo->p->plateau_window > 0 && mo->iter - mo->window_start >= mo->p->plateau_window) {
    if (rmse > mo->best_window * (1.0 - mo->p->plateau_rel)) {
      r->stop = UAT_STOP_PLATEAU;
      return 1;
    }
    mo->best_window = rmse;
    mo->window_start = mo->iter;
  }
  if (mo->best_window == INFINITY) mo->best_window = rmse;
  if (mo->iter >= mo->p->max_iter) {
    r->stop = UAT_STOP_ITER;
    return 1;
  }
  return 0;
}

/* ---- one member: any trainer of the table through one loop ---------------------------------- */
static int fit_loop(uat_mlp *m, const uat_dataset *d, const uat_fit_params *p, monitor *mo) {
  const uat_fit_type *T = uat_fit_type_get(p->kind);
  if (T == NULL) return UAT_EINVAL;
  void *state = calloc(1, T->state_size ? T->state_size : 1);
  if (state == NULL) return UAT_ENOMEM;
  const uat_fit_problem pb = {m, d, p, mo->res};
  int st = T->alloc(state, &pb);
  if (st == UAT_OK) {
    while (p->max_iter > 0) {
      double rmse = NAN;
      int converged = 0;
      st = T->iterate(state, &rmse, &converged);
      if (st != UAT_OK) break;
      if (monitor_step(mo, rmse)) break;
      if (converged) {
        mo->res->stop = UAT_STOP_CONVERGED;
        break;
      }
    }
    if (T->finish) T->finish(state);
  }
  T->free(state);
  free(state);
  if (st == UAT_EDIVERGED || (st == UAT_OK && mo->res->stop == UAT_STOP_DIVERGED)) {
    mo->res->stop = UAT_STOP_DIVERGED;
    st = UAT_EDIVERGED;
  }
  return st;
}

/* ---- boosting -------------------------------------------------------------------------------- */
uat_mlp *uat_mlp_sum(const uat_mlp *a, const uat_mlp *b, double scale) {
  const size_t L = a->n_layers;
  if (b->n_layers != L || uat_mlp_in(a) != uat_mlp_in(b) || uat_mlp_out(a) != uat_mlp_out(b) ||
      a->act[L - 1] != UAT_ACT_IDENTITY || b->act[L - 1] != UAT_ACT_IDENTITY)
    return NULL;
  size_t *sizes = malloc((L + 1) * sizeof *sizes);
  if (sizes == NULL) return NULL;
  int same_acts = 1;
  for (size_t l = 0; l <= L; l++) {
    if (l > 0 && l < L && a->act[l - 1] != b->act[l - 1]) same_acts = 0;
    sizes[l] = (l == 0 || l == L) ? a->sizes[l] : a->sizes[l] + b->sizes[l];
  }
  uat_mlp *s = same_acts ? uat_mlp_alloc(L + 1, sizes, a->act) : NULL;
  free(sizes);
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
    gsl_rng *rng = uat_rng_alloc(p->seed + p->tune.boost_seed_step * k);
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
      st = fit_loop(member, r, &q, mo);
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

/* The loss and bias checks of fit_begin. */
static int fit_begin_loss(const uat_mlp *m, const uat_dataset *d, const uat_fit_params *p,
                          const uat_fit_type *T, uat_error *err) {
  if (p->loss < 0 || p->loss >= UAT_LOSS_COUNT)
    return uat_error_set(err, UAT_EINVAL, "fit: no loss %d", (int)p->loss);
  const int squares = p->loss == UAT_LOSS_MSE || p->loss == UAT_LOSS_HALF_MSE;
  if (!squares && (T->needs & (UAT_FIT_NEEDS_RESIDUALS | UAT_FIT_NEEDS_SINGLE_LAYER)))
    return uat_error_set(err, UAT_EINVAL,
                         "fit: %s has its own error measure; --loss %s needs adam, sgd, rprop, "
                         "lbfgs or bfgs",
                         T->name, uat_loss_name(p->loss));
  if (!uat_mlp_loss_fits(m, p->loss))
    return uat_error_set(err, UAT_EINVAL, "fit: --loss %s needs --out-act %s or identity, not %s",
                         uat_loss_name(p->loss), p->loss == UAT_LOSS_CE ? "softmax" : "sigmoid",
                         uat_activation_name(m->act[m->n_layers - 1]));
  if (p->loss == UAT_LOSS_CE && d->out < 2)
    return uat_error_set(err, UAT_EINVAL,
                         "fit: --loss ce needs two or more outputs (one per "
                         "class); for one output use bce");
  if (m->no_bias && (T->needs & UAT_FIT_NEEDS_RESIDUALS))
    return uat_error_set(err, UAT_EINVAL,
                         "fit: %s trains every parameter; bias-free networks "
                         "need a gradient trainer",
                         T->name);
  return UAT_OK;
}

/* The checks every fit starts with; UAT_OK or an error set in err. */
static int fit_begin(const uat_mlp *m, const uat_dataset *d, const uat_fit_params *p,
                     uat_fit_result *res, uat_error *err) {
  res->iterations = res->evaluations = res->history_len = res->updates = 0;
  res->eval_seconds = 0.0;
  if (res->history == NULL) res->history_cap = 0;
  res->rmse = NAN;
  res->stop = UAT_STOP_ITER;
  const uat_fit_type *T = uat_fit_type_get(p->kind);
  if (T == NULL) return uat_error_set(err, UAT_EINVAL, "fit: no trainer %d", (int)p->kind);
  if (d->in != uat_mlp_in(m) || d->out != uat_mlp_out(m))
    return uat_error_set(err, UAT_EINVAL, "fit: the data do not match the network");
  if ((T->needs & UAT_FIT_NEEDS_LINEAR_OUTPUT) &&
      (m->act[m->n_layers - 1] != UAT_ACT_IDENTITY || m->n_layers < 2))
    return uat_error_set(err, UAT_EINVAL,
                         "fit: %s needs a hidden layer and a linear (identity) output layer",
                         T->name);
  if ((T->needs & UAT_FIT_NEEDS_SINGLE_LAYER) && m->n_layers != 1)
    return uat_error_set(err, UAT_EINVAL,
                         "fit: %s needs a network without hidden layers (--layers IN,OUT)",
                         T->name);
  if (p->boost > 1 && m->act[m->n_layers - 1] != UAT_ACT_IDENTITY)
    return uat_error_set(err, UAT_EINVAL, "fit: boosting needs a linear (identity) output layer");
  return fit_begin_loss(m, d, p, T, err);
}

/* The final RMSE and the status every fit ends with. */
static int fit_end(const uat_mlp *m, const uat_dataset *d, int st, uat_fit_result *res,
                   uat_error *err) {
  if (st == UAT_OK) res->rmse = uat_fit_rmse(m, d);
  if (st == UAT_OK && !isfinite(res->rmse)) {
    st = UAT_EDIVERGED;
    res->stop = UAT_STOP_DIVERGED;
  }
  if (st == UAT_EDIVERGED) return uat_error_set(err, st, "fit: diverged (NaN or Inf)");
  if (st == UAT_ENOMEM) return uat_error_set(err, st, "fit: out of memory");
  if (st == UAT_EINVAL) return uat_error_set(err, st, "fit: fewer residuals than parameters");
  if (st != UAT_OK) return uat_error_set(err, st, "fit: %s", uat_strerror(st));
  return st;
}

int uat_fit_train(uat_mlp **m, const uat_dataset *d, const uat_fit_params *p, uat_fit_result *res,
                  uat_error *err) {
  int st = fit_begin(*m, d, p, res, err);
  if (st != UAT_OK) return st;
  monitor mo;
  monitor_init(&mo, p, res);
  st = fit_loop(*m, d, p, &mo);
  if (st == UAT_OK && p->boost > 1) st = boost(m, d, p, &mo);
  res->seconds = uat_seconds() - mo.t0;
  return fit_end(*m, d, st, res, err);
}

/* ---- many seeds side by side ---------------------------------------------------------------- */
static int same_ga(const uat_fit_tuning *a, const uat_fit_tuning *b) {
  return a->ga_population == b->ga_population && a->ga_parents == b->ga_parents &&
         a->ga_selection == b->ga_selection && a->ga_tournament == b->ga_tournament &&
         a->ga_crossover == b->ga_crossover && a->ga_mutation == b->ga_mutation &&
         a->ga_mutation_rate == b->ga_mutation_rate && a->ga_mutation_sd == b->ga_mutation_sd &&
         a->ga_elitism == b->ga_elitism && a->ga_init_low == b->ga_init_low &&
         a->ga_init_high == b->ga_init_high;
}

static int same_tuning(const uat_fit_tuning *a, const uat_fit_tuning *b) {
  return a->rprop_delta0 == b->rprop_delta0 && a->rprop_eta_plus == b->rprop_eta_plus &&
         a->rprop_eta_minus == b->rprop_eta_minus && a->rprop_delta_max == b->rprop_delta_max &&
         a->rprop_delta_min == b->rprop_delta_min && a->bfgs_step == b->bfgs_step &&
         a->bfgs_tol == b->bfgs_tol && a->bfgs_gtol == b->bfgs_gtol && a->lbfgs_m == b->lbfgs_m &&
         a->lbfgs_c1 == b->lbfgs_c1 && a->lbfgs_c2 == b->lbfgs_c2 &&
         a->lbfgs_max_ls == b->lbfgs_max_ls && a->lbfgs_gtol == b->lbfgs_gtol &&
         a->lbfgs_ftol == b->lbfgs_ftol && a->lsq_xtol == b->lsq_xtol &&
         a->lm_geodesic == b->lm_geodesic && a->varpro_rcond == b->varpro_rcond &&
         a->boost_seed_step == b->boost_seed_step && a->cmaes_sigma0 == b->cmaes_sigma0 &&
         a->cmaes_lambda == b->cmaes_lambda && a->cmaes_full_max == b->cmaes_full_max &&
         a->cmaes_max_restarts == b->cmaes_max_restarts && a->cmaes_tolfun == b->cmaes_tolfun &&
         a->cmaes_tolx == b->cmaes_tolx && same_ga(a, b);
}

int uat_fit_params_same_but_seed(const uat_fit_params *a, const uat_fit_params *b) {
  return a->kind == b->kind && a->max_iter == b->max_iter && a->max_seconds == b->max_seconds &&
         a->target_rmse == b->target_rmse && a->plateau_rel == b->plateau_rel &&
         a->plateau_window == b->plateau_window && a->lr == b->lr && a->batch == b->batch &&
         a->boost == b->boost && a->loss == b->loss && same_tuning(&a->tune, &b->tune);
}

int uat_fit_lanes_possible(const uat_fit_params *p, const uat_dataset *d) {
  const uat_fit_type *T = uat_fit_type_get(p->kind);
  return T != NULL && (T->needs & UAT_FIT_LANES) && p->boost <= 1 && !(p->max_seconds > 0) &&
         !(p->batch > 0 && p->batch < d->n);
}

/* The lanes compute every loss on the outputs, elementwise: no softmax, no sigmoid under a
 * loss on logits, and no bias-free layers. */
static int lanes_network_ok(const uat_mlp *m, const uat_fit_params *p) {
  for (size_t l = 0; l < m->n_layers; l++)
    if (m->act[l] == UAT_ACT_SOFTMAX) return 0;
  return !m->no_bias && p->loss != UAT_LOSS_CE &&
         !(uat_loss_on_logits(p->loss) && m->act[m->n_layers - 1] != UAT_ACT_IDENTITY);
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
  if (n == 0 || !uat_fit_lanes_possible(&p[0], d) || !lanes_network_ok(m[0], &p[0]))
    return UAT_EINVAL;
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
  uat_fit_first_order_setup(p, d, &op, &tp); /* no shuffling here: uat_fit_lanes_possible */
  uat_mlp_lanes *l = uat_mlp_lanes_alloc(n, m[0]->n_layers + 1, m[0]->sizes, m[0]->act);
  monitor *mo = calloc(n, sizeof *mo);
  uat_train_result *tr = calloc(n, sizeof *tr);
  int st = (l && mo && tr) ? UAT_OK : UAT_ENOMEM;
  for (size_t k = 0; k < n && st == UAT_OK; k++) {
    st = uat_mlp_lanes_set(l, k, m[k]);
    monitor_init(&mo[k], &p[k], &res[k]);
  }
  const double t0 = uat_seconds();
  lanes_ctx ctx = {mo};
  if (st == UAT_OK) st = uat_lanes_train(l, &op, &tp, d, 0, lanes_epoch_cb, &ctx, tr);
  const double seconds = (uat_seconds() - t0) / (double)n;
  for (size_t k = 0; k < n; k++) {
    res[k].seconds = seconds; /* the lanes' time, shared */
    int sk = st;
    if (sk == UAT_OK) {
      uat_mlp_lanes_get(l, k, m[k]);
      if (tr[k].reason == UAT_STOP_DIVERGED) {
        res[k].stop = UAT_STOP_DIVERGED;
        sk = UAT_EDIVERGED;
      }
      if (tr[k].reason == UAT_STOP_ITER) res[k].stop = UAT_STOP_ITER;
    }
    status[k] = fit_end(m[k], d, sk, &res[k], &err[k]);
  }
  uat_mlp_lanes_free(l);
  free(mo);
  free(tr);
  return st == UAT_ENOMEM ? UAT_ENOMEM : UAT_OK;
}
