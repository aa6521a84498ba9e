// Copyright 2026 The OchreDB Authors.
//
// The where / where_document grammars: what is accepted, what is refused and with which message,
// the limits of RELIABILITY.md F17, and the round trip through WhereToJson.
#include "query/where_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ochre/where.h"

namespace ochre {
namespace {

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::string NestedAnd(int levels) { return Repeat("{\"$and\":[", levels - 1) + "{\"a\":1}" + Repeat("]}", levels - 1); }

std::string BigIn(int n) {
  std::string out = "{\"a\":{\"$in\":[";
  for (int i = 0; i < n; ++i) out += (i ? "," : "") + std::to_string(i);
  return out + "]}}";
}

std::string ManyNodes(int n) {
  std::string out = "{\"$or\":[";
  for (int i = 0; i < n; ++i) out += (i ? ",{\"a\":" : "{\"a\":") + std::to_string(i) + "}";
  return out + "]}";
}

TEST(WhereParserTest, AcceptsChromaGrammar) {
  const char* good[] = {
      R"({"a": "x"})",
      R"({"a": 1})",
      R"({"a": 1.5})",
      R"({"a": true})",
      R"({"a": {"$eq": "x"}})",
      R"({"a": {"$ne": false}})",
      R"({"a": {"$gt": 1}})",
      R"({"a": {"$gte": -1.4}})",
      R"({"a": {"$lt": 1e3}})",
      R"({"a": {"$lte": 0}})",
      R"({"a": {"$in": ["x", "y"]}})",
      R"({"a": {"$nin": [1, 2]}})",
      R"({"a": {"$in": [1.5, 2]}})",
      R"({"a": {"$in": [true]}})",
      R"({"a": {"$contains": "x"}})",
      R"({"a": {"$not_contains": 3}})",
      R"({"#document": {"$contains": "hello"}})",
      R"({"#document": {"$not_contains": "hello"}})",
      R"({"#document": {"$regex": "(?i)cat"}})",
      R"({"#document": {"$not_regex": "^a.*b$"}})",
      R"({"$and": []})",
      R"({"$or": []})",
      R"({"$and": [{"a": 1}]})",
      R"({"$or": [{"a": 1}, {"$and": [{"b": "x"}, {"c": {"$gt": 2}}]}]})",
      R"({"a.b": 1})",
      // Chroma reads other operators on "#document" as metadata comparisons on that key.
      R"({"#document": "x"})",
      R"({"#document": {"$ne": 1}})",
      R"({"#document": {"$in": ["x"]}})",
  };
  for (const char* text : good) {
    Result<WhereNode> r = ParseWhere(text);
    EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  }
}

TEST(WhereParserTest, ParsesNumbersAsChromaDoes) {
  Result<WhereNode> i = ParseWhere(R"({"a": 1})");
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(std::get<int64_t>(i->operand), 1);
  EXPECT_EQ(i->op, WhereOp::kEq);
  Result<WhereNode> f = ParseWhere(R"({"a": {"$gt": 1.0}})");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(std::get<double>(f->operand), 1.0);
  Result<WhereNode> e = ParseWhere(R"({"a": 1e3})");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(std::get<double>(e->operand), 1000.0);
  Result<WhereNode> big = ParseWhere(R"({"a": 9223372036854775807})");
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(std::get<int64_t>(big->operand), INT64_MAX);
  Result<WhereNode> mixed = ParseWhere(R"({"a": {"$in": [1.5, 2]}})");
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(std::get<std::vector<double>>(mixed->operand), (std::vector<double>{1.5, 2.0}));
  Result<WhereNode> doc = ParseWhere(R"({"#document": {"$regex": "a+"}})");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->key, "#document");
  EXPECT_EQ(doc->op, WhereOp::kRegex);
}

struct BadCase {
  std::string text;
  std::string fragment;
};

TEST(WhereParserTest, RejectsWithPathAndReason) {
  const std::vector<BadCase> bad = {
      {R"({})", "Invalid where clause: expected an object with exactly one key, got an empty object"},
      {R"({"a": 1, "b": 2})", "exactly one key, got 2 (\"a\", \"b\")"},
      {R"([])", "Invalid where clause: expected an object, got an empty list"},
      {R"("x")", "expected an object, got a string"},
      {R"(null)", "expected an object, got null"},
      {R"({"a": 1)", "Invalid where clause: not valid JSON"},
      {R"({"$and": {"a": 1}})", "Invalid where clause at $and: $and expects a list of filters, got an object"},
      {R"({"$or": "x"})", "at $or: $or expects a list of filters, got a string"},
      {R"({"$and": [{"a": 1}, {}]})", "at $and[1]: expected an object with exactly one key"},
      {R"({"$not": [{"a": 1}]})", "at $not: unknown operator $not (expected $and, $or or a metadata key)"},
      {R"({"a": null})", "at a: expected a string, an int, a float, a bool or an operator object, got null"},
      {R"({"a": [1, 2]})", "at a: expected a string, an int, a float, a bool or an operator object, got a list"},
      {R"({"a": {}})", "at a: an operator object must have exactly one key, got an empty object"},
      {R"({"a": {"$gt": 1, "$lt": 3}})", "at a: an operator object must have exactly one key, got 2"},
      {R"({"a": {"$foo": 1}})", "at a: unknown operator \"$foo\""},
      {"{\"" + std::string(100, 'k') + "\": {\"$gt\": \"x\"}}",
       "Invalid where clause at " + std::string(64, 'k') + "...: $gt expects"},
      {R"({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6})", "got 6 (\"a\", \"b\", \"c\", \"d\", ...)"},
      {R"({"a": {"gt": 1}})", "at a: unknown operator \"gt\""},
      {R"({"$and": [{"a": 1}, {"price": {"$gt": "x"}}]})",
       "Invalid where clause at $and[1].price: $gt expects an int or a float, got a string"},
      {R"({"a": {"$lte": true}})", "at a: $lte expects an int or a float, got a bool"},
      {R"({"a": {"$gte": [1]}})", "at a: $gte expects an int or a float, got a list"},
      {R"({"a": {"$eq": null}})", "at a: $eq expects a string, an int, a float or a bool, got null"},
      {R"({"a": {"$eq": {"b": 1}}})", "at a: $eq expects a string, an int, a float or a bool, got an object"},
      {R"({"a": {"$ne": [1]}})", "at a: $ne expects a string, an int, a float or a bool, got a list"},
      {R"({"a": {"$in": []}})", "at a: $in expects a non-empty list, got an empty list"},
      {R"({"a": {"$nin": 3}})", "at a: $nin expects a non-empty list, got an int"},
      {R"({"a": {"$in": ["x", 1]}})", "$in expects every element to be a string like the first, got an int at index 1"},
      {R"({"a": {"$in": [1, 2.5]}})", "$in expects every element to be an int like the first, got a float at index 1"},
      {R"({"a": {"$in": [true, 1]}})", "$in expects every element to be a bool like the first, got an int at index 1"},
      {R"({"a": {"$in": [null]}})",
       "$in expects a list of strings, ints, floats or bools, got a list starting with null"},
      {R"({"a": {"$in": [[1]]}})", "got a list starting with a list"},
      {R"({"a": {"$contains": [1]}})", "at a: $contains expects a string, an int, a float or a bool, got a list"},
      {R"({"a": {"$regex": "x"}})", "at a: $regex applies only to #document"},
      {R"({"a": {"$not_regex": "x"}})", "at a: $not_regex applies only to #document"},
      {R"({"#document": {"$regex": 1}})", "at #document: $regex on #document expects a string, got an int"},
      {R"({"#document": {"$contains": 1}})", "at #document: $contains on #document expects a string, got an int"},
      {R"({"#document": {"$regex": "(a"}})", "at #document: $regex pattern does not compile: missing )"},
      {R"({"#document": {"$regex": "(?<=a)b"}})", "$regex pattern does not compile"},
      {R"({"#document": {"$regex": "(a)\\1"}})", "$regex pattern does not compile"},
      {R"({"a": 18446744073709551615})", "at a: $eq operand 18446744073709551615 is outside the int64 range"},
      {R"({"a": {"$in": [1, 18446744073709551615]}})", "outside the int64 range"},
      {R"({"a": 1e400})", "not valid JSON"},
      {"{\"#document\": {\"$regex\": \"" + std::string(4097, 'a') + "\"}}",
       "$regex pattern is 4097 bytes; the limit is 4096"},
      {NestedAnd(33), "the filter nests deeper than 32 levels"},
      {NestedAnd(100000), "Invalid where clause: the filter nests deeper than 32 levels"},
      {BigIn(10001), "at a: $in has 10001 values; the limit is 10000"},
      {ManyNodes(1000), "Invalid where clause: the filter has more than 1000 nodes"},
  };
  for (const BadCase& c : bad) {
    Result<WhereNode> r = ParseWhere(c.text);
    ASSERT_FALSE(r.ok()) << c.text.substr(0, 200);
    EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.fragment), std::string::npos)
        << "filter: " << c.text.substr(0, 200) << "\nmessage: " << r.status().message() << "\nwant: " << c.fragment;
  }
}

TEST(WhereParserTest, LimitsAreInclusive) {
  EXPECT_TRUE(ParseWhere(NestedAnd(32)).ok());
  EXPECT_TRUE(ParseWhere(BigIn(10000)).ok());
  EXPECT_TRUE(ParseWhere(ManyNodes(999)).ok());  // 999 leaves and the $or
  EXPECT_TRUE(ParseWhere("{\"#document\": {\"$regex\": \"" + std::string(4096, 'a') + "\"}}").ok());
}

TEST(WhereDocumentParserTest, AcceptsChromaGrammar) {
  const char* good[] = {
      R"({"$contains": "x"})",
      R"({"$not_contains": ""})",
      R"({"$regex": "(?i)cat"})",
      R"({"$not_regex": "a|b"})",
      R"({"$and": []})",
      R"({"$or": [{"$contains": "a"}]})",
      R"({"$and": [{"$contains": "a"}, {"$or": [{"$regex": "b"}, {"$not_contains": "c"}]}]})",
  };
  for (const char* text : good) {
    Result<WhereDocumentNode> r = ParseWhereDocument(text);
    EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  }
}

TEST(WhereDocumentParserTest, RejectsWithPathAndReason) {
  const std::vector<BadCase> bad = {
      {R"({})", "Invalid where document clause: expected an object with exactly one key, got an empty object"},
      {R"({"$contains": 1})", "Invalid where document clause: $contains expects a string, got an int"},
      {R"({"$eq": "x"})",
       "unknown operator \"$eq\" (expected $contains, $not_contains, $regex, $not_regex, $and or $or)"},
      {R"({"text": "x"})", "unknown operator \"text\""},
      {R"({"$and": [{"$contains": "a"}, {"$regex": "("}]})",
       "Invalid where document clause at $and[1]: $regex pattern does not compile"},
      {R"({"$or": {"$contains": "a"}})", "at $or: $or expects a list of filters, got an object"},
      {R"({"$contains": "a", "$regex": "b"})", "exactly one key, got 2"},
      {"{\"$regex\": \"" + std::string(5000, 'a') + "\"}", "$regex pattern is 5000 bytes; the limit is 4096"},
      {Repeat("{\"$and\":[", 40) + "{\"$contains\":\"a\"}" + Repeat("]}", 40), "nests deeper than 32 levels"},
  };
  for (const BadCase& c : bad) {
    Result<WhereDocumentNode> r = ParseWhereDocument(c.text);
    ASSERT_FALSE(r.ok()) << c.text.substr(0, 200);
    EXPECT_TRUE(r.status().IsInvalidArgument());
    EXPECT_NE(r.status().message().find(c.fragment), std::string::npos)
        << "filter: " << c.text.substr(0, 200) << "\nmessage: " << r.status().message() << "\nwant: " << c.fragment;
  }
}

TEST(WhereParserTest, RoundTripsThroughJson) {
  const char* filters[] = {
      R"({"a": "x"})",
      R"({"a": 2})",
      R"({"a": 2.0})",
      R"({"a": -0.0})",
      R"({"a": 1e300})",
      R"({"a": {"$in": [1.5, 2]}})",
      R"({"a": {"$nin": [true, false]}})",
      R"({"a": {"$in": ["x", "\u00e9\"\\"]}})",
      R"({"$or": [{"a": {"$gt": -9223372036854775808}}, {"$and": []}, {"#document": {"$regex": "(?i)x"}}]})",
      R"({"a": {"$not_contains": 0.1}})",
  };
  for (const char* text : filters) {
    Result<WhereNode> first = ParseWhere(text);
    ASSERT_TRUE(first.ok()) << text;
    std::string json = WhereToJson(*first);
    Result<WhereNode> second = ParseWhere(json);
    ASSERT_TRUE(second.ok()) << json;
    EXPECT_EQ(WhereToJson(*second), json);
    EXPECT_EQ(first->operand, second->operand) << json;
    EXPECT_EQ(first->children.size(), second->children.size());
  }
  Result<WhereNode> shorthand = ParseWhere(R"({"a": 2.0})");
  ASSERT_TRUE(shorthand.ok());
  EXPECT_EQ(WhereToJson(*shorthand), R"({"a":{"$eq":2.0}})");

  Result<WhereDocumentNode> doc = ParseWhereDocument(R"({"$and": [{"$contains": "a"}, {"$not_regex": "b+"}]})");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(WhereDocumentToJson(*doc), R"({"$and":[{"$contains":"a"},{"$not_regex":"b+"}]})");
  Result<WhereDocumentNode> doc2 = ParseWhereDocument(WhereDocumentToJson(*doc));
  ASSERT_TRUE(doc2.ok());
  EXPECT_EQ(WhereDocumentToJson(*doc2), WhereDocumentToJson(*doc));
}

TEST(WhereValidateTest, ChecksTreesBuiltInCode) {
  WhereNode ok;
  ok.key = "a";
  ok.op = WhereOp::kGt;
  ok.operand = int64_t{3};
  EXPECT_TRUE(query::ValidateWhere(ok).ok());

  WhereNode bad = ok;
  bad.operand = std::string("x");
  WhereNode root;
  root.kind = WhereNode::Kind::kOr;
  root.children = {ok, bad};
  Status s = query::ValidateWhere(root);
  EXPECT_EQ(s.message(), "Invalid where clause at $or[1].a: $gt expects an int or a float, got a string");

  WhereNode nan = ok;
  nan.operand = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(query::ValidateWhere(nan).ok());

  WhereNode empty_in = ok;
  empty_in.op = WhereOp::kIn;
  empty_in.operand = std::vector<int64_t>{};
  EXPECT_NE(query::ValidateWhere(empty_in).message().find("$in expects a non-empty list, got an empty list"),
            std::string::npos);

  WhereDocumentNode leaf;
  leaf.op = DocumentOp::kRegex;
  leaf.pattern = "(";
  EXPECT_NE(query::ValidateWhereDocument(leaf).message().find("Invalid where document clause: $regex pattern"),
            std::string::npos);
}

}  // namespace
}  // namespace ochre
