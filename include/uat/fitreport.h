/* fitreport.h — the error report of a network against a target: RMSE and maximum on a dense
 * test set, L2 and refined L-infinity norms per output, and for one-input targets the same norms
 * of the first derivative. */
#ifndef UAT_FITREPORT_H
#define UAT_FITREPORT_H

#include <stdio.h>

#include "uat/mlp.h"
#include "uat/norms.h"
#include "uat/target.h"

typedef struct {
  size_t out, test_points;
  double test_rmse;                     /**< over all outputs of the test set */
  double test_max;                      /**< max |error| over the test set */
  uat_norms norms[UAT_TARGET_MAX_DIM];  /**< per output */
  int has_deriv;                        /**< one input and a known derivative */
  uat_norms dnorms[UAT_TARGET_MAX_DIM]; /**< d/dx per output */
  int status; /**< UAT_OK, or UAT_ESOLVER when a quadrature fell short (numbers kept) */
  /* truth tables (bool: targets) are judged as classifiers, not by continuous norms over the
   * unit cube: */
  int is_bool;     /**< the target is a truth table; norms[] and dnorms[] are not computed */
  size_t correct;  /**< rows (x outputs) on the right side of 0.5 */
  double accuracy; /**< correct / (rows x outputs); NaN for other targets */
  double margin;   /**< the smallest distance to 0.5 on the right side (negative: the worst
                        wrong row's distance on the wrong side); NaN for other targets */
  /* data files (data: targets) are judged on their test rows alone: */
  int is_data;    /**< norms[] and dnorms[] are not computed (there is no function) */
  size_t classes; /**< > 0: a class target: accuracy of the largest output, and ... */
  size_t confusion[UAT_TARGET_MAX_DIM][UAT_TARGET_MAX_DIM]; /**< ... [true][predicted] counts */
} uat_fit_report;

int uat_fit_report_compute(uat_mlp *m, uat_target *t, const uat_dataset *test, uat_fit_report *r,
                           uat_error *err);

/** `key = value` lines. */
void uat_fit_report_print(FILE *fp, const uat_fit_report *r, const uat_target *t);

#endif
