// Copyright 2026 The OchreDB Authors.
//
// Scalar quantization to 8 bits per dimension (SQ8), for the optional compact copy of the rows that
// a graph search walks on (HnswOptions::quantized_search). Each dimension d gets an offset o_d and
// a step s_d learned from sample rows (their minimum and range / 255); a row x is stored as codes
// c_d = round((x_d - o_d) / s_d) clamped to 0..255, a quarter of the float row. A search then
// reads 384 bytes per node instead of 1536 (the walk is bound by memory traffic, not arithmetic),
// and re-ranks its beam with the exact float distances, so the answer's distances and order are
// exact; only which nodes the walk visits depends on the approximation.
//
// With x^_d = o_d + s_d c_d, the distance to a query q is a dot product of the codes with per-query
// float weights plus constants:
//   ip, cosine: 1 - q.x^           = (1 - q.o)          + sum (-q_d s_d) c_d
//   l2:         |q|^2 - 2 q.x^ + |x^|^2 = (|q|^2 - 2 q.o) + sum (-2 q_d s_d) c_d + |x^|^2
// where |x^|^2 is stored per row after its codes (l2 only). Cosine rows are quantized normalized
// (and the query is normalized), so one set of ranges fits rows of any norm.
//
// Values outside the trained range saturate: rows inserted long after training that drift from
// the sample walk on coarser distances (the re-rank still orders the results exactly).
//
// Thread safety: a trained Sq8Quantizer is immutable; Sq8Query belongs to one search.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "index/distance/distance.h"
#include "ochre/types.h"

namespace ochre::index {

class Sq8Quantizer {
 public:
  Sq8Quantizer(Space space, size_t dim) : space_(space), dim_(dim) {}

  Space space() const { return space_; }
  size_t dim() const { return dim_; }
  // Bytes per encoded row: the codes, then (l2) the float |x^|^2.
  size_t code_bytes() const { return dim_ + (space_ == Space::kL2 ? sizeof(float) : 0); }

  // Learns the ranges from sample rows; `scales[i]` multiplies rows[i] (its inverse norm for
  // cosine, 1 otherwise).
  void Train(const std::vector<const float*>& rows, const std::vector<float>& scales);
  // Encodes row * scale into out[0 .. code_bytes()).
  void Encode(const float* row, float scale, uint8_t* out) const;

  const std::vector<float>& offsets() const { return offsets_; }
  const std::vector<float>& steps() const { return steps_; }

 private:
  Space space_;
  size_t dim_;
  std::vector<float> offsets_;
  std::vector<float> steps_;
};

// The approximate distance from one query to encoded rows.
class Sq8Query {
 public:
  // `query` as the search got it (normalized here for cosine).
  void Prepare(const Sq8Quantizer& quantizer, const float* query, const DistanceKernels& kernels);

  float To(const uint8_t* codes) const {
    return bias_ + kernels_->u8_dot(weights_.data(), codes, dim_) + RowTerm(codes);
  }
  void To4(const uint8_t* const codes[4], float out[4]) const {
    kernels_->u8_dot_batch4(weights_.data(), codes, dim_, out);
    for (int j = 0; j < 4; ++j) out[j] += bias_ + RowTerm(codes[j]);
  }

 private:
  float RowTerm(const uint8_t* codes) const {
    if (!l2_) return 0.0f;
    float t;
    std::memcpy(&t, codes + dim_, sizeof(t));
    return t;
  }

  const DistanceKernels* kernels_ = nullptr;
  size_t dim_ = 0;
  bool l2_ = false;
  float bias_ = 0;
  std::vector<float> weights_;
};

}  // namespace ochre::index
