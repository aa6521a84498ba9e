// Copyright 2026 The OchreDB Authors.
//
// Per-search scratch memory, pooled so a search allocates nothing once warm: a visited list (an
// epoch stamp per node, so clearing is one increment instead of a memset) and the two heaps of the
// beam search.
//
// Thread safety: VisitedPool is thread-safe; a SearchScratch belongs to one search at a time.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "index/hnsw/sq8.h"

namespace ochre::index {

struct SearchScratch {
  // Starts a new search over nodes < n: every node unvisited.
  void Reset(uint64_t n) {
    if (stamps.size() < n) {
      stamps.assign(n + n / 4, 0);  // grow with headroom: the graph keeps growing
      epoch = 0;
    }
    if (++epoch == 0) {
      std::memset(stamps.data(), 0, stamps.size() * sizeof(uint16_t));
      epoch = 1;
    }
    limit = n;
  }
  // False for nodes >= the limit of Reset: rows inserted after this search began are skipped.
  bool TryVisit(uint32_t node) {
    if (node >= limit || stamps[node] == epoch) return false;
    stamps[node] = epoch;
    return true;
  }
  bool Visited(uint32_t node) const { return node >= limit || stamps[node] == epoch; }

  std::vector<uint16_t> stamps;
  uint16_t epoch = 0;
  uint64_t limit = 0;
  std::vector<std::pair<float, uint32_t>> candidates;  // min-heap by distance
  std::vector<std::pair<float, uint32_t>> results;     // max-heap by distance
  std::vector<uint32_t> links;                         // one list copied out of the graph
  std::vector<uint32_t> pending;                       // unvisited neighbors awaiting distances
  Sq8Query sq8;                                        // the query's weights on the quantized copy
};

class VisitedPool {
 public:
  // A scratch reset for nodes < n. Return it with Release.
  std::unique_ptr<SearchScratch> Acquire(uint64_t n) {
    std::unique_ptr<SearchScratch> s;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!free_.empty()) {
        s = std::move(free_.back());
        free_.pop_back();
      }
    }
    if (!s) s = std::make_unique<SearchScratch>();
    s->Reset(n);
    return s;
  }
  void Release(std::unique_ptr<SearchScratch> s) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(s));
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<SearchScratch>> free_;
};

}  // namespace ochre::index
