// Copyright 2026 The OchreDB Authors.
//
// ParseSearchBatch / ParseSearchRequest: Chroma's search request JSON into ochre::SearchRequest.
// Shapes and defaults are those of Chroma's serde types (rust/types/src/execution/operator.rs,
// plan.rs, api_types.rs SearchRequestPayload): rank operators are externally tagged objects with
// one key; Knn's key defaults to "#embedding", its limit to 16; limit/offset are u32; the filter is
// a `where` (null or {} for none). Unlike Chroma, which ignores them, unknown fields of a search
// payload are rejected, so that a misspelt "rank" does not silently return unranked results.
#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "ochre/search.h"

namespace ochre {
namespace {

using nlohmann::json;

Status Invalid(const std::string& path, const std::string& what) {
  return Status::InvalidArgument("Invalid search at " + path + ": " + what);
}

std::string TypeName(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a float";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "an unsupported value";
  }
}

// A u32, as serde reads one: a non-negative integer below 2^32.
Result<int64_t> ParseU32(const json& j, const std::string& path) {
  if (j.is_number_unsigned()) {
    uint64_t v = j.get<uint64_t>();
    if (v > std::numeric_limits<uint32_t>::max()) {
      return Invalid(path, "expected an integer between 0 and 4294967295, got " + std::to_string(v));
    }
    return int64_t(v);
  }
  if (j.is_number_integer()) {
    return Invalid(path, "expected an integer between 0 and 4294967295, got " + std::to_string(j.get<int64_t>()));
  }
  return Invalid(path, "expected an integer between 0 and 4294967295, got " + TypeName(j));
}

Result<float> ParseF32(const json& j, const std::string& path) {
  if (!j.is_number()) return Invalid(path, "expected a number, got " + TypeName(j));
  double v = j.get<double>();
  if (!std::isfinite(v) || std::fabs(v) > double(std::numeric_limits<float>::max())) {
    return Invalid(path, "expected a finite 32-bit float");
  }
  return float(v);
}

Result<SparseVector> ParseSparse(const json& j, const std::string& path) {
  SparseVector sv;
  for (const auto& [k, v] : j.items()) {
    if (k == "#type") {
      if (!v.is_string() || v.get<std::string>() != "sparse_vector") {
        return Invalid(path, "Expected #type='sparse_vector', got " + v.dump());
      }
    } else if (k == "indices") {
      if (!v.is_array()) return Invalid(path + ".indices", "expected an array, got " + TypeName(v));
      for (size_t i = 0; i < v.size(); ++i) {
        OCHRE_ASSIGN_OR_RETURN(int64_t idx, ParseU32(v[i], path + ".indices[" + std::to_string(i) + "]"));
        sv.indices.push_back(uint32_t(idx));
      }
    } else if (k == "values") {
      if (!v.is_array()) return Invalid(path + ".values", "expected an array, got " + TypeName(v));
      for (size_t i = 0; i < v.size(); ++i) {
        OCHRE_ASSIGN_OR_RETURN(float f, ParseF32(v[i], path + ".values[" + std::to_string(i) + "]"));
        sv.values.push_back(f);
      }
    } else if (k == "tokens") {
      if (v.is_null()) continue;
      if (!v.is_array()) return Invalid(path + ".tokens", "expected an array, got " + TypeName(v));
      sv.tokens.emplace();
      for (size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string()) {
          return Invalid(path + ".tokens[" + std::to_string(i) + "]", "expected a string, got " + TypeName(v[i]));
        }
        sv.tokens->push_back(v[i].get<std::string>());
      }
    } else {
      return Invalid(path, "unknown field '" + k + "' of a sparse vector (indices, values, tokens, #type)");
    }
  }
  if (!j.contains("indices") || !j.contains("values")) {
    return Invalid(path, "a sparse vector needs 'indices' and 'values'");
  }
  return sv;
}

Result<RankExpr> ParseRank(const json& j, const std::string& path, int depth);

