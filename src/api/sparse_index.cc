// Copyright 2026 The OchreDB Authors.
#include "api/sparse_index.h"

#include <algorithm>
#include <cmath>

#include "api/stored_metadata.h"
#include "common/logging.h"

namespace ochre::api {

Result<std::unique_ptr<SparseIndex>> SparseIndex::Build(storage::SqliteDb* db, int64_t cid) {
  auto index = std::make_unique<SparseIndex>();
  OCHRE_ASSIGN_OR_RETURN(storage::Statement st,
                         db->Prepare("SELECT rid, metadata_json FROM records WHERE cid = ?1 ORDER BY rid"));
  st.Bind(1, cid);
  while (true) {
    OCHRE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    ++index->live_;
    if (st.ColumnIsNull(1)) continue;
    std::string_view json = st.ColumnText(1);
    // Only objects in the stored form are sparse vectors: a record without one is not decoded.
    if (json.find("\"sparse_vector\"") == std::string_view::npos) continue;
    OCHRE_ASSIGN_OR_RETURN(Metadata m, DecodeStoredMetadata(json));
    index->AddLocked(st.ColumnInt(0), m);
  }
  return index;
}

void SparseIndex::AddLocked(int64_t rid, const Metadata& metadata) {
  for (const auto& [key, value] : metadata) {
    const SparseVector* sv = std::get_if<SparseVector>(&value);
    if (!sv) continue;
    KeyIndex& k = keys_[key];
    for (size_t i = 0; i < sv->indices.size(); ++i) {
      std::vector<Posting>& list = k.postings[sv->indices[i]];
      Posting p{rid, sv->values[i]};
      if (list.empty() || list.back().rid < rid) {
        list.push_back(p);  // builds and inserts come in ascending rid
      } else {
        auto it =
            std::lower_bound(list.begin(), list.end(), rid, [](const Posting& a, int64_t r) { return a.rid < r; });
        if (it != list.end() && it->rid == rid) {
          it->value = p.value;
        } else {
          list.insert(it, p);
        }
      }
    }
  }
}

void SparseIndex::RemoveLocked(int64_t rid, const Metadata& metadata) {
  for (const auto& [key, value] : metadata) {
    const SparseVector* sv = std::get_if<SparseVector>(&value);
    if (!sv) continue;
    auto kit = keys_.find(key);
    if (kit == keys_.end()) continue;
    for (uint32_t dim : sv->indices) {
      auto pit = kit->second.postings.find(dim);
      if (pit == kit->second.postings.end()) continue;
      std::vector<Posting>& list = pit->second;
      auto it = std::lower_bound(list.begin(), list.end(), rid, [](const Posting& a, int64_t r) { return a.rid < r; });
      if (it != list.end() && it->rid == rid) list.erase(it);
      if (list.empty()) kit->second.postings.erase(pit);
    }
    if (kit->second.postings.empty()) keys_.erase(kit);
  }
}

void SparseIndex::Add(int64_t rid, const Metadata* metadata) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  ++live_;
  if (metadata) AddLocked(rid, *metadata);
}

void SparseIndex::Apply(const std::vector<Change>& changes) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  for (const Change& c : changes) {
    if (c.existed && c.before) RemoveLocked(c.rid, *c.before);
    if (c.exists && c.after) AddLocked(c.rid, *c.after);
    live_ += int64_t(c.exists) - int64_t(c.existed);
  }
}

std::vector<SparseIndex::Hit> SparseIndex::TopK(const std::string& key, const SparseVector& query, size_t n,
                                                const std::unordered_set<int64_t>* allowed) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  std::vector<Hit> out;
  auto kit = keys_.find(key);
  if (kit == keys_.end() || n == 0) return out;
  // Dimensions in ascending order, each record's sum in float32: sprs's dot, bit for bit.
  std::unordered_map<int64_t, float> acc;
  for (size_t i = 0; i < query.indices.size(); ++i) {
    auto pit = kit->second.postings.find(query.indices[i]);
    if (pit == kit->second.postings.end()) continue;
    const float q = query.values[i];
    for (const Posting& p : pit->second) {
      if (allowed && !allowed->count(p.rid)) continue;
      acc[p.rid] += q * p.value;
    }
  }
  out.reserve(acc.size());
  for (const auto& [rid, dot] : acc) out.push_back(Hit{rid, 1.0f - dot});
  auto better = [](const Hit& a, const Hit& b) { return a.score < b.score || (a.score == b.score && a.rid < b.rid); };
  if (out.size() > n) {
    std::nth_element(out.begin(), out.begin() + ptrdiff_t(n), out.end(), better);
    out.resize(n);
  }
  std::sort(out.begin(), out.end(), better);
  return out;
}

