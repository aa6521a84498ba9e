// Copyright 2026 The OchreDB Authors.
//
// RowChunks: the vectors of one collection as fixed-width float rows, stored in chunks of
// 2^chunk_shift rows that never move once published. Readers get a stable pointer to any row below
// the published count without taking a lock, while a writer appends. Storage fills the chunks
// (memory-mapped file regions, or heap memory for an ephemeral collection); the index reads them.
//
// Thread safety: one writer (SetChunk, PublishRows) and any number of readers (Row, rows). A reader
// may read row r only if r < rows() as observed with acquire ordering.
#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace ochre {

class RowChunks {
 public:
  static constexpr uint32_t kMaxChunks = 1u << 15;

  // Chunks big enough that a chunk is at least ~8 MiB and a multiple of 4096 bytes.
  static uint32_t ChunkShiftFor(uint32_t dim) {
    uint32_t shift = 10;
    while ((size_t{1} << shift) * dim * sizeof(float) < (size_t{8} << 20) && shift < 20) ++shift;
    return shift;
  }

  RowChunks(uint32_t dim, uint32_t chunk_shift)
      : dim_(dim), shift_(chunk_shift), mask_((1u << chunk_shift) - 1), chunks_(new std::atomic<const float*>[kMaxChunks]) {
    for (uint32_t i = 0; i < kMaxChunks; ++i) chunks_[i].store(nullptr, std::memory_order_relaxed);
  }
  RowChunks(const RowChunks&) = delete;
  RowChunks& operator=(const RowChunks&) = delete;

  uint32_t dim() const { return dim_; }
  uint32_t chunk_shift() const { return shift_; }
  uint32_t rows_per_chunk() const { return 1u << shift_; }
  size_t chunk_bytes() const { return (size_t{1} << shift_) * dim_ * sizeof(float); }

  // Rows readable now.
  uint32_t rows() const { return rows_.load(std::memory_order_acquire); }

  // REQUIRES: row < rows().
  const float* Row(uint32_t row) const {
    const float* base = chunks_[row >> shift_].load(std::memory_order_relaxed);
    assert(base != nullptr && "row beyond the mapped chunks");
    return base + size_t(row & mask_) * dim_;
  }

  // Writer: installs the memory of chunk `index` (rows index*rows_per_chunk ...). The memory must
  // stay valid until this object is destroyed.
  void SetChunk(uint32_t index, const float* base) { chunks_[index].store(base, std::memory_order_release); }
  const float* chunk(uint32_t index) const { return chunks_[index].load(std::memory_order_acquire); }
  // Writer: makes rows [0, n) readable. REQUIRES: their chunks are set and their bytes written.
  void PublishRows(uint32_t n) { rows_.store(n, std::memory_order_release); }

 private:
  const uint32_t dim_;
  const uint32_t shift_;
  const uint32_t mask_;
  std::unique_ptr<std::atomic<const float*>[]> chunks_;
  std::atomic<uint32_t> rows_{0};
};

}  // namespace ochre
