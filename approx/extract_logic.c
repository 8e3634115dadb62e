/* extract_logic.c — truth tables of networks minimised to sums of products: Quine–McCluskey's
 * prime implicants (combining implicants that differ in one fixed bit), the essential ones,
 * and Petrick's method for the rest (the product of the rows' sums of primes expanded, with
 * absorption); a greedy cover when that core is too large. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uat/extract.h"

enum { CORE_MAX = 64, PETRICK_MAX = 20000 };

static size_t popcount32(uint32_t v) {
  size_t k = 0;
  for (; v; v &= v - 1) k++;
  return k;
}

static size_t popcount64(uint64_t v) {
  size_t k = 0;
  for (; v; v &= v - 1) k++;
  return k;
}

/* A set of implicants with lookup: open addressing on (value, mask). */
typedef struct {
  uat_implicant *item;
  unsigned char *used, *combined;
  size_t cap, n;
} imp_set;

static size_t slot(const imp_set *s, uat_implicant p) {
  size_t h = ((size_t)p.value * 2654435761u) ^ ((size_t)p.mask * 40503u);
  for (h %= s->cap;; h = (h + 1) % s->cap)
    if (!s->used[h] || (s->item[h].value == p.value && s->item[h].mask == p.mask)) return h;
}

static int set_init(imp_set *s, size_t cap) {
  s->cap = cap * 2 + 16;
  s->n = 0;
  s->item = malloc(s->cap * sizeof *s->item);
  s->used = calloc(s->cap, 1);
  s->combined = calloc(s->cap, 1);
  return s->item && s->used && s->combined ? 0 : -1;
}

static void set_free(imp_set *s) {
  free(s->item);
  free(s->used);
  free(s->combined);
}

static size_t set_add(imp_set *s, uat_implicant p) {
  const size_t h = slot(s, p);
  if (!s->used[h]) {
    s->used[h] = 1;
    s->item[h] = p;
    s->n++;
  }
  return h;
}

/* The prime implicants of the rows marked 1 or don't-care, appended to *primes. */
static int prime_implicants(size_t n, const unsigned char *table, uat_implicant **primes,
                            size_t *np) {
  const size_t rows = (size_t)1 << n;
  const uint32_t full = (uint32_t)(rows - 1);
  size_t cap = 64, count = 0;
  uat_implicant *out = malloc(cap * sizeof *out);
  imp_set cur = {NULL, NULL, NULL, 0, 0};
  if (out == NULL || set_init(&cur, rows) != 0) {
    free(out);
    set_free(&cur);
    return -1;
  }
  for (size_t r = 0; r < rows; r++)
    if (table[r]) set_add(&cur, (uat_implicant){(uint32_t)r, full});
  for (size_t level = 0; level <= n && cur.n > 0; level++) {
    imp_set next = {NULL, NULL, NULL, 0, 0};
    if (set_init(&next, cur.n * n + 1) != 0) {
      set_free(&cur);
      set_free(&next);
      free(out);
      return -1;
    }
    for (size_t h = 0; h < cur.cap; h++) {
      if (!cur.used[h]) continue;
      const uat_implicant p = cur.item[h];
      for (uint32_t b = 1; b <= full; b <<= 1) {
        if (!(p.mask & b) || (p.value & b)) continue;
        const size_t o = slot(&cur, (uat_implicant){p.value | b, p.mask});
        if (!cur.used[o]) continue;
        cur.combined[h] = cur.combined[o] = 1;
        set_add(&next, (uat_implicant){p.value, p.mask & ~b});
      }
    }
    for (size_t h = 0; h < cur.cap; h++) {
      if (!cur.used[h] || cur.combined[h]) continue;
      if (count == cap) {
        uat_implicant *more = realloc(out, (cap *= 2) * sizeof *out);
        if (more == NULL) {
          set_free(&cur);
          set_free(&next);
          free(out);
          return -1;
        }
        out = more;
      }
      out[count++] = cur.item[h];
    }
    set_free(&cur);
    cur = next;
  }
  set_free(&cur);
  *primes = out;
  *np = count;
  return 0;
}

