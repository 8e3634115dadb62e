/* cmd_sweep.c — `uat sweep EXPERIMENT.ini [-o results/NAME] [--resume]`: parse the options,
 * run the sweep through the engine (uat/sweep.h), show progress, print where the results are.
 * The results folder, the worker pool, runs.csv and the tables are the engine's. */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "uat/sweep.h"
#include "uat/util.h"
#include "uat/version.h"
#if UAT_HAVE_MPI
#include "uat/sweep_mpi.h"
#endif

static void help(FILE *fp) {
  fprintf(
      fp,
      "usage: uat sweep EXPERIMENT.ini [-o results/NAME] [--resume] [--jobs N] [--no-progress]\n"
      "                [--max-memory B]\n\n"
      "Run the cross product of the experiment's targets, widths, depths, activations, trainers\n"
      "and seeds, and write the results folder: runs.csv, models/, summary.md, summary.tex,\n"
      "scaling.csv, plots and meta.json. A sweep that was stopped continues with --resume,\n"
      "skipping finished runs, and ends with the same tables as one that was not.\n\n"
      "  -o, --output DIR   results folder (default results/NAME, NAME from the file)\n"
      "      --resume       continue the sweep in DIR\n"
      "  -j, --jobs N       runs in parallel, one process each (default: the processors)\n"
      "      --no-progress  no progress bar\n"
      "      --max-memory B refuse runs that would need more than B bytes (K, M, G suffixes;\n"
      "                     default half the physical memory); they are recorded as errors\n"
      "  -h, --help         this text\n");
}

typedef struct {
  const char *ini, *out;
  int resume, progress;
  size_t jobs, budget;
  const char *command_line; /* as typed: getopt reorders argv */
} sweep_options;

/* SIGINT or SIGTERM during a sweep: the handler only notes it; the engine finishes recording
 * the runs in hand and returns; the command says how to resume and exits 130 or 143. */
static volatile sig_atomic_t stop_signal = 0;

static void on_stop_signal(int sig) { stop_signal = sig; }

static void catch_stop_signals(int on) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on ? on_stop_signal : SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART: a waiting select() returns at once */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

/* After each recorded run: a failed run's reason, and the progress bar. */
static void on_run(void *ctx, size_t i, const uat_sweep_row *row, size_t done, size_t total) {
  (void)total;
  if (row->message[0]) fprintf(stderr, "\nuat sweep: run %zu: %s\n", i, row->message);
  uat_progress_update(ctx, done);
}

/* "uat sweep ARGS..." for meta.json into buf (cut at len), arguments with blanks or quotes in
 * single quotes. */
static void command_line(int argc, char **argv, char *buf, size_t len) {
  size_t k = (size_t)snprintf(buf, len, "uat");
  for (int i = 0; i < argc && k + 1 < len; i++) {
    const int quote = argv[i][0] == '\0' || strpbrk(argv[i], " \t'\"\\$*?") != NULL;
    buf[k++] = ' ';
    if (quote && k + 1 < len) buf[k++] = '\'';
    for (const char *p = argv[i]; *p && k + 5 < len; p++) {
      if (*p == '\'') {
        memcpy(buf + k, "'\\''", 4);
        k += 4;
      } else {
        buf[k++] = *p;
      }
    }
    if (quote && k + 1 < len) buf[k++] = '\'';
    buf[k] = '\0';
  }
}

/* Under mpirun (the launcher's environment says so), the rank and the number of ranks. */
static int mpi_launched(void) {
  return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}

#if UAT_HAVE_MPI
/* A rank other than 0: attach to the sweep rank 0 opened, run the cells it hands out. */
static int mpi_worker(const uat_experiment *e, const char *ini, const char *dir, size_t budget,
                      int rank) {
  uat_sweep *s = NULL;
  uat_error err;
  int rc = uat_sweep_attach(e, ini, dir, &s, &err);
  if (rc == UAT_OK) {
    uat_sweep_set_max_memory(s, budget);
    rc = uat_sweep_execute_mpi(s, MPI_COMM_WORLD, NULL, &err);
  }
  if (rc != UAT_OK) fprintf(stderr, "uat sweep (rank %d): %s\n", rank, err.msg);
  uat_sweep_free(s);
  return rc == UAT_OK ? UAT_EXIT_OK : UAT_EXIT_FAIL;
}
#endif

