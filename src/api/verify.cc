// Copyright 2026 The OchreDB Authors.
//
// ReadDatabaseStats and VerifyDatabase (include/ochre/verify.h): read-only inspection of a database
// directory. Nothing here goes through the engine, which recovers (truncates tails, removes
// orphaned files) when it opens; the catalog is read with SQLite directly and the files with
// read-only descriptors and mappings.
#include "ochre/verify.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <optional>

#include "api/collection_config.h"
#include "common/coding.h"
#include "common/crc32c.h"
#include "common/file.h"
#include "common/file_identity.h"
#include "common/row_chunks.h"
#include "index/hnsw/hnsw_index.h"
#include "storage/catalog.h"
#include "storage/lock_file.h"
#include "storage/page_checksum_vfs.h"
#include "storage/record_checksum.h"
#include "storage/row_checksums.h"
#include "storage/schema.h"
#include "storage/sqlite_db.h"
#include "storage/vector_file.h"

namespace ochre {
namespace {

constexpr const char* kCatalogFile = storage::kCatalogFileName;
constexpr uint64_t kVecHeader = storage::VectorFile::kHeaderSize;

int64_t FileBytes(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return int64_t(st.st_size);
}

// The catalog opened without writing: a cleanly closed catalog (no -wal) is read as immutable, so
// that not even -wal/-shm files appear; one with a -wal is opened read-only, which reads the log.
Result<std::unique_ptr<storage::SqliteDb>> OpenCatalog(const std::string& dir) {
  const std::string path = JoinPath(dir, kCatalogFile);
  if (FileBytes(path) < 0)
    return Status::NotFound("'" + dir + "' is not an OchreDB directory (no " + kCatalogFile + ")");
  const bool wal = FileBytes(path + "-wal") > 0;
  return storage::SqliteDb::Open(
      path, storage::SqliteOpenOptions{.create = false, .read_only = true, .immutable = !wal, .page_checksums = true});
}

struct Row {
  CollectionStats stats;
  std::string config_json;
};

// True when `table` has `column`: the catalog is read unmigrated, so any format can be here.
Result<bool> HasColumn(storage::SqliteDb& db, const std::string& table, const std::string& column) {
  OCHRE_ASSIGN_OR_RETURN(auto st, db.Prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2"));
  st.Bind(1, table).Bind(2, column);
  return st.Step();
}

// True when the catalog has collections.fts_ready (format 4); older catalogs index every collection.
Result<bool> HasFtsReadyColumn(storage::SqliteDb& db) { return HasColumn(db, "collections", "fts_ready"); }

Result<std::vector<Row>> ReadCollections(storage::SqliteDb& db, const std::string& dir) {
  OCHRE_ASSIGN_OR_RETURN(bool has_flag, HasFtsReadyColumn(db));
  OCHRE_ASSIGN_OR_RETURN(
      auto st, db.Prepare(std::string("SELECT c.cid, c.id, c.name, COALESCE(d.tenant, '?'), "
                                      "COALESCE(d.name, c.database_id), COALESCE(c.dimension, 0), c.config_json, "
                                      "c.committed_rows, c.dead_rows, c.generation, "
                                      "(SELECT COUNT(*) FROM records r WHERE r.cid = c.cid), ") +
                          (has_flag ? "c.fts_ready" : "1") +
                          " FROM collections c LEFT JOIN databases d ON d.id = c.database_id ORDER BY 4, 5, 3"));
  std::vector<Row> out;
  for (;;) {
    OCHRE_ASSIGN_OR_RETURN(bool more, st.Step());
    if (!more) break;
    Row r;
    CollectionStats& s = r.stats;
    s.id = st.ColumnString(1);
    s.name = st.ColumnString(2);
    s.tenant = st.ColumnString(3);
    s.database = st.ColumnString(4);
    s.dimension = st.ColumnInt(5);
    r.config_json = st.ColumnString(6);
    s.committed_rows = st.ColumnInt(7);
    s.dead_rows = st.ColumnInt(8);
    s.generation = st.ColumnInt(9);
    s.records = st.ColumnInt(10);
    s.fts_built = st.ColumnInt(11) != 0;
    const std::string cdir = JoinPath(JoinPath(dir, "collections"), s.id);
    s.vectors_file = JoinPath(cdir, storage::VectorFileName(s.generation));
    s.graph_file = JoinPath(cdir, storage::GraphFileName(s.generation));
    s.vectors_bytes = FileBytes(s.vectors_file);
    s.graph_bytes = FileBytes(s.graph_file);
    out.push_back(std::move(r));
  }
  return out;
}

// The rows a graph checkpoint covers, from its header (docs/format/graph.md), unchecked.
int64_t GraphCoveredRows(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char h[80];
  const ssize_t n = ::pread(fd, h, sizeof h, 0);
  ::close(fd);
  if (n != ssize_t(sizeof h) || std::memcmp(h, "OCHREHNS", 8) != 0) return -1;
  return DecodeFixed32(h + 32);
}

// A read-only mapping of a whole file, unmapped on destruction.
struct Mapping {
  void* base = MAP_FAILED;
  size_t length = 0;
  ~Mapping() {
    if (base != MAP_FAILED) ::munmap(base, length);
  }
};

class Verifier {
 public:
  Verifier(const std::string& dir, VerifyReport* report, const VerifyProgress& progress)
      : dir_(dir), report_(report), progress_(progress) {}

  void Problem(std::string check, std::string coll, std::string msg) {
    report_->problems.push_back({std::move(check), std::move(coll), std::move(msg)});
  }
  void Warning(std::string check, std::string coll, std::string msg) {
    report_->warnings.push_back({std::move(check), std::move(coll), std::move(msg)});
  }

  // integrity_check on the catalog itself; false when it is too damaged to read on.
  bool CheckSqlite(storage::SqliteDb& db) {
    auto st = db.Prepare("PRAGMA integrity_check");
    if (!st.ok()) {
      Problem("catalog", "", "integrity_check cannot run: " + st.status().ToString());
      return false;
    }
    bool any = false;
    for (;;) {
      auto more = st->Step();
      if (!more.ok()) {
        Problem("catalog", "", "integrity_check failed: " + more.status().ToString());
        return false;
      }
      if (!*more) break;
      std::string line = st->ColumnString(0);
      if (line != "ok") {
        Problem("catalog", "", line);
        any = true;
      }
    }
    return !any;
  }

  // FTS5's 'integrity-check' needs a writable connection: it runs on an in-memory copy of the
  // catalog (SQLite's backup API copies the pages as they are). It costs the catalog's size in memory.
  void CheckFts(storage::SqliteDb& db) {
    sqlite3* mem = nullptr;
    if (sqlite3_open(":memory:", &mem) != SQLITE_OK) {
      Problem("fts", "", "cannot open an in-memory database for the check");
      sqlite3_close(mem);
      return;
    }
    sqlite3_backup* b = sqlite3_backup_init(mem, "main", db.get(), "main");
    int rc = b ? sqlite3_backup_step(b, -1) : sqlite3_errcode(mem);
    if (b) sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
      // A page that fails its checksum is named (storage::SqliteStatus asks the checksum VFS).
      Problem("fts", "",
              rc == SQLITE_IOERR_DATA
                  ? storage::SqliteStatus(rc, db.get(), "cannot copy the catalog for the FTS check").message()
                  : std::string("cannot copy the catalog for the FTS check: ") + sqlite3_errstr(rc));
    } else {
      char* err = nullptr;
      // The engine indexes only records that have a document, of the collections whose index is
      // built (catalog format 4 builds it at a collection's first document filter), while FTS5
      // compares its row count with its content table's: the copy drops the other records (no
      // trigger ties them to the index), so that the check compares the index with exactly the
      // documents it must hold. An entry left for a collection not marked built shows as a
      // mismatch.
      auto has_flag = HasFtsReadyColumn(db);
      const std::string sql =
          std::string("DELETE FROM records WHERE document IS NULL") +
          (has_flag.ok() && *has_flag ? " OR cid NOT IN (SELECT cid FROM collections WHERE fts_ready)" : "") +
          "; INSERT INTO documents_fts(documents_fts, rank) VALUES('integrity-check', 1)";
      rc = sqlite3_exec(mem, sql.c_str(), nullptr, nullptr, &err);
      if (rc != SQLITE_OK) Problem("fts", "", std::string("documents_fts: ") + (err ? err : sqlite3_errstr(rc)));
      sqlite3_free(err);
    }
    sqlite3_close(mem);
  }

  // Every page of ochre.sqlite3 against its checksum (page_checksum_vfs.h), read from the file
  // itself: SQLite reads only the pages its checks walk, and stops at the first failure.
  void CheckCatalogPages() {
    const std::string path = JoinPath(dir_, kCatalogFile);
    CatalogChecksumState& st = report_->catalog_checksums;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;  // reported by the open of the catalog
    uint8_t h[100];
    if (::pread(fd, h, sizeof h, 0) != ssize_t(sizeof h) || std::memcmp(h, "SQLite format 3", 16) != 0) {
      ::close(fd);
      return;  // SQLite's checks report a catalog without a header
    }
    const int64_t stored = (int64_t(h[16]) << 8) | h[17];  // big-endian; 1 means 65536
    const int64_t page_size = stored == 1 ? 65536 : stored;
    st.reserved_bytes = h[20];
    st.page_size = page_size;
    st.page_checksums = h[20] == storage::kPageTrailerBytes;
    if (!storage::IsPageSize(page_size) || !st.page_checksums) {
      ::close(fd);
      if (storage::IsPageSize(page_size)) {
        Warning("catalog", "",
                path +
                    ": its pages carry no checksums (a catalog from before them; `ochre verify --repair` adds "
                    "them)");
      }
      return;
    }
    std::vector<uint8_t> page(static_cast<size_t>(page_size));
    for (int64_t pgno = 1;; ++pgno) {
      if (::pread(fd, page.data(), page.size(), off_t((pgno - 1) * page_size)) != ssize_t(page.size())) break;
      ++st.pages_checked;
      if (!storage::PageTrailerMatches(page.data(), page.size())) st.damaged_pages.push_back(pgno);
    }
    ::close(fd);
    if (st.damaged_pages.empty()) return;
    std::string list;
    for (size_t i = 0; i < st.damaged_pages.size() && i < 20; ++i) {
      list += (i ? ", " : "") + std::to_string(st.damaged_pages[i]);
    }
    if (st.damaged_pages.size() > 20) list += ", ...";
    Problem("catalog", "",
            std::to_string(st.damaged_pages.size()) + " of the " + std::to_string(st.pages_checked) + " pages of " +
                path + " fail their checksum (pages " + list + ")");
  }

  void CheckRecords(storage::SqliteDb& db, int64_t cid, const CollectionStats& s, const std::string& name) {
    auto st = db.Prepare(
        "SELECT COUNT(*), MIN(id) FROM records WHERE cid = ?1 AND (typeof(row) != 'integer' OR row < 0 OR row >= ?2)");
    if (!st.ok()) return Problem("records", name, st.status().ToString());
    st->Bind(1, cid).Bind(2, s.committed_rows);
    auto more = st->Step();
    if (!more.ok()) return Problem("records", name, more.status().ToString());
    if (*more && st->ColumnInt(0) > 0) {
      Problem("records", name,
              std::to_string(st->ColumnInt(0)) + " records point outside the " + std::to_string(s.committed_rows) +
                  " committed rows (e.g. id '" + st->ColumnString(1) + "')");
    }
    auto dup = db.Prepare(
        "SELECT COUNT(*), MIN(row) FROM (SELECT row FROM records WHERE cid = ?1 GROUP BY row HAVING COUNT(*) > 1)");
    if (!dup.ok()) return Problem("records", name, dup.status().ToString());
    dup->Bind(1, cid);
    more = dup->Step();
    if (!more.ok()) return Problem("records", name, more.status().ToString());
    if (*more && dup->ColumnInt(0) > 0) {
      Problem("records", name,
              std::to_string(dup->ColumnInt(0)) + " rows are shared by several records (e.g. row " +
                  std::to_string(dup->ColumnInt(1)) + ")");
    }
    CheckRecordChecksums(db, cid, name);
    if (s.records + s.dead_rows != s.committed_rows) {
      Problem("counts", name,
              "records (" + std::to_string(s.records) + ") + dead rows (" + std::to_string(s.dead_rows) +
                  ") != committed rows (" + std::to_string(s.committed_rows) + ")");
    }
  }

  // Every record of the collection against its checksums (storage/record_checksum.h), when the
  // catalog has them (format 5).
  void CheckRecordChecksums(storage::SqliteDb& db, int64_t cid, const std::string& name) {
    if (!record_checksums_) return;
    auto st = db.Prepare(
        "SELECT rid, id, row, document, uri, metadata_json, key_crc, payload_crc FROM records WHERE cid = ?1");
    if (!st.ok()) return Problem("records", name, st.status().ToString());
    st->Bind(1, cid);
    int64_t damaged = 0, without = 0, checked = 0;
    std::string first;
    for (;;) {
      auto more = st->Step();
      if (!more.ok()) return Problem("records", name, "cannot read the records: " + more.status().ToString());
      if (!*more) break;
      if (st->ColumnIsNull(6) || st->ColumnIsNull(7)) {
        ++without;
        continue;
      }
      ++checked;
      const bool key_ok = uint32_t(st->ColumnInt(6)) == storage::RecordKeyCrc(cid, st->ColumnText(1), st->ColumnInt(2));
      const bool payload_ok = uint32_t(st->ColumnInt(7)) == storage::RecordPayloadCrc(st->ColumnOptionalString(3),
                                                                                      st->ColumnOptionalString(4),
                                                                                      st->ColumnOptionalString(5));
      if (!key_ok || !payload_ok) {
        if (damaged++ == 0) first = "id '" + st->ColumnString(1) + "', rid " + std::to_string(st->ColumnInt(0));
      }
    }
    report_->records_checksummed += checked;
    report_->records_without_checksum += without;
    if (damaged > 0) {
      Problem("records", name,
              std::to_string(damaged) + " records do not match their checksums (the first: " + first +
                  "): the catalog is damaged");
    }
    if (without > 0) {
      Warning("records", name,
              std::to_string(without) +
                  " records have no checksum (written before catalog format 5; `ochre verify --repair` adds them)");
    }
  }

  // The vector file's header and size; on success *mapping maps the whole file (for the graph check).
  bool CheckVectors(const CollectionStats& s, const std::string& name, uint32_t* chunk_shift, Mapping* map) {
    if (s.vectors_bytes < 0) {
      if (s.committed_rows > 0) {
        Problem("vectors", name,
                s.vectors_file + " is missing; the catalog records " + std::to_string(s.committed_rows) + " rows");
      }
      return false;
    }
    const std::string& f = s.vectors_file;
    if (uint64_t(s.vectors_bytes) < kVecHeader) {
      Problem("vectors", name, f + " is " + std::to_string(s.vectors_bytes) + " bytes, shorter than its header");
      return false;
    }
    int fd = ::open(f.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      Problem("vectors", name, f + ": cannot open (" + std::strerror(errno) + ")");
      return false;
    }
    std::string h(kVecHeader, '\0');
    const bool read_ok = ::pread(fd, h.data(), h.size(), 0) == ssize_t(h.size());
    if (!read_ok) {
      ::close(fd);
      Problem("vectors", name, f + ": cannot read the header");
      return false;
    }
    const uint32_t crc = DecodeFixed32(h.data() + 12);
    std::string zeroed = h;
    EncodeFixed32(zeroed.data() + 12, 0);
    const uint32_t version = DecodeFixed32(h.data() + 8), dim = DecodeFixed32(h.data() + 16);
    const uint32_t dtype = DecodeFixed32(h.data() + 20);
    *chunk_shift = DecodeFixed32(h.data() + 24);
    std::string msg;
    if (std::string_view(h.data(), 8) != storage::VectorFile::kMagic) {
      msg = "bad magic (not a vector file)";
    } else if (crc32c::Value(zeroed) != crc) {
      msg = "header checksum mismatch";
    } else if (version == 0 || version > storage::VectorFile::kFormatVersion) {
      msg = "format version " + std::to_string(version) + " (this build reads " +
            std::to_string(storage::VectorFile::kFormatVersion) + ")";
    } else if (dtype != storage::VectorFile::kDtypeFloat32) {
      msg = "dtype " + std::to_string(dtype);
    } else if (*chunk_shift == 0 || *chunk_shift > 24) {
      msg = "chunk_shift " + std::to_string(*chunk_shift);
    } else if (int64_t(dim) != s.dimension) {
      msg = "dimension " + std::to_string(dim) + ", the catalog says " + std::to_string(s.dimension);
    }
    const uint64_t stride = uint64_t(dim) * sizeof(float);
    const uint64_t need = kVecHeader + uint64_t(s.committed_rows) * stride;
    if (msg.empty() && uint64_t(s.vectors_bytes) < need) {
      msg = "holds " + std::to_string((uint64_t(s.vectors_bytes) - kVecHeader) / stride) + " whole rows, the catalog " +
            "records " + std::to_string(s.committed_rows) + " committed rows (truncated)";
    }
    if (!msg.empty()) {
      ::close(fd);
      Problem("vectors", name, f + ": " + msg);
      return false;
    }
    // Bytes after the committed rows: zeros are reserved space; anything else an uncommitted tail.
    std::string buf(1 << 16, '\0');
    for (uint64_t off = need; off < uint64_t(s.vectors_bytes);) {
      const ssize_t n = ::pread(fd, buf.data(), buf.size(), off_t(off));
      if (n <= 0) break;
      if (std::string_view(buf.data(), size_t(n)).find_first_not_of('\0') != std::string_view::npos) {
        Warning("vectors", name,
                f + ": non-zero bytes after the committed rows (an uncommitted tail, cut at the next open)");
        break;
      }
      off += uint64_t(n);
    }
    map->length = size_t(s.vectors_bytes);
    map->base = ::mmap(nullptr, map->length, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (map->base == MAP_FAILED) {
      Problem("vectors", name, f + ": cannot map (" + std::strerror(errno) + ")");
      return false;
    }
    return true;
  }

  // Every block of rows against its stored checksum (storage/row_checksums.h), through the engine's
  // own reader opened read-only.
  void CheckRowChecksums(const CollectionStats& s, const std::string& name) {
    RowChecksumState st;
    st.collection = name;
    st.vectors_file = s.vectors_file;
    auto vf = storage::VectorFile::Open(s.vectors_file, uint32_t(s.dimension), uint64_t(s.committed_rows),
                                        /*create=*/false, /*chunk_shift=*/0, /*truncate_tail=*/false,
                                        /*read_only=*/true, FileIdentity{s.id, s.generation});
    if (!vf.ok()) return Problem("vectors", name, vf.status().ToString());
    st.vectors_version = (*vf)->format_version();
    const std::string side = storage::RowChecksumPath(s.vectors_file);
    st.side_file = FileBytes(side) >= 0;
    if (st.side_file) {
      auto rc = storage::RowChecksums::OpenExisting(side, (*vf)->checksum_block_rows(), true);
      if (rc.ok() && *rc) st.side_version = (**rc).version();
    }
    auto check = (*vf)->CheckAllRows();
    if (!check.ok()) return Problem("vectors", name, s.vectors_file + ": " + check.status().ToString());
    st.blocks = int64_t(check->blocks);
    st.checked = int64_t(check->checked);
    st.without_checksum = int64_t(check->without_checksum);
    for (const auto& [first, last] : check->mismatches) {
      st.mismatches.emplace_back(int64_t(first), int64_t(last));
      Problem("vectors", name,
              s.vectors_file + ": rows " + std::to_string(first) + " to " + std::to_string(last) +
                  " do not match their checksum in " + side);
    }
    if (st.without_checksum > 0) {
      Warning("vectors", name,
              s.vectors_file + ": " + std::to_string(st.without_checksum) + " of " + std::to_string(st.blocks) +
                  " blocks of rows have no checksum (not verified; `ochre verify --repair` adds them)");
    }
    if (st.vectors_version < storage::VectorFile::kFormatVersion ||
        (st.side_file && st.side_version < storage::RowChecksums::kFormatVersion)) {
      Warning("vectors", name,
              s.vectors_file + ": an older format (not tied to its collection; `ochre verify --repair` upgrades it)");
    }
    report_->checksums.push_back(std::move(st));
  }

  void CheckGraph(const Row& row, const std::string& name, uint32_t chunk_shift, const Mapping& map) {
    const CollectionStats& s = row.stats;
    if (s.graph_bytes < 0) {
      if (s.committed_rows > 0) Warning("graph", name, s.graph_file + " is missing (rebuilt from the vectors at open)");
      return;
    }
    auto config = api::ConfigurationFromJson(row.config_json);
    if (!config.ok()) return Problem("graph", name, "collection configuration: " + config.status().ToString());
    auto bytes = ReadFile(s.graph_file);
    if (!bytes.ok()) return Problem("graph", name, bytes.status().ToString());
    RowChunks rows(uint32_t(s.dimension), chunk_shift);
    const size_t chunk_bytes = rows.chunk_bytes();
    const char* base = static_cast<const char*>(map.base) + kVecHeader;
    const uint64_t n_chunks = (uint64_t(s.committed_rows) + rows.rows_per_chunk() - 1) >> chunk_shift;
    if (n_chunks > RowChunks::kMaxChunks) return Problem("vectors", name, "more rows than a vector file can hold");
    for (uint32_t i = 0; i < n_chunks; ++i) {
      rows.SetChunk(i, reinterpret_cast<const float*>(base + size_t(i) * chunk_bytes));
    }
    rows.PublishRows(uint32_t(s.committed_rows));
    auto loaded = index::LoadGraph(config->hnsw, &rows, *bytes, {}, FileIdentity{s.id, s.generation});
    if (!loaded.ok()) Problem("graph", name, s.graph_file + ": " + loaded.status().ToString());
  }

  Status Run() {
    report_->path = dir_;
    auto opened = OpenCatalog(dir_);
    if (!opened.ok()) {
      if (opened.status().IsNotFound()) return opened.status();
      Problem("catalog", "", "cannot open: " + opened.status().ToString());
      return Status::Ok();
    }
    storage::SqliteDb* db = opened->get();
    CheckCatalogPages();
    // A damaged catalog's collections cannot be trusted, but they are checked as far as they read.
    (void)CheckSqlite(*db);
    auto cids = ReadCids(*db);
    auto rows = ReadCollections(*db, dir_);
    if (!rows.ok() || !cids.ok()) {
      Problem("catalog", "", "cannot read the collections: " + (rows.ok() ? cids.status() : rows.status()).ToString());
      return Status::Ok();
    }
    CheckFts(*db);
    auto has_checksums = HasColumn(*db, "records", "key_crc");  // format 5 on
    record_checksums_ = has_checksums.ok() && *has_checksums;
    for (size_t i = 0; i < rows->size(); ++i) {
      const Row& r = (*rows)[i];
      const CollectionStats& s = r.stats;
      const std::string name = s.tenant + "/" + s.database + "/" + s.name;
      ++report_->collections;
      report_->records += s.records;
      CheckRecords(*db, (*cids)[i], s, name);
      if (s.dimension == 0) {
        if (s.committed_rows > 0 || s.records > 0) {
          Problem("vectors", name, "no dimension but " + std::to_string(s.records) + " records");
        }
        if (progress_) progress_(int64_t(i + 1), int64_t(rows->size()));
        continue;
      }
      uint32_t shift = 0;
      Mapping map;
      if (CheckVectors(s, name, &shift, &map)) {
        CheckRowChecksums(s, name);
        CheckGraph(r, name, shift, map);
      }
      if (progress_) progress_(int64_t(i + 1), int64_t(rows->size()));
    }
    return Status::Ok();
  }

 private:
  // The cids in ReadCollections' order.
  Result<std::vector<int64_t>> ReadCids(storage::SqliteDb& db) {
    OCHRE_ASSIGN_OR_RETURN(auto st, db.Prepare("SELECT c.cid FROM collections c LEFT JOIN databases d ON "
                                               "d.id = c.database_id ORDER BY COALESCE(d.tenant, '?'), "
                                               "COALESCE(d.name, c.database_id), c.name"));
    std::vector<int64_t> out;
    for (;;) {
      OCHRE_ASSIGN_OR_RETURN(bool more, st.Step());
      if (!more) break;
      out.push_back(st.ColumnInt(0));
    }
    return out;
  }

  std::string dir_;
  bool record_checksums_ = false;  // the catalog's records carry checksums (format 5 on)
  VerifyReport* report_;
  const VerifyProgress& progress_;
};

}  // namespace

Result<DatabaseStats> ReadDatabaseStats(const std::string& path) {
  OCHRE_ASSIGN_OR_RETURN(auto db, OpenCatalog(path));
  DatabaseStats out;
  out.path = path;
  const std::string cat = JoinPath(path, kCatalogFile);
  out.catalog_bytes = FileBytes(cat) + std::max<int64_t>(0, FileBytes(cat + "-wal"));
  auto rows = ReadCollections(*db, path);
  if (!rows.ok()) return Status::Corruption("catalog of '" + path + "': " + rows.status().ToString());
  for (auto& r : *rows) {
    r.stats.graph_rows = r.stats.graph_bytes >= 0 ? GraphCoveredRows(r.stats.graph_file) : -1;
    out.collections.push_back(std::move(r.stats));
  }
  return out;
}

Result<VerifyReport> VerifyDatabase(const std::string& path, const VerifyProgress& progress) {
  VerifyReport report;
  Verifier v(path, &report, progress);
  OCHRE_RETURN_IF_ERROR(v.Run());
  return report;
}

Result<RepairReport> RepairDatabase(const std::string& path) {
  OCHRE_ASSIGN_OR_RETURN(VerifyReport before, VerifyDatabase(path));
  if (!before.problems.empty()) {
    const VerifyFinding& f = before.problems[0];
    return Status::Corruption("'" + path + "': verify finds " + std::to_string(before.problems.size()) +
                              " problem(s), the first: " + f.check + (f.collection.empty() ? "" : " " + f.collection) +
                              ": " + f.message + "; nothing was repaired");
  }
  // No commit while repairing, and no process with a collection open: every process that loaded a
  // collection holds a shared lock on its vectors file.
  OCHRE_ASSIGN_OR_RETURN(auto commit_lock, storage::LockFile::Acquire(path));
  OCHRE_ASSIGN_OR_RETURN(auto db, OpenCatalog(path));
  OCHRE_ASSIGN_OR_RETURN(std::vector<Row> rows, ReadCollections(*db, path));
  db.reset();
  std::vector<const CollectionStats*> todo;
  for (const Row& r : rows) {
    if (r.stats.dimension == 0 || r.stats.vectors_bytes < 0) continue;
    OCHRE_ASSIGN_OR_RETURN(File f, File::Open(r.stats.vectors_file, OpenMode::kReadOnly));
    OCHRE_ASSIGN_OR_RETURN(bool alone, f.TryLockExclusive());
    if (!alone) {
      return Status::Locked(
          "database '" + path + "' is open in another process (collection " + r.stats.name +
          "'s vectors file is in use); close it before `ochre verify --repair`. Nothing was repaired");
    }
    todo.push_back(&r.stats);
  }
  RepairReport out;
  // The catalog first: its format (so that builds writing pages without checksums refuse it), then
  // its pages rewritten with checksums when they have none, then its records given theirs.
  {
    OCHRE_ASSIGN_OR_RETURN(
        auto catalog, storage::CatalogConn::Open(JoinPath(path, kCatalogFile),
                                                 storage::SqliteOpenOptions{.create = false, .page_checksums = true},
                                                 /*migrate=*/true, nullptr));
    auto added = storage::AddPageChecksums(catalog->db());
    if (!added.ok()) return added.status().WithContext("'" + path + "': adding the catalog's page checksums");
    out.catalog_page_checksums_added = *added;
    // Records from before the record checksums get theirs.
    auto filled = catalog->FillMissingRecordChecksums();
    if (!filled.ok()) return filled.status().WithContext("'" + path + "': adding the records' checksums");
    out.record_checksums_written = *filled;
  }
  for (const CollectionStats* s : todo) {
    ++out.collections;
    OCHRE_ASSIGN_OR_RETURN(
        storage::VectorFile::UpgradeResult u,
        storage::VectorFile::Upgrade(s->vectors_file, uint32_t(s->dimension), uint64_t(s->committed_rows),
                                     FileIdentity{s->id, s->generation}));
    out.headers_upgraded += u.header_upgraded ? 1 : 0;
    out.checksums_written += u.checksums_written ? 1 : 0;
  }
  return out;
}

}  // namespace ochre
