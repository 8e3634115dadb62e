/* node_run.c — a neural-ODE experiment from a spec (uat/node.h): observations read or
 * generated, the network built and started, the fit, and its errors against the truth
 * (observation times, held-out times, extrapolation, the field, the invariant). What
 * `uat fit --target ode-data:...` runs and prints. */
#define _POSIX_C_SOURCE 200809L
#include <gsl/gsl_multifit_nlinear.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uat/init.h"
#include "uat/io.h"
#include "uat/node.h"
#include "uat/sindy.h"
#include "uat/util.h"

enum { HELD_OUT_EXTRA = 101, FIELD_TIMES = 201 };

void uat_node_spec_defaults(uat_node_spec *s) {
  memset(s, 0, sizeof *s);
  s->act = UAT_ACT_TANH;
  s->fit = uat_node_default_params();
  s->fit_y0 = -1;
  s->collocation = -1;
}

void uat_node_data_free(uat_node_data *d) {
  if (d == NULL) return;
  free(d->t);
  free(d->obs);
  free(d->truth);
  free(d);
}

/* The value of name in "NAME=VALUE,..." (list may be NULL): 1 found, 0 not, -1 malformed. */
static int param_lookup(const char *list, const char *name, double *v, uat_error *err) {
  const size_t len = strlen(name);
  for (const char *p = list; p && *p;) {
    const char *end = strchr(p, ','), *eq = strchr(p, '=');
    const size_t item = end ? (size_t)(end - p) : strlen(p);
    if (eq == NULL || (size_t)(eq - p) >= item)
      return uat_error_set(err, UAT_EINVAL, "--param: expected NAME=VALUE, found '%.*s'", (int)item,
                           p),
             -1;
    if ((size_t)(eq - p) == len && strncmp(p, name, len) == 0) {
      char buf[64];
      snprintf(buf, sizeof buf, "%.*s", (int)(item - len - 1), eq + 1);
      if (uat_parse_double(buf, v) != UAT_OK)
        return uat_error_set(err, UAT_EINVAL, "--param %s: expected a number, found '%s'", name,
                             buf),
               -1;
      return 1;
    }
    p = end ? end + 1 : NULL;
  }
  return 0;
}

/* Comma-separated numbers into v (exactly n of them). */
static int parse_vector(const char *s, size_t n, double *v) {
  char buf[512];
  snprintf(buf, sizeof buf, "%s", s);
  size_t k = 0;
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
    if (k >= n || uat_parse_double(tok, &v[k++]) != UAT_OK) return -1;
  return k == n ? 0 : -1;
}

static uat_node_data *data_alloc(size_t n, size_t dim, int truth) {
  uat_node_data *d = calloc(1, sizeof *d);
  if (d == NULL) return NULL;
  d->n = n;
  d->dim = dim;
  d->t = malloc(n * sizeof *d->t);
  d->obs = malloc(n * dim * sizeof *d->obs);
  d->truth = truth ? malloc(n * dim * sizeof *d->truth) : NULL;
  if (!d->t || !d->obs || (truth && !d->truth)) {
    uat_node_data_free(d);
    return NULL;
  }
  return d;
}

static void set_like(uat_node_data *d, const uat_ode_system *sys) {
  for (size_t i = 0; i < d->dim; i++) d->name_ptrs[i] = d->names[i];
  if (sys) d->like = *sys;
  d->like.dim = d->dim;
  d->like.state_names = d->name_ptrs;
  if (sys == NULL) {
    d->like.name = "data";
    d->like.equations = "observations";
  }
}

/* Whether column name is "STATE_true". */
static int is_truth_column(const char *name) {
  const size_t len = strlen(name);
  return len > 5 && strcmp(name + len - 5, "_true") == 0;
}

/* The columns of a CSV file: time first, then the states; columns named STATE_true (as
 * --data-out writes them) hold the noise-free truth when every state has one. */
