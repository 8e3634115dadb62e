/* bench_util.c — clock, median and machine description shared by the benchmarks. */
#define _POSIX_C_SOURCE 200809L
#include "bench_util.h"

#include "uat/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "uat/kernels.h"

double bench_now(void) { return uat_seconds(); } /* the library's one clock */

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double bench_median(double *t, size_t n) {
  qsort(t, n, sizeof *t, cmp_double);
  return t[n / 2];
}

void bench_print_machine(const char *build_type) {
  struct utsname u;
  uname(&u);
  printf("machine = %s %s %s\n", u.sysname, u.release, u.machine);
  FILE *fp = fopen("/proc/cpuinfo", "r");
  char line[256];
  while (fp && fgets(line, sizeof line, fp)) {
    const char *colon = strchr(line, ':');
    if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
      printf("cpu = %s", colon + 2);
      break;
    }
  }
  if (fp) fclose(fp);
  printf("build = %s, gcc %s\n", build_type, __VERSION__);
  printf("uat kernels = %s\n", uat_kernel_isa_name(uat_kernel_isa()));
}
