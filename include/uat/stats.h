/* uat/stats.h — statistics over seeds and power-law scaling fits. */
#ifndef UAT_STATS_H
#define UAT_STATS_H

#include <stddef.h>

#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Summary of a metric over runs (seeds). */
typedef struct {
  size_t n;        /**< runs */
  size_t finite;   /**< runs with a finite value: the statistics below are over these */
  size_t diverged; /**< runs whose value is NaN or infinite */
  size_t missed;   /**< finite runs above the target (0 when no target) */
  double mean, sd, min, q1, median, q3, max;
} uat_summary;

/** Summarise n values; non-finite values count as diverged. target: a value a run should reach
 *  (at most), or NaN for none. The statistics are NaN when no value is finite. Quartiles use
 *  GSL's interpolation between order statistics (gsl_stats_quantile_from_sorted_data). */
int uat_summary_compute(const double *x, size_t n, double target, uat_summary *s);

/** How much to trust a scaling fit. */
typedef enum {
  UAT_FIT_OK = 0,    /**< usable */
  UAT_FIT_TOO_FEW,   /**< fewer than 3 usable points: no error estimate */
  UAT_FIT_TOO_SHORT, /**< N spans less than a factor 4 */
  UAT_FIT_TOO_NOISY  /**< the 95% interval is wider than half the exponent, or R^2 < 0.5 */
} uat_fit_quality;

const char *uat_fit_quality_name(uat_fit_quality q);

/** log(error) = intercept + slope * log(N), by least squares. */
typedef struct {
  size_t n;            /**< points used (positive, finite errors) */
  double slope;        /**< the exponent s */
  double slope_se;     /**< its standard error */
  double ci_lo, ci_hi; /**< 95% confidence interval: s -+ t(0.975, n - 2) * se */
  double intercept;    /**< a, natural log */
  double r2;           /**< coefficient of determination in log-log */
  uat_fit_quality quality;
} uat_scaling_fit;

/** Fit err ~ exp(a) N^s (gsl_fit_linear, or gsl_fit_wlinear with weights 1/variance of
 *  log(err) when w is not NULL). Points with a non-positive or non-finite error or N are left
 *  out. Returns UAT_OK with the quality filled in, or UAT_EINVAL when no two points remain. */
int uat_scaling_fit_compute(const double *N, const double *err, const double *w, size_t n,
                            uat_scaling_fit *fit);

#ifdef __cplusplus
}
#endif
#endif
