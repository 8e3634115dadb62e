/* cmd_logic.c — `uat logic`: the 16 Boolean functions of two inputs, and n-input parity and
 * majority, against one neuron and small networks: separability (exact), the threshold rule,
 * and how often seeds learn each. */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "uat/logic.h"
#include "uat/util.h"

typedef enum { FMT_TEXT, FMT_CSV, FMT_MD } logic_format;

typedef struct {
  uat_logic_params p;
  logic_format format;
  size_t max_inputs; /* parity and majority up to this many inputs */
  const char *output;
  int progress;
} logic_options;

static void help(FILE *fp) {
  fprintf(
      fp,
      "usage: uat logic [--seeds A:B] [--epochs N] [--lr R] [--widths W] [--max-inputs N]\n"
      "                 [--format text|csv|md] [-o FILE]\n\n"
      "For each of the 16 Boolean functions of two inputs, and parity and majority of 2 to N\n"
      "inputs: whether one threshold neuron can represent it (decided exactly: the integer\n"
      "perceptron within Novikoff's bound), the rule it uses, the fraction of seeds a single\n"
      "sigmoid neuron learns it, the best accuracy a trained neuron reaches, and the fraction\n"
      "of seeds a network with one hidden layer of 1 ... W sigmoid units learns it (PyTorch\n"
      "initialisation, cross-entropy on the logit, full-batch Adam).\n\n"
      "  -s, --seeds A:B     seeds (default 0:99)\n"
      "      --epochs N      Adam epochs (default 1000)\n"
      "      --lr R          Adam's learning rate (default 0.1)\n"
      "      --widths W      hidden widths 1 to W (default 4, at most 16)\n"
      "      --max-inputs N  parity and majority up to N inputs (default 6, at most 6; 0: none)\n"
      "  -f, --format F      text (default), csv or md\n"
      "  -o, --output FILE   write to FILE (atomically) instead of stdout\n"
      "      --no-progress   no progress line on the terminal\n"
      "  -h, --help          this text\n");
}

/* One function's row. */
typedef struct {
  char name[32], table[65];
  size_t n;
  uat_logic_verdict v;
  uat_logic_seeds s;
} logic_row;

static void neuron_rule(const logic_row *r, char *buf, size_t len) {
  if (!r->s.neuron_found) {
    snprintf(buf, len, "-");
    return;
  }
  size_t used = 0;
  for (size_t i = 0; i < r->n && used < len; i++) {
    const double w = r->s.neuron_w[i];
    const int k = snprintf(buf + used, len - used, "%s%.3g x%zu",
                           i == 0 ? (w < 0 ? "-" : "") : (w < 0 ? " - " : " + "), fabs(w), i + 1);
    if (k < 0) return;
    used += (size_t)k;
  }
  if (used < len) snprintf(buf + used, len - used, " >= %.3g", -r->s.neuron_b);
}

static void print_header(FILE *fp, const logic_options *o) {
  const size_t W = o->p.max_width;
  if (o->format == FMT_CSV) {
    fprintf(fp, "function,inputs,table,separable,updates,bound,rule,neuron_learned,neuron_best,"
                "neuron_rule");
    for (size_t h = 1; h <= W; h++) fprintf(fp, ",hidden_%zu", h);
    fprintf(fp, "\n");
    return;
  }
  if (o->format == FMT_MD) {
    fprintf(fp, "| function | table | separable | rule | one neuron | best | trained neuron |");
    for (size_t h = 1; h <= W; h++) fprintf(fp, " h=%zu |", h);
    fprintf(fp, "\n|---|---|---|---|---|---|---|");
    for (size_t h = 1; h <= W; h++) fprintf(fp, "---|");
    fprintf(fp, "\n");
    return;
  }
  fprintf(fp,
          "seeds %lu..%lu, %zu Adam epochs, lr %g; fractions of seeds that learn the function\n\n",
          o->p.seed0, o->p.seed0 + (unsigned long)o->p.seeds - 1, o->p.epochs, o->p.lr);
  fprintf(fp, "%-15s %-8s %-9s %-36s %-6s %-5s", "function", "table", "separable", "rule", "neuron",
          "best");
  for (size_t h = 1; h <= W; h++) fprintf(fp, " h=%-4zu", h);
  fprintf(fp, " trained neuron (first seed that learned)\n");
}

static void print_row(FILE *fp, const logic_options *o, const logic_row *r) {
  char rule[128], nrule[160];
  if (r->v.separable)
    uat_logic_rule_string(&r->v, rule, sizeof rule);
  else
    snprintf(rule, sizeof rule, "-");
  neuron_rule(r, nrule, sizeof nrule);
  const char *sep = r->v.separable ? "yes" : "no";
  const size_t W = o->p.max_width;
  if (o->format == FMT_CSV) {
    fprintf(fp, "%s,%zu,%s,%s,%zu,%zu,%s,%.4f,%.4f,%s", r->name, r->n, r->table, sep, r->v.updates,
            r->v.bound, rule, r->s.neuron_rate, r->s.neuron_best, nrule);
    for (size_t h = 0; h < W; h++) fprintf(fp, ",%.4f", r->s.hidden_rate[h]);
  } else if (o->format == FMT_MD) {
    fprintf(fp, "| %s | %s | %s | %s | %.2f | %.2f | %s |", r->name, r->table, sep, rule,
            r->s.neuron_rate, r->s.neuron_best, nrule);
    for (size_t h = 0; h < W; h++) fprintf(fp, " %.2f |", r->s.hidden_rate[h]);
  } else {
    fprintf(fp, "%-15s %-8s %-9s %-36s %-6.2f %-5.2f", r->name, r->n <= 3 ? r->table : "...", sep,
            rule, r->s.neuron_rate, r->s.neuron_best);
    for (size_t h = 0; h < W; h++) fprintf(fp, " %-6.2f", r->s.hidden_rate[h]);
    fprintf(fp, " %s", nrule);
  }
  fprintf(fp, "\n");
}

