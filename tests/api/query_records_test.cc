// Copyright 2026 The OchreDB Authors.
//
// How a query turns the index's rows into records (collection_read.cc): all hits of one query are
// read from the catalog in one statement, the payload only when the include asks for it. Whatever
// the include and however many results (the lookup has three forms: up to 16 rows, up to 64, more),
// a query must answer the same records, in the same order, as an exact ranking of the collection,
// also after updates and deletes that moved records to new rows; and while a writer moves rows, a
// reader must never attach one record's id to another's distance.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "ochre/ochre.h"
#include "testutil/temp_dir.h"
#include "testutil/test_client.h"

namespace ochre {
namespace {

struct Expected {
  std::vector<float> embedding;
  std::optional<std::string> document;
  std::optional<std::string> uri;
  std::optional<Metadata> metadata;
};

double L2(const std::vector<float>& a, const float* b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return d;
}

class QueryRecordsTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    auto client = testutil::OpenTestClient(GetParam(), dir_);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
    CreateCollectionOptions o;
    o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
    o.name = "records";
    o.embedding_function = nullptr;
    auto c = client_->CreateCollection(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    coll_ = *c;
  }

  // Writes records i in [begin, end) as version v: small integer coordinates, so that every
  // distance is exact and ties (records at the same point) are common. An add sets some documents,
  // uris and metadata and leaves others out; an update rewrites the embedding, document and
  // metadata (same keys, so nothing is left of the old metadata) and leaves the uri as it was.
  void Write(int begin, int end, int v, bool update) {
    RecordBatch b;
    std::vector<float> data;
    b.documents.emplace();
    b.metadatas.emplace();
    if (!update) b.uris.emplace();
    for (int i = begin; i < end; ++i) {
      const std::string id = "r" + std::to_string(1000 + i);
      b.ids.push_back(id);
      Expected e;
      if (update) e.uri = expected_.at(id).uri;
      e.embedding = {float((i * 7 + v) % 11), float((i * 3) % 5), float(v % 3)};
      if (update || (i + v) % 4 != 0) e.document = "doc of " + id + " v" + std::to_string(v);
      if (!update && i % 3 == 0) e.uri = "uri://" + id;
      if (update || (i + v) % 5 != 0) e.metadata = Metadata{{"i", int64_t{i}}, {"v", int64_t{v}}};
      data.insert(data.end(), e.embedding.begin(), e.embedding.end());
      b.documents->push_back(e.document);
      b.metadatas->push_back(e.metadata);
      if (!update) b.uris->push_back(e.uri);
      expected_[id] = std::move(e);
    }
    b.embeddings = FloatMatrix(3, std::move(data));
    Status s = update ? coll_->Update(b) : coll_->Add(b);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void Delete(const std::vector<std::string>& ids) {
    DeleteOptions d;
    d.ids = ids;
    ASSERT_TRUE(coll_->Delete(d).ok());
    for (const auto& id : ids) expected_.erase(id);
  }

  // The ids nearest `q`, by (distance, id), as Chroma ranks them.
  std::vector<std::pair<double, std::string>> Rank(const std::vector<float>& q) const {
    std::vector<std::pair<double, std::string>> out;
    for (const auto& [id, e] : expected_) out.emplace_back(L2(q, e.embedding.data()), id);
    std::sort(out.begin(), out.end());
    return out;
  }

  testutil::TempDir dir_;
  std::unique_ptr<Client> client_;
  std::shared_ptr<Collection> coll_;
  std::map<std::string, Expected> expected_;
};

TEST_P(QueryRecordsTest, EveryIncludeAnswersTheExactRankingAfterUpdatesAndDeletes) {
  ASSERT_NO_FATAL_FAILURE(Write(0, 150, 0, false));
  // Updates move records to new rows (their old rows become tombstones), some twice.
  ASSERT_NO_FATAL_FAILURE(Write(20, 60, 1, true));
  ASSERT_NO_FATAL_FAILURE(Write(40, 50, 2, true));
  std::vector<std::string> doomed;
  for (int i = 0; i < 150; i += 9) doomed.push_back("r" + std::to_string(1000 + i));
  ASSERT_NO_FATAL_FAILURE(Delete(doomed));
  ASSERT_NO_FATAL_FAILURE(Write(150, 170, 3, false));
  // What the collection holds, as get answers it (checked against the expectation first).
  GetOptions all;
  all.include = Include{true, true, true, false, true};
  auto got = coll_->Get(all);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->ids.size(), expected_.size());
  for (size_t i = 0; i < got->ids.size(); ++i) {
    const Expected& e = expected_.at(got->ids[i]);
    EXPECT_EQ((*got->documents)[i], e.document) << got->ids[i];
    EXPECT_EQ((*got->uris)[i], e.uri) << got->ids[i];
    EXPECT_EQ((*got->metadatas)[i].has_value(), e.metadata.has_value() || e.uri.has_value()) << got->ids[i];
    EXPECT_EQ(L2(e.embedding, got->embeddings->row(i)), 0.0) << got->ids[i];
  }
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < got->ids.size(); ++i) position[got->ids[i]] = i;

