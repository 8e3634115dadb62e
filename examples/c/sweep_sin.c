/* sweep_sin.c — the experiment engine from C: run an experiment file's sweep into a results
 * folder with two worker processes (resuming it if the folder has one already), write the
 * tables, plots and meta.json, and print the median test RMSE per width of each group, read
 * back from the recorded rows. What `uat sweep` does, through the installed API.
 * Build: cc sweep_sin.c $(pkg-config --cflags --libs uat)
 * Run:   ./sweep_sin examples/sin_width.ini results/sin_width_c */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <uat/stats.h>
#include <uat/sweep.h>

/* After each recorded run: a dot, and the reason of any run that failed. */
static void progress(void *ctx, size_t i, const uat_sweep_row *row, size_t done, size_t total) {
  (void)ctx;
  if (row->message[0]) fprintf(stderr, "run %zu: %s\n", i, row->message);
  if (done == total) fprintf(stderr, "%zu runs recorded\n", done);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: sweep_sin EXPERIMENT.ini RESULTS_DIR\n");
    return 2;
  }
  static uat_experiment e; /* large: not on the stack */
  uat_error err, warn;
  if (uat_experiment_load(argv[1], &e, &err) != UAT_OK) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  char runs[4200];
  snprintf(runs, sizeof runs, "%s/runs.csv", argv[2]);
  struct stat st;
  const int resume = stat(runs, &st) == 0;
  uat_sweep *s = NULL;
  if (uat_sweep_open(&e, argv[1], argv[2], resume, &s, &err) != UAT_OK) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  const uat_sweep_exec_params xp = {2, progress, NULL, NULL};
  const uat_sweep_provenance prov = {"examples/c/sweep_sin", 0.0, 0};
  if (uat_sweep_execute(s, &xp, &err) != UAT_OK || uat_sweep_finish(s, &prov, &warn, &err) != UAT_OK) {
    fprintf(stderr, "%s\n", err.msg);
    uat_sweep_free(s);
    return 1;
  }
  /* the rows: group g, width w, seeds are runs (g * widths + w) * seeds + k */
  const size_t W = e.n_widths, S = e.n_seeds;
  double *v = malloc(S * sizeof *v);
  for (size_t g = 0; g < uat_sweep_groups(s) && v; g++) {
    char name[128];
    uat_sweep_group_name(s, g, name, sizeof name);
    printf("%-22s", name);
    for (size_t w = 0; w < W; w++) {
      for (size_t k = 0; k < S; k++) v[k] = uat_sweep_row_get(s, (g * W + w) * S + k)->test_rmse;
      uat_summary sum;
      uat_summary_compute(v, S, NAN, &sum);
      printf("  %zu: %.2e", e.widths[w], sum.median);
    }
    printf("\n");
  }
  free(v);
  uat_sweep_free(s);
  return 0;
}
