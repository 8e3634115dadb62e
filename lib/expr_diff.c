/* expr_diff.c — symbolic differentiation and simplification. */
#include <math.h>
#include <string.h>

#include "expr_internal.h"

/* Builders; each takes ownership of its operands (see expr_internal.h). */
#define N1(op, a) uat_expr_node(UAT_EXPR_##op, (a), NULL)
#define N2(op, a, b) uat_expr_node(UAT_EXPR_##op, (a), (b))
#define CP(e) uat_expr_copy(e)
#define K(v) uat_expr_num(v)

static uat_expr *d(const uat_expr *e, const char *x);

/* d/dx a^b: the power rule when b is free of x, the exponential rule when a is, else
 * a^b (b' log a + b a'/a). */
static uat_expr *d_pow(const uat_expr *e, const char *x) {
  const uat_expr *a = e->a, *b = e->b;
  if (!uat_expr_depends(b, x))
    return N2(MUL, N2(MUL, CP(b), N2(POW, CP(a), N2(SUB, CP(b), K(1)))), d(a, x));
  if (!uat_expr_depends(a, x)) return N2(MUL, N2(MUL, CP(e), N1(LOG, CP(a))), d(b, x));
  return N2(MUL, CP(e),
            N2(ADD, N2(MUL, d(b, x), N1(LOG, CP(a))), N2(DIV, N2(MUL, CP(b), d(a, x)), CP(a))));
}

/* The derivative of f(a) with respect to a, as a tree in a (the chain rule multiplies by a'). */
static uat_expr *outer(const uat_expr *e) {
  const uat_expr *a = e->a;
  switch (e->op) {
  case UAT_EXPR_SIN: return N1(COS, CP(a));
  case UAT_EXPR_COS: return N1(NEG, N1(SIN, CP(a)));
  case UAT_EXPR_TAN: return N2(ADD, K(1), N2(POW, N1(TAN, CP(a)), K(2)));
  case UAT_EXPR_EXP: return N1(EXP, CP(a));
  case UAT_EXPR_LOG: return N2(DIV, K(1), CP(a));
  case UAT_EXPR_SQRT: return N2(DIV, K(1), N2(MUL, K(2), N1(SQRT, CP(a))));
  case UAT_EXPR_ABS: return N1(SIGN, CP(a));
  case UAT_EXPR_TANH: return N2(SUB, K(1), N2(POW, N1(TANH, CP(a)), K(2)));
  case UAT_EXPR_SINH: return N1(COSH, CP(a));
  case UAT_EXPR_COSH: return N1(SINH, CP(a));
  case UAT_EXPR_ATAN: return N2(DIV, K(1), N2(ADD, K(1), N2(POW, CP(a), K(2))));
  case UAT_EXPR_SIGMOID: return N2(MUL, N1(SIGMOID, CP(a)), N2(SUB, K(1), N1(SIGMOID, CP(a))));
  case UAT_EXPR_RELU: return N1(STEP, CP(a));
  default: return K(0); /* step, sign: zero wherever they are differentiable */
  }
}

/* min and max follow the argument that is selected; at a tie, step(0) = 0 selects the second. */
static uat_expr *d_minmax(const uat_expr *e, const char *x) {
  const uat_expr *a = e->a, *b = e->b;
  uat_expr *first =
      e->op == UAT_EXPR_MIN ? N1(STEP, N2(SUB, CP(b), CP(a))) : N1(STEP, N2(SUB, CP(a), CP(b)));
  uat_expr *first2 = CP(first);
  return N2(ADD, N2(MUL, first, d(a, x)), N2(MUL, N2(SUB, K(1), first2), d(b, x)));
}

