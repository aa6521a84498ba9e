// Copyright 2026 The OchreDB Authors.
//
// The default beam width (index/hnsw/adaptive_ef.h): ef_search on small graphs, wider as the graph
// grows, never narrower; an explicit SearchParams.ef is used as given.
#include "index/hnsw/adaptive_ef.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "index/hnsw/hnsw_index.h"
#include "index_test_util.h"

namespace ochre::index {
namespace {

TEST(AdaptiveEfTest, SmallGraphsKeepTheBase) {
  for (size_t n : {0, 1, 1000, 10000, 50000}) EXPECT_EQ(AdaptiveEf(n, 100), 100u) << n;
  EXPECT_EQ(AdaptiveEf(10000, 37), 37u);
}

TEST(AdaptiveEfTest, GrowsWithTheGraphAndNeverShrinks) {
  size_t prev = 0;
  for (size_t n = 1000; n <= size_t{64} << 20; n = n * 5 / 4) {
    const size_t ef = AdaptiveEf(n, 100);
    EXPECT_GE(ef, 100u);
    EXPECT_GE(ef, prev) << n;
    prev = ef;
  }
  EXPECT_GT(AdaptiveEf(1000000, 100), AdaptiveEf(100000, 100));
  EXPECT_GT(AdaptiveEf(2000000, 100), AdaptiveEf(1000000, 100));
  // A larger base gives a beam at least as wide.
  EXPECT_GE(AdaptiveEf(1000000, 400), 400u);
  EXPECT_GE(AdaptiveEf(1000000, 400), AdaptiveEf(1000000, 100));
}

TEST(AdaptiveEfTest, IndexDefaultFollowsItsSizeAndBase) {
  const uint32_t dim = 8;
  testing::TestRows rows(dim);
  rows.AppendAll(testing::ClusteredVectors(2000, dim, 8, 3));
  HnswConfig config;
  config.num_threads = 1;
  auto index = MakeHnswIndex(config, rows.chunks());
  EXPECT_EQ(index->DefaultEf(), AdaptiveEf(0, 100));
  std::vector<uint32_t> all(2000);
  std::iota(all.begin(), all.end(), 0u);
  ASSERT_TRUE(index->Insert(all).ok());
  EXPECT_EQ(index->DefaultEf(), AdaptiveEf(2000, 100));
  index->set_ef_search(150);
  EXPECT_EQ(index->DefaultEf(), AdaptiveEf(2000, 150));
  // Either way a search answers k rows (ef is raised to at least k).
  auto got = index->Search(rows.Row(5), SearchParams{.k = 200, .ef = 0});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->size(), 200u);
  got = index->Search(rows.Row(5), SearchParams{.k = 10, .ef = 3});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->size(), 10u);
}

}  // namespace
}  // namespace ochre::index
