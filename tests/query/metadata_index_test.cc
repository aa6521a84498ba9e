// Copyright 2026 The OchreDB Authors.
//
// MetadataIndex against the reference evaluator (filter_eval.h's Matches): an index built from the
// catalog, and one kept current through random writes (inserts, rewrites, deletes, re-used rids),
// must return for every random filter exactly the rids Matches accepts. Set OCHRE_TEST_SEED to
// replay a run; the seed is printed.
#include "query/metadata_index.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "filter_test_util.h"
#include "ochre/where.h"
#include "query/filter_eval.h"
#include "storage/schema.h"
#include "storage/sqlite_db.h"

namespace ochre::query {
namespace {

using Rids = std::vector<int64_t>;

uint64_t Seed(uint64_t fallback, const char* test) {
  uint64_t seed = fallback;
  if (const char* env = std::getenv("OCHRE_TEST_SEED")) seed = std::strtoull(env, nullptr, 10);
  std::cout << test << " seed=" << seed << " (OCHRE_TEST_SEED)" << std::endl;
  return seed;
}

// A random `where` the index answers: the generator's, redrawn while it names "#document".
WhereNode IndexableWhere(RandomFilterGen* gen) {
  while (true) {
    WhereNode w = gen->Where(0);
    if (MetadataIndex::Supports(w)) return w;
  }
}

Rids Reference(const std::map<int64_t, TestRecord>& live, const WhereNode& where) {
  Rids want;
  for (const auto& [rid, r] : live) {
    if (Matches(where, r.metadata, r.document)) want.push_back(rid);
  }
  return want;
}

std::vector<TestRecord> Values(const std::map<int64_t, TestRecord>& live) {
  std::vector<TestRecord> out;
  for (const auto& [rid, r] : live) out.push_back(r);
  return out;
}

WhereNode ParseOrDie(const std::string& json) {
  Result<WhereNode> w = ParseWhere(json);
  EXPECT_TRUE(w.ok()) << json << ": " << w.status().ToString();
  return w.ok() ? *w : WhereNode{};
}

TEST(MetadataIndexTest, HandWrittenCases) {
  MetadataIndex index;
  index.Add(1, Metadata{{"x", int64_t{2}}, {"s", std::string("abc")}, {"b", true}});
  index.Add(2, Metadata{{"x", 2.0}, {"tags", std::vector<std::string>{"red", "blue"}}});
  index.Add(3, Metadata{{"x", -2.5}, {"b", false}, {"n", std::vector<int64_t>{1, 2, 2}}});
  index.Add(4, std::nullopt);
  index.Add(5, Metadata{{"x", int64_t{9007199254740993}}, {"tags", std::vector<std::string>{"red"}}});
  auto eval = [&](const std::string& json) { return index.Evaluate(ParseOrDie(json)); };

  EXPECT_EQ(index.size(), 5u);
  EXPECT_EQ(eval(R"({"x": 2})"), (Rids{1, 2}));
  EXPECT_EQ(eval(R"({"x": 2.0})"), (Rids{1, 2}));
  EXPECT_EQ(eval(R"({"x": {"$gt": -1.4}})"), (Rids{1, 2, 5}));
  EXPECT_EQ(eval(R"({"x": {"$lte": 2}})"), (Rids{1, 2, 3}));
  EXPECT_EQ(eval(R"({"x": {"$lt": 2}})"), (Rids{3}));
  // 2^53 + 1 is no double: the int is compared exactly, not rounded.
  EXPECT_EQ(eval(R"({"x": {"$gt": 9007199254740992.0}})"), (Rids{5}));
  EXPECT_EQ(eval(R"({"x": {"$ne": 2}})"), (Rids{3, 4, 5}));
  EXPECT_EQ(eval(R"({"b": 1})"), (Rids{}));
  EXPECT_EQ(eval(R"({"b": true})"), (Rids{1}));
  EXPECT_EQ(eval(R"({"b": {"$ne": true}})"), (Rids{2, 3, 4, 5}));
  EXPECT_EQ(eval(R"({"s": {"$gt": 0}})"), (Rids{}));
  EXPECT_EQ(eval(R"({"tags": "red"})"), (Rids{}));  // an array never equals a scalar
  EXPECT_EQ(eval(R"({"tags": {"$contains": "red"}})"), (Rids{2, 5}));
  EXPECT_EQ(eval(R"({"tags": {"$not_contains": "red"}})"), (Rids{1, 3, 4}));
  EXPECT_EQ(eval(R"({"s": {"$contains": "abc"}})"), (Rids{}));  // a scalar contains nothing
  EXPECT_EQ(eval(R"({"n": {"$contains": 2.0}})"), (Rids{3}));
  EXPECT_EQ(eval(R"({"x": {"$in": [2.0, -2.5, 2]}})"), (Rids{1, 2, 3}));
  EXPECT_EQ(eval(R"({"x": {"$nin": [2]}})"), (Rids{3, 4, 5}));
  EXPECT_EQ(eval(R"({"absent": {"$nin": [2]}})"), (Rids{1, 2, 3, 4, 5}));
  EXPECT_EQ(eval(R"({"$and": []})"), (Rids{1, 2, 3, 4, 5}));
  EXPECT_EQ(eval(R"({"$or": []})"), (Rids{}));
  EXPECT_EQ(eval(R"({"$or": [{"b": false}, {"$and": [{"x": 2}, {"s": {"$ne": "abc"}}]}]})"), (Rids{2, 3}));

  EXPECT_TRUE(MetadataIndex::Supports(ParseOrDie(R"({"$and": [{"x": 2}, {"tags": {"$contains": "a"}}]})")));
  EXPECT_FALSE(MetadataIndex::Supports(ParseOrDie(R"({"$or": [{"x": 2}, {"#document": {"$contains": "a"}}]})")));
  EXPECT_GT(index.MemoryBytes(), 0u);
}

TEST(MetadataIndexTest, ApplyRewritesAndDeletes) {
  MetadataIndex index;
  for (int64_t rid = 1; rid <= 6; ++rid) index.Add(rid, Metadata{{"k", rid % 2}});
  std::vector<MetadataIndex::Change> changes(3);
  changes[0] = {2, Metadata{{"k", int64_t{0}}}, Metadata{{"k", int64_t{1}}}, true, true};  // rewritten
  changes[1] = {3, Metadata{{"k", int64_t{1}}}, std::nullopt, true, false};                // deleted
  changes[2] = {7, std::nullopt, Metadata{{"k", std::vector<int64_t>{1}}}, false, true};   // inserted
  index.Apply(changes);
  EXPECT_EQ(index.size(), 6u);
  EXPECT_EQ(index.Evaluate(ParseOrDie(R"({"k": 1})")), (Rids{1, 2, 5}));
  EXPECT_EQ(index.Evaluate(ParseOrDie(R"({"k": 0})")), (Rids{4, 6}));
  EXPECT_EQ(index.Evaluate(ParseOrDie(R"({"k": {"$ne": 0}})")), (Rids{1, 2, 5, 7}));
  EXPECT_EQ(index.Evaluate(ParseOrDie(R"({"k": {"$contains": 1}})")), (Rids{7}));
}

class MetadataIndexSqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = storage::SqliteDb::Open("", {.in_memory = true});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    for (std::string_view migration : storage::Migrations()) {  // the catalog's current schema
      Status migrated = db_->Exec(migration);
      ASSERT_TRUE(migrated.ok()) << migrated.ToString();
    }
  }
  std::unique_ptr<storage::SqliteDb> db_;
};

TEST_F(MetadataIndexSqlTest, BuiltIndexMatchesTheReferenceEvaluator) {
  const uint64_t seed = Seed(20261125, "MetadataIndexSqlTest.BuiltIndexMatchesTheReferenceEvaluator");
  std::mt19937_64 rng(seed);
  RandomFilterGen gen(&rng);
  std::map<int64_t, TestRecord> by_cid[3];
  for (int64_t rid = 1; rid <= 400; ++rid) {
    TestRecord r = gen.Record(rid);
    ASSERT_TRUE(InsertTestRecord(db_.get(), r).ok());
    by_cid[r.cid][rid] = r;
  }
  for (int64_t cid : {1, 2}) {
    auto index = MetadataIndex::Build(db_.get(), cid);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    EXPECT_EQ((*index)->size(), by_cid[cid].size());
    int failures = 0, nonempty = 0;
    for (int i = 0; i < 3000 && failures < 5; ++i) {
      WhereNode where = IndexableWhere(&gen);
      Rids want = Reference(by_cid[cid], where);
      Rids got = (*index)->Evaluate(where);
      nonempty += !want.empty();
      if (got != want) {
        ++failures;
        ADD_FAILURE() << "seed=" << seed << " filter #" << i << " cid=" << cid << "\nwhere: " << WhereToJson(where)
                      << "\n"
                      << DescribeDifference(Values(by_cid[cid]), want, got);
      }
    }
    EXPECT_GT(nonempty, 1500);
  }
}

// Random batches of inserts, rewrites and deletes go to the index through Apply (as the write path
// sends them) and to the reference set; after each batch random filters must agree, and so must a
// fresh build from the catalog, which the same writes went to.
TEST_F(MetadataIndexSqlTest, AppliedWritesMatchTheReferenceEvaluator) {
  const uint64_t seed = Seed(4242, "MetadataIndexSqlTest.AppliedWritesMatchTheReferenceEvaluator");
  std::mt19937_64 rng(seed);
  RandomFilterGen gen(&rng);
  std::map<int64_t, TestRecord> live;
  MetadataIndex index;
  int64_t next_rid = 1;
  int failures = 0;
  auto drop_rows = [&](int64_t rid) {
    for (const char* sql : {"DELETE FROM records WHERE rid = ?1", "DELETE FROM metadata WHERE rid = ?1",
                            "DELETE FROM metadata_array WHERE rid = ?1"}) {
      auto st = db_->Prepare(sql);
      ASSERT_TRUE(st.ok());
      st->Bind(1, rid);
      ASSERT_TRUE(st->Run().ok());
    }
  };
  for (int batch = 0; batch < 60 && failures < 5; ++batch) {
    std::vector<MetadataIndex::Change> changes;
    std::map<int64_t, bool> touched;  // one change per rid per batch, as in a write
    const int n = 1 + int(rng() % 30);
    for (int j = 0; j < n; ++j) {
      const int what = int(rng() % 10);
      MetadataIndex::Change c;
      if (what < 5 || live.empty()) {
        // Insert; now and then re-use the highest rid after deleting it, as SQLite can.
        c.rid = next_rid++;
      } else {
        auto it = live.begin();
        std::advance(it, ptrdiff_t(rng() % live.size()));
        c.rid = it->first;
        c.existed = true;
        c.before = it->second.metadata;
      }
      if (touched.count(c.rid)) continue;
      touched[c.rid] = true;
      if (c.existed) {
        ASSERT_NO_FATAL_FAILURE(drop_rows(c.rid));
      }
      if (what < 8 || !c.existed) {
        TestRecord r = gen.Record(c.rid);
        r.cid = 1;
        r.document.reset();  // no FTS rows to keep in step: the index sees metadata only
        ASSERT_TRUE(InsertTestRecord(db_.get(), r).ok());
        c.after = r.metadata;
        c.exists = true;
        live[c.rid] = r;
      } else {
        live.erase(c.rid);
        if (c.rid == next_rid - 1 && rng() % 2) --next_rid;  // the next insert re-uses it
      }
      changes.push_back(std::move(c));
    }
    index.Apply(changes);
    ASSERT_EQ(index.size(), live.size());
    auto built = MetadataIndex::Build(db_.get(), 1);
    ASSERT_TRUE(built.ok()) << built.status().ToString();
    for (int i = 0; i < 100 && failures < 5; ++i) {
      WhereNode where = IndexableWhere(&gen);
      Rids want = Reference(live, where);
      Rids got = index.Evaluate(where);
      Rids rebuilt = (*built)->Evaluate(where);
      if (got != want || rebuilt != want) {
        ++failures;
        ADD_FAILURE() << "seed=" << seed << " batch " << batch << " filter #" << i << "\nwhere: " << WhereToJson(where)
                      << "\napplied:\n"
                      << DescribeDifference(Values(live), want, got) << "rebuilt:\n"
                      << DescribeDifference(Values(live), want, rebuilt);
      }
    }
  }
}

}  // namespace
}  // namespace ochre::query
