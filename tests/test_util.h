/* test_util.h — helpers shared by the CMocka test programs.
 *
 * cmocka 1.1.5 has no double assertion (assert_float_equal casts to float), so
 * uat_assert_close compares doubles with an absolute and a relative tolerance and prints both
 * values on failure. NaN never equals anything; equal infinities are equal. */
#ifndef UAT_TEST_UTIL_H
#define UAT_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define uat_assert_close(actual, expected, epsabs, epsrel)                                         \
  uat_test_close((actual), (expected), (epsabs), (epsrel), #actual, __FILE__, __LINE__)

void uat_test_close(double actual, double expected, double epsabs, double epsrel, const char *what,
                    const char *file, int line);

/* Write text to a fresh temporary file; returns its path (static storage per slot 0..7). */
const char *uat_test_file(int slot, const char *text);

/* True if haystack contains needle. */
int uat_test_contains(const char *haystack, const char *needle);

#endif
