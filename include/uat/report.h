/* uat/report.h — tables for papers: CSV (RFC 4180 quoting, 17 significant digits), Markdown
 * and LaTeX (booktabs, scientific notation, optional bold best per column). */
#ifndef UAT_REPORT_H
#define UAT_REPORT_H

#include <stdio.h>

#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { UAT_CELL_TEXT = 0, UAT_CELL_INT, UAT_CELL_NUM } uat_cell_type;

/** One cell: text, an integer, or a real number (NaN prints as "nan" in CSV, "–" elsewhere). */
typedef struct {
  uat_cell_type type;
  const char *text;
  long long i;
  double v;
} uat_cell;

/** Cell constructors. */
uat_cell uat_cell_text(const char *s);
uat_cell uat_cell_int(long long i);
uat_cell uat_cell_num(double v);

typedef struct uat_report uat_report;

/** A table with cols columns and their headers (copied). */
uat_report *uat_report_alloc(size_t cols, const char *const *headers);
void uat_report_free(uat_report *r);

/** Append a row of cols cells (text is copied). */
int uat_report_add_row(uat_report *r, const uat_cell *cells);

size_t uat_report_rows(const uat_report *r);

/** CSV: header line, then rows; fields with a comma, quote or line break are quoted with quotes
 *  doubled (RFC 4180); numbers with 17 significant digits; lines end with LF. */
int uat_report_write_csv(const uat_report *r, FILE *fp);

/** Markdown: numbers in scientific notation with `digits` significant digits. */
int uat_report_write_markdown(const uat_report *r, FILE *fp, int digits);

/** A LaTeX table (needs \usepackage{booktabs}, and graphicx for tables of more than 7
 *  columns, which are scaled to the line width): booktabs rules, numbers as $m \times 10^{e}$
 *  with `digits` significant digits; when bold_best is set, the smallest number of each
 *  numeric column is set in bold. Text is escaped; caption and label may be NULL. */
int uat_report_write_latex(const uat_report *r, FILE *fp, int digits, int bold_best,
                           const char *caption, const char *label);

#ifdef __cplusplus
}
#endif
#endif
