/* mlp.c — dense networks: allocation, activations, forward and backward passes. */
#include "uat/mlp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "uat/kernels.h"
#include "uat/limits.h"
#include "uat/status.h"
#include "uat/util.h"

static const char *const act_names[UAT_ACT_COUNT] = {"identity", "sigmoid", "tanh", "relu",
                                                     "softplus", "sin",     "step", "softmax"};

const char *uat_activation_name(uat_activation act) {
  return uat_enum_name(act_names, UAT_ACT_COUNT, (int)act);
}

int uat_activation_parse(const char *name, uat_activation *act) {
  int k = 0;
  int st = uat_enum_parse(act_names, UAT_ACT_COUNT, name, &k);
  if (st != UAT_OK && strcmp(name, "linear") == 0) { /* another name for identity */
    k = UAT_ACT_IDENTITY;
    st = UAT_OK;
  }
  if (st == UAT_OK) *act = (uat_activation)k;
  return st;
}

/* One row of softmax, the maximum subtracted first: no exp overflows, and the largest term is
 * exactly 1, so the sum is at least 1 and never underflows. */
static void softmax_row(size_t n, const double *z, double *a) {
  if (n == 0) return;
  double mx = z[0], sum = 0.0;
  for (size_t i = 1; i < n; i++) mx = fmax(mx, z[i]);
  for (size_t i = 0; i < n; i++) sum += a[i] = exp(z[i] - mx);
  for (size_t i = 0; i < n; i++) a[i] /= sum;
}

void uat_activation_apply(uat_activation act, size_t n, const double *z, double *a) {
  size_t i;
  switch (act) {
  case UAT_ACT_IDENTITY:
    if (a != z) memcpy(a, z, n * sizeof *a);
    break;
  case UAT_ACT_SIGMOID: uat_vsigmoid(n, z, a); break;
  case UAT_ACT_TANH: uat_vtanh(n, z, a); break;
  case UAT_ACT_RELU:
    for (i = 0; i < n; i++) a[i] = z[i] > 0 ? z[i] : 0.0;
    break;
  case UAT_ACT_SOFTPLUS:
    for (i = 0; i < n; i++) a[i] = fmax(z[i], 0.0) + log1p(exp(-fabs(z[i])));
    break;
  case UAT_ACT_SIN:
    for (i = 0; i < n; i++) a[i] = sin(z[i]);
    break;
  case UAT_ACT_STEP:
    for (i = 0; i < n; i++) a[i] = z[i] > 0 ? 1.0 : 0.0;
    break;
  case UAT_ACT_SOFTMAX: softmax_row(n, z, a); break;
  default: break;
  }
}

void uat_activation_backprop(uat_activation act, size_t n, const double *z, const double *a,
                             double *g) {
  size_t i;
  switch (act) {
  case UAT_ACT_IDENTITY: break;
  case UAT_ACT_SIGMOID: uat_vsigmoid_backprop(n, a, g); break;
  case UAT_ACT_TANH: uat_vtanh_backprop(n, a, g); break;
  case UAT_ACT_RELU:
    for (i = 0; i < n; i++) g[i] = z[i] > 0 ? g[i] : 0.0;
    break;
  case UAT_ACT_SOFTPLUS:
    for (i = 0; i < n; i++) g[i] *= uat_sigmoid(z[i]);
    break;
  case UAT_ACT_SIN:
    for (i = 0; i < n; i++) g[i] *= cos(z[i]);
    break;
  case UAT_ACT_STEP:
    for (i = 0; i < n; i++) g[i] = 0.0;
    break;
  case UAT_ACT_SOFTMAX: {
    double dot = 0.0;
    for (i = 0; i < n; i++) dot += g[i] * a[i];
    for (i = 0; i < n; i++) g[i] = a[i] * (g[i] - dot);
    break;
  }
  default: break;
  }
}

