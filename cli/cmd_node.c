/* cmd_node.c — `uat fit --target ode-data:...`: a neural ODE learned from observations of a
 * trajectory (uat/node.h); parses, calls uat_node_run, prints its report. */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "uat/io.h"
#include "uat/node.h"
#include "uat/plot.h"
#include "uat/util.h"
#include "uat/version.h"

static void help(FILE *fp) {
  fprintf(
      fp,
      "usage: uat fit --target ode-data:SYSTEM|ode-data:FILE.csv [--times A:B:N] [--noise S]\n"
      "               [-p NAME=V,...] [--y0 V,...] [--known 'EXPR;EXPR'] [--hidden H,...]\n"
      "               [--trainer lm|adam|lbfgs|adam+lbfgs] [--segments K] [options]\n\n"
      "Learn a vector field y' = N(y) (+ a known part) from observations of a trajectory: the\n"
      "model is integrated by CVODES and fitted through its sensitivities (docs/neural-ode.md).\n"
      "Prints the fit against the data and, for generated data, against the noise-free truth:\n"
      "trajectory_error (relative RMS at the observation times), at held-out times, beyond the\n"
      "data, the learned field's error and the invariant's drift.\n\n"
      "Data:\n"
      "  -t, --target T      ode-data:SYSTEM (generated) or ode-data:FILE.csv (a time column,\n"
      "                      then one column per state, with a header; STATE_true columns,\n"
      "                      as --data-out writes them, are the truth)\n"
      "      --times A:B:N   N observation times from A to B (default 31 over the system's span)\n"
      "      --noise S       Gaussian noise of S times each state's mean magnitude (default 0)\n"
      "  -p, --param N=V,... the system's parameters, and values for the known part's names\n"
      "      --y0 V,...      the initial state of the generated data\n"
      "      --data-out F    write the observations (and the truth) to F (CSV)\n"
      "Model:\n"
      "      --known 'E;E'   a known part, one expression per state (the hybrid form)\n"
      "  -H, --hidden H,...  hidden widths (default 8); --act A their activation (tanh)\n"
      "  -s, --seed S        seed of the noise and the initialisation (default 0)\n"
      "      --collocation C yes, no or auto (default: for noise-free generated data when the\n"
      "                      slopes outnumber the weights): start from a fit to the data's\n"
      "                      central-difference slopes\n"
      "      --fit-y0 B      yes, no, or auto (default: yes for noisy or file data)\n"
      "Fit:\n"
      "  -T, --trainer T     lm (default), adam, lbfgs or adam+lbfgs\n"
      "      --max-iter N    LM or L-BFGS iterations (default 100)\n"
      "      --adam-steps N  Adam's steps (default 300), --lr R its rate (default 0.01)\n"
      "      --gradient G    auto, forward or adjoint (Adam and L-BFGS; default auto)\n"
      "      --segments K    multiple shooting with K segments (default 1)\n"
      "      --continuity W  weight of the segments' continuity residuals (default 1)\n"
      "      --polish N      then N LM iterations of single shooting (default 0)\n"
      "      --ridge L       penalty L |theta|^2 (default 1e-10)\n"
      "      --rtol R        CVODES tolerance of the fit's solves (default 1e-10)\n"
      "      --method M      adams (default: sensitivities as one augmented system) or bdf\n"
      "                      (stiff systems: CVODES' staggered sensitivities)\n"
      "Output:\n"
      "      --horizon T     extrapolate to T (default: twice the data's span)\n"
      "  -o, --output MODEL  save the network\n"
      "      --plot BASE.png data, truth and the learned solution to the horizon\n"
      "  -h, --help          this text\n");
}

typedef struct {
  uat_node_spec s;
  const char *target, *output, *plot, *data_out;
} node_options;

