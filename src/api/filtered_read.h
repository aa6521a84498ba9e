// Copyright 2026 The OchreDB Authors.
//
// The read path's use of the in-memory metadata index (api/filter_index.h): a get or a query whose
// filter the index answers takes its rids from there instead of compiling the filter to SQL. Each
// function returns false when the index cannot answer (a document filter, an ids list, a write in
// progress, no index yet); the caller then runs its SQL path, which is always right.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/collection_state.h"
#include "ochre/collection.h"
#include "ochre/result.h"
#include "storage/catalog.h"

namespace ochre::api {

// One read transaction on a reader connection: the statements run while it lives read one
// snapshot of the catalog (each statement alone would read its own). The SQL path of a filtered
// query reads the filter's rids and then each hit's record: without it, a record updated in
// between could come back with metadata that no longer matches the filter.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(storage::SqliteDb* db);
  ~ReadSnapshot();
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  storage::SqliteDb* db_;
  bool open_ = false;
};

// Get: the matching records, ordered by rid, after offset and limit, read from the catalog by rid
// in one statement. True when *records holds the answer.
Result<bool> GetFromFilterIndex(FilterIndexSlot* slot, const GetOptions& o, int64_t cid, int64_t write_seq,
                                storage::CatalogConn* conn, bool payload, std::vector<storage::RecordRow>* records);

// Query: sets the rows of the matching live records in *allow. True when it did; the caller must
// then check slot->StillValid(*view) after its last catalog read and answer again from SQL if not.
Result<bool> AllowFromFilterIndex(FilterIndexSlot* slot, const QueryOptions& o, int64_t cid, int64_t write_seq,
                                  storage::CatalogConn* conn, const VectorRuntime& rt, RowBitmap* allow,
                                  FilterIndexSlot::View* view);

}  // namespace ochre::api
