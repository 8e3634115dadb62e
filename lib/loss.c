/* loss.c — losses and their gradients. */
#include "uat/loss.h"

#include <math.h>
#include <string.h>

#include "uat/status.h"
#include "uat/util.h"

static const char *const loss_names[UAT_LOSS_COUNT] = {"mse", "half-mse", "bce", "ce"};

const char *uat_loss_name(uat_loss loss) {
  return uat_enum_name(loss_names, UAT_LOSS_COUNT, (int)loss);
}

int uat_loss_parse(const char *name, uat_loss *loss) {
  int k = 0;
  const int st = uat_enum_parse(loss_names, UAT_LOSS_COUNT, name, &k);
  if (st == UAT_OK) *loss = (uat_loss)k;
  return st;
}

static double logistic(double z) {
  if (z >= 0) return 1.0 / (1.0 + exp(-z));
  const double e = exp(z);
  return e / (1.0 + e);
}

double uat_loss_eval(uat_loss loss, size_t count, const double *y, const double *t, double *dy) {
  if (count == 0) return 0.0;
  const double inv = 1.0 / (double)count;
  double sum = 0.0;
  size_t i;
  switch (loss) {
  case UAT_LOSS_MSE:
  case UAT_LOSS_HALF_MSE: {
    const double scale = loss == UAT_LOSS_MSE ? 1.0 : 0.5;
    for (i = 0; i < count; i++) {
      const double e = y[i] - t[i];
      sum += e * e;
      if (dy) dy[i] = 2.0 * scale * e * inv;
    }
    return scale * sum * inv;
  }
  case UAT_LOSS_BCE:
    for (i = 0; i < count; i++) {
      sum += fmax(y[i], 0.0) - y[i] * t[i] + log1p(exp(-fabs(y[i])));
      if (dy) dy[i] = (logistic(y[i]) - t[i]) * inv;
    }
    return sum * inv;
  case UAT_LOSS_CE: return uat_loss_eval_rows(loss, 1, count, y, t, dy);
  default: return NAN;
  }
}

/* One row of the cross-entropy on logits; dy (when not NULL) receives its gradient times
 * scale. */
static double ce_row(size_t k, const double *y, const double *t, double scale, double *dy) {
  double mx = y[0], sum = 0.0, tsum = 0.0, loss = 0.0;
  for (size_t j = 1; j < k; j++) mx = fmax(mx, y[j]);
  for (size_t j = 0; j < k; j++) sum += exp(y[j] - mx);
  /* lse - y_j as (mx - y_j) + log(sum): the large common part cancels before rounding */
  const double ls = log(fmax(sum, 1.0)); /* sum >= 1: the largest term is exp(0) */
  for (size_t j = 0; j < k; j++) {
    tsum += t[j];
    if (t[j] != 0.0) loss += t[j] * ((mx - y[j]) + ls);
  }
  if (dy)
    for (size_t j = 0; j < k; j++) dy[j] = (exp(y[j] - mx) / sum * tsum - t[j]) * scale;
  return loss;
}

double uat_loss_eval_rows(uat_loss loss, size_t n, size_t k, const double *y, const double *t,
                          double *dy) {
  if (loss != UAT_LOSS_CE) return uat_loss_eval(loss, n * k, y, t, dy);
  if (n == 0 || k == 0) return 0.0;
  const double inv = 1.0 / (double)n;
  double sum = 0.0;
  for (size_t r = 0; r < n; r++)
    sum += ce_row(k, y + r * k, t + r * k, inv, dy ? dy + r * k : NULL);
  return sum * inv;
}

int uat_loss_on_logits(uat_loss loss) { return loss == UAT_LOSS_BCE || loss == UAT_LOSS_CE; }
