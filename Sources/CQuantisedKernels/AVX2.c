/* The kernels on eight float lanes (AVX2 with FMA and F16C), for CPUs
 * pqk_isa_supported(PQK_ISA_AVX2) accepts: every function here is compiled for AVX2, whatever
 * the target's baseline. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>
#include "Variants.h"

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)

#define LANES 8
#define VARIANT avx2
typedef __m256 vf;
typedef __m256i vi;

/* 8 bytes zero- or sign-extended to 32-bit lanes. */
static inline vi u8x(const uint8_t *p) { return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p)); }
static inline vi i8x(const uint8_t *p) { return _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)p)); }
static inline vi andc(vi a, int c) { return _mm256_and_si256(a, _mm256_set1_epi32(c)); }
static inline vi orv(vi a, vi b) { return _mm256_or_si256(a, b); }
static inline vi srl(vi a, unsigned n) { return _mm256_srli_epi32(a, (int)n); }
static inline vi sll(vi a, unsigned n) { return _mm256_slli_epi32(a, (int)n); }
static inline vi subc(vi a, int c) { return _mm256_sub_epi32(a, _mm256_set1_epi32(c)); }
/* a | 16 in the lanes i whose bit first + i of `bits` is set: each lane tests its own bit (no
 * mask registers before AVX-512); `bits` is broadcast the same way at every call of a block, so
 * the compiler broadcasts it once. */
static inline vi with_bit4(vi a, uint32_t bits, int first) {
    const vi lane = _mm256_sllv_epi32(_mm256_set1_epi32(1), _mm256_add_epi32(_mm256_set1_epi32(first),
                                                                           _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
    vi set = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int)bits), lane), lane);
    return _mm256_or_si256(a, _mm256_and_si256(set, _mm256_set1_epi32(16)));
}
static inline vf tof(vi a) { return _mm256_cvtepi32_ps(a); }
static inline vf setf(float a) { return _mm256_set1_ps(a); }
static inline vf zerof(void) { return _mm256_setzero_ps(); }
static inline vf mulf(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf subf(vf a, vf b) { return _mm256_sub_ps(a, b); }
static inline vf addf(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf fmaddf(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline vf loadf(const float *p) { return _mm256_loadu_ps(p); }
static inline void storef(float *p, vf a) { _mm256_storeu_ps(p, a); }
static inline float sumf(vf a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
}

#include "BlockKernels.h"

#pragma clang attribute pop
#else
typedef int pqk_no_x86_kernels; /* ISO C wants a declaration in every file */
#endif