static int csv_columns(const uat_table *tb, size_t *dim, long *truth_col) {
  *dim = 0;
  for (size_t j = 1; j < tb->cols; j++)
    if (tb->header == NULL || !is_truth_column(tb->header[j])) truth_col[(*dim)++] = (long)j;
  int all = tb->header != NULL && *dim > 0;
  for (size_t i = 0; i < *dim && all; i++) {
    char want[80];
    snprintf(want, sizeof want, "%s_true", tb->header[truth_col[i]]);
    truth_col[UAT_MLP_SYSTEM_MAX_DIM + i] = uat_table_column(tb, want);
    all = truth_col[UAT_MLP_SYSTEM_MAX_DIM + i] >= 0;
  }
  return all;
}

static int load_csv(const char *path, uat_node_data **out, uat_error *err) {
  uat_table *tb = NULL;
  int st = uat_table_read(path, &tb, err);
  if (st != UAT_OK) return st;
  long col[2 * UAT_MLP_SYSTEM_MAX_DIM + 64];
  size_t dim = 0;
  const int truth = tb->cols >= 2 && tb->cols - 1 <= (size_t)UAT_MLP_SYSTEM_MAX_DIM * 2 &&
                    csv_columns(tb, &dim, col);
  if (dim == 0 || dim > UAT_MLP_SYSTEM_MAX_DIM || tb->rows < 3) {
    st = uat_error_set(err, UAT_EINVAL,
                       "%s: expected a time column and 1 to %d state columns, 3 rows or more; "
                       "found %zu columns, %zu rows",
                       path, UAT_MLP_SYSTEM_MAX_DIM, tb->cols, tb->rows);
    uat_table_free(tb);
    return st;
  }
  uat_node_data *d = data_alloc(tb->rows, dim, truth);
  if (d == NULL) {
    uat_table_free(tb);
    return uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  for (size_t k = 0; k < tb->rows; k++) {
    d->t[k] = tb->data[k * tb->cols];
    for (size_t i = 0; i < dim; i++) {
      d->obs[k * dim + i] = tb->data[k * tb->cols + (size_t)col[i]];
      if (truth)
        d->truth[k * dim + i] = tb->data[k * tb->cols + (size_t)col[UAT_MLP_SYSTEM_MAX_DIM + i]];
    }
    if (k > 0 && !(d->t[k] > d->t[k - 1]) && st == UAT_OK)
      st = uat_error_set(err, UAT_EINVAL,
                         "%s: data row %zu: time %.17g does not increase (previous %.17g)", path,
                         k + 1, d->t[k], d->t[k - 1]);
  }
  for (size_t i = 0; i < dim; i++) {
    if (tb->header)
      snprintf(d->names[i], sizeof d->names[i], "%s", tb->header[col[i]]);
    else
      snprintf(d->names[i], sizeof d->names[i], "y%zu", i + 1);
  }
  uat_table_free(tb);
  set_like(d, NULL);
  if (st != UAT_OK) {
    uat_node_data_free(d);
    return st;
  }
  *out = d;
  return UAT_OK;
}

/* A catalogue system's parameters: defaults, then the spec's values for its names. */
static int system_params(const uat_ode_system *sys, const char *list, double *p, uat_error *err) {
  for (size_t j = 0; j < sys->n_params; j++) {
    p[j] = sys->param_defaults[j];
    if (param_lookup(list, sys->param_names[j], &p[j], err) < 0) return UAT_EINVAL;
  }
  return UAT_OK;
}

static int generate(const uat_node_spec *s, uat_node_data **out, uat_error *err) {
  const uat_ode_system *sys = uat_ode_catalogue_find(s->data);
  if (sys == NULL)
    return uat_error_set(err, UAT_EINVAL,
                         "ode-data:%s: expected a file FILE.csv or a system (uat ode --list)",
                         s->data);
  if (sys->dim > UAT_MLP_SYSTEM_MAX_DIM || sys->n_params > 16)
    return uat_error_set(err, UAT_EINVAL, "ode-data:%s: too many states or parameters", s->data);
  const size_t n = s->n_times ? s->n_times : 31;
  double t0 = s->t0, t1 = s->t1;
  if (!(t1 > t0)) {
    t0 = sys->t0_default;
    t1 = sys->t1_default;
  }
  if (n < 3) return uat_error_set(err, UAT_EINVAL, "--times: expected 3 times or more");
  uat_node_data *d = data_alloc(n, sys->dim, 1);
  if (d == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory");
  d->system = sys;
  for (size_t i = 0; i < sys->dim; i++) {
    snprintf(d->names[i], sizeof d->names[i], "%s", sys->state_names[i]);
    d->y0_true[i] = sys->y0_default[i];
  }
  set_like(d, sys);
  for (size_t k = 0; k < n; k++) d->t[k] = t0 + (t1 - t0) * (double)k / (double)(n - 1);
  int st = system_params(sys, s->params, d->p, err);
  if (st == UAT_OK && s->y0 && parse_vector(s->y0, sys->dim, d->y0_true) != 0)
    st =
        uat_error_set(err, UAT_EINVAL, "--y0: expected %zu numbers separated by commas, found '%s'",
                      sys->dim, s->y0);
  if (st == UAT_OK)
    st = uat_node_observe(sys, d->p, d->y0_true, n, d->t, s->noise, s->noise_kind, s->seed,
                          d->truth, d->obs, err);
  if (st != UAT_OK) {
    uat_node_data_free(d);
    return st;
  }
  *out = d;
  return UAT_OK;
}

int uat_node_data_load(const uat_node_spec *s, uat_node_data **out, uat_error *err) {
  *out = NULL;
  if (s->data == NULL || s->data[0] == '\0')
    return uat_error_set(err, UAT_EINVAL, "ode-data: expected FILE.csv or a system's name");
  const size_t len = strlen(s->data);
  if (len > 4 && strcmp(s->data + len - 4, ".csv") == 0) return load_csv(s->data, out, err);
  return generate(s, out, err);
}

/* ---- the known part ------------------------------------------------------------------------ */

/* Every name in the spec's --param list must be the system's or the known part's. */
static int check_param_names(const char *list, const uat_ode_system *sys,
                             const uat_ode_system *known, uat_error *err) {
  for (const char *p = list; p && *p;) {
    const char *end = strchr(p, ','), *eq = strchr(p, '=');
    char name[64];
    snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - p) : 0, p);
    const int ok = (sys && uat_ode_param_index(sys, name) >= 0) ||
                   (known && uat_ode_param_index(known, name) >= 0);
    if (!ok)
      return uat_error_set(err, UAT_EINVAL, "--param %s: not a parameter of %s%s", name,
                           sys ? sys->name : "the data", known ? " or of the known part" : "");
    p = end ? end + 1 : NULL;
  }
  return UAT_OK;
}

