// Copyright 2026 The OchreDB Authors.
//
// Portable kernels. Eight independent partial sums let the compiler use SSE registers without
// -ffast-math (it may not reorder a single running sum) and shorten the add dependency chain.
#include "index/distance/distance_internal.h"

namespace ochre::index::internal {
namespace {

constexpr size_t kLanes = 8;

float L2SqScalar(const float* a, const float* b, size_t dim) {
  float acc[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= dim; i += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) {
      float d = a[i + j] - b[i + j];
      acc[j] += d * d;
    }
  }
  float sum = 0;
  for (; i < dim; ++i) {
    float d = a[i] - b[i];
    sum += d * d;
  }
  for (size_t j = 0; j < kLanes; ++j) sum += acc[j];
  return sum;
}

float DotScalar(const float* a, const float* b, size_t dim) {
  float acc[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= dim; i += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) acc[j] += a[i + j] * b[i + j];
  }
  float sum = 0;
  for (; i < dim; ++i) sum += a[i] * b[i];
  for (size_t j = 0; j < kLanes; ++j) sum += acc[j];
  return sum;
}

void L2SqBatch4Scalar(const float* q, const float* const r[4], size_t dim, float out[4]) {
  for (int j = 0; j < 4; ++j) out[j] = L2SqScalar(q, r[j], dim);
}

void DotBatch4Scalar(const float* q, const float* const r[4], size_t dim, float out[4]) {
  for (int j = 0; j < 4; ++j) out[j] = DotScalar(q, r[j], dim);
}

float U8DotScalar(const float* w, const uint8_t* c, size_t dim) {
  float acc[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= dim; i += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) acc[j] += w[i + j] * float(c[i + j]);
  }
  float sum = 0;
  for (; i < dim; ++i) sum += w[i] * float(c[i]);
  for (size_t j = 0; j < kLanes; ++j) sum += acc[j];
  return sum;
}

void U8DotBatch4Scalar(const float* w, const uint8_t* const c[4], size_t dim, float out[4]) {
  for (int j = 0; j < 4; ++j) out[j] = U8DotScalar(w, c[j], dim);
}

}  // namespace

const DistanceKernels kScalarKernels = {"scalar",        L2SqScalar,  DotScalar,        L2SqBatch4Scalar,
                                        DotBatch4Scalar, U8DotScalar, U8DotBatch4Scalar};

}  // namespace ochre::index::internal
