/* ode_output.c — what `uat ode` writes beside the trajectory: finite-difference derivatives
 * compared with the exact right-hand side, and plots. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "uat/io.h"
#include "uat/ode.h"
#include "uat/plot.h"

int ode_write_derivatives(const char *path, const uat_ode_system *sys, const double *p,
                          const uat_ode_trajectory *tr, FILE *report);
int ode_write_plot(const char *png, const uat_ode_system *sys, const uat_ode_trajectory *tr);

/* Normwise relative error of estimates d against the exact field f (n x dim). */
static double field_error(size_t n, size_t dim, const double *d, const double *f) {
  double diff = 0.0, size = 0.0;
  for (size_t i = 0; i < n * dim; i++) {
    diff = fmax(diff, fabs(d[i] - f[i]));
    size = fmax(size, fabs(f[i]));
  }
  return size > 0 ? diff / size : diff;
}

static void write_derivative_rows(FILE *fp, const uat_ode_system *sys, const uat_ode_trajectory *tr,
                                  const double *f, const double *d2, const double *d4) {
  const char *groups[3] = {"f_", "fd2_", "fd4_"};
  fputc('t', fp);
  for (size_t i = 0; i < sys->dim; i++) fprintf(fp, ",%s", sys->state_names[i]);
  for (int g = 0; g < 3; g++)
    for (size_t i = 0; i < sys->dim; i++) fprintf(fp, ",%s%s", groups[g], sys->state_names[i]);
  fputc('\n', fp);
  const double *cols[4] = {tr->y, f, d2, d4};
  for (size_t k = 0; k < tr->n; k++) {
    fprintf(fp, "%.17g", tr->t[k]);
    for (int g = 0; g < 4; g++)
      for (size_t i = 0; i < sys->dim; i++) fprintf(fp, ",%.17g", cols[g][k * sys->dim + i]);
    fputc('\n', fp);
  }
}

int ode_write_derivatives(const char *path, const uat_ode_system *sys, const double *p,
                          const uat_ode_trajectory *tr, FILE *report) {
  const size_t n = tr->n, dim = sys->dim;
  double *f = malloc(n * dim * sizeof *f), *d2 = malloc(n * dim * sizeof *d2),
         *d4 = malloc(n * dim * sizeof *d4);
  int rc = -1;
  if (!f || !d2 || !d4) {
    uat_cli_error("ode", "out of memory");
  } else if (uat_ode_fd_derivative(n, dim, tr->t, tr->y, 2, d2) != UAT_OK ||
             uat_ode_fd_derivative(n, dim, tr->t, tr->y, 4, d4) != UAT_OK) {
    uat_cli_error("ode", "--derivatives: expected at least 5 equally spaced times");
  } else {
    rc = 0;
    for (size_t k = 0; k < n && rc == 0; k++)
      if (uat_ode_eval_field(sys, p, tr->t[k], 1, tr->y + k * dim, f + k * dim) != UAT_OK) {
        uat_cli_error("ode", "--derivatives: the right-hand side failed at t = %g", tr->t[k]);
        rc = -1;
      }
  }
  uat_output out;
  if (rc == 0 && uat_output_open(&out, path, "ode") == 0) {
    write_derivative_rows(out.fp, sys, tr, f, d2, d4);
    rc = uat_output_close(&out, !ferror(out.fp), "ode");
  } else {
    rc = -1;
  }
  if (rc == 0) {
    const double h = (tr->t[n - 1] - tr->t[0]) / (double)(n - 1);
    fprintf(report, "fd_step = %.6g\nfd2_error = %.3e\nfd4_error = %.3e\n", h,
            field_error(n, dim, d2, f), field_error(n, dim, d4, f));
  }
  free(f);
  free(d2);
  free(d4);
  return rc;
}

/* States over time and, for two states, the phase portrait: PNG and SVG with their data and
 * gnuplot script (analysis/plot.c). Without gnuplot, a warning. */
int ode_write_plot(const char *png, const uat_ode_system *sys, const uat_ode_trajectory *tr) {
  char base[4096];
  uat_cli_plot_base(png, "", base, sizeof base);
  uat_error err;
  const int st =
      uat_plot_series(base, tr->t, tr->y, tr->n, sys->dim, sys->state_names, sys->name, &err);
  if (st == UAT_ENOTFOUND) {
    fprintf(stderr, "uat ode: warning: %s\n", err.msg);
    return 0;
  }
  if (st != UAT_OK) uat_cli_error("ode", "%s", err.msg);
  return st == UAT_OK ? 0 : -1;
}
