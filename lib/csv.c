/* csv.c — numeric CSV tables: read with positions in every error, write atomically. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "uat/io.h"

uat_table *uat_table_alloc(size_t rows, size_t cols) {
  uat_table *t = calloc(1, sizeof *t);
  if (t == NULL) return NULL;
  t->rows = rows;
  t->cols = cols;
  t->data = calloc(rows * cols + 1, sizeof *t->data);
  if (t->data == NULL) {
    free(t);
    return NULL;
  }
  return t;
}

void uat_table_free(uat_table *t) {
  if (t == NULL) return;
  if (t->header)
    for (size_t j = 0; j < t->cols; j++) free(t->header[j]);
  for (size_t j = 0; t->labels && j < t->cols; j++) {
    for (size_t k = 0; t->labels[j] && k < t->n_labels[j]; k++) free(t->labels[j][k]);
    free(t->labels[j]);
  }
  free(t->labels);
  free(t->n_labels);
  free(t->header);
  free(t->data);
  free(t);
}

/* One field of a CSV line: [start, start+len) after unquoting bounds; col is 1-based. */
typedef struct {
  const char *start;
  size_t len;
  size_t col;
  int quoted;
} csv_field;

/* Split line into at most max fields; returns the count, or -1 with *bad_col set on an
 * unterminated quote. Fields are trimmed of surrounding blanks. */
static long split(const char *line, csv_field *f, size_t max, size_t *bad_col) {
  size_t i = 0, n = 0;
  for (;;) {
    while (line[i] == ' ' || line[i] == '\t') i++;
    csv_field cur = {line + i, 0, i + 1, 0};
    if (line[i] == '"') {
      cur.quoted = 1;
      cur.start = line + i + 1;
      const char *close = strchr(line + i + 1, '"');
      if (close == NULL) {
        *bad_col = i + 1;
        return -1;
      }
      cur.len = (size_t)(close - cur.start);
      i = (size_t)(close - line) + 1;
      while (line[i] == ' ' || line[i] == '\t') i++;
    } else {
      size_t j = i;
      while (line[j] != '\0' && line[j] != ',') j++;
      size_t e = j;
      while (e > i && (line[e - 1] == ' ' || line[e - 1] == '\t')) e--;
      cur.len = e - i;
      i = j;
    }
    if (n < max) f[n] = cur;
    n++;
    if (line[i] != ',') break;
    i++;
  }
  return (long)n;
}

static int is_number_field(const csv_field *f) {
  double v;
  return !f->quoted && uat_token_double(f->start, f->len, &v);
}

/* Growable row storage while reading. */
typedef struct {
  double *data;
  size_t rows, cap;
} rowbuf;

static int push_row(rowbuf *b, size_t cols) {
  if (cols == 0) return -1;
  if (b->rows == b->cap) {
    const size_t cap = b->cap ? 2 * b->cap : 64;
    double *d = realloc(b->data, cap * cols * sizeof *d);
    if (d == NULL) return -1;
    b->data = d;
    b->cap = cap;
  }
  b->rows++;
  return 0;
}

static int take_header(uat_table *t, const csv_field *f, size_t cols) {
  t->header = calloc(cols + 1, sizeof *t->header);
  if (t->header == NULL) return -1;
  for (size_t j = 0; j < cols; j++) {
    t->header[j] = malloc(f[j].len + 1);
    if (t->header[j] == NULL) return -1;
    memcpy(t->header[j], f[j].start, f[j].len);
    t->header[j][f[j].len] = '\0';
  }
  return 0;
}

#define CSV_MAX_COLS 4096

/* The class index of a label field in column j, added when new; -1 when out of memory. */
static double label_index(uat_table *t, size_t j, const csv_field *f) {
  for (size_t k = 0; k < t->n_labels[j]; k++)
    if (strlen(t->labels[j][k]) == f->len && memcmp(t->labels[j][k], f->start, f->len) == 0)
      return (double)k;
  char **more = realloc(t->labels[j], (t->n_labels[j] + 1) * sizeof *more);
  char *name = malloc(f->len + 1);
  if (more) t->labels[j] = more;
  if (more == NULL || name == NULL) {
    free(name);
    return -1;
  }
  memcpy(name, f->start, f->len);
  name[f->len] = '\0';
  more[t->n_labels[j]] = name;
  return (double)t->n_labels[j]++;
}

/* Labels mode, at the first data row: text columns become label columns. */
static int find_label_columns(uat_table *t, const csv_field *f) {
  t->labels = calloc(t->cols + 1, sizeof *t->labels);
  t->n_labels = calloc(t->cols + 1, sizeof *t->n_labels);
  if (t->labels == NULL || t->n_labels == NULL) return -1;
  for (size_t j = 0; j < t->cols; j++)
    if (!is_number_field(&f[j]) && (t->labels[j] = malloc(sizeof(char *))) == NULL) return -1;
  return 0;
}

