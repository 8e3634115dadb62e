/* bench_train.c — time per training epoch with each kernel set, never part of the pass/fail
 * tests.
 *
 * Cases: the XOR 2-2-1 network of the seed post (torch configuration, full batch of 4),
 * 1-H-1 tanh networks on 256 points for H = 8, 32, 128, 512 (full-batch Adam), and 1-32-1 on
 * 4, 16 and 64 points. Each case runs once per kernel set the CPU supports (generic, avx2,
 * avx512; uat/kernels.h) in the same process; all give the same bits, the bench reports the
 * time and checks that the trained parameters are identical. Each timing is the median of
 * REPEATS runs. Output: `key = value` lines describing the machine and build, then CSV. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "bench_util.h"
#include "uat/init.h"
#include "uat/kernels.h"
#include "uat/train.h"

#ifndef UAT_BUILD_TYPE
#define UAT_BUILD_TYPE "unknown"
#endif

enum { REPEATS = 5 };

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
    const double t0 = bench_now();
    uat_trainer_run(tr, m, o, d, NULL, NULL, NULL, &res);
    t[r] = (bench_now() - t0) / (double)epochs;
  }
  uat_optimizer_free(o);
  uat_trainer_free(tr);
  free(theta0);
  return bench_median(t, REPEATS);
}

/* One CSV row: microseconds per epoch with each kernel set, and whether the trained
 * parameters agree bit for bit. */
static void report(const char *name, uat_mlp *m, const uat_dataset *d, uat_optimizer_params op,
                   size_t epochs) {
  const uat_isa isa0 = uat_kernel_isa();
  double *theta0 = malloc(m->n_params * sizeof *theta0), *ref = malloc(m->n_params * sizeof *ref);
  memcpy(theta0, m->theta, m->n_params * sizeof *theta0);
  double us[UAT_ISA_COUNT] = {0};
  int same = 1;
  for (int k = 0; k < UAT_ISA_COUNT; k++) {
    if (uat_kernel_select((uat_isa)k) != 0) continue;
    memcpy(m->theta, theta0, m->n_params * sizeof *theta0);
    us[k] = 1e6 * time_epochs(m, d, op, UAT_LOSS_MSE, k == 0 ? epochs / 10 + 1 : epochs);
    /* same epochs for the comparison of parameters */
    memcpy(m->theta, theta0, m->n_params * sizeof *theta0);
    time_epochs(m, d, op, UAT_LOSS_MSE, 50);
    if (k == 0)
      memcpy(ref, m->theta, m->n_params * sizeof *ref);
    else
      same = same && memcmp(ref, m->theta, m->n_params * sizeof *ref) == 0;
  }
  uat_kernel_select(isa0);
  printf("%s,%zu,%zu,%.4g,%.4g,%.4g,%s\n", name, d->n, m->n_params, us[0], us[1], us[2],
         same ? "identical" : "DIFFERENT");
  memcpy(m->theta, theta0, m->n_params * sizeof *theta0);
  free(theta0);
  free(ref);
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
  report("xor-2-2-1", m, d, op, 20000);
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
  char name[64];
  snprintf(name, sizeof name, "tanh-1-%zu-1", H);
  report(name, m, d, op, epochs);
  uat_dataset_free(d);
  gsl_rng_free(r);
  uat_mlp_free(m);
}

int main(void) {
  bench_print_machine(UAT_BUILD_TYPE);
  printf("\ncase,samples,params,us_per_epoch_generic,us_per_epoch_avx2,us_per_epoch_avx512,"
         "parameters\n");
  bench_xor();
  const size_t widths[4] = {8, 32, 128, 512};
  for (int i = 0; i < 4; i++) bench_width(widths[i], 256);
  /* smaller batches locate the crossover between loops and dgemm */
  bench_width(32, 4);
  bench_width(32, 16);
  bench_width(32, 64);
  return 0;
}
