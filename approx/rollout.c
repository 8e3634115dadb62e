/* rollout.c — learned dynamics integrated by CVODE. */
#include "uat/rollout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const uat_mlp *m;
  uat_mlp_workspace *w;
  const uat_ode_system *known; /* the hybrid form's known part, or NULL */
  const double *known_p;
  double kbuf[UAT_MLP_SYSTEM_MAX_DIM * UAT_MLP_SYSTEM_MAX_DIM];
} net_ctx;

static int net_rhs(double t, const double *y, double *f, const double *p, void *ctx) {
  (void)p;
  net_ctx *c = ctx;
  const double *v = uat_mlp_forward(c->m, c->w, 1, y);
  if (v == NULL) return -1;
  const size_t n = uat_mlp_out(c->m);
  memcpy(f, v, n * sizeof *f);
  if (c->known == NULL) return 0;
  if (c->known->rhs(t, y, c->kbuf, c->known_p, c->known->ctx) != 0) return -1;
  for (size_t i = 0; i < n; i++) f[i] += c->kbuf[i];
  return 0;
}

static int net_jac(double t, const double *y, double *J, const double *p, void *ctx) {
  (void)p;
  net_ctx *c = ctx;
  if (uat_mlp_input_jacobian(c->m, c->w, y, J) != UAT_OK) return -1;
  if (c->known == NULL) return 0;
  const size_t n = uat_mlp_out(c->m);
  if (c->known->jac(t, y, c->kbuf, c->known_p, c->known->ctx) != 0) return -1;
  for (size_t i = 0; i < n * n; i++) J[i] += c->kbuf[i];
  return 0;
}

struct uat_mlp_system {
  uat_ode_system sys;
  net_ctx c;
  char name[96];
};

uat_mlp_system *uat_mlp_system_alloc(const uat_mlp *m, const uat_ode_system *like, uat_error *err) {
  if (like->dim > UAT_MLP_SYSTEM_MAX_DIM) {
    uat_error_set(err, UAT_EINVAL, "at most %d states", UAT_MLP_SYSTEM_MAX_DIM);
    return NULL;
  }
  if (uat_mlp_in(m) != like->dim || uat_mlp_out(m) != like->dim) {
    uat_error_set(err, UAT_EINVAL, "the network must map %zu states to %zu, not %zu to %zu",
                  like->dim, like->dim, uat_mlp_in(m), uat_mlp_out(m));
    return NULL;
  }
  uat_mlp_system *s = calloc(1, sizeof *s);
  if (s) s->c.w = uat_mlp_workspace_alloc(m, 1);
  if (s == NULL || s->c.w == NULL) {
    uat_mlp_system_free(s);
    uat_error_set(err, UAT_ENOMEM, "out of memory");
    return NULL;
  }
  s->c.m = m;
  snprintf(s->name, sizeof s->name, "learned %s", like->name);
  s->sys = *like;
  s->sys.name = s->name;
  s->sys.equations = "the network's outputs";
  s->sys.rhs = net_rhs;
  s->sys.jac = net_jac;
  s->sys.ctx = &s->c;
  s->sys.invariant = NULL;
  s->sys.invariant_text = NULL;
  s->sys.exact = NULL;
  return s;
}

const uat_ode_system *uat_mlp_system_get(const uat_mlp_system *s) { return &s->sys; }

int uat_mlp_system_set_known(uat_mlp_system *s, const uat_ode_system *known, const double *p,
                             uat_error *err) {
  if (known && (known->dim != s->sys.dim || known->jac == NULL))
    return uat_error_set(err, UAT_EINVAL, "the known part must have %zu states and a Jacobian",
                         s->sys.dim);
  s->c.known = known;
  s->c.known_p = p;
  s->sys.equations = known ? "the network's outputs plus the known part" : "the network's outputs";
  return UAT_OK;
}

int uat_mlp_system_vjp(const uat_mlp_system *s, const double *y, const double *lambda,
                       double *jt_lambda, double *grad) {
  net_ctx *c = (net_ctx *)&s->c;
  const size_t n = s->sys.dim;
  if (uat_mlp_forward(c->m, c->w, 1, y) == NULL) return -1;
  if (uat_mlp_backward(c->m, c->w, lambda, grad, jt_lambda) != UAT_OK) return -1;
  if (jt_lambda == NULL || c->known == NULL) return 0;
  if (c->known->jac(0.0, y, c->kbuf, c->known_p, c->known->ctx) != 0) return -1;
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++) jt_lambda[j] += c->kbuf[i * n + j] * lambda[i];
  return 0;
}