static uat_expr *d(const uat_expr *e, const char *x) {
  switch (e->op) {
  case UAT_EXPR_NUM:
  case UAT_EXPR_CONST: return K(0);
  case UAT_EXPR_VAR: return K(strcmp(e->name, x) == 0 ? 1 : 0);
  case UAT_EXPR_ADD: return N2(ADD, d(e->a, x), d(e->b, x));
  case UAT_EXPR_SUB: return N2(SUB, d(e->a, x), d(e->b, x));
  case UAT_EXPR_MUL: return N2(ADD, N2(MUL, d(e->a, x), CP(e->b)), N2(MUL, CP(e->a), d(e->b, x)));
  case UAT_EXPR_DIV:
    return N2(DIV, N2(SUB, N2(MUL, d(e->a, x), CP(e->b)), N2(MUL, CP(e->a), d(e->b, x))),
              N2(POW, CP(e->b), K(2)));
  case UAT_EXPR_POW: return d_pow(e, x);
  case UAT_EXPR_NEG: return N1(NEG, d(e->a, x));
  case UAT_EXPR_MIN:
  case UAT_EXPR_MAX: return d_minmax(e, x);
  case UAT_EXPR_STEP:
  case UAT_EXPR_SIGN: return K(0);
  default: return N2(MUL, outer(e), d(e->a, x));
  }
}

/* Sizes saturate just above the node cap, so that sums of them cannot wrap. */
static size_t sat(size_t a) { return a > UAT_EXPR_MAX_NODES ? UAT_EXPR_MAX_NODES + 1 : a; }

/* An upper bound on the nodes d(e, x) builds (*dsz), with the size of e (*size), in one pass:
 * the product rule copies both factors, so the derivative of a long product grows with the
 * square of its length, and it must be refused before it is built, not after. Each bound
 * counts the nodes the corresponding case of d() creates, copies included. */
static void dsize(const uat_expr *e, size_t *size, size_t *dsz) {
  size_t sa = 0, da = 0, sb = 0, db = 0;
  if (e->a) dsize(e->a, &sa, &da);
  if (e->b) dsize(e->b, &sb, &db);
  *size = sat(1 + sa + sb);
  size_t n;
  switch (e->op) {
  case UAT_EXPR_NUM:
  case UAT_EXPR_CONST:
  case UAT_EXPR_VAR:
  case UAT_EXPR_STEP:
  case UAT_EXPR_SIGN: n = 1; break;
  case UAT_EXPR_ADD:
  case UAT_EXPR_SUB: n = 1 + da + db; break;
  case UAT_EXPR_MUL: n = 3 + da + db + sa + sb; break;
  case UAT_EXPR_DIV: n = 6 + da + db + sa + 2 * sb; break;
  case UAT_EXPR_POW: n = 8 + 3 * sa + 2 * sb + da + db; break; /* the largest of its three forms */
  case UAT_EXPR_NEG: n = 1 + da; break;
  case UAT_EXPR_MIN:
  case UAT_EXPR_MAX: n = 5 + 2 * (2 + sa + sb) + da + db; break;
  default: n = 7 + 2 * sa + da; break; /* f'(a) a': f' holds at most two copies of a */
  }
  *dsz = sat(n);
}

uat_expr *uat_expr_diff(const uat_expr *e, const char *var) {
  size_t size, bound;
  dsize(e, &size, &bound);
  if (bound > UAT_EXPR_MAX_NODES) return NULL; /* refused before anything is built */
  uat_expr *raw = d(e, var);
  if (raw == NULL) return NULL;
  uat_expr *s = uat_expr_size(raw) <= UAT_EXPR_MAX_NODES ? uat_expr_simplify(raw) : NULL;
  uat_expr_free(raw);
  return s;
}

/* ---- simplification ------------------------------------------------------------------------ */
/* NULL-safe: a failed allocation deeper down leaves NULL operands behind until it surfaces. */
static int is_num(const uat_expr *e, double v) {
  return e != NULL && e->op == UAT_EXPR_NUM && e->value == v;
}

static int is_number(const uat_expr *e) { return e != NULL && e->op == UAT_EXPR_NUM; }

static uat_expr *simp(uat_expr *e);