static int covers(uat_implicant p, uint32_t row) { return (row & p.mask) == p.value; }

/* Petrick's method on the core: primes core[0..k) and the minterms still uncovered; the chosen
 * subset into *best (a bitset over the core). Returns 0, or -1 when the expansion grows past
 * PETRICK_MAX products (the caller then covers greedily). */
static int petrick(const uat_implicant *core, size_t k, const uint32_t *left, size_t nl,
                   uint64_t *best) {
  uint64_t *prod = malloc(PETRICK_MAX * sizeof *prod), *next = malloc(PETRICK_MAX * sizeof *next);
  size_t np = 1;
  int st = prod && next ? 0 : -1;
  if (st == 0) prod[0] = 0;
  for (size_t m = 0; m < nl && st == 0; m++) {
    size_t nn = 0;
    for (size_t a = 0; a < np && st == 0; a++)
      for (size_t j = 0; j < k && st == 0; j++) {
        if (!covers(core[j], left[m])) continue;
        const uint64_t t = prod[a] | ((uint64_t)1 << j);
        int absorbed = 0; /* drop t if it contains a product already kept, and the reverse */
        for (size_t b = 0; b < nn && !absorbed; b++) absorbed = (next[b] & t) == next[b];
        if (absorbed) continue;
        size_t w = 0;
        for (size_t b = 0; b < nn; b++)
          if ((next[b] & t) != t) next[w++] = next[b];
        nn = w;
        if (nn == PETRICK_MAX)
          st = -1;
        else
          next[nn++] = t;
      }
    uint64_t *tmp = prod;
    prod = next;
    next = tmp;
    np = nn;
  }
  if (st == 0) { /* fewest primes, then fewest literals */
    size_t bp = SIZE_MAX, bl = SIZE_MAX;
    for (size_t a = 0; a < np; a++) {
      size_t lits = 0;
      for (size_t j = 0; j < k; j++)
        if (prod[a] >> j & 1) lits += popcount32(core[j].mask);
      const size_t c = popcount64(prod[a]);
      if (c < bp || (c == bp && lits < bl)) bp = c, bl = lits, *best = prod[a];
    }
  }
  free(prod);
  free(next);
  return st;
}

/* Greedy cover: the prime covering most uncovered minterms, ties to fewer literals. */
static void greedy(const uat_implicant *p, size_t np, uint32_t *left, size_t nl,
                   unsigned char *chosen) {
  while (nl > 0) {
    size_t bj = 0, bc = 0;
    for (size_t j = 0; j < np; j++) {
      size_t c = 0;
      for (size_t m = 0; m < nl; m++) c += (size_t)covers(p[j], left[m]);
      if (c > bc || (c == bc && c > 0 && popcount32(p[j].mask) < popcount32(p[bj].mask)))
        bc = c, bj = j;
    }
    chosen[bj] = 1;
    size_t w = 0;
    for (size_t m = 0; m < nl; m++)
      if (!covers(p[bj], left[m])) left[w++] = left[m];
    nl = w;
  }
}

/* The essential primes into chosen; the minterms they leave into left (count returned). */
static size_t essentials(const uat_implicant *p, size_t np, const uint32_t *mins, size_t nm,
                         unsigned char *chosen, uint32_t *left) {
  for (size_t m = 0; m < nm; m++) {
    size_t count = 0, only = 0;
    for (size_t j = 0; j < np && count < 2; j++)
      if (covers(p[j], mins[m])) count++, only = j;
    if (count == 1) chosen[only] = 1;
  }
  size_t nl = 0;
  for (size_t m = 0; m < nm; m++) {
    int done = 0;
    for (size_t j = 0; j < np && !done; j++) done = chosen[j] && covers(p[j], mins[m]);
    if (!done) left[nl++] = mins[m];
  }
  return nl;
}

