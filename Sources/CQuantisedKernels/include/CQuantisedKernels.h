/*
 * Dot products and row decoding over ggml's quantised blocks (Q4_0, Q5_0, Q8_0, Q4_K, Q6_K),
 * compiled for AVX2 + FMA and for AVX-512, the instruction set chosen by the caller at run time.
 *
 * Numerics: every weight is decoded to exactly the float32 that GGUF's `Dequantize` gives it
 * (same float operations in the same order, no fused multiply-add in the decoding), and the
 * activations stay float32. A dot product then multiplies each decoded weight by its input and
 * adds it with a fused multiply-add into one of several vector accumulators, which are summed at
 * the end: dequantise-then-multiply up to the order of the float32 sums, with the error bound of
 * a float32 dot product in any summation order (FMA only removes roundings). The weights are
 * bit-identical for every f16 scale, infinities and NaNs (with their payloads) included.
 */
#ifndef PERPLEXED_CQUANTISEDKERNELS_H
#define PERPLEXED_CQUANTISEDKERNELS_H

#include <stddef.h>
#include <stdint.h>

/* Instruction sets (`isa` arguments). PQK_ISA_PORTABLE has no C kernels: it names the Swift
 * fallback, and is what pqk_best_isa returns where neither x86 variant can run. */
#define PQK_ISA_PORTABLE 0
/* AVX2 with FMA and F16C: eight float lanes. */
#define PQK_ISA_AVX2 1
/* AVX-512 F (with FMA and F16C): sixteen float lanes. */
#define PQK_ISA_AVX512 2

/* Block types (`type` arguments): ggml's type numbers. */
#define PQK_Q4_0 2
#define PQK_Q5_0 6
#define PQK_Q8_0 8
#define PQK_Q4_K 12
#define PQK_Q6_K 14

/* Whether this CPU and its operating system can run the kernels of `isa` (1) or not (0);
 * PQK_ISA_PORTABLE is always 0, since it has no C kernels. */
int pqk_isa_supported(int isa);

/* The widest instruction set pqk_isa_supported accepts, else PQK_ISA_PORTABLE. */
int pqk_best_isa(void);

/* y[r] = sum over j of w[r][j] * x[j] for the `rows` rows of `blocks` blocks of `type` at
 * `weights`, row r starting `row_bytes` × r bytes in; `x` holds blocks × block size floats in
 * natural order. Returns 0, or −1 (nothing written) if `isa` cannot run here or `type` is not
 * one of the PQK_ block types. */
int pqk_dot_rows(int isa, int type, const void *weights, size_t row_bytes, size_t rows, size_t blocks,
                 const float *x, float *y);

/* The same rows decoded to float32 in natural order, row r at out + r × blocks × block size.
 * Returns 0, or −1 as pqk_dot_rows does. */
int pqk_decode_rows(int isa, int type, const void *weights, size_t row_bytes, size_t rows, size_t blocks,
                    float *out);

#endif
