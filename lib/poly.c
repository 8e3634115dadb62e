/* poly.c — expressions as Laurent polynomials over their symbols (variables, constants and
 * non-polynomial atoms): expansion, substitution, time derivatives along a system and
 * equilibria in symbols (uat/poly.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_internal.h"
#include "uat/poly.h"

#define NSYM UAT_POLY_MAX_SYMBOLS

/* A term: coefficient times the product of symbol^exponent. Dense exponents keep the code
 * short; the symbol table is small by construction. */
typedef struct {
  double c;
  short e[NSYM];
} mono;

typedef struct {
  size_t n, cap;
  mono *t;
} poly;

/* The symbol table of one computation and its first error. */
typedef struct {
  size_t nv;
  uat_expr *key[NSYM];
  size_t work; /* term products so far: one expansion's budget is UAT_POLY_MAX_WORK */
  int status;
  char msg[160];
} ctx;

static int fail(ctx *c, int status, const char *msg) {
  if (c->status == UAT_OK) {
    c->status = status;
    snprintf(c->msg, sizeof c->msg, "%s", msg);
  }
  return -1;
}

static void ctx_free(ctx *c) {
  for (size_t i = 0; i < c->nv; i++) uat_expr_free(c->key[i]);
  c->nv = 0;
}

static void poly_free(poly *p) {
  free(p->t);
  p->t = NULL;
  p->n = p->cap = 0;
}

static int push(ctx *c, poly *p, const mono *m) {
  if (p->n == p->cap) {
    if (p->n >= UAT_POLY_MAX_TERMS)
      return fail(c, UAT_EDOMAIN, "expansion above 10000 terms (UAT_POLY_MAX_TERMS)");
    const size_t cap = p->cap ? 2 * p->cap : 4;
    mono *t = realloc(p->t, cap * sizeof *t);
    if (t == NULL) return fail(c, UAT_ENOMEM, "out of memory");
    p->t = t;
    p->cap = cap;
  }
  p->t[p->n++] = *m;
  return 0;
}

/* Descending lexicographic order of exponents: x^2 before x before 1 before 1/x. */
static int mono_cmp(const void *pa, const void *pb) {
  const mono *a = pa, *b = pb;
  for (size_t i = 0; i < NSYM; i++)
    if (a->e[i] != b->e[i]) return a->e[i] > b->e[i] ? -1 : 1;
  return 0;
}

/* Sort, add like terms, drop zeros. */
static void normalize(poly *p) {
  if (p->n > 1) qsort(p->t, p->n, sizeof *p->t, mono_cmp);
  size_t k = 0;
  for (size_t i = 0; i < p->n; i++) {
    if (k > 0 && mono_cmp(&p->t[k - 1], &p->t[i]) == 0)
      p->t[k - 1].c += p->t[i].c;
    else
      p->t[k++] = p->t[i];
  }
  size_t j = 0;
  for (size_t i = 0; i < k; i++)
    if (p->t[i].c != 0.0) p->t[j++] = p->t[i];
  p->n = j;
}

static int poly_const(ctx *c, double v, poly *out) {
  mono m;
  memset(&m, 0, sizeof m);
  m.c = v;
  *out = (poly){0};
  if (v != 0.0 && push(c, out, &m) != 0) return -1;
  return 0;
}

static int poly_sym(ctx *c, size_t i, int exponent, poly *out) {
  mono m;
  memset(&m, 0, sizeof m);
  m.c = 1.0;
  m.e[i] = (short)exponent;
  *out = (poly){0};
  return push(c, out, &m);
}

static int poly_copy(ctx *c, const poly *a, poly *out) {
  *out = (poly){0};
  for (size_t i = 0; i < a->n; i++)
    if (push(c, out, &a->t[i]) != 0) return -1;
  return 0;
}

/* out = a + s*b */
static int poly_add(ctx *c, const poly *a, const poly *b, double s, poly *out) {
  c->work += a->n + b->n;
  if (poly_copy(c, a, out) != 0) return -1;
  for (size_t i = 0; i < b->n; i++) {
    mono m = b->t[i];
    m.c *= s;
    if (push(c, out, &m) != 0) return -1;
  }
  normalize(out);
  return 0;
}

static int mono_mul(ctx *c, const mono *a, const mono *b, mono *out) {
  out->c = a->c * b->c;
  for (size_t i = 0; i < NSYM; i++) {
    const int e = a->e[i] + b->e[i];
    if (e > 30000 || e < -30000) return fail(c, UAT_EDOMAIN, "exponent out of range");
    out->e[i] = (short)e;
  }
  return 0;
}

