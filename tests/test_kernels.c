/* test_kernels.c — uat's fixed-order kernels (uat/kernels.h).
 *
 * Independent references: (1) the definition itself, a plain triple loop of the C library's
 * correctly rounded fma() in increasing inner index, which every kernel set must match bit for
 * bit; (2) long-double products and long-double tanhl/expl, which bound the error;
 * (3) special values whose results are exact. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "test_util.h"
#include "uat/kernels.h"
#include "uat/status.h"

static double op_a(int ta, const double *A, size_t lda, size_t i, size_t p) {
  return ta ? A[p * lda + i] : A[i * lda + p];
}
static double op_b(int tb, const double *B, size_t ldb, size_t p, size_t j) {
  return tb ? B[j * ldb + p] : B[p * ldb + j];
}

/* The definition of uat_gemm's order, written independently of lib/kernels.c. */
static void gemm_definition(int ta, int tb, size_t M, size_t N, size_t K, const double *A,
                            size_t lda, const double *B, size_t ldb, int acc, double *C,
                            size_t ldc) {
  for (size_t i = 0; i < M; i++)
    for (size_t j = 0; j < N; j++) {
      double c = acc ? C[i * ldc + j] : 0.0;
      for (size_t p = 0; p < K; p++) c = fma(op_a(ta, A, lda, i, p), op_b(tb, B, ldb, p, j), c);
      C[i * ldc + j] = c;
    }
}

/* Shapes that hit every path: tiny (unpacked), one row, one column (transposed problem),
 * partial tiles, several KC and MC blocks. */
static const size_t shapes[][3] = {{1, 1, 1},      {3, 5, 7},    {1, 300, 40},  {256, 1, 32},
                                   {256, 32, 1},   {17, 23, 29}, {33, 65, 300}, {100, 3, 257},
                                   {200, 130, 70}, {2, 1, 600},  {9, 17, 513}};

static void test_gemm_matches_definition_on_every_isa(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 2385);
  const uat_isa isa0 = uat_kernel_isa();
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
    for (int flags = 0; flags < 8; flags++) {
      const size_t M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
      const int ta = flags & 1, tb = (flags >> 1) & 1, acc = (flags >> 2) & 1;
      const size_t lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 1, ldc = N + 2;
      double *A = malloc((ta ? K : M) * lda * sizeof *A),
             *B = malloc((tb ? N : K) * ldb * sizeof *B);
      double *C0 = malloc(M * ldc * sizeof *C0), *ref = malloc(M * ldc * sizeof *ref),
             *C = malloc(M * ldc * sizeof *C);
      double *pack = malloc((uat_gemm_pack_size(M, N, K) + 1) * sizeof *pack);
      for (size_t i = 0; i < (ta ? K : M) * lda; i++) A[i] = gsl_ran_gaussian(r, 1.0);
      for (size_t i = 0; i < (tb ? N : K) * ldb; i++) B[i] = gsl_ran_gaussian(r, 1.0);
      for (size_t i = 0; i < M * ldc; i++) C0[i] = gsl_ran_gaussian(r, 1.0);
      memcpy(ref, C0, M * ldc * sizeof *ref);
      gemm_definition(ta, tb, M, N, K, A, lda, B, ldb, acc, ref, ldc);
      for (int k = 0; k < UAT_ISA_COUNT; k++) {
        if (uat_kernel_select((uat_isa)k) != UAT_OK) continue;
        memcpy(C, C0, M * ldc * sizeof *C);
        uat_gemm(ta, tb, M, N, K, A, lda, B, ldb, acc, C, ldc, pack);
        if (memcmp(C, ref, M * ldc * sizeof *C) != 0)
          fail_msg("%s: %zux%zux%zu ta=%d tb=%d acc=%d differs from the definition",
                   uat_kernel_isa_name((uat_isa)k), M, N, K, ta, tb, acc);
      }
      free(A);
      free(B);
      free(C0);
      free(ref);
      free(C);
      free(pack);
    }
  uat_kernel_select(isa0);
  gsl_rng_free(r);
}

