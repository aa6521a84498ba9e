// Copyright 2026 The OchreDB Authors.
//
// The pieces of ochre_index_bench: data sets, a common face for the three HNSW implementations
// (ours, hnswlib, FAISS), and timing helpers.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/row_bitmap.h"
#include "common/row_chunks.h"

namespace ochre::bench {

enum class Metric { kL2, kCosine };

struct Dataset {
  std::string name;
  Metric metric = Metric::kL2;
  uint32_t dim = 0;
  std::vector<float> base;     // n x dim
  std::vector<float> queries;  // nq x dim
  size_t n() const { return dim ? base.size() / dim : 0; }
  size_t nq() const { return dim ? queries.size() / dim : 0; }
};

// Clusters on the unit sphere with a decaying spectrum (a low intrinsic dimension, like real
// embeddings), for the cosine space. Seeded: the same arguments give the same data.
Dataset SyntheticSphere(size_t n, size_t nq, uint32_t dim, uint64_t seed);

// Fashion-MNIST (60k train images as the base, the 10k test images as queries), 784 floats of
// 0..255, L2. From `dir`/{train,t10k}-images-idx3-ubyte.gz. Empty name on failure (message in *error).
Dataset FashionMnist(const std::string& dir, size_t max_n, size_t max_nq, std::string* error);

// Exact k nearest neighbors of every query (rows of the base), computed by our flat scan and
// re-ranked in double precision, cached in `cache_dir` under a name derived from the data.
std::vector<std::vector<uint32_t>> GroundTruth(const Dataset& d, size_t k, const std::string& cache_dir);

// RowChunks whose chunks point into `data` (n x dim, contiguous; must outlive the result).
std::unique_ptr<RowChunks> WrapRows(const std::vector<float>& data, uint32_t dim);

// One HNSW implementation under test.
class AnnLibrary {
 public:
  virtual ~AnnLibrary() = default;
  virtual std::string name() const = 0;
  // Builds over all of d.base with `threads` threads.
  virtual void Build(const Dataset& d, int m, int ef_construction, int threads) = 0;
  virtual void SetEf(int ef) = 0;
  // Searches queries [begin, end) of d with k, writing k rows per query into out (row-major);
  // runs on the calling thread only.
  virtual void SearchRange(const Dataset& d, size_t begin, size_t end, size_t k, uint32_t* out) = 0;
  // The k nearest among the rows set in `allow` (a filtered query), for query q; false when the
  // library cannot filter.
  virtual bool SearchFiltered(const Dataset& d, size_t q, size_t k, const RowBitmap& allow, uint32_t* out) {
    return false;
  }
  // The built index to / from a file (--index-cache, to profile queries without rebuilding);
  // false when the library does not support it or the file is missing or unreadable.
  virtual bool SaveIndex(const std::string& path) { return false; }
  virtual bool LoadIndex(const Dataset& d, int m, int ef_construction, const std::string& path) { return false; }
  virtual size_t MemoryBytes() const { return 0; }
  // Persistence figures (graph file size, save and load time), empty when not measured.
  virtual std::string PersistStats() { return ""; }
};

// `quantized`: our index with HnswOptions::quantized_search (an SQ8 copy walked, then `rerank` of
// the best candidates re-ranked exactly; 0 = the whole beam). `name` is what the tables print.
std::unique_ptr<AnnLibrary> MakeOchreLibrary(bool quantized, size_t rerank, const std::string& name);
std::unique_ptr<AnnLibrary> MakeHnswlibLibrary();  // null when built without hnswlib
std::unique_ptr<AnnLibrary> MakeFaissLibrary();    // null when built without FAISS

inline double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace ochre::bench
