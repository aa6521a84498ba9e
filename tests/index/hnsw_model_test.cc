// Copyright 2026 The OchreDB Authors.
//
// A model test: random interleavings of inserts (in batches, out of order), deletes and searches
// (with and without allow-lists), with FlatIndex as the model. Every answer must be well formed
// (live, allowed rows, ascending, exactly min(k, allowed live) of them), and close to the model's.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include "index/flat_index.h"
#include "index/hnsw/hnsw_compact.h"
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

// The same model with compactions in between, as the engine runs them: the live rows are copied to
// a new generation of rows (new row i = old row live[i]), the graph is remapped onto them
// (RemapGraph) and the rows the graph had not reached yet are inserted; the model is a FlatIndex
// over the new rows. Rows are appended to the model at once and to the graph later (the engine's
// background indexer), and the graph searches on its quantized copy, as the product's does.
TEST(HnswModelTest, RandomOperationsWithCompactionsAgreeWithTheFlatModel) {
  const uint32_t dim = 12, total = 6000;
  const uint64_t seed = 20261126;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const auto source = testing::ClusteredVectors(total, dim, 12, seed);
  HnswConfig config;
  config.space = Space::kL2;
  config.max_neighbors = 8;
  config.ef_construction = 64;
  config.num_threads = 2;
  const HnswOptions options{.quantized_search = true};

  struct Generation {
    std::unique_ptr<TestRows> rows;  // declared first: destroyed after the indexes over it
    std::unique_ptr<HnswIndex> index;
    std::unique_ptr<FlatIndex> model;
    std::vector<bool> alive;          // per row: appended and not deleted
    std::vector<uint32_t> unindexed;  // appended rows the graph does not hold yet
  };
  Generation gen;
  gen.rows = std::make_unique<TestRows>(dim);
  gen.index = MakeHnswIndex(config, gen.rows->chunks(), options);
  gen.model = std::make_unique<FlatIndex>(Space::kL2, gen.rows->chunks());

  size_t next = 0;
  int compactions = 0, searches = 0;
  double recall_sum = 0;
  auto queries = testing::ClusteredVectors(64, dim, 12, seed + 1);
  for (int step = 0; step < 700; ++step) {
    const int op = int(rng() % 20);
    if (op < 5) {  // append a batch: the model has it at once
      if (next == total) continue;
      const size_t len = std::min<size_t>(1 + rng() % 150, total - next);
      std::vector<uint32_t> batch;
      for (size_t i = 0; i < len; ++i) batch.push_back(gen.rows->Append(source.data() + (next + i) * dim));
      next += len;
      ASSERT_TRUE(gen.model->Insert(batch).ok());
      gen.alive.resize(gen.rows->size(), true);
      gen.unindexed.insert(gen.unindexed.end(), batch.begin(), batch.end());
    } else if (op < 8) {  // the indexer catches up (skipping deleted rows)
      std::vector<uint32_t> batch;
      for (uint32_t r : gen.unindexed) {
        if (gen.alive[r]) batch.push_back(r);
      }
      ASSERT_TRUE(gen.index->Insert(batch).ok());
      gen.unindexed.clear();
    } else if (op < 10) {  // delete some rows
      if (gen.rows->size() == 0) continue;
      for (int i = 0; i < 25; ++i) {
        const uint32_t r = uint32_t(rng() % gen.rows->size());
        if (!gen.alive[r]) continue;
        gen.alive[r] = false;
        gen.model->MarkDeleted(r);
        // A row the graph does not hold yet is skipped when the indexer catches up.
        if (std::find(gen.unindexed.begin(), gen.unindexed.end(), r) == gen.unindexed.end()) {
          gen.index->MarkDeleted(r);
        }
      }
    } else if (op == 10) {  // compact
      std::vector<uint32_t> live;
      for (uint32_t r = 0; r < gen.rows->size(); ++r) {
        if (gen.alive[r]) live.push_back(r);
      }
      Generation nextgen;
      nextgen.rows = std::make_unique<TestRows>(dim);
      for (uint32_t r : live) nextgen.rows->Append(gen.rows->Row(r));
      GraphSnapshot snap = SnapshotGraph(*gen.index, gen.rows->size());
      auto remapped = RemapGraph(snap, live, config, nextgen.rows->chunks(), options);
      ASSERT_TRUE(remapped.ok()) << remapped.status().ToString() << " at step " << step;
      nextgen.index = std::move(remapped->index);
      if (!remapped->missing.empty()) {
        ASSERT_TRUE(nextgen.index->Insert(remapped->missing).ok());
      }
      nextgen.model = std::make_unique<FlatIndex>(Space::kL2, nextgen.rows->chunks());
      std::vector<uint32_t> all(live.size());
      std::iota(all.begin(), all.end(), 0u);
      ASSERT_TRUE(nextgen.model->Insert(all).ok());
      nextgen.alive.assign(live.size(), true);
      gen.index.reset();
      gen.model.reset();
      gen = std::move(nextgen);
      ++compactions;
    } else {  // search: the graph's rows plus an exact scan of the rest, as the engine merges them
      const float* q = queries.data() + (rng() % 64) * dim;
      RowBitmap allow;
      const bool filtered = rng() % 3 == 0;
      if (filtered) {
        const uint32_t every = 1 + uint32_t(rng() % 20);
        for (uint32_t r = uint32_t(rng() % every); r < gen.rows->size(); r += every) allow.Set(r);
      }
      RowBitmap indexed_allow;
      for (uint32_t r = 0; r < gen.rows->size(); ++r) {
        if (!filtered || allow.Test(r)) indexed_allow.Set(r);
      }
      for (uint32_t r : gen.unindexed) {
        if (indexed_allow.Test(r)) indexed_allow.Clear(r);
      }
      RowBitmap tail_allow;
      for (uint32_t r : gen.unindexed) {
        if (!filtered || allow.Test(r)) tail_allow.Set(r);
      }
      auto l2 = [&](const float* a, const float* b) {
        float sum = 0;
        for (uint32_t d = 0; d < dim; ++d) sum += (a[d] - b[d]) * (a[d] - b[d]);
        return sum;
      };
      const size_t k = 1 + rng() % 20;
      SearchParams graph_params{.k = k, .ef = 32 + rng() % 64, .allow = &indexed_allow};
      auto got = gen.index->Search(q, graph_params);
      ASSERT_TRUE(got.ok());
      std::vector<Neighbor> merged = *got;
      if (!gen.unindexed.empty()) {
        auto tail = gen.model->Search(q, SearchParams{.k = k, .allow = &tail_allow});
        ASSERT_TRUE(tail.ok());
        merged.insert(merged.end(), tail->begin(), tail->end());
        std::sort(merged.begin(), merged.end());
        if (merged.size() > k) merged.resize(k);
      }
      auto want = gen.model->Search(q, SearchParams{.k = k, .allow = filtered ? &allow : nullptr});
      ASSERT_TRUE(want.ok());
      ASSERT_EQ(merged.size(), want->size()) << "step " << step;
      std::vector<uint32_t> truth;
      for (const Neighbor& n : *want) truth.push_back(n.row);
      for (const Neighbor& n : merged) {
        ASSERT_TRUE(gen.alive[n.row]) << "a dead row returned at step " << step;
        if (filtered) {
          ASSERT_TRUE(allow.Test(n.row));
        }
        // Distances are exact (the quantized walk is re-ranked): the same as the model's.
        EXPECT_NEAR(n.distance, l2(q, gen.rows->Row(n.row)), 1e-3f);
      }
      recall_sum += testing::Recall(merged, truth);
      ++searches;
    }
  }
  ASSERT_GE(compactions, 10) << "compactions";
  EXPECT_TRUE(gen.index->quantized()) << gen.index->live_count() << " live rows";  // the walk used the copy
  ASSERT_GT(searches, 100);
  RecordProperty("recall", std::to_string(recall_sum / searches));
  EXPECT_GE(recall_sum / searches, 0.97);
}

}  // namespace
}  // namespace ochre::index
