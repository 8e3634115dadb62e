/* test_util.c — helpers shared by the test programs. */
#define _POSIX_C_SOURCE 200809L
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void uat_test_close(double actual, double expected, double epsabs, double epsrel, const char *what,
                    const char *file, int line) {
  int ok;
  if (isnan(actual) || isnan(expected))
    ok = 0;
  else if (isinf(actual) || isinf(expected))
    ok = actual == expected;
  else
    ok = fabs(actual - expected) <= epsabs + epsrel * fabs(expected);
  if (!ok) {
    print_error("%s = %.17g, expected %.17g (|diff| %.3g > %.3g + %.3g * |expected|)\n", what,
                actual, expected, fabs(actual - expected), epsabs, epsrel);
    _fail(file, line);
  }
}

const char *uat_test_file(int slot, const char *text) {
  static char paths[8][64];
  snprintf(paths[slot], sizeof paths[slot], "/tmp/uat_test_%d_%d_XXXXXX", (int)getpid(), slot);
  const int fd = mkstemp(paths[slot]);
  if (fd < 0) return NULL;
  const size_t len = strlen(text);
  if (write(fd, text, len) != (ssize_t)len) {
    close(fd);
    return NULL;
  }
  close(fd);
  return paths[slot];
}

int uat_test_contains(const char *haystack, const char *needle) {
  return strstr(haystack, needle) != NULL;
}
