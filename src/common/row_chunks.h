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
// A persistent store also installs a RowBlockVerifier (SetVerifier): rows are checked a block at a
// time (a power of two of rows, row_checksums.h) on the first read of the block through Row or
// CopyRows. Once a block checked out, its bit in a bitmap is set and later reads cost one relaxed
// load of that bit. A block that does not match its checksum is reported once (ReportDamage) and
// latches the rows as damaged: Row still returns the bytes (a walk cannot stop mid-way), and every
// reader checks Intact() after reading and returns its Corruption status instead of an answer, so
// damaged rows never leave as a value. RowAddress skips the check (prefetch hints only).
//
// Thread safety: one writer (SetChunk, PublishRows, SetFile and SetVerifier before the first
// publish) and any number of readers (Row, CopyRow, rows, Intact). A reader may read row r only if
// r < rows() as observed with acquire ordering.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "ochre/status.h"

namespace ochre {

// Checks blocks of rows against their stored checksums for RowChunks (implemented by storage).
class RowBlockVerifier {
 public:
  virtual ~RowBlockVerifier() = default;
  // Checks block `block` (rows block << block_shift ...), reporting a mismatch with
  // RowChunks::ReportDamage. Returns true when the block need not be checked again (it checked out,
  // was reported, or has no checksum and is full), false for the partial last block, which may grow.
  // Called from any reader thread, possibly for one block at once from several.
  virtual bool VerifyBlock(uint32_t block) const = 0;
  // The same for a full block whose rows a reader has just read (`bytes`, `size` of them): checked
  // from those bytes instead of reading the block again.
  virtual bool VerifyBlockBytes(uint32_t block, const void* bytes, size_t size) const {
    (void)bytes;
    (void)size;
    return VerifyBlock(block);
  }
};

namespace internal {
// The verified bits of a store without a verifier: block_shift 31 makes every row block 0 or 1,
// both set, so Row's check never calls out. Never written.
inline std::atomic<uint64_t> kAllBlocksVerified{~uint64_t{0}};
}  // namespace internal

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
  ~RowChunks() {
    if (bits_bytes_ != 0) ::munmap(verified_, bits_bytes_);
  }

  uint32_t dim() const { return dim_; }
  uint32_t chunk_shift() const { return shift_; }
  uint32_t rows_per_chunk() const { return 1u << shift_; }
  size_t chunk_bytes() const { return (size_t{1} << shift_) * dim_ * sizeof(float); }

  // Rows readable now.
  uint32_t rows() const { return rows_.load(std::memory_order_acquire); }

  // REQUIRES: row < rows(). Checks the row's block on its first read (see the file comment: the
  // caller checks Intact() before it answers).
  const float* Row(uint32_t row) const {
    CheckBlock(row >> block_shift_);
    return RowAddress(row);
  }
  // Row without the check: for prefetch hints, never for reading the values.
  const float* RowAddress(uint32_t row) const {
    const float* base = chunks_[row >> shift_].load(std::memory_order_relaxed);
    assert(base != nullptr && "row beyond the mapped chunks");
    return base + size_t(row & mask_) * dim_;
  }

  // Copies rows [first, first + n) (n * dim() floats) to `out`: from the file when the store named
  // one (one pread: the rows are consecutive there), else from memory. REQUIRES: first + n <= rows().
  void CopyRows(uint32_t first, uint32_t n, float* out) const {
    if (n == 0) return;
    // An unchecked block the run holds whole is checked from the bytes read below (a collection's
    // open reads every row this way for its norms: one read of them, not two); the others first.
    const uint32_t first_block = first >> block_shift_, last_block = (first + n - 1) >> block_shift_;
    bool check_after = false;
    for (uint32_t b = first_block; b <= last_block; ++b) {
      if (BlockVerified(b)) [[likely]]
        continue;
      if (HoldsWholeBlock(first, n, b)) {
        check_after = true;
      } else {
        VerifySlow(b);
      }
    }
    ReadRows(first, n, out);
    if (!check_after) [[likely]]
      return;
    const size_t block_bytes = (size_t{1} << block_shift_) * dim_ * sizeof(float);
    for (uint32_t b = first_block; b <= last_block; ++b) {
      if (BlockVerified(b) || !HoldsWholeBlock(first, n, b)) continue;
      const float* bytes = out + ((uint64_t{b} << block_shift_) - first) * dim_;
      if (verifier_ != nullptr && verifier_->VerifyBlockBytes(b, bytes, block_bytes)) MarkVerified(b);
    }
  }
  void CopyRow(uint32_t row, float* out) const { CopyRows(row, 1, out); }

