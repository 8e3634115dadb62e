/* consumer.c — a program outside the project built against the installed uat: it loads
 * nothing, builds y = 2x + 0.5 as a 1-1 network, and checks one value exactly. */
#include <stdio.h>
#include <uat/gradcheck.h>
#include <uat/mlp.h>
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
  return y == 3.5 ? 0 : 1;
}
