/* cmd_sym.c — `uat sym`: differentiate, simplify, evaluate and print expressions; Jacobians
 * of systems written as equations. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "uat/expr.h"
#include "uat/ode.h"
#include "uat/poly.h"

static void help(FILE *fp) {
  fprintf(
      fp,
      "usage: uat sym diff EXPR VAR [--latex]       derivative of EXPR with respect to VAR\n"
      "       uat sym simplify EXPR [--latex]       simplified EXPR (expanded where smaller)\n"
      "       uat sym expand EXPR [--latex]         products and integer powers multiplied out\n"
      "       uat sym subs EXPR NAME=EXPR ... [--latex]\n"
      "                                             EXPR with names replaced, simplified\n"
      "       uat sym print EXPR [--latex]          EXPR as parsed (text or LaTeX)\n"
      "       uat sym eval EXPR [NAME=VALUE ...]    value of EXPR, 17 significant digits\n"
      "       uat sym jacobian --rhs 'x = EXPR' ... [--latex]\n"
      "                                             Jacobian of a system of equations\n"
      "       uat sym ddt V --rhs 'x = EXPR' ... [--latex]\n"
      "                                             dV/dt along the system's solutions\n"
      "       uat sym equilibria --rhs 'x = EXPR' ... [--latex]\n"
      "                                             equilibria in symbols (parameters generic)\n\n"
      "Expressions: numbers, names, + - * / ^, unary minus, parentheses, pi, e, and the\n"
      "functions sin cos tan exp log sqrt abs tanh sinh cosh atan sigmoid relu step sign\n"
      "(one argument) and min max (two); grammar and conventions in docs/symbolic.md.\n");
}

static int parse_or_complain(const char *text, uat_expr **e) {
  uat_error err;
  if (uat_expr_parse(text, e, &err) == UAT_OK) return 0;
  uat_cli_error("sym", "'%s': %s", text, err.msg);
  return -1;
}

/* Print e as text or LaTeX on its own line. */
static int show(const uat_expr *e, int latex) {
  const size_t len = latex ? uat_expr_latex(e, NULL, 0) : uat_expr_print(e, NULL, 0);
  char *buf = malloc(len + 1);
  if (buf == NULL) {
    uat_cli_error("sym", "out of memory");
    return UAT_EXIT_FAIL;
  }
  if (latex)
    uat_expr_latex(e, buf, len + 1);
  else
    uat_expr_print(e, buf, len + 1);
  printf("%s\n", buf);
  free(buf);
  return UAT_EXIT_OK;
}

/* Split off --latex from the remaining arguments. */
static int take_latex(int *argc, char **argv) {
  int latex = 0, k = 0;
  for (int i = 0; i < *argc; i++) {
    if (strcmp(argv[i], "--latex") == 0)
      latex = 1;
    else
      argv[k++] = argv[i];
  }
  *argc = k;
  return latex;
}

static int cmd_transform(int argc, char **argv, const char *what) {
  const int latex = take_latex(&argc, argv);
  const int diff = strcmp(what, "diff") == 0;
  if (argc != (diff ? 2 : 1)) {
    uat_cli_error("sym", diff ? "diff: expected EXPR VAR" : "%s: expected EXPR", what);
    return UAT_EXIT_USAGE;
  }
  uat_expr *e = NULL, *r = NULL;
  if (parse_or_complain(argv[0], &e) != 0) return UAT_EXIT_FAIL;
  if (diff) {
    uat_expr *v = NULL;
    uat_error err;
    if (uat_expr_parse(argv[1], &v, &err) != UAT_OK || v->op != UAT_EXPR_VAR) {
      uat_cli_error("sym", "diff: expected a variable name, found '%s'", argv[1]);
      uat_expr_free(v);
      uat_expr_free(e);
      return UAT_EXIT_USAGE;
    }
    uat_expr_free(v);
    r = uat_expr_diff(e, argv[1]);
  } else {
    uat_error err;
    if (strcmp(what, "print") == 0)
      r = uat_expr_copy(e);
    else
      r = strcmp(what, "simplify") == 0 ? uat_expr_simplify_full(e, &err)
                                        : uat_expr_expand(e, &err);
    if (r == NULL && strcmp(what, "print") != 0) {
      uat_cli_error("sym", "%s: %s", what, err.msg);
      uat_expr_free(e);
      return UAT_EXIT_FAIL;
    }
  }
  const int rc = r ? show(r, latex) : UAT_EXIT_FAIL;
  if (r == NULL)
    uat_cli_error("sym", "out of memory (or an expression above %d nodes)", UAT_EXPR_MAX_NODES);
  uat_expr_free(r);
  uat_expr_free(e);
  return rc;
}