Result<KnnRank> ParseKnn(const json& j, const std::string& path) {
  if (!j.is_object()) return Invalid(path, "$knn expects an object, got " + TypeName(j));
  KnnRank knn;
  if (!j.contains("query")) return Invalid(path, "$knn needs a 'query' (a list of floats or a sparse vector)");
  for (const auto& [k, v] : j.items()) {
    const std::string p = path + "." + k;
    if (k == "query") {
      if (v.is_array()) {
        std::vector<float> dense;
        dense.reserve(v.size());
        for (size_t i = 0; i < v.size(); ++i) {
          OCHRE_ASSIGN_OR_RETURN(float f, ParseF32(v[i], p + "[" + std::to_string(i) + "]"));
          dense.push_back(f);
        }
        if (dense.empty()) return Invalid(p, "a dense query must have at least 1 dimension");
        knn.query = std::move(dense);
      } else if (v.is_object()) {
        OCHRE_ASSIGN_OR_RETURN(SparseVector sv, ParseSparse(v, p));
        knn.query = std::move(sv);
      } else if (v.is_string()) {
        return Invalid(p, "a text query must be embedded by the client before it is sent");
      } else {
        return Invalid(p, "expected a list of floats or a sparse vector, got " + TypeName(v));
      }
    } else if (k == "key") {
      if (!v.is_string()) return Invalid(p, "expected a string, got " + TypeName(v));
      knn.key = v.get<std::string>();
    } else if (k == "limit") {
      OCHRE_ASSIGN_OR_RETURN(knn.limit, ParseU32(v, p));
    } else if (k == "default") {
      if (!v.is_null()) {
        OCHRE_ASSIGN_OR_RETURN(float f, ParseF32(v, p));
        knn.default_score = f;
      }
    } else if (k == "return_rank") {
      if (!v.is_boolean()) return Invalid(p, "expected a boolean, got " + TypeName(v));
      knn.return_rank = v.get<bool>();
    } else {
      return Invalid(path, "unknown field '" + k + "' of $knn (query, key, limit, default, return_rank)");
    }
  }
  return knn;
}

constexpr const char* kRankOperators = "$abs, $div, $exp, $knn, $log, $max, $min, $mul, $sub, $sum, $val";

Result<RankExpr> ParseRank(const json& j, const std::string& path, int depth) {
  if (depth > 64) return Invalid(path, "rank expression nested too deeply");
  if (!j.is_object() || j.size() != 1) {
    return Invalid(path, std::string("a rank expression is an object with exactly one operator (") + kRankOperators +
                             "), got " + (j.is_object() ? std::to_string(j.size()) + " keys" : TypeName(j)));
  }
  const std::string op = j.begin().key();
  const json& arg = j.begin().value();
  const std::string p = path + "." + op;
  RankExpr e;
  auto list = [&](RankExpr::Kind kind) -> Status {
    e.kind = kind;
    if (!arg.is_array()) return Invalid(p, op + " expects a list of rank expressions, got " + TypeName(arg));
    for (size_t i = 0; i < arg.size(); ++i) {
      OCHRE_ASSIGN_OR_RETURN(RankExpr c, ParseRank(arg[i], p + "[" + std::to_string(i) + "]", depth + 1));
      e.children.push_back(std::move(c));
    }
    return Status::Ok();
  };
  auto pair = [&](RankExpr::Kind kind) -> Status {
    e.kind = kind;
    if (!arg.is_object() || !arg.contains("left") || !arg.contains("right") || arg.size() != 2) {
      return Invalid(p, op + " expects {\"left\": <rank>, \"right\": <rank>}");
    }
    OCHRE_ASSIGN_OR_RETURN(RankExpr l, ParseRank(arg["left"], p + ".left", depth + 1));
    OCHRE_ASSIGN_OR_RETURN(RankExpr r, ParseRank(arg["right"], p + ".right", depth + 1));
    e.children.push_back(std::move(l));
    e.children.push_back(std::move(r));
    return Status::Ok();
  };
  auto unary = [&](RankExpr::Kind kind) -> Status {
    e.kind = kind;
    OCHRE_ASSIGN_OR_RETURN(RankExpr c, ParseRank(arg, p, depth + 1));
    e.children.push_back(std::move(c));
    return Status::Ok();
  };
  if (op == "$knn") {
    e.kind = RankExpr::Kind::kKnn;
    OCHRE_ASSIGN_OR_RETURN(e.knn, ParseKnn(arg, p));
  } else if (op == "$val") {
    e.kind = RankExpr::Kind::kVal;
    OCHRE_ASSIGN_OR_RETURN(e.value, ParseF32(arg, p));
  } else if (op == "$sum") {
    OCHRE_RETURN_IF_ERROR(list(RankExpr::Kind::kSum));
  } else if (op == "$mul") {
    OCHRE_RETURN_IF_ERROR(list(RankExpr::Kind::kMul));
  } else if (op == "$max") {
    OCHRE_RETURN_IF_ERROR(list(RankExpr::Kind::kMax));
  } else if (op == "$min") {
    OCHRE_RETURN_IF_ERROR(list(RankExpr::Kind::kMin));
  } else if (op == "$sub") {
    OCHRE_RETURN_IF_ERROR(pair(RankExpr::Kind::kSub));
  } else if (op == "$div") {
    OCHRE_RETURN_IF_ERROR(pair(RankExpr::Kind::kDiv));
  } else if (op == "$abs") {
    OCHRE_RETURN_IF_ERROR(unary(RankExpr::Kind::kAbs));
  } else if (op == "$exp") {
    OCHRE_RETURN_IF_ERROR(unary(RankExpr::Kind::kExp));
  } else if (op == "$log") {
    OCHRE_RETURN_IF_ERROR(unary(RankExpr::Kind::kLog));
  } else {
    return Invalid(path, "unknown operator " + op + ", expected one of " + kRankOperators);
  }
  return e;
}