static int yes_no_auto(const char *flag, const char *arg, int *v) {
  if (strcmp(arg, "yes") == 0)
    *v = 1;
  else if (strcmp(arg, "no") == 0)
    *v = 0;
  else if (strcmp(arg, "auto") == 0)
    *v = -1;
  else {
    uat_cli_error("fit", "%s: expected yes, no or auto, found '%s'", flag, arg);
    return -1;
  }
  return 0;
}

static int parse_times(const char *arg, uat_node_spec *s) {
  char a[64], b[64];
  size_t n = 0;
  if (sscanf(arg, "%63[^:]:%63[^:]:%zu", a, b, &n) != 3 || uat_parse_double(a, &s->t0) != UAT_OK ||
      uat_parse_double(b, &s->t1) != UAT_OK || !(s->t1 > s->t0) || n < 3) {
    uat_cli_error("fit", "--times: expected A:B:N with A < B and N >= 3, found '%s'", arg);
    return -1;
  }
  s->n_times = n;
  return 0;
}

static int bad(const char *flag, const char *what, const char *arg) {
  uat_cli_error("fit", "%s: expected %s, found '%s'", flag, what, arg);
  return -1;
}

enum {
  O_TIMES = 256,
  O_NOISE,
  O_Y0,
  O_KNOWN,
  O_ACT,
  O_COLLOC,
  O_FITY0,
  O_MAXIT,
  O_ADAM,
  O_LR,
  O_GRAD,
  O_SEG,
  O_CONT,
  O_RIDGE,
  O_RTOL,
  O_POLISH,
  O_METHOD,
  O_HORIZON,
  O_PLOT,
  O_DATAOUT
};

static const struct option node_opts[] = {{"target", required_argument, NULL, 't'},
                                          {"times", required_argument, NULL, O_TIMES},
                                          {"noise", required_argument, NULL, O_NOISE},
                                          {"param", required_argument, NULL, 'p'},
                                          {"y0", required_argument, NULL, O_Y0},
                                          {"known", required_argument, NULL, O_KNOWN},
                                          {"hidden", required_argument, NULL, 'H'},
                                          {"act", required_argument, NULL, O_ACT},
                                          {"seed", required_argument, NULL, 's'},
                                          {"collocation", required_argument, NULL, O_COLLOC},
                                          {"fit-y0", required_argument, NULL, O_FITY0},
                                          {"trainer", required_argument, NULL, 'T'},
                                          {"max-iter", required_argument, NULL, O_MAXIT},
                                          {"adam-steps", required_argument, NULL, O_ADAM},
                                          {"lr", required_argument, NULL, O_LR},
                                          {"gradient", required_argument, NULL, O_GRAD},
                                          {"segments", required_argument, NULL, O_SEG},
                                          {"continuity", required_argument, NULL, O_CONT},
                                          {"ridge", required_argument, NULL, O_RIDGE},
                                          {"rtol", required_argument, NULL, O_RTOL},
                                          {"polish", required_argument, NULL, O_POLISH},
                                          {"method", required_argument, NULL, O_METHOD},
                                          {"horizon", required_argument, NULL, O_HORIZON},
                                          {"output", required_argument, NULL, 'o'},
                                          {"plot", required_argument, NULL, O_PLOT},
                                          {"data-out", required_argument, NULL, O_DATAOUT},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};

static int positive(const char *flag, const char *arg, double *v) {
  if (uat_parse_double(arg, v) != UAT_OK || !(*v >= 0)) return bad(flag, "a number >= 0", arg);
  return 0;
}

static int count(const char *flag, const char *arg, size_t *v) {
  if (uat_parse_size(arg, v) != UAT_OK || *v == 0) return bad(flag, "a count above 0", arg);
  return 0;
}

