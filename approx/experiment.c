/* experiment.c — reading experiment files. */
#define _DEFAULT_SOURCE
#include "uat/experiment.h"
#include <ctype.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uat/limits.h"
#include "uat/util.h"

/* Keys seen so far, as "section\nkey", to refuse a key given twice. */
enum { SEEN_MAX = 512, SEEN_LEN = 160 };

typedef struct {
  uat_experiment *e;
  char msg[300];
  char (*seen)[SEEN_LEN];
  size_t n_seen;
} parse_ctx;

static int fail(parse_ctx *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int fail(parse_ctx *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->msg, sizeof c->msg, fmt, ap);
  va_end(ap);
  return 0; /* tells libinih to stop at this line */
}

/* Split a comma-separated list, trimming blanks; calls item() for each. */
static int each_item(const char *value, int (*item)(parse_ctx *, const char *, void *),
                     parse_ctx *c, void *arg) {
  char buf[2048];
  if (strlen(value) >= sizeof buf) return 0;
  strcpy(buf, value);
  char *save = NULL;
  for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    while (isspace((unsigned char)*tok)) tok++;
    char *end = tok + strlen(tok);
    while (end > tok && isspace((unsigned char)end[-1])) *--end = '\0';
    if (!item(c, tok, arg)) return 0;
  }
  return 1;
}

static int add_width(parse_ctx *c, const char *s, void *arg) {
  size_t *n = arg, v;
  size_t *list = n == &c->e->n_widths ? c->e->widths : c->e->depths;
  const size_t most = list == c->e->depths ? UAT_MAX_LAYERS - 1 : UAT_MAX_WIDTH;
  if (uat_parse_size(s, &v) != 0 || v == 0 || v > most || *n == UAT_EXP_MAX_LIST)
    return fail(c, "expected integers from 1 to %zu, found '%s'", most, s);
  list[(*n)++] = v;
  return 1;
}

static int add_act(parse_ctx *c, const char *s, void *arg) {
  (void)arg;
  if (c->e->n_acts == UAT_EXP_MAX_LIST ||
      uat_activation_parse(s, &c->e->acts[c->e->n_acts]) != UAT_OK)
    return fail(
        c, "expected activations (tanh, sigmoid, relu, softplus, sin, step, identity), found '%s'",
        s);
  c->e->n_acts++;
  return 1;
}

static int add_trainer(parse_ctx *c, const char *s, void *arg) {
  (void)arg;
  if (c->e->n_trainers == UAT_EXP_MAX_LIST ||
      uat_fit_kind_parse(s, &c->e->trainers[c->e->n_trainers]) != UAT_OK) {
    char names[256];
    uat_fit_kind_list(names, sizeof names);
    return fail(c, "expected trainers (%s), found '%s'", names, s);
  }
  c->e->n_trainers++;
  return 1;
}

static int add_seeds(parse_ctx *c, const char *s, void *arg) {
  (void)arg;
  unsigned long a, b;
  if (uat_parse_seeds(s, &a, &b) != 0 || b - a >= UAT_EXP_MAX_SEEDS ||
      c->e->n_seeds + (b - a + 1) > UAT_EXP_MAX_SEEDS)
    return fail(c, "expected seeds S or A:B, found '%s'", s);
  /* counted, not compared: b may be the largest unsigned long */
  for (unsigned long k = 0; k <= b - a; k++) c->e->seeds[c->e->n_seeds++] = a + k;
  return 1;
}

static int size_value(parse_ctx *c, const char *name, const char *value, size_t *out,
                      int positive) {
  if (uat_parse_size(value, out) != 0 || (positive && *out == 0))
    return fail(c, "%s: expected a %s integer", name, positive ? "positive" : "non-negative");
  return 1;
}

static int double_value(parse_ctx *c, const char *name, const char *value, double *out) {
  if (uat_parse_double(value, out) != 0 || !(*out >= 0) || !isfinite(*out))
    return fail(c, "%s: expected a number >= 0, found '%s'", name, value);
  return 1;
}

static int target_key(parse_ctx *c, uat_exp_target *t, const char *name, const char *value) {
  if (strcmp(name, "spec") == 0) {
    snprintf(t->spec, sizeof t->spec, "%s", value);
    return 1;
  }
  if (strcmp(name, "domain") == 0) {
    snprintf(t->domain, sizeof t->domain, "%s", value);
    return 1;
  }
  if (strcmp(name, "train") == 0) return size_value(c, name, value, &t->train, 1);
  if (strcmp(name, "points") == 0)
    return uat_points_parse(value, &t->points) == UAT_OK
               ? 1
               : fail(c, "points: expected grid, chebyshev, random or trajectory, found '%s'",
                      value);
  if (strcmp(name, "rollout") == 0) {
    if (strcmp(value, "no") == 0) return 1;
    if (sscanf(value, "%lf:%lf:%zu", &t->rollout_t0, &t->rollout_t1, &t->rollout_n) != 3 ||
        !(t->rollout_t1 > t->rollout_t0) || t->rollout_n < 2 || t->rollout_n > UAT_MAX_POINTS ||
        !isfinite(t->rollout_t0) || !isfinite(t->rollout_t1))
      return fail(c, "rollout: expected START:STOP:COUNT or no, found '%s'", value);
    t->rollout = 1;
    return 1;
  }
  return fail(c, "unknown key '%s' in a [target] section (spec, domain, train, points, rollout)",
              name);
}