/* Decide and train one function; 0 or -1 after a message. */
static int evaluate(const logic_options *o, const unsigned char *table, logic_row *r) {
  const size_t rows = (size_t)1 << r->n;
  for (size_t k = 0; k < rows; k++) r->table[k] = (char)('0' + table[k]);
  r->table[rows] = '\0';
  uat_error err;
  if (uat_logic_separable(r->n, table, &r->v) != UAT_OK ||
      uat_logic_train(r->n, table, &o->p, &r->s, &err) != UAT_OK) {
    uat_cli_error("logic", "%s: %s", r->name, err.msg);
    return -1;
  }
  return 0;
}

static int run(const logic_options *o, FILE *fp) {
  print_header(fp, o);
  const size_t total = 16 + 2 * (o->max_inputs >= 2 ? o->max_inputs - 1 : 0);
  uat_progress bar;
  uat_progress_start(&bar, "uat logic", total, o->progress);
  size_t done = 0;
  unsigned char table[64];
  for (unsigned bits = 0; bits < 16; bits++) {
    logic_row r = {.n = 2};
    snprintf(r.name, sizeof r.name, "%s", uat_logic_gate_name(bits));
    for (int k = 0; k < 4; k++) table[k] = (bits >> (3 - k)) & 1;
    if (evaluate(o, table, &r) != 0) return -1;
    print_row(fp, o, &r);
    uat_progress_update(&bar, ++done);
  }
  for (int family = 0; family < 2; family++)
    for (size_t n = 2; n <= o->max_inputs; n++) {
      logic_row r = {.n = n};
      snprintf(r.name, sizeof r.name, "%s-%zu", family ? "majority" : "parity", n);
      (family ? uat_logic_majority : uat_logic_parity)(n, table);
      if (evaluate(o, table, &r) != 0) return -1;
      print_row(fp, o, &r);
      uat_progress_update(&bar, ++done);
    }
  uat_progress_end(&bar);
  return 0;
}

static int bad(const char *flag, const char *expected, const char *arg) {
  uat_cli_error("logic", "--%s: expected %s, found '%s'", flag, expected, arg);
  return -1;
}

static int option(logic_options *o, int c, const char *arg) {
  unsigned long a, b;
  size_t v;
  switch (c) {
  case 's':
    if (uat_parse_seeds(arg, &a, &b) != 0 || b - a >= 100000)
      return bad("seeds", "A:B with A <= B, at most 100000 seeds", arg);
    o->p.seed0 = a;
    o->p.seeds = b - a + 1;
    return 0;
  case 'e':
    if (uat_parse_size(arg, &v) != 0 || v == 0 || v > 100000000)
      return bad("epochs", "an integer from 1 to 100000000", arg);
    o->p.epochs = v;
    return 0;
  case 'r':
    if (uat_parse_double(arg, &o->p.lr) != 0 || !(o->p.lr > 0) || !isfinite(o->p.lr))
      return bad("lr", "a positive number", arg);
    return 0;
  case 'w':
    if (uat_parse_size(arg, &v) != 0 || v > UAT_LOGIC_MAX_WIDTH)
      return bad("widths", "an integer from 0 to 16", arg);
    o->p.max_width = v;
    return 0;
  case 'n':
    if (uat_parse_size(arg, &v) != 0 || v > UAT_LOGIC_MAX_INPUTS)
      return bad("max-inputs", "an integer from 0 to 6", arg);
    o->max_inputs = v;
    return 0;
  case 'f': {
    int f;
    if (uat_cli_parse_format("logic", arg, &f) != 0) return -1;
    o->format = (logic_format)f;
    return 0;
  }
  case 'o': o->output = arg; return 0;
  case 'P': o->progress = 0; return 0;
  default: return -1;
  }
}

int uat_cmd_logic(int argc, char **argv) {
  static const struct option opts[] = {{"seeds", required_argument, NULL, 's'},
                                       {"epochs", required_argument, NULL, 'e'},
                                       {"lr", required_argument, NULL, 'r'},
                                       {"widths", required_argument, NULL, 'w'},
                                       {"max-inputs", required_argument, NULL, 'n'},
                                       {"format", required_argument, NULL, 'f'},
                                       {"output", required_argument, NULL, 'o'},
                                       {"no-progress", no_argument, NULL, 'P'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  logic_options o = {uat_logic_default_params(), FMT_TEXT, 6, NULL, 1};
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "s:f:o:h", opts, NULL)) != -1) {
    if (c == 'h') {
      help(stdout);
      return UAT_EXIT_OK;
    }
    if (c == '?') {
      uat_cli_bad_option("logic", argv, optind, opts);
      return UAT_EXIT_USAGE;
    }
    if (option(&o, c, optarg ? optarg : "") != 0) return UAT_EXIT_USAGE;
  }
  if (optind != argc) {
    uat_cli_error("logic", "unexpected argument '%s' (try --help)", argv[optind]);
    return UAT_EXIT_USAGE;
  }
  uat_output out;
  if (uat_output_open(&out, o.output, "logic") != 0) return UAT_EXIT_FAIL;
  const int ok = run(&o, out.fp) == 0;
  if (uat_output_close(&out, ok, "logic") != 0 || !ok) return UAT_EXIT_FAIL;
  return UAT_EXIT_OK;
}
