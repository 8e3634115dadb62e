/* kernels_impl.h — the body of one kernel set, included once per ISA by kernels.c with
 * these macros defined:
 *   SUF(name)  name with the ISA's suffix       TGT      the function attribute for the ISA
 *   V, W       vector type and its width        MR, NV   micro-tile rows, vectors per row
 *   VLD, VST, VSET, VFMA(a, b, c) = a*b + c (one rounding), VADD, VSUB, VMUL, VDIV
 *   VABS, VCOPYSIGN(mag, sgn), VSEL_GE(a, b, x, y) = a >= b ? x : y (false for NaN),
 *   VMIN(c, x) = c < x ? c : x, VMAX(c, x) = c > x ? c : x (x for NaN),
 *   VSCALE(t) = 2^k for t = k + UAT_K_MAGIC (|k| <= 1022),
 *   VTRANSPOSE(v) transposes the W x W block v[W] in place, VANY_NLE(a, b) = any !(a <= b)
 * Each function computes lane by lane exactly what the generic (W = 1) instance computes:
 * the same operations on the same values in the same order. */

/* ---- micro-kernels: C tile (mr x NV*W) += A panel (mr x kc) B panel (kc x NV*W) ---------- */
#define UAT_NR (NV * W)

/* Full MR x NR tile. a(r, p) = Ap[p * as + r], b(p, c) = Bp[p * bs + c]: packed panels
 * (as = MR, bs = NR) or the operands themselves where their layout already is that. */
static TGT void SUF(mk_full)(size_t kc, const double *Ap, size_t as, const double *Bp, size_t bs,
                             double *C, size_t ldc, int load) {
  V acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++)
      acc[r][v] = load ? VLD(C + (size_t)r * ldc + (size_t)v * W) : VSET(0.0);
  for (size_t p = 0; p < kc; p++) {
    V b[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) b[v] = VLD(Bp + p * bs + (size_t)v * W);
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      const V a = VSET(Ap[p * as + (size_t)r]);
#pragma GCC unroll 8
      for (int v = 0; v < NV; v++) acc[r][v] = VFMA(a, b[v], acc[r][v]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) VST(C + (size_t)r * ldc + (size_t)v * W, acc[r][v]);
}

/* Narrow MRN x W tile (one vector of columns, more rows): a(r, p) = Ap[p * as + r],
 * b(p, c) = Bp[p * bs + c]. */
static TGT void SUF(mk_narrow)(size_t kc, const double *Ap, size_t as, const double *Bp, size_t bs,
                               double *C, size_t ldc, int load) {
  V acc[MRN];
#pragma GCC unroll 16
  for (int r = 0; r < MRN; r++) acc[r] = load ? VLD(C + (size_t)r * ldc) : VSET(0.0);
  for (size_t p = 0; p < kc; p++) {
    const V b = VLD(Bp + p * bs);
#pragma GCC unroll 16
    for (int r = 0; r < MRN; r++) acc[r] = VFMA(VSET(Ap[p * as + (size_t)r]), b, acc[r]);
  }
#pragma GCC unroll 16
  for (int r = 0; r < MRN; r++) VST(C + (size_t)r * ldc, acc[r]);
}

/* One row of C, NVR vectors wide: c(j) = fma chains over p of a(p) = Ap[p * as] and
 * b(p, j) = Bp[p * bs + j]. Up to 8 vectors side by side hide the FMA latency. */
#define UAT_ROW_KERNEL(NVR)                                                                        \
  static inline TGT void SUF(row_##NVR)(size_t kc, const double *Ap, size_t as, const double *Bp,  \
                                        size_t bs, double *C, int load) {                          \
    V acc[NVR];                                                                                    \
    for (int v = 0; v < (NVR); v++) acc[v] = load ? VLD(C + (size_t)v * W) : VSET(0.0);            \
    for (size_t p = 0; p < kc; p++) {                                                              \
      const V a = VSET(Ap[p * as]);                                                                \
      for (int v = 0; v < (NVR); v++) acc[v] = VFMA(a, VLD(Bp + p * bs + (size_t)v * W), acc[v]);  \
    }                                                                                              \
    for (int v = 0; v < (NVR); v++) VST(C + (size_t)v * W, acc[v]);                                \
  }
