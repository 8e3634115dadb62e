/* test_lanes.c — networks side by side in SIMD lanes (uat/lanes.h) give, bit for bit, what
 * training each network alone gives. The reference is the single-network path
 * (uat_trainer_run, uat_xor_run_seed), an independent implementation of the same arithmetic. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "uat/init.h"
#include "uat/kernels.h"
#include "uat/lanes.h"
#include "uat/run.h"
#include "uat/status.h"
#include "uat/xor.h"

/* Every XOR configuration over 200 seeds: identical run records. */
static void test_xor_lanes_match_single_runs(void **state) {
  (void)state;
  enum { N = 200 };
  uat_xor_run *one = malloc(N * sizeof *one), *many = malloc(N * sizeof *many);
  for (int c = 0; uat_xor_config_names[c] != NULL; c++) {
    uat_xor_config cfg;
    assert_int_equal(uat_xor_config_get(uat_xor_config_names[c], &cfg), UAT_OK);
    for (size_t s = 0; s < N; s++)
      assert_int_equal(uat_xor_run_seed(&cfg, 1000 + s, &one[s], NULL), 0);
    assert_int_equal(uat_xor_run_seeds(&cfg, 1000, N, many), UAT_OK);
    for (size_t s = 0; s < N; s++)
      if (memcmp(&one[s], &many[s], sizeof one[s]) != 0)
        fail_msg("%s seed %lu: lanes differ from the single run", cfg.name, one[s].seed);
  }
  free(one);
  free(many);
}

/* 1-8-1 tanh on sin, mini-batches of 16, Adam: five lanes from five seeds, one with weights so
 * large that its loss overflows (it must diverge exactly as alone), against uat_trainer_run. */
static void test_lanes_train_matches_trainer(void **state) {
  (void)state;
  enum { K = 5, N = 40 };
  const size_t sizes[3] = {1, 8, 1};
  const uat_activation act[2] = {UAT_ACT_TANH, UAT_ACT_IDENTITY};
  uat_dataset *d = uat_dataset_alloc(N, 1, 1);
  for (size_t i = 0; i < N; i++) {
    d->x[i] = -3.0 + 6.0 * (double)i / (N - 1);
    d->y[i] = sin(d->x[i]);
  }
  uat_train_params tp = uat_train_default_params();
  tp.max_epochs = 60;
  tp.batch_size = 16;
  tp.target_loss = 0.1; /* lanes 1 and 2 stop early on it (epochs 20 and 40) */
  const uat_optimizer_params op = uat_optimizer_default_params(UAT_OPT_ADAM);
  uat_mlp_lanes *l = uat_mlp_lanes_alloc(K, 3, sizes, act);
  uat_mlp *nets[K];
  const uat_init_spec init = uat_init_spec_torch();
  for (size_t k = 0; k < K; k++) {
    nets[k] = uat_mlp_alloc(3, sizes, act);
    gsl_rng *r = uat_rng_alloc(k);
    uat_mlp_init(nets[k], &init, r);
    gsl_rng_free(r);
    if (k == 3) nets[k]->theta[16] = 1e200; /* an output weight: the loss overflows */
    assert_int_equal(uat_mlp_lanes_set(l, k, nets[k]), UAT_OK);
  }
  uat_train_result res[K];
  assert_int_equal(uat_lanes_train(l, &op, &tp, d, 0, NULL, NULL, res), UAT_OK);
  uat_mlp *got = uat_mlp_alloc(3, sizes, act);
  for (size_t k = 0; k < K; k++) {
    uat_trainer *t = uat_trainer_alloc(nets[k], &tp, N);
    uat_optimizer *o = uat_optimizer_alloc(&op, nets[k]->n_params);
    uat_train_result want;
    uat_trainer_run(t, nets[k], o, d, NULL, NULL, NULL, &want);
    print_message("lane %zu: %s after %zu epochs\n", k, uat_stop_reason_name(res[k].reason),
                  res[k].epochs);
    assert_int_equal(res[k].reason, want.reason);
    assert_int_equal(res[k].epochs, want.epochs);
    assert_memory_equal(&res[k].loss, &want.loss, sizeof want.loss);
    uat_mlp_lanes_get(l, k, got);
    if (want.reason != UAT_STOP_DIVERGED)
      assert_memory_equal(got->theta, nets[k]->theta, nets[k]->n_params * sizeof(double));
    uat_optimizer_free(o);
    uat_trainer_free(t);
    uat_mlp_free(nets[k]);
  }
  assert_int_equal(res[3].reason, UAT_STOP_DIVERGED);
  assert_int_equal(res[1].reason, UAT_STOP_TARGET);
  assert_int_equal(res[0].reason, UAT_STOP_ITER);
  uat_mlp_free(got);
  uat_mlp_lanes_free(l);
  uat_dataset_free(d);
}

