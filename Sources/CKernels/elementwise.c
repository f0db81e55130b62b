// Elementwise float32 kernels of training and of Gemma's MLP: the vectorised exponential, GELU
// forward and backward, and the AdamW update. Swift compiles its loops for baseline x86-64
// (four SSE lanes, no fused multiply-add); these are the same loops on sixteen or eight lanes.
//
// Every kernel here computes *bit for bit* what the Swift loop it replaces computes: the same
// float32 operations in the same order, each rounded once. So nothing is contracted into a
// fused multiply-add (the pragma below), comparisons and selections keep Swift's NaN
// behaviour, and the constants are the float32 values Swift's literals round to. Training
// results therefore do not depend on which instruction set ran them; the tests check it
// against the Swift loops on every set this machine supports.
#include "CKernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#pragma clang fp contract(off)

// fastExp's constants (Kernels/Vector.swift), as float32 bit patterns.
#define EXP_LOW 0xc2ae999au    // −87.3
#define EXP_HIGH 0x42b0999au   // 88.3
#define EXP_LOG2E 0x3fb8aa3bu  // 1.44269504088896341
#define EXP_SHIFTER 0x4b400000u  // 1.5·2²³
#define EXP_LN2_HI 0x3f318000u  // 0.693359375
#define EXP_LN2_LO 0x395e8083u  // 2.12194440e-4
#define EXP_P0 0x39506967u  // 1.9875691500e-4
#define EXP_P1 0x3ab743ceu  // 1.3981999507e-3
#define EXP_P2 0x3c088908u  // 8.3334519073e-3
#define EXP_P3 0x3d2aa9c1u  // 4.1665795894e-2
#define EXP_P4 0x3e2aaaaau  // 1.6666665459e-1
#define EXP_P5 0x3f000000u  // 5.0000001201e-1

