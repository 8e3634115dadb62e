/* data.c — datasets. */
#include "uat/data.h"

#include <stdlib.h>

uat_dataset *uat_dataset_alloc(size_t n, size_t in, size_t out) {
  if (n == 0 || in == 0 || out == 0) return NULL;
  uat_dataset *d = calloc(1, sizeof *d);
  if (d == NULL) return NULL;
  d->n = n;
  d->in = in;
  d->out = out;
  d->x = calloc(n * in, sizeof *d->x);
  d->y = calloc(n * out, sizeof *d->y);
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
