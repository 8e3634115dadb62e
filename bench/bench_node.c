/* bench_node.c — what a neural ODE's Levenberg-Marquardt iteration costs in forward solves: for
 * the universal-differential-equation network 2-5-5-5-2 (87 parameters, tanh) on
 * Lotka-Volterra's [0, 3] with 31 outputs, a solve with all 87 sensitivities against a plain
 * solve of the same network (rtol 1e-10), median of 7: CVODES' staggered sensitivities (BDF) and
 * the augmented system (Adams, what the fits use); then whole LM iterations of a fit to the noisy
 * data, and the loss gradient by forward sensitivities and by the adjoint (goal of the
 * neural-ODE issue: an LM iteration under 20 forward solves). Not a test. */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "uat/init.h"
#include "uat/node.h"
#include "uat/rollout.h"

static int bench_fjq(double t, const double *y, double *f, double *J, double *q, void *ctx) {
  (void)t;
  const uat_mlp_system *s = ctx;
  return uat_mlp_system_fjq(s, y, f, J, q, 87);
}

/* Forward sensitivities against the adjoint for the loss gradient of 2-H-H-2 fields over
 * [0, 3] (31 observations: the network's own path scaled by 1.01): where the adjoint starts to
 * pay, the threshold of UAT_NODE_GRAD_AUTO. */
/* A network of the given widths with PyTorch's initialisation, seed 1. */
static uat_mlp *torch_network(size_t n_sizes, const size_t *sizes, const uat_activation *act) {
  uat_mlp *m = uat_mlp_alloc(n_sizes, sizes, act);
  gsl_rng *r = uat_rng_alloc(1);
  const uat_init_spec spec = uat_init_spec_torch();
  uat_mlp_init(m, &spec, r);
  gsl_rng_free(r);
  return m;
}

static void gradient_crossover(void) {
  enum { N = 31, REPS = 3 };
  const size_t widths[] = {5, 16, 32, 64, 128};
  const uat_ode_system *lv = uat_ode_catalogue_find("lotka-volterra");
  double t[N], obs[N * 2];
  for (int k = 0; k < N; k++) t[k] = 3.0 * k / (N - 1.0);
  printf("\nloss gradient of 2-H-H-2 fields, forward sensitivities against the adjoint:\n");
  for (size_t w = 0; w < sizeof widths / sizeof *widths; w++) {
    const size_t sizes[] = {2, widths[w], widths[w], 2};
    const uat_activation act[] = {UAT_ACT_TANH, UAT_ACT_TANH, UAT_ACT_IDENTITY};
    uat_mlp *m = torch_network(4, sizes, act);
    uat_error err;
    const double y0[2] = {1.0, 0.5};
    uat_ode_params prm = uat_ode_default_params();
    uat_ode_trajectory *tr = NULL;
    uat_mlp_system *s = uat_mlp_system_alloc(m, lv, &err);
    if (s && uat_ode_solve(uat_mlp_system_get(s), NULL, y0, N, t, &prm, &tr, NULL, &err) == UAT_OK)
      for (int k = 0; k < N * 2; k++) obs[k] = 1.01 * tr->y[k];
    uat_ode_trajectory_free(tr);
    uat_mlp_system_free(s);
    const uat_node_problem pb = {.like = lv, .n = N, .times = t, .obs = obs, .ridge = 1e-3};
    uat_node *nd = uat_node_alloc(m, &pb, NULL, &err);
    const size_t nx = nd ? uat_node_size(nd) : 0;
    double *x = malloc((nx + 1) * sizeof *x), *g = malloc((nx + 1) * sizeof *g), f, fw[REPS],
           ad[REPS];
    for (int rep = 0; nd && x && g && rep < REPS; rep++) {
      uat_node_get(nd, x);
      double t0 = bench_now();
      uat_node_loss(nd, x, UAT_NODE_GRAD_FORWARD, &f, g, &err);
      fw[rep] = bench_now() - t0;
      t0 = bench_now();
      uat_node_loss(nd, x, UAT_NODE_GRAD_ADJOINT, &f, g, &err);
      ad[rep] = bench_now() - t0;
    }
    if (nd && x && g)
      printf("  H = %3zu, %6zu weights: forward %9.1f us, adjoint %9.1f us, forward/adjoint %.2f\n",
             widths[w], m->n_params, bench_median(fw, REPS) * 1e6, bench_median(ad, REPS) * 1e6,
             bench_median(fw, REPS) / bench_median(ad, REPS));
    free(x);
    free(g);
    uat_node_free(nd);
    uat_mlp_free(m);
  }
}

