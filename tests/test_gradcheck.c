/* test_gradcheck.c — the gradient check passes correct gradients and fails real bugs loudly. */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "uat/gradcheck.h"
#include "uat/init.h"

enum { N = 6 };

/* 2-5-5-2 (a square 5x5 middle layer, so a transposed gradient has the right shape) */
typedef struct {
  uat_mlp *m;
  double x[N * 2], t[N * 2];
} net;

static net make(uat_activation a, unsigned long seed) {
  const size_t sizes[4] = {2, 5, 5, 2};
  const uat_activation act[3] = {a, a, UAT_ACT_IDENTITY};
  net n;
  n.m = uat_mlp_alloc(4, sizes, act);
  gsl_rng *r = uat_rng_alloc(seed);
  const uat_init_spec init = {UAT_INIT_NORMAL, 0.0, 0.9, UAT_INIT_UNIFORM, -0.5, 0.5};
  uat_mlp_init(n.m, &init, r);
  for (int i = 0; i < N * 2; i++) {
    n.x[i] = gsl_ran_flat(r, -1.5, 1.5);
    n.t[i] = gsl_rng_uniform(r);
  }
  gsl_rng_free(r);
  return n;
}

/* The network's own gradient, optionally with one layer's activation derivative left out. */
static void backprop(net *n, uat_loss loss, double *grad, int skip_layer) {
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(n->m, N);
  double dy[N * 2];
  const double *y = uat_mlp_forward(n->m, w, N, n->x);
  uat_loss_eval(loss, N * 2, y, n->t, dy);
  uat_activation saved = UAT_ACT_IDENTITY;
  if (skip_layer >= 0) {
    saved = n->m->act[skip_layer];
    n->m->act[skip_layer] = UAT_ACT_IDENTITY; /* its derivative becomes 1: the bug */
  }
  uat_mlp_backward(n->m, w, dy, grad, NULL);
  if (skip_layer >= 0) n->m->act[skip_layer] = saved;
  uat_mlp_workspace_free(w);
}

static void test_correct_gradients_pass(void **s) {
  (void)s;
  const uat_activation smooth[4] = {UAT_ACT_TANH, UAT_ACT_SIGMOID, UAT_ACT_SOFTPLUS, UAT_ACT_SIN};
  for (int a = 0; a < 4; a++)
    for (int l = 0; l < UAT_LOSS_COUNT; l++) {
      net n = make(smooth[a], 100 + (unsigned long)a);
      const uat_gradcheck_params p = uat_gradcheck_default_params();
      uat_mlp_check c;
      uat_error err;
      assert_int_equal(uat_mlp_gradcheck(n.m, N, n.x, n.t, (uat_loss)l, &p, NULL, &c, &err), 0);
      if (!(c.max_rel_err < 1e-8))
        print_error("%s/%s: %g at %zu\n", uat_activation_name(smooth[a]),
                    uat_loss_name((uat_loss)l), c.max_rel_err, c.worst);
      assert_true(c.max_rel_err < 1e-8);
      assert_true(c.jacobian_max_rel_err < 1e-8);
      assert_int_equal(c.kinks, 0);
      assert_int_equal(c.weights[1].count, 25);
      assert_int_equal(c.biases[2].count, 2);
      assert_int_equal(c.jacobian_count, N * 2 * 2); /* 6 points, 2 outputs, 2 inputs */
      uat_mlp_free(n.m);
    }
}

/* Each method at its own accuracy: forward O(h), central O(h^2), Richardson O(h^4). */
static void test_methods(void **s) {
  (void)s;
  net n = make(UAT_ACT_TANH, 7);
  const uat_fd_method methods[3] = {UAT_FD_FORWARD, UAT_FD_CENTRAL, UAT_FD_RICHARDSON};
  const double tol[3] = {1e-5, 1e-7, 1e-8};
  for (int k = 0; k < 3; k++) {
    uat_gradcheck_params p = uat_gradcheck_default_params();
    p.method = methods[k];
    uat_mlp_check c;
    uat_error err;
    assert_int_equal(uat_mlp_gradcheck(n.m, N, n.x, n.t, UAT_LOSS_MSE, &p, NULL, &c, &err), 0);
    if (!(c.max_rel_err < tol[k]))
      print_error("%s: %g\n", uat_fd_method_name(methods[k]), c.max_rel_err);
    assert_true(c.max_rel_err < tol[k]);
  }
  uat_mlp_free(n.m);
}

static uat_mlp_check check_claimed(net *n, const double *grad) {
  const uat_gradcheck_params p = uat_gradcheck_default_params();
  uat_mlp_check c;
  uat_error err;
  assert_int_equal(uat_mlp_gradcheck(n->m, N, n->x, n->t, UAT_LOSS_MSE, &p, grad, &c, &err), 0);
  return c;
}

