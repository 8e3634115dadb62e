/* run.c — one approximation run. */
#define _DEFAULT_SOURCE /* sysconf(_SC_PHYS_PAGES) */
#include "uat/run.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uat/limits.h"
#include "uat/util.h"
#include "uat/version.h"

void uat_run_spec_defaults(uat_run_spec *s) {
  memset(s, 0, sizeof *s);
  s->width = 32;
  s->n_hidden = 1;
  s->act = UAT_ACT_TANH;
  s->init = uat_init_spec_torch();
  s->fit = uat_fit_default_params(UAT_FIT_ADAM);
  s->points = UAT_POINTS_GRID;
  s->train_n = 256;
}

size_t uat_run_spec_hidden(const uat_run_spec *s, size_t l) {
  return s->hidden ? s->hidden[l] : s->width;
}

size_t uat_run_default_test(size_t in) { return in == 1 ? 2001 : in == 2 ? 10201 : 1331; }

/* The layer widths of s's network (n_hidden + 2 of them, caller frees), or NULL. */
static size_t *layer_sizes(const uat_run_spec *s, size_t in, size_t out) {
  if (s->n_hidden > UAT_MAX_LAYERS) return NULL;
  size_t *sizes = malloc((s->n_hidden + 2) * sizeof *sizes);
  if (sizes == NULL) return NULL;
  sizes[0] = in;
  for (size_t l = 0; l < s->n_hidden; l++) sizes[l + 1] = uat_run_spec_hidden(s, l);
  sizes[s->n_hidden + 1] = out;
  return sizes;
}

static uat_mlp *build(const uat_run_spec *s, const uat_target *t, gsl_rng *r) {
  size_t *sizes = layer_sizes(s, uat_target_in(t), uat_target_out(t));
  uat_activation *act = malloc((s->n_hidden + 1) * sizeof *act);
  uat_mlp *m = NULL;
  if (sizes && act) {
    for (size_t l = 0; l < s->n_hidden; l++) act[l] = s->act;
    act[s->n_hidden] = s->out_act;
    m = uat_mlp_alloc(s->n_hidden + 2, sizes, act);
  }
  if (m && uat_mlp_init(m, &s->init, r) != UAT_OK) {
    uat_mlp_free(m);
    m = NULL;
  }
  if (m && s->no_bias) {
    m->no_bias = 1;
    for (size_t l = 0; l < m->n_layers; l++)
      memset(uat_mlp_bias(m, l), 0, m->sizes[l + 1] * sizeof(double));
  }
  free(sizes);
  free(act);
  return m;
}

/* The affine maps of normalised training: u = (x - c) / s per input, v = (y - mu) / sigma per
 * output. */
typedef struct {
  double c[UAT_TARGET_MAX_DIM], s[UAT_TARGET_MAX_DIM];
  double mu[UAT_TARGET_MAX_DIM], sigma[UAT_TARGET_MAX_DIM];
} affine_maps;

