// Copyright 2026 The OchreDB Authors.
//
// The quantized search of HnswIndex (HnswOptions::quantized_search): the SQ8 kernels, the
// quantizer's error, and an index that walks the quantized copy but answers with exact distances.
// Also the ChunkedArray that holds the graph's per-row state.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "index/distance/distance.h"
#include "index/distance/space.h"
#include "index/flat_index.h"
#include "index/hnsw/chunked_array.h"
#include "index/hnsw/hnsw_index.h"
#include "index/hnsw/sq8.h"
#include "index_test_util.h"

namespace ochre::index {
namespace {

using testing::TestRows;

std::vector<uint32_t> Iota(uint32_t begin, uint32_t end) {
  std::vector<uint32_t> v(end - begin);
  std::iota(v.begin(), v.end(), begin);
  return v;
}

TEST(Sq8KernelTest, EveryVersionMatchesADoubleSum) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<float> w(-1.0f, 1.0f);
  std::uniform_int_distribution<int> byte(0, 255);
  for (size_t dim : {1u, 7u, 8u, 15u, 16u, 17u, 31u, 33u, 100u, 384u, 784u}) {
    std::vector<float> weights(dim);
    for (float& x : weights) x = w(rng);
    std::vector<std::vector<uint8_t>> codes(4, std::vector<uint8_t>(dim));
    for (auto& row : codes) {
      for (uint8_t& c : row) c = uint8_t(byte(rng));
    }
    double want[4] = {};
    for (int j = 0; j < 4; ++j) {
      for (size_t i = 0; i < dim; ++i) want[j] += double(weights[i]) * codes[j][i];
    }
    const uint8_t* ptrs[4] = {codes[0].data(), codes[1].data(), codes[2].data(), codes[3].data()};
    for (const DistanceKernels* k : AvailableKernels()) {
      float got4[4];
      k->u8_dot_batch4(weights.data(), ptrs, dim, got4);
      for (int j = 0; j < 4; ++j) {
        const double tol = 1e-4 * (std::abs(want[j]) + 255.0 * double(dim));
        EXPECT_NEAR(k->u8_dot(weights.data(), codes[j].data(), dim), want[j], tol) << k->name << " dim " << dim;
        EXPECT_NEAR(got4[j], want[j], tol) << k->name << " batch dim " << dim;
      }
    }
  }
}

// The decoded value of every dimension is within half a step of the original (inside the range).
TEST(Sq8QuantizerTest, ReconstructionErrorIsHalfAStep) {
  const uint32_t dim = 24;
  auto data = testing::ClusteredVectors(500, dim, 8, 3);
  std::vector<const float*> rows;
  for (size_t i = 0; i < 500; ++i) rows.push_back(data.data() + i * dim);
  Sq8Quantizer q(Space::kL2, dim);
  q.Train(rows, std::vector<float>(rows.size(), 1.0f));
  ASSERT_EQ(q.code_bytes(), dim + sizeof(float));
  std::vector<uint8_t> codes(q.code_bytes());
  for (const float* row : rows) {
    q.Encode(row, 1.0f, codes.data());
    for (uint32_t d = 0; d < dim; ++d) {
      float decoded = q.offsets()[d] + q.steps()[d] * float(codes[d]);
      EXPECT_LE(std::abs(decoded - row[d]), 0.5f * q.steps()[d] * 1.001f + 1e-6f);
    }
  }
  // Out of range saturates instead of wrapping.
  std::vector<float> far(dim, 1e6f), low(dim, -1e6f);
  q.Encode(far.data(), 1.0f, codes.data());
  for (uint32_t d = 0; d < dim; ++d) EXPECT_EQ(codes[d], 255);
  q.Encode(low.data(), 1.0f, codes.data());
  for (uint32_t d = 0; d < dim; ++d) EXPECT_EQ(codes[d], 0);
}

// The walk's approximate distance is close to the exact one in every space.
TEST(Sq8QuantizerTest, ApproximateDistancesTrackExactOnes) {
  const uint32_t dim = 64;
  auto data = testing::ClusteredVectors(400, dim, 8, 4);
  auto queries = testing::ClusteredVectors(10, dim, 8, 5);
  for (Space space : {Space::kL2, Space::kCosine, Space::kIp}) {
    std::vector<const float*> rows;
    std::vector<float> scales;
    for (size_t i = 0; i < 400; ++i) {
      rows.push_back(data.data() + i * dim);
      scales.push_back(space == Space::kCosine ? InverseNorm(rows.back(), dim) : 1.0f);
    }
    Sq8Quantizer quantizer(space, dim);
    quantizer.Train(rows, scales);
    std::vector<uint8_t> codes(quantizer.code_bytes());
    for (size_t qi = 0; qi < 10; ++qi) {
      const float* query = queries.data() + qi * dim;
      Sq8Query sq;
      sq.Prepare(quantizer, query, ActiveKernels());
      double max_err = 0, spread = 0;
      for (size_t i = 0; i < rows.size(); ++i) {
        quantizer.Encode(rows[i], scales[i], codes.data());
        const double exact = testing::ReferenceDistance(space, query, rows[i], dim);
        max_err = std::max(max_err, std::abs(double(sq.To(codes.data())) - exact));
        spread = std::max(spread, std::abs(exact));
      }
      EXPECT_LT(max_err, 0.02 * spread) << "space " << int(space) << " query " << qi;
    }
  }
}

HnswConfig Config(Space space) {
  HnswConfig c;
  c.space = space;
  c.num_threads = 2;
  return c;
}

class HnswSq8Test : public ::testing::TestWithParam<Space> {};

// Quantized or not, the index finds about the same neighbors, and the quantized one reports each
// row's exact distance, in exact order.
TEST_P(HnswSq8Test, RecallAndExactDistances) {
  const Space space = GetParam();
  const uint32_t dim = 96, n = 8000;
  TestRows rows(dim, 10);
  rows.AppendAll(testing::ClusteredVectors(n, dim, 32, 11));
  auto plain = MakeHnswIndex(Config(space), rows.chunks());
  auto quantized = MakeHnswIndex(Config(space), rows.chunks(), HnswOptions{.quantized_search = true});
  ASSERT_TRUE(plain->Insert(Iota(0, n)).ok());
  ASSERT_TRUE(quantized->Insert(Iota(0, n)).ok());
  EXPECT_FALSE(plain->quantized());
  EXPECT_TRUE(quantized->quantized());
  EXPECT_EQ(plain->QuantizedBytes(), 0u);
  EXPECT_GE(quantized->QuantizedBytes(), size_t(n) * dim);
  EXPECT_LT(quantized->QuantizedBytes(), size_t(n + 1024) * (dim + 4) + 4096);
  FlatIndex truth(space, rows.chunks(), 1);
  ASSERT_TRUE(truth.Insert(Iota(0, n)).ok());

  auto queries = testing::ClusteredVectors(100, dim, 32, 12);
  const SearchParams params{.k = 10, .ef = 64};
  double recall_plain = 0, recall_quantized = 0;
  for (size_t i = 0; i < 100; ++i) {
    const float* q = queries.data() + i * dim;
    auto want = truth.Search(q, params);
    auto a = plain->Search(q, params, HnswIndex::FilterStrategy::kGraph);
    auto b = quantized->Search(q, params, HnswIndex::FilterStrategy::kGraph);
    ASSERT_TRUE(want.ok() && a.ok() && b.ok());
    ASSERT_EQ(b->size(), 10u);
    std::vector<uint32_t> want_rows;
    for (const Neighbor& nb : *want) want_rows.push_back(nb.row);
    recall_plain += testing::Recall(*a, want_rows);
    recall_quantized += testing::Recall(*b, want_rows);
    for (size_t j = 0; j < b->size(); ++j) {
      const Neighbor& nb = (*b)[j];
      EXPECT_NEAR(nb.distance, testing::ReferenceDistance(space, q, rows.Row(nb.row), dim),
                  1e-4 * (1.0 + std::abs(nb.distance)));
      if (j > 0) {
        EXPECT_FALSE(nb < (*b)[j - 1]);
      }
    }
  }
  EXPECT_GE(recall_quantized / 100, 0.95);
  EXPECT_GE(recall_quantized / 100, recall_plain / 100 - 0.02);
}

// The engine re-ranks only the best candidates (HnswOptions::rerank), and answers selective filters
// by scanning the quantized copy and re-ranking that: distances stay exact and in order, recall
// stays where re-ranking the whole beam (or scanning the floats) puts it.
TEST_P(HnswSq8Test, ShallowRerankAndQuantizedScanKeepRecallAndExactDistances) {
  const Space space = GetParam();
  const uint32_t dim = 96, n = 8000;
  TestRows rows(dim, 10);
  rows.AppendAll(testing::ClusteredVectors(n, dim, 32, 13));
  auto beam = MakeHnswIndex(Config(space), rows.chunks(), HnswOptions{.quantized_search = true});
  auto shallow = MakeHnswIndex(Config(space), rows.chunks(),
                               HnswOptions{.quantized_search = true, .rerank = HnswOptions::kEngineRerank});
  auto shallowest = MakeHnswIndex(Config(space), rows.chunks(), HnswOptions{.quantized_search = true, .rerank = 1});
  for (auto* index : {beam.get(), shallow.get(), shallowest.get()}) ASSERT_TRUE(index->Insert(Iota(0, n)).ok());
  FlatIndex truth(space, rows.chunks(), 1);
  ASSERT_TRUE(truth.Insert(Iota(0, n)).ok());
  // 1% allowed: the planner scans (the quantized copy) rather than walk the graph.
  RowBitmap allow;
  for (uint32_t r = 5; r < n; r += 100) allow.Set(r);

  auto check_exact_and_sorted = [&](const std::vector<Neighbor>& got, const float* q) {
    for (size_t j = 0; j < got.size(); ++j) {
      EXPECT_NEAR(got[j].distance, testing::ReferenceDistance(space, q, rows.Row(got[j].row), dim),
                  1e-4 * (1.0 + std::abs(got[j].distance)));
      if (j > 0) {
        EXPECT_FALSE(got[j] < got[j - 1]);
      }
    }
  };
  auto queries = testing::ClusteredVectors(100, dim, 32, 14);
  double recall_beam = 0, recall_shallow = 0, recall_shallowest = 0, recall_filtered = 0;
  for (size_t i = 0; i < 100; ++i) {
    const float* q = queries.data() + i * dim;
    const SearchParams params{.k = 10, .ef = 64};
    auto want = truth.Search(q, params);
    auto a = beam->Search(q, params, HnswIndex::FilterStrategy::kGraph);
    auto b = shallow->Search(q, params, HnswIndex::FilterStrategy::kGraph);
    auto c = shallowest->Search(q, params, HnswIndex::FilterStrategy::kGraph);
    ASSERT_TRUE(want.ok() && a.ok() && b.ok() && c.ok());
    ASSERT_EQ(b->size(), 10u);
    ASSERT_EQ(c->size(), 10u);  // at least k are re-ranked, whatever rerank says
    std::vector<uint32_t> want_rows;
    for (const Neighbor& nb : *want) want_rows.push_back(nb.row);
    recall_beam += testing::Recall(*a, want_rows);
    recall_shallow += testing::Recall(*b, want_rows);
    recall_shallowest += testing::Recall(*c, want_rows);
    check_exact_and_sorted(*b, q);
    check_exact_and_sorted(*c, q);

    const SearchParams filtered{.k = 10, .ef = 64, .allow = &allow};
    auto want_f = truth.Search(q, filtered);
    auto got_f = shallow->Search(q, filtered);  // kAuto: the quantized scan
    ASSERT_TRUE(want_f.ok() && got_f.ok());
    ASSERT_EQ(got_f->size(), 10u);
    for (const Neighbor& nb : *got_f) EXPECT_TRUE(allow.Test(nb.row));
    check_exact_and_sorted(*got_f, q);
    std::vector<uint32_t> want_f_rows;
    for (const Neighbor& nb : *want_f) want_f_rows.push_back(nb.row);
    recall_filtered += testing::Recall(*got_f, want_f_rows);
  }
  EXPECT_GE(recall_shallow / 100, recall_beam / 100 - 0.005);
  EXPECT_GE(recall_shallowest / 100, 0.85);
  EXPECT_GE(recall_filtered / 100, 0.995);
  // Fewer allowed rows than k: every one of them, exactly.
  RowBitmap few;
  for (uint32_t r : {3u, 900u, 7777u}) few.Set(r);
  auto got = shallow->Search(queries.data(), SearchParams{.k = 10, .ef = 64, .allow = &few});
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 3u);
  check_exact_and_sorted(*got, queries.data());
}