  const std::vector<Include> includes = {
      Include{false, false, false, true, false},   // distances only: no payload read
      Include{false, false, false, false, false},  // ids only
      Include{true, false, false, false, false},
      Include{false, true, false, false, false},
      Include{false, false, true, false, false},
      Include{false, false, false, false, true},
      Include::QueryDefault(),
      Include::All(),
  };
  const std::vector<std::vector<float>> queries = {{0, 0, 0}, {5, 2, 1}, {10, 4, 2}, {3, 1, 0}};
  for (int64_t n : {1, 9, 15, 16, 17, 40, 63, 64, 65, 100, 500}) {
    for (const auto& qv : queries) {
      const auto ranked = Rank(qv);
      const size_t want = std::min<size_t>(size_t(n), ranked.size());
      for (const Include& inc : includes) {
        SCOPED_TRACE("n_results " + std::to_string(n) + " include " + ::testing::PrintToString(inc.Names()));
        QueryOptions q;
        q.query_embeddings = FloatMatrix(3, qv);
        q.n_results = n;
        q.include = inc;
        auto r = coll_->Query(q);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        ASSERT_EQ(r->ids.size(), 1u);
        ASSERT_EQ(r->ids[0].size(), want);
        for (size_t i = 0; i < want; ++i) {
          const std::string& id = r->ids[0][i];
          // The same ids in the same order as the exact ranking (ties by id).
          ASSERT_EQ(id, ranked[i].second) << "position " << i;
          const size_t g = position.at(id);
          if (inc.distances) {
            EXPECT_EQ((*r->distances)[0][i], float(ranked[i].first)) << id;
          }
          if (inc.documents) {
            EXPECT_EQ((*r->documents)[0][i], (*got->documents)[g]) << id;
          }
          if (inc.uris) {
            EXPECT_EQ((*r->uris)[0][i], (*got->uris)[g]) << id;
          }
          if (inc.metadatas) {
            EXPECT_EQ((*r->metadatas)[0][i], (*got->metadatas)[g]) << id;
          }
          if (inc.embeddings) {
            EXPECT_EQ(L2(expected_.at(id).embedding, (*r->embeddings)[0].row(i)), 0.0) << id;
          }
        }
        EXPECT_EQ(r->distances.has_value(), inc.distances);
        EXPECT_EQ(r->documents.has_value(), inc.documents);
        EXPECT_EQ(r->uris.has_value(), inc.uris);
        EXPECT_EQ(r->metadatas.has_value(), inc.metadatas);
        EXPECT_EQ(r->embeddings.has_value(), inc.embeddings);
      }
    }
  }
}

