/* sweep_exec.c — every pending run of a sweep, in this process or in a pool of worker
 * processes (uat_sweep_execute). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sweep_internal.h"

enum { MAX_JOBS = 64 };

static int stopped(const uat_sweep_exec_params *p) { return p->stop != NULL && *p->stop != 0; }

/* Record a finished run and report it. */
static int record(uat_sweep *s, size_t i, const uat_sweep_row *row, const uat_sweep_exec_params *p,
                  size_t *done, uat_error *err) {
  const int rc = uat_sweep_record(s, i, row, err);
  if (rc != UAT_OK) return rc;
  ++*done;
  if (p->progress) p->progress(p->ctx, i, row, *done, s->n);
  return UAT_OK;
}

/* One finished run, as a worker sends it (one write(): the parent reads whole messages). */
typedef struct {
  size_t i;
  uat_sweep_row row;
} run_msg;

/* A worker: reads a cell number from in, runs the cell, sends its rows on out followed by a
 * done message (i = SIZE_MAX), and waits for the next; SIZE_MAX (or a closed pipe) ends it. */
static void worker(const uat_sweep *s, int in, int out) {
#ifdef __linux__
  /* a worker must not outlive a killed sweep: a resumed sweep would race with it */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) _exit(1);
#endif
  signal(SIGINT, SIG_DFL); /* a worker stops at once; its run in hand is simply not reported */
  signal(SIGTERM, SIG_DFL);
  const size_t seeds = s->e.n_seeds;
  size_t *idx = malloc(seeds * sizeof *idx), c;
  uat_sweep_row *rows = malloc(seeds * sizeof *rows);
  if (idx == NULL || rows == NULL) _exit(1);
  while (read(in, &c, sizeof c) == (ssize_t)sizeof c && c != SIZE_MAX) {
    const size_t pending = uat_sweep_pending(s, c, idx);
    if (pending > 0 && uat_sweep_run_cell(s, idx, pending, rows) != UAT_OK) _exit(1);
    run_msg m;
    for (size_t j = 0; j <= pending; j++) {
      memset(&m, 0, sizeof m);
      m.i = j < pending ? idx[j] : SIZE_MAX;
      if (j < pending) m.row = rows[j];
      if (write(out, &m, sizeof m) != (ssize_t)sizeof m) _exit(1);
    }
  }
  _exit(0);
}

typedef struct {
  int from, to; /* the worker's pipe ends: rows from it, cells to it */
  pid_t pid;
} worker_t;

/* Start the workers; returns how many started. */
static size_t start_workers(const uat_sweep *s, size_t jobs, worker_t *w) {
  size_t started = 0;
  fflush(stdout);
  fflush(stderr);
  for (size_t k = 0; k < jobs; k++) {
    int up[2], down[2];
    if (pipe(up) != 0) break;
    if (pipe(down) != 0) {
      close(up[0]);
      close(up[1]);
      break;
    }
    const pid_t pid = fork();
    if (pid < 0) {
      close(up[0]);
      close(up[1]);
      close(down[0]);
      close(down[1]);
      break;
    }
    if (pid == 0) {
      close(up[0]);
      close(down[1]);
      for (size_t j = 0; j < started; j++) {
        close(w[j].from);
        close(w[j].to);
      }
      worker(s, down[0], up[1]);
    }
    close(up[1]);
    close(down[0]);
    w[started].from = up[0];
    w[started].to = down[1];
    w[started++].pid = pid;
  }
  return started;
}

/* The next cell to hand out: the longest predicted of those not handed out yet (the schedule
 * is recomputed each time, so the cost model learns from the runs already finished); SIZE_MAX
 * when none is left. */
static size_t next_cell(const uat_sweep *s, unsigned char *given, size_t *cells) {
  const size_t n = uat_sweep_schedule(s, cells);
  for (size_t k = 0; k < n; k++)
    if (!given[cells[k]]) {
      given[cells[k]] = 1;
      return cells[k];
    }
  return SIZE_MAX;
}

static void hand_out(worker_t *w, size_t cell) {
  if (w->to >= 0 && write(w->to, &cell, sizeof cell) != (ssize_t)sizeof cell) {
    close(w->to);
    w->to = -1;
  }
}

/* Collect rows and hand out cells until every worker has closed its pipe (or a stop, or a
 * write error). */
