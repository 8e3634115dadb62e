/* plot.c — running gnuplot on a script. */
#define _POSIX_C_SOURCE 200809L
#include "uat/plot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int uat_plot_available(void) {
  const char *path = getenv("PATH");
  if (path == NULL) return 0;
  char buf[4096];
  const char *p = path;
  while (*p) {
    const char *colon = strchr(p, ':');
    const size_t len = colon ? (size_t)(colon - p) : strlen(p);
    if (len > 0 && len + 9 < sizeof buf) {
      memcpy(buf, p, len);
      memcpy(buf + len, "/gnuplot", 9);
      if (access(buf, X_OK) == 0) return 1;
    }
    if (colon == NULL) break;
    p = colon + 1;
  }
  return 0;
}

int uat_plot_run(const char *script, uat_error *err) {
  if (!uat_plot_available())
    return uat_error_set(err, UAT_ENOTFOUND,
                         "gnuplot is not installed (apt-get install gnuplot-nox); run "
                         "'gnuplot %s' later to draw the plot",
                         script);
  const pid_t pid = fork();
  if (pid < 0) return uat_error_set(err, UAT_EIO, "cannot start gnuplot: %s", strerror(errno));
  if (pid == 0) {
    execlp("gnuplot", "gnuplot", script, (char *)NULL);
    _exit(127);
  }
  int status;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return uat_error_set(err, UAT_EIO, "gnuplot failed on %s", script);
  return UAT_OK;
}