int uat_mlp_system_fjq(const uat_mlp_system *s, const double *y, double *f, double *J, double *dfdq,
                       size_t ld) {
  net_ctx *c = (net_ctx *)&s->c;
  const size_t n = s->sys.dim;
  const double *v = uat_mlp_forward(c->m, c->w, 1, y);
  if (v == NULL) return -1;
  memcpy(f, v, n * sizeof *f);
  double e[UAT_MLP_SYSTEM_MAX_DIM] = {0};
  for (size_t o = 0; o < n; o++) { /* row o of J and of df/dtheta from one reverse pass */
    e[o] = 1.0;
    const int st = uat_mlp_backward(c->m, c->w, e, dfdq + o * ld, J + o * n);
    e[o] = 0.0;
    if (st != UAT_OK) return -1;
  }
  if (c->known == NULL) return 0;
  if (c->known->rhs(0.0, y, c->kbuf, c->known_p, c->known->ctx) != 0) return -1;
  for (size_t i = 0; i < n; i++) f[i] += c->kbuf[i];
  if (c->known->jac(0.0, y, c->kbuf, c->known_p, c->known->ctx) != 0) return -1;
  for (size_t i = 0; i < n * n; i++) J[i] += c->kbuf[i];
  return 0;
}

int uat_mlp_system_dfdtheta(const uat_mlp_system *s, const double *y, double *out, size_t ld) {
  const net_ctx *c = &s->c;
  const size_t P = c->m->n_params;
  if (uat_mlp_forward(c->m, c->w, 1, y) == NULL) return -1;
  for (size_t o = 0; o < uat_mlp_out(c->m); o++)
    if (uat_mlp_backward_rows(c->m, c->w, o, P, out + o * ld, ld) != UAT_OK) return -1;
  return 0;
}

/* df/dtheta (dim x P) at y: one forward pass, then one reverse pass per output. */
static int net_dfdtheta(double t, const double *y, double *out, void *ctx) {
  (void)t;
  const uat_mlp_system *s = ctx;
  return uat_mlp_system_dfdtheta(s, y, out, s->c.m->n_params);
}

int uat_mlp_system_sens(const uat_mlp_system *s, const double *y0, size_t n, const double *times,
                        const uat_ode_params *params, double *Y, double *S, uat_error *err) {
  return uat_ode_solve_sens(&s->sys, NULL, y0, s->c.m->n_params, net_dfdtheta, (void *)s, n, times,
                            params, Y, S, err);
}

void uat_mlp_system_free(uat_mlp_system *s) {
  if (s == NULL) return;
  uat_mlp_workspace_free(s->c.w);
  free(s);
}

int uat_rollout(const uat_mlp *m, const uat_ode_system *sys, size_t n, const double *times,
                uat_ode_trajectory **learned, uat_ode_trajectory **truth, uat_rollout_result *r,
                uat_error *err) {
  memset(r, 0, sizeof *r);
  if (learned) *learned = NULL;
  if (truth) *truth = NULL;
  uat_mlp_system *ms = uat_mlp_system_alloc(m, sys, err);
  if (ms == NULL) return err ? err->status : UAT_EINVAL;
  const uat_ode_system net = *uat_mlp_system_get(ms);
  uat_ode_params p = uat_ode_default_params();
  p.method = UAT_ODE_BDF;
  uat_ode_trajectory *a = NULL, *b = NULL;
  int st = uat_ode_solve(&net, NULL, sys->y0_default, n, times, &p, &a, NULL, err);
  p.method = UAT_ODE_ADAMS;
  p.rtol = 1e-12;
  p.atol = 1e-14;
  if (st == UAT_OK) st = uat_ode_solve(sys, NULL, sys->y0_default, n, times, &p, &b, NULL, err);
  if (st == UAT_OK) {
    r->max_rel_error = uat_ode_trajectory_distance(a, b);
    uat_ode_trajectory last_a = {1, a->dim, 1, a->t + a->n - 1, a->y + (a->n - 1) * a->dim};
    uat_ode_trajectory last_b = {1, b->dim, 1, b->t + b->n - 1, b->y + (b->n - 1) * b->dim};
    r->final_rel_error = uat_ode_trajectory_distance(&last_a, &last_b);
    if (uat_ode_invariant_drift(sys, NULL, a, &r->invariant_drift) != UAT_OK)
      r->invariant_drift = NAN;
    if (uat_ode_invariant_drift(sys, NULL, b, &r->true_invariant_drift) != UAT_OK)
      r->true_invariant_drift = NAN;
  }
  if (st == UAT_OK && learned) {
    *learned = a;
    a = NULL;
  }
  if (st == UAT_OK && truth) {
    *truth = b;
    b = NULL;
  }
  uat_ode_trajectory_free(a);
  uat_ode_trajectory_free(b);
  uat_mlp_system_free(ms);
  return st;
}
