/* test_node.c — forward sensitivities of a network vector field through CVODES (the gradients
 * of a neural ODE) against central finite differences of whole solves, and against a linear
 * system whose sensitivities are known in closed form. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "uat/init.h"
#include "uat/node.h"
#include "uat/rollout.h"

/* y' = -q y: y = y0 e^{-q t}, dy/dq = -t y0 e^{-q t}. */
static int decay_rhs(double t, const double *y, double *f, const double *p, void *ctx) {
  (void)t;
  (void)p;
  f[0] = -*(const double *)ctx * y[0];
  return 0;
}
static int decay_jac(double t, const double *y, double *J, const double *p, void *ctx) {
  (void)t;
  (void)y;
  (void)p;
  J[0] = -*(const double *)ctx;
  return 0;
}
static int decay_dfdq(double t, const double *y, double *out, void *ctx) {
  (void)t;
  (void)ctx;
  out[0] = -y[0];
  return 0;
}

static void test_closed_form(void **st) {
  (void)st;
  double q = 0.7;
  const char *const names[] = {"y"};
  uat_ode_system sys = {.name = "decay",
                        .dim = 1,
                        .state_names = names,
                        .rhs = decay_rhs,
                        .jac = decay_jac,
                        .ctx = &q};
  double times[11], Y[11], S[11];
  for (int k = 0; k < 11; k++) times[k] = 0.5 * k;
  const double y0 = 2.0;
  uat_ode_params prm = uat_ode_default_params();
  prm.rtol = 1e-11;
  prm.atol = 1e-13;
  uat_error err;
  assert_int_equal(
      uat_ode_solve_sens(&sys, NULL, &y0, 1, decay_dfdq, NULL, 11, times, &prm, Y, S, &err),
      UAT_OK);
  for (int k = 0; k < 11; k++) {
    uat_assert_close(Y[k], y0 * exp(-q * times[k]), 1e-9, 0);
    uat_assert_close(S[k], -times[k] * y0 * exp(-q * times[k]), 1e-9, 0);
  }
}

/* A 2-H-2 tanh field with PyTorch's initialisation from seed. */
static uat_mlp *field_net(size_t H, unsigned long seed) {
  const size_t sizes[] = {2, H, 2};
  const uat_activation act[] = {UAT_ACT_TANH, UAT_ACT_IDENTITY};
  uat_mlp *m = uat_mlp_alloc(3, sizes, act);
  gsl_rng *r = uat_rng_alloc(seed);
  const uat_init_spec spec = uat_init_spec_torch();
  assert_int_equal(uat_mlp_init(m, &spec, r), UAT_OK);
  gsl_rng_free(r);
  return m;
}

/* A 2-8-2 tanh field: every sensitivity column against central differences of two solves at
 * rtol 1e-12, to 1e-6 of the column's largest entry. */