static int cmd_eval(int argc, char **argv) {
  if (argc < 1) {
    uat_cli_error("sym", "eval: expected EXPR [NAME=VALUE ...]");
    return UAT_EXIT_USAGE;
  }
  const size_t n = (size_t)argc - 1;
  const char **names = calloc(n + 1, sizeof *names);
  double *values = calloc(n + 1, sizeof *values);
  char **owned = calloc(n + 1, sizeof *owned);
  uat_expr *e = NULL;
  uat_expr_program *p = NULL;
  int rc = UAT_EXIT_FAIL;
  if (!names || !values || !owned) goto done;
  for (size_t i = 0; i < n; i++) {
    const char *a = argv[i + 1], *eq = strchr(a, '=');
    if (eq == NULL || eq == a || uat_parse_double(eq + 1, &values[i]) != 0) {
      uat_cli_error("sym", "eval: expected NAME=VALUE, found '%s'", a);
      rc = UAT_EXIT_USAGE;
      goto done;
    }
    owned[i] = strndup(a, (size_t)(eq - a));
    names[i] = owned[i];
  }
  if (parse_or_complain(argv[0], &e) != 0) goto done;
  uat_error err;
  if (uat_expr_compile(e, n, names, &p, &err) != UAT_OK) {
    uat_cli_error("sym", "'%s': %s (give it as NAME=VALUE)", argv[0], err.msg);
    goto done;
  }
  const double v = uat_expr_program_eval(p, values);
  if (isnan(v)) {
    /* log(-1), sqrt(-2), 0/0: printing "-nan" would look like a number */
    uat_cli_error("sym", "eval: '%s' is not a real number there (NaN)", argv[0]);
    goto done;
  }
  printf("%.17g\n", v); /* +-inf print as inf and -inf: a limit, reported as such */
  rc = UAT_EXIT_OK;
done:
  for (size_t i = 0; owned && i < n; i++) free(owned[i]);
  free(owned);
  free(names);
  free(values);
  uat_expr_program_free(p);
  uat_expr_free(e);
  return rc;
}

static int read_rhs(int argc, char **argv, const char *what, uat_ode_expr_system **es);

static int cmd_jacobian(int argc, char **argv) {
  const int latex = take_latex(&argc, argv);
  uat_ode_expr_system *es = NULL;
  const int bad = read_rhs(argc, argv, "jacobian", &es);
  if (bad) return bad;
  const uat_ode_system *sys = uat_ode_expr_system_get(es);
  const size_t n = sys->dim;
  char buf[4096];
  if (latex) printf("\\begin{pmatrix}\n");
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < n; j++) {
      const uat_expr *J = uat_ode_expr_system_jacobian(es, i, j);
      if (latex) {
        uat_expr_latex(J, buf, sizeof buf);
        printf("%s%s", j ? " & " : "  ", buf);
      } else {
        uat_expr_print(J, buf, sizeof buf);
        printf("d%s'/d%s = %s\n", sys->state_names[i], sys->state_names[j], buf);
      }
    }
    if (latex) printf("%s\n", i + 1 < n ? " \\\\" : "");
  }
  if (latex) printf("\\end{pmatrix}\n");
  uat_ode_expr_system_free(es);
  return UAT_EXIT_OK;
}

static int cmd_subs(int argc, char **argv) {
  const int latex = take_latex(&argc, argv);
  if (argc < 2) {
    uat_cli_error("sym", "subs: expected EXPR NAME=EXPR ...");
    return UAT_EXIT_USAGE;
  }
  const size_t n = (size_t)argc - 1;
  char **names = calloc(n, sizeof *names);
  uat_expr **values = calloc(n, sizeof(uat_expr *));
  uat_expr *e = NULL, *r = NULL;
  int rc = UAT_EXIT_FAIL;
  if (names == NULL || values == NULL) goto done;
  for (size_t i = 0; i < n; i++) {
    const char *a = argv[i + 1], *eq = strchr(a, '=');
    uat_expr *v = NULL;
    uat_error err;
    if (eq != NULL) names[i] = strndup(a, (size_t)(eq - a));
    if (eq == NULL || names[i] == NULL || uat_expr_parse(names[i], &v, &err) != UAT_OK ||
        v->op != UAT_EXPR_VAR) {
      uat_expr_free(v);
      uat_cli_error("sym", "subs: expected NAME=EXPR, found '%s'", a);
      rc = UAT_EXIT_USAGE;
      goto done;
    }
    uat_expr_free(v);
    if (parse_or_complain(eq + 1, &values[i]) != 0) goto done;
  }
  if (parse_or_complain(argv[0], &e) != 0) goto done;
  uat_error err;
  r = uat_expr_substitute(e, n, (const char *const *)names, (const uat_expr *const *)values, &err);
  if (r == NULL)
    uat_cli_error("sym", "subs: %s", err.msg);
  else
    rc = show(r, latex);
done:
  for (size_t i = 0; i < n; i++) {
    if (names) free(names[i]);
    if (values) uat_expr_free(values[i]);
  }
  free(names);
  free(values);
  uat_expr_free(e);
  uat_expr_free(r);
  return rc;
}

/* The --rhs equations of argv as a system in *es: 0, or the exit status after an error
 * message (usage: 2; an equation that does not parse: 1). */
