// Copyright 2026 The OchreDB Authors.
#include "index/flat_index.h"

#include <algorithm>
#include <string>
#include <vector>

#include "index/distance/space.h"
#include "index/exact_scan.h"

namespace ochre::index {

FlatIndex::FlatIndex(Space space, const RowChunks* rows, int max_threads)
    : space_(space),
      rows_(rows),
      max_threads_(max_threads > 0 ? max_threads : DefaultScanThreads()),
      kernels_(ActiveKernels()) {}

Status FlatIndex::Insert(std::span<const uint32_t> rows) {
  // Validate the whole batch first, so that a bad batch changes nothing.
  const uint32_t readable = rows_->rows();
  uint32_t max_row = 0;
  for (uint32_t r : rows) {
    if (r >= readable) {
      return Status::InvalidArgument("flat index: row " + std::to_string(r) + " is not readable (only " +
                                     std::to_string(readable) + " rows)");
    }
    max_row = std::max(max_row, r);
  }
  if (rows.empty()) return Status::Ok();
  present_.Reserve(uint64_t(max_row) + 1);
  deleted_.Reserve(uint64_t(max_row) + 1);
  if (space_ == Space::kCosine) inv_norms_.Reserve(uint64_t(max_row) + 1);
  if (space_ == Space::kCosine) ComputeInverseNorms(rows);
  for (uint32_t r : rows) {
    if (present_.Test(r)) continue;
    // The norm was written before the presence bit is set (release), so a reader that sees the
    // bit (acquire) sees the norm.
    present_.Set(r);
    if (!deleted_.Test(r)) live_.fetch_add(1, std::memory_order_relaxed);
  }
  if (max_row + 1 > high_water_.load(std::memory_order_relaxed)) {
    high_water_.store(max_row + 1, std::memory_order_release);
  }
  return Status::Ok();
}

void FlatIndex::ComputeInverseNorms(std::span<const uint32_t> rows) {
  const uint32_t dim = rows_->dim();
  if (!rows_->file_backed()) {
    for (uint32_t r : rows) {
      if (!present_.Test(r)) inv_norms_[r] = InverseNorm(rows_->Row(r), dim);
    }
    return;
  }
  // From the file, runs of consecutive rows at a time (a whole collection at open, a batch after a
  // write), so that the rows are not mapped into resident memory just to take their norms.
  constexpr uint32_t kRunRows = 256;
  std::vector<float> buf(size_t(kRunRows) * dim);
  ForEachConsecutiveRun(rows, kRunRows, [&](size_t i, uint32_t n) {
    rows_->CopyRows(rows[i], n, buf.data());
    for (uint32_t j = 0; j < n; ++j) {
      if (!present_.Test(rows[i + j])) inv_norms_[rows[i + j]] = InverseNorm(buf.data() + size_t(j) * dim, dim);
    }
  });
}

void FlatIndex::MarkDeleted(uint32_t row) {
  if (deleted_.Test(row)) return;
  deleted_.Set(row);
  if (present_.Test(row)) live_.fetch_sub(1, std::memory_order_relaxed);
}

Result<std::vector<Neighbor>> FlatIndex::Search(const float* query, const SearchParams& params) const {
  if (query == nullptr) return Status::InvalidArgument("flat index: null query");
  QueryDistance qd(space_, query, rows_->dim(), kernels_);
  ScanInput in;
  in.rows = rows_;
  in.query = &qd;
  in.inv_norms = &inv_norms_;
  in.present = &present_;
  in.deleted = &deleted_;
  in.allow = params.allow;
  in.high_water = high_water();
  in.k = params.k;
  return ExactScan(in, max_threads_);
}

std::unique_ptr<VectorIndex> MakeFlatIndex(Space space, const RowChunks* rows) {
  return std::make_unique<FlatIndex>(space, rows);
}

}  // namespace ochre::index
