/* bench_core.c — the compute core against its peers, side by side in one run; never part of
 * the pass/fail tests. Results and how to read them: docs/performance.md.
 *
 * 1. Epochs: sin(x), 256 grid points on [-pi, pi], tanh hidden layers, linear output, full
 *    batch. uat with Adam; FANN 2.2 (double) with RPROP and with plain batch training, the same
 *    epochs; PyTorch float64 on one thread with Adam (bench/bench_torch.py, when python3-torch
 *    is installed), each network's peers measured right beside its uat run. Microseconds per
 *    epoch, medians of 5, and the ratios peer / uat.
 * 2. Wide layers: forward + backward of 32-512-512-32 and 64-512-512-64 on batches of 1024,
 *    in GFLOP/s, against the single-thread DGEMM peak of OpenBLAS with the CPU's right kernel
 *    (SkylakeX on AVX-512, Haswell on AVX2), loaded with dlopen so that it cannot interpose on
 *    GSL's CBLAS calls.
 * 3. Cost against size: a 1-32-1 epoch against points (64 ... 65,536), a 1-H-1 epoch on 256
 *    points against H (8 ... 2048) and a 1-H-H-1 epoch against H (8 ... 512, exponent fitted
 *    from H = 64 on), with fitted exponents; log-log plots PERF_points.png, PERF_width.png and
 *    PERF_width2.png in the output folder.
 * 4. XOR seeds: the seed post's 2-2-1 network (torch configuration) over 10,000 seeds, one
 *    network at a time and side by side in SIMD lanes (uat/lanes.h): microseconds per seed.
 * 5. Variable projection: one evaluation (truncated SVD, linear layer, residual, Kaufman's
 *    Jacobian) of a 1-H-1 tanh network on 256 points, uat_varpro_eval against a NumPy/LAPACK
 *    prototype (bench/varpro_numpy.py).
 *
 * Usage: bench_core [OUTDIR] (default: the current folder). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <doublefann.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "bench_util.h"
#include "uat/init.h"
#include "uat/kernels.h"
#include "uat/plot.h"
#include "uat/stats.h"
#include "uat/train.h"
#include "uat/trainers.h"
#include "uat/xor.h"

#ifndef UAT_BUILD_TYPE
#define UAT_BUILD_TYPE "unknown"
#endif
#ifndef UAT_SOURCE_DIR
#define UAT_SOURCE_DIR "."
#endif

enum { REPEATS = 5 };

/* ---- uat ------------------------------------------------------------------------------------ */
static uat_mlp *sin_network(size_t n_sizes, const size_t *sizes) {
  uat_activation act[16];
  for (size_t l = 0; l + 1 < n_sizes; l++)
    act[l] = l + 2 < n_sizes ? UAT_ACT_TANH : UAT_ACT_IDENTITY;
  uat_mlp *m = uat_mlp_alloc(n_sizes, sizes, act);
  gsl_rng *r = uat_rng_alloc(1);
  const uat_init_spec init = uat_init_spec_torch();
  uat_mlp_init(m, &init, r);
  gsl_rng_free(r);
  return m;
}

static uat_dataset *sin_data(size_t n, size_t in, size_t out) {
  uat_dataset *d = uat_dataset_alloc(n, in, out);
  for (size_t i = 0; i < n; i++) {
    for (size_t k = 0; k < in; k++)
      d->x[i * in + k] = -M_PI + 2.0 * M_PI * (double)i / (double)(n - 1);
    for (size_t k = 0; k < out; k++) d->y[i * out + k] = sin(d->x[i * in]);
  }
  return d;
}

/* Microseconds per full-batch Adam epoch, median of REPEATS runs from the same start. */
static double uat_epoch_us(uat_mlp *m, const uat_dataset *d, size_t epochs) {
  uat_train_params tp = uat_train_default_params();
  tp.max_epochs = epochs;
  const uat_optimizer_params op = uat_optimizer_default_params(UAT_OPT_ADAM);
  double *theta0 = malloc(m->n_params * sizeof *theta0), t[REPEATS];
  memcpy(theta0, m->theta, m->n_params * sizeof *theta0);
  uat_trainer *tr = uat_trainer_alloc(m, &tp, d->n);
  uat_optimizer *o = uat_optimizer_alloc(&op, m->n_params);
  for (int r = 0; r < REPEATS; r++) {
    memcpy(m->theta, theta0, m->n_params * sizeof *theta0);
    uat_optimizer_reset(o);
    uat_train_result res;
    const double t0 = bench_now();
    uat_trainer_run(tr, m, o, d, NULL, NULL, NULL, &res);
    t[r] = 1e6 * (bench_now() - t0) / (double)epochs;
  }
  uat_optimizer_free(o);
  uat_trainer_free(tr);
  free(theta0);
  return bench_median(t, REPEATS);
}

