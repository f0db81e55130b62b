// x · wᵀ for a few rows of x (a short chunk of tokens) against many rows of w (a layer's or the
// unembedding's weights). BLAS packs w into blocks before multiplying, which for a few rows of x
// costs more than the products themselves; here w is streamed from memory once, in tiles that
// stay in cache while every row of x meets them.
#include "CKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// Rows of w per tile: about 256 kB of them, so that a tile read from memory for the first
// rows of x is still in the L2 cache for the others.
static ptrdiff_t tile_rows(ptrdiff_t k) {
    ptrdiff_t rows = (256 * 1024) / (k > 0 ? 4 * k : 4);
    rows -= rows % 4;
    return rows < 4 ? 4 : rows;
}

perplexed_isa perplexed_best_isa(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    // __builtin_cpu_supports reads what the compiler runtime found with cpuid at start-up,
    // including whether the OS saves the wide registers (XCR0).
    const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    if (avx2 && __builtin_cpu_supports("avx512f")) return perplexed_isa_avx512;
    if (avx2) return perplexed_isa_avx2;
#endif
    return perplexed_isa_portable;
}

// Plain C, in t order: the reference the vector kernels are tested against is float64, so this
// one only has to be correct and portable.
static void skinny_baseline(const float *x, ptrdiff_t m, const float *w, ptrdiff_t n, ptrdiff_t k,
                            float *y, ptrdiff_t ldy) {
    for (ptrdiff_t i = 0; i < m; i++) {
        for (ptrdiff_t j = 0; j < n; j++) {
            float s = 0;
            for (ptrdiff_t t = 0; t < k; t++) s += x[i * k + t] * w[j * k + t];
            y[i * ldy + j] = s;
        }
    }
}

#if defined(__x86_64__)

// One block of MB ≤ 4 rows of x against JB ≤ 4 rows of w: MB·JB sixteen-lane accumulators,
// each w and x vector loaded once per step. Inlined with constant MB and JB, so that the
// accumulators live in registers.
__attribute__((target("avx512f"), always_inline)) static inline void
block512(const float *x, ptrdiff_t k, const float *w, float *y, ptrdiff_t ldy, const int MB, const int JB) {
    __m512 acc[4][4];
    for (int i = 0; i < MB; i++)
        for (int j = 0; j < JB; j++) acc[i][j] = _mm512_setzero_ps();
    ptrdiff_t t = 0;
    for (; t + 16 <= k; t += 16) {
        __m512 wv[4];
        for (int j = 0; j < JB; j++) wv[j] = _mm512_loadu_ps(w + j * k + t);
        for (int i = 0; i < MB; i++) {
            __m512 xv = _mm512_loadu_ps(x + i * k + t);
            for (int j = 0; j < JB; j++) acc[i][j] = _mm512_fmadd_ps(xv, wv[j], acc[i][j]);
        }
    }
    if (t < k) {
        // The last k mod 16 lanes: masked loads read nothing past the rows.
        __mmask16 mask = (__mmask16)((1u << (k - t)) - 1);
        __m512 wv[4];
        for (int j = 0; j < JB; j++) wv[j] = _mm512_maskz_loadu_ps(mask, w + j * k + t);
        for (int i = 0; i < MB; i++) {
            __m512 xv = _mm512_maskz_loadu_ps(mask, x + i * k + t);
            for (int j = 0; j < JB; j++) acc[i][j] = _mm512_fmadd_ps(xv, wv[j], acc[i][j]);
        }
    }
    for (int i = 0; i < MB; i++)
        for (int j = 0; j < JB; j++) y[i * ldy + j] = _mm512_reduce_add_ps(acc[i][j]);
}

__attribute__((target("avx2,fma"))) static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

