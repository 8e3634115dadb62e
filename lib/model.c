/* model.c — model files: a versioned plain-text format (docs/formats.md).
 *
 *   uat-model 1
 *   sizes 2 2 1
 *   activations sigmoid identity
 *   params 9
 *   <9 lines, one parameter each, %.17g>
 *   end
 *
 * 17 significant digits make every double round-trip exactly through strtod. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "uat/io.h"

int uat_mlp_write(FILE *fp, const uat_mlp *m) {
  fprintf(fp, "uat-model %d\n", UAT_MODEL_FORMAT_VERSION);
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
  uat_atomic_file af;
  int st = uat_atomic_open(&af, path, err);
  if (st != UAT_OK) return st;
  if (uat_mlp_write(af.fp, m) != UAT_OK) {
    uat_atomic_abort(&af);
    return uat_error_set(err, UAT_EIO, "%s: write failed", path);
  }
  return uat_atomic_commit(&af, err);
}

#define MAX_SIZES 64

/* Parsing state: the header as read so far. */
typedef struct {
  uat_lines L;
  size_t n_sizes;
  size_t sizes[MAX_SIZES];
  uat_activation act[MAX_SIZES - 1];
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

static int read_header(model_reader *r) {
  char *line;
  size_t pos, len;
  int st = expect_line(r, "uat-model", &line, &pos);
  if (st) return st;
  const char *tok = uat_token(line, &pos, &len);
  size_t version;
  if (!tok || !uat_token_size(tok, len, &version) || version != UAT_MODEL_FORMAT_VERSION)
    return fail(r, tok ? (size_t)(tok - line) + 1 : pos + 1, "format version 1");
  if ((st = end_of_line(r, line, pos))) return st;

  if ((st = expect_line(r, "sizes", &line, &pos))) return st;
  r->n_sizes = 0;
  while ((tok = uat_token(line, &pos, &len)) != NULL) {
    size_t v;
    if (!uat_token_size(tok, len, &v) || v == 0 || v > 1000000)
      return fail(r, (size_t)(tok - line) + 1, "a layer width (integer 1..1000000)");
    if (r->n_sizes == MAX_SIZES) return fail(r, (size_t)(tok - line) + 1, "at most 64 sizes");
    r->sizes[r->n_sizes++] = v;
  }
  if (r->n_sizes < 2) return fail(r, pos + 1, "at least two layer widths");

  if ((st = expect_line(r, "activations", &line, &pos))) return st;
  for (size_t l = 0; l + 1 < r->n_sizes; l++) {
    tok = uat_token(line, &pos, &len);
    char name[32];
    if (tok == NULL) return fail(r, pos + 1, "one activation per layer");
    snprintf(name, sizeof name, "%.*s", (int)(len < 31 ? len : 31), tok);
    if (uat_activation_parse(name, &r->act[l]) != UAT_OK)
      return fail(r, (size_t)(tok - line) + 1,
                  "an activation (identity, sigmoid, tanh, relu, softplus, sin)");
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
  *out = NULL;
  model_reader r;
  r.err = err;
  if (uat_lines_open(&r.L, path) != 0) return uat_error_set(err, UAT_EIO, "%s: cannot open", path);
  int st = read_header(&r);
  uat_mlp *m = NULL;
  if (st == UAT_OK) {
    m = uat_mlp_alloc(r.n_sizes, r.sizes, r.act);
    st = m ? read_params(&r, m) : uat_error_set(err, UAT_ENOMEM, "%s: out of memory", path);
  }
  uat_lines_close(&r.L);
  if (st != UAT_OK) {
    uat_mlp_free(m);
    return st;
  }
  *out = m;
  return UAT_OK;
}
