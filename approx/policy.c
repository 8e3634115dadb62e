/* policy.c — learning to control: neuroevolution (CMA-ES, GA) and REINFORCE with a baseline. */
#include "uat/policy.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "uat/cmaes.h"
#include "uat/ga.h"
#include "uat/init.h"
#include "uat/optim.h"
#include "uat/util.h"

static const char *const method_names[] = {"cmaes", "ga", "reinforce"};

const char *uat_policy_method_name(uat_policy_method m) {
  return uat_enum_name(method_names, 3, (int)m);
}

int uat_policy_method_parse(const char *name, uat_policy_method *m) {
  int k = 0;
  const int st = uat_enum_parse(method_names, 3, name, &k);
  if (st == UAT_OK) *m = (uat_policy_method)k;
  return st;
}

uat_policy_params uat_policy_default_params(void) {
  const uat_policy_params p = {
      UAT_POLICY_CMAES, 8, 5, 20000, 100, NAN, 0.5, 0, 0.01, 10, 0.99, 0.5, 0};
  return p;
}

void uat_policy_result_free(uat_policy_result *r) {
  free(r->curve_episodes);
  free(r->curve_return);
  memset(r, 0, sizeof *r);
}

/* Everything a training run shares: the environment, the network, the account. */
typedef struct {
  uat_env *e;
  const uat_policy_params *p;
  uat_mlp *m;
  uat_policy_result *r;
  uat_error *err;
  unsigned long starts; /* the seed of this generation's episode starts */
  int failed;           /* an integration failed */
  size_t curve_cap;
} trainer;

static int curve_add(trainer *t, double ret) {
  uat_policy_result *r = t->r;
  if (r->n_curve == t->curve_cap) {
    const size_t cap = t->curve_cap ? 2 * t->curve_cap : 256;
    double *a = realloc(r->curve_episodes, cap * sizeof *a);
    if (a) r->curve_episodes = a;
    double *b = a ? realloc(r->curve_return, cap * sizeof *b) : NULL;
    if (b) r->curve_return = b;
    if (!a || !b) return UAT_ENOMEM;
    t->curve_cap = cap;
  }
  r->curve_episodes[r->n_curve] = (double)r->episodes;
  r->curve_return[r->n_curve++] = ret;
  return UAT_OK;
}

/* The mean return of the policy with parameters x over fitness_episodes episodes from this
 * generation's starts; counted in the account. */
static double mean_return(trainer *t, const double *x) {
  memcpy(t->m->theta, x, t->m->n_params * sizeof *x);
  gsl_rng *r = uat_rng_alloc(t->starts);
  double sum = 0;
  for (size_t k = 0; k < t->p->fitness_episodes && r; k++) {
    size_t n = 0;
    const double ret = uat_env_episode(t->e, t->m, r, NULL, &n, t->err);
    if (!isfinite(ret)) t->failed = 1;
    sum += ret;
    t->r->episodes++;
    t->r->steps += n - 1;
  }
  gsl_rng_free(r);
  return sum / (double)t->p->fitness_episodes;
}

static double neg_return(const double *x, void *ctx) { return -mean_return(ctx, x); }

/* The solved test on fresh episodes (the k-th test's starts differ from every other's). */
static int solved_test(trainer *t) {
  const unsigned long seed = 1000003UL * (t->p->seed + 1) + 7919UL * ++t->r->checks;
  const double m = uat_env_evaluate(t->e, t->m, t->p->check_episodes, seed, t->err);
  if (!isfinite(m)) t->failed = 1;
  return m >= t->r->threshold;
}

