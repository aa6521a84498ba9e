// Copyright 2026 The OchreDB Authors.
//
// RowBitmap: a set of rows (uint32_t positions in a collection's vector file) as a dense bitmap.
// Used for allow-lists (rows a filter admits) and tombstones. Not thread-safe for writes.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ochre {

class RowBitmap {
 public:
  RowBitmap() = default;
  explicit RowBitmap(uint32_t capacity) : words_((size_t(capacity) + 63) / 64, 0) {}

  // Rows below capacity() can be tested; Set grows as needed.
  uint32_t capacity() const { return uint32_t(words_.size() * 64); }
  size_t count() const { return count_; }
  bool empty() const { return count_ == 0; }

  bool Test(uint32_t row) const {
    size_t w = row >> 6;
    return w < words_.size() && ((words_[w] >> (row & 63)) & 1u);
  }
  void Set(uint32_t row) {
    size_t w = row >> 6;
    if (w >= words_.size()) words_.resize(w + 1 + words_.size() / 2, 0);
    uint64_t bit = uint64_t{1} << (row & 63);
    if (!(words_[w] & bit)) {
      words_[w] |= bit;
      ++count_;
    }
  }
  void Clear(uint32_t row) {
    size_t w = row >> 6;
    if (w >= words_.size()) return;
    uint64_t bit = uint64_t{1} << (row & 63);
    if (words_[w] & bit) {
      words_[w] &= ~bit;
      --count_;
    }
  }

  // Calls f(row) for every set row in increasing order.
  template <typename F>
  void ForEach(F&& f) const {
    for (size_t w = 0; w < words_.size(); ++w) {
      uint64_t bits = words_[w];
      while (bits) {
        int b = std::countr_zero(bits);
        f(uint32_t(w * 64 + b));
        bits &= bits - 1;
      }
    }
  }

  const std::vector<uint64_t>& words() const { return words_; }

 private:
  std::vector<uint64_t> words_;
  size_t count_ = 0;
};

}  // namespace ochre
