/* cmd_sindy.c — `uat extract sindy`: equations from ground truth, noisy finite differences, a
 * vector-field network or a trajectory network (uat/sindy.h). */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "uat/io.h"
#include "uat/plot.h"
#include "uat/sindy.h"
#include "uat/util.h"

#define MAX_TERMS_CLI 64

static void help(FILE *fp) {
  fprintf(
      fp,
      "usage: uat extract sindy (--ode SYSTEM | --model M) [--library SPEC] [--term EXPR ...]\n"
      "                         [--threshold T | --cv] [--ridge L] [options]\n\n"
      "Recover equations x' = f(x) as sparse sums of candidate terms (sequentially\n"
      "thresholded least squares). Prints each equation as `uat ode --rhs` reads it, the\n"
      "coefficients with standard errors, and the error of the recovered system's rollout\n"
      "against the true one. docs/extraction.md.\n\n"
      "Data:\n"
      "      --ode SYSTEM      CVODE ground truth of a catalogue system (rtol 1e-12)\n"
      "  -p, --param N=V,... its parameters\n"
      "      --t T0:T1:N       sample times (default: the system's span, 100 per unit time)\n"
      "      --derivatives D   rhs (the right-hand side, default), fd (central differences)\n"
      "                        or fd4 (five-point) of the sampled states\n"
      "      --noise S         Gaussian noise of S times each state's RMS added to the states\n"
      "      --seed N          the noise's seed (default 1)\n"
      "  -m, --model M         a trained network: a field (states -> derivatives) sampled on a\n"
      "                        grid over its training domain, or a trajectory (t -> states)\n"
      "                        differentiated through its input Jacobian\n"
      "      --domain X=A:B,.. the field's box or the trajectory's time span (default: the\n"
      "                        model file's)\n"
      "      --grid N          field: points per axis (default 20); trajectory: times (1001)\n"
      "Model:\n"
      "      --library SPEC    poly:D, trig, exp, comma separated (default poly:3)\n"
      "      --term EXPR       a further candidate term (repeatable)\n"
      "      --threshold T     drop coefficients below T (default 0.05)\n"
      "      --cv              choose the threshold by cross-validation (every 5th sample\n"
      "                        held out) and print the Pareto curve of error against terms\n"
      "      --ridge L         ridge penalty L ||c||^2 (default 0)\n"
      "      --digits D        significant digits of printed coefficients (default 17)\n"
      "      --pareto FILE.csv the Pareto curve as CSV, and FILE.svg/png as a plot (--cv)\n"
      "  -h, --help            this text\n");
}

typedef struct {
  const char *ode, *model, *library, *domain, *pareto, *params, *times;
  const char *terms[MAX_TERMS_CLI];
  size_t n_terms, grid;
  uat_sindy_derivatives deriv;
  double noise;
  unsigned long seed;
  int digits;
  uat_sindy_params par;
} sindy_options;