TEST_P(QueryRecordsTest, SeveralQueryVectorsAreResolvedEachOnItsOwn) {
  ASSERT_NO_FATAL_FAILURE(Write(0, 80, 0, false));
  ASSERT_NO_FATAL_FAILURE(Write(10, 30, 1, true));
  const std::vector<std::vector<float>> queries = {{0, 0, 0}, {10, 4, 2}, {5, 2, 1}};
  std::vector<float> data;
  for (const auto& qv : queries) data.insert(data.end(), qv.begin(), qv.end());
  QueryOptions q;
  q.query_embeddings = FloatMatrix(3, data);
  q.n_results = 12;
  q.include = Include{true, false, false, true, false};
  auto r = coll_->Query(q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->ids.size(), queries.size());
  for (size_t k = 0; k < queries.size(); ++k) {
    const auto ranked = Rank(queries[k]);
    ASSERT_EQ(r->ids[k].size(), 12u);
    for (size_t i = 0; i < 12; ++i) {
      EXPECT_EQ(r->ids[k][i], ranked[i].second) << "query " << k << " position " << i;
      EXPECT_EQ((*r->distances)[k][i], float(ranked[i].first));
      EXPECT_EQ((*r->documents)[k][i], expected_.at(r->ids[k][i]).document);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Clients, QueryRecordsTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Persistent" : "Ephemeral"; });

// A writer keeps moving records to new rows (updates of their embeddings) while readers query with
// distances only, the include that reads no payload. Record i at version v sits at a point that is
// a function of (i, v % 5), so a reader checks each answer on its own: every id's distance must be
// the distance to one of that record's points (a row resolved to the wrong record would not be),
// ids distinct, distances ascending, never more than n_results.
TEST(QueryRecordsConcurrencyTest, ReadersResolveRowsToTheirOwnRecordsWhileAWriterMovesThem) {
  testutil::TempDir dir;
  Settings settings;
  auto client = PersistentClient::Open(dir.Sub("db"), settings);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  CreateCollectionOptions o;
  o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
  o.name = "moving";
  o.embedding_function = nullptr;
  auto coll_or = (*client)->CreateCollection(o);
  ASSERT_TRUE(coll_or.ok());
  std::shared_ptr<Collection> coll = *coll_or;
  constexpr int kRecords = 300;
  constexpr int kDim = 4;
  auto point = [](int i, int v) {
    return std::vector<float>{float(i % 17), float(i / 17), float(v % 5), float((i * v) % 3)};
  };
  auto batch = [&](int begin, int end, int v) {
    RecordBatch b;
    std::vector<float> data;
    for (int i = begin; i < end; ++i) {
      b.ids.push_back("m" + std::to_string(i));
      auto p = point(i, v);
      data.insert(data.end(), p.begin(), p.end());
    }
    b.embeddings = FloatMatrix(kDim, std::move(data));
    return b;
  };
  ASSERT_TRUE(coll->Add(batch(0, kRecords, 0)).ok());

  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::atomic<int64_t> queries{0};
  std::mutex error_mu;
  std::string first_error;
  auto fail = [&](const std::string& e) {
    if (failures.fetch_add(1) == 0) {
      std::lock_guard<std::mutex> lock(error_mu);
      first_error = e;
    }
  };
  auto reader = [&](int seed) {
    std::mt19937 rng(seed);
    while (!done.load(std::memory_order_acquire) || queries.load() < 200) {
      std::vector<float> qv(kDim);
      for (auto& x : qv) x = std::uniform_real_distribution<float>(0, 17)(rng);
      QueryOptions q;
      q.query_embeddings = FloatMatrix(kDim, qv);
      q.n_results = std::vector<int64_t>{1, 10, 20, 70}[rng() % 4];
      q.include = Include{false, false, false, true, false};
      auto r = coll->Query(q);
      queries.fetch_add(1);
      if (!r.ok()) {
        fail("query: " + r.status().ToString());
        continue;
      }
      const auto& ids = r->ids[0];
      const auto& dist = (*r->distances)[0];
      if (ids.size() > size_t(q.n_results) || ids.empty() || dist.size() != ids.size()) {
        fail("query returned " + std::to_string(ids.size()) + " results for n_results " + std::to_string(q.n_results));
        continue;
      }
      std::set<std::string> seen;
      for (size_t k = 0; k < ids.size(); ++k) {
        if (!seen.insert(ids[k]).second) fail("duplicate id " + ids[k]);
        if (k > 0 && dist[k] < dist[k - 1]) fail("distances not ascending");
        const int i = std::stoi(ids[k].substr(1));
        bool matches = false;
        for (int v = 0; v < 15 && !matches; ++v) {
          const double d = L2(qv, point(i, v).data());
          matches = std::abs(d - dist[k]) <= 1e-4 * std::max(1.0, d);
        }
        if (!matches) fail(ids[k] + " at distance " + std::to_string(dist[k]) + ", which none of its points has");
      }
    }
  };
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) readers.emplace_back(reader, 17 + t);
  for (int round = 1; round <= 40; ++round) {
    const int begin = (round * 37) % (kRecords - 50);
    Status s = coll->Update(batch(begin, begin + 50, round));
    if (!s.ok()) {
      fail("update: " + s.ToString());
      break;
    }
  }
  done.store(true, std::memory_order_release);
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0) << first_error;
  EXPECT_GE(queries.load(), 200);
}

}  // namespace
}  // namespace ochre
