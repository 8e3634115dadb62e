/* bench_schedule.c RESULTS_DIR EXPERIMENT.ini — the sweep cost model against a finished sweep:
 * for every cell, the model's prediction (its units scaled by one seconds-per-unit factor per
 * trainer, fitted to the finished runs) beside the measured seconds, and how well the order
 * agrees. Never part of the tests; results in docs/cluster.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "uat/sweep.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: bench_schedule RESULTS_DIR EXPERIMENT.ini\n");
    return 2;
  }
  static uat_experiment e;
  uat_error err;
  uat_sweep *fresh = NULL, *done = NULL;
  if (uat_experiment_load(argv[2], &e, &err) != UAT_OK ||
      uat_sweep_attach(&e, argv[2], argv[1], &fresh, &err) != UAT_OK ||
      uat_sweep_attach(&e, argv[2], argv[1], &done, &err) != UAT_OK) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  char path[4200];
  snprintf(path, sizeof path, "%s/runs.csv", argv[1]);
  if (uat_sweep_read_rows(done, path, 0, &err) != UAT_OK) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  /* the fresh plan's costs are in the model's units (nothing finished: 1 second per unit) */
  const size_t nc = uat_sweep_cells(fresh), seeds = e.n_seeds;
  double *units = malloc(nc * sizeof *units), *actual = malloc(nc * sizeof *actual);
  double su[16] = {0}, sa[16] = {0};
  for (size_t c = 0; c < nc; c++) {
    units[c] = uat_sweep_cost(fresh, c);
    actual[c] = 0.0;
    for (size_t j = 0; j < seeds; j++) actual[c] += uat_sweep_row_get(done, c * seeds + j)->seconds;
    uat_run_index ix;
    uat_experiment_index(&e, c * seeds, &ix);
    su[e.trainers[ix.trainer]] += units[c];
    sa[e.trainers[ix.trainer]] += actual[c];
  }
  printf("%-34s %12s %12s %8s\n", "cell (first run id)", "predicted s", "actual s", "ratio");
  double lp = 0, la = 0, lpp = 0, laa = 0, lpa = 0;
  for (size_t c = 0; c < nc; c++) {
    uat_run_index ix;
    uat_experiment_index(&e, c * seeds, &ix);
    const int k = e.trainers[ix.trainer];
    const double pred = units[c] * (su[k] > 0 ? sa[k] / su[k] : 0);
    char id[128];
    uat_sweep_run_id(fresh, c * seeds, id, sizeof id);
    printf("%-34s %12.4f %12.4f %8.2f\n", id, pred, actual[c], actual[c] / pred);
    const double x = log(pred), y = log(actual[c]);
    lp += x, la += y, lpp += x * x, laa += y * y, lpa += x * y;
  }
  const double n = (double)nc;
  const double r = (lpa - lp * la / n) / sqrt((lpp - lp * lp / n) * (laa - la * la / n));
  printf("correlation of log predicted and log actual over %zu cells: %.3f\n", nc, r);
  free(units);
  free(actual);
  uat_sweep_free(fresh);
  uat_sweep_free(done);
  return 0;
}
