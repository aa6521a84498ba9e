// Copyright 2026 The OchreDB Authors.
//
// Filters answered by the in-memory metadata index (api/filter_index.h) through the public API:
// after the index is built, every kind of write keeps it in step with the records (checked against
// the reference evaluator over an unfiltered get), and readers under a concurrent writer never see
// a record that does not match their filter, always see what was acknowledged before they began,
// and never see what was deleted before they began.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ochre/ochre.h"
#include "query/filter_eval.h"
#include "testutil/temp_dir.h"
#include "testutil/test_client.h"

namespace ochre {
namespace {

class FilterIndexTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    auto client = testutil::OpenTestClient(GetParam(), dir_);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
    CreateCollectionOptions o;
    o.embedding_function = MakeHashingEmbeddingFunction();  // explicit: CI has no model
    o.name = "filtered";
    o.embedding_function = nullptr;
    auto c = client_->CreateCollection(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    coll_ = *c;
  }

  static RecordBatch Records(const std::vector<int>& ns, const std::vector<std::optional<Metadata>>& metas) {
    RecordBatch b;
    std::vector<float> data;
    for (int n : ns) {
      b.ids.push_back("r" + std::to_string(n));
      data.push_back(float(n % 17));
      data.push_back(float(n % 5));
    }
    b.embeddings = FloatMatrix(2, std::move(data));
    b.metadatas = metas;
    return b;
  }

  // Every filter's get and query agree with the reference evaluator over the unfiltered records.
  void CheckFilters(const std::vector<std::string>& filters) {
    GetOptions all;
    all.include = Include{false, false, true, false, false};
    auto everything = coll_->Get(all);
    ASSERT_TRUE(everything.ok()) << everything.status().ToString();
    for (const std::string& text : filters) {
      SCOPED_TRACE(text);
      auto where = ParseWhere(text);
      ASSERT_TRUE(where.ok()) << where.status().ToString();
      std::vector<std::string> want;
      for (size_t i = 0; i < everything->ids.size(); ++i) {
        if (query::Matches(*where, (*everything->metadatas)[i], std::nullopt)) want.push_back(everything->ids[i]);
      }
      GetOptions g;
      g.where = *where;
      g.include = Include{false, false, true, false, false};
      auto got = coll_->Get(g);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_EQ(got->ids, want);
      for (size_t i = 0; i < got->ids.size(); ++i) {
        EXPECT_TRUE(query::Matches(*where, (*got->metadatas)[i], std::nullopt)) << got->ids[i];
      }
      if (want.size() > 2) {
        g.offset = 1;
        g.limit = int64_t(want.size()) - 2;
        auto page = coll_->Get(g);
        ASSERT_TRUE(page.ok());
        EXPECT_EQ(page->ids, std::vector<std::string>(want.begin() + 1, want.end() - 1));
      }
      QueryOptions q;
      q.query_embeddings = FloatMatrix(2, std::vector<float>{1.0f, 2.0f});
      q.n_results = 1000;
      q.where = *where;
      q.include = Include{false, false, true, true, false};
      auto hits = coll_->Query(q);
      ASSERT_TRUE(hits.ok()) << hits.status().ToString();
      std::vector<std::string> got_ids = hits->ids[0], sorted_want = want;
      std::sort(got_ids.begin(), got_ids.end());
      std::sort(sorted_want.begin(), sorted_want.end());
      EXPECT_EQ(got_ids, sorted_want);
    }
  }