static void normalise(const uat_target *t, uat_dataset *d, affine_maps *a, int outputs) {
  const size_t in = d->in, out = d->out;
  for (size_t j = 0; j < in; j++) {
    a->c[j] = 0.5 * (uat_target_lo(t)[j] + uat_target_hi(t)[j]);
    a->s[j] = 0.5 * (uat_target_hi(t)[j] - uat_target_lo(t)[j]);
  }
  for (size_t o = 0; o < out; o++) {
    if (!outputs) { /* left as they are */
      a->mu[o] = 0.0;
      a->sigma[o] = 1.0;
      continue;
    }
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

/* The checked helpers of uat/limits.h, saturating instead of failing: an estimate that does
 * not fit in size_t is simply more than any budget. */
static size_t sat_add(size_t a, size_t b) {
  size_t r;
  return uat_size_add(a, b, &r) ? r : SIZE_MAX;
}
static size_t sat_mul(size_t a, size_t b) {
  size_t r;
  return uat_size_mul(a, b, &r) ? r : SIZE_MAX;
}

size_t uat_run_memory(const uat_run_spec *s, size_t in, size_t out) {
  size_t widest = in > out ? in : out, units = out;
  size_t *sizes = layer_sizes(s, in, out);
  if (sizes == NULL) return SIZE_MAX; /* beyond the limits: more than any budget */
  for (size_t l = 1; l <= s->n_hidden; l++) {
    if (sizes[l] > widest) widest = sizes[l];
    units = sat_add(units, sizes[l]);
  }
  size_t P = uat_mlp_param_count(s->n_hidden + 2, sizes);
  free(sizes);
  if (P == 0) P = SIZE_MAX;
  const size_t boost = s->fit.boost ? s->fit.boost : 1;
  P = sat_mul(P, boost);
  const size_t n = s->train_n, nt = s->test_n ? s->test_n : uat_run_default_test(in);
  size_t d = sat_mul(P, 8); /* theta, gradients, moments, copies */
  d = sat_add(d, sat_mul(sat_mul(n, sat_add(units, widest)), 4)); /* cache and scratch */
  d = sat_add(d, sat_mul(sat_add(n, nt), sat_mul(in + out, 3)));  /* data sets */
  d = sat_add(d, (size_t)256 * 1200);                             /* product packs */
  if (s->fit.kind == UAT_FIT_LM || s->fit.kind == UAT_FIT_VARPRO)
    d = sat_add(d, sat_mul(sat_mul(sat_mul(n, out), P), 3)); /* Jacobian and QR workspace */
  d = sat_add(d, s->history_cap);
  return sat_mul(d, sizeof(double));
}

size_t uat_default_memory_budget(void) {
  const long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || size <= 0) return 0; /* unknown: no budget */
  return sat_mul((size_t)pages, (size_t)size) / 2;
}

/* What one run, or several runs that differ only in their seed, train and test on. */
typedef struct {
  uat_target *t;
  uat_dataset *train, *test;
  uat_dataset *scaled; /* the normalised training set (NULL for raw training) */
  affine_maps maps;
  double smax; /* the largest output standard deviation: target RMSEs are divided by it */
} run_data;

static void data_free(run_data *rd) {
  uat_dataset_free(rd->scaled);
  uat_dataset_free(rd->train);
  uat_dataset_free(rd->test);
  uat_target_free(rd->t);
}

static int data_alloc(const uat_run_spec *s, run_data *rd, uat_error *err) {
  memset(rd, 0, sizeof *rd);
  int st = uat_target_alloc(s->target, s->domain, &rd->t, err);
  if (st != UAT_OK) return st;
  const size_t in = uat_target_in(rd->t);
  rd->train = uat_target_sample(rd->t, s->points, s->train_n, s->seed, err);
  if (rd->train && uat_target_get_kind(rd->t) == UAT_TARGET_DATA)
    rd->test = uat_target_data_rows(rd->t, 1, s->seed, err); /* the rows held out */
  else if (rd->train)
    rd->test = uat_target_sample(rd->t, UAT_POINTS_GRID,
                                 s->test_n ? s->test_n : uat_run_default_test(in), s->seed, err);
  if (rd->train == NULL || rd->test == NULL) return err ? err->status : UAT_ENOMEM;
  for (size_t j = 0; j < UAT_TARGET_MAX_DIM; j++) { /* identity maps beyond the widths used */
    rd->maps.c[j] = rd->maps.mu[j] = 0.0;
    rd->maps.s[j] = rd->maps.sigma[j] = 1.0;
  }
  rd->smax = 1.0;
  if (s->raw || s->no_bias) return UAT_OK;
  const uat_dataset *tr = rd->train;
  rd->scaled = uat_dataset_alloc(tr->n, tr->in, tr->out);
  if (rd->scaled == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory");
  memcpy(rd->scaled->x, tr->x, tr->n * tr->in * sizeof(double));
  memcpy(rd->scaled->y, tr->y, tr->n * tr->out * sizeof(double));
  /* outputs are standardised only for a linear output layer: the map could not be folded
   * through another activation */
  normalise(rd->t, rd->scaled, &rd->maps, s->out_act == UAT_ACT_IDENTITY);
  /* the target RMSE is in the target's units; training sees outputs divided by sigma */
  double smax = 0.0;
  for (size_t o = 0; o < tr->out; o++) smax = fmax(smax, rd->maps.sigma[o]);
  rd->smax = smax;
  return UAT_OK;
}

/* The network of s, initialised from its seed; NULL with err set on failure. */
static uat_mlp *build_seeded(const uat_run_spec *s, const run_data *rd, uat_error *err) {
  gsl_rng *rng = uat_rng_alloc(s->seed);
  uat_mlp *m = rng ? build(s, rd->t, rng) : NULL;
  gsl_rng_free(rng);
  if (m == NULL) uat_error_set(err, UAT_EINVAL, "run: cannot build the network");
  return m;
}

static uat_fit_params fit_params(const uat_run_spec *s, const run_data *rd) {
  uat_fit_params fp = s->fit;
  fp.seed = s->seed;
  if (rd->scaled) fp.target_rmse /= rd->smax;
  return fp;
}

/* After training: the model in the target's units, its training RMSE there and the report. */
static int finish(const run_data *rd, int st, uat_mlp *m, uat_run_result *r, uat_mlp **model,
                  uat_error *err) {
  if (st == UAT_OK && rd->scaled) {
    fold(m, &rd->maps);
    r->fit.rmse = uat_fit_rmse(m, rd->train); /* in the target's units */
  }
  r->params = m->n_params; /* boosting widens the network */
  if (st == UAT_OK) st = uat_fit_report_compute(m, rd->t, rd->test, &r->report, err);
  if (st == UAT_OK && model) {
    *model = m;
    m = NULL;
  }
  uat_mlp_free(m);
  return st;
}

/* The memory budget: UAT_OK, or UAT_ENOMEM with a message before anything is allocated. */
static int within_budget(const uat_run_spec *s, uat_error *err) {
  if (s->max_memory == 0) return UAT_OK;
  uat_target *t = NULL;
  int st = uat_target_alloc(s->target, s->domain, &t, err);
  if (st != UAT_OK) return st;
  const size_t need = uat_run_memory(s, uat_target_in(t), uat_target_out(t));
  uat_target_free(t);
  if (need <= s->max_memory) return UAT_OK;
  return uat_error_set(err, UAT_ENOMEM,
                       "run: would need about %.3g GB, more than the budget of %.3g GB "
                       "(--max-memory)",
                       (double)need / 1e9, (double)s->max_memory / 1e9);
}

int uat_run(const uat_run_spec *s, uat_mlp **model, uat_run_result *r, uat_error *err) {
  memset(r, 0, sizeof *r);
  if (model) *model = NULL;
  const int budget = within_budget(s, err);
  if (budget != UAT_OK) return budget;
  run_data rd;
  int st = data_alloc(s, &rd, err);
  uat_mlp *m = st == UAT_OK ? build_seeded(s, &rd, err) : NULL;
  if (m == NULL) {
    data_free(&rd);
    return st != UAT_OK ? st : err ? err->status : UAT_EINVAL;
  }
  r->params = m->n_params;
  r->train_points = rd.train->n;
  const uat_fit_params fp = fit_params(s, &rd);
  r->fit.history = s->history;
  r->fit.history_mean = s->history ? s->history_mean : NULL;
  r->fit.history_cap = s->history ? s->history_cap : 0;
  st = uat_fit_train(&m, rd.scaled ? rd.scaled : rd.train, &fp, &r->fit, err);
  st = finish(&rd, st, m, r, model, err);
  data_free(&rd);
  return st;
}

static int same_string(const char *a, const char *b) {
  return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static int same_init(const uat_init_spec *a, const uat_init_spec *b) {
  return a->weights == b->weights && a->wa == b->wa && a->wb == b->wb && a->biases == b->biases &&
         a->ba == b->ba && a->bb == b->bb;
}

/* Whether two specifications differ at most in their seed, and train on the same points. */
static int same_but_seed(const uat_run_spec *a, const uat_run_spec *b) {
  if (!same_string(a->target, b->target) || !same_string(a->domain, b->domain) ||
      a->n_hidden != b->n_hidden || a->act != b->act || a->out_act != b->out_act ||
      !same_init(&a->init, &b->init) || !uat_fit_params_same_but_seed(&a->fit, &b->fit) ||
      a->points != b->points || a->train_n != b->train_n || a->test_n != b->test_n ||
      a->raw != b->raw || a->no_bias != b->no_bias || a->history_mean != NULL ||
      a->history != NULL || b->history != NULL || a->points == UAT_POINTS_RANDOM)
    return 0;
  for (size_t l = 0; l < a->n_hidden; l++)
    if (uat_run_spec_hidden(a, l) != uat_run_spec_hidden(b, l)) return 0;
  return 1;
}

/* The runs s[0..n) side by side, or UAT_EINVAL (nothing done) when they cannot be. */
static int run_lanes(size_t n, const uat_run_spec *s, uat_mlp **models, uat_run_result *r,
                     int *status, uat_error *err) {
  if (n < 2) return UAT_EINVAL;
  for (size_t k = 1; k < n; k++)
    if (!same_but_seed(&s[0], &s[k])) return UAT_EINVAL;
  /* the same shape for every seed: one budget check (run by run, each would report it) */
  if (within_budget(&s[0], &err[0]) != UAT_OK) return UAT_EINVAL;
  run_data rd;
  if (data_alloc(&s[0], &rd, &err[0]) != UAT_OK) {
    data_free(&rd);
    return UAT_EINVAL; /* run one by one: each reports its own error */
  }
  const uat_dataset *d = rd.scaled ? rd.scaled : rd.train;
  uat_fit_params *fp = calloc(n, sizeof *fp);
  uat_mlp **m = calloc(n, sizeof(uat_mlp *));
  uat_fit_result *fr = calloc(n, sizeof *fr);
  int st = (fp && m && fr) ? UAT_OK : UAT_ENOMEM;
  for (size_t k = 0; k < n && st == UAT_OK; k++) {
    fp[k] = fit_params(&s[k], &rd);
    if (!uat_fit_lanes_possible(&fp[k], d)) st = UAT_EINVAL;
  }
  for (size_t k = 0; k < n && st == UAT_OK; k++)
    if ((m[k] = build_seeded(&s[k], &rd, &err[k])) == NULL) st = UAT_EINVAL;
  if (st == UAT_OK) st = uat_fit_train_lanes(n, m, d, fp, fr, status, err);
  for (size_t k = 0; k < n && st == UAT_OK; k++) {
    memset(&r[k], 0, sizeof r[k]);
    r[k].params = m[k]->n_params;
    r[k].train_points = d->n;
    r[k].fit = fr[k];
    status[k] = finish(&rd, status[k], m[k], &r[k], models ? &models[k] : NULL, &err[k]);
    m[k] = NULL; /* finish kept it or freed it */
  }
  for (size_t k = 0; m && k < n; k++) uat_mlp_free(m[k]);
  free(m);
  free(fp);
  free(fr);
  data_free(&rd);
  return st;
}

int uat_run_seeds(size_t n, const uat_run_spec *s, uat_mlp **models, uat_run_result *r, int *status,
                  uat_error *err) {
  for (size_t k = 0; models && k < n; k++) models[k] = NULL;
  const int st = run_lanes(n, s, models, r, status, err);
  if (st == UAT_ENOMEM) return st;
  if (st != UAT_OK)
    for (size_t k = 0; k < n; k++)
      status[k] = uat_run(&s[k], models ? &models[k] : NULL, &r[k], &err[k]);
  return UAT_OK;
}

static char *copy(const char *s) {
  char *c = malloc(strlen(s) + 1);
  if (c) strcpy(c, s);
  return c;
}

int uat_run_model_info(const uat_run_spec *s, uat_model_info *info, uat_error *err) {
  memset(info, 0, sizeof *info);
  uat_target *t = NULL;
  const int st = uat_target_alloc(s->target, s->domain, &t, err);
  if (st != UAT_OK) return st;
  char made[160];
  snprintf(made, sizeof made, "%s %s", UAT_VERSION_STRING, uat_build_commit());
  info->target = copy(s->target);
  info->domain = uat_target_domain_spec(t);
  info->trainer = copy(uat_fit_kind_name(s->fit.kind));
  info->uat = copy(made);
  info->has_seed = 1;
  info->seed = s->seed;
  uat_target_free(t);
  if (!info->target || !info->domain || !info->trainer || !info->uat) {
    uat_model_info_free(info);
    return uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  return UAT_OK;
}
