/* cmd_xor.c — `uat xor`: the seed post's three XOR set-ups over many seeds.
 *
 * For each configuration and seed the network is trained from scratch; the report gives the
 * fraction of seeds solved under two criteria (every output on the right side of 0.5; every
 * output within 0.1 of its target), the median epochs to reach each, and the final outputs
 * of the failures. */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "uat/io.h"
#include "uat/limits.h"
#include "uat/status.h"
#include "uat/util.h"
#include "uat/xor.h"

/* --epochs: beyond this a count is no longer a plan but a typo (and must fit in a long) */
#define UAT_MAX_EPOCHS ((size_t)1000000000000)

typedef enum { FMT_TEXT, FMT_CSV, FMT_MD } out_format;

typedef struct {
  const char *configs[8]; /* NULL-terminated */
  unsigned long seed_a, seed_b;
  out_format format;
  const char *output, *runs_path, *model_path, *plot_path;
  int progress;
  /* overrides; a negative or zero value means "keep the configuration's own" */
  long epochs, hidden;
  double lr;
  const char *act, *init, *loss, *optimizer, *trainer;
  const char *tune[32];
  size_t n_tune;
  uat_fit_tuning tuning;
  size_t max_failures;
} xor_options;

static void help(FILE *fp) {
  fprintf(
      fp,
      "usage: uat xor [--config NAME|all] [--seeds A:B] [--format text|csv|md]\n"
      "               [--epochs N] [--lr R] [--hidden H] [--act NAME] [--init RULE[:A[:B]]]\n"
      "               [--loss mse|half-mse|bce] [--optimizer sgd|momentum|adam]\n"
      "               [--trainer cmaes|ga|... [--tune KEY=VALUE]]\n"
      "               [--runs RUNS.csv] [--save-model F] [--plot BASE.png] [-o REPORT]\n"
      "               [--failures N]\n"
      "               [--no-progress]\n\n"
      "Train the seed post's XOR networks once per seed and report how often they solve XOR.\n"
      "  torch  2-2-1 sigmoid/identity, N(0,1) weights, PyTorch biases, MSE,\n"
      "         SGD lr 0.02 momentum 0.9, 2001 full-batch epochs\n"
      "  numpy-post  the post's NumPy loop: 2-2-1 sigmoid/relu, 0.1 N(0,1) weights, zero\n"
      "         biases, half-MSE, per-sample SGD lr 0.1, 3000 epochs, the output layer\n"
      "         updated first, its ReLU derivative taken as 1 (the post's grad_2 = 1)\n"
      "  numpy  the same with the true ReLU derivative\n"
      "  numpy-post-sync, numpy-sync  every gradient from the same weights (backpropagation)\n"
      "  keras  one sigmoid neuron, Glorot weights, BCE, Adam lr 0.001, 20 epochs\n\n"
      "  -c, --config NAME   configuration, or 'all' (default)\n"
      "  -s, --seeds A:B     seeds A to B inclusive (default 0:99)\n"
      "  -f, --format F      text (default), csv or md\n"
      "      --epochs N      override the number of epochs\n"
      "      --lr R          override the learning rate\n"
      "      --loss L        override the loss: mse, half-mse, or bce (on the output's logit:\n"
      "                      with an identity output the reported output is its sigmoid)\n"
      "      --optimizer O   override the optimizer (its default learning rate unless --lr)\n"
      "      --trainer T     train with a trainer of the table instead (cmaes, ga: no\n"
      "                      gradients); --epochs is then its iterations (generations)\n"
      "      --tune KEY=VALUE  that trainer's tuning values (uat fit --help)\n"
      "      --hidden H      override the hidden width (0: no hidden layer)\n"
      "      --act NAME      override the hidden activation\n"
      "      --init RULE     override the weight initialiser: zero, const:A, normal:MEAN:SD,\n"
      "                      uniform:A:B, xavier, xavier-normal, he, he-uniform, torch\n"
      "      --runs FILE     also write one CSV row per run (seed, outputs, epochs)\n"
      "      --save-model F  save the trained network (one --config, one seed) to F\n"
      "      --plot BASE.png its decision surface over the plane with the four points\n"
      "      --failures N    list at most N failures per configuration in text (default 10)\n"
      "  -o, --output FILE   write the report to FILE (atomically) instead of stdout\n"
      "      --no-progress   no progress bar on the terminal\n"
      "  -h, --help          this text\n\n"
      "A run is 'solved' when every output is on the right side of 0.5 after the last epoch,\n"
      "'strict' when every output is within 0.1 of its target. Epochs to reach a criterion\n"
      "count the first epoch after which it held. Diverged runs (NaN/Inf) are counted apart.\n");
}

