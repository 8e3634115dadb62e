/* atomic.c — output files that appear whole or not at all. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "uat/io.h"

/* Destinations that are not regular files (/dev/null, a FIFO, a terminal) cannot be replaced by
 * rename(): they are written in place. A symbolic link is followed, so that the file it points
 * to is replaced and the link kept. */
static int open_in_place(uat_atomic_file *af, const char *path, uat_error *err) {
  af->path = malloc(strlen(path) + 1); /* kept for the messages of a failed write */
  if (af->path == NULL) return uat_error_set(err, UAT_ENOMEM, "%s: out of memory", path);
  memcpy(af->path, path, strlen(path) + 1);
  af->fp = fopen(path, "w");
  if (af->fp == NULL) {
    const int e = errno;
    uat_atomic_abort(af);
    return uat_error_set(err, UAT_EIO, "%s: cannot open: %s", path, strerror(e));
  }
  return UAT_OK;
}

int uat_atomic_open(uat_atomic_file *af, const char *path, uat_error *err) {
  af->fp = NULL;
  af->path = NULL;
  af->tmp = NULL;
  struct stat sb, lsb;
  const int exists = stat(path, &sb) == 0;
  if (exists && !S_ISREG(sb.st_mode)) return open_in_place(af, path, err);
  /* a link to nothing would be silently replaced by a file: refuse, and say why */
  if (!exists && lstat(path, &lsb) == 0 && S_ISLNK(lsb.st_mode))
    return uat_error_set(err, UAT_EIO,
                         "%s: a symbolic link to a file that does not exist; remove the link or "
                         "name another output",
                         path);
  char *real = realpath(path, NULL); /* NULL when the file does not exist yet: keep path */
  const char *dest = real ? real : path;
  const size_t len = strlen(dest);
  af->path = malloc(len + 1);
  af->tmp = malloc(len + 16);
  if (!af->path || !af->tmp) {
    free(real);
    uat_atomic_abort(af);
    return uat_error_set(err, UAT_ENOMEM, "%s: out of memory", path);
  }
  memcpy(af->path, dest, len + 1);
  free(real);
  /* The temporary lives in the destination's directory so that rename() is atomic. */
  snprintf(af->tmp, len + 16, "%s.tmp.XXXXXX", af->path);
  const int fd = mkstemp(af->tmp);
  if (fd < 0) {
    const int e = errno;
    free(af->tmp);
    af->tmp = NULL;
    uat_atomic_abort(af);
    return uat_error_set(err, UAT_EIO, "%s: cannot create: %s", path, strerror(e));
  }
  /* mkstemp creates the file 0600. A file that is replaced keeps its mode; a new one gets the
   * mode an ordinary open() would give it (0666 less the umask; reading the umask means setting
   * it, so it is put straight back). */
  mode_t mode;
  if (exists) {
    mode = sb.st_mode & 07777;
  } else {
    const mode_t mask = umask(0);
    umask(mask);
    mode = 0666 & ~mask;
  }
  if (fchmod(fd, mode) != 0) {
    const int e = errno;
    close(fd);
    uat_atomic_abort(af);
    return uat_error_set(err, UAT_EIO, "%s: cannot set mode: %s", path, strerror(e));
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
  if (af->tmp == NULL) { /* written in place */
    const int bad = ferror(af->fp) || fclose(af->fp) != 0;
    af->fp = NULL;
    const int status = bad ? uat_error_set(err, UAT_EIO, "%s: cannot write: %s", af->path,
                                           strerror(errno ? errno : EIO))
                           : UAT_OK;
    free(af->path);
    af->path = NULL;
    return status;
  }
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
