/* uat/util.h — the small helpers every layer shares: one number parser, one linspace, one
 * clock, one enum-name table lookup. The command line, experiment files, model files and CSV
 * all read numbers through these, so "1e400" or "12abc" mean the same thing everywhere. */
#ifndef UAT_UTIL_H
#define UAT_UTIL_H

#include <stddef.h>

#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The whole of s as a double (strtod's syntax: also "inf", "nan"). A value too large for a
 *  double ("1e400") is refused rather than read as infinity; one that underflows is kept.
 *  Returns UAT_OK, or UAT_EFORMAT when s is not wholly one number (*v is then unspecified). */
int uat_parse_double(const char *s, double *v);

/** The whole of s as a non-negative decimal integer (digits only: no sign, no spaces).
 *  Returns UAT_OK, or UAT_EFORMAT (also when it does not fit in a size_t). */
int uat_parse_size(const char *s, size_t *v);

/** A comma-separated list of numbers ("1,2.5,-3") into out[0..max). Returns the count, or -1
 *  when an entry is not a number or there are more than max. */
long uat_parse_doubles(const char *s, double *out, size_t max);

/** Layer widths "W1,W2,..." into w[0..max), each from 1 to UAT_MAX_WIDTH; *n the count.
 *  UAT_OK, or UAT_EFORMAT (an empty or non-numeric entry, a width out of range, more than
 *  max). */
int uat_parse_widths(const char *s, size_t *w, size_t max, size_t *n);

/** A seed range "A:B" (A <= B, inclusive) or a single seed "A". UAT_OK or UAT_EFORMAT. */
int uat_parse_seeds(const char *s, unsigned long *a, unsigned long *b);

/** A byte count with an optional suffix K, M, G or T (powers of 1024). UAT_OK, or UAT_EFORMAT
 *  (also when the count does not fit in a size_t). */
int uat_parse_bytes(const char *s, size_t *v);

/** n equally spaced values from a to b: out[k] = a + (b - a) k / (n - 1), with out[n-1] = b
 *  exactly; n = 1 gives out[0] = a. */
void uat_linspace(double a, double b, size_t n, double *out);

/** Seconds on a monotonic clock (for durations only). */
double uat_seconds(void);

/** names[k] for 0 <= k < n, "unknown" otherwise: the name of an enum value. */
const char *uat_enum_name(const char *const *names, size_t n, int k);

/** The k with names[k] equal to name: UAT_OK, or UAT_ENOTFOUND. */
int uat_enum_parse(const char *const *names, size_t n, const char *name, int *k);

/** SHA-256 (FIPS 180-4), incrementally: init, update with the bytes, final writes 64 hex
 *  digits and a NUL. */
typedef struct {
  unsigned int h[8];
  unsigned long long bytes;
  unsigned char block[64];
  size_t fill;
} uat_sha256_ctx;
void uat_sha256_init(uat_sha256_ctx *c);
void uat_sha256_update(uat_sha256_ctx *c, const void *data, size_t n);
void uat_sha256_final(uat_sha256_ctx *c, char hex[65]);

/** SHA-256 of a file's bytes as 64 hex digits: UAT_OK, or UAT_EIO with err set. */
int uat_sha256_file(const char *path, char hex[65], uat_error *err);

/** How this uat was built, for provenance records: the git commit of the source (with
 *  "-dirty" when it had uncommitted changes; "unknown" outside a git checkout), the compiler
 *  and its version, the C flags. */
const char *uat_build_commit(void);
const char *uat_build_compiler(void);
const char *uat_build_flags(void);

#ifdef __cplusplus
}
#endif
#endif
