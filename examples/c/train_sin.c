/* train_sin.c — the library in one page: fit sin(x) on [-pi, pi] with a 1-16-1 tanh network
 * and Adam, report the loss, save the model, and check the gradient against finite
 * differences. Build: cc train_sin.c $(pkg-config --cflags --libs uat) */
#include <math.h>
#include <stdio.h>
#include <uat/gradcheck.h>
#include <uat/init.h>
#include <uat/io.h>
#include <uat/train.h>

enum { N = 64 };

/* The training loss as a function of theta, for the gradient check. */
typedef struct {
  uat_mlp *m;
  uat_mlp_workspace *w;
  const uat_dataset *d;
} problem;

static double loss_of(const double *theta, void *params) {
  problem *p = params;
  for (size_t i = 0; i < p->m->n_params; i++) p->m->theta[i] = theta[i];
  const double *y = uat_mlp_forward(p->m, p->w, p->d->n, p->d->x);
  return uat_loss_eval(UAT_LOSS_MSE, p->d->n, y, p->d->y, NULL);
}

int main(int argc, char **argv) {
  const size_t sizes[3] = {1, 16, 1};
  const uat_activation act[2] = {UAT_ACT_TANH, UAT_ACT_IDENTITY};
  uat_mlp *m = uat_mlp_alloc(3, sizes, act);
  uat_dataset *d = uat_dataset_alloc(N, 1, 1);
  gsl_rng *r = uat_rng_alloc(2385);
  const uat_init_spec init = uat_init_spec_torch();
  uat_mlp_init(m, &init, r);
  for (size_t i = 0; i < N; i++) {
    d->x[i] = -M_PI + 2.0 * M_PI * (double)i / (N - 1);
    d->y[i] = sin(d->x[i]);
  }

  uat_train_params tp = uat_train_default_params();
  tp.max_epochs = 5000;
  uat_optimizer_params op = uat_optimizer_default_params(UAT_OPT_ADAM);
  op.lr = 0.01;
  uat_optimizer *o = uat_optimizer_alloc(&op, m->n_params);
  uat_trainer *t = uat_trainer_alloc(m, &tp, N);
  uat_train_result res;
  const int st = uat_trainer_run(t, m, o, d, NULL, NULL, NULL, &res);
  printf("status %s, stopped by %s after %zu epochs, loss %.3e\n", uat_strerror(st),
         uat_stop_reason_name(res.reason), res.epochs, res.loss);

  /* Backprop against finite differences at the trained parameters. */
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, N);
  double grad[49], dy[N], theta[49];
  const double *y = uat_mlp_forward(m, w, N, d->x);
  uat_loss_eval(UAT_LOSS_MSE, N, y, d->y, dy);
  uat_mlp_backward(m, w, dy, grad, NULL);
  for (size_t i = 0; i < m->n_params; i++) theta[i] = m->theta[i];
  problem p = {m, w, d};
  const uat_gradcheck_params gp = uat_gradcheck_default_params();
  uat_gradcheck_result gc;
  uat_gradcheck(loss_of, &p, m->n_params, theta, grad, &gp, NULL, &gc);
  printf("gradient check: max relative error %.2e (parameter %zu)\n", gc.max_rel_err, gc.worst);

  uat_error err;
  if (argc > 1 && uat_mlp_save(argv[1], m, &err) != UAT_OK) fprintf(stderr, "%s\n", err.msg);

  uat_mlp_workspace_free(w);
  uat_trainer_free(t);
  uat_optimizer_free(o);
  gsl_rng_free(r);
  uat_dataset_free(d);
  uat_mlp_free(m);
  return st == UAT_OK && res.loss < 1e-3 && gc.max_rel_err < 1e-6 ? 0 : 1;
}
