/* uat/policy.h — learning to control (uat/control.h): a policy network trained by
 * neuroevolution (CMA-ES or the GA on its parameters, fitness the mean episode return) or by
 * REINFORCE with a baseline, until it solves the environment: a mean return of at least the
 * environment's threshold (cart-pole 475, the pendulum -200) over check_episodes fresh episodes. */
#ifndef UAT_POLICY_H
#define UAT_POLICY_H

#include <stddef.h>

#include "uat/control.h"
#include "uat/mlp.h"
#include "uat/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { UAT_POLICY_CMAES = 0, UAT_POLICY_GA, UAT_POLICY_REINFORCE } uat_policy_method;

/** "cmaes", "ga", "reinforce". */
const char *uat_policy_method_name(uat_policy_method m);
int uat_policy_method_parse(const char *name, uat_policy_method *m);

typedef struct {
  uat_policy_method method;
  size_t hidden;           /**< tanh units of the policy's hidden layer; 0: a linear policy (8) */
  size_t fitness_episodes; /**< neuroevolution: episodes per fitness evaluation, the same starts
                                for every candidate of a generation (5) */
  size_t max_episodes;     /**< the training budget in episodes (20000) */
  size_t check_episodes;   /**< the solved test: fresh episodes averaged (100) */
  double solved_return;    /**< NAN: the environment's threshold */
  double sigma0;           /**< cmaes: initial step size (0.5) */
  size_t population;       /**< cmaes: lambda (0: Hansen's default); ga: the population (0: 50) */
  double lr;               /**< reinforce: Adam's learning rate (0.01) */
  size_t batch;            /**< reinforce: episodes per update (10) */
  double gamma;            /**< reinforce: discount of the returns-to-go (0.99) */
  double noise;            /**< reinforce on the pendulum: the Gaussian policy's standard
                                deviation on the output before 2 tanh (0.5) */
  unsigned long seed;      /**< the network's initialisation, the method's random numbers and
                                the episodes' starts (0) */
} uat_policy_params;

uat_policy_params uat_policy_default_params(void);

typedef struct {
  int solved;             /**< the returned policy passed the solved test */
  double threshold;       /**< the solved test's threshold */
  size_t episodes;        /**< training episodes run (solved tests not counted) */
  size_t steps;           /**< simulated steps in them */
  size_t checks;          /**< solved tests run (check_episodes episodes each) */
  double final_return;    /**< the returned policy's mean over check_episodes fresh episodes */
  size_t n_curve;         /**< progress points: */
  double *curve_episodes; /**< training episodes so far ... */
  double *curve_return;   /**< ... and the mean return of that generation's best candidate
                               (neuroevolution) or of that update's batch (reinforce) */
} uat_policy_result;

/** Train a policy for e. *policy receives the network (also when not solved: the best found);
 *  r the account. Returns UAT_OK, UAT_EINVAL, UAT_ENOMEM, UAT_ESOLVER (an integration failed). */
int uat_policy_train(uat_env *e, const uat_policy_params *p, uat_mlp **policy, uat_policy_result *r,
                     uat_error *err);

void uat_policy_result_free(uat_policy_result *r);

#ifdef __cplusplus
}
#endif
#endif
