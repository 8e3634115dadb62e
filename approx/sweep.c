/* sweep.c — an experiment's cross product run into a results folder (uat/sweep.h): the plan,
 * the runs.csv schema and its reader side by side, recording, resuming, merging. The worker
 * pool is in sweep_exec.c, the tables, plots and meta.json in sweep_finish.c. */
#define _GNU_SOURCE
#include <dirent.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sweep_internal.h"
#include "uat/io.h"
#include "uat/rollout.h"
#include "uat/util.h"

/* ---- the runs.csv schema: the run id (7 columns), then these, written and read by one table */
typedef enum { COL_SIZE, COL_TEXT, COL_DOUBLE } col_kind;

typedef struct {
  const char *name;
  col_kind kind;
  size_t offset;
  size_t cap; /* COL_TEXT: the field's size */
} column;

#define SIZE_COL(f)                                                                                \
  { #f, COL_SIZE, offsetof(uat_sweep_row, f), 0 }
#define TEXT_COL(f)                                                                                \
  { #f, COL_TEXT, offsetof(uat_sweep_row, f), sizeof(((uat_sweep_row *)0)->f) }
#define DOUBLE_COL(f)                                                                              \
  { #f, COL_DOUBLE, offsetof(uat_sweep_row, f), 0 }

enum { ID_COLUMNS = 7, ROW_COLUMNS = 17 };

static const column columns[ROW_COLUMNS] = {
    SIZE_COL(params),          TEXT_COL(status),          TEXT_COL(stop),
    SIZE_COL(iterations),      SIZE_COL(evaluations),     DOUBLE_COL(train_rmse),
    DOUBLE_COL(test_rmse),     DOUBLE_COL(test_max),      DOUBLE_COL(l2_rel),
    DOUBLE_COL(linf),          DOUBLE_COL(linf_rel),      DOUBLE_COL(deriv_l2_rel),
    DOUBLE_COL(rollout_error), DOUBLE_COL(rollout_drift), DOUBLE_COL(accuracy),
    DOUBLE_COL(margin),        DOUBLE_COL(seconds)};

const char uat_sweep_csv_header[] =
    "run,target,width,depth,activation,trainer,seed,params,status,stop,iterations,evaluations,"
    "train_rmse,test_rmse,test_max,l2_rel,linf,linf_rel,deriv_l2_rel,rollout_error,"
    "rollout_drift,accuracy,margin,seconds";

static void write_row(FILE *fp, const uat_sweep *s, size_t i, const uat_sweep_row *r) {
  char id[512];
  uat_sweep_run_id(s, i, id, sizeof id);
  fputs(id, fp);
  for (size_t c = 0; c < ROW_COLUMNS; c++) {
    const char *field = (const char *)r + columns[c].offset;
    switch (columns[c].kind) {
    case COL_SIZE: fprintf(fp, ",%zu", *(const size_t *)(const void *)field); break;
    case COL_TEXT: fprintf(fp, ",%s", field); break;
    case COL_DOUBLE: fprintf(fp, ",%.17g", *(const double *)(const void *)field); break;
    }
  }
  fputc('\n', fp);
}

/* One field of a row into r; 0 or -1. */
static int read_field(const column *c, const char *text, uat_sweep_row *r) {
  char *field = (char *)r + c->offset;
  switch (c->kind) {
  case COL_SIZE: return uat_parse_size(text, (size_t *)(void *)field) == UAT_OK ? 0 : -1;
  case COL_TEXT:
    if (strlen(text) >= c->cap || text[0] == '\0') return -1;
    memcpy(field, text, strlen(text) + 1);
    return 0;
  case COL_DOUBLE: return uat_parse_double(text, (double *)(void *)field) == UAT_OK ? 0 : -1;
  }
  return -1;
}

/* ---- the plan ------------------------------------------------------------------------------ */
size_t uat_sweep_runs(const uat_sweep *s) { return s->n; }
size_t uat_sweep_cells(const uat_sweep *s) { return s->n / s->e.n_seeds; }
size_t uat_sweep_groups(const uat_sweep *s) {
  return s->e.n_targets * s->e.n_depths * s->e.n_acts * s->e.n_trainers;
}
const uat_experiment *uat_sweep_experiment(const uat_sweep *s) { return &s->e; }
const char *uat_sweep_dir(const uat_sweep *s) { return s->dir; }
const uat_sweep_row *uat_sweep_row_get(const uat_sweep *s, size_t i) {
  return i < s->n ? &s->rows[i] : NULL;
}
void uat_sweep_set_max_memory(uat_sweep *s, size_t bytes) { s->max_memory = bytes; }

size_t uat_sweep_done(const uat_sweep *s) {
  size_t done = 0;
  for (size_t i = 0; i < s->n; i++) done += s->rows[i].done != 0;
  return done;
}

void uat_sweep_run_id(const uat_sweep *s, size_t i, char *buf, size_t len) {
  const uat_experiment *e = &s->e;
  uat_run_index ix;
  uat_experiment_index(e, i, &ix);
  snprintf(buf, len, "%zu,%s,%zu,%zu,%s,%s,%lu", i, e->targets[ix.target].name, e->widths[ix.width],
           e->depths[ix.depth], uat_activation_name(e->acts[ix.act]),
           uat_fit_kind_name(e->trainers[ix.trainer]), e->seeds[ix.seed]);
}

uat_sweep_group uat_sweep_group_get(const uat_sweep *s, size_t g) {
  const uat_experiment *e = &s->e;
  uat_sweep_group x;
  x.trainer = g % e->n_trainers;
  g /= e->n_trainers;
  x.act = g % e->n_acts;
  g /= e->n_acts;
  x.depth = g % e->n_depths;
  x.target = g / e->n_depths;
  return x;
}

void uat_sweep_group_name(const uat_sweep *s, size_t g, char *buf, size_t len) {
  const uat_experiment *e = &s->e;
  const uat_sweep_group x = uat_sweep_group_get(s, g);
  snprintf(buf, len, "%s_d%zu_%s_%s", e->targets[x.target].name, e->depths[x.depth],
           uat_activation_name(e->acts[x.act]), uat_fit_kind_name(e->trainers[x.trainer]));
}

size_t uat_sweep_pending(const uat_sweep *s, size_t c, size_t *idx) {
  size_t k = 0;
  const size_t seeds = s->e.n_seeds;
  for (size_t j = 0; j < seeds && c < uat_sweep_cells(s); j++)
    if (!s->rows[c * seeds + j].done) idx[k++] = c * seeds + j;
  return k;
}

/* ---- running ------------------------------------------------------------------------------- */
static void save_model(const uat_sweep *s, size_t i, const uat_run_spec *sp, const uat_mlp *m,
                       uat_sweep_row *r) {
  char path[4200];
  snprintf(path, sizeof path, "%s/models/run_%05zu.txt", s->dir, i);
  uat_error err;
  uat_model_info info;
  int st = uat_run_model_info(sp, &info, &err);
  if (st == UAT_OK) st = uat_mlp_save_info(path, m, &info, &err);
  uat_model_info_free(&info);
  if (st != UAT_OK) snprintf(r->message, sizeof r->message, "warning: %.140s", err.msg);
}

/* The rollout of run i's learned field: its error and invariant drift into r. */
static void rollout_row(const uat_exp_target *et, const uat_run_spec *sp, const uat_mlp *m,
                        uat_sweep_row *r) {
  uat_target *t = NULL;
  uat_rollout_result rr;
  uat_error err;
  double *times = malloc(et->rollout_n * sizeof *times);
  if (times && uat_target_alloc(sp->target, sp->domain, &t, &err) == UAT_OK) {
    uat_linspace(et->rollout_t0, et->rollout_t1, et->rollout_n, times);
    if (uat_rollout(m, uat_target_system(t), et->rollout_n, times, NULL, NULL, &rr, &err) ==
        UAT_OK) {
      r->rollout_error = rr.max_rel_error;
      r->rollout_drift = rr.invariant_drift;
    }
  }
  uat_target_free(t);
  free(times);
}

/* The row of run i from its result: status, metrics, rollout; the model is saved. */
static void result_to_row(const uat_sweep *s, size_t i, const uat_run_spec *sp, int st,
                          const uat_run_result *res, const uat_mlp *m, const uat_error *err,
                          uat_sweep_row *r) {
  uat_run_index ix;
  uat_experiment_index(&s->e, i, &ix);
  const uat_exp_target *et = &s->e.targets[ix.target];
  memset(r, 0, sizeof *r);
  r->done = 1;
  r->params = res->params;
  r->iterations = res->fit.iterations;
  r->evaluations = res->fit.evaluations;
  r->seconds = res->fit.seconds;
  snprintf(r->stop, sizeof r->stop, "%s", uat_stop_reason_name(res->fit.stop));
  snprintf(r->status, sizeof r->status, "%s",
           st == UAT_OK          ? "ok"
           : st == UAT_EDIVERGED ? "diverged"
                                 : "error");
  const int ok = st == UAT_OK && m != NULL;
  r->train_rmse = ok ? res->fit.rmse : NAN;
  r->test_rmse = ok ? res->report.test_rmse : NAN;
  r->test_max = ok ? res->report.test_max : NAN;
  r->l2_rel = r->linf = r->linf_rel = r->deriv_l2_rel = NAN;
  r->rollout_error = r->rollout_drift = NAN;
  r->accuracy = r->margin = NAN;
  if (!ok) {
    if (st != UAT_EDIVERGED) snprintf(r->message, sizeof r->message, "%.150s", err->msg);
    return;
  }
  if (res->report.is_bool) { /* a classifier: no continuous norms */
    r->accuracy = res->report.accuracy;
    r->margin = res->report.margin;
    save_model(s, i, sp, m, r);
    return;
  }
  r->l2_rel = r->linf = r->linf_rel = 0.0;
  for (size_t o = 0; o < res->report.out; o++) {
    r->l2_rel = fmax(r->l2_rel, res->report.norms[o].l2_rel);
    r->linf = fmax(r->linf, res->report.norms[o].linf);
    r->linf_rel = fmax(r->linf_rel, res->report.norms[o].linf_rel);
    if (res->report.has_deriv)
      r->deriv_l2_rel =
          o ? fmax(r->deriv_l2_rel, res->report.dnorms[o].l2_rel) : res->report.dnorms[o].l2_rel;
  }
  if (et->rollout) rollout_row(et, sp, m, r);
  save_model(s, i, sp, m, r);
}

int uat_sweep_run_cell(const uat_sweep *s, const size_t *idx, size_t k, uat_sweep_row *rows) {
  uat_run_spec *sp = calloc(k, sizeof *sp);
  uat_mlp **m = calloc(k, sizeof(uat_mlp *));
  uat_run_result *res = calloc(k, sizeof *res);
  int *st = calloc(k, sizeof *st);
  uat_error *err = calloc(k, sizeof *err);
  int rc = (sp && m && res && st && err) ? UAT_OK : UAT_ENOMEM;
  if (rc == UAT_OK) {
    for (size_t j = 0; j < k; j++) {
      uat_experiment_spec(&s->e, idx[j], &sp[j]);
      sp[j].max_memory = s->max_memory;
    }
    if (uat_run_seeds(k, sp, m, res, st, err) != UAT_OK)
      for (size_t j = 0; j < k; j++) st[j] = uat_error_set(&err[j], UAT_ENOMEM, "out of memory");
    for (size_t j = 0; j < k; j++) {
      result_to_row(s, idx[j], &sp[j], st[j], &res[j], st[j] == UAT_OK ? m[j] : NULL, &err[j],
                    &rows[j]);
      uat_mlp_free(m[j]);
    }
  }
  free(sp);
  free(m);
  free(res);
  free(st);
  free(err);
  return rc;
}

int uat_sweep_run_one(const uat_sweep *s, size_t i, uat_sweep_row *row) {
  if (i >= s->n) return UAT_EINVAL;
  return uat_sweep_run_cell(s, &i, 1, row);
}

/* ---- recording, resuming, merging ---------------------------------------------------------- */
static int write_runs(const uat_sweep *s, uat_error *err) {
  char path[4200];
  snprintf(path, sizeof path, "%s/runs.csv", s->dir);
  uat_atomic_file af;
  if (uat_atomic_open(&af, path, err) != UAT_OK) return UAT_EIO;
  fprintf(af.fp, "%s\n", uat_sweep_csv_header);
  for (size_t i = 0; i < s->n; i++)
    if (s->rows[i].done) write_row(af.fp, s, i, &s->rows[i]);
  return uat_atomic_commit(&af, err) == UAT_OK ? UAT_OK : UAT_EIO;
}

int uat_sweep_record(uat_sweep *s, size_t i, const uat_sweep_row *row, uat_error *err) {
  if (i >= s->n) return uat_error_set(err, UAT_EINVAL, "sweep: run %zu of %zu", i, s->n);
  s->rows[i] = *row;
  s->rows[i].done = 1;
  return write_runs(s, err);
}

/* One line of runs.csv (without its newline) into s. */
static int read_line(uat_sweep *s, const char *path, size_t lineno, char *line, uat_error *err) {
  char *field[ID_COLUMNS + ROW_COLUMNS];
  size_t nf = 0, col[ID_COLUMNS + ROW_COLUMNS];
  for (char *p = line;; p++) {
    if (nf == ID_COLUMNS + ROW_COLUMNS)
      return uat_error_set(err, UAT_EFORMAT, "%s:%zu:%zu: expected %d columns, found more", path,
                           lineno, (size_t)(p - line), ID_COLUMNS + ROW_COLUMNS);
    col[nf] = (size_t)(p - line) + 1;
    field[nf++] = p;
    p += strcspn(p, ",");
    if (*p == '\0') break;
    *p = '\0';
  }
  if (nf != ID_COLUMNS + ROW_COLUMNS)
    return uat_error_set(err, UAT_EFORMAT, "%s:%zu:1: expected %d columns, found %zu", path, lineno,
                         ID_COLUMNS + ROW_COLUMNS, nf);
  size_t i;
  if (uat_parse_size(field[0], &i) != UAT_OK || i >= s->n)
    return uat_error_set(err, UAT_EFORMAT, "%s:%zu:1: expected a run number below %zu", path,
                         lineno, s->n);
  char id[512], expect[512];
  snprintf(id, sizeof id, "%s", field[0]);
  for (size_t f = 1; f < ID_COLUMNS; f++)
    snprintf(id + strlen(id), sizeof id - strlen(id), ",%s", field[f]);
  uat_sweep_run_id(s, i, expect, sizeof expect);
  if (strcmp(id, expect) != 0)
    return uat_error_set(err, UAT_EFORMAT,
                         "%s:%zu:1: expected run '%.200s' of this experiment, found '%.200s'", path,
                         lineno, expect, id);
  uat_sweep_row r;
  memset(&r, 0, sizeof r);
  for (size_t c = 0; c < ROW_COLUMNS; c++)
    if (read_field(&columns[c], field[ID_COLUMNS + c], &r) != 0)
      return uat_error_set(err, UAT_EFORMAT, "%s:%zu:%zu: expected %s (%s), found '%.60s'", path,
                           lineno, col[ID_COLUMNS + c], columns[c].name,
                           columns[c].kind == COL_TEXT   ? "a word"
                           : columns[c].kind == COL_SIZE ? "a count"
                                                         : "a number",
                           field[ID_COLUMNS + c]);
  r.done = 1;
  s->rows[i] = r;
  return UAT_OK;
}

int uat_sweep_read_rows(uat_sweep *s, const char *path, int missing_ok, uat_error *err) {
  FILE *fp = fopen(path, "r");
  if (fp == NULL) return missing_ok ? UAT_OK : uat_error_set(err, UAT_EIO, "%s: cannot open", path);
  char line[4096];
  size_t lineno = 0;
  int rc = UAT_OK;
  while (rc == UAT_OK && fgets(line, sizeof line, fp)) {
    lineno++;
    const size_t len = strlen(line);
    if (len + 1 == sizeof line && line[len - 1] != '\n') {
      rc = uat_error_set(err, UAT_EFORMAT,
                         "%s:%zu:%zu: expected a line of runs.csv, found a "
                         "longer one",
                         path, lineno, len);
      break;
    }
    line[strcspn(line, "\r\n")] = '\0';
    if (lineno == 1) {
      if (strcmp(line, uat_sweep_csv_header) != 0)
        rc = uat_error_set(err, UAT_EFORMAT, "%s:1:1: expected the runs.csv header '%s'", path,
                           uat_sweep_csv_header);
      continue;
    }
    rc = read_line(s, path, lineno, line, err);
  }
  fclose(fp);
  return rc;
}

int uat_sweep_resume(uat_sweep *s, uat_error *err) {
  char path[4200];
  snprintf(path, sizeof path, "%s/runs.csv", s->dir);
  return uat_sweep_read_rows(s, path, 1, err);
}

int uat_sweep_merge(uat_sweep *s, const char *path, uat_error *err) {
  const int rc = uat_sweep_read_rows(s, path, 0, err);
  return rc == UAT_OK ? write_runs(s, err) : rc;
}

/* ---- the results folder -------------------------------------------------------------------- */
/* The whole of a small text file (NUL-terminated, caller frees), or NULL. */
static char *slurp(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (fp == NULL) return NULL;
  size_t cap = 4096, len = 0, got;
  char *buf = malloc(cap);
  while (buf && (got = fread(buf + len, 1, cap - len - 1, fp)) > 0) {
    len += got;
    if (len + 1 == cap) {
      char *bigger = cap < ((size_t)1 << 24) ? realloc(buf, cap *= 2) : NULL;
      if (bigger == NULL) free(buf);
      buf = bigger;
    }
  }
  const int bad = ferror(fp);
  fclose(fp);
  if (buf == NULL || bad) {
    free(buf);
    return NULL;
  }
  buf[len] = '\0';
  return buf;
}

/* A resumed sweep must run the same experiment as the one the folder was made from. */
static int same_experiment(const uat_sweep *s, uat_error *err) {
  char path[4200];
  snprintf(path, sizeof path, "%s/experiment.ini", s->dir);
  char *was = slurp(path), *now = slurp(s->experiment_path);
  int rc = UAT_OK;
  if (now == NULL) rc = uat_error_set(err, UAT_EIO, "%s: cannot read", s->experiment_path);
  if (was != NULL && now != NULL && strcmp(was, now) != 0) {
    size_t line = 1;
    const char *a = was, *b = now;
    for (; *a && *a == *b; a++, b++)
      if (*a == '\n') line++;
    rc = uat_error_set(err, UAT_EINVAL,
                       "%.200s was made from another version of %.200s (line %zu differs): "
                       "--resume would mix the rows of two experiments; restore the file or "
                       "start a new folder",
                       s->dir, s->experiment_path, line);
  }
  free(was);
  free(now);
  return rc;
}

/* Keep a copy of the experiment file in the results folder (atomically). */
static int keep_experiment(const uat_sweep *s, uat_error *err) {
  char path[4200];
  snprintf(path, sizeof path, "%s/experiment.ini", s->dir);
  char *text = slurp(s->experiment_path);
  if (text == NULL) return uat_error_set(err, UAT_EIO, "%s: cannot read", s->experiment_path);
  uat_atomic_file af;
  int rc = uat_atomic_open(&af, path, err);
  if (rc == UAT_OK) {
    fputs(text, af.fp);
    rc = uat_atomic_commit(&af, err);
  }
  free(text);
  return rc == UAT_OK ? UAT_OK : UAT_EIO;
}

/* A sweep killed while writing leaves its temporary files (NAME.tmp.XXXXXX) behind; the files
 * they were to replace are intact, so a resumed sweep removes them. */
static void remove_stale_temporaries(const char *dir) {
  const char *subdirs[2] = {"", "/models"};
  for (int k = 0; k < 2; k++) {
    char path[4200];
    snprintf(path, sizeof path, "%s%s", dir, subdirs[k]);
    DIR *d = opendir(path);
    if (d == NULL) continue;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      const char *t = strstr(e->d_name, ".tmp.");
      if (t == NULL || strlen(t) != 11) continue;
      char file[4600];
      snprintf(file, sizeof file, "%s/%s", path, e->d_name);
      unlink(file);
    }
    closedir(d);
  }
}

static int make_dirs(const char *dir) {
  char path[4200];
  snprintf(path, sizeof path, "%s", dir);
  for (char *p = path + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      mkdir(path, 0777);
      *p = '/';
    }
  mkdir(path, 0777);
  snprintf(path, sizeof path, "%s/models", dir);
  mkdir(path, 0777);
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

void uat_sweep_free(uat_sweep *s) {
  if (s == NULL) return;
  free(s->rows);
  free(s);
}

/* The folder, checked and made; the experiment file kept or compared. */
static int open_folder(uat_sweep *s, int resume, uat_error *err) {
  char path[4200];
  snprintf(path, sizeof path, "%s/runs.csv", s->dir);
  struct stat st;
  if (!resume && stat(path, &st) == 0)
    return uat_error_set(err, UAT_EINVAL,
                         "%s exists: continue it with --resume, or choose "
                         "another folder",
                         path);
  if (make_dirs(s->dir) != 0)
    return uat_error_set(err, UAT_EIO, "%s: cannot create the results folder", s->dir);
  if (!resume) return keep_experiment(s, err);
  const int rc = same_experiment(s, err);
  if (rc != UAT_OK) return rc;
  remove_stale_temporaries(s->dir);
  return uat_sweep_resume(s, err);
}

/* The plan alone: the experiment, its rows, the cost model's sizes. */
static int plan(const uat_experiment *e, const char *experiment_path, const char *dir,
                uat_sweep **out, uat_error *err) {
  *out = NULL;
  if (strlen(dir) >= sizeof((uat_sweep *)0)->dir - 64 ||
      strlen(experiment_path) >= sizeof((uat_sweep *)0)->experiment_path)
    return uat_error_set(err, UAT_EINVAL, "sweep: the folder or file name is too long");
  const size_t n = uat_experiment_runs(e);
  if (n == 0) return uat_error_set(err, UAT_EINVAL, "%s: the experiment has no runs", dir);
  uat_sweep *s = calloc(1, sizeof *s);
  if (s == NULL || (s->rows = calloc(n, sizeof *s->rows)) == NULL) {
    uat_sweep_free(s);
    return uat_error_set(err, UAT_ENOMEM, "sweep: out of memory");
  }
  s->e = *e;
  s->n = n;
  snprintf(s->dir, sizeof s->dir, "%s", dir);
  snprintf(s->experiment_path, sizeof s->experiment_path, "%s", experiment_path);
  const int rc = uat_sweep_plan_costs(s, err);
  if (rc != UAT_OK) {
    uat_sweep_free(s);
    return rc;
  }
  *out = s;
  return UAT_OK;
}

int uat_sweep_attach(const uat_experiment *e, const char *experiment_path, const char *dir,
                     uat_sweep **out, uat_error *err) {
  return plan(e, experiment_path, dir, out, err);
}

int uat_sweep_open(const uat_experiment *e, const char *experiment_path, const char *dir,
                   int resume, uat_sweep **out, uat_error *err) {
  *out = NULL;
  uat_sweep *s = NULL;
  int rc = plan(e, experiment_path, dir, &s, err);
  if (rc == UAT_OK) rc = open_folder(s, resume, err);
  if (rc != UAT_OK) {
    uat_sweep_free(s);
    return rc;
  }
  *out = s;
  return UAT_OK;
}
