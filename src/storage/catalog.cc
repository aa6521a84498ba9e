// Copyright 2026 The OchreDB Authors.
#include "storage/catalog.h"

#include <sys/stat.h>

#include <algorithm>
#include <string>

#include "storage/metadata_codec.h"
#include "storage/record_checksum.h"
#include "storage/schema.h"

namespace ochre::storage {

namespace {

constexpr std::string_view kCollectionColumns =
    "c.cid, c.id, c.name, c.database_id, d.tenant, d.name, c.dimension, c.config_json, c.metadata_json, "
    "c.committed_rows, c.dead_rows, c.generation, c.write_seq, c.fts_ready FROM collections c LEFT JOIN databases d "
    "ON d.id = c.database_id";

CollectionRow ReadCollection(const Statement& st) {
  CollectionRow r;
  r.cid = st.ColumnInt(0);
  r.id = st.ColumnString(1);
  r.name = st.ColumnString(2);
  r.database_id = st.ColumnString(3);
  r.tenant = st.ColumnString(4);
  r.database_name = st.ColumnString(5);
  if (!st.ColumnIsNull(6)) r.dimension = st.ColumnInt(6);
  r.config_json = st.ColumnString(7);
  r.metadata_json = st.ColumnOptionalString(8);
  r.committed_rows = st.ColumnInt(9);
  r.dead_rows = st.ColumnInt(10);
  r.generation = st.ColumnInt(11);
  r.write_seq = st.ColumnInt(12);
  r.fts_ready = st.ColumnInt(13) != 0;
  return r;
}

// The columns every record read selects, in ReadRecord's order.
#define OCHRE_RECORD_KEY_COLUMNS "rid, id, row, key_crc"
#define OCHRE_RECORD_COLUMNS OCHRE_RECORD_KEY_COLUMNS ", document, uri, metadata_json, payload_crc"

// A record as read, checked against its checksums (record_checksum.h): Corruption naming the
// record when its bytes changed since it was written. The row number is checked even without the
// payload, since it is what maps the record to its vector.
Result<RecordRow> ReadRecord(const Statement& st, bool with_payload, int64_t cid) {
  RecordRow r;
  r.rid = st.ColumnInt(0);
  r.id = st.ColumnString(1);
  r.row = uint32_t(st.ColumnInt(2));
  if (!st.ColumnIsNull(3) && uint32_t(st.ColumnInt(3)) != RecordKeyCrc(cid, r.id, st.ColumnInt(2))) {
    return RecordDamaged(cid, r.rid, r.id);
  }
  if (with_payload) {
    r.document = st.ColumnOptionalString(4);
    r.uri = st.ColumnOptionalString(5);
    r.metadata_json = st.ColumnOptionalString(6);
    if (!st.ColumnIsNull(7) && uint32_t(st.ColumnInt(7)) != RecordPayloadCrc(r.document, r.uri, r.metadata_json)) {
      return RecordDamaged(cid, r.rid, r.id);
    }
  }
  return r;
}

// Steps `st` to its end, appending each row as a record (ReadRecord's columns).
Status AppendRecords(Statement* st, bool with_payload, int64_t cid, std::vector<RecordRow>* out) {
  while (true) {
    OCHRE_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Status::Ok();
    OCHRE_ASSIGN_OR_RETURN(RecordRow r, ReadRecord(*st, with_payload, cid));
    out->push_back(std::move(r));
  }
}

// A list of numbers as one JSON array parameter (read back with json_each): any length costs one
// host parameter.
template <typename Int>
std::string JsonIntArray(std::span<const Int> items) {
  std::string out = "[";
  out.reserve(items.size() * 8 + 2);
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(items[i]);
  }
  out += ']';
  return out;
}

void BindParam(Statement* st, int index, const CatalogConn::SqlParam& p) {
  std::visit([&](const auto& v) { st->Bind(index, v); }, p);
}

// Binds a list of strings as one JSON array parameter (read back with json_each), so that a list of
// any length costs one host parameter.
std::string JsonStringArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (unsigned char c : items[i]) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20) {
            char buf[8];
            snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
          } else {
            out += char(c);
          }
      }
    }
    out += '"';
  }
  out += ']';
  return out;
}

// The WHERE condition of SelectRecords/SelectRows: the filter's rids (its placeholders first, so
// they take 1..n), then cid as ?n+1 and the ids array as ?n+2.
std::string RecordsCondition(std::string_view rid_select, int n, bool with_ids) {
  std::string sql;
  if (!rid_select.empty()) {
    sql += "rid IN (";
    sql += rid_select;
    sql += ") AND ";
  }
  // With a filter, the unary + keeps SQLite from driving the scan through the cid index (every
  // record of the collection) instead of the filter's few rids.
  sql += (rid_select.empty() ? "cid = ?" : "+cid = ?") + std::to_string(n + 1);
  if (with_ids) sql += " AND id IN (SELECT value FROM json_each(?" + std::to_string(n + 2) + "))";
  return sql;
}

}  // namespace

Result<std::unique_ptr<CatalogConn>> CatalogConn::Open(const std::string& path, const SqliteOpenOptions& options,
                                                       bool migrate, const std::function<Status(sqlite3*)>& on_open) {
  OCHRE_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path, options));
  std::unique_ptr<CatalogConn> conn(new CatalogConn(std::move(db)));
  if (on_open) OCHRE_RETURN_IF_ERROR(on_open(conn->db_->get()));
  if (migrate) OCHRE_RETURN_IF_ERROR(conn->Migrate());
  return conn;
}

