/* test_poly.c — expansion (against evaluation and binomial coefficients), substitution, the
 * Lotka-Volterra invariant's dV/dt = 0, and equilibria in symbols (against the right-hand side
 * evaluated at them and the known Lorenz and Lotka-Volterra points). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "uat/expr.h"
#include "uat/poly.h"

static uat_expr *parse(const char *text) {
  uat_expr *e = NULL;
  uat_error err;
  if (uat_expr_parse(text, &e, &err) != UAT_OK) {
    print_error("parse '%s': %s\n", text, err.msg);
    fail();
  }
  return e;
}

/* e at the point given by names/values (every variable of e must be named). */
static double eval_at(const uat_expr *e, size_t n, const char *const *names, const double *values) {
  uat_expr_program *p = NULL;
  uat_error err;
  if (uat_expr_compile(e, n, names, &p, &err) != UAT_OK) {
    print_error("compile: %s\n", err.msg);
    fail();
  }
  const double v = uat_expr_program_eval(p, values);
  uat_expr_program_free(p);
  return v;
}

static void assert_text(const uat_expr *e, const char *want) {
  char buf[1024];
  uat_expr_print(e, buf, sizeof buf);
  if (strcmp(buf, want) != 0) {
    print_error("got '%s', want '%s'\n", buf, want);
    fail();
  }
}

static void test_expand_binomials(void **st) {
  (void)st;
  uat_error err;
  /* Pascal's triangle is the reference */
  const char *const cases[][2] = {
      {"(x + 1)^2", "x^2 + 2*x + 1"},
      {"(x + 1)^5", "x^5 + 5*x^4 + 10*x^3 + 10*x^2 + 5*x + 1"},
      {"(a + b)^3 - (a - b)^3", "6*a^2*b + 2*b^3"},
      {"(x - y)*(x + y)", "x^2 - y^2"},
      {"x/x + y*y^-1 - 2", "0"},
      {"(2*x)^-2*x^3", "0.25*x"},
      {"alpha*x/(beta*y)", "alpha*x/(beta*y)"},
      {"sqrt(2)^2 + sqrt(4)", "4"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    uat_expr *e = parse(cases[i][0]), *x = uat_expr_expand(e, &err);
    assert_non_null(x);
    assert_text(x, cases[i][1]);
    uat_expr_free(x);
    uat_expr_free(e);
  }
}

/* Expansion changes the tree, not the function: equal values at 50 points (1e-12). */
static void test_expand_keeps_values(void **st) {
  (void)st;
  const char *const texts[] = {
      "(x - 2*y)^2*(x + y)/x",
      "sin(x)^2*(sin(x) + cos(y))^2",
      "(x + 1)^-2*(x + 1)^3*(y - x)",
      "(x + y + 1)^6 - (x - y)^4",
      "exp(x*(y + 1))*(x + 2)^2/(y + 3)",
      "(x + 1)^100 - x",
  };
  const char *const names[] = {"x", "y"};
  uint64_t seed = 7;
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    uat_expr *e = parse(texts[i]);
    uat_error err;
    uat_expr *x = uat_expr_expand(e, &err);
    assert_non_null(x);
    for (int k = 0; k < 50; k++) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      const double v[2] = {0.2 + (double)(seed >> 40) / (1 << 24),
                           -0.5 + (double)((seed >> 16) & 0xffffff) / (1 << 24)};
      const double a = eval_at(e, 2, names, v), b = eval_at(x, 2, names, v);
      uat_assert_close(b, a, 1e-12, 1e-12);
    }
    uat_expr_free(x);
    uat_expr_free(e);
  }
}

static void test_substitute_and_invariant(void **st) {
  (void)st;
  uat_error err;
  /* the Lotka-Volterra right-hand side vanishes at (gamma/delta, alpha/beta) */
  uat_expr *f = parse("alpha*x - beta*x*y"), *g = parse("delta*x*y - gamma*y");
  uat_expr *xs = parse("gamma/delta"), *ys = parse("alpha/beta");
  const char *const xy[] = {"x", "y"};
  const uat_expr *const at[] = {xs, ys};
  for (int k = 0; k < 2; k++) {
    uat_expr *r = uat_expr_substitute(k ? g : f, 2, xy, at, &err);
    assert_non_null(r);
    assert_text(r, "0");
    uat_expr_free(r);
  }
  /* V = delta*x - gamma*log(x) + beta*y - alpha*log(y) is conserved: dV/dt = 0 exactly */
  uat_expr *V = parse("delta*x - gamma*log(x) + beta*y - alpha*log(y)");
  const uat_expr *const rhs[] = {f, g};
  uat_expr *d = uat_expr_time_derivative(V, 2, xy, rhs, &err);
  assert_non_null(d);
  assert_int_equal(d->op, UAT_EXPR_NUM);
  assert_true(d->value == 0.0);
  uat_expr_free(d);
  /* and a function that is not conserved is not reported as such */
  uat_expr *W = parse("x + y");
  d = uat_expr_time_derivative(W, 2, xy, rhs, &err);
  assert_text(d, "alpha*x - beta*x*y + delta*x*y - gamma*y");
  uat_expr *simple =
      parse("(delta - gamma/x)*(alpha*x - beta*x*y) + (beta - alpha/y)*(delta*x*y - gamma*y)");
  uat_expr *s0 = uat_expr_simplify_full(simple, &err);
  assert_text(s0, "0");
  uat_expr_free(s0);
  uat_expr_free(simple);
  uat_expr_free(d);
  uat_expr_free(W);
  uat_expr_free(V);
  uat_expr_free(xs);
  uat_expr_free(ys);
  uat_expr_free(f);
  uat_expr_free(g);
}

