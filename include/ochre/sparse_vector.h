// Copyright 2026 The OchreDB Authors.
//
// A sparse vector as Chroma's SparseVector (chromadb/base_types.py, rust/types/src/metadata.rs):
// dimension indices with one value each, and optionally the token each index was hashed from (BM25
// sets them). On the wire: {"#type": "sparse_vector", "indices": [...], "values": [...],
// "tokens"?: [...]}. Chroma requires strictly ascending indices and as many values (and tokens) as
// indices; the code that accepts one from a client checks that.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ochre {

struct SparseVector {
  std::vector<uint32_t> indices;
  std::vector<float> values;
  std::optional<std::vector<std::string>> tokens;

  friend bool operator==(const SparseVector&, const SparseVector&) = default;
};

}  // namespace ochre
