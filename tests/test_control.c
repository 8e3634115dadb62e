/* test_control.c — control environments and learning to control: the cart-pole's equations
 * against an independent derivation, CVODE against Euler, neuroevolution and REINFORCE solving
 * the cart-pole. */
#define _DEFAULT_SOURCE /* M_PI */
#include <math.h>
#include <string.h>

#include "test_util.h"
#include "uat/control.h"
#include "uat/ode.h"
#include "uat/policy.h"

/* The cart-pole's accelerations from Lagrange's equations as a 2 x 2 linear system (the pole
 * a uniform rod of half-length l, so its moment about the hinge is (4/3) m l^2):
 *   (M + m) x'' + m l cos(th) th'' = F + m l w^2 sin(th)
 *   m l cos(th) x'' + (4/3) m l^2 th'' = m g l sin(th)
 * solved by Cramer's rule — the catalogue uses Barto's closed form instead. */
static void lagrange(const double *y, double F, double *xacc, double *thacc) {
  const double g = 9.8, M = 1.0, m = 0.1, l = 0.5, th = y[2], w = y[3];
  const double a = M + m, b = m * l * cos(th), c = b, d = 4.0 / 3.0 * m * l * l;
  const double r1 = F + m * l * w * w * sin(th), r2 = m * g * l * sin(th);
  const double det = a * d - b * c;
  *xacc = (r1 * d - b * r2) / det;
  *thacc = (a * r2 - c * r1) / det;
}

static void test_cartpole_equations(void **state) {
  (void)state;
  const uat_ode_system *sys = uat_ode_catalogue_find("cartpole");
  assert_non_null(sys);
  const double states[3][4] = {{0, 0, 0.05, 0}, {1.2, -0.3, -0.19, 1.7}, {-2, 1, 1.3, -4}};
  const double forces[3] = {0, 10, -10};
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      double p[5];
      memcpy(p, sys->param_defaults, sizeof p);
      p[4] = forces[j];
      double f[4], xacc, thacc;
      assert_int_equal(sys->rhs(0, states[i], f, p, NULL), 0);
      lagrange(states[i], forces[j], &xacc, &thacc);
      uat_assert_close(f[0], states[i][1], 0, 0);
      uat_assert_close(f[2], states[i][3], 0, 0);
      uat_assert_close(f[1], xacc, 1e-14, 1e-13);
      uat_assert_close(f[3], thacc, 1e-14, 1e-13);
    }
}

/* With a constant force, explicit Euler's error against CVODE after 0.5 s halves when the step
 * halves (first order), and the environment's CVODE step agrees with a direct solve. */
static void test_cvode_against_euler(void **state) {
  (void)state;
  const uat_ode_system *sys = uat_ode_catalogue_find("cartpole");
  double p[5];
  memcpy(p, sys->param_defaults, sizeof p);
  p[4] = 3.0;
  const double y0[4] = {0, 0, 0.1, 0}, times[2] = {0, 0.5};
  uat_ode_params op = uat_ode_default_params();
  uat_ode_trajectory *tr = NULL;
  uat_error err;
  assert_int_equal(uat_ode_solve(sys, p, y0, 2, times, &op, &tr, NULL, &err), UAT_OK);
  double e[2];
  for (int k = 0; k < 2; k++) {
    const double tau = k ? 0.01 : 0.02;
    double y[4], f[4];
    memcpy(y, y0, sizeof y);
    for (int s = 0; s < (int)lround(0.5 / tau); s++) {
      sys->rhs(0, y, f, p, NULL);
      for (int i = 0; i < 4; i++) y[i] += tau * f[i];
    }
    e[k] = fabs(y[2] - tr->y[4 + 2]);
  }
  print_message("Euler's error in theta after 0.5 s: %.3e (tau 0.02), %.3e (tau 0.01)\n", e[0],
                e[1]);
  assert_true(e[0] / e[1] > 1.8 && e[0] / e[1] < 2.2);
  /* 25 steps of the CVODE environment with force 3 reach the direct solve's state */
  uat_env *env = uat_env_alloc("cartpole", UAT_INTEGRATOR_CVODE, &err);
  uat_env_set_state(env, y0);
  double reward;
  int done;
  for (int s = 0; s < 25; s++) assert_int_equal(uat_env_step(env, 3.0, &reward, &done, &err), 0);
  /* 25 restarts at rtol 1e-8 against one solve at 1e-10: within 1e-6 relative */
  for (int i = 0; i < 4; i++) uat_assert_close(uat_env_state(env)[i], tr->y[4 + i], 1e-9, 1e-6);
  uat_env_free(env);
  uat_ode_trajectory_free(tr);
}