static int parse_init(const char *s, uat_init_spec *spec) {
  char name[32];
  const char *colon = strchr(s, ':');
  const size_t len = colon ? (size_t)(colon - s) : strlen(s);
  if (len >= sizeof name) return -1;
  memcpy(name, s, len);
  name[len] = '\0';
  if (uat_init_rule_parse(name, &spec->weights) != UAT_OK) return -1;
  spec->wa = spec->weights == UAT_INIT_NORMAL ? 0.0 : spec->weights == UAT_INIT_UNIFORM ? -1 : 0;
  spec->wb = 1.0;
  if (colon) { /* NAME:A or NAME:A:B, each read by the one number parser */
    char buf[128];
    if (strlen(colon + 1) >= sizeof buf) return -1;
    strcpy(buf, colon + 1);
    char *second = strchr(buf, ':');
    if (second) *second++ = '\0';
    if (uat_parse_double(buf, &spec->wa) != UAT_OK ||
        (second && uat_parse_double(second, &spec->wb) != UAT_OK))
      return -1;
  }
  /* NaN or infinite parameters would make every network non-finite from the start */
  return isfinite(spec->wa) && isfinite(spec->wb) ? 0 : -1;
}

/* --loss and --optimizer: 0, or -1 after a message. */
static int override_training(const xor_options *o, uat_xor_config *c) {
  if (o->optimizer) {
    uat_optimizer_kind k;
    if (uat_optimizer_parse(o->optimizer, &k) != UAT_OK) {
      uat_cli_error("xor", "--optimizer: expected one of sgd, momentum, adam, found '%s'",
                    o->optimizer);
      return -1;
    }
    c->opt = uat_optimizer_default_params(k);
  }
  if (o->loss && uat_loss_parse(o->loss, &c->loss) != UAT_OK)
    return uat_cli_bad_choice("xor", "loss", o->loss, UAT_CLI_LOSSES);
  if (c->loss == UAT_LOSS_CE) {
    uat_cli_error("xor", "--loss ce needs one output per class; XOR's network has one output: "
                         "use bce");
    return -1;
  }
  if (c->output_first && (c->loss != UAT_LOSS_HALF_MSE || c->opt.kind != UAT_OPT_SGD)) {
    uat_cli_error("xor",
                  "%s follows the post's loop (half-MSE, plain SGD); use its -sync "
                  "variant to change the loss or the optimizer",
                  c->name);
    return -1;
  }
  if (c->loss == UAT_LOSS_BCE && c->out_act != UAT_ACT_IDENTITY && c->out_act != UAT_ACT_SIGMOID) {
    uat_cli_error("xor", "--loss bce needs an identity or sigmoid output, %s has %s", c->name,
                  uat_activation_name(c->out_act));
    return -1;
  }
  return 0;
}

/* --trainer and --tune: a trainer of the table instead of the configuration's optimizer. */
static int override_trainer(const xor_options *o, uat_xor_config *c) {
  if (o->trainer == NULL) {
    if (o->n_tune > 0) {
      uat_cli_error("xor", "--tune: needs --trainer");
      return -1;
    }
    return 0;
  }
  uat_fit_kind k;
  if (uat_fit_kind_parse(o->trainer, &k) != UAT_OK) {
    char names[512];
    uat_fit_kind_list(names, sizeof names);
    uat_cli_error("xor", "--trainer: expected one of %s, found '%s'", names, o->trainer);
    return -1;
  }
  const uat_fit_type *T = uat_fit_type_get(k);
  if ((T->needs & (UAT_FIT_NEEDS_RESIDUALS | UAT_FIT_NEEDS_LINEAR_OUTPUT)) ||
      ((T->needs & UAT_FIT_NEEDS_SINGLE_LAYER) && c->hidden > 0)) {
    uat_cli_error("xor",
                  "--trainer %s does not fit the XOR networks (try cmaes, ga, adam, "
                  "rprop or lbfgs)",
                  o->trainer);
    return -1;
  }
  if (c->output_first) {
    uat_cli_error("xor", "%s follows the post's loop; use its -sync variant with --trainer",
                  c->name);
    return -1;
  }
  c->trainer = (int)k;
  c->tune = &o->tuning;
  return 0;
}

