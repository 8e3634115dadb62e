/* cmd_fit.c — `uat fit` (train one network on one target, save it, report its error) and
 * `uat eval` (the same report for a saved model). Reports are `key = value` lines. */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "uat/fitjob.h"
#include "uat/io.h"
#include "uat/limits.h"
#include "uat/logic.h"
#include "uat/plot.h"
#include "uat/rollout.h"
#include "uat/run.h"

static void fit_help(FILE *fp) {
  fprintf(
      fp,
      "usage: uat fit --target EXPR|ode:SYSTEM:trajectory|ode:SYSTEM:field|bool:BITS|data:FILE\n"
      "       (ode-data:SYSTEM|ode-data:FILE.csv: a neural ODE, see uat fit --target ode-data: "
      "--help)\n"
      "               [--x COLS] [--y COLS] [--test-rows FRACTION|COLUMN]\n"
      "               [--domain x=LO:HI,...] [--layers IN,H,...,OUT | --hidden H,...] [--act A]\n"
      "               [--out-act A] [--loss L] [--no-bias]\n"
      "               [--trainer T] [--boost N] [--target-rmse R]\n"
      "               [--max-iter N] [--max-seconds S] [--plateau K:REL] [--lr R] [--batch B]\n"
      "               [--points grid|chebyshev|random|trajectory] [--train N] [--test N]\n"
      "               [--init RULE] [--seed S] [-o MODEL] [--plot BASE.png] [--rollout A:B:N]\n"
      "               [--max-memory B]\n\n"
      "Train a network (hidden layers with --act, linear output) on the target, save it and print\n"
      "its error report: test RMSE and maximum, L2 and refined L-infinity norms per output, the\n"
      "derivative's norms for one-input targets, iterations, stop reason and seconds.\n\n"
      "  -t, --target T      the target (docs/experiments.md)\n"
      "  -D, --domain D      x=LO:HI,... (bounds may be expressions: -pi:pi)\n"
      "      --x COLS, --y COLS  data:FILE.csv targets: input and output columns by name\n"
      "                      (default: all but the last, the last; a text column is a class)\n"
      "      --test-rows F   test rows: a fraction drawn by the seed (default 0.2), or a\n"
      "                      column name: the rows where it is not 0\n"
      "  -l, --layers L      all widths, input and output included (checked against the target)\n"
      "  -H, --hidden H      or only the hidden widths (default 32)\n"
      "      --act A         hidden activation (default tanh)\n"
      "      --out-act A     output activation (default identity: linear; another, e.g.\n"
      "                      sigmoid, trains on the outputs as they are, not standardised;\n"
      "                      softmax: class probabilities, with --loss ce)\n"
      "      --loss L        mse (default), half-mse, bce (logits, or --out-act sigmoid) or ce\n"
      "                      (softmax cross-entropy on logits, one output per class)\n"
      "      --no-bias       bias-free layers (trained as is, without input or output maps)\n"
      "  -T, --trainer T     default adam; --list-trainers shows them all\n"
      "      --boost N       N members, each fitting the rescaled residual of the sum so far\n"
      "      --target-rmse R stop at this training RMSE\n"
      "      --max-iter N    iterations or epochs (default: the trainer's, --list-trainers)\n"
      "      --max-seconds S time budget (makes the run depend on the machine)\n"
      "      --plateau K:REL stop when the RMSE improved by less than REL over K iterations\n"
      "      --lr R, --batch B  first-order learning rate and mini-batch size\n"
      "      --tune KEY=VALUE  a trainer's tuning value (repeatable): e.g. cmaes_sigma0=1,\n"
      "                      ga_mutation_rate=0.5, ga_selection=tournament (docs/evolution.md)\n"
      "      --points P      training points (default grid), --train N of them (default 256)\n"
      "      --test N        test points on a grid (default 2001 in 1-D)\n"
      "      --init RULE     weight initialiser (default torch)\n"
      "  -s, --seed S        seed (default 0)\n"
      "  -o, --output MODEL  save the trained network\n"
      "      --max-memory B  refuse a run that would need more than B bytes (K, M, G suffixes;\n"
      "                      default half the physical memory)\n"
      "      --rollout A:B:N integrate the learned field (ode:SYSTEM:field) with CVODE from the\n"
      "                      system's initial state at N times from A to B; report its error\n"
      "                      against the true trajectory and its invariant drift\n"
      "      --plot BASE.png model vs target (first output; one-input targets) in BASE.png, or\n"
      "                      for two inputs the decision surface with the training points;\n"
      "                      training RMSE per iteration (normalised units) in BASE_loss.png\n"
      "      --verbose       a line per iteration (iteration, training RMSE) on stderr; without\n"
      "                      it a terminal shows one progress line\n"
      "  -h, --help          this text\n");
  char names[512];
  uat_fit_kind_list(names, sizeof names);
  fprintf(fp, "\ntrainers: %s\n", names);
}

