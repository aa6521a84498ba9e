// Copyright 2026 The OchreDB Authors.
//
// The Search API (Chroma's collection.search): a typed request, its parser from Chroma's JSON
// ({"searches": [...], "read_level": ...}, as chromadb's Python Search.to_dict() and the JS client's
// toPayload() send it), and the per-search result. A search is a filter (Chroma's `where`, which
// here may also hold `#id` and `#document` clauses), an optional rank expression (Knn, constants and
// arithmetic; lower scores are better), limit/offset, select and group_by. Collection::Search
// evaluates them (include/ochre/collection.h).
//
// Ranking follows Chroma (rust/worker/src/execution/operators/rank.rs): every Knn gives scores to
// its candidates (at most `limit` nearest records matching the filter); a record missing from a
// Knn's candidates takes the Knn's `default`, and when the Knn has no default the record is left
// out of any sum, product, min or max that Knn is part of. Results are sorted ascending by score
// (ties by id), grouped when group_by is set, then offset and limit are applied.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ochre/result.h"
#include "ochre/sparse_vector.h"
#include "ochre/types.h"
#include "ochre/where.h"

namespace ochre {

// A key of select / group_by / aggregate: one of Chroma's predefined keys or a metadata field.
// The order of Kind is Chroma's order of keys (the response's `select` lists them sorted).
struct SearchKey {
  enum class Kind : uint8_t { kDocument, kEmbedding, kMetadata, kScore, kField };
  Kind kind = Kind::kField;
  std::string field;  // kField only

  // "#document", "#embedding", "#metadata", "#score" or the field name.
  static SearchKey FromName(std::string_view name);
  std::string Name() const;
  friend bool operator==(const SearchKey&, const SearchKey&) = default;
  friend auto operator<=>(const SearchKey&, const SearchKey&) = default;
};

inline constexpr std::string_view kEmbeddingKey = "#embedding";
inline constexpr std::string_view kIdKey = "#id";
// Chroma's default Knn limit (RankExpr::default_knn_limit).
inline constexpr int64_t kDefaultKnnLimit = 16;

// {"$knn": {"query": ..., "key": ..., "limit": ..., "default": ..., "return_rank": ...}}.
struct KnnRank {
  // A dense query searches "#embedding"; a sparse query searches the sparse vectors stored under
  // `key` in the records' metadata.
  std::variant<std::vector<float>, SparseVector> query;
  std::string key = std::string(kEmbeddingKey);
  int64_t limit = kDefaultKnnLimit;    // candidates considered (u32 in Chroma)
  std::optional<float> default_score;  // the score of records that are not candidates
  bool return_rank = false;            // score = 0-based position among the candidates, not distance
};

// A rank expression tree. Chroma's operators: $knn, $val, $sum, $sub, $mul, $div, $abs, $exp, $log,
// $max, $min (Rrf arrives already expanded into this arithmetic by the clients).
struct RankExpr {
  enum class Kind : uint8_t { kKnn, kVal, kSum, kSub, kMul, kDiv, kAbs, kExp, kLog, kMax, kMin };
  Kind kind = Kind::kVal;
  float value = 0;                 // kVal
  KnnRank knn;                     // kKnn
  std::vector<RankExpr> children;  // kSum/kMul/kMax/kMin: any number; kSub/kDiv: {left, right}; kAbs/kExp/kLog: one
};

struct SearchGroupBy {
  enum class Aggregate : uint8_t { kMinK, kMaxK };
  std::vector<std::string> keys;  // metadata fields; records without one form their own (null) group
  Aggregate aggregate = Aggregate::kMinK;
  std::vector<SearchKey> aggregate_keys;  // metadata fields or #score, compared in order
  int64_t k = 1;                          // records kept per group, > 0
};

// One search of a batch.
struct SearchRequest {
  std::optional<WhereNode> where;         // may contain "#id" ($eq/$ne/$in/$nin) and "#document" clauses
  std::optional<RankExpr> rank;           // none: records in insertion order, no scores
  std::optional<SearchGroupBy> group_by;  // needs a rank
  int64_t offset = 0;
  std::optional<int64_t> limit;   // none: every result
  std::vector<SearchKey> select;  // sorted, without duplicates
};

enum class ReadLevel : uint8_t { kIndexAndWal, kIndexOnly, kIndexAndBoundedWal };

struct SearchBatch {
  std::vector<SearchRequest> searches;
  ReadLevel read_level = ReadLevel::kIndexAndWal;  // accepted; every committed record is always visible
};

// The result of one search: Chroma's SearchResponse entry. A column is present when selected
// (documents: #document, embeddings: #embedding, metadatas: #metadata or any field, scores: #score).
struct SearchResult {
  std::vector<std::string> ids;
  std::optional<std::vector<std::optional<std::string>>> documents;
  std::optional<std::vector<std::optional<std::vector<float>>>> embeddings;
  // Only the selected fields unless #metadata is selected; an empty selection is null.
  std::optional<std::vector<std::optional<Metadata>>> metadatas;
  std::optional<std::vector<std::optional<float>>> scores;  // null entries when there is no rank
  std::vector<std::string> select;                          // the selected key names, sorted
};

// Parses Chroma's search request body. InvalidArgument names the path of the bad part, e.g.
// `Invalid search at searches[0].rank.$sum[1]: unknown operator $foo, ...`.
Result<SearchBatch> ParseSearchBatch(std::string_view json);
// One search payload ({"filter": ..., "rank": ..., "group_by": ..., "limit": ..., "select": ...}).
Result<SearchRequest> ParseSearchRequest(std::string_view json);
// The structural rules a parsed request satisfies, for requests built in C++: group_by's keys
// and aggregate, its need for a rank, limits >= 0, finite numbers, sparse vectors well formed.
Status ValidateSearchRequest(const SearchRequest& request);

}  // namespace ochre
