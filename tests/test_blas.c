/* test_blas.c — the CBLAS every caller resolves to is GSL's reference libgslcblas, whose
 * results do not depend on the CPU, and never OpenBLAS, whose run-time kernel choice would
 * make them depend on it (cmake/Dependencies.cmake; verified at run time). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <gsl/gsl_blas.h>
#include <string.h>

#include "test_util.h"
#include "uat/mlp.h"

static void expect_gslcblas(const char *symbol) {
  void *p = dlsym(RTLD_DEFAULT, symbol);
  assert_non_null(p);
  Dl_info info;
  assert_int_not_equal(dladdr(p, &info), 0);
  if (strstr(info.dli_fname, "libgslcblas") == NULL)
    print_error("%s resolves to %s\n", symbol, info.dli_fname);
  assert_non_null(strstr(info.dli_fname, "libgslcblas"));
}

/* This program is linked the way uat and every user of libuat is: through libuat alone. */
static void test_cblas_is_gslcblas(void **state) {
  (void)state;
  const size_t sizes[2] = {2, 1};
  const uat_activation act = UAT_ACT_IDENTITY;
  uat_mlp *m = uat_mlp_alloc(2, sizes, &act);
  assert_non_null(m);
  uat_mlp_free(m);
  expect_gslcblas("cblas_dgemm");
  expect_gslcblas("cblas_ddot");
  expect_gslcblas("cblas_dgemv");
}

/* GSL's BLAS layer still computes correctly through it: a 2x2 product by hand. */
static void test_gsl_blas_through_gslcblas(void **state) {
  (void)state;
  double a[4] = {1.5, -2.0, 0.25, 3.0}, b[4] = {2.0, 1.0, -1.0, 0.5}, c[4] = {0};
  gsl_matrix_view A = gsl_matrix_view_array(a, 2, 2), B = gsl_matrix_view_array(b, 2, 2),
                  C = gsl_matrix_view_array(c, 2, 2);
  gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &A.matrix, &B.matrix, 0.0, &C.matrix);
  uat_assert_close(c[0], 5.0, 0, 0);
  uat_assert_close(c[1], 0.5, 0, 0);
  uat_assert_close(c[2], -2.5, 0, 0);
  uat_assert_close(c[3], 1.75, 0, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cblas_is_gslcblas),
      cmocka_unit_test(test_gsl_blas_through_gslcblas),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