/* ---- FANN (double) -------------------------------------------------------------------------- */
static double fann_epoch_us(size_t n_sizes, const size_t *sizes, size_t n, enum fann_train_enum alg,
                            size_t epochs) {
  unsigned int layers[16];
  for (size_t l = 0; l < n_sizes; l++) layers[l] = (unsigned int)sizes[l];
  struct fann *ann = fann_create_standard_array((unsigned int)n_sizes, layers);
  fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
  fann_set_activation_function_output(ann, FANN_LINEAR);
  fann_set_training_algorithm(ann, alg);
  struct fann_train_data *data =
      fann_create_train((unsigned int)n, (unsigned int)sizes[0], (unsigned int)sizes[n_sizes - 1]);
  for (size_t i = 0; i < n; i++) {
    const double x = -M_PI + 2.0 * M_PI * (double)i / (double)(n - 1);
    for (size_t k = 0; k < sizes[0]; k++) data->input[i][k] = x;
    for (size_t k = 0; k < sizes[n_sizes - 1]; k++) data->output[i][k] = sin(x);
  }
  double t[REPEATS];
  for (int r = 0; r < REPEATS; r++) {
    fann_seed_rand();
    fann_randomize_weights(ann, -0.5, 0.5);
    const double t0 = bench_now();
    for (size_t e = 0; e < epochs; e++) fann_train_epoch(ann, data);
    t[r] = 1e6 * (bench_now() - t0) / (double)epochs;
  }
  fann_destroy_train(data);
  fann_destroy(ann);
  return bench_median(t, REPEATS);
}

/* ---- PyTorch, through bench_torch.py --------------------------------------------------------- */
/* Fills us[i] for each case (NAN when PyTorch is not there). */
static void torch_epoch_us(const char *const *cases, size_t n_cases, size_t epochs, double *us) {
  for (size_t i = 0; i < n_cases; i++) us[i] = NAN;
  char cmd[2048];
  int len = snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/bench/bench_torch.py %zu",
                     UAT_SOURCE_DIR, epochs);
  for (size_t i = 0; i < n_cases && len > 0 && (size_t)len < sizeof cmd; i++)
    len += snprintf(cmd + len, sizeof cmd - (size_t)len, " %s", cases[i]);
  FILE *p = popen(cmd, "r");
  if (p == NULL) return;
  char name[256];
  double v;
  while (fscanf(p, "%255s %lf", name, &v) == 2)
    for (size_t i = 0; i < n_cases; i++)
      if (strcmp(name, cases[i]) == 0) us[i] = v;
  pclose(p);
}

static size_t parse_layers(const char *s, size_t *sizes) {
  size_t n = 0;
  char *end;
  do {
    sizes[n++] = strtoul(s, &end, 10);
    s = end + 1;
  } while (*end == ',' && n < 16);
  return n;
}

static void bench_epochs(void) {
  static const char *const cases[] = {"1,8,1", "1,32,1", "1,128,1", "1,512,1", "1,64,64,64,1"};
  enum { NC = sizeof cases / sizeof cases[0] };
  const size_t epochs = 200;
  printf("\n## epochs: sin, 256 points, full batch (us per epoch; ratios = peer / uat)\n\n");
  printf("| network | uat Adam | FANN RPROP | FANN batch | PyTorch Adam | FANN RPROP / uat | "
         "PyTorch / uat |\n|---|---|---|---|---|---|---|\n");
  for (size_t c = 0; c < NC; c++) {
    size_t sizes[16];
    const size_t ns = parse_layers(cases[c], sizes);
    uat_mlp *m = sin_network(ns, sizes);
    uat_dataset *d = sin_data(256, sizes[0], sizes[ns - 1]);
    /* each peer right beside uat, so that a slow spell of this shared machine hits them alike */
    double torch;
    torch_epoch_us(&cases[c], 1, epochs, &torch);
    const double u = uat_epoch_us(m, d, epochs * 5);
    const double fr = fann_epoch_us(ns, sizes, 256, FANN_TRAIN_RPROP, epochs);
    const double fb = fann_epoch_us(ns, sizes, 256, FANN_TRAIN_BATCH, epochs);
    printf("| %s | %.3g | %.3g | %.3g | %.3g | %.1f | %.1f |\n", cases[c], u, fr, fb, torch, fr / u,
           torch / u);
    uat_dataset_free(d);
    uat_mlp_free(m);
  }
}

