/* test_report.c — statistics over seeds, scaling fits, table writers and plots. */
#define _GNU_SOURCE
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"
#include "uat/init.h"
#include "uat/plot.h"
#include "uat/report.h"
#include "uat/stats.h"

static void test_summary(void **s) {
  (void)s;
  const double x[11] = {5, 1, 9, NAN, 3, 7, 2, 8, INFINITY, 4, 6};
  uat_summary m;
  assert_int_equal(uat_summary_compute(x, 11, 6.0, &m), 0);
  assert_int_equal(m.n, 11);
  assert_int_equal(m.finite, 9);
  assert_int_equal(m.diverged, 2);
  assert_int_equal(m.missed, 3);
  uat_assert_close(m.mean, 5.0, 0, 1e-15);
  uat_assert_close(m.median, 5.0, 0, 0);
  uat_assert_close(m.q1, 3.0, 0, 0);
  uat_assert_close(m.q3, 7.0, 0, 0);
  uat_assert_close(m.min, 1.0, 0, 0);
  uat_assert_close(m.max, 9.0, 0, 0);
  uat_assert_close(m.sd, sqrt(7.5), 0, 1e-15);
  const double none[2] = {NAN, NAN};
  assert_int_equal(uat_summary_compute(none, 2, NAN, &m), 0);
  assert_true(isnan(m.median) && m.diverged == 2);
}

/* err = 3 N^-2 exp(0.05 z): the fitted exponent's 95% interval covers -2 about 95% of the
 * time (400 fixed-seed repetitions: binomial standard deviation 1.1%). */
static void test_scaling_recovers_exponent(void **s) {
  (void)s;
  const double N[8] = {4, 6, 8, 12, 16, 24, 32, 64};
  double err[8];
  gsl_rng *r = uat_rng_alloc(2385);
  size_t covered = 0;
  const size_t reps = 400;
  uat_scaling_fit fit;
  for (size_t k = 0; k < reps; k++) {
    for (int i = 0; i < 8; i++) err[i] = 3.0 * pow(N[i], -2.0) * exp(0.05 * gsl_ran_gaussian(r, 1));
    assert_int_equal(uat_scaling_fit_compute(N, err, NULL, 8, &fit), 0);
    covered += fit.ci_lo <= -2.0 && -2.0 <= fit.ci_hi;
  }
  const double rate = (double)covered / (double)reps;
  if (!(rate > 0.91 && rate < 0.99)) print_error("coverage %g\n", rate);
  assert_true(rate > 0.91 && rate < 0.99);
  /* one fit in detail */
  assert_int_equal(fit.n, 8);
  assert_int_equal(fit.quality, UAT_FIT_OK);
  uat_assert_close(fit.slope, -2.0, 0.1, 0);
  uat_assert_close(exp(fit.intercept), 3.0, 0.5, 0);
  assert_true(fit.r2 > 0.99);
  gsl_rng_free(r);
}

static void test_scaling_quality_flags(void **s) {
  (void)s;
  uat_scaling_fit fit;
  const double N2[2] = {4, 64}, e2[2] = {1e-2, 1e-4};
  assert_int_equal(uat_scaling_fit_compute(N2, e2, NULL, 2, &fit), 0);
  assert_int_equal(fit.quality, UAT_FIT_TOO_FEW);
  uat_assert_close(fit.slope, log(1e-2) / log(16.0), 0, 1e-12); /* two points: exact line */
  const double N3[3] = {8, 10, 12}, e3[3] = {1e-2, 6.4e-3, 4.4e-3};
  assert_int_equal(uat_scaling_fit_compute(N3, e3, NULL, 3, &fit), 0);
  assert_int_equal(fit.quality, UAT_FIT_TOO_SHORT);
  const double N4[5] = {4, 8, 16, 32, 64}, e4[5] = {1e-3, 1e-1, 1e-4, 1e-2, 1e-3};
  assert_int_equal(uat_scaling_fit_compute(N4, e4, NULL, 5, &fit), 0);
  assert_int_equal(fit.quality, UAT_FIT_TOO_NOISY);
  const double bad[3] = {0, NAN, -1};
  assert_int_equal(uat_scaling_fit_compute(N4, bad, NULL, 3, &fit), UAT_EINVAL);
  assert_string_equal(uat_fit_quality_name(UAT_FIT_TOO_SHORT), "range too short");
}

