/* test_extract.c — truth tables to minimal sums of products: every function of up to three
 * inputs against an exhaustive search, don't-cares, twelve inputs, and trained networks. */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "uat/extract.h"
#include "uat/run.h"

static int covers(uint32_t value, uint32_t mask, uint32_t row) { return (row & mask) == value; }

/* The value of the sum of products at row. */
static int sop_value(const uat_sop *s, uint32_t row) {
  for (size_t k = 0; k < s->n_terms; k++)
    if (covers(s->terms[k].value, s->terms[k].mask, row)) return 1;
  return 0;
}

/* Whether the cubes chosen[0..k) make a sum of products equal to the table. */
static int equal(size_t n, const unsigned char *t, const uat_implicant *c, const size_t *chosen,
                 size_t k) {
  for (uint32_t r = 0; r < (1u << n); r++) {
    int v = 0;
    for (size_t j = 0; j < k && !v; j++) v = covers(c[chosen[j]].value, c[chosen[j]].mask, r);
    if (t[r] != 2 && v != t[r]) return 0;
  }
  return 1;
}

/* Every k-subset of the nc cubes from position `from` on (chosen[0..depth) fixed). */
static void search(size_t n, const unsigned char *t, const uat_implicant *c, size_t nc,
                   size_t *chosen, size_t depth, size_t k, size_t from, size_t *lits) {
  if (depth == k) {
    size_t l = 0;
    for (size_t j = 0; j < k; j++) l += (size_t)__builtin_popcount(c[chosen[j]].mask);
    if (l < *lits && equal(n, t, c, chosen, k)) *lits = l;
    return;
  }
  for (size_t j = from; j < nc; j++) {
    chosen[depth] = j;
    search(n, t, c, nc, chosen, depth + 1, k, j + 1, lits);
  }
}

/* The fewest products (then literals) of any sum of products equal to the table, by trying every
 * set of implicants (of the 3^n cubes) in order of size: the definition of minimal, independent
 * of Quine-McCluskey. */
static void exhaustive(size_t n, const unsigned char *t, size_t *terms, size_t *lits) {
  const size_t rows = (size_t)1 << n;
  uat_implicant cubes[27];
  size_t nc = 0, chosen[8];
  for (uint32_t mask = 0; mask < rows; mask++)
    for (uint32_t value = 0; value < rows; value++) {
      if ((value & ~mask) != 0) continue;
      int ok = 1; /* an implicant covers no 0 row */
      for (uint32_t r = 0; r < rows && ok; r++) ok = !(covers(value, mask, r) && t[r] == 0);
      if (ok) cubes[nc++] = (uat_implicant){value, mask};
    }
  *lits = SIZE_MAX;
  for (*terms = 0; *terms <= 8; ++*terms) {
    search(n, t, cubes, nc, chosen, 0, *terms, 0, lits);
    if (*lits != SIZE_MAX) return;
  }
}

static void test_all_small_functions(void **state) {
  (void)state;
  for (size_t n = 1; n <= 3; n++) {
    const size_t rows = (size_t)1 << n;
    for (unsigned f = 0; f < (1u << rows); f++) {
      unsigned char t[8];
      for (size_t r = 0; r < rows; r++) t[r] = (unsigned char)(f >> r & 1);
      uat_sop s;
      uat_error err;
      assert_int_equal(uat_logic_minimise(n, t, &s, &err), UAT_OK);
      assert_true(s.exact);
      for (uint32_t r = 0; r < rows; r++) assert_int_equal(sop_value(&s, r), t[r]);
      size_t terms, lits;
      exhaustive(n, t, &terms, &lits);
      if (s.n_terms != terms || s.literals != lits)
        print_error("n %zu, f %u: %zu terms %zu literals, exhaustive %zu %zu\n", n, f, s.n_terms,
                    s.literals, terms, lits);
      assert_int_equal(s.n_terms, terms);
      assert_int_equal(s.literals, lits);
      uat_sop_free(&s);
    }
  }
}

