/* uat/train.h — the training loop: full-batch, mini-batch or per-sample (online) updates of
 * a network by a first-order optimizer. */
#ifndef UAT_TRAIN_H
#define UAT_TRAIN_H

#include <gsl/gsl_rng.h>
#include <stddef.h>

#include "uat/data.h"
#include "uat/loss.h"
#include "uat/mlp.h"
#include "uat/optim.h"
#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Why training stopped: one enum for every training loop in uat (this loop, the lanes, the
 *  XOR experiments and every trainer of uat/trainers.h). */
typedef enum {
  UAT_STOP_ITER = 0,  /**< the iteration (epoch) budget was used up */
  UAT_STOP_TARGET,    /**< the loss (or RMSE) reached its target */
  UAT_STOP_DIVERGED,  /**< a loss or gradient was NaN or infinite: not a result */
  UAT_STOP_CALLBACK,  /**< the epoch callback asked to stop */
  UAT_STOP_TIME,      /**< the time budget was used up */
  UAT_STOP_PLATEAU,   /**< the RMSE improved too little over the plateau window */
  UAT_STOP_CONVERGED, /**< the method's own convergence test (step or gradient tiny) */
  UAT_STOP_COUNT
} uat_stop_reason;

/** Name: "iterations", "target", "diverged", "callback", "time", "plateau", "converged". */
const char *uat_stop_reason_name(uat_stop_reason reason);

typedef struct {
  uat_loss loss;
  size_t max_epochs;  /**< budget of passes over the data */
  size_t batch_size;  /**< 0 or >= n: full batch; 1: online; otherwise mini-batches */
  int shuffle;        /**< draw a new sample order every epoch (needs an rng) */
  double target_loss; /**< stop once the epoch loss is <= this; negative disables */
  int backward_flags; /**< uat_mlp_backward_flags' flags (0: plain backpropagation) */
} uat_train_params;

/** Whether m can be trained with loss: bce needs an identity or sigmoid output layer, ce an
 *  identity or softmax one (the losses on logits); mse and half-mse take any. */
int uat_mlp_loss_fits(const uat_mlp *m, uat_loss loss);

/** The loss of the last forward pass in w (n rows) against targets t (n x out), and its
 *  gradient into dy (n x out, may be NULL) for uat_mlp_backward_flags with the flags *flags
 *  receives: mse and half-mse on the network's outputs (flags 0); bce and ce on the output
 *  layer's pre-activations, the logits, with UAT_BACKWARD_OUTPUT_AS_IDENTITY, so that a
 *  sigmoid or softmax output and its loss are differentiated together as (p - t) / n, the
 *  numerically stable form. NaN when uat_mlp_loss_fits fails. */
double uat_mlp_loss(const uat_mlp *m, const uat_mlp_workspace *w, uat_loss loss, const double *t,
                    double *dy, int *flags);

/** MSE, 1000 epochs, full batch, no shuffling, no target. */
uat_train_params uat_train_default_params(void);

typedef struct {
  size_t epochs;          /**< epochs completed */
  double loss;            /**< loss of the last completed epoch (see uat_trainer_run) */
  uat_stop_reason reason; /**< why it stopped */
} uat_train_result;

/** Called after every epoch with the 1-based epoch number and that epoch's loss; a non-zero
 *  return stops training with UAT_STOP_CALLBACK. */
typedef int (*uat_epoch_callback)(size_t epoch, double loss, const uat_mlp *m, void *ctx);

typedef struct uat_trainer uat_trainer;

/** Allocate every buffer a run needs for network m on n_samples samples, so that the loop
 *  itself allocates nothing. NULL on invalid parameters or out of memory. */
uat_trainer *uat_trainer_alloc(const uat_mlp *m, const uat_train_params *p, size_t n_samples);

/** Free; NULL is accepted. */
void uat_trainer_free(uat_trainer *t);

/** One epoch (one pass over d, reshuffled first when shuffling) of uat_trainer_run; *loss
 *  receives its loss. Returns UAT_OK, UAT_EINVAL (shapes do not match), or UAT_EDIVERGED (a
 *  loss or gradient became non-finite; *loss is NaN). */
int uat_trainer_epoch(uat_trainer *t, uat_mlp *m, uat_optimizer *o, const uat_dataset *d,
                      gsl_rng *r, double *loss);

/** Train m on d with optimizer o. The epoch loss is the sample-weighted mean of the batch
 *  losses, each measured before that batch's update (for full batch: the loss at the start
 *  of the epoch, as in the usual PyTorch loop). r is used only when shuffling.
 *  Returns UAT_OK, UAT_EINVAL (shapes do not match), or UAT_EDIVERGED when a loss or
 *  gradient became non-finite: theta then holds the last finite parameters' successor and
 *  must not be reported as a result. res is filled in every case. */
int uat_trainer_run(uat_trainer *t, uat_mlp *m, uat_optimizer *o, const uat_dataset *d, gsl_rng *r,
                    uat_epoch_callback cb, void *ctx, uat_train_result *res);

#ifdef __cplusplus
}
#endif
#endif
