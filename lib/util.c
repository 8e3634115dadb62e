/* util.c — number parsing, linspace, the clock, enum names (uat/util.h). */
#define _POSIX_C_SOURCE 200809L
#include "uat/util.h"
#include "uat/limits.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "uat/status.h"

int uat_parse_double(const char *s, double *v) {
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  /* underflow to a subnormal or zero is fine; overflow to infinity is not a number we were
   * given */
  if (end == s || *end != '\0' || (errno == ERANGE && isinf(*v))) return UAT_EFORMAT;
  return UAT_OK;
}

int uat_parse_widths(const char *s, size_t *w, size_t max, size_t *n) {
  *n = 0;
  for (const char *p = s;; p++) {
    char tok[32];
    const size_t len = strcspn(p, ",");
    if (*n == max || len == 0 || len >= sizeof tok) return UAT_EFORMAT;
    memcpy(tok, p, len);
    tok[len] = '\0';
    if (uat_parse_size(tok, &w[*n]) != 0 || w[*n] == 0 || w[*n] > UAT_MAX_WIDTH) return UAT_EFORMAT;
    (*n)++;
    p += len;
    if (*p == '\0') return UAT_OK;
  }
}

int uat_parse_size(const char *s, size_t *v) {
  if (*s == '\0') return UAT_EFORMAT;
  size_t r = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return UAT_EFORMAT;
    const size_t digit = (size_t)(*s - '0');
    if (r > (SIZE_MAX - digit) / 10) return UAT_EFORMAT; /* does not fit */
    r = r * 10 + digit;
  }
  *v = r;
  return UAT_OK;
}

long uat_parse_doubles(const char *s, double *out, size_t max) {
  size_t n = 0;
  const char *p = s;
  for (;;) {
    char buf[64];
    const size_t len = strcspn(p, ",");
    if (n == max || len >= sizeof buf) return -1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    if (uat_parse_double(buf, &out[n]) != UAT_OK) return -1;
    n++;
    if (p[len] == '\0') return (long)n;
    p += len + 1;
  }
}

int uat_parse_seeds(const char *s, unsigned long *a, unsigned long *b) {
  const char *colon = strchr(s, ':');
  char buf[64];
  size_t va, vb;
  if (strlen(s) >= sizeof buf) return UAT_EFORMAT;
  if (colon == NULL) {
    if (uat_parse_size(s, &va) != UAT_OK || va > ULONG_MAX) return UAT_EFORMAT;
    *a = *b = (unsigned long)va;
    return UAT_OK;
  }
  memcpy(buf, s, (size_t)(colon - s));
  buf[colon - s] = '\0';
  if (uat_parse_size(buf, &va) != UAT_OK || uat_parse_size(colon + 1, &vb) != UAT_OK || vb < va ||
      vb > ULONG_MAX)
    return UAT_EFORMAT;
  *a = (unsigned long)va;
  *b = (unsigned long)vb;
  return UAT_OK;
}

int uat_parse_bytes(const char *s, size_t *v) {
  char buf[64];
  const size_t len = strlen(s);
  if (len == 0 || len >= sizeof buf) return UAT_EFORMAT;
  memcpy(buf, s, len + 1);
  unsigned shift = 0;
  switch (buf[len - 1]) {
  case 'K': shift = 10; break;
  case 'M': shift = 20; break;
  case 'G': shift = 30; break;
  case 'T': shift = 40; break;
  default: break;
  }
  if (shift) buf[len - 1] = '\0';
  size_t n;
  if (uat_parse_size(buf, &n) != UAT_OK || (shift && n > (SIZE_MAX >> shift))) return UAT_EFORMAT;
  *v = n << shift;
  return UAT_OK;
}

void uat_linspace(double a, double b, size_t n, double *out) {
  if (n == 0) return;
  out[0] = a;
  for (size_t k = 1; k < n; k++) out[k] = a + (b - a) * (double)k / (double)(n - 1);
  if (n > 1) out[n - 1] = b;
}

double uat_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

const char *uat_enum_name(const char *const *names, size_t n, int k) {
  return (k >= 0 && (size_t)k < n) ? names[k] : "unknown";
}

int uat_enum_parse(const char *const *names, size_t n, const char *name, int *k) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(names[i], name) == 0) {
      *k = (int)i;
      return UAT_OK;
    }
  return UAT_ENOTFOUND;
}
