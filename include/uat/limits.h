/* uat/limits.h — the largest sizes uat accepts, and overflow-checked size arithmetic.
 *
 * Every count that reaches an allocation — layer widths, numbers of layers and parameters,
 * points, times, seeds — is checked against these limits before anything is allocated, in the
 * library as well as in the command line, so that no number, however large, can make a size
 * computation wrap around and a buffer come out smaller than its use (docs/library.md). */
#ifndef UAT_LIMITS_H
#define UAT_LIMITS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Widest layer: 2^24 units. */
#define UAT_MAX_WIDTH ((size_t)1 << 24)
/** Most weight layers in one network. */
#define UAT_MAX_LAYERS ((size_t)1024)
/** Most parameters of one network: 2^30 (8 GiB of doubles). */
#define UAT_MAX_PARAMS ((size_t)1 << 30)
/** Most points, samples or output times in one set: 2^28. */
#define UAT_MAX_POINTS ((size_t)1 << 28)
/** Most seeds in one range (uat xor, experiment files). */
#define UAT_MAX_SEEDS ((size_t)1 << 24)

/** *r = a * b; returns 1, or 0 (and *r = 0) if the product does not fit in size_t. */
static inline int uat_size_mul(size_t a, size_t b, size_t *r) {
  if (a != 0 && b > (size_t)-1 / a) {
    *r = 0;
    return 0;
  }
  *r = a * b;
  return 1;
}

/** *r = a + b; returns 1, or 0 (and *r = 0) if the sum does not fit in size_t. */
static inline int uat_size_add(size_t a, size_t b, size_t *r) {
  if (b > (size_t)-1 - a) {
    *r = 0;
    return 0;
  }
  *r = a + b;
  return 1;
}

/** *r = a * b * c with the same check. */
static inline int uat_size_mul3(size_t a, size_t b, size_t c, size_t *r) {
  size_t ab;
  return uat_size_mul(a, b, &ab) && uat_size_mul(ab, c, r);
}

#ifdef __cplusplus
}
#endif
#endif