static int apply_overrides(const xor_options *o, uat_xor_config *c) {
  if (override_trainer(o, c) != 0) return -1;
  if (o->epochs > 0) c->epochs = (size_t)o->epochs;
  if (o->hidden >= 0) c->hidden = (size_t)o->hidden;
  if (override_training(o, c) != 0) return -1;
  if (o->lr > 0) c->opt.lr = o->lr;
  if (o->act && uat_activation_parse(o->act, &c->hidden_act) != UAT_OK) {
    uat_cli_bad_choice("xor", "act", o->act, UAT_CLI_ACTIVATIONS);
    return -1;
  }
  if (o->init && parse_init(o->init, &c->init) != 0) {
    uat_cli_error("xor", "--init: expected RULE[:A[:B]], found '%s'", o->init);
    return -1;
  }
  return 0;
}

static void describe(const uat_xor_config *c, char *buf, size_t len) {
  if (c->hidden == 0)
    snprintf(buf, len, "2-1 %s", uat_activation_name(c->out_act));
  else
    snprintf(buf, len, "2-%zu-1 %s/%s", c->hidden, uat_activation_name(c->hidden_act),
             uat_activation_name(c->out_act));
}

/* A network without a hidden layer has a linear decision boundary, and XOR is not linearly
 * separable: no weights can solve it. */
static int representable(const uat_xor_config *c) { return c->hidden > 0; }

static size_t correct(const uat_xor_run *r) {
  static const double t[4] = {0, 1, 1, 0};
  size_t k = 0;
  for (int i = 0; i < 4; i++) k += (r->out[i] > 0.5) == (t[i] > 0.5);
  return k;
}

static size_t best_correct(const uat_xor_run *runs, size_t n) {
  size_t best = 0;
  for (size_t i = 0; i < n; i++)
    if (!runs[i].diverged && correct(&runs[i]) > best) best = correct(&runs[i]);
  return best;
}

static void fmt_median(char *buf, size_t len, double v) {
  if (isnan(v))
    snprintf(buf, len, "-");
  else
    snprintf(buf, len, "%.1f", v);
}

static void report_text(FILE *fp, const xor_options *o, const uat_xor_config *c,
                        const uat_xor_run *runs, const uat_xor_summary *s) {
  char arch[64], m1[32], m2[32];
  describe(c, arch, sizeof arch);
  fmt_median(m1, sizeof m1, s->median_epochs_solved);
  fmt_median(m2, sizeof m2, s->median_epochs_strict);
  if (c->trainer >= 0)
    fprintf(fp, "config %s: %s, init %s, loss %s, trainer %s, %zu iterations, full batch\n",
            c->name, arch, uat_init_rule_name(c->init.weights), uat_loss_name(c->loss),
            uat_fit_kind_name((uat_fit_kind)c->trainer), c->epochs);
  else
    fprintf(fp, "config %s: %s, init %s, loss %s, %s lr %g, %zu epochs, %s\n", c->name, arch,
            uat_init_rule_name(c->init.weights), uat_loss_name(c->loss),
            uat_optimizer_name(c->opt.kind), c->opt.lr, c->epochs,
            c->batch_size == 1 ? "per-sample updates" : "full batch");
  if (c->post_gradient)
    fprintf(fp, "  output gradient as in the post: ReLU derivative taken as 1\n");
  fprintf(fp, "  seeds %lu..%lu: solved %zu/%zu (%.3f), strict %zu/%zu (%.3f), diverged %zu\n",
          o->seed_a, o->seed_b, s->solved, s->runs, (double)s->solved / (double)s->runs, s->strict,
          s->runs, (double)s->strict / (double)s->runs, s->diverged);
  fprintf(fp, "  median %s to solve %s, to strict %s; best run gets %zu/4 outputs right\n",
          c->trainer >= 0 ? "iterations" : "epochs", m1, m2, best_correct(runs, s->runs));
  if (!representable(c))
    fprintf(fp, "  structural limit: without a hidden layer the decision boundary is a line and\n"
                "  XOR is not linearly separable; no seed and no number of epochs can solve it\n");
  size_t shown = 0, failures = s->runs - s->solved;
  for (size_t i = 0; i < s->runs && shown < o->max_failures; i++) {
    if (runs[i].solved) continue;
    if (shown++ == 0) fprintf(fp, "  failures (final outputs for 00 01 10 11):\n");
    fprintf(fp, "    seed %-6lu %.4f %.4f %.4f %.4f%s\n", runs[i].seed, runs[i].out[0],
            runs[i].out[1], runs[i].out[2], runs[i].out[3], runs[i].diverged ? " diverged" : "");
  }
  if (failures > shown) fprintf(fp, "    ... %zu more (see --runs)\n", failures - shown);
  fputc('\n', fp);
}

