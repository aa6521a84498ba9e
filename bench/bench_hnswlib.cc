// Copyright 2026 The OchreDB Authors.
//
// hnswlib (nmslib/hnswlib, the Debian package's headers) behind the bench's AnnLibrary face: the
// reference Chroma itself uses. Cosine is inner product on the (already unit-length) vectors,
// which is what Chroma does with hnswlib.
#include <hnswlib/hnswlib.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "bench_common.h"

namespace ochre::bench {
namespace {

class HnswlibLibrary final : public AnnLibrary {
 public:
  std::string name() const override { return "hnswlib"; }

  void Build(const Dataset& d, int m, int ef_construction, int threads) override {
    if (d.metric == Metric::kCosine) {
      space_ = std::make_unique<hnswlib::InnerProductSpace>(d.dim);
    } else {
      space_ = std::make_unique<hnswlib::L2Space>(d.dim);
    }
    index_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(space_.get(), d.n(), size_t(m), size_t(ef_construction));
    // As hnswlib's own Python binding adds a batch: the first point alone, then threads take turns.
    index_->addPoint(d.base.data(), 0);
    std::atomic<size_t> next{1};
    auto work = [&]() {
      for (size_t i = next.fetch_add(1); i < d.n(); i = next.fetch_add(1)) {
        index_->addPoint(d.base.data() + i * d.dim, hnswlib::labeltype(i));
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
  }

  void SetEf(int ef) override { index_->setEf(size_t(ef)); }

  void SearchRange(const Dataset& d, size_t begin, size_t end, size_t k, uint32_t* out) override {
    for (size_t q = begin; q < end; ++q) {
      auto heap = index_->searchKnn(d.queries.data() + q * d.dim, k);
      uint32_t* row = out + q * k;
      for (size_t j = 0; j < k; ++j) row[j] = 0xFFFFFFFFu;
      for (size_t j = heap.size(); j > 0; --j) {
        row[j - 1] = uint32_t(heap.top().second);
        heap.pop();
      }
    }
  }

  bool SaveIndex(const std::string& path) override {
    index_->saveIndex(path);
    return true;
  }

  bool LoadIndex(const Dataset& d, int m, int ef_construction, const std::string& path) override {
    if (FILE* f = std::fopen(path.c_str(), "rb")) {
      std::fclose(f);
    } else {
      return false;
    }
    if (d.metric == Metric::kCosine) {
      space_ = std::make_unique<hnswlib::InnerProductSpace>(d.dim);
    } else {
      space_ = std::make_unique<hnswlib::L2Space>(d.dim);
    }
    index_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(space_.get(), path, false, d.n());
    return true;
  }

  // hnswlib 0.6 (Debian) has no filter functor: SearchFiltered stays unsupported.

  size_t MemoryBytes() const override {
    // Links and labels only, comparable with ours (hnswlib also stores the vectors in its blocks).
    return index_ ? index_->max_elements_ * (index_->size_links_level0_ + sizeof(hnswlib::labeltype)) : 0;
  }

 private:
  std::unique_ptr<hnswlib::SpaceInterface<float>> space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> index_;
};

}  // namespace

std::unique_ptr<AnnLibrary> MakeHnswlibLibrary() { return std::make_unique<HnswlibLibrary>(); }

}  // namespace ochre::bench
