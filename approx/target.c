/* target.c — targets (expressions, ODE trajectories and fields, truth tables) and sampling. */
#define _DEFAULT_SOURCE /* M_PI, strtok_r */
#include "uat/target.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uat/expr.h"
#include "uat/init.h"
#include "uat/io.h"
#include "uat/util.h"

enum { MAXD = UAT_TARGET_MAX_DIM, DENSE = 20001 };

struct uat_target {
  uat_target_kind kind;
  char desc[600];
  size_t in, out;
  double lo[MAXD], hi[MAXD];
  char in_names[MAXD][32], out_names[MAXD][32];
  /* expression */
  uat_expr *e;
  uat_expr_program *prog, *dprog[MAXD];
  /* ODE */
  const uat_ode_system *sys;
  uat_ode_trajectory *dense; /* trajectory on DENSE equally spaced times */
  double *dense_f;           /* the field at each dense point (Hermite slopes) */
  double jac[MAXD * MAXD];
  /* truth table */
  char *bits;
  /* data file */
  uat_table *table;
  size_t xcol[MAXD], ycol[MAXD];
  size_t classes;   /* > 0: ycol[0] is a label column of this many classes */
  long test_col;    /* >= 0: rows where this column is not 0 are test rows */
  double test_frac; /* otherwise this fraction, drawn by the seed */
};

static const char *const points_names[] = {"grid", "chebyshev", "random", "trajectory"};

enum { N_POINTS = sizeof points_names / sizeof *points_names };

int uat_points_parse(const char *name, uat_points *p) {
  int k = 0;
  const int st = uat_enum_parse(points_names, N_POINTS, name, &k);
  if (st == UAT_OK) *p = (uat_points)k;
  return st;
}

const char *uat_points_name(uat_points p) { return uat_enum_name(points_names, N_POINTS, (int)p); }

void uat_target_free(uat_target *t) {
  if (t == NULL) return;
  uat_expr_free(t->e);
  uat_expr_program_free(t->prog);
  for (size_t j = 0; j < MAXD; j++) uat_expr_program_free(t->dprog[j]);
  uat_ode_trajectory_free(t->dense);
  free(t->dense_f);
  free(t->bits);
  uat_table_free(t->table);
  free(t);
}

size_t uat_target_classes(const uat_target *t) { return t->classes; }

uat_target_kind uat_target_get_kind(const uat_target *t) { return t->kind; }
size_t uat_target_in(const uat_target *t) { return t->in; }
size_t uat_target_out(const uat_target *t) { return t->out; }
const double *uat_target_lo(const uat_target *t) { return t->lo; }
const double *uat_target_hi(const uat_target *t) { return t->hi; }
const char *uat_target_input_name(const uat_target *t, size_t i) { return t->in_names[i]; }
const char *uat_target_output_name(const uat_target *t, size_t i) { return t->out_names[i]; }
const char *uat_target_describe(const uat_target *t) { return t->desc; }
const uat_ode_system *uat_target_system(const uat_target *t) { return t->sys; }

/* A bound: a constant expression such as -pi or 2.5e-3. */
static int parse_bound(const char *text, double *v, uat_error *err) {
  uat_expr *e = NULL;
  uat_expr_program *p = NULL;
  uat_error perr;
  if (uat_expr_parse(text, &e, &perr) != UAT_OK)
    return uat_error_set(err, UAT_EFORMAT, "domain: bound '%s': %s", text, perr.msg);
  const int st = uat_expr_compile(e, 0, NULL, &p, &perr);
  uat_expr_free(e);
  if (st != UAT_OK)
    return uat_error_set(err, UAT_EFORMAT, "domain: bound '%s' is not a constant: %s", text,
                         perr.msg);
  *v = uat_expr_program_eval(p, NULL);
  uat_expr_program_free(p);
  return isfinite(*v) ? UAT_OK
                      : uat_error_set(err, UAT_EFORMAT, "domain: bound '%s' is not finite", text);
}

