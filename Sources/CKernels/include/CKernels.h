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

/// Rows of x per packed sliver, and outputs per weight sliver, of `perplexed_packed_product`.
#define PERPLEXED_PACKED_ROWS 14
#define PERPLEXED_PACKED_OUTPUTS 32

/// Floats `perplexed_pack_x` writes for an m × k matrix (m rounded up to whole slivers), or −1
/// for a negative size.
ptrdiff_t perplexed_packed_x_count(ptrdiff_t m, ptrdiff_t k);

/// Floats of scratch each concurrent call of `perplexed_packed_product` needs.
ptrdiff_t perplexed_packed_scratch_count(void);

/// Packs slivers first..<last of x (m × k, row-major; sliver s holds rows 14s..<14s + 14) for
/// `perplexed_packed_product`, rows past m as zeros. Disjoint ranges may be packed
/// concurrently. Returns 0, or −1 for a bad range.
int perplexed_pack_x(const float *x, ptrdiff_t m, ptrdiff_t k, ptrdiff_t first, ptrdiff_t last, float *packed);

/// y[i·ldy + j] = Σ_t x[i·k + t] · w[j·ldw + t] for i < m, j < n, with x given packed by
/// `perplexed_pack_x`: many rows of x against rows of w. Float32 products summed in t order
/// with fused multiply-adds. `scratch` holds `perplexed_packed_scratch_count()` floats, one
/// buffer per concurrent call. Returns 0, or −1 when `isa` is not AVX-512 or not supported by
/// this processor (the only set it is written for), or a size is bad.
int perplexed_packed_product(perplexed_isa isa, const float *xp, ptrdiff_t m, const float *w, ptrdiff_t ldw, ptrdiff_t n,
                             ptrdiff_t k, float *y, ptrdiff_t ldy, float *scratch);

/// The elementwise kernels below compute bit for bit what the Swift loops they replace compute,
/// on every instruction set: `isa` picks the code (AVX-512 when asked for and supported, plain
/// C otherwise), never the numbers.

/// p[i] = fastExp(p[i]) for i < count: the Swift function `fastExp` of Kernels (within about
/// 2 ulp of exp), bit for bit.
void perplexed_exp_inplace(perplexed_isa isa, float *p, ptrdiff_t count);

/// GELU (tanh form) as the Transformer's Swift loop computes it, bit for bit: with
/// e = fastExp(a·(v + k·v·v·v)), sig[i] = 1/(1 + e) and y[i] = v·sig[i], where v = x[i]; the
/// caller passes a = −2·√(2/π) and k = 0.044715 as float32.
void perplexed_gelu_forward(perplexed_isa isa, const float *x, float *y, float *sig, ptrdiff_t count, float a, float k);

/// GELU's backward as the Swift loop computes it, bit for bit: dy[i] ·= sg + 2·v·sg·(1 − sg)·c·(1 + k3·v·v)
/// with v = x[i], sg = sig[i]; the caller passes c = √(2/π) and k3 = 3·0.044715 as float32.
void perplexed_gelu_backward(perplexed_isa isa, const float *x, const float *sig, float *dy, ptrdiff_t count, float c, float k3);

/// One AdamW step's float32 constants (see `perplexed_adamw`).
typedef struct {
    float clip, beta1, beta2, one_minus_beta1, one_minus_beta2, correction1, correction2;
    float learning_rate, epsilon, decay;
} perplexed_adamw_step;

/// AdamW on count parameters, as the Transformer's Swift loop computes it, bit for bit: with
/// gi = g·clip, m = β1·m + (1−β1)·gi, v = β2·v + (1−β2)·gi·gi and
/// p −= lr·((m·c1)/(√(v·c2) + ε) + decay·p).
void perplexed_adamw(perplexed_isa isa, float *p, float *m, float *v, const float *g, ptrdiff_t count, const perplexed_adamw_step *step);

#endif