Result<std::vector<SearchKey>> ParseKeys(const json& j, const std::string& path) {
  if (!j.is_array()) return Invalid(path, "expected a list of keys, got " + TypeName(j));
  std::vector<SearchKey> keys;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string()) {
      return Invalid(path + "[" + std::to_string(i) + "]", "expected a key name (string), got " + TypeName(j[i]));
    }
    keys.push_back(SearchKey::FromName(j[i].get<std::string>()));
  }
  return keys;
}

Result<SearchGroupBy> ParseGroupBy(const json& j, const std::string& path, bool* active) {
  *active = false;
  SearchGroupBy g;
  if (j.is_null()) return g;
  if (!j.is_object()) return Invalid(path, "expected an object, got " + TypeName(j));
  bool has_aggregate = false;
  for (const auto& [k, v] : j.items()) {
    if (k == "keys") {
      OCHRE_ASSIGN_OR_RETURN(auto keys, ParseKeys(v, path + ".keys"));
      for (const SearchKey& key : keys) {
        if (key.kind != SearchKey::Kind::kField) {
          return Invalid(path + ".keys",
                         "group_by keys must be metadata fields (cannot use #score, #document, #embedding, or "
                         "#metadata)");
        }
        g.keys.push_back(key.field);
      }
    } else if (k == "aggregate") {
      if (v.is_null()) continue;
      if (!v.is_object() || v.size() != 1) {
        return Invalid(path + ".aggregate", "expected {\"$min_k\": {...}} or {\"$max_k\": {...}}");
      }
      const std::string op = v.begin().key();
      const json& a = v.begin().value();
      const std::string p = path + ".aggregate." + op;
      if (op == "$min_k") {
        g.aggregate = SearchGroupBy::Aggregate::kMinK;
      } else if (op == "$max_k") {
        g.aggregate = SearchGroupBy::Aggregate::kMaxK;
      } else {
        return Invalid(path + ".aggregate", "unknown aggregate " + op + ", expected $min_k or $max_k");
      }
      if (!a.is_object() || !a.contains("keys") || !a.contains("k")) {
        return Invalid(p, op + " expects {\"keys\": [...], \"k\": <int>}");
      }
      for (const auto& [ak, av] : a.items()) {
        if (ak == "keys") {
          OCHRE_ASSIGN_OR_RETURN(g.aggregate_keys, ParseKeys(av, p + ".keys"));
        } else if (ak == "k") {
          OCHRE_ASSIGN_OR_RETURN(g.k, ParseU32(av, p + ".k"));
        } else {
          return Invalid(p, "unknown field '" + ak + "' (keys, k)");
        }
      }
      has_aggregate = true;
    } else {
      return Invalid(path, "unknown field '" + k + "' of group_by (keys, aggregate)");
    }
  }
  if (g.keys.empty() != !has_aggregate) {
    return Invalid(path, "group_by keys and aggregate must both be specified or both be omitted");
  }
  *active = has_aggregate;
  return g;
}