/* XOR with the row 11 left open is OR; the printed forms. */
static void test_dont_care_and_text(void **state) {
  (void)state;
  unsigned char t[4] = {0, 1, 1, UAT_DONT_CARE};
  uat_sop s;
  uat_error err;
  assert_int_equal(uat_logic_minimise(2, t, &s, &err), UAT_OK);
  assert_int_equal(s.n_terms, 2);
  assert_int_equal(s.literals, 2);
  char buf[256];
  uat_sop_logic(&s, NULL, buf, sizeof buf);
  assert_string_equal(buf, "x1 or x2");
  uat_expr *e = uat_sop_expr(&s, NULL);
  uat_expr_print(e, buf, sizeof buf);
  assert_string_equal(buf, "max(x1, x2)");
  uat_expr_free(e);
  uat_sop_free(&s);
  const unsigned char zero[2] = {0, 0}, one[2] = {1, 1};
  assert_int_equal(uat_logic_minimise(1, zero, &s, &err), UAT_OK);
  assert_int_equal(s.n_terms, 0);
  assert_int_equal(uat_logic_minimise(1, one, &s, &err), UAT_OK);
  assert_int_equal(s.n_terms, 1);
  assert_int_equal(s.terms[0].mask, 0);
  uat_sop_free(&s);
}

/* Twelve inputs: x1 and x2, or x3 and not x12 (1024 + 768 rows), recovered exactly. */
static void test_twelve_inputs(void **state) {
  (void)state;
  const size_t n = 12, rows = 4096;
  unsigned char *t = malloc(rows);
  for (size_t r = 0; r < rows; r++) {
    const int x1 = r >> 11 & 1, x2 = r >> 10 & 1, x3 = r >> 9 & 1, x12 = r & 1;
    t[r] = (unsigned char)((x1 && x2) || (x3 && !x12));
  }
  uat_sop s;
  uat_error err;
  assert_int_equal(uat_logic_minimise(n, t, &s, &err), UAT_OK);
  char buf[256];
  uat_sop_logic(&s, NULL, buf, sizeof buf);
  print_message("12 inputs: %s\n", buf);
  assert_string_equal(buf, "(x1 and x2) or (x3 and not x12)");
  assert_true(s.exact);
  uat_sop_free(&s);
  free(t);
}

/* Networks trained to 100% on the 16 functions of two inputs and 16 of three: the extracted
 * formula equals the target on every input. */
static void test_trained_networks(void **state) {
  (void)state;
  size_t done = 0;
  for (int n = 2; n <= 3; n++)
    for (unsigned k = 0; k < 16; k++) {
      const unsigned f = n == 2 ? k : k * 17 % 256, rows = 1u << n;
      char spec[16] = "bool:";
      for (unsigned r = 0; r < rows; r++) spec[5 + r] = (char)('0' + (f >> r & 1));
      spec[5 + rows] = '\0';
      uat_run_spec sp;
      uat_run_spec_defaults(&sp);
      sp.target = spec;
      sp.width = 8;
      sp.fit = uat_fit_default_params(UAT_FIT_LBFGS);
      sp.fit.max_iter = 300;
      uat_mlp *m = NULL;
      uat_run_result r;
      uat_error err;
      assert_int_equal(uat_run(&sp, &m, &r, &err), UAT_OK);
      if (r.report.accuracy != 1.0) {
        uat_mlp_free(m);
        continue;
      }
      unsigned char t[8];
      assert_int_equal(uat_mlp_truth_table(m, 0, 0.5, t), UAT_OK);
      uat_sop s;
      assert_int_equal(uat_logic_minimise((size_t)n, t, &s, &err), UAT_OK);
      for (unsigned row = 0; row < rows; row++) assert_int_equal(sop_value(&s, row), f >> row & 1);
      uat_sop_free(&s);
      uat_mlp_free(m);
      done++;
    }
  print_message("%zu of 32 networks trained to 100%% and extracted\n", done);
  assert_true(done >= 30);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_all_small_functions),
      cmocka_unit_test(test_dont_care_and_text),
      cmocka_unit_test(test_twelve_inputs),
      cmocka_unit_test(test_trained_networks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
