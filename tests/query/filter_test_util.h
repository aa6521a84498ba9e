// Copyright 2026 The OchreDB Authors.
//
// Test helpers for the filter tests: records written to the catalog schema the way the API layer
// writes them, and a seeded generator of records and filters over a small value domain (so that
// filters often hit). Header-only because only *_test.cc files are built into the test binary.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ochre/types.h"
#include "ochre/where.h"
#include "storage/metadata_codec.h"
#include "storage/schema.h"
#include "storage/sqlite_db.h"

namespace ochre::query {

struct TestRecord {
  int64_t rid = 0;
  int64_t cid = 0;
  std::string id;
  std::optional<Metadata> metadata;
  std::optional<std::string> document;
};

// Writes one record: the records row, one metadata row per scalar, one metadata_array row per array
// element, and the FTS row when there is a document.
inline Status InsertScalar(storage::SqliteDb* db, const char* table, int64_t rid, int64_t cid, const std::string& key,
                           const MetadataValue& v) {
  OCHRE_ASSIGN_OR_RETURN(storage::Statement stmt, db->Prepare(std::string("INSERT INTO ") + table +
                                                              "(rid, cid, key, t, v) VALUES (?, ?, ?, ?, ?)"));
  stmt.Bind(1, rid).Bind(2, cid).Bind(3, std::string_view(key));
  if (const bool* b = std::get_if<bool>(&v)) {
    stmt.Bind(4, storage::kTypeBool).Bind(5, int64_t{*b});
  } else if (const int64_t* i = std::get_if<int64_t>(&v)) {
    stmt.Bind(4, storage::kTypeInt).Bind(5, *i);
  } else if (const double* d = std::get_if<double>(&v)) {
    stmt.Bind(4, storage::kTypeFloat).Bind(5, *d);
  } else {
    stmt.Bind(4, storage::kTypeString).Bind(5, std::string_view(std::get<std::string>(v)));
  }
  return stmt.Run();
}

inline Status InsertTestRecord(storage::SqliteDb* db, const TestRecord& r) {
  OCHRE_ASSIGN_OR_RETURN(
      storage::Statement stmt,
      db->Prepare("INSERT INTO records(rid, cid, id, row, document, metadata_json) VALUES (?, ?, ?, ?, ?, ?)"));
  stmt.Bind(1, r.rid).Bind(2, r.cid).Bind(3, std::string_view(r.id)).Bind(4, r.rid).Bind(5, r.document);
  // As CatalogConn::InsertRecord stores it: no JSON for no (or empty) metadata.
  if (r.metadata && !r.metadata->empty()) stmt.Bind(6, storage::EncodeMetadata(*r.metadata));
  OCHRE_RETURN_IF_ERROR(stmt.Run());
  if (r.document) {
    OCHRE_ASSIGN_OR_RETURN(storage::Statement fts,
                           db->Prepare("INSERT INTO documents_fts(rowid, document) VALUES (?, ?)"));
    fts.Bind(1, r.rid).Bind(2, std::string_view(*r.document));
    OCHRE_RETURN_IF_ERROR(fts.Run());
  }
  if (!r.metadata) return Status::Ok();
  for (const auto& [key, value] : *r.metadata) {
    Status s = std::visit(
        [&](const auto& v) -> Status {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate> || std::is_same_v<T, SparseVector>) {
            return Status::Ok();  // sparse vectors are not filterable: no metadata rows
          } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, int64_t> || std::is_same_v<T, double> ||
                               std::is_same_v<T, std::string>) {
            return InsertScalar(db, "metadata", r.rid, r.cid, key, value);
          } else {
            for (const auto& e : v) {
              OCHRE_RETURN_IF_ERROR(
                  InsertScalar(db, "metadata_array", r.rid, r.cid, key, MetadataValue(typename T::value_type(e))));
            }
            return Status::Ok();
          }
        },
        value);
    OCHRE_RETURN_IF_ERROR(s);
  }
  return Status::Ok();
}

