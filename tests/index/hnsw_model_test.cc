// Copyright 2026 The OchreDB Authors.
//
// A model test: random interleavings of inserts (in batches, out of order), deletes and searches
// (with and without allow-lists), with FlatIndex as the model. Every answer must be well formed
// (live, allowed rows, ascending, exactly min(k, allowed live) of them), and close to the model's.
#include <gtest/gtest.h>

#include <numeric>
#include <random>
#include <vector>

#include "index/flat_index.h"
#include "index/hnsw/hnsw_index.h"
#include "index_test_util.h"

namespace ochre::index {
namespace {

using testing::TestRows;

TEST(HnswModelTest, RandomOperationsAgreeWithTheFlatModel) {
  const uint32_t dim = 12, total = 4000;
  const uint64_t seed = 20261125;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  TestRows rows(dim);
  rows.AppendAll(testing::ClusteredVectors(total, dim, 12, seed));
  HnswConfig config;
  config.space = Space::kCosine;
  config.max_neighbors = 8;
  config.ef_construction = 64;
  config.num_threads = 2;
  auto index = MakeHnswIndex(config, rows.chunks());
  FlatIndex model(Space::kCosine, rows.chunks());

  std::vector<uint32_t> order(total);
  std::iota(order.begin(), order.end(), 0u);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<uint32_t> inserted;
  size_t next = 0;
  double recall_sum = 0;
  int searches = 0;
  auto queries = testing::ClusteredVectors(64, dim, 12, seed + 1);
  for (int step = 0; step < 400; ++step) {
    int op = int(rng() % 10);
    if (op < 3 && next < total) {
      size_t len = std::min<size_t>(1 + rng() % 200, total - next);
      std::span<const uint32_t> batch(order.data() + next, len);
      ASSERT_TRUE(index->Insert(batch).ok());
      ASSERT_TRUE(model.Insert(batch).ok());
      inserted.insert(inserted.end(), batch.begin(), batch.end());
      next += len;
    } else if (op < 5 && !inserted.empty()) {
      for (int i = 0; i < 10; ++i) {
        uint32_t r = inserted[rng() % inserted.size()];
        index->MarkDeleted(r);
        model.MarkDeleted(r);
      }
    } else {
      ASSERT_EQ(index->live_count(), model.live_count());
      const float* q = queries.data() + (rng() % 64) * dim;
      RowBitmap allow;
      bool filtered = rng() % 2 == 0;
      if (filtered) {
        uint32_t every = 1 + uint32_t(rng() % 50);
        for (uint32_t r = uint32_t(rng() % every); r < total; r += every) allow.Set(r);
      }
      SearchParams params{.k = 1 + rng() % 30, .ef = 16 + rng() % 64, .allow = filtered ? &allow : nullptr};
      auto got = index->Search(q, params);
      auto want = model.Search(q, params);
      ASSERT_TRUE(got.ok() && want.ok());
      ASSERT_EQ(got->size(), want->size()) << "step " << step;
      std::vector<uint32_t> truth;
      for (const Neighbor& n : *want) truth.push_back(n.row);
      for (size_t i = 0; i < got->size(); ++i) {
        const Neighbor& n = (*got)[i];
        ASSERT_FALSE(index->IsDeleted(n.row));
        if (filtered) {
          ASSERT_TRUE(allow.Test(n.row));
        }
        if (i > 0) {
          ASSERT_FALSE(n < (*got)[i - 1]);
        }
      }
      recall_sum += testing::Recall(*got, truth);
      ++searches;
    }
  }
  ASSERT_GT(searches, 50);
  RecordProperty("recall", std::to_string(recall_sum / searches));
  EXPECT_GE(recall_sum / searches, 0.97);
}

}  // namespace
}  // namespace ochre::index