/* uat_outer and uat_dot_rows are the definition's chains too (a layer with one input, one
 * output): bit for bit, on every kernel set, signed zeros included (fma(-1, 0, 0) is +0). */
static void test_thin_products_match_definition(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 99);
  const uat_isa isa0 = uat_kernel_isa();
  const size_t sizes[][2] = {{1, 1}, {7, 3}, {256, 32}, {13, 9}, {64, 17}, {9, 600}};
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    const size_t n = sizes[s][0], m = sizes[s][1];
    double *x = malloc(n * sizeof *x), *w = malloc(m * sizeof *w), *c = malloc(m * sizeof *c);
    double *a = malloc(n * m * sizeof *a), *z = malloc(n * m * sizeof *z),
           *ref = malloc(n * m * sizeof *ref);
    for (size_t i = 0; i < n; i++) x[i] = i % 5 == 0 ? -1.0 : gsl_ran_gaussian(r, 1.0);
    for (size_t j = 0; j < m; j++) w[j] = j % 4 == 0 ? 0.0 : gsl_ran_gaussian(r, 1.0);
    for (size_t j = 0; j < m; j++) c[j] = gsl_ran_gaussian(r, 1.0);
    for (size_t i = 0; i < n * m; i++) a[i] = gsl_ran_gaussian(r, 1.0);
    for (int k = 0; k < UAT_ISA_COUNT; k++) {
      if (uat_kernel_select((uat_isa)k) != UAT_OK) continue;
      for (int with_c = 0; with_c < 2; with_c++) { /* x (n x 1) w (1 x m) from c or 0 */
        for (size_t i = 0; i < n; i++)
          for (size_t j = 0; j < m; j++) ref[i * m + j] = with_c ? c[j] : 0.0;
        gemm_definition(0, 0, n, m, 1, x, 1, w, m, 1, ref, m);
        uat_outer(n, m, x, w, with_c ? c : NULL, z);
        if (memcmp(z, ref, n * m * sizeof *z) != 0)
          fail_msg("%s: uat_outer %zux%zu (c %d) differs", uat_kernel_isa_name((uat_isa)k), n, m,
                   with_c);
      }
      for (size_t i = 0; i < n; i++) ref[i] = 0.25; /* a (n x m) w^T from b */
      gemm_definition(0, 1, n, 1, m, a, m, w, m, 1, ref, 1);
      uat_dot_rows(n, m, a, w, 0.25, z);
      if (memcmp(z, ref, n * sizeof *z) != 0)
        fail_msg("%s: uat_dot_rows %zux%zu differs", uat_kernel_isa_name((uat_isa)k), n, m);
    }
    free(x);
    free(w);
    free(c);
    free(a);
    free(z);
    free(ref);
  }
  uat_kernel_select(isa0);
  gsl_rng_free(r);
}

/* uat_thin_forward/backward (the 1-H-1 network in one pass each way) against the layers
 * written out here: the definition's chains, the scalar activation, and the activation's
 * derivative as written; bit for bit on every kernel set, for widths and batches that leave
 * partial vectors and partial transposes. */
static void thin_reference(int sigmoid, size_t n, size_t H, const double *x, const double *th,
                           const double *d, double *z, double *a, double *zo, double *g,
                           double *grad) {
  const double *w1 = th, *b1 = th + H, *w2 = th + 2 * H, b2 = th[3 * H];
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < H; j++) z[i * H + j] = b1[j];
  gemm_definition(0, 0, n, H, 1, x, 1, w1, H, 1, z, H);
  for (size_t i = 0; i < n * H; i++) a[i] = sigmoid ? uat_sigmoid(z[i]) : uat_tanh(z[i]);
  for (size_t i = 0; i < n; i++) zo[i] = b2;
  gemm_definition(0, 1, n, 1, H, a, H, w2, H, 1, zo, 1);
  for (size_t i = 0; i < n * H; i++) g[i] = 0.0;
  gemm_definition(0, 0, n, H, 1, d, 1, w2, H, 1, g, H);
  for (size_t i = 0; i < n * H; i++) g[i] *= sigmoid ? a[i] * (1.0 - a[i]) : 1.0 - a[i] * a[i];
  const double one = 1.0;
  gemm_definition(1, 0, H, 1, n, g, H, x, 1, 0, grad, 1);            /* dw1 = g^T x */
  gemm_definition(1, 0, 1, H, n, &one, 0, g, H, 0, grad + H, H);     /* db1 = 1^T g */
  gemm_definition(1, 0, 1, H, n, d, 1, a, H, 0, grad + 2 * H, H);    /* dw2 = d^T a */
  gemm_definition(1, 0, 1, 1, n, &one, 0, d, 1, 0, grad + 3 * H, 1); /* db2 = 1^T d */
}

