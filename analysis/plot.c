/* plot.c — running gnuplot on a script. */
#define _POSIX_C_SOURCE 200809L
#include "uat/plot.h"

#include <math.h>
#include <stdio.h>

#include "uat/io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int uat_plot_available(void) {
  const char *path = getenv("PATH");
  if (path == NULL) return 0;
  char buf[4096];
  const char *p = path;
  while (*p) {
    const char *colon = strchr(p, ':');
    const size_t len = colon ? (size_t)(colon - p) : strlen(p);
    if (len > 0 && len + 9 < sizeof buf) {
      memcpy(buf, p, len);
      memcpy(buf + len, "/gnuplot", 9);
      if (access(buf, X_OK) == 0) return 1;
    }
    if (colon == NULL) break;
    p = colon + 1;
  }
  return 0;
}

/* The file name after the last '/', and the folder before it ("." when none): a plot's
 * script names its data and pictures relative to its own folder, so that a results folder that
 * is moved or copied can be re-plotted from inside it. */
static const char *file_part(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

static int enter_folder_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (slash == NULL) return 0;
  if (slash == path) return chdir("/");
  char *dir = malloc((size_t)(slash - path) + 1);
  if (dir == NULL) return -1;
  memcpy(dir, path, (size_t)(slash - path));
  dir[slash - path] = '\0';
  const int rc = chdir(dir);
  free(dir);
  return rc;
}

int uat_plot_run(const char *script, uat_error *err) {
  if (!uat_plot_available())
    return uat_error_set(err, UAT_ENOTFOUND,
                         "gnuplot is not installed (apt-get install gnuplot-nox); run "
                         "'gnuplot %s' later to draw the plot",
                         script);
  const pid_t pid = fork();
  if (pid < 0) return uat_error_set(err, UAT_EIO, "cannot start gnuplot: %s", strerror(errno));
  if (pid == 0) {
    if (enter_folder_of(script) != 0) _exit(126);
    execlp("gnuplot", "gnuplot", file_part(script), (char *)NULL);
    _exit(127);
  }
  int status;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return uat_error_set(err, UAT_EIO, "gnuplot failed on %s", script);
  return UAT_OK;
}

/* ---- plots for papers ----------------------------------------------------------------------- */

/* A gnuplot string literal: single quotes, doubled inside. */
static void gp_quote(FILE *fp, const char *s) {
  fputc('\'', fp);
  for (; *s; s++) {
    if (*s == '\'') fputc('\'', fp);
    fputc(*s, fp);
  }
  fputc('\'', fp);
}

typedef void (*body_fn)(FILE *fp, const char *data, const void *ctx);

static char *joined(const char *base, const char *suffix) {
  const size_t n = strlen(base) + strlen(suffix) + 1;
  char *s = malloc(n);
  if (s) snprintf(s, n, "%s%s", base, suffix);
  return s;
}

/* The script draws into png_out and svg_out, defaulting to BASE.png and BASE.svg beside it; uat
 * passes temporary names with -e so that pictures appear only when complete. Every file it
 * names is relative to the script's folder, where gnuplot runs. */
static void write_script(FILE *fp, const char *base, const char *data, body_fn body,
                         const void *ctx) {
  const char *name = file_part(base);
  char *png = joined(name, ".png"), *svg = joined(name, ".svg");
  data = file_part(data);
  fprintf(
      fp,
      "# uat plot; redraw with `gnuplot %s.gp` in this folder\nif (!exists('png_out')) png_out = ",
      name);
  gp_quote(fp, png ? png : "plot.png");
  fprintf(fp, "\nif (!exists('svg_out')) svg_out = ");
  gp_quote(fp, svg ? svg : "plot.svg");
  fprintf(fp, "\nset datafile separator ','\nset grid\nset key top right\n");
  fprintf(fp, "set terminal pngcairo size 900,600 enhanced font ',11'\nset output png_out\n");
  body(fp, data, ctx);
  fprintf(fp, "set terminal svg size 900,600 enhanced font 'sans,11'\nset output svg_out\n");
  body(fp, data, ctx);
  fprintf(fp, "unset output\n");
  free(png);
  free(svg);
}

