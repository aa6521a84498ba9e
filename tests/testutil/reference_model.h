// Copyright 2026 The OchreDB Authors.
//
// ReferenceModel: a plain in-memory model of one collection with Chroma's semantics (CHROMA_SPEC
// §3.8-3.11), the oracle of the property, kill -9 and concurrency tests. A map id -> record with an
// insertion sequence (get order), brute-force search in double precision, filters evaluated by the
// reference evaluator (query/filter_eval.h). Written for obviousness, not speed.
//
// Also: TestSeed(), the seed of a randomized test (fixed default, OCHRE_SEED overrides, printed).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ochre/ochre.h"
#include "query/filter_eval.h"

namespace ochre::testutil {

// The seed of a randomized test: `fixed` unless the environment variable OCHRE_SEED is set. Printed
// so that a failure can be replayed with OCHRE_SEED=<seed>.
inline uint64_t TestSeed(const char* test_name, uint64_t fixed) {
  uint64_t seed = fixed;
  if (const char* env = std::getenv("OCHRE_SEED"); env && *env) seed = std::strtoull(env, nullptr, 0);
  std::fprintf(stderr, "[ seed     ] %s: OCHRE_SEED=%llu\n", test_name, static_cast<unsigned long long>(seed));
  return seed;
}

struct ModelRecord {
  int64_t seq = 0;  // insertion order (kept by upsert/update)
  std::vector<float> embedding;
  std::optional<std::string> document;
  std::optional<Metadata> metadata;  // never empty, never holds a null
};

struct ModelHit {
  double distance;
  std::string id;
};

// Chroma's distances in double precision: l2 squared, ip 1 - dot, cosine 1 - cos.
inline double ModelDistance(Space space, const float* a, const float* b, size_t dim) {
  double dot = 0, na = 0, nb = 0, l2 = 0;
  for (size_t i = 0; i < dim; ++i) {
    const double x = a[i], y = b[i];
    dot += x * y;
    na += x * x;
    nb += y * y;
    l2 += (x - y) * (x - y);
  }
  switch (space) {
    case Space::kL2:
      return l2;
    case Space::kIp:
      return 1.0 - dot;
    case Space::kCosine:
      return 1.0 - dot / (std::sqrt(na) * std::sqrt(nb));
  }
  return 0;
}

// Drops null values (deletions of keys a new record does not have); nullopt when nothing is left.
inline std::optional<Metadata> WithoutNulls(const std::optional<Metadata>& m) {
  if (!m) return std::nullopt;
  Metadata out;
  for (const auto& [k, v] : *m) {
    if (!std::holds_alternative<std::monostate>(v)) out.emplace(k, v);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

class ReferenceModel {
 public:
  explicit ReferenceModel(Space space = Space::kL2) : space_(space) {}

  Space space() const { return space_; }
  std::optional<size_t> dim() const { return dim_; }
  const std::map<std::string, ModelRecord>& records() const { return records_; }
  size_t size() const { return records_.size(); }
  bool Has(const std::string& id) const { return records_.count(id) != 0; }
  const ModelRecord* Find(const std::string& id) const {
    auto it = records_.find(id);
    return it == records_.end() ? nullptr : &it->second;
  }

  // REQUIRES: the batch was accepted by the engine (valid, with embeddings for every record).
  void Add(const RecordBatch& b) {
    for (size_t i = 0; i < b.ids.size(); ++i) {
      if (Has(b.ids[i])) continue;  // add of an existing id is ignored
      Insert(b, i);
    }
  }
  void Upsert(const RecordBatch& b) {
    for (size_t i = 0; i < b.ids.size(); ++i) {
      if (Has(b.ids[i])) {
        Rewrite(b, i);
      } else {
        Insert(b, i);
      }
    }
  }
  void Update(const RecordBatch& b) {
    for (size_t i = 0; i < b.ids.size(); ++i) {
      if (Has(b.ids[i])) Rewrite(b, i);  // update of a missing id is ignored
    }
  }

  // Records in get order (insertion sequence).
  std::vector<std::string> OrderedIds() const {
    std::vector<std::pair<int64_t, std::string>> v;
    for (const auto& [id, r] : records_) v.emplace_back(r.seq, id);
    std::sort(v.begin(), v.end());
    std::vector<std::string> out;
    for (auto& [seq, id] : v) out.push_back(std::move(id));
    return out;
  }

  bool Matches(const ModelRecord& r, const std::optional<WhereNode>& where,
               const std::optional<WhereDocumentNode>& where_document) const {
    if (where && !query::Matches(*where, r.metadata, r.document)) return false;
    // $not_contains / $not_regex also match records without a document (the evaluator knows).
    return !where_document || query::Matches(*where_document, r.document);
  }

  // get: ids (if any) and filters, insertion order, then offset and limit.
  std::vector<std::string> Get(const std::optional<std::vector<std::string>>& ids,
                               const std::optional<WhereNode>& where,
                               const std::optional<WhereDocumentNode>& where_document, std::optional<int64_t> limit,
                               std::optional<int64_t> offset) const {
    std::vector<std::string> out;
    int64_t skipped = 0;
    for (const auto& id : OrderedIds()) {
      if (ids && std::find(ids->begin(), ids->end(), id) == ids->end()) continue;
      if (!Matches(records_.at(id), where, where_document)) continue;
      if (offset && skipped < *offset) {
        ++skipped;
        continue;
      }
      if (limit && int64_t(out.size()) >= *limit) break;
      out.push_back(id);
    }
    return out;
  }

  // Every candidate of a query, ascending distance, ties by id (the caller cuts at n_results).
  std::vector<ModelHit> Rank(const float* q, const std::optional<std::vector<std::string>>& ids,
                             const std::optional<WhereNode>& where,
                             const std::optional<WhereDocumentNode>& where_document) const {
    std::vector<ModelHit> hits;
    if (!dim_) return hits;
    for (const auto& [id, r] : records_) {
      if (ids && std::find(ids->begin(), ids->end(), id) == ids->end()) continue;
      if (!Matches(r, where, where_document)) continue;
      hits.push_back(ModelHit{ModelDistance(space_, q, r.embedding.data(), *dim_), id});
    }
    std::sort(hits.begin(), hits.end(), [](const ModelHit& a, const ModelHit& b) {
      return a.distance < b.distance || (a.distance == b.distance && a.id < b.id);
    });
    return hits;
  }

  // delete by ids: removes those present; returns len(ids) as Chroma reports it.
  int64_t DeleteIds(const std::vector<std::string>& ids) {
    for (const auto& id : ids) records_.erase(id);
    return int64_t(ids.size());
  }
  // delete by filter (and ids): the first `limit` matches in insertion order; returns how many.
  int64_t DeleteWhere(const std::optional<std::vector<std::string>>& ids, const std::optional<WhereNode>& where,
                      const std::optional<WhereDocumentNode>& where_document, std::optional<int64_t> limit) {
    auto doomed = Get(ids, where, where_document, limit, std::nullopt);
    for (const auto& id : doomed) records_.erase(id);
    return int64_t(doomed.size());
  }

  void Clear() {
    records_.clear();
    dim_.reset();
  }

 private:
  void Insert(const RecordBatch& b, size_t i) {
    ModelRecord r;
    r.seq = next_seq_++;
    const FloatMatrix& e = *b.embeddings;
    dim_ = e.dim();
    r.embedding = e.RowVector(i);
    if (b.documents) r.document = (*b.documents)[i];
    if (b.metadatas) r.metadata = WithoutNulls((*b.metadatas)[i]);
    records_[b.ids[i]] = std::move(r);
  }
  void Rewrite(const RecordBatch& b, size_t i) {
    ModelRecord& r = records_[b.ids[i]];
    if (b.embeddings) r.embedding = b.embeddings->RowVector(i);
    if (b.documents && (*b.documents)[i]) r.document = (*b.documents)[i];
    if (b.metadatas && (*b.metadatas)[i]) {
      Metadata merged = r.metadata ? *r.metadata : Metadata{};
      for (const auto& [k, v] : *(*b.metadatas)[i]) {
        if (std::holds_alternative<std::monostate>(v)) {
          merged.erase(k);
        } else {
          merged[k] = v;
        }
      }
      r.metadata = merged.empty() ? std::nullopt : std::optional<Metadata>(std::move(merged));
    }
  }

  Space space_;
  std::optional<size_t> dim_;
  int64_t next_seq_ = 0;
  std::map<std::string, ModelRecord> records_;
};

// Bitwise equality of float vectors (no NaN in our data, but -0.0 vs 0.0 must differ).
inline bool BitwiseEqual(const float* a, const float* b, size_t n) { return std::memcmp(a, b, n * sizeof(float)) == 0; }

}  // namespace ochre::testutil
