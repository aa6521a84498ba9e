// Copyright 2026 The OchreDB Authors.
#include "index/hnsw/hnsw_graph.h"

#include <immintrin.h>

#include <cassert>

namespace ochre::index {

HnswGraph::HnswGraph(uint32_t m) : m_(m), level0_(2 + 2 * size_t(m)), levels_(1), upper_(1) {}

void HnswGraph::Reserve(uint64_t n) {
  level0_.Reserve(n);
  levels_.Reserve(n);
  upper_.Reserve(n);
}

void HnswGraph::InitNode(uint32_t node, int level) {
  assert(level >= 0 && level <= kMaxLevel && "level out of range");
  std::atomic<uint32_t>* block = level0_.At(node);
  block[1].store(0, std::memory_order_relaxed);
  if (level > 0) {
    size_t words = size_t(level) * (1 + m_);
    auto upper = std::make_unique<std::atomic<uint32_t>[]>(words);  // zero counts
    std::atomic<uint32_t>* raw = upper.get();
    {
      std::lock_guard<std::mutex> lock(upper_mutex_);
      upper_owned_.push_back(std::move(upper));
      upper_words_ += words;
    }
    upper_[node].store(raw, std::memory_order_release);
  }
}

uint32_t HnswGraph::ReadLinks(uint32_t node, int level, uint32_t* out) const {
  const std::atomic<uint32_t>& version = Version(node);
  const std::atomic<uint32_t>* list = List(node, level);
  const uint32_t max = MaxLinks(level);
  for (;;) {
    uint32_t v1 = version.load(std::memory_order_acquire);
    if (v1 & 1u) {
      _mm_pause();
      continue;
    }
    uint32_t n = list[0].load(std::memory_order_relaxed);
    if (n > max) n = max;  // a count read mid-write; the version check below rejects the copy
    for (uint32_t i = 0; i < n; ++i) out[i] = list[1 + i].load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (version.load(std::memory_order_relaxed) == v1) return n;
  }
}

void HnswGraph::Lock(uint32_t node) {
  std::atomic<uint32_t>& version = Version(node);
  for (;;) {
    uint32_t v = version.load(std::memory_order_relaxed);
    if (!(v & 1u) && version.compare_exchange_weak(v, v + 1, std::memory_order_acquire)) break;
    _mm_pause();
  }
  // Orders the odd version before the link stores that follow (the seqlock writer's fence).
  std::atomic_thread_fence(std::memory_order_release);
}

void HnswGraph::Unlock(uint32_t node) {
  std::atomic<uint32_t>& version = Version(node);
  version.store(version.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

void HnswGraph::LockedSet(uint32_t node, int level, const uint32_t* links, uint32_t n) {
  assert(n <= MaxLinks(level) && "too many links");
  std::atomic<uint32_t>* list = List(node, level);
  for (uint32_t i = 0; i < n; ++i) list[1 + i].store(links[i], std::memory_order_relaxed);
  list[0].store(n, std::memory_order_relaxed);
}

size_t HnswGraph::MemoryBytes() const {
  size_t bytes = level0_.MemoryBytes() + levels_.MemoryBytes() + upper_.MemoryBytes();
  std::lock_guard<std::mutex> lock(upper_mutex_);
  return bytes + upper_words_ * sizeof(uint32_t);
}

}  // namespace ochre::index