/* Replace node e by its child (the other child is freed). */
static uat_expr *take(uat_expr *e, uat_expr **child) {
  uat_expr *c = *child;
  *child = NULL;
  uat_expr_free(e);
  return c;
}

static uat_expr *replace(uat_expr *e, uat_expr *with) {
  uat_expr_free(e);
  return with;
}

/* A numeric result replaces the node only when it is exact and finite, so that symbols
 * people recognise stay: log(0) stays log(0), log(2) stays log(2), 1/3 stays 1/3, while
 * 2 + 3*4 becomes 14, sin(0) 0 and sqrt(4) 2. Sums, differences and products of numbers are
 * folded as rounded (they print back exactly); quotients only when exact; functions only when
 * the result is an integer. */
static uat_expr *fold(uat_expr *e) {
  const double a = e->a->value, b = e->b ? e->b->value : 0.0;
  const double v = uat_expr_apply(e->op, a, b);
  int keep = !isfinite(v);
  if (e->op == UAT_EXPR_DIV) keep |= fma(v, b, -a) != 0.0;
  if (e->op == UAT_EXPR_POW) keep |= b != nearbyint(b) || fabs(b) > 64;
  if (uat_expr_is_function(e->op)) keep |= v != nearbyint(v);
  return keep ? e : replace(e, K(v));
}

/* A term as coefficient * rest: 3*x -> (3, x); -x -> (-1, x); x -> (1, x). */
static double split_term(const uat_expr *e, const uat_expr **rest) {
  if (e->op == UAT_EXPR_MUL && is_number(e->a)) {
    *rest = e->b;
    return e->a->value;
  }
  if (e->op == UAT_EXPR_NEG) {
    *rest = e->a;
    return -1.0;
  }
  *rest = e;
  return 1.0;
}

/* c * r, simplified. Takes ownership of r. */
static uat_expr *scaled(double c, uat_expr *r) { return simp(N2(MUL, K(c), r)); }

/* A sum as signed terms c * r with like terms merged and numbers added up. */
typedef struct {
  double c;
  const uat_expr *r;
} term;

enum { MAX_TERMS = 64 };

typedef struct {
  term t[MAX_TERMS];
  size_t n;
  double number;    /* the numbers of the sum, added up */
  size_t number_at; /* how many terms came before the first number: it goes back there */
  int has_number;
} sum_terms;

static int flatten(const uat_expr *e, double sign, sum_terms *s) {
  if (e == NULL) return -1;
  if (e->op == UAT_EXPR_ADD || e->op == UAT_EXPR_SUB) {
    if (flatten(e->a, sign, s) != 0) return -1;
    return flatten(e->b, e->op == UAT_EXPR_SUB ? -sign : sign, s);
  }
  if (is_number(e)) {
    if (!s->has_number) s->number_at = s->n;
    s->has_number = 1;
    s->number += sign * e->value;
    return 0;
  }
  const uat_expr *r;
  const double c = sign * split_term(e, &r);
  for (size_t i = 0; i < s->n; i++)
    if (uat_expr_equal(s->t[i].r, r)) {
      s->t[i].c += c;
      return 0;
    }
  if (s->n == MAX_TERMS) return -1;
  s->t[s->n++] = (term){c, r};
  return 0;
}

/* |c| * r, without the factor when it is 1. */
static uat_expr *magnitude(double c, const uat_expr *r) {
  return fabs(c) == 1.0 ? CP(r) : N2(MUL, K(fabs(c)), CP(r));
}

/* The first term keeps its sign inside: -x, -3*x, -3. */
static uat_expr *first_term(double c, const uat_expr *r) {
  if (r == NULL) return K(c);
  if (c == -1.0) return N1(NEG, CP(r));
  return c == 1.0 ? CP(r) : N2(MUL, K(c), CP(r));
}

