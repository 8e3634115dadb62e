/* cmd_sweep.c — `uat sweep EXPERIMENT.ini [-o results/NAME] [--resume]`: every run of the
 * experiment's cross product, into a results folder (docs/experiments.md):
 *   runs.csv     one row per run, rewritten atomically after every run (what --resume reads)
 *   models/      every trained network
 *   summary.md, summary.tex   median and best errors over seeds per width
 *   scaling.csv  error ~ width^s fits with 95% intervals
 *   *.png, *.svg plots (with their data and gnuplot scripts); meta.json */
#define _GNU_SOURCE
#include <dirent.h>
#include <getopt.h>
#include <gsl/gsl_version.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sundials/sundials_config.h>
#ifdef __linux__
#include <sys/prctl.h>

#endif
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "uat/experiment.h"
#include "uat/io.h"
#include "uat/kernels.h"
#include "uat/plot.h"
#include "uat/report.h"
#include "uat/rollout.h"
#include "uat/stats.h"
#include "uat/version.h"

/* What a run leaves in runs.csv. */
typedef struct {
  int done;
  char status[16]; /* ok, diverged, error */
  char stop[16];
  size_t params, iterations, evaluations;
  double train_rmse, test_rmse, test_max, l2_rel, linf, linf_rel, deriv_l2_rel;
  double rollout_error, rollout_drift, seconds;
} run_row;

static const char *const csv_header =
    "run,target,width,depth,activation,trainer,seed,params,status,stop,iterations,evaluations,"
    "train_rmse,test_rmse,test_max,l2_rel,linf,linf_rel,deriv_l2_rel,rollout_error,"
    "rollout_drift,seconds";

static void help(FILE *fp) {
  fprintf(
      fp,
      "usage: uat sweep EXPERIMENT.ini [-o results/NAME] [--resume] [--jobs N] [--no-progress]\n"
      "                [--max-memory B]\n\n"
      "Run the cross product of the experiment's targets, widths, depths, activations, trainers\n"
      "and seeds, and write the results folder: runs.csv, models/, summary.md, summary.tex,\n"
      "scaling.csv, plots and meta.json. A sweep that was stopped continues with --resume,\n"
      "skipping finished runs, and ends with the same tables as one that was not.\n\n"
      "  -o, --output DIR   results folder (default results/NAME, NAME from the file)\n"
      "      --resume       continue the sweep in DIR\n"
      "  -j, --jobs N       runs in parallel, one process each (default: the processors)\n"
      "      --no-progress  no progress bar\n"
      "      --max-memory B refuse runs that would need more than B bytes (K, M, G suffixes;\n"
      "                     default half the physical memory); they are recorded as errors\n"
      "  -h, --help         this text\n");
}

static void row_key(const uat_experiment *e, size_t i, char *buf, size_t len) {
  uat_run_index ix;
  uat_experiment_index(e, i, &ix);
  snprintf(buf, len, "%zu,%s,%zu,%zu,%s,%s,%lu", i, e->targets[ix.target].name, e->widths[ix.width],
           e->depths[ix.depth], uat_activation_name(e->acts[ix.act]),
           uat_fit_kind_name(e->trainers[ix.trainer]), e->seeds[ix.seed]);
}

static void write_row(FILE *fp, const uat_experiment *e, size_t i, const run_row *r) {
  char key[256];
  row_key(e, i, key, sizeof key);
  fprintf(fp, "%s,%zu,%s,%s,%zu,%zu", key, r->params, r->status, r->stop, r->iterations,
          r->evaluations);
  const double v[11] = {r->train_rmse,    r->test_rmse, r->test_max,     r->l2_rel,
                        r->linf,          r->linf_rel,  r->deriv_l2_rel, r->rollout_error,
                        r->rollout_drift, r->seconds};
  for (int k = 0; k < 10; k++) fprintf(fp, ",%.17g", v[k]);
  fputc('\n', fp);
}

static int write_runs(const char *dir, const uat_experiment *e, const run_row *rows, size_t n) {
  char path[4096];
  snprintf(path, sizeof path, "%.3000s/runs.csv", dir);
  uat_atomic_file af;
  uat_error err;
  if (uat_atomic_open(&af, path, &err) != UAT_OK) {
    uat_cli_error("sweep", "%s", err.msg);
    return -1;
  }
  fprintf(af.fp, "%s\n", csv_header);
  for (size_t i = 0; i < n; i++)
    if (rows[i].done) write_row(af.fp, e, i, &rows[i]);
  if (uat_atomic_commit(&af, &err) != UAT_OK) {
    uat_cli_error("sweep", "%s", err.msg);
    return -1;
  }
  return 0;
}