/* The pendulum at rest upright costs nothing; one Euler step is the benchmark's semi-implicit
 * update with omega clipped to +-8. */
static void test_pendulum(void **state) {
  (void)state;
  uat_error err;
  uat_env *e = uat_env_alloc("pendulum", UAT_INTEGRATOR_EULER, &err);
  const double up[2] = {0, 0}, s1[2] = {2.0, 7.9};
  double reward;
  int done;
  uat_env_set_state(e, up);
  assert_int_equal(uat_env_step(e, 0.0, &reward, &done, &err), UAT_OK);
  uat_assert_close(reward, 0.0, 0, 0);
  uat_env_set_state(e, s1);
  assert_int_equal(uat_env_step(e, 5.0, &reward, &done, &err), UAT_OK); /* torque clipped to 2 */
  const double w = fmin(8.0, 7.9 + 0.05 * (15 * sin(2.0) + 3 * 2.0));
  uat_assert_close(uat_env_state(e)[1], w, 0, 0);
  uat_assert_close(uat_env_state(e)[0], 2.0 + 0.05 * w, 1e-15, 0);
  uat_assert_close(reward, -(4.0 + 0.1 * 7.9 * 7.9 + 0.001 * 4), 1e-13, 0);
  assert_null(uat_env_alloc("acrobot", UAT_INTEGRATOR_EULER, &err));
  uat_env_free(e);
}

/* CMA-ES on an 8-unit policy solves the cart-pole (mean >= 475 over 100 fresh episodes) from 9
 * or more of 10 seeds; REINFORCE from seed 0 within 5000 episodes. */
static void test_learning_to_balance(void **state) {
  (void)state;
  uat_error err;
  uat_env *e = uat_env_alloc("cartpole", UAT_INTEGRATOR_EULER, &err);
  size_t solved = 0;
  for (unsigned long seed = 0; seed < 10; seed++) {
    uat_policy_params p = uat_policy_default_params();
    p.seed = seed;
    uat_mlp *m = NULL;
    uat_policy_result r;
    assert_int_equal(uat_policy_train(e, &p, &m, &r, &err), UAT_OK);
    solved += (size_t)r.solved;
    print_message("cmaes, seed %lu: solved %d after %zu episodes (%zu steps), mean return %.1f\n",
                  seed, r.solved, r.episodes, r.steps, r.final_return);
    uat_policy_result_free(&r);
    uat_mlp_free(m);
  }
  assert_true(solved >= 9);
  uat_policy_params p = uat_policy_default_params();
  p.method = UAT_POLICY_REINFORCE;
  p.max_episodes = 5000;
  uat_mlp *m = NULL;
  uat_policy_result r;
  assert_int_equal(uat_policy_train(e, &p, &m, &r, &err), UAT_OK);
  print_message("reinforce: solved %d after %zu episodes, mean return %.1f\n", r.solved, r.episodes,
                r.final_return);
  assert_true(r.solved);
  uat_policy_result_free(&r);
  uat_mlp_free(m);
  uat_env_free(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cartpole_equations),
      cmocka_unit_test(test_cvode_against_euler),
      cmocka_unit_test(test_pendulum),
      cmocka_unit_test(test_learning_to_balance),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
