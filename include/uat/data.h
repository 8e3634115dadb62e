/* uat/data.h — datasets: n samples of (x, y) as row-major matrices. */
#ifndef UAT_DATA_H
#define UAT_DATA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  size_t n;   /**< samples */
  size_t in;  /**< input width */
  size_t out; /**< output width */
  double *x;  /**< n x in */
  double *y;  /**< n x out */
} uat_dataset;

/** Allocate a zeroed dataset; NULL if a size is 0 or on out of memory. */
uat_dataset *uat_dataset_alloc(size_t n, size_t in, size_t out);

/** Free; NULL is accepted. */
void uat_dataset_free(uat_dataset *d);

#ifdef __cplusplus
}
#endif
#endif