  // Writer, before the first PublishRows: rows also live in file `fd` (owned by the store, open
  // for its lifetime), row 0 at byte `row0_offset`, rows back to back.
  void SetFile(int fd, uint64_t row0_offset) {
    fd_ = fd;
    row0_offset_ = row0_offset;
  }
  bool file_backed() const { return fd_ >= 0; }

  // Writer, before the first PublishRows: rows are checked in blocks of 2^block_shift rows by
  // `verifier` (which must outlive this object). `max_rows` bounds the row numbers (the bitmap is
  // reserved for them; its pages cost memory only once touched). False if the bitmap cannot be
  // reserved (rows are then not checked).
  bool SetVerifier(const RowBlockVerifier* verifier, uint32_t block_shift, uint64_t max_rows) {
    const uint64_t blocks = (max_rows >> block_shift) + 1;
    const size_t bytes = size_t((blocks + 63) / 64 * sizeof(uint64_t));
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return false;
    // Zero pages: every block unverified. std::atomic<uint64_t> has the representation of uint64_t.
    verified_ = static_cast<std::atomic<uint64_t>*>(p);
    bits_bytes_ = bytes;
    block_shift_ = block_shift;
    verifier_ = verifier;
    return true;
  }
  uint32_t block_shift() const { return block_shift_; }
  // True if block `block` was checked (or needs no check).
  bool BlockVerified(uint32_t block) const {
    return ((verified_[block >> 6].load(std::memory_order_relaxed) >> (block & 63)) & 1) != 0;
  }

  // Verifier: rows of this store do not match their checksum (`what` names the file and rows).
  // The first report is kept; Intact() returns it from then on.
  void ReportDamage(const std::string& what) const {
    std::lock_guard<std::mutex> lock(damage_mu_);
    if (damaged_.load(std::memory_order_relaxed)) return;
    damage_ = what;
    damaged_.store(true, std::memory_order_release);
  }
  // Ok, or Corruption naming the damaged rows once any read met them. Readers call it after reading
  // rows and before answering.
  Status Intact() const {
    if (!damaged_.load(std::memory_order_acquire)) [[likely]]
      return Status::Ok();
    std::lock_guard<std::mutex> lock(damage_mu_);
    return Status::Corruption(damage_);
  }

  // Writer: installs the memory of chunk `index` (rows index*rows_per_chunk ...). The memory must
  // stay valid until this object is destroyed.
  void SetChunk(uint32_t index, const float* base) { chunks_[index].store(base, std::memory_order_release); }
  const float* chunk(uint32_t index) const { return chunks_[index].load(std::memory_order_acquire); }
  // Writer: makes rows [0, n) readable. REQUIRES: their chunks are set and their bytes written.
  void PublishRows(uint32_t n) { rows_.store(n, std::memory_order_release); }

 private:
  void CheckBlock(uint32_t block) const {
    if (!BlockVerified(block)) [[unlikely]]
      VerifySlow(block);
  }
  void VerifySlow(uint32_t block) const {
    if (verifier_ != nullptr && verifier_->VerifyBlock(block)) MarkVerified(block);
  }
  void MarkVerified(uint32_t block) const {
    verified_[block >> 6].fetch_or(uint64_t{1} << (block & 63), std::memory_order_relaxed);
  }
  // Whether rows [first, first + n) hold all of block `block`, and it is full (published).
  bool HoldsWholeBlock(uint32_t first, uint32_t n, uint32_t block) const {
    const uint64_t begin = uint64_t{block} << block_shift_, end = begin + (uint64_t{1} << block_shift_);
    return begin >= first && end <= uint64_t{first} + n && end <= rows();
  }
  // Rows [first, first + n) into `out`: from the file when there is one (no mapping made resident),
  // else from the chunks.
  void ReadRows(uint32_t first, uint32_t n, float* out) const {
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
    for (uint32_t i = 0; i < n; ++i) std::memcpy(out + size_t(i) * dim_, RowAddress(first + i), row_bytes);
  }

  const uint32_t dim_;
  const uint32_t shift_;
  const uint32_t mask_;
  std::unique_ptr<std::atomic<const float*>[]> chunks_;
  std::atomic<uint32_t> rows_{0};
  int fd_ = -1;
  uint64_t row0_offset_ = 0;
  // Block verification (SetVerifier); without a verifier every block reads as verified.
  const RowBlockVerifier* verifier_ = nullptr;
  uint32_t block_shift_ = 31;
  std::atomic<uint64_t>* verified_ = &internal::kAllBlocksVerified;
  size_t bits_bytes_ = 0;  // of the mmap behind verified_, 0 for kAllBlocksVerified
  mutable std::mutex damage_mu_;
  mutable std::string damage_;  // GUARDED_BY(damage_mu_)
  mutable std::atomic<bool> damaged_{false};
};

}  // namespace ochre
