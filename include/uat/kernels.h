/* uat/kernels.h — uat's own fixed-order compute kernels: matrix products and activations.
 *
 * Every result-affecting product and activation of a network goes through these kernels,
 * and they give the same bits on every x86-64 CPU:
 *
 * - A product element C[i][j] is always C0[i][j] followed by one fused multiply-add per term,
 *   in increasing order of the inner index: c = fma(a_ip, b_pj, c) for p = 0, 1, ..., K-1.
 *   Vector units only compute several *independent* elements at once; blocking only stores
 *   and reloads partial sums. fma rounds once, so the order fixes every bit. On a CPU
 *   without FMA instructions the generic kernel calls the C library's fma(), which IEEE 754
 *   requires to be correctly rounded: slower, but the same bits.
 * - tanh, the logistic sigmoid and exp are uat's own: range reduction and a polynomial made of
 *   +, -, *, / and fma only, evaluated lane by lane in the same order on every ISA (maximum
 *   error: see docs/performance.md; measured by tests/test_kernels.c against long double).
 *
 * The kernel set (ISA) is chosen once from the CPU; UAT_KERNEL=generic|avx2|avx512 in the
 * environment, or uat_kernel_select(), picks one explicitly (used by the tests to show that
 * every ISA gives identical bits). Nothing here allocates, prints or exits. */
#ifndef UAT_KERNELS_H
#define UAT_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Kernel sets. */
typedef enum {
  UAT_ISA_GENERIC = 0, /**< any x86-64 (or other) CPU; fma() from the C library */
  UAT_ISA_AVX2,        /**< AVX2 + FMA, 4 doubles per vector */
  UAT_ISA_AVX512,      /**< AVX-512F/DQ + FMA, 8 doubles per vector */
  UAT_ISA_COUNT
} uat_isa;

/** The kernel set in use (chosen on first use: UAT_KERNEL if set and supported, else the
 *  widest the CPU supports). */
uat_isa uat_kernel_isa(void);

/** Name of a kernel set: "generic", "avx2", "avx512". */
const char *uat_kernel_isa_name(uat_isa isa);

/** Whether this CPU can run a kernel set. */
int uat_kernel_supported(uat_isa isa);

/** Use a kernel set from now on (process-wide; results do not change, only speed). Returns
 *  UAT_OK, or UAT_EINVAL if the CPU cannot run it. Call it before starting threads. */
int uat_kernel_select(uat_isa isa);

/** File name of the library that the process's cblas_dgemm comes from (GSL's linear algebra
 *  calls it): uat links GSL's reference libgslcblas, whose results do not depend on the CPU.
 *  "unknown" when it cannot be told. */
const char *uat_cblas_library(void);

/** Doubles of scratch uat_gemm needs for an M x N x K product. */
size_t uat_gemm_pack_size(size_t M, size_t N, size_t K);

/** C (M x N, row stride ldc) = (accumulate ? C : 0) + op(A) op(B), where op(A) is M x K and
 *  op(B) is K x N; op(X) = X, or X^T when the flag trans_x is set (X then stored K x M or
 *  N x K). Row-major, leading dimensions lda, ldb, ldc. pack must hold
 *  uat_gemm_pack_size(M, N, K) doubles (NULL is accepted when that is 0). Fixed order:
 *  see the top of this file. Allocates nothing. */
void uat_gemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, const double *A, size_t lda,
              const double *B, size_t ldb, int accumulate, double *C, size_t ldc, double *pack);

/** The thin products of networks with one input or one output, each element the chain
 *  uat_gemm runs for it (the same bits, without its blocking): z (n x m) = x (n x 1) w (1 x m)
 *  started from the row c (NULL: 0), i.e. z[i][j] = fma(x[i], w[j], c[j]); and z[i] = b + the
 *  fma chain over p of a[i][p] w[p] (a n x k). */
void uat_outer(size_t n, size_t m, const double *x, const double *w, const double *c, double *z);
void uat_dot_rows(size_t n, size_t k, const double *a, const double *w, double b, double *z);

/** y[i] = tanh(x[i]); y may equal x. */
void uat_vtanh(size_t n, const double *x, double *y);

/** y[i] = 1 / (1 + exp(-x[i])), without overflow; y may equal x. */
void uat_vsigmoid(size_t n, const double *x, double *y);