/* ---- wide layers ---------------------------------------------------------------------------- */
typedef void (*dgemm_fn)(int, int, int, int, int, int, double, const double *, int, const double *,
                         int, double, double *, int);

/* OpenBLAS's single-thread DGEMM on 1024 x 512 x 512 in GFLOP/s, with the kernel the CPU
 * should get; kernel names the one it ran. NAN without OpenBLAS. */
static double openblas_peak(char *kernel, size_t len) {
  /* OpenBLAS 0.3.21 does not know newer CPUs and falls back to an older kernel (or the
   * environment names one): the peak is measured with the kernel this CPU can run best */
  if (uat_kernel_supported(UAT_ISA_AVX512))
    setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
  else if (uat_kernel_supported(UAT_ISA_AVX2))
    setenv("OPENBLAS_CORETYPE", "Haswell", 1);
  void *h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
  snprintf(kernel, len, "none");
  if (h == NULL) return NAN;
  /* POSIX's way to turn dlsym's object pointer into a function pointer */
  dgemm_fn dgemm;
  void (*threads)(int);
  char *(*corename)(void);
  *(void **)&dgemm = dlsym(h, "cblas_dgemm");
  *(void **)&threads = dlsym(h, "openblas_set_num_threads");
  *(void **)&corename = dlsym(h, "openblas_get_corename");
  if (!dgemm || !threads || !corename) return NAN;
  threads(1);
  snprintf(kernel, len, "%s", corename());
  enum { M = 1024, N = 512, K = 512 };
  double *A = malloc(sizeof(double) * M * K), *B = malloc(sizeof(double) * K * N),
         *C = malloc(sizeof(double) * M * N), t[REPEATS];
  for (size_t i = 0; i < (size_t)M * K; i++) A[i] = (double)(i % 13) / 13.0;
  for (size_t i = 0; i < (size_t)K * N; i++) B[i] = (double)(i % 7) / 7.0;
  dgemm(101, 111, 111, M, N, K, 1.0, A, K, B, N, 0.0, C, N);
  for (int r = 0; r < REPEATS; r++) {
    const double t0 = bench_now();
    dgemm(101, 111, 111, M, N, K, 1.0, A, K, B, N, 0.0, C, N);
    t[r] = 2.0 * M * N * K / (bench_now() - t0) / 1e9;
  }
  free(A);
  free(B);
  free(C);
  return bench_median(t, REPEATS);
}

/* Forward + backward (gradients to theta) of a network on a batch: GFLOP/s counting 2 flops
 * per multiply-add of the three products per layer (the first layer's input gradient is not
 * computed). */
static double uat_wide_gflops(const char *layers, size_t batch) {
  size_t sizes[16];
  const size_t ns = parse_layers(layers, sizes);
  uat_mlp *m = sin_network(ns, sizes);
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, batch);
  double *x = malloc(batch * sizes[0] * sizeof *x),
         *dy = malloc(batch * sizes[ns - 1] * sizeof *dy), *g = malloc(m->n_params * sizeof *g),
         t[REPEATS];
  for (size_t i = 0; i < batch * sizes[0]; i++) x[i] = sin((double)i);
  for (size_t i = 0; i < batch * sizes[ns - 1]; i++) dy[i] = cos((double)i);
  double flops = 0;
  for (size_t l = 0; l + 1 < ns; l++)
    flops += 2.0 * (double)batch * (double)(sizes[l] * sizes[l + 1]) * (l == 0 ? 2 : 3);
  for (int r = 0; r < REPEATS; r++) {
    const double t0 = bench_now();
    for (int k = 0; k < 5; k++) {
      uat_mlp_forward(m, w, batch, x);
      uat_mlp_backward(m, w, dy, g, NULL);
    }
    t[r] = 5 * flops / (bench_now() - t0) / 1e9;
  }
  free(x);
  free(dy);
  free(g);
  uat_mlp_workspace_free(w);
  uat_mlp_free(m);
  return bench_median(t, REPEATS);
}

