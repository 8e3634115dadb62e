/* engine_consumer.c EXPERIMENT.ini RESULTS_DIR — a program outside the project, built against
 * the installed uat (libuat_approx), doing through the public API what `uat fit` and
 * `uat sweep` do: a fit of sin with every trainer of the table (printing what uat fit prints
 * of the error), then the experiment's sweep into RESULTS_DIR. test_install.sh compares both
 * with the command line's output. */
#include <stdio.h>
#include <uat/run.h>
#include <uat/sweep.h>
#include <uat/trainers.h>

static int fit_all(void) {
  for (size_t k = 0; k < uat_fit_kind_count(); k++) {
    if (uat_fit_type_get((uat_fit_kind)k)->needs & UAT_FIT_NEEDS_SINGLE_LAYER) continue;
    uat_run_spec s;
    uat_run_spec_defaults(&s);
    s.target = "sin(x)";
    s.width = 4;
    s.train_n = 24;
    s.test_n = 51;
    s.fit = uat_fit_default_params((uat_fit_kind)k);
    s.fit.max_iter = 5;
    uat_target *t = NULL;
    uat_run_result r;
    uat_error err;
    if (uat_run(&s, NULL, &r, &err) != UAT_OK ||
        uat_target_alloc(s.target, s.domain, &t, &err) != UAT_OK) {
      fprintf(stderr, "%s: %s\n", uat_fit_kind_name((uat_fit_kind)k), err.msg);
      return 1;
    }
    printf("trainer = %s\ntrain_rmse = %.6e\n", uat_fit_kind_name((uat_fit_kind)k), r.fit.rmse);
    uat_fit_report_print(stdout, &r.report, t);
    uat_target_free(t);
  }
  return 0;
}

static int sweep(const char *ini, const char *dir) {
  static uat_experiment e;
  uat_sweep *s = NULL;
  uat_error err, warn;
  int rc = uat_experiment_load(ini, &e, &err);
  if (rc == UAT_OK) rc = uat_sweep_open(&e, ini, dir, 0, &s, &err);
  if (rc == UAT_OK) rc = uat_sweep_execute(s, NULL, &err);
  const uat_sweep_provenance prov = {"engine_consumer", 0.0, 0};
  if (rc == UAT_OK) rc = uat_sweep_finish(s, &prov, &warn, &err);
  if (rc != UAT_OK)
    fprintf(stderr, "sweep: %s\n", err.msg);
  else
    printf("sweep: %zu runs in %s\n", uat_sweep_done(s), dir);
  uat_sweep_free(s);
  return rc == UAT_OK ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  return fit_all() || sweep(argv[1], argv[2]);
}
