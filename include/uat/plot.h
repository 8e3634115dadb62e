/* uat/plot.h — plots through gnuplot. Every plot is a data file plus a gnuplot script that the
 * caller writes (so it can be restyled and rerun); this runs the script. */
#ifndef UAT_PLOT_H
#define UAT_PLOT_H

#include <stddef.h>

#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** 1 if a gnuplot executable is on PATH. */
int uat_plot_available(void);

/** Run `gnuplot SCRIPT`. UAT_ENOTFOUND when gnuplot is not installed (the script and data are
 *  still there to run later), UAT_EIO when it fails; gnuplot's own messages go to its stderr. */
int uat_plot_run(const char *script, uat_error *err);

/* Plots for papers. Each writes BASE_data.csv and BASE.gp (rerun it with `gnuplot BASE.gp`
 * to restyle), then draws BASE.png and BASE.svg; the pictures are renamed into place only when
 * gnuplot succeeds. Without gnuplot the data and script are written and UAT_ENOTFOUND is
 * returned with a message saying so. */

#include "uat/stats.h"

/** What a scaling plot says besides its numbers: axis labels, a title (each may be NULL), and
 *  the spread of err at each N — lo[i] to hi[i], e.g. the best and worst seed (both NULL: no
 *  spread drawn). */
typedef struct {
  const char *xlabel, *ylabel, *title;
  const double *lo, *hi;
} uat_plot_scaling_labels;

/** Error against size on log-log axes, with error bars from lo to hi when given, and the fitted
 *  power law and its exponent (and 95% interval) in the legend when fit is not NULL. */
int uat_plot_scaling(const char *base, const double *N, const double *err, size_t n,
                     const uat_scaling_fit *fit, const uat_plot_scaling_labels *labels,
                     uat_error *e);

/** Model and target over x (top) and their difference (bottom). */
int uat_plot_fit(const char *base, const double *x, const double *model, const double *target,
                 size_t n, uat_error *e);

/** What a comparison plot says: the x axis' name ("t"), the dim curve names, the two sets'
 *  names ("true", "learned") and a title (may be NULL). */
typedef struct {
  const char *x_name;
  const char *const *names;
  const char *ref_label, *other_label;
  const char *title;
} uat_plot_compare_labels;

/** Two sets of dim curves over the same x (row-major n x dim each): `reference` solid and
 *  `other` dashed in one panel; beside it their relative difference over x, max_i |other_i -
 *  ref_i| / max_i |ref_i| on a log axis; with dim == 2 also both phase portraits. The data file
 *  has the columns X, NAME_REF..., NAME_OTHER..., rel_error (the labels' words). */
int uat_plot_compare(const char *base, const double *x, const double *reference,
                     const double *other, size_t n, size_t dim,
                     const uat_plot_compare_labels *labels, uat_error *e);

/** dim curves over x (row-major n x dim), one panel titled title; with dim == 2 also the phase
 *  portrait beside it. */
int uat_plot_series(const char *base, const double *x, const double *y, size_t n, size_t dim,
                    const char *const *names, const char *title, uat_error *e);

/** A trajectory fitted to observations: the learned curves (dashed) and the true ones (solid;
 *  truth may be NULL) over t (n x dim each), the observations (tobs, obs: nobs x dim) as
 *  points, a dotted line where the observations end (what lies beyond is extrapolation). */
int uat_plot_trajectory_fit(const char *base, const double *t, const double *truth,
                            const double *learned, size_t n, const double *tobs, const double *obs,
                            size_t nobs, size_t dim, const char *const *names, const char *title,
                            uat_error *e);

/** Training loss against iteration (log y axis), its axis labelled ylabel (NULL: "loss"):
 *  say the units. */
int uat_plot_loss(const char *base, const double *loss, size_t n, const char *ylabel, uat_error *e);

/** What a curves plot says: axis labels, a title (each may be NULL), a log y axis or not. */
typedef struct {
  const char *xlabel, *ylabel, *title;
  int logy;
} uat_plot_curves_labels;

/** dim curves over x (row-major n x dim) in one panel, named names[0 .. dim). */
int uat_plot_curves(const char *base, const double *x, const double *y, size_t n, size_t dim,
                    const char *const *names, const uat_plot_curves_labels *labels, uat_error *e);

/** A decision surface: what a picture of a two-input network's output over the plane says. */
typedef struct {
  const char *x1_name, *x2_name;  /**< axis names (NULL: "x1", "x2") */
  const char *value_name;         /**< the colour bar's ("output"; "class" for classes) */
  const char *title;              /**< may be NULL */
  size_t classes;                 /**< 0: values are outputs in [0, 1] with the boundary at 0.5;
                                       K >= 2: values are predicted classes 0 ... K-1 */
  const char *const *class_names; /**< K names for the legend (classes > 0; may be NULL) */
} uat_plot_surface_labels;

/** A two-input classifier's output over the box [lo[0], hi[0]] x [lo[1], hi[1]] as a heat map
 *  (value[j * nx + i] at x1 = lo[0] + i (hi[0]-lo[0])/(nx-1), x2 = lo[1] + j (hi[1]-lo[1])/(ny-1))
 *  under its n training points (x: n x 2) marked by their label (0/1, or the class). The data
 *  file holds the grid (x1, x2, value), two blank lines, then the points (x1, x2, label): the
 *  picture the seed post points to in TensorFlow Playground. */
int uat_plot_surface(const char *base, size_t nx, size_t ny, const double *lo, const double *hi,
                     const double *value, size_t n, const double *x, const double *label,
                     const uat_plot_surface_labels *labels, uat_error *e);

#ifdef __cplusplus
}
#endif
#endif
