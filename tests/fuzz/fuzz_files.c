/* fuzz_files.c — libFuzzer target for every file reader: model files, CSV tables and experiment
 * files, data files with labels. The first input byte picks the reader; the rest is the file.
 * Whatever the bytes, a reader returns a status with a positioned message or a valid object — it
 * never crashes, reads or writes out of bounds (ASan), or leaks. A model that loads must save and
 * load back to the same bits. Built when clang is the compiler and UAT_FUZZ is on (scripts/test
 * --fuzz). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uat/experiment.h"
#include "uat/io.h"
#include "uat/mlp.h"

static const char *write_temp(const uint8_t *data, size_t size, char *path, size_t len) {
  snprintf(path, len, "/tmp/uat_fuzz_%ld.txt", (long)getpid());
  FILE *fp = fopen(path, "wb");
  if (fp == NULL) return NULL;
  if (size > 0 && fwrite(data, 1, size, fp) != size) {
    fclose(fp);
    return NULL;
  }
  return fclose(fp) == 0 ? path : NULL;
}

static void model(const char *path) {
  uat_mlp *m = NULL;
  uat_error err;
  if (uat_mlp_load(path, &m, &err) != UAT_OK) {
    if (strstr(err.msg, path) == NULL) abort(); /* every message names the file */
    return;
  }
  char copy[64];
  snprintf(copy, sizeof copy, "%s.copy", path);
  uat_mlp *back = NULL;
  if (uat_mlp_save(copy, m, &err) != UAT_OK || uat_mlp_load(copy, &back, &err) != UAT_OK ||
      back->n_params != m->n_params ||
      memcmp(back->theta, m->theta, m->n_params * sizeof *m->theta) != 0)
    abort();
  unlink(copy);
  uat_mlp_free(back);
  uat_mlp_free(m);
}

static void table(const char *path) {
  uat_table *t = NULL;
  uat_error err;
  if (uat_table_read(path, &t, &err) != UAT_OK) {
    if (strstr(err.msg, path) == NULL) abort();
    return;
  }
  /* every cell is readable */
  volatile double sum = 0;
  for (size_t i = 0; i < t->rows * t->cols; i++) sum += t->data[i];
  (void)sum;
  uat_table_free(t);
}

/* A data file with label columns (the data: targets' reader): every label index names a label. */
static void labelled(const char *path) {
  uat_table *t = NULL;
  uat_error err;
  if (uat_table_read_labels(path, &t, &err) != UAT_OK) {
    if (strstr(err.msg, path) == NULL) abort();
    return;
  }
  for (size_t j = 0; j < t->cols; j++) {
    if (t->header[j] == NULL) abort();
    for (size_t i = 0; t->labels[j] && i < t->rows; i++) {
      const double v = t->data[i * t->cols + j];
      if (!(v >= 0 && v < (double)t->n_labels[j]) || t->labels[j][(size_t)v] == NULL) abort();
    }
  }
  uat_table_free(t);
}

static void experiment(const char *path) {
  static uat_experiment e;
  uat_error err;
  if (uat_experiment_load(path, &e, &err) != UAT_OK) {
    if (strstr(err.msg, path) == NULL) abort();
    return;
  }
  /* every run of a loaded experiment has a specification */
  const size_t n = uat_experiment_runs(&e);
  for (size_t i = 0; i < n && i < 64; i++) {
    uat_run_spec s;
    uat_experiment_spec(&e, i, &s);
    if (s.n_hidden == 0 || s.n_hidden > 32) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  char path[64];
  if (write_temp(data + 1, size - 1, path, sizeof path) == NULL) return 0;
  switch (data[0] % 4) {
  case 0: model(path); break;
  case 1: table(path); break;
  case 2: experiment(path); break;
  default: labelled(path); break;
  }
  unlink(path);
  return 0;
}
