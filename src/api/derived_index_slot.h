// Copyright 2026 The OchreDB Authors.
//
// DerivedIndexSlot: one collection's in-memory index derived from its records (the metadata filter
// index, api/filter_index.h; the sparse vector index, api/sparse_index.h) and the protocol that
// keeps readers from mixing it with a catalog state it does not match.
//
// The index is built on the first read that wants it (a collection never asked costs nothing) and
// kept current by the writers, after each commit. Between a write's commit and its Apply the index
// lags the catalog, so every write is bracketed by a version counter (a seqlock): odd from before
// its transaction until after its Apply. A reader notes the version before it uses the index and
// checks it again after its last catalog read: the same even number on both sides means no write
// committed in between, so what it got is exactly what its catalog reads saw. Else it answers
// without the index (the slower path, always right). A build is published only when no write began
// while it read the catalog, and is labelled with the collection's write_seq: another process's
// write (a larger write_seq) makes the next reader build it again.
//
// Writers of one collection are serialized by its write lock, which they hold across WriteScope.
//
// Traits: `Index` (with `Apply(const std::vector<Change>&)` and `MemoryBytes()`), `Change`
// (query::MetadataIndex::Change's fields), `static Result<std::unique_ptr<Index>> Build(db, cid)`,
// `kName` for the log, and `kRememberFailedBuild` (do not retry a failed build on every read).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/logging.h"
#include "ochre/result.h"
#include "storage/catalog.h"

namespace ochre::api {

template <typename Traits>
class DerivedIndexSlot {
 public:
  using Index = typename Traits::Index;
  using Change = typename Traits::Change;

  // A reader's view: the index (null when it cannot be used now) and the version to check.
  struct View {
    std::shared_ptr<const Index> index;
    uint64_t version = 0;
    // Corruption when the build met a damaged catalog (a record failing its checksum): the read
    // must fail with it rather than answer from SQL over the typed rows, which no checksum covers.
    Status damage;
  };

  // The index for a read, built from `conn` on first use. Null index while a write is in progress,
  // or when the build failed or raced with a write. `write_seq` is the collection's write_seq as
  // the reader read it at its start: an index built before that (another process wrote since) is
  // built again, in one snapshot with the write_seq that then labels it.
  View Acquire(storage::CatalogConn* conn, int64_t cid, int64_t write_seq);

  // True when no write began since `view` was taken: what the reader read from the index and the
  // catalog since then belongs to one committed state.
  bool StillValid(const View& view) const { return version_.load(std::memory_order_seq_cst) == view.version; }

  // One write's bracket. Begin before the transaction starts; record each record change; call
  // Finish(true) after the commit (applies the changes). Finish(false), or going out of scope,
  // after a failure: a write that had recorded changes drops the index (its commit may have
  // reached the disk), which the next read builds again.
  class WriteScope {
   public:
    // `write_seq` is the collection's write_seq read under the commit lock, before this write
    // (whose commit adds one): an index built at another write_seq is dropped, not kept current.
    WriteScope(DerivedIndexSlot* slot, int64_t write_seq);
    ~WriteScope() { Finish(false); }
    WriteScope(const WriteScope&) = delete;
    WriteScope& operator=(const WriteScope&) = delete;

    // Whether changes are recorded at all (no index is built yet: nothing to keep current).
    bool recording() const { return index_ != nullptr; }
    // A record inserted, rewritten or deleted. `before` is its metadata before the write (decoded
    // once by the writer for every slot; nullopt: none), `after` its metadata after it (null: none).
    void Inserted(int64_t rid, const Metadata* after) { Record(rid, nullptr, after, false, true); }
    void Rewritten(int64_t rid, const std::optional<Metadata>& before, const Metadata* after) {
      Record(rid, &before, after, true, true);
    }
    void Deleted(int64_t rid, const std::optional<Metadata>& before) { Record(rid, &before, nullptr, true, false); }
    void Finish(bool committed);

   private:
    void Record(int64_t rid, const std::optional<Metadata>* before, const Metadata* after, bool existed, bool exists);

    DerivedIndexSlot* slot_;
    std::shared_ptr<Index> index_;
    std::vector<Change> changes_;
    int64_t write_seq_;
    bool finished_ = false;
  };

  // Heap bytes of the built index (0 when none).
  size_t MemoryBytes() const {
    std::shared_ptr<Index> index;
    {
      std::lock_guard<std::mutex> lock(mu_);
      index = index_;
    }
    return index ? index->MemoryBytes() : 0;
  }

