/* optim.c — SGD, momentum, Nesterov and Adam. */
#include "uat/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "uat/kernels.h"
#include "uat/status.h"
#include "uat/util.h"

struct uat_optimizer {
  uat_optimizer_params p;
  size_t n;
  unsigned long t; /* steps taken */
  double *v;       /* velocity (momentum, Nesterov) or second moment (Adam) */
  double *m;       /* first moment (Adam) */
};

static const char *const opt_names[UAT_OPT_COUNT] = {"sgd", "momentum", "nesterov", "adam"};

const char *uat_optimizer_name(uat_optimizer_kind kind) {
  return uat_enum_name(opt_names, UAT_OPT_COUNT, (int)kind);
}

int uat_optimizer_parse(const char *name, uat_optimizer_kind *kind) {
  int k = 0;
  const int st = uat_enum_parse(opt_names, UAT_OPT_COUNT, name, &k);
  if (st == UAT_OK) *kind = (uat_optimizer_kind)k;
  return st;
}

uat_optimizer_params uat_optimizer_default_params(uat_optimizer_kind kind) {
  uat_optimizer_params p = {kind, 0.01, 0.9, 0.9, 0.999, 1e-8};
  if (kind == UAT_OPT_ADAM) p.lr = 0.001;
  return p;
}

uat_optimizer *uat_optimizer_alloc(const uat_optimizer_params *p, size_t n) {
  if (p->kind < 0 || p->kind >= UAT_OPT_COUNT || !(p->lr > 0) || n == 0) return NULL;
  uat_optimizer *o = calloc(1, sizeof *o);
  if (o == NULL) return NULL;
  o->p = *p;
  o->n = n;
  if (p->kind != UAT_OPT_SGD) o->v = calloc(n, sizeof *o->v);
  if (p->kind == UAT_OPT_ADAM) o->m = calloc(n, sizeof *o->m);
  if ((p->kind != UAT_OPT_SGD && !o->v) || (p->kind == UAT_OPT_ADAM && !o->m)) {
    uat_optimizer_free(o);
    return NULL;
  }
  return o;
}

void uat_optimizer_free(uat_optimizer *o) {
  if (o == NULL) return;
  free(o->v);
  free(o->m);
  free(o);
}

void uat_optimizer_reset(uat_optimizer *o) {
  o->t = 0;
  if (o->v) memset(o->v, 0, o->n * sizeof *o->v);
  if (o->m) memset(o->m, 0, o->n * sizeof *o->m);
}

const uat_optimizer_params *uat_optimizer_get_params(const uat_optimizer *o) { return &o->p; }

static void step_adam(uat_optimizer *o, double *theta, const double *g) {
  const double t = (double)(o->t + 1);
  const double c[6] = {
      o->p.lr, o->p.beta1, o->p.beta2, 1.0 - pow(o->p.beta1, t), 1.0 - pow(o->p.beta2, t),
      o->p.eps};
  uat_step_adam(o->n, c, theta, g, o->m, o->v);
}

void uat_optimizer_step(uat_optimizer *o, double *theta, const double *g) {
  switch (o->p.kind) {
  case UAT_OPT_SGD: uat_step_sgd(o->n, o->p.lr, theta, g); break;
  /* PyTorch starts the momentum buffer at the first gradient rather than at mu * 0 + g */
  case UAT_OPT_MOMENTUM:
  case UAT_OPT_NESTEROV:
    uat_step_momentum(o->n, o->p.lr, o->p.momentum, o->t == 0, o->p.kind == UAT_OPT_NESTEROV, theta,
                      g, o->v);
    break;
  case UAT_OPT_ADAM: step_adam(o, theta, g); break;
  default: return;
  }
  o->t++;
}