Result<SearchRequest> ParsePayload(const json& j, const std::string& path) {
  if (!j.is_object()) return Invalid(path, "a search is an object, got " + TypeName(j));
  SearchRequest r;
  for (const auto& [k, v] : j.items()) {
    const std::string p = path + "." + k;
    if (k == "filter") {
      if (v.is_null() || (v.is_object() && v.empty())) continue;
      auto where = ParseWhere(v.dump());
      if (!where.ok()) return Invalid(p, where.status().message());
      r.where = std::move(*where);
    } else if (k == "rank") {
      if (v.is_null() || (v.is_object() && v.empty())) continue;
      OCHRE_ASSIGN_OR_RETURN(RankExpr e, ParseRank(v, p, 0));
      r.rank = std::move(e);
    } else if (k == "group_by") {
      bool active = false;
      OCHRE_ASSIGN_OR_RETURN(SearchGroupBy g, ParseGroupBy(v, p, &active));
      if (active) r.group_by = std::move(g);
    } else if (k == "limit") {
      if (v.is_null()) continue;
      if (!v.is_object()) return Invalid(p, "expected {\"offset\": <int>, \"limit\": <int>}, got " + TypeName(v));
      for (const auto& [lk, lv] : v.items()) {
        if (lk == "offset") {
          OCHRE_ASSIGN_OR_RETURN(r.offset, ParseU32(lv, p + ".offset"));
        } else if (lk == "limit") {
          if (lv.is_null()) continue;
          OCHRE_ASSIGN_OR_RETURN(int64_t n, ParseU32(lv, p + ".limit"));
          r.limit = n;
        } else {
          return Invalid(p, "unknown field '" + lk + "' of limit (offset, limit)");
        }
      }
    } else if (k == "select") {
      if (v.is_null()) continue;
      if (!v.is_object()) return Invalid(p, "expected {\"keys\": [...]}, got " + TypeName(v));
      for (const auto& [sk, sv] : v.items()) {
        if (sk != "keys") return Invalid(p, "unknown field '" + sk + "' of select (keys)");
        OCHRE_ASSIGN_OR_RETURN(r.select, ParseKeys(sv, p + ".keys"));
      }
    } else {
      return Invalid(path, "unknown field '" + k + "' (filter, rank, group_by, limit, select)");
    }
  }
  std::sort(r.select.begin(), r.select.end());
  r.select.erase(std::unique(r.select.begin(), r.select.end()), r.select.end());
  Status s = ValidateSearchRequest(r);
  if (!s.ok()) return Invalid(path, s.message());
  return r;
}

Status ValidateRank(const RankExpr& e, int depth) {
  if (depth > 64) return Status::InvalidArgument("rank expression nested too deeply");
  switch (e.kind) {
    case RankExpr::Kind::kKnn: {
      if (e.knn.limit < 0 || e.knn.limit > int64_t(std::numeric_limits<uint32_t>::max())) {
        return Status::InvalidArgument("$knn limit must be between 0 and 4294967295");
      }
      if (e.knn.default_score && !std::isfinite(*e.knn.default_score)) {
        return Status::InvalidArgument("$knn default must be a finite number");
      }
      if (const auto* dense = std::get_if<std::vector<float>>(&e.knn.query)) {
        if (dense->empty()) return Status::InvalidArgument("a dense $knn query must have at least 1 dimension");
        for (float f : *dense) {
          if (!std::isfinite(f)) return Status::InvalidArgument("Embeddings must not contain NaN or Infinity values");
        }
      } else {
        const SparseVector& sv = std::get<SparseVector>(e.knn.query);
        if (sv.indices.size() != sv.values.size() || (sv.tokens && sv.tokens->size() != sv.indices.size())) {
          return Status::InvalidArgument(
              "Invalid sparse vector in KNN query: Sparse vector indices, values, and tokens (when present) must "
              "have the same length");
        }
        for (size_t i = 1; i < sv.indices.size(); ++i) {
          if (sv.indices[i] <= sv.indices[i - 1]) {
            return Status::InvalidArgument(
                "Invalid sparse vector in KNN query: Sparse vector indices must be sorted in strictly ascending "
                "order (no duplicates)");
          }
        }
        for (float f : sv.values) {
          if (!std::isfinite(f)) return Status::InvalidArgument("sparse vector values must be finite");
        }
      }
      return Status::Ok();
    }
    case RankExpr::Kind::kVal:
      if (!std::isfinite(e.value)) return Status::InvalidArgument("$val must be a finite number");
      return Status::Ok();
    case RankExpr::Kind::kSub:
    case RankExpr::Kind::kDiv:
      if (e.children.size() != 2) return Status::InvalidArgument("$sub and $div take exactly two expressions");
      break;
    case RankExpr::Kind::kAbs:
    case RankExpr::Kind::kExp:
    case RankExpr::Kind::kLog:
      if (e.children.size() != 1) return Status::InvalidArgument("$abs, $exp and $log take exactly one expression");
      break;
    default:
      break;
  }
  for (const RankExpr& c : e.children) OCHRE_RETURN_IF_ERROR(ValidateRank(c, depth + 1));
  return Status::Ok();
}

}  // namespace