/* --list-trainers: the trainer table, a line each. */
static void list_trainers(void) {
  printf("%-10s %-9s %s\n", "trainer", "max_iter", "method");
  for (size_t k = 0; k < uat_fit_kind_count(); k++) {
    const uat_fit_type *T = uat_fit_type_get((uat_fit_kind)k);
    printf("%-10s %-9zu %s\n", T->name, T->default_max_iter, T->summary);
  }
}

static void eval_help(FILE *fp) {
  fprintf(fp, "usage: uat eval --model M [--target T] [--domain D] [--test N]\n\n"
              "The error report of `uat fit` for a saved model (see uat fit --help for targets).\n"
              "The target and the domain default to those the model file records of its training\n"
              "(a different --target alone is evaluated on its own default domain).\n");
}

enum {
  O_ACT = 256,
  O_BOOST,
  O_TRMSE,
  O_MAXIT,
  O_MAXS,
  O_PLATEAU,
  O_LR,
  O_BATCH,
  O_POINTS,
  O_TRAIN,
  O_TEST,
  O_INIT,
  O_PLOT,
  O_MODEL,
  O_ROLLOUT,
  O_MAXMEM,
  O_LIST,
  O_VERBOSE,
  O_OUTACT,
  O_LOSS,
  O_NOBIAS,
  O_XCOLS,
  O_YCOLS,
  O_SPLIT,
  O_TUNE
};

static const struct option fit_opts[] = {{"target", required_argument, NULL, 't'},
                                         {"domain", required_argument, NULL, 'D'},
                                         {"layers", required_argument, NULL, 'l'},
                                         {"hidden", required_argument, NULL, 'H'},
                                         {"act", required_argument, NULL, O_ACT},
                                         {"trainer", required_argument, NULL, 'T'},
                                         {"boost", required_argument, NULL, O_BOOST},
                                         {"target-rmse", required_argument, NULL, O_TRMSE},
                                         {"max-iter", required_argument, NULL, O_MAXIT},
                                         {"max-seconds", required_argument, NULL, O_MAXS},
                                         {"plateau", required_argument, NULL, O_PLATEAU},
                                         {"lr", required_argument, NULL, O_LR},
                                         {"batch", required_argument, NULL, O_BATCH},
                                         {"points", required_argument, NULL, O_POINTS},
                                         {"train", required_argument, NULL, O_TRAIN},
                                         {"test", required_argument, NULL, O_TEST},
                                         {"init", required_argument, NULL, O_INIT},
                                         {"seed", required_argument, NULL, 's'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"plot", required_argument, NULL, O_PLOT},
                                         {"model", required_argument, NULL, O_MODEL},
                                         {"rollout", required_argument, NULL, O_ROLLOUT},
                                         {"max-memory", required_argument, NULL, O_MAXMEM},
                                         {"list-trainers", no_argument, NULL, O_LIST},
                                         {"verbose", no_argument, NULL, O_VERBOSE},
                                         {"out-act", required_argument, NULL, O_OUTACT},
                                         {"loss", required_argument, NULL, O_LOSS},
                                         {"no-bias", no_argument, NULL, O_NOBIAS},
                                         {"x", required_argument, NULL, O_XCOLS},
                                         {"y", required_argument, NULL, O_YCOLS},
                                         {"test-rows", required_argument, NULL, O_SPLIT},
                                         {"tune", required_argument, NULL, O_TUNE},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};