/* --resume: take the finished runs of runs.csv back, checking that each belongs here. */
static int read_runs(const char *dir, const uat_experiment *e, run_row *rows, size_t n) {
  char path[4096], line[4096];
  snprintf(path, sizeof path, "%.3000s/runs.csv", dir);
  FILE *fp = fopen(path, "r");
  if (fp == NULL) return 0; /* nothing finished yet */
  size_t lineno = 0;
  int rc = 0;
  while (fgets(line, sizeof line, fp) && rc == 0) {
    lineno++;
    if (lineno == 1) continue;
    size_t i;
    char key[256], expect[256];
    if (sscanf(line, "%zu", &i) != 1 || i >= n) {
      uat_cli_error("sweep", "%s:%zu:1: expected a run number below %zu", path, lineno, n);
      rc = -1;
      break;
    }
    row_key(e, i, expect, sizeof expect);
    /* the first 7 fields name the run */
    const char *p = line;
    for (int f = 0; f < 7 && p; f++) p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
    const size_t klen = p ? (size_t)(p - line - 1) : 0;
    snprintf(key, sizeof key, "%.*s", (int)klen, line);
    if (p == NULL || strcmp(key, expect) != 0) {
      uat_cli_error("sweep", "%s:%zu:1: expected run '%s' of this experiment, found '%s'", path,
                    lineno, expect, key);
      rc = -1;
      break;
    }
    run_row *r = &rows[i];
    if (sscanf(p, "%zu,%15[^,],%15[^,],%zu,%zu,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &r->params,
               r->status, r->stop, &r->iterations, &r->evaluations, &r->train_rmse, &r->test_rmse,
               &r->test_max, &r->l2_rel, &r->linf, &r->linf_rel, &r->deriv_l2_rel,
               &r->rollout_error, &r->rollout_drift, &r->seconds) != 15) {
      uat_cli_error("sweep", "%s:%zu: expected the %s columns", path, lineno, "22");
      rc = -1;
      break;
    }
    r->done = 1;
  }
  fclose(fp);
  return rc;
}

static void save_model(const char *dir, size_t i, const uat_mlp *m) {
  char path[4096];
  snprintf(path, sizeof path, "%.3000s/models/run_%05zu.txt", dir, i);
  uat_error err;
  if (uat_mlp_save(path, m, &err) != UAT_OK) fprintf(stderr, "uat sweep: warning: %s\n", err.msg);
}