/* One data row's fields into row; UAT_OK or an error at the field. */
static int parse_fields(uat_lines *L, uat_table *t, const csv_field *f, double *row,
                        uat_error *err) {
  for (size_t j = 0; j < t->cols; j++) {
    if (t->labels && t->labels[j]) {
      if ((row[j] = label_index(t, j, &f[j])) < 0)
        return uat_error_set(err, UAT_ENOMEM, "%s: out of memory", L->path);
      continue;
    }
    if (f[j].quoted || !uat_token_double(f[j].start, f[j].len, &row[j])) {
      if (t->labels)
        return uat_error_set(
            err, UAT_EFORMAT, "%s:%zu:%zu: expected a number in column '%s', found '%.*s'", L->path,
            L->line, f[j].col, t->header[j], (int)(f[j].len > 40 ? 40 : f[j].len), f[j].start);
      return uat_error_set(err, UAT_EFORMAT, "%s:%zu:%zu: expected a number, found '%.*s'", L->path,
                           L->line, f[j].col, (int)(f[j].len > 40 ? 40 : f[j].len), f[j].start);
    }
  }
  return UAT_OK;
}

static int read_rows(uat_lines *L, uat_table *t, rowbuf *b, csv_field *f, int labels,
                     uat_error *err) {
  char *line;
  int first = 1, need_types = labels;
  while (uat_lines_next(L, &line)) {
    size_t bad = 0;
    const long n = split(line, f, CSV_MAX_COLS, &bad);
    if (n < 0)
      return uat_error_set(err, UAT_EFORMAT, "%s:%zu:%zu: expected a closing '\"'", L->path,
                           L->line, bad);
    if (n > CSV_MAX_COLS)
      return uat_error_set(err, UAT_EFORMAT, "%s:%zu:1: expected at most %d columns", L->path,
                           L->line, CSV_MAX_COLS);
    if (first) {
      t->cols = (size_t)n;
      int header = 0;
      for (long j = 0; j < n; j++) header |= !is_number_field(&f[j]);
      header |= labels; /* a data file always names its columns */
      first = 0;
      if (header) {
        if (take_header(t, f, t->cols) != 0)
          return uat_error_set(err, UAT_ENOMEM, "%s: out of memory", L->path);
        continue;
      }
    }
    if ((size_t)n != t->cols)
      return uat_error_set(err, UAT_EFORMAT, "%s:%zu:%zu: expected %zu fields, found %ld", L->path,
                           L->line, f[(size_t)n < t->cols ? (size_t)n - 1 : t->cols].col, t->cols,
                           n);
    if (need_types && find_label_columns(t, f) != 0)
      return uat_error_set(err, UAT_ENOMEM, "%s: out of memory", L->path);
    need_types = 0;
    if (push_row(b, t->cols) != 0)
      return uat_error_set(err, UAT_ENOMEM, "%s: out of memory", L->path);
    const int st = parse_fields(L, t, f, b->data + (b->rows - 1) * t->cols, err);
    if (st != UAT_OK) return st;
  }
  if (b->rows == 0)
    return uat_error_set(err, UAT_EFORMAT, "%s:%zu:1: expected at least one row of numbers",
                         L->path, L->line + 1);
  return UAT_OK;
}

static int table_read(const char *path, int labels, uat_table **out, uat_error *err) {
  *out = NULL;
  uat_lines L;
  if (uat_lines_open(&L, path) != 0) return uat_error_set(err, UAT_EIO, "%s: cannot open", path);
  uat_table *t = calloc(1, sizeof *t);
  csv_field *f = malloc(CSV_MAX_COLS * sizeof *f);
  if (t == NULL || f == NULL) {
    uat_lines_close(&L);
    free(t);
    free(f);
    return uat_error_set(err, UAT_ENOMEM, "%s: out of memory", path);
  }
  rowbuf b = {NULL, 0, 0};
  const int st = read_rows(&L, t, &b, f, labels, err);
  uat_lines_close(&L);
  free(f);
  if (st != UAT_OK) {
    free(b.data);
    uat_table_free(t);
    return st;
  }
  t->rows = b.rows;
  t->data = b.data;
  *out = t;
  return UAT_OK;
}

int uat_table_read(const char *path, uat_table **out, uat_error *err) {
  return table_read(path, 0, out, err);
}

int uat_table_read_labels(const char *path, uat_table **out, uat_error *err) {
  return table_read(path, 1, out, err);
}

long uat_table_column(const uat_table *t, const char *name) {
  for (size_t j = 0; t->header && j < t->cols; j++)
    if (strcmp(t->header[j], name) == 0) return (long)j;
  return -1;
}

int uat_table_write(const char *path, const char *const *names, size_t rows, size_t cols,
                    const double *data, uat_error *err) {
  uat_atomic_file af;
  int st = uat_atomic_open(&af, path, err);
  if (st != UAT_OK) return st;
  if (names != NULL)
    for (size_t j = 0; j < cols; j++) fprintf(af.fp, "%s%s", j ? "," : "", names[j]);
  if (names != NULL) fputc('\n', af.fp);
  for (size_t i = 0; i < rows; i++)
    for (size_t j = 0; j < cols; j++)
      fprintf(af.fp, "%.17g%c", data[i * cols + j], j + 1 == cols ? '\n' : ',');
  return uat_atomic_commit(&af, err);
}
