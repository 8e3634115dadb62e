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

typedef void (*uat_mk_fn)(size_t kc, const double *Ap, const double *Bp, double *C, size_t ldc,
                          int load);
typedef void (*uat_small_fn)(int ta, int tb, size_t M, size_t N, size_t K, const double *A,
                             size_t lda, const double *B, size_t ldb, int accumulate, double *C,
                             size_t rsc, size_t csc);
typedef void (*uat_map_fn)(size_t n, const double *x, double *y);

typedef struct {
  int mr;         /* rows of the full micro-tile */
  int nr;         /* columns of the full micro-tile */
  int nr_row;     /* columns of the one-row micro-tile */
  uat_mk_fn full; /* mr x nr */
  uat_mk_fn row;  /* 1 x nr_row */
  uat_small_fn small;
  uat_map_fn vtanh, vsigmoid, vexp;
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
#define W 1
#define MR 4
#define NV 4
#define VLD(p) (*(p))
#define VST(p, v) (*(p) = (v))
#define VSET(x) (x)
#define VFMA(a, b, c) fma((a), (b), (c))
#define VADD(a, b) ((a) + (b))
#define VSUB(a, b) ((a) - (b))
#define VMUL(a, b) ((a) * (b))
#define VDIV(a, b) ((a) / (b))
#define VABS(a) fabs(a)
#define VCOPYSIGN(m, s) copysign((m), (s))
#define VSEL_GT(a, b, x, y) ((a) > (b) ? (x) : (y))
#define VSEL_GE(a, b, x, y) ((a) >= (b) ? (x) : (y))
#define VSCALE(t) uat_scale_scalar(t)
#include "kernels_impl.h"
#undef SUF
#undef TGT
#undef V
#undef W
#undef MR
#undef NV
#undef VLD
#undef VST
#undef VSET
#undef VFMA
#undef VADD
#undef VSUB
#undef VMUL
#undef VDIV
#undef VABS
#undef VCOPYSIGN
#undef VSEL_GT
#undef VSEL_GE
#undef VSCALE

#if UAT_HAVE_X86
/* ---- AVX2 + FMA: 4 lanes ------------------------------------------------------------------ */
#define SUF(name) name##_avx2
#define TGT __attribute__((target("avx2,fma")))
#define V __m256d
#define W 4
#define MR 6
#define NV 2
#define VLD(p) _mm256_loadu_pd(p)
#define VST(p, v) _mm256_storeu_pd((p), (v))
#define VSET(x) _mm256_set1_pd(x)
#define VFMA(a, b, c) _mm256_fmadd_pd((a), (b), (c))
#define VADD(a, b) _mm256_add_pd((a), (b))
#define VSUB(a, b) _mm256_sub_pd((a), (b))
#define VMUL(a, b) _mm256_mul_pd((a), (b))
#define VDIV(a, b) _mm256_div_pd((a), (b))
#define VABS(a) _mm256_andnot_pd(_mm256_set1_pd(-0.0), (a))
#define VCOPYSIGN(m, s)                                                                            \
  _mm256_or_pd(_mm256_andnot_pd(_mm256_set1_pd(-0.0), (m)),                                        \
               _mm256_and_pd(_mm256_set1_pd(-0.0), (s)))
#define VSEL_GT(a, b, x, y) _mm256_blendv_pd((y), (x), _mm256_cmp_pd((a), (b), _CMP_GT_OQ))
#define VSEL_GE(a, b, x, y) _mm256_blendv_pd((y), (x), _mm256_cmp_pd((a), (b), _CMP_GE_OQ))
#define VSCALE(t)                                                                                  \
  _mm256_castsi256_pd(                                                                             \
      _mm256_slli_epi64(_mm256_add_epi64(_mm256_castpd_si256(t), _mm256_set1_epi64x(1023)), 52))
#include "kernels_impl.h"
#undef SUF
#undef TGT
#undef V
#undef W
#undef MR
#undef NV
#undef VLD
#undef VST
#undef VSET
#undef VFMA
#undef VADD
#undef VSUB
#undef VMUL
#undef VDIV
#undef VABS
#undef VCOPYSIGN
#undef VSEL_GT
#undef VSEL_GE
#undef VSCALE

/* ---- AVX-512F/DQ: 8 lanes ----------------------------------------------------------------- */
#define SUF(name) name##_avx512
#define TGT __attribute__((target("avx512f,avx512dq,fma")))
#define V __m512d
#define W 8
#define MR 8
#define NV 2
#define VLD(p) _mm512_loadu_pd(p)
#define VST(p, v) _mm512_storeu_pd((p), (v))
#define VSET(x) _mm512_set1_pd(x)
#define VFMA(a, b, c) _mm512_fmadd_pd((a), (b), (c))
#define VADD(a, b) _mm512_add_pd((a), (b))
#define VSUB(a, b) _mm512_sub_pd((a), (b))
#define VMUL(a, b) _mm512_mul_pd((a), (b))
#define VDIV(a, b) _mm512_div_pd((a), (b))
#define VABS(a) _mm512_andnot_pd(_mm512_set1_pd(-0.0), (a))
#define VCOPYSIGN(m, s)                                                                            \
  _mm512_or_pd(_mm512_andnot_pd(_mm512_set1_pd(-0.0), (m)),                                        \
               _mm512_and_pd(_mm512_set1_pd(-0.0), (s)))
#define VSEL_GT(a, b, x, y) _mm512_mask_blend_pd(_mm512_cmp_pd_mask((a), (b), _CMP_GT_OQ), (y), (x))
#define VSEL_GE(a, b, x, y) _mm512_mask_blend_pd(_mm512_cmp_pd_mask((a), (b), _CMP_GE_OQ), (y), (x))
#define VSCALE(t)                                                                                  \
  _mm512_castsi512_pd(                                                                             \
      _mm512_slli_epi64(_mm512_add_epi64(_mm512_castpd_si512(t), _mm512_set1_epi64(1023)), 52))
#include "kernels_impl.h"
#undef SUF
#undef TGT
#undef V
#undef W
#undef MR
#undef NV
#undef VLD
#undef VST
#undef VSET
#undef VFMA
#undef VADD
#undef VSUB
#undef VMUL
#undef VDIV
#undef VABS
#undef VCOPYSIGN
#undef VSEL_GT
#undef VSEL_GE
#undef VSCALE
#endif

/* ---- selection ---------------------------------------------------------------------------- */
static const char *const isa_names[UAT_ISA_COUNT] = {"generic", "avx2", "avx512"};

const char *uat_kernel_isa_name(uat_isa isa) {
  return (isa >= 0 && isa < UAT_ISA_COUNT) ? isa_names[isa] : "unknown";
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
enum { UAT_KC = 256, UAT_MC = 96, UAT_NC = 1024, UAT_MAX_TILE = 8 * 64 };
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
             (round_up(min_sz(big, UAT_MC), 8) + round_up(min_sz(big, UAT_NC), 64)) +
         UAT_MAX_TILE;
}

typedef struct {
  int ta, tb;
  const double *A, *B;
  size_t lda, ldb;
} operands;

static double op_a(const operands *o, size_t i, size_t p) {
  return o->ta ? o->A[p * o->lda + i] : o->A[i * o->lda + p];
}
static double op_b(const operands *o, size_t p, size_t j) {
  return o->tb ? o->B[j * o->ldb + p] : o->B[p * o->ldb + j];
}

/* Rows [i0, i0+mc) of op(A), columns [p0, p0+kc), as panels of mr rows: Ap[panel][p][r]. */
static void pack_a(const operands *o, size_t i0, size_t mc, size_t p0, size_t kc, size_t mr,
                   double *Ap) {
  for (size_t ir = 0; ir < mc; ir += mr, Ap += kc * mr)
    for (size_t p = 0; p < kc; p++)
      for (size_t r = 0; r < mr; r++)
        Ap[p * mr + r] = ir + r < mc ? op_a(o, i0 + ir + r, p0 + p) : 0.0;
}

/* Columns [j0, j0+nc) of op(B), rows [p0, p0+kc), as panels of nr columns: Bp[panel][p][c]. */
static void pack_b(const operands *o, size_t j0, size_t nc, size_t p0, size_t kc, size_t nr,
                   double *Bp) {
  for (size_t jr = 0; jr < nc; jr += nr, Bp += kc * nr)
    for (size_t p = 0; p < kc; p++)
      for (size_t c = 0; c < nr; c++)
        Bp[p * nr + c] = jr + c < nc ? op_b(o, p0 + p, j0 + jr + c) : 0.0;
}

/* One micro-tile at C (strides rsc, csc): straight into C when it is whole and rows are
 * contiguous, else through a zero-padded tile (the padding never reaches C). */
static void tile(uat_mk_fn mk, size_t mr, size_t nr, size_t kc, const double *Ap, const double *Bp,
                 double *C, size_t rsc, size_t csc, size_t m, size_t n, int load, double *T) {
  if (m == mr && n == nr && csc == 1) {
    mk(kc, Ap, Bp, C, rsc, load);
    return;
  }
  for (size_t r = 0; r < mr; r++)
    for (size_t c = 0; c < nr; c++)
      T[r * nr + c] = (load && r < m && c < n) ? C[r * rsc + c * csc] : 0.0;
  mk(kc, Ap, Bp, T, nr, 1);
  for (size_t r = 0; r < m; r++)
    for (size_t c = 0; c < n; c++) C[r * rsc + c * csc] = T[r * nr + c];
}

void uat_gemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, const double *A, size_t lda,
              const double *B, size_t ldb, int accumulate, double *C, size_t ldc, double *pack) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    if (!accumulate)
      for (size_t i = 0; i < M; i++) memset(C + i * ldc, 0, N * sizeof *C);
    return;
  }
  const uat_kernel_set *ks = kernels();
  operands o = {trans_a != 0, trans_b != 0, A, B, lda, ldb};
  size_t rsc = ldc, csc = 1;
  if (M * N * K < UAT_GEMM_SMALL) {
    ks->small(o.ta, o.tb, M, N, K, A, lda, B, ldb, accumulate, C, rsc, csc);
    return;
  }
  /* Vectors run along the columns: when C has fewer columns than rows and too few to fill
   * a micro-tile, compute C^T = op(B)^T op(A)^T instead (same chains, same bits). */
  if (N < (size_t)ks->nr && M > N) {
    const operands t = {!o.tb, !o.ta, B, A, ldb, lda};
    o = t;
    const size_t tmp = M;
    M = N;
    N = tmp;
    rsc = 1;
    csc = ldc;
  }
  const int one_row = M == 1;
  const size_t mr = one_row ? 1 : (size_t)ks->mr,
               nr = one_row ? (size_t)ks->nr_row : (size_t)ks->nr;
  const uat_mk_fn mk = one_row ? ks->row : ks->full;
  for (size_t jc = 0; jc < N; jc += UAT_NC) {
    const size_t nc = min_sz(UAT_NC, N - jc);
    for (size_t pc = 0; pc < K; pc += UAT_KC) {
      const size_t kc = min_sz(UAT_KC, K - pc);
      double *Bp = pack, *Ap = pack + kc * round_up(nc, nr);
      pack_b(&o, jc, nc, pc, kc, nr, Bp);
      const int load = accumulate || pc > 0;
      for (size_t ic = 0; ic < M; ic += UAT_MC) {
        const size_t mc = min_sz(UAT_MC, M - ic);
        double *T = Ap + kc * round_up(mc, mr);
        pack_a(&o, ic, mc, pc, kc, mr, Ap);
        for (size_t jr = 0; jr < nc; jr += nr)
          for (size_t ir = 0; ir < mc; ir += mr)
            tile(mk, mr, nr, kc, Ap + ir * kc, Bp + jr * kc, C + (ic + ir) * rsc + (jc + jr) * csc,
                 rsc, csc, min_sz(mr, mc - ir), min_sz(nr, nc - jr), load, T);
      }
    }
  }
}

/* ---- activations -------------------------------------------------------------------------- */
void uat_vtanh(size_t n, const double *x, double *y) { kernels()->vtanh(n, x, y); }
void uat_vsigmoid(size_t n, const double *x, double *y) { kernels()->vsigmoid(n, x, y); }
void uat_vexp(size_t n, const double *x, double *y) { kernels()->vexp(n, x, y); }

double uat_tanh(double x) { return tanh_v_generic(x); }
double uat_sigmoid(double x) { return sigmoid_v_generic(x); }
double uat_exp(double x) { return exp_v_generic(x); }
