/* fit_rprop.c — iRPROP- (Igel & Huesken 2000), full batch: FANN's default trainer. Each
 * parameter has its own step, grown while its gradient keeps its sign and shrunk when it
 * flips; only the gradient's sign is used. */
#include <math.h>
#include <stdlib.h>

#include "fit_internal.h"

typedef struct {
  uat_fit_batch b;
  const uat_fit_tuning *tune;
  double *g, *gprev, *delta;
  int pending; /* g holds a gradient whose step is still to be taken */
} rprop;

static int rprop_alloc(void *state, const uat_fit_problem *pb) {
  rprop *s = state;
  const size_t P = pb->m->n_params;
  s->tune = &pb->p->tune;
  s->g = malloc(P * sizeof *s->g);
  s->gprev = calloc(P, sizeof *s->gprev);
  s->delta = malloc(P * sizeof *s->delta);
  if (uat_fit_batch_alloc(&s->b, pb) != UAT_OK || !s->g || !s->gprev || !s->delta)
    return UAT_ENOMEM;
  for (size_t i = 0; i < P; i++) s->delta[i] = s->tune->rprop_delta0;
  return UAT_OK;
}

/* The step of the gradient in g: after the stopping rules have seen the point it was taken
 * at, so that a stopped fit keeps the point its RMSE belongs to. */
static void rprop_step(rprop *s) {
  const uat_fit_tuning *t = s->tune;
  double *theta = s->b.m->theta;
  for (size_t i = 0; i < s->b.m->n_params; i++) {
    const double sign = s->g[i] * s->gprev[i];
    if (sign > 0)
      s->delta[i] = fmin(s->delta[i] * t->rprop_eta_plus, t->rprop_delta_max);
    else if (sign < 0) {
      s->delta[i] = fmax(s->delta[i] * t->rprop_eta_minus, t->rprop_delta_min);
      s->g[i] = 0.0; /* iRPROP-: forget the gradient after a sign change */
    }
    if (s->g[i] > 0)
      theta[i] -= s->delta[i];
    else if (s->g[i] < 0)
      theta[i] += s->delta[i];
    s->gprev[i] = s->g[i];
  }
}

static int rprop_iterate(void *state, double *rmse, int *converged) {
  rprop *s = state;
  (void)converged;
  if (s->pending) rprop_step(s);
  *rmse = sqrt(uat_fit_batch_mse(&s->b, s->g));
  s->pending = 1;
  return UAT_OK;
}

static void rprop_free(void *state) {
  rprop *s = state;
  uat_fit_batch_free(&s->b);
  free(s->g);
  free(s->gprev);
  free(s->delta);
}

const uat_fit_type uat_fit_type_rprop = {
    "rprop",       "iRPROP- (Igel & Huesken), full batch: FANN's default trainer",
    10000,         0,
    sizeof(rprop), rprop_alloc,
    rprop_iterate, NULL,
    rprop_free};
