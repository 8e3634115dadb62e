/* test_mlp.c — forward values against hand computation; backward (parameters and inputs)
 * against finite differences for every activation and every loss. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "test_util.h"
#include "uat/data.h"
#include "uat/gradcheck.h"
#include "uat/init.h"
#include "uat/kernels.h"
#include "uat/limits.h"
#include "uat/loss.h"
#include "uat/mlp.h"

static void test_activation_values(void **state) {
  (void)state;
  /* References computed to 50 digits with Python's decimal module (exp, ln, and a Taylor series
   * for sin) from the doubles nearest -2.385 and 0.5: independent of any libm. Tolerances: the
   * activations are within 2 ulp (2.2e-16 relative per ulp), libm's sin within 1 ulp. */
  const double z[4] = {-2.385, 0.0, 0.5, 40.0};
  double a[4];
  uat_activation_apply(UAT_ACT_SIGMOID, 4, z, a);
  uat_assert_close(a[0], 0.084323696421474517104870949968586642, 0, 4.5e-16);
  uat_assert_close(a[1], 0.5, 0, 0);
  uat_activation_apply(UAT_ACT_SOFTPLUS, 4, z, a);
  uat_assert_close(a[0], 0.088092357134353169419536926596307430, 0, 4.5e-16);
  uat_assert_close(a[1], 0.69314718055994530941723212145817657, 0, 2.3e-16);
  uat_assert_close(a[3], 40.0, 0, 1e-16); /* log(1 + e^40) = 40 + 4.2e-18 */
  uat_activation_apply(UAT_ACT_RELU, 4, z, a);
  uat_assert_close(a[0], 0.0, 0, 0);
  uat_assert_close(a[2], 0.5, 0, 0);
  uat_activation_apply(UAT_ACT_TANH, 4, z, a);
  uat_assert_close(a[2], 0.46211715726000975850231848364367255, 0, 4.5e-16);
  uat_activation_apply(UAT_ACT_SIN, 4, z, a);
  uat_assert_close(a[0], -0.68644768332195352272515664356763918, 0, 2.3e-16);
  uat_activation_apply(UAT_ACT_IDENTITY, 4, z, a);
  uat_assert_close(a[3], 40.0, 0, 0);
  uat_activation act;
  assert_int_equal(uat_activation_parse("linear", &act), 0);
  assert_int_equal(act, UAT_ACT_IDENTITY);
  assert_int_not_equal(uat_activation_parse("swish", &act), 0);
}

/* 2-2-1, sigmoid then identity, parameters chosen by hand:
 * W1 = [[0.5, -0.25], [1.5, 0.75]], b1 = [0.1, -0.2], W2 = [2, -1], b2 = 0.3.
 * At x = (1, 2): z1 = (0.1, 2.8), y = 2 s(0.1) - s(2.8) + 0.3. */
static void test_forward_by_hand(void **state) {
  (void)state;
  const size_t sizes[3] = {2, 2, 1};
  const uat_activation act[2] = {UAT_ACT_SIGMOID, UAT_ACT_IDENTITY};
  uat_mlp *m = uat_mlp_alloc(3, sizes, act);
  assert_non_null(m);
  assert_int_equal(m->n_params, 9);
  const double theta[9] = {0.5, -0.25, 1.5, 0.75, 0.1, -0.2, 2.0, -1.0, 0.3};
  memcpy(m->theta, theta, sizeof theta);
  assert_ptr_equal(uat_mlp_bias(m, 0), m->theta + 4);
  assert_ptr_equal(uat_mlp_weights(m, 1), m->theta + 6);
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, 2);
  const double x[4] = {1.0, 2.0, 0.0, 0.0};
  const double *y = uat_mlp_forward(m, w, 2, x);
  assert_non_null(y);
  const double s01 = 1.0 / (1.0 + exp(-0.1)), s28 = 1.0 / (1.0 + exp(-2.8));
  uat_assert_close(y[0], 2.0 * s01 - s28 + 0.3, 0, 1e-15);
  const double s1 = 1.0 / (1.0 + exp(-0.1)), s2 = 1.0 / (1.0 + exp(0.2));
  uat_assert_close(y[1], 2.0 * s1 - s2 + 0.3, 0, 1e-15);
  assert_null(uat_mlp_forward(m, w, 3, x)); /* larger than the workspace */
  uat_mlp_workspace_free(w);
  uat_mlp_free(m);
}

