// Copyright 2026 The OchreDB Authors.
//
// A sparse vector as Chroma's SparseVector (chromadb/base_types.py, rust/types/src/metadata.rs):
// dimension indices with one value each, and optionally the token each index was hashed from (BM25
// sets them). On the wire: {"#type": "sparse_vector", "indices": [...], "values": [...],
// "tokens"?: [...]}. Chroma requires strictly ascending indices and as many values (and tokens) as
// indices; the code that accepts one from a client checks that.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ochre/status.h"

namespace ochre {

struct SparseVector {
  std::vector<uint32_t> indices;
  std::vector<float> values;
  std::optional<std::vector<std::string>> tokens;

  friend bool operator==(const SparseVector&, const SparseVector&) = default;
  // An order (by indices, then values, then tokens) so that metadata values sort and group
  // deterministically, e.g. a group_by key that happens to hold sparse vectors.
  friend auto operator<=>(const SparseVector&, const SparseVector&) = default;
};

// Chroma's rules for a sparse vector (rust/types/src/metadata.rs SparseVector::validate, prefixed as
// its validators do): InvalidArgument "Invalid sparse vector: Sparse vector indices, values, and
// tokens (when present) must have the same length", "... indices must be sorted in strictly
// ascending order (no duplicates)", and, since JSON cannot carry them and a dot product would turn
// into NaN, "... values must be finite" for a NaN or infinite value.
Status ValidateSparseVector(const SparseVector& v);

// The dot product of two valid sparse vectors (a merge of their ascending indices), in double.
double SparseDot(const SparseVector& a, const SparseVector& b);

}  // namespace ochre