/* 1 if section/name has not been given before (and records it), else 0. */
static int first_time(parse_ctx *c, const char *section, const char *name) {
  char key[SEEN_LEN];
  snprintf(key, sizeof key, "%s\n%s", section, name);
  for (size_t i = 0; i < c->n_seen; i++)
    if (strcmp(c->seen[i], key) == 0) return 0;
  if (c->n_seen < SEEN_MAX) snprintf(c->seen[c->n_seen++], SEEN_LEN, "%s", key);
  return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value) {
  parse_ctx *c = user;
  uat_experiment *e = c->e;
  if (!first_time(c, section, name))
    return fail(c, "'%s' is given twice in [%s]: say it once", name, section);
  if (strcmp(section, "experiment") == 0) {
    if (strcmp(name, "name") == 0) {
      /* the name becomes a folder under results/: a file name, never a path */
      int ok = value[0] != '\0' && value[0] != '.' && strlen(value) < sizeof e->name;
      for (const char *p = value; ok && *p; p++)
        ok = isalnum((unsigned char)*p) || *p == '.' || *p == '_' || *p == '-';
      if (!ok)
        return fail(c,
                    "name: expected a file name (letters, digits, '.', '_', '-'; not starting "
                    "with '.'), found '%s'",
                    value);
      snprintf(e->name, sizeof e->name, "%s", value);
    } else if (strcmp(name, "description") == 0)
      snprintf(e->description, sizeof e->description, "%s", value);
    else
      return fail(c, "unknown key '%s' in [experiment] (name, description)", name);
    return 1;
  }
  if (strncmp(section, "target ", 7) == 0) {
    const char *tname = section + 7;
    size_t i = 0;
    while (i < e->n_targets && strcmp(e->targets[i].name, tname) != 0) i++;
    if (i == e->n_targets) {
      if (e->n_targets == UAT_EXP_MAX_TARGETS)
        return fail(c, "at most %d targets", UAT_EXP_MAX_TARGETS);
      if (strlen(tname) == 0 || strlen(tname) >= 32 || strpbrk(tname, ",\" ") != NULL)
        return fail(c,
                    "expected [target NAME] with a short name without commas, quotes or blanks, "
                    "found [%s]",
                    section);
      memset(&e->targets[i], 0, sizeof e->targets[i]);
      snprintf(e->targets[i].name, 32, "%s", tname);
      e->targets[i].train = 256;
      e->n_targets++;
    }
    return target_key(c, &e->targets[i], name, value);
  }
  if (strcmp(section, "sweep") == 0) {
    if (strcmp(name, "widths") == 0) return each_item(value, add_width, c, &e->n_widths);
    if (strcmp(name, "depths") == 0) return each_item(value, add_width, c, &e->n_depths);
    if (strcmp(name, "activations") == 0) return each_item(value, add_act, c, NULL);
    if (strcmp(name, "trainers") == 0) return each_item(value, add_trainer, c, NULL);
    if (strcmp(name, "seeds") == 0) return each_item(value, add_seeds, c, NULL);
    return fail(c, "unknown key '%s' in [sweep] (widths, depths, activations, trainers, seeds)",
                name);
  }
  if (strcmp(section, "train") == 0) {
    if (strcmp(name, "max_iter") == 0) {
      e->max_iter_set = 1;
      return size_value(c, name, value, &e->fit.max_iter, 1);
    }
    if (strcmp(name, "target_rmse") == 0) return double_value(c, name, value, &e->fit.target_rmse);
    if (strcmp(name, "boost") == 0) return size_value(c, name, value, &e->fit.boost, 1);
    if (strcmp(name, "lr") == 0) return double_value(c, name, value, &e->fit.lr);
    if (strcmp(name, "batch") == 0) return size_value(c, name, value, &e->fit.batch, 0);
    if (strcmp(name, "test") == 0) return size_value(c, name, value, &e->test, 0);
    if (strcmp(name, "normalise") == 0) {
      if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
        return fail(c, "normalise: expected yes or no, found '%s'", value);
      e->raw = strcmp(value, "no") == 0;
      return 1;
    }
    return fail(
        c, "unknown key '%s' in [train] (max_iter, target_rmse, boost, lr, batch, test, normalise)",
        name);
  }
  return fail(c, "unknown section [%s] (experiment, target NAME, sweep, train)", section);
}

/* libinih reads lines of at most INI_LONGEST characters and reports the rest of a longer one as
 * a malformed next line; say what is wrong, and where, before it does. */
enum { INI_LONGEST = 199 };