static void bench_wide(void) {
  char kernel[64];
  const double peak = openblas_peak(kernel, sizeof kernel);
  printf("\n## wide layers: forward + backward, batch 1024 (GFLOP/s, one thread)\n\n");
  printf("OpenBLAS DGEMM 1024x512x512 peak = %.1f GFLOP/s (kernel %s)\n\n", peak, kernel);
  printf("| network | uat GFLOP/s | share of the DGEMM peak |\n|---|---|---|\n");
  static const char *const cases[] = {"32,512,512,32", "64,512,512,64"};
  for (int c = 0; c < 2; c++) {
    const double g = uat_wide_gflops(cases[c], 1024);
    printf("| %s | %.1f | %.0f%% |\n", cases[c], g, 100.0 * g / peak);
  }
}

/* ---- cost against size ---------------------------------------------------------------------- */
static void scaling(const char *outdir, const char *what, const double *N, const double *us,
                    size_t n, const char *xlabel) {
  uat_scaling_fit fit;
  if (uat_scaling_fit_compute(N, us, NULL, n, &fit) == UAT_OK)
    printf("\n%s: time ~ %s^%.2f (95%% interval %.2f ... %.2f)\n", what, xlabel, fit.slope,
           fit.ci_lo, fit.ci_hi);
  char base[1024];
  snprintf(base, sizeof base, "%s/PERF_%s", outdir, what);
  uat_error err;
  const uat_plot_scaling_labels labels = {xlabel, "microseconds per epoch", what, NULL, NULL};
  if (uat_plot_scaling(base, N, us, n, &fit, &labels, &err) != UAT_OK)
    fprintf(stderr, "bench_core: %s\n", err.msg);
}

static void bench_scaling(const char *outdir) {
  enum { NP = 11, NW = 9 };
  double N[NP > NW ? NP : NW], us[NP > NW ? NP : NW];
  printf(
      "\n## cost against size (us per Adam epoch)\n\n| network | points | us |\n|---|---|---|\n");
  for (size_t k = 0; k < NP; k++) {
    const size_t n = (size_t)64 << k, sizes[3] = {1, 32, 1};
    uat_mlp *m = sin_network(3, sizes);
    uat_dataset *d = sin_data(n, 1, 1);
    N[k] = (double)n;
    us[k] = uat_epoch_us(m, d, n >= 16384 ? 20 : 200);
    printf("| 1-32-1 | %zu | %.4g |\n", n, us[k]);
    uat_dataset_free(d);
    uat_mlp_free(m);
  }
  scaling(outdir, "points", N, us, NP, "points");
  for (size_t k = 0; k < NW; k++) {
    const size_t H = (size_t)8 << k, sizes[3] = {1, H, 1};
    uat_mlp *m = sin_network(3, sizes);
    uat_dataset *d = sin_data(256, 1, 1);
    N[k] = (double)H;
    us[k] = uat_epoch_us(m, d, H >= 512 ? 50 : 200);
    printf("| 1-%zu-1 | 256 | %.4g |\n", H, us[k]);
    uat_dataset_free(d);
    uat_mlp_free(m);
  }
  scaling(outdir, "width", N, us, NW, "width");
  /* with a hidden-to-hidden layer the H x H product dominates: quadratic at large H */
  enum { NW2 = 7 };
  for (size_t k = 0; k < NW2; k++) {
    const size_t H = (size_t)8 << k, sizes[4] = {1, H, H, 1};
    uat_mlp *m = sin_network(4, sizes);
    uat_dataset *d = sin_data(256, 1, 1);
    N[k] = (double)H;
    us[k] = uat_epoch_us(m, d, H >= 256 ? 10 : 100);
    printf("| 1-%zu-%zu-1 | 256 | %.4g |\n", H, H, us[k]);
    uat_dataset_free(d);
    uat_mlp_free(m);
  }
  scaling(outdir, "width2", N + 3, us + 3, NW2 - 3, "width");
}

/* ---- XOR seeds ------------------------------------------------------------------------------ */
static int same_bits(double a, double b) {
  uint64_t x, y;
  memcpy(&x, &a, sizeof x);
  memcpy(&y, &b, sizeof y);
  return x == y;
}