// Rows the graph does not hold yet (the engine's tail) get their codes from EncodeRows after their
// commit, or from the training, and ScanQuantized answers over them exactly as a float scan does
// (exact distances, the same rows); rows without codes are refused, not guessed.
TEST_P(HnswSq8Test, TailRowsGetCodesAndScanLikeTheFloats) {
  const Space space = GetParam();
  const uint32_t dim = 64, n = 4000;
  TestRows rows(dim, 10);
  rows.AppendAll(testing::ClusteredVectors(n, dim, 16, 41));
  auto index = MakeHnswIndex(Config(space), rows.chunks(), HnswOptions{.quantized_search = true, .rerank = 32});
  // Before training: no codes for anyone.
  ASSERT_TRUE(index->Insert(Iota(0, 500)).ok());
  index->EncodeRows(Iota(500, 800));
  RowBitmap early;
  for (uint32_t r = 500; r < 800; ++r) early.Set(r);
  EXPECT_FALSE(index->HasCodesFor(early));
  EXPECT_FALSE(index->ScanQuantized(rows.Row(0), 10, early).ok());
  // Training (in this Insert) encodes every published row, in the graph or not.
  ASSERT_TRUE(index->Insert(Iota(500, 1100)).ok());
  ASSERT_TRUE(index->quantized());
  RowBitmap tail;
  for (uint32_t r = 1100; r < n; r += 3) tail.Set(r);
  EXPECT_TRUE(index->HasCodesFor(tail));
  // Rows appended after the training: codes from EncodeRows only.
  auto extra = testing::ClusteredVectors(500, dim, 16, 42);
  rows.AppendAll(extra);
  RowBitmap late;
  for (uint32_t r = n; r < n + 500; ++r) late.Set(r);
  EXPECT_FALSE(index->HasCodesFor(late));
  index->EncodeRows(Iota(n, n + 500));
  EXPECT_TRUE(index->HasCodesFor(late));

  FlatIndex truth(space, rows.chunks(), 1);
  ASSERT_TRUE(truth.Insert(Iota(0, n + 500)).ok());
  for (uint32_t r = n; r < n + 500; r += 2) tail.Set(r);
  auto queries = testing::ClusteredVectors(50, dim, 16, 43);
  double recall = 0;
  for (size_t i = 0; i < 50; ++i) {
    const float* q = queries.data() + i * dim;
    auto want = truth.Search(q, SearchParams{.k = 10, .ef = 64, .allow = &tail});
    auto got = index->ScanQuantized(q, 10, tail);
    ASSERT_TRUE(want.ok() && got.ok()) << got.status().ToString();
    ASSERT_EQ(got->size(), 10u);
    std::vector<uint32_t> want_rows;
    for (const Neighbor& nb : *want) want_rows.push_back(nb.row);
    recall += testing::Recall(*got, want_rows);
    for (size_t j = 0; j < got->size(); ++j) {
      const Neighbor& nb = (*got)[j];
      EXPECT_TRUE(tail.Test(nb.row));
      EXPECT_NEAR(nb.distance, testing::ReferenceDistance(space, q, rows.Row(nb.row), dim),
                  1e-4 * (1.0 + std::abs(nb.distance)));
      if (j > 0) {
        EXPECT_FALSE(nb < (*got)[j - 1]);
      }
    }
  }
  EXPECT_GE(recall / 50, 0.99);
  // The graph takes the encoded rows in as they are; each finds itself (at distance 0: not a
  // property of inner product).
  ASSERT_TRUE(index->Insert(Iota(1100, n + 500)).ok());
  if (space == Space::kIp) return;
  for (uint32_t r = 1100; r < n + 500; r += 211) {
    auto got = index->Search(rows.Row(r), SearchParams{.k = 1, .ef = 64}, HnswIndex::FilterStrategy::kGraph);
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 1u);
    EXPECT_NEAR((*got)[0].distance, 0.0f, 1e-4f) << r;
  }
}