static void test_thin_network_matches_layers(void **state) {
  (void)state;
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 7);
  const uat_isa isa0 = uat_kernel_isa();
  const size_t sizes[][2] = {{1, 1}, {5, 3}, {8, 8}, {19, 13}, {256, 32}, {37, 70}, {3, 41}};
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    const size_t n = sizes[s][0], H = sizes[s][1], P = 3 * H + 1;
    double *x = malloc(n * sizeof *x), *d = malloc(n * sizeof *d), *th = malloc(P * sizeof *th);
    double *buf[2][5];
    for (int k = 0; k < 2; k++) {
      for (int b = 0; b < 4; b++) buf[k][b] = malloc(n * H * sizeof(double));
      buf[k][4] = malloc(P * sizeof(double));
    }
    for (size_t i = 0; i < n; i++) x[i] = i % 7 == 0 ? 0.0 : gsl_ran_gaussian(r, 2.0);
    for (size_t i = 0; i < n; i++) d[i] = i % 5 == 1 ? -0.0 : gsl_ran_gaussian(r, 1.0);
    for (size_t p = 0; p < P; p++) th[p] = p % 6 == 0 ? 0.0 : gsl_ran_gaussian(r, 3.0);
    for (int sig = 0; sig < 2; sig++) {
      double **ref = buf[0], **got = buf[1];
      thin_reference(sig, n, H, x, th, d, ref[0], ref[1], ref[2], ref[3], ref[4]);
      for (int k = 0; k < UAT_ISA_COUNT; k++) {
        if (uat_kernel_select((uat_isa)k) != UAT_OK) continue;
        uat_thin_forward(sig, n, H, x, th, th + H, th + 2 * H, th[3 * H], got[0], got[1], got[2]);
        uat_thin_backward(sig, n, H, x, got[1], d, th + 2 * H, got[4], got[4] + H, got[4] + 2 * H,
                          got[4] + 3 * H);
        const int same = memcmp(got[0], ref[0], n * H * sizeof(double)) == 0 &&
                         memcmp(got[1], ref[1], n * H * sizeof(double)) == 0 &&
                         memcmp(got[2], ref[2], n * sizeof(double)) == 0 &&
                         memcmp(got[4], ref[4], P * sizeof(double)) == 0;
        if (!same)
          fail_msg("%s: 1-%zu-1 on %zu points (%s) differs from the layers",
                   uat_kernel_isa_name((uat_isa)k), H, n, sig ? "sigmoid" : "tanh");
      }
    }
    for (int k = 0; k < 2; k++)
      for (int b = 0; b < 5; b++) free(buf[k][b]);
    free(x);
    free(d);
    free(th);
  }
  uat_kernel_select(isa0);
  gsl_rng_free(r);
}

/* Against long double: |C - C_exact| <= K eps sum |a||b| (the classical bound; fma halves the
 * roundings, so this is loose by about 2). */
static void test_gemm_error_bound(void **state) {
  (void)state;
  enum { M = 37, N = 41, K = 300 };
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_rng_set(r, 7);
  static double A[M * K], B[K * N], C[M * N];
  double *pack = malloc(uat_gemm_pack_size(M, N, K) * sizeof *pack);
  for (size_t i = 0; i < M * K; i++) A[i] = gsl_ran_flat(r, -1, 1);
  for (size_t i = 0; i < K * N; i++) B[i] = gsl_ran_flat(r, -1, 1);
  uat_gemm(0, 0, M, N, K, A, K, B, N, 0, C, N, pack);
  for (size_t i = 0; i < M; i++)
    for (size_t j = 0; j < N; j++) {
      long double exact = 0, mag = 0;
      for (size_t p = 0; p < K; p++) {
        exact += (long double)A[i * K + p] * B[p * N + j];
        mag += fabsl((long double)A[i * K + p] * B[p * N + j]);
      }
      uat_assert_close(C[i * N + j], (double)exact, (double)(K * DBL_EPSILON * mag), 0);
    }
  free(pack);
  gsl_rng_free(r);
}

