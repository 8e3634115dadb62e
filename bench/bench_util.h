/* bench_util.h — what every benchmark in bench/ needs: a monotonic clock, the median of a few
 * timings, and a description of the machine and build it ran on. */
#ifndef UAT_BENCH_UTIL_H
#define UAT_BENCH_UTIL_H

#include <stddef.h>

/** Seconds on a monotonic clock. */
double bench_now(void);

/** The median of t[0..n) (sorts t). */
double bench_median(double *t, size_t n);

/** `machine = …`, `cpu = …`, `build = …` and `uat kernels = …` lines on stdout. */
void bench_print_machine(const char *build_type);

#endif
