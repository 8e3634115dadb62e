/* status.c — status texts and error reports. */
#include "uat/status.h"

#include <stdarg.h>
#include <stdio.h>

const char *uat_strerror(int status) {
  switch (status) {
#define UAT_X_CASE(name, value, text)                                                              \
  case name: return text;
    UAT_STATUS_LIST(UAT_X_CASE)
#undef UAT_X_CASE
  default: return "unknown status";
  }
}

void uat_error_clear(uat_error *err) {
  if (err == NULL) return;
  err->status = UAT_OK;
  err->msg[0] = '\0';
}

int uat_error_set(uat_error *err, int status, const char *fmt, ...) {
  if (err != NULL) {
    va_list ap;
    va_start(ap, fmt);
    err->status = status;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return status;
}