UAT_ROW_KERNEL(1)
UAT_ROW_KERNEL(2)
UAT_ROW_KERNEL(3)
UAT_ROW_KERNEL(4)
UAT_ROW_KERNEL(5)
UAT_ROW_KERNEL(6)
UAT_ROW_KERNEL(7)
UAT_ROW_KERNEL(8)
#undef UAT_ROW_KERNEL

/* A whole row of n columns: blocks of 8 vectors, then the remaining vectors in one pass,
 * then the last n mod W columns as scalar chains. */
static TGT void SUF(row)(size_t kc, const double *Ap, size_t as, const double *Bp, size_t bs,
                         double *C, size_t n, int load) {
  size_t j = 0;
  for (; j + 8 * W <= n; j += 8 * W) SUF(row_8)(kc, Ap, as, Bp + j, bs, C + j, load);
  switch ((n - j) / W) {
  case 7: SUF(row_7)(kc, Ap, as, Bp + j, bs, C + j, load); break;
  case 6: SUF(row_6)(kc, Ap, as, Bp + j, bs, C + j, load); break;
  case 5: SUF(row_5)(kc, Ap, as, Bp + j, bs, C + j, load); break;
  case 4: SUF(row_4)(kc, Ap, as, Bp + j, bs, C + j, load); break;
  case 3: SUF(row_3)(kc, Ap, as, Bp + j, bs, C + j, load); break;
  case 2: SUF(row_2)(kc, Ap, as, Bp + j, bs, C + j, load); break;
  case 1: SUF(row_1)(kc, Ap, as, Bp + j, bs, C + j, load); break;
  default: break;
  }
  j += (n - j) / W * W;
  for (; j < n; j++) {
    double c = load ? C[j] : 0.0;
    for (size_t p = 0; p < kc; p++) c = fma(Ap[p * as], Bp[p * bs + j], c);
    C[j] = c;
  }
}

/* Small products straight from the operands (no packing): the same fma chain per element. */
static TGT void SUF(gemm_small)(int ta, int tb, size_t M, size_t N, size_t K, const double *A,
                                size_t lda, const double *B, size_t ldb, int accumulate, double *C,
                                size_t rsc, size_t csc) {
  for (size_t i = 0; i < M; i++)
    for (size_t j = 0; j < N; j++) {
      double c = accumulate ? C[i * rsc + j * csc] : 0.0;
      for (size_t p = 0; p < K; p++) {
        const double a = ta ? A[p * lda + i] : A[i * lda + p];
        const double b = tb ? B[j * ldb + p] : B[p * ldb + j];
        c = fma(a, b, c);
      }
      C[i * rsc + j * csc] = c;
    }
}

/* ---- thin products of the 1-H-...-1 networks, each element the chain uat_gemm runs ------- */

/* z[i][j] = fma(x[i], w[j], c ? c[j] : 0) for i < n, j < m: a product with one inner term (a
 * layer with one input, or the input gradient of a layer with one output). */
static TGT void SUF(outer)(size_t n, size_t m, const double *x, const double *w, const double *c,
                           double *z) {
  for (size_t i = 0; i < n; i++) {
    const V xv = VSET(x[i]);
    double *zi = z + i * m;
    size_t j = 0;
    for (; j + W <= m; j += W) VST(zi + j, VFMA(xv, VLD(w + j), c ? VLD(c + j) : VSET(0.0)));
    for (; j < m; j++) zi[j] = fma(x[i], w[j], c ? c[j] : 0.0);
  }
}

/* z[i] = chain over p in order of fma(a[i][p], w[p], .) from b, for i < n (a layer with one
 * output): eight rows' chains interleaved to hide the FMA latency. */
static TGT void SUF(dot_rows)(size_t n, size_t k, const double *a, const double *w, double b,
                              double *z) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    double acc[8];
    const double *ai = a + i * k;
#pragma GCC unroll 8
    for (int r = 0; r < 8; r++) acc[r] = b;
    for (size_t p = 0; p < k; p++) {
      const double wp = w[p];
#pragma GCC unroll 8
      for (int r = 0; r < 8; r++) acc[r] = fma(ai[(size_t)r * k + p], wp, acc[r]);
    }
#pragma GCC unroll 8
    for (int r = 0; r < 8; r++) z[i + (size_t)r] = acc[r];
  }
  for (; i < n; i++) {
    double acc = b;
    for (size_t p = 0; p < k; p++) acc = fma(a[i * k + p], w[p], acc);
    z[i] = acc;
  }
}

