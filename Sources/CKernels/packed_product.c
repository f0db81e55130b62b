// x · wᵀ for many rows of x (a prompt's tokens) against a layer's weights, the product that
// dominates prompt processing. BLAS does this too, but as a black box it repacks x for every
// call and every block of weights the caller hands it (a quantised layer is decoded and handed
// over a few hundred rows at a time), and clears its output in a separate pass. Here x is
// packed once per product and shared by every thread; each thread then packs its own weights
// block by block, and the first block of sums is stored rather than added.
//
// The layout follows the usual register-blocked scheme: a micro-kernel keeps a 14 × 32 tile of
// outputs in 28 sixteen-lane registers and, for each of KC inputs, broadcasts 14 values of x
// and loads 32 weights. x is packed in slivers of 14 rows, input-major; weights in slivers of
// 32 outputs, input-major, so both are read as contiguous streams.
#include "CKernels.h"

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

enum {
    MR = PERPLEXED_PACKED_ROWS,
    NR = PERPLEXED_PACKED_OUTPUTS,
    // Inputs per block: a 14 × 256 sliver of x (14 kB) stays in the L1 cache while it meets
    // every weight sliver of the block.
    KC = 256,
    // Outputs per block: 256 × 128 weights (128 kB) stay in the L2 cache while every sliver of
    // x meets them.
    NC = 128,
};

ptrdiff_t perplexed_packed_x_count(ptrdiff_t m, ptrdiff_t k) {
    if (m < 0 || k < 0) return -1;
    return (m + MR - 1) / MR * MR * k;
}

// 16 floats more than a block, to start it on a 64-byte boundary: a sixteen-lane load that
// straddles two cache lines costs two.
ptrdiff_t perplexed_packed_scratch_count(void) { return (ptrdiff_t)KC * NC + 16; }

#if defined(__x86_64__)

// A block of `rows` ≤ 16 rows of `cols` ≤ 16 floats (row i at src + i·lds) transposed: column
// c goes to dst + c·ldd as `lanes` floats, row i in lane i, rows past `rows` as zeros. Three
// rounds of shuffles (pairs of rows, then quads within 128-bit lanes, then lanes) instead of
// 256 scalar moves, most of them stores to a different cache line each.
__attribute__((target("avx512f"))) static void
transpose16(const float *src, ptrdiff_t lds, int rows, int cols, float *dst, ptrdiff_t ldd, int lanes) {
    const __mmask16 load = (__mmask16)((1u << cols) - 1), store = (__mmask16)((1u << lanes) - 1);
    __m512 r[16], t[16], u[16];
    for (int i = 0; i < 16; i++) r[i] = i < rows ? _mm512_maskz_loadu_ps(load, src + i * lds) : _mm512_setzero_ps();
    // t[2p], t[2p+1]: rows 2p and 2p+1 interleaved, per 128-bit lane.
    for (int p = 0; p < 8; p++) {
        t[2 * p] = _mm512_unpacklo_ps(r[2 * p], r[2 * p + 1]);
        t[2 * p + 1] = _mm512_unpackhi_ps(r[2 * p], r[2 * p + 1]);
    }
    // u[4q + c], lane L: column 4L + c of rows 4q…4q+3.
    for (int q = 0; q < 4; q++) {
        u[4 * q + 0] = _mm512_shuffle_ps(t[4 * q], t[4 * q + 2], 0x44);
        u[4 * q + 1] = _mm512_shuffle_ps(t[4 * q], t[4 * q + 2], 0xEE);
        u[4 * q + 2] = _mm512_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0x44);
        u[4 * q + 3] = _mm512_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0xEE);
    }
    // Column c, 4 + c, 8 + c and 12 + c: lane L of u[c], u[4 + c], u[8 + c], u[12 + c].
    for (int c = 0; c < 4; c++) {
        const __m512 even0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88), odd0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
        const __m512 even1 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88), odd1 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
        const __m512 column[4] = {_mm512_shuffle_f32x4(even0, even1, 0x88), _mm512_shuffle_f32x4(odd0, odd1, 0x88),
                                  _mm512_shuffle_f32x4(even0, even1, 0xDD), _mm512_shuffle_f32x4(odd0, odd1, 0xDD)};
        for (int h = 0; h < 4; h++)
            if (4 * h + c < cols) _mm512_mask_storeu_ps(dst + (4 * h + c) * ldd, store, column[h]);
    }
}

#endif

int perplexed_pack_x(const float *x, ptrdiff_t m, ptrdiff_t k, ptrdiff_t first, ptrdiff_t last, float *packed) {
    const ptrdiff_t slivers = (m + MR - 1) / MR;
    if (m < 0 || k < 0 || first < 0 || last < first || last > slivers) return -1;
    if (perplexed_best_isa() < perplexed_isa_avx512) return -1;
#if defined(__x86_64__)
    for (ptrdiff_t s = first; s < last; s++) {
        const ptrdiff_t rows = m - s * MR < MR ? m - s * MR : MR;
        // Rows past m are zeros: their sums are computed and never stored.
        for (ptrdiff_t t = 0; t < k; t += 16)
            transpose16(x + s * MR * k + t, k, (int)rows, (int)(k - t < 16 ? k - t : 16), packed + s * MR * k + t * MR, MR, MR);
    }
    return 0;
#else
    (void)packed;
    return -1;
#endif
}

#if defined(__x86_64__)

