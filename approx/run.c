/* run.c — one approximation run. */
#include "run.h"

#include <math.h>
#include <string.h>

void uat_run_spec_defaults(uat_run_spec *s) {
  memset(s, 0, sizeof *s);
  s->hidden[0] = 32;
  s->n_hidden = 1;
  s->act = UAT_ACT_TANH;
  s->init = uat_init_spec_torch();
  s->fit = uat_fit_default_params(UAT_FIT_ADAM);
  s->points = UAT_POINTS_GRID;
  s->train_n = 256;
}

size_t uat_run_default_test(size_t in) { return in == 1 ? 2001 : in == 2 ? 10201 : 1331; }

static uat_mlp *build(const uat_run_spec *s, const uat_target *t, gsl_rng *r) {
  size_t sizes[34];
  uat_activation act[33];
  sizes[0] = uat_target_in(t);
  for (size_t l = 0; l < s->n_hidden; l++) {
    sizes[l + 1] = s->hidden[l];
    act[l] = s->act;
  }
  sizes[s->n_hidden + 1] = uat_target_out(t);
  act[s->n_hidden] = UAT_ACT_IDENTITY;
  uat_mlp *m = uat_mlp_alloc(s->n_hidden + 2, sizes, act);
  if (m && uat_mlp_init(m, &s->init, r) != UAT_OK) {
    uat_mlp_free(m);
    return NULL;
  }
  return m;
}

/* The affine maps of normalised training: u = (x - c) / s per input, v = (y - mu) / sigma per
 * output. */
typedef struct {
  double c[UAT_TARGET_MAX_DIM], s[UAT_TARGET_MAX_DIM];
  double mu[UAT_TARGET_MAX_DIM], sigma[UAT_TARGET_MAX_DIM];
} affine_maps;

static void normalise(const uat_target *t, uat_dataset *d, affine_maps *a) {
  const size_t in = d->in, out = d->out;
  for (size_t j = 0; j < in; j++) {
    a->c[j] = 0.5 * (uat_target_lo(t)[j] + uat_target_hi(t)[j]);
    a->s[j] = 0.5 * (uat_target_hi(t)[j] - uat_target_lo(t)[j]);
  }
  for (size_t o = 0; o < out; o++) {
    double mean = 0.0, var = 0.0;
    for (size_t k = 0; k < d->n; k++) mean += d->y[k * out + o];
    mean /= (double)d->n;
    for (size_t k = 0; k < d->n; k++) var += pow(d->y[k * out + o] - mean, 2);
    var /= (double)d->n;
    a->mu[o] = mean;
    a->sigma[o] = var > 0 ? sqrt(var) : 1.0;
  }
  for (size_t k = 0; k < d->n; k++) {
    for (size_t j = 0; j < in; j++) d->x[k * in + j] = (d->x[k * in + j] - a->c[j]) / a->s[j];
    for (size_t o = 0; o < out; o++)
      d->y[k * out + o] = (d->y[k * out + o] - a->mu[o]) / a->sigma[o];
  }
}

/* N(x) = sigma N'((x - c) / s) + mu, folded into the first and last layers. */
static void fold(uat_mlp *m, const affine_maps *a) {
  const size_t L = m->n_layers, in = m->sizes[0], h1 = m->sizes[1];
  double *W = uat_mlp_weights(m, 0), *b = uat_mlp_bias(m, 0);
  for (size_t i = 0; i < h1; i++)
    for (size_t j = 0; j < in; j++) {
      b[i] -= W[i * in + j] * a->c[j] / a->s[j];
      W[i * in + j] /= a->s[j];
    }
  const size_t out = m->sizes[L], hl = m->sizes[L - 1];
  W = uat_mlp_weights(m, L - 1);
  b = uat_mlp_bias(m, L - 1);
  for (size_t o = 0; o < out; o++) {
    for (size_t j = 0; j < hl; j++) W[o * hl + j] *= a->sigma[o];
    b[o] = a->sigma[o] * b[o] + a->mu[o];
  }
}

int uat_run(const uat_run_spec *s, uat_mlp **model, uat_run_result *r, uat_error *err) {
  memset(r, 0, sizeof *r);
  if (model) *model = NULL;
  uat_target *t = NULL;
  int st = uat_target_alloc(s->target, s->domain, &t, err);
  if (st != UAT_OK) return st;
  const size_t in = uat_target_in(t);
  uat_dataset *train = uat_target_sample(t, s->points, s->train_n, s->seed, err);
  uat_dataset *test =
      train ? uat_target_sample(t, UAT_POINTS_GRID,
                                s->test_n ? s->test_n : uat_run_default_test(in), s->seed, err)
            : NULL;
  gsl_rng *rng = uat_rng_alloc(s->seed);
  uat_mlp *m = (train && test && rng) ? build(s, t, rng) : NULL;
  if (m == NULL) {
    st = train && test ? uat_error_set(err, UAT_EINVAL, "run: cannot build the network")
                       : (err ? err->status : UAT_ENOMEM);
  } else {
    r->params = m->n_params;
    uat_fit_params fp = s->fit;
    fp.seed = s->seed;
    r->fit.history = s->history;
    r->fit.history_cap = s->history ? s->history_cap : 0;
    affine_maps maps;
    for (size_t j = 0; j < UAT_TARGET_MAX_DIM; j++) { /* identity maps beyond the widths used */
      maps.c[j] = maps.mu[j] = 0.0;
      maps.s[j] = maps.sigma[j] = 1.0;
    }
    uat_dataset *scaled = s->raw ? NULL : uat_dataset_alloc(train->n, train->in, train->out);
    if (scaled) {
      memcpy(scaled->x, train->x, train->n * train->in * sizeof(double));
      memcpy(scaled->y, train->y, train->n * train->out * sizeof(double));
      normalise(t, scaled, &maps);
      /* the target RMSE is in the target's units; training sees outputs divided by sigma */
      double smax = 0.0;
      for (size_t o = 0; o < train->out; o++) smax = fmax(smax, maps.sigma[o]);
      fp.target_rmse /= smax;
    }
    st = scaled || s->raw ? uat_fit_train(&m, scaled ? scaled : train, &fp, &r->fit, err)
                          : uat_error_set(err, UAT_ENOMEM, "out of memory");
    if (st == UAT_OK && scaled) {
      fold(m, &maps);
      r->fit.rmse = uat_fit_rmse(m, train); /* in the target's units */
    }
    uat_dataset_free(scaled);
    r->params = m->n_params; /* boosting widens the network */
    if (st == UAT_OK) st = uat_fit_report_compute(m, t, test, &r->report, err);
  }
  if (st == UAT_OK && model) {
    *model = m;
    m = NULL;
  }
  uat_mlp_free(m);
  gsl_rng_free(rng);
  uat_dataset_free(train);
  uat_dataset_free(test);
  uat_target_free(t);
  return st;
}
