/* kernels.c — fixed-order products and activations, one instance per ISA, chosen at run
 * time. Every instance computes the same bits (uat/kernels.h); only the speed differs. */
#define _GNU_SOURCE
#include "uat/kernels.h"

#include <dlfcn.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uat/status.h"
#include "uat/util.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define UAT_HAVE_X86 1
#else
#define UAT_HAVE_X86 0
#endif

/* Constants of the range reduction x = k ln2 + r (fdlibm's split of ln2: k * UAT_LN2_HI is
 * exact for |k| < 2^11). Adding UAT_K_MAGIC = 1.5 * 2^52 rounds to an integer and leaves it in
 * the low bits of the sum. */
#define UAT_INV_LN2 1.44269504088896338700e+00
#define UAT_LN2_HI 6.93147180369123816490e-01
#define UAT_LN2_LO 1.90821492927058770002e-10
#define UAT_K_MAGIC 6755399441055744.0

typedef void (*uat_mk_fn)(size_t kc, const double *Ap, size_t as, const double *Bp, size_t bs,
                          double *C, size_t ldc, int load);
typedef void (*uat_small_fn)(int ta, int tb, size_t M, size_t N, size_t K, const double *A,
                             size_t lda, const double *B, size_t ldb, int accumulate, double *C,
                             size_t rsc, size_t csc);
typedef void (*uat_row_fn)(size_t kc, const double *Ap, size_t as, const double *Bp, size_t bs,
                           double *C, size_t n, int load);
typedef void (*uat_map_fn)(size_t n, const double *x, double *y);

typedef struct {
  int mr;           /* rows of the full micro-tile */
  int nr;           /* columns of the full micro-tile */
  int mrn, w;       /* rows of the narrow micro-tile; its columns (one vector) */
  uat_mk_fn full;   /* mr x nr */
  uat_mk_fn narrow; /* mrn x w, for products with fewer than nr columns */
  uat_row_fn row;   /* one row of any length */
  uat_small_fn small;
  uat_map_fn vtanh, vsigmoid, vexp;
  uat_map_fn dtanh, dsigmoid; /* g[i] *= act'(given a[i] = act(z[i])) */
  void (*outer)(size_t n, size_t m, const double *x, const double *w, const double *c, double *z);
  void (*dot_rows)(size_t n, size_t k, const double *a, const double *w, double b, double *z);
  void (*lanes_affine)(size_t n, size_t in, size_t out, size_t S, const double *x, int x_lanes,
                       const double *W, const double *b, double *z);
  void (*lanes_param_grad)(size_t n, size_t in, size_t out, size_t S, const double *D,
                           const double *A, int a_lanes, double *dW, double *db);
  void (*lanes_input_grad)(size_t n, size_t in, size_t out, size_t S, const double *D,
                           const double *W, double *G);
  void (*step_sgd)(size_t n, double lr, double *theta, const double *g);
  void (*step_momentum)(size_t n, double lr, double mu, int first, int nesterov, double *theta,
                        const double *g, double *v);
  void (*step_adam)(size_t n, const double *c, double *theta, const double *g, double *m,
                    double *v);
  void (*lanes_mse)(size_t count, size_t S, double scale, const double *y, const double *t,
                    double *dy, double *loss);
  void (*thin_forward)(int sigmoid, size_t n, size_t H, const double *x, const double *w1,
                       const double *b1, const double *w2, double b2, double *z, double *a,
                       double *zo);
  void (*thin_backward)(int sigmoid, size_t n, size_t H, const double *x, const double *a,
                        const double *d, const double *w2, double *dw1, double *db1, double *dw2,
                        double *db2);
} uat_kernel_set;

