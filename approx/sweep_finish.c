/* sweep_finish.c — a finished sweep's tables (summary.md, summary.tex, scaling.csv), scaling
 * and rollout plots, and meta.json (uat_sweep_finish). */
#define _GNU_SOURCE
#include <gsl/gsl_version.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sundials/sundials_config.h>
#include <sys/utsname.h>
#include <time.h>

#include "sweep_internal.h"
#include "uat/io.h"
#include "uat/kernels.h"
#include "uat/plot.h"
#include "uat/report.h"
#include "uat/rollout.h"
#include "uat/stats.h"
#include "uat/util.h"
#include "uat/version.h"

/* A plot that could not be drawn is a warning, not a failure: the first one is kept. */
static void plot_result(int st, const uat_error *perr, uat_error *warn) {
  if (st == UAT_OK || warn == NULL || warn->status != UAT_OK) return;
  warn->status = st;
  snprintf(warn->msg, sizeof warn->msg, "%s", perr->msg);
}

/* How many of v[0..n) are finite: a plot needs two points (gnuplot complains otherwise). */
static size_t finite_count(const double *v, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) k += isfinite(v[i]) != 0;
  return k;
}

/* Test RMSE of the seeds of one width in one group. */
static size_t seed_values(const uat_experiment *e, const uat_sweep_row *rows, size_t g, size_t w,
                          double *v, const uat_sweep_row **first) {
  const size_t base = (g * e->n_widths + w) * e->n_seeds;
  *first = &rows[base];
  for (size_t s = 0; s < e->n_seeds; s++) v[s] = rows[base + s].test_rmse;
  return e->n_seeds;
}