/* A sign flip in one bias: that bias, in that layer, is the worst, with error 2. */
static void test_bias_sign_flip_caught(void **s) {
  (void)s;
  net n = make(UAT_ACT_TANH, 11);
  double grad[57];
  assert_int_equal(n.m->n_params, 57);
  backprop(&n, UAT_LOSS_MSE, grad, -1);
  const size_t bias = (size_t)(uat_mlp_bias(n.m, 1) - n.m->theta) + 3;
  grad[bias] = -grad[bias];
  const uat_mlp_check c = check_claimed(&n, grad);
  assert_true(c.max_rel_err > 1.0);
  assert_int_equal(c.worst, bias);
  assert_true(c.biases[1].max_rel_err > 1.0);
  assert_true(c.weights[1].max_rel_err < 1e-8 && c.biases[0].max_rel_err < 1e-8);
  uat_mlp_free(n.m);
}

/* The 5x5 weight gradient transposed: caught in that layer's weights. */
static void test_transposed_weights_caught(void **s) {
  (void)s;
  net n = make(UAT_ACT_SOFTPLUS, 12);
  double grad[57], t[25];
  backprop(&n, UAT_LOSS_MSE, grad, -1);
  double *g = grad + n.m->offset[1];
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 5; j++) t[j * 5 + i] = g[i * 5 + j];
  memcpy(g, t, sizeof t);
  const uat_mlp_check c = check_claimed(&n, grad);
  assert_true(c.weights[1].max_rel_err > 0.1);
  assert_true(c.max_rel_err > 0.1);
  assert_true(c.biases[1].max_rel_err < 1e-8 && c.weights[0].max_rel_err < 1e-8);
  uat_mlp_free(n.m);
}

/* Backprop that forgets the first layer's activation derivative: every parameter upstream of
 * it is wrong. */
static void test_missing_activation_derivative_caught(void **s) {
  (void)s;
  net n = make(UAT_ACT_SIGMOID, 13);
  double grad[57];
  backprop(&n, UAT_LOSS_BCE, grad, 0);
  const uat_gradcheck_params p = uat_gradcheck_default_params();
  uat_mlp_check c;
  uat_error err;
  assert_int_equal(uat_mlp_gradcheck(n.m, N, n.x, n.t, UAT_LOSS_BCE, &p, grad, &c, &err), 0);
  assert_true(c.weights[0].max_rel_err > 0.1 && c.biases[0].max_rel_err > 0.1);
  assert_true(c.weights[2].max_rel_err < 1e-8); /* the layers after it are still right */
  uat_mlp_free(n.m);
}

/* A ReLU pre-activation exactly at 0: its parameters are kinks, reported and not judged. */
static void test_relu_kinks_reported(void **s) {
  (void)s;
  net n = make(UAT_ACT_RELU, 14);
  /* sample 0 is (x0, x1); make unit 0 of layer 1 see exactly 0 there */
  double *W = uat_mlp_weights(n.m, 0), *b = uat_mlp_bias(n.m, 0);
  n.x[0] = 0.5;
  n.x[1] = 0.25;
  W[0] = 1.0;
  W[1] = 2.0;
  b[0] = -1.0; /* 0.5 + 0.5 - 1 = 0 */
  uat_gradcheck_params p = uat_gradcheck_default_params();
  p.method = UAT_FD_CENTRAL;
  uat_mlp_check c;
  uat_error err;
  assert_int_equal(uat_mlp_gradcheck(n.m, N, n.x, n.t, UAT_LOSS_MSE, &p, NULL, &c, &err), 0);
  assert_true(c.kinks >= 3); /* W[0], W[1], b[0] at least */
  assert_true(c.weights[0].kinks >= 2 && c.biases[0].kinks >= 1);
  assert_true(c.max_rel_err < 1e-6);
  uat_mlp_free(n.m);
}

/* The generic check on a function with a known gradient, and theta restored bit for bit. */
static double rosen(const double *x, void *p) {
  (void)p;
  return 100 * pow(x[1] - x[0] * x[0], 2) + pow(1 - x[0], 2);
}

static void test_generic(void **s) {
  (void)s;
  double x[2] = {-1.2, 1.0};
  const double g[2] = {-400 * x[0] * (x[1] - x[0] * x[0]) - 2 * (1 - x[0]),
                       200 * (x[1] - x[0] * x[0])};
  const uat_gradcheck_params p = uat_gradcheck_default_params();
  uat_gradcheck_result r;
  double fd[2];
  assert_int_equal(uat_gradcheck(rosen, NULL, 2, x, g, &p, fd, &r), 0);
  assert_true(r.max_rel_err < 1e-10);
  assert_true(x[0] == -1.2 && x[1] == 1.0);
  uat_fd_method m;
  assert_int_equal(uat_fd_method_parse("forward", &m), 0);
  assert_int_equal(m, UAT_FD_FORWARD);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_correct_gradients_pass),
      cmocka_unit_test(test_methods),
      cmocka_unit_test(test_bias_sign_flip_caught),
      cmocka_unit_test(test_transposed_weights_caught),
      cmocka_unit_test(test_missing_activation_derivative_caught),
      cmocka_unit_test(test_relu_kinks_reported),
      cmocka_unit_test(test_generic),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
