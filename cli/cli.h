/* cli.h — helpers shared by the uat subcommands: argument parsing, messages, progress. */
#ifndef UAT_CLI_H
#define UAT_CLI_H

#include <stdio.h>

#include "uat/data.h"
#include "uat/mlp.h"
#include "uat/trainers.h"
#include "uat/util.h"

/* Exit codes of every subcommand. */
/* exit statuses: success, the work failed, the command line was wrong, writing failed */
enum { UAT_EXIT_OK = 0, UAT_EXIT_FAIL = 1, UAT_EXIT_USAGE = 2, UAT_EXIT_IO = 3 };

/* "uat CMD: message" on stderr. */
void uat_cli_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

struct option;

/* After getopt_long returned '?' (call with opterr = 0): one line on stderr naming the unknown
 * option and the closest valid one, or the option that needs a value. */
void uat_cli_bad_option(const char *cmd, char **argv, int optind, const struct option *opts);

/* The names of an enum's values ("a, b, c") into buf, for "expected one of ..." messages. */
typedef enum {
  UAT_CLI_ACTIVATIONS,
  UAT_CLI_INITS,
  UAT_CLI_POINTS,
  UAT_CLI_LOSSES,
  UAT_CLI_FD
} uat_cli_choice;
const char *uat_cli_choices(uat_cli_choice which, char *buf, size_t len);

/* "--FLAG: expected one of LIST, found 'VALUE'" for an invalid choice; returns -1. */
int uat_cli_bad_choice(const char *cmd, const char *flag, const char *value, uat_cli_choice which);

/* Progress on stderr when enabled: a bar with the time left on a terminal; otherwise (a log
 * file, a pipe) a plain line at every tenth of the work. */
typedef struct {
  int enabled;
  int tty; /* stderr is a terminal: redraw one line */
  const char *label;
  size_t total;
  int last;  /* last drawn per-mille, to redraw only on change */
  double t0; /* start, for the estimate of the time left */
} uat_progress;

void uat_progress_start(uat_progress *p, const char *label, size_t total, int enabled);
void uat_progress_update(uat_progress *p, size_t done);
void uat_progress_end(uat_progress *p);

/* A plot's base name: path without a final ".png" (plots write BASE.png, BASE.svg, BASE.gp, ...).
 * suffix is appended ("" for none). */
void uat_cli_plot_base(const char *path, const char *suffix, char *base, size_t len);

/* The decision surface of a two-input network m (uat_plot_surface) over [lo, hi] with the
 * training points d: its output (sigmoid of it when logit is set), or with two or more outputs
 * the class of the largest. Returns 0, or -1 after a message (a missing gnuplot is a warning). */
int uat_cli_plot_surface(const char *cmd, const char *png, const uat_mlp *m, const double *lo,
                         const double *hi, const uat_dataset *d, int logit,
                         const char *const *names, const char *title);

/* --format text|csv|md into *fmt as 0, 1, 2 (the commands' FMT_TEXT, FMT_CSV, FMT_MD): 0, or -1
 * after a message. */
int uat_cli_parse_format(const char *cmd, const char *arg, int *fmt);

/* --tune KEY=VALUE arguments (n of them) into t: 0, or -1 after a message. */
int uat_cli_tune(const char *cmd, uat_fit_tuning *tuning, size_t n, const char *const *kv);

/* Output to a file written atomically, or to stdout when path is NULL or "-". */
typedef struct {
  FILE *fp;
  void *atomic; /* uat_atomic_file when writing to a file */
} uat_output;

int uat_output_open(uat_output *o, const char *path, const char *cmd);
/* Commit (or, when ok is 0, discard) the output; returns 0 or -1 after printing an error. */
int uat_output_close(uat_output *o, int ok, const char *cmd);

#endif
