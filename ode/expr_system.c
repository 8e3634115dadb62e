/* expr_system.c — ODE systems written as equations "x = alpha*x - beta*x*y". */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uat/ode.h"

enum { MAX_STATES = 16, MAX_NAMES = 64 };

struct uat_ode_expr_system {
  uat_ode_system sys;
  size_t dim, n_params;
  char *names[MAX_NAMES]; /* "t", states, parameters: the slots of every program */
  uat_expr *rhs[MAX_STATES];
  uat_expr *jac[MAX_STATES * MAX_STATES];
  uat_expr_program *rhs_prog[MAX_STATES];
  uat_expr_program *jac_prog[MAX_STATES * MAX_STATES];
  double defaults[MAX_NAMES]; /* NaN: parameters have no defaults */
  double y0[MAX_STATES];
  double slots[MAX_NAMES]; /* scratch: t, y, p */
};

/* Slots: t, then the states, then the parameters. */
static void fill_slots(uat_ode_expr_system *s, double t, const double *y, const double *p) {
  s->slots[0] = t;
  memcpy(s->slots + 1, y, s->dim * sizeof *y);
  memcpy(s->slots + 1 + s->dim, p, s->n_params * sizeof *p);
}

static int expr_rhs(double t, const double *y, double *f, const double *p, void *ctx) {
  uat_ode_expr_system *s = ctx;
  fill_slots(s, t, y, p);
  for (size_t i = 0; i < s->dim; i++) f[i] = uat_expr_program_eval(s->rhs_prog[i], s->slots);
  return 0;
}

static int expr_jac(double t, const double *y, double *J, const double *p, void *ctx) {
  uat_ode_expr_system *s = ctx;
  fill_slots(s, t, y, p);
  for (size_t k = 0; k < s->dim * s->dim; k++)
    J[k] = uat_expr_program_eval(s->jac_prog[k], s->slots);
  return 0;
}

void uat_ode_expr_system_free(uat_ode_expr_system *s) {
  if (s == NULL) return;
  for (size_t i = 0; i < MAX_NAMES; i++) free(s->names[i]);
  for (size_t i = 0; i < MAX_STATES; i++) {
    uat_expr_free(s->rhs[i]);
    uat_expr_program_free(s->rhs_prog[i]);
  }
  for (size_t k = 0; k < (size_t)MAX_STATES * MAX_STATES; k++) {
    uat_expr_free(s->jac[k]);
    uat_expr_program_free(s->jac_prog[k]);
  }
  free(s);
}

static char *dup_n(const char *p, size_t n) {
  char *d = malloc(n + 1);
  if (d) {
    memcpy(d, p, n);
    d[n] = '\0';
  }
  return d;
}

static size_t n_names(const uat_ode_expr_system *s) { return 1 + s->dim + s->n_params; }

static int find_name(const uat_ode_expr_system *s, const char *name) {
  for (size_t i = 0; i < n_names(s); i++)
    if (strcmp(s->names[i], name) == 0) return (int)i;
  return -1;
}

/* "x = alpha*x": the state name into the slot table and the expression into rhs[i]. Parse
 * errors are reported at their column in the whole equation. */
