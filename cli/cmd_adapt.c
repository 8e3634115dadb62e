/* cmd_adapt.c — `uat adapt`: a drifting target streamed sample by sample, tracked by a network
 * that keeps learning against the same network frozen; `--misadjustment`: LMS's steady-state
 * excess error against theory. */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "uat/adapt.h"
#include "uat/plot.h"

static void help(FILE *fp) {
  fprintf(
      fp,
      "usage: uat adapt --target EXPR [--domain x=LO:HI,...] [--steps N] [--dt DT]\n"
      "                 [--hidden W] [--act A] [--lr R] [--pretrain N] [--window N]\n"
      "                 [--noise S] [--seed S] [--plot BASE.png] [-f text|csv] [-o FILE]\n"
      "       uat adapt --misadjustment [--inputs N] [--lr MU] [--noise S] [--steps N]\n"
      "                 [--seed S]\n\n"
      "Stream a target that drifts in time (an expression in the inputs and t, sampled at\n"
      "t = k DT with inputs drawn uniformly from the domain), one sample at a time. A network\n"
      "fitted to the target at t = 0 (L-BFGS) is copied: the copy keeps learning, one gradient\n"
      "step on each new sample after predicting it (with --hidden 0 a single linear neuron:\n"
      "exactly Widrow-Hoff LMS, the Adaline), the original stays frozen. Reported: both\n"
      "prediction errors (RMS per window of samples) over time.\n\n"
      "With --misadjustment: LMS on a stationary linear target with noise, started at the\n"
      "optimum; its steady-state excess error over the noise (the misadjustment M) against\n"
      "the theoretical (mu/2) tr R / (1 - (mu/2) tr R) (docs/adaptive.md).\n\n"
      "  -t, --target EXPR   e.g. 'sin(x + 0.1*t)' or '(1 + 0.01*t)*x'\n"
      "  -D, --domain D      the inputs' box (default x=-1:1)\n"
      "      --steps N       samples (default 20000; misadjustment 1000000)\n"
      "      --dt DT         time per sample (default 0.01)\n"
      "      --hidden W      one hidden layer W wide (default 16); 0: the Adaline\n"
      "      --act A         hidden activation (default tanh)\n"
      "      --lr R          the online step size, LMS's mu (default 0.01; misadjustment 0.05)\n"
      "      --pretrain N    L-BFGS iterations at t = 0 (default 500)\n"
      "      --window N      samples per reported RMS (default 500)\n"
      "      --noise S       Gaussian noise on every sample (default 0; misadjustment 0.1)\n"
      "      --inputs N      misadjustment: inputs of the linear target (default 2)\n"
      "  -s, --seed S        seed (default 0)\n"
      "      --plot BASE.png both error curves over time\n"
      "  -f, --format F      text (default) or csv (one row per window)\n"
      "  -o, --output FILE   write to FILE (atomically) instead of stdout\n"
      "  -h, --help          this text\n");
}

typedef struct {
  uat_adapt_spec s;
  uat_misadjustment_spec m;
  int misadjustment, csv, steps_set, lr_set, noise_set;
  const char *plot, *output;
} adapt_options;

static int bad(const char *flag, const char *expected, const char *arg) {
  uat_cli_error("adapt", "--%s: expected %s, found '%s'", flag, expected, arg);
  return -1;
}

static int size_option(const char *flag, const char *arg, size_t lo, size_t *v) {
  return uat_parse_size(arg, v) == 0 && *v >= lo && *v <= 100000000
             ? 0
             : bad(flag, lo ? "an integer from 1 to 100000000" : "an integer up to 100000000", arg);
}

static int number_option(const char *flag, const char *arg, int zero_ok, double *v) {
  return uat_parse_double(arg, v) == 0 && isfinite(*v) && (*v > 0 || (zero_ok && *v == 0))
             ? 0
             : bad(flag, zero_ok ? "a number >= 0" : "a positive number", arg);
}