static int resolve_known(const uat_node_spec *s, const uat_node_data *d, const uat_ode_system *ks,
                         double *kp, uat_error *err) {
  for (size_t j = 0; j < ks->n_params; j++) {
    const char *name = ks->param_names[j];
    const int found = param_lookup(s->params, name, &kp[j], err);
    if (found < 0) return UAT_EINVAL;
    if (found) continue;
    const int k = d->system ? uat_ode_param_index(d->system, name) : -1;
    if (k < 0)
      return uat_error_set(err, UAT_EINVAL,
                           "--known: '%s' has no value (give it with --param %s=VALUE)", name,
                           name);
    kp[j] = d->p[k];
  }
  return UAT_OK;
}

int uat_node_known_alloc(const uat_node_spec *s, const uat_node_data *d,
                         uat_ode_expr_system **known, double **kp, uat_error *err) {
  *known = NULL;
  *kp = NULL;
  if (s->known == NULL) return check_param_names(s->params, d->system, NULL, err);
  char buf[2048], *eqs[UAT_MLP_SYSTEM_MAX_DIM];
  char lines[UAT_MLP_SYSTEM_MAX_DIM][600];
  snprintf(buf, sizeof buf, "%s", s->known);
  size_t k = 0;
  for (char *save = NULL, *tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
    if (k < d->dim) snprintf(lines[k], sizeof lines[k], "%s = %s", d->names[k], tok);
    eqs[k < d->dim ? k : 0] = lines[k < d->dim ? k : 0];
    k++;
  }
  if (k != d->dim)
    return uat_error_set(err, UAT_EINVAL,
                         "--known: expected %zu expressions separated by ';' (one per state), "
                         "found %zu",
                         d->dim, k);
  int st = uat_ode_expr_system_alloc(d->dim, (const char *const *)eqs, known, err);
  if (st != UAT_OK) return st;
  const uat_ode_system *ks = uat_ode_expr_system_get(*known);
  *kp = calloc(ks->n_params + 1, sizeof **kp);
  st = *kp ? resolve_known(s, d, ks, *kp, err) : uat_error_set(err, UAT_ENOMEM, "out of memory");
  if (st == UAT_OK) st = check_param_names(s->params, d->system, ks, err);
  if (st != UAT_OK) {
    uat_ode_expr_system_free(*known);
    free(*kp);
    *known = NULL;
    *kp = NULL;
  }
  return st;
}