static int sweep(const sweep_options *o) {
  static uat_experiment e;
  uat_error err;
  int rank = 0, ranks = 0;
#if UAT_HAVE_MPI
  if (mpi_launched()) {
    MPI_Init(NULL, NULL);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  }
#else
  if (mpi_launched())
    fprintf(stderr, "uat sweep: warning: this uat is built without MPI: every rank runs the "
                    "whole sweep (rebuild with libopenmpi-dev installed)\n");
#endif
  const int loaded = uat_experiment_load(o->ini, &e, &err);
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", o->out ? o->out : "");
  if (loaded == UAT_OK && o->out == NULL) snprintf(dir, sizeof dir, "results/%s", e.name);
  uat_sweep *s = NULL;
  int opened =
      loaded == UAT_OK && rank == 0 ? uat_sweep_open(&e, o->ini, dir, o->resume, &s, &err) : loaded;
#if UAT_HAVE_MPI
  if (ranks > 1) { /* every rank learns whether rank 0 could open the folder */
    MPI_Bcast(&opened, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (opened == UAT_OK && rank > 0) {
      const int rc = mpi_worker(&e, o->ini, dir, o->budget, rank);
      MPI_Finalize();
      return rc;
    }
  }
#endif
  if (opened != UAT_OK) {
    if (rank == 0) uat_cli_error("sweep", "%s", err.msg);
#if UAT_HAVE_MPI
    if (ranks > 0) MPI_Finalize();
#endif
    return UAT_EXIT_FAIL;
  }
  uat_sweep_set_max_memory(s, o->budget);
  const size_t n = uat_sweep_runs(s);
  uat_progress bar;
  uat_progress_start(&bar, e.name, n, o->progress);
  uat_progress_update(&bar, uat_sweep_done(s));
  const double t0 = uat_seconds();
  const uat_sweep_exec_params xp = {o->jobs, on_run, &bar, &stop_signal};
  catch_stop_signals(1);
#if UAT_HAVE_MPI
  const int run_rc = ranks > 1 ? uat_sweep_execute_mpi(s, MPI_COMM_WORLD, &xp, &err)
                               : uat_sweep_execute(s, &xp, &err);
#else
  const int run_rc = uat_sweep_execute(s, &xp, &err);
#endif
  catch_stop_signals(0);
  uat_progress_end(&bar);
  if (run_rc != UAT_OK) {
    if (stop_signal)
      fprintf(stderr,
              "uat sweep: %s after %zu of %zu runs (each finished run is in %s/runs.csv); "
              "continue with: uat sweep %s -o %s --resume\n",
              stop_signal == SIGINT ? "interrupted" : "terminated", uat_sweep_done(s), n, dir,
              o->ini, dir);
    else
      uat_cli_error("sweep", "%s", err.msg);
    uat_sweep_free(s);
#if UAT_HAVE_MPI
    if (ranks > 0) MPI_Finalize();
#endif
    return stop_signal ? 128 + stop_signal : UAT_EXIT_FAIL;
  }
  const uat_sweep_provenance prov = {o->command_line, uat_seconds() - t0, ranks};
  uat_error warn;
  const int rc = uat_sweep_finish(s, &prov, &warn, &err);
  if (warn.status != UAT_OK) fprintf(stderr, "uat sweep: warning: %s\n", warn.msg);
  if (rc != UAT_OK) uat_cli_error("sweep", "%s", err.msg);
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) bad += strcmp(uat_sweep_row_get(s, i)->status, "ok") != 0;
  printf("%s: %zu runs (%zu not ok) in %s: runs.csv, summary.md, summary.tex, scaling.csv, "
         "plots, meta.json\n",
         e.name, n, bad, dir);
  uat_sweep_free(s);
#if UAT_HAVE_MPI
  if (ranks > 0) MPI_Finalize();
#endif
  return rc == UAT_OK ? UAT_EXIT_OK : UAT_EXIT_FAIL;
}

int uat_cmd_sweep(int argc, char **argv) {
  static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                       {"resume", no_argument, NULL, 'r'},
                                       {"no-progress", no_argument, NULL, 'n'},
                                       {"jobs", required_argument, NULL, 'j'},
                                       {"max-memory", required_argument, NULL, 'm'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *out = NULL;
  int resume = 0, progress = 1, c;
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  size_t jobs = cpus > 0 ? (size_t)cpus : 1;
  size_t budget = uat_default_memory_budget();
  static char cmdline[8192];
  command_line(argc, argv, cmdline, sizeof cmdline); /* before getopt reorders argv */
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "o:j:h", opts, NULL)) != -1) {
    switch (c) {
    case 'o': out = optarg; break;
    case 'm':
      if (uat_parse_bytes(optarg ? optarg : "", &budget) != 0 || budget == 0) {
        uat_cli_error("sweep", "--max-memory: expected bytes (K, M, G suffixes), found '%s'",
                      optarg ? optarg : "");
        return UAT_EXIT_USAGE;
      }
      break;
    case 'j':
      if (uat_parse_size(optarg ? optarg : "", &jobs) != 0 || jobs == 0 || jobs > 64) {
        uat_cli_error("sweep", "--jobs: expected 1 to 64, found '%s'", optarg ? optarg : "");
        return UAT_EXIT_USAGE;
      }
      break;
    case 'r': resume = 1; break;
    case 'n': progress = 0; break;
    case 'h': help(stdout); return UAT_EXIT_OK;
    default: uat_cli_bad_option("sweep", argv, optind, opts); return UAT_EXIT_USAGE;
    }
  }
  if (optind != argc - 1) {
    uat_cli_error("sweep", "expected one EXPERIMENT.ini (try --help)");
    return UAT_EXIT_USAGE;
  }
  const sweep_options so = {argv[optind], out, resume, progress, jobs, budget, cmdline};
  return sweep(&so);
}