static void test_network_against_finite_differences(void **st) {
  (void)st;
  uat_mlp *m = field_net(8, 4);
  const uat_ode_system *like = uat_ode_catalogue_find("lotka-volterra");
  uat_error err;
  uat_mlp_system *s = uat_mlp_system_alloc(m, like, &err);
  assert_non_null(s);
  enum { N = 9 };
  const size_t P = m->n_params;
  double times[N], Y[(size_t)N * 2];
  for (int k = 0; k < N; k++) times[k] = 0.25 * k;
  const double y0[2] = {0.8, -0.3};
  double *S = malloc((size_t)N * 2 * P * sizeof *S);
  uat_ode_params prm = uat_ode_default_params();
  prm.rtol = 1e-11;
  prm.atol = 1e-13;
  assert_int_equal(uat_mlp_system_sens(s, y0, N, times, &prm, Y, S, &err), UAT_OK);
  /* the states agree with the plain solve */
  uat_ode_params tight = prm;
  tight.method = UAT_ODE_BDF;
  tight.rtol = 1e-12;
  tight.atol = 1e-14;
  uat_ode_trajectory *tr = NULL;
  assert_int_equal(
      uat_ode_solve(uat_mlp_system_get(s), NULL, y0, N, times, &tight, &tr, NULL, &err), UAT_OK);
  for (size_t k = 0; k < (size_t)N * 2; k++) uat_assert_close(Y[k], tr->y[k], 1e-9, 0);
  uat_ode_trajectory_free(tr);
  double worst = 0.0;
  for (size_t j = 0; j < P; j++) {
    const double keep = m->theta[j], h = 1e-5 * fmax(1.0, fabs(keep));
    uat_ode_trajectory *a = NULL, *b = NULL;
    m->theta[j] = keep + h;
    assert_int_equal(
        uat_ode_solve(uat_mlp_system_get(s), NULL, y0, N, times, &tight, &a, NULL, &err), UAT_OK);
    m->theta[j] = keep - h;
    assert_int_equal(
        uat_ode_solve(uat_mlp_system_get(s), NULL, y0, N, times, &tight, &b, NULL, &err), UAT_OK);
    m->theta[j] = keep;
    double scale = 0.0, diff = 0.0;
    for (size_t k = 0; k < (size_t)N * 2; k++) {
      const double fd = (a->y[k] - b->y[k]) / (2 * h);
      scale = fmax(scale, fabs(S[k * P + j]));
      diff = fmax(diff, fabs(S[k * P + j] - fd));
    }
    worst = fmax(worst, diff / fmax(scale, 1e-3));
    uat_ode_trajectory_free(a);
    uat_ode_trajectory_free(b);
  }
  printf(
      "sensitivities vs finite differences: worst relative difference %.2e over %zu parameters\n",
      worst, P);
  if (worst > 1e-6) {
    print_error("worst relative difference to finite differences %g\n", worst);
    fail();
  }
  free(S);
  uat_mlp_system_free(s);
  uat_mlp_free(m);
}

/* A neural ODE from 31 noise-free observations of Lotka-Volterra on [0, 3]: input-scaled
 * initialisation, collocation, then Levenberg-Marquardt through the sensitivities, which must
 * cut the trajectory error of collocation alone by 10x or more. */
static void test_fit_through_sensitivities(void **st) {
  (void)st;
  enum { N = 31, H = 8 };
  const uat_ode_system *lv = uat_ode_catalogue_find("lotka-volterra");
  double t[N], obs[N * 2];
  for (int k = 0; k < N; k++) t[k] = 3.0 * k / (N - 1.0);
  uat_ode_params prm = uat_ode_default_params();
  prm.rtol = 1e-12;
  prm.atol = 1e-14;
  uat_ode_trajectory *tr = NULL;
  uat_error err;
  assert_int_equal(uat_ode_solve(lv, NULL, lv->y0_default, N, t, &prm, &tr, NULL, &err), UAT_OK);
  memcpy(obs, tr->y, sizeof obs);
  double mean[2] = {0, 0}, sd[2] = {0, 0};
  for (int k = 0; k < N; k++)
    for (int i = 0; i < 2; i++) mean[i] += obs[2 * k + i] / N;
  for (int k = 0; k < N; k++)
    for (int i = 0; i < 2; i++)
      sd[i] += (obs[2 * k + i] - mean[i]) * (obs[2 * k + i] - mean[i]) / N;
  uat_mlp *m = field_net(H, 1);
  double *W1 = uat_mlp_weights(m, 0), *b1 = uat_mlp_bias(m, 0), *W2 = uat_mlp_weights(m, 1);
  for (int h = 0; h < H; h++)
    for (int i = 0; i < 2; i++) { /* inputs to unit scale, outputs to the states' */
      W1[h * 2 + i] /= sqrt(sd[i]);
      b1[h] -= W1[h * 2 + i] * mean[i];
      W2[i * H + h] *= sqrt(sd[i]);
    }
  double slope_rmse = 0, e0 = 0, e1 = 0;
  assert_int_equal(uat_node_init_collocation(&m, N, 2, t, obs, NULL, NULL, 200, &slope_rmse, &err),
                   UAT_OK);
  assert_int_equal(
      uat_node_trajectory_error(m, lv, NULL, NULL, lv->y0_default, N, t, tr->y, &e0, &err), UAT_OK);
  uat_node_result res;
  assert_int_equal(uat_node_fit_lm(m, lv, N, t, obs, 40, 1e-10, &res, &err), UAT_OK);
  assert_int_equal(
      uat_node_trajectory_error(m, lv, NULL, NULL, lv->y0_default, N, t, tr->y, &e1, &err), UAT_OK);
  printf("collocation: slopes %.2e, trajectory %.2e; after %zu LM iterations: %.2e\n", slope_rmse,
         e0, res.iterations, e1);
  assert_true(e1 < e0 / 10 && e1 < 1e-2);
  uat_ode_trajectory_free(tr);
  uat_mlp_free(m);
}