/* Cover the minterms mins[0..nm) by primes p; the chosen ones into s. */
static int cover(const uat_implicant *p, size_t np, const uint32_t *mins, size_t nm, uat_sop *s) {
  unsigned char *chosen = calloc(np + 1, 1);
  uint32_t *left = malloc((nm + 1) * sizeof *left);
  uat_implicant *core = malloc((np + 1) * sizeof *core);
  size_t *core_at = malloc((np + 1) * sizeof *core_at);
  if (!chosen || !left || !core || !core_at) {
    free(chosen), free(left), free(core), free(core_at);
    return UAT_ENOMEM;
  }
  const size_t nl = essentials(p, np, mins, nm, chosen, left);
  size_t k = 0; /* the core: primes not chosen that cover something left */
  for (size_t j = 0; j < np; j++) {
    int useful = 0;
    for (size_t m = 0; m < nl && !useful && !chosen[j]; m++) useful = covers(p[j], left[m]);
    if (useful) core[k] = p[j], core_at[k++] = j;
  }
  uint64_t best = 0;
  s->exact = 1;
  if (nl > 0 && (k > CORE_MAX || petrick(core, k, left, nl, &best) != 0)) {
    s->exact = 0;
    greedy(p, np, left, nl, chosen);
  } else {
    for (size_t j = 0; j < k; j++)
      if (best >> j & 1) chosen[core_at[j]] = 1;
  }
  s->n_terms = 0;
  for (size_t j = 0; j < np; j++)
    if (chosen[j]) s->n_terms++;
  s->terms = malloc((s->n_terms + 1) * sizeof *s->terms);
  int st = s->terms ? UAT_OK : UAT_ENOMEM;
  for (size_t j = 0, t = 0; j < np && st == UAT_OK; j++)
    if (chosen[j]) {
      s->terms[t++] = p[j];
      s->literals += popcount32(p[j].mask);
    }
  free(chosen), free(left), free(core), free(core_at);
  return st;
}

static int by_term(const void *a, const void *b) {
  const uat_implicant *x = a, *y = b;
  if (x->mask != y->mask) return x->mask > y->mask ? -1 : 1; /* more literals first */
  return (x->value > y->value) - (x->value < y->value);
}

int uat_logic_minimise(size_t n, const unsigned char *table, uat_sop *out, uat_error *err) {
  memset(out, 0, sizeof *out);
  if (n > UAT_EXTRACT_MAX_INPUTS)
    return uat_error_set(err, UAT_EINVAL, "extract: at most %d inputs, found %zu",
                         UAT_EXTRACT_MAX_INPUTS, n);
  const size_t rows = (size_t)1 << n;
  size_t nm = 0;
  for (size_t r = 0; r < rows; r++) {
    if (table[r] > UAT_DONT_CARE)
      return uat_error_set(err, UAT_EINVAL, "extract: row %zu: expected 0, 1 or don't care", r);
    nm += table[r] == 1;
  }
  out->n = n;
  out->exact = 1;
  if (nm == 0) return UAT_OK; /* the constant 0 */
  uint32_t *mins = malloc(nm * sizeof *mins);
  uat_implicant *primes = NULL;
  size_t np = 0;
  if (mins == NULL || prime_implicants(n, table, &primes, &np) != 0) {
    free(mins);
    return uat_error_set(err, UAT_ENOMEM, "extract: out of memory");
  }
  for (size_t r = 0, k = 0; r < rows; r++)
    if (table[r] == 1) mins[k++] = (uint32_t)r;
  const int st = cover(primes, np, mins, nm, out);
  free(mins);
  free(primes);
  if (st != UAT_OK) {
    uat_sop_free(out);
    return uat_error_set(err, st, "extract: out of memory");
  }
  qsort(out->terms, out->n_terms, sizeof *out->terms, by_term);
  return UAT_OK;
}

void uat_sop_free(uat_sop *s) {
  free(s->terms);
  s->terms = NULL;
  s->n_terms = 0;
}

static void name_of(const char *const *names, size_t i, char *buf, size_t len) {
  if (names)
    snprintf(buf, len, "%s", names[i]);
  else
    snprintf(buf, len, "x%zu", i + 1);
}

/* Literal i of a term: x, or 1 - x. */
static uat_expr *literal(const uat_sop *s, uat_implicant t, size_t i, const char *const *names) {
  char name[64];
  name_of(names, i, name, sizeof name);
  uat_expr *x = uat_expr_variable(name);
  if (t.value >> (s->n - 1 - i) & 1) return x;
  return uat_expr_binary(UAT_EXPR_SUB, uat_expr_number(1.0), x);
}

