/* fuzz_expr.c — libFuzzer target for the expression parser and everything built on it.
 *
 * For every input that parses: printing must parse back to an expression that evaluates to the
 * same bits; simplification, differentiation, LaTeX and compilation must neither crash nor
 * leak. Built when clang is the compiler and UAT_FUZZ is on (scripts/test --fuzz). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uat/expr.h"
#include "uat/poly.h"

static char *print_alloc(const uat_expr *e, int latex) {
  const size_t len = latex ? uat_expr_latex(e, NULL, 0) : uat_expr_print(e, NULL, 0);
  char *buf = malloc(len + 1);
  if (buf == NULL) return NULL;
  if (latex)
    uat_expr_latex(e, buf, len + 1);
  else
    uat_expr_print(e, buf, len + 1);
  return buf;
}

static void check_round_trip(const uat_expr *e, const char *const *names, size_t n) {
  char *text = print_alloc(e, 0);
  uat_expr *back = NULL;
  uat_error err;
  if (text == NULL) return;
  if (uat_expr_parse(text, &back, &err) != UAT_OK) {
    /* printing may add brackets; only the nesting limit may then refuse it */
    if (strstr(err.msg, "nesting") == NULL) abort();
    free(text);
    return;
  }
  uat_expr_program *p1 = NULL, *p2 = NULL;
  if (uat_expr_compile(e, n, names, &p1, &err) == UAT_OK &&
      uat_expr_compile(back, n, names, &p2, &err) == UAT_OK) {
    double v[16];
    for (size_t i = 0; i < n; i++) v[i] = 0.75 + 0.5 * (double)i;
    const double a = uat_expr_program_eval(p1, v), b = uat_expr_program_eval(p2, v);
    if (!(a == b || (isnan(a) && isnan(b)))) abort();
  }
  uat_expr_program_free(p1);
  uat_expr_program_free(p2);
  uat_expr_free(back);
  free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (text == NULL) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  uat_expr *e = NULL;
  uat_error err;
  if (uat_expr_parse(text, &e, &err) == UAT_OK) {
    const char *names[16];
    const size_t n = uat_expr_variables(e, names, 16);
    if (n <= 16) check_round_trip(e, names, n);
    free(print_alloc(e, 1));
    uat_expr_free(uat_expr_simplify(e));
    uat_error perr;
    uat_expr_free(
        uat_expr_expand(e, &perr)); /* an error (a limit) is fine, a crash or leak is not */
    if (n > 0 && n <= 16 && uat_expr_size(e) <= 200) {
      uat_expr *d = uat_expr_diff(e, names[0]);
      if (d) free(print_alloc(d, 0));
      uat_expr_free(d);
    }
    uat_expr_free(e);
  }
  free(text);
  return 0;
}
