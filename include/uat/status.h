/* uat/status.h — status codes and error reports shared by every uat library.
 *
 * Library functions never print and never exit: they return one of these codes and,
 * where the caller passes a uat_error, a message saying what went wrong and where. */
#ifndef UAT_STATUS_H
#define UAT_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One X-macro list makes both the enum and the message table, so they cannot drift. */
#define UAT_STATUS_LIST(X)                                                                         \
  X(UAT_OK, 0, "success")                                                                          \
  X(UAT_EINVAL, 1, "invalid argument")                                                             \
  X(UAT_ENOMEM, 2, "out of memory")                                                                \
  X(UAT_EIO, 3, "input/output error")                                                              \
  X(UAT_EFORMAT, 4, "malformed input")                                                             \
  X(UAT_EDIVERGED, 5, "diverged: non-finite value")                                                \
  X(UAT_ESOLVER, 6, "solver failure")                                                              \
  X(UAT_EDOMAIN, 7, "argument outside the domain")                                                 \
  X(UAT_ENOTFOUND, 8, "not found")

typedef enum {
#define UAT_X_ENUM(name, value, text) name = (value), /* NOLINT(bugprone-macro-parentheses) */
  UAT_STATUS_LIST(UAT_X_ENUM)
#undef UAT_X_ENUM
} uat_status;

/** Text for a status code ("unknown status" for codes outside the list). */
const char *uat_strerror(int status);

/** A status with a message; callers own it (usually on the stack). */
typedef struct {
  int status;
  char msg[512];
} uat_error;

/** Clear an error report (status UAT_OK, empty message). NULL is accepted. */
void uat_error_clear(uat_error *err);

/** Record status and a printf-style message in err (if err is not NULL); returns status,
 *  so that `return uat_error_set(err, UAT_EINVAL, "...")` reads naturally. */
int uat_error_set(uat_error *err, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#ifdef __cplusplus
}
#endif
#endif
