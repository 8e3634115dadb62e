/* gsl_quiet.c — GSL's error handler off around calls that report through it (gsl_quiet.h). */
#include "gsl_quiet.h"

#include <gsl/gsl_errno.h>
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned inside = 0;
static gsl_error_handler_t *saved = NULL;

void uat_gsl_quiet_begin(void) {
  pthread_mutex_lock(&lock);
  if (inside++ == 0) saved = gsl_set_error_handler_off();
  pthread_mutex_unlock(&lock);
}

void uat_gsl_quiet_end(void) {
  pthread_mutex_lock(&lock);
  if (inside > 0 && --inside == 0) gsl_set_error_handler(saved);
  pthread_mutex_unlock(&lock);
}
