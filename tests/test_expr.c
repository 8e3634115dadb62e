/* test_expr.c — the expression engine: parsing (values and errors with columns), derivative
 * rules, derivatives against finite differences, simplification, printing round trips, LaTeX. */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "uat/expr.h"
#include "uat/gradcheck.h"
#include "uat/init.h"

static const char *const xy[2] = {"x", "y"};

/* Value of text at (x, y). */
static double eval2(const char *text, double x, double y) {
  uat_expr *e = NULL;
  uat_error err;
  if (uat_expr_parse(text, &e, &err) != UAT_OK) {
    print_error("parse '%s': %s\n", text, err.msg);
    fail();
  }
  uat_expr_program *p = NULL;
  assert_int_equal(uat_expr_compile(e, 2, xy, &p, &err), 0);
  const double v[2] = {x, y};
  const double r = uat_expr_program_eval(p, v);
  uat_expr_program_free(p);
  uat_expr_free(e);
  return r;
}

static void test_parse_values(void **s) {
  (void)s;
  uat_assert_close(eval2("2 + 3*4^2", 0, 0), 50, 0, 0);
  uat_assert_close(eval2("-2^2", 0, 0), -4, 0, 0);
  uat_assert_close(eval2("2^-1", 0, 0), 0.5, 0, 0);
  uat_assert_close(eval2("2^3^2", 0, 0), 512, 0, 0);
  uat_assert_close(eval2("(1 + 2)*3", 0, 0), 9, 0, 0);
  uat_assert_close(eval2("8/4/2", 0, 0), 1, 0, 0);
  uat_assert_close(eval2("7 - 2 - 1", 0, 0), 4, 0, 0);
  uat_assert_close(eval2("min(3, -1) + max(2, x)", 5, 0), 4, 0, 0);
  uat_assert_close(eval2("pi", 0, 0), M_PI, 0, 0);
  uat_assert_close(eval2("e", 0, 0), M_E, 0, 0);
  uat_assert_close(eval2("1e-3 + .5 + 2.5E2", 0, 0), 250.501, 0, 1e-15);
  uat_assert_close(eval2("x*y - sigmoid(0) + relu(-x) + step(0) + sign(-y)", 2, 3), 6 - 0.5 - 1, 0,
                   0);
  uat_assert_close(eval2("abs(-2.385) + sqrt(4) + atan(1)*4", 0, 0), 4.385 + M_PI, 0, 1e-15);
  uat_assert_close(eval2("tanh(x) + sinh(x) + cosh(x) + tan(x)", 0.3, 0),
                   tanh(0.3) + sinh(0.3) + cosh(0.3) + tan(0.3), 0, 1e-15);
  uat_assert_close(eval2("+x - -y", 1, 2), 3, 0, 0);
}

static void expect_error(const char *text, const char *message) {
  uat_expr *e = (uat_expr *)&e;
  uat_error err;
  assert_int_equal(uat_expr_parse(text, &e, &err), UAT_EFORMAT);
  assert_null(e);
  if (!uat_test_contains(err.msg, message)) print_error("'%s': got '%s'\n", text, err.msg);
  assert_true(uat_test_contains(err.msg, message));
}

static void test_parse_errors(void **s) {
  (void)s;
  expect_error("sin(x", "1:6: expected ')' after argument of sin");
  expect_error("1 +", "1:4: expected a number, a name or '(', found end of input");
  expect_error("foo(x)", "1:1: expected a known function");
  expect_error("x y", "1:3: expected an operator or the end, found 'y'");
  expect_error("sin x", "1:5: expected '(' after function sin");
  expect_error("max(1)", "1:6: expected ',' and a second argument of max");
  expect_error("sin(1, 2)", "1:6: expected ')': sin takes 1 argument");
  expect_error("(1 + 2", "1:7: expected ')' to close the '(' at column 1");
  expect_error("2 * (3 + )", "1:10: expected a number, a name or '('");
  expect_error("1e999", "1:1: expected a number within range");
  expect_error("", "1:1: expected a number, a name or '(', found end of input");
  expect_error("x $ 2", "1:3: expected an operator or the end, found '$'");
  /* hostile nesting is refused, not a stack overflow */
  char deep[4001];
  memset(deep, '(', 2000);
  memset(deep + 2000, ')', 2000);
  deep[4000] = '\0';
  expect_error(deep, "nesting at most 256 deep");
  memset(deep, '-', 4000);
  expect_error(deep, "nesting at most 256 deep");
}

