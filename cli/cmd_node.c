/* cmd_node.c — `uat fit --target ode-data:...`: a neural ODE learned from observations of a
 * trajectory (uat/node.h); parses, calls uat_node_run, prints its report. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "uat/node.h"
#include "uat/util.h"

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
      "      --noise-kind K  mean (default: the UDE paper's) or relative: S times each value\n"
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
      "      --sindy LIB     equations of the network's part along the learned solution by\n"
      "                      SINDy (LIB as uat extract sindy --library: poly:2, ...);\n"
      "                      --sindy-threshold T (default 0.05)\n"
      "  -o, --output MODEL  save the network\n"
      "      --plot BASE.png data, truth and the learned solution to the horizon\n"
      "  -h, --help          this text\n");
}

/* Options of the command alone (files); every other is the job's, by its long name. */
enum { O_OUTPUT = 'o', O_PLOT = 256, O_DATAOUT, O_JOB };

static const struct option node_opts[] = {{"target", required_argument, NULL, O_JOB},
                                          {"times", required_argument, NULL, O_JOB},
                                          {"noise", required_argument, NULL, O_JOB},
                                          {"noise-kind", required_argument, NULL, O_JOB},
                                          {"param", required_argument, NULL, O_JOB},
                                          {"y0", required_argument, NULL, O_JOB},
                                          {"known", required_argument, NULL, O_JOB},
                                          {"hidden", required_argument, NULL, O_JOB},
                                          {"act", required_argument, NULL, O_JOB},
                                          {"seed", required_argument, NULL, O_JOB},
                                          {"collocation", required_argument, NULL, O_JOB},
                                          {"fit-y0", required_argument, NULL, O_JOB},
                                          {"trainer", required_argument, NULL, O_JOB},
                                          {"max-iter", required_argument, NULL, O_JOB},
                                          {"adam-steps", required_argument, NULL, O_JOB},
                                          {"lr", required_argument, NULL, O_JOB},
                                          {"gradient", required_argument, NULL, O_JOB},
                                          {"method", required_argument, NULL, O_JOB},
                                          {"segments", required_argument, NULL, O_JOB},
                                          {"continuity", required_argument, NULL, O_JOB},
                                          {"polish", required_argument, NULL, O_JOB},
                                          {"ridge", required_argument, NULL, O_JOB},
                                          {"rtol", required_argument, NULL, O_JOB},
                                          {"horizon", required_argument, NULL, O_JOB},
                                          {"sindy", required_argument, NULL, O_JOB},
                                          {"sindy-threshold", required_argument, NULL, O_JOB},
                                          {"output", required_argument, NULL, O_OUTPUT},
                                          {"plot", required_argument, NULL, O_PLOT},
                                          {"data-out", required_argument, NULL, O_DATAOUT},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};

/* The long name of a short option. */
static const char *long_name(int c) {
  switch (c) {
  case 't': return "target";
  case 'p': return "param";
  case 'H': return "hidden";
  case 's': return "seed";
  case 'T': return "trainer";
  default: return NULL;
  }
}

typedef struct {
  const char *output, *plot, *data_out;
} node_files;

static int parse(int argc, char **argv, uat_node_job *job, node_files *f) {
  int c, index = -1;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "t:p:H:s:T:o:h", node_opts, &index)) != -1) {
    const char *arg = optarg ? optarg : "";
    const char *key = c == O_JOB ? node_opts[index].name : long_name(c);
    uat_error err;
    if (c == 'h') {
      help(stdout);
      return 1;
    }
    if (c == '?') {
      uat_cli_bad_option("fit", argv, optind, node_opts);
      return -1;
    }
    if (c == O_OUTPUT) f->output = arg;
    if (c == O_PLOT) f->plot = arg;
    if (c == O_DATAOUT) f->data_out = arg;
    if (key && uat_node_job_set(job, key, arg, &err) != UAT_OK) {
      uat_cli_error("fit", "%s", err.msg);
      return -1;
    }
    index = -1;
  }
  if (optind < argc) {
    uat_cli_error("fit", "unexpected argument '%s'", argv[optind]);
    return -1;
  }
  return 0;
}

/* The files after a successful fit: model, plot. */
static int outputs(const uat_node_job *job, const node_files *f, const uat_mlp *m) {
  uat_error err;
  int rc = UAT_EXIT_OK;
  if (f->output && uat_node_job_save(job, m, f->output, &err) != UAT_OK) {
    uat_cli_error("fit", "%s", err.msg);
    rc = UAT_EXIT_IO;
  }
  if (f->plot) {
    char base[1024];
    uat_cli_plot_base(f->plot, "", base, sizeof base);
    if (uat_node_job_plot(job, m, base, &err) != UAT_OK) {
      uat_cli_error("fit", "--plot: %s", err.msg);
      if (err.status != UAT_ENOTFOUND) rc = UAT_EXIT_IO;
    }
  }
  return rc;
}

int uat_cmd_fit_node(int argc, char **argv) {
  uat_node_job *job = uat_node_job_alloc();
  node_files f = {0};
  if (job == NULL) {
    uat_cli_error("fit", "out of memory");
    return UAT_EXIT_FAIL;
  }
  const int p = parse(argc, argv, job, &f);
  if (p != 0) {
    uat_node_job_free(job);
    return p > 0 ? UAT_EXIT_OK : UAT_EXIT_USAGE;
  }
  uat_error err = {0};
  int rc = UAT_EXIT_OK;
  if (uat_node_job_load(job, &err) != UAT_OK) {
    uat_cli_error("fit", "%s", err.msg);
    rc = UAT_EXIT_USAGE;
  } else if (f.data_out && uat_node_job_write_data(job, f.data_out, &err) != UAT_OK) {
    uat_cli_error("fit", "%s", err.msg);
    rc = UAT_EXIT_IO;
  }
  uat_mlp *m = NULL;
  if (rc == UAT_EXIT_OK && uat_node_job_run(job, &m, &err) != UAT_OK) {
    uat_cli_error("fit", "%s", err.msg);
    rc = err.status == UAT_EINVAL ? UAT_EXIT_USAGE : UAT_EXIT_FAIL;
  } else if (rc == UAT_EXIT_OK) {
    const size_t n = uat_node_job_report(job, NULL, 0);
    char *text = malloc(n + 1);
    if (text) {
      uat_node_job_report(job, text, n + 1);
      fputs(text, stdout);
      free(text);
    }
    rc = outputs(job, &f, m);
  }
  uat_mlp_free(m);
  uat_node_job_free(job);
  return rc;
}
