// Copyright 2026 The OchreDB Authors.
#include "index/hnsw/hnsw_index.h"

#include <gtest/gtest.h>

#include <numeric>
#include <random>
#include <vector>

#include "index/flat_index.h"
#include "index_test_util.h"

namespace ochre::index {
namespace {

using testing::TestRows;

std::vector<uint32_t> Iota(uint32_t n) {
  std::vector<uint32_t> v(n);
  std::iota(v.begin(), v.end(), 0u);
  return v;
}

HnswConfig Config(Space space) {
  HnswConfig c;
  c.space = space;
  c.num_threads = 2;
  return c;
}

// Mean recall@k of `index` against exact search by `truth`, over the queries.
double MeanRecall(const VectorIndex& index, const FlatIndex& truth, const std::vector<float>& queries, uint32_t dim,
                  SearchParams params) {
  size_t nq = queries.size() / dim;
  double sum = 0;
  for (size_t i = 0; i < nq; ++i) {
    const float* q = queries.data() + i * dim;
    auto want = truth.Search(q, params);
    auto got = index.Search(q, params);
    EXPECT_TRUE(want.ok() && got.ok());
    std::vector<uint32_t> rows;
    for (const Neighbor& n : *want) rows.push_back(n.row);
    EXPECT_EQ(got->size(), want->size());
    sum += testing::Recall(*got, rows);
  }
  return sum / double(nq);
}

// A clustered set shared by the recall tests (building it is the slow part).
struct Fixture {
  static constexpr uint32_t kDim = 128;
  static constexpr uint32_t kRows = 20000;
  Fixture(Space space)
      : rows(kDim, 12), truth(space, rows.chunks(), 1), queries(testing::ClusteredVectors(200, kDim, 64, 202)) {
    rows.AppendAll(testing::ClusteredVectors(kRows, kDim, 64, 201));
    index = MakeHnswIndex(Config(space), rows.chunks());
    EXPECT_TRUE(index->Insert(Iota(kRows)).ok());
    EXPECT_TRUE(truth.Insert(Iota(kRows)).ok());
  }
  TestRows rows;
  FlatIndex truth;
  std::vector<float> queries;
  std::unique_ptr<HnswIndex> index;
};

class HnswRecallTest : public ::testing::TestWithParam<Space> {};

TEST_P(HnswRecallTest, RecallAt10IsAtLeast099AtDefaults) {
  Fixture f(GetParam());
  EXPECT_EQ(f.index->live_count(), size_t(Fixture::kRows));
  EXPECT_EQ(f.index->node_count(), size_t(Fixture::kRows));
  double recall = MeanRecall(*f.index, f.truth, f.queries, Fixture::kDim, SearchParams{.k = 10, .ef = 100});
  RecordProperty("recall", std::to_string(recall));
  EXPECT_GE(recall, 0.99);
  // The index's default (ef 0): at this size the beam is still ef_search, as fast as before.
  EXPECT_EQ(f.index->DefaultEf(), f.index->ef_search());
  double default_recall = MeanRecall(*f.index, f.truth, f.queries, Fixture::kDim, SearchParams{.k = 10, .ef = 0});
  EXPECT_GE(default_recall, 0.99);
}

INSTANTIATE_TEST_SUITE_P(Spaces, HnswRecallTest, ::testing::Values(Space::kL2, Space::kCosine, Space::kIp));

TEST(HnswFilterTest, FilteredRecallAtEverySelectivity) {
  Fixture f(Space::kL2);
  std::mt19937 rng(77);
  for (double selectivity : {0.001, 0.01, 0.1, 0.5}) {
    RowBitmap allow;
    std::bernoulli_distribution pick(selectivity);
    for (uint32_t r = 0; r < Fixture::kRows; ++r) {
      if (pick(rng)) allow.Set(r);
    }
    SearchParams params{.k = 10, .ef = 100, .allow = &allow};
    double recall = MeanRecall(*f.index, f.truth, f.queries, Fixture::kDim, params);
    EXPECT_GE(recall, 0.99) << "selectivity " << selectivity;
    // The graph path on its own, where the planner would not take it.
    if (selectivity >= 0.1) {
      double graph_recall = 0;
      size_t nq = f.queries.size() / Fixture::kDim;
      for (size_t i = 0; i < nq; ++i) {
        const float* q = f.queries.data() + i * Fixture::kDim;
        auto want = f.truth.Search(q, params);
        auto got = f.index->Search(q, params, HnswIndex::FilterStrategy::kGraph);
        ASSERT_TRUE(want.ok() && got.ok());
        std::vector<uint32_t> rows;
        for (const Neighbor& n : *want) rows.push_back(n.row);
        for (const Neighbor& n : *got) EXPECT_TRUE(allow.Test(n.row));
        graph_recall += testing::Recall(*got, rows);
      }
      EXPECT_GE(graph_recall / double(nq), 0.99) << "graph path, selectivity " << selectivity;
    }
  }
}

TEST(HnswFilterTest, TinyAllowListReturnsAllAllowedRows) {
  const uint32_t dim = 16;
  TestRows rows(dim);
  rows.AppendAll(testing::ClusteredVectors(3000, dim, 10, 5));
  auto index = MakeHnswIndex(Config(Space::kL2), rows.chunks());
  ASSERT_TRUE(index->Insert(Iota(3000)).ok());
  RowBitmap allow;
  for (uint32_t r : {5u, 777u, 2999u}) allow.Set(r);
  index->MarkDeleted(777);
  for (auto strategy :
       {HnswIndex::FilterStrategy::kAuto, HnswIndex::FilterStrategy::kGraph, HnswIndex::FilterStrategy::kExact}) {
    auto got = index->Search(rows.Row(0), SearchParams{.k = 10, .allow = &allow}, strategy);
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 2u);
    std::vector<uint32_t> found = {(*got)[0].row, (*got)[1].row};
    std::sort(found.begin(), found.end());
    EXPECT_EQ(found, (std::vector<uint32_t>{5, 2999}));
  }
}

TEST(HnswIndexTest, DeletedRowsAreNeverReturnedButStillRoute) {
  const uint32_t dim = 32, n = 8000;
  TestRows rows(dim);
  rows.AppendAll(testing::ClusteredVectors(n, dim, 20, 9));
  auto index = MakeHnswIndex(Config(Space::kCosine), rows.chunks());
  FlatIndex truth(Space::kCosine, rows.chunks());
  ASSERT_TRUE(index->Insert(Iota(n)).ok());
  ASSERT_TRUE(truth.Insert(Iota(n)).ok());
  for (uint32_t r = 0; r < n; r += 3) {
    index->MarkDeleted(r);
    truth.MarkDeleted(r);
  }
  EXPECT_EQ(index->live_count(), truth.live_count());
  EXPECT_TRUE(index->IsDeleted(3));
  EXPECT_FALSE(index->IsDeleted(4));
  auto queries = testing::ClusteredVectors(100, dim, 20, 10);
  for (size_t i = 0; i < 100; ++i) {
    auto got = index->Search(queries.data() + i * dim, SearchParams{.k = 10});
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 10u);
    for (const Neighbor& nb : *got) EXPECT_NE(nb.row % 3, 0u) << "deleted row " << nb.row << " returned";
  }
  EXPECT_GE(MeanRecall(*index, truth, queries, dim, SearchParams{.k = 10}), 0.98);
}

