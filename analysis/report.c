/* report.c — tables as CSV, Markdown and LaTeX. */
#include "uat/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct uat_report {
  size_t cols, rows, cap;
  char **headers;
  uat_cell *cells; /* rows x cols; text cells own their strings */
};

uat_cell uat_cell_text(const char *s) {
  const uat_cell c = {UAT_CELL_TEXT, s, 0, 0.0};
  return c;
}
uat_cell uat_cell_int(long long i) {
  const uat_cell c = {UAT_CELL_INT, NULL, i, 0.0};
  return c;
}
uat_cell uat_cell_num(double v) {
  const uat_cell c = {UAT_CELL_NUM, NULL, 0, v};
  return c;
}

static char *dup(const char *s) {
  const size_t n = strlen(s ? s : "");
  char *d = malloc(n + 1);
  if (d) memcpy(d, s ? s : "", n + 1);
  return d;
}

uat_report *uat_report_alloc(size_t cols, const char *const *headers) {
  if (cols == 0) return NULL;
  uat_report *r = calloc(1, sizeof *r);
  if (r == NULL) return NULL;
  r->cols = cols;
  r->headers = calloc(cols, sizeof *r->headers);
  if (r->headers == NULL) {
    uat_report_free(r);
    return NULL;
  }
  for (size_t j = 0; j < cols; j++)
    if ((r->headers[j] = dup(headers[j])) == NULL) {
      uat_report_free(r);
      return NULL;
    }
  return r;
}

void uat_report_free(uat_report *r) {
  if (r == NULL) return;
  for (size_t k = 0; k < r->rows * r->cols; k++)
    if (r->cells[k].type == UAT_CELL_TEXT) free((char *)r->cells[k].text);
  for (size_t j = 0; r->headers && j < r->cols; j++) free(r->headers[j]);
  free(r->headers);
  free(r->cells);
  free(r);
}

int uat_report_add_row(uat_report *r, const uat_cell *cells) {
  if (r->rows == r->cap) {
    const size_t cap = r->cap ? 2 * r->cap : 16;
    uat_cell *c = realloc(r->cells, cap * r->cols * sizeof *c);
    if (c == NULL) return UAT_ENOMEM;
    r->cells = c;
    r->cap = cap;
  }
  uat_cell *row = r->cells + r->rows * r->cols;
  for (size_t j = 0; j < r->cols; j++) {
    row[j] = cells[j];
    if (cells[j].type == UAT_CELL_TEXT && (row[j].text = dup(cells[j].text)) == NULL) {
      for (size_t k = 0; k < j; k++)
        if (row[k].type == UAT_CELL_TEXT) free((char *)row[k].text);
      return UAT_ENOMEM;
    }
  }
  r->rows++;
  return UAT_OK;
}

size_t uat_report_rows(const uat_report *r) { return r->rows; }

static void csv_field(FILE *fp, const char *s) {
  if (strpbrk(s, ",\"\r\n") == NULL) {
    fputs(s, fp);
    return;
  }
  fputc('"', fp);
  for (; *s; s++) {
    if (*s == '"') fputc('"', fp);
    fputc(*s, fp);
  }
  fputc('"', fp);
}

int uat_report_write_csv(const uat_report *r, FILE *fp) {
  for (size_t j = 0; j < r->cols; j++) {
    if (j) fputc(',', fp);
    csv_field(fp, r->headers[j]);
  }
  fputc('\n', fp);
  for (size_t i = 0; i < r->rows; i++) {
    for (size_t j = 0; j < r->cols; j++) {
      const uat_cell *c = &r->cells[i * r->cols + j];
      if (j) fputc(',', fp);
      if (c->type == UAT_CELL_TEXT)
        csv_field(fp, c->text);
      else if (c->type == UAT_CELL_INT)
        fprintf(fp, "%lld", c->i);
      else
        fprintf(fp, "%.17g", c->v);
    }
    fputc('\n', fp);
  }
  return ferror(fp) ? UAT_EIO : UAT_OK;
}

static void md_text(FILE *fp, const char *s) {
  for (; *s; s++) {
    if (*s == '|') fputc('\\', fp);
    fputc(*s == '\n' ? ' ' : *s, fp);
  }
}

