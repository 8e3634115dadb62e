/* node_job.c — a neural-ODE fit described by string options, exactly as `uat fit --target
 * ode-data:...` takes them (uat/node.h): the command and the bindings (uat_fit_job hands
 * ode-data: targets here) set options, run, and print the same report. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uat/io.h"
#include "uat/node.h"
#include "uat/plot.h"
#include "uat/util.h"
#include "uat/version.h"

enum { JOB_TEXT = 2048 };

struct uat_node_job {
  uat_node_spec s;
  char target[JOB_TEXT], params[JOB_TEXT], y0[JOB_TEXT], known[JOB_TEXT], sindy[JOB_TEXT];
  uat_node_data *d;
  uat_node_report rep;
  int ran;
};

uat_node_job *uat_node_job_alloc(void) {
  uat_node_job *j = calloc(1, sizeof *j);
  if (j) uat_node_spec_defaults(&j->s);
  return j;
}

void uat_node_job_free(uat_node_job *j) {
  if (j == NULL) return;
  uat_node_data_free(j->d);
  free(j);
}

const uat_node_spec *uat_node_job_spec(const uat_node_job *j) { return &j->s; }
const uat_node_data *uat_node_job_data(const uat_node_job *j) { return j->d; }
const uat_node_report *uat_node_job_result(const uat_node_job *j) { return &j->rep; }

static int expected(uat_error *err, const char *key, const char *what, const char *value) {
  return uat_error_set(err, UAT_EINVAL, "--%s: expected %s, found '%s'", key, what, value);
}

static int text(char *dst, const char *key, const char *value, const char **field, uat_error *err) {
  if (strlen(value) >= JOB_TEXT) return uat_error_set(err, UAT_EINVAL, "--%s: too long", key);
  memcpy(dst, value, strlen(value) + 1);
  *field = dst;
  return UAT_OK;
}

static int times(uat_node_spec *s, const char *value, uat_error *err) {
  char a[64], b[64];
  size_t n = 0;
  if (sscanf(value, "%63[^:]:%63[^:]:%zu", a, b, &n) != 3 ||
      uat_parse_double(a, &s->t0) != UAT_OK || uat_parse_double(b, &s->t1) != UAT_OK ||
      !(s->t1 > s->t0) || n < 3)
    return expected(err, "times", "A:B:N with A < B and N >= 3", value);
  s->n_times = n;
  return UAT_OK;
}

static int nonneg(const char *key, const char *value, double *v, uat_error *err) {
  if (uat_parse_double(value, v) != UAT_OK || !(*v >= 0))
    return expected(err, key, "a number >= 0", value);
  return UAT_OK;
}

static int count(const char *key, const char *value, size_t *v, uat_error *err) {
  if (uat_parse_size(value, v) != UAT_OK || *v == 0)
    return expected(err, key, "a count above 0", value);
  return UAT_OK;
}

static int tri(const char *key, const char *value, int *v, uat_error *err) {
  static const char *const names[] = {"no", "yes", "auto"};
  int k = 0;
  if (uat_enum_parse(names, 3, value, &k) != UAT_OK)
    return expected(err, key, "yes, no or auto", value);
  *v = k == 2 ? -1 : k;
  return UAT_OK;
}

/* The options that choose among names. */
static int choice(uat_node_spec *s, const char *key, const char *value, uat_error *err) {
  if (strcmp(key, "act") == 0)
    return uat_activation_parse(value, &s->act) == UAT_OK
               ? UAT_OK
               : expected(err, key, "an activation (tanh, sigmoid, relu, ...)", value);
  if (strcmp(key, "trainer") == 0)
    return uat_node_trainer_parse(value, &s->fit.trainer) == UAT_OK
               ? UAT_OK
               : expected(err, key, "lm, adam, lbfgs or adam+lbfgs", value);
  if (strcmp(key, "gradient") == 0)
    return uat_node_gradient_parse(value, &s->fit.gradient) == UAT_OK
               ? UAT_OK
               : expected(err, key, "auto, forward or adjoint", value);
  if (strcmp(key, "method") == 0) {
    if (strcmp(value, "adams") == 0 || strcmp(value, "bdf") == 0) {
      s->fit.method = value[0] == 'a' ? UAT_ODE_ADAMS : UAT_ODE_BDF;
      return UAT_OK;
    }
    return expected(err, key, "adams or bdf", value);
  }
  if (strcmp(key, "seed") == 0) {
    unsigned long a = 0, b = 0;
    if (uat_parse_seeds(value, &a, &b) != UAT_OK || a != b)
      return expected(err, key, "a seed", value);
    s->seed = a;
    return UAT_OK;
  }
  if (strcmp(key, "hidden") == 0)
    return uat_parse_widths(value, s->hidden, 8, &s->n_hidden) == UAT_OK
               ? UAT_OK
               : expected(err, key, "1 to 8 widths above 0, e.g. 5,5,5", value);
  if (strcmp(key, "collocation") == 0) return tri(key, value, &s->collocation, err);
  if (strcmp(key, "noise-kind") == 0)
    return uat_node_noise_parse(value, &s->noise_kind) == UAT_OK
               ? UAT_OK
               : expected(err, key, "mean or relative", value);
  if (strcmp(key, "fit-y0") == 0) return tri(key, value, &s->fit_y0, err);
  return uat_error_set(err, UAT_EINVAL, "--%s: not an option of ode-data: fits", key);
}

