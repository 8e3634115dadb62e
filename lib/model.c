/* model.c — model files: a versioned plain-text format (docs/formats.md).
 *
 *   uat-model 2
 *   target sin(x)                    provenance lines, each optional (version 2)
 *   domain x=-3.1415926535897931:3.1415926535897931
 *   trainer varpro
 *   seed 0
 *   uat 0.1.0 COMMIT
 *   sizes 2 2 1
 *   activations sigmoid identity
 *   params 9
 *   <9 lines, one parameter each, %.17g>
 *   end
 *
 * 17 significant digits make every double round-trip exactly through strtod. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "uat/io.h"
#include "uat/limits.h"

static const char *const info_keys[4] = {"target", "domain", "trainer", "uat"};

static char **info_field(uat_model_info *info, int k) {
  char **f[4] = {&info->target, &info->domain, &info->trainer, &info->uat};
  return f[k];
}

void uat_model_info_free(uat_model_info *info) {
  if (info == NULL) return;
  for (int k = 0; k < 4; k++) free(*info_field(info, k));
  memset(info, 0, sizeof *info);
}

int uat_mlp_write(FILE *fp, const uat_mlp *m) { return uat_mlp_write_info(fp, m, NULL); }

int uat_mlp_write_info(FILE *fp, const uat_mlp *m, const uat_model_info *info) {
  uat_model_info none;
  memset(&none, 0, sizeof none);
  uat_model_info *in = info ? (uat_model_info *)info : &none; /* read only */
  for (int k = 0; k < 4; k++) {
    const char *v = *info_field(in, k);
    if (v && (strpbrk(v, "\r\n") || v[0] == '\0')) return UAT_EINVAL;
  }
  fprintf(fp, "uat-model %d\n", UAT_MODEL_FORMAT_VERSION);
  for (int k = 0; k < 3; k++)
    if (*info_field(in, k)) fprintf(fp, "%s %s\n", info_keys[k], *info_field(in, k));
  if (in->has_seed) fprintf(fp, "seed %lu\n", in->seed);
  if (in->uat) fprintf(fp, "uat %s\n", in->uat);
  fprintf(fp, "sizes");
  for (size_t l = 0; l <= m->n_layers; l++) fprintf(fp, " %zu", m->sizes[l]);
  fprintf(fp, "\nactivations");
  for (size_t l = 0; l < m->n_layers; l++) fprintf(fp, " %s", uat_activation_name(m->act[l]));
  fprintf(fp, "\nparams %zu\n", m->n_params);
  for (size_t l = 0; l < m->n_layers; l++) {
    const size_t in = m->sizes[l], out = m->sizes[l + 1];
    fprintf(fp, "# layer %zu: weights %zux%zu row-major, then %zu biases\n", l + 1, out, in, out);
    const double *p = uat_mlp_weights(m, l);
    for (size_t i = 0; i < out * (in + 1); i++) fprintf(fp, "%.17g\n", p[i]);
  }
  fprintf(fp, "end\n");
  return ferror(fp) ? UAT_EIO : UAT_OK;
}

int uat_mlp_save(const char *path, const uat_mlp *m, uat_error *err) {
  return uat_mlp_save_info(path, m, NULL, err);
}

int uat_mlp_save_info(const char *path, const uat_mlp *m, const uat_model_info *info,
                      uat_error *err) {
  uat_atomic_file af;
  int st = uat_atomic_open(&af, path, err);
  if (st != UAT_OK) return st;
  if ((st = uat_mlp_write_info(af.fp, m, info)) != UAT_OK) {
    uat_atomic_abort(&af);
    if (st == UAT_EINVAL)
      return uat_error_set(err, UAT_EINVAL, "%s: a provenance field has a line break", path);
    uat_atomic_abort(&af);
    return uat_error_set(err, UAT_EIO, "%s: write failed", path);
  }
  return uat_atomic_commit(&af, err);
}

/* Parsing state: the header as read so far. */
typedef struct {
  uat_lines L;
  size_t n_sizes;
  size_t *sizes;       /* cap of them */
  uat_activation *act; /* cap - 1 */
  size_t cap;
  uat_model_info *info; /* provenance read (NULL: skipped) */
  uat_error *err;
} model_reader;

static int fail(model_reader *r, size_t col, const char *what) {
  return uat_error_set(r->err, UAT_EFORMAT, "%s:%zu:%zu: expected %s", r->L.path, r->L.line, col,
                       what);
}

