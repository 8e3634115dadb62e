/* atomic.c — output files that appear whole or not at all. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uat/io.h"

int uat_atomic_open(uat_atomic_file *af, const char *path, uat_error *err) {
  af->fp = NULL;
  af->path = NULL;
  af->tmp = NULL;
  const size_t len = strlen(path);
  af->path = malloc(len + 1);
  af->tmp = malloc(len + 16);
  if (!af->path || !af->tmp) {
    uat_atomic_abort(af);
    return uat_error_set(err, UAT_ENOMEM, "%s: out of memory", path);
  }
  memcpy(af->path, path, len + 1);
  /* The temporary lives in the destination's directory so that rename() is atomic. */
  snprintf(af->tmp, len + 16, "%s.tmp.XXXXXX", path);
  const int fd = mkstemp(af->tmp);
  if (fd < 0) {
    const int e = errno;
    free(af->tmp);
    af->tmp = NULL;
    uat_atomic_abort(af);
    return uat_error_set(err, UAT_EIO, "%s: cannot create: %s", path, strerror(e));
  }
  af->fp = fdopen(fd, "w");
  if (af->fp == NULL) {
    close(fd);
    uat_atomic_abort(af);
    return uat_error_set(err, UAT_EIO, "%s: cannot open: %s", path, strerror(errno));
  }
  return UAT_OK;
}

int uat_atomic_commit(uat_atomic_file *af, uat_error *err) {
  int bad = ferror(af->fp) || fflush(af->fp) != 0 || fsync(fileno(af->fp)) != 0;
  const int e = errno;
  if (fclose(af->fp) != 0) bad = 1;
  af->fp = NULL;
  if (bad || rename(af->tmp, af->path) != 0) {
    const int status =
        uat_error_set(err, UAT_EIO, "%s: cannot write: %s", af->path, strerror(bad ? e : errno));
    uat_atomic_abort(af);
    return status;
  }
  free(af->tmp);
  free(af->path);
  af->tmp = af->path = NULL;
  return UAT_OK;
}

void uat_atomic_abort(uat_atomic_file *af) {
  if (af->fp) fclose(af->fp);
  if (af->tmp) unlink(af->tmp);
  free(af->tmp);
  free(af->path);
  af->fp = NULL;
  af->tmp = af->path = NULL;
}
