/* uat/ga.h — a genetic algorithm over a vector of real genes, with the choices and defaults of
 * PyGAD (steady-state, tournament or rank parent selection; single-point or uniform crossover;
 * random, Gaussian or adaptive mutation; elitism). It minimises a function; the trainer `ga`
 * (uat/trainers.h) runs it on a network's loss. */
#ifndef UAT_GA_H
#define UAT_GA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The choices (uat_ga_params and uat_fit_tuning.ga_*). */
enum { UAT_GA_SSS = 0, UAT_GA_TOURNAMENT, UAT_GA_RANK };
enum { UAT_GA_SINGLE_POINT = 0, UAT_GA_UNIFORM };
enum { UAT_GA_RANDOM = 0, UAT_GA_GAUSSIAN, UAT_GA_ADAPTIVE };

typedef struct {
  size_t population;          /**< solutions per generation (PyGAD sol_per_pop) (50) */
  size_t parents;             /**< parents mating (num_parents_mating); 0: population / 2 */
  int selection;              /**< UAT_GA_SSS (steady state, PyGAD's default), _TOURNAMENT, _RANK */
  size_t tournament;          /**< tournament size (K_tournament) (3) */
  int crossover;              /**< UAT_GA_SINGLE_POINT (PyGAD's default) or UAT_GA_UNIFORM */
  int mutation;               /**< UAT_GA_RANDOM (PyGAD's default: add uniform [-1, 1]),
                                   UAT_GA_GAUSSIAN (add N(0, mutation_sd)), UAT_GA_ADAPTIVE (random,
                                   twice the rate for children of parents worse than the mean) */
  double mutation_rate;       /**< fraction of genes mutated, at least one (PyGAD's 10%) (0.1) */
  double mutation_sd;         /**< the Gaussian mutation's standard deviation (0.5) */
  size_t elitism;             /**< best solutions kept unchanged (keep_elitism) (1) */
  double init_low, init_high; /**< the first population uniform in [low, high] (-4, 4); the
                                   starting point is solution 0 */
} uat_ga_params;

uat_ga_params uat_ga_default_params(void);

/** The function to minimise; a non-finite value ranks its solution last. */
typedef double (*uat_ga_fn)(const double *x, void *ctx);

typedef struct uat_ga uat_ga;

/** A GA over n genes, its random numbers from seed; NULL on bad parameters or out of memory. */
uat_ga *uat_ga_alloc(size_t n, const uat_ga_params *p, unsigned long seed);
void uat_ga_free(uat_ga *s);

/** The first population: x0 and population - 1 random solutions. */
void uat_ga_set(uat_ga *s, uat_ga_fn fn, void *ctx, const double *x0);

/** One generation: evaluate, keep the elite, select, cross over, mutate. UAT_OK. */
int uat_ga_iterate(uat_ga *s);

const double *uat_ga_best(const uat_ga *s); /**< the best solution evaluated so far */
double uat_ga_best_f(const uat_ga *s);      /**< its value */
double uat_ga_mean_f(const uat_ga *s);      /**< the last generation's mean (finite values) */
size_t uat_ga_evaluations(const uat_ga *s);

#ifdef __cplusplus
}
#endif
#endif