static void test_alloc_rejects(void **state) {
  (void)state;
  const size_t bad[3] = {2, 0, 1};
  const uat_activation act[2] = {UAT_ACT_TANH, UAT_ACT_IDENTITY};
  assert_null(uat_mlp_alloc(3, bad, act));
  assert_null(uat_mlp_alloc(1, bad, act));
  /* sizes whose parameter count would wrap around size_t, or exceed uat/limits.h */
  const size_t wrap[4] = {1, 3, SIZE_MAX, 1}, wide[3] = {1, UAT_MAX_WIDTH + 1, 1},
               many[3] = {1, UAT_MAX_WIDTH, UAT_MAX_WIDTH};
  const uat_activation act3[3] = {UAT_ACT_TANH, UAT_ACT_TANH, UAT_ACT_IDENTITY};
  assert_int_equal(uat_mlp_param_count(4, wrap), 0);
  assert_null(uat_mlp_alloc(4, wrap, act3));
  assert_null(uat_mlp_alloc(3, wide, act));
  assert_int_equal(uat_mlp_param_count(3, many), 0); /* 2^48 parameters */
  assert_null(uat_mlp_alloc(3, many, act));
  /* 2 x (2^63 + 1) wraps to a small number in size_t: refused */
  const size_t sneaky[3] = {2, ((size_t)1 << 63) + 1, 1};
  assert_null(uat_mlp_alloc(3, sneaky, act));
  /* workspaces and datasets check their products too */
  const size_t ok[3] = {2, 3, 1};
  uat_mlp *m = uat_mlp_alloc(3, ok, act);
  assert_non_null(m);
  assert_null(uat_mlp_workspace_alloc(m, SIZE_MAX / 2));
  uat_mlp_free(m);
  assert_null(uat_dataset_alloc(SIZE_MAX / 2, 4, 1));
  assert_null(uat_dataset_alloc(UAT_MAX_POINTS + 1, 1, 1));
  uat_mlp_free(NULL);
  uat_mlp_workspace_free(NULL);
}

/* The loss of a network on a fixed batch, as a function of theta (for gradient checks). */
typedef struct {
  uat_mlp *m;
  uat_mlp_workspace *w;
  uat_loss loss;
  size_t n;
  double *x, *t;
} loss_problem;

static double loss_of_theta(const double *theta, void *params) {
  loss_problem *p = params;
  memcpy(p->m->theta, theta, p->m->n_params * sizeof *theta);
  const double *y = uat_mlp_forward(p->m, p->w, p->n, p->x);
  return uat_loss_eval_rows(p->loss, p->n, uat_mlp_out(p->m), y, p->t, NULL);
}

static double loss_of_x(const double *x, void *params) {
  loss_problem *p = params;
  const double *y = uat_mlp_forward(p->m, p->w, p->n, x);
  return uat_loss_eval_rows(p->loss, p->n, uat_mlp_out(p->m), y, p->t, NULL);
}

static loss_problem make_problem(uat_activation a, uat_loss loss, unsigned long seed) {
  const size_t sizes[4] = {3, 5, 4, 2};
  const uat_activation act[3] = {a, a, a};
  loss_problem p = {uat_mlp_alloc(4, sizes, act), NULL, loss, 7, NULL, NULL};
  p.w = uat_mlp_workspace_alloc(p.m, p.n);
  p.x = malloc(p.n * 3 * sizeof *p.x);
  p.t = malloc(p.n * 2 * sizeof *p.t);
  gsl_rng *r = uat_rng_alloc(seed);
  const uat_init_spec init = {UAT_INIT_NORMAL, 0.0, 0.8, UAT_INIT_UNIFORM, -0.5, 0.5};
  uat_mlp_init(p.m, &init, r);
  for (size_t i = 0; i < p.n * 3; i++) p.x[i] = gsl_ran_flat(r, -1.7, 1.9);
  for (size_t i = 0; i < p.n * 2; i++) p.t[i] = gsl_rng_uniform(r);
  gsl_rng_free(r);
  return p;
}