/* Observations of Lotka-Volterra with the universal-differential-equation paper's parameters
 * (alpha 1.3, beta 0.9, delta 1.8, gamma 0.8; catalogue order) from (2, 1.5) on [0, T]. */
static const double uat_lv_p[4] = {1.3, 0.9, 1.8, 0.8};
static uat_ode_system lv_anchor(void) {
  static const double y0[2] = {2.0, 1.5};
  uat_ode_system s = *uat_ode_catalogue_find("lotka-volterra");
  s.param_defaults = uat_lv_p;
  s.y0_default = y0;
  return s;
}

/* A problem for the gradient checks: 2-5-5-5-2 (87 weights), 11 noisy observations, the
 * initial state a parameter, a ridge; segments as given. */
typedef struct {
  uat_ode_system lv;
  double t[11], truth[22], obs[22];
  uat_mlp *m;
  uat_node *nd;
} grad_case;

static void grad_case_init(grad_case *g, size_t segments, double rtol, uat_ode_method method) {
  g->lv = lv_anchor();
  uat_error err;
  for (int k = 0; k < 11; k++) g->t[k] = 0.3 * k;
  assert_int_equal(uat_node_observe(&g->lv, NULL, NULL, 11, g->t, 0.05, UAT_NODE_NOISE_MEAN, 3,
                                    g->truth, g->obs, &err),
                   UAT_OK);
  const size_t sizes[] = {2, 5, 5, 5, 2};
  const uat_activation act[] = {UAT_ACT_TANH, UAT_ACT_TANH, UAT_ACT_TANH, UAT_ACT_IDENTITY};
  g->m = uat_mlp_alloc(5, sizes, act);
  gsl_rng *r = uat_rng_alloc(2);
  const uat_init_spec spec = uat_init_spec_torch();
  assert_int_equal(uat_mlp_init(g->m, &spec, r), UAT_OK);
  gsl_rng_free(r);
  uat_node_scale_init(g->m, 11, g->t, g->obs);
  const uat_node_problem pb = {.like = &g->lv,
                               .n = 11,
                               .times = g->t,
                               .obs = g->obs,
                               .segments = segments,
                               .continuity = 2.0,
                               .ridge = 1e-3,
                               .fit_y0 = 1};
  uat_node_params par = uat_node_default_params();
  par.rtol = rtol;
  par.method = method;
  g->nd = uat_node_alloc(g->m, &pb, &par, &err);
  assert_non_null(g->nd);
}

static void grad_case_free(grad_case *g) {
  uat_node_free(g->nd);
  uat_mlp_free(g->m);
}

static double max_abs(size_t n, const double *a) {
  double v = 0.0;
  for (size_t i = 0; i < n; i++) v = fmax(v, fabs(a[i]));
  return v;
}

/* The loss gradient by the adjoint method against J^T r from the forward sensitivities (both
 * at rtol 1e-12): to 1e-8 of the gradient's largest entry; and both against central
 * differences of the loss, to 1e-6. */