static char *render(uat_report *r, int which) {
  char *buf = NULL;
  size_t len = 0;
  FILE *fp = open_memstream(&buf, &len);
  if (which == 0) uat_report_write_csv(r, fp);
  if (which == 1) uat_report_write_markdown(r, fp, 3);
  if (which == 2) uat_report_write_latex(r, fp, 3, 1, "Errors & widths", "tab:errors");
  fclose(fp);
  return buf;
}

static void test_tables(void **s) {
  (void)s;
  const char *h[3] = {"activation", "width", "rmse"};
  uat_report *r = uat_report_alloc(3, h);
  const uat_cell row1[3] = {uat_cell_text("tanh"), uat_cell_int(16), uat_cell_num(1.2345e-5)};
  const uat_cell row2[3] = {uat_cell_text("relu, \"leaky\""), uat_cell_int(32), uat_cell_num(0.1)};
  assert_int_equal(uat_report_add_row(r, row1), 0);
  assert_int_equal(uat_report_add_row(r, row2), 0);
  char *csv = render(r, 0), *md = render(r, 1), *tex = render(r, 2);
  assert_string_equal(csv, "activation,width,rmse\n"
                           "tanh,16,1.2345e-05\n"
                           "\"relu, \"\"leaky\"\"\",32,0.10000000000000001\n");
  assert_string_equal(md, "| activation | width | rmse |\n|---|---|---|\n"
                          "| tanh | 16 | 1.23e-05 |\n| relu, \"leaky\" | 32 | 1.00e-01 |\n");
  assert_string_equal(
      tex, "\\begin{table}[ht]\n\\centering\n\\caption{Errors \\& widths}\n"
           "\\label{tab:errors}\n\\begin{tabular}{lrr}\n\\toprule\nactivation & width & rmse \\\\\n"
           "\\midrule\n"
           "tanh & 16 & $\\mathbf{1.23 \\times 10^{-5}}$ \\\\\n"
           "relu, \"leaky\" & 32 & $1.00 \\times 10^{-1}$ \\\\\n"
           "\\bottomrule\n\\end{tabular}\n\\end{table}\n");
  free(csv);
  free(md);
  free(tex);
  uat_report_free(r);
}

static int starts_with_file(const char *path, const char *magic, size_t n) {
  FILE *fp = fopen(path, "rb");
  if (fp == NULL) return 0;
  char buf[16] = {0};
  const size_t got = fread(buf, 1, n, fp);
  fclose(fp);
  return got == n && memcmp(buf, magic, n) == 0;
}

static int contains_file(const char *path, const char *needle) {
  FILE *fp = fopen(path, "rb");
  if (fp == NULL) return 0;
  char buf[4096];
  const size_t got = fread(buf, 1, sizeof buf - 1, fp);
  fclose(fp);
  buf[got] = '\0';
  return strstr(buf, needle) != NULL;
}