INSTANTIATE_TEST_SUITE_P(Spaces, HnswSq8Test, ::testing::Values(Space::kL2, Space::kCosine, Space::kIp));

// Rows added one at a time: exact searches until kQuantizerMinRows, the copy afterwards; rows added
// after training, deletes and filters all behave as without it.
TEST(HnswSq8IncrementalTest, TrainsOnceEnoughRowsAndKeepsServing) {
  const uint32_t dim = 32, n = 3000;
  TestRows rows(dim);
  rows.AppendAll(testing::ClusteredVectors(n, dim, 16, 21));
  auto index = MakeHnswIndex(Config(Space::kCosine), rows.chunks(), HnswOptions{.quantized_search = true});
  for (uint32_t r = 0; r < n; ++r) {
    ASSERT_TRUE(index->Insert(Iota(r, r + 1)).ok());
    EXPECT_EQ(index->quantized(), r + 1 >= HnswIndex::kQuantizerMinRows) << r;
    if (r == HnswIndex::kQuantizerMinRows - 2 || r == HnswIndex::kQuantizerMinRows + 5 || r == n - 1) {
      // Every inserted row finds itself, before and after training.
      for (uint32_t probe = 0; probe <= r; probe += 97) {
        auto got = index->Search(rows.Row(probe), SearchParams{.k = 1, .ef = 32});
        ASSERT_TRUE(got.ok());
        ASSERT_EQ(got->size(), 1u);
        EXPECT_NEAR((*got)[0].distance, 0.0f, 1e-5f);
      }
    }
  }
  for (uint32_t r = 0; r < n; r += 3) index->MarkDeleted(r);
  RowBitmap allow;
  for (uint32_t r = 0; r < n; r += 2) allow.Set(r);
  auto queries = testing::ClusteredVectors(20, dim, 16, 22);
  for (size_t i = 0; i < 20; ++i) {
    auto got = index->Search(queries.data() + i * dim, SearchParams{.k = 10, .ef = 64, .allow = &allow},
                             HnswIndex::FilterStrategy::kGraph);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->size(), 10u);
    for (const Neighbor& nb : *got) {
      EXPECT_TRUE(allow.Test(nb.row));
      EXPECT_FALSE(index->IsDeleted(nb.row));
    }
  }
}