static const char *csv_header =
    "config,architecture,init,loss,optimizer,lr,epochs,seed_first,seed_last,runs,solved,"
    "solved_fraction,strict_solved,strict_solved_fraction,diverged,median_epochs_solved,"
    "median_epochs_strict,best_correct,representable";

static void report_row(FILE *fp, const xor_options *o, const uat_xor_config *c,
                       const uat_xor_run *runs, const uat_xor_summary *s, int md) {
  char arch[64], m1[32], m2[32];
  describe(c, arch, sizeof arch);
  fmt_median(m1, sizeof m1, s->median_epochs_solved);
  fmt_median(m2, sizeof m2, s->median_epochs_strict);
  const char *sep = md ? " | " : ",";
  const double runs_d = (double)s->runs;
  if (md) fputs("| ", fp);
  fprintf(fp, "%s%s%s%s%s%s", c->name, sep, arch, sep, uat_init_rule_name(c->init.weights), sep);
  fprintf(fp, "%s%s%s%s%.10g%s", uat_loss_name(c->loss), sep,
          c->trainer >= 0 ? uat_fit_kind_name((uat_fit_kind)c->trainer)
                          : uat_optimizer_name(c->opt.kind),
          sep, c->trainer >= 0 ? 0.0 : c->opt.lr, sep);
  fprintf(fp, "%zu%s%lu%s%lu%s%zu%s", c->epochs, sep, o->seed_a, sep, o->seed_b, sep, s->runs, sep);
  fprintf(fp, "%zu%s%.6f%s%zu%s%.6f%s%zu%s", s->solved, sep, (double)s->solved / runs_d, sep,
          s->strict, sep, (double)s->strict / runs_d, sep, s->diverged, sep);
  fprintf(fp, "%s%s%s%s%zu%s%s", m1, sep, m2, sep, best_correct(runs, s->runs), sep,
          representable(c) ? "yes" : "no");
  fputs(md ? " |\n" : "\n", fp);
}

static void write_runs(FILE *fp, const uat_xor_config *c, const uat_xor_run *runs, size_t n,
                       int header) {
  if (header)
    fprintf(fp, "config,seed,diverged,solved,strict,epochs_solved,epochs_strict,loss,"
                "out00,out01,out10,out11\n");
  for (size_t i = 0; i < n; i++) {
    const uat_xor_run *r = &runs[i];
    fprintf(fp, "%s,%lu,%d,%d,%d,%zu,%zu,%.17g,%.17g,%.17g,%.17g,%.17g\n", c->name, r->seed,
            r->diverged, r->solved, r->strict, r->epochs_solved, r->epochs_strict, r->loss,
            r->out[0], r->out[1], r->out[2], r->out[3]);
  }
}

