// Copyright 2026 The OchreDB Authors.
//
// CompileFilter against the reference evaluator: random records in two collections of an
// in-memory catalog, thousands of random filters, and for each the rids the SQL returns must be
// exactly the rids Matches accepts. Set OCHRE_TEST_SEED to replay a run; the seed is printed.
#include "query/filter_sql.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
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

class FilterSqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = storage::SqliteDb::Open("", {.in_memory = true});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    for (std::string_view migration : storage::Migrations()) {  // the catalog's current schema
      Status migrated = db_->Exec(migration);
      ASSERT_TRUE(migrated.ok()) << migrated.ToString();
    }
    Status registered = RegisterSqlFunctions(db_->get());
    ASSERT_TRUE(registered.ok()) << registered.ToString();
  }

  void Insert(const TestRecord& r) { ASSERT_TRUE(InsertTestRecord(db_.get(), r).ok()); }

  // `document_index`: compile as for a collection whose FTS index is built (else substring tests
  // scan the documents).
  std::vector<int64_t> Find(int64_t cid, const WhereNode* where, const WhereDocumentNode* doc,
                            bool document_index = true) {
    Result<RidQuery> q = CompileFilter(cid, where, doc, document_index);
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    if (!q.ok()) return {};
    Result<std::vector<int64_t>> rids = FindRids(db_.get(), *q);
    EXPECT_TRUE(rids.ok()) << rids.status().ToString() << "\n" << q->sql.substr(0, 1000);
    return rids.ok() ? *rids : std::vector<int64_t>{};
  }

  std::vector<int64_t> FindWhere(int64_t cid, const std::string& where) {
    Result<WhereNode> w = ParseWhere(where);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return w.ok() ? Find(cid, &*w, nullptr) : std::vector<int64_t>{};
  }

  std::vector<int64_t> FindDocument(int64_t cid, const std::string& where_document) {
    Result<WhereDocumentNode> w = ParseWhereDocument(where_document);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return w.ok() ? Find(cid, nullptr, &*w) : std::vector<int64_t>{};
  }

  std::string Plan(const std::string& where) {
    Result<WhereNode> w = ParseWhere(where);
    EXPECT_TRUE(w.ok());
    Result<RidQuery> q = CompileFilter(1, &*w, nullptr);
    EXPECT_TRUE(q.ok());
    auto stmt = db_->Prepare("EXPLAIN QUERY PLAN " + q->sql + " ORDER BY rid");
    EXPECT_TRUE(stmt.ok()) << stmt.status().ToString();
    BindParams(&*stmt, q->params);
    std::string plan;
    while (true) {
      Result<bool> row = stmt->Step();
      if (!row.ok() || !*row) break;
      plan += stmt->ColumnString(3) + "\n";
    }
    return plan;
  }

  std::unique_ptr<storage::SqliteDb> db_;
};

using Rids = std::vector<int64_t>;

