// Copyright 2026 The OchreDB Authors.
//
// The reference evaluator on hand-written cases taken from CHROMA_SPEC §3.5 / §3.6: it is the
// oracle of the differential test, so its behaviour is pinned here case by case.
#include "query/filter_eval.h"

#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>

#include "ochre/where.h"

namespace ochre::query {
namespace {

bool Eval(const std::string& where, const std::optional<Metadata>& md, const std::optional<std::string>& doc = {}) {
  Result<WhereNode> w = ParseWhere(where);
  EXPECT_TRUE(w.ok()) << where << ": " << w.status().ToString();
  return w.ok() && Matches(*w, md, doc);
}

bool EvalDoc(const std::string& where_document, const std::optional<std::string>& doc) {
  Result<WhereDocumentNode> w = ParseWhereDocument(where_document);
  EXPECT_TRUE(w.ok()) << where_document << ": " << w.status().ToString();
  return w.ok() && Matches(*w, doc);
}

const Metadata kMd = {
    {"i", int64_t{2}},
    {"f", 2.0},
    {"neg", -2.0},
    {"s", std::string("abc")},
    {"b", true},
    {"zero", int64_t{0}},
    {"tags", std::vector<std::string>{"red", "blue"}},
    {"nums", std::vector<int64_t>{1, 2, 3}},
    {"fl", std::vector<double>{1.5, 2.0}},
    {"flags", std::vector<bool>{false}},
    {"gone", std::monostate{}},
};

TEST(FilterEvalTest, EqualityAcrossIntAndFloat) {
  EXPECT_TRUE(Eval(R"({"i": 2})", kMd));
  EXPECT_TRUE(Eval(R"({"i": 2.0})", kMd));
  EXPECT_TRUE(Eval(R"({"f": 2})", kMd));
  EXPECT_FALSE(Eval(R"({"i": 2.5})", kMd));
  EXPECT_TRUE(Eval(R"({"neg": {"$lt": -1.4}})", kMd));
  EXPECT_TRUE(Eval(R"({"i": {"$gt": -1.4}})", kMd));
  EXPECT_TRUE(Eval(R"({"i": {"$gte": 2.0}})", kMd));
  EXPECT_FALSE(Eval(R"({"i": {"$gt": 2.0}})", kMd));
  EXPECT_TRUE(Eval(R"({"i": {"$lte": 2}})", kMd));
  EXPECT_TRUE(Eval(R"({"i": {"$in": [5, 2]}})", kMd));
  EXPECT_TRUE(Eval(R"({"i": {"$in": [2.0]}})", kMd));
  EXPECT_FALSE(Eval(R"({"i": {"$in": [2.5]}})", kMd));
  EXPECT_TRUE(Eval(R"({"f": {"$nin": [3]}})", kMd));
}

TEST(FilterEvalTest, BoolsAreNotNumbers) {
  EXPECT_TRUE(Eval(R"({"b": true})", kMd));
  EXPECT_FALSE(Eval(R"({"b": 1})", kMd));
  EXPECT_FALSE(Eval(R"({"zero": false})", kMd));
  EXPECT_FALSE(Eval(R"({"b": {"$gt": 0}})", kMd));
  EXPECT_TRUE(Eval(R"({"b": {"$ne": 1}})", kMd));
  EXPECT_TRUE(Eval(R"({"b": {"$in": [true]}})", kMd));
}

TEST(FilterEvalTest, StringsCompareOnlyWithStrings) {
  EXPECT_TRUE(Eval(R"({"s": "abc"})", kMd));
  EXPECT_FALSE(Eval(R"({"s": "ABC"})", kMd));
  EXPECT_FALSE(Eval(R"({"i": "2"})", kMd));
  EXPECT_FALSE(Eval(R"({"s": {"$gt": 0}})", kMd));
  EXPECT_FALSE(Eval(R"({"s": {"$lt": 0}})", kMd));
  EXPECT_TRUE(Eval(R"({"s": {"$in": ["x", "abc"]}})", kMd));
}

TEST(FilterEvalTest, NegationsMatchMissingKeys) {
  EXPECT_FALSE(Eval(R"({"missing": 1})", kMd));
  EXPECT_TRUE(Eval(R"({"missing": {"$ne": 1}})", kMd));
  EXPECT_TRUE(Eval(R"({"missing": {"$nin": [1]}})", kMd));
  EXPECT_TRUE(Eval(R"({"missing": {"$not_contains": 1}})", kMd));
  EXPECT_FALSE(Eval(R"({"missing": {"$gt": 0}})", kMd));
  EXPECT_FALSE(Eval(R"({"gone": {"$eq": 1}})", kMd));  // a null entry is an absent key
  EXPECT_TRUE(Eval(R"({"gone": {"$ne": 1}})", kMd));
  EXPECT_TRUE(Eval(R"({"x": {"$ne": 1}})", std::nullopt));
  EXPECT_FALSE(Eval(R"({"x": {"$eq": 1}})", std::nullopt));
}

TEST(FilterEvalTest, ArraysAnswerOnlyContains) {
  EXPECT_TRUE(Eval(R"({"tags": {"$contains": "red"}})", kMd));
  EXPECT_FALSE(Eval(R"({"tags": {"$contains": "green"}})", kMd));
  EXPECT_TRUE(Eval(R"({"tags": {"$not_contains": "green"}})", kMd));
  EXPECT_FALSE(Eval(R"({"tags": "red"})", kMd));
  EXPECT_TRUE(Eval(R"({"tags": {"$ne": "red"}})", kMd));
  EXPECT_FALSE(Eval(R"({"tags": {"$in": ["red"]}})", kMd));
  EXPECT_TRUE(Eval(R"({"nums": {"$contains": 2.0}})", kMd));
  EXPECT_TRUE(Eval(R"({"fl": {"$contains": 2}})", kMd));
  EXPECT_FALSE(Eval(R"({"nums": {"$contains": true}})", kMd));
  EXPECT_TRUE(Eval(R"({"flags": {"$contains": false}})", kMd));
  EXPECT_FALSE(Eval(R"({"flags": {"$contains": 0}})", kMd));
  EXPECT_FALSE(Eval(R"({"nums": {"$gt": 0}})", kMd));
  // $contains on a scalar key is false, $not_contains true.
  EXPECT_FALSE(Eval(R"({"s": {"$contains": "abc"}})", kMd));
  EXPECT_TRUE(Eval(R"({"s": {"$not_contains": "abc"}})", kMd));
}

TEST(FilterEvalTest, LogicalOperators) {
  EXPECT_TRUE(Eval(R"({"$and": []})", kMd));
  EXPECT_FALSE(Eval(R"({"$or": []})", kMd));
  EXPECT_TRUE(Eval(R"({"$and": [{"i": 2}, {"s": "abc"}]})", kMd));
  EXPECT_FALSE(Eval(R"({"$and": [{"i": 2}, {"s": "x"}]})", kMd));
  EXPECT_TRUE(Eval(R"({"$or": [{"i": 3}, {"s": "abc"}]})", kMd));
}

TEST(FilterEvalTest, DocumentOperators) {
  EXPECT_TRUE(Eval(R"({"#document": {"$contains": "ell"}})", kMd, "Hello"));
  EXPECT_FALSE(Eval(R"({"#document": {"$contains": "hello"}})", kMd, "Hello"));
  EXPECT_FALSE(Eval(R"({"#document": {"$contains": "x"}})", kMd, std::nullopt));
  EXPECT_TRUE(Eval(R"({"#document": {"$not_contains": "x"}})", kMd, std::nullopt));
  // Other operators on #document compare a metadata key of that name, which never exists.
  EXPECT_FALSE(Eval(R"({"#document": "Hello"})", kMd, "Hello"));
  EXPECT_TRUE(Eval(R"({"#document": {"$ne": "Hello"}})", kMd, "Hello"));
  EXPECT_TRUE(EvalDoc(R"({"$regex": "(?i)cat"})", "a CAT"));
  EXPECT_FALSE(EvalDoc(R"({"$regex": "cat"})", "a CAT"));
  EXPECT_FALSE(EvalDoc(R"({"$regex": ".*"})", std::nullopt));
  EXPECT_TRUE(EvalDoc(R"({"$not_regex": "x"})", std::nullopt));
  EXPECT_TRUE(EvalDoc(R"({"$contains": ""})", ""));
  EXPECT_FALSE(EvalDoc(R"({"$contains": ""})", std::nullopt));
  EXPECT_TRUE(EvalDoc(R"({"$and": [{"$contains": "a"}, {"$not_contains": "z"}]})", "abc"));
  EXPECT_FALSE(EvalDoc(R"({"$or": []})", "abc"));
}

TEST(FilterEvalTest, CompareIntDoubleIsExact) {
  EXPECT_EQ(CompareIntDouble(2, 2.0), 0);
  EXPECT_LT(CompareIntDouble(2, 2.5), 0);
  EXPECT_GT(CompareIntDouble(-2, -2.5), 0);
  EXPECT_LT(CompareIntDouble(-3, -2.5), 0);
  // 2^53 + 1 is not a double; rounding the int would call it equal to 2^53.
  EXPECT_GT(CompareIntDouble((int64_t{1} << 53) + 1, 9007199254740992.0), 0);
  EXPECT_LT(CompareIntDouble(std::numeric_limits<int64_t>::max(), 9223372036854775808.0), 0);
  EXPECT_EQ(CompareIntDouble(std::numeric_limits<int64_t>::min(), -9223372036854775808.0), 0);
  EXPECT_GT(CompareIntDouble(std::numeric_limits<int64_t>::min(), -1e300), 0);
}

}  // namespace
}  // namespace ochre::query