static int poly_mul(ctx *c, const poly *a, const poly *b, poly *out) {
  *out = (poly){0};
  c->work += a->n * b->n; /* bounded work, not only bounded output: hostile input cannot stall */
  if (a->n * b->n > 4 * (size_t)UAT_POLY_MAX_TERMS || c->work > UAT_POLY_MAX_WORK)
    return fail(c, UAT_EDOMAIN, "expansion too large (UAT_POLY_MAX_TERMS, UAT_POLY_MAX_WORK)");
  for (size_t i = 0; i < a->n; i++)
    for (size_t j = 0; j < b->n; j++) {
      mono m;
      if (mono_mul(c, &a->t[i], &b->t[j], &m) != 0 || push(c, out, &m) != 0) return -1;
    }
  normalize(out);
  return 0;
}

static int poly_pow(ctx *c, const poly *a, int k, poly *out) {
  poly acc = {0};
  *out = (poly){0};
  if (poly_const(c, 1.0, &acc) != 0) return -1;
  for (int i = 0; i < k; i++) {
    poly t = {0};
    const int rc = poly_mul(c, &acc, a, &t);
    poly_free(&acc);
    acc = t;
    if (rc != 0) {
      poly_free(&acc);
      return -1;
    }
  }
  *out = acc;
  return 0;
}

static int is_constant(const poly *p, double *v) {
  if (p->n == 0) {
    *v = 0.0;
    return 1;
  }
  if (p->n > 1) return 0;
  for (size_t i = 0; i < NSYM; i++)
    if (p->t[0].e[i] != 0) return 0;
  *v = p->t[0].c;
  return 1;
}

/* Index of a symbol, added (a copy of key) when new; -1 when the table is full. */
static int sym_index(ctx *c, const uat_expr *key) {
  for (size_t i = 0; i < c->nv; i++)
    if (uat_expr_equal(c->key[i], key)) return (int)i;
  if (c->nv == NSYM) return fail(c, UAT_EDOMAIN, "more than 64 distinct symbols");
  c->key[c->nv] = uat_expr_copy(key);
  if (c->key[c->nv] == NULL) return fail(c, UAT_ENOMEM, "out of memory");
  return (int)c->nv++;
}

/* A symbol raised to a power, taking ownership of key (NULL: out of memory). */
static int poly_atom(ctx *c, uat_expr *key, int exponent, poly *out) {
  *out = (poly){0};
  if (key == NULL) return fail(c, UAT_ENOMEM, "out of memory");
  const int i = sym_index(c, key);
  uat_expr_free(key);
  return i < 0 ? -1 : poly_sym(c, (size_t)i, exponent, out);
}

static uat_expr *to_expr(ctx *c, const poly *p);

/* 1/p: a single term inverts; a sum becomes the atom (sum)^-1. */
static int poly_inv(ctx *c, const poly *p, poly *out) {
  *out = (poly){0};
  if (p->n == 0) return fail(c, UAT_EDOMAIN, "division by zero");
  if (p->n == 1) {
    mono m = p->t[0];
    m.c = 1.0 / m.c;
    for (size_t i = 0; i < NSYM; i++) m.e[i] = (short)-m.e[i];
    return push(c, out, &m);
  }
  return poly_atom(c, to_expr(c, p), -1, out);
}

static int from_expr(ctx *c, const uat_expr *e, poly *out);

/* An atom: the node with its arguments expanded, so that equal atoms are found equal. */
static int atom_of(ctx *c, const uat_expr *e, poly *out) {
  poly pa = {0}, pb = {0};
  *out = (poly){0};
  if (from_expr(c, e->a, &pa) != 0 || (e->b && from_expr(c, e->b, &pb) != 0)) {
    poly_free(&pa);
    poly_free(&pb);
    return -1;
  }
  uat_expr *a = to_expr(c, &pa), *b = e->b ? to_expr(c, &pb) : NULL;
  poly_free(&pa);
  poly_free(&pb);
  if (e->op == UAT_EXPR_SQRT && a && a->op == UAT_EXPR_NUM) {
    const double v = sqrt(a->value);
    if (v * v == a->value) {
      uat_expr_free(a);
      return poly_const(c, v, out); /* sqrt(4) = 2 exactly; sqrt(2) stays a symbol */
    }
  }
  if (e->b && b == NULL) {
    uat_expr_free(a);
    return fail(c, UAT_ENOMEM, "out of memory");
  }
  return poly_atom(c, uat_expr_node(e->op, a, b), 1, out);
}

/* sqrt(R)^k with |k| >= 2 is R^(k div 2) * sqrt(R)^(k mod 2): the square root obtained by
 * solving a quadratic squares back to its radicand. */
