// Copyright 2026 The OchreDB Authors.
//
// Distances as Chroma reports them, built on the raw kernels of distance.h:
//   l2     = sum (q - x)^2            (squared, no sqrt)
//   ip     = 1 - q.x
//   cosine = 1 - (q / |q|).(x / |x|)
// Vectors are stored unnormalized (get must return the originals), so for cosine the index keeps a
// per-row inverse norm and the query is normalized once; a zero vector has inverse norm 0, which
// makes its cosine distance to anything exactly 1 instead of NaN.
//
// Thread safety: a QueryDistance is immutable after construction and may be shared by threads.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

#include "index/distance/distance.h"
#include "ochre/types.h"

namespace ochre::index {

// 1 / |v|, or 0 for a zero (or non-finite-norm) vector.
inline float InverseNorm(const float* v, size_t dim) {
  double sum = 0;
  for (size_t i = 0; i < dim; ++i) sum += double(v[i]) * v[i];
  if (!(sum > 0) || !std::isfinite(sum)) return 0.0f;
  return float(1.0 / std::sqrt(sum));
}

// The distance from one query to stored rows.
class QueryDistance {
 public:
  // `query` must stay valid for the life of this object unless space is cosine (then it is copied).
  QueryDistance(Space space, const float* query, size_t dim, const DistanceKernels& kernels = ActiveKernels())
      : space_(space), dim_(dim), kernels_(kernels), query_(query) {
    if (space == Space::kCosine) {
      float inv = InverseNorm(query, dim);
      normalized_.resize(dim);
      for (size_t i = 0; i < dim; ++i) normalized_[i] = query[i] * inv;
      query_ = normalized_.data();
    }
  }

  Space space() const { return space_; }
  const float* query() const { return query_; }

  // `inv_norm` is the row's InverseNorm; only cosine reads it.
  float To(const float* row, float inv_norm) const {
    switch (space_) {
      case Space::kL2:
        return kernels_.l2sq(query_, row, dim_);
      case Space::kIp:
        return 1.0f - kernels_.dot(query_, row, dim_);
      case Space::kCosine:
        return 1.0f - kernels_.dot(query_, row, dim_) * inv_norm;
    }
    return 0;
  }

  // Four rows at once (shares the query loads).
  void To4(const float* const rows[4], const float inv_norm[4], float out[4]) const {
    if (space_ == Space::kL2) {
      kernels_.l2sq_batch4(query_, rows, dim_, out);
      return;
    }
    kernels_.dot_batch4(query_, rows, dim_, out);
    for (int j = 0; j < 4; ++j) out[j] = 1.0f - out[j] * (space_ == Space::kCosine ? inv_norm[j] : 1.0f);
  }

 private:
  Space space_;
  size_t dim_;
  const DistanceKernels& kernels_;
  const float* query_;
  std::vector<float> normalized_;
};

// The distance between two stored rows (graph construction).
inline float RowDistance(Space space, const DistanceKernels& kernels, const float* a, float inv_a, const float* b,
                         float inv_b, size_t dim) {
  switch (space) {
    case Space::kL2:
      return kernels.l2sq(a, b, dim);
    case Space::kIp:
      return 1.0f - kernels.dot(a, b, dim);
    case Space::kCosine:
      return 1.0f - kernels.dot(a, b, dim) * inv_a * inv_b;
  }
  return 0;
}

}  // namespace ochre::index