/* ---- generic: one lane, the C library's correctly rounded fma() --------------------------- */
static inline double uat_scale_scalar(double t) {
  uint64_t b;
  memcpy(&b, &t, sizeof b);
  b = (b + 1023u) << 52;
  double s;
  memcpy(&s, &b, sizeof s);
  return s;
}
#define SUF(name) name##_generic
#define TGT
#define V double
#define W ((size_t)1)
#define MR 4
#define NV 4
#define MRN 4
#define VLD(p) (*(p))
#define VST(p, v) (*(p) = (v))
#define VSET(x) (x)
#define VFMA(a, b, c) fma((a), (b), (c))
#define VADD(a, b) ((a) + (b))
#define VSUB(a, b) ((a) - (b))
#define VMUL(a, b) ((a) * (b))
#define VDIV(a, b) ((a) / (b))
#define VABS(a) fabs(a)
#define VSQRT(a) sqrt(a)
#define VCOPYSIGN(m, s) copysign((m), (s))
#define VSEL_GE(a, b, x, y) ((a) >= (b) ? (x) : (y))
#define VSCALE(t) uat_scale_scalar(t)
#define VTRANSPOSE(v) ((void)(v))
#define VMIN(c, x) ((c) < (x) ? (c) : (x))
#define VMAX(c, x) ((c) > (x) ? (c) : (x))
#define VANY_NLE(a, b) (!((a) <= (b)))
#include "kernels_impl.h"
#include "kernels_undef.h"