static int reduce_sqrt(ctx *c, poly *p) {
  int any = 0;
  for (size_t i = 0; i < p->n && !any; i++)
    for (size_t s = 0; s < c->nv; s++)
      if (c->key[s]->op == UAT_EXPR_SQRT && (p->t[i].e[s] >= 2 || p->t[i].e[s] <= -2)) any = 1;
  if (!any) return 0;
  poly sum = {0};
  for (size_t i = 0; i < p->n; i++) {
    poly term = {0};
    if (push(c, &term, &p->t[i]) != 0) goto fail;
    for (size_t s = 0; s < c->nv && term.n == 1; s++) {
      const int k = term.t[0].e[s];
      if (c->key[s]->op != UAT_EXPR_SQRT || (k < 2 && k > -2)) continue;
      const int q = k >= 0 ? k / 2 : -((-k + 1) / 2), r = k - 2 * q;
      poly R = {0}, Rq = {0}, Ri = {0}, t2 = {0};
      term.t[0].e[s] = (short)r;
      int rc = from_expr(c, c->key[s]->a, &R);
      if (rc == 0 && q < 0) {
        rc = poly_inv(c, &R, &Ri);
        if (rc == 0) rc = poly_pow(c, &Ri, -q, &Rq);
      } else if (rc == 0) {
        rc = poly_pow(c, &R, q, &Rq);
      }
      if (rc == 0) rc = poly_mul(c, &term, &Rq, &t2);
      poly_free(&R);
      poly_free(&Ri);
      poly_free(&Rq);
      poly_free(&term);
      term = t2;
      if (rc != 0) goto fail; /* a radicand that is a sum leaves several terms: reduced below */
    }
    poly acc;
    const int rc = poly_add(c, &sum, &term, 1.0, &acc);
    poly_free(&term);
    poly_free(&sum);
    sum = acc;
    if (rc != 0) goto fail;
  }
  poly_free(p);
  *p = sum;
  return reduce_sqrt(c, p);
fail:
  poly_free(&sum);
  return -1;
}

static int from_binary(ctx *c, const uat_expr *e, poly *out) {
  poly a = {0}, b = {0}, t = {0};
  int rc = from_expr(c, e->a, &a);
  if (rc == 0) rc = from_expr(c, e->b, &b);
  if (rc == 0) {
    switch (e->op) {
    case UAT_EXPR_ADD: rc = poly_add(c, &a, &b, 1.0, out); break;
    case UAT_EXPR_SUB: rc = poly_add(c, &a, &b, -1.0, out); break;
    case UAT_EXPR_MUL: rc = poly_mul(c, &a, &b, out); break;
    default: /* DIV */
      rc = poly_inv(c, &b, &t);
      if (rc == 0) rc = poly_mul(c, &a, &t, out);
      break;
    }
  }
  poly_free(&a);
  poly_free(&b);
  poly_free(&t);
  return rc != 0 ? -1 : reduce_sqrt(c, out);
}

/* An integer power within UAT_POLY_MAX_POWER is multiplied out; other powers are atoms (base
 * and exponent each expanded once: nested powers must not expand their exponents again). */
static int from_pow(ctx *c, const uat_expr *e, poly *out) {
  poly k = {0}, base = {0}, inv = {0};
  double v = 0.0;
  if (from_expr(c, e->b, &k) != 0) return -1;
  const int integer = is_constant(&k, &v) && v == floor(v) && fabs(v) <= UAT_POLY_MAX_POWER;
  int rc = from_expr(c, e->a, &base);
  if (rc == 0 && !integer) {
    uat_expr *a = to_expr(c, &base), *b = to_expr(c, &k);
    rc = a && b ? poly_atom(c, uat_expr_node(UAT_EXPR_POW, a, b), 1, out)
                : fail(c, UAT_ENOMEM, "out of memory");
    if (!(a && b)) {
      uat_expr_free(a);
      uat_expr_free(b);
    }
  } else if (rc == 0 && v < 0) {
    rc = poly_inv(c, &base, &inv);
    if (rc == 0) rc = poly_pow(c, &inv, (int)-v, out);
  } else if (rc == 0) {
    rc = poly_pow(c, &base, (int)v, out);
  }
  poly_free(&k);
  poly_free(&base);
  poly_free(&inv);
  return rc != 0 ? -1 : reduce_sqrt(c, out);
}