static int write_tables(const uat_sweep *s, uat_error *warn, uat_error *err) {
  const uat_experiment *e = &s->e;
  const char *dir = s->dir;
  const uat_sweep_row *rows = s->rows;
  /* truth-table targets add a column: runs that classify every row right */
  int has_bool = 0;
  for (size_t i = 0; i < s->n; i++) has_bool |= isfinite(rows[i].accuracy);
  const size_t ncols = has_bool ? 15 : 14;
  const char *h[15] = {"target",
                       "depth",
                       "activation",
                       "trainer",
                       "width",
                       "params",
                       "runs",
                       "diverged",
                       "at iteration cap",
                       "median test RMSE",
                       "best test RMSE",
                       "median rel. L-inf",
                       "median rollout error",
                       "median iterations",
                       "solved (truth tables)"};
  uat_report *rep = uat_report_alloc(ncols, h);
  const char *sh[12] = {"target",   "depth", "activation", "trainer", "measure", "points",
                        "exponent", "se",    "ci_lo",      "ci_hi",   "r2",      "quality"};
  uat_report *sc = uat_report_alloc(12, sh);
  if (rep == NULL || sc == NULL) {
    uat_report_free(rep);
    uat_report_free(sc);
    return uat_error_set(err, UAT_ENOMEM, "sweep: out of memory");
  }
  double *v = malloc(e->n_seeds * sizeof *v), *w = malloc(e->n_seeds * sizeof *w);
  double *N = malloc(e->n_widths * sizeof *N), *med = malloc(e->n_widths * sizeof *med),
         *best = malloc(e->n_widths * sizeof *best), *worst = malloc(e->n_widths * sizeof *worst);
  for (size_t g = 0; g < uat_sweep_groups(s) && v && w && N && med && best && worst; g++) {
    const uat_sweep_group x = uat_sweep_group_get(s, g);
    size_t capped_group = 0, runs_group = 0;
    int at_floor = 0;
    for (size_t wi = 0; wi < e->n_widths; wi++) {
      const uat_sweep_row *first;
      const size_t n = seed_values(e, rows, g, wi, v, &first);
      uat_summary s, sl, sr, si;
      uat_summary_compute(v, n, NAN, &s);
      for (size_t k = 0; k < n; k++) w[k] = first[k].linf_rel;
      uat_summary_compute(w, n, NAN, &sl);
      for (size_t k = 0; k < n; k++) w[k] = first[k].rollout_error;
      uat_summary_compute(w, n, NAN, &sr);
      for (size_t k = 0; k < n; k++) w[k] = (double)first[k].iterations;
      uat_summary_compute(w, n, NAN, &si);
      size_t capped = 0;
      for (size_t k = 0; k < n; k++) capped += strcmp(first[k].stop, "iterations") == 0;
      for (size_t k = 0; k < n; k++) w[k] = first[k].l2_rel;
      uat_summary sf;
      uat_summary_compute(w, n, NAN, &sf);
      /* a median relative L2 error at 1e-12 has reached double precision's floor (the
       * targets' own evaluation is no better): more width cannot lower it */
      at_floor |= sf.median < 1e-12;
      capped_group += capped;
      runs_group += n;
      N[wi] = (double)e->widths[wi];
      med[wi] = s.median;
      best[wi] = s.min;
      worst[wi] = s.max;
      size_t solved = 0;
      for (size_t k = 0; k < n; k++) solved += first[k].accuracy == 1.0;
      const int is_bool = isfinite(first[0].accuracy) || e->targets[x.target].spec[0] == 'b';
      const uat_cell row[15] = {uat_cell_text(e->targets[x.target].name),
                                uat_cell_int((long long)e->depths[x.depth]),
                                uat_cell_text(uat_activation_name(e->acts[x.act])),
                                uat_cell_text(uat_fit_kind_name(e->trainers[x.trainer])),
                                uat_cell_int((long long)e->widths[wi]),
                                uat_cell_int((long long)first->params),
                                uat_cell_int((long long)n),
                                uat_cell_int((long long)s.diverged),
                                uat_cell_int((long long)capped),
                                uat_cell_num(s.median),
                                uat_cell_num(s.min),
                                uat_cell_num(sl.median),
                                uat_cell_num(sr.median),
                                uat_cell_int((long long)llround(si.median)),
                                is_bool ? uat_cell_int((long long)solved) : uat_cell_num(NAN)};
      uat_report_add_row(rep, row);
    }
    /* a fit over runs that stopped at the iteration cap, or at the precision floor, measures
     * the budget or the floor as much as the network: not "ok" */
    char quality[96];
    for (int k = 0; k < 2; k++) {
      uat_scaling_fit fit;
      uat_scaling_fit_compute(N, k ? best : med, NULL, e->n_widths, &fit);
      snprintf(quality, sizeof quality, "%s", uat_fit_quality_name(fit.quality));
      if (fit.quality == UAT_FIT_OK && capped_group > 0)
        snprintf(quality, sizeof quality, "iteration cap (%zu of %zu runs)", capped_group,
                 runs_group);
      else if (fit.quality == UAT_FIT_OK && at_floor)
        snprintf(quality, sizeof quality, "precision floor");
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
                                uat_cell_text(quality)};
      uat_report_add_row(sc, row);
      if (k == 0 && finite_count(med, e->n_widths) >= 2) {
        char base[4600], name[256];
        uat_error perr;
        uat_sweep_group_name(s, g, name, sizeof name);
        snprintf(base, sizeof base, "%s/scaling_%s", dir, name);
        char title[400];
        snprintf(title, sizeof title, "%s: %zu seeds per width, fit quality: %s", name, e->n_seeds,
                 quality);
        const uat_plot_scaling_labels labels = {"hidden width", "test RMSE (median, best to worst)",
                                                title, best, worst};
        plot_result(uat_plot_scaling(base, N, med, e->n_widths, &fit, &labels, &perr), &perr, warn);
      }
    }
  }
  char path[4200];
  uat_atomic_file af;
  int rc = UAT_OK;
  const char *names[3] = {"summary.md", "summary.tex", "scaling.csv"};
  for (int f = 0; f < 3 && rc == 0; f++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[f]);
    if ((rc = uat_atomic_open(&af, path, err)) != UAT_OK) break;
    if (f == 0) {
      fprintf(af.fp,
              "# %s\n\n%s\n\nTest RMSE over %zu seeds per width; \"at iteration cap\" "
              "counts the runs that used their whole iteration budget.\n\n",
              e->name, e->description, e->n_seeds);
      uat_report_write_markdown(rep, af.fp, 3);
      fprintf(af.fp, "\nScaling fits: log(test RMSE) = a + s log(width).\n\n");
      uat_report_write_markdown(sc, af.fp, 3);
    } else if (f == 1) {
      char caption[700], label[200];
      fprintf(af.fp,
              "%% %s: uat sweep's tables, for \\input in a LaTeX document with\n"
              "%% \\usepackage{booktabs} and \\usepackage{graphicx} (wide tables are scaled to "
              "the line width)\n",
              e->name);
      snprintf(caption, sizeof caption,
               "%s: test RMSE over %zu seeds per width (median and best), median relative "
               "L-infinity error, median rollout error and iterations; the best value of each "
               "column in bold.",
               e->name, e->n_seeds);
      snprintf(label, sizeof label, "tab:%s-errors", e->name);
      uat_report_write_latex(rep, af.fp, 3, 1, caption, label);
      snprintf(caption, sizeof caption,
               "%s: scaling fits log(test RMSE) = a + s log(width), with the exponent's standard "
               "error and 95%% interval.",
               e->name);
      snprintf(label, sizeof label, "tab:%s-scaling", e->name);
      uat_report_write_latex(sc, af.fp, 3, 0, caption, label);
    } else {
      uat_report_write_csv(sc, af.fp);
    }
    rc = uat_atomic_commit(&af, err);
  }
  free(v);
  free(w);
  free(N);
  free(med);
  free(best);
  free(worst);
  uat_report_free(rep);
  uat_report_free(sc);
  return rc;
}