Result<int> CatalogConn::PeekFormatVersion(const std::string& path) {
  struct stat sb;
  if (::stat(path.c_str(), &sb) != 0) return 0;
  // The peek reads the main file alone (immutable=1: no -wal/-shm, nothing written). That file is
  // only the whole truth when the WAL is empty: after a crash in the middle of a checkpoint (or
  // while another process writes) the main file by itself can be half old, half new, and SQLite
  // rightly calls it malformed although the database is sound. So with a non-empty WAL, or when the
  // peek fails, the answer is "unknown" (0): the normal open then reads the catalog through its WAL
  // and Migrate refuses a newer format, and a catalog that is really damaged fails there.
  const std::string wal = path + "-wal";
  if (::stat(wal.c_str(), &sb) == 0 && sb.st_size > 0) return 0;
  auto version = [&]() -> Result<int> {
    OCHRE_ASSIGN_OR_RETURN(
        auto db,
        SqliteDb::Open(
            path, SqliteOpenOptions{.create = false, .read_only = true, .immutable = true, .page_checksums = true}));
    OCHRE_ASSIGN_OR_RETURN(Statement st,
                           db->Prepare("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='ochre_meta'"));
    OCHRE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row || st.ColumnInt(0) == 0) return 0;
    OCHRE_ASSIGN_OR_RETURN(Statement v, db->Prepare("SELECT value FROM ochre_meta WHERE key='format_version'"));
    OCHRE_ASSIGN_OR_RETURN(bool has, v.Step());
    if (!has) return 0;
    return std::atoi(v.ColumnString(0).c_str());
  }();
  return version.ok() ? *version : 0;
}

Status CatalogConn::Migrate() {
  OCHRE_RETURN_IF_ERROR(
      db_->Exec("CREATE TABLE IF NOT EXISTS ochre_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID"));
  int version = 0;
  {
    OCHRE_ASSIGN_OR_RETURN(Statement st, db_->Prepare("SELECT value FROM ochre_meta WHERE key='format_version'"));
    OCHRE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) version = std::atoi(st.ColumnString(0).c_str());
  }
  if (version > kCatalogFormatVersion) {
    return Status::NotSupported("the catalog has format version " + std::to_string(version) +
                                ", newer than this build of OchreDB supports (" +
                                std::to_string(kCatalogFormatVersion) + "); upgrade OchreDB to open it");
  }
  const auto& migrations = Migrations();
  for (int next = version + 1; next <= int(migrations.size()); ++next) {
    Transaction txn(db_.get());
    OCHRE_RETURN_IF_ERROR(txn.Start());
    // Another process may be creating or migrating the same database: read the version again under
    // the write lock, so that each migration runs once and nobody sees a half-made catalog.
    int now = 0;
    {
      OCHRE_ASSIGN_OR_RETURN(Statement st, db_->Prepare("SELECT value FROM ochre_meta WHERE key='format_version'"));
      OCHRE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (row) now = std::atoi(st.ColumnString(0).c_str());
    }
    if (now >= next) {
      OCHRE_RETURN_IF_ERROR(txn.Commit());
      next = now;  // the loop goes on after the version the other process reached
      continue;
    }
    OCHRE_RETURN_IF_ERROR(db_->Exec(migrations[next - 1]).WithContext("migration " + std::to_string(next)));
    if (next == kLeanFtsVersion) {
      OCHRE_ASSIGN_OR_RETURN(Statement docs,
                             db_->Prepare("SELECT EXISTS(SELECT 1 FROM records WHERE document IS NOT NULL)"));
      OCHRE_ASSIGN_OR_RETURN(bool row, docs.Step());
      const bool any_document = row && docs.ColumnInt(0) != 0;
      docs = Statement();
      if (!any_document) OCHRE_RETURN_IF_ERROR(db_->Exec(kLeanFtsSql).WithContext("migration " + std::to_string(next)));
    }
    OCHRE_ASSIGN_OR_RETURN(Statement st, db_->Prepare("INSERT OR REPLACE INTO ochre_meta(key, value) VALUES "
                                                      "('format_version', ?1)"));
    st.Bind(1, std::to_string(next));
    OCHRE_RETURN_IF_ERROR(st.Run());
    OCHRE_RETURN_IF_ERROR(txn.Commit());
  }
  return Status::Ok();
}

// --- Tenants and databases ------------------------------------------------------------------------

Status CatalogConn::CreateTenant(std::string_view name) {
  OCHRE_ASSIGN_OR_RETURN(Statement * st, db_->Cached("INSERT INTO tenants(name) VALUES (?1)"));
  st->Reset();
  st->Bind(1, name);
  Status s = st->Run();
  if (s.IsAlreadyExists()) return Status::AlreadyExists("Tenant [" + std::string(name) + "] already exists");
  return s;
}

Result<bool> CatalogConn::TenantExists(std::string_view name) {
  OCHRE_ASSIGN_OR_RETURN(Statement * st, db_->Cached("SELECT 1 FROM tenants WHERE name = ?1"));
  st->Reset();
  st->Bind(1, name);
  return st->Step();
}