static int from_expr(ctx *c, const uat_expr *e, poly *out) {
  *out = (poly){0};
  if (c->status != UAT_OK) return -1;
  if (++c->work > UAT_POLY_MAX_WORK)
    return fail(c, UAT_EDOMAIN, "expansion too large (UAT_POLY_MAX_TERMS, UAT_POLY_MAX_WORK)");
  switch (e->op) {
  case UAT_EXPR_NUM: return poly_const(c, e->value, out);
  case UAT_EXPR_CONST:
  case UAT_EXPR_VAR: {
    const int i = sym_index(c, e);
    return i < 0 ? -1 : poly_sym(c, (size_t)i, 1, out);
  }
  case UAT_EXPR_NEG: {
    if (from_expr(c, e->a, out) != 0) return -1;
    for (size_t i = 0; i < out->n; i++) out->t[i].c = -out->t[i].c;
    return 0;
  }
  case UAT_EXPR_ADD:
  case UAT_EXPR_SUB:
  case UAT_EXPR_MUL:
  case UAT_EXPR_DIV: return from_binary(c, e, out);
  case UAT_EXPR_POW: return from_pow(c, e, out);
  default: return atom_of(c, e, out);
  }
}

/* ---- back to an expression ---------------------------------------------------------------- */

/* The product of the symbols with exponents of the given sign, after first (if any). */
static uat_expr *factors(const ctx *c, const mono *m, int sign, uat_expr *first) {
  uat_expr *r = first;
  for (size_t i = 0; i < c->nv; i++) {
    const int k = sign * m->e[i];
    if (k <= 0) continue;
    uat_expr *f = uat_expr_copy(c->key[i]);
    if (k > 1) f = uat_expr_node(UAT_EXPR_POW, f, uat_expr_num(k));
    r = r ? uat_expr_node(UAT_EXPR_MUL, r, f) : f;
    if (r == NULL) return NULL;
  }
  return r;
}

/* |c| * numerator / denominator of one term. */
static uat_expr *term_expr(const ctx *c, const mono *m) {
  const double a = fabs(m->c);
  uat_expr *num = factors(c, m, 1, a != 1.0 ? uat_expr_num(a) : NULL),
           *den = factors(c, m, -1, NULL);
  if (num == NULL) num = uat_expr_num(a);
  return den ? uat_expr_node(UAT_EXPR_DIV, num, den) : num;
}

static uat_expr *to_expr(ctx *c, const poly *p) {
  if (p->n == 0) return uat_expr_num(0.0);
  uat_expr *r = term_expr(c, &p->t[0]);
  if (p->t[0].c < 0) r = uat_expr_node(UAT_EXPR_NEG, r, NULL);
  for (size_t i = 1; i < p->n && r; i++)
    r = uat_expr_node(p->t[i].c < 0 ? UAT_EXPR_SUB : UAT_EXPR_ADD, r, term_expr(c, &p->t[i]));
  if (r == NULL) fail(c, UAT_ENOMEM, "out of memory");
  return r;
}

/* ---- public: expand, simplify, substitute, d/dt ------------------------------------------ */