/* The options that take numbers. */
static int number(uat_node_spec *s, const char *key, const char *value, uat_error *err) {
  struct {
    const char *key;
    double *v;
  } const reals[] = {{"noise", &s->noise},
                     {"lr", &s->fit.adam_lr},
                     {"continuity", &s->continuity},
                     {"ridge", &s->ridge},
                     {"rtol", &s->fit.rtol},
                     {"horizon", &s->horizon},
                     {"sindy-threshold", &s->sindy_threshold}};
  struct {
    const char *key;
    size_t *v;
  } const counts[] = {{"max-iter", &s->fit.iterations},
                      {"adam-steps", &s->fit.adam_steps},
                      {"segments", &s->segments},
                      {"polish", &s->polish}};
  for (size_t i = 0; i < sizeof reals / sizeof *reals; i++)
    if (strcmp(key, reals[i].key) == 0) return nonneg(key, value, reals[i].v, err);
  for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
    if (strcmp(key, counts[i].key) == 0) return count(key, value, counts[i].v, err);
  return choice(s, key, value, err);
}

int uat_node_job_set(uat_node_job *j, const char *key, const char *value, uat_error *err) {
  uat_error_clear(err);
  if (key == NULL || value == NULL) return uat_error_set(err, UAT_EINVAL, "no key or value");
  j->ran = 0;
  uat_node_spec *s = &j->s;
  if (strcmp(key, "target") == 0) {
    if (strncmp(value, "ode-data:", 9) != 0)
      return expected(err, key, "ode-data:SYSTEM or ode-data:FILE.csv", value);
    const int st = text(j->target, key, value, &s->data, err);
    s->data = j->target + 9;
    return st;
  }
  if (strcmp(key, "param") == 0) return text(j->params, key, value, &s->params, err);
  if (strcmp(key, "y0") == 0) return text(j->y0, key, value, &s->y0, err);
  if (strcmp(key, "known") == 0) return text(j->known, key, value, &s->known, err);
  if (strcmp(key, "sindy") == 0) return text(j->sindy, key, value, &s->sindy, err);
  if (strcmp(key, "times") == 0) return times(s, value, err);
  return number(s, key, value, err);
}

int uat_node_job_load(uat_node_job *j, uat_error *err) {
  uat_error_clear(err);
  if (j->s.data == NULL) return uat_error_set(err, UAT_EINVAL, "expected a target ode-data:...");
  uat_node_data_free(j->d);
  j->d = NULL;
  return uat_node_data_load(&j->s, &j->d, err);
}

int uat_node_job_run(uat_node_job *j, uat_mlp **model, uat_error *err) {
  uat_error_clear(err);
  j->ran = 0;
  uat_mlp *m = NULL;
  int st = j->d ? UAT_OK : uat_node_job_load(j, err);
  if (st == UAT_OK) st = uat_node_run(&j->s, j->d, &m, &j->rep, err);
  j->ran = st == UAT_OK;
  if (model)
    *model = m;
  else
    uat_mlp_free(m);
  return st;
}

