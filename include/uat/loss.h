/* uat/loss.h — losses over a batch of outputs, with their gradients. */
#ifndef UAT_LOSS_H
#define UAT_LOSS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  UAT_LOSS_MSE = 0,  /**< mean over all n*k entries of (y - t)^2 (PyTorch's MSELoss) */
  UAT_LOSS_HALF_MSE, /**< mean over all entries of (y - t)^2 / 2: the gradient is y - t */
  UAT_LOSS_BCE,      /**< binary cross-entropy on logits y, targets t in [0, 1], mean */
  UAT_LOSS_COUNT
} uat_loss;

/** Name ("mse", "half-mse", "bce"). */
const char *uat_loss_name(uat_loss loss);

/** Parse a loss name. Returns UAT_OK or UAT_ENOTFOUND. */
int uat_loss_parse(const char *name, uat_loss *loss);

/** Loss of outputs y against targets t, both n*k values. When dy is not NULL it receives
 *  the gradient of the loss with respect to each y. The cross-entropy on logits is
 *  evaluated as max(y,0) - y t + log1p(exp(-|y|)), exact and without overflow for any
 *  finite y. */
double uat_loss_eval(uat_loss loss, size_t count, const double *y, const double *t, double *dy);

#ifdef __cplusplus
}
#endif
#endif
