/* sweep_cost.c — which cells to run first: a cost model of a run from its size and budget,
 * refined by the runs already finished, so that the longest cells start first and a few long
 * ones do not finish last (uat_sweep_cost, uat_sweep_schedule). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_internal.h"
#include "uat/limits.h"
#include "uat/trainers.h"

int uat_sweep_plan_costs(uat_sweep *s, uat_error *err) {
  for (size_t t = 0; t < s->e.n_targets; t++) {
    const uat_exp_target *et = &s->e.targets[t];
    uat_target *tg = NULL;
    const int st = uat_target_alloc(et->spec, et->domain[0] ? et->domain : NULL, &tg, err);
    if (st != UAT_OK) return st;
    s->in[t] = uat_target_in(tg);
    s->out[t] = uat_target_out(tg);
    s->points[t] = uat_target_get_kind(tg) == UAT_TARGET_BOOL ? (size_t)1 << s->in[t] : et->train;
    uat_target_free(tg);
  }
  return UAT_OK;
}

/* The model's units for one run of cell c: parameters x points x iterations, times the
 * parameters again for the least-squares trainers (a Jacobian factorisation per iteration). */
static double predicted(const uat_sweep *s, size_t c) {
  uat_run_index ix;
  uat_experiment_index(&s->e, c * s->e.n_seeds, &ix);
  const uat_experiment *e = &s->e;
  const double w = (double)e->widths[ix.width], L = (double)e->depths[ix.depth];
  const double in = (double)s->in[ix.target], out = (double)s->out[ix.target];
  const double P = w * (in + 1) + (L - 1) * w * (w + 1) + out * (w + 1);
  const uat_fit_kind k = e->trainers[ix.trainer];
  const double iters =
      (double)(e->max_iter_set ? e->fit.max_iter : uat_fit_default_params(k).max_iter);
  const double lsq = (k == UAT_FIT_LM || k == UAT_FIT_VARPRO) ? P : 1.0;
  return P * (double)s->points[ix.target] * iters * lsq;
}

/* Seconds per model unit for every trainer, from the finished runs, in one pass over the rows:
 * a trainer's own runs, or all runs while it has none, or 1 before any has finished. */
static void seconds_per_unit(const uat_sweep *s, double *rate, size_t n_kinds) {
  double pred_all = 0, secs_all = 0;
  double *pred = calloc(2 * n_kinds, sizeof *pred), *secs = pred ? pred + n_kinds : NULL;
  for (size_t c = 0; c < uat_sweep_cells(s); c++) {
    uat_run_index ix;
    uat_experiment_index(&s->e, c * s->e.n_seeds, &ix);
    const size_t k = (size_t)s->e.trainers[ix.trainer];
    const double units = predicted(s, c);
    for (size_t j = 0; j < s->e.n_seeds; j++) {
      const uat_sweep_row *r = &s->rows[c * s->e.n_seeds + j];
      if (!r->done || !isfinite(r->seconds)) continue;
      pred_all += units;
      secs_all += r->seconds;
      if (pred && k < n_kinds) {
        pred[k] += units;
        secs[k] += r->seconds;
      }
    }
  }
  const double all = pred_all > 0 ? secs_all / pred_all : 1.0;
  for (size_t k = 0; k < n_kinds; k++) rate[k] = pred && pred[k] > 0 ? secs[k] / pred[k] : all;
  free(pred);
}

/* Runs of cell c not done yet. */
static size_t pending_count(const uat_sweep *s, size_t c) {
  size_t pending = 0;
  for (size_t j = 0; j < s->e.n_seeds; j++) pending += !s->rows[c * s->e.n_seeds + j].done;
  return pending;
}

/* Cell c's cost with the rates given (pending runs x units x the trainer's rate). */
static double cost_with(const uat_sweep *s, size_t c, const double *rate) {
  uat_run_index ix;
  uat_experiment_index(&s->e, c * s->e.n_seeds, &ix);
  return (double)pending_count(s, c) * predicted(s, c) * rate[s->e.trainers[ix.trainer]];
}

double uat_sweep_cost(const uat_sweep *s, size_t c) {
  const size_t kinds = uat_fit_kind_count();
  double *rate = malloc(kinds * sizeof *rate);
  if (rate == NULL) return 0.0;
  seconds_per_unit(s, rate, kinds);
  const double cost = cost_with(s, c, rate);
  free(rate);
  return cost;
}

typedef struct {
  size_t cell;
  double cost;
} costed;

static int longer_first(const void *a, const void *b) {
  const costed *x = a, *y = b;
  if (x->cost != y->cost) return x->cost < y->cost ? 1 : -1;
  return (x->cell > y->cell) - (x->cell < y->cell); /* ties in plan order */
}

size_t uat_sweep_schedule(const uat_sweep *s, size_t *cells) {
  const size_t nc = uat_sweep_cells(s), kinds = uat_fit_kind_count();
  costed *v = malloc((nc ? nc : 1) * sizeof *v);
  double *rate = malloc(kinds * sizeof *rate);
  if (rate == NULL) { /* no memory for the model: plan order */
    size_t n = 0;
    for (size_t c = 0; c < nc; c++)
      if (pending_count(s, c) > 0) cells[n++] = c;
    free(v);
    return n;
  }
  seconds_per_unit(s, rate, kinds); /* once: the rows are read once per schedule */
  size_t n = 0;
  for (size_t c = 0; c < nc; c++) {
    const double cost = cost_with(s, c, rate);
    if (cost > 0 && v)
      v[n++] = (costed){c, cost};
    else if (!v && cost > 0)
      cells[n++] = c; /* no memory to sort: plan order */
  }
  if (v) {
    qsort(v, n, sizeof *v, longer_first);
    for (size_t k = 0; k < n; k++) cells[k] = v[k].cell;
    free(v);
  }
  free(rate);
  return n;
}