/* CMA-ES or the GA on the policy's parameters. */
static int evolve(trainer *t) {
  const size_t P = t->m->n_params;
  uat_cmaes_params cp = uat_cmaes_default_params();
  cp.sigma0 = t->p->sigma0;
  cp.lambda = t->p->population;
  uat_ga_params gp = uat_ga_default_params();
  if (t->p->population) gp.population = t->p->population;
  const int ga = t->p->method == UAT_POLICY_GA;
  uat_cmaes *es = ga ? NULL : uat_cmaes_alloc(P, &cp, t->p->seed);
  uat_ga *g = ga ? uat_ga_alloc(P, &gp, t->p->seed) : NULL;
  double *x0 = malloc(P * sizeof *x0);
  if ((es == NULL && g == NULL) || x0 == NULL) {
    uat_cmaes_free(es);
    uat_ga_free(g);
    free(x0);
    return uat_error_set(t->err, UAT_ENOMEM, "control: out of memory");
  }
  memcpy(x0, t->m->theta, P * sizeof *x0);
  if (ga)
    uat_ga_set(g, neg_return, t, x0);
  else
    uat_cmaes_set(es, neg_return, t, x0);
  int st = UAT_OK;
  for (unsigned long gen = 0; t->r->episodes < t->p->max_episodes && st == UAT_OK; gen++) {
    t->starts = 1000003UL * t->p->seed + gen; /* common random numbers within a generation */
    st = ga ? uat_ga_iterate(g) : uat_cmaes_iterate(es);
    const double best = -(ga ? uat_ga_best_f(g) : uat_cmaes_best_f(es));
    if (st == UAT_OK && curve_add(t, best) != UAT_OK) st = UAT_ENOMEM;
    memcpy(t->m->theta, ga ? uat_ga_best(g) : uat_cmaes_best(es), P * sizeof(double));
    if (t->failed) st = UAT_ESOLVER;
    if (st == UAT_OK && best >= t->r->threshold && solved_test(t)) t->r->solved = 1;
    if (t->r->solved) break;
  }
  uat_cmaes_free(es);
  uat_ga_free(g);
  free(x0);
  return st;
}

/* REINFORCE: batches of episodes with the stochastic policy (cart-pole: push right with
 * probability sigmoid(output); pendulum: torque 2 tanh(output + noise N(0, sd^2))), returns-to-go
 * standardised over the batch as the baseline, and an Adam step on the mean of
 * -A_t d log pi(a_t | s_t) / d theta. */
typedef struct {
  double *obs, *dlogp, *ret; /* per step of the batch: inputs, d log pi / d output, return */
  size_t cap, n;
} batch;

static int batch_episode(trainer *t, uat_mlp_workspace *w1, gsl_rng *r, batch *b, double *ret) {
  uat_env *e = t->e;
  const size_t od = uat_env_obs_dim(e);
  const int cart = uat_env_get_kind(e) == UAT_ENV_CARTPOLE;
  const size_t first = b->n;
  uat_env_reset(e, r);
  *ret = 0;
  for (int done = 0; !done;) {
    double *o = b->obs + b->n * od, reward;
    uat_env_observe(e, o);
    const double out = uat_mlp_forward(t->m, w1, 1, o)[0];
    double control;
    if (cart) {
      const double pr = 1.0 / (1.0 + exp(-out));
      const int right = gsl_rng_uniform(r) < pr;
      control = right ? 10.0 : -10.0;
      b->dlogp[b->n] = (double)right - pr;
    } else {
      const double eps = gsl_ran_gaussian(r, t->p->noise);
      control = 2.0 * tanh(out + eps);
      b->dlogp[b->n] = eps / (t->p->noise * t->p->noise);
    }
    if (uat_env_step(e, control, &reward, &done, t->err) != UAT_OK) return UAT_ESOLVER;
    b->ret[b->n++] = reward;
    *ret += reward;
  }
  for (size_t k = b->n; k-- > first;) /* returns-to-go, discounted, from the end */
    b->ret[k] += t->p->gamma * (k + 1 < b->n ? b->ret[k + 1] : 0.0);
  t->r->episodes++;
  t->r->steps += b->n - first;
  return UAT_OK;
}

static void standardise(double *v, size_t n) {
  double mean = 0, var = 0;
  for (size_t k = 0; k < n; k++) mean += v[k];
  mean /= (double)n;
  for (size_t k = 0; k < n; k++) var += (v[k] - mean) * (v[k] - mean);
  const double sd = sqrt(var / (double)n);
  for (size_t k = 0; k < n; k++) v[k] = (v[k] - mean) / (sd > 0 ? sd : 1.0);
}