static void free_problem(loss_problem *p) {
  uat_mlp_workspace_free(p->w);
  uat_mlp_free(p->m);
  free(p->x);
  free(p->t);
}

/* With ReLU everywhere the network is piecewise linear in any one parameter or input, so
 * the losses are piecewise quadratic (MSE) and central differences are exact on each piece
 * whatever the step; the step only has to stay clear of the kinks. 1e-4 does for these
 * fixed seeds (a step across a kink would show as an error near 1, not near 1e-7). */
static uat_gradcheck_params fd_params(uat_activation a) {
  uat_gradcheck_params gp = uat_gradcheck_default_params();
  if (a == UAT_ACT_RELU) {
    gp.method = UAT_FD_CENTRAL;
    gp.h_rel = 1e-4;
  }
  return gp;
}

static void check_backward(uat_activation a, uat_loss loss) {
  loss_problem p = make_problem(a, loss, 2385 + (unsigned long)a * 10 + (unsigned long)loss);
  const size_t P = p.m->n_params;
  double *theta = malloc(P * sizeof *theta), *grad = malloc(P * sizeof *grad);
  double *dy = malloc(p.n * 2 * sizeof *dy), *dx = malloc(p.n * 3 * sizeof *dx);
  memcpy(theta, p.m->theta, P * sizeof *theta);
  const double *y = uat_mlp_forward(p.m, p.w, p.n, p.x);
  uat_loss_eval_rows(loss, p.n, 2, y, p.t, dy);
  assert_int_equal(uat_mlp_backward(p.m, p.w, dy, grad, dx), 0);

  const uat_gradcheck_params gp = fd_params(a);
  uat_gradcheck_result res;
  assert_int_equal(uat_gradcheck(loss_of_theta, &p, P, theta, grad, &gp, NULL, &res), 0);
  if (res.max_rel_err >= 1e-7)
    print_error("%s/%s: theta[%zu] rel err %.3g\n", uat_activation_name(a), uat_loss_name(loss),
                res.worst, res.max_rel_err);
  assert_true(res.max_rel_err < 1e-7);

  memcpy(p.m->theta, theta, P * sizeof *theta);
  double *x = malloc(p.n * 3 * sizeof *x);
  memcpy(x, p.x, p.n * 3 * sizeof *x);
  assert_int_equal(uat_gradcheck(loss_of_x, &p, p.n * 3, x, dx, &gp, NULL, &res), 0);
  if (res.max_rel_err >= 1e-7)
    print_error("%s/%s: x[%zu] rel err %.3g\n", uat_activation_name(a), uat_loss_name(loss),
                res.worst, res.max_rel_err);
  assert_true(res.max_rel_err < 1e-7);
  free(x);
  free(theta);
  free(grad);
  free(dy);
  free(dx);
  free_problem(&p);
}

static void test_backward_all(void **state) {
  (void)state;
  for (int a = 0; a < UAT_ACT_COUNT; a++)
    for (int l = 0; l < UAT_LOSS_COUNT; l++) check_backward((uat_activation)a, (uat_loss)l);
}

/* Output k of the network at one point, as a function of that point. */
typedef struct {
  loss_problem *p;
  size_t k;
} output_fn;

static double output_of_x(const double *x, void *params) {
  output_fn *o = params;
  return uat_mlp_forward(o->p->m, o->p->w, 1, x)[o->k];
}

static void test_input_jacobian(void **state) {
  (void)state;
  loss_problem p = make_problem(UAT_ACT_TANH, UAT_LOSS_MSE, 77);
  double jac[2 * 3], x[3];
  memcpy(x, p.x, sizeof x);
  assert_int_equal(uat_mlp_input_jacobian(p.m, p.w, x, jac), 0);
  const uat_gradcheck_params gp = uat_gradcheck_default_params();
  for (size_t k = 0; k < 2; k++) {
    output_fn o = {&p, k};
    uat_gradcheck_result res;
    assert_int_equal(uat_gradcheck(output_of_x, &o, 3, x, jac + 3 * k, &gp, NULL, &res), 0);
    assert_true(res.max_rel_err < 1e-8);
  }
  free_problem(&p);
}

