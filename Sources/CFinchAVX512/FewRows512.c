// out[N, cols] (+)= x[N, C] · W[C, cols] for a few rows (decoding a batch) with W read in place
// in its [in, out] layout. sgemm would copy the whole matrix into its packed format on every
// call, which for 5–24 rows costs as much as the product; here all N rows are in registers at
// once (one accumulator per row for 16 outputs), so every weight is read exactly once.
#include "finch_avx512.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))
#define INLINE static inline __attribute__((always_inline))

/// R rows against 16 columns (`valid` masks a last, partial tile); R is a constant at every
/// call, so the accumulators stay in registers.
INLINE AVX512 void tile_rows(float *out, long ldOut, const float *x, long ldx, const float *w, long ldw, const int R,
                             long C, __mmask16 valid, int accumulate) {
    __m512 acc[FINCH_AVX512_FEW_ROWS];
    for (int r = 0; r < R; r++) acc[r] = accumulate ? _mm512_maskz_loadu_ps(valid, out + r * ldOut) : _mm512_setzero_ps();
    for (long c = 0; c < C; c++) {
        __m512 wv = _mm512_maskz_loadu_ps(valid, w + c * ldw);
        for (int r = 0; r < R; r++) acc[r] = _mm512_fmadd_ps(wv, _mm512_set1_ps(x[r * ldx + c]), acc[r]);
    }
    for (int r = 0; r < R; r++) _mm512_mask_storeu_ps(out + r * ldOut, valid, acc[r]);
}

AVX512 void finch_avx512_few_rows_in_out(float *out, long ldOut, const float *x, long ldx, const float *w, long ldw,
                                         long N, long C, long cols, int accumulate) {
    for (long j = 0; j < cols; j += 16) {
        __mmask16 valid = cols - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (cols - j)) - 1);
        switch (N) {
#define ROWS(R) case R: tile_rows(out + j, ldOut, x, ldx, w + j, ldw, R, C, valid, accumulate); break;
            ROWS(1) ROWS(2) ROWS(3) ROWS(4) ROWS(5) ROWS(6) ROWS(7) ROWS(8) ROWS(9) ROWS(10) ROWS(11) ROWS(12)
            ROWS(13) ROWS(14) ROWS(15) ROWS(16) ROWS(17) ROWS(18) ROWS(19) ROWS(20) ROWS(21) ROWS(22) ROWS(23) ROWS(24)
#undef ROWS
        }
    }
}
#endif