TEST(HnswIndexTest, KAboveCountReturnsEveryLiveRow) {
  const uint32_t dim = 8;
  TestRows rows(dim);
  rows.AppendAll(testing::UniformVectors(50, dim, 1));
  auto index = MakeHnswIndex(Config(Space::kL2), rows.chunks());
  ASSERT_TRUE(index->Insert(Iota(50)).ok());
  index->MarkDeleted(7);
  auto got = index->Search(rows.Row(3), SearchParams{.k = 100});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->size(), 49u);
  EXPECT_EQ((*got)[0].row, 3u);
  for (size_t i = 1; i < got->size(); ++i) EXPECT_FALSE((*got)[i] < (*got)[i - 1]);
  // Forced through the graph as well: a small graph is explored entirely.
  auto graph = index->Search(rows.Row(3), SearchParams{.k = 100}, HnswIndex::FilterStrategy::kGraph);
  ASSERT_TRUE(graph.ok());
  EXPECT_EQ(graph->size(), 49u);
}

TEST(HnswIndexTest, EmptyAndEdgeCases) {
  TestRows rows(4);
  auto index = MakeHnswIndex(Config(Space::kIp), rows.chunks());
  float q[4] = {1, 0, 0, 0};
  auto got = index->Search(q, SearchParams{});
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->empty());
  EXPECT_TRUE(index->Search(nullptr, SearchParams{}).status().IsInvalidArgument());
  std::vector<uint32_t> bad = {0};
  EXPECT_TRUE(index->Insert(bad).IsInvalidArgument());
  rows.Append(q);
  ASSERT_TRUE(index->Insert(Iota(1)).ok());
  ASSERT_TRUE(index->Insert(Iota(1)).ok());  // again: skipped
  EXPECT_EQ(index->live_count(), 1u);
  got = index->Search(q, SearchParams{.k = 3});
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_FLOAT_EQ((*got)[0].distance, 0.0f);  // ip: 1 - 1
  got = index->Search(q, SearchParams{.k = 0});
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->empty());
}