typedef struct {
  uat_run_spec spec;
  const char *layers, *hidden, *output, *plot, *model, *rollout;
  const char *xcols, *ycols, *split; /* data: targets' --x, --y, --test-rows */
  const char *tune[32];              /* --tune KEY=VALUE, applied after --trainer */
  size_t n_tune;
  char data_spec[4096]; /* the target with them appended */
  int max_iter_set;
  int verbose;                       /* --verbose: a line per iteration on stderr */
  size_t widths[UAT_MAX_LAYERS + 1]; /* --layers or --hidden: the spec's hidden widths */
} fit_options;

/* Progress of a fit on stderr: with --verbose one line per iteration; otherwise, on a
 * terminal, one line redrawn at most four times a second. */
typedef struct {
  int verbose, tty;
  double last;
} fit_progress;

static void on_iteration(void *ctx, size_t it, double rmse) {
  fit_progress *p = ctx;
  if (p->verbose) {
    fprintf(stderr, "iteration %zu: training RMSE %.6e\n", it, rmse);
    return;
  }
  const double now = uat_seconds();
  if (!p->tty || now - p->last < 0.25) return;
  p->last = now;
  fprintf(stderr, "\ruat fit: iteration %zu, training RMSE %.3e\033[K", it, rmse);
}

static int bad_value(const char *flag, const char *arg) {
  uat_cli_error("fit", "--%s: unexpected value '%s' (try --help)", flag, arg);
  return -1;
}

static int fit_option(fit_options *o, int c, const char *arg, const char *flag) {
  uat_run_spec *s = &o->spec;
  size_t v;
  switch (c) {
  case 't': s->target = arg; return 0;
  case 'D': s->domain = arg; return 0;
  case 'l': o->layers = arg; return 0;
  case 'H': o->hidden = arg; return 0;
  case O_ACT:
    return uat_activation_parse(arg, &s->act) == UAT_OK
               ? 0
               : uat_cli_bad_choice("fit", flag, arg, UAT_CLI_ACTIVATIONS);
  case 'T': {
    uat_fit_kind k;
    if (uat_fit_kind_parse(arg, &k) != UAT_OK) {
      char names[512];
      uat_fit_kind_list(names, sizeof names);
      uat_cli_error("fit", "--trainer: expected one of %s, found '%s'", names, arg);
      return -1;
    }
    uat_fit_params_switch(&s->fit, k, o->max_iter_set);
    return 0;
  }
  case O_BOOST:
    return uat_parse_size(arg, &s->fit.boost) == 0 && s->fit.boost > 0 ? 0 : bad_value(flag, arg);
  case O_TRMSE:
    return uat_parse_double(arg, &s->fit.target_rmse) == 0 && s->fit.target_rmse >= 0
               ? 0
               : bad_value(flag, arg);
  case O_MAXIT:
    o->max_iter_set = 1;
    return uat_parse_size(arg, &s->fit.max_iter) == 0 && s->fit.max_iter > 0 ? 0
                                                                             : bad_value(flag, arg);
  case O_MAXS:
    return uat_parse_double(arg, &s->fit.max_seconds) == 0 && s->fit.max_seconds > 0
               ? 0
               : bad_value(flag, arg);
  case O_PLATEAU: {
    char *colon = strchr(arg, ':');
    if (colon == NULL) return bad_value(flag, arg);
    *colon = '\0';
    const int ok = uat_parse_size(arg, &s->fit.plateau_window) == 0 &&
                   uat_parse_double(colon + 1, &s->fit.plateau_rel) == 0;
    *colon = ':';
    return ok ? 0 : bad_value(flag, arg);
  }
  case O_LR:
    return uat_parse_double(arg, &s->fit.lr) == 0 && s->fit.lr > 0 && isfinite(s->fit.lr)
               ? 0
               : bad_value(flag, arg);
  case O_BATCH: return uat_parse_size(arg, &s->fit.batch) == 0 ? 0 : bad_value(flag, arg);
  case O_POINTS:
    return uat_points_parse(arg, &s->points) == UAT_OK
               ? 0
               : uat_cli_bad_choice("fit", flag, arg, UAT_CLI_POINTS);
  case O_TRAIN:
    return uat_parse_size(arg, &s->train_n) == 0 && s->train_n > 0 ? 0 : bad_value(flag, arg);
  case O_TEST:
    return uat_parse_size(arg, &s->test_n) == 0 && s->test_n > 1 ? 0 : bad_value(flag, arg);
  case O_INIT:
    return uat_init_rule_parse(arg, &s->init.weights) == UAT_OK
               ? 0
               : uat_cli_bad_choice("fit", flag, arg, UAT_CLI_INITS);
  case 's':
    if (uat_parse_size(arg, &v) != 0) return bad_value(flag, arg);
    s->seed = v;
    return 0;
  case 'o': o->output = arg; return 0;
  case O_PLOT: o->plot = arg; return 0;
  case O_MODEL: o->model = arg; return 0;
  case O_ROLLOUT: o->rollout = arg; return 0;
  case O_VERBOSE: o->verbose = 1; return 0;
  case O_OUTACT:
    return uat_activation_parse(arg, &s->out_act) == UAT_OK
               ? 0
               : uat_cli_bad_choice("fit", flag, arg, UAT_CLI_ACTIVATIONS);
  case O_LOSS:
    return uat_loss_parse(arg, &s->fit.loss) == UAT_OK
               ? 0
               : uat_cli_bad_choice("fit", flag, arg, UAT_CLI_LOSSES);
  case O_NOBIAS: s->no_bias = 1; return 0;
  case O_XCOLS: o->xcols = arg; return 0;
  case O_YCOLS: o->ycols = arg; return 0;
  case O_SPLIT: o->split = arg; return 0;
  case O_TUNE:
    if (o->n_tune == sizeof o->tune / sizeof o->tune[0]) return bad_value(flag, arg);
    o->tune[o->n_tune++] = arg;
    return 0;
  case O_MAXMEM:
    return uat_parse_bytes(arg, &s->max_memory) == 0 && s->max_memory > 0 ? 0
                                                                          : bad_value(flag, arg);
  default: return -1;
  }
}