static int option(node_options *o, int c, const char *arg) {
  uat_node_spec *s = &o->s;
  unsigned long a = 0, b = 0;
  switch (c) {
  case 't': o->target = arg; return 0;
  case 'p': s->params = arg; return 0;
  case O_Y0: s->y0 = arg; return 0;
  case O_KNOWN: s->known = arg; return 0;
  case 'o': o->output = arg; return 0;
  case O_PLOT: o->plot = arg; return 0;
  case O_DATAOUT: o->data_out = arg; return 0;
  case O_TIMES: return parse_times(arg, s);
  case O_NOISE: return positive("--noise", arg, &s->noise);
  case O_LR: return positive("--lr", arg, &s->fit.adam_lr);
  case O_CONT: return positive("--continuity", arg, &s->continuity);
  case O_RIDGE: return positive("--ridge", arg, &s->ridge);
  case O_RTOL: return positive("--rtol", arg, &s->fit.rtol);
  case O_HORIZON: return positive("--horizon", arg, &s->horizon);
  case O_MAXIT: return count("--max-iter", arg, &s->fit.iterations);
  case O_ADAM: return count("--adam-steps", arg, &s->fit.adam_steps);
  case O_SEG: return count("--segments", arg, &s->segments);
  case O_POLISH: return count("--polish", arg, &s->polish);
  case O_COLLOC: return yes_no_auto("--collocation", arg, &s->collocation);
  case O_FITY0: return yes_no_auto("--fit-y0", arg, &s->fit_y0);
  case 's':
    if (uat_parse_seeds(arg, &a, &b) != UAT_OK || a != b) return bad("--seed", "a seed", arg);
    s->seed = a;
    return 0;
  case 'H':
    if (uat_parse_widths(arg, s->hidden, 8, &s->n_hidden) != UAT_OK)
      return bad("--hidden", "1 to 8 widths above 0, e.g. 5,5,5", arg);
    return 0;
  case O_ACT:
    return uat_activation_parse(arg, &s->act) == UAT_OK
               ? 0
               : uat_cli_bad_choice("fit", "--act", arg, UAT_CLI_ACTIVATIONS);
  case 'T':
    return uat_node_trainer_parse(arg, &s->fit.trainer) == UAT_OK
               ? 0
               : bad("--trainer", "lm, adam, lbfgs or adam+lbfgs", arg);
  case O_METHOD:
    if (strcmp(arg, "adams") == 0)
      s->fit.method = UAT_ODE_ADAMS;
    else if (strcmp(arg, "bdf") == 0)
      s->fit.method = UAT_ODE_BDF;
    else
      return bad("--method", "adams or bdf", arg);
    return 0;
  case O_GRAD:
    return uat_node_gradient_parse(arg, &s->fit.gradient) == UAT_OK
               ? 0
               : bad("--gradient", "auto, forward or adjoint", arg);
  default: return -1;
  }
}

static int parse(int argc, char **argv, node_options *o) {
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "t:p:H:s:T:o:h", node_opts, NULL)) != -1) {
    if (c == 'h') {
      help(stdout);
      return 1;
    }
    if (c == '?') {
      uat_cli_bad_option("fit", argv, optind, node_opts);
      return -1;
    }
    if (option(o, c, optarg ? optarg : "") != 0) return -1;
  }
  if (optind < argc) {
    uat_cli_error("fit", "unexpected argument '%s'", argv[optind]);
    return -1;
  }
  if (o->target == NULL || strncmp(o->target, "ode-data:", 9) != 0) {
    uat_cli_error("fit", "--target: expected ode-data:SYSTEM or ode-data:FILE.csv");
    return -1;
  }
  o->s.data = o->target + 9;
  return 0;
}

static void print_g(const char *key, double v) {
  if (isnan(v)) return;
  printf("%s = %.6e\n", key, v);
}

