// Copyright 2026 The OchreDB Authors.
//
// The catalog's SQL schema as numbered migrations (docs/format/catalog.md describes it). Migration
// N takes the catalog from format version N-1 to N; the version is stored in ochre_meta under
// "format_version". A catalog with a version above kCatalogFormatVersion is refused (NotSupported).
//
// Tables (version 1):
//   ochre_meta(key, value)                         format version, creator
//   tenants(name)                                  "default_tenant" seeded
//   databases(id, name, tenant)                    "default_database" seeded
//   collections(cid, id, name, database_id, dimension, config_json, metadata_json,
//               committed_rows, dead_rows,          committed_rows: vector rows covered by commits
//               generation,                         (version 2) which files hold the vectors and graph
//               write_seq,                          (version 3) commits that changed the records
//               fts_ready)                          (version 4) documents_fts holds the collection's
//                                                  documents (built at its first document filter)
//   records(rid, cid, id, row, document, uri, metadata_json)
//       rid: insertion order (the get order); row: the record's current row in vectors.f32.
//   metadata(rid, cid, key, t, v)                  one scalar per (rid, key); t: kTypeBool..kTypeString,
//                                                  v: INTEGER (bool 0/1, int), REAL, or TEXT. Ints and
//                                                  floats share v, so SQLite compares them numerically.
//   metadata_array(rid, cid, key, t, v)            one row per element of an array value
//   documents_fts                                   FTS5 trigram (case-sensitive) over records.document,
//                                                  external content, rowid = rid; rows only for the
//                                                  collections with fts_ready = 1
// Version 5: records.key_crc, records.payload_crc (record_checksum.h): CRC32C of the record's
// (cid, id, row) and of its (document, uri, metadata_json), checked whenever a record is read, so
// that a damaged byte of the catalog never changes an answer silently (SQLite has no page
// checksums). NULL in rows written before version 5: those are not checked.
// Version 6: page checksums (page_checksum_vfs.h). The migration changes nothing in the schema: the
// version says that the catalog may carry a checksum in every page, which a build that writes it
// without the checksum VFS (format 5 and older) would leave stale, so those builds refuse it.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace ochre::storage {

inline constexpr int kCatalogFormatVersion = 6;

// The catalog's file name in a database directory.
inline constexpr const char* kCatalogFileName = "ochre.sqlite3";

// Value type tags in metadata.t / metadata_array.t.
inline constexpr int kTypeBool = 0;
inline constexpr int kTypeInt = 1;
inline constexpr int kTypeFloat = 2;
inline constexpr int kTypeString = 3;

// Migration i (1-based) is Migrations()[i - 1]: SQL run in one transaction with the version update.
const std::vector<std::string_view>& Migrations();

// The catalog version whose migration may also lay documents_fts out anew (kLeanFtsSql).
inline constexpr int kLeanFtsVersion = 4;

// Makes documents_fts again with the lean layout (detail=none, columnsize=0: no positions and no
// per-document sizes, which the trigram GLOB prefilter never reads; about a third of the size).
// Run by CatalogConn::Migrate in the transaction of migration kLeanFtsVersion when no record has a
// document (a new catalog, or one without documents): then the table has no entries to lose. A
// catalog with documents keeps the layout it has, and its FTS rows (no rebuild).
extern const std::string_view kLeanFtsSql;

}  // namespace ochre::storage