static inline float bits_to_float(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline uint32_t float_to_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

// fastExp, one element, exactly as Swift writes it.
static inline float exp_scalar(float x0) {
    float x = x0 < bits_to_float(EXP_LOW) ? bits_to_float(EXP_LOW) : x0;
    x = x > bits_to_float(EXP_HIGH) ? bits_to_float(EXP_HIGH) : x;
    const float shifter = bits_to_float(EXP_SHIFTER);
    const float t = x * bits_to_float(EXP_LOG2E) + shifter;
    const float n = t - shifter;
    const float r = (x - n * bits_to_float(EXP_LN2_HI)) + n * bits_to_float(EXP_LN2_LO);
    float y = bits_to_float(EXP_P0);
    y = y * r + bits_to_float(EXP_P1);
    y = y * r + bits_to_float(EXP_P2);
    y = y * r + bits_to_float(EXP_P3);
    y = y * r + bits_to_float(EXP_P4);
    y = y * r + bits_to_float(EXP_P5);
    y = y * (r * r) + r + 1;
    return y * bits_to_float((float_to_bits(t) - 0x4B400000u + 127u) << 23);
}

static inline float gelu_forward_scalar(float v, float *sig, float a, float k) {
    const float e = exp_scalar(a * (v + k * v * v * v));
    const float s = 1 / (1 + e);
    *sig = s;
    return v * s;
}

static inline float gelu_backward_scalar(float v, float sg, float dy, float c, float k3) {
    const float dudx = c * (1 + k3 * v * v);
    return dy * (sg + 2 * v * sg * (1 - sg) * dudx);
}

#if defined(__x86_64__)

// The same steps on sixteen lanes. The clamps are compare-and-select, as Swift's `?:` is: a NaN
// fails both comparisons and passes through (max/min instructions would not keep that).
__attribute__((target("avx512f"))) static inline __m512 exp16(__m512 x0) {
    const __m512 low = _mm512_set1_ps(bits_to_float(EXP_LOW)), high = _mm512_set1_ps(bits_to_float(EXP_HIGH));
    __m512 x = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x0, low, _CMP_LT_OQ), x0, low);
    x = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, high, _CMP_GT_OQ), x, high);
    const __m512 shifter = _mm512_set1_ps(bits_to_float(EXP_SHIFTER));
    const __m512 t = _mm512_add_ps(_mm512_mul_ps(x, _mm512_set1_ps(bits_to_float(EXP_LOG2E))), shifter);
    const __m512 n = _mm512_sub_ps(t, shifter);
    const __m512 r = _mm512_add_ps(_mm512_sub_ps(x, _mm512_mul_ps(n, _mm512_set1_ps(bits_to_float(EXP_LN2_HI)))),
                                   _mm512_mul_ps(n, _mm512_set1_ps(bits_to_float(EXP_LN2_LO))));
    __m512 y = _mm512_set1_ps(bits_to_float(EXP_P0));
    y = _mm512_add_ps(_mm512_mul_ps(y, r), _mm512_set1_ps(bits_to_float(EXP_P1)));
    y = _mm512_add_ps(_mm512_mul_ps(y, r), _mm512_set1_ps(bits_to_float(EXP_P2)));
    y = _mm512_add_ps(_mm512_mul_ps(y, r), _mm512_set1_ps(bits_to_float(EXP_P3)));
    y = _mm512_add_ps(_mm512_mul_ps(y, r), _mm512_set1_ps(bits_to_float(EXP_P4)));
    y = _mm512_add_ps(_mm512_mul_ps(y, r), _mm512_set1_ps(bits_to_float(EXP_P5)));
    y = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(y, _mm512_mul_ps(r, r)), r), _mm512_set1_ps(1));
    __m512i e = _mm512_sub_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(0x4B400000));
    e = _mm512_slli_epi32(_mm512_add_epi32(e, _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(y, _mm512_castsi512_ps(e));
}

__attribute__((target("avx512f"))) static void exp_avx512(float *p, ptrdiff_t count) {
    ptrdiff_t i = 0;
    for (; i + 16 <= count; i += 16) _mm512_storeu_ps(p + i, exp16(_mm512_loadu_ps(p + i)));
    if (i < count) {
        const __mmask16 m = (__mmask16)((1u << (count - i)) - 1);
        _mm512_mask_storeu_ps(p + i, m, exp16(_mm512_maskz_loadu_ps(m, p + i)));
    }
}

__attribute__((target("avx512f"))) static inline __m512 gelu16(__m512 v, __m512 *sig, float a, float k) {
    const __m512 kv = _mm512_mul_ps(_mm512_set1_ps(k), v);
    const __m512 u = _mm512_add_ps(v, _mm512_mul_ps(_mm512_mul_ps(kv, v), v));
    const __m512 e = exp16(_mm512_mul_ps(_mm512_set1_ps(a), u));
    const __m512 s = _mm512_div_ps(_mm512_set1_ps(1), _mm512_add_ps(_mm512_set1_ps(1), e));
    *sig = s;
    return _mm512_mul_ps(v, s);
}

__attribute__((target("avx512f"))) static void gelu_forward_avx512(const float *x, float *y, float *sig,
                                                                   ptrdiff_t count, float a, float k) {
    ptrdiff_t i = 0;
    __m512 s;
    for (; i + 16 <= count; i += 16) {
        _mm512_storeu_ps(y + i, gelu16(_mm512_loadu_ps(x + i), &s, a, k));
        _mm512_storeu_ps(sig + i, s);
    }
    if (i < count) {
        const __mmask16 m = (__mmask16)((1u << (count - i)) - 1);
        _mm512_mask_storeu_ps(y + i, m, gelu16(_mm512_maskz_loadu_ps(m, x + i), &s, a, k));
        _mm512_mask_storeu_ps(sig + i, m, s);
    }
}

__attribute__((target("avx512f"))) static inline __m512 gelu_grad16(__m512 v, __m512 sg, __m512 dy, float c, float k3) {
    const __m512 one = _mm512_set1_ps(1);
    const __m512 dudx = _mm512_mul_ps(_mm512_set1_ps(c),
                                      _mm512_add_ps(one, _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(k3), v), v)));
    __m512 t = _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(2), v), sg);
    t = _mm512_mul_ps(_mm512_mul_ps(t, _mm512_sub_ps(one, sg)), dudx);
    return _mm512_mul_ps(dy, _mm512_add_ps(sg, t));
}

__attribute__((target("avx512f"))) static void gelu_backward_avx512(const float *x, const float *sig, float *dy,
                                                                    ptrdiff_t count, float c, float k3) {
    ptrdiff_t i = 0;
    for (; i + 16 <= count; i += 16)
        _mm512_storeu_ps(dy + i, gelu_grad16(_mm512_loadu_ps(x + i), _mm512_loadu_ps(sig + i),
                                             _mm512_loadu_ps(dy + i), c, k3));
    if (i < count) {
        const __mmask16 m = (__mmask16)((1u << (count - i)) - 1);
        _mm512_mask_storeu_ps(dy + i, m, gelu_grad16(_mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, sig + i),
                                                     _mm512_maskz_loadu_ps(m, dy + i), c, k3));
    }
}

