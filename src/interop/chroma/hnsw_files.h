// Copyright 2026 The OchreDB Authors.
//
// Chroma's hnswlib fork's persisted index folder, read-only: header.bin (PERSISTENCE_VERSION 1, then
// hnswlib's header fields), data_level0.bin (per element: level-0 link list, the vector, the 8-byte
// label), length.bin (per element the norm the vector had before the fork's cosine normalisation).
// link_lists.bin (upper levels) is not needed to recover records and is only size-checked.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "ochre/result.h"

namespace ochre::interop::chroma {

class HnswFiles {
 public:
  // Errors: Corruption naming the file when a file is missing, short, or its header inconsistent.
  static Result<HnswFiles> Open(const std::string& folder);

  size_t dim() const { return dim_; }
  size_t elements() const { return count_; }
  // The vector of `label` as Chroma's getDataByLabel returns it (denormalised with length.bin when
  // `normalized`). Returns false when the label is absent or marked deleted.
  Result<bool> VectorOfLabel(uint64_t label, bool normalized, std::vector<float>* out) const;

 private:
  std::string folder_;
  std::string level0_;
  std::string length_;
  size_t count_ = 0, per_element_ = 0, label_offset_ = 0, data_offset_ = 0, dim_ = 0;
  std::unordered_map<uint64_t, size_t> label_to_internal_;
};

}  // namespace ochre::interop::chroma
