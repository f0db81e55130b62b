/* What Dispatch.c needs from the instruction-set variants, and the block geometry they share. */
#ifndef PERPLEXED_CQUANTISEDKERNELS_VARIANTS_H
#define PERPLEXED_CQUANTISEDKERNELS_VARIANTS_H

#include "CQuantisedKernels.h"

/* Weights per block. */
static inline size_t pqk_block_size(int type) {
    return type == PQK_Q4_K || type == PQK_Q6_K ? 256 : 32;
}

/* Bytes per block. */
static inline size_t pqk_type_size(int type) {
    switch (type) {
    case PQK_Q4_0: return 18;
    case PQK_Q5_0: return 22;
    case PQK_Q8_0: return 34;
    case PQK_Q4_K: return 144;
    default: return 210;
    }
}

#if defined(__x86_64__)
/* The kernels of each variant; `type` must be one of the PQK_ block types. */
void pqk_dot_rows_avx2(int type, const void *weights, size_t row_bytes, size_t rows, size_t blocks,
                       const float *x, float *y);
void pqk_decode_rows_avx2(int type, const void *weights, size_t row_bytes, size_t rows, size_t blocks, float *out);
void pqk_dot_rows_avx512(int type, const void *weights, size_t row_bytes, size_t rows, size_t blocks,
                         const float *x, float *y);
void pqk_decode_rows_avx512(int type, const void *weights, size_t row_bytes, size_t rows, size_t blocks, float *out);
#endif

#endif
