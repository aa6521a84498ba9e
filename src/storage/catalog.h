// Copyright 2026 The OchreDB Authors.
//
// Catalog: every SQL statement OchreDB runs against ochre.sqlite3 (tenants, databases, collections,
// records and their metadata rows, the FTS index). The schema is in schema.cc and
// docs/format/catalog.md.
//
// A CatalogConn wraps one SQLite connection. It is not thread-safe: the API layer owns one writer
// connection (behind its write lock) and a pool of reader connections. Write methods must run inside
// a Transaction on the writer connection; the commit of that transaction is OchreDB's single commit
// point.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ochre/result.h"
#include "ochre/types.h"
#include "storage/sqlite_db.h"

namespace ochre::storage {

struct CollectionRow {
  int64_t cid = 0;
  std::string id;  // UUID
  std::string name;
  std::string database_id;
  std::string tenant;         // joined from databases
  std::string database_name;  // joined from databases
  std::optional<int64_t> dimension;
  std::string config_json;
  std::optional<std::string> metadata_json;
  int64_t committed_rows = 0;
  int64_t dead_rows = 0;
  // Names the collection's vector and graph files (vector_file.h: VectorFileName); compaction
  // advances it.
  int64_t generation = 0;
  // Commits that changed the collection's records (SetRowCounts adds one): another process's
  // commit shows as a write_seq this process has not seen.
  int64_t write_seq = 0;
  // documents_fts holds the collection's documents (catalog version 4: built at the first document
  // filter, then kept current by every writer). Never goes back to false.
  bool fts_ready = false;
};

struct RecordRow {
  int64_t rid = 0;
  std::string id;
  uint32_t row = 0;
  std::optional<std::string> document;
  std::optional<std::string> uri;
  std::optional<std::string> metadata_json;
};

// What a write puts into a record's row (insert or full rewrite).
struct RecordWrite {
  std::string_view id;
  uint32_t row = 0;
  const std::optional<std::string>* document = nullptr;  // null pointer or nullopt: no document
  const std::optional<std::string>* uri = nullptr;
  const Metadata* metadata = nullptr;  // null or empty: no metadata
};

class CatalogConn {
 public:
  // Opens a connection. `path` is the database file; in_memory ignores it. `on_open` runs on the
  // new connection (the API layer registers SQL functions there). When `migrate` is set, applies
  // pending migrations; a catalog newer than this build is refused with NotSupported.
  static Result<std::unique_ptr<CatalogConn>> Open(const std::string& path, const SqliteOpenOptions& options,
                                                   bool migrate, const std::function<Status(sqlite3*)>& on_open);

  // The format version stored in an existing catalog file without changing it (0 when absent or
  // when the file cannot tell on its own: a non-empty WAL, or a main file that does not read).
  static Result<int> PeekFormatVersion(const std::string& path);

  SqliteDb* db() { return db_.get(); }

  // --- Tenants and databases ---
  Status CreateTenant(std::string_view name);
  Result<bool> TenantExists(std::string_view name);
  Status CreateDatabase(std::string_view id, std::string_view name, std::string_view tenant);
  Result<DatabaseInfo> GetDatabase(std::string_view name, std::string_view tenant);
  Result<std::vector<DatabaseInfo>> ListDatabases(std::string_view tenant, int64_t limit, int64_t offset);
  // Deletes the database row (its collections must have been deleted first).
  Status DeleteDatabaseRow(std::string_view database_id);

  // --- Collections ---
  Status InsertCollection(const CollectionRow& row);  // sets nothing back; cid is assigned
  Result<std::optional<CollectionRow>> FindCollectionByName(std::string_view database_id, std::string_view name);
  Result<std::optional<CollectionRow>> FindCollectionById(std::string_view id);
  Result<std::vector<CollectionRow>> ListCollections(std::string_view database_id, int64_t limit, int64_t offset);
  Result<std::vector<CollectionRow>> AllCollections();
  Result<int64_t> CountCollections(std::string_view database_id);
  Status UpdateCollection(const CollectionRow& row);  // name, dimension, config, metadata by cid
  // Sets the row counts and adds one to write_seq: every write and delete calls it once.
  Status SetRowCounts(int64_t cid, int64_t committed_rows, int64_t dead_rows);
  // Compaction's publish (inside its transaction): the collection's new generation and row counts.
  Status SetGeneration(int64_t cid, int64_t generation, int64_t committed_rows, int64_t dead_rows);
  // Compaction's publish: moves records to new vector rows, by rid.
  Status SetRecordRows(int64_t cid, const std::vector<std::pair<int64_t, uint32_t>>& rid_rows);
  // Deletes the collection's records, metadata, FTS rows and its row.
  Status DeleteCollection(int64_t cid);
  // Removes every table's rows and seeds the defaults again.
  Status ResetAll();