static int run_with_outputs(const char *script, const char *png_tmp, const char *svg_tmp,
                            uat_error *err) {
  char expr[4096];
  png_tmp = file_part(png_tmp); /* gnuplot runs in the script's folder, where they go */
  svg_tmp = file_part(svg_tmp);
  snprintf(expr, sizeof expr, "png_out='%s'; svg_out='%s'", png_tmp, svg_tmp);
  if (strchr(png_tmp, '\'') || strchr(svg_tmp, '\''))
    return uat_error_set(err, UAT_EINVAL, "plot: file names with a quote are not supported");
  const pid_t pid = fork();
  if (pid < 0) return uat_error_set(err, UAT_EIO, "cannot start gnuplot: %s", strerror(errno));
  if (pid == 0) {
    if (enter_folder_of(script) != 0) _exit(126);
    execlp("gnuplot", "gnuplot", "-e", expr, file_part(script), (char *)NULL);
    _exit(127);
  }
  int status;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return uat_error_set(err, UAT_EIO, "gnuplot failed on %s", script);
  return UAT_OK;
}

/* Write data (through write_data), the script, and the pictures. */
static int render(const char *base, void (*write_data)(FILE *, const void *), body_fn body,
                  const void *ctx, uat_error *err) {
  char *data = joined(base, "_data.csv"), *script = joined(base, ".gp");
  char *png = joined(base, ".png"), *svg = joined(base, ".svg");
  char *png_tmp = joined(base, ".png.tmp"), *svg_tmp = joined(base, ".svg.tmp");
  int st = UAT_ENOMEM;
  uat_atomic_file af;
  if (data && script && png && svg && png_tmp && svg_tmp) {
    st = uat_atomic_open(&af, data, err);
    if (st == UAT_OK) {
      write_data(af.fp, ctx);
      st = uat_atomic_commit(&af, err);
    }
    if (st == UAT_OK && (st = uat_atomic_open(&af, script, err)) == UAT_OK) {
      write_script(af.fp, base, data, body, ctx);
      st = uat_atomic_commit(&af, err);
    }
    if (st == UAT_OK && !uat_plot_available())
      st = uat_error_set(err, UAT_ENOTFOUND,
                         "gnuplot is not installed (apt-get install gnuplot-nox): wrote %s and "
                         "%s; run 'gnuplot %s' to draw the plot",
                         data, script, script);
    else if (st == UAT_OK && (st = run_with_outputs(script, png_tmp, svg_tmp, err)) == UAT_OK &&
             (rename(png_tmp, png) != 0 || rename(svg_tmp, svg) != 0))
      st = uat_error_set(err, UAT_EIO, "%s: cannot write", png);
  } else {
    uat_error_set(err, st, "out of memory");
  }
  if (png_tmp) unlink(png_tmp);
  if (svg_tmp) unlink(svg_tmp);
  free(data);
  free(script);
  free(png);
  free(svg);
  free(png_tmp);
  free(svg_tmp);
  return st;
}

/* scaling */
typedef struct {
  const double *N, *err;
  size_t n;
  const uat_scaling_fit *fit;
  const uat_plot_scaling_labels *l;
} scaling_ctx;

static void scaling_data(FILE *fp, const void *p) {
  const scaling_ctx *c = p;
  const int spread = c->l->lo && c->l->hi;
  fprintf(fp, spread ? "N,error,low,high\n" : "N,error\n");
  /* a point with no error to show (every seed diverged: NaN) is left out, not handed to
   * gnuplot as an undefined value; so is one that log axes cannot show */
  for (size_t i = 0; i < c->n; i++) {
    if (!(isfinite(c->err[i]) && c->err[i] > 0 && isfinite(c->N[i]) && c->N[i] > 0)) continue;
    fprintf(fp, "%.17g,%.17g", c->N[i], c->err[i]);
    if (spread) /* a bound log axes cannot show is drawn at the point itself */
      fprintf(fp, ",%.17g,%.17g", c->l->lo[i] > 0 ? c->l->lo[i] : c->err[i],
              isfinite(c->l->hi[i]) && c->l->hi[i] > 0 ? c->l->hi[i] : c->err[i]);
    fputc('\n', fp);
  }
}

