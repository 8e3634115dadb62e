/* sweep_mpi.c — a sweep over MPI ranks: rank 0 schedules and records, the others run cells
 * (uat/sweep_mpi.h). Messages: rank 0 sends a cell's pending run numbers (TAG_WORK) or
 * nothing more to do (TAG_STOP); a rank sends each finished row (TAG_ROW) and then asks for
 * more (TAG_DONE). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sweep_internal.h"
#include "uat/sweep_mpi.h"

enum { TAG_WORK = 1, TAG_STOP, TAG_ROW, TAG_DONE };

typedef struct {
  unsigned long long i;
  uat_sweep_row row;
} row_msg;

static void nap(void) {
  const struct timespec ts = {0, 1000000}; /* 1 ms: rank 0 waits without spinning */
  nanosleep(&ts, NULL);
}

/* The next cell's pending runs into idx (as unsigned long long); returns how many (0: none). */
static int next_work(const uat_sweep *s, unsigned char *given, size_t *cells, size_t *idx,
                     unsigned long long *msg) {
  const size_t n = uat_sweep_schedule(s, cells);
  for (size_t k = 0; k < n; k++) {
    if (given[cells[k]]) continue;
    given[cells[k]] = 1;
    const size_t m = uat_sweep_pending(s, cells[k], idx);
    for (size_t j = 0; j < m; j++) msg[j] = idx[j];
    return (int)m;
  }
  return 0;
}

static int send_next(const uat_sweep *s, MPI_Comm comm, int rank, unsigned char *given,
                     size_t *cells, size_t *idx, unsigned long long *msg) {
  const int m = next_work(s, given, cells, idx, msg);
  if (m > 0) return MPI_Send(msg, m, MPI_UNSIGNED_LONG_LONG, rank, TAG_WORK, comm);
  MPI_Send(NULL, 0, MPI_BYTE, rank, TAG_STOP, comm);
  return -1; /* that rank is finished */
}

static int coordinate(uat_sweep *s, MPI_Comm comm, int size, const uat_sweep_exec_params *p,
                      uat_error *err) {
  const size_t nc = uat_sweep_cells(s), seeds = s->e.n_seeds;
  unsigned char *given = calloc(nc ? nc : 1, 1);
  size_t *cells = malloc((nc ? nc : 1) * sizeof *cells), *idx = malloc(seeds * sizeof *idx);
  unsigned long long *msg = malloc(seeds * sizeof *msg);
  if (!given || !cells || !idx || !msg) {
    free(given);
    free(cells);
    free(idx);
    free(msg);
    MPI_Abort(comm, 1);
    return uat_error_set(err, UAT_ENOMEM, "sweep: out of memory");
  }
  size_t done = uat_sweep_done(s);
  int active = 0, rc = UAT_OK;
  for (int r = 1; r < size; r++)
    active += send_next(s, comm, r, given, cells, idx, msg) == MPI_SUCCESS;
  while (active > 0 && rc == UAT_OK) {
    if (p->stop && *p->stop) {
      rc = uat_error_set(err, UAT_EINVAL, "sweep: stopped after %zu of %zu runs", done, s->n);
      break;
    }
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &flag, &st);
    if (!flag) {
      nap();
      continue;
    }
    if (st.MPI_TAG == TAG_ROW) {
      row_msg m;
      MPI_Recv(&m, (int)sizeof m, MPI_BYTE, st.MPI_SOURCE, TAG_ROW, comm, MPI_STATUS_IGNORE);
      if (m.i < s->n && (rc = uat_sweep_record(s, (size_t)m.i, &m.row, err)) == UAT_OK) {
        ++done;
        if (p->progress) p->progress(p->ctx, (size_t)m.i, &m.row, done, s->n);
      }
    } else {
      MPI_Recv(NULL, 0, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, comm, MPI_STATUS_IGNORE);
      if (send_next(s, comm, st.MPI_SOURCE, given, cells, idx, msg) != MPI_SUCCESS) active--;
    }
  }
  free(given);
  free(cells);
  free(idx);
  free(msg);
  if (rc != UAT_OK) MPI_Abort(comm, p->stop && *p->stop ? 128 + (int)*p->stop : 1);
  return rc;
}

static int work(uat_sweep *s, MPI_Comm comm, uat_error *err) {
  const size_t seeds = s->e.n_seeds;
  unsigned long long *msg = malloc(seeds * sizeof *msg);
  size_t *idx = malloc(seeds * sizeof *idx);
  uat_sweep_row *rows = malloc(seeds * sizeof *rows);
  if (msg == NULL || idx == NULL || rows == NULL) {
    free(msg);
    free(idx);
    free(rows);
    MPI_Abort(comm, 1); /* rank 0 would wait for this rank forever */
    return uat_error_set(err, UAT_ENOMEM, "sweep: out of memory");
  }
  int rc = UAT_OK;
  while (rc == UAT_OK) {
    MPI_Status st;
    if (MPI_Probe(0, MPI_ANY_TAG, comm, &st) != MPI_SUCCESS) {
      rc = uat_error_set(err, UAT_EIO, "sweep: rank 0 is gone");
      break;
    }
    int count = 0;
    MPI_Get_count(&st, MPI_UNSIGNED_LONG_LONG, &count);
    if (st.MPI_TAG != TAG_WORK || count <= 0 || (size_t)count > seeds) {
      MPI_Recv(NULL, 0, MPI_BYTE, 0, st.MPI_TAG, comm, MPI_STATUS_IGNORE);
      break; /* TAG_STOP */
    }
    MPI_Recv(msg, count, MPI_UNSIGNED_LONG_LONG, 0, TAG_WORK, comm, MPI_STATUS_IGNORE);
    for (int j = 0; j < count; j++) idx[j] = (size_t)msg[j];
    if ((rc = uat_sweep_run_cell(s, idx, (size_t)count, rows)) != UAT_OK) break;
    for (int j = 0; j < count; j++) {
      row_msg m;
      memset(&m, 0, sizeof m);
      m.i = idx[j];
      m.row = rows[j];
      MPI_Send(&m, (int)sizeof m, MPI_BYTE, 0, TAG_ROW, comm);
    }
    MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_DONE, comm);
  }
  free(msg);
  free(idx);
  free(rows);
  return rc;
}

int uat_sweep_execute_mpi(uat_sweep *s, MPI_Comm comm, const uat_sweep_exec_params *p,
                          uat_error *err) {
  const uat_sweep_exec_params none = {0, NULL, NULL, NULL};
  if (p == NULL) p = &none;
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  s->ranks = size;
  if (size == 1) {
    uat_sweep_exec_params one = *p;
    one.jobs = 1;
    return uat_sweep_execute(s, &one, err);
  }
  return rank == 0 ? coordinate(s, comm, size, p, err) : work(s, comm, err);
}