/* Solve, then check f = 0 at every solution for several parameter values. */
static void solve_and_check(size_t n, const char *const *states, const char *const *texts,
                            size_t np, const char *const *params, size_t want,
                            uat_sym_equilibria *q) {
  uat_expr *rhs[4];
  for (size_t i = 0; i < n; i++) rhs[i] = parse(texts[i]);
  uat_error err;
  assert_int_equal(uat_expr_equilibria(n, states, (const uat_expr *const *)rhs, q, &err), UAT_OK);
  assert_int_equal(q->n_solutions, want);
  assert_true(q->complete);
  const char *names[8];
  double v[8];
  for (size_t i = 0; i < np; i++) names[i] = params[i];
  for (size_t i = 0; i < n; i++) names[np + i] = states[i];
  for (int trial = 0; trial < 3; trial++) {
    for (size_t i = 0; i < np; i++) v[i] = 1.25 + 0.75 * (double)((i * 7 + (size_t)trial * 3) % 5);
    for (size_t k = 0; k < q->n_solutions; k++) {
      for (size_t i = 0; i < n; i++) {
        const uat_expr *s = q->values[k * n + i];
        v[np + i] = s ? eval_at(s, np, names, v) : 0.375 * (double)(i + 1); /* free: any value */
      }
      for (size_t i = 0; i < n; i++) {
        const double r = eval_at(rhs[i], np + n, names, v);
        if (fabs(r) > 1e-12) {
          print_error("equation %zu of solution %zu: f = %g\n", i, k, r);
          fail();
        }
      }
    }
  }
  for (size_t i = 0; i < n; i++) uat_expr_free(rhs[i]);
}

static void test_equilibria_in_symbols(void **st) {
  (void)st;
  uat_sym_equilibria q;
  const char *const xy[] = {"x", "y"}, *const xyz[] = {"x", "y", "z"};
  const char *const lv[] = {"alpha*x - beta*x*y", "delta*x*y - gamma*y"};
  const char *const lvp[] = {"alpha", "beta", "delta", "gamma"};
  solve_and_check(2, xy, lv, 4, lvp, 2, &q);
  assert_text(q.values[0], "0");
  assert_text(q.values[1], "0");
  assert_text(q.values[2], "gamma/delta");
  assert_text(q.values[3], "alpha/beta");
  uat_sym_equilibria_free(&q);

  const char *const lorenz[] = {"sigma*(y - x)", "x*(rho - z) - y", "x*y - beta*z"};
  const char *const lorp[] = {"sigma", "rho", "beta"};
  solve_and_check(3, xyz, lorenz, 3, lorp, 3, &q);
  /* at the classic parameters, x = y = +-sqrt(beta*(rho - 1)) = +-sqrt(72), z = 27 */
  const char *const names[] = {"sigma", "rho", "beta"};
  const double classic[] = {10, 28, 8.0 / 3.0};
  uat_assert_close(eval_at(q.values[3], 3, names, classic), sqrt(72.0), 1e-15, 0);
  uat_assert_close(eval_at(q.values[6], 3, names, classic), -sqrt(72.0), 1e-15, 0);
  uat_assert_close(eval_at(q.values[5], 3, names, classic), 27, 1e-15, 0);
  uat_sym_equilibria_free(&q);

  const char *const sir[] = {"-b*S*I", "b*S*I - g*I", "g*I"};
  const char *const sirs[] = {"S", "I", "R"}, *const sirp[] = {"b", "g"};
  solve_and_check(3, sirs, sir, 2, sirp, 1, &q); /* every state without infected */
  assert_null(q.values[0]);
  assert_text(q.values[1], "0");
  assert_null(q.values[2]);
  uat_sym_equilibria_free(&q);

  const char *const quad[] = {"a - x^2 + x", "x - y"};
  const char *const quadp[] = {"a"};
  solve_and_check(2, xy, quad, 1, quadp, 2, &q); /* x = 1/2 +- sqrt(a + 1/4) */
  uat_sym_equilibria_free(&q);
}

static void test_unsolved_and_limits(void **st) {
  (void)st;
  uat_expr *rhs[2] = {parse("x^3 - y"), parse("x - y^3")};
  const char *const xy[] = {"x", "y"};
  uat_sym_equilibria q;
  uat_error err;
  assert_int_equal(uat_expr_equilibria(2, xy, (const uat_expr *const *)rhs, &q, &err), UAT_OK);
  assert_false(q.complete);
  /* y = x^3 leaves x - x^9: x = 0 is found, the degree-8 factor is reported, not guessed */
  assert_int_equal(q.n_solutions, 1);
  assert_int_equal(q.n_unsolved, 1);
  assert_string_equal(q.unsolved[0], "-x^8 + 1 = 0");
  uat_sym_equilibria_free(&q);
  uat_expr_free(rhs[0]);
  uat_expr_free(rhs[1]);
  /* 65 distinct symbols are more than an expansion holds: an error, not a wrong answer */
  char text[2048] = "x0";
  for (int i = 1; i < 65; i++) snprintf(text + strlen(text), sizeof text - strlen(text), "+x%d", i);
  uat_expr *e = parse(text);
  assert_null(uat_expr_expand(e, &err));
  assert_non_null(strstr(err.msg, "64 distinct symbols"));
  uat_expr_free(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_expand_binomials),         cmocka_unit_test(test_expand_keeps_values),
      cmocka_unit_test(test_substitute_and_invariant), cmocka_unit_test(test_equilibria_in_symbols),
      cmocka_unit_test(test_unsolved_and_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
