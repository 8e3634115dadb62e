/* cmd_extract.c — `uat extract logic`: a Boolean network's truth table as a minimal formula;
 * `uat extract sindy` is in cmd_sindy.c. */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "uat/extract.h"
#include "uat/io.h"

static void help(FILE *fp) {
  fprintf(fp,
          "usage: uat extract logic --model M [--output-index K] [--threshold T]\n"
          "                         [--dont-care R1,R2,...]\n"
          "       uat extract sindy (--ode SYSTEM | --model M) ...   (uat extract sindy --help)\n\n"
          "Read a trained network's truth table (its output above T at every 0/1 input, x1 the\n"
          "most significant; at most 12 inputs) and print a minimal sum of products for it\n"
          "(Quine-McCluskey, Petrick's method): as an expression uat evaluates (products of x\n"
          "and 1 - x joined by max: `uat sym eval`), as logic and as LaTeX; which inputs the\n"
          "network ignores; and the formula checked against the network on every input.\n"
          "docs/extraction.md.\n\n"
          "  -m, --model M         the network\n"
          "      --output-index K  which output (default 1)\n"
          "      --threshold T     the output's threshold (default 0.5; 0 for logits)\n"
          "      --dont-care R,... rows (0-based, x1 most significant) the formula may get wrong\n"
          "  -h, --help            this text\n");
}

/* Inputs the table does not depend on: flipping them never changes a cared-for row. */
static void ignored(size_t n, const unsigned char *table, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    const size_t bit = (size_t)1 << (n - 1 - i);
    int depends = 0;
    for (size_t r = 0; r < ((size_t)1 << n) && !depends; r++)
      depends = table[r] != UAT_DONT_CARE && table[r ^ bit] != UAT_DONT_CARE &&
                table[r] != table[r ^ bit];
    if (!depends && used < len)
      used += (size_t)snprintf(buf + used, len - used, "%sx%zu", used ? ", " : "", i + 1);
  }
  if (used == 0) snprintf(buf, len, "none");
}

/* The formula, compiled and evaluated at every row, against the table: the rows that differ. */
static size_t check(const uat_expr *e, size_t n, const unsigned char *table) {
  const char *names[UAT_EXTRACT_MAX_INPUTS];
  char store[UAT_EXTRACT_MAX_INPUTS][24];
  for (size_t i = 0; i < n; i++) {
    snprintf(store[i], sizeof store[i], "x%zu", i + 1);
    names[i] = store[i];
  }
  uat_expr_program *p = NULL;
  uat_error err;
  if (uat_expr_compile(e, n, names, &p, &err) != UAT_OK) return SIZE_MAX;
  size_t wrong = 0;
  for (size_t r = 0; r < ((size_t)1 << n); r++) {
    double x[UAT_EXTRACT_MAX_INPUTS];
    for (size_t i = 0; i < n; i++) x[i] = (double)(r >> (n - 1 - i) & 1);
    if (table[r] != UAT_DONT_CARE && uat_expr_program_eval(p, x) != (double)table[r]) wrong++;
  }
  uat_expr_program_free(p);
  return wrong;
}

static int report(const char *model, const uat_mlp *m, size_t o, unsigned char *table) {
  const size_t n = uat_mlp_in(m), rows = (size_t)1 << n;
  uat_sop s;
  uat_error err;
  if (uat_logic_minimise(n, table, &s, &err) != UAT_OK) {
    uat_cli_error("extract", "%s", err.msg);
    return UAT_EXIT_FAIL;
  }
  uat_expr *e = uat_sop_expr(&s, NULL);
  char *text = malloc(65536), ign[256];
  if (e == NULL || text == NULL) {
    uat_sop_free(&s);
    uat_expr_free(e);
    free(text);
    uat_cli_error("extract", "out of memory");
    return UAT_EXIT_FAIL;
  }
  printf("model = %s\ninputs = %zu\noutput = %zu of %zu\ntable = ", model, n, o + 1,
         uat_mlp_out(m));
  for (size_t r = 0; r < rows; r++) putchar(table[r] == UAT_DONT_CARE ? '-' : '0' + table[r]);
  uat_expr_print(e, text, 65536);
  printf("\nformula = %s\n", text);
  uat_sop_logic(&s, NULL, text, 65536);
  printf("logic = %s\n", text);
  uat_sop_latex(&s, NULL, text, 65536);
  printf("latex = %s\nterms = %zu\nliterals = %zu\n", text, s.n_terms, s.literals);
  printf("minimal = %s\n", s.exact ? "yes (Petrick's method)" : "not proven (greedy cover)");
  ignored(n, table, ign, sizeof ign);
  const size_t wrong = check(e, n, table);
  printf("ignored = %s\n", ign);
  if (wrong == 0)
    printf("check = the formula equals the network on all %zu inputs\n", rows);
  else
    printf("check = FAILED on %zu inputs\n", wrong);
  free(text);
  uat_expr_free(e);
  uat_sop_free(&s);
  return wrong == 0 ? UAT_EXIT_OK : UAT_EXIT_FAIL;
}