/* Largest error in ulps of the double result against a long-double reference. */
static double ulps(double got, long double want) {
  const double w = (double)want;
  if (w == 0) return got == 0 ? 0 : INFINITY;
  const double ulp = nextafter(fabs(w), INFINITY) - fabs(w);
  return (double)(fabsl((long double)got - want) / ulp);
}

typedef void (*vfn)(size_t, const double *, double *);

/* Max ulp error over n points of [lo, hi] plus the same bits on every ISA and in the scalar
 * form. */
static double check_function(vfn f, double (*scalar)(double), long double (*ref)(long double),
                             double lo, double hi) {
  enum { n = 20001 };
  static double x[n], y0[n], y[n];
  for (size_t i = 0; i < n; i++)
    x[i] = lo + (hi - lo) * (double)i / (n - 1) * (1 + 1e-9 * (double)(i % 7));
  const uat_isa isa0 = uat_kernel_isa();
  uat_kernel_select(UAT_ISA_GENERIC);
  f(n, x, y0);
  double worst = 0;
  for (size_t i = 0; i < n; i++) {
    const double u = ulps(y0[i], ref(x[i]));
    if (u > worst) worst = u;
    assert_memory_equal(&y0[i], &(double){scalar(x[i])}, sizeof(double));
  }
  for (int k = 1; k < UAT_ISA_COUNT; k++) {
    if (uat_kernel_select((uat_isa)k) != UAT_OK) continue;
    f(n - 3, x, y); /* a length that leaves a tail */
    assert_memory_equal(y, y0, (n - 3) * sizeof *y);
  }
  uat_kernel_select(isa0);
  return worst;
}

static long double ref_tanh(long double x) { return tanhl(x); }
static long double ref_exp(long double x) { return expl(x); }
static long double ref_sigmoid(long double x) { return 1.0L / (1.0L + expl(-x)); }

/* Error bounds: docs/performance.md states them; the measured maxima are below 2 ulp. The
 * reference needs long double's 64-bit significand; where long double arithmetic is only
 * double (valgrind emulates x87 that way) the bound cannot be judged and only the identity
 * across kernel sets is checked. */
static void test_functions_accuracy_and_identity(void **state) {
  (void)state;
  volatile long double one = 1.0L, tiny = LDBL_EPSILON;
  const double tol = (one + tiny != one) ? 2.0 : INFINITY;
  if (tol == INFINITY)
    print_message("long double has no extended precision here: ulp bounds not judged\n");
  double e;
  e = check_function(uat_vtanh, uat_tanh, ref_tanh, -25, 25);
  print_message("max error: tanh %.3f ulp\n", e);
  if (e > tol) fail_msg("tanh: %.3f ulp", e);
  e = check_function(uat_vtanh, uat_tanh, ref_tanh, -1e-3, 1e-3);
  if (e > tol) fail_msg("tanh near 0: %.3f ulp", e);
  e = check_function(uat_vexp, uat_exp, ref_exp, -700, 700);
  print_message("max error: exp %.3f ulp\n", e);
  if (e > tol) fail_msg("exp: %.3f ulp", e);
  e = check_function(uat_vexp, uat_exp, ref_exp, -1, 1);
  if (e > tol) fail_msg("exp on [-1, 1]: %.3f ulp", e);
  e = check_function(uat_vsigmoid, uat_sigmoid, ref_sigmoid, -700, 40);
  print_message("max error: sigmoid %.3f ulp\n", e);
  if (e > tol) fail_msg("sigmoid: %.3f ulp", e);
}

