/* expr.c — expression trees: the operator table, parsing, copying, comparing, printing. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_internal.h"

/* One row per operator: its name as written, its arity (0 for leaves), and its precedence
 * when printed (higher binds tighter). */
const uat_expr_opinfo uat_expr_ops[UAT_EXPR_COUNT] = {
    [UAT_EXPR_NUM] = {"number", 0, 6},      [UAT_EXPR_CONST] = {"constant", 0, 6},
    [UAT_EXPR_VAR] = {"variable", 0, 6},    [UAT_EXPR_ADD] = {"+", 2, 1},
    [UAT_EXPR_SUB] = {"-", 2, 1},           [UAT_EXPR_MUL] = {"*", 2, 2},
    [UAT_EXPR_DIV] = {"/", 2, 2},           [UAT_EXPR_POW] = {"^", 2, 4},
    [UAT_EXPR_NEG] = {"-", 1, 3},           [UAT_EXPR_SIN] = {"sin", 1, 6},
    [UAT_EXPR_COS] = {"cos", 1, 6},         [UAT_EXPR_TAN] = {"tan", 1, 6},
    [UAT_EXPR_EXP] = {"exp", 1, 6},         [UAT_EXPR_LOG] = {"log", 1, 6},
    [UAT_EXPR_SQRT] = {"sqrt", 1, 6},       [UAT_EXPR_ABS] = {"abs", 1, 6},
    [UAT_EXPR_TANH] = {"tanh", 1, 6},       [UAT_EXPR_SINH] = {"sinh", 1, 6},
    [UAT_EXPR_COSH] = {"cosh", 1, 6},       [UAT_EXPR_ATAN] = {"atan", 1, 6},
    [UAT_EXPR_SIGMOID] = {"sigmoid", 1, 6}, [UAT_EXPR_RELU] = {"relu", 1, 6},
    [UAT_EXPR_STEP] = {"step", 1, 6},       [UAT_EXPR_SIGN] = {"sign", 1, 6},
    [UAT_EXPR_MIN] = {"min", 2, 6},         [UAT_EXPR_MAX] = {"max", 2, 6},
};

const char *uat_expr_op_name(uat_expr_op op) {
  return (op >= 0 && op < UAT_EXPR_COUNT) ? uat_expr_ops[op].name : "unknown";
}

int uat_expr_is_function(uat_expr_op op) { return op >= UAT_EXPR_SIN && op < UAT_EXPR_COUNT; }

/* ---- construction ------------------------------------------------------------------------- */
uat_expr *uat_expr_node(uat_expr_op op, uat_expr *a, uat_expr *b) {
  uat_expr *e = calloc(1, sizeof *e);
  if (e == NULL) {
    uat_expr_free(a);
    uat_expr_free(b);
    return NULL;
  }
  e->op = op;
  e->a = a;
  e->b = b;
  /* A failed child allocation makes the parent fail too, so errors propagate up a build. */
  if ((uat_expr_ops[op].arity >= 1 && a == NULL) || (uat_expr_ops[op].arity == 2 && b == NULL)) {
    uat_expr_free(e);
    return NULL;
  }
  return e;
}

uat_expr *uat_expr_num(double v) {
  uat_expr *e = calloc(1, sizeof *e);
  if (e == NULL) return NULL;
  e->op = UAT_EXPR_NUM;
  e->value = v;
  return e;
}

uat_expr *uat_expr_var(const char *name, size_t len) {
  uat_expr *e = calloc(1, sizeof *e);
  if (e == NULL) return NULL;
  e->op = UAT_EXPR_VAR;
  e->name = malloc(len + 1);
  if (e->name == NULL) {
    free(e);
    return NULL;
  }
  memcpy(e->name, name, len);
  e->name[len] = '\0';
  return e;
}

static int lookup_function(const char *name, size_t len);

uat_expr *uat_expr_number(double v) { return isfinite(v) ? uat_expr_num(v) : NULL; }

uat_expr *uat_expr_variable(const char *name) {
  const size_t len = name ? strlen(name) : 0;
  if (len == 0 || len > 64 || isdigit((unsigned char)name[0])) return NULL;
  for (size_t i = 0; i < len; i++)
    if (!isalnum((unsigned char)name[i]) && name[i] != '_') return NULL;
  if (lookup_function(name, len) >= 0 || strcmp(name, "pi") == 0 || strcmp(name, "e") == 0)
    return NULL;
  return uat_expr_var(name, len);
}

