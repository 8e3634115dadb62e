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
#include "uat/control.h"
#include "uat/io.h"
#include "uat/limits.h"
#include "uat/ode.h"
#include "uat/plot.h"
#include "uat/rollout.h"
#include "uat/util.h"

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
  double accuracy;         /* > 0: choose tolerances */
  uat_ode_expr_system *es; /* the system, when given by --rhs */
  int equilibria;
  const char *box;
  size_t starts;
  const char *policy; /* cartpole, pendulum-swingup: one episode of this policy network */
  const char *model;  /* a network learned as this system's vector field: integrate it instead */
  const uat_ode_system *truth; /* with --model: the system itself, for comparison */
} ode_options;

static void help(FILE *fp) {
  fprintf(
      fp,
      "usage: uat ode (SYSTEM | --rhs 'x = EXPR' ...) [--param name=value,...] [--y0 v1,v2,...]\n"
      "               [--t START:STOP:COUNT]\n"
      "               [--method adams|bdf] [--rtol R] [--atol A] [--output-mode "
      "interp|stop|steps]\n"
      "               [--max-steps N] [--no-jacobian] [-o FILE.csv] [--stats] [--invariant]\n"
      "               [--error-estimate] [--accuracy E] [--derivatives FILE.csv] [--plot "
      "FILE.png]\n"
      "       uat ode (SYSTEM | --rhs ...) --equilibria [--box LO:HI,...] [--starts N]\n"
      "       uat ode --list\n\n"
      "Integrate a built-in system with CVODE and write t and the states as CSV (17 digits).\n\n"
      "  -l, --list            list the systems with their equations and defaults\n"
      "  -r, --rhs 'x = EXPR'  one equation per state instead of SYSTEM (repeatable; names\n"
      "                        other than the states and t are parameters, set with --param;\n"
      "                        the Jacobian is derived symbolically)\n"
      "      --equilibria      fixed points in the box, their eigenvalues and kinds\n"
      "      --box LO:HI,...   the box, one LO:HI per state (default: +-2 max(1, |y0|))\n"
      "      --starts N        Newton starts per axis of the box (default 7)\n"
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
      "      --policy M        cartpole, pendulum-swingup: one episode of the saved policy "
      "network\n"
      "                        M from --y0 (CVODE, the control held over each step; uat control)\n"
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
  uat_error err;
  if (uat_ode_params_set(o->sys, s, o->p, &err) == UAT_OK) return 0;
  uat_cli_error("ode", "--param: %s", err.msg);
  return -1;
}

static int parse_span(ode_options *o, const char *s) {
  double a, b;
  size_t n;
  char sa[64], sb[64], sn[64];
  if (sscanf(s, "%63[^:]:%63[^:]:%63s", sa, sb, sn) != 3 || uat_parse_double(sa, &a) != 0 ||
      uat_parse_double(sb, &b) != 0 || uat_parse_size(sn, &n) != 0 || !isfinite(a) ||
      !isfinite(b) || n > UAT_MAX_POINTS) {
    uat_cli_error("ode", "--t: expected START:STOP:COUNT (COUNT at most %zu), found '%s'",
                  UAT_MAX_POINTS, s);
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
  if (uat_parse_double(s, v) != 0 || !(*v > 0) || !isfinite(*v)) {
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
  OPT_PLOT,
  OPT_EQ,
  OPT_BOX,
  OPT_STARTS,
  OPT_POLICY,
  OPT_MODEL
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
                                         {"rhs", required_argument, NULL, 'r'},
                                         {"equilibria", no_argument, NULL, OPT_EQ},
                                         {"box", required_argument, NULL, OPT_BOX},
                                         {"starts", required_argument, NULL, OPT_STARTS},
                                         {"policy", required_argument, NULL, OPT_POLICY},
                                         {"model", required_argument, NULL, OPT_MODEL},
                                         {NULL, 0, NULL, 0}};

/* The system's default parameters, initial state and time span (201 output times). */
static int take_defaults(ode_options *o) {
  memcpy(o->p, o->sys->param_defaults, o->sys->n_params * sizeof(double));
  memcpy(o->y0, o->sys->y0_default, o->sys->dim * sizeof(double));
  o->t0 = o->sys->t0_default;
  o->t1 = o->sys->t1_default;
  o->count = 201;
  return 0;
}

/* The system named on the command line, with its defaults. */
static int find_system(const char *name, ode_options *o) {
  o->sys = uat_ode_catalogue_find(name);
  if (o->sys == NULL) {
    uat_cli_error("ode", "unknown system '%s' (uat ode --list shows the catalogue)", name);
    return -1;
  }
  return take_defaults(o);
}

/* Options whose meaning depends on the system (--param, --y0) are applied after it is known. */
typedef struct {
  const char *params[16];
  size_t n_params;
  const char *y0;
  const char *rhs[16];
  size_t n_rhs;
} deferred;

/* The system given as equations; parameters start without values. */
static int build_expr_system(ode_options *o, const deferred *d) {
  uat_error err;
  if (uat_ode_expr_system_alloc(d->n_rhs, d->rhs, &o->es, &err) != UAT_OK) {
    uat_cli_error("ode", "--rhs: %s", err.msg);
    return -1;
  }
  o->sys = uat_ode_expr_system_get(o->es);
  if (o->sys->n_params > MAX_PARAMS) {
    uat_cli_error("ode", "--rhs: at most %d parameters", MAX_PARAMS);
    return -1;
  }
  return take_defaults(o);
}

/* Every parameter of an expression system must have been given a value. */
static int check_params(const ode_options *o) {
  for (size_t i = 0; i < o->sys->n_params; i++)
    if (isnan(o->p[i])) {
      uat_cli_error("ode", "parameter '%s' has no value: give --param %s=VALUE",
                    o->sys->param_names[i], o->sys->param_names[i]);
      return -1;
    }
  return 0;
}

static int apply_deferred(ode_options *o, const deferred *d) {
  for (size_t i = 0; i < d->n_params; i++)
    if (parse_params(o, d->params[i]) != 0) return -1;
  if (d->y0) {
    const long k = uat_parse_doubles(d->y0, o->y0, MAX_DIM);
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
    if (uat_parse_double(arg, &v) != 0 || !(v >= 0) || !isfinite(v)) {
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
    if (uat_parse_size(arg, &n) != 0 || n == 0) {
      uat_cli_error("ode", "--max-steps: expected a positive integer, found '%s'", arg);
      return -1;
    }
    o->params.max_steps = (long)n;
    return 0;
  case OPT_NOJAC: o->params.use_jacobian = 0; return 0;
  case 'o': o->output = arg; return 0;
  case OPT_POLICY: o->policy = arg; return 0;
  case OPT_MODEL: o->model = arg; return 0;
  case OPT_STATS: o->stats = 1; return 0;
  case OPT_INV: o->invariant = 1; return 0;
  case OPT_EST: o->estimate = 1; return 0;
  case OPT_ACC: return parse_positive("--accuracy", arg, &o->accuracy);
  case OPT_DERIV: o->derivatives = arg; return 0;
  case OPT_PLOT: o->plot = arg; return 0;
  case OPT_EQ: o->equilibria = 1; return 0;
  case OPT_BOX: o->box = arg; return 0;
  case OPT_STARTS:
    if (uat_parse_size(arg, &n) != 0 || n == 0 || n > 100) {
      uat_cli_error("ode", "--starts: expected an integer from 1 to 100, found '%s'", arg);
      return -1;
    }
    o->starts = n;
    return 0;
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
  opterr = 0;
  while ((c = getopt_long(argc, argv, "lp:t:m:o:r:h", ode_opts, NULL)) != -1) {
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
    } else if (c == 'r' && d.n_rhs < 16) {
      d.rhs[d.n_rhs++] = arg;
    } else if (c == 'p' || c == 'r') {
      uat_cli_error("ode", "--%s: at most 16 of them", c == 'p' ? "param" : "rhs");
      return -1;
    } else if (c == '?' || parse_option(o, c, arg) != 0) {
      if (c == '?') uat_cli_bad_option("ode", argv, optind, ode_opts);
      return -1;
    }
  }
  if (list) {
    list_systems();
    return 1;
  }
  const size_t positional = d.n_rhs > 0 ? 0 : 1;
  if ((size_t)(argc - optind) != positional) {
    if (optind == argc)
      uat_cli_error("ode", "expected a SYSTEM or --rhs equations (uat ode --list shows them)");
    else
      uat_cli_error("ode", "unexpected argument '%s' (try --help)", argv[optind + positional]);
    return -1;
  }
  /* --t given before the system is known keeps its values; defaults fill the rest. */
  const double t0 = o->t0, t1 = o->t1;
  const size_t count = o->count;
  if (d.n_rhs > 0 ? build_expr_system(o, &d) != 0 : find_system(argv[optind], o) != 0) return -1;
  if (d.n_rhs > 0 && d.y0 == NULL && !o->equilibria) {
    uat_cli_error("ode", "expected --y0 with %zu values for a system given by --rhs", o->sys->dim);
    return -1;
  }
  if (count > 0) {
    o->t0 = t0;
    o->t1 = t1;
    o->count = count;
  }
  if (apply_deferred(o, &d) != 0) return -1;
  return check_params(o);
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
  uat_linspace(o->t0, o->t1, o->count, times);
  uat_error err;
  int rc;
  const double t0 = uat_seconds();
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
  *secs = uat_seconds() - t0;
  free(times);
  if (rc != UAT_OK) uat_cli_error("ode", "%s", err.msg);
  return rc;
}

/* --model with --plot: the learned system's trajectory against the true one's at the same
 * times, side by side with both phase portraits (two states). */
static int plot_learned(const ode_options *o, const uat_ode_trajectory *learned) {
  uat_ode_trajectory *truth = NULL;
  uat_error err;
  uat_ode_params p = uat_ode_default_params();
  p.rtol = 1e-12;
  p.atol = 1e-14;
  int st = uat_ode_solve(o->truth, o->p, o->y0, learned->n, learned->t, &p, &truth, NULL, &err);
  if (st == UAT_OK) {
    char base[1024], title[300];
    uat_cli_plot_base(o->plot, "", base, sizeof base);
    snprintf(title, sizeof title, "%s: the learned field (%s) against the system", o->truth->name,
             o->model);
    const uat_plot_compare_labels labels = {"t", o->truth->state_names, "true", "learned", title};
    st = uat_plot_compare(base, learned->t, truth->y, learned->y, learned->n, o->truth->dim,
                          &labels, &err);
  }
  uat_ode_trajectory_free(truth);
  if (st == UAT_ENOTFOUND) fprintf(stderr, "uat ode: warning: %s\n", err.msg);
  if (st != UAT_OK && st != UAT_ENOTFOUND) {
    uat_cli_error("ode", "%s", err.msg);
    return -1;
  }
  return 0;
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
  if (rc == UAT_EXIT_OK && o->plot &&
      (o->truth ? plot_learned(o, tr) : ode_write_plot(o->plot, o->sys, tr)) != 0)
    rc = UAT_EXIT_FAIL;
  uat_ode_trajectory_free(tr);
  return rc;
}

/* --box LO:HI,LO:HI,... or the default around the initial state. */
static int parse_box(const ode_options *o, double *lo, double *hi) {
  const size_t n = o->sys->dim;
  if (o->box == NULL) {
    for (size_t i = 0; i < n; i++) {
      const double m = 2.0 * fmax(1.0, fabs(o->y0[i]));
      lo[i] = -m;
      hi[i] = m;
    }
    return 0;
  }
  const char *p = o->box;
  for (size_t i = 0; i < n; i++) { /* LO:HI, each read by the one number parser */
    char range[128];
    const size_t len = strcspn(p, ",");
    if (len >= sizeof range) break;
    memcpy(range, p, len);
    range[len] = '\0';
    char *colon = strchr(range, ':');
    if (colon == NULL) break;
    *colon = '\0';
    if (uat_parse_double(range, &lo[i]) != UAT_OK ||
        uat_parse_double(colon + 1, &hi[i]) != UAT_OK || !(hi[i] > lo[i]) ||
        (i + 1 < n) != (p[len] == ','))
      break;
    if (i + 1 == n) return 0;
    p += len + 1;
  }
  uat_cli_error("ode", "--box: expected %zu ranges LO:HI (LO < HI) separated by commas, found '%s'",
                n, o->box);
  return -1;
}

/* Parts below the solver's resolution print as 0: roots are accurate to about ftol, and real
 * parts within `zero` of the largest eigenvalue are what the classification calls zero. */
static double clean(double v, double scale) { return fabs(v) <= scale ? 0.0 : v; }

static void print_eigenvalue(double re, double im, double scale) {
  re = clean(re, scale);
  im = clean(im, scale);
  if (im == 0.0)
    printf("%.10g", re);
  else
    printf("%.10g %c %.10gi", re, im < 0 ? '-' : '+', fabs(im));
}

static int run_equilibria(const ode_options *o) {
  double lo[MAX_DIM], hi[MAX_DIM];
  if (parse_box(o, lo, hi) != 0) return UAT_EXIT_USAGE;
  uat_eq_params prm = uat_eq_default_params();
  if (o->starts) prm.starts_per_dim = o->starts;
  uat_ode_equilibrium e[64];
  size_t n;
  uat_error err;
  if (uat_ode_equilibria(o->sys, o->p, lo, hi, &prm, e, 64, &n, &err) != UAT_OK) {
    uat_cli_error("ode", "%s", err.msg);
    return UAT_EXIT_FAIL;
  }
  printf("# equilibria of %s in", o->es ? "the --rhs system" : o->sys->name);
  for (size_t i = 0; i < o->sys->dim; i++) printf(" %s[%g, %g]", i ? "x " : "", lo[i], hi[i]);
  printf(" (%zu starts per axis): %zu found\n", prm.starts_per_dim, n);
  const size_t dim = o->sys->dim;
  for (size_t k = 0; k < n && k < 64; k++) {
    double ymax = 0.0, lmax = 0.0;
    for (size_t i = 0; i < dim; i++) {
      ymax = fmax(ymax, fabs(e[k].y[i]));
      lmax = fmax(lmax, hypot(e[k].re[i], e[k].im[i]));
    }
    if (e[k].kind == UAT_EQ_NONISOLATED) { /* a set: say where it runs */
      printf("a set of equilibria through %zu of the roots found:", e[k].set_points);
      for (size_t i = 0; i < dim; i++) {
        const double a = clean(e[k].set_lo[i], 1e-9 * (1.0 + ymax)),
                     b = clean(e[k].set_hi[i], 1e-9 * (1.0 + ymax));
        if (a == b)
          printf("%s %s = %.10g", i ? "," : "", o->sys->state_names[i], a);
        else
          printf("%s %s in [%.6g, %.6g]", i ? "," : "", o->sys->state_names[i], a, b);
      }
      printf(": non-isolated\n");
      continue;
    }
    for (size_t i = 0; i < dim; i++)
      printf("%s%s = %.10g", i ? ", " : "", o->sys->state_names[i],
             clean(e[k].y[i], 1e-9 * (1.0 + ymax)));
    printf(": %s; eigenvalues ", uat_eq_class_name(e[k].kind));
    for (size_t i = 0; i < dim; i++) {
      if (i) printf(", ");
      print_eigenvalue(e[k].re[i], e[k].im[i], prm.zero * fmax(lmax, e[k].jac_norm));
    }
    printf("\n");
  }
  return UAT_EXIT_OK;
}

/* --model: the learned field in place of the system (and, for equilibria, the system's own
 * after them). */
static int run_model(ode_options *o) {
  uat_error err;
  uat_mlp *m = NULL;
  if (o->es != NULL) {
    uat_cli_error("ode", "--model: give a catalogue system (the one the field was learned from)");
    return UAT_EXIT_USAGE;
  }
  if (uat_mlp_load(o->model, &m, &err) != UAT_OK) {
    uat_cli_error("ode", "%s", err.msg);
    return UAT_EXIT_FAIL;
  }
  uat_mlp_system *ls = uat_mlp_system_alloc(m, o->sys, &err);
  int rc = UAT_EXIT_FAIL;
  if (ls == NULL) {
    uat_cli_error("ode", "--model: %s: %s", o->model, err.msg);
  } else {
    o->truth = o->sys;
    o->sys = uat_mlp_system_get(ls);
    rc = o->equilibria ? run_equilibria(o) : run(o);
    if (rc == UAT_EXIT_OK && o->equilibria) {
      o->sys = o->truth;
      rc = run_equilibria(o);
    }
    o->sys = o->truth;
  }
  uat_mlp_system_free(ls);
  uat_mlp_free(m);
  return rc;
}

/* --policy: one episode of a policy network on a control system, CVODE over each step. */
static int run_policy(const ode_options *o) {
  const int cart = strcmp(o->sys->name, "cartpole") == 0;
  if (!cart && strcmp(o->sys->name, "pendulum-swingup") != 0) {
    uat_cli_error("ode", "--policy: for the control systems cartpole and pendulum-swingup");
    return UAT_EXIT_USAGE;
  }
  uat_error err;
  uat_mlp *m = NULL;
  uat_env *e = uat_env_alloc(cart ? "cartpole" : "pendulum", UAT_INTEGRATOR_CVODE, &err);
  if (e == NULL || uat_mlp_load(o->policy, &m, &err) != UAT_OK) {
    uat_cli_error("ode", "%s", err.msg);
    uat_env_free(e);
    return UAT_EXIT_FAIL;
  }
  int rc = UAT_EXIT_FAIL;
  const size_t sd = uat_env_state_dim(e), cap = uat_env_max_steps(e) + 1;
  double *states = malloc(cap * sd * sizeof *states);
  size_t n = 0;
  uat_output out;
  if (uat_mlp_in(m) != uat_env_obs_dim(e) || uat_mlp_out(m) != 1) {
    uat_cli_error("ode", "--policy: %s has %zu inputs; %s's policies have %zu", o->policy,
                  uat_mlp_in(m), o->sys->name, uat_env_obs_dim(e));
  } else if (states) {
    uat_env_set_state(e, o->y0);
    const double ret = uat_env_run(e, m, states, &n, &err);
    if (!isfinite(ret)) {
      uat_cli_error("ode", "%s", err.msg);
    } else if (uat_output_open(&out, o->output, "ode") == 0) {
      fprintf(out.fp, "t");
      for (size_t i = 0; i < sd; i++) fprintf(out.fp, ",%s", o->sys->state_names[i]);
      fputc('\n', out.fp);
      for (size_t k = 0; k < n; k++) {
        fprintf(out.fp, "%.17g", (double)k * uat_env_dt(e));
        for (size_t i = 0; i < sd; i++) fprintf(out.fp, ",%.17g", states[k * sd + i]);
        fputc('\n', out.fp);
      }
      if (uat_output_close(&out, 1, "ode") == 0) rc = UAT_EXIT_OK;
      fprintf(o->output ? stdout : stderr, "steps = %zu\nreturn = %.6g\n", n - 1, ret);
    }
  }
  free(states);
  uat_mlp_free(m);
  uat_env_free(e);
  return rc;
}

int uat_cmd_ode(int argc, char **argv) {
  ode_options o;
  memset(&o, 0, sizeof o);
  const int p = parse_args(argc, argv, &o);
  int rc;
  if (p != 0) {
    rc = p > 0 ? UAT_EXIT_OK : UAT_EXIT_USAGE;
  } else if (o.derivatives && o.params.output == UAT_ODE_OUTPUT_STEPS) {
    uat_cli_error("ode", "--derivatives: expected equally spaced times (not --output-mode steps)");
    rc = UAT_EXIT_USAGE;
  } else {
    rc = o.policy       ? run_policy(&o)
         : o.model      ? run_model(&o)
         : o.equilibria ? run_equilibria(&o)
                        : run(&o);
  }
  uat_ode_expr_system_free(o.es);
  return rc;
}
