/* uat/sweep_mpi.h — a sweep's runs spread over the ranks of an MPI communicator (installed when
 * uat is built with MPI: UAT_HAVE_MPI in uat/version.h). Results are those of a serial run. */
#ifndef UAT_SWEEP_MPI_H
#define UAT_SWEEP_MPI_H

#include <mpi.h>

#include "uat/sweep.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Run the pending runs of s over the ranks of comm. Rank 0 must have opened s
 *  (uat_sweep_open: it alone writes runs.csv); the others attach (uat_sweep_attach) to the same
 *  experiment and folder (model files are written there by the rank that ran them, so the
 *  folder must be shared). Rank 0 hands out cells, longest predicted first, one to each rank
 *  that asks, records every row as it arrives (so a rank that dies loses only its cell in
 *  flight: --resume continues) and runs no cell itself; it sleeps between messages instead of
 *  spinning, so `mpirun -np K` suits K - 1 cores. p->progress is called on rank 0; p->jobs is
 *  ignored; when p->stop becomes nonzero rank 0 stops recording and aborts the job (the rows
 *  recorded are kept). With one rank this is uat_sweep_execute. Returns UAT_OK on every rank,
 *  or an error (rank 0: a recording error; others: UAT_EIO when messages fail). */
int uat_sweep_execute_mpi(uat_sweep *s, MPI_Comm comm, const uat_sweep_exec_params *p,
                          uat_error *err);

#ifdef __cplusplus
}
#endif
#endif