#if UAT_HAVE_X86
/* W x W transposes in registers: v[c] holds column c (lanes = rows) on entry, row r on exit. */
static inline __attribute__((target("avx2,fma"))) void uat_transpose4(__m256d v[4]) {
  const __m256d t0 = _mm256_unpacklo_pd(v[0], v[1]), t1 = _mm256_unpackhi_pd(v[0], v[1]);
  const __m256d t2 = _mm256_unpacklo_pd(v[2], v[3]), t3 = _mm256_unpackhi_pd(v[2], v[3]);
  v[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
  v[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
  v[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
  v[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}

static inline __attribute__((target("avx512f,avx512dq,fma"))) void uat_transpose8(__m512d v[8]) {
  __m512d t[8], u[8];
  for (int k = 0; k < 8; k += 2) { /* pairs of rows interleaved within 128-bit lanes */
    t[k] = _mm512_unpacklo_pd(v[k], v[k + 1]);
    t[k + 1] = _mm512_unpackhi_pd(v[k], v[k + 1]);
  }
  for (int k = 0; k < 8; k += 4) { /* then 128-bit lanes of row pairs (0,1)+(2,3), (4,5)+(6,7) */
    u[k] = _mm512_shuffle_f64x2(t[k], t[k + 2], 0x88);
    u[k + 1] = _mm512_shuffle_f64x2(t[k], t[k + 2], 0xdd);
    u[k + 2] = _mm512_shuffle_f64x2(t[k + 1], t[k + 3], 0x88);
    u[k + 3] = _mm512_shuffle_f64x2(t[k + 1], t[k + 3], 0xdd);
  }
  v[0] = _mm512_shuffle_f64x2(u[0], u[4], 0x88);
  v[4] = _mm512_shuffle_f64x2(u[0], u[4], 0xdd);
  v[2] = _mm512_shuffle_f64x2(u[1], u[5], 0x88);
  v[6] = _mm512_shuffle_f64x2(u[1], u[5], 0xdd);
  v[1] = _mm512_shuffle_f64x2(u[2], u[6], 0x88);
  v[5] = _mm512_shuffle_f64x2(u[2], u[6], 0xdd);
  v[3] = _mm512_shuffle_f64x2(u[3], u[7], 0x88);
  v[7] = _mm512_shuffle_f64x2(u[3], u[7], 0xdd);
}

/* ---- AVX2 + FMA: 4 lanes ------------------------------------------------------------------ */
#define SUF(name) name##_avx2
#define TGT __attribute__((target("avx2,fma")))
#define V __m256d
#define W ((size_t)4)
#define MR 6
#define NV 2
#define MRN 8
#define VLD(p) _mm256_loadu_pd(p)
#define VST(p, v) _mm256_storeu_pd((p), (v))
#define VSET(x) _mm256_set1_pd(x)
#define VFMA(a, b, c) _mm256_fmadd_pd((a), (b), (c))
#define VADD(a, b) _mm256_add_pd((a), (b))
#define VSUB(a, b) _mm256_sub_pd((a), (b))
#define VMUL(a, b) _mm256_mul_pd((a), (b))
#define VDIV(a, b) _mm256_div_pd((a), (b))
#define VSQRT(a) _mm256_sqrt_pd(a)
#define VABS(a) _mm256_andnot_pd(_mm256_set1_pd(-0.0), (a))
#define VCOPYSIGN(m, s)                                                                            \
  _mm256_or_pd(_mm256_andnot_pd(_mm256_set1_pd(-0.0), (m)),                                        \
               _mm256_and_pd(_mm256_set1_pd(-0.0), (s)))
#define VSEL_GE(a, b, x, y) _mm256_blendv_pd((y), (x), _mm256_cmp_pd((a), (b), _CMP_GE_OQ))
#define VSCALE(t)                                                                                  \
  _mm256_castsi256_pd(                                                                             \
      _mm256_slli_epi64(_mm256_add_epi64(_mm256_castpd_si256(t), _mm256_set1_epi64x(1023)), 52))
#define VTRANSPOSE(v) uat_transpose4(v)
#define VMIN(c, x) _mm256_min_pd((c), (x)) /* c < x ? c : x, x when either is NaN */
#define VMAX(c, x) _mm256_max_pd((c), (x))
#define VANY_NLE(a, b) (_mm256_movemask_pd(_mm256_cmp_pd((a), (b), _CMP_NLE_UQ)) != 0)
#include "kernels_impl.h"
#include "kernels_undef.h"

/* ---- AVX-512F/DQ: 8 lanes ----------------------------------------------------------------- */
#define SUF(name) name##_avx512
#define TGT __attribute__((target("avx512f,avx512dq,fma")))
#define V __m512d
#define W ((size_t)8)
#define MR 8
#define NV 2
#define MRN 16
#define VLD(p) _mm512_loadu_pd(p)
#define VST(p, v) _mm512_storeu_pd((p), (v))
#define VSET(x) _mm512_set1_pd(x)
#define VFMA(a, b, c) _mm512_fmadd_pd((a), (b), (c))
#define VADD(a, b) _mm512_add_pd((a), (b))
#define VSUB(a, b) _mm512_sub_pd((a), (b))
#define VMUL(a, b) _mm512_mul_pd((a), (b))
#define VDIV(a, b) _mm512_div_pd((a), (b))
#define VSQRT(a) _mm512_sqrt_pd(a)
#define VABS(a) _mm512_andnot_pd(_mm512_set1_pd(-0.0), (a))
#define VCOPYSIGN(m, s)                                                                            \
  _mm512_or_pd(_mm512_andnot_pd(_mm512_set1_pd(-0.0), (m)),                                        \
               _mm512_and_pd(_mm512_set1_pd(-0.0), (s)))
#define VSEL_GE(a, b, x, y) _mm512_mask_blend_pd(_mm512_cmp_pd_mask((a), (b), _CMP_GE_OQ), (y), (x))
#define VSCALE(t)                                                                                  \
  _mm512_castsi512_pd(                                                                             \
      _mm512_slli_epi64(_mm512_add_epi64(_mm512_castpd_si512(t), _mm512_set1_epi64(1023)), 52))
#define VTRANSPOSE(v) uat_transpose8(v)
#define VMIN(c, x) _mm512_min_pd((c), (x))
#define VMAX(c, x) _mm512_max_pd((c), (x))
#define VANY_NLE(a, b) (_mm512_cmp_pd_mask((a), (b), _CMP_NLE_UQ) != 0)
#include "kernels_impl.h"
#include "kernels_undef.h"
#endif

/* ---- selection ---------------------------------------------------------------------------- */
static const char *const isa_names[UAT_ISA_COUNT] = {"generic", "avx2", "avx512"};

const char *uat_kernel_isa_name(uat_isa isa) {
  return uat_enum_name(isa_names, UAT_ISA_COUNT, (int)isa);
}

int uat_kernel_supported(uat_isa isa) {
  switch (isa) {
  case UAT_ISA_GENERIC: return 1;
#if UAT_HAVE_X86
  case UAT_ISA_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  case UAT_ISA_AVX512:
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("fma");
#endif
  default: return 0;
  }
}

/* The chosen set: -1 until first use. A read-only property of the CPU after that, so a
 * relaxed atomic is enough (every thread that races computes the same value). */
static _Atomic int chosen_isa = -1;

static uat_isa choose_default(void) {
  const char *env = getenv("UAT_KERNEL");
  if (env != NULL)
    for (int i = 0; i < UAT_ISA_COUNT; i++)
      if (strcmp(env, isa_names[i]) == 0 && uat_kernel_supported((uat_isa)i)) return (uat_isa)i;
  if (uat_kernel_supported(UAT_ISA_AVX512)) return UAT_ISA_AVX512;
  if (uat_kernel_supported(UAT_ISA_AVX2)) return UAT_ISA_AVX2;
  return UAT_ISA_GENERIC;
}

uat_isa uat_kernel_isa(void) {
  int isa = atomic_load_explicit(&chosen_isa, memory_order_relaxed);
  if (isa < 0) {
    isa = (int)choose_default();
    atomic_store_explicit(&chosen_isa, isa, memory_order_relaxed);
  }
  return (uat_isa)isa;
}

int uat_kernel_select(uat_isa isa) {
  if (isa < 0 || isa >= UAT_ISA_COUNT || !uat_kernel_supported(isa)) return UAT_EINVAL;
  atomic_store_explicit(&chosen_isa, (int)isa, memory_order_relaxed);
  return UAT_OK;
}

static const uat_kernel_set *kernels(void) {
  switch (uat_kernel_isa()) {
#if UAT_HAVE_X86
  case UAT_ISA_AVX512: return &kernel_set_avx512;
  case UAT_ISA_AVX2: return &kernel_set_avx2;
#endif
  default: return &kernel_set_generic;
  }
}

const char *uat_cblas_library(void) {
  Dl_info info;
  void *sym = dlsym(RTLD_DEFAULT, "cblas_dgemm");
  return (sym && dladdr(sym, &info) && info.dli_fname) ? info.dli_fname : "unknown";
}

/* ---- the blocked product ------------------------------------------------------------------ */
/* Cache blocks: a KC x NC block of B is packed once and reused by every MC-row block of A. */
enum { UAT_KC = 256, UAT_MC = 96, UAT_NC = 1024, UAT_MAX_TILE = 16 * 64 };
/* Below this many multiply-adds, packing costs more than it saves. */
enum { UAT_GEMM_SMALL = 512 };

static size_t round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }
static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }
static size_t max_sz(size_t a, size_t b) { return a > b ? a : b; }

size_t uat_gemm_pack_size(size_t M, size_t N, size_t K) {
  if (M == 0 || N == 0 || K == 0) return 0;
  /* bounds for every ISA and orientation: tiles at most 8 rows, 64 columns */
  const size_t big = max_sz(M, N);
  return min_sz(K, UAT_KC) *
             (round_up(min_sz(big, UAT_MC), 16) + round_up(min_sz(big, UAT_NC), 64)) +
         UAT_MAX_TILE + UAT_NC;
}

typedef struct {
  int ta, tb;
  const double *A, *B;
  size_t lda, ldb;
} operands;

/* dst[p * ldd + r] = src[r * lds + p] for r < rows, p < cols, in blocks of 8 columns so that
 * the 8 destination rows being written stay in L1 while the source rows stream by. */
static void transpose_into(const double *src, size_t lds, size_t rows, size_t cols, double *dst,
                           size_t ldd) {
  for (size_t p0 = 0; p0 < cols; p0 += 8) {
    const size_t pe = min_sz(p0 + 8, cols);
    for (size_t r = 0; r < rows; r++) {
      const double *s = src + r * lds;
      for (size_t p = p0; p < pe; p++) dst[p * ldd + r] = s[p];
    }
  }
}

/* Rows [i0, i0+mc) of op(A), columns [p0, p0+kc), as panels of mr rows: Ap[panel][p][r],
 * zero-padded. Each layout gets its own loop so that reads run along memory. */
static void pack_a(const operands *o, size_t i0, size_t mc, size_t p0, size_t kc, size_t mr,
                   double *Ap) {
  for (size_t ir = 0; ir < mc; ir += mr, Ap += kc * mr) {
    const size_t m = min_sz(mr, mc - ir);
    if (m < mr) memset(Ap, 0, kc * mr * sizeof *Ap);
    if (o->ta)
      for (size_t p = 0; p < kc; p++)
        memcpy(Ap + p * mr, o->A + (p0 + p) * o->lda + i0 + ir, m * sizeof *Ap);
    else
      transpose_into(o->A + (i0 + ir) * o->lda + p0, o->lda, m, kc, Ap, mr);
  }
}

/* Columns [j0, j0+nc) of op(B), rows [p0, p0+kc), as panels of nr columns: Bp[panel][p][c]. */
static void pack_b(const operands *o, size_t j0, size_t nc, size_t p0, size_t kc, size_t nr,
                   double *Bp) {
  for (size_t jr = 0; jr < nc; jr += nr, Bp += kc * nr) {
    const size_t n = min_sz(nr, nc - jr);
    if (n < nr) memset(Bp, 0, kc * nr * sizeof *Bp);
    if (!o->tb)
      for (size_t p = 0; p < kc; p++)
        memcpy(Bp + p * nr, o->B + (p0 + p) * o->ldb + j0 + jr, n * sizeof *Bp);
    else
      transpose_into(o->B + (j0 + jr) * o->ldb + p0, o->ldb, n, kc, Bp, nr);
  }
}

typedef struct {
  const uat_kernel_set *ks;
  uat_mk_fn mk;
  size_t mr, nr;
  operands o;
  double *C;
  size_t rsc, csc;
} product;

/* One micro-tile: rows [i, i+m), columns [j, j+n), inner block [pc, pc+kc). Whole tiles go
 * straight to the micro-kernel when C's rows are contiguous; partial tiles with packed
 * operands through a zero-padded tile T (the padding never reaches C); partial tiles with
 * an operand read in place through the small kernel. Every path runs the same chains. */
static void tile(const product *pr, size_t i, size_t j, size_t m, size_t n, size_t pc, size_t kc,
                 const double *Ap, size_t as, const double *Bp, size_t bs, int direct, int load,
                 double *T) {
  const size_t mr = pr->mr, nr = pr->nr, rsc = pr->rsc, csc = pr->csc;
  double *C = pr->C + i * rsc + j * csc;
  if (m == mr && n == nr && csc == 1) {
    pr->mk(kc, Ap, as, Bp, bs, C, rsc, load);
    return;
  }
  if (direct) {
    const operands *o = &pr->o;
    const double *A = o->A + (o->ta ? pc * o->lda + i : i * o->lda + pc);
    const double *B = o->B + (o->tb ? j * o->ldb + pc : pc * o->ldb + j);
    pr->ks->small(o->ta, o->tb, m, n, kc, A, o->lda, B, o->ldb, load, C, rsc, csc);
    return;
  }
  for (size_t r = 0; r < mr; r++)
    for (size_t c = 0; c < nr; c++)
      T[r * nr + c] = (load && r < m && c < n) ? C[r * rsc + c * csc] : 0.0;
  pr->mk(kc, Ap, as, Bp, bs, T, nr, 1);
  for (size_t r = 0; r < m; r++)
    for (size_t c = 0; c < n; c++) C[r * rsc + c * csc] = T[r * nr + c];
}

/* One row of C (1 x N, column stride csc): each element of op(B) is used once, so op(B) is
 * read in place when its rows are contiguous and transposed into pack otherwise; a strided
 * C row is gathered into pack and scattered back. */
static void gemm_row(const uat_kernel_set *ks, const operands *o, size_t N, size_t K,
                     int accumulate, double *C, size_t csc, double *pack) {
  const size_t as = o->ta ? o->lda : 1;
  for (size_t jc = 0; jc < N; jc += UAT_NC) {
    const size_t nc = min_sz(UAT_NC, N - jc);
    double *c = C + jc * csc, *Bp = pack + UAT_NC;
    if (csc != 1) {
      for (size_t j = 0; j < nc; j++) pack[j] = C[(jc + j) * csc];
      c = pack;
    }
    for (size_t pc = 0; pc < K; pc += UAT_KC) {
      const size_t kc = min_sz(UAT_KC, K - pc);
      const double *a = o->A + pc * as;
      if (o->tb) {
        transpose_into(o->B + jc * o->ldb + pc, o->ldb, nc, kc, Bp, nc);
        ks->row(kc, a, as, Bp, nc, c, nc, accumulate || pc > 0);
      } else {
        ks->row(kc, a, as, o->B + pc * o->ldb + jc, o->ldb, c, nc, accumulate || pc > 0);
      }
    }
    if (csc != 1)
      for (size_t j = 0; j < nc; j++) C[(jc + j) * csc] = pack[j];
  }
}

/* Read an operand in place instead of packing it: B when its rows are contiguous and either
 * each element is used once (one-row products) or the block is small enough to stay in cache;
 * A likewise when op(A) is stored transposed (columns of op(A) contiguous). */
enum { UAT_DIRECT_MAX = 32768 };

void uat_gemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, const double *A, size_t lda,
              const double *B, size_t ldb, int accumulate, double *C, size_t ldc, double *pack) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    if (!accumulate)
      for (size_t i = 0; i < M; i++) memset(C + i * ldc, 0, N * sizeof *C);
    return;
  }
  const uat_kernel_set *ks = kernels();
  if (M * N * K < UAT_GEMM_SMALL) {
    ks->small(trans_a != 0, trans_b != 0, M, N, K, A, lda, B, ldb, accumulate, C, ldc, 1);
    return;
  }
  product pr = {ks, NULL, 0, 0, {trans_a != 0, trans_b != 0, A, B, lda, ldb}, C, ldc, 1};
  /* Vectors run along the columns: when C has fewer columns than rows and too few to fill
   * a vector, compute C^T = op(B)^T op(A)^T instead (same chains, same bits). */
  if (N < (size_t)ks->w && M > N) {
    const operands t = {!pr.o.tb, !pr.o.ta, B, A, ldb, lda};
    pr.o = t;
    const size_t tmp = M;
    M = N;
    N = tmp;
    pr.rsc = 1;
    pr.csc = ldc;
  }
  if (M == 1) {
    gemm_row(ks, &pr.o, N, K, accumulate, C, pr.csc, pack);
    return;
  }
  const operands *o = &pr.o;
  /* fewer columns than a full tile: one vector wide and more rows */
  const int narrow = N < (size_t)ks->nr;
  pr.mr = (size_t)(narrow ? ks->mrn : ks->mr);
  pr.nr = (size_t)(narrow ? ks->w : ks->nr);
  pr.mk = narrow ? ks->narrow : ks->full;
  const size_t mr = pr.mr, nr = pr.nr;
  for (size_t jc = 0; jc < N; jc += UAT_NC) {
    const size_t nc = min_sz(UAT_NC, N - jc);
    for (size_t pc = 0; pc < K; pc += UAT_KC) {
      const size_t kc = min_sz(UAT_KC, K - pc);
      const int direct_b = !o->tb && kc * nc <= UAT_DIRECT_MAX;
      double *Bp = pack, *Ap = pack + (direct_b ? 0 : kc * round_up(nc, nr));
      if (!direct_b) pack_b(o, jc, nc, pc, kc, nr, Bp);
      const int load = accumulate || pc > 0;
      for (size_t ic = 0; ic < M; ic += UAT_MC) {
        const size_t mc = min_sz(UAT_MC, M - ic);
        const int direct_a = o->ta && kc * mc <= UAT_DIRECT_MAX;
        double *T = Ap + (direct_a ? 0 : kc * round_up(mc, mr));
        if (!direct_a) pack_a(o, ic, mc, pc, kc, mr, Ap);
        const size_t as = direct_a ? o->lda : mr, bs = direct_b ? o->ldb : nr;
        /* Panels of B stay in L1 across the tiles of a column (B-panel outer); with a thin
         * inner block they are tiny and C's row-wise walk matters more (tiles row by row). */
        const int rows_outer = kc < 32;
        const size_t nj = (nc + nr - 1) / nr, ni = (mc + mr - 1) / mr;
        for (size_t t = 0; t < nj * ni; t++) {
          const size_t jr = (rows_outer ? t % nj : t / ni) * nr;
          const size_t ir = (rows_outer ? t / nj : t % ni) * mr;
          const double *b = direct_b ? o->B + pc * o->ldb + jc + jr : Bp + jr * kc;
          const size_t i = ic + ir;
          const double *a = direct_a ? o->A + pc * o->lda + i : Ap + ir * kc;
          tile(&pr, i, jc + jr, min_sz(mr, mc - ir), min_sz(nr, nc - jr), pc, kc, a, as, b, bs,
               direct_a || direct_b, load, T);
        }
      }
    }
  }
}