static int collect(uat_sweep *s, worker_t *w, size_t started, const uat_sweep_exec_params *p,
                   size_t *done, unsigned char *given, size_t *cells, uat_error *err) {
  int rc = UAT_OK;
  size_t open_fds = started;
  for (size_t j = 0; j < started; j++) hand_out(&w[j], next_cell(s, given, cells));
  while (open_fds > 0 && rc == UAT_OK && !stopped(p)) {
    fd_set set;
    FD_ZERO(&set);
    int maxfd = -1;
    for (size_t j = 0; j < started; j++)
      if (w[j].from >= 0) {
        FD_SET(w[j].from, &set);
        if (w[j].from > maxfd) maxfd = w[j].from;
      }
    if (select(maxfd + 1, &set, NULL, NULL, NULL) < 0) break; /* a signal: checked above */
    for (size_t j = 0; j < started && rc == UAT_OK; j++) {
      if (w[j].from < 0 || !FD_ISSET(w[j].from, &set)) continue;
      run_msg m;
      const ssize_t got = read(w[j].from, &m, sizeof m);
      if (got == (ssize_t)sizeof m && m.i == SIZE_MAX) {
        hand_out(&w[j], next_cell(s, given, cells)); /* SIZE_MAX ends the worker */
      } else if (got == (ssize_t)sizeof m && m.i < s->n) {
        rc = record(s, m.i, &m.row, p, done, err);
      } else {
        close(w[j].from);
        w[j].from = -1;
        open_fds--;
      }
    }
  }
  return rc;
}

static int run_parallel(uat_sweep *s, size_t jobs, const uat_sweep_exec_params *p, size_t *done,
                        uat_error *err) {
  worker_t w[MAX_JOBS];
  unsigned char *given = calloc(uat_sweep_cells(s), 1);
  size_t *cells = malloc(uat_sweep_cells(s) * sizeof *cells);
  if (given == NULL || cells == NULL) {
    free(given);
    free(cells);
    return uat_error_set(err, UAT_ENOMEM, "sweep: out of memory");
  }
  const size_t started = start_workers(s, jobs, w);
  const int rc = collect(s, w, started, p, done, given, cells, err);
  for (size_t j = 0; j < started; j++) {
    if (w[j].from >= 0) close(w[j].from);
    if (w[j].to >= 0) close(w[j].to);
    if (stopped(p) || rc != UAT_OK) kill(w[j].pid, SIGKILL);
    waitpid(w[j].pid, NULL, 0);
  }
  free(given);
  free(cells);
  return rc;
}

int uat_sweep_execute(uat_sweep *s, const uat_sweep_exec_params *p, uat_error *err) {
  const uat_sweep_exec_params none = {0, NULL, NULL, NULL};
  if (p == NULL) p = &none;
  size_t done = uat_sweep_done(s), jobs = p->jobs;
  const size_t pending = s->n - done;
  if (jobs > pending) jobs = pending;
  if (jobs > MAX_JOBS) jobs = MAX_JOBS;
  int rc = UAT_OK;
  if (jobs > 1) rc = run_parallel(s, jobs, p, &done, err);
  const size_t seeds = s->e.n_seeds;
  size_t *idx = malloc(seeds * sizeof *idx);
  uat_sweep_row *out = malloc(seeds * sizeof *out);
  if (idx == NULL || out == NULL) {
    free(idx);
    free(out);
    return uat_error_set(err, UAT_ENOMEM, "sweep: out of memory");
  }
  /* what is left, longest first: everything (one job), or the runs of a worker that died */
  size_t *order = malloc((uat_sweep_cells(s) ? uat_sweep_cells(s) : 1) * sizeof *order);
  const size_t n_order = order ? uat_sweep_schedule(s, order) : 0;
  for (size_t q = 0; q < n_order && rc == UAT_OK && !stopped(p); q++) {
    const size_t c = order[q];
    const size_t k = uat_sweep_pending(s, c, idx);
    if (k == 0) continue;
    rc = uat_sweep_run_cell(s, idx, k, out);
    if (rc != UAT_OK) rc = uat_error_set(err, rc, "sweep: out of memory");
    for (size_t j = 0; j < k && rc == UAT_OK; j++) rc = record(s, idx[j], &out[j], p, &done, err);
  }
  free(idx);
  free(out);
  free(order);
  if (rc == UAT_OK && order == NULL) rc = uat_error_set(err, UAT_ENOMEM, "sweep: out of memory");
  if (rc == UAT_OK && stopped(p))
    rc = uat_error_set(err, UAT_EINVAL, "sweep: stopped after %zu of %zu runs", done, s->n);
  return rc;
}