/* d/dx of text, printed. */
static void expect_diff(const char *text, const char *var, const char *want) {
  uat_expr *e = NULL, *de;
  uat_error err;
  assert_int_equal(uat_expr_parse(text, &e, &err), 0);
  de = uat_expr_diff(e, var);
  assert_non_null(de);
  char buf[256];
  uat_expr_print(de, buf, sizeof buf);
  if (strcmp(buf, want) != 0) print_error("d/d%s %s = %s, expected %s\n", var, text, buf, want);
  assert_string_equal(buf, want);
  uat_expr_free(de);
  uat_expr_free(e);
}

static void test_derivative_rules(void **s) {
  (void)s;
  expect_diff("5", "x", "0");
  expect_diff("x", "x", "1");
  expect_diff("y", "x", "0");
  expect_diff("x + y", "x", "1");
  expect_diff("x - 3*y", "y", "-3");
  expect_diff("x*y", "x", "y");
  expect_diff("x^3", "x", "3*x^2");
  expect_diff("1/x", "x", "-1/x^2");
  expect_diff("2^x", "x", "2^x*log(2)");
  expect_diff("sin(x)", "x", "cos(x)");
  expect_diff("cos(x)", "x", "-sin(x)");
  expect_diff("exp(2*x)", "x", "2*exp(2*x)");
  expect_diff("log(x)", "x", "1/x");
  expect_diff("sqrt(x)", "x", "1/(2*sqrt(x))");
  expect_diff("abs(x)", "x", "sign(x)");
  expect_diff("tanh(x)", "x", "1 - tanh(x)^2");
  expect_diff("relu(x)", "x", "step(x)");
  expect_diff("step(x)", "x", "0");
  expect_diff("atan(x)", "x", "1/(1 + x^2)");
  expect_diff("alpha*x - beta*x*y", "x", "alpha - beta*y");
  expect_diff("delta*x*y - gamma*y", "y", "delta*x - gamma");
}

/* Random points inside each function's domain; every derivative against GSL's
 * Richardson-extrapolated central difference. */
typedef struct {
  uat_expr_program *f;
} fn;

static double call(const double *v, void *p) { return uat_expr_program_eval(((fn *)p)->f, v); }

static void test_derivatives_vs_finite_differences(void **s) {
  (void)s;
  const char *exprs[] = {
      "x^3*y - 2.385*x/y",
      "sin(x*y) + cos(x - y)",
      "exp(-x^2)*tan(y/3)",
      "log(x + y) + sqrt(x*y)",
      "tanh(x)*sinh(y) - cosh(x*y/4)",
      "atan(x/y) + sigmoid(x - y)",
      "x^y + y^x",
      "abs(x - 3) + relu(y - 2)*x",
      "min(x, y^2) + max(x*y, 3)",
      "(x + 1)/(y^2 + 1) - 2^(x/4)",
      "sigmoid(3*x)*sigmoid(-y)",
      "-x/(y - 0.5)^3",
  };
  gsl_rng *r = uat_rng_alloc(2385);
  const uat_gradcheck_params gp = uat_gradcheck_default_params();
  for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
    uat_expr *e = NULL;
    uat_error err;
    assert_int_equal(uat_expr_parse(exprs[i], &e, &err), 0);
    uat_expr *de[2] = {uat_expr_diff(e, "x"), uat_expr_diff(e, "y")};
    fn f;
    uat_expr_program *dp[2];
    assert_int_equal(uat_expr_compile(e, 2, xy, &f.f, &err), 0);
    for (int k = 0; k < 2; k++) assert_int_equal(uat_expr_compile(de[k], 2, xy, &dp[k], &err), 0);
    for (int trial = 0; trial < 20; trial++) {
      /* x, y in [1, 3.7]: inside every domain and away from the kinks at x = 3 and y = 2 only
       * with probability; points within 1e-3 of a kink are skipped */
      double v[2] = {gsl_ran_flat(r, 1.0, 3.7), gsl_ran_flat(r, 1.0, 3.7)};
      if (fabs(v[0] - 3) < 1e-2 || fabs(v[1] - 2) < 1e-2 || fabs(v[0] - v[1] * v[1]) < 1e-2 ||
          fabs(v[0] * v[1] - 3) < 1e-2)
        continue;
      const double g[2] = {uat_expr_program_eval(dp[0], v), uat_expr_program_eval(dp[1], v)};
      uat_gradcheck_result res;
      assert_int_equal(uat_gradcheck(call, &f, 2, v, g, &gp, NULL, &res), 0);
      if (res.max_rel_err >= 1e-7)
        print_error("%s at (%g, %g): rel err %g\n", exprs[i], v[0], v[1], res.max_rel_err);
      assert_true(res.max_rel_err < 1e-7);
    }
    for (int k = 0; k < 2; k++) {
      uat_expr_program_free(dp[k]);
      uat_expr_free(de[k]);
    }
    uat_expr_program_free(f.f);
    uat_expr_free(e);
  }
  gsl_rng_free(r);
}