// The weights w[j0 + j][t0 + t] for j < nc, t < kc into slivers of NR outputs, input-major,
// the last sliver padded with zeros.
__attribute__((target("avx512f"))) static void
pack_weights(const float *w, ptrdiff_t ldw, ptrdiff_t nc, ptrdiff_t t0, ptrdiff_t kc, float *out) {
    for (ptrdiff_t j = 0; j < nc; j += 16) {
        float *sliver = out + j / NR * NR * kc + j % NR;
        const int rows = nc - j < 16 ? (int)(nc - j) : 16;
        for (ptrdiff_t t = 0; t < kc; t += 16)
            transpose16(w + j * ldw + t0 + t, ldw, rows, (int)(kc - t < 16 ? kc - t : 16), sliver + t * NR, NR, 16);
    }
    // A last sliver of 16 outputs or fewer: its upper half is zeros.
    if (nc % NR != 0 && nc % NR <= 16) {
        float *sliver = out + nc / NR * NR * kc + 16;
        for (ptrdiff_t t = 0; t < kc; t++) _mm512_storeu_ps(sliver + t * NR, _mm512_setzero_ps());
    }
}

// One 14 × 32 tile: c[i][j] (+)= Σ_t a[t·14 + i] · b[t·32 + j] over kc inputs, in t order with
// fused multiply-adds. Only `rows` rows and the columns in masks lo/hi are written; `add`
// says whether earlier blocks' sums are already in c.
__attribute__((target("avx512f"))) static void
tile512(ptrdiff_t kc, const float *a, const float *b, float *c, ptrdiff_t ldc, int rows, __mmask16 lo, __mmask16 hi,
        int add) {
    // Named accumulators, not an array: the compiler must keep all 28 in registers, which it
    // does not reliably do for an array unless it unrolls the loops over it.
#define ROW(i) __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = _mm512_setzero_ps();
    ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7) ROW(8) ROW(9) ROW(10) ROW(11) ROW(12) ROW(13)
#undef ROW
    for (ptrdiff_t t = 0; t < kc; t++) {
        const __m512 b0 = _mm512_loadu_ps(b + t * NR), b1 = _mm512_loadu_ps(b + t * NR + 16);
        const float *at = a + t * MR;
#define ROW(i)                                                                                                     \
    {                                                                                                              \
        const __m512 ai = _mm512_set1_ps(at[i]);                                                                   \
        c##i##0 = _mm512_fmadd_ps(ai, b0, c##i##0);                                                                \
        c##i##1 = _mm512_fmadd_ps(ai, b1, c##i##1);                                                                \
    }
        ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7) ROW(8) ROW(9) ROW(10) ROW(11) ROW(12) ROW(13)
#undef ROW
    }
    const __m512 tile[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}, {c60, c61},
                                {c70, c71}, {c80, c81}, {c90, c91}, {c100, c101}, {c110, c111}, {c120, c121}, {c130, c131}};
    for (int i = 0; i < rows; i++) {
        float *ci = c + i * ldc;
        __m512 lo_sum = tile[i][0], hi_sum = tile[i][1];
        if (add) {
            lo_sum = _mm512_add_ps(lo_sum, _mm512_maskz_loadu_ps(lo, ci));
            hi_sum = _mm512_add_ps(hi_sum, _mm512_maskz_loadu_ps(hi, ci + 16));
        }
        _mm512_mask_storeu_ps(ci, lo, lo_sum);
        _mm512_mask_storeu_ps(ci + 16, hi, hi_sum);
    }
}

_Static_assert(MR == 14, "tile512 is written out for 14 rows");

static __mmask16 lanes(ptrdiff_t count) {
    return count >= 16 ? (__mmask16)0xFFFF : count <= 0 ? (__mmask16)0 : (__mmask16)((1u << count) - 1);
}

#endif

int perplexed_packed_product(perplexed_isa isa, const float *xp, ptrdiff_t m, const float *w, ptrdiff_t ldw, ptrdiff_t n,
                             ptrdiff_t k, float *y, ptrdiff_t ldy, float *scratch) {
    if (isa != perplexed_isa_avx512 || isa > perplexed_best_isa()) return -1;
    if (m < 0 || n < 0 || k < 0 || ldw < k || ldy < n) return -1;
#if defined(__x86_64__)
    if (k == 0) {
        for (ptrdiff_t i = 0; i < m; i++) memset(y + i * ldy, 0, sizeof(float) * (size_t)n);
        return 0;
    }
    scratch = (float *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    for (ptrdiff_t jc = 0; jc < n; jc += NC) {
        const ptrdiff_t nc = n - jc < NC ? n - jc : NC;
        for (ptrdiff_t t0 = 0; t0 < k; t0 += KC) {
            const ptrdiff_t kc = k - t0 < KC ? k - t0 : KC;
            pack_weights(w + jc * ldw, ldw, nc, t0, kc, scratch);
            for (ptrdiff_t i0 = 0; i0 < m; i0 += MR) {
                const int rows = m - i0 < MR ? (int)(m - i0) : MR;
                const float *a = xp + i0 * k + t0 * MR;
                for (ptrdiff_t j0 = 0; j0 < nc; j0 += NR) {
                    tile512(kc, a, scratch + j0 * kc, y + i0 * ldy + jc + j0, ldy, rows, lanes(nc - j0),
                            lanes(nc - j0 - 16), t0 > 0);
                }
            }
        }
    }
    return 0;
#else
    (void)xp; (void)w; (void)y; (void)scratch;
    return -1;
#endif
}