SparseVector SparseIndex::IdfScaled(const std::string& key, const SparseVector& query) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  SparseVector out = query;
  const float n = float(live_);
  auto kit = keys_.find(key);
  for (size_t i = 0; i < out.indices.size(); ++i) {
    float nt = 0;
    if (kit != keys_.end()) {
      auto pit = kit->second.postings.find(out.indices[i]);
      if (pit != kit->second.postings.end()) nt = float(pit->second.size());
    }
    nt = std::min(nt, n);
    const float idf = std::log1p((n - nt + 0.5f) / (nt + 0.5f));
    out.values[i] = idf * out.values[i];
  }
  return out;
}

size_t SparseIndex::live_records() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return size_t(live_);
}

size_t SparseIndex::MemoryBytes() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  size_t bytes = 0;
  for (const auto& [key, k] : keys_) {
    bytes += key.capacity() + sizeof(KeyIndex);
    for (const auto& [dim, list] : k.postings) bytes += 48 + list.capacity() * sizeof(Posting);
  }
  return bytes;
}

// --- SparseIndexSlot: the protocol of FilterIndexSlot (api/filter_index.cc) ---

SparseIndexSlot::View SparseIndexSlot::Acquire(storage::CatalogConn* conn, int64_t cid, int64_t write_seq) {
  View view;
  conn->db()->ResetStatements();
  {
    std::lock_guard<std::mutex> lock(mu_);
    view.version = version_.load(std::memory_order_seq_cst);
    if (view.version & 1) return View{};
    if (index_ && index_seq_ < write_seq) index_.reset();
    if (index_) {
      view.index = index_;
      return view;
    }
    if (building_) return View{};
    building_ = true;
  }
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
  auto built = SparseIndex::Build(db, cid);
  db->ResetStatements();
  if (txn) (void)db->Exec("COMMIT");
  std::lock_guard<std::mutex> lock(mu_);
  building_ = false;
  if (!built.ok()) {
    OCHRE_LOG_WARN("collection cid {}: sparse index build failed ({})", cid, built.status().ToString());
    return View{};
  }
  if (version_.load(std::memory_order_seq_cst) != view.version) return View{};
  index_ = std::shared_ptr<SparseIndex>(std::move(*built));
  index_seq_ = built_seq;
  view.index = index_;
  return view;
}

size_t SparseIndexSlot::MemoryBytes() const {
  std::shared_ptr<SparseIndex> index;
  {
    std::lock_guard<std::mutex> lock(mu_);
    index = index_;
  }
  return index ? index->MemoryBytes() : 0;
}

SparseIndexSlot::WriteScope::WriteScope(SparseIndexSlot* slot, int64_t write_seq) : slot_(slot), write_seq_(write_seq) {
  std::lock_guard<std::mutex> lock(slot_->mu_);
  slot_->version_.fetch_add(1, std::memory_order_seq_cst);
  if (slot_->index_ && slot_->index_seq_ != write_seq) slot_->index_.reset();
  index_ = slot_->index_;
}

SparseIndexSlot::WriteScope::~WriteScope() { Finish(false); }

void SparseIndexSlot::WriteScope::Finish(bool committed) {
  if (finished_) return;
  finished_ = true;
  std::lock_guard<std::mutex> lock(slot_->mu_);
  if (index_ && slot_->index_ == index_) {
    if (committed) {
      index_->Apply(changes_);
      slot_->index_seq_ = write_seq_ + 1;
    } else if (!changes_.empty()) {
      slot_->index_.reset();  // the commit may have reached the disk: build again
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

Status SparseIndexSlot::WriteScope::Inserted(int64_t rid, const Metadata* after) {
  if (!recording()) return Status::Ok();
  SparseIndex::Change c;
  c.rid = rid;
  if (after) c.after = *after;
  c.exists = true;
  changes_.push_back(std::move(c));
  return Status::Ok();
}

Status SparseIndexSlot::WriteScope::Rewritten(int64_t rid, const std::optional<std::string>& before_json,
                                              const Metadata* after) {
  if (!recording()) return Status::Ok();
  SparseIndex::Change c;
  c.rid = rid;
  OCHRE_ASSIGN_OR_RETURN(c.before, DecodeStored(before_json));
  if (after) c.after = *after;
  c.existed = c.exists = true;
  changes_.push_back(std::move(c));
  return Status::Ok();
}

Status SparseIndexSlot::WriteScope::Deleted(int64_t rid, const std::optional<std::string>& before_json) {
  if (!recording()) return Status::Ok();
  SparseIndex::Change c;
  c.rid = rid;
  OCHRE_ASSIGN_OR_RETURN(c.before, DecodeStored(before_json));
  c.existed = true;
  changes_.push_back(std::move(c));
  return Status::Ok();
}

}  // namespace ochre::api
