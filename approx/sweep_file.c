/* sweep_file.c — an experiment file run start to finish, as `uat sweep` does in one process
 * (uat_sweep_run_file): for programs and bindings that want the results folder, not the
 * steps. */
#include <stdio.h>
#include <string.h>

#include "uat/sweep.h"
#include "uat/util.h"

int uat_sweep_run_file(const char *ini, const char *dir, int resume, size_t jobs,
                       const char *command_line, size_t *n_runs, size_t *n_bad, uat_error *err) {
  uat_experiment e;
  int st = uat_experiment_load(ini, &e, err);
  if (st != UAT_OK) return st;
  char folder[4096];
  const int w = dir ? snprintf(folder, sizeof folder, "%s", dir)
                    : snprintf(folder, sizeof folder, "results/%s", e.name);
  if (w < 0 || (size_t)w >= sizeof folder)
    return uat_error_set(err, UAT_EINVAL, "results folder name too long");
  uat_sweep *s = NULL;
  st = uat_sweep_open(&e, ini, folder, resume, &s, err);
  if (st != UAT_OK) return st;
  uat_sweep_set_max_memory(s, uat_default_memory_budget());
  const double t0 = uat_seconds();
  const uat_sweep_exec_params xp = {jobs, NULL, NULL, NULL};
  st = uat_sweep_execute(s, &xp, err);
  if (st == UAT_OK) {
    const uat_sweep_provenance prov = {command_line, uat_seconds() - t0, 0};
    uat_error warn; /* plots skipped without gnuplot: the numbers are all there */
    st = uat_sweep_finish(s, &prov, &warn, err);
  }
  const size_t n = uat_sweep_runs(s);
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) bad += strcmp(uat_sweep_row_get(s, i)->status, "ok") != 0;
  if (n_runs) *n_runs = n;
  if (n_bad) *n_bad = bad;
  uat_sweep_free(s);
  return st;
}
