/* fitjob.c — fits described by `uat fit`'s options as strings (uat/fitjob.h): what bindings
 * call, with the command's semantics (the trainer resets its parameters, layers are checked
 * against the target, data columns join the target spec). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uat/fitjob.h"
#include "uat/io.h"
#include "uat/limits.h"
#include "uat/node.h"
#include "uat/util.h"

#define MAX_TUNE 32
#define MAX_TEXT 4096

struct uat_fit_job {
  uat_run_spec spec;
  char target[MAX_TEXT], domain[MAX_TEXT], data_spec[3 * MAX_TEXT];
  char layers[MAX_TEXT], hidden[MAX_TEXT], x[MAX_TEXT], y[MAX_TEXT], split[64];
  char tune[MAX_TUNE][256];
  size_t n_tune, widths[UAT_MAX_LAYERS + 1];
  int max_iter_set, has_target, has_domain, ran;
  uat_target *t;
  uat_run_result result;
  uat_node_job *node; /* an ode-data: target: a neural-ODE fit takes every option */
};

uat_fit_job *uat_fit_job_alloc(void) {
  uat_fit_job *j = calloc(1, sizeof *j);
  if (j == NULL) return NULL;
  uat_run_spec_defaults(&j->spec);
  j->spec.max_memory = uat_default_memory_budget();
  return j;
}

void uat_fit_job_free(uat_fit_job *j) {
  if (j == NULL) return;
  uat_node_job_free(j->node);
  uat_target_free(j->t);
  free(j);
}

static int bad(uat_error *err, const char *key, const char *value) {
  return uat_error_set(err, UAT_EINVAL, "--%s: unexpected value '%s'", key, value);
}

static int copy(char *dst, size_t len, const char *key, const char *value, uat_error *err) {
  if (strlen(value) >= len) return uat_error_set(err, UAT_EINVAL, "--%s: too long", key);
  memcpy(dst, value, strlen(value) + 1);
  return UAT_OK;
}

/* --trainer: that trainer's defaults, keeping what the command keeps. */
static int set_trainer(uat_fit_job *j, const char *value, uat_error *err) {
  uat_fit_kind k;
  if (uat_fit_kind_parse(value, &k) != UAT_OK) {
    char names[512];
    uat_fit_kind_list(names, sizeof names);
    return uat_error_set(err, UAT_EINVAL, "--trainer: expected one of %s, found '%s'", names,
                         value);
  }
  uat_fit_params_switch(&j->spec.fit, k, j->max_iter_set);
  return UAT_OK;
}

static int set_number(uat_fit_job *j, const char *key, const char *v, uat_error *err) {
  uat_fit_params *f = &j->spec.fit;
  size_t z = 0;
  int ok = 1;
  if (strcmp(key, "boost") == 0)
    ok = uat_parse_size(v, &f->boost) == 0 && f->boost > 0;
  else if (strcmp(key, "target-rmse") == 0)
    ok = uat_parse_double(v, &f->target_rmse) == 0 && f->target_rmse >= 0;
  else if (strcmp(key, "max-iter") == 0)
    ok = (j->max_iter_set = 1) && uat_parse_size(v, &f->max_iter) == 0 && f->max_iter > 0;
  else if (strcmp(key, "max-seconds") == 0)
    ok = uat_parse_double(v, &f->max_seconds) == 0 && f->max_seconds > 0;
  else if (strcmp(key, "lr") == 0)
    ok = uat_parse_double(v, &f->lr) == 0 && f->lr > 0 && isfinite(f->lr);
  else if (strcmp(key, "batch") == 0)
    ok = uat_parse_size(v, &f->batch) == 0;
  else if (strcmp(key, "train") == 0)
    ok = uat_parse_size(v, &j->spec.train_n) == 0 && j->spec.train_n > 0;
  else if (strcmp(key, "test") == 0)
    ok = uat_parse_size(v, &j->spec.test_n) == 0 && j->spec.test_n > 1;
  else if (strcmp(key, "seed") == 0)
    ok = uat_parse_size(v, &z) == 0, j->spec.seed = (unsigned long)z;
  else if (strcmp(key, "max-memory") == 0)
    ok = uat_parse_bytes(v, &j->spec.max_memory) == 0 && j->spec.max_memory > 0;
  else
    return uat_error_set(err, UAT_EINVAL, "--%s: not an option of uat fit", key);
  return ok ? UAT_OK : bad(err, key, v);
}

static int set_choice(uat_fit_job *j, const char *key, const char *v, uat_error *err) {
  uat_run_spec *s = &j->spec;
  int st = UAT_OK;
  if (strcmp(key, "act") == 0)
    st = uat_activation_parse(v, &s->act);
  else if (strcmp(key, "out-act") == 0)
    st = uat_activation_parse(v, &s->out_act);
  else if (strcmp(key, "loss") == 0)
    st = uat_loss_parse(v, &s->fit.loss);
  else if (strcmp(key, "points") == 0)
    st = uat_points_parse(v, &s->points);
  else if (strcmp(key, "init") == 0)
    st = uat_init_rule_parse(v, &s->init.weights);
  else
    return set_number(j, key, v, err);
  return st == UAT_OK ? UAT_OK : bad(err, key, v);
}