/* Exact values at the edges: signs, saturation, overflow, underflow, NaN. */
/* The sigmoid scales exp(-|x|) by 2^k in one step while |x| <= 700 and in two beyond (where
 * the result may be subnormal): both must give the value written with uat_exp, the two-step
 * form, 1 / (1 + e) or e / (1 + e). Vectors mix lanes on both sides of 700, NaN included. */
static void test_sigmoid_scaling(void **state) {
  (void)state;
  const uat_isa isa0 = uat_kernel_isa();
  enum { N = 4003 };
  double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
  for (size_t i = 0; i < N; i++)
    x[i] = -760.0 + 1520.0 * (double)i / (N - 1) + 1e-3 * (double)(i % 7);
  x[5] = NAN;
  x[17] = 700.0;
  x[18] = -700.0;
  x[19] = nextafter(700.0, 800.0);
  for (int k = 0; k < UAT_ISA_COUNT; k++) {
    if (uat_kernel_select((uat_isa)k) != UAT_OK) continue;
    uat_vsigmoid(N, x, y);
    for (size_t i = 0; i < N; i++) {
      const double e = uat_exp(-fabs(x[i])), ref = x[i] >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
      if (!(y[i] == ref || (isnan(y[i]) && isnan(ref))) || uat_sigmoid(x[i]) != y[i])
        if (!isnan(x[i]))
          fail_msg("%s: sigmoid(%.17g) = %.17g, from exp %.17g", uat_kernel_isa_name((uat_isa)k),
                   x[i], y[i], ref);
    }
    assert_true(isnan(y[5]));
  }
  uat_kernel_select(isa0);
  free(x);
  free(y);
}

static void test_special_values(void **state) {
  (void)state;
  assert_true(uat_tanh(0.0) == 0.0 && !signbit(uat_tanh(0.0)));
  assert_true(uat_tanh(-0.0) == 0.0 && signbit(uat_tanh(-0.0)));
  assert_true(uat_tanh(INFINITY) == 1.0 && uat_tanh(-INFINITY) == -1.0);
  assert_true(uat_tanh(30.0) == 1.0);
  assert_true(uat_tanh(1e-300) == 1e-300);
  assert_true(isnan(uat_tanh(NAN)) && isnan(uat_sigmoid(NAN)) && isnan(uat_exp(NAN)));
  assert_true(uat_exp(0.0) == 1.0);
  uat_assert_close(uat_exp(1.0), 0x1.5bf0a8b145769p+1, 0, 2.3e-16); /* e, within 1 ulp */
  assert_true(isinf(uat_exp(710.0)) && uat_exp(-800.0) == 0.0);
  /* exp(-740) is subnormal: within one subnormal ulp of the long-double value */
  uat_assert_close(uat_exp(-740.0), (double)expl(-740.0L), 5e-324, 0);
  assert_true(uat_sigmoid(0.0) == 0.5 && uat_sigmoid(800.0) == 1.0 && uat_sigmoid(-800.0) == 0.0);
  assert_true(uat_sigmoid(INFINITY) == 1.0 && uat_sigmoid(-INFINITY) == 0.0);
}

static void test_select(void **state) {
  (void)state;
  assert_int_equal(uat_kernel_select(UAT_ISA_GENERIC), UAT_OK);
  assert_int_equal(uat_kernel_isa(), UAT_ISA_GENERIC);
  assert_int_equal(uat_kernel_select(UAT_ISA_COUNT), UAT_EINVAL);
  assert_string_equal(uat_kernel_isa_name(UAT_ISA_AVX512), "avx512");
  /* GSL's linear algebra resolves cblas_* to GSL's own reference CBLAS, never OpenBLAS */
  assert_non_null(strstr(uat_cblas_library(), "libgslcblas"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gemm_matches_definition_on_every_isa),
      cmocka_unit_test(test_thin_products_match_definition),
      cmocka_unit_test(test_thin_network_matches_layers),
      cmocka_unit_test(test_gemm_error_bound),
      cmocka_unit_test(test_functions_accuracy_and_identity),
      cmocka_unit_test(test_special_values),
      cmocka_unit_test(test_sigmoid_scaling),
      cmocka_unit_test(test_select),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
