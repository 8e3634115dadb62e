/* uat/poly.h — expressions as polynomials: expand, substitute, the time derivative of a
 * function along a system, and a system's equilibria in symbols.
 *
 * An expression is read as a Laurent polynomial with real coefficients in its variables, its
 * constants (pi, e) and its non-polynomial parts ("atoms": sin(x), log(y), sqrt(R), 1/(a + b)),
 * each atom with its argument expanded in turn. Products and integer powers are multiplied
 * out, division by a single term gives negative exponents, and like terms are collected, so
 * an expression that is identically zero as a rational function with such denominators
 * expands to 0. Coefficients are doubles: they cancel exactly where the arithmetic is exact
 * (integers, halves, ...). docs/symbolic.md. */
#ifndef UAT_POLY_H
#define UAT_POLY_H

#include <stddef.h>

#include "uat/expr.h"
#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most distinct variables, constants and atoms in one expansion. */
#define UAT_POLY_MAX_SYMBOLS 64
/** Most terms in one expansion, and the largest integer power multiplied out. */
#define UAT_POLY_MAX_TERMS 10000
#define UAT_POLY_MAX_POWER 64
/** Most products of two terms in one expansion (a bound on its time, about 0.1 s). */
#define UAT_POLY_MAX_WORK 1000000

/** e expanded: terms ordered lexicographically by their exponents, symbols in order of first
 *  appearance (`(x + 1)^2` gives `x^2 + 2*x + 1`). NULL on out of memory or when a limit above
 *  is passed (err says which). */
uat_expr *uat_expr_expand(const uat_expr *e, uat_error *err);

/** The smaller (in nodes) of uat_expr_simplify(e) and its expansion; simplify's on a tie.
 *  What `uat sym simplify` prints: it reaches 0 wherever expansion cancels. */
uat_expr *uat_expr_simplify_full(const uat_expr *e, uat_error *err);

/** e with names[i] replaced by values[i], all at once, then uat_expr_simplify_full. */
uat_expr *uat_expr_substitute(const uat_expr *e, size_t n, const char *const *names,
                              const uat_expr *const *values, uat_error *err);

/** dV/dt along x' = f: sum over i of (dV/d states[i]) * rhs[i], then uat_expr_simplify_full.
 *  For the Lotka-Volterra invariant it is 0. */
uat_expr *uat_expr_time_derivative(const uat_expr *V, size_t n, const char *const *states,
                                   const uat_expr *const *rhs, uat_error *err);

/** Equilibria of x' = f found in symbols. values[k*n + i] is state i of solution k; NULL means
 *  the state is free (a line or plane of equilibria). complete = 0 when some branch was left
 *  unsolved (its equations are in unsolved, one text per branch). */
typedef struct {
  size_t n;           /**< states */
  size_t n_solutions; /**< solutions found */
  uat_expr **values;  /**< n_solutions x n */
  int complete;       /**< 1: every branch solved */
  size_t n_unsolved;
  char **unsolved; /**< "x^3 + x*y - a = 0, ..." per unsolved branch */
} uat_sym_equilibria;

/** Solve f(x) = 0 for the states, the other names being parameters taken as generic (nonzero
 *  and unrelated, so that a branch needing e.g. gamma = 0 is dropped). Method: split on common
 *  factors (x*(alpha - beta*y) = 0 gives x = 0 or alpha = beta*y), eliminate a state that
 *  appears linearly with a coefficient free of states, and solve a single-state quadratic by
 *  its formula; what is left is reported unsolved. UAT_OK (also when incomplete),
 *  UAT_EINVAL, UAT_ENOMEM. Free with uat_sym_equilibria_free. */
int uat_expr_equilibria(size_t n, const char *const *states, const uat_expr *const *rhs,
                        uat_sym_equilibria *out, uat_error *err);
void uat_sym_equilibria_free(uat_sym_equilibria *q);

#ifdef __cplusplus
}
#endif
#endif