/* "x=-pi:pi,y=0:1" or "LO:HI" (one variable named default_name). */
static int parse_domain(uat_target *t, const char *domain, const char *default_name,
                        uat_error *err) {
  char buf[1024];
  if (strlen(domain) >= sizeof buf) return uat_error_set(err, UAT_EFORMAT, "domain: too long");
  strcpy(buf, domain);
  t->in = 0;
  char *save = NULL;
  for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    if (t->in == MAXD) return uat_error_set(err, UAT_EINVAL, "domain: at most %d variables", MAXD);
    char *eq = strchr(item, '='), *range = eq ? eq + 1 : item, *colon = strchr(range, ':');
    const char *name = eq ? item : default_name;
    if (eq) *eq = '\0';
    if (colon == NULL || strlen(name) == 0 || strlen(name) >= 32)
      return uat_error_set(err, UAT_EFORMAT, "domain: expected NAME=LO:HI or LO:HI, found '%s'",
                           item);
    *colon = '\0';
    int st = parse_bound(range, &t->lo[t->in], err);
    if (st == UAT_OK) st = parse_bound(colon + 1, &t->hi[t->in], err);
    if (st != UAT_OK) return st;
    if (!(t->hi[t->in] > t->lo[t->in]))
      return uat_error_set(err, UAT_EFORMAT, "domain: expected LO < HI for %s", name);
    /* inputs are mapped to [-1, 1] through the width: it must be a finite number */
    if (!isfinite(t->hi[t->in] - t->lo[t->in]))
      return uat_error_set(err, UAT_EFORMAT,
                           "domain: the width of %s's range, HI - LO, overflows a double", name);
    snprintf(t->in_names[t->in], 32, "%s", name);
    t->in++;
  }
  if (t->in == 0) return uat_error_set(err, UAT_EFORMAT, "domain: expected NAME=LO:HI");
  return UAT_OK;
}

static int setup_expr(uat_target *t, const char *spec, const char *domain, uat_error *err) {
  uat_error perr;
  if (uat_expr_parse(spec, &t->e, &perr) != UAT_OK)
    return uat_error_set(err, UAT_EFORMAT, "target '%s': %s", spec, perr.msg);
  int st = parse_domain(t, domain && *domain ? domain : "-1:1", "x", err);
  if (st != UAT_OK) return st;
  const char *names[MAXD];
  for (size_t i = 0; i < t->in; i++) names[i] = t->in_names[i];
  if (uat_expr_compile(t->e, t->in, names, &t->prog, &perr) != UAT_OK)
    return uat_error_set(err, UAT_EFORMAT, "target '%s': %s (give it a range in --domain)", spec,
                         perr.msg);
  for (size_t j = 0; j < t->in; j++) {
    uat_expr *d = uat_expr_diff(t->e, names[j]);
    st = d ? uat_expr_compile(d, t->in, names, &t->dprog[j], &perr) : UAT_ENOMEM;
    uat_expr_free(d);
    if (st != UAT_OK)
      return uat_error_set(err, st,
                           "target: its derivative (for the derivative norms) would exceed %d "
                           "nodes: give a shorter expression",
                           UAT_EXPR_MAX_NODES);
  }
  t->out = 1;
  snprintf(t->out_names[0], 32, "y");
  int n = snprintf(t->desc, sizeof t->desc, "%s on", spec);
  for (size_t i = 0; i < t->in && n > 0 && (size_t)n < sizeof t->desc; i++)
    n += snprintf(t->desc + n, sizeof t->desc - (size_t)n, "%s %s in [%.17g, %.17g]", i ? "," : "",
                  t->in_names[i], t->lo[i], t->hi[i]);
  return UAT_OK;
}