/* ---- lanes: S networks side by side, lane index fastest (S a multiple of 8) ------------- */
/* z[i][j][:] = b[j][:] then fma over p of x(i, p) W[j][p][:]; x(i, p) is x[i*in + p] for all
 * lanes (x_lanes == 0) or x[(i*in + p)*S + lane]. The chain of each lane is the one uat_gemm
 * runs for that network alone. */
static TGT void SUF(lanes_affine)(size_t n, size_t in, size_t out, size_t S, const double *x,
                                  int x_lanes, const double *Wl, const double *bl, double *z) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < out; j++)
      for (size_t v = 0; v < S; v += W) {
        V acc = VLD(bl + j * S + v);
        for (size_t p = 0; p < in; p++) {
          const V xv = x_lanes ? VLD(x + (i * in + p) * S + v) : VSET(x[i * in + p]);
          acc = VFMA(xv, VLD(Wl + (j * in + p) * S + v), acc);
        }
        VST(z + (i * out + j) * S + v, acc);
      }
}

/* dW[j][p][:] = sum over samples i in order of D[i][j][:] A(i, p) (fma chains from 0), and
 * db[j][:] = plain sums of D[i][j][:] in order (what fma(1, d, s) gives). */
static TGT void SUF(lanes_param_grad)(size_t n, size_t in, size_t out, size_t S, const double *D,
                                      const double *A, int a_lanes, double *dW, double *db) {
  for (size_t j = 0; j < out; j++)
    for (size_t v = 0; v < S; v += W) {
      for (size_t p = 0; p < in; p++) {
        V acc = VSET(0.0);
        for (size_t i = 0; i < n; i++) {
          const V av = a_lanes ? VLD(A + (i * in + p) * S + v) : VSET(A[i * in + p]);
          acc = VFMA(VLD(D + (i * out + j) * S + v), av, acc);
        }
        VST(dW + (j * in + p) * S + v, acc);
      }
      V acc = VSET(0.0);
      for (size_t i = 0; i < n; i++) acc = VADD(acc, VLD(D + (i * out + j) * S + v));
      VST(db + j * S + v, acc);
    }
}

/* G[i][p][:] = sum over j in order of D[i][j][:] W[j][p][:] (fma chains from 0). */
static TGT void SUF(lanes_input_grad)(size_t n, size_t in, size_t out, size_t S, const double *D,
                                      const double *Wl, double *G) {
  for (size_t i = 0; i < n; i++)
    for (size_t p = 0; p < in; p++)
      for (size_t v = 0; v < S; v += W) {
        V acc = VSET(0.0);
        for (size_t j = 0; j < out; j++)
          acc = VFMA(VLD(D + (i * out + j) * S + v), VLD(Wl + (j * in + p) * S + v), acc);
        VST(G + (i * in + p) * S + v, acc);
      }
}

/* ---- optimizer steps and the lanes' loss: elementwise, each written with the operations
 * and order of its scalar form in optim.c and loss.c ---------------------------------------- */
static TGT void SUF(step_sgd)(size_t n, double lr, double *theta, const double *g) {
  size_t i = 0;
  for (; i + W <= n; i += W) VST(theta + i, VSUB(VLD(theta + i), VMUL(VSET(lr), VLD(g + i))));
  for (; i < n; i++) theta[i] -= lr * g[i];
}

static TGT void SUF(step_momentum)(size_t n, double lr, double mu, int first, int nesterov,
                                   double *theta, const double *g, double *v) {
  size_t i = 0;
  for (; i + W <= n; i += W) {
    const V gi = VLD(g + i);
    const V vi = first ? gi : VADD(VMUL(VSET(mu), VLD(v + i)), gi);
    VST(v + i, vi);
    const V d = nesterov ? VADD(gi, VMUL(VSET(mu), vi)) : vi;
    VST(theta + i, VSUB(VLD(theta + i), VMUL(VSET(lr), d)));
  }
  for (; i < n; i++) {
    v[i] = first ? g[i] : mu * v[i] + g[i];
    theta[i] -= lr * (nesterov ? g[i] + mu * v[i] : v[i]);
  }
}

