/* bench_precision.c — how precisely each trainer can fit sin(x) on [-pi, pi] (256 grid training
 * points, test RMSE on 2001 points, one hidden tanh layer), for widths 4 ... 64 over seeds, with
 * the time it takes. Never part of the tests; results in docs/precision.md.
 * Usage: bench_precision [SEEDS] (default 10). Prints a Markdown table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "uat/report.h"
#include "uat/run.h"
#include "uat/stats.h"

typedef struct {
  const char *name;
  uat_fit_kind kind;
  size_t iters, boost;
  double lr;
} trainer;

int main(int argc, char **argv) {
  const size_t seeds = argc > 1 ? (size_t)atoi(argv[1]) : 10;
  const trainer trainers[] = {
      {"adam", UAT_FIT_ADAM, 20000, 1, 1e-2}, {"lbfgs", UAT_FIT_LBFGS, 2000, 1, 0},
      {"bfgs", UAT_FIT_BFGS, 2000, 1, 0},     {"lm", UAT_FIT_LM, 2000, 1, 0},
      {"varpro", UAT_FIT_VARPRO, 1000, 1, 0}, {"varpro, boost 2", UAT_FIT_VARPRO, 1000, 2, 0}};
  const size_t widths[5] = {4, 8, 16, 32, 64};
  const char *h[7] = {"trainer",         "width",          "median test RMSE", "best test RMSE",
                      "worst test RMSE", "median seconds", "median iterations"};
  uat_report *rep = uat_report_alloc(7, h);
  double *rmse = malloc(seeds * sizeof *rmse), *secs = malloc(seeds * sizeof *secs),
         *its = malloc(seeds * sizeof *its);
  for (size_t t = 0; t < sizeof trainers / sizeof trainers[0]; t++)
    for (size_t w = 0; w < 5; w++) {
      for (size_t s = 0; s < seeds; s++) {
        uat_run_spec sp;
        uat_run_spec_defaults(&sp);
        sp.target = "sin(x)";
        sp.domain = "x=-pi:pi";
        sp.width = widths[w];
        sp.fit = uat_fit_default_params(trainers[t].kind);
        sp.fit.max_iter = trainers[t].iters;
        sp.fit.boost = trainers[t].boost;
        sp.fit.lr = trainers[t].lr;
        sp.seed = s;
        uat_run_result r;
        uat_error err;
        const int st = uat_run(&sp, NULL, &r, &err);
        rmse[s] = st == UAT_OK ? r.report.test_rmse : NAN;
        secs[s] = r.fit.seconds;
        its[s] = (double)r.fit.iterations;
      }
      uat_summary e, tm, it;
      uat_summary_compute(rmse, seeds, NAN, &e);
      uat_summary_compute(secs, seeds, NAN, &tm);
      uat_summary_compute(its, seeds, NAN, &it);
      const uat_cell row[7] = {uat_cell_text(trainers[t].name),
                               uat_cell_int((long long)widths[w]),
                               uat_cell_num(e.median),
                               uat_cell_num(e.min),
                               uat_cell_num(e.max),
                               uat_cell_num(tm.median),
                               uat_cell_int((long long)it.median)};
      uat_report_add_row(rep, row);
      fprintf(stderr, "%s width %zu: median %.3g best %.3g (%.2f s)\n", trainers[t].name, widths[w],
              e.median, e.min, tm.median);
    }
  printf("sin(x) on [-pi, pi], 256 training points, test RMSE on 2001, %zu seeds\n\n", seeds);
  uat_report_write_markdown(rep, stdout, 2);
  uat_report_free(rep);
  free(rmse);
  free(secs);
  free(its);
  return 0;
}
