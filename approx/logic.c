/* logic.c — Boolean functions and single neurons: exact linear separability by the integer
 * perceptron within Novikoff's bound, threshold rules, and networks trained from many seeds. */
#include "uat/logic.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uat/init.h"
#include "uat/trainers.h"

/* Muroga's weight bound W = floor((n+1)^((n+1)/2) / 2^n), at least 1, and Novikoff's bound on
 * the updates: R^2 |w*|^2 / margin^2 with R^2 = n + 1 (inputs +-1 and the constant 1),
 * |w*|^2 <= (n + 1) W^2 and margin 1. */
static size_t update_bound(size_t n) {
  const double W = floor(pow((double)(n + 1), (double)(n + 1) / 2.0) / ldexp(1.0, (int)n));
  const double w = W < 1 ? 1 : W;
  return (size_t)((double)((n + 1) * (n + 1)) * w * w);
}

static long gcd(long a, long b) {
  a = labs(a), b = labs(b);
  while (b) {
    const long t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* The rule on 0/1 inputs from the +-1 weights v (v[n] the constant's): sum v_i (2 x_i - 1) + v_n
 * > 0 is sum v_i x_i > (sum v_i - v_n) / 2, so the weights are v_i over their common divisor and
 * the threshold is put midway between the two classes' nearest sums. */
static void make_rule(size_t n, const unsigned char *table, const long *v, uat_logic_verdict *out) {
  long g = 0;
  for (size_t i = 0; i < n; i++) g = gcd(g, v[i]);
  for (size_t i = 0; i < n; i++) out->w[i] = g ? v[i] / g : 0;
  double lo = -INFINITY, hi = INFINITY; /* largest sum of a 0 row, smallest of a 1 row */
  for (size_t r = 0; r < ((size_t)1 << n); r++) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)out->w[i] * (double)((r >> (n - 1 - i)) & 1);
    if (table[r])
      hi = fmin(hi, s);
    else
      lo = fmax(lo, s);
  }
  out->threshold = isinf(lo) ? -0.5 : isinf(hi) ? 0.5 : (lo + hi) / 2;
}

int uat_logic_separable(size_t n, const unsigned char *table, uat_logic_verdict *v) {
  memset(v, 0, sizeof *v);
  if (n == 0 || n > UAT_LOGIC_MAX_INPUTS) return UAT_EINVAL;
  const size_t rows = (size_t)1 << n;
  for (size_t r = 0; r < rows; r++)
    if (table[r] > 1) return UAT_EINVAL;
  v->n = n;
  v->bound = update_bound(n);
  long w[UAT_LOGIC_MAX_INPUTS + 1] = {0};
  for (;;) {
    size_t mistakes = 0;
    for (size_t r = 0; r < rows; r++) {
      const long y = table[r] ? 1 : -1;
      long s = w[n];
      for (size_t i = 0; i < n; i++) s += ((r >> (n - 1 - i)) & 1) ? w[i] : -w[i];
      if (y * s > 0) continue;
      mistakes++;
      if (++v->updates > v->bound) return UAT_OK; /* more than any separable function needs */
      for (size_t i = 0; i < n; i++) w[i] += ((r >> (n - 1 - i)) & 1) ? y : -y;
      w[n] += y;
    }
    if (mistakes == 0) break;
  }
  v->separable = 1;
  make_rule(n, table, w, v);
  return UAT_OK;
}

void uat_logic_rule_string(const uat_logic_verdict *v, char *buf, size_t len) {
  size_t used = 0;
  int terms = 0;
  if (len == 0) return;
  buf[0] = '\0';
  for (size_t i = 0; i < v->n && used < len; i++) {
    const long w = v->w[i];
    if (w == 0) continue;
    const char *sign = w < 0 ? (terms ? " - " : "-") : (terms ? " + " : "");
    char coef[32] = "";
    if (labs(w) != 1) snprintf(coef, sizeof coef, "%ld ", labs(w));
    const int k = snprintf(buf + used, len - used, "%s%sx%zu", sign, coef, i + 1);
    if (k < 0) return;
    used += (size_t)k;
    terms++;
  }
  if (terms == 0) { /* a constant: 0 >= threshold */
    snprintf(buf, len, "%s", v->threshold <= 0 ? "true" : "false");
    return;
  }
  if (used < len) snprintf(buf + used, len - used, " >= %g", v->threshold);
}

const char *uat_logic_gate_name(unsigned bits) {
  static const char *const names[16] = {
      "false", "and",    "x1 and not x2", "x1",     "not x1 and x2", "x2",   "xor", "or", "nor",
      "xnor",  "not x2", "x1 or not x2",  "not x1", "not x1 or x2",  "nand", "true"};
  return bits < 16 ? names[bits] : "unknown";
}

static size_t ones(size_t r) {
  size_t k = 0;
  for (; r; r >>= 1) k += r & 1;
  return k;
}

void uat_logic_parity(size_t n, unsigned char *table) {
  for (size_t r = 0; r < ((size_t)1 << n); r++) table[r] = ones(r) & 1;
}

void uat_logic_majority(size_t n, unsigned char *table) {
  for (size_t r = 0; r < ((size_t)1 << n); r++) table[r] = 2 * ones(r) > n;
}

double uat_novikoff_bound(const uat_mlp *m, const uat_dataset *d, double *R, double *gamma) {
  const size_t in = d->in;
  const double *w = uat_mlp_weights(m, 0), b = uat_mlp_bias(m, 0)[0];
  double norm = b * b;
  for (size_t j = 0; j < in; j++) norm += w[j] * w[j];
  norm = sqrt(norm);
  *R = 0.0;
  *gamma = INFINITY;
  for (size_t k = 0; k < d->n; k++) {
    const double *x = d->x + k * in;
    double z = b, r2 = 1.0;
    for (size_t j = 0; j < in; j++) z += w[j] * x[j], r2 += x[j] * x[j];
    *R = fmax(*R, sqrt(r2));
    *gamma = fmin(*gamma, (d->y[k * d->out] > 0.5 ? z : -z) / norm);
  }
  if (!(*gamma > 0) || m->n_layers != 1 || uat_mlp_out(m) != 1) return INFINITY;
  return (*R / *gamma) * (*R / *gamma);
}

uat_logic_params uat_logic_default_params(void) {
  const uat_logic_params p = {0, 100, 1000, 0.1, 4};
  return p;
}

/* Rows right (logit sign against the table) of network m on the rows of d. */
static size_t rows_right(const uat_mlp *m, const uat_dataset *d) {
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, d->n);
  if (w == NULL) return 0;
  const double *y = uat_mlp_forward(m, w, d->n, d->x);
  size_t right = 0;
  for (size_t r = 0; r < d->n; r++) right += (y[r] > 0) == (d->y[r] > 0.5);
  uat_mlp_workspace_free(w);
  return right;
}