/* ---- the run ------------------------------------------------------------------------------- */

static uat_mlp *build(const uat_node_spec *s, const uat_node_data *d, uat_error *err) {
  size_t sizes[10];
  uat_activation act[9];
  const size_t nh = s->n_hidden ? s->n_hidden : 1;
  if (nh > 8) {
    uat_error_set(err, UAT_EINVAL, "at most 8 hidden layers");
    return NULL;
  }
  sizes[0] = d->dim;
  for (size_t l = 0; l < nh; l++) {
    sizes[l + 1] = s->n_hidden ? s->hidden[l] : 8;
    act[l] = s->act;
  }
  sizes[nh + 1] = d->dim;
  act[nh] = UAT_ACT_IDENTITY;
  uat_mlp *m = uat_mlp_alloc(nh + 2, sizes, act);
  gsl_rng *r = uat_rng_alloc(s->seed);
  const uat_init_spec spec = uat_init_spec_torch();
  if (m == NULL || r == NULL || uat_mlp_init(m, &spec, r) != UAT_OK) {
    uat_error_set(err, UAT_ENOMEM, "out of memory");
    uat_mlp_free(m);
    m = NULL;
  }
  gsl_rng_free(r);
  if (m) uat_node_scale_init(m, d->n, d->t, d->obs);
  return m;
}

/* The learned model's solution from y0 at the n times (BDF, rtol 1e-12). */
static int predict(const uat_mlp *m, const uat_node_data *d, const uat_ode_system *known,
                   const double *kp, const double *y0, size_t n, const double *times, double *y,
                   uat_error *err) {
  return uat_node_solve(m, &d->like, known, kp, y0, n, times, y, err);
}

/* Relative RMS of a - b over rows from..n-1. */
static double rel_rms(size_t from, size_t n, size_t dim, const double *a, const double *b) {
  double num = 0.0, den = 0.0;
  for (size_t k = from * dim; k < n * dim; k++) {
    num += (a[k] - b[k]) * (a[k] - b[k]);
    den += b[k] * b[k];
  }
  return sqrt(num / den);
}

typedef struct {
  const uat_node_data *d;
  const uat_ode_system *known;
  const double *kp;
  const uat_mlp *m;
  const double *y0;
} run_ctx;

/* Learned against true solutions at times (times[0] = t0; rows from `from` count). */
static int compare_at(const run_ctx *c, size_t n, const double *times, size_t from, double *e,
                      double *learned, double *truth, uat_error *err) {
  int st = uat_node_truth(c->d, n, times, truth, err);
  if (st == UAT_OK) st = predict(c->m, c->d, c->known, c->kp, c->y0, n, times, learned, err);
  if (st == UAT_OK) *e = rel_rms(from, n, c->d->dim, learned, truth);
  return st;
}

int uat_node_truth(const uat_node_data *d, size_t n, const double *times, double *truth,
                   uat_error *err) {
  if (d->system == NULL) return uat_error_set(err, UAT_EINVAL, "the data have no true system");
  uat_ode_params prm = uat_ode_default_params();
  prm.rtol = 1e-12;
  prm.atol = 1e-14;
  uat_ode_trajectory *tr = NULL;
  const int st = uat_ode_solve(d->system, d->p, d->y0_true, n, times, &prm, &tr, NULL, err);
  if (st == UAT_OK && tr) memcpy(truth, tr->y, n * d->dim * sizeof *truth);
  uat_ode_trajectory_free(tr);
  return st;
}

