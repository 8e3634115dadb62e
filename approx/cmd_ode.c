/* cmd_ode.c — `uat ode`: integrate a built-in ODE system with CVODE and write the trajectory.
 *
 * The trajectory goes to -o FILE (written atomically) or stdout as CSV with a header
 * `t,<state names>` and 17 significant digits. Reports (statistics, invariant drift, error
 * estimates) are `key = value` lines on stdout when the trajectory goes to a file, on stderr
 * when it goes to stdout. */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "uat/io.h"
#include "uat/ode.h"
#include "uat/plot.h"

enum { MAX_DIM = 16, MAX_PARAMS = 16 };

typedef struct {
  const uat_ode_system *sys;
  double p[MAX_PARAMS];
  double y0[MAX_DIM];
  double t0, t1;
  size_t count;
  uat_ode_params params;
  const char *output, *plot, *derivatives;
  int stats, invariant, estimate;
  double accuracy; /* > 0: choose tolerances */
} ode_options;

static void help(FILE *fp) {
  fprintf(
      fp,
      "usage: uat ode SYSTEM [--param name=value,...] [--y0 v1,v2,...] [--t START:STOP:COUNT]\n"
      "               [--method adams|bdf] [--rtol R] [--atol A] [--output-mode "
      "interp|stop|steps]\n"
      "               [--max-steps N] [--no-jacobian] [-o FILE.csv] [--stats] [--invariant]\n"
      "               [--error-estimate] [--accuracy E] [--derivatives FILE.csv] [--plot "
      "FILE.png]\n"
      "       uat ode --list\n\n"
      "Integrate a built-in system with CVODE and write t and the states as CSV (17 digits).\n\n"
      "  -l, --list            list the systems with their equations and defaults\n"
      "  -p, --param N=V,...   set parameters (repeatable)\n"
      "      --y0 V1,V2,...    initial state (one value per state)\n"
      "  -t, --t A:B:N         N output times from A to B inclusive (default: the system's span,\n"
      "                        201 times)\n"
      "  -m, --method M        adams (non-stiff, default) or bdf (stiff)\n"
      "      --rtol R          relative tolerance (default 1e-10)\n"
      "      --atol A          absolute tolerance (default 1e-12)\n"
      "      --output-mode M   interp: CVODE interpolates to each time (default); stop: a step\n"
      "                        ends at every time; steps: every internal step instead\n"
      "      --max-steps N     internal steps allowed between outputs (default 100000)\n"
      "      --no-jacobian     let CVODE approximate the Jacobian by differences\n"
      "  -o, --output FILE     trajectory CSV (default stdout)\n"
      "      --stats           CVODE's statistics\n"
      "      --invariant       maximum relative drift of the conserved quantity\n"
      "      --error-estimate  estimated global error: re-solve 100x tighter and compare\n"
      "      --accuracy E      choose tolerances so that the estimated global error is <= E\n"
      "      --derivatives F   write finite-difference dy/dt (orders 2 and 4) beside the exact\n"
      "                        right-hand side to F and report their errors (needs uniform times)\n"
      "      --plot FILE.png   states over time and, for two states, the phase portrait\n"
      "                        (gnuplot; FILE.csv-style data and FILE.gp script kept beside it)\n"
      "  -h, --help            this text\n\n"
      "Reports are `key = value` lines: on stdout with -o, on stderr otherwise.\n");
}

static void list_systems(void) {
  for (size_t i = 0; i < uat_ode_catalogue_count(); i++) {
    const uat_ode_system *s = uat_ode_catalogue_get(i);
    printf("%s\n  %s\n  states:", s->name, s->equations);
    for (size_t j = 0; j < s->dim; j++) printf(" %s=%g", s->state_names[j], s->y0_default[j]);
    printf("\n  parameters:");
    for (size_t j = 0; j < s->n_params; j++)
      printf(" %s=%g", s->param_names[j], s->param_defaults[j]);
    printf("\n  time: %g to %g\n", s->t0_default, s->t1_default);
    if (s->invariant_text) printf("  invariant: %s\n", s->invariant_text);
    if (s->exact) printf("  exact solution known\n");
    printf("\n");
  }
}