uat_expr *uat_expr_constant(const char *name) {
  const int pi = name && strcmp(name, "pi") == 0, e = name && strcmp(name, "e") == 0;
  if (!pi && !e) return NULL;
  uat_expr *c = uat_expr_var(name, strlen(name));
  if (c) {
    c->op = UAT_EXPR_CONST;
    c->value = pi ? 3.14159265358979323846 : 2.71828182845904523536;
  }
  return c;
}

uat_expr *uat_expr_unary(uat_expr_op op, uat_expr *a) {
  if (op < 0 || op >= UAT_EXPR_COUNT || uat_expr_ops[op].arity != 1) {
    uat_expr_free(a);
    return NULL;
  }
  return uat_expr_node(op, a, NULL);
}

uat_expr *uat_expr_binary(uat_expr_op op, uat_expr *a, uat_expr *b) {
  if (op < 0 || op >= UAT_EXPR_COUNT || uat_expr_ops[op].arity != 2) {
    uat_expr_free(a);
    uat_expr_free(b);
    return NULL;
  }
  return uat_expr_node(op, a, b);
}

void uat_expr_free(uat_expr *e) {
  if (e == NULL) return;
  uat_expr_free(e->a);
  uat_expr_free(e->b);
  free(e->name);
  free(e);
}

uat_expr *uat_expr_copy(const uat_expr *e) {
  if (e == NULL) return NULL;
  uat_expr *c = calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  *c = *e;
  c->a = c->b = NULL;
  c->name = NULL;
  if (e->name) {
    const size_t len = strlen(e->name);
    c->name = malloc(len + 1);
    if (c->name == NULL) {
      free(c);
      return NULL;
    }
    memcpy(c->name, e->name, len + 1);
  }
  if ((e->a && (c->a = uat_expr_copy(e->a)) == NULL) ||
      (e->b && (c->b = uat_expr_copy(e->b)) == NULL)) {
    uat_expr_free(c);
    return NULL;
  }
  return c;
}

int uat_expr_equal(const uat_expr *a, const uat_expr *b) {
  if (a == NULL || b == NULL) return a == b;
  if (a->op != b->op) return 0;
  switch (a->op) {
  case UAT_EXPR_NUM: return a->value == b->value && signbit(a->value) == signbit(b->value);
  case UAT_EXPR_CONST:
  case UAT_EXPR_VAR: return strcmp(a->name, b->name) == 0;
  default: return uat_expr_equal(a->a, b->a) && uat_expr_equal(a->b, b->b);
  }
}

int uat_expr_depends(const uat_expr *e, const char *name) {
  if (e == NULL) return 0;
  if (e->op == UAT_EXPR_VAR) return strcmp(e->name, name) == 0;
  return uat_expr_depends(e->a, name) || uat_expr_depends(e->b, name);
}

size_t uat_expr_size(const uat_expr *e) {
  return e == NULL ? 0 : 1 + uat_expr_size(e->a) + uat_expr_size(e->b);
}

/* 1 if a variable named name occurs before node in left-to-right order (found: node reached);
 * for counting beyond the caller's buffer, where the names seen cannot be compared. */
static int seen_before(const uat_expr *e, const uat_expr *node, const char *name, int *reached) {
  if (e == NULL || *reached) return 0;
  if (e == node) {
    *reached = 1;
    return 0;
  }
  if (e->op == UAT_EXPR_VAR) return strcmp(e->name, name) == 0;
  return seen_before(e->a, node, name, reached) || seen_before(e->b, node, name, reached);
}

static size_t collect_vars(const uat_expr *root, const uat_expr *e, const char **names, size_t max,
                           size_t n) {
  if (e == NULL) return n;
  if (e->op == UAT_EXPR_VAR) {
    int reached = 0;
    if (n > max) { /* some names are not in the buffer: look back in the tree instead */
      if (seen_before(root, e, e->name, &reached)) return n;
    } else {
      for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], e->name) == 0) return n;
    }
    if (n < max) names[n] = e->name;
    return n + 1;
  }
  return collect_vars(root, e->b, names, max, collect_vars(root, e->a, names, max, n));
}

size_t uat_expr_variables(const uat_expr *e, const char **names, size_t max) {
  return collect_vars(e, e, names, max, 0);
}

/* ---- parsing ------------------------------------------------------------------------------ */
typedef struct {
  const char *s;
  size_t pos;
  int depth;
  uat_error *err;
  int failed;
} parser;

