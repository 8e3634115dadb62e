/* ga.c — a genetic algorithm over a vector of real genes, with the choices PyGAD offers
 * and its defaults (PyGAD 3.x: steady-state parent selection, single-point crossover, random
 * mutation adding uniform [-1, 1] to 10% of the genes, one elite kept, a first population
 * uniform in [-4, 4]). Fitness is a value to minimise. One iteration is one generation.
 * (approx/fit_ga.c makes it a trainer.) */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "uat/ga.h"
#include "uat/init.h"
#include "uat/status.h"

struct uat_ga {
  uat_ga_params tcopy;
  const uat_ga_params *t;
  uat_ga_fn fn;
  void *ctx;
  size_t evaluations;
  gsl_rng *r;
  size_t n, pop, parents;
  double *genes, *next, *loss, *best, best_loss, mean_loss;
  size_t *order, *chosen;
};
typedef struct uat_ga ga;

uat_ga_params uat_ga_default_params(void) {
  const uat_ga_params p = {50,  0, UAT_GA_SSS, 3,  UAT_GA_SINGLE_POINT, UAT_GA_RANDOM, 0.1,
                           0.5, 1, -4.0,       4.0};
  return p;
}

uat_ga *uat_ga_alloc(size_t n, const uat_ga_params *p, unsigned long seed) {
  if (n == 0 || p == NULL || !(p->init_high >= p->init_low)) return NULL;
  ga *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->tcopy = *p;
  s->t = &s->tcopy;
  s->n = n;
  s->pop = s->t->population < 2 ? 2 : s->t->population;
  s->parents = s->t->parents ? s->t->parents : s->pop / 2;
  if (s->parents < 2) s->parents = 2;
  if (s->parents > s->pop) s->parents = s->pop;
  s->r = uat_rng_alloc(seed);
  s->genes = malloc(s->pop * s->n * sizeof *s->genes);
  s->next = malloc(s->pop * s->n * sizeof *s->next);
  s->loss = malloc(s->pop * sizeof *s->loss);
  s->best = malloc(s->n * sizeof *s->best);
  s->order = malloc(s->pop * sizeof *s->order);
  s->chosen = malloc(s->parents * sizeof *s->chosen);
  if (!s->r || !s->genes || !s->next || !s->loss || !s->best || !s->order || !s->chosen) {
    uat_ga_free(s);
    return NULL;
  }
  return s;
}

void uat_ga_set(uat_ga *s, uat_ga_fn fn, void *ctx, const double *x0) {
  s->fn = fn;
  s->ctx = ctx;
  memcpy(s->genes, x0, s->n * sizeof *s->genes); /* solution 0: the starting point */
  for (size_t i = s->n; i < s->pop * s->n; i++)
    s->genes[i] = gsl_ran_flat(s->r, s->t->init_low, s->t->init_high);
  memcpy(s->best, x0, s->n * sizeof *s->best);
  s->best_loss = INFINITY;
  s->evaluations = 0;
}

static const double *sort_loss;
static int by_loss(const void *a, const void *b) {
  const double x = sort_loss[*(const size_t *)a], y = sort_loss[*(const size_t *)b];
  return (x > y) - (x < y);
}

static void evaluate(ga *s) {
  double sum = 0;
  size_t finite = 0;
  for (size_t k = 0; k < s->pop; k++) {
    const double l = s->fn(s->genes + k * s->n, s->ctx);
    s->evaluations++;
    s->loss[k] = isfinite(l) ? l : INFINITY;
    if (isfinite(l)) sum += l, finite++;
    s->order[k] = k;
  }
  s->mean_loss = finite ? sum / (double)finite : INFINITY;
  sort_loss = s->loss;
  qsort(s->order, s->pop, sizeof *s->order, by_loss);
}

/* The parents: the best (steady state), tournament winners, or drawn by rank. */
static void select_parents(ga *s) {
  for (size_t k = 0; k < s->parents; k++) {
    if (s->t->selection == UAT_GA_TOURNAMENT) {
      size_t win = gsl_rng_uniform_int(s->r, s->pop);
      for (size_t j = 1; j < s->t->tournament; j++) {
        const size_t c = gsl_rng_uniform_int(s->r, s->pop);
        if (s->loss[c] < s->loss[win]) win = c;
      }
      s->chosen[k] = win;
    } else if (s->t->selection == UAT_GA_RANK) {
      /* rank r (0 best) with probability proportional to pop - r */
      const double total = (double)s->pop * (double)(s->pop + 1) / 2;
      double u = gsl_rng_uniform(s->r) * total;
      size_t r = 0;
      while (r + 1 < s->pop && (u -= (double)(s->pop - r)) > 0) r++;
      s->chosen[k] = s->order[r];
    } else {
      s->chosen[k] = s->order[k];
    }
  }
}

/* Child c from parents a and b (PyGAD pairs parent k with parent k + 1, cyclically). */
static void crossover(ga *s, const double *a, const double *b, double *c) {
  if (s->t->crossover == UAT_GA_UNIFORM) {
    for (size_t i = 0; i < s->n; i++) c[i] = gsl_rng_uniform(s->r) < 0.5 ? a[i] : b[i];
    return;
  }
  const size_t cut = gsl_rng_uniform_int(s->r, s->n);
  for (size_t i = 0; i < s->n; i++) c[i] = i < cut ? a[i] : b[i];
}

static void mutate(ga *s, double *c, double child_loss_hint) {
  double rate = s->t->mutation_rate;
  if (s->t->mutation == UAT_GA_ADAPTIVE && child_loss_hint > s->mean_loss) rate *= 2;
  const size_t genes = (size_t)fmax(1.0, round(rate * (double)s->n));
  for (size_t g = 0; g < genes; g++) {
    const size_t i = gsl_rng_uniform_int(s->r, s->n);
    c[i] += s->t->mutation == UAT_GA_GAUSSIAN ? gsl_ran_gaussian(s->r, s->t->mutation_sd)
                                              : gsl_ran_flat(s->r, -1.0, 1.0);
  }
}

int uat_ga_iterate(uat_ga *s) {
  evaluate(s);
  const size_t top = s->order[0];
  if (s->loss[top] < s->best_loss) {
    s->best_loss = s->loss[top];
    memcpy(s->best, s->genes + top * s->n, s->n * sizeof *s->best);
  }
  select_parents(s);
  const size_t elite = s->t->elitism < s->pop ? s->t->elitism : s->pop - 1;
  for (size_t k = 0; k < elite; k++)
    memcpy(s->next + k * s->n, s->genes + s->order[k] * s->n, s->n * sizeof(double));
  for (size_t k = elite; k < s->pop; k++) {
    const size_t pa = s->chosen[(k - elite) % s->parents],
                 pb = s->chosen[(k - elite + 1) % s->parents];
    double *c = s->next + k * s->n;
    crossover(s, s->genes + pa * s->n, s->genes + pb * s->n, c);
    mutate(s, c, 0.5 * (s->loss[pa] + s->loss[pb]));
  }
  double *t = s->genes;
  s->genes = s->next;
  s->next = t;
  return UAT_OK;
}

const double *uat_ga_best(const uat_ga *s) { return s->best; }
double uat_ga_best_f(const uat_ga *s) { return s->best_loss; }
double uat_ga_mean_f(const uat_ga *s) { return s->mean_loss; }
size_t uat_ga_evaluations(const uat_ga *s) { return s->evaluations; }

void uat_ga_free(uat_ga *s) {
  if (s == NULL) return;
  gsl_rng_free(s->r);
  free(s->genes), free(s->next), free(s->loss), free(s->best), free(s->order), free(s->chosen);
  free(s);
}
