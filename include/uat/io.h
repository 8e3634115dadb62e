/* uat/io.h — atomic output files, numeric CSV tables, and model files. */
#ifndef UAT_IO_H
#define UAT_IO_H

#include <stdio.h>

#include "uat/mlp.h"
#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An output file written to a temporary name beside its destination and renamed into place
 *  on commit, so that readers never see half a file. */
typedef struct {
  FILE *fp;   /**< write here between open and commit */
  char *path; /**< destination */
  char *tmp;  /**< temporary name */
} uat_atomic_file;

/** Open a temporary file beside path. */
int uat_atomic_open(uat_atomic_file *af, const char *path, uat_error *err);

/** Flush, sync and rename into place. On failure the temporary file is removed. */
int uat_atomic_commit(uat_atomic_file *af, uat_error *err);

/** Drop the temporary file; the destination is untouched. Safe after a failed open. */
void uat_atomic_abort(uat_atomic_file *af);

/** A numeric table read from CSV. */
typedef struct {
  size_t rows, cols;
  double *data;     /**< rows x cols, row-major */
  char **header;    /**< cols names, or NULL when the file has no header line */
  char ***labels;   /**< uat_table_read_labels: labels[j], the class names of a text column j in
                         order of first appearance (its values in data are their indices), NULL
                         for a numeric column; NULL for uat_table_read */
  size_t *n_labels; /**< the number of class names of each column (0: numeric) */
} uat_table;

/** Read a CSV file of numbers (RFC 4180 commas; blank lines and lines starting with '#' are
 *  skipped). The first line is a header when any of its fields is not a number. Errors say
 *  `path:line:column: expected ...`. On error *out is NULL. */
int uat_table_read(const char *path, uat_table **out, uat_error *err);

/** Read a CSV data file with a header line whose columns may hold text labels (class names):
 *  a column whose first row is not a number is a label column, its values stored as class
 *  indices (t->labels, t->n_labels); every other field must be a number. Errors as
 *  uat_table_read's, naming the column: `path:line:column: expected a number in column
 *  'sepal_length', found 'x'`. */
int uat_table_read_labels(const char *path, uat_table **out, uat_error *err);

/** The index of the column called name, or -1. */
long uat_table_column(const uat_table *t, const char *name);

/** Allocate a zeroed table (header NULL). */
uat_table *uat_table_alloc(size_t rows, size_t cols);

/** Free; NULL is accepted. */
void uat_table_free(uat_table *t);

/** Write a CSV table atomically: a header line of names (may be NULL for none) and rows of
 *  numbers with 17 significant digits. */
int uat_table_write(const char *path, const char *const *names, size_t rows, size_t cols,
                    const double *data, uat_error *err);

/** Current model file format version (version 1 files, without provenance, are read too). */
#define UAT_MODEL_FORMAT_VERSION 2

/** How a model was made, recorded in its file (each field may be NULL: not recorded): the
 *  target spec, the domain it was trained on (as "x=LO:HI,..." with exact bounds), the trainer,
 *  the seed, and the uat version and git commit that made it. Strings are one line each. */
typedef struct {
  char *target;
  char *domain;
  char *trainer;
  char *uat;    /**< "VERSION COMMIT" */
  int has_seed; /**< whether seed is recorded */
  unsigned long seed;
} uat_model_info;

/** Free the strings of info (as filled by uat_mlp_load_info) and clear it. NULL is accepted. */
void uat_model_info_free(uat_model_info *info);

/** Write a model file (docs/formats.md) to an open stream; info may be NULL. Fields with line
 *  breaks are refused (UAT_EINVAL). */
int uat_mlp_write(FILE *fp, const uat_mlp *m);
int uat_mlp_write_info(FILE *fp, const uat_mlp *m, const uat_model_info *info);

/** Save a model file atomically (with its provenance when info is not NULL). */
int uat_mlp_save(const char *path, const uat_mlp *m, uat_error *err);
int uat_mlp_save_info(const char *path, const uat_mlp *m, const uat_model_info *info,
                      uat_error *err);

/** Load a model file. Errors say `path:line:column: expected ...`; on error *out is NULL and
 *  nothing is half-loaded. The parameters read back are bit-identical to those saved. With
 *  info not NULL it receives the recorded provenance (free it with uat_model_info_free). */
int uat_mlp_load(const char *path, uat_mlp **out, uat_error *err);
int uat_mlp_load_info(const char *path, uat_mlp **out, uat_model_info *info, uat_error *err);

#ifdef __cplusplus
}
#endif
#endif