static int parse_options(int argc, char **argv, sindy_options *o) {
  enum {
    O_ODE = 256,
    O_DERIV,
    O_NOISE,
    O_SEED,
    O_DOMAIN,
    O_GRID,
    O_LIB,
    O_TERM,
    O_THR,
    O_CV,
    O_RIDGE,
    O_DIGITS,
    O_PARETO,
    O_T
  };
  static const struct option opts[] = {{"ode", required_argument, NULL, O_ODE},
                                       {"param", required_argument, NULL, 'p'},
                                       {"t", required_argument, NULL, O_T},
                                       {"derivatives", required_argument, NULL, O_DERIV},
                                       {"noise", required_argument, NULL, O_NOISE},
                                       {"seed", required_argument, NULL, O_SEED},
                                       {"model", required_argument, NULL, 'm'},
                                       {"domain", required_argument, NULL, O_DOMAIN},
                                       {"grid", required_argument, NULL, O_GRID},
                                       {"library", required_argument, NULL, O_LIB},
                                       {"term", required_argument, NULL, O_TERM},
                                       {"threshold", required_argument, NULL, O_THR},
                                       {"cv", no_argument, NULL, O_CV},
                                       {"ridge", required_argument, NULL, O_RIDGE},
                                       {"digits", required_argument, NULL, O_DIGITS},
                                       {"pareto", required_argument, NULL, O_PARETO},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "p:m:h", opts, NULL)) != -1) {
    const char *arg = optarg ? optarg : "";
    size_t z = 0;
    int bad = 0;
    switch (c) {
    case 'h': help(stdout); return 1;
    case O_ODE: o->ode = arg; break;
    case 'p': o->params = arg; break;
    case O_T: o->times = arg; break;
    case 'm': o->model = arg; break;
    case O_DOMAIN: o->domain = arg; break;
    case O_LIB: o->library = arg; break;
    case O_PARETO: o->pareto = arg; break;
    case O_CV: o->par.threshold = -1.0; break;
    case O_DERIV:
      if (strcmp(arg, "rhs") == 0)
        o->deriv = UAT_SINDY_DERIV_RHS;
      else if (strcmp(arg, "fd") == 0)
        o->deriv = UAT_SINDY_DERIV_FD;
      else if (strcmp(arg, "fd4") == 0)
        o->deriv = UAT_SINDY_DERIV_FD4;
      else
        bad = 1;
      break;
    case O_NOISE: bad = uat_parse_double(arg, &o->noise) != 0 || !(o->noise >= 0); break;
    case O_SEED: bad = uat_parse_size(arg, &z) != 0, o->seed = (unsigned long)z; break;
    case O_GRID: bad = uat_parse_size(arg, &o->grid) != 0 || o->grid < 2; break;
    case O_THR:
      bad = uat_parse_double(arg, &o->par.threshold) != 0 || !(o->par.threshold >= 0);
      break;
    case O_RIDGE: bad = uat_parse_double(arg, &o->par.ridge) != 0 || !(o->par.ridge >= 0); break;
    case O_DIGITS: bad = uat_parse_size(arg, &z) != 0 || z < 1 || z > 17, o->digits = (int)z; break;
    case O_TERM:
      if (o->n_terms == MAX_TERMS_CLI)
        bad = 1;
      else
        o->terms[o->n_terms++] = arg;
      break;
    default: uat_cli_bad_option("extract", argv, optind, opts); return -1;
    }
    if (bad) {
      uat_cli_error("extract", "%s: unexpected value '%s'",
                    argv[optind - 1][1] == '-' ? argv[optind - 1] : "option", arg);
      return -1;
    }
  }
  if ((o->ode == NULL) == (o->model == NULL) || optind != argc) {
    uat_cli_error("extract", "sindy: expected --ode SYSTEM or --model M (try --help)");
    return -1;
  }
  return 0;
}

/* "A:B:N" */
static int parse_grid(const char *s, double *a, double *b, size_t *n) {
  char buf[256];
  if (strlen(s) >= sizeof buf) return -1;
  strcpy(buf, s);
  char *c1 = strchr(buf, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  if (c2 == NULL) return -1;
  *c1 = *c2 = '\0';
  return uat_parse_double(buf, a) || uat_parse_double(c1 + 1, b) || uat_parse_size(c2 + 1, n) ||
                 !(*b > *a) || *n < 5
             ? -1
             : 0;
}

/* "x=A:B,y=C:D" into lo/hi (dim entries). */
static int parse_box(const char *s, size_t dim, double *lo, double *hi) {
  char buf[1024];
  if (strlen(s) >= sizeof buf) return -1;
  strcpy(buf, s);
  size_t i = 0;
  char *save = NULL;
  for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save), i++) {
    char *eq = strchr(item, '='), *colon = eq ? strchr(eq, ':') : NULL;
    if (i >= dim || colon == NULL) return -1;
    *colon = '\0';
    if (uat_parse_double(eq + 1, &lo[i]) || uat_parse_double(colon + 1, &hi[i]) || !(hi[i] > lo[i]))
      return -1;
  }
  return i == dim ? 0 : -1;
}