static void scaling_body(FILE *fp, const char *data, const void *p) {
  const scaling_ctx *c = p;
  fprintf(fp, "set logscale xy\nset format y '10^{%%L}'\nset title ");
  gp_quote(fp, c->l->title ? c->l->title : "");
  fprintf(fp, "\nset xlabel ");
  gp_quote(fp, c->l->xlabel ? c->l->xlabel : "N");
  fprintf(fp, "\nset ylabel ");
  gp_quote(fp, c->l->ylabel ? c->l->ylabel : "error");
  fprintf(fp, "\nplot ");
  gp_quote(fp, data);
  fprintf(fp, " using 1:2 skip 1 with linespoints pt 7 lw 1.5 title 'measured'");
  if (c->l->lo && c->l->hi) {
    fprintf(fp, ", ");
    gp_quote(fp, data);
    fprintf(fp, " using 1:2:3:4 skip 1 with yerrorbars lc 1 pt 0 title 'spread (best to worst)'");
  }
  if (c->fit && isfinite(c->fit->slope))
    fprintf(fp,
            ", exp(%.17g) * x**(%.17g) with lines dt 2 lw 1.5 title "
            "'fit: N^{%.2f} (95%%: %.2f to %.2f)'",
            c->fit->intercept, c->fit->slope, c->fit->slope, c->fit->ci_lo, c->fit->ci_hi);
  fprintf(fp, "\nunset logscale\nset format y\nunset title\n");
}

int uat_plot_scaling(const char *base, const double *N, const double *err, size_t n,
                     const uat_scaling_fit *fit, const uat_plot_scaling_labels *labels,
                     uat_error *e) {
  const uat_plot_scaling_labels none = {NULL, NULL, NULL, NULL, NULL};
  const scaling_ctx c = {N, err, n, fit, labels ? labels : &none};
  return render(base, scaling_data, scaling_body, &c, e);
}

/* model vs target */
typedef struct {
  const double *x, *model, *target;
  size_t n;
} fit_ctx;

static void fit_data(FILE *fp, const void *p) {
  const fit_ctx *c = p;
  fprintf(fp, "x,model,target,error\n");
  for (size_t i = 0; i < c->n; i++)
    fprintf(fp, "%.17g,%.17g,%.17g,%.17g\n", c->x[i], c->model[i], c->target[i],
            c->model[i] - c->target[i]);
}

static void fit_body(FILE *fp, const char *data, const void *p) {
  (void)p;
  fprintf(fp, "set multiplot layout 2,1\nset xlabel 'x'\nset ylabel 'value'\nplot ");
  gp_quote(fp, data);
  fprintf(fp, " using 1:3 skip 1 with lines lw 3 title 'target', '' using 1:2 skip 1 with lines "
              "lw 1.5 dt 2 title 'model'\nset ylabel 'model - target'\nplot ");
  gp_quote(fp, data);
  fprintf(fp, " using 1:4 skip 1 with lines lw 1.5 title 'error'\nunset multiplot\n");
}

int uat_plot_fit(const char *base, const double *x, const double *model, const double *target,
                 size_t n, uat_error *e) {
  const fit_ctx c = {x, model, target, n};
  return render(base, fit_data, fit_body, &c, e);
}

/* loss */
typedef struct {
  const double *loss;
  size_t n;
  const char *ylabel;
} loss_ctx;

static void loss_data(FILE *fp, const void *p) {
  const loss_ctx *c = p;
  fprintf(fp, "iteration,loss\n");
  for (size_t i = 0; i < c->n; i++) fprintf(fp, "%zu,%.17g\n", i + 1, c->loss[i]);
}

static void loss_body(FILE *fp, const char *data, const void *p) {
  const loss_ctx *c = p;
  fprintf(fp, "set logscale y\nset format y '10^{%%L}'\nset xlabel 'iteration'\nset ylabel ");
  gp_quote(fp, c->ylabel ? c->ylabel : "loss");
  fprintf(fp, "\nplot ");
  gp_quote(fp, data);
  fprintf(fp, " using 1:2 skip 1 with lines lw 1.5 title 'training loss'\nunset logscale\n"
              "set format y\n");
}