/* A cell of a sweep (seeds of one Adam fit, normalised training, some stopping on a target
 * RMSE, a plateau test on) side by side: every result field and every model bit as uat_run
 * gives them one by one. */
static void test_run_seeds_match_runs(void **state) {
  (void)state;
  enum { K = 6 };
  uat_run_spec sp[K];
  for (size_t k = 0; k < K; k++) {
    uat_run_spec_defaults(&sp[k]);
    sp[k].target = "sin(2*x) + x/3";
    sp[k].domain = "x=-2:2";
    sp[k].width = 8;
    sp[k].fit = uat_fit_default_params(UAT_FIT_ADAM);
    sp[k].fit.max_iter = 400;
    sp[k].fit.lr = 0.01;
    sp[k].fit.target_rmse = 0.05;
    sp[k].fit.plateau_window = 100;
    sp[k].fit.plateau_rel = 1e-3;
    sp[k].train_n = 64;
    sp[k].test_n = 201;
    sp[k].seed = 10 + k;
  }
  uat_mlp *models[K];
  uat_run_result res[K];
  int st[K];
  uat_error err[K];
  assert_int_equal(uat_run_seeds(K, sp, models, res, st, err), UAT_OK);
  int stops[UAT_STOP_COUNT] = {0};
  for (size_t k = 0; k < K; k++) {
    uat_mlp *m = NULL;
    uat_run_result r;
    uat_error e;
    assert_int_equal(st[k], uat_run(&sp[k], &m, &r, &e));
    assert_int_equal(res[k].fit.stop, r.fit.stop);
    assert_int_equal(res[k].fit.iterations, r.fit.iterations);
    assert_int_equal(res[k].fit.evaluations, r.fit.evaluations);
    assert_memory_equal(&res[k].fit.rmse, &r.fit.rmse, sizeof r.fit.rmse);
    assert_memory_equal(&res[k].report.test_rmse, &r.report.test_rmse, sizeof(double));
    assert_memory_equal(&res[k].report.test_max, &r.report.test_max, sizeof(double));
    assert_memory_equal(models[k]->theta, m->theta, m->n_params * sizeof(double));
    stops[r.fit.stop]++;
    uat_mlp_free(m);
    uat_mlp_free(models[k]);
  }
  /* side by side indeed: the lanes' time is shared out evenly */
  for (size_t k = 1; k < K; k++) assert_true(res[k].fit.seconds == res[0].fit.seconds);
  /* the cell exercises more than one stopping rule */
  print_message("stops: target %d, iterations %d, plateau %d\n", stops[UAT_STOP_TARGET],
                stops[UAT_STOP_ITER], stops[UAT_STOP_PLATEAU]);
  assert_true(stops[UAT_STOP_TARGET] + stops[UAT_STOP_PLATEAU] > 0);
}

/* Shapes must match; shuffling is refused (one sample order per lane would need its rng). */
static void test_lanes_reject(void **state) {
  (void)state;
  const size_t sizes[3] = {2, 3, 1}, other[3] = {2, 4, 1};
  const uat_activation act[2] = {UAT_ACT_SIGMOID, UAT_ACT_IDENTITY};
  uat_mlp_lanes *l = uat_mlp_lanes_alloc(3, 3, sizes, act);
  assert_non_null(l);
  assert_int_equal(l->stride, 8);
  uat_mlp *m = uat_mlp_alloc(3, other, act);
  assert_int_equal(uat_mlp_lanes_set(l, 0, m), UAT_EINVAL);
  uat_mlp_free(m);
  m = uat_mlp_alloc(3, sizes, act);
  assert_int_equal(uat_mlp_lanes_set(l, 3, m), UAT_EINVAL);
  uat_dataset *d = uat_dataset_alloc(4, 2, 1);
  uat_train_params tp = uat_train_default_params();
  tp.shuffle = 1;
  const uat_optimizer_params op = uat_optimizer_default_params(UAT_OPT_SGD);
  uat_train_result res[3];
  assert_int_equal(uat_lanes_train(l, &op, &tp, d, 0, NULL, NULL, res), UAT_EINVAL);
  assert_null(uat_mlp_lanes_alloc(0, 3, sizes, act));
  uat_dataset_free(d);
  uat_mlp_free(m);
  uat_mlp_lanes_free(l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_xor_lanes_match_single_runs),
      cmocka_unit_test(test_lanes_train_matches_trainer),
      cmocka_unit_test(test_run_seeds_match_runs),
      cmocka_unit_test(test_lanes_reject),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