// As block512 with eight lanes: MB ≤ 4 rows of x, JB ≤ 2 rows of w (sixteen registers in all);
// the last k mod 8 terms are added one by one after the lanes.
__attribute__((target("avx2,fma"), always_inline)) static inline void
block256(const float *x, ptrdiff_t k, const float *w, float *y, ptrdiff_t ldy, const int MB, const int JB) {
    __m256 acc[4][2];
    for (int i = 0; i < MB; i++)
        for (int j = 0; j < JB; j++) acc[i][j] = _mm256_setzero_ps();
    ptrdiff_t t = 0;
    for (; t + 8 <= k; t += 8) {
        __m256 wv[2];
        for (int j = 0; j < JB; j++) wv[j] = _mm256_loadu_ps(w + j * k + t);
        for (int i = 0; i < MB; i++) {
            __m256 xv = _mm256_loadu_ps(x + i * k + t);
            for (int j = 0; j < JB; j++) acc[i][j] = _mm256_fmadd_ps(xv, wv[j], acc[i][j]);
        }
    }
    for (int i = 0; i < MB; i++) {
        for (int j = 0; j < JB; j++) {
            float s = hsum256(acc[i][j]);
            for (ptrdiff_t u = t; u < k; u++) s += x[i * k + u] * w[j * k + u];
            y[i * ldy + j] = s;
        }
    }
}

// Every row of x (blocks of up to 4) against rows j0..<j1 of w (blocks of JB, then single
// rows), with BLOCK(x, k, w, y, ldy, MB, JB) for each block: one switch per block size, so that
// every call has constant sizes.
#define DEFINE_ROWS(NAME, BLOCK, JB, TARGET)                                                         \
    __attribute__((target(TARGET))) static void NAME(const float *x, ptrdiff_t m, const float *w,   \
                                                     ptrdiff_t j0, ptrdiff_t j1, ptrdiff_t k,       \
                                                     float *y, ptrdiff_t ldy) {                     \
        for (ptrdiff_t i = 0; i < m; i += 4) {                                                      \
            const int mb = m - i < 4 ? (int)(m - i) : 4;                                            \
            const float *xi = x + i * k;                                                            \
            float *yi = y + i * ldy;                                                                \
            ptrdiff_t j = j0;                                                                       \
            for (; j < j1; j += (j + JB <= j1 ? JB : 1)) {                                          \
                const int jb = j + JB <= j1 ? JB : 1;                                               \
                const float *wj = w + j * k;                                                        \
                switch (mb * 8 + (jb == JB)) {                                                      \
                case 8: BLOCK(xi, k, wj, yi + j, ldy, 1, 1); break;                                 \
                case 9: BLOCK(xi, k, wj, yi + j, ldy, 1, JB); break;                                \
                case 16: BLOCK(xi, k, wj, yi + j, ldy, 2, 1); break;                                \
                case 17: BLOCK(xi, k, wj, yi + j, ldy, 2, JB); break;                               \
                case 24: BLOCK(xi, k, wj, yi + j, ldy, 3, 1); break;                                \
                case 25: BLOCK(xi, k, wj, yi + j, ldy, 3, JB); break;                               \
                case 32: BLOCK(xi, k, wj, yi + j, ldy, 4, 1); break;                                \
                default: BLOCK(xi, k, wj, yi + j, ldy, 4, JB); break;                               \
                }                                                                                   \
            }                                                                                       \
        }                                                                                           \
    }

DEFINE_ROWS(rows512, block512, 4, "avx512f")
DEFINE_ROWS(rows256, block256, 2, "avx2,fma")

#endif

int perplexed_skinny_product(perplexed_isa isa, const float *x, ptrdiff_t m, const float *w, ptrdiff_t n,
                             ptrdiff_t k, float *y, ptrdiff_t ldy) {
    if (isa > perplexed_best_isa() || m < 0 || n < 0 || k < 0) return -1;
    if (isa == perplexed_isa_portable) {
        skinny_baseline(x, m, w, n, k, y, ldy);
        return 0;
    }
#if defined(__x86_64__)
    const ptrdiff_t tile = tile_rows(k);
    for (ptrdiff_t j0 = 0; j0 < n; j0 += tile) {
        const ptrdiff_t j1 = n - j0 < tile ? n : j0 + tile;
        if (isa == perplexed_isa_avx512) rows512(x, m, w, j0, j1, k, y, ldy);
        else rows256(x, m, w, j0, j1, k, y, ldy);
    }
    return 0;
#else
    return -1;
#endif
}