/* The row of run i from its result: status, metrics, rollout; the model is saved and freed. */
static void run_to_row(const char *dir, const uat_experiment *e, size_t i, const uat_run_spec *sp,
                       int st, const uat_run_result *res, uat_mlp *m, const uat_error *err,
                       run_row *r) {
  uat_run_index ix;
  uat_experiment_index(e, i, &ix);
  const uat_exp_target *et = &e->targets[ix.target];
  memset(r, 0, sizeof *r);
  r->done = 1;
  r->params = res->params;
  r->iterations = res->fit.iterations;
  r->evaluations = res->fit.evaluations;
  r->seconds = res->fit.seconds;
  snprintf(r->stop, sizeof r->stop, "%s", uat_fit_stop_name(res->fit.stop));
  snprintf(r->status, sizeof r->status, "%s",
           st == UAT_OK          ? "ok"
           : st == UAT_EDIVERGED ? "diverged"
                                 : "error");
  r->train_rmse = st == UAT_OK ? res->fit.rmse : NAN;
  r->test_rmse = st == UAT_OK ? res->report.test_rmse : NAN;
  r->test_max = st == UAT_OK ? res->report.test_max : NAN;
  r->l2_rel = r->linf = r->linf_rel = r->deriv_l2_rel = NAN;
  r->rollout_error = r->rollout_drift = NAN;
  if (st != UAT_OK) {
    if (st != UAT_EDIVERGED) fprintf(stderr, "\nuat sweep: run %zu: %s\n", i, err->msg);
    uat_mlp_free(m);
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
  if (et->rollout) {
    uat_target *t = NULL;
    uat_rollout_result rr;
    uat_error rerr;
    double *times = malloc(et->rollout_n * sizeof *times);
    if (times && uat_target_alloc(sp->target, sp->domain, &t, &rerr) == UAT_OK) {
      for (size_t k = 0; k < et->rollout_n; k++)
        times[k] = et->rollout_t0 +
                   (et->rollout_t1 - et->rollout_t0) * (double)k / (double)(et->rollout_n - 1);
      if (uat_rollout(m, uat_target_system(t), et->rollout_n, times, NULL, NULL, &rr, &rerr) ==
          UAT_OK) {
        r->rollout_error = rr.max_rel_error;
        r->rollout_drift = rr.invariant_drift;
      }
    }
    uat_target_free(t);
    free(times);
  }
  save_model(dir, i, m);
  uat_mlp_free(m);
}

/* The runs idx[0..k) — seeds of one cell of the sweep — together: side by side in SIMD lanes
 * where the trainer allows (uat_run_seeds: the same results as one by one). rows[j] receives
 * run idx[j]'s row. */
/* The memory budget of every run (--max-memory). */
static size_t sweep_budget = 0;

static void run_cell(const char *dir, const uat_experiment *e, const size_t *idx, size_t k,
                     run_row *rows) {
  uat_run_spec *sp = calloc(k, sizeof *sp);
  uat_mlp **m = calloc(k, sizeof(uat_mlp *));
  uat_run_result *res = calloc(k, sizeof *res);
  int *st = calloc(k, sizeof *st);
  uat_error *err = calloc(k, sizeof *err);
  if (sp && m && res && st && err) {
    for (size_t j = 0; j < k; j++) {
      uat_experiment_spec(e, idx[j], &sp[j]);
      sp[j].max_memory = sweep_budget;
    }
    if (uat_run_seeds(k, sp, m, res, st, err) != UAT_OK)
      for (size_t j = 0; j < k; j++) st[j] = uat_error_set(&err[j], UAT_ENOMEM, "out of memory");
    for (size_t j = 0; j < k; j++)
      run_to_row(dir, e, idx[j], &sp[j], st[j], &res[j], st[j] == UAT_OK ? m[j] : NULL, &err[j],
                 &rows[j]);
  } else {
    const uat_error oom = {UAT_ENOMEM, "out of memory"};
    uat_run_result none;
    memset(&none, 0, sizeof none);
    for (size_t j = 0; j < k; j++)
      run_to_row(dir, e, idx[j], NULL, UAT_ENOMEM, &none, NULL, &oom, &rows[j]);
  }
  free(sp);
  free(m);
  free(res);
  free(st);
  free(err);
}

/* The pending runs of cell c (the seeds of one target, depth, activation, trainer and width),
 * into idx; returns how many. */
static size_t pending_in_cell(const uat_experiment *e, const run_row *rows, size_t c, size_t *idx) {
  size_t k = 0;
  for (size_t s = 0; s < e->n_seeds; s++)
    if (!rows[c * e->n_seeds + s].done) idx[k++] = c * e->n_seeds + s;
  return k;
}

/* ---- tables, fits, plots ------------------------------------------------------------------- */
typedef struct {
  size_t target, depth, act, trainer;
} group;

static size_t n_groups(const uat_experiment *e) {
  return e->n_targets * e->n_depths * e->n_acts * e->n_trainers;
}

static group group_of(const uat_experiment *e, size_t g) {
  group x;
  x.trainer = g % e->n_trainers;
  g /= e->n_trainers;
  x.act = g % e->n_acts;
  g /= e->n_acts;
  x.depth = g % e->n_depths;
  x.target = g / e->n_depths;
  return x;
}

/* Test RMSE of the seeds of one width in one group. */
static size_t seed_values(const uat_experiment *e, const run_row *rows, size_t g, size_t w,
                          double *v, const run_row **first) {
  const size_t base = (g * e->n_widths + w) * e->n_seeds;
  *first = &rows[base];
  for (size_t s = 0; s < e->n_seeds; s++) v[s] = rows[base + s].test_rmse;
  return e->n_seeds;
}

static void group_name(const uat_experiment *e, group x, char *buf, size_t len) {
  snprintf(buf, len, "%s_d%zu_%s_%s", e->targets[x.target].name, e->depths[x.depth],
           uat_activation_name(e->acts[x.act]), uat_fit_kind_name(e->trainers[x.trainer]));
}

static int write_tables(const char *dir, const uat_experiment *e, const run_row *rows) {
  const char *h[13] = {"target",
                       "depth",
                       "activation",
                       "trainer",
                       "width",
                       "params",
                       "runs",
                       "diverged",
                       "median test RMSE",
                       "best test RMSE",
                       "median rel. L-inf",
                       "median rollout error",
                       "median iterations"};
  uat_report *rep = uat_report_alloc(13, h);
  const char *sh[12] = {"target",   "depth", "activation", "trainer", "measure", "points",
                        "exponent", "se",    "ci_lo",      "ci_hi",   "r2",      "quality"};
  uat_report *sc = uat_report_alloc(12, sh);
  if (rep == NULL || sc == NULL) return -1;
  double *v = malloc(e->n_seeds * sizeof *v), *w = malloc(e->n_seeds * sizeof *w);
  double *N = malloc(e->n_widths * sizeof *N), *med = malloc(e->n_widths * sizeof *med),
         *best = malloc(e->n_widths * sizeof *best);
  for (size_t g = 0; g < n_groups(e) && v && w && N && med && best; g++) {
    const group x = group_of(e, g);
    for (size_t wi = 0; wi < e->n_widths; wi++) {
      const run_row *first;
      const size_t n = seed_values(e, rows, g, wi, v, &first);
      uat_summary s, sl, sr, si;
      uat_summary_compute(v, n, NAN, &s);
      for (size_t k = 0; k < n; k++) w[k] = first[k].linf_rel;
      uat_summary_compute(w, n, NAN, &sl);
      for (size_t k = 0; k < n; k++) w[k] = first[k].rollout_error;
      uat_summary_compute(w, n, NAN, &sr);
      for (size_t k = 0; k < n; k++) w[k] = (double)first[k].iterations;
      uat_summary_compute(w, n, NAN, &si);
      N[wi] = (double)e->widths[wi];
      med[wi] = s.median;
      best[wi] = s.min;
      const uat_cell row[13] = {uat_cell_text(e->targets[x.target].name),
                                uat_cell_int((long long)e->depths[x.depth]),
                                uat_cell_text(uat_activation_name(e->acts[x.act])),
                                uat_cell_text(uat_fit_kind_name(e->trainers[x.trainer])),
                                uat_cell_int((long long)e->widths[wi]),
                                uat_cell_int((long long)first->params),
                                uat_cell_int((long long)n),
                                uat_cell_int((long long)s.diverged),
                                uat_cell_num(s.median),
                                uat_cell_num(s.min),
                                uat_cell_num(sl.median),
                                uat_cell_num(sr.median),
                                uat_cell_int((long long)llround(si.median))};
      uat_report_add_row(rep, row);
    }
    for (int k = 0; k < 2; k++) {
      uat_scaling_fit fit;
      uat_scaling_fit_compute(N, k ? best : med, NULL, e->n_widths, &fit);
      const uat_cell row[12] = {uat_cell_text(e->targets[x.target].name),
                                uat_cell_int((long long)e->depths[x.depth]),
                                uat_cell_text(uat_activation_name(e->acts[x.act])),
                                uat_cell_text(uat_fit_kind_name(e->trainers[x.trainer])),
                                uat_cell_text(k ? "best test RMSE" : "median test RMSE"),
                                uat_cell_int((long long)fit.n),
                                uat_cell_num(fit.slope),
                                uat_cell_num(fit.slope_se),
                                uat_cell_num(fit.ci_lo),
                                uat_cell_num(fit.ci_hi),
                                uat_cell_num(fit.r2),
                                uat_cell_text(uat_fit_quality_name(fit.quality))};
      uat_report_add_row(sc, row);
      if (k == 0 && e->n_widths >= 2) {
        char base[4096], name[256];
        group_name(e, x, name, sizeof name);
        snprintf(base, sizeof base, "%.3000s/scaling_%s", dir, name);
        uat_error err;
        const int pst = uat_plot_scaling(base, N, med, e->n_widths, &fit, "hidden width",
                                         "median test RMSE", &err);
        if (pst == UAT_ENOTFOUND && g == 0) fprintf(stderr, "uat sweep: warning: %s\n", err.msg);
      }
    }
  }
  char path[4096];
  uat_error err;
  uat_atomic_file af;
  int rc = 0;
  const char *names[3] = {"summary.md", "summary.tex", "scaling.csv"};
  for (int f = 0; f < 3 && rc == 0; f++) {
    snprintf(path, sizeof path, "%.3000s/%s", dir, names[f]);
    if (uat_atomic_open(&af, path, &err) != UAT_OK) {
      rc = -1;
      break;
    }
    if (f == 0) {
      fprintf(af.fp, "# %s\n\n%s\n\nTest RMSE over seeds, per width.\n\n", e->name, e->description);
      uat_report_write_markdown(rep, af.fp, 3);
      fprintf(af.fp, "\nScaling fits: log(test RMSE) = a + s log(width).\n\n");
      uat_report_write_markdown(sc, af.fp, 3);
    } else if (f == 1) {
      uat_report_write_latex(rep, af.fp, 3, 1, e->name);
      uat_report_write_latex(sc, af.fp, 3, 0, "scaling exponents");
    } else {
      uat_report_write_csv(sc, af.fp);
    }
    if (uat_atomic_commit(&af, &err) != UAT_OK) rc = -1;
  }
  if (rc != 0) uat_cli_error("sweep", "%s", err.msg);
  free(v);
  free(w);
  free(N);
  free(med);
  free(best);
  uat_report_free(rep);
  uat_report_free(sc);
  return rc;
}

/* For each target with a rollout: the learned dynamics of its most accurate run against the
 * truth, over time and in the phase plane. */
static void rollout_plots(const char *dir, const uat_experiment *e, const run_row *rows) {
  const size_t n = uat_experiment_runs(e);
  for (size_t ti = 0; ti < e->n_targets; ti++) {
    const uat_exp_target *et = &e->targets[ti];
    if (!et->rollout) continue;
    long best = -1;
    for (size_t i = 0; i < n; i++) {
      uat_run_index ix;
      uat_experiment_index(e, i, &ix);
      if (ix.target != ti || strcmp(rows[i].status, "ok") != 0 || !isfinite(rows[i].rollout_error))
        continue;
      if (best < 0 || rows[i].rollout_error < rows[best].rollout_error) best = (long)i;
    }
    if (best < 0) continue;
    char path[4096], base[4096];
    snprintf(path, sizeof path, "%.3000s/models/run_%05ld.txt", dir, best);
    snprintf(base, sizeof base, "%.3000s/rollout_%s", dir, et->name);
    uat_mlp *m = NULL;
    uat_target *t = NULL;
    uat_error err;
    double *times = malloc(et->rollout_n * sizeof *times);
    uat_ode_trajectory *learned = NULL, *truth = NULL;
    uat_rollout_result rr;
    if (times && uat_mlp_load(path, &m, &err) == UAT_OK &&
        uat_target_alloc(et->spec, et->domain[0] ? et->domain : NULL, &t, &err) == UAT_OK) {
      for (size_t k = 0; k < et->rollout_n; k++)
        times[k] = et->rollout_t0 +
                   (et->rollout_t1 - et->rollout_t0) * (double)k / (double)(et->rollout_n - 1);
      const uat_ode_system *sys = uat_target_system(t);
      if (uat_rollout(m, sys, et->rollout_n, times, &learned, &truth, &rr, &err) == UAT_OK) {
        const int st = uat_plot_compare(base, times, truth->y, learned->y, et->rollout_n, sys->dim,
                                        sys->state_names, "true", "learned", &err);
        if (st != UAT_OK && st != UAT_ENOTFOUND)
          fprintf(stderr, "uat sweep: warning: %s\n", err.msg);
      }
    }
    uat_ode_trajectory_free(learned);
    uat_ode_trajectory_free(truth);
    free(times);
    uat_target_free(t);
    uat_mlp_free(m);
  }
}

/* FNV-1a 64 of the experiment file: identifies the file the results came from. */
static unsigned long long file_hash(const char *path) {
  FILE *fp = fopen(path, "rb");
  unsigned long long h = 1469598103934665603ULL;
  int c;
  while (fp && (c = fgetc(fp)) != EOF) {
    h ^= (unsigned char)c;
    h *= 1099511628211ULL;
  }
  if (fp) fclose(fp);
  return h;
}

static void json_string(FILE *fp, const char *s) {
  fputc('"', fp);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') fputc('\\', fp);
    if ((unsigned char)*s < 0x20)
      fprintf(fp, "\\u%04x", *s);
    else
      fputc(*s, fp);
  }
  fputc('"', fp);
}

