/* text.c — line reader and token parsing shared by the model and CSV readers. */
#define _POSIX_C_SOURCE 200809L
#include "text.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int uat_lines_open(uat_lines *L, const char *path) {
  L->path = path;
  L->line = 0;
  L->buf = NULL;
  L->cap = 0;
  L->fp = fopen(path, "r");
  return L->fp ? 0 : -1;
}

void uat_lines_close(uat_lines *L) {
  if (L->fp) fclose(L->fp);
  free(L->buf);
  L->fp = NULL;
  L->buf = NULL;
}

int uat_lines_next(uat_lines *L, char **line) {
  ssize_t n;
  while ((n = getline(&L->buf, &L->cap, L->fp)) >= 0) {
    L->line++;
    while (n > 0 && (L->buf[n - 1] == '\n' || L->buf[n - 1] == '\r')) L->buf[--n] = '\0';
    /* A NUL byte would end the line early and hide what follows it: make it a byte no reader
     * accepts, so that the line is refused at the NUL's column. */
    for (ssize_t k = 0; k < n; k++)
      if (L->buf[k] == '\0') L->buf[k] = '\x01';
    size_t i = 0;
    while (L->buf[i] == ' ' || L->buf[i] == '\t') i++;
    if (L->buf[i] == '\0' || L->buf[i] == '#') continue;
    *line = L->buf;
    return 1;
  }
  return 0;
}

const char *uat_token(const char *s, size_t *pos, size_t *len) {
  size_t i = *pos;
  while (s[i] != '\0' && isspace((unsigned char)s[i])) i++;
  if (s[i] == '\0') {
    *pos = i;
    return NULL;
  }
  const size_t start = i;
  while (s[i] != '\0' && !isspace((unsigned char)s[i])) i++;
  *len = i - start;
  *pos = i;
  return s + start;
}

int uat_parse_double(const char *tok, size_t len, double *v) {
  char tmp[64];
  if (len == 0 || len >= sizeof tmp) return 0;
  memcpy(tmp, tok, len);
  tmp[len] = '\0';
  char *end;
  errno = 0;
  *v = strtod(tmp, &end);
  /* Underflow to a subnormal is fine; a number too large for a double (1e400) is refused, not
   * read as infinity; so is text that is not wholly a number. */
  if (errno == ERANGE && isinf(*v)) return 0;
  return end == tmp + len;
}

int uat_parse_size(const char *tok, size_t len, size_t *v) {
  if (len == 0 || len > 18) return 0;
  size_t r = 0;
  for (size_t i = 0; i < len; i++) {
    if (!isdigit((unsigned char)tok[i])) return 0;
    r = r * 10 + (size_t)(tok[i] - '0');
  }
  *v = r;
  return 1;
}