int uat_plot_loss(const char *base, const double *loss, size_t n, const char *ylabel,
                  uat_error *e) {
  const loss_ctx c = {loss, n, ylabel};
  return render(base, loss_data, loss_body, &c, e);
}

/* reference vs other */
typedef struct {
  const double *x, *a, *b;
  size_t n, dim;
  const uat_plot_compare_labels *l;
} compare_ctx;

/* max_i |b_i - a_i| / max_i |a_i| at row k (the absolute difference where a is all zero). */
static double relative_difference(const compare_ctx *c, size_t k) {
  double diff = 0.0, size = 0.0;
  for (size_t i = 0; i < c->dim; i++) {
    diff = fmax(diff, fabs(c->b[k * c->dim + i] - c->a[k * c->dim + i]));
    size = fmax(size, fabs(c->a[k * c->dim + i]));
  }
  return size > 0 ? diff / size : diff;
}

static void compare_data(FILE *fp, const void *p) {
  const compare_ctx *c = p;
  fprintf(fp, "%s", c->l->x_name);
  for (size_t i = 0; i < c->dim; i++) fprintf(fp, ",%s_%s", c->l->names[i], c->l->ref_label);
  for (size_t i = 0; i < c->dim; i++) fprintf(fp, ",%s_%s", c->l->names[i], c->l->other_label);
  fprintf(fp, ",rel_error\n");
  for (size_t k = 0; k < c->n; k++) {
    fprintf(fp, "%.17g", c->x[k]);
    for (size_t i = 0; i < c->dim; i++) fprintf(fp, ",%.17g", c->a[k * c->dim + i]);
    for (size_t i = 0; i < c->dim; i++) fprintf(fp, ",%.17g", c->b[k * c->dim + i]);
    fprintf(fp, ",%.17g\n", relative_difference(c, k));
  }
}

static void curve(FILE *fp, const char *data, size_t col, const char *style, size_t lc,
                  const char *name, const char *label) {
  gp_quote(fp, data);
  fprintf(fp, " using 1:%zu skip 1 with lines %s lc %zu title '%s (%s)'", col, style, lc, name,
          label);
}

static void compare_body(FILE *fp, const char *data, const void *p) {
  const compare_ctx *c = p;
  const uat_plot_compare_labels *l = c->l;
  fprintf(fp, "set multiplot layout 1,%d title ", c->dim == 2 ? 3 : 2);
  gp_quote(fp, l->title ? l->title : "");
  fprintf(fp, "\nset xlabel ");
  gp_quote(fp, l->x_name);
  fprintf(fp, "\nset ylabel 'state'\nplot ");
  for (size_t i = 0; i < c->dim; i++) {
    if (i) fprintf(fp, ", ");
    curve(fp, data, i + 2, "lw 3", i + 1, l->names[i], l->ref_label);
    fprintf(fp, ", ");
    curve(fp, data, i + 2 + c->dim, "lw 1.5 dt 2", i + 3, l->names[i], l->other_label);
  }
  fprintf(fp, "\nset logscale y\nset format y '10^{%%L}'\nset ylabel 'relative difference "
              "(max norm)'\nplot ");
  gp_quote(fp, data);
  fprintf(fp,
          " using 1:%zu skip 1 with lines lw 1.5 lc 7 title '|%s - %s| / |%s|'\n"
          "unset logscale y\nset format y\n",
          2 * c->dim + 2, l->other_label, l->ref_label, l->ref_label);
  if (c->dim == 2) {
    fprintf(fp, "set xlabel '%s'\nset ylabel '%s'\nplot ", l->names[0], l->names[1]);
    gp_quote(fp, data);
    fprintf(fp, " using 2:3 skip 1 with lines lw 3 title '%s', ", l->ref_label);
    gp_quote(fp, data);
    fprintf(fp, " using 4:5 skip 1 with lines lw 1.5 dt 2 title '%s'\n", l->other_label);
  }
  fprintf(fp, "unset multiplot\nunset ylabel\n");
}