static TGT void SUF(step_adam)(size_t n, const double *c, double *theta, const double *g, double *m,
                               double *v) {
  /* c: lr, beta1, beta2, 1 - beta1^t, 1 - beta2^t, eps */
  const double lr = c[0], b1 = c[1], b2 = c[2], c1 = c[3], c2 = c[4], eps = c[5];
  size_t i = 0;
  for (; i + W <= n; i += W) {
    const V gi = VLD(g + i);
    const V mi = VADD(VMUL(VSET(b1), VLD(m + i)), VMUL(VSET(1.0 - b1), gi));
    const V vi = VADD(VMUL(VSET(b2), VLD(v + i)), VMUL(VMUL(VSET(1.0 - b2), gi), gi));
    VST(m + i, mi);
    VST(v + i, vi);
    const V num = VMUL(VSET(lr), VDIV(mi, VSET(c1)));
    const V den = VADD(VSQRT(VDIV(vi, VSET(c2))), VSET(eps));
    VST(theta + i, VSUB(VLD(theta + i), VDIV(num, den)));
  }
  for (; i < n; i++) {
    m[i] = b1 * m[i] + (1.0 - b1) * g[i];
    v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
    theta[i] -= lr * (m[i] / c1) / (sqrt(v[i] / c2) + eps);
  }
}

/* (Half-)MSE of S lanes over count rows (y: count x S), as uat_loss_eval for each lane:
 * e = y - t, sum += e e, dy = 2 scale e inv; loss = scale sum inv. */
static TGT void SUF(lanes_mse)(size_t count, size_t S, double scale, const double *y,
                               const double *t, double *dy, double *loss) {
  const double inv = 1.0 / (double)count;
  for (size_t v = 0; v < S; v += W) {
    V sum = VSET(0.0);
    for (size_t i = 0; i < count; i++) {
      const V e = VSUB(VLD(y + i * S + v), VSET(t[i]));
      sum = VADD(sum, VMUL(e, e));
      VST(dy + i * S + v, VMUL(VMUL(VSET(2.0 * scale), e), VSET(inv)));
    }
    VST(loss + v, VMUL(VMUL(VSET(scale), sum), VSET(inv)));
  }
}

/* ---- elementary functions ---------------------------------------------------------------- */
/* expm1(r) for |r| <= ln2/2: r + r^2 (1/2! + r/3! + ... + r^11/13!), truncation < 2e-17 |r|. */
static inline TGT V SUF(expm1_core)(V r) {
  V q = VSET(1.0 / 6227020800.0);
  q = VFMA(q, r, VSET(1.0 / 479001600.0));
  q = VFMA(q, r, VSET(1.0 / 39916800.0));
  q = VFMA(q, r, VSET(1.0 / 3628800.0));
  q = VFMA(q, r, VSET(1.0 / 362880.0));
  q = VFMA(q, r, VSET(1.0 / 40320.0));
  q = VFMA(q, r, VSET(1.0 / 5040.0));
  q = VFMA(q, r, VSET(1.0 / 720.0));
  q = VFMA(q, r, VSET(1.0 / 120.0));
  q = VFMA(q, r, VSET(1.0 / 24.0));
  q = VFMA(q, r, VSET(1.0 / 6.0));
  q = VFMA(q, r, VSET(0.5));
  return VFMA(VMUL(r, r), q, r);
}

/* x = k ln2 + r with k = nearest integer to x / ln2 (Cody-Waite, ln2 split in two); returns
 * r, k and t = k + UAT_K_MAGIC. */
static inline TGT V SUF(reduce)(V x, V *t, V *k) {
  *t = VFMA(x, VSET(UAT_INV_LN2), VSET(UAT_K_MAGIC));
  *k = VSUB(*t, VSET(UAT_K_MAGIC));
  const V r = VFMA(*k, VSET(-UAT_LN2_HI), x);
  return VFMA(*k, VSET(-UAT_LN2_LO), r);
}

/* exp(x), with 2^k applied in two halves so that results down to the subnormals are right. */
static inline TGT V SUF(exp_v)(V x) {
  x = VMIN(VSET(710.0), x);
  x = VMAX(VSET(-746.0), x);
  V t;
  V k;
  const V p = SUF(expm1_core)(SUF(reduce)(x, &t, &k));
  const V t1 = VFMA(k, VSET(0.5), VSET(UAT_K_MAGIC));
  const V k2 = VSUB(k, VSUB(t1, VSET(UAT_K_MAGIC)));
  const V s1 = VSCALE(t1), s2 = VSCALE(VADD(k2, VSET(UAT_K_MAGIC)));
  return VMUL(VFMA(s1, p, s1), s2);
}