void uat_activation_apply_rows(uat_activation act, size_t rows, size_t width, const double *z,
                               double *a) {
  if (act != UAT_ACT_SOFTMAX) {
    uat_activation_apply(act, rows * width, z, a);
    return;
  }
  for (size_t r = 0; r < rows; r++) softmax_row(width, z + r * width, a + r * width);
}

void uat_activation_backprop_rows(uat_activation act, size_t rows, size_t width, const double *z,
                                  const double *a, double *g) {
  if (act != UAT_ACT_SOFTMAX) {
    uat_activation_backprop(act, rows * width, z, a, g);
    return;
  }
  for (size_t r = 0; r < rows; r++)
    uat_activation_backprop(act, width, z + r * width, a + r * width, g + r * width);
}

size_t uat_mlp_param_count(size_t n_sizes, const size_t *sizes) {
  if (n_sizes < 2 || n_sizes > UAT_MAX_LAYERS + 1) return 0;
  size_t p = 0;
  for (size_t l = 0; l + 1 < n_sizes; l++) {
    size_t layer;
    if (sizes[l] > UAT_MAX_WIDTH || sizes[l + 1] > UAT_MAX_WIDTH ||
        !uat_size_mul(sizes[l + 1], sizes[l] + 1, &layer) || !uat_size_add(p, layer, &p))
      return 0;
  }
  return p <= UAT_MAX_PARAMS ? p : 0;
}

uat_mlp *uat_mlp_alloc(size_t n_sizes, const size_t *sizes, const uat_activation *act) {
  if (n_sizes < 2 || sizes == NULL || act == NULL) return NULL;
  /* sizes within uat/limits.h and a parameter count that does not wrap around */
  if (uat_mlp_param_count(n_sizes, sizes) == 0) return NULL;
  for (size_t l = 0; l < n_sizes; l++)
    if (sizes[l] == 0) return NULL;
  for (size_t l = 0; l + 1 < n_sizes; l++)
    if (act[l] < 0 || act[l] >= UAT_ACT_COUNT) return NULL;
  uat_mlp *m = calloc(1, sizeof *m);
  if (m == NULL) return NULL;
  m->n_layers = n_sizes - 1;
  m->n_params = uat_mlp_param_count(n_sizes, sizes);
  m->sizes = malloc(n_sizes * sizeof *m->sizes);
  m->act = malloc(m->n_layers * sizeof *m->act);
  m->offset = malloc(m->n_layers * sizeof *m->offset);
  m->theta = calloc(m->n_params, sizeof *m->theta);
  if (!m->sizes || !m->act || !m->offset || !m->theta) {
    uat_mlp_free(m);
    return NULL;
  }
  memcpy(m->sizes, sizes, n_sizes * sizeof *sizes);
  memcpy(m->act, act, m->n_layers * sizeof *act);
  size_t off = 0;
  for (size_t l = 0; l < m->n_layers; l++) {
    m->offset[l] = off;
    off += sizes[l + 1] * (sizes[l] + 1);
  }
  return m;
}

void uat_mlp_free(uat_mlp *m) {
  if (m == NULL) return;
  free(m->sizes);
  free(m->act);
  free(m->offset);
  free(m->theta);
  free(m);
}

uat_mlp *uat_mlp_clone(const uat_mlp *m) {
  uat_mlp *c = uat_mlp_alloc(m->n_layers + 1, m->sizes, m->act);
  if (c == NULL) return NULL;
  memcpy(c->theta, m->theta, m->n_params * sizeof *m->theta);
  c->no_bias = m->no_bias;
  return c;
}

void uat_mlp_mask_grad(const uat_mlp *m, double *grad) {
  if (!m->no_bias) return;
  for (size_t l = 0; l < m->n_layers; l++) {
    double *gb = grad + m->offset[l] + m->sizes[l + 1] * m->sizes[l];
    for (size_t j = 0; j < m->sizes[l + 1]; j++) gb[j] = 0.0;
  }
}

double *uat_mlp_weights(const uat_mlp *m, size_t l) { return m->theta + m->offset[l]; }