/* "alpha=1.5,beta=2" into o->p; a message and -1 on error. */
static int parse_params(ode_options *o, const char *s) {
  char buf[512];
  if (strlen(s) >= sizeof buf) return -1;
  strcpy(buf, s);
  char *save = NULL;
  for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(item, '=');
    double v;
    if (eq == NULL) {
      uat_cli_error("ode", "--param: expected name=value, found '%s'", item);
      return -1;
    }
    *eq = '\0';
    const int k = uat_ode_param_index(o->sys, item);
    if (k < 0) {
      char names[256] = "";
      for (size_t j = 0; j < o->sys->n_params; j++) {
        strncat(names, j ? ", " : "", sizeof names - strlen(names) - 1);
        strncat(names, o->sys->param_names[j], sizeof names - strlen(names) - 1);
      }
      uat_cli_error("ode", "--param: %s has no parameter '%s' (it has %s)", o->sys->name, item,
                    names);
      return -1;
    }
    if (uat_cli_double(eq + 1, &v) != 0 || !isfinite(v)) {
      uat_cli_error("ode", "--param: expected a number for %s, found '%s'", item, eq + 1);
      return -1;
    }
    o->p[k] = v;
  }
  return 0;
}

static int parse_span(ode_options *o, const char *s) {
  double a, b;
  size_t n;
  char sa[64], sb[64], sn[64];
  if (sscanf(s, "%63[^:]:%63[^:]:%63s", sa, sb, sn) != 3 || uat_cli_double(sa, &a) != 0 ||
      uat_cli_double(sb, &b) != 0 || uat_cli_size(sn, &n) != 0 || !isfinite(a) || !isfinite(b)) {
    uat_cli_error("ode", "--t: expected START:STOP:COUNT, found '%s'", s);
    return -1;
  }
  if (!(b > a)) {
    uat_cli_error("ode", "--t: expected STOP > START, found %g:%g", a, b);
    return -1;
  }
  if (n < 2) {
    uat_cli_error("ode", "--t: expected COUNT >= 2, found %zu", n);
    return -1;
  }
  o->t0 = a;
  o->t1 = b;
  o->count = n;
  return 0;
}

static int parse_positive(const char *flag, const char *s, double *v) {
  if (uat_cli_double(s, v) != 0 || !(*v > 0) || !isfinite(*v)) {
    uat_cli_error("ode", "%s: expected a positive number, found '%s'", flag, s);
    return -1;
  }
  return 0;
}

enum {
  OPT_Y0 = 256,
  OPT_RTOL,
  OPT_ATOL,
  OPT_MODE,
  OPT_MAXSTEPS,
  OPT_NOJAC,
  OPT_STATS,
  OPT_INV,
  OPT_EST,
  OPT_ACC,
  OPT_DERIV,
  OPT_PLOT
};

static const struct option ode_opts[] = {{"list", no_argument, NULL, 'l'},
                                         {"param", required_argument, NULL, 'p'},
                                         {"y0", required_argument, NULL, OPT_Y0},
                                         {"t", required_argument, NULL, 't'},
                                         {"method", required_argument, NULL, 'm'},
                                         {"rtol", required_argument, NULL, OPT_RTOL},
                                         {"atol", required_argument, NULL, OPT_ATOL},
                                         {"output-mode", required_argument, NULL, OPT_MODE},
                                         {"max-steps", required_argument, NULL, OPT_MAXSTEPS},
                                         {"no-jacobian", no_argument, NULL, OPT_NOJAC},
                                         {"output", required_argument, NULL, 'o'},
                                         {"stats", no_argument, NULL, OPT_STATS},
                                         {"invariant", no_argument, NULL, OPT_INV},
                                         {"error-estimate", no_argument, NULL, OPT_EST},
                                         {"accuracy", required_argument, NULL, OPT_ACC},
                                         {"derivatives", required_argument, NULL, OPT_DERIV},
                                         {"plot", required_argument, NULL, OPT_PLOT},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};

