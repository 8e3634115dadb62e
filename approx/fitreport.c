/* fitreport.c — error reports of networks against targets. */
#include "uat/fitreport.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "uat/loss.h"

typedef struct {
  uat_target *t;
  size_t o;
  int deriv;
} target_fn_ctx;

static int target_fn(const double *x, double *y, void *p) {
  target_fn_ctx *c = p;
  if (c->deriv) return uat_target_deriv(c->t, x, c->o, 0, y);
  double v[UAT_TARGET_MAX_DIM];
  const int st = uat_target_eval(c->t, x, v);
  *y = v[c->o];
  return st;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The kinks in [lo, hi] of a one-input network whose hidden layers are ReLU (or identity) and
 * whose output is linear: it is piecewise linear, and between its kinks its derivative is
 * constant, so the norms integrate and search piece by piece. Layer by layer: between the kinks
 * of the layers before it, every pre-activation of layer l is linear in x, so its zeros follow
 * exactly from its values at the two ends of each piece. Returns how many (an array the caller
 * frees in *out), or 0 for other networks. */
static size_t relu_kinks(const uat_mlp *m, double lo, double hi, double **out) {
  *out = NULL;
  const size_t L = m->n_layers;
  if (m->sizes[0] != 1 || L < 2 || m->act[L - 1] != UAT_ACT_IDENTITY) return 0;
  int relu = 0;
  for (size_t l = 0; l + 1 < L; l++) {
    if (m->act[l] != UAT_ACT_RELU && m->act[l] != UAT_ACT_IDENTITY) return 0;
    relu |= m->act[l] == UAT_ACT_RELU;
  }
  if (!relu) return 0;
  size_t cap = 64, n = 2;
  double *pts = malloc(cap * sizeof *pts);
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, 2);
  if (pts == NULL || w == NULL) {
    free(pts);
    uat_mlp_workspace_free(w);
    return 0;
  }
  pts[0] = lo;
  pts[1] = hi;
  for (size_t l = 0; l + 1 < L && pts; l++) {
    const size_t before = n, width = m->sizes[l + 1];
    for (size_t k = 0; k + 1 < before && pts; k++) {
      const double x[2] = {pts[k], pts[k + 1]};
      uat_mlp_forward(m, w, 2, x);
      const double *za = w->z[l], *zb = w->z[l] + width;
      for (size_t j = 0; j < width; j++) {
        if (!((za[j] < 0 && zb[j] > 0) || (za[j] > 0 && zb[j] < 0))) continue;
        if (n == cap) {
          double *more = realloc(pts, (cap *= 2) * sizeof *pts);
          if (more == NULL) {
            free(pts);
            pts = NULL;
            break;
          }
          pts = more;
        }
        pts[n++] = x[0] + (x[1] - x[0]) * za[j] / (za[j] - zb[j]);
      }
    }
    if (pts) qsort(pts, n, sizeof *pts, cmp_double);
  }
  uat_mlp_workspace_free(w);
  *out = pts;
  return pts ? n : 0;
}

static size_t argmax(size_t n, const double *v) {
  size_t k = 0;
  for (size_t i = 1; i < n; i++)
    if (v[i] > v[k]) k = i;
  return k;
}

/* A data target: the test rows' figures, and for classes the confusion matrix. */
static void data_report(const uat_target *t, const uat_dataset *test, const double *y,
                        uat_fit_report *r) {
  r->is_data = 1;
  r->classes = uat_target_classes(t);
  if (r->classes == 0) return;
  const size_t K = r->classes;
  for (size_t k = 0; k < test->n; k++) {
    const size_t truth = argmax(K, test->y + k * K), pred = argmax(K, y + k * K);
    r->confusion[truth][pred]++;
    r->correct += truth == pred;
  }
  r->accuracy = (double)r->correct / (double)test->n;
}