/* Rebuild the sum left to right in order of first appearance. */
static uat_expr *rebuild(const sum_terms *s) {
  uat_expr *sum = NULL;
  for (size_t i = 0; i <= s->n; i++) {
    for (int k = 0; k < 2; k++) {
      /* k = 0: the number, if it belongs before term i; k = 1: term i itself */
      const int is_num_slot = k == 0;
      if (is_num_slot && !(s->has_number && s->number_at == i)) continue;
      if (!is_num_slot && i == s->n) continue;
      const double c = is_num_slot ? s->number : s->t[i].c;
      const uat_expr *r = is_num_slot ? NULL : s->t[i].r;
      if (c == 0.0) continue;
      if (sum == NULL) {
        sum = first_term(c, r);
        continue;
      }
      uat_expr *piece = r ? magnitude(c, r) : K(fabs(c));
      sum = c < 0 ? N2(SUB, sum, piece) : N2(ADD, sum, piece);
    }
  }
  return sum ? sum : K(0);
}

static uat_expr *simp_add_sub(uat_expr *e) {
  if (e->a == NULL || e->b == NULL) return e; /* cannot happen after simp(); for the analyzer */
  const int sub = e->op == UAT_EXPR_SUB;
  if (is_number(e->a) && is_number(e->b)) return fold(e);
  if (is_num(e->b, 0)) return take(e, &e->a);
  if (is_num(e->a, 0)) return sub ? simp(N1(NEG, take(e, &e->b))) : take(e, &e->b);
  sum_terms s;
  memset(&s, 0, sizeof s);
  if (flatten(e, 1.0, &s) != 0) return e;
  return replace(e, rebuild(&s));
}

/* A factor as base ^ exponent: x^3 -> (x, 3); x -> (x, 1 built on demand). */
static const uat_expr *split_factor(const uat_expr *e, const uat_expr **exponent) {
  if (e->op == UAT_EXPR_POW) {
    *exponent = e->b;
    return e->a;
  }
  *exponent = NULL;
  return e;
}

static uat_expr *simp_mul(uat_expr *e) {
  if (e->a == NULL || e->b == NULL) return e; /* cannot happen after simp(); for the analyzer */
  if (is_number(e->a) && is_number(e->b)) return fold(e);
  if (is_num(e->a, 0) || is_num(e->b, 0)) return replace(e, K(0));
  if (is_num(e->a, 1)) return take(e, &e->b);
  if (is_num(e->b, 1)) return take(e, &e->a);
  if (is_num(e->a, -1)) return simp(N1(NEG, take(e, &e->b)));
  if (is_num(e->b, -1)) return simp(N1(NEG, take(e, &e->a)));
  if (e->b->op == UAT_EXPR_DIV && is_num(e->b->a, 1)) /* a*(1/b) = a/b */
    return replace(e, simp(N2(DIV, CP(e->a), CP(e->b->b))));
  if (e->a->op == UAT_EXPR_DIV && is_num(e->a->a, 1)) /* (1/a)*b = b/a */
    return replace(e, simp(N2(DIV, CP(e->b), CP(e->a->b))));
  if (is_number(e->b)) { /* coefficients go first */
    uat_expr *t = e->a;
    e->a = e->b;
    e->b = t;
  }
  if (e->a->op == UAT_EXPR_NEG || e->b->op == UAT_EXPR_NEG) { /* signs go outside */
    uat_expr **neg = e->a->op == UAT_EXPR_NEG ? &e->a : &e->b;
    *neg = take(*neg, &(*neg)->a);
    return simp(N1(NEG, simp(e)));
  }
  if (is_number(e->a) && e->b->op == UAT_EXPR_MUL && is_number(e->b->a)) {
    const double c = e->a->value * e->b->a->value;
    return replace(e, scaled(c, CP(e->b->b)));
  }
  if (e->b->op == UAT_EXPR_MUL && is_number(e->b->a) && !is_number(e->a)) {
    const double c = e->b->a->value;
    uat_expr *rest = simp(N2(MUL, CP(e->a), CP(e->b->b)));
    return replace(e, scaled(c, rest));
  }
  if (e->a->op == UAT_EXPR_MUL && is_number(e->a->a) && !is_number(e->b)) {
    const double c = e->a->a->value;
    uat_expr *rest = simp(N2(MUL, CP(e->a->b), CP(e->b)));
    return replace(e, scaled(c, rest));
  }
  const uat_expr *ea, *eb;
  const uat_expr *ba = split_factor(e->a, &ea), *bb = split_factor(e->b, &eb);
  if (uat_expr_equal(ba, bb)) { /* collect equal factors: x^a x^b = x^(a+b) */
    uat_expr *sum = simp(N2(ADD, ea ? CP(ea) : K(1), eb ? CP(eb) : K(1)));
    return replace(e, simp(N2(POW, CP(ba), sum)));
  }
  return e;
}

