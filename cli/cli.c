/* cli.c — helpers shared by the uat subcommands. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include "uat/plot.h"
#include "uat/trainers.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uat/gradcheck.h"
#include "uat/init.h"
#include "uat/io.h"
#include "uat/loss.h"
#include "uat/mlp.h"
#include "uat/target.h"
#include "uat/util.h"

#include <time.h>

void uat_cli_error(const char *cmd, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  /* library messages name their context ("fit: ..."): one prefix is enough */
  const size_t n = strlen(cmd);
  const char *text =
      strncmp(msg, cmd, n) == 0 && strncmp(msg + n, ": ", 2) == 0 ? msg + n + 2 : msg;
  fprintf(stderr, "uat %s: %s\n", cmd, text);
}
/* Edit distance (Levenshtein) of two short strings, capped at 99. */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b), row[64];
  if (la > 63 || lb > 63) return 99;
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      const size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
      row[j] = best < up + 1 ? (best < row[j - 1] + 1 ? best : row[j - 1] + 1)
                             : (up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1);
      diag = up;
    }
  }
  return row[lb];
}

void uat_cli_bad_option(const char *cmd, char **argv, int optind, const struct option *opts) {
  const char *arg = optind > 0 ? argv[optind - 1] : "";
  if (strncmp(arg, "--", 2) != 0) {
    uat_cli_error(cmd, "unknown option or missing value at '%s' (try uat %s --help)", arg, cmd);
    return;
  }
  char name[64];
  snprintf(name, sizeof name, "%s", arg + 2);
  name[strcspn(name, "=")] = '\0';
  const char *best = NULL;
  size_t dist = 99;
  for (const struct option *o = opts; o->name; o++) {
    if (strcmp(o->name, name) == 0) {
      uat_cli_error(cmd, "--%s needs a value (try uat %s --help)", name, cmd);
      return;
    }
    const size_t d = edit_distance(name, o->name);
    if (d < dist) {
      dist = d;
      best = o->name;
    }
  }
  if (best && dist <= 1 + strlen(name) / 3)
    uat_cli_error(cmd, "unknown option '--%s': did you mean --%s? (try uat %s --help)", name, best,
                  cmd);
  else
    uat_cli_error(cmd, "unknown option '--%s' (try uat %s --help)", name, cmd);
}

void uat_progress_start(uat_progress *p, const char *label, size_t total, int enabled) {
  p->enabled = enabled;
  p->tty = isatty(STDERR_FILENO);
  p->label = label;
  p->total = total;
  p->last = -1;
  p->t0 = uat_seconds();
}

void uat_progress_update(uat_progress *p, size_t done) {
  if (!p->enabled || p->total == 0) return;
  const int permille = (int)(1000.0 * (double)done / (double)p->total);
  if (permille == p->last) return;
  if (!p->tty) { /* a line at each tenth, for logs */
    if (permille / 100 != p->last / 100 || p->last < 0)
      fprintf(stderr, "%s: %zu of %zu runs (%d%%)\n", p->label, done, p->total, permille / 10);
    p->last = permille;
    return;
  }
  p->last = permille;
  const int width = 40, filled = permille * width / 1000;
  fprintf(stderr, "\r%-8s [", p->label);
  for (int i = 0; i < width; i++) fputc(i < filled ? '#' : '.', stderr);
  fprintf(stderr, "] %zu/%zu", done, p->total);
  if (done > 0 && done < p->total) {
    const double left = (uat_seconds() - p->t0) / (double)done * (double)(p->total - done);
    fprintf(stderr, " ETA %02d:%02d", (int)(left / 60), (int)left % 60);
  }
  fprintf(stderr, "\033[K");
  fflush(stderr);
}

void uat_progress_end(uat_progress *p) {
  if (p->enabled && p->tty) fprintf(stderr, "\r\033[K");
}

static const char *choice_name(uat_cli_choice which, int k) {
  switch (which) {
  case UAT_CLI_ACTIVATIONS: return uat_activation_name((uat_activation)k);
  case UAT_CLI_INITS: return uat_init_rule_name((uat_init_rule)k);
  case UAT_CLI_POINTS: return uat_points_name((uat_points)k);
  case UAT_CLI_LOSSES: return uat_loss_name((uat_loss)k);
  case UAT_CLI_FD: return uat_fd_method_name((uat_fd_method)k);
  }
  return "unknown";
}

const char *uat_cli_choices(uat_cli_choice which, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (int k = 0; k < 64; k++) {
    const char *name = choice_name(which, k);
    if (strcmp(name, "unknown") == 0) break;
    const int w = snprintf(buf + used, len - used, "%s%s", k ? ", " : "", name);
    if (w < 0 || (size_t)w >= len - used) break;
    used += (size_t)w;
  }
  return buf;
}

int uat_cli_bad_choice(const char *cmd, const char *flag, const char *value, uat_cli_choice which) {
  char list[512];
  uat_cli_error(cmd, "--%s: expected one of %s, found '%s'", flag,
                uat_cli_choices(which, list, sizeof list), value);
  return -1;
}