/* --tune KEY=VALUE into the trainer's tuning values (after --trainer, which resets them). */
static int apply_tuning(fit_options *o) {
  return uat_cli_tune("fit", &o->spec.fit.tune, o->n_tune, o->tune);
}

/* --x, --y and --test-rows appended to a data: target as :x=, :y=, :test= (the spec a model
 * file records, so that uat eval finds the same columns and split). */
static int data_target(fit_options *o) {
  if (!o->xcols && !o->ycols && !o->split) return 0;
  uat_error err;
  if (uat_target_data_spec(o->spec.target, o->xcols, o->ycols, o->split, o->data_spec,
                           sizeof o->data_spec, &err) != UAT_OK) {
    uat_cli_error("fit", "%s", err.msg);
    return -1;
  }
  o->spec.target = o->data_spec;
  return 0;
}

/* Returns 0 to run, 1 after --help, -1 on a usage error. */
static int parse(int argc, char **argv, fit_options *o, int eval) {
  int c, li = -1;
  optind = 1;
  opterr = 0; /* unknown options are answered in one line, with the closest valid one */
  while ((c = getopt_long(argc, argv, "t:D:l:H:T:s:o:h", fit_opts, &li)) != -1) {
    const char *arg = optarg ? optarg : "";
    char flag[32];
    snprintf(flag, sizeof flag, "%s", li >= 0 ? fit_opts[li].name : (char[2]){(char)c, 0});
    li = -1;
    if (c == 'h') {
      (eval ? eval_help : fit_help)(stdout);
      return 1;
    }
    if (c == O_LIST && !eval) {
      list_trainers();
      return 1;
    }
    if (eval && c != '?' && c != 't' && c != 'D' && c != O_MODEL && c != O_TEST) {
      /* fit's options would be accepted and silently ignored: say so instead */
      uat_cli_error("eval",
                    "--%s is an option of uat fit; eval takes --model, --target, --domain "
                    "and --test",
                    flag);
      return -1;
    }
    if (c == '?' || fit_option(o, c, arg, flag) != 0) {
      if (c == '?') uat_cli_bad_option(eval ? "eval" : "fit", argv, optind, fit_opts);
      return -1;
    }
  }
  if (optind != argc) {
    uat_cli_error(eval ? "eval" : "fit", "unexpected argument '%s' (try --help)", argv[optind]);
    return -1;
  }
  if ((!eval && o->spec.target == NULL) || (eval && o->model == NULL)) {
    uat_cli_error(eval ? "eval" : "fit",
                  eval ? "expected --model M (try --help)" : "expected --target T (try --help)");
    return -1;
  }
  return eval ? 0 : apply_tuning(o) != 0 ? -1 : data_target(o);
}