/* Read the next significant line, which must start with keyword; *rest is the text after it. */
static int expect_line(model_reader *r, const char *keyword, char **line, size_t *pos) {
  if (!uat_lines_next(&r->L, line)) {
    r->L.line++;
    char what[80];
    snprintf(what, sizeof what, "'%s' (file ends early)", keyword);
    return fail(r, 1, what);
  }
  size_t len;
  *pos = 0;
  const char *tok = uat_token(*line, pos, &len);
  if (tok == NULL || len != strlen(keyword) || strncmp(tok, keyword, len) != 0) {
    char what[80];
    snprintf(what, sizeof what, "'%s'", keyword);
    return fail(r, tok ? (size_t)(tok - *line) + 1 : 1, what);
  }
  return UAT_OK;
}

static int end_of_line(model_reader *r, const char *line, size_t pos) {
  size_t len;
  const char *tok = uat_token(line, &pos, &len);
  return tok ? fail(r, (size_t)(tok - line) + 1, "end of line") : UAT_OK;
}

/* A provenance line "KEY rest of line" (version 2) into r->info. Returns 1 if line was one. */
static int read_info_line(model_reader *r, const char *line, const char *tok, size_t len,
                          size_t pos, int *st) {
  const char *rest = line + pos;
  while (*rest == ' ' || *rest == '\t') rest++;
  if (len == 4 && strncmp(tok, "seed", 4) == 0) {
    size_t p2 = pos, l2, seed;
    const char *v = uat_token(line, &p2, &l2);
    if (v == NULL || !uat_token_size(v, l2, &seed) || seed > ULONG_MAX)
      *st = fail(r, v ? (size_t)(v - line) + 1 : pos + 1, "a seed (integer)");
    else if ((*st = end_of_line(r, line, p2)) == UAT_OK && r->info) {
      r->info->seed = (unsigned long)seed;
      r->info->has_seed = 1;
    }
    return 1;
  }
  for (int k = 0; k < 4; k++) {
    if (len != strlen(info_keys[k]) || strncmp(tok, info_keys[k], len) != 0) continue;
    if (*rest == '\0') {
      *st = fail(r, pos + 1, "a value");
      return 1;
    }
    char **f = r->info ? info_field(r->info, k) : NULL;
    if (f != NULL) {
      free(*f);
      *f = malloc(strlen(rest) + 1);
      if (*f == NULL) {
        *st = uat_error_set(r->err, UAT_ENOMEM, "%s: out of memory", r->L.path);
        return 1;
      }
      strcpy(*f, rest);
    }
    *st = UAT_OK;
    return 1;
  }
  return 0;
}

/* The layer widths of a `sizes` line (after the keyword, at pos), as many as it has. */
static int read_sizes(model_reader *r, const char *line, size_t pos) {
  const char *tok;
  size_t len;
  r->n_sizes = 0;
  while ((tok = uat_token(line, &pos, &len)) != NULL) {
    size_t v;
    if (!uat_token_size(tok, len, &v) || v == 0 || v > UAT_MAX_WIDTH)
      return fail(r, (size_t)(tok - line) + 1, "a layer width (integer 1..16777216)");
    if (r->n_sizes == UAT_MAX_LAYERS + 1)
      return fail(r, (size_t)(tok - line) + 1, "at most 1025 sizes (1024 layers)");
    if (r->n_sizes == r->cap) {
      const size_t cap = r->cap ? 2 * r->cap : 16;
      size_t *sizes = realloc(r->sizes, cap * sizeof *sizes);
      if (sizes) r->sizes = sizes;
      uat_activation *act = realloc(r->act, cap * sizeof *act);
      if (act) r->act = act;
      if (!sizes || !act) return uat_error_set(r->err, UAT_ENOMEM, "%s: out of memory", r->L.path);
      r->cap = cap;
    }
    r->sizes[r->n_sizes++] = v;
  }
  if (r->n_sizes < 2) return fail(r, pos + 1, "at least two layer widths");
  return UAT_OK;
}