static void expect_simplified(const char *text, const char *want) {
  uat_expr *e = NULL;
  uat_error err;
  assert_int_equal(uat_expr_parse(text, &e, &err), 0);
  uat_expr *s = uat_expr_simplify(e);
  char buf[256];
  uat_expr_print(s, buf, sizeof buf);
  if (strcmp(buf, want) != 0) print_error("simplify %s = %s, expected %s\n", text, buf, want);
  assert_string_equal(buf, want);
  uat_expr_free(s);
  uat_expr_free(e);
}

static void test_simplify_identities(void **s) {
  (void)s;
  expect_simplified("x + 0", "x");
  expect_simplified("0 + x", "x");
  expect_simplified("x*1", "x");
  expect_simplified("x*0", "0");
  expect_simplified("x^1", "x");
  expect_simplified("x^0", "1");
  expect_simplified("1^x", "1");
  expect_simplified("--x", "x");
  expect_simplified("0 - x", "-x");
  expect_simplified("x + x", "2*x");
  expect_simplified("3*x - x", "2*x");
  expect_simplified("x - x", "0");
  expect_simplified("x/x", "1");
  expect_simplified("x*x", "x^2");
  expect_simplified("x^2*x^3", "x^5");
  expect_simplified("2*3*x", "6*x");
  expect_simplified("2*(3*x)", "6*x");
  expect_simplified("x*2", "2*x");
  expect_simplified("(x^2)^3", "x^6");
  expect_simplified("2 + 3*4", "14");
  expect_simplified("x + -y", "x - y");
  expect_simplified("x - -3", "x + 3");
  expect_simplified("sin(0) + cos(pi)", "cos(pi)");
  expect_simplified("log(0)", "log(0)"); /* not folded to -inf */
  expect_simplified("-(a - b)", "b - a");
}

/* Random expression trees over x and y. */
static uat_expr *random_tree(gsl_rng *r, int depth) {
  const unsigned long pick = gsl_rng_uniform_int(r, depth <= 0 ? 3 : 12);
  char text[64];
  if (pick < 3) {
    if (pick == 0)
      snprintf(text, sizeof text, "%.17g", gsl_ran_flat(r, -5, 5));
    else
      snprintf(text, sizeof text, "%s", pick == 1 ? "x" : "y");
    uat_expr *e = NULL;
    uat_error err;
    uat_expr_parse(text, &e, &err);
    return e;
  }
  static const char *const ops[] = {"+", "-", "*", "/", "^", "sin", "exp", "tanh", "min"};
  const char *op = ops[pick - 3];
  uat_expr *a = random_tree(r, depth - 1), *b = random_tree(r, depth - 1);
  char ta[4096], tb[4096], t[8300];
  uat_expr_print(a, ta, sizeof ta);
  uat_expr_print(b, tb, sizeof tb);
  if (strlen(op) == 1)
    snprintf(t, sizeof t, "(%s)%s(%s)", ta, op, tb);
  else if (strcmp(op, "min") == 0)
    snprintf(t, sizeof t, "min(%s, %s)", ta, tb);
  else
    snprintf(t, sizeof t, "%s(%s)", op, ta);
  uat_expr_free(a);
  uat_expr_free(b);
  uat_expr *e = NULL;
  uat_error err;
  assert_int_equal(uat_expr_parse(t, &e, &err), 0);
  return e;
}

