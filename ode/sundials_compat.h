/* sundials_compat.h — every difference between SUNDIALS versions in one place.
 *
 * uat is written against SUNDIALS 6.4 (Debian 12). Version 7 changed how a context is created
 * (SUN_COMM_NULL instead of NULL) and replaced per-integrator error handlers with
 * SUNContext_PushErrHandler; a port touches only this header. */
#ifndef UAT_SUNDIALS_COMPAT_H
#define UAT_SUNDIALS_COMPAT_H

#include <cvodes/cvodes.h>
#include <sundials/sundials_config.h>
#include <sundials/sundials_context.h>

#if SUNDIALS_VERSION_MAJOR != 6
#error "uat's CVODE driver is written for SUNDIALS 6.x; see ode/sundials_compat.h"
#endif

/* A context without MPI. */
static inline int uat_sun_context_create(SUNContext *ctx) { return SUNContext_Create(NULL, ctx); }

/* Route CVODE's error messages to handler instead of stderr: library code never prints. */
static inline int uat_cvode_capture_errors(void *cvode_mem, CVErrHandlerFn handler, void *data) {
  return CVodeSetErrHandlerFn(cvode_mem, handler, data);
}

#endif