int uat_fit_job_set(uat_fit_job *j, const char *key, const char *value, uat_error *err) {
  uat_error_clear(err);
  if (key == NULL || value == NULL) return uat_error_set(err, UAT_EINVAL, "no key or value");
  j->ran = 0;
  if (strcmp(key, "target") == 0 && strncmp(value, "ode-data:", 9) == 0 && j->node == NULL &&
      (j->node = uat_node_job_alloc()) == NULL)
    return uat_error_set(err, UAT_ENOMEM, "out of memory");
  if (j->node) return uat_node_job_set(j->node, key, value, err);
  if (strcmp(key, "target") == 0)
    return (j->has_target = 1), copy(j->target, MAX_TEXT, key, value, err);
  if (strcmp(key, "domain") == 0)
    return (j->has_domain = 1), copy(j->domain, MAX_TEXT, key, value, err);
  if (strcmp(key, "layers") == 0) return copy(j->layers, MAX_TEXT, key, value, err);
  if (strcmp(key, "hidden") == 0) return copy(j->hidden, MAX_TEXT, key, value, err);
  if (strcmp(key, "x") == 0) return copy(j->x, MAX_TEXT, key, value, err);
  if (strcmp(key, "y") == 0) return copy(j->y, MAX_TEXT, key, value, err);
  if (strcmp(key, "test-rows") == 0) return copy(j->split, sizeof j->split, key, value, err);
  if (strcmp(key, "no-bias") == 0) return (j->spec.no_bias = 1), UAT_OK;
  if (strcmp(key, "trainer") == 0) return set_trainer(j, value, err);
  if (strcmp(key, "tune") == 0) {
    if (j->n_tune == MAX_TUNE) return bad(err, key, value);
    return copy(j->tune[j->n_tune++], sizeof j->tune[0], key, value, err);
  }
  if (strcmp(key, "plateau") == 0) {
    char buf[128];
    const char *colon = strchr(value, ':');
    if (colon == NULL || (size_t)(colon - value) >= sizeof buf) return bad(err, key, value);
    memcpy(buf, value, (size_t)(colon - value));
    buf[colon - value] = '\0';
    return uat_parse_size(buf, &j->spec.fit.plateau_window) == 0 &&
                   uat_parse_double(colon + 1, &j->spec.fit.plateau_rel) == 0
               ? UAT_OK
               : bad(err, key, value);
  }
  return set_choice(j, key, value, err);
}

/* The options that need the target: layers and the tuning (after the trainer). */
static int prepare(uat_fit_job *j, uat_error *err) {
  uat_run_spec *s = &j->spec;
  if (!j->has_target) return uat_error_set(err, UAT_EINVAL, "expected a target");
  s->target = j->target;
  if (j->x[0] || j->y[0] || j->split[0]) {
    const int st =
        uat_target_data_spec(j->target, j->x[0] ? j->x : NULL, j->y[0] ? j->y : NULL,
                             j->split[0] ? j->split : NULL, j->data_spec, sizeof j->data_spec, err);
    if (st != UAT_OK) return st;
    s->target = j->data_spec;
  }
  s->domain = j->has_domain ? j->domain : NULL;
  for (size_t k = 0; k < j->n_tune; k++) {
    uat_error inner;
    if (uat_fit_tuning_set_pair(&s->fit.tune, j->tune[k], &inner) != UAT_OK)
      return uat_error_set(err, UAT_EINVAL, "--tune: %s", inner.msg);
  }
  uat_target_free(j->t);
  j->t = NULL;
  int st = uat_target_alloc(s->target, s->domain, &j->t, err);
  if (st != UAT_OK) return st;
  size_t n = 0, *w = j->widths;
  if (j->hidden[0]) {
    s->hidden = w;
    if (uat_parse_widths(j->hidden, w, UAT_MAX_LAYERS - 1, &s->n_hidden) != 0)
      return uat_error_set(err, UAT_EINVAL,
                           "--hidden: expected widths like 32 or 16,16, found '%s'", j->hidden);
  } else if (j->layers[0]) {
    if (uat_parse_widths(j->layers, w, UAT_MAX_LAYERS + 1, &n) != 0 || n < 2)
      return uat_error_set(err, UAT_EINVAL, "--layers: expected IN,OUT or IN,H,...,OUT, found '%s'",
                           j->layers);
    if (w[0] != uat_target_in(j->t) || w[n - 1] != uat_target_out(j->t))
      return uat_error_set(err, UAT_EINVAL, "--layers: %s has %zu inputs and %zu outputs, found %s",
                           uat_target_describe(j->t), uat_target_in(j->t), uat_target_out(j->t),
                           j->layers);
    s->n_hidden = n - 2;
    s->hidden = w + 1;
  }
  return UAT_OK;
}