Status CatalogConn::CreateDatabase(std::string_view id, std::string_view name, std::string_view tenant) {
  OCHRE_ASSIGN_OR_RETURN(Statement * st, db_->Cached("INSERT INTO databases(id, name, tenant) VALUES (?1, ?2, ?3)"));
  st->Reset();
  st->Bind(1, id).Bind(2, name).Bind(3, tenant);
  Status s = st->Run();
  if (s.IsAlreadyExists()) {
    return Status::AlreadyExists("Database [" + std::string(name) + "] already exists for tenant [" +
                                 std::string(tenant) + "]");
  }
  return s;
}

Result<DatabaseInfo> CatalogConn::GetDatabase(std::string_view name, std::string_view tenant) {
  OCHRE_ASSIGN_OR_RETURN(Statement * st,
                         db_->Cached("SELECT id, name, tenant FROM databases WHERE tenant = ?1 AND name = ?2"));
  st->Reset();
  st->Bind(1, tenant).Bind(2, name);
  OCHRE_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) {
    return Status::NotFound("Database [" + std::string(name) + "] not found for tenant [" + std::string(tenant) +
                            "]. Are you sure it exists?");
  }
  return DatabaseInfo{st->ColumnString(0), st->ColumnString(1), st->ColumnString(2)};
}

Result<std::vector<DatabaseInfo>> CatalogConn::ListDatabases(std::string_view tenant, int64_t limit, int64_t offset) {
  OCHRE_ASSIGN_OR_RETURN(
      Statement * st,
      db_->Cached("SELECT id, name, tenant FROM databases WHERE tenant = ?1 ORDER BY name LIMIT ?2 OFFSET ?3"));
  st->Reset();
  st->Bind(1, tenant).Bind(2, limit).Bind(3, offset);
  std::vector<DatabaseInfo> out;
  while (true) {
    OCHRE_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back(DatabaseInfo{st->ColumnString(0), st->ColumnString(1), st->ColumnString(2)});
  }
  return out;
}

Status CatalogConn::DeleteDatabaseRow(std::string_view database_id) {
  OCHRE_ASSIGN_OR_RETURN(Statement * st, db_->Cached("DELETE FROM databases WHERE id = ?1"));
  st->Reset();
  st->Bind(1, database_id);
  return st->Run();
}

// --- Collections ----------------------------------------------------------------------------------

Status CatalogConn::InsertCollection(const CollectionRow& r) {
  OCHRE_ASSIGN_OR_RETURN(
      Statement * st, db_->Cached("INSERT INTO collections(id, name, database_id, dimension, config_json, "
                                  "metadata_json, committed_rows, dead_rows) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0)"));
  st->Reset();
  st->Bind(1, r.id).Bind(2, r.name).Bind(3, r.database_id).Bind(4, r.dimension);
  st->Bind(5, r.config_json).Bind(6, r.metadata_json);
  Status s = st->Run();
  if (s.IsAlreadyExists()) return Status::AlreadyExists("Collection [" + r.name + "] already exists");
  return s;
}

Result<std::optional<CollectionRow>> CatalogConn::FindCollectionByName(std::string_view database_id,
                                                                       std::string_view name) {
  static const std::string sql =
      "SELECT " + std::string(kCollectionColumns) + " WHERE c.database_id = ?1 AND c.name = ?2";
  OCHRE_ASSIGN_OR_RETURN(Statement * st, db_->Cached(sql));
  st->Reset();
  st->Bind(1, database_id).Bind(2, name);
  OCHRE_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<CollectionRow>();
  return std::optional<CollectionRow>(ReadCollection(*st));
}

Result<std::optional<CollectionRow>> CatalogConn::FindCollectionById(std::string_view id) {
  static const std::string sql = "SELECT " + std::string(kCollectionColumns) + " WHERE c.id = ?1";
  OCHRE_ASSIGN_OR_RETURN(Statement * st, db_->Cached(sql));
  st->Reset();
  st->Bind(1, id);
  OCHRE_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<CollectionRow>();
  return std::optional<CollectionRow>(ReadCollection(*st));
}

Result<std::vector<CollectionRow>> CatalogConn::ListCollections(std::string_view database_id, int64_t limit,
                                                                int64_t offset) {
  static const std::string sql =
      "SELECT " + std::string(kCollectionColumns) + " WHERE c.database_id = ?1 ORDER BY c.id LIMIT ?2 OFFSET ?3";
  OCHRE_ASSIGN_OR_RETURN(Statement * st, db_->Cached(sql));
  st->Reset();
  st->Bind(1, database_id).Bind(2, limit).Bind(3, offset);
  std::vector<CollectionRow> out;
  while (true) {
    OCHRE_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back(ReadCollection(*st));
  }
  return out;
}

Result<std::vector<CollectionRow>> CatalogConn::AllCollections() {
  static const std::string sql = "SELECT " + std::string(kCollectionColumns) + " ORDER BY c.cid";
  OCHRE_ASSIGN_OR_RETURN(Statement * st, db_->Cached(sql));
  st->Reset();
  std::vector<CollectionRow> out;
  while (true) {
    OCHRE_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back(ReadCollection(*st));
  }
  return out;
}

Result<int64_t> CatalogConn::CountCollections(std::string_view database_id) {
  OCHRE_ASSIGN_OR_RETURN(Statement * st, db_->Cached("SELECT count(*) FROM collections WHERE database_id = ?1"));
  st->Reset();
  st->Bind(1, database_id);
  OCHRE_RETURN_IF_ERROR(st->Step().status());
  return st->ColumnInt(0);
}