int uat_plot_compare(const char *base, const double *x, const double *reference,
                     const double *other, size_t n, size_t dim,
                     const uat_plot_compare_labels *labels, uat_error *e) {
  const compare_ctx c = {x, reference, other, n, dim, labels};
  return render(base, compare_data, compare_body, &c, e);
}

/* one set of curves */
typedef struct {
  const double *x, *y;
  size_t n, dim;
  const char *const *names;
  const char *title;
} series_ctx;

static void series_data(FILE *fp, const void *p) {
  const series_ctx *c = p;
  fprintf(fp, "x");
  for (size_t i = 0; i < c->dim; i++) fprintf(fp, ",%s", c->names[i]);
  fputc('\n', fp);
  for (size_t k = 0; k < c->n; k++) {
    fprintf(fp, "%.17g", c->x[k]);
    for (size_t i = 0; i < c->dim; i++) fprintf(fp, ",%.17g", c->y[k * c->dim + i]);
    fputc('\n', fp);
  }
}

static void series_body(FILE *fp, const char *data, const void *p) {
  const series_ctx *c = p;
  if (c->dim == 2) fprintf(fp, "set multiplot layout 1,2\n");
  fprintf(fp, "set title ");
  gp_quote(fp, c->title);
  fprintf(fp, "\nset xlabel 't'\nplot ");
  for (size_t i = 0; i < c->dim; i++) {
    if (i) fprintf(fp, ", ");
    gp_quote(fp, data);
    fprintf(fp, " using 1:%zu skip 1 with lines lw 1.5 title ", i + 2);
    gp_quote(fp, c->names[i]);
  }
  fputc('\n', fp);
  if (c->dim == 2) {
    fprintf(fp, "set title 'phase portrait'\nset xlabel ");
    gp_quote(fp, c->names[0]);
    fprintf(fp, "\nset ylabel ");
    gp_quote(fp, c->names[1]);
    fprintf(fp, "\nplot ");
    gp_quote(fp, data);
    fprintf(fp, " using 2:3 skip 1 with lines lw 1.5 notitle\nunset multiplot\nunset ylabel\n");
  }
  fprintf(fp, "unset title\n");
}

int uat_plot_series(const char *base, const double *x, const double *y, size_t n, size_t dim,
                    const char *const *names, const char *title, uat_error *e) {
  const series_ctx c = {x, y, n, dim, names, title};
  return render(base, series_data, series_body, &c, e);
}

/* decision surface */
typedef struct {
  size_t nx, ny;
  const double *lo, *hi, *value;
  size_t n;
  const double *x, *label;
  const uat_plot_surface_labels *l;
} surface_ctx;

static void surface_data(FILE *fp, const void *p) {
  const surface_ctx *c = p;
  fprintf(fp, "# x1,x2,value: the grid, then after two blank lines x1,x2,label: the points\n");
  for (size_t j = 0; j < c->ny; j++) {
    const double x2 = c->lo[1] + (c->hi[1] - c->lo[1]) * (double)j / (double)(c->ny - 1);
    for (size_t i = 0; i < c->nx; i++)
      fprintf(fp, "%.17g,%.17g,%.17g\n",
              c->lo[0] + (c->hi[0] - c->lo[0]) * (double)i / (double)(c->nx - 1), x2,
              c->value[j * c->nx + i]);
    fprintf(fp, "\n");
  }
  fprintf(fp, "\n"); /* two blank lines: the next block (gnuplot's index 1) */
  for (size_t k = 0; k < c->n; k++)
    fprintf(fp, "%.17g,%.17g,%.17g\n", c->x[2 * k], c->x[2 * k + 1], c->label[k]);
}

/* Class k's colours: a light one for its region, a dark one for its points. */
static const char *const region_colours[8] = {"#c6dbef", "#fdd0a2", "#c7e9c0", "#dadaeb",
                                              "#fcbba1", "#d9d9d9", "#fde0ef", "#ffffcc"};
static const char *const point_colours[8] = {"#08519c", "#a63603", "#006d2c", "#54278f",
                                             "#a50f15", "#252525", "#c51b7d", "#8c6d31"};