/* --hidden or --layers into the spec; --layers is checked against the target's widths. */
static int apply_layers(fit_options *o, const uat_target *t) {
  size_t *w = o->widths, n;
  uat_run_spec *s = &o->spec;
  if (o->hidden) {
    s->hidden = w;
    if (uat_parse_widths(o->hidden, w, UAT_MAX_LAYERS - 1, &s->n_hidden) != 0) {
      uat_cli_error("fit", "--hidden: expected widths like 32 or 16,16, found '%s'", o->hidden);
      return -1;
    }
  } else if (o->layers) {
    if (uat_parse_widths(o->layers, w, UAT_MAX_LAYERS + 1, &n) != 0 || n < 2) {
      uat_cli_error("fit", "--layers: expected IN,OUT or IN,H,...,OUT, found '%s'", o->layers);
      return -1;
    }
    if (w[0] != uat_target_in(t) || w[n - 1] != uat_target_out(t)) {
      uat_cli_error("fit", "--layers: %s has %zu inputs and %zu outputs, found %s",
                    uat_target_describe(t), uat_target_in(t), uat_target_out(t), o->layers);
      return -1;
    }
    s->n_hidden = n - 2;
    s->hidden = w + 1;
  }
  return 0;
}

/* A gradient-free trainer's generations: the best and the mean loss per generation. */
static int plot_generations(const char *base, const uat_fit_result *f, const char *ylabel,
                            uat_error *err) {
  const size_t n = f->history_len;
  double *x = malloc((n + 1) * sizeof *x), *y = malloc(2 * (n + 1) * sizeof *y);
  if (x == NULL || y == NULL) {
    free(x);
    free(y);
    return uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  int st = UAT_OK;
  for (size_t k = 0; k < n; k++) {
    x[k] = (double)(k + 1);
    y[2 * k] = f->history[k];
    y[2 * k + 1] = f->history_mean[k];
  }
  static const char *const names[2] = {"best so far", "mean of the generation"};
  const uat_plot_curves_labels l = {"generation", ylabel, NULL, 1};
  if (st == UAT_OK) st = uat_plot_curves(base, x, y, n, 2, names, &l, err);
  free(x);
  free(y);
  return st;
}

/* The perceptron's updates against Novikoff's bound with its own final weights' margin. */
static void novikoff(const uat_mlp *m, uat_target *t, const uat_run_spec *s) {
  uat_error err;
  uat_dataset *d = uat_target_sample(t, s->points, s->train_n, s->seed, &err);
  double R = NAN, gamma = NAN;
  const double bound = d && uat_mlp_out(m) == 1 ? uat_novikoff_bound(m, d, &R, &gamma) : INFINITY;
  if (isfinite(bound))
    printf("novikoff_bound = %.6g (R = %.6g, margin of the final weights %.6g)\n", bound, R, gamma);
  else
    printf("novikoff_bound = none (the final weights do not separate the points)\n");
  uat_dataset_free(d);
}

/* A two-input target's decision surface over its box (padded by an eighth on every side) with
 * the training points. */
static int plot_surface(const char *png, uat_mlp *m, uat_target *t, const uat_run_spec *s) {
  uat_error err;
  uat_dataset *d = uat_target_sample(t, s->points, s->train_n, s->seed, &err);
  if (d == NULL) {
    uat_cli_error("fit", "--plot: %s", err.msg);
    return -1;
  }
  double lo[2], hi[2];
  for (int i = 0; i < 2; i++) {
    const double pad = (uat_target_hi(t)[i] - uat_target_lo(t)[i]) / 8;
    lo[i] = uat_target_lo(t)[i] - pad;
    hi[i] = uat_target_hi(t)[i] + pad;
  }
  const char *names[2 + UAT_TARGET_MAX_DIM];
  names[0] = uat_target_input_name(t, 0);
  names[1] = uat_target_input_name(t, 1);
  for (size_t o = 0; o < uat_target_out(t); o++) names[2 + o] = uat_target_output_name(t, o);
  char title[700];
  snprintf(title, sizeof title, "%s: %zu parameters, %s", uat_target_describe(t), m->n_params,
           uat_fit_kind_name(s->fit.kind));
  const int logit = uat_loss_on_logits(s->fit.loss) && s->out_act == UAT_ACT_IDENTITY;
  const int rc = uat_cli_plot_surface("fit", png, m, lo, hi, d, logit, names, title);
  uat_dataset_free(d);
  return rc;
}

static int plot_fit(const char *png, uat_mlp *m, uat_target *t, const uat_run_result *r,
                    const uat_run_spec *spec) {
  const int raw = spec->raw;
  char base[1024], loss_base[1100];
  uat_cli_plot_base(png, "", base, sizeof base);
  uat_cli_plot_base(png, "_loss", loss_base, sizeof loss_base);
  if (r->fit.history_len > 0) {
    uat_error lerr;
    /* the trainer sees standardised outputs (unless --raw): say so, since the report's
     * train_rmse is in the target's units */
    const char *ylabel = raw ? "training RMSE (target units)"
                             : "training RMSE (outputs standardised to unit variance)";
    const int lst = r->fit.history_mean ? plot_generations(loss_base, &r->fit, ylabel, &lerr)
                                        : uat_plot_loss(loss_base, r->fit.history,
                                                        r->fit.history_len, ylabel, &lerr);
    if (lst != UAT_OK && lst != UAT_ENOTFOUND) uat_cli_error("fit", "%s", lerr.msg);
  }
  if (uat_target_in(t) == 2) return plot_surface(png, m, t, spec);
  if (uat_target_in(t) != 1 || uat_target_get_kind(t) == UAT_TARGET_DATA) {
    fprintf(stderr, "uat fit: warning: --plot draws one-input targets and two-input decision "
                    "surfaces only\n");
    return 0;
  }
  enum { N = 1001 };
  static double x[N], ym[N], yt[N];
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, 1);
  if (w == NULL) return -1;
  const double lo = uat_target_lo(t)[0], hi = uat_target_hi(t)[0];
  double v[UAT_TARGET_MAX_DIM];
  for (int k = 0; k < N; k++) {
    x[k] = lo + (hi - lo) * k / (N - 1.0);
    ym[k] = uat_mlp_forward(m, w, 1, &x[k])[0];
    uat_target_eval(t, &x[k], v);
    yt[k] = v[0];
  }
  uat_mlp_workspace_free(w);
  uat_error err;
  const int st = uat_plot_fit(base, x, ym, yt, N, &err);
  if (st == UAT_ENOTFOUND)
    fprintf(stderr, "uat fit: warning: %s\n", err.msg);
  else if (st != UAT_OK)
    uat_cli_error("fit", "%s", err.msg);
  return st == UAT_OK || st == UAT_ENOTFOUND ? 0 : -1;
}

