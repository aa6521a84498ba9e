// Copyright 2026 The OchreDB Authors.
//
// Data sets and exact ground truth for ochre_index_bench.
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <random>

#include "bench_common.h"
#include "common/crc32c.h"
#include "index/flat_index.h"

namespace ochre::bench {
namespace {

// idx files store big-endian u32 headers.
bool ReadBigEndian32(gzFile f, uint32_t* v) {
  unsigned char b[4];
  if (gzread(f, b, 4) != 4) return false;
  *v = (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | b[3];
  return true;
}

bool ReadIdxImages(const std::string& path, size_t max_rows, std::vector<float>* out, uint32_t* dim,
                   std::string* error) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    *error = "cannot open " + path;
    return false;
  }
  uint32_t magic = 0, n = 0, rows = 0, cols = 0;
  bool ok = ReadBigEndian32(f, &magic) && ReadBigEndian32(f, &n) && ReadBigEndian32(f, &rows) &&
            ReadBigEndian32(f, &cols) && magic == 0x00000803;
  if (!ok) {
    *error = path + ": not an idx3 image file";
    gzclose(f);
    return false;
  }
  *dim = rows * cols;
  size_t take = std::min<size_t>(n, max_rows);
  std::vector<unsigned char> bytes(take * *dim);
  if (gzread(f, bytes.data(), unsigned(bytes.size())) != int(bytes.size())) {
    *error = path + ": truncated";
    gzclose(f);
    return false;
  }
  gzclose(f);
  out->assign(bytes.begin(), bytes.end());
  return true;
}

}  // namespace

std::unique_ptr<RowChunks> WrapRows(const std::vector<float>& data, uint32_t dim) {
  auto rows = std::make_unique<RowChunks>(dim, RowChunks::ChunkShiftFor(dim));
  size_t n = data.size() / dim;
  size_t per = rows->rows_per_chunk();
  for (size_t c = 0; c * per < n; ++c) rows->SetChunk(uint32_t(c), data.data() + c * per * dim);
  rows->PublishRows(uint32_t(n));
  return rows;
}

Dataset SyntheticSphere(size_t n, size_t nq, uint32_t dim, uint64_t seed) {
  Dataset d;
  d.name = "synthetic-sphere";
  d.metric = Metric::kCosine;
  d.dim = dim;
  const size_t clusters = std::max<size_t>(16, n / 1000);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> spectrum(dim);
  for (uint32_t i = 0; i < dim; ++i) spectrum[i] = std::pow(1.0f + float(i), -0.25f);
  std::mt19937_64 rng(seed);
  std::vector<float> centers(clusters * dim);
  for (size_t c = 0; c < clusters; ++c) {
    for (uint32_t i = 0; i < dim; ++i) centers[c * dim + i] = g(rng) * spectrum[i];
  }
  auto draw = [&](size_t count, std::vector<float>* out) {
    std::uniform_int_distribution<size_t> pick(0, clusters - 1);
    out->resize(count * dim);
    for (size_t r = 0; r < count; ++r) {
      float* v = out->data() + r * dim;
      size_t c = pick(rng);
      double norm = 0;
      for (uint32_t i = 0; i < dim; ++i) {
        v[i] = centers[c * dim + i] + 1.4f * spectrum[i] * g(rng);
        norm += double(v[i]) * v[i];
      }
      float inv = float(1.0 / std::sqrt(norm));
      for (uint32_t i = 0; i < dim; ++i) v[i] *= inv;
    }
  };
  draw(n, &d.base);
  draw(nq, &d.queries);
  return d;
}

Dataset FashionMnist(const std::string& dir, size_t max_n, size_t max_nq, std::string* error) {
  Dataset d;
  uint32_t dim = 0, qdim = 0;
  if (!ReadIdxImages(dir + "/train-images-idx3-ubyte.gz", max_n, &d.base, &dim, error) ||
      !ReadIdxImages(dir + "/t10k-images-idx3-ubyte.gz", max_nq, &d.queries, &qdim, error)) {
    return Dataset();
  }
  d.name = "fashion-mnist";
  d.metric = Metric::kL2;
  d.dim = dim;
  return d;
}

std::vector<std::vector<uint32_t>> GroundTruth(const Dataset& d, size_t k, const std::string& cache_dir) {
  uint32_t crc = crc32c::Value(d.base.data(), d.base.size() * sizeof(float));
  crc = crc32c::Extend(crc, d.queries.data(), d.queries.size() * sizeof(float));
  char name[256];
  std::snprintf(name, sizeof(name), "gt_%s_%zu_%zu_%u_k%zu_%08x.bin", d.name.c_str(), d.n(), d.nq(), d.dim, k, crc);
  std::string path = cache_dir + "/" + name;
  std::vector<std::vector<uint32_t>> gt(d.nq(), std::vector<uint32_t>(k));
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    bool ok = true;
    for (auto& row : gt) ok = ok && std::fread(row.data(), sizeof(uint32_t), k, f) == k;
    std::fclose(f);
    if (ok) return gt;
  }
  // Our flat scan finds 10k candidates in float; re-ranking them in double fixes the order of
  // near ties (Fashion-MNIST distances exceed float's exact integer range).
  auto rows = WrapRows(d.base, d.dim);
  Space space = d.metric == Metric::kCosine ? Space::kCosine : Space::kL2;
  index::FlatIndex flat(space, rows.get());
  std::vector<uint32_t> all(d.n());
  std::iota(all.begin(), all.end(), 0u);
  (void)flat.Insert(all);
  const size_t pool = std::min(d.n(), 10 * k + 50);
  for (size_t q = 0; q < d.nq(); ++q) {
    const float* query = d.queries.data() + q * d.dim;
    auto cand = flat.Search(query, index::SearchParams{.k = pool});
    std::vector<std::pair<double, uint32_t>> exact;
    for (const auto& c : *cand) {
      const float* v = d.base.data() + size_t(c.row) * d.dim;
      double s = 0, dot = 0, nq2 = 0, nv2 = 0;
      for (uint32_t i = 0; i < d.dim; ++i) {
        double a = query[i], b = v[i];
        s += (a - b) * (a - b);
        dot += a * b;
        nq2 += a * a;
        nv2 += b * b;
      }
      double dist = space == Space::kL2 ? s : 1.0 - dot / std::sqrt(nq2 * nv2);
      exact.emplace_back(dist, c.row);
    }
    std::sort(exact.begin(), exact.end());
    for (size_t j = 0; j < k && j < exact.size(); ++j) gt[q][j] = exact[j].second;
  }
  std::filesystem::create_directories(cache_dir);
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    for (auto& row : gt) std::fwrite(row.data(), sizeof(uint32_t), k, f);
    std::fclose(f);
  }
  return gt;
}

}  // namespace ochre::bench
