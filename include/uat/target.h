/* target.h — what a network is asked to approximate, and the points it sees.
 *
 *   EXPR                       an expression in the domain's variables (symbolic derivative)
 *   ode:SYSTEM:trajectory      t -> state(t) of a catalogue system (CVODE ground truth)
 *   ode:SYSTEM:field           state -> f(state), the system's vector field
 *   bool:BITS                  a truth table: bool:0110 is XOR of two inputs (first input most
 *                              significant), 2^n bits for n inputs
 *   data:FILE[:x=A,B][:y=C][:test=F|test=COLUMN]
 *                              rows of a CSV file with a header (docs/data.md): inputs x (default
 *                              every column but the last), outputs y (default the last); a
 *                              text column of y is a class label, one output per class
 *                              (one-hot); test rows a fraction F (default 0.2) drawn by the
 *                              seed, or the rows where COLUMN is not 0 */
#ifndef UAT_TARGET_H
#define UAT_TARGET_H

#include <stddef.h>

#include "uat/data.h"
#include "uat/ode.h"
#include "uat/status.h"

enum { UAT_TARGET_MAX_DIM = 16 };

typedef enum {
  UAT_TARGET_EXPR = 0,
  UAT_TARGET_TRAJECTORY,
  UAT_TARGET_FIELD,
  UAT_TARGET_BOOL,
  UAT_TARGET_DATA
} uat_target_kind;

/** How points are placed: a regular grid, Chebyshev nodes (per axis), uniform random, or (for
 *  vector fields) states along the system's trajectory, equally spaced in time. */
typedef enum {
  UAT_POINTS_GRID = 0,
  UAT_POINTS_CHEBYSHEV,
  UAT_POINTS_RANDOM,
  UAT_POINTS_TRAJECTORY
} uat_points;

int uat_points_parse(const char *name, uat_points *p);
const char *uat_points_name(uat_points p);

typedef struct uat_target uat_target;

/** Parse a target and its domain. domain: "x=-pi:pi,y=0:1", or "LO:HI" for a single variable
 *  (named x for expressions, t for trajectories); bounds may be expressions ("2*pi"). Empty or
 *  NULL: the default (trajectories: the system's time span; fields: the box around the
 *  system's trajectory, padded by 10%; bool: [0, 1]^n). Errors say what and where. */
int uat_target_alloc(const char *spec, const char *domain, uat_target **out, uat_error *err);

/** A data: target with its columns and split appended as `:x=...:y=...:test=...` (each part only
 *  when given, NULL otherwise), the spec model files record. UAT_EINVAL when columns are given
 *  for a target that is not data:FILE, or when buf (len bytes) is too short. */
int uat_target_data_spec(const char *target, const char *x, const char *y, const char *test,
                         char *buf, size_t len, uat_error *err);
void uat_target_free(uat_target *t);

uat_target_kind uat_target_get_kind(const uat_target *t);
size_t uat_target_in(const uat_target *t);
size_t uat_target_out(const uat_target *t);
const double *uat_target_lo(const uat_target *t);
const double *uat_target_hi(const uat_target *t);
const char *uat_target_input_name(const uat_target *t, size_t i);
const char *uat_target_output_name(const uat_target *t, size_t i);

/** Data targets: the training rows (test = 0) or the test rows (test = 1) of the split that
 *  seed draws (a split by column ignores the seed). NULL with err set for other targets.
 *  uat_target_sample of a data target gives its training rows. */
uat_dataset *uat_target_data_rows(uat_target *t, int test, unsigned long seed, uat_error *err);

/** Data targets with a class column: the number of classes (= outputs); 0 otherwise. */
size_t uat_target_classes(const uat_target *t);

/** A text description, e.g. "sin(x) on x in [-3.14159, 3.14159]". */
const char *uat_target_describe(const uat_target *t);

/** The domain as a spec string with exact bounds ("x=-3.1415926535897931:3.1415926535897931,
 *  y=..."), which uat_target_alloc reads back to the same box. Returns a string the caller
 *  frees, or NULL (out of memory). */
char *uat_target_domain_spec(const uat_target *t);

/** Target value(s) at x (out values). */
int uat_target_eval(uat_target *t, const double *x, double *y);

/** d target_o / d x_j at x, where known (expressions: symbolic; trajectories: the vector
 *  field at the state; fields: the Jacobian). UAT_ENOTFOUND for truth tables. */
int uat_target_deriv(uat_target *t, const double *x, size_t o, size_t j, double *dy);

/** A dataset of about n points of the given kind (grid and Chebyshev: per axis
 *  round(n^(1/in)) points; random: n uniform points from seed); truth tables use their 2^in
 *  rows whatever n is. */
uat_dataset *uat_target_sample(uat_target *t, uat_points kind, size_t n, unsigned long seed,
                               uat_error *err);

/** The ODE system behind a trajectory or field target (NULL otherwise), and its parameters. */
const uat_ode_system *uat_target_system(const uat_target *t);

#endif