uat_expr *uat_sop_expr(const uat_sop *s, const char *const *names) {
  if (s->n_terms == 0) return uat_expr_number(0.0);
  uat_expr *sum = NULL;
  for (size_t k = 0; k < s->n_terms; k++) {
    const uat_implicant t = s->terms[k];
    uat_expr *prod = NULL;
    for (size_t i = 0; i < s->n; i++) {
      if (!(t.mask >> (s->n - 1 - i) & 1)) continue;
      uat_expr *l = literal(s, t, i, names);
      prod = prod ? uat_expr_binary(UAT_EXPR_MUL, prod, l) : l;
    }
    if (prod == NULL) prod = uat_expr_number(1.0); /* the constant 1 */
    sum = sum ? uat_expr_binary(UAT_EXPR_MAX, sum, prod) : prod;
  }
  return sum;
}

/* The logic and LaTeX forms share one writer. */
static size_t write_sop(const uat_sop *s, const char *const *names, char *buf, size_t len,
                        int latex) {
  const char *or_ = latex ? " \\vee " : " or ", *and_ = latex ? " \\wedge " : " and ";
  const char *not_ = latex ? "\\neg " : "not ";
  size_t used = 0;
  char tmp[64];
#define PUT(...)                                                                                   \
  do {                                                                                             \
    const int w_ =                                                                                 \
        snprintf(buf + (used < len ? used : len), used < len ? len - used : 0, __VA_ARGS__);       \
    if (w_ > 0) used += (size_t)w_;                                                                \
  } while (0)
  if (len > 0) buf[0] = '\0';
  if (s->n_terms == 0) PUT("%s", latex ? "0" : "false");
  for (size_t k = 0; k < s->n_terms; k++) {
    const uat_implicant t = s->terms[k];
    const size_t lits = popcount32(t.mask);
    if (k) PUT("%s", or_);
    if (lits == 0) PUT("%s", latex ? "1" : "true");
    if (lits > 1 && s->n_terms > 1) PUT("(");
    for (size_t i = 0, j = 0; i < s->n; i++) {
      if (!(t.mask >> (s->n - 1 - i) & 1)) continue;
      if (latex && names == NULL)
        snprintf(tmp, sizeof tmp, "x_{%zu}", i + 1);
      else
        name_of(names, i, tmp, sizeof tmp);
      PUT("%s%s%s", j++ ? and_ : "", (t.value >> (s->n - 1 - i) & 1) ? "" : not_, tmp);
    }
    if (lits > 1 && s->n_terms > 1) PUT(")");
  }
#undef PUT
  return used;
}

size_t uat_sop_logic(const uat_sop *s, const char *const *names, char *buf, size_t len) {
  return write_sop(s, names, buf, len, 0);
}

size_t uat_sop_latex(const uat_sop *s, const char *const *names, char *buf, size_t len) {
  return write_sop(s, names, buf, len, 1);
}

int uat_mlp_truth_table(const uat_mlp *m, size_t o, double threshold, unsigned char *table) {
  const size_t n = uat_mlp_in(m);
  if (n > UAT_EXTRACT_MAX_INPUTS || o >= uat_mlp_out(m)) return UAT_EINVAL;
  const size_t rows = (size_t)1 << n, out = uat_mlp_out(m);
  double *x = malloc(rows * n * sizeof *x), *y = malloc(rows * out * sizeof *y);
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, rows);
  int st = x && y && w ? UAT_OK : UAT_ENOMEM;
  for (size_t r = 0; r < rows && st == UAT_OK; r++)
    for (size_t i = 0; i < n; i++) x[r * n + i] = (double)(r >> (n - 1 - i) & 1);
  if (st == UAT_OK && uat_mlp_predict(m, w, rows, x, y) != UAT_OK) st = UAT_EINVAL;
  for (size_t r = 0; r < rows && st == UAT_OK; r++) table[r] = y[r * out + o] > threshold;
  free(x);
  free(y);
  uat_mlp_workspace_free(w);
  return st;
}