/* The dense reference trajectory: 20001 times over the span, rtol 1e-12. */
static int dense_solution(uat_target *t, double t0, double t1, uat_error *err) {
  double *times = malloc(DENSE * sizeof *times);
  if (times == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory");
  for (size_t k = 0; k < DENSE; k++) times[k] = t0 + (t1 - t0) * (double)k / (DENSE - 1);
  times[DENSE - 1] = t1;
  uat_ode_params p = uat_ode_default_params();
  p.rtol = 1e-12;
  p.atol = 1e-14;
  int st = uat_ode_solve(t->sys, NULL, t->sys->y0_default, DENSE, times, &p, &t->dense, NULL, err);
  free(times);
  if (st != UAT_OK) return st;
  const size_t dim = t->sys->dim;
  t->dense_f = malloc(DENSE * dim * sizeof *t->dense_f);
  if (t->dense_f == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory");
  for (size_t k = 0; k < DENSE; k++)
    if (uat_ode_eval_field(t->sys, NULL, t->dense->t[k], 1, t->dense->y + k * dim,
                           t->dense_f + k * dim) != UAT_OK)
      return uat_error_set(err, UAT_ESOLVER, "target: the right-hand side failed");
  return UAT_OK;
}

/* Cubic Hermite interpolation of the dense trajectory, with the exact field as slopes. */
static void hermite(const uat_target *t, double x, double *y) {
  const uat_ode_trajectory *d = t->dense;
  const size_t dim = d->dim;
  const double t0 = d->t[0], h = (d->t[d->n - 1] - t0) / (double)(d->n - 1);
  double u = (x - t0) / h;
  if (u < 0) u = 0;
  size_t k = (size_t)u;
  if (k >= d->n - 1) k = d->n - 2;
  const double s = u - (double)k, s2 = s * s, s3 = s2 * s;
  const double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2,
               h11 = s3 - s2;
  for (size_t i = 0; i < dim; i++)
    y[i] = h00 * d->y[k * dim + i] + h10 * h * t->dense_f[k * dim + i] +
           h01 * d->y[(k + 1) * dim + i] + h11 * h * t->dense_f[(k + 1) * dim + i];
}

static int setup_ode(uat_target *t, const char *spec, const char *domain, uat_error *err) {
  char name[64], what[32];
  if (sscanf(spec, "ode:%63[^:]:%31s", name, what) != 2)
    return uat_error_set(err, UAT_EFORMAT,
                         "target '%s': expected ode:SYSTEM:trajectory or ode:SYSTEM:field", spec);
  t->sys = uat_ode_catalogue_find(name);
  if (t->sys == NULL)
    return uat_error_set(err, UAT_ENOTFOUND, "target '%s': unknown system '%s' (uat ode --list)",
                         spec, name);
  const size_t dim = t->sys->dim;
  if (strcmp(what, "trajectory") == 0) {
    t->kind = UAT_TARGET_TRAJECTORY;
    char def[128];
    snprintf(def, sizeof def, "t=%.17g:%.17g", t->sys->t0_default, t->sys->t1_default);
    int st = parse_domain(t, domain && *domain ? domain : def, "t", err);
    if (st == UAT_OK && t->in != 1)
      st = uat_error_set(err, UAT_EFORMAT, "domain: a trajectory has one input, t");
    if (st == UAT_OK) st = dense_solution(t, t->lo[0], t->hi[0], err);
    if (st != UAT_OK) return st;
    t->out = dim;
    for (size_t i = 0; i < dim; i++) snprintf(t->out_names[i], 32, "%s", t->sys->state_names[i]);
  } else if (strcmp(what, "field") == 0) {
    t->kind = UAT_TARGET_FIELD;
    int st = dense_solution(t, t->sys->t0_default, t->sys->t1_default, err);
    if (st != UAT_OK) return st;
    if (domain && *domain) {
      st = parse_domain(t, domain, "x", err);
      if (st == UAT_OK && t->in != dim)
        st = uat_error_set(err, UAT_EFORMAT, "domain: %s has %zu states", name, dim);
      if (st != UAT_OK) return st;
    } else { /* the trajectory's bounding box, padded by 10% */
      if (t->dense == NULL) return uat_error_set(err, UAT_ESOLVER, "target: no trajectory");
      t->in = dim;
      for (size_t i = 0; i < dim; i++) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t k = 0; k < t->dense->n; k++) {
          lo = fmin(lo, t->dense->y[k * dim + i]);
          hi = fmax(hi, t->dense->y[k * dim + i]);
        }
        const double pad = 0.1 * (hi - lo > 0 ? hi - lo : 1.0);
        t->lo[i] = lo - pad;
        t->hi[i] = hi + pad;
      }
    }
    t->out = dim;
    for (size_t i = 0; i < dim; i++) {
      snprintf(t->in_names[i], 32, "%s", t->sys->state_names[i]);
      snprintf(t->out_names[i], 32, "d%s", t->sys->state_names[i]);
    }
  } else {
    return uat_error_set(err, UAT_EFORMAT,
                         "target '%s': expected trajectory or field after the system", spec);
  }
  int n = snprintf(t->desc, sizeof t->desc, "%s of %s on", what, name);
  for (size_t i = 0; i < t->in && n > 0 && (size_t)n < sizeof t->desc; i++)
    n += snprintf(t->desc + n, sizeof t->desc - (size_t)n, "%s %s in [%.6g, %.6g]", i ? "," : "",
                  t->in_names[i], t->lo[i], t->hi[i]);
  return UAT_OK;
}