static uat_expr *simp_div(uat_expr *e) {
  if (e->a == NULL || e->b == NULL) return e; /* cannot happen after simp(); for the analyzer */
  if (is_number(e->a) && is_number(e->b)) return fold(e);
  if (is_num(e->b, 1)) return take(e, &e->a);
  if (is_num(e->a, 0)) return replace(e, K(0));
  if (uat_expr_equal(e->a, e->b)) return replace(e, K(1));
  if (e->a->op == UAT_EXPR_NEG) {
    e->a = take(e->a, &e->a->a);
    return simp(N1(NEG, e));
  }
  return e;
}

static uat_expr *simp_pow(uat_expr *e) {
  if (e->a == NULL || e->b == NULL) return e; /* cannot happen after simp(); for the analyzer */
  if (is_number(e->a) && is_number(e->b)) return fold(e);
  if (is_num(e->b, 1)) return take(e, &e->a);
  if (is_num(e->b, 0) || is_num(e->a, 1)) return replace(e, K(1));
  /* (x^m)^n = x^(m n) for integer n */
  if (e->a->op == UAT_EXPR_POW && is_number(e->a->b) && is_number(e->b) &&
      e->b->value == nearbyint(e->b->value)) {
    const double m = e->a->b->value * e->b->value;
    return replace(e, simp(N2(POW, CP(e->a->a), K(m))));
  }
  return e;
}

static uat_expr *simp_neg(uat_expr *e) {
  if (e->a == NULL) return e;
  if (is_number(e->a)) return replace(e, K(-e->a->value));
  if (e->a->op == UAT_EXPR_NEG) return replace(e, CP(e->a->a));
  if (e->a->op == UAT_EXPR_MUL && is_number(e->a->a))
    return replace(e, scaled(-e->a->a->value, CP(e->a->b)));
  if (e->a->op == UAT_EXPR_SUB) /* -(a - b) = b - a exactly in floating point */
    return replace(e, simp(N2(SUB, CP(e->a->b), CP(e->a->a))));
  return e;
}

static uat_expr *simp(uat_expr *e) {
  if (e == NULL) return NULL;
  if (e->a && (e->a = simp(e->a)) == NULL) return replace(e, NULL);
  if (e->b && (e->b = simp(e->b)) == NULL) return replace(e, NULL);
  switch (e->op) {
  case UAT_EXPR_NUM:
  case UAT_EXPR_CONST:
  case UAT_EXPR_VAR: return e;
  case UAT_EXPR_ADD:
  case UAT_EXPR_SUB: return simp_add_sub(e);
  case UAT_EXPR_MUL: return simp_mul(e);
  case UAT_EXPR_DIV: return simp_div(e);
  case UAT_EXPR_POW: return simp_pow(e);
  case UAT_EXPR_NEG: return simp_neg(e);
  default:
    if (is_number(e->a) && (e->b == NULL || is_number(e->b))) return fold(e);
    return e;
  }
}

uat_expr *uat_expr_simplify(const uat_expr *e) { return simp(CP(e)); }