static uat_expr *finish(ctx *c, uat_expr *r, uat_error *err) {
  if (c->status != UAT_OK) {
    uat_expr_free(r);
    r = NULL;
    uat_error_set(err, c->status, "%s", c->msg);
  } else if (r == NULL) {
    uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  ctx_free(c);
  return r;
}

uat_expr *uat_expr_expand(const uat_expr *e, uat_error *err) {
  if (e == NULL) {
    uat_error_set(err, UAT_EINVAL, "no expression");
    return NULL;
  }
  ctx c = {0};
  poly p = {0};
  uat_expr *r = NULL;
  if (from_expr(&c, e, &p) == 0) r = to_expr(&c, &p);
  poly_free(&p);
  return finish(&c, r, err);
}

uat_expr *uat_expr_simplify_full(const uat_expr *e, uat_error *err) {
  uat_expr *s = uat_expr_simplify(e);
  if (s == NULL) {
    uat_error_set(err, UAT_ENOMEM, "out of memory (or above %d nodes)", UAT_EXPR_MAX_NODES);
    return NULL;
  }
  uat_error ignored;
  uat_expr *x = uat_expr_expand(s, &ignored); /* over a limit: simplify's answer stands */
  if (x && uat_expr_size(x) < uat_expr_size(s)) {
    uat_expr_free(s);
    return x;
  }
  uat_expr_free(x);
  return s;
}

static uat_expr *replace(const uat_expr *e, size_t n, const char *const *names,
                         const uat_expr *const *values) {
  if (e->op == UAT_EXPR_VAR)
    for (size_t i = 0; i < n; i++)
      if (strcmp(e->name, names[i]) == 0) return uat_expr_copy(values[i]);
  if (e->a == NULL) return uat_expr_copy(e);
  uat_expr *a = replace(e->a, n, names, values);
  uat_expr *b = e->b ? replace(e->b, n, names, values) : NULL;
  if (e->b && b == NULL) {
    uat_expr_free(a);
    return NULL;
  }
  uat_expr *r = uat_expr_node(e->op, a, b);
  if (r) r->value = e->value;
  return r;
}

uat_expr *uat_expr_substitute(const uat_expr *e, size_t n, const char *const *names,
                              const uat_expr *const *values, uat_error *err) {
  uat_expr *r = e ? replace(e, n, names, values) : NULL;
  if (r == NULL) {
    uat_error_set(err, UAT_ENOMEM, "out of memory");
    return NULL;
  }
  uat_expr *s = uat_expr_simplify_full(r, err);
  uat_expr_free(r);
  return s;
}

uat_expr *uat_expr_time_derivative(const uat_expr *V, size_t n, const char *const *states,
                                   const uat_expr *const *rhs, uat_error *err) {
  uat_expr *sum = uat_expr_num(0.0);
  for (size_t i = 0; i < n && sum; i++) {
    uat_expr *d = uat_expr_diff(V, states[i]);
    sum = uat_expr_node(UAT_EXPR_ADD, sum, uat_expr_node(UAT_EXPR_MUL, d, uat_expr_copy(rhs[i])));
  }
  if (sum == NULL) {
    uat_error_set(err, UAT_ENOMEM, "out of memory");
    return NULL;
  }
  uat_expr *s = uat_expr_simplify_full(sum, err);
  uat_expr_free(sum);
  return s;
}

/* ---- equilibria ------------------------------------------------------------------------- */

#define MAXS 16

typedef struct {
  size_t neq;
  poly eq[MAXS];
  poly val[MAXS];
  unsigned char solved[MAXS];
} branch;

typedef struct {
  ctx c;
  size_t n;
  const char *const *states;
  size_t visits;
  uat_sym_equilibria *out;
} solver;

static void branch_free(branch *b) {
  for (size_t i = 0; i < MAXS; i++) {
    poly_free(&b->eq[i]);
    poly_free(&b->val[i]);
  }
}

static int branch_copy(solver *s, const branch *b, branch *out) {
  memset(out, 0, sizeof *out);
  out->neq = b->neq;
  memcpy(out->solved, b->solved, sizeof out->solved);
  for (size_t i = 0; i < MAXS; i++)
    if (poly_copy(&s->c, &b->eq[i], &out->eq[i]) != 0 ||
        poly_copy(&s->c, &b->val[i], &out->val[i]) != 0)
      return -1;
  return 0;
}

/* The state a symbol is (its index), or -1. */
static int state_of(const solver *s, size_t sym) {
  const uat_expr *k = s->c.key[sym];
  if (k->op != UAT_EXPR_VAR) return -1;
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(k->name, s->states[i]) == 0) return (int)i;
  return -1;
}

/* 1 if the symbol involves a state not yet solved (the state itself or an atom of it). */
static int sym_has_state(const solver *s, const branch *b, size_t sym) {
  for (size_t i = 0; i < s->n; i++)
    if (!b->solved[i] && uat_expr_depends(s->c.key[sym], s->states[i])) return 1;
  return 0;
}

static int term_free_of_states(const solver *s, const branch *b, const mono *m, size_t skip) {
  for (size_t k = 0; k < s->c.nv; k++)
    if (k != skip && m->e[k] != 0 && sym_has_state(s, b, k)) return 0;
  return 1;
}

static int poly_free_of_states(const solver *s, const branch *b, const poly *p) {
  for (size_t i = 0; i < p->n; i++)
    if (!term_free_of_states(s, b, &p->t[i], (size_t)-1)) return 0;
  return 1;
}

/* Replace state i by v in every equation and value of b. */
static int substitute_state(solver *s, branch *b, size_t i, const poly *v) {
  uat_expr *ve = to_expr(&s->c, v);
  if (ve == NULL) return -1;
  const char *name = s->states[i];
  const uat_expr *const vals[1] = {ve};
  int rc = 0;
  for (size_t k = 0; k < 2 * (size_t)MAXS && rc == 0; k++) {
    poly *p = k < MAXS ? &b->eq[k] : &b->val[k - MAXS];
    if (p->n == 0) continue;
    uat_expr *pe = to_expr(&s->c, p), *r = pe ? replace(pe, 1, &name, vals) : NULL;
    poly np = {0};
    rc = r && from_expr(&s->c, r, &np) == 0 ? 0 : fail(&s->c, UAT_ENOMEM, "out of memory");
    uat_expr_free(pe);
    uat_expr_free(r);
    poly_free(p);
    *p = np;
  }
  uat_expr_free(ve);
  return rc;
}

static int solve(solver *s, const branch *b);

/* Continue with state i set to v (b is consumed). */
static int assign(solver *s, branch *b, size_t i, const poly *v) {
  int rc = substitute_state(s, b, i, v);
  if (rc == 0) {
    poly_free(&b->val[i]);
    rc = poly_copy(&s->c, v, &b->val[i]);
    b->solved[i] = 1;
  }
  if (rc == 0) rc = solve(s, b);
  branch_free(b);
  return rc;
}