/* ---- the report ----------------------------------------------------------------------------- */

static void print_g(FILE *fp, const char *key, double v) {
  if (!isnan(v)) fprintf(fp, "%s = %.6e\n", key, v);
}

static void print_head(FILE *fp, const uat_node_job *j) {
  const uat_node_spec *s = &j->s;
  const uat_node_data *d = j->d;
  fprintf(fp, "target = %s (%zu observations of ", j->target, d->n);
  for (size_t i = 0; i < d->dim; i++) fprintf(fp, "%s%s", i ? ", " : "", d->names[i]);
  fprintf(fp, " on [%.17g, %.17g]", d->t[0], d->t[d->n - 1]);
  if (d->system)
    fprintf(fp, ", noise %g%s, seed %lu", s->noise,
            s->noise > 0 && s->noise_kind == UAT_NODE_NOISE_RELATIVE ? " relative" : "", s->seed);
  fprintf(fp, ")\n");
  if (s->known) fprintf(fp, "known = %s\n", s->known);
  fprintf(fp, "layers = %zu", d->dim);
  for (size_t l = 0; l < (s->n_hidden ? s->n_hidden : 1); l++)
    fprintf(fp, ",%zu", s->n_hidden ? s->hidden[l] : 8);
  fprintf(fp, ",%zu\nact = %s\n", d->dim, uat_activation_name(s->act));
  fprintf(fp, "trainer = %s\ngradient = %s\nmethod = %s\n", uat_node_trainer_name(s->fit.trainer),
          uat_node_gradient_name(j->rep.fit.gradient),
          s->fit.method == UAT_ODE_BDF ? "bdf" : "adams");
  fprintf(fp, "segments = %zu\n", s->segments ? s->segments : 1);
  if (s->polish) fprintf(fp, "polish = %zu\n", s->polish);
}

static void print_result(FILE *fp, const uat_node_job *j) {
  const uat_node_report *r = &j->rep;
  fprintf(fp, "params = %zu\n", r->n_params);
  print_g(fp, "collocation_rmse", r->collocation_rmse);
  fprintf(fp, "iterations = %zu\nsens_solves = %zu\nsolves = %zu\nseconds = %.3f\n",
          r->fit.iterations, r->fit.sens_solves, r->fit.solves, r->seconds);
  fprintf(fp, "rmse = %.6e\n", r->fit.rmse);
  fprintf(fp, "trajectory_error = %.6e%s\n", r->trajectory_error,
          j->d->truth ? "" : "  (against the data: no truth)");
  if (!isnan(r->oracle_error))
    fprintf(fp, "oracle_error = %.6e  (the true model refitted to the same data)\n",
            r->oracle_error);
  print_g(fp, "heldout_error", r->heldout_error);
  if (!isnan(r->extrapolation_error))
    fprintf(fp, "extrapolation_error = %.6e  (to t = %.17g)\n", r->extrapolation_error, r->horizon);
  print_g(fp, "field_error", r->field_error);
  print_g(fp, "learned_part_error", r->learned_part_error);
  print_g(fp, "invariant_drift", r->invariant_drift);
  print_g(fp, "true_invariant_drift", r->true_invariant_drift);
  fprintf(fp, "y0 = ");
  for (size_t i = 0; i < j->d->dim; i++) fprintf(fp, "%s%.17g", i ? "," : "", r->y0[i]);
  fprintf(fp, "\n");
  for (size_t i = 0; j->s.sindy && i < j->d->dim; i++)
    fprintf(fp, "sindy.%s = %s\n", j->d->names[i], r->sindy[i]);
}

size_t uat_node_job_report(const uat_node_job *j, char *buf, size_t len) {
  if (!j->ran) {
    if (buf && len > 0) buf[0] = '\0';
    return 0;
  }
  char *out = NULL;
  size_t size = 0;
  FILE *fp = open_memstream(&out, &size);
  if (fp == NULL) return 0;
  print_head(fp, j);
  print_result(fp, j);
  fclose(fp);
  if (buf && len > 0) snprintf(buf, len, "%s", out ? out : "");
  free(out);
  return size;
}