  testutil::TempDir dir_;
  std::unique_ptr<Client> client_;
  std::shared_ptr<Collection> coll_;
};

TEST_P(FilterIndexTest, EveryKindOfWriteKeepsTheIndexInStep) {
  const std::vector<std::string> filters = {
      R"({"cat": 1})",
      R"({"cat": {"$ne": 1}})",
      R"({"x": {"$gte": 2.5}})",
      R"({"tags": {"$contains": "b"}})",
      R"({"tags": {"$not_contains": "b"}})",
      R"({"$or": [{"cat": 0}, {"flag": true}]})",
      R"({"$and": [{"cat": {"$in": [0, 2]}}, {"x": {"$lt": 4}}]})",
      R"({"gone": {"$nin": ["a"]}})",
  };
  std::vector<int> ns;
  std::vector<std::optional<Metadata>> metas;
  for (int n = 0; n < 60; ++n) {
    ns.push_back(n);
    if (n % 7 == 0) {
      metas.push_back(std::nullopt);
    } else {
      Metadata m{{"cat", int64_t(n % 3)}, {"x", double(n % 9) / 2}, {"gone", std::string("a")}};
      if (n % 4 == 0) m["tags"] = std::vector<std::string>{"a", n % 8 == 0 ? "b" : "c"};
      if (n % 5 == 0) m["flag"] = true;
      metas.push_back(m);
    }
  }
  ASSERT_TRUE(coll_->Add(Records(ns, metas)).ok());
  ASSERT_NO_FATAL_FAILURE(CheckFilters(filters));  // builds the index

  // Update: merge, a null deletes a key, a scalar becomes an array.
  ASSERT_TRUE(
      coll_
          ->Update(Records({1, 2, 3, 4}, {Metadata{{"cat", int64_t{2}}}, Metadata{{"gone", std::monostate()}},
                                          Metadata{{"cat", std::vector<int64_t>{1}}}, Metadata{{"x", int64_t{3}}}}))
          .ok());
  ASSERT_NO_FATAL_FAILURE(CheckFilters(filters));
  // Upsert: existing and new ids.
  ASSERT_TRUE(
      coll_
          ->Upsert(Records({5, 6, 100, 101}, {Metadata{{"flag", true}}, std::nullopt,
                                              Metadata{{"cat", int64_t{1}}, {"tags", std::vector<std::string>{"b"}}},
                                              Metadata{{"x", 2.5}}}))
          .ok());
  ASSERT_NO_FATAL_FAILURE(CheckFilters(filters));
  // Delete by ids and by a filter.
  DeleteOptions d;
  d.ids = std::vector<std::string>{"r8", "r9", "r100"};
  ASSERT_TRUE(coll_->Delete(d).ok());
  ASSERT_NO_FATAL_FAILURE(CheckFilters(filters));
  DeleteOptions dw;
  dw.where = *ParseWhere(R"({"cat": 0})");
  ASSERT_TRUE(coll_->Delete(dw).ok());
  ASSERT_NO_FATAL_FAILURE(CheckFilters(filters));
  // Add again after deletes (SQLite may re-use the highest rid).
  ASSERT_TRUE(coll_->Add(Records({102, 103}, {Metadata{{"cat", int64_t{0}}}, std::nullopt})).ok());
  ASSERT_NO_FATAL_FAILURE(CheckFilters(filters));
}

// A writer flips records between two categories (metadata-only updates, so their rows stay), adds
// records it never changes again and deletes records in order; readers check what they see.
TEST_P(FilterIndexTest, ReadersUnderAConcurrentWriterSeeOneCommittedState) {
  constexpr int kFlipping = 200, kStable = 400;
  std::vector<int> ns;
  std::vector<std::optional<Metadata>> metas;
  for (int n = 0; n < kFlipping; ++n) {
    ns.push_back(n);
    metas.push_back(Metadata{{"cat", int64_t(n % 2)}, {"doomed", true}, {"n", int64_t(n)}});
  }
  ASSERT_TRUE(coll_->Add(Records(ns, metas)).ok());
  GetOptions warm;
  warm.where = *ParseWhere(R"({"cat": 1})");
  ASSERT_TRUE(coll_->Get(warm).ok());

  std::atomic<int> acked_stable{0}, deleted_below{0};
  std::atomic<bool> stop{false};
  std::mutex errors_mu;
  std::vector<std::string> errors;
  auto fail = [&](const std::string& what) {
    std::lock_guard<std::mutex> lock(errors_mu);
    if (errors.size() < 20) errors.push_back(what);
  };
  auto reader = [&](int index) {
    std::mt19937_64 rng{uint64_t(index)};
    while (!stop.load()) {
      const int cat = int(rng() % 2);
      const int stable_before = acked_stable.load();
      const int deleted_before = deleted_below.load();
      GetOptions g;
      g.where = *ParseWhere("{\"cat\": " + std::to_string(cat) + "}");
      g.include = Include{false, false, true, false, false};
      auto r = coll_->Get(g);
      if (!r.ok()) {
        fail(r.status().ToString());
        continue;
      }
      for (size_t i = 0; i < r->ids.size(); ++i) {
        const auto& m = (*r->metadatas)[i];
        if (!m || m->at("cat") != MetadataValue(int64_t(cat))) fail("get: " + r->ids[i] + " does not match");
      }
      GetOptions s;
      s.where = *ParseWhere(R"({"stable": true})");
      s.include = Include{false, false, false, false, false};
      auto st = coll_->Get(s);
      if (!st.ok() || int(st->ids.size()) < stable_before) fail("acknowledged stable records missing");
      GetOptions dd;
      dd.where =
          *ParseWhere("{\"$and\": [{\"doomed\": true}, {\"n\": {\"$lt\": " + std::to_string(deleted_before) + "}}]}");
      auto gone = coll_->Get(dd);
      if (!gone.ok() || !gone->ids.empty()) fail("deleted records seen");
      QueryOptions q;
      q.query_embeddings = FloatMatrix(2, std::vector<float>{float(rng() % 17), float(rng() % 5)});
      q.n_results = 5;
      q.where = *ParseWhere("{\"cat\": " + std::to_string(cat) + "}");
      q.include = Include{false, false, true, false, false};
      auto hits = coll_->Query(q);
      if (!hits.ok()) {
        fail(hits.status().ToString());
        continue;
      }
      for (size_t i = 0; i < hits->ids[0].size(); ++i) {
        const auto& m = (*hits->metadatas)[0][i];
        if (!m || m->at("cat") != MetadataValue(int64_t(cat))) fail("query: " + hits->ids[0][i] + " does not match");
      }
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) readers.emplace_back(reader, i);

  std::mt19937_64 rng(7);
  int next_stable = 0;
  for (int round = 0; round < 150; ++round) {
    // Flip a few records' category in place.
    std::vector<int> flip;
    std::vector<std::optional<Metadata>> flipped;
    for (int j = 0; j < 10; ++j) {
      int n = deleted_below.load() + int(rng() % uint64_t(kFlipping - deleted_below.load()));
      if (std::find(flip.begin(), flip.end(), n) != flip.end()) continue;
      flip.push_back(n);
      flipped.push_back(Metadata{{"cat", int64_t(rng() % 2)}});
    }
    RecordBatch u;
    for (int n : flip) u.ids.push_back("r" + std::to_string(n));
    u.metadatas = flipped;
    ASSERT_TRUE(coll_->Update(u).ok());
    if (next_stable < kStable) {
      std::vector<int> add;
      std::vector<std::optional<Metadata>> add_metas;
      for (int j = 0; j < 4 && next_stable < kStable; ++j, ++next_stable) {
        add.push_back(1000 + next_stable);
        add_metas.push_back(Metadata{{"stable", true}});
      }
      {
        Status added = coll_->Add(Records(add, add_metas));
        ASSERT_TRUE(added.ok()) << added.ToString();
      }
      acked_stable.store(next_stable);
    }
    if (round % 3 == 0 && deleted_below.load() < kFlipping - 20) {
      DeleteOptions d;
      d.ids = std::vector<std::string>{"r" + std::to_string(deleted_below.load())};
      ASSERT_TRUE(coll_->Delete(d).ok());
      deleted_below.fetch_add(1);
    }
  }
  stop.store(true);
  for (auto& t : readers) t.join();
  for (const auto& e : errors) ADD_FAILURE() << e;
}

INSTANTIATE_TEST_SUITE_P(Clients, FilterIndexTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Persistent" : "Ephemeral"; });

}  // namespace
}  // namespace ochre
