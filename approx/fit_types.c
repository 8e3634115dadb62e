/* fit_types.c — the trainer table. A new trainer is a file defining its uat_fit_type and one row
 * here; uat fit --trainer, experiment files' `trainers =` and --list-trainers find it by name. */
#include "fit_internal.h"

static const uat_fit_type *const types[] = {
    &uat_fit_type_adam, &uat_fit_type_sgd,   &uat_fit_type_rprop,  &uat_fit_type_lbfgs,
    &uat_fit_type_bfgs, &uat_fit_type_lm,    &uat_fit_type_varpro, &uat_fit_type_perceptron,
    &uat_fit_type_lms,  &uat_fit_type_cmaes, &uat_fit_type_ga,
};

size_t uat_fit_kind_count(void) { return sizeof types / sizeof types[0]; }

const uat_fit_type *uat_fit_type_get(uat_fit_kind k) {
  return ((int)k >= 0 && (size_t)k < uat_fit_kind_count()) ? types[k] : NULL;
}