static uat_expr *parse_expr(parser *p);

static void skip_space(parser *p) {
  while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t') p->pos++;
}

static uat_expr *fail_at(parser *p, size_t pos, const char *fmt, ...) {
  if (!p->failed) {
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    uat_error_set(p->err, UAT_EFORMAT, "1:%zu: %s", pos + 1, what);
    p->failed = 1;
  }
  return NULL;
}

/* What stands at the current position, for messages. */
static const char *found(const parser *p, char *buf, size_t len) {
  const char c = p->s[p->pos];
  if (c == '\0') return "end of input";
  snprintf(buf, len, "'%c'", c);
  return buf;
}

static uat_expr *parse_number(parser *p) {
  const size_t start = p->pos;
  char *end;
  errno = 0;
  const double v = strtod(p->s + start, &end);
  /* strtod also reads "inf", "nan" and hexadecimal; the grammar has decimal numbers only. */
  for (const char *c = p->s + start; c < end; c++)
    if (!isdigit((unsigned char)*c) && *c != '.' && *c != 'e' && *c != 'E' && *c != '+' &&
        *c != '-')
      return fail_at(p, start, "expected a decimal number");
  if (errno == ERANGE && fabs(v) > 1.0) return fail_at(p, start, "expected a number within range");
  p->pos = (size_t)(end - p->s);
  uat_expr *e = uat_expr_num(v);
  if (e) e->col = (int)start + 1;
  return e;
}

static int lookup_function(const char *name, size_t len) {
  for (int op = UAT_EXPR_SIN; op < UAT_EXPR_COUNT; op++)
    if (strlen(uat_expr_ops[op].name) == len && strncmp(uat_expr_ops[op].name, name, len) == 0)
      return op;
  return -1;
}

static uat_expr *parse_call(parser *p, int op, size_t name_start) {
  const char *fname = uat_expr_ops[op].name;
  p->pos++; /* '(' */
  uat_expr *a = parse_expr(p), *b = NULL;
  if (a == NULL) return NULL;
  skip_space(p);
  if (uat_expr_ops[op].arity == 2) {
    if (p->s[p->pos] != ',') {
      uat_expr_free(a);
      return fail_at(p, p->pos, "expected ',' and a second argument of %s", fname);
    }
    p->pos++;
    b = parse_expr(p);
    if (b == NULL) {
      uat_expr_free(a);
      return NULL;
    }
    skip_space(p);
  }
  if (p->s[p->pos] != ')') {
    uat_expr_free(a);
    uat_expr_free(b);
    if (p->s[p->pos] == ',')
      return fail_at(p, p->pos, "expected ')': %s takes %d argument%s", fname,
                     uat_expr_ops[op].arity, uat_expr_ops[op].arity == 1 ? "" : "s");
    return fail_at(p, p->pos, "expected ')' after argument%s of %s",
                   uat_expr_ops[op].arity == 1 ? "" : "s", fname);
  }
  p->pos++;
  uat_expr *e = uat_expr_node((uat_expr_op)op, a, b);
  if (e) e->col = (int)name_start + 1;
  return e;
}

static uat_expr *parse_name(parser *p) {
  const size_t start = p->pos;
  while (isalnum((unsigned char)p->s[p->pos]) || p->s[p->pos] == '_') p->pos++;
  const char *name = p->s + start;
  const size_t len = p->pos - start;
  skip_space(p);
  if (p->s[p->pos] == '(') {
    const int op = lookup_function(name, len);
    if (op < 0)
      return fail_at(p, start, "expected a known function (docs/symbolic.md), found '%.*s'",
                     (int)len, name);
    return parse_call(p, op, start);
  }
  if (lookup_function(name, len) >= 0)
    return fail_at(p, p->pos, "expected '(' after function %.*s", (int)len, name);
  uat_expr *e;
  if ((len == 2 && strncmp(name, "pi", 2) == 0) || (len == 1 && name[0] == 'e')) {
    e = uat_expr_var(name, len);
    if (e) {
      e->op = UAT_EXPR_CONST;
      e->value = len == 2 ? 3.14159265358979323846 : 2.71828182845904523536;
    }
  } else {
    e = uat_expr_var(name, len);
  }
  if (e) e->col = (int)start + 1;
  return e;
}

