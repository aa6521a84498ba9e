// Copyright 2026 The OchreDB Authors.
//
// The SIMD kernels of minilm_kernels.h, written once over a vector type `S` (S::V of S::kWidth
// floats with the operations below) and included by minilm_kernels_avx2.cc and
// minilm_kernels_avx512.cc, each compiled for its instruction set. Internal to those two files.
//
// exp: Cephes' expf (range reduction by ln 2 in two parts, degree-5 polynomial), ~1 ulp, 0 below
// -87.3. erf: Abramowitz and Stegun 7.1.26 (|error| < 1.5e-7), which GELU multiplies by x / 2.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace ochre::embed::simd {

constexpr size_t kHidden = 384;
constexpr size_t kHeadDim = 32;
constexpr float kLayerNormEps = 1e-12f;

template <typename S>
inline typename S::V Exp(typename S::V x) {
  using V = typename S::V;
  const V in = x;
  x = S::Min(x, S::Set1(88.0f));
  x = S::Max(x, S::Set1(-87.33654f));
  V fx = S::Round(S::Mul(x, S::Set1(1.44269504088896341f)));
  x = S::Fnmadd(fx, S::Set1(0.693359375f), x);
  x = S::Fnmadd(fx, S::Set1(-2.12194440e-4f), x);
  V y = S::Set1(1.9875691500e-4f);
  y = S::Fmadd(y, x, S::Set1(1.3981999507e-3f));
  y = S::Fmadd(y, x, S::Set1(8.3334519073e-3f));
  y = S::Fmadd(y, x, S::Set1(4.1665795894e-2f));
  y = S::Fmadd(y, x, S::Set1(1.6666665459e-1f));
  y = S::Fmadd(y, x, S::Set1(5.0000001201e-1f));
  y = S::Fmadd(y, S::Mul(x, x), S::Add(x, S::Set1(1.0f)));
  return S::ZeroWhereLess(S::Mul(y, S::Exp2Int(fx)), in, -87.33654f);
}

template <typename S>
inline typename S::V Erf(typename S::V x) {
  using V = typename S::V;
  V ax = S::Abs(x);
  V t = S::Div(S::Set1(1.0f), S::Fmadd(ax, S::Set1(0.3275911f), S::Set1(1.0f)));
  V y = S::Set1(1.061405429f);
  y = S::Fmadd(y, t, S::Set1(-1.453152027f));
  y = S::Fmadd(y, t, S::Set1(1.421413741f));
  y = S::Fmadd(y, t, S::Set1(-0.284496736f));
  y = S::Fmadd(y, t, S::Set1(0.254829592f));
  y = S::Mul(y, t);
  V e = Exp<S>(S::Sub(S::Zero(), S::Mul(ax, ax)));
  return S::CopySign(S::Fnmadd(y, e, S::Set1(1.0f)), x);
}

template <typename S>
void Gelu(float* x, size_t n) {
  using V = typename S::V;
  const V half = S::Set1(0.5f), one = S::Set1(1.0f), rsqrt2 = S::Set1(float(M_SQRT1_2));
  size_t i = 0;
  for (; i + S::kWidth <= n; i += S::kWidth) {
    V v = S::Load(x + i);
    V e = Erf<S>(S::Mul(v, rsqrt2));
    S::Store(x + i, S::Mul(S::Mul(half, v), S::Add(one, e)));
  }
  for (; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * float(M_SQRT1_2)));
}

template <typename S>
void AddLayerNorm(float* x, const float* y, size_t rows, const float* gamma, const float* beta) {
  using V = typename S::V;
  constexpr size_t W = S::kWidth;
  static_assert(kHidden % (2 * W) == 0);
  for (size_t r = 0; r < rows; ++r) {
    float* v = x + r * kHidden;
    V s0 = S::Zero(), s1 = S::Zero();
    for (size_t i = 0; i < kHidden; i += 2 * W) {
      V a = S::Load(v + i), b = S::Load(v + i + W);
      if (y != nullptr) {
        a = S::Add(a, S::Load(y + r * kHidden + i));
        b = S::Add(b, S::Load(y + r * kHidden + i + W));
        S::Store(v + i, a);
        S::Store(v + i + W, b);
      }
      s0 = S::Add(s0, a);
      s1 = S::Add(s1, b);
    }
    const V mean = S::Set1(S::HSum(S::Add(s0, s1)) / float(kHidden));
    s0 = S::Zero();
    s1 = S::Zero();
    for (size_t i = 0; i < kHidden; i += 2 * W) {
      V a = S::Sub(S::Load(v + i), mean), b = S::Sub(S::Load(v + i + W), mean);
      s0 = S::Fmadd(a, a, s0);
      s1 = S::Fmadd(b, b, s1);
    }
    const float var = S::HSum(S::Add(s0, s1)) / float(kHidden);
    const V inv = S::Set1(1.0f / std::sqrt(var + kLayerNormEps));
    for (size_t i = 0; i < kHidden; i += W) {
      V a = S::Mul(S::Sub(S::Load(v + i), mean), inv);
      S::Store(v + i, S::Fmadd(a, S::Load(gamma + i), S::Load(beta + i)));
    }
  }
}

