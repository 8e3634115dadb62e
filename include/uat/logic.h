/* uat/logic.h — Boolean functions and single neurons: which functions one threshold neuron can
 * represent (decided exactly), the rule it uses, and how often networks trained from random
 * seeds learn them.
 *
 * A Boolean function of n inputs is its truth table: 2^n values 0 or 1, row r holding the
 * output for the inputs whose binary digits are r, x1 the most significant (the order of the
 * `bool:` targets: {0,1,1,0} is XOR). */
#ifndef UAT_LOGIC_H
#define UAT_LOGIC_H

#include <stddef.h>

#include "uat/data.h"
#include "uat/mlp.h"
#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most inputs a function may have here (64 rows). */
#define UAT_LOGIC_MAX_INPUTS 6
/** Widest hidden layer uat_logic_train tries. */
#define UAT_LOGIC_MAX_WIDTH 16

/** The verdict on one function. */
typedef struct {
  size_t n;                     /**< inputs */
  int separable;                /**< 1: one threshold neuron represents it; decided exactly */
  size_t updates;               /**< updates the integer perceptron made */
  size_t bound;                 /**< the most updates a separable function of n inputs can need */
  long w[UAT_LOGIC_MAX_INPUTS]; /**< separable: integer weights on the 0/1 inputs ... */
  double threshold; /**< ... and the threshold: output 1 exactly when sum w_i x_i >= threshold
                         (the midpoint between the largest sum of a 0 row and the smallest of a
                         1 row) */
} uat_logic_verdict;

/** Decide whether the function is linearly separable, exactly, in integer arithmetic: the
 *  perceptron rule from zero weights on inputs coded as -1/+1 with a constant +1 input. Every
 *  threshold function of n inputs has integer weights (threshold included) of magnitude at
 *  most W = (n+1)^((n+1)/2) / 2^n with a margin of at least 1 (Cramer's rule at a vertex of
 *  the separating cone and Hadamard's bound; Muroga), so by Novikoff's theorem the rule makes
 *  at most (n+1)^2 W^2 updates on a separable function: a function that needs more is not
 *  separable. Returns UAT_OK or UAT_EINVAL (n is 0 or above UAT_LOGIC_MAX_INPUTS, a value is
 *  not 0 or 1). */
int uat_logic_separable(size_t n, const unsigned char *table, uat_logic_verdict *v);

/** The rule of a separable verdict as text, "x1 + x2 >= 1.5", "-x1 >= -0.5", "true" or
 *  "false" (a function that ignores its inputs). */
void uat_logic_rule_string(const uat_logic_verdict *v, char *buf, size_t len);

/** The 2-input function with truth table bits (row 0 in bit 3, row 3 in bit 0: 0x6 is XOR):
 *  its name ("and", "xor", "x1 and not x2", ...). */
const char *uat_logic_gate_name(unsigned bits);

/** The truth tables of n-input parity (1 for an odd number of ones) and majority (1 for more
 *  ones than zeros) into table (2^n values). */
void uat_logic_parity(size_t n, unsigned char *table);
void uat_logic_majority(size_t n, unsigned char *table);

/** Novikoff's bound for a network without hidden layers (one output) on d, targets 0/1:
 *  (R / gamma)^2 with R the largest norm of an input extended by the constant 1 of the bias,
 *  gamma the margin min_k y_k (w.x_k + b) / |(w, b)| of the network's own weights (y = +-1) —
 *  any separating weights bound the mistakes of the perceptron rule from zero weights, so a
 *  converged perceptron's own weights give a bound its updates must respect. *R and *gamma
 *  receive both; INFINITY when the weights do not separate d. */
double uat_novikoff_bound(const uat_mlp *m, const uat_dataset *d, double *R, double *gamma);

/** How networks trained from seeds fare on a function. */
typedef struct {
  unsigned long seed0; /**< first seed (0) */
  size_t seeds;        /**< seeds per network shape (100) */
  size_t epochs;       /**< full-batch Adam epochs (1000) */
  double lr;           /**< Adam's learning rate (0.1) */
  size_t max_width;    /**< hidden widths 1 ... max_width (4) */
} uat_logic_params;

/** The defaults above. */
uat_logic_params uat_logic_default_params(void);

typedef struct {
  double neuron_rate; /**< fraction of seeds a single sigmoid neuron learns it (every row
                           right) */
  double neuron_best; /**< the best accuracy a trained single neuron reached (3/4 on XOR) */
  int neuron_found;   /**< a seed learned it: its neuron is in neuron_w, neuron_b */
  double neuron_w[UAT_LOGIC_MAX_INPUTS], neuron_b; /**< output 1 when w.x + b > 0 */
  double hidden_rate[UAT_LOGIC_MAX_WIDTH];         /**< [h-1]: fraction of seeds a network with one
                                                        hidden layer of h sigmoid units learns it */
} uat_logic_seeds;

/** Train, for every seed, a single neuron (n-1, identity output read as a logit) and networks
 *  n-h-1 with sigmoid hidden units for h = 1 ... p->max_width, all with PyTorch's
 *  initialisation, binary cross-entropy on the logit and full-batch Adam, the seeds side by
 *  side in SIMD lanes; a network learns the function when the sign of its logit is right on
 *  every row. Returns UAT_OK, UAT_EINVAL, UAT_ENOMEM (err says which). */
int uat_logic_train(size_t n, const unsigned char *table, const uat_logic_params *p,
                    uat_logic_seeds *out, uat_error *err);

#ifdef __cplusplus
}
#endif
#endif
