/* cmd_memory.c — `uat memory`: the Hopfield network's capacity, recall against load. */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "uat/memory.h"
#include "uat/plot.h"

static void help(FILE *fp) {
  fprintf(fp,
          "usage: uat memory [--units N1,N2,...] [--loads A:B:K] [--noise F] [--seeds S]\n"
          "                  [--seed S0] [-f text|csv] [--plot BASE.png]\n\n"
          "Store round(load N) random +-1 patterns in a Hopfield network of N units (Hebb's rule)\n"
          "and recall each (up to 20 per network) from a cue with a fraction F of its units\n"
          "flipped, by asynchronous updates; a pattern is recalled when the final overlap is at\n"
          "least 0.95. Reports the fraction recalled and the mean overlap against the load P/N,\n"
          "beside the classical capacity 0.138 N. docs/memory.md.\n\n"
          "      --units N,...   network sizes (default 100,200,500)\n"
          "      --loads A:B:K   K loads from A to B (default 0.02:0.2:10)\n"
          "      --noise F       fraction of the cue's units flipped (default 0.1)\n"
          "      --seeds S       networks per point (default 5), from --seed S0 (default 0)\n"
          "  -f, --format F      text (default) or csv\n"
          "      --plot BASE.png recall against load, one curve per size\n"
          "  -h, --help          this text\n");
}

typedef struct {
  size_t units[8], n_units, k, seeds;
  double a, b, noise;
  unsigned long seed0;
  int csv;
  const char *plot;
} memory_options;

static int bad(const char *flag, const char *expected, const char *arg) {
  uat_cli_error("memory", "--%s: expected %s, found '%s'", flag, expected, arg);
  return -1;
}

static int parse_units(memory_options *o, const char *arg) {
  char buf[256];
  if (strlen(arg) >= sizeof buf) return bad("units", "sizes like 100,200", arg);
  strcpy(buf, arg);
  o->n_units = 0;
  for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
    size_t v;
    if (o->n_units == 8 || uat_parse_size(t, &v) != 0 || v < 2 || v > 4096)
      return bad("units", "up to 8 sizes from 2 to 4096", arg);
    o->units[o->n_units++] = v;
  }
  return o->n_units ? 0 : bad("units", "sizes like 100,200", arg);
}

static int option(memory_options *o, int c, const char *arg) {
  size_t v;
  switch (c) {
  case 'u': return parse_units(o, arg);
  case 'l':
    if (sscanf(arg, "%lf:%lf:%zu", &o->a, &o->b, &o->k) != 3 || !(o->a > 0) || !(o->b >= o->a) ||
        o->b > 2 || o->k == 0 || o->k > 1000)
      return bad("loads", "A:B:K with 0 < A <= B <= 2 and 1 <= K <= 1000", arg);
    return 0;
  case 'n':
    return uat_parse_double(arg, &o->noise) == 0 && o->noise >= 0 && o->noise < 0.5
               ? 0
               : bad("noise", "a fraction from 0 to below 0.5", arg);
  case 's':
    return uat_parse_size(arg, &o->seeds) == 0 && o->seeds > 0 && o->seeds <= 1000
               ? 0
               : bad("seeds", "an integer from 1 to 1000", arg);
  case 'S':
    if (uat_parse_size(arg, &v) != 0) return bad("seed", "a non-negative integer", arg);
    o->seed0 = v;
    return 0;
  case 'f':
    if (strcmp(arg, "text") != 0 && strcmp(arg, "csv") != 0)
      return bad("format", "text or csv", arg);
    o->csv = strcmp(arg, "csv") == 0;
    return 0;
  case 'p': o->plot = arg; return 0;
  default: return -1;
  }
}