static int parse_rows(const char *arg, size_t rows, unsigned char *table) {
  char buf[4096];
  if (strlen(arg) >= sizeof buf) return -1;
  strcpy(buf, arg);
  for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
    size_t r;
    if (uat_parse_size(tok, &r) != 0 || r >= rows) return -1;
    table[r] = UAT_DONT_CARE;
  }
  return 0;
}

static int extract_logic(int argc, char **argv) {
  static const struct option opts[] = {{"model", required_argument, NULL, 'm'},
                                       {"output-index", required_argument, NULL, 'k'},
                                       {"threshold", required_argument, NULL, 't'},
                                       {"dont-care", required_argument, NULL, 'd'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *model = NULL, *dc = NULL;
  size_t k = 1;
  double threshold = 0.5;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
    const char *arg = optarg ? optarg : "";
    if (c == 'h') {
      help(stdout);
      return UAT_EXIT_OK;
    }
    if (c == 'm') model = arg;
    if (c == 'd') dc = arg;
    if (c == 'k' && (uat_parse_size(arg, &k) != 0 || k == 0)) {
      uat_cli_error("extract", "--output-index: expected a positive integer, found '%s'", arg);
      return UAT_EXIT_USAGE;
    }
    if (c == 't' && (uat_parse_double(arg, &threshold) != 0 || !isfinite(threshold))) {
      uat_cli_error("extract", "--threshold: expected a number, found '%s'", arg);
      return UAT_EXIT_USAGE;
    }
    if (c == '?') {
      uat_cli_bad_option("extract", argv, optind, opts);
      return UAT_EXIT_USAGE;
    }
  }
  if (model == NULL || optind != argc) {
    uat_cli_error("extract", "logic: expected --model M (try --help)");
    return UAT_EXIT_USAGE;
  }
  uat_mlp *m = NULL;
  uat_error err;
  if (uat_mlp_load(model, &m, &err) != UAT_OK) {
    uat_cli_error("extract", "%s", err.msg);
    return UAT_EXIT_FAIL;
  }
  const size_t n = uat_mlp_in(m);
  int rc = UAT_EXIT_FAIL;
  unsigned char *table = n <= UAT_EXTRACT_MAX_INPUTS ? malloc((size_t)1 << n) : NULL;
  if (n > UAT_EXTRACT_MAX_INPUTS || k > uat_mlp_out(m)) {
    uat_cli_error("extract",
                  "%s has %zu inputs and %zu outputs; logic takes at most %d inputs "
                  "and output 1 to %zu",
                  model, n, uat_mlp_out(m), UAT_EXTRACT_MAX_INPUTS, uat_mlp_out(m));
  } else if (table && uat_mlp_truth_table(m, k - 1, threshold, table) == UAT_OK) {
    if (dc && parse_rows(dc, (size_t)1 << n, table) != 0)
      uat_cli_error("extract", "--dont-care: expected row numbers below %zu, found '%s'",
                    (size_t)1 << n, dc);
    else
      rc = report(model, m, k - 1, table);
  }
  free(table);
  uat_mlp_free(m);
  return rc;
}

int uat_cmd_extract(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    help(argc < 2 ? stderr : stdout);
    return argc < 2 ? UAT_EXIT_USAGE : UAT_EXIT_OK;
  }
  if (strcmp(argv[1], "logic") == 0) return extract_logic(argc - 1, argv + 1);
  if (strcmp(argv[1], "sindy") == 0) return uat_extract_sindy(argc - 1, argv + 1);
  uat_cli_error("extract", "expected 'logic' or 'sindy', found '%s' (try --help)", argv[1]);
  return UAT_EXIT_USAGE;
}
