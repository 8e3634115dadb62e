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
};

#endif