static int parse_equation(uat_ode_expr_system *s, size_t i, const char *eq, uat_error *err) {
  const char *p = eq;
  while (*p == ' ') p++;
  const char *name = p;
  while (isalnum((unsigned char)*p) || *p == '_') p++;
  const size_t len = (size_t)(p - name);
  while (*p == ' ') p++;
  if (len == 0 || isdigit((unsigned char)name[0]) || *p != '=')
    return uat_error_set(err, UAT_EFORMAT,
                         "equation %zu '%s': 1:%zu: expected 'state = expression'", i + 1, eq,
                         (size_t)(p - eq) + 1);
  s->names[1 + i] = dup_n(name, len);
  if (s->names[1 + i] == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory");
  if (strcmp(s->names[1 + i], "t") == 0 || find_name(s, s->names[1 + i]) != (int)(1 + i))
    return uat_error_set(err, UAT_EFORMAT, "equation %zu '%s': 1:%zu: state '%s' %s", i + 1, eq,
                         (size_t)(name - eq) + 1, s->names[1 + i],
                         strcmp(s->names[1 + i], "t") == 0 ? "is reserved for time"
                                                           : "has two equations");
  /* Blank out "x =" so that columns in parse errors count from the start of the equation. */
  char *text = dup_n(eq, strlen(eq));
  if (text == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory");
  memset(text, ' ', (size_t)(p - eq) + 1);
  uat_error perr;
  const int st = uat_expr_parse(text, &s->rhs[i], &perr);
  free(text);
  if (st != UAT_OK) return uat_error_set(err, st, "equation %zu '%s': %s", i + 1, eq, perr.msg);
  return UAT_OK;
}

/* Every name that is neither t nor a state becomes a parameter. */
static int collect_params(uat_ode_expr_system *s, uat_error *err) {
  for (size_t i = 0; i < s->dim; i++) {
    const char *vars[MAX_NAMES];
    const size_t n = uat_expr_variables(s->rhs[i], vars, MAX_NAMES);
    for (size_t k = 0; k < n && k < MAX_NAMES; k++) {
      if (find_name(s, vars[k]) >= 0) continue;
      if (n_names(s) == MAX_NAMES)
        return uat_error_set(err, UAT_EINVAL, "at most %d parameters", MAX_NAMES - 17);
      s->names[n_names(s)] = dup_n(vars[k], strlen(vars[k]));
      if (s->names[n_names(s)] == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory");
      s->defaults[s->n_params++] = NAN;
    }
  }
  return UAT_OK;
}

static int derive_and_compile(uat_ode_expr_system *s, uat_error *err) {
  const char *const *names = (const char *const *)s->names;
  for (size_t i = 0; i < s->dim; i++) {
    int st = uat_expr_compile(s->rhs[i], n_names(s), names, &s->rhs_prog[i], err);
    if (st != UAT_OK) return st;
    for (size_t j = 0; j < s->dim; j++) {
      uat_expr **J = &s->jac[i * s->dim + j];
      *J = uat_expr_diff(s->rhs[i], s->names[1 + j]);
      if (*J == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory differentiating");
      st = uat_expr_compile(*J, n_names(s), names, &s->jac_prog[i * s->dim + j], err);
      if (st != UAT_OK) return st;
    }
  }
  return UAT_OK;
}

static void describe(uat_ode_expr_system *s) {
  uat_ode_system *sys = &s->sys;
  sys->name = "expressions";
  sys->equations = "given with --rhs";
  sys->dim = s->dim;
  sys->state_names = (const char *const *)s->names + 1;
  sys->n_params = s->n_params;
  sys->param_names = (const char *const *)s->names + 1 + s->dim;
  sys->param_defaults = s->defaults;
  sys->y0_default = s->y0;
  sys->t0_default = 0.0;
  sys->t1_default = 10.0;
  sys->rhs = expr_rhs;
  sys->jac = expr_jac;
  sys->ctx = s;
}

int uat_ode_expr_system_alloc(size_t n_equations, const char *const *equations,
                              uat_ode_expr_system **out, uat_error *err) {
  *out = NULL;
  if (n_equations == 0 || n_equations > MAX_STATES)
    return uat_error_set(err, UAT_EINVAL, "expected 1 to %d equations", MAX_STATES);
  uat_ode_expr_system *s = calloc(1, sizeof *s);
  if (s == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory");
  s->names[0] = dup_n("t", 1);
  int st = s->names[0] ? UAT_OK : uat_error_set(err, UAT_ENOMEM, "out of memory");
  for (size_t i = 0; i < n_equations && st == UAT_OK; i++) {
    s->dim = i + 1;
    st = parse_equation(s, i, equations[i], err);
  }
  if (st == UAT_OK) st = collect_params(s, err);
  if (st == UAT_OK) st = derive_and_compile(s, err);
  if (st != UAT_OK) {
    uat_ode_expr_system_free(s);
    return st;
  }
  describe(s);
  *out = s;
  return UAT_OK;
}

const uat_ode_system *uat_ode_expr_system_get(const uat_ode_expr_system *s) { return &s->sys; }

const uat_expr *uat_ode_expr_system_rhs(const uat_ode_expr_system *s, size_t i) {
  return i < s->dim ? s->rhs[i] : NULL;
}

const uat_expr *uat_ode_expr_system_jacobian(const uat_ode_expr_system *s, size_t i, size_t j) {
  return i < s->dim && j < s->dim ? s->jac[i * s->dim + j] : NULL;
}
