/* uat/sweep.h — sweeps: the cross product of an experiment's targets, depths, activations,
 * trainers, widths and seeds, run into a results folder (docs/experiments.md):
 *
 *   runs.csv       one row per finished run, rewritten atomically after every run
 *   models/        every trained network (run_NNNNN.txt)
 *   experiment.ini the experiment file the folder was made from
 *   summary.md, summary.tex, scaling.csv, plots, meta.json   written by uat_sweep_finish
 *
 * The steps are separate so that any front end can drive them: plan (uat_sweep_open: the runs,
 * their ids and groups), run (one cell of seeds, or one run), record (a row into runs.csv),
 * resume (read the recorded rows back), merge (rows recorded elsewhere, e.g. by other MPI
 * ranks or machines), finish (tables, fits, plots, meta.json). uat_sweep_execute strings them
 * together with a pool of worker processes, as `uat sweep --jobs N` does.
 *
 * Runs are numbered 0 ... n-1 with seeds varying fastest, then widths, trainers, activations,
 * depths, targets (uat_experiment_index). A cell is the seeds of one (target, depth,
 * activation, trainer, width): cell c holds runs c*seeds ... c*seeds + seeds - 1. A group is
 * one (target, depth, activation, trainer): the rows of one scaling fit. */
#ifndef UAT_SWEEP_H
#define UAT_SWEEP_H

#include <signal.h>
#include <stddef.h>

#include "uat/experiment.h"
#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One row of runs.csv: what one run left. Rows of runs that are not done are all zero. */
typedef struct {
  int done;
  char status[16]; /**< ok, diverged, error */
  char stop[16];   /**< why training stopped (uat_stop_reason_name) */
  size_t params, iterations, evaluations;
  double train_rmse, test_rmse, test_max, l2_rel, linf, linf_rel, deriv_l2_rel;
  double rollout_error, rollout_drift;
  double accuracy, margin; /**< truth-table targets: the classifier's figures (else NaN) */
  double seconds;
  char message[160]; /**< why a run is an error, or a warning (a model file not written); not
                          part of runs.csv */
} uat_sweep_row;

/** The header line of runs.csv (24 columns; the first 7 name the run). */
extern const char uat_sweep_csv_header[];

typedef struct uat_sweep uat_sweep;

/** Open the results folder dir for experiment e, read from the file experiment_path (its copy
 *  is kept in the folder as experiment.ini). Without resume the folder must not hold a
 *  runs.csv yet; it is created with its models/ folder. With resume, the folder's
 *  experiment.ini must equal the file (or the rows of two experiments would mix), temporary
 *  files of a killed sweep are removed and the recorded rows are read back (uat_sweep_resume).
 *  e is copied. Returns UAT_OK, or UAT_EIO / UAT_EFORMAT / UAT_EINVAL / UAT_ENOMEM with a
 *  message naming the file (and line) in err; *s is then NULL. */
int uat_sweep_open(const uat_experiment *e, const char *experiment_path, const char *dir,
                   int resume, uat_sweep **s, uat_error *err);
void uat_sweep_free(uat_sweep *s);

/** The experiment and the folder. */
const uat_experiment *uat_sweep_experiment(const uat_sweep *s);
const char *uat_sweep_dir(const uat_sweep *s);

/** Runs in the sweep, cells (seeds of one width in one group), groups. */
size_t uat_sweep_runs(const uat_sweep *s);
size_t uat_sweep_cells(const uat_sweep *s);
size_t uat_sweep_groups(const uat_sweep *s);

/** The row of run i (done = 0 while it has not run). */
const uat_sweep_row *uat_sweep_row_get(const uat_sweep *s, size_t i);

/** Runs done so far. */
size_t uat_sweep_done(const uat_sweep *s);

/** The run id of run i, the first seven columns of its runs.csv row:
 *  "i,target,width,depth,activation,trainer,seed". */
void uat_sweep_run_id(const uat_sweep *s, size_t i, char *buf, size_t len);

/** Group g's coordinates (indices into the experiment's lists) and its name
 *  TARGET_dDEPTH_ACT_TRAINER (the plots' file names). */
typedef struct {
  size_t target, depth, act, trainer;
} uat_sweep_group;
uat_sweep_group uat_sweep_group_get(const uat_sweep *s, size_t g);
void uat_sweep_group_name(const uat_sweep *s, size_t g, char *buf, size_t len);

/** The runs of cell c not done yet, into idx (room for the experiment's seeds); returns how
 *  many. */
size_t uat_sweep_pending(const uat_sweep *s, size_t c, size_t *idx);

/** The predicted cost of cell c's pending runs in seconds: seeds x parameters x points x
 *  iteration budget (x parameters again for lm and varpro, whose iterations factor a Jacobian),
 *  scaled by the seconds per unit of the runs of the same trainer already finished (of any
 *  trainer while none has; 1 before any has). 0 when the cell is done. */
double uat_sweep_cost(const uat_sweep *s, size_t c);

/** The cells with pending runs, the longest predicted first (plan order among equals), into
 *  cells (room for uat_sweep_cells); returns how many. What uat_sweep_execute hands out. */
size_t uat_sweep_schedule(const uat_sweep *s, size_t *cells);

