/* uat/cmaes.h — CMA-ES, the covariance matrix adaptation evolution strategy (Hansen), for any
 * function of n variables without gradients: (mu/mu_w, lambda) selection, cumulative step-size
 * adaptation, rank-one and rank-mu covariance updates, IPOP restarts with a doubled population,
 * and the separable (diagonal) variant above full_max variables. The trainer `cmaes`
 * (uat/trainers.h) runs it on a network's loss. */
#ifndef UAT_CMAES_H
#define UAT_CMAES_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  double sigma0;       /**< initial step size (0.5) */
  size_t lambda;       /**< population; 0: 4 + floor(3 ln n) (Hansen's default) */
  size_t full_max;     /**< above this many variables C is diagonal (sep-CMA-ES) (200) */
  size_t max_restarts; /**< IPOP restarts, each doubling the population (9, at most 20) */
  double tolfun;       /**< restart when the recent best values and the generation's values
                            vary by less than this (1e-12) ... */
  double tolx;         /**< ... or the largest step sigma max(D) falls below this (1e-12) */
} uat_cmaes_params;

/** The defaults above. */
uat_cmaes_params uat_cmaes_default_params(void);

/** The function to minimise; a non-finite value ranks its candidate last. */
typedef double (*uat_cmaes_fn)(const double *x, void *ctx);

typedef struct uat_cmaes uat_cmaes;

/** A minimiser of n variables, its random numbers from seed; NULL on bad parameters or out of
 *  memory. */
uat_cmaes *uat_cmaes_alloc(size_t n, const uat_cmaes_params *p, unsigned long seed);
void uat_cmaes_free(uat_cmaes *s);

/** Start (or start again) from the mean x0. */
void uat_cmaes_set(uat_cmaes *s, uat_cmaes_fn fn, void *ctx, const double *x0);

/** One generation (lambda evaluations), then a restart when its tests say so. UAT_OK, or
 *  UAT_EDIVERGED (the step size or the decomposition of C broke down). */
int uat_cmaes_iterate(uat_cmaes *s);

const double *uat_cmaes_best(const uat_cmaes *s); /**< the best point evaluated so far */
double uat_cmaes_best_f(const uat_cmaes *s);      /**< its value */
size_t uat_cmaes_evaluations(const uat_cmaes *s);
double uat_cmaes_mean_f(const uat_cmaes *s); /**< the last generation's mean (finite values) */
size_t uat_cmaes_restarts(const uat_cmaes *s);
size_t uat_cmaes_lambda(const uat_cmaes *s); /**< the current population */
double uat_cmaes_sigma(const uat_cmaes *s);  /**< the current step size */

#ifdef __cplusplus
}
#endif
#endif
