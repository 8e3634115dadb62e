/* stats.c — summaries over seeds and scaling fits. */
#include "uat/stats.h"
#include "uat/util.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int uat_summary_compute(const double *x, size_t n, double target, uat_summary *s) {
  memset(s, 0, sizeof *s);
  s->n = n;
  double *v = malloc((n ? n : 1) * sizeof *v);
  if (v == NULL) return UAT_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i])) {
      s->diverged++;
      continue;
    }
    v[s->finite++] = x[i];
    if (!isnan(target) && x[i] > target) s->missed++;
  }
  const size_t k = s->finite;
  if (k == 0) {
    s->mean = s->sd = s->min = s->q1 = s->median = s->q3 = s->max = NAN;
  } else {
    gsl_sort(v, 1, k);
    s->mean = gsl_stats_mean(v, 1, k);
    s->sd = k > 1 ? gsl_stats_sd_m(v, 1, k, s->mean) : 0.0;
    s->min = v[0];
    s->max = v[k - 1];
    s->q1 = gsl_stats_quantile_from_sorted_data(v, 1, k, 0.25);
    s->median = gsl_stats_median_from_sorted_data(v, 1, k);
    s->q3 = gsl_stats_quantile_from_sorted_data(v, 1, k, 0.75);
  }
  free(v);
  return UAT_OK;
}

static const char *const quality_names[] = {"ok", "too few points", "range too short", "too noisy"};

const char *uat_fit_quality_name(uat_fit_quality q) {
  return uat_enum_name(quality_names, sizeof quality_names / sizeof *quality_names, (int)q);
}

int uat_scaling_fit_compute(const double *N, const double *err, const double *w, size_t n,
                            uat_scaling_fit *fit) {
  memset(fit, 0, sizeof *fit);
  double *lx = malloc((n ? n : 1) * sizeof *lx), *ly = malloc((n ? n : 1) * sizeof *ly);
  double *lw = malloc((n ? n : 1) * sizeof *lw);
  if (!lx || !ly || !lw) {
    free(lx);
    free(ly);
    free(lw);
    return UAT_ENOMEM;
  }
  size_t k = 0;
  double nmin = INFINITY, nmax = 0.0;
  for (size_t i = 0; i < n; i++) {
    if (!(err[i] > 0) || !isfinite(err[i]) || !(N[i] > 0) || !isfinite(N[i])) continue;
    if (w && !(w[i] > 0)) continue;
    lx[k] = log(N[i]);
    ly[k] = log(err[i]);
    lw[k] = w ? w[i] : 1.0;
    nmin = fmin(nmin, N[i]);
    nmax = fmax(nmax, N[i]);
    k++;
  }
  fit->n = k;
  int st = UAT_OK;
  if (k < 2 || nmax == nmin) {
    st = UAT_EINVAL;
    fit->slope = fit->slope_se = fit->ci_lo = fit->ci_hi = fit->intercept = fit->r2 = NAN;
    fit->quality = UAT_FIT_TOO_FEW;
  } else {
    double c0, c1, cov00, cov01, cov11, sumsq;
    if (w)
      gsl_fit_wlinear(lx, 1, lw, 1, ly, 1, k, &c0, &c1, &cov00, &cov01, &cov11, &sumsq);
    else
      gsl_fit_linear(lx, 1, ly, 1, k, &c0, &c1, &cov00, &cov01, &cov11, &sumsq);
    fit->intercept = c0;
    fit->slope = c1;
    fit->slope_se = sqrt(cov11);
    const double tss = gsl_stats_wtss(lw, 1, ly, 1, k);
    fit->r2 = tss > 0 ? 1.0 - sumsq / tss : 1.0;
    if (k < 3) {
      fit->ci_lo = fit->ci_hi = NAN;
      fit->quality = UAT_FIT_TOO_FEW;
    } else {
      const double t = gsl_cdf_tdist_Pinv(0.975, (double)(k - 2));
      fit->ci_lo = c1 - t * fit->slope_se;
      fit->ci_hi = c1 + t * fit->slope_se;
      const double half = t * fit->slope_se;
      if (nmax / nmin < 4.0)
        fit->quality = UAT_FIT_TOO_SHORT;
      else if (half > 0.5 * fabs(c1) || fit->r2 < 0.5)
        fit->quality = UAT_FIT_TOO_NOISY;
      else
        fit->quality = UAT_FIT_OK;
    }
  }
  free(lx);
  free(ly);
  free(lw);
  return st;
}
