// Copyright 2026 The OchreDB Authors.
//
// TopK: the k smallest Neighbors by (distance, row) seen so far, as a bounded max-heap. Ordering by
// row on equal distances makes results independent of scan order and thread count.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "index/vector_index.h"

namespace ochre::index {

class TopK {
 public:
  explicit TopK(size_t k) : k_(k) { heap_.reserve(k); }

  size_t k() const { return k_; }
  size_t size() const { return heap_.size(); }
  bool full() const { return heap_.size() >= k_; }
  // The largest kept (valid when size() > 0).
  const Neighbor& worst() const { return heap_.front(); }

  // True when n would be kept.
  bool Admits(const Neighbor& n) const { return heap_.size() < k_ || n < heap_.front(); }

  void Push(const Neighbor& n) {
    if (k_ == 0) return;
    if (heap_.size() < k_) {
      heap_.push_back(n);
      std::push_heap(heap_.begin(), heap_.end());
    } else if (n < heap_.front()) {
      std::pop_heap(heap_.begin(), heap_.end());
      heap_.back() = n;
      std::push_heap(heap_.begin(), heap_.end());
    }
  }

  // The kept neighbors, ascending. Leaves this empty.
  std::vector<Neighbor> TakeSorted() {
    std::sort_heap(heap_.begin(), heap_.end());
    return std::move(heap_);
  }

 private:
  size_t k_;
  std::vector<Neighbor> heap_;
};

}  // namespace ochre::index