static int record(solver *s, const branch *b) {
  uat_sym_equilibria *q = s->out;
  uat_expr **row = calloc(s->n, sizeof(uat_expr *));
  if (row == NULL) return fail(&s->c, UAT_ENOMEM, "out of memory");
  for (size_t i = 0; i < s->n; i++)
    if (b->solved[i] && (row[i] = to_expr(&s->c, &b->val[i])) == NULL) goto fail;
  for (size_t k = 0; k < q->n_solutions; k++) { /* branches can meet at one point */
    size_t same = 0;
    for (size_t i = 0; i < s->n; i++) same += uat_expr_equal(q->values[k * s->n + i], row[i]);
    if (same == s->n) goto duplicate;
  }
  uat_expr **v = realloc(q->values, (q->n_solutions + 1) * s->n * sizeof(uat_expr *));
  if (v == NULL) goto fail;
  q->values = v;
  memcpy(v + q->n_solutions * s->n, row, s->n * sizeof(uat_expr *));
  q->n_solutions++;
  free(row);
  return 0;
duplicate:
  for (size_t i = 0; i < s->n; i++) uat_expr_free(row[i]);
  free(row);
  return 0;
fail:
  for (size_t i = 0; i < s->n; i++) uat_expr_free(row[i]);
  free(row);
  return fail(&s->c, UAT_ENOMEM, "out of memory");
}

static int record_unsolved(solver *s, const branch *b) {
  uat_sym_equilibria *q = s->out;
  q->complete = 0;
  char text[2048] = "";
  size_t len = 0;
  for (size_t k = 0; k < b->neq && len < sizeof text; k++) {
    uat_expr *e = to_expr(&s->c, &b->eq[k]);
    char buf[1024];
    if (e) uat_expr_print(e, buf, sizeof buf);
    uat_expr_free(e);
    len +=
        (size_t)snprintf(text + len, sizeof text - len, "%s%s = 0", k ? ", " : "", e ? buf : "?");
  }
  char **u = realloc(q->unsolved, (q->n_unsolved + 1) * sizeof *u);
  if (u == NULL) return fail(&s->c, UAT_ENOMEM, "out of memory");
  q->unsolved = u;
  if ((u[q->n_unsolved] = malloc(strlen(text) + 1)) == NULL)
    return fail(&s->c, UAT_ENOMEM, "out of memory");
  strcpy(u[q->n_unsolved++], text);
  return 0;
}

/* Drop zero equations and clear negative powers of states (x^-1 * (...) = 0 where x != 0). */
static int tidy(solver *s, branch *b) {
  size_t k = 0;
  for (size_t i = 0; i < b->neq; i++) {
    if (b->eq[i].n == 0) {
      poly_free(&b->eq[i]);
      continue;
    }
    poly *p = &b->eq[i];
    for (size_t sym = 0; sym < s->c.nv; sym++) {
      int lo = 0;
      for (size_t t = 0; t < p->n; t++) lo = p->t[t].e[sym] < lo ? p->t[t].e[sym] : lo;
      if (lo < 0 && state_of(s, sym) >= 0)
        for (size_t t = 0; t < p->n; t++) p->t[t].e[sym] = (short)(p->t[t].e[sym] - lo);
    }
    normalize(p);
    if (k != i) {
      b->eq[k] = b->eq[i];
      b->eq[i] = (poly){0};
    }
    k++;
  }
  b->neq = k;
  return 0;
}

/* x^m divides every term of equation e: x = 0, or the quotient vanishes. */
static int split_factor(solver *s, const branch *b, size_t e, int *done) {
  const poly *p = &b->eq[e];
  for (size_t sym = 0; sym < s->c.nv; sym++) {
    const int st = state_of(s, sym);
    if (st < 0 || b->solved[st]) continue;
    int lo = 1 << 14;
    for (size_t t = 0; t < p->n; t++) lo = p->t[t].e[sym] < lo ? p->t[t].e[sym] : lo;
    if (lo <= 0) continue;
    *done = 1;
    branch zero, quot;
    poly z = {0};
    if (branch_copy(s, b, &zero) != 0 || assign(s, &zero, (size_t)st, &z) != 0) return -1;
    if (branch_copy(s, b, &quot) != 0) return -1;
    for (size_t t = 0; t < quot.eq[e].n; t++)
      quot.eq[e].t[t].e[sym] = (short)(quot.eq[e].t[t].e[sym] - lo);
    const int rc = solve(s, &quot);
    branch_free(&quot);
    return rc;
  }
  return 0;
}

/* Coefficients of state symbol sym in p: c[k] collects the terms with sym^k, k = 0..2; 0 if
 * p is not a polynomial of degree <= 2 in sym with coefficients free of states. */