double *uat_mlp_bias(const uat_mlp *m, size_t l) {
  return m->theta + m->offset[l] + m->sizes[l + 1] * m->sizes[l];
}

size_t uat_mlp_in(const uat_mlp *m) { return m->sizes[0]; }
size_t uat_mlp_out(const uat_mlp *m) { return m->sizes[m->n_layers]; }

static size_t widest(const uat_mlp *m) {
  size_t w = 0;
  for (size_t l = 0; l <= m->n_layers; l++)
    if (m->sizes[l] > w) w = m->sizes[l];
  return w;
}

uat_mlp_workspace *uat_mlp_workspace_alloc(const uat_mlp *m, size_t max_batch) {
  size_t cells;
  if (m == NULL || max_batch == 0 || max_batch > UAT_MAX_POINTS ||
      !uat_size_mul(max_batch, widest(m), &cells))
    return NULL;
  uat_mlp_workspace *w = calloc(1, sizeof *w);
  if (w == NULL) return NULL;
  w->max_batch = max_batch;
  w->n_layers = m->n_layers;
  w->z = calloc(m->n_layers, sizeof *w->z);
  w->a = calloc(m->n_layers, sizeof *w->a);
  const size_t wide = widest(m);
  if (wide == 0) {
    uat_mlp_workspace_free(w);
    return NULL;
  }
  w->g0 = malloc(max_batch * wide * sizeof *w->g0);
  w->g1 = malloc(max_batch * wide * sizeof *w->g1);
  size_t pack = 0;
  for (size_t l = 0; l < m->n_layers; l++) {
    const size_t in = m->sizes[l], out = m->sizes[l + 1],
                 sz[3] = {uat_gemm_pack_size(max_batch, out, in),
                          uat_gemm_pack_size(out, in, max_batch),
                          uat_gemm_pack_size(max_batch, in, out)};
    for (int k = 0; k < 3; k++)
      if (sz[k] > pack) pack = sz[k];
  }
  w->pack = malloc((pack ? pack : 1) * sizeof *w->pack);
  if (!w->z || !w->a || !w->g0 || !w->g1 || !w->pack) {
    uat_mlp_workspace_free(w);
    return NULL;
  }
  for (size_t l = 0; l < m->n_layers; l++) {
    w->z[l] = malloc(max_batch * m->sizes[l + 1] * sizeof(double));
    w->a[l] = malloc(max_batch * m->sizes[l + 1] * sizeof(double));
    if (!w->z[l] || !w->a[l]) {
      uat_mlp_workspace_free(w);
      return NULL;
    }
  }
  return w;
}

void uat_mlp_workspace_free(uat_mlp_workspace *w) {
  if (w == NULL) return;
  for (size_t l = 0; l < w->n_layers; l++) {
    if (w->z) free(w->z[l]);
    if (w->a) free(w->a[l]);
  }
  free(w->z);
  free(w->a);
  free(w->g0);
  free(w->g1);
  free(w->pack);
  free(w);
}

/* z (n x out) = b + x (n x in) W^T, each element b_j first, then the inputs in order. */
static void affine(uat_mlp_workspace *w, size_t n, size_t in, size_t out, const double *x,
                   const double *W, const double *b, double *z) {
  /* one input or one output: the same chains without the blocked product's setup */
  if (in == 1) {
    uat_outer(n, out, x, W, b, z);
    return;
  }
  if (out == 1) {
    uat_dot_rows(n, in, x, W, b[0], z);
    return;
  }
  /* a plain loop: one library call per row costs more than the copy for narrow layers */
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < out; j++) z[i * out + j] = b[j];
  uat_gemm(0, 1, n, out, in, x, in, W, in, 1, z, out, w->pack);
}

/* The 1-H-1 network with a tanh or sigmoid hidden layer, the seed post's approximator: its
 * passes run as one kernel each way (uat_thin_forward/backward, the same bits). */