static uat_expr *parse_primary(parser *p) {
  skip_space(p);
  const char c = p->s[p->pos];
  if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)p->s[p->pos + 1])))
    return parse_number(p);
  if (isalpha((unsigned char)c) || c == '_') return parse_name(p);
  if (c == '(') {
    const size_t open = p->pos++;
    uat_expr *e = parse_expr(p);
    if (e == NULL) return NULL;
    skip_space(p);
    if (p->s[p->pos] != ')') {
      uat_expr_free(e);
      return fail_at(p, p->pos, "expected ')' to close the '(' at column %zu", open + 1);
    }
    p->pos++;
    return e;
  }
  char buf[8];
  return fail_at(p, p->pos, "expected a number, a name or '(', found %s",
                 found(p, buf, sizeof buf));
}

static uat_expr *parse_unary(parser *p);

static uat_expr *parse_power(parser *p) {
  uat_expr *base = parse_primary(p);
  if (base == NULL) return NULL;
  skip_space(p);
  if (p->s[p->pos] != '^') return base;
  const size_t at = p->pos++;
  uat_expr *ex = parse_unary(p);
  if (ex == NULL) {
    uat_expr_free(base);
    return NULL;
  }
  uat_expr *e = uat_expr_node(UAT_EXPR_POW, base, ex);
  if (e) e->col = (int)at + 1;
  return e;
}

static uat_expr *parse_unary(parser *p) {
  skip_space(p);
  if (++p->depth > UAT_EXPR_MAX_DEPTH)
    return fail_at(p, p->pos, "nesting at most %d deep", UAT_EXPR_MAX_DEPTH);
  uat_expr *e;
  if (p->s[p->pos] == '-') {
    const size_t at = p->pos++;
    uat_expr *a = parse_unary(p);
    e = a ? uat_expr_node(UAT_EXPR_NEG, a, NULL) : NULL;
    if (e) e->col = (int)at + 1;
  } else if (p->s[p->pos] == '+') { /* unary plus is accepted and dropped */
    p->pos++;
    e = parse_unary(p);
  } else {
    e = parse_power(p);
  }
  p->depth--;
  return e;
}

static uat_expr *parse_binary(parser *p, int level) {
  uat_expr *(*operand)(parser *) = level == 1 ? NULL : parse_unary;
  uat_expr *lhs = level == 1 ? parse_binary(p, 2) : operand(p);
  while (lhs != NULL) {
    skip_space(p);
    const char c = p->s[p->pos];
    uat_expr_op op;
    if (level == 1 && (c == '+' || c == '-'))
      op = c == '+' ? UAT_EXPR_ADD : UAT_EXPR_SUB;
    else if (level == 2 && (c == '*' || c == '/'))
      op = c == '*' ? UAT_EXPR_MUL : UAT_EXPR_DIV;
    else
      break;
    const size_t at = p->pos++;
    uat_expr *rhs = level == 1 ? parse_binary(p, 2) : operand(p);
    if (rhs == NULL) {
      uat_expr_free(lhs);
      return NULL;
    }
    lhs = uat_expr_node(op, lhs, rhs);
    if (lhs) lhs->col = (int)at + 1;
  }
  return lhs;
}

static uat_expr *parse_expr(parser *p) {
  if (++p->depth > UAT_EXPR_MAX_DEPTH) {
    p->depth--;
    return fail_at(p, p->pos, "nesting at most %d deep", UAT_EXPR_MAX_DEPTH);
  }
  uat_expr *e = parse_binary(p, 1);
  p->depth--;
  return e;
}

int uat_expr_parse(const char *text, uat_expr **out, uat_error *err) {
  *out = NULL;
  if (text == NULL) return uat_error_set(err, UAT_EINVAL, "no expression");
  const size_t len = strlen(text);
  if (len > UAT_EXPR_MAX_LENGTH)
    return uat_error_set(err, UAT_EFORMAT, "1:%d: expected at most %d characters",
                         UAT_EXPR_MAX_LENGTH + 1, UAT_EXPR_MAX_LENGTH);
  parser p = {text, 0, 0, err, 0};
  uat_expr *e = parse_expr(&p);
  if (e != NULL) {
    skip_space(&p);
    if (p.s[p.pos] != '\0') {
      char buf[8];
      fail_at(&p, p.pos, "expected an operator or the end, found %s", found(&p, buf, sizeof buf));
      uat_expr_free(e);
      e = NULL;
    }
  }
  if (e == NULL) {
    if (!p.failed) uat_error_set(err, UAT_ENOMEM, "out of memory");
    return p.failed ? UAT_EFORMAT : UAT_ENOMEM;
  }
  *out = e;
  return UAT_OK;
}

