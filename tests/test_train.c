/* test_train.c — the training loop against least squares, and its stop reasons. */
#include <gsl/gsl_fit.h>
#include <math.h>

#include "test_util.h"
#include "uat/init.h"
#include "uat/train.h"

enum { N = 16 };

/* y = 2.385 x - 0.7 + a small wiggle, x in [-1, 1]: the least-squares line is the reference. */
static uat_dataset *line_data(double *c0, double *c1) {
  uat_dataset *d = uat_dataset_alloc(N, 1, 1);
  for (size_t i = 0; i < N; i++) {
    d->x[i] = -1.0 + 2.0 * (double)i / (N - 1);
    d->y[i] = 2.385 * d->x[i] - 0.7 + 0.05 * sin(7.0 * d->x[i]);
  }
  double cov00, cov01, cov11, sumsq;
  gsl_fit_linear(d->x, 1, d->y, 1, N, c0, c1, &cov00, &cov01, &cov11, &sumsq);
  return d;
}

static uat_mlp *linear_model(void) {
  const size_t sizes[2] = {1, 1};
  const uat_activation act = UAT_ACT_IDENTITY;
  uat_mlp *m = uat_mlp_alloc(2, sizes, &act);
  m->theta[0] = 0.1;
  m->theta[1] = 0.2;
  return m;
}

static int train(uat_mlp *m, const uat_dataset *d, uat_train_params tp, uat_optimizer_params op,
                 uat_train_result *res) {
  uat_optimizer *o = uat_optimizer_alloc(&op, m->n_params);
  uat_trainer *t = uat_trainer_alloc(m, &tp, d->n);
  gsl_rng *r = uat_rng_alloc(11);
  const int st = uat_trainer_run(t, m, o, d, r, NULL, NULL, res);
  gsl_rng_free(r);
  uat_trainer_free(t);
  uat_optimizer_free(o);
  return st;
}

static void expect_line(size_t batch, int shuffle, uat_optimizer_kind kind, double lr) {
  double c0, c1;
  uat_dataset *d = line_data(&c0, &c1);
  uat_mlp *m = linear_model();
  uat_train_params tp = uat_train_default_params();
  tp.max_epochs = 4000;
  tp.batch_size = batch;
  tp.shuffle = shuffle;
  uat_optimizer_params op = uat_optimizer_default_params(kind);
  op.lr = lr;
  uat_train_result res;
  assert_int_equal(train(m, d, tp, op, &res), 0);
  assert_int_equal(res.reason, UAT_STOP_ITER);
  assert_int_equal(res.epochs, 4000);
  if (batch == 0) {
    /* Full-batch gradient descent converges to the least-squares line itself. */
    uat_assert_close(m->theta[0], c1, 1e-10, 0);
    uat_assert_close(m->theta[1], c0, 1e-10, 0);
  } else {
    /* Stochastic updates hover around it within O(lr) of the residual. */
    uat_assert_close(m->theta[0], c1, 2e-2, 0);
    uat_assert_close(m->theta[1], c0, 2e-2, 0);
  }
  uat_mlp_free(m);
  uat_dataset_free(d);
}

static void test_full_batch_sgd(void **s) {
  (void)s;
  expect_line(0, 0, UAT_OPT_SGD, 0.3);
}
static void test_full_batch_momentum(void **s) {
  (void)s;
  expect_line(0, 0, UAT_OPT_MOMENTUM, 0.05);
}
static void test_full_batch_nesterov(void **s) {
  (void)s;
  expect_line(0, 0, UAT_OPT_NESTEROV, 0.05);
}
static void test_minibatch(void **s) {
  (void)s;
  expect_line(4, 1, UAT_OPT_SGD, 0.02);
}
static void test_online(void **s) {
  (void)s;
  expect_line(1, 0, UAT_OPT_SGD, 0.01);
}

static void test_adam_reaches_target(void **s) {
  (void)s;
  double c0, c1;
  uat_dataset *d = line_data(&c0, &c1);
  uat_mlp *m = linear_model();
  uat_train_params tp = uat_train_default_params();
  tp.max_epochs = 100000;
  tp.target_loss = 0.01;
  uat_optimizer_params op = uat_optimizer_default_params(UAT_OPT_ADAM);
  op.lr = 0.01;
  uat_train_result res;
  assert_int_equal(train(m, d, tp, op, &res), 0);
  assert_int_equal(res.reason, UAT_STOP_TARGET);
  assert_true(res.loss <= 0.01 && res.epochs < 100000);
  uat_mlp_free(m);
  uat_dataset_free(d);
}

/* lr 10 on this problem multiplies the error by about -(2 lr var(x) - 1) per step: it
 * overflows to Inf, then NaN. That must come back as divergence, not as a result. */
static void test_divergence_detected(void **s) {
  (void)s;
  double c0, c1;
  uat_dataset *d = line_data(&c0, &c1);
  uat_mlp *m = linear_model();
  uat_train_params tp = uat_train_default_params();
  tp.max_epochs = 100000;
  uat_optimizer_params op = uat_optimizer_default_params(UAT_OPT_SGD);
  op.lr = 10.0;
  uat_train_result res;
  assert_int_equal(train(m, d, tp, op, &res), UAT_EDIVERGED);
  assert_int_equal(res.reason, UAT_STOP_DIVERGED);
  assert_true(res.epochs < 100000);
  assert_true(!isfinite(res.loss));
  uat_mlp_free(m);
  uat_dataset_free(d);
}

static int stop_at_five(size_t epoch, double loss, const uat_mlp *m, void *ctx) {
  (void)loss;
  (void)m;
  *(size_t *)ctx = epoch;
  return epoch == 5;
}

static void test_callback_and_shapes(void **s) {
  (void)s;
  double c0, c1;
  uat_dataset *d = line_data(&c0, &c1);
  uat_mlp *m = linear_model();
  uat_train_params tp = uat_train_default_params();
  uat_optimizer_params op = uat_optimizer_default_params(UAT_OPT_SGD);
  uat_optimizer *o = uat_optimizer_alloc(&op, m->n_params);
  uat_trainer *t = uat_trainer_alloc(m, &tp, d->n);
  size_t seen = 0;
  uat_train_result res;
  assert_int_equal(uat_trainer_run(t, m, o, d, NULL, stop_at_five, &seen, &res), 0);
  assert_int_equal(res.reason, UAT_STOP_CALLBACK);
  assert_int_equal(seen, 5);
  assert_string_equal(uat_stop_reason_name(res.reason), "callback");
  uat_dataset *wrong = uat_dataset_alloc(N, 2, 1);
  assert_int_equal(uat_trainer_run(t, m, o, wrong, NULL, NULL, NULL, &res), UAT_EINVAL);
  uat_dataset_free(wrong);
  uat_trainer_free(t);
  uat_optimizer_free(o);
  uat_mlp_free(m);
  uat_dataset_free(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_full_batch_sgd),
      cmocka_unit_test(test_full_batch_momentum),
      cmocka_unit_test(test_full_batch_nesterov),
      cmocka_unit_test(test_minibatch),
      cmocka_unit_test(test_online),
      cmocka_unit_test(test_adam_reaches_target),
      cmocka_unit_test(test_divergence_detected),
      cmocka_unit_test(test_callback_and_shapes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