static int option(adapt_options *o, int c, const char *arg) {
  size_t v;
  switch (c) {
  case 't': o->s.target = arg; return 0;
  case 'D': o->s.domain = arg; return 0;
  case 'n': o->steps_set = 1; return size_option("steps", arg, 1, &o->s.steps);
  case 'd': return number_option("dt", arg, 0, &o->s.dt);
  case 'H':
    if (size_option("hidden", arg, 0, &v) != 0) return -1;
    o->s.n_hidden = v > 0;
    o->s.width = v;
    return 0;
  case 'a':
    return uat_activation_parse(arg, &o->s.act) == UAT_OK
               ? 0
               : uat_cli_bad_choice("adapt", "act", arg, UAT_CLI_ACTIVATIONS);
  case 'r': o->lr_set = 1; return number_option("lr", arg, 0, &o->s.lr);
  case 'p': return size_option("pretrain", arg, 0, &o->s.pretrain);
  case 'w': return size_option("window", arg, 1, &o->s.window);
  case 'N': o->noise_set = 1; return number_option("noise", arg, 1, &o->s.noise);
  case 'i': return size_option("inputs", arg, 1, &o->m.inputs);
  case 's':
    if (uat_parse_size(arg, &v) != 0) return bad("seed", "a non-negative integer", arg);
    o->s.seed = o->m.seed = v;
    return 0;
  case 'P': o->plot = arg; return 0;
  case 'f':
    if (strcmp(arg, "text") != 0 && strcmp(arg, "csv") != 0)
      return bad("format", "text or csv", arg);
    o->csv = strcmp(arg, "csv") == 0;
    return 0;
  case 'o': o->output = arg; return 0;
  case 'M': o->misadjustment = 1; return 0;
  default: return -1;
  }
}

static int parse(int argc, char **argv, adapt_options *o) {
  static const struct option opts[] = {
      {"target", required_argument, NULL, 't'}, {"domain", required_argument, NULL, 'D'},
      {"steps", required_argument, NULL, 'n'},  {"dt", required_argument, NULL, 'd'},
      {"hidden", required_argument, NULL, 'H'}, {"act", required_argument, NULL, 'a'},
      {"lr", required_argument, NULL, 'r'},     {"pretrain", required_argument, NULL, 'p'},
      {"window", required_argument, NULL, 'w'}, {"noise", required_argument, NULL, 'N'},
      {"inputs", required_argument, NULL, 'i'}, {"seed", required_argument, NULL, 's'},
      {"plot", required_argument, NULL, 'P'},   {"format", required_argument, NULL, 'f'},
      {"output", required_argument, NULL, 'o'}, {"misadjustment", no_argument, NULL, 'M'},
      {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "t:D:s:f:o:h", opts, NULL)) != -1) {
    if (c == 'h') {
      help(stdout);
      return 1;
    }
    if (c == '?') {
      uat_cli_bad_option("adapt", argv, optind, opts);
      return -1;
    }
    if (option(o, c, optarg ? optarg : "") != 0) return -1;
  }
  if (optind != argc) {
    uat_cli_error("adapt", "unexpected argument '%s' (try --help)", argv[optind]);
    return -1;
  }
  if (!o->misadjustment && o->s.target == NULL) {
    uat_cli_error("adapt", "expected --target EXPR or --misadjustment (try --help)");
    return -1;
  }
  if (o->steps_set) o->m.steps = o->s.steps;
  if (o->lr_set) o->m.mu = o->s.lr;
  if (o->noise_set) o->m.noise = o->s.noise;
  return 0;
}

static int misadjustment(const adapt_options *o, FILE *fp) {
  uat_misadjustment r;
  uat_error err;
  if (uat_misadjustment_run(&o->m, &r, &err) != UAT_OK) {
    uat_cli_error("adapt", "%s", err.msg);
    return -1;
  }
  fprintf(fp, "inputs = %zu\nmu = %g\nnoise = %g\nsteps = %zu\nburn_in = %zu\ntrace_R = %.6f\n",
          o->m.inputs, o->m.mu, o->m.noise, o->m.steps, o->m.burn_in, r.trace_r);
  fprintf(fp, "misadjustment_theory = %.6f\nmisadjustment_measured = %.6f\n", r.theory, r.measured);
  fprintf(fp, "misadjustment_from_mse = %.6f\nrelative_difference = %.4f\n", r.mse_ratio,
          r.measured / r.theory - 1);
  return 0;
}

