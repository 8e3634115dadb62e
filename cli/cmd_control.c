/* cmd_control.c — `uat control`: learn to balance the cart-pole or swing up the pendulum
 * (neuroevolution or REINFORCE), or evaluate a saved policy. Both end with `mean_return = V`. */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "uat/init.h"
#include "uat/io.h"
#include "uat/plot.h"
#include "uat/policy.h"

static void help(FILE *fp) {
  fprintf(
      fp,
      "usage: uat control cartpole|pendulum [--trainer cmaes|ga|reinforce] [--hidden W]\n"
      "                   [--max-episodes N] [--fitness-episodes K] [--check-episodes N]\n"
      "                   [--sigma0 S] [--population P] [--lr R] [--batch B] [--noise S]\n"
      "                   [--integrator cvode|euler] [--seed S] [-o POLICY] [--plot BASE.png]\n"
      "       uat control cartpole|pendulum --policy POLICY [--episodes N] [--seed S]\n"
      "                   [--integrator cvode|euler] [--plot BASE.png]\n\n"
      "Train a policy network (obs -> W tanh units -> 1) until it solves the environment: a\n"
      "mean return of at least 475 (cart-pole, 500 steps) or -200 (pendulum, 200 steps) over\n"
      "--check-episodes fresh episodes; or evaluate a saved policy. Ends with the line\n"
      "mean_return = V (the mean over the evaluation episodes). docs/control.md.\n\n"
      "      --trainer T       cmaes (default), ga (neuroevolution: fitness = mean return over\n"
      "                        --fitness-episodes episodes, default 5) or reinforce\n"
      "      --hidden W        hidden tanh units (default 8; 0: a linear policy)\n"
      "      --max-episodes N  training budget (default 20000)\n"
      "      --check-episodes N  episodes of the solved test and the final evaluation (100)\n"
      "      --sigma0 S, --population P  CMA-ES's step size (0.5) and population (GA: 50)\n"
      "      --lr R, --batch B, --noise S  REINFORCE: Adam's rate (0.01), episodes per update\n"
      "                        (10), the pendulum's exploration noise (0.5)\n"
      "      --integrator I    cvode (default: CVODE with the control held over each step) or\n"
      "                        euler (the benchmark implementations' update)\n"
      "      --policy POLICY   evaluate this saved policy instead of training\n"
      "      --episodes N      evaluation episodes (default 100)\n"
      "  -s, --seed S          seed (default 0)\n"
      "  -o, --output POLICY   save the trained policy\n"
      "      --plot BASE.png   training: return against episodes; and one episode's states\n"
      "                        over time in BASE_episode.png\n"
      "  -h, --help            this text\n");
}

typedef struct {
  const char *env, *policy, *output, *plot;
  uat_integrator integ;
  uat_policy_params p;
  size_t episodes;
} control_options;

static int bad(const char *flag, const char *expected, const char *arg) {
  uat_cli_error("control", "--%s: expected %s, found '%s'", flag, expected, arg);
  return -1;
}

static int count(const char *flag, const char *arg, size_t lo, size_t *v) {
  return uat_parse_size(arg, v) == 0 && *v >= lo && *v <= 100000000
             ? 0
             : bad(flag, lo ? "an integer from 1 to 100000000" : "an integer up to 100000000", arg);
}

static int positive(const char *flag, const char *arg, double *v) {
  return uat_parse_double(arg, v) == 0 && *v > 0 && isfinite(*v)
             ? 0
             : bad(flag, "a positive number", arg);
}