static int thin(const uat_mlp *m) {
  return m->n_layers == 2 && m->sizes[0] == 1 && m->sizes[2] == 1 &&
         (m->act[0] == UAT_ACT_TANH || m->act[0] == UAT_ACT_SIGMOID);
}

const double *uat_mlp_forward(const uat_mlp *m, uat_mlp_workspace *w, size_t n, const double *x) {
  if (n == 0 || n > w->max_batch || w->n_layers != m->n_layers) return NULL;
  w->n = n;
  w->x = x;
  if (thin(m)) {
    uat_thin_forward(m->act[0] == UAT_ACT_SIGMOID, n, m->sizes[1], x, uat_mlp_weights(m, 0),
                     uat_mlp_bias(m, 0), uat_mlp_weights(m, 1), uat_mlp_bias(m, 1)[0], w->z[0],
                     w->a[0], w->z[1]);
    uat_activation_apply_rows(m->act[1], n, 1, w->z[1], w->a[1]);
    return w->a[1];
  }
  const double *prev = x;
  for (size_t l = 0; l < m->n_layers; l++) {
    const size_t in = m->sizes[l], out = m->sizes[l + 1];
    affine(w, n, in, out, prev, uat_mlp_weights(m, l), uat_mlp_bias(m, l), w->z[l]);
    uat_activation_apply_rows(m->act[l], n, out, w->z[l], w->a[l]);
    prev = w->a[l];
  }
  return w->a[m->n_layers - 1];
}

/* dW (out x in) = D^T (out x n) A (n x in); db = column sums of D, samples in order. */
static void param_grad(uat_mlp_workspace *w, size_t n, size_t in, size_t out, const double *D,
                       const double *A, double *dW, double *db) {
  uat_gemm(1, 0, out, in, n, D, out, A, in, 0, dW, in, w->pack);
  /* db (1 x out) = 1^T D: op(A) is a row of ones read with stride 0, and fma(1, d, s) is
   * exactly s + d, so this is the plain sum over samples in order. */
  static const double one = 1.0;
  uat_gemm(1, 0, 1, out, n, &one, 0, D, out, 0, db, out, w->pack);
}

/* G (n x in) = D (n x out) W (out x in). */
static void input_grad(uat_mlp_workspace *w, size_t n, size_t in, size_t out, const double *D,
                       const double *W, double *G) {
  if (out == 1) { /* G[i][p] = fma(D[i], W[p], 0), as the product's one-term chains */
    uat_outer(n, in, D, W, NULL, G);
    return;
  }
  uat_gemm(0, 0, n, in, out, D, out, W, in, 0, G, in, w->pack);
}

int uat_mlp_backward(const uat_mlp *m, uat_mlp_workspace *w, const double *dy, double *grad,
                     double *dx) {
  return uat_mlp_backward_flags(m, w, dy, grad, dx, 0);
}

int uat_mlp_backward_flags(const uat_mlp *m, uat_mlp_workspace *w, const double *dy, double *grad,
                           double *dx, int flags) {
  if (w->n == 0 || w->n_layers != m->n_layers || dy == NULL) return UAT_EINVAL;
  const size_t n = w->n, L = m->n_layers;
  double *D = w->g0, *G = w->g1;
  memcpy(D, dy, n * m->sizes[L] * sizeof *D);
  if (thin(m) && grad != NULL && dx == NULL) {
    if (!(flags & UAT_BACKWARD_OUTPUT_AS_IDENTITY))
      uat_activation_backprop_rows(m->act[1], n, 1, w->z[1], w->a[1], D);
    const size_t H = m->sizes[1];
    double *g0 = grad + m->offset[0], *g1 = grad + m->offset[1];
    uat_thin_backward(m->act[0] == UAT_ACT_SIGMOID, n, H, w->x, w->a[0], D, uat_mlp_weights(m, 1),
                      g0, g0 + H, g1, g1 + H);
    return UAT_OK;
  }
  for (size_t l = L; l-- > 0;) {
    const size_t in = m->sizes[l], out = m->sizes[l + 1];
    const double *A = l > 0 ? w->a[l - 1] : w->x;
    if (!(l + 1 == L && (flags & UAT_BACKWARD_OUTPUT_AS_IDENTITY)))
      uat_activation_backprop_rows(m->act[l], n, out, w->z[l], w->a[l], D);
    if (grad != NULL) {
      double *dW = grad + m->offset[l];
      param_grad(w, n, in, out, D, A, dW, dW + out * in);
    }
    if (l > 0 || dx != NULL) {
      input_grad(w, n, in, out, D, uat_mlp_weights(m, l), l > 0 ? G : dx);
      double *t = D;
      D = G;
      G = t;
    }
  }
  return UAT_OK;
}