static void test_adjoint_against_forward(void **st) {
  (void)st;
  grad_case g;
  grad_case_init(&g, 1, 1e-12, UAT_ODE_ADAMS);
  const size_t nx = uat_node_size(g.nd);
  assert_int_equal(nx, 89); /* 87 weights and the initial state */
  double *x = malloc(nx * sizeof *x), *gf = malloc(nx * sizeof *gf), *ga = malloc(nx * sizeof *ga);
  double *r = malloc(uat_node_residual_count(g.nd) * sizeof *r);
  uat_node_get(g.nd, x);
  double lf = 0, la = 0;
  uat_error err;
  assert_int_equal(uat_node_loss(g.nd, x, UAT_NODE_GRAD_FORWARD, &lf, gf, &err), UAT_OK);
  assert_int_equal(uat_node_loss(g.nd, x, UAT_NODE_GRAD_ADJOINT, &la, ga, &err), UAT_OK);
  double worst = 0.0, worst_fd = 0.0;
  const double scale = max_abs(nx, gf);
  for (size_t j = 0; j < nx; j++) worst = fmax(worst, fabs(gf[j] - ga[j]) / scale);
  for (size_t j = 0; j < nx; j++) {
    const double keep = x[j], h = 1e-5 * fmax(1.0, fabs(keep));
    double f[2];
    for (int side = 0; side < 2; side++) {
      x[j] = keep + (side ? -h : h);
      assert_int_equal(uat_node_residuals(g.nd, x, r, NULL, &err), UAT_OK);
      f[side] = 0.0;
      for (size_t i = 0; i < uat_node_residual_count(g.nd); i++) f[side] += 0.5 * r[i] * r[i];
    }
    x[j] = keep;
    worst_fd = fmax(worst_fd, fabs((f[0] - f[1]) / (2 * h) - gf[j]) / scale);
  }
  printf("loss %.6e (forward) %.6e (adjoint); gradients: adjoint vs forward %.2e, finite "
         "differences vs forward %.2e (of the largest entry %.3e)\n",
         lf, la, worst, worst_fd, scale);
  uat_assert_close(la, lf, 1e-9, 0);
  assert_true(worst <= 1e-8);
  assert_true(worst_fd <= 1e-6);
  free(x);
  free(gf);
  free(ga);
  free(r);
  grad_case_free(&g);
}

/* Multiple shooting: every column of the residual Jacobian (weights, the initial state, the
 * segments' initial states; data, continuity and ridge rows) against central differences of
 * plain solves, to 1e-6 of the column's largest entry. */
