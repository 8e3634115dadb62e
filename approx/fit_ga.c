/* fit_ga.c — a genetic algorithm over the flat parameter vector, with the choices PyGAD offers
 * and its defaults (PyGAD 3.x: steady-state parent selection, single-point crossover, random
 * mutation adding uniform [-1, 1] to 10% of the genes, one elite kept, a first population
 * uniform in [-4, 4]). Fitness is the loss, lower is better. One iteration is one generation;
 * the network holds the best solution found so far after every generation. */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fit_internal.h"
#include "uat/init.h"

typedef struct {
  uat_fit_batch b;
  const uat_fit_tuning *t;
  gsl_rng *r;
  size_t n, pop, parents;
  double *genes, *next, *loss, *best, best_loss, mean_loss;
  size_t *order, *chosen;
} ga;

static int ga_alloc(void *state, const uat_fit_problem *pb) {
  ga *s = state;
  s->t = &pb->p->tune;
  s->n = pb->m->n_params;
  s->pop = s->t->ga_population < 2 ? 2 : s->t->ga_population;
  s->parents = s->t->ga_parents ? s->t->ga_parents : s->pop / 2;
  if (s->parents < 2) s->parents = 2;
  if (s->parents > s->pop) s->parents = s->pop;
  s->r = uat_rng_alloc(pb->p->seed);
  s->genes = malloc(s->pop * s->n * sizeof *s->genes);
  s->next = malloc(s->pop * s->n * sizeof *s->next);
  s->loss = malloc(s->pop * sizeof *s->loss);
  s->best = malloc(s->n * sizeof *s->best);
  s->order = malloc(s->pop * sizeof *s->order);
  s->chosen = malloc(s->parents * sizeof *s->chosen);
  if (uat_fit_batch_alloc(&s->b, pb) != UAT_OK || !s->r || !s->genes || !s->next || !s->loss ||
      !s->best || !s->order || !s->chosen)
    return UAT_ENOMEM;
  memcpy(s->genes, pb->m->theta, s->n * sizeof *s->genes); /* solution 0: the network */
  for (size_t i = s->n; i < s->pop * s->n; i++)
    s->genes[i] = gsl_ran_flat(s->r, s->t->ga_init_low, s->t->ga_init_high);
  memcpy(s->best, pb->m->theta, s->n * sizeof *s->best);
  s->best_loss = INFINITY;
  return UAT_OK;
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
    memcpy(s->b.m->theta, s->genes + k * s->n, s->n * sizeof(double));
    const double l = uat_fit_batch_mse(&s->b, NULL);
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
    if (s->t->ga_selection == UAT_GA_TOURNAMENT) {
      size_t win = gsl_rng_uniform_int(s->r, s->pop);
      for (size_t j = 1; j < s->t->ga_tournament; j++) {
        const size_t c = gsl_rng_uniform_int(s->r, s->pop);
        if (s->loss[c] < s->loss[win]) win = c;
      }
      s->chosen[k] = win;
    } else if (s->t->ga_selection == UAT_GA_RANK) {
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
  if (s->t->ga_crossover == UAT_GA_UNIFORM) {
    for (size_t i = 0; i < s->n; i++) c[i] = gsl_rng_uniform(s->r) < 0.5 ? a[i] : b[i];
    return;
  }
  const size_t cut = gsl_rng_uniform_int(s->r, s->n);
  for (size_t i = 0; i < s->n; i++) c[i] = i < cut ? a[i] : b[i];
}

static void mutate(ga *s, double *c, double child_loss_hint) {
  double rate = s->t->ga_mutation_rate;
  if (s->t->ga_mutation == UAT_GA_ADAPTIVE && child_loss_hint > s->mean_loss) rate *= 2;
  const size_t genes = (size_t)fmax(1.0, round(rate * (double)s->n));
  for (size_t g = 0; g < genes; g++) {
    const size_t i = gsl_rng_uniform_int(s->r, s->n);
    c[i] += s->t->ga_mutation == UAT_GA_GAUSSIAN ? gsl_ran_gaussian(s->r, s->t->ga_mutation_sd)
                                                 : gsl_ran_flat(s->r, -1.0, 1.0);
  }
}

static int ga_iterate(void *state, double *rmse, int *converged) {
  ga *s = state;
  (void)converged;
  evaluate(s);
  const size_t top = s->order[0];
  if (s->loss[top] < s->best_loss) {
    s->best_loss = s->loss[top];
    memcpy(s->best, s->genes + top * s->n, s->n * sizeof *s->best);
  }
  select_parents(s);
  const size_t elite = s->t->ga_elitism < s->pop ? s->t->ga_elitism : s->pop - 1;
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
  memcpy(s->b.m->theta, s->best, s->n * sizeof *s->best); /* the best so far, for the monitor */
  *rmse = sqrt(s->best_loss);
  return UAT_OK;
}

static void ga_free(void *state) {
  ga *s = state;
  uat_fit_batch_free(&s->b);
  gsl_rng_free(s->r);
  free(s->genes), free(s->next), free(s->loss), free(s->best), free(s->order), free(s->chosen);
}

const uat_fit_type uat_fit_type_ga = {
    "ga",       "genetic algorithm (PyGAD's choices and defaults), no gradients, population 50",
    1000,       0,
    sizeof(ga), ga_alloc,
    ga_iterate, NULL,
    ga_free};