/* Train p->seeds networks n-h-1 (h = 0: n-1) on d side by side; right[k] receives the rows
 * seed k's network gets right, and nets (when not NULL) the trained networks. */
static int train_shape(const uat_dataset *d, size_t h, const uat_logic_params *p, size_t *right,
                       uat_mlp **nets, uat_error *err) {
  const size_t S = p->seeds, sizes[3] = {d->in, h, 1};
  const uat_activation act[2] = {h ? UAT_ACT_SIGMOID : UAT_ACT_IDENTITY, UAT_ACT_IDENTITY};
  uat_mlp **m = calloc(S, sizeof(uat_mlp *));
  uat_fit_params *fp = calloc(S, sizeof *fp);
  uat_fit_result *res = calloc(S, sizeof *res);
  int *status = calloc(S, sizeof *status);
  uat_error *errs = calloc(S, sizeof *errs);
  int st = m && fp && res && status && errs ? UAT_OK : UAT_ENOMEM;
  const uat_init_spec init = uat_init_spec_torch();
  for (size_t k = 0; k < S && st == UAT_OK; k++) {
    m[k] = h ? uat_mlp_alloc(3, sizes, act) : uat_mlp_alloc(2, (size_t[2]){d->in, 1}, act + 1);
    gsl_rng *rng = uat_rng_alloc(p->seed0 + k);
    st = m[k] && rng ? uat_mlp_init(m[k], &init, rng) : UAT_ENOMEM;
    gsl_rng_free(rng);
    fp[k] = uat_fit_default_params(UAT_FIT_ADAM);
    fp[k].max_iter = p->epochs;
    fp[k].lr = p->lr;
    fp[k].loss = UAT_LOSS_BCE;
    fp[k].seed = p->seed0 + k;
  }
  if (st == UAT_OK) st = uat_fit_train_lanes(S, m, d, fp, res, status, errs);
  for (size_t k = 0; k < S && st == UAT_OK; k++)
    right[k] = status[k] == UAT_OK ? rows_right(m[k], d) : 0; /* a diverged seed learns nothing */
  for (size_t k = 0; m && k < S; k++) {
    if (nets && st == UAT_OK)
      nets[k] = m[k];
    else
      uat_mlp_free(m[k]);
  }
  free(m);
  free(fp);
  free(res);
  free(status);
  free(errs);
  if (st == UAT_ENOMEM) return uat_error_set(err, st, "logic: out of memory");
  if (st != UAT_OK) return uat_error_set(err, st, "logic: cannot train the seeds side by side");
  return UAT_OK;
}

