/* text.h — private helpers for reading line-oriented text files with positions. */
#ifndef UAT_TEXT_H
#define UAT_TEXT_H

#include <stdio.h>

/* A file read line by line; line numbers are 1-based. */
typedef struct {
  FILE *fp;
  const char *path;
  size_t line;
  char *buf;
  size_t cap;
} uat_lines;

/* Open path for reading; returns 0 or -1 (errno set). */
int uat_lines_open(uat_lines *L, const char *path);
void uat_lines_close(uat_lines *L);

/* Next line that is neither blank nor a '#' comment, without its line ending. Returns 1 and
 * sets *line, or 0 at end of file. */
int uat_lines_next(uat_lines *L, char **line);

/* The next whitespace-separated token of s at or after *pos: returns its start (NULL when
 * none is left), sets *len and advances *pos past it. Columns are start - s + 1. */
const char *uat_token(const char *s, size_t *pos, size_t *len);

/* Parse a whole token as a finite or non-finite double; returns 0 if it is not a number. */
int uat_token_double(const char *tok, size_t len, double *v);

/* Parse a whole token as an unsigned integer; returns 0 if it is not one. */
int uat_token_size(const char *tok, size_t len, size_t *v);

#endif