/* --rollout A:B:N: the learned field integrated again, against the truth. */
static int rollout(const char *spec, const char *plot, uat_mlp *m, uat_target *t) {
  double a, b;
  size_t n;
  if (uat_target_get_kind(t) != UAT_TARGET_FIELD) {
    uat_cli_error("fit", "--rollout: needs an ode:SYSTEM:field target");
    return -1;
  }
  if (sscanf(spec, "%lf:%lf:%zu", &a, &b, &n) != 3 || !(b > a) || n < 2 || n > 10000000) {
    uat_cli_error("fit", "--rollout: expected START:STOP:COUNT, found '%s'", spec);
    return -1;
  }
  double *times = malloc(n * sizeof *times);
  if (times == NULL) return -1;
  uat_linspace(a, b, n, times);
  const uat_ode_system *sys = uat_target_system(t);
  uat_ode_trajectory *learned = NULL, *truth = NULL;
  uat_rollout_result rr;
  uat_error err;
  int rc = 0;
  if (uat_rollout(m, sys, n, times, &learned, &truth, &rr, &err) != UAT_OK) {
    uat_cli_error("fit", "--rollout: %s", err.msg);
    rc = -1;
  } else {
    printf("rollout_max_rel_error = %.6e\nrollout_final_rel_error = %.6e\n", rr.max_rel_error,
           rr.final_rel_error);
    printf("rollout_invariant_drift = %.6e\ntrue_invariant_drift = %.6e\n", rr.invariant_drift,
           rr.true_invariant_drift);
    if (plot) {
      char base[1100];
      uat_cli_plot_base(plot, "_rollout", base, sizeof base);
      char title[200];
      snprintf(title, sizeof title, "%s: learned field integrated by CVODE (%zu parameters)",
               sys->name, m->n_params);
      const uat_plot_compare_labels labels = {"t", sys->state_names, "true", "learned", title};
      const int st =
          uat_plot_compare(base, times, truth->y, learned->y, n, sys->dim, &labels, &err);
      if (st != UAT_OK && st != UAT_ENOTFOUND) uat_cli_error("fit", "%s", err.msg);
    }
  }
  uat_ode_trajectory_free(learned);
  uat_ode_trajectory_free(truth);
  free(times);
  return rc;
}