static void surface_points(FILE *fp, const char *data, const surface_ctx *c) {
  const size_t K = c->l->classes ? c->l->classes : 2;
  for (size_t k = 0; k < K; k++) {
    char name[64];
    if (c->l->classes && c->l->class_names)
      snprintf(name, sizeof name, "%s", c->l->class_names[k]);
    else
      snprintf(name, sizeof name, "training points, label %zu", k);
    /* one output's points: open (0) and filled (1) black circles over the blue-red map;
     * classes: their dark colour */
    const char *colour = c->l->classes ? point_colours[k % 8] : "#000000";
    const int pt = c->l->classes ? (k % 2 ? 7 : 9) : (k ? 7 : 6);
    fprintf(fp, ", ");
    gp_quote(fp, data);
    fprintf(fp,
            " index 1 using 1:($3 == %zu ? $2 : 1/0) with points pt %d ps 1.6 lw 2 lc rgb "
            "'%s' title ",
            k, pt, colour);
    gp_quote(fp, name);
    fprintf(fp, " noenhanced");
  }
}

static void surface_body(FILE *fp, const char *data, const void *p) {
  const surface_ctx *c = p;
  const uat_plot_surface_labels *l = c->l;
  fprintf(fp, "unset grid\nset key outside right top\nset xlabel ");
  gp_quote(fp, l->x1_name ? l->x1_name : "x1");
  fprintf(fp, " noenhanced\nset ylabel ");
  gp_quote(fp, l->x2_name ? l->x2_name : "x2");
  fprintf(fp, " noenhanced\nset cblabel ");
  gp_quote(fp, l->value_name ? l->value_name : l->classes ? "class" : "output");
  fprintf(fp, " noenhanced\nset title ");
  gp_quote(fp, l->title ? l->title : "");
  fprintf(fp, " noenhanced\n");
  if (l->classes) {
    fprintf(fp,
            "set cbrange [-0.5:%zu.5]\nset cbtics 1\nset palette maxcolors %zu\n"
            "set palette defined (",
            l->classes - 1, l->classes);
    for (size_t k = 0; k < l->classes; k++)
      fprintf(fp, "%s%zu '%s'", k ? ", " : "", k, region_colours[k % 8]);
    fprintf(fp, ")\n");
  } else { /* blue below the boundary at 0.5, red above, pale at it */
    fprintf(fp, "set cbrange [0:1]\nset palette defined (0 '#4575b4', 0.45 '#e0f3f8', "
                "0.5 '#ffffbf', 0.55 '#fee090', 1 '#d73027')\n");
  }
  fprintf(fp, "set xrange [%.17g:%.17g]\nset yrange [%.17g:%.17g]\nplot ", c->lo[0], c->hi[0],
          c->lo[1], c->hi[1]);
  gp_quote(fp, data);
  fprintf(fp, " index 0 using 1:2:3 with image notitle");
  surface_points(fp, data, c);
  fprintf(fp, "\nset grid\n");
}

int uat_plot_surface(const char *base, size_t nx, size_t ny, const double *lo, const double *hi,
                     const double *value, size_t n, const double *x, const double *label,
                     const uat_plot_surface_labels *labels, uat_error *e) {
  if (nx < 2 || ny < 2 || !(hi[0] > lo[0]) || !(hi[1] > lo[1]))
    return uat_error_set(e, UAT_EINVAL,
                         "plot: a surface needs a grid of at least 2 x 2 points "
                         "over a box");
  const surface_ctx c = {nx, ny, lo, hi, value, n, x, label, labels};
  return render(base, surface_data, surface_body, &c, e);
}

/* curves */
typedef struct {
  const double *x, *y;
  size_t n, dim;
  const char *const *names;
  const uat_plot_curves_labels *l;
} curves_ctx;

static void curves_data(FILE *fp, const void *p) {
  const curves_ctx *c = p;
  const series_ctx s = {c->x, c->y, c->n, c->dim, c->names, NULL};
  series_data(fp, &s);
}