  // --- Records ---
  Result<std::vector<RecordRow>> FindRecordsByIds(int64_t cid, const std::vector<std::string>& ids);
  // The records of collection cid at the given vector rows, in one statement (one snapshot), in no
  // particular order; a row no record holds is skipped. Without payload, document, uri and
  // metadata_json are left unset (a query that includes none of them reads only the index).
  Result<std::vector<RecordRow>> FindRecordsByRows(int64_t cid, std::span<const uint32_t> rows, bool with_payload);
  // Records whose rid is in `rid_select` (a SELECT returning rids; params bound in order from
  // index 1), or all of the collection's records when rid_select is empty; ids, when given, further
  // restrict. Ordered by rid; offset then limit (limit < 0: none).
  using SqlParam = std::variant<int64_t, double, std::string>;
  Result<std::vector<RecordRow>> SelectRecords(int64_t cid, std::string_view rid_select,
                                               const std::vector<SqlParam>& params, const std::vector<std::string>* ids,
                                               int64_t limit, int64_t offset, bool with_payload);
  // The records of the given rids (ascending, of collection cid), ordered by rid, in one
  // statement. A rid with no record of the collection is skipped.
  Result<std::vector<RecordRow>> SelectRecordsByRids(int64_t cid, const std::vector<int64_t>& rids, bool with_payload);
  // The vector rows of the records SelectRecords would return (any order, no payload): the
  // allow-list of a filtered query.
  Result<std::vector<uint32_t>> SelectRows(int64_t cid, std::string_view rid_select,
                                           const std::vector<SqlParam>& params, const std::vector<std::string>* ids);
  // The rows of every live record of the collection.
  Result<std::vector<uint32_t>> LiveRows(int64_t cid);
  // (rid, row) of every live record of the collection. Corruption when their number is not the
  // collection's committed_rows - dead_rows, or two records share a row: the (cid, row) index these
  // come from has no checksum of its own, and a damaged page of it would otherwise map records to
  // other records' vectors, or lose them, without a word.
  Result<std::vector<std::pair<int64_t, uint32_t>>> LiveRidRows(int64_t cid);
  // (rid, row) of the live records at vector rows >= first_row (rows another process appended).
  Result<std::vector<std::pair<int64_t, uint32_t>>> LiveRidRowsFrom(int64_t cid, uint32_t first_row);
  Result<int64_t> CountRecords(int64_t cid);
  // Gives every record written before the record checksums (format 5: NULL key_crc or payload_crc)
  // the checksums of what it holds now, in one transaction; returns how many. For
  // `ochre verify --repair`, after a verify found the catalog consistent.
  Result<int64_t> FillMissingRecordChecksums();

  Result<int64_t> InsertRecord(int64_t cid, const RecordWrite& w);
  // Rewrites a record (row, document, uri, metadata), replacing its metadata rows and FTS entry.
  // `old` is the record as it was (its document is needed to remove the FTS entry).
  Status RewriteRecord(int64_t cid, const RecordRow& old, const RecordWrite& w);
  Status DeleteRecord(int64_t cid, const RecordRow& old);
  // Record writes keep documents_fts current only for a collection whose fts_ready is set, as the
  // writing transaction reads it (so a build by another process is never missed).

  // --- The FTS index (built lazily) ---
  // Whether the collection's documents are in documents_fts (false for a collection not found).
  Result<bool> FtsReady(int64_t cid);
  // Builds the collection's FTS rows from its stored documents and sets fts_ready. REQUIRES: a
  // write transaction on this connection, whose commit publishes the build and the flag together
  // (a rollback or crash before it leaves the collection unbuilt, never half built). False when the
  // index was built already (read in this transaction: another process may have built it).
  Result<bool> BuildFts(int64_t cid);

 private:
  explicit CatalogConn(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  Status Migrate();
  Status InsertMetadataRows(int64_t rid, int64_t cid, const Metadata& metadata);
  Status DeleteRecordRows(int64_t rid, int64_t cid, const std::optional<std::string>& document);
  // Adds a document to documents_fts when the collection's index is built.
  Status IndexDocument(int64_t rid, int64_t cid, std::string_view document);

  std::unique_ptr<SqliteDb> db_;
};

}  // namespace ochre::storage