static int coefficients(solver *s, const branch *b, const poly *p, size_t sym, poly c[3],
                        int *deg) {
  *deg = 0;
  int rest_has_states = 0; /* allowed in a linear equation only: x = -(rest)/coefficient */
  for (size_t t = 0; t < p->n; t++) {
    const int k = p->t[t].e[sym];
    const int free = term_free_of_states(s, b, &p->t[t], sym);
    if (k == 0 && !free) {
      rest_has_states = 1;
    } else if (k < 0 || k > 2 || !free) {
      return 0;
    }
    mono m = p->t[t];
    m.e[sym] = 0;
    if (push(&s->c, &c[k], &m) != 0) return 0;
    *deg = k > *deg ? k : *deg;
  }
  for (int k = 0; k < 3; k++) normalize(&c[k]);
  return !(rest_has_states && *deg != 1);
}

/* a*x^2 + b*x + c = 0: x = -b/(2a) +- sqrt((b^2 - 4ac)/(4a^2)), each sign a branch. */
static int quadratic(solver *s, const branch *b, size_t st, const poly c[3]) {
  ctx *x = &s->c;
  poly b2 = {0}, ac = {0}, disc = {0}, a2 = {0}, inv = {0}, R = {0}, m = {0}, sq = {0};
  int rc = poly_mul(x, &c[1], &c[1], &b2);
  if (rc == 0) rc = poly_mul(x, &c[2], &c[0], &ac);
  if (rc == 0) rc = poly_add(x, &b2, &ac, -4.0, &disc);
  if (rc == 0) rc = poly_mul(x, &c[2], &c[2], &a2);
  for (size_t t = 0; t < a2.n; t++) a2.t[t].c *= 4.0;
  if (rc == 0) rc = poly_inv(x, &a2, &inv);
  if (rc == 0) rc = poly_mul(x, &disc, &inv, &R);
  poly_free(&inv);
  if (rc == 0) rc = poly_inv(x, &c[2], &inv);
  for (size_t t = 0; t < inv.n; t++) inv.t[t].c *= -0.5;
  if (rc == 0) rc = poly_mul(x, &c[1], &inv, &m);
  double v = 0.0;
  int roots = 2;
  if (rc == 0 && is_constant(&R, &v)) {
    roots = v < 0 ? 0 : v == 0 ? 1 : 2;
    if (roots == 2) {
      uat_expr *key = uat_expr_node(UAT_EXPR_SQRT, uat_expr_num(v), NULL);
      rc = key ? atom_of(x, key, &sq) : fail(x, UAT_ENOMEM, "out of memory");
      uat_expr_free(key);
    }
  } else if (rc == 0) {
    uat_expr *re = to_expr(x, &R);
    uat_expr *key = re ? uat_expr_node(UAT_EXPR_SQRT, re, NULL) : NULL;
    rc = key ? atom_of(x, key, &sq) : fail(x, UAT_ENOMEM, "out of memory");
    uat_expr_free(key);
  }
  for (int sign = 1; rc == 0 && roots > 0 && sign >= (roots == 1 ? 1 : -1); sign -= 2) {
    poly root = {0};
    branch nb;
    rc = poly_add(x, &m, &sq, sign, &root);
    if (rc == 0) rc = branch_copy(s, b, &nb);
    if (rc == 0) rc = assign(s, &nb, st, &root);
    poly_free(&root);
  }
  poly *all[] = {&b2, &ac, &disc, &a2, &inv, &R, &m, &sq};
  for (size_t i = 0; i < 8; i++) poly_free(all[i]);
  return rc;
}

/* Solve a state out of equation e: linear with a coefficient free of states, or quadratic by
 * the formula. */
static int eliminate(solver *s, const branch *b, size_t e, int *done) {
  for (size_t sym = 0; sym < s->c.nv; sym++) {
    const int st = state_of(s, sym);
    if (st < 0 || b->solved[st]) continue;
    poly c[3] = {{0}, {0}, {0}};
    int deg = 0;
    const int ok = coefficients(s, b, &b->eq[e], sym, c, &deg);
    int rc = 0;
    if (ok && deg == 1) {
      *done = 1;
      poly inv = {0}, v = {0};
      branch nb;
      rc = poly_inv(&s->c, &c[1], &inv);
      if (rc == 0) rc = poly_mul(&s->c, &c[0], &inv, &v);
      for (size_t t = 0; t < v.n; t++) v.t[t].c = -v.t[t].c;
      if (rc == 0) rc = branch_copy(s, b, &nb);
      if (rc == 0) rc = assign(s, &nb, (size_t)st, &v);
      poly_free(&inv);
      poly_free(&v);
    } else if (ok && deg == 2) {
      *done = 1;
      rc = quadratic(s, b, (size_t)st, c);
    }
    for (int k = 0; k < 3; k++) poly_free(&c[k]);
    if (*done) return rc;
  }
  return 0;
}