/* The processor's model name (Linux), for meta.json; "unknown" elsewhere. */
static void cpu_model(char *buf, size_t len) {
  snprintf(buf, len, "unknown");
  FILE *fp = fopen("/proc/cpuinfo", "r");
  char line[512];
  while (fp && fgets(line, sizeof line, fp)) {
    const char *colon = strchr(line, ':');
    if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
      snprintf(buf, len, "%s", colon + 2);
      buf[strcspn(buf, "\n")] = '\0';
      break;
    }
  }
  if (fp) fclose(fp);
}

static int write_meta(const char *dir, const char *ini, const uat_experiment *e, double secs) {
  char path[4096], date[64];
  snprintf(path, sizeof path, "%.3000s/meta.json", dir);
  const time_t now = time(NULL);
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  struct utsname u;
  uname(&u);
  uat_atomic_file af;
  uat_error err;
  if (uat_atomic_open(&af, path, &err) != UAT_OK) return -1;
  fprintf(af.fp, "{\n  \"experiment\": ");
  json_string(af.fp, e->name);
  fprintf(af.fp, ",\n  \"experiment_file\": ");
  json_string(af.fp, ini);
  fprintf(af.fp, ",\n  \"experiment_fnv1a64\": \"%016llx\",\n  \"runs\": %zu,\n", file_hash(ini),
          uat_experiment_runs(e));
  fprintf(af.fp, "  \"uat\": \"%s\",\n  \"gsl\": \"%s\",\n  \"sundials\": \"%s\",\n",
          UAT_VERSION_STRING, GSL_VERSION, SUNDIALS_VERSION);
  fprintf(af.fp, "  \"kernels\": \"%s\",\n  \"cblas\": ", uat_kernel_isa_name(uat_kernel_isa()));
  json_string(af.fp, uat_cblas_library());
  char cpu[256];
  cpu_model(cpu, sizeof cpu);
  fprintf(af.fp, ",\n  \"cpu\": ");
  json_string(af.fp, cpu);
  fprintf(af.fp, ",\n  \"machine\": ");
  char machine[400];
  snprintf(machine, sizeof machine, "%s %s %s", u.sysname, u.release, u.machine);
  json_string(af.fp, machine);
  fprintf(af.fp, ",\n  \"date\": \"%s\",\n  \"seconds\": %.3f\n}\n", date, secs);
  return uat_atomic_commit(&af, &err) == UAT_OK ? 0 : -1;
}