/* The recovered equations, their coefficients and the Pareto curve. */
static void print_model(const sindy_options *o, const uat_sindy_library *lib,
                        const uat_sindy_result *r, const char *const *states) {
  const size_t p = uat_sindy_library_size(lib);
  printf("# library %s%s (%zu terms):", o->library, o->n_terms ? " + terms" : "", p);
  for (size_t j = 0; j < p; j++) printf("%s %s", j ? "," : "", uat_sindy_library_term(lib, j));
  printf("\n");
  if (r->n_pareto > 0) {
    printf("# Pareto curve (cross-validation, one sample in %zu held out): threshold, terms, "
           "relative validation error\n",
           o->par.fold);
    for (size_t t = 0; t < r->n_pareto; t++)
      printf("#   %-10.3g %4zu  %.3e%s\n", r->pareto[t].threshold, r->pareto[t].terms,
             r->pareto[t].error, r->pareto[t].threshold == r->threshold ? "   <- chosen" : "");
  }
  printf("# threshold %.6g%s, ridge %g\n", r->threshold, r->n_pareto ? " (cross-validated)" : "",
         o->par.ridge);
  char buf[8192];
  for (size_t i = 0; i < r->dim; i++) {
    uat_sindy_equation(r, lib, states[i], i, o->digits, buf, sizeof buf);
    printf("%s\n", buf);
  }
  printf("# equation, term, coefficient, standard error\n");
  for (size_t i = 0; i < r->dim; i++)
    for (size_t j = 0; j < p; j++)
      if (r->coef[i * p + j] != 0.0)
        printf("%s, %s, %.17g, %.2e\n", states[i], uat_sindy_library_term(lib, j),
               r->coef[i * p + j], r->stderr_[i * p + j]);
}

static int write_pareto(const char *path, const uat_sindy_result *r) {
  uat_error err;
  double *rows = malloc(r->n_pareto * 3 * sizeof *rows), *x = malloc(r->n_pareto * sizeof *x),
         *y = malloc(r->n_pareto * sizeof *y);
  if (rows == NULL || x == NULL || y == NULL) {
    free(rows);
    free(x);
    free(y);
    uat_cli_error("extract", "--pareto: out of memory");
    return UAT_ENOMEM;
  }
  int st = UAT_OK;
  for (size_t t = 0; t < r->n_pareto; t++) {
    rows[3 * t] = r->pareto[t].threshold;
    rows[3 * t + 1] = (double)r->pareto[t].terms;
    rows[3 * t + 2] = r->pareto[t].error;
    x[t] = (double)r->pareto[t].terms;
    y[t] = fmax(r->pareto[t].error, 1e-300);
  }
  const char *names[] = {"threshold", "terms", "validation_error"};
  if (st == UAT_OK) st = uat_table_write(path, names, r->n_pareto, 3, rows, &err);
  char base[1024];
  const size_t n = strlen(path);
  const int csv = n > 4 && strcmp(path + n - 4, ".csv") == 0;
  snprintf(base, sizeof base, "%.*s", (int)(csv ? n - 4 : n), path); /* FILE.svg beside FILE.csv */
  const char *cn[] = {"relative validation error"};
  const uat_plot_curves_labels lab = {"terms kept", "relative validation error",
                                      "SINDy Pareto curve (cross-validation)", 1};
  if (st == UAT_OK) st = uat_plot_curves(base, x, y, r->n_pareto, 1, cn, &lab, &err);
  free(rows);
  free(x);
  free(y);
  if (st != UAT_OK) uat_cli_error("extract", "--pareto: %s", err.msg);
  return st;
}