static int setup_bool(uat_target *t, const char *spec, uat_error *err) {
  const char *b = spec + 5;
  const size_t len = strlen(b);
  size_t n = 0;
  while (((size_t)1 << n) < len && n < MAXD) n++;
  if (len < 2 || ((size_t)1 << n) != len || strspn(b, "01") != len)
    return uat_error_set(err, UAT_EFORMAT,
                         "target '%s': expected bool: and 2^n digits 0 or 1 (bool:0110 is XOR)",
                         spec);
  t->kind = UAT_TARGET_BOOL;
  t->bits = malloc(len + 1);
  if (t->bits == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory");
  memcpy(t->bits, b, len + 1);
  t->in = n;
  t->out = 1;
  for (size_t i = 0; i < n; i++) {
    t->lo[i] = 0.0;
    t->hi[i] = 1.0;
    snprintf(t->in_names[i], 32, "x%zu", i + 1);
  }
  snprintf(t->out_names[0], 32, "y");
  snprintf(t->desc, sizeof t->desc, "truth table %s of %zu inputs", b, n);
  return UAT_OK;
}

/* "A,B,C" into column indices of the data file; UAT_OK or an error naming the column. */
static int data_columns(uat_target *t, const char *spec, const char *list, size_t *cols, size_t *n,
                        uat_error *err) {
  *n = 0;
  for (const char *p = list;;) {
    const size_t len = strcspn(p, ",");
    char name[256];
    if (len == 0 || len >= sizeof name)
      return uat_error_set(err, UAT_EFORMAT, "target '%s': expected column names, found '%s'", spec,
                           list);
    memcpy(name, p, len);
    name[len] = '\0';
    const long j = uat_table_column(t->table, name);
    if (j < 0)
      return uat_error_set(err, UAT_EFORMAT, "target '%s': no column '%s' in the file", spec, name);
    if (*n == MAXD)
      return uat_error_set(err, UAT_EFORMAT, "target '%s': at most %d columns", spec, MAXD);
    cols[(*n)++] = (size_t)j;
    p += len;
    if (*p == '\0') return UAT_OK;
    p++;
  }
}

/* The options after the file name: x=..., y=..., test=... */
static int data_options(uat_target *t, const char *spec, char *opts, uat_error *err) {
  char *save = NULL;
  int st = UAT_OK;
  for (char *tok = strtok_r(opts, ":", &save); tok && st == UAT_OK;
       tok = strtok_r(NULL, ":", &save)) {
    if (strncmp(tok, "x=", 2) == 0)
      st = data_columns(t, spec, tok + 2, t->xcol, &t->in, err);
    else if (strncmp(tok, "y=", 2) == 0)
      st = data_columns(t, spec, tok + 2, t->ycol, &t->out, err);
    else if (strncmp(tok, "test=", 5) == 0) {
      if (uat_parse_double(tok + 5, &t->test_frac) == 0) {
        if (!(t->test_frac > 0 && t->test_frac < 1))
          st = uat_error_set(err, UAT_EFORMAT,
                             "target '%s': test=%s: expected a fraction "
                             "between 0 and 1 or a column",
                             spec, tok + 5);
      } else if ((t->test_col = uat_table_column(t->table, tok + 5)) < 0) {
        st = uat_error_set(err, UAT_EFORMAT, "target '%s': no column '%s' in the file", spec,
                           tok + 5);
      }
    } else {
      st = uat_error_set(err, UAT_EFORMAT, "target '%s': expected x=, y= or test=, found '%s'",
                         spec, tok);
    }
  }
  return st;
}

/* The roles of the columns, checked: numeric inputs, numeric outputs or one label column. */
static int data_roles(uat_target *t, const char *spec, uat_error *err) {
  const uat_table *tb = t->table;
  if (t->out == 0) t->ycol[t->out++] = tb->cols - 1;
  if (t->in == 0)
    for (size_t j = 0; j < tb->cols && t->in < MAXD; j++) {
      int used = (long)j == t->test_col;
      for (size_t o = 0; o < t->out; o++) used |= t->ycol[o] == j;
      if (!used) t->xcol[t->in++] = j;
    }
  if (t->in == 0) return uat_error_set(err, UAT_EFORMAT, "target '%s': no input columns", spec);
  for (size_t i = 0; i < t->in; i++)
    if (tb->n_labels[t->xcol[i]] > 0 || tb->labels[t->xcol[i]] != NULL)
      return uat_error_set(err, UAT_EFORMAT,
                           "target '%s': input column '%s' holds text, expected numbers", spec,
                           tb->header[t->xcol[i]]);
  for (size_t o = 0; o < t->out; o++)
    if (tb->labels[t->ycol[o]] != NULL) {
      if (t->out != 1)
        return uat_error_set(err, UAT_EFORMAT,
                             "target '%s': a class column '%s' must be the "
                             "only output",
                             spec, tb->header[t->ycol[o]]);
      t->classes = tb->n_labels[t->ycol[0]];
    }
  if (t->classes > MAXD || t->classes == 1)
    return uat_error_set(err, UAT_EFORMAT, "target '%s': expected 2 to %d classes, found %zu", spec,
                         MAXD, t->classes);
  if (t->test_col >= 0 && tb->labels[t->test_col] != NULL)
    return uat_error_set(err, UAT_EFORMAT,
                         "target '%s': test column '%s' holds text, expected "
                         "0 or 1",
                         spec, tb->header[t->test_col]);
  return UAT_OK;
}

/* Names, bounds (each input's range over all rows) and the description. */
static void data_describe(uat_target *t, const char *path) {
  const uat_table *tb = t->table;
  for (size_t i = 0; i < t->in; i++) {
    snprintf(t->in_names[i], 32, "%s", tb->header[t->xcol[i]]);
    t->lo[i] = INFINITY;
    t->hi[i] = -INFINITY;
    for (size_t r = 0; r < tb->rows; r++) {
      t->lo[i] = fmin(t->lo[i], tb->data[r * tb->cols + t->xcol[i]]);
      t->hi[i] = fmax(t->hi[i], tb->data[r * tb->cols + t->xcol[i]]);
    }
    if (!(t->hi[i] > t->lo[i])) t->hi[i] = t->lo[i] + 1; /* a constant column */
  }
  if (t->classes) {
    t->out = t->classes;
    for (size_t o = 0; o < t->classes; o++)
      snprintf(t->out_names[o], 32, "%s", tb->labels[t->ycol[0]][o]);
  } else {
    for (size_t o = 0; o < t->out; o++) snprintf(t->out_names[o], 32, "%s", tb->header[t->ycol[o]]);
  }
  snprintf(t->desc, sizeof t->desc, "%zu rows of %s: %zu inputs, %zu %s", tb->rows, path, t->in,
           t->classes ? t->classes : t->out, t->classes ? "classes" : "outputs");
}

static int setup_data(uat_target *t, const char *spec, uat_error *err) {
  char buf[4096];
  if (strlen(spec + 5) >= sizeof buf)
    return uat_error_set(err, UAT_EFORMAT, "target: data file name too long");
  strcpy(buf, spec + 5);
  char *opts = strchr(buf, ':');
  if (opts) *opts++ = '\0';
  t->kind = UAT_TARGET_DATA;
  t->test_col = -1;
  t->test_frac = 0.2;
  int st = uat_table_read_labels(buf, &t->table, err);
  if (st == UAT_OK && t->table->rows < 2)
    st = uat_error_set(err, UAT_EFORMAT, "%s: expected at least two rows", buf);
  if (st == UAT_OK && opts) st = data_options(t, spec, opts, err);
  if (st == UAT_OK) st = data_roles(t, spec, err);
  if (st == UAT_OK) data_describe(t, buf);
  return st;
}

/* Whether row r is a test row: by the column, or by its place in the seed's permutation. */
static int *data_test_rows(const uat_target *t, unsigned long seed) {
  const uat_table *tb = t->table;
  int *test = calloc(tb->rows, sizeof *test);
  size_t *perm = malloc(tb->rows * sizeof *perm);
  gsl_rng *r = uat_rng_alloc(seed);
  if (test && perm && r) {
    if (t->test_col >= 0) {
      for (size_t k = 0; k < tb->rows; k++) test[k] = tb->data[k * tb->cols + t->test_col] != 0;
    } else {
      for (size_t k = 0; k < tb->rows; k++) perm[k] = k;
      gsl_ran_shuffle(r, perm, tb->rows, sizeof *perm);
      size_t n = (size_t)llround(t->test_frac * (double)tb->rows);
      n = n < 1 ? 1 : n >= tb->rows ? tb->rows - 1 : n;
      for (size_t k = 0; k < n; k++) test[perm[k]] = 1;
    }
  } else {
    free(test);
    test = NULL;
  }
  free(perm);
  gsl_rng_free(r);
  return test;
}

uat_dataset *uat_target_data_rows(uat_target *t, int test, unsigned long seed, uat_error *err) {
  if (t->kind != UAT_TARGET_DATA) {
    uat_error_set(err, UAT_EINVAL, "target: not a data file");
    return NULL;
  }
  const uat_table *tb = t->table;
  int *is_test = data_test_rows(t, seed);
  size_t n = 0;
  for (size_t k = 0; is_test && k < tb->rows; k++) n += is_test[k] == (test != 0);
  uat_dataset *d = is_test && n ? uat_dataset_alloc(n, t->in, t->out) : NULL;
  if (d == NULL) {
    uat_error_set(err, is_test && n == 0 ? UAT_EINVAL : UAT_ENOMEM,
                  is_test && n == 0 ? "target: no %s rows" : "out of memory",
                  test ? "test" : "training");
    free(is_test);
    return NULL;
  }
  for (size_t k = 0, i = 0; k < tb->rows; k++) {
    if (is_test[k] != (test != 0)) continue;
    const double *row = tb->data + k * tb->cols;
    for (size_t j = 0; j < t->in; j++) d->x[i * t->in + j] = row[t->xcol[j]];
    for (size_t o = 0; o < t->out; o++)
      d->y[i * t->out + o] = t->classes ? (double)(row[t->ycol[0]] == (double)o) : row[t->ycol[o]];
    i++;
  }
  free(is_test);
  return d;
}

int uat_target_alloc(const char *spec, const char *domain, uat_target **out, uat_error *err) {
  *out = NULL;
  uat_target *t = calloc(1, sizeof *t);
  if (t == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory");
  int st;
  if (strncmp(spec, "ode-data:", 9) == 0) /* not a function to sample: a neural ODE's data */
    st = uat_error_set(err, UAT_EINVAL,
                       "'%s': ode-data: targets are fitted by `uat fit` alone (uat/node.h); a "
                       "model learned from them integrates with `uat ode SYSTEM --model M`",
                       spec);
  else if (strncmp(spec, "ode:", 4) == 0)
    st = setup_ode(t, spec, domain, err);
  else if (strncmp(spec, "bool:", 5) == 0)
    st = setup_bool(t, spec, err);
  else if (strncmp(spec, "data:", 5) == 0)
    st = setup_data(t, spec, err);
  else
    st = setup_expr(t, spec, domain, err);
  if (st != UAT_OK) {
    uat_target_free(t);
    return st;
  }
  *out = t;
  return UAT_OK;
}

int uat_target_eval(uat_target *t, const double *x, double *y) {
  switch (t->kind) {
  case UAT_TARGET_EXPR: y[0] = uat_expr_program_eval(t->prog, x); return UAT_OK;
  case UAT_TARGET_TRAJECTORY: hermite(t, x[0], y); return UAT_OK;
  case UAT_TARGET_FIELD: return uat_ode_eval_field(t->sys, NULL, 0.0, 1, x, y);
  case UAT_TARGET_BOOL: {
    size_t idx = 0;
    for (size_t i = 0; i < t->in; i++) idx = 2 * idx + (x[i] > 0.5);
    y[0] = t->bits[idx] == '1';
    return UAT_OK;
  }
  default: return UAT_EINVAL;
  }
}

int uat_target_deriv(uat_target *t, const double *x, size_t o, size_t j, double *dy) {
  double y[MAXD];
  switch (t->kind) {
  case UAT_TARGET_EXPR: *dy = uat_expr_program_eval(t->dprog[j], x); return UAT_OK;
  case UAT_TARGET_TRAJECTORY: /* d state / dt = f(state(t)) */
    hermite(t, x[0], y);
    {
      double f[MAXD];
      const int st = uat_ode_eval_field(t->sys, NULL, x[0], 1, y, f);
      *dy = f[o];
      return st;
    }
  case UAT_TARGET_FIELD:
    if (t->sys->jac == NULL || t->sys->jac(0.0, x, t->jac, t->sys->param_defaults, t->sys->ctx))
      return UAT_ENOTFOUND;
    *dy = t->jac[o * t->in + j];
    return UAT_OK;
  default: return UAT_ENOTFOUND;
  }
}

/* Points per axis along one axis: grid (ends included) or Chebyshev (first kind, ascending). */
static double axis_point(uat_points kind, double lo, double hi, size_t k, size_t n) {
  if (n == 1) return 0.5 * (lo + hi);
  if (kind == UAT_POINTS_CHEBYSHEV)
    return 0.5 * (lo + hi) -
           0.5 * (hi - lo) * cos(M_PI * (2.0 * (double)k + 1.0) / (2.0 * (double)n));
  return lo + (hi - lo) * (double)k / (double)(n - 1);
}

uat_dataset *uat_target_sample(uat_target *t, uat_points kind, size_t n, unsigned long seed,
                               uat_error *err) {
  if (t->kind == UAT_TARGET_DATA) return uat_target_data_rows(t, 0, seed, err);
  const size_t in = t->in;
  size_t per = 0, total = n;
  if (t->kind == UAT_TARGET_BOOL) {
    total = (size_t)1 << in;
  } else if (kind == UAT_POINTS_GRID || kind == UAT_POINTS_CHEBYSHEV) {
    per = (size_t)llround(pow((double)n, 1.0 / (double)in));
    if (per < 2) per = 2;
    total = 1;
    for (size_t i = 0; i < in; i++) total *= per;
  } else if (kind == UAT_POINTS_TRAJECTORY && t->kind != UAT_TARGET_FIELD) {
    uat_error_set(err, UAT_EINVAL, "points: 'trajectory' is for ode:SYSTEM:field targets");
    return NULL;
  }
  if (total == 0 || total > 10000000) {
    uat_error_set(err, UAT_EINVAL, "points: expected 1 to 1e7 points");
    return NULL;
  }
  uat_dataset *d = uat_dataset_alloc(total, in, t->out);
  gsl_rng *r = uat_rng_alloc(seed);
  if (d == NULL || r == NULL) {
    uat_dataset_free(d);
    gsl_rng_free(r);
    uat_error_set(err, UAT_ENOMEM, "out of memory");
    return NULL;
  }
  for (size_t k = 0; k < total; k++) {
    double *x = d->x + k * in;
    if (t->kind == UAT_TARGET_BOOL) {
      for (size_t i = 0; i < in; i++) x[i] = (double)((k >> (in - 1 - i)) & 1u);
    } else if (kind == UAT_POINTS_RANDOM) {
      for (size_t i = 0; i < in; i++) x[i] = gsl_ran_flat(r, t->lo[i], t->hi[i]);
    } else if (kind == UAT_POINTS_TRAJECTORY) {
      const size_t j = total == 1 ? 0 : k * (t->dense->n - 1) / (total - 1);
      memcpy(x, t->dense->y + j * in, in * sizeof *x);
    } else {
      size_t rest = k;
      const size_t pa = per ? per : 1; /* per >= 2 for grids; this keeps the analyzer calm */
      for (size_t i = in; i-- > 0;) {
        x[i] = axis_point(kind, t->lo[i], t->hi[i], rest % pa, pa);
        rest /= pa;
      }
    }
    if (uat_target_eval(t, x, d->y + k * t->out) != UAT_OK) {
      uat_error_set(err, UAT_ESOLVER, "target: evaluation failed");
      uat_dataset_free(d);
      gsl_rng_free(r);
      return NULL;
    }
  }
  gsl_rng_free(r);
  return d;
}

char *uat_target_domain_spec(const uat_target *t) {
  const size_t in = uat_target_in(t), cap = in * 100 + 1;
  char *buf = malloc(cap);
  if (buf == NULL) return NULL;
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < in; i++) {
    const int w = snprintf(buf + used, cap - used, "%s%s=%.17g:%.17g", i ? "," : "",
                           uat_target_input_name(t, i), uat_target_lo(t)[i], uat_target_hi(t)[i]);
    if (w < 0 || (size_t)w >= cap - used) {
      free(buf);
      return NULL;
    }
    used += (size_t)w;
  }
  return buf;
}

int uat_target_data_spec(const char *target, const char *x, const char *y, const char *test,
                         char *buf, size_t len, uat_error *err) {
  if (strncmp(target, "data:", 5) != 0)
    return uat_error_set(err, UAT_EINVAL, "--x, --y and --test-rows are for data:FILE targets");
  const int n = snprintf(buf, len, "%s%s%s%s%s%s%s", target, x ? ":x=" : "", x ? x : "",
                         y ? ":y=" : "", y ? y : "", test ? ":test=" : "", test ? test : "");
  if (n < 0 || (size_t)n >= len) return uat_error_set(err, UAT_EINVAL, "--target: too long");
  return UAT_OK;
}