static int solve(solver *s, const branch *b0) {
  if (++s->visits > 10000) return fail(&s->c, UAT_EDOMAIN, "more than 10000 branches");
  branch b;
  if (branch_copy(s, b0, &b) != 0 || tidy(s, &b) != 0) {
    branch_free(&b);
    return -1;
  }
  int rc = 0, done = 0;
  for (size_t e = 0; e < b.neq; e++)
    if (poly_free_of_states(s, &b, &b.eq[e])) done = 1; /* a nonzero constant: no solution */
  if (!done && b.neq == 0) {
    done = 1;
    rc = record(s, &b);
  }
  for (size_t e = 0; !done && rc == 0 && e < b.neq; e++) rc = split_factor(s, &b, e, &done);
  /* fewest terms first: the simplest elimination keeps the expressions small */
  for (size_t len = 1; !done && rc == 0 && len <= UAT_POLY_MAX_TERMS; len++) {
    size_t longer = 0;
    for (size_t e = 0; !done && rc == 0 && e < b.neq; e++) {
      if (b.eq[e].n == len) rc = eliminate(s, &b, e, &done);
      longer += b.eq[e].n > len;
    }
    if (longer == 0) break;
  }
  if (!done && rc == 0) rc = record_unsolved(s, &b);
  branch_free(&b);
  return rc;
}

/* S = 0, I = 0, R = any lies in S = any, I = 0, R = any: keep the general one. */
static int special_case(const uat_sym_equilibria *q, size_t a) {
  const uat_expr *const *va = (const uat_expr *const *)q->values + a * q->n;
  for (size_t b = 0; b < q->n_solutions; b++) {
    const uat_expr *const *vb = (const uat_expr *const *)q->values + b * q->n;
    size_t covered = 0, equal = 0;
    for (size_t i = 0; i < q->n; i++) {
      covered += vb[i] == NULL || uat_expr_equal(va[i], vb[i]);
      equal += uat_expr_equal(va[i], vb[i]);
    }
    if (b != a && covered == q->n && equal < q->n) return 1;
  }
  return 0;
}

static void drop_special_cases(uat_sym_equilibria *q) {
  unsigned char *drop = calloc(q->n_solutions + 1, 1);
  if (drop == NULL) return; /* keeping them all is still correct */
  for (size_t a = 0; a < q->n_solutions; a++) drop[a] = (unsigned char)special_case(q, a);
  size_t k = 0;
  for (size_t a = 0; a < q->n_solutions; a++) {
    uat_expr **va = q->values + a * q->n;
    if (drop[a]) {
      for (size_t i = 0; i < q->n; i++) uat_expr_free(va[i]);
    } else {
      memmove(q->values + k * q->n, va, q->n * sizeof(uat_expr *));
      k++;
    }
  }
  q->n_solutions = k;
  free(drop);
}

void uat_sym_equilibria_free(uat_sym_equilibria *q) {
  if (q == NULL) return;
  for (size_t i = 0; i < q->n_solutions * q->n; i++) uat_expr_free(q->values[i]);
  for (size_t i = 0; i < q->n_unsolved; i++) free(q->unsolved[i]);
  free(q->values);
  free(q->unsolved);
  memset(q, 0, sizeof *q);
}

int uat_expr_equilibria(size_t n, const char *const *states, const uat_expr *const *rhs,
                        uat_sym_equilibria *out, uat_error *err) {
  memset(out, 0, sizeof *out);
  if (n == 0 || n > MAXS)
    return uat_error_set(err, UAT_EINVAL, "between 1 and %d equations, not %zu", MAXS, n);
  out->n = n;
  out->complete = 1;
  solver s = {.n = n, .states = states, .out = out};
  branch b;
  memset(&b, 0, sizeof b);
  b.neq = n;
  for (size_t i = 0; i < n; i++) {
    uat_expr *v = uat_expr_variable(states[i]);
    const int ok = v && sym_index(&s.c, v) >= 0; /* states first: they are looked up by name */
    uat_expr_free(v);
    if (!ok) break;
  }
  for (size_t i = 0; i < n && s.c.status == UAT_OK; i++) from_expr(&s.c, rhs[i], &b.eq[i]);
  if (s.c.status == UAT_OK) solve(&s, &b);
  branch_free(&b);
  drop_special_cases(out);
  const int status = s.c.status;
  if (status != UAT_OK) {
    uat_error_set(err, status, "%s", s.c.msg);
    uat_sym_equilibria_free(out);
  }
  ctx_free(&s.c);
  return status;
}