static int option(control_options *o, int c, const char *arg) {
  size_t v;
  switch (c) {
  case 'T':
    return uat_policy_method_parse(arg, &o->p.method) == UAT_OK
               ? 0
               : bad("trainer", "one of cmaes, ga, reinforce", arg);
  case 'H': return count("hidden", arg, 0, &o->p.hidden);
  case 'M': return count("max-episodes", arg, 1, &o->p.max_episodes);
  case 'F': return count("fitness-episodes", arg, 1, &o->p.fitness_episodes);
  case 'C': return count("check-episodes", arg, 1, &o->p.check_episodes);
  case 'S': return positive("sigma0", arg, &o->p.sigma0);
  case 'P': return count("population", arg, 0, &o->p.population);
  case 'l': return positive("lr", arg, &o->p.lr);
  case 'b': return count("batch", arg, 1, &o->p.batch);
  case 'n': return positive("noise", arg, &o->p.noise);
  case 'I':
    if (strcmp(arg, "cvode") == 0)
      o->integ = UAT_INTEGRATOR_CVODE;
    else if (strcmp(arg, "euler") == 0)
      o->integ = UAT_INTEGRATOR_EULER;
    else
      return bad("integrator", "cvode or euler", arg);
    return 0;
  case 'p': o->policy = arg; return 0;
  case 'e': return count("episodes", arg, 1, &o->episodes);
  case 's':
    if (uat_parse_size(arg, &v) != 0) return bad("seed", "a non-negative integer", arg);
    o->p.seed = v;
    return 0;
  case 'o': o->output = arg; return 0;
  case 'g': o->plot = arg; return 0;
  case 'R':
    if (uat_parse_double(arg, &o->p.solved_return) != 0 || !isfinite(o->p.solved_return))
      return bad("solved-return", "a number", arg);
    return 0;
  default: return -1;
  }
}

static int parse(int argc, char **argv, control_options *o) {
  static const struct option opts[] = {{"trainer", required_argument, NULL, 'T'},
                                       {"hidden", required_argument, NULL, 'H'},
                                       {"max-episodes", required_argument, NULL, 'M'},
                                       {"fitness-episodes", required_argument, NULL, 'F'},
                                       {"check-episodes", required_argument, NULL, 'C'},
                                       {"sigma0", required_argument, NULL, 'S'},
                                       {"population", required_argument, NULL, 'P'},
                                       {"lr", required_argument, NULL, 'l'},
                                       {"batch", required_argument, NULL, 'b'},
                                       {"noise", required_argument, NULL, 'n'},
                                       {"integrator", required_argument, NULL, 'I'},
                                       {"policy", required_argument, NULL, 'p'},
                                       {"episodes", required_argument, NULL, 'e'},
                                       {"seed", required_argument, NULL, 's'},
                                       {"output", required_argument, NULL, 'o'},
                                       {"plot", required_argument, NULL, 'g'},
                                       {"solved-return", required_argument, NULL, 'R'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "s:o:h", opts, NULL)) != -1) {
    if (c == 'h') {
      help(stdout);
      return 1;
    }
    if (c == '?') {
      uat_cli_bad_option("control", argv, optind, opts);
      return -1;
    }
    if (option(o, c, optarg ? optarg : "") != 0) return -1;
  }
  if (optind + 1 != argc) {
    uat_cli_error("control", "expected one environment, cartpole or pendulum (try --help)");
    return -1;
  }
  o->env = argv[optind];
  return 0;
}

/* One episode's states over time, and (training) the return against episodes. */
static int plots(const control_options *o, uat_env *e, const uat_mlp *m,
                 const uat_policy_result *r) {
  uat_error err;
  char base[1024], title[300];
  int st = UAT_OK;
  if (r && r->n_curve > 0) {
    uat_cli_plot_base(o->plot, "", base, sizeof base);
    snprintf(title, sizeof title, "%s, %s: return against training episodes", uat_env_name(e),
             uat_policy_method_name(o->p.method));
    static const char *const names[1] = {"mean return"};
    const uat_plot_curves_labels l = {"training episodes", "return", title, 0};
    st = uat_plot_curves(base, r->curve_episodes, r->curve_return, r->n_curve, 1, names, &l, &err);
  }
  const size_t sd = uat_env_state_dim(e), cap = uat_env_max_steps(e) + 1;
  double *states = malloc(cap * sd * sizeof *states), *t = malloc(cap * sizeof *t);
  gsl_rng *rng = uat_rng_alloc(o->p.seed + 424242);
  size_t n = 0;
  /* the pendulum's picture starts hanging down, to show the swing-up */
  static const double down[2] = {3.0, 0.0};
  if (states && t && rng) uat_env_reset(e, rng);
  if (uat_env_get_kind(e) == UAT_ENV_PENDULUM) uat_env_set_state(e, down);
  if ((st == UAT_OK || st == UAT_ENOTFOUND) && states && t && rng &&
      isfinite(uat_env_run(e, m, states, &n, &err))) {
    for (size_t k = 0; k < n; k++) t[k] = (double)k * uat_env_dt(e);
    uat_cli_plot_base(o->plot, "_episode", base, sizeof base);
    const char *names[4];
    for (size_t i = 0; i < sd; i++) names[i] = uat_env_state_name(e, i);
    snprintf(title, sizeof title, "%s: one episode of the policy (%zu steps)%s", uat_env_name(e),
             n - 1, uat_env_get_kind(e) == UAT_ENV_PENDULUM ? " from theta = 3 (hanging)" : "");
    const uat_plot_curves_labels l = {"t (s)", "state", title, 0};
    st = uat_plot_curves(base, t, states, n, sd, names, &l, &err);
  }
  free(states);
  free(t);
  gsl_rng_free(rng);
  if (st == UAT_ENOTFOUND) fprintf(stderr, "uat control: warning: %s\n", err.msg);
  if (st != UAT_OK && st != UAT_ENOTFOUND) {
    uat_cli_error("control", "%s", err.msg);
    return -1;
  }
  return 0;
}