Status CatalogConn::UpdateCollection(const CollectionRow& r) {
  OCHRE_ASSIGN_OR_RETURN(Statement * st,
                         db_->Cached("UPDATE collections SET name = ?2, dimension = ?3, config_json = ?4, "
                                     "metadata_json = ?5 WHERE cid = ?1"));
  st->Reset();
  st->Bind(1, r.cid).Bind(2, r.name).Bind(3, r.dimension).Bind(4, r.config_json).Bind(5, r.metadata_json);
  Status s = st->Run();
  if (s.IsAlreadyExists()) return Status::AlreadyExists("Collection [" + r.name + "] already exists");
  return s;
}

Status CatalogConn::SetRowCounts(int64_t cid, int64_t committed_rows, int64_t dead_rows) {
  OCHRE_ASSIGN_OR_RETURN(
      Statement * st,
      db_->Cached("UPDATE collections SET committed_rows = ?2, dead_rows = ?3, write_seq = write_seq + 1 "
                  "WHERE cid = ?1"));
  st->Reset();
  st->Bind(1, cid).Bind(2, committed_rows).Bind(3, dead_rows);
  return st->Run();
}

Status CatalogConn::SetGeneration(int64_t cid, int64_t generation, int64_t committed_rows, int64_t dead_rows) {
  OCHRE_ASSIGN_OR_RETURN(Statement * st, db_->Cached("UPDATE collections SET generation = ?2, committed_rows = ?3, "
                                                     "dead_rows = ?4 WHERE cid = ?1"));
  st->Reset();
  st->Bind(1, cid).Bind(2, generation).Bind(3, committed_rows).Bind(4, dead_rows);
  return st->Run();
}

Status CatalogConn::SetRecordRows(int64_t cid, const std::vector<std::pair<int64_t, uint32_t>>& rid_rows) {
  // The key checksum follows the row: ochre_rekey_crc (record_checksum.h) checks the old one first,
  // so that compaction never blesses a damaged record with a fresh checksum.
  OCHRE_ASSIGN_OR_RETURN(
      Statement * st, db_->Cached("UPDATE records SET row = ?3, key_crc = ochre_rekey_crc(key_crc, cid, id, row, ?3) "
                                  "WHERE rid = ?1 AND cid = ?2"));
  for (const auto& [rid, row] : rid_rows) {
    st->Reset();
    st->Bind(1, rid).Bind(2, cid).Bind(3, int64_t(row));
    OCHRE_RETURN_IF_ERROR(st->Run());
  }
  return Status::Ok();
}

Status CatalogConn::DeleteCollection(int64_t cid) {
  // The FTS table has external content: each entry must be removed with the text it indexed (a
  // collection whose index was never built has none).
  {
    OCHRE_ASSIGN_OR_RETURN(Statement st, db_->Prepare("INSERT INTO documents_fts(documents_fts, rowid, document) "
                                                      "SELECT 'delete', rid, document FROM records "
                                                      "WHERE cid = ?1 AND document IS NOT NULL AND "
                                                      "(SELECT fts_ready FROM collections WHERE cid = ?1)"));
    st.Bind(1, cid);
    OCHRE_RETURN_IF_ERROR(st.Run());
  }
  for (const char* sql : {"DELETE FROM metadata WHERE rid IN (SELECT rid FROM records WHERE cid = ?1)",
                          "DELETE FROM metadata_array WHERE cid = ?1", "DELETE FROM records WHERE cid = ?1",
                          "DELETE FROM collections WHERE cid = ?1"}) {
    OCHRE_ASSIGN_OR_RETURN(Statement st, db_->Prepare(sql));
    st.Bind(1, cid);
    OCHRE_RETURN_IF_ERROR(st.Run());
  }
  return Status::Ok();
}

Status CatalogConn::ResetAll() {
  OCHRE_RETURN_IF_ERROR(
      db_->Exec("INSERT INTO documents_fts(documents_fts) VALUES ('delete-all');"
                "DELETE FROM metadata; DELETE FROM metadata_array; DELETE FROM records; DELETE FROM collections;"
                "DELETE FROM databases; DELETE FROM tenants;"
                "INSERT INTO tenants(name) VALUES ('default_tenant');"
                "INSERT INTO databases(id, name, tenant) VALUES ('00000000-0000-0000-0000-000000000000', "
                "'default_database', 'default_tenant');"));
  return Status::Ok();
}

// --- Records --------------------------------------------------------------------------------------

Result<std::vector<RecordRow>> CatalogConn::FindRecordsByIds(int64_t cid, const std::vector<std::string>& ids) {
  std::vector<RecordRow> out;
  if (ids.empty()) return out;
  OCHRE_ASSIGN_OR_RETURN(Statement * st,
                         db_->Cached("SELECT " OCHRE_RECORD_COLUMNS " FROM records "
                                     "WHERE cid = ?1 AND id IN (SELECT value FROM json_each(?2)) ORDER BY rid"));
  st->Reset();
  st->Bind(1, cid).Bind(2, JsonStringArray(ids));
  OCHRE_RETURN_IF_ERROR(AppendRecords(st, true, cid, &out));
  return out;
}