/* --save-model and --plot for the one trained network: 0, or -1 after a message. */
static int keep_network(const xor_options *o, const uat_xor_config *c, const uat_mlp *m,
                        unsigned long seed) {
  uat_error err;
  if (o->model_path && uat_mlp_save(o->model_path, m, &err) != UAT_OK) {
    uat_cli_error("xor", "%s", err.msg);
    return -1;
  }
  if (o->plot_path == NULL) return 0;
  uat_dataset *d = uat_dataset_alloc(4, 2, 1);
  if (d == NULL) return -1;
  static const double X[8] = {0, 0, 0, 1, 1, 0, 1, 1}, Y[4] = {0, 1, 1, 0};
  memcpy(d->x, X, sizeof X);
  memcpy(d->y, Y, sizeof Y);
  char arch[64], title[200];
  describe(c, arch, sizeof arch);
  snprintf(title, sizeof title, "XOR, config %s (%s), seed %lu", c->name, arch, seed);
  const double lo[2] = {-0.25, -0.25}, hi[2] = {1.25, 1.25};
  const int logit = uat_loss_on_logits(c->loss) && c->out_act == UAT_ACT_IDENTITY;
  const int rc = uat_cli_plot_surface("xor", o->plot_path, m, lo, hi, d, logit, NULL, title);
  uat_dataset_free(d);
  return rc;
}

static int run_config(const xor_options *o, const char *name, uat_xor_run *runs,
                      uat_xor_config *c) {
  if (uat_xor_config_get(name, c) != UAT_OK) {
    uat_cli_error(
        "xor",
        "unknown configuration '%s' (torch, numpy-post, numpy, numpy-post-sync, numpy-sync, "
        "keras or all)",
        name);
    return -1;
  }
  if (apply_overrides(o, c) != 0) return -1;
  const size_t n = o->seed_b - o->seed_a + 1;
  uat_progress bar;
  uat_progress_start(&bar, name, n, o->progress);
  const int one_net = o->model_path != NULL || o->plot_path != NULL;
  if (!one_net) {
    /* many seeds side by side: the same runs as one at a time, bit for bit (uat/lanes.h) */
    const size_t chunk = 1024;
    for (size_t i = 0; i < n; i += chunk) {
      const size_t k = n - i < chunk ? n - i : chunk;
      if (uat_xor_run_seeds(c, o->seed_a + i, k, runs + i) != UAT_OK) {
        uat_progress_end(&bar);
        uat_cli_error("xor", "out of memory");
        return -1;
      }
      uat_progress_update(&bar, i + k);
    }
  }
  for (size_t i = 0; i < n && one_net; i++) {
    uat_mlp *trained = NULL;
    if (uat_xor_run_seed(c, o->seed_a + i, &runs[i], &trained) != UAT_OK) {
      uat_progress_end(&bar);
      uat_cli_error("xor", "out of memory");
      return -1;
    }
    uat_progress_update(&bar, i + 1);
    const int st = trained ? keep_network(o, c, trained, o->seed_a + i) : 0;
    uat_mlp_free(trained);
    if (st != 0) {
      uat_progress_end(&bar);
      return -1;
    }
  }
  uat_progress_end(&bar);
  return 0;
}

static void header(FILE *fp, out_format f) {
  if (f == FMT_CSV) {
    fprintf(fp, "%s\n", csv_header);
    return;
  }
  size_t cols = 1;
  fprintf(fp, "| ");
  for (const char *p = csv_header; *p; p++) {
    if (*p == ',') {
      cols++;
      fputs(" | ", fp);
    } else {
      fputc(*p, fp);
    }
  }
  fprintf(fp, " |\n|");
  for (size_t i = 0; i < cols; i++) fprintf(fp, "---|");
  fputc('\n', fp);
}

static int run_configs(const xor_options *o, FILE *fp, FILE *runs_fp, uat_xor_run *runs,
                       double *scratch) {
  const size_t n = o->seed_b - o->seed_a + 1;
  if (o->format != FMT_TEXT) header(fp, o->format);
  for (int k = 0; o->configs[k]; k++) {
    uat_xor_config c;
    uat_xor_summary s;
    if (run_config(o, o->configs[k], runs, &c) != 0) return -1;
    uat_xor_summarise(runs, n, scratch, &s);
    if (o->format == FMT_TEXT)
      report_text(fp, o, &c, runs, &s);
    else
      report_row(fp, o, &c, runs, &s, o->format == FMT_MD);
    if (runs_fp) write_runs(runs_fp, &c, runs, n, k == 0);
  }
  return ferror(fp) || (runs_fp && ferror(runs_fp)) ? -1 : 0;
}

