/* text.c — line reader and token parsing shared by the model and CSV readers. */
#define _POSIX_C_SOURCE 200809L
#include "text.h"

#include "uat/status.h"
#include "uat/util.h"

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

/* A token is copied out (it is not NUL-terminated in its line) and read by the one parser. */
static int token_copy(const char *tok, size_t len, char *buf, size_t cap) {
  if (len == 0 || len >= cap) return 0;
  memcpy(buf, tok, len);
  buf[len] = '\0';
  return 1;
}

int uat_token_double(const char *tok, size_t len, double *v) {
  char buf[64];
  return token_copy(tok, len, buf, sizeof buf) && uat_parse_double(buf, v) == UAT_OK;
}

int uat_token_size(const char *tok, size_t len, size_t *v) {
  char buf[64];
  return token_copy(tok, len, buf, sizeof buf) && uat_parse_size(buf, v) == UAT_OK;
}