static int evaluate(const control_options *o, uat_env *e) {
  uat_mlp *m = NULL;
  uat_error err;
  if (uat_mlp_load(o->policy, &m, &err) != UAT_OK) {
    uat_cli_error("control", "%s", err.msg);
    return UAT_EXIT_FAIL;
  }
  if (uat_mlp_in(m) != uat_env_obs_dim(e) || uat_mlp_out(m) != 1) {
    uat_cli_error("control", "%s has %zu inputs and %zu outputs; a %s policy has %zu and 1",
                  o->policy, uat_mlp_in(m), uat_mlp_out(m), uat_env_name(e), uat_env_obs_dim(e));
    uat_mlp_free(m);
    return UAT_EXIT_FAIL;
  }
  const double mean = uat_env_evaluate(e, m, o->episodes, 1000003UL * o->p.seed + 99991, &err);
  int rc = UAT_EXIT_OK;
  if (!isfinite(mean)) {
    uat_cli_error("control", "%s", err.msg);
    rc = UAT_EXIT_FAIL;
  } else {
    printf("policy = %s\nenvironment = %s\nepisodes = %zu\nmean_return = %.6g\n", o->policy,
           uat_env_name(e), o->episodes, mean);
    if (o->plot && plots(o, e, m, NULL) != 0) rc = UAT_EXIT_FAIL;
  }
  uat_mlp_free(m);
  return rc;
}

static int train(const control_options *o, uat_env *e) {
  uat_mlp *m = NULL;
  uat_policy_result r;
  uat_error err;
  if (uat_policy_train(e, &o->p, &m, &r, &err) != UAT_OK) {
    uat_cli_error("control", "%s", err.msg);
    return UAT_EXIT_FAIL;
  }
  printf("environment = %s\ntrainer = %s\nhidden = %zu\nseed = %lu\nparams = %zu\n",
         uat_env_name(e), uat_policy_method_name(o->p.method), o->p.hidden, o->p.seed, m->n_params);
  printf("solved = %s\nthreshold = %g\nepisodes = %zu\nsteps = %zu\nsolved_tests = %zu\n",
         r.solved ? "yes" : "no", r.threshold, r.episodes, r.steps, r.checks);
  printf("mean_return = %.6g\n", r.final_return);
  int rc = UAT_EXIT_OK;
  if (o->output && uat_mlp_save(o->output, m, &err) != UAT_OK) {
    uat_cli_error("control", "%s", err.msg);
    rc = UAT_EXIT_FAIL;
  }
  if (o->plot && plots(o, e, m, &r) != 0) rc = UAT_EXIT_FAIL;
  uat_policy_result_free(&r);
  uat_mlp_free(m);
  return rc;
}

int uat_cmd_control(int argc, char **argv) {
  control_options o;
  memset(&o, 0, sizeof o);
  o.p = uat_policy_default_params();
  o.episodes = 100;
  const int p = parse(argc, argv, &o);
  if (p != 0) return p > 0 ? UAT_EXIT_OK : UAT_EXIT_USAGE;
  uat_error err;
  uat_env *e = uat_env_alloc(o.env, o.integ, &err);
  if (e == NULL) {
    uat_cli_error("control", "%s", err.msg);
    return UAT_EXIT_USAGE;
  }
  const int rc = o.policy ? evaluate(&o, e) : train(&o, e);
  uat_env_free(e);
  return rc;
}