/* A sweep killed while writing leaves its temporary files (NAME.tmp.XXXXXX) behind; the files
 * they were to replace are intact, so --resume removes them. */
static void remove_stale_temporaries(const char *dir) {
  const char *subdirs[2] = {"", "/models"};
  for (int k = 0; k < 2; k++) {
    char path[4096];
    snprintf(path, sizeof path, "%.3000s%s", dir, subdirs[k]);
    DIR *d = opendir(path);
    if (d == NULL) continue;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      const char *t = strstr(e->d_name, ".tmp.");
      if (t == NULL || strlen(t) != 11) continue;
      char file[4400];
      snprintf(file, sizeof file, "%s/%s", path, e->d_name);
      unlink(file);
    }
    closedir(d);
  }
}

static int make_dirs(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s", dir);
  for (char *p = path + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      mkdir(path, 0777);
      *p = '/';
    }
  mkdir(path, 0777);
  snprintf(path, sizeof path, "%.3000s/models", dir);
  mkdir(path, 0777);
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

static double clock_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* SIGINT or SIGTERM during a sweep: the handler only notes it; the sweep finishes writing the
 * row in hand, stops, says how to resume and exits 130 or 143. */
static volatile sig_atomic_t stop_signal = 0;

static void on_stop_signal(int sig) { stop_signal = sig; }

static void catch_stop_signals(int on) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on ? on_stop_signal : SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART: a waiting select() returns at once */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

/* One finished run, as a worker sends it to the parent (well under PIPE_BUF: one write() is
 * atomic). */
typedef struct {
  size_t i;
  run_row row;
} run_msg;

/* Record a finished run: rewrite runs.csv, move the progress bar. */
static int record(const char *dir, const uat_experiment *e, run_row *rows, size_t n,
                  uat_progress *bar, size_t *done) {
  if (write_runs(dir, e, rows, n) != 0) return -1;
  uat_progress_update(bar, ++*done);
  return 0;
}

/* The runs not yet done, by cells of seeds split round-robin over `jobs` worker processes (each
 * run is independent and deterministic, so which process runs it does not matter). The parent alone
 * writes runs.csv. Runs a worker did not report (it crashed) are run here afterwards. */
static int run_parallel(const char *dir, const uat_experiment *e, run_row *rows, size_t n,
                        size_t jobs, uat_progress *bar, size_t *done) {
  int fds[64];
  pid_t pids[64];
  size_t started = 0;
  fflush(stdout);
  fflush(stderr);
  for (size_t w = 0; w < jobs; w++) {
    int p[2];
    if (pipe(p) != 0) break;
    const pid_t pid = fork();
    if (pid < 0) {
      close(p[0]);
      close(p[1]);
      break;
    }
    if (pid == 0) {
#ifdef __linux__
      /* a worker must not outlive a killed sweep: --resume would race with it */
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() == 1) _exit(1);
#endif
      close(p[0]);
      for (size_t j = 0; j < started; j++) close(fds[j]);
      catch_stop_signals(0); /* a worker stops at once; its run in hand is simply not reported */
      const size_t seeds = e->n_seeds ? e->n_seeds : 1;
      size_t k = 0, *idx = malloc(seeds * sizeof *idx);
      run_row *out = malloc(seeds * sizeof *out);
      if (idx == NULL || out == NULL) _exit(1);
      for (size_t c = 0; c < n / seeds; c++) {
        const size_t pending = pending_in_cell(e, rows, c, idx);
        if (pending == 0 || k++ % jobs != w) continue;
        run_cell(dir, e, idx, pending, out);
        for (size_t j = 0; j < pending; j++) {
          run_msg m;
          memset(&m, 0, sizeof m);
          m.i = idx[j];
          m.row = out[j];
          if (write(p[1], &m, sizeof m) != (ssize_t)sizeof m) _exit(1);
        }
      }
      _exit(0);
    }
    close(p[1]);
    fds[started] = p[0];
    pids[started++] = pid;
  }
  int rc = 0;
  size_t open_fds = started;
  while (open_fds > 0 && rc == 0 && !stop_signal) {
    fd_set set;
    FD_ZERO(&set);
    int maxfd = -1;
    for (size_t j = 0; j < started; j++)
      if (fds[j] >= 0) {
        FD_SET(fds[j], &set);
        if (fds[j] > maxfd) maxfd = fds[j];
      }
    if (select(maxfd + 1, &set, NULL, NULL, NULL) < 0) break;
    for (size_t j = 0; j < started && rc == 0; j++) {
      if (fds[j] < 0 || !FD_ISSET(fds[j], &set)) continue;
      run_msg m;
      const ssize_t got = read(fds[j], &m, sizeof m);
      if (got == (ssize_t)sizeof m && m.i < n) {
        rows[m.i] = m.row;
        rc = record(dir, e, rows, n, bar, done);
      } else {
        close(fds[j]);
        fds[j] = -1;
        open_fds--;
      }
    }
  }
  for (size_t j = 0; j < started; j++) {
    if (fds[j] >= 0) close(fds[j]);
    if (stop_signal) kill(pids[j], SIGKILL);
    waitpid(pids[j], NULL, 0);
  }
  return rc;
}

