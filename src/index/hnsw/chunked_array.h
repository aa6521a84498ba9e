// Copyright 2026 The OchreDB Authors.
//
// ChunkedArray<T>: a growable array whose elements never move, for the graph's per-row state
// (links, levels, quantized rows) that searches read without a lock while one writer grows it.
// Unlike StableArray, whose chunks double (up to twice the memory the rows need: 19.9 MB of links
// for 100k rows where 13.6 MB are used), every chunk holds the same 2^chunk_shift indices, so the
// memory follows the row count to within one chunk.
//
// A directory of chunk pointers finds the chunk. When it is full, the writer copies it into one
// twice as large and publishes that (release); the old directories stay alive until destruction
// because a reader may still hold one. They add up to less than the current one: a few bytes per
// thousand rows.
//
// Same contract as StableArray: a reader that learned of index i through any acquire (a flag, a
// link it read, the row count) may call At(i). New elements are value-initialized (zero).
#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace ochre::index {

template <typename T>
class ChunkedArray {
 public:
  // `stride` elements per index; chunks of 2^chunk_shift indices.
  explicit ChunkedArray(size_t stride = 1, uint32_t chunk_shift = 10)
      : stride_(stride), shift_(chunk_shift), mask_((uint64_t{1} << chunk_shift) - 1) {}
  ChunkedArray(const ChunkedArray&) = delete;
  ChunkedArray& operator=(const ChunkedArray&) = delete;

  size_t stride() const { return stride_; }
  // Indices below capacity() are addressable.
  uint64_t capacity() const { return capacity_.load(std::memory_order_acquire); }
  // Bytes held by the chunks and (about) the directories; safe alongside the writer.
  size_t MemoryBytes() const {
    const uint64_t cap = capacity();
    return cap * stride_ * sizeof(T) + 2 * (cap >> shift_) * sizeof(void*);
  }

  // Writer only: makes indices < n addressable.
  void Reserve(uint64_t n) {
    uint64_t have = capacity_.load(std::memory_order_relaxed);
    while (have < n) {
      const size_t k = chunks_.size();
      Directory* dir = dirs_.empty() ? nullptr : &dirs_.back();
      if (dir == nullptr || k == dir->size) {
        const size_t size = dir == nullptr ? 8 : 2 * dir->size;
        Directory bigger{std::make_unique<std::atomic<T*>[]>(size), size};
        for (size_t i = 0; i < k; ++i) {
          bigger.slots[i].store(dir->slots[i].load(std::memory_order_relaxed), std::memory_order_relaxed);
        }
        dirs_.push_back(std::move(bigger));
        dir = &dirs_.back();
      }
      chunks_.push_back(std::make_unique<T[]>((mask_ + 1) * stride_));
      dir->slots[k].store(chunks_.back().get(), std::memory_order_release);
      dir_.store(dir->slots.get(), std::memory_order_release);
      have += mask_ + 1;
      capacity_.store(have, std::memory_order_release);
    }
  }

  // REQUIRES: i < capacity() (as observed through some acquire).
  T* At(uint64_t i) const {
    T* chunk = dir_.load(std::memory_order_acquire)[i >> shift_].load(std::memory_order_acquire);
    assert(chunk != nullptr && "ChunkedArray index beyond capacity");
    return chunk + (i & mask_) * stride_;
  }
  T& operator[](uint64_t i) const { return *At(i); }

 private:
  struct Directory {
    std::unique_ptr<std::atomic<T*>[]> slots;
    size_t size;
  };
  const size_t stride_;
  const uint32_t shift_;
  const uint64_t mask_;
  std::atomic<std::atomic<T*>*> dir_{nullptr};
  std::vector<Directory> dirs_;               // writer only; the last is the current one
  std::vector<std::unique_ptr<T[]>> chunks_;  // writer only
  std::atomic<uint64_t> capacity_{0};
};

}  // namespace ochre::index
