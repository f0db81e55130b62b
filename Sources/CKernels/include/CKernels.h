// Float32 kernels in C, each compiled for several x86-64 instruction sets and chosen at run time
// (Swift has no per-function target attributes, and the package must run on any x86-64).
#ifndef PERPLEXED_CKERNELS_H
#define PERPLEXED_CKERNELS_H

#include <stddef.h>

/// The instruction sets the kernels are compiled for, best last.
typedef enum {
    /// Portable code: any machine (the compiler's baseline, SSE2 on x86-64).
    perplexed_isa_portable = 0,
    /// AVX2 with fused multiply-add and F16C (half-float conversion): eight float lanes.
    perplexed_isa_avx2 = 1,
    /// AVX-512 F: sixteen float lanes.
    perplexed_isa_avx512 = 2,
} perplexed_isa;

/// The best instruction set this processor and its operating system support (the OS must save
/// the wider registers: a CPU flag alone is not enough). Every C kernel of the package asks this
/// one function, so they all agree on what the machine can run.
perplexed_isa perplexed_best_isa(void);

/// y[i·ldy + j] = Σ_t x[i·k + t] · w[j·k + t] for i < m, j < n: a few rows of x against many rows
/// of w (x · wᵀ), reading w from memory once. Float32 products and sums (fused multiply-add in
/// the vector kernels), in an order that depends on `isa`. Returns 0, or −1 when `isa` is not
/// compiled into this build or not supported by this processor.
int perplexed_skinny_product(perplexed_isa isa, const float *x, ptrdiff_t m, const float *w, ptrdiff_t n,
                             ptrdiff_t k, float *y, ptrdiff_t ldy);

#endif
