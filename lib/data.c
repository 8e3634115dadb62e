/* data.c — datasets. */
#include "uat/data.h"

#include "uat/limits.h"

#include <stdlib.h>

uat_dataset *uat_dataset_alloc(size_t n, size_t in, size_t out) {
  size_t nx, ny;
  if (n == 0 || in == 0 || out == 0 || n > UAT_MAX_POINTS || !uat_size_mul(n, in, &nx) ||
      !uat_size_mul(n, out, &ny))
    return NULL;
  uat_dataset *d = calloc(1, sizeof *d);
  if (d == NULL) return NULL;
  d->n = n;
  d->in = in;
  d->out = out;
  d->x = calloc(nx, sizeof *d->x);
  d->y = calloc(ny, sizeof *d->y);
  if (!d->x || !d->y) {
    uat_dataset_free(d);
    return NULL;
  }
  return d;
}

void uat_dataset_free(uat_dataset *d) {
  if (d == NULL) return;
  free(d->x);
  free(d->y);
  free(d);
}