static int read_rhs(int argc, char **argv, const char *what, uat_ode_expr_system **es) {
  const char *eqs[16];
  size_t n = 0;
  *es = NULL;
  for (int i = 0; i < argc; i++) {
    if ((strcmp(argv[i], "--rhs") == 0 || strcmp(argv[i], "-r") == 0) && i + 1 < argc && n < 16) {
      eqs[n++] = argv[++i];
    } else {
      uat_cli_error("sym", "%s: expected --rhs 'x = EXPR' ..., found '%s'", what, argv[i]);
      return UAT_EXIT_USAGE;
    }
  }
  if (n == 0) {
    uat_cli_error("sym", "%s: expected --rhs 'x = EXPR' ...", what);
    return UAT_EXIT_USAGE;
  }
  uat_error err;
  if (uat_ode_expr_system_alloc(n, eqs, es, &err) != UAT_OK) {
    uat_cli_error("sym", "%s: %s", what, err.msg);
    return UAT_EXIT_FAIL;
  }
  return 0;
}

static int cmd_ddt(int argc, char **argv) {
  const int latex = take_latex(&argc, argv);
  if (argc < 1) {
    uat_cli_error("sym", "ddt: expected V --rhs 'x = EXPR' ...");
    return UAT_EXIT_USAGE;
  }
  uat_ode_expr_system *es = NULL;
  const int bad = read_rhs(argc - 1, argv + 1, "ddt", &es);
  if (bad) return bad;
  const uat_ode_system *sys = uat_ode_expr_system_get(es);
  const uat_expr *rhs[16];
  for (size_t i = 0; i < sys->dim; i++) rhs[i] = uat_ode_expr_system_rhs(es, i);
  uat_expr *V = NULL, *r = NULL;
  int rc = UAT_EXIT_FAIL;
  uat_error err;
  if (parse_or_complain(argv[0], &V) == 0) {
    r = uat_expr_time_derivative(V, sys->dim, sys->state_names, rhs, &err);
    if (r == NULL)
      uat_cli_error("sym", "ddt: %s", err.msg);
    else
      rc = show(r, latex);
  }
  uat_expr_free(V);
  uat_expr_free(r);
  uat_ode_expr_system_free(es);
  return rc;
}

static int cmd_equilibria(int argc, char **argv) {
  const int latex = take_latex(&argc, argv);
  uat_ode_expr_system *es = NULL;
  const int bad = read_rhs(argc, argv, "equilibria", &es);
  if (bad) return bad;
  const uat_ode_system *sys = uat_ode_expr_system_get(es);
  const uat_expr *rhs[16];
  for (size_t i = 0; i < sys->dim; i++) rhs[i] = uat_ode_expr_system_rhs(es, i);
  uat_sym_equilibria q;
  uat_error err;
  if (uat_expr_equilibria(sys->dim, sys->state_names, rhs, &q, &err) != UAT_OK) {
    uat_cli_error("sym", "equilibria: %s", err.msg);
    uat_ode_expr_system_free(es);
    return UAT_EXIT_FAIL;
  }
  printf("# %zu equilibri%s in symbols%s\n", q.n_solutions, q.n_solutions == 1 ? "um" : "a",
         q.complete ? "" : " (some branches unsolved, listed below)");
  char buf[4096];
  for (size_t k = 0; k < q.n_solutions; k++) {
    for (size_t i = 0; i < q.n; i++) {
      const uat_expr *v = q.values[k * q.n + i];
      if (v == NULL)
        snprintf(buf, sizeof buf, "any");
      else if (latex)
        uat_expr_latex(v, buf, sizeof buf);
      else
        uat_expr_print(v, buf, sizeof buf);
      printf("%s%s = %s", i ? ", " : "", sys->state_names[i], buf);
    }
    printf("\n");
  }
  for (size_t k = 0; k < q.n_unsolved; k++) printf("unsolved: %s\n", q.unsolved[k]);
  uat_sym_equilibria_free(&q);
  uat_ode_expr_system_free(es);
  return UAT_EXIT_OK;
}

int uat_cmd_sym(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    help(argc < 2 ? stderr : stdout);
    return argc < 2 ? UAT_EXIT_USAGE : UAT_EXIT_OK;
  }
  const char *what = argv[1];
  for (int i = 2; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0) {
      help(stdout);
      return UAT_EXIT_OK;
    }
  if (strcmp(what, "diff") == 0 || strcmp(what, "simplify") == 0 || strcmp(what, "print") == 0 ||
      strcmp(what, "expand") == 0)
    return cmd_transform(argc - 2, argv + 2, what);
  if (strcmp(what, "subs") == 0) return cmd_subs(argc - 2, argv + 2);
  if (strcmp(what, "ddt") == 0) return cmd_ddt(argc - 2, argv + 2);
  if (strcmp(what, "equilibria") == 0) return cmd_equilibria(argc - 2, argv + 2);
  if (strcmp(what, "eval") == 0) return cmd_eval(argc - 2, argv + 2);
  if (strcmp(what, "jacobian") == 0) return cmd_jacobian(argc - 2, argv + 2);
  uat_cli_error("sym",
                "unknown action '%s' (diff, simplify, expand, subs, print, eval, jacobian, ddt, "
                "equilibria)",
                what);
  return UAT_EXIT_USAGE;
}
