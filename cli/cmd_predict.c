/* cmd_predict.c — `uat predict`: outputs of a saved model for the rows of a CSV file. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "uat/io.h"
#include "uat/mlp.h"

static void help(FILE *fp) {
  fprintf(fp,
          "usage: uat predict --model M --input X.csv [-o Y.csv]\n\n"
          "Evaluate the model saved in M on every row of X.csv (one input per column; a header\n"
          "line is optional) and write one row of outputs per input row, as CSV with a header\n"
          "y1,...,yk and 17 significant digits, to Y.csv (written atomically) or stdout.\n\n"
          "  -m, --model M    model file (docs/formats.md)\n"
          "  -i, --input X    input CSV\n"
          "  -o, --output Y   output CSV (default: stdout)\n"
          "  -h, --help       this text\n");
}

static int write_outputs(FILE *fp, size_t rows, size_t k, const double *y) {
  for (size_t j = 0; j < k; j++) fprintf(fp, "%sy%zu", j ? "," : "", j + 1);
  fputc('\n', fp);
  for (size_t i = 0; i < rows; i++)
    for (size_t j = 0; j < k; j++) fprintf(fp, "%.17g%c", y[i * k + j], j + 1 == k ? '\n' : ',');
  return ferror(fp) ? -1 : 0;
}

static int predict(const char *model_path, const char *input, const char *output) {
  uat_error err;
  uat_mlp *m = NULL;
  uat_table *x = NULL;
  if (uat_mlp_load(model_path, &m, &err) != UAT_OK || uat_table_read(input, &x, &err) != UAT_OK) {
    uat_cli_error("predict", "%s", err.msg);
    uat_mlp_free(m);
    return UAT_EXIT_FAIL;
  }
  int rc = UAT_EXIT_FAIL;
  const size_t k = uat_mlp_out(m);
  double *y = malloc(x->rows * k * sizeof *y);
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, 256);
  uat_output out;
  if (x->cols != uat_mlp_in(m)) {
    uat_cli_error("predict", "%s:1:1: expected %zu input columns for model %s, found %zu", input,
                  uat_mlp_in(m), model_path, x->cols);
  } else if (y == NULL || w == NULL) {
    uat_cli_error("predict", "out of memory");
  } else if (uat_mlp_predict(m, w, x->rows, x->data, y) == UAT_OK &&
             uat_output_open(&out, output, "predict") == 0) {
    const int ok = write_outputs(out.fp, x->rows, k, y) == 0;
    if (uat_output_close(&out, ok, "predict") == 0 && ok) rc = UAT_EXIT_OK;
  }
  uat_mlp_workspace_free(w);
  free(y);
  uat_table_free(x);
  uat_mlp_free(m);
  return rc;
}

int uat_cmd_predict(int argc, char **argv) {
  static const struct option opts[] = {{"model", required_argument, NULL, 'm'},
                                       {"input", required_argument, NULL, 'i'},
                                       {"output", required_argument, NULL, 'o'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *model = NULL, *input = NULL, *output = NULL;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "m:i:o:h", opts, NULL)) != -1) {
    switch (c) {
    case 'm': model = optarg; break;
    case 'i': input = optarg; break;
    case 'o': output = optarg; break;
    case 'h': help(stdout); return UAT_EXIT_OK;
    default: uat_cli_bad_option("predict", argv, optind, opts); return UAT_EXIT_USAGE;
    }
  }
  if (model == NULL || input == NULL || optind != argc) {
    uat_cli_error("predict", "expected --model M --input X.csv (try --help)");
    return UAT_EXIT_USAGE;
  }
  return predict(model, input, output);
}
