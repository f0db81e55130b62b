/* The kernels on sixteen float lanes (AVX-512 F), for CPUs pqk_isa_supported(PQK_ISA_AVX512)
 * accepts: every function here is compiled for AVX-512, whatever the target's baseline. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>
#include "Variants.h"

#pragma clang attribute push(__attribute__((target("avx512f,fma,f16c"))), apply_to = function)

#define LANES 16
#define VARIANT avx512
typedef __m512 vf;
typedef __m512i vi;

/* 16 bytes zero- or sign-extended to 32-bit lanes. */
static inline vi u8x(const uint8_t *p) { return _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)p)); }
static inline vi i8x(const uint8_t *p) { return _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)p)); }
static inline vi andc(vi a, int c) { return _mm512_and_si512(a, _mm512_set1_epi32(c)); }
static inline vi orv(vi a, vi b) { return _mm512_or_si512(a, b); }
static inline vi srl(vi a, unsigned n) { return _mm512_srli_epi32(a, n); }
static inline vi sll(vi a, unsigned n) { return _mm512_slli_epi32(a, n); }
static inline vi subc(vi a, int c) { return _mm512_sub_epi32(a, _mm512_set1_epi32(c)); }
/* a | 16 in the lanes i whose bit first + i of `bits` is set: those bits are the lane mask. */
static inline vi with_bit4(vi a, uint32_t bits, int first) {
    return _mm512_mask_or_epi32(a, _cvtu32_mask16((bits >> first) & 0xffff), a, _mm512_set1_epi32(16));
}
static inline vf tof(vi a) { return _mm512_cvtepi32_ps(a); }
static inline vf setf(float a) { return _mm512_set1_ps(a); }
static inline vf zerof(void) { return _mm512_setzero_ps(); }
static inline vf mulf(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf subf(vf a, vf b) { return _mm512_sub_ps(a, b); }
static inline vf addf(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf fmaddf(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
static inline vf loadf(const float *p) { return _mm512_loadu_ps(p); }
static inline void storef(float *p, vf a) { _mm512_storeu_ps(p, a); }
static inline float sumf(vf a) { return _mm512_reduce_add_ps(a); }
/* Sixteen lanes hold a 16-entry table, so the 4- and 5-bit decoders look their weights up
 * (one permute each) instead of converting and scaling every nibble (see BlockKernels.h). */
#define PQK_TABLES 1
/* Lane i: table[idx_i mod 16] (vpermps reads only the low four bits of each index). */
static inline vf lookup16(vi idx, vf table) { return _mm512_permutexvar_ps(idx, table); }
/* Lane i: lo[idx_i mod 32] if it is below 16, else hi[idx_i mod 32 − 16]. */
static inline vf lookup32(vi idx, vf lo, vf hi) { return _mm512_permutex2var_ps(lo, idx, hi); }
/* start, start + 1, …, start + 15 (exact: small integers). */
static inline vf iota(float start) {
    return _mm512_add_ps(_mm512_set1_ps(start), _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}

#include "BlockKernels.h"

#pragma clang attribute pop
#else
typedef int pqk_no_x86_kernels; /* ISO C wants a declaration in every file */
#endif
