// Copyright 2026 The OchreDB Authors.
//
// Behaviour every VectorStore shares, run against both implementations.
#include "storage/vector_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "storage/storage_test_util.h"

namespace ochre::storage {
namespace {

enum class Kind { kFile, kMemory };

class VectorStoreTest : public ScratchDirTest, public ::testing::WithParamInterface<Kind> {
 protected:
  std::unique_ptr<VectorStore> NewStore(uint32_t dim) {
    Result<std::unique_ptr<VectorStore>> store =
        GetParam() == Kind::kFile ? OpenFileVectorStore(Path("vectors.f32"), dim, 0, true) : NewMemoryVectorStore(dim);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }
};

TEST_P(VectorStoreTest, AppendPublishReadBack) {
  auto store = NewStore(5);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->persistent(), GetParam() == Kind::kFile);
  EXPECT_EQ(store->dim(), 5u);
  std::vector<float> rows = MakeRows(0, 100, 5);
  auto first = store->Append(rows.data(), 100);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 0u);
  EXPECT_EQ(store->rows().rows(), 0u);
  ASSERT_TRUE(store->Sync().ok());
  store->Publish(store->size());
  for (uint32_t r = 0; r < 100; ++r) ASSERT_TRUE(RowMatches(store->rows(), r)) << r;
  auto empty = store->Append(nullptr, 0);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, 100u);
}

TEST_P(VectorStoreTest, TruncateThenAppendReusesRowNumbers) {
  auto store = NewStore(3);
  std::vector<float> rows = MakeRows(0, 10, 3);
  ASSERT_TRUE(store->Append(rows.data(), 10).ok());
  store->Publish(4);
  ASSERT_TRUE(store->TruncateTo(4).ok());
  EXPECT_EQ(store->size(), 4u);
  EXPECT_EQ(store->TruncateTo(5).code(), StatusCode::kInvalidArgument);
  std::vector<float> more = MakeRows(4, 2, 3);
  EXPECT_EQ(*store->Append(more.data(), 2), 4u);
}

TEST_P(VectorStoreTest, ReadersSeeOnlyCompleteRowsWhileAWriterAppends) {
  // Big enough rows (dim 1024 -> 2048 rows per chunk) that the writer crosses chunk boundaries.
  constexpr uint32_t kDim = 1024, kBatch = 300, kBatches = 20;
  auto store = NewStore(kDim);
  ASSERT_NE(store, nullptr);
  std::atomic<bool> done{false};
  std::atomic<uint64_t> bad{0};
  auto reader = [&] {
    while (!done.load()) {
      const uint32_t n = store->rows().rows();
      if (n > 0 && !RowMatches(store->rows(), n - 1)) bad.fetch_add(1);
      if (n > 0 && !RowMatches(store->rows(), n / 2)) bad.fetch_add(1);
    }
  };
  std::thread t1(reader), t2(reader);
  for (uint32_t b = 0; b < kBatches; ++b) {
    std::vector<float> rows = MakeRows(store->size(), kBatch, kDim);
    ASSERT_TRUE(store->Append(rows.data(), kBatch).ok());
    ASSERT_TRUE(store->Sync().ok());
    store->Publish(store->size());
  }
  done.store(true);
  t1.join();
  t2.join();
  EXPECT_EQ(bad.load(), 0u);
  EXPECT_EQ(store->rows().rows(), kBatch * kBatches);
}

TEST(MemoryVectorStoreTest, ZeroDimensionIsInvalid) {
  EXPECT_EQ(NewMemoryVectorStore(0).status().code(), StatusCode::kInvalidArgument);
}

TEST(MemoryVectorStoreTest, BatchesStraddleChunkBoundaries) {
  MemoryVectorStore store(2, /*chunk_shift=*/3);  // 8 rows per chunk
  std::vector<float> rows = MakeRows(0, 21, 2);
  ASSERT_TRUE(store.Append(rows.data(), 21).ok());
  store.Publish(21);
  for (uint32_t r = 0; r < 21; ++r) EXPECT_TRUE(RowMatches(store.rows(), r)) << r;
  EXPECT_NE(store.rows().chunk(2), nullptr);
  EXPECT_EQ(store.rows().chunk(3), nullptr);
}

INSTANTIATE_TEST_SUITE_P(BothStores, VectorStoreTest, ::testing::Values(Kind::kFile, Kind::kMemory),
                         [](const ::testing::TestParamInfo<Kind>& info) {
                           return info.param == Kind::kFile ? "File" : "Memory";
                         });

}  // namespace
}  // namespace ochre::storage
