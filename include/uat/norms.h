/* uat/norms.h — how far a model is from a target on a box: grid RMSE and maximum, L1 and L2
 * norms by adaptive quadrature, and the maximum error refined off the grid. */
#ifndef UAT_NORMS_H
#define UAT_NORMS_H

#include <stddef.h>

#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A scalar function of dim variables: writes f(x) to *y, returns 0 (or non-zero on failure). */
typedef int (*uat_fn)(const double *x, double *y, void *ctx);

/** Tunables; get them from uat_norm_default_params. */
typedef struct {
  size_t grid;          /**< grid points per axis for RMSE, grid maximum and L-infinity starts */
  double epsabs;        /**< absolute accuracy asked of the quadrature */
  double epsrel;        /**< relative accuracy asked of the quadrature */
  size_t limit;         /**< subintervals of GSL's adaptive quadrature workspace */
  size_t refine;        /**< worst grid points refined by local maximisation */
  size_t gauss_points;  /**< Gauss-Legendre points per axis in 3 and more dimensions (and in 2-D
                             when nested_2d is 0) */
  int nested_2d;        /**< 2-D integrals by nested adaptive quadrature (1, accurate but its cost
                             is unbounded when the integrand is noisy) or by the Gauss-Legendre
                             product rule (0, a fixed gauss_points^2 evaluations) */
  const double *breaks; /**< 1-D: points where the model or target is not smooth (the kinks of
                             a ReLU network), any order, or NULL. Every piece between them is
                             then integrated on its own, and the L-infinity search visits each
                             piece (both ends and the middle, then climbs inside), so no piece
                             narrower than the grid spacing is missed. */
  size_t n_breaks;
} uat_norm_params;

/** grid 1001 (1-D) / 101 (2-D) / 21 (more), epsabs 0, epsrel 1e-10, limit 1000, refine 5,
 *  gauss_points 16, nested_2d 1, no breaks. */
uat_norm_params uat_norm_default_params(size_t dim);

/** The error e = model - target on a box, and the target's own size. */
typedef struct {
  size_t grid_points;          /**< points of the grid */
  double rmse;                 /**< sqrt(mean of e^2) over the grid */
  double max_grid;             /**< max |e| over the grid */
  double l2, l2_abserr;        /**< sqrt(integral of e^2) and an estimate of its error */
  double l1, l1_abserr;        /**< integral of |e| and an estimate of its error */
  double target_l2, target_l1; /**< the same norms of the target */
  double l2_rel, l1_rel;       /**< l2/target_l2, l1/target_l1 (NaN when the target is 0) */
  double linf;                 /**< max |e| after refining the worst grid points (>= max_grid) */
  double linf_at[16];          /**< where that maximum is */
  double target_linf;          /**< max |target| over the grid */
  double linf_rel;             /**< linf / target_linf */
  double linf_abserr;          /**< 1-D and 2-D: how much higher the true maximum may be than
                                    linf — (grid maximum + the largest second differences of e
                                    along each axis, summed, over 8: the interpolation bound of
                                    a smooth e between grid points) minus linf, at least 0;
                                    cells with a break are visited piece by piece instead. NaN
                                    in 3 and more dimensions. */
  int l2_short;                /**< the L2 quadrature fell short of its tolerance (see l2_abserr) */
  int l1_short; /**< the L1 quadrature fell short (|e| has kinks where e changes sign) */
} uat_norms;

/** Norms of model - target on the box [lo, hi] (dim <= 16). 1-D integrals use GSL's qags;
 *  2-D integrals nested qags (the inner integral's error is folded into the outer estimate);
 *  3 and more dimensions a Gauss-Legendre product rule, with the error estimated against half
 *  the points. The L-infinity maximum starts from the `refine` worst grid points and climbs with
 *  GSL's Brent minimiser (1-D) or Nelder-Mead simplex (n-D) inside the box. Returns UAT_OK,
 *  UAT_EINVAL, UAT_EDIVERGED (a function returned a non-finite value, or failed) or
 *  UAT_ESOLVER (the quadrature could not reach its accuracy; the numbers are still filled with
 *  their error estimates). */
int uat_norms_compute(size_t dim, const double *lo, const double *hi, uat_fn model, void *model_ctx,
                      uat_fn target, void *target_ctx, const uat_norm_params *params,
                      uat_norms *out, uat_error *err);

/* ---- networks as functions ----------------------------------------------------------------- */
#include "uat/mlp.h"

/** A network output, or its derivative along one input, as a uat_fn (for Sobolev-type norms:
 *  value errors with deriv = 0, first-derivative errors with deriv = 1 against the target's
 *  derivative). The workspace must hold at least one row. */
typedef struct {
  const uat_mlp *m;
  uat_mlp_workspace *w;
  size_t output; /**< which output */
  int deriv;     /**< 0: the output; 1: its derivative with respect to input wrt */
  size_t wrt;
  double jac[256]; /**< scratch for out x in <= 256 */
} uat_mlp_fn_ctx;

int uat_mlp_fn(const double *x, double *y, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