static int check_line_lengths(const char *path, uat_error *err) {
  FILE *fp = fopen(path, "r");
  if (fp == NULL) return uat_error_set(err, UAT_EIO, "%s: cannot open", path);
  size_t line = 1, len = 0;
  int ch, rc = UAT_OK;
  while (rc == UAT_OK && (ch = fgetc(fp)) != EOF) {
    if (ch == '\n') {
      line++;
      len = 0;
    } else if (ch != '\r' && ++len > INI_LONGEST) {
      rc = uat_error_set(err, UAT_EFORMAT, "%s:%zu: expected a line of at most %d characters", path,
                         line, INI_LONGEST);
    }
  }
  fclose(fp);
  return rc;
}

int uat_experiment_load(const char *path, uat_experiment *e, uat_error *err) {
  memset(e, 0, sizeof *e);
  e->fit = uat_fit_default_params(UAT_FIT_ADAM);
  const int lengths = check_line_lengths(path, err);
  if (lengths != UAT_OK) return lengths;
  parse_ctx c = {e, "", malloc(SEEN_MAX * sizeof *c.seen), 0};
  if (c.seen == NULL) return uat_error_set(err, UAT_ENOMEM, "%s: out of memory", path);
  const int line = ini_parse(path, handler, &c);
  free(c.seen);
  if (line == -1) return uat_error_set(err, UAT_EIO, "%s: cannot open", path);
  if (line == -2) return uat_error_set(err, UAT_ENOMEM, "%s: out of memory", path);
  if (line > 0)
    return uat_error_set(err, UAT_EFORMAT, "%s:%d: %s", path, line,
                         c.msg[0] ? c.msg : "expected [section], key = value, or a comment");
  const char *missing = e->n_targets == 0  ? "at least one [target NAME] section"
                        : e->n_widths == 0 ? "widths in [sweep]"
                        : e->n_seeds == 0  ? "seeds in [sweep]"
                                           : NULL;
  for (size_t i = 0; i < e->n_targets && missing == NULL; i++)
    if (e->targets[i].spec[0] == '\0') missing = "spec in every [target NAME] section";
  if (missing) return uat_error_set(err, UAT_EFORMAT, "%s: expected %s", path, missing);
  if (e->n_depths == 0) e->depths[e->n_depths++] = 1;
  if (e->n_acts == 0) e->acts[e->n_acts++] = UAT_ACT_TANH;
  if (e->n_trainers == 0) e->trainers[e->n_trainers++] = UAT_FIT_ADAM;
  if (e->name[0] == '\0') snprintf(e->name, sizeof e->name, "experiment");
  /* every target must parse, so that a bad spec stops everything before any run */
  for (size_t i = 0; i < e->n_targets; i++) {
    uat_target *t = NULL;
    uat_error terr;
    if (uat_target_alloc(e->targets[i].spec, e->targets[i].domain, &t, &terr) != UAT_OK)
      return uat_error_set(err, UAT_EFORMAT, "%s: [target %s]: %s", path, e->targets[i].name,
                           terr.msg);
    if (e->targets[i].rollout && uat_target_get_kind(t) != UAT_TARGET_FIELD) {
      uat_target_free(t);
      return uat_error_set(err, UAT_EFORMAT,
                           "%s: [target %s]: rollout needs an ode:SYSTEM:field target", path,
                           e->targets[i].name);
    }
    uat_target_free(t);
  }
  return UAT_OK;
}

size_t uat_experiment_runs(const uat_experiment *e) {
  return e->n_targets * e->n_depths * e->n_acts * e->n_trainers * e->n_widths * e->n_seeds;
}

void uat_experiment_index(const uat_experiment *e, size_t i, uat_run_index *ix) {
  ix->seed = i % e->n_seeds;
  i /= e->n_seeds;
  ix->width = i % e->n_widths;
  i /= e->n_widths;
  ix->trainer = i % e->n_trainers;
  i /= e->n_trainers;
  ix->act = i % e->n_acts;
  i /= e->n_acts;
  ix->depth = i % e->n_depths;
  ix->target = i / e->n_depths;
}

void uat_experiment_spec(const uat_experiment *e, size_t i, uat_run_spec *s) {
  uat_run_index ix;
  uat_experiment_index(e, i, &ix);
  const uat_exp_target *t = &e->targets[ix.target];
  uat_run_spec_defaults(s);
  s->target = t->spec;
  s->domain = t->domain[0] ? t->domain : NULL;
  s->n_hidden = e->depths[ix.depth];
  s->width = e->widths[ix.width];
  s->act = e->acts[ix.act];
  s->fit = uat_fit_default_params(e->trainers[ix.trainer]);
  if (e->max_iter_set) s->fit.max_iter = e->fit.max_iter;
  s->fit.target_rmse = e->fit.target_rmse;
  s->fit.boost = e->fit.boost ? e->fit.boost : 1;
  s->fit.lr = e->fit.lr;
  s->fit.batch = e->fit.batch;
  s->points = t->points;
  s->train_n = t->train;
  s->test_n = e->test;
  s->seed = e->seeds[ix.seed];
  s->raw = e->raw;
}