static int same_double(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

/* Cases found by the fuzzer: a negated product as a right factor. */
static void test_round_trip_negated_factors(void **s) {
  (void)s;
  const char *cases[] = {"a*-(b*c)", "a/-(b/c)", "a*--(b*c)", "x - -(a*b)*c", "-(a*b)*c"};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uat_expr *e = NULL, *back = NULL;
    uat_error err;
    assert_int_equal(uat_expr_parse(cases[i], &e, &err), 0);
    char text[128];
    uat_expr_print(e, text, sizeof text);
    assert_int_equal(uat_expr_parse(text, &back, &err), 0);
    const char *names[8];
    const size_t n = uat_expr_variables(e, names, 8);
    uat_expr_program *p1, *p2;
    assert_int_equal(uat_expr_compile(e, n, names, &p1, &err), 0);
    assert_int_equal(uat_expr_compile(back, n, names, &p2, &err), 0);
    /* values whose products round differently in different orders */
    const double v[5] = {0.1, 0.7, 1.3, 3.3, 0.9};
    if (uat_expr_program_eval(p1, v) != uat_expr_program_eval(p2, v))
      print_error("%s printed as %s\n", cases[i], text);
    assert_true(uat_expr_program_eval(p1, v) == uat_expr_program_eval(p2, v));
    uat_expr_program_free(p1);
    uat_expr_program_free(p2);
    uat_expr_free(back);
    uat_expr_free(e);
  }
}

static void test_print_parse_round_trip(void **s) {
  (void)s;
  gsl_rng *r = uat_rng_alloc(7);
  for (int i = 0; i < 300; i++) {
    uat_expr *e = random_tree(r, 5), *back = NULL, *simple;
    char text[16384];
    uat_expr_print(e, text, sizeof text);
    uat_error err;
    if (uat_expr_parse(text, &back, &err) != 0) print_error("%s: %s\n", text, err.msg);
    assert_non_null(back);
    uat_expr_program *p1, *p2;
    assert_int_equal(uat_expr_compile(e, 2, xy, &p1, &err), 0);
    assert_int_equal(uat_expr_compile(back, 2, xy, &p2, &err), 0);
    for (int k = 0; k < 5; k++) {
      const double v[2] = {gsl_ran_flat(r, -3, 3), gsl_ran_flat(r, -3, 3)};
      const double a = uat_expr_program_eval(p1, v), b = uat_expr_program_eval(p2, v);
      if (!same_double(a, b)) print_error("%s: %.17g vs %.17g\n", text, a, b);
      assert_true(same_double(a, b));
    }
    /* simplification never grows an expression */
    simple = uat_expr_simplify(e);
    assert_true(uat_expr_size(simple) <= uat_expr_size(e));
    uat_expr_program_free(p1);
    uat_expr_program_free(p2);
    uat_expr_free(simple);
    uat_expr_free(back);
    uat_expr_free(e);
  }
  gsl_rng_free(r);
}

static void expect_latex(const char *text, const char *want) {
  uat_expr *e = NULL;
  uat_error err;
  assert_int_equal(uat_expr_parse(text, &e, &err), 0);
  char buf[256];
  uat_expr_latex(e, buf, sizeof buf);
  if (strcmp(buf, want) != 0) print_error("latex %s = %s, expected %s\n", text, buf, want);
  assert_string_equal(buf, want);
  uat_expr_free(e);
}

static void test_latex(void **s) {
  (void)s;
  expect_latex("alpha*x - beta*x*y", "\\alpha \\cdot x - \\beta \\cdot x \\cdot y");
  expect_latex("x^2/(1 + y)", "\\frac{x^{2}}{1 + y}");
  expect_latex("sqrt(x) + abs(y) + exp(-x)", "\\sqrt{x} + \\left|y\\right| + e^{-x}");
  expect_latex("sin(x)^2", "\\left(\\sin\\left(x\\right)\\right)^{2}");
  expect_latex("log(x_1)*1e-05", "\\ln\\left(x_{1}\\right) \\cdot 10^{-5}");
  expect_latex("(a + b)*c", "\\left(a + b\\right) \\cdot c");
}

