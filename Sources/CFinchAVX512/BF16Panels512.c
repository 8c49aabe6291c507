// The BF16 panel product (BF16Matmul.swift) at 16 lanes: one panel's 16 outputs fill one
// AVX-512 register, so each input c costs one widening and one multiply-add per row instead of
// two of each at 8 lanes, and 32 registers let 12 rows share each widened weight.
#include "finch_avx512.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl")))
#define INLINE static inline __attribute__((always_inline))

/// W(16p + 0 ..< 16, c) as FP32, in output order: a panel word holds output j in its low half
/// and output j + 8 in its high half.
INLINE AVX512 __m512 panel_weights(const uint32_t *panel, long c) {
    __m256i w = _mm256_loadu_si256((const __m256i *)(panel + 8 * c));
    __m256i lo = _mm256_slli_epi32(w, 16);
    __m256i hi = _mm256_and_si256(w, _mm256_set1_epi32((int)0xFFFF0000u));
    return _mm512_castsi512_ps(_mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1));
}

/// Stores a panel's results: `cols` ≤ 16 valid outputs, plus bias, overwriting or adding.
INLINE AVX512 void store_tile(float *out, __m512 acc, long cols, const float *bias, int accumulate) {
    __mmask16 valid = cols >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cols) - 1);
    if (bias) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(valid, bias));
    if (accumulate) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(valid, out));
    _mm512_mask_storeu_ps(out, valid, acc);
}

/// R rows (x, x + ld, …) against one panel; R is a constant at every call, so the
/// accumulators live in registers.
INLINE AVX512 void panel_rows(const uint32_t *panel, const float *x, long ld, const int R, long C,
                              float *out, long ldOut, long cols, const float *bias, int accumulate) {
    __m512 acc[12];
    _Pragma("unroll") for (int r = 0; r < R; r++) acc[r] = _mm512_setzero_ps();
    for (long c = 0; c < C; c++) {
        __m512 w = panel_weights(panel, c);
        _Pragma("unroll") for (int r = 0; r < R; r++) acc[r] = _mm512_fmadd_ps(w, _mm512_set1_ps(x[r * ld + c]), acc[r]);
    }
    _Pragma("unroll") for (int r = 0; r < R; r++) store_tile(out + r * ldOut, acc[r], cols, bias, accumulate);
}

/// One row against four panels side by side (batch-1 decoding is bound by how fast weights
/// arrive; four streams in flight), even and odd inputs in separate chains so that eight
/// multiply-adds are in flight.
INLINE AVX512 void four_panels_row1(const uint32_t *w0, const uint32_t *w1, const uint32_t *w2,
                                    const uint32_t *w3, const float *x, long C, __m512 r[4]) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    long c = 0;
    for (; c + 2 <= C; c += 2) {
        __m512 u = _mm512_set1_ps(x[c]), v = _mm512_set1_ps(x[c + 1]);
        a0 = _mm512_fmadd_ps(panel_weights(w0, c), u, a0); b0 = _mm512_fmadd_ps(panel_weights(w0, c + 1), v, b0);
        a1 = _mm512_fmadd_ps(panel_weights(w1, c), u, a1); b1 = _mm512_fmadd_ps(panel_weights(w1, c + 1), v, b1);
        a2 = _mm512_fmadd_ps(panel_weights(w2, c), u, a2); b2 = _mm512_fmadd_ps(panel_weights(w2, c + 1), v, b2);
        a3 = _mm512_fmadd_ps(panel_weights(w3, c), u, a3); b3 = _mm512_fmadd_ps(panel_weights(w3, c + 1), v, b3);
    }
    if (c < C) {
        __m512 u = _mm512_set1_ps(x[c]);
        a0 = _mm512_fmadd_ps(panel_weights(w0, c), u, a0);
        a1 = _mm512_fmadd_ps(panel_weights(w1, c), u, a1);
        a2 = _mm512_fmadd_ps(panel_weights(w2, c), u, a2);
        a3 = _mm512_fmadd_ps(panel_weights(w3, c), u, a3);
    }
    r[0] = _mm512_add_ps(a0, b0); r[1] = _mm512_add_ps(a1, b1);
    r[2] = _mm512_add_ps(a2, b2); r[3] = _mm512_add_ps(a3, b3);
}

/// N = 1 over panels p0 ..< p1: p, p + q, p + 2q, p + 3q together, the last few as a four with
/// repeats; each panel's sum is the same whichever it runs with, so results do not depend on
/// the thread count.
static AVX512 void row1(float *out, const float *x, const uint32_t *panels, const float *bias,
                        long C, long OC, long p0, long p1, int accumulate) {
    long q = (p1 - p0) / 4, left = p0 + 4 * q;
    __m512 r[4];
#define PANEL(p) (panels + (p) * C * 8)
#define STORE(p, v) store_tile(out + 16 * (p), (v), OC - 16 * (p), bias ? bias + 16 * (p) : 0, accumulate)
    for (long p = p0; p < p0 + q; p++) {
        four_panels_row1(PANEL(p), PANEL(p + q), PANEL(p + 2 * q), PANEL(p + 3 * q), x, C, r);
        for (int k = 0; k < 4; k++) STORE(p + k * q, r[k]);
    }
    if (left < p1) {
        long last = p1 - 1;
        four_panels_row1(PANEL(left), PANEL(left + 1 < last ? left + 1 : last), PANEL(left + 2 < last ? left + 2 : last),
                         PANEL(left), x, C, r);
        for (long k = 0; left + k < p1; k++) STORE(left + k, r[k]);
    }
#undef STORE
#undef PANEL
}

AVX512 void finch_avx512_bf16_panels(float *out, const float *inp, const uint32_t *panels, const float *bias,
                                     long N, long C, long OC, long p0, long p1, int accumulate) {
    if (N == 1) {
        row1(out, inp, panels, bias, C, OC, p0, p1, accumulate);
        return;
    }
    for (long p = p0; p < p1; p++) {
        const uint32_t *panel = panels + p * C * 8;
        long o0 = 16 * p, cols = OC - o0;
        const float *b = bias ? bias + o0 : 0;
        for (long n = 0; n < N;) {
            long rows = N - n < 12 ? N - n : 12;
            const float *x = inp + n * C;
            float *o = out + n * OC + o0;
            switch (rows) {
#define ROWS(R) case R: panel_rows(panel, x, C, R, C, o, OC, cols, b, accumulate); break;
                ROWS(1) ROWS(2) ROWS(3) ROWS(4) ROWS(5) ROWS(6) ROWS(7) ROWS(8) ROWS(9) ROWS(10) ROWS(11) ROWS(12)
#undef ROWS
            }
            n += rows;
        }
    }
}
#endif
