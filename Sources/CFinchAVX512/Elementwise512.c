// GELU and AdamW at 16 lanes. Each lane does exactly the operations of the 8-lane Swift code
// (FastMath.swift, Activations.swift, AdamW.swift) in the same order, with no fused
// multiply-adds where that code has none, so both paths give the same bits: a run does not
// depend on which kind of CPU it ran on.
#include "finch_avx512.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512dq")))
#define INLINE static inline __attribute__((always_inline))
#define SET(x) _mm512_set1_ps(x)

/// fastExp of FastMath.swift: e^x = 2^k · e^r, r by a degree-7 Taylor polynomial, k rounded
/// with the 1.5·2²³ trick, inputs clamped to [−87.3, 88.7].
INLINE AVX512 __m512 exp16(__m512 x) {
    __m512 c = x;
    c = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, SET(-87.3f), _CMP_LT_OQ), c, SET(-87.3f));
    c = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, SET(88.7f), _CMP_GT_OQ), c, SET(88.7f));
    const float magic = 12582912.0f;
    __m512 shifted = _mm512_add_ps(_mm512_mul_ps(c, SET(1.44269504f)), SET(magic));
    __m512 k = _mm512_sub_ps(shifted, SET(magic));
    __m512 r = _mm512_sub_ps(_mm512_sub_ps(c, _mm512_mul_ps(k, SET(0.69314575f))), _mm512_mul_ps(k, SET(1.4286068e-6f)));
    __m512 p = SET(1.0f / 5040.0f);
    p = _mm512_add_ps(_mm512_mul_ps(p, r), SET(1.0f / 720.0f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), SET(1.0f / 120.0f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), SET(1.0f / 24.0f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), SET(1.0f / 6.0f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), SET(0.5f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), SET(1.0f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), SET(1.0f));
    __m512i kInt = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_set1_epi32(0x4B400000));
    __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(kInt, _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(bits));
}

static const float geluK = 0.79788456f;  // √(2/π)

/// ½(1 + tanh u) = σ(2u), u = √(2/π)(x + 0.044715x³)
INLINE AVX512 __m512 gelu_gate(__m512 x, __m512 x2) {
    __m512 cubic = _mm512_mul_ps(_mm512_mul_ps(SET(0.044715f), x2), x);
    __m512 u = _mm512_mul_ps(SET(geluK), _mm512_add_ps(x, cubic));
    __m512 e = exp16(_mm512_mul_ps(SET(-2.0f), u));
    return _mm512_div_ps(SET(1.0f), _mm512_add_ps(SET(1.0f), e));
}

INLINE AVX512 __mmask16 tail_mask(long left) { return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1); }

AVX512 void finch_avx512_gelu_forward(float *out, const float *inp, long n) {
    for (long i = 0; i < n; i += 16) {
        __mmask16 m = tail_mask(n - i);
        __m512 x = _mm512_maskz_loadu_ps(m, inp + i);
        _mm512_mask_storeu_ps(out + i, m, _mm512_mul_ps(x, gelu_gate(x, _mm512_mul_ps(x, x))));
    }
}

AVX512 void finch_avx512_gelu_backward(float *dinp, const float *inp, const float *dout, long n) {
    for (long i = 0; i < n; i += 16) {
        __mmask16 m = tail_mask(n - i);
        __m512 x = _mm512_maskz_loadu_ps(m, inp + i), x2 = _mm512_mul_ps(x, x);
        __m512 s = gelu_gate(x, x2);
        __m512 du = _mm512_mul_ps(SET(geluK), _mm512_add_ps(SET(1.0f), _mm512_mul_ps(SET(3.0f * 0.044715f), x2)));
        __m512 slope = _mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(SET(2.0f), x), s),
                                                   _mm512_sub_ps(SET(1.0f), s)), du);
        __m512 derivative = _mm512_add_ps(s, slope);
        __m512 g = _mm512_maskz_loadu_ps(m, dout + i), acc = _mm512_maskz_loadu_ps(m, dinp + i);
        _mm512_mask_storeu_ps(dinp + i, m, _mm512_add_ps(acc, _mm512_mul_ps(derivative, g)));
    }
}

AVX512 void finch_avx512_adamw(float *params, const float *grads, float *m, float *v, long n, float b1, float b2,
                               float eps, float stepSize, float bc2, float wd) {
    for (long i = 0; i < n; i += 16) {
        __mmask16 k = tail_mask(n - i);
        __m512 g = _mm512_maskz_loadu_ps(k, grads + i);
        __m512 mi = _mm512_add_ps(_mm512_mul_ps(SET(b1), _mm512_maskz_loadu_ps(k, m + i)), _mm512_mul_ps(SET(1 - b1), g));
        __m512 vi = _mm512_add_ps(_mm512_mul_ps(SET(b2), _mm512_maskz_loadu_ps(k, v + i)),
                                  _mm512_mul_ps(_mm512_mul_ps(SET(1 - b2), g), g));
        _mm512_mask_storeu_ps(m + i, k, mi);
        _mm512_mask_storeu_ps(v + i, k, vi);
        __m512 p = _mm512_maskz_loadu_ps(k, params + i);
        __m512 denom = _mm512_add_ps(_mm512_sqrt_ps(_mm512_div_ps(vi, SET(bc2))), SET(eps));
        __m512 update = _mm512_add_ps(_mm512_div_ps(_mm512_mul_ps(SET(stepSize), mi), denom), _mm512_mul_ps(SET(wd), p));
        _mm512_mask_storeu_ps(params + i, k, _mm512_sub_ps(p, update));
    }
}
#endif
