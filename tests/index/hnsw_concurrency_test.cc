// Copyright 2026 The OchreDB Authors.
//
// Readers search while one writer inserts and deletes. Meant to run under TSan as well
// (-DOCHRE_SANITIZE=thread): it checks that results are well formed, not how fast anything is.
#include <gtest/gtest.h>

#include <atomic>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "index/flat_index.h"
#include "index/hnsw/hnsw_index.h"
#include "index_test_util.h"

namespace ochre::index {
namespace {

using testing::TestRows;

void CheckWellFormed(const std::vector<Neighbor>& got, size_t k, uint32_t max_row) {
  ASSERT_LE(got.size(), k);
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_LT(got[i].row, max_row);
    if (i > 0) {
      ASSERT_FALSE(got[i] < got[i - 1]);
      ASSERT_NE(got[i].row, got[i - 1].row);
    }
  }
}

// `after_batch` runs on the writer thread after each batch (a checkpoint, say).
template <typename Index, typename AfterBatch>
void ReadersWithOneWriter(Index* index, TestRows* rows, uint32_t total, uint32_t dim, AfterBatch after_batch) {
  const uint32_t first = 500;
  std::vector<uint32_t> initial(first);
  std::iota(initial.begin(), initial.end(), 0u);
  ASSERT_TRUE(index->Insert(initial).ok());

  std::atomic<bool> done{false};
  std::atomic<uint32_t> published{first};
  auto queries = testing::ClusteredVectors(64, dim, 8, 2);
  std::vector<std::thread> readers;
  std::atomic<size_t> searches{0};
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t]() {
      RowBitmap allow;
      for (uint32_t r = t; r < total; r += 5) allow.Set(r);
      size_t i = 0;
      while (!done.load(std::memory_order_acquire)) {
        const float* q = queries.data() + (i % 64) * dim;
        SearchParams p{.k = 10, .ef = 32, .allow = (i % 3 == 0) ? &allow : nullptr};
        auto got = index->Search(q, p);
        ASSERT_TRUE(got.ok());
        CheckWellFormed(*got, 10, total);
        if (p.allow != nullptr) {
          for (const Neighbor& n : *got) ASSERT_TRUE(allow.Test(n.row));
        }
        ++i;
        searches.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  // The writer starts once the readers run, so that the two really overlap.
  while (searches.load() < 3) std::this_thread::yield();
  // The writer: batches of rows, some deletes between them.
  for (uint32_t begin = first; begin < total; begin += 250) {
    std::vector<uint32_t> batch(std::min(250u, total - begin));
    std::iota(batch.begin(), batch.end(), begin);
    ASSERT_TRUE(index->Insert(batch).ok());
    for (uint32_t r = begin; r < begin + batch.size(); r += 17) index->MarkDeleted(r);
    published.store(begin + uint32_t(batch.size()));
    after_batch();
  }
  done.store(true, std::memory_order_release);
  for (auto& t : readers) t.join();
  EXPECT_GT(searches.load(), 0u);
  // After the writer is done, every deleted row is gone and the rest is there.
  auto got = index->Search(rows->Row(total - 1), SearchParams{.k = 1});
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
}

TEST(HnswConcurrencyTest, SearchesRunWhileOneWriterInserts) {
  const uint32_t dim = 16, total = 6000;
  TestRows rows(dim);
  rows.AppendAll(testing::ClusteredVectors(total, dim, 8, 1));
  HnswConfig config;
  config.num_threads = 2;  // the writer itself uses two threads
  config.max_neighbors = 8;
  config.ef_construction = 40;
  auto index = MakeHnswIndex(config, rows.chunks());
  // Checkpoints while readers search: SaveGraph must neither block them nor see a torn list.
  int saves = 0;
  ReadersWithOneWriter(index.get(), &rows, total, dim, [&]() {
    if (++saves % 5 != 0) return;
    std::string bytes;
    ASSERT_TRUE(SaveGraph(*index, &bytes).ok());
    auto loaded = LoadGraph(config, rows.chunks(), bytes);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_EQ((*loaded)->node_count(), index->node_count());
  });
  EXPECT_EQ(index->node_count(), total);
  // The graph built under contention is still a good graph.
  FlatIndex truth(Space::kL2, rows.chunks());
  std::vector<uint32_t> all(total);
  std::iota(all.begin(), all.end(), 0u);
  ASSERT_TRUE(truth.Insert(all).ok());
  for (uint32_t r = 500; r < total; r += 250) {
    for (uint32_t d = r; d < std::min(total, r + 250); d += 17) truth.MarkDeleted(d);
  }
  EXPECT_EQ(index->live_count(), truth.live_count());
  auto queries = testing::ClusteredVectors(50, dim, 8, 3);
  double recall = 0;
  for (size_t i = 0; i < 50; ++i) {
    auto want = truth.Search(queries.data() + i * dim, SearchParams{.k = 10});
    auto got = index->Search(queries.data() + i * dim, SearchParams{.k = 10, .ef = 64});
    ASSERT_TRUE(want.ok() && got.ok());
    std::vector<uint32_t> wr;
    for (const Neighbor& n : *want) wr.push_back(n.row);
    recall += testing::Recall(*got, wr);
  }
  EXPECT_GE(recall / 50, 0.95);
}

// With the quantized copy: the writer trains it (at kQuantizerMinRows rows) while readers search,
// and then encodes every new row before linking it.
TEST(HnswConcurrencyTest, QuantizedSearchesRunWhileOneWriterTrainsAndInserts) {
  const uint32_t dim = 16, total = 4000;
  TestRows rows(dim);
  rows.AppendAll(testing::ClusteredVectors(total, dim, 8, 1));
  HnswConfig config;
  config.num_threads = 2;
  config.max_neighbors = 8;
  config.ef_construction = 40;
  auto index = MakeHnswIndex(config, rows.chunks(), HnswOptions{.quantized_search = true});
  ReadersWithOneWriter(index.get(), &rows, total, dim, []() {});
  EXPECT_TRUE(index->quantized());
  EXPECT_EQ(index->node_count(), total);
}

TEST(HnswConcurrencyTest, FlatIndexSearchesRunWhileOneWriterInserts) {
  const uint32_t dim = 16, total = 6000;
  TestRows rows(dim);
  rows.AppendAll(testing::ClusteredVectors(total, dim, 8, 1));
  FlatIndex index(Space::kCosine, rows.chunks());
  ReadersWithOneWriter(&index, &rows, total, dim, []() {});
}

}  // namespace
}  // namespace ochre::index