/* The system named on the command line, with its defaults. */
static int find_system(const char *name, ode_options *o) {
  o->sys = uat_ode_catalogue_find(name);
  if (o->sys == NULL) {
    uat_cli_error("ode", "unknown system '%s' (uat ode --list shows the catalogue)", name);
    return -1;
  }
  memcpy(o->p, o->sys->param_defaults, o->sys->n_params * sizeof(double));
  memcpy(o->y0, o->sys->y0_default, o->sys->dim * sizeof(double));
  o->t0 = o->sys->t0_default;
  o->t1 = o->sys->t1_default;
  o->count = 201;
  return 0;
}

/* Options whose meaning depends on the system (--param, --y0) are applied after it is known. */
typedef struct {
  const char *params[16];
  size_t n_params;
  const char *y0;
} deferred;

static int apply_deferred(ode_options *o, const deferred *d) {
  for (size_t i = 0; i < d->n_params; i++)
    if (parse_params(o, d->params[i]) != 0) return -1;
  if (d->y0) {
    const long k = uat_cli_doubles(d->y0, o->y0, MAX_DIM);
    if (k != (long)o->sys->dim) {
      uat_cli_error("ode", "--y0: expected %zu comma-separated numbers for %s, found '%s'",
                    o->sys->dim, o->sys->name, d->y0);
      return -1;
    }
    for (size_t i = 0; i < o->sys->dim; i++)
      if (!isfinite(o->y0[i])) {
        uat_cli_error("ode", "--y0: expected finite numbers, found '%s'", d->y0);
        return -1;
      }
  }
  return 0;
}

static int parse_option(ode_options *o, int c, const char *arg) {
  double v;
  size_t n;
  switch (c) {
  case 't': return parse_span(o, arg);
  case 'm':
    if (strcmp(arg, "adams") == 0)
      o->params.method = UAT_ODE_ADAMS;
    else if (strcmp(arg, "bdf") == 0)
      o->params.method = UAT_ODE_BDF;
    else {
      uat_cli_error("ode", "--method: expected adams or bdf, found '%s'", arg);
      return -1;
    }
    return 0;
  case OPT_RTOL: return parse_positive("--rtol", arg, &o->params.rtol);
  case OPT_ATOL:
    if (uat_cli_double(arg, &v) != 0 || !(v >= 0) || !isfinite(v)) {
      uat_cli_error("ode", "--atol: expected a number >= 0, found '%s'", arg);
      return -1;
    }
    o->params.atol = v;
    return 0;
  case OPT_MODE:
    if (strcmp(arg, "interp") == 0)
      o->params.output = UAT_ODE_OUTPUT_INTERP;
    else if (strcmp(arg, "stop") == 0)
      o->params.output = UAT_ODE_OUTPUT_STOP;
    else if (strcmp(arg, "steps") == 0)
      o->params.output = UAT_ODE_OUTPUT_STEPS;
    else {
      uat_cli_error("ode", "--output-mode: expected interp, stop or steps, found '%s'", arg);
      return -1;
    }
    return 0;
  case OPT_MAXSTEPS:
    if (uat_cli_size(arg, &n) != 0 || n == 0) {
      uat_cli_error("ode", "--max-steps: expected a positive integer, found '%s'", arg);
      return -1;
    }
    o->params.max_steps = (long)n;
    return 0;
  case OPT_NOJAC: o->params.use_jacobian = 0; return 0;
  case 'o': o->output = arg; return 0;
  case OPT_STATS: o->stats = 1; return 0;
  case OPT_INV: o->invariant = 1; return 0;
  case OPT_EST: o->estimate = 1; return 0;
  case OPT_ACC: return parse_positive("--accuracy", arg, &o->accuracy);
  case OPT_DERIV: o->derivatives = arg; return 0;
  case OPT_PLOT: o->plot = arg; return 0;
  default: return -1;
  }
}