/* The learned field (whole, and the network's part) against the true one at true states. */
static int field_errors(const run_ctx *c, size_t n, const double *states, uat_node_report *rep,
                        uat_error *err) {
  const size_t dim = c->d->dim;
  uat_mlp_system *s = uat_mlp_system_alloc(c->m, &c->d->like, err);
  if (s == NULL) return err ? err->status : UAT_EINVAL;
  int st = uat_mlp_system_set_known(s, c->known, c->kp, err);
  const uat_ode_system *learned = uat_mlp_system_get(s);
  double nf = 0, df = 0, np = 0, dp = 0, ft[UAT_MLP_SYSTEM_MAX_DIM], fl[UAT_MLP_SYSTEM_MAX_DIM],
         fk[UAT_MLP_SYSTEM_MAX_DIM];
  for (size_t k = 0; st == UAT_OK && k < n; k++) {
    const double *y = states + k * dim;
    if (c->d->system->rhs(0.0, y, ft, c->d->p, c->d->system->ctx) != 0 ||
        learned->rhs(0.0, y, fl, NULL, learned->ctx) != 0 ||
        (c->known && c->known->rhs(0.0, y, fk, c->kp, c->known->ctx) != 0)) {
      st = uat_error_set(err, UAT_EDOMAIN, "a field failed at t-sample %zu", k + 1);
      break;
    }
    for (size_t i = 0; i < dim; i++) {
      nf += (fl[i] - ft[i]) * (fl[i] - ft[i]);
      df += ft[i] * ft[i];
      if (c->known == NULL) continue;
      const double part = ft[i] - fk[i]; /* what the network should have learned */
      np += (fl[i] - ft[i]) * (fl[i] - ft[i]);
      dp += part * part;
    }
  }
  rep->field_error = sqrt(nf / df);
  rep->learned_part_error = c->known ? sqrt(np / dp) : NAN;
  uat_mlp_system_free(s);
  return st;
}

static int invariant(const run_ctx *c, size_t n, const double *times, const double *learned,
                     const double *truth, uat_node_report *rep) {
  uat_ode_trajectory a = {n, c->d->dim, n, (double *)times, (double *)learned};
  uat_ode_trajectory b = {n, c->d->dim, n, (double *)times, (double *)truth};
  if (uat_ode_invariant_drift(c->d->system, c->d->p, &a, &rep->invariant_drift) != UAT_OK)
    rep->invariant_drift = NAN;
  if (uat_ode_invariant_drift(c->d->system, c->d->p, &b, &rep->true_invariant_drift) != UAT_OK)
    rep->true_invariant_drift = NAN;
  return UAT_OK;
}

/* The oracle: the true system's parameters and initial state q = [p | y0] fitted to the
 * observations. */
typedef struct {
  const uat_node_data *d;
  double *y; /* n x dim: the last solution */
  uat_error err;
} oracle_ctx;

static int oracle_f(const gsl_vector *q, void *params, gsl_vector *f) {
  oracle_ctx *c = params;
  const uat_node_data *d = c->d;
  const size_t np = d->system->n_params;
  uat_ode_params prm = uat_ode_default_params();
  prm.rtol = 1e-11;
  prm.atol = 1e-13;
  uat_ode_trajectory *tr = NULL;
  const int st =
      uat_ode_solve(d->system, q->data, q->data + np, d->n, d->t, &prm, &tr, NULL, &c->err);
  if (st == UAT_OK && tr) {
    memcpy(c->y, tr->y, d->n * d->dim * sizeof *c->y);
    for (size_t k = 0; k < d->n * d->dim; k++) gsl_vector_set(f, k, c->y[k] - d->obs[k]);
  }
  uat_ode_trajectory_free(tr);
  return st == UAT_OK ? GSL_SUCCESS : GSL_EBADFUNC;
}