static int run_all(const char *dir, const uat_experiment *e, run_row *rows, size_t n, size_t jobs,
                   uat_progress *bar, size_t *done) {
  size_t pending = 0;
  for (size_t i = 0; i < n; i++) pending += !rows[i].done;
  if (jobs > pending) jobs = pending;
  if (jobs > 64) jobs = 64;
  if (jobs > 1 && run_parallel(dir, e, rows, n, jobs, bar, done) != 0) return -1;
  const size_t seeds = e->n_seeds ? e->n_seeds : 1; /* an experiment has at least one seed */
  size_t *idx = malloc(seeds * sizeof *idx);
  run_row *out = malloc(seeds * sizeof *out);
  int rc = idx && out ? 0 : -1;
  for (size_t c = 0; c < n / seeds && rc == 0 && !stop_signal; c++) {
    const size_t k = pending_in_cell(e, rows, c, idx);
    if (k == 0) continue;
    run_cell(dir, e, idx, k, out);
    for (size_t j = 0; j < k && rc == 0; j++) {
      rows[idx[j]] = out[j];
      rc = record(dir, e, rows, n, bar, done);
    }
  }
  free(idx);
  free(out);
  return rc;
}

/* The whole of a small text file (NUL-terminated, caller frees), or NULL. */
static char *slurp(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (fp == NULL) return NULL;
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + len, 1, cap - len - 1, fp)) > 0) {
    len += got;
    if (len + 1 == cap) {
      char *bigger = cap < ((size_t)1 << 24) ? realloc(buf, cap *= 2) : NULL;
      if (bigger == NULL) {
        free(buf);
        buf = NULL;
      }
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

/* A results folder keeps the experiment file it was made from (experiment.ini): a resumed
 * sweep must run the same experiment, or its rows would mix two. Returns 0, or -1 after saying
 * which line differs. */
static int same_experiment(const char *dir, const char *ini) {
  char path[4200];
  snprintf(path, sizeof path, "%.3000s/experiment.ini", dir);
  char *was = slurp(path), *now = slurp(ini);
  int rc = 0;
  if (was != NULL && now != NULL && strcmp(was, now) != 0) {
    size_t line = 1;
    const char *a = was, *b = now;
    for (; *a && *a == *b; a++, b++)
      if (*a == '\n') line++;
    uat_cli_error("sweep",
                  "%s was made from another version of %s (line %zu differs): --resume would mix "
                  "the rows of two experiments; restore the file or start a new folder with -o",
                  dir, ini, line);
    rc = -1;
  }
  free(was);
  free(now);
  return rc;
}

/* Keep a copy of the experiment file in the results folder (atomically). */
static int keep_experiment(const char *dir, const char *ini) {
  char path[4200];
  snprintf(path, sizeof path, "%.3000s/experiment.ini", dir);
  char *text = slurp(ini);
  uat_atomic_file af;
  uat_error err;
  int rc = text && uat_atomic_open(&af, path, &err) == UAT_OK ? 0 : -1;
  if (rc == 0) {
    fputs(text, af.fp);
    rc = uat_atomic_commit(&af, &err) == UAT_OK ? 0 : -1;
  }
  if (rc != 0) uat_cli_error("sweep", "%s: cannot keep a copy of %s", path, ini);
  free(text);
  return rc;
}

static int sweep(const char *ini, const char *out, int resume, int progress, size_t jobs) {
  static uat_experiment e;
  uat_error err;
  if (uat_experiment_load(ini, &e, &err) != UAT_OK) {
    uat_cli_error("sweep", "%s", err.msg);
    return UAT_EXIT_FAIL;
  }
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", out ? out : "");
  if (out == NULL) snprintf(dir, sizeof dir, "results/%s", e.name);
  char runs_path[4200];
  snprintf(runs_path, sizeof runs_path, "%.3000s/runs.csv", dir);
  struct stat st;
  if (!resume && stat(runs_path, &st) == 0) {
    uat_cli_error("sweep", "%s exists: continue it with --resume, or choose another -o", runs_path);
    return UAT_EXIT_FAIL;
  }
  if (make_dirs(dir) != 0) {
    uat_cli_error("sweep", "%s: cannot create the results folder", dir);
    return UAT_EXIT_FAIL;
  }
  if (resume ? same_experiment(dir, ini) != 0 : keep_experiment(dir, ini) != 0)
    return UAT_EXIT_FAIL;
  const size_t n = uat_experiment_runs(&e);
  run_row *rows = calloc(n, sizeof *rows);
  if (resume) remove_stale_temporaries(dir);
  if (rows == NULL || (resume && read_runs(dir, &e, rows, n) != 0)) {
    free(rows);
    return UAT_EXIT_FAIL;
  }
  uat_progress bar;
  uat_progress_start(&bar, e.name, n, progress);
  const double t0 = clock_now();
  size_t done = 0;
  for (size_t i = 0; i < n; i++) done += rows[i].done;
  catch_stop_signals(1);
  const int run_rc = run_all(dir, &e, rows, n, jobs, &bar, &done);
  catch_stop_signals(0);
  uat_progress_end(&bar);
  if (run_rc != 0 || stop_signal) {
    if (stop_signal)
      fprintf(stderr,
              "uat sweep: %s after %zu of %zu runs (each finished run is in %s/runs.csv); "
              "continue with: uat sweep %s -o %s --resume\n",
              stop_signal == SIGINT ? "interrupted" : "terminated", done, n, dir, ini, dir);
    free(rows);
    return stop_signal ? 128 + stop_signal : UAT_EXIT_FAIL;
  }
  rollout_plots(dir, &e, rows);
  int rc = write_tables(dir, &e, rows) == 0 && write_meta(dir, ini, &e, clock_now() - t0) == 0
               ? UAT_EXIT_OK
               : UAT_EXIT_FAIL;
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) bad += strcmp(rows[i].status, "ok") != 0;
  printf("%s: %zu runs (%zu not ok) in %s: runs.csv, summary.md, summary.tex, scaling.csv, "
         "plots, meta.json\n",
         e.name, n, bad, dir);
  free(rows);
  return rc;
}

int uat_cmd_sweep(int argc, char **argv) {
  static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                       {"resume", no_argument, NULL, 'r'},
                                       {"no-progress", no_argument, NULL, 'n'},
                                       {"jobs", required_argument, NULL, 'j'},
                                       {"max-memory", required_argument, NULL, 'm'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *out = NULL;
  int resume = 0, progress = 1, c;
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  size_t jobs = cpus > 0 ? (size_t)cpus : 1;
  sweep_budget = uat_default_memory_budget();
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "o:j:h", opts, NULL)) != -1) {
    switch (c) {
    case 'o': out = optarg; break;
    case 'm':
      if (uat_parse_bytes(optarg ? optarg : "", &sweep_budget) != 0 || sweep_budget == 0) {
        uat_cli_error("sweep", "--max-memory: expected bytes (K, M, G suffixes), found '%s'",
                      optarg ? optarg : "");
        return UAT_EXIT_USAGE;
      }
      break;
    case 'j':
      if (uat_parse_size(optarg ? optarg : "", &jobs) != 0 || jobs == 0 || jobs > 64) {
        uat_cli_error("sweep", "--jobs: expected 1 to 64, found '%s'", optarg ? optarg : "");
        return UAT_EXIT_USAGE;
      }
      break;
    case 'r': resume = 1; break;
    case 'n': progress = 0; break;
    case 'h': help(stdout); return UAT_EXIT_OK;
    default: uat_cli_bad_option("sweep", argv, optind, opts); return UAT_EXIT_USAGE;
    }
  }
  if (optind != argc - 1) {
    uat_cli_error("sweep", "expected one EXPERIMENT.ini (try --help)");
    return UAT_EXIT_USAGE;
  }
  return sweep(argv[optind], out, resume, progress, jobs);
}