/* ---- printing ----------------------------------------------------------------------------- */
typedef struct {
  char *buf;
  size_t len; /* capacity */
  size_t pos; /* characters produced so far (may exceed len) */
} writer;

static void put(writer *w, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const size_t room = w->pos < w->len ? w->len - w->pos : 0;
  const int n = vsnprintf(room ? w->buf + w->pos : NULL, room, fmt, ap);
  va_end(ap);
  if (n > 0) w->pos += (size_t)n;
}

/* The fewest significant digits that read back to exactly v. */
void uat_expr_format_number(double v, char *buf, size_t len) {
  if (v == floor(v) && fabs(v) < 1e15) { /* 10, not 1e+01 */
    snprintf(buf, len, "%.0f", v);
    return;
  }
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, len, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) return;
  }
}

static int prec_of(const uat_expr *e) {
  if (e->op == UAT_EXPR_NUM && signbit(e->value)) return 3; /* prints with a leading '-' */
  return uat_expr_ops[e->op].prec;
}

static void print_node(writer *w, const uat_expr *e);

static void print_child(writer *w, const uat_expr *c, int paren) {
  if (paren) put(w, "(");
  print_node(w, c);
  if (paren) put(w, ")");
}

static void print_node(writer *w, const uat_expr *e) {
  char num[40];
  const int p = prec_of(e);
  switch (e->op) {
  case UAT_EXPR_NUM:
    uat_expr_format_number(e->value, num, sizeof num);
    put(w, "%s", num);
    return;
  case UAT_EXPR_CONST:
  case UAT_EXPR_VAR: put(w, "%s", e->name); return;
  case UAT_EXPR_NEG:
    /* -(a*b) prints as -a*b: that parses as (-a)*b, which has the same value bit for bit
     * because negation is exact; likewise for division. (As a right factor the whole
     * negation is bracketed, see below.) */
    put(w, "-");
    print_child(w, e->a, prec_of(e->a) < 2);
    return;
  case UAT_EXPR_POW:
    print_child(w, e->a, prec_of(e->a) <= 4);
    put(w, "^");
    print_child(w, e->b, prec_of(e->b) < 4);
    return;
  case UAT_EXPR_ADD:
  case UAT_EXPR_SUB:
  case UAT_EXPR_MUL:
  case UAT_EXPR_DIV: {
    /* Left-associative: the right operand is parenthesised at equal precedence too, so that
     * parsing the text gives back the same tree (floating point is not associative). */
    print_child(w, e->a, prec_of(e->a) < p);
    const int spaced = p == 1;
    put(w, spaced ? " %s " : "%s", uat_expr_ops[e->op].name);
    /* A negated compound right factor is bracketed: a*-b*c would parse as (a*-b)*c. */
    const int neg_compound = p == 2 && e->b->op == UAT_EXPR_NEG && e->b->a->a != NULL;
    print_child(w, e->b, prec_of(e->b) <= p || neg_compound);
    return;
  }
  default:
    put(w, "%s(", uat_expr_ops[e->op].name);
    print_node(w, e->a);
    if (e->b) {
      put(w, ", ");
      print_node(w, e->b);
    }
    put(w, ")");
    return;
  }
}

size_t uat_expr_print(const uat_expr *e, char *buf, size_t len) {
  writer w = {buf, len, 0};
  if (len > 0) buf[0] = '\0';
  print_node(&w, e);
  if (len > 0) buf[w.pos < len ? w.pos : len - 1] = '\0';
  return w.pos;
}

/* ---- LaTeX -------------------------------------------------------------------------------- */
static const char *const greek[] = {
    "alpha",  "beta",  "gamma", "delta", "epsilon", "zeta",  "eta",   "theta", "iota", "kappa",
    "lambda", "mu",    "nu",    "xi",    "rho",     "sigma", "tau",   "phi",   "chi",  "psi",
    "omega",  "Gamma", "Delta", "Theta", "Lambda",  "Xi",    "Sigma", "Phi",   "Psi",  "Omega"};

