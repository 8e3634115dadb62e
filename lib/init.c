/* init.c — initialisers. */
#include "uat/init.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "uat/status.h"
#include "uat/util.h"

static const char *const rule_names[UAT_INIT_COUNT] = {
    "zero", "const", "normal", "uniform", "xavier", "xavier-normal", "he", "he-uniform", "torch"};

const char *uat_init_rule_name(uat_init_rule rule) {
  return uat_enum_name(rule_names, UAT_INIT_COUNT, (int)rule);
}

int uat_init_rule_parse(const char *name, uat_init_rule *rule) {
  int k = 0;
  const int st = uat_enum_parse(rule_names, UAT_INIT_COUNT, name, &k);
  if (st == UAT_OK) *rule = (uat_init_rule)k;
  return st;
}

uat_init_spec uat_init_spec_torch(void) {
  const uat_init_spec s = {UAT_INIT_TORCH, 0.0, 0.0, UAT_INIT_TORCH, 0.0, 0.0};
  return s;
}

static double symmetric_uniform(double r, gsl_rng *rng) { return gsl_ran_flat(rng, -r, r); }

double uat_init_draw(uat_init_rule rule, double a, double b, size_t fan_in, size_t fan_out,
                     gsl_rng *r) {
  const double fi = (double)fan_in, fo = (double)fan_out;
  switch (rule) {
  case UAT_INIT_ZERO: return 0.0;
  case UAT_INIT_CONST: return a;
  case UAT_INIT_NORMAL: return a + gsl_ran_gaussian(r, b);
  case UAT_INIT_UNIFORM: return gsl_ran_flat(r, a, b);
  case UAT_INIT_XAVIER: return symmetric_uniform(sqrt(6.0 / (fi + fo)), r);
  case UAT_INIT_XAVIER_NORMAL: return gsl_ran_gaussian(r, sqrt(2.0 / (fi + fo)));
  case UAT_INIT_HE: return gsl_ran_gaussian(r, sqrt(2.0 / fi));
  case UAT_INIT_HE_UNIFORM: return symmetric_uniform(sqrt(6.0 / fi), r);
  case UAT_INIT_TORCH:
    /* kaiming_uniform(a = sqrt 5): gain = sqrt(2 / (1 + 5)), bound = gain sqrt(3 / fan_in)
     * = 1 / sqrt(fan_in); the bias bound is 1 / sqrt(fan_in) as well. */
    return symmetric_uniform(1.0 / sqrt(fi), r);
  default: return NAN;
  }
}

int uat_mlp_init(uat_mlp *m, const uat_init_spec *spec, gsl_rng *r) {
  if (spec->weights < 0 || spec->weights >= UAT_INIT_COUNT || spec->biases < 0 ||
      spec->biases >= UAT_INIT_COUNT)
    return UAT_EINVAL;
  for (size_t l = 0; l < m->n_layers; l++) {
    const size_t in = m->sizes[l], out = m->sizes[l + 1];
    double *W = uat_mlp_weights(m, l), *b = uat_mlp_bias(m, l);
    for (size_t i = 0; i < out * in; i++)
      W[i] = uat_init_draw(spec->weights, spec->wa, spec->wb, in, out, r);
    for (size_t j = 0; j < out; j++)
      b[j] = uat_init_draw(spec->biases, spec->ba, spec->bb, in, out, r);
  }
  return UAT_OK;
}

gsl_rng *uat_rng_alloc(unsigned long seed) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  if (r != NULL) gsl_rng_set(r, seed);
  return r;
}
