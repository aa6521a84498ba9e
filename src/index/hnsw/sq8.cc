// Copyright 2026 The OchreDB Authors.
#include "index/hnsw/sq8.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "index/distance/space.h"

namespace ochre::index {

void Sq8Quantizer::Train(const std::vector<const float*>& rows, const std::vector<float>& scales) {
  std::vector<float> lo(dim_, std::numeric_limits<float>::infinity());
  std::vector<float> hi(dim_, -std::numeric_limits<float>::infinity());
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t d = 0; d < dim_; ++d) {
      const float v = rows[i][d] * scales[i];
      if (!std::isfinite(v)) continue;
      lo[d] = std::min(lo[d], v);
      hi[d] = std::max(hi[d], v);
    }
  }
  offsets_.assign(dim_, 0.0f);
  steps_.assign(dim_, 1.0f);
  for (size_t d = 0; d < dim_; ++d) {
    if (!(lo[d] <= hi[d])) continue;  // no finite sample value: every code 0 decodes to 0
    offsets_[d] = lo[d];
    // A constant dimension still gets a positive step, so a later row that differs saturates
    // towards its side instead of dividing by zero.
    steps_[d] = hi[d] > lo[d] ? (hi[d] - lo[d]) / 255.0f : std::max(std::abs(lo[d]), 1e-6f) / 255.0f;
  }
}

void Sq8Quantizer::Encode(const float* row, float scale, uint8_t* out) const {
  double norm = 0;  // |x^|^2, of the decoded row: the walk's l2 distances are to what it decoded
  for (size_t d = 0; d < dim_; ++d) {
    float v = (row[d] * scale - offsets_[d]) / steps_[d];
    float c = std::isfinite(v) ? std::clamp(std::nearbyint(v), 0.0f, 255.0f) : 0.0f;
    out[d] = uint8_t(c);
    double x = double(offsets_[d]) + double(steps_[d]) * c;
    norm += x * x;
  }
  if (space_ == Space::kL2) {
    float t = float(norm);
    std::memcpy(out + dim_, &t, sizeof(t));
  }
}

void Sq8Query::Prepare(const Sq8Quantizer& quantizer, const float* query, const DistanceKernels& kernels) {
  kernels_ = &kernels;
  dim_ = quantizer.dim();
  l2_ = quantizer.space() == Space::kL2;
  const float scale = quantizer.space() == Space::kCosine ? InverseNorm(query, dim_) : 1.0f;
  const std::vector<float>& o = quantizer.offsets();
  const std::vector<float>& s = quantizer.steps();
  weights_.resize(dim_);
  double q_dot_o = 0, q_norm = 0;
  for (size_t d = 0; d < dim_; ++d) {
    const double q = double(query[d]) * scale;
    q_dot_o += q * o[d];
    q_norm += q * q;
    weights_[d] = float((l2_ ? -2.0 : -1.0) * q * s[d]);
  }
  bias_ = l2_ ? float(q_norm - 2.0 * q_dot_o) : float(1.0 - q_dot_o);
}

}  // namespace ochre::index
