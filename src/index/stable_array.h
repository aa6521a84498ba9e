// Copyright 2026 The OchreDB Authors.
//
// StableArray<T>: a growable array whose elements never move, for per-row index state (inverse
// norms, graph links, tombstone bits) that readers access without a lock while one writer grows it.
// Memory comes in chunks of doubling size, value-initialized (zero for numbers and atomics); a
// chunk pointer is published with release ordering, so a reader that learned of index i through
// any acquire (an atomic flag, a link it read, the row count) may call At(i).
//
// ConcurrentRowSet: a set of rows as atomic bit words on a StableArray. One writer (Set/Clear),
// any number of lock-free readers (Test, Word).
#pragma once

#include <atomic>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace ochre::index {

template <typename T>
class StableArray {
 public:
  // `stride` elements per index (a link list is one index of stride 2M+2, say). Chunk k holds
  // 2^(base_shift + k) indices, so a small array stays small and a huge one needs few chunks.
  explicit StableArray(size_t stride = 1, uint32_t base_shift = 10) : stride_(stride), base_shift_(base_shift) {
    for (auto& c : chunks_) c.store(nullptr, std::memory_order_relaxed);
  }
  StableArray(const StableArray&) = delete;
  StableArray& operator=(const StableArray&) = delete;

  size_t stride() const { return stride_; }
  // Indices below capacity() are addressable.
  uint64_t capacity() const { return capacity_.load(std::memory_order_acquire); }

  // Writer only: makes indices < n addressable. New elements are value-initialized.
  void Reserve(uint64_t n) {
    uint64_t have = capacity_.load(std::memory_order_relaxed);
    while (have < n) {
      size_t k = owned_.size();
      uint64_t size = uint64_t{1} << (base_shift_ + k);
      owned_.push_back(std::make_unique<T[]>(size * stride_));
      chunks_[k].store(owned_.back().get(), std::memory_order_release);
      have += size;
      capacity_.store(have, std::memory_order_release);
    }
  }

  // REQUIRES: i < capacity() (as observed through some acquire).
  T* At(uint64_t i) const {
    uint64_t q = (i >> base_shift_) + 1;
    uint32_t k = uint32_t(std::bit_width(q)) - 1;
    uint64_t offset = i - (((uint64_t{1} << k) - 1) << base_shift_);
    T* base = chunks_[k].load(std::memory_order_acquire);
    assert(base != nullptr && "StableArray index beyond capacity");
    return base + offset * stride_;
  }
  T& operator[](uint64_t i) const { return *At(i); }

 private:
  static constexpr int kMaxChunks = 40;
  const size_t stride_;
  const uint32_t base_shift_;
  std::atomic<T*> chunks_[kMaxChunks];
  std::vector<std::unique_ptr<T[]>> owned_;  // writer only
  std::atomic<uint64_t> capacity_{0};
};

class ConcurrentRowSet {
 public:
  ConcurrentRowSet() : words_(1, 4) {}

  // Writer only.
  void Set(uint32_t row) {
    Reserve(uint64_t(row) + 1);
    uint64_t bit = uint64_t{1} << (row & 63);
    uint64_t old = words_[row >> 6].fetch_or(bit, std::memory_order_release);
    if (!(old & bit)) count_.fetch_add(1, std::memory_order_relaxed);
  }
  void Clear(uint32_t row) {
    if ((uint64_t(row) >> 6) >= words_.capacity()) return;
    uint64_t bit = uint64_t{1} << (row & 63);
    uint64_t old = words_[row >> 6].fetch_and(~bit, std::memory_order_release);
    if (old & bit) count_.fetch_sub(1, std::memory_order_relaxed);
  }
  // Makes rows < n addressable (so readers may Test them).
  void Reserve(uint64_t n) { words_.Reserve((n + 63) >> 6); }

  bool Test(uint32_t row) const {
    if ((uint64_t(row) >> 6) >= words_.capacity()) return false;
    return (words_[row >> 6].load(std::memory_order_acquire) >> (row & 63)) & 1u;
  }
  // The 64 bits of rows [64 w, 64 w + 64); 0 beyond the capacity.
  uint64_t Word(uint32_t w) const {
    if (w >= words_.capacity()) return 0;
    return words_[w].load(std::memory_order_acquire);
  }
  size_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  StableArray<std::atomic<uint64_t>> words_;
  std::atomic<size_t> count_{0};
};

}  // namespace ochre::index
