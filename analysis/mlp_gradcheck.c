/* mlp_gradcheck.c — backpropagation of a network against finite differences, layer by layer,
 * with ReLU kinks told apart from errors. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uat/gradcheck.h"
#include "uat/train.h"

enum { MAX_LAYERS = 64, JAC_POINTS = 8 };

typedef struct {
  uat_mlp *m;
  uat_mlp_workspace *w;
  size_t n;
  const double *x, *t;
  uat_loss loss;
  uint8_t *mask, *mask2; /* signs of the ReLU pre-activations: at theta, and perturbed */
  size_t mask_len;
} check_ctx;

/* The loss as a function of theta; the gradient check perturbs m->theta itself. */
static double loss_of_theta(const double *theta, void *p) {
  check_ctx *c = p;
  (void)theta;
  int flags;
  uat_mlp_forward(c->m, c->w, c->n, c->x);
  return uat_mlp_loss(c->m, c->w, c->loss, c->t, NULL, &flags);
}

static size_t relu_mask_len(const uat_mlp *m, size_t n) {
  size_t len = 0;
  for (size_t l = 0; l < m->n_layers; l++)
    if (m->act[l] == UAT_ACT_RELU) len += n * m->sizes[l + 1];
  return len;
}

/* Signs of every ReLU pre-activation after the last forward pass. */
static void relu_mask(const uat_mlp *m, const uat_mlp_workspace *w, size_t n, uint8_t *mask) {
  size_t k = 0;
  for (size_t l = 0; l < m->n_layers; l++)
    if (m->act[l] == UAT_ACT_RELU)
      for (size_t i = 0; i < n * m->sizes[l + 1]; i++) mask[k++] = w->z[l][i] > 0;
}

/* Does moving theta_i by +-h flip any ReLU? */
static int crosses_kink(check_ctx *c, size_t i, double h) {
  if (c->mask_len == 0) return 0;
  double *theta = c->m->theta;
  const double saved = theta[i];
  int crossed = 0;
  for (int s = -1; s <= 1 && !crossed; s += 2) {
    theta[i] = saved + s * h;
    uat_mlp_forward(c->m, c->w, c->n, c->x);
    relu_mask(c->m, c->w, c->n, c->mask2);
    crossed = memcmp(c->mask, c->mask2, c->mask_len) != 0;
  }
  theta[i] = saved;
  return crossed;
}

static void judge(uat_group_check *g, uat_mlp_check *out, size_t i, double claimed, double fd,
                  int kink, double floor) {
  g->count++;
  if (kink) {
    g->kinks++;
    out->kinks++;
    return;
  }
  const double abs_err = fabs(claimed - fd), rel = uat_fd_rel_error(claimed, fd, floor);
  if (abs_err > g->max_abs_err) g->max_abs_err = abs_err;
  if (rel > g->max_rel_err || g->count == 1) {
    if (rel > g->max_rel_err) g->worst = i;
    g->max_rel_err = fmax(g->max_rel_err, rel);
  }
  if (rel > out->max_rel_err) {
    out->max_rel_err = rel;
    out->worst = i;
  }
}

static int check_theta(check_ctx *c, const double *grad, const uat_gradcheck_params *p,
                       uat_mlp_check *out) {
  uat_mlp *m = c->m;
  double gmax = 0.0;
  for (size_t i = 0; i < m->n_params; i++) gmax = fmax(gmax, fabs(grad[i]));
  const double floor = fmax(p->floor, p->floor_rel * gmax);
  for (size_t l = 0; l < m->n_layers; l++) {
    const size_t w0 = m->offset[l], nw = m->sizes[l + 1] * m->sizes[l], nb = m->sizes[l + 1];
    for (size_t i = w0; i < w0 + nw + nb; i++) {
      const double h = uat_fd_step(p) * fmax(1.0, fabs(m->theta[i]));
      const int kink = crosses_kink(c, i, h);
      const double fd = uat_fd_derivative(loss_of_theta, c, m->theta, i, p);
      if (!isfinite(fd)) return UAT_EDIVERGED;
      judge(i < w0 + nw ? &out->weights[l] : &out->biases[l], out, i, grad[i], fd, kink, floor);
    }
  }
  return UAT_OK;
}

