// Copyright 2026 The OchreDB Authors.
//
// FlatIndex: exact nearest neighbors by scanning every live row. Used for small collections, for
// selective filters, and as the ground truth of the approximate indexes in tests.
//
// Thread safety: as VectorIndex: any number of concurrent Search calls alongside one writer
// (Insert / MarkDeleted), which the caller serializes. A search sees every row whose Insert
// returned before it began, and possibly some inserted while it runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/row_chunks.h"
#include "index/distance/distance.h"
#include "index/stable_array.h"
#include "index/vector_index.h"

namespace ochre::index {

class FlatIndex final : public VectorIndex {
 public:
  // `rows` must outlive this index. `max_threads` bounds the threads of one large search
  // (0: the number of cores).
  FlatIndex(Space space, const RowChunks* rows, int max_threads = 0);

  Space space() const override { return space_; }
  uint32_t dim() const override { return rows_->dim(); }

  // Fails with InvalidArgument (and adds nothing) when a row is not yet readable in the RowChunks.
  // A row inserted twice is kept once.
  Status Insert(std::span<const uint32_t> rows) override;
  void MarkDeleted(uint32_t row) override;
  bool IsDeleted(uint32_t row) const override { return deleted_.Test(row); }
  size_t live_count() const override { return live_.load(std::memory_order_relaxed); }

  // Exact: the k nearest live, allowed rows, ties by row. InvalidArgument when query is null.
  Result<std::vector<Neighbor>> Search(const float* query, const SearchParams& params) const override;

  // Rows < high_water() may be in the index.
  uint32_t high_water() const { return high_water_.load(std::memory_order_acquire); }

 private:
  // inv_norms_ of the rows not yet present (cosine), read with RowChunks::CopyRows.
  void ComputeInverseNorms(std::span<const uint32_t> rows);

  const Space space_;
  const RowChunks* const rows_;
  const int max_threads_;
  const DistanceKernels& kernels_;
  ConcurrentRowSet present_;
  ConcurrentRowSet deleted_;
  StableArray<float> inv_norms_;  // cosine only: 1/|row|, written before the row is published
  std::atomic<uint32_t> high_water_{0};
  std::atomic<size_t> live_{0};
};

// The flat index of one collection's vectors. `rows` must outlive it.
std::unique_ptr<VectorIndex> MakeFlatIndex(Space space, const RowChunks* rows);

}  // namespace ochre::index