/** y[i] = exp(x[i]); y may equal x. */
void uat_vexp(size_t n, const double *x, double *y);

/** Backpropagation through tanh and the sigmoid from their outputs a: g[i] *= 1 - a[i]^2,
 *  and g[i] *= a[i] (1 - a[i]), each operation rounded as written. */
void uat_vtanh_backprop(size_t n, const double *a, double *g);
void uat_vsigmoid_backprop(size_t n, const double *a, double *g);

/* Products of S networks side by side (uat/lanes.h), lane index fastest: an array "n x m
 * lanes" holds element (i, j) of lane k at [(i*m + j)*S + k]; S is a multiple of 8. Each lane
 * runs exactly the chain uat_gemm runs for its network alone. */

/** z (n x out lanes) = b (out lanes) + x W^T per lane, W out x in lanes; x is n x in, shared
 *  by all lanes when x_lanes is 0, else n x in lanes. */
void uat_lanes_affine(size_t n, size_t in, size_t out, size_t S, const double *x, int x_lanes,
                      const double *W, const double *b, double *z);

/** dW (out x in lanes) = D^T A and db (out lanes) = column sums of D, per lane; D is
 *  n x out lanes; A is n x in, shared (a_lanes == 0) or n x in lanes. */
void uat_lanes_param_grad(size_t n, size_t in, size_t out, size_t S, const double *D,
                          const double *A, int a_lanes, double *dW, double *db);

/** G (n x in lanes) = D W per lane; D n x out lanes, W out x in lanes. */
void uat_lanes_input_grad(size_t n, size_t in, size_t out, size_t S, const double *D,
                          const double *W, double *G);

/** Optimizer steps (uat/optim.h), elementwise over n parameters, vectorised with each
 *  element's operations as written in optim.c: SGD theta -= lr g; momentum (PyTorch's form:
 *  v = g on the first step, else mu v + g; theta -= lr v, or lr (g + mu v) with Nesterov);
 *  Adam with c = {lr, beta1, beta2, 1 - beta1^t, 1 - beta2^t, eps}. */
void uat_step_sgd(size_t n, double lr, double *theta, const double *g);
void uat_step_momentum(size_t n, double lr, double mu, int first, int nesterov, double *theta,
                       const double *g, double *v);
void uat_step_adam(size_t n, const double *c, double *theta, const double *g, double *m, double *v);

/** (Half-)MSE (scale 1 or 0.5) of S lanes over count rows of y (count x S lanes) against the
 *  shared targets t: dy (count x S) and loss (S), each lane exactly as uat_loss_eval. */
void uat_lanes_mse(size_t count, size_t S, double scale, const double *y, const double *t,
                   double *dy, double *loss);

/** The network 1-H-1 (one input, H hidden units, one output), its hidden activation tanh
 *  (sigmoid == 0) or the logistic sigmoid (sigmoid == 1), in one pass each way, with the
 *  bits of the layer-by-layer path (uat_outer, the activation, uat_dot_rows, and uat_gemm's
 *  chains for the gradients). Forward over n inputs x: z[i][j] = fma(x[i], w1[j], b1[j]),
 *  a = act(z) (both n x H), zo[i] = b2 + the chain over j of a[i][j] w2[j]. Backward from
 *  the output gradient d (n), with a from the forward pass: g[i][j] = fma(d[i], w2[j], 0)
 *  act'(a[i][j]); dw1[j] and db1[j] the chains over i of g[i][j] x[i] and g[i][j]; dw2[j] the
 *  chain of d[i] a[i][j]; db2 the sum of d[i]. */
void uat_thin_forward(int sigmoid, size_t n, size_t H, const double *x, const double *w1,
                      const double *b1, const double *w2, double b2, double *z, double *a,
                      double *zo);
void uat_thin_backward(int sigmoid, size_t n, size_t H, const double *x, const double *a,
                       const double *d, const double *w2, double *dw1, double *db1, double *dw2,
                       double *db2);

/** Scalar forms of uat_vtanh, uat_vsigmoid and uat_vexp (the same bits). */
double uat_tanh(double x);
double uat_sigmoid(double x);
double uat_exp(double x);

#ifdef __cplusplus
}
#endif
#endif