namespace {

// The statement of FindRecordsByRows for up to `slots` rows: the rows as that many host parameters
// (?2..), so that the query's handful of hits costs no array parsing; unused slots hold -1, which no
// record's row is. Two sizes cover the usual n_results; longer lists go through one JSON array.
constexpr size_t kRowSlotsSmall = 16;
constexpr size_t kRowSlotsLarge = 64;

std::string RecordsByRowsSql(size_t slots, bool with_payload) {
  std::string sql = with_payload ? "SELECT " OCHRE_RECORD_COLUMNS " FROM records "
                                 : "SELECT " OCHRE_RECORD_KEY_COLUMNS " FROM records ";
  sql += "WHERE cid = ?1 AND row IN (";
  if (slots == 0) {
    sql += "SELECT value FROM json_each(?2)";
  } else {
    for (size_t i = 0; i < slots; ++i) {
      if (i) sql += ',';
      sql += '?';
      sql += std::to_string(i + 2);
    }
  }
  sql += ')';
  return sql;
}

// The SQL texts, built once (slots: 16, 64, or 0 for the JSON array form).
const std::string& RecordsByRowsSqlCached(size_t slots, bool with_payload) {
  static const std::string* texts[3][2] = {
      {new std::string(RecordsByRowsSql(kRowSlotsSmall, false)),
       new std::string(RecordsByRowsSql(kRowSlotsSmall, true))},
      {new std::string(RecordsByRowsSql(kRowSlotsLarge, false)),
       new std::string(RecordsByRowsSql(kRowSlotsLarge, true))},
      {new std::string(RecordsByRowsSql(0, false)), new std::string(RecordsByRowsSql(0, true))}};
  const int form = slots == kRowSlotsSmall ? 0 : slots == kRowSlotsLarge ? 1 : 2;
  return *texts[form][with_payload ? 1 : 0];
}

}  // namespace

Result<std::vector<RecordRow>> CatalogConn::FindRecordsByRows(int64_t cid, std::span<const uint32_t> rows,
                                                              bool with_payload) {
  std::vector<RecordRow> out;
  if (rows.empty()) return out;
  const size_t slots = rows.size() <= kRowSlotsSmall   ? kRowSlotsSmall
                       : rows.size() <= kRowSlotsLarge ? kRowSlotsLarge
                                                       : 0;
  OCHRE_ASSIGN_OR_RETURN(Statement * st, db_->Cached(RecordsByRowsSqlCached(slots, with_payload)));
  st->Reset();
  st->Bind(1, cid);
  if (slots == 0) {
    st->Bind(2, JsonIntArray(rows));
  } else {
    for (size_t i = 0; i < slots; ++i) st->Bind(int(i) + 2, i < rows.size() ? int64_t{rows[i]} : int64_t{-1});
  }
  out.reserve(rows.size());
  OCHRE_RETURN_IF_ERROR(AppendRecords(st, with_payload, cid, &out));
  st->Reset();
  return out;
}

Result<std::vector<RecordRow>> CatalogConn::SelectRecords(int64_t cid, std::string_view rid_select,
                                                          const std::vector<SqlParam>& params,
                                                          const std::vector<std::string>* ids, int64_t limit,
                                                          int64_t offset, bool with_payload) {
  // Parameters: the filter's own (1..n), then cid, the ids array, limit, offset. The filter comes
  // first in the text so that its placeholders, numbered or anonymous, take 1..n.
  int n = int(params.size());
  std::string sql = with_payload ? "SELECT " OCHRE_RECORD_COLUMNS " FROM records WHERE "
                                 : "SELECT " OCHRE_RECORD_KEY_COLUMNS " FROM records WHERE ";
  sql += RecordsCondition(rid_select, n, ids != nullptr);
  sql += " ORDER BY rid LIMIT ?" + std::to_string(n + 3) + " OFFSET ?" + std::to_string(n + 4);
  // Filters make endless distinct statements: cache only the unfiltered ones.
  Statement uncached;
  Statement* st = nullptr;
  if (rid_select.empty()) {
    OCHRE_ASSIGN_OR_RETURN(st, db_->Cached(sql));
    st->Reset();
  } else {
    OCHRE_ASSIGN_OR_RETURN(uncached, db_->Prepare(sql));
    st = &uncached;
  }
  for (int i = 0; i < n; ++i) BindParam(st, i + 1, params[i]);
  st->Bind(n + 1, cid);
  if (ids) st->Bind(n + 2, JsonStringArray(*ids));
  st->Bind(n + 3, limit < 0 ? int64_t{-1} : limit).Bind(n + 4, offset);
  std::vector<RecordRow> out;
  OCHRE_RETURN_IF_ERROR(AppendRecords(st, with_payload, cid, &out));
  return out;
}

Result<std::vector<RecordRow>> CatalogConn::SelectRecordsByRids(int64_t cid, const std::vector<int64_t>& rids,
                                                                bool with_payload) {
  std::vector<RecordRow> out;
  if (rids.empty()) return out;
  // The rids travel as one JSON array (one host parameter whatever their number); SQLite reads
  // them into a sorted ephemeral index and looks each up by rowid, already in rid order.
  const std::string array = JsonIntArray(std::span<const int64_t>(rids));
  OCHRE_ASSIGN_OR_RETURN(Statement * st,
                         db_->Cached(with_payload ? "SELECT " OCHRE_RECORD_COLUMNS " FROM records WHERE rid IN "
                                                    "(SELECT value FROM json_each(?1)) AND +cid = ?2 ORDER BY rid"
                                                  : "SELECT " OCHRE_RECORD_KEY_COLUMNS
                                                    " FROM records WHERE rid IN (SELECT value FROM json_each(?1)) "
                                                    "AND +cid = ?2 ORDER BY rid"));
  st->Reset();
  st->Bind(1, array).Bind(2, cid);
  out.reserve(rids.size());
  OCHRE_RETURN_IF_ERROR(AppendRecords(st, with_payload, cid, &out));
  st->Reset();
  return out;
}

