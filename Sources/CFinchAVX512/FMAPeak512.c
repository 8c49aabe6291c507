// The core's FP32 peak with 512-bit instructions, measured rather than assumed: some AVX-512
// CPUs have one 512-bit FMA unit and some two, so doubling the 256-bit rate can be wrong.
#include "finch_avx512.h"

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f"))) float finch_avx512_fma_chains(long iterations) {
    __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    __m512 c[12];
    for (int k = 0; k < 12; k++) c[k] = _mm512_set1_ps((float)k * 0.125f);
    for (long i = 0; i < iterations; i++) {
        for (int k = 0; k < 12; k++) c[k] = _mm512_fmadd_ps(a, b, c[k]);
        __asm__ volatile("" : "+v"(c[0]), "+v"(c[1]), "+v"(c[2]), "+v"(c[3]), "+v"(c[4]), "+v"(c[5]));
    }
    __m512 s = c[0];
    for (int k = 1; k < 12; k++) s = _mm512_add_ps(s, c[k]);
    return _mm512_reduce_add_ps(s);
}
#endif
