/* uat/extract.h — from a trained network back to symbols: a Boolean network's truth table as a
 * minimal sum of products (Quine–McCluskey's prime implicants, Petrick's method for the cover),
 * printed as an expression uat can evaluate, as logic and as LaTeX. */
#ifndef UAT_EXTRACT_H
#define UAT_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "uat/expr.h"
#include "uat/mlp.h"
#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most inputs of a function minimised here (4096 rows). */
#define UAT_EXTRACT_MAX_INPUTS 12

/** A product term: the inputs in mask appear, as x_i where value has the bit and as not x_i
 *  where it has not (bit n-1-i is input i+1, x1 the most significant as in truth tables). */
typedef struct {
  uint32_t value, mask;
} uat_implicant;

/** A sum of products. */
typedef struct {
  size_t n;       /**< inputs */
  size_t n_terms; /**< products (0: the constant 0; one with mask 0: the constant 1) */
  uat_implicant *terms;
  size_t literals; /**< literals over all products */
  int exact;       /**< 1: minimal (fewest products, then fewest literals) by Petrick's method;
                        0: the cyclic core was too large and a greedy cover was used */
} uat_sop;

/** Table values: 0, 1, or 2 for a don't-care row. */
enum { UAT_DONT_CARE = 2 };

/** Minimise the function of n inputs given by its 2^n table values. UAT_OK, UAT_EINVAL (n
 *  above UAT_EXTRACT_MAX_INPUTS or a value not 0, 1 or 2), UAT_ENOMEM. Free with
 *  uat_sop_free. */
int uat_logic_minimise(size_t n, const unsigned char *table, uat_sop *out, uat_error *err);
void uat_sop_free(uat_sop *s);

/** The sum of products as an expression in 0/1 variables named names[0..n) (NULL: x1, x2,
 *  ...): products of x and (1 - x), joined by max — 1 exactly where the function is 1, so that
 *  `uat sym eval` evaluates it. NULL on out of memory. */
uat_expr *uat_sop_expr(const uat_sop *s, const char *const *names);

/** As logic, "(x1 and not x2) or (not x1 and x2)", and as LaTeX with \wedge, \vee, \neg;
 *  the length of the full text is returned (as snprintf). */
size_t uat_sop_logic(const uat_sop *s, const char *const *names, char *buf, size_t len);
size_t uat_sop_latex(const uat_sop *s, const char *const *names, char *buf, size_t len);

/** The truth table of output o of a network with n <= UAT_EXTRACT_MAX_INPUTS inputs: the
 *  output at every 0/1 input (x1 most significant) above threshold. UAT_OK, UAT_EINVAL,
 *  UAT_ENOMEM. */
int uat_mlp_truth_table(const uat_mlp *m, size_t o, double threshold, unsigned char *table);

#ifdef __cplusplus
}
#endif
#endif
