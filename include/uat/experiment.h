/* experiment.h — experiment files (INI, read with libinih): the targets and the lists whose
 * cross product `uat sweep` runs. Format in docs/experiments.md. */
#ifndef UAT_EXPERIMENT_H
#define UAT_EXPERIMENT_H

#include "uat/run.h"

enum { UAT_EXP_MAX_TARGETS = 16, UAT_EXP_MAX_LIST = 64, UAT_EXP_MAX_SEEDS = 10000 };

typedef struct {
  char name[32];
  char spec[256];
  char domain[256];
  size_t train;
  uat_points points;
  int rollout; /**< integrate the learned field (field targets) */
  double rollout_t0, rollout_t1;
  size_t rollout_n;
} uat_exp_target;

typedef struct {
  char name[64];
  char description[512];
  uat_exp_target targets[UAT_EXP_MAX_TARGETS];
  size_t n_targets;
  size_t widths[UAT_EXP_MAX_LIST], n_widths;
  size_t depths[UAT_EXP_MAX_LIST], n_depths;
  uat_activation acts[UAT_EXP_MAX_LIST];
  size_t n_acts;
  uat_fit_kind trainers[UAT_EXP_MAX_LIST];
  size_t n_trainers;
  unsigned long seeds[UAT_EXP_MAX_SEEDS];
  size_t n_seeds;
  uat_fit_params fit; /**< budgets shared by every run (trainer set per run) */
  int max_iter_set;
  size_t test;
  int raw;
} uat_experiment;

/** Read an experiment file. Errors: `path:line: what was expected` (UAT_EFORMAT), or a missing
 *  section/key after reading (`path: expected ...`). Nothing is run. */
int uat_experiment_load(const char *path, uat_experiment *e, uat_error *err);

/** Number of runs in the cross product. */
size_t uat_experiment_runs(const uat_experiment *e);

/** The coordinates of run i: targets x depths x activations x trainers x widths x seeds (seeds
 *  vary fastest). */
typedef struct {
  size_t target, depth, act, trainer, width, seed;
} uat_run_index;

void uat_experiment_index(const uat_experiment *e, size_t i, uat_run_index *ix);

/** The run specification of run i. */
void uat_experiment_spec(const uat_experiment *e, size_t i, uat_run_spec *s);

#endif