Result<std::vector<uint32_t>> CatalogConn::SelectRows(int64_t cid, std::string_view rid_select,
                                                      const std::vector<SqlParam>& params,
                                                      const std::vector<std::string>* ids) {
  if (rid_select.empty() && !ids) return LiveRows(cid);
  const int n = int(params.size());
  OCHRE_ASSIGN_OR_RETURN(
      Statement st, db_->Prepare("SELECT row FROM records WHERE " + RecordsCondition(rid_select, n, ids != nullptr)));
  for (int i = 0; i < n; ++i) BindParam(&st, i + 1, params[i]);
  st.Bind(n + 1, cid);
  if (ids) st.Bind(n + 2, JsonStringArray(*ids));
  std::vector<uint32_t> out;
  while (true) {
    OCHRE_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(uint32_t(st.ColumnInt(0)));
  }
  return out;
}

Result<std::vector<uint32_t>> CatalogConn::LiveRows(int64_t cid) {
  OCHRE_ASSIGN_OR_RETURN(Statement * st, db_->Cached("SELECT row FROM records WHERE cid = ?1"));
  st->Reset();
  st->Bind(1, cid);
  std::vector<uint32_t> out;
  while (true) {
    OCHRE_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back(uint32_t(st->ColumnInt(0)));
  }
  return out;
}

Result<std::vector<std::pair<int64_t, uint32_t>>> CatalogConn::LiveRidRowsFrom(int64_t cid, uint32_t first_row) {
  OCHRE_ASSIGN_OR_RETURN(Statement * st, db_->Cached("SELECT rid, row FROM records WHERE cid = ?1 AND row >= ?2"));
  st->Reset();
  st->Bind(1, cid).Bind(2, int64_t(first_row));
  std::vector<std::pair<int64_t, uint32_t>> out;
  while (true) {
    OCHRE_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.emplace_back(st->ColumnInt(0), uint32_t(st->ColumnInt(1)));
  }
  return out;
}

Result<std::vector<std::pair<int64_t, uint32_t>>> CatalogConn::LiveRidRows(int64_t cid) {
  // The row counts in the same statement, so in the same snapshot as the records.
  OCHRE_ASSIGN_OR_RETURN(Statement * st,
                         db_->Cached("SELECT rid, row, (SELECT committed_rows FROM collections WHERE cid = ?1), "
                                     "(SELECT dead_rows FROM collections WHERE cid = ?1) FROM records WHERE cid = ?1"));
  st->Reset();
  st->Bind(1, cid);
  std::vector<std::pair<int64_t, uint32_t>> out;
  int64_t committed = 0, expected = -1;
  while (true) {
    OCHRE_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.emplace_back(st->ColumnInt(0), uint32_t(st->ColumnInt(1)));
    committed = st->ColumnInt(2);
    expected = committed - st->ColumnInt(3);
  }
  st->Reset();
  auto damaged = [&](const std::string& what) {
    return Status::Corruption("catalog '" + std::string(sqlite3_db_filename(db_->get(), "main")) + "': collection " +
                              std::to_string(cid) + " " + what +
                              " (the catalog is damaged; `ochre verify` reports it)");
  };
  // No records: nothing to compare within this statement's snapshot (a separate count could see
  // another process's later commit).
  if (!out.empty() && expected != int64_t(out.size())) {
    return damaged("has " + std::to_string(out.size()) + " live records, but its row counts say " +
                   std::to_string(expected));
  }
  // One bit per committed row, not a sort (this runs at every collection's open). Rows past the
  // committed ones are left to the callers, which refuse them with the vector file's count.
  std::vector<bool> taken(size_t(std::max<int64_t>(committed, 0)), false);
  for (const auto& [rid, r] : out) {
    if (r >= taken.size()) continue;
    if (taken[r]) return damaged("has two records at vector row " + std::to_string(r));
    taken[r] = true;
  }
  return out;
}

Result<int64_t> CatalogConn::FillMissingRecordChecksums() {
  Transaction txn(db_.get());
  OCHRE_RETURN_IF_ERROR(txn.Start());
  struct Fill {
    int64_t rid;
    uint32_t key_crc, payload_crc;
  };
  std::vector<Fill> fills;
  {
    OCHRE_ASSIGN_OR_RETURN(Statement st, db_->Prepare("SELECT rid, cid, id, row, document, uri, metadata_json FROM "
                                                      "records WHERE key_crc IS NULL OR payload_crc IS NULL"));
    while (true) {
      OCHRE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      fills.push_back(
          {st.ColumnInt(0), RecordKeyCrc(st.ColumnInt(1), st.ColumnText(2), st.ColumnInt(3)),
           RecordPayloadCrc(st.ColumnOptionalString(4), st.ColumnOptionalString(5), st.ColumnOptionalString(6))});
    }
  }
  // COALESCE: a checksum a record already has stays (it still checks what it covers).
  OCHRE_ASSIGN_OR_RETURN(Statement up, db_->Prepare("UPDATE records SET key_crc = COALESCE(key_crc, ?2), "
                                                    "payload_crc = COALESCE(payload_crc, ?3) WHERE rid = ?1"));
  for (const Fill& f : fills) {
    up.Reset();
    up.Bind(1, f.rid).Bind(2, int64_t(f.key_crc)).Bind(3, int64_t(f.payload_crc));
    OCHRE_RETURN_IF_ERROR(up.Run());
  }
  OCHRE_RETURN_IF_ERROR(txn.Commit());
  return int64_t(fills.size());
}

