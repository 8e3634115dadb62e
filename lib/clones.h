/* clones.h — UAT_CLONES: a function compiled for AVX-512, AVX2 and the baseline, the copy
 * chosen once by the CPU (GCC's and clang's function multiversioning).
 *
 * Only for bookkeeping loops over lanes (comparisons, and +, *, / of one element at a time):
 * each such operation is exact or correctly rounded by IEEE 754 whatever the vector width,
 * floating-point contraction is off in this project (CMakeLists.txt) and the compiler never
 * reorders a sum, so every copy gives the same bits. Arithmetic that shapes a network's
 * results goes through the kernels of uat/kernels.h. */
#ifndef UAT_CLONES_H
#define UAT_CLONES_H

#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define UAT_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef UAT_CLONES
#define UAT_CLONES
#endif

#endif