static void test_shooting_jacobian(void **st) {
  (void)st;
  grad_case g;
  grad_case_init(&g, 3, 1e-12, UAT_ODE_ADAMS);
  const size_t nx = uat_node_size(g.nd), nr = uat_node_residual_count(g.nd);
  assert_int_equal(nx, 87 + 2 + 2 * 2);
  assert_int_equal(nr, 10 * 2 + 3 * 2 + 2 * 2 + 87);
  double *x = malloc(nx * sizeof *x), *J = malloc(nr * nx * sizeof *J);
  double *r = malloc(nr * sizeof *r), *a = malloc(nr * sizeof *a), *b = malloc(nr * sizeof *b);
  uat_node_get(g.nd, x);
  uat_error err;
  assert_int_equal(uat_node_residuals(g.nd, x, r, J, &err), UAT_OK);
  double worst = 0.0;
  for (size_t j = 0; j < nx; j++) {
    const double keep = x[j], h = 1e-5 * fmax(1.0, fabs(keep));
    x[j] = keep + h;
    assert_int_equal(uat_node_residuals(g.nd, x, a, NULL, &err), UAT_OK);
    x[j] = keep - h;
    assert_int_equal(uat_node_residuals(g.nd, x, b, NULL, &err), UAT_OK);
    x[j] = keep;
    double scale = 0.0, diff = 0.0;
    for (size_t i = 0; i < nr; i++) {
      scale = fmax(scale, fabs(J[i * nx + j]));
      diff = fmax(diff, fabs(J[i * nx + j] - (a[i] - b[i]) / (2 * h)));
    }
    worst = fmax(worst, diff / fmax(scale, 1e-3));
  }
  /* the same Jacobian from CVODES' staggered sensitivities (BDF) */
  grad_case h;
  grad_case_init(&h, 3, 1e-12, UAT_ODE_BDF);
  double *J2 = malloc(nr * nx * sizeof *J2), *r2 = malloc(nr * sizeof *r2);
  assert_int_equal(uat_node_residuals(h.nd, x, r2, J2, &err), UAT_OK);
  double jmax = max_abs(nr * nx, J), jdiff = 0.0;
  for (size_t i = 0; i < nr * nx; i++) jdiff = fmax(jdiff, fabs(J[i] - J2[i]));
  printf("multiple shooting (3 segments): Jacobian vs finite differences %.2e over %zu columns; "
         "augmented Adams vs CVODES BDF %.2e of the largest entry\n",
         worst, nx, jdiff / jmax);
  assert_true(worst <= 1e-6);
  assert_true(jdiff <= 1e-7 * jmax);
  free(J2);
  free(r2);
  grad_case_free(&h);
  free(x);
  free(J);
  free(r);
  free(a);
  free(b);
  grad_case_free(&g);
}

/* Load the spec's data and run it: the data (the caller frees them) and the report. */
static uat_node_data *run_spec(const uat_node_spec *s, uat_node_report *r) {
  uat_node_data *d = NULL;
  uat_mlp *m = NULL;
  uat_error err;
  assert_int_equal(uat_node_data_load(s, &d, &err), UAT_OK);
  assert_int_equal(uat_node_run(s, d, &m, r, &err), UAT_OK);
  uat_mlp_free(m);
  return d;
}

/* The experiment of `uat fit --target ode-data:lotka-volterra` from a spec. */
static void anchor_spec(uat_node_spec *s) {
  uat_node_spec_defaults(s);
  s->data = "lotka-volterra";
  s->params = "alpha=1.3,beta=0.9,delta=1.8,gamma=0.8";
  s->y0 = "2,1.5";
  s->t0 = 0.0;
  s->t1 = 3.0;
  s->n_times = 31;
  s->seed = 1;
}

/* The universal-differential-equation setting: 31 observations on [0, 3] with 5% noise, the
 * 2-5-5-5-2 network (87 weights), Levenberg-Marquardt with ridge 1e-2. Measured: trajectory
 * error 2.06e-2 against the noise-free truth (the noise itself is 4.4e-2; the true model fitted
 * to the same data, bench/node_oracle.py: 1.63e-2), held out 1.8e-2; bounds at 2.5e-2 and
 * 3e-2. */
static void test_noisy_anchor(void **st) {
  (void)st;
  uat_node_spec s;
  anchor_spec(&s);
  s.noise = 0.05;
  s.hidden[0] = s.hidden[1] = s.hidden[2] = 5;
  s.n_hidden = 3;
  s.ridge = 1e-2;
  uat_node_report r;
  uat_node_data *d = run_spec(&s, &r);
  double noise = 0.0, norm = 0.0;
  for (size_t k = 0; k < d->n * d->dim; k++) {
    noise += (d->obs[k] - d->truth[k]) * (d->obs[k] - d->truth[k]);
    norm += d->truth[k] * d->truth[k];
  }
  printf("5%% noise (relative RMS %.2e): trajectory error %.3e, held out %.3e, field %.3e; "
         "the true model refitted: %.4e\n",
         sqrt(noise / norm), r.trajectory_error, r.heldout_error, r.field_error, r.oracle_error);
  assert_int_equal(r.n_params, 87);
  assert_true(r.trajectory_error < 2.5e-2);
  assert_true(r.heldout_error < 3e-2);
  /* the oracle against SciPy's refit of the same data (bench/node_oracle.py: 1.626e-2), and
   * the network within 1.3 times of it */
  uat_assert_close(r.oracle_error, 1.626e-2, 0, 1e-3);
  assert_true(r.trajectory_error < 1.3 * r.oracle_error);
  uat_node_data_free(d);
}

