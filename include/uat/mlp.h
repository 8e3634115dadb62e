/* uat/mlp.h — dense feed-forward networks over one flat parameter vector.
 *
 * A network with layer sizes n0, n1, ..., nL has L weight layers. Layer l (0-based) maps
 * n_l inputs to n_{l+1} outputs: z = W a + b, a' = act_l(z). All parameters live in one
 * vector theta of length P; per layer the weight matrix W (n_{l+1} x n_l, row-major) comes
 * first, then the bias b (n_{l+1}). Every optimizer, the gradient check and model files see
 * that same layout. Batches are row-major matrices: one sample per row. */
#ifndef UAT_MLP_H
#define UAT_MLP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Activation functions; the names are those used in model files and on the command line. */
typedef enum {
  UAT_ACT_IDENTITY = 0, /**< a = z */
  UAT_ACT_SIGMOID,      /**< a = 1 / (1 + exp(-z)), uat's own (uat/kernels.h) */
  UAT_ACT_TANH,         /**< a = tanh z, uat's own (uat/kernels.h) */
  UAT_ACT_RELU,         /**< a = max(0, z); derivative 0 at z = 0 (as PyTorch) */
  UAT_ACT_SOFTPLUS,     /**< a = log(1 + exp z), evaluated without overflow */
  UAT_ACT_SIN,          /**< a = sin z */
  UAT_ACT_STEP,         /**< a = 1 for z > 0, else 0 (Heaviside: the perceptron's threshold);
                             derivative 0: for the perceptron rule, not for gradients */
  UAT_ACT_SOFTMAX,      /**< a_j = exp(z_j) / sum_k exp(z_k) over each row of the layer (output
                             layers: class probabilities); evaluated with the row's maximum
                             subtracted, so it never overflows */
  UAT_ACT_COUNT
} uat_activation;

/** Name of an activation ("identity", "sigmoid", "tanh", "relu", "softplus", "sin", "step",
 *  "softmax"). */
const char *uat_activation_name(uat_activation act);

/** Parse an activation name (also accepts "linear" for identity). Returns UAT_OK or
 *  UAT_ENOTFOUND. */
int uat_activation_parse(const char *name, uat_activation *act);

/** Apply an activation elementwise: a[i] = act(z[i]); a may equal z. Softmax, which is not
 *  elementwise, takes the n values as one row (see uat_activation_apply_rows). */
void uat_activation_apply(uat_activation act, size_t n, const double *z, double *a);

/** Multiply g elementwise by act'(z), given z and a = act(z) (for softmax: g by the Jacobian
 *  of the one row, g_j <- a_j (g_j - sum_k g_k a_k)). */
void uat_activation_backprop(uat_activation act, size_t n, const double *z, const double *a,
                             double *g);

/** A layer's activation over rows x width values (row-major): softmax row by row, every
 *  other activation elementwise. */
void uat_activation_apply_rows(uat_activation act, size_t rows, size_t width, const double *z,
                               double *a);

/** The backward step of uat_activation_apply_rows. */
void uat_activation_backprop_rows(uat_activation act, size_t rows, size_t width, const double *z,
                                  const double *a, double *g);

/** A dense network. The fields are public for reading; change them only through the API. */
typedef struct {
  size_t n_layers;     /**< number of weight layers L */
  size_t *sizes;       /**< L + 1 layer widths, input first */
  uat_activation *act; /**< L activations, one per weight layer */
  size_t n_params;     /**< P, the length of theta */
  double *theta;       /**< all parameters, layout above */
  size_t *offset;      /**< offset[l]: index in theta of layer l's first weight */
  int no_bias;         /**< 1: the biases are held at zero (bias-free layers): the trainers'
                            gradients leave them there (uat_mlp_mask_grad); 0 by default */
} uat_mlp;

/** Allocate a network with n_sizes >= 2 layer widths (all > 0) and n_sizes - 1 activations.
 *  theta is zeroed. Returns NULL on invalid sizes — a width of 0 or above UAT_MAX_WIDTH, more
 *  than UAT_MAX_LAYERS weight layers, more than UAT_MAX_PARAMS parameters (uat/limits.h) — or
 *  out of memory. */
uat_mlp *uat_mlp_alloc(size_t n_sizes, const size_t *sizes, const uat_activation *act);

/** Free a network; NULL is accepted. */
void uat_mlp_free(uat_mlp *m);

/** A copy of m with its own parameters. NULL on out of memory. */
uat_mlp *uat_mlp_clone(const uat_mlp *m);

