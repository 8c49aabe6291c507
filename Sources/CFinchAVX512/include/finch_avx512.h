// Finch's 16-lane (AVX-512) kernels, chosen at run time by `KernelISA` on CPUs that have
// AVX-512 F/BW/DQ/VL. Each function carries its own target attribute, so the rest of the
// binary stays AVX2 code and one build runs on both kinds of CPU; calling these on a CPU
// without AVX-512 is an illegal instruction, which is why only `KernelISA` may choose them.
#pragma once
#include <stdint.h>

#if defined(__x86_64__)
/// out[N, OC] (+)= inp[N, C] · W + bias for the BF16 panels p0 ..< p1 of W (`BF16Panels.swift`):
/// each weight widened to FP32 in a register, FP32 multiply-adds, 16 outputs per instruction.
void finch_avx512_bf16_panels(float *out, const float *inp, const uint32_t *panels, const float *bias,
                              long N, long C, long OC, long p0, long p1, int accumulate);

/// out[n] = GELU(inp[n]) (tanh form), as `geluForward`.
void finch_avx512_gelu_forward(float *out, const float *inp, long n);
/// dinp[n] += dout · GELU'(inp), as `geluBackward`.
void finch_avx512_gelu_backward(float *dinp, const float *inp, const float *dout, long n);
/// One AdamW update of params[n] with moments m[n], v[n], as `adamwStep` (its bias-corrected
/// step size, second-moment correction and lr · weight decay precomputed).
void finch_avx512_adamw(float *params, const float *grads, float *m, float *v, long n, float b1, float b2,
                        float eps, float stepSize, float bc2, float wd);

/// `iterations` × 12 independent 16-lane FMA chains (FP32); returns a value that depends on all
/// of them, so the loop is not removed. For measuring the core's peak (`finch bench peak`).
float finch_avx512_fma_chains(long iterations);
#endif
