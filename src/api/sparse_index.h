// Copyright 2026 The OchreDB Authors.
//
// SparseIndex: an in-memory inverted index of one collection's sparse-vector metadata values, for
// Collection::QuerySparse. Per metadata key: dimension -> posting list of (rid, value), ascending
// rid. A query accumulates query value * posting value per record over the query's dimensions
// (ascending, in float32, which is exactly the dot product Chroma computes with sprs), and ranks by
// Chroma's measure 1 - dot, ascending, ties by rid (insertion order, as Chroma's offset ids).
//
// It is derived state, built on the first sparse query from the records' metadata_json and kept
// current by the writers after each commit, under the same version protocol as the metadata filter
// index (api/filter_index.h): SparseIndexSlot is that protocol (api/derived_index_slot.h) for this index. A
// build is labelled with the collection's write_seq; another process's write (a larger write_seq)
// makes the next reader build it again. Rids survive compaction, so a compaction changes nothing.
//
// Thread safety: queries may run from many threads at once, concurrently with one Apply.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "api/derived_index_slot.h"
#include "ochre/result.h"
#include "ochre/types.h"
#include "query/metadata_index.h"
#include "storage/catalog.h"

namespace ochre::api {

class SparseIndex {
 public:
  // One record's change, as committed.
  using Change = query::MetadataIndex::Change;
  struct Hit {
    int64_t rid = 0;
    float score = 0;  // 1 - dot
  };

  // Reads every live record of collection `cid` (one statement, one snapshot).
  static Result<std::unique_ptr<SparseIndex>> Build(storage::SqliteDb* db, int64_t cid);

  void Add(int64_t rid, const Metadata* metadata);
  void Apply(const std::vector<Change>& changes);

  // The `n` best records holding a sparse vector under `key` that shares at least one dimension
  // with `query`, best (lowest 1 - dot) first, ties by rid. `allowed`: only these rids, ascending
  // (null: all).
  // Exact: the same records and scores as scoring every posting (api/sparse_topk.cc).
  std::vector<Hit> TopK(const std::string& key, const SparseVector& query, size_t n,
                        const std::vector<int64_t>* allowed) const;

  // BM25's inverse document frequency weighting of a query (Chroma's Idf operator,
  // rust/worker/src/execution/operators/idf.rs): each value times ln(1 + (N - n_t + 0.5) / (n_t + 0.5)),
  // N the live records of the collection, n_t those whose `key` vector has dimension t (clamped to N).
  SparseVector IdfScaled(const std::string& key, const SparseVector& query) const;

  size_t live_records() const;
  size_t MemoryBytes() const;

 private:
  struct Posting {
    int64_t rid;
    float value;
  };
  struct PostingList {
    std::vector<Posting> items;  // ascending rid
    // At least every |value| in items (never lowered on removal: an upper bound, not a maximum),
    // for the pruning in TopK (api/sparse_topk.cc).
    float max_abs = 0;
  };
  struct KeyIndex {
    std::unordered_map<uint32_t, PostingList> postings;
  };
  void AddLocked(int64_t rid, const Metadata& metadata);
  void RemoveLocked(int64_t rid, const Metadata& metadata);

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, KeyIndex> keys_;  // GUARDED_BY(mu_)
  int64_t live_ = 0;                                // GUARDED_BY(mu_): live records (all, with or without keys)
};

struct SparseIndexTraits {
  using Index = SparseIndex;
  using Change = SparseIndex::Change;
  static constexpr const char* kName = "sparse index";
  static constexpr bool kRememberFailedBuild = false;
  static Result<std::unique_ptr<Index>> Build(storage::SqliteDb* db, int64_t cid) {
    return SparseIndex::Build(db, cid);
  }
};

// The sparse index in the metadata filter index's protocol (api/derived_index_slot.h).
using SparseIndexSlot = DerivedIndexSlot<SparseIndexTraits>;

}  // namespace ochre::api
