/* sweep_internal.h — the sweep object, shared by sweep.c, sweep_exec.c and sweep_finish.c. */
#ifndef UAT_SWEEP_INTERNAL_H
#define UAT_SWEEP_INTERNAL_H

#include "uat/sweep.h"

struct uat_sweep {
  uat_experiment e;
  size_t n;            /* runs */
  uat_sweep_row *rows; /* n */
  size_t max_memory;   /* per run; 0: none */
  char dir[4096];      /* the results folder */
  char experiment_path[4096];
  size_t in[UAT_EXP_MAX_TARGETS], out[UAT_EXP_MAX_TARGETS], points[UAT_EXP_MAX_TARGETS];
  int ranks;   /* MPI ranks that ran it (0: none), for meta.json */
  size_t jobs; /* worker processes of the last execute */
};

/* The targets' widths and training points, for the cost model (sweep_cost.c). */
int uat_sweep_plan_costs(uat_sweep *s, uat_error *err);

#endif