/** Number of parameters for the given layer widths; 0 if n_sizes < 2 or the sizes are beyond
 *  the limits of uat/limits.h (the count is computed without overflow). */
size_t uat_mlp_param_count(size_t n_sizes, const size_t *sizes);

/** View of layer l's weight matrix (sizes[l+1] x sizes[l], row-major) inside theta. */
double *uat_mlp_weights(const uat_mlp *m, size_t l);

/** View of layer l's bias vector (sizes[l+1]) inside theta. */
double *uat_mlp_bias(const uat_mlp *m, size_t l);

/** Zero the entries of a gradient (length P) that belong to biases when m->no_bias is set,
 *  so that a step along it leaves the biases where they are. */
void uat_mlp_mask_grad(const uat_mlp *m, double *grad);

/** Input and output widths. */
size_t uat_mlp_in(const uat_mlp *m);
size_t uat_mlp_out(const uat_mlp *m);

/** Forward cache and backward scratch for batches of up to max_batch rows. A workspace is
 *  tied to the layer widths of the network it was made for. */
typedef struct {
  size_t max_batch; /**< largest batch accepted */
  size_t n;         /**< rows of the last forward pass */
  size_t n_layers;  /**< copied from the network */
  const double *x;  /**< input of the last forward pass (caller's memory, not copied) */
  double **z;       /**< z[l]: n x sizes[l+1] pre-activations of layer l */
  double **a;       /**< a[l]: n x sizes[l+1] activations of layer l */
  double *g0;       /**< backward scratch, max_batch x widest layer */
  double *g1;       /**< backward scratch, max_batch x widest layer */
  double *pack;     /**< scratch of the fixed-order products (uat/kernels.h) */
} uat_mlp_workspace;

/** Allocate a workspace for m and batches of up to max_batch (> 0) rows. */
uat_mlp_workspace *uat_mlp_workspace_alloc(const uat_mlp *m, size_t max_batch);

/** Free a workspace; NULL is accepted. */
void uat_mlp_workspace_free(uat_mlp_workspace *w);

/** Forward pass of n rows of x (n x in). Keeps the cache in w for uat_mlp_backward; x must
 *  stay valid until then. Returns the output matrix (n x out, owned by w), or NULL if
 *  n is 0 or larger than w->max_batch. Allocates nothing. */
const double *uat_mlp_forward(const uat_mlp *m, uat_mlp_workspace *w, size_t n, const double *x);

/** Backward pass after uat_mlp_forward. dy (n x out) is the gradient of a scalar loss with
 *  respect to the outputs. Writes (overwrites) the gradient with respect to theta into
 *  grad (length P) when grad is not NULL, and with respect to the inputs into dx
 *  (n x in) when dx is not NULL. Returns UAT_OK or UAT_EINVAL. Allocates nothing. */
int uat_mlp_backward(const uat_mlp *m, uat_mlp_workspace *w, const double *dy, double *grad,
                     double *dx);

/** Flags of uat_mlp_backward_flags and uat_mlp_lanes_backward. */
enum {
  /** take the output activation's derivative as 1 (the seed post's hand-written NumPy
   *  backpropagation, `grad_2 = 1`), without changing the network */
  UAT_BACKWARD_OUTPUT_AS_IDENTITY = 1
};

/** uat_mlp_backward with flags (0: exactly uat_mlp_backward). */
int uat_mlp_backward_flags(const uat_mlp *m, uat_mlp_workspace *w, const double *dy, double *grad,
                           double *dx, int flags);

/** Per-row gradients after uat_mlp_forward of n rows: row k of J (row stride ldj) receives
 *  d y_{k,o} / d theta[p] for p < np (the first np parameters; np <= P), the residual Jacobian
 *  of least-squares trainers, computed for all rows in one batched backward pass. Returns
 *  UAT_OK or UAT_EINVAL. Allocates nothing. */
int uat_mlp_backward_rows(const uat_mlp *m, uat_mlp_workspace *w, size_t o, size_t np, double *J,
                          size_t ldj);

/** Jacobian of the outputs with respect to the inputs at one point x (length in), written
 *  row-major to jac (out x in). Also leaves y = f(x) in the workspace output. */
int uat_mlp_input_jacobian(const uat_mlp *m, uat_mlp_workspace *w, const double *x, double *jac);

/** Outputs for n rows of x (any n): y (n x out). Processes x in chunks of w->max_batch. */
int uat_mlp_predict(const uat_mlp *m, uat_mlp_workspace *w, size_t n, const double *x, double *y);

#ifdef __cplusplus
}
#endif
#endif
