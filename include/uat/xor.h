/* xor.h — the seed post's XOR experiments: three training set-ups of a tiny network on the
 * four XOR points, run over many seeds to measure how often each one fails. */
#ifndef UAT_XOR_H
#define UAT_XOR_H

#include <stddef.h>

#include "uat/init.h"
#include "uat/loss.h"
#include "uat/mlp.h"
#include "uat/optim.h"
#include "uat/trainers.h"

/** One training set-up. hidden == 0 means no hidden layer (a single neuron). */
typedef struct {
  const char *name;
  size_t hidden;
  uat_activation hidden_act;
  uat_activation out_act;
  uat_init_spec init;
  uat_loss
      loss; /**< with UAT_LOSS_BCE the output is a logit; reported outputs are sigmoid(logit) */
  uat_optimizer_params opt;
  size_t epochs;
  size_t batch_size; /**< 0: full batch (4 samples); 1: per-sample updates in fixed order */
  int post_gradient; /**< take the output activation's derivative as 1, as the seed post's
                          hand-written backpropagation does (`grad_2 = 1`) */
  int output_first;  /**< per sample, update the output layer first and compute the hidden
                          layer's delta from the *updated* output weights, as the seed post's
                          NumPy loop does; 0: every layer's gradient from the same weights
                          (backpropagation). Needs one hidden layer, one output, batch_size 1
                          and plain SGD. */
  int trainer;       /**< -1 (every built-in configuration): train with opt as above; otherwise
                          a trainer of the table (uat_fit_kind: UAT_FIT_CMAES, UAT_FIT_GA, ...)
                          for `epochs` iterations (generations) on the full batch with `loss`,
                          the configuration's network and initialisation */
  const uat_fit_tuning *tune; /**< that trainer's tuning values; NULL: its defaults */
} uat_xor_config;

/** Names of the built-in configurations, NULL-terminated: "torch", "numpy", "numpy-post",
 *  "numpy-sync", "numpy-post-sync", "keras". The numpy configurations follow the post's loop
 *  (output layer updated first); the -sync variants compute every gradient from the same
 *  weights instead, as backpropagation does. */
extern const char *const uat_xor_config_names[];

/** The built-in configuration of that name; UAT_ENOTFOUND if there is none. */
int uat_xor_config_get(const char *name, uat_xor_config *c);

/** The outcome of one seed. An epoch count of 0 means the criterion was never met. */
typedef struct {
  unsigned long seed;
  int diverged;         /**< a loss or gradient became non-finite; outputs are then NaN */
  size_t epochs_run;    /**< epochs completed */
  double loss;          /**< loss of the last epoch */
  double out[4];        /**< final outputs for (0,0), (0,1), (1,0), (1,1) */
  int solved;           /**< at the end every output is on the right side of 0.5 */
  int strict;           /**< at the end every output is within 0.1 of its target */
  size_t epochs_solved; /**< first epoch after which the outputs were all on the right side */
  size_t epochs_strict; /**< first epoch after which the outputs were all within 0.1 */
} uat_xor_run;

/** Train configuration c from seed and fill r. Returns UAT_OK (also for a diverged run,
 *  which is recorded in r) or UAT_ENOMEM / UAT_EINVAL. When trained is not NULL and the run
 *  did not diverge, *trained receives the trained network (the caller frees it); otherwise
 *  *trained is NULL. */
int uat_xor_run_seed(const uat_xor_config *c, unsigned long seed, uat_xor_run *r,
                     uat_mlp **trained);

/** Train configuration c from seeds seed0, seed0 + 1, ..., seed0 + n - 1 into runs[0..n), many
 *  seeds side by side in SIMD lanes (uat/lanes.h): the same runs, bit for bit, as n calls of
 *  uat_xor_run_seed, several times faster. Returns UAT_OK or UAT_ENOMEM / UAT_EINVAL. */
int uat_xor_run_seeds(const uat_xor_config *c, unsigned long seed0, size_t n, uat_xor_run *runs);

/** Summary over seeds. */
typedef struct {
  size_t runs, solved, strict, diverged;
  double median_epochs_solved; /**< over runs solved at the end; NaN when there are none */
  double median_epochs_strict; /**< over runs strictly solved at the end; NaN when none */
} uat_xor_summary;

/** Summarise n runs. scratch must hold n doubles. */
void uat_xor_summarise(const uat_xor_run *runs, size_t n, double *scratch, uat_xor_summary *s);

#endif
