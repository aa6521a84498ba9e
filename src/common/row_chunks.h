// Copyright 2026 The OchreDB Authors.
//
// RowChunks: the vectors of one collection as fixed-width float rows, stored in chunks of
// 2^chunk_shift rows that never move once published. Readers get a stable pointer to any row below
// the published count without taking a lock, while a writer appends. Storage fills the chunks
// (memory-mapped file regions, or heap memory for an ephemeral collection); the index reads them.
//
// A file-backed store also names its file (SetFile): CopyRow then reads a row with pread(2), which
// leaves the process's mappings alone. Searches that re-rank a few rows read them that way, so that
// the mapped rows need not stay resident once the graph is built (VectorStore::ReleaseResident).
//
// Thread safety: one writer (SetChunk, PublishRows, SetFile before the first publish) and any
// number of readers (Row, CopyRow, rows). A reader may read row r only if r < rows() as observed
// with acquire ordering.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

namespace ochre {

// Calls fn(i, n) for each run of consecutive row numbers in `rows`, in order: rows[i + j] ==
// rows[i] + j for j < n, n <= max_run. A run is then one RowChunks::CopyRows (one pread); rows
// appended by one write, or returned in insertion order, come as a few long runs.
template <typename Fn>
void ForEachConsecutiveRun(std::span<const uint32_t> rows, uint32_t max_run, Fn fn) {
  size_t i = 0;
  while (i < rows.size()) {
    uint32_t n = 1;
    while (n < max_run && i + n < rows.size() && rows[i + n] == rows[i] + n) ++n;
    fn(i, n);
    i += n;
  }
}

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
      : dim_(dim),
        shift_(chunk_shift),
        mask_((1u << chunk_shift) - 1),
        chunks_(new std::atomic<const float*>[kMaxChunks]) {
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

  // Copies rows [first, first + n) (n * dim() floats) to `out`: from the file when the store named
  // one (one pread: the rows are consecutive there), else from memory. REQUIRES: first + n <= rows().
  void CopyRows(uint32_t first, uint32_t n, float* out) const {
    const size_t row_bytes = size_t(dim_) * sizeof(float);
    if (fd_ >= 0) {
      const size_t bytes = size_t(n) * row_bytes;
      const uint64_t offset = row0_offset_ + uint64_t{first} * row_bytes;
      size_t done = 0;
      while (done < bytes) {
        const ssize_t got = ::pread(fd_, reinterpret_cast<char*>(out) + done, bytes - done, off_t(offset + done));
        if (got <= 0) break;  // cannot happen for published rows; the mapping answers below
        done += size_t(got);
      }
      if (done == bytes) return;
    }
    for (uint32_t i = 0; i < n; ++i) std::memcpy(out + size_t(i) * dim_, Row(first + i), row_bytes);
  }
  void CopyRow(uint32_t row, float* out) const { CopyRows(row, 1, out); }

  // Writer, before the first PublishRows: rows also live in file `fd` (owned by the store, open
  // for its lifetime), row 0 at byte `row0_offset`, rows back to back.
  void SetFile(int fd, uint64_t row0_offset) {
    fd_ = fd;
    row0_offset_ = row0_offset;
  }
  bool file_backed() const { return fd_ >= 0; }

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
  int fd_ = -1;
  uint64_t row0_offset_ = 0;
};

}  // namespace ochre
