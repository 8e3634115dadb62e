/* bench_lbfgs.c — uat's limited-memory BFGS against SciPy's L-BFGS-B (bench/lbfgs_scipy.py) on
 * the same fit from the same start: a 1-16-1 tanh network (PyTorch initialisation, seed 0) on
 * sin over 64 grid points in [-pi, pi], MSE, history m = 10, no bounds. Reports iterations,
 * function evaluations and the training RMSE at checkpoints for both, and GSL's vector_bfgs2
 * (`bfgs`) beside them. Usage: bench_lbfgs [SOURCE_DIR] (to find the script). */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "uat/init.h"
#include "uat/io.h"
#include "uat/trainers.h"

enum { N = 64, H = 16, ITERS = 1000 };
static const size_t checkpoints[] = {10, 50, 100, 200, 500, 1000};

static void run(uat_fit_kind kind, const uat_mlp *start, const uat_dataset *d) {
  uat_mlp *m = uat_mlp_clone(start);
  uat_fit_params p = uat_fit_default_params(kind);
  p.max_iter = ITERS;
  uat_fit_result r;
  memset(&r, 0, sizeof r);
  double *hist = malloc(ITERS * sizeof *hist);
  r.history = hist;
  r.history_cap = ITERS;
  uat_error err;
  const double t0 = bench_now();
  const int st = uat_fit_train(&m, d, &p, &r, &err);
  const double secs = bench_now() - t0;
  printf("uat %-6s %4zu %6zu %.6e  ", uat_fit_kind_name(kind), r.iterations, r.evaluations, r.rmse);
  for (size_t k = 0; k < sizeof checkpoints / sizeof *checkpoints; k++)
    if (checkpoints[k] <= r.history_len)
      printf(" %zu:%.6e", checkpoints[k], hist[checkpoints[k] - 1]);
  printf("  (%s, %.3f s, stop %s)\n", st == UAT_OK ? "ok" : err.msg, secs,
         uat_stop_reason_name(r.stop));
  free(hist);
  uat_mlp_free(m);
}

int main(int argc, char **argv) {
  const char *src = argc > 1 ? argv[1] : ".";
  bench_print_machine(UAT_BUILD_TYPE);
  const size_t sizes[3] = {1, H, 1};
  const uat_activation act[2] = {UAT_ACT_TANH, UAT_ACT_IDENTITY};
  uat_mlp *start = uat_mlp_alloc(3, sizes, act);
  gsl_rng *rng = uat_rng_alloc(0);
  const uat_init_spec init = uat_init_spec_torch();
  uat_mlp_init(start, &init, rng);
  uat_dataset *d = uat_dataset_alloc(N, 1, 1);
  for (size_t i = 0; i < N; i++) {
    d->x[i] = -M_PI + 2 * M_PI * (double)i / (N - 1);
    d->y[i] = sin(d->x[i]);
  }
  char model[] = "/tmp/uat_lbfgs_model_XXXXXX", data[] = "/tmp/uat_lbfgs_data_XXXXXX";
  const int fm = mkstemp(model), fd = mkstemp(data);
  uat_error err;
  FILE *fp = fdopen(fd, "w");
  if (fm < 0 || fp == NULL || uat_mlp_save(model, start, &err) != UAT_OK) return 1;
  fprintf(fp, "x,y\n");
  for (size_t i = 0; i < N; i++) fprintf(fp, "%.17g,%.17g\n", d->x[i], d->y[i]);
  fclose(fp);
  printf(
      "problem = 1-%d-1 tanh, sin on %d grid points in [-pi, pi], MSE, start: torch init seed 0\n",
      H, N);
  printf("%-10s %4s %6s %-12s  training RMSE at iterations\n", "method", "iter", "evals", "rmse");
  run(UAT_FIT_LBFGS, start, d);
  run(UAT_FIT_BFGS, start, d);
  char cmd[1200];
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 '%s/bench/lbfgs_scipy.py' '%s' '%s' %d 10 10,50,100,200,500,1000 "
           "2>&1",
           src, model, data, ITERS);
  FILE *py = popen(cmd, "r");
  char line[2][4096] = {"", ""};
  for (int k = 0; py && k < 2 && fgets(line[k], sizeof line[k], py); k++)
    line[k][strcspn(line[k], "\n")] = '\0';
  const int rc = py ? pclose(py) : -1;
  if (rc == 0)
    printf("scipy      %s   %s  (L-BFGS-B 1.x, maxcor 10, maxls 20)\n", line[0], line[1]);
  else
    printf("scipy      not run (needs /usr/bin/python3 with python3-scipy): %s\n", line[0]);
  unlink(model);
  unlink(data);
  uat_dataset_free(d);
  gsl_rng_free(rng);
  uat_mlp_free(start);
  return 0;
}