/* The single neuron's statistics from its seeds. */
static void neuron_stats(const uat_dataset *d, const size_t *right, uat_mlp **nets, size_t S,
                         uat_logic_seeds *out) {
  size_t learned = 0, best = 0;
  for (size_t k = 0; k < S; k++) {
    if (right[k] > best) best = right[k];
    if (right[k] != d->n) continue;
    if (!out->neuron_found && nets[k] != NULL) {
      out->neuron_found = 1;
      for (size_t i = 0; i < d->in; i++) out->neuron_w[i] = nets[k]->theta[i];
      out->neuron_b = nets[k]->theta[d->in];
    }
    learned++;
  }
  out->neuron_rate = (double)learned / (double)S;
  out->neuron_best = (double)best / (double)d->n;
}

int uat_logic_train(size_t n, const unsigned char *table, const uat_logic_params *p,
                    uat_logic_seeds *out, uat_error *err) {
  memset(out, 0, sizeof *out);
  if (n == 0 || n > UAT_LOGIC_MAX_INPUTS || p->seeds == 0 || p->epochs == 0 ||
      p->max_width > UAT_LOGIC_MAX_WIDTH || !(p->lr > 0))
    return uat_error_set(err, UAT_EINVAL,
                         "logic: 1 to %d inputs, seeds, epochs and a positive "
                         "learning rate; widths up to %d",
                         UAT_LOGIC_MAX_INPUTS, UAT_LOGIC_MAX_WIDTH);
  const size_t rows = (size_t)1 << n, S = p->seeds;
  uat_dataset *d = uat_dataset_alloc(rows, n, 1);
  size_t *right = calloc(S, sizeof *right);
  uat_mlp **nets = calloc(S, sizeof(uat_mlp *));
  if (d == NULL || right == NULL || nets == NULL) {
    uat_dataset_free(d);
    free(right);
    free(nets);
    return uat_error_set(err, UAT_ENOMEM, "logic: out of memory");
  }
  int st = UAT_OK;
  for (size_t r = 0; r < rows; r++) {
    for (size_t i = 0; i < n; i++) d->x[r * n + i] = (double)((r >> (n - 1 - i)) & 1);
    d->y[r] = table[r] ? 1.0 : 0.0;
  }
  if (st == UAT_OK) st = train_shape(d, 0, p, right, nets, err);
  if (st == UAT_OK) neuron_stats(d, right, nets, S, out);
  for (size_t h = 1; h <= p->max_width && st == UAT_OK; h++) {
    st = train_shape(d, h, p, right, NULL, err);
    size_t learned = 0;
    for (size_t k = 0; k < S && st == UAT_OK; k++) learned += right[k] == rows;
    out->hidden_rate[h - 1] = (double)learned / (double)S;
  }
  for (size_t k = 0; k < S; k++) uat_mlp_free(nets[k]);
  free(nets);
  free(right);
  uat_dataset_free(d);
  return st;
}