/* Two run records agree bit for bit, field by field. */
static int same_run(const uat_xor_run *a, const uat_xor_run *b) {
  return a->seed == b->seed && a->diverged == b->diverged && a->epochs_run == b->epochs_run &&
         same_bits(a->loss, b->loss) && same_bits(a->out[0], b->out[0]) &&
         same_bits(a->out[1], b->out[1]) && same_bits(a->out[2], b->out[2]) &&
         same_bits(a->out[3], b->out[3]) && a->solved == b->solved && a->strict == b->strict &&
         a->epochs_solved == b->epochs_solved && a->epochs_strict == b->epochs_strict;
}

static void bench_xor(void) {
  uat_xor_config c;
  uat_xor_config_get("torch", &c);
  const size_t seeds = 10000;
  uat_xor_run *runs = malloc(seeds * sizeof *runs);
  printf("\n## XOR, torch configuration, 2001 epochs (us per seed)\n\n");
  printf("| seeds | one at a time | side by side | ratio | identical |\n|---|---|---|---|---|\n");
  uat_xor_run *one = malloc(seeds * sizeof *one);
  double t0 = bench_now();
  for (size_t s = 0; s < seeds; s++) uat_xor_run_seed(&c, s, &one[s], NULL);
  const double t_one = 1e6 * (bench_now() - t0) / (double)seeds;
  t0 = bench_now();
  uat_xor_run_seeds(&c, 0, seeds, runs);
  const double t_lanes = 1e6 * (bench_now() - t0) / (double)seeds;
  int same = 1;
  for (size_t s = 0; s < seeds; s++) same = same && same_run(&one[s], &runs[s]);
  printf("| %zu | %.1f | %.1f | %.1f | %s |\n", seeds, t_one, t_lanes, t_one / t_lanes,
         same ? "yes" : "NO");
  free(one);
  free(runs);
}

/* ---- variable projection's evaluation ------------------------------------------------------ */
static void bench_varpro(void) {
  static const size_t widths[] = {16, 32, 64, 128};
  enum { NW = sizeof widths / sizeof widths[0] };
  double numpy[NW];
  for (size_t i = 0; i < NW; i++) numpy[i] = NAN;
  char cmd[1024];
  snprintf(
      cmd, sizeof cmd,
      "OPENBLAS_NUM_THREADS=1 /usr/bin/python3 %s/bench/varpro_numpy.py 16 32 64 128 2>/dev/null",
      UAT_SOURCE_DIR);
  FILE *p = popen(cmd, "r");
  size_t H;
  double v;
  while (p && fscanf(p, "%zu %lf", &H, &v) == 2)
    for (size_t i = 0; i < NW; i++)
      if (widths[i] == H) numpy[i] = v;
  if (p) pclose(p);
  printf("\n## variable projection: one evaluation, 1-H-1 tanh, 256 points (us)\n\n");
  printf("| H | hidden params | uat | NumPy/LAPACK | NumPy / uat |\n|---|---|---|---|---|\n");
  for (size_t i = 0; i < NW; i++) {
    const size_t sizes[3] = {1, widths[i], 1};
    uat_mlp *m = sin_network(3, sizes);
    uat_dataset *d = sin_data(256, 1, 1);
    uat_varpro *vp = uat_varpro_alloc(m, d);
    const size_t np = uat_varpro_nparams(vp);
    double *theta = malloc(np * sizeof *theta), t[REPEATS];
    memcpy(theta, m->theta, np * sizeof *theta);
    for (int r = 0; r < REPEATS; r++) {
      const double t0 = bench_now();
      for (int k = 0; k < 100; k++) uat_varpro_eval(vp, theta, NULL, NULL);
      t[r] = 1e6 * (bench_now() - t0) / 100;
    }
    const double u = bench_median(t, REPEATS);
    printf("| %zu | %zu | %.4g | %.4g | %.2f |\n", widths[i], np, u, numpy[i], numpy[i] / u);
    free(theta);
    uat_varpro_free(vp);
    uat_dataset_free(d);
    uat_mlp_free(m);
  }
}

int main(int argc, char **argv) {
  const char *outdir = argc > 1 ? argv[1] : ".";
  bench_print_machine(UAT_BUILD_TYPE);
  bench_epochs();
  bench_wide();
  bench_xor();
  bench_varpro();
  bench_scaling(outdir);
  return 0;
}
