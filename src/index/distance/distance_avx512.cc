// Copyright 2026 The OchreDB Authors.
//
// AVX-512 (F) kernels, called only when the CPU has AVX-512 F/BW/DQ/VL. The tail (dim % 16) uses a
// masked load, so odd dimensions need no scalar loop and never read past the row.
// GCC 12's AVX-512 headers use _mm512_undefined_ps() in a way that trips -Wuninitialized wherever
// they are inlined (GCC bug 105593), so the warning is silenced for this file only.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstdint>

#include "index/distance/distance_internal.h"

namespace ochre::index::internal {
namespace {

inline __mmask16 TailMask(size_t n) { return static_cast<__mmask16>((1u << n) - 1); }

// Horizontal sum of the 16 lanes.
inline float ReduceAdd(__m512 v) {
  __m512 hi = _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(3, 2, 3, 2));
  __m256 s8 = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_castps512_ps256(hi));
  __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
  __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  __m128 s1 = _mm_add_ss(s2, _mm_movehdup_ps(s2));
  return _mm_cvtss_f32(s1);
}

float L2SqAvx512(const float* a, const float* b, size_t dim) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 64 <= dim; i += 64) {
    __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
    __m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32));
    __m512 d3 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48));
    acc0 = _mm512_fmadd_ps(d0, d0, acc0);
    acc1 = _mm512_fmadd_ps(d1, d1, acc1);
    acc2 = _mm512_fmadd_ps(d2, d2, acc2);
    acc3 = _mm512_fmadd_ps(d3, d3, acc3);
  }
  for (; i + 16 <= dim; i += 16) {
    __m512 d = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    acc0 = _mm512_fmadd_ps(d, d, acc0);
  }
  if (i < dim) {
    __mmask16 m = TailMask(dim - i);
    __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
    acc1 = _mm512_fmadd_ps(d, d, acc1);
  }
  return ReduceAdd(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

float DotAvx512(const float* a, const float* b, size_t dim) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 64 <= dim; i += 64) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
    acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), acc1);
    acc2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), acc2);
    acc3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), acc3);
  }
  for (; i + 16 <= dim; i += 16) acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
  if (i < dim) {
    __mmask16 m = TailMask(dim - i);
    acc1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), acc1);
  }
  return ReduceAdd(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

void L2SqBatch4Avx512(const float* q, const float* const r[4], size_t dim, float out[4]) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i < dim; i += 16) {
    __mmask16 m = dim - i >= 16 ? __mmask16(0xFFFF) : TailMask(dim - i);
    __m512 x = _mm512_maskz_loadu_ps(m, q + i);
    __m512 d0 = _mm512_sub_ps(x, _mm512_maskz_loadu_ps(m, r[0] + i));
    __m512 d1 = _mm512_sub_ps(x, _mm512_maskz_loadu_ps(m, r[1] + i));
    __m512 d2 = _mm512_sub_ps(x, _mm512_maskz_loadu_ps(m, r[2] + i));
    __m512 d3 = _mm512_sub_ps(x, _mm512_maskz_loadu_ps(m, r[3] + i));
    acc0 = _mm512_fmadd_ps(d0, d0, acc0);
    acc1 = _mm512_fmadd_ps(d1, d1, acc1);
    acc2 = _mm512_fmadd_ps(d2, d2, acc2);
    acc3 = _mm512_fmadd_ps(d3, d3, acc3);
  }
  out[0] = ReduceAdd(acc0);
  out[1] = ReduceAdd(acc1);
  out[2] = ReduceAdd(acc2);
  out[3] = ReduceAdd(acc3);
}

void DotBatch4Avx512(const float* q, const float* const r[4], size_t dim, float out[4]) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i < dim; i += 16) {
    __mmask16 m = dim - i >= 16 ? __mmask16(0xFFFF) : TailMask(dim - i);
    __m512 x = _mm512_maskz_loadu_ps(m, q + i);
    acc0 = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(m, r[0] + i), acc0);
    acc1 = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(m, r[1] + i), acc1);
    acc2 = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(m, r[2] + i), acc2);
    acc3 = _mm512_fmadd_ps(x, _mm512_maskz_loadu_ps(m, r[3] + i), acc3);
  }
  out[0] = ReduceAdd(acc0);
  out[1] = ReduceAdd(acc1);
  out[2] = ReduceAdd(acc2);
  out[3] = ReduceAdd(acc3);
}

// Sixteen codes (or the first n < 16 under a mask) widened to sixteen floats.
inline __m512 LoadCodes16(const uint8_t* c, __mmask16 m) {
  return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, c)));
}

float U8DotAvx512(const float* w, const uint8_t* c, size_t dim) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i), LoadCodes16(c + i, 0xFFFF), acc0);
    acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i + 16), LoadCodes16(c + i + 16, 0xFFFF), acc1);
  }
  for (; i < dim; i += 16) {
    __mmask16 m = dim - i >= 16 ? __mmask16(0xFFFF) : TailMask(dim - i);
    acc0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w + i), LoadCodes16(c + i, m), acc0);
  }
  return ReduceAdd(_mm512_add_ps(acc0, acc1));
}

void U8DotBatch4Avx512(const float* w, const uint8_t* const c[4], size_t dim, float out[4]) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    __m512 x = _mm512_loadu_ps(w + i);
    acc0 = _mm512_fmadd_ps(x, LoadCodes16(c[0] + i, 0xFFFF), acc0);
    acc1 = _mm512_fmadd_ps(x, LoadCodes16(c[1] + i, 0xFFFF), acc1);
    acc2 = _mm512_fmadd_ps(x, LoadCodes16(c[2] + i, 0xFFFF), acc2);
    acc3 = _mm512_fmadd_ps(x, LoadCodes16(c[3] + i, 0xFFFF), acc3);
  }
  if (i < dim) {
    __mmask16 m = TailMask(dim - i);
    __m512 x = _mm512_maskz_loadu_ps(m, w + i);
    acc0 = _mm512_fmadd_ps(x, LoadCodes16(c[0] + i, m), acc0);
    acc1 = _mm512_fmadd_ps(x, LoadCodes16(c[1] + i, m), acc1);
    acc2 = _mm512_fmadd_ps(x, LoadCodes16(c[2] + i, m), acc2);
    acc3 = _mm512_fmadd_ps(x, LoadCodes16(c[3] + i, m), acc3);
  }
  out[0] = ReduceAdd(acc0);
  out[1] = ReduceAdd(acc1);
  out[2] = ReduceAdd(acc2);
  out[3] = ReduceAdd(acc3);
}

}  // namespace

const DistanceKernels kAvx512Kernels = {"avx512",        L2SqAvx512,  DotAvx512,        L2SqBatch4Avx512,
                                        DotBatch4Avx512, U8DotAvx512, U8DotBatch4Avx512};

}  // namespace ochre::index::internal