int uat_output_open(uat_output *o, const char *path, const char *cmd) {
  o->fp = stdout;
  o->atomic = NULL;
  if (path == NULL || strcmp(path, "-") == 0) return 0;
  uat_atomic_file *af = malloc(sizeof *af);
  uat_error err;
  if (af == NULL || uat_atomic_open(af, path, &err) != UAT_OK) {
    uat_cli_error(cmd, "%s", af ? err.msg : "out of memory");
    free(af);
    return -1;
  }
  o->atomic = af;
  o->fp = af->fp;
  return 0;
}

int uat_output_close(uat_output *o, int ok, const char *cmd) {
  uat_atomic_file *af = o->atomic;
  if (af == NULL) return fflush(stdout) == 0 ? 0 : -1;
  int rc = 0;
  uat_error err;
  if (!ok) {
    uat_atomic_abort(af);
  } else if (uat_atomic_commit(af, &err) != UAT_OK) {
    uat_cli_error(cmd, "%s", err.msg);
    rc = -1;
  }
  free(af);
  o->atomic = NULL;
  return rc;
}

void uat_cli_plot_base(const char *path, const char *suffix, char *base, size_t len) {
  const size_t n = strlen(path);
  const int png = n > 4 && strcmp(path + n - 4, ".png") == 0;
  snprintf(base, len, "%.*s%s", (int)(png ? n - 4 : n), path, suffix);
}

int uat_cli_plot_surface(const char *cmd, const char *png, const uat_mlp *m, const double *lo,
                         const double *hi, const uat_dataset *d, int logit,
                         const char *const *names, const char *title) {
  enum { N = 201 };
  const size_t NN = (size_t)N * N, out = uat_mlp_out(m), K = out > 1 ? out : 0;
  double *grid = malloc(NN * 2 * sizeof *grid), *y = malloc(NN * out * sizeof *y);
  double *value = malloc(NN * sizeof *value), *label = malloc((d->n + 1) * sizeof *label);
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, 1024);
  int rc = grid && y && value && label && w ? 0 : -1;
  for (size_t k = 0; rc == 0 && k < NN; k++) {
    const size_t i = k % N, j = k / N; /* x1 fastest, as uat_plot_surface reads them */
    grid[2 * k] = lo[0] + (hi[0] - lo[0]) * (double)i / (N - 1);
    grid[2 * k + 1] = lo[1] + (hi[1] - lo[1]) * (double)j / (N - 1);
  }
  if (rc == 0 && uat_mlp_predict(m, w, NN, grid, y) != 0) rc = -1;
  for (size_t k = 0; rc == 0 && k < NN; k++) {
    size_t best = 0;
    for (size_t o = 1; o < out; o++)
      if (y[k * out + o] > y[k * out + best]) best = o;
    value[k] = K ? (double)best : logit ? 1.0 / (1.0 + exp(-y[k])) : y[k];
  }
  for (size_t k = 0; rc == 0 && k < d->n; k++) { /* the class of a one-hot row, or the label */
    size_t best = 0;
    for (size_t o = 1; o < out; o++)
      if (d->y[k * out + o] > d->y[k * out + best]) best = o;
    label[k] = K ? (double)best : d->y[k] > 0.5;
  }
  if (rc != 0) uat_cli_error(cmd, "--plot: out of memory");
  uat_error err;
  const uat_plot_surface_labels labels = {
      names ? names[0] : NULL, names ? names[1] : NULL, NULL, title, K, names ? names + 2 : NULL};
  char base[1024];
  uat_cli_plot_base(png, "", base, sizeof base);
  const int st = rc == 0
                     ? uat_plot_surface(base, N, N, lo, hi, value, d->n, d->x, label, &labels, &err)
                     : UAT_ENOMEM;
  if (st == UAT_ENOTFOUND)
    fprintf(stderr, "uat %s: warning: %s\n", cmd, err.msg);
  else if (st != UAT_OK && rc == 0) {
    uat_cli_error(cmd, "%s", err.msg);
    rc = -1;
  }
  uat_mlp_workspace_free(w);
  free(grid);
  free(y);
  free(value);
  free(label);
  return rc;
}

int uat_cli_tune(const char *cmd, uat_fit_tuning *tuning, size_t n, const char *const *kv) {
  for (size_t k = 0; k < n; k++) {
    uat_error err;
    if (uat_fit_tuning_set_pair(tuning, kv[k], &err) != UAT_OK) {
      uat_cli_error(cmd, "--tune: %s", err.msg);
      return -1;
    }
  }
  return 0;
}

int uat_cli_parse_format(const char *cmd, const char *arg, int *fmt) {
  static const char *const names[3] = {"text", "csv", "md"};
  for (int k = 0; k < 3; k++)
    if (strcmp(arg, names[k]) == 0) {
      *fmt = k;
      return 0;
    }
  uat_cli_error(cmd, "--format: expected text, csv or md, found '%s'", arg);
  return -1;
}
