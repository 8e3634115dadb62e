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
  UAT_LOSS_CE,       /**< cross-entropy of softmax(y) over each row of logits y against the
                          row's target distribution t (one-hot classes), mean over rows
                          (PyTorch's CrossEntropyLoss) */
  UAT_LOSS_COUNT
} uat_loss;

/** Name ("mse", "half-mse", "bce", "ce"). */
const char *uat_loss_name(uat_loss loss);

/** Parse a loss name. Returns UAT_OK or UAT_ENOTFOUND. */
int uat_loss_parse(const char *name, uat_loss *loss);

/** Loss of outputs y against targets t, both n*k values. When dy is not NULL it receives
 *  the gradient of the loss with respect to each y. The cross-entropy on logits is
 *  evaluated as max(y,0) - y t + log1p(exp(-|y|)), exact and without overflow for any
 *  finite y. */
double uat_loss_eval(uat_loss loss, size_t count, const double *y, const double *t, double *dy);

/** The loss of n rows of k outputs: for UAT_LOSS_CE row by row, sum_j t_j (lse(y) - y_j) with
 *  lse(y) = max(y) + log(sum_j exp(y_j - max(y))), exact for any finite logits, averaged over
 *  the n rows, gradient (softmax(y)_j sum_i t_i - t_j) / n; for every other loss exactly
 *  uat_loss_eval over the n*k values. (uat_loss_eval with UAT_LOSS_CE takes its values as one
 *  row.) */
double uat_loss_eval_rows(uat_loss loss, size_t n, size_t k, const double *y, const double *t,
                          double *dy);

/** Whether a loss is computed on logits (bce, ce): networks trained with it end in an identity
 *  layer, or in the matching sigmoid (bce) or softmax (ce) layer, whose input is then taken as
 *  the logits (uat_mlp_loss). */
int uat_loss_on_logits(uat_loss loss);

#ifdef __cplusplus
}
#endif
#endif
