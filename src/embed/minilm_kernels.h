// Copyright 2026 The OchreDB Authors.
//
// The encoder's non-BLAS work, in versions for the instruction sets (scalar, AVX2 + FMA, AVX-512),
// chosen once at run time (no -march=native): one attention head over one sequence, GELU, and the
// residual add + layer norm. The SIMD versions differ from the scalar one by float rounding only
// (erf and exp are polynomials accurate to ~1e-7); tests/embed/minilm_kernels_test.cc compares them.
#pragma once

#include <cstddef>
#include <vector>

namespace ochre::embed {

struct MiniLmKernels {
  const char* name;
  // ctx[i * ctx_stride + d] (i < len, d < 32) = softmax(q_i . k_j / sqrt(32)) over j < len, times
  // v_j: one head of self-attention. Rows of q, k and v are `stride` floats apart. `scratch` holds
  // at least AttendScratchFloats(len) floats.
  void (*attend_head)(const float* q, const float* k, const float* v, size_t stride, size_t len, float* ctx,
                      size_t ctx_stride, float* scratch);
  // x[i] = x[i] * Phi(x[i]) (exact GELU: 0.5 x (1 + erf(x / sqrt 2))), for i < n.
  void (*gelu)(float* x, size_t n);
  // Each of `rows` rows of 384 floats: x = LayerNorm(x + y) * gamma + beta (epsilon 1e-12, the
  // variance over the row). `y` may be null (no residual).
  void (*add_layer_norm)(float* x, const float* y, size_t rows, const float* gamma, const float* beta);
};

// Scratch floats attend_head needs for a sequence of `len` tokens.
size_t AttendScratchFloats(size_t len);

// The fastest version this CPU runs.
const MiniLmKernels& ActiveMiniLmKernels();
// Every version this CPU runs, scalar first (for tests).
std::vector<const MiniLmKernels*> AvailableMiniLmKernels();

namespace internal {
extern const MiniLmKernels kMiniLmScalar;
extern const MiniLmKernels kMiniLmAvx2;
extern const MiniLmKernels kMiniLmAvx512;
}  // namespace internal

}  // namespace ochre::embed
