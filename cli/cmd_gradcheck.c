/* cmd_gradcheck.c — `uat gradcheck`: backpropagation against finite differences, per layer. */
#define _GNU_SOURCE
#include <getopt.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "uat/gradcheck.h"
#include "uat/init.h"
#include "uat/io.h"
#include "uat/limits.h"
enum { MAX_SIZES = 64 };

typedef struct {
  const char *model, *layers, *act, *out_act, *data;
  unsigned long seed;
  size_t points;
  uat_loss loss;
  uat_gradcheck_params gp;
  int csv;
  double tol;
} gc_options;

static void help(FILE *fp) {
  fprintf(
      fp,
      "usage: uat gradcheck (--model M | --layers 1,16,16,1 [--act tanh] [--out-act identity]\n"
      "                      [--seed S]) [--data X.csv | --points N] [--loss mse|half-mse|bce]\n"
      "                      [--method central|richardson|forward] [--format text|csv] [--tol "
      "T]\n\n"
      "Compare backpropagation with finite differences for every parameter (per layer, weights\n"
      "and biases apart) and for the outputs' Jacobian with respect to the inputs. Parameters\n"
      "whose differences cross a ReLU kink are counted as kinks, not failures. The last line is\n"
      "max_rel_error=<value>; the exit status is 1 when it exceeds --tol.\n\n"
      "  -m, --model M      a saved model\n"
      "  -l, --layers L     or a new network with these widths, initialised from --seed\n"
      "      --act A        hidden activation of the new network (default tanh)\n"
      "      --out-act A    output activation of the new network (default identity)\n"
      "  -s, --seed S       seed for the network and the points (default 0)\n"
      "  -d, --data X.csv   points: in columns of inputs, then optionally out columns of targets\n"
      "  -n, --points N     or N random points in [-1, 1]^in with random targets (default 16)\n"
      "      --loss L       mse (default), half-mse or bce\n"
      "      --method M     richardson (default), central or forward\n"
      "  -f, --format F     text (default) or csv\n"
      "      --tol T        largest acceptable relative error (default 1e-6)\n"
      "  -h, --help         this text\n");
}

static uat_mlp *new_network(const gc_options *o) {
  size_t sizes[MAX_SIZES], n = 0;
  uat_activation act[MAX_SIZES], hidden, out;
  char buf[512];
  if (strlen(o->layers) >= sizeof buf) return NULL;
  strcpy(buf, o->layers);
  char *save = NULL;
  for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (n == MAX_SIZES || uat_parse_size(tok, &sizes[n]) != 0 || sizes[n] == 0 ||
        sizes[n] > UAT_MAX_WIDTH) {
      uat_cli_error("gradcheck", "--layers: expected widths like 1,16,16,1, found '%s'", o->layers);
      return NULL;
    }
    n++;
  }
  if (n < 2) {
    uat_cli_error("gradcheck", "--layers: expected at least two widths, found '%s'", o->layers);
    return NULL;
  }
  if (uat_activation_parse(o->act, &hidden) != UAT_OK) {
    uat_cli_bad_choice("gradcheck", "act", o->act, UAT_CLI_ACTIVATIONS);
    return NULL;
  }
  if (uat_activation_parse(o->out_act, &out) != UAT_OK) {
    uat_cli_bad_choice("gradcheck", "out-act", o->out_act, UAT_CLI_ACTIVATIONS);
    return NULL;
  }
  for (size_t l = 0; l + 1 < n; l++) act[l] = l + 2 == n ? out : hidden;
  uat_mlp *m = uat_mlp_alloc(n, sizes, act);
  gsl_rng *r = uat_rng_alloc(o->seed);
  const uat_init_spec init = uat_init_spec_torch();
  if (m && r) uat_mlp_init(m, &init, r);
  gsl_rng_free(r);
  return m;
}

