/* test_memory.c — the Hopfield network: Hebbian storage, recall, energy, capacity. */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "uat/init.h"
#include "uat/memory.h"

static double energy(const uat_hopfield *h, const signed char *s) {
  double e = 0;
  for (size_t i = 0; i < h->n; i++)
    for (size_t j = 0; j < h->n; j++) e -= 0.5 * h->w[i * h->n + j] * s[i] * s[j];
  return e;
}

/* One stored pattern is a fixed point and is recalled exactly from 30% of its units flipped; the
 * weights are symmetric with a zero diagonal; the energy -s'Ws/2 never rises during recall. */
static void test_store_and_recall(void **state) {
  (void)state;
  const size_t n = 100;
  uat_hopfield *h = uat_hopfield_alloc(n);
  gsl_rng *r = uat_rng_alloc(4);
  signed char xi[5 * 100], s[100];
  for (size_t i = 0; i < 5 * n; i++) xi[i] = gsl_rng_uniform(r) < 0.5 ? 1 : -1;
  uat_hopfield_store(h, 1, xi);
  for (size_t i = 0; i < n; i++) {
    uat_assert_close(h->w[i * n + i], 0.0, 0, 0);
    for (size_t j = 0; j < n; j++) uat_assert_close(h->w[i * n + j], h->w[j * n + i], 0, 0);
  }
  memcpy(s, xi, n);
  assert_int_equal(uat_hopfield_recall(h, s, 10, r), 1); /* nothing changes */
  for (size_t i = 0; i < 30; i++) s[i * 3] = (signed char)-s[i * 3];
  uat_hopfield_recall(h, s, 10, r);
  uat_assert_close(uat_hopfield_overlap(n, s, xi), 1.0, 0, 0);
  uat_hopfield_store(h, 5, xi); /* five patterns: the energy falls sweep by sweep */
  for (size_t i = 0; i < n; i++) s[i] = gsl_rng_uniform(r) < 0.5 ? 1 : -1;
  double e = energy(h, s);
  for (int k = 0; k < 10; k++) {
    uat_hopfield_recall(h, s, 1, r);
    const double e2 = energy(h, s);
    assert_true(e2 <= e + 1e-12);
    e = e2;
  }
  gsl_rng_free(r);
  uat_hopfield_free(h);
}

/* Recall from 10% noise holds below the classical capacity 0.138 and collapses above it. */
static void test_capacity(void **state) {
  (void)state;
  const double loads[3] = {0.05, 0.1, 0.2};
  double frac[3];
  for (int k = 0; k < 3; k++) {
    uat_memory_point pt;
    uat_error err;
    assert_int_equal(uat_hopfield_capacity(200, loads[k], 0.1, 3, 0, &pt, &err), UAT_OK);
    frac[k] = (double)pt.recalled / (double)pt.tested;
    print_message("N 200, load %.2f: %zu of %zu recalled, mean overlap %.3f\n", pt.load,
                  pt.recalled, pt.tested, pt.mean_overlap);
  }
  assert_true(frac[0] >= 0.95);
  assert_true(frac[1] >= 0.9);
  assert_true(frac[2] < 0.5);
  uat_memory_point pt;
  uat_error err;
  assert_int_equal(uat_hopfield_capacity(1, 0.1, 0.1, 1, 0, &pt, &err), UAT_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_store_and_recall),
      cmocka_unit_test(test_capacity),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
