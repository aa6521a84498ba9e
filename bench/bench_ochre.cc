// Copyright 2026 The OchreDB Authors.
//
// Our HnswIndex behind the bench's AnnLibrary face.
#include <numeric>

#include "bench_common.h"
#include "index/hnsw/hnsw_index.h"

namespace ochre::bench {
namespace {

class OchreLibrary final : public AnnLibrary {
 public:
  std::string name() const override { return "ochre"; }

  void Build(const Dataset& d, int m, int ef_construction, int threads) override {
    rows_ = WrapRows(d.base, d.dim);
    HnswConfig config;
    config.space = d.metric == Metric::kCosine ? Space::kCosine : Space::kL2;
    config.max_neighbors = m;
    config.ef_construction = ef_construction;
    config.num_threads = threads;
    index_ = index::MakeHnswIndex(config, rows_.get());
    std::vector<uint32_t> all(d.n());
    std::iota(all.begin(), all.end(), 0u);
    (void)index_->Insert(all);
  }

  void SetEf(int ef) override { ef_ = size_t(ef); }

  void SearchRange(const Dataset& d, size_t begin, size_t end, size_t k, uint32_t* out) override {
    index::SearchParams params{.k = k, .ef = ef_};
    for (size_t q = begin; q < end; ++q) {
      // The graph path always: the planner would scan small sets exactly, which is not what is measured.
      auto got = index_->Search(d.queries.data() + q * d.dim, params, index::HnswIndex::FilterStrategy::kGraph);
      uint32_t* row = out + q * k;
      for (size_t j = 0; j < k; ++j) row[j] = j < got->size() ? (*got)[j].row : 0xFFFFFFFFu;
    }
  }

  size_t MemoryBytes() const override { return index_ ? index_->MemoryBytes() : 0; }

 private:
  std::unique_ptr<RowChunks> rows_;
  std::unique_ptr<index::HnswIndex> index_;
  size_t ef_ = 100;
};

}  // namespace

std::unique_ptr<AnnLibrary> MakeOchreLibrary() { return std::make_unique<OchreLibrary>(); }

}  // namespace ochre::bench