/* Points and targets from --data or drawn at random. */
static int make_points(const gc_options *o, const uat_mlp *m, size_t *n, double **x, double **t) {
  const size_t in = uat_mlp_in(m), out = uat_mlp_out(m);
  uat_table *tab = NULL;
  uat_error err;
  if (o->data && uat_table_read(o->data, &tab, &err) != UAT_OK) {
    uat_cli_error("gradcheck", "%s", err.msg);
    return -1;
  }
  if (tab && tab->cols != in && tab->cols != in + out) {
    uat_cli_error("gradcheck",
                  "%s:1:1: expected %zu input columns (and optionally %zu targets), "
                  "found %zu",
                  o->data, in, out, tab->cols);
    uat_table_free(tab);
    return -1;
  }
  *n = tab ? tab->rows : o->points;
  *x = malloc(*n * in * sizeof **x);
  *t = malloc(*n * out * sizeof **t);
  gsl_rng *r = uat_rng_alloc(o->seed + 1);
  for (size_t k = 0; k < *n && *x && *t && r; k++) {
    for (size_t i = 0; i < in; i++)
      (*x)[k * in + i] = tab ? tab->data[k * tab->cols + i] : gsl_ran_flat(r, -1, 1);
    for (size_t i = 0; i < out; i++)
      (*t)[k * out + i] =
          tab && tab->cols == in + out ? tab->data[k * tab->cols + in + i] : gsl_rng_uniform(r);
  }
  gsl_rng_free(r);
  uat_table_free(tab);
  return (*x && *t) ? 0 : -1;
}

static void print_row(const gc_options *o, const char *layer, const char *part, size_t count,
                      double abs_err, double rel_err, long worst, size_t kinks) {
  if (o->csv) {
    printf("%s,%s,%zu,%.3e,%.3e,%ld,%zu\n", layer, part, count, abs_err, rel_err, worst, kinks);
    return;
  }
  char w[32] = "-";
  if (worst >= 0) snprintf(w, sizeof w, "%ld", worst);
  printf("%-6s %-9s %7zu  %12.3e %12.3e  %6s %6zu\n", layer, part, count, abs_err, rel_err, w,
         kinks);
}

static void report(const gc_options *o, const uat_mlp *m, size_t n, const uat_mlp_check *c) {
  if (o->csv) {
    printf("layer,part,count,max_abs_error,max_rel_error,worst_index,kinks\n");
  } else {
    printf("# gradcheck: %zu layers, %zu parameters, %zu points, loss %s, method %s\n", m->n_layers,
           m->n_params, n, uat_loss_name(o->loss), uat_fd_method_name(o->gp.method));
    printf("%-6s %-9s %7s  %12s %12s  %6s %6s\n", "layer", "part", "count", "max_abs_err",
           "max_rel_err", "worst", "kinks");
  }
  for (size_t l = 0; l < c->n_layers; l++) {
    char name[24];
    snprintf(name, sizeof name, "%zu", l + 1);
    const uat_group_check *g[2] = {&c->weights[l], &c->biases[l]};
    for (int k = 0; k < 2; k++)
      print_row(o, name, k ? "biases" : "weights", g[k]->count, g[k]->max_abs_err,
                g[k]->max_rel_err, (long)g[k]->worst, g[k]->kinks);
  }
  print_row(o, "input", "jacobian", c->jacobian_count, NAN, c->jacobian_max_rel_err, -1, 0);
  if (c->kinks && !o->csv)
    printf("# %zu parameters crossed a ReLU kink: their derivative does not exist there; "
           "not judged\n",
           c->kinks);
  printf("max_rel_error=%.3e\n", fmax(c->max_rel_err, c->jacobian_max_rel_err));
}

