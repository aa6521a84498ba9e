// Copyright 2026 The OchreDB Authors.
//
// Helpers for the index tests: vectors in heap-backed RowChunks, seeded synthetic data, and a
// double-precision brute-force reference.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "common/row_chunks.h"
#include "index/vector_index.h"
#include "ochre/types.h"

namespace ochre::index::testing {

// Vectors of one collection in heap chunks, appended as a storage engine would.
class TestRows {
 public:
  // A small chunk shift by default, so tests cross chunk boundaries.
  explicit TestRows(uint32_t dim, uint32_t chunk_shift = 8) : chunks_(dim, chunk_shift) {}

  uint32_t dim() const { return chunks_.dim(); }
  uint32_t size() const { return chunks_.rows(); }
  const RowChunks* chunks() const { return &chunks_; }
  const float* Row(uint32_t r) const { return chunks_.Row(r); }

  uint32_t Append(const float* v) {
    uint32_t r = chunks_.rows();
    uint32_t c = r >> chunks_.chunk_shift();
    if (c >= memory_.size()) {
      memory_.push_back(std::make_unique<float[]>(size_t(chunks_.rows_per_chunk()) * dim()));
      chunks_.SetChunk(c, memory_.back().get());
    }
    float* dst = memory_[c].get() + size_t(r & (chunks_.rows_per_chunk() - 1)) * dim();
    std::memcpy(dst, v, dim() * sizeof(float));
    chunks_.PublishRows(r + 1);
    return r;
  }
  void AppendAll(const std::vector<float>& data) {
    for (size_t i = 0; i + dim() <= data.size(); i += dim()) Append(data.data() + i);
  }

 private:
  RowChunks chunks_;
  std::vector<std::unique_ptr<float[]>> memory_;
};

inline std::vector<float> UniformVectors(size_t n, uint32_t dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> out(n * dim);
  for (float& x : out) x = u(rng);
  return out;
}

// Gaussian clusters with a decaying spectrum: dimension d of both the centers and the spread
// around them has scale (1 + d)^-decay, so the set has a low intrinsic dimension, as real embeddings
// do (isotropic noise in 100 dimensions has no near neighbors worth the name, and widely separated
// clusters make a graph of islands; neither is what an index meets in practice). The centers depend
// only on `clusters` and `dim`, so data and queries drawn with different seeds share them.
inline std::vector<float> ClusteredVectors(size_t n, uint32_t dim, size_t clusters, uint64_t seed, float decay = 0.25f,
                                           float noise = 1.4f) {
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> spectrum(dim);
  for (uint32_t d = 0; d < dim; ++d) spectrum[d] = std::pow(1.0f + float(d), -decay);
  std::mt19937_64 center_rng(clusters * 7919 + dim);
  std::vector<float> centers(clusters * dim);
  for (size_t c = 0; c < clusters; ++c) {
    for (uint32_t d = 0; d < dim; ++d) centers[c * dim + d] = g(center_rng) * spectrum[d];
  }
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, clusters - 1);
  std::vector<float> out(n * dim);
  for (size_t i = 0; i < n; ++i) {
    size_t c = pick(rng);
    for (uint32_t d = 0; d < dim; ++d) out[i * dim + d] = centers[c * dim + d] + noise * spectrum[d] * g(rng);
  }
  return out;
}

inline double ReferenceDistance(Space space, const float* a, const float* b, uint32_t dim) {
  double l2 = 0, dot = 0, na = 0, nb = 0;
  for (uint32_t i = 0; i < dim; ++i) {
    double x = a[i], y = b[i];
    l2 += (x - y) * (x - y);
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  switch (space) {
    case Space::kL2:
      return l2;
    case Space::kIp:
      return 1.0 - dot;
    case Space::kCosine:
      if (na == 0 || nb == 0) return 1.0;
      return 1.0 - dot / (std::sqrt(na) * std::sqrt(nb));
  }
  return 0;
}

struct RefNeighbor {
  double distance;
  uint32_t row;
  bool operator<(const RefNeighbor& o) const {
    return distance < o.distance || (distance == o.distance && row < o.row);
  }
};

// Exact k nearest among `candidates`, in double precision.
inline std::vector<RefNeighbor> BruteForce(Space space, const TestRows& rows, const float* q,
                                           const std::vector<uint32_t>& candidates, size_t k) {
  std::vector<RefNeighbor> all;
  all.reserve(candidates.size());
  for (uint32_t r : candidates) all.push_back({ReferenceDistance(space, q, rows.Row(r), rows.dim()), r});
  size_t n = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + n, all.end());
  all.resize(n);
  return all;
}

// |found ∩ truth| / |truth| by rows.
inline double Recall(const std::vector<Neighbor>& found, const std::vector<uint32_t>& truth) {
  if (truth.empty()) return 1.0;
  size_t hit = 0;
  for (const Neighbor& n : found) hit += std::count(truth.begin(), truth.end(), n.row);
  return double(hit) / double(truth.size());
}

}  // namespace ochre::index::testing