int main(void) {
  bench_print_machine(UAT_BUILD_TYPE);
  const size_t sizes[] = {2, 5, 5, 5, 2};
  const uat_activation act[] = {UAT_ACT_TANH, UAT_ACT_TANH, UAT_ACT_TANH, UAT_ACT_IDENTITY};
  uat_mlp *m = torch_network(5, sizes, act);
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
  printf("BDF: plain solve %.1f us, CVODES staggered sensitivities %.1f us: %.1f solves\n", a * 1e6,
         b * 1e6, b / a);
  /* the augmented Adams system against a plain Adams solve */
  uat_ode_params ad = prm;
  ad.method = UAT_ODE_ADAMS;
  uat_ode_sens_aug *aug = uat_ode_sens_aug_alloc(2, P, bench_fjq, s, &ad, &err);
  for (int rep = 0; rep < REPS && aug; rep++) {
    uat_ode_trajectory *tr = NULL;
    double t0 = bench_now();
    uat_ode_solve(uat_mlp_system_get(s), NULL, y0, N, t, &ad, &tr, NULL, &err);
    plain[rep] = bench_now() - t0;
    uat_ode_trajectory_free(tr);
    t0 = bench_now();
    uat_ode_sens_aug_solve(aug, y0, NULL, N, t, Y, S, &err);
    sens[rep] = bench_now() - t0;
  }
  uat_ode_sens_aug_free(aug);
  const double a2 = bench_median(plain, REPS), b2 = bench_median(sens, REPS);
  printf("Adams: plain solve %.1f us, augmented sensitivities %.1f us: %.1f solves\n", a2 * 1e6,
         b2 * 1e6, b2 / a2);
  /* whole LM iterations on the UDE anchor's data (5% noise): trial solves, rejected steps and
   * the Jacobian's sensitivity solve, against one plain solve */
  uat_node_spec ns;
  uat_node_spec_defaults(&ns);
  ns.data = "lotka-volterra";
  ns.params = "alpha=1.3,beta=0.9,delta=1.8,gamma=0.8";
  ns.y0 = "2,1.5";
  ns.t1 = 3.0;
  ns.n_times = N;
  ns.noise = 0.05;
  ns.seed = 1;
  ns.hidden[0] = ns.hidden[1] = ns.hidden[2] = 5;
  ns.n_hidden = 3;
  ns.ridge = 1e-2;
  ns.fit.iterations = 20;
  uat_node_data *d = NULL;
  uat_mlp *fitted = NULL;
  uat_node_report rep;
  if (uat_node_data_load(&ns, &d, &err) == UAT_OK &&
      uat_node_run(&ns, d, &fitted, &rep, &err) == UAT_OK) {
    /* from the network fitted so far: one plain solve, one with sensitivities, then 20 more
     * LM iterations, all of the same network on the same data */
    const uat_node_problem up = {
        .like = &d->like, .n = d->n, .times = d->t, .obs = d->obs, .ridge = 1e-2, .fit_y0 = 1};
    uat_node_params np = uat_node_default_params();
    np.iterations = 20;
    uat_node *un = uat_node_alloc(fitted, &up, &np, &err);
    const size_t nx = un ? uat_node_size(un) : 0, nr = un ? uat_node_residual_count(un) : 0;
    double *ux = malloc(nx * sizeof *ux), *ur = malloc(nr * sizeof *ur);
    double *uJ = malloc(nr * nx * sizeof *uJ), pl[REPS], se[REPS];
    if (un && ux && ur && uJ) {
      uat_node_get(un, ux);
      for (int k = 0; k < REPS; k++) {
        double t0 = bench_now();
        uat_node_residuals(un, ux, ur, NULL, &err);
        pl[k] = bench_now() - t0;
        t0 = bench_now();
        uat_node_residuals(un, ux, ur, uJ, &err);
        se[k] = bench_now() - t0;
      }
      uat_node_result res;
      const double t0 = bench_now();
      uat_node_fit(un, &res, &err);
      const double per = (bench_now() - t0) / (double)res.iterations;
      const double p1 = bench_median(pl, REPS);
      printf("fitted UDE network (5%% noise): plain solve %.1f us, with sensitivities %.1f us "
             "(%.1f solves); LM %.2f ms per iteration = %.1f plain solves (%zu iterations, %zu "
             "sensitivity and %zu plain solves)\n",
             p1 * 1e6, bench_median(se, REPS) * 1e6, bench_median(se, REPS) / p1, per * 1e3,
             per / p1, res.iterations, res.sens_solves, res.solves);
    }
    free(ux);
    free(ur);
    free(uJ);
    uat_node_free(un);
  }
  /* the loss gradient: forward sensitivities against the adjoint */
  const uat_node_problem pb = {.like = uat_ode_catalogue_find("lotka-volterra"),
                               .n = N,
                               .times = t,
                               .obs = Y,
                               .ridge = 1e-3};
  uat_node *nd = uat_node_alloc(m, &pb, NULL, &err);
  double *x = malloc(P * sizeof *x), *g = malloc(P * sizeof *g), fwd[REPS], adj[REPS], f;
  uat_mlp_system_sens(s, y0, N, t, &prm, Y, S, &err); /* observations: the network's own path */
  for (int k = 0; k < N * 2; k++) Y[k] *= 1.01;
  if (nd) {
    uat_node_get(nd, x);
    for (int rep_i = 0; rep_i < REPS; rep_i++) {
      double t0 = bench_now();
      uat_node_loss(nd, x, UAT_NODE_GRAD_FORWARD, &f, g, &err);
      fwd[rep_i] = bench_now() - t0;
      t0 = bench_now();
      uat_node_loss(nd, x, UAT_NODE_GRAD_ADJOINT, &f, g, &err);
      adj[rep_i] = bench_now() - t0;
    }
    printf("loss gradient (%zu parameters): forward %.1f us (%.1f solves), adjoint %.1f us (%.1f "
           "solves)\n",
           P, bench_median(fwd, REPS) * 1e6, bench_median(fwd, REPS) / a,
           bench_median(adj, REPS) * 1e6, bench_median(adj, REPS) / a);
  }
  uat_node_free(nd);
  free(x);
  free(g);
  gradient_crossover();
  uat_mlp_free(fitted);
  uat_node_data_free(d);
  free(S);
  uat_mlp_system_free(s);
  uat_mlp_free(m);
  return 0;
}
