/* uat/gradcheck.h — compare a claimed gradient with finite differences. */
#ifndef UAT_GRADCHECK_H
#define UAT_GRADCHECK_H

#include <stddef.h>

#include "uat/loss.h"
#include "uat/mlp.h"
#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A scalar function of n parameters. */
typedef double (*uat_scalar_fn)(const double *theta, void *params);

typedef enum {
  UAT_FD_CENTRAL = 0, /**< (f(x+h) - f(x-h)) / 2h: error O(h^2) */
  UAT_FD_RICHARDSON,  /**< GSL's gsl_deriv_central: 5-point rule with Richardson extrapolation
                           and its own error estimate, error O(h^4) */
  UAT_FD_FORWARD      /**< (f(x+h) - f(x)) / h: error O(h) */
} uat_fd_method;

/** Name ("central", "richardson", "forward") and parsing (UAT_OK or UAT_ENOTFOUND). */
const char *uat_fd_method_name(uat_fd_method m);
int uat_fd_method_parse(const char *name, uat_fd_method *m);

/** Tunables; get them from uat_gradcheck_default_params. */
typedef struct {
  uat_fd_method method;
  double h_rel;     /**< step h = h_rel * max(1, |theta_i|) */
  double floor;     /**< absolute floor of the denominator (see floor_rel) */
  double floor_rel; /**< components smaller than floor_rel times the largest component are
                         measured against that scale: the relative error is
                         |g - fd| / max(|g|, |fd|, floor, floor_rel * max_j |g_j|). Finite
                         differences of an O(1) function resolve about 1e-12 absolutely, so a
                         1e-6 component cannot be checked to 1e-8 of itself. */
} uat_gradcheck_params;

/** Richardson, automatic step, floor 1e-12, floor_rel 1e-2. */
uat_gradcheck_params uat_gradcheck_default_params(void);

/** The relative step p implies (h_rel, or the automatic choice). */
double uat_fd_step(const uat_gradcheck_params *p);

/** Finite-difference estimate of d f / d theta_i (theta is restored). */
double uat_fd_derivative(uat_scalar_fn f, void *params, double *theta, size_t i,
                         const uat_gradcheck_params *p);

/** The relative error of a claimed derivative g against an estimate fd, as the checks use it:
 *  |g - fd| / max(|g|, |fd|, floor). */
double uat_fd_rel_error(double g, double fd, double floor);

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

/* ---- networks ------------------------------------------------------------------------------ */

/** One group of parameters of a layer (its weights or its biases). */
typedef struct {
  size_t count; /**< parameters in the group */
  size_t worst; /**< index into theta of the worst component */
  double max_abs_err;
  double max_rel_err; /**< over the components that crossed no kink */
  size_t kinks;       /**< components whose differences crossed a ReLU kink (not judged) */
} uat_group_check;

/** Gradient check of a network, per layer. */
typedef struct {
  size_t n_layers;
  uat_group_check weights[64], biases[64];
  double max_rel_err;          /**< worst over every parameter that crossed no kink */
  size_t worst;                /**< its index into theta */
  size_t kinks;                /**< parameters not judged because of ReLU kinks */
  double jacobian_max_rel_err; /**< worst relative error of the input Jacobian (outputs with
                                    respect to inputs) over the first 8 points */
  size_t jacobian_count;       /**< entries compared */
} uat_mlp_check;

/** Check the gradient of the loss over n points (x: n x in, t: n x out) with respect to theta,
 *  and the output Jacobian with respect to the inputs, against finite differences. grad is the
 *  claimed gradient (length P); NULL checks the network's own backpropagation. A component
 *  whose finite differences move any ReLU pre-activation across zero is counted as a kink and
 *  not judged: there the derivative does not exist. m->theta is restored. Returns UAT_OK,
 *  UAT_EINVAL (more than 64 layers, sizes), UAT_ENOMEM or UAT_EDIVERGED (a non-finite loss). */
int uat_mlp_gradcheck(uat_mlp *m, size_t n, const double *x, const double *t, uat_loss loss,
                      const uat_gradcheck_params *p, const double *grad, uat_mlp_check *out,
                      uat_error *err);

#ifdef __cplusplus
}
#endif
#endif
