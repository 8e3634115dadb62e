/* main.c — the uat command: dispatch to subcommands.
 *
 * Only this layer prints and picks exit codes; the libraries return statuses. */
#define _GNU_SOURCE
#include <errno.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_version.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "uat/kernels.h"
#include "uat/version.h"

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
    {"fit", uat_cmd_fit, "train one network on one target, save it, print the error report"},
    {"eval", uat_cmd_eval, "the error report of a saved model against a target"},
    {"gradcheck", uat_cmd_gradcheck, "compare backpropagation with finite differences, per layer"},
    {"ode", uat_cmd_ode, "integrate an ODE system with CVODE and write the trajectory"},
    {"sweep", uat_cmd_sweep, "run an experiment file into a results folder (tables, fits, plots)"},
    {"sym", uat_cmd_sym, "differentiate, simplify, evaluate, print expressions; Jacobians"},
    {"xor", uat_cmd_xor, "the seed post's XOR configurations over many seeds"},
    {"adapt", uat_cmd_adapt, "track a drifting target online (LMS, SGD) against a frozen network"},
    {"control", uat_cmd_control, "learn to balance a cart-pole or swing up a pendulum (CVODE)"},
    {"extract", uat_cmd_extract, "a trained Boolean network as a minimal formula"},
    {"memory", uat_cmd_memory, "Hopfield memories: store patterns, recall them, measure capacity"},
    {"logic", uat_cmd_logic, "logic gates, parity and majority: one neuron against small networks"},
    {"predict", uat_cmd_predict, "outputs of a saved model for the rows of a CSV file"},
};

static void usage(FILE *fp) {
  fprintf(fp, "usage: uat COMMAND [OPTIONS]\n"
              "       uat --version | --help\n\n"
              "uat, the universal approximation toolkit: neural-network approximation research\n"
              "with numbers you can trust to the last printed digit.\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(fp, "\n'uat COMMAND --help' describes a command; docs/cli.md describes them all.\n");
}

static void version(void) {
  printf("uat %s\n", UAT_VERSION_STRING);
  printf("gsl %s\n", GSL_VERSION);
  printf("kernels %s (fixed order: the same bits with every kernel set)\n",
         uat_kernel_isa_name(uat_kernel_isa()));
  printf("cblas_dgemm from %s\n", uat_cblas_library());
  printf("mpi %s\n", UAT_HAVE_MPI ? "yes (mpirun -np K uat sweep spreads runs over ranks)" : "no");
}

/* What went to standard output must have arrived: a full disk or a closed pipe is an
 * input/output error (exit 3), not a success. */
static int stdout_checked(const char *what, int rc) {
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "uat %s: cannot write to standard output: %s\n", what, strerror(errno));
    return UAT_EXIT_IO;
  }
  return rc;
}

int main(int argc, char **argv) {
  /* GSL's default handler aborts; every GSL status is turned into ours instead. */
  gsl_set_error_handler_off();
  if (argc < 2) {
    usage(stderr);
    return UAT_EXIT_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return UAT_EXIT_OK;
  }
  if (strcmp(argv[1], "--version") == 0) {
    version();
    return stdout_checked("--version", UAT_EXIT_OK);
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(argv[1], commands[i].name) == 0)
      return stdout_checked(argv[1], commands[i].run(argc - 1, argv + 1));
  fprintf(stderr, "uat: unknown command '%s' (try 'uat --help')\n", argv[1]);
  return UAT_EXIT_USAGE;
}