Result<int64_t> CatalogConn::CountRecords(int64_t cid) {
  OCHRE_ASSIGN_OR_RETURN(Statement * st, db_->Cached("SELECT count(*) FROM records WHERE cid = ?1"));
  st->Reset();
  st->Bind(1, cid);
  OCHRE_RETURN_IF_ERROR(st->Step().status());
  return st->ColumnInt(0);
}

Status CatalogConn::InsertMetadataRows(int64_t rid, int64_t cid, const Metadata& metadata) {
  OCHRE_ASSIGN_OR_RETURN(Statement * scalar,
                         db_->Cached("INSERT INTO metadata(rid, cid, key, t, v) VALUES (?1, ?2, ?3, ?4, ?5)"));
  OCHRE_ASSIGN_OR_RETURN(Statement * array,
                         db_->Cached("INSERT INTO metadata_array(rid, cid, key, t, v) VALUES (?1, ?2, ?3, ?4, ?5)"));
  for (const auto& [key, value] : metadata) {
    auto put = [&](Statement* st, int t, auto&& bind_value) -> Status {
      st->Reset();
      st->Bind(1, rid).Bind(2, cid).Bind(3, key).Bind(4, t);
      bind_value(st);
      return st->Run();
    };
    Status s = std::visit(
        [&](const auto& v) -> Status {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate> || std::is_same_v<T, SparseVector>) {
            // Sparse vectors are not filterable (Chroma's where has no operator for them): they
            // live in metadata_json only, and in the in-memory sparse index (api/sparse_index.h).
            return Status::Ok();
          } else if constexpr (std::is_same_v<T, bool>) {
            return put(scalar, kTypeBool, [&](Statement* st) { st->Bind(5, int64_t{v ? 1 : 0}); });
          } else if constexpr (std::is_same_v<T, int64_t>) {
            return put(scalar, kTypeInt, [&](Statement* st) { st->Bind(5, v); });
          } else if constexpr (std::is_same_v<T, double>) {
            return put(scalar, kTypeFloat, [&](Statement* st) { st->Bind(5, v); });
          } else if constexpr (std::is_same_v<T, std::string>) {
            return put(scalar, kTypeString, [&](Statement* st) { st->Bind(5, std::string_view(v)); });
          } else {
            for (const auto& e : v) {
              using E = std::decay_t<decltype(e)>;
              Status es;
              if constexpr (std::is_same_v<E, bool> || std::is_same_v<E, std::vector<bool>::const_reference>) {
                bool b = e;
                es = put(array, kTypeBool, [&](Statement* st) { st->Bind(5, int64_t{b ? 1 : 0}); });
              } else if constexpr (std::is_same_v<E, int64_t>) {
                es = put(array, kTypeInt, [&](Statement* st) { st->Bind(5, e); });
              } else if constexpr (std::is_same_v<E, double>) {
                es = put(array, kTypeFloat, [&](Statement* st) { st->Bind(5, e); });
              } else {
                es = put(array, kTypeString, [&](Statement* st) { st->Bind(5, std::string_view(e)); });
              }
              OCHRE_RETURN_IF_ERROR(es);
            }
            return Status::Ok();
          }
        },
        value);
    OCHRE_RETURN_IF_ERROR(s);
  }
  return Status::Ok();
}

namespace {

// A write's stored columns (document, uri, metadata_json) and their checksum: an insert and a
// rewrite store the same. `document` and `uri` point into the write.
struct StoredPayload {
  std::optional<std::string_view> document, uri;
  std::optional<std::string> metadata_json;
  uint32_t crc = 0;
};

StoredPayload PayloadOf(const RecordWrite& w) {
  StoredPayload p;
  if (w.document && w.document->has_value()) p.document = std::string_view(**w.document);
  if (w.uri && w.uri->has_value()) p.uri = std::string_view(**w.uri);
  if (w.metadata && !w.metadata->empty()) p.metadata_json = EncodeMetadata(*w.metadata);
  p.crc = RecordPayloadCrc(p.document, p.uri,
                           p.metadata_json ? std::optional<std::string_view>(*p.metadata_json) : std::nullopt);
  return p;
}

// Binds document, uri and metadata_json to ?first, ?first+1, ?first+2 (absent ones stay NULL).
void BindPayload(Statement* st, int first, const StoredPayload& p) {
  if (p.document) st->Bind(first, *p.document);
  if (p.uri) st->Bind(first + 1, *p.uri);
  if (p.metadata_json) st->Bind(first + 2, std::string_view(*p.metadata_json));
}

}  // namespace