/** A plan of experiment e over the folder dir without opening it (nothing created, checked or
 *  read): for processes that only run cells while another records them (MPI ranks). */
int uat_sweep_attach(const uat_experiment *e, const char *experiment_path, const char *dir,
                     uat_sweep **s, uat_error *err);

/** The bytes a run may need before it is refused (uat_run_memory); 0 (the default): no
 *  budget. */
void uat_sweep_set_max_memory(uat_sweep *s, size_t bytes);

/** Run the runs idx[0..k) — seeds of one cell — side by side where the trainer allows
 *  (uat_run_seeds: the same results as one by one); rows[j] receives run idx[j]'s row and its
 *  model is saved in models/. Nothing is recorded: that is uat_sweep_record's. A run that
 *  fails has status "error" or "diverged" in its row and the reason in message. Returns UAT_OK
 *  or UAT_ENOMEM. */
int uat_sweep_run_cell(const uat_sweep *s, const size_t *idx, size_t k, uat_sweep_row *rows);

/** Run one run (uat_sweep_run_cell with k = 1). */
int uat_sweep_run_one(const uat_sweep *s, size_t i, uat_sweep_row *row);

/** Record the row of run i and rewrite runs.csv atomically (every done row, in run order).
 *  UAT_OK, UAT_EINVAL (i out of range), or UAT_EIO with a message. */
int uat_sweep_record(uat_sweep *s, size_t i, const uat_sweep_row *row, uat_error *err);

/** Read the rows of a runs.csv at path into s (rows already done are replaced), checking that
 *  each row is a run of this experiment: a run number in range and the same run id. runs.csv
 *  itself is not rewritten. Returns UAT_OK (a missing file reads as no rows when
 *  missing_ok), or UAT_EFORMAT with "path:line:column: expected ..." in err, or UAT_EIO. */
int uat_sweep_read_rows(uat_sweep *s, const char *path, int missing_ok, uat_error *err);

/** Resume: read back the folder's own runs.csv (done by uat_sweep_open with resume). */
int uat_sweep_resume(uat_sweep *s, uat_error *err);

/** Merge: the rows of another runs.csv of the same experiment (another process's, rank's or
 *  machine's share), then rewrite runs.csv. Returns what uat_sweep_read_rows returns, or the
 *  error of the rewrite. */
int uat_sweep_merge(uat_sweep *s, const char *path, uat_error *err);

/** After each recorded run uat_sweep_execute calls this (done runs so far of total; row is
 *  run i's, whose message may say why it failed). */
typedef void (*uat_sweep_progress_fn)(void *ctx, size_t i, const uat_sweep_row *row, size_t done,
                                      size_t total);

typedef struct {
  size_t jobs;                    /**< worker processes (fork); 0 or 1: in this process */
  uat_sweep_progress_fn progress; /**< may be NULL */
  void *ctx;
  /** polled between runs; when it becomes nonzero (a signal handler sets it) the sweep stops
   *  after recording the runs in hand and returns UAT_EINVAL with err saying so. May be NULL. */
  const volatile sig_atomic_t *stop;
} uat_sweep_exec_params;

/** Run every pending run, cell by cell, recording each row as it comes (so that a sweep
 *  stopped at any point resumes with nothing lost). With jobs > 1 the cells are split
 *  round-robin over worker processes; the calling process alone writes runs.csv, and runs a
 *  worker did not report (it crashed) are run again here. Results do not depend on jobs.
 *  Returns UAT_OK, UAT_EIO (runs.csv could not be written), UAT_EINVAL (stopped). */
int uat_sweep_execute(uat_sweep *s, const uat_sweep_exec_params *p, uat_error *err);

/** What meta.json records besides what the library knows itself (uat, GSL, SUNDIALS versions,
 *  the git commit and compiler uat was built with, kernels, CPU, the experiment file's
 *  SHA-256). Both may be NULL. */
typedef struct {
  const char *command_line; /**< how the sweep was started */
  double seconds;           /**< wall time of this session's runs */
  int ranks;                /**< MPI ranks (0: not under MPI) */
} uat_sweep_provenance;

/** Write summary.md, summary.tex, scaling.csv, the scaling and rollout plots and meta.json
 *  from the rows (all runs should be done; missing ones count as not ok). Plots need gnuplot:
 *  without it they are skipped and warn (if not NULL) says so with status UAT_ENOTFOUND; the
 *  function still returns UAT_OK. Returns UAT_OK or UAT_EIO / UAT_ENOMEM with err set. */
int uat_sweep_finish(uat_sweep *s, const uat_sweep_provenance *p, uat_error *warn, uat_error *err);

/** An experiment file run start to finish in this process, as `uat sweep` without MPI: open the
 *  folder dir (NULL: results/NAME; resume continues its runs.csv), execute with jobs worker
 *  processes, finish (summary, scaling, plots, meta.json recording command_line). *n_runs and
 *  *n_bad (may be NULL) receive the runs and those not ok. */
int uat_sweep_run_file(const char *ini, const char *dir, int resume, size_t jobs,
                       const char *command_line, size_t *n_runs, size_t *n_bad, uat_error *err);

#ifdef __cplusplus
}
#endif
#endif
