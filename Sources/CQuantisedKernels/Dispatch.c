/* The run-time choice: which variants this machine can run, and the calls into them. No state
 * is kept here: the caller asks once (pqk_best_isa) and passes the answer with every call. */
#include "Variants.h"
#include "CKernels.h"

int pqk_isa_supported(int isa) {
    /* The machine's best set, as every C kernel of the package sees it (CKernels); the sets are
     * nested, so a set is supported when it is no wider than the best. */
    return (isa == PQK_ISA_AVX2 || isa == PQK_ISA_AVX512) && isa <= (int)perplexed_best_isa();
}

int pqk_best_isa(void) {
    if (pqk_isa_supported(PQK_ISA_AVX512)) return PQK_ISA_AVX512;
    if (pqk_isa_supported(PQK_ISA_AVX2)) return PQK_ISA_AVX2;
    return PQK_ISA_PORTABLE;
}

static int known_type(int type) {
    return type == PQK_Q4_0 || type == PQK_Q5_0 || type == PQK_Q8_0 || type == PQK_Q4_K || type == PQK_Q6_K;
}

int pqk_dot_rows(int isa, int type, const void *weights, size_t row_bytes, size_t rows, size_t blocks,
                 const float *x, float *y) {
    if (!known_type(type) || !pqk_isa_supported(isa)) return -1;
#if defined(__x86_64__)
    if (isa == PQK_ISA_AVX512) {
        pqk_dot_rows_avx512(type, weights, row_bytes, rows, blocks, x, y);
    } else {
        pqk_dot_rows_avx2(type, weights, row_bytes, rows, blocks, x, y);
    }
    return 0;
#else
    (void)weights; (void)row_bytes; (void)rows; (void)blocks; (void)x; (void)y;
    return -1;
#endif
}

int pqk_decode_rows(int isa, int type, const void *weights, size_t row_bytes, size_t rows, size_t blocks,
                    float *out) {
    if (!known_type(type) || !pqk_isa_supported(isa)) return -1;
#if defined(__x86_64__)
    if (isa == PQK_ISA_AVX512) {
        pqk_decode_rows_avx512(type, weights, row_bytes, rows, blocks, out);
    } else {
        pqk_decode_rows_avx2(type, weights, row_bytes, rows, blocks, out);
    }
    return 0;
#else
    (void)weights; (void)row_bytes; (void)rows; (void)blocks; (void)out;
    return -1;
#endif
}