static int run(gc_options *o) {
  uat_mlp *m = NULL;
  uat_error err;
  if (o->model && uat_mlp_load(o->model, &m, &err) != UAT_OK) {
    uat_cli_error("gradcheck", "%s", err.msg);
    return UAT_EXIT_FAIL;
  }
  if (!o->model && (m = new_network(o)) == NULL) return UAT_EXIT_USAGE;
  size_t n = 0;
  double *x = NULL, *t = NULL;
  int rc = UAT_EXIT_FAIL;
  uat_mlp_check c;
  if (make_points(o, m, &n, &x, &t) == 0) {
    if (uat_mlp_gradcheck(m, n, x, t, o->loss, &o->gp, NULL, &c, &err) != UAT_OK) {
      uat_cli_error("gradcheck", "%s", err.msg);
    } else {
      report(o, m, n, &c);
      rc = fmax(c.max_rel_err, c.jacobian_max_rel_err) <= o->tol ? UAT_EXIT_OK : UAT_EXIT_FAIL;
    }
  }
  free(x);
  free(t);
  uat_mlp_free(m);
  return rc;
}

static int parse(int argc, char **argv, gc_options *o) {
  enum { OPT_ACT = 256, OPT_OUTACT, OPT_LOSS, OPT_METHOD, OPT_TOL };
  static const struct option opts[] = {{"model", required_argument, NULL, 'm'},
                                       {"layers", required_argument, NULL, 'l'},
                                       {"act", required_argument, NULL, OPT_ACT},
                                       {"out-act", required_argument, NULL, OPT_OUTACT},
                                       {"seed", required_argument, NULL, 's'},
                                       {"data", required_argument, NULL, 'd'},
                                       {"points", required_argument, NULL, 'n'},
                                       {"loss", required_argument, NULL, OPT_LOSS},
                                       {"method", required_argument, NULL, OPT_METHOD},
                                       {"format", required_argument, NULL, 'f'},
                                       {"tol", required_argument, NULL, OPT_TOL},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int c, li = -1;
  size_t v;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "m:l:s:d:n:f:h", opts, &li)) != -1) {
    const char *arg = optarg ? optarg : "";
    int bad = 0;
    switch (c) {
    case 'm': o->model = arg; break;
    case 'l': o->layers = arg; break;
    case OPT_ACT: o->act = arg; break;
    case OPT_OUTACT: o->out_act = arg; break;
    case 's':
      bad = uat_parse_size(arg, &v) != 0;
      o->seed = (unsigned long)v;
      break;
    case 'd': o->data = arg; break;
    case 'n':
      bad = uat_parse_size(arg, &o->points) != 0 || o->points == 0 || o->points > UAT_MAX_POINTS;
      break;
    case OPT_LOSS:
      if (uat_loss_parse(arg, &o->loss) != UAT_OK)
        return uat_cli_bad_choice("gradcheck", "loss", arg, UAT_CLI_LOSSES);
      break;
    case OPT_METHOD:
      if (uat_fd_method_parse(arg, &o->gp.method) != UAT_OK)
        return uat_cli_bad_choice("gradcheck", "method", arg, UAT_CLI_FD);
      break;
    case 'f':
      bad = strcmp(arg, "text") != 0 && strcmp(arg, "csv") != 0;
      o->csv = strcmp(arg, "csv") == 0;
      break;
    case OPT_TOL: bad = uat_parse_double(arg, &o->tol) != 0 || !(o->tol > 0); break;
    case 'h': help(stdout); return 1;
    default: uat_cli_bad_option("gradcheck", argv, optind, opts); return -1;
    }
    if (bad) {
      if (li >= 0)
        uat_cli_error("gradcheck", "--%s: unexpected value '%s' (try --help)", opts[li].name, arg);
      else
        uat_cli_error("gradcheck", "-%c: unexpected value '%s' (try --help)", c, arg);
      return -1;
    }
    li = -1;
  }
  if (optind != argc || (o->model == NULL) == (o->layers == NULL)) {
    uat_cli_error("gradcheck", "expected either --model M or --layers L (try --help)");
    return -1;
  }
  return 0;
}

int uat_cmd_gradcheck(int argc, char **argv) {
  gc_options o = {
      NULL, NULL, "tanh", "identity", NULL, 0, 16, UAT_LOSS_MSE, uat_gradcheck_default_params(),
      0,    1e-6};
  const int p = parse(argc, argv, &o);
  if (p != 0) return p > 0 ? UAT_EXIT_OK : UAT_EXIT_USAGE;
  return run(&o);
}