static void latex_name(writer *w, const char *name) {
  const char *us = strchr(name, '_');
  const size_t base = us ? (size_t)(us - name) : strlen(name);
  int done = 0;
  for (size_t i = 0; i < sizeof greek / sizeof greek[0] && !done; i++)
    if (strlen(greek[i]) == base && strncmp(greek[i], name, base) == 0) {
      put(w, "\\%s", greek[i]);
      done = 1;
    }
  if (!done) put(w, base == 1 ? "%.*s" : "\\mathrm{%.*s}", (int)base, name);
  if (us) put(w, "_{%s}", us + 1);
}

static void latex_node(writer *w, const uat_expr *e);

static void latex_child(writer *w, const uat_expr *c, int paren) {
  if (paren) put(w, "\\left(");
  latex_node(w, c);
  if (paren) put(w, "\\right)");
}

static void latex_number(writer *w, double v) {
  char num[40];
  uat_expr_format_number(v, num, sizeof num);
  char *ex = strchr(num, 'e');
  if (ex == NULL) {
    put(w, "%s", num);
    return;
  }
  *ex = '\0';
  const int power = atoi(ex + 1);
  if (strcmp(num, "1") == 0)
    put(w, "10^{%d}", power);
  else
    put(w, "%s \\times 10^{%d}", num, power);
}

static void latex_function(writer *w, const uat_expr *e) {
  switch (e->op) {
  case UAT_EXPR_SQRT:
    put(w, "\\sqrt{");
    latex_node(w, e->a);
    put(w, "}");
    return;
  case UAT_EXPR_ABS:
    put(w, "\\left|");
    latex_node(w, e->a);
    put(w, "\\right|");
    return;
  case UAT_EXPR_EXP:
    put(w, "e^{");
    latex_node(w, e->a);
    put(w, "}");
    return;
  case UAT_EXPR_SIN:
  case UAT_EXPR_COS:
  case UAT_EXPR_TAN:
  case UAT_EXPR_LOG:
  case UAT_EXPR_TANH:
  case UAT_EXPR_SINH:
  case UAT_EXPR_COSH:
  case UAT_EXPR_MIN:
  case UAT_EXPR_MAX:
    put(w, "\\%s\\left(", e->op == UAT_EXPR_LOG ? "ln" : uat_expr_ops[e->op].name);
    break;
  case UAT_EXPR_ATAN: put(w, "\\arctan\\left("); break;
  default: put(w, "\\operatorname{%s}\\left(", uat_expr_ops[e->op].name); break;
  }
  latex_node(w, e->a);
  if (e->b) {
    put(w, ", ");
    latex_node(w, e->b);
  }
  put(w, "\\right)");
}

static void latex_node(writer *w, const uat_expr *e) {
  const int p = prec_of(e);
  switch (e->op) {
  case UAT_EXPR_NUM: latex_number(w, e->value); return;
  case UAT_EXPR_CONST: put(w, e->name[0] == 'p' ? "\\pi" : "e"); return;
  case UAT_EXPR_VAR: latex_name(w, e->name); return;
  case UAT_EXPR_NEG:
    put(w, "-");
    latex_child(w, e->a, prec_of(e->a) < 2);
    return;
  case UAT_EXPR_POW:
    latex_child(w, e->a, prec_of(e->a) <= 4 || uat_expr_is_function(e->a->op));
    put(w, "^{");
    latex_node(w, e->b);
    put(w, "}");
    return;
  case UAT_EXPR_DIV:
    put(w, "\\frac{");
    latex_node(w, e->a);
    put(w, "}{");
    latex_node(w, e->b);
    put(w, "}");
    return;
  case UAT_EXPR_ADD:
  case UAT_EXPR_SUB:
  case UAT_EXPR_MUL: {
    /* Mathematics, not floating point: a + (b - c) and a (b c) need no brackets here; a
     * negative right operand and the subtrahend of a difference do. */
    const int negative = prec_of(e->b) == 3;
    const int paren =
        negative || prec_of(e->b) < p || (e->op == UAT_EXPR_SUB && prec_of(e->b) == p);
    latex_child(w, e->a, prec_of(e->a) < p);
    put(w, e->op == UAT_EXPR_MUL ? " \\cdot " : " %s ", uat_expr_ops[e->op].name);
    latex_child(w, e->b, paren);
    return;
  }
  default: latex_function(w, e); return;
  }
}

size_t uat_expr_latex(const uat_expr *e, char *buf, size_t len) {
  writer w = {buf, len, 0};
  if (len > 0) buf[0] = '\0';
  latex_node(&w, e);
  if (len > 0) buf[w.pos < len ? w.pos : len - 1] = '\0';
  return w.pos;
}
