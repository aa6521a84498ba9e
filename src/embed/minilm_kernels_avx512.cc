// Copyright 2026 The OchreDB Authors.
//
// The MiniLM kernels for AVX-512 F + DQ (compiled with -mavx512f ...; chosen only when the CPU has
// them).
// GCC 12 warns about the undefined vectors inside its own AVX-512 intrinsics at -O3.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include "embed/minilm_kernels.h"
#include "embed/minilm_kernels_simd.h"

namespace ochre::embed {
namespace {

struct Avx512 {
  using V = __m512;
  static constexpr size_t kWidth = 16;
  static constexpr size_t kScoreRows = 8;
  static V Zero() { return _mm512_setzero_ps(); }
  static V Set1(float x) { return _mm512_set1_ps(x); }
  static V Load(const float* p) { return _mm512_loadu_ps(p); }
  static void Store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V Add(V a, V b) { return _mm512_add_ps(a, b); }
  static V Sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V Mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V Div(V a, V b) { return _mm512_div_ps(a, b); }
  static V Min(V a, V b) { return _mm512_min_ps(a, b); }
  static V Max(V a, V b) { return _mm512_max_ps(a, b); }
  static V Fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V Fnmadd(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }
  static V Round(V a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static V Abs(V a) { return _mm512_andnot_ps(_mm512_set1_ps(-0.0f), a); }
  static V CopySign(V mag, V sign) {
    const V m = _mm512_set1_ps(-0.0f);
    return _mm512_or_ps(_mm512_andnot_ps(m, mag), _mm512_and_ps(m, sign));
  }
  static V Exp2Int(V n) {
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_castsi512_ps(e);
  }
  static V ZeroWhereLess(V y, V x, float limit) {
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(limit), _CMP_GE_OQ), y);
  }
  static float HSum(V v) { return _mm512_reduce_add_ps(v); }
  static float HMax(V v) { return _mm512_reduce_max_ps(v); }
};

}  // namespace

namespace internal {
const MiniLmKernels kMiniLmAvx512 = {"avx512", simd::AttendHead<Avx512>, simd::Gelu<Avx512>,
                                     simd::AddLayerNorm<Avx512>};
}  // namespace internal

}  // namespace ochre::embed
