/* test_adapt.c — adaptive learning: LMS's misadjustment against Widrow's formula, an Adaline
 * tracking a linear map whose coefficient drifts, a network tracking a drifting sine. */
#include <math.h>
#include <string.h>

#include "test_util.h"
#include "uat/adapt.h"

/* The steady-state excess error of LMS over the noise, M = (mu/2) tr R / (1 - (mu/2) tr R)
 * (Widrow & Stearns 1985, for small steps under the independence assumption), measured from the
 * weights' distance to the optimum with R known: within 5% for two step sizes and widths. */
static void test_misadjustment(void **state) {
  (void)state;
  const size_t inputs[2] = {2, 4};
  const double mu[2] = {0.05, 0.02};
  for (int k = 0; k < 2; k++) {
    uat_misadjustment_spec s;
    uat_misadjustment_spec_defaults(&s);
    s.inputs = inputs[k];
    s.mu = mu[k];
    uat_misadjustment m;
    uat_error err;
    assert_int_equal(uat_misadjustment_run(&s, &m, &err), UAT_OK);
    print_message("n = %zu, mu = %g: M theory %.5f, measured %.5f, from the MSE %.5f\n", inputs[k],
                  mu[k], m.theory, m.measured, m.mse_ratio);
    uat_assert_close(m.trace_r, inputs[k] / 3.0 + 1.0, 1e-15, 0);
    uat_assert_close(m.measured, m.theory, 0, 0.05);
    uat_assert_close(m.mse_ratio, m.theory, 0, 0.5); /* the same from the noisy errors */
  }
  uat_misadjustment_spec s;
  uat_misadjustment_spec_defaults(&s);
  s.mu = 0;
  uat_misadjustment m;
  uat_error err;
  assert_int_equal(uat_misadjustment_run(&s, &m, &err), UAT_EINVAL);
}

/* y = (1 + 0.01 t) x: an Adaline started at the fit for t = 0 ends near the coefficient 3 of
 * t = 200 (LMS lags a ramp by about its slope per step over mu E[x^2]: 3e-3 here), while the
 * frozen copy keeps 1. */
static void test_adaline_tracks_a_ramp(void **state) {
  (void)state;
  uat_adapt_spec s;
  uat_adapt_spec_defaults(&s);
  s.target = "(1 + 0.01*t)*x";
  s.domain = "x=-1:1";
  s.n_hidden = 0;
  s.lr = 0.1;
  uat_adapt_result r;
  uat_error err;
  assert_int_equal(uat_adapt_run(&s, &r, &err), UAT_OK);
  const double w = r.model->theta[0], b = r.model->theta[1], end = 1 + 0.01 * 199.99;
  print_message("adaline: w = %.5f (the target's %.5f), b = %.2e; late RMS online %.3e, frozen "
                "%.3e\n",
                w, end, b, r.online_late, r.frozen_late);
  uat_assert_close(w, end, 0.01, 0);
  uat_assert_close(b, 0.0, 0.01, 0);
  assert_true(r.online_late < 0.01 * r.frozen_late);
  assert_int_equal(r.windows, 40);
  uat_adapt_result_free(&r);
}

/* sin(x + 0.1 t): the learning network's error stays small while the frozen one's follows
 * |sin(0.05 t)|-shaped swings (zero again after a period, t = 20 pi); the same seed gives the
 * same numbers. */
static void test_network_tracks_a_sine(void **state) {
  (void)state;
  uat_adapt_spec s;
  uat_adapt_spec_defaults(&s);
  s.target = "sin(x + 0.1*t)";
  s.domain = "x=-pi:pi";
  uat_adapt_result a, b;
  uat_error err;
  assert_int_equal(uat_adapt_run(&s, &a, &err), UAT_OK);
  assert_int_equal(uat_adapt_run(&s, &b, &err), UAT_OK);
  for (size_t w = 0; w < a.windows; w++) assert_true(a.online[w] == b.online[w]);
  print_message("sine: late RMS online %.3e, frozen %.3e\n", a.online_late, a.frozen_late);
  assert_true(a.online_late < 0.3 * a.frozen_late);
  /* the frozen error of the window ending at t = 30 (a phase of 3 rad): about |2 sin(1.5)| /
   * sqrt(2) */
  uat_assert_close(a.frozen[5], 2 * sin(1.5) / sqrt(2.0), 0.1, 0);
  uat_adapt_result_free(&a);
  uat_adapt_result_free(&b);
  s.target = "sin(x +";
  assert_int_equal(uat_adapt_run(&s, &a, &err), UAT_EFORMAT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_misadjustment),
      cmocka_unit_test(test_adaline_tracks_a_ramp),
      cmocka_unit_test(test_network_tracks_a_sine),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
