// Copyright 2026 The OchreDB Authors.
//
// AVX2 + FMA kernels (compiled with -mavx2 -mfma; called only when the CPU has both). Four
// accumulators hide the FMA latency; the tail (dim % 8) is loaded with a mask so that odd
// dimensions never read past the row.
#include <immintrin.h>

#include <cstdint>

#include "index/distance/distance_internal.h"

namespace ochre::index::internal {
namespace {

inline float HorizontalSum(__m256 v) {
  __m128 lo = _mm256_castps256_ps128(v);
  __m128 hi = _mm256_extractf128_ps(v, 1);
  lo = _mm_add_ps(lo, hi);
  __m128 shuf = _mm_movehdup_ps(lo);
  __m128 sums = _mm_add_ps(lo, shuf);
  shuf = _mm_movehl_ps(shuf, sums);
  sums = _mm_add_ss(sums, shuf);
  return _mm_cvtss_f32(sums);
}

// Lanes [0, n) set, for a masked load of the last n < 8 floats.
inline __m256i TailMask(size_t n) {
  static const int32_t kMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskTable + 8 - n));
}

float L2SqAvx2(const float* a, const float* b, size_t dim) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
    __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
    __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
    acc0 = _mm256_fmadd_ps(d0, d0, acc0);
    acc1 = _mm256_fmadd_ps(d1, d1, acc1);
    acc2 = _mm256_fmadd_ps(d2, d2, acc2);
    acc3 = _mm256_fmadd_ps(d3, d3, acc3);
  }
  for (; i + 8 <= dim; i += 8) {
    __m256 d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    acc0 = _mm256_fmadd_ps(d, d, acc0);
  }
  if (i < dim) {
    __m256i m = TailMask(dim - i);
    __m256 d = _mm256_sub_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m));
    acc1 = _mm256_fmadd_ps(d, d, acc1);
  }
  return HorizontalSum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
}

float DotAvx2(const float* a, const float* b, size_t dim) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), acc3);
  }
  for (; i + 8 <= dim; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  if (i < dim) {
    __m256i m = TailMask(dim - i);
    acc1 = _mm256_fmadd_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m), acc1);
  }
  return HorizontalSum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
}

void L2SqBatch4Avx2(const float* q, const float* const r[4], size_t dim, float out[4]) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= dim; i += 8) {
    __m256 x = _mm256_loadu_ps(q + i);
    __m256 d0 = _mm256_sub_ps(x, _mm256_loadu_ps(r[0] + i));
    __m256 d1 = _mm256_sub_ps(x, _mm256_loadu_ps(r[1] + i));
    __m256 d2 = _mm256_sub_ps(x, _mm256_loadu_ps(r[2] + i));
    __m256 d3 = _mm256_sub_ps(x, _mm256_loadu_ps(r[3] + i));
    acc0 = _mm256_fmadd_ps(d0, d0, acc0);
    acc1 = _mm256_fmadd_ps(d1, d1, acc1);
    acc2 = _mm256_fmadd_ps(d2, d2, acc2);
    acc3 = _mm256_fmadd_ps(d3, d3, acc3);
  }
  if (i < dim) {
    __m256i m = TailMask(dim - i);
    __m256 x = _mm256_maskload_ps(q + i, m);
    __m256 d0 = _mm256_sub_ps(x, _mm256_maskload_ps(r[0] + i, m));
    __m256 d1 = _mm256_sub_ps(x, _mm256_maskload_ps(r[1] + i, m));
    __m256 d2 = _mm256_sub_ps(x, _mm256_maskload_ps(r[2] + i, m));
    __m256 d3 = _mm256_sub_ps(x, _mm256_maskload_ps(r[3] + i, m));
    acc0 = _mm256_fmadd_ps(d0, d0, acc0);
    acc1 = _mm256_fmadd_ps(d1, d1, acc1);
    acc2 = _mm256_fmadd_ps(d2, d2, acc2);
    acc3 = _mm256_fmadd_ps(d3, d3, acc3);
  }
  out[0] = HorizontalSum(acc0);
  out[1] = HorizontalSum(acc1);
  out[2] = HorizontalSum(acc2);
  out[3] = HorizontalSum(acc3);
}

void DotBatch4Avx2(const float* q, const float* const r[4], size_t dim, float out[4]) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= dim; i += 8) {
    __m256 x = _mm256_loadu_ps(q + i);
    acc0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(r[0] + i), acc0);
    acc1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(r[1] + i), acc1);
    acc2 = _mm256_fmadd_ps(x, _mm256_loadu_ps(r[2] + i), acc2);
    acc3 = _mm256_fmadd_ps(x, _mm256_loadu_ps(r[3] + i), acc3);
  }
  if (i < dim) {
    __m256i m = TailMask(dim - i);
    __m256 x = _mm256_maskload_ps(q + i, m);
    acc0 = _mm256_fmadd_ps(x, _mm256_maskload_ps(r[0] + i, m), acc0);
    acc1 = _mm256_fmadd_ps(x, _mm256_maskload_ps(r[1] + i, m), acc1);
    acc2 = _mm256_fmadd_ps(x, _mm256_maskload_ps(r[2] + i, m), acc2);
    acc3 = _mm256_fmadd_ps(x, _mm256_maskload_ps(r[3] + i, m), acc3);
  }
  out[0] = HorizontalSum(acc0);
  out[1] = HorizontalSum(acc1);
  out[2] = HorizontalSum(acc2);
  out[3] = HorizontalSum(acc3);
}

// Eight codes widened to eight floats.
inline __m256 LoadCodes8(const uint8_t* c) {
  __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(c));
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes));
}

float U8DotAvx2(const float* w, const uint8_t* c, size_t dim) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), LoadCodes8(c + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), LoadCodes8(c + i + 8), acc1);
  }
  for (; i + 8 <= dim; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), LoadCodes8(c + i), acc0);
  float sum = HorizontalSum(_mm256_add_ps(acc0, acc1));
  for (; i < dim; ++i) sum += w[i] * float(c[i]);
  return sum;
}

void U8DotBatch4Avx2(const float* w, const uint8_t* const c[4], size_t dim, float out[4]) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= dim; i += 8) {
    __m256 x = _mm256_loadu_ps(w + i);
    acc0 = _mm256_fmadd_ps(x, LoadCodes8(c[0] + i), acc0);
    acc1 = _mm256_fmadd_ps(x, LoadCodes8(c[1] + i), acc1);
    acc2 = _mm256_fmadd_ps(x, LoadCodes8(c[2] + i), acc2);
    acc3 = _mm256_fmadd_ps(x, LoadCodes8(c[3] + i), acc3);
  }
  out[0] = HorizontalSum(acc0);
  out[1] = HorizontalSum(acc1);
  out[2] = HorizontalSum(acc2);
  out[3] = HorizontalSum(acc3);
  for (; i < dim; ++i) {
    for (int j = 0; j < 4; ++j) out[j] += w[i] * float(c[j][i]);
  }
}

}  // namespace

const DistanceKernels kAvx2Kernels = {"avx2",        L2SqAvx2,  DotAvx2,        L2SqBatch4Avx2,
                                      DotBatch4Avx2, U8DotAvx2, U8DotBatch4Avx2};

}  // namespace ochre::index::internal
