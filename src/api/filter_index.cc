// Copyright 2026 The OchreDB Authors.
#include "api/filter_index.h"

#include "api/stored_metadata.h"
#include "common/logging.h"

namespace ochre::api {

FilterIndexSlot::View FilterIndexSlot::Acquire(storage::CatalogConn* conn, int64_t cid, int64_t write_seq) {
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
    if (build_failed_ || building_) return View{};
    building_ = true;
  }
  // Build outside the lock (100k records take tens of milliseconds); writers go on meanwhile, and
  // the result is kept only if none began.
  // In one snapshot with the collection's write_seq, which then labels the index.
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
  auto built = query::MetadataIndex::Build(db, cid, &DecodeStoredMetadata);
  db->ResetStatements();
  if (txn) (void)db->Exec("COMMIT");
  std::lock_guard<std::mutex> lock(mu_);
  building_ = false;
  if (!built.ok()) {
    OCHRE_LOG_WARN("collection cid {}: metadata index build failed ({}); filters use SQL", cid,
                   built.status().ToString());
    build_failed_ = true;
    return View{};
  }
  if (version_.load(std::memory_order_seq_cst) != view.version) return View{};  // a write began: retry later
  // Built in the reader's snapshot, hence of its write_seq.
  index_ = std::shared_ptr<query::MetadataIndex>(std::move(*built));
  index_seq_ = built_seq;
  view.index = index_;
  return view;
}

size_t FilterIndexSlot::MemoryBytes() const {
  std::shared_ptr<query::MetadataIndex> index;
  {
    std::lock_guard<std::mutex> lock(mu_);
    index = index_;
  }
  return index ? index->MemoryBytes() : 0;
}

FilterIndexSlot::WriteScope::WriteScope(FilterIndexSlot* slot, int64_t write_seq) : slot_(slot), write_seq_(write_seq) {
  std::lock_guard<std::mutex> lock(slot_->mu_);
  slot_->version_.fetch_add(1, std::memory_order_seq_cst);  // odd: readers use SQL until Finish
  // An index of another state (another process wrote since it was built) cannot be kept current.
  if (slot_->index_ && slot_->index_seq_ != write_seq) slot_->index_.reset();
  index_ = slot_->index_;
}

FilterIndexSlot::WriteScope::~WriteScope() { Finish(false); }

void FilterIndexSlot::WriteScope::Finish(bool committed) {
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

namespace {

Result<std::optional<Metadata>> DecodeStored(const std::optional<std::string>& json) {
  if (!json) return std::optional<Metadata>();
  OCHRE_ASSIGN_OR_RETURN(Metadata m, DecodeStoredMetadata(*json));
  return std::optional<Metadata>(std::move(m));
}

}  // namespace

Status FilterIndexSlot::WriteScope::Inserted(int64_t rid, const Metadata* after) {
  if (!recording()) return Status::Ok();
  query::MetadataIndex::Change c;
  c.rid = rid;
  if (after) c.after = *after;
  c.exists = true;
  changes_.push_back(std::move(c));
  return Status::Ok();
}

Status FilterIndexSlot::WriteScope::Rewritten(int64_t rid, const std::optional<std::string>& before_json,
                                              const Metadata* after) {
  if (!recording()) return Status::Ok();
  query::MetadataIndex::Change c;
  c.rid = rid;
  OCHRE_ASSIGN_OR_RETURN(c.before, DecodeStored(before_json));
  if (after) c.after = *after;
  c.existed = c.exists = true;
  changes_.push_back(std::move(c));
  return Status::Ok();
}

Status FilterIndexSlot::WriteScope::Deleted(int64_t rid, const std::optional<std::string>& before_json) {
  if (!recording()) return Status::Ok();
  query::MetadataIndex::Change c;
  c.rid = rid;
  OCHRE_ASSIGN_OR_RETURN(c.before, DecodeStored(before_json));
  c.existed = true;
  changes_.push_back(std::move(c));
  return Status::Ok();
}

}  // namespace ochre::api