/* The hybrid form without noise: the linear terms known (alpha x, -gamma y), a 2-8-2 network
 * learns the interactions -beta x y and delta x y. Measured: the learned part within 5.2e-4
 * of them on the data's region, trajectory error 7.0e-7; bounds 5e-3 and 1e-5; SINDy on it. */
static void test_hybrid_noise_free(void **st) {
  (void)st;
  uat_node_spec s;
  anchor_spec(&s);
  s.known = "alpha*x; -gamma*y";
  s.sindy = "poly:2";
  uat_node_report r;
  uat_node_data *d = run_spec(&s, &r);
  printf("hybrid: learned part error %.3e, trajectory error %.3e\n", r.learned_part_error,
         r.trajectory_error);
  assert_true(r.learned_part_error < 5e-3);
  assert_true(r.trajectory_error < 1e-5);
  /* SINDy on the network's part finds exactly the two interactions: -0.900005 x y and
   * 1.80003 x y measured; within 1e-4 relative of -beta and delta */
  double b = 0, dl = 0;
  printf("SINDy: x' part %s, y' part %s\n", r.sindy[0], r.sindy[1]);
  assert_int_equal(sscanf(r.sindy[0], "%lf*x*y", &b), 1);
  assert_int_equal(sscanf(r.sindy[1], "%lf*x*y", &dl), 1);
  assert_null(strchr(r.sindy[0], '+'));
  assert_null(strchr(r.sindy[1], '+'));
  uat_assert_close(b, -0.9, 0, 1e-4);
  uat_assert_close(dl, 1.8, 0, 1e-4);
  uat_node_data_free(d);
}

/* The long horizon without noise: 151 observations on [0, 15] (about three periods),
 * 2-16-16-2 (354 weights), 10 segments of multiple shooting for 250 LM iterations, then 50 of
 * single shooting. Measured: trajectory error 8.8e-7 at the observation times (goal 1e-6),
 * 1.0e-5 at the midpoints; bounds 1e-6 and 3e-5. */
static void test_long_horizon(void **st) {
  (void)st;
  uat_node_spec s;
  anchor_spec(&s);
  s.t1 = 15.0;
  s.n_times = 151;
  s.hidden[0] = s.hidden[1] = 16;
  s.n_hidden = 2;
  s.segments = 10;
  s.fit.iterations = 250;
  s.polish = 50;
  uat_node_report r;
  uat_node_data *d = run_spec(&s, &r);
  printf("[0, 15]: trajectory error %.3e, held out %.3e after %zu iterations\n", r.trajectory_error,
         r.heldout_error, r.fit.iterations);
  assert_true(r.trajectory_error <= 1e-6);
  assert_true(r.heldout_error <= 3e-5);
  uat_node_data_free(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_closed_form),
      cmocka_unit_test(test_network_against_finite_differences),
      cmocka_unit_test(test_fit_through_sensitivities),
      cmocka_unit_test(test_adjoint_against_forward),
      cmocka_unit_test(test_shooting_jacobian),
      cmocka_unit_test(test_noisy_anchor),
      cmocka_unit_test(test_hybrid_noise_free),
      cmocka_unit_test(test_long_horizon),
  };
  /* under valgrind (scripts/test --valgrind) the 300-iteration fit would take many minutes;
   * its code paths are the shooting tests' and the valgrind run's ode-data: commands' */
  if (getenv("UAT_VALGRIND")) cmocka_set_skip_filter("test_long_horizon");
  return cmocka_run_group_tests(tests, NULL, NULL);
}