// Random records and filters. Values come from small pools shared by both, with int/float
// look-alikes (2 and 2.0), bools next to 0/1, strings that look like numbers, extreme ints and
// doubles with many digits; documents use a small alphabet with GLOB metacharacters, mixed case and
// multi-byte characters, so substring and regex filters both hit and miss.
class RandomFilterGen {
 public:
  explicit RandomFilterGen(std::mt19937_64* rng) : rng_(rng) {
    std::uniform_real_distribution<double> real(-3, 3);
    for (int i = 0; i < 6; ++i) odd_doubles_.push_back(real(*rng_));
  }

  size_t Pick(size_t n) { return size_t((*rng_)() % n); }
  bool Chance(int percent) { return int(Pick(100)) < percent; }

  MetadataValue Scalar(int type) {
    static const int64_t kInts[] = {-3, -1, 0, 1, 2, 3, 9007199254740993, INT64_MAX, INT64_MIN};
    static const double kDoubles[] = {-2.5, -1.0, 0.0, 0.5, 1.0, 2.0, 2.5, 9007199254740992.0, 1e300};
    static const char* kStrings[] = {"", "a", "b", "ab", "B", "2", "\xc3\xa9", "a b"};
    switch (type) {
      case 0:
        return MetadataValue(Chance(50));
      case 1:
        return MetadataValue(Chance(85) ? kInts[Pick(6)] : kInts[Pick(9)]);
      case 2:
        if (Chance(20)) return MetadataValue(odd_doubles_[Pick(odd_doubles_.size())]);
        return MetadataValue(Chance(85) ? kDoubles[Pick(7)] : kDoubles[Pick(9)]);
      default:
        return MetadataValue(std::string(kStrings[Pick(8)]));
    }
  }

  MetadataValue Array(int type, size_t n) {
    switch (type) {
      case 0: {
        std::vector<bool> v;
        for (size_t i = 0; i < n; ++i) v.push_back(std::get<bool>(Scalar(0)));
        return v;
      }
      case 1: {
        std::vector<int64_t> v;
        for (size_t i = 0; i < n; ++i) v.push_back(std::get<int64_t>(Scalar(1)));
        return v;
      }
      case 2: {
        std::vector<double> v;
        for (size_t i = 0; i < n; ++i) v.push_back(std::get<double>(Scalar(2)));
        return v;
      }
      default: {
        std::vector<std::string> v;
        for (size_t i = 0; i < n; ++i) v.push_back(std::get<std::string>(Scalar(3)));
        return v;
      }
    }
  }

  std::string Text(size_t max_len) {
    static const char* kPieces[] = {
        "a",  "b",  "c",   "A",   "B",  " ", "*", "?", "[", "]", "%", "_", "\xc3\xa9", "\xc3\x89", "\xe6\x97\xa5",
        "\n", "ab", "abc", "cat", "CAT"};
    std::string s;
    size_t n = Pick(max_len + 1);
    for (size_t i = 0; i < n; ++i) s += kPieces[Pick(20)];
    return s;
  }

  TestRecord Record(int64_t rid) {
    TestRecord r;
    r.rid = rid;
    r.cid = Chance(70) ? 1 : 2;
    r.id = "id" + std::to_string(rid);
    if (!Chance(20)) r.document = Text(10);
    if (!Chance(15)) {
      Metadata md;
      for (const char* key : kKeys) {
        if (Chance(40)) continue;
        int type = int(Pick(4));
        md[key] = Chance(25) ? Array(type, 1 + Pick(3)) : Scalar(type);
      }
      r.metadata = std::move(md);
    }
    return r;
  }