static int read_header(model_reader *r) {
  char *line;
  size_t pos, len;
  int st = expect_line(r, "uat-model", &line, &pos);
  if (st) return st;
  const char *tok = uat_token(line, &pos, &len);
  size_t version;
  if (!tok || !uat_token_size(tok, len, &version) || version < 1 ||
      version > UAT_MODEL_FORMAT_VERSION)
    return fail(r, tok ? (size_t)(tok - line) + 1 : pos + 1, "format version 1 or 2");
  if ((st = end_of_line(r, line, pos))) return st;
  /* version 2: provenance lines, then sizes */
  for (;;) {
    if (!uat_lines_next(&r->L, &line)) {
      r->L.line++;
      return fail(r, 1, "'sizes' (file ends early)");
    }
    pos = 0;
    tok = uat_token(line, &pos, &len);
    if (tok && len == 5 && strncmp(tok, "sizes", 5) == 0) break;
    if (version >= 2 && tok && read_info_line(r, line, tok, len, pos, &st)) {
      if (st) return st;
      continue;
    }
    return fail(r, tok ? (size_t)(tok - line) + 1 : 1,
                version >= 2 ? "'sizes' or a provenance line (target, domain, trainer, seed, uat)"
                             : "'sizes'");
  }
  if ((st = read_sizes(r, line, pos))) return st;

  if ((st = expect_line(r, "activations", &line, &pos))) return st;
  for (size_t l = 0; l + 1 < r->n_sizes; l++) {
    tok = uat_token(line, &pos, &len);
    char name[32];
    if (tok == NULL) return fail(r, pos + 1, "one activation per layer");
    snprintf(name, sizeof name, "%.*s", (int)(len < 31 ? len : 31), tok);
    if (uat_activation_parse(name, &r->act[l]) != UAT_OK)
      return fail(r, (size_t)(tok - line) + 1,
                  "an activation (identity, sigmoid, tanh, relu, softplus, sin, step)");
  }
  return end_of_line(r, line, pos);
}

static int read_params(model_reader *r, uat_mlp *m) {
  char *line;
  size_t pos, len;
  int st = expect_line(r, "params", &line, &pos);
  if (st) return st;
  const char *tok = uat_token(line, &pos, &len);
  size_t P;
  if (!tok || !uat_token_size(tok, len, &P) || P != m->n_params) {
    char what[96];
    snprintf(what, sizeof what, "parameter count %zu for these sizes", m->n_params);
    return fail(r, tok ? (size_t)(tok - line) + 1 : pos + 1, what);
  }
  if ((st = end_of_line(r, line, pos))) return st;
  for (size_t i = 0; i < P; i++) {
    if (!uat_lines_next(&r->L, &line)) {
      r->L.line++;
      char what[96];
      snprintf(what, sizeof what, "parameter %zu of %zu (file ends early)", i + 1, P);
      return fail(r, 1, what);
    }
    pos = 0;
    tok = uat_token(line, &pos, &len);
    double v;
    if (!tok || !uat_token_double(tok, len, &v) || !isfinite(v))
      return fail(r, tok ? (size_t)(tok - line) + 1 : 1, "a finite number");
    if ((st = end_of_line(r, line, pos))) return st;
    m->theta[i] = v;
  }
  if ((st = expect_line(r, "end", &line, &pos))) return st;
  if ((st = end_of_line(r, line, pos))) return st;
  /* nothing may follow 'end' (blank lines and comments aside): a file is one model */
  if (uat_lines_next(&r->L, &line)) return fail(r, 1, "nothing after 'end'");
  return UAT_OK;
}

int uat_mlp_load(const char *path, uat_mlp **out, uat_error *err) {
  return uat_mlp_load_info(path, out, NULL, err);
}

int uat_mlp_load_info(const char *path, uat_mlp **out, uat_model_info *info, uat_error *err) {
  *out = NULL;
  if (info) memset(info, 0, sizeof *info);
  model_reader r;
  memset(&r, 0, sizeof r);
  r.err = err;
  r.info = info;
  if (uat_lines_open(&r.L, path) != 0) return uat_error_set(err, UAT_EIO, "%s: cannot open", path);
  int st = read_header(&r);
  uat_mlp *m = NULL;
  if (st == UAT_OK) {
    m = uat_mlp_alloc(r.n_sizes, r.sizes, r.act);
    st = m ? read_params(&r, m) : uat_error_set(err, UAT_ENOMEM, "%s: out of memory", path);
  }
  uat_lines_close(&r.L);
  free(r.sizes);
  free(r.act);
  if (st != UAT_OK) {
    uat_mlp_free(m);
    uat_model_info_free(info);
    return st;
  }
  *out = m;
  return UAT_OK;
}
