/* uat/lanes.h — many networks of one shape trained side by side, one per SIMD lane.
 *
 * Seeds of a sweep, or the seed post's XOR network over thousands of seeds, are the same small
 * network trained many times from different starts. Trained one at a time, a 2-2-1 network
 * leaves most of a vector unit idle; side by side, S networks share every instruction.
 * Each lane runs exactly the operations that uat_mlp_forward, uat_mlp_backward,
 * uat_optimizer_step and uat_trainer_run run for that network alone, in the same order
 * (uat/kernels.h), so every lane's result is bit-identical to training it alone
 * (tests/test_lanes.c checks it).
 *
 * Layout: parameter p of lane k sits at theta[p * stride + k]; stride is the number of lanes
 * rounded up to a multiple of 8 (the unused lanes compute on zeros and are ignored). Arrays of
 * activations are "n x m lanes": element (i, j) of lane k at [(i*m + j) * stride + k]. */
#ifndef UAT_LANES_H
#define UAT_LANES_H

#include <stddef.h>

#include "uat/data.h"
#include "uat/mlp.h"
#include "uat/optim.h"
#include "uat/train.h"

#ifdef __cplusplus
extern "C" {
#endif

/** lanes networks of one shape; fields readable, changed only through the API. */
typedef struct {
  size_t lanes;        /**< networks in use */
  size_t stride;       /**< lanes rounded up to a multiple of 8 */
  size_t n_layers;     /**< weight layers L */
  size_t *sizes;       /**< L + 1 widths */
  uat_activation *act; /**< L activations */
  size_t n_params;     /**< P per network */
  size_t *offset;      /**< per layer, as in uat_mlp */
  double *theta;       /**< P x stride */
} uat_mlp_lanes;

/** Allocate lanes (> 0) zeroed networks of the given shape (as uat_mlp_alloc). NULL on invalid
 *  sizes or out of memory. */
uat_mlp_lanes *uat_mlp_lanes_alloc(size_t lanes, size_t n_sizes, const size_t *sizes,
                                   const uat_activation *act);

/** Free; NULL is accepted. */
void uat_mlp_lanes_free(uat_mlp_lanes *l);

/** Copy network m into lane k, or lane k into m. UAT_EINVAL if the shapes differ or k is out
 *  of range. */
int uat_mlp_lanes_set(uat_mlp_lanes *l, size_t k, const uat_mlp *m);
int uat_mlp_lanes_get(const uat_mlp_lanes *l, size_t k, uat_mlp *m);

/** Forward cache and backward scratch for batches of up to max_batch rows. */
typedef struct {
  size_t max_batch, n, n_layers, stride;
  const double *x; /**< input of the last forward pass (caller's, shared by all lanes) */
  double **z, **a; /**< per layer: n x sizes[l+1] lanes */
  double *g0, *g1; /**< backward scratch */
} uat_mlp_lanes_workspace;

uat_mlp_lanes_workspace *uat_mlp_lanes_workspace_alloc(const uat_mlp_lanes *l, size_t max_batch);
void uat_mlp_lanes_workspace_free(uat_mlp_lanes_workspace *w);

/** Forward pass of n rows of x (n x in, the same input for every lane). Returns the outputs
 *  (n x out lanes, owned by w), or NULL if n is 0 or above max_batch. Allocates nothing. */
const double *uat_mlp_lanes_forward(const uat_mlp_lanes *l, uat_mlp_lanes_workspace *w, size_t n,
                                    const double *x);

/** Backward pass after a forward pass: dy (n x out lanes) in, gradients (P x stride) out.
 *  flags: those of uat_mlp_backward_flags (uat/mlp.h). */
int uat_mlp_lanes_backward(const uat_mlp_lanes *l, uat_mlp_lanes_workspace *w, const double *dy,
                           double *grad, int flags);

/** Called after every epoch with each lane's epoch loss and the outputs y (n x out lanes) of
 *  every lane at its current parameters on all n training rows (for full batches this is the
 *  next epoch's forward pass, computed once). Lanes already finished have done[k] set; setting
 *  done[k] stops lane k (reason UAT_STOP_CALLBACK), as a non-zero return of a
 *  uat_epoch_callback stops a single run. */
typedef void (*uat_lanes_callback)(size_t epoch, const double *loss, const double *y,
                                   const uat_mlp_lanes *l, unsigned char *done, void *ctx);

/** Train every lane as uat_trainer_run trains one network: optimizer op, loss, epochs,
 *  batches and target of tp (shuffling is refused: UAT_EINVAL), data d (the same for every
 *  lane). res (l->lanes entries) receives each lane's result; a lane that diverges or stops
 *  keeps the parameters it had at that moment, as a single run does. flags as in
 *  uat_mlp_lanes_backward. Returns UAT_OK, UAT_EINVAL or UAT_ENOMEM. */
int uat_lanes_train(uat_mlp_lanes *l, const uat_optimizer_params *op, const uat_train_params *tp,
                    const uat_dataset *d, int flags, uat_lanes_callback cb, void *ctx,
                    uat_train_result *res);

#ifdef __cplusplus
}
#endif
#endif
