/* consumer.c — a program outside the project built against the installed uat: it builds
 * y = 2x + 0.5 as a 1-1 network and checks one value exactly, then integrates y' = -k y with
 * CVODE and checks it against exp(-k t). */
#include <math.h>
#include <stdio.h>
#include <uat/gradcheck.h>
#include <uat/mlp.h>
#include <uat/ode.h>
#include <uat/version.h>

int main(void) {
  const size_t sizes[2] = {1, 1};
  const uat_activation act = UAT_ACT_IDENTITY;
  uat_mlp *m = uat_mlp_alloc(2, sizes, &act);
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, 1);
  if (m == NULL || w == NULL) return 1;
  m->theta[0] = 2.0;
  m->theta[1] = 0.5;
  const double x = 1.5;
  const double y = uat_mlp_forward(m, w, 1, &x)[0];
  const uat_gradcheck_params p = uat_gradcheck_default_params();
  printf("uat %s: y(1.5) = %g, fd step %g\n", UAT_VERSION_STRING, y, p.h_rel);
  uat_mlp_workspace_free(w);
  uat_mlp_free(m);

  const uat_ode_system *decay = uat_ode_catalogue_find("exp-decay");
  const double times[2] = {0.0, 2.0};
  uat_ode_params op = uat_ode_default_params();
  uat_ode_trajectory *tr = NULL;
  uat_error err;
  if (decay == NULL ||
      uat_ode_solve(decay, NULL, decay->y0_default, 2, times, &op, &tr, NULL, &err) != UAT_OK)
    return 1;
  const double exact = decay->y0_default[0] * exp(-decay->param_defaults[0] * 2.0);
  const double rel = fabs(tr->y[1] - exact) / exact;
  printf("exp-decay at t = 2: %.12g (relative error %.1e)\n", tr->y[1], rel);
  uat_ode_trajectory_free(tr);
  return y == 3.5 && rel < 1e-8 ? 0 : 1;
}
