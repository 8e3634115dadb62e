/* sweep_exec.c — every pending run of a sweep, in this process or in a pool of worker
 * processes (uat_sweep_execute). */
#define _GNU_SOURCE
#include <signal.h>
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

/* A worker: the pending cells c with (k-th pending cell) % jobs == w, each row sent on fd. */
static void worker(const uat_sweep *s, size_t w, size_t jobs, int fd) {
#ifdef __linux__
  /* a worker must not outlive a killed sweep: a resumed sweep would race with it */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) _exit(1);
#endif
  signal(SIGINT, SIG_DFL); /* a worker stops at once; its run in hand is simply not reported */
  signal(SIGTERM, SIG_DFL);
  const size_t seeds = s->e.n_seeds;
  size_t k = 0, *idx = malloc(seeds * sizeof *idx);
  uat_sweep_row *out = malloc(seeds * sizeof *out);
  if (idx == NULL || out == NULL) _exit(1);
  for (size_t c = 0; c < uat_sweep_cells(s); c++) {
    const size_t pending = uat_sweep_pending(s, c, idx);
    if (pending == 0 || k++ % jobs != w) continue;
    if (uat_sweep_run_cell(s, idx, pending, out) != UAT_OK) _exit(1);
    for (size_t j = 0; j < pending; j++) {
      run_msg m;
      memset(&m, 0, sizeof m);
      m.i = idx[j];
      m.row = out[j];
      if (write(fd, &m, sizeof m) != (ssize_t)sizeof m) _exit(1);
    }
  }
  _exit(0);
}

/* Start the workers; returns how many started (their pipes' read ends in fds). */
static size_t start_workers(const uat_sweep *s, size_t jobs, int *fds, pid_t *pids) {
  size_t started = 0;
  fflush(stdout);
  fflush(stderr);
  for (size_t w = 0; w < jobs; w++) {
    int p[2];
    if (pipe(p) != 0) break;
    const pid_t pid = fork();
    if (pid < 0) {
      close(p[0]);
      close(p[1]);
      break;
    }
    if (pid == 0) {
      close(p[0]);
      for (size_t j = 0; j < started; j++) close(fds[j]);
      worker(s, w, jobs, p[1]);
    }
    close(p[1]);
    fds[started] = p[0];
    pids[started++] = pid;
  }
  return started;
}

/* Collect the workers' rows until every pipe is closed (or a stop, or a write error). */
static int collect(uat_sweep *s, int *fds, size_t started, const uat_sweep_exec_params *p,
                   size_t *done, uat_error *err) {
  int rc = UAT_OK;
  size_t open_fds = started;
  while (open_fds > 0 && rc == UAT_OK && !stopped(p)) {
    fd_set set;
    FD_ZERO(&set);
    int maxfd = -1;
    for (size_t j = 0; j < started; j++)
      if (fds[j] >= 0) {
        FD_SET(fds[j], &set);
        if (fds[j] > maxfd) maxfd = fds[j];
      }
    if (select(maxfd + 1, &set, NULL, NULL, NULL) < 0) break; /* a signal: checked above */
    for (size_t j = 0; j < started && rc == UAT_OK; j++) {
      if (fds[j] < 0 || !FD_ISSET(fds[j], &set)) continue;
      run_msg m;
      const ssize_t got = read(fds[j], &m, sizeof m);
      if (got == (ssize_t)sizeof m && m.i < s->n) {
        rc = record(s, m.i, &m.row, p, done, err);
      } else {
        close(fds[j]);
        fds[j] = -1;
        open_fds--;
      }
    }
  }
  return rc;
}

static int run_parallel(uat_sweep *s, size_t jobs, const uat_sweep_exec_params *p, size_t *done,
                        uat_error *err) {
  int fds[MAX_JOBS];
  pid_t pids[MAX_JOBS];
  const size_t started = start_workers(s, jobs, fds, pids);
  const int rc = collect(s, fds, started, p, done, err);
  for (size_t j = 0; j < started; j++) {
    if (fds[j] >= 0) close(fds[j]);
    if (stopped(p) || rc != UAT_OK) kill(pids[j], SIGKILL);
    waitpid(pids[j], NULL, 0);
  }
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
  /* what is left: everything (one job), or the runs of a worker that died */
  const size_t seeds = s->e.n_seeds;
  size_t *idx = malloc(seeds * sizeof *idx);
  uat_sweep_row *out = malloc(seeds * sizeof *out);
  if (idx == NULL || out == NULL) {
    free(idx);
    free(out);
    return uat_error_set(err, UAT_ENOMEM, "sweep: out of memory");
  }
  for (size_t c = 0; c < uat_sweep_cells(s) && rc == UAT_OK && !stopped(p); c++) {
    const size_t k = uat_sweep_pending(s, c, idx);
    if (k == 0) continue;
    rc = uat_sweep_run_cell(s, idx, k, out);
    if (rc != UAT_OK) rc = uat_error_set(err, rc, "sweep: out of memory");
    for (size_t j = 0; j < k && rc == UAT_OK; j++) rc = record(s, idx[j], &out[j], p, &done, err);
  }
  free(idx);
  free(out);
  if (rc == UAT_OK && stopped(p))
    rc = uat_error_set(err, UAT_EINVAL, "sweep: stopped after %zu of %zu runs", done, s->n);
  return rc;
}