static int run_all(const xor_options *o) {
  const size_t n = o->seed_b - o->seed_a + 1;
  uat_xor_run *runs = malloc(n * sizeof *runs);
  double *scratch = malloc(n * sizeof *scratch);
  uat_output out, runs_out = {NULL, NULL};
  int rc = UAT_EXIT_FAIL;
  if (runs == NULL || scratch == NULL) {
    uat_cli_error("xor", "out of memory");
  } else if (uat_output_open(&out, o->output, "xor") == 0) {
    if (o->runs_path == NULL || uat_output_open(&runs_out, o->runs_path, "xor") == 0) {
      /* Both files appear only if everything succeeded: no half report. */
      const int ok = run_configs(o, out.fp, o->runs_path ? runs_out.fp : NULL, runs, scratch) == 0;
      int closed = 0;
      if (o->runs_path) closed |= uat_output_close(&runs_out, ok, "xor");
      closed |= uat_output_close(&out, ok, "xor");
      if (ok && closed == 0) rc = UAT_EXIT_OK;
    } else {
      uat_output_close(&out, 0, "xor");
    }
  }
  free(runs);
  free(scratch);
  return rc;
}

static int parse_args(int argc, char **argv, xor_options *o) {
  enum {
    OPT_EPOCHS = 256,
    OPT_LR,
    OPT_HIDDEN,
    OPT_ACT,
    OPT_INIT,
    OPT_RUNS,
    OPT_FAIL,
    OPT_NOPROG,
    OPT_MODEL,
    OPT_LOSS,
    OPT_OPTIM,
    OPT_PLOT,
    OPT_TRAINER,
    OPT_TUNE
  };
  static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                       {"seeds", required_argument, NULL, 's'},
                                       {"format", required_argument, NULL, 'f'},
                                       {"output", required_argument, NULL, 'o'},
                                       {"epochs", required_argument, NULL, OPT_EPOCHS},
                                       {"lr", required_argument, NULL, OPT_LR},
                                       {"hidden", required_argument, NULL, OPT_HIDDEN},
                                       {"act", required_argument, NULL, OPT_ACT},
                                       {"init", required_argument, NULL, OPT_INIT},
                                       {"runs", required_argument, NULL, OPT_RUNS},
                                       {"failures", required_argument, NULL, OPT_FAIL},
                                       {"no-progress", no_argument, NULL, OPT_NOPROG},
                                       {"save-model", required_argument, NULL, OPT_MODEL},
                                       {"loss", required_argument, NULL, OPT_LOSS},
                                       {"optimizer", required_argument, NULL, OPT_OPTIM},
                                       {"plot", required_argument, NULL, OPT_PLOT},
                                       {"trainer", required_argument, NULL, OPT_TRAINER},
                                       {"tune", required_argument, NULL, OPT_TUNE},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *config = "all";
  size_t v;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "c:s:f:o:h", opts, NULL)) != -1) {
    /* getopt sets optarg for every option that takes an argument; "" keeps the analyzer calm */
    const char *arg = optarg ? optarg : "";
    switch (c) {
    case 'c': config = arg; break;
    case 's':
      if (uat_parse_seeds(arg, &o->seed_a, &o->seed_b) != 0) {
        uat_cli_error("xor", "--seeds: expected A:B with A <= B, found '%s'", arg);
        return -1;
      }
      if (o->seed_b - o->seed_a >= UAT_MAX_SEEDS) {
        uat_cli_error("xor", "--seeds: expected at most %zu seeds, found '%s'", UAT_MAX_SEEDS, arg);
        return -1;
      }
      break;
    case 'f': {
      int f;
      if (uat_cli_parse_format("xor", arg, &f) != 0) return -1;
      o->format = (out_format)f;
      break;
    }
    case 'o': o->output = arg; break;
    case OPT_EPOCHS:
    case OPT_HIDDEN:
    case OPT_FAIL:
      if (uat_parse_size(arg, &v) != 0 || (c == OPT_EPOCHS && (v == 0 || v > UAT_MAX_EPOCHS)) ||
          (c == OPT_HIDDEN && v > UAT_MAX_WIDTH)) {
        uat_cli_error("xor", "--%s: expected %s, found '%s'",
                      c == OPT_EPOCHS   ? "epochs"
                      : c == OPT_HIDDEN ? "hidden"
                                        : "failures",
                      c == OPT_EPOCHS   ? "an integer from 1 to 1000000000000"
                      : c == OPT_HIDDEN ? "an integer from 0 to 16777216"
                                        : "a non-negative integer",
                      arg);
        return -1;
      }
      if (c == OPT_EPOCHS)
        o->epochs = (long)v;
      else if (c == OPT_HIDDEN)
        o->hidden = (long)v;
      else
        o->max_failures = v;
      break;
    case OPT_LR:
      if (uat_parse_double(arg, &o->lr) != 0 || !(o->lr > 0) || !isfinite(o->lr)) {
        uat_cli_error("xor", "--lr: expected a positive number, found '%s'", arg);
        return -1;
      }
      break;
    case OPT_ACT: o->act = arg; break;
    case OPT_INIT: o->init = arg; break;
    case OPT_LOSS: o->loss = arg; break;
    case OPT_OPTIM: o->optimizer = arg; break;
    case OPT_PLOT: o->plot_path = arg; break;
    case OPT_TRAINER: o->trainer = arg; break;
    case OPT_TUNE:
      if (o->n_tune == sizeof o->tune / sizeof o->tune[0]) {
        uat_cli_error("xor", "--tune: at most 32");
        return -1;
      }
      o->tune[o->n_tune++] = arg;
      break;
    case OPT_RUNS: o->runs_path = arg; break;
    case OPT_MODEL: o->model_path = arg; break;
    case OPT_NOPROG: o->progress = 0; break;
    case 'h': help(stdout); return 1;
    default: uat_cli_bad_option("xor", argv, optind, opts); return -1;
    }
  }
  if (optind != argc) {
    uat_cli_error("xor", "unexpected argument '%s' (try --help)", argv[optind]);
    return -1;
  }
  o->tuning = uat_fit_default_params(UAT_FIT_ADAM).tune;
  if (uat_cli_tune("xor", &o->tuning, o->n_tune, o->tune) != 0) return -1;
  if ((o->model_path || o->plot_path) && (strcmp(config, "all") == 0 || o->seed_a != o->seed_b)) {
    uat_cli_error("xor", "--%s: expected one --config and one seed (--seeds S)",
                  o->model_path ? "save-model" : "plot");
    return -1;
  }
  if (strcmp(config, "all") == 0) {
    for (int k = 0; uat_xor_config_names[k]; k++) o->configs[k] = uat_xor_config_names[k];
  } else {
    o->configs[0] = config;
  }
  return 0;
}

int uat_cmd_xor(int argc, char **argv) {
  xor_options o = {.seed_b = 99,
                   .format = FMT_TEXT,
                   .progress = 1,
                   .epochs = -1,
                   .hidden = -1,
                   .lr = -1.0,
                   .max_failures = 10};
  const int p = parse_args(argc, argv, &o);
  if (p != 0) return p > 0 ? UAT_EXIT_OK : UAT_EXIT_USAGE;
  uat_xor_config probe;
  for (int k = 0; o.configs[k]; k++) {
    if (uat_xor_config_get(o.configs[k], &probe) != UAT_OK) {
      uat_cli_error(
          "xor",
          "unknown configuration '%s' (torch, numpy-post, numpy, numpy-post-sync, numpy-sync, "
          "keras or all)",
          o.configs[k]);
      return UAT_EXIT_USAGE;
    }
    if (apply_overrides(&o, &probe) != 0) return UAT_EXIT_USAGE;
  }
  return run_all(&o);
}