/* tanh(x) = e / (e + 2) with e = expm1(2|x|), sign restored; 1 beyond |x| = 20. */
static inline TGT V SUF(tanh_v)(V x) {
  V a = VABS(x);
  a = VMIN(VSET(20.0), a);
  V t, k;
  const V p = SUF(expm1_core)(SUF(reduce)(VADD(a, a), &t, &k));
  const V s = VSCALE(t);
  const V e = VFMA(s, p, VSUB(s, VSET(1.0)));
  return VCOPYSIGN(VDIV(e, VADD(e, VSET(2.0))), x);
}

/* exp(x) for |x| <= 700 with 2^k in one step: while the result is normal, scaling by a
 * power of two is exact, so this is exp_v's value with fewer operations. */
static inline TGT V SUF(exp_normal_v)(V x) {
  V t, k;
  const V p = SUF(expm1_core)(SUF(reduce)(x, &t, &k));
  const V s = VSCALE(t);
  return VFMA(s, p, s);
}

/* 1 / (1 + e) for x >= 0 and e / (1 + e) below, with e = exp(-|x|) <= 1 (exp_v only when a
 * lane is beyond 700 or NaN). */
static inline TGT V SUF(sigmoid_v)(V x) {
  const V nx = VSUB(VSET(0.0), VABS(x));
  const V e = VANY_NLE(VABS(x), VSET(700.0)) ? SUF(exp_v)(nx) : SUF(exp_normal_v)(nx);
  const V d = VADD(VSET(1.0), e);
  return VDIV(VSEL_GE(x, VSET(0.0), VSET(1.0), e), d);
}

/* Apply f over n values, W at a time; the tail goes through a zero-padded vector. */
#define UAT_VMAP(fname, f)                                                                         \
  static TGT void SUF(fname)(size_t n, const double *x, double *y) {                               \
    size_t i = 0;                                                                                  \
    for (; i + 8 * W <= n; i += 8 * W) { /* eight independent evaluations in flight */             \
      V yv[8];                                                                                     \
      _Pragma("GCC unroll 8") for (int u = 0; u < 8; u++) yv[u] = f(VLD(x + i + (size_t)u * W));   \
      _Pragma("GCC unroll 8") for (int u = 0; u < 8; u++) VST(y + i + (size_t)u * W, yv[u]);       \
    }                                                                                              \
    for (; i + W <= n; i += W) VST(y + i, f(VLD(x + i)));                                          \
    if (i < n) {                                                                                   \
      double buf[W] = {0};                                                                         \
      for (size_t j = 0; i + j < n; j++) buf[j] = x[i + j];                                        \
      VST(buf, f(VLD(buf)));                                                                       \
      for (size_t j = 0; i + j < n; j++) y[i + j] = buf[j];                                        \
    }                                                                                              \
  }
UAT_VMAP(vtanh, SUF(tanh_v))
UAT_VMAP(vsigmoid, SUF(sigmoid_v))
UAT_VMAP(vexp, SUF(exp_v))
#undef UAT_VMAP

/* g *= act'(z) from a = act(z): tanh' = 1 - a*a, sigmoid' = a (1 - a); separate roundings,
 * as written. g and a may not overlap. */
#define UAT_VBACK(fname, f)                                                                        \
  static TGT void SUF(fname)(size_t n, const double *a, double *g) {                               \
    size_t i = 0;                                                                                  \
    for (; i + W <= n; i += W) VST(g + i, VMUL(VLD(g + i), f(VLD(a + i))));                        \
    for (; i < n; i++) {                                                                           \
      const double ai = a[i];                                                                      \
      g[i] *= f##_1(ai);                                                                           \
    }                                                                                              \
  }
#define SUF_DTANH(x) VSUB(VSET(1.0), VMUL((x), (x)))
#define SUF_DTANH_1(x) (1.0 - (x) * (x))
#define SUF_DSIGMOID(x) VMUL((x), VSUB(VSET(1.0), (x)))
#define SUF_DSIGMOID_1(x) ((x) * (1.0 - (x)))
UAT_VBACK(dtanh, SUF_DTANH)
UAT_VBACK(dsigmoid, SUF_DSIGMOID)
#undef SUF_DTANH
#undef SUF_DTANH_1
#undef SUF_DSIGMOID
#undef SUF_DSIGMOID_1
#undef UAT_VBACK
#undef UAT_NR