static void curves_body(FILE *fp, const char *data, const void *p) {
  const curves_ctx *c = p;
  fprintf(fp, "set title ");
  gp_quote(fp, c->l->title ? c->l->title : "");
  fprintf(fp, " noenhanced\nset xlabel ");
  gp_quote(fp, c->l->xlabel ? c->l->xlabel : "x");
  fprintf(fp, " noenhanced\nset ylabel ");
  gp_quote(fp, c->l->ylabel ? c->l->ylabel : "");
  fprintf(fp, " noenhanced\n%s", c->l->logy ? "set logscale y\nset format y '10^{%L}'\n" : "");
  fprintf(fp, "plot ");
  for (size_t i = 0; i < c->dim; i++) {
    if (i) fprintf(fp, ", ");
    gp_quote(fp, data);
    fprintf(fp, " using 1:%zu skip 1 with lines lw 1.5 title ", i + 2);
    gp_quote(fp, c->names[i]);
    fprintf(fp, " noenhanced");
  }
  fprintf(fp, "\nunset logscale\nset format y\nunset title\nunset ylabel\n");
}

int uat_plot_curves(const char *base, const double *x, const double *y, size_t n, size_t dim,
                    const char *const *names, const uat_plot_curves_labels *labels, uat_error *e) {
  const curves_ctx c = {x, y, n, dim, names, labels};
  return render(base, curves_data, curves_body, &c, e);
}

/* a trajectory fitted to observations */
typedef struct {
  const double *t, *truth, *learned;
  size_t n;
  const double *tobs, *obs;
  size_t nobs, dim;
  const char *const *names;
  const char *title;
} trajfit_ctx;

static void trajfit_data(FILE *fp, const void *p) {
  const trajfit_ctx *c = p;
  fprintf(fp, "# t, learned..., true... (NaN: none); then after two blank lines t, observed...\n");
  for (size_t k = 0; k < c->n; k++) {
    fprintf(fp, "%.17g", c->t[k]);
    for (size_t i = 0; i < c->dim; i++) fprintf(fp, ",%.17g", c->learned[k * c->dim + i]);
    for (size_t i = 0; i < c->dim; i++)
      fprintf(fp, ",%.17g", c->truth ? c->truth[k * c->dim + i] : NAN);
    fputc('\n', fp);
  }
  fprintf(fp, "\n\n");
  for (size_t k = 0; k < c->nobs; k++) {
    fprintf(fp, "%.17g", c->tobs[k]);
    for (size_t i = 0; i < c->dim; i++) fprintf(fp, ",%.17g", c->obs[k * c->dim + i]);
    fputc('\n', fp);
  }
}

static void trajfit_body(FILE *fp, const char *data, const void *p) {
  const trajfit_ctx *c = p;
  fprintf(fp, "set title ");
  gp_quote(fp, c->title);
  fprintf(fp,
          "\nset xlabel 't'\nset arrow from %.17g, graph 0 to %.17g, graph 1 nohead dt 3\n"
          "plot ",
          c->tobs[c->nobs - 1], c->tobs[c->nobs - 1]);
  for (size_t i = 0; i < c->dim; i++) {
    if (i) fprintf(fp, ", ");
    if (c->truth) {
      gp_quote(fp, data);
      fprintf(fp, " index 0 using 1:%zu with lines lw 2 lc %zu title ", c->dim + i + 2, i + 1);
      fprintf(fp, "'%s true', ", c->names[i]);
    }
    gp_quote(fp, data);
    fprintf(fp, " index 0 using 1:%zu with lines lw 1.5 dt 2 lc %zu title ", i + 2, i + 1);
    fprintf(fp, "'%s learned', ", c->names[i]);
    gp_quote(fp, data);
    fprintf(fp, " index 1 using 1:%zu with points pt 7 ps 0.6 lc %zu title ", i + 2, i + 1);
    fprintf(fp, "'%s observed'", c->names[i]);
  }
  fprintf(fp, "\nunset arrow\nunset title\n");
}

int uat_plot_trajectory_fit(const char *base, const double *t, const double *truth,
                            const double *learned, size_t n, const double *tobs, const double *obs,
                            size_t nobs, size_t dim, const char *const *names, const char *title,
                            uat_error *e) {
  if (n == 0 || nobs == 0) return uat_error_set(e, UAT_EINVAL, "nothing to plot");
  const trajfit_ctx c = {t, truth, learned, n, tobs, obs, nobs, dim, names, title};
  return render(base, trajfit_data, trajfit_body, &c, e);
}