/* For each target with a rollout: the learned dynamics of its most accurate run against the
 * truth, over time and in the phase plane. */
static void rollout_plots(const uat_sweep *s, uat_error *warn) {
  const uat_experiment *e = &s->e;
  const uat_sweep_row *rows = s->rows;
  const size_t n = s->n;
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
    char path[4200], base[4200];
    snprintf(path, sizeof path, "%s/models/run_%05ld.txt", s->dir, best);
    snprintf(base, sizeof base, "%s/rollout_%s", s->dir, et->name);
    uat_mlp *m = NULL;
    uat_target *t = NULL;
    uat_error err;
    double *times = malloc(et->rollout_n * sizeof *times);
    uat_ode_trajectory *learned = NULL, *truth = NULL;
    uat_rollout_result rr;
    if (times && uat_mlp_load(path, &m, &err) == UAT_OK &&
        uat_target_alloc(et->spec, et->domain[0] ? et->domain : NULL, &t, &err) == UAT_OK) {
      uat_linspace(et->rollout_t0, et->rollout_t1, et->rollout_n, times);
      const uat_ode_system *sys = uat_target_system(t);
      if (uat_rollout(m, sys, et->rollout_n, times, &learned, &truth, &rr, &err) == UAT_OK) {
        uat_run_index ix;
        uat_experiment_index(e, (size_t)best, &ix);
        char title[200];
        snprintf(title, sizeof title,
                 "%s: learned field integrated by CVODE, run %ld (width %zu, depth %zu, seed %lu)",
                 et->name, best, e->widths[ix.width], e->depths[ix.depth], e->seeds[ix.seed]);
        const uat_plot_compare_labels labels = {"t", sys->state_names, "true", "learned", title};
        plot_result(uat_plot_compare(base, times, truth->y, learned->y, et->rollout_n, sys->dim,
                                     &labels, &err),
                    &err, warn);
      }
    }
    uat_ode_trajectory_free(learned);
    uat_ode_trajectory_free(truth);
    free(times);
    uat_target_free(t);
    uat_mlp_free(m);
  }
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

static void json_field(FILE *fp, const char *key, const char *value) {
  fprintf(fp, ",\n  \"%s\": ", key);
  json_string(fp, value);
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

/* meta.json: where the results came from — the experiment file (and its SHA-256), the command
 * line, and everything about the build and the machine that could change a number. */
static int write_meta(const uat_sweep *s, const uat_sweep_provenance *p, uat_error *err) {
  char path[4200], date[64], sha[65] = "unknown", cpu[256], machine[400];
  snprintf(path, sizeof path, "%s/meta.json", s->dir);
  const time_t now = time(NULL);
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  struct utsname u;
  if (uname(&u) == 0)
    snprintf(machine, sizeof machine, "%s %s %s", u.sysname, u.release, u.machine);
  else
    snprintf(machine, sizeof machine, "unknown");
  cpu_model(cpu, sizeof cpu);
  uat_error herr;
  (void)uat_sha256_file(s->experiment_path, sha, &herr); /* "unknown" if it has gone */
  uat_atomic_file af;
  if (uat_atomic_open(&af, path, err) != UAT_OK) return UAT_EIO;
  fprintf(af.fp, "{\n  \"experiment\": ");
  json_string(af.fp, s->e.name);
  json_field(af.fp, "experiment_file", s->experiment_path);
  json_field(af.fp, "experiment_sha256", sha);
  json_field(af.fp, "command_line", p && p->command_line ? p->command_line : "");
  fprintf(af.fp, ",\n  \"runs\": %zu,\n  \"ranks\": %d", s->n, p ? p->ranks : 0);
  json_field(af.fp, "uat", UAT_VERSION_STRING);
  json_field(af.fp, "git_commit", uat_build_commit());
  json_field(af.fp, "compiler", uat_build_compiler());
  json_field(af.fp, "cflags", uat_build_flags());
  json_field(af.fp, "gsl", GSL_VERSION);
  json_field(af.fp, "sundials", SUNDIALS_VERSION);
  json_field(af.fp, "kernels", uat_kernel_isa_name(uat_kernel_isa()));
  json_field(af.fp, "cblas", uat_cblas_library());
  json_field(af.fp, "cpu", cpu);
  json_field(af.fp, "machine", machine);
  json_field(af.fp, "date", date);
  fprintf(af.fp, ",\n  \"seconds\": %.3f\n}\n", p ? p->seconds : 0.0);
  return uat_atomic_commit(&af, err) == UAT_OK ? UAT_OK : UAT_EIO;
}

int uat_sweep_finish(uat_sweep *s, const uat_sweep_provenance *p, uat_error *warn, uat_error *err) {
  uat_error_clear(warn);
  rollout_plots(s, warn);
  const int rc = write_tables(s, warn, err);
  return rc == UAT_OK ? write_meta(s, p, err) : rc;
}
