/* neural_ode.c — a neural ODE through the library, the universal-differential-equation recipe:
 * observations of Lotka-Volterra, a network that learns only what the known linear terms leave
 * (the interactions), and the learned part read back as equations by SINDy. Then the pieces
 * underneath: the loss gradient by forward sensitivities and by the adjoint, which must agree.
 * Build: cc neural_ode.c $(pkg-config --cflags --libs uat) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <uat/node.h>

int main(void) {
  /* the experiment: what `uat fit --target ode-data:lotka-volterra ... --known ... --sindy
   * poly:2` does, from the same spec */
  uat_node_spec s;
  uat_node_spec_defaults(&s);
  s.data = "lotka-volterra";
  s.params = "alpha=1.3,beta=0.9,delta=1.8,gamma=0.8";
  s.y0 = "2,1.5";
  s.t0 = 0.0;
  s.t1 = 3.0;
  s.n_times = 31;
  s.known = "alpha*x; -gamma*y";
  s.sindy = "poly:2";
  s.seed = 1;
  uat_node_data *d = NULL;
  uat_mlp *m = NULL;
  uat_node_report r;
  uat_error err;
  if (uat_node_data_load(&s, &d, &err) != UAT_OK || uat_node_run(&s, d, &m, &r, &err) != UAT_OK) {
    fprintf(stderr, "neural_ode: %s\n", err.msg);
    uat_node_data_free(d);
    return 1;
  }
  printf("trajectory error %.2e, interactions within %.2e\n", r.trajectory_error,
         r.learned_part_error);
  printf("learned: x' = alpha*x + (%s),  y' = -gamma*y + (%s)\n", r.sindy[0], r.sindy[1]);

  /* the pieces: a fit object on the same data and model, and its loss gradient two ways */
  uat_ode_expr_system *known = NULL;
  double *kp = NULL;
  if (uat_node_known_alloc(&s, d, &known, &kp, &err) != UAT_OK) {
    fprintf(stderr, "neural_ode: %s\n", err.msg);
    return 1;
  }
  const uat_node_problem pb = {.like = &d->like,
                               .known = uat_ode_expr_system_get(known),
                               .known_params = kp,
                               .n = d->n,
                               .times = d->t,
                               .obs = d->obs,
                               .ridge = 1e-6};
  uat_node_params par = uat_node_default_params();
  par.rtol = 1e-12;
  uat_node *nd = uat_node_alloc(m, &pb, &par, &err);
  if (nd == NULL) {
    fprintf(stderr, "neural_ode: %s\n", err.msg);
    return 1;
  }
  const size_t nx = uat_node_size(nd);
  double *x = malloc(nx * sizeof *x), *gf = malloc(nx * sizeof *gf), *ga = malloc(nx * sizeof *ga);
  double lf = 0.0, la = 0.0, worst = 0.0, scale = 0.0;
  int st = x && gf && ga ? UAT_OK : UAT_ENOMEM;
  if (st == UAT_OK) {
    uat_node_get(nd, x);
    /* 1% away from the fit: at the minimum itself the gradient is a difference of solver-sized
     * terms, and two exact methods agree only to the solver's tolerance */
    for (size_t j = 0; j < nx; j++) x[j] *= 1.01;
    st = uat_node_loss(nd, x, UAT_NODE_GRAD_FORWARD, &lf, gf, &err);
  }
  if (st == UAT_OK) st = uat_node_loss(nd, x, UAT_NODE_GRAD_ADJOINT, &la, ga, &err);
  for (size_t j = 0; st == UAT_OK && j < nx; j++) scale = fmax(scale, fabs(gf[j]));
  for (size_t j = 0; st == UAT_OK && j < nx; j++) worst = fmax(worst, fabs(gf[j] - ga[j]) / scale);
  if (st == UAT_OK)
    printf("loss gradient (%zu weights) 1%% off the fit: forward sensitivities and the adjoint "
           "agree to %.1e\n",
           nx, worst);
  free(x);
  free(gf);
  free(ga);
  uat_node_free(nd);
  uat_ode_expr_system_free(known);
  free(kp);
  uat_mlp_free(m);
  uat_node_data_free(d);
  return st == UAT_OK && worst < 1e-8 ? 0 : 1;
}
