// Copyright 2026 The OchreDB Authors.
//
// The scalar kernels (libm's erf and exp: the reference the SIMD versions are tested against) and the
// run-time choice among the versions, made once per process.
#include "embed/minilm_kernels.h"

#include <algorithm>
#include <cmath>

namespace ochre::embed {

namespace {

constexpr int kHidden = 384;
constexpr int kHeadDim = 32;
constexpr float kLayerNormEps = 1e-12f;

void AttendHeadScalar(const float* q, const float* k, const float* v, size_t stride, size_t len, float* ctx,
                      size_t ctx_stride, float* scratch) {
  const float scale = 1.0f / std::sqrt(float(kHeadDim));
  float* s = scratch;
  for (size_t i = 0; i < len; ++i) {
    const float* qi = q + i * stride;
    float max = -INFINITY;
    for (size_t j = 0; j < len; ++j) {
      const float* kj = k + j * stride;
      float dot = 0;
      for (int d = 0; d < kHeadDim; ++d) dot += qi[d] * kj[d];
      s[j] = dot * scale;
      max = std::max(max, s[j]);
    }
    float sum = 0;
    for (size_t j = 0; j < len; ++j) {
      s[j] = std::exp(s[j] - max);
      sum += s[j];
    }
    const float inv = 1.0f / sum;
    float acc[kHeadDim] = {};
    for (size_t j = 0; j < len; ++j) {
      const float* vj = v + j * stride;
      for (int d = 0; d < kHeadDim; ++d) acc[d] += s[j] * vj[d];
    }
    for (int d = 0; d < kHeadDim; ++d) ctx[i * ctx_stride + size_t(d)] = acc[d] * inv;
  }
}

void GeluScalar(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * float(M_SQRT1_2)));
}

void AddLayerNormScalar(float* x, const float* y, size_t rows, const float* gamma, const float* beta) {
  for (size_t r = 0; r < rows; ++r) {
    float* v = x + r * kHidden;
    if (y != nullptr) {
      const float* w = y + r * kHidden;
      for (int i = 0; i < kHidden; ++i) v[i] += w[i];
    }
    float mean = 0;
    for (int i = 0; i < kHidden; ++i) mean += v[i];
    mean /= kHidden;
    float var = 0;
    for (int i = 0; i < kHidden; ++i) var += (v[i] - mean) * (v[i] - mean);
    var /= kHidden;
    const float inv = 1.0f / std::sqrt(var + kLayerNormEps);
    for (int i = 0; i < kHidden; ++i) v[i] = (v[i] - mean) * inv * gamma[i] + beta[i];
  }
}

bool CpuHasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

bool CpuHasAvx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && CpuHasAvx2();
}

}  // namespace

namespace internal {
const MiniLmKernels kMiniLmScalar = {"scalar", AttendHeadScalar, GeluScalar, AddLayerNormScalar};
}  // namespace internal

size_t AttendScratchFloats(size_t len) {
  const size_t padded = (len + 15) / 16 * 16;
  return (kHeadDim + 8) * padded + 16;
}

const MiniLmKernels& ActiveMiniLmKernels() {
  static const MiniLmKernels* const kActive = CpuHasAvx512() ? &internal::kMiniLmAvx512
                                              : CpuHasAvx2() ? &internal::kMiniLmAvx2
                                                             : &internal::kMiniLmScalar;
  return *kActive;
}

std::vector<const MiniLmKernels*> AvailableMiniLmKernels() {
  std::vector<const MiniLmKernels*> out = {&internal::kMiniLmScalar};
  if (CpuHasAvx2()) out.push_back(&internal::kMiniLmAvx2);
  if (CpuHasAvx512()) out.push_back(&internal::kMiniLmAvx512);
  return out;
}

}  // namespace ochre::embed