// Scores: blocks of S::kScoreRows queries x 16 keys (kScoreRows * 16 / kWidth accumulators) over K
// transposed and scaled; softmax per row; then the context of kPvRows rows at a time, each row's 32
// dims in 32 / kWidth accumulators, reading each value row once per kPvRows queries.
template <typename S>
void AttendHead(const float* q, const float* k, const float* v, size_t stride, size_t len, float* ctx,
                size_t ctx_stride, float* scratch) {
  using V = typename S::V;
  constexpr size_t W = S::kWidth;
  constexpr size_t R = S::kScoreRows;
  constexpr size_t C = 16 / W;        // vectors per score row block
  constexpr size_t D = kHeadDim / W;  // vectors per head row
  constexpr size_t P = 8 / D;         // context rows per pass
  static_assert(R % P == 0);
  const size_t lp = (len + 15) / 16 * 16;
  float* kt = scratch;                 // [32][lp]
  float* s = scratch + kHeadDim * lp;  // [R][lp]
  const float scale = 1.0f / std::sqrt(float(kHeadDim));
  for (size_t j = 0; j < len; ++j) {
    const float* kj = k + j * stride;
    for (size_t d = 0; d < kHeadDim; ++d) kt[d * lp + j] = kj[d] * scale;
  }
  for (size_t d = 0; d < kHeadDim; ++d)
    for (size_t j = len; j < lp; ++j) kt[d * lp + j] = 0.0f;

  for (size_t i0 = 0; i0 < len; i0 += R) {
    const size_t rows = std::min(R, len - i0);
    const float* qr[R];
    for (size_t r = 0; r < R; ++r) qr[r] = q + std::min(i0 + r, len - 1) * stride;
    for (size_t j = 0; j < lp; j += 16) {
      V acc[R][C];
#pragma GCC unroll 16
      for (size_t r = 0; r < R; ++r)
#pragma GCC unroll 4
        for (size_t c = 0; c < C; ++c) acc[r][c] = S::Zero();
#pragma GCC unroll 4
      for (size_t d = 0; d < kHeadDim; ++d) {
        V kv[C];
#pragma GCC unroll 4
        for (size_t c = 0; c < C; ++c) kv[c] = S::Load(kt + d * lp + j + c * W);
#pragma GCC unroll 16
        for (size_t r = 0; r < R; ++r) {
          V b = S::Set1(qr[r][d]);
#pragma GCC unroll 4
          for (size_t c = 0; c < C; ++c) acc[r][c] = S::Fmadd(b, kv[c], acc[r][c]);
        }
      }
#pragma GCC unroll 16
      for (size_t r = 0; r < R; ++r)
#pragma GCC unroll 4
        for (size_t c = 0; c < C; ++c) S::Store(s + r * lp + j + c * W, acc[r][c]);
    }
    float inv[R];
    for (size_t r = 0; r < rows; ++r) {
      float* sr = s + r * lp;
      for (size_t j = len; j < lp; ++j) sr[j] = -INFINITY;
      V m = S::Load(sr);
      for (size_t j = W; j < lp; j += W) m = S::Max(m, S::Load(sr + j));
      const V max = S::Set1(S::HMax(m));
      V sum = S::Zero();
      for (size_t j = 0; j < lp; j += W) {
        V e = Exp<S>(S::Sub(S::Load(sr + j), max));
        S::Store(sr + j, e);
        sum = S::Add(sum, e);
      }
      inv[r] = 1.0f / S::HSum(sum);
    }
    for (size_t r0 = 0; r0 < rows; r0 += P) {
      const float* pr[P];
      for (size_t r = 0; r < P; ++r) pr[r] = s + std::min(r0 + r, rows - 1) * lp;
      V acc[P][D];
#pragma GCC unroll 8
      for (size_t r = 0; r < P; ++r)
#pragma GCC unroll 8
        for (size_t c = 0; c < D; ++c) acc[r][c] = S::Zero();
      for (size_t j = 0; j < len; ++j) {
        const float* vj = v + j * stride;
        V vv[D];
#pragma GCC unroll 8
        for (size_t c = 0; c < D; ++c) vv[c] = S::Load(vj + c * W);
#pragma GCC unroll 8
        for (size_t r = 0; r < P; ++r) {
          V p = S::Set1(pr[r][j]);
#pragma GCC unroll 8
          for (size_t c = 0; c < D; ++c) acc[r][c] = S::Fmadd(p, vv[c], acc[r][c]);
        }
      }
      for (size_t r = 0; r < P && r0 + r < rows; ++r) {
        const V scale_r = S::Set1(inv[r0 + r]);
        float* out = ctx + (i0 + r0 + r) * ctx_stride;
        for (size_t c = 0; c < D; ++c) S::Store(out + c * W, S::Mul(acc[r][c], scale_r));
      }
    }
  }
}

}  // namespace ochre::embed::simd
