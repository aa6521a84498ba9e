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
// index (api/filter_index.h): SparseIndexSlot is FilterIndexSlot's protocol for this index. A
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

#include "ochre/result.h"
#include "ochre/types.h"
#include "storage/catalog.h"

namespace ochre::api {

class SparseIndex {
 public:
  // One record's change, as committed (as query::MetadataIndex::Change).
  struct Change {
    int64_t rid = 0;
    std::optional<Metadata> before;
    std::optional<Metadata> after;
    bool existed = false;
    bool exists = false;
  };
  struct Hit {
    int64_t rid = 0;
    float score = 0;  // 1 - dot
  };

  // Reads every live record of collection `cid` (one statement, one snapshot).
  static Result<std::unique_ptr<SparseIndex>> Build(storage::SqliteDb* db, int64_t cid);

  void Add(int64_t rid, const Metadata* metadata);
  void Apply(const std::vector<Change>& changes);

  // The `n` best records holding a sparse vector under `key` that shares at least one dimension
  // with `query`, best (lowest 1 - dot) first, ties by rid. `allowed`: only these rids (null: all).
  std::vector<Hit> TopK(const std::string& key, const SparseVector& query, size_t n,
                        const std::unordered_set<int64_t>* allowed) const;

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
  struct KeyIndex {
    std::unordered_map<uint32_t, std::vector<Posting>> postings;  // ascending rid
  };
  void AddLocked(int64_t rid, const Metadata& metadata);
  void RemoveLocked(int64_t rid, const Metadata& metadata);

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, KeyIndex> keys_;  // GUARDED_BY(mu_)
  int64_t live_ = 0;                                // GUARDED_BY(mu_): live records (all, with or without keys)
};

// FilterIndexSlot's protocol (api/filter_index.h) for a SparseIndex: a seqlock version odd while a
// write is in progress, a build published only if no write began meanwhile, labelled with the
// write_seq it reflects.
class SparseIndexSlot {
 public:
  struct View {
    std::shared_ptr<const SparseIndex> index;
    uint64_t version = 0;
  };
  // The index for a read, built from `conn` on first use; null while a write is in progress or when
  // the build raced with a write (the caller then scans the records from the catalog).
  View Acquire(storage::CatalogConn* conn, int64_t cid, int64_t write_seq);
  bool StillValid(const View& view) const { return version_.load(std::memory_order_seq_cst) == view.version; }

  class WriteScope {
   public:
    WriteScope(SparseIndexSlot* slot, int64_t write_seq);
    ~WriteScope();
    WriteScope(const WriteScope&) = delete;
    WriteScope& operator=(const WriteScope&) = delete;
    bool recording() const { return index_ != nullptr; }
    Status Inserted(int64_t rid, const Metadata* after);
    Status Rewritten(int64_t rid, const std::optional<std::string>& before_json, const Metadata* after);
    Status Deleted(int64_t rid, const std::optional<std::string>& before_json);
    void Finish(bool committed);

   private:
    SparseIndexSlot* slot_;
    std::shared_ptr<SparseIndex> index_;
    std::vector<SparseIndex::Change> changes_;
    int64_t write_seq_;
    bool finished_ = false;
  };

  size_t MemoryBytes() const;

 private:
  mutable std::mutex mu_;
  std::atomic<uint64_t> version_{0};
  std::shared_ptr<SparseIndex> index_;  // GUARDED_BY(mu_)
  int64_t index_seq_ = 0;               // GUARDED_BY(mu_)
  bool building_ = false;               // GUARDED_BY(mu_)
};

}  // namespace ochre::api