static void print_report(const node_options *o, const uat_node_data *d, const uat_mlp *m,
                         const uat_node_report *r) {
  printf("target = %s (%zu observations of ", o->target, d->n);
  for (size_t i = 0; i < d->dim; i++) printf("%s%s", i ? ", " : "", d->names[i]);
  printf(" on [%.17g, %.17g]", d->t[0], d->t[d->n - 1]);
  if (d->system) printf(", noise %g, seed %lu", o->s.noise, o->s.seed);
  printf(")\n");
  if (o->s.known) printf("known = %s\n", o->s.known);
  printf("layers = ");
  for (size_t l = 0; l <= m->n_layers; l++) printf("%s%zu", l ? "," : "", m->sizes[l]);
  printf("\nact = %s\n", uat_activation_name(o->s.act));
  printf("trainer = %s\ngradient = %s\nmethod = %s\n", uat_node_trainer_name(o->s.fit.trainer),
         uat_node_gradient_name(r->fit.gradient), o->s.fit.method == UAT_ODE_BDF ? "bdf" : "adams");
  printf("segments = %zu\n", o->s.segments ? o->s.segments : 1);
  if (o->s.polish) printf("polish = %zu\n", o->s.polish);
  printf("params = %zu\n", r->n_params);
  print_g("collocation_rmse", r->collocation_rmse);
  printf("iterations = %zu\nsens_solves = %zu\nsolves = %zu\nseconds = %.3f\n", r->fit.iterations,
         r->fit.sens_solves, r->fit.solves, r->seconds);
  printf("rmse = %.6e\n", r->fit.rmse);
  printf("trajectory_error = %.6e%s\n", r->trajectory_error,
         d->truth ? "" : "  (against the data: no truth)");
  print_g("heldout_error", r->heldout_error);
  if (!isnan(r->extrapolation_error))
    printf("extrapolation_error = %.6e  (to t = %.17g)\n", r->extrapolation_error, r->horizon);
  print_g("field_error", r->field_error);
  print_g("learned_part_error", r->learned_part_error);
  print_g("invariant_drift", r->invariant_drift);
  print_g("true_invariant_drift", r->true_invariant_drift);
  printf("y0 = ");
  for (size_t i = 0; i < d->dim; i++) printf("%s%.17g", i ? "," : "", r->y0[i]);
  printf("\n");
}

static int save_model(const node_options *o, const uat_node_data *d, const uat_mlp *m,
                      uat_error *err) {
  char domain[1024] = "", version[128];
  size_t len = 0;
  for (size_t i = 0; i < d->dim; i++) { /* the box the observations span */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < d->n; k++) {
      lo = fmin(lo, d->obs[k * d->dim + i]);
      hi = fmax(hi, d->obs[k * d->dim + i]);
    }
    len += (size_t)snprintf(domain + len, sizeof domain - len, "%s%s=%.17g:%.17g", i ? "," : "",
                            d->names[i], lo, hi);
    if (len >= sizeof domain) return uat_error_set(err, UAT_EINVAL, "state names too long");
  }
  snprintf(version, sizeof version, "%s %s", UAT_VERSION_STRING, uat_build_commit());
  uat_model_info info = {(char *)o->target, domain, (char *)uat_node_trainer_name(o->s.fit.trainer),
                         version,           1,      o->s.seed};
  return uat_mlp_save_info(o->output, m, &info, err);
}

static int write_data(const char *path, const uat_node_data *d, uat_error *err) {
  const size_t cols = 1 + d->dim * (d->truth ? 2 : 1);
  double *a = malloc(d->n * cols * sizeof *a);
  const char *names[1 + 2 * UAT_MLP_SYSTEM_MAX_DIM];
  char truth_names[UAT_MLP_SYSTEM_MAX_DIM][40];
  if (a == NULL) return uat_error_set(err, UAT_ENOMEM, "out of memory");
  names[0] = "t";
  for (size_t i = 0; i < d->dim; i++) {
    names[1 + i] = d->names[i];
    snprintf(truth_names[i], sizeof truth_names[i], "%s_true", d->names[i]);
    names[1 + d->dim + i] = truth_names[i];
  }
  for (size_t k = 0; k < d->n; k++) {
    a[k * cols] = d->t[k];
    for (size_t i = 0; i < d->dim; i++) {
      a[k * cols + 1 + i] = d->obs[k * d->dim + i];
      if (d->truth) a[k * cols + 1 + d->dim + i] = d->truth[k * d->dim + i];
    }
  }
  const int st = uat_table_write(path, names, d->n, cols, a, err);
  free(a);
  return st;
}