int uat_mlp_backward_rows(const uat_mlp *m, uat_mlp_workspace *w, size_t o, size_t np, double *J,
                          size_t ldj) {
  const size_t L = m->n_layers, n = w->n;
  if (n == 0 || w->n_layers != L || o >= uat_mlp_out(m) || np > m->n_params) return UAT_EINVAL;
  double *D = w->g0, *G = w->g1;
  const size_t outL = m->sizes[L];
  for (size_t k = 0; k < n; k++)
    for (size_t j = 0; j < outL; j++) D[k * outL + j] = j == o ? 1.0 : 0.0;
  for (size_t l = L; l-- > 0;) {
    const size_t in = m->sizes[l], out = m->sizes[l + 1], off = m->offset[l];
    const double *A = l > 0 ? w->a[l - 1] : w->x;
    uat_activation_backprop_rows(m->act[l], n, out, w->z[l], w->a[l], D);
    /* row k: dy_k/dW[j][p] = D[k][j] A[k][p], dy_k/db[j] = D[k][j]; columns below np only */
    for (size_t k = 0; k < n && off < np; k++) {
      double *Jk = J + k * ldj;
      const double *Dk = D + k * out, *Ak = A + k * in;
      for (size_t j = 0; j < out; j++)
        for (size_t p = 0; p < in; p++)
          if (off + j * in + p < np) Jk[off + j * in + p] = Dk[j] * Ak[p];
      for (size_t j = 0; j < out; j++)
        if (off + out * in + j < np) Jk[off + out * in + j] = Dk[j];
    }
    if (l > 0) {
      uat_gemm(0, 0, n, in, out, D, out, uat_mlp_weights(m, l), in, 0, G, in, w->pack);
      double *t = D;
      D = G;
      G = t;
    }
  }
  return UAT_OK;
}

int uat_mlp_input_jacobian(const uat_mlp *m, uat_mlp_workspace *w, const double *x, double *jac) {
  const size_t in = uat_mlp_in(m), out = uat_mlp_out(m);
  for (size_t k = 0; k < out; k++) {
    if (uat_mlp_forward(m, w, 1, x) == NULL) return UAT_EINVAL;
    /* Seed dL/dy = e_k in the scratch g1: backward copies dy into g0 before it uses g1. */
    double *row = jac + k * in;
    double *dy = w->g1;
    memset(dy, 0, out * sizeof *dy);
    dy[k] = 1.0;
    int st = uat_mlp_backward(m, w, dy, NULL, row);
    if (st != UAT_OK) return st;
  }
  return UAT_OK;
}

int uat_mlp_predict(const uat_mlp *m, uat_mlp_workspace *w, size_t n, const double *x, double *y) {
  const size_t in = uat_mlp_in(m), out = uat_mlp_out(m);
  for (size_t i = 0; i < n; i += w->max_batch) {
    const size_t k = (n - i < w->max_batch) ? n - i : w->max_batch;
    const double *yk = uat_mlp_forward(m, w, k, x + i * in);
    if (yk == NULL) return UAT_EINVAL;
    memcpy(y + i * out, yk, k * out * sizeof *y);
  }
  return UAT_OK;
}