/* Every kernel set the CPU has gives the same bits in a forward and backward pass of a
 * network with batches above and below the packed-product threshold (uat/kernels.h). */
static void test_kernel_sets_identical(void **state) {
  (void)state;
  const size_t sizes[4] = {3, 40, 33, 2};
  const uat_activation act[3] = {UAT_ACT_TANH, UAT_ACT_SIGMOID, UAT_ACT_IDENTITY};
  uat_mlp *m = uat_mlp_alloc(4, sizes, act);
  gsl_rng *r = uat_rng_alloc(5);
  const uat_init_spec init = uat_init_spec_torch();
  uat_mlp_init(m, &init, r);
  enum { N = 50 };
  double x[N * 3], dy[N * 2], y0[N * 2], g0[N * 3], g[N * 3];
  for (size_t i = 0; i < N * 3; i++) x[i] = gsl_ran_flat(r, -2, 2);
  for (size_t i = 0; i < N * 2; i++) dy[i] = gsl_ran_flat(r, -1, 1);
  double *p0 = malloc(m->n_params * sizeof *p0), *p = malloc(m->n_params * sizeof *p);
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, N);
  const uat_isa isa0 = uat_kernel_isa();
  assert_int_equal(uat_kernel_select(UAT_ISA_GENERIC), UAT_OK);
  memcpy(y0, uat_mlp_forward(m, w, N, x), sizeof y0);
  uat_mlp_backward(m, w, dy, p0, g0);
  for (int k = 1; k < UAT_ISA_COUNT; k++) {
    if (uat_kernel_select((uat_isa)k) != UAT_OK) continue;
    assert_memory_equal(uat_mlp_forward(m, w, N, x), y0, sizeof y0);
    uat_mlp_backward(m, w, dy, p, g);
    assert_memory_equal(p, p0, m->n_params * sizeof *p);
    assert_memory_equal(g, g0, sizeof g);
  }
  uat_kernel_select(isa0);
  free(p0);
  free(p);
  uat_mlp_workspace_free(w);
  gsl_rng_free(r);
  uat_mlp_free(m);
}

/* Losses at points where the value is known in closed form. */
static void test_loss_values(void **state) {
  (void)state;
  const double y[2] = {0.5, -1.25}, t[2] = {1.0, 0.0};
  double dy[2];
  uat_assert_close(uat_loss_eval(UAT_LOSS_MSE, 2, y, t, dy), (0.25 + 1.5625) / 2, 0, 1e-16);
  uat_assert_close(dy[0], -0.5, 0, 1e-16);
  uat_assert_close(uat_loss_eval(UAT_LOSS_HALF_MSE, 2, y, t, dy), (0.25 + 1.5625) / 4, 0, 1e-16);
  uat_assert_close(dy[1], -0.625, 0, 1e-16);
  /* BCE on logits: -log s(0.5) and -log(1 - s(-1.25)). */
  const double bce = (log1p(exp(-0.5)) + log1p(exp(-1.25))) / 2;
  uat_assert_close(uat_loss_eval(UAT_LOSS_BCE, 2, y, t, dy), bce, 0, 1e-15);
  /* A logit of 800 with target 0 costs 800, without overflow. */
  const double big = 800.0, zero = 0.0;
  uat_assert_close(uat_loss_eval(UAT_LOSS_BCE, 1, &big, &zero, dy), 800.0, 0, 1e-15);
  uat_assert_close(dy[0], 1.0, 0, 1e-15);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_activation_values), cmocka_unit_test(test_forward_by_hand),
      cmocka_unit_test(test_alloc_rejects),     cmocka_unit_test(test_backward_all),
      cmocka_unit_test(test_input_jacobian),    cmocka_unit_test(test_kernel_sets_identical),
      cmocka_unit_test(test_loss_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
