/* uat/gradcheck.h — compare a claimed gradient with finite differences. */
#ifndef UAT_GRADCHECK_H
#define UAT_GRADCHECK_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A scalar function of n parameters. */
typedef double (*uat_scalar_fn)(const double *theta, void *params);

typedef enum {
  UAT_FD_CENTRAL = 0, /**< (f(x+h) - f(x-h)) / 2h: error O(h^2) */
  UAT_FD_RICHARDSON   /**< GSL's gsl_deriv_central: 5-point rule with Richardson extrapolation
                           and its own error estimate, error O(h^4) */
} uat_fd_method;

/** Tunables; get them from uat_gradcheck_default_params. */
typedef struct {
  uat_fd_method method;
  double h_rel; /**< step h = h_rel * max(1, |theta_i|) */
  double floor; /**< components smaller than this are compared absolutely: the relative
                     error is |g - fd| / max(|g|, |fd|, floor) */
} uat_gradcheck_params;

/** Richardson, h_rel 1e-3, floor 1e-6. */
uat_gradcheck_params uat_gradcheck_default_params(void);

typedef struct {
  size_t worst;       /**< index of the component with the largest relative error */
  double max_abs_err; /**< max |g_i - fd_i| */
  double max_rel_err; /**< max relative error as defined above */
} uat_gradcheck_result;

/** Compare grad (length n) with finite differences of f at theta. theta is modified during
 *  the check and restored bit-exactly before return. fd (length n) receives the estimates
 *  when not NULL. Returns UAT_OK, or UAT_EDIVERGED if f was non-finite. */
int uat_gradcheck(uat_scalar_fn f, void *params, size_t n, double *theta, const double *grad,
                  const uat_gradcheck_params *p, double *fd, uat_gradcheck_result *res);

#ifdef __cplusplus
}
#endif
#endif