/* Whether the target is ode-data:..., which cmd_node.c fits (observations of a trajectory, not
 * samples of a function). */
static int ode_data_target(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = NULL;
    if (a == NULL) break;
    if ((strcmp(a, "--target") == 0 || strcmp(a, "-t") == 0) && i + 1 < argc)
      v = argv[i + 1];
    else if (strncmp(a, "--target=", 9) == 0)
      v = a + 9;
    if (v && strncmp(v, "ode-data:", 9) == 0) return 1;
  }
  return 0;
}

int uat_cmd_fit(int argc, char **argv) {
  if (ode_data_target(argc, argv)) return uat_cmd_fit_node(argc, argv);
  fit_options o;
  memset(&o, 0, sizeof o);
  uat_run_spec_defaults(&o.spec);
  o.spec.max_memory = uat_default_memory_budget();
  const int p = parse(argc, argv, &o, 0);
  if (p != 0) return p > 0 ? UAT_EXIT_OK : UAT_EXIT_USAGE;
  uat_target *t = NULL;
  uat_error err;
  if (uat_target_alloc(o.spec.target, o.spec.domain, &t, &err) != UAT_OK) {
    uat_cli_error("fit", "%s", err.msg);
    return UAT_EXIT_USAGE;
  }
  if (apply_layers(&o, t) != 0) {
    uat_target_free(t);
    return UAT_EXIT_USAGE;
  }
  uat_mlp *m = NULL;
  uat_run_result r;
  int rc = UAT_EXIT_OK;
  uat_run_spec spec = o.spec;
  /* the loss plot keeps at most 2^22 iterations (the product cannot wrap around) */
  size_t cap = 0;
  const size_t most = (size_t)1 << 22;
  if (o.plot && (!uat_size_mul(spec.fit.max_iter, spec.fit.boost, &cap) || cap > most)) cap = most;
  spec.history_cap = cap;
  spec.history = spec.history_cap ? malloc(spec.history_cap * sizeof(double)) : NULL;
  const int generations = spec.fit.kind == UAT_FIT_GA || spec.fit.kind == UAT_FIT_CMAES;
  spec.history_mean = spec.history && generations ? calloc(spec.history_cap, sizeof(double)) : NULL;
  fit_progress prog = {o.verbose, isatty(STDERR_FILENO), uat_seconds()};
  spec.fit.progress = on_iteration;
  spec.fit.progress_ctx = &prog;
  const int st = uat_run(&spec, &m, &r, &err);
  if (prog.tty && !prog.verbose) fprintf(stderr, "\r\033[K");
  if (st != UAT_OK) {
    uat_cli_error("fit", "%s", err.msg);
    rc = UAT_EXIT_FAIL;
  } else {
    uat_run_print(stdout, &spec, t, &r);
    if (spec.fit.kind == UAT_FIT_PERCEPTRON) novikoff(m, t, &spec);
    uat_fit_report_print(stdout, &r.report, t);
    if (o.output) {
      uat_model_info info;
      int sst = uat_run_model_info(&spec, &info, &err);
      if (sst == UAT_OK) sst = uat_mlp_save_info(o.output, m, &info, &err);
      uat_model_info_free(&info);
      if (sst != UAT_OK) {
        uat_cli_error("fit", "%s", err.msg);
        rc = UAT_EXIT_FAIL;
      }
    }
    if (o.plot && plot_fit(o.plot, m, t, &r, &spec) != 0) rc = UAT_EXIT_FAIL;
    if (o.rollout && rollout(o.rollout, o.plot, m, t) != 0) rc = UAT_EXIT_FAIL;
  }
  free(spec.history);
  free(spec.history_mean);
  uat_mlp_free(m);
  uat_target_free(t);
  return rc;
}