TEST(HnswIndexTest, CosineZeroVectorIsAtDistanceOne) {
  const uint32_t dim = 6;
  TestRows rows(dim);
  rows.AppendAll(testing::UniformVectors(200, dim, 12));
  const float zero[dim] = {};
  const uint32_t zero_row = rows.Append(zero);
  auto index = MakeHnswIndex(Config(Space::kCosine), rows.chunks());
  ASSERT_TRUE(index->Insert(Iota(rows.size())).ok());
  RowBitmap only_zero;
  only_zero.Set(zero_row);
  for (auto strategy : {HnswIndex::FilterStrategy::kGraph, HnswIndex::FilterStrategy::kExact}) {
    auto got = index->Search(rows.Row(0), SearchParams{.k = 1, .allow = &only_zero}, strategy);
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), 1u);
    EXPECT_EQ((*got)[0].row, zero_row);
    EXPECT_FLOAT_EQ((*got)[0].distance, 1.0f);
  }
  // A zero query is at distance 1 from every row: k results, all at 1, in row order.
  auto got = index->Search(zero, SearchParams{.k = 5}, HnswIndex::FilterStrategy::kExact);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_FLOAT_EQ((*got)[i].distance, 1.0f);
    EXPECT_EQ((*got)[i].row, i);
  }
}

TEST(HnswIndexTest, IncrementalBatchesAndSingleThreadBuildKeepRecall) {
  const uint32_t dim = 24, n = 6000;
  TestRows rows(dim);
  rows.AppendAll(testing::ClusteredVectors(n, dim, 30, 31));
  HnswConfig config = Config(Space::kL2);
  config.num_threads = 1;
  auto index = MakeHnswIndex(config, rows.chunks());
  FlatIndex truth(Space::kL2, rows.chunks());
  // Rows in a scrambled order and uneven batches, some of one row.
  std::vector<uint32_t> order = Iota(n);
  std::shuffle(order.begin(), order.end(), std::mt19937(4));
  size_t pos = 0, batch = 1;
  while (pos < n) {
    size_t len = std::min<size_t>(batch, n - pos);
    ASSERT_TRUE(index->Insert(std::span<const uint32_t>(order.data() + pos, len)).ok());
    pos += len;
    batch = batch * 3 + 1;
  }
  ASSERT_TRUE(truth.Insert(Iota(n)).ok());
  EXPECT_EQ(index->covered_rows(), n);
  auto queries = testing::ClusteredVectors(100, dim, 30, 32);
  EXPECT_GE(MeanRecall(*index, truth, queries, dim, SearchParams{.k = 10}), 0.99);
}

}  // namespace
}  // namespace ochre::index