/* ---- files ---------------------------------------------------------------------------------- */

int uat_node_job_save(const uat_node_job *j, const uat_mlp *m, const char *path, uat_error *err) {
  const uat_node_data *d = j->d;
  if (d == NULL) return uat_error_set(err, UAT_EINVAL, "no data: run the job first");
  char domain[1024] = "", version[128];
  size_t len = 0;
  for (size_t i = 0; i < d->dim; i++) { /* the box the observations span */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < d->n; k++) {
      lo = fmin(lo, d->obs[k * d->dim + i]);
      hi = fmax(hi, d->obs[k * d->dim + i]);
    }
    len += (size_t)snprintf(domain + len, sizeof domain - len, "%s%s=%.17g:%.17g", i ? "," : "",
                            d->names[i], lo, hi);
    if (len >= sizeof domain) return uat_error_set(err, UAT_EINVAL, "state names too long");
  }
  snprintf(version, sizeof version, "%s %s", UAT_VERSION_STRING, uat_build_commit());
  uat_model_info info = {(char *)j->target, domain, (char *)uat_node_trainer_name(j->s.fit.trainer),
                         version,           1,      j->s.seed};
  return uat_mlp_save_info(path, m, &info, err);
}

int uat_node_job_write_data(const uat_node_job *j, const char *path, uat_error *err) {
  const uat_node_data *d = j->d;
  if (d == NULL) return uat_error_set(err, UAT_EINVAL, "no data: load or run the job first");
  const size_t cols = 1 + d->dim * (d->truth ? 2 : 1);
  double *a = malloc(d->n * cols * sizeof *a);
  const char *names[1 + 2 * UAT_MLP_SYSTEM_MAX_DIM];
  char truth_names[UAT_MLP_SYSTEM_MAX_DIM][40];
  if (a == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory");
  names[0] = "t";
  for (size_t i = 0; i < d->dim; i++) {
    names[1 + i] = d->names[i];
    snprintf(truth_names[i], sizeof truth_names[i], "%s_true", d->names[i]);
    names[1 + d->dim + i] = truth_names[i];
  }
  for (size_t k = 0; k < d->n; k++) {
    a[k * cols] = d->t[k];
    for (size_t i = 0; i < d->dim; i++) {
      a[k * cols + 1 + i] = d->obs[k * d->dim + i];
      if (d->truth) a[k * cols + 1 + d->dim + i] = d->truth[k * d->dim + i];
    }
  }
  const int st = uat_table_write(path, names, d->n, cols, a, err);
  free(a);
  return st;
}

int uat_node_job_plot(const uat_node_job *j, const uat_mlp *m, const char *base, uat_error *err) {
  enum { NT = 401 };
  const uat_node_data *d = j->d;
  if (!j->ran) return uat_error_set(err, UAT_EINVAL, "no fit: run the job first");
  const double t0 = d->t[0], h = j->rep.horizon, t1 = h > d->t[d->n - 1] ? h : d->t[d->n - 1];
  double *t = malloc(NT * sizeof *t), *y = malloc(NT * d->dim * sizeof *y);
  double *truth = d->system ? malloc(NT * d->dim * sizeof *truth) : NULL;
  if (t == NULL || y == NULL || (truth == NULL && d->system)) {
    free(t);
    free(y);
    free(truth);
    return uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  for (size_t k = 0; k < NT; k++) t[k] = t0 + (t1 - t0) * (double)k / (NT - 1);
  int st = uat_node_predict(m, &j->s, d, j->rep.y0, NT, t, y, err);
  if (st == UAT_OK && truth) st = uat_node_truth(d, NT, t, truth, err);
  char title[256];
  snprintf(title, sizeof title, "%.180s: learned (dashed) and true, %zu observations", j->target,
           d->n);
  if (st == UAT_OK)
    st = uat_plot_trajectory_fit(base, t, truth, y, NT, d->t, d->obs, d->n, d->dim,
                                 d->like.state_names, title, err);
  free(t);
  free(y);
  free(truth);
  return st;
}