SearchKey SearchKey::FromName(std::string_view name) {
  if (name == "#document") return SearchKey{Kind::kDocument, ""};
  if (name == "#embedding") return SearchKey{Kind::kEmbedding, ""};
  if (name == "#metadata") return SearchKey{Kind::kMetadata, ""};
  if (name == "#score") return SearchKey{Kind::kScore, ""};
  return SearchKey{Kind::kField, std::string(name)};
}

std::string SearchKey::Name() const {
  switch (kind) {
    case Kind::kDocument:
      return "#document";
    case Kind::kEmbedding:
      return "#embedding";
    case Kind::kMetadata:
      return "#metadata";
    case Kind::kScore:
      return "#score";
    case Kind::kField:
      return field;
  }
  return field;
}

Status ValidateSearchRequest(const SearchRequest& r) {
  if (r.offset < 0 || r.offset > int64_t(std::numeric_limits<uint32_t>::max())) {
    return Status::InvalidArgument("offset must be between 0 and 4294967295");
  }
  if (r.limit && (*r.limit < 0 || *r.limit > int64_t(std::numeric_limits<uint32_t>::max()))) {
    return Status::InvalidArgument("limit must be between 0 and 4294967295");
  }
  if (r.rank) OCHRE_RETURN_IF_ERROR(ValidateRank(*r.rank, 0));
  if (r.group_by) {
    const SearchGroupBy& g = *r.group_by;
    if (g.keys.empty()) {
      return Status::InvalidArgument("group_by keys and aggregate must both be specified or both be omitted");
    }
    if (!r.rank) return Status::InvalidArgument("group_by requires rank expression to be specified");
    if (g.aggregate_keys.empty()) return Status::InvalidArgument("aggregate keys must not be empty");
    if (g.k <= 0) return Status::InvalidArgument("aggregate k must be greater than 0");
    for (const SearchKey& k : g.aggregate_keys) {
      if (k.kind != SearchKey::Kind::kField && k.kind != SearchKey::Kind::kScore) {
        return Status::InvalidArgument(
            "aggregate keys must be metadata fields or #score (cannot use #document, #embedding, or #metadata)");
      }
    }
  }
  return Status::Ok();
}

Result<SearchRequest> ParseSearchRequest(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("Invalid search: the request is not valid JSON");
  return ParsePayload(j, "search");
}

Result<SearchBatch> ParseSearchBatch(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("Invalid search request: the body is not valid JSON");
  if (!j.is_object()) return Status::InvalidArgument("Invalid search request: expected an object with 'searches'");
  SearchBatch batch;
  bool has_searches = false;
  for (const auto& [k, v] : j.items()) {
    if (k == "searches") {
      if (!v.is_array()) return Invalid("searches", "expected a list of searches, got " + TypeName(v));
      for (size_t i = 0; i < v.size(); ++i) {
        OCHRE_ASSIGN_OR_RETURN(SearchRequest r, ParsePayload(v[i], "searches[" + std::to_string(i) + "]"));
        batch.searches.push_back(std::move(r));
      }
      has_searches = true;
    } else if (k == "read_level") {
      if (v.is_null()) continue;
      const std::string level = v.is_string() ? v.get<std::string>() : "";
      if (level == "index_and_wal") {
        batch.read_level = ReadLevel::kIndexAndWal;
      } else if (level == "index_only") {
        batch.read_level = ReadLevel::kIndexOnly;
      } else if (level == "index_and_bounded_wal") {
        batch.read_level = ReadLevel::kIndexAndBoundedWal;
      } else {
        return Invalid("read_level",
                       "expected one of index_and_wal, index_only, index_and_bounded_wal, got " + v.dump());
      }
    } else {
      return Status::InvalidArgument("Invalid search request: unknown field '" + k + "' (searches, read_level)");
    }
  }
  if (!has_searches) return Status::InvalidArgument("Invalid search request: missing field 'searches'");
  if (batch.searches.empty()) {
    return Status::InvalidArgument("Invalid search request: At least one search payload must be provided.");
  }
  return batch;
}

}  // namespace ochre
