// Copyright 2026 The OchreDB Authors.
//
// VectorIndex: the interface every index of one collection implements (FlatIndex: exact scan;
// HnswIndex: approximate graph). An index is handed the collection's vectors as RowChunks (it never
// reads files of the storage layer) and row numbers; it never sees user ids.
//
// Distances are as Chroma reports them: l2 is squared Euclidean, cosine is 1 - cos, ip is 1 - dot.
//
// Thread safety: Search may run from many threads at once, concurrently with one writer calling
// Insert / MarkDeleted (the caller serializes writers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/row_bitmap.h"
#include "common/row_chunks.h"
#include "ochre/result.h"
#include "ochre/status.h"
#include "ochre/types.h"

namespace ochre::index {

struct Neighbor {
  float distance;
  uint32_t row;
  bool operator<(const Neighbor& o) const { return distance < o.distance || (distance == o.distance && row < o.row); }
};

struct SearchParams {
  size_t k = 10;
  size_t ef = 100;                   // HNSW beam width (0: the index's default); raised to at least k
  const RowBitmap* allow = nullptr;  // when set, only these rows may be returned
};

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;

  virtual Space space() const = 0;
  virtual uint32_t dim() const = 0;

  // Adds rows (already readable in the RowChunks). Rows may arrive in any order, each once.
  virtual Status Insert(std::span<const uint32_t> rows) = 0;
  // Tombstones a row: it is never returned again (it may still route graph searches).
  virtual void MarkDeleted(uint32_t row) = 0;
  virtual bool IsDeleted(uint32_t row) const = 0;
  // Rows inserted and not deleted.
  virtual size_t live_count() const = 0;

  // The k nearest live (and allowed) rows, ascending by (distance, row). Fewer when fewer exist.
  // `query` has dim() floats; for cosine it need not be normalized.
  virtual Result<std::vector<Neighbor>> Search(const float* query, const SearchParams& params) const = 0;
};

}  // namespace ochre::index
