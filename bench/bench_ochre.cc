// Copyright 2026 The OchreDB Authors.
//
// Our HnswIndex behind the bench's AnnLibrary face.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <numeric>

#include "bench_common.h"
#include "index/hnsw/hnsw_index.h"

namespace ochre::bench {
namespace {

class OchreLibrary final : public AnnLibrary {
 public:
  OchreLibrary(bool quantized, size_t rerank, std::string name) : name_(std::move(name)) {
    options_.quantized_search = quantized;
    options_.rerank = rerank;
  }
  std::string name() const override { return name_; }

  void Build(const Dataset& d, int m, int ef_construction, int threads) override {
    rows_ = WrapRows(d.base, d.dim);
    HnswConfig& config = config_;
    config.space = d.metric == Metric::kCosine ? Space::kCosine : Space::kL2;
    config.max_neighbors = m;
    config.ef_construction = ef_construction;
    config.num_threads = threads;
    index_ = index::MakeHnswIndex(config, rows_.get(), options_);
    std::vector<uint32_t> all(d.n());
    std::iota(all.begin(), all.end(), 0u);
    (void)index_->Insert(all);
  }

  bool SaveIndex(const std::string& path) override {
    std::string bytes;
    if (!index::SaveGraph(*index_, &bytes).ok()) return false;
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    return bool(out);
  }

  bool LoadIndex(const Dataset& d, int m, int ef_construction, const std::string& path) override {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    rows_ = WrapRows(d.base, d.dim);
    config_.space = d.metric == Metric::kCosine ? Space::kCosine : Space::kL2;
    config_.max_neighbors = m;
    config_.ef_construction = ef_construction;
    auto loaded = index::LoadGraph(config_, rows_.get(), bytes, options_);
    if (!loaded.ok()) return false;
    index_ = std::move(*loaded);
    return true;
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

  bool SearchFiltered(const Dataset& d, size_t q, size_t k, const RowBitmap& allow, uint32_t* out) override {
    // As the product answers a filtered query: the planner picks graph or exact scan by cost.
    auto got = index_->Search(d.queries.data() + q * d.dim, index::SearchParams{.k = k, .ef = ef_, .allow = &allow});
    for (size_t j = 0; j < k; ++j) out[j] = j < got->size() ? (*got)[j].row : 0xFFFFFFFFu;
    return true;
  }

  size_t MemoryBytes() const override { return index_ ? index_->MemoryBytes() : 0; }

  std::string PersistStats() override {
    std::string bytes;
    auto t0 = std::chrono::steady_clock::now();
    (void)index::SaveGraph(*index_, &bytes);
    double save_ms = Seconds(t0) * 1e3;
    t0 = std::chrono::steady_clock::now();
    auto loaded = index::LoadGraph(config_, rows_.get(), bytes);
    double load_ms = Seconds(t0) * 1e3;
    char line[256];
    std::snprintf(line, sizeof(line), "graph file %.1f MB, SaveGraph %.0f ms, LoadGraph %.0f ms (%s)",
                  double(bytes.size()) / 1e6, save_ms, load_ms, loaded.ok() ? "ok" : "FAILED");
    return line;
  }

 private:
  std::unique_ptr<RowChunks> rows_;
  std::unique_ptr<index::HnswIndex> index_;
  HnswConfig config_;
  index::HnswOptions options_;
  std::string name_;
  size_t ef_ = 100;
};

}  // namespace

std::unique_ptr<AnnLibrary> MakeOchreLibrary(bool quantized, size_t rerank, const std::string& name) {
  return std::make_unique<OchreLibrary>(quantized, rerank, name);
}

}  // namespace ochre::bench