TEST_F(FilterSqlTest, HandWrittenCases) {
  Insert({1, 1, "a", Metadata{{"x", int64_t{2}}, {"s", std::string("abc")}, {"b", true}}, "Hello world"});
  Insert({2, 1, "b", Metadata{{"x", 2.0}, {"tags", std::vector<std::string>{"red", "blue"}}}, "hello World"});
  Insert({3, 1, "c", Metadata{{"x", -2.5}, {"b", false}, {"n", std::vector<int64_t>{1, 2}}}, std::nullopt});
  Insert({4, 1, "d", std::nullopt, "a*b?c[d]"});
  Insert({5, 2, "e", Metadata{{"x", int64_t{2}}}, "Hello world"});  // another collection

  EXPECT_EQ(Find(1, nullptr, nullptr), (Rids{1, 2, 3, 4}));
  EXPECT_EQ(FindWhere(1, R"({"x": 2})"), (Rids{1, 2}));
  EXPECT_EQ(FindWhere(1, R"({"x": {"$gt": -1.4}})"), (Rids{1, 2}));
  EXPECT_EQ(FindWhere(1, R"({"x": {"$ne": 2}})"), (Rids{3, 4}));
  EXPECT_EQ(FindWhere(1, R"({"b": 1})"), (Rids{}));
  EXPECT_EQ(FindWhere(1, R"({"b": true})"), (Rids{1}));
  EXPECT_EQ(FindWhere(1, R"({"s": {"$gt": 0}})"), (Rids{}));
  EXPECT_EQ(FindWhere(1, R"({"tags": {"$contains": "red"}})"), (Rids{2}));
  EXPECT_EQ(FindWhere(1, R"({"tags": {"$not_contains": "red"}})"), (Rids{1, 3, 4}));
  EXPECT_EQ(FindWhere(1, R"({"n": {"$contains": 2.0}})"), (Rids{3}));
  EXPECT_EQ(FindWhere(1, R"({"x": {"$in": [2.0, -2.5]}})"), (Rids{1, 2, 3}));
  EXPECT_EQ(FindWhere(1, R"({"x": {"$nin": [2]}})"), (Rids{3, 4}));
  EXPECT_EQ(FindWhere(1, R"({"$and": []})"), (Rids{1, 2, 3, 4}));
  EXPECT_EQ(FindWhere(1, R"({"$or": []})"), (Rids{}));
  EXPECT_EQ(FindWhere(1, R"({"$or": [{"b": false}, {"$and": [{"x": 2}, {"s": {"$ne": "abc"}}]}]})"), (Rids{2, 3}));
  EXPECT_EQ(FindWhere(1, R"({"#document": {"$contains": "Hello"}})"), (Rids{1}));
  EXPECT_EQ(FindDocument(1, R"({"$contains": "world"})"), (Rids{1}));
  EXPECT_EQ(FindDocument(1, R"({"$not_contains": "world"})"), (Rids{2, 3, 4}));
  EXPECT_EQ(FindDocument(1, R"({"$contains": "*b?c[d"})"), (Rids{4}));
  EXPECT_EQ(FindDocument(1, R"({"$contains": "?"})"), (Rids{4}));
  EXPECT_EQ(FindDocument(1, R"({"$contains": ""})"), (Rids{1, 2, 4}));
  EXPECT_EQ(FindDocument(1, R"({"$regex": "(?i)^hello"})"), (Rids{1, 2}));
  EXPECT_EQ(FindDocument(1, R"({"$not_regex": "World$"})"), (Rids{1, 3, 4}));
  EXPECT_EQ(FindDocument(2, R"({"$contains": "Hello"})"), (Rids{5}));

  Result<WhereNode> w = ParseWhere(R"({"x": 2})");
  Result<WhereDocumentNode> d = ParseWhereDocument(R"({"$contains": "World"})");
  EXPECT_EQ(Find(1, &*w, &*d), (Rids{2}));
}

TEST_F(FilterSqlTest, LongInListsBindOneJsonParameter) {
  for (int64_t i = 1; i <= 300; ++i) {
    Metadata md = {{"i", i}, {"f", double(i) + 0.1}, {"s", "s" + std::to_string(i)}};
    Insert({i, 1, "id" + std::to_string(i), md, std::nullopt});
  }
  WhereNode in;
  in.key = "i";
  in.op = WhereOp::kIn;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<std::string> strings;
  for (int64_t i = 0; i < 10000; i += 7) {
    ints.push_back(i);
    floats.push_back(double(i) + 0.1);
    strings.push_back("s" + std::to_string(i));
  }
  in.operand = ints;
  Result<RidQuery> q = CompileFilter(1, &in, nullptr);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->params.size(), 2u);  // the key and the JSON array
  Rids want;
  for (int64_t i = 7; i <= 300; i += 7) want.push_back(i);
  EXPECT_EQ(Find(1, &in, nullptr), want);
  in.key = "f";
  in.operand = floats;
  EXPECT_EQ(Find(1, &in, nullptr), want);
  in.key = "s";
  in.operand = strings;
  EXPECT_EQ(Find(1, &in, nullptr), want);
  // A string that is not UTF-8 cannot travel in JSON; the values are bound one by one instead.
  strings.push_back(std::string("\xff\xfe", 2));
  in.operand = strings;
  in.op = WhereOp::kNin;
  Result<RidQuery> q2 = CompileFilter(1, &in, nullptr);
  ASSERT_TRUE(q2.ok());
  EXPECT_GT(q2->params.size(), 1000u);
  EXPECT_EQ(Find(1, &in, nullptr).size(), 300u - want.size());
  // Too many such lists would pass SQLite's parameter limit: refused, not an SQL error later.
  std::vector<std::string> bad(10000, std::string("\xff", 1));
  in.operand = bad;
  WhereNode many;
  many.kind = WhereNode::Kind::kOr;
  many.children.assign(4, in);
  Result<RidQuery> q3 = CompileFilter(1, &many, nullptr);
  ASSERT_FALSE(q3.ok());
  EXPECT_NE(q3.status().message().find("SQL parameters; the limit is"), std::string::npos);
}

// The largest filters the limits allow must still compile to SQL that SQLite accepts: at most 500
// terms per compound SELECT and a bounded parser stack.
TEST_F(FilterSqlTest, FiltersAtTheLimitsRun) {
  for (int64_t i = 1; i <= 50; ++i) {
    Insert({i, 1, "id" + std::to_string(i), Metadata{{"i", i}, {"j", i % 7}}, "doc " + std::to_string(i)});
  }
  for (const char* op : {"$or", "$and"}) {
    for (const char* cmp : {"$eq", "$ne"}) {
      std::string wide = std::string("{\"") + op + "\":[";
      for (int i = 0; i < 999; ++i) {
        wide += std::string(i ? "," : "") + "{\"i\":{\"" + cmp + "\":" + std::to_string(i % 60) + "}}";
      }
      wide += "]}";
      Result<WhereNode> w = ParseWhere(wide);
      ASSERT_TRUE(w.ok()) << w.status().ToString();
      Rids want;
      for (int64_t i = 1; i <= 50; ++i) {
        if (Matches(*w, Metadata{{"i", i}, {"j", i % 7}}, std::nullopt)) want.push_back(i);
      }
      EXPECT_EQ(Find(1, &*w, nullptr), want) << op << " " << cmp;
    }
  }
  // 32 levels, alternating $and / $or, each with a negation and a positive leaf beside the nested
  // filter, so that every level is a wrapped compound SELECT.
  std::string deep = R"({"j": {"$ne": 3}})";
  for (int level = 31; level >= 1; --level) {
    const char* op = level % 2 ? "$and" : "$or";
    deep = std::string("{\"") + op + "\":[" + deep + ",{\"i\":{\"$nin\":[" + std::to_string(level) +
           "]}},{\"#document\":{\"$not_contains\":\"" + std::to_string(level + 1) + "\"}}]}";
  }
  Result<WhereNode> w = ParseWhere(deep);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  Rids want;
  for (int64_t i = 1; i <= 50; ++i) {
    if (Matches(*w, Metadata{{"i", i}, {"j", i % 7}}, "doc " + std::to_string(i))) want.push_back(i);
  }
  EXPECT_EQ(Find(1, &*w, nullptr), want);
}

// The API layer embeds the query after a placeholder of its own, as storage's SelectRecords does:
// "... WHERE cid = ?N+1 AND rid IN (<sql>) ... LIMIT ?N+2 OFFSET ?N+3".
TEST_F(FilterSqlTest, EmbedsAfterTheCallersOwnPlaceholders) {
  for (int64_t i = 1; i <= 20; ++i) Insert({i, 1 + i % 2, "id" + std::to_string(i), Metadata{{"i", i}}, "d"});
  Result<WhereNode> w =
      ParseWhere(R"({"$or": [{"i": {"$lt": 5}}, {"$and": [{"i": {"$gt": 10}}, {"i": {"$ne": 13}}]}]})");
  ASSERT_TRUE(w.ok());
  Result<RidQuery> q = CompileFilter(1, &*w, nullptr);
  ASSERT_TRUE(q.ok());
  int n = int(q->params.size());
  std::string sql = "SELECT rid FROM records WHERE cid = ?" + std::to_string(n + 1) + " AND rid IN (" + q->sql +
                    ") ORDER BY rid LIMIT ?" + std::to_string(n + 2) + " OFFSET ?" + std::to_string(n + 3);
  auto stmt = db_->Prepare(sql);
  ASSERT_TRUE(stmt.ok()) << stmt.status().ToString();
  BindParams(&*stmt, q->params);
  stmt->Bind(n + 1, int64_t{1}).Bind(n + 2, int64_t{3}).Bind(n + 3, int64_t{1});
  Rids got;
  while (true) {
    Result<bool> row = stmt->Step();
    ASSERT_TRUE(row.ok()) << row.status().ToString();
    if (!*row) break;
    got.push_back(stmt->ColumnInt(0));
  }
  // cid = 1 + i % 2: collection 1 holds the even i.
  EXPECT_EQ(got, (Rids{4, 12, 14}));  // of 2, 4, 12, 14, 16, 18, 20: offset 1, limit 3
}

TEST_F(FilterSqlTest, RejectsInvalidTrees) {
  WhereNode bad;
  bad.key = "a";
  bad.op = WhereOp::kGt;
  bad.operand = std::string("x");
  Result<RidQuery> q = CompileFilter(1, &bad, nullptr);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().message(), "Invalid where clause at a: $gt expects an int or a float, got a string");
}

TEST_F(FilterSqlTest, RegexpFunction) {
  auto stmt = db_->Prepare(
      "SELECT ochre_regexp('(?i)cat', 'a CAT'), ochre_regexp('^cat', 'a cat'), "
      "ochre_regexp('x', NULL) IS NULL");
  ASSERT_TRUE(stmt.ok());
  ASSERT_TRUE(*stmt->Step());
  EXPECT_EQ(stmt->ColumnInt(0), 1);
  EXPECT_EQ(stmt->ColumnInt(1), 0);
  EXPECT_EQ(stmt->ColumnInt(2), 1);
  auto bad = db_->Prepare("SELECT ochre_regexp('(', 'a')");
  ASSERT_TRUE(bad.ok());
  Result<bool> step = bad->Step();
  ASSERT_FALSE(step.ok());
  EXPECT_NE(step.status().message().find("invalid pattern"), std::string::npos);
}

// Selective predicates must read the value indexes, not scan the collection (no timing here: the
// plan is the contract).
TEST_F(FilterSqlTest, SelectivePredicatesUseIndexes) {
  EXPECT_NE(Plan(R"({"x": 2})").find("metadata_by_value"), std::string::npos) << Plan(R"({"x": 2})");
  EXPECT_NE(Plan(R"({"s": "abc"})").find("metadata_by_value"), std::string::npos);
  EXPECT_NE(Plan(R"({"x": {"$gt": 2}})").find("metadata_by_value"), std::string::npos);
  EXPECT_NE(Plan(R"({"x": {"$in": [1, 2]}})").find("metadata_by_value"), std::string::npos);
  EXPECT_NE(Plan(R"({"t": {"$contains": "red"}})").find("metadata_array_by_value"), std::string::npos);
  std::string fts = Plan(R"({"#document": {"$contains": "hello"}})");
  EXPECT_NE(fts.find("documents_fts VIRTUAL TABLE"), std::string::npos) << fts;
  // In an $and, one predicate reads the value index and the others are checked per row by key.
  std::string and_plan = Plan(R"({"$and": [{"x": {"$gt": 2}}, {"s": "abc"}, {"y": {"$ne": 1}}]})");
  EXPECT_NE(and_plan.find("metadata_by_value (cid=? AND key=? AND v=?)"), std::string::npos) << and_plan;
  EXPECT_NE(and_plan.find("USING PRIMARY KEY (rid=? AND key=?)"), std::string::npos) << and_plan;
  std::string contains_plan = Plan(R"({"$and": [{"x": 2}, {"t": {"$contains": "red"}}]})");
  EXPECT_NE(contains_plan.find("metadata_array_by_rid (rid=? AND key=?)"), std::string::npos) << contains_plan;
}

TEST_F(FilterSqlTest, RandomFiltersMatchTheReferenceEvaluator) {
  uint64_t seed = 20261125;
  if (const char* env = std::getenv("OCHRE_TEST_SEED")) seed = std::strtoull(env, nullptr, 10);
  std::cout << "FilterSqlTest.RandomFiltersMatchTheReferenceEvaluator seed=" << seed << " (OCHRE_TEST_SEED)"
            << std::endl;
  std::mt19937_64 rng(seed);
  RandomFilterGen gen(&rng);
  std::vector<TestRecord> records;
  for (int64_t rid = 1; rid <= 400; ++rid) {
    TestRecord r = gen.Record(rid);
    Insert(r);
    records.push_back(std::move(r));
  }
  const int kFilters = 3000;
  int failures = 0, nonempty = 0;
  for (int i = 0; i < kFilters && failures < 5; ++i) {
    std::optional<WhereNode> where;
    std::optional<WhereDocumentNode> doc;
    int shape = int(rng() % 4);
    if (shape != 1) where = gen.Where(0);
    if (shape != 0) doc = gen.Document(0);
    if (where) {
      // Every generated tree survives the JSON round trip unchanged.
      std::string json = WhereToJson(*where);
      Result<WhereNode> reparsed = ParseWhere(json);
      ASSERT_TRUE(reparsed.ok()) << json << ": " << reparsed.status().ToString();
      ASSERT_EQ(WhereToJson(*reparsed), json);
    }
    if (doc) {
      std::string json = WhereDocumentToJson(*doc);
      Result<WhereDocumentNode> reparsed = ParseWhereDocument(json);
      ASSERT_TRUE(reparsed.ok()) << json << ": " << reparsed.status().ToString();
      ASSERT_EQ(WhereDocumentToJson(*reparsed), json);
    }
    for (int64_t cid : {1, 2}) {
      Rids want;
      for (const TestRecord& r : records) {
        if (r.cid != cid) continue;
        if (where && !Matches(*where, r.metadata, r.document)) continue;
        if (doc && !Matches(*doc, r.document)) continue;
        want.push_back(r.rid);
      }
      Rids got = Find(cid, where ? &*where : nullptr, doc ? &*doc : nullptr);
      nonempty += !want.empty();
      // Without the FTS index (a collection whose index is not built yet) the answer is the same,
      // and UsesDocumentIndex says exactly when the compiled SQL reads the index.
      if (cid == 1) {
        EXPECT_EQ(Find(cid, where ? &*where : nullptr, doc ? &*doc : nullptr, /*document_index=*/false), want)
            << "seed=" << seed << " filter #" << i;
        auto with = CompileFilter(cid, where ? &*where : nullptr, doc ? &*doc : nullptr, true);
        auto without = CompileFilter(cid, where ? &*where : nullptr, doc ? &*doc : nullptr, false);
        ASSERT_TRUE(with.ok() && without.ok());
        EXPECT_EQ(with->sql.find("documents_fts") != std::string::npos,
                  UsesDocumentIndex(where ? &*where : nullptr, doc ? &*doc : nullptr))
            << with->sql.substr(0, 500);
        EXPECT_EQ(without->sql.find("documents_fts"), std::string::npos);
      }
      if (got != want) {
        ++failures;
        ADD_FAILURE() << "seed=" << seed << " filter #" << i << " cid=" << cid
                      << "\nwhere: " << (where ? WhereToJson(*where) : "null")
                      << "\nwhere_document: " << (doc ? WhereDocumentToJson(*doc) : "null")
                      << "\nSQL: " << CompileFilter(cid, where ? &*where : nullptr, doc ? &*doc : nullptr)->sql << "\n"
                      << DescribeDifference(records, want, got);
      }
    }
  }
  // The generator must produce filters that select something, or the comparison proves little.
  EXPECT_GT(nonempty, kFilters / 2);
}

// Mangled filter text (a poor man's fuzzer): the parsers either refuse it with InvalidArgument or
// accept it, and whatever they accept compiles, runs and agrees with the reference evaluator.
TEST_F(FilterSqlTest, MangledFiltersAreRefusedOrAnsweredCorrectly) {
  uint64_t seed = 777;
  if (const char* env = std::getenv("OCHRE_TEST_SEED")) seed = std::strtoull(env, nullptr, 10);
  std::cout << "FilterSqlTest.MangledFiltersAreRefusedOrAnsweredCorrectly seed=" << seed << std::endl;
  std::mt19937_64 rng(seed);
  RandomFilterGen gen(&rng);
  std::vector<TestRecord> records;
  for (int64_t rid = 1; rid <= 100; ++rid) {
    records.push_back(gen.Record(rid));
    Insert(records.back());
  }
  static const char kAlphabet[] = "{}[]\":,$ 0123456789.-eE+abcdnotqurgxi#_\\";
  int accepted = 0;
  for (int i = 0; i < 4000; ++i) {
    bool document = rng() % 3 == 0;
    std::string text = document ? WhereDocumentToJson(gen.Document(0)) : WhereToJson(gen.Where(0));
    for (int edits = 1 + int(rng() % 3); edits > 0 && !text.empty(); --edits) {
      size_t at = rng() % text.size();
      switch (rng() % 4) {
        case 0:
          text.erase(at, 1 + rng() % 4);
          break;
        case 1:
          text.insert(at, 1, kAlphabet[rng() % (sizeof(kAlphabet) - 1)]);
          break;
        case 2:
          text[at] = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
          break;
        default:
          text.insert(at, text.substr(at, rng() % 12));
          break;
      }
    }
    std::optional<WhereNode> where;
    std::optional<WhereDocumentNode> doc;
    if (document) {
      Result<WhereDocumentNode> r = ParseWhereDocument(text);
      if (!r.ok()) {
        EXPECT_TRUE(r.status().IsInvalidArgument()) << text;
        EXPECT_EQ(r.status().message().rfind("Invalid where document clause", 0), 0u) << r.status().message();
        continue;
      }
      doc = std::move(*r);
    } else {
      Result<WhereNode> r = ParseWhere(text);
      if (!r.ok()) {
        EXPECT_TRUE(r.status().IsInvalidArgument()) << text;
        EXPECT_EQ(r.status().message().rfind("Invalid where clause", 0), 0u) << r.status().message();
        continue;
      }
      where = std::move(*r);
    }
    ++accepted;
    Rids want;
    for (const TestRecord& r : records) {
      if (r.cid != 1) continue;
      if (where && !Matches(*where, r.metadata, r.document)) continue;
      if (doc && !Matches(*doc, r.document)) continue;
      want.push_back(r.rid);
    }
    ASSERT_EQ(Find(1, where ? &*where : nullptr, doc ? &*doc : nullptr), want) << "seed=" << seed << " " << text;
  }
  EXPECT_GT(accepted, 100);
}

}  // namespace
}  // namespace ochre::query