void uat_outer(size_t n, size_t m, const double *x, const double *w, const double *c, double *z) {
  kernels()->outer(n, m, x, w, c, z);
}
void uat_dot_rows(size_t n, size_t k, const double *a, const double *w, double b, double *z) {
  kernels()->dot_rows(n, k, a, w, b, z);
}

/* ---- activations -------------------------------------------------------------------------- */
void uat_vtanh(size_t n, const double *x, double *y) { kernels()->vtanh(n, x, y); }
void uat_vsigmoid(size_t n, const double *x, double *y) { kernels()->vsigmoid(n, x, y); }
void uat_vexp(size_t n, const double *x, double *y) { kernels()->vexp(n, x, y); }

void uat_vtanh_backprop(size_t n, const double *a, double *g) { kernels()->dtanh(n, a, g); }
void uat_vsigmoid_backprop(size_t n, const double *a, double *g) { kernels()->dsigmoid(n, a, g); }

void uat_lanes_affine(size_t n, size_t in, size_t out, size_t S, const double *x, int x_lanes,
                      const double *W, const double *b, double *z) {
  kernels()->lanes_affine(n, in, out, S, x, x_lanes, W, b, z);
}
void uat_lanes_param_grad(size_t n, size_t in, size_t out, size_t S, const double *D,
                          const double *A, int a_lanes, double *dW, double *db) {
  kernels()->lanes_param_grad(n, in, out, S, D, A, a_lanes, dW, db);
}
void uat_lanes_input_grad(size_t n, size_t in, size_t out, size_t S, const double *D,
                          const double *W, double *G) {
  kernels()->lanes_input_grad(n, in, out, S, D, W, G);
}

