// Copyright 2026 The OchreDB Authors.
#include "ochre/sparse_vector.h"

#include <cmath>

namespace ochre {

Status ValidateSparseVector(const SparseVector& v) {
  const size_t n = v.indices.size();
  if (v.values.size() != n || (v.tokens && v.tokens->size() != n)) {
    return Status::InvalidArgument(
        "Invalid sparse vector: Sparse vector indices, values, and tokens (when present) must have the same length");
  }
  for (size_t i = 1; i < n; ++i) {
    if (v.indices[i] <= v.indices[i - 1]) {
      return Status::InvalidArgument(
          "Invalid sparse vector: Sparse vector indices must be sorted in strictly ascending order (no duplicates), "
          "found indices[" +
          std::to_string(i) + "]=" + std::to_string(v.indices[i]) + " <= indices[" + std::to_string(i - 1) +
          "]=" + std::to_string(v.indices[i - 1]));
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(v.values[i])) {
      return Status::InvalidArgument("Invalid sparse vector: Sparse vector values must be finite, got " +
                                     std::to_string(v.values[i]) + " at position " + std::to_string(i));
    }
  }
  return Status::Ok();
}

double SparseDot(const SparseVector& a, const SparseVector& b) {
  double sum = 0;
  size_t i = 0, j = 0;
  while (i < a.indices.size() && j < b.indices.size()) {
    if (a.indices[i] < b.indices[j]) {
      ++i;
    } else if (a.indices[i] > b.indices[j]) {
      ++j;
    } else {
      sum += double(a.values[i++]) * double(b.values[j++]);
    }
  }
  return sum;
}

}  // namespace ochre
