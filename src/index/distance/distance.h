// Copyright 2026 The OchreDB Authors.
//
// Distance kernels: squared Euclidean distance and dot product over float32 vectors, in scalar,
// AVX2+FMA and AVX-512 versions. The best version the CPU supports is chosen once, on first use
// (no -march anywhere: the SIMD versions live in *_avx2.cc / *_avx512.cc files compiled for those
// instruction sets only and are called only when __builtin_cpu_supports says they may be).
//
// The kernels compute raw sums; the space-specific distances Chroma reports (l2 = squared
// Euclidean, ip = 1 - dot, cosine = 1 - cos) are built on them in index/distance/space.h.
//
// Thread safety: all functions are pure and may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ochre::index {

// Sum over i < dim of (a[i] - b[i])^2.
using L2SqFn = float (*)(const float* a, const float* b, size_t dim);
// Sum over i < dim of a[i] * b[i].
using DotFn = float (*)(const float* a, const float* b, size_t dim);
// The same against four rows at once (one query load feeds four accumulators): out[j] = f(q, r[j]).
using Batch4Fn = void (*)(const float* q, const float* const r[4], size_t dim, float out[4]);

// Sum over i < dim of w[i] * c[i]: float weights against uint8 codes (a scalar-quantized row; see
// index/hnsw/sq8.h), and the same against four code rows at once.
using U8DotFn = float (*)(const float* w, const uint8_t* c, size_t dim);
using U8Batch4Fn = void (*)(const float* w, const uint8_t* const c[4], size_t dim, float out[4]);

// One instruction-set version of every kernel.
struct DistanceKernels {
  const char* name;  // "scalar", "avx2", "avx512"
  L2SqFn l2sq;
  DotFn dot;
  Batch4Fn l2sq_batch4;
  Batch4Fn dot_batch4;
  U8DotFn u8_dot;
  U8Batch4Fn u8_dot_batch4;
};

// The fastest version this CPU runs; chosen on the first call and fixed afterwards.
const DistanceKernels& ActiveKernels();

// Every version this CPU can run, scalar first (tests compare them against each other).
std::vector<const DistanceKernels*> AvailableKernels();

// Shorthands for the active kernels.
inline float L2Sq(const float* a, const float* b, size_t dim) { return ActiveKernels().l2sq(a, b, dim); }
inline float Dot(const float* a, const float* b, size_t dim) { return ActiveKernels().dot(a, b, dim); }

}  // namespace ochre::index
