/* uat/lbfgs.h — limited-memory BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed.,
 * Algorithm 7.4 and 7.5): the inverse Hessian is never formed; the search direction comes from
 * the last m correction pairs (s, y) by the two-loop recursion, scaled by gamma = s'y / y'y of
 * the newest pair, and the step from a line search satisfying the strong Wolfe conditions
 * (Algorithms 3.5 and 3.6, cubic interpolation in the zoom). Memory: 2 m n doubles.
 *
 * Used like GSL's minimizers: alloc, set (the function and the start), iterate until the test
 * says converged or the budget is spent, read x, f and g, free. */
#ifndef UAT_LBFGS_H
#define UAT_LBFGS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The objective: returns f(x) and writes its gradient into g (n values). */
typedef double (*uat_lbfgs_fn)(const double *x, double *g, void *ctx);

typedef struct {
  size_t m;      /**< correction pairs kept (10) */
  double c1;     /**< sufficient decrease constant (1e-4) */
  double c2;     /**< curvature constant, c1 < c2 < 1 (0.9) */
  size_t max_ls; /**< function evaluations per line search (20) */
  double gtol;   /**< converged when max_i |g_i| <= gtol (1e-5) */
  double ftol;   /**< ... or when (f_prev - f) <= ftol max(|f_prev|, |f|, 1) (0: off) */
} uat_lbfgs_params;

/** The values in parentheses above. */
uat_lbfgs_params uat_lbfgs_default_params(void);

typedef struct uat_lbfgs uat_lbfgs;

/** A minimizer for n variables; NULL for n = 0, m = 0, bad constants or out of memory. */
uat_lbfgs *uat_lbfgs_alloc(size_t n, const uat_lbfgs_params *p);
void uat_lbfgs_free(uat_lbfgs *s);

/** Start at x0 (copied): evaluates f and g there and forgets any history. Returns UAT_OK, or
 *  UAT_EDIVERGED when f or g is not finite there. */
int uat_lbfgs_set(uat_lbfgs *s, uat_lbfgs_fn fn, void *ctx, const double *x0);

/** One iteration: direction by the two-loop recursion (steepest descent, with a first trial
 *  step 1/|g|, while there is no history), strong Wolfe line search, history update (a pair
 *  with s'y <= 0 is not kept). Returns UAT_OK (x moved, or the convergence test holds),
 *  UAT_ESOLVER when the line search found no acceptable point (x is unchanged: no further
 *  progress is possible from here), or UAT_EDIVERGED when every trial point was non-finite. */
int uat_lbfgs_iterate(uat_lbfgs *s);

/** Whether the current point passes the convergence test (gtol, ftol). */
int uat_lbfgs_converged(const uat_lbfgs *s);

const double *uat_lbfgs_x(const uat_lbfgs *s);
const double *uat_lbfgs_g(const uat_lbfgs *s);
double uat_lbfgs_f(const uat_lbfgs *s);
/** Function evaluations so far (since set), the line searches' included. */
size_t uat_lbfgs_evaluations(const uat_lbfgs *s);
/** The step length the last line search accepted. */
double uat_lbfgs_step(const uat_lbfgs *s);

#ifdef __cplusplus
}
#endif
#endif
