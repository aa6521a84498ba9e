// Copyright 2026 The OchreDB Authors.
//
// FAISS IndexHNSWFlat (the Debian libfaiss) behind the bench's AnnLibrary face. Cosine is inner
// product on the unit-length vectors. FAISS threads with OpenMP; the bench sets the thread count.
#include <faiss/IndexHNSW.h>
#include <omp.h>

#include "bench_common.h"

namespace ochre::bench {
namespace {

class FaissLibrary final : public AnnLibrary {
 public:
  std::string name() const override { return "faiss"; }

  void Build(const Dataset& d, int m, int ef_construction, int threads) override {
    faiss::MetricType metric = d.metric == Metric::kCosine ? faiss::METRIC_INNER_PRODUCT : faiss::METRIC_L2;
    index_ = std::make_unique<faiss::IndexHNSWFlat>(int(d.dim), m, metric);
    index_->hnsw.efConstruction = ef_construction;
    omp_set_num_threads(threads);
    index_->add(faiss::Index::idx_t(d.n()), d.base.data());
  }

  // Set on the index itself: this FAISS version ignores SearchParametersHNSW::efSearch.
  void SetEf(int ef) override { index_->hnsw.efSearch = ef; }

  void SearchRange(const Dataset& d, size_t begin, size_t end, size_t k, uint32_t* out) override {
    // One query at a time on this thread (OpenMP would otherwise spread a batch over cores).
    omp_set_num_threads(1);
    std::vector<float> dist(k);
    std::vector<faiss::Index::idx_t> labels(k);
    for (size_t q = begin; q < end; ++q) {
      index_->search(1, d.queries.data() + q * d.dim, faiss::Index::idx_t(k), dist.data(), labels.data());
      for (size_t j = 0; j < k; ++j) out[q * k + j] = labels[j] < 0 ? 0xFFFFFFFFu : uint32_t(labels[j]);
    }
  }

 private:
  std::unique_ptr<faiss::IndexHNSWFlat> index_;
};

}  // namespace

std::unique_ptr<AnnLibrary> MakeFaissLibrary() { return std::make_unique<FaissLibrary>(); }

}  // namespace ochre::bench