static int plot(const memory_options *o, const uat_memory_point *pts) {
  double *x = malloc(o->k * sizeof *x), *y = malloc(o->k * o->n_units * sizeof *y);
  char names_buf[8][32];
  const char *names[8];
  if (x == NULL || y == NULL) {
    free(x);
    free(y);
    return -1;
  }
  for (size_t j = 0; j < o->k; j++) x[j] = pts[j].load; /* the first size's loads */
  for (size_t u = 0; u < o->n_units; u++) {
    snprintf(names_buf[u], sizeof names_buf[u], "N = %zu", o->units[u]);
    names[u] = names_buf[u];
    for (size_t j = 0; j < o->k; j++)
      y[j * o->n_units + u] = (double)pts[u * o->k + j].recalled / (double)pts[u * o->k + j].tested;
  }
  char base[1024];
  uat_cli_plot_base(o->plot, "", base, sizeof base);
  const uat_plot_curves_labels l = {"load P/N (capacity 0.138)", "fraction of patterns recalled",
                                    "Hopfield network: recall against load", 0};
  uat_error err;
  const int st = uat_plot_curves(base, x, y, o->k, o->n_units, names, &l, &err);
  free(x);
  free(y);
  if (st == UAT_ENOTFOUND) fprintf(stderr, "uat memory: warning: %s\n", err.msg);
  if (st != UAT_OK && st != UAT_ENOTFOUND) {
    uat_cli_error("memory", "%s", err.msg);
    return -1;
  }
  return 0;
}

int uat_cmd_memory(int argc, char **argv) {
  static const struct option opts[] = {{"units", required_argument, NULL, 'u'},
                                       {"loads", required_argument, NULL, 'l'},
                                       {"noise", required_argument, NULL, 'n'},
                                       {"seeds", required_argument, NULL, 's'},
                                       {"seed", required_argument, NULL, 'S'},
                                       {"format", required_argument, NULL, 'f'},
                                       {"plot", required_argument, NULL, 'p'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  memory_options o = {{100, 200, 500}, 3, 10, 5, 0.02, 0.2, 0.1, 0, 0, NULL};
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
    if (c == 'h') {
      help(stdout);
      return UAT_EXIT_OK;
    }
    if (c == '?') {
      uat_cli_bad_option("memory", argv, optind, opts);
      return UAT_EXIT_USAGE;
    }
    if (option(&o, c, optarg ? optarg : "") != 0) return UAT_EXIT_USAGE;
  }
  if (optind != argc) {
    uat_cli_error("memory", "unexpected argument '%s' (try --help)", argv[optind]);
    return UAT_EXIT_USAGE;
  }
  uat_memory_point *pts = calloc(o.n_units * o.k, sizeof *pts);
  if (pts == NULL) return UAT_EXIT_FAIL;
  printf(o.csv ? "units,patterns,load,tested,recalled,fraction,mean_overlap\n"
               : "noise %g, %zu networks per point; recalled: final overlap >= 0.95\n\n"
                 "units  patterns  load    recalled  mean overlap\n",
         o.noise, o.seeds);
  for (size_t u = 0; u < o.n_units; u++)
    for (size_t j = 0; j < o.k; j++) {
      const double load = o.k == 1 ? o.a : o.a + (o.b - o.a) * (double)j / (double)(o.k - 1);
      uat_memory_point *pt = &pts[u * o.k + j];
      uat_error err;
      if (uat_hopfield_capacity(o.units[u], load, o.noise, o.seeds, o.seed0, pt, &err) != UAT_OK) {
        uat_cli_error("memory", "%s", err.msg);
        free(pts);
        return UAT_EXIT_FAIL;
      }
      const double frac = (double)pt->recalled / (double)pt->tested;
      if (o.csv)
        printf("%zu,%zu,%.4f,%zu,%zu,%.4f,%.4f\n", pt->n, pt->p, pt->load, pt->tested, pt->recalled,
               frac, pt->mean_overlap);
      else
        printf("%-6zu %-9zu %-7.3f %-9.3f %.3f\n", pt->n, pt->p, pt->load, frac, pt->mean_overlap);
    }
  const int rc = o.plot && plot(&o, pts) != 0 ? UAT_EXIT_FAIL : UAT_EXIT_OK;
  free(pts);
  return rc;
}
