/* uat/optim.h — first-order optimizers over a flat parameter vector. */
#ifndef UAT_OPTIM_H
#define UAT_OPTIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  UAT_OPT_SGD = 0,  /**< theta -= lr g */
  UAT_OPT_MOMENTUM, /**< PyTorch: v = mu v + g (v = g at the first step); theta -= lr v */
  UAT_OPT_NESTEROV, /**< PyTorch: v = mu v + g; theta -= lr (g + mu v) */
  UAT_OPT_ADAM,     /**< Kingma & Ba with bias correction; theta -= lr mhat / (sqrt(vhat) + eps) */
  UAT_OPT_COUNT
} uat_optimizer_kind;

/** Name ("sgd", "momentum", "nesterov", "adam"). */
const char *uat_optimizer_name(uat_optimizer_kind kind);

/** Parse a name. Returns UAT_OK or UAT_ENOTFOUND. */
int uat_optimizer_parse(const char *name, uat_optimizer_kind *kind);

/** Tunables. Get them from uat_optimizer_default_params and change what you need. */
typedef struct {
  uat_optimizer_kind kind;
  double lr;       /**< learning rate */
  double momentum; /**< mu for momentum and Nesterov */
  double beta1;    /**< Adam's first-moment decay */
  double beta2;    /**< Adam's second-moment decay */
  double eps;      /**< Adam's denominator guard */
} uat_optimizer_params;

/** Defaults of PyTorch: lr 0.01 (SGD family) or 0.001 (Adam), momentum 0.9,
 *  betas (0.9, 0.999), eps 1e-8. */
uat_optimizer_params uat_optimizer_default_params(uat_optimizer_kind kind);

typedef struct uat_optimizer uat_optimizer;

/** Allocate optimizer state for n parameters; NULL on invalid parameters or no memory. */
uat_optimizer *uat_optimizer_alloc(const uat_optimizer_params *p, size_t n);

/** Free; NULL is accepted. */
void uat_optimizer_free(uat_optimizer *o);

/** Forget the state (velocities, moments, step count). */
void uat_optimizer_reset(uat_optimizer *o);

/** One update of theta (length n) from the gradient g. Allocates nothing. */
void uat_optimizer_step(uat_optimizer *o, double *theta, const double *g);

/** The parameters the optimizer was made with. */
const uat_optimizer_params *uat_optimizer_get_params(const uat_optimizer *o);

#ifdef __cplusplus
}
#endif
#endif