static void test_plots(void **s) {
  (void)s;
  char dir[] = "/tmp/uat_plot_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char base[128], path[160];
  snprintf(base, sizeof base, "%s/scaling", dir);
  const double N[4] = {4, 8, 16, 32}, e[4] = {1e-2, 2.6e-3, 6.1e-4, 1.6e-4};
  uat_scaling_fit fit;
  uat_scaling_fit_compute(N, e, NULL, 4, &fit);
  uat_error err;
  const int have = uat_plot_available();
  const uat_plot_scaling_labels labels = {"width", "RMSE", NULL, NULL, NULL};
  assert_int_equal(uat_plot_scaling(base, N, e, 4, &fit, &labels, &err),
                   have ? UAT_OK : UAT_ENOTFOUND);
  snprintf(path, sizeof path, "%s_data.csv", base);
  assert_true(contains_file(path, "N,error\n4,0.01"));
  snprintf(path, sizeof path, "%s.gp", base);
  assert_true(contains_file(path, "fit: N^{"));
  /* with the spread over seeds and a title: error bars from the best to the worst seed */
  const double lo[4] = {5e-3, 1e-3, 3e-4, 1e-4}, hi[4] = {2e-2, 5e-3, 9e-4, 3e-4};
  const uat_plot_scaling_labels spread = {"width", "RMSE", "sin: tanh, varpro", lo, hi};
  snprintf(base, sizeof base, "%s/spread", dir);
  assert_int_equal(uat_plot_scaling(base, N, e, 4, &fit, &spread, &err),
                   have ? UAT_OK : UAT_ENOTFOUND);
  snprintf(path, sizeof path, "%s_data.csv", base);
  assert_true(contains_file(path, "N,error,low,high\n4,0.01,0.0050000000000000001,0.02\n"));
  snprintf(path, sizeof path, "%s.gp", base);
  assert_true(contains_file(path, "yerrorbars"));
  assert_true(contains_file(path, "set title 'sin: tanh, varpro'"));
  snprintf(base, sizeof base, "%s/scaling", dir);
  if (have) {
    snprintf(path, sizeof path, "%s.png", base);
    assert_true(starts_with_file(path, "\x89PNG\r\n\x1a\n", 8));
    snprintf(path, sizeof path, "%s.svg", base);
    assert_true(contains_file(path, "<svg"));
    const double x[3] = {0, 1, 2}, m[3] = {0, 1.1, 2}, t[3] = {0, 1, 2}, loss[3] = {1, 0.1, 0.01};
    snprintf(base, sizeof base, "%s/fit", dir);
    assert_int_equal(uat_plot_fit(base, x, m, t, 3, &err), 0);
    snprintf(path, sizeof path, "%s.png", base);
    assert_true(starts_with_file(path, "\x89PNG", 4));
    snprintf(base, sizeof base, "%s/loss", dir);
    assert_int_equal(uat_plot_loss(base, loss, 3, "training RMSE", &err), 0);
    snprintf(path, sizeof path, "%s.svg", base);
    assert_true(contains_file(path, "<svg"));
  }
  /* without gnuplot on the PATH: data and script, and a message saying so */
  const char *old = getenv("PATH");
  char *saved = old ? strdup(old) : NULL;
  setenv("PATH", "/nonexistent", 1);
  snprintf(base, sizeof base, "%s/nognuplot", dir);
  assert_int_equal(uat_plot_scaling(base, N, e, 4, &fit, &labels, &err), UAT_ENOTFOUND);
  assert_true(uat_test_contains(err.msg, "gnuplot is not installed"));
  snprintf(path, sizeof path, "%s.gp", base);
  assert_true(access(path, R_OK) == 0);
  snprintf(path, sizeof path, "%s.png", base);
  assert_true(access(path, F_OK) != 0);
  /* a width whose every seed diverged (NaN) is left out of the data, not passed to gnuplot */
  const double e_nan[4] = {1e-2, NAN, 6.1e-4, 1.6e-4};
  snprintf(base, sizeof base, "%s/diverged", dir);
  uat_plot_scaling(base, N, e_nan, 4, &fit, &labels, &err);
  snprintf(path, sizeof path, "%s_data.csv", base);
  assert_true(contains_file(path, "N,error\n4,0.01\n16,"));
  assert_false(contains_file(path, "nan"));
  if (saved) setenv("PATH", saved, 1);
  free(saved);
  char cmd[200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_summary),
      cmocka_unit_test(test_scaling_recovers_exponent),
      cmocka_unit_test(test_scaling_quality_flags),
      cmocka_unit_test(test_tables),
      cmocka_unit_test(test_plots),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
