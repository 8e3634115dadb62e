/* bench_node.c — what a neural ODE's Levenberg-Marquardt iteration costs in forward solves: for
 * the universal-differential-equation network 2-5-5-5-2 (87 parameters, tanh) on
 * Lotka-Volterra's [0, 3] with 31 outputs, one CVODES solve with all 87 sensitivities against
 * one plain solve of the same network (BDF, rtol 1e-10), median of 7; the ratio is the
 * iteration's cost in forward solves (goal of the neural-ODE issue: under 20). Not a test. */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "uat/init.h"
#include "uat/rollout.h"

int main(void) {
  bench_print_machine(UAT_BUILD_TYPE);
  const size_t sizes[] = {2, 5, 5, 5, 2};
  const uat_activation act[] = {UAT_ACT_TANH, UAT_ACT_TANH, UAT_ACT_TANH, UAT_ACT_IDENTITY};
  uat_mlp *m = uat_mlp_alloc(5, sizes, act);
  gsl_rng *r = uat_rng_alloc(1);
  const uat_init_spec spec = uat_init_spec_torch();
  uat_mlp_init(m, &spec, r);
  gsl_rng_free(r);
  uat_error err;
  uat_mlp_system *s = uat_mlp_system_alloc(m, uat_ode_catalogue_find("lotka-volterra"), &err);
  enum { N = 31, REPS = 7 };
  const size_t P = m->n_params;
  double t[N], Y[N * 2], y0[2] = {1.0, 0.5}, plain[REPS], sens[REPS];
  double *S = malloc((size_t)N * 2 * P * sizeof *S);
  for (int k = 0; k < N; k++) t[k] = 3.0 * k / (N - 1.0);
  uat_ode_params prm = uat_ode_default_params();
  prm.method = UAT_ODE_BDF;
  prm.rtol = 1e-10;
  prm.atol = 1e-12;
  for (int rep = 0; rep < REPS; rep++) {
    uat_ode_trajectory *tr = NULL;
    double t0 = bench_now();
    uat_ode_solve(uat_mlp_system_get(s), NULL, y0, N, t, &prm, &tr, NULL, &err);
    plain[rep] = bench_now() - t0;
    uat_ode_trajectory_free(tr);
    t0 = bench_now();
    uat_mlp_system_sens(s, y0, N, t, &prm, Y, S, &err);
    sens[rep] = bench_now() - t0;
  }
  const double a = bench_median(plain, REPS), b = bench_median(sens, REPS);
  printf("\nnetwork 2-5-5-5-2, %zu parameters, %d outputs on [0, 3]\n", P, N);
  printf("plain solve %.1f us, solve with %zu sensitivities %.1f us: %.1f forward solves\n",
         a * 1e6, P, b * 1e6, b / a);
  free(S);
  uat_mlp_system_free(s);
  uat_mlp_free(m);
  return 0;
}