// The copy is not in the graph file: LoadGraph rebuilds it, and the loaded index answers as the
// saved one did.
TEST(HnswSq8PersistTest, LoadRebuildsTheCopy) {
  const uint32_t dim = 48, n = 4000;
  TestRows rows(dim);
  rows.AppendAll(testing::ClusteredVectors(n, dim, 16, 31));
  const HnswConfig config = Config(Space::kL2);
  const HnswOptions options{.quantized_search = true};
  auto index = MakeHnswIndex(config, rows.chunks(), options);
  ASSERT_TRUE(index->Insert(Iota(0, n)).ok());
  std::string bytes;
  ASSERT_TRUE(SaveGraph(*index, &bytes).ok());
  auto loaded = LoadGraph(config, rows.chunks(), bytes, options);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE((*loaded)->quantized());
  auto plain = LoadGraph(config, rows.chunks(), bytes);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE((*plain)->quantized());
  auto queries = testing::ClusteredVectors(30, dim, 16, 32);
  for (size_t i = 0; i < 30; ++i) {
    const float* q = queries.data() + i * dim;
    auto a = index->Search(q, SearchParams{.k = 10, .ef = 50});
    auto b = (*loaded)->Search(q, SearchParams{.k = 10, .ef = 50});
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), b->size());
    for (size_t j = 0; j < a->size(); ++j) EXPECT_EQ((*a)[j].row, (*b)[j].row);
  }
}