/* ---- the 1-H-1 network in one pass each way (uat_thin_forward / uat_thin_backward) ------- */
/* v[0..k) to p: a whole vector, or its first k lanes. */
static inline TGT void SUF(store_part)(double *p, V v, size_t k) {
  if (k == W) {
    VST(p, v);
    return;
  }
  double b[W];
  VST(b, v);
  memcpy(p, b, k * sizeof *p);
}

/* Forward with W rows in a vector: each column j of the hidden layer is one vector, so the
 * output's chain over j runs in registers as the columns are made; z and a go back to rows
 * through an in-register W x W transpose. Every element is the chain of uat_outer, the
 * activation and uat_dot_rows; padded rows and columns are computed and never stored. */
#define UAT_THIN_FWD(fname, f)                                                                     \
  static TGT void SUF(fname)(size_t n, size_t H, const double *x, const double *w1,                \
                             const double *b1, const double *w2, double b2, double *z, double *a,  \
                             double *zo) {                                                         \
    for (size_t i = 0; i < n; i += W) {                                                            \
      const size_t rows = n - i < W ? n - i : W;                                                   \
      double xb[W] = {0};                                                                          \
      memcpy(xb, x + i, rows * sizeof *xb);                                                        \
      const V xv = VLD(xb);                                                                        \
      V acc = VSET(b2);                                                                            \
      for (size_t j = 0; j < H; j += W) {                                                          \
        const size_t cols = H - j < W ? H - j : W;                                                 \
        V zc[W], ac[W];                                                                            \
        _Pragma("GCC unroll 8") for (size_t c = 0; c < W; c++) {                                   \
          const size_t jc = c < cols ? j + c : j;                                                  \
          zc[c] = VFMA(xv, VSET(w1[jc]), VSET(b1[jc]));                                            \
          ac[c] = f(zc[c]);                                                                        \
        }                                                                                          \
        _Pragma("GCC unroll 8") for (size_t c = 0; c < cols; c++) acc =                            \
            VFMA(ac[c], VSET(w2[j + c]), acc);                                                     \
        VTRANSPOSE(zc);                                                                            \
        VTRANSPOSE(ac);                                                                            \
        for (size_t r = 0; r < rows; r++) {                                                        \
          SUF(store_part)(z + (i + r) * H + j, zc[r], cols);                                       \
          SUF(store_part)(a + (i + r) * H + j, ac[r], cols);                                       \
        }                                                                                          \
      }                                                                                            \
      SUF(store_part)(zo + i, acc, rows);                                                          \
    }                                                                                              \
  }
UAT_THIN_FWD(thin_fwd_tanh, SUF(tanh_v))
UAT_THIN_FWD(thin_fwd_sigmoid, SUF(sigmoid_v))
#undef UAT_THIN_FWD

static TGT void SUF(thin_forward)(int sigmoid, size_t n, size_t H, const double *x,
                                  const double *w1, const double *b1, const double *w2, double b2,
                                  double *z, double *a, double *zo) {
  if (sigmoid)
    SUF(thin_fwd_sigmoid)(n, H, x, w1, b1, w2, b2, z, a, zo);
  else
    SUF(thin_fwd_tanh)(n, H, x, w1, b1, w2, b2, z, a, zo);
}

/* Backward over NB vectors of columns from j, rows in order: g = fma(d, w2, 0) act'(a) (the
 * input gradient of the output layer, then the activation's), and the chains of uat_gemm's
 * parameter gradients: dw1 += g x, db1 += 1 g, dw2 += d a. */
