// Copyright 2026 The OchreDB Authors.
//
// HnswGraph: the links of an HNSW graph, kept apart from the vectors (which stay in RowChunks).
// Nodes are rows. Level-0 lists live in one ChunkedArray (one fixed-size block per row, memory in
// step with the row count);
// upper levels, which only ~1/M of the nodes have, get a block allocated per node.
//
//   level-0 block (uint32 words): [version | count | link 0 .. link 2M-1]
//   upper block, per level l = 1..L: [count | link 0 .. link M-1]
//
// Concurrency: the version word of a node is a seqlock over all its lists. A writer takes it by
// moving it from even to odd (it doubles as the node's spinlock among writer threads) and
// releases it by making it even again. Readers never write shared memory: they copy a list and
// retry if the version moved, so they never see a torn list, and a reader never slows a writer.
// All link words are atomics accessed relaxed (plain moves on x86), which keeps TSan clean.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "index/hnsw/chunked_array.h"

namespace ochre::index {

class HnswGraph {
 public:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  static constexpr int kMaxLevel = 15;

  // `m`: max links per node on the upper levels; level 0 holds 2m.
  explicit HnswGraph(uint32_t m);
  HnswGraph(const HnswGraph&) = delete;
  HnswGraph& operator=(const HnswGraph&) = delete;

  uint32_t m() const { return m_; }
  uint32_t MaxLinks(int level) const { return level == 0 ? 2 * m_ : m_; }

  // Writer, single-threaded: makes rows < n addressable.
  void Reserve(uint64_t n);
  // Rows below capacity() are addressable (a visited list of this size covers them).
  uint64_t capacity() const { return level0_.capacity(); }

  // The node's top level, or -1 when the row is not in the graph.
  int Level(uint32_t node) const {
    if (node >= levels_.capacity()) return -1;
    return int(levels_[node].load(std::memory_order_acquire)) - 1;
  }

  // Inserting thread: gives `node` empty lists on levels 0..level. Must precede any link to it.
  void InitNode(uint32_t node, int level);
  // Marks the node present at its level (after InitNode).
  void PublishNode(uint32_t node, int level) { levels_[node].store(uint8_t(level + 1), std::memory_order_release); }

  // A consistent copy of the node's list at `level` into out[0 .. MaxLinks(level)); returns the count.
  uint32_t ReadLinks(uint32_t node, int level, uint32_t* out) const;

  // Hints the CPU to fetch the node's level-0 list (a search is about to expand it).
  void PrefetchLinks(uint32_t node) const { __builtin_prefetch(level0_.At(node)); }

  // Writer-side lock of one node (all its levels). Hold at most one at a time (no lock ordering).
  void Lock(uint32_t node);
  void Unlock(uint32_t node);
  // REQUIRES: Lock(node) held by this thread (or no concurrent access at all).
  uint32_t LockedCount(uint32_t node, int level) const { return List(node, level)[0].load(std::memory_order_relaxed); }
  uint32_t LockedLink(uint32_t node, int level, uint32_t i) const {
    return List(node, level)[1 + i].load(std::memory_order_relaxed);
  }
  void LockedSet(uint32_t node, int level, const uint32_t* links, uint32_t n);

  // Entry point and top level, read together. node == kNone when the graph is empty.
  struct Entry {
    uint32_t node;
    int level;
  };
  Entry entry() const {
    uint64_t v = entry_.load(std::memory_order_acquire);
    return Entry{uint32_t(v), int(v >> 32) - 1};
  }
  void set_entry(uint32_t node, int level) {
    entry_.store((uint64_t(uint32_t(level + 1)) << 32) | node, std::memory_order_release);
  }
  // Held by an insert that raises the top level, for the whole insert (as in the paper's algorithm,
  // only one node at a time may become the new entry point).
  std::mutex& entry_mutex() { return entry_mutex_; }

  // Bytes used by links (for stats).
  size_t MemoryBytes() const;

 private:
  // [count | links] of a level; level 0 skips the version word.
  std::atomic<uint32_t>* List(uint32_t node, int level) const {
    if (level == 0) return level0_.At(node) + 1;
    std::atomic<uint32_t>* upper = upper_[node].load(std::memory_order_acquire);
    return upper + size_t(level - 1) * (1 + m_);
  }
  std::atomic<uint32_t>& Version(uint32_t node) const { return *level0_.At(node); }

  const uint32_t m_;
  ChunkedArray<std::atomic<uint32_t>> level0_;
  ChunkedArray<std::atomic<uint8_t>> levels_;  // level + 1; 0: not in the graph
  ChunkedArray<std::atomic<std::atomic<uint32_t>*>> upper_;
  mutable std::mutex upper_mutex_;  // guards upper_owned_ (inserting threads allocate concurrently)
  std::vector<std::unique_ptr<std::atomic<uint32_t>[]>> upper_owned_;
  size_t upper_words_ = 0;  // guarded by upper_mutex_
  std::atomic<uint64_t> entry_{kNone};
  std::mutex entry_mutex_;
};

}  // namespace ochre::index
