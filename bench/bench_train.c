/* bench_train.c — time per training epoch, never part of the pass/fail tests.
 *
 * Cases: the XOR 2-2-1 network of the seed post (torch configuration, full batch of 4),
 * 1-H-1 tanh networks on 256 points for H = 8, 32, 128, 512 (full-batch Adam), and 1-32-1 on
 * 4, 16 and 64 points to locate where dgemm starts to pay. Each network
 * case runs twice in the same process, once with every product through cblas_dgemm and once
 * with plain loops, and reports the ratio: that measurement sets UAT_MLP_GEMM_MIN_DEFAULT.
 * Each timing is the median of REPEATS runs. Output: `key = value` lines describing the
 * machine and build, then CSV with a header. */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "uat/init.h"
#include "uat/train.h"

#ifndef UAT_BUILD_TYPE
#define UAT_BUILD_TYPE "unknown"
#endif

enum { REPEATS = 5 };

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void print_machine(void) {
  struct utsname u;
  uname(&u);
  printf("machine = %s %s %s\n", u.sysname, u.release, u.machine);
  FILE *fp = fopen("/proc/cpuinfo", "r");
  char line[256];
  while (fp && fgets(line, sizeof line, fp))
    if (strncmp(line, "model name", 10) == 0) {
      printf("cpu = %s", strchr(line, ':') + 2);
      break;
    }
  if (fp) fclose(fp);
  printf("build = %s, %s\n", UAT_BUILD_TYPE, __VERSION__);
  printf("blas = %s (1 thread)\n", openblas_get_config());
}

/* Seconds per epoch: median over REPEATS runs of `epochs` epochs from the same start. */
static double time_epochs(uat_mlp *m, const uat_dataset *d, uat_optimizer_params op, uat_loss loss,
                          size_t epochs) {
  uat_train_params tp = uat_train_default_params();
  tp.loss = loss;
  tp.max_epochs = epochs;
  double *theta0 = malloc(m->n_params * sizeof *theta0), t[REPEATS];
  memcpy(theta0, m->theta, m->n_params * sizeof *theta0);
  uat_trainer *tr = uat_trainer_alloc(m, &tp, d->n);
  uat_optimizer *o = uat_optimizer_alloc(&op, m->n_params);
  for (int r = 0; r < REPEATS; r++) {
    memcpy(m->theta, theta0, m->n_params * sizeof *theta0);
    uat_optimizer_reset(o);
    uat_train_result res;
    const double t0 = now();
    uat_trainer_run(tr, m, o, d, NULL, NULL, NULL, &res);
    t[r] = (now() - t0) / (double)epochs;
  }
  uat_optimizer_free(o);
  uat_trainer_free(tr);
  free(theta0);
  qsort(t, REPEATS, sizeof t[0], cmp_double);
  return t[REPEATS / 2];
}

static void bench_xor(void) {
  const size_t sizes[3] = {2, 2, 1};
  const uat_activation act[2] = {UAT_ACT_SIGMOID, UAT_ACT_IDENTITY};
  uat_mlp *m = uat_mlp_alloc(3, sizes, act);
  gsl_rng *r = uat_rng_alloc(0);
  const uat_init_spec init = {UAT_INIT_NORMAL, 0.0, 1.0, UAT_INIT_TORCH, 0, 0};
  uat_mlp_init(m, &init, r);
  uat_dataset *d = uat_dataset_alloc(4, 2, 1);
  const double x[8] = {0, 0, 0, 1, 1, 0, 1, 1}, y[4] = {0, 1, 1, 0};
  memcpy(d->x, x, sizeof x);
  memcpy(d->y, y, sizeof y);
  uat_optimizer_params op = uat_optimizer_default_params(UAT_OPT_MOMENTUM);
  op.lr = 0.02;
  m->gemm_min = SIZE_MAX;
  const double loops = time_epochs(m, d, op, UAT_LOSS_MSE, 20000);
  m->gemm_min = 0;
  const double gemm = time_epochs(m, d, op, UAT_LOSS_MSE, 20000);
  printf("xor-2-2-1,4,%zu,%.4g,%.4g,%.3f\n", m->n_params, loops * 1e6, gemm * 1e6, loops / gemm);
  uat_dataset_free(d);
  gsl_rng_free(r);
  uat_mlp_free(m);
}

static void bench_width(size_t H, size_t n) {
  const size_t sizes[3] = {1, H, 1};
  const uat_activation act[2] = {UAT_ACT_TANH, UAT_ACT_IDENTITY};
  uat_mlp *m = uat_mlp_alloc(3, sizes, act);
  gsl_rng *r = uat_rng_alloc(1);
  const uat_init_spec init = uat_init_spec_torch();
  uat_mlp_init(m, &init, r);
  uat_dataset *d = uat_dataset_alloc(n, 1, 1);
  for (size_t i = 0; i < n; i++) {
    d->x[i] = -M_PI + 2.0 * M_PI * (double)i / (double)(n - 1);
    d->y[i] = sin(d->x[i]);
  }
  const uat_optimizer_params op = uat_optimizer_default_params(UAT_OPT_ADAM);
  const size_t epochs = H * n >= (size_t)128 * 256 ? 400 : (size_t)2000 * 256 / n;
  m->gemm_min = SIZE_MAX;
  const double loops = time_epochs(m, d, op, UAT_LOSS_MSE, epochs);
  m->gemm_min = 0;
  const double gemm = time_epochs(m, d, op, UAT_LOSS_MSE, epochs);
  printf("tanh-1-%zu-1,%zu,%zu,%.4g,%.4g,%.3f\n", H, n, m->n_params, loops * 1e6, gemm * 1e6,
         loops / gemm);
  uat_dataset_free(d);
  gsl_rng_free(r);
  uat_mlp_free(m);
}

int main(void) {
  openblas_set_num_threads(1);
  print_machine();
  printf("default gemm_min = %d (products with batch*in*out below it use loops)\n",
         UAT_MLP_GEMM_MIN_DEFAULT);
  printf("\ncase,samples,params,us_per_epoch_loops,us_per_epoch_dgemm,loops_over_dgemm\n");
  bench_xor();
  const size_t widths[4] = {8, 32, 128, 512};
  for (int i = 0; i < 4; i++) bench_width(widths[i], 256);
  /* smaller batches locate the crossover between loops and dgemm */
  bench_width(32, 4);
  bench_width(32, 16);
  bench_width(32, 64);
  return 0;
}