#define UAT_THIN_BWD(NB, DF, name)                                                                 \
  static inline TGT void SUF(name)(size_t n, size_t H, size_t j, const double *x, const double *a, \
                                   const double *d, const double *w2, double *dw1, double *db1,    \
                                   double *dw2) {                                                  \
    V gw1[NB], gb1[NB], gw2[NB], w2v[NB];                                                          \
    for (int v = 0; v < (NB); v++) {                                                               \
      gw1[v] = gb1[v] = gw2[v] = VSET(0.0);                                                        \
      w2v[v] = VLD(w2 + j + (size_t)v * W);                                                        \
    }                                                                                              \
    for (size_t i = 0; i < n; i++) {                                                               \
      const V dv = VSET(d[i]), xv = VSET(x[i]);                                                    \
      for (int v = 0; v < (NB); v++) {                                                             \
        const V av = VLD(a + i * H + j + (size_t)v * W);                                           \
        gw2[v] = VFMA(dv, av, gw2[v]);                                                             \
        const V g = VMUL(VFMA(dv, w2v[v], VSET(0.0)), DF(av));                                     \
        gw1[v] = VFMA(g, xv, gw1[v]);                                                              \
        gb1[v] = VFMA(VSET(1.0), g, gb1[v]);                                                       \
      }                                                                                            \
    }                                                                                              \
    for (int v = 0; v < (NB); v++) {                                                               \
      VST(dw1 + j + (size_t)v * W, gw1[v]);                                                        \
      VST(db1 + j + (size_t)v * W, gb1[v]);                                                        \
      VST(dw2 + j + (size_t)v * W, gw2[v]);                                                        \
    }                                                                                              \
  }
#define SUF_DTANH(x) VSUB(VSET(1.0), VMUL((x), (x)))
#define SUF_DSIGMOID(x) VMUL((x), VSUB(VSET(1.0), (x)))
UAT_THIN_BWD(4, SUF_DTANH, thin_bwd_tanh_4)
UAT_THIN_BWD(1, SUF_DTANH, thin_bwd_tanh_1)
UAT_THIN_BWD(4, SUF_DSIGMOID, thin_bwd_sigmoid_4)
UAT_THIN_BWD(1, SUF_DSIGMOID, thin_bwd_sigmoid_1)
#undef SUF_DTANH
#undef SUF_DSIGMOID
#undef UAT_THIN_BWD

static TGT void SUF(thin_backward)(int sigmoid, size_t n, size_t H, const double *x,
                                   const double *a, const double *d, const double *w2, double *dw1,
                                   double *db1, double *dw2, double *db2) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s = fma(1.0, d[i], s);
  *db2 = s;
  size_t j = 0;
  for (; j + 4 * W <= H; j += 4 * W)
    if (sigmoid)
      SUF(thin_bwd_sigmoid_4)(n, H, j, x, a, d, w2, dw1, db1, dw2);
    else
      SUF(thin_bwd_tanh_4)(n, H, j, x, a, d, w2, dw1, db1, dw2);
  for (; j + W <= H; j += W)
    if (sigmoid)
      SUF(thin_bwd_sigmoid_1)(n, H, j, x, a, d, w2, dw1, db1, dw2);
    else
      SUF(thin_bwd_tanh_1)(n, H, j, x, a, d, w2, dw1, db1, dw2);
  for (; j < H; j++) { /* the last H mod W columns: the same chains, one at a time */
    double gw1 = 0.0, gb1 = 0.0, gw2 = 0.0;
    for (size_t i = 0; i < n; i++) {
      const double ai = a[i * H + j];
      gw2 = fma(d[i], ai, gw2);
      const double g = fma(d[i], w2[j], 0.0) * (sigmoid ? ai * (1.0 - ai) : 1.0 - ai * ai);
      gw1 = fma(g, x[i], gw1);
      gb1 = fma(1.0, g, gb1);
    }
    dw1[j] = gw1;
    db1[j] = gb1;
    dw2[j] = gw2;
  }
}

static const uat_kernel_set SUF(kernel_set) = {
    .mr = MR,
    .nr = NV * W,
    .mrn = MRN,
    .w = (int)W,
    .full = SUF(mk_full),
    .narrow = SUF(mk_narrow),
    .row = SUF(row),
    .small = SUF(gemm_small),
    .vtanh = SUF(vtanh),
    .vsigmoid = SUF(vsigmoid),
    .vexp = SUF(vexp),
    .dtanh = SUF(dtanh),
    .dsigmoid = SUF(dsigmoid),
    .outer = SUF(outer),
    .dot_rows = SUF(dot_rows),
    .lanes_affine = SUF(lanes_affine),
    .lanes_param_grad = SUF(lanes_param_grad),
    .lanes_input_grad = SUF(lanes_input_grad),
    .step_sgd = SUF(step_sgd),
    .step_momentum = SUF(step_momentum),
    .step_adam = SUF(step_adam),
    .lanes_mse = SUF(lanes_mse),
    .thin_forward = SUF(thin_forward),
    .thin_backward = SUF(thin_backward),
};