static int same(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

int uat_cmd_eval(int argc, char **argv) {
  fit_options o;
  memset(&o, 0, sizeof o);
  uat_run_spec_defaults(&o.spec);
  const int p = parse(argc, argv, &o, 1);
  if (p != 0) return p > 0 ? UAT_EXIT_OK : UAT_EXIT_USAGE;
  uat_target *t = NULL;
  uat_mlp *m = NULL;
  uat_error err;
  uat_model_info info;
  if (uat_mlp_load_info(o.model, &m, &info, &err) != UAT_OK) {
    uat_cli_error("eval", "%s", err.msg);
    return UAT_EXIT_FAIL;
  }
  /* what the model file records of its training: the target and domain, unless given */
  const char *target = o.spec.target ? o.spec.target : info.target;
  const char *domain =
      o.spec.domain ? o.spec.domain
                    : (o.spec.target == NULL || same(target, info.target) ? info.domain : NULL);
  if (target == NULL) {
    uat_cli_error("eval", "%s does not record its target: give --target T", o.model);
    uat_mlp_free(m);
    uat_model_info_free(&info);
    return UAT_EXIT_USAGE;
  }
  if (uat_target_alloc(target, domain, &t, &err) != UAT_OK) {
    uat_cli_error("eval", "%s", err.msg);
    uat_mlp_free(m);
    uat_model_info_free(&info);
    return UAT_EXIT_FAIL;
  }
  int rc = UAT_EXIT_FAIL;
  if (uat_mlp_in(m) != uat_target_in(t) || uat_mlp_out(m) != uat_target_out(t)) {
    uat_cli_error("eval", "%s has %zu inputs and %zu outputs; %s has %zu and %zu", o.model,
                  uat_mlp_in(m), uat_mlp_out(m), uat_target_describe(t), uat_target_in(t),
                  uat_target_out(t));
  } else {
    const size_t n = o.spec.test_n ? o.spec.test_n : uat_run_default_test(uat_target_in(t));
    /* a data file's test rows are those the training held out: its seed's split */
    uat_dataset *test = uat_target_get_kind(t) == UAT_TARGET_DATA
                            ? uat_target_data_rows(t, 1, info.has_seed ? info.seed : 0, &err)
                            : uat_target_sample(t, UAT_POINTS_GRID, n, 0, &err);
    uat_fit_report r;
    if (test && uat_fit_report_compute(m, t, test, &r, &err) == UAT_OK) {
      printf("model = %s\ntarget = %s\nparams = %zu\n", o.model, uat_target_describe(t),
             m->n_params);
      uat_fit_report_print(stdout, &r, t);
      rc = UAT_EXIT_OK;
    } else {
      uat_cli_error("eval", "%s", err.msg);
    }
    uat_dataset_free(test);
  }
  uat_mlp_free(m);
  uat_target_free(t);
  uat_model_info_free(&info);
  return rc;
}