/* Data from --ode; ref/times for the rollout (the noise-free truth). */
static int data_from_ode(const sindy_options *o, const uat_ode_system **sys, uat_sindy_data *d,
                         double *p, uat_error *err) {
  *sys = uat_ode_catalogue_find(o->ode);
  if (*sys == NULL)
    return uat_error_set(err, UAT_ENOTFOUND, "--ode: no system '%s' (uat ode --list)", o->ode);
  memcpy(p, (*sys)->param_defaults, (*sys)->n_params * sizeof *p);
  uat_error perr;
  if (uat_ode_params_set(*sys, o->params, p, &perr) != UAT_OK)
    return uat_error_set(err, UAT_EINVAL, "--param: %s", perr.msg);
  double a = (*sys)->t0_default, b = (*sys)->t1_default;
  size_t n = (size_t)llround(100 * (b - a)) + 1;
  if (o->times && parse_grid(o->times, &a, &b, &n) != 0)
    return uat_error_set(err, UAT_EINVAL,
                         "--t: expected T0:T1:N with T0 < T1 and N >= 5, found '%s'", o->times);
  double *t = malloc(n * sizeof *t);
  if (t == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory");
  for (size_t k = 0; k < n; k++) t[k] = a + (b - a) * (double)k / (double)(n - 1);
  const int st = uat_sindy_data_ode(*sys, p, NULL, n, t, o->deriv, o->noise, o->seed, d, err);
  free(t);
  if (st == UAT_OK)
    printf("# data: %s ground truth (CVODE, rtol 1e-12), %zu samples, t in [%g, %g], "
           "derivatives %s, noise %g\n",
           (*sys)->name, n, a, b,
           o->deriv == UAT_SINDY_DERIV_RHS  ? "from the right-hand side"
           : o->deriv == UAT_SINDY_DERIV_FD ? "by central differences"
                                            : "by five-point differences",
           o->noise);
  return st;
}

/* Data from --model: a field on a grid or a trajectory through its input Jacobian. */
static int data_from_model(const sindy_options *o, const uat_ode_system **sys, uat_sindy_data *d,
                           int *trajectory, uat_error *err) {
  uat_mlp *m = NULL;
  uat_model_info info = {0};
  int st = uat_mlp_load_info(o->model, &m, &info, err);
  if (st != UAT_OK) return st;
  *sys = NULL;
  if (info.target && strncmp(info.target, "ode:", 4) == 0) { /* ode:SYSTEM:field|trajectory */
    char name[128];
    snprintf(name, sizeof name, "%s", info.target + 4);
    char *colon = strchr(name, ':');
    if (colon) *colon = '\0';
    *sys = uat_ode_catalogue_find(name);
  }
  *trajectory = uat_mlp_in(m) == 1 &&
                (info.target == NULL || strstr(info.target, ":field") == NULL) &&
                !(uat_mlp_out(m) == 1 && info.target && strstr(info.target, ":trajectory") == NULL);
  const size_t dim = *trajectory ? uat_mlp_out(m) : uat_mlp_in(m);
  double lo[UAT_SINDY_MAX_STATES], hi[UAT_SINDY_MAX_STATES];
  const char *domain = o->domain ? o->domain : info.domain;
  const size_t nbox = *trajectory ? 1 : dim;
  if (dim > UAT_SINDY_MAX_STATES || domain == NULL || parse_box(domain, nbox, lo, hi) != 0) {
    st = uat_error_set(err, UAT_EINVAL,
                       "--domain: expected %zu NAME=LO:HI item%s (the model file records none or "
                       "another), found '%s'",
                       nbox, nbox == 1 ? "" : "s", domain ? domain : "");
  } else if (*trajectory) {
    const size_t n = o->grid ? o->grid : 1001;
    st = uat_sindy_data_trajectory(m, lo[0], hi[0], n, d, err);
    if (st == UAT_OK)
      printf("# data: trajectory network %s (%s), %zu times in [%g, %g], derivatives through "
             "its input Jacobian\n",
             o->model, info.target ? info.target : "target not recorded", n, lo[0], hi[0]);
  } else {
    const size_t g = o->grid ? o->grid : 20;
    st = uat_sindy_data_field(m, lo, hi, g, d, err);
    if (st == UAT_OK)
      printf("# data: field network %s (%s), a %zu-per-axis grid over %s\n", o->model,
             info.target ? info.target : "target not recorded", g, domain);
  }
  uat_model_info_free(&info);
  uat_mlp_free(m);
  if (st == UAT_OK && *sys && (*sys)->dim != dim) *sys = NULL;
  return st;
}

/* The recovered system integrated against the true one from its initial state. */
static int rollout(const uat_sindy_result *r, const uat_sindy_library *lib,
                   const uat_ode_system *sys, const double *p, const char *const *states,
                   const uat_sindy_data *d, int trajectory, uat_error *err) {
  double a = sys->t0_default, b = sys->t1_default;
  if (d->t) { /* the data's own span */
    a = d->t[0];
    b = d->t[d->n - 1];
  }
  (void)trajectory;
  const size_t n = 501;
  double *t = malloc(n * sizeof *t);
  uat_ode_trajectory *truth = NULL;
  if (t == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory");
  for (size_t k = 0; k < n; k++) t[k] = a + (b - a) * (double)k / (double)(n - 1);
  uat_ode_params op = uat_ode_default_params();
  op.rtol = 1e-12;
  op.atol = 1e-14;
  int st = uat_ode_solve(sys, p, sys->y0_default, n, t, &op, &truth, NULL, err);
  double e = NAN;
  if (st == UAT_OK)
    st = uat_sindy_rollout(r, lib, states, sys->y0_default, n, t, truth->y, &e, NULL, err);
  if (st == UAT_OK)
    printf("rollout_error = %.3e  (max over %zu times in [%g, %g] of |recovered - true| / max "
           "|true|, from the system's initial state)\n",
           e, n, a, b);
  uat_ode_trajectory_free(truth);
  free(t);
  return st;
}

int uat_extract_sindy(int argc, char **argv) {
  sindy_options o = {
      .library = "poly:3", .seed = 1, .digits = 17, .par = uat_sindy_default_params()};
  const int pr = parse_options(argc, argv, &o);
  if (pr != 0) return pr > 0 ? UAT_EXIT_OK : UAT_EXIT_USAGE;
  uat_error err;
  uat_sindy_data d = {0};
  const uat_ode_system *sys = NULL;
  double p[64] = {0};
  int trajectory = 0;
  int st = o.ode ? data_from_ode(&o, &sys, &d, p, &err)
                 : data_from_model(&o, &sys, &d, &trajectory, &err);
  if (st != UAT_OK) {
    uat_cli_error("extract", "%s", err.msg);
    return UAT_EXIT_FAIL;
  }
  if (o.model && sys) memcpy(p, sys->param_defaults, sys->n_params * sizeof *p);
  char names[UAT_SINDY_MAX_STATES][24];
  const char *states[UAT_SINDY_MAX_STATES];
  for (size_t i = 0; i < d.dim; i++) {
    snprintf(names[i], sizeof names[i], "x%zu", i + 1);
    states[i] = sys ? sys->state_names[i] : names[i];
  }
  uat_sindy_library *lib = NULL;
  uat_sindy_result r = {0};
  st = uat_sindy_library_alloc(d.dim, states, o.library, o.n_terms, o.terms, &lib, &err);
  if (st == UAT_OK) st = uat_sindy_fit(lib, d.n, d.X, d.dXdt, &o.par, &r, &err);
  if (st == UAT_OK) print_model(&o, lib, &r, states);
  if (st == UAT_OK && o.pareto && r.n_pareto)
    st = write_pareto(o.pareto, &r);
  else if (st != UAT_OK)
    uat_cli_error("extract", "%s", err.msg);
  if (st == UAT_OK && sys &&
      (st = rollout(&r, lib, sys, p, states, &d, trajectory, &err)) != UAT_OK)
    uat_cli_error("extract", "rollout: %s", err.msg);
  uat_sindy_result_free(&r);
  uat_sindy_library_free(lib);
  uat_sindy_data_free(&d);
  return st == UAT_OK ? UAT_EXIT_OK : UAT_EXIT_FAIL;
}