static int reinforce(trainer *t) {
  const size_t steps = uat_env_max_steps(t->e), rows = t->p->batch * steps, P = t->m->n_params;
  const size_t od = uat_env_obs_dim(t->e);
  batch b = {malloc(rows * od * sizeof(double)), malloc(rows * sizeof(double)),
             malloc(rows * sizeof(double)), rows, 0};
  uat_optimizer_params op = uat_optimizer_default_params(UAT_OPT_ADAM);
  op.lr = t->p->lr;
  uat_optimizer *o = uat_optimizer_alloc(&op, P);
  uat_mlp_workspace *w1 = uat_mlp_workspace_alloc(t->m, 1),
                    *wb = uat_mlp_workspace_alloc(t->m, rows);
  double *grad = malloc(P * sizeof *grad), *dy = malloc(rows * sizeof *dy);
  gsl_rng *r = uat_rng_alloc(t->p->seed + 1);
  int st = b.obs && b.dlogp && b.ret && o && w1 && wb && grad && dy && r ? UAT_OK : UAT_ENOMEM;
  if (st == UAT_ENOMEM) uat_error_set(t->err, st, "control: out of memory");
  while (st == UAT_OK && t->r->episodes < t->p->max_episodes && !t->r->solved) {
    double sum = 0, ret;
    b.n = 0;
    for (size_t k = 0; k < t->p->batch && st == UAT_OK; k++) {
      st = batch_episode(t, w1, r, &b, &ret);
      sum += ret;
    }
    if (st != UAT_OK) break;
    standardise(b.ret, b.n);
    for (size_t k = 0; k < b.n; k++) dy[k] = -b.ret[k] * b.dlogp[k] / (double)b.n;
    uat_mlp_forward(t->m, wb, b.n, b.obs);
    uat_mlp_backward(t->m, wb, dy, grad, NULL);
    uat_optimizer_step(o, t->m->theta, grad);
    const double mean = sum / (double)t->p->batch;
    if (curve_add(t, mean) != UAT_OK) st = UAT_ENOMEM;
    if (st == UAT_OK && mean >= t->r->threshold && solved_test(t)) t->r->solved = 1;
    if (t->failed) st = UAT_ESOLVER;
  }
  free(b.obs), free(b.dlogp), free(b.ret), free(grad), free(dy);
  uat_optimizer_free(o);
  uat_mlp_workspace_free(w1);
  uat_mlp_workspace_free(wb);
  gsl_rng_free(r);
  return st;
}

int uat_policy_train(uat_env *e, const uat_policy_params *p, uat_mlp **policy, uat_policy_result *r,
                     uat_error *err) {
  memset(r, 0, sizeof *r);
  *policy = NULL;
  if (p->fitness_episodes == 0 || p->check_episodes == 0 || p->batch == 0 || !(p->lr > 0) ||
      !(p->noise > 0) || !(p->sigma0 > 0) || p->hidden > 4096)
    return uat_error_set(err, UAT_EINVAL, "control: bad training parameters");
  r->threshold = isnan(p->solved_return)
                     ? (uat_env_get_kind(e) == UAT_ENV_CARTPOLE ? 475.0 : -200.0)
                     : p->solved_return;
  const size_t sizes[3] = {uat_env_obs_dim(e), p->hidden, 1};
  const uat_activation act[2] = {UAT_ACT_TANH, UAT_ACT_IDENTITY};
  uat_mlp *m = p->hidden ? uat_mlp_alloc(3, sizes, act)
                         : uat_mlp_alloc(2, (size_t[2]){sizes[0], 1}, act + 1);
  gsl_rng *rng = uat_rng_alloc(p->seed);
  const uat_init_spec init = uat_init_spec_torch();
  if (m == NULL || rng == NULL || uat_mlp_init(m, &init, rng) != UAT_OK) {
    uat_mlp_free(m);
    gsl_rng_free(rng);
    return uat_error_set(err, UAT_ENOMEM, "control: out of memory");
  }
  gsl_rng_free(rng);
  trainer t = {e, p, m, r, err, 0, 0, 0};
  const int st = p->method == UAT_POLICY_REINFORCE ? reinforce(&t) : evolve(&t);
  if (st == UAT_OK) {
    const unsigned long seed = 1000003UL * (p->seed + 1) + 7919UL * (r->checks + 1000);
    r->final_return = uat_env_evaluate(e, m, p->check_episodes, seed, err);
    *policy = m;
    return isfinite(r->final_return) ? UAT_OK : UAT_ESOLVER;
  }
  uat_mlp_free(m);
  uat_policy_result_free(r);
  return st;
}