int uat_report_write_markdown(const uat_report *r, FILE *fp, int digits) {
  fputs("|", fp);
  for (size_t j = 0; j < r->cols; j++) {
    fputc(' ', fp);
    md_text(fp, r->headers[j]);
    fputs(" |", fp);
  }
  fputs("\n|", fp);
  for (size_t j = 0; j < r->cols; j++) fputs("---|", fp);
  fputc('\n', fp);
  for (size_t i = 0; i < r->rows; i++) {
    fputc('|', fp);
    for (size_t j = 0; j < r->cols; j++) {
      const uat_cell *c = &r->cells[i * r->cols + j];
      fputc(' ', fp);
      if (c->type == UAT_CELL_TEXT)
        md_text(fp, c->text);
      else if (c->type == UAT_CELL_INT)
        fprintf(fp, "%lld", c->i);
      else if (isnan(c->v))
        fputs("–", fp);
      else
        fprintf(fp, "%.*e", digits > 1 ? digits - 1 : 0, c->v);
      fputs(" |", fp);
    }
    fputc('\n', fp);
  }
  return ferror(fp) ? UAT_EIO : UAT_OK;
}

static void tex_text(FILE *fp, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '\\': fputs("\\textbackslash{}", fp); break;
    case '~': fputs("\\textasciitilde{}", fp); break;
    case '^': fputs("\\textasciicircum{}", fp); break;
    case '_':
    case '%':
    case '&':
    case '#':
    case '$':
    case '{':
    case '}':
      fputc('\\', fp);
      fputc(*s, fp);
      break;
    default: fputc(*s, fp); break;
    }
  }
}

/* $m \times 10^{e}$, or $m$ when the exponent is 0; bold as \mathbf. */
static void tex_number(FILE *fp, double v, int digits, int bold) {
  if (isnan(v)) {
    fputs("--", fp);
    return;
  }
  if (isinf(v)) {
    fputs(v > 0 ? "$\\infty$" : "$-\\infty$", fp);
    return;
  }
  char buf[64];
  snprintf(buf, sizeof buf, "%.*e", digits > 1 ? digits - 1 : 0, v);
  char *e = strchr(buf, 'e');
  const int ex = e ? atoi(e + 1) : 0;
  if (e) *e = '\0';
  fputs(bold ? "$\\mathbf{" : "$", fp);
  if (ex == 0)
    fputs(buf, fp);
  else
    fprintf(fp, "%s \\times 10^{%d}", buf, ex);
  fputs(bold ? "}$" : "$", fp);
}

/* Row index of the smallest finite number in column j, or -1. */
static long best_row(const uat_report *r, size_t j) {
  long best = -1;
  for (size_t i = 0; i < r->rows; i++) {
    const uat_cell *c = &r->cells[i * r->cols + j];
    if (c->type != UAT_CELL_NUM || !isfinite(c->v)) continue;
    if (best < 0 || c->v < r->cells[(size_t)best * r->cols + j].v) best = (long)i;
  }
  return best;
}

int uat_report_write_latex(const uat_report *r, FILE *fp, int digits, int bold_best,
                           const char *caption, const char *label) {
  const int wide = r->cols > 7; /* would run past the margin in an article */
  fputs("\\begin{table}[ht]\n\\centering\n", fp);
  if (caption) {
    fputs("\\caption{", fp);
    tex_text(fp, caption);
    fputs("}\n", fp);
  }
  if (label) {
    fputs("\\label{", fp);
    tex_text(fp, label);
    fputs("}\n", fp);
  }
  if (wide) fputs("\\resizebox{\\linewidth}{!}{%\n", fp);
  fputs("\\begin{tabular}{", fp);
  for (size_t j = 0; j < r->cols; j++)
    fputc(r->rows && r->cells[j].type == UAT_CELL_TEXT ? 'l' : 'r', fp);
  fputs("}\n\\toprule\n", fp);
  for (size_t j = 0; j < r->cols; j++) {
    if (j) fputs(" & ", fp);
    tex_text(fp, r->headers[j]);
  }
  fputs(" \\\\\n\\midrule\n", fp);
  for (size_t i = 0; i < r->rows; i++) {
    for (size_t j = 0; j < r->cols; j++) {
      const uat_cell *c = &r->cells[i * r->cols + j];
      if (j) fputs(" & ", fp);
      if (c->type == UAT_CELL_TEXT)
        tex_text(fp, c->text);
      else if (c->type == UAT_CELL_INT)
        fprintf(fp, "%lld", c->i);
      else
        tex_number(fp, c->v, digits, bold_best && best_row(r, j) == (long)i);
    }
    fputs(" \\\\\n", fp);
  }
  fputs("\\bottomrule\n\\end{tabular}", fp);
  fputs(wide ? "}\n" : "\n", fp);
  fputs("\\end{table}\n", fp);
  return ferror(fp) ? UAT_EIO : UAT_OK;
}