static int oracle(const uat_node_data *d, double *error, uat_error *err) {
  const size_t np = d->system->n_params, nq = np + d->dim, nr = d->n * d->dim;
  oracle_ctx c = {d, calloc(nr, sizeof(double)), {0}};
  gsl_multifit_nlinear_parameters fp = gsl_multifit_nlinear_default_parameters();
  gsl_multifit_nlinear_workspace *w =
      c.y ? gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp, nr, nq) : NULL;
  gsl_vector *q = gsl_vector_alloc(nq);
  if (w == NULL || q == NULL) {
    free(c.y);
    gsl_multifit_nlinear_free(w);
    gsl_vector_free(q);
    return uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  for (size_t j = 0; j < np; j++) gsl_vector_set(q, j, d->p[j]); /* from the truth */
  for (size_t i = 0; i < d->dim; i++) gsl_vector_set(q, np + i, d->y0_true[i]);
  gsl_multifit_nlinear_fdf fdf = {oracle_f, NULL, NULL, nr, nq, &c, 0, 0, 0};
  int info = 0;
  int st = gsl_multifit_nlinear_init(q, &fdf, w) == GSL_SUCCESS ? UAT_OK : UAT_ESOLVER;
  if (st == UAT_OK) gsl_multifit_nlinear_driver(200, 1e-12, 1e-12, 1e-12, NULL, NULL, &info, w);
  if (st == UAT_OK)
    st = oracle_f(gsl_multifit_nlinear_position(w), &c, w->f) == GSL_SUCCESS ? UAT_OK : UAT_ESOLVER;
  if (st == UAT_OK)
    *error = rel_rms(0, d->n, d->dim, c.y, d->truth);
  else
    uat_error_set(err, UAT_ESOLVER, "the true model's refit failed: %s", c.err.msg);
  free(c.y);
  gsl_multifit_nlinear_free(w);
  gsl_vector_free(q);
  return st;
}