Result<int64_t> CatalogConn::InsertRecord(int64_t cid, const RecordWrite& w) {
  OCHRE_ASSIGN_OR_RETURN(Statement * st,
                         db_->Cached("INSERT INTO records(cid, id, row, document, uri, metadata_json, key_crc, "
                                     "payload_crc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  st->Reset();
  st->Bind(1, cid).Bind(2, w.id).Bind(3, int64_t{w.row});
  const StoredPayload payload = PayloadOf(w);
  BindPayload(st, 4, payload);
  st->Bind(7, int64_t{RecordKeyCrc(cid, w.id, int64_t{w.row})});
  st->Bind(8, int64_t{payload.crc});
  OCHRE_RETURN_IF_ERROR(st->Run());
  int64_t rid = db_->LastInsertRowid();
  if (payload.metadata_json) OCHRE_RETURN_IF_ERROR(InsertMetadataRows(rid, cid, *w.metadata));
  if (payload.document) OCHRE_RETURN_IF_ERROR(IndexDocument(rid, cid, *payload.document));
  return rid;
}

// The FTS rows follow the collection's fts_ready as this transaction reads it, in the same
// statement: another process may have built the index since this one last looked, and a document
// written after that build must be in it (and one never indexed must not be "deleted" from it,
// which would corrupt the index).
Status CatalogConn::IndexDocument(int64_t rid, int64_t cid, std::string_view document) {
  OCHRE_ASSIGN_OR_RETURN(Statement * fts, db_->Cached("INSERT INTO documents_fts(rowid, document) SELECT ?1, ?2 "
                                                      "FROM collections WHERE cid = ?3 AND fts_ready"));
  fts->Reset();
  fts->Bind(1, rid).Bind(2, document).Bind(3, cid);
  return fts->Run();
}

Status CatalogConn::DeleteRecordRows(int64_t rid, int64_t cid, const std::optional<std::string>& document) {
  if (document) {
    OCHRE_ASSIGN_OR_RETURN(Statement * fts, db_->Cached("INSERT INTO documents_fts(documents_fts, rowid, document) "
                                                        "SELECT 'delete', ?1, ?2 FROM collections "
                                                        "WHERE cid = ?3 AND fts_ready"));
    fts->Reset();
    fts->Bind(1, rid).Bind(2, std::string_view(*document)).Bind(3, cid);
    OCHRE_RETURN_IF_ERROR(fts->Run());
  }
  OCHRE_ASSIGN_OR_RETURN(Statement * m, db_->Cached("DELETE FROM metadata WHERE rid = ?1"));
  m->Reset();
  m->Bind(1, rid);
  OCHRE_RETURN_IF_ERROR(m->Run());
  OCHRE_ASSIGN_OR_RETURN(Statement * a, db_->Cached("DELETE FROM metadata_array WHERE rid = ?1"));
  a->Reset();
  a->Bind(1, rid);
  return a->Run();
}

Status CatalogConn::RewriteRecord(int64_t cid, const RecordRow& old, const RecordWrite& w) {
  OCHRE_RETURN_IF_ERROR(DeleteRecordRows(old.rid, cid, old.document));
  OCHRE_ASSIGN_OR_RETURN(Statement * st, db_->Cached("UPDATE records SET row = ?2, document = ?3, uri = ?4, "
                                                     "metadata_json = ?5, key_crc = ?6, payload_crc = ?7 "
                                                     "WHERE rid = ?1"));
  st->Reset();
  st->Bind(1, old.rid).Bind(2, int64_t{w.row});
  const StoredPayload payload = PayloadOf(w);
  BindPayload(st, 3, payload);
  st->Bind(6, int64_t{RecordKeyCrc(cid, old.id, int64_t{w.row})});
  st->Bind(7, int64_t{payload.crc});
  OCHRE_RETURN_IF_ERROR(st->Run());
  if (payload.metadata_json) OCHRE_RETURN_IF_ERROR(InsertMetadataRows(old.rid, cid, *w.metadata));
  if (payload.document) OCHRE_RETURN_IF_ERROR(IndexDocument(old.rid, cid, *payload.document));
  return Status::Ok();
}

Status CatalogConn::DeleteRecord(int64_t cid, const RecordRow& old) {
  OCHRE_RETURN_IF_ERROR(DeleteRecordRows(old.rid, cid, old.document));
  OCHRE_ASSIGN_OR_RETURN(Statement * st, db_->Cached("DELETE FROM records WHERE rid = ?1"));
  st->Reset();
  st->Bind(1, old.rid);
  return st->Run();
}

// --- The FTS index --------------------------------------------------------------------------------

Result<bool> CatalogConn::FtsReady(int64_t cid) {
  OCHRE_ASSIGN_OR_RETURN(Statement * st, db_->Cached("SELECT fts_ready FROM collections WHERE cid = ?1"));
  st->Reset();
  st->Bind(1, cid);
  OCHRE_ASSIGN_OR_RETURN(bool row, st->Step());
  const bool ready = row && st->ColumnInt(0) != 0;
  st->Reset();
  return ready;
}

Result<bool> CatalogConn::BuildFts(int64_t cid) {
  OCHRE_ASSIGN_OR_RETURN(bool ready, FtsReady(cid));
  if (ready) return false;
  // One statement streams the documents into the index: FTS5 flushes its pending terms to a new
  // segment every megabyte, and SQLite spills dirty pages to the WAL once its page cache is full,
  // so memory stays bounded whatever the collection's size while the build stays one transaction
  // (the caller's): a crash before its commit leaves no entry and the flag unset.
  {
    OCHRE_ASSIGN_OR_RETURN(Statement st, db_->Prepare("INSERT INTO documents_fts(rowid, document) SELECT rid, document "
                                                      "FROM records WHERE cid = ?1 AND document IS NOT NULL"));
    st.Bind(1, cid);
    OCHRE_RETURN_IF_ERROR(st.Run());
  }
  OCHRE_ASSIGN_OR_RETURN(Statement st, db_->Prepare("UPDATE collections SET fts_ready = 1 WHERE cid = ?1"));
  st.Bind(1, cid);
  OCHRE_RETURN_IF_ERROR(st.Run());
  return true;
}

}  // namespace ochre::storage