static int plot_errors(const char *png, const uat_adapt_result *r, const uat_adapt_spec *s) {
  double *y = malloc(2 * r->windows * sizeof *y);
  if (y == NULL) return -1;
  for (size_t w = 0; w < r->windows; w++) y[2 * w] = r->online[w], y[2 * w + 1] = r->frozen[w];
  char base[1024], title[600];
  uat_cli_plot_base(png, "", base, sizeof base);
  snprintf(title, sizeof title, "%s: RMS error per %zu samples", s->target, s->window);
  static const char *const names[2] = {"learning online", "frozen after t = 0"};
  const uat_plot_curves_labels labels = {"t", "prediction error (RMS)", title, 1};
  uat_error err;
  const int st = uat_plot_curves(base, r->t, y, r->windows, 2, names, &labels, &err);
  free(y);
  if (st == UAT_ENOTFOUND) fprintf(stderr, "uat adapt: warning: %s\n", err.msg);
  if (st != UAT_OK && st != UAT_ENOTFOUND) {
    uat_cli_error("adapt", "%s", err.msg);
    return -1;
  }
  return 0;
}

static void print_result(FILE *fp, const adapt_options *o, const uat_adapt_result *r) {
  const uat_adapt_spec *s = &o->s;
  if (o->csv) {
    fprintf(fp, "t,online_rmse,frozen_rmse\n");
    for (size_t w = 0; w < r->windows; w++)
      fprintf(fp, "%.10g,%.6e,%.6e\n", r->t[w], r->online[w], r->frozen[w]);
    return;
  }
  fprintf(fp, "target = %s, t = k * %g for k < %zu\n", s->target, s->dt, s->steps);
  if (s->n_hidden)
    fprintf(fp, "network = %zu-%zu-1 %s, online gradient steps of %g\n", r->model->sizes[0],
            s->width, uat_activation_name(s->act), s->lr);
  else
    fprintf(fp, "network = %zu-1 linear (Adaline), LMS with mu = %g\n", r->model->sizes[0], s->lr);
  fprintf(fp, "both start from %zu L-BFGS iterations on the target at t = 0\n\n", s->pretrain);
  fprintf(fp, "%-12s %-13s %-13s\n", "t", "online_rmse", "frozen_rmse");
  for (size_t w = 0; w < r->windows; w++)
    fprintf(fp, "%-12.6g %-13.4e %-13.4e\n", r->t[w], r->online[w], r->frozen[w]);
  fprintf(fp, "\nlate_online_rmse = %.4e\nlate_frozen_rmse = %.4e\n", r->online_late,
          r->frozen_late);
}

int uat_cmd_adapt(int argc, char **argv) {
  adapt_options o;
  memset(&o, 0, sizeof o);
  uat_adapt_spec_defaults(&o.s);
  uat_misadjustment_spec_defaults(&o.m);
  const int p = parse(argc, argv, &o);
  if (p != 0) return p > 0 ? UAT_EXIT_OK : UAT_EXIT_USAGE;
  uat_output out;
  uat_adapt_result r;
  memset(&r, 0, sizeof r);
  uat_error err;
  if (!o.misadjustment && uat_adapt_run(&o.s, &r, &err) != UAT_OK) {
    uat_cli_error("adapt", "%s", err.msg);
    return err.status == UAT_EFORMAT || err.status == UAT_EINVAL ? UAT_EXIT_USAGE : UAT_EXIT_FAIL;
  }
  if (uat_output_open(&out, o.output, "adapt") != 0) {
    uat_adapt_result_free(&r);
    return UAT_EXIT_FAIL;
  }
  int ok = 1;
  if (o.misadjustment)
    ok = misadjustment(&o, out.fp) == 0;
  else
    print_result(out.fp, &o, &r);
  if (uat_output_close(&out, ok, "adapt") != 0) ok = 0;
  if (ok && !o.misadjustment && o.plot && plot_errors(o.plot, &r, &o.s) != 0) ok = 0;
  uat_adapt_result_free(&r);
  return ok ? UAT_EXIT_OK : UAT_EXIT_FAIL;
}