int uat_fit_report_compute(uat_mlp *m, uat_target *t, const uat_dataset *test, uat_fit_report *r,
                           uat_error *err) {
  memset(r, 0, sizeof *r);
  const size_t out = uat_target_out(t), in = uat_target_in(t);
  r->out = out;
  r->test_points = test->n;
  uat_mlp_workspace *w = uat_mlp_workspace_alloc(m, test->n);
  uat_mlp_workspace *w1 = uat_mlp_workspace_alloc(m, 1);
  if (w == NULL || w1 == NULL) {
    uat_mlp_workspace_free(w);
    uat_mlp_workspace_free(w1);
    return uat_error_set(err, UAT_ENOMEM, "out of memory");
  }
  const double *y = uat_mlp_forward(m, w, test->n, test->x);
  r->test_rmse = sqrt(uat_loss_eval(UAT_LOSS_MSE, test->n * out, y, test->y, NULL));
  for (size_t i = 0; i < test->n * out; i++)
    r->test_max = fmax(r->test_max, fabs(y[i] - test->y[i]));
  r->accuracy = r->margin = NAN;
  if (uat_target_get_kind(t) == UAT_TARGET_DATA) {
    data_report(t, test, y, r);
    uat_mlp_workspace_free(w);
    uat_mlp_workspace_free(w1);
    return UAT_OK;
  }
  if (uat_target_get_kind(t) == UAT_TARGET_BOOL) {
    /* the test set is the truth table: a classifier's figures */
    r->is_bool = 1;
    r->margin = INFINITY;
    for (size_t i = 0; i < test->n * out; i++) {
      const double side = test->y[i] > 0.5 ? y[i] - 0.5 : 0.5 - y[i];
      r->correct += side > 0;
      r->margin = fmin(r->margin, side);
    }
    r->accuracy = (double)r->correct / (double)(test->n * out);
    uat_mlp_workspace_free(w);
    uat_mlp_workspace_free(w1);
    return UAT_OK;
  }
  uat_norm_params np = uat_norm_default_params(in);
  np.epsrel = 1e-8;
  /* In 2-D a fixed 64 x 64 Gauss-Legendre rule (error estimated against 32 x 32) keeps reports
   * fast in sweeps; nested adaptive quadrature can take minutes on a noisy tiny error. */
  np.nested_2d = 0;
  np.gauss_points = 64;
  double *kinks = NULL;
  np.n_breaks = in == 1 ? relu_kinks(m, uat_target_lo(t)[0], uat_target_hi(t)[0], &kinks) : 0;
  np.breaks = kinks;
  int st = UAT_OK;
  r->has_deriv = in == 1 && uat_target_get_kind(t) != UAT_TARGET_BOOL;
  for (size_t o = 0; o < out && in <= 2; o++) {
    uat_mlp_fn_ctx mc = {m, w1, o, 0, 0, {0}};
    target_fn_ctx tc = {t, o, 0};
    int s = uat_norms_compute(in, uat_target_lo(t), uat_target_hi(t), uat_mlp_fn, &mc, target_fn,
                              &tc, &np, &r->norms[o], err);
    if ((s == UAT_OK || s == UAT_ESOLVER) && r->has_deriv) {
      mc.deriv = 1;
      tc.deriv = 1;
      s = uat_norms_compute(in, uat_target_lo(t), uat_target_hi(t), uat_mlp_fn, &mc, target_fn, &tc,
                            &np, &r->dnorms[o], err);
    }
    if (s == UAT_ESOLVER)
      r->status = UAT_ESOLVER;
    else if (s != UAT_OK)
      st = s;
  }
  uat_mlp_workspace_free(w);
  uat_mlp_workspace_free(w1);
  free(kinks);
  return st;
}

void uat_fit_report_print(FILE *fp, const uat_fit_report *r, const uat_target *t) {
  fprintf(fp, "test_points = %zu\ntest_rmse = %.6e\ntest_max = %.6e\n", r->test_points,
          r->test_rmse, r->test_max);
  const size_t in = uat_target_in(t);
  if (r->is_data) {
    if (r->classes == 0) return;
    fprintf(fp, "test_correct = %zu of %zu\naccuracy = %.6g\n", r->correct, r->test_points,
            r->accuracy);
    fprintf(fp, "# confusion: one line per true class, counts per predicted class:");
    for (size_t j = 0; j < r->classes; j++) fprintf(fp, " %s", uat_target_output_name(t, j));
    fputc('\n', fp);
    for (size_t i = 0; i < r->classes; i++) {
      fprintf(fp, "confusion.%s =", uat_target_output_name(t, i));
      for (size_t j = 0; j < r->classes; j++) fprintf(fp, " %zu", r->confusion[i][j]);
      fputc('\n', fp);
    }
    return;
  }
  if (r->is_bool) {
    fprintf(fp, "rows_correct = %zu of %zu\naccuracy = %.6g\nmargin = %.6e\nsolved = %s\n",
            r->correct, r->test_points * r->out, r->accuracy, r->margin,
            r->accuracy == 1.0 ? "yes" : "no");
    return;
  }
  for (size_t o = 0; o < r->out && in <= 2; o++) {
    const uat_norms *n = &r->norms[o];
    const char *name = uat_target_output_name(t, o);
    fprintf(fp, "%s.l2 = %.6e\n%s.l2_rel = %.6e\n%s.l2_abserr = %.1e\n", name, n->l2, name,
            n->l2_rel, name, n->l2_abserr);
    fprintf(fp, "%s.linf = %.6e\n", name, n->linf);
    fprintf(fp, "%s.linf_abserr = %.1e\n", name, n->linf_abserr);
    fprintf(fp, "%s.linf_rel = %.6e\n%s.linf_at =", name, n->linf_rel, name);
    for (size_t i = 0; i < in; i++) fprintf(fp, " %.10g", n->linf_at[i]);
    fputc('\n', fp);
    if (r->has_deriv)
      fprintf(fp, "%s.deriv_l2 = %.6e\n%s.deriv_l2_rel = %.6e\n%s.deriv_linf = %.6e\n", name,
              r->dnorms[o].l2, name, r->dnorms[o].l2_rel, name, r->dnorms[o].linf);
  }
  if (r->status == UAT_ESOLVER)
    fprintf(fp, "# a quadrature fell short of its tolerance: see the l2_abserr estimates\n");
}