 private:
  mutable std::mutex mu_;             // guards index_ and the version's odd/even flips
  std::atomic<uint64_t> version_{0};  // odd while a write is in progress
  std::shared_ptr<Index> index_;      // GUARDED_BY(mu_)
  int64_t index_seq_ = 0;             // GUARDED_BY(mu_): the write_seq index_ reflects
  bool building_ = false;             // GUARDED_BY(mu_): one build at a time
  bool build_failed_ = false;         // GUARDED_BY(mu_): with kRememberFailedBuild, no retry
  Status build_failure_;              // GUARDED_BY(mu_): why the last build failed
};

template <typename Traits>
typename DerivedIndexSlot<Traits>::View DerivedIndexSlot<Traits>::Acquire(storage::CatalogConn* conn, int64_t cid,
                                                                          int64_t write_seq) {
  View view;
  // A statement left stepping (the collection row's, say) would hold the connection's read
  // snapshot from before the version is read: the catalog reads that follow must start after it.
  conn->db()->ResetStatements();
  {
    std::lock_guard<std::mutex> lock(mu_);
    view.version = version_.load(std::memory_order_seq_cst);
    if (view.version & 1) return View{};  // a write is in progress
    // Older than the reader's row: another process wrote since it was built. Newer is fine: the
    // reader's later statements see at least that.
    if (index_ && index_seq_ < write_seq) index_.reset();
    if (index_) {
      view.index = index_;
      return view;
    }
    if (build_failed_) {
      View failed;
      if (build_failure_.code() == StatusCode::kCorruption) failed.damage = build_failure_;
      return failed;
    }
    if (building_) return View{};
    building_ = true;
  }
  // Build outside the lock (100k records take tens of milliseconds); writers go on meanwhile, and
  // the result is kept only if none began. In one snapshot with the collection's write_seq, which
  // then labels the index.
  storage::SqliteDb* db = conn->db();
  const bool txn = db->Exec("BEGIN").ok();
  int64_t built_seq = write_seq;
  {
    auto st = db->Prepare("SELECT write_seq FROM collections WHERE cid = ?1");
    if (st.ok()) {
      st->Bind(1, cid);
      auto row = st->Step();
      if (row.ok() && *row) built_seq = st->ColumnInt(0);
    }
  }
  auto built = Traits::Build(db, cid);
  db->ResetStatements();
  if (txn) (void)db->Exec("COMMIT");
  std::lock_guard<std::mutex> lock(mu_);
  building_ = false;
  if (!built.ok()) {
    OCHRE_LOG_WARN("collection cid {}: {} build failed ({})", cid, Traits::kName, built.status().ToString());
    build_failed_ = Traits::kRememberFailedBuild;
    build_failure_ = built.status();
    View failed;
    if (built.status().code() == StatusCode::kCorruption) failed.damage = built.status();
    return failed;
  }
  if (version_.load(std::memory_order_seq_cst) != view.version) return View{};  // a write began: retry later
  index_ = std::shared_ptr<Index>(std::move(*built));
  index_seq_ = built_seq;
  view.index = index_;
  return view;
}

template <typename Traits>
DerivedIndexSlot<Traits>::WriteScope::WriteScope(DerivedIndexSlot* slot, int64_t write_seq)
    : slot_(slot), write_seq_(write_seq) {
  std::lock_guard<std::mutex> lock(slot_->mu_);
  slot_->version_.fetch_add(1, std::memory_order_seq_cst);  // odd: readers go without until Finish
  // An index of another state (another process wrote since it was built) cannot be kept current.
  if (slot_->index_ && slot_->index_seq_ != write_seq) slot_->index_.reset();
  index_ = slot_->index_;
}

template <typename Traits>
void DerivedIndexSlot<Traits>::WriteScope::Finish(bool committed) {
  if (finished_) return;
  finished_ = true;
  std::lock_guard<std::mutex> lock(slot_->mu_);
  if (index_ && slot_->index_ == index_) {
    if (committed) {
      index_->Apply(changes_);
      slot_->index_seq_ = write_seq_ + 1;
    } else if (!changes_.empty()) {
      // A failed commit may still have reached the disk (an error after the WAL write): the
      // index cannot know, so it is dropped and built again from the catalog on the next read.
      slot_->index_.reset();
    }
  }
  slot_->version_.fetch_add(1, std::memory_order_seq_cst);
}

template <typename Traits>
void DerivedIndexSlot<Traits>::WriteScope::Record(int64_t rid, const std::optional<Metadata>* before,
                                                  const Metadata* after, bool existed, bool exists) {
  if (!recording()) return;
  Change c;
  c.rid = rid;
  if (before) c.before = *before;
  if (after) c.after = *after;
  c.existed = existed;
  c.exists = exists;
  changes_.push_back(std::move(c));
}

}  // namespace ochre::api