static void test_compile_and_variables(void **s) {
  (void)s;
  uat_expr *e = NULL;
  uat_error err;
  assert_int_equal(uat_expr_parse("x + y*z - x", &e, &err), 0);
  const char *names[8];
  assert_int_equal(uat_expr_variables(e, names, 8), 3);
  assert_string_equal(names[2], "z");
  /* the count is exact with a short buffer too: x repeats after the buffer is full */
  assert_int_equal(uat_expr_variables(e, NULL, 0), 3);
  assert_int_equal(uat_expr_variables(e, names, 1), 3);
  assert_string_equal(names[0], "x");
  uat_expr_program *p = NULL;
  assert_int_equal(uat_expr_compile(e, 2, xy, &p, &err), UAT_ENOTFOUND);
  assert_null(p);
  assert_true(uat_test_contains(err.msg, "1:7: unknown variable 'z'"));
  const char *const xyz[3] = {"x", "y", "z"};
  assert_int_equal(uat_expr_compile(e, 3, xyz, &p, &err), 0);
  const double pts[6] = {1, 2, 3, 4, 5, 6};
  double out[2];
  uat_expr_program_eval_many(p, 2, pts, 3, out);
  uat_assert_close(out[0], 6, 0, 0);
  uat_assert_close(out[1], 30, 0, 0);
  assert_true(uat_expr_depends(e, "z") && !uat_expr_depends(e, "w"));
  uat_expr_program_free(p);
  uat_expr_free(e);
}

/* Trees built in code equal the parsed ones, print the same and evaluate the same; wrong
 * operators and names give NULL, and a failed inner build frees everything (ASan checks). */
static void test_builders(void **state) {
  (void)state;
  uat_expr *built = uat_expr_binary(
      UAT_EXPR_ADD,
      uat_expr_unary(UAT_EXPR_SIN,
                     uat_expr_binary(UAT_EXPR_MUL, uat_expr_number(2.0), uat_expr_variable("x"))),
      uat_expr_binary(UAT_EXPR_POW, uat_expr_variable("x"), uat_expr_constant("pi")));
  assert_non_null(built);
  uat_expr *parsed = NULL;
  uat_error err;
  assert_int_equal(uat_expr_parse("sin(2*x) + x^pi", &parsed, &err), UAT_OK);
  assert_true(uat_expr_equal(built, parsed));
  char a[128], b[128];
  uat_expr_print(built, a, sizeof a);
  uat_expr_print(parsed, b, sizeof b);
  assert_string_equal(a, b);
  const char *names[1] = {"x"};
  uat_expr_program *pb = NULL, *pp = NULL;
  assert_int_equal(uat_expr_compile(built, 1, names, &pb, &err), UAT_OK);
  assert_int_equal(uat_expr_compile(parsed, 1, names, &pp, &err), UAT_OK);
  const double x = 0.7;
  uat_assert_close(uat_expr_program_eval(pb, &x), sin(1.4) + pow(0.7, M_PI), 1e-15, 0);
  assert_true(uat_expr_program_eval(pb, &x) == uat_expr_program_eval(pp, &x));
  uat_expr_program_free(pb);
  uat_expr_program_free(pp);
  uat_expr_free(built);
  uat_expr_free(parsed);
  assert_null(uat_expr_number(NAN));
  assert_null(uat_expr_variable("sin"));
  assert_null(uat_expr_variable("2x"));
  assert_null(uat_expr_variable("pi"));
  assert_null(uat_expr_constant("tau"));
  assert_null(uat_expr_unary(UAT_EXPR_ADD, uat_expr_variable("x")));
  assert_null(uat_expr_binary(UAT_EXPR_SIN, uat_expr_variable("x"), uat_expr_number(1)));
  assert_null(uat_expr_binary(UAT_EXPR_ADD, uat_expr_variable("x"), uat_expr_variable("1y")));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_values),
      cmocka_unit_test(test_builders),
      cmocka_unit_test(test_parse_errors),
      cmocka_unit_test(test_derivative_rules),
      cmocka_unit_test(test_derivatives_vs_finite_differences),
      cmocka_unit_test(test_simplify_identities),
      cmocka_unit_test(test_print_parse_round_trip),
      cmocka_unit_test(test_round_trip_negated_factors),
      cmocka_unit_test(test_latex),
      cmocka_unit_test(test_compile_and_variables),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
