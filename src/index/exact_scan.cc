// Copyright 2026 The OchreDB Authors.
#include "index/exact_scan.h"

#include <algorithm>
#include <bit>
#include <thread>

#include "index/top_k.h"

namespace ochre::index {
namespace {

// The allowed candidate bits of word w.
inline uint64_t CandidateWord(const ScanInput& in, uint32_t w) {
  uint64_t bits = ~uint64_t{0};
  if (in.allow != nullptr) {
    const auto& words = in.allow->words();
    if (w >= words.size()) return 0;
    bits = words[w];
    if (bits == 0) return 0;
  }
  bits &= in.present->Word(w);
  if (bits == 0) return 0;
  return bits & ~in.deleted->Word(w);
}

// The float rows' distances, four at a time where it can.
struct FloatRows {
  const ScanInput& in;
  bool cosine;
  float Inv(uint32_t r) const { return cosine ? (*in.inv_norms)[r] : 1.0f; }
  void Four(const uint32_t* batch, float* dist) const {
    const float* ptrs[4];
    float inv[4];
    for (int j = 0; j < 4; ++j) {
      ptrs[j] = in.rows->Row(batch[j]);
      inv[j] = Inv(batch[j]);
    }
    in.query->To4(ptrs, inv, dist);
  }
  float One(uint32_t r) const { return in.query->To(in.rows->Row(r), Inv(r)); }
};

// The quantized copy's distances.
struct QuantizedRows {
  const Sq8Query& q;
  const ChunkedArray<uint8_t>& codes;
  void Four(const uint32_t* batch, float* dist) const {
    const uint8_t* ptrs[4] = {codes.At(batch[0]), codes.At(batch[1]), codes.At(batch[2]), codes.At(batch[3])};
    q.To4(ptrs, dist);
  }
  float One(uint32_t r) const { return q.To(codes.At(r)); }
};

template <typename Distances>
void ScanWords(const ScanInput& in, const Distances& d, uint32_t word_begin, uint32_t word_end, TopK* top) {
  uint32_t batch[4];
  int pending = 0;
  for (uint32_t w = word_begin; w < word_end; ++w) {
    uint64_t bits = CandidateWord(in, w);
    // Rows at or past the high-water mark are not covered (the last word may overhang).
    if (uint64_t(w + 1) * 64 > in.high_water) {
      uint32_t valid = in.high_water > w * 64 ? in.high_water - w * 64 : 0;
      bits &= valid >= 64 ? ~uint64_t{0} : ((uint64_t{1} << valid) - 1);
    }
    while (bits) {
      batch[pending++] = w * 64 + uint32_t(std::countr_zero(bits));
      bits &= bits - 1;
      if (pending == 4) {
        float dist[4];
        d.Four(batch, dist);
        for (int j = 0; j < 4; ++j) top->Push(Neighbor{dist[j], batch[j]});
        pending = 0;
      }
    }
  }
  for (int j = 0; j < pending; ++j) top->Push(Neighbor{d.One(batch[j]), batch[j]});
}

// Splits the scan across threads when the work (rows x bytes per row) pays for them.
template <typename Distances>
std::vector<Neighbor> Scan(const ScanInput& in, const Distances& d, size_t bytes_per_row, int max_threads) {
  if (in.k == 0 || in.high_water == 0) return {};
  const uint32_t words = uint32_t((uint64_t(in.high_water) + 63) / 64);
  // Work is what will actually be read: the allowed rows when an allow-list is given.
  size_t candidates = in.allow != nullptr ? std::min<size_t>(in.allow->count(), in.high_water) : in.high_water;
  size_t work = candidates * bytes_per_row / sizeof(float);
  int threads = 1;
  if (work > kParallelScanFloats && max_threads > 1) {
    threads = int(std::min<size_t>(size_t(max_threads), work / (kParallelScanFloats / 2)));
    threads = std::max(1, std::min<int>(threads, int(words)));
  }
  if (threads == 1) {
    TopK top(in.k);
    ScanWords(in, d, 0, words, &top);
    return top.TakeSorted();
  }
  std::vector<TopK> tops(size_t(threads), TopK(in.k));
  std::vector<std::thread> pool;
  pool.reserve(size_t(threads) - 1);
  uint32_t per = (words + uint32_t(threads) - 1) / uint32_t(threads);
  for (int t = 1; t < threads; ++t) {
    uint32_t b = std::min(words, per * uint32_t(t)), e = std::min(words, b + per);
    pool.emplace_back([&in, &d, &tops, t, b, e]() { ScanWords(in, d, b, e, &tops[size_t(t)]); });
  }
  ScanWords(in, d, 0, std::min(words, per), &tops[0]);
  for (auto& th : pool) th.join();
  TopK merged(in.k);
  for (auto& t : tops) {
    for (const Neighbor& n : t.TakeSorted()) merged.Push(n);
  }
  return merged.TakeSorted();
}

}  // namespace

int DefaultScanThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : int(n);
}

std::vector<Neighbor> ExactScan(const ScanInput& in, int max_threads) {
  const FloatRows d{in, in.query->space() == Space::kCosine};
  return Scan(in, d, size_t(in.rows->dim()) * sizeof(float), max_threads);
}

std::vector<Neighbor> QuantizedScan(const ScanInput& in, const Sq8Query& q, const ChunkedArray<uint8_t>& codes,
                                    int max_threads) {
  return Scan(in, QuantizedRows{q, codes}, codes.stride(), max_threads);
}

}  // namespace ochre::index