/* Output o at one point, as a function of that point. */
typedef struct {
  uat_mlp *m;
  uat_mlp_workspace *w;
  size_t o;
} output_ctx;

static double output_of_x(const double *x, void *p) {
  output_ctx *c = p;
  return uat_mlp_forward(c->m, c->w, 1, x)[c->o];
}

static int check_jacobian(check_ctx *c, const uat_gradcheck_params *p, uat_mlp_check *out) {
  uat_mlp *m = c->m;
  const size_t in = uat_mlp_in(m), nout = uat_mlp_out(m);
  uat_mlp_workspace *w1 = uat_mlp_workspace_alloc(m, 1);
  double *jac = malloc(nout * in * sizeof *jac), *x = malloc(in * sizeof *x);
  int st = (w1 && jac && x) ? UAT_OK : UAT_ENOMEM;
  for (size_t k = 0; k < c->n && k < JAC_POINTS && st == UAT_OK; k++) {
    memcpy(x, c->x + k * in, in * sizeof *x);
    uat_mlp_input_jacobian(m, w1, x, jac);
    double jmax = 0.0;
    for (size_t i = 0; i < nout * in; i++) jmax = fmax(jmax, fabs(jac[i]));
    const double floor = fmax(p->floor, p->floor_rel * jmax);
    for (size_t o = 0; o < nout; o++) {
      output_ctx oc = {m, w1, o};
      for (size_t j = 0; j < in; j++) {
        const double fd = uat_fd_derivative(output_of_x, &oc, x, j, p);
        out->jacobian_count++;
        out->jacobian_max_rel_err =
            fmax(out->jacobian_max_rel_err, uat_fd_rel_error(jac[o * in + j], fd, floor));
      }
    }
  }
  uat_mlp_workspace_free(w1);
  free(jac);
  free(x);
  return st;
}

int uat_mlp_gradcheck(uat_mlp *m, size_t n, const double *x, const double *t, uat_loss loss,
                      const uat_gradcheck_params *p, const double *grad, uat_mlp_check *out,
                      uat_error *err) {
  memset(out, 0, sizeof *out);
  if (m->n_layers > MAX_LAYERS || n == 0)
    return uat_error_set(err, UAT_EINVAL, "gradcheck: 1 to 64 layers and at least one point");
  if (!uat_mlp_loss_fits(m, loss))
    return uat_error_set(err, UAT_EINVAL, "gradcheck: loss %s needs an identity or %s output",
                         uat_loss_name(loss), loss == UAT_LOSS_CE ? "softmax" : "sigmoid");
  out->n_layers = m->n_layers;
  check_ctx c = {m, uat_mlp_workspace_alloc(m, n), n, x, t, loss, NULL, NULL, 0};
  c.mask_len = relu_mask_len(m, n);
  c.mask = malloc(c.mask_len + 1);
  c.mask2 = malloc(c.mask_len + 1);
  double *own = malloc(m->n_params * sizeof *own), *dy = malloc(n * uat_mlp_out(m) * sizeof *dy);
  double *theta0 = malloc(m->n_params * sizeof *theta0);
  int st = (c.w && c.mask && c.mask2 && own && dy && theta0) ? UAT_OK : UAT_ENOMEM;
  if (st == UAT_OK) {
    memcpy(theta0, m->theta, m->n_params * sizeof *theta0);
    int flags;
    uat_mlp_forward(m, c.w, n, x);
    const double l0 = uat_mlp_loss(m, c.w, loss, t, dy, &flags);
    relu_mask(m, c.w, n, c.mask);
    uat_mlp_backward_flags(m, c.w, dy, own, NULL, flags);
    if (!isfinite(l0)) st = UAT_EDIVERGED;
  }
  if (st == UAT_OK) st = check_theta(&c, grad ? grad : own, p, out);
  if (st == UAT_OK) st = check_jacobian(&c, p, out);
  if (theta0) memcpy(m->theta, theta0, m->n_params * sizeof *theta0);
  uat_mlp_workspace_free(c.w);
  free(c.mask);
  free(c.mask2);
  free(own);
  free(dy);
  free(theta0);
  if (st == UAT_ENOMEM) return uat_error_set(err, st, "gradcheck: out of memory");
  if (st == UAT_EDIVERGED) return uat_error_set(err, st, "gradcheck: the loss is not finite");
  return st;
}
