// Copyright 2026 The OchreDB Authors.
//
// Collection::GetIndexingStatus (Chroma's IndexingStatus): an empty collection is fully indexed,
// the counts always add up to the committed vector rows, the background indexer eventually reaches
// them all, updates that bring an embedding are ops too, and a deleted collection is NotFound.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "ochre/ochre.h"
#include "testutil/temp_dir.h"
#include "testutil/test_client.h"

namespace ochre {
namespace {

class IndexingStatusTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    auto c = testutil::OpenTestClient(GetParam(), dir_);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    client_ = std::move(*c);
    CreateCollectionOptions o;
    o.name = "idx";
    o.embedding_function = nullptr;
    auto col = client_->CreateCollection(o);
    ASSERT_TRUE(col.ok()) << col.status().ToString();
    col_ = *col;
  }
  RecordBatch Batch(int from, int n) {
    RecordBatch b;
    std::vector<float> data;
    for (int i = from; i < from + n; ++i) {
      b.ids.push_back("r" + std::to_string(i));
      data.insert(data.end(), {float(i % 7), float(i % 11), float(i)});
    }
    b.embeddings = FloatMatrix(3, std::move(data));
    return b;
  }
  static void ExpectConsistent(const IndexingStatus& s) {
    EXPECT_GE(s.num_indexed_ops, 0);
    EXPECT_GE(s.num_unindexed_ops, 0);
    EXPECT_EQ(s.num_indexed_ops + s.num_unindexed_ops, s.total_ops);
    if (s.total_ops == 0) {
      EXPECT_EQ(s.op_indexing_progress, 1.0);
    } else {
      EXPECT_DOUBLE_EQ(s.op_indexing_progress, double(s.num_indexed_ops) / double(s.total_ops));
    }
  }
  // Polls until the graph has every row (bounded: a failure, not a hang, if it never does).
  IndexingStatus WaitFullyIndexed() {
    IndexingStatus s;
    for (int i = 0; i < 6000; ++i) {
      auto r = col_->GetIndexingStatus();
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (!r.ok()) return s;
      s = *r;
      if (s.num_unindexed_ops == 0) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "the graph never reached " << s.total_ops << " rows (at " << s.num_indexed_ops << ")";
    return s;
  }
  testutil::TempDir dir_;
  std::unique_ptr<Client> client_;
  std::shared_ptr<Collection> col_;
};

TEST_P(IndexingStatusTest, EmptyCollectionIsFullyIndexed) {
  auto s = col_->GetIndexingStatus();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->num_indexed_ops, 0);
  EXPECT_EQ(s->num_unindexed_ops, 0);
  EXPECT_EQ(s->total_ops, 0);
  EXPECT_EQ(s->op_indexing_progress, 1.0);
}

TEST_P(IndexingStatusTest, CountsAddUpAndTheGraphReachesEveryRow) {
  constexpr int kN = 3000;
  ASSERT_TRUE(col_->Add(Batch(0, kN)).ok());
  auto s = col_->GetIndexingStatus();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->total_ops, kN);
  ExpectConsistent(*s);
  IndexingStatus done = WaitFullyIndexed();
  EXPECT_EQ(done.total_ops, kN);
  EXPECT_EQ(done.num_indexed_ops, kN);
  EXPECT_EQ(done.op_indexing_progress, 1.0);

  // An update that brings an embedding writes a new vector row: one more op.
  RecordBatch up = Batch(0, 1);
  ASSERT_TRUE(col_->Update(up).ok());
  s = col_->GetIndexingStatus();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->total_ops, kN + 1);
  ExpectConsistent(*s);
  EXPECT_EQ(WaitFullyIndexed().num_indexed_ops, kN + 1);
}

TEST_P(IndexingStatusTest, DeletedCollectionIsNotFound) {
  ASSERT_TRUE(col_->Add(Batch(0, 10)).ok());
  ASSERT_TRUE(client_->DeleteCollection("idx").ok());
  auto s = col_->GetIndexingStatus();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound) << s.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(Kinds, IndexingStatusTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Persistent" : "Ephemeral"; });

}  // namespace
}  // namespace ochre