  WhereNode Where(int depth) {
    WhereNode node;
    if (depth < 3 && Chance(depth == 0 ? 45 : 25)) {
      node.kind = Chance(50) ? WhereNode::Kind::kAnd : WhereNode::Kind::kOr;
      size_t n = Pick(4);
      for (size_t i = 0; i < n; ++i) node.children.push_back(Where(depth + 1));
      return node;
    }
    node.kind = WhereNode::Kind::kCompare;
    if (Chance(10)) {
      node.key = std::string(kDocumentKey);
      static const WhereOp kDocOps[] = {WhereOp::kContains, WhereOp::kNotContains, WhereOp::kRegex, WhereOp::kNotRegex};
      node.op = kDocOps[Pick(4)];
      bool regex = node.op == WhereOp::kRegex || node.op == WhereOp::kNotRegex;
      node.operand = regex ? Regex() : Text(3);
      return node;
    }
    node.key = Chance(95) ? kKeys[Pick(5)] : (Chance(50) ? "absent" : std::string(kDocumentKey));
    static const WhereOp kOps[] = {WhereOp::kEq,       WhereOp::kNe,         WhereOp::kGt, WhereOp::kGte,
                                   WhereOp::kLt,       WhereOp::kLte,        WhereOp::kIn, WhereOp::kNin,
                                   WhereOp::kContains, WhereOp::kNotContains};
    node.op = kOps[Pick(10)];
    switch (node.op) {
      case WhereOp::kGt:
      case WhereOp::kGte:
      case WhereOp::kLt:
      case WhereOp::kLte:
        node.operand = Scalar(1 + int(Pick(2)));
        break;
      case WhereOp::kIn:
      case WhereOp::kNin:
        // Now and then a list long enough to travel as one JSON parameter.
        node.operand = Array(int(Pick(4)), Chance(10) ? 65 + Pick(100) : 1 + Pick(4));
        break;
      default:
        // $contains on "#document" is the document test and needs a string.
        node.operand = node.key == kDocumentKey && (node.op == WhereOp::kContains || node.op == WhereOp::kNotContains)
                           ? Scalar(3)
                           : Scalar(int(Pick(4)));
        break;
    }
    return node;
  }

  WhereDocumentNode Document(int depth) {
    WhereDocumentNode node;
    if (depth < 3 && Chance(depth == 0 ? 40 : 20)) {
      node.kind = Chance(50) ? WhereDocumentNode::Kind::kAnd : WhereDocumentNode::Kind::kOr;
      size_t n = Pick(4);
      for (size_t i = 0; i < n; ++i) node.children.push_back(Document(depth + 1));
      return node;
    }
    node.kind = WhereDocumentNode::Kind::kLeaf;
    static const DocumentOp kOps[] = {DocumentOp::kContains, DocumentOp::kNotContains, DocumentOp::kRegex,
                                      DocumentOp::kNotRegex};
    node.op = kOps[Pick(4)];
    bool regex = node.op == DocumentOp::kRegex || node.op == DocumentOp::kNotRegex;
    node.pattern = regex ? Regex() : Text(4);
    return node;
  }

  std::string Regex() {
    static const char* kPatterns[] = {"(?i)cat",      "cat",          "^a",    "b$", "a.b", "[ab]+c",  "\\*", "\\[",
                                      "(?i)\xc3\xa9", "\xe6\x97\xa5", "a|B",   "",   "^$",  "(?s)a.b", "\\?", "^(?i)ab",
                                      "c{2}",         "[^a-z]$",      "\\p{L}"};
    return kPatterns[Pick(19)];
  }

 private:
  static constexpr const char* kKeys[5] = {"a", "b", "c", "d", "e"};
  std::mt19937_64* rng_;
  std::vector<double> odd_doubles_;
};

inline std::string DescribeDifference(const std::vector<TestRecord>& records, const std::vector<int64_t>& want,
                                      const std::vector<int64_t>& got) {
  std::ostringstream out;
  auto describe = [&](int64_t rid) {
    for (const TestRecord& r : records) {
      if (r.rid != rid) continue;
      out << "  rid " << rid << " document=" << (r.document ? "\"" + *r.document + "\"" : "null") << " metadata={";
      if (r.metadata) {
        for (const auto& [k, v] : *r.metadata) {
          WhereNode shown;
          shown.key = k;
          shown.operand = v;
          out << WhereToJson(shown) << " ";
        }
      }
      out << "}\n";
    }
  };
  for (int64_t rid : want) {
    if (std::find(got.begin(), got.end(), rid) == got.end()) {
      out << "missing from SQL:\n";
      describe(rid);
    }
  }
  for (int64_t rid : got) {
    if (std::find(want.begin(), want.end(), rid) == want.end()) {
      out << "extra in SQL:\n";
      describe(rid);
    }
  }
  return out.str();
}

}  // namespace ochre::query
