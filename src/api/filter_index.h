// Copyright 2026 The OchreDB Authors.
//
// FilterIndexSlot: one collection's in-memory metadata index (query/metadata_index.h) and the
// protocol that keeps readers from mixing it with a catalog state it does not match.
//
// The index is built on the first filtered read (a collection never filtered costs nothing) and
// kept current by the writers, after each commit. Between a write's commit and its Apply the index
// lags the catalog, so every write is bracketed by a version counter (a seqlock): odd from before
// its transaction until after its Apply. A reader notes the version before it evaluates a filter
// and checks it again after its last catalog read: the same even number on both sides means no
// write committed in between, so the rids it got are exactly those its catalog reads saw. Else it
// answers from SQL (the slower path, always right). A build is published only when no write began
// while it read the catalog.
//
// Writers of one collection are serialized by its write lock, which they hold across WriteScope.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "ochre/result.h"
#include "query/metadata_index.h"
#include "storage/catalog.h"

namespace ochre::api {

class FilterIndexSlot {
 public:
  // A reader's view: the index (null when it cannot be used now) and the version to check.
  struct View {
    std::shared_ptr<const query::MetadataIndex> index;
    uint64_t version = 0;
  };

  // The index for a read, built from `conn` on first use. Null index (use SQL) while a write is in
  // progress, or when the build failed or raced with a write. `write_seq` is the collection's
  // write_seq as the reader read it at its start: an index built before that (another process wrote
  // since) is built again, in one snapshot with the write_seq that then labels it.
  View Acquire(storage::CatalogConn* conn, int64_t cid, int64_t write_seq);

  // True when no write began since `view` was taken: what the reader read from the index and the
  // catalog since then belongs to one committed state.
  bool StillValid(const View& view) const { return version_.load(std::memory_order_seq_cst) == view.version; }

  // One write's bracket. Begin before the transaction starts; record each record change; call
  // Finish(true) after the commit (applies the changes). Finish(false), or going out of scope,
  // after a failure: a write that had recorded changes drops the index (its commit may have
  // reached the disk), which the next filtered read builds again.
  class WriteScope {
   public:
    // `write_seq` is the collection's write_seq read under the commit lock, before this write
    // (whose commit adds one): an index built at another write_seq is dropped, not kept current.
    WriteScope(FilterIndexSlot* slot, int64_t write_seq);
    ~WriteScope();
    WriteScope(const WriteScope&) = delete;
    WriteScope& operator=(const WriteScope&) = delete;

    // Whether changes are recorded at all (no index is built yet: nothing to keep current).
    bool recording() const { return index_ != nullptr; }
    // A record inserted, rewritten or deleted. `before_json` is its stored metadata JSON before
    // the write (null or nullopt: none); `after` its metadata after it (null: none).
    Status Inserted(int64_t rid, const Metadata* after);
    Status Rewritten(int64_t rid, const std::optional<std::string>& before_json, const Metadata* after);
    Status Deleted(int64_t rid, const std::optional<std::string>& before_json);
    void Finish(bool committed);

   private:
    FilterIndexSlot* slot_;
    std::shared_ptr<query::MetadataIndex> index_;
    std::vector<query::MetadataIndex::Change> changes_;
    int64_t write_seq_;
    bool finished_ = false;
  };

  // Heap bytes of the built index (0 when none).
  size_t MemoryBytes() const;

 private:
  mutable std::mutex mu_;                        // guards index_ and the version's odd/even flips
  std::atomic<uint64_t> version_{0};             // odd while a write is in progress
  std::shared_ptr<query::MetadataIndex> index_;  // GUARDED_BY(mu_)
  int64_t index_seq_ = 0;                        // GUARDED_BY(mu_): the write_seq index_ reflects
  bool building_ = false;                        // GUARDED_BY(mu_): one build at a time
  bool build_failed_ = false;                    // GUARDED_BY(mu_): do not retry on every read
};

}  // namespace ochre::api