/* Returns 0 to run, 1 when done (help, list), -1 on a usage error. */
static int parse_args(int argc, char **argv, ode_options *o) {
  int list = 0, c;
  deferred d;
  memset(&d, 0, sizeof d);
  o->params = uat_ode_default_params();
  o->count = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "lp:t:m:o:h", ode_opts, NULL)) != -1) {
    const char *arg = optarg ? optarg : "";
    if (c == 'h') {
      help(stdout);
      return 1;
    }
    if (c == 'l') {
      list = 1;
    } else if (c == 'p' && d.n_params < 16) {
      d.params[d.n_params++] = arg;
    } else if (c == OPT_Y0) {
      d.y0 = arg;
    } else if (c == '?' || c == 'p' || parse_option(o, c, arg) != 0) {
      if (c == '?') help(stderr);
      return -1;
    }
  }
  if (list) {
    list_systems();
    return 1;
  }
  if (optind != argc - 1) {
    if (optind == argc)
      uat_cli_error("ode", "expected a SYSTEM (uat ode --list shows them)");
    else
      uat_cli_error("ode", "unexpected argument '%s' (try --help)", argv[optind + 1]);
    return -1;
  }
  /* --t given before the system is known keeps its values; defaults fill the rest. */
  const double t0 = o->t0, t1 = o->t1;
  const size_t count = o->count;
  if (find_system(argv[optind], o) != 0) return -1;
  if (count > 0) {
    o->t0 = t0;
    o->t1 = t1;
    o->count = count;
  }
  return apply_deferred(o, &d);
}