int uat_fit_job_run(uat_fit_job *j, uat_mlp **model, uat_error *err) {
  uat_error_clear(err);
  if (model) *model = NULL;
  j->ran = 0;
  if (j->node) return uat_node_job_run(j->node, model, err);
  int st = prepare(j, err);
  if (st != UAT_OK) return st;
  st = uat_run(&j->spec, model, &j->result, err);
  j->ran = st == UAT_OK;
  return st;
}

void uat_run_print(FILE *fp, const uat_run_spec *s, const uat_target *t, const uat_run_result *r) {
  fprintf(fp, "target = %s\nlayers = %zu", uat_target_describe(t), uat_target_in(t));
  for (size_t l = 0; l < s->n_hidden; l++) fprintf(fp, ",%zu", uat_run_spec_hidden(s, l));
  fprintf(fp, ",%zu\nact = %s\n", uat_target_out(t), uat_activation_name(s->act));
  if (s->out_act != UAT_ACT_IDENTITY)
    fprintf(fp, "out_act = %s\n", uat_activation_name(s->out_act));
  if (s->fit.loss != UAT_LOSS_MSE) fprintf(fp, "loss = %s\n", uat_loss_name(s->fit.loss));
  if (s->no_bias) fprintf(fp, "bias = no\n");
  fprintf(fp, "trainer = %s\nboost = %zu\nseed = %lu\nparams = %zu\n",
          uat_fit_kind_name(s->fit.kind), s->fit.boost, s->seed, r->params);
  if (uat_target_get_kind(t) == UAT_TARGET_DATA)
    fprintf(fp, "train_points = %zu\n", r->train_points);
  else
    fprintf(fp, "points = %s\ntrain_points = %zu\n", uat_points_name(s->points), r->train_points);
  fprintf(fp, "iterations = %zu\nevaluations = %zu\nstop = %s\nseconds = %.3f\ntrain_rmse = %.6e\n",
          r->fit.iterations, r->fit.evaluations, uat_stop_reason_name(r->fit.stop), r->fit.seconds,
          r->fit.rmse);
  if (r->fit.updates > 0) fprintf(fp, "updates = %zu\n", r->fit.updates);
}

size_t uat_fit_job_report(const uat_fit_job *j, char *buf, size_t len) {
  if (j->node) return uat_node_job_report(j->node, buf, len);
  if (!j->ran) {
    if (len > 0) buf[0] = '\0';
    return 0;
  }
  char *text = NULL;
  size_t size = 0;
  FILE *fp = open_memstream(&text, &size);
  if (fp == NULL) return 0;
  uat_run_print(fp, &j->spec, j->t, &j->result);
  uat_fit_report_print(fp, &j->result.report, j->t);
  fclose(fp);
  if (buf && len > 0) snprintf(buf, len, "%s", text ? text : "");
  free(text);
  return size;
}

int uat_fit_job_save(const uat_fit_job *j, const uat_mlp *m, const char *path, uat_error *err) {
  if (j->node) return uat_node_job_save(j->node, m, path, err);
  uat_model_info info;
  int st = uat_run_model_info(&j->spec, &info, err);
  if (st == UAT_OK) st = uat_mlp_save_info(path, m, &info, err);
  uat_model_info_free(&info);
  return st;
}

const uat_run_spec *uat_fit_job_spec(const uat_fit_job *j) { return &j->spec; }
const uat_run_result *uat_fit_job_result(const uat_fit_job *j) {
  return j->ran ? &j->result : NULL;
}

int uat_eval_report(uat_mlp *m, const char *target, const char *domain, size_t test_n,
                    unsigned long seed, char **text, uat_error *err) {
  *text = NULL;
  uat_target *t = NULL;
  int st = uat_target_alloc(target, domain, &t, err);
  if (st != UAT_OK) return st;
  if (uat_mlp_in(m) != uat_target_in(t) || uat_mlp_out(m) != uat_target_out(t)) {
    st = uat_error_set(
        err, UAT_EINVAL, "the network has %zu inputs and %zu outputs; %s has %zu and %zu",
        uat_mlp_in(m), uat_mlp_out(m), uat_target_describe(t), uat_target_in(t), uat_target_out(t));
    uat_target_free(t);
    return st;
  }
  const size_t n = test_n ? test_n : uat_run_default_test(uat_target_in(t));
  uat_dataset *test = uat_target_get_kind(t) == UAT_TARGET_DATA
                          ? uat_target_data_rows(t, 1, seed, err)
                          : uat_target_sample(t, UAT_POINTS_GRID, n, 0, err);
  uat_fit_report r;
  st = test ? uat_fit_report_compute(m, t, test, &r, err) : err->status;
  size_t size = 0;
  FILE *fp = st == UAT_OK ? open_memstream(text, &size) : NULL;
  if (fp) {
    fprintf(fp, "target = %s\nparams = %zu\n", uat_target_describe(t), m->n_params);
    uat_fit_report_print(fp, &r, t);
    fclose(fp);
  } else if (st == UAT_OK) {
    st = uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  uat_dataset_free(test);
  uat_target_free(t);
  return st;
}