/* Every figure against the truth (generated data only). */
static int measure(const run_ctx *c, const uat_node_spec *s, uat_node_report *rep, uat_error *err) {
  const uat_node_data *d = c->d;
  const size_t n = d->n, dim = d->dim, nm = n + HELD_OUT_EXTRA;
  const double t0 = d->t[0], t1 = d->t[n - 1];
  rep->horizon = s->horizon > t1 ? s->horizon : t1 + (t1 - t0);
  double scratch = 0.0;
  double *times = malloc((nm + FIELD_TIMES) * sizeof *times);
  double *a = malloc((nm + FIELD_TIMES) * dim * sizeof *a);
  double *b = malloc((nm + FIELD_TIMES) * dim * sizeof *b);
  if (times == NULL || a == NULL || b == NULL) {
    free(times);
    free(a);
    free(b);
    return uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  int st = UAT_OK;
  { /* held out: the midpoints */
    times[0] = t0;
    for (size_t k = 0; k + 1 < n; k++) times[k + 1] = 0.5 * (d->t[k] + d->t[k + 1]);
    st = compare_at(c, n, times, 1, &rep->heldout_error, a, b, err);
  }
  if (st == UAT_OK) { /* beyond the data */
    for (size_t k = 1; k <= HELD_OUT_EXTRA; k++)
      times[k] = t1 + (rep->horizon - t1) * (double)k / HELD_OUT_EXTRA;
    st = compare_at(c, HELD_OUT_EXTRA + 1, times, 1, &rep->extrapolation_error, a, b, err);
  }
  if (st == UAT_OK) { /* the field at true states over [t0, t1]; the invariant to the horizon */
    for (size_t k = 0; k < FIELD_TIMES; k++)
      times[k] = t0 + (t1 - t0) * (double)k / (FIELD_TIMES - 1);
    st = uat_node_truth(d, FIELD_TIMES, times, b, err);
    if (st == UAT_OK) st = field_errors(c, FIELD_TIMES, b, rep, err);
  }
  if (st == UAT_OK) {
    for (size_t k = 0; k < FIELD_TIMES; k++)
      times[k] = t0 + (rep->horizon - t0) * (double)k / (FIELD_TIMES - 1);
    st = compare_at(c, FIELD_TIMES, times, 0, &scratch, a, b, err);
    if (st == UAT_OK) invariant(c, FIELD_TIMES, times, a, b, rep);
  }
  if (st == UAT_OK) /* last: at the observation times, the headline figure */
    st = compare_at(c, n, d->t, 0, &rep->trajectory_error, a, b, err);
  if (st == UAT_OK && s->noise > 0) st = oracle(d, &rep->oracle_error, err);
  free(times);
  free(a);
  free(b);
  return st;
}

static void report_init(uat_node_report *rep) {
  memset(rep, 0, sizeof *rep);
  rep->collocation_rmse = rep->heldout_error = rep->extrapolation_error = NAN;
  rep->field_error = rep->learned_part_error = NAN;
  rep->invariant_drift = rep->true_invariant_drift = NAN;
  rep->oracle_error = NAN;
}

/* The starting point: collocation when chosen (auto: equally spaced times, and more slopes
 * than parameters). */
static int start(const uat_node_spec *s, const uat_node_data *d, uat_mlp **m,
                 const uat_ode_system *known, const double *kp, uat_node_report *rep,
                 uat_error *err) {
  int use = s->collocation;
  if (use < 0 && (s->noise > 0 || d->system == NULL)) use = 0; /* noisy slopes mislead */
  if (use < 0) {
    double *slopes = malloc(d->n * d->dim * sizeof *slopes);
    use = slopes && d->n * d->dim > (*m)->n_params &&
          uat_ode_fd_derivative(d->n, d->dim, d->t, d->obs, 2, slopes) == UAT_OK;
    free(slopes);
  }
  if (!use) return UAT_OK;
  return uat_node_init_collocation(m, d->n, d->dim, d->t, d->obs, known, kp, 200,
                                   &rep->collocation_rmse, err);
}

/* Single shooting from multiple shooting's result: the network and the initial state it
 * reached, the segments' states dropped. The counts add up; nd's initial state is updated. */
static int polish(const uat_node_spec *s, uat_node_problem *pb, uat_mlp *m, uat_node *nd,
                  uat_node_report *rep, uat_error *err) {
  uat_node_problem one = *pb;
  one.segments = 1;
  uat_node_params par = s->fit;
  par.trainer = UAT_NODE_LM;
  par.iterations = s->polish;
  uat_node *single = uat_node_alloc(m, &one, &par, err);
  if (single == NULL) return err ? err->status : UAT_ENOMEM;
  uat_node_set_y0(single, uat_node_y0(nd)); /* where multiple shooting left it */
  uat_node_result r;
  const int st = uat_node_fit(single, &r, err);
  if (st == UAT_OK) {
    rep->fit.iterations += r.iterations;
    rep->fit.sens_solves += r.sens_solves;
    rep->fit.solves += r.solves;
    rep->fit.rmse = r.rmse;
    rep->fit.loss = r.loss;
    uat_node_set_y0(nd, uat_node_y0(single));
  }
  uat_node_free(single);
  return st;
}

/* SINDy on the network's part along the learned solution over the data's span: the states at
 * 201 times, the network's outputs there (the known part is not the network's to explain). */
static int extract(const uat_node_spec *s, const uat_node_data *d, const uat_mlp *m,
                   const uat_ode_system *known, const double *kp, uat_node_report *rep,
                   uat_error *err) {
  enum { NS = 201 };
  const size_t dim = d->dim;
  double *t = malloc(NS * sizeof *t), *X = calloc(NS * dim, sizeof *X);
  double *F = calloc(NS * dim, sizeof *F);
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, NS);
  uat_sindy_library *lib = NULL;
  uat_sindy_result res = {0};
  if (t == NULL || X == NULL || F == NULL || w == NULL) {
    free(t);
    free(X);
    free(F);
    uat_mlp_workspace_free(w);
    return uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  for (size_t k = 0; k < NS; k++)
    t[k] = d->t[0] + (d->t[d->n - 1] - d->t[0]) * (double)k / (NS - 1);
  int st = predict(m, d, known, kp, rep->y0, NS, t, X, err);
  if (st == UAT_OK && uat_mlp_predict(m, w, NS, X, F) != UAT_OK)
    st = uat_error_set(err, UAT_EDOMAIN, "the network failed on the learned solution");
  if (st == UAT_OK)
    st = uat_sindy_library_alloc(dim, d->like.state_names, s->sindy, 0, NULL, &lib, err);
  uat_sindy_params par = uat_sindy_default_params();
  if (s->sindy_threshold > 0) par.threshold = s->sindy_threshold;
  if (st == UAT_OK) st = uat_sindy_fit(lib, NS, X, F, &par, &res, err);
  for (size_t i = 0; st == UAT_OK && i < dim; i++) { /* the right-hand side of "x = ..." */
    char *e = rep->sindy[i];
    uat_sindy_equation(&res, lib, d->names[i], i, 6, e, sizeof rep->sindy[i]);
    const char *rhs = strstr(e, " = ");
    if (rhs) memmove(e, rhs + 3, strlen(rhs + 3) + 1);
  }
  uat_sindy_result_free(&res);
  uat_sindy_library_free(lib);
  uat_mlp_workspace_free(w);
  free(t);
  free(X);
  free(F);
  return st;
}

int uat_node_run(const uat_node_spec *s, const uat_node_data *d, uat_mlp **model,
                 uat_node_report *rep, uat_error *err) {
  report_init(rep);
  *model = NULL;
  const double t_start = uat_seconds();
  uat_ode_expr_system *kx = NULL;
  double *kp = NULL;
  int st = uat_node_known_alloc(s, d, &kx, &kp, err);
  if (st != UAT_OK) return st;
  const uat_ode_system *known = kx ? uat_ode_expr_system_get(kx) : NULL;
  uat_mlp *m = build(s, d, err);
  if (m == NULL) {
    uat_ode_expr_system_free(kx);
    free(kp);
    return err ? err->status : UAT_ENOMEM;
  }
  st = start(s, d, &m, known, kp, rep, err);
  uat_node_problem pb = {.like = &d->like,
                         .known = known,
                         .known_params = kp,
                         .n = d->n,
                         .times = d->t,
                         .obs = d->obs,
                         .segments = s->segments,
                         .continuity = s->continuity,
                         .ridge = s->ridge > 0 ? s->ridge : 1e-10,
                         .fit_y0 = s->fit_y0 >= 0 ? s->fit_y0 : (s->noise > 0 || !d->system)};
  uat_node *nd = st == UAT_OK ? uat_node_alloc(m, &pb, &s->fit, err) : NULL;
  if (st == UAT_OK && nd == NULL) st = err->status;
  if (st == UAT_OK) st = uat_node_fit(nd, &rep->fit, err);
  if (st == UAT_OK && s->polish > 0 && pb.segments > 1) st = polish(s, &pb, m, nd, rep, err);
  if (st == UAT_OK) {
    rep->n_params = m->n_params;
    memcpy(rep->y0, uat_node_y0(nd), d->dim * sizeof *rep->y0); /* after any polish */
    const run_ctx c = {d, known, kp, m, rep->y0};
    if (d->truth && d->system) {
      st = measure(&c, s, rep, err);
    } else { /* against the file's truth columns, or the data themselves */
      double *y = calloc(d->n * d->dim, sizeof *y);
      if (y == NULL) st = uat_error_set(err, UAT_ENOMEM, "out of memory");
      if (y) st = predict(m, d, known, kp, rep->y0, d->n, d->t, y, err);
      if (y && st == UAT_OK)
        rep->trajectory_error = rel_rms(0, d->n, d->dim, y, d->truth ? d->truth : d->obs);
      free(y);
    }
  }
  if (st == UAT_OK && s->sindy) st = extract(s, d, m, known, kp, rep, err);
  rep->seconds = uat_seconds() - t_start;
  uat_node_free(nd);
  uat_ode_expr_system_free(kx);
  free(kp);
  if (st == UAT_OK)
    *model = m;
  else
    uat_mlp_free(m);
  return st;
}

int uat_node_predict(const uat_mlp *m, const uat_node_spec *s, const uat_node_data *d,
                     const double *y0, size_t n, const double *times, double *y, uat_error *err) {
  uat_ode_expr_system *kx = NULL;
  double *kp = NULL;
  int st = uat_node_known_alloc(s, d, &kx, &kp, err);
  if (st == UAT_OK)
    st = predict(m, d, kx ? uat_ode_expr_system_get(kx) : NULL, kp, y0, n, times, y, err);
  uat_ode_expr_system_free(kx);
  free(kp);
  return st;
}
