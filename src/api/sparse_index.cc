// Copyright 2026 The OchreDB Authors.
#include "api/sparse_index.h"

#include <algorithm>
#include <cmath>

#include "api/stored_metadata.h"
#include "storage/record_checksum.h"

namespace ochre::api {

Result<std::unique_ptr<SparseIndex>> SparseIndex::Build(storage::SqliteDb* db, int64_t cid) {
  auto index = std::make_unique<SparseIndex>();
  OCHRE_ASSIGN_OR_RETURN(storage::Statement st,
                         db->Prepare("SELECT rid, metadata_json, document, uri, payload_crc, id FROM records "
                                     "WHERE cid = ?1 ORDER BY rid"));
  st.Bind(1, cid);
  while (true) {
    OCHRE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    ++index->live_;
    if (st.ColumnIsNull(1)) continue;
    std::string_view json = st.ColumnText(1);
    // Only records holding a sparse vector are checked (storage/record_checksum.h): the others are
    // not read further.
    if (json.find("\"sparse_vector\"") != std::string_view::npos && !st.ColumnIsNull(4) &&
        uint32_t(st.ColumnInt(4)) != storage::RecordPayloadCrc(st.ColumnOptionalString(2), st.ColumnOptionalString(3),
                                                               st.ColumnOptionalString(1))) {
      return storage::RecordDamaged(cid, st.ColumnInt(0), st.ColumnText(5));
    }
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
      PostingList& pl = k.postings[sv->indices[i]];
      pl.max_abs = std::max(pl.max_abs, std::fabs(sv->values[i]));
      std::vector<Posting>& list = pl.items;
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
      std::vector<Posting>& list = pit->second.items;
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

SparseVector SparseIndex::IdfScaled(const std::string& key, const SparseVector& query) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  SparseVector out = query;
  const float n = float(live_);
  auto kit = keys_.find(key);
  for (size_t i = 0; i < out.indices.size(); ++i) {
    float nt = 0;
    if (kit != keys_.end()) {
      auto pit = kit->second.postings.find(out.indices[i]);
      if (pit != kit->second.postings.end()) nt = float(pit->second.items.size());
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
    for (const auto& [dim, list] : k.postings) bytes += 56 + list.items.capacity() * sizeof(Posting);
  }
  return bytes;
}

}  // namespace ochre::api