// With defer_quantizer (the engine's choice) LoadGraph does not read the vectors for the copy:
// searches walk the float rows until TrainQuantizerIfNeeded, and answer the same after it.
TEST(HnswSq8PersistTest, DeferredCopyIsTrainedOnRequest) {
  const uint32_t dim = 48, n = 4000;
  TestRows rows(dim);
  rows.AppendAll(testing::ClusteredVectors(n, dim, 16, 33));
  const HnswConfig config = Config(Space::kCosine);
  auto index = MakeHnswIndex(config, rows.chunks(), HnswOptions{.quantized_search = true});
  ASSERT_TRUE(index->Insert(Iota(0, n)).ok());
  std::string bytes;
  ASSERT_TRUE(SaveGraph(*index, &bytes).ok());
  auto loaded = LoadGraph(config, rows.chunks(), bytes, HnswOptions{.quantized_search = true, .defer_quantizer = true});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  HnswIndex& deferred = **loaded;
  EXPECT_FALSE(deferred.quantized());
  EXPECT_TRUE(deferred.QuantizerPending());
  EXPECT_EQ(deferred.QuantizedBytes() > 0, false);
  auto queries = testing::ClusteredVectors(30, dim, 16, 34);
  std::vector<std::vector<Neighbor>> before;
  for (size_t i = 0; i < 30; ++i) {
    auto r = deferred.Search(queries.data() + i * dim, SearchParams{.k = 10, .ef = 50});
    ASSERT_TRUE(r.ok());
    before.push_back(*r);
  }
  deferred.TrainQuantizerIfNeeded();
  EXPECT_TRUE(deferred.quantized());
  EXPECT_FALSE(deferred.QuantizerPending());
  deferred.TrainQuantizerIfNeeded();  // a second call changes nothing
  size_t same = 0, total = 0;
  for (size_t i = 0; i < 30; ++i) {
    auto after = deferred.Search(queries.data() + i * dim, SearchParams{.k = 10, .ef = 50});
    auto saved = index->Search(queries.data() + i * dim, SearchParams{.k = 10, .ef = 50});
    ASSERT_TRUE(after.ok() && saved.ok());
    ASSERT_EQ(after->size(), saved->size());
    for (size_t j = 0; j < after->size(); ++j) EXPECT_EQ((*after)[j].row, (*saved)[j].row);
    // The float walk before training finds (nearly) the same neighbors.
    for (const auto& nb : before[i]) {
      for (const auto& m : *after) same += nb.row == m.row;
    }
    total += before[i].size();
  }
  EXPECT_GE(double(same) / double(total), 0.95);
}

TEST(ChunkedArrayTest, GrowsByChunksWithoutMovingElements) {
  ChunkedArray<std::atomic<uint32_t>> a(3, 4);  // chunks of 16 indices of 3 words
  EXPECT_EQ(a.capacity(), 0u);
  a.Reserve(1);
  EXPECT_EQ(a.capacity(), 16u);
  std::atomic<uint32_t>* first = a.At(5);
  first[2].store(7);
  a.Reserve(1000);  // several directory growths
  EXPECT_EQ(a.capacity(), 1008u);
  EXPECT_EQ(a.At(5), first);
  EXPECT_EQ(a.At(5)[2].load(), 7u);
  for (uint64_t i = 0; i < a.capacity(); ++i) {
    for (int w = 0; w < 3; ++w) {
      if (i != 5 || w != 2) {
        ASSERT_EQ(a.At(i)[w].load(), 0u) << i;
      }
    }
  }
  EXPECT_EQ(a.At(17), a.At(16) + 3);
  // The memory follows the rows: one chunk of slack at most, plus the directories.
  EXPECT_LT(a.MemoryBytes(), (1000 + 16) * 3 * sizeof(uint32_t) + 1024);
}

}  // namespace
}  // namespace ochre::index
