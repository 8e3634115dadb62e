/* uat/fitjob.h — a fit described by string options, exactly as `uat fit` takes them: the
 * interface for bindings (the Python package, python/uat) and any program that builds fits from
 * text. The same options give the same model file bytes and the same report as the command. */
#ifndef UAT_FITJOB_H
#define UAT_FITJOB_H

#include <stddef.h>
#include <stdio.h>

#include "uat/mlp.h"
#include "uat/run.h"
#include "uat/status.h"
#include "uat/target.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct uat_fit_job uat_fit_job;

/** A job with `uat fit`'s defaults (one hidden layer of 32 tanh units, Adam, 256 grid points,
 *  seed 0, a memory budget of half the machine). NULL on out of memory. */
uat_fit_job *uat_fit_job_alloc(void);
void uat_fit_job_free(uat_fit_job *j);

/** Set an option by its `uat fit` long name without the dashes, in the command's order
 *  (`trainer` resets the trainer's parameters as --trainer does): target, domain, x, y,
 *  test-rows, layers, hidden, act, out-act, loss, no-bias (value ignored), trainer, boost,
 *  target-rmse, max-iter, max-seconds, plateau, lr, batch, tune (KEY=VALUE, repeatable), points,
 *  train, test, init, seed, max-memory. UAT_EINVAL with `--NAME: ...` in err for an unknown
 *  key or a bad value. A target ode-data:... set first makes the job a neural-ODE fit: every
 *  later option, the run, the report and the saved model are uat_node_job's (uat/node.h). */
int uat_fit_job_set(uat_fit_job *j, const char *key, const char *value, uat_error *err);

/** Train. *model (may be NULL) receives the network, owned by the caller. The job keeps the
 *  result for uat_fit_job_report and uat_fit_job_save. */
int uat_fit_job_run(uat_fit_job *j, uat_mlp **model, uat_error *err);

/** The report `uat fit` prints (`key = value` lines, seconds included), as snprintf: the full
 *  length is returned. 0 before a successful run. */
size_t uat_fit_job_report(const uat_fit_job *j, char *buf, size_t len);

/** Save m with the job's provenance, as `uat fit -o PATH` does. */
int uat_fit_job_save(const uat_fit_job *j, const uat_mlp *m, const char *path, uat_error *err);

/** The specification, target and result of the job (result and target after a run). */
const uat_run_spec *uat_fit_job_spec(const uat_fit_job *j);
const uat_run_result *uat_fit_job_result(const uat_fit_job *j);

/** The lines `uat fit` prints before the error report: the specification (target, layers,
 *  activation, trainer, seed, params, points) and the training's iterations, evaluations,
 *  stop reason, seconds, training RMSE and updates. */
void uat_run_print(FILE *fp, const uat_run_spec *s, const uat_target *t, const uat_run_result *r);

/** The error report `uat eval` prints (target, params, then the `uat fit` report's lines) of m
 *  against target on domain (NULL: the target's default), on test_n grid points (0: the
 *  default); for data: targets the test rows of seed's split. *text is malloc'ed. */
int uat_eval_report(uat_mlp *m, const char *target, const char *domain, size_t test_n,
                    unsigned long seed, char **text, uat_error *err);

#ifdef __cplusplus
}
#endif
#endif
