/* uat/memory.h — memories in a network: the Hopfield network (Hopfield 1982). P patterns of N
 * units (+1 or -1) are stored by Hebb's rule, W = (1/N) sum_mu xi^mu xi^mu^T with a zero
 * diagonal, and recalled from corrupted cues by asynchronous updates s_i <- sign(sum_j W_ij s_j)
 * until no unit changes. Capacity: recall holds up to a load P/N of about 0.138 (Amit,
 * Gutfreund & Sompolinsky 1985) and collapses beyond it. */
#ifndef UAT_MEMORY_H
#define UAT_MEMORY_H

#include <gsl/gsl_rng.h>
#include <stddef.h>

#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  size_t n;  /**< units */
  double *w; /**< n x n weights, row-major */
} uat_hopfield;

/** A network of n units with zero weights; NULL on n = 0 or out of memory. */
uat_hopfield *uat_hopfield_alloc(size_t n);
void uat_hopfield_free(uat_hopfield *h);

/** Store p patterns (p x n values +1 or -1, row-major) by Hebb's rule (replacing the weights). */
void uat_hopfield_store(uat_hopfield *h, size_t p, const signed char *patterns);

/** Run asynchronous updates on state (n values +-1) in random order (r), sweep after sweep,
 *  until a sweep changes no unit or max_sweeps have run. Returns the sweeps run. */
size_t uat_hopfield_recall(const uat_hopfield *h, signed char *state, size_t max_sweeps,
                           gsl_rng *r);

/** The overlap (1/n) sum_i a_i b_i of two states. */
double uat_hopfield_overlap(size_t n, const signed char *a, const signed char *b);

/** One point of a capacity curve. */
typedef struct {
  size_t n;            /**< units */
  size_t p;            /**< patterns stored, round(load n) */
  double load;         /**< p / n */
  size_t tested;       /**< recalls tried (at most 20 patterns per network, over the seeds) */
  size_t recalled;     /**< ... that ended with an overlap of at least 0.95 with the pattern */
  double mean_overlap; /**< the mean final overlap */
} uat_memory_point;

/** Store round(load n) random patterns in networks of n units (one per seed, seeds from seed0)
 *  and recall each of up to 20 of them from a cue with a fraction noise of its units flipped.
 *  UAT_OK, UAT_EINVAL (n or the load out of range), UAT_ENOMEM. */
int uat_hopfield_capacity(size_t n, double load, double noise, size_t seeds, unsigned long seed0,
                          uat_memory_point *out, uat_error *err);

#ifdef __cplusplus
}
#endif
#endif
