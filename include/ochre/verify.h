// Copyright 2026 The OchreDB Authors.
//
// Offline inspection of a database directory, for `ochre stats` and `ochre verify` (and scripts):
// both open the directory read-only and write nothing (no -wal/-shm of a cleanly closed catalog,
// no recovery truncation of a vector file's uncommitted tail, no cleanup of orphaned files). Run
// them on a database no process has open: a concurrent writer can make the figures inconsistent.
//
// VerifyDatabase checks, and reports every finding instead of stopping at the first:
//  - the catalog: SQLite's `PRAGMA integrity_check` and FTS5's 'integrity-check' of documents_fts
//    (run on an in-memory copy of the catalog, since the command needs a writable connection)
//    against the documents of the collections whose index is built (a collection whose index is
//    not built yet is no problem: the first document filter builds it);
//  - each collection's vector file: present, header (magic, checksum, version, dim, dtype,
//    chunk_shift) and a size holding at least the committed rows; non-zero bytes after them (an
//    uncommitted tail, cut off at the next open) are a warning;
//  - each collection's graph checkpoint: loaded with the engine's own loader (magic, version,
//    CRC32C of header and body, every link in range, parameters matching the collection, a
//    fingerprint of the vectors it was built over). A damaged graph is a problem; a missing one is
//    a warning (it is derived state, rebuilt from the vectors at the next open);
//  - every record points at a row below committed_rows, no two records share a row, and
//    records + dead_rows == committed_rows;
//  - every record against its checksums (catalog format 5: key_crc over its id and row,
//    payload_crc over its document, uri and metadata): a mismatch is a problem naming the first
//    such record; records written before format 5 have none (a warning: `--repair` adds them);
//  - the vector rows themselves: every block of rows with a stored checksum (the row checksum side
//    file, docs/format/vectors.md) is read and compared; a mismatch is a problem naming the rows.
//    Blocks without a checksum (a database from before them) and files of an older format version
//    (not tied to their collection) are warnings: `ochre verify --repair` (RepairDatabase) adds
//    the checksums and upgrades the headers. The state is in VerifyReport::checksums;
//  - the catalog's page checksums (catalog format 6, docs/format/catalog.md): every page of
//    ochre.sqlite3 is compared with its checksum (pages of its -wal are checked as SQLite reads
//    them, by the checks above); a damaged page is a problem naming it. A catalog whose pages carry
//    no checksum (created before them) is a warning: `ochre verify --repair` converts it. The state
//    is in VerifyReport::catalog_checksums.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ochre/result.h"

namespace ochre {

struct CollectionStats {
  std::string tenant, database, name, id;
  int64_t dimension = 0;  // 0: no embedding written yet
  int64_t generation = 0;
  int64_t records = 0;                   // live records
  int64_t committed_rows = 0;            // vector rows covered by commits
  int64_t dead_rows = 0;                 // rows no live record points at (compaction gives them back)
  std::string vectors_file, graph_file;  // paths; the files may be missing
  int64_t vectors_bytes = -1;            // -1: missing
  int64_t graph_bytes = -1;              // -1: missing
  int64_t graph_rows = -1;               // rows the graph checkpoint covers (its header), -1 without a readable one
  // The collection's documents are in the full-text index behind where_document. It is built at
  // the first document filter (catalog format 4), so a collection never filtered by document text
  // has none; catalogs of format 3 and older index every collection.
  bool fts_built = false;
};

struct DatabaseStats {
  std::string path;
  int64_t catalog_bytes = 0;  // ochre.sqlite3 with its -wal
  std::vector<CollectionStats> collections;
};

// NotFound when `path` holds no ochre.sqlite3; Corruption when the catalog cannot be read.
Result<DatabaseStats> ReadDatabaseStats(const std::string& path);

struct VerifyFinding {
  std::string check;       // "catalog", "fts", "vectors", "graph", "records", "counts"
  std::string collection;  // "tenant/database/name", empty for the catalog
  std::string message;
};

// The row checksums of one collection's vectors file.
struct RowChecksumState {
  std::string collection;  // "tenant/database/name"
  std::string vectors_file;
  int64_t vectors_version = 0;  // the vectors file's format version (2 ties it to its collection)
  bool side_file = false;       // a row checksum file exists
  int64_t side_version = 0;     // its format version (2 also covers the partial last block)
  int64_t blocks = 0;           // blocks of rows (the partial last one included)
  int64_t checked = 0;          // compared with their stored checksum
  int64_t without_checksum = 0;
  std::vector<std::pair<int64_t, int64_t>> mismatches;  // first and last row of each damaged block
};

// The page checksums of ochre.sqlite3 (the main file; the pages of its -wal are checked as they
// are read).
struct CatalogChecksumState {
  bool page_checksums = false;         // its pages reserve 8 bytes for a checksum
  int64_t reserved_bytes = -1;         // the header's reserved bytes per page; -1: no readable header
  int64_t page_size = 0;               // bytes
  int64_t pages_checked = 0;           // pages compared with their checksum
  std::vector<int64_t> damaged_pages;  // 1-based page numbers that fail their checksum
};

struct VerifyReport {
  std::string path;
  int64_t collections = 0, records = 0;     // how many were checked
  int64_t records_checksummed = 0;          // records compared with their checksums
  int64_t records_without_checksum = 0;     // records written before the record checksums
  std::vector<VerifyFinding> problems;      // damage: data lost or inconsistent
  std::vector<VerifyFinding> warnings;      // recoverable at the next open (derived or uncommitted state)
  std::vector<RowChecksumState> checksums;  // one per collection with a readable vectors file
  CatalogChecksumState catalog_checksums;
  bool clean() const { return problems.empty() && warnings.empty(); }
};

// Called after each collection: (collections checked, collections in all).
using VerifyProgress = std::function<void(int64_t done, int64_t total)>;

// NotFound when `path` holds no ochre.sqlite3. Everything found wrong is in the report, not the
// status.
Result<VerifyReport> VerifyDatabase(const std::string& path, const VerifyProgress& progress = {});

struct RepairReport {
  int64_t collections = 0;                    // collections with vectors looked at
  int64_t headers_upgraded = 0;               // vectors files rewritten with a version 2 header (their identity)
  int64_t checksums_written = 0;              // row checksum files written (missing, version 1, or incomplete)
  int64_t record_checksums_written = 0;       // records given the checksums they lacked
  bool catalog_page_checksums_added = false;  // the catalog was rewritten with page checksums
};

// `ochre verify --repair`: adds row checksums to vectors files that lack them (databases from
// before them) and upgrades version 1 vectors headers to version 2 (tied to their collection and
// generation), only when the database is otherwise sound: if VerifyDatabase finds any problem,
// Corruption naming the first, and nothing is changed. Locked, with nothing changed, while another
// process holds the database's commit lock or has any collection's vectors file open (a process
// that has the database open with a collection loaded holds its vectors file). Graph checkpoints
// of version 1 are left as they are (derived state; they still load and are rewritten as version
// 2 at the next checkpoint). Records from before the record checksums (catalog format 5) get
// them, computed from what they hold now (which the verify before has found consistent). A catalog
// whose pages carry no checksum is migrated to the current format and rewritten with them (VACUUM,
// in WAL mode, so a crash leaves the old catalog); Locked, with the catalog unconverted, when any
// other connection has it open (SQLite's own locks tell, whatever the other process's build).
Result<RepairReport> RepairDatabase(const std::string& path);

}  // namespace ochre
