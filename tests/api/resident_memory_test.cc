// Copyright 2026 The OchreDB Authors.
//
// What stays resident (issue 4's memory target): once a persistent collection's graph holds every
// row and walks its quantized copy, the float rows (vectors.f32) leave the process's resident
// memory, and queries, filtered queries and a reopen do not map them back; answers stay exact.
// And on disk: a closed collection's vectors file holds just its rows.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "ochre/ochre.h"
#include "testutil/resident.h"
#include "testutil/temp_dir.h"

namespace ochre {
namespace {

// Past the size below which queries scan every row exactly (2^21 floats: api/collection_state.cc).
constexpr size_t kDim = 256;
constexpr int kRows = 9000;

std::vector<float> Vectors(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> v(size_t(n) * kDim);
  for (float& x : v) x = normal(rng);
  return v;
}

double CosineDistance(const float* a, const float* b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t d = 0; d < kDim; ++d) {
    dot += double(a[d]) * b[d];
    na += double(a[d]) * a[d];
    nb += double(b[d]) * b[d];
  }
  return 1.0 - dot / std::sqrt(na * nb);
}

class ResidentMemoryTest : public ::testing::Test {
 protected:
  std::shared_ptr<Collection> Open(Client& client) {
    CreateCollectionOptions o;
    o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
    o.name = "resident";
    o.embedding_function = nullptr;
    o.get_or_create = true;
    o.configuration.emplace();
    o.configuration->hnsw.emplace();
    o.configuration->hnsw->space = Space::kCosine;
    auto c = client.CreateCollection(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? *c : nullptr;
  }

  // Queries with 20 stored vectors (each must find itself first) and, filtered to g == 3, checks
  // the results against brute force over the vectors.
  void ExpectExactAnswers(Collection& c) {
    for (int i = 0; i < kRows; i += kRows / 20) {
      QueryOptions q;
      q.query_embeddings =
          FloatMatrix(kDim, std::vector<float>(&data_[size_t(i) * kDim], &data_[size_t(i + 1) * kDim]));
      q.n_results = 10;
      auto r = c.Query(q);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->ids[0].size(), 10u);
      EXPECT_EQ(r->ids[0][0], "r" + std::to_string(i));
      for (size_t j = 0; j < 10; ++j) {
        const int row = std::stoi(r->ids[0][j].substr(1));
        EXPECT_NEAR((*r->distances)[0][j], CosineDistance(&data_[size_t(i) * kDim], &data_[size_t(row) * kDim]), 1e-4);
      }
      // Filtered (a seventh of the rows): the scan of the quantized copy, re-ranked.
      q.where = *ParseWhere(R"({"g": 3})");
      r = c.Query(q);
      ASSERT_TRUE(r.ok());
      std::vector<std::pair<double, int>> want;
      for (int k = 0; k < kRows; ++k) {
        if (k % 7 == 3) want.push_back({CosineDistance(&data_[size_t(i) * kDim], &data_[size_t(k) * kDim]), k});
      }
      std::sort(want.begin(), want.end());
      ASSERT_EQ(r->ids[0].size(), 10u);
      for (size_t j = 0; j < 10; ++j) {
        EXPECT_EQ(r->ids[0][j], "r" + std::to_string(want[j].second)) << "query " << i << " rank " << j;
        EXPECT_NEAR((*r->distances)[0][j], want[j].first, 1e-4);
      }
    }
  }

  testutil::TempDir dir_;
  std::string vectors_path_;
  std::vector<float> data_ = Vectors(kRows, 5);
};

TEST_F(ResidentMemoryTest, IndexedRowsLeaveResidentMemoryAndAnswersStayExact) {
  {
    auto client = PersistentClient::Open(dir_.Sub("db"));
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    auto c = Open(**client);
    for (int first = 0; first < kRows; first += 1000) {
      RecordBatch b;
      b.metadatas.emplace();
      for (int i = first; i < first + 1000; ++i) {
        b.ids.push_back("r" + std::to_string(i));
        b.metadatas->push_back(Metadata{{"g", int64_t(i % 7)}});
      }
      b.embeddings =
          FloatMatrix(kDim, std::vector<float>(&data_[size_t(first) * kDim], &data_[size_t(first + 1000) * kDim]));
      ASSERT_TRUE(c->Add(b).ok());
    }
    // Drains the background indexer: the graph holds every row.
    ASSERT_TRUE((*client)->Checkpoint().ok());
    EXPECT_EQ(testutil::ResidentKbOfFile("vectors.f32"), 0);
    ASSERT_NO_FATAL_FAILURE(ExpectExactAnswers(*c));
    EXPECT_EQ(testutil::ResidentKbOfFile("vectors.f32"), 0) << "queries mapped float rows back";
    vectors_path_ = dir_.Sub("db") + "/collections/" + c->id() + "/vectors.f32";
  }
  // Closed: the vectors file holds its header and the rows, nothing reserved ahead.
  EXPECT_EQ(std::filesystem::file_size(vectors_path_), 4096 + size_t(kRows) * kDim * sizeof(float));
  auto client = PersistentClient::Open(dir_.Sub("db"));
  ASSERT_TRUE(client.ok());
  auto c = Open(**client);
  ASSERT_NO_FATAL_FAILURE(ExpectExactAnswers(*c));
  // The reopened graph trains its quantized copy in the background (reading every row), then lets
  // the rows go again. Queries that began before the copy was ready walk the float rows and may
  // map a few pages back after that: a few pages, not the file (9 MB).
  ASSERT_TRUE((*client)->Checkpoint().ok());
  const int64_t after_training = testutil::ResidentKbOfFile("vectors.f32");
  EXPECT_LE(after_training, 256);
  ASSERT_NO_FATAL_FAILURE(ExpectExactAnswers(*c));
  EXPECT_EQ(testutil::ResidentKbOfFile("vectors.f32"), after_training) << "queries mapped float rows back";
  // get and query with embeddings read them exactly, from the file: nothing mapped back either.
  GetOptions g;
  g.include = Include{false, true, false, false, false};
  auto got = c->Get(g);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->ids.size(), size_t(kRows));
  for (size_t i = 0; i < got->ids.size(); ++i) {
    const int row = std::stoi(got->ids[i].substr(1));
    for (size_t d = 0; d < kDim; ++d) ASSERT_EQ(got->embeddings->row(i)[d], data_[size_t(row) * kDim + d]);
  }
  g.ids = std::vector<std::string>{"r8999", "r17", "r4000"};
  got = c->Get(g);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->ids.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const int row = std::stoi(got->ids[i].substr(1));
    for (size_t d = 0; d < kDim; ++d) ASSERT_EQ(got->embeddings->row(i)[d], data_[size_t(row) * kDim + d]);
  }
  QueryOptions q;
  q.query_embeddings = FloatMatrix(kDim, std::vector<float>(&data_[0], &data_[kDim]));
  q.n_results = 5;
  q.include = Include{false, true, false, true, false};
  auto r = c->Query(q);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->ids[0].size(), 5u);
  for (size_t j = 0; j < 5; ++j) {
    const int row = std::stoi(r->ids[0][j].substr(1));
    for (size_t d = 0; d < kDim; ++d) ASSERT_EQ((*r->embeddings)[0].row(j)[d], data_[size_t(row) * kDim + d]);
  }
  EXPECT_EQ(testutil::ResidentKbOfFile("vectors.f32"), after_training);
}

}  // namespace
}  // namespace ochre
