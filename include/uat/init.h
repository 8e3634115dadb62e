/* uat/init.h — parameter initialisers, every draw from a caller-seeded gsl_rng. */
#ifndef UAT_INIT_H
#define UAT_INIT_H

#include <gsl/gsl_rng.h>

#include "uat/mlp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Rules for drawing one group of parameters (all weights, or all biases). fan_in and
 *  fan_out are the layer's input and output widths. */
typedef enum {
  UAT_INIT_ZERO = 0,      /**< 0 */
  UAT_INIT_CONST,         /**< a */
  UAT_INIT_NORMAL,        /**< normal with mean a, standard deviation b */
  UAT_INIT_UNIFORM,       /**< uniform on [a, b) */
  UAT_INIT_XAVIER,        /**< Glorot uniform: U(-r, r), r = sqrt(6 / (fan_in + fan_out)) */
  UAT_INIT_XAVIER_NORMAL, /**< Glorot normal: N(0, 2 / (fan_in + fan_out)) */
  UAT_INIT_HE,            /**< He normal: N(0, 2 / fan_in) */
  UAT_INIT_HE_UNIFORM,    /**< He uniform: U(-r, r), r = sqrt(6 / fan_in) */
  UAT_INIT_TORCH,         /**< PyTorch nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in));
                               for weights this is Kaiming-uniform with a = sqrt(5) */
  UAT_INIT_COUNT
} uat_init_rule;

/** Name of a rule ("zero", "const", "normal", "uniform", "xavier", "xavier-normal", "he",
 *  "he-uniform", "torch"). */
const char *uat_init_rule_name(uat_init_rule rule);

/** Parse a rule name. Returns UAT_OK or UAT_ENOTFOUND. */
int uat_init_rule_parse(const char *name, uat_init_rule *rule);

/** How to initialise a whole network: one rule for weights, one for biases. */
typedef struct {
  uat_init_rule weights;
  double wa, wb; /**< parameters a, b of the weight rule where it has them */
  uat_init_rule biases;
  double ba, bb; /**< parameters a, b of the bias rule where it has them */
} uat_init_spec;

/** PyTorch's nn.Linear default for both weights and biases. */
uat_init_spec uat_init_spec_torch(void);

/** Draw a value by rule for a layer of the given fans. */
double uat_init_draw(uat_init_rule rule, double a, double b, size_t fan_in, size_t fan_out,
                     gsl_rng *r);

/** Initialise theta layer by layer: each layer's weights in row-major order, then its
 *  biases. Returns UAT_OK, or UAT_EINVAL for an unknown rule. */
int uat_mlp_init(uat_mlp *m, const uat_init_spec *spec, gsl_rng *r);

/** A mt19937 generator seeded with seed; NULL on out of memory. Free with gsl_rng_free. */
gsl_rng *uat_rng_alloc(unsigned long seed);

#ifdef __cplusplus
}
#endif
#endif
