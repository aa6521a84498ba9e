// Copyright 2026 The OchreDB Authors.
#include "api/filtered_read.h"

#include <algorithm>

#include "query/metadata_index.h"
#include "query/where_parser.h"

namespace ochre::api {

namespace {

// The index answers a `where` alone (no where_document, no ids) that names metadata keys only.
Result<bool> Answerable(const std::optional<WhereNode>& where, const std::optional<WhereDocumentNode>& where_document,
                        const std::optional<std::vector<std::string>>& ids) {
  if (!where || where_document || ids) return false;
  OCHRE_RETURN_IF_ERROR(query::ValidateWhere(*where));  // the same errors as the SQL path's
  return query::MetadataIndex::Supports(*where);
}

}  // namespace

ReadSnapshot::ReadSnapshot(storage::SqliteDb* db) : db_(db) {
  db_->ResetStatements();  // a statement still stepping holds an older snapshot
  // A deferred BEGIN takes no lock: the snapshot starts at the first read. Should it fail, the
  // reads still run, each in its own snapshot, as they did before.
  // Prepared once per connection: a read begins and ends one on every call.
  auto begin = db_->Cached("BEGIN");
  open_ = begin.ok() && ((*begin)->Reset(), (*begin)->Run().ok());
}

ReadSnapshot::~ReadSnapshot() {
  if (!open_) return;
  db_->ResetStatements();
  auto commit = db_->Cached("COMMIT");
  if (commit.ok()) {
    (*commit)->Reset();
    if ((*commit)->Run().ok()) return;
  }
  (void)db_->Exec("COMMIT");
}

Result<bool> GetFromFilterIndex(FilterIndexSlot* slot, const GetOptions& o, int64_t cid, int64_t write_seq,
                                storage::CatalogConn* conn, bool payload, std::vector<storage::RecordRow>* records) {
  OCHRE_ASSIGN_OR_RETURN(bool answerable, Answerable(o.where, o.where_document, o.ids));
  if (!answerable) return false;
  FilterIndexSlot::View view = slot->Acquire(conn, cid, write_seq);
  if (!view.damage.ok()) return view.damage;
  if (!view.index) return false;
  std::vector<int64_t> rids = view.index->Evaluate(*o.where);
  // Offset then limit, over rids in ascending order: the SQL path's ORDER BY rid.
  const size_t offset = size_t(std::min<int64_t>(o.offset.value_or(0), int64_t(rids.size())));
  size_t end = rids.size();
  if (o.limit) end = std::min(end, offset + size_t(std::min<int64_t>(*o.limit, int64_t(rids.size()))));
  rids.erase(rids.begin() + ptrdiff_t(end), rids.end());
  rids.erase(rids.begin(), rids.begin() + ptrdiff_t(offset));
  OCHRE_ASSIGN_OR_RETURN(*records, conn->SelectRecordsByRids(cid, rids, payload));
  // Every rid is of a live record as of the version the index had; the catalog read saw the
  // same state unless a write began meanwhile.
  if (!slot->StillValid(view) || records->size() != rids.size()) {
    records->clear();
    return false;
  }
  return true;
}

Result<bool> AllowFromFilterIndex(FilterIndexSlot* slot, const QueryOptions& o, int64_t cid, int64_t write_seq,
                                  storage::CatalogConn* conn, const VectorRuntime& rt, RowBitmap* allow,
                                  FilterIndexSlot::View* view) {
  OCHRE_ASSIGN_OR_RETURN(bool answerable, Answerable(o.where, o.where_document, o.ids));
  if (!answerable) return false;
  *view = slot->Acquire(conn, cid, write_seq);
  if (!view->damage.ok()) return view->damage;
  if (!view->index) return false;
  rt.RowsOfRids(view->index->Evaluate(*o.where), allow);
  return true;
}

}  // namespace ochre::api