__attribute__((target("avx512f"))) static void adamw_avx512(float *p, float *m, float *v, const float *g, ptrdiff_t count,
                                                            const perplexed_adamw_step *s) {
    const __m512 clip = _mm512_set1_ps(s->clip), b1 = _mm512_set1_ps(s->beta1), b2 = _mm512_set1_ps(s->beta2);
    const __m512 ob1 = _mm512_set1_ps(s->one_minus_beta1), ob2 = _mm512_set1_ps(s->one_minus_beta2);
    const __m512 c1 = _mm512_set1_ps(s->correction1), c2 = _mm512_set1_ps(s->correction2);
    const __m512 lr = _mm512_set1_ps(s->learning_rate), eps = _mm512_set1_ps(s->epsilon), decay = _mm512_set1_ps(s->decay);
    for (ptrdiff_t i = 0; i < count; i += 16) {
        const __mmask16 k = count - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (count - i)) - 1);
        const __m512 gi = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, g + i), clip);
        const __m512 mi = _mm512_add_ps(_mm512_mul_ps(b1, _mm512_maskz_loadu_ps(k, m + i)), _mm512_mul_ps(ob1, gi));
        const __m512 vi = _mm512_add_ps(_mm512_mul_ps(b2, _mm512_maskz_loadu_ps(k, v + i)),
                                        _mm512_mul_ps(_mm512_mul_ps(ob2, gi), gi));
        const __m512 update = _mm512_div_ps(_mm512_mul_ps(mi, c1), _mm512_add_ps(_mm512_sqrt_ps(_mm512_mul_ps(vi, c2)), eps));
        const __m512 pi = _mm512_maskz_loadu_ps(k, p + i);
        _mm512_mask_storeu_ps(m + i, k, mi);
        _mm512_mask_storeu_ps(v + i, k, vi);
        _mm512_mask_storeu_ps(p + i, k, _mm512_sub_ps(pi, _mm512_mul_ps(lr, _mm512_add_ps(update, _mm512_mul_ps(decay, pi)))));
    }
}

#endif

void perplexed_exp_inplace(perplexed_isa isa, float *p, ptrdiff_t count) {
#if defined(__x86_64__)
    if (isa >= perplexed_isa_avx512 && perplexed_best_isa() >= perplexed_isa_avx512) {
        exp_avx512(p, count);
        return;
    }
#endif
    for (ptrdiff_t i = 0; i < count; i++) p[i] = exp_scalar(p[i]);
}

void perplexed_gelu_forward(perplexed_isa isa, const float *x, float *y, float *sig, ptrdiff_t count, float a, float k) {
#if defined(__x86_64__)
    if (isa >= perplexed_isa_avx512 && perplexed_best_isa() >= perplexed_isa_avx512) {
        gelu_forward_avx512(x, y, sig, count, a, k);
        return;
    }
#endif
    for (ptrdiff_t i = 0; i < count; i++) y[i] = gelu_forward_scalar(x[i], sig + i, a, k);
}

void perplexed_gelu_backward(perplexed_isa isa, const float *x, const float *sig, float *dy, ptrdiff_t count, float c, float k3) {
#if defined(__x86_64__)
    if (isa >= perplexed_isa_avx512 && perplexed_best_isa() >= perplexed_isa_avx512) {
        gelu_backward_avx512(x, sig, dy, count, c, k3);
        return;
    }
#endif
    for (ptrdiff_t i = 0; i < count; i++) dy[i] = gelu_backward_scalar(x[i], sig[i], dy[i], c, k3);
}

void perplexed_adamw(perplexed_isa isa, float *p, float *m, float *v, const float *g, ptrdiff_t count, const perplexed_adamw_step *s) {
#if defined(__x86_64__)
    if (isa >= perplexed_isa_avx512 && perplexed_best_isa() >= perplexed_isa_avx512) {
        adamw_avx512(p, m, v, g, count, s);
        return;
    }
#endif
    for (ptrdiff_t i = 0; i < count; i++) {
        const float gi = g[i] * s->clip;
        m[i] = s->beta1 * m[i] + s->one_minus_beta1 * gi;
        v[i] = s->beta2 * v[i] + s->one_minus_beta2 * gi * gi;
        const float update = (m[i] * s->correction1) / (sqrtf(v[i] * s->correction2) + s->epsilon);
        p[i] -= s->learning_rate * (update + s->decay * p[i]);
    }
}