void uat_step_sgd(size_t n, double lr, double *theta, const double *g) {
  kernels()->step_sgd(n, lr, theta, g);
}
void uat_step_momentum(size_t n, double lr, double mu, int first, int nesterov, double *theta,
                       const double *g, double *v) {
  kernels()->step_momentum(n, lr, mu, first, nesterov, theta, g, v);
}
void uat_step_adam(size_t n, const double *c, double *theta, const double *g, double *m,
                   double *v) {
  kernels()->step_adam(n, c, theta, g, m, v);
}
void uat_lanes_mse(size_t count, size_t S, double scale, const double *y, const double *t,
                   double *dy, double *loss) {
  kernels()->lanes_mse(count, S, scale, y, t, dy, loss);
}

void uat_thin_forward(int sigmoid, size_t n, size_t H, const double *x, const double *w1,
                      const double *b1, const double *w2, double b2, double *z, double *a,
                      double *zo) {
  kernels()->thin_forward(sigmoid, n, H, x, w1, b1, w2, b2, z, a, zo);
}
void uat_thin_backward(int sigmoid, size_t n, size_t H, const double *x, const double *a,
                       const double *d, const double *w2, double *dw1, double *db1, double *dw2,
                       double *db2) {
  kernels()->thin_backward(sigmoid, n, H, x, a, d, w2, dw1, db1, dw2, db2);
}

double uat_tanh(double x) { return tanh_v_generic(x); }
double uat_sigmoid(double x) { return sigmoid_v_generic(x); }
double uat_exp(double x) { return exp_v_generic(x); }
