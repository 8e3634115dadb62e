/* memory.c — the Hopfield network: Hebbian storage, asynchronous recall, capacity. */
#include "uat/memory.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "uat/init.h"

uat_hopfield *uat_hopfield_alloc(size_t n) {
  if (n == 0 || n > 65536) return NULL;
  uat_hopfield *h = calloc(1, sizeof *h);
  if (h == NULL) return NULL;
  h->n = n;
  h->w = calloc(n * n, sizeof *h->w);
  if (h->w == NULL) {
    free(h);
    return NULL;
  }
  return h;
}

void uat_hopfield_free(uat_hopfield *h) {
  if (h == NULL) return;
  free(h->w);
  free(h);
}

void uat_hopfield_store(uat_hopfield *h, size_t p, const signed char *patterns) {
  const size_t n = h->n;
  memset(h->w, 0, n * n * sizeof *h->w);
  for (size_t mu = 0; mu < p; mu++) {
    const signed char *xi = patterns + mu * n;
    for (size_t i = 0; i < n; i++) {
      double *row = h->w + i * n;
      const double a = (double)xi[i] / (double)n;
      for (size_t j = 0; j < n; j++) row[j] += a * (double)xi[j];
    }
  }
  for (size_t i = 0; i < n; i++) h->w[i * n + i] = 0.0;
}

size_t uat_hopfield_recall(const uat_hopfield *h, signed char *state, size_t max_sweeps,
                           gsl_rng *r) {
  const size_t n = h->n;
  size_t *order = malloc(n * sizeof *order), sweep = 0;
  if (order == NULL) return 0;
  for (size_t i = 0; i < n; i++) order[i] = i;
  for (int changed = 1; changed && sweep < max_sweeps; sweep++) {
    changed = 0;
    gsl_ran_shuffle(r, order, n, sizeof *order);
    for (size_t k = 0; k < n; k++) {
      const size_t i = order[k];
      const double *row = h->w + i * n;
      double field = 0.0;
      for (size_t j = 0; j < n; j++) field += row[j] * (double)state[j];
      signed char s = state[i]; /* a tie keeps the unit's state */
      if (field > 0) s = 1;
      if (field < 0) s = -1;
      if (s != state[i]) state[i] = s, changed = 1;
    }
  }
  free(order);
  return sweep;
}

double uat_hopfield_overlap(size_t n, const signed char *a, const signed char *b) {
  long sum = 0;
  for (size_t i = 0; i < n; i++) sum += (long)a[i] * (long)b[i];
  return (double)sum / (double)n;
}

int uat_hopfield_capacity(size_t n, double load, double noise, size_t seeds, unsigned long seed0,
                          uat_memory_point *out, uat_error *err) {
  memset(out, 0, sizeof *out);
  if (n < 2 || n > 4096 || !(load > 0) || load > 2 || !(noise >= 0 && noise < 0.5) || seeds == 0)
    return uat_error_set(err, UAT_EINVAL,
                         "memory: expected 2 to 4096 units, a load in (0, 2], "
                         "noise in [0, 0.5) and seeds");
  const size_t p = (size_t)fmax(1.0, round(load * (double)n));
  out->n = n;
  out->p = p;
  out->load = (double)p / (double)n;
  uat_hopfield *h = uat_hopfield_alloc(n);
  signed char *xi = malloc(p * n), *s = malloc(n);
  int st = h && xi && s ? UAT_OK : uat_error_set(err, UAT_ENOMEM, "memory: out of memory");
  double overlap = 0;
  for (size_t k = 0; k < seeds && st == UAT_OK; k++) {
    gsl_rng *r = uat_rng_alloc(seed0 + k);
    if (r == NULL) {
      st = uat_error_set(err, UAT_ENOMEM, "memory: out of memory");
      break;
    }
    for (size_t i = 0; i < p * n; i++) xi[i] = gsl_rng_uniform(r) < 0.5 ? 1 : -1;
    uat_hopfield_store(h, p, xi);
    for (size_t mu = 0; mu < p && mu < 20; mu++) {
      memcpy(s, xi + mu * n, n);
      for (size_t i = 0; i < n; i++)
        if (gsl_rng_uniform(r) < noise) s[i] = (signed char)-s[i];
      uat_hopfield_recall(h, s, 100, r);
      const double m = uat_hopfield_overlap(n, s, xi + mu * n);
      overlap += m;
      out->tested++;
      out->recalled += m >= 0.95;
    }
    gsl_rng_free(r);
  }
  out->mean_overlap = out->tested ? overlap / (double)out->tested : NAN;
  uat_hopfield_free(h);
  free(xi);
  free(s);
  return st;
}