/* Reports: `key = value` lines. */
static void report_stats(FILE *fp, const ode_options *o, const uat_ode_stats *s, double secs) {
  fprintf(fp, "system = %s\nmethod = %s\nrtol = %g\natol = %g\n", o->sys->name,
          o->params.method == UAT_ODE_BDF ? "bdf" : "adams", o->params.rtol, o->params.atol);
  fprintf(fp, "jacobian = %s\n",
          o->params.use_jacobian && o->sys->jac ? "analytic" : "difference quotients");
  fprintf(fp, "steps = %ld\nrhs_evals = %ld\nlin_rhs_evals = %ld\njac_evals = %ld\n", s->steps,
          s->rhs_evals, s->lin_rhs_evals, s->jac_evals);
  fprintf(fp, "err_test_fails = %ld\nnonlin_iters = %ld\nnonlin_conv_fails = %ld\n",
          s->err_test_fails, s->nonlin_iters, s->nonlin_conv_fails);
  fprintf(fp, "last_order = %d\nlast_step = %.6g\nseconds = %.6f\n", s->last_order, s->last_step,
          secs);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int write_trajectory(FILE *fp, const uat_ode_system *sys, const uat_ode_trajectory *tr) {
  fputc('t', fp);
  for (size_t i = 0; i < sys->dim; i++) fprintf(fp, ",%s", sys->state_names[i]);
  fputc('\n', fp);
  for (size_t k = 0; k < tr->n; k++) {
    fprintf(fp, "%.17g", tr->t[k]);
    for (size_t i = 0; i < sys->dim; i++) fprintf(fp, ",%.17g", tr->y[k * tr->dim + i]);
    fputc('\n', fp);
  }
  return ferror(fp) ? -1 : 0;
}

int ode_write_derivatives(const char *path, const uat_ode_system *sys, const double *p,
                          const uat_ode_trajectory *tr, FILE *report);
int ode_write_plot(const char *png, const uat_ode_system *sys, const uat_ode_trajectory *tr);

static int solve(ode_options *o, uat_ode_trajectory **tr, uat_ode_stats *st, double *estimate,
                 double *secs) {
  double *times = malloc(o->count * sizeof *times);
  if (times == NULL) return UAT_ENOMEM;
  for (size_t k = 0; k < o->count; k++)
    times[k] =
        k + 1 == o->count ? o->t1 : o->t0 + (o->t1 - o->t0) * (double)k / (double)(o->count - 1);
  uat_error err;
  int rc;
  const double t0 = now();
  if (o->accuracy > 0) {
    uat_ode_params used;
    rc = uat_ode_solve_accuracy(o->sys, o->p, o->y0, o->count, times, &o->params, o->accuracy, 1e-3,
                                tr, estimate, &used, st, &err);
    if (rc == UAT_OK) o->params = used;
  } else if (o->estimate) {
    rc = uat_ode_solve_estimate(o->sys, o->p, o->y0, o->count, times, &o->params, tr, estimate, st,
                                &err);
  } else {
    rc = uat_ode_solve(o->sys, o->p, o->y0, o->count, times, &o->params, tr, st, &err);
  }
  *secs = now() - t0;
  free(times);
  if (rc != UAT_OK) uat_cli_error("ode", "%s", err.msg);
  return rc;
}

static int run(ode_options *o) {
  uat_ode_trajectory *tr = NULL;
  uat_ode_stats st;
  double estimate = NAN, secs = 0;
  if (solve(o, &tr, &st, &estimate, &secs) != UAT_OK) return UAT_EXIT_FAIL;
  FILE *rep = o->output ? stdout : stderr;
  int rc = UAT_EXIT_OK;
  uat_output out;
  if (uat_output_open(&out, o->output, "ode") != 0) {
    rc = UAT_EXIT_FAIL;
  } else {
    const int ok = write_trajectory(out.fp, o->sys, tr) == 0;
    if (uat_output_close(&out, ok, "ode") != 0 || !ok) rc = UAT_EXIT_FAIL;
  }
  if (rc == UAT_EXIT_OK && o->stats) report_stats(rep, o, &st, secs);
  if (rc == UAT_EXIT_OK && o->accuracy > 0)
    fprintf(rep, "accuracy = %g\nrtol_used = %g\natol_used = %g\n", o->accuracy, o->params.rtol,
            o->params.atol);
  if (rc == UAT_EXIT_OK && (o->estimate || o->accuracy > 0))
    fprintf(rep, "error_estimate = %.3e\n", estimate);
  if (rc == UAT_EXIT_OK && o->invariant) {
    double drift;
    if (uat_ode_invariant_drift(o->sys, o->p, tr, &drift) == UAT_OK)
      fprintf(rep, "invariant = %s\ninvariant_drift = %.3e\n", o->sys->invariant_text, drift);
    else
      fprintf(rep, "invariant = none (%s has no conserved quantity for these parameters)\n",
              o->sys->name);
  }
  if (rc == UAT_EXIT_OK && o->derivatives &&
      ode_write_derivatives(o->derivatives, o->sys, o->p, tr, rep) != 0)
    rc = UAT_EXIT_FAIL;
  if (rc == UAT_EXIT_OK && o->plot && ode_write_plot(o->plot, o->sys, tr) != 0) rc = UAT_EXIT_FAIL;
  uat_ode_trajectory_free(tr);
  return rc;
}

int uat_cmd_ode(int argc, char **argv) {
  ode_options o;
  memset(&o, 0, sizeof o);
  const int p = parse_args(argc, argv, &o);
  if (p != 0) return p > 0 ? UAT_EXIT_OK : UAT_EXIT_USAGE;
  if (o.derivatives && o.params.output == UAT_ODE_OUTPUT_STEPS) {
    uat_cli_error("ode", "--derivatives: expected equally spaced times (not --output-mode steps)");
    return UAT_EXIT_USAGE;
  }
  return run(&o);
}