/* Data, truth and the learned solution from t0 to the horizon. */
static int plot(const node_options *o, const uat_node_data *d, const uat_mlp *m,
                const uat_node_report *r, uat_error *err) {
  enum { NT = 401 };
  const double t0 = d->t[0], t1 = r->horizon > d->t[d->n - 1] ? r->horizon : d->t[d->n - 1];
  double *t = malloc(NT * sizeof *t), *y = malloc(NT * d->dim * sizeof *y);
  double *truth = d->system ? malloc(NT * d->dim * sizeof *truth) : NULL;
  uat_ode_trajectory *tr = NULL;
  if (t == NULL || y == NULL || (truth == NULL && d->system)) {
    free(t);
    free(y);
    free(truth);
    return uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  int st = UAT_OK;
  for (size_t k = 0; k < NT; k++) t[k] = t0 + (t1 - t0) * (double)k / (NT - 1);
  if (st == UAT_OK) st = uat_node_predict(m, &o->s, d, r->y0, NT, t, y, err);
  if (st == UAT_OK && d->system) {
    uat_ode_params prm = uat_ode_default_params();
    prm.rtol = 1e-12;
    prm.atol = 1e-14;
    st = uat_ode_solve(d->system, d->p, d->y0_true, NT, t, &prm, &tr, NULL, err);
    if (st == UAT_OK) memcpy(truth, tr->y, NT * d->dim * sizeof *truth);
  }
  char base[1024], title[256];
  uat_cli_plot_base(o->plot, "", base, sizeof base);
  snprintf(title, sizeof title, "%s: learned (dashed) and true, %zu observations", o->target, d->n);
  if (st == UAT_OK)
    st = uat_plot_trajectory_fit(base, t, truth, y, NT, d->t, d->obs, d->n, d->dim,
                                 d->like.state_names, title, err);
  uat_ode_trajectory_free(tr);
  free(t);
  free(y);
  free(truth);
  return st;
}

int uat_cmd_fit_node(int argc, char **argv) {
  node_options o;
  memset(&o, 0, sizeof o);
  uat_node_spec_defaults(&o.s);
  const int p = parse(argc, argv, &o);
  if (p != 0) return p > 0 ? UAT_EXIT_OK : UAT_EXIT_USAGE;
  uat_error err = {0};
  uat_node_data *d = NULL;
  if (uat_node_data_load(&o.s, &d, &err) != UAT_OK) {
    uat_cli_error("fit", "%s", err.msg);
    return UAT_EXIT_USAGE;
  }
  if (o.data_out && write_data(o.data_out, d, &err) != UAT_OK) {
    uat_cli_error("fit", "%s", err.msg);
    uat_node_data_free(d);
    return UAT_EXIT_IO;
  }
  uat_mlp *m = NULL;
  uat_node_report r;
  int rc = UAT_EXIT_OK;
  if (uat_node_run(&o.s, d, &m, &r, &err) != UAT_OK) {
    uat_cli_error("fit", "%s", err.msg);
    rc = err.status == UAT_EINVAL ? UAT_EXIT_USAGE : UAT_EXIT_FAIL;
  } else {
    print_report(&o, d, m, &r);
    if (o.output && save_model(&o, d, m, &err) != UAT_OK) {
      uat_cli_error("fit", "%s", err.msg);
      rc = UAT_EXIT_IO;
    }
    if (o.plot && plot(&o, d, m, &r, &err) != UAT_OK) {
      uat_cli_error("fit", "--plot: %s", err.msg);
      if (err.status != UAT_ENOTFOUND) rc = UAT_EXIT_IO;
    }
  }
  uat_mlp_free(m);
  uat_node_data_free(d);
  return rc;
}
